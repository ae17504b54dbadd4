/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Header parsing: Ethernet with up to two VLAN tags, IPv4 with options,
 * IPv6 with a bounded walk of extension headers, then UDP or TCP. Every
 * access goes through cursor_pull(), the one place bounds are checked.
 *
 * An IP header the kernel's ip_rcv()/ipv6_rcv() would drop (wrong version,
 * bad IPv4 header checksum, a length past the frame), a UDP length that
 * __udp4_lib_rcv()/__udp6_lib_rcv() would drop and a UDP, TCP or ICMP
 * header that does not fit in the datagram are malformed here too, so
 * nothing the kernel refuses reaches the stages that answer or pass.
 */
#ifndef XDPCAST_PARSE_H
#define XDPCAST_PARSE_H

#include "xdpcast.h"

#define ETH_P_IP        0x0800
#define ETH_P_IPV6      0x86DD
#define ETH_P_8021Q     0x8100
#define ETH_P_8021AD    0x88A8
#define ETH_ALEN        6
/* IPv6 extension header numbers are #defines in the uapi header, not in vmlinux.h */
#define IPPROTO_HOPOPTS  0
#define IPPROTO_ROUTING  43
#define IPPROTO_FRAGMENT 44
#define IPPROTO_DSTOPTS  60
#define IPPROTO_ICMPV6   58
#define IP_MF           0x2000
#define IP_OFFSET       0x1FFF
#define MAX_VLAN_TAGS   2
#define MAX_IPV6_EXT    4

struct cursor {
	void *pos;
	void *end;
};

/* What the pipeline needs to know about a packet, family-neutral. */
struct packet {
	__u32 len;              /* frame length as received */
	__u32 l2_len;           /* Ethernet header and VLAN tags */
	__u32 payload_off;      /* first byte after the UDP/TCP header */
	__u32 payload_len;      /* UDP payload length, from the UDP header */
	__u32 l4_sum;           /* UDP: sum of the pseudo header and the UDP header as
				 * received (network order, not folded); 0: the
				 * checksum field is 0, no checksum */
	__u16 h_proto;          /* ethertype of the IP header, host order */
	__u8 l4_proto;
	__u8 is_fragment:1;
	__u8 kernel_decides:1;  /* IPv4 options other than padding, IPv6 hop-by-hop,
				 * routing or destination options, a group (multicast
				 * or broadcast) destination MAC: rules only the
				 * kernel applies; never answered */
	__u8 probe:1;           /* the daemon's own probe (XDPCAST_PROBE_SOURCE*) */
	__u8 slot:4;            /* stats slot: the interface, or the test-run slot.
				 * Bits, not bytes: the stack is at its limit */
	__u8 on_link:1;         /* IPv6 hop limit 255: sent on this link, no
				 * router forwarded it (RFC 4861's test) */
	__u8 ip_tos;            /* IPv4 TOS byte */
	__u8 tcp_flags;         /* TCP: the flags byte (SYN, ACK, ...) */
	__u8 icmp_type;         /* ICMP or ICMPv6: type and code */
	__u8 icmp_code;
	__be32 ip6_flow;        /* IPv6 version, traffic class and flow label word */
	__be16 sport;
	__be16 dport;
	struct xdpcast_lpm_key src;  /* prefixlen 128, IPv4 mapped */
	struct xdpcast_lpm_key dst;
};
_Static_assert(XDPCAST_STATS_SLOTS <= 16, "struct packet keeps the stats slot in 4 bits");

static __always_inline int is_ipv4(const struct packet *pkt)
{
	return pkt->h_proto == ETH_P_IP;
}

/* An IPv6 destination in ::ffff:0:0/96, where the keys of IPv4 prefixes
 * lie: no IPv6 prefix we protect holds it, and no host is so addressed on
 * the wire (RFC 4291 section 2.5.5.2). */
static __always_inline int is_mapped_ipv6_destination(const struct packet *pkt)
{
	const __u32 *dst = (const void *)pkt->dst.addr;    /* 4-aligned in the key */

	return !is_ipv4(pkt) && !(dst[0] | dst[1]) && dst[2] == bpf_htonl(0xffff);
}

enum parse_result {
	PARSE_OK,
	PARSE_NOT_IP,        /* no destination known: not ours to judge */
	PARSE_BAD_L4,        /* destination known, transport header unusable */
};

