// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Zones into the answer cache: loads (files, transferred copies, the
 * config's flood defense settings) as jobs on the zones lane, one at a
 * time, coalescing what is asked meanwhile; transfers as jobs on their own
 * lane, driven by SOA timers and NOTIFY; zone file changes through inotify.
 */
#include <errno.h>
#include <stddef.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <systemd/sd-daemon.h>

#include "array.h"
#include "catalog.h"
#include "cancel.h"
#include "clock.h"
#include "config.h"
#include "daemon.h"
#include "log.h"
#include "next_start.h"
#include "prefix.h"
#include "xdpcast.skel.h"
#include "zone_watch.h"

#define NOTIFY_TCP_MAX     8    /* NOTIFY connections served at once */
#define NOTIFY_UDP_BURST   64   /* datagrams read per wakeup */
#define CATCH_UP_LOG_INTERVAL 60  /* seconds: a server behind that stays ahead is logged again */
#define CATCH_UP_GAP_S     10   /* a zone's catch-ups at least this far apart */

#define container_of(ptr, type, member) ((type *)((char *)(ptr) - offsetof(type, member)))

struct zone_job {
	struct loop_job job;
	struct daemon *d;
	unsigned number;
	bool read_config;
	char why[64];
	struct zone **transferred;      /* references */
	size_t transferred_count;
	const struct generation *known; /* files read already: the generation in force, or zones_check's */
	struct options fresh;           /* read_config: the settings the next start would run with */
	char **restart_keys;            /* read_config: keys that differ from the running ones', all of them */
	size_t restart_key_count;
	struct zones_view view;         /* the zones in force after the job */
	struct watched_files watched;   /* the files to watch after it: the zone files, those they $INCLUDE */
	bool watched_short;             /* out of memory listing them */
	int ret;
	char err[ERR_LEN];
};

/* The zone files of the default view and of each --view. */
static size_t view_zones(const struct options *opts, struct view_zones views[XDPCAST_VIEWS_MAX + 1])
{
	views[0] = (struct view_zones){ opts->zones, opts->zone_count };
	for (size_t v = 0; v < opts->view_count; v++)
		views[v + 1] = (struct view_zones){ opts->views[v].zones, opts->views[v].zone_count };
	return opts->view_count + 1;
}

/* What each anycast prefix accepts: its own allow list, else the config's. */
static int protect_prefixes(struct daemon *d, char *err, size_t errlen)
{
	int fd = bpf_map__fd(d->skel->maps.xdpcast_protected);

	for (size_t i = 0; i < d->opts.anycast_count; i++) {
		const struct anycast_option *a = &d->opts.anycast[i];
		struct protected_prefix value;
		char text[64];

		if (a->rules.count)
			protection_scope(a->rules.allow, a->rules.count, &a->prefix, i, &value);
		else
			protection_scope(d->protection.allow, d->protection.allow_count, &a->prefix, i, &value);
		if (bpf_map_update_elem(fd, &a->prefix, &value, BPF_ANY)) {
			prefix_format(&a->prefix, text, sizeof(text));
			snprintf(err, errlen, "--anycast %s: %s", text, strerror(errno));
			return -1;
		}
	}
	return 0;
}

int zones_write_settings(struct daemon *d, char *err, size_t errlen)
{
	if (d->protection.previous_until && time(NULL) >= d->protection.previous_until) {
		d->protection.has_previous = false;
		d->protection.previous_until = 0;
		memset(d->protection.cookie_previous, 0, sizeof(d->protection.cookie_previous));
		log_info("the previous cookie secret is retired: every cookie made with it has expired");
	}
	return protection_write_settings(&d->protection, bpf_map__fd(d->skel->maps.xdpcast_settings), err, errlen);
}

/* The anycast prefixes, which the source filter holds as sources. */
static size_t anycast_prefixes(const struct daemon *d, struct xdpcast_lpm_key anycast[OPTIONS_MAX_ANYCAST])
{
	for (size_t i = 0; i < d->opts.anycast_count; i++)
		anycast[i] = d->opts.anycast[i].prefix;
	return d->opts.anycast_count;
}

int zones_apply_protection(struct daemon *d, char *err, size_t errlen)
{
	struct xdpcast_lpm_key anycast[OPTIONS_MAX_ANYCAST];
	size_t anycast_count = anycast_prefixes(d, anycast);

	if (protect_prefixes(d, err, errlen) || zones_write_settings(d, err, errlen))
		return -1;
	return protection_sync_sources(&d->protection, bpf_map__fd(d->skel->maps.xdpcast_source_filter),
				       bpf_map__fd(d->skel->maps.xdpcast_source_screen), anycast, anycast_count,
				       err, errlen);
}

/* Whether the maps would take a config's flood defense settings, asked
 * before its zones are published: what they refuse (the source filter
 * full with the live blocks) then leaves the zones and the settings in
 * force as they are. The rest of the settings overwrite entries that are
 * there. */
static int protection_would_apply(const struct daemon *d, const struct protection *next, char *err, size_t errlen)
{
	struct xdpcast_lpm_key anycast[OPTIONS_MAX_ANYCAST];
	size_t anycast_count = anycast_prefixes(d, anycast);
	char why[ERR_LEN / 2];

	if (!protection_check_sources(next, bpf_map__fd(d->skel->maps.xdpcast_source_filter), anycast, anycast_count,
				      why, sizeof(why)))
		return 0;
	snprintf(err, errlen, "the flood defense settings of %s were refused: %s", d->opts.config_path, why);
	return -1;
}

/* Puts the config file's protection settings in force, all or nothing: if
 * the maps refuse them, the previous settings stay (written again). */
static int take_protection(struct daemon *d, struct protection *next, char *err, size_t errlen)
{
	struct protection previous = d->protection;
	char again[ERR_LEN];

	protection_carry_cookie_secrets(&previous, next, time(NULL));
	d->protection = *next;
	memset(next, 0, sizeof(*next));
	if (!zones_apply_protection(d, err, errlen)) {
		protection_free(&previous);
		return 0;
	}
	protection_free(&d->protection);
	d->protection = previous;
	if (zones_apply_protection(d, again, sizeof(again)))
		log_error("writing the previous flood defense settings again: %s", again);
	return -1;
}

/* ---- the files watched for changes ---- */

/* Watches that could not be placed (inotify's limits, which other
 * programs spend and free) are tried again this often; a failure that
 * lasts is logged again this often. */
#define ZONE_WATCH_RETRY_S 30
#define ZONE_WATCH_FAILURE_REMINDER_S 600

/* A watch round's outcome (zone_watch_open's, -1: no inotify; or how many
 * files were not watched, err saying why for the first): one line, not
 * one a file past max_user_watches with 100,000 of them. A whole round
 * (every file) says whether all are watched now; a round of new files
 * only adds to what is missing. */
static void watch_placed(struct daemon *d, int failed, const char *first, bool whole_round)
{
	static struct log_every failures = LOG_EVERY_BY_REASON(ZONE_WATCH_FAILURE_REMINDER_S);
	char more[64] = "";

	if (failed > 1)
		snprintf(more, sizeof(more), ", and %d more files", failed - 1);
	if (failed)
		log_reason(&failures, first, LOG_LEVEL_ERROR, "%s%s%s (tried again every %d s; a change meanwhile is "
			   "seen at the next reload)", failed < 0 ? "zone files not watched: " : "", first, more,
			   ZONE_WATCH_RETRY_S);
	d->watch_incomplete = failed || (!whole_round && d->watch_incomplete);
	if (d->watch_incomplete && d->phase != PHASE_STARTING && !loop_timer_armed(&d->watch_retry_timer))
		loop_timer_arm(d->loop, &d->watch_retry_timer, clock_monotonic() + ZONE_WATCH_RETRY_S);
}

/* The index in files of path, found by its hash (a start with 100,000
 * zones must not compare every pair), or -1. */
static ssize_t watched_find(const struct watched_files *files, const char *path)
{
	for (size_t i = hmap_index_first(&files->index, hmap_hash_text(path)); i != HMAP_INDEX_END;
	     i = hmap_index_next(&files->index, i))
		if (!strcmp(files->paths[i], path))
			return i;
	return -1;
}

/* path to files, once: 1 added, 0 there already, -1 out of memory. The
 * zones' files and the files they include: zone_watch sees a change to
 * any by its name in a watched directory. */
static int watched_add(struct watched_files *files, const char *path)
{
	if (watched_find(files, path) >= 0)
		return 0;
	if (strings_push(&files->paths, &files->count, path))
		return -1;
	if (hmap_index_add(&files->index, hmap_hash_text(path), files->count - 1) ||
	    hmap_set(&files->names, zone_watch_key(path), (void *)1))
		return -1;
	return 1;
}

static void watched_free(struct watched_files *files)
{
	strings_free(&files->paths, &files->count);
	hmap_index_free(&files->index);
	hmap_free(&files->names);
}

/*
 * After a load, the files watched are those it listed (watched_to_list):
 * one listed anew is watched at once; one no longer listed, such as an
 * include of an old release (an include is named where the links led),
 * is not watched again, and its directory's watch goes at the next round
 * (each deploy kept one more, and the list grew by every include of
 * every release).
 */
