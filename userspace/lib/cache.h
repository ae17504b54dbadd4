/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The answer cache in the kernel (bpf/xdpcast.h): the names of every zone
 * in a generation's names table, their records, answers and tails in the
 * blob, written as the compiler renders them, name by name, so nothing
 * but the zones stays in the daemon.
 *
 * A generation holds a set of zones (each in a view) and the CHAOS
 * answers. It is built whole (cache_build) and swapped in (cache_publish);
 * the generation in force then changes in place, a zone at a time
 * (cache_change_zone, cache_add_zone, cache_remove_zone): every response
 * stays atomic, and records a change replaces are freed only after a grace
 * period. One thread at a time may call these functions.
 */
#ifndef XDPCAST_CACHE_H
#define XDPCAST_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "blob.h"
#include "zone.h"

struct cache;
struct cache_generation;

/* The program's maps the cache fills. */
struct cache_maps {
	int generation_fd;              /* xdpcast_answer_gen */
	int blob_fd;                    /* xdpcast_blob */
	uint32_t blob_pages;            /* its max_entries */
	struct map_btf names_btf;       /* of the names table template (xdpcast_empty) */
	struct map_btf page_btf;        /* of the page template (xdpcast_blob_page) */
};

/* max_bytes: the most kernel memory a generation may take, 0: no cap;
 * minimal_responses: every zone's answers compiled so (zone_compiler_new). */
struct cache *cache_open(const struct cache_maps *maps, uint64_t max_bytes, bool minimal_responses, char *err,
			 size_t errlen);
/* Lets go of the cache; the maps keep the generation in force, so an
 * attached program keeps answering from it. */
void cache_close(struct cache *cache);

/* A zone of a generation: served to clients of `view` (0: everyone else). */
struct cache_source {
	struct zone *zone;
	uint16_t view;
};

/*
 * Compiles the zones (all or nothing; two zones of one origin in one view
 * are an error) and the CHAOS answers naming `identity` (none for NULL)
 * into a new generation, not yet in force. NULL with a message when a zone
 * cannot be compiled or the generation would take more than the cap.
 */
struct cache_generation *cache_build(struct cache *cache, const struct cache_source *sources, size_t count,
				     const char *identity, char *err, size_t errlen);

/* Puts a built generation in force; the one it replaces is freed. */
int cache_publish(struct cache *cache, struct cache_generation *gen, char *err, size_t errlen);

/* Frees a generation that was built but not published. */
void cache_discard(struct cache_generation *gen);

/*
 * The zone of `view` with the origin of `zone` changed: `zone` is its new
 * content, either a new object (the names that differ from the one in
 * force are found by comparing the two) or the one in force changed in
 * place, with `changes` saying what changed. Only the names whose answers
 * depend on what changed are written. Returns how many were, or -1: on
 * error (the cap, memory) the answers in force stay, and the zone is
 * marked to be written whole by its next change; or CACHE_NEEDS_BUILD,
 * the answers in force staying, when another zone of the view nests with
 * it (a name both hold is left to userspace, which only a build decides;
 * nothing is written, err says which zones) or the names table is full: a
 * new generation is the way.
 */
#define CACHE_NEEDS_BUILD (-2)
int cache_change_zone(struct cache *cache, struct zone *zone, uint16_t view, const struct zone_changes *changes,
		      char *err, size_t errlen);

/* cache_change_zone back to `zone`, what the generation held before a
 * change that a later failure undoes; never refused for the cap: a change
 * that failed as it wrote keeps the pages it grew until the next
 * generation, and the undoing must not leave a load half applied. */
int cache_restore_zone(struct cache *cache, struct zone *zone, uint16_t view, char *err, size_t errlen);

/* Whether the generation in force answers for `zone` (in `view`) as it is
 * now: false when it holds another version, or when a change made to the
 * zone object in place (zone_patch) was not written, whether it failed or
 * was left to a new generation (the zone then needs writing). */
bool cache_zone_current(const struct cache *cache, const struct zone *zone, uint16_t view);

/* A zone added to or removed from the generation in force, in place.
 * Return how many names were written or removed, or -1; an add returns
 * CACHE_NEEDS_BUILD, writing nothing, when another zone has a CNAME into
 * the new one (NSD follows it there now: those chains become userspace's,
 * which a build decides), it nests with a zone of its view (the name both
 * hold is claimed by a build), or the names table has no room for its
 * names. */
int cache_add_zone(struct cache *cache, struct zone *zone, uint16_t view, char *err, size_t errlen);
int cache_remove_zone(struct cache *cache, const knot_dname_t *origin, uint16_t view, char *err, size_t errlen);

/* What a zone takes in the cache: names, and bytes of kernel memory (its
 * records and tails in the blob, its share of the names table). */
struct cache_usage {
	uint64_t entries;
	uint64_t bytes;
};

/* The usage of a zone of the generation in force; -1 when it has none. */
int cache_zone_usage(const struct cache *cache, const knot_dname_t *origin, uint16_t view,
		     struct cache_usage *usage);

/* The whole cache: names of every generation in force, and the kernel
 * memory of its maps (names table and every blob page, as the kernel
 * accounts them). */
void cache_usage(const struct cache *cache, struct cache_usage *usage);

/* RRsets of the generation in force that userspace answers, and names
 * that found no room in its names table (about one in a million). */
size_t cache_left_to_userspace(const struct cache *cache);

#endif
