/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * xdpcastd's state, shared by the files that drive it from the event loop:
 *   xdpcastd.c        start (take over or attach), signals, stop or hand
 *                     over, the state snapshot every view is rendered from
 *   zone_sync.c       zone loads, transfers, NOTIFY, zone file changes
 *   announce.c        health checks and what BIRD is asked to announce
 *   control_server.c  the control socket (xdpcastctl)
 * Everything here is touched only on the loop's thread (but `lane`, the
 * zones lane's); jobs on workers get copies of what they need and hand
 * results back to `done`.
 */
#ifndef XDPCAST_DAEMON_H
#define XDPCAST_DAEMON_H

#include <stdbool.h>
#include <stdint.h>

#include "attach.h"
#include "bgp.h"
#include "generation.h"
#include "health.h"
#include "hmap.h"
#include "loop.h"
#include "maintenance.h"
#include "metrics_server.h"
#include "notify.h"
#include "options.h"
#include "pins.h"
#include "secondary.h"
#include "pacing.h"
#include "start_watch.h"
#include "state.h"
#include "zone_copies.h"
#include "zone_watch.h"

#define ERR_LEN 512

/* Files the zone watch looks for changes to (zone_sync.c). */
struct watched_files {
	char **paths;                   /* owned */
	size_t count;
	struct hmap_index index;        /* paths by hash */
	struct hmap names;              /* zone_watch_key of each: what an event is looked up in */
};
#define RESTART_PENDING_MAX 4096       /* bytes of restart_pending a status shows: every key fits */

/* The exit status of a stop whose withdrawal BIRD never took (hung, or
 * refusing, or the event loop failed on the way): not a clean stop, so
 * the unit's ExecStopPost (`xdpcastctl withdraw --after-failure`)
 * withdraws again; a stop all the same, so not started again. */
#define XDPCASTD_EXIT_NOT_WITHDRAWN 3
/* The event loop failed: the program left attached, as after a crash. */
#define XDPCASTD_EXIT_LOOP_FAILED 4

/* What a health check runs. */
enum check_kind {
	CHECK_KIND_FAST_PATH,   /* the attachment, then the program answers every zone's SOA */
	CHECK_KIND_ZONES,       /* every transferred zone fresh */
	CHECK_KIND_BACKEND,     /* the server behind answers the same serials at `backend` */
	CHECK_KIND_LOCAL_BACKEND, /* the same on this host's address inside `inside`, found at each
				   * round: an address added or moved later is asked */
	CHECK_KIND_COMMAND,     /* the operator's command */
};

struct check_spec {
	enum check_kind kind;
	struct address backend;                 /* CHECK_KIND_BACKEND */
	const struct xdpcast_lpm_key *inside;   /* CHECK_KIND_LOCAL_BACKEND: an anycast prefix */
	const struct command_check *command;    /* CHECK_KIND_COMMAND */
};

enum phase {
	PHASE_STARTING,
	PHASE_RUNNING,
	PHASE_STOPPING,         /* SIGTERM: withdrawn, draining, then detach */
	PHASE_HANDING_OVER,     /* SIGUSR1: exit leaving the program attached and announced */
};

struct control_server;
struct xdpcast_bpf;

/* BIRD's side as the last sync left it (a copy: the sync runs on a worker). */
struct bgp_view {
	bool connected;
	char error[256];
	struct bird_protocol sessions[BIRD_MAX_PROTOCOLS];
	size_t session_count;
	char exported[BIRD_MAX_PREFIXES][64];
	size_t exported_count;
};

struct daemon {
	struct options opts;
	int argc;                       /* as started: a reload reads them again with the config */
	char **argv;
	struct loop *loop;
	enum phase phase;
	enum start_step start_step;     /* while starting */
	bool exiting;                   /* the loop ended: jobs finishing now start nothing */
	int signal_fd;
	struct start_watch start_watch;

