// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "answers.h"
#include "log.h"

#define DNS_FLAG_QR 0x8000
#define DNS_FLAG_AA 0x0400

/* ASCII only, as the XDP program lowercases (label lengths are < 'A'). */
uint64_t answer_name_hash(const knot_dname_t *name)
{
	uint64_t hash = XDPCAST_NAME_HASH_INIT;
	size_t len = knot_dname_size(name);

	for (size_t i = 0; i < len; i++) {
		uint8_t c = name[i];

		hash = xdpcast_name_hash_step(hash, c >= 'A' && c <= 'Z' ? c | 0x20 : c);
	}
	return xdpcast_name_hash_final(hash);
}

static const knot_dname_t *parent_name(const knot_dname_t *name)
{
	return name[0] ? knot_wire_next_label(name, NULL) : NULL;
}

/*
 * Data the zone is not authoritative for: at or below a delegation (NS
 * below the apex; DS at the cut itself is the parent's), or below a DNAME.
 * Userspace answers those with referrals and synthesis.
 */
static bool is_occluded(const struct zone *zone, const knot_dname_t *owner, uint16_t type)
{
	for (const knot_dname_t *n = owner; n; n = parent_name(n)) {
		bool at_owner = n == owner;

		if (n != owner && zone_find(zone, n, KNOT_RRTYPE_DNAME))
			return true;
		if (knot_dname_is_equal(n, zone->origin))
			return false;
		if (zone_find(zone, n, KNOT_RRTYPE_NS) && !(at_owner && type == KNOT_RRTYPE_DS))
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

struct response {
	knot_pkt_t *pkt;
	const knot_rrset_t *added[64];  /* RRsets already in the response */
	size_t added_count;
};

static int put_once(struct response *r, const knot_rrset_t *rr)
{
	for (size_t i = 0; i < r->added_count; i++)
		if (r->added[i] == rr)
			return KNOT_EOK;
	if (r->added_count == sizeof(r->added) / sizeof(r->added[0]))
		return KNOT_EOK;  /* additional data is optional: stop adding */
	r->added[r->added_count++] = rr;
	return knot_pkt_put(r->pkt, 0, rr, 0);
}

/* A and AAAA of in-zone targets of one section's NS, MX and SRV records. */
static int put_additional_for(struct response *r, const struct zone *zone, const knot_rrset_t *rr)
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

			if (addr && !is_occluded(zone, lower, types[t]) &&
			    (ret = put_once(r, addr)) != KNOT_EOK)
				return ret;
		}
	}
	return KNOT_EOK;
}

static void mark_cut(const knot_pkt_t *pkt, size_t data_start, struct answer_cut *cut,
		     const uint8_t *data)
{
	__u32 sum = 0;

	cut->len = pkt->size - data_start;
	cut->ancount = knot_wire_get_ancount(pkt->wire);
	cut->nscount = knot_wire_get_nscount(pkt->wire);
	cut->arcount = knot_wire_get_arcount(pkt->wire);
	for (size_t i = 0; i < cut->len; i++)
		sum = xdpcast_csum_fold(xdpcast_csum_add_byte(sum, data[i], i));
	cut->csum = xdpcast_csum_fold(sum);
}

