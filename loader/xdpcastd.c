// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * xdpcastd: loads the XDP fast path and attaches it, or takes over the one
 * a previous xdpcastd left running; keeps the answer cache in sync with the
 * zone files and the primaries; runs the health checks that decide what
 * BIRD announces; and on exit either stops (withdraw, drain, detach) or
 * hands over to the next xdpcastd (everything left in place).
 *
 * One event loop (loop.h) drives it all; long work runs on worker lanes.
 */
#include <errno.h>
#include <limits.h>
#include <net/if.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/signalfd.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <systemd/sd-daemon.h>

#include <linux/capability.h>

#include "caps.h"
#include "clock.h"
#include "daemon.h"
#include "kernel.h"
#include "log.h"
#include "lookup.h"
#include "metrics.h"
#include "prefix.h"
#include "source_screen_map.h"
#include "utf8.h"
#include "xdpcast.skel.h"

#define CLOCK_REFRESH_S 60      /* how often the settings (cookie clock offset) are rewritten */
#define CATCHMENT_TICK_S 1      /* the resolution of catchment times */

/* Workers per lane: zone loads one at a time (one writer of the cache),
 * transfers of several zones at once (transfer.workers), a worker per
 * check (both set once the options are known), NOTIFYs over TCP in
 * parallel, BIRD syncs one at a time and never behind a check, status
 * replies and the state file's writes one at a time each. */
static unsigned lane_threads[LANE_MAX] = { [LANE_ZONES] = 1, [LANE_TRANSFERS] = 1, [LANE_CHECKS] = 1,
					   [LANE_NOTIFY] = 4, [LANE_BIRD] = 1, [LANE_REPLIES] = 1,
					   [LANE_MAINTENANCE] = 1 };

static const char *const phase_names[] = {
	[PHASE_STARTING] = "starting", [PHASE_RUNNING] = "running",
	[PHASE_STOPPING] = "stopping", [PHASE_HANDING_OVER] = "handing over",
};

/* libbpf's lines, the verifier's log among them, are debug lines: shown
 * with --verbose, one per line. Without it what failed is told by our own
 * error line, which says where to look. */
static int libbpf_log(enum libbpf_print_level level, const char *fmt, va_list args)
{
	char *text, *line, *rest;

	(void)level;
	/* Whole: the verifier's log of a failed load comes as one message,
	 * its reason at the end. */
	if (vasprintf(&text, fmt, args) < 0)
		return 0;
	for (line = strtok_r(text, "\n", &rest); line; line = strtok_r(NULL, "\n", &rest)) {
		attach_note_libbpf_line(line);
		kernel_note_libbpf_line(line);
		log_debug("%s", line);
	}
	free(text);
	return 0;
}

/*
 * Each interface's ifindex. One that does not exist (made after the start,
 * or deleted while the previous xdpcastd handed over) is attached once one
 * of its name appears, as the health rounds do for one deleted while
 * running; meanwhile the fast_path check keeps the prefixes withdrawn. A
 * start failing on it would leave a taken-over program unmanaged. None
 * existing is a mistake.
 */
static int resolve_ifaces(struct daemon *d, char *err, size_t errlen)
{
	size_t present = 0;

	for (size_t i = 0; i < d->opts.iface_count; i++) {
		struct attachment *a = &d->ifaces[i];

		snprintf(a->ifname, sizeof(a->ifname), "%s", d->opts.ifaces[i]);
		a->ifindex = if_nametoindex(a->ifname);
		a->gone = !a->ifindex;
		present += !a->gone;
	}
	if (!present) {
		options_value_error(&d->opts, "interfaces", err, errlen, "%s: no such interface%s", d->opts.ifaces[0],
				    d->opts.iface_count > 1 ? " (nor any other configured)" : "");
		return -1;
	}
	for (size_t i = 0; i < d->opts.iface_count; i++)
		if (d->ifaces[i].gone)
			log_warn("%s: no such interface: attached once one of that name appears; until then the "
				 "fast_path check keeps the anycast prefixes withdrawn", d->ifaces[i].ifname);
	return 0;
}

/* The clock the program stamps catchment entries with (bpf/catchment.h). */
static void tick_catchment_clock(struct daemon *d)
{
	d->skel->bss->catchment_clock_ns = clock_ns(CLOCK_MONOTONIC);
}

/* What sizes a map of the program, for an error naming it: its entries,
 * and the config key that sets them when one does. NULL for no such map. */
static const char *map_sizing(const struct daemon *d, const char *name, char *out, size_t len)
{
	const struct bpf_map *map = name[0] ? bpf_object__find_map_by_name(d->skel->obj, name) : NULL;
	const char *key = map == d->skel->maps.xdpcast_source_buckets ? ", rate_limit.source_buckets" :
			  map == d->skel->maps.xdpcast_rrl ? ", rrl.buckets" : "";

	if (!map)
		return NULL;
	snprintf(out, len, "%u entries%s", bpf_map__max_entries(map), key);
	return out;
}

