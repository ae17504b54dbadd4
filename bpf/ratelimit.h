/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Rate limits (docs/ARCHITECTURE.md, "Packet path"): token
 * buckets per source prefix, the budget on what reaches userspace, and
 * response rate limiting of fast-path answers with slip.
 *
 * Per-source state lives in LRU hashes: a flood of spoofed sources evicts
 * the least recently seen buckets instead of filling the map, so memory is
 * bounded by max_entries (the loader sizes them from the config).
 *
 * Most spoofed sources send one packet, and an LRU insert (locks, an
 * eviction) costs more than the whole answer, a lookup that misses a good
 * part of it. So a key without a bucket has its first packet noted in
 * `xdpcast_first_seen`, a fixed table of hash tags and times; its bucket
 * is created at its second packet, with the first packet's token taken
 * at the first packet's time: the verdicts of an exact bucket. A key
 * whose slot another key took before its second packet gets that packet
 * free again. A packet notes one key in each lane of the table
 * (bpf/first_seen.h): under a flood of F new sources a second, a key
 * sending slower than about F / 65,536 a second (RRL's half) or
 * F / 32,768 (a source level's quarter) may never get a bucket, so
 * limits below that rate do not bind it; the defaults (RRL 200, sources
 * 2,000 and 10,000) bind up to about 13, 65 and 327 Mpps. A key with a
 * bucket is always looked up
 * (find_bucket). After a takeover the buckets carried over meet a fresh
 * table: for two epochs every key is looked up (every_key_until_ns),
 * long enough for each key still sending to mark its slot, and a key
 * quiet longer has a full bucket anyway. The hash is keyed by a secret
 * the loader draws (first_seen_seed), so no one can pick keys that share
 * a slot. Writers race on a slot as on a bucket: no lock, at worst one
 * more free packet.
 */
#ifndef XDPCAST_RATELIMIT_H
#define XDPCAST_RATELIMIT_H

#include "xdpcast.h"
#include "parse.h"
#include "filter.h"
#include "counters.h"
#include "dns_query.h"
#include "token_bucket.h"
#include "first_seen.h"

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 262144);
	__type(key, struct source_bucket_key);
	__type(value, struct rate_bucket);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} xdpcast_source_buckets SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 65536);
	__type(key, struct rrl_key);
	__type(value, struct rrl_bucket);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} xdpcast_rrl SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, XDPCAST_FIRST_SEEN_SLOTS);
	__type(key, __u32);
	__type(value, struct first_seen);
} xdpcast_first_seen SEC(".maps");

const volatile __u64 first_seen_seed = 0;

/* Set by xdpcastd before it attaches a program that took over buckets. */
__u64 every_key_until_ns;

/*
 * The key's bucket in `buckets`, or NULL. The LRU is asked only when a key
 * hashing to the key's slot used its bucket this epoch or the last (a
 * spoofed key's slot has none: no lookup); a key with a bucket renews
 * its slot's epoch, so another key's first packet there never hides it.
 * Without a bucket, *first_ns is 0 for a first packet (noted, let
 * through), else the first packet's time: the caller makes the bucket.
 */
static __always_inline void *find_bucket(void *buckets, const void *key, __u32 words, enum first_seen_lane lane,
					 struct packet_clock *now, __u64 *first_ns)
{
	/* At worst a first packet of a bucket on the fine clock is charged a
	 * tick early: one packet more let through. */
	__u64 hash = first_seen_hash(first_seen_seed, key, words), time = clock_coarse_ns(now);
	__u32 index = first_seen_index(hash, lane), tag = first_seen_tag(hash);
	__u16 epoch = time >> XDPCAST_FIRST_SEEN_EPOCH_SHIFT;
	struct first_seen *slot = bpf_map_lookup_elem(&xdpcast_first_seen, &index);
	void *bucket;

	*first_ns = 0;
	if (!slot)      /* cannot happen: the index is masked */
		return bpf_map_lookup_elem(buckets, key);
	if ((__u16)(epoch - slot->bucket_epoch) <= 1 || time < every_key_until_ns) {
		bucket = bpf_map_lookup_elem(buckets, key);
		if (bucket) {
			if (slot->bucket_epoch != epoch)        /* once an epoch: the line stays shared */
				slot->bucket_epoch = epoch;
			return bucket;
		}
	}
	if (slot->tag == tag && slot->first_ns) {
		*first_ns = slot->first_ns;
		slot->first_ns = 0;
		slot->bucket_epoch = epoch;
		return NULL;
	}
	slot->tag = tag;
	slot->first_ns = time;
	return NULL;
}

enum rrl_verdict {
	RRL_SEND,
	RRL_DROP,
	RRL_SLIP,
};

/* Copies the first `bits` bits of the source address (IPv4 counted from
 * its mapped position), the rest zero. */
static __always_inline void mask_source(__u8 *out, const struct packet *pkt, __u32 bits, __u32 out_len)
{
	__u32 start = is_ipv4(pkt) ? 12 : 0;

	for (__u32 i = 0; i < 16 && i < out_len; i++) {
		__u32 bit = i * 8;
		__u8 byte = start + i < 16 ? pkt->src.addr[(start + i) & 15] : 0;

		if (bit >= bits)
			byte = 0;
		else if (bits - bit < 8)
			byte &= 0xff << (8 - (bits - bit));
		out[i] = byte;
	}
}

/* One token from the source's bucket at one level; a new source starts
 * with a full bucket. Returns 0 when the source is over its rate. */
static __always_inline int source_bucket_take(const struct packet *pkt, enum source_level level, __u32 bits,
					      enum first_seen_lane lane, const struct rate_setting *r,
					      struct packet_clock *now)
{
	struct source_bucket_key key = { .level = level };
	struct rate_bucket *b, fresh;
	int conforms;

