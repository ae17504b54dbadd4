// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <stdlib.h>
#include <string.h>

#include "array.h"

void *array_push(void **items, size_t *count, size_t size)
{
	char *element;

	/* Full when the count is 0 or a power of two: double. */
	if ((*count & (*count - 1)) == 0) {
		size_t capacity = *count ? *count * 2 : 1;
		void *grown = realloc(*items, capacity * size);

		if (!grown)
			return NULL;
		*items = grown;
	}
	element = (char *)*items + *count * size;
	memset(element, 0, size);
	(*count)++;
	return element;
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
