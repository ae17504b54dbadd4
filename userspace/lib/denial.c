// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * A signed zone's chain of denial, checked before anything is answered
 * from it: every link present (the chain closes on itself), every proof
 * signed and none of those signatures expired. What fails is left whole to
 * the server behind, with the reason.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <time.h>
#include <libdnssec/nsec.h>

#include "array.h"
#include "denial.h"

#define NSEC3_HASH_LEN 20
#define NSEC3_LABEL_LEN 32      /* the hash in base32hex */

static void why(struct denial *d, const char *fmt, const knot_dname_t *name)
{
	char text[KNOT_DNAME_TXT_MAXLEN] = "";

	if (name)
		knot_dname_to_str(text, name, sizeof(text));
	snprintf(d->why, sizeof(d->why), fmt, text);
	d->kind = DENIAL_NONE;
}

bool denial_nsec_key(const knot_dname_t *name, struct denial_key *key)
{
	const uint8_t *labels[KNOT_DNAME_MAXLABELS];
	size_t count = 0, at = 0;

	memset(key, 0, sizeof(*key));
	for (const uint8_t *l = name; *l; l += 1 + *l)
		labels[count++] = l;
	while (count--) {
		const uint8_t *l = labels[count];

		if (memchr(l + 1, 0, *l))
			return false;
		for (size_t i = 0; i <= *l && at < sizeof(key->octets); i++, at++)
			key->octets[at] = i < *l ? l[1 + i] : 0;
	}
	return true;
}

/* Base32 with the extended hex alphabet (RFC 4648 section 7), lowercase as
 * owner names are kept: only to check an owner against the hash it claims. */
static void base32hex(const uint8_t hash[NSEC3_HASH_LEN], char out[NSEC3_LABEL_LEN])
{
	static const char alphabet[] = "0123456789abcdefghijklmnopqrstuv";

	for (size_t bit = 0, i = 0; i < NSEC3_LABEL_LEN; i++, bit += 5) {
		unsigned word = hash[bit / 8] << 8 | (bit / 8 + 1 < NSEC3_HASH_LEN ? hash[bit / 8 + 1] : 0);

		out[i] = alphabet[(word >> (11 - bit % 8)) & 31];
	}
}

static int compare_keys(const void *a, const void *b)
{
	return memcmp(&((const struct denial_proof *)a)->key, &((const struct denial_proof *)b)->key,
		      sizeof(struct denial_key));
}

/* Whether every RRSIG over the proof's RRset is current. */
static bool signed_now(const struct zone *zone, const knot_rrset_t *rr, uint32_t now)
{
	const knot_rrset_t *sigs = zone_find_signatures(zone, rr->owner, rr->type);
	const knot_rdata_t *rd = sigs ? sigs->rrs.rdata : NULL;

	if (!sigs || !sigs->rrs.count)
		return false;
	for (uint16_t i = 0; i < sigs->rrs.count; i++, rd = knot_rdataset_next((knot_rdata_t *)rd))
		if ((int32_t)(knot_rrsig_sig_expiration(rd) - now) < 0 ||
		    (int32_t)(now - knot_rrsig_sig_inception(rd)) < 0)
			return false;
	return true;
}

static int collect(struct denial *d, const struct zone *zone, uint16_t type)
{
	for (size_t i = 0; i < zone->rrset_count; i++) {
		if (zone->rrsets[i].type != type)
			continue;
		struct denial_proof *proof = array_push((void **)&d->proofs, &d->count, sizeof(*proof));

		if (!proof)
			return -1;
		proof->rrset = &zone->rrsets[i];
	}
	return 0;
}

/* The NSEC chain: in canonical order each points to the next, the last to
 * the apex. */
static void read_nsec(struct denial *d, const struct zone *zone)
{
	if (!knot_dname_is_equal(d->proofs[0].rrset->owner, zone->origin))
		return why(d, "the NSEC chain is broken at %s (no NSEC at the apex)", zone->origin);
	for (size_t i = 0; i < d->count; i++) {
		const knot_rrset_t *rr = d->proofs[i].rrset;
		const knot_dname_t *want = i + 1 < d->count ? d->proofs[i + 1].rrset->owner : zone->origin;
		knot_dname_t next[KNOT_DNAME_MAXLEN];

		knot_dname_copy_lower(next, knot_nsec_next(rr->rrs.rdata));
		if (rr->rrs.count != 1 || !knot_dname_is_equal(next, want))
			return why(d, "the NSEC chain is broken at %s", rr->owner);
		if (!denial_nsec_key(rr->owner, &d->proofs[i].key))
			d->no_index = true;
	}
}

/* The NSEC3 chain with the zone's parameters: each owner is the hash the
 * one before it names as next (so every owner's hash is known without
 * decoding it), the last names the first. */
