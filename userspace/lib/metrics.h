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

#define METRICS_ZONES_MAX    256
#define METRICS_CHECKS_MAX   16
#define METRICS_SESSIONS_MAX 64

struct zone_metrics {
	char name[256];                 /* origin in presentation format */
	uint32_t serial;
	uint64_t records;
	double loaded_at;               /* unix time of the last successful load */
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
	size_t zone_count;
	struct zone_metrics zones[METRICS_ZONES_MAX];
};

/* The exposition text (malloc'ed, NUL-terminated), or NULL without memory. */
char *metrics_render(const struct metrics_snapshot *snap, size_t *len);

#endif
