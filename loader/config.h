/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * A YAML config file read along an option schema (schema.h): every key is
 * one of the table's, with the shape and the value the table says. Errors
 * read "FILE:LINE: dotted.key: problem". A key given twice, a second YAML
 * document and nesting past 32 levels are errors too; a file over 16 MiB,
 * or what is not a regular file (a FIFO, a device), is refused unread.
 */
#ifndef XDPCAST_CONFIG_H
#define XDPCAST_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include "schema.h"

/* What a file is read into, and who hears of each item it gives. */
struct config_target {
	const struct schema_item *table;
	void *root;                             /* the struct the table's offsets are from */
	struct schema_strings *strings;         /* keeps the strings read */
	void (*seen)(const struct schema_item *item, void *arg);       /* may be NULL */
	void *seen_arg;
	bool only_listed;                       /* keys the table does not name are passed over, not refused */
};

/* The whole file at path; NULL with "PATH: problem" in err. */
unsigned char *config_read_file(const char *path, size_t *len, char *err, size_t errlen);

/* Reads the YAML text (called `name` in messages) into target. */
int config_read(const char *name, const unsigned char *text, size_t len, const struct config_target *target,
		char *err, size_t errlen);

#endif
