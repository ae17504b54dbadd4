/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Answering from the cache: find the name's record (or its closest
 * encloser's), pick the answer, pick how much of it fits the client's
 * limit, make room in the frame, write the response head (L2, IP, UDP,
 * DNS header) around the question, the answer's head and its tail from the
 * blob, and complete the tail's relative compression pointers.
 *
 * The response is written from offset 0 to its last byte. Grown (or cut)
 * at the tail, the frame keeps the query's L2 header and question where
 * the response has them, and the rest is rewritten in place; grown at the
 * head, its old bytes are never read after the resize: the head is built
 * in scratch around the question read there, and written whole.
 */
#ifndef XDPCAST_DNS_ANSWER_H
#define XDPCAST_DNS_ANSWER_H

#include "xdpcast.h"
#include "parse.h"
#include "dns_query.h"

#define RESPONSE_TTL 64
#define WILDCARD_LABEL_LEN 2       /* "\1*", the label that starts a wildcard's name */
#define EDNS_BADVERS_EXT_RCODE 1   /* BADVERS (16) >> 4 */
#define BLOB_OFFSET_MASK (XDPCAST_BLOB_PAGE_SIZE - 1)
#define NAME_ROOM_MASK 511      /* bounds a record's name, wildcard label included */
#define TYPES_ROOM_MASK 1023    /* bounds a record's type entries */

_Static_assert(XDPCAST_RECORD_NAME_OFF + WILDCARD_LABEL_LEN + XDPCAST_NAME_MAX + 8 <= NAME_ROOM_MASK + 1 &&
	       NAME_ROOM_MASK + 8 <= XDPCAST_BLOB_RECORD_MAX, "a name compare reads past the record room");
_Static_assert(XDPCAST_RECORD_NAME_OFF + XDPCAST_NAME_MAX + 1 + XDPCAST_TYPES_MAX * sizeof(struct type_entry) <=
	       TYPES_ROOM_MASK + 1 && TYPES_ROOM_MASK + sizeof(struct type_entry) <= XDPCAST_BLOB_RECORD_MAX,
	       "type entries reach past the record room");
_Static_assert(sizeof(struct answer_record) + XDPCAST_ANSWER_MAX <= XDPCAST_BLOB_RECORD_MAX &&
	       sizeof(struct tail_record) + XDPCAST_ANSWER_MAX + 2 <= XDPCAST_BLOB_RECORD_MAX,
	       "an answer's bytes reach past the record room");

/* The NSID this PoP sends (RFC 5001): its name, written by the loader. */
const volatile __u8 nsid[XDPCAST_NSID_MAX] = {};
const volatile __u32 nsid_len = 0;

/* One generation of the names: a table of lines (struct name_line). The
 * loader creates each generation with this layout (and its BTF), sized to
 * the zones it holds; BPF_F_INNER_MAP lets the sizes differ, and the
 * program reads the size from the map itself. This one's line is free:
 * every name a miss. */
struct names_map {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__uint(map_flags, BPF_F_MMAPABLE | BPF_F_INNER_MAP);
	__type(key, __u32);
	__type(value, struct name_line);
} xdpcast_empty SEC(".maps");

/* Slot 0 holds the current generation (docs/ARCHITECTURE.md, "Maps"); it starts as
 * the empty one above, so every query is a miss until zones are loaded. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, 1);
	__type(key, __u32);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
	__array(values, struct names_map);
} xdpcast_answer_gen SEC(".maps") = {
	.values = { [0] = &xdpcast_empty },
};

/* The layout of every page of the blob; the loader creates the pages. */
struct blob_page_map {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__uint(map_flags, BPF_F_MMAPABLE);
	__type(key, __u32);
	__type(value, struct blob_page);
} xdpcast_blob_page SEC(".maps");

/* The pages of the blob, by page number of a blob address. The loader
 * sizes it to its memory cap. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, XDPCAST_BLOB_PAGES_MAX);
	__type(key, __u32);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
	__array(values, struct blob_page_map);
} xdpcast_blob SEC(".maps");

/* The page an address lies in, or NULL. Both lookups are inlined arrays. */
static __always_inline const struct blob_page *blob_page_at(__u32 address)
{
	__u32 page = xdpcast_address_page(address), zero = 0;
	void *inner = bpf_map_lookup_elem(&xdpcast_blob, &page);

	return inner ? bpf_map_lookup_elem(inner, &zero) : NULL;
}

/* A name's record found in the blob. */
struct name_hit {
	const struct blob_page *page;
	__u32 record;           /* offset of the struct name_record in page */
	__u64 hash;             /* its key's name hash: what RRL counts under */
};

enum name_lookup {
	NAME_MISS,              /* no key: the name is not ours */
	NAME_FOUND,
	NAME_PASS,              /* userspace answers: a claimed key, or a hash hit on another name */
};

