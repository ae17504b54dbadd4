// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * A signed zone's chain of denial (userspace/lib/denial.c): the proofs the
 * compiler finds for a name against a brute force over the chain as the
 * zone states it (NSEC: owner and next name; NSEC3: the hash libdnssec
 * computes, the next hash in the record), the keys' order against
 * canonical order, and the chains that are refused with their reason.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>
#include <libdnssec/nsec.h>

#include "denial.h"
#include "zone.h"

#define NSEC_ZONE  "tests/zones/denial.test.signed"
#define NSEC3_ZONE "tests/zones/denial3.test.signed"

static char *read_text(const char *path)
{
	FILE *f = fopen(path, "r");
	char *text = calloc(1, 1 << 16);
	size_t len;

	assert_non_null(f);
	len = fread(text, 1, (1 << 16) - 1, f);
	fclose(f);
	text[len] = '\0';
	return text;
}

static struct zone *parse(const char *text)
{
	char err[512];
	struct zone *z = zone_parse("denial", text, strlen(text), err, sizeof(err));

	if (!z)
		fail_msg("%s", err);
	return z;
}

static struct zone *load_fixture(const char *path)
{
	char *text = read_text(path);
	struct zone *z = parse(text);

	free(text);
	return z;
}

/* Names around every owner of the zone: itself, below it, beside it. */
static size_t probes(const struct zone *zone, knot_dname_t out[][KNOT_DNAME_MAXLEN], size_t max)
{
	static const char *const prefixes[] = { "", "a.", "zz.", "-.", "zzzz.", "0.", "*.", "b.a." };
	size_t n = 0;

	for (size_t i = 0; i < zone->rrset_count; i++) {
		char owner[KNOT_DNAME_TXT_MAXLEN];

		if (i && knot_dname_is_equal(zone->rrsets[i].owner, zone->rrsets[i - 1].owner))
			continue;
		knot_dname_to_str(owner, zone->rrsets[i].owner, sizeof(owner));
		for (size_t p = 0; p < sizeof(prefixes) / sizeof(prefixes[0]) && n < max; p++) {
			char text[KNOT_DNAME_TXT_MAXLEN + 8];

			snprintf(text, sizeof(text), "%s%s", prefixes[p], owner);
			assert_non_null(knot_dname_from_str(out[n], text, KNOT_DNAME_MAXLEN));
			knot_dname_to_lower(out[n++]);
		}
	}
	return n;
}

static void test_nsec_proofs_match_the_chain(void **state)
{
	static knot_dname_t names[1024][KNOT_DNAME_MAXLEN];
	struct zone *zone = load_fixture(NSEC_ZONE);
	size_t count = probes(zone, names, 1024), covered = 0, matched = 0;
	struct denial d;

	(void)state;
	assert_int_equal(denial_build(&d, zone), 0);
	assert_int_equal(d.kind, DENIAL_NSEC);
	assert_false(d.no_index);
	for (size_t i = 0; i < count; i++) {
		ssize_t want_match = -1, want_cover = -1;

		/* Brute force: the owner that is the name; else the NSEC whose
		 * span (owner, next) holds it. */
		for (size_t p = 0; p < d.count; p++) {
			const knot_rrset_t *rr = d.proofs[p].rrset;
			knot_dname_t next[KNOT_DNAME_MAXLEN];
			bool last;

			knot_dname_copy_lower(next, knot_nsec_next(rr->rrs.rdata));
			last = knot_dname_is_equal(next, zone->origin);
			if (knot_dname_is_equal(rr->owner, names[i]))
				want_match = p;
			else if (zone_name_cmp(rr->owner, names[i]) < 0 && (last || zone_name_cmp(names[i], next) < 0))
				want_cover = p;
		}
		if (knot_dname_in_bailiwick(names[i], zone->origin) < 0)
			continue;
		assert_int_equal(denial_match(&d, names[i]), want_match);
		assert_int_equal(denial_cover(&d, names[i]), want_match >= 0 ? -1 : want_cover);
		matched += want_match >= 0;
		covered += want_match < 0;
	}
	print_message("  %zu names matched, %zu covered by %zu NSEC records\n", matched, covered, d.count);
	assert_true(matched > 10 && covered > 50);
	denial_free(&d);
	zone_free(zone);
}

