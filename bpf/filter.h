/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Filters for traffic to our anycast prefixes (docs/ARCHITECTURE.md, "Packet path"):
 * fragments, sources we never accept (blocklist, bogons, our own prefixes),
 * reflected responses of amplification protocols, and the per-prefix
 * protocol/port allowlist with ICMP echo and path MTU messages rate-limited
 * apart.
 */
#ifndef XDPCAST_FILTER_H
#define XDPCAST_FILTER_H

#include "xdpcast.h"
#include "parse.h"
#include "token_bucket.h"
#include "settings.h"
#include "source_screen.h"

#define ICMP_DEST_UNREACH      3
#define ICMP_FRAG_NEEDED       4
#define ICMP_ECHO              8
#define ICMPV6_PKT_TOOBIG      2
#define ICMPV6_ECHO_REQUEST    128
#define ICMPV6_ND_FIRST        133   /* router solicitation .. redirect */
#define ICMPV6_ND_LAST         137

/* Returned by filter_packet when the packet goes on to the next stage. */
#define FILTER_ACCEPT XDPCAST_REASON_MAX

/* Source prefixes we drop: the loader puts the config's blocklist, bogons
 * and our own anycast prefixes here; `xdpcastctl block` adds and removes
 * entries while the program runs. One lookup covers all of them. */
struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, XDPCAST_SOURCE_FILTER_MAX);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct xdpcast_lpm_key);
	__type(value, struct source_filter);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} xdpcast_source_filter SEC(".maps");

/* Buckets every source shares: the userspace budget and ICMP's. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, GLOBAL_BUCKET_MAX);
	__type(key, __u32);
	__type(value, struct rate_bucket);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} xdpcast_global_buckets SEC(".maps");

/*
 * One token from a bucket all CPUs share. The read-modify-write is not
 * atomic: two CPUs racing on one bucket can both take the last token, so a
 * limit may be exceeded by a packet per CPU (and, on the tick's time, by
 * what bucket_clock_ns says).
 */
static __always_inline int global_bucket_take(enum global_bucket which, const struct rate_setting *r,
					      struct packet_clock *now)
{
	__u32 slot = which;
	struct rate_bucket *b;

	if (!r->interval_ns)
		return 1;
	b = bpf_map_lookup_elem(&xdpcast_global_buckets, &slot);
	return !b || token_bucket_take(&b->tat_ns, bucket_clock_ns(r, now), r);
}

/* Kept by userspace with the filter (userspace/lib/source_screen_map.c): most
 * sources match no entry, and their clear bits cost less than the trie. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__uint(map_flags, BPF_F_MMAPABLE);
	__type(key, __u32);
	__type(value, struct source_screen);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} xdpcast_source_screen SEC(".maps");

/* Whether no entry of the source filter can cover the source. */
static __always_inline int screened_out(const struct packet *pkt)
{
	const __u8 *a = pkt->src.addr;
	struct source_screen *screen;
	__u32 zero = 0;

	screen = bpf_map_lookup_elem(&xdpcast_source_screen, &zero);
	if (!screen || screen->ready != SOURCE_SCREEN_LAYOUT)
		return 0;
	if (is_ipv4(pkt))
		return !screen_bit_set(screen->by16[0], screen_prefix(a, 12, 2)) &&
		       !screen_bit_set(screen->hashed, screen_hashed_bit(screen_prefix(a, 12, 3), SCREEN_V4_24));
	/* IPv6 sources in ::/16, where IPv4-mapped keys are, always take the trie. */
	return !screen_bit_set(screen->by16[1], screen_prefix(a, 0, 2)) &&
	       !screen_bit_set(screen->hashed, screen_hashed_bit(screen_prefix(a, 0, 4), SCREEN_V6_32)) &&
	       !screen_bit_set(screen->hashed, screen_v6_48_bit(screen_prefix(a, 0, 6)));
}