	/* the program */
	struct pins pins;
	struct xdpcast_bpf *skel;
	struct attachment ifaces[XDPCAST_MAX_IFACES];
	bool took_over;
	bool could_switch_users;        /* held CAP_SETUID and CAP_SETGID at the start (health.user) */
	double counters_since;          /* unix time: state.h */
	struct protection protection;   /* in force; the config's on reload */
	struct loop_timer clock_timer;
	struct loop_timer catchment_timer;
	struct loop_timer watchdog_timer;       /* systemd's WatchdogSec: armed only under it */
	double watchdog_interval;               /* seconds between keep-alives */
	double start_extended_at;               /* monotonic: the last EXTEND_TIMEOUT_USEC sent */

	/* zones (zone_sync.c). `lane` belongs to the zones lane: only its jobs
	 * (and before them the start's program thread, which opens the cache)
	 * touch the cache and the generation in force; the loop's thread reads
	 * `zones`, the view of them the last zones job handed back. */
	struct {
		struct cache *cache;            /* the answer cache in the program's maps */
		struct generation served;       /* the zones in force in it */
	} lane;
	struct generation checked;      /* the files as zones_check read them, until the first load */
	struct zones_view zones;
	unsigned generation_number;
	double generation_loaded_at;
	bool zones_busy;                /* a load job runs */
	bool zones_again, zones_again_config;   /* asked for while it ran */
	unsigned zone_jobs;             /* load jobs submitted so far */
	char reload_error[ERR_LEN];     /* why the last reload failed; "" */
	char *restart_pending;          /* restart keys the config in force changed since start, ", "-joined;
					 * NULL: none */
	const char *restart_advice;     /* how they come into force (static) */
	bool config_not_in_force;       /* a load that read the config failed since the last that succeeded */
	uint64_t reload_failures;
	double reload_ok_at;
	struct secondary *secondaries;
	struct zone_copies copies;      /* their last good copies on disk; dir "": none kept */
	size_t secondary_count;         /* slots in use or freed; room for secondary_capacity */
	size_t secondary_capacity;      /* the configured ones, then catalog_members_max members */
	size_t *freed_slots;            /* members' slots freed, to be reused (a stack) */
	size_t freed_slot_count;
	uint64_t catalog_errors;
	char **file_zones;              /* origins of the default view's zone files, sorted: never catalog members */
	size_t file_zone_count;
	struct watched_files watched;   /* the zone files, and those the last load included */
	struct zone_watch watch;        /* its fd -1: zone_watch is off */
	struct loop_timer watch_timer;
	struct loop_timer watch_retry_timer;
	bool watch_incomplete;          /* some zone files not watched (inotify's limits): tried again */
	bool watch_again;               /* a watched directory went, or a step on its way changed: watch the paths anew */
	struct notify_sockets notify;
	struct loop_listener notify_listener;   /* notify.tcp's */
	unsigned notify_tcp_busy;

