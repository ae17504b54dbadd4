/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * xdpcastd's YAML config file (--config): one key per command-line flag and
 * the flood defense settings. Errors name the file, the line and the key.
 * docs/config.md lists every key; docs/xdpcastd.example.yaml shows them.
 */
#ifndef XDPCAST_CONFIG_H
#define XDPCAST_CONFIG_H

#include <stddef.h>
#include "options.h"

/* Fills opts from the file at path; on error writes "FILE:LINE: key: problem".
 * A key given twice, a second YAML document and nesting past 32 levels are
 * errors too; a file over 16 MiB is refused unread. */
int config_load(const char *path, struct options *opts, char *err, size_t errlen);
/* The same for text in memory, called `name` in messages. */
int config_parse(const char *name, const unsigned char *text, size_t len, struct options *opts, char *err,
		 size_t errlen);

#endif