static int load_program(struct daemon *d, char *err, size_t errlen)
{
	int ret;

	d->skel = xdpcast_bpf__open();
	if (!d->skel) {
		snprintf(err, errlen, "opening the BPF object: %s", strerror(errno));
		return -1;
	}
	d->skel->rodata->iface_count = d->opts.iface_count;
	for (size_t i = 0; i < d->opts.iface_count; i++)
		d->skel->bss->iface_ifindex[i] = d->ifaces[i].ifindex;
	for (size_t i = 0; i < XDPCAST_STATS_SLOTS; i++)
		d->skel->bss->iface_slot_number[i] = i;
	d->skel->rodata->has_views = d->opts.view_count > 0;
	if (getrandom((void *)&d->skel->rodata->first_seen_seed, sizeof(d->skel->rodata->first_seen_seed), 0) !=
	    sizeof(d->skel->rodata->first_seen_seed)) {
		snprintf(err, errlen, "getrandom for the rate limits' hash key: %s", strerror(errno));
		return -1;
	}
	bpf_map__set_max_entries(d->skel->maps.xdpcast_source_buckets, d->protection.source_buckets);
	bpf_map__set_max_entries(d->skel->maps.xdpcast_rrl, d->protection.rrl_buckets);
	d->skel->rodata->nsid_len = strlen(d->opts.pop);
	memcpy((void *)d->skel->rodata->nsid, d->opts.pop, d->skel->rodata->nsid_len);
	if (pins_adopt(&d->pins, d->skel->obj, d->skel->bss->iface_ifindex, d->took_over, err,
		       errlen))
		return -1;
	kernel_load_notes_clear();
	ret = xdpcast_bpf__load(d->skel);
	if (ret) {
		const struct load_notes *notes = kernel_load_notes();
		int prefix = snprintf(err, errlen, "loading the BPF program: ");
		struct utsname host;
		char sizing[96];

		uname(&host);
		if ((size_t)prefix < errlen)
			kernel_load_refusal(ret, host.release, notes, map_sizing(d, notes->map, sizing, sizeof(sizing)),
					    caps_effective(CAP_PERFMON) || caps_effective(CAP_SYS_ADMIN), err + prefix,
					    errlen - prefix);
		return -1;
	}
	tick_catchment_clock(d);
	/* Buckets carried over meet a fresh first-seen table (bpf/ratelimit.h). */
	if (d->took_over)
		d->skel->bss->every_key_until_ns = d->skel->bss->catchment_clock_ns +
						   (2ULL << XDPCAST_FIRST_SEEN_EPOCH_SHIFT);
	/* The answer cache's maps are always the new program's, empty:
	 * pins_adopt carries none of them over. */
	return zones_open_cache(d, err, errlen);
}

/* A random cookie secret when the config gives none; when taking over,
 * the previous daemon's secrets carried as a reload carries them:
 * cookies stay valid across restarts, a secret changed at one too. */
static int init_protection(struct daemon *d, char *err, size_t errlen)
{
	struct xdpcast_settings in_force;

	/* The lists move to d->protection; d->opts keeps the values started
	 * with, which a reload compares its restart keys against. */
	d->protection = d->opts.protection;
	d->opts.protection.blocklist = (struct prefix_list){ 0 };
	d->opts.protection.bogons = (struct prefix_list){ 0 };
	if (d->took_over && !pins_previous_value(&d->pins, "xdpcast_settings", true, &in_force, sizeof(in_force))) {
		protection_carry_cookie_settings(&in_force, &d->protection, time(NULL));
		return 0;
	}
	if (d->protection.has_secret)
		return 0;
	if (getrandom(d->protection.cookie_secret, sizeof(d->protection.cookie_secret), 0) !=
	    sizeof(d->protection.cookie_secret)) {
		snprintf(err, errlen, "getrandom for the cookie secret: %s", strerror(errno));
		return -1;
	}
	return 0;
}

/* Client prefixes of each view, view i + 1 for the i-th --view. An IPv6
 * prefix holds no IPv4 client (prefix_holds_address), yet the trie keeps
 * IPv4 inside ::/0: IPv4's whole space goes to the default view beside
 * it, unless a view names 0.0.0.0/0 itself. */
static int place_views(struct daemon *d, char *err, size_t errlen)
{
	int fd = bpf_map__fd(d->skel->maps.xdpcast_views);
	struct xdpcast_lpm_key v4_space = prefix_v4_space();
	struct client_view value = { .view = 0 };
	bool v4_held = false, v4_named = false;

	for (size_t v = 0; v < d->opts.view_count; v++) {
		const struct view_option *view = &d->opts.views[v];

		value.view = v + 1;
		for (size_t i = 0; i < view->prefix_count; i++) {
			if (bpf_map_update_elem(fd, &view->prefixes[i], &value, BPF_ANY)) {
				snprintf(err, errlen, "--view %s: %s", view->name, strerror(errno));
				return -1;
			}
			v4_held |= prefix_holds_v4_space(&view->prefixes[i]);
			v4_named |= !memcmp(&view->prefixes[i], &v4_space, sizeof(v4_space));
		}
	}
	value.view = 0;
	if (v4_held && !v4_named && bpf_map_update_elem(fd, &v4_space, &value, BPF_ANY)) {
		snprintf(err, errlen, "views: IPv4 kept out of their IPv6 prefixes: %s", strerror(errno));
		return -1;
	}
	return 0;
}

/* What --check-config cannot call wrong but an operator should know: a
 * check with no address to ask, a probe that sees a view's answers, an
 * anycast prefix that cannot move its traffic alone. */
static void check_config_warnings(const struct daemon *d)
{
	static const __u8 probe4[16] = XDPCAST_PROBE_SOURCE4, probe6[16] = XDPCAST_PROBE_SOURCE6;

	announce_warn_unaddressed(d, d->opts.config_path);
	for (size_t v = 0; v < d->opts.view_count; v++)
		for (size_t p = 0; p < d->opts.views[v].prefix_count; p++)
			if (prefix_holds_address(&d->opts.views[v].prefixes[p], probe4) ||
			    prefix_holds_address(&d->opts.views[v].prefixes[p], probe6))
				log_warn("%s: view %s holds the health probe's source (%s): the fast_path check sees "
					 "that view's answers", d->opts.config_path, d->opts.views[v].name, LOOKUP_CLIENT);
	announce_warn_covered(d);
}

/* ---- the snapshot every view is rendered from ---- */

