// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <libzscanner/scanner.h>

#include "zone.h"

struct load_state {
	struct zone *zone;
	size_t capacity;
	char *err;
	size_t errlen;
	bool failed;
};

static void fail_at(zs_scanner_t *s, struct load_state *st, const char *fmt, const char *what)
{
	char msg[256];

	snprintf(msg, sizeof(msg), fmt, what);
	snprintf(st->err, st->errlen, "%s:%llu: %s", st->zone->file,
		 (unsigned long long)s->line_counter, msg);
	st->failed = true;
	s->state = ZS_STATE_STOP;
}

static bool is_dnssec_type(uint16_t type)
{
	return type == KNOT_RRTYPE_RRSIG || type == KNOT_RRTYPE_DNSKEY ||
	       type == KNOT_RRTYPE_NSEC || type == KNOT_RRTYPE_NSEC3;
}

static void on_record(zs_scanner_t *s)
{
	struct load_state *st = s->process.data;
	struct zone *zone = st->zone;
	knot_rrset_t *rr;
	char type_name[32];

	knot_dname_to_lower(s->r_owner);
	if (!zone->origin) {
		if (s->r_type != KNOT_RRTYPE_SOA) {
			fail_at(s, st, "%s", "the first record must be the zone's SOA");
			return;
		}
		zone->origin = knot_dname_copy(s->r_owner, NULL);
	} else if (s->r_type == KNOT_RRTYPE_SOA) {
		fail_at(s, st, "%s", "a second SOA record");
		return;
	}
	if (knot_dname_in_bailiwick(s->r_owner, zone->origin) < 0) {
		fail_at(s, st, "%s", "owner is outside the zone (origin is the SOA owner)");
		return;
	}

	if (zone->rrset_count == st->capacity) {
		size_t cap = st->capacity ? st->capacity * 2 : 64;
		knot_rrset_t *grown = realloc(zone->rrsets, cap * sizeof(*grown));

		if (!grown) {
			fail_at(s, st, "%s", "out of memory");
			return;
		}
		zone->rrsets = grown;
		st->capacity = cap;
	}
	rr = &zone->rrsets[zone->rrset_count];
	knot_rrset_init(rr, knot_dname_copy(s->r_owner, NULL), s->r_type, s->r_class, s->r_ttl);
	if (!rr->owner || knot_rrset_add_rdata(rr, s->r_data, s->r_data_length, NULL) != KNOT_EOK) {
		knot_rrset_clear(rr, NULL);
		knot_rrtype_to_string(s->r_type, type_name, sizeof(type_name));
		fail_at(s, st, "cannot store %s record", type_name);
		return;
	}
	zone->rrset_count++;
	zone->record_count++;
	if (is_dnssec_type(s->r_type))
		zone->is_signed = true;
	if (s->r_type == KNOT_RRTYPE_SOA)
		zone->serial = knot_soa_serial(rr->rrs.rdata);
}

static void on_error(zs_scanner_t *s)
{
	fail_at(s, s->process.data, "%s", zs_strerror(s->error.code));
}

/* RRSIGs at one owner form one RRset per type they cover, each with the
 * TTL of what it covers, as the zone file has them. */
static uint16_t covered_type(const knot_rrset_t *rr)
{
	return rr->type == KNOT_RRTYPE_RRSIG ? knot_rrsig_type_covered(rr->rrs.rdata) : 0;
}

static int compare_rrsets(const void *a, const void *b)
{
	const knot_rrset_t *x = a, *y = b;
	int c = knot_dname_cmp(x->owner, y->owner);

	if (c)
		return c;
	if (x->type != y->type)
		return (int)x->type - (int)y->type;
	return (int)covered_type(x) - (int)covered_type(y);
}

/* Records were read one per RRset; sort and merge those of one RRset. */
static int merge_rrsets(struct zone *zone, char *err, size_t errlen)
{
	size_t out = 0;

	qsort(zone->rrsets, zone->rrset_count, sizeof(*zone->rrsets), compare_rrsets);
	for (size_t i = 0; i < zone->rrset_count; i++) {
		knot_rrset_t *cur = &zone->rrsets[i];

		if (out > 0 && compare_rrsets(&zone->rrsets[out - 1], cur) == 0) {
			knot_rrset_t *into = &zone->rrsets[out - 1];

			/* RFC 2181 5.2: one TTL per RRset; take the lowest written. */
			if (cur->ttl < into->ttl)
				into->ttl = cur->ttl;
			if (knot_rdataset_merge(&into->rrs, &cur->rrs, NULL) != KNOT_EOK) {
				snprintf(err, errlen, "%s: out of memory merging RRsets", zone->file);
				return -1;
			}
			knot_rrset_clear(cur, NULL);
			continue;
		}
		zone->rrsets[out++] = *cur;
	}
	zone->rrset_count = out;
	return 0;
}