static void watch_listed(struct daemon *d, struct zone_job *z)
{
	bool failed = z->watched_short;
	char **fresh = NULL;            /* not watched before: z's */
	size_t fresh_count = 0;
	char first[ERR_LEN];

	if (!d->opts.watch_zones)
		return;
	for (size_t i = 0; i < z->watched.count && !failed; i++) {
		char **slot = NULL;

		if (watched_find(&d->watched, z->watched.paths[i]) < 0)
			failed = !(slot = array_push((void **)&fresh, &fresh_count, sizeof(*slot)));
		if (slot)
			*slot = z->watched.paths[i];
	}
	if (failed) {
		log_error("out of memory listing the files to watch: the last load's are watched still");
		free(fresh);
		return;
	}
	if (d->watch.fd >= 0)
		watch_placed(d, (int)zone_watch_add(&d->watch, fresh, fresh_count, first, sizeof(first)), first, false);
	free(fresh);
	watched_free(&d->watched);
	d->watched = z->watched;
	memset(&z->watched, 0, sizeof(z->watched));
}

/* ---- loads ---- */

/* A file to watch, for the loop's thread: a zone file or an include, and
 * where one that is a symlink points (the watch on the link's directory
 * sees the link change, not its target: a checkout elsewhere). Found
 * again at every load, as the link may point elsewhere since. -1 out of
 * memory. */
static int take_watched(struct zone_job *z, const char *path)
{
	struct stat link;
	char *target;
	int ret;

	if (watched_add(&z->watched, path) < 0)
		return -1;
	if (lstat(path, &link) || !S_ISLNK(link.st_mode) || !(target = realpath(path, NULL)))
		return 0;
	ret = watched_add(&z->watched, target) < 0 ? -1 : 0;
	free(target);
	return ret;
}

/* On the zones lane (listing 100,000 files is 150 ms): the files to watch
 * after the load, for the loop's thread. The zone files, those the zones
 * in force include, and the targets of those that are symlinks; and those
 * a zone that failed to load included, or tried to (a file not there
 * yet): creating or mending one is a change to load. */
static void watched_to_list(const struct daemon *d, char *const *tried, size_t tried_count, struct zone_job *z)
{
	const struct generation *served = &d->lane.served;
	struct view_zones views[XDPCAST_VIEWS_MAX + 1];
	size_t view_count = view_zones(&d->opts, views);
	int failed = 0;

	if (!d->opts.watch_zones)
		return;
	for (size_t v = 0; v < view_count && !failed; v++)
		for (size_t i = 0; i < views[v].count && !failed; i++)
			failed = take_watched(z, views[v].paths[i]);
	for (size_t i = 0; i < tried_count && !failed; i++)
		failed = take_watched(z, tried[i]);
	for (size_t i = 0; i < served->zone_count && !failed; i++)
		for (size_t k = 0; k < served->zones[i]->include_count && !failed; k++)
			failed = take_watched(z, served->zones[i]->includes[k]);
	z->watched_short = failed;
}

/* On the zones lane: the view of the zones in force the loop's thread
 * takes when the job is done. */
static void take_view(struct daemon *d, struct zones_view *out)
{
	if (generation_view(&d->lane.served, d->lane.cache, out))
		log_error("out of memory for the view of the zones in force");
}

/* Whether two sets of options name the same zone files in the same views. */
static bool same_zone_files(const struct options *a, const struct options *b)
{
	struct view_zones x[XDPCAST_VIEWS_MAX + 1], y[XDPCAST_VIEWS_MAX + 1];
	size_t count = view_zones(a, x);

	if (count != view_zones(b, y))
		return false;
	for (size_t v = 0; v < count; v++) {
		if (x[v].count != y[v].count || (v && strcmp(a->views[v - 1].name, b->views[v - 1].name)))
			return false;
		for (size_t i = 0; i < x[v].count; i++)
			if (strcmp(x[v].paths[i], y[v].paths[i]))
				return false;
	}
	return true;
}

/* A zone file's error ("FILE: ..." or "FILE:LINE: ...") with the config
 * file and the key naming the file before it, and a view's line (a list of
 * files keeps no line per file); given as flags, the error as it is. */
static void name_zone_key(const struct options *o, const char *why, char *err, size_t errlen)
{
	struct view_zones views[XDPCAST_VIEWS_MAX + 1];
	size_t view_count = view_zones(o, views);

	snprintf(err, errlen, "%s%s%s", o->config_path ? o->config_path : "", o->config_path ? ": " : "", why);
	if (!o->config_path)
		return;
	for (size_t v = 0; v < view_count; v++)
		for (size_t i = 0; i < views[v].count; i++) {
			size_t len = strlen(views[v].paths[i]);
			const struct view_option *view = v ? &o->views[v - 1] : NULL;
			char line[16] = "";

			if (strncmp(why, views[v].paths[i], len) || why[len] != ':')
				continue;
			if (view && view->line)
				snprintf(line, sizeof(line), ":%d", view->line);
			snprintf(err, errlen, "%s%s: %s%s%s: %s", o->config_path, line, view ? "views." : "zones",
				 view ? view->name : "", view ? ".zones" : "", why);
			return;
		}
}

/* The zone files the options name load as the next start would load them
 * (those `known` read, unchanged, are not read again): a reload with a
 * file added that is not there or does not parse, or a second of one
 * origin, would start no more. The error names the key of the file. */
static int zones_would_load(const struct options *o, const struct generation *known, char *err, size_t errlen)
{
	struct view_zones views[XDPCAST_VIEWS_MAX + 1];
	size_t view_count = view_zones(o, views);
	struct generation checked;
	char why[ERR_LEN / 2];

	if (!generation_build(&checked, views, view_count, NULL, 0, known, why, sizeof(why))) {
		generation_free(&checked);
		return 0;
	}
	name_zone_key(o, why, err, errlen);
	return -1;
}

/* Lists a key whose change a reload does not apply: every one, however
 * many, as the operator must know what the next start changes. */
static void note_restart_change(const char *path, void *arg)
{
	struct zone_job *z = arg;

	if (strings_push(&z->restart_keys, &z->restart_key_count, path))
		log_error("out of memory listing the changed restart key %s", path);
}

/* How the keys a reload did not apply come into force: a restart hands
 * over, but finds the program to take over in the pin directory in force
 * and keeps the mode the interfaces hold it in (attach.c). */
static const char *restart_advice(const struct zone_job *z)
{
	for (size_t i = 0; i < z->restart_key_count; i++)
		if (!strcmp(z->restart_keys[i], "pin_dir") || !strcmp(z->restart_keys[i], "xdp_mode"))
			return "pin_dir and xdp_mode need a stop and a start: a restart hands over in the pin "
			       "directory and the interfaces' mode in force";
	return "a restart hands over without a lost query";
}

/* The keys the config in force changed and a reload did not apply:
 * logged on one line, and kept for status until a reload of the config
 * changes them. */
static void take_restart_keys(struct daemon *d, const struct zone_job *z)
{
	size_t len = 1, used = 0;
	char *text = NULL;

	for (size_t i = 0; i < z->restart_key_count; i++)
		len += strlen(z->restart_keys[i]) + 2;
	if (z->restart_key_count && !(text = malloc(len)))
		log_error("out of memory keeping the restart keys that changed");
	for (size_t i = 0; text && i < z->restart_key_count; i++)
		used += snprintf(text + used, len - used, "%s%s", i ? ", " : "", z->restart_keys[i]);
	free(d->restart_pending);
	d->restart_pending = text;
	d->restart_advice = restart_advice(z);
	if (z->restart_key_count)
		log_warn("%s: changed, applied at the next start (%s): %s", d->opts.config_path, d->restart_advice,
			 text ? text : "(out of memory listing them)");
}

/* On the zones lane: the config file (when asked), then every zone read
 * (files unchanged since the generation in force read them are not read
 * again) and put in force, in place where the zones are the same. Reads
 * only what never changes while the daemon runs, and the source filter
 * (the kernel's to guard). A config is checked whole, its flood defense
 * settings against that filter too, before any of it is in force;
 * load_taken puts those settings in force after the zones (only a live
 * block added meanwhile, by xdpcastctl, can still refuse them there). */
static void load_run(struct loop_job *job)
{
	struct zone_job *z = (struct zone_job *)job;
	struct daemon *d = z->d;
	const struct options *opts = &d->opts;
	struct view_zones views[XDPCAST_VIEWS_MAX + 1];
	size_t view_count = view_zones(opts, views);
	struct generation next;
	char **tried = NULL;
	size_t tried_count = 0;

	if (z->read_config && opts->config_path) {
		/* As the next start would read them: what it would refuse is refused now. */
		if (options_read(d->argc, d->argv, &z->fresh, z->err, sizeof(z->err)) != OPTIONS_RUN ||
		    announce_check_options(&z->fresh, z->err, sizeof(z->err)) ||
		    (!same_zone_files(opts, &z->fresh) && zones_would_load(&z->fresh, z->known, z->err, sizeof(z->err))) ||
		    next_start_check(opts, &z->fresh, d->could_switch_users, z->err, sizeof(z->err)) ||
		    protection_would_apply(d, &z->fresh.protection, z->err, sizeof(z->err))) {
			z->ret = -1;
			goto out;
		}
		schema_each_restart_change(options_schema, opts, &z->fresh, note_restart_change, z);
	}
	z->ret = generation_build_tried(&next, views, view_count, z->transferred, z->transferred_count, z->known,
					&tried, &tried_count, z->err, sizeof(z->err));
	if (z->ret)
		goto out;
	if (cancel_requested()) {
		snprintf(z->err, sizeof(z->err), "stopping");
		z->ret = -1;
	} else {
		z->ret = generation_apply(&d->lane.served, &next, d->lane.cache, opts->pop, z->err, sizeof(z->err));
	}
	generation_free(&next);         /* emptied when applied; the old zones went with it */
out:
	take_view(d, &z->view);
	watched_to_list(d, tried, tried_count, z);
	strings_free(&tried, &tried_count);
}

