/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The names table of one generation of the answer cache (struct name_line
 * in bpf/xdpcast.h says how keys are laid out and why the program may read
 * it while it changes), written here through mmap.
 */
#ifndef XDPCAST_NAMES_TABLE_H
#define XDPCAST_NAMES_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "blob.h"
#include "hmap.h"

struct names_table {
	int fd;                         /* the map (`xdpcast_names`); -1: none */
	struct name_line *lines;        /* mmapped; NULL while not */
	uint32_t line_count;
	uint64_t taken;                 /* slots no longer free: keys, emptied slots */
	uint64_t emptied;               /* of them, deleted keys' (reused by new keys) */
	struct hmap unplaced;           /* keys that found no room (the program passes
					 * them), until placed or deleted */
	uint64_t memlock;               /* the map's kernel memory */
};

/* A table for `keys` keys, mapped: twice as many slots, so most lookups of
 * a name that is not there end in its first line, and (eight distinct
 * lines a key: a prime number of lines) about one key in a million finds
 * no room. */
int names_table_create(struct names_table *t, const struct map_btf *btf, uint64_t keys, char *err, size_t errlen);
void names_table_close(struct names_table *t);

/* Whether `keys` more keys keep five slots in eight at most taken: past
 * that, keys without room and lookups passed for want of a free slot grow
 * fast (at five in eight, 2 keys and 50 lookups of names not there in a
 * million; at three in four, 113 and 2,500). */
bool names_table_has_room(const struct names_table *t, uint64_t keys);

/* The keys the table holds. */
uint64_t names_table_keys(const struct names_table *t);

/* In `to`, a table for `keys` keys holding every key `from` holds, each
 * leading where it leads there, and none of its emptied slots: created
 * mapped, not yet in force. `from` is left as it was. Returns 0, -1 on
 * an error, 1 when a key found no room, in `to` (as rarely as at a build)
 * or in `from`: the program passes such a key's name because its lines
 * are full, and in a roomier table they would end at a free slot, a miss
 * (a new generation places it); err says why. */
int names_table_remake(struct names_table *to, const struct names_table *from, const struct map_btf *btf,
		       uint64_t keys, char *err, size_t errlen);

/* The functions below need the table mapped; the kernel maps all of it
 * at once, and the daemon's RSS counts it while it stays so. */
int names_table_map(struct names_table *t, char *err, size_t errlen);
void names_table_unmap(struct names_table *t);

/* The record `key` leads to; false when it is not there. */
bool names_table_get(const struct names_table *t, const struct name_key *key, uint32_t *record);

/* Leads `key` to `record` (0: the program passes the name). False when the
 * key is new and its lines have no room: the program passes the name. */
bool names_table_set(struct names_table *t, const struct name_key *key, uint32_t record);

void names_table_delete(struct names_table *t, const struct name_key *key);

#endif
