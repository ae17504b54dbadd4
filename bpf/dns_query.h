/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Reading a DNS query: header checks, the question (lowercased and hashed in
 * one walk, a label and 8 octets at a time, the client's bytes kept for the
 * answer), and an EDNS0 OPT record.
 *
 * The DNS message is copied into the per-CPU scratch buffer at the offset it
 * will have in the response, so the question is already in place when the
 * response head is built around it, whatever the packet's layout was.
 */
#ifndef XDPCAST_DNS_QUERY_H
#define XDPCAST_DNS_QUERY_H

#include "xdpcast.h"
#include "parse.h"
#include "sha1.h"

#define SCRATCH_SIZE      512
#define DNS_HEADER_LEN    12
#define DNS_OPT_LEN       11            /* OPT RR without options */
#define DNS_OPTIONS_MAX   64            /* EDNS options we read; more: userspace */
#define DNS_OPTIONS_COUNT 8
#define DNS_QUESTION_MAX  (XDPCAST_NAME_MAX + 4)
#define DNS_LOAD_MAX      (DNS_HEADER_LEN + DNS_QUESTION_MAX + DNS_OPT_LEN + DNS_OPTIONS_MAX)
#define EDNS_OPTION_NSID  3
#define EDNS_OPTION_EDE   15
#define EDNS_OPTION_COOKIE 10
#define COOKIE_OPTION_MAX 40            /* client (8) and server cookie (8-32) */
#define RESPONSE_DNS_OFF_MAX (14 + 4 * MAX_VLAN_TAGS + 40 + 8)
#define RESPONSE_HEAD_GROW_MAX 192  /* bytes a response grows at the frame's head, at most */
#define DNS_TYPE_OPT      41
#define DNS_TYPE_RRSIG    46
#define DNS_TYPE_NSEC3    50
#define DNS_UDP_MIN       512

#define DNS_FLAG_QR       0x8000
#define DNS_FLAG_AA       0x0400
#define DNS_FLAG_TC       0x0200
#define DNS_FLAG_RD       0x0100
#define DNS_FLAG_AD       0x0020
#define DNS_RCODE_MASK    0x000f
#define DNS_OPCODE_MASK   0x7800
#define EDNS_FLAG_DO      0x8000

#define LABEL_MASK (XDPCAST_LABELS_MAX - 1)

/* What goes after the question: an answer's head and the cut of its tail
 * that fits (bpf/dns_answer.h). In scratch, not on the stack. */
struct response_plan {
	__u32 reason;           /* enum xdpcast_reason it is counted under */
	__u16 flags;            /* the DNS header's flags word */
	__u16 opt_len;          /* bytes of s->opt sent */
	__u32 answer;           /* blob address of the struct answer_record; 0: none */
	__u32 tail;             /* blob address of its struct tail_record; 0: none */
	__u32 head_len;         /* bytes of the head sent */
	__u32 tail_len;         /* bytes of the tail sent */
	__u32 csum;             /* even-aligned sum of both as sent, from the DNS header */
	__u16 ancount;
	__u16 nscount;
	__u16 arcount;
	__u16 patch_count;      /* relative pointers in the tail */
	__u8 pointer[2];        /* a completed pointer, for a frame that is not linear */
	__u32 proof;            /* blob address of the struct proof_record; 0: none */
	__u32 proof_len;
	__u32 auth_len;         /* with a proof: the tail's authority section, which the proof ends */
};

struct dns_query {
	__u32 dns_off;          /* DNS header offset in scratch (and in the response) */
	__u32 qname_len;        /* wire length, root label included */
	__u32 question_len;     /* qname, qtype and qclass */
	__u32 question_sum;     /* ones-complement sum of the question as received */
	__u32 labels;           /* labels of the qname, the root not counted */
	__u16 view;             /* the client's view; 0: default */
	__u64 name_hash;
	__u16 flags;
	__u16 qtype;
	__u16 qclass;
	__u16 udp_limit;        /* largest response the client accepts */
	__u8 has_opt;
	__u8 dnssec_ok;
	__u8 badvers;           /* EDNS version > 0: answer BADVERS */
	__u8 wants_nsid;
	__u8 cookie_len;        /* the query's COOKIE option: 8 (client only) to 40 */
	__u8 cookie_valid;      /* it carries a server cookie we issued, still fresh */
	__u8 send_cookie;       /* cookie_out goes into the response */
	__u8 slip;              /* RRL limited it: send TC=1 and no records */
	__u32 cookie_off;       /* where its data starts in scratch */
};

