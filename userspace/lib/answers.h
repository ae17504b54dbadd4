/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The answer compiler: for one name of a zone at a time, the responses NSD
 * would send, rendered to the byte (answer, then the apex NS in authority,
 * then A/AAAA of in-zone NS, MX and SRV targets in additional), split into
 * the head (answer section) and the tail (authority and additional) that
 * the answer cache stores and shares.
 */
#ifndef XDPCAST_ANSWERS_H
#define XDPCAST_ANSWERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <libknot/libknot.h>

#include "xdpcast.h"
#include "denial.h"
#include "zone.h"

/* One response: the bytes after the question, and what the header says. */
struct compiled_answer {
	uint16_t header_flags;      /* QR, AA, RCODE */
	uint8_t reason;             /* enum xdpcast_reason */
	uint8_t rrl_class;          /* enum rrl_class */
	uint16_t flags;             /* ANSWER_NO_TRUNCATE, ANSWER_NEEDS_AUTHORITY */
	uint16_t ede;
	uint16_t ancount, nscount, arcount;
	uint16_t qname_len;         /* the name it was rendered after (compression pointers) */
	uint16_t head_len;          /* the answer section */
	uint16_t auth_len;          /* then the authority section */
	uint16_t tail_len;          /* authority and additional */
	uint8_t additional_min;     /* struct tail_record's */
	uint8_t shares;             /* enum zone_slot whose tail it may share; ZONE_SLOT_MAX: none */
	uint32_t denial_skip[XDPCAST_TAIL_PROOFS];  /* ANSWER_DENIAL_*: 1 + the proofs (of zone_compiler_denial) in the tail */
	const uint8_t *bytes;       /* head_len + tail_len bytes */
};

struct typed_answer {
	uint16_t qtype;
	bool dnssec;                /* the DO=1 variant */
	struct compiled_answer answer;
};

/* What the fast path answers at one name. */
struct name_answers {
	const knot_dname_t *name;
	uint16_t flags;             /* enum name_flag */
	struct typed_answer *types; /* by qtype, each DO=1 variant after its DO=0 */
	size_t type_count;
	bool has_other;             /* else userspace answers other types */
	struct compiled_answer other;
	bool has_below;             /* else userspace answers names below */
	struct compiled_answer below;
	bool has_other_dnssec;      /* DO=1 variants in a signed zone, with the */
	struct compiled_answer other_dnssec;  /* proofs of denial; else userspace */
	bool has_below_dnssec;
	struct compiled_answer below_dnssec;
	bool occludes;              /* a delegation or DNAME: names below are not ours */
	size_t left_to_userspace;   /* RRsets here the fast path does not answer */
};

struct zone_compiler;

/* The compiler of one zone; it holds no reference to the zone, which must
 * outlive it unchanged. minimal_responses: as NSD's option of that name,
 * positive answers carry no authority section and additional data only
 * for NS RRsets (referrals keep their glue, negative answers their SOA). */
struct zone_compiler *zone_compiler_new(const struct zone *zone, bool minimal_responses, char *err,
					size_t errlen);
void zone_compiler_free(struct zone_compiler *zc);

/* Whether a zone served here (the server behind serves the same zones)
 * holds `name`, a name out of the compiled zone. */
typedef bool zone_served_fn(const knot_dname_t *name, const void *arg);

/* NSD follows a CNAME chain into another zone it serves, adding that
 * zone's answer and authority: the compiler leaves chains that leave the
 * zone for a name `served` says is held here to the server behind. Without
 * this, every chain out of the zone ends there, as NSD ends it when it
 * serves no zone of the target. */
void zone_compiler_follow_zones(struct zone_compiler *zc, zone_served_fn *served, const void *arg);
/* The zone's chain of denial, whose proofs answers name (denial_skip). */
const struct denial *zone_compiler_denial(const struct zone_compiler *zc);
/* Proof `at` of the chain as the program appends it: the RRset and its
 * RRSIGs, names in full. */
int zone_render_proof(struct zone_compiler *zc, size_t at, uint8_t out[KNOT_WIRE_MAX_PKTSIZE], size_t *len,
		      uint16_t *count);

/* Whether the fast path answers for `name`: a name of the zone, not below
 * a delegation or DNAME (zone_compile_name returns 1 for the others). */
bool zone_compiler_serves(struct zone_compiler *zc, const knot_dname_t *name);

/*
 * The answers at `name`, a name of the zone: an owner, an empty
 * non-terminal, a delegation point. Valid until the next call. Returns 0,
 * 1 when the name is not one the fast path answers for (absent, or below a
 * delegation or DNAME), -1 with a message.
 */
int zone_compile_name(struct zone_compiler *zc, const knot_dname_t *name, struct name_answers *out,
		      char *err, size_t errlen);

/*
 * The tails the zone's answers share (enum zone_slot), rendered after a
 * name of the zone that no other name shares labels with: positive answers
 * (DO=0 and DO=1), NODATA, NXDOMAIN. Valid until the next call.
 */
int zone_compile_slots(struct zone_compiler *zc, struct compiled_answer slots[ZONE_SLOT_MAX],
		       char *err, size_t errlen);

/*
 * NSD's CHAOS answers: TXT id.server and hostname.bind name the server
 * (`identity`); TXT version.bind and version.server are REFUSED as with
 * NSD's hide-version (Extended DNS Error "Prohibited"), other types at
 * these names REFUSED ("Not Supported"). Calls `each` per name.
 */
int answers_chaos(const char *identity, int (*each)(const struct name_answers *names, void *arg), void *arg,
		  char *err, size_t errlen);

/* The name a CNAME, NS, MX, KX, RT, SRV or MB record points at; NULL for other types. */
const knot_dname_t *answer_rdata_target(uint16_t type, const knot_rdata_t *rd);

/* The key hash of a wire-format name, as the XDP program computes it. */
uint64_t answer_name_hash(const knot_dname_t *name);

#endif
