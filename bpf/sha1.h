/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * SHA-1 (FIPS 180-4) for NSEC3 owner hashes (RFC 5155 section 5): the
 * program hashes one name per denial, at most 255 octets, so at most five
 * blocks. Plain C with fixed bounds, shared by the XDP program and the unit
 * tests, which check it against FIPS 180 and RFC 5155 appendix A.
 *
 * The state lives in the caller's buffer (the program's per-CPU scratch):
 * the message is padded in place and its words expanded next to it, so
 * only the five working variables need registers or the stack.
 */
#ifndef XDPCAST_SHA1_H
#define XDPCAST_SHA1_H

#include "xdpcast.h"

#define SHA1_DIGEST_LEN 20
#define SHA1_BLOCK_LEN  64
#define SHA1_BLOCKS_MAX 5      /* 255 octets, the 0x80 byte and the 8-byte length */
#define SHA1_INPUT_MAX  (SHA1_BLOCKS_MAX * SHA1_BLOCK_LEN - 9)
#define SHA1_MSG_ROOM   512    /* a power of two: masked offsets (+ 8) stay inside */
_Static_assert(SHA1_INPUT_MAX + 1 + SHA1_BLOCK_LEN + 8 <= SHA1_MSG_ROOM, "the padding's stores reach past the room");

struct sha1 {
	__u32 h[5];
	__u32 w[80];                                    /* the block's expanded words */
	__u8 msg[SHA1_MSG_ROOM + 8];                    /* the input, padded in place */
};

/* Loops stay loops in BPF: unrolled, clang loads every word up front and
 * spills them past the 512-byte stack. */
#ifdef __clang__
#define SHA1_LOOP _Pragma("clang loop unroll(disable)")
#else
#define SHA1_LOOP
#endif

static inline __u32 sha1_rotl(__u32 x, int b)
{
	return (x << b) | (x >> (32 - b));
}

static inline __u32 sha1_load_be32(const __u8 *p)
{
	__u32 v;

	__builtin_memcpy(&v, p, sizeof(v));
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	v = __builtin_bswap32(v);
#endif
	return v;
}

/* Hides a value from the optimiser. */
#define SHA1_OPAQUE(x) __asm__ volatile("" : "+r"(x))

/* Pads the `len` octets the caller wrote to c->msg (RFC 3174 section 4):
 * 0x80, zeros, the length in bits at the end of the last block. Returns
 * the number of blocks. The zeros are a fixed run of 8-byte stores, as
 * many as any length needs (at most 63 before the length field), so the
 * verifier sees no loop that ends on the input's length. */
static inline __u32 sha1_pad(struct sha1 *c, __u32 len)
{
	__u32 blocks = (len + 9 + SHA1_BLOCK_LEN - 1) / SHA1_BLOCK_LEN;
	__u32 end = blocks * SHA1_BLOCK_LEN;
	__u64 bits = (__u64)len * 8, zero = 0;

	c->msg[len & (SHA1_MSG_ROOM - 1)] = 0x80;
	for (__u32 i = 0; i < SHA1_BLOCK_LEN; i += 8) {
		__u32 at = len + 1 + i;

		SHA1_OPAQUE(at);        /* clang would drop the mask the verifier needs */
		__builtin_memcpy(c->msg + (at & (SHA1_MSG_ROOM - 1)), &zero, 8);
	}
	for (int i = 0; i < 8; i++)
		c->msg[(end - 1 - i) & (SHA1_MSG_ROOM - 1)] = bits >> (8 * i);
	return blocks;
}

struct sha1_vars {
	__u32 a, b, c, d, e;
};

/* Rounds `from` to `to` - 1, which share their function f (FIPS 180-4
 * section 4.1.1) and constant. */
static inline void sha1_rounds(struct sha1_vars *v, const __u32 *w, int from, int to)
{
	SHA1_LOOP
	for (int t = from; t < to; t++) {
		__u32 f, k, tmp;

		if (from < 20) {
			f = (v->b & v->c) | (~v->b & v->d);
			k = 0x5a827999;
		} else if (from < 40) {
			f = v->b ^ v->c ^ v->d;
			k = 0x6ed9eba1;
		} else if (from < 60) {
			f = (v->b & v->c) | (v->b & v->d) | (v->c & v->d);
			k = 0x8f1bbcdc;
		} else {
			f = v->b ^ v->c ^ v->d;
			k = 0xca62c1d6;
		}
		tmp = sha1_rotl(v->a, 5) + f + v->e + k + w[t % 80];
		v->e = v->d;
		v->d = v->c;
		v->c = sha1_rotl(v->b, 30);
		v->b = v->a;
		v->a = tmp;
	}
}

/* The message schedule and the 80 rounds over block `block` (below
 * SHA1_BLOCKS_MAX) of c->msg. */
static inline void sha1_block(struct sha1 *c, __u32 block)
{
	const __u8 *m = c->msg + block * SHA1_BLOCK_LEN;
	struct sha1_vars v = { c->h[0], c->h[1], c->h[2], c->h[3], c->h[4] };

	SHA1_LOOP
	for (int t = 0; t < 16; t++)
		c->w[t] = sha1_load_be32(m + 4 * t);
	SHA1_LOOP
	for (int t = 16; t < 80; t++)
		c->w[t] = sha1_rotl(c->w[t - 3] ^ c->w[t - 8] ^ c->w[t - 14] ^ c->w[t - 16], 1);
	sha1_rounds(&v, c->w, 0, 20);
	sha1_rounds(&v, c->w, 20, 40);
	sha1_rounds(&v, c->w, 40, 60);
	sha1_rounds(&v, c->w, 60, 80);
	c->h[0] += v.a;
	c->h[1] += v.b;
	c->h[2] += v.c;
	c->h[3] += v.d;
	c->h[4] += v.e;
}

/* The digest of the `len` octets in c->msg, big-endian words in c->h.
 * Returns -1 when the input is too long. */
static inline int sha1_digest(struct sha1 *c, __u32 len)
{
	__u32 blocks;

	if (len > SHA1_INPUT_MAX)
		return -1;
	blocks = sha1_pad(c, len);
	c->h[0] = 0x67452301;
	c->h[1] = 0xefcdab89;
	c->h[2] = 0x98badcfe;
	c->h[3] = 0x10325476;
	c->h[4] = 0xc3d2e1f0;
	for (__u32 i = 0; i < SHA1_BLOCKS_MAX && i < blocks; i++)
		sha1_block(c, i);
	return 0;
}

/* The digest as octets, for comparing with stored hashes. */
static inline void sha1_output(const struct sha1 *c, __u8 out[SHA1_DIGEST_LEN])
{
	for (int i = 0; i < 5; i++) {
		out[4 * i] = c->h[i] >> 24;
		out[4 * i + 1] = c->h[i] >> 16;
		out[4 * i + 2] = c->h[i] >> 8;
		out[4 * i + 3] = c->h[i];
	}
}

#endif /* XDPCAST_SHA1_H */
