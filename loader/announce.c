// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Health decides what BIRD announces. Every health interval each check
 * runs: the attachment itself on the loop's thread (a netlink query, and a
 * re-attach where someone detached us), the rest as jobs on the checks
 * lane so a hanging command or a dead backend delays only its own check.
 * A check still running when its next turn comes is not started twice.
 * Each result goes through the rise/fall hysteresis; when the outcome
 * changes what BIRD should announce, a sync job rewrites the include file
 * and asks BIRD to configure. A sync also runs every interval to read back
 * what BIRD does.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/libbpf.h>

#include "clock.h"
#include "daemon.h"
#include "log.h"
#include "prefix.h"
#include "xdpcast.skel.h"

struct check_job {
	struct loop_job job;
	struct daemon *d;
	size_t check;
	struct zone **zones;            /* references: the default view's */
	size_t zone_count;
	int failed;
	char detail[256];
};

struct sync_job {
	struct loop_job job;
	struct daemon *d;
	struct route *routes;           /* a copy */
	size_t count;
};

/* ---- checks ---- */

static void check_run(struct loop_job *job)
{
	struct check_job *c = (struct check_job *)job;
	const struct options *o = &c->d->opts;

	if (c->check == CHECK_FAST_PATH)
		c->failed = health_fast_path(o->pin_dir, c->zones, c->zone_count, c->detail, sizeof(c->detail));
	else if (c->check == CHECK_BACKEND)
		c->failed = health_backend(&o->health.backend, o->health.timeout_ms, c->zones, c->zone_count,
					   c->detail, sizeof(c->detail));
	else
		c->failed = health_command(&o->health.commands[c->check - c->d->first_command], c->detail,
					   sizeof(c->detail));
}

static void check_done(struct loop_job *job)
{
	struct check_job *c = (struct check_job *)job;
	struct daemon *d = c->d;

	for (size_t i = 0; i < c->zone_count; i++)
		zone_free(c->zones[i]);
	free(c->zones);
	d->check_busy[c->check] = false;
	if (!d->exiting) {
		health_record(&d->health, c->check, !c->failed, c->detail);
		announce_update(d);
		daemon_publish(d);
	}
	free(c);
}

static void submit_check(struct daemon *d, size_t check)
{
	struct check_job *c;

	if (d->check_busy[check])
		return;         /* still running from the last turn: its result counts when it comes */
	c = calloc(1, sizeof(*c));
	if (!c || !(c->zones = calloc(d->gen.default_view_count + 1, sizeof(*c->zones)))) {
		free(c);
		health_record(&d->health, check, false, "out of memory");
		return;
	}
	c->job = (struct loop_job){ .lane = LANE_CHECKS, .run = check_run, .done = check_done };
	c->d = d;
	c->check = check;
	for (size_t i = 0; i < d->gen.default_view_count; i++)
		c->zones[c->zone_count++] = zone_ref(d->gen.zones[i]);
	d->check_busy[check] = true;
	loop_submit(d->loop, &c->job);
}

/* Why the zones check fails: a zone not fresh. A reload that failed does
 * not count: the last good generation still answers (the reload alert in
 * status and /metrics says so). */
static int zones_problem(const struct daemon *d, char *detail, size_t len)
{
	for (size_t i = 0; i < d->secondary_count; i++) {
		const struct secondary *s = &d->secondaries[i];

		if (!s->zone) {
			snprintf(detail, len, "zone %.100s: %.140s", s->name, s->error);
			return -1;
		}
		if (s->expired) {
			snprintf(detail, len, "zone %.100s: expired (%.130s)", s->name, s->error);
			return -1;
		}
	}
	return 0;
}

static void sync_bgp(struct daemon *d);

static void health_due(struct loop_timer *timer)
{
	struct daemon *d = timer->arg;
	char detail[256] = "";

	loop_timer_arm(d->loop, &d->health_timer, timer->at + d->opts.health.interval_ms / 1000.0);
	if (attach_check(bpf_program__fd(d->skel->progs.xdpcast), d->ifaces, d->opts.iface_count, detail,
			 sizeof(detail)))
		health_record(&d->health, CHECK_FAST_PATH, false, detail);
	else
		submit_check(d, CHECK_FAST_PATH);
	health_record(&d->health, CHECK_ZONES, !zones_problem(d, detail, sizeof(detail)), detail);
	for (size_t i = CHECK_BACKEND; i < d->health.count; i++)
		if (i != CHECK_BACKEND || d->opts.health.has_backend)
			submit_check(d, i);
	sync_bgp(d);
	announce_update(d);
	daemon_publish(d);
}

/* ---- what BIRD is asked for ---- */

static void sync_run(struct loop_job *job)
{
	struct sync_job *s = (struct sync_job *)job;

	bgp_sync(&s->d->bgp, s->routes, s->count, s->d->opts.pop, clock_monotonic());
}

