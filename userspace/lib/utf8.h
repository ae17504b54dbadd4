/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Text that goes into JSON and /metrics. jansson refuses strings that are
 * not UTF-8
 * (json_pack then returns NULL, and a whole status or reply is lost), and
 * the daemon's strings come from places that do not promise UTF-8: file
 * paths, interface names, command output, and fixed-size fields that a
 * long name is cut to.
 */
#ifndef XDPCAST_UTF8_H
#define XDPCAST_UTF8_H

#include <stddef.h>
#include <jansson.h>

/* Copies src into dst[size] like snprintf "%s", but a cut falls between
 * characters, never inside one. */
void utf8_copy(char *dst, size_t size, const char *src);

/* A copy of text (malloc'd), every byte that is not part of a UTF-8
 * character replaced by U+FFFD; NULL only without memory. */
char *utf8_valid(const char *text);

/* A JSON string of text, every byte that is not part of a UTF-8 character
 * replaced by U+FFFD; NULL only without memory. */
json_t *json_text(const char *text);

#endif
