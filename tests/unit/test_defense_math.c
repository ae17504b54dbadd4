// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The arithmetic the XDP program shares with userspace, run here on
 * explicit times and inputs: token buckets (GCRA), SipHash-2-4 against the
 * reference vectors, server cookies against RFC 9018 appendix A and against
 * libknot's, the cookie secrets a reload or takeover carries, and the
 * word-wise lowercasing of names.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <netinet/in.h>
#include <libknot/libknot.h>
#include <libknot/cookies.h>

#include "dns_cookie.h"
#include "prefix.h"
#include "protection.h"
#include "siphash.h"
#include "token_bucket.h"

#define MS 1000000ULL

static void test_bucket_burst_then_rate(void **state)
{
	struct rate_setting r;
	__u64 tat = 0, now = 5000 * MS;

	(void)state;
	token_bucket_setting(&r, 10, 3);        /* 10/s: one token per 100 ms */
	assert_int_equal(r.interval_ns, 100 * MS);
	for (int i = 0; i < 3; i++)
		assert_true(token_bucket_take(&tat, now, &r));
	assert_false(token_bucket_take(&tat, now, &r));
	assert_false(token_bucket_take(&tat, now + 99 * MS, &r));
	assert_true(token_bucket_take(&tat, now + 100 * MS, &r));   /* one token back */
	assert_false(token_bucket_take(&tat, now + 100 * MS, &r));
	/* A long quiet spell refills to the burst, never beyond it. */
	now += 10000 * MS;
	for (int i = 0; i < 3; i++)
		assert_true(token_bucket_take(&tat, now, &r));
	assert_false(token_bucket_take(&tat, now, &r));
}

static void test_bucket_steady_rate(void **state)
{
	struct rate_setting r;
	__u64 tat = 0, now = 1000 * MS;
	int passed = 0;

	(void)state;
	token_bucket_setting(&r, 100, 1);
	/* 1000 packets a second for ten seconds: 100/s of them conform. */
	for (int i = 0; i < 10000; i++, now += MS)
		passed += token_bucket_take(&tat, now, &r);
	assert_int_equal(passed, 1000);
}

static void test_bucket_drops_do_not_dig(void **state)
{
	struct rate_setting r;
	__u64 tat = 0, now = 1000 * MS;

	(void)state;
	token_bucket_setting(&r, 1, 1);
	assert_true(token_bucket_take(&tat, now, &r));
	for (int i = 0; i < 1000; i++)
		assert_false(token_bucket_take(&tat, now + i * MS / 2, &r));
	assert_true(token_bucket_take(&tat, now + 1000 * MS, &r));  /* a flood does not lock it out */
}

static void test_bucket_off(void **state)
{
	struct rate_setting r;
	__u64 tat = 0;

	(void)state;
	token_bucket_setting(&r, 0, 0);
	for (int i = 0; i < 100; i++)
		assert_true(token_bucket_take(&tat, 0, &r));
	assert_int_equal(tat, 0);
}

/* The reference implementation's vectors: key 00..0f, message 00..len-1. */
static void test_siphash_vectors(void **state)
{
	static const struct { __u32 len; __u64 hash; } vectors[] = {
		{ 0, 0x726fdb47dd0e0e31ULL },
		{ 1, 0x74f839c593dc67fdULL },
		{ 15, 0xa129ca6149be45e5ULL },
	};
	__u8 key[16], msg[SIPHASH_MSG_MAX];

	(void)state;
	for (int i = 0; i < 16; i++)
		key[i] = i;
	for (int i = 0; i < SIPHASH_MSG_MAX; i++)
		msg[i] = i;
	for (size_t i = 0; i < sizeof(vectors) / sizeof(vectors[0]); i++)
		assert_int_equal(siphash24(key, msg, vectors[i].len), vectors[i].hash);
}

/* The program lowercases a word at a time: every octet value, in every
 * position of the word, next to neighbours that could carry into it. */