static void snapshot_zones(const struct daemon *d, struct pop_state *s)
{
	for (size_t z = 0; z < d->zones.count; z++) {
		const struct zone_view *in = &d->zones.zones[z];
		struct state_zone *out = &s->zones[s->zone_count++];

		char origin[KNOT_DNAME_TXT_MAXLEN + 1];

		out->name = state_text(s, knot_dname_to_str(origin, in->origin, sizeof(origin)), sizeof(origin));
		out->serial = in->serial;
		out->records = in->records;
		out->source = state_text(s, in->file, PATH_MAX);
		out->loaded_at = in->loaded_at;
		out->view = in->view;
		out->cache_entries = in->usage.entries;
		out->cache_bytes = in->usage.bytes;
	}
	for (size_t i = 0; i < d->secondary_count; i++) {
		const struct secondary *sec = &d->secondaries[i];
		struct state_transfer *t;

		if (!secondary_used(sec))
			continue;
		t = &s->transfers[s->transfer_count++];
		t->is_catalog = sec->catalog;
		t->catalog = state_text(s, sec->catalog_of >= 0 ? d->secondaries[sec->catalog_of].name : NULL,
					sizeof(sec->name));
		t->zone = state_text(s, sec->name, sizeof(sec->name));
		t->primary = state_text(s, sec->primary.address.text, sizeof(sec->primary.address.text));
		t->serial = sec->serial;        /* the zone may be changing on the zones lane */
		t->fresh = secondary_fresh(sec);
		t->running = sec->transferring;
		t->transferred_at = sec->transferred_at;
		t->error = state_text(s, sec->error, sizeof(sec->error));
		t->fallback = state_text(s, sec->fallback, sizeof(sec->fallback));
		t->catalog_refused = state_text(s, sec->catalog_refused, sizeof(sec->catalog_refused));
	}
}

_Static_assert(sizeof(((struct state_check *)0)->name) >= sizeof(((struct check *)0)->name),
	       "status and /metrics show a check's whole name");

static void snapshot_bgp(const struct daemon *d, struct pop_state *s)
{
	for (size_t i = 0; i < d->health.count; i++) {
		utf8_copy(s->checks[i].name, sizeof(s->checks[i].name), d->health.checks[i].name);
		s->checks[i].up = d->health.checks[i].up;
		utf8_copy(s->checks[i].detail, sizeof(s->checks[i].detail), d->health.checks[i].detail);
	}
	s->check_count = d->health.count;
	s->healthy = health_all_up(&d->health);
	/* Decided once started: meanwhile BIRD's include stays as it was (a
	 * takeover's predecessor announcing), which "withdrawn" misread. */
	for (size_t i = 0; d->phase != PHASE_STARTING && i < d->opts.anycast_count; i++) {
		struct state_prefix *p = &s->prefixes[s->prefix_count++];

		p->route = d->routes[i];
		for (size_t e = 0; e < d->bird.exported_count; e++)
			p->exported |= !strcmp(d->bird.exported[e], p->route.prefix);
		utf8_copy(p->why, sizeof(p->why), d->route_why[i]);
	}
	s->bird_up = d->bird.connected;
	utf8_copy(s->bird_error, sizeof(s->bird_error), d->bird.error);
	for (size_t i = 0; i < d->bird.session_count; i++) {
		utf8_copy(s->sessions[i].name, sizeof(s->sessions[i].name), d->bird.sessions[i].name);
		utf8_copy(s->sessions[i].state, sizeof(s->sessions[i].state), d->bird.sessions[i].state);
		s->sessions[i].up = d->bird.sessions[i].established;
	}
	s->session_count = d->bird.session_count;
}

/* The first transfers a start waits for: done once transferred or failed. */
static struct state_start start_progress(const struct daemon *d)
{
	struct state_start p = { .starting = d->phase == PHASE_STARTING, .step = d->start_step };

	for (size_t i = 0; p.starting && i < d->secondary_count; i++) {
		const struct secondary *sec = &d->secondaries[i];

		if (!secondary_used(sec))
			continue;
		p.transfers++;
		if (sec->transferring)
			continue;
		p.done += sec->transferred_at > 0 || sec->error[0];
		p.failed += sec->error[0] != '\0';
	}
	return p;
}

/* Read during the start too (`status` answers from its first step): the
 * program is loaded by a thread of its own while the zone files are read
 * (the skeleton is that thread's until then), the health checks and the
 * routes set up after that, the program attached last (the interfaces'
 * holders are not known before attach_all). */
static struct pop_state *snapshot(const struct daemon *d)
{
	bool reading = d->phase == PHASE_STARTING && d->start_step == START_READING;
	struct bpf_prog_info info = { 0 };
	__u32 info_len = sizeof(info);
	struct pop_state *s = state_new(d->opts.view_count, d->zones.count, d->secondary_count, d->health.count,
					d->opts.anycast_count, d->bird.session_count);

	if (!s)
		return NULL;
	utf8_copy(s->pop, sizeof(s->pop), d->opts.pop);
	utf8_copy(s->version, sizeof(s->version), XDPCAST_VERSION);
	s->pid = getpid();
	utf8_copy(s->phase, sizeof(s->phase), phase_names[d->phase]);
	s->start = start_progress(d);
	s->pin_dir = state_text(s, d->opts.pin_dir, PATH_MAX);
	utf8_copy(s->metrics, sizeof(s->metrics), d->opts.metrics ? d->opts.metrics : "");
	if (!reading && d->skel && !bpf_obj_get_info_by_fd(bpf_program__fd(d->skel->progs.xdpcast), &info, &info_len))
		s->program_id = info.id;
	s->took_over = !reading && d->took_over;
	s->counters_since = d->counters_since;
	for (size_t i = 0; i < d->opts.iface_count; i++) {
		const struct attachment *a = &d->ifaces[i];
		struct state_iface *f = &s->ifaces[s->iface_count++];

		utf8_copy(f->name, sizeof(f->name), a->ifname);
		f->ifindex = a->ifindex;
		utf8_copy(f->mode, sizeof(f->mode), attach_mode_name(a->mode));
		f->attached = a->attached;
		f->program_id = a->seen.id;
		if (d->phase == PHASE_STARTING)
			snprintf(f->holder, sizeof(f->holder), "starting: attached once the zones are in");
		else if (a->gone && !a->ifindex)
			snprintf(f->holder, sizeof(f->holder), "no such interface since the start");
		else if (a->gone)
			snprintf(f->holder, sizeof(f->holder), "no such interface (deleted or moved to another namespace)");
		else
			attach_describe(&a->seen, f->holder, sizeof(f->holder));
		f->reattached = a->reattached;
		for (f->member_count = 0; f->member_count < a->member_count; f->member_count++)
			utf8_copy(f->members[f->member_count], sizeof(f->members[0]), a->members[f->member_count]);
	}
	for (size_t v = 0; v < d->opts.view_count; v++)
		if ((s->views[v] = strdup(d->opts.views[v].name)))
			s->view_count++;
	s->generation = d->generation_number;
	s->generation_loaded_at = d->generation_loaded_at;
	s->answers = d->zones.total.entries;
	s->left_to_userspace = d->zones.left_to_userspace;
	s->cache_bytes = d->zones.total.bytes;
	s->cache_max_bytes = d->opts.cache_max_bytes;
	s->rss_bytes = metrics_resident_bytes();
	s->zones_loading = d->zones_busy || (d->phase == PHASE_STARTING && d->start_step == START_LOADING);
	utf8_copy(s->reload_error, sizeof(s->reload_error), d->reload_error);
	s->restart_pending = state_text(s, d->restart_pending, RESTART_PENDING_MAX);
	s->restart_advice = d->restart_pending ? d->restart_advice : "";
	s->reload_failures = d->reload_failures;
	s->catalog_errors = d->catalog_errors;
	s->reload_ok_at = d->reload_ok_at;
	snapshot_zones(d, s);
	s->bird_controlled = d->opts.bird_socket != NULL;
	utf8_copy(s->bird_socket, sizeof(s->bird_socket), d->opts.bird_socket ? d->opts.bird_socket : "");
	if (!reading)   /* the checks and routes are set up after the step */
		snapshot_bgp(d, s);
	s->updated_at = time(NULL);
	if (s->short_of_memory) {
		state_unref(s);
		return NULL;
	}
	return s;
}