/* Sources no host sends from, which the kernel drops whatever the lists
 * say (ip_route_input's martians, ipv6_rcv's checks), so an answer to one
 * would go where the server behind never sends: "this network", loopback,
 * multicast, the limited broadcast; in IPv6 the unspecified address (ND's
 * use of it is taken before) and IPv4-mapped addresses (RFC 4291 section
 * 2.5.5.2), which as a key would pass for the IPv4 source's filter
 * entries, buckets and view. */
static __always_inline int is_martian_source(const struct packet *pkt)
{
	const __u32 *src = (const void *)pkt->src.addr;    /* 4-aligned in the key */
	const __u8 *a = pkt->src.addr;

	if (is_ipv4(pkt))
		return a[12] == 0 || a[12] == 127 || (a[12] & 0xf0) == 224 || src[3] == 0xffffffff;
	if (a[0] == 0xff)
		return 1;
	if (src[0] | src[1])
		return 0;
	return src[2] == bpf_htonl(0xffff) || (!src[2] && (!src[3] || src[3] == bpf_htonl(1)));
}

/* "Fragmentation needed" and "packet too big": what path MTU discovery
 * (RFC 1191, RFC 8201) and so DNS over TCP with large answers rest on. */
static __always_inline int is_path_mtu_message(const struct packet *pkt)
{
	if (pkt->l4_proto == IPPROTO_ICMP)
		return pkt->icmp_type == ICMP_DEST_UNREACH && pkt->icmp_code == ICMP_FRAG_NEEDED;
	return pkt->l4_proto == IPPROTO_ICMPV6 && pkt->icmp_type == ICMPV6_PKT_TOOBIG;
}

/* Private-use and shared address space (RFC 1918, RFC 6598, RFC 4193):
 * bogons as sources of traffic, yet routers on many paths number their
 * links from them, and the errors they send come from those addresses. */
static __always_inline int is_private_use_source(const struct packet *pkt)
{
	const __u8 *a = pkt->src.addr;

	if (!is_ipv4(pkt))
		return (a[0] & 0xfe) == 0xfc;
	return a[12] == 10 || (a[12] == 172 && (a[13] & 0xf0) == 16) || (a[12] == 192 && a[13] == 168) ||
	       (a[12] == 100 && (a[13] & 0xc0) == 64);
}

static __always_inline enum xdpcast_reason source_verdict(const struct packet *pkt)
{
	const struct source_filter *f;

	if (is_martian_source(pkt))
		return XDPCAST_drop_bogon_source;
	if (screened_out(pkt))
		return FILTER_ACCEPT;
	f = bpf_map_lookup_elem(&xdpcast_source_filter, &pkt->src);
	if (!f)
		return FILTER_ACCEPT;
	switch (f->kind) {
	case SOURCE_BLOCKED:
	case SOURCE_BLOCKED_LIVE:
	case SOURCE_BLOCKED_BOTH:
		return XDPCAST_drop_blocklist;
	case SOURCE_BOGON:
		/* Dropping a router's "packet too big" would black-hole every
		 * large answer over TCP through it: its own bucket limits these. */
		if (is_path_mtu_message(pkt) && is_private_use_source(pkt))
			return FILTER_ACCEPT;
		return XDPCAST_drop_bogon_source;
	case SOURCE_OWN_PREFIX:
		return XDPCAST_drop_bogon_source;
	default:
		return FILTER_ACCEPT;
	}
}

/* UDP from the service port of a protocol that amplifies, to anything but
 * our DNS port: the reply half of a reflection attack. (DNS responses sent
 * to port 53 are caught when the header is read: QR=1.) */