struct zone *zone_load(const char *path, char *err, size_t errlen)
{
	struct zone *zone = calloc(1, sizeof(*zone));
	struct load_state st = { .zone = zone, .err = err, .errlen = errlen };
	zs_scanner_t scanner;

	if (!zone || !(zone->file = strdup(path))) {
		snprintf(err, errlen, "%s: out of memory", path);
		zone_free(zone);
		return NULL;
	}
	if (zs_init(&scanner, ".", KNOT_CLASS_IN, 3600) != 0) {
		snprintf(err, errlen, "%s: cannot start the zone scanner", path);
		zone_free(zone);
		return NULL;
	}
	if (access(path, R_OK) != 0) {
		snprintf(err, errlen, "%s: cannot read the zone file: %s", path, strerror(errno));
		goto fail;
	}
	if (zs_set_input_file(&scanner, path) != 0) {
		snprintf(err, errlen, "%s: %s", path, zs_strerror(scanner.error.code));
		goto fail;
	}
	zs_set_processing(&scanner, on_record, on_error, &st);
	if (zs_parse_all(&scanner) != 0 && !st.failed) {
		snprintf(err, errlen, "%s:%llu: %s", path, (unsigned long long)scanner.line_counter,
			 zs_strerror(scanner.error.code));
		goto fail;
	}
	if (st.failed)
		goto fail;
	if (!zone->origin) {
		snprintf(err, errlen, "%s: no SOA record: the zone has no origin", path);
		goto fail;
	}
	zs_deinit(&scanner);
	if (merge_rrsets(zone, err, errlen)) {
		zone_free(zone);
		return NULL;
	}
	return zone;

fail:
	zs_deinit(&scanner);
	zone_free(zone);
	return NULL;
}

void zone_free(struct zone *zone)
{
	if (!zone)
		return;
	for (size_t i = 0; i < zone->rrset_count; i++)
		knot_rrset_clear(&zone->rrsets[i], NULL);
	free(zone->rrsets);
	free(zone->origin);
	free(zone->file);
	free(zone);
}

const knot_rrset_t *zone_find(const struct zone *zone, const knot_dname_t *owner, uint16_t type)
{
	knot_rrset_t probe = { .owner = (knot_dname_t *)owner, .type = type };

	return type == KNOT_RRTYPE_RRSIG ? NULL :
	       bsearch(&probe, zone->rrsets, zone->rrset_count, sizeof(*zone->rrsets), compare_rrsets);
}

static int compare_signatures(const void *key, const void *member)
{
	const knot_rrset_t *probe = key, *rr = member;
	int c = knot_dname_cmp(probe->owner, rr->owner);

	if (c)
		return c;
	if (rr->type != KNOT_RRTYPE_RRSIG)
		return (int)KNOT_RRTYPE_RRSIG - (int)rr->type;
	return (int)probe->type - (int)covered_type(rr);
}

const knot_rrset_t *zone_find_signatures(const struct zone *zone, const knot_dname_t *owner,
					 uint16_t covered)
{
	knot_rrset_t probe = { .owner = (knot_dname_t *)owner, .type = covered };

	return bsearch(&probe, zone->rrsets, zone->rrset_count, sizeof(*zone->rrsets),
		       compare_signatures);
}

static int compare_owner(const void *key, const void *member)
{
	return knot_dname_cmp(key, ((const knot_rrset_t *)member)->owner);
}

const knot_rrset_t *zone_rrsets_of(const struct zone *zone, const knot_dname_t *owner, size_t *count)
{
	const knot_rrset_t *hit = bsearch(owner, zone->rrsets, zone->rrset_count, sizeof(*zone->rrsets),
					  compare_owner);
	const knot_rrset_t *first = hit, *end = zone->rrsets + zone->rrset_count;

	*count = 0;
	if (!hit)
		return NULL;
	while (first > zone->rrsets && compare_owner(owner, first - 1) == 0)
		first--;
	while (first + *count < end && compare_owner(owner, first + *count) == 0)
		(*count)++;
	return first;
}