static void test_lower_word(void **state)
{
	static const __u8 neighbours[] = { 0x00, 0x40, 0x41, 0x5a, 0x5b, 0x7f, 0x80, 0xc1, 0xda, 0xff };

	(void)state;
	for (int pos = 0; pos < 8; pos++) {
		for (int octet = 0; octet < 256; octet++) {
			for (size_t n = 0; n < sizeof(neighbours); n++) {
				__u8 in[8], want[8];
				__u64 word = 0, lowered;

				memset(in, neighbours[n], sizeof(in));
				in[pos] = octet;
				for (int i = 0; i < 8; i++) {
					want[i] = in[i] >= 'A' && in[i] <= 'Z' ? in[i] | 0x20 : in[i];
					word |= (__u64)in[i] << (8 * i);
				}
				lowered = xdpcast_lower_word(word);
				for (int i = 0; i < 8; i++)
					assert_int_equal((__u8)(lowered >> (8 * i)), want[i]);
			}
		}
	}
}

static void hex(const char *text, __u8 *out)
{
	for (size_t i = 0; i < strlen(text) / 2; i++)
		sscanf(text + 2 * i, "%2hhx", &out[i]);
}

static void address(const char *text, __u8 addr[16], int *ipv4)
{
	struct xdpcast_lpm_key key;
	char err[128];

	assert_int_equal(prefix_parse(text, &key, err, sizeof(err)), 0);
	memcpy(addr, key.addr, 16);
	*ipv4 = prefix_is_v4(&key);
}

