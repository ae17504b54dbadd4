// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <bpf/bpf.h>

#include "source_screen.h"
#include "source_screen_map.h"

/* by16 and hashed, one run of words. */
#define SCREEN_WORDS ((sizeof(struct source_screen) - offsetof(struct source_screen, by16)) / sizeof(__u64))

typedef void set_bit_fn(__u64 *words, __u32 bit);

static void set_plain(__u64 *words, __u32 bit)
{
	words[bit / 64] |= 1ULL << (bit % 64);
}

static void set_atomic(__u64 *words, __u32 bit)
{
	__atomic_fetch_or(&words[bit / 64], 1ULL << (bit % 64), __ATOMIC_RELAXED);
}

static __u64 *screen_words(struct source_screen *s)
{
	return &s->by16[0][0];
}

static size_t screen_map_len(void)
{
	long page = sysconf(_SC_PAGESIZE);

	return (sizeof(struct source_screen) + page - 1) / page * page;
}

static struct source_screen *screen_map(int fd, char *err, size_t errlen)
{
	void *p = mmap(NULL, screen_map_len(), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);

	if (p != MAP_FAILED)
		return p;
	snprintf(err, errlen, "mapping the source screen: %s", strerror(errno));
	return NULL;
}

static void screen_unmap(struct source_screen *s)
{
	munmap(s, screen_map_len());
}

/* ::ffff:0:0/96, where IPv4 keys are. */
static const __u8 ipv4_mapped[12] = { [10] = 0xff, [11] = 0xff };

/* The address is IPv4-mapped: IPv4 levels apply. */
static int is_mapped(const __u8 *addr)
{
	return memcmp(addr, ipv4_mapped, sizeof(ipv4_mapped)) == 0;
}

/* Whether the entry's prefix is one of ::ffff:0:0/96's, so that it
 * covers every IPv4 source. */
static int covers_ipv4(const struct xdpcast_lpm_key *e)
{
	for (__u32 bit = 0; bit < e->prefixlen && bit < 96; bit++)
		if (((e->addr[bit / 8] ^ ipv4_mapped[bit / 8]) >> (7 - bit % 8)) & 1)
			return 0;
	return e->prefixlen <= 96;
}

/* The prefixes of `octets` octets an entry of `len` bits covers: the
 * entry's own, its low bits cleared, and the count after it. */
static void covered(const __u8 *addr, int from, int octets, __u32 len, __u64 *first, __u64 *count)
{
	__u32 free_bits = len >= (__u32)octets * 8 ? 0 : octets * 8 - len;

	*first = screen_prefix(addr, from, octets) & ~((1ULL << free_bits) - 1);
	*count = 1ULL << free_bits;
}

/* Calls set for every bit of the entry (the header explains the levels). */
static void entry_bits(struct source_screen *s, const struct xdpcast_lpm_key *e, set_bit_fn *set)
{
	__u64 first, count;

	if (e->prefixlen >= 96 && is_mapped(e->addr)) {
		__u32 len = e->prefixlen - 96;

		if (len <= 16) {
			covered(e->addr, 12, 2, len, &first, &count);
			for (__u64 i = 0; i < count; i++)
				set(s->by16[0], first + i);
		} else {
			covered(e->addr, 12, 3, len, &first, &count);
			for (__u64 i = 0; i < count; i++)
				set(s->hashed, screen_hashed_bit(first + i, SCREEN_V4_24));
		}
		return;
	}
	if (covers_ipv4(e))
		for (__u32 i = 0; i < 65536; i++)
			set(s->by16[0], i);
	if (e->prefixlen <= 16) {
		covered(e->addr, 0, 2, e->prefixlen, &first, &count);
		for (__u64 i = 0; i < count; i++)
			set(s->by16[1], first + i);
	} else if (e->prefixlen <= 32) {
		covered(e->addr, 0, 4, e->prefixlen, &first, &count);
		for (__u64 i = 0; i < count; i++)
			set(s->hashed, screen_hashed_bit(first + i, SCREEN_V6_32));
	} else {
		covered(e->addr, 0, 6, e->prefixlen, &first, &count);
		for (__u64 i = 0; i < count; i++)
			set(s->hashed, screen_v6_48_bit(first + i));
	}
}

/* Sets the bits of every entry of the filter; -1 when the walk failed
 * before its end. */
static int filter_bits(struct source_screen *s, int filter_fd, set_bit_fn *set, char *err, size_t errlen)
{
	struct xdpcast_lpm_key key, next;
	void *prev = NULL;

	/* IPv6 sources in ::/16 (IPv4-mapped keys among them) always take the trie. */
	set(s->by16[1], 0);
	while (bpf_map_get_next_key(filter_fd, prev, &next) == 0) {
		key = next;
		prev = &key;
		entry_bits(s, &key, set);
	}
	if (errno == ENOENT)
		return 0;
	snprintf(err, errlen, "reading the source filter for its screen: %s", strerror(errno));
	return -1;
}

int source_screen_stop(int screen_fd, char *err, size_t errlen)
{
	struct source_screen *live = screen_map(screen_fd, err, errlen);

	if (!live)
		return -1;
	__atomic_store_n(&live->ready, 0, __ATOMIC_SEQ_CST);
	screen_unmap(live);
	return 0;
}

int source_screen_add(int screen_fd, const struct xdpcast_lpm_key *entry, char *err, size_t errlen)
{
	struct source_screen *live = screen_map(screen_fd, err, errlen);
	__u64 ready;

	if (!live)
		return -1;
	/* A screen another version built puts bits elsewhere: its program
	 * would miss the new entry's, so it looks every source up from now. */
	ready = __atomic_load_n(&live->ready, __ATOMIC_SEQ_CST);
	if (ready && ready != SOURCE_SCREEN_LAYOUT)
		__atomic_store_n(&live->ready, 0, __ATOMIC_SEQ_CST);
	else
		entry_bits(live, entry, set_atomic);
	screen_unmap(live);
	return 0;
}

/* What fails leaves the screen stopped: slower, never wrong. */
int source_screen_rebuild(int screen_fd, int filter_fd, char *err, size_t errlen)
{
	struct source_screen *live = screen_map(screen_fd, err, errlen), *fresh;
	int ret = -1;

	if (!live)
		return -1;
	__atomic_store_n(&live->ready, 0, __ATOMIC_SEQ_CST);
	fresh = calloc(1, sizeof(*fresh));
	if (!fresh) {
		snprintf(err, errlen, "out of memory");
	} else if (!filter_bits(fresh, filter_fd, set_plain, err, errlen)) {
		__u64 *to = screen_words(live), *from = screen_words(fresh);

		for (size_t i = 0; i < SCREEN_WORDS; i++)
			__atomic_store_n(&to[i], from[i], __ATOMIC_RELAXED);
		if (!filter_bits(live, filter_fd, set_atomic, err, errlen)) {
			__atomic_store_n(&live->ready, SOURCE_SCREEN_LAYOUT, __ATOMIC_SEQ_CST);
			ret = 0;
		}
	}
	free(fresh);
	screen_unmap(live);
	return ret;
}
