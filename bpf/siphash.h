/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * SipHash-2-4 (Aumasson and Bernstein), the PRF RFC 9018 names for DNS
 * server cookies. Plain C with fixed bounds, shared by the XDP program and
 * the unit tests, which check it against the reference vectors.
 */
#ifndef XDPCAST_SIPHASH_H
#define XDPCAST_SIPHASH_H

#include "xdpcast.h"

#define SIPHASH_KEY_LEN 16
#define SIPHASH_MSG_MAX 32     /* the longest message we hash: an IPv6 cookie */

static inline __u64 siphash_rotl(__u64 x, int b)
{
	return (x << b) | (x >> (64 - b));
}

/* One 8-byte load (BPF and x86 allow it unaligned), not eight byte loads
 * that clang would schedule early and spill. */
static inline __u64 siphash_load_le64(const __u8 *p)
{
	__u64 v;

	__builtin_memcpy(&v, p, sizeof(v));
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	v = __builtin_bswap64(v);
#endif
	return v;
}

struct siphash_state {
	__u64 v0, v1, v2, v3;
};

static inline void siphash_round(struct siphash_state *s)
{
	s->v0 += s->v1; s->v1 = siphash_rotl(s->v1, 13); s->v1 ^= s->v0; s->v0 = siphash_rotl(s->v0, 32);
	s->v2 += s->v3; s->v3 = siphash_rotl(s->v3, 16); s->v3 ^= s->v2;
	s->v0 += s->v3; s->v3 = siphash_rotl(s->v3, 21); s->v3 ^= s->v0;
	s->v2 += s->v1; s->v1 = siphash_rotl(s->v1, 17); s->v1 ^= s->v2; s->v2 = siphash_rotl(s->v2, 32);
}

static inline void siphash_block(struct siphash_state *s, __u64 m)
{
	s->v3 ^= m;
	siphash_round(s);
	siphash_round(s);
	s->v0 ^= m;
}

/* SipHash-2-4 of msg[0..len) under a 16-byte key; len <= SIPHASH_MSG_MAX. */
static inline __u64 siphash24(const __u8 key[SIPHASH_KEY_LEN], const __u8 *msg, __u32 len)
{
	__u64 k0 = siphash_load_le64(key), k1 = siphash_load_le64(key + 8);
	struct siphash_state s = {
		.v0 = k0 ^ 0x736f6d6570736575ULL,
		.v1 = k1 ^ 0x646f72616e646f6dULL,
		.v2 = k0 ^ 0x6c7967656e657261ULL,
		.v3 = k1 ^ 0x7465646279746573ULL,
	};
	__u32 blocks = len / 8;
	__u64 last = (__u64)len << 56;

	if (len > SIPHASH_MSG_MAX)
		return 0;
	for (__u32 i = 0; i < SIPHASH_MSG_MAX / 8 && i < blocks; i++)
		siphash_block(&s, siphash_load_le64(msg + i * 8));
	for (__u32 i = 0; i < 7 && blocks * 8 + i < len; i++)
		last |= (__u64)msg[(blocks * 8 + i) & (SIPHASH_MSG_MAX - 1)] << (8 * i);
	siphash_block(&s, last);
	s.v2 ^= 0xff;
	siphash_round(&s);
	siphash_round(&s);
	siphash_round(&s);
	siphash_round(&s);
	return s.v0 ^ s.v1 ^ s.v2 ^ s.v3;
}

#endif /* XDPCAST_SIPHASH_H */