static void write_control_plane(struct daemon *d, bool handed_over)
{
	struct control_plane_state cp;
	__u32 zero = 0;

	state_control_plane(d->state, &cp);
	cp.handed_over = handed_over;
	if (bpf_map_update_elem(bpf_map__fd(d->skel->maps.xdpcast_control_plane), &zero, &cp, BPF_ANY))
		log_error("writing the control plane map: %s", strerror(errno));
}

static void publish_now(struct daemon *d)
{
	double started_at = clock_monotonic();
	struct pop_state *s = snapshot(d);
	double turn = d->loop ? loop_take_longest_turn(d->loop) : 0;

	if (turn > d->longest_turn)
		d->longest_turn = turn;
	if (d->loop)
		loop_timer_cancel(d->loop, &d->publish_timer);
	d->state_stale = false;
	if (!s) {
		log_error("out of memory for the state snapshot");
		return;
	}
	state_unref(d->state);
	d->state = s;
	metrics_server_update(d->metrics, s);
	/* Not while starting: taking over, the map may be the previous
	 * daemon's still, its record of health what this start goes on. The
	 * phase first: while the zone files are read, the program's thread
	 * is still setting d->skel (`status` answers then). */
	if (d->phase != PHASE_STARTING && d->skel)
		write_control_plane(d, false);
	pacing_ran(&d->publish_pacing, started_at, clock_monotonic());
}

static void publish_due(struct loop_timer *timer)
{
	publish_now(timer->arg);
}

/* A snapshot copies every zone and transfer: one per change made a
 * catalog's members (a change each) quadratic. */
void daemon_publish(struct daemon *d)
{
	d->state_stale = true;
	if (d->loop && !loop_timer_armed(&d->publish_timer))
		loop_timer_arm(d->loop, &d->publish_timer, pacing_next(&d->publish_pacing));
}

const struct pop_state *daemon_state(struct daemon *d)
{
	if (d->state_stale || !d->state)
		publish_now(d);
	return d->state;
}

/* ---- signals and the lifecycle ---- */

static int signal_fd(void)
{
	sigset_t mask;

	sigemptyset(&mask);
	sigaddset(&mask, SIGHUP);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGUSR1);
	if (sigprocmask(SIG_BLOCK, &mask, NULL))
		return -1;
	return signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
}

/* SIGTERM: withdraw first, keep answering while the withdrawal spreads
 * through BGP (announce.c ends the loop after the drain), then detach.
 * BIRD is asked even when every prefix was withdrawn and BIRD had taken
 * that at the last sync: since then an operator may have undone it, or a
 * sync in flight may be finding so; the stop must end so that the unit's
 * hook withdraws when BIRD does not take it. No drain when nothing was
 * announced: every prefix decided withdrawn, BIRD took that, and
 * exported none at the last sync. */
static void begin_stop(struct daemon *d, unsigned signo)
{
	d->phase = PHASE_STOPPING;
	sd_notify(0, "STOPPING=1");
	if (!d->bgp.socket_path) {
		log_info("signal %u: stopping", signo);
		loop_stop(d->loop);
		return;
	}
	d->stop_drains = !d->routes_synced || d->bird.exported_count;
	for (size_t i = 0; i < d->opts.anycast_count; i++)
		d->stop_drains |= d->routes[i].state != ROUTE_WITHDRAWN;
	log_info("signal %u: withdrawing the anycast prefixes, then detaching", signo);
	d->withdrawing = true;
	announce_stop(d);
	daemon_publish(d);
}

static void signal_ready(void *arg, short revents)
{
	struct daemon *d = arg;
	struct signalfd_siginfo si;

	(void)revents;
	while (read(d->signal_fd, &si, sizeof(si)) == sizeof(si)) {
		if (si.ssi_signo == SIGHUP) {
			zones_request_reload(d, "SIGHUP", true);
		} else if (d->phase != PHASE_RUNNING) {
			log_info("signal %u: ending the %s now", si.ssi_signo, phase_names[d->phase]);
			/* Before BIRD took the withdrawal, the stop hook must make it. */
			if (d->phase == PHASE_STOPPING && d->withdrawing && !loop_timer_armed(&d->drain_timer))
				d->withdrawal_unconfirmed = true;
			loop_stop(d->loop);     /* a second signal cuts the drain short */
		} else if (si.ssi_signo == SIGUSR1) {
			d->phase = PHASE_HANDING_OVER;
			log_info("signal %u: handing over; the program stays attached and announced for the next "
				 "xdpcastd", si.ssi_signo);
			sd_notify(0, "STOPPING=1");
			loop_stop(d->loop);
		} else {
			begin_stop(d, si.ssi_signo);
		}
	}
}

