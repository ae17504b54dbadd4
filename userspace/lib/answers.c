// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The answer compiler. For a name of a zone (an owner, an empty
 * non-terminal) it renders the responses NSD would send:
 *   types  for each RRset: the answer, the apex NS in authority, A/AAAA of
 *          in-zone NS, MX and SRV targets in additional;
 *   other  for any other type: NODATA with the SOA, or a referral at a
 *          delegation;
 *   below  for names under it that do not exist: NXDOMAIN with the SOA, a
 *          referral under a delegation, or "use the wildcard child".
 * A CNAME owner's answers carry the chain followed inside the zone.
 * Answers for the name itself are compressed against the question. Below
 * answers, and the answers of a wildcard, serve other names than their
 * own: they are written without compression (the answer's owner is the
 * question itself), to stay correct after any question, and are sent
 * whole or not at all.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "answers.h"
#include "array.h"
#include "log.h"

#define DNS_FLAG_QR 0x8000
#define DNS_FLAG_AA 0x0400
#define MAX_LABELS  128
#define MAX_CHAIN   8     /* CNAMEs followed inside a zone, as NSD does */
#define ARENA_CHUNK (128 * 1024)
#define CLEAN_MEMO  8     /* names known to be below no delegation or DNAME */
#define GLUE_MEMO   16    /* additional targets and their addresses */
#define EXPANDED_MAX 8    /* additional RRsets from wildcards, per response */

/* The label hash of bpf/xdpcast.h: the octets taken 8 at a time as a
 * little-endian word, lowercased as the program does. */
static uint64_t label_hash(const uint8_t *label)
{
	uint64_t h = xdpcast_label_hash_start(label[0]);

	for (unsigned at = 0; at < label[0]; at += 8) {
		uint64_t word = 0;

		for (unsigned i = 0; i < 8 && at + i < label[0]; i++)
			word |= (uint64_t)label[1 + at + i] << (8 * i);
		h = xdpcast_label_hash_word(h, xdpcast_lower_word(word));
	}
	return h;
}

uint64_t answer_name_hash(const knot_dname_t *name)
{
	uint64_t hashes[MAX_LABELS], hash = XDPCAST_NAME_HASH_INIT;
	size_t labels = 0;

	for (const uint8_t *l = name; *l && labels < MAX_LABELS; l += *l + 1, labels++)
		hashes[labels] = label_hash(l);
	while (labels > 0)
		hash = xdpcast_name_hash_chain(hash, hashes[--labels]);
	return xdpcast_name_hash_final(hash);
}

static const knot_dname_t *parent_name(const knot_dname_t *name)
{
	return name[0] ? knot_wire_next_label(name, NULL) : NULL;
}

/* Room for one name's rendered answers, reused for the next name. */
struct arena_chunk {
	struct arena_chunk *next;
	size_t size, used;
	uint8_t bytes[];
};

struct arena {
	struct arena_chunk *chunks;     /* the one in use first */
};

static uint8_t *arena_take(struct arena *a, size_t len)
{
	struct arena_chunk *c = a->chunks;

	if (!c || c->size - c->used < len) {
		size_t size = len > ARENA_CHUNK ? len : ARENA_CHUNK;

		c = malloc(sizeof(*c) + size);
		if (!c)
			return NULL;
		c->next = a->chunks;
		c->size = size;
		c->used = 0;
		a->chunks = c;
	}
	c->used += len;
	return c->bytes + c->used - len;
}

/* Keeps the largest chunk for the next name. */
static void arena_reset(struct arena *a)
{
	struct arena_chunk *keep = NULL;

	while (a->chunks) {
		struct arena_chunk *c = a->chunks;

		a->chunks = c->next;
		if (!keep || c->size > keep->size) {
			free(keep);
			keep = c;
		} else {
			free(c);
		}
	}
	if (keep) {
		keep->next = NULL;
		keep->used = 0;
	}
	a->chunks = keep;
}

static void arena_free(struct arena *a)
{
	arena_reset(a);
	free(a->chunks);
	a->chunks = NULL;
}

static bool has_wildcard_child(const struct zone *zone, const knot_dname_t *name)
{
	knot_dname_t wildcard[KNOT_DNAME_MAXLEN];

	return zone_wildcard_of(name, wildcard) && zone_name_exists(zone, wildcard);
}

/* What an additional target brings, as NSD adds it: its addresses, and for
 * an RT record its X25 and ISDN records too (RFC 1183 3.3), which libknot
 * does not name. The addresses come first: every other type takes those
 * alone. */
#define RRTYPE_X25 19
#define RRTYPE_ISDN 20
static const uint16_t additional_types[] = { KNOT_RRTYPE_A, KNOT_RRTYPE_AAAA, RRTYPE_X25, RRTYPE_ISDN };
#define ADDITIONAL_TYPES (sizeof(additional_types) / sizeof(additional_types[0]))
#define ADDRESS_TYPES 2

static size_t additional_types_of(uint16_t type)
{
	return type == KNOT_RRTYPE_RT ? ADDITIONAL_TYPES : ADDRESS_TYPES;
}

/* The RRsets at an additional target, as looked up once. */
struct glue {
	knot_dname_t target[KNOT_DNAME_MAXLEN];
	const knot_rrset_t *found[ADDITIONAL_TYPES];     /* additional_types */
	bool expanded;                  /* found[] are a wildcard's, to be given the target's name */
	bool occluded;                  /* below a delegation or DNAME: only glue of NS records */
};

struct zone_compiler {
	const struct zone *zone;
	knot_rrset_t negative_soa;      /* for the authority of negative answers */
	const knot_rrset_t *apex_ns;
	bool minimal_responses;
	struct arena arena;
	struct typed_answer *types;
	size_t type_capacity;
	knot_dname_t neutral[KNOT_DNAME_MAXLEN];  /* a name of the zone no other shares labels with */
	/* Lookups every answer would repeat, remembered (the zone does not
	 * change while its compiler lives). */
	knot_dname_t clean[CLEAN_MEMO][KNOT_DNAME_MAXLEN];
	unsigned clean_count, clean_next;
	struct glue glue[GLUE_MEMO];
	unsigned glue_count, glue_next;
	size_t cursor;                  /* the RRset after the last compiled name's */
	struct denial denial;           /* a signed zone's NSEC or NSEC3 chain */
	zone_served_fn *served_elsewhere;  /* NULL: no other zone is served */
	const void *served_arg;
};

static bool is_cut(const struct zone *zone, const knot_dname_t *name)
{
	return !knot_dname_is_equal(name, zone->origin) && zone_find(zone, name, KNOT_RRTYPE_NS);
}

static bool is_clean(const struct zone_compiler *zc, const knot_dname_t *name)
{
	for (unsigned i = 0; i < zc->clean_count; i++)
		if (knot_dname_is_equal(zc->clean[i], name))
			return true;
	return false;
}

/* Whether a proper ancestor of `name` is a delegation or holds a DNAME:
 * then the name is not the zone's. An ancestor found clean is remembered
 * (with everything above it), so the names of one parent walk up once. */
