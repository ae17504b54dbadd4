/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * DNSSEC denial of existence: the one part of an NXDOMAIN proof that
 * depends on the qname itself, found in the zone's denial index
 * (bpf/xdpcast.h, "DNSSEC denial of existence"). NSEC: the NSEC whose span
 * covers the qname; NSEC3: the NSEC3 whose span covers the hash of the
 * next closer name (RFC 5155 section 7.2.1), hashed here with SHA-1 (the
 * RFC 9276 parameters: no salt, no extra iteration). The rest of the proof
 * is in the answer's tail.
 */
#ifndef XDPCAST_DNS_DENIAL_H
#define XDPCAST_DNS_DENIAL_H

#include "xdpcast.h"
#include "dns_query.h"
#include "dns_answer.h"
#include "sha1.h"

#define DENIAL_KEY_WORDS (XDPCAST_DENIAL_KEY_LEN / 8)
#define DENIAL_SEARCH_STEPS 7   /* a binary search over XDPCAST_DENIAL_FANOUT keys */
#define DENIAL_NODE_MASK 4095   /* bounds a node inside its record room */
_Static_assert(sizeof(struct denial_node) <= DENIAL_NODE_MASK + 1 && DENIAL_NODE_MASK + 1 <= XDPCAST_BLOB_RECORD_MAX,
	       "a node reaches past the record room");

/* The NSEC key of the qname: its labels from the root down, each followed
 * by a 0 octet, cut at the key's length. -1 for a 0 octet in a label
 * (such a key would not keep the order). */
static __always_inline int nsec_key(struct scratch *s, const struct dns_query *q)
{
	__s32 label = q->labels - 1;
	__u32 pos = 0;

#pragma unroll
	for (int at = 0; at < XDPCAST_DENIAL_KEY_LEN; at++) {
		__u32 start, len;
		__u8 octet = 0;

		if (label >= 0) {
			start = s->label_off[label & LABEL_MASK];
			len = s->name[start & XDPCAST_NAME_MAX];
			if (pos < len) {
				octet = s->name[(start + 1 + pos) & XDPCAST_NAME_MAX];
				if (!octet)
					return -1;
				pos++;
			} else {
				label--;
				pos = 0;
			}
		}
		s->denial_key.octets[at] = octet;
	}
	return 0;
}

/* The NSEC3 key: the SHA-1 hash of the next closer name, the qname's
 * ancestor one label below the closest encloser. */
static __always_inline int nsec3_key(struct scratch *s, const struct dns_query *q, __u32 encloser_level)
{
	__u32 start, len;

	if (encloser_level < 1 || encloser_level > q->labels || encloser_level > XDPCAST_LABELS_MAX)
		return -1;
	start = s->label_off[(encloser_level - 1) & LABEL_MASK];
	len = q->qname_len - start;
	if (len > XDPCAST_NAME_MAX)
		return -1;
	for (__u32 at = 0; at < XDPCAST_NAME_MAX + 1; at += 8) {
		if (at >= len)
			break;
		*(__u64 *)(s->sha1.msg + (at & XDPCAST_NAME_MAX)) =
			*(const __u64 *)(s->name + ((start + at) & XDPCAST_NAME_MAX));
	}
	if (sha1_digest(&s->sha1, len))
		return -1;
	sha1_output(&s->sha1, s->denial_key.octets);
	__builtin_memset(s->denial_key.octets + SHA1_DIGEST_LEN, 0, XDPCAST_DENIAL_KEY_LEN - SHA1_DIGEST_LEN);
	return 0;
}

/* -1, 0, 1: the node's key i against the qname's. */
static __always_inline int compare_key(const __u8 *node, __u32 i, const struct denial_key *key)
{
#pragma unroll
	for (int w = 0; w < DENIAL_KEY_WORDS; w++) {
		__u64 a = __builtin_bswap64(*(const __u64 *)(node + offsetof(struct denial_node, keys) +
							     (i & (XDPCAST_DENIAL_FANOUT - 1)) * XDPCAST_DENIAL_KEY_LEN +
							     w * 8));
		__u64 b = __builtin_bswap64(*(const __u64 *)(key->octets + w * 8));

		if (a != b)
			return a < b ? -1 : 1;
	}
	return 0;
}

