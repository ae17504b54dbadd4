// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * What BIRD is asked for (contract v2): the include file's exact text for
 * withdrawn, announced and drained routes of both families, drains that
 * cannot be rendered, the atomic write; and the operators' maintenance kept
 * in the state file (round trip, prefixes gone from the config, files that
 * are not ours).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "bird_include.h"
#include "maintenance.h"

static const char header_withdrawn[] =
	"# Written by xdpcastd of PoP ams1: withdrawn. Do not edit: it is rewritten whenever the\n"
	"# announcement changes, and `xdpcastctl withdraw` empties it.\n";

static void test_withdrawn_has_both_protocols_and_no_route(void **state)
{
	struct route routes[] = { { "192.0.2.0/24", ROUTE_WITHDRAWN, 0 }, { "2001:db8:53::/48", ROUTE_WITHDRAWN, 0 } };
	char text[BIRD_INCLUDE_MAX], expected[1024];

	(void)state;
	assert_true(bird_include_render(routes, 2, NULL, "ams1", text, sizeof(text)) > 0);
	snprintf(expected, sizeof(expected), "%s%s", header_withdrawn,
		 "protocol static xdpcast4 {\n\tipv4;\n}\nprotocol static xdpcast6 {\n\tipv6;\n}\n");
	assert_string_equal(text, expected);
}

static void test_announced_and_drained(void **state)
{
	struct drain_style drain = { .asn = 64501, .prepend = 3, .communities = { "65535:0", "64500:666" },
				     .community_count = 2 };
	struct route routes[] = { { "192.0.2.0/24", ROUTE_ANNOUNCED, 0 }, { "198.51.100.0/24", ROUTE_WITHDRAWN, 0 },
				  { "2001:db8:53::/48", ROUTE_PREPENDED, 2 } };
	char text[BIRD_INCLUDE_MAX];

	(void)state;
	assert_true(bird_include_render(routes, 3, &drain, NULL, text, sizeof(text)) > 0);
	assert_string_equal(text,
		"# Written by xdpcastd: announcing. Do not edit: it is rewritten whenever the\n"
		"# announcement changes, and `xdpcastctl withdraw` empties it.\n"
		"protocol static xdpcast4 {\n\tipv4;\n\troute 192.0.2.0/24 blackhole;\n}\n"
		"protocol static xdpcast6 {\n\tipv6;\n"
		"\troute 2001:db8:53::/48 blackhole { bgp_path.prepend(64501); bgp_path.prepend(64501);"
		" bgp_community.add((65535, 0)); bgp_community.add((64500, 666)); };\n}\n");
}

/* A drain with nothing to make the route less attractive is refused. */
static void test_impossible_drain(void **state)
{
	struct drain_style no_asn = { .prepend = 3 };
	struct route drained = { "192.0.2.0/24", ROUTE_PREPENDED, 3 };
	char text[BIRD_INCLUDE_MAX];

	(void)state;
	assert_false(drain_possible(&no_asn, 3));
	assert_int_equal(bird_include_render(&drained, 1, &no_asn, NULL, text, sizeof(text)), -1);
	assert_int_equal(bird_include_render(&drained, 1, NULL, NULL, text, sizeof(text)), -1);
	no_asn.community_count = 1;
	snprintf(no_asn.communities[0], sizeof(no_asn.communities[0]), "65535:0");
	assert_true(drain_possible(&no_asn, 3));    /* communities alone will do */
}

static void test_write_then_holds(void **state)
{
	char dir[] = "/tmp/xdpcast-include.XXXXXX", path[256], err[256];
	struct route r = { "192.0.2.0/24", ROUTE_ANNOUNCED, 0 };
	char text[BIRD_INCLUDE_MAX];

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/sub/bird.conf", dir);
	assert_true(bird_include_render(&r, 1, NULL, "x", text, sizeof(text)) > 0);
	assert_false(bird_include_holds(path, text));           /* missing */
	assert_int_equal(bird_include_write(path, text, err, sizeof(err)), 0);
	assert_true(bird_include_holds(path, text));
	r.state = ROUTE_WITHDRAWN;
	assert_true(bird_include_render(&r, 1, NULL, "x", text, sizeof(text)) > 0);
	assert_false(bird_include_holds(path, text));           /* changed */
	unlink(path);
	snprintf(path, sizeof(path), "%s/sub", dir);
	rmdir(path);
	rmdir(dir);
}

static void test_maintenance_round_trip(void **state)
{
	struct route routes[] = { { "192.0.2.0/24" }, { "2001:db8:53::/48" }, { "198.51.100.0/24" } };
	struct maintenance m[3] = { { MAINT_DRAIN, 2 }, { MAINT_NONE, 0 }, { MAINT_WITHDRAW, 0 } }, back[3];
	char path[] = "/tmp/xdpcast-state.XXXXXX", err[256];
	int fd = mkstemp(path);

	(void)state;
	close(fd);
	assert_int_equal(maintenance_save(path, routes, m, 3, err, sizeof(err)), 0);
	/* The next configuration lost 198.51.100.0/24: its withdraw is forgotten. */
	assert_int_equal(maintenance_load(path, routes, 2, back, err, sizeof(err)), 0);
	assert_int_equal(back[0].action, MAINT_DRAIN);
	assert_int_equal(back[0].prepend, 2);
	assert_int_equal(back[1].action, MAINT_NONE);
	unlink(path);
	assert_int_equal(maintenance_load(path, routes, 3, back, err, sizeof(err)), 0);   /* no file: none */
	assert_int_equal(back[2].action, MAINT_NONE);
}

static void test_maintenance_file_not_ours(void **state)
{
	static const struct { const char *text, *error; } cases[] = {
		{ "not json", ":1: '[' or '{' expected near 'not' (remove it to forget every drain)" },
		{ "{\"other\": 1}", ": no \"maintenance\" object (remove it to forget every drain)" },
		{ "{\"maintenance\": {\"192.0.2.0/24\": {\"action\": \"explode\"}}}",
		  ": 192.0.2.0/24: expected {\"action\": \"drain\"|\"withdraw\", \"prepend\": 0..10}" },
		{ "{\"maintenance\": {\"192.0.2.0/24\": {\"action\": \"drain\", \"prepend\": 99}}}",
		  ": 192.0.2.0/24: expected {\"action\": \"drain\"|\"withdraw\", \"prepend\": 0..10}" },
	};
	struct route routes[] = { { "192.0.2.0/24" } };
	struct maintenance back[1];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char path[] = "/tmp/xdpcast-state.XXXXXX", err[512], expected[512];
		int fd = mkstemp(path);

		assert_int_equal(write(fd, cases[i].text, strlen(cases[i].text)), (ssize_t)strlen(cases[i].text));
		close(fd);
		assert_int_equal(maintenance_load(path, routes, 1, back, err, sizeof(err)), -1);
		snprintf(expected, sizeof(expected), "%s%s", path, cases[i].error);
		assert_string_equal(err, expected);
		unlink(path);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_withdrawn_has_both_protocols_and_no_route),
		cmocka_unit_test(test_announced_and_drained),
		cmocka_unit_test(test_impossible_drain),
		cmocka_unit_test(test_write_then_holds),
		cmocka_unit_test(test_maintenance_round_trip),
		cmocka_unit_test(test_maintenance_file_not_ours),
	};

	return cmocka_run_group_tests_name("BIRD include file and maintenance", tests, NULL, NULL);
}