static bool below_cut_or_dname(struct zone_compiler *zc, const knot_dname_t *name)
{
	const struct zone *zone = zc->zone;
	const knot_dname_t *parent = parent_name(name);

	if (!parent || knot_dname_is_equal(name, zone->origin))
		return false;
	for (const knot_dname_t *n = parent; n; n = parent_name(n)) {
		if (is_clean(zc, n))
			break;
		if (zone_find(zone, n, KNOT_RRTYPE_DNAME))
			return true;
		if (knot_dname_is_equal(n, zone->origin))
			break;
		if (zone_find(zone, n, KNOT_RRTYPE_NS))
			return true;
	}
	knot_dname_copy_lower(zc->clean[zc->clean_next], parent);
	zc->clean_next = (zc->clean_next + 1) % CLEAN_MEMO;
	if (zc->clean_count < CLEAN_MEMO)
		zc->clean_count++;
	return false;
}

/*
 * Data the zone is not authoritative for: at or below a delegation (DS at
 * the cut itself is the parent's), or below a DNAME.
 */
static bool is_occluded(struct zone_compiler *zc, const knot_dname_t *owner, uint16_t type)
{
	return below_cut_or_dname(zc, owner) || (is_cut(zc->zone, owner) && type != KNOT_RRTYPE_DS);
}

/* The records at an in-zone additional target (lowercase). */
static const struct glue *glue_of(struct zone_compiler *zc, const knot_dname_t *target)
{
	knot_dname_t wildcard[KNOT_DNAME_MAXLEN];
	struct glue *g;

	for (unsigned i = 0; i < zc->glue_count; i++)
		if (knot_dname_is_equal(zc->glue[i].target, target))
			return &zc->glue[i];
	g = &zc->glue[zc->glue_next];
	zc->glue_next = (zc->glue_next + 1) % GLUE_MEMO;
	if (zc->glue_count < GLUE_MEMO)
		zc->glue_count++;
	knot_dname_copy_lower(g->target, target);
	g->expanded = !zone_name_exists(zc->zone, g->target);
	if (g->expanded) {      /* a wildcard at the closest encloser stands for it, as in NSD */
		const knot_dname_t *ce = zone_closest_encloser(zc->zone, g->target);

		g->expanded = ce && zone_wildcard_of(ce, wildcard);
	}
	for (size_t t = 0; t < ADDITIONAL_TYPES; t++)
		g->found[t] = zone_find(zc->zone, g->expanded ? wildcard : g->target, additional_types[t]);
	g->occluded = is_occluded(zc, g->target, KNOT_RRTYPE_A);
	return g;
}

const knot_dname_t *answer_rdata_target(uint16_t type, const knot_rdata_t *rd)
{
	switch (type) {
	case KNOT_RRTYPE_CNAME:
		return knot_cname_name(rd);
	case KNOT_RRTYPE_NS:
	case KNOT_RRTYPE_MB:                    /* a mailbox's host (RFC 1035 3.3.3): NSD adds its addresses */
		return knot_ns_name(rd);        /* the one name of the data */
	case KNOT_RRTYPE_MX:
	case KNOT_RRTYPE_KX:
	case KNOT_RRTYPE_RT:
		return knot_mx_name(rd);        /* a preference, then the name */
	case KNOT_RRTYPE_SRV:
		return knot_srv_name(rd);
	default:
		return NULL;
	}
}

/* What the additional section looks up: a CNAME's target is answered in
 * the chain, not as additional data. */
static const knot_dname_t *additional_target(const knot_rrset_t *rr, const knot_rdata_t *rd)
{
	return rr->type == KNOT_RRTYPE_CNAME ? NULL : answer_rdata_target(rr->type, rd);
}

/* What one response holds, before it is written. */
struct plan {
	const knot_dname_t *qname;      /* the entry's own name */
	uint16_t qtype;
	uint16_t qclass;                /* 0: IN */
	bool position_independent;      /* serves other questions than qname */
	const knot_rrset_t *answer[MAX_CHAIN + 1];
	size_t answer_count;
	const knot_rrset_t *authority;
	const knot_rrset_t *proofs[XDPCAST_TAIL_PROOFS];  /* DO=1: after the authority, each with its RRSIGs */
	uint32_t proof_numbers[XDPCAST_TAIL_PROOFS];      /* 1 + each one's number in the zone's chain; 0: a DS RRset */
	size_t proof_count;
	uint16_t denial;                /* ANSWER_DENIAL_*: the program adds the qname's own proof */
	bool referral;                  /* its glue is sent whole or passed */
	uint16_t rcode;
	bool authoritative;
	bool dnssec;                    /* the DO=1 variant: RRSIGs after each RRset */
	uint16_t ede;                   /* Extended DNS Error to add, 0: none */
	enum xdpcast_reason reason;
};

/* The response under construction: a libknot packet, or plain bytes. */
struct response {
	knot_pkt_t *pkt;                /* compressed against the question */
	uint8_t *plain;                 /* position independent */
	size_t plain_len;
	uint16_t counts[3];             /* answer, authority, additional */
	int section;
	const struct zone *zone;
	struct zone_compiler *zc;
	bool dnssec;
	const knot_rrset_t *added[64];  /* RRsets already in the response */
	size_t added_count;
	struct expanded {               /* wildcards' RRsets given a target's name */
		knot_dname_t owner[KNOT_DNAME_MAXLEN];
		knot_rrset_t rrset, sigs;
	} expanded[EXPANDED_MAX];
	size_t expanded_count;
	size_t additional_min;          /* the least bytes of an additional RRset; 0: none */
};

/* One RR after another with names in full, but for an owner that is the
 * question, a pointer to it: the bytes mean the same after any question. */
static int put_plain(struct response *r, const knot_rrset_t *rr, bool owner_is_question)
{
	static const uint8_t question_pointer[2] = { 0xc0, KNOT_WIRE_HEADER_SIZE };
	size_t owner_len = owner_is_question ? 2 : knot_dname_size(rr->owner);
	knot_rdata_t *rd = rr->rrs.rdata;

	for (uint16_t i = 0; i < rr->rrs.count; i++, rd = knot_rdataset_next(rd)) {
		uint8_t *p = r->plain + r->plain_len;

		if (r->plain_len + owner_len + 10 + rd->len > KNOT_WIRE_MAX_PKTSIZE)
			return KNOT_ESPACE;
		memcpy(p, owner_is_question ? question_pointer : rr->owner, owner_len);
		p += owner_len;
		knot_wire_write_u16(p, rr->type);
		knot_wire_write_u16(p + 2, rr->rclass);
		knot_wire_write_u32(p + 4, rr->ttl);
		knot_wire_write_u16(p + 8, rd->len);
		memcpy(p + 10, rd->data, rd->len);
		r->plain_len += owner_len + 10 + rd->len;
	}
	r->counts[r->section] += rr->rrs.count;
	return KNOT_EOK;
}

static int put_one_rrset(struct response *r, const knot_rrset_t *rr, bool owner_is_question)
{
	if (r->plain)
		return put_plain(r, rr, owner_is_question);
	return knot_pkt_put(r->pkt, owner_is_question ? KNOT_COMPR_HINT_QNAME : 0, rr, 0);
}

/* An RRset, and in a DO=1 response `sigs`, the RRSIGs that cover it (RFC
 * 4035 section 3.1.1), with its TTL: a negative answer's SOA has the
 * lesser of its TTL and MINIMUM, and so has its RRSIG (as NSD sends them). */
static int put_signed(struct response *r, const knot_rrset_t *rr, const knot_rrset_t *sigs, bool owner_is_question)
{
	int ret = put_one_rrset(r, rr, owner_is_question);
	knot_rrset_t with_ttl;

	if (ret != KNOT_EOK || !r->dnssec || !sigs)
		return ret;
	with_ttl = *sigs;
	with_ttl.ttl = rr->ttl;
	return put_one_rrset(r, &with_ttl, owner_is_question);
}

