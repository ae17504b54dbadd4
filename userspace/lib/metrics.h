/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The Prometheus text exposition of the metrics contract (docs/ARCHITECTURE.md),
 * rendered from the daemon's state snapshot (state.h) and the counters
 * summed over CPUs.
 * Pure: the HTTP side (loader/) serves the text; the unit tests render
 * snapshots directly.
 */
#ifndef XDPCAST_METRICS_H
#define XDPCAST_METRICS_H

#include <stddef.h>
#include "catchment_map.h"
#include "state.h"
#include "xdpcast.h"

/* This process's resident memory (/proc/self/statm), in bytes. */
uint64_t metrics_resident_bytes(void);

/* stats: one per interface of the snapshot, in its order; groups: the
 * catchment per group (catchment_group_totals), none when group_count is 0.
 * The exposition text (malloc'ed, NUL-terminated), or NULL without memory. */
char *metrics_render(const struct pop_state *s, const struct xdpcast_stats *stats,
		     const struct catchment_group_total *groups, size_t group_count, size_t *len);

#endif
