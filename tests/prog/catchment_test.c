// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The catchment map through BPF_PROG_TEST_RUN: every answer the program
 * sends counts for its client's IPv4 /24 or IPv6 /48, and nothing else
 * does (passes, drops, the daemon's own probes); a full set gives up its
 * least recently answered network; a network answered on two CPUs reads
 * as one; thousands of networks read back whole; a takeover to a build
 * whose sets changed adds the previous counts; the sets of another
 * version read back. Read back with the same
 * code as `xdpcastctl catchment` and /metrics.
 */
#include <sched.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>
#include <netinet/in.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <libknot/libknot.h>

#include "catchment_map.h"
#include "clock.h"
#include "packet.h"
#include "pins.h"
#include "prefix.h"
#include "protection.h"
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
	{ "the daemon's probe (" TEST_PROBE_SOURCE4 ")", { .src = TEST_PROBE_SOURCE4, .qname = "www.example.test." },
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
	struct xdpcast_counter before[XDPCAST_REASON_MAX], after[XDPCAST_REASON_MAX];
	const char *problem;
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = in, .data_size_in = len, .data_out = out,
		    .data_size_out = sizeof(out), .repeat = 1);

	test_program_counters(skel, before);
	assert_int_equal(bpf_prog_test_run_opts(bpf_program__fd(skel->progs.xdpcast), &opts), 0);
	test_program_counters(skel, after);
	problem = test_program_counted_once(before, after, s->reason, len);
	if ((int)opts.retval != s->verdict || problem)
		fail_msg("%s: verdict %u, expected %d; %s", s->what, opts.retval, s->verdict,
			 problem ?: "counted as expected");
}

static void test_answers_counted_per_network(void **state)
{
	struct catchment c;
	struct xdpcast_bpf *skel;
	char err[256], text[64];
	uint64_t now_ns;

	(void)state;
	skel = test_program_load(TEST_ZONE, err, sizeof(err));
	if (!skel)
		fail_msg("%s", err);
	assert_int_equal(catchment_read_fd(bpf_map__fd(skel->maps.xdpcast_catchment), &c, err, sizeof(err)), 0);
	assert_int_equal(c.count, 0);           /* nothing answered yet: an empty map reads as none */
	catchment_free(&c);
	skel->bss->catchment_clock_ns = clock_ns(CLOCK_MONOTONIC);   /* the daemon's clock tick */
	for (size_t i = 0; i < sizeof(queries) / sizeof(queries[0]); i++)
		run(skel, &queries[i]);
	assert_int_equal(catchment_read_fd(bpf_map__fd(skel->maps.xdpcast_catchment), &c, err, sizeof(err)), 0);
	now_ns = clock_ns(CLOCK_MONOTONIC);
	assert_int_equal(c.count, sizeof(expected) / sizeof(expected[0]));
	assert_int_equal(c.answers, 6);
	for (size_t i = 0; i < c.count; i++) {
		prefix_format(&c.networks[i].prefix, text, sizeof(text));
		assert_string_equal(text, expected[i].network);
		assert_int_equal(c.networks[i].answers, expected[i].answers);
		assert_true(c.networks[i].last_ns > 0);
		assert_true(c.networks[i].last_ns <= now_ns);
	}
	catchment_free(&c);
	test_program_unload(skel);
}

/* The program, every limit off: no stage reads the clock, so answers are
 * stamped with the daemon's (catchment_clock_ns), which the tests set. */
static struct xdpcast_bpf *load_without_limits(void)
{
	struct xdpcast_bpf *skel;
	struct protection p;
	char err[256];

	skel = test_program_load(TEST_ZONE, err, sizeof(err));
	if (!skel)
		fail_msg("%s", err);
	protection_defaults(&p);
	memset(p.source, 0, sizeof(p.source));
	p.rrl = p.pass_budget = (struct rate_limit){ 0, 0 };
	if (test_program_protect(skel, &p, err, sizeof(err)))
		fail_msg("%s", err);
	protection_free(&p);
	return skel;
}

/* The nth of the CPUs the test was given (a cpuset may leave out CPU 0),
 * or -1. */
static int allowed_cpu(int nth)
{
	static cpu_set_t allowed;
	static bool known;

	if (!known) {
		assert_int_equal(sched_getaffinity(0, sizeof(allowed), &allowed), 0);
		known = true;
	}
	for (int cpu = 0; cpu < CPU_SETSIZE; cpu++)
		if (CPU_ISSET(cpu, &allowed) && nth-- == 0)
			return cpu;
	return -1;
}