static int put_rrset(struct response *r, const knot_rrset_t *rr, bool owner_is_question)
{
	return put_signed(r, rr, r->dnssec ? zone_find_signatures(r->zone, rr->owner, rr->type) : NULL,
			  owner_is_question);
}

static int put_once(struct response *r, const knot_rrset_t *rr)
{
	for (size_t i = 0; i < r->added_count; i++)
		if (r->added[i] == rr)
			return KNOT_EOK;
	if (r->added_count == sizeof(r->added) / sizeof(r->added[0]))
		return KNOT_EOK;  /* additional data is optional: stop adding */
	r->added[r->added_count++] = rr;
	return put_rrset(r, rr, false);
}

/* The fewest bytes an RRset (or none) can take in a message: each owner a pointer. */
static size_t rrset_min_len(const knot_rrset_t *rr)
{
	const knot_rdata_t *rd = rr ? rr->rrs.rdata : NULL;
	size_t len = 0;

	for (uint16_t i = 0; rd && i < rr->rrs.count; i++, rd = knot_rdataset_next((knot_rdata_t *)rd))
		len += 2 + 10 + rd->len;
	return len;
}

/* A wildcard's RRset as an additional target's own, with the target's
 * name (RFC 4592 section 3.3.1; NSD expands wildcards for additional data
 * too), its signatures with it: once per name and type. */
static int put_expanded(struct response *r, const knot_dname_t *owner, const knot_rrset_t *wildcard)
{
	const knot_rrset_t *sigs = r->dnssec ? zone_find_signatures(r->zone, wildcard->owner, wildcard->type) : NULL;
	struct expanded *e;

	for (size_t i = 0; i < r->expanded_count; i++)
		if (r->expanded[i].rrset.type == wildcard->type && knot_dname_is_equal(r->expanded[i].owner, owner))
			return KNOT_EOK;
	if (r->expanded_count == EXPANDED_MAX)
		return KNOT_EOK;  /* additional data is optional: stop adding */
	e = &r->expanded[r->expanded_count++];
	memcpy(e->owner, owner, knot_dname_size(owner));
	e->rrset = *wildcard;
	e->rrset.owner = e->owner;
	if (sigs) {
		e->sigs = *sigs;
		e->sigs.owner = e->owner;
	}
	return put_signed(r, &e->rrset, sigs ? &e->sigs : NULL, false);
}

/* An additional RRset's fewest bytes, its signatures with it (NSD adds
 * the two, or neither). */
static void note_additional_len(struct response *r, const knot_rrset_t *rr)
{
	size_t len = rrset_min_len(rr) +
		     (r->dnssec ? rrset_min_len(zone_find_signatures(r->zone, rr->owner, rr->type)) : 0);

	if (!r->additional_min || len < r->additional_min)
		r->additional_min = len;
}

/* A and AAAA of in-zone targets of an RRset's NS, MX, KX, RT, SRV and MB
 * records, and X25 and ISDN of RT's; below a delegation (glue) for NS
 * records only, as NSD. */
static int put_additional_for(struct response *r, const knot_rrset_t *rr)
{
	bool glue = rr->type == KNOT_RRTYPE_NS;
	knot_rdata_t *rd = rr->rrs.rdata;

	for (uint16_t i = 0; i < rr->rrs.count; i++, rd = knot_rdataset_next(rd)) {
		const knot_dname_t *target = additional_target(rr, rd);
		knot_dname_storage_t lower;     /* the origin is lowercase; a target may not be */
		const struct glue *g;

		if (!target || !r->zone)
			continue;
		knot_dname_copy_lower(lower, target);
		if (knot_dname_in_bailiwick(lower, r->zone->origin) < 0)
			continue;
		g = glue_of(r->zc, lower);
		for (size_t t = 0; t < additional_types_of(rr->type); t++) {
			int ret;

			if (!g->found[t] || (!glue && g->occluded))
				continue;
			ret = g->expanded ? put_expanded(r, g->target, g->found[t]) : put_once(r, g->found[t]);
			if (ret != KNOT_EOK)
				return ret;
			note_additional_len(r, g->found[t]);
		}
	}
	return KNOT_EOK;
}

static int begin_section(struct response *r, knot_section_t section)
{
	r->section = section;
	return r->plain ? KNOT_EOK : knot_pkt_begin(r->pkt, section);
}

/* How response rate limiting groups this response with others. */
static enum rrl_class rrl_class_of(const struct plan *plan)
{
	switch (plan->reason) {
	case XDPCAST_dns_answer:
		return RRL_CLASS_POSITIVE;
	case XDPCAST_dns_nxdomain:
	case XDPCAST_dns_nodata:
		return RRL_CLASS_NEGATIVE;
	case XDPCAST_dns_referral:
		return RRL_CLASS_REFERRAL;
	default:
		return RRL_CLASS_ERROR;
	}
}

static void mark_section(const struct response *r, size_t len, uint16_t counts[3], size_t *mark)
{
	*mark = len;
	if (r->plain) {
		memcpy(counts, r->counts, sizeof(r->counts));
	} else {
		counts[KNOT_ANSWER] = knot_wire_get_ancount(r->pkt->wire);
		counts[KNOT_AUTHORITY] = knot_wire_get_nscount(r->pkt->wire);
		counts[KNOT_ADDITIONAL] = knot_wire_get_arcount(r->pkt->wire);
	}
}

static int render(struct zone_compiler *zc, const struct zone *zone, const struct plan *plan,
		  struct compiled_answer *out)
{
	static uint8_t wire[KNOT_WIRE_MAX_PKTSIZE];
	struct response r = { .zone = zone, .zc = zc, .dnssec = plan->dnssec };
	size_t data_start = 0, answer_end, auth_end, full_end;
	uint16_t counts[3];
	uint8_t *data, *copy;
	int ret = KNOT_EOK;

	if (plan->position_independent) {
		r.plain = wire;
	} else {
		memset(wire, 0, KNOT_WIRE_HEADER_SIZE);  /* knot_pkt_new keeps a given wire's header */
		r.pkt = knot_pkt_new(wire, sizeof(wire), NULL);
		if (!r.pkt)
			return KNOT_ENOMEM;
		ret = knot_pkt_put_question(r.pkt, plan->qname, plan->qclass ? plan->qclass : KNOT_CLASS_IN,
					    plan->qtype);
		data_start = r.pkt->size;
	}
	data = wire + data_start;

	/* Answer, then authority: each a required part of the response. */
	if (ret == KNOT_EOK)
		ret = begin_section(&r, KNOT_ANSWER);
	for (size_t i = 0; i < plan->answer_count && ret == KNOT_EOK; i++) {
		r.added[r.added_count++] = plan->answer[i];
		ret = put_rrset(&r, plan->answer[i], i == 0);
	}
	mark_section(&r, r.pkt ? r.pkt->size - data_start : r.plain_len, counts, &answer_end);
	if (ret == KNOT_EOK)
		ret = begin_section(&r, KNOT_AUTHORITY);
	if (ret == KNOT_EOK && plan->authority) {
		r.added[r.added_count++] = plan->authority;
		ret = put_rrset(&r, plan->authority, false);
	}
	for (size_t i = 0; i < plan->proof_count && ret == KNOT_EOK; i++)
		ret = put_rrset(&r, plan->proofs[i], false);
	mark_section(&r, r.pkt ? r.pkt->size - data_start : r.plain_len, counts, &auth_end);