/* The answer the cache holds for a query (bpf/dns_answer.h). */
struct cached_answer {
	__u32 answer;           /* blob address of the struct answer_record */
	__u32 encloser_level;   /* labels taken off the qname to reach the name answering */
	__u64 owner_hash;       /* the name RRL counts it under: owner, encloser, cut */
	__u32 proof;            /* the qname's own proof of denial (struct proof_record); 0: none */
	__u32 reserved;
};

struct scratch {
	__u8 buf[SCRATCH_SIZE];                 /* response head under construction */
	struct dns_query query;
	struct cached_answer found;
	struct response_plan plan;
	__u8 opt[DNS_OPT_LEN + 4 + XDPCAST_NSID_MAX + 6 + 4 + 24];  /* the response's OPT: NSID, EDE, COOKIE */
	__u8 cookie_in[COOKIE_OPTION_MAX];      /* the query's COOKIE option data */
	__u8 cookie_out[24];                    /* client cookie and our fresh server cookie */
	__u8 name[XDPCAST_NAME_MAX + 1 + 8];    /* lowercased qname; room to compare 8 bytes at a time */
	__u8 label_off[XDPCAST_LABELS_MAX];     /* where each label starts in name[] */
	__u64 label_hash[XDPCAST_LABELS_MAX];
	__u64 suffix_chain[XDPCAST_LABELS_MAX]; /* chain value of name[label_off[i]..] */
	__u64 suffix_key[XDPCAST_LABELS_MAX];   /* its key: the chain value finalised */
	struct denial_key denial_key;           /* the qname's key in its zone's denial index */
	struct sha1 sha1;                       /* hashing the next closer name (NSEC3) */
};


enum dns_read_result {
	DNS_READ_OK,
	DNS_READ_MALFORMED,     /* cannot be a DNS message */
	DNS_READ_UNSUPPORTED,   /* a query we leave to the userspace server */
	DNS_READ_RESPONSE,      /* QR=1 sent to our DNS port: reflection */
};

/* The barrier hides what clang knows of `off`, so it keeps the mask the
 * verifier needs to see the access stay inside the buffer. */
static __always_inline __u8 scratch_byte(const struct scratch *s, __u32 off)
{
	barrier_var(off);
	return s->buf[off & (SCRATCH_SIZE - 1)];
}

static __always_inline __u16 scratch_u16(const struct scratch *s, __u32 off)
{
	return (__u16)scratch_byte(s, off) << 8 | scratch_byte(s, off + 1);
}

/* An 8-byte load where the verifier sees the mask: the scratch buffer is
 * followed by the rest of struct scratch, so a load at its last offsets
 * stays inside the map value. */
static __always_inline __u64 scratch_word(const struct scratch *s, __u32 off)
{
	barrier_var(off);
	return *(const __u64 *)(s->buf + (off & (SCRATCH_SIZE - 1)));
}

/* The low `len` octets of a little-endian word (len < 8), the rest zero. */
static __always_inline __u64 word_head(__u64 word, __u32 len)
{
	return len < 8 ? word & ((1ULL << (len * 8)) - 1) : word;
}

struct qname_walk {
	struct scratch *s;
	__u32 qoff;             /* qname offset in scratch */
	__u32 room;             /* qname octets present in scratch */
	__u32 pos;              /* the next label's length octet, from the qname's start */
	__u32 labels;
	__u32 len;              /* wire length once the root label is seen */
};

/* One label of the qname: its offset, its octets lowercased into s->name
 * and its hash, a word at a time. Stops at the root label or at anything
 * we do not handle (compression pointer, extended label type, more than
 * XDPCAST_LABELS_MAX labels, truncation). */
