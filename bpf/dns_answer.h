/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Answering from the cache: find the entry, pick how much of it fits the
 * client's limit, build the response head (L2, IP, UDP, DNS header) around
 * the question already sitting in scratch, make room in the frame, write.
 *
 * The response is written from offset 0 to its last byte, so it does not
 * matter whether the room came from the tail or from the head: the frame's
 * old bytes are never read after the resize.
 */
#ifndef XDPCAST_DNS_ANSWER_H
#define XDPCAST_DNS_ANSWER_H

#include "xdpcast.h"
#include "parse.h"
#include "dns_query.h"

#define RESPONSE_TTL 64
#define EDNS_BADVERS_EXT_RCODE 1   /* BADVERS (16) >> 4 */

/* The NSID this PoP sends (RFC 5001): its name, written by the loader. */
const volatile __u8 nsid[XDPCAST_NSID_MAX] = {};
const volatile __u32 nsid_len = 0;

/* One generation of the answer cache. The loader creates each generation
 * with this layout, sized to the zones it holds. */
struct answer_cache {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct answer_key);
	__type(value, struct answer_entry);
} xdpcast_empty SEC(".maps");

/* Slot 0 holds the current generation (docs/ARCHITECTURE.md, "Maps"); it starts as
 * the empty one above, so every query is a miss until zones are loaded. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, 1);
	__type(key, __u32);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
	__array(values, struct answer_cache);
} xdpcast_answer_gen SEC(".maps") = {
	.values = { [0] = &xdpcast_empty },
};

struct name_compare {
	const __u8 *stored;
	const __u8 *query;
	__u32 query_off;        /* where the name starts in query[] */
	__u32 len;
	__u32 differs;
};

static long name_compare_step(__u64 i, void *ctx)
{
	struct name_compare *c = ctx;

	if (i >= c->len)
		return 1;
	if (c->stored[i & XDPCAST_NAME_MAX] != c->query[(c->query_off + i) & XDPCAST_NAME_MAX]) {
		c->differs = 1;
		return 1;
	}
	return 0;
}

/* The wire-format label that starts the name of a wildcard's entries. */
#define WILDCARD_LABEL_LEN 2

/*
 * The entry for the qname's suffix from name_off (with "*." in front for a
 * wildcard), verified against the full name stored in it: a hash hit on
 * another name is a miss.
 */
static __always_inline const struct answer_entry *lookup_entry(void *cache, const struct scratch *s,
							       const struct dns_query *q, __u64 hash,
							       __u16 match, __u32 name_off, int wildcard)
{
	struct answer_key key = {
		.name_hash = hash,
		.qtype = match == ANSWER_MATCH_TYPE ? q->qtype : 0,
		.qclass = q->qclass,
		.view = q->view,
		.match = match,
	};
	__u32 prefix = wildcard ? WILDCARD_LABEL_LEN : 0;
	struct name_compare cmp = {
		.query = s->name,
		.query_off = name_off,
		.len = q->qname_len - name_off,
	};
	const struct answer_entry *e = bpf_map_lookup_elem(cache, &key);

	if (!e || e->name_len != prefix + cmp.len)
		return NULL;
	if (wildcard && (e->name[0] != 1 || e->name[1] != '*'))
		return NULL;
	cmp.stored = e->name + prefix;
	bpf_loop(XDPCAST_NAME_MAX, name_compare_step, &cmp, 0);
	if (cmp.differs)
		return NULL;
	/* A DO=1 query to a signed zone takes the variant with RRSIGs, where
	 * there is one (same name, verified above); else the caller passes. */
	if (q->dnssec_ok && (e->entry_flags & ANSWER_SIGNED)) {
		const struct answer_entry *signed_e;

		key.dnssec_ok = 1;
		signed_e = bpf_map_lookup_elem(cache, &key);
		if (signed_e)
			return signed_e;
	}
	return e;
}

/* RFC 4592: below closest encloser k, the wildcard "*.<encloser>" answers,
 * its entries written with the answer's owner as the question itself. */