	if (ret == KNOT_EOK)
		ret = begin_section(&r, KNOT_ADDITIONAL);
	for (size_t i = 0; i < plan->answer_count && ret == KNOT_EOK; i++)
		if (!zc->minimal_responses || plan->answer[i]->type == KNOT_RRTYPE_NS)
			ret = put_additional_for(&r, plan->answer[i]);
	if (ret == KNOT_EOK && plan->authority)
		ret = put_additional_for(&r, plan->authority);
	mark_section(&r, r.pkt ? r.pkt->size - data_start : r.plain_len, counts, &full_end);

	if (ret == KNOT_EOK) {
		copy = arena_take(&zc->arena, full_end);
		if (!copy) {
			ret = KNOT_ENOMEM;
			goto out;
		}
		memcpy(copy, data, full_end);
		*out = (struct compiled_answer){
			.header_flags = DNS_FLAG_QR | (plan->authoritative ? DNS_FLAG_AA : 0) | plan->rcode,
			.reason = plan->reason,
			.rrl_class = rrl_class_of(plan),
			.ede = plan->ede,
			.ancount = counts[KNOT_ANSWER],
			.nscount = counts[KNOT_AUTHORITY],
			.arcount = counts[KNOT_ADDITIONAL],
			.qname_len = knot_dname_size(plan->qname),
			.head_len = answer_end,
			.auth_len = auth_end - answer_end,
			.tail_len = full_end - answer_end,
			.additional_min = r.additional_min < 255 ? r.additional_min : 255,
			.shares = ZONE_SLOT_MAX,
			.bytes = copy,
		};
		out->flags |= plan->denial;
		/* The program adds the qname's proof unless the tail holds it. */
		if (plan->denial)
			memcpy(out->denial_skip, plan->proof_numbers, sizeof(out->denial_skip));
		if (r.plain || (plan->referral && counts[KNOT_ADDITIONAL]))
			/* Uncompressed, so longer than NSD's; or a referral's glue,
			 * which NSD cuts address by address: only whole, else pass. */
			out->flags |= ANSWER_NO_TRUNCATE;
		else if (!plan->answer_count || plan->authority == &zc->negative_soa)
			/* A negative answer (a CNAME chain's too: its SOA, with DO=1
			 * its proof) or a referral needs its authority section. */
			out->flags |= ANSWER_NEEDS_AUTHORITY;
		if (plan->answer_count > 1)
			out->flags |= ANSWER_CNAME_CHAIN;
	}
out:
	if (r.pkt)
		knot_pkt_free(r.pkt);
	return ret;
}

/* Which zone slot the answer's tail may be: the apex NS after a positive
 * answer, the SOA after a negative one. */
static uint8_t shared_slot(const struct zone_compiler *zc, const struct plan *plan)
{
	if (plan->authority == &zc->negative_soa)
		return plan->position_independent ? ZONE_SLOT_NXDOMAIN : ZONE_SLOT_NODATA;
	if (plan->position_independent || !plan->authority || plan->authority != zc->apex_ns ||
	    plan->reason != XDPCAST_dns_answer)
		return ZONE_SLOT_MAX;
	return plan->dnssec ? ZONE_SLOT_POSITIVE_DNSSEC : ZONE_SLOT_POSITIVE;
}

/* A zone file or a primary may hold many of these: one line per interval. */
static struct log_every oversized_answers = LOG_EVERY_INIT(10);

/* 0: rendered; 1: more than a DNS message holds (only when may_pass: the
 * caller leaves it to the userspace server); -1: error. */
static int render_planned_or_pass(struct zone_compiler *zc, const struct plan *plan, struct compiled_answer *out,
				  bool may_pass, char *err, size_t errlen)
{
	const char *source = zc->zone ? zc->zone->file : "CHAOS answers";
	char owner[KNOT_DNAME_TXT_MAXLEN], type[16];
	int ret = render(zc, zc->zone, plan, out);

	if (ret == KNOT_EOK) {
		if (zc->zone)
			out->shares = shared_slot(zc, plan);
		return 0;
	}
	knot_dname_to_str(owner, plan->qname, sizeof(owner));
	knot_rrtype_to_string(plan->qtype, type, sizeof(type));
	if (ret == KNOT_ESPACE && may_pass) {
		/* More than a DNS message holds (a TXT RRset over 64 KB,
		 * thousands of addresses at one name): the server behind
		 * answers it, as NSD does (TC=1, then TCP). */
		log_warn_every(&oversized_answers, "%s: %s %s: the answer does not fit a DNS message; left to the "
			       "userspace server", source, owner, plan->qtype ? type : "(other)");
		return 1;
	}
	snprintf(err, errlen, "%s: %s %s: cannot render the answer: %s", source, owner,
		 plan->qtype ? type : "(other)", knot_strerror(ret));
	return -1;
}

static int render_planned(struct zone_compiler *zc, const struct plan *plan, struct compiled_answer *out,
			  char *err, size_t errlen)
{
	return render_planned_or_pass(zc, plan, out, false, err, errlen);
}

/* Room for one more type answer of the name being compiled. */
static struct typed_answer *next_type(struct zone_compiler *zc, struct name_answers *out)
{
	struct typed_answer *types = array_room(zc->types, out->type_count, &zc->type_capacity, sizeof(*types));

	if (!types)
		return NULL;
	zc->types = out->types = types;
	return &types[out->type_count];
}

static int add_type(struct zone_compiler *zc, struct name_answers *out, uint16_t qtype, const struct plan *plan,
		    char *err, size_t errlen)
{
	struct typed_answer *t = next_type(zc, out);
	int ret;

	if (!t) {
		snprintf(err, errlen, "%s: out of memory compiling answers", zc->zone->file);
		return -1;
	}
	t->qtype = qtype;
	t->dnssec = plan->dnssec;
	ret = render_planned_or_pass(zc, plan, &t->answer, true, err, errlen);
	if (ret < 0)
		return -1;
	if (ret > 0) {
		/* Not listed, so the program passes this type to userspace. */
		out->flags |= NAME_TYPES_PARTIAL;
		out->left_to_userspace++;
		return 0;
	}
	out->type_count++;
	return 0;
}

/* The chain of denial answers from XDP: a signed zone's, checked whole. */
static const struct denial *serving_denial(const struct zone_compiler *zc)
{
	return zc->denial.kind != DENIAL_NONE ? &zc->denial : NULL;
}

/* The program adds the qname's own proof (its NSEC cover, or its next
 * closer name's NSEC3 cover) to answers synthesised from a wildcard and to
 * NXDOMAIN; false when the zone's index cannot find it. */
static bool set_dynamic_proof(const struct denial *d, struct plan *plan)
{
	if (!d || (d->kind == DENIAL_NSEC && d->no_index))
		return false;
	plan->denial = d->kind == DENIAL_NSEC3 ? ANSWER_DENIAL_NSEC3 : ANSWER_DENIAL_NSEC;
	return true;
}

/*
 * A positive answer for (name, qtype), and in a signed zone its DO=1
 * variant with the RRSIGs; for a wildcard's answer, with the proof that
 * the qname does not exist (RFC 4035 section 3.1.3.3, RFC 5155 section
 * 7.2.6), added by the program.
 */
