/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The answer compiler: turns loaded zones into answer cache entries, each the
 * precomputed bytes that follow the question in the response, the way NSD
 * would send them (answer, then the apex NS in authority, then A/AAAA of
 * in-zone NS, MX and SRV targets in additional).
 */
#ifndef XDPCAST_ANSWERS_H
#define XDPCAST_ANSWERS_H

#include <stddef.h>
#include <stdint.h>
#include <libknot/libknot.h>

#include "xdpcast.h"
#include "zone.h"

struct answer_set {
	struct answer_key *keys;
	struct answer_entry *entries;
	size_t count;
	size_t capacity;
	size_t left_to_userspace;   /* RRsets the fast path will not answer */
	__u16 view;                 /* view of the entries being added */
};

/* Compiles every zone into one new set, for the default view. Returns 0,
 * or -1 with a message. */
int answers_compile(struct zone *const *zones, size_t zone_count, struct answer_set *set,
		    char *err, size_t errlen);

/* Adds the zones of one view to a set: all or nothing for the view. */
int answers_compile_view(struct zone *const *zones, size_t zone_count, __u16 view,
			 struct answer_set *set, char *err, size_t errlen);
/* Adds NSD's CHAOS answers: TXT id.server and hostname.bind name the
 * server (`identity`); TXT version.bind and version.server are REFUSED as
 * with NSD's hide-version (Extended DNS Error "Prohibited"), other types
 * at these names REFUSED ("Not Supported"). */
int answers_add_chaos(struct answer_set *set, const char *identity, char *err, size_t errlen);

void answers_free(struct answer_set *set);

/* The key hash of a wire-format name, as the XDP program computes it. */
uint64_t answer_name_hash(const knot_dname_t *name);

#endif