	/* health checks and BGP (announce.c) */
	struct health health;
	struct check_spec check_specs[HEALTH_MAX_CHECKS];       /* what each check runs */
	bool check_busy[HEALTH_MAX_CHECKS];
	size_t check_first_zone[HEALTH_MAX_CHECKS];     /* the zone each asks first next round */
	bool check_let_off[HEALTH_MAX_CHECKS];  /* its last round failed on a zone whose serial changed meanwhile */
	struct loop_timer health_timer;
	struct bgp bgp;                 /* used by the sync job only */
	struct bgp_view bird;
	struct route *routes;           /* what BIRD is asked for, per --anycast */
	uint64_t unproven;              /* bit i: a prefix the xdpcastd that handed over did not announce,
					 * withdrawn until its checks pass here (announce_init) */
	char (*route_why)[PREFIX_WHY_LEN];         /* why each is not announced plainly; "" */
	struct maintenance *maintenance;        /* the operator's in force, per --anycast */
	struct maintenance *maintenance_asked;  /* asked last: in force, or an undrain waiting for the file */
	unsigned *maintenance_asked_in;         /* the version of that request; 0: none since the start */
	struct maintenance *maintenance_saved;          /* what the state file holds for each prefix */
	struct maintenance_kept *maintenance_kept;      /* the state file's for other prefixes */
	size_t maintenance_kept_count;
	unsigned maintenance_asked_version;     /* of each drain, undrain, withdraw asked; 0: none yet */
	unsigned maintenance_written;           /* the version the last write ended (kept or not) */
	bool maintenance_writing;               /* a write of the state file on its lane */
	int state_file_lock, bird_include_lock;         /* held while running (durable_file_lock); -1: none */
	bool bgp_busy, bgp_again;
	bool routes_synced;             /* BIRD took `routes` as they are (written, configured, run) */
	bool withdrawing;               /* stopping: the withdrawal went to BIRD */
	bool stop_drains;               /* stopping: something may have been announced */
	bool withdrawal_unconfirmed;    /* stopping: BIRD did not take the withdrawal */
	struct loop_timer drain_timer;

	/* views */
	struct metrics_server *metrics;
	struct control_server *control;
	struct pop_state *state;        /* the latest snapshot */
	bool state_stale;               /* changed since: a snapshot is due */
	struct pacing publish_pacing;
	struct loop_timer publish_timer;
	double longest_turn;            /* of the loop since start, seconds */
};

/* Called after every change: a new snapshot is fed to every view
 * (/metrics, the control plane map, status) at the end of the loop's turn,
 * paced by its cost (pacing.h) when the state is large. */
void daemon_publish(struct daemon *d);
/* The latest snapshot, built now if a change is not in it yet. */
const struct pop_state *daemon_state(struct daemon *d);
/* The start advanced (a first transfer done): systemd's start timeout
 * runs again from now (EXTEND_TIMEOUT_USEC), at most once a second. */
void daemon_start_progress(struct daemon *d);

/* zone_sync.c */
int zones_init(struct daemon *d, char *err, size_t errlen);
/* Every zone file reads: bad input before anything else. What was read is
 * kept for the first load, which reads again only files changed since. */
int zones_check(struct daemon *d, char *err, size_t errlen);
/* NOTIFY's sockets, bound before the zone files are read: a port another
 * program holds fails the start at once, not after the read (minutes at
 * millions of names). Served from zones_start. */
int zones_listen(struct daemon *d, char *err, size_t errlen);
/* The zone files read and the files they include, watched once read. */
void zones_watch(struct daemon *d);
void zones_first_transfers(struct daemon *d);
/* The first generation, on the zones lane while the loop turns. */
int zones_load_now(struct daemon *d, char *err, size_t errlen);
void zones_start(struct daemon *d);
/* The loop ended: the transferred zones' copies not on disk yet (a write
 * waits a few seconds after a change) are written. */
void zones_save_copies(struct daemon *d);
/* Whether a zone in force of the default view is still ours to serve:
 * read from a zone file the config names, or a secondary's. A catalog
 * member removed leaves the secondaries at once, the zones in force
 * (d->zones) once the cache is written. */
bool zones_configured(const struct daemon *d, const struct zone_view *zone);
/* The backend check found the server behind ahead of us on that zone
 * (why: its detail): a secondary's transfer now, as a NOTIFY would. */
void zones_catch_up(struct daemon *d, const knot_dname_t *origin, const char *why);
/* A new generation from the files (and the config's settings when
 * read_config) and the fresh transfers; the number of the load job that
 * will do it (control_server answers waiters with it). */
unsigned zones_request_reload(struct daemon *d, const char *why, bool read_config);
/* The answer cache over the loaded program's maps. */
int zones_open_cache(struct daemon *d, char *err, size_t errlen);
void zones_close(struct daemon *d);
/* What the anycast prefixes accept, the settings map and the source
 * filter, as d->protection says. */