static int add_answer(struct zone_compiler *zc, struct name_answers *out, uint16_t qtype,
		      const struct plan *plan, char *err, size_t errlen)
{
	struct plan signed_plan = *plan;

	if (add_type(zc, out, qtype, plan, err, errlen))
		return -1;
	if (!zc->zone->is_signed || plan->reason != XDPCAST_dns_answer)
		return 0;
	signed_plan.dnssec = true;
	if (plan->position_independent && !set_dynamic_proof(serving_denial(zc), &signed_plan))
		return 0;
	return add_type(zc, out, qtype, &signed_plan, err, errlen);
}

enum chase_end {
	CHASE_DATA,             /* the chain ends in an RRset of the type asked */
	CHASE_NODATA,           /* ... at a name without it */
	CHASE_NXDOMAIN,         /* ... at a name of the zone that does not exist */
	CHASE_OUT_OF_ZONE,      /* ... leaves for a name no zone served here holds */
	CHASE_UNSURE,           /* loop, too long, a wildcard, delegation, DNAME, or into
				 * another zone served here, where NSD goes on: userspace */
};

/*
 * Follows CNAMEs from name inside the zone, as NSD does, appending each
 * CNAME RRset to plan's answer section and, for CHASE_DATA, the final
 * RRset of qtype (0: a type the final name does not have).
 */
static enum chase_end chase(struct zone_compiler *zc, const knot_dname_t *name, uint16_t qtype,
			    struct plan *plan)
{
	static knot_dname_t targets[MAX_CHAIN][KNOT_DNAME_MAXLEN];
	const struct zone *zone = zc->zone;
	const knot_dname_t *n = name;

	plan->answer_count = 0;
	for (;;) {
		const knot_rrset_t *cname = zone_find(zone, n, KNOT_RRTYPE_CNAME);
		const knot_rrset_t *data = qtype ? zone_find(zone, n, qtype) : NULL;
		const knot_dname_t *ce;

		if (!cname || qtype == KNOT_RRTYPE_CNAME) {
			if (data) {
				plan->answer[plan->answer_count++] = data;
				return CHASE_DATA;
			}
			if (zone_name_exists(zone, n))
				return CHASE_NODATA;
			/* Not there: NXDOMAIN, unless a wildcard would answer. */
			ce = zone_closest_encloser(zone, n);
			return ce && !has_wildcard_child(zone, ce) ? CHASE_NXDOMAIN : CHASE_UNSURE;
		}
		if (plan->answer_count == MAX_CHAIN)
			return CHASE_UNSURE;
		plan->answer[plan->answer_count] = cname;
		knot_dname_copy_lower(targets[plan->answer_count], knot_cname_name(cname->rrs.rdata));
		n = targets[plan->answer_count++];
		if (knot_dname_in_bailiwick(n, zone->origin) < 0)
			return zc->served_elsewhere && zc->served_elsewhere(n, zc->served_arg) ? CHASE_UNSURE :
												 CHASE_OUT_OF_ZONE;
		if (is_occluded(zc, n, qtype) || is_cut(zone, n) || knot_dname_is_equal(name, n))
			return CHASE_UNSURE;
		for (size_t i = 0; i + 1 < plan->answer_count; i++)
			if (knot_dname_is_equal(targets[i], n))
				return CHASE_UNSURE;    /* a loop */
	}
}

/* The apex NS NSD 4.6 puts in the authority section of a positive answer:
 * none for an answer of the NS RRset itself, nor for DNSKEY and DS (seen
 * on the wire; the e2e comparison holds it to that), nor with minimal
 * responses. */
static const knot_rrset_t *positive_authority(const struct zone_compiler *zc, const knot_rrset_t *answer,
					      uint16_t qtype)
{
	if (zc->minimal_responses || answer == zc->apex_ns || qtype == KNOT_RRTYPE_DNSKEY ||
	    qtype == KNOT_RRTYPE_DS)
		return NULL;
	return zc->apex_ns;
}

/* Turns the end of a chase into the rest of the response. */
static bool finish_chase(const struct zone_compiler *zc, enum chase_end end, struct plan *plan)
{
	switch (end) {
	case CHASE_DATA:        /* no apex NS twice: as the chain's end and in authority */
		plan->authority = positive_authority(zc, plan->answer[plan->answer_count - 1], plan->qtype);
		plan->reason = XDPCAST_dns_answer;
		return true;
	case CHASE_OUT_OF_ZONE:
		plan->authority = NULL;         /* NSD sends the chain alone (it serves no zone of the target) */
		plan->reason = XDPCAST_dns_answer;
		return true;
	case CHASE_NODATA:
		plan->authority = &zc->negative_soa;
		plan->reason = XDPCAST_dns_nodata;
		return true;
	case CHASE_NXDOMAIN:
		plan->authority = &zc->negative_soa;
		plan->rcode = KNOT_RCODE_NXDOMAIN;
		plan->reason = XDPCAST_dns_nxdomain;
		return true;
	default:
		return false;
	}
}

/* Adds the proof at `at` to a DO=1 plan; false when there is none. */
static bool add_proof(const struct denial *d, ssize_t at, struct plan *plan)
{
	if (at < 0)
		return false;
	for (size_t i = 0; i < plan->proof_count; i++)
		if (plan->proof_numbers[i] == at + 1)
			return true;    /* one NSEC3 can be two parts of a proof: sent once */
	if (plan->proof_count == sizeof(plan->proofs) / sizeof(plan->proofs[0]))
		return false;
	plan->proof_numbers[plan->proof_count] = at + 1;
	plan->proofs[plan->proof_count++] = d->proofs[at].rrset;
	return true;
}

/*
 * The proof that `name` has no other types (RFC 4035 section 3.1.3.1,
 * RFC 5155 section 7.2.3): its NSEC, or for an empty non-terminal the NSEC
 * before it; its NSEC3. At a wildcard (RFC 4035 section 3.1.3.4, RFC 5155
 * section 7.2.5) the program adds the qname's cover too, and NSEC3 needs
 * the closest encloser's NSEC3.
 */
static bool add_nodata_proof(const struct denial *d, const knot_dname_t *name, struct plan *plan)
{
	ssize_t at = denial_match(d, name);

	if (at < 0 && d->kind == DENIAL_NSEC)
		at = denial_cover(d, name);
	if (!add_proof(d, at, plan))
		return false;
	if (!zone_name_is_wildcard(name))
		return true;
	return set_dynamic_proof(d, plan) &&
	       (d->kind == DENIAL_NSEC || add_proof(d, denial_match(d, knot_wire_next_label(name, NULL)), plan));
}

/*
 * The proof that `name`, where a CNAME chain ends, does not exist (RFC
 * 4035 section 3.1.3.2, RFC 5155 section 7.2.2), nor the wildcard at its
 * closest encloser: with NSEC, the NSECs covering the name and that
 * wildcard; with NSEC3, the closest encloser's NSEC3 and those covering
 * the next closer name and the wildcard.
 */
static bool add_nxdomain_proof(const struct zone *zone, const struct denial *d, const knot_dname_t *name,
			       struct plan *plan)
{
	knot_dname_t wildcard[KNOT_DNAME_MAXLEN];
	const knot_dname_t *next_closer = name, *encloser = knot_wire_next_label(name, NULL);