static void run_on_cpu(int nth)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(allowed_cpu(nth), &set);
	assert_int_equal(sched_setaffinity(0, sizeof(set), &set), 0);
}

/* An answer to 2001:db8:N::1 at `second` on the daemon's clock. */
static void answer_network(struct xdpcast_bpf *skel, unsigned n, uint64_t second)
{
	char src[64];
	struct sent s = { "answer", { .family = 6, .src = src, .qname = "www.example.test.",
				      .qtype = KNOT_RRTYPE_AAAA }, XDP_TX, XDPCAST_dns_answer };

	snprintf(src, sizeof(src), "2001:db8:%x::1", n);
	skel->bss->catchment_clock_ns = second * 1000000000;
	run(skel, &s);
}

/* Its key word, as the program builds it: the /48 and the family byte. */
static uint64_t network_key(unsigned n)
{
	struct catchment_entry e = { .key = { .network = { 0x20, 0x01, 0x0d, 0xb8, n >> 8, n & 0xff }, .ipv6 = 1 } };

	return e.key_word;
}

static const struct catchment_network *find(const struct catchment *c, unsigned n)
{
	char want[64], text[64];

	snprintf(want, sizeof(want), "2001:db8:%x::/48", n);
	for (size_t i = 0; i < c->count; i++) {
		prefix_format(&c->networks[i].prefix, text, sizeof(text));
		if (!strcmp(text, want))
			return &c->networks[i];
	}
	return NULL;
}

static void test_full_set_gives_up_least_recent(void **state)
{
	struct xdpcast_bpf *skel = load_without_limits();
	unsigned nets[XDPCAST_CATCHMENT_WAYS + 1], found = 0;
	const struct catchment_network *net;
	struct catchment c;
	char err[256];

	(void)state;
	/* Networks of one set: five /48s whose keys hash alike. */
	for (unsigned n = 1; n <= 0xffff && found <= XDPCAST_CATCHMENT_WAYS; n++)
		if (xdpcast_catchment_set_of(network_key(n)) == xdpcast_catchment_set_of(network_key(0)))
			nets[found++] = n;
	assert_int_equal(found, XDPCAST_CATCHMENT_WAYS + 1);
	run_on_cpu(0);          /* one CPU's sets */
	for (unsigned i = 0; i < XDPCAST_CATCHMENT_WAYS; i++)
		answer_network(skel, nets[i], 1000 + i);
	answer_network(skel, nets[0], 1010);    /* the first is the latest again: the second is the oldest */
	answer_network(skel, nets[XDPCAST_CATCHMENT_WAYS], 1020);
	assert_int_equal(catchment_read_fd(bpf_map__fd(skel->maps.xdpcast_catchment), &c, err, sizeof(err)), 0);
	assert_int_equal(c.count, XDPCAST_CATCHMENT_WAYS);
	assert_null(find(&c, nets[1]));
	net = find(&c, nets[0]);
	assert_non_null(net);
	assert_int_equal(net->answers, 2);
	assert_int_equal(net->last_ns, 1010 * 1000000000ULL);
	net = find(&c, nets[XDPCAST_CATCHMENT_WAYS]);
	assert_non_null(net);
	assert_int_equal(net->answers, 1);
	assert_int_equal(net->last_ns, 1020 * 1000000000ULL);
	assert_int_equal(c.answers, XDPCAST_CATCHMENT_WAYS + 1);       /* the given-up network's answer is gone */
	catchment_free(&c);
	test_program_unload(skel);
}

static void test_network_of_two_cpus_reads_as_one(void **state)
{
	struct xdpcast_bpf *skel;
	const struct catchment_network *net;
	struct catchment c;
	char err[256];

	(void)state;
	if (allowed_cpu(1) < 0)
		skip();
	skel = load_without_limits();
	run_on_cpu(0);
	answer_network(skel, 0xa1, 2000);
	answer_network(skel, 0xa1, 2001);
	run_on_cpu(1);
	answer_network(skel, 0xa1, 2005);
	answer_network(skel, 0xa2, 2003);
	assert_int_equal(catchment_read_fd(bpf_map__fd(skel->maps.xdpcast_catchment), &c, err, sizeof(err)), 0);
	assert_int_equal(c.count, 2);
	net = find(&c, 0xa1);
	assert_non_null(net);
	assert_ptr_equal(net, &c.networks[0]);  /* most answers first */
	assert_int_equal(net->answers, 3);
	assert_int_equal(net->last_ns, 2005 * 1000000000ULL);
	assert_int_equal(c.answers, 4);
	catchment_free(&c);
	test_program_unload(skel);
}

