// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The answer compiler. For every name of a zone (owners and empty
 * non-terminals) it renders the responses NSD would send:
 *   TYPE  for each RRset: the answer, the apex NS in authority, A/AAAA of
 *         in-zone NS, MX and SRV targets in additional;
 *   OTHER for any other type: NODATA with the SOA, or a referral at a
 *         delegation;
 *   BELOW for names under it that do not exist: NXDOMAIN with the SOA, or a
 *         referral under a delegation; left to userspace (a pass entry)
 *         where a wildcard or a DNAME applies.
 * TYPE and OTHER entries are rendered for their own name, so their names may
 * be compressed against the question. BELOW entries serve any name below
 * theirs: they are written without compression, to stay correct after any
 * question, and are never truncated.
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
	const knot_dname_t *qname;      /* the entry's own name; NULL: position independent */
	uint16_t qtype;
	const knot_rrset_t *answer;
	const knot_rrset_t *authority;
	bool glue;                      /* additional may hold data below a delegation */
	uint16_t rcode;
	bool authoritative;
	enum xdpcast_reason reason;
};

/* The response under construction: a libknot packet, or plain bytes. */
struct response {
	knot_pkt_t *pkt;                /* compressed against the question */
	uint8_t *plain;                 /* position independent */
	size_t plain_len;
	uint16_t counts[3];             /* answer, authority, additional */
	int section;
	const knot_rrset_t *added[64];  /* RRsets already in the response */
	size_t added_count;
};

/* One RR after another with owner and RDATA names in full: the bytes mean
 * the same after any question. */
