// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Catalog zones (RFC 9432): the members a consumer reads from a catalog's
 * text, the version check, and what is not a member.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "catalog.h"
#include "zone.h"

#define HEAD "$ORIGIN cat.test.\n@ 0 IN SOA invalid. invalid. 1 3600 600 86400 0\n@ NS invalid.\n"

static struct zone *parse(const char *text)
{
	char err[256];
	struct zone *z = zone_parse("catalog", text, strlen(text), err, sizeof(err));

	if (!z)
		fail_msg("%s", err);
	return z;
}

/* The catalog of that text refused, its error naming why. */
static void assert_refused(const char *text, const char *why)
{
	struct zone *z = parse(text);
	struct catalog_member *m = (struct catalog_member *)1;
	char err[256] = "";
	size_t n = 1;

	assert_int_equal(catalog_members(z, &m, &n, err, sizeof(err)), -1);
	assert_null(m);
	assert_int_equal(n, 0);
	if (!strstr(err, why))
		fail_msg("refused with '%s', not '%s'", err, why);
	zone_free(z);
}

static void test_members_of_version_2(void **state)
{
	struct zone *z = parse(HEAD "version TXT \"2\"\n"
			       "a1.zones PTR One.Example.\n"
			       "b2.zones PTR two.example.\n"
			       "group.b2.zones TXT \"g\"\n"               /* a property: no member */
			       "x.y.zones PTR deep.example.\n"            /* not <id>.zones */
			       "c3.zones TXT \"not a ptr\"\n"
			       "zones PTR apex.example.\n"
			       "f6.other PTR other.example.\n");
	struct catalog_member *m;
	char err[256];
	size_t n;

	(void)state;
	assert_int_equal(catalog_members(z, &m, &n, err, sizeof(err)), 0);
	assert_int_equal(n, 2);
	assert_string_equal(m[0].zone, "one.example.");
	assert_string_equal(m[0].id, "a1");
	assert_string_equal(m[1].zone, "two.example.");
	assert_string_equal(m[1].id, "b2");
	assert_ptr_equal(catalog_member_named(m, n, "two.example."), &m[1]);
	assert_null(catalog_member_named(m, n, "deep.example."));
	catalog_members_free(m, n);
	zone_free(z);
}

static void test_empty_catalog(void **state)
{
	struct zone *z = parse(HEAD "version TXT \"2\"\n");
	struct catalog_member *m;
	char err[256];
	size_t n = 99;

	(void)state;
	assert_int_equal(catalog_members(z, &m, &n, err, sizeof(err)), 0);
	assert_int_equal(n, 0);
	catalog_members_free(m, n);
	zone_free(z);
}

static void test_refuses_other_versions(void **state)
{
	static const char *const texts[] = {
		HEAD "a1.zones PTR one.example.\n",                              /* no version */
		HEAD "version TXT \"1\"\na1.zones PTR one.example.\n",          /* version 1 */
		HEAD "version TXT \"2\" \"x\"\na1.zones PTR one.example.\n",    /* not the one string */
		HEAD "version A 192.0.2.1\na1.zones PTR one.example.\n",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++)
		assert_refused(texts[i], "version 2");
}

/* The operator is told which version the catalog has, not only that it is
 * not 2. */
static void test_names_the_version_refused(void **state)
{
	(void)state;
	assert_refused(HEAD "version TXT \"1\"\n", "version \"1\" at version.cat.test.: only version 2");
	assert_refused(HEAD "a1.zones PTR one.example.\n", "no version property");
}

/* RFC 9432 4.1 and 4.2.1: a broken catalog is not read at all, not read
 * around what breaks it: a member node left out, or one of two ids taken,
 * would remove a member or reset it on the say of a catalog that MUST NOT
 * be processed. */
static void test_refuses_broken_catalogs(void **state)
{
	(void)state;
	assert_refused(HEAD "version TXT \"2\"\nversion TXT \"1\"\na1.zones PTR one.example.\n",
		       "version.cat.test. holds 2 TXT records, not one");
	assert_refused(HEAD "version TXT \"2\"\na1.zones PTR one.example.\n"
		       "e5.zones PTR m1.example.\ne5.zones PTR m2.example.\n",
		       "member node e5 holds 2 PTR records, not one");
	assert_refused(HEAD "version TXT \"2\"\na1.zones PTR one.example.\nd4.zones PTR One.Example.\n",
		       "zone one.example. listed twice, under member nodes a1 and d4");
}

/* The unique id is what tells a reset (RFC 9432 5.6) from the same member:
 * read in lower case, and in any case of the catalog's own names; the
 * members come sorted by name whatever their ids' order. */
static void test_member_ids(void **state)
{
	struct zone *z = parse(HEAD "VERSION TXT \"2\"\n"
			       "Z9.ZONES PTR b.example.\n"
			       "m\\.1.Zones PTR a.example.\n"
			       "coo.Z9.zones PTR other.catalog.\n");
	struct catalog_member *m;
	char err[256];
	size_t n;

	(void)state;
	assert_int_equal(catalog_members(z, &m, &n, err, sizeof(err)), 0);
	assert_int_equal(n, 2);
	assert_string_equal(m[0].zone, "a.example.");
	assert_string_equal(m[0].id, "m\\.1");
	assert_string_equal(m[1].zone, "b.example.");
	assert_string_equal(m[1].id, "z9");
	catalog_members_free(m, n);
	zone_free(z);
}

/* The root would have the fast path answer every name no other zone holds;
 * a catalog listing itself is nonsense. Any other name may be a member. */
static void test_members_refused(void **state)
{
	(void)state;
	assert_non_null(strstr(catalog_member_refused(".", "cat.test."), "root"));
	assert_non_null(strstr(catalog_member_refused("cat.test.", "Cat.Test."), "itself"));
	assert_null(catalog_member_refused("test.", "cat.test."));
	assert_null(catalog_member_refused("zones.cat.test.", "cat.test."));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_members_of_version_2),
		cmocka_unit_test(test_empty_catalog),
		cmocka_unit_test(test_refuses_other_versions),
		cmocka_unit_test(test_names_the_version_refused),
		cmocka_unit_test(test_refuses_broken_catalogs),
		cmocka_unit_test(test_member_ids),
		cmocka_unit_test(test_members_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
