// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdbool.h>
#include <libgen.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "private_dir.h"

int private_dir_check(const char *dir, const struct stat *st, char *err, size_t errlen)
{
	bool group_writes = (st->st_mode & S_IWGRP) && st->st_gid != 0 && st->st_gid != getegid();

	if (st->st_uid != 0 && st->st_uid != geteuid())
		snprintf(err, errlen, "%s is owned by uid %u, not by root: that user can replace what is in it",
			 dir, (unsigned)st->st_uid);
	else if ((st->st_mode & S_IWOTH) || group_writes)
		snprintf(err, errlen, "%s is writable by other users (mode %04o%s): they can replace what is in it",
			 dir, (unsigned)(st->st_mode & 07777), group_writes ? ", group-writable" : "");
	else
		return 0;
	return -1;
}

int private_parent_check(const char *path, char *err, size_t errlen)
{
	char copy[4096];
	const char *dir;
	struct stat st;

	snprintf(copy, sizeof(copy), "%s", path);
	dir = dirname(copy);
	if (stat(dir, &st) == 0)
		return private_dir_check(dir, &st, err, errlen);
	if (errno == ENOENT)
		return 0;
	snprintf(err, errlen, "%s: %s", dir, strerror(errno));
	return -1;
}
