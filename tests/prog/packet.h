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
	int ipv4_option_bytes;  /* IPv4 options, a multiple of 4: NOPs */
	int ipv4_record_route;  /* the first 8 of them a record route option */
	int ipv6_ext_headers;   /* hop-by-hop and destination options */
	int ipv6_dst_headers;   /* a chain of this many 8-byte destination options */
	const char *dst;        /* default: the anycast address of the family */
	const char *src;        /* default: 198.51.100.2 or 2001:db8:1::2 */
	const char *dst_mac;    /* default: the server's, 02:00:00:00:00:01 */
	uint8_t proto;          /* default UDP; ICMP and ICMPv6 carry icmp_type */
	int sport;              /* default 40000; -1 for 0 */
	uint16_t dport;         /* default 53 */
	uint8_t tcp_flags;      /* default SYN */
	uint8_t icmp_type;
	uint8_t icmp_code;
	int fragment;           /* IPv4 MF set, or an IPv6 fragment header */
	int hop_limit;          /* IPv6 hop limit; default 64 */
	uint8_t traffic_class;  /* IPv4 TOS, IPv6 traffic class (DSCP and ECN) */
	uint32_t flow_label;    /* IPv6 */
	uint16_t ip_id;         /* IPv4 identification */
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
	const uint8_t *options; /* more EDNS options, wire format, after those */
	size_t options_len;
	int raw_qname;          /* qname holds wire bytes (for garbled names) */
	size_t raw_qname_len;
	size_t dns_len;         /* cut the DNS payload (UDP length follows) */
	size_t frame_len;       /* cut the frame itself (headers lie) */
	/* Damage done after the frame is built and its checksums are right: */
	uint8_t ip_version;     /* the version nibble written instead */
	int bad_ip_checksum;    /* IPv4 header checksum off by one */
	int ip_len_delta;       /* added to the IPv4 total / IPv6 payload length
				 * (the IPv4 header checksum follows) */
	int udp_len_delta;      /* added to the UDP length (its checksum follows) */
	size_t padding;         /* zero bytes after the datagram, as links pad */
	int udp_checksum;       /* UDP_CHECKSUM_ZERO or UDP_CHECKSUM_BAD */
	size_t flip_dns_byte;   /* 1 + the offset of a DNS byte whose 0x20 bit is
				 * flipped after the checksum is computed (a
				 * letter changes case: still answerable) */
	const char *hex;        /* the whole frame in hex; everything else unused */
};

enum { UDP_CHECKSUM_RIGHT, UDP_CHECKSUM_ZERO, UDP_CHECKSUM_BAD };

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

enum frame_kind {
	FRAME_AS_RECEIVED,      /* link padding after the datagram and an IP
				 * payload past the UDP length are allowed, as
				 * the kernel trims them */
	FRAME_AS_SENT,          /* lengths exact, as the program writes them */
};

/* Parses a UDP frame over IPv4 or IPv6 (up to two VLAN tags, IPv4 options,
 * hop-by-hop and destination options) and verifies versions, lengths and
 * checksums, reading nothing outside the frame. Returns NULL on success,
 * or what is wrong. */
const char *check_frame(const uint8_t *frame, size_t len, enum frame_kind kind, struct frame_info *info);

#endif