/*
 * Whether `len` bytes of the stored name (from `skip` bytes into the name
 * of the record at `record`) equal s->name from `query_off`: eight bytes
 * at a time, the stored name zero-padded to 8, the query's bytes past the
 * end masked off (little-endian loads). Unrolled: each step either ends
 * the compare or goes on, so the verifier's states stay few.
 */
static __always_inline int name_differs(const struct blob_page *page, __u32 record, __u32 skip,
					const struct scratch *s, __u32 query_off, __u32 len)
{
#pragma unroll
	for (int i = 0; i < (XDPCAST_NAME_MAX + 1) / 8; i++) {
		__u64 stored, query, mask = ~0ULL;
		__u32 at = i * 8;

		if (at >= len)
			return 0;
		stored = *(const __u64 *)(page->bytes + (record & BLOB_OFFSET_MASK) +
					  ((XDPCAST_RECORD_NAME_OFF + skip + at) & NAME_ROOM_MASK));
		query = *(const __u64 *)(s->name + ((query_off + at) & XDPCAST_NAME_MAX));
		if (len - at < 8)
			mask = (1ULL << ((len - at) * 8)) - 1;
		if ((stored ^ query) & mask)
			return 1;
	}
	return 0;
}

#define NAMES_LINE_FREE  (1ULL << 32)   /* a free slot: the key is not there */
#define NAMES_LINE_FOUND (1ULL << 33)   /* | the record address */

/*
 * A line's word on a key: NAMES_LINE_FOUND with its record, NAMES_LINE_FREE,
 * or 0 (go on to the next line). The order of the two loads matters
 * (struct name_slot). A function of its own, so the verifier walks its
 * branches once, not once per line of every lookup.
 */
__noinline __u64 names_line_find(const struct name_line *l, __u64 hash, __u32 class_view)
{
	if (!l)
		return 0;
#pragma unroll
	for (int k = 0; k < XDPCAST_NAME_LINE_SLOTS; k++) {
		__u64 slot_hash = *(volatile const __u64 *)&l->slot[k].name_hash;
		__u64 word = *(volatile const __u64 *)&l->slot[k].qclass;

		if (slot_hash == hash && (__u32)word == class_view)
			return NAMES_LINE_FOUND | word >> 32;
		if (!slot_hash && !(__u16)word)
			return NAMES_LINE_FREE;
	}
	return 0;
}

/* The record address a key leads to: NAME_FOUND, NAME_MISS at a free
 * slot, NAME_PASS after the last line the key may take. */
static __always_inline enum name_lookup find_key(void *names, __u64 hash, __u16 qclass, __u16 view,
						 __u32 *record)
{
	__u32 lines = ((const struct bpf_map *)names)->max_entries;
	struct names_probe at = xdpcast_names_probe(hash, qclass, view, lines);
	__u32 class_view = (__u32)view << 16 | qclass, line = at.line;

	for (int i = 0; i < XDPCAST_NAMES_PROBE_LINES; i++) {
		__u64 found = names_line_find(bpf_map_lookup_elem(names, &line), hash, class_view);

		if (found & NAMES_LINE_FOUND) {
			*record = (__u32)found;
			return NAME_FOUND;
		}
		if (found)
			return NAME_MISS;
		line = xdpcast_names_next(line, at.step, lines);
	}
	return NAME_PASS;
}

/*
 * The record of the qname's suffix from name_off (with "*." in front for a
 * wildcard), verified against the full name stored in it. A key whose
 * record holds another name is a 64-bit hash collision, or a key being
 * replaced while we read it: not a miss (that would make an NXDOMAIN of a
 * name that exists) but a pass.
 */
static __always_inline enum name_lookup lookup_name(void *names, const struct scratch *s,
						    const struct dns_query *q, __u64 hash, __u32 name_off,
						    int wildcard, struct name_hit *hit)
{
	__u32 prefix = wildcard ? WILDCARD_LABEL_LEN : 0, len = q->qname_len - name_off;
	const struct blob_page *page;
	const struct name_record *r;
	enum name_lookup found;
	__u32 address, offset;

	found = find_key(names, hash, q->qclass, q->view, &address);
	if (found != NAME_FOUND)
		return found;
	page = blob_page_at(address);
	if (!address || !page)
		return NAME_PASS;
	offset = xdpcast_address_offset(address);
	r = (const void *)(page->bytes + offset);
	if (r->name_len != prefix + len)
		return NAME_PASS;
	if (wildcard && (page->bytes[offset + XDPCAST_RECORD_NAME_OFF] != 1 ||
			 page->bytes[offset + XDPCAST_RECORD_NAME_OFF + 1] != '*'))
		return NAME_PASS;
	if (name_differs(page, offset, prefix, s, name_off, len))
		return NAME_PASS;
	hit->page = page;
	hit->record = offset;
	hit->hash = hash;
	return NAME_FOUND;
}

enum find_result {
	FIND_ANSWER,
	FIND_MISS,              /* no name of the view's zones: try the default view */
	FIND_PASS,              /* ours, but userspace answers (dns_pass_miss) */
	FIND_PASS_DNSSEC,       /* DO=1 to a signed zone without a DNSSEC variant (dns_pass_dnssec) */
};

