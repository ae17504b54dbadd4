/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The Prometheus text exposition of DESIGN.md section 4, rendered from a
 * snapshot of the daemon's state. Pure: the HTTP side (loader/) fills the
 * snapshot and serves the text; the unit tests render snapshots directly.
 */
#ifndef XDPCAST_METRICS_H
#define XDPCAST_METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "xdpcast.h"

#define METRICS_CHECKS_MAX   16
#define METRICS_SESSIONS_MAX 64

struct zone_metrics {
	char name[256];                 /* origin in presentation format */
	uint32_t serial;
	uint64_t records;
	double loaded_at;               /* unix time of the last successful load */
	uint64_t cache_entries;         /* its names in the answer cache */
	uint64_t cache_bytes;           /* the kernel memory they take */
};

struct metrics_snapshot {
	const char *pop;
	const char *version;
	size_t iface_count;
	const char *ifaces[XDPCAST_MAX_IFACES];
	struct xdpcast_stats stats[XDPCAST_STATS_SLOTS];  /* summed over CPUs, by slot */
	unsigned generation;
	size_t prefix_count;
	char prefixes[64][64];          /* the anycast prefixes, for xdpcast_prefix_announced */
	bool announced[64];             /* exported by an established BGP session */
	size_t check_count;
	struct { char name[32]; bool up; } checks[METRICS_CHECKS_MAX];
	bool bird_controlled;           /* a BIRD socket is configured */
	bool bird_up;                   /* and xdpcastd talks to BIRD on it */
	size_t session_count;
	struct { char name[64]; bool up; } sessions[METRICS_SESSIONS_MAX];
	uint64_t cache_bytes;           /* kernel memory of the answer cache's maps */
	uint64_t cache_max_bytes;       /* its cap; 0: none */
	uint64_t rss_bytes;             /* xdpcastd's resident memory */
	size_t zone_count;
	const struct zone_metrics *zones;
};

/* This process's resident memory (/proc/self/statm), in bytes. */
uint64_t metrics_resident_bytes(void);

/* The exposition text (malloc'ed, NUL-terminated), or NULL without memory. */
char *metrics_render(const struct metrics_snapshot *snap, size_t *len);

#endif