static uint64_t zone_view_key(const struct zone_view *z)
{
	return hmap_hash(hmap_hash(HMAP_HASH_SEED, z->origin, knot_dname_size(z->origin)), &z->view, sizeof(z->view));
}

/* Whether `before` (the zones a load replaced, indexed in known) held z as it is now. */
static bool zone_view_unchanged(const struct zones_view *before, const struct hmap_index *known,
				const struct zone_view *z)
{
	for (size_t i = hmap_index_first(known, zone_view_key(z)); i != HMAP_INDEX_END; i = hmap_index_next(known, i)) {
		const struct zone_view *was = &before->zones[i];

		if (was->view == z->view && knot_dname_is_equal(was->origin, z->origin))
			return was->serial == z->serial && was->records == z->records && !strcmp(was->file, z->file);
	}
	return false;
}

/* A line per zone that is new or changed since `before`, then the
 * generation: a reload of one file among 100,000 zones says one zone, not
 * 100,000 (transfers and changes in place say theirs as they happen). */
static void log_generation(const struct daemon *d, const struct zones_view *before)
{
	struct hmap_index known = { 0 };
	size_t unchanged = 0;
	bool all = false;

	for (size_t i = 0; i < before->count && !all; i++)
		all = hmap_index_add(&known, zone_view_key(&before->zones[i]), i) != 0;
	for (size_t i = 0; i < d->zones.count; i++) {
		char name[KNOT_DNAME_TXT_MAXLEN];

		if (!all && zone_view_unchanged(before, &known, &d->zones.zones[i])) {
			unchanged++;
			continue;
		}
		knot_dname_to_str(name, d->zones.zones[i].origin, sizeof(name));
		log_info("zone %s serial %u: %llu records from %s", name, d->zones.zones[i].serial,
			 (unsigned long long)d->zones.zones[i].records, d->zones.zones[i].file);
	}
	hmap_index_free(&known);
	log_info("generation %u: %llu names in the cache, %zu RRsets left to userspace, %zu zones as before",
		 d->generation_number, (unsigned long long)d->zones.total.entries, d->zones.left_to_userspace, unchanged);
}

static void release_transferred(struct zone_job *z)
{
	for (size_t i = 0; i < z->transferred_count; i++)
		zone_free(z->transferred[i]);
	free(z->transferred);
	z->transferred = NULL;
	z->transferred_count = 0;
}

/* The view a zones job made becomes the loop's. */
static void show_view(struct daemon *d, struct zones_view *view)
{
	if (!view->zones)
		return;         /* out of memory: the last view stays */
	zones_view_free(&d->zones);
	d->zones = *view;
	memset(view, 0, sizeof(*view));
}

/* A load failed: the alert stays until a load puts in force what this
 * one could not (one that reads the config, if this one read it). */
static void load_failed(struct daemon *d, struct zone_job *z)
{
	snprintf(d->reload_error, sizeof(d->reload_error), "%s", z->err);
	d->reload_failures++;
	d->config_not_in_force |= z->read_config;
	log_error("%s: reload failed, generation %u keeps answering: %s", z->why, d->generation_number, z->err);
}

/* The outcome of a load, on the loop's thread. */
static bool load_taken(struct daemon *d, struct zone_job *z)
{
	char err[ERR_LEN / 2];  /* said within z->err */
	struct zones_view before = { 0 };
	bool ok = !z->ret;

	release_transferred(z);
	if (z->view.zones) {    /* replaced: kept until the log says what changed */
		before = d->zones;
		d->zones = (struct zones_view){ 0 };
	}
	show_view(d, &z->view);
	watch_listed(d, z);
	watched_free(&z->watched);
	if (!ok) {
		zones_view_free(&before);
		load_failed(d, z);
		options_free(&z->fresh);
		return false;
	}
	++d->generation_number;
	d->generation_loaded_at = time(NULL);
	d->reload_ok_at = d->generation_loaded_at;
	log_generation(d, &before);
	zones_view_free(&before);
	if (z->read_config && d->opts.config_path) {
		ok = !take_protection(d, &z->fresh.protection, err, sizeof(err));
		if (!ok)
			snprintf(z->err, sizeof(z->err), "with the zones read, but the flood defense settings of %s were "
				 "refused and the previous ones stay: %s", d->opts.config_path, err);
		else
			log_info("flood defense settings of %s in force", d->opts.config_path);
		if (ok) {
			take_restart_keys(d, z);
			announce_state_file_moving(d, z->fresh.state_file);
		}
	}
	if (!ok)
		load_failed(d, z);
	else if (z->read_config || !d->config_not_in_force)
		d->reload_error[0] = d->config_not_in_force = false;
	options_free(&z->fresh);
	return ok;
}

static void submit_load(struct daemon *d, const char *why, bool read_config);

static void load_done(struct loop_job *job)
{
	struct zone_job *z = (struct zone_job *)job;
	struct daemon *d = z->d;
	bool ok = load_taken(d, z);

	control_server_reloaded(d->control, z->number, ok, z->err, d->generation_number,
				(const char *const *)z->restart_keys, ok ? z->restart_key_count : 0, restart_advice(z));
	strings_free(&z->restart_keys, &z->restart_key_count);
	free(z);
	d->zones_busy = false;
	if (d->phase == PHASE_RUNNING)
		sd_notifyf(0, "READY=1\nSTATUS=generation %u", d->generation_number);
	if (d->zones_again && !d->exiting) {
		d->zones_again = false;
		submit_load(d, "changes that came during the last load", d->zones_again_config);
	}
	daemon_publish(d);
	announce_update(d);
}

/* The transferred zones that may be served: fresh copies only, referenced. */
static struct zone_job *new_load(struct daemon *d, const char *why, bool read_config)
{
	struct zone_job *z = calloc(1, sizeof(*z));

	if (!z || !(z->transferred = calloc(d->secondary_count + 1, sizeof(*z->transferred)))) {
		free(z);
		return NULL;
	}
	z->d = d;
	z->known = &d->lane.served;
	z->read_config = read_config;
	snprintf(z->why, sizeof(z->why), "%s", why);
	for (size_t i = 0; i < d->secondary_count; i++)
		if (secondary_fresh(&d->secondaries[i]))
			z->transferred[z->transferred_count++] = zone_ref(d->secondaries[i].zone);
	z->job = (struct loop_job){ .lane = LANE_ZONES, .run = load_run, .done = load_done };
	return z;
}

static void submit_load(struct daemon *d, const char *why, bool read_config)
{
	struct zone_job *z = new_load(d, why, read_config);

	if (!z) {
		log_error("%s: out of memory for a reload", why);
		return;
	}
	sd_notify(0, "RELOADING=1");
	log_info("%s: reloading %zu zones%s%s", why, d->opts.zone_count, read_config && d->opts.config_path ?
		 " and " : "", read_config && d->opts.config_path ? d->opts.config_path : "");
	z->number = ++d->zone_jobs;
	d->zones_busy = true;
	loop_submit(d->loop, &z->job);
	daemon_publish(d);
}

unsigned zones_request_reload(struct daemon *d, const char *why, bool read_config)
{
	if (d->exiting)
		return d->zone_jobs;
	if (d->zones_busy) {
		d->zones_again = true;
		d->zones_again_config |= read_config;
		return d->zone_jobs + 1;
	}
	d->zones_again_config = false;
	submit_load(d, why, read_config);
	return d->zone_jobs;
}

int zones_open_cache(struct daemon *d, char *err, size_t errlen)
{
	d->lane.cache = generation_cache_open(d->skel, d->opts.cache_max_bytes, d->opts.minimal_responses, err, errlen);
	return d->lane.cache ? 0 : -1;
}

int zones_load_now(struct daemon *d, char *err, size_t errlen)
{
	struct zone_job *z = new_load(d, "start", false);

	if (!z) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	/* A 1M-name zone read twice cost the start 0.7 s. */
	z->known = &d->checked;
	/* On the zones lane as every load, the loop turning meanwhile so that
	 * `status` answers (10M names take half a minute); its outcome is
	 * taken here once the lane is idle. */
	z->job.done = NULL;
	loop_submit(d->loop, &z->job);
	if (loop_run_until_idle(d->loop, LOOP_LANE(LANE_ZONES)))
		loop_drain(d->loop);
	generation_free(&d->checked);
	if (z->ret) {
		snprintf(err, errlen, "%s", z->err);
		release_transferred(z);
		watched_free(&z->watched);
		zones_view_free(&z->view);
		options_free(&z->fresh);
		free(z);
		return -1;
	}
	z->number = ++d->zone_jobs;
	load_taken(d, z);
	free(z);
	return 0;
}

