/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Which bits of `struct source_screen` a source address checks, for the
 * program (bpf/filter.h) and for userspace, which sets them
 * (userspace/lib/source_screen_map.c). Addresses are the family-neutral key
 * of the LPM tries (IPv4 mapped into ::ffff:0:0/96).
 *
 * An IPv4 source checks the bit of its /16 and the hashed bit of its /24;
 * an IPv6 source the bit of its /16 and the hashed bits of its /32 and
 * /48. A filter entry sets the bits of the prefixes it covers at the first
 * of its family's levels at least as long as itself (its own prefix at the
 * last level when it is longer); a hash bit shared with another prefix
 * costs that prefix a trie lookup, never a wrong verdict.
 *
 * A /48's bit lies in the 64-octet line of its /32's, so that a source no
 * entry covers (most of a spoofed flood) reads one random line of the
 * hashed bits, not two. Many entries at /48 or longer inside one /32 fill
 * its line: its sources then take the trie, as do the few of other /32s
 * hashed to the same line.
 */
#ifndef XDPCAST_SOURCE_SCREEN_H
#define XDPCAST_SOURCE_SCREEN_H

#include "xdpcast.h"

enum screen_level {
	SCREEN_V4_24 = 1,
	SCREEN_V6_32,
	SCREEN_V6_48,
};

/* The top `octets` octets of an address from octet `from`, as a number. */
static inline __u64 screen_prefix(const __u8 *addr, int from, int octets)
{
	__u64 v = 0;

	for (int i = 0; i < octets; i++)
		v = v << 8 | addr[from + i];
	return v;
}

/* The hashed bit of a prefix (its top octets as a number) at a level. */
static inline __u32 screen_hashed_bit(__u64 prefix, enum screen_level level)
{
	return ((prefix | (__u64)level << 56) * 0x9e3779b97f4a7c15ULL) >> (64 - SOURCE_SCREEN_HASH_BITS);
}

#define SCREEN_LINE_ORDER 9     /* a cache line holds 2^9 bits */
#define SCREEN_LINE_BITS (1u << SCREEN_LINE_ORDER)

/* The hashed bit of an IPv6 /48 (its top 6 octets as a number): in its
 * /32's line, at a place of its own hash's top bits. */
static inline __u32 screen_v6_48_bit(__u64 prefix48)
{
	__u32 line = screen_hashed_bit(prefix48 >> 16, SCREEN_V6_32) / SCREEN_LINE_BITS;
	__u32 in_line = ((prefix48 | (__u64)SCREEN_V6_48 << 56) * 0x9e3779b97f4a7c15ULL) >> (64 - SCREEN_LINE_ORDER);

	return line * SCREEN_LINE_BITS + in_line;
}

static inline int screen_bit_set(const __u64 *words, __u32 bit)
{
	return (words[bit / 64] >> (bit % 64)) & 1;
}

#endif /* XDPCAST_SOURCE_SCREEN_H */