static __always_inline const struct answer_entry *find_wildcard(void *cache, const struct scratch *s,
								const struct dns_query *q, __u32 k)
{
	__u64 chain = xdpcast_name_hash_chain(s->suffix_chain[k & LABEL_MASK],
					      xdpcast_wildcard_label_hash());
	__u64 hash = xdpcast_name_hash_final(chain);
	__u32 off = s->label_off[k & LABEL_MASK];
	const struct answer_entry *e;

	e = lookup_entry(cache, s, q, hash, ANSWER_MATCH_TYPE, off, 1);
	return e ? e : lookup_entry(cache, s, q, hash, ANSWER_MATCH_OTHER, off, 1);
}

/*
 * The entry that answers the query in the query's view: its name and type; else the name's
 * OTHER entry (NODATA, a CNAME chain, or a referral at a delegation); else
 * the BELOW entry of the closest existing ancestor (NXDOMAIN, a referral
 * under a delegation, or its wildcard child's entries). NULL when no zone
 * of ours holds the name.
 */
struct encloser_walk {
	void *cache;
	const struct scratch *s;
	const struct dns_query *q;
	const struct answer_entry *found;
	__u32 level;            /* labels stripped from the qname to find it */
};

/* One ancestor, nearest first: its BELOW entry, if it has one. */
static long encloser_step(__u64 i, void *ctx)
{
	struct encloser_walk *w = ctx;
	__u32 k = i + 1;

	if (k >= w->q->labels)
		return 1;
	w->found = lookup_entry(w->cache, w->s, w->q, w->s->suffix_key[k & LABEL_MASK],
				ANSWER_MATCH_BELOW, w->s->label_off[k & LABEL_MASK], 0);
	w->level = k;
	return w->found ? 1 : 0;
}

static __always_inline const struct answer_entry *find_in_view(void *cache, const struct scratch *s,
							       const struct dns_query *q)
{
	struct encloser_walk walk = { .cache = cache, .s = s, .q = q };
	const struct answer_entry *e;

	e = lookup_entry(cache, s, q, q->name_hash, ANSWER_MATCH_TYPE, 0, 0);
	if (!e)
		e = lookup_entry(cache, s, q, q->name_hash, ANSWER_MATCH_OTHER, 0, 0);
	if (e)
		return e;
	/* A callback: the verifier checks the walk once, not per ancestor. */
	bpf_loop(XDPCAST_LABELS_MAX - 1, encloser_step, &walk, 0);
	e = walk.found;
	if (e && (e->entry_flags & ANSWER_WILDCARD))
		return find_wildcard(cache, s, q, walk.level);
	return e;
}

/* A view answers for the zones it loads; for any other name, the default
 * view does. */
static __always_inline const struct answer_entry *find_answer(const struct scratch *s,
							      struct dns_query *q)
{
	const struct answer_entry *e;
	__u32 zero = 0;
	void *cache;

	cache = bpf_map_lookup_elem(&xdpcast_answer_gen, &zero);
	if (!cache)
		return NULL;
	e = find_in_view(cache, s, q);
	if (!e && q->view) {
		q->view = 0;
		e = find_in_view(cache, s, q);
	}
	return e;
}

/* Sum of a run of bytes that the program itself writes at `offset`. Not
 * unrolled: clang would load every byte first and spill them. */
static __always_inline __u32 csum_bytes(__u32 sum, const __u8 *p, __u32 len, __u32 offset)
{
#pragma clang loop unroll(disable)
	for (__u32 i = 0; i < len; i++)
		sum = xdpcast_csum_add_byte(sum, p[i], offset + i);
	return sum;
}

static __always_inline __u16 csum_finish(__u32 sum)
{
	return ~xdpcast_csum_fold(sum);
}