/* ---- jobs about one secondary ---- */

/* What every job about a secondary begins with: its slot may be freed (a
 * catalog member removed) and taken by another zone before it is done. */
struct secondary_job {
	struct loop_job job;
	struct daemon *d;
	size_t index;
	unsigned incarnation;           /* of its slot: a member removed since is left alone */
	knot_dname_t *origin;           /* a copy: the slot may be freed meanwhile */
};

/* A zeroed job of `size` bytes (a struct beginning with a secondary_job)
 * about secondary index; NULL, logged with `doing`, when out of memory. */
static void *secondary_job_new(struct daemon *d, size_t index, size_t size, struct loop_job job, const char *doing)
{
	struct secondary *s = &d->secondaries[index];
	struct secondary_job *j = calloc(1, size);

	if (j)
		j->origin = knot_dname_copy(s->origin, NULL);
	if (!j || !j->origin) {
		free(j);
		log_error("zone %s: out of memory %s", s->name, doing);
		return NULL;
	}
	j->job = job;
	j->d = d;
	j->index = index;
	j->incarnation = s->incarnation;
	return j;
}

/* Whether the job's slot still holds the secondary it was made for. */
static bool secondary_job_current(const struct secondary_job *j)
{
	const struct secondary *s = &j->d->secondaries[j->index];

	return secondary_used(s) && s->incarnation == j->incarnation;
}

/* ---- a transferred zone served in place ---- */

/* A transfer's copy into the cache on the zones lane: the changes of an
 * IXFR applied to the copy in force, then only the names that depend on
 * them rewritten; an AXFR's copy diffed against the one in force; an
 * expired zone removed. A catalog's IXFR is applied here too, never
 * served: the lane is where its copy on disk is written from it, and
 * a change in place must not come halfway through a write. */
struct serve_job {
	struct secondary_job of;
	struct zone *zone;              /* a reference: what to serve; NULL: serve it no more */
	struct xfr_diff diff;           /* an IXFR's changes to `zone`; none otherwise */
	bool catalog;                   /* `zone` is a catalog: changed, not served */
	bool diverged;                  /* they do not apply to it: an AXFR is due */
	int written;                    /* names written or removed */
	struct zones_view view;
	char err[ERR_LEN];
};

static void serve_run(struct loop_job *job)
{
	struct serve_job *j = (struct serve_job *)job;
	struct daemon *d = j->of.d;
	struct zone_changes changes = { 0 };

	j->written = -1;
	if (j->diff.steps && xfr_apply(j->zone, &j->diff, &changes, j->err, sizeof(j->err))) {
		j->diverged = true;
		goto out;
	}
	j->written = j->catalog ? 0 :
		generation_serve_transfer(&d->lane.served, d->lane.cache, j->of.origin, j->zone,
					  j->diff.steps ? &changes : NULL, j->err, sizeof(j->err));
out:
	zone_changes_clear(&changes);
	if (!j->catalog)        /* the cache as it was: the view in force stays */
		take_view(d, &j->view);
}

static void transfer(struct daemon *d, size_t index);
static void transfer_again_if_asked(struct daemon *d, size_t index);
static void arm_secondary_timers(struct daemon *d, struct secondary *s);
static void copy_changed(struct daemon *d, struct secondary *s);
static void catalog_reconcile(struct daemon *d, size_t index);

static void serve_done(struct loop_job *job)
{
	struct serve_job *j = (struct serve_job *)job;
	struct daemon *d = j->of.d;
	struct secondary *s = &d->secondaries[j->of.index];
	bool ixfr = j->diff.steps > 0;

	show_view(d, &j->view);
	if (!secondary_job_current(&j->of)) {
		/* A catalog member removed meanwhile: its removal from the
		 * cache was queued after this job. */
		char name[KNOT_DNAME_TXT_MAXLEN];

		knot_dname_to_str(name, j->of.origin, sizeof(name));
		if (j->written >= 0 && !j->zone)
			log_info("zone %s: %d names removed in place", name, j->written);
		else if (j->written < 0 && !d->exiting)
			zones_request_reload(d, "a removed catalog member not served in place", false);
		goto out;
	}
	if (ixfr)
		s->transferring = s->applying = false;
	if (d->exiting) {
		/* Applied as the lanes finish (the fast path may have served
		 * it): zones_save_copies writes it. */
		if (ixfr && !j->diverged && d->copies.dir[0])
			s->copy_unsaved = true;
		goto out;
	}
	if (j->diverged) {
		/* Our copy is as it was: ask for the whole zone at once. */
		snprintf(s->fallback, sizeof(s->fallback), "IXFR: %.240s", j->err);
		log_error("zone %s: %s; asking for an AXFR", s->name, j->err);
		s->axfr_next = true;
		transfer(d, j->of.index);
		goto out;
	}
	if (ixfr) {
		secondary_transferred(s, clock_monotonic(), 0, NULL, XFR_IXFR, NULL);
		arm_secondary_timers(d, s);
		copy_changed(d, s);
		if (j->catalog)
			catalog_reconcile(d, j->of.index);
		transfer_again_if_asked(d, j->of.index);
	}
	if (j->catalog)
		goto out;
	if (j->written >= 0) {
		log_info("zone %s serial %u: %d names %s in place", s->name, j->zone ? j->zone->serial : s->serial,
			 j->written, j->zone ? "changed" : "removed");
	} else {
		log_msg(j->written == CACHE_NEEDS_BUILD ? LOG_LEVEL_INFO : LOG_LEVEL_ERROR,
			"zone %s: %s; building a new generation", s->name, j->err);
		zones_request_reload(d, "a transferred zone not served in place", false);
	}
out:
	zone_free(j->zone);
	xfr_diff_free(&j->diff);
	knot_dname_free(j->of.origin, NULL);
	free(j);
	daemon_publish(d);
	announce_update(d);
}

/* Serves what secondary `index` holds now (NULL zone: nothing), after the
 * changes of `diff` (moved) when an IXFR brought them. */
static void serve_transfer(struct daemon *d, size_t index, struct zone *zone, struct xfr_diff *diff)
{
	struct secondary *s = &d->secondaries[index];
	struct serve_job *j = secondary_job_new(d, index, sizeof(*j),
		(struct loop_job){ .lane = LANE_ZONES, .run = serve_run, .done = serve_done },
		"serving the transfer; building a new generation");

	if (!j) {
		if (diff) {
			xfr_diff_free(diff);
			s->transferring = false;
			s->axfr_next = true;
		}
		zones_request_reload(d, "a transferred zone not served in place", false);
		return;
	}
	j->zone = zone ? zone_ref(zone) : NULL;
	j->catalog = s->catalog;
	if (diff) {
		j->diff = *diff;
		memset(diff, 0, sizeof(*diff));
		s->applying = true;     /* serve_done clears it */
	}
	loop_submit(d->loop, &j->of.job);
}

/* ---- the copies kept on disk ---- */

/* A copy is written this long after a change, and no sooner than its
 * last write took ZONE_COPY_COST_SHARE times over: it holds the zones
 * lane (one of 1M names 1.1 s), where IXFRs a second apart would wait
 * for each write. */
#define ZONE_COPY_DELAY_S 5
#define ZONE_COPY_COST_SHARE 50
#define ZONE_COPY_STOP_MARGIN_S 30
/* A write that failed (a full disk) is tried again after this, doubled
 * at each failure up to the most (10,000 catalog members on a full disk
 * are not tried 1,000 times a second), or the delay above if longer; its
 * failures are logged this often at most. */
#define ZONE_COPY_RETRY_S 10
#define ZONE_COPY_RETRY_MAX_S 600
#define ZONE_COPY_FAILURE_REMINDER_S 600

static struct log_every copy_failures = LOG_EVERY_INIT(ZONE_COPY_FAILURE_REMINDER_S);

struct copy_job {
	struct secondary_job of;
	struct zone *zone;              /* a reference; NULL: the copy is forgotten */
	time_t refreshed_at;
	uint32_t serial;                /* of the copy written */
	double cost;
	int ret;
	char err[ERR_LEN];
};

/* On the zones lane, where an IXFR changes the copy in place (never
 * halfway through one), in order: a member's copy forgotten after a
 * write queued before it is not written back. */
static void copy_run(struct loop_job *job)
{
	struct copy_job *j = (struct copy_job *)job;
	double started = clock_monotonic();

	if (!j->zone) {
		zone_copy_forget(&j->of.d->copies, j->of.origin);
	} else {
		j->serial = j->zone->serial;
		j->ret = zone_copy_save(&j->of.d->copies, j->zone, j->refreshed_at, j->err, sizeof(j->err));
	}
	j->cost = clock_monotonic() - started;
}

static void copy_failed(const char *err)
{
	log_msg_every(&copy_failures, LOG_LEVEL_ERROR,
		      "keeping a transferred zone's copy: %s (a start without its primary cannot serve it)", err);
}