/* The wall clock may have been stepped: the cookie clock offset again. */
static void clock_due(struct loop_timer *timer)
{
	struct daemon *d = timer->arg;
	char err[ERR_LEN];

	loop_timer_arm(d->loop, &d->clock_timer, clock_monotonic() + CLOCK_REFRESH_S);
	if (zones_write_settings(d, err, sizeof(err)))
		log_error("%s", err);
}

static void catchment_tick_due(struct loop_timer *timer)
{
	struct daemon *d = timer->arg;

	loop_timer_arm(d->loop, &d->catchment_timer, clock_monotonic() + CATCHMENT_TICK_S);
	tick_catchment_clock(d);
}

/* Whether entry k of the previous record's re-attach counts is a's. */
static bool reattached_entry_of(const struct control_plane_state *previous, size_t k, const struct attachment *a)
{
	if (previous->reattached_name[k])
		return previous->reattached_name[k] == hmap_hash_text(a->ifname);
	return a->ifindex && previous->reattached_ifindex[k] == (__u32)a->ifindex;
}

/* The daemon's own counters go on from the previous daemon's, as the maps'
 * do (a version before they were in its map left 0: counted from now). */
static void carry_counters(struct daemon *d, const struct control_plane_state *previous)
{
	d->counters_since = previous && previous->counters_since ? (double)previous->counters_since : (double)time(NULL);
	if (!previous)
		return;
	d->reload_failures = previous->reload_failures;
	d->catalog_errors = previous->catalog_errors;
	for (size_t i = 0; i < d->opts.iface_count; i++)
		for (size_t k = 0; k < XDPCAST_MAX_IFACES; k++)
			if (reattached_entry_of(previous, k, &d->ifaces[i]))
				d->ifaces[i].reattached = previous->reattached[k];
}

/* Whether the previous xdpcastd's record (pinned still while taking it
 * over) says it handed over: a start takes its word on health once. */
static void mark_handed_over(struct daemon *d, const struct control_plane_state *previous, bool handed_over)
{
	struct control_plane_state record = *previous;

	record.handed_over = handed_over;
	if (pins_previous_rewrite(&d->pins, "xdpcast_control_plane", &record, sizeof(record)))
		log_warn("%s/xdpcast_control_plane: %s: %s", d->opts.pin_dir, handed_over ?
			 "the handover could not be left to the next start, which starts withdrawn" :
			 "the handover could not be marked taken: should this start fail, the next would stay "
			 "announced on the previous xdpcastd's word", strerror(errno));
}

/* The pins and the program, loaded, neither attached nor pinned yet: for a
 * fresh start, or to take over the program a previous xdpcastd left
 * running (its control plane state in *previous, zeros if none). */
static int open_program(struct daemon *d, struct control_plane_state *previous, char *err, size_t errlen)
{
	char why[ERR_LEN / 2];

	memset(previous, 0, sizeof(*previous));
	if (pins_open(&d->pins, d->opts.pin_dir, why, sizeof(why))) {
		options_value_error(&d->opts, "pin_dir", err, errlen, "%s", why);
		return -1;
	}
	d->took_over = pins_previous_runs(&d->pins);
	if (d->took_over)
		log_info("taking over program %u of the previous xdpcastd (%s/%s)", d->pins.previous_id,
			 d->opts.pin_dir, PINS_PROGRAM);
	else if (d->pins.previous_fd >= 0)
		log_info("%s holds pins of an xdpcastd whose program runs nowhere: replacing them",
			 d->opts.pin_dir);
	/* Trusted only when written by the xdpcastd of the program taken over,
	 * and by one start, this one: a start that fails or dies leaves the
	 * next a word on health that nobody kept since (and after it the
	 * unit's stop hook withdrew), so that one starts with its checks down. */
	if (d->took_over &&
	    (pins_previous_value(&d->pins, "xdpcast_control_plane", false, previous, sizeof(*previous)) ||
	     previous->program_id != d->pins.previous_id))
		memset(previous, 0, sizeof(*previous));
	if (previous->handed_over)
		mark_handed_over(d, previous, false);
	return init_protection(d, err, errlen) || load_program(d, err, errlen) ? -1 : 0;
}

/* A start waits for every secondary's first transfer (the program it
 * attaches must answer for them all): from a distant primary a catalog of
 * thousands of members takes minutes, past any fixed TimeoutStartSec, and
 * systemd would kill each start in turn. Progress extends the timeout by
 * what one more transfer may take (an IXFR and the AXFR after it, each
 * within transfer.timeout_ms, and a margin); a start that stops advancing
 * still times out. STATUS= tells how far it is (systemctl status), as
 * `xdpcastctl status` does; at most once a second. */
void daemon_start_progress(struct daemon *d)
{
	double now = clock_monotonic();
	struct state_start progress;

	if (d->phase != PHASE_STARTING || d->start_step != START_TRANSFERRING || now - d->start_extended_at < 1)
		return;
	d->start_extended_at = now;
	progress = start_progress(d);
	sd_notifyf(0, "EXTEND_TIMEOUT_USEC=%llu\nSTATUS=starting: %zu of %zu first transfers done, %zu failed",
		   (2ULL * d->opts.transfer_timeout_ms + 30000) * 1000, progress.done, progress.transfers,
		   progress.failed);
}

/* The start's next step, told to systemd (STATUS=) and to `status`. */
static void start_step_begin(struct daemon *d, enum start_step step)
{
	d->start_step = step;
	d->state_stale = true;
	switch (step) {
	case START_READING:
		sd_notify(0, "STATUS=starting: reading the zone files and loading the program");
		break;
	case START_TRANSFERRING:        /* daemon_start_progress tells how far */
		break;
	case START_LOADING:
		sd_notify(0, "STATUS=starting: compiling the zones into the answer cache, then attaching");
		break;
	}
}

/*
 * The start's first step: the zone files read while the program loads,
 * each on a thread of its own with the start's privileges (the zones
 * lane's workers have dropped theirs), and the loop turning meanwhile so
 * that `status` answers; a job on the zones lane waits for both. The
 * verifier takes about a second on the program, as long as reading a
 * 1M-name zone, and the start waited for one, then the other. They touch
 * nothing in common (the program's thread: pins, protection, the
 * skeleton; the check's: the zones read and the files to watch), and the
 * loop's snapshot reads neither (START_READING). A bad zone is told
 * first; nothing is attached or pinned before both succeed.
 */