struct type_search {
	const struct blob_page *page;
	__u32 record;           /* offset of the name's record in page */
	__u32 types;            /* offset of its first type entry in the record */
	__u32 count;
	__u32 qtype;
	__u32 answer;           /* the DO=0 entry's answer, when found */
	__u32 dnssec;           /* the DO=1 variant's */
};

static __always_inline long type_search_step(__u32 i, struct type_search *t)
{
	const struct type_entry *e;

	if (i >= t->count)
		return 1;
	e = (const void *)(t->page->bytes + (t->record & BLOB_OFFSET_MASK) +
			   ((t->types + i * sizeof(*e)) & TYPES_ROOM_MASK));
	if (e->qtype < t->qtype)
		return 0;
	if (e->qtype > t->qtype)
		return 1;
	if (e->dnssec_ok)
		t->dnssec = e->answer;
	else
		t->answer = e->answer;
	return 0;
}

/* DO=1 queries to a signed zone take the DNSSEC variant, where there is
 * one (with its proofs of denial); else userspace answers. */
static __always_inline enum find_result choose(const struct dns_query *q, const struct name_record *r,
					       __u32 answer, __u32 dnssec, const struct name_hit *hit,
					       struct cached_answer *out)
{
	if (q->dnssec_ok && (r->flags & NAME_SIGNED)) {
		if (!dnssec)
			return answer ? FIND_PASS_DNSSEC : FIND_PASS;
		answer = dnssec;
	}
	if (!answer)
		return FIND_PASS;
	out->answer = answer;
	out->owner_hash = hit->hash;
	out->proof = 0;
	return FIND_ANSWER;
}

/* The answer of the qname's type at a name's record; else its OTHER
 * answer (NODATA, a CNAME chain, a referral at a delegation). */
static __always_inline enum find_result answer_at(const struct dns_query *q, const struct name_hit *hit,
						  struct cached_answer *out)
{
	const struct name_record *r = (const void *)(hit->page->bytes + (hit->record & BLOB_OFFSET_MASK));
	struct type_search t = {
		.page = hit->page,
		.record = hit->record,
		.types = xdpcast_record_types_off(r->name_len),
		.count = r->type_count,
		.qtype = q->qtype,
	};

	/* A bounded loop, not a bpf_loop callback per entry (a call and a
	 * return each). */
#pragma clang loop unroll(disable)
	for (__u32 i = 0; i < XDPCAST_TYPES_MAX; i++)
		if (type_search_step(i, &t))
			break;
	if (t.answer || t.dnssec)
		return choose(q, r, t.answer, t.dnssec, hit, out);
	if (r->flags & NAME_TYPES_PARTIAL)
		return FIND_PASS;
	return choose(q, r, r->other, r->other_dnssec, hit, out);
}

struct encloser_walk {
	void *names;
	const struct scratch *s;
	const struct dns_query *q;
	struct name_hit hit;
	enum name_lookup found;
	__u32 level;            /* labels stripped from the qname to find it */
};

/* One ancestor, nearest first: its record, if it has one. */
static long encloser_step(__u64 i, void *ctx)
{
	struct encloser_walk *w = ctx;
	__u32 k = i + 1;

	if (k >= w->q->labels)
		return 1;
	w->found = lookup_name(w->names, w->s, w->q, w->s->suffix_key[k & LABEL_MASK],
			       w->s->label_off[k & LABEL_MASK], 0, &w->hit);
	w->level = k;
	return w->found != NAME_MISS;
}

/*
 * The answer to the query in the query's view: at its name, the answer of
 * its type or OTHER; else at the closest existing ancestor, BELOW (NXDOMAIN,
 * a referral under a delegation) or, with a wildcard child, the wildcard's
 * answer (RFC 4592).
 */
static __always_inline enum find_result find_in_view(void *names, const struct scratch *s,
						     const struct dns_query *q, struct cached_answer *out)
{
	struct encloser_walk walk = { .names = names, .s = s, .q = q };
	const struct name_record *r;
	struct name_hit hit;
	__u64 chain, hash;
	__u32 k;

	out->encloser_level = 0;
	switch (lookup_name(names, s, q, q->name_hash, 0, 0, &hit)) {
	case NAME_FOUND:
		return answer_at(q, &hit, out);
	case NAME_PASS:
		return FIND_PASS;
	case NAME_MISS:
		break;
	}
	/* A callback: the verifier checks the walk once, not per ancestor. */
	bpf_loop(XDPCAST_LABELS_MAX - 1, encloser_step, &walk, 0);
	if (walk.found == NAME_MISS)
		return FIND_MISS;
	if (walk.found == NAME_PASS)
		return FIND_PASS;
	r = (const void *)(walk.hit.page->bytes + (walk.hit.record & BLOB_OFFSET_MASK));
	out->encloser_level = walk.level;
	if (!(r->flags & NAME_BELOW_WILDCARD))
		return choose(q, r, r->below, r->below_dnssec, &walk.hit, out);
	k = walk.level;
	chain = xdpcast_name_hash_chain(s->suffix_chain[k & LABEL_MASK], xdpcast_wildcard_label_hash());
	hash = xdpcast_name_hash_final(chain);
	if (lookup_name(names, s, q, hash, s->label_off[k & LABEL_MASK], 1, &hit) != NAME_FOUND)
		return FIND_PASS;
	return answer_at(q, &hit, out);
}

