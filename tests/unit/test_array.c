// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The growable arrays every list of the daemon is kept in: elements kept
 * across growth, room doubled only when full, and a refusal (out of
 * memory, or more bytes than size_t counts) that changes nothing.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdlib.h>
#include <cmocka.h>

#include "array.h"

static void test_room_keeps_elements_and_doubles_when_full(void **state)
{
	uint32_t *items = NULL;
	size_t capacity = 0, grew = 0;

	(void)state;
	for (size_t count = 0; count < 1000; count++) {
		size_t before = capacity;
		uint32_t *room = array_room(items, count, &capacity, sizeof(*room));

		assert_non_null(room);
		if (count < before) {
			assert_ptr_equal(room, items);
			assert_int_equal(capacity, before);
		} else {
			assert_int_equal(capacity, before ? before * 2 : 16);
			grew++;
		}
		items = room;
		items[count] = (uint32_t)count * 7;
	}
	assert_int_equal(capacity, 1024);
	assert_int_equal(grew, 7);      /* 16, 32, ..., 1024 */
	for (size_t i = 0; i < 1000; i++)
		assert_int_equal(items[i], i * 7);
	free(items);
}

static void test_refused_growth_changes_nothing(void **state)
{
	size_t capacity = SIZE_MAX / 32 + 1, count = capacity;
	char *items = malloc(1);

	(void)state;
	assert_null(array_room(items, count, &capacity, 16));
	assert_int_equal(capacity, SIZE_MAX / 32 + 1);
	count = 1UL << 62;
	assert_null(array_push((void **)&items, &count, 8));
	assert_int_equal(count, 1UL << 62);
	free(items);
}

static void test_push_zeroes_and_keeps(void **state)
{
	uint64_t *items = NULL, *slot;
	size_t count = 0;

	(void)state;
	for (uint64_t i = 0; i < 100; i++) {
		slot = array_push((void **)&items, &count, sizeof(*slot));
		assert_non_null(slot);
		assert_int_equal(*slot, 0);
		*slot = i + 1;
	}
	assert_int_equal(count, 100);
	for (uint64_t i = 0; i < 100; i++)
		assert_int_equal(items[i], i + 1);
	free(items);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_room_keeps_elements_and_doubles_when_full),
		cmocka_unit_test(test_refused_growth_changes_nothing),
		cmocka_unit_test(test_push_zeroes_and_keeps),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
