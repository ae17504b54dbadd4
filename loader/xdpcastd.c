// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * xdpcastd: loads the XDP fast path, attaches it, pins its maps, keeps the
 * answer cache in sync with the zone files and the primaries of transferred
 * zones, runs the health checks that decide whether BIRD announces this
 * PoP, and withdraws, drains and cleans up on exit.
 */
#include <errno.h>
#include <net/if.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/random.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/magic.h>
#include <systemd/sd-daemon.h>

#include "attach.h"
#include "bgp.h"
#include "clock.h"
#include "config.h"
#include "control.h"
#include "generation.h"
#include "health.h"
#include "log.h"
#include "metrics_server.h"
#include "notify.h"
#include "options.h"
#include "prefix.h"
#include "secondary.h"
#include "zone_watch.h"
#include "xdpcast.skel.h"

#define ERR_LEN 512
#define CLOCK_REFRESH_S 60      /* how often the cookie clock offset is rewritten */

/* The health checks: fixed ones first, then the operator's commands. */
enum { CHECK_FAST_PATH, CHECK_ZONES, CHECK_BACKEND };

struct daemon {
	struct options opts;
	struct attachment ifaces[XDPCAST_MAX_IFACES];
	struct xdpcast_bpf *skel;
	struct protection protection;   /* in force; the config's on SIGHUP */
	struct cache *cache;            /* the answers of gen in the program's maps */
	struct generation gen;
	unsigned generation_number;
	double generation_loaded_at;    /* unix time */
	struct metrics_server *metrics;
	int control_fd;
	bool program_pinned;

	/* zone sync */
	struct secondary *secondaries;  /* one per transferred zone of the options */
	size_t secondary_count;
	char **watched;                 /* every zone file */
	size_t watched_count;
	int watch_fd;
	struct notify_sockets notify;
	double reload_at;               /* monotonic; 0: no zone file change pending */
	char reload_error[ERR_LEN];     /* why the last reload failed; "" */

	/* the BGP health loop */
	struct health health;
	size_t first_command;           /* index of the first command check */
	double next_health, next_clock; /* monotonic */
	struct bgp bgp;
	bool stopping;
	double stop_at;                 /* monotonic: the end of the drain */
};

/* libbpf and libxdp warnings (the verifier log among them) go to stderr;
 * their info and debug chatter only with --verbose. */
static bool verbose;

static int libbpf_log(enum libbpf_print_level level, const char *fmt, va_list args)
{
	if (level != LIBBPF_WARN && !verbose)
		return 0;
	return vfprintf(stderr, fmt, args);
}

static int libxdp_log(enum libxdp_print_level level, const char *fmt, va_list args)
{
	if (level != LIBXDP_WARN && !verbose)
		return 0;
	return vfprintf(stderr, fmt, args);
}

static int resolve_ifaces(struct daemon *d, char *err, size_t errlen)
{
	for (size_t i = 0; i < d->opts.iface_count; i++) {
		struct attachment *a = &d->ifaces[i];

		snprintf(a->ifname, sizeof(a->ifname), "%s", d->opts.ifaces[i]);
		a->ifindex = if_nametoindex(a->ifname);
		if (!a->ifindex) {
			snprintf(err, errlen, "--iface %s: no such interface", a->ifname);
			return -1;
		}
	}
	return 0;
}

/* `ip netns exec` and minimal systems have no bpffs: mount it for pinning. */
static int ensure_bpffs(const char *pin_dir, char *err, size_t errlen)
{
	struct statfs fs;

	if (strncmp(pin_dir, "/sys/fs/bpf/", 12) != 0)
		return 0;
	if (statfs("/sys/fs/bpf", &fs) == 0 && fs.f_type == BPF_FS_MAGIC)
		return 0;
	if (mount("bpf", "/sys/fs/bpf", "bpf", 0, "mode=0700")) {
		snprintf(err, errlen, "/sys/fs/bpf is not a BPF filesystem and mounting one failed: %s",
			 strerror(errno));
		return -1;
	}
	log_info("mounted a BPF filesystem on /sys/fs/bpf");
	return 0;
}

static int load_program(struct daemon *d, char *err, size_t errlen)
{
	LIBBPF_OPTS(bpf_object_open_opts, open_opts, .pin_root_path = d->opts.pin_dir);
	int ret;

	d->skel = xdpcast_bpf__open_opts(&open_opts);
	if (!d->skel) {
		snprintf(err, errlen, "opening the BPF object: %s", strerror(errno));
		return -1;
	}
	for (size_t i = 0; i < d->opts.iface_count; i++)
		d->skel->rodata->iface_ifindex[i] = d->ifaces[i].ifindex;
	d->skel->rodata->has_views = d->opts.view_count > 0;
	bpf_map__set_max_entries(d->skel->maps.xdpcast_source_buckets, d->protection.source_buckets);
	bpf_map__set_max_entries(d->skel->maps.xdpcast_rrl, d->protection.rrl_buckets);
	d->skel->rodata->nsid_len = strlen(d->opts.pop);
	memcpy((void *)d->skel->rodata->nsid, d->opts.pop, d->skel->rodata->nsid_len);
	ret = xdpcast_bpf__load(d->skel);
	if (ret) {
		snprintf(err, errlen, "loading the BPF program: %s (the verifier log is above)",
			 strerror(-ret));
		return -1;
	}
	d->cache = generation_cache_open(d->skel, d->opts.cache_max_bytes, err, errlen);
	return d->cache ? 0 : -1;
}

