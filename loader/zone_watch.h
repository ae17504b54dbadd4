/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Notices zone file changes (inotify). It watches the directories, not the
 * files: editors and deploy tools replace a file by renaming a new one over
 * it, which a watch on the old inode would never see.
 */
#ifndef XDPCAST_ZONE_WATCH_H
#define XDPCAST_ZONE_WATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hmap.h"

/* The inotify fd watching the directories of files, or -1 (err says why). */
int zone_watch_open(char *const *files, size_t count, char *err, size_t errlen);

/* One more file's directory to fd's watches; -1 (err says why). */
int zone_watch_add(int fd, const char *file, char *err, size_t errlen);

/* The key of a file in the set zone_watch_changed looks events up in: its
 * base name's hash (an event names a file of a watched directory by it). */
uint64_t zone_watch_key(const char *file);

/*
 * Drains the fd; whether an event named a file of `names` (keys from
 * zone_watch_key, any value), or the kernel's queue overflowed and lost
 * events that may have, or a watched directory was moved or deleted: then
 * *directory_gone is set too, and the files' directories are to be
 * watched again (zone_watch_add) once a new one is in place. One lookup
 * per event: with 100,000 zone
 * files a walk over them all took 16 ms per event, and a deploy rewriting
 * them all held the event loop for an hour.
 */
bool zone_watch_changed(int fd, const struct hmap *names, bool *directory_gone);

#endif
