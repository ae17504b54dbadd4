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
#define XDPCAST_HANDOVER_CHECKS 80      /* health checks a handover lists: every one (health.h) */
#define XDPCAST_HANDOVER_PREFIXES 64    /* anycast prefixes a handover lists: every one (options.h) */
#define XDPCAST_TEST_RUN_SLOT  XDPCAST_MAX_IFACES  /* packets of no attached interface:
						    * BPF_PROG_TEST_RUN (xdpcastctl lookup) */
#define XDPCAST_MEMBERS_MAX    16    /* devices the program runs on through an attached
				      * interface (a bond's members), all interfaces' */
#define XDPCAST_NAME_MAX       255   /* wire-format domain name, root label included */
#define XDPCAST_LABELS_MAX     32    /* deeper names are left to userspace */
#define XDPCAST_ANSWER_MAX     1232  /* bytes after the question in one response */
#define XDPCAST_EDNS_UDP_SIZE  1232  /* our EDNS payload size, as NSD's default */
#define XDPCAST_DNS_PORT       53
#define XDPCAST_NSID_MAX       64    /* bytes of the NSID option: the PoP name */
#define XDPCAST_VIEWS_MAX      16

/*
 * The sources of the daemon's own probes (the fast_path health check,
 * `xdpcastctl lookup`): BPF_PROG_TEST_RUN packets from them skip the source
 * filters, the per-source buckets and RRL, so that what a probe sees never
 * depends on the blocklist or on how often it asks. Only test runs (frames
 * of the loopback device in the slot no interface has): traffic from these
 * addresses on any interface, listed or not, is treated like any other.
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
	X(dns_refused, TX)          \
	X(dns_pass_dnssec, PASS)

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

/* A rule's port admits a destination port (host order): its own, or any
 * when it names none. The program's filter and the choice of a destination
 * to ask (xdpcastctl lookup, the fast_path check) agree through this. */
static inline int xdpcast_rule_admits_port(const struct port_rule *rule, __u16 port)
{
	return !rule->port || rule->port == port;
}

/*
 * The screen of `xdpcast_source_filter`, slot 0 of the mmapable
 * `xdpcast_source_screen` array: a source whose bits are clear matches no
 * entry, and skips the trie (bpf/source_screen.h says which bits).
 */
#define SOURCE_SCREEN_HASH_BITS 22    /* 4 Mi hashed bits, 512 KiB */
#define SOURCE_SCREEN_LAYOUT 2        /* which bits the screen's readers and writers agree on */

struct source_screen {
	/* SOURCE_SCREEN_LAYOUT once built; anything else: look every source
	 * up (never built, being rebuilt, or built by another version) */
	__u64 ready;
	__u64 reserved[7];                                  /* the bits start on a cache line */
	__u64 by16[2][65536 / 64];                          /* [IPv6][the source's /16] */
	__u64 hashed[(1 << SOURCE_SCREEN_HASH_BITS) / 64];  /* IPv4 /24, IPv6 /32 and /48 */
};

/* Value of the `xdpcast_source_filter` LPM trie, keyed by source prefix. */
enum source_kind {
	SOURCE_BLOCKED = 1,       /* the config's blocklist */
	SOURCE_BLOCKED_LIVE,      /* added by `xdpcastctl block add` */
	SOURCE_BOGON,             /* cannot be a source on the internet */
	SOURCE_OWN_PREFIX,        /* inside our own anycast prefixes: spoofed */
	SOURCE_BLOCKED_BOTH,      /* in the config's blocklist and blocked live: lifting one leaves the other */
};

#define XDPCAST_SOURCE_FILTER_MAX 65536  /* prefixes in xdpcast_source_filter: config, anycast and live */

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

#define XDPCAST_FIRST_SEEN_SLOTS 131072   /* a power of two */
#define XDPCAST_FIRST_SEEN_EPOCH_SHIFT 36  /* epochs of 2^36 ns, about 69 s */

/* A slot of `xdpcast_first_seen`: the key without a bucket whose first
 * packet was seen last there (bpf/ratelimit.h). */
struct first_seen {
	__u32 tag;           /* bits of the key's keyed hash the slot index does not use */
	__u16 bucket_epoch;  /* when a key hashing here last used its bucket (2^36 ns units) */
	__u16 reserved;
	__u64 first_ns;      /* the first packet's time; 0: its bucket made, or none yet */
};

/* Buckets shared by all sources, slots of the `xdpcast_global_buckets` array. */
enum global_bucket {
	GLOBAL_PASS_BUDGET,       /* packets handed to the userspace server */
	GLOBAL_ICMP,              /* ICMP echo requests admitted by the allowlist */
	GLOBAL_PATH_MTU,          /* "fragmentation needed", "packet too big": apart,
				   * so a ping flood cannot starve path MTU discovery */
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
#define XDPCAST_COOKIE_LIFETIME_S 3600   /* RFC 9018 section 4.3: a server cookie is accepted for an hour */

/*
 * Runtime settings, slot 0 of the `xdpcast_settings` array. A map rather
 * than .rodata so the loader can change rates and rotate the cookie secret
 * while the program runs.
 */
struct xdpcast_settings {
	struct rate_setting source[SOURCE_LEVEL_MAX];
	struct rate_setting pass_budget;
	struct rate_setting icmp;
	struct rate_setting path_mtu;
	struct rate_setting rrl;
	__u32 rrl_slip;           /* every Nth limited response is a TC=1; 0: none */
	__u32 cookies;            /* 1: answer and honour DNS cookies */
	__s64 realtime_offset_ns; /* CLOCK_REALTIME - CLOCK_MONOTONIC, for cookie stamps */
	__u8 cookie_secret[XDPCAST_COOKIE_SECRET_LEN];
	__u8 cookie_previous[XDPCAST_COOKIE_SECRET_LEN];
	__u32 has_previous;       /* cookies made with the previous secret still count */
	__u32 previous_until;     /* unix time xdpcastd retires a rotation's previous secret (0: the
				   * config names it); not read by the program: kept for a takeover */
};

/* A health check as a handover leaves it to the successor: 64 bits of
 * its name, so that no two names of a config meet. */
struct control_plane_check {
	__u64 name_hash;          /* hmap_hash_text of its name */
	__u32 up;
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
				   * attached and the announcement as its checks
				   * (check_states, else `healthy`) say; 0 again once a
				   * successor started on it */
	/* What the successor that takes the maps over counts on from: its
	 * counters go on where the maps' do, never back to 0. */
	__u64 counters_since;     /* unix seconds: the start that took nothing over */
	__u64 reload_failures;
	__u64 catalog_errors;
	__u32 reattached_ifindex[XDPCAST_MAX_IFACES];   /* the interface of each reattached */
	__u32 reattached[XDPCAST_MAX_IFACES];
	/* Every check, up or down, so that after a handover the successor
	 * announces what they let this xdpcastd announce (one prefix down
	 * takes no other down). 0 listed: an older xdpcastd wrote it, and
	 * only `healthy` is trusted. */
	__u32 checks_listed;
	struct control_plane_check check_states[XDPCAST_HANDOVER_CHECKS];
	/* The anycast prefixes it announced (drained ones too), by their
	 * text's hash: after a handover, one it did not announce waits for
	 * its checks to pass as at a fresh start. announced_known 0: an older
	 * xdpcastd wrote it, and each prefix is taken as announced. */
	__u32 announced_known;
	__u32 announced_count;
	__u64 announced[XDPCAST_HANDOVER_PREFIXES];
	/* The interface of each reattached by its name's hash: one gone at
	 * the handover has no ifindex to be found by. 0: an older xdpcastd
	 * wrote it, found by reattached_ifindex. */
	__u64 reattached_name[XDPCAST_MAX_IFACES];
};

/*
 * Catchment: the client networks this PoP answers, in the units BGP moves
 * between PoPs (IPv4 /24, IPv6 /48). `xdpcast_catchment` is a per-CPU
 * array of sets, each holding XDPCAST_CATCHMENT_WAYS networks: a network
 * lives in the set its key hashes to, and a new one takes the place of the
 * set's least recently answered. An array lookup is inlined by the
 * verifier and a set is one cache line and a half of this CPU's memory,
 * where an LRU hash cost a helper call per answer and a list update per
 * new network (a spoofed flood of answered queries is all new networks).
 */
#define XDPCAST_CATCHMENT_V4_BITS 24
#define XDPCAST_CATCHMENT_V6_BITS 48
#define XDPCAST_CATCHMENT_WAYS    4
#define XDPCAST_CATCHMENT_SET_BITS 12
#define XDPCAST_CATCHMENT_SETS    (1u << XDPCAST_CATCHMENT_SET_BITS)
#define XDPCAST_CATCHMENT_MAX     (XDPCAST_CATCHMENT_SETS * XDPCAST_CATCHMENT_WAYS)   /* networks per CPU */

struct catchment_key {
	__u8 network[6];  /* IPv6: the /48; IPv4: the /24 in network[0..2], the rest 0 */
	__u8 ipv6;
	__u8 reserved;
};

/* One network of a set, per CPU: userspace adds the answers and takes the latest time. */
struct catchment_entry {
	union {
		struct catchment_key key;
		__u64 key_word;   /* the key compared in one load */
	};
	__u64 answers;    /* responses sent with XDP_TX to the network; 0: the entry is free */
	__u64 last_ns;    /* CLOCK_MONOTONIC of the latest, to the second at least */
};

/* A takeover to a build whose sets changed adds each network's counts to
 * the new program's, in the set the new build hashes it to (loader/pins.c):
 * a new version may change the ways and the sets, never an entry. */
struct catchment_set {
	struct catchment_entry way[XDPCAST_CATCHMENT_WAYS];
};

/* The set a network lives in: Fibonacci hashing of its key, whose bytes
 * all reach the top bits the index is taken from. */
static inline __u32 xdpcast_catchment_set_of(__u64 key_word)
{
	return (__u32)((key_word * 0x9e3779b97f4a7c15ULL) >> (64 - XDPCAST_CATCHMENT_SET_BITS));
}

/* The way of a set that counts a network: its own entry, else the least
 * recently answered one, which it takes (a free entry's last_ns is 0). */
static inline struct catchment_entry *xdpcast_catchment_way(struct catchment_set *set, __u64 key_word)
{
	struct catchment_entry *oldest = &set->way[0];

	for (__u32 i = 0; i < XDPCAST_CATCHMENT_WAYS; i++) {
		struct catchment_entry *e = &set->way[i];

		if (e->answers && e->key_word == key_word)
			return e;
		if (e->last_ns < oldest->last_ns)
			oldest = e;
	}
	return oldest;
}

#define XDPCAST_VIEW_PREFIXES_MAX 4096  /* client prefixes of all views together */

/* Value of the `xdpcast_views` LPM trie, keyed by client source prefix. */
struct client_view {
	__u16 view;       /* 1..XDPCAST_VIEWS_MAX; 0 is the default view */
};

/*
 * The answer cache (DESIGN.md section 3) has two parts:
 *
 *  - the names: one slot per (name, class, view) in a generation's table
 *    (`xdpcast_names`, slot 0 of `xdpcast_answer_gen`; struct name_line),
 *    leading to the blob address of the name's record;
 *  - the blob: records of any size in pages of `xdpcast_blob` (an array of
 *    maps, each page a one-element array the loader writes through mmap).
 *
 * A name's record holds the name (to verify a hash hit), its types and the
 * addresses of their answers, and the answers for other types (OTHER) and
 * for names below it (BELOW). An answer is a head (the answer section,
 * rendered for the name itself) and a tail (authority and additional
 * sections). Tails are stored once and shared: within a zone every NODATA
 * and every positive answer whose tail is the apex NS with its glue shares
 * one rendering, its compression pointers made relative (patches) and
 * completed at answer time from the qname's length; every NXDOMAIN shares
 * one position independent rendering. Those shared tails are reached
 * through the zone's slots, so a new SOA replaces them for every name at
 * once (one 4-byte store).
 *
 * Records are immutable while a key or slot can lead to them: an update
 * writes new records, then switches the key or slot, and frees the old
 * records only after a grace period (docs/ARCHITECTURE.md, "In-place
 * updates").
 */
#define XDPCAST_BLOB_PAGE_SHIFT 18
#define XDPCAST_BLOB_PAGE_SIZE  (1u << XDPCAST_BLOB_PAGE_SHIFT)  /* records start below this */
#define XDPCAST_BLOB_RECORD_MAX 4096    /* the largest record: pages have that much more room */
#define XDPCAST_BLOB_ALIGN      8       /* records start 8-aligned: an address counts 8-byte units */
#define XDPCAST_BLOB_PAGES_MAX  131072  /* 32 GiB of records */
#define XDPCAST_TYPES_MAX       64      /* type entries of one name (DO=1 variants included) */
#define XDPCAST_TAIL_PATCHES    16      /* relative compression pointers in one tail */
#define XDPCAST_TAIL_PROOFS     3       /* proofs of denial in one tail: NSEC3's NXDOMAIN at a chain's end */

/* One page of the blob: the value of each inner map of `xdpcast_blob`. */
struct blob_page {
	__u8 bytes[XDPCAST_BLOB_PAGE_SIZE + XDPCAST_BLOB_RECORD_MAX];
};

/* A blob address: page << 15 | offset / 8. 0 is no record. */
#define XDPCAST_BLOB_OFFSET_BITS (XDPCAST_BLOB_PAGE_SHIFT - 3)

static inline __u32 xdpcast_address_page(__u32 address)
{
	return address >> XDPCAST_BLOB_OFFSET_BITS;
}

static inline __u32 xdpcast_address_offset(__u32 address)
{
	return (address << 3) & (XDPCAST_BLOB_PAGE_SIZE - 1);
}

static inline __u32 xdpcast_address(__u32 page, __u32 offset)
{
	return page << XDPCAST_BLOB_OFFSET_BITS | offset >> 3;
}

/* What a name is looked up by. */
struct name_key {
	__u64 name_hash;  /* xdpcast_name_hash of the lowercased wire name */
	__u16 qclass;
	__u16 view;       /* 0: the default view */
	__u32 reserved;
};

/*
 * The names table: open addressing over lines of four slots (one cache
 * line), in an mmapable array the loader writes in place. A key visits
 * the lines xdpcast_names_probe gives, at most XDPCAST_NAMES_PROBE_LINES,
 * and takes the first free or emptied slot. A
 * lookup ends at the key (found), at a free slot (the name is not ours) or
 * after the last line (not known: userspace answers). So a key with no
 * room in its lines is left to userspace, never taken for a miss: no slot
 * becomes free again within a generation (a deleted key's slot is emptied,
 * kept for the probes that pass it, and reused).
 *
 * A slot is two words, each written in one store: the name hash, and
 * (qclass, view, record), which a new key stores first. A reader matches
 * the hash and the whole second word, then verifies the name in the
 * record it finds (the word pairs a record with its class and view); so
 * whatever stores it falls between, it finds the key's old record, its
 * new one, or passes.
 */
struct name_slot {
	__u64 name_hash;  /* with qclass 0: a free slot */
	__u16 qclass;     /* NAME_SLOT_EMPTIED: a deleted key's */
	__u16 view;
	__u32 record;     /* blob address of the struct name_record; 0: two names
			   * of the view claim this key, userspace answers */
};

#define NAME_SLOT_EMPTIED       0xffff   /* reserved (RFC 6895): a query of that class that meets an
					  * emptied slot of its name finds record 0 and is passed */
#define XDPCAST_NAME_LINE_SLOTS 4
#define XDPCAST_NAMES_PROBE_LINES 8

struct name_line {
	struct name_slot slot[XDPCAST_NAME_LINE_SLOTS];
};

/* A slot's second word as one number: how both sides store and load it. */
static inline __u64 xdpcast_name_slot_word(__u16 qclass, __u16 view, __u32 record)
{
	return (__u64)record << 32 | (__u32)view << 16 | qclass;
}

/* Where a key's lines are among `lines`: the first, and the step to the
 * next (double hashing: keys that start on one line go on apart, so runs
 * of full lines stay short). The class and view are mixed into the name
 * hash (one name in many views spreads out); each half is scaled to the
 * table, any number of lines. */
struct names_probe {
	__u32 line;
	__u32 step;             /* 1 .. lines - 1 (1 for a table of one line) */
};

static inline struct names_probe xdpcast_names_probe(__u64 name_hash, __u16 qclass, __u16 view, __u32 lines)
{
	__u64 mixed = name_hash ^ ((__u64)((__u32)view << 16 | qclass) * 0x9e3779b97f4a7c15ULL);
	__u32 steps = lines > 1 ? lines - 1 : 1;

	return (struct names_probe){
		.line = (__u32)(((mixed >> 32) * lines) >> 32),
		.step = 1 + (__u32)(((mixed & 0xffffffff) * steps) >> 32),
	};
}

static inline __u32 xdpcast_names_next(__u32 line, __u32 step, __u32 lines)
{
	line += step;
	return line >= lines ? line - lines : line;
}

enum name_flag {
	NAME_SIGNED = 1 << 0,          /* the zone has DNSSEC data: DO=1 needs a DNSSEC variant */
	NAME_BELOW_WILDCARD = 1 << 1,  /* names below without a record: its wildcard child answers */
	NAME_TYPES_PARTIAL = 1 << 2,   /* more types than XDPCAST_TYPES_MAX: a type not listed is passed */
};

/*
 * A name's record: the header, the lowercased name (8-aligned), then
 * type_count struct type_entry sorted by qtype, the DO=1 variant right
 * after its DO=0 entry.
 */
struct name_record {
	__u8 name_len;    /* wire length, root label included */
	__u8 type_count;
	__u16 flags;      /* enum name_flag */
	__u32 other;      /* answer for a type without an entry; 0: userspace answers */
	__u32 below;      /* answer for names below without a record; 0: userspace */
	__u32 other_dnssec;  /* their DO=1 variants in a signed zone, with the */
	__u32 below_dnssec;  /* NSEC or NSEC3 proofs; 0: userspace answers */
	__u32 reserved;
};

struct type_entry {
	__u16 qtype;
	__u8 dnssec_ok;   /* 1: the DO=1 variant, with RRSIGs */
	__u8 reserved;
	__u32 answer;     /* blob address of the struct answer_record */
};

/* Where the name starts in its record, and where its type entries start. */
#define XDPCAST_RECORD_NAME_OFF sizeof(struct name_record)

static inline __u32 xdpcast_record_types_off(__u32 name_len)
{
	return XDPCAST_RECORD_NAME_OFF + ((name_len + 7) & ~7u);
}

enum answer_flag {
	ANSWER_NO_TRUNCATE = 1 << 0,       /* send whole or pass: NSD would cut it otherwise */
	ANSWER_NEEDS_AUTHORITY = 1 << 1,   /* no cut without the authority section */
	ANSWER_TAIL_SLOT = 1 << 2,         /* tail is the address of the zone's slots; `slot` says which */
	ANSWER_DENIAL_NSEC = 1 << 3,       /* + the NSEC covering the qname, from the zone's denial index */
	ANSWER_DENIAL_NSEC3 = 1 << 4,      /* + the NSEC3 covering the next closer name's hash */
	ANSWER_CNAME_CHAIN = 1 << 5,       /* an answer section that does not fit is passed: NSD
					    * sends the chain's RRsets that fit, with TC=1 */
};

/*
 * An answer: the header, then head_len bytes of the answer section (owner
 * compressed to the question), followed at answer time by its tail.
 */
struct answer_record {
	__u16 header_flags;  /* flags word of the response (QR, AA, RCODE) */
	__u8 reason;         /* enum xdpcast_reason counted when answered */
	__u8 rrl_class;      /* enum rrl_class */
	__u16 flags;         /* enum answer_flag */
	__u16 ede;           /* Extended DNS Error info code (RFC 8914) to add, 0: none */
	__u16 head_len;
	__u16 head_csum;     /* ones-complement sum of the head, even-aligned */
	__u16 ancount;
	__u16 slot;          /* with ANSWER_TAIL_SLOT: enum zone_slot */
	__u32 tail;          /* struct tail_record, or the zone's slots; 0: no tail */
	__u32 denial;        /* with ANSWER_DENIAL_*: the root struct denial_node of the zone's index */
	__u32 denial_skip[XDPCAST_TAIL_PROOFS];  /* proofs the tail already holds (struct proof_record): not twice */
};

/*
 * A tail patch: a compression pointer stored relative, completed by adding
 * the qname's length (it points into the question, at a suffix of the
 * qname) or the qname's and the head's (it points into the tail itself).
 */
#define XDPCAST_PATCH_OFFSET     0x07ff   /* where the pointer is in the tail */
#define XDPCAST_PATCH_AFTER_HEAD 0x8000   /* its target is in the tail: add the head's length too */

/* Patches by what they add and the parity of their offset from the tail's
 * start: the checksum of a patched tail without a loop over its patches. */
enum patch_sum {
	PATCH_SUM_EVEN,       /* every patch adds the qname's length */
	PATCH_SUM_ODD,
	PATCH_SUM_HEAD_EVEN,  /* XDPCAST_PATCH_AFTER_HEAD ones add the head's too */
	PATCH_SUM_HEAD_ODD,
	PATCH_SUM_MAX
};

/* The authority and additional sections that follow a head, after this
 * header. Cuts: the head alone, + authority, + additional (as NSD drops
 * sections to fit). */
struct tail_record {
	__u16 auth_len;      /* bytes of the authority section */
	__u16 auth_csum;     /* ones-complement sum of those bytes, even-aligned, as stored */
	__u16 full_len;      /* authority and additional */
	__u16 full_csum;
	__u16 nscount;
	__u16 arcount;
	__u8 patch_count;
	/* At most the bytes the smallest additional RRset takes (255 at most):
	 * with less room left after the authority section, NSD sends no
	 * additional record either; with more, it may send some. */
	__u8 additional_min;
	__u8 auth_patch_sums[PATCH_SUM_MAX];  /* patches in the authority section */
	__u8 full_patch_sums[PATCH_SUM_MAX];
	__u16 patches[XDPCAST_TAIL_PATCHES];  /* ascending offsets */
};

/* A zone's slots: the tails its answers share, swapped as a whole when the
 * zone's SOA (or apex NS) changes. One record of ZONE_SLOT_MAX words; an
 * answer names the record and the slot (an address + k could run past the
 * page's offset bits: the record may end in the page's slack). */
enum zone_slot {
	ZONE_SLOT_POSITIVE,         /* apex NS and glue after a positive answer */
	ZONE_SLOT_POSITIVE_DNSSEC,  /* the same with RRSIGs */
	ZONE_SLOT_NODATA,           /* the SOA after NODATA */
	ZONE_SLOT_NXDOMAIN,         /* the SOA after NXDOMAIN, position independent */
	ZONE_SLOT_MAX
};
_Static_assert(!(ZONE_SLOT_MAX & (ZONE_SLOT_MAX - 1)), "the program masks slot numbers with ZONE_SLOT_MAX - 1");

struct zone_slot_word {
	__u32 tail;       /* blob address of the struct tail_record */
	__u32 reserved;
};

/*
 * DNSSEC denial of existence (RFC 4035 section 3.1.3, RFC 5155 section
 * 7.2): the proofs that depend on the qname itself (the NSEC covering it,
 * the NSEC3 covering its next closer name's hash) are found at answer time
 * in a per-zone index: a B+tree of blob records over order-preserving keys,
 * each leaf entry the address of a struct proof_record (the NSEC or NSEC3
 * RRset and its RRSIGs, names in full). Every other part of a proof is
 * known per name and rendered into the answer's tail.
 *
 * Keys compare as big-endian octet strings. NSEC3: the owner's hash,
 * zero-padded. NSEC: the name in canonical order (RFC 4034 section 6.1)
 * made a plain string: labels from the root down, lowercased, each followed
 * by a 0 octet, cut at the key's length. Cut keys keep the order but may tie:
 * a qname whose key equals an entry's is left to userspace, so the entry
 * found (the greatest key below the qname's) is always the exact cover.
 */
#define XDPCAST_DENIAL_KEY_LEN 32
#define XDPCAST_DENIAL_FANOUT  64       /* keys of one node */
#define XDPCAST_DENIAL_DEPTH   4        /* 64^4: 16 M proofs in a zone */

struct denial_key {
	__u8 octets[XDPCAST_DENIAL_KEY_LEN];
};

/* A node of the index. In an inner node keys[i] is the first key below
 * refs[i] (another node); in a leaf refs[i] is the proof of keys[i]. */
struct denial_node {
	__u16 count;
	__u8 leaf;
	__u8 reserved;
	__u32 last;       /* root only: the last proof, the cover of NSEC3 hashes below the first */
	struct denial_key keys[XDPCAST_DENIAL_FANOUT];
	__u32 refs[XDPCAST_DENIAL_FANOUT];
};

/* A proof: the NSEC or NSEC3 RRset and its RRSIGs, as they go on the wire. */
struct proof_record {
	__u16 len;
	__u16 csum;       /* ones-complement sum of the bytes, even-aligned */
	__u16 count;      /* RRs, for NSCOUNT */
	__u16 reserved;
};

/*
 * The name hash both sides compute, chained from the root label up so that
 * one walk over the qname yields the hash of every ancestor too:
 *   label hash: the label's length, then its lowercased octets as
 *               little-endian 8-octet words (the last one zero-padded);
 *   chain:      h(root) = INIT, h(label.parent) = chain(h(parent), label hash);
 *   key:        final(h), a 64-bit finaliser spreading similar names.
 * Words, not octets: the program hashes a label in at most 8 steps.
 * A hit is always verified against the full name stored in the entry.
 */
#define XDPCAST_NAME_HASH_INIT 0xcbf29ce484222325ULL
#define XDPCAST_LABEL_WORDS    8     /* 8-octet words of the longest label (63) */

static inline __u64 xdpcast_label_hash_start(__u8 len)
{
	return XDPCAST_NAME_HASH_INIT ^ len;
}

static inline __u64 xdpcast_label_hash_word(__u64 hash, __u64 word)
{
	hash = (hash ^ word) * 0x9e3779b97f4a7c15ULL;
	return hash ^ (hash >> 32);
}

/* ASCII A-Z of each octet of a word to a-z, nothing else (RFC 4343): a
 * letter is an octet below 0x80 whose low seven bits lie in 'A'..'Z'. The
 * sums stay inside each octet, so no carry crosses into the next. */
static inline __u64 xdpcast_lower_word(__u64 word)
{
	const __u64 ones = 0x0101010101010101ULL, high = 0x8080808080808080ULL;
	__u64 low7 = word & ~high;
	__u64 above_z = low7 + ones * (0x7f - 'Z');
	__u64 from_a = low7 + ones * (0x80 - 'A');
	__u64 upper = from_a & ~above_z & ~word & high;

	return word | upper >> 2;
}

static inline __u64 xdpcast_name_hash_chain(__u64 parent, __u64 label)
{
	return (parent ^ label) * 0x9e3779b97f4a7c15ULL + 0x632be59bd9b4e019ULL;
}

/* The label hash of "*", for the source of wildcard synthesis. */
static inline __u64 xdpcast_wildcard_label_hash(void)
{
	return xdpcast_label_hash_word(xdpcast_label_hash_start(1), '*');
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