static int protect_prefixes(struct daemon *d, char *err, size_t errlen)
{
	int fd = bpf_map__fd(d->skel->maps.xdpcast_protected);

	for (size_t i = 0; i < d->opts.anycast_count; i++) {
		const struct anycast_rules *own = &d->opts.anycast_rules[i];
		struct protected_prefix value;

		if (own->count)
			protection_scope(own->allow, own->count, &d->opts.anycast[i], i, &value);
		else
			protection_scope(d->protection.allow, d->protection.allow_count, &d->opts.anycast[i], i,
					 &value);
		if (bpf_map_update_elem(fd, &d->opts.anycast[i], &value, BPF_ANY)) {
			snprintf(err, errlen, "--anycast %s: %s", d->opts.anycast_text[i], strerror(errno));
			return -1;
		}
	}
	return 0;
}

/* The flood defense settings and source filters, in force at once. */
static int apply_protection(struct daemon *d, char *err, size_t errlen)
{
	struct xdpcast_settings settings;
	__u32 zero = 0;

	protection_settings(&d->protection, &settings);
	if (bpf_map_update_elem(bpf_map__fd(d->skel->maps.xdpcast_settings), &zero, &settings, BPF_ANY)) {
		snprintf(err, errlen, "writing the settings map: %s", strerror(errno));
		return -1;
	}
	return protection_sync_sources(&d->protection, bpf_map__fd(d->skel->maps.xdpcast_source_filter),
				       d->opts.anycast, d->opts.anycast_count, err, errlen);
}

/* Takes over the config file's protection settings. A secret that changed
 * keeps the old one valid as the previous, so clients holding cookies made
 * with it are not penalised during the rotation. */
static void take_protection(struct daemon *d, struct protection *next)
{
	if (!next->has_secret) {
		memcpy(next->cookie_secret, d->protection.cookie_secret, sizeof(next->cookie_secret));
		next->has_secret = d->protection.has_secret;
	} else if (!next->has_previous &&
		   memcmp(next->cookie_secret, d->protection.cookie_secret, sizeof(next->cookie_secret))) {
		memcpy(next->cookie_previous, d->protection.cookie_secret, sizeof(next->cookie_previous));
		next->has_previous = true;
	}
	protection_free(&d->protection);
	d->protection = *next;
	memset(next, 0, sizeof(*next));
}

/* A random cookie secret when the config gives none: cookies then stay
 * valid at this PoP only until it restarts. */
static int init_protection(struct daemon *d, char *err, size_t errlen)
{
	d->protection = d->opts.protection;
	memset(&d->opts.protection, 0, sizeof(d->opts.protection));
	if (d->protection.has_secret)
		return 0;
	if (getrandom(d->protection.cookie_secret, sizeof(d->protection.cookie_secret), 0) !=
	    sizeof(d->protection.cookie_secret)) {
		snprintf(err, errlen, "getrandom for the cookie secret: %s", strerror(errno));
		return -1;
	}
	return 0;
}

/* Client prefixes of each view, view i + 1 for the i-th --view. */
static int place_views(struct daemon *d, char *err, size_t errlen)
{
	int fd = bpf_map__fd(d->skel->maps.xdpcast_views);

	for (size_t v = 0; v < d->opts.view_count; v++) {
		const struct view_option *view = &d->opts.views[v];
		struct client_view value = { .view = v + 1 };

		for (size_t i = 0; i < view->prefix_count; i++) {
			if (bpf_map_update_elem(fd, &view->prefixes[i], &value, BPF_ANY)) {
				snprintf(err, errlen, "--view %s: %s", view->name, strerror(errno));
				return -1;
			}
		}
	}
	return 0;
}

/* The zone files of the default view and of each --view. */
static size_t view_zones(const struct options *opts, struct view_zones views[XDPCAST_VIEWS_MAX + 1])
{
	views[0] = (struct view_zones){ opts->zones, opts->zone_count };
	for (size_t v = 0; v < opts->view_count; v++)
		views[v + 1] = (struct view_zones){ opts->views[v].zones, opts->views[v].zone_count };
	return opts->view_count + 1;
}

/* What the metrics cannot read from the maps: interfaces, zones, generation,
 * health checks and what BIRD said. */
