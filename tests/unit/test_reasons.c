// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The counter reasons are a contract (docs/ARCHITECTURE.md, "Contracts"):
 * operators' dashboards and external tests know them by name, by number
 * (the enum is appended to, never renumbered) and by the `action` label of
 * xdpcast_packets_total. Every name, its value and its action, in order.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "reasons.h"

static const struct {
	int value;
	const char *name;
	const char *action;
} contract[] = {
	{ XDPCAST_dns_answer, "dns_answer", "tx" },
	{ XDPCAST_dns_nxdomain, "dns_nxdomain", "tx" },
	{ XDPCAST_dns_nodata, "dns_nodata", "tx" },
	{ XDPCAST_dns_referral, "dns_referral", "tx" },
	{ XDPCAST_dns_truncated, "dns_truncated", "tx" },
	{ XDPCAST_dns_pass_miss, "dns_pass_miss", "pass" },
	{ XDPCAST_dns_pass_no_room, "dns_pass_no_room", "pass" },
	{ XDPCAST_dns_pass_other, "dns_pass_other", "pass" },
	{ XDPCAST_not_protected, "not_protected", "pass" },
	{ XDPCAST_pass_tcp, "pass_tcp", "pass" },
	{ XDPCAST_pass_other, "pass_other", "pass" },
	{ XDPCAST_drop_malformed, "drop_malformed", "drop" },
	{ XDPCAST_drop_fragment, "drop_fragment", "drop" },
	{ XDPCAST_drop_blocklist, "drop_blocklist", "drop" },
	{ XDPCAST_drop_bogon_source, "drop_bogon_source", "drop" },
	{ XDPCAST_drop_port_policy, "drop_port_policy", "drop" },
	{ XDPCAST_drop_reflection, "drop_reflection", "drop" },
	{ XDPCAST_drop_rate_limited, "drop_rate_limited", "drop" },
	{ XDPCAST_drop_pass_budget, "drop_pass_budget", "drop" },
	{ XDPCAST_rrl_drop, "rrl_drop", "drop" },
	{ XDPCAST_rrl_slip, "rrl_slip", "tx" },
	/* appended since */
	{ XDPCAST_dns_badvers, "dns_badvers", "tx" },
	{ XDPCAST_dns_refused, "dns_refused", "tx" },
	{ XDPCAST_dns_pass_dnssec, "dns_pass_dnssec", "pass" },
};

static void test_names_numbers_and_actions(void **state)
{
	size_t count = sizeof(contract) / sizeof(contract[0]);

	(void)state;
	assert_true(XDPCAST_REASON_MAX >= count);
	for (size_t i = 0; i < count; i++) {
		assert_int_equal(contract[i].value, i);   /* never renumbered */
		assert_string_equal(reason_names[i], contract[i].name);
		assert_string_equal(reason_actions[i], contract[i].action);
	}
}

/* struct xdpcast_stats (what bpftool shows per slot) is the counters in
 * the enum's order: the program indexes it by reason. */
static void test_stats_fields_in_reason_order(void **state)
{
	(void)state;
	assert_int_equal(offsetof(struct xdpcast_stats, dns_answer), 0);
	assert_int_equal(offsetof(struct xdpcast_stats, rrl_slip), XDPCAST_rrl_slip * sizeof(struct xdpcast_counter));
	assert_int_equal(offsetof(struct xdpcast_stats, dns_pass_dnssec),
			 XDPCAST_dns_pass_dnssec * sizeof(struct xdpcast_counter));
	assert_int_equal(sizeof(struct xdpcast_stats), XDPCAST_REASON_MAX * sizeof(struct xdpcast_counter));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names_numbers_and_actions),
		cmocka_unit_test(test_stats_fields_in_reason_order),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