static void nsec3_hash(const knot_dname_t *name, uint8_t out[20])
{
	dnssec_nsec3_params_t params = { .algorithm = DNSSEC_NSEC3_ALGORITHM_SHA1 };
	dnssec_binary_t data = { .data = (uint8_t *)name, .size = knot_dname_size(name) }, hash = { 0 };

	assert_int_equal(dnssec_nsec3_hash(&data, &params, &hash), 0);
	assert_int_equal(hash.size, 20);
	memcpy(out, hash.data, 20);
	dnssec_binary_free(&hash);
}

static void test_nsec3_proofs_match_the_chain(void **state)
{
	static knot_dname_t names[1024][KNOT_DNAME_MAXLEN];
	struct zone *zone = load_fixture(NSEC3_ZONE);
	size_t count = probes(zone, names, 1024), covered = 0, matched = 0, wrapped = 0;
	struct denial d;

	(void)state;
	assert_int_equal(denial_build(&d, zone), 0);
	assert_int_equal(d.kind, DENIAL_NSEC3);
	for (size_t i = 0; i < count; i++) {
		ssize_t want_match = -1, want_cover = -1;
		uint8_t hash[20];

		if (knot_dname_in_bailiwick(names[i], zone->origin) < 0)
			continue;
		nsec3_hash(names[i], hash);
		/* Brute force over the spans the records state: (the hash the
		 * record before names as next, its own next], wrapping at the end. */
		for (size_t p = 0; p < d.count; p++) {
			const uint8_t *from = knot_nsec3_next(d.proofs[(p + d.count - 1) % d.count].rrset->rrs.rdata);
			const uint8_t *to = knot_nsec3_next(d.proofs[p].rrset->rrs.rdata);
			bool wraps = memcmp(from, to, 20) >= 0;

			if (!memcmp(from, hash, 20))
				want_match = p;
			else if (wraps ? memcmp(hash, from, 20) > 0 || memcmp(hash, to, 20) < 0
				       : memcmp(hash, from, 20) > 0 && memcmp(hash, to, 20) < 0)
				want_cover = p;
		}
		assert_int_equal(denial_match(&d, names[i]), want_match);
		assert_int_equal(denial_cover(&d, names[i]), want_match >= 0 ? -1 : want_cover);
		matched += want_match >= 0;
		covered += want_match < 0;
		wrapped += want_cover == (ssize_t)d.count - 1 && memcmp(hash, d.proofs[0].key.octets, 20) < 0;
	}
	print_message("  %zu names matched, %zu covered (%zu below the first hash) by %zu NSEC3 records\n", matched,
		      covered, wrapped, d.count);
	assert_true(matched > 10 && covered > 50 && wrapped > 0);
	denial_free(&d);
	zone_free(zone);
}

static int sign(int x)
{
	return (x > 0) - (x < 0);
}

/* Keys compare as the names do in canonical order, or tie (then the names
 * share their first XDPCAST_DENIAL_KEY_LEN octets of key). */
static void test_nsec_keys_keep_canonical_order(void **state)
{
	static const char alphabet[] = "-0129_abyz\x01\x7f\x80\xfe\xff";
	uint64_t rng = 42;
	size_t ties = 0, differ = 0;

	(void)state;
	for (int round = 0; round < 200000; round++) {
		knot_dname_t names[2][KNOT_DNAME_MAXLEN];
		struct denial_key keys[2];
		int by_name, by_key;

		for (int k = 0; k < 2; k++) {
			size_t at = 0, labels;

			rng = rng * 6364136223846793005ULL + 1442695040888963407ULL;
			labels = 1 + (rng >> 60) % 4;
			for (size_t l = 0; l < labels; l++) {
				size_t len = 1 + (rng >> (8 * l)) % (k && l == labels - 1 ? 20 : 5);

				names[k][at++] = len;
				for (size_t c = 0; c < len; c++) {
					rng = rng * 6364136223846793005ULL + 1442695040888963407ULL;
					names[k][at++] = alphabet[(rng >> 33) % (sizeof(alphabet) - 1)];
				}
			}
			names[k][at] = 0;
			assert_true(denial_nsec_key(names[k], &keys[k]));
		}
		by_name = sign(zone_name_cmp(names[0], names[1]));
		by_key = sign(memcmp(&keys[0], &keys[1], sizeof(keys[0])));
		if (by_key)
			assert_int_equal(by_key, by_name);
		ties += !by_key && by_name;
		differ += by_key != 0;
	}
	print_message("  %zu pairs ordered by their keys, %zu tied (cut at %d octets)\n", differ, ties,
		      XDPCAST_DENIAL_KEY_LEN);
	{
		knot_dname_t zero[] = "\3a\0b\4test";
		struct denial_key key;

		assert_false(denial_nsec_key(zero, &key));      /* a 0 octet: no order-keeping key */
	}
}

