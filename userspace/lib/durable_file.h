/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Small files that must survive a crash or a power loss (the BIRD include
 * file, the state file): written to a new temporary file beside them,
 * synced, renamed over them, then the directory synced. Without both syncs
 * a power loss can leave the path empty (ext4, xfs), and an empty state
 * file refuses every start. A directory sync that fails after the rename
 * is logged, not failed: the new file is in place for every reader, and
 * only a power loss before the directory reaches the disk could bring the
 * old one back. The temporary file is new (O_EXCL, a random
 * name), so a symlink planted in the directory cannot redirect the write,
 * and two writers never rename each other's half-written file. A directory
 * other users can write is refused (private_dir.h): they could replace the
 * file once written, or take its name first.
 */
#ifndef XDPCAST_DURABLE_FILE_H
#define XDPCAST_DURABLE_FILE_H

#include <stddef.h>

/* Replaces path with len bytes of data (mode 0644), creating the missing
 * directories above it (as mkdir -p); -1 with err saying what failed (the
 * caller names the file) and errno when path still holds what it held. Once renamed
 * it is written: a directory that cannot be synced then is logged. */
int durable_file_write(const char *path, const void *data, size_t len, char *err, size_t errlen);

/* The last resort when that finds no room (errno ENOSPC or EDQUOT, which
 * durable_file_write leaves set): path, a regular file at least len bytes
 * long, written over from its start, cut to len and synced, in the room
 * it has. Not atomic: a crash or an error halfway leaves the new text's
 * start before the old text's rest. -1 (errno) when it could not. */
int durable_file_overwrite(const char *path, const void *data, size_t len);

/* path's one writer, by an flock on path.lock beside it (created, and
 * the directories above, as for a write), held while the descriptor
 * returned stays open; -1 with err when another process holds it, or the
 * lock cannot be had; DURABLE_FILE_UNLOCKED on a read-only filesystem
 * (a disk remounted so after errors), where no one writes path. */
#define DURABLE_FILE_UNLOCKED (-2)
int durable_file_lock(const char *path, char *err, size_t errlen);

#endif