static __always_inline long label_step(struct qname_walk *w)
{
	struct scratch *s = w->s;
	__u32 pos = w->pos, len;
	__u64 hash;

	if (pos >= w->room)
		return 1;
	len = scratch_byte(s, w->qoff + pos);
	s->name[pos & XDPCAST_NAME_MAX] = len;
	if (!len) {
		w->len = pos + 1;
		return 1;
	}
	if (len > 63 || w->labels >= XDPCAST_LABELS_MAX || pos + 1 + len >= w->room)
		return 1;
	s->label_off[w->labels & LABEL_MASK] = pos;
	hash = xdpcast_label_hash_start(len);
#pragma unroll
	for (__u32 k = 0; k < XDPCAST_LABEL_WORDS; k++) {
		__u32 at = k * 8;
		__u64 word;

		if (at >= len)
			break;
		word = xdpcast_lower_word(word_head(scratch_word(s, w->qoff + pos + 1 + at), len - at));
		*(__u64 *)(s->name + ((pos + 1 + at) & XDPCAST_NAME_MAX)) = word;
		hash = xdpcast_label_hash_word(hash, word);
	}
	s->label_hash[w->labels & LABEL_MASK] = hash;
	w->labels++;
	w->pos = pos + 1 + len;
	return 0;
}

/* Chains the label hashes from the root up: the key of every suffix. */
static __always_inline void hash_suffixes(struct scratch *s, __u32 labels)
{
	__u64 hash = XDPCAST_NAME_HASH_INIT;

	for (int j = 0; j < XDPCAST_LABELS_MAX; j++) {
		int k = (int)labels - 1 - j;

		if (k < 0)
			break;
		hash = xdpcast_name_hash_chain(hash, s->label_hash[k & LABEL_MASK]);
		s->suffix_chain[k & LABEL_MASK] = hash;
		s->suffix_key[k & LABEL_MASK] = xdpcast_name_hash_final(hash);
	}
}

/* The ones-complement sum of `len` octets from `p` (an even offset of the
 * DNS message), `max` at most: 8 at a time as little-endian 32-bit halves
 * (RFC 1071: the sum does not depend on byte order), the last word cut to
 * `len`; loads may read 7 octets past it. Returned in network order. */
static __always_inline __u16 csum_octets(const __u8 *p, __u32 len, __u32 max)
{
	__u64 sum = 0;

#pragma unroll
	for (__u32 k = 0; k < (max + 7) / 8; k++) {
		__u32 at = k * 8;
		__u64 word;

		if (at >= len)
			break;
		word = word_head(*(const __u64 *)(p + at), len - at);
		sum += (word & 0xffffffff) + (word >> 32);
	}
	sum = (sum & 0xffffffff) + (sum >> 32);
	sum = (sum & 0xffffffff) + (sum >> 32);
	return bpf_ntohs(xdpcast_csum_fold(sum));
}

/*
 * Returns the qname's wire length, or 0 for a name we leave to userspace.
 * A bounded loop, not bpf_loop: a callback per label costs a call and a
 * return each, dearer than the label's work. A global function, so the
 * verifier walks the loop once, not once per path to it.
 */
__noinline int walk_qname(struct scratch *s, struct dns_query *q, __u32 loaded)
{
	struct qname_walk w = { .s = s };

	if (!s || !q)
		return 0;
	w.qoff = q->dns_off + DNS_HEADER_LEN;
	/* A name of over 255 octets runs out of room: FORMERR from userspace. */
	w.room = loaded - DNS_HEADER_LEN < XDPCAST_NAME_MAX ? loaded - DNS_HEADER_LEN : XDPCAST_NAME_MAX;
#pragma clang loop unroll(disable)
	for (__u32 i = 0; i < XDPCAST_LABELS_MAX + 1; i++)
		if (label_step(&w))
			break;
	if (!w.len)
		return 0;
	hash_suffixes(s, w.labels);
	q->labels = w.labels;
	q->name_hash = w.labels ? s->suffix_key[0] : xdpcast_name_hash_final(XDPCAST_NAME_HASH_INIT);
	return w.len;
}

/* Types a cache entry can answer: not 0, not OPT, not RRSIG (the server
 * answers with the signatures of every RRset at the name; the cache holds
 * no such answer, and its OTHER answer would deny what exists), not NSEC3
 * (no name holds one as data: NSD answers NODATA even at a CNAME, whose
 * OTHER answer is the chain), not the query-only types 128-255 (ANY,
 * AXFR, IXFR, ...), which userspace answers. */
static __always_inline int is_data_type(__u16 qtype)
{
	return qtype != 0 && qtype != DNS_TYPE_OPT && qtype != DNS_TYPE_RRSIG && qtype != DNS_TYPE_NSEC3 &&
	       (qtype < 128 || qtype > 255);
}

