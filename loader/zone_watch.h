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

/* The inotify fd watching the directories of files, or -1 (err says why). */
int zone_watch_open(char *const *files, size_t count, char *err, size_t errlen);

/* One more file's directory to fd's watches; -1 (err says why). */
int zone_watch_add(int fd, const char *file, char *err, size_t errlen);

/* Drains the fd; whether one of files changed. */
bool zone_watch_changed(int fd, char *const *files, size_t count);

#endif
