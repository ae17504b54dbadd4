/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Everything the XDP program and userspace share: counter reasons, map keys
 * and values, limits. Both sides include this file, so they agree on every
 * layout by construction.
 */
#ifndef XDPCAST_H
#define XDPCAST_H

#ifndef __bpf__
#include <linux/types.h>
#endif

#define XDPCAST_MAX_IFACES     8
#define XDPCAST_STATS_SLOTS    (XDPCAST_MAX_IFACES + 1)
#define XDPCAST_TEST_RUN_SLOT  XDPCAST_MAX_IFACES  /* packets of no attached interface:
						    * BPF_PROG_TEST_RUN (xdpcastctl lookup) */
#define XDPCAST_NAME_MAX       255   /* wire-format domain name, root label included */
#define XDPCAST_LABELS_MAX     32    /* deeper names are left to userspace */
#define XDPCAST_ANSWER_MAX     1232  /* precompiled answer bytes per entry */
#define XDPCAST_EDNS_UDP_SIZE  1232  /* our EDNS payload size, as NSD's default */
#define XDPCAST_DNS_PORT       53
#define XDPCAST_NSID_MAX       64    /* bytes of the NSID option: the PoP name */
#define XDPCAST_VIEWS_MAX      16

/*
 * The sources of the daemon's own probes (the fast_path health check,
 * `xdpcastctl lookup`): BPF_PROG_TEST_RUN packets from them skip the source
 * filters, the per-source buckets and RRL, so that what a probe sees never
 * depends on the blocklist or on how often it asks. Only test runs: traffic
 * from these addresses on an attached interface is treated like any other.
 */
#define XDPCAST_PROBE_SOURCE4 { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 198, 51, 100, 254 }  /* IPv4 mapped */
#define XDPCAST_PROBE_SOURCE6 { 0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xfe }

/*
 * Every exit of the program counts exactly one reason. The list is a
 * contract (docs/ARCHITECTURE.md, "Contracts"): append, never reorder.
 * Each reason carries the XDP action it ends in, used for the `action`
 * metric label.
 */
#define XDPCAST_REASONS(X)          \
	X(dns_answer, TX)           \
	X(dns_nxdomain, TX)         \
	X(dns_nodata, TX)           \
	X(dns_referral, TX)         \
	X(dns_truncated, TX)        \
	X(dns_pass_miss, PASS)      \
	X(dns_pass_no_room, PASS)   \
	X(dns_pass_other, PASS)     \
	X(not_protected, PASS)      \
	X(pass_tcp, PASS)           \
	X(pass_other, PASS)         \
	X(drop_malformed, DROP)     \
	X(drop_fragment, DROP)      \
	X(drop_blocklist, DROP)     \
	X(drop_bogon_source, DROP)  \
	X(drop_port_policy, DROP)   \
	X(drop_reflection, DROP)    \
	X(drop_rate_limited, DROP)  \
	X(drop_pass_budget, DROP)   \
	X(rrl_drop, DROP)           \
	X(rrl_slip, TX)             \
	X(dns_badvers, TX)          \
	X(dns_refused, TX)

#define XDPCAST_REASON_ENUM(name, action) XDPCAST_##name,
enum xdpcast_reason {
	XDPCAST_REASONS(XDPCAST_REASON_ENUM)
	XDPCAST_REASON_MAX
};
#undef XDPCAST_REASON_ENUM

/* One counter; per CPU in the map, summed by userspace. */
struct xdpcast_counter {
	__u64 packets;
	__u64 bytes;      /* frame length as received */
};

/*
 * The value of the per-CPU `xdpcast_stats` array, one slot per interface.
 * Named fields so `bpftool map dump` prints every reason by name; the
 * program indexes it as an array of struct xdpcast_counter by reason.
 */
#define XDPCAST_REASON_FIELD(name, action) struct xdpcast_counter name;
struct xdpcast_stats {
	XDPCAST_REASONS(XDPCAST_REASON_FIELD)
};
#undef XDPCAST_REASON_FIELD

/*
 * Key of the `xdpcast_protected` LPM trie. One address family-neutral key:
 * IPv4 is stored IPv4-mapped (::ffff:a.b.c.d, prefix length + 96), so the
 * program has a single lookup path for both families.
 */