static void copy_written(void)
{
	unsigned long failed = log_every_end(&copy_failures);

	if (failed)
		log_info("transferred zones' copies written again, after %lu failed writes", failed);
}

static void copy_arm(struct daemon *d, struct secondary *s, double least_delay);

static void copy_done(struct loop_job *job)
{
	struct copy_job *j = (struct copy_job *)job;
	struct daemon *d = j->of.d;
	struct secondary *s = &d->secondaries[j->of.index];

	if (j->ret)
		copy_failed(j->err);
	else if (j->zone)
		copy_written();
	/* A forgotten copy's member is gone (its slot's next incarnation). */
	if (j->zone && secondary_job_current(&j->of)) {
		s->copy_cost = j->cost;
		if (!j->ret) {
			s->copy_kept = true;
			s->copy_serial = j->serial;
			s->copy_retry_s = 0;
		} else {
			/* The disk holds an older copy, if any: written again
			 * later (at the latest as the daemon stops), never
			 * marked current by a refresh meanwhile. */
			s->copy_unsaved = true;
			s->copy_retry_s = s->copy_retry_s ? s->copy_retry_s * 2 : ZONE_COPY_RETRY_S;
			if (s->copy_retry_s > ZONE_COPY_RETRY_MAX_S)
				s->copy_retry_s = ZONE_COPY_RETRY_MAX_S;
			if (!d->exiting)
				copy_arm(d, s, s->copy_retry_s);
		}
	}
	zone_free(j->zone);
	knot_dname_free(j->of.origin, NULL);
	free(j);
}

/* Writes (zone) or forgets (NULL) secondary index's copy on the zones lane. */
static void copy_submit(struct daemon *d, size_t index, struct zone *zone)
{
	struct secondary *s = &d->secondaries[index];
	struct copy_job *j = secondary_job_new(d, index, sizeof(*j),
		(struct loop_job){ .lane = LANE_ZONES, .run = copy_run, .done = copy_done }, "keeping its copy");

	if (!j)
		return;
	j->zone = zone ? zone_ref(zone) : NULL;
	j->refreshed_at = (time_t)s->transferred_at;
	loop_submit(d->loop, &j->of.job);
}

static void copy_due(struct loop_timer *timer)
{
	struct daemon *d = timer->arg;
	struct secondary *s = container_of(timer, struct secondary, copy_timer);

	if (!s->zone)
		return;
	s->copy_unsaved = false;
	copy_submit(d, s - d->secondaries, s->zone);
}

/* The copy written once least_delay has passed, and no sooner than its
 * last write took ZONE_COPY_COST_SHARE times over. */
static void copy_arm(struct daemon *d, struct secondary *s, double least_delay)
{
	double delay = ZONE_COPY_COST_SHARE * s->copy_cost;

	if (d->phase != PHASE_STARTING && !loop_timer_armed(&s->copy_timer))
		loop_timer_arm(d->loop, &s->copy_timer, clock_monotonic() + (delay > least_delay ? delay : least_delay));
}

/* A new copy (or its change) to keep, written a little later; a start
 * writes them once started (its lanes are waited for). */
static void copy_changed(struct daemon *d, struct secondary *s)
{
	if (!d->copies.dir[0])
		return;
	s->copy_unsaved = true;
	copy_arm(d, s, ZONE_COPY_DELAY_S);
}

/* On the loop's thread, the lanes done: a start after this stop or
 * handover that cannot reach a primary serves the serial this daemon
 * served last, not the one before it. */
void zones_save_copies(struct daemon *d)
{
	double started = clock_monotonic();
	size_t written = 0;
	char err[ERR_LEN];

	for (size_t i = 0; i < d->secondary_count; i++) {
		struct secondary *s = &d->secondaries[i];

		if (!secondary_used(s) || !s->copy_unsaved || !s->zone)
			continue;
		/* The unit's TimeoutStopSec (30 s) would kill a stop still
		 * writing, and its stop hook withdraw a handover's prefixes:
		 * each write extends it by what the last one took, and a margin
		 * for one of 10M names never written yet. */
		sd_notifyf(0, "EXTEND_TIMEOUT_USEC=%llu",
			   (unsigned long long)((ZONE_COPY_STOP_MARGIN_S + 2 * s->copy_cost) * 1e6));
		if (zone_copy_save(&d->copies, s->zone, (time_t)s->transferred_at, err, sizeof(err))) {
			copy_failed(err);
			continue;
		}
		copy_written();
		s->copy_unsaved = false;
		s->copy_kept = true;
		s->copy_serial = s->zone->serial;
		written++;
	}
	if (written)
		log_info("transferred zones whose copies were written as the daemon stops: %zu (%.2f s)", written,
			 clock_monotonic() - started);
}

/* At a start: secondary `index` begins from its copy on disk, if one is
 * there and not past its SOA expire; a catalog's gives its members back,
 * each from its own copy in turn. */
static void restore_copy(struct daemon *d, size_t index)
{
	struct secondary *s = &d->secondaries[index];
	char err[ERR_LEN], when[UTC_TEXT_LEN];
	time_t refreshed_at;
	struct zone *copy;

	if (!d->copies.dir[0] || d->phase != PHASE_STARTING)
		return;
	if (!(copy = zone_copy_load(&d->copies, s->origin, &refreshed_at, err, sizeof(err)))) {
		if (err[0])
			log_error("zone %s: the copy kept on disk is not taken: %s", s->name, err);
		return;
	}
	utc_text(refreshed_at, when);
	if (!secondary_restore(s, copy, refreshed_at, clock_monotonic(), time(NULL))) {
		log_info("zone %s: the copy kept on disk, current at %s, is past its SOA expire: removed", s->name,
			 when);
		zone_copy_forget(&d->copies, s->origin);
		return;
	}
	s->copy_kept = true;
	s->copy_serial = s->serial;
	log_info("zone %s serial %u: the copy kept on disk (current at %s) answers until a transfer", s->name,
		 s->serial, when);
	if (s->catalog)
		catalog_reconcile(d, index);
}

/* ---- transfers ---- */

struct transfer_job {
	struct secondary_job of;
	struct xfr_primary primary;
	struct zone *current;           /* a reference, or NULL: AXFR */
	int ret;
	struct zone *next;
	struct xfr_diff diff;
	enum xfr_kind kind;
	char err[256];
};

/* On the transfers lane: only asks. The copy in force is read (its SOA),
 * never changed: an IXFR's changes go to the zones lane. */
static void transfer_run(struct loop_job *job)
{
	struct transfer_job *t = (struct transfer_job *)job;

	/* Stopping (a start that thousands of transfers wait on, too): those
	 * still queued are not begun, each a connection and a wait. */
	if (cancel_requested()) {
		t->ret = -1;
		snprintf(t->err, sizeof(t->err), "stopping");
		return;
	}
	t->ret = xfr_refresh(&t->primary, t->of.origin, t->current, t->of.d->opts.transfer_timeout_ms, &t->next,
			     &t->diff, &t->kind, t->err, sizeof(t->err));
}

static void arm_secondary_timers(struct daemon *d, struct secondary *s)
{
	/* zones_start arms them all: the loop the start runs (for the control
	 * socket) would begin a failed zone's retry, which the start waited
	 * for in turn, and a refresh would serve a copy before the program
	 * is attached. */
	if (d->phase == PHASE_STARTING)
		return;
	loop_timer_arm(d->loop, &s->refresh_timer, s->next_refresh);
	if (s->zone && !s->expired)
		loop_timer_arm(d->loop, &s->expiry_timer, s->expires_at);
}

static void free_transfer(struct transfer_job *t)
{
	zone_free(t->next);
	xfr_diff_free(&t->diff);
	knot_dname_free(t->of.origin, NULL);
	free(t);
}

static void transfer_done(struct loop_job *job)
{
	struct transfer_job *t = (struct transfer_job *)job;
	struct daemon *d = t->of.d;
	struct secondary *s = &d->secondaries[t->of.index];
	int ret;

	zone_free(t->current);
	t->current = NULL;
	daemon_start_progress(d);
	if (!secondary_job_current(&t->of)) {
		log_debug("a transfer for a catalog member removed meanwhile: dropped");
		free_transfer(t);
		return;
	}
	s->transfer_ended_at = clock_monotonic();
	if (d->exiting || cancel_requested()) {      /* not a failure of the zone's to log */
		s->transferring = false;
		free_transfer(t);
		return;
	}
	if (!t->ret && t->kind == XFR_IXFR) {
		/* Still transferring until the zones lane has applied the
		 * changes: no other transfer reads the copy meanwhile. */
		serve_transfer(d, t->of.index, s->zone, &t->diff);
		free_transfer(t);
		daemon_publish(d);
		return;
	}
	s->transferring = false;
	ret = secondary_transferred(s, clock_monotonic(), t->ret, t->next, t->kind, t->err);
	t->next = NULL;         /* the secondary's now, or freed */
	arm_secondary_timers(d, s);
	if (ret == 1)
		copy_changed(d, s);
	else if (ret == 0 && d->copies.dir[0] && !s->copy_unsaved && s->copy_kept && s->copy_serial == s->serial)
		zone_copy_refreshed(&d->copies, s->origin, (time_t)s->transferred_at);
	if (ret == 1 && s->catalog)
		catalog_reconcile(d, t->of.index);
	else if (ret == 1 && d->phase != PHASE_STARTING)
		serve_transfer(d, t->of.index, secondary_fresh(s) ? s->zone : NULL, NULL);
	transfer_again_if_asked(d, t->of.index);
	free_transfer(t);
	daemon_publish(d);
	announce_update(d);
}

