/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * DNS server cookies as RFC 9018 builds them, so every PoP of the anycast
 * set (and any other implementation sharing the secret) accepts the others':
 *
 *   server cookie = version 1 | reserved (3) | timestamp (4, unix seconds)
 *                 | SipHash-2-4(client cookie | version | reserved
 *                               | timestamp | client address, secret)
 *
 * Plain C shared by the XDP program and the unit tests (RFC 9018 appendix A).
 */
#ifndef XDPCAST_DNS_COOKIE_H
#define XDPCAST_DNS_COOKIE_H

#include "xdpcast.h"
#include "siphash.h"

#define COOKIE_CLIENT_LEN   8
#define COOKIE_SERVER_LEN   16
#define COOKIE_VERSION      1
#define COOKIE_CLOCK_SKEW   300    /* and up to five minutes from the future */

/*
 * The hash over the first 8 bytes of `server` (version, reserved,
 * timestamp). The client address is 16 bytes as in struct xdpcast_lpm_key
 * (IPv4 mapped); an IPv4 client is hashed as its 4 bytes, as RFC 9018 says.
 */
static inline __u64 server_cookie_hash(const __u8 client[COOKIE_CLIENT_LEN], const __u8 *server,
				       const __u8 addr[16], int ipv4, const __u8 *secret)
{
	__u8 msg[SIPHASH_MSG_MAX] = {};

	for (int i = 0; i < COOKIE_CLIENT_LEN; i++)
		msg[i] = client[i];
	for (int i = 0; i < 8; i++)
		msg[COOKIE_CLIENT_LEN + i] = server[i];
	if (ipv4) {
		for (int i = 0; i < 4; i++)
			msg[16 + i] = addr[12 + i];
		return siphash24(secret, msg, 20);
	}
	for (int i = 0; i < 16; i++)
		msg[16 + i] = addr[i];
	return siphash24(secret, msg, 32);
}

static inline void server_cookie_put_hash(__u8 *out, __u64 hash)
{
	for (int i = 0; i < 8; i++)
		out[i] = hash >> (8 * i);   /* SipHash's output is little-endian */
}

/* Builds a fresh server cookie for this client at unix time `now`. */
static inline void server_cookie_make(__u8 server[COOKIE_SERVER_LEN], const __u8 client[COOKIE_CLIENT_LEN],
				      const __u8 addr[16], int ipv4, __u32 now, const __u8 *secret)
{
	server[0] = COOKIE_VERSION;
	server[1] = server[2] = server[3] = 0;
	server[4] = now >> 24;
	server[5] = now >> 16;
	server[6] = now >> 8;
	server[7] = now;
	server_cookie_put_hash(server + 8, server_cookie_hash(client, server, addr, ipv4, secret));
}

/* The time a server cookie was made, in seconds (RFC 9018's Timestamp). */
static inline __u32 server_cookie_stamp(const __u8 server[COOKIE_SERVER_LEN])
{
	return (__u32)server[4] << 24 | (__u32)server[5] << 16 | (__u32)server[6] << 8 | server[7];
}

/* Whether a cookie stamped at `stamp` may still be used at `now`, with
 * serial arithmetic so the window holds across the 32-bit wrap. */
static inline int server_cookie_fresh(__u32 stamp, __u32 now)
{
	__s32 age = (__s32)(now - stamp);

	return age <= XDPCAST_COOKIE_LIFETIME_S && age >= -COOKIE_CLOCK_SKEW;
}

/* Whether `server` is a cookie this secret gave this client, still fresh. */
static inline int server_cookie_valid(const __u8 server[COOKIE_SERVER_LEN], const __u8 client[COOKIE_CLIENT_LEN],
				      const __u8 addr[16], int ipv4, __u32 now, const __u8 *secret)
{
	__u32 stamp = server_cookie_stamp(server);
	__u8 expected[8];
	__u64 want, got;

	if (server[0] != COOKIE_VERSION || !server_cookie_fresh(stamp, now))
		return 0;
	server_cookie_put_hash(expected, server_cookie_hash(client, server, addr, ipv4, secret));
	/* One compare of the two words: byte by byte, clang kept every
	 * received byte on the main program's stack, whose frame each call
	 * chain adds to its own within the verifier's 512 bytes. */
	__builtin_memcpy(&want, expected, sizeof(want));
	__builtin_memcpy(&got, server + 8, sizeof(got));
	return want == got;
}

#endif /* XDPCAST_DNS_COOKIE_H */