/* Renders the response to a query for rr's owner and type. */
static int render_entry(const struct zone *zone, const knot_rrset_t *rr, struct answer_entry *e)
{
	static uint8_t wire[KNOT_WIRE_MAX_PKTSIZE];
	const knot_rrset_t *apex_ns = zone_find(zone, zone->origin, KNOT_RRTYPE_NS);
	/* The answer RRset counts as written: NSD never repeats it in additional. */
	struct response r = { .added = { rr }, .added_count = 1 };
	size_t data_start;
	int ret;

	memset(wire, 0, KNOT_WIRE_HEADER_SIZE);  /* knot_pkt_new keeps a given wire's header */
	r.pkt = knot_pkt_new(wire, sizeof(wire), NULL);
	if (!r.pkt)
		return KNOT_ENOMEM;
	ret = knot_pkt_put_question(r.pkt, rr->owner, KNOT_CLASS_IN, rr->type);
	data_start = r.pkt->size;
	if (ret == KNOT_EOK)
		ret = knot_pkt_begin(r.pkt, KNOT_ANSWER);
	if (ret == KNOT_EOK)
		ret = knot_pkt_put(r.pkt, KNOT_COMPR_HINT_QNAME, rr, 0);
	mark_cut(r.pkt, data_start, &e->cut[ANSWER_CUT_ANSWER], wire + data_start);

	if (ret == KNOT_EOK)
		ret = knot_pkt_begin(r.pkt, KNOT_AUTHORITY);
	if (ret == KNOT_EOK && apex_ns && apex_ns != rr)
		ret = knot_pkt_put(r.pkt, 0, apex_ns, 0);
	mark_cut(r.pkt, data_start, &e->cut[ANSWER_CUT_AUTHORITY], wire + data_start);

	if (ret == KNOT_EOK)
		ret = knot_pkt_begin(r.pkt, KNOT_ADDITIONAL);
	if (ret == KNOT_EOK)
		ret = put_additional_for(&r, zone, rr);
	if (ret == KNOT_EOK && apex_ns && apex_ns != rr)
		ret = put_additional_for(&r, zone, apex_ns);
	mark_cut(r.pkt, data_start, &e->cut[ANSWER_CUT_FULL], wire + data_start);

	if (ret == KNOT_EOK) {
		size_t stored = e->cut[ANSWER_CUT_FULL].len;

		/* Cuts longer than the buffer never fit a client (limit <= 1232). */
		if (stored > XDPCAST_ANSWER_MAX)
			stored = XDPCAST_ANSWER_MAX;
		memcpy(e->data, wire + data_start, stored);
		e->name_len = knot_dname_size(rr->owner);
		knot_dname_copy_lower(e->name, rr->owner);
		e->header_flags = DNS_FLAG_QR | DNS_FLAG_AA;
		e->entry_flags = zone->is_signed ? ANSWER_SIGNED : 0;
	}
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

static int compile_zone(const struct zone *zone, struct answer_set *set, char *err, size_t errlen)
{
	for (size_t i = 0; i < zone->rrset_count; i++) {
		const knot_rrset_t *rr = &zone->rrsets[i];
		char owner[KNOT_DNAME_TXT_MAXLEN], type[16];
		int ret;

		if (rr->type == KNOT_RRTYPE_RRSIG || is_occluded(zone, rr->owner, rr->type)) {
			set->left_to_userspace++;
			continue;
		}
		if (set->count == set->capacity && grow(set)) {
			snprintf(err, errlen, "%s: out of memory compiling answers", zone->file);
			return -1;
		}
		memset(&set->entries[set->count], 0, sizeof(set->entries[0]));
		ret = render_entry(zone, rr, &set->entries[set->count]);
		if (ret != KNOT_EOK) {
			knot_dname_to_str(owner, rr->owner, sizeof(owner));
			knot_rrtype_to_string(rr->type, type, sizeof(type));
			snprintf(err, errlen, "%s: %s %s: cannot render the answer: %s", zone->file,
				 owner, type, knot_strerror(ret));
			return -1;
		}
		set->keys[set->count] = (struct answer_key){
			.name_hash = answer_name_hash(rr->owner),
			.qtype = rr->type,
			.qclass = KNOT_CLASS_IN,
		};
		set->count++;
	}
	return 0;
}

static int compare_keys(const struct answer_key *a, const struct answer_key *b)
{
	if (a->name_hash != b->name_hash)
		return a->name_hash < b->name_hash ? -1 : 1;
	if (a->qtype != b->qtype)
		return a->qtype < b->qtype ? -1 : 1;
	if (a->qclass != b->qclass)
		return a->qclass < b->qclass ? -1 : 1;
	return (a->view > b->view) - (a->view < b->view);
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

void answers_free(struct answer_set *set)
{
	free(set->keys);
	free(set->entries);
	memset(set, 0, sizeof(*set));
}