struct xdpcast_lpm_key {
	__u32 prefixlen;
	__u8 addr[16];
};

/*
 * What an anycast prefix accepts (docs/ARCHITECTURE.md, "Packet path"): up to
 * XDPCAST_ALLOW_MAX rules of protocol and destination port. Port 0 is any
 * port. An ICMP/ICMPv6 rule admits echo requests and the "packet too big" /
 * "fragmentation needed" messages path MTU discovery needs, no other type.
 */
#define XDPCAST_ALLOW_MAX 8

struct port_rule {
	__u8 proto;       /* IPPROTO_UDP, IPPROTO_TCP, IPPROTO_ICMP, IPPROTO_ICMPV6 */
	__u8 reserved;
	__u16 port;       /* host order; 0: any */
};

struct protected_prefix {
	__u32 index;      /* position of the --anycast flag, for logs and metrics */
	__u32 rule_count;
	struct port_rule allow[XDPCAST_ALLOW_MAX];
};

/* Value of the `xdpcast_source_filter` LPM trie, keyed by source prefix. */
enum source_kind {
	SOURCE_BLOCKED = 1,       /* the config's blocklist */
	SOURCE_BLOCKED_LIVE,      /* added by `xdpcastctl block add` */
	SOURCE_BOGON,             /* cannot be a source on the internet */
	SOURCE_OWN_PREFIX,        /* inside our own anycast prefixes: spoofed */
};

struct source_filter {
	__u32 kind;       /* enum source_kind */
};

/*
 * A rate: `rate` packets per second, bursts of `burst`. The loader fills
 * interval_ns and tolerance_ns (token_bucket_setting()), so the program
 * never divides. Rate 0 switches the limit off.
 */
struct rate_setting {
	__u32 rate;
	__u32 burst;
	__u64 interval_ns;
	__u64 tolerance_ns;
};

/* The levels of the per-source token buckets. */
enum source_level {
	SOURCE_LEVEL_V4_32,
	SOURCE_LEVEL_V4_24,
	SOURCE_LEVEL_V6_64,
	SOURCE_LEVEL_V6_56,
	SOURCE_LEVEL_MAX
};

/* Key of the `xdpcast_source_buckets` LRU: the source masked to its level. */
struct source_bucket_key {
	__u8 addr[16];
	__u32 level;      /* enum source_level */
};

/* A token bucket: the time it is next full (see bpf/token_bucket.h). */
struct rate_bucket {
	__u64 tat_ns;
};

/* Buckets shared by all sources, slots of the `xdpcast_global_buckets` array. */
enum global_bucket {
	GLOBAL_PASS_BUDGET,       /* packets handed to the userspace server */
	GLOBAL_ICMP,              /* ICMP admitted by the allowlist */
	GLOBAL_BUCKET_MAX
};

/* What RRL tells apart (RFC-less, as BIND and Knot classify responses). */
enum rrl_class {
	RRL_CLASS_POSITIVE,       /* keyed by owner name and qtype */
	RRL_CLASS_NEGATIVE,       /* NXDOMAIN, NODATA: by the closest encloser */
	RRL_CLASS_REFERRAL,       /* by the delegation point */
	RRL_CLASS_ERROR,          /* other rcodes */
};

/* Key of the `xdpcast_rrl` LRU: client network (/24, /56) and response. */
struct rrl_key {
	__u8 prefix[8];           /* IPv4 /24 or IPv6 /56 of the client */
	__u64 name_hash;          /* the entry's owner (encloser, delegation) */
	__u16 qtype;              /* positive answers only, else 0 */
	__u8 rrl_class;           /* enum rrl_class */
	__u8 ipv6;
	__u32 reserved;
};

struct rrl_bucket {
	__u64 tat_ns;
	__u32 limited;            /* responses over the limit so far, for slip */
	__u32 reserved;
};

#define XDPCAST_COOKIE_SECRET_LEN 16

/*
 * Runtime settings, slot 0 of the `xdpcast_settings` array. A map rather
 * than .rodata so the loader can change rates and rotate the cookie secret
 * while the program runs.
 */