/* Ethernet: the query's header and VLAN tags with the MACs swapped. */
static __always_inline int build_l2(struct xdp_md *ctx, const struct packet *pkt, struct scratch *s)
{
	__u8 mac[ETH_ALEN];
	__u64 l2_len = pkt->l2_len;

	/* Barriers keep clang from merging the two compares into one range
	 * test that the verifier cannot turn into bounds. */
	barrier_var(l2_len);
	if (l2_len > 14 + 4 * MAX_VLAN_TAGS)
		return -1;
	barrier_var(l2_len);
	if (l2_len < sizeof(struct ethhdr))
		return -1;
	if (bpf_xdp_load_bytes(ctx, 0, s->buf, l2_len))
		return -1;
	__builtin_memcpy(mac, s->buf, ETH_ALEN);
	__builtin_memcpy(s->buf, s->buf + ETH_ALEN, ETH_ALEN);
	__builtin_memcpy(s->buf + ETH_ALEN, mac, ETH_ALEN);
	return 0;
}

/* IP header of the response, without options or extension headers.
 * Returns the pseudo-header sum for the UDP checksum. */
static __always_inline __u32 build_ip(const struct packet *pkt, struct scratch *s, __u32 udp_len)
{
	__u32 off = pkt->l2_len & 31;
	__u32 sum = IPPROTO_UDP + udp_len;

	if (pkt->h_proto == ETH_P_IP) {
		struct iphdr *ip = (void *)(s->buf + off);

		ip->version = 4;
		ip->ihl = 5;
		ip->tos = pkt->ip_tos;
		ip->tot_len = bpf_htons(sizeof(*ip) + udp_len);
		ip->id = 0;
		ip->frag_off = bpf_htons(0x4000);       /* DF: answers fit 1280 */
		ip->ttl = RESPONSE_TTL;
		ip->protocol = IPPROTO_UDP;
		ip->check = 0;
		__builtin_memcpy(&ip->saddr, &pkt->dst.addr[12], 4);
		__builtin_memcpy(&ip->daddr, &pkt->src.addr[12], 4);
		ip->check = bpf_htons(csum_finish(csum_bytes(0, (__u8 *)ip, sizeof(*ip), 0)));
		sum = csum_bytes(sum, &pkt->dst.addr[12], 4, 0);
		return csum_bytes(sum, &pkt->src.addr[12], 4, 0);
	} else {
		struct ipv6hdr *ip6 = (void *)(s->buf + off);

		*(__be32 *)ip6 = pkt->ip6_flow;
		ip6->payload_len = bpf_htons(udp_len);
		ip6->nexthdr = IPPROTO_UDP;
		ip6->hop_limit = RESPONSE_TTL;
		__builtin_memcpy(&ip6->saddr, pkt->dst.addr, 16);
		__builtin_memcpy(&ip6->daddr, pkt->src.addr, 16);
		sum = csum_bytes(sum, pkt->dst.addr, 16, 0);
		return csum_bytes(sum, pkt->src.addr, 16, 0);
	}
}

/* The response's OPT record in s->opt, when the query had one: our UDP
 * size, the DO bit echoed, NSID if asked for (neither with an error in
 * ext_rcode), an Extended DNS Error if ede is not 0, our COOKIE if the
 * query brought one. Returns its length. */
