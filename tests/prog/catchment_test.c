// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The catchment map through BPF_PROG_TEST_RUN: every answer the program
 * sends counts for its client's IPv4 /24 or IPv6 /48, and nothing else
 * does (passes, drops, the daemon's own probes). Read back with the same
 * code as `xdpcastctl catchment` and /metrics.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>
#include <netinet/in.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <libknot/libknot.h>

#include "catchment_map.h"
#include "packet.h"
#include "prefix.h"
#include "reasons.h"
#include "test_program.h"

#define TEST_ZONE "tests/zones/example.test.zone"

struct sent {
	const char *what;
	struct query_spec query;
	int verdict;
	enum xdpcast_reason reason;
};

static const struct sent queries[] = {
	{ "IPv4 answer", { .src = "198.51.100.7", .qname = "www.example.test." }, XDP_TX, XDPCAST_dns_answer },
	{ "same /24", { .src = "198.51.100.200", .qname = "mail.example.test." }, XDP_TX, XDPCAST_dns_answer },
	{ "NXDOMAIN", { .src = "203.0.113.9", .qname = "nope.example.test." }, XDP_TX, XDPCAST_dns_nxdomain },
	{ "IPv6 answer", { .family = 6, .src = "2001:db8:a:1::5", .qname = "www.example.test.",
			   .qtype = KNOT_RRTYPE_AAAA }, XDP_TX, XDPCAST_dns_answer },
	{ "same /48", { .family = 6, .src = "2001:db8:a:ffff::1", .qname = "www.example.test." },
	  XDP_TX, XDPCAST_dns_answer },
	{ "CHAOS id.server", { .family = 6, .src = "2001:db8:a:2::1", .qname = "id.server.",
			       .qtype = KNOT_RRTYPE_TXT, .qclass = KNOT_CLASS_CH }, XDP_TX, XDPCAST_dns_answer },
	{ "passed: not ours", { .src = "192.0.2.99", .dst = "198.51.100.1", .qname = "www.example.test." },
	  XDP_PASS, XDPCAST_not_protected },
	{ "passed: name outside our zones", { .family = 6, .src = "2001:db8:b::1", .qname = "example.org." },
	  XDP_PASS, XDPCAST_dns_pass_miss },
	{ "passed: TCP", { .src = "203.0.113.10", .proto = IPPROTO_TCP }, XDP_PASS, XDPCAST_pass_tcp },
	{ "dropped: fragment", { .src = "203.0.113.11", .qname = "www.example.test.", .fragment = 1 },
	  XDP_DROP, XDPCAST_drop_fragment },
	{ "the daemon's probe (198.51.100.254)", { .src = "198.51.100.254", .qname = "www.example.test." },
	  XDP_TX, XDPCAST_dns_answer },
};

static const struct {
	const char *network;
	uint64_t answers;
} expected[] = {        /* most answers first, then by address */
	{ "2001:db8:a::/48", 3 },
	{ "198.51.100.0/24", 2 },
	{ "203.0.113.0/24", 1 },
};

static void run(struct xdpcast_bpf *skel, const struct sent *s)
{
	uint8_t in[FRAME_MAX] = { 0 }, out[FRAME_MAX];
	size_t len = build_query(&s->query, in);
	__u64 before[XDPCAST_REASON_MAX], after[XDPCAST_REASON_MAX];
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = in, .data_size_in = len, .data_out = out,
		    .data_size_out = sizeof(out), .repeat = 1);

	test_program_counts(skel, before);
	assert_int_equal(bpf_prog_test_run_opts(bpf_program__fd(skel->progs.xdpcast), &opts), 0);
	test_program_counts(skel, after);
	if ((int)opts.retval != s->verdict || after[s->reason] != before[s->reason] + 1)
		fail_msg("%s: verdict %u, expected %d with %s", s->what, opts.retval, s->verdict,
			 reason_names[s->reason]);
}

static void test_answers_counted_per_network(void **state)
{
	struct timespec now;
	struct catchment c;
	struct xdpcast_bpf *skel;
	char err[256], text[64];

	(void)state;
	skel = test_program_load(TEST_ZONE, err, sizeof(err));
	if (!skel)
		fail_msg("%s", err);
	assert_int_equal(catchment_read_fd(bpf_map__fd(skel->maps.xdpcast_catchment), &c, err, sizeof(err)), 0);
	assert_int_equal(c.count, 0);           /* nothing answered yet: an empty map reads as none */
	catchment_free(&c);
	for (size_t i = 0; i < sizeof(queries) / sizeof(queries[0]); i++)
		run(skel, &queries[i]);
	assert_int_equal(catchment_read_fd(bpf_map__fd(skel->maps.xdpcast_catchment), &c, err, sizeof(err)), 0);
	clock_gettime(CLOCK_MONOTONIC, &now);
	assert_int_equal(c.count, sizeof(expected) / sizeof(expected[0]));
	assert_int_equal(c.answers, 6);
	for (size_t i = 0; i < c.count; i++) {
		prefix_format(&c.networks[i].prefix, text, sizeof(text));
		assert_string_equal(text, expected[i].network);
		assert_int_equal(c.networks[i].answers, expected[i].answers);
		assert_true(c.networks[i].last_ns > 0);
		assert_true(c.networks[i].last_ns <= (uint64_t)now.tv_sec * 1000000000 + now.tv_nsec);
	}
	catchment_free(&c);
	xdpcast_bpf__destroy(skel);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_answers_counted_per_network),
	};

	return cmocka_run_group_tests_name("catchment", tests, NULL, NULL);
}
