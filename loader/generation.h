/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The zones the daemon serves (docs/ARCHITECTURE.md, Maps) and their answers in
 * the cache. A generation is the set of zones read from the files of
 * every view plus the transferred ones. Applying a new generation changes
 * the cache in place when it holds the same zones (each zone diffed
 * against the one in force: only the names that changed are written), and
 * otherwise builds a new cache generation and swaps it in whole. Either
 * way a packet never sees a torn answer, and a change that fails changes
 * nothing.
 */
#ifndef XDPCAST_GENERATION_H
#define XDPCAST_GENERATION_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>

#include "cache.h"
#include "zone.h"
#include "xdpcast.skel.h"

/* What a zone file was when it was read (taken before reading it, so a
 * change made meanwhile shows next time). ino 0: not from a file. */
struct file_stamp {
	dev_t dev;
	ino_t ino;
	off_t size;
	struct timespec mtime, ctime;
};

struct generation {
	unsigned number;
	struct zone **zones;            /* the default view's first */
	uint16_t *views;                /* the view of each zone */
	struct file_stamp *stamps;      /* the file of each zone */
	size_t zone_count, zone_capacity;
	size_t default_view_count;      /* what clients outside every view get */
	size_t own_count;               /* the zones read or taken for their view; after them,
					 * default-view zones a view serves too (borrowed) */
	bool served;                    /* in force in the cache */
};

/* The zone files of one view; view 0 is the default. */
struct view_zones {
	char *const *paths;
	size_t count;
};

/* The cache over the program's maps: at most max_bytes of kernel memory
 * (0: no cap); minimal_responses as the server behind has it. */
struct cache *generation_cache_open(struct xdpcast_bpf *skel, uint64_t max_bytes, bool minimal_responses, char *err,
				    size_t errlen);

/*
 * Reads the zone files of every view and takes the transferred zones
 * (default view; shared, not copied): all or nothing, nothing compiled. A
 * file that `known` (NULL: none) read and that has not changed since is
 * not read again: its zone is shared, and applying the generation skips it.
 * A default-view zone below a zone a view loads (and not loaded by the
 * view itself) is served in that view too: else the view's zone would
 * answer its names (NXDOMAIN, a referral) where the view's clients are to
 * get the default view's.
 */
int generation_build(struct generation *gen, const struct view_zones *views, size_t view_count,
		     struct zone *const *transferred, size_t transferred_count, const struct generation *known,
		     char *err, size_t errlen);
/* The same; when a zone file fails to load, *tried lists the files its
 * $INCLUDEs named (zone_load_tried), the caller's to free. */
int generation_build_tried(struct generation *gen, const struct view_zones *views, size_t view_count,
			   struct zone *const *transferred, size_t transferred_count, const struct generation *known,
			   char ***tried, size_t *tried_count, char *err, size_t errlen);

/*
 * Puts `next` in force in place of `current` (moved: *current becomes
 * next's zones, next is emptied), with the CHAOS answers naming `identity`.
 * On error `current` stays in force and `next` is the caller's to free.
 */
int generation_apply(struct generation *current, struct generation *next, struct cache *cache,
		     const char *identity, char *err, size_t errlen);

/*
 * A transferred zone (default view) changed: `zone` is what to serve now
 * for its origin (NULL: serve it no more), `changes` what changed when it
 * is the object in force changed in place (IXFR). The cache changes in
 * place: the zone is added, removed or its changed names rewritten.
 * Returns how many names were written (or removed), -1, or
 * CACHE_NEEDS_BUILD when only a new generation can serve it (cache.h).
 */
int generation_serve_transfer(struct generation *gen, struct cache *cache, const knot_dname_t *origin,
			      struct zone *zone, const struct zone_changes *changes, char *err, size_t errlen);

void generation_free(struct generation *gen);

/* One zone in force as a view of it (copies: the zone itself may change
 * on the zones lane while the loop's thread reads this). */
struct zone_view {
	knot_dname_t *origin;
	char *file;
	uint32_t serial;
	uint64_t records;
	time_t loaded_at;               /* its data in force: read, transferred or patched */
	uint16_t view;
	struct cache_usage usage;       /* its names and bytes in the cache */
};

/* The zones in force and the cache's usage, as a zones job left them. */
struct zones_view {
	struct zone_view *zones;        /* the default view's first */
	size_t count, default_view_count;
	struct cache_usage total;       /* every generation's names, the maps' bytes */
	size_t left_to_userspace;
};

/* The view of `gen` (in force in `cache`); on the zones lane. -1 without memory. */
int generation_view(const struct generation *gen, const struct cache *cache, struct zones_view *out);
void zones_view_free(struct zones_view *view);

#endif