static void sync_done(struct loop_job *job)
{
	struct sync_job *s = (struct sync_job *)job;
	struct daemon *d = s->d;
	struct bgp_view *v = &d->bird;

	v->connected = d->bgp.connected;
	snprintf(v->error, sizeof(v->error), "%s", d->bgp.error);
	memcpy(v->sessions, d->bgp.sessions, sizeof(v->sessions));
	v->session_count = d->bgp.session_count;
	memcpy(v->exported, d->bgp.exported, sizeof(v->exported));
	v->exported_count = d->bgp.exported_count;
	d->routes_synced = !memcmp(s->routes, d->routes, s->count * sizeof(*s->routes)) && !v->error[0];
	d->bgp_busy = false;
	free(s->routes);
	free(s);
	if (d->exiting)
		return;
	if (d->phase == PHASE_STOPPING && d->routes_synced && !loop_timer_armed(&d->drain_timer)) {
		log_info("withdrawn; answering for %u ms more before detaching", d->opts.drain_ms);
		loop_timer_arm(d->loop, &d->drain_timer, clock_monotonic() + d->opts.drain_ms / 1000.0);
	} else if (d->phase == PHASE_STOPPING && !v->connected) {
		log_info("BIRD unreachable: detaching without a drain");
		loop_stop(d->loop);
	}
	if (d->bgp_again) {
		d->bgp_again = false;
		sync_bgp(d);
	}
	daemon_publish(d);
}

static void sync_bgp(struct daemon *d)
{
	struct sync_job *s;

	if (!d->bgp.socket_path || d->exiting)
		return;
	if (d->bgp_busy) {
		d->bgp_again = true;
		return;
	}
	s = calloc(1, sizeof(*s));
	if (!s || !(s->routes = malloc(d->opts.anycast_count * sizeof(*s->routes) + 1))) {
		free(s);
		log_error("out of memory for a BGP sync");
		return;
	}
	memcpy(s->routes, d->routes, d->opts.anycast_count * sizeof(*s->routes));
	s->count = d->opts.anycast_count;
	s->d = d;
	s->job = (struct loop_job){ .lane = LANE_CHECKS, .run = sync_run, .done = sync_done };
	d->bgp_busy = true;
	loop_submit(d->loop, &s->job);
}

void announce_update(struct daemon *d)
{
	bool announce = health_all_up(&d->health) && d->phase == PHASE_RUNNING;
	bool changed = false;

	for (size_t i = 0; i < d->opts.anycast_count; i++) {
		enum route_state want = announce ? ROUTE_ANNOUNCED : ROUTE_WITHDRAWN;

		changed |= d->routes[i].state != want;
		d->routes[i].state = want;
	}
	if (changed) {
		d->routes_synced = false;
		sync_bgp(d);
	}
}

/* ---- start and stop ---- */

static void drain_due(struct loop_timer *timer)
{
	struct daemon *d = timer->arg;

	log_info("drain over: detaching");
	loop_stop(d->loop);
}

void announce_init(struct daemon *d, const struct control_plane_state *previous)
{
	const char *names[HEALTH_MAX_CHECKS] = { [CHECK_FAST_PATH] = "fast_path", [CHECK_ZONES] = "zones" };
	size_t count = CHECK_BACKEND;
	bool inherit = previous && previous->handed_over && previous->healthy;

	if (d->opts.health.has_backend)
		names[count++] = "backend";
	d->first_command = count;
	for (size_t i = 0; i < d->opts.health.command_count; i++)
		names[count++] = d->opts.health.commands[i].name;
	health_init(&d->health, d->opts.health.rise, d->opts.health.fall, names, count);
	d->routes = calloc(d->opts.anycast_count + 1, sizeof(*d->routes));
	for (size_t i = 0; d->routes && i < d->opts.anycast_count; i++)
		prefix_format(&d->opts.anycast[i], d->routes[i].prefix, sizeof(d->routes[i].prefix));
	bgp_init(&d->bgp, d->opts.bird_socket, d->opts.bird_include, d->opts.bgp_asn);
	loop_timer_init(&d->health_timer, "health round", health_due, d);
	loop_timer_init(&d->drain_timer, "drain", drain_due, d);
	/* A previous xdpcastd that handed over healthy was announcing: keep
	 * announcing while the checks run (they fall like any up check).
	 * After a crash nobody knows: start withdrawn and rise. */
	if (inherit) {
		health_assume_up(&d->health);
		log_info("the previous xdpcastd (pid %u) handed over while healthy: staying announced while the "
			 "checks run", previous->pid);
	}
}

void announce_start(struct daemon *d)
{
	char names[256] = "";
	size_t n = 0;

	for (size_t i = 0; i < d->health.count; i++)
		n += snprintf(names + n, n < sizeof(names) ? sizeof(names) - n : 0, "%s%s", i ? ", " : "",
			      d->health.checks[i].name);
	if (d->bgp.socket_path)
		log_info("announcing through %s (BIRD at %s) while these checks pass: %s", d->opts.bird_include,
			 d->bgp.socket_path, names);
	announce_update(d);
	loop_timer_arm(d->loop, &d->health_timer, clock_monotonic());
}

void announce_close(struct daemon *d)
{
	if (!d->routes)
		return;         /* never started */
	bgp_close(&d->bgp);
	free(d->routes);
	d->routes = NULL;
}