/* More networks than one batch of sets holds, none given up (no set gets
 * more than its ways): the reader's room grows as the sets come in, and
 * every network reads back once, with its answer. */
static void test_many_networks_read_whole(void **state)
{
	enum { NETWORKS = 3000 };
	unsigned char in_set[1 << XDPCAST_CATCHMENT_SET_BITS] = { 0 };
	struct xdpcast_bpf *skel = load_without_limits();
	unsigned answered = 0;
	struct catchment c;
	char err[256];

	(void)state;
	run_on_cpu(0);
	for (unsigned n = 1; n <= 0xffff && answered < NETWORKS; n++) {
		unsigned set = xdpcast_catchment_set_of(network_key(n));

		/* 2001:db8:53::/48 is TEST_ANYCAST6: our own prefix as a source is dropped */
		if (n == 0x53 || in_set[set] == XDPCAST_CATCHMENT_WAYS)
			continue;
		in_set[set]++;
		answer_network(skel, n, 3000);
		answered++;
	}
	assert_int_equal(answered, NETWORKS);
	assert_int_equal(catchment_read_fd(bpf_map__fd(skel->maps.xdpcast_catchment), &c, err, sizeof(err)), 0);
	assert_int_equal(c.count, NETWORKS);
	assert_int_equal(c.answers, NETWORKS);
	for (size_t i = 0; i < c.count; i++)
		assert_int_equal(c.networks[i].answers, 1);
	catchment_free(&c);
	test_program_unload(skel);
}

/* An entry of the previous version's map: network n, on `cpu`, with
 * `answers` and its latest at `second`. */
static void put_previous(int fd, size_t ways, __u32 set, size_t way, int cpu, unsigned n, uint64_t answers,
			 uint64_t second)
{
	int cpus = libbpf_num_possible_cpus();
	struct catchment_entry value[cpus][ways];

	assert_int_equal(bpf_map_lookup_elem(fd, &set, value), 0);
	value[cpu][way] = (struct catchment_entry){ .key_word = network_key(n), .answers = answers,
						    .last_ns = second * 1000000000 };
	assert_int_equal(bpf_map_update_elem(fd, &set, value, BPF_ANY), 0);
}

/*
 * A takeover to a build whose catchment sets changed (here the previous
 * version had 8 sets of 3 ways): each network's counts are added to what
 * the new program counted since it took over (a copy erased them), in the
 * set the new build hashes it to, per CPU; a network whose set is full of
 * networks answered later is left out, one answered after them takes the
 * least recent's place.
 */
static void test_takeover_adds_previous_counts(void **state)
{
	enum { OLD_WAYS = 3, OLD_SETS = 8 };
	struct xdpcast_bpf *skel;
	unsigned nets[XDPCAST_CATCHMENT_WAYS + 2], found = 0;
	struct pins pins = { .carried_count = 1 };
	const struct catchment_network *net;
	struct catchment c;
	char err[256];
	int old;

	(void)state;
	if (allowed_cpu(1) < 0)
		skip();
	skel = load_without_limits();
	for (unsigned n = 0x100; n <= 0xffff && found < XDPCAST_CATCHMENT_WAYS + 2; n++)
		if (xdpcast_catchment_set_of(network_key(n)) == xdpcast_catchment_set_of(network_key(0x100)))
			nets[found++] = n;
	assert_int_equal(found, XDPCAST_CATCHMENT_WAYS + 2);
	assert_int_not_equal(xdpcast_catchment_set_of(network_key(0xa1)), xdpcast_catchment_set_of(network_key(nets[0])));
	assert_int_not_equal(xdpcast_catchment_set_of(network_key(0xa2)), xdpcast_catchment_set_of(network_key(nets[0])));
	/* The new program's answers since it took over: 0xa1, and a full set. */
	run_on_cpu(0);
	answer_network(skel, 0xa1, 100);
	for (unsigned i = 0; i < XDPCAST_CATCHMENT_WAYS; i++)
		answer_network(skel, nets[i], 1000 + i);
	old = bpf_map_create(BPF_MAP_TYPE_PERCPU_ARRAY, "previous", sizeof(__u32),
			     OLD_WAYS * sizeof(struct catchment_entry), OLD_SETS, NULL);
	assert_true(old >= 0);
	put_previous(old, OLD_WAYS, 3, 0, 0, 0xa1, 5, 50);         /* added to the new program's */
	put_previous(old, OLD_WAYS, 3, 1, 0, 0xa2, 7, 60);         /* a network the new program has not seen */
	put_previous(old, OLD_WAYS, 5, 2, 1, 0xa2, 2, 70);         /* ... on the other CPU too */
	put_previous(old, OLD_WAYS, 7, 0, 0, nets[XDPCAST_CATCHMENT_WAYS], 4, 10);      /* older than its full set */
	put_previous(old, OLD_WAYS, 7, 1, 0, nets[XDPCAST_CATCHMENT_WAYS + 1], 3, 2000);  /* later than all of it */
	pins.carried[0] = (struct carried_map){ .map = skel->maps.xdpcast_catchment, .old_fd = old };
	pins_migrate(&pins);
	close(old);

	assert_int_equal(catchment_read_fd(bpf_map__fd(skel->maps.xdpcast_catchment), &c, err, sizeof(err)), 0);
	net = find(&c, 0xa1);
	assert_non_null(net);
	assert_int_equal(net->answers, 6);
	assert_int_equal(net->last_ns, 100 * 1000000000ULL);
	net = find(&c, 0xa2);
	assert_non_null(net);
	assert_int_equal(net->answers, 9);
	assert_int_equal(net->last_ns, 70 * 1000000000ULL);
	assert_null(find(&c, nets[0]));                         /* the least recent gave way */
	for (unsigned i = 1; i < XDPCAST_CATCHMENT_WAYS; i++)
		assert_non_null(find(&c, nets[i]));
	assert_null(find(&c, nets[XDPCAST_CATCHMENT_WAYS]));
	net = find(&c, nets[XDPCAST_CATCHMENT_WAYS + 1]);
	assert_non_null(net);
	assert_int_equal(net->answers, 3);
	assert_int_equal(c.count, 2 + XDPCAST_CATCHMENT_WAYS);
	catchment_free(&c);
	test_program_unload(skel);
}