	if (!r->interval_ns)
		return 1;
	mask_source(key.addr, pkt, bits, sizeof(key.addr));
	b = find_bucket(&xdpcast_source_buckets, &key, sizeof(key) / 4, lane, now, &fresh.tat_ns);
	if (b)
		return token_bucket_take(&b->tat_ns, bucket_clock_ns(r, now), r);
	if (!fresh.tat_ns)
		return 1;
	token_bucket_take(&fresh.tat_ns, fresh.tat_ns, r);      /* the first packet's token, at its time */
	conforms = token_bucket_take(&fresh.tat_ns, bucket_clock_ns(r, now), r);
	if (!bpf_map_update_elem(&xdpcast_source_buckets, &key, &fresh, BPF_NOEXIST))
		return conforms;
	/* The bucket outlived its slot's epochs (a key quiet for minutes), or
	 * another CPU made it meanwhile: that one counts. */
	b = bpf_map_lookup_elem(&xdpcast_source_buckets, &key);
	return b ? token_bucket_take(&b->tat_ns, bucket_clock_ns(r, now), r) : conforms;
}

/* Both levels of the source's family must have a token. */
static __always_inline int source_buckets_take(const struct packet *pkt, const struct xdpcast_settings *set,
					       struct packet_clock *now)
{
	if (is_ipv4(pkt))
		return source_bucket_take(pkt, SOURCE_LEVEL_V4_32, 32, FIRST_SEEN_NARROW, &set->source[SOURCE_LEVEL_V4_32],
					  now) &&
		       source_bucket_take(pkt, SOURCE_LEVEL_V4_24, 24, FIRST_SEEN_WIDE, &set->source[SOURCE_LEVEL_V4_24], now);
	return source_bucket_take(pkt, SOURCE_LEVEL_V6_64, 64, FIRST_SEEN_NARROW, &set->source[SOURCE_LEVEL_V6_64], now) &&
	       source_bucket_take(pkt, SOURCE_LEVEL_V6_56, 56, FIRST_SEEN_WIDE, &set->source[SOURCE_LEVEL_V6_56], now);
}

/* Whether a pass to userspace spends the budget: everything but TCP
 * segments of connections already admitted (no SYN) and ICMP, which its
 * own buckets bound (and neighbour discovery needs none): a flood of cache
 * misses must not starve path MTU discovery or a router's probes. */
static __always_inline int spends_pass_budget(const struct packet *pkt)
{
	return pkt->l4_proto == IPPROTO_UDP || (pkt->l4_proto == IPPROTO_TCP && (pkt->tcp_flags & 0x02));
}

static __always_inline enum xdpcast_reason pass_budget(const struct packet *pkt, enum xdpcast_reason reason,
						       const struct xdpcast_settings *set, struct packet_clock *now)
{
	if (reason_action(reason) != XDP_PASS || !spends_pass_budget(pkt))
		return reason;
	return global_bucket_take(GLOBAL_PASS_BUDGET, &set->pass_budget, now) ? reason : XDPCAST_drop_pass_budget;
}

/* One response from an RRL bucket: over the rate, every rrl_slip-th slips. */
static __always_inline enum rrl_verdict rrl_take(struct rrl_bucket *b, const struct xdpcast_settings *set, __u64 now)
{
	if (token_bucket_take(&b->tat_ns, now, &set->rrl))
		return RRL_SEND;
	b->limited++;
	return set->rrl_slip && b->limited % set->rrl_slip == 0 ? RRL_SLIP : RRL_DROP;
}

/*
 * Response rate limiting, as BIND and Knot do it: responses to one client
 * network (/24, /56) are counted per response: the owner and type of a
 * positive answer, the closest encloser of a negative one, the cut of a
 * referral. Over the rate, every rrl_slip-th response is sent as TC=1 (a
 * real client retries over TCP) and the others are dropped.
 */
static __always_inline enum rrl_verdict rrl_check(const struct packet *pkt, const struct dns_query *q,
						  __u64 owner_hash, __u8 rrl_class,
						  const struct xdpcast_settings *set, struct packet_clock *now)
{
	struct rrl_key key = {
		.name_hash = owner_hash,
		.qtype = rrl_class == RRL_CLASS_POSITIVE ? q->qtype : 0,
		.rrl_class = rrl_class,
		.ipv6 = !is_ipv4(pkt),
	};
	struct rrl_bucket *b, fresh = {};
	enum rrl_verdict verdict;

	if (!set->rrl.interval_ns)
		return RRL_SEND;
	mask_source(key.prefix, pkt, is_ipv4(pkt) ? 24 : 56, sizeof(key.prefix));
	b = find_bucket(&xdpcast_rrl, &key, sizeof(key) / 4, FIRST_SEEN_RRL, now, &fresh.tat_ns);
	if (b)
		return rrl_take(b, set, bucket_clock_ns(&set->rrl, now));
	if (!fresh.tat_ns)
		return RRL_SEND;
	token_bucket_take(&fresh.tat_ns, fresh.tat_ns, &set->rrl);      /* the first response's token, at its time */
	verdict = rrl_take(&fresh, set, bucket_clock_ns(&set->rrl, now));
	if (!bpf_map_update_elem(&xdpcast_rrl, &key, &fresh, BPF_NOEXIST))
		return verdict;
	b = bpf_map_lookup_elem(&xdpcast_rrl, &key);      /* as for the source buckets */
	return b ? rrl_take(b, set, bucket_clock_ns(&set->rrl, now)) : verdict;
}

#endif /* XDPCAST_RATELIMIT_H */