struct xdpcast_settings {
	struct rate_setting source[SOURCE_LEVEL_MAX];
	struct rate_setting pass_budget;
	struct rate_setting icmp;
	struct rate_setting rrl;
	__u32 rrl_slip;           /* every Nth limited response is a TC=1; 0: none */
	__u32 cookies;            /* 1: answer and honour DNS cookies */
	__s64 realtime_offset_ns; /* CLOCK_REALTIME - CLOCK_MONOTONIC, for cookie stamps */
	__u8 cookie_secret[XDPCAST_COOKIE_SECRET_LEN];
	__u8 cookie_previous[XDPCAST_COOKIE_SECRET_LEN];
	__u32 has_previous;       /* cookies made with the previous secret still count */
	__u32 reserved;
};

/*
 * What the control plane last saw, slot 0 of the `xdpcast_control_plane`
 * array: xdpcastd writes it after every change so that `bpftool map dump`
 * and scripts on the PoP read BGP and health state from the maps like the
 * counters, and so that the next xdpcastd knows whether this one handed
 * over (keep announcing) or died (start withdrawn). The program does not
 * read it. Fields are only ever appended.
 */
struct control_plane_state {
	__u32 healthy;            /* every health check up: the PoP wants to announce */
	__u32 checks_up;
	__u32 checks;
	__u32 bird_up;            /* xdpcastd talks to BIRD on its control socket */
	__u32 prefixes_announced; /* anycast prefixes BIRD exports over an established session */
	__u32 prefixes;
	__u32 sessions_up;        /* BGP sessions established */
	__u32 sessions;
	__u64 updated_at;         /* unix seconds of the last change */
	__u32 pid;                /* of the xdpcastd that wrote it */
	__u32 program_id;         /* of its program: a successor trusts handed_over
				   * only if that program is the one it takes over */
	__u32 handed_over;        /* 1: it exited for a successor, leaving the program
				   * attached and the announcement as `healthy` says */
};

/*
 * Catchment: the client networks this PoP answers, in the units BGP moves
 * between PoPs (IPv4 /24, IPv6 /48). Key of the `xdpcast_catchment` LRU,
 * 8 bytes: it is built next to a stack at the verifier's limit.
 */
#define XDPCAST_CATCHMENT_V4_BITS 24
#define XDPCAST_CATCHMENT_V6_BITS 48
#define XDPCAST_CATCHMENT_MAX     16384   /* networks kept; the least recently answered go first */

struct catchment_key {
	__u8 network[6];  /* IPv6: the /48; IPv4: the /24 in network[0..2], the rest 0 */
	__u8 ipv6;
	__u8 reserved;
};

/* Its value, one per CPU: userspace adds the answers and takes the latest time. */
struct catchment_count {
	__u64 answers;    /* responses sent with XDP_TX to the network */
	__u64 last_ns;    /* bpf_ktime_get_ns() (CLOCK_MONOTONIC) of the latest */
};

/* Value of the `xdpcast_views` LPM trie, keyed by client source prefix. */
struct client_view {
	__u16 view;       /* 1..XDPCAST_VIEWS_MAX; 0 is the default view */
};

/*
 * What an answer cache entry answers for its name. The program looks up
 * TYPE for the query's name and type; on a miss OTHER for the name; on a
 * miss BELOW for each ancestor, nearest first (the closest encloser).
 */
enum answer_match {
	ANSWER_MATCH_TYPE,      /* queries for this name and qtype */
	ANSWER_MATCH_OTHER,     /* this name, any qtype without a TYPE entry */
	ANSWER_MATCH_BELOW,     /* names below this one that have no entry */
};

/* Key of one answer cache entry. */
struct answer_key {
	__u64 name_hash;  /* xdpcast_name_hash of the lowercased wire name */
	__u16 qtype;      /* 0 unless match is ANSWER_MATCH_TYPE */
	__u16 qclass;
	__u16 view;       /* 0: the default view */
	__u8 match;       /* enum answer_match */
	__u8 dnssec_ok;   /* 1: the DO=1 variant of a signed zone's answer */
};

/*
 * A response may be cut to fit the client's UDP limit. The compiler records
 * where each section ends so the program can drop additional, then
 * authority, and only set TC when the answer section itself does not fit.
 */
