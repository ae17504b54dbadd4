/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Where a key without a bucket has its first packet noted in
 * `xdpcast_first_seen` (bpf/ratelimit.h). Plain C, so the program tests
 * find keys that would share a slot with the program's own arithmetic.
 */
#ifndef XDPCAST_FIRST_SEEN_H
#define XDPCAST_FIRST_SEEN_H

#include "xdpcast.h"

/* A multiplicative hash of a key's 32-bit words (keys are 4-aligned),
 * keyed by the secret the loader draws. */
static inline __u64 first_seen_hash(__u64 seed, const __u32 *words, __u32 count)
{
	__u64 h = seed;

	for (__u32 i = 0; i < count; i++) {
		h = (h ^ words[i]) * 0x9e3779b97f4a7c15ULL;
		h ^= h >> 29;
	}
	return h;
}

/*
 * The table in lanes, so that a packet's own keys never share a slot:
 * there each would take the other's note before its second packet, and
 * neither would ever get a bucket. RRL's keys in the even slots (half the
 * table: its default rate, 200, is the lowest the table must let bind), a
 * source's narrower prefix (/32, /64) in the slots 1 modulo 4, its wider
 * one (/24, /56) in those 3 modulo 4.
 */
enum first_seen_lane {
	FIRST_SEEN_RRL,
	FIRST_SEEN_NARROW,
	FIRST_SEEN_WIDE,
};

static inline __u32 first_seen_index(__u64 hash, enum first_seen_lane lane)
{
	if (lane == FIRST_SEEN_RRL)
		return (hash << 1) & (XDPCAST_FIRST_SEEN_SLOTS - 1);
	return ((hash << 2) & (XDPCAST_FIRST_SEEN_SLOTS - 1)) | (lane == FIRST_SEEN_NARROW ? 1 : 3);
}

/* The key's tag in its slot, never 0 (an empty slot's). */
static inline __u32 first_seen_tag(__u64 hash)
{
	return (hash >> 32) | 1;
}

#endif /* XDPCAST_FIRST_SEEN_H */
