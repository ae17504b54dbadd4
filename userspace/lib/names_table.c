// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <bpf/bpf.h>

#include "names_table.h"

_Static_assert(sizeof(struct name_slot) == 16 && offsetof(struct name_slot, qclass) == 8,
	       "a slot is two words: the program loads each whole");
_Static_assert(sizeof(struct name_line) == 64, "a line is one cache line");

#define SLOTS_PER_KEY 2
#define TAKEN_MAX(slots) ((slots) / 8 * 5)

/* The least prime from n up: with a prime number of lines every step of
 * the double hashing visits XDPCAST_NAMES_PROBE_LINES distinct lines. */
static uint64_t prime_from(uint64_t n)
{
	for (;; n++) {
		bool prime = n >= 2;

		for (uint64_t d = 2; prime && d * d <= n; d++)
			prime = n % d;
		if (prime)
			return n;
	}
}

static size_t map_size(uint32_t lines)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);

	return ((size_t)lines * sizeof(struct name_line) + page - 1) / page * page;
}

int names_table_create(struct names_table *t, const struct map_btf *btf, uint64_t keys, char *err, size_t errlen)
{
	LIBBPF_OPTS(bpf_map_create_opts, opts, .map_flags = BPF_F_MMAPABLE | BPF_F_INNER_MAP);
	uint64_t lines = (keys * SLOTS_PER_KEY + XDPCAST_NAME_LINE_SLOTS - 1) / XDPCAST_NAME_LINE_SLOTS;

	memset(t, 0, sizeof(*t));
	t->fd = -1;
	if (lines > UINT32_MAX / 2) {
		snprintf(err, errlen, "creating the names table for %llu names: too many", (unsigned long long)keys);
		return -1;
	}
	t->line_count = prime_from(lines);
	if (btf->fd >= 0) {
		opts.btf_fd = btf->fd;
		opts.btf_key_type_id = btf->key_type_id;
		opts.btf_value_type_id = btf->value_type_id;
	}
	t->fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "xdpcast_names", sizeof(__u32), sizeof(struct name_line),
			       t->line_count, &opts);
	if (t->fd < 0) {
		snprintf(err, errlen, "creating the names table for %llu names: %s", (unsigned long long)keys,
			 strerror(errno));
		return -1;
	}
	t->memlock = map_memlock(t->fd);
	if (names_table_map(t, err, errlen)) {
		names_table_close(t);
		return -1;
	}
	return 0;
}

int names_table_map(struct names_table *t, char *err, size_t errlen)
{
	void *map;

	if (t->lines)
		return 0;
	map = mmap(NULL, map_size(t->line_count), PROT_READ | PROT_WRITE, MAP_SHARED, t->fd, 0);
	if (map == MAP_FAILED) {
		snprintf(err, errlen, "mapping the names table (%u lines): %s", t->line_count, strerror(errno));
		return -1;
	}
	t->lines = map;
	return 0;
}

void names_table_unmap(struct names_table *t)
{
	if (t->lines)
		munmap(t->lines, map_size(t->line_count));
	t->lines = NULL;
}

void names_table_close(struct names_table *t)
{
	names_table_unmap(t);
	if (t->fd >= 0)
		close(t->fd);
	t->fd = -1;
	hmap_free(&t->unplaced);
}

static uint64_t key_id(const struct name_key *key)
{
	return hmap_hash(HMAP_HASH_SEED, key, sizeof(*key));
}

uint64_t names_table_keys(const struct names_table *t)
{
	return t->taken - t->emptied;
}

bool names_table_has_room(const struct names_table *t, uint64_t keys)
{
	return t->taken + keys <= TAKEN_MAX((uint64_t)t->line_count * XDPCAST_NAME_LINE_SLOTS);
}

/* The second word, loaded and stored whole (the program's view of it). */
static uint64_t *slot_word(struct name_slot *slot)
{
	return (uint64_t *)&slot->qclass;
}

static bool slot_free(struct name_slot *slot)
{
	return !__atomic_load_n(&slot->name_hash, __ATOMIC_RELAXED) &&
	       !(uint16_t)__atomic_load_n(slot_word(slot), __ATOMIC_RELAXED);
}