/* The options of the OPT record (RFC 6891 section 6.1.2): notes an NSID
 * request and where the COOKIE option is (RFC 7873 section 5.2: a
 * malformed one is FORMERR, which userspace sends; a second one goes there
 * too, where NSD checks it or echoes the last); any other option is
 * ignored, as NSD does. */
static __always_inline int read_options(struct scratch *s, struct dns_query *q, __u32 at, __u32 rdlen)
{
	__u32 pos = 0;

	if (rdlen > DNS_OPTIONS_MAX)
		return -1;
#pragma unroll
	for (int i = 0; i < DNS_OPTIONS_COUNT; i++) {
		__u16 code, len;

		if (pos >= rdlen)
			return 0;
		if (pos + 4 > rdlen)
			return -1;      /* malformed: FORMERR from userspace */
		code = scratch_u16(s, at + pos);
		len = scratch_u16(s, at + pos + 2);
		if (pos + 4 + len > rdlen)
			return -1;
		if (code == EDNS_OPTION_NSID)
			q->wants_nsid = 1;
		if (code == EDNS_OPTION_COOKIE) {
			if (q->cookie_len || (len != 8 && (len < 16 || len > COOKIE_OPTION_MAX)))
				return -1;
			q->cookie_len = len;
			q->cookie_off = at + pos + 4;
		}
		pos += 4 + len;
	}
	return pos < rdlen ? -1 : 0;
}

/* The OPT record that must follow the question when ARCOUNT is 1. */
static __always_inline int read_opt(struct scratch *s, struct dns_query *q, __u32 opt, __u32 payload_len)
{
	__u32 at = q->dns_off + opt;
	__u16 size, rdlen;

	if (opt + DNS_OPT_LEN > payload_len || scratch_byte(s, at) != 0 ||
	    scratch_u16(s, at + 1) != DNS_TYPE_OPT)
		return -1;              /* TSIG or another record: userspace */
	rdlen = scratch_u16(s, at + 9);
	if (opt + DNS_OPT_LEN + rdlen != payload_len)
		return -1;              /* more than the one OPT record */
	if (read_options(s, q, at + DNS_OPT_LEN, rdlen))
		return -1;
	q->badvers = scratch_byte(s, at + 6) != 0;
	size = scratch_u16(s, at + 3);
	if (size < DNS_UDP_MIN)
		return -1;      /* 512 says RFC 6891 (and NSD), malformed says Knot: the server behind decides */
	if (size > XDPCAST_EDNS_UDP_SIZE)
		size = XDPCAST_EDNS_UDP_SIZE;
	q->udp_limit = size;
	q->has_opt = 1;
	q->dnssec_ok = (scratch_u16(s, at + 7) & EDNS_FLAG_DO) != 0;
	return 0;
}

/*
 * The UDP checksum of a query about to be answered. The whole message is
 * in scratch by now (an answerable query is at most DNS_LOAD_MAX bytes),
 * and most of its sum is known: the pseudo and UDP headers from parsing,
 * the question from the qname walk. What is left is the DNS header and the
 * OPT record after the question, which one bpf_csum_diff call sums a word
 * at a time once the bytes past the message are zero to a whole word.
 *
 * A bad sum is passed, not dropped: a frame from a local sender on a
 * virtual link (veth) may carry a partial checksum that only the kernel's
 * skb knows to be fine; for a frame off the wire the kernel drops it.
 */
