// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Strings on their way into JSON: a cut never splits a character, bytes
 * that are not UTF-8 become U+FFFD, and a status snapshot holding such
 * strings still renders whole (jansson refuses invalid UTF-8 outright).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "state.h"
#include "utf8.h"

static void test_copy_cuts_between_characters(void **state)
{
	char out[6];

	(void)state;
	utf8_copy(out, sizeof(out), "ab\xc3\xa9\xc3\xa9");             /* "abéé": 6 bytes, 5 fit */
	assert_string_equal(out, "ab\xc3\xa9");
	utf8_copy(out, sizeof(out), "a\xe2\x82\xac\xe2\x82\xac");       /* "a€€": the second € does not fit */
	assert_string_equal(out, "a\xe2\x82\xac");
	utf8_copy(out, sizeof(out), "abcd\xf0\x9f\x98\x80");             /* a 4-byte character at the cut */
	assert_string_equal(out, "abcd");
	utf8_copy(out, sizeof(out), "abcde");
	assert_string_equal(out, "abcde");
	utf8_copy(out, sizeof(out), "\xff\xfe");
	assert_string_equal(out, "\xff\xfe");                            /* not ours to fix here: json_text does */
}

static void test_json_text_replaces_bad_bytes(void **state)
{
	static const struct { const char *in, *out; } cases[] = {
		{ "plain", "plain" },
		{ "", "" },
		{ "caf\xc3\xa9", "caf\xc3\xa9" },
		{ "/zones/\xff.zone", "/zones/\xef\xbf\xbd.zone" },
		{ "cut \xc3", "cut \xef\xbf\xbd" },                          /* a character cut at the end */
		{ "\xe2\x82", "\xef\xbf\xbd\xef\xbf\xbd" },
		{ "\xc0\xaf", "\xef\xbf\xbd\xef\xbf\xbd" },                  /* overlong '/' */
		{ "\xed\xa0\x80", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd" },  /* a surrogate */
		{ "\xf4\x90\x80\x80", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd" }, /* above U+10FFFF */
		{ "\xf0\x9f\x98\x80!", "\xf0\x9f\x98\x80!" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		json_t *j = json_text(cases[i].in);

		assert_non_null(j);
		assert_string_equal(json_string_value(j), cases[i].out);
		json_decref(j);
	}
}

/* A zone from a path that is not UTF-8, and a reload error cut inside a
 * character: the status keeps the zone and the error. */
static void test_status_with_bad_strings(void **state)
{
	struct pop_state *s = state_new(0, 1, 0, 1, 0, 0);
	json_t *j, *zone;
	char *text;

	(void)state;
	assert_non_null(s);
	s->zone_count = 1;
	s->zones[0].name = state_text(s, "bad.test.", 256);
	s->zones[0].source = state_text(s, "/zones/\xff.zone", 256);
	memset(s->reload_error, 'x', sizeof(s->reload_error) - 2);
	s->reload_error[sizeof(s->reload_error) - 2] = '\xc3';          /* the first byte of an é */
	s->check_count = 1;
	strcpy(s->checks[0].name, "web");
	strcpy(s->checks[0].detail, "said \xfe");
	text = state_json_text(s, NULL);
	assert_non_null(text);
	j = json_loads(text, 0, NULL);
	free(text);
	assert_non_null(j);
	zone = json_array_get(json_object_get(j, "zones"), 0);
	assert_non_null(zone);
	assert_string_equal(json_string_value(json_object_get(zone, "file")), "/zones/\xef\xbf\xbd.zone");
	assert_non_null(strstr(json_string_value(json_object_get(j, "reload_error")), "xx\xef\xbf\xbd"));
	assert_string_equal(json_string_value(json_object_get(json_array_get(json_object_get(j, "checks"), 0),
							      "error")), "said \xef\xbf\xbd");
	json_decref(j);
	state_unref(s);
}

/* A snapshot's strings: each as long as it is (cut between characters at
 * the field's bound), all alive until the snapshot goes, across blocks. */
static void test_state_text(void **state)
{
	struct pop_state *s = state_new(0, 3000, 0, 0, 0, 0);
	char name[32], *big = malloc(100000);

	(void)state;
	assert_non_null(s);
	assert_non_null(big);
	assert_string_equal(state_text(s, NULL, 256), "");
	assert_string_equal(state_text(s, "", 256), "");
	assert_string_equal(s->zones[2999].name, "");
	assert_string_equal(state_text(s, "caf\xc3\xa9.test.", 5), "caf");   /* é would not fit whole */
	for (size_t z = 0; z < 3000; z++) {     /* about 90 KB: two blocks */
		snprintf(name, sizeof(name), "zone-%zu.example.test.", z);
		s->zones[z].name = state_text(s, name, 256);
	}
	memset(big, 'a', 99999);
	big[99999] = '\0';
	assert_int_equal(strlen(state_text(s, big, 100000)), 99999);
	assert_int_equal(strlen(state_text(s, big, 70000)), 69999);
	for (size_t z = 0; z < 3000; z++) {
		snprintf(name, sizeof(name), "zone-%zu.example.test.", z);
		assert_string_equal(s->zones[z].name, name);
	}
	assert_false(s->short_of_memory);
	free(big);
	state_unref(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_copy_cuts_between_characters),
		cmocka_unit_test(test_json_text_replaces_bad_bytes),
		cmocka_unit_test(test_status_with_bad_strings),
		cmocka_unit_test(test_state_text),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
