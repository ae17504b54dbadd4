/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The last good copy of each transferred zone, kept on disk (transfer.
 * copies: a `zones` directory beside state_file) as a secondary server
 * keeps its zone files: a start whose primary does not answer serves the
 * copy until its SOA expire, counted from the last good refresh (the
 * file's mtime), instead of leaving the zone to the server behind; and
 * a catalog's copy gives its members back (RFC 9432 5.1).
 */
#ifndef XDPCAST_ZONE_COPIES_H
#define XDPCAST_ZONE_COPIES_H

#include <limits.h>
#include <time.h>

#include "zone.h"

struct zone_copies {
	char dir[PATH_MAX];     /* "": no copies kept */
	int lock_fd;            /* dir, locked: open while dir is set */
};

/* The directory beside state_file, made (root's alone) when missing, and
 * locked: it is one xdpcastd's (another with a state_file in the same
 * directory is refused it). On failure c->dir stays "" (no copies kept). */
int zone_copies_open(struct zone_copies *c, const char *state_file, char *err, size_t errlen);

/* The lock given back; no copies kept from here on. */
void zone_copies_close(struct zone_copies *c);

/* Removes the temporary files of writes a crash or a kill cut short (a
 * copy of 10M names is gigabytes): the directory's lock says no other
 * xdpcastd writes there. How many were removed. */
size_t zone_copies_remove_leftovers(const struct zone_copies *c);

/* zone written whole (atomically, synced), its mtime the wall-clock time
 * of the refresh that brought it or last found it current; the directory
 * made again (0700) and locked again if it was removed meanwhile. On the
 * zones lane: a copy of 1M names takes a second or more. */
int zone_copy_save(struct zone_copies *c, const struct zone *zone, time_t refreshed_at, char *err,
		   size_t errlen);

/* The copy of origin and when it was last found current; NULL with err ""
 * when there is none, NULL with err set when it cannot be read (a copy of
 * another zone, cut short, edited). */
struct zone *zone_copy_load(const struct zone_copies *c, const knot_dname_t *origin, time_t *refreshed_at,
			    char *err, size_t errlen);

/* A refresh found the copy current: its SOA expire counts from now on. */
void zone_copy_refreshed(const struct zone_copies *c, const knot_dname_t *origin, time_t at);

/* The zone is no longer transferred here (a member removed or reset). */
void zone_copy_forget(const struct zone_copies *c, const knot_dname_t *origin);

#endif