static __always_inline enum dns_read_result check_udp_checksum(const struct packet *pkt, struct scratch *s,
								 const struct dns_query *q, __u32 qend)
{
	__u32 sum = pkt->l4_sum + q->question_sum, end = q->dns_off + pkt->payload_len;
	__u64 tail_len = pkt->payload_len - qend;
	__s64 tail_sum;

	if (!pkt->l4_sum)       /* no checksum: allowed over IPv4 only (RFC 8200 8.1) */
		return is_ipv4(pkt) ? DNS_READ_OK : DNS_READ_MALFORMED;
	for (__u32 i = 0; i < DNS_HEADER_LEN; i += 2)
		sum += scratch_u16(s, q->dns_off + i);
	if (tail_len) {
#pragma unroll
		for (int i = 0; i < 3; i++)
			s->buf[(end + i) & (SCRATCH_SIZE - 1)] = 0;
		tail_len = (tail_len + 3) & ~3ULL;
		barrier_var(tail_len);
		if (tail_len > DNS_OPT_LEN + DNS_OPTIONS_MAX + 3)
			return DNS_READ_UNSUPPORTED;
		tail_sum = bpf_csum_diff(NULL, 0, (void *)(s->buf + ((q->dns_off + qend) & (SCRATCH_SIZE - 1))),
					 tail_len, 0);
		if (tail_sum < 0)
			return DNS_READ_UNSUPPORTED;
		sum += xdpcast_csum_at(csum_fold_words(tail_sum), qend);
	}
	return xdpcast_csum_fold(sum) == 0xffff ? DNS_READ_OK : DNS_READ_UNSUPPORTED;
}

/*
 * Reads the query into scratch and q. Returns an enum dns_read_result.
 * A global function, so the verifier checks it (the unrolled EDNS option
 * walk above all) once, not once for every way parsing, filters and
 * buckets reach it: that halved the instructions it walks for the program.
 * Its pointers may be NULL as far as the verifier knows.
 */
__noinline int read_query(struct xdp_md *ctx, const struct packet *pkt, struct scratch *s, struct dns_query *q)
{
	__u32 loaded, qend, dns_off;
	__u16 qdcount, ancount, nscount, arcount;
	const __u8 *h;

	if (!pkt || !s || !q)
		return DNS_READ_MALFORMED;
	loaded = pkt->payload_len;
	if (loaded < DNS_HEADER_LEN)
		return DNS_READ_MALFORMED;
	if (loaded > DNS_LOAD_MAX)
		loaded = DNS_LOAD_MAX;
	dns_off = pkt->l2_len + (is_ipv4(pkt) ? 20 : 40) + 8;
	if (dns_off > RESPONSE_DNS_OFF_MAX)
		return DNS_READ_UNSUPPORTED;
	q->dns_off = dns_off;
	h = s->buf + (dns_off & 127);   /* the header at fixed offsets from one bounded pointer */
	if (frame_copy(ctx, pkt->payload_off, 255, (void *)h, loaded, DNS_LOAD_MAX, FROM_FRAME))
		return DNS_READ_MALFORMED;

	q->flags = (__u16)h[2] << 8 | h[3];
	qdcount = (__u16)h[4] << 8 | h[5];
	ancount = (__u16)h[6] << 8 | h[7];
	nscount = (__u16)h[8] << 8 | h[9];
	arcount = (__u16)h[10] << 8 | h[11];
	if (q->flags & DNS_FLAG_QR)
		return DNS_READ_RESPONSE;
	if (!pkt->sport)
		return DNS_READ_MALFORMED;  /* no reply can go to port 0: NSD's send fails */
	/* Other opcodes, question counts and an RCODE in a query: NSD answers
	 * (NOTIMP, FORMERR). */
	if ((q->flags & (DNS_OPCODE_MASK | DNS_RCODE_MASK)) || qdcount != 1 ||
	    ancount || nscount || arcount > 1)
		return DNS_READ_UNSUPPORTED;

	q->qname_len = walk_qname(s, q, loaded);
	if (!q->qname_len)
		return DNS_READ_UNSUPPORTED;
	q->question_len = q->qname_len + 4;
	qend = DNS_HEADER_LEN + q->question_len;
	if (qend > loaded)
		return DNS_READ_UNSUPPORTED;
	q->qtype = scratch_u16(s, q->dns_off + qend - 4);
	q->qclass = scratch_u16(s, q->dns_off + qend - 2);
	if (!is_data_type(q->qtype))
		return DNS_READ_UNSUPPORTED;
	q->question_sum = csum_octets(s->buf + ((q->dns_off + DNS_HEADER_LEN) & (SCRATCH_SIZE - 1)),
				      q->question_len, DNS_QUESTION_MAX);

	q->udp_limit = DNS_UDP_MIN;
	if (arcount ? read_opt(s, q, qend, pkt->payload_len) != 0 : qend != pkt->payload_len)
		return DNS_READ_UNSUPPORTED;
	return check_udp_checksum(pkt, s, q, qend);
}

#endif /* XDPCAST_DNS_QUERY_H */