struct start_reading {
	struct loop_job job;
	struct daemon *d;
	pthread_t threads[2];
	size_t thread_count;
	struct control_plane_state previous;
	int open_ret, check_ret;
	char open_err[ERR_LEN], check_err[ERR_LEN];
};

static void *open_program_beside(void *arg)
{
	struct start_reading *r = arg;

	r->open_ret = open_program(r->d, &r->previous, r->open_err, sizeof(r->open_err));
	return NULL;
}

static void *check_zones_beside(void *arg)
{
	struct start_reading *r = arg;

	r->check_ret = zones_check(r->d, r->check_err, sizeof(r->check_err));
	return NULL;
}

static void reading_joined(struct loop_job *job)
{
	struct start_reading *r = (struct start_reading *)job;

	for (size_t i = 0; i < r->thread_count; i++)
		pthread_join(r->threads[i], NULL);
}

static int open_program_and_check_zones(struct daemon *d, struct control_plane_state *previous, char *err,
					size_t errlen)
{
	struct start_reading r = { .job = { .lane = LANE_ZONES, .run = reading_joined }, .d = d };
	void *(*const steps[2])(void *) = { open_program_beside, check_zones_beside };
	int ret = 0;

	start_step_begin(d, START_READING);
	for (size_t i = 0; i < 2 && !ret; i++)
		if (!(ret = pthread_create(&r.threads[i], NULL, steps[i], &r)))
			r.thread_count++;
	loop_submit(d->loop, &r.job);   /* joins the threads started, if one failed to start too */
	if (loop_run_until_idle(d->loop, LOOP_LANE(LANE_ZONES)))
		loop_drain(d->loop);
	*previous = r.previous;
	if (ret)
		snprintf(err, errlen, "starting a thread: %s", strerror(ret));
	else if (r.check_ret)
		snprintf(err, errlen, "%s", r.check_err);
	else if (r.open_ret)
		snprintf(err, errlen, "%s", r.open_err);
	return ret || r.check_ret || r.open_ret ? -1 : 0;
}

/* Maps filled and the program attached: a fresh start, or a takeover of
 * the program a previous xdpcastd left running. All or nothing: what fails
 * leaves the interfaces and pins as they were. */
static int start_program(struct daemon *d, const struct control_plane_state *previous, char *err, size_t errlen)
{
	struct shared_snapshot filter_before;
	int prog_fd, screen_fd;

	carry_counters(d, d->took_over ? previous : NULL);
	if (announce_init(d, d->took_over ? previous : NULL, err, errlen))
		return -1;
	start_step_begin(d, START_TRANSFERRING);
	zones_first_transfers(d);
	prog_fd = bpf_program__fd(d->skel->progs.xdpcast);
	screen_fd = bpf_map__fd(d->skel->maps.xdpcast_source_screen);
	if (pins_snapshot_shared(&d->pins, d->skel->maps.xdpcast_source_filter, &filter_before, err, errlen))
		return -1;
	if (zones_apply_protection(d, err, errlen) || place_views(d, err, errlen))
		goto failed;
	start_step_begin(d, START_LOADING);
	if (zones_load_now(d, err, errlen) || start_watch_end(&d->start_watch) ||
	    attach_all(prog_fd, d->took_over ? d->pins.previous_id : 0, d->ifaces, d->opts.iface_count,
		       d->opts.xdp_mode, !d->opts.mode_forced, d->opts.replace_foreign, err, errlen))
		goto failed;
	/* Once the modes are known: a bond's members run the program in native mode alone. */
	attach_members(d->ifaces, d->opts.iface_count, d->skel->bss->member_ifindex, d->skel->bss->member_slot);
	/* Until the screen is pinned, live blocks (carried by the migration,
	 * or added by `xdpcastctl block` to the old pins) reach the filter and
	 * not this screen: stopped, then rebuilt once pinned. */
	if (source_screen_stop(screen_fd, err, errlen))
		log_error("%s", err);
	pins_migrate(&d->pins);
	if (pins_publish(&d->pins, d->skel->progs.xdpcast, err, errlen)) {
		attach_undo_all(prog_fd, d->ifaces, d->opts.iface_count);
		goto failed;
	}
	pins_snapshot_free(&filter_before);
	if (source_screen_rebuild(screen_fd, bpf_map__fd(d->skel->maps.xdpcast_source_filter), err, errlen))
		log_error("%s (every source is looked up until the next reload)", err);
	if (d->took_over)
		detach_elsewhere(d->pins.previous_id, d->ifaces, d->opts.iface_count);
	return 0;
failed:
	/* The previous program, running still when taking over, keeps its own blocklist. */
	pins_put_back_shared(&filter_before);
	pins_snapshot_free(&filter_before);
	return -1;
}

/* A keep-alive for systemd's watchdog, sent from the loop's own turn: a
 * loop that hangs (a deadlock, a call that never returns) stops sending
 * it, systemd kills the daemon and the unit's stop hook withdraws, as
 * after a crash. Hung, it would keep the PoP announced with no health
 * round running. */
static void watchdog_due(struct loop_timer *timer)
{
	struct daemon *d = timer->arg;

	loop_timer_arm(d->loop, &d->watchdog_timer, clock_monotonic() + d->watchdog_interval);
	sd_notify(0, "WATCHDOG=1");
}

