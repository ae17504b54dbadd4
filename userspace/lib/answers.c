// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The answer compiler. For every name of a zone (owners and empty
 * non-terminals) it renders the responses NSD would send:
 *   TYPE  for each RRset: the answer, the apex NS in authority, A/AAAA of
 *         in-zone NS, MX and SRV targets in additional;
 *   OTHER for any other type: NODATA with the SOA, or a referral at a
 *         delegation;
 *   BELOW for names under it that do not exist: NXDOMAIN with the SOA, a
 *         referral under a delegation, or "use the wildcard child".
 * A CNAME owner's entries carry the chain followed inside the zone.
 * TYPE and OTHER entries are rendered for their own name, so their names may
 * be compressed against the question. BELOW entries, and the entries of a
 * wildcard, serve other names than their own: they are written without
 * compression (the answer's owner is the question itself), to stay correct
 * after any question, and are sent whole or not at all.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "answers.h"
#include "log.h"

#define DNS_FLAG_QR 0x8000
#define DNS_FLAG_AA 0x0400
#define MAX_LABELS  128
#define MAX_CHAIN   8     /* CNAMEs followed inside a zone, as NSD does */

/* ASCII only, as the XDP program lowercases (label lengths are < 'A'). */
uint64_t answer_name_hash(const knot_dname_t *name)
{
	uint64_t label_hash[MAX_LABELS], hash = XDPCAST_NAME_HASH_INIT;
	size_t labels = 0;

	for (const uint8_t *l = name; *l && labels < MAX_LABELS; l += *l + 1, labels++) {
		uint64_t h = xdpcast_name_hash_step(XDPCAST_NAME_HASH_INIT, *l);

		for (uint8_t i = 1; i <= *l; i++)
			h = xdpcast_name_hash_step(h, l[i] >= 'A' && l[i] <= 'Z' ? l[i] | 0x20 : l[i]);
		label_hash[labels] = h;
	}
	while (labels > 0)
		hash = xdpcast_name_hash_chain(hash, label_hash[--labels]);
	return xdpcast_name_hash_final(hash);
}

static const knot_dname_t *parent_name(const knot_dname_t *name)
{
	return name[0] ? knot_wire_next_label(name, NULL) : NULL;
}

static bool is_cut(const struct zone *zone, const knot_dname_t *name)
{
	return !knot_dname_is_equal(name, zone->origin) && zone_find(zone, name, KNOT_RRTYPE_NS);
}

/*
 * Data the zone is not authoritative for: at or below a delegation (DS at
 * the cut itself is the parent's), or below a DNAME.
 */
static bool is_occluded(const struct zone *zone, const knot_dname_t *owner, uint16_t type)
{
	for (const knot_dname_t *n = owner; n; n = parent_name(n)) {
		if (n != owner && zone_find(zone, n, KNOT_RRTYPE_DNAME))
			return true;
		if (knot_dname_is_equal(n, zone->origin))
			return false;
		if (is_cut(zone, n) && !(n == owner && type == KNOT_RRTYPE_DS))
			return true;
	}
	return false;
}

static const knot_dname_t *additional_target(const knot_rrset_t *rr, const knot_rdata_t *rd)
{
	switch (rr->type) {
	case KNOT_RRTYPE_NS:
		return knot_ns_name(rd);
	case KNOT_RRTYPE_MX:
		return knot_mx_name(rd);
	case KNOT_RRTYPE_SRV:
		return knot_srv_name(rd);
	default:
		return NULL;
	}
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
	bool glue;                      /* additional may hold data below a delegation */
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
	bool dnssec;
	const knot_rrset_t *added[64];  /* RRsets already in the response */
	size_t added_count;
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

/* The RRSIGs of the zone that cover rr (RFC 4035 section 3.1.1). */
static int put_signatures(struct response *r, const knot_rrset_t *rr, bool owner_is_question)
{
	const knot_rrset_t *sigs = zone_find_signatures(r->zone, rr->owner, rr->type);

	return sigs ? put_one_rrset(r, sigs, owner_is_question) : KNOT_EOK;
}

static int put_rrset(struct response *r, const knot_rrset_t *rr, bool owner_is_question)
{
	int ret = put_one_rrset(r, rr, owner_is_question);

	if (ret == KNOT_EOK && r->dnssec)
		ret = put_signatures(r, rr, owner_is_question);
	return ret;
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

/* A and AAAA of in-zone targets of an RRset's NS, MX and SRV records. */
static int put_additional_for(struct response *r, const struct zone *zone, const knot_rrset_t *rr,
			      bool glue)
{
	knot_rdata_t *rd = rr->rrs.rdata;

	for (uint16_t i = 0; i < rr->rrs.count; i++, rd = knot_rdataset_next(rd)) {
		const knot_dname_t *target = additional_target(rr, rd);
		static const uint16_t types[] = { KNOT_RRTYPE_A, KNOT_RRTYPE_AAAA };
		knot_dname_t lower[KNOT_DNAME_MAXLEN];

		if (!target || knot_dname_in_bailiwick(target, zone->origin) < 0)
			continue;
		knot_dname_copy_lower(lower, target);
		for (size_t t = 0; t < 2; t++) {
			const knot_rrset_t *addr = zone_find(zone, lower, types[t]);
			int ret;

			if (addr && (glue || !is_occluded(zone, lower, types[t])) &&
			    (ret = put_once(r, addr)) != KNOT_EOK)
				return ret;
		}
	}
	return KNOT_EOK;
}

static int begin_section(struct response *r, knot_section_t section)
{
	r->section = section;
	return r->plain ? KNOT_EOK : knot_pkt_begin(r->pkt, section);
}

static void mark_cut(const struct response *r, const uint8_t *data, size_t len, struct answer_cut *cut)
{
	__u32 sum = 0;

	cut->len = len;
	if (r->plain) {
		cut->ancount = r->counts[KNOT_ANSWER];
		cut->nscount = r->counts[KNOT_AUTHORITY];
		cut->arcount = r->counts[KNOT_ADDITIONAL];
	} else {
		cut->ancount = knot_wire_get_ancount(r->pkt->wire);
		cut->nscount = knot_wire_get_nscount(r->pkt->wire);
		cut->arcount = knot_wire_get_arcount(r->pkt->wire);
	}
	for (size_t i = 0; i < len; i++)
		sum = xdpcast_csum_fold(xdpcast_csum_add_byte(sum, data[i], i));
	cut->csum = xdpcast_csum_fold(sum);
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

static int render(const struct zone *zone, const struct plan *plan, struct answer_entry *e)
{
	static uint8_t wire[KNOT_WIRE_MAX_PKTSIZE];
	struct response r = { .zone = zone, .dnssec = plan->dnssec };
	size_t data_start = 0;
	uint8_t *data;
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
	mark_cut(&r, data, r.pkt ? r.pkt->size - data_start : r.plain_len, &e->cut[ANSWER_CUT_ANSWER]);
	if (ret == KNOT_EOK)
		ret = begin_section(&r, KNOT_AUTHORITY);
	if (ret == KNOT_EOK && plan->authority) {
		r.added[r.added_count++] = plan->authority;
		ret = put_rrset(&r, plan->authority, false);
	}
	mark_cut(&r, data, r.pkt ? r.pkt->size - data_start : r.plain_len, &e->cut[ANSWER_CUT_AUTHORITY]);

	if (ret == KNOT_EOK)
		ret = begin_section(&r, KNOT_ADDITIONAL);
	for (size_t i = 0; i < plan->answer_count && ret == KNOT_EOK; i++)
		ret = put_additional_for(&r, zone, plan->answer[i], plan->glue);
	if (ret == KNOT_EOK && plan->authority)
		ret = put_additional_for(&r, zone, plan->authority, plan->glue);
	mark_cut(&r, data, r.pkt ? r.pkt->size - data_start : r.plain_len, &e->cut[ANSWER_CUT_FULL]);

	if (ret == KNOT_EOK) {
		size_t stored = e->cut[ANSWER_CUT_FULL].len;

		/* Cuts longer than the buffer never fit a client (limit <= 1232). */
		if (stored > XDPCAST_ANSWER_MAX)
			stored = XDPCAST_ANSWER_MAX;
		memcpy(e->data, data, stored);
		e->header_flags = DNS_FLAG_QR | (plan->authoritative ? DNS_FLAG_AA : 0) | plan->rcode;
		e->reason = plan->reason;
		e->ede = plan->ede;
		e->rrl_class = rrl_class_of(plan);
		e->rrl_name_hash = answer_name_hash(plan->qname);
		if (zone && zone->is_signed)
			e->entry_flags |= ANSWER_SIGNED;
		if (plan->dnssec)
			e->entry_flags |= ANSWER_DNSSEC;
		if (r.plain) {
			/* Uncompressed, so longer than NSD's: only whole, else pass. */
			e->entry_flags |= ANSWER_NO_TRUNCATE;
			e->cut[ANSWER_CUT_ANSWER] = e->cut[ANSWER_CUT_AUTHORITY] = e->cut[ANSWER_CUT_FULL];
		} else if (!plan->answer_count) {
			/* A negative answer or a referral needs its authority section. */
			e->cut[ANSWER_CUT_ANSWER] = e->cut[ANSWER_CUT_AUTHORITY];
		}
	}
	if (r.pkt)
		knot_pkt_free(r.pkt);
	return ret;
}

static int grow(struct answer_set *set)
{
	size_t cap = set->capacity ? set->capacity * 2 : 256;
	struct answer_key *keys = realloc(set->keys, cap * sizeof(*keys));
	struct answer_entry *entries;

	if (!keys)
		return -1;
	set->keys = keys;
	entries = realloc(set->entries, cap * sizeof(*entries));
	if (!entries)
		return -1;
	set->entries = entries;
	set->capacity = cap;
	return 0;
}

/* The names of one zone being compiled: owners and empty non-terminals. */
struct zone_names {
	const struct zone *zone;
	const knot_dname_t **names;     /* canonical order, unique */
	size_t count;
	knot_rrset_t negative_soa;      /* for the authority of negative answers */
	const knot_rrset_t *apex_ns;
};

static int compare_names(const void *a, const void *b)
{
	return knot_dname_cmp(*(const knot_dname_t *const *)a, *(const knot_dname_t *const *)b);
}

static bool name_exists(const struct zone_names *zn, const knot_dname_t *name)
{
	return bsearch(&name, zn->names, zn->count, sizeof(*zn->names), compare_names);
}

static bool is_wildcard(const knot_dname_t *name)
{
	return name[0] == 1 && name[1] == '*';
}

static bool has_wildcard_child(const struct zone_names *zn, const knot_dname_t *name)
{
	knot_dname_t wildcard[KNOT_DNAME_MAXLEN] = { 1, '*' };
	size_t len = knot_dname_size(name);

	/* "*." adds two octets: below a name of 254 or 255 there is none. */
	if (len + 2 > KNOT_DNAME_MAXLEN)
		return false;
	memcpy(wildcard + 2, name, len);
	return name_exists(zn, wildcard);
}

/* A zone file or a primary may hold many of these: one line per interval. */
static struct log_every oversized_answers = LOG_EVERY_INIT(10);
static struct log_every shared_keys = LOG_EVERY_INIT(10);

/* Adds an entry for (name, type, match): rendered from plan, or without
 * data and with flags (ANSWER_PASS, ANSWER_WILDCARD) when plan is NULL;
 * one too large to render becomes a pass entry. */
static int add_entry(struct answer_set *set, const struct zone *zone, const knot_dname_t *name,
		     uint16_t qtype, enum answer_match match, const struct plan *plan, uint16_t flags,
		     char *err, size_t errlen)
{
	struct answer_entry *e;
	char owner[KNOT_DNAME_TXT_MAXLEN], type[16];
	int ret;

	const char *source = zone ? zone->file : "CHAOS answers";

	if (set->count == set->capacity && grow(set)) {
		snprintf(err, errlen, "%s: out of memory compiling answers", source);
		return -1;
	}
	e = memset(&set->entries[set->count], 0, sizeof(*e));
	e->name_len = knot_dname_size(name);
	knot_dname_copy_lower(e->name, name);
	if (plan) {
		ret = render(zone, plan, e);
		if (ret == KNOT_ESPACE) {
			/* More than a DNS message holds (a TXT RRset over 64 KB,
			 * thousands of addresses at one name): the server behind
			 * answers it, as NSD does (TC=1, then TCP). */
			knot_dname_to_str(owner, name, sizeof(owner));
			knot_rrtype_to_string(qtype, type, sizeof(type));
			log_warn_every(&oversized_answers, "%s: %s %s: the answer does not fit a DNS message; left to "
				       "the userspace server", source, owner,
				       match == ANSWER_MATCH_TYPE ? type : "(other types, names below)");
			memset(e, 0, sizeof(*e));
			e->name_len = knot_dname_size(name);
			knot_dname_copy_lower(e->name, name);
			e->entry_flags = ANSWER_PASS;
			set->left_to_userspace++;
		} else if (ret != KNOT_EOK) {
			knot_dname_to_str(owner, name, sizeof(owner));
			knot_rrtype_to_string(qtype, type, sizeof(type));
			snprintf(err, errlen, "%s: %s %s: cannot render the answer: %s", source,
				 owner, match == ANSWER_MATCH_TYPE ? type : "(other)", knot_strerror(ret));
			return -1;
		}
	} else {
		e->entry_flags = flags;
	}
	set->keys[set->count++] = (struct answer_key){
		.name_hash = answer_name_hash(name),
		.qtype = match == ANSWER_MATCH_TYPE ? qtype : 0,
		.qclass = plan && plan->qclass ? plan->qclass : KNOT_CLASS_IN,
		.view = set->view,
		.match = match,
		.dnssec_ok = plan && plan->dnssec,
	};
	return 0;
}

/*
 * A positive answer for (name, qtype), and in a signed zone its DO=1
 * variant with the RRSIGs. Wildcard entries get none: a synthesised answer
 * needs an NSEC proof, which the userspace server sends.
 */
static int add_answer(struct answer_set *set, const struct zone *zone, const knot_dname_t *name,
		      uint16_t qtype, const struct plan *plan, char *err, size_t errlen)
{
	struct plan signed_plan = *plan;

	if (add_entry(set, zone, name, qtype, ANSWER_MATCH_TYPE, plan, 0, err, errlen))
		return -1;
	if (!zone->is_signed || plan->reason != XDPCAST_dns_answer || plan->position_independent)
		return 0;
	signed_plan.dnssec = true;
	return add_entry(set, zone, name, qtype, ANSWER_MATCH_TYPE, &signed_plan, 0, err, errlen);
}

enum chase_end {
	CHASE_DATA,             /* the chain ends in an RRset of the type asked */
	CHASE_NODATA,           /* ... at a name without it */
	CHASE_NXDOMAIN,         /* ... at a name of the zone that does not exist */
	CHASE_OUT_OF_ZONE,      /* ... leaves the zone */
	CHASE_UNSURE,           /* loop, too long, a wildcard, delegation or DNAME: userspace */
};

/*
 * Follows CNAMEs from name inside the zone, as NSD does, appending each
 * CNAME RRset to plan's answer section and, for CHASE_DATA, the final
 * RRset of qtype (0: a type the final name does not have).
 */
static enum chase_end chase(const struct zone_names *zn, const knot_dname_t *name, uint16_t qtype,
			    struct plan *plan)
{
	static knot_dname_t targets[MAX_CHAIN][KNOT_DNAME_MAXLEN];
	const struct zone *zone = zn->zone;
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
			if (name_exists(zn, n))
				return CHASE_NODATA;
			/* Not there: NXDOMAIN, unless a wildcard would answer. */
			for (ce = parent_name(n); ce && !name_exists(zn, ce); ce = parent_name(ce))
				;
			return ce && !has_wildcard_child(zn, ce) ? CHASE_NXDOMAIN : CHASE_UNSURE;
		}
		if (plan->answer_count == MAX_CHAIN)
			return CHASE_UNSURE;
		plan->answer[plan->answer_count] = cname;
		knot_dname_copy_lower(targets[plan->answer_count], knot_cname_name(cname->rrs.rdata));
		n = targets[plan->answer_count++];
		if (knot_dname_in_bailiwick(n, zone->origin) < 0)
			return CHASE_OUT_OF_ZONE;
		if (is_occluded(zone, n, qtype) || is_cut(zone, n) || knot_dname_is_equal(name, n))
			return CHASE_UNSURE;
		for (size_t i = 0; i + 1 < plan->answer_count; i++)
			if (knot_dname_is_equal(targets[i], n))
				return CHASE_UNSURE;    /* a loop */
	}
}

/* The apex NS NSD 4.6 puts in the authority section of a positive answer:
 * none for an answer of the NS RRset itself, nor for DNSKEY and DS (seen
 * on the wire; the e2e comparison holds it to that). */
static const knot_rrset_t *positive_authority(const struct zone_names *zn, const knot_rrset_t *answer,
					      uint16_t qtype)
{
	if (answer == zn->apex_ns || qtype == KNOT_RRTYPE_DNSKEY || qtype == KNOT_RRTYPE_DS)
		return NULL;
	return zn->apex_ns;
}

/* Turns the end of a chase into the rest of the response. */
static bool finish_chase(const struct zone_names *zn, enum chase_end end, struct plan *plan)
{
	switch (end) {
	case CHASE_DATA:
		plan->authority = positive_authority(zn, NULL, plan->qtype);
		plan->reason = XDPCAST_dns_answer;
		return true;
	case CHASE_OUT_OF_ZONE:
		plan->authority = NULL;         /* NSD sends the chain alone */
		plan->reason = XDPCAST_dns_answer;
		return true;
	case CHASE_NODATA:
		plan->authority = &zn->negative_soa;
		plan->reason = XDPCAST_dns_nodata;
		return true;
	case CHASE_NXDOMAIN:
		plan->authority = &zn->negative_soa;
		plan->rcode = KNOT_RCODE_NXDOMAIN;
		plan->reason = XDPCAST_dns_nxdomain;
		return true;
	default:
		return false;
	}
}

/* A CNAME owner: for each type its chain ends in, that answer; for every
 * other type, the chain and how it ends. */
static int compile_cname_owner(const struct zone_names *zn, const knot_dname_t *name,
			       struct answer_set *set, char *err, size_t errlen)
{
	struct plan plan = {
		.qname = name, .position_independent = is_wildcard(name), .authoritative = true,
	};
	const knot_rrset_t *final_rrsets;
	size_t final_count = 0;
	enum chase_end end = chase(zn, name, 0, &plan);

	if (end == CHASE_NODATA) {
		const knot_dname_t *final = knot_cname_name(plan.answer[plan.answer_count - 1]->rrs.rdata);
		knot_dname_t lower[KNOT_DNAME_MAXLEN];

		knot_dname_copy_lower(lower, final);
		final_rrsets = zone_rrsets_of(zn->zone, lower, &final_count);
		for (size_t i = 0; i < final_count; i++) {
			struct plan typed = plan;
			uint16_t type = final_rrsets[i].type;

			if (type == KNOT_RRTYPE_RRSIG || type == KNOT_RRTYPE_CNAME ||
			    zone_find(zn->zone, name, type))
				continue;
			typed.qtype = type;
			typed.rcode = 0;
			if (!finish_chase(zn, chase(zn, name, type, &typed), &typed))
				continue;
			if (add_answer(set, zn->zone, name, type, &typed, err, errlen))
				return -1;
		}
	}
	if (!finish_chase(zn, end, &plan))
		return add_entry(set, zn->zone, name, 0, ANSWER_MATCH_OTHER, NULL, ANSWER_PASS, err, errlen);
	return add_entry(set, zn->zone, name, 0, ANSWER_MATCH_OTHER, &plan, 0, err, errlen);
}

static int compile_rrsets(const struct zone_names *zn, struct answer_set *set, char *err, size_t errlen)
{
	const struct zone *zone = zn->zone;

	for (size_t i = 0; i < zone->rrset_count; i++) {
		const knot_rrset_t *rr = &zone->rrsets[i];
		struct plan plan = {
			.qname = rr->owner, .qtype = rr->type, .position_independent = is_wildcard(rr->owner),
			.answer = { rr }, .answer_count = 1,
			.authority = positive_authority(zn, rr, rr->type),
			.authoritative = true, .reason = XDPCAST_dns_answer,
		};

		if (rr->type == KNOT_RRTYPE_RRSIG || is_occluded(zone, rr->owner, rr->type)) {
			set->left_to_userspace++;
			continue;
		}
		if (add_answer(set, zone, rr->owner, rr->type, &plan, err, errlen))
			return -1;
	}
	return 0;
}

/* What a name of the zone answers for other types and for names below it. */
static int compile_name(const struct zone_names *zn, const knot_dname_t *name, struct answer_set *set,
			char *err, size_t errlen)
{
	const struct zone *zone = zn->zone;
	struct plan nodata = {
		.qname = name, .position_independent = is_wildcard(name), .authority = &zn->negative_soa,
		.authoritative = true, .reason = XDPCAST_dns_nodata,
	};
	struct plan nxdomain = {
		.qname = name, .position_independent = true, .authority = &zn->negative_soa,
		.rcode = KNOT_RCODE_NXDOMAIN, .authoritative = true, .reason = XDPCAST_dns_nxdomain,
	};

	if (is_cut(zone, name)) {
		struct plan referral = {
			.qname = name, .authority = zone_find(zone, name, KNOT_RRTYPE_NS), .glue = true,
			.reason = XDPCAST_dns_referral,
		};

		if (!zone_find(zone, name, KNOT_RRTYPE_DS)) {
			nodata.qtype = KNOT_RRTYPE_DS;
			if (add_entry(set, zone, name, KNOT_RRTYPE_DS, ANSWER_MATCH_TYPE, &nodata, 0, err, errlen))
				return -1;
		}
		if (add_entry(set, zone, name, 0, ANSWER_MATCH_OTHER, &referral, 0, err, errlen))
			return -1;
		referral.position_independent = true;
		return add_entry(set, zone, name, 0, ANSWER_MATCH_BELOW, &referral, 0, err, errlen);
	}

	if (zone_find(zone, name, KNOT_RRTYPE_CNAME)) {
		if (compile_cname_owner(zn, name, set, err, errlen))
			return -1;
	} else if (add_entry(set, zone, name, 0, ANSWER_MATCH_OTHER, &nodata, 0, err, errlen)) {
		return -1;
	}
	if (zone_find(zone, name, KNOT_RRTYPE_DNAME))
		return add_entry(set, zone, name, 0, ANSWER_MATCH_BELOW, NULL, ANSWER_PASS, err, errlen);
	if (has_wildcard_child(zn, name))
		return add_entry(set, zone, name, 0, ANSWER_MATCH_BELOW, NULL, ANSWER_WILDCARD, err, errlen);
	return add_entry(set, zone, name, 0, ANSWER_MATCH_BELOW, &nxdomain, 0, err, errlen);
}

/* Every owner and every empty non-terminal between an owner and the apex. */
static int collect_names(struct zone_names *zn, char *err, size_t errlen)
{
	const struct zone *zone = zn->zone;
	size_t capacity = 0, out = 0;

	for (size_t i = 0; i < zone->rrset_count; i++) {
		for (const knot_dname_t *n = zone->rrsets[i].owner; n; n = parent_name(n)) {
			if (zn->count == capacity) {
				const knot_dname_t **grown;

				capacity = capacity ? capacity * 2 : 256;
				grown = realloc(zn->names, capacity * sizeof(*zn->names));
				if (!grown) {
					snprintf(err, errlen, "%s: out of memory", zone->file);
					return -1;
				}
				zn->names = grown;
			}
			zn->names[zn->count++] = n;
			if (knot_dname_is_equal(n, zone->origin))
				break;
		}
	}
	qsort(zn->names, zn->count, sizeof(*zn->names), compare_names);
	for (size_t i = 0; i < zn->count; i++)
		if (out == 0 || !knot_dname_is_equal(zn->names[out - 1], zn->names[i]))
			zn->names[out++] = zn->names[i];
	zn->count = out;
	return 0;
}

static int compile_zone(const struct zone *zone, struct answer_set *set, char *err, size_t errlen)
{
	const knot_rrset_t *soa = zone_find(zone, zone->origin, KNOT_RRTYPE_SOA);
	struct zone_names zn = {
		.zone = zone, .negative_soa = *soa,
		.apex_ns = zone_find(zone, zone->origin, KNOT_RRTYPE_NS),
	};
	int ret;

	/* RFC 2308 section 5: the SOA of a negative answer has the lesser of
	 * its TTL and its MINIMUM field. */
	if (knot_soa_minimum(soa->rrs.rdata) < zn.negative_soa.ttl)
		zn.negative_soa.ttl = knot_soa_minimum(soa->rrs.rdata);
	ret = collect_names(&zn, err, errlen) || compile_rrsets(&zn, set, err, errlen) ? -1 : 0;
	for (size_t i = 0; i < zn.count && !ret; i++) {
		/* Data the zone is not authoritative for is no name of ours;
		 * the delegation points themselves are. */
		if (is_cut(zone, zn.names[i]) || !is_occluded(zone, zn.names[i], 0))
			ret = compile_name(&zn, zn.names[i], set, err, errlen);
	}
	free(zn.names);
	return ret;
}

static int compare_keys(const struct answer_key *a, const struct answer_key *b)
{
	return memcmp(a, b, sizeof(*a));
}

static const struct answer_set *sort_set;

static int compare_indexes(const void *a, const void *b)
{
	return compare_keys(&sort_set->keys[*(const size_t *)a], &sort_set->keys[*(const size_t *)b]);
}

/*
 * Two entries with one key (a 64-bit hash collision, or one name in two
 * loaded zones) cannot both be served from the cache: leave both to the
 * userspace server, which knows which is right.
 */
static int drop_duplicate_keys(struct answer_set *set)
{
	size_t *order = malloc(set->count * sizeof(*order) + 1);
	bool *dup = calloc(set->count + 1, sizeof(*dup));
	size_t out = 0;

	if (!order || !dup) {
		free(order);
		free(dup);
		return -1;
	}
	for (size_t i = 0; i < set->count; i++)
		order[i] = i;
	sort_set = set;
	qsort(order, set->count, sizeof(*order), compare_indexes);
	for (size_t i = 1; i < set->count; i++) {
		if (compare_keys(&set->keys[order[i - 1]], &set->keys[order[i]]) == 0) {
			char name[KNOT_DNAME_TXT_MAXLEN];

			dup[order[i - 1]] = dup[order[i]] = true;
			knot_dname_to_str(name, set->entries[order[i]].name, sizeof(name));
			log_warn_every(&shared_keys, "%s type %u: two answers share one cache key; left to the "
				       "userspace server", name, set->keys[order[i]].qtype);
		}
	}
	for (size_t i = 0; i < set->count; i++) {
		if (dup[i]) {
			set->left_to_userspace++;
			continue;
		}
		if (out != i) {
			set->keys[out] = set->keys[i];
			set->entries[out] = set->entries[i];
		}
		out++;
	}
	set->count = out;
	free(order);
	free(dup);
	return 0;
}

int answers_compile(struct zone *const *zones, size_t zone_count, struct answer_set *set,
		    char *err, size_t errlen)
{
	memset(set, 0, sizeof(*set));
	return answers_compile_view(zones, zone_count, 0, set, err, errlen);
}

int answers_compile_view(struct zone *const *zones, size_t zone_count, __u16 view,
			 struct answer_set *set, char *err, size_t errlen)
{
	set->view = view;
	for (size_t z = 0; z < zone_count; z++) {
		for (size_t other = 0; other < z; other++) {
			if (knot_dname_is_equal(zones[z]->origin, zones[other]->origin)) {
				char name[KNOT_DNAME_TXT_MAXLEN];

				knot_dname_to_str(name, zones[z]->origin, sizeof(name));
				snprintf(err, errlen, "%s: zone %s is already loaded from %s",
					 zones[z]->file, name, zones[other]->file);
				goto fail;
			}
		}
		if (compile_zone(zones[z], set, err, errlen))
			goto fail;
	}
	if (drop_duplicate_keys(set) == 0)
		return 0;
	snprintf(err, errlen, "out of memory compiling answers");
fail:
	answers_free(set);
	return -1;
}

int answers_add_chaos(struct answer_set *set, const char *identity, char *err, size_t errlen)
{
	static const char *const names[] = { "id.server.", "hostname.bind.", "version.bind.",
					      "version.server." };
	uint8_t txt[1 + 255];
	size_t len = strnlen(identity, 255);
	int ret = 0;

	txt[0] = len;
	memcpy(txt + 1, identity, len);
	set->view = 0;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]) && !ret; i++) {
		knot_dname_t *name = knot_dname_from_str_alloc(names[i]);
		bool names_server = i < 2;
		knot_rrset_t identity_txt;
		struct plan refused = {
			.qname = name, .qclass = KNOT_CLASS_CH, .rcode = KNOT_RCODE_REFUSED,
			.ede = KNOT_EDNS_EDE_NOTSUP, .reason = XDPCAST_dns_refused,
		};
		struct plan txt_answer = {
			.qname = name, .qtype = KNOT_RRTYPE_TXT, .qclass = KNOT_CLASS_CH,
			.answer = { &identity_txt }, .answer_count = 1, .reason = XDPCAST_dns_answer,
		};
		struct plan hidden = refused;

		if (!name) {
			snprintf(err, errlen, "out of memory");
			return -1;
		}
		hidden.qtype = KNOT_RRTYPE_TXT;
		hidden.ede = KNOT_EDNS_EDE_PROHIBITED;
		knot_rrset_init(&identity_txt, name, KNOT_RRTYPE_TXT, KNOT_CLASS_CH, 0);
		ret = knot_rrset_add_rdata(&identity_txt, txt, len + 1, NULL) ? -1 : 0;
		if (!ret)
			ret = add_entry(set, NULL, name, KNOT_RRTYPE_TXT, ANSWER_MATCH_TYPE,
					names_server ? &txt_answer : &hidden, 0, err, errlen);
		if (!ret)
			ret = add_entry(set, NULL, name, 0, ANSWER_MATCH_OTHER, &refused, 0, err, errlen);
		knot_rrset_clear(&identity_txt, NULL);  /* frees name too */
	}
	return ret;
}

void answers_free(struct answer_set *set)
{
	free(set->keys);
	free(set->entries);
	memset(set, 0, sizeof(*set));
}
