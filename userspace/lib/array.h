/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Growable arrays, doubled when full. array_push's are kept as a pointer
 * and a count, the way the options and prefix lists hold them: the
 * capacity is implied by the count (the next power of two), so a struct
 * needs no third field. array_room's keep their capacity in a field of
 * their own (lists trimmed to fit, or emptied and filled again).
 */
#ifndef XDPCAST_ARRAY_H
#define XDPCAST_ARRAY_H

#include <stddef.h>

/* Appends one zeroed element of `size` bytes to *items (*count of them);
 * a pointer to it, or NULL (nothing changed) when out of memory or past
 * what size_t counts. */
void *array_push(void **items, size_t *count, size_t size);

/* Room for one more element in an array of `count` elements of `size`
 * bytes with room for *capacity: the array itself when there is room,
 * else the array moved into twice the room (16 elements at first) with
 * *capacity raised; NULL when out of memory or past what size_t counts,
 * with the array and *capacity as they were. */
void *array_room(void *items, size_t count, size_t *capacity, size_t size);

/* Appends a copy of text to a list of strings; 0, or -1 (nothing changed)
 * when out of memory. */
int strings_push(char ***items, size_t *count, const char *text);

/* Frees every string of the list and the list; empty after. */
void strings_free(char ***items, size_t *count);

#endif