/* -1 when the event loop failed (poll, or memory for its descriptors). */
static int run(struct daemon *d)
{
	uint64_t watchdog_usec;

	/* Twice per period, as sd_watchdog_enabled(3) advises. 1: the health
	 * commands do not inherit the variables. */
	if (sd_watchdog_enabled(1, &watchdog_usec) > 0) {
		d->watchdog_interval = watchdog_usec / 2e6;
		loop_timer_init(&d->watchdog_timer, "watchdog", watchdog_due, d);
		loop_timer_arm(d->loop, &d->watchdog_timer, clock_monotonic());
		log_info("systemd watchdog: a keep-alive every %.1f s from the event loop", d->watchdog_interval);
	}
	loop_timer_init(&d->clock_timer, "cookie clock", clock_due, d);
	loop_timer_arm(d->loop, &d->clock_timer, clock_monotonic() + CLOCK_REFRESH_S);
	loop_timer_init(&d->catchment_timer, "catchment clock", catchment_tick_due, d);
	loop_timer_arm(d->loop, &d->catchment_timer, clock_monotonic() + CATCHMENT_TICK_S);
	loop_watch(d->loop, d->signal_fd, POLLIN, signal_ready, d);
	d->phase = PHASE_RUNNING;
	zones_start(d);
	announce_start(d);
	publish_now(d);         /* not paced: /metrics served the start's, without the prefixes */
	return loop_run(d->loop);
}

/* The loop ended: let the last jobs finish, then stop or hand over; after
 * the loop failed, leave the program as a crash would (loop_failed),
 * unless a stop was asked: the program is not left to answer from a cache
 * no daemon keeps (an operator taking xdpcast off the host). */
static void finish(struct daemon *d, bool loop_failed)
{
	bool handing_over = d->phase == PHASE_HANDING_OVER, stopping = d->phase == PHASE_STOPPING;

	d->exiting = true;
	control_server_stop(d->control, handing_over ? "xdpcastd is handing over to the next start" :
				       stopping ? "xdpcastd is stopping" : "xdpcastd is exiting (its event loop failed)");
	d->control = NULL;
	loop_free(d->loop);
	d->loop = NULL;
	zones_save_copies(d);
	if (!d->skel)
		return;
	if (loop_failed && !stopping) {
		/* Not a stop: BIRD was told nothing. The program answers on,
		 * the exit status has the stop hook withdraw, and the next
		 * start takes the program over. */
		log_error("stopped: the event loop failed; the program stays attached on %zu interfaces with its maps in "
			  "%s, exiting with status %d so that the stop hook withdraws the anycast prefixes",
			  d->opts.iface_count, d->opts.pin_dir, XDPCASTD_EXIT_LOOP_FAILED);
		return;
	}
	if (handing_over) {
		daemon_state(d);        /* what the last jobs changed */
		write_control_plane(d, true);
		log_info("handed over: the program stays attached on %zu interfaces with its maps in %s", d->opts.iface_count,
			 d->opts.pin_dir);
		return;
	}
	detach_all(bpf_program__fd(d->skel->progs.xdpcast), d->ifaces, d->opts.iface_count);
	pins_remove(&d->pins);
	if (loop_failed)        /* the withdrawal or the drain cut short: the stop's status when BIRD did not take it */
		log_error("stopped: detached and unpinned, the event loop having failed during the stop: exiting "
			  "with status %d so that the stop hook withdraws the anycast prefixes",
			  XDPCASTD_EXIT_NOT_WITHDRAWN);
	else if (d->withdrawal_unconfirmed)
		log_error("stopped: detached and unpinned, but BIRD may still announce the anycast prefixes (%s): "
			  "exiting with status %d so that the stop hook withdraws them", d->bird.error,
			  XDPCASTD_EXIT_NOT_WITHDRAWN);
	else
		log_info("stopped: detached and unpinned");
}

/* signo: the signal that ended the start, if one did. */
static void cleanup(struct daemon *d, unsigned signo)
{
	if (d->loop) {          /* a failed start */
		d->exiting = true;
		control_server_stop(d->control, signo == SIGUSR1 ? "xdpcastd is handing over to the next start" :
					       signo ? "xdpcastd is stopping" : "xdpcastd's start failed");
		d->control = NULL;
		loop_free(d->loop);
		d->loop = NULL;
		/* The transfers it finished: the next start has them if the
		 * primaries do not answer it. */
		zones_save_copies(d);
	}
	metrics_server_stop(d->metrics);
	zones_close(d);
	announce_close(d);
	pins_close(&d->pins);
	xdpcast_bpf__destroy(d->skel);
	state_unref(d->state);
	protection_free(&d->protection);
	free(d->restart_pending);
	options_free(&d->opts);
	if (d->signal_fd >= 0)
		close(d->signal_fd);
}

/* A signal ended the start before anything was attached; what the start
 * failed on meanwhile is what the cancel made. Taking over, the previous
 * xdpcastd's program still runs, announced as it left it: a stop exits
 * so that the unit's stop hook withdraws; a handover leaves it to the
 * next start, with the previous xdpcastd's record (`previous`) as it was.
 * The exit status. */
static int start_ended(struct daemon *d, unsigned signo, const struct control_plane_state *previous)
{
	bool handover = signo == SIGUSR1;

	sd_notify(0, "STOPPING=1");
	if (!d->took_over) {
		log_info("signal %u during the start: stopped before attaching anything", signo);
		return 0;
	}
	if (handover) {
		if (previous->handed_over)
			mark_handed_over(d, previous, true);
		log_info("signal %u during the start: stopped before taking over; program %u of the previous "
			 "xdpcastd stays attached for the next start", signo, d->pins.previous_id);
		return 0;
	}
	log_error("signal %u during the start: stopped before taking over; program %u of the previous xdpcastd "
		  "stays attached and BIRD may announce it: exiting with status %d so that the stop hook withdraws",
		  signo, d->pins.previous_id, XDPCASTD_EXIT_NOT_WITHDRAWN);
	return XDPCASTD_EXIT_NOT_WITHDRAWN;
}

/* "N thing" or "N things". */
static const char *counted(size_t n, const char *one, const char *many, char out[64])
{
	snprintf(out, 64, "%zu %s", n, n == 1 ? one : many);
	return out;
}

/* --check-config's last line: what the file sets up. */
static void print_check_summary(const struct options *o)
{
	char files[64], transfers[64], anycast[64], blocked[64];
	size_t zone_files = o->zone_count;

	for (size_t v = 0; v < o->view_count; v++)
		zone_files += o->views[v].zone_count;
	printf("%s: ok (%s, %s, %s, %s)\n", o->config_path, counted(zone_files, "zone file", "zone files", files),
	       counted(o->secondary_count, "transferred zone", "transferred zones", transfers),
	       counted(o->anycast_count, "anycast prefix", "anycast prefixes", anycast),
	       counted(o->protection.blocklist.count, "blocked prefix", "blocked prefixes", blocked));
}