static __always_inline void *cursor_pull(struct cursor *c, __u32 len)
{
	void *start = c->pos;

	if (c->pos + len > c->end)
		return NULL;
	c->pos += len;
	return start;
}

static __always_inline void set_mapped_v4(struct xdpcast_lpm_key *key, __be32 addr)
{
	__builtin_memset(key->addr, 0, 10);
	key->addr[10] = 0xff;
	key->addr[11] = 0xff;
	__builtin_memcpy(&key->addr[12], &addr, 4);
	key->prefixlen = 128;
}

/* Folds a sum of 32-bit words as loaded (host order) into the 16-bit
 * ones-complement sum in network order, the order xdpcast_csum_* use. */
static __always_inline __u16 csum_fold_words(__u64 sum)
{
	sum = (sum & 0xffffffff) + (sum >> 32);
	sum = (sum & 0xffffffff) + (sum >> 32);
	return bpf_ntohs(xdpcast_csum_fold(sum));
}

/* Which way frame_copy copies. */
enum frame_copy_way { FROM_FRAME, TO_FRAME };

static __always_inline void frame_copy_word(__u8 *frame_word, void *mem_word, enum frame_copy_way way)
{
	if (way == TO_FRAME)
		*(__u64 *)frame_word = *(const __u64 *)mem_word;
	else
		*(__u64 *)mem_word = *(const __u64 *)frame_word;
}

/*
 * Copies `len` bytes between the frame at `at` and `mem` through the
 * packet pointer, 8 at a time, the last word ending at the last byte (it
 * may overlap the one before, so nothing past the span is touched): no
 * helper call, and each one costs more than the copy of an answer. The
 * helper copies when the span is not in the frame's linear part, is
 * shorter than a word, or is past the caller's bounds (at_max, len_max:
 * what the verifier needs to know of at and of len - 8; constants once
 * inlined). Returns 0 when copied.
 */
static __always_inline int frame_copy(struct xdp_md *ctx, __u64 at, __u64 at_max, void *mem, __u64 len,
				      __u64 len_max, enum frame_copy_way way)
{
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	__u8 *frame, *p;

	/* 64-bit, and the barriers put each check on the register used
	 * after it: the verifier needs both bounds of len - 8 and of at. */
	barrier_var(len);
	if (len < 8 || len > len_max)
		goto by_helper;
	barrier_var(at);
	if (at > at_max)
		goto by_helper;
	frame = data + at;
#pragma clang loop unroll(disable)
	for (__u64 i = 0; i < (len_max + 7) / 8; i++) {
		__u64 off = i * 8;

		/* The last word returns: a loop that went on after it would
		 * be walked again by the verifier from every word. */
		if (off + 8 >= len) {
			__u64 last = len - 8;

			barrier_var(last);      /* else clang checks frame + len, then steps back 8 */
			p = frame + last;
			if ((void *)(p + 8) > end)
				goto by_helper;
			frame_copy_word(p, mem + last, way);
			return 0;
		}
		p = frame + off;
		if ((void *)(p + 8) > end)
			goto by_helper;
		frame_copy_word(p, mem + off, way);
	}
by_helper:
	return way == TO_FRAME ? bpf_xdp_store_bytes(ctx, at, mem, len) : bpf_xdp_load_bytes(ctx, at, mem, len);
}

/* The sum of an IPv4 header's 32-bit words up to len (a multiple of 4, at
 * most 60), each read only inside the frame. */
static __always_inline __u64 sum_header_words(const void *start, __u32 len, const void *end)
{
	const __u32 *word = start;
	__u64 sum = 0;

	for (int i = 0; i < 15; i++) {
		if (i * 4 >= len || (const void *)(word + i + 1) > end)
			break;
		sum += word[i];
	}
	return sum;
}

/* IPv4 options that are all NOP up to the end or an EOL: nothing for
 * ip_options_compile() to refuse (record route, timestamps, source routes
 * each have rules of their own). */
static __always_inline int options_are_padding(const __u8 *opt, __u32 len, const void *end)
{
	for (__u32 i = 0; i < 40; i++) {
		if (i >= len || (const void *)(opt + i + 1) > end || opt[i] == 0 /* EOL */)
			return 1;
		if (opt[i] != 1 /* NOP */)
			return 0;
	}
	return 1;
}