	while (*encloser && !zone_name_exists(zone, encloser)) {
		next_closer = encloser;
		encloser = knot_wire_next_label(encloser, NULL);
	}
	if (!zone_wildcard_of(encloser, wildcard))
		return false;
	if (d->kind == DENIAL_NSEC3)
		return add_proof(d, denial_match(d, encloser), plan) && add_proof(d, denial_cover(d, next_closer), plan) &&
		       add_proof(d, denial_cover(d, wildcard), plan);
	return add_proof(d, denial_cover(d, name), plan) && add_proof(d, denial_cover(d, wildcard), plan);
}

/* A DO=1 variant of `plan` with the proofs that do not depend on the
 * qname; 0 rendered (has set), 1 none, -1 error. */
static int render_dnssec(struct zone_compiler *zc, const struct plan *plan, struct compiled_answer *out, bool *has,
			 char *err, size_t errlen)
{
	int ret = render_planned_or_pass(zc, plan, out, true, err, errlen);

	*has = ret == 0;
	return ret < 0 ? -1 : 0;
}

/*
 * The proof that a delegation has no DS (RFC 4035 section 3.1.4.1, RFC
 * 5155 sections 7.2.4 and 7.2.7): its NSEC or NSEC3; in an NSEC3 opt-out
 * span, which has no NSEC3 for it, the closest provable encloser proof:
 * the NSEC3 of its nearest ancestor that has one, and the opt-out NSEC3
 * covering the next closer name.
 */
static bool add_no_ds_proof(const struct denial *d, const knot_dname_t *name, struct plan *plan)
{
	const knot_dname_t *next_closer = name, *encloser = knot_wire_next_label(name, NULL);
	ssize_t cover;

	if (denial_match(d, name) >= 0 || d->kind != DENIAL_NSEC3)
		return add_proof(d, denial_match(d, name), plan);
	while (*encloser && denial_match(d, encloser) < 0) {
		next_closer = encloser;
		encloser = knot_wire_next_label(encloser, NULL);
	}
	cover = denial_cover(d, next_closer);
	if (cover < 0 || !(knot_nsec3_flags(d->proofs[cover].rrset->rrs.rdata) & KNOT_NSEC3_FLAG_OPT_OUT))
		return false;
	return add_proof(d, denial_match(d, encloser), plan) && add_proof(d, cover, plan);
}

/* A CNAME owner: for each type its chain ends in, that answer; for every
 * other type, the chain and how it ends. */
static int compile_cname_owner(struct zone_compiler *zc, const knot_dname_t *name, struct name_answers *out,
			       char *err, size_t errlen)
{
	struct plan plan = {
		.qname = name, .position_independent = zone_name_is_wildcard(name), .authoritative = true,
	};
	const struct denial *d = serving_denial(zc);
	const knot_rrset_t *final_rrsets;
	knot_dname_t final[KNOT_DNAME_MAXLEN];  /* the chain's last name, lowercase */
	size_t final_count = 0;
	enum chase_end end = chase(zc, name, 0, &plan);

	if (end == CHASE_NODATA || end == CHASE_NXDOMAIN)
		knot_dname_copy_lower(final, knot_cname_name(plan.answer[plan.answer_count - 1]->rrs.rdata));
	if (end == CHASE_NODATA) {
		final_rrsets = zone_rrsets_of(zc->zone, final, &final_count);
		for (size_t i = 0; i < final_count; i++) {
			struct plan typed = plan;
			uint16_t type = final_rrsets[i].type;

			if (type == KNOT_RRTYPE_RRSIG || type == KNOT_RRTYPE_CNAME ||
			    zone_find(zc->zone, name, type))
				continue;
			typed.qtype = type;
			typed.rcode = 0;
			if (!finish_chase(zc, chase(zc, name, type, &typed), &typed))
				continue;
			if (add_answer(zc, out, type, &typed, err, errlen))
				return -1;
		}
	}
	if (!finish_chase(zc, end, &plan))
		return 0;       /* other types: userspace */
	out->has_other = true;
	if (render_planned(zc, &plan, &out->other, err, errlen))
		return -1;
	/* DO=1: the chain with its RRSIGs, ending out of the zone or in the
	 * proof that its last name lacks the type or does not exist; from a
	 * wildcard, with the qname's own proof, which the program adds. */
	plan.dnssec = true;
	if (!d || (plan.position_independent && !set_dynamic_proof(d, &plan)) ||
	    (end == CHASE_NODATA && (zone_name_is_wildcard(final) || !add_nodata_proof(d, final, &plan))) ||
	    (end == CHASE_NXDOMAIN && !add_nxdomain_proof(zc->zone, d, final, &plan)))
		return 0;
	return render_dnssec(zc, &plan, &out->other_dnssec, &out->has_other_dnssec, err, errlen);
}

/* The answers of the name's own RRsets. */
/* A name's RRsets, looked up once for all its answers. */
struct name_facts {
	const knot_rrset_t *rrsets;
	size_t count;
	bool cut;                       /* a delegation point */
	bool descendants;               /* names below it (false: known to have none) */
};

/*
 * A name's RRsets. Names are mostly compiled in canonical order: they
 * start where the last name's ended, else they are searched for. Canonical
 * order puts a name's descendants right after its RRsets: whether it has
 * any is one look.
 */
static void find_rrsets(struct zone_compiler *zc, const knot_dname_t *name, struct name_facts *f)
{
	const struct zone *zone = zc->zone;
	size_t at = zc->cursor, end;

	f->count = 0;
	if (at < zone->rrset_count && !zone_name_cmp(zone->rrsets[at].owner, name)) {
		f->rrsets = &zone->rrsets[at];
		while (at + f->count < zone->rrset_count && !zone_name_cmp(zone->rrsets[at + f->count].owner, name))
			f->count++;
	} else {
		f->rrsets = zone_rrsets_of(zone, name, &f->count);
	}
	f->descendants = true;
	if (!f->count)
		return;
	end = f->rrsets - zone->rrsets + f->count;
	zc->cursor = end;
	f->descendants = end < zone->rrset_count && knot_dname_in_bailiwick(zone->rrsets[end].owner, name) > 0;
}

static const knot_rrset_t *rrset_of(const struct name_facts *f, uint16_t type)
{
	for (size_t i = 0; i < f->count; i++)
		if (f->rrsets[i].type == type)
			return &f->rrsets[i];
	return NULL;
}

static int compile_rrsets(struct zone_compiler *zc, const struct name_facts *f, struct name_answers *out,
			  char *err, size_t errlen)
{
	for (size_t i = 0; i < f->count; i++) {
		const knot_rrset_t *rr = &f->rrsets[i];
		struct plan plan = {
			.qname = rr->owner, .qtype = rr->type, .position_independent = zone_name_is_wildcard(rr->owner),
			.answer = { rr }, .answer_count = 1,
			.authority = positive_authority(zc, rr, rr->type),
			.authoritative = true, .reason = XDPCAST_dns_answer,
		};

		/* At a delegation only DS is the zone's. */
		if (rr->type == KNOT_RRTYPE_RRSIG || (f->cut && rr->type != KNOT_RRTYPE_DS)) {
			out->left_to_userspace++;
			continue;
		}
		if (add_answer(zc, out, rr->type, &plan, err, errlen))
			return -1;
	}
	return 0;
}

/* What a delegation point answers: DS NODATA (the parent's), a referral at
 * it and below it. */
static int compile_cut(struct zone_compiler *zc, const knot_dname_t *name, const struct name_facts *f,
		       struct name_answers *out, char *err, size_t errlen)
{
	struct plan referral = {
		.qname = name, .authority = rrset_of(f, KNOT_RRTYPE_NS), .referral = true,
		.reason = XDPCAST_dns_referral,
	};