static bool slot_holds(struct name_slot *slot, const struct name_key *key)
{
	return __atomic_load_n(&slot->name_hash, __ATOMIC_RELAXED) == key->name_hash &&
	       (uint32_t)__atomic_load_n(slot_word(slot), __ATOMIC_RELAXED) ==
		       (uint32_t)xdpcast_name_slot_word(key->qclass, key->view, 0);
}

/* The key's slot, or where the probe for it ended: at a free slot
 * (*free), or after the last line (NULL); *emptied: the first emptied slot
 * on the way, NULL for none. */
static struct name_slot *probe(const struct names_table *t, const struct name_key *key, struct name_slot **free,
			       struct name_slot **emptied)
{
	struct names_probe at = xdpcast_names_probe(key->name_hash, key->qclass, key->view, t->line_count);
	uint32_t line = at.line;

	*free = *emptied = NULL;
	for (int i = 0; i < XDPCAST_NAMES_PROBE_LINES; i++) {
		for (int k = 0; k < XDPCAST_NAME_LINE_SLOTS; k++) {
			struct name_slot *slot = &t->lines[line].slot[k];

			if (slot_holds(slot, key))
				return slot;
			if (slot_free(slot)) {
				*free = slot;
				return NULL;
			}
			if (!*emptied && (uint16_t)*slot_word(slot) == NAME_SLOT_EMPTIED)
				*emptied = slot;
		}
		line = xdpcast_names_next(line, at.step, t->line_count);
	}
	return NULL;
}

bool names_table_get(const struct names_table *t, const struct name_key *key, uint32_t *record)
{
	struct name_slot *free, *emptied, *slot = probe(t, key, &free, &emptied);

	if (slot)
		*record = *slot_word(slot) >> 32;
	return slot;
}

bool names_table_set(struct names_table *t, const struct name_key *key, uint32_t record)
{
	struct name_slot *free, *emptied, *slot = probe(t, key, &free, &emptied);
	uint64_t word = xdpcast_name_slot_word(key->qclass, key->view, record);

	if (slot) {
		__atomic_store_n(slot_word(slot), word, __ATOMIC_RELEASE);
		return true;
	}
	slot = emptied ? emptied : free;
	if (!slot) {
		/* Out of memory here only leaves the key uncounted. */
		hmap_set(&t->unplaced, key_id(key), (void *)1);
		return false;
	}
	if (t->unplaced.count)
		hmap_set(&t->unplaced, key_id(key), NULL);
	t->taken += slot == free;
	t->emptied -= slot == emptied;
	/* The word first: a reader that sees the hash sees the key whole. */
	__atomic_store_n(slot_word(slot), word, __ATOMIC_RELEASE);
	__atomic_store_n(&slot->name_hash, key->name_hash, __ATOMIC_RELEASE);
	return true;
}

void names_table_delete(struct names_table *t, const struct name_key *key)
{
	struct name_slot *free, *emptied, *slot = probe(t, key, &free, &emptied);

	if (slot) {
		__atomic_store_n(slot_word(slot), xdpcast_name_slot_word(NAME_SLOT_EMPTIED, 0, 0), __ATOMIC_RELEASE);
		t->emptied++;
	} else if (t->unplaced.count)
		hmap_set(&t->unplaced, key_id(key), NULL);
}

int names_table_remake(struct names_table *to, const struct names_table *from, const struct map_btf *btf,
		       uint64_t keys, char *err, size_t errlen)
{
	if (from->unplaced.count) {
		snprintf(err, errlen, "the names table is full and %zu names found no room in it", from->unplaced.count);
		return 1;
	}
	if (names_table_create(to, btf, keys, err, errlen))
		return -1;
	for (uint32_t l = 0; l < from->line_count; l++)
		for (int k = 0; k < XDPCAST_NAME_LINE_SLOTS; k++) {
			const struct name_slot *slot = &from->lines[l].slot[k];
			struct name_key key = { slot->name_hash, slot->qclass, slot->view };

			if (!key.qclass || key.qclass == NAME_SLOT_EMPTIED || names_table_set(to, &key, slot->record))
				continue;
			snprintf(err, errlen, "remaking the names table for %llu names: a key found no room",
				 (unsigned long long)keys);
			names_table_close(to);
			return 1;
		}
	return 0;
}