int main(int argc, char **argv)
{
	static struct daemon d = { .notify = { -1, -1 }, .watch = { .fd = -1 }, .signal_fd = -1,
				   .pins = { .lock_fd = -1, .previous_fd = -1 } };
	struct control_plane_state previous = { 0 };
	struct utsname host;
	char err[ERR_LEN];
	unsigned signo = 0;
	int status = 1;

	d.argc = argc;
	d.argv = argv;
	switch (options_parse(argc, argv, &d.opts)) {
	case OPTIONS_EXIT_OK:
		options_free(&d.opts);
		return 0;
	case OPTIONS_EXIT_ERROR:
		options_free(&d.opts);
		return 1;
	case OPTIONS_RUN:
		break;
	}
	log_init(log_style_for_stderr(), d.opts.verbose ? LOG_LEVEL_DEBUG : LOG_LEVEL_INFO);
	libbpf_set_print(libbpf_log);

	/* Signals blocked before any thread starts (workers, the metrics
	 * server's), so every thread inherits the mask and signalfd sees them. */
	signal(SIGPIPE, SIG_IGN);       /* a peer that leaves is an error, not our end */
	d.signal_fd = signal_fd();
	lane_threads[LANE_CHECKS] = announce_check_jobs(&d.opts);
	lane_threads[LANE_TRANSFERS] = d.opts.transfer_workers;
	d.loop = loop_new(lane_threads, d.opts.health.user.name ? caps_drop_to_switch_users : caps_drop_to_running);
	if (d.signal_fd < 0 || !d.loop) {
		snprintf(err, sizeof(err), "%s: %s", d.loop ? "signalfd" : "starting the workers", strerror(errno));
		goto fail;
	}
	loop_timer_init(&d.publish_timer, "state snapshot", publish_due, &d);
	if (zones_init(&d, err, sizeof(err)))
		goto fail;
	if (d.opts.check_config) {
		if (zones_check(&d, err, sizeof(err)) || announce_prepare(&d, err, sizeof(err)) ||
		    announce_init(&d, NULL, err, sizeof(err)))
			goto fail;
		check_config_warnings(&d);
		print_check_summary(&d.opts);
		status = 0;
		goto out;
	}
	d.could_switch_users = caps_effective(CAP_SETUID) && caps_effective(CAP_SETGID);
	if (d.opts.health.user.name && !d.could_switch_users) {
		snprintf(err, sizeof(err), "health.user %s: switching the commands to that user needs CAP_SETUID and "
			 "CAP_SETGID, which xdpcastd does not hold (the unit's CapabilityBoundingSet?)",
			 d.opts.health.user.name);
		goto fail;
	}
	if (start_watch_begin(&d.start_watch, err, sizeof(err)))
		goto fail;
	uname(&host);
	if (kernel_check(kernel_has_xdp_helper, host.release, err, sizeof(err)) ||
	    resolve_ifaces(&d, err, sizeof(err)) || control_server_start(&d, err, sizeof(err)))
		goto fail;
	/* Served from the first step: `status` tells how far the start is. */
	control_server_run(d.control);
	/* The state file read and every port bound before the zone files are
	 * read; /metrics answers 503 "starting" until the program runs. */
	if (announce_prepare(&d, err, sizeof(err)) || zones_listen(&d, err, sizeof(err)) ||
	    (d.opts.metrics && !(d.metrics = metrics_server_start(d.opts.metrics, err, sizeof(err)))))
		goto fail;
	if (open_program_and_check_zones(&d, &previous, err, sizeof(err)))
		goto fail;
	zones_watch(&d);
	if (start_program(&d, &previous, err, sizeof(err)))
		goto fail;
	if (d.metrics) {
		metrics_server_set_stats(d.metrics, bpf_map__fd(d.skel->maps.xdpcast_stats));
		metrics_server_set_catchment(d.metrics, bpf_map__fd(d.skel->maps.xdpcast_catchment),
					     d.opts.catchment_groups, d.opts.catchment_group_count);
		log_info("metrics at http://%s/metrics", d.opts.metrics);
	}
	for (size_t i = 0; i < d.opts.iface_count; i++)
		if (!d.ifaces[i].gone)  /* else said at resolve_ifaces */
			log_info("attached to %s (ifindex %d) in %s mode, the interface's only XDP program (no "
				 "libxdp dispatcher: the health checks test-run the very program attached)",
				 d.ifaces[i].ifname, d.ifaces[i].ifindex, attach_mode_name(d.ifaces[i].mode));
	log_info("ready: pop %s, %zu interfaces, %zu anycast prefixes, %zu zones, %zu views, maps in %s%s",
		 d.opts.pop, d.opts.iface_count, d.opts.anycast_count, d.zones.count, d.opts.view_count,
		 d.opts.pin_dir, d.took_over ? ", taken over" : "");
	caps_drop_to_running();
	/* For systemd (Type=notify); without NOTIFY_SOCKET this does nothing. */
	sd_notifyf(0, "READY=1\nSTATUS=generation %u, %zu interfaces", d.generation_number, d.opts.iface_count);
	if (run(&d)) {
		/* A stop asked for ends as a stop (the unit does not start it
		 * again), whatever failed on its way. */
		status = d.phase == PHASE_STOPPING ? XDPCASTD_EXIT_NOT_WITHDRAWN : XDPCASTD_EXIT_LOOP_FAILED;
		finish(&d, true);
		goto out;
	}
	finish(&d, false);
	status = d.withdrawal_unconfirmed ? XDPCASTD_EXIT_NOT_WITHDRAWN : 0;
	goto out;
fail:
	signo = start_watch_end(&d.start_watch);
	if (signo) {
		status = start_ended(&d, signo, &previous);
		goto out;
	}
	/* The last line, as "stopped" and "handed over" are on the other ways out. */
	log_error("failed: %s", err);
	sd_notifyf(0, "STATUS=failed: %s", err);
out:
	cleanup(&d, signo);
	return status;
}
