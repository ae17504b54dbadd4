/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * A hash map from 64-bit hashes to pointers, open addressing with linear
 * probing. Callers chain their own entries when two keys share a hash.
 */
#ifndef XDPCAST_HMAP_H
#define XDPCAST_HMAP_H

#include <stddef.h>
#include <stdint.h>

struct hmap {
	uint64_t *keys;         /* 0: empty slot (keys are stored with bit 63 set) */
	void **values;
	size_t capacity;        /* a power of two, or 0 */
	size_t count;
};

void *hmap_get(const struct hmap *map, uint64_t key);
/* Sets the value of key (NULL removes it). 0, or -1 out of memory. */
int hmap_set(struct hmap *map, uint64_t key, void *value);
void hmap_free(struct hmap *map);

/* Visits every value; stop by returning non-zero. */
int hmap_each(const struct hmap *map, int (*fn)(uint64_t key, void *value, void *arg), void *arg);

/* A key for bytes: FNV-1a from `seed` (chain calls for several parts). */
#define HMAP_HASH_SEED 0xcbf29ce484222325ULL
uint64_t hmap_hash(uint64_t seed, const void *data, size_t len);

#endif
