// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Health decides what BIRD announces, prefix by prefix. Every health
 * interval each check runs: the attachment itself on the loop's thread (a
 * netlink query, and a re-attach where someone detached us), the rest as
 * jobs on the checks lane so a hanging command or a dead backend delays
 * only its own check. A check still running when its next turn comes is
 * not started twice. Each result goes through the rise/fall hysteresis.
 *
 * Each check gates some anycast prefixes (all, or a command's `prefixes`,
 * or a backend check's own prefix) and, when down, withdraws them or
 * drains them (prepends, communities: bgp.drain), as health.actions says.
 * Operators drain or withdraw prefixes by hand (xdpcastctl), kept in the
 * state file. A withdrawal wins over a drain. When the outcome changes, a
 * sync job rewrites BIRD's include file and asks BIRD to configure; a sync
 * also runs every interval to read back what BIRD does.
 */
#include <arpa/inet.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/libbpf.h>

#include "clock.h"
#include "daemon.h"
#include "durable_file.h"
#include "log.h"
#include "prefix.h"
#include "xdpcast.skel.h"

_Static_assert(OPTIONS_MAX_ANYCAST <= BGP_ROUTES_MAX, "struct bgp logs every anycast prefix's route");
_Static_assert(sizeof(((struct check *)0)->name) > OPTIONS_CHECK_NAME_MAX, "a command's name is its check's whole");

struct check_job {
	struct loop_job job;
	struct daemon *d;
	size_t check;
	struct health_zone *zones;      /* this round's, origins copied */
	size_t zone_count;
	size_t first_zone;              /* zones[0]'s index in the default view */
	size_t zones_passed;            /* before the one that failed */
	int failed;
	bool server_later;              /* the backend failed on it with a later serial than ours */
	char detail[256];
};

struct sync_job {
	struct loop_job job;
	struct daemon *d;
	struct route *routes;           /* a copy */
	size_t count;
	bool stopping;                  /* made after the stop began: it carries the withdrawal */
};

/* ---- checks ---- */

#define BACKEND_CHECK_NAME_LEN 80

/* The default backend check of one anycast prefix: "backend PREFIX". */
static const char *backend_check_name(const struct xdpcast_lpm_key *prefix, char out[BACKEND_CHECK_NAME_LEN])
{
	char text[64];

	prefix_format(prefix, text, sizeof(text));
	snprintf(out, BACKEND_CHECK_NAME_LEN, "backend %s", text);
	return out;
}

/* The first address of this host inside prefix, or -1. */
static int local_address(const struct xdpcast_lpm_key *prefix, struct address *out)
{
	struct ifaddrs *all, *a;
	int ret = -1;

	if (getifaddrs(&all))
		return -1;
	for (a = all; a && ret; a = a->ifa_next) {
		__u8 mapped[16] = { [10] = 0xff, [11] = 0xff };
		char text[INET6_ADDRSTRLEN], err[128];

		if (!a->ifa_addr || (a->ifa_addr->sa_family != AF_INET && a->ifa_addr->sa_family != AF_INET6))
			continue;
		if (a->ifa_addr->sa_family == AF_INET)
			memcpy(mapped + 12, &((struct sockaddr_in *)a->ifa_addr)->sin_addr, 4);
		else
			memcpy(mapped, &((struct sockaddr_in6 *)a->ifa_addr)->sin6_addr, 16);
		if (!prefix_contains(prefix, mapped))
			continue;
		inet_ntop(a->ifa_addr->sa_family, a->ifa_addr->sa_family == AF_INET ?
			  (void *)&((struct sockaddr_in *)a->ifa_addr)->sin_addr :
			  (void *)&((struct sockaddr_in6 *)a->ifa_addr)->sin6_addr, text, sizeof(text));
		ret = address_parse(text, 53, out, err, sizeof(err));
	}
	freeifaddrs(all);
	return ret;
}

/* The address a CHECK_KIND_LOCAL_BACKEND check asks now, or -1 and why
 * it cannot ask. */
static int local_backend(const struct xdpcast_lpm_key *inside, struct address *out, char *why, size_t len)
{
	char text[64];

	if (!local_address(inside, out))
		return 0;
	prefix_format(inside, text, sizeof(text));
	snprintf(why, len, "no address inside %s on this host: the server behind cannot be checked (add one, or "
		 "set health.backend)", text);
	return -1;
}

static void check_run(struct loop_job *job)
{
	struct check_job *c = (struct check_job *)job;
	const struct check_spec *spec = &c->d->check_specs[c->check];
	const struct options *o = &c->d->opts;
	struct address local;

	switch (spec->kind) {
	case CHECK_KIND_FAST_PATH:
		c->failed = health_fast_path(o->pin_dir, c->zones, c->zone_count, &c->zones_passed, c->detail,
					     sizeof(c->detail));
		break;
	case CHECK_KIND_BACKEND:
		c->failed = health_backend(&spec->backend, o->health.timeout_ms, c->zones, c->zone_count,
					   &c->zones_passed, &c->server_later, c->detail, sizeof(c->detail));
		break;
	case CHECK_KIND_LOCAL_BACKEND:
		if (local_backend(spec->inside, &local, c->detail, sizeof(c->detail))) {
			c->failed = -1;
			c->zones_passed = c->zone_count;        /* no zone's failure: it counts whatever they became */
			break;
		}
		c->failed = health_backend(&local, o->health.timeout_ms, c->zones, c->zone_count, &c->zones_passed,
					   &c->server_later, c->detail, sizeof(c->detail));
		break;
	case CHECK_KIND_COMMAND:
		c->failed = health_command(spec->command, &o->health.user, c->detail, sizeof(c->detail));
		break;
	default:
		c->failed = -1;
		snprintf(c->detail, sizeof(c->detail), "not a job");
	}
}

/* What became of the zone a round failed on while the round ran. */
enum failed_zone {
	FAILED_ZONE_SAME,       /* the failure counts */
	FAILED_ZONE_GONE,       /* left the config: a catalog member removed in place, say, which
				 * the program rightly no longer answers */
	FAILED_ZONE_CHANGED,    /* another serial in force now */
};

static enum failed_zone failed_zone_fate(const struct daemon *d, const struct check_job *c)
{
	const struct health_zone *z;

	if (!c->failed || c->zones_passed >= c->zone_count)
		return FAILED_ZONE_SAME;
	z = &c->zones[c->zones_passed];
	for (size_t i = 0; i < d->zones.default_view_count; i++) {
		const struct zone_view *in_force = &d->zones.zones[i];

		if (!knot_dname_is_equal(in_force->origin, z->origin))
			continue;
		if (!zones_configured(d, in_force))
			return FAILED_ZONE_GONE;
		return in_force->serial == z->serial ? FAILED_ZONE_SAME : FAILED_ZONE_CHANGED;
	}
	return FAILED_ZONE_GONE;
}

static void check_done(struct loop_job *job)
{
	struct check_job *c = (struct check_job *)job;
	struct daemon *d = c->d;
	enum failed_zone fate = failed_zone_fate(d, c);
	/* A round that failed on what is no longer ours to serve asked the
	 * wrong question: the next asks about what is. A changed serial is
	 * let off once in a row: a zone changed at every round must not hide
	 * a check that really fails on it. */
	bool moot = fate == FAILED_ZONE_GONE || (fate == FAILED_ZONE_CHANGED && !d->check_let_off[c->check]);

	d->check_let_off[c->check] = moot && fate == FAILED_ZONE_CHANGED;
	if (moot)
		log_debug("health check %s: not counted, it failed on a zone %s meanwhile (%s)",
			  d->health.checks[c->check].name, fate == FAILED_ZONE_GONE ? "removed" : "changed", c->detail);
	else if (c->server_later && !d->exiting)
		zones_catch_up(d, c->zones[c->zones_passed].origin, c->detail);
	for (size_t i = 0; i < c->zone_count; i++)
		knot_dname_free((knot_dname_t *)c->zones[i].origin, NULL);
	free(c->zones);
	d->check_busy[c->check] = false;
	/* Past the zones that passed: a zone that fails is asked first again,
	 * so its failures come in a row. */
	d->check_first_zone[c->check] = c->first_zone + c->zones_passed;
	if (!d->exiting && !moot) {
		health_record(&d->health, c->check, !c->failed, c->detail);
		announce_update(d);
		daemon_publish(d);
	}
	free(c);
}

/* A round asks zones_per_round zones in turn, not every zone: at 100,000
 * zones that would be 100,000 SOA queries to the server behind and as many
 * test runs, every round, each longer than the interval. */
static void submit_check(struct daemon *d, size_t check)
{
	size_t total = d->zones.default_view_count, take = total;
	struct check_job *c;

	if (d->check_busy[check])
		return;         /* still running from the last turn: its result counts when it comes */
	if (take > d->opts.health.zones_per_round)
		take = d->opts.health.zones_per_round;
	c = calloc(1, sizeof(*c));
	if (!c || !(c->zones = calloc(take + 1, sizeof(*c->zones)))) {
		free(c);
		health_record(&d->health, check, false, "out of memory");
		return;
	}
	c->job = (struct loop_job){ .lane = LANE_CHECKS, .run = check_run, .done = check_done };
	c->d = d;
	c->check = check;
	c->first_zone = total ? d->check_first_zone[check] % total : 0;
	for (size_t i = 0; i < take; i++) {
		const struct zone_view *z = &d->zones.zones[(c->first_zone + i) % total];

		c->zones[c->zone_count].origin = knot_dname_copy(z->origin, NULL);
		c->zones[c->zone_count].serial = z->serial;
		if (c->zones[c->zone_count].origin)
			c->zone_count++;
	}
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

		if (!secondary_used(s) || (s->catalog && s->zone))
			continue;       /* a catalog's age is its members' business */
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
	double interval = d->opts.health.interval_ms / 1000.0, next = timer->at + interval;
	char detail[256] = "";

	loop_timer_arm(d->loop, &d->health_timer, next > clock_monotonic() ? next : clock_monotonic() + interval);
	for (size_t i = 0; i < d->health.count; i++) {
		const struct check_spec *spec = &d->check_specs[i];

		switch (spec->kind) {
		case CHECK_KIND_FAST_PATH:
			if (pins_restore(&d->pins, d->skel->progs.xdpcast, detail, sizeof(detail)) ||
			    attach_check(bpf_program__fd(d->skel->progs.xdpcast), d->ifaces, d->opts.iface_count,
					 d->skel->bss->iface_ifindex, detail, sizeof(detail)))
				health_record(&d->health, i, false, detail);
			else
				submit_check(d, i);
			break;
		case CHECK_KIND_ZONES:
			health_record(&d->health, i, !zones_problem(d, detail, sizeof(detail)), detail);
			break;
		default:
			submit_check(d, i);
		}
	}
	/* After the check: a bond made again has its new ifindex by now. */
	attach_members(d->ifaces, d->opts.iface_count, d->skel->bss->member_ifindex, d->skel->bss->member_slot);
	sync_bgp(d);
	announce_update(d);
	daemon_publish(d);
}

/* ---- what BIRD is asked for ---- */

static void sync_run(struct loop_job *job)
{
	struct sync_job *s = (struct sync_job *)job;

	if (s->stopping)
		bgp_retry_now(&s->d->bgp);
	bgp_sync(&s->d->bgp, s->routes, s->count, s->d->opts.pop, clock_monotonic());
}

static void sync_done(struct loop_job *job)
{
	struct sync_job *s = (struct sync_job *)job;
	struct daemon *d = s->d;
	struct bgp_view *v = &d->bird;
	bool made_stopping = s->stopping, ended = false;

	v->connected = d->bgp.connected;
	bgp_describe(&d->bgp, v->error, sizeof(v->error));
	memcpy(v->sessions, d->bgp.sessions, sizeof(v->sessions));
	v->session_count = d->bgp.session_count;
	memcpy(v->exported, d->bgp.exported, sizeof(v->exported));
	v->exported_count = d->bgp.exported_count;
	d->routes_synced = !memcmp(s->routes, d->routes, s->count * sizeof(*s->routes)) && d->bgp.connected &&
			   d->bgp.configured && d->bgp.runs_decided;
	d->bgp_busy = false;
	free(s->routes);
	free(s);
	if (d->exiting)
		return;
	/* A sync that started before the withdrawal proves nothing either way:
	 * the first made since decides (later ones, asked for by health rounds
	 * while BIRD is slow, would keep the stop waiting). */
	if (made_stopping && d->phase == PHASE_STOPPING && !loop_timer_armed(&d->drain_timer) &&
	    !d->withdrawal_unconfirmed) {
		if (d->routes_synced && !d->stop_drains) {
			log_info("withdrawn, as it was before the stop: detaching");
			ended = true;
		} else if (d->routes_synced) {
			log_info("withdrawn; answering for %u ms more before detaching", d->opts.drain_ms);
			loop_timer_arm(d->loop, &d->drain_timer, clock_monotonic() + d->opts.drain_ms / 1000.0);
		} else if (d->bgp.away && d->bgp.written) {
			/* Nothing to drain: a BIRD that is not running announces nothing. */
			log_info("no BIRD listening at %s (%s): it announces nothing, and reads the withdrawn include "
				 "file when it starts; detaching", d->bgp.socket_path, v->error);
			ended = true;
		} else {
			log_error("BIRD did not take the withdrawal (%s): detaching without a drain", v->error);
			d->withdrawal_unconfirmed = true;
			ended = true;
		}
	}
	if (ended) {            /* no sync after the stop's verdict: the exit would wait for it */
		d->bgp_again = false;
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
	s->stopping = d->phase == PHASE_STOPPING;
	s->job = (struct loop_job){ .lane = LANE_BIRD, .run = sync_run, .done = sync_done };
	d->bgp_busy = true;
	loop_submit(d->loop, &s->job);
}

static bool same_maintenance(const struct maintenance *a, const struct maintenance *b)
{
	return a->action == b->action && a->prepend == b->prepend;
}

static bool version_reached(unsigned version, unsigned reached)
{
	return (int)(reached - version) >= 0;   /* wraps */
}

/* What status adds to prefix i's why about the state file: a write of
 * what was asked for it under way (an undrain waits for it), or the last
 * write failed, so the next start ends what is in force. */
static const char *state_file_note(const struct daemon *d, size_t i)
{
	/* An undrain of every prefix asks this one too: nothing to write here. */
	if (d->maintenance[i].action == MAINT_NONE && d->maintenance_asked[i].action == MAINT_NONE &&
	    d->maintenance_saved[i].action == MAINT_NONE)
		return "";
	if (!version_reached(d->maintenance_asked_in[i], d->maintenance_written))
		return same_maintenance(&d->maintenance_asked[i], &d->maintenance[i]) ?
		       "being written to the state file" : "undrain waiting for the state file";
	return same_maintenance(&d->maintenance[i], &d->maintenance_saved[i]) ? "" :
	       "not kept across restarts: the state file could not be written";
}

/* Adds a reason to a prefix's why, after those before it. */
static void why_add(char *why, size_t len, const char *reason)
{
	size_t n = strlen(why);

	if (reason[0])
		snprintf(why + n, len - n, "%s%s", n ? "; " : "", reason);
}

/* Whether an up check counts as down for prefix i: the prefix is new since
 * a handover and the check has not passed `rise` times here, as at a fresh
 * start (its word was not about that prefix). A withdraw check then
 * withdraws it, a drain check drains it. */
static bool unproven_here(const struct daemon *d, size_t i, const struct check *check)
{
	return (d->unproven & (1ULL << i)) && check->passes_here < d->health.rise;
}

/* What prefix i should be: the phase, then the operator's maintenance,
 * then every check that gates it and is down. A withdrawal wins. The why
 * names what decides the route: an operator's withdrawal alone, else the
 * drain and every check down (one down hid the operator's drain). */
static struct route decide(const struct daemon *d, size_t i, char *why, size_t len)
{
	const struct maintenance *m = &d->maintenance[i];
	const char *lacks = m->action == MAINT_DRAIN ? drain_lacks(&d->opts.drain, m->prepend) : NULL;
	struct route r = d->routes[i];
	bool withdrawn = false;
	char reason[PREFIX_WHY_LEN];

	r.state = ROUTE_ANNOUNCED;
	r.prepend = 0;
	why[0] = '\0';
	if (d->phase != PHASE_RUNNING) {
		snprintf(why, len, "%s", d->phase == PHASE_STOPPING ? "stopping" : "starting");
		r.state = ROUTE_WITHDRAWN;
		return r;
	}
	if (m->action == MAINT_WITHDRAW) {
		why_add(why, len, "withdrawn by xdpcastctl");
	} else if (lacks) {
		/* Only a state file from a config that could drain gets here (a
		 * drain asked now is refused): withdrawing this prefix alone is the
		 * nearest to what the operator asked, and leaves the others
		 * announced. */
		snprintf(reason, sizeof(reason), "drained by xdpcastctl, withdrawn: %s to drain with", lacks);
		why_add(why, len, reason);
	} else if (m->action == MAINT_DRAIN) {
		why_add(why, len, "drained by xdpcastctl");
		r.state = ROUTE_PREPENDED;
		r.prepend = m->prepend;
	}
	why_add(why, len, state_file_note(d, i));
	if (m->action == MAINT_WITHDRAW || lacks) {
		r.state = ROUTE_WITHDRAWN;
		return r;
	}
	for (size_t c = 0; c < d->health.count; c++) {
		const struct check *check = &d->health.checks[c];

		if (!(check->gates & (1ULL << i)) || (check->up && !unproven_here(d, i, check)))
			continue;
		if (!check->up) {
			snprintf(reason, sizeof(reason), "check %s down", check->name);
			why_add(why, len, reason);
		}
		withdrawn |= check->action == CHECK_WITHDRAW;
		r.state = ROUTE_PREPENDED;
		if (r.prepend < d->opts.drain.prepend)
			r.prepend = d->opts.drain.prepend;
	}
	if (d->unproven & (1ULL << i))
		why_add(why, len, "not announced before the handover: waits for its checks to pass here");
	if (withdrawn) {
		r.state = ROUTE_WITHDRAWN;
		r.prepend = 0;
	}
	return r;
}

/* A prefix new since a handover is proven once every check gating it is
 * up and has passed `rise` times in a row in this xdpcastd's own rounds
 * (unproven_here); from then on its checks decide as for any prefix. */
static void prove_new_prefixes(struct daemon *d)
{
	for (size_t i = 0; i < d->opts.anycast_count; i++) {
		uint64_t bit = 1ULL << i;
		bool proven = true;

		if (!(d->unproven & bit))
			continue;
		for (size_t c = 0; c < d->health.count; c++) {
			const struct check *check = &d->health.checks[c];

			if ((check->gates & bit) && (!check->up || unproven_here(d, i, check)))
				proven = false;
		}
		if (proven) {
			d->unproven &= ~bit;
			log_info("%s: its checks passed since the handover", d->routes[i].prefix);
		}
	}
}

/* Whether a route changed. */
static bool decide_all(struct daemon *d)
{
	bool changed = false;

	prove_new_prefixes(d);
	for (size_t i = 0; i < d->opts.anycast_count; i++) {
		struct route r = decide(d, i, d->route_why[i], sizeof(d->route_why[i]));

		changed |= memcmp(&r, &d->routes[i], sizeof(r)) != 0;
		d->routes[i] = r;
	}
	return changed;
}

void announce_update(struct daemon *d)
{
	/* Decided at a stop (announce_stop), or left to the next start at a
	 * handover: the jobs ending as xdpcastd exits change none (a handover's
	 * read "starting", withdrawn, in /metrics). */
	if (d->exiting)
		return;
	if (decide_all(d)) {
		d->routes_synced = false;
		sync_bgp(d);
	}
}

void announce_stop(struct daemon *d)
{
	decide_all(d);
	d->routes_synced = false;
	sync_bgp(d);
}

/* ---- the operator's maintenance ---- */

/* The kept state file entry (not in this config) for prefix, or -1. */
static int kept_index(const struct daemon *d, const char *prefix)
{
	for (size_t k = 0; k < d->maintenance_kept_count; k++)
		if (!strcmp(d->maintenance_kept[k].prefix, prefix))
			return k;
	return -1;
}

void announce_state_file_moving(const struct daemon *d, const char *next_path)
{
	size_t in_force = d->maintenance_kept_count;

	for (size_t i = 0; i < d->opts.anycast_count; i++)
		in_force += d->maintenance[i].action != MAINT_NONE;
	if (in_force && strcmp(d->opts.state_file, next_path))
		log_warn("state_file: the next start reads %s, not %s, which keeps the drains and withdrawals in "
			 "force (%zu %s): move it there just before that start, or they end", next_path,
			 d->opts.state_file, in_force, in_force == 1 ? "prefix" : "prefixes");
}

/* One write of the state file, on its lane: what the operator had asked
 * for when it was submitted (version). Drains and withdrawals are in force
 * from the moment they are asked; an undrain once a write keeps it (else
 * the next start would drain again). A disk slow to sync, or hung as it
 * fails, so delays no drain or withdrawal, and no timer: the loop's thread
 * waited for it before. */
struct maintain_job {
	struct loop_job job;            /* first: the job is the struct */
	struct daemon *d;
	unsigned version;
	char *path, *text;              /* the state file, what it is to hold */
	struct maintenance *asked;      /* each prefix's, in the text */
	bool *left_out;                 /* each kept entry: forgotten, not in the text */
	bool write_failed;              /* err says why */
	char err[512];
};

static void maintain_run(struct loop_job *job)
{
	struct maintain_job *j = (struct maintain_job *)job;

	j->write_failed = maintenance_write(j->path, j->text, j->err, sizeof(j->err));
}

static void maintain_write_next(struct daemon *d);

/* Undrains waiting take effect once the file does not hold what they end
 * (this write kept them, or it never held it); those whose last request
 * this write carried, and failed to keep, are refused (what was asked
 * goes back). Kept entries it left out leave the list, or stay when not
 * written. */
static void maintain_done(struct loop_job *job)
{
	struct maintain_job *j = (struct maintain_job *)job;
	struct daemon *d = j->d;
	size_t kept = 0;

	d->maintenance_writing = false;
	d->maintenance_written = j->version;
	if (!j->write_failed)
		memcpy(d->maintenance_saved, j->asked, d->opts.anycast_count * sizeof(*j->asked));
	for (size_t i = 0; i < d->opts.anycast_count; i++) {
		if (same_maintenance(&d->maintenance[i], &d->maintenance_asked[i]))
			continue;
		if (d->maintenance_saved[i].action == MAINT_NONE)
			d->maintenance[i] = d->maintenance_asked[i];
		else if (version_reached(d->maintenance_asked_in[i], j->version))
			d->maintenance_asked[i] = d->maintenance[i];
	}
	for (size_t k = 0; k < d->maintenance_kept_count; k++) {
		struct maintenance_kept *e = &d->maintenance_kept[k];

		if (j->left_out[k] && !j->write_failed)
			continue;
		if (j->left_out[k] && version_reached(e->forgotten_in, j->version))
			e->forgotten_in = 0;
		d->maintenance_kept[kept++] = *e;
	}
	d->maintenance_kept_count = kept;
	if (j->write_failed && !d->exiting)
		log_error("xdpcastctl: the state file: %s: drains and withdrawals since the last write are not kept "
			  "across restarts, undrains of what it holds are refused", j->err);
	if (!d->exiting) {
		announce_update(d);
		daemon_publish(d);
		control_server_maintained(d->control, j->version, j->write_failed ? j->err : NULL);
	}
	/* At a stop or handover too (the loop's last jobs): the next start
	 * reads the file. */
	maintain_write_next(d);
	free(j->path);
	free(j->text);
	free(j->asked);
	free(j->left_out);
	free(j);
}

/* The state file's text for what is asked: the kept entries an undrain
 * forgot left out (marked in left_out). NULL: out of memory. */
static char *asked_text(const struct daemon *d, bool *left_out)
{
	struct maintenance_kept *listed = calloc(d->maintenance_kept_count + 1, sizeof(*listed));
	size_t count = 0;
	char *text;

	if (!listed)
		return NULL;
	for (size_t k = 0; k < d->maintenance_kept_count; k++) {
		left_out[k] = d->maintenance_kept[k].forgotten_in != 0;
		if (!left_out[k])
			listed[count++] = d->maintenance_kept[k];
	}
	text = maintenance_text(d->routes, d->maintenance_asked, d->opts.anycast_count, listed, count);
	free(listed);
	return text;
}

/* Writes what was asked since the last write, one write at a time. Out of
 * memory, nothing is written until the next change asked (the commands
 * waiting are answered "not kept yet" at their deadline). */
static void maintain_write_next(struct daemon *d)
{
	size_t count = d->opts.anycast_count;
	struct maintain_job *j;

	if (d->maintenance_writing || d->maintenance_written == d->maintenance_asked_version)
		return;
	j = calloc(1, sizeof(*j));
	if (j) {
		j->asked = calloc(count + 1, sizeof(*j->asked));
		j->left_out = calloc(d->maintenance_kept_count + 1, sizeof(*j->left_out));
		j->path = strdup(d->opts.state_file);
	}
	if (!j || !j->asked || !j->left_out || !j->path) {
		if (j) {
			free(j->asked);
			free(j->left_out);
			free(j->path);
		}
		free(j);
		log_error("xdpcastctl: the state file not written: out of memory");
		return;
	}
	j->job = (struct loop_job){ .lane = LANE_MAINTENANCE, .run = maintain_run, .done = maintain_done };
	j->d = d;
	j->version = d->maintenance_asked_version;
	memcpy(j->asked, d->maintenance_asked, count * sizeof(*j->asked));
	j->text = asked_text(d, j->left_out);   /* NULL: written as a failure, "out of memory" */
	d->maintenance_writing = true;
	loop_submit(d->loop, &j->job);
}

unsigned announce_maintain(struct daemon *d, const char *prefix, enum maintenance_action action, unsigned prepend,
			   char *err, size_t errlen)
{
	struct maintenance m = { .action = action, .prepend = action == MAINT_DRAIN ? prepend : 0 };
	unsigned version = d->maintenance_asked_version + 1 ? d->maintenance_asked_version + 1 : 1;
	bool found = false;
	int forget;

	if (action == MAINT_DRAIN && !drain_possible(&d->opts.drain, prepend)) {
		snprintf(err, errlen, "%s", d->opts.drain.asn ?
			 "a drain of 0 prepends needs bgp.drain.communities in the config file" :
			 "a drain needs bgp.asn (to prepend) or bgp.drain.communities in the config file");
		return 0;
	}
	for (size_t i = 0; i < d->opts.anycast_count; i++) {
		if (prefix && strcmp(prefix, d->routes[i].prefix))
			continue;
		d->maintenance_asked[i] = m;
		d->maintenance_asked_in[i] = version;
		if (action != MAINT_NONE)
			d->maintenance[i] = m;
		found = true;
	}
	/* `undrain PREFIX` of an entry this config does not have is how an
	 * operator forgets it: left out of the next write. */
	if (!found && prefix && action == MAINT_NONE && (forget = kept_index(d, prefix)) >= 0) {
		d->maintenance_kept[forget].forgotten_in = version;
		found = true;
	}
	if (!found) {
		snprintf(err, errlen, "%s is not one of the anycast prefixes", prefix);
		return 0;
	}
	d->maintenance_asked_version = version;
	log_info("xdpcastctl: %s %s%s", action == MAINT_NONE ? "undrain" : maintenance_names[action],
		 prefix ? prefix : "every anycast prefix", action == MAINT_DRAIN ? " (prepends as asked)" :
		 action == MAINT_NONE ? " (in force once the state file keeps it)" : "");
	announce_update(d);
	daemon_publish(d);
	maintain_write_next(d);
	return version;
}

int announce_maintained(const struct daemon *d, const char *prefix, enum maintenance_action action,
			const char *write_err, char *not_kept, size_t not_kept_len, char *err, size_t errlen)
{
	char stayed[512] = "";
	size_t len = 0, targets = 0, stays = 0;
	bool unkept = false;

	not_kept[0] = '\0';
	if (!write_err)
		return 0;
	for (size_t i = 0; i < d->opts.anycast_count; i++) {
		if (prefix && strcmp(prefix, d->routes[i].prefix))
			continue;
		targets++;
		unkept |= !same_maintenance(&d->maintenance[i], &d->maintenance_saved[i]);
		if (action == MAINT_NONE && d->maintenance[i].action != MAINT_NONE && stays++ < 8 && len < sizeof(stayed))
			len += snprintf(stayed + len, sizeof(stayed) - len, "%s%s", len ? ", " : "", d->routes[i].prefix);
	}
	if (action != MAINT_NONE) {
		if (unkept)
			snprintf(not_kept, not_kept_len, "not kept across restarts: %s", write_err);
		return 0;
	}
	if (prefix && kept_index(d, prefix) >= 0)
		stays = targets = 1;
	if (!stays)
		return 0;
	if (stays == targets)
		snprintf(err, errlen, "%s", write_err);
	else
		snprintf(err, errlen, "%s: %s stay%s as the state file keeps %s; the others are undrained", write_err,
			 stayed, stays == 1 ? "s" : "", stays == 1 ? "it" : "them");
	return -1;
}

/* ---- start and stop ---- */

static void drain_due(struct loop_timer *timer)
{
	struct daemon *d = timer->arg;

	log_info("drain over: detaching");
	loop_stop(d->loop);
}

static size_t add_check(struct daemon *d, const char *name, uint64_t gates, struct check_spec spec)
{
	enum check_action action = CHECK_WITHDRAW;

	/* "backend" in health.actions is every backend check */
	for (size_t i = 0; i < d->opts.health.action_count; i++)
		if (!strcmp(d->opts.health.actions[i].check, name) ||
		    ((spec.kind == CHECK_KIND_BACKEND || spec.kind == CHECK_KIND_LOCAL_BACKEND) &&
		     !strcmp(d->opts.health.actions[i].check, "backend")))
			action = d->opts.health.actions[i].action;
	d->check_specs[d->health.count] = spec;
	return health_add(&d->health, name, action, gates);
}

/* The server behind, checked on an address it serves: health.backend for
 * every prefix, else for each prefix an address of this host inside it,
 * looked for at each round (a prefix without one is withdrawn until an
 * address is added, and its check says why). */
static void add_backend_checks(struct daemon *d, uint64_t all)
{
	if (d->opts.health.has_backend) {
		add_check(d, "backend", all, (struct check_spec){ .kind = CHECK_KIND_BACKEND,
								  .backend = d->opts.health.backend });
		return;
	}
	for (size_t i = 0; i < d->opts.anycast_count; i++) {
		char name[BACKEND_CHECK_NAME_LEN];

		add_check(d, backend_check_name(&d->opts.anycast[i].prefix, name), 1ULL << i,
			  (struct check_spec){ .kind = CHECK_KIND_LOCAL_BACKEND, .inside = &d->opts.anycast[i].prefix });
	}
}

/* Whether check i has nothing to ask on this host now (why says so). */
static bool unaddressed(const struct daemon *d, size_t i, char *why, size_t len)
{
	const struct check_spec *spec = &d->check_specs[i];
	struct address unused;

	return spec->kind == CHECK_KIND_LOCAL_BACKEND && local_backend(spec->inside, &unused, why, len);
}

void announce_warn_unaddressed(const struct daemon *d, const char *where)
{
	char why[192];

	for (size_t i = 0; i < d->health.count; i++)
		if (unaddressed(d, i, why, sizeof(why)))
			log_warn("%s%scheck %s: %s: down until then", where ? where : "", where ? ": " : "",
				 d->health.checks[i].name, why);
}

static int gates_of(const struct options *o, const struct command_check *c, uint64_t *gates, char *err,
		    size_t errlen)
{
	*gates = c->prefix_count ? 0 : ~0ULL;
	for (size_t p = 0; p < c->prefix_count; p++) {
		size_t i;

		for (i = 0; i < o->anycast_count; i++)
			if (!memcmp(&c->prefixes[p], &o->anycast[i].prefix, sizeof(c->prefixes[p])))
				break;
		if (i == o->anycast_count) {
			char text[64];

			prefix_format(&c->prefixes[p], text, sizeof(text));
			snprintf(err, errlen, "%s:%d: health.commands %s: prefixes: %s is not an anycast prefix",
				 o->config_path, c->line, c->name, text);
			return -1;
		}
		*gates |= 1ULL << i;
	}
	return 0;
}

/* Whether announce_init makes a check of this name for these options
 * (its own, add_backend_checks' and the commands'); "backend" names
 * every backend check. */
static bool check_named(const struct options *o, const char *name)
{
	if (options_own_check_name(name))
		return true;
	for (size_t i = 0; i < o->health.command_count; i++)
		if (!strcmp(name, o->health.commands[i].name))
			return true;
	for (size_t i = 0; i < o->anycast_count && !o->health.has_backend; i++) {
		char backend[BACKEND_CHECK_NAME_LEN];

		if (!strcmp(name, backend_check_name(&o->anycast[i].prefix, backend)))
			return true;
	}
	return false;
}

int announce_check_options(const struct options *o, char *err, size_t errlen)
{
	const struct health_options *h = &o->health;
	uint64_t gates;

	for (size_t i = 0; i < h->command_count; i++)
		if (gates_of(o, &h->commands[i], &gates, err, errlen))
			return -1;
	for (size_t a = 0; a < h->action_count; a++)
		if (!check_named(o, h->actions[a].check)) {
			snprintf(err, errlen, "%s:%d: health.actions: no check named '%s'", o->config_path,
				 h->actions[a].line, h->actions[a].check);
			return -1;
		}
	return 0;
}

int announce_prepare(struct daemon *d, char *err, size_t errlen)
{
	char why[ERR_LEN];

	d->state_file_lock = d->bird_include_lock = -1;
	if (announce_check_options(&d->opts, err, errlen))
		return -1;
	bgp_init(&d->bgp, d->opts.bird_socket, d->opts.bird_include, &d->opts.drain);  /* announce_close's */
	d->routes = calloc(d->opts.anycast_count + 1, sizeof(*d->routes));
	d->route_why = calloc(d->opts.anycast_count + 1, sizeof(*d->route_why));
	d->maintenance = calloc(d->opts.anycast_count + 1, sizeof(*d->maintenance));
	d->maintenance_asked = calloc(d->opts.anycast_count + 1, sizeof(*d->maintenance_asked));
	d->maintenance_asked_in = calloc(d->opts.anycast_count + 1, sizeof(*d->maintenance_asked_in));
	d->maintenance_saved = calloc(d->opts.anycast_count + 1, sizeof(*d->maintenance_saved));
	if (!d->routes || !d->route_why || !d->maintenance || !d->maintenance_asked || !d->maintenance_asked_in ||
	    !d->maintenance_saved) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (size_t i = 0; i < d->opts.anycast_count; i++)
		prefix_format(&d->opts.anycast[i].prefix, d->routes[i].prefix, sizeof(d->routes[i].prefix));
	/* One daemon each: two sharing the state file undo each other's
	 * drains, and two sharing the include rewrite it in turn, BIRD
	 * configured every round. (--check-config, beside the daemon it
	 * checks for, takes neither.) */
	if (!d->opts.check_config &&
	    (d->state_file_lock = durable_file_lock(d->opts.state_file, why, sizeof(why))) == -1) {
		options_value_error(&d->opts, "state_file", err, errlen, "%s", why);
		return -1;
	}
	if (!d->opts.check_config && d->opts.bird_socket &&
	    (d->bird_include_lock = durable_file_lock(d->opts.bird_include, why, sizeof(why))) == -1) {
		options_value_error(&d->opts, "bird_include", err, errlen, "%s", why);
		return -1;
	}
	if (d->state_file_lock == DURABLE_FILE_UNLOCKED)
		log_warn("%s: on a read-only filesystem: drains and withdrawals are not kept across restarts",
			 d->opts.state_file);
	if (maintenance_load(d->opts.state_file, d->routes, d->opts.anycast_count, d->maintenance,
			     &d->maintenance_kept, &d->maintenance_kept_count, why, sizeof(why))) {
		options_value_error(&d->opts, "state_file", err, errlen, "%s", why);
		return -1;
	}
	memcpy(d->maintenance_saved, d->maintenance, d->opts.anycast_count * sizeof(*d->maintenance));
	memcpy(d->maintenance_asked, d->maintenance, d->opts.anycast_count * sizeof(*d->maintenance));
	for (size_t k = 0; k < d->maintenance_kept_count; k++)
		log_warn("%s: %s is not an anycast prefix of this config: its %s does not apply, and stays in the "
			 "file (xdpcastctl undrain %s forgets it)", d->opts.state_file, d->maintenance_kept[k].prefix,
			 maintenance_names[d->maintenance_kept[k].m.action], d->maintenance_kept[k].prefix);
	return 0;
}

/* Whether the xdpcastd that handed over announced `prefix` (as BIRD
 * writes it); yes when its record does not say. */
static bool handed_over_announced(const struct control_plane_state *previous, const char *prefix)
{
	uint64_t hash = hmap_hash_text(prefix);

	if (!previous->announced_known || previous->announced_count > XDPCAST_HANDOVER_PREFIXES)
		return true;
	for (size_t i = 0; i < previous->announced_count; i++)
		if (previous->announced[i] == hash)
			return true;
	return false;
}

/* What the previous xdpcastd's record says of the check called name:
 * 1 up, 0 down, -1 not listed (a check it did not have). Should two
 * entries share the hash, down wins. */
static int handed_over_state(const struct control_plane_state *previous, const char *name)
{
	uint64_t hash = hmap_hash_text(name);
	int state = -1;

	for (size_t i = 0; i < previous->checks_listed; i++)
		if (previous->check_states[i].name_hash == hash)
			state = state < 0 ? previous->check_states[i].up != 0 : state && previous->check_states[i].up;
	return state;
}

_Static_assert(OPTIONS_MAX_ANYCAST <= XDPCAST_HANDOVER_PREFIXES, "a handover lists every prefix");

int announce_init(struct daemon *d, const struct control_plane_state *previous, char *err, size_t errlen)
{
	/* A record of another version may list more than this one holds:
	 * then it is not read, and only `healthy` is trusted. */
	bool listed = previous && previous->checks_listed && previous->checks_listed <= XDPCAST_HANDOVER_CHECKS;
	bool inherit = previous && previous->handed_over && (previous->healthy || listed);
	uint64_t all = d->opts.anycast_count >= 64 ? ~0ULL : (1ULL << d->opts.anycast_count) - 1;
	const struct health_options *h = &d->opts.health;

	health_init(&d->health, h->rise, h->fall);
	add_check(d, "fast_path", all, (struct check_spec){ .kind = CHECK_KIND_FAST_PATH });
	add_check(d, "zones", all, (struct check_spec){ .kind = CHECK_KIND_ZONES });
	add_backend_checks(d, all);
	for (size_t i = 0; i < h->command_count; i++) {
		uint64_t gates;

		if (gates_of(&d->opts, &h->commands[i], &gates, err, errlen))
			return -1;
		add_check(d, h->commands[i].name, gates, (struct check_spec){ .kind = CHECK_KIND_COMMAND,
									      .command = &h->commands[i] });
	}
	loop_timer_init(&d->health_timer, "health round", health_due, d);
	loop_timer_init(&d->drain_timer, "drain", drain_due, d);
	/* A previous xdpcastd that handed over announced what its checks up
	 * let it: keep announcing that while the checks run (they fall like
	 * any up check); the checks it had down start down and rise, so one
	 * prefix down does not take the others down at a restart. A check it
	 * did not have starts up after a healthy handover (all it announced
	 * was checked), else down: it could announce what the previous one
	 * withdrew. A prefix it did not announce (added since, or withdrawn
	 * then) waits for its checks to pass here (prove_new_prefixes): their
	 * word was not about it. After a crash nobody knows: start withdrawn
	 * and rise. A check with nothing to ask here has not passed (a prefix
	 * added since, without an address on this host): it would be
	 * announced for `fall` rounds. */
	if (inherit) {
		size_t down = 0;
		char why[192];

		health_assume_up(&d->health);
		for (size_t i = 0; i < d->opts.anycast_count; i++)
			if (!handed_over_announced(previous, d->routes[i].prefix)) {
				d->unproven |= 1ULL << i;
				log_info("%s: not announced by the previous xdpcastd: withdrawn until its checks pass "
					 "here", d->routes[i].prefix);
			}
		for (size_t i = 0; i < d->health.count; i++) {
			int was = listed ? handed_over_state(previous, d->health.checks[i].name) : 1;

			if (unaddressed(d, i, why, sizeof(why)))
				health_start_down(&d->health, i, why);
			else if (was == 0)
				health_start_down(&d->health, i, "failing at the handover, not run since");
			else if (was < 0 && !previous->healthy)
				health_start_down(&d->health, i, "new since the handover, not run yet");
			down += !d->health.checks[i].up;
		}
		if (previous->healthy)
			log_info("the previous xdpcastd (pid %u) handed over while healthy: staying announced while "
				 "the checks run", previous->pid);
		else
			log_info("the previous xdpcastd (pid %u) handed over with checks down: %zu of %zu start down, "
				 "announcing what the others let it while the checks run", previous->pid, down,
				 d->health.count);
	}
	return 0;
}

size_t announce_check_jobs(const struct options *o)
{
	size_t backend_checks = o->health.has_backend ? 1 : o->anycast_count;

	return 1 /* fast_path */ + backend_checks + o->health.command_count;
}

/* An anycast prefix inside another is announced and withdrawn on its own,
 * but routers still send its traffic here through the covering prefix
 * while that one is announced: its checks and drains move nothing. */
void announce_warn_covered(const struct daemon *d)
{
	const struct options *o = &d->opts;

	for (size_t i = 0; i < o->anycast_count; i++)
		for (size_t j = 0; j < o->anycast_count; j++) {
			const struct xdpcast_lpm_key *inner = &o->anycast[i].prefix, *outer = &o->anycast[j].prefix;
			char inner_text[INET6_ADDRSTRLEN + 4], outer_text[INET6_ADDRSTRLEN + 4];

			if (outer->prefixlen >= inner->prefixlen || !prefix_contains(outer, inner->addr))
				continue;
			prefix_format(inner, inner_text, sizeof(inner_text));
			prefix_format(outer, outer_text, sizeof(outer_text));
			log_warn("%s: anycast %s lies inside anycast %s: withdrawn or drained alone, its traffic "
				 "still comes here while %s is announced", o->config_path ? o->config_path : "--anycast",
				 inner_text, outer_text, outer_text);
		}
}

void announce_start(struct daemon *d)
{
	char names[1024] = "";
	size_t n = 0;

	for (size_t i = 0; i < d->health.count && n < sizeof(names); i++)
		n += snprintf(names + n, sizeof(names) - n, "%s%s%s", i ? ", " : "", d->health.checks[i].name,
			      d->health.checks[i].action == CHECK_DRAIN ? " (drains)" : "");
	if (d->bgp.socket_path)
		log_info("announcing through %s (BIRD at %s) while these checks pass: %s", d->opts.bird_include,
			 d->bgp.socket_path, names);
	else
		log_info("no BGP control (no BIRD socket); health checks: %s", names);
	announce_warn_covered(d);
	announce_warn_unaddressed(d, NULL);
	for (size_t i = 0; i < d->opts.anycast_count; i++) {
		const struct maintenance *m = &d->maintenance[i];

		if (m->action == MAINT_DRAIN && !drain_possible(&d->opts.drain, m->prepend))
			log_warn("%s: %s: drained by an operator (%u prepends), but the config has %s to drain with: "
				 "withdrawn instead until xdpcastctl undrain", d->opts.state_file, d->routes[i].prefix,
				 m->prepend, drain_lacks(&d->opts.drain, m->prepend));
		else if (m->action != MAINT_NONE)
			log_info("%s: %s by an operator (kept in %s): xdpcastctl undrain lifts it", d->routes[i].prefix,
				 m->action == MAINT_DRAIN ? "drained" : "withdrawn", d->opts.state_file);
	}
	announce_update(d);
	loop_timer_arm(d->loop, &d->health_timer, clock_monotonic());
}

void announce_close(struct daemon *d)
{
	if (!d->routes && !d->route_why && !d->maintenance)
		return;         /* announce_prepare never ran (nor bgp_init) */
	bgp_close(&d->bgp);
	if (d->state_file_lock >= 0)
		close(d->state_file_lock);
	if (d->bird_include_lock >= 0)
		close(d->bird_include_lock);
	free(d->routes);
	free(d->route_why);
	free(d->maintenance);
	free(d->maintenance_asked);
	free(d->maintenance_asked_in);
	free(d->maintenance_saved);
	free(d->maintenance_kept);
	d->routes = NULL;
	d->route_why = NULL;
	d->maintenance = NULL;
	d->maintenance_asked = NULL;
	d->maintenance_asked_in = NULL;
	d->maintenance_saved = NULL;
	d->maintenance_kept = NULL;
	d->maintenance_kept_count = 0;
}
