// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * What /metrics reads from a request: the path of an origin-form or
 * absolute-form target, and whether Accept-Encoding takes gzip with the
 * weights Prometheus and browsers send.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "http_request.h"

static void test_path_of_each_target_form(void **state)
{
	(void)state;
	assert_string_equal(http_request_path("/metrics"), "/metrics");
	assert_string_equal(http_request_path("http://192.0.2.1:9553/metrics"), "/metrics");
	assert_string_equal(http_request_path("HTTPS://[2001:db8::1]:9553/metrics?x=1"), "/metrics?x=1");
	assert_string_equal(http_request_path("http://192.0.2.1:9553"), "");
	assert_string_equal(http_request_path("http:/metrics"), "http:/metrics");
	assert_string_equal(http_request_path("*"), "*");
}

static void test_gzip_taken_unless_weighted_zero(void **state)
{
	(void)state;
	assert_false(http_accepts_gzip(NULL));
	assert_false(http_accepts_gzip(""));
	assert_false(http_accepts_gzip("identity"));
	assert_false(http_accepts_gzip("deflate, br"));
	assert_false(http_accepts_gzip("gzipped"));
	assert_false(http_accepts_gzip("gzip;q=0"));
	assert_false(http_accepts_gzip("GZIP ; Q=0.000"));
	assert_false(http_accepts_gzip("x-gzip;level=1;q=0"));
	assert_false(http_accepts_gzip("*;q=0, identity"));
	assert_false(http_accepts_gzip("gzip;q=0, *"));           /* "*" is what the field does not name */
	assert_false(http_accepts_gzip("*, x-gzip;q=0"));
	assert_false(http_accepts_gzip("gzip;q=1;q=0"));
	assert_true(http_accepts_gzip("gzip"));
	assert_true(http_accepts_gzip("identity, gzip;q=0.5"));
	assert_true(http_accepts_gzip("x-gzip"));
	assert_true(http_accepts_gzip("*;q=0.5"));
	assert_true(http_accepts_gzip("gzip;q=0, x-gzip"));
	assert_true(http_accepts_gzip("br;q=1.0, gzip;q=0.8, *;q=0.1"));  /* what Prometheus sends */
	assert_true(http_accepts_gzip("  \tgzip  ;  level=9"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_path_of_each_target_form),
		cmocka_unit_test(test_gzip_taken_unless_weighted_zero),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
