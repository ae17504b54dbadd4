/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Notices zone file changes (inotify). It watches the directories, not the
 * files: editors and deploy tools replace a file by renaming a new one over
 * it, which a watch on the old inode would never see. For the same reason
 * it watches the way to each directory: a deploy replaces a directory (a
 * symlink switched, a tree renamed over) where the way names it.
 */
#ifndef XDPCAST_ZONE_WATCH_H
#define XDPCAST_ZONE_WATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hmap.h"

/* The watches of a round: the last zone_watch_add_all, and the files
 * added since. */
struct zone_watch {
	int fd;                 /* inotify, or -1 */
	struct hmap steps;      /* each name on the ways to the directories, with its directory's watch */
	struct hmap watches;    /* the watch descriptors placed for them */
};

/*
 * w watching the directories of files: -1 when inotify could not be had
 * (its fd -1), else how many files' directories could not be watched (err
 * says why for the first; w watches the others).
 * Each directory on the way to one (symlinks followed) is watched for the
 * name of the next step, added to w's steps: the watch on a directory
 * follows that directory, not a symlink to it switched to another release
 * (/etc/zones -> releases/v1, then v2), nor a new tree renamed into the
 * place of one that holds it. A directory not there (yet) is watched for
 * by its name where its way ends.
 */
int zone_watch_open(struct zone_watch *w, char *const *files, size_t count, char *err, size_t errlen);

/* More files' directories (and their ways) to w's watches, each directory
 * and way once however many of the files it holds (one by one, 100,000
 * includes of a new release took 4.5 s: each way walked from the root);
 * how many files could not be watched, err saying why for the first. */
size_t zone_watch_add(struct zone_watch *w, char *const *files, size_t count, char *err, size_t errlen);

/* A round: the directories of files and their ways watched anew, a
 * directory once however many of its files there are (100,000 zone files,
 * a few directories), and the watches of the round before that are on no
 * way now dropped (an old release a symlink no longer points to: the
 * kernel's watches are limited, max_user_watches, and a deploy a day
 * would keep one more each day). How many files could not be watched, err
 * saying why for the first. */
size_t zone_watch_add_all(struct zone_watch *w, char *const *files, size_t count, char *err, size_t errlen);

/* The key of a file in the set zone_watch_changed looks events up in: its
 * base name's hash (an event names a file of a watched directory by it). */
uint64_t zone_watch_key(const char *file);

/*
 * Drains w's fd; whether an event named a file of `names` (keys from
 * zone_watch_key, any value); or the kernel's queue overflowed and lost
 * events that may have, or told of a step, or a watched directory was
 * moved or deleted, or a step on the way to one changed: then
 * *watch_again is set too, and the files' directories are to be watched
 * again (zone_watch_add_all) once the new one is in place. An event of a
 * watch dropped is none. One lookup per event (two for a name on the
 * way): with 100,000 zone files a walk over them all took 16 ms per
 * event, and a deploy rewriting them all held the event loop for an hour.
 */
bool zone_watch_changed(const struct zone_watch *w, const struct hmap *names, bool *watch_again);

/* Its fd closed, its sets freed. */
void zone_watch_close(struct zone_watch *w);

#endif
