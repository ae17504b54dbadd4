// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Prefix parsing into the family-neutral LPM key. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "prefix.h"

static void assert_round_trip(const char *text, unsigned prefixlen)
{
	struct xdpcast_lpm_key key;
	char err[128], back[64];

	assert_int_equal(prefix_parse(text, &key, err, sizeof(err)), 0);
	assert_int_equal(key.prefixlen, prefixlen);
	prefix_format(&key, back, sizeof(back));
	assert_string_equal(back, text);
}

static void test_ipv4_is_mapped(void **state)
{
	struct xdpcast_lpm_key key;
	const __u8 mapped[16] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 192, 0, 2, 0 };
	char err[128];

	(void)state;
	assert_int_equal(prefix_parse("192.0.2.0/24", &key, err, sizeof(err)), 0);
	assert_int_equal(key.prefixlen, 96 + 24);
	assert_memory_equal(key.addr, mapped, 16);
	assert_round_trip("192.0.2.0/24", 120);
	assert_round_trip("0.0.0.0/0", 96);
	assert_round_trip("2001:db8:53::/48", 48);
	assert_round_trip("2001:db8::1/128", 128);
}

static void test_bare_address_is_a_host(void **state)
{
	struct xdpcast_lpm_key key;
	char err[128];

	(void)state;
	assert_int_equal(prefix_parse("192.0.2.53", &key, err, sizeof(err)), 0);
	assert_int_equal(key.prefixlen, 128);
	assert_int_equal(prefix_parse("2001:db8::53", &key, err, sizeof(err)), 0);
	assert_int_equal(key.prefixlen, 128);
}

static void expect_error(const char *text, const char *message)
{
	struct xdpcast_lpm_key key;
	char err[128];

	assert_int_equal(prefix_parse(text, &key, err, sizeof(err)), -1);
	assert_string_equal(err, message);
}

static void test_errors(void **state)
{
	(void)state;
	expect_error("192.0.2.0/33", "prefix '192.0.2.0/33': length must be 0 to 32");
	expect_error("2001:db8::/129", "prefix '2001:db8::/129': length must be 0 to 128");
	expect_error("192.0.2.0/", "prefix '192.0.2.0/': length must be 0 to 32");
	expect_error("192.0.2.0/2x", "prefix '192.0.2.0/2x': length must be 0 to 32");
	expect_error("192.0.2.0/+24", "prefix '192.0.2.0/+24': length must be 0 to 32");
	expect_error("192.0.2.0/ 24", "prefix '192.0.2.0/ 24': length must be 0 to 32");
	expect_error("192.0.2.1/24", "prefix '192.0.2.1/24': host bits are set after /24");
	expect_error("2001:db8:53::1/48", "prefix '2001:db8:53::1/48': host bits are set after /48");
	expect_error("example.net", "prefix 'example.net': not an IPv4 or IPv6 address");
	expect_error("", "prefix '': not an IPv4 or IPv6 address");
	expect_error("/24", "prefix '/24': not an IPv4 or IPv6 address");
}

/* An operator's IPv6 prefix holds IPv6 addresses only, ::/0 too, though
 * the maps keep IPv4 inside it; IPv4's space is ::ffff:0:0/96. */
static void test_holds_its_own_family(void **state)
{
	struct xdpcast_lpm_key all6, all4, v4_space = prefix_v4_space(), host4, host6;
	char err[128];

	(void)state;
	assert_int_equal(prefix_parse("::/0", &all6, err, sizeof(err)), 0);
	assert_int_equal(prefix_parse("0.0.0.0/0", &all4, err, sizeof(err)), 0);
	assert_int_equal(prefix_parse("198.51.100.7", &host4, err, sizeof(err)), 0);
	assert_int_equal(prefix_parse("2001:db8::7", &host6, err, sizeof(err)), 0);
	assert_memory_equal(&v4_space, &all4, sizeof(all4));
	assert_true(prefix_contains(&all6, host4.addr));          /* as the trie matches */
	assert_false(prefix_holds_address(&all6, host4.addr));
	assert_true(prefix_holds_address(&all6, host6.addr));
	assert_true(prefix_holds_address(&all4, host4.addr));
	assert_false(prefix_holds_address(&all4, host6.addr));
	assert_true(prefix_holds_v4_space(&all6));
	assert_false(prefix_holds_v4_space(&all4));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ipv4_is_mapped),
		cmocka_unit_test(test_bare_address_is_a_host),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_holds_its_own_family),
	};

	return cmocka_run_group_tests_name("prefix", tests, NULL, NULL);
}