/* The sum of both addresses as keys hold them. An IPv4-mapped key adds
 * ::ffff, 0xffff in ones-complement arithmetic: nothing, so one sum serves
 * both families' pseudo headers. */
static __always_inline __u64 sum_addresses(const struct packet *pkt)
{
	const __u32 *src = (const void *)pkt->src.addr, *dst = (const void *)pkt->dst.addr;
	__u64 sum = 0;

#pragma unroll
	for (int i = 0; i < 4; i++)
		sum += (__u64)src[i] + dst[i];
	return sum;
}

static __always_inline int parse_ethernet(struct cursor *c, struct packet *pkt)
{
	struct ethhdr *eth = cursor_pull(c, sizeof(*eth));
	__u16 proto;

	if (!eth)
		return -1;
	proto = bpf_ntohs(eth->h_proto);
	/* The kernel answers a datagram that came in a group frame from its
	 * own MAC; ours, the MACs swapped, would leave from the group's. */
	pkt->kernel_decides = eth->h_dest[0] & 1;

#pragma unroll
	for (int i = 0; i < MAX_VLAN_TAGS; i++) {
		struct vlan_hdr *vlan;

		if (proto != ETH_P_8021Q && proto != ETH_P_8021AD)
			break;
		vlan = cursor_pull(c, sizeof(*vlan));
		if (!vlan)
			return -1;
		proto = bpf_ntohs(vlan->h_vlan_encapsulated_proto);
	}
	pkt->h_proto = proto;
	pkt->l2_len = c->pos - (void *)eth;
	return 0;
}

/* Each IP parser returns where the datagram ends (past it, the frame holds
 * link padding), or -1. */
static __always_inline int parse_ipv4(struct cursor *c, struct packet *pkt)
{
	struct iphdr *ip = cursor_pull(c, sizeof(*ip));
	__u32 hdr_len, total_len;

	if (!ip)
		return -1;
	set_mapped_v4(&pkt->src, ip->saddr);
	set_mapped_v4(&pkt->dst, ip->daddr);
	hdr_len = ip->ihl * 4;
	if (ip->version != 4 || hdr_len < sizeof(*ip) || hdr_len > 60)  /* the bound keeps the verifier's range */
		return -1;
	if (hdr_len > sizeof(*ip) && !cursor_pull(c, hdr_len - sizeof(*ip)))
		return -1;
	pkt->kernel_decides |= !options_are_padding((__u8 *)(ip + 1), hdr_len - sizeof(*ip), c->end);
	/* The whole header sums to 0xffff; the datagram fits the frame (a
	 * longer frame is padding, which the kernel trims). */
	total_len = bpf_ntohs(ip->tot_len);
	if (total_len < hdr_len || (void *)ip + total_len > c->end ||
	    csum_fold_words(sum_header_words(ip, hdr_len, c->end)) != 0xffff)
		return -1;
	pkt->l4_proto = ip->protocol;
	pkt->ip_tos = ip->tos;
	pkt->is_fragment = (bpf_ntohs(ip->frag_off) & (IP_MF | IP_OFFSET)) != 0;
	return pkt->l2_len + total_len;
}

static __always_inline int is_ipv6_ext(__u8 nexthdr)
{
	return nexthdr == IPPROTO_HOPOPTS || nexthdr == IPPROTO_ROUTING ||
	       nexthdr == IPPROTO_DSTOPTS || nexthdr == IPPROTO_FRAGMENT;
}

static __always_inline int parse_ipv6(struct cursor *c, struct packet *pkt)
{
	struct ipv6hdr *ip6 = cursor_pull(c, sizeof(*ip6));
	__u32 payload_len;
	__u8 nexthdr;

	if (!ip6)
		return -1;
	__builtin_memcpy(pkt->src.addr, &ip6->saddr, 16);
	__builtin_memcpy(pkt->dst.addr, &ip6->daddr, 16);
	pkt->src.prefixlen = pkt->dst.prefixlen = 128;
	payload_len = bpf_ntohs(ip6->payload_len);
	if (ip6->version != 6 || (void *)(ip6 + 1) + payload_len > c->end)
		return -1;
	pkt->ip6_flow = *(__be32 *)ip6;
	pkt->on_link = ip6->hop_limit == 255;
	nexthdr = ip6->nexthdr;

	/* Extension headers share the {nexthdr, hdrlen} prefix (fragment's
	 * hdrlen byte is reserved and zero, which gives its 8 bytes too). */
#pragma unroll
	for (int i = 0; i < MAX_IPV6_EXT; i++) {
		struct ipv6_opt_hdr *ext;

		if (!is_ipv6_ext(nexthdr))
			break;
		if (nexthdr == IPPROTO_FRAGMENT)
			pkt->is_fragment = 1;
		else    /* padding limits, option actions, segments left: ip6_parse_tlv() and friends */
			pkt->kernel_decides = 1;
		ext = cursor_pull(c, sizeof(*ext));
		if (!ext || !cursor_pull(c, ext->hdrlen * 8 + 8 - sizeof(*ext)))
			return -1;
		nexthdr = ext->nexthdr;
	}
	/* A chain deeper than that leaves l4_proto an extension header's
	 * number, which no allowlist rule admits (drop_port_policy). */
	pkt->l4_proto = nexthdr;
	return pkt->l2_len + sizeof(*ip6) + payload_len;
}