/* A transfer asked for while one ran (a NOTIFY for a newer serial than
 * it brought, say) is deferred, not dropped: the primary does not send
 * an acknowledged NOTIFY again. Called once the copy is updated. */
static void transfer_again_if_asked(struct daemon *d, size_t index)
{
	struct secondary *s = &d->secondaries[index];

	if (s->transferring || !s->asked_again)
		return;
	s->asked_again = false;
	transfer(d, index);
}

static void transfer(struct daemon *d, size_t index)
{
	struct secondary *s = &d->secondaries[index];
	struct transfer_job *t;

	if (d->exiting)
		return;
	if (s->transferring) {
		s->asked_again = true;
		return;
	}
	/* One transfer a second at most, the rest merged into it: NOTIFYs
	 * (from anyone who spoofs the primary, for a zone without a key)
	 * each asked the primary at once, 1,200 transfers a second. */
	if (s->transfer_ended_at && clock_monotonic() < s->transfer_ended_at + SECONDARY_MIN_INTERVAL_S) {
		double earliest = s->transfer_ended_at + SECONDARY_MIN_INTERVAL_S;

		if (!loop_timer_armed(&s->refresh_timer) || s->next_refresh > earliest) {
			s->next_refresh = earliest;
			loop_timer_arm(d->loop, &s->refresh_timer, earliest);
		}
		return;
	}
	t = secondary_job_new(d, index, sizeof(*t),
		(struct loop_job){ .lane = LANE_TRANSFERS, .run = transfer_run, .done = transfer_done }, "for a transfer");
	if (!t)
		return;
	t->primary = s->primary;
	t->current = s->zone && !s->axfr_next ? zone_ref(s->zone) : NULL;
	s->transferring = true;
	loop_submit(d->loop, &t->of.job);
}

/* Timers of the secondaries carry the daemon; which one is where the timer is. */
static void refresh_due(struct loop_timer *timer)
{
	struct daemon *d = timer->arg;

	transfer(d, container_of(timer, struct secondary, refresh_timer) - d->secondaries);
}

/* Past SOA expire without a refresh: the zone leaves the cache. */
#define EXPIRY_LOOK_AGAIN_S 1

static void expiry_due(struct loop_timer *timer)
{
	struct daemon *d = timer->arg;
	struct secondary *s = container_of(timer, struct secondary, expiry_timer);

	if (secondary_check_expiry(s, clock_monotonic()) && !s->catalog)
		serve_transfer(d, s - d->secondaries, NULL, NULL);
	else if (s->applying)   /* its serve arms the timer anew; an IXFR that
				 * does not apply leaves it to the next look */
		loop_timer_arm(d->loop, timer, clock_monotonic() + EXPIRY_LOOK_AGAIN_S);
	daemon_publish(d);
	announce_update(d);
}

static void init_secondary_timers(struct daemon *d, struct secondary *s)
{
	loop_timer_init(&s->refresh_timer, "transfer refresh", refresh_due, d);
	loop_timer_init(&s->expiry_timer, "transfer expiry", expiry_due, d);
	loop_timer_init(&s->copy_timer, "transferred zone's copy", copy_due, d);
}

/* ---- NOTIFY ---- */

struct notify_job {
	struct loop_job job;
	struct daemon *d;
	int fd;
	struct sockaddr_storage from;
	uint8_t wire[NOTIFY_MESSAGE_MAX];
	size_t len;
	double deadline;
	int ret;
};

/* On the NOTIFY lane: the message only. Which zone it is for is decided
 * on the loop's thread, where catalog members come and go. */
static void notify_run(struct loop_job *job)
{
	struct notify_job *n = (struct notify_job *)job;

	n->ret = notify_read_tcp(n->fd, n->wire, &n->len, &n->deadline);
}

static void notify_done(struct loop_job *job)
{
	struct notify_job *n = (struct notify_job *)job;
	struct daemon *d = n->d;
	int zone = -1;

	d->notify_tcp_busy--;
	if (n->ret)
		close(n->fd);
	else
		zone = notify_answer_tcp(n->fd, &n->from, n->wire, n->len, n->deadline, d->secondaries,
					 d->secondary_count);
	if (zone >= 0 && !d->exiting)
		transfer(d, zone);
	free(n);
}

static void notify_tcp_ready(void *arg, short revents)
{
	struct daemon *d = arg;
	struct notify_job *n;
	socklen_t len;
	int fd;

	(void)revents;
	for (;;) {
		struct sockaddr_storage from = { 0 };

		len = sizeof(from);
		fd = loop_accept(&d->notify_listener, (struct sockaddr *)&from, &len);
		if (fd < 0)
			return;
		if (d->notify_tcp_busy >= NOTIFY_TCP_MAX || !(n = calloc(1, sizeof(*n)))) {
			log_debug("NOTIFY over TCP: %u connections served already; one more closed", d->notify_tcp_busy);
			close(fd);
			continue;
		}
		*n = (struct notify_job){ .job = { .lane = LANE_NOTIFY, .run = notify_run, .done = notify_done },
					  .d = d, .fd = fd, .from = from };
		d->notify_tcp_busy++;
		loop_submit(d->loop, &n->job);
	}
}

static void notify_udp_ready(void *arg, short revents)
{
	struct daemon *d = arg;

	(void)revents;
	for (int i = 0; i < NOTIFY_UDP_BURST; i++) {
		int zone = notify_serve_udp(d->notify.udp, d->secondaries, d->secondary_count);

		if (zone == NOTIFY_NONE)
			return;
		if (zone >= 0)
			transfer(d, zone);
	}
}

/* ---- catalog zones (RFC 9432) ---- */

static int compare_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int compare_slots(const void *a, const void *b)
{
	return strcmp((*(struct secondary *const *)a)->name, (*(struct secondary *const *)b)->name);
}

/* The slot of a zone by its name, among the slots in use sorted by name. */
static struct secondary *slot_named(struct secondary **sorted, size_t count, const char *name)
{
	struct secondary key, *k = &key, **found;

	snprintf(key.name, sizeof(key.name), "%s", name);
	found = bsearch(&k, sorted, count, sizeof(*sorted), compare_slots);
	return found ? *found : NULL;
}

/* Whether a zone file of the default view serves that zone: the file
 * wins, as a zone configured explicitly does, and a member of the same
 * name would make the zone two. */
static bool served_from_file(const struct daemon *d, const char *name)
{
	return d->file_zones && bsearch(&name, d->file_zones, d->file_zone_count, sizeof(*d->file_zones),
					compare_names);
}

/* The slot in use of the zone of that origin (a catalog's too), or -1. */
static int secondary_of(const struct daemon *d, const knot_dname_t *origin)
{
	char name[KNOT_DNAME_TXT_MAXLEN];

	if (knot_dname_to_str(name, origin, sizeof(name)))
		for (size_t i = 0; i < d->secondary_count; i++)
			if (secondary_used(&d->secondaries[i]) && !strcasecmp(d->secondaries[i].name, name))
				return i;
	return -1;
}

bool zones_configured(const struct daemon *d, const struct zone_view *zone)
{
	/* By the file, not by the origins the start read (file_zones): a
	 * zone file edited to another origin serves that one now. */
	for (size_t i = 0; i < d->opts.zone_count; i++)
		if (!strcmp(d->opts.zones[i], zone->file))
			return true;
	return secondary_of(d, zone->origin) >= 0;
}

/* A secondary the server behind is ahead of: NSD following the same
 * primary, or itself our primary (the documented default), has a serial
 * we lack, so a NOTIFY was lost or refused (one sent while xdpcastd was
 * restarting, say). Ask now, as a NOTIFY would, rather than at the SOA
 * refresh an hour later, withdrawn meanwhile. */
void zones_catch_up(struct daemon *d, const knot_dname_t *origin, const char *why)
{
	static struct log_every catch_up_log = LOG_EVERY_BY_REASON(CATCH_UP_LOG_INTERVAL);
	int index = secondary_of(d, origin);
	struct secondary *s = index >= 0 ? &d->secondaries[index] : NULL;
	double now = clock_monotonic();

	if (!s || s->catalog)
		return;         /* a zone file's: the operator's to reload */
	/* Not at every round: a primary that lags the server behind, or
	 * refuses us, would be asked by each backend check each round,
	 * its retry backoff passed over. */
	if (now - s->caught_up_at < CATCH_UP_GAP_S)
		return;
	s->caught_up_at = now;
	/* By zone, not by `why`: each backend check names its own server, and
	 * two checks finding one zone ahead took turns, a line every round. */
	log_reason(&catch_up_log, s->name, LOG_LEVEL_INFO, "zone %s: %s: asking %s now, as a NOTIFY would", s->name,
		   why, s->primary.address.text);
	transfer(d, index);
}