	const struct denial *d = serving_denial(zc);
	const knot_rrset_t *ds = rrset_of(f, KNOT_RRTYPE_DS);
	struct plan signed_referral = referral;

	if (!ds) {
		struct plan nodata = {
			.qname = name, .qtype = KNOT_RRTYPE_DS, .authority = &zc->negative_soa,
			.authoritative = true, .reason = XDPCAST_dns_nodata,
		};

		if (add_type(zc, out, KNOT_RRTYPE_DS, &nodata, err, errlen))
			return -1;
		nodata.dnssec = true;
		if (d && add_no_ds_proof(d, name, &nodata) && add_type(zc, out, KNOT_RRTYPE_DS, &nodata, err, errlen))
			return -1;
	}
	out->occludes = true;
	out->has_other = out->has_below = true;
	if (render_planned(zc, &referral, &out->other, err, errlen))
		return -1;
	referral.position_independent = true;
	if (render_planned(zc, &referral, &out->below, err, errlen))
		return -1;
	/* DO=1: the DS RRset of a signed child (its RRSIGs with it), else the
	 * proof that there is none. */
	signed_referral.dnssec = true;
	if (!d)
		return 0;
	if (ds)
		signed_referral.proofs[signed_referral.proof_count++] = ds;
	else if (!add_no_ds_proof(d, name, &signed_referral))
		return 0;
	if (render_dnssec(zc, &signed_referral, &out->other_dnssec, &out->has_other_dnssec, err, errlen))
		return -1;
	signed_referral.position_independent = true;
	return render_dnssec(zc, &signed_referral, &out->below_dnssec, &out->has_below_dnssec, err, errlen);
}

/*
 * NXDOMAIN below `name`, the closest encloser, with DO=1 (RFC 4035
 * section 3.1.3.2, RFC 5155 section 7.2.2): the proof that no wildcard
 * answers (the cover of *.name) and for NSEC3 the closest encloser's own
 * NSEC3 go in the tail; the cover of the qname (NSEC) or of its next
 * closer name (NSEC3) is the program's to add, from the zone's index.
 */
static int compile_nxdomain_proof(struct zone_compiler *zc, const struct denial *d, const knot_dname_t *name,
				  const struct plan *nxdomain, struct name_answers *out, char *err, size_t errlen)
{
	knot_dname_t wildcard[KNOT_DNAME_MAXLEN];
	struct plan proven = *nxdomain;
	ssize_t cover;

	if (!zone_wildcard_of(name, wildcard))
		return 0;
	cover = denial_cover(d, wildcard);
	proven.dnssec = true;
	if (!set_dynamic_proof(d, &proven) ||
	    (d->kind == DENIAL_NSEC3 && !add_proof(d, denial_match(d, name), &proven)) || !add_proof(d, cover, &proven))
		return 0;
	return render_dnssec(zc, &proven, &out->below_dnssec, &out->has_below_dnssec, err, errlen);
}

/* What a name answers for other types and for names below it. */
static int compile_negative(struct zone_compiler *zc, const knot_dname_t *name, const struct name_facts *f,
			    struct name_answers *out, char *err, size_t errlen)
{
	const struct zone *zone = zc->zone;
	struct plan nodata = {
		.qname = name, .position_independent = zone_name_is_wildcard(name), .authority = &zc->negative_soa,
		.authoritative = true, .reason = XDPCAST_dns_nodata,
	};
	struct plan nxdomain = {
		.qname = name, .position_independent = true, .authority = &zc->negative_soa,
		.rcode = KNOT_RCODE_NXDOMAIN, .authoritative = true, .reason = XDPCAST_dns_nxdomain,
	};

	const struct denial *d = serving_denial(zc);

	if (rrset_of(f, KNOT_RRTYPE_CNAME)) {
		if (compile_cname_owner(zc, name, out, err, errlen))
			return -1;
	} else {
		out->has_other = true;
		if (render_planned(zc, &nodata, &out->other, err, errlen))
			return -1;
		nodata.dnssec = true;
		if (d && add_nodata_proof(d, name, &nodata) &&
		    render_dnssec(zc, &nodata, &out->other_dnssec, &out->has_other_dnssec, err, errlen))
			return -1;
	}
	if (rrset_of(f, KNOT_RRTYPE_DNAME)) {
		out->occludes = true;   /* below: userspace */
		return 0;
	}
	if (f->descendants && has_wildcard_child(zone, name)) {
		out->flags |= NAME_BELOW_WILDCARD;
		return 0;
	}
	out->has_below = true;
	if (render_planned(zc, &nxdomain, &out->below, err, errlen))
		return -1;
	return d ? compile_nxdomain_proof(zc, d, name, &nxdomain, out, err, errlen) : 0;
}

static int compare_types(const void *a, const void *b)
{
	const struct typed_answer *x = a, *y = b;

	if (x->qtype != y->qtype)
		return (int)x->qtype - (int)y->qtype;
	return (int)x->dnssec - (int)y->dnssec;
}

/* Types in the order the program searches them; two answers for one type
 * (cannot be told apart) are left to userspace, more than the program
 * reads are cut. */
static void order_types(struct name_answers *out)
{
	size_t kept = 0;

	if (out->type_count > 1)
		qsort(out->types, out->type_count, sizeof(*out->types), compare_types);
	for (size_t i = 0; i < out->type_count; i++) {
		bool twin = (i > 0 && !compare_types(&out->types[i - 1], &out->types[i])) ||
			    (i + 1 < out->type_count && !compare_types(&out->types[i], &out->types[i + 1]));

		if (twin) {
			out->left_to_userspace++;
			continue;
		}
		out->types[kept++] = out->types[i];
	}
	out->type_count = kept;
	if (kept > XDPCAST_TYPES_MAX) {
		out->flags |= NAME_TYPES_PARTIAL;
		out->left_to_userspace += kept - XDPCAST_TYPES_MAX;
		out->type_count = XDPCAST_TYPES_MAX;
	}
}

static bool only_nsec3(const struct name_facts *f)
{
	for (size_t i = 0; i < f->count; i++)
		if (f->rrsets[i].type != KNOT_RRTYPE_NSEC3 && f->rrsets[i].type != KNOT_RRTYPE_RRSIG)
			return false;
	return true;
}

/* Below a delegation or a DNAME a name is not the zone's; the delegation
 * points themselves are. */
bool zone_compiler_serves(struct zone_compiler *zc, const knot_dname_t *name)
{
	return zone_name_exists(zc->zone, name) && !below_cut_or_dname(zc, name);
}

int zone_compile_name(struct zone_compiler *zc, const knot_dname_t *name, struct name_answers *out,
		      char *err, size_t errlen)
{
	const struct zone *zone = zc->zone;
	struct name_facts f;
	int ret;

	arena_reset(&zc->arena);
	memset(out, 0, sizeof(*out));
	out->types = zc->types;
	find_rrsets(zc, name, &f);
	f.cut = !knot_dname_is_equal(name, zone->origin) && rrset_of(&f, KNOT_RRTYPE_NS);
	if (!zone_compiler_serves(zc, name))
		return 1;
	out->name = name;
	if (zone->is_signed)
		out->flags |= NAME_SIGNED;
	/* NSEC3 owners are not names of the zone (RFC 5155 section 7.2.8):
	 * a record without answers passes every query at them and below. */
	if (f.count && only_nsec3(&f))
		return 0;
	ret = compile_rrsets(zc, &f, out, err, errlen) ||
	      (f.cut ? compile_cut(zc, name, &f, out, err, errlen) : compile_negative(zc, name, &f, out, err, errlen));
	if (ret)
		return -1;
	order_types(out);
	return 0;
}