/* UDP as __udp4_lib_rcv()/__udp6_lib_rcv() take it: a length of at least
 * its header and within the IP datagram (a shorter one is trimmed to). The
 * checksum itself is checked only before answering (check_udp_checksum),
 * where the payload's sum is known. */
static __always_inline int parse_udp(struct cursor *c, struct packet *pkt, void *data, __u32 ip_end)
{
	struct udphdr *udp = cursor_pull(c, sizeof(*udp));
	__u32 len;

	if (!udp)
		return -1;
	len = bpf_ntohs(udp->len);
	if (len < sizeof(*udp) || (void *)udp - data + len > ip_end)
		return -1;
	pkt->sport = udp->source;
	pkt->dport = udp->dest;
	pkt->payload_len = len - sizeof(*udp);
	if (udp->check)
		pkt->l4_sum = IPPROTO_UDP + len + csum_fold_words(sum_addresses(pkt) + *(__u32 *)udp +
								  *((__u32 *)udp + 1));
	return 0;
}

/* A transport header must lie within the IP datagram, as the kernel pulls
 * it after trimming the frame: bytes past it are link padding. */
static __always_inline int parse_transport(struct cursor *c, struct packet *pkt, void *data, __u32 ip_end)
{
	if (c->pos - data > ip_end)
		return -1;      /* extension headers past the datagram */
	if (pkt->l4_proto == IPPROTO_UDP) {
		if (parse_udp(c, pkt, data, ip_end))
			return -1;
	} else if (pkt->l4_proto == IPPROTO_TCP) {
		struct tcphdr *tcp = cursor_pull(c, sizeof(*tcp));

		if (!tcp || c->pos - data > ip_end)
			return -1;
		pkt->sport = tcp->source;
		pkt->dport = tcp->dest;
		pkt->tcp_flags = ((__u8 *)tcp)[13];
	} else if (pkt->l4_proto == IPPROTO_ICMP || pkt->l4_proto == IPPROTO_ICMPV6) {
		__u8 *icmp = cursor_pull(c, 8);   /* the header icmp_rcv() and icmpv6_rcv() pull */

		if (!icmp || c->pos - data > ip_end)
			return -1;
		pkt->icmp_type = icmp[0];
		pkt->icmp_code = icmp[1];
	}
	pkt->payload_off = c->pos - data;
	return 0;
}

static __always_inline enum parse_result parse_packet(struct xdp_md *ctx, struct packet *pkt)
{
	void *data = (void *)(long)ctx->data;
	struct cursor c = { .pos = data, .end = (void *)(long)ctx->data_end };
	int ip_end;

	pkt->len = c.end - c.pos;
	if (parse_ethernet(&c, pkt))
		return PARSE_NOT_IP;
	if (is_ipv4(pkt))
		ip_end = parse_ipv4(&c, pkt);
	else if (pkt->h_proto == ETH_P_IPV6)
		ip_end = parse_ipv6(&c, pkt);
	else
		return PARSE_NOT_IP;
	if (ip_end < 0)  /* the fixed header gave the destination, or nothing did */
		return pkt->dst.prefixlen ? PARSE_BAD_L4 : PARSE_NOT_IP;
	if (pkt->is_fragment)
		return PARSE_OK;  /* no transport header to read; the filter decides */
	return parse_transport(&c, pkt, data, ip_end) ? PARSE_BAD_L4 : PARSE_OK;
}

#endif /* XDPCAST_PARSE_H */
