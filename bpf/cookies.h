/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * DNS cookies in the fast path (RFC 7873, server cookies per RFC 9018):
 * check the server cookie a query brings, and prepare the COOKIE option of
 * the response with a fresh one. A query with a valid server cookie has
 * proven its source address, so RRL lets it through.
 */
#ifndef XDPCAST_COOKIES_H
#define XDPCAST_COOKIES_H

#include "xdpcast.h"
#include "parse.h"
#include "dns_query.h"
#include "dns_cookie.h"
#include "token_bucket.h"
#include "settings.h"

static __always_inline void prepare_cookie(struct scratch *s, struct dns_query *q, const struct packet *pkt,
					   const struct xdpcast_settings *set, struct packet_clock *now_ns)
{
	int ipv4 = is_ipv4(pkt);
	const __u8 *client = s->cookie_in, *server = s->cookie_in + COOKIE_CLIENT_LEN;
	__u32 now;

	if (!set->cookies || !q->cookie_len)
		return;
	/* Stamps are in seconds: the tick's time does. */
	now = (clock_coarse_ns(now_ns) + set->realtime_offset_ns) / NSEC_PER_SEC;
	/* Copied out of the query so the cookie code reads fixed offsets. */
	for (__u32 i = 0; i < COOKIE_CLIENT_LEN + COOKIE_SERVER_LEN; i++)
		s->cookie_in[i] = scratch_byte(s, q->cookie_off + i);
	if (q->cookie_len == COOKIE_CLIENT_LEN + COOKIE_SERVER_LEN) {
		q->cookie_valid = server_cookie_valid(server, client, pkt->src.addr, ipv4, now, set->cookie_secret) ||
				  (set->has_previous &&
				   server_cookie_valid(server, client, pkt->src.addr, ipv4, now, set->cookie_previous));
	}
	__builtin_memcpy(s->cookie_out, client, COOKIE_CLIENT_LEN);
	server_cookie_make(s->cookie_out + COOKIE_CLIENT_LEN, client, pkt->src.addr, ipv4, now, set->cookie_secret);
	q->send_cookie = 1;
}

#endif /* XDPCAST_COOKIES_H */