/*
 * The map another version pinned, read by this xdpcastctl: sets of fewer
 * or more ways than this build's (entries never change), over more sets
 * than one batch; a map of other values is refused by name. Before, the
 * reader took this build's set for the map's: wider sets overran its
 * buffer, narrower ones were read across their bounds.
 */
static void test_other_versions_sets_read(void **state)
{
	enum { SETS = 600 };
	const size_t ways_of[] = { XDPCAST_CATCHMENT_WAYS - 1, XDPCAST_CATCHMENT_WAYS + 2 };
	int cpus = libbpf_num_possible_cpus();
	struct catchment c;
	char err[256];
	int fd;

	(void)state;
	for (size_t v = 0; v < sizeof(ways_of) / sizeof(ways_of[0]); v++) {
		fd = bpf_map_create(BPF_MAP_TYPE_PERCPU_ARRAY, "other_version", sizeof(__u32),
				    ways_of[v] * sizeof(struct catchment_entry), SETS, NULL);
		assert_true(fd >= 0);
		for (unsigned set = 0; set < SETS; set++)       /* network set+1 in the last way, answered set+1 times */
			put_previous(fd, ways_of[v], set, ways_of[v] - 1, set % cpus, set + 1, set + 1, 10);
		assert_int_equal(catchment_read_fd(fd, &c, err, sizeof(err)), 0);
		assert_int_equal(c.count, SETS);
		assert_int_equal(c.answers, SETS * (SETS + 1) / 2);
		for (unsigned n = 1; n <= SETS; n++) {
			const struct catchment_network *net = find(&c, n);

			assert_non_null(net);
			assert_int_equal(net->answers, n);
		}
		catchment_free(&c);
		close(fd);
	}
	fd = bpf_map_create(BPF_MAP_TYPE_PERCPU_ARRAY, "other_values", sizeof(__u32), 20, 8, NULL);
	assert_true(fd >= 0);
	assert_int_equal(catchment_read_fd(fd, &c, err, sizeof(err)), -1);
	assert_string_equal(err, "xdpcast_catchment: not a map xdpcast pins (percpu_array of 20-byte values; "
				 "percpu_array of 24-byte items expected)");
	close(fd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_answers_counted_per_network),
		cmocka_unit_test(test_full_set_gives_up_least_recent),
		cmocka_unit_test(test_network_of_two_cpus_reads_as_one),
		cmocka_unit_test(test_many_networks_read_whole),
		cmocka_unit_test(test_takeover_adds_previous_counts),
		cmocka_unit_test(test_other_versions_sets_read),
	};

	return cmocka_run_group_tests_name("catchment", tests, NULL, NULL);
}