/* The fixture with `from` replaced by `to` (the first occurrence). */
static void expect_refused(const char *path, const char *from, const char *to, const char *why)
{
	char *text = read_text(path), *at = strstr(text, from), *edited;
	struct zone *zone;
	struct denial d;

	assert_non_null(at);
	edited = calloc(1, strlen(text) + strlen(to) + 1);
	memcpy(edited, text, at - text);
	strcat(edited, to);
	strcat(edited, at + strlen(from));
	zone = parse(edited);
	assert_int_equal(denial_build(&d, zone), 0);
	assert_int_equal(d.kind, DENIAL_NONE);
	if (!strstr(d.why, why))
		fail_msg("why: '%s', expected '%s'", d.why, why);
	assert_int_equal(denial_match(&d, zone->origin), -1);
	denial_free(&d);
	zone_free(zone);
	free(edited);
	free(text);
}

static void test_refused_chains(void **state)
{
	char *text = read_text(NSEC_ZONE), *nsec = strstr(text, "\tNSEC\t"), *line, *end;
	char removed[512];

	(void)state;
	/* The apex's NSEC gone, then the next one: the chain has no start,
	 * then the apex's NSEC points at nothing. */
	for (int gone = 0; gone < 2; gone++) {
		assert_non_null(nsec);
		for (line = nsec; line > text && line[-1] != '\n'; line--)
			;
		end = strchr(nsec, '\n');
		snprintf(removed, sizeof(removed), "%.*s", (int)(end - line + 1), line);
		expect_refused(NSEC_ZONE, removed, "",
			       gone ? "the NSEC chain is broken at denial.test." : "(no NSEC at the apex)");
		nsec = strstr(end, "\tNSEC\t");
	}
	/* A signature over a proof that expired. */
	expect_refused(NSEC_ZONE, "NSEC 15 3 300 20371231000000", "NSEC 15 3 300 20250101000000",
		       "has no current signature");
	/* NSEC3 parameters RFC 9276 advises against. */
	expect_refused(NSEC3_ZONE, "NSEC3PARAM\t1 0 0 -", "NSEC3PARAM\t1 0 5 -", "extra iterations or a salt");
	expect_refused(NSEC3_ZONE, "NSEC3PARAM\t1 0 0 -", "NSEC3PARAM\t1 0 0 ab", "extra iterations or a salt");
	expect_refused(NSEC3_ZONE, "NSEC3PARAM\t1 0 0 -", "NSEC3PARAM\t2 0 0 -", "other than SHA-1");
	/* An NSEC3 record whose parameters are not NSEC3PARAM's, and a gap in
	 * the NSEC3 chain (the first NSEC3 names a hash nobody owns). */
	expect_refused(NSEC3_ZONE, "IN\tNSEC3\t1 0 0 -", "IN\tNSEC3\t1 0 3 -", "other parameters than NSEC3PARAM's");
	expect_refused(NSEC3_ZONE, "IN\tNSEC3\t1 0 0 -", "IN\tNSEC3\t2 0 0 -", "other parameters than NSEC3PARAM's");
	expect_refused(NSEC3_ZONE, "IN\tNSEC3\t1 0 0 -  t", "IN\tNSEC3\t1 0 0 -  u", "the NSEC3 chain is broken");
	free(text);
	{
		struct zone *plain = parse("$ORIGIN plain.test.\n@ 60 IN SOA a. b. 1 2 3 4 5\n@ 60 IN NS a.\n");
		struct denial d;

		assert_int_equal(denial_build(&d, plain), 0);
		assert_int_equal(d.kind, DENIAL_NONE);
		assert_string_equal(d.why, "");         /* unsigned: nothing to say */
		denial_free(&d);
		zone_free(plain);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_nsec_proofs_match_the_chain),
		cmocka_unit_test(test_nsec3_proofs_match_the_chain),
		cmocka_unit_test(test_nsec_keys_keep_canonical_order),
		cmocka_unit_test(test_refused_chains),
	};

	return cmocka_run_group_tests_name("chain of denial", tests, NULL, NULL);
}
