// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The hash map under every index of the daemon: values found again after
 * growth and removals, and an index over an array that finds every item
 * of a hash, whichever items share it (paths, zones and RRsets are found
 * through it; a collision must not lose one or find the wrong one).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <string.h>

#include "hmap.h"

static void test_values_survive_growth_and_removals(void **state)
{
	struct hmap map = { 0 };

	(void)state;
	for (uintptr_t key = 1; key <= 1000; key++)
		assert_int_equal(hmap_set(&map, key, (void *)(key * 2)), 0);
	/* Every other key removed: the rest are found past the holes. */
	for (uintptr_t key = 1; key <= 1000; key += 2)
		assert_int_equal(hmap_set(&map, key, NULL), 0);
	assert_int_equal(map.count, 500);
	for (uintptr_t key = 1; key <= 1000; key++)
		assert_ptr_equal(hmap_get(&map, key), key % 2 ? NULL : (void *)(key * 2));
	assert_null(hmap_get(&map, 5000));
	hmap_free(&map);
	assert_null(hmap_get(&map, 2));
}

static size_t find(const struct hmap_index *index, const char *const *items, uint64_t hash, const char *key)
{
	for (size_t i = hmap_index_first(index, hash); i != HMAP_INDEX_END; i = hmap_index_next(index, i))
		if (!strcmp(items[i], key))
			return i;
	return HMAP_INDEX_END;
}

/* Keys given colliding hashes on purpose: each is found, none twice. */
static void test_index_finds_every_item_of_a_hash(void **state)
{
	static const char *const items[] = { "/etc/zones/a", "/etc/zones/b", "/srv/c", "/srv/d", "/srv/e" };
	static const uint64_t hashes[] = { 7, 7, 9, 7, 9 };
	static const size_t under_7[] = { 3, 1, 0 };    /* the last indexed first */
	struct hmap_index index = { 0 };
	size_t seen = 0;

	(void)state;
	for (size_t i = 0; i < 5; i++)
		assert_int_equal(hmap_index_add(&index, hashes[i], i), 0);
	for (size_t i = 0; i < 5; i++)
		assert_int_equal(find(&index, items, hashes[i], items[i]), i);
	assert_int_equal(find(&index, items, 7, "/srv/c"), HMAP_INDEX_END);
	assert_int_equal(hmap_index_first(&index, 8), HMAP_INDEX_END);
	for (size_t i = hmap_index_first(&index, 7); i != HMAP_INDEX_END; i = hmap_index_next(&index, i))
		assert_int_equal(i, under_7[seen++]);
	assert_int_equal(seen, 3);
	hmap_index_free(&index);
	assert_int_equal(hmap_index_first(&index, 7), HMAP_INDEX_END);
}

/* Items indexed out of order or some not at all (files without a stamp):
 * an item far past the others grows the chain links. */
static void test_index_of_some_items(void **state)
{
	struct hmap_index index = { 0 };

	(void)state;
	assert_int_equal(hmap_index_add(&index, 1, 100000), 0);
	assert_int_equal(hmap_index_add(&index, 1, 3), 0);
	assert_int_equal(hmap_index_first(&index, 1), 3);
	assert_int_equal(hmap_index_next(&index, 3), 100000);
	assert_int_equal(hmap_index_next(&index, 100000), HMAP_INDEX_END);
	hmap_index_free(&index);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_values_survive_growth_and_removals),
		cmocka_unit_test(test_index_finds_every_item_of_a_hash),
		cmocka_unit_test(test_index_of_some_items),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