static void publish_metrics(struct daemon *d)
{
	static struct metrics_snapshot snap;    /* large; one thread writes it */
	struct zone_metrics *zones;
	struct cache_usage total;

	if (!d->metrics || !d->cache)
		return;
	memset(&snap, 0, sizeof(snap));
	snap.pop = d->opts.pop;
	snap.version = XDPCAST_VERSION;
	snap.iface_count = d->opts.iface_count;
	for (size_t i = 0; i < d->opts.iface_count; i++)
		snap.ifaces[i] = d->ifaces[i].ifname;
	snap.generation = d->gen.number;
	for (size_t i = 0; i < d->opts.anycast_count && i < 64; i++) {
		prefix_format(&d->opts.anycast[i], snap.prefixes[i], sizeof(snap.prefixes[i]));
		snap.announced[i] = bgp_exported(&d->bgp, snap.prefixes[i]);
		snap.prefix_count++;
	}
	for (size_t i = 0; i < d->health.count && i < METRICS_CHECKS_MAX; i++) {
		snprintf(snap.checks[i].name, sizeof(snap.checks[i].name), "%s", d->health.checks[i].name);
		snap.checks[i].up = d->health.checks[i].up;
		snap.check_count++;
	}
	snap.bird_controlled = d->bgp.socket_path != NULL;
	snap.bird_up = d->bgp.connected;
	for (size_t i = 0; i < d->bgp.session_count && i < METRICS_SESSIONS_MAX; i++) {
		snprintf(snap.sessions[i].name, sizeof(snap.sessions[i].name), "%s", d->bgp.sessions[i].name);
		snap.sessions[i].up = d->bgp.sessions[i].established;
		snap.session_count++;
	}
	zones = calloc(d->gen.zone_count + 1, sizeof(*zones));
	for (size_t z = 0; zones && z < d->gen.zone_count; z++) {
		struct zone_metrics *zm = &zones[snap.zone_count++];
		struct cache_usage usage = { 0 };

		knot_dname_to_str(zm->name, d->gen.zones[z]->origin, sizeof(zm->name));
		zm->serial = d->gen.zones[z]->serial;
		zm->records = d->gen.zones[z]->record_count;
		zm->loaded_at = d->generation_loaded_at;
		cache_zone_usage(d->cache, d->gen.zones[z]->origin, d->gen.views[z], &usage);
		zm->cache_entries = usage.entries;
		zm->cache_bytes = usage.bytes;
	}
	snap.zones = zones;
	cache_usage(d->cache, &total);
	snap.cache_bytes = total.bytes;
	snap.cache_max_bytes = d->opts.cache_max_bytes;
	metrics_server_update(d->metrics, &snap);
	free(zones);
}

/* The transferred zones that may be served: fresh copies only. */
static size_t fresh_transfers(const struct daemon *d, struct zone **out)
{
	size_t n = 0;

	for (size_t i = 0; i < d->secondary_count; i++)
		if (secondary_fresh(&d->secondaries[i]))
			out[n++] = d->secondaries[i].zone;
	return n;
}

/* Builds a generation from every zone file (those unchanged since the
 * generation in force read them are not read again) and every fresh
 * transferred zone and swaps it in: all or nothing. */
static int load_zones(struct daemon *d, char *err, size_t errlen)
{
	struct view_zones views[XDPCAST_VIEWS_MAX + 1];
	size_t view_count = view_zones(&d->opts, views);
	struct zone **transferred = calloc(d->secondary_count + 1, sizeof(*transferred));
	size_t transferred_count = transferred ? fresh_transfers(d, transferred) : 0;
	struct generation next;
	struct cache_usage usage;
	int built;

	if (!transferred) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	built = generation_build(&next, views, view_count, transferred, transferred_count, &d->gen, err, errlen);
	free(transferred);
	if (built)
		goto fail;
	if (generation_apply(&d->gen, &next, d->cache, d->opts.pop, err, errlen)) {
		generation_free(&next);
		goto fail;
	}
	d->reload_error[0] = '\0';
	d->gen.number = ++d->generation_number;
	d->generation_loaded_at = time(NULL);
	publish_metrics(d);
	for (size_t i = 0; i < d->gen.zone_count; i++) {
		char name[KNOT_DNAME_TXT_MAXLEN];

		knot_dname_to_str(name, d->gen.zones[i]->origin, sizeof(name));
		log_info("zone %s serial %u: %zu records from %s", name, d->gen.zones[i]->serial,
			 d->gen.zones[i]->record_count, d->gen.zones[i]->file);
	}
	cache_usage(d->cache, &usage);
	log_info("generation %u: %llu names in the cache, %zu RRsets left to userspace",
		 d->gen.number, (unsigned long long)usage.entries, cache_left_to_userspace(d->cache));
	return 0;
fail:
	snprintf(d->reload_error, sizeof(d->reload_error), "%s", err);
	return -1;
}

/* The program itself, so xdpcastctl lookup can run it (BPF_PROG_TEST_RUN). */
static int pin_program(struct daemon *d, char *err, size_t errlen)
{
	char path[512];
	int ret;

	snprintf(path, sizeof(path), "%s/xdpcast_prog", d->opts.pin_dir);
	unlink(path);           /* left by a daemon that was killed */
	ret = bpf_program__pin(d->skel->progs.xdpcast, path);
	if (ret) {
		snprintf(err, errlen, "pinning the program in %s: %s", d->opts.pin_dir, strerror(-ret));
		return -1;
	}
	d->program_pinned = true;
	return 0;
}

