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

/*
 * An index over the items of an array (item i: its i-th element) by the
 * hash of each item's key. The items of one hash are chained, so every
 * item is found however keys collide; the caller compares the keys:
 *
 *	for (size_t i = hmap_index_first(ix, hash); i != HMAP_INDEX_END; i = hmap_index_next(ix, i))
 *		if (key_of(items[i]) equals key) return i;
 */
struct hmap_index {
	struct hmap latest;     /* hash -> 1 + the item indexed last under it */
	size_t *earlier;        /* per item: 1 + the item indexed before it under its hash, or 0 */
	size_t capacity;        /* of earlier */
};

#define HMAP_INDEX_END SIZE_MAX

/* Indexes item (not indexed yet) under hash; 0, or -1 out of memory. */
int hmap_index_add(struct hmap_index *index, uint64_t hash, size_t item);
/* The items under hash, the one indexed last first; HMAP_INDEX_END after the last. */
size_t hmap_index_first(const struct hmap_index *index, uint64_t hash);
size_t hmap_index_next(const struct hmap_index *index, size_t item);
void hmap_index_free(struct hmap_index *index);

/* A key for bytes: FNV-1a from `seed` (chain calls for several parts). */
#define HMAP_HASH_SEED 0xcbf29ce484222325ULL
uint64_t hmap_hash(uint64_t seed, const void *data, size_t len);
/* A key for a string (a path, a file name, a check's name). 64-bit
 * FNV-1a, and never to change: a handover's record keeps check names in
 * it for a successor of another version (test_metrics pins it). */
uint64_t hmap_hash_text(const char *text);

#endif
