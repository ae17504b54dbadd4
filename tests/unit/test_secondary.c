// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * A transferred zone's SOA timers as secondary_transferred takes them:
 * when the copy is asked for again and when it is too old to serve. An
 * expire of 0 expired the copy the second it came, and again after every
 * refresh: the zone flapped between the fast path and the server behind.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#include <libknot/libknot.h>

#include "secondary.h"

#define NOW 1000.0      /* monotonic seconds at the transfer */

/* A zone transferred at NOW whose SOA says refresh, retry and expire. */
static void transferred(struct secondary *s, uint32_t refresh, uint32_t retry, uint32_t expire)
{
	struct secondary_option opt = { .zone = "timers.test.", .key = -1 };
	char text[256], err[256];
	struct zone *copy;

	if (address_parse("203.0.113.2", 53, &opt.primary, err, sizeof(err)))
		fail_msg("%s", err);
	snprintf(text, sizeof(text), "$ORIGIN timers.test.\n@ 300 IN SOA ns1 hostmaster 1 %u %u %u 60\n"
		 "@ 300 IN NS ns1\nns1 300 IN A 192.0.2.53\n", refresh, retry, expire);
	if (secondary_init(s, &opt, NULL, err, sizeof(err)))
		fail_msg("%s", err);
	if (!(copy = zone_parse("timers.test", text, strlen(text), err, sizeof(err))))
		fail_msg("%s", err);
	assert_int_equal(secondary_transferred(s, NOW, 0, copy, XFR_AXFR, NULL), 1);
}

/* Expired `after` seconds past the transfer, not a moment sooner. */
static void expires_after(struct secondary *s, double after)
{
	assert_int_equal(secondary_check_expiry(s, NOW + after - 0.001), 0);
	assert_true(secondary_fresh(s));
	assert_int_equal(secondary_check_expiry(s, NOW + after), 1);
	assert_false(secondary_fresh(s));
}

static void test_expire_as_the_soa_says(void **state)
{
	struct secondary s = { 0 };

	(void)state;
	transferred(&s, 3600, 600, 604800);
	assert_true(s.next_refresh == NOW + 3600);
	expires_after(&s, 604800);
	secondary_free(&s);
}

/* An expire shorter than a refresh and a retry (0 above all) is taken as
 * their sum: the copy is served that long past the last good one. */
static void test_expire_at_least_a_refresh_and_a_retry(void **state)
{
	struct secondary s = { 0 };

	(void)state;
	transferred(&s, 3600, 600, 0);
	expires_after(&s, 4200);
	secondary_free(&s);
	transferred(&s, 3600, 600, 3599);
	expires_after(&s, 4200);
	secondary_free(&s);
}

/* Refresh and retry 0 are taken as 1 s each: an expire of 0 as 2 s, and
 * each refresh a second later keeps the copy fresh. */
static void test_all_timers_zero(void **state)
{
	struct secondary s = { 0 };

	(void)state;
	transferred(&s, 0, 0, 0);
	assert_true(s.next_refresh == NOW + SECONDARY_MIN_INTERVAL_S);
	assert_int_equal(secondary_check_expiry(&s, NOW + 1), 0);
	assert_int_equal(secondary_transferred(&s, NOW + 1, 0, NULL, XFR_IXFR, NULL), 1);
	assert_int_equal(secondary_check_expiry(&s, NOW + 2), 0);
	assert_true(secondary_fresh(&s));
	expires_after(&s, 1 + 2 * SECONDARY_MIN_INTERVAL_S);
	secondary_free(&s);
}

/* A refresh of 2^32-1 (a date typed in the refresh field) asked the
 * primary again in 136 years: refresh and retry are taken as 4 and 2
 * weeks at most, as NSD and BIND take them. */
static void test_refresh_and_retry_capped(void **state)
{
	struct secondary s = { 0 };

	(void)state;
	transferred(&s, UINT32_MAX, UINT32_MAX, 604800);
	assert_true(s.next_refresh == NOW + SECONDARY_MAX_REFRESH_S);
	expires_after(&s, SECONDARY_MAX_REFRESH_S + SECONDARY_MAX_RETRY_S);
	assert_int_equal(secondary_transferred(&s, NOW + 1, -1, NULL, XFR_AXFR, "refused"), -1);
	assert_true(s.next_refresh == NOW + 1 + SECONDARY_MAX_RETRY_S);
	secondary_free(&s);
}

/* An IXFR the primary sent in time, waiting on the zones lane (behind a
 * long reload) as the expire passed: the zone was marked expired and its
 * removal queued behind the IXFR, so that it ended out of the cache while
 * counted fresh. It expires only if the IXFR does not apply. */
static void test_no_expiry_while_an_ixfr_is_applied(void **state)
{
	struct secondary s = { 0 };

	(void)state;
	transferred(&s, 3600, 600, 7200);
	s.applying = true;
	assert_int_equal(secondary_check_expiry(&s, NOW + 7200), 0);
	assert_true(secondary_fresh(&s));
	s.applying = false;
	assert_int_equal(secondary_check_expiry(&s, NOW + 7201), 1);
	assert_false(secondary_fresh(&s));
	secondary_free(&s);
}

/* A copy kept on disk at a start: served its SOA expire counted from the
 * refresh that last found it current (its mtime), never longer. A mtime
 * ahead of the clock (a clock set back, a copy from a host whose clock ran
 * ahead) served the copy that much past its expire. */
static void test_a_restored_copy_expires_as_its_soa_says(void **state)
{
	static const char text[] = "$ORIGIN timers.test.\n@ 300 IN SOA ns1 hostmaster 1 3600 600 86400 60\n"
				   "@ 300 IN NS ns1\nns1 300 IN A 192.0.2.53\n";
	struct secondary_option opt = { .zone = "timers.test.", .key = -1 };
	const time_t wall_now = 1700000000;
	char err[256];

	(void)state;
	if (address_parse("203.0.113.2", 53, &opt.primary, err, sizeof(err)))
		fail_msg("%s", err);
	for (int i = 0; i < 3; i++) {
		/* found current an hour ago, now, and a year ahead of now */
		static const double ages[] = { 3600, 0, -365 * 86400.0 };
		struct secondary s = { 0 };
		struct zone *copy = zone_parse("timers.test", text, strlen(text), err, sizeof(err));

		assert_non_null(copy);
		assert_int_equal(secondary_init(&s, &opt, NULL, err, sizeof(err)), 0);
		assert_int_equal(secondary_restore(&s, copy, wall_now - (time_t)ages[i], NOW, wall_now), 1);
		expires_after(&s, 86400 - (ages[i] > 0 ? ages[i] : 0));
		secondary_free(&s);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_expire_as_the_soa_says),
		cmocka_unit_test(test_no_expiry_while_an_ixfr_is_applied),
		cmocka_unit_test(test_refresh_and_retry_capped),
		cmocka_unit_test(test_expire_at_least_a_refresh_and_a_retry),
		cmocka_unit_test(test_all_timers_zero),
		cmocka_unit_test(test_a_restored_copy_expires_as_its_soa_says),
	};

	return cmocka_run_group_tests_name("secondary SOA timers", tests, NULL, NULL);
}