enum { DENIAL_FOUND = 1, DENIAL_NONE = -1 };

struct denial_search {
	struct scratch *s;
	__u32 node;             /* the node to search next */
	__u32 proof;            /* the proof found */
	int done;               /* DENIAL_FOUND or DENIAL_NONE (pass) */
};

/* One level of the tree: the last key at or below the qname's. */
static long denial_level_step(__u64 depth, void *ctx)
{
	struct denial_search *d = ctx;
	const struct blob_page *page = blob_page_at(d->node);
	const __u8 *node;
	__u32 lo = 0, hi, i;

	if (!page) {
		d->done = DENIAL_NONE;
		return 1;
	}
	node = page->bytes + xdpcast_address_offset(d->node);
	hi = ((const struct denial_node *)node)->count;
	if (hi > XDPCAST_DENIAL_FANOUT)
		hi = XDPCAST_DENIAL_FANOUT;
#pragma unroll
	for (int step = 0; step < DENIAL_SEARCH_STEPS; step++) {
		__u32 mid = (lo + hi) / 2;

		if (lo < hi) {
			if (compare_key(node, mid, &d->s->denial_key) <= 0)
				lo = mid + 1;
			else
				hi = mid;
		}
	}
	if (!lo) {
		/* Below the first key: at the root, an NSEC3 hash below the
		 * first, covered by the last; inside, an index out of order. */
		d->proof = ((const struct denial_node *)node)->last;
		d->done = depth || !d->proof ? DENIAL_NONE : DENIAL_FOUND;
		return 1;
	}
	i = lo - 1;
	d->node = *(const __u32 *)(node + offsetof(struct denial_node, refs) + (i & (XDPCAST_DENIAL_FANOUT - 1)) * 4);
	if (!((const struct denial_node *)node)->leaf)
		return 0;
	/* A key equal to the qname's: the name exists, or an NSEC key cut
	 * too short to tell: not a proof. */
	d->done = compare_key(node, i, &d->s->denial_key) ? DENIAL_FOUND : DENIAL_NONE;
	d->proof = d->node;
	return 1;
}

/*
 * The qname's own proof for an answer that needs one, in found->proof (0
 * when it is the one the tail already holds). A global function: the
 * verifier checks the hash and the search once. Returns 0, or -1 when
 * there is no proof to send (the query is passed).
 */
__noinline int find_proof(struct scratch *s, struct cached_answer *found)
{
	struct denial_search d = { .s = s, .done = DENIAL_NONE };
	const struct answer_record *a;

	if (!s || !found)
		return -1;
	a = answer_record_at(found->answer);
	if (!a || !a->denial)
		return -1;
	if (!found->encloser_level) {
		/* The qname is the wildcard's own name: nothing was synthesised
		 * for it, the tail's proofs are all (as NSD sends them). */
		found->proof = 0;
		return 0;
	}
	if ((a->flags & ANSWER_DENIAL_NSEC3) ? nsec3_key(s, &s->query, found->encloser_level)
					       : nsec_key(s, &s->query))
		return -1;
	d.node = a->denial;
	bpf_loop(XDPCAST_DENIAL_DEPTH, denial_level_step, &d, 0);
	if (d.done != DENIAL_FOUND)
		return -1;
	found->proof = d.proof;
#pragma unroll
	for (int i = 0; i < XDPCAST_TAIL_PROOFS; i++)
		if (a->denial_skip[i] == d.proof)       /* the tail holds it already */
			found->proof = 0;
	return 0;
}

#endif /* XDPCAST_DNS_DENIAL_H */