/* Before loading anything: an address in use must leave nothing behind. */
static int start_metrics(struct daemon *d, char *err, size_t errlen)
{
	if (!d->opts.metrics)
		return 0;
	d->metrics = metrics_server_start(d->opts.metrics, err, errlen);
	return d->metrics ? 0 : -1;
}

static int signal_fd(void)
{
	sigset_t mask;

	sigemptyset(&mask);
	sigaddset(&mask, SIGHUP);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	if (sigprocmask(SIG_BLOCK, &mask, NULL))
		return -1;
	return signalfd(-1, &mask, SFD_CLOEXEC);
}

/*
 * SIGHUP: the config file's flood defense settings and every zone, all or
 * nothing. Interfaces, prefixes, the zone list and views take effect at the
 * next start.
 */
static int reload(struct daemon *d, const char *why, char *err, size_t errlen)
{
	struct options fresh;
	int ret = -1;

	sd_notify(0, "RELOADING=1");
	log_info("%s: reloading %zu zones%s%s", why, d->opts.zone_count, d->opts.config_path ? " and " : "",
		 d->opts.config_path ? d->opts.config_path : "");
	options_defaults(&fresh);
	if (d->opts.config_path && config_load(d->opts.config_path, &fresh, err, errlen)) {
		log_error("reload failed, generation %u and the settings in force stay: %s", d->gen.number, err);
		goto out;
	}
	if (load_zones(d, err, errlen)) {
		log_error("reload failed, generation %u keeps answering: %s", d->gen.number, err);
		goto out;
	}
	ret = 0;
	if (d->opts.config_path) {
		take_protection(d, &fresh.protection);
		if (apply_protection(d, err, errlen)) {
			log_error("applying %s: %s", d->opts.config_path, err);
			ret = -1;
		} else {
			log_info("flood defense settings of %s in force", d->opts.config_path);
		}
	}
out:
	if (ret)
		snprintf(d->reload_error, sizeof(d->reload_error), "%s", err);
	options_free(&fresh);
	sd_notifyf(0, "READY=1\nSTATUS=generation %u", d->gen.number);
	return ret;
}

/* Transferred zones: the first copy of each before the program goes live.
 * A primary that does not answer costs only its zone, which the server
 * behind answers meanwhile; the zones check stays down until it comes. */
static int init_secondaries(struct daemon *d, char *err, size_t errlen)
{
	d->secondaries = calloc(d->opts.secondary_count + 1, sizeof(*d->secondaries));
	if (!d->secondaries) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (size_t i = 0; i < d->opts.secondary_count; i++) {
		if (secondary_init(&d->secondaries[i], &d->opts.secondaries[i], d->opts.keys, err, errlen))
			return -1;
		d->secondary_count++;
		secondary_refresh(&d->secondaries[i], clock_monotonic(), d->opts.transfer_timeout_ms);
	}
	return 0;
}

/* The copy a transfer brought (or none, expired) in force: in place, else
 * as a new generation of every zone. */
static int serve_transfer(struct daemon *d, struct secondary *s, char *err, size_t errlen)
{
	int written = generation_serve_transfer(&d->gen, d->cache, s->origin, secondary_fresh(s) ? s->zone : NULL,
						&s->changes, err, errlen);

	if (written >= 0) {
		log_info("zone %s serial %u: %d names changed in place", s->name, s->zone ? s->zone->serial : 0, written);
		publish_metrics(d);
		return 0;
	}
	log_error("zone %s: %s; building a new generation", s->name, err);
	return load_zones(d, err, errlen);
}

/* Asks the primary of zone i; a new copy is served at once. */
static void refresh_secondary(struct daemon *d, size_t i)
{
	char err[ERR_LEN];

	if (secondary_refresh(&d->secondaries[i], clock_monotonic(), d->opts.transfer_timeout_ms) == 1 &&
	    serve_transfer(d, &d->secondaries[i], err, sizeof(err)))
		log_error("zone %s: the new copy is not served, generation %u keeps answering: %s",
			  d->secondaries[i].name, d->gen.number, err);
}

/* Transfers whose timers ran out: refresh, or stop serving a stale copy. */
static void secondary_timers(struct daemon *d, double now)
{
	char err[ERR_LEN];

	for (size_t i = 0; i < d->secondary_count; i++) {
		struct secondary *s = &d->secondaries[i];

		if (now >= s->next_refresh)
			refresh_secondary(d, i);
		if (secondary_check_expiry(s, now) && serve_transfer(d, s, err, sizeof(err)))
			log_error("zone %s expired but generation %u could not be replaced: %s", s->name,
				  d->gen.number, err);
	}
}

