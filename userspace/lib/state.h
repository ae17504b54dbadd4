/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * One snapshot of what a PoP's xdpcastd knows: interfaces, zones, health
 * checks, what it asks BIRD to announce and what BIRD says. The daemon
 * builds a new one after every change; /metrics, `xdpcastctl status` (text
 * and JSON) and the xdpcast_control_plane map are all rendered from it, so
 * the three views cannot disagree.
 *
 * A snapshot is immutable once published and shared by reference count:
 * the metrics thread renders one while the daemon publishes the next.
 */
#ifndef XDPCAST_STATE_H
#define XDPCAST_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

#include "bird_include.h"
#include "xdpcast.h"

struct state_iface {
	char name[32];
	int ifindex;
	char mode[8];                   /* native, skb */
	bool attached;                  /* our program runs there (last check) */
	uint32_t program_id;            /* what runs there, ours or not; 0: nothing */
	char holder[256];               /* what runs there, described */
	unsigned reattached;            /* put back after someone detached it */
	char members[XDPCAST_MEMBERS_MAX][16]; /* devices counted under it (a bond's members), IFNAMSIZ */
	size_t member_count;
};

/* Room for why a prefix is not announced plainly: the operator's drain,
 * what the state file did not keep, and a few checks down, each "check "
 * and a name of up to 63 bytes (more are cut). */
#define PREFIX_WHY_LEN 256

/* What this PoP asks BIRD to do with one anycast prefix, and what BIRD does. */
struct state_prefix {
	struct route route;             /* asked of BIRD (the include file) */
	bool exported;                  /* BIRD exports it over an established session */
	char why[PREFIX_WHY_LEN];       /* why not announced plainly; "" */
};

struct state_check {
	char name[80];
	bool up;
	char detail[256];               /* why the last run failed; "" */
};

struct state_session {
	char name[64];
	char state[16];
	bool up;
};

/* The strings of zones and transfers point into the snapshot's own text
 * (state_text), as long as each is: fixed room per field made a snapshot
 * of 100,000 zones 80 MB. */
struct state_zone {
	const char *name;               /* origin, presentation format */
	const char *source;             /* the file, or the primary it came from */
	uint32_t serial;
	uint16_t view;                  /* 0: the default view; i: --view i */
	uint64_t records;
	double loaded_at;               /* unix time */
	uint64_t cache_entries;         /* its names in the answer cache */
	uint64_t cache_bytes;           /* the kernel memory they take */
};

struct state_transfer {
	const char *zone;
	const char *primary;
	const char *error;              /* "" */
	const char *fallback;           /* why the last IXFR gave way to an AXFR; "" */
	const char *catalog;            /* a member: the catalog it comes from; "" */
	const char *catalog_refused;    /* a catalog: why its copy in force was refused; "" */
	uint32_t serial;
	bool fresh;
	bool running;
	bool is_catalog;                /* a catalog zone: read for members, never served */
	double transferred_at;
};

/* The steps of a start, in order. */
enum start_step {
	START_READING,                  /* the zone files read, the program loaded and verified */
	START_TRANSFERRING,             /* the first transfer of each transferred zone */
	START_LOADING,                  /* the zones compiled into the answer cache, then attached */
};

extern const char *const start_step_names[];

/* How far a start is: its step, and the first transfers it waits for. */
struct state_start {
	bool starting;                  /* phase starting; the rest: 0 when not */
	enum start_step step;
	size_t transfers;               /* zones to transfer: catalogs, and their members as they are found */
	size_t done;                    /* transferred, or failed */
	size_t failed;                  /* no copy: not served once started, retried */
};

struct state_text_block;

struct pop_state {
	unsigned refs;
	char pop[XDPCAST_NSID_MAX + 1];       /* whole: the option allows the NSID's length */
	char version[64];
	int pid;
	char phase[16];                 /* starting, running, stopping, handing over */
	struct state_start start;
	const char *pin_dir;            /* whole: xdpcastctl finds the pins by it (state_text) */
	char metrics[64];               /* "": none */
	uint32_t program_id;
	bool took_over;                 /* started while a previous daemon's program ran */
	double counters_since;          /* unix time the counters started from 0 (a start that took nothing over) */

	struct state_iface ifaces[XDPCAST_MAX_IFACES];
	size_t iface_count;
	char **views;
	size_t view_count;

	unsigned generation;
	double generation_loaded_at;
	uint64_t answers;               /* names in the answer cache */
	uint64_t left_to_userspace;     /* RRsets the fast path does not answer */
	uint64_t cache_bytes;           /* kernel memory of the answer cache's maps */
	uint64_t cache_max_bytes;       /* its cap; 0: none */
	uint64_t rss_bytes;             /* xdpcastd's resident memory */
	bool zones_loading;             /* a compile or publish is running */
	char reload_error[512];         /* why the last reload failed; "" */
	const char *restart_pending;    /* restart keys the config changed since start, ", "-joined; "" */
	const char *restart_advice;     /* how they come into force; "" */
	uint64_t reload_failures;       /* since start */
	uint64_t catalog_errors;        /* catalog copies refused, members left out, since start */
	double reload_ok_at;            /* unix time of the last load that worked */
	struct state_zone *zones;
	size_t zone_count;
	struct state_transfer *transfers;
	size_t transfer_count;

	struct state_check *checks;
	size_t check_count;
	bool healthy;

	struct state_prefix *prefixes;
	size_t prefix_count;
	bool bird_controlled;           /* a BIRD socket is configured */
	bool bird_up;
	char bird_socket[256];
	char bird_error[256];
	struct state_session *sessions;
	size_t session_count;
	uint64_t updated_at;            /* unix seconds */

	struct state_text_block *texts; /* what state_text copied */
	bool short_of_memory;           /* a state_text copy failed: the snapshot is not whole */
};

/* A zeroed snapshot with one reference; NULL without memory. Arrays are
 * sized by the counts given and filled by the caller. */
struct pop_state *state_new(size_t views, size_t zones, size_t transfers, size_t checks, size_t prefixes,
			    size_t sessions);
/* A copy of text (NULL: "") that lives as long as the snapshot, cut
 * between characters to at most max - 1 bytes; "" without memory, and
 * short_of_memory set. */
const char *state_text(struct pop_state *s, const char *text, size_t max);
struct pop_state *state_ref(struct pop_state *s);
void state_unref(struct pop_state *s);

/* What `xdpcastctl status --json` prints, with the keys of `more` (taken;
 * may be NULL) at its top; NULL without memory. The zones and transfers
 * are encoded one at a time: at 100,000 zones a tree of them all took
 * ~1 KB a zone beside the 25 MB of text. Reads the snapshot only, so any
 * thread holding a reference may call it. */
char *state_json_text(const struct pop_state *s, json_t *more);

/* Its bgp.prefixes: what drain, undrain and withdraw answer with. */
json_t *state_prefixes_json(const struct pop_state *s);

/* The xdpcast_control_plane map's value. */
void state_control_plane(const struct pop_state *s, struct control_plane_state *out);

#endif
