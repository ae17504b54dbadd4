/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The directories that hold what steers xdpcastd (the pins, the control
 * socket, the BIRD include file, the state file) must be changeable by
 * root (or the daemon's own user) alone: whoever else may write one can
 * replace the pins, listen in the daemon's place, or put routes in the
 * file BIRD reads. A sticky directory (/tmp) is no better: another user
 * can take a name first, and then it is theirs.
 */
#ifndef XDPCAST_PRIVATE_DIR_H
#define XDPCAST_PRIVATE_DIR_H

#include <stddef.h>
#include <sys/stat.h>

/* 0 when dir (st: its stat) is owned by root or us and writable by no
 * other user (not by others; by its group only if that is root's or
 * ours); else -1 and a phrase naming dir and what is wrong. */
int private_dir_check(const char *dir, const struct stat *st, char *err, size_t errlen);

/* The same for the directory path is in; 0 when it does not exist yet
 * (we make it, mode 0755). */
int private_parent_check(const char *path, char *err, size_t errlen);

#endif