int zones_apply_protection(struct daemon *d, char *err, size_t errlen);
/* The settings map alone (rates, cookie secrets, the clock offset), with a
 * rotation's previous cookie secret retired once its cookies expired. */
int zones_write_settings(struct daemon *d, char *err, size_t errlen);

/* announce.c */
/* The options' checks and the state file, read before the zone files: a
 * state file it refuses fails the start at once, not after the read. */
int announce_prepare(struct daemon *d, char *err, size_t errlen);
/* The checks and BIRD, once announce_prepare read the state file. */
int announce_init(struct daemon *d, const struct control_plane_state *previous, char *err, size_t errlen);
/* What announce_init refuses in the options alone: a command gating a
 * prefix that is not an anycast one, an action for a check that is not
 * made. For a reload to refuse what the next start would. */
int announce_check_options(const struct options *o, char *err, size_t errlen);
/* How many checks announce_init makes for these options that run as jobs
 * (at most): the checks lane's workers, one each, so that a command that
 * hangs delays no other check. */
size_t announce_check_jobs(const struct options *o);
void announce_start(struct daemon *d);
/* Warns of an anycast prefix inside another (the start and --check-config). */
void announce_warn_covered(const struct daemon *d);
/* Warns of a backend check with no address of this host to ask (its
 * prefix withdrawn until one is added); where: the config file, or NULL. */
void announce_warn_unaddressed(const struct daemon *d, const char *where);
/* xdpcastctl drain, undrain (MAINT_NONE) and withdraw: for prefix (as BIRD
 * writes it) or every prefix (NULL). A drain or withdraw is in force at
 * once, an undrain once the state file keeps it (or, the write failing,
 * when the file never held what it ends; else it is refused). The file is
 * written on a worker, one write at a time, each with everything asked
 * until then; control_server_maintained is told when each ends (not at
 * a stop or handover, whose last jobs still write what was asked). The
 * version this change is written in, or 0 with err: refused at once. */
unsigned announce_maintain(struct daemon *d, const char *prefix, enum maintenance_action action, unsigned prepend,
			   char *err, size_t errlen);
/* The answer to such a change once its write ended (write_err: failed):
 * 0, with in not_kept why a drain or withdraw is not kept across restarts
 * ("" when kept), or -1 with err: an undrain refused. */
int announce_maintained(const struct daemon *d, const char *prefix, enum maintenance_action action,
			const char *write_err, char *not_kept, size_t not_kept_len, char *err, size_t errlen);
/* A reload moved state_file to next_path: the next start reads that, so
 * drains and withdrawals in force (kept in the old file) would end. */
void announce_state_file_moving(const struct daemon *d, const char *next_path);
/* Recomputes what BIRD is asked for; syncs when it changed. */
void announce_update(struct daemon *d);
/* The stop's withdrawal: synced whether or not a route changed, since an
 * earlier withdrawal BIRD did not take (refused, never reached, a route
 * it runs otherwise) would otherwise wait for a health round to be tried
 * again, and the stop for its proof. */
void announce_stop(struct daemon *d);
void announce_close(struct daemon *d);

/* control_server.c */
int control_server_start(struct daemon *d, char *err, size_t errlen);
void control_server_run(struct control_server *c);
/* Load job `job` ended: answers the reloads that waited for it, naming
 * the changed keys it applies only at the next start and how. */
void control_server_reloaded(struct control_server *c, unsigned job, bool ok, const char *err,
			     unsigned generation, const char *const *restart_keys, size_t restart_key_count,
			     const char *restart_advice);
/* The state file's write of every maintenance up to version ended
 * (write_err: not kept): answers the commands that waited for it. */
void control_server_maintained(struct control_server *c, unsigned version, const char *write_err);
/* Closes the control socket, telling each client still waiting, and each
 * not yet taken, why it gets no answer ("xdpcastd is stopping"). */
void control_server_stop(struct control_server *c, const char *why);

#endif
