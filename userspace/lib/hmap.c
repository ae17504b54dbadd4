// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <stdlib.h>
#include <string.h>

#include "hmap.h"

#define USED (1ULL << 63)

static size_t slot_of(const struct hmap *map, uint64_t key)
{
	return (key * 0x9e3779b97f4a7c15ULL) >> 7 & (map->capacity - 1);
}

static size_t find(const struct hmap *map, uint64_t stored)
{
	size_t i = slot_of(map, stored);

	while (map->keys[i] && map->keys[i] != stored)
		i = (i + 1) & (map->capacity - 1);
	return i;
}

void *hmap_get(const struct hmap *map, uint64_t key)
{
	size_t i;

	if (!map->count)
		return NULL;
	i = find(map, key | USED);
	return map->keys[i] ? map->values[i] : NULL;
}

static int grow(struct hmap *map)
{
	struct hmap bigger = { .capacity = map->capacity ? map->capacity * 2 : 8 };  /* many maps stay small */

	bigger.keys = calloc(bigger.capacity, sizeof(*bigger.keys));
	bigger.values = calloc(bigger.capacity, sizeof(*bigger.values));
	if (!bigger.keys || !bigger.values) {
		free(bigger.keys);
		free(bigger.values);
		return -1;
	}
	for (size_t i = 0; i < map->capacity; i++) {
		if (map->keys[i]) {
			size_t j = find(&bigger, map->keys[i]);

			bigger.keys[j] = map->keys[i];
			bigger.values[j] = map->values[i];
			bigger.count++;
		}
	}
	hmap_free(map);
	*map = bigger;
	return 0;
}

/* Backward-shift deletion: no tombstones. */
static void remove_at(struct hmap *map, size_t i)
{
	size_t j = i;

	map->keys[i] = 0;
	map->count--;
	for (;;) {
		size_t home;

		j = (j + 1) & (map->capacity - 1);
		if (!map->keys[j])
			return;
		home = slot_of(map, map->keys[j]);
		/* Moves back unless its home lies cyclically in (i, j]. */
		if ((j > i && (home <= i || home > j)) || (j < i && home <= i && home > j)) {
			map->keys[i] = map->keys[j];
			map->values[i] = map->values[j];
			map->keys[j] = 0;
			i = j;
		}
	}
}

int hmap_set(struct hmap *map, uint64_t key, void *value)
{
	uint64_t stored = key | USED;
	size_t i;

	if (!value) {
		if (map->count && map->keys[i = find(map, stored)])
			remove_at(map, i);
		return 0;
	}
	if ((map->count + 1) * 4 > map->capacity * 3 && grow(map))
		return -1;
	i = find(map, stored);
	if (!map->keys[i]) {
		map->keys[i] = stored;
		map->count++;
	}
	map->values[i] = value;
	return 0;
}

void hmap_free(struct hmap *map)
{
	free(map->keys);
	free(map->values);
	*map = (struct hmap){ 0 };
}

int hmap_each(const struct hmap *map, int (*fn)(uint64_t key, void *value, void *arg), void *arg)
{
	for (size_t i = 0; i < map->capacity; i++)
		if (map->keys[i] && fn(map->keys[i] & ~USED, map->values[i], arg))
			return -1;
	return 0;
}

int hmap_index_add(struct hmap_index *index, uint64_t hash, size_t item)
{
	uintptr_t latest = (uintptr_t)hmap_get(&index->latest, hash);

	if (item >= index->capacity) {
		size_t capacity = index->capacity ? index->capacity : 8;
		size_t *grown;

		while (capacity <= item)
			capacity *= 2;
		if (!(grown = realloc(index->earlier, capacity * sizeof(*grown))))
			return -1;
		memset(grown + index->capacity, 0, (capacity - index->capacity) * sizeof(*grown));
		index->earlier = grown;
		index->capacity = capacity;
	}
	if (hmap_set(&index->latest, hash, (void *)(uintptr_t)(item + 1)))
		return -1;
	index->earlier[item] = latest;
	return 0;
}

size_t hmap_index_first(const struct hmap_index *index, uint64_t hash)
{
	return (uintptr_t)hmap_get(&index->latest, hash) - 1;  /* none: 0 - 1, HMAP_INDEX_END */
}

size_t hmap_index_next(const struct hmap_index *index, size_t item)
{
	return index->earlier[item] - 1;
}

void hmap_index_free(struct hmap_index *index)
{
	hmap_free(&index->latest);
	free(index->earlier);
	*index = (struct hmap_index){ 0 };
}

uint64_t hmap_hash(uint64_t seed, const void *data, size_t len)
{
	const uint8_t *p = data;

	for (size_t i = 0; i < len; i++)
		seed = (seed ^ p[i]) * 0x100000001b3ULL;
	return seed;
}

uint64_t hmap_hash_text(const char *text)
{
	return hmap_hash(HMAP_HASH_SEED, text, strlen(text));
}