/* A member gone from its catalog (or reset): out of the cache at once
 * (after what the zones lane holds for it), its timers disarmed; its slot
 * is free and its next incarnation's jobs ignore this one's results. */
static void remove_member(struct daemon *d, size_t index, const char *why)
{
	struct secondary *s = &d->secondaries[index];

	log_info("catalog %s: member %s %s", d->secondaries[s->catalog_of].name, s->name, why);
	loop_timer_cancel(d->loop, &s->refresh_timer);
	loop_timer_cancel(d->loop, &s->expiry_timer);
	loop_timer_cancel(d->loop, &s->copy_timer);
	if (d->copies.dir[0]) {
		/* Now (a start after a crash must not give a reset member its
		 * old data), and again on the zones lane after any write of it
		 * queued there, which would bring it back. */
		zone_copy_forget(&d->copies, s->origin);
		copy_submit(d, index, NULL);
	}
	if (d->phase != PHASE_STARTING && secondary_fresh(s))
		serve_transfer(d, index, NULL, NULL);
	secondary_free(s);
	d->freed_slots[d->freed_slot_count++] = index;
}

/* Members past transfer.catalog_members_max, in one line for a catalog's
 * whole reconcile: one each was tens of thousands of lines at every
 * transfer of a catalog that outgrew it. */
static void log_no_room(const struct daemon *d, size_t catalog, size_t left_out, const char *first)
{
	log_error("catalog %s: %zu members left out (%s%s): transfer.catalog_members_max (%u) reached",
		  d->secondaries[catalog].name, left_out, first, left_out > 1 ? " and more" : "",
		  d->opts.catalog_members_max);
}

/* Why a catalog may not make that zone a member, or NULL. holder: the slot
 * in use of that name, a zone transfer.zones configures; NULL if none. A
 * zone configured explicitly or served from a zone file keeps its
 * settings, and the clash is an error to log (RFC 9432 5.2). */
static const char *left_out_why(const struct daemon *d, size_t catalog, const char *zone,
				const struct secondary *holder)
{
	const char *refused = catalog_member_refused(zone, d->secondaries[catalog].name);

	if (refused)
		return refused;
	if (holder)
		return holder->catalog ? "a catalog in transfer.zones" : "transfer.zones configures it";
	if (served_from_file(d, zone))
		return "a zone file serves it";
	return NULL;
}

/* A new member: a secondary with its catalog's primary and key, in a free
 * slot, transferred at once. False when there is no room, which the
 * caller logs. */
static bool add_member(struct daemon *d, size_t catalog, const struct catalog_member *member)
{
	struct secondary_option opt = d->opts.secondaries[catalog];
	size_t index;
	struct secondary *s;
	char err[ERR_LEN];

	/* Not a scan for a free slot: adding a catalog's members one by one
	 * would be quadratic (6 s of 21 for 50,000). */
	index = d->freed_slot_count ? d->freed_slots[d->freed_slot_count - 1] : d->secondary_count;
	if (index == d->secondary_capacity) {
		d->catalog_errors++;
		return false;
	}
	s = &d->secondaries[index];
	opt.zone = member->zone;
	opt.catalog = false;
	if (secondary_init(s, &opt, d->opts.keys, err, sizeof(err))) {
		d->catalog_errors++;
		log_error("catalog %s: member left out: %s", d->secondaries[catalog].name, err);
		return true;
	}
	s->catalog_of = catalog;
	snprintf(s->catalog_id, sizeof(s->catalog_id), "%s", member->id);
	init_secondary_timers(d, s);
	if (index == d->secondary_count)
		d->secondary_count++;
	else
		d->freed_slot_count--;
	log_info("catalog %s: member %s added", d->secondaries[catalog].name, s->name);
	restore_copy(d, index);
	transfer(d, index);
	return true;
}

/* A member listed under a new unique id is reset (RFC 9432 5.6): its
 * copy dropped and transferred afresh, whatever its serial, as the
 * producer may have recreated the zone with a lower one. */
static void reset_member(struct daemon *d, size_t index, size_t catalog, const struct catalog_member *member)
{
	remove_member(d, index, "reset (a new unique id): transferred afresh");
	if (!add_member(d, catalog, member))
		log_no_room(d, catalog, 1, member->zone);
}

/* A member its catalog dropped, when another catalog lists it: it moves
 * there, its copy kept (a change of ownership, RFC 9432 5.4, whether or
 * not the old catalog named the new one in `coo`) and its NOTIFYs and
 * transfers from then on the new catalog's primary's, with its key; or
 * reset if listed there under another unique id. Otherwise it would be
 * gone until the other catalog's next refresh, its NOTIFYs refused
 * meanwhile. Whether it moved. */
static bool moved_to_other_catalog(struct daemon *d, size_t index)
{
	struct secondary *s = &d->secondaries[index];

	for (size_t c = 0; c < d->opts.secondary_count; c++) {
		const struct secondary *other = &d->secondaries[c];
		const struct catalog_member *m;

		if (c == (size_t)s->catalog_of || !other->listed_count ||
		    !(m = catalog_member_named(other->listed, other->listed_count, s->name)))
			continue;
		log_info("catalog %s: member %s moved to catalog %s", d->secondaries[s->catalog_of].name, s->name,
			 other->name);
		s->catalog_of = c;
		/* Its NOTIFYs and transfers are the new catalog's (primary, key). */
		secondary_set_primary(s, &d->opts.secondaries[c], d->opts.keys);
		if (strcmp(m->id, s->catalog_id))
			reset_member(d, index, c, m);
		return true;
	}
	return false;
}

/* After each good transfer of a catalog: its members as it lists them now.
 * A catalog that is not of version 2 changes nothing. A zone configured
 * explicitly, served from a zone file, or already another catalog's
 * member keeps its settings. */
static void catalog_reconcile(struct daemon *d, size_t index)
{
	struct secondary *cat = &d->secondaries[index];
	struct catalog_member *members;
	struct secondary **sorted = NULL;
	size_t count, used = 0, left_out = 0;
	const char *first_left_out = NULL;
	char err[256];

	if (catalog_members(cat->zone, &members, &count, err, sizeof(err))) {
		d->catalog_errors++;
		snprintf(cat->catalog_refused, sizeof(cat->catalog_refused), "serial %u refused: %.220s", cat->serial,
			 err);
		log_error("catalog %s serial %u refused: %s; its members stay as they were", cat->name, cat->serial,
			  err);
		return;
	}
	cat->catalog_refused[0] = '\0';
	catalog_members_free(cat->listed, cat->listed_count);
	cat->listed = members;
	cat->listed_count = count;
	for (size_t i = d->opts.secondary_count; i < d->secondary_count; i++) {
		struct secondary *s = &d->secondaries[i];
		const struct catalog_member *m;

		if (!secondary_used(s) || s->catalog_of != (int)index)
			continue;
		m = catalog_member_named(members, count, s->name);
		if (!m && !moved_to_other_catalog(d, i))
			remove_member(d, i, "removed");
		else if (m && strcmp(m->id, s->catalog_id))
			reset_member(d, i, index, m);
	}
	sorted = calloc(d->secondary_count + 1, sizeof(*sorted));
	if (!sorted) {
		log_error("catalog %s: out of memory reading its members", cat->name);
		return;
	}
	for (size_t i = 0; i < d->secondary_count; i++)
		if (secondary_used(&d->secondaries[i]))
			sorted[used++] = &d->secondaries[i];
	qsort(sorted, used, sizeof(*sorted), compare_slots);
	for (size_t i = 0; i < count; i++) {
		const struct secondary *holder = slot_named(sorted, used, members[i].zone);
		const char *why;

		/* Ours already, or another catalog's until it drops the zone. */
		if (holder && holder->catalog_of >= 0)
			continue;
		why = left_out_why(d, index, members[i].zone, holder);
		if (why) {
			d->catalog_errors++;
			log_error("catalog %s: member %s left out: %s", cat->name, members[i].zone, why);
			continue;
		}
		if (add_member(d, index, &members[i]))
			continue;
		if (!left_out++)
			first_left_out = members[i].zone;
	}
	if (left_out)
		log_no_room(d, index, left_out, first_left_out);
	log_debug("catalog %s serial %u: %zu members", cat->name, cat->serial, count);
	free(sorted);
}

/* ---- zone file changes ---- */

/* A directory swapped in by a deploy (renamed into place, or a symlink
 * switched to it) is watched from the quiet time on, when it is in place:
 * the old one's watch followed it away, or stayed with it. */
static void watch_paths_again(struct daemon *d)
{
	char first[ERR_LEN];

	watch_placed(d, (int)zone_watch_add_all(&d->watch, d->watched.paths, d->watched.count, first, sizeof(first)),
		     first, true);
}

static void watch_ready(void *arg, short revents);

/* What could not be watched, tried again; once all is, a reload sees
 * what changed meanwhile. */