/*
 * A view answers for the zones it loads; for any other name, the default
 * view does. A global function: its stack is not added to the response
 * writer's, and the verifier checks it once. Returns an enum find_result.
 */
__noinline int find_answer(const struct scratch *s, struct dns_query *q, struct cached_answer *out)
{
	enum find_result found;
	__u32 zero = 0;
	void *names;

	if (!s || !q || !out)
		return FIND_MISS;
	names = bpf_map_lookup_elem(&xdpcast_answer_gen, &zero);
	if (!names)
		return FIND_MISS;
	found = find_in_view(names, s, q, out);
	if (found == FIND_MISS && q->view) {
		q->view = 0;
		found = find_in_view(names, s, q, out);
	}
	return found;
}

/* The answer record at an address, or NULL. */
static __always_inline const struct answer_record *answer_record_at(__u32 address)
{
	const struct blob_page *page = blob_page_at(address);

	return page ? (const void *)(page->bytes + xdpcast_address_offset(address)) : NULL;
}

/* Adds `len` octets (constant, even, at an even offset of the checksummed
 * data) as 16-bit words in network order. */
static __always_inline __u32 csum_words(__u32 sum, const void *p, __u32 len)
{
	const __u16 *word = p;

#pragma unroll
	for (__u32 i = 0; i < len / 2; i++)
		sum += bpf_ntohs(word[i]);
	return sum;
}

static __always_inline __u16 csum_finish(__u32 sum)
{
	return ~xdpcast_csum_fold(sum);
}

static __always_inline void swap_macs(__u8 *eth)
{
	__u8 mac[ETH_ALEN];

	__builtin_memcpy(mac, eth, ETH_ALEN);
	__builtin_memcpy(eth, eth + ETH_ALEN, ETH_ALEN);
	__builtin_memcpy(eth + ETH_ALEN, mac, ETH_ALEN);
}

/* Ethernet in scratch: the query's header and VLAN tags with the MACs swapped. */
static __always_inline int build_l2(struct xdp_md *ctx, const struct packet *pkt, struct scratch *s)
{
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
	swap_macs(s->buf);
	return 0;
}

/* IP header of the response at `at` (in scratch or in the frame), without
 * options or extension headers. Returns the pseudo-header sum for the UDP
 * checksum. */
static __always_inline __u32 build_ip(const struct packet *pkt, void *at, __u32 udp_len)
{
	__u32 sum = IPPROTO_UDP + udp_len;

	if (is_ipv4(pkt)) {
		struct iphdr *ip = at;

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
		ip->check = bpf_htons(csum_finish(csum_words(0, ip, sizeof(*ip))));
		sum = csum_words(sum, &pkt->dst.addr[12], 4);
		return csum_words(sum, &pkt->src.addr[12], 4);
	} else {
		struct ipv6hdr *ip6 = at;

		*(__be32 *)ip6 = pkt->ip6_flow;
		ip6->payload_len = bpf_htons(udp_len);
		ip6->nexthdr = IPPROTO_UDP;
		ip6->hop_limit = RESPONSE_TTL;
		__builtin_memcpy(&ip6->saddr, pkt->dst.addr, 16);
		__builtin_memcpy(&ip6->daddr, pkt->src.addr, 16);
		sum = csum_words(sum, pkt->dst.addr, 16);
		return csum_words(sum, pkt->src.addr, 16);
	}
}

/* The UDP header and the DNS header's flags and counts at `udp` and `dns`
 * (in scratch or in the frame; the ID and the question are the query's,
 * already there), and the UDP checksum over the whole response. */