/* RFC 9018 appendix A: the server cookies of A.1 to A.3, made here. */
static void test_rfc9018_make(void **state)
{
	static const struct {
		const char *secret, *client, *ip, *expected;
		__u32 now;
	} vectors[] = {
		{ "e5e973e5a6b2a43f48e7dc849e37bfcf", "2464c4abcf10c957", "198.51.100.100",
		  "010000005cf79f111f8130c3eee29480", 1559731985 },
		{ "e5e973e5a6b2a43f48e7dc849e37bfcf", "2464c4abcf10c957", "198.51.100.100",
		  "010000005cf7a871d4a564a1442aca77", 1559734385 },
		{ "e5e973e5a6b2a43f48e7dc849e37bfcf", "fc93fc62807ddb86", "203.0.113.203",
		  "010000005cf7a9acf73a7810aca2381e", 1559734700 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(vectors) / sizeof(vectors[0]); i++) {
		__u8 secret[16], client[8], addr[16], expected[16], made[16];
		int ipv4;

		hex(vectors[i].secret, secret);
		hex(vectors[i].client, client);
		hex(vectors[i].expected, expected);
		address(vectors[i].ip, addr, &ipv4);
		server_cookie_make(made, client, addr, ipv4, vectors[i].now, secret);
		assert_memory_equal(made, expected, 16);
		assert_true(server_cookie_valid(made, client, addr, ipv4, vectors[i].now, secret));
	}
}

/* RFC 9018 appendix A: cookies clients send back, checked here. */
static void test_rfc9018_verify(void **state)
{
	static const struct {
		const char *secret, *ip, *cookie;
		int valid;
	} vectors[] = {
		/* A.3: the reserved bytes a client sets are part of the hash */
		{ "e5e973e5a6b2a43f48e7dc849e37bfcf", "203.0.113.203",
		  "fc93fc62807ddb8601abcdef5cf78f71a314227b6679ebf5", 1 },
		/* A.4: IPv6, made with the old secret ... */
		{ "dd3bdf9344b678b185a6f5cb60fca715", "2001:db8:220:1:59de:d0f4:8769:82b8",
		  "22681ab97d52c298010000005cf7c57926556bd0934c72f8", 1 },
		/* ... which the new secret does not make */
		{ "445536bcd2513298075a5d379663c962", "2001:db8:220:1:59de:d0f4:8769:82b8",
		  "22681ab97d52c298010000005cf7c57926556bd0934c72f8", 0 },
		/* the same cookie from another address */
		{ "e5e973e5a6b2a43f48e7dc849e37bfcf", "203.0.113.204",
		  "fc93fc62807ddb8601abcdef5cf78f71a314227b6679ebf5", 0 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(vectors) / sizeof(vectors[0]); i++) {
		__u8 secret[16], cookie[24], addr[16];
		__u32 stamp;
		int ipv4;

		hex(vectors[i].secret, secret);
		hex(vectors[i].cookie, cookie);
		address(vectors[i].ip, addr, &ipv4);
		stamp = server_cookie_stamp(cookie + COOKIE_CLIENT_LEN);
		assert_int_equal(server_cookie_valid(cookie + COOKIE_CLIENT_LEN, cookie, addr, ipv4, stamp + 60, secret),
				 vectors[i].valid);
	}
}

/* Knot's own server cookies (libknot, RFC 9018 since 3.0) for the same
 * inputs, IPv4 and IPv6, byte for byte; and the two agree on which stamps
 * are still fresh, at each edge of the window. */
static void test_cookies_as_knot_makes_them(void **state)
{
	static const int offsets[] = { -COOKIE_CLOCK_SKEW - 1, -COOKIE_CLOCK_SKEW, 0, XDPCAST_COOKIE_LIFETIME_S,
				       XDPCAST_COOKIE_LIFETIME_S + 1 };
	unsigned seed = 9018;

	(void)state;
	for (int n = 0; n < 2000; n++) {
		int ipv4 = n & 1;
		__u8 secret[16], client[8], addr[16] = { 0 }, made[16];
		__u32 now = rand_r(&seed) ^ (__u32)rand_r(&seed) << 16;
		struct sockaddr_storage ss = { 0 };
		knot_edns_cookie_params_t params = { .version = COOKIE_VERSION, .client_addr = &ss,
						     .lifetime_before = XDPCAST_COOKIE_LIFETIME_S,
						     .lifetime_after = COOKIE_CLOCK_SKEW };
		knot_edns_cookie_t knot_client = { .len = COOKIE_CLIENT_LEN }, knot_server, ours;

		for (int i = 0; i < 16; i++)
			secret[i] = rand_r(&seed);
		for (int i = 0; i < 8; i++)
			client[i] = rand_r(&seed);
		if (ipv4) {
			struct sockaddr_in *sin = (struct sockaddr_in *)&ss;

			addr[10] = addr[11] = 0xff;
			for (int i = 12; i < 16; i++)
				addr[i] = rand_r(&seed);
			sin->sin_family = AF_INET;
			memcpy(&sin->sin_addr, addr + 12, 4);
		} else {
			struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;

			for (int i = 0; i < 16; i++)
				addr[i] = rand_r(&seed);
			sin6->sin6_family = AF_INET6;
			memcpy(&sin6->sin6_addr, addr, 16);
		}
		memcpy(params.secret, secret, sizeof(params.secret));
		memcpy(knot_client.data, client, COOKIE_CLIENT_LEN);
		params.timestamp = now;
		server_cookie_make(made, client, addr, ipv4, now, secret);
		assert_int_equal(knot_edns_cookie_server_generate(&knot_server, &knot_client, &params), KNOT_EOK);
		assert_int_equal(knot_server.len, COOKIE_SERVER_LEN);
		assert_memory_equal(knot_server.data, made, COOKIE_SERVER_LEN);
		ours.len = COOKIE_SERVER_LEN;
		memcpy(ours.data, made, COOKIE_SERVER_LEN);
		for (size_t i = 0; i < sizeof(offsets) / sizeof(offsets[0]); i++) {
			params.timestamp = now + offsets[i];
			assert_int_equal(knot_edns_cookie_server_check(&ours, &knot_client, &params) == KNOT_EOK,
					 server_cookie_valid(made, client, addr, ipv4, now + offsets[i], secret));
		}
	}
}

static void test_cookie_window(void **state)
{
	(void)state;
	assert_true(server_cookie_fresh(1000000, 1000000));
	assert_true(server_cookie_fresh(1000000, 1000000 + 3600));
	assert_false(server_cookie_fresh(1000000, 1000000 + 3601));
	assert_true(server_cookie_fresh(1000000 + 300, 1000000));
	assert_false(server_cookie_fresh(1000000 + 301, 1000000));
	assert_true(server_cookie_fresh(4294964696u, 1000));    /* an hour old across the wrap */
}

/* The secrets a reload or a takeover carries, on explicit times: a
 * rotation's previous for its hour from the change, through further
 * changes and through the settings map; a previous the config named, only
 * while it names it. */
static void test_cookie_secret_carry(void **state)
{
	struct protection in_force = { 0 }, next = { 0 }, later = { 0 }, taken = { 0 };
	struct xdpcast_settings settings;
	char err[128];

	(void)state;
	assert_int_equal(cookie_secret_parse("e5e973e5a6b2a43f48e7dc849e37bfcf", in_force.cookie_secret, err,
					     sizeof(err)), 0);
	in_force.has_secret = true;
	assert_int_equal(cookie_secret_parse("445536bcd2513298075a5d379663c962", next.cookie_secret, err,
					     sizeof(err)), 0);
	next.has_secret = true;
	protection_carry_cookie_secrets(&in_force, &next, 1000000);
	assert_true(next.has_previous);
	assert_memory_equal(next.cookie_previous, in_force.cookie_secret, XDPCAST_COOKIE_SECRET_LEN);
	assert_int_equal(next.previous_until, 1000000 + XDPCAST_COOKIE_LIFETIME_S);

	/* A reload that leaves the secret as it is (none in the config). */
	protection_carry_cookie_secrets(&next, &later, 1000600);
	assert_memory_equal(later.cookie_secret, next.cookie_secret, XDPCAST_COOKIE_SECRET_LEN);
	assert_true(later.has_previous);
	assert_memory_equal(later.cookie_previous, in_force.cookie_secret, XDPCAST_COOKIE_SECRET_LEN);
	assert_int_equal(later.previous_until, 1000000 + XDPCAST_COOKIE_LIFETIME_S);

	/* A takeover reads the same from the settings map. */
	protection_settings(&later, &settings);
	protection_carry_cookie_settings(&settings, &taken, 1000900);
	assert_memory_equal(taken.cookie_secret, next.cookie_secret, XDPCAST_COOKIE_SECRET_LEN);
	assert_true(taken.has_previous);
	assert_memory_equal(taken.cookie_previous, in_force.cookie_secret, XDPCAST_COOKIE_SECRET_LEN);
	assert_int_equal(taken.previous_until, 1000000 + XDPCAST_COOKIE_LIFETIME_S);

	/* A previous the config named (no end) is not carried once unnamed. */
	memset(&later, 0, sizeof(later));
	in_force.has_previous = true;
	in_force.previous_until = 0;
	protection_carry_cookie_secrets(&in_force, &later, 1000000);
	assert_false(later.has_previous);
	protection_settings(&in_force, &settings);
	memset(&taken, 0, sizeof(taken));
	protection_carry_cookie_settings(&settings, &taken, 1000000);
	assert_false(taken.has_previous);
}

static void test_rule_and_secret_parsing(void **state)
{
	struct port_rule rule;
	__u8 secret[16];
	char err[256];

	(void)state;
	assert_int_equal(port_rule_parse("udp/53", &rule, err, sizeof(err)), 0);
	assert_int_equal(rule.proto, IPPROTO_UDP);
	assert_int_equal(rule.port, 53);
	assert_int_equal(port_rule_parse("tcp", &rule, err, sizeof(err)), 0);
	assert_int_equal(rule.port, 0);
	assert_int_equal(port_rule_parse("icmp", &rule, err, sizeof(err)), 0);
	assert_int_equal(rule.proto, IPPROTO_ICMP);
	for (const char *bad = "udp/0\0udp/65536\0icmp/8\0sctp/53\0udp/\0udp/53x\0"; *bad; bad += strlen(bad) + 1) {
		assert_int_equal(port_rule_parse(bad, &rule, err, sizeof(err)), -1);
		assert_non_null(strstr(err, bad));
	}
	assert_int_equal(cookie_secret_parse("e5e973e5a6b2a43f48e7dc849e37bfcf", secret, err, sizeof(err)), 0);
	assert_int_equal(secret[0], 0xe5);
	assert_int_equal(secret[15], 0xcf);
	assert_int_equal(cookie_secret_parse("e5e973e5a6b2a43f48e7dc849e37bfc", secret, err, sizeof(err)), -1);
	assert_int_equal(cookie_secret_parse("g5e973e5a6b2a43f48e7dc849e37bfcf", secret, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "32 hexadecimal digits"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bucket_burst_then_rate),
		cmocka_unit_test(test_bucket_steady_rate),
		cmocka_unit_test(test_bucket_drops_do_not_dig),
		cmocka_unit_test(test_bucket_off),
		cmocka_unit_test(test_siphash_vectors),
		cmocka_unit_test(test_lower_word),
		cmocka_unit_test(test_rfc9018_make),
		cmocka_unit_test(test_rfc9018_verify),
		cmocka_unit_test(test_cookies_as_knot_makes_them),
		cmocka_unit_test(test_cookie_window),
		cmocka_unit_test(test_cookie_secret_carry),
		cmocka_unit_test(test_rule_and_secret_parsing),
	};

	return cmocka_run_group_tests_name("flood defense arithmetic", tests, NULL, NULL);
}