struct zone_compiler *zone_compiler_new(const struct zone *zone, bool minimal_responses, char *err,
					size_t errlen)
{
	const knot_rrset_t *soa = zone_find(zone, zone->origin, KNOT_RRTYPE_SOA);
	struct zone_compiler *zc = calloc(1, sizeof(*zc));

	if (!zc) {
		snprintf(err, errlen, "%s: out of memory", zone->file);
		return NULL;
	}
	zc->zone = zone;
	zc->minimal_responses = minimal_responses;
	if (denial_build(&zc->denial, zone)) {
		snprintf(err, errlen, "%s: out of memory", zone->file);
		free(zc);
		return NULL;
	}
	zc->negative_soa = *soa;
	zc->apex_ns = zone_find(zone, zone->origin, KNOT_RRTYPE_NS);
	/* RFC 2308 section 5: the SOA of a negative answer has the lesser of
	 * its TTL and its MINIMUM field. */
	if (knot_soa_minimum(soa->rrs.rdata) < zc->negative_soa.ttl)
		zc->negative_soa.ttl = knot_soa_minimum(soa->rrs.rdata);
	return zc;
}

void zone_compiler_follow_zones(struct zone_compiler *zc, zone_served_fn *served, const void *arg)
{
	zc->served_elsewhere = served;
	zc->served_arg = arg;
}

void zone_compiler_free(struct zone_compiler *zc)
{
	if (!zc)
		return;
	arena_free(&zc->arena);
	free(zc->types);
	denial_free(&zc->denial);
	free(zc);
}

const struct denial *zone_compiler_denial(const struct zone_compiler *zc)
{
	return &zc->denial;
}

int zone_render_proof(struct zone_compiler *zc, size_t at, uint8_t out[KNOT_WIRE_MAX_PKTSIZE], size_t *len,
		      uint16_t *count)
{
	struct response r = { .plain = out, .zone = zc->zone, .dnssec = true, .section = KNOT_AUTHORITY };
	int ret = put_rrset(&r, zc->denial.proofs[at].rrset, false);

	*len = r.plain_len;
	*count = r.counts[KNOT_AUTHORITY];
	return ret == KNOT_EOK ? 0 : -1;
}

int zone_compile_slots(struct zone_compiler *zc, struct compiled_answer slots[ZONE_SLOT_MAX], char *err,
		       size_t errlen)
{
	static const uint8_t address[4] = { 192, 0, 2, 1 };
	size_t origin_size = knot_dname_size(zc->zone->origin);
	knot_rrset_t a;
	struct plan positive = {
		.qname = zc->neutral, .qtype = KNOT_RRTYPE_A, .answer = { &a }, .answer_count = 1,
		.authority = zc->apex_ns, .authoritative = true, .reason = XDPCAST_dns_answer,
	};
	struct plan nodata = {
		.qname = zc->neutral, .authority = &zc->negative_soa, .authoritative = true,
		.reason = XDPCAST_dns_nodata,
	};
	struct plan nxdomain = nodata;
	int ret;

	/* "\0" is a label no zone name compresses against. */
	if (origin_size + 2 > KNOT_DNAME_MAXLEN) {
		snprintf(err, errlen, "%s: the origin is too long to share answers", zc->zone->file);
		return -1;
	}
	zc->neutral[0] = 1;
	zc->neutral[1] = 0;
	memcpy(zc->neutral + 2, zc->zone->origin, origin_size);
	nxdomain.position_independent = true;
	nxdomain.rcode = KNOT_RCODE_NXDOMAIN;
	nxdomain.reason = XDPCAST_dns_nxdomain;
	arena_reset(&zc->arena);
	knot_rrset_init(&a, zc->neutral, KNOT_RRTYPE_A, KNOT_CLASS_IN, 0);
	if (knot_rrset_add_rdata(&a, address, sizeof(address), NULL) != KNOT_EOK) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	ret = render_planned(zc, &positive, &slots[ZONE_SLOT_POSITIVE], err, errlen);
	positive.dnssec = true;
	if (!ret)
		ret = render_planned(zc, &positive, &slots[ZONE_SLOT_POSITIVE_DNSSEC], err, errlen);
	if (!ret)
		ret = render_planned(zc, &nodata, &slots[ZONE_SLOT_NODATA], err, errlen);
	if (!ret)
		ret = render_planned(zc, &nxdomain, &slots[ZONE_SLOT_NXDOMAIN], err, errlen);
	knot_rdataset_clear(&a.rrs, NULL);
	return ret;
}

static int chaos_name(const char *text, const knot_rrset_t *identity_txt, int index,
		      int (*each)(const struct name_answers *names, void *arg), void *arg, char *err, size_t errlen)
{
	knot_dname_t *name = knot_dname_from_str_alloc(text);
	bool names_server = index < 2;
	struct typed_answer txt = { .qtype = KNOT_RRTYPE_TXT };
	struct name_answers out = { .types = &txt, .type_count = 1, .has_other = true };
	knot_rrset_t own_txt = *identity_txt;
	struct plan refused = {
		.qname = name, .qclass = KNOT_CLASS_CH, .rcode = KNOT_RCODE_REFUSED,
		.ede = KNOT_EDNS_EDE_NOTSUP, .reason = XDPCAST_dns_refused,
	};
	struct plan txt_answer = {
		.qname = name, .qtype = KNOT_RRTYPE_TXT, .qclass = KNOT_CLASS_CH,
		.answer = { &own_txt }, .answer_count = 1, .reason = XDPCAST_dns_answer,
	};
	struct plan hidden = refused;
	struct zone_compiler scratch = { 0 };     /* no zone: only its arena */
	int ret;

	if (!name) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	own_txt.owner = name;
	hidden.qtype = KNOT_RRTYPE_TXT;
	hidden.ede = KNOT_EDNS_EDE_PROHIBITED;
	out.name = name;
	ret = render_planned(&scratch, names_server ? &txt_answer : &hidden, &txt.answer, err, errlen) ||
	      render_planned(&scratch, &refused, &out.other, err, errlen) ||
	      each(&out, arg);
	arena_free(&scratch.arena);
	knot_dname_free(name, NULL);
	return ret ? -1 : 0;
}

int answers_chaos(const char *identity, int (*each)(const struct name_answers *names, void *arg), void *arg,
		  char *err, size_t errlen)
{
	static const char *const names[] = { "id.server.", "hostname.bind.", "version.bind.",
					      "version.server." };
	uint8_t txt[1 + 255];
	size_t len = strnlen(identity, 255);
	knot_rrset_t identity_txt;
	int ret = 0;

	txt[0] = len;
	memcpy(txt + 1, identity, len);
	knot_rrset_init(&identity_txt, NULL, KNOT_RRTYPE_TXT, KNOT_CLASS_CH, 0);
	if (knot_rrset_add_rdata(&identity_txt, txt, len + 1, NULL)) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]) && !ret; i++)
		ret = chaos_name(names[i], &identity_txt, i, each, arg, err, errlen);
	knot_rdataset_clear(&identity_txt.rrs, NULL);
	return ret;
}
