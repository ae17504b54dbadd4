/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The catchment of a PoP: the client networks (IPv4 /24, IPv6 /48) its
 * fast path answers, read from the pinned per-CPU sets `xdpcast_catchment`
 * (bpf/catchment.h), summed over CPUs, most answered first. For /metrics
 * the networks are added up per configured group of client prefixes
 * (`catchment.groups`, e.g. regions), plus "other": a label set bounded by
 * the configuration, never by the traffic.
 */
#ifndef XDPCAST_CATCHMENT_MAP_H
#define XDPCAST_CATCHMENT_MAP_H

#include <stddef.h>
#include <stdint.h>
#include "xdpcast.h"

#define CATCHMENT_GROUPS_MAX     16
#define CATCHMENT_GROUP_PREFIXES 16
#define CATCHMENT_OTHER          "other"   /* the networks of no group */

/* A group of client prefixes (catchment.groups), each at most a /24 or
 * /48 long so that a network lies wholly inside it or outside. */
struct catchment_group {
	const char *name;
	struct xdpcast_lpm_key prefixes[CATCHMENT_GROUP_PREFIXES];
	size_t prefix_count;
};

struct catchment_network {
	struct xdpcast_lpm_key prefix;  /* the /24 (IPv4 mapped) or /48 */
	uint64_t answers;               /* over every CPU */
	uint64_t last_ns;               /* latest answer, CLOCK_MONOTONIC */
};

struct catchment {
	struct catchment_network *networks;     /* most answers first */
	size_t count;
	uint64_t answers;               /* over every network */
};

/* One group's sums; the last of a list is CATCHMENT_OTHER. */
struct catchment_group_total {
	const char *name;
	uint64_t answers;
	uint64_t networks;
};

/* Reads the map (pinned in pin_dir, or by fd). 0, or -1 with err. */
int catchment_read(const char *pin_dir, struct catchment *out, char *err, size_t errlen);
int catchment_read_fd(int fd, struct catchment *out, char *err, size_t errlen);
void catchment_free(struct catchment *c);

/* Whether prefix may belong to a group: at most /24 (IPv4) or /48 long. */
int catchment_group_prefix_check(const struct xdpcast_lpm_key *prefix, char *err, size_t errlen);

/* Sums per group, in their order, into out[0..count]: out[count] holds
 * the networks of no group. A network counts for the first group that
 * holds it. */
void catchment_group_totals(const struct catchment *c, const struct catchment_group *groups, size_t count,
			    struct catchment_group_total *out);

#endif