static void read_nsec3(struct denial *d, const struct zone *zone, const knot_rrset_t *param)
{
	const knot_rdata_t *p = param->rrs.rdata;

	if (param->rrs.count != 1 || knot_nsec3param_alg(p) != DNSSEC_NSEC3_ALGORITHM_SHA1)
		return why(d, "NSEC3 with a hash algorithm other than SHA-1%s", NULL);
	if (knot_nsec3param_iters(p) || knot_nsec3param_salt_len(p))
		return why(d, "NSEC3 with extra iterations or a salt (RFC 9276 asks for neither)%s", NULL);
	for (size_t i = 0; i < d->count; i++) {
		const knot_rrset_t *rr = d->proofs[i].rrset;
		const knot_rdata_t *rd = rr->rrs.rdata;
		const knot_rrset_t *prev = d->proofs[(i + d->count - 1) % d->count].rrset;
		const uint8_t *hash = knot_nsec3_next(prev->rrs.rdata);
		char label[NSEC3_LABEL_LEN];

		if (rr->rrs.count != 1 || knot_nsec3_alg(rd) != knot_nsec3param_alg(p) || knot_nsec3_iters(rd) ||
		    knot_nsec3_salt_len(rd) || knot_nsec3_next_len(prev->rrs.rdata) != NSEC3_HASH_LEN)
			return why(d, "an NSEC3 record with other parameters than NSEC3PARAM's at %s", rr->owner);
		base32hex(hash, label);
		if (rr->owner[0] != NSEC3_LABEL_LEN || memcmp(rr->owner + 1, label, NSEC3_LABEL_LEN) ||
		    !knot_dname_is_equal(knot_wire_next_label(rr->owner, NULL), zone->origin))
			return why(d, "the NSEC3 chain is broken at %s", rr->owner);
		memcpy(d->proofs[i].key.octets, hash, NSEC3_HASH_LEN);
	}
	qsort(d->proofs, d->count, sizeof(*d->proofs), compare_keys);
}

int denial_build(struct denial *d, const struct zone *zone)
{
	const knot_rrset_t *param = zone_find(zone, zone->origin, KNOT_RRTYPE_NSEC3PARAM);
	const knot_rrset_t *soa = zone_find(zone, zone->origin, KNOT_RRTYPE_SOA);
	uint32_t now = time(NULL);

	memset(d, 0, sizeof(*d));
	if (!zone->is_signed)
		return 0;
	d->kind = param ? DENIAL_NSEC3 : DENIAL_NSEC;
	if (collect(d, zone, param ? KNOT_RRTYPE_NSEC3 : KNOT_RRTYPE_NSEC))
		return -1;
	if (!d->count) {
		why(d, param ? "NSEC3PARAM without NSEC3 records%s" : "signed without NSEC or NSEC3 records%s", NULL);
		return 0;
	}
	if (param)
		read_nsec3(d, zone, param);
	else
		read_nsec(d, zone);
	if (d->kind == DENIAL_NONE)
		return 0;
	if (!soa || !signed_now(zone, soa, now))
		why(d, "the SOA has no current signature%s", NULL);
	for (size_t i = 0; i < d->count && d->kind != DENIAL_NONE; i++)
		if (!signed_now(zone, d->proofs[i].rrset, now))
			why(d, "the proof at %s has no current signature", d->proofs[i].rrset->owner);
	return 0;
}

void denial_free(struct denial *d)
{
	free(d->proofs);
	memset(d, 0, sizeof(*d));
}

static bool nsec3_key(const knot_dname_t *name, struct denial_key *key)
{
	dnssec_nsec3_params_t params = { .algorithm = DNSSEC_NSEC3_ALGORITHM_SHA1 };
	dnssec_binary_t data = { .data = (uint8_t *)name, .size = knot_dname_size(name) };
	dnssec_binary_t hash = { 0 };
	bool ok = !dnssec_nsec3_hash(&data, &params, &hash) && hash.size == NSEC3_HASH_LEN;

	memset(key, 0, sizeof(*key));
	if (ok)
		memcpy(key->octets, hash.data, NSEC3_HASH_LEN);
	dnssec_binary_free(&hash);
	return ok;
}

/* Proof i's order against `name` (NSEC3: its hash, in key). */
static int compare_proof(const struct denial *d, size_t i, const knot_dname_t *name, const struct denial_key *key)
{
	if (d->kind == DENIAL_NSEC3)
		return memcmp(&d->proofs[i].key, key, sizeof(*key));
	return zone_name_cmp(d->proofs[i].rrset->owner, name);
}

/* The number of proofs ordered at or before `name`; *equal when the last
 * of them is name's own. SIZE_MAX when the name cannot be hashed. */
static size_t rank(const struct denial *d, const knot_dname_t *name, bool *equal)
{
	struct denial_key key;
	size_t lo = 0, hi = d->count;

	if (d->kind == DENIAL_NSEC3 && !nsec3_key(name, &key))
		return SIZE_MAX;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (compare_proof(d, mid, name, &key) <= 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	*equal = lo && !compare_proof(d, lo - 1, name, &key);
	return lo;
}

ssize_t denial_match(const struct denial *d, const knot_dname_t *name)
{
	bool equal;
	size_t at;

	if (d->kind == DENIAL_NONE)
		return -1;
	at = rank(d, name, &equal);
	return at != SIZE_MAX && equal ? (ssize_t)at - 1 : -1;
}

ssize_t denial_cover(const struct denial *d, const knot_dname_t *name)
{
	bool equal;
	size_t at;

	if (d->kind == DENIAL_NONE)
		return -1;
	at = rank(d, name, &equal);
	if (at == SIZE_MAX || equal)
		return -1;
	if (!at)        /* NSEC3: below the first hash, the last covers it (NSEC: the apex is first) */
		return d->kind == DENIAL_NSEC3 ? (ssize_t)d->count - 1 : -1;
	return at - 1;
}
