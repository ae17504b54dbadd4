// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"

/* items moved into twice *room elements of `size` bytes (`first` when
 * *room is 0), *room raised to that; NULL, with items and *room as they
 * were, when out of memory or when that many bytes would not fit in
 * size_t. */
static void *doubled(void *items, size_t *room, size_t first, size_t size)
{
	size_t want;

	if (*room > SIZE_MAX / 2 / size)
		return NULL;
	want = *room ? *room * 2 : first;
	items = realloc(items, want * size);
	if (items)
		*room = want;
	return items;
}

void *array_push(void **items, size_t *count, size_t size)
{
	char *element;

	/* Full when the count is 0 or a power of two: double. */
	if ((*count & (*count - 1)) == 0) {
		size_t room = *count;
		void *grown = doubled(*items, &room, 1, size);

		if (!grown)
			return NULL;
		*items = grown;
	}
	element = (char *)*items + *count * size;
	memset(element, 0, size);
	(*count)++;
	return element;
}

void *array_room(void *items, size_t count, size_t *capacity, size_t size)
{
	return count < *capacity ? items : doubled(items, capacity, 16, size);
}

int strings_push(char ***items, size_t *count, const char *text)
{
	char *copy = strdup(text), **slot;

	if (!copy)
		return -1;
	slot = array_push((void **)items, count, sizeof(*slot));
	if (!slot) {
		free(copy);
		return -1;
	}
	*slot = copy;
	return 0;
}

void strings_free(char ***items, size_t *count)
{
	for (size_t i = 0; i < *count; i++)
		free((*items)[i]);
	free(*items);
	*items = NULL;
	*count = 0;
}
