/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Zone generations (docs/ARCHITECTURE.md, Maps): every zone file is read and
 * compiled into a complete new answer cache in a fresh inner map, then one
 * slot of the outer map-in-map is swapped. A packet sees the old generation
 * or the new one, never a mix; a reload that fails changes nothing.
 */
#ifndef XDPCAST_GENERATION_H
#define XDPCAST_GENERATION_H

#include <stddef.h>

#include "answers.h"
#include "zone.h"

struct generation {
	unsigned number;
	struct zone **zones;            /* the default view's first */
	size_t zone_count;
	size_t default_view_count;      /* what clients outside every view get */
	struct answer_set answers;
};

/* The zone files of one view; view 0 is the default. */
struct view_zones {
	char *const *paths;
	size_t count;
};

/* Reads and compiles the zone files of every view and the transferred
 * zones (default view; shared, not copied), all or nothing, plus the CHAOS
 * answers naming the server `identity` (none for NULL). */
int generation_build(struct generation *gen, const struct view_zones *views, size_t view_count,
		     struct zone *const *transferred, size_t transferred_count, const char *identity,
		     char *err, size_t errlen);

/* Writes the answers into a new inner map and swaps it in. */
int generation_publish(struct generation *gen, int outer_map_fd, char *err, size_t errlen);

void generation_free(struct generation *gen);

#endif