static __always_inline int is_reflection(const struct packet *pkt)
{
	if (pkt->l4_proto != IPPROTO_UDP || pkt->dport == bpf_htons(XDPCAST_DNS_PORT))
		return 0;
	switch (bpf_ntohs(pkt->sport)) {
	case 17:    /* qotd */
	case 19:    /* chargen */
	case 53:    /* DNS */
	case 111:   /* portmap */
	case 123:   /* NTP */
	case 137:   /* NetBIOS */
	case 161:   /* SNMP */
	case 389:   /* CLDAP */
	case 1900:  /* SSDP */
	case 3702:  /* WS-Discovery */
	case 5353:  /* mDNS */
	case 11211: /* memcached */
		return 1;
	default:
		return 0;
	}
}

static __always_inline int is_icmp(const struct packet *pkt)
{
	return pkt->l4_proto == IPPROTO_ICMP || pkt->l4_proto == IPPROTO_ICMPV6;
}

/* The ICMP messages an anycast DNS service needs: echo, and the ones path
 * MTU discovery depends on. */
static __always_inline int is_wanted_icmp(const struct packet *pkt)
{
	return pkt->icmp_type == (pkt->l4_proto == IPPROTO_ICMP ? ICMP_ECHO : ICMPV6_ECHO_REQUEST) ||
	       is_path_mtu_message(pkt);
}

/* Each kind of admitted ICMP has a bucket of its own. */
static __always_inline int icmp_bucket_take(const struct packet *pkt, const struct xdpcast_settings *set,
					    struct packet_clock *now)
{
	if (is_path_mtu_message(pkt))
		return global_bucket_take(GLOBAL_PATH_MTU, &set->path_mtu, now);
	return global_bucket_take(GLOBAL_ICMP, &set->icmp, now);
}

/* Neighbour discovery reaches our addresses from link-local sources (a
 * router checking we are still there): it must never be filtered, limited
 * or refused for the pass budget, or a flood of anything else costs the
 * router our address. ndisc_rcv() takes it only with hop limit 255, which
 * no router forwards, and code 0: from farther away the same types are
 * ICMPv6 like any other, which the lists and the allowlist judge (else a
 * blocked or spoofed source would pass them by naming an ND type). */
static __always_inline int is_neighbour_discovery(const struct packet *pkt)
{
	return pkt->l4_proto == IPPROTO_ICMPV6 && pkt->on_link && pkt->icmp_code == 0 &&
	       pkt->icmp_type >= ICMPV6_ND_FIRST && pkt->icmp_type <= ICMPV6_ND_LAST;
}

static __always_inline int port_allowed(const struct packet *pkt, const struct protected_prefix *scope)
{
	__u16 dport = bpf_ntohs(pkt->dport);

#pragma unroll
	for (int i = 0; i < XDPCAST_ALLOW_MAX; i++) {
		const struct port_rule *rule = &scope->allow[i];

		if (i >= scope->rule_count)
			return 0;
		if (rule->proto != pkt->l4_proto)
			continue;
		if (is_icmp(pkt))
			return is_wanted_icmp(pkt);
		if (xdpcast_rule_admits_port(rule, dport))
			return 1;
	}
	return 0;
}

static __always_inline enum xdpcast_reason filter_packet(const struct packet *pkt,
							 const struct protected_prefix *scope,
							 const struct xdpcast_settings *set, struct packet_clock *now)
{
	enum xdpcast_reason reason;

	if (pkt->is_fragment)
		return XDPCAST_drop_fragment;
	if (is_neighbour_discovery(pkt))
		return FILTER_ACCEPT;
	reason = pkt->probe ? FILTER_ACCEPT : source_verdict(pkt);
	if (reason != FILTER_ACCEPT)
		return reason;
	if (is_reflection(pkt))
		return XDPCAST_drop_reflection;
	if (!port_allowed(pkt, scope))
		return XDPCAST_drop_port_policy;
	if (is_icmp(pkt) && !icmp_bucket_take(pkt, set, now))
		return XDPCAST_drop_rate_limited;
	return FILTER_ACCEPT;
}

#endif /* XDPCAST_FILTER_H */