/* Why the zones check fails: a reload that failed, a zone not fresh. */
static int zones_problem(const struct daemon *d, char *detail, size_t len)
{
	if (d->reload_error[0]) {
		snprintf(detail, len, "reload failed: %.200s", d->reload_error);
		return -1;
	}
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

static void init_health(struct daemon *d)
{
	const char *names[HEALTH_MAX_CHECKS] = { [CHECK_FAST_PATH] = "fast_path", [CHECK_ZONES] = "zones" };
	size_t count = CHECK_BACKEND;

	if (d->opts.health.has_backend)
		names[count++] = "backend";
	d->first_command = count;
	for (size_t i = 0; i < d->opts.health.command_count; i++)
		names[count++] = d->opts.health.commands[i].name;
	health_init(&d->health, d->opts.health.rise, d->opts.health.fall, names, count);
}

/* The round's outcome into the xdpcast_control_plane map, for bpftool. */
static void write_control_plane(struct daemon *d)
{
	struct control_plane_state state = {
		.healthy = health_all_up(&d->health),
		.checks = d->health.count,
		.bird_up = d->bgp.connected,
		.prefixes = d->opts.anycast_count,
		.sessions = d->bgp.session_count,
		.updated_at = time(NULL),
	};
	__u32 zero = 0;

	for (size_t i = 0; i < d->health.count; i++)
		state.checks_up += d->health.checks[i].up;
	for (size_t i = 0; i < d->bgp.session_count; i++)
		state.sessions_up += d->bgp.sessions[i].established;
	for (size_t i = 0; i < d->opts.anycast_count; i++) {
		char prefix[64];

		prefix_format(&d->opts.anycast[i], prefix, sizeof(prefix));
		state.prefixes_announced += bgp_exported(&d->bgp, prefix);
	}
	if (bpf_map_update_elem(bpf_map__fd(d->skel->maps.xdpcast_control_plane), &zero, &state, BPF_ANY))
		log_error("writing the control plane map: %s", strerror(errno));
}

/* One round of every check, then BIRD is told the outcome. */
static void health_round(struct daemon *d, double now)
{
	const struct health_options *o = &d->opts.health;
	char detail[256] = "";
	int failed;

	failed = attach_check(d->ifaces, d->opts.iface_count, detail, sizeof(detail)) ||
		 health_fast_path(d->opts.pin_dir, d->gen.zones, d->gen.default_view_count, detail, sizeof(detail));
	health_record(&d->health, CHECK_FAST_PATH, !failed, detail);
	failed = zones_problem(d, detail, sizeof(detail));
	health_record(&d->health, CHECK_ZONES, !failed, detail);
	if (o->has_backend) {
		failed = health_backend(&o->backend, o->timeout_ms, d->gen.zones, d->gen.default_view_count, detail,
					sizeof(detail));
		health_record(&d->health, CHECK_BACKEND, !failed, detail);
	}
	for (size_t i = 0; i < o->command_count; i++) {
		failed = health_command(&o->commands[i], detail, sizeof(detail));
		health_record(&d->health, d->first_command + i, !failed, detail);
	}
	bgp_sync(&d->bgp, health_all_up(&d->health) && !d->stopping, now);
	publish_metrics(d);
	write_control_plane(d);
}

/* SIGTERM: withdraw first, keep answering while the withdrawal spreads
 * through BGP, then let run() return and detach. */
static void begin_stop(struct daemon *d, unsigned signo)
{
	double now = clock_monotonic();

	d->stopping = true;
	d->stop_at = now;
	if (!d->bgp.socket_path) {
		log_info("signal %u: shutting down", signo);
		return;
	}
	bgp_sync(&d->bgp, false, now);
	publish_metrics(d);
	if (!d->bgp.connected) {
		log_info("signal %u: shutting down (BIRD unreachable, nothing to withdraw)", signo);
		return;
	}
	d->stop_at = now + d->opts.drain_ms / 1000.0;
	log_info("signal %u: withdrawn; answering for %u ms more before detaching", signo, d->opts.drain_ms);
}

static json_t *checks_json(const struct daemon *d)
{
	json_t *checks = json_array();

	for (size_t i = 0; i < d->health.count; i++) {
		const struct check *c = &d->health.checks[i];

		json_array_append_new(checks, json_pack("{s:s, s:b, s:s?}", "check", c->name, "up", c->up,
							"error", c->detail[0] ? c->detail : NULL));
	}
	return checks;
}

static json_t *bgp_json(const struct daemon *d)
{
	json_t *sessions = json_array(), *exported = json_array();

	for (size_t i = 0; i < d->bgp.session_count; i++)
		json_array_append_new(sessions, json_pack("{s:s, s:s, s:b}", "protocol", d->bgp.sessions[i].name,
							  "state", d->bgp.sessions[i].state,
							  "established", d->bgp.sessions[i].established));
	for (size_t i = 0; i < d->bgp.exported_count; i++)
		json_array_append_new(exported, json_string(d->bgp.exported[i]));
	return json_pack("{s:s?, s:b, s:s?, s:o, s:o}", "bird_socket", d->bgp.socket_path,
			 "connected", d->bgp.connected, "error", d->bgp.error[0] ? d->bgp.error : NULL,
			 "sessions", sessions, "exported", exported);
}

static json_t *secondaries_json(const struct daemon *d)
{
	json_t *list = json_array();

	for (size_t i = 0; i < d->secondary_count; i++) {
		const struct secondary *s = &d->secondaries[i];

		json_array_append_new(list, json_pack("{s:s, s:s, s:I, s:b, s:f, s:s?, s:s?}", "zone", s->name,
						      "primary", s->primary.address.text,
						      "serial", (json_int_t)(s->zone ? s->zone->serial : 0),
						      "fresh", secondary_fresh(s), "transferred_at", s->transferred_at,
						      "error", s->error[0] ? s->error : NULL,
						      "ixfr_fallback", s->fallback[0] ? s->fallback : NULL));
	}
	return list;
}

/* What `xdpcastctl status` shows. */
static json_t *status_json(struct daemon *d)
{
	struct bpf_prog_info info = { 0 };
	__u32 info_len = sizeof(info);
	json_t *ifaces = json_array(), *zones = json_array(), *anycast = json_array(), *views = json_array();

	struct cache_usage usage;

	cache_usage(d->cache, &usage);
	bpf_obj_get_info_by_fd(bpf_program__fd(d->skel->progs.xdpcast), &info, &info_len);
	for (size_t i = 0; i < d->opts.iface_count; i++)
		json_array_append_new(ifaces, json_pack("{s:s, s:i, s:s}", "name", d->ifaces[i].ifname,
							"ifindex", d->ifaces[i].ifindex,
							"xdp_mode", attach_mode_name(d->ifaces[i].mode)));
	for (size_t z = 0; z < d->gen.zone_count; z++) {
		char name[KNOT_DNAME_TXT_MAXLEN];
		struct cache_usage in_cache = { 0 };

		knot_dname_to_str(name, d->gen.zones[z]->origin, sizeof(name));
		cache_zone_usage(d->cache, d->gen.zones[z]->origin, d->gen.views[z], &in_cache);
		json_array_append_new(zones, json_pack("{s:s, s:I, s:I, s:s, s:i, s:I, s:I}", "zone", name,
						       "serial", (json_int_t)d->gen.zones[z]->serial,
						       "records", (json_int_t)d->gen.zones[z]->record_count,
						       "file", d->gen.zones[z]->file, "view", d->gen.views[z],
						       "cache_entries", (json_int_t)in_cache.entries,
						       "cache_bytes", (json_int_t)in_cache.bytes));
	}
	for (size_t i = 0; i < d->opts.anycast_count; i++)
		json_array_append_new(anycast, json_string(d->opts.anycast_text[i]));
	for (size_t v = 0; v < d->opts.view_count; v++)
		json_array_append_new(views, json_string(d->opts.views[v].name));
	return json_pack("{s:b, s:s, s:s, s:I, s:o, s:o, s:I, s:f, s:{s:I, s:I, s:I}, s:I, s:o, s:o, s:s, s:s?, s:o,"
			 " s:b, s:o, s:o}",
			 "ok", 1, "pop", d->opts.pop, "version", XDPCAST_VERSION,
			 "program_id", (json_int_t)info.id, "interfaces", ifaces, "anycast", anycast,
			 "generation", (json_int_t)d->gen.number, "generation_loaded_at", d->generation_loaded_at,
			 "cache", "entries", (json_int_t)usage.entries, "bytes", (json_int_t)usage.bytes,
			 "max_bytes", (json_int_t)d->opts.cache_max_bytes,
			 "rss_bytes", (json_int_t)metrics_resident_bytes(), "zones", zones, "views", views,
			 "pin_dir", d->opts.pin_dir, "metrics", d->opts.metrics,
			 "checks", checks_json(d), "healthy", health_all_up(&d->health),
			 "bgp", bgp_json(d), "transfers", secondaries_json(d));
}

static json_t *control_command(const char *command, void *arg)
{
	struct daemon *d = arg;
	char err[ERR_LEN];

	if (strcmp(command, "status") == 0)
		return status_json(d);
	if (strcmp(command, "reload") == 0) {
		if (reload(d, "xdpcastctl reload", err, sizeof(err)))
			return json_pack("{s:b, s:s, s:I}", "ok", 0, "error", err, "generation",
					 (json_int_t)d->gen.number);
		return json_pack("{s:b, s:I}", "ok", 1, "generation", (json_int_t)d->gen.number);
	}
	return json_pack("{s:b, s:s}", "ok", 0, "error", "unknown command: status or reload");
}

/* Every timer that ran out: the cookie clock, a debounced zone file
 * change, transfers, the health round, the end of the drain. */
static void run_timers(struct daemon *d, double now)
{
	char err[ERR_LEN];

	if (now >= d->next_clock) {     /* the wall clock may have been stepped */
		d->next_clock = now + CLOCK_REFRESH_S;
		if (apply_protection(d, err, sizeof(err)))
			log_error("%s", err);
	}
	if (d->reload_at && now >= d->reload_at) {
		d->reload_at = 0;
		reload(d, "zone file changed", err, sizeof(err));
	}
	secondary_timers(d, now);
	if (now >= d->next_health) {
		d->next_health = now + d->opts.health.interval_ms / 1000.0;
		health_round(d, now);
	}
}

/* A NOTIFY that checked out: ask that zone's primary now. */
static void notified(struct daemon *d, int zone)
{
	if (zone >= 0)
		refresh_secondary(d, zone);
}

/* Milliseconds until the earliest timer. */
static int next_timeout(const struct daemon *d, double now)
{
	double next = d->next_clock < d->next_health ? d->next_clock : d->next_health;

	if (d->reload_at && d->reload_at < next)
		next = d->reload_at;
	if (d->stopping && d->stop_at < next)
		next = d->stop_at;
	for (size_t i = 0; i < d->secondary_count; i++) {
		const struct secondary *s = &d->secondaries[i];

		if (s->next_refresh < next)
			next = s->next_refresh;
		if (secondary_fresh(s) && s->expires_at < next)
			next = s->expires_at;
	}
	return next > now ? (int)((next - now) * 1000) + 1 : 0;
}

static void run(struct daemon *d, int sfd)
{
	enum { SIGNALS, CONTROL, NOTIFY_UDP, NOTIFY_TCP, WATCH };
	struct pollfd pfd[] = {
		[SIGNALS] = { .fd = sfd, .events = POLLIN },
		[CONTROL] = { .fd = d->control_fd, .events = POLLIN },
		[NOTIFY_UDP] = { .fd = d->notify.udp, .events = POLLIN },       /* -1: ignored */
		[NOTIFY_TCP] = { .fd = d->notify.tcp, .events = POLLIN },
		[WATCH] = { .fd = d->watch_fd, .events = POLLIN },
	};
	char err[ERR_LEN];

	d->next_clock = clock_monotonic() + CLOCK_REFRESH_S;
	for (;;) {
		struct signalfd_siginfo si;
		double now = clock_monotonic();
		int ready;

		if (d->stopping && now >= d->stop_at)
			return;
		run_timers(d, now);
		ready = poll(pfd, sizeof(pfd) / sizeof(pfd[0]), next_timeout(d, clock_monotonic()));
		if (ready < 0 && errno != EINTR) {
			log_error("poll: %s", strerror(errno));
			return;
		}
		if (ready <= 0)
			continue;
		if (pfd[CONTROL].revents & POLLIN)
			control_serve_one(d->control_fd, control_command, d);
		if (pfd[NOTIFY_UDP].revents & POLLIN)
			notified(d, notify_serve_udp(d->notify.udp, d->secondaries, d->secondary_count));
		if (pfd[NOTIFY_TCP].revents & POLLIN)
			notified(d, notify_serve_tcp(d->notify.tcp, d->secondaries, d->secondary_count));
		if ((pfd[WATCH].revents & POLLIN) && zone_watch_changed(d->watch_fd, d->watched, d->watched_count))
			d->reload_at = clock_monotonic() + d->opts.watch_delay_ms / 1000.0;
		if (!(pfd[SIGNALS].revents & POLLIN) || read(sfd, &si, sizeof(si)) != sizeof(si))
			continue;
		if (si.ssi_signo == SIGHUP)
			reload(d, "SIGHUP", err, sizeof(err));
		else if (d->stopping)
			return;         /* a second signal cuts the drain short */
		else
			begin_stop(d, si.ssi_signo);
	}
}

/* The zone files to watch for changes, or none. */
static int watch_zone_files(struct daemon *d, char *err, size_t errlen)
{
	struct view_zones views[XDPCAST_VIEWS_MAX + 1];
	size_t view_count = view_zones(&d->opts, views), files = 0;

	for (size_t v = 0; v < view_count; v++)
		files += views[v].count;
	d->watched = calloc(files + 1, sizeof(*d->watched));
	if (!d->watched) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (size_t v = 0; v < view_count; v++)
		for (size_t i = 0; i < views[v].count; i++)
			d->watched[d->watched_count++] = views[v].paths[i];
	if (!d->opts.watch_zones || !d->watched_count)
		return 0;
	d->watch_fd = zone_watch_open(d->watched, d->watched_count, err, errlen);
	return d->watch_fd < 0 ? -1 : 0;
}

static int listen_notify(struct daemon *d, char *err, size_t errlen)
{
	if (!d->opts.has_notify)
		return 0;
	if (notify_listen(&d->opts.notify_listen, &d->notify, err, errlen))
		return -1;
	log_info("listening for NOTIFY on %s (UDP and TCP)", d->opts.notify_listen.text);
	return 0;
}

static void cleanup(struct daemon *d)
{
	char path[512];

	metrics_server_stop(d->metrics);
	control_close(d->control_fd, d->opts.control_socket);
	notify_close(&d->notify);
	if (d->watch_fd >= 0)
		close(d->watch_fd);
	bgp_close(&d->bgp);
	for (size_t i = 0; i < d->secondary_count; i++)
		secondary_free(&d->secondaries[i]);
	free(d->secondaries);
	free(d->watched);
	detach_all(d->ifaces, d->opts.iface_count);
	if (d->skel) {
		bpf_object__unpin_maps(d->skel->obj, NULL);
		snprintf(path, sizeof(path), "%s/xdpcast_prog", d->opts.pin_dir);
		if (d->program_pinned)
			bpf_program__unpin(d->skel->progs.xdpcast, path);
		rmdir(d->opts.pin_dir);
		cache_close(d->cache);
		xdpcast_bpf__destroy(d->skel);
	}
	generation_free(&d->gen);
	protection_free(&d->protection);
	options_free(&d->opts);
}

int main(int argc, char **argv)
{
	static struct daemon d = { .control_fd = -1, .notify = { -1, -1 }, .watch_fd = -1 };
	struct view_zones views[XDPCAST_VIEWS_MAX + 1];
	char err[ERR_LEN];
	int sfd, status = 1;

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
	verbose = d.opts.verbose;
	log_set_level(verbose ? LOG_LEVEL_DEBUG : LOG_LEVEL_INFO);
	libbpf_set_print(libbpf_log);
	libxdp_set_print(libxdp_log);

	/* Everything that can be checked without touching the kernel first, so
	 * bad input leaves nothing attached or pinned. */
	if (d.opts.check_config) {
		if (generation_build(&d.gen, views, view_zones(&d.opts, views), NULL, 0, NULL, err, sizeof(err)))
			goto fail;
		printf("%s: ok (%zu zones, %zu anycast prefixes, %zu blocked prefixes)\n", d.opts.config_path,
		       d.gen.zone_count, d.opts.anycast_count, d.opts.protection.blocklist.count);
		status = 0;
		goto out;
	}
	signal(SIGPIPE, SIG_IGN);       /* a peer that leaves is an error, not our end */
	/* Signals blocked before any thread starts (the metrics server's), so
	 * every thread inherits the mask and signalfd sees them all. */
	sfd = signal_fd();
	if (sfd < 0) {
		snprintf(err, sizeof(err), "signalfd: %s", strerror(errno));
		goto fail;
	}
	if (init_protection(&d, err, sizeof(err)) || resolve_ifaces(&d, err, sizeof(err)) ||
	    generation_build(&d.gen, views, view_zones(&d.opts, views), NULL, 0, NULL, err, sizeof(err)) ||
	    start_metrics(&d, err, sizeof(err)) || listen_notify(&d, err, sizeof(err)) ||
	    watch_zone_files(&d, err, sizeof(err)))
		goto fail;
	/* d.gen, read but not served, stays: load_zones takes its zones
	 * instead of reading the files again. */
	bgp_init(&d.bgp, d.opts.bird_socket);
	init_health(&d);
	if (init_secondaries(&d, err, sizeof(err)))
		goto fail;
	if (ensure_bpffs(d.opts.pin_dir, err, sizeof(err)) ||
	    load_program(&d, err, sizeof(err)) ||
	    protect_prefixes(&d, err, sizeof(err)) ||
	    apply_protection(&d, err, sizeof(err)) ||
	    place_views(&d, err, sizeof(err)) ||
	    load_zones(&d, err, sizeof(err)) ||
	    attach_all(bpf_program__fd(d.skel->progs.xdpcast), d.ifaces, d.opts.iface_count,
		       d.opts.xdp_mode, !d.opts.mode_forced, err, sizeof(err)))
		goto fail;

	if (pin_program(&d, err, sizeof(err)))
		goto fail;
	d.control_fd = control_listen(d.opts.control_socket, err, sizeof(err));
	if (d.control_fd < 0)
		goto fail;
	if (d.metrics) {
		metrics_server_set_stats(d.metrics, bpf_map__fd(d.skel->maps.xdpcast_stats));
		publish_metrics(&d);
		log_info("metrics at http://%s/metrics", d.opts.metrics);
	}
	for (size_t i = 0; i < d.opts.iface_count; i++)
		log_info("attached to %s (ifindex %d) in %s mode", d.ifaces[i].ifname,
			 d.ifaces[i].ifindex, attach_mode_name(d.ifaces[i].mode));
	log_info("ready: pop %s, %zu interfaces, %zu anycast prefixes, %zu zones, %zu views, maps in %s",
		 d.opts.pop, d.opts.iface_count, d.opts.anycast_count, d.gen.zone_count,
		 d.opts.view_count, d.opts.pin_dir);

	/* For systemd (Type=notify); without NOTIFY_SOCKET this does nothing. */
	sd_notifyf(0, "READY=1\nSTATUS=generation %u, %zu interfaces", d.gen.number, d.opts.iface_count);
	run(&d, sfd);
	sd_notify(0, "STOPPING=1");
	status = 0;
	goto out;
fail:
	log_error("%s", err);
out:
	cleanup(&d);
	return status;
}