static __always_inline __u32 build_opt(struct scratch *s, const struct dns_query *q, __u8 ext_rcode,
				       __u16 ede)
{
	__u8 *opt = s->opt;
	__u32 rdlen = 0, len = nsid_len;

	if (!q->has_opt)
		return 0;
	__builtin_memset(opt, 0, sizeof(s->opt));  /* opt_csum sums the whole buffer */
	if (q->wants_nsid && !ext_rcode && len) {
		opt[DNS_OPT_LEN] = 0;
		opt[DNS_OPT_LEN + 1] = EDNS_OPTION_NSID;
		opt[DNS_OPT_LEN + 2] = 0;
		opt[DNS_OPT_LEN + 3] = len;
		for (__u32 i = 0; i < XDPCAST_NSID_MAX && i < len; i++)
			opt[DNS_OPT_LEN + 4 + i] = nsid[i];
		rdlen = 4 + len;
	}
	if (rdlen > 4 + XDPCAST_NSID_MAX)
		return 0;
	if (ede) {
		__u8 *option = opt + DNS_OPT_LEN + rdlen;

		option[0] = 0;
		option[1] = EDNS_OPTION_EDE;
		option[2] = 0;
		option[3] = 2;
		option[4] = ede >> 8;
		option[5] = ede & 0xff;
		rdlen += 6;
	}
	if (q->send_cookie && !ext_rcode) {
		__u8 *option = opt + DNS_OPT_LEN + rdlen;

		option[0] = 0;
		option[1] = EDNS_OPTION_COOKIE;
		option[2] = 0;
		option[3] = sizeof(s->cookie_out);
		__builtin_memcpy(option + 4, s->cookie_out, sizeof(s->cookie_out));
		rdlen += 4 + sizeof(s->cookie_out);
	}
	opt[0] = 0;                                     /* root owner */
	opt[1] = 0;
	opt[2] = DNS_TYPE_OPT;
	opt[3] = XDPCAST_EDNS_UDP_SIZE >> 8;
	opt[4] = XDPCAST_EDNS_UDP_SIZE & 0xff;
	opt[5] = ext_rcode;
	opt[6] = 0;                                     /* version */
	opt[7] = q->dnssec_ok && !ext_rcode ? 0x80 : 0;    /* NSD: no DO with BADVERS */
	opt[8] = 0;
	opt[9] = rdlen >> 8;
	opt[10] = rdlen & 0xff;
	return DNS_OPT_LEN + rdlen;
}

/* The even-aligned sum of the OPT record: of the whole buffer, which is
 * zero past the record, so the loop has a constant bound and no branches.
 * Not unrolled: clang would load every word first and spill them. */
static __always_inline __u16 opt_csum(const struct scratch *s)
{
	__u32 sum = 0;

#pragma clang loop unroll(disable)
	for (__u32 i = 0; i + 1 < sizeof(s->opt); i += 2)
		sum += (__u32)s->opt[i] << 8 | s->opt[i + 1];
	if (sizeof(s->opt) & 1)
		sum += (__u32)s->opt[sizeof(s->opt) - 1] << 8;
	return xdpcast_csum_fold(sum);
}

/* The largest cut of the entry that fits, or NULL when only TC=1 does. */
static __always_inline const struct answer_cut *fit_answer(const struct answer_entry *e, __u32 fixed,
							   __u32 limit)
{
#pragma unroll
	for (int level = ANSWER_CUT_FULL; level >= ANSWER_CUT_ANSWER; level--)
		if (fixed + e->cut[level].len <= limit)
			return &e->cut[level];
	return NULL;
}

/*
 * Writes the response to the query: the entry's sections that fit (none,
 * with TC=1, when q->slip asks for RRL's truncated reply), or for e NULL the
 * BADVERS response to an EDNS version we do not speak (RFC 6891 section
 * 6.1.3: no sections, the extended RCODE in our OPT record).
 */
