// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The kernel check: each missing helper named with the version that has it;
 * this machine's kernel passes. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "kernel.h"

static bool like_5_17(enum bpf_func_id helper)
{
	return helper == BPF_FUNC_loop;
}

static bool like_5_15(enum bpf_func_id helper)
{
	(void)helper;
	return false;
}

static void test_missing_helpers_named(void **state)
{
	char err[256];

	(void)state;
	assert_int_equal(kernel_check(like_5_15, "5.15.0-91-generic", err, sizeof(err)), -1);
	assert_string_equal(err, "Linux 5.15.0-91-generic lacks bpf_loop (Linux 5.17): xdpcastd needs 5.18 or later");
	assert_int_equal(kernel_check(like_5_17, "5.17.3", err, sizeof(err)), -1);
	assert_string_equal(err, "Linux 5.17.3 lacks bpf_xdp_load_bytes (Linux 5.18): xdpcastd needs 5.18 or later");
}

static void test_this_kernel_passes(void **state)
{
	char err[256];

	(void)state;
	if (kernel_check(kernel_has_xdp_helper, "this", err, sizeof(err)))
		fail_msg("%s", err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_missing_helpers_named),
		cmocka_unit_test(test_this_kernel_passes),
	};

	return cmocka_run_group_tests_name("kernel", tests, NULL, NULL);
}