static void watch_retry_due(struct loop_timer *timer)
{
	struct daemon *d = timer->arg;
	char first[ERR_LEN];
	int failed;

	if (d->watch.fd >= 0) {
		watch_paths_again(d);
	} else {
		failed = zone_watch_open(&d->watch, d->watched.paths, d->watched.count, first, sizeof(first));
		if (d->watch.fd >= 0)
			loop_watch(d->loop, d->watch.fd, POLLIN, watch_ready, d);
		watch_placed(d, failed, first, true);
	}
	if (!d->watch_incomplete) {
		log_info("zone files: every one watched now; a reload sees what changed meanwhile");
		zones_request_reload(d, "zone files watched again", false);
	}
}

static void watch_due(struct loop_timer *timer)
{
	struct daemon *d = timer->arg;

	if (d->watch_again) {
		d->watch_again = false;
		watch_paths_again(d);
	}
	zones_request_reload(d, "zone file changed", false);
}

static void watch_ready(void *arg, short revents)
{
	struct daemon *d = arg;
	bool watch_again = false;

	(void)revents;
	if (zone_watch_changed(&d->watch, &d->watched.names, &watch_again))
		loop_timer_arm(d->loop, &d->watch_timer, clock_monotonic() + d->opts.watch_delay_ms / 1000.0);
	d->watch_again |= watch_again;
}

/* ---- start and stop ---- */

int zones_init(struct daemon *d, char *err, size_t errlen)
{
	struct view_zones views[XDPCAST_VIEWS_MAX + 1];
	size_t view_count = view_zones(&d->opts, views);
	bool catalogs = false;

	for (size_t i = 0; i < d->opts.secondary_count; i++)
		catalogs |= d->opts.secondaries[i].catalog;
	d->secondary_capacity = d->opts.secondary_count + (catalogs ? d->opts.catalog_members_max : 0);
	/* Room for every member at once: timers in the slots stay where the
	 * loop's heap points, and jobs name slots by index. */
	d->secondaries = calloc(d->secondary_capacity + 1, sizeof(*d->secondaries));
	d->freed_slots = calloc(d->secondary_capacity + 1, sizeof(*d->freed_slots));
	if (!d->secondaries || !d->freed_slots) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (size_t i = 0; i < d->opts.secondary_count; i++) {
		struct secondary *s = &d->secondaries[i];

		if (secondary_init(s, &d->opts.secondaries[i], d->opts.keys, err, errlen))
			return -1;
		d->secondary_count++;
		init_secondary_timers(d, s);
	}
	for (size_t v = 0; v < view_count; v++)
		for (size_t i = 0; i < views[v].count; i++)
			if (watched_add(&d->watched, views[v].paths[i]) < 0) {
				snprintf(err, errlen, "out of memory");
				return -1;
			}
	loop_timer_init(&d->watch_timer, "zone file change", watch_due, d);
	loop_timer_init(&d->watch_retry_timer, "zone files not watched", watch_retry_due, d);
	return 0;
}

/* The origins of the default view's zone files, as the start reads them,
 * for the catalogs to leave out. */
static int remember_file_zones(struct daemon *d, const struct generation *gen)
{
	if (!(d->file_zones = calloc(gen->default_view_count + 1, sizeof(*d->file_zones))))
		return -1;
	for (size_t i = 0; i < gen->default_view_count; i++) {
		char name[KNOT_DNAME_TXT_MAXLEN];

		knot_dname_to_str(name, gen->zones[i]->origin, sizeof(name));
		if (!(d->file_zones[d->file_zone_count] = strdup(name)))
			return -1;
		d->file_zone_count++;
	}
	qsort(d->file_zones, d->file_zone_count, sizeof(*d->file_zones), compare_names);
	return 0;
}

/* A zone both in a zone file and in transfer.zones: once transferred it is
 * two zones of one origin, and every load from then on is refused. (A
 * catalog is never served, and its members leave such a zone out.) */
static int check_transferred_not_in_files(const struct daemon *d, char *err, size_t errlen)
{
	for (size_t i = 0; i < d->opts.secondary_count; i++) {
		const struct secondary_option *s = &d->opts.secondaries[i];
		knot_dname_t *origin = s->catalog ? NULL : knot_dname_from_str_alloc(s->zone);
		char name[KNOT_DNAME_TXT_MAXLEN];
		bool both;

		if (origin)
			knot_dname_to_lower(origin);
		both = origin && knot_dname_to_str(name, origin, sizeof(name)) && served_from_file(d, name);
		knot_dname_free(origin, NULL);
		if (both) {
			snprintf(err, errlen, "%s:%d: transfer.zones: %s is served from a zone file too: list it in one place",
				 d->opts.config_path, s->line, s->zone);
			return -1;
		}
	}
	return 0;
}

int zones_check(struct daemon *d, char *err, size_t errlen)
{
	struct view_zones views[XDPCAST_VIEWS_MAX + 1];
	char why[ERR_LEN / 2];

	if (generation_build(&d->checked, views, view_zones(&d->opts, views), NULL, 0, NULL, why, sizeof(why))) {
		name_zone_key(&d->opts, why, err, errlen);
		return -1;
	}
	if (remember_file_zones(d, &d->checked)) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	return check_transferred_not_in_files(d, err, errlen);
}

int zones_listen(struct daemon *d, char *err, size_t errlen)
{
	if (!d->opts.has_notify)
		return 0;
	if (notify_listen(&d->opts.notify_listen, &d->notify, err, errlen))
		return -1;
	log_info("listening for NOTIFY on %s (UDP and TCP)", d->opts.notify_listen.text);
	return 0;
}

void zones_watch(struct daemon *d)
{
	char err[ERR_LEN];
	int failed;

	if (!d->opts.watch_zones || !d->watched.count)
		return;
	/* inotify's limits are the user's, which other programs may have
	 * spent: a start without the watch serves all the same, and tries
	 * again once started. */
	failed = zone_watch_open(&d->watch, d->watched.paths, d->watched.count, err, sizeof(err));
	watch_placed(d, failed, err, true);
}

/* The first copy of each transferred zone, all at once, before the program
 * goes live. A primary that does not answer costs only its zone, which the
 * server behind answers meanwhile; the zones check stays down until it comes.
 * Minutes from a distant primary: meanwhile the loop serves the control
 * socket, whose `status` tells how far the start is (its replies are not
 * waited for; the other commands are refused until started). */
void zones_first_transfers(struct daemon *d)
{
	unsigned start_lanes = (LOOP_LANE(LANE_MAX) - 1) & ~LOOP_LANE(LANE_REPLIES);
	size_t leftovers;
	char err[ERR_LEN];

	/* Not keeping them costs a start without the primary its zones, not the fast path. */
	if (d->secondary_count && d->opts.keep_copies &&
	    zone_copies_open(&d->copies, d->opts.state_file, err, sizeof(err)))
		log_error("transfer.copies: %s: the transferred zones are not kept on disk", err);
	else if ((leftovers = zone_copies_remove_leftovers(&d->copies)))
		log_info("transfer.copies: %zu temporary files of writes cut short removed from %s", leftovers,
			 d->copies.dir);
	/* The configured ones: a catalog's copy adds its members, each
	 * transferred as it is added. */
	for (size_t i = 0, configured = d->secondary_count; i < configured; i++) {
		restore_copy(d, i);
		transfer(d, i);
	}
	daemon_start_progress(d);
	if (loop_run_until_idle(d->loop, start_lanes))
		loop_drain(d->loop);    /* the loop failed (poll) or was stopped: the transfers are still waited for */
}

void zones_start(struct daemon *d)
{
	for (size_t i = 0; i < d->secondary_count; i++) {
		if (secondary_used(&d->secondaries[i]))
			arm_secondary_timers(d, &d->secondaries[i]);
		if (d->secondaries[i].copy_unsaved)
			copy_changed(d, &d->secondaries[i]);
	}
	if (d->notify.udp >= 0) {
		loop_watch(d->loop, d->notify.udp, POLLIN, notify_udp_ready, d);
		loop_listen(&d->notify_listener, d->loop, d->notify.tcp, "NOTIFY over TCP", notify_tcp_ready, d);
	}
	if (d->watch.fd >= 0)
		loop_watch(d->loop, d->watch.fd, POLLIN, watch_ready, d);
	if (d->watch_incomplete)
		loop_timer_arm(d->loop, &d->watch_retry_timer, clock_monotonic() + ZONE_WATCH_RETRY_S);
}

void zones_close(struct daemon *d)
{
	generation_free(&d->checked);   /* a start that failed before the first load */
	notify_close(&d->notify);
	zone_watch_close(&d->watch);
	for (size_t i = 0; i < d->secondary_count; i++)
		secondary_free(&d->secondaries[i]);
	free(d->secondaries);
	free(d->freed_slots);
	d->freed_slots = NULL;
	d->freed_slot_count = 0;
	strings_free(&d->file_zones, &d->file_zone_count);
	watched_free(&d->watched);
	zone_copies_close(&d->copies);
	d->secondaries = NULL;
	d->secondary_count = d->secondary_capacity = 0;
	/* The loop is gone: no zones job runs. The maps in force stay with
	 * the program (attached still when handing over). */
	generation_free(&d->lane.served);
	cache_close(d->lane.cache);
	d->lane.cache = NULL;
	zones_view_free(&d->zones);
}