static int put_plain(struct response *r, const knot_rrset_t *rr)
{
	size_t owner_len = knot_dname_size(rr->owner);
	knot_rdata_t *rd = rr->rrs.rdata;

	for (uint16_t i = 0; i < rr->rrs.count; i++, rd = knot_rdataset_next(rd)) {
		uint8_t *p = r->plain + r->plain_len;

		if (r->plain_len + owner_len + 10 + rd->len > KNOT_WIRE_MAX_PKTSIZE)
			return KNOT_ESPACE;
		memcpy(p, rr->owner, owner_len);
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

static int put_rrset(struct response *r, const knot_rrset_t *rr, uint16_t compr_hint)
{
	if (r->plain)
		return put_plain(r, rr);
	return knot_pkt_put(r->pkt, compr_hint, rr, 0);
}

static int put_once(struct response *r, const knot_rrset_t *rr)
{
	for (size_t i = 0; i < r->added_count; i++)
		if (r->added[i] == rr)
			return KNOT_EOK;
	if (r->added_count == sizeof(r->added) / sizeof(r->added[0]))
		return KNOT_EOK;  /* additional data is optional: stop adding */
	r->added[r->added_count++] = rr;
	return put_rrset(r, rr, 0);
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

static int render(const struct zone *zone, const struct plan *plan, struct answer_entry *e)
{
	static uint8_t wire[KNOT_WIRE_MAX_PKTSIZE];
	const knot_rrset_t *sections[2] = { plan->answer, plan->authority };
	struct response r = { .added = { plan->answer, plan->authority }, .added_count = 2 };
	size_t data_start = 0;
	uint8_t *data;
	int ret = KNOT_EOK;

	if (plan->qname) {
		memset(wire, 0, KNOT_WIRE_HEADER_SIZE);  /* knot_pkt_new keeps a given wire's header */
		r.pkt = knot_pkt_new(wire, sizeof(wire), NULL);
		if (!r.pkt)
			return KNOT_ENOMEM;
		ret = knot_pkt_put_question(r.pkt, plan->qname, KNOT_CLASS_IN, plan->qtype);
		data_start = r.pkt->size;
	} else {
		r.plain = wire;
	}
	data = wire + data_start;

	/* Answer, then authority: each a required part of the response. */
	for (int s = KNOT_ANSWER; s <= KNOT_AUTHORITY && ret == KNOT_EOK; s++) {
		ret = begin_section(&r, s);
		if (ret == KNOT_EOK && sections[s])
			ret = put_rrset(&r, sections[s], s == KNOT_ANSWER ? KNOT_COMPR_HINT_QNAME : 0);
		mark_cut(&r, data, r.pkt ? r.pkt->size - data_start : r.plain_len,
			 &e->cut[s == KNOT_ANSWER ? ANSWER_CUT_ANSWER : ANSWER_CUT_AUTHORITY]);
	}
	if (ret == KNOT_EOK)
		ret = begin_section(&r, KNOT_ADDITIONAL);
	for (int s = KNOT_ANSWER; s <= KNOT_AUTHORITY && ret == KNOT_EOK; s++)
		if (sections[s])
			ret = put_additional_for(&r, zone, sections[s], plan->glue);
	mark_cut(&r, data, r.pkt ? r.pkt->size - data_start : r.plain_len, &e->cut[ANSWER_CUT_FULL]);

	if (ret == KNOT_EOK) {
		size_t stored = e->cut[ANSWER_CUT_FULL].len;

		/* Cuts longer than the buffer never fit a client (limit <= 1232). */
		if (stored > XDPCAST_ANSWER_MAX)
			stored = XDPCAST_ANSWER_MAX;
		memcpy(e->data, data, stored);
		e->header_flags = DNS_FLAG_QR | (plan->authoritative ? DNS_FLAG_AA : 0) | plan->rcode;
		e->reason = plan->reason;
		if (zone->is_signed)
			e->entry_flags |= ANSWER_SIGNED;
		if (r.plain) {
			/* Uncompressed, so longer than NSD's: only whole, else pass. */
			e->entry_flags |= ANSWER_NO_TRUNCATE;
			e->cut[ANSWER_CUT_ANSWER] = e->cut[ANSWER_CUT_AUTHORITY] = e->cut[ANSWER_CUT_FULL];
		} else if (!plan->answer) {
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

/* Adds an entry for (name, type, match); plan NULL makes a pass entry. */
static int add_entry(struct answer_set *set, const struct zone *zone, const knot_dname_t *name,
		     uint16_t qtype, enum answer_match match, const struct plan *plan,
		     char *err, size_t errlen)
{
	struct answer_entry *e;
	char owner[KNOT_DNAME_TXT_MAXLEN], type[16];
	int ret;

	if (set->count == set->capacity && grow(set)) {
		snprintf(err, errlen, "%s: out of memory compiling answers", zone->file);
		return -1;
	}
	e = memset(&set->entries[set->count], 0, sizeof(*e));
	e->name_len = knot_dname_size(name);
	knot_dname_copy_lower(e->name, name);
	if (plan) {
		ret = render(zone, plan, e);
		if (ret != KNOT_EOK) {
			knot_dname_to_str(owner, name, sizeof(owner));
			knot_rrtype_to_string(qtype, type, sizeof(type));
			snprintf(err, errlen, "%s: %s %s: cannot render the answer: %s", zone->file,
				 owner, match == ANSWER_MATCH_TYPE ? type : "(other)", knot_strerror(ret));
			return -1;
		}
	} else {
		e->entry_flags = ANSWER_PASS;
	}
	set->keys[set->count++] = (struct answer_key){
		.name_hash = answer_name_hash(name),
		.qtype = match == ANSWER_MATCH_TYPE ? qtype : 0,
		.qclass = KNOT_CLASS_IN,
		.match = match,
	};
	return 0;
}

/* The SOA for the authority section of negative answers: RFC 2308 section
 * 5, its TTL the lesser of its own and its MINIMUM field. */
static knot_rrset_t negative_soa(const struct zone *zone)
{
	knot_rrset_t soa = *zone_find(zone, zone->origin, KNOT_RRTYPE_SOA);
	uint32_t minimum = knot_soa_minimum(soa.rrs.rdata);

	if (minimum < soa.ttl)
		soa.ttl = minimum;
	return soa;
}

static int compile_rrsets(const struct zone *zone, struct answer_set *set, char *err, size_t errlen)
{
	const knot_rrset_t *apex_ns = zone_find(zone, zone->origin, KNOT_RRTYPE_NS);

	for (size_t i = 0; i < zone->rrset_count; i++) {
		const knot_rrset_t *rr = &zone->rrsets[i];
		struct plan plan = {
			.qname = rr->owner, .qtype = rr->type, .answer = rr,
			.authority = apex_ns != rr ? apex_ns : NULL,
			.authoritative = true, .reason = XDPCAST_dns_answer,
		};

		if (rr->type == KNOT_RRTYPE_RRSIG || is_occluded(zone, rr->owner, rr->type)) {
			set->left_to_userspace++;
			continue;
		}
		if (add_entry(set, zone, rr->owner, rr->type, ANSWER_MATCH_TYPE, &plan, err, errlen))
			return -1;
	}
	return 0;
}

/* What a name of the zone answers for other types and for names below it. */
static int compile_name(const struct zone *zone, const knot_dname_t *name, struct answer_set *set,
			char *err, size_t errlen)
{
	knot_rrset_t soa = negative_soa(zone);
	struct plan nodata = {
		.qname = name, .authority = &soa, .authoritative = true, .reason = XDPCAST_dns_nodata,
	};
	struct plan nxdomain = {
		.authority = &soa, .rcode = KNOT_RCODE_NXDOMAIN, .authoritative = true,
		.reason = XDPCAST_dns_nxdomain,
	};
	knot_dname_t wildcard[KNOT_DNAME_MAXLEN] = { 1, '*' };

	if (is_cut(zone, name)) {
		struct plan referral = {
			.qname = name, .authority = zone_find(zone, name, KNOT_RRTYPE_NS), .glue = true,
			.reason = XDPCAST_dns_referral,
		};

		if (!zone_find(zone, name, KNOT_RRTYPE_DS)) {
			nodata.qtype = KNOT_RRTYPE_DS;
			if (add_entry(set, zone, name, KNOT_RRTYPE_DS, ANSWER_MATCH_TYPE, &nodata, err, errlen))
				return -1;
		}
		if (add_entry(set, zone, name, 0, ANSWER_MATCH_OTHER, &referral, err, errlen))
			return -1;
		referral.qname = NULL;
		return add_entry(set, zone, name, 0, ANSWER_MATCH_BELOW, &referral, err, errlen);
	}

	/* A CNAME owner answers every type with the chain: userspace for now. */
	if (add_entry(set, zone, name, 0, ANSWER_MATCH_OTHER,
		      zone_find(zone, name, KNOT_RRTYPE_CNAME) ? NULL : &nodata, err, errlen))
		return -1;
	memcpy(wildcard + 2, name, knot_dname_size(name));
	return add_entry(set, zone, name, 0, ANSWER_MATCH_BELOW,
			 zone_find(zone, name, KNOT_RRTYPE_DNAME) || zone_has_owner(zone, wildcard) ?
			 NULL : &nxdomain, err, errlen);
}

static int compare_names(const void *a, const void *b)
{
	return knot_dname_cmp(*(const knot_dname_t *const *)a, *(const knot_dname_t *const *)b);
}

/* Every owner and every empty non-terminal between an owner and the apex,
 * except data the zone is not authoritative for; delegation points stay. */
static int compile_names(const struct zone *zone, struct answer_set *set, char *err, size_t errlen)
{
	const knot_dname_t **names = NULL;
	size_t count = 0, capacity = 0;
	int ret = 0;

	for (size_t i = 0; i < zone->rrset_count; i++) {
		for (const knot_dname_t *n = zone->rrsets[i].owner; n; n = parent_name(n)) {
			if (count == capacity) {
				const knot_dname_t **grown;

				capacity = capacity ? capacity * 2 : 256;
				grown = realloc(names, capacity * sizeof(*names));
				if (!grown) {
					free(names);
					snprintf(err, errlen, "%s: out of memory", zone->file);
					return -1;
				}
				names = grown;
			}
			names[count++] = n;
			if (knot_dname_is_equal(n, zone->origin))
				break;
		}
	}
	qsort(names, count, sizeof(*names), compare_names);
	for (size_t i = 0; i < count && !ret; i++) {
		if (i > 0 && knot_dname_is_equal(names[i - 1], names[i]))
			continue;
		if (!is_cut(zone, names[i]) && is_occluded(zone, names[i], 0))
			continue;
		ret = compile_name(zone, names[i], set, err, errlen);
	}
	free(names);
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
			log_warn("%s type %u: two answers share one cache key; left to the userspace server",
				 name, set->keys[order[i]].qtype);
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
		if (compile_rrsets(zones[z], set, err, errlen) || compile_names(zones[z], set, err, errlen))
			goto fail;
	}
	if (drop_duplicate_keys(set) == 0)
		return 0;
	snprintf(err, errlen, "out of memory compiling answers");
fail:
	answers_free(set);
	return -1;
}

void answers_free(struct answer_set *set)
{
	free(set->keys);
	free(set->entries);
	memset(set, 0, sizeof(*set));
}
