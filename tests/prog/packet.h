/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Crafting query frames and checking response frames for the program tests. */
#ifndef XDPCAST_TEST_PACKET_H
#define XDPCAST_TEST_PACKET_H

#include <stddef.h>
#include <stdint.h>

#define FRAME_MAX 2048

struct query_spec {
	int family;             /* 4 (default) or 6 */
	int vlan_tags;          /* 0, 1 or 2 */
	int ipv4_option_bytes;  /* IPv4 options, a multiple of 4 */
	int ipv6_ext_headers;   /* hop-by-hop and destination options */
	const char *dst;        /* default: the anycast address of the family */
	const char *src;        /* default: 198.51.100.2 or 2001:db8:1::2 */
	uint8_t proto;          /* default UDP; ICMP and ICMPv6 carry icmp_type */
	uint16_t sport;         /* default 40000 */
	uint16_t dport;         /* default 53 */
	uint8_t tcp_flags;      /* default SYN */
	uint8_t icmp_type;
	uint8_t icmp_code;
	int fragment;           /* IPv4 MF set, or an IPv6 fragment header */
	const char *qname;      /* presentation format; case is kept */
	uint16_t qtype;
	uint16_t qclass;        /* default IN */
	int qdcount;            /* default 1; -1 for 0 */
	uint16_t flags;         /* DNS flags word; default RD */
	int edns_size;          /* 0: no OPT record */
	int edns_do;
	int edns_version;
	int edns_nsid;          /* ask for the NSID (an empty option 3) */
	const uint8_t *cookie;  /* COOKIE option data (client, server cookie) */
	size_t cookie_len;
	int raw_qname;          /* qname holds wire bytes (for garbled names) */
	size_t raw_qname_len;
	size_t dns_len;         /* cut the DNS payload (UDP length follows) */
	size_t frame_len;       /* cut the frame itself (headers lie) */
};

/* Builds the frame; returns its length. */
size_t build_query(const struct query_spec *spec, uint8_t *frame);

struct frame_info {
	size_t l2_len;
	int family;
	size_t ip_len;          /* IP header, options and extension headers */
	const uint8_t *udp;
	const uint8_t *dns;
	size_t dns_len;
};

/* Parses a frame built by build_query or answered by the program, and
 * verifies lengths and checksums. Returns NULL on success, or what is wrong. */
const char *check_frame(const uint8_t *frame, size_t len, struct frame_info *info);

#endif