static __always_inline enum xdpcast_reason write_response(struct xdp_md *ctx, const struct packet *pkt,
							  struct scratch *s, const struct dns_query *q,
							  const struct answer_entry *e)
{
	__u64 opt_len = e ? build_opt(s, q, 0, e->ede) : build_opt(s, q, EDNS_BADVERS_EXT_RCODE, 0);
	__u32 fixed = DNS_HEADER_LEN + q->question_len + opt_len;
	const struct answer_cut *cut = NULL;
	struct answer_cut truncated = {};
	enum xdpcast_reason reason = e ? e->reason : XDPCAST_dns_badvers;
	__u16 flags = (e ? e->header_flags : DNS_FLAG_QR) | (q->flags & DNS_FLAG_RD);
	/* The verifier bounds a helper's size argument only when the compare
	 * and the call use the same 64-bit register: see barrier_var below. */
	__u64 data_len, head_len, out_len;
	__u32 dns_off = q->dns_off, udp_len, sum;
	__u8 *dns = s->buf + (dns_off & 127);
	struct udphdr *udp = (void *)(s->buf + ((dns_off - sizeof(*udp)) & 127));
	int delta;

	if (e && q->slip) {
		flags |= DNS_FLAG_TC;
		reason = XDPCAST_rrl_slip;
	} else if (e) {
		cut = fit_answer(e, fixed, q->udp_limit);
		if (!cut) {
			if (e->entry_flags & ANSWER_NO_TRUNCATE)
				return XDPCAST_dns_pass_other;
			flags |= DNS_FLAG_TC;
			reason = XDPCAST_dns_truncated;
		}
	}
	if (!cut)
		cut = &truncated;
	data_len = cut->len;
	if (data_len > XDPCAST_ANSWER_MAX)
		return XDPCAST_dns_pass_other;
	udp_len = sizeof(*udp) + fixed + data_len;
	head_len = dns_off + DNS_HEADER_LEN + q->question_len;
	barrier_var(head_len);  /* one register for the bound check and the helper */
	out_len = head_len + data_len + opt_len;

	if (build_l2(ctx, pkt, s))
		return XDPCAST_dns_pass_other;
	sum = build_ip(pkt, s, udp_len);

	udp->source = pkt->dport;
	udp->dest = pkt->sport;
	udp->len = bpf_htons(udp_len);
	udp->check = 0;
	sum = csum_bytes(sum, (__u8 *)udp, sizeof(*udp), 0);

	dns[2] = flags >> 8;
	dns[3] = flags & 0xff;
	dns[6] = cut->ancount >> 8;
	dns[7] = cut->ancount & 0xff;
	dns[8] = cut->nscount >> 8;
	dns[9] = cut->nscount & 0xff;
	dns[10] = (cut->arcount + !!opt_len) >> 8;
	dns[11] = (cut->arcount + !!opt_len) & 0xff;
	sum = csum_bytes(sum, dns, DNS_HEADER_LEN, 0);
	sum += q->question_sum;
	sum += xdpcast_csum_at(cut->csum, DNS_HEADER_LEN + q->question_len);
	barrier_var(opt_len);
	if (opt_len > sizeof(s->opt))
		return XDPCAST_dns_pass_other;
	if (opt_len)
		sum += xdpcast_csum_at(opt_csum(s), DNS_HEADER_LEN + q->question_len + data_len);
	udp->check = bpf_htons(csum_finish(sum) ?: 0xffff);

	delta = (int)out_len - (int)pkt->len;
	if (delta > 0) {
		if (bpf_xdp_adjust_tail(ctx, delta) && bpf_xdp_adjust_head(ctx, -delta))
			return XDPCAST_dns_pass_no_room;
	} else if (delta < 0 && bpf_xdp_adjust_tail(ctx, delta)) {
		return XDPCAST_dns_pass_other;
	}

	/* From here the frame has the response's length: it must be written whole. */
	if (!head_len || head_len > SCRATCH_SIZE ||
	    bpf_xdp_store_bytes(ctx, 0, s->buf, head_len) ||
	    (e && data_len && bpf_xdp_store_bytes(ctx, head_len, (void *)e->data, data_len)) ||
	    (opt_len && bpf_xdp_store_bytes(ctx, head_len + data_len, s->opt, opt_len)))
		return XDPCAST_drop_malformed;
	return reason;
}

/*
 * A global function, so the verifier checks the response writer once rather
 * than once for every way the pipeline can reach it. Its pointers may be
 * NULL as far as the verifier knows. Returns an enum xdpcast_reason.
 */
__noinline int answer_query(struct xdp_md *ctx, const struct packet *pkt, struct scratch *s,
			    const struct dns_query *q, const struct answer_entry *e)
{
	if (!pkt || !s || !q)
		return XDPCAST_dns_pass_other;
	return write_response(ctx, pkt, s, q, e);
}

#endif /* XDPCAST_DNS_ANSWER_H */
