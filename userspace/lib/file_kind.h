/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * What a path that should be a regular file is instead, for the message
 * that refuses it: files are opened without blocking and checked with
 * fstat first, so a FIFO or a device in a file's place cannot hang or
 * flood the reader.
 */
#ifndef XDPCAST_FILE_KIND_H
#define XDPCAST_FILE_KIND_H

#include <sys/stat.h>

/* "a directory", "a FIFO", ...; "not a regular file" for the rest. */
static inline const char *file_kind(mode_t mode)
{
	return S_ISDIR(mode) ? "a directory" : S_ISCHR(mode) ? "a character device" : S_ISBLK(mode) ? "a block device" :
	       S_ISFIFO(mode) ? "a FIFO" : S_ISSOCK(mode) ? "a socket" : "not a regular file";
}

#endif