static __always_inline void build_udp_dns(const struct packet *pkt, const struct scratch *s,
					  const struct dns_query *q, struct udphdr *udp, __u8 *dns,
					  __u32 udp_len, __u32 sum, __u32 data_len, __u32 opt_len)
{
	const struct response_plan *plan = &s->plan;

	udp->source = pkt->dport;
	udp->dest = pkt->sport;
	udp->len = bpf_htons(udp_len);
	udp->check = 0;
	sum = csum_words(sum, udp, sizeof(*udp));

	dns[2] = plan->flags >> 8;
	dns[3] = plan->flags & 0xff;
	dns[6] = plan->ancount >> 8;
	dns[7] = plan->ancount & 0xff;
	dns[8] = plan->nscount >> 8;
	dns[9] = plan->nscount & 0xff;
	dns[10] = (plan->arcount + !!opt_len) >> 8;
	dns[11] = (plan->arcount + !!opt_len) & 0xff;
	sum = csum_words(sum, dns, DNS_HEADER_LEN);
	sum += q->question_sum;
	sum += plan->csum;
	if (opt_len)
		sum += xdpcast_csum_at(csum_octets(s->opt, opt_len, sizeof(s->opt)),
				       DNS_HEADER_LEN + q->question_len + data_len);
	udp->check = bpf_htons(csum_finish(sum) ?: 0xffff);
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

static __always_inline __u32 swap16(__u32 v)
{
	return (v & 0xff) << 8 | (v >> 8 & 0xff);
}

/* What the tail's patches add to its checksum, the tail starting at
 * `start` of the DNS message: each adds the qname's length (and the
 * head's), byte-swapped at an odd offset. */
static __always_inline __u32 patch_csum(const __u8 *sums, __u32 qname_len, __u32 head_len, __u32 start)
{
	__u32 even = sums[PATCH_SUM_EVEN], odd = sums[PATCH_SUM_ODD];
	__u32 head_even = sums[PATCH_SUM_HEAD_EVEN], head_odd = sums[PATCH_SUM_HEAD_ODD], t;

	if (start & 1) {
		t = even, even = odd, odd = t;
		t = head_even, head_even = head_odd, head_odd = t;
	}
	return even * qname_len + odd * swap16(qname_len) + head_even * head_len + head_odd * swap16(head_len);
}

/* The tail an answer ends with: its own, or the one its zone slot holds now. */
static __always_inline __u32 tail_of(const struct answer_record *a)
{
	const struct blob_page *slot_page;
	__u32 tail = a->tail, at;

	if (!tail || !(a->flags & ANSWER_TAIL_SLOT))
		return tail;
	slot_page = blob_page_at(tail);
	if (!slot_page)
		return 0;
	/* Below the page's size plus 3 words: within its slack. */
	at = xdpcast_address_offset(tail) + (a->slot & (ZONE_SLOT_MAX - 1)) * sizeof(struct zone_slot_word);
	/* One 4-byte load: the loader swaps the slot with one store. */
	return *(volatile const __u32 *)(slot_page->bytes + at);
}

/*
 * The largest cut of the answer that fits `room` bytes, in s->plan: the
 * head alone, + authority, + additional, as NSD drops sections to fit;
 * with the qname's proof of denial, all of it. NSD adds additional RRsets
 * until one does not fit: a cut of them all that leaves room for one is
 * passed, as is a CNAME chain that does not fit (NSD sends its RRsets
 * that fit).
 * Returns -1 when only TC=1 fits, -2 to pass (or when the answer cannot
 * be read).
 */
static __always_inline int plan_answer(struct scratch *s, const struct dns_query *q,
				       const struct cached_answer *found, __u32 room)
{
	struct response_plan *plan = &s->plan;
	const struct answer_record *a = answer_record_at(found->answer);
	const struct proof_record *p = NULL;
	const struct tail_record *t;
	const struct blob_page *page;
	__u32 data_off = DNS_HEADER_LEN + q->question_len, tail_start, proof = found->proof, proof_len = 0;
	__u16 additional;

	if (!a)
		return -2;
	if (proof) {
		/* The qname's own proof goes after the whole tail, or nothing does. */
		p = (const void *)answer_record_at(proof);
		if (!p || !a->tail)
			return -2;
		proof_len = p->len;
	}
	plan->head_len = a->head_len;
	if (plan->head_len > room && (a->flags & ANSWER_CNAME_CHAIN))
		return -2;
	plan->ancount = a->ancount;
	plan->csum = xdpcast_csum_at(a->head_csum, data_off);
	plan->tail = tail_of(a);
	if (!plan->tail)
		return plan->head_len <= room ? 0 : -1;
	page = blob_page_at(plan->tail);
	if (!page)
		return -2;
	t = (const void *)(page->bytes + xdpcast_address_offset(plan->tail));
	tail_start = data_off + plan->head_len;
	if (plan->head_len + t->full_len + proof_len <= room) {
		plan->tail_len = t->full_len;
		plan->nscount = t->nscount;
		plan->arcount = t->arcount;
		plan->patch_count = t->patch_count;
		if (!proof) {
			plan->csum += xdpcast_csum_at(t->full_csum, tail_start) +
				      patch_csum(t->full_patch_sums, q->qname_len, plan->head_len, tail_start);
			return 0;
		}
		/* At the end of the authority section: the tail's additional
		 * records move by the proof's length, with their sum. */
		if (t->patch_count)
			return -2;      /* only position independent tails move */
		additional = xdpcast_csum_fold((__u32)t->full_csum + (~(__u32)t->auth_csum & 0xffff));
		plan->proof = proof;
		plan->proof_len = proof_len;
		plan->auth_len = t->auth_len;
		plan->nscount += p->count;
		plan->csum += xdpcast_csum_at(t->auth_csum, tail_start) +
			      xdpcast_csum_at(p->csum, tail_start + t->auth_len) +
			      xdpcast_csum_at(additional, tail_start + proof_len);
		return 0;
	}
	if ((a->flags & ANSWER_NO_TRUNCATE) || proof)
		return -1;
	if (plan->head_len + t->auth_len <= room) {
		if (t->arcount && room - plan->head_len - t->auth_len >= t->additional_min)
			return -2;      /* NSD may send some of the additional records */
		plan->tail_len = t->auth_len;
		plan->nscount = t->nscount;
		plan->patch_count = t->patch_count;
		plan->csum += xdpcast_csum_at(t->auth_csum, tail_start) +
			      patch_csum(t->auth_patch_sums, q->qname_len, plan->head_len, tail_start);
		return 0;
	}
	if ((a->flags & ANSWER_NEEDS_AUTHORITY) || plan->head_len > room)
		return -1;
	return 0;       /* after the authority section, NSD adds no additional RRset either */
}

/* The tail's relative compression pointers, completed in the frame: the
 * tail starts at `tail_at`. A bounded loop, the record looked up once. */
static __always_inline int write_patches(struct xdp_md *ctx, struct scratch *s, __u32 tail_at, __u32 qname_len)
{
	struct response_plan *plan = &s->plan;
	const struct blob_page *page = blob_page_at(plan->tail);
	__u32 count = plan->patch_count, tail_len = plan->tail_len, head_len = plan->head_len;
	const __u8 *rec;

	if (!page)
		return -1;
	rec = page->bytes + xdpcast_address_offset(plan->tail);
	for (__u32 i = 0; i < XDPCAST_TAIL_PATCHES; i++) {
		__u32 patch, off, word;
		void *data, *end;
		__u8 *p;

		if (i >= count)
			break;
		patch = *(const __u16 *)(rec + offsetof(struct tail_record, patches) + i * 2);
		off = patch & XDPCAST_PATCH_OFFSET;
		if (off >= XDPCAST_ANSWER_MAX || off + 2 > tail_len)
			break;  /* ascending: the rest are beyond the cut */
		word = (__u32)rec[sizeof(struct tail_record) + off] << 8 | rec[sizeof(struct tail_record) + off + 1];
		word += qname_len + (patch & XDPCAST_PATCH_AFTER_HEAD ? head_len : 0);
		data = (void *)(long)ctx->data;
		end = (void *)(long)ctx->data_end;
		p = data + ((tail_at + off) & 2047);
		if ((void *)(p + 2) > end) {        /* not in the linear part: by helper */
			plan->pointer[0] = word >> 8;
			plan->pointer[1] = word & 0xff;
			if (bpf_xdp_store_bytes(ctx, tail_at + off, plan->pointer, 2))
				return -1;
			continue;
		}
		p[0] = word >> 8;
		p[1] = word & 0xff;
	}
	return 0;
}

/* Copies `len` bytes from `src` to the frame at `at`, `at` within the
 * largest response's front. Returns 0 when copied. */
static __always_inline int store_in_frame(struct xdp_md *ctx, __u64 at, const __u8 *src, __u64 len)
{
	return frame_copy(ctx, at, 2047, (void *)src, len, XDPCAST_ANSWER_MAX, TO_FRAME);
}

/*
 * Moves the frame's first `len` bytes down to its start from `delta` bytes
 * in, after the frame grew by `delta` at its head. Ascending words: with
 * delta >= 8 each word is read before a store reaches it, and the last
 * word ends at the last byte. Growing at the head and moving the front
 * costs less than growing at the tail, which zeroes the new bytes only to
 * have the answer written over them. Returns -1 when the front and its
 * old place are not in the linear part, or for a delta out of 8 to
 * RESPONSE_HEAD_GROW_MAX.
 */
__noinline int move_front(struct xdp_md *ctx, __u32 delta, __u32 len)
{
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	__u64 n = len, d = delta;

	barrier_var(n);
	if (n < 8 || n > SCRATCH_SIZE)
		return -1;
	barrier_var(d);
	if (d < 8 || d > RESPONSE_HEAD_GROW_MAX)
		return -1;
#pragma clang loop unroll(disable)
	for (__u64 i = 0; i < SCRATCH_SIZE / 8; i++) {
		__u64 off = i * 8;
		__u8 *from, *to;

		if (off + 8 >= n)
			off = n - 8;
		barrier_var(off);
		to = data + off;
		from = data + d + off;
		if ((void *)(to + 8) > end || (void *)(from + 8) > end)
			return -1;
		*(__u64 *)to = *(const __u64 *)from;
		if (off + 8 >= n)
			return 0;
	}
	return -1;
}

/*
 * Copies `len` bytes of a record at blob `address`, `skip` bytes in, to
 * the frame at `at`. A global function: the copy loop is verified once,
 * not again for every call site and every path that reaches one (inlined,
 * it took answer_query with the DNSSEC proof's three extra copies past the
 * verifier's budget). Returns 0, or -1 when nothing could be copied.
 */
__noinline int store_blob(struct xdp_md *ctx, __u32 at, __u32 address, __u32 skip, __u32 len)
{
	const struct blob_page *page = blob_page_at(address);
	__u64 n = len, in = skip;
	const __u8 *src;

	barrier_var(n);
	barrier_var(in);
	if (!page || !n || n > XDPCAST_ANSWER_MAX || in > XDPCAST_BLOB_RECORD_MAX - XDPCAST_ANSWER_MAX)
		return -1;
	src = page->bytes + xdpcast_address_offset(address) + in;
	return store_in_frame(ctx, at, src, n) ? -1 : 0;
}

/* The tail in the frame at `at`, and the qname's proof of denial at the
 * end of its authority section. */
static __always_inline int store_tail(struct xdp_md *ctx, const struct response_plan *plan, __u32 at)
{
	__u32 auth_len = plan->auth_len & 2047;

	if (!plan->proof_len)
		return store_blob(ctx, at, plan->tail, sizeof(struct tail_record), plan->tail_len);
	if (auth_len > plan->tail_len)
		return -1;
	return (auth_len && store_blob(ctx, at, plan->tail, sizeof(struct tail_record), auth_len)) ||
	       store_blob(ctx, at + auth_len, plan->proof, sizeof(struct proof_record), plan->proof_len) ||
	       (plan->tail_len > auth_len &&
		store_blob(ctx, at + auth_len + plan->proof_len, plan->tail, sizeof(struct tail_record) + auth_len,
			   plan->tail_len - auth_len));
}

/*
 * Plans the response to the query in s->plan: the answer's cut that fits
 * (none, with TC=1, when q->slip asks for RRL's truncated reply), or for no
 * answer the BADVERS response to an EDNS version we do not speak (RFC 6891
 * section 6.1.3: no sections, the extended RCODE in our OPT record), and
 * the OPT record. A global function, so its stack is not added to the
 * writer's. Returns the reason the response counts under, or a pass.
 */
__noinline int plan_response(struct scratch *s, const struct dns_query *q, const struct cached_answer *found)
{
	const struct answer_record *a;
	struct response_plan *plan;
	__u32 fixed;
	int fit;

	if (!s || !q)
		return XDPCAST_dns_pass_other;
	plan = &s->plan;
	__builtin_memset(plan, 0, sizeof(*plan));
	if (!found) {
		/* As NSD: the query's flags but AD and its RCODE. */
		plan->flags = DNS_FLAG_QR | (q->flags & ~(DNS_FLAG_AD | DNS_RCODE_MASK));
		plan->reason = XDPCAST_dns_badvers;
		plan->opt_len = build_opt(s, q, EDNS_BADVERS_EXT_RCODE, 0);
		return plan->reason;
	}
	plan->flags = DNS_FLAG_QR | (q->flags & DNS_FLAG_RD);
	a = answer_record_at(found->answer);
	if (!a)
		return XDPCAST_dns_pass_other;
	plan->reason = a->reason;
	plan->flags |= a->header_flags;
	plan->opt_len = build_opt(s, q, 0, a->ede);
	fixed = DNS_HEADER_LEN + q->question_len + plan->opt_len;
	fit = q->slip ? -1 : plan_answer(s, q, found, q->udp_limit > fixed ? q->udp_limit - fixed : 0);
	if (fit == -2 || (fit == -1 && !q->slip && ((a->flags & ANSWER_NO_TRUNCATE) || found->proof)))
		return XDPCAST_dns_pass_other;
	if (fit) {
		__u32 reason = q->slip ? XDPCAST_rrl_slip : XDPCAST_dns_truncated;
		__u16 flags = plan->flags | DNS_FLAG_TC, opt_len = plan->opt_len;

		__builtin_memset(plan, 0, sizeof(*plan));
		plan->reason = reason;
		plan->flags = flags;
		plan->opt_len = opt_len;
	} else {
		plan->answer = found->answer;
	}
	return plan->reason;
}

/*
 * Writes the response s->plan describes. When the question already sits
 * where the response has it (no IP options), the headers are rewritten in
 * place around it: the frame grows at its head and the front moves down
 * to the new start, or (a growth under a word or over what heads have
 * room for) it grows or shrinks at its tail. Else (IP options, a front
 * that is not linear, room only at the head without the front moved) the
 * head is built in scratch around the question read there and written
 * whole. The answer's bytes and the OPT record are copied from the blob
 * and scratch.
 * A global function, so the verifier checks it once rather than once for
 * every way the pipeline can reach it. Its pointers may be NULL as far as
 * the verifier knows. Returns an enum xdpcast_reason.
 */
__noinline int answer_query(struct xdp_md *ctx, const struct packet *pkt, struct scratch *s,
			    const struct dns_query *q)
{
	struct response_plan *plan;
	/* The verifier bounds a helper's size argument only when the compare
	 * and the call use the same 64-bit register: see barrier_var below. */
	__u64 opt_len, front_len;
	__u32 dns_off, udp_len, sum, data_len, l2_len;
	int delta, in_place, grown_at_head;
	void *data, *end;

	if (!pkt || !s || !q)
		return XDPCAST_dns_pass_other;
	plan = &s->plan;
	dns_off = q->dns_off;
	l2_len = pkt->l2_len;
	opt_len = plan->opt_len;
	data_len = plan->head_len + plan->tail_len + plan->proof_len;
	if (data_len > XDPCAST_ANSWER_MAX || dns_off > RESPONSE_DNS_OFF_MAX || l2_len > 14 + 4 * MAX_VLAN_TAGS)
		return XDPCAST_dns_pass_other;
	barrier_var(opt_len);
	if (opt_len > sizeof(s->opt))
		return XDPCAST_dns_pass_other;
	udp_len = sizeof(struct udphdr) + DNS_HEADER_LEN + q->question_len + data_len + opt_len;
	front_len = dns_off + DNS_HEADER_LEN + q->question_len;
	barrier_var(front_len);  /* one register for the bound check and the helper */
	if (!front_len || front_len > SCRATCH_SIZE)
		return XDPCAST_dns_pass_other;

	in_place = pkt->payload_off == dns_off;
	if (!in_place && build_l2(ctx, pkt, s))
		return XDPCAST_dns_pass_other;
	delta = (int)(front_len + data_len + opt_len) - (int)pkt->len;
	data = (void *)(long)ctx->data;
	end = (void *)(long)ctx->data_end;
	/* The front in the linear part: it moves whole after growing at the
	 * head. Only within the headroom drivers give (XDP_PACKET_HEADROOM
	 * less the xdp_frame, about 200 bytes on veth): a try that fails
	 * costs a helper call. */
	grown_at_head = in_place && delta >= 8 && delta <= RESPONSE_HEAD_GROW_MAX && data + front_len <= end &&
			!bpf_xdp_adjust_head(ctx, -delta);
	if (grown_at_head) {
		if (move_front(ctx, delta, front_len))
			return XDPCAST_drop_malformed;
	} else if (delta > 0) {
		if (bpf_xdp_adjust_tail(ctx, delta)) {
			/* Room at the head only, with the front not moved in
			 * place: the head is built in scratch, from the frame
			 * as it is now. */
			if (in_place && build_l2(ctx, pkt, s))
				return XDPCAST_dns_pass_other;
			in_place = 0;
			if (bpf_xdp_adjust_head(ctx, -delta))
				return XDPCAST_dns_pass_no_room;
		}
	} else if (delta < 0 && bpf_xdp_adjust_tail(ctx, delta)) {
		return XDPCAST_dns_pass_other;
	}

	/* From here the frame has the response's length: it must be written whole. */
	if (in_place) {
		__u32 udp_off = dns_off - sizeof(struct udphdr);
		__u8 *eth, *ip, *dns;
		struct udphdr *udp;

		barrier_var(udp_off);   /* the UDP header's own pointer: the verifier refuses negative offsets */
		data = (void *)(long)ctx->data;
		end = (void *)(long)ctx->data_end;
		eth = data;
		ip = data + l2_len;
		udp = data + (udp_off & 127);
		dns = (void *)(udp + 1);
		if (eth + sizeof(struct ethhdr) > (__u8 *)end || ip + sizeof(struct ipv6hdr) > (__u8 *)end ||
		    dns + DNS_HEADER_LEN > (__u8 *)end) {
			if (build_l2(ctx, pkt, s))      /* the front is not linear */
				return XDPCAST_drop_malformed;
			in_place = 0;
		} else {
			swap_macs(eth);
			sum = build_ip(pkt, ip, udp_len);
			build_udp_dns(pkt, s, q, udp, dns, udp_len, sum, data_len, opt_len);
		}
	}
	if (!in_place) {
		sum = build_ip(pkt, s->buf + (l2_len & 31), udp_len);
		build_udp_dns(pkt, s, q, (void *)(s->buf + ((dns_off - sizeof(struct udphdr)) & 127)),
			      s->buf + (dns_off & 127), udp_len, sum, data_len, opt_len);
		if (bpf_xdp_store_bytes(ctx, 0, s->buf, front_len))
			return XDPCAST_drop_malformed;
	}
	if ((plan->head_len && store_blob(ctx, front_len, plan->answer, sizeof(struct answer_record), plan->head_len)) ||
	    ((plan->tail_len || plan->proof_len) && store_tail(ctx, plan, front_len + plan->head_len)) ||
	    (opt_len && store_in_frame(ctx, front_len + data_len, s->opt, opt_len)))
		return XDPCAST_drop_malformed;
	if (plan->patch_count && plan->tail_len &&
	    write_patches(ctx, s, front_len + plan->head_len, q->qname_len))
		return XDPCAST_drop_malformed;
	return plan->reason;
}

#endif /* XDPCAST_DNS_ANSWER_H */
