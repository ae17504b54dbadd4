// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Work paced by its own cost (the state snapshot): a cheap run may be
 * followed at once, a costly one only after nine times its cost (so it
 * takes a tenth of the time at most), never more than a second later.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "pacing.h"

static void test_never_ran_is_due_now(void **state)
{
	struct pacing p = { 0 };

	(void)state;
	assert_true(pacing_next(&p) <= 0);
}

static void test_cost_sets_the_wait(void **state)
{
	struct pacing p = { 0 };

	(void)state;
	pacing_ran(&p, 100.0, 100.0);
	assert_true(pacing_next(&p) <= 100.0);
	pacing_ran(&p, 200.0, 200.010);
	assert_float_equal(pacing_next(&p), 200.100, 1e-9);
	/* A run of a whole second waits no longer than the cap. */
	pacing_ran(&p, 300.0, 301.0);
	assert_float_equal(pacing_next(&p), 301.0 + PACING_MAX_WAIT_S, 1e-9);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_never_ran_is_due_now),
		cmocka_unit_test(test_cost_sets_the_wait),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