enum answer_cut_level {
	ANSWER_CUT_ANSWER,      /* answer section only */
	ANSWER_CUT_AUTHORITY,   /* answer + authority */
	ANSWER_CUT_FULL,        /* answer + authority + additional */
	ANSWER_CUT_MAX
};

struct answer_cut {
	__u16 len;        /* bytes of data[] that belong to this cut */
	__u16 csum;       /* ones-complement sum of those bytes, even-aligned */
	__u16 ancount;
	__u16 nscount;
	__u16 arcount;
};

enum answer_entry_flag {
	ANSWER_SIGNED = 1 << 0,       /* zone has DNSSEC data: DO=1 needs the DNSSEC variant */
	ANSWER_PASS = 1 << 1,         /* the userspace server answers (e.g. wildcard, DNAME) */
	ANSWER_NO_TRUNCATE = 1 << 2,  /* position independent: send whole or pass */
	ANSWER_WILDCARD = 1 << 3,     /* BELOW entry: answer from the wildcard child */
	ANSWER_DNSSEC = 1 << 4,       /* the DO=1 variant, with RRSIGs */
};

struct answer_entry {
	__u16 name_len;          /* wire length of name[], root label included */
	__u16 header_flags;      /* flags word of the response (QR, AA, RCODE) */
	__u16 entry_flags;       /* enum answer_entry_flag */
	__u16 reason;            /* enum xdpcast_reason counted when answered */
	__u16 ede;               /* Extended DNS Error info code (RFC 8914) to add, 0: none */
	__u16 rrl_class;         /* enum rrl_class of this response */
	__u64 rrl_name_hash;     /* the name RRL accounts it to: owner, encloser, cut */
	struct answer_cut cut[ANSWER_CUT_MAX];
	__u8 name[XDPCAST_NAME_MAX + 1];  /* lowercased owner, to verify the hash hit */
	__u8 data[XDPCAST_ANSWER_MAX];    /* sections after the question, owner compressed to 0xc00c */
};

/*
 * The name hash both sides compute, chained from the root label up so that
 * one walk over the qname yields the hash of every ancestor too:
 *   label hash: FNV-1a over the label's length byte and lowercased bytes;
 *   chain:      h(root) = INIT, h(label.parent) = chain(h(parent), label hash);
 *   key:        final(h), a 64-bit finaliser spreading similar names.
 * A hit is always verified against the full name stored in the entry.
 */
#define XDPCAST_NAME_HASH_INIT 0xcbf29ce484222325ULL

static inline __u64 xdpcast_name_hash_step(__u64 hash, __u8 byte)
{
	return (hash ^ byte) * 0x100000001b3ULL;
}

static inline __u64 xdpcast_name_hash_chain(__u64 parent, __u64 label)
{
	return (parent ^ label) * 0x9e3779b97f4a7c15ULL + 0x632be59bd9b4e019ULL;
}

/* The label hash of "*", for the source of wildcard synthesis. */
static inline __u64 xdpcast_wildcard_label_hash(void)
{
	return xdpcast_name_hash_step(xdpcast_name_hash_step(XDPCAST_NAME_HASH_INIT, 1), '*');
}

static inline __u64 xdpcast_name_hash_final(__u64 hash)
{
	hash ^= hash >> 33;
	hash *= 0xff51afd7ed558ccdULL;
	hash ^= hash >> 33;
	hash *= 0xc4ceb9fe1a85ec53ULL;
	return hash ^ (hash >> 33);
}

/* Ones-complement arithmetic in network byte order, as RFC 1071 describes. */
static inline __u32 xdpcast_csum_add_byte(__u32 sum, __u8 byte, __u32 offset)
{
	return sum + ((offset & 1) ? byte : (__u32)byte << 8);
}

static inline __u16 xdpcast_csum_fold(__u32 sum)
{
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (__u16)sum;
}

/* The sum of bytes placed at an odd offset is the byte-swapped even sum. */
static inline __u16 xdpcast_csum_at(__u16 even_sum, __u32 offset)
{
	return (offset & 1) ? (__u16)((even_sum << 8) | (even_sum >> 8)) : even_sum;
}

#endif /* XDPCAST_H */
