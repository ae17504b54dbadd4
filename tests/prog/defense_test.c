// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Flood defense decisions of the XDP program through BPF_PROG_TEST_RUN:
 * live blocklist entries, per-prefix allowlists, per-source token buckets,
 * the userspace budget, ICMP, response rate limiting with slip, and DNS
 * cookies (RFC 7873/9018) exempting proven sources from RRL.
 *
 * Each test puts its own settings in force and uses its own client
 * addresses, so the buckets of one test never meet another's. Limits use
 * a rate of 1/s: a test would need to stall for a second to see a refill.
 */
#include <fcntl.h>
#include <inttypes.h>
#include <sched.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <net/if.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <libknot/libknot.h>

#include "attach.h"
#include "blocklist.h"
#include "clock.h"
#include "dns_cookie.h"
#include "first_seen.h"
#include "lookup.h"
#include "packet.h"
#include "pins.h"
#include "prefix.h"
#include "source_screen.h"
#include "source_screen_map.h"
#include "stats.h"
#include "test_program.h"

#define TEST_ZONE "tests/zones/example.test.zone"
#define SECRET_A "e5e973e5a6b2a43f48e7dc849e37bfcf"
#define SECRET_B "445536bcd2513298075a5d379663c962"

static struct xdpcast_bpf *skel;

struct response {
	uint8_t frame[FRAME_MAX];
	size_t len;
	struct frame_info info;
};

/* Runs one query as a frame of device `ifindex` (0: the loopback device,
 * test runs' own) and checks its verdict and that exactly `reason` moved,
 * by the one packet and its bytes. */
static void run_on(__u32 ifindex, const char *what, const struct query_spec *q, int verdict,
		   enum xdpcast_reason reason, struct response *r)
{
	uint8_t in[FRAME_MAX] = { 0 }, out[FRAME_MAX];
	size_t in_len = build_query(q, in);
	struct xdpcast_counter before[XDPCAST_REASON_MAX], after[XDPCAST_REASON_MAX];
	struct xdp_md ctx = { .data_end = in_len, .ingress_ifindex = ifindex };
	const char *problem;
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = in, .data_size_in = in_len, .data_out = out,
		    .data_size_out = sizeof(out), .repeat = 1, .ctx_in = ifindex ? &ctx : NULL,
		    .ctx_size_in = ifindex ? sizeof(ctx) : 0);

	test_program_counters(skel, before);
	assert_int_equal(bpf_prog_test_run_opts(bpf_program__fd(skel->progs.xdpcast), &opts), 0);
	test_program_counters(skel, after);
	problem = test_program_counted_once(before, after, reason, in_len);
	if ((int)opts.retval != verdict || problem)
		fail_msg("%s: verdict %u, expected %d; %s", what, opts.retval, verdict,
			 problem ?: "counted as expected");
	if (r) {
		const char *problem;

		memcpy(r->frame, out, opts.data_size_out);
		r->len = opts.data_size_out;
		problem = check_frame(r->frame, r->len, FRAME_AS_SENT, &r->info);
		if (problem)
			fail_msg("%s: %s", what, problem);
	}
}

static void run(const char *what, const struct query_spec *q, int verdict, enum xdpcast_reason reason,
		struct response *r)
{
	run_on(0, what, q, verdict, reason, r);
}

/* Runs one frame, whatever it comes to. */
static void send_frame(const struct query_spec *q)
{
	uint8_t in[FRAME_MAX] = { 0 }, out[FRAME_MAX];
	size_t in_len = build_query(q, in);
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = in, .data_size_in = in_len, .data_out = out,
		    .data_size_out = sizeof(out), .repeat = 1);

	assert_int_equal(bpf_prog_test_run_opts(bpf_program__fd(skel->progs.xdpcast), &opts), 0);
}

/* Defaults with every limit off, for tests that switch one on. */
static void no_limits(struct protection *p)
{
	protection_defaults(p);
	memset(p->source, 0, sizeof(p->source));
	p->pass_budget.rate = p->icmp.rate = p->path_mtu.rate = p->rrl.rate = 0;
}

static void protect(struct protection *p)
{
	char err[256];

	if (test_program_protect(skel, p, err, sizeof(err)))
		fail_msg("%s", err);
	protection_free(p);
}

/* RRL alone (rate, burst, slip), cookies off so that none exempts a query. */
static void protect_rrl_only(uint32_t rate, uint32_t burst, uint32_t slip)
{
	struct protection p;

	no_limits(&p);
	p.rrl = (struct rate_limit){ rate, burst };
	p.rrl_slip = slip;
	p.cookies = false;
	protect(&p);
}

static void add_prefix(struct prefix_list *list, const char *text)
{
	struct xdpcast_lpm_key key;
	char err[128];

	assert_int_equal(prefix_parse(text, &key, err, sizeof(err)), 0);
	assert_int_equal(prefix_list_add(list, &key), 0);
}

static void test_blocklist(void **state)
{
	struct query_spec v4 = { .src = "203.0.113.7", .qname = "www.example.test." };
	struct query_spec v6 = { .family = 6, .src = "2001:db8:bad::5", .qname = "www.example.test." };
	struct xdpcast_lpm_key key;
	struct protection p;
	char err[128];

	(void)state;
	no_limits(&p);
	add_prefix(&p.blocklist, "203.0.113.0/24");
	protect(&p);
	run("blocklisted IPv4 source", &v4, XDP_DROP, XDPCAST_drop_blocklist, NULL);
	run("IPv6 source not listed yet", &v6, XDP_TX, XDPCAST_dns_answer, NULL);

	/* What `xdpcastctl block add` does: effective with the next packet. */
	assert_int_equal(prefix_parse("2001:db8:bad::/48", &key, err, sizeof(err)), 0);
	if (blocklist_insert(bpf_map__fd(skel->maps.xdpcast_source_filter), bpf_map__fd(skel->maps.xdpcast_source_screen),
			     &key, err, sizeof(err)))
		fail_msg("%s", err);
	run("IPv6 source blocked live", &v6, XDP_DROP, XDPCAST_drop_blocklist, NULL);

	/* A reload without the config entry drops it, and keeps the live one. */
	no_limits(&p);
	protect(&p);
	run("IPv4 source after its entry left the config", &v4, XDP_TX, XDPCAST_dns_answer, NULL);
	run("live entry kept across the reload", &v6, XDP_DROP, XDPCAST_drop_blocklist, NULL);
	assert_int_equal(bpf_map_delete_elem(bpf_map__fd(skel->maps.xdpcast_source_filter), &key), 0);
	run("IPv6 source after block del", &v6, XDP_TX, XDPCAST_dns_answer, NULL);
}

/* The filter keeps IPv4 sources IPv4-mapped: an IPv6 prefix holding
 * ::ffff:0:0/96 (::/8 is in IPv6 bogon lists) drops every IPv4 query, so
 * the config and `xdpcastctl block add` refuse it as they refuse ::/0. */
static void test_blocklist_ipv6_holding_ipv4(void **state)
{
	struct query_spec v4 = { .src = "203.0.113.7", .qname = "www.example.test." };
	struct query_spec v6 = { .family = 6, .src = "2001:db8:bad::5", .qname = "www.example.test." };
	struct xdpcast_lpm_key key;
	struct protection p;
	char err[256];

	(void)state;
	no_limits(&p);
	add_prefix(&p.blocklist, "::/8");
	protect(&p);
	run("IPv4 source under ::/8", &v4, XDP_DROP, XDPCAST_drop_blocklist, NULL);
	run("IPv6 source outside ::/8", &v6, XDP_TX, XDPCAST_dns_answer, NULL);
	no_limits(&p);
	protect(&p);
	assert_int_equal(prefix_parse("::/8", &key, err, sizeof(err)), 0);
	assert_int_equal(blocklist_refuses(&key, err, sizeof(err)), -1);
	assert_string_equal(err, "::/8: holds ::ffff:0:0/96, where IPv4 sources are kept: blocking every IPv4 source "
			    "would drop every IPv4 query while the health checks pass and the PoP stays announced "
			    "(list the IPv6 prefixes it means without it)");
	assert_int_equal(prefix_parse("::ffff:0:0/97", &key, err, sizeof(err)), 0);    /* 0.0.0.0/1 */
	assert_int_equal(blocklist_refuses(&key, err, sizeof(err)), 0);
	assert_int_equal(prefix_parse("100::/8", &key, err, sizeof(err)), 0);
	assert_int_equal(blocklist_refuses(&key, err, sizeof(err)), 0);
}

/* A config whose lists do not fit beside the live entries is refused
 * before anything changes: the filter keeps the old config's entries and
 * the live ones. */
static void test_blocklist_over_capacity(void **state)
{
	struct query_spec v4 = { .src = "203.0.113.7", .qname = "www.example.test." };
	struct query_spec v6 = { .family = 6, .src = "2001:db8:bad::5", .qname = "www.example.test." };
	int filter = bpf_map__fd(skel->maps.xdpcast_source_filter);
	struct xdpcast_lpm_key key, live;
	struct protection p;
	char err[512];

	(void)state;
	no_limits(&p);
	add_prefix(&p.blocklist, "203.0.113.0/24");
	protect(&p);
	assert_int_equal(prefix_parse("2001:db8:bad::/48", &live, err, sizeof(err)), 0);
	if (blocklist_insert(filter, bpf_map__fd(skel->maps.xdpcast_source_screen), &live, err, sizeof(err)))
		fail_msg("%s", err);

	no_limits(&p);
	for (unsigned i = 0; i < XDPCAST_SOURCE_FILTER_MAX; i++) {
		char text[32];

		snprintf(text, sizeof(text), "198.18.%u.%u/32", i >> 8, i & 255);
		add_prefix(&p.blocklist, text);
	}
	assert_int_equal(test_program_protect(skel, &p, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "the source filter holds 65536 prefixes: 65552 from filter.blocklist, "
				    "filter.bogons and the anycast prefixes and 1 blocked live do not fit"));
	protection_free(&p);
	assert_int_equal(prefix_parse("198.18.0.1/32", &key, err, sizeof(err)), 0);
	assert_int_equal(bpf_map_lookup_elem(filter, &key, &(struct source_filter){ 0 }), -ENOENT);
	run("the old config's entry after the refused one", &v4, XDP_DROP, XDPCAST_drop_blocklist, NULL);
	run("the live entry after the refused config", &v6, XDP_DROP, XDPCAST_drop_blocklist, NULL);
	assert_int_equal(bpf_map_delete_elem(filter, &live), 0);
	no_limits(&p);
	protect(&p);
}

/* The kind of prefix's entry in the source filter, 0: none. */
static __u32 filter_kind(const char *prefix)
{
	struct source_filter value = { 0 };
	struct xdpcast_lpm_key key;
	char err[128];

	assert_int_equal(prefix_parse(prefix, &key, err, sizeof(err)), 0);
	bpf_map_lookup_elem(bpf_map__fd(skel->maps.xdpcast_source_filter), &key, &value);
	return value.kind;
}

static void block_live(const char *prefix)
{
	struct xdpcast_lpm_key key;
	char err[256];

	assert_int_equal(prefix_parse(prefix, &key, err, sizeof(err)), 0);
	if (blocklist_insert(bpf_map__fd(skel->maps.xdpcast_source_filter), bpf_map__fd(skel->maps.xdpcast_source_screen),
			     &key, err, sizeof(err)))
		fail_msg("%s", err);
}

static void lift_live(const char *prefix)
{
	struct xdpcast_lpm_key key;
	char err[128];

	assert_int_equal(prefix_parse(prefix, &key, err, sizeof(err)), 0);
	assert_int_equal(bpf_map_delete_elem(bpf_map__fd(skel->maps.xdpcast_source_filter), &key), 0);
}

/* A takeover that failed after its config was written to the source
 * filter it shares with the previous program, still running: the filter
 * is put back as that program had it, but for the live blocks, which an
 * operator added and lifted on its pins while the start ran. */
static void test_failed_takeover_keeps_live_blocks(void **state)
{
	struct pins pins = { .carried_count = 1,
			     .carried = { { .map = skel->maps.xdpcast_source_filter, .old_fd = -1, .adopted = true } } };
	struct shared_snapshot before;
	struct protection p;
	char err[256];

	(void)state;
	no_limits(&p);
	add_prefix(&p.blocklist, "203.0.113.0/24");
	add_prefix(&p.blocklist, "198.51.100.0/24");
	protect(&p);
	block_live("2001:db8:bad::/48");
	if (pins_snapshot_shared(&pins, skel->maps.xdpcast_source_filter, &before, err, sizeof(err)))
		fail_msg("%s", err);
	/* The start's config blocks another prefix, and neither of those. */
	no_limits(&p);
	add_prefix(&p.blocklist, "198.18.0.0/15");
	protect(&p);
	/* The operator, meanwhile. */
	block_live("2001:db8:beef::/48");
	block_live("198.51.100.0/24");
	lift_live("2001:db8:bad::/48");
	pins_put_back_shared(&before);
	pins_snapshot_free(&before);

	assert_int_equal(filter_kind("203.0.113.0/24"), SOURCE_BLOCKED);
	assert_int_equal(filter_kind("198.18.0.0/15"), 0);
	if (filter_kind("2001:db8:beef::/48") != SOURCE_BLOCKED_LIVE)
		fail_msg("a live block added while the start ran was dropped by the put back");
	if (filter_kind("198.51.100.0/24") != SOURCE_BLOCKED_BOTH)
		fail_msg("a live block over the previous config's entry is %u, not blocked both",
			 filter_kind("198.51.100.0/24"));
	if (filter_kind("2001:db8:bad::/48"))
		fail_msg("a live block lifted while the start ran came back with the put back");
	lift_live("2001:db8:beef::/48");
	no_limits(&p);
	protect(&p);
	lift_live("198.51.100.0/24");
}

/* The screen in front of the source filter skips the trie only for
 * sources no entry covers: entries at every level it knows (IPv4 /16 and
 * shorter, /17 to /24, longer; IPv6 /16 and shorter, to /32, to /48,
 * longer) and IPv6 entries covering the IPv4-mapped space. (IPv6 packets
 * from IPv4-mapped sources never reach it: test_mapped_ipv6_sources.) */
static void test_screen_covers_every_entry(void **state)
{
	static const struct {
		const char *entry, *inside, *outside;
	} cases[] = {
		{ "198.0.0.0/7", "199.200.1.1", "203.0.113.9" },
		{ "198.18.0.0/15", "198.19.4.4", "198.20.0.1" },
		{ "203.0.112.0/20", "203.0.120.1", "203.0.128.1" },
		{ "198.51.100.0/24", "198.51.100.77", "198.51.101.1" },
		{ "198.51.100.128/25", "198.51.100.200", "198.51.100.100" },
		{ "203.0.113.7/32", "203.0.113.7", "203.0.113.8" },
		{ "::ffff:0:0/96", "198.51.100.9", "2001:db8:1::2" },
		{ "::/64", "198.51.100.9", "2001:db8:1::2" },
		{ "2c00::/6", "2d01::1", "2001:db8:1::2" },
		{ "2001:d00::/24", "2001:dff:1::1", "2001:e00::1" },
		{ "2001:db8:4000::/34", "2001:db8:7fff:1::1", "2001:db8:8000::1" },
		{ "2001:db8:aaaa::/48", "2001:db8:aaaa:5::1", "2001:db8:aaab::1" },
		{ "2001:db8:bbbb:cc00::/56", "2001:db8:bbbb:ccff::1", "2001:db8:bbbb:cd00::1" },
		{ "2001:db8:dddd::77/128", "2001:db8:dddd::77", "2001:db8:dddd::78" },
	};
	int filter = bpf_map__fd(skel->maps.xdpcast_source_filter);
	int screen = bpf_map__fd(skel->maps.xdpcast_source_screen);
	struct xdpcast_lpm_key key;
	struct protection p;
	char err[128], what[192];

	(void)state;
	no_limits(&p);
	prefix_list_clear(&p.bogons);   /* ::/128 and ::1/128 would cover ::ffff:0:0/96's /48 */
	protect(&p);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct query_spec inside = { .family = strchr(cases[i].inside, ':') ? 6 : 4, .src = cases[i].inside,
					     .qname = "www.example.test." };
		struct query_spec outside = { .family = strchr(cases[i].outside, ':') ? 6 : 4, .src = cases[i].outside,
					      .qname = "www.example.test." };

		assert_int_equal(prefix_parse(cases[i].entry, &key, err, sizeof(err)), 0);
		if (blocklist_insert(filter, screen, &key, err, sizeof(err)))
			fail_msg("%s", err);
		snprintf(what, sizeof(what), "%s, blocked by %s", cases[i].inside, cases[i].entry);
		run(what, &inside, XDP_DROP, XDPCAST_drop_blocklist, NULL);
		snprintf(what, sizeof(what), "%s, outside %s", cases[i].outside, cases[i].entry);
		run(what, &outside, XDP_TX, XDPCAST_dns_answer, NULL);
		/* What a reload does: the entry's bits go, so the next case
		 * is screened by its own entry's bits alone. */
		assert_int_equal(bpf_map_delete_elem(filter, &key), 0);
		if (source_screen_rebuild(screen, filter, err, sizeof(err)))
			fail_msg("%s", err);
	}
}

/* The program reads the screen only as built for its layout, and at the
 * bit its writers set: a /48's, in its /32's cache line. An entry put in
 * the trie without its bits shows which bit the program reads: clear,
 * the entry's source is screened out (answered); set, it takes the trie
 * (dropped). A screen of another version is not read, and `xdpcastctl
 * block add` stops it rather than set bits where that version's program
 * does not look. */
static void test_screen_of_another_version(void **state)
{
	struct query_spec inside = { .family = 6, .src = "2001:db8:aaaa::5", .qname = "www.example.test." };
	const __u64 prefix48 = 0x20010db8aaaaULL;
	const __u32 bit = screen_v6_48_bit(prefix48);
	int filter = bpf_map__fd(skel->maps.xdpcast_source_filter);
	int screen_fd = bpf_map__fd(skel->maps.xdpcast_source_screen);
	struct xdpcast_lpm_key key;
	struct source_screen *screen;
	struct protection p;
	char err[128];

	(void)state;
	no_limits(&p);
	prefix_list_clear(&p.bogons);
	protect(&p);
	screen = mmap(NULL, sizeof(*screen), PROT_READ | PROT_WRITE, MAP_SHARED, screen_fd, 0);
	assert_true(screen != MAP_FAILED);
	assert_int_equal(screen->ready, SOURCE_SCREEN_LAYOUT);
	assert_int_equal(bit / SCREEN_LINE_BITS, screen_hashed_bit(prefix48 >> 16, SCREEN_V6_32) / SCREEN_LINE_BITS);
	assert_int_equal(prefix_parse("2001:db8:aaaa::/48", &key, err, sizeof(err)), 0);
	if (blocklist_insert(filter, -1, &key, err, sizeof(err)))      /* into the trie alone */
		fail_msg("%s", err);
	run("an entry without its bits: screened out", &inside, XDP_TX, XDPCAST_dns_answer, NULL);
	screen->hashed[bit / 64] |= 1ULL << (bit % 64);
	run("its /48's bit set by hand: the trie", &inside, XDP_DROP, XDPCAST_drop_blocklist, NULL);
	screen->hashed[bit / 64] &= ~(1ULL << (bit % 64));
	run("cleared again: screened out", &inside, XDP_TX, XDPCAST_dns_answer, NULL);

	screen->ready = 1;      /* as the build before layout 2 left it */
	run("a screen of another layout: not read", &inside, XDP_DROP, XDPCAST_drop_blocklist, NULL);
	if (source_screen_add(screen_fd, &key, err, sizeof(err)))
		fail_msg("%s", err);
	assert_int_equal(screen->ready, 0);
	assert_false(screen_bit_set(screen->hashed, bit));

	if (source_screen_rebuild(screen_fd, filter, err, sizeof(err)))
		fail_msg("%s", err);
	assert_int_equal(screen->ready, SOURCE_SCREEN_LAYOUT);
	assert_true(screen_bit_set(screen->hashed, bit));
	run("rebuilt", &inside, XDP_DROP, XDPCAST_drop_blocklist, NULL);
	assert_int_equal(bpf_map_delete_elem(filter, &key), 0);
	munmap(screen, sizeof(*screen));
}

/* Sources the kernel drops whatever the lists say are bogons with the
 * lists off too: an answer would go where NSD never sends one. */
static void test_martian_sources(void **state)
{
	static const char *const martians[] = { "0.1.2.3", "127.0.0.1", "224.0.0.251", "239.1.2.3",
						"255.255.255.255", "::", "::1", "ff02::1", "ff0e::53" };
	struct protection p;

	(void)state;
	no_limits(&p);
	prefix_list_clear(&p.bogons);
	protect(&p);
	for (size_t i = 0; i < sizeof(martians) / sizeof(martians[0]); i++) {
		struct query_spec q = { .family = strchr(martians[i], ':') ? 6 : 4, .src = martians[i],
					.qname = "www.example.test." };

		run(martians[i], &q, XDP_DROP, XDPCAST_drop_bogon_source, NULL);
	}
	run("from 1.0.0.1", &(struct query_spec){ .src = "1.0.0.1", .qname = "www.example.test." }, XDP_TX,
	    XDPCAST_dns_answer, NULL);
	run("from 223.255.255.254", &(struct query_spec){ .src = "223.255.255.254", .qname = "www.example.test." },
	    XDP_TX, XDPCAST_dns_answer, NULL);
	run("from ::2", &(struct query_spec){ .family = 6, .src = "::2", .qname = "www.example.test." }, XDP_TX,
	    XDPCAST_dns_answer, NULL);
	run("from fe80::1, off the link", &(struct query_spec){ .family = 6, .src = "fe80::1", .qname = "www.example.test." },
	    XDP_TX, XDPCAST_dns_answer, NULL);
}

/* An IPv6 packet from an IPv4-mapped source is a bogon, whatever the
 * lists say (the kernel drops it, NSD never sees it): never answered as
 * if the IPv4 address had asked. */
static void test_mapped_ipv6_sources(void **state)
{
	struct query_spec mapped = { .family = 6, .src = "::ffff:198.51.100.9", .qname = "www.example.test." };
	struct query_spec v4 = { .src = "198.51.100.9", .qname = "www.example.test." };
	struct protection p;

	(void)state;
	no_limits(&p);
	prefix_list_clear(&p.bogons);
	protect(&p);
	run("IPv6 from ::ffff:198.51.100.9", &mapped, XDP_DROP, XDPCAST_drop_bogon_source, NULL);
	run("IPv4 from 198.51.100.9", &v4, XDP_TX, XDPCAST_dns_answer, NULL);
	mapped.src = "::ffff:0:1";
	run("IPv6 from ::ffff:0.0.0.1", &mapped, XDP_DROP, XDPCAST_drop_bogon_source, NULL);
	mapped.src = "::1:ffff:c633:6409";      /* not mapped: a word before is not zero */
	run("IPv6 from ::1:ffff:c633:6409", &mapped, XDP_TX, XDPCAST_dns_answer, NULL);
}

static void test_allowlist(void **state)
{
	struct protection p;
	char err[128];

	(void)state;
	no_limits(&p);
	p.allow_count = 0;
	assert_int_equal(port_rule_parse("udp/53", &p.allow[p.allow_count++], err, sizeof(err)), 0);
	protect(&p);
	run("TCP 53 without a tcp rule", &(struct query_spec){ .proto = IPPROTO_TCP }, XDP_DROP,
	    XDPCAST_drop_port_policy, NULL);
	run("ICMP without an icmp rule", &(struct query_spec){ .proto = IPPROTO_ICMP, .icmp_type = 8 }, XDP_DROP,
	    XDPCAST_drop_port_policy, NULL);
	run("UDP 53 still answered", &(struct query_spec){ .qname = "www.example.test." }, XDP_TX,
	    XDPCAST_dns_answer, NULL);
}

static void test_source_buckets(void **state)
{
	struct query_spec q = { .src = "198.51.100.10", .qname = "www.example.test." };
	struct protection p;

	(void)state;
	no_limits(&p);
	p.source[SOURCE_LEVEL_V4_32] = (struct rate_limit){ 1, 3 };
	p.source[SOURCE_LEVEL_V6_56] = (struct rate_limit){ 1, 3 };
	protect(&p);
	for (int i = 0; i < 3; i++)
		run("within the /32 burst", &q, XDP_TX, XDPCAST_dns_answer, NULL);
	run("over the /32 burst", &q, XDP_DROP, XDPCAST_drop_rate_limited, NULL);
	run("still over", &q, XDP_DROP, XDPCAST_drop_rate_limited, NULL);
	q.src = "198.51.100.11";
	run("a neighbour in the /24 has its own /32 bucket", &q, XDP_TX, XDPCAST_dns_answer, NULL);

	/* Three /64s of one /56 share its bucket of 3. */
	run("first /64", &(struct query_spec){ .family = 6, .src = "2001:db8:5600:1::1", .qname = "www.example.test." },
	    XDP_TX, XDPCAST_dns_answer, NULL);
	run("second /64", &(struct query_spec){ .family = 6, .src = "2001:db8:5600:2::1", .qname = "www.example.test." },
	    XDP_TX, XDPCAST_dns_answer, NULL);
	run("third /64", &(struct query_spec){ .family = 6, .src = "2001:db8:5600:3::1", .qname = "www.example.test." },
	    XDP_TX, XDPCAST_dns_answer, NULL);
	run("fourth /64: the /56 is spent", &(struct query_spec){ .family = 6, .src = "2001:db8:5600:4::1", .qname = "www.example.test." },
	    XDP_DROP, XDPCAST_drop_rate_limited, NULL);
	run("another /56", &(struct query_spec){ .family = 6, .src = "2001:db8:5601::1", .qname = "www.example.test." },
	    XDP_TX, XDPCAST_dns_answer, NULL);
}

static unsigned map_entries(const struct bpf_map *map, size_t key_size)
{
	uint8_t key[64], next[64];
	unsigned n = 0;
	void *prev = NULL;

	assert_true(key_size <= sizeof(key));
	while (!bpf_map_get_next_key(bpf_map__fd(map), prev, next)) {
		memcpy(key, next, key_size);
		prev = key;
		n++;
	}
	return n;
}

/* A spoofed flood sends one packet per source: those leave no LRU entry
 * (an insert each costs more than the answer); a second packet creates
 * the source's buckets with both packets' tokens taken. */
static void test_first_packets_leave_no_bucket(void **state)
{
	struct query_spec q = { .family = 6, .qname = "www.example.test." };
	unsigned buckets, rrl;
	struct protection p;
	char src[64];

	(void)state;
	no_limits(&p);
	p.source[SOURCE_LEVEL_V6_64] = (struct rate_limit){ 1, 2 };
	p.source[SOURCE_LEVEL_V6_56] = (struct rate_limit){ 1, 100 };
	p.rrl = (struct rate_limit){ 1, 100 };
	protect(&p);
	buckets = map_entries(skel->maps.xdpcast_source_buckets, sizeof(struct source_bucket_key));
	rrl = map_entries(skel->maps.xdpcast_rrl, sizeof(struct rrl_key));
	for (int i = 0; i < 200; i++) {
		snprintf(src, sizeof(src), "2001:db8:%x:%x00::1", 0x7000 + i / 256, i % 256);
		q.src = src;
		run("one packet from a new /56", &q, XDP_TX, XDPCAST_dns_answer, NULL);
	}
	assert_int_equal(map_entries(skel->maps.xdpcast_source_buckets, sizeof(struct source_bucket_key)), buckets);
	assert_int_equal(map_entries(skel->maps.xdpcast_rrl, sizeof(struct rrl_key)), rrl);

	q.src = "2001:db8:7100::1";
	run("first packet", &q, XDP_TX, XDPCAST_dns_answer, NULL);
	run("second packet: the buckets are created", &q, XDP_TX, XDPCAST_dns_answer, NULL);
	assert_int_equal(map_entries(skel->maps.xdpcast_source_buckets, sizeof(struct source_bucket_key)), buckets + 2);
	assert_int_equal(map_entries(skel->maps.xdpcast_rrl, sizeof(struct rrl_key)), rrl + 1);
	run("third packet: the /64's burst of 2 counted the first too", &q, XDP_DROP, XDPCAST_drop_rate_limited,
	    NULL);
}

/* The first packet's token is taken at the first packet's time, as an
 * exact bucket takes it: at 2/s with a burst of 1, a second packet 0.6 s
 * later conforms, a third right after it does not. For the source
 * buckets, then for RRL. */
static void test_first_packet_counted_at_its_time(void **state)
{
	struct query_spec q = { .src = "203.0.113.60", .qname = "www.example.test." };
	const struct timespec pause = { 0, 600 * 1000 * 1000 };
	struct protection p;

	(void)state;
	no_limits(&p);
	p.source[SOURCE_LEVEL_V4_32] = (struct rate_limit){ 2, 1 };
	protect(&p);
	run("first packet", &q, XDP_TX, XDPCAST_dns_answer, NULL);
	nanosleep(&pause, NULL);
	run("second packet, 0.6 s later: the bucket has refilled", &q, XDP_TX, XDPCAST_dns_answer, NULL);
	run("third packet at once: over", &q, XDP_DROP, XDPCAST_drop_rate_limited, NULL);

	protect_rrl_only(2, 1, 0);
	q.src = "203.0.112.60";
	run("first response", &q, XDP_TX, XDPCAST_dns_answer, NULL);
	nanosleep(&pause, NULL);
	run("second response, 0.6 s later", &q, XDP_TX, XDPCAST_dns_answer, NULL);
	run("third response at once: over the rate", &q, XDP_DROP, XDPCAST_rrl_drop, NULL);
}

/* A source at 1/s with a burst of 2, its bucket made and spent. */
static struct query_spec spent_source(const char *src)
{
	struct query_spec q = { .src = src, .qname = "www.example.test." };
	struct protection p;

	no_limits(&p);
	p.source[SOURCE_LEVEL_V4_32] = (struct rate_limit){ 1, 2 };
	protect(&p);
	run("first packet", &q, XDP_TX, XDPCAST_dns_answer, NULL);
	run("second: the bucket is made", &q, XDP_TX, XDPCAST_dns_answer, NULL);
	run("third: over", &q, XDP_DROP, XDPCAST_drop_rate_limited, NULL);
	return q;
}

/* Writes every first-seen slot as another key's first packet does (its
 * tag and time, the epoch kept), or fresh, as a new program has it. */
static void write_every_slot(bool fresh)
{
	int fd = bpf_map__fd(skel->maps.xdpcast_first_seen);

	for (__u32 slot = 0; slot < bpf_map__max_entries(skel->maps.xdpcast_first_seen); slot++) {
		struct first_seen seen = { 0 };

		if (!fresh) {
			assert_int_equal(bpf_map_lookup_elem(fd, &slot, &seen), 0);
			seen.tag = 0x5eed0001;
			seen.first_ns = 1;
		}
		assert_int_equal(bpf_map_update_elem(fd, &slot, &seen, BPF_ANY), 0);
	}
}

/* A key with a bucket is looked up whatever took its first-seen slot. */
static void test_bucket_outlives_its_slot(void **state)
{
	struct query_spec q = spent_source("203.0.113.70");

	(void)state;
	write_every_slot(false);
	run("fourth, its slot taken by another key: still over", &q, XDP_DROP, XDPCAST_drop_rate_limited, NULL);
}

/* A takeover: the buckets carried over meet a fresh first-seen table.
 * For the window xdpcastd sets, a key over its bucket is still over. */
static void test_carried_bucket_after_takeover(void **state)
{
	struct query_spec q = spent_source("203.0.113.80");
	struct timespec now;

	(void)state;
	write_every_slot(true);
	clock_gettime(CLOCK_MONOTONIC, &now);
	skel->bss->every_key_until_ns = (now.tv_sec + 140) * 1000000000ULL;
	run("fourth, after the takeover: still over", &q, XDP_DROP, XDPCAST_drop_rate_limited, NULL);
	skel->bss->every_key_until_ns = 0;
	run("fifth, after the window: the slot marked by the fourth, still over", &q, XDP_DROP,
	    XDPCAST_drop_rate_limited, NULL);
}

static void test_pass_budget(void **state)
{
	struct query_spec miss = { .src = "198.51.100.20", .qname = "example.org." };
	struct protection p;

	(void)state;
	no_limits(&p);
	p.pass_budget = (struct rate_limit){ 1, 2 };
	protect(&p);
	run("miss within the budget", &miss, XDP_PASS, XDPCAST_dns_pass_miss, NULL);
	run("miss within the budget", &miss, XDP_PASS, XDPCAST_dns_pass_miss, NULL);
	run("miss over the budget", &miss, XDP_DROP, XDPCAST_drop_pass_budget, NULL);
	run("TCP SYN over the budget", &(struct query_spec){ .proto = IPPROTO_TCP }, XDP_DROP,
	    XDPCAST_drop_pass_budget, NULL);
	run("TCP segment of an admitted connection", &(struct query_spec){ .proto = IPPROTO_TCP, .tcp_flags = 0x10 },
	    XDP_PASS, XDPCAST_pass_tcp, NULL);
	run("answers from XDP do not spend it", &(struct query_spec){ .qname = "www.example.test." }, XDP_TX,
	    XDPCAST_dns_answer, NULL);
}

/* The tick's time read before and after a step: a step that read it read
 * one of the two, unless more than one tick came meanwhile (a busy
 * machine: asked again). */
struct tick_window {
	uint64_t before, after;
};

static bool on_the_tick(const struct tick_window *w, uint64_t t)
{
	return t == w->before || t == w->after;
}

/* The pass budget's bucket taken once from empty: the time it took its
 * token at, and the tick's time around the take in *w. */
static uint64_t pass_budget_taken_at(const struct protection *p, struct tick_window *w)
{
	struct query_spec miss = { .src = "198.51.100.21", .qname = "example.org." };
	int fd = bpf_map__fd(skel->maps.xdpcast_global_buckets);
	__u32 slot = GLOBAL_PASS_BUDGET;
	struct rate_bucket bucket = { 0 };
	uint64_t interval_ns = 1000000000 / p->pass_budget.rate;

	assert_int_equal(bpf_map_update_elem(fd, &slot, &bucket, BPF_ANY), 0);
	w->before = clock_ns(CLOCK_MONOTONIC_COARSE);
	run("a miss", &miss, XDP_PASS, XDPCAST_dns_pass_miss, NULL);
	w->after = clock_ns(CLOCK_MONOTONIC_COARSE);
	assert_int_equal(bpf_map_lookup_elem(fd, &slot, &bucket), 0);
	return bucket.tat_ns - interval_ns;
}

/* A bucket that takes 2 s to fill again (the defaults) takes its tokens at
 * the tick's time, one helper call fewer; one that fills again within a
 * tick (1,000/s, a burst of 1) at the fine time, which the tick's would
 * let a packet a tick through. */
static void test_bucket_clock_by_window(void **state)
{
	uint64_t taken_ns = 0, before, after;
	struct protection p;
	struct tick_window w;
	bool on_tick = false;

	(void)state;
	no_limits(&p);
	p.pass_budget = (struct rate_limit){ 10000, 20000 };
	protect(&p);
	for (int i = 0; i < 100 && !on_tick; i++)
		on_tick = on_the_tick(&w, taken_ns = pass_budget_taken_at(&p, &w));
	if (!on_tick)
		fail_msg("a bucket of 10,000/s and a burst of 20,000 took its token at %" PRIu64 ", not the tick's time "
			 "%" PRIu64 " or %" PRIu64 " around the take", taken_ns, w.before, w.after);

	no_limits(&p);
	p.pass_budget = (struct rate_limit){ 1000, 1 };
	protect(&p);
	before = clock_ns(CLOCK_MONOTONIC);
	taken_ns = pass_budget_taken_at(&p, &w);
	after = clock_ns(CLOCK_MONOTONIC);
	if (taken_ns < before || taken_ns > after)
		fail_msg("a bucket of 1,000/s and a burst of 1 took its token at %" PRIu64 ", not within the fine "
			 "times %" PRIu64 "..%" PRIu64 " around the take (the tick's is %" PRIu64 ")", taken_ns, before,
			 after, clock_ns(CLOCK_MONOTONIC_COARSE));
}

/* Echo and path MTU messages have a bucket each: a ping flood must not
 * starve path MTU discovery, on which large answers over TCP depend. */
static void test_icmp_limit(void **state)
{
	struct query_spec echo = { .proto = IPPROTO_ICMP, .icmp_type = 8 };
	struct query_spec frag_needed = { .proto = IPPROTO_ICMP, .icmp_type = 3, .icmp_code = 4 };
	struct query_spec too_big = { .family = 6, .proto = IPPROTO_ICMPV6, .icmp_type = 2 };
	struct protection p;

	(void)state;
	no_limits(&p);
	p.icmp = (struct rate_limit){ 1, 1 };
	p.path_mtu = (struct rate_limit){ 1, 2 };
	protect(&p);
	run("first echo", &echo, XDP_PASS, XDPCAST_pass_other, NULL);
	run("second echo within the second", &echo, XDP_DROP, XDPCAST_drop_rate_limited, NULL);
	run("fragmentation needed, echo over its bucket", &frag_needed, XDP_PASS, XDPCAST_pass_other, NULL);
	run("packet too big, echo over its bucket", &too_big, XDP_PASS, XDPCAST_pass_other, NULL);
	run("a third path MTU message within the second", &frag_needed, XDP_DROP, XDPCAST_drop_rate_limited, NULL);
}

/* A bucket spent under a slow rate and a large burst, then the limit
 * raised (a reload): refused packets leave a bucket where it is, so it
 * stayed refused for the old setting's window (1,000 s here) however much
 * was allowed now: a resolver at 50 q/s under a /32 limit of 10/s and a
 * burst of 6,000 went from 10 answers a second to none for ~10 minutes.
 * The shared buckets were clamped by the loader, those per source and
 * RRL's were not. Each is taken once more (refused, and brought within
 * the new setting), then a new interval later it conforms. */
static void raised_limit(const char *what, const struct query_spec *q, void (*limit)(uint32_t rate, uint32_t burst),
			 enum xdpcast_reason over)
{
	char step[128];

	limit(1, 1000);
	for (int i = 0; i < 1000; i++)
		send_frame(q);
	snprintf(step, sizeof(step), "%s: past the burst", what);
	run(step, q, XDP_DROP, over, NULL);
	limit(1000, 1);         /* a token a millisecond */
	snprintf(step, sizeof(step), "%s: first taken after the limit was raised", what);
	run(step, q, XDP_DROP, over, NULL);
	usleep(20000);
	snprintf(step, sizeof(step), "%s: 20 ms after the limit was raised", what);
	run(step, q, q->proto == IPPROTO_ICMP ? XDP_PASS : XDP_TX,
	    q->proto == IPPROTO_ICMP ? XDPCAST_pass_other : XDPCAST_dns_answer, NULL);
}

static void limit_icmp(uint32_t rate, uint32_t burst)
{
	struct protection p;

	no_limits(&p);
	p.icmp = (struct rate_limit){ rate, burst };
	protect(&p);
}

static void limit_v4_32(uint32_t rate, uint32_t burst)
{
	struct protection p;

	no_limits(&p);
	p.source[SOURCE_LEVEL_V4_32] = (struct rate_limit){ rate, burst };
	protect(&p);
}

static void limit_rrl(uint32_t rate, uint32_t burst)
{
	protect_rrl_only(rate, burst, 0);
}

static void test_buckets_after_a_raised_limit(void **state)
{
	struct query_spec echo = { .proto = IPPROTO_ICMP, .icmp_type = 8 };
	struct query_spec from_one = { .src = "203.0.113.190", .qname = "www.example.test." };
	struct query_spec rrl = { .src = "203.0.113.191", .qname = "www.example.test." };

	(void)state;
	raised_limit("shared (echo)", &echo, limit_icmp, XDPCAST_drop_rate_limited);
	raised_limit("per source (/32)", &from_one, limit_v4_32, XDPCAST_drop_rate_limited);
	raised_limit("RRL", &rrl, limit_rrl, XDPCAST_rrl_drop);
}

/* The hash of a source's key at one level, as bpf/ratelimit.h takes it. */
static __u64 source_key_hash(const uint8_t addr[4], enum source_level level, __u32 bits)
{
	struct source_bucket_key key = { .level = level };

	memcpy(key.addr, addr, bits / 8);
	return first_seen_hash(skel->rodata->first_seen_seed, (const __u32 *)&key, sizeof(key) / 4);
}

/* A source whose /32 and /24 keys hash alike in the bits that chose a
 * slot of the first-seen table: each packet's /24 note took the /32's
 * slot and the reverse before either key's second packet, so neither got
 * a bucket and the source was never limited (50 of 50 answered at 1/s). In
 * lanes, a packet's keys never share a slot. */
static void test_source_levels_in_lanes(void **state)
{
	uint8_t addr[4] = { 45, 0, 0, 0 };
	char src[INET_ADDRSTRLEN];
	struct query_spec q = { .src = src, .qname = "www.example.test." };
	struct protection p;
	bool alike = false;

	(void)state;
	for (__u32 i = 0; i < 1u << 24 && !alike; i++) {
		__u64 narrow, wide;

		addr[1] = i >> 16, addr[2] = i >> 8, addr[3] = i;
		narrow = source_key_hash(addr, SOURCE_LEVEL_V4_32, 32);
		wide = source_key_hash(addr, SOURCE_LEVEL_V4_24, 24);
		alike = !((narrow ^ wide) & (XDPCAST_FIRST_SEEN_SLOTS - 1)) && first_seen_tag(narrow) != first_seen_tag(wide);
	}
	assert_true(alike);
	inet_ntop(AF_INET, addr, src, sizeof(src));
	no_limits(&p);
	p.source[SOURCE_LEVEL_V4_32] = (struct rate_limit){ 1, 2 };
	p.source[SOURCE_LEVEL_V4_24] = (struct rate_limit){ 1, 2 };
	protect(&p);
	run("a first query", &q, XDP_TX, XDPCAST_dns_answer, NULL);
	run("a second, within the burst", &q, XDP_TX, XDPCAST_dns_answer, NULL);
	run("a third within the second", &q, XDP_DROP, XDPCAST_drop_rate_limited, NULL);
}

/* Routers number their links from private-use space: their path MTU
 * messages are not bogons, nothing else from there is. */
static void test_path_mtu_from_private_routers(void **state)
{
	static const char *const routers[] = { "10.1.2.3", "172.20.0.1", "172.31.255.1", "192.168.1.1", "100.64.0.1",
					       "100.127.255.254", "fd00::1" };
	static const char *const bogons[] = { "127.0.0.1", "169.254.1.1", "0.0.0.1", "192.0.2.9", "fe80::1",
					      "2001:db8:53::9" };
	struct protection p;

	(void)state;
	no_limits(&p);
	add_prefix(&p.blocklist, "10.9.0.0/16");
	protect(&p);
	for (size_t i = 0; i < sizeof(routers) / sizeof(routers[0]); i++) {
		int v6 = strchr(routers[i], ':') != NULL;
		struct query_spec q = { .family = v6 ? 6 : 4, .src = routers[i], .proto = v6 ? IPPROTO_ICMPV6 : IPPROTO_ICMP,
					.icmp_type = v6 ? 2 : 3, .icmp_code = v6 ? 0 : 4 };

		run(routers[i], &q, XDP_PASS, XDPCAST_pass_other, NULL);
		q.icmp_type = v6 ? 128 : 8;
		run("echo from private-use space", &q, XDP_DROP, XDPCAST_drop_bogon_source, NULL);
		if (!v6) {
			q.icmp_type = 3;
			q.icmp_code = 3;
			run("port unreachable from private-use space", &q, XDP_DROP, XDPCAST_drop_bogon_source, NULL);
		}
	}
	for (size_t i = 0; i < sizeof(bogons) / sizeof(bogons[0]); i++) {
		int v6 = strchr(bogons[i], ':') != NULL;
		struct query_spec q = { .family = v6 ? 6 : 4, .src = bogons[i], .proto = v6 ? IPPROTO_ICMPV6 : IPPROTO_ICMP,
					.icmp_type = v6 ? 2 : 3, .icmp_code = v6 ? 0 : 4 };

		run(bogons[i], &q, XDP_DROP, XDPCAST_drop_bogon_source, NULL);
	}
	run("from a blocked router", &(struct query_spec){ .src = "10.9.0.1", .proto = IPPROTO_ICMP, .icmp_type = 3,
							    .icmp_code = 4 },
	    XDP_DROP, XDPCAST_drop_blocklist, NULL);
}

/* ICMP has buckets of its own: a flood of misses that spends the pass
 * budget does not take path MTU discovery or echo down with it. */
static void test_icmp_spends_no_pass_budget(void **state)
{
	struct query_spec miss = { .src = "198.51.100.21", .qname = "example.org." };
	struct protection p;

	(void)state;
	no_limits(&p);
	p.pass_budget = (struct rate_limit){ 1, 1 };
	protect(&p);
	send_frame(&miss);      /* spends the budget's one token, if an earlier test left it */
	run("a miss over the budget", &miss, XDP_DROP, XDPCAST_drop_pass_budget, NULL);
	run("fragmentation needed", &(struct query_spec){ .proto = IPPROTO_ICMP, .icmp_type = 3, .icmp_code = 4 },
	    XDP_PASS, XDPCAST_pass_other, NULL);
	run("packet too big", &(struct query_spec){ .family = 6, .proto = IPPROTO_ICMPV6, .icmp_type = 2 }, XDP_PASS,
	    XDPCAST_pass_other, NULL);
	run("echo", &(struct query_spec){ .proto = IPPROTO_ICMP, .icmp_type = 8 }, XDP_PASS, XDPCAST_pass_other, NULL);
	run("TCP SYN: still spends it", &(struct query_spec){ .proto = IPPROTO_TCP }, XDP_DROP,
	    XDPCAST_drop_pass_budget, NULL);
}

/* Neighbour discovery on the link passes whatever the budget, the buckets
 * and the lists say: a router whose probes of our address fail stops
 * sending to it. The same messages from off the link are filtered. */
static void test_neighbour_discovery_unlimited(void **state)
{
	struct query_spec ns = { .family = 6, .src = "fe80::1", .proto = IPPROTO_ICMPV6, .icmp_type = 135,
				 .hop_limit = 255 };
	struct query_spec miss = { .family = 6, .src = "2001:db8:4d::1", .qname = "example.org." };
	struct protection p;

	(void)state;
	no_limits(&p);
	p.pass_budget = (struct rate_limit){ 1, 1 };
	p.icmp = (struct rate_limit){ 1, 1 };
	p.source[SOURCE_LEVEL_V6_64] = (struct rate_limit){ 1, 1 };
	p.source[SOURCE_LEVEL_V6_56] = (struct rate_limit){ 1, 1 };
	add_prefix(&p.blocklist, "2001:db8:bad::/48");
	protect(&p);
	send_frame(&miss);      /* spends the budget's one token, if an earlier test left it */
	miss.src = "2001:db8:4e::1";
	run("a miss over the budget", &miss, XDP_DROP, XDPCAST_drop_pass_budget, NULL);
	for (int i = 0; i < 3; i++)
		run("neighbour solicitation over the budget and the buckets", &ns, XDP_PASS, XDPCAST_pass_other, NULL);
	ns.icmp_type = 136;
	run("neighbour advertisement", &ns, XDP_PASS, XDPCAST_pass_other, NULL);
	ns.src = "2001:db8:bad::5";
	run("from a blocked source on the link", &ns, XDP_PASS, XDPCAST_pass_other, NULL);
	ns.hop_limit = 64;
	run("from a blocked source off the link", &ns, XDP_DROP, XDPCAST_drop_blocklist, NULL);
}

static knot_pkt_t *parse_dns(struct response *r)
{
	knot_pkt_t *pkt = knot_pkt_new((void *)r->info.dns, r->info.dns_len, NULL);

	assert_non_null(pkt);
	assert_int_equal(knot_pkt_parse(pkt, 0), KNOT_EOK);
	return pkt;
}

static void test_rrl(void **state)
{
	struct query_spec q = { .src = "198.51.100.30", .qname = "www.example.test.", .edns_size = 1232 };
	struct response r;
	knot_pkt_t *pkt;

	(void)state;
	protect_rrl_only(1, 2, 2);
	run("first response", &q, XDP_TX, XDPCAST_dns_answer, NULL);
	run("second response", &q, XDP_TX, XDPCAST_dns_answer, NULL);
	run("first over the rate: dropped", &q, XDP_DROP, XDPCAST_rrl_drop, NULL);
	run("second over the rate: slipped", &q, XDP_TX, XDPCAST_rrl_slip, &r);
	pkt = parse_dns(&r);
	assert_true(knot_wire_get_tc(r.info.dns));
	assert_true(knot_wire_get_aa(r.info.dns));
	assert_int_equal(knot_wire_get_rcode(r.info.dns), KNOT_RCODE_NOERROR);
	assert_int_equal(knot_wire_get_qdcount(r.info.dns), 1);
	assert_int_equal(knot_wire_get_ancount(r.info.dns) + knot_wire_get_nscount(r.info.dns), 0);
	assert_non_null(pkt->opt_rr);
	knot_pkt_free(pkt);
	run("third over: dropped", &q, XDP_DROP, XDPCAST_rrl_drop, NULL);
	run("fourth over: slipped", &q, XDP_TX, XDPCAST_rrl_slip, NULL);

	run("another type is another response", &(struct query_spec){ .src = "198.51.100.30", .qname = "www.example.test.", .qtype = KNOT_RRTYPE_AAAA },
	    XDP_TX, XDPCAST_dns_answer, NULL);
	run("another /24 is another client", &(struct query_spec){ .src = "198.51.101.30", .qname = "www.example.test." },
	    XDP_TX, XDPCAST_dns_answer, NULL);

	/* Random names under one zone are one response: the apex's NXDOMAIN. */
	run("NXDOMAIN for one name", &(struct query_spec){ .src = "198.51.100.31", .qname = "r1.example.test." },
	    XDP_TX, XDPCAST_dns_nxdomain, NULL);
	run("NXDOMAIN for another", &(struct query_spec){ .src = "198.51.100.31", .qname = "r2.example.test." },
	    XDP_TX, XDPCAST_dns_nxdomain, NULL);
	run("a third random name is over the rate", &(struct query_spec){ .src = "198.51.100.31", .qname = "r3.example.test." },
	    XDP_DROP, XDPCAST_rrl_drop, NULL);
	/* Whatever type it asks: a negative answer is counted by its encloser alone. */
	run("a fourth random name of another type is over the rate too: slipped",
	    &(struct query_spec){ .src = "198.51.100.31", .qname = "r4.example.test.", .qtype = KNOT_RRTYPE_MX },
	    XDP_TX, XDPCAST_rrl_slip, NULL);
}

/* Referrals count for their cut, whichever name below it is asked: glue
 * names too, which have records of their own. */
static void test_rrl_referrals_by_cut(void **state)
{
	static const char *const below_cut[] = {
		"a.sub.example.test.", "b.sub.example.test.", "ns.sub.example.test.", "x.ns.sub.example.test.",
	};

	(void)state;
	protect_rrl_only(1, 1, 0);
	run("a referral", &(struct query_spec){ .src = "198.51.100.33", .qname = below_cut[0] }, XDP_TX,
	    XDPCAST_dns_referral, NULL);
	for (size_t i = 1; i < sizeof(below_cut) / sizeof(below_cut[0]); i++)
		run(below_cut[i], &(struct query_spec){ .src = "198.51.100.33", .qname = below_cut[i] }, XDP_DROP,
		    XDPCAST_rrl_drop, NULL);
}

/* IPv6 clients are counted by /56: the 57th bit and below do not matter. */
static void test_rrl_ipv6_by_56(void **state)
{
	struct query_spec q = { .family = 6, .src = "2001:db8:1:100::1", .qname = "www.example.test." };

	(void)state;
	protect_rrl_only(1, 1, 0);
	run("first response to a /56", &q, XDP_TX, XDPCAST_dns_answer, NULL);
	q.src = "2001:db8:1:1ff:ffff:ffff:ffff:ffff";
	run("the same /56, last address: over the rate", &q, XDP_DROP, XDPCAST_rrl_drop, NULL);
	q.src = "2001:db8:1:200::1";
	run("the next /56: its own bucket", &q, XDP_TX, XDPCAST_dns_answer, NULL);
}

/* The COOKIE option of a response, which must be client + server cookie. */
static void response_cookie(struct response *r, uint8_t cookie[24])
{
	knot_pkt_t *pkt = parse_dns(r);
	uint8_t *opt;

	assert_non_null(pkt->opt_rr);
	opt = knot_edns_get_option(pkt->opt_rr, KNOT_EDNS_OPTION_COOKIE, NULL);
	assert_non_null(opt);
	assert_int_equal(knot_edns_opt_get_length(opt), 24);
	memcpy(cookie, knot_edns_opt_get_data(opt), 24);
	knot_pkt_free(pkt);
}

static void address_key(const char *text, uint8_t addr[16])
{
	struct xdpcast_lpm_key key;
	char err[128];

	assert_int_equal(prefix_parse(text, &key, err, sizeof(err)), 0);
	memcpy(addr, key.addr, 16);
}

static void cookie_protection(const char *secret, const char *previous)
{
	struct protection p;
	char err[128];

	no_limits(&p);
	p.rrl = (struct rate_limit){ 1, 1 };
	p.rrl_slip = 0;
	assert_int_equal(cookie_secret_parse(secret, p.cookie_secret, err, sizeof(err)), 0);
	p.has_secret = true;
	if (previous) {
		assert_int_equal(cookie_secret_parse(previous, p.cookie_previous, err, sizeof(err)), 0);
		p.has_previous = true;
	}
	protect(&p);
}

/* The wall clock's second, read on `clock` as the program does. */
static uint64_t program_second(clockid_t clock, const struct xdpcast_settings *set)
{
	return (clock_ns(clock) + set->realtime_offset_ns) / 1000000000;
}

/* Server cookies are stamped in seconds on the tick's time, the clock a
 * packet under the default limits reads anyway: taken just after the fine
 * clock passed a second, before the tick's did, a stamp is the second
 * before (on the fine clock it was the next one). */
static void test_cookie_stamp_on_the_tick(void **state)
{
	static const uint8_t client[8] = { 0x24, 0x64, 0xc4, 0xab, 0xcf, 0x10, 0xc9, 0x57 };
	struct query_spec q = { .src = "203.0.113.42", .qname = "www.example.test.", .edns_size = 1232,
				.cookie = client, .cookie_len = 8 };
	int fd = bpf_map__fd(skel->maps.xdpcast_settings);
	struct xdpcast_settings set;
	struct protection p;
	uint8_t cookie[24];
	uint64_t tick_second = 0;
	__u32 zero = 0;
	char err[128];

	(void)state;
	no_limits(&p);
	assert_int_equal(cookie_secret_parse(SECRET_A, p.cookie_secret, err, sizeof(err)), 0);
	p.has_secret = true;
	protect(&p);
	assert_int_equal(bpf_map_lookup_elem(fd, &zero, &set), 0);
	/* Within 5 s the fine clock passes a second five times; the tick's
	 * time lags it by a tick or more, which a take must fall within. */
	for (uint64_t until = clock_ns(CLOCK_MONOTONIC) + 5000000000ULL;
	     !tick_second && clock_ns(CLOCK_MONOTONIC) < until;) {
		uint64_t tick = program_second(CLOCK_MONOTONIC_COARSE, &set);
		struct response r;
		uint32_t stamp;

		if (program_second(CLOCK_MONOTONIC, &set) == tick)
			continue;
		run("a client cookie as the fine clock passed a second", &q, XDP_TX, XDPCAST_dns_answer, &r);
		if (program_second(CLOCK_MONOTONIC_COARSE, &set) != tick)
			continue;       /* the tick's time passed it too meanwhile */
		response_cookie(&r, cookie);
		stamp = server_cookie_stamp(cookie + COOKIE_CLIENT_LEN);
		if (stamp != (uint32_t)tick)
			fail_msg("stamped %" PRIu32 ", not the tick's second %" PRIu64, stamp, tick);
		tick_second = tick;
	}
	assert_true(tick_second != 0);
}

static void test_cookies(void **state)
{
	static const uint8_t client[COOKIE_CLIENT_LEN] = { 0x24, 0x64, 0xc4, 0xab, 0xcf, 0x10, 0xc9, 0x57 };
	uint8_t cookie[COOKIE_CLIENT_LEN + COOKIE_SERVER_LEN], tampered[COOKIE_CLIENT_LEN + COOKIE_SERVER_LEN];
	uint8_t secret_a[16], secret_b[16], zero_secret[16], addr[16], addr6[16], other_addr[16];
	uint8_t longest[40] = { 0 };
	struct query_spec with_client = { .src = "203.0.113.40", .qname = "www.example.test.", .edns_size = 1232,
					  .cookie = client, .cookie_len = COOKIE_CLIENT_LEN };
	struct query_spec with_server = with_client, plain = with_client, longest_query = with_client;
	uint32_t now = time(NULL), stamp;
	struct response r;
	char err[128];

	(void)state;
	longest_query.family = 6;
	longest_query.src = "2001:db8:40::1";   /* a network of its own: RRL spares it */
	assert_int_equal(cookie_secret_parse(SECRET_A, secret_a, err, sizeof(err)), 0);
	assert_int_equal(cookie_secret_parse(SECRET_B, secret_b, err, sizeof(err)), 0);
	address_key("203.0.113.40", addr);
	cookie_protection(SECRET_A, NULL);

	run("client cookie only: answered, a server cookie learnt", &with_client, XDP_TX, XDPCAST_dns_answer, &r);
	response_cookie(&r, cookie);
	assert_memory_equal(cookie, client, COOKIE_CLIENT_LEN);
	assert_int_equal(cookie[COOKIE_CLIENT_LEN], COOKIE_VERSION);
	stamp = server_cookie_stamp(cookie + COOKIE_CLIENT_LEN);
	assert_true(stamp + 5 >= now && stamp <= now + 5);
	assert_true(server_cookie_valid(cookie + COOKIE_CLIENT_LEN, client, addr, 1, now, secret_a));
	assert_false(server_cookie_valid(cookie + COOKIE_CLIENT_LEN, client, addr, 1, now, secret_b));

	plain.cookie_len = 0;
	run("no cookie: RRL applies", &plain, XDP_DROP, XDPCAST_rrl_drop, NULL);
	with_server.cookie = cookie;
	with_server.cookie_len = sizeof(cookie);
	run("valid server cookie: exempt from RRL", &with_server, XDP_TX, XDPCAST_dns_answer, &r);
	response_cookie(&r, tampered);
	assert_memory_equal(tampered, client, COOKIE_CLIENT_LEN);
	memcpy(tampered, cookie, sizeof(tampered));
	tampered[sizeof(tampered) - 1] ^= 1;
	with_server.cookie = tampered;
	run("forged server cookie: RRL applies", &with_server, XDP_DROP, XDPCAST_rrl_drop, NULL);
	with_server.cookie = cookie;
	with_server.src = "203.0.113.41";       /* same /24: its RRL bucket is spent too */
	run("a server cookie replayed from another address", &with_server, XDP_DROP, XDPCAST_rrl_drop, NULL);
	with_server.src = "203.0.113.40";

	/* Stamps through the program's clock: an hour old and five minutes
	 * ahead still count; older, further ahead, or of a version we do not
	 * make (its hash right), the query is one with a client cookie only,
	 * which RRL limits (never a BADCOOKIE). */
	with_server.cookie = tampered;
	memcpy(tampered, client, COOKIE_CLIENT_LEN);
	server_cookie_make(tampered + COOKIE_CLIENT_LEN, client, addr, 1, now - XDPCAST_COOKIE_LIFETIME_S + 5, secret_a);
	run("a server cookie nearly an hour old", &with_server, XDP_TX, XDPCAST_dns_answer, NULL);
	server_cookie_make(tampered + COOKIE_CLIENT_LEN, client, addr, 1, now + COOKIE_CLOCK_SKEW - 5, secret_a);
	run("a server cookie nearly five minutes ahead", &with_server, XDP_TX, XDPCAST_dns_answer, NULL);
	server_cookie_make(tampered + COOKIE_CLIENT_LEN, client, addr, 1, now - XDPCAST_COOKIE_LIFETIME_S - 5, secret_a);
	run("a server cookie over an hour old", &with_server, XDP_DROP, XDPCAST_rrl_drop, NULL);
	server_cookie_make(tampered + COOKIE_CLIENT_LEN, client, addr, 1, now + COOKIE_CLOCK_SKEW + 5, secret_a);
	run("a server cookie over five minutes ahead", &with_server, XDP_DROP, XDPCAST_rrl_drop, NULL);
	server_cookie_make(tampered + COOKIE_CLIENT_LEN, client, addr, 1, now, secret_a);
	tampered[COOKIE_CLIENT_LEN] = COOKIE_VERSION + 1;
	/* The hash after the 8 bytes it covers, as server_cookie_make puts it. */
	server_cookie_put_hash(tampered + COOKIE_CLIENT_LEN + 8,
			       server_cookie_hash(client, tampered + COOKIE_CLIENT_LEN, addr, 1, secret_a));
	run("a server cookie of another version", &with_server, XDP_DROP, XDPCAST_rrl_drop, NULL);
	with_server.cookie = cookie;

	/* A server cookie of 32 bytes (another server's): ours comes back. */
	memcpy(longest, client, COOKIE_CLIENT_LEN);
	longest_query.cookie = longest;
	longest_query.cookie_len = sizeof(longest);
	run("a 40-byte COOKIE: answered, our server cookie in it", &longest_query, XDP_TX, XDPCAST_dns_answer, &r);
	response_cookie(&r, tampered);
	assert_memory_equal(tampered, client, COOKIE_CLIENT_LEN);
	address_key(longest_query.src, other_addr);
	assert_true(server_cookie_valid(tampered + COOKIE_CLIENT_LEN, client, other_addr, 0, now, secret_a));

	/* Rotation: the old secret still verifies as the previous one. */
	cookie_protection(SECRET_B, SECRET_A);
	run("cookie made with the previous secret", &with_server, XDP_TX, XDPCAST_dns_answer, &r);
	response_cookie(&r, tampered);
	assert_true(server_cookie_valid(tampered + COOKIE_CLIENT_LEN, client, addr, 1, now, secret_b));
	cookie_protection(SECRET_B, NULL);
	run("once the previous secret is gone", &with_server, XDP_DROP, XDPCAST_rrl_drop, NULL);
	/* Without a previous secret its slot holds zeros: a cookie anyone can
	 * make with them proves nothing. */
	memset(zero_secret, 0, sizeof(zero_secret));
	memcpy(tampered, client, COOKIE_CLIENT_LEN);
	server_cookie_make(tampered + COOKIE_CLIENT_LEN, client, addr, 1, now, zero_secret);
	with_server.cookie = tampered;
	run("a server cookie of a secret of zeros", &with_server, XDP_DROP, XDPCAST_rrl_drop, NULL);
	with_server.cookie = cookie;

	/* IPv6: the hash covers all 16 address bytes. */
	with_client.family = 6;
	with_client.src = "2001:db8:220:1:59de:d0f4:8769:82b8";
	address_key(with_client.src, addr6);
	run("IPv6 client cookie", &with_client, XDP_TX, XDPCAST_dns_answer, &r);
	response_cookie(&r, cookie);
	assert_true(server_cookie_valid(cookie + COOKIE_CLIENT_LEN, client, addr6, 0, now, secret_b));
}

static void test_cookies_off(void **state)
{
	static const uint8_t client[COOKIE_CLIENT_LEN] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	struct query_spec q = { .src = "198.51.100.50", .qname = "www.example.test.", .edns_size = 1232,
				.cookie = client, .cookie_len = COOKIE_CLIENT_LEN };
	struct response r;
	struct protection p;
	knot_pkt_t *pkt;

	(void)state;
	no_limits(&p);
	p.cookies = false;
	protect(&p);
	run("cookies off: answered as NSD 4.6 would, no COOKIE", &q, XDP_TX, XDPCAST_dns_answer, &r);
	pkt = parse_dns(&r);
	assert_null(knot_edns_get_option(pkt->opt_rr, KNOT_EDNS_OPTION_COOKIE, NULL));
	knot_pkt_free(pkt);
}

/* Packets counted in a stats slot, over every reason. */
static __u64 slot_packets(__u32 slot)
{
	__u64 packets[XDPCAST_STATS_SLOTS];
	char err[256];

	if (test_program_slot_packets(skel, packets, err, sizeof(err)))
		fail_msg("%s", err);
	return packets[slot];
}

/*
 * The counters another version pinned, read by this xdpcastctl (reasons
 * are only appended): an older map's reasons count, the ones it lacks are
 * 0; a newer map's first reasons count and its rest are not read; a map
 * of other values is refused by name. Before, the reader took this
 * build's value for the map's and overran its buffer on a newer map.
 */
static void test_stats_of_other_versions_read(void **state)
{
	const int reasons_of[] = { XDPCAST_REASON_MAX - 3, XDPCAST_REASON_MAX + 5 };
	int cpus = libbpf_num_possible_cpus();
	struct xdpcast_stats slots[XDPCAST_STATS_SLOTS];
	const __u32 slot = 1;
	char err[256];
	int fd;

	(void)state;
	for (size_t v = 0; v < sizeof(reasons_of) / sizeof(reasons_of[0]); v++) {
		int reasons = reasons_of[v];
		struct xdpcast_counter value[cpus][reasons];

		fd = bpf_map_create(BPF_MAP_TYPE_PERCPU_ARRAY, "other_version", sizeof(__u32),
				    reasons * sizeof(struct xdpcast_counter), XDPCAST_STATS_SLOTS, NULL);
		assert_true(fd >= 0);
		for (int cpu = 0; cpu < cpus; cpu++)
			for (int r = 0; r < reasons; r++)
				value[cpu][r] = (struct xdpcast_counter){ .packets = r + 1, .bytes = 100 * (r + 1) };
		assert_int_equal(bpf_map_update_elem(fd, &slot, value, BPF_ANY), 0);
		assert_int_equal(stats_read_fd(fd, slots, err, sizeof(err)), 0);
		for (int r = 0; r < XDPCAST_REASON_MAX; r++) {
			__u64 want = r < reasons ? (__u64)cpus * (r + 1) : 0;

			assert_int_equal(stats_counter(&slots[slot], r)->packets, want);
			assert_int_equal(stats_counter(&slots[slot], r)->bytes, 100 * want);
			assert_int_equal(stats_counter(&slots[0], r)->packets, 0);
		}
		close(fd);
	}
	fd = bpf_map_create(BPF_MAP_TYPE_HASH, "other_values", sizeof(__u32), sizeof(struct xdpcast_stats), 8, NULL);
	assert_true(fd >= 0);
	assert_int_equal(stats_read_fd(fd, slots, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "xdpcast_stats: not a map xdpcast pins (hash of "));
	close(fd);
}

/* A bpffs mounted on a new directory in TMPDIR, in a mount namespace of
 * this process's own: a failing test's mount ends with it, and its
 * TMPDIR can go. */
static void pin_dir_make(char *dir, size_t len)
{
	const char *tmp = getenv("TMPDIR");

	snprintf(dir, len, "%s/pins.XXXXXX", tmp ? tmp : "/tmp");
	assert_non_null(mkdtemp(dir));
	assert_int_equal(unshare(CLONE_NEWNS), 0);
	assert_int_equal(mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL), 0);
	assert_int_equal(mount("bpf", dir, "bpf", 0, NULL), 0);
}

static void pin_dir_remove(const char *dir)
{
	assert_int_equal(umount(dir), 0);
	assert_int_equal(rmdir(dir), 0);
}

static void pin_fd(const char *dir, const char *name, int fd)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	assert_int_equal(bpf_obj_pin(fd, path), 0);
}

/* `name` pinned in dir, a map of this build's keys and values `grown`
 * bytes wider, as another version's would be. */
static void pin_wider(const char *dir, const char *name, enum bpf_map_type type, __u32 value_size, __u32 grown)
{
	LIBBPF_OPTS(bpf_map_create_opts, opts, .map_flags = BPF_F_NO_PREALLOC);
	int fd = bpf_map_create(type, name, sizeof(struct xdpcast_lpm_key), value_size + grown, 16, &opts);

	assert_true(fd >= 0);
	pin_fd(dir, name, fd);
	close(fd);
}

/*
 * The maps `xdpcastctl block` and `lookup` read and write whole, pinned by
 * another version with wider values: refused by name with both sizes.
 * Before, the kernel wrote the wider values past the reader's, on its
 * stack.
 */
static void test_pins_of_other_versions_refused(void **state)
{
	struct blocked_prefix *list = NULL;
	struct lookup_pins pins;
	char dir[128], want[512], err[512];
	size_t count = 0;

	(void)state;
	pin_dir_make(dir, sizeof(dir));
	pin_wider(dir, "xdpcast_source_filter", BPF_MAP_TYPE_LPM_TRIE, sizeof(struct source_filter), 8);
	assert_int_equal(blocklist_list(dir, &list, &count, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "%s/xdpcast_source_filter: keys of 20 bytes and values of %zu, where this build "
		 "reads 20 and %zu: the xdpcastd that pinned it is of another version (xdpcastd --version)", dir,
		 sizeof(struct source_filter) + 8, sizeof(struct source_filter));
	assert_string_equal(err, want);
	pin_fd(dir, "xdpcast_prog", bpf_program__fd(skel->progs.xdpcast));
	pin_fd(dir, "xdpcast_stats", bpf_map__fd(skel->maps.xdpcast_stats));
	pin_wider(dir, "xdpcast_protected", BPF_MAP_TYPE_LPM_TRIE, sizeof(struct protected_prefix), 16);
	assert_int_equal(lookup_open(dir, &pins, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "/xdpcast_protected: keys of 20 bytes and values of "));
	pin_dir_remove(dir);
	free(list);
}

/* `xdpcastctl block list` reads the whole filter: a long config list and
 * the live blocks, each once with its owner (the list grows as it reads). */
static void test_block_list_whole(void **state)
{
	enum { CONFIGURED = 300 };
	struct blocked_prefix *list = NULL;
	unsigned configured = 0, live = 0, both = 0;
	char dir[128], err[256];
	struct protection p;
	size_t count = 0;

	(void)state;
	block_live("2001:db8:bad::/48");
	block_live("198.18.0.7/32");        /* then in the config too */
	no_limits(&p);
	for (unsigned i = 0; i < CONFIGURED; i++) {
		char text[32];

		snprintf(text, sizeof(text), "198.18.%u.%u/32", i >> 8, i & 255);
		add_prefix(&p.blocklist, text);
	}
	protect(&p);
	pin_dir_make(dir, sizeof(dir));
	pin_fd(dir, "xdpcast_source_filter", bpf_map__fd(skel->maps.xdpcast_source_filter));
	if (blocklist_list(dir, &list, &count, err, sizeof(err)))
		fail_msg("%s", err);
	assert_int_equal(count, CONFIGURED + 1);
	for (size_t i = 0; i < count; i++) {
		const __u8 *a = list[i].prefix.addr;

		if (list[i].kind == SOURCE_BLOCKED_LIVE) {
			assert_int_equal(list[i].prefix.prefixlen, 48);
			assert_memory_equal(a, "\x20\x01\x0d\xb8\x0b\xad", 6);
			live++;
			continue;
		}
		/* IPv4-mapped in the key: ::ffff:198.18.x.y/128 */
		assert_int_equal(list[i].prefix.prefixlen, 128);
		assert_memory_equal(a, "\0\0\0\0\0\0\0\0\0\0\xff\xff\xc6\x12", 14);
		assert_true(a[14] * 256 + a[15] < CONFIGURED);
		if (list[i].kind == SOURCE_BLOCKED_BOTH) {
			assert_memory_equal(a + 14, "\0\x07", 2);
			both++;
		} else {
			assert_int_equal(list[i].kind, SOURCE_BLOCKED);
			configured++;
		}
	}
	assert_int_equal(configured, CONFIGURED - 1);
	assert_int_equal(live, 1);
	assert_int_equal(both, 1);
	pin_dir_remove(dir);
	free(list);
	lift_live("2001:db8:bad::/48");
	no_limits(&p);
	protect(&p);
	lift_live("198.18.0.7/32");
}

/* Moves this process into a network namespace of its own, which ends
 * with it or when the process goes back to `*home`. */
static int netns_enter_own(int *home)
{
	*home = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (*home < 0)
		return -1;
	return unshare(CLONE_NEWNET);
}

/* The daemon's probes (the fast_path check, `xdpcastctl lookup`) in test
 * runs skip the source filters, the per-source buckets and RRL, not the
 * pass budget, and count in the slot of test runs; from an interface,
 * listed or not, the probe source is judged like any other (docs/bgp.md,
 * man xdpcastctl: lookup). */
static void test_probe_source(void **state)
{
	struct query_spec v4 = { .src = TEST_PROBE_SOURCE4, .qname = "www.example.test." };
	struct query_spec v6 = { .family = 6, .src = TEST_PROBE_SOURCE6, .qname = "www.example.test." };
	struct query_spec neighbour = { .src = "198.51.100.253", .qname = "www.example.test." };
	const __u32 last = XDPCAST_MAX_IFACES - 1;
	struct protection p;
	__u32 member;
	__u64 before;
	int home;

	(void)state;
	no_limits(&p);
	add_prefix(&p.blocklist, "198.51.100.0/24");
	add_prefix(&p.blocklist, "2001:db8:1::/48");
	for (int level = 0; level < SOURCE_LEVEL_MAX; level++)
		p.source[level] = (struct rate_limit){ 1, 1 };
	p.rrl = (struct rate_limit){ 1, 1 };
	p.rrl_slip = 0;
	p.cookies = false;
	p.pass_budget = (struct rate_limit){ 1, 1 };
	protect(&p);
	before = slot_packets(XDPCAST_TEST_RUN_SLOT);
	for (int i = 0; i < 4; i++) {
		run("IPv4 probe: no blocklist, bucket or RRL", &v4, XDP_TX, XDPCAST_dns_answer, NULL);
		run("IPv6 probe: no blocklist, bucket or RRL", &v6, XDP_TX, XDPCAST_dns_answer, NULL);
	}
	run("another source of the blocked /24", &neighbour, XDP_DROP, XDPCAST_drop_blocklist, NULL);
	v4.qname = "example.org.";
	send_frame(&v4);        /* spends the budget's one token, if an earlier test left it */
	run("IPv4 probe passed over the budget", &v4, XDP_DROP, XDPCAST_drop_pass_budget, NULL);
	v4.qname = "www.example.test.";
	assert_int_equal(slot_packets(XDPCAST_TEST_RUN_SLOT) - before, 11);

	skel->bss->iface_ifindex[last] = 1;     /* the loopback device test runs come from */
	run("IPv4 probe source on an interface", &v4, XDP_DROP, XDPCAST_drop_blocklist, NULL);
	run("IPv6 probe source on an interface", &v6, XDP_DROP, XDPCAST_drop_blocklist, NULL);
	skel->bss->iface_ifindex[last] = TEST_UNUSED_IFINDEX + last;
	assert_int_equal(slot_packets(XDPCAST_TEST_RUN_SLOT) - before, 11);

	/* A device the program runs on without the loader listing it (a
	 * bond's member) counts in the test runs' slot, and is no probe. */
	assert_int_equal(netns_enter_own(&home), 0);
	assert_int_equal(system("ip link add xdpcast-m0 type veth peer name xdpcast-m1"), 0);
	member = if_nametoindex("xdpcast-m0");
	assert_int_not_equal(member, 0);
	run_on(member, "IPv4 probe source on an unlisted device", &v4, XDP_DROP, XDPCAST_drop_blocklist, NULL);
	run_on(member, "IPv6 probe source on an unlisted device", &v6, XDP_DROP, XDPCAST_drop_blocklist, NULL);
	assert_int_equal(slot_packets(XDPCAST_TEST_RUN_SLOT) - before, 13);
	assert_int_equal(setns(home, CLONE_NEWNET), 0);      /* the namespace and its devices go */
	close(home);
}

/* In the test's /sys/class/net (a tmpfs: this kernel has no bonding):
 * device `name` as sysfs shows it, its ifindex this namespace's, or
 * `ifindex` when not 0; a bond's with its `bonding` directory. */
static void sysfs_device(const char *name, __u32 ifindex, bool bond)
{
	char path[128];
	FILE *f;

	snprintf(path, sizeof(path), "/sys/class/net/%s", name);
	assert_int_equal(mkdir(path, 0755), 0);
	snprintf(path, sizeof(path), "/sys/class/net/%s/ifindex", name);
	assert_non_null(f = fopen(path, "w"));
	fprintf(f, "%u\n", ifindex ? ifindex : if_nametoindex(name));
	fclose(f);
	snprintf(path, sizeof(path), "/sys/class/net/%s/bonding", name);
	assert_true(!bond || mkdir(path, 0755) == 0);
}

/* `lower` shown under `upper` (lower_NAME, as a bond's member, a VLAN's
 * parent or a bridge's port), or no longer. */
static void sysfs_lower(const char *upper, const char *lower, bool shown)
{
	char target[64], path[128];

	snprintf(target, sizeof(target), "../%s", lower);
	snprintf(path, sizeof(path), "/sys/class/net/%s/lower_%s", upper, lower);
	assert_int_equal(shown ? symlink(target, path) : unlink(path), 0);
}

/* The program runs on a bond's members when it is attached to the bond
 * in native mode, and the kernel names the member as the frame's ingress:
 * the daemon lists a bond's members (not the lower devices of anything
 * else, nor a listed interface, nor a name this namespace gives another
 * ifindex), whose frames then count under the bond; one that leaves
 * counts in the test-run slot again. */
static void test_members_count_under_their_interface(void **state)
{
	struct query_spec q = { .src = "203.0.113.77", .qname = "www.example.test." };
	struct attachment ifaces[2] = { { .ifname = "xdpcast-b1", .mode = XDP_MODE_NATIVE },
					{ .ifname = "xdpcast-b0", .mode = XDP_MODE_NATIVE } };
	__u32 *member_ifindex = skel->bss->member_ifindex;
	__u8 *member_slot = skel->bss->member_slot;
	__u64 under_bond, test_runs;
	struct protection p;
	int home_net, home_mounts;
	char name[32];
	__u32 member;

	(void)state;
	no_limits(&p);
	protect(&p);
	assert_true((home_mounts = open("/proc/self/ns/mnt", O_RDONLY | O_CLOEXEC)) >= 0);
	assert_int_equal(netns_enter_own(&home_net), 0);
	assert_int_equal(unshare(CLONE_NEWNS), 0);
	assert_int_equal(mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL), 0);
	assert_int_equal(mount("tmpfs", "/sys/class/net", "tmpfs", 0, NULL), 0);
	/* xdpcast-b0 stands in for the bond, xdpcast-b1 for a listed
	 * interface that is not one, xdpcast-m0 for the bond's member. */
	assert_int_equal(system("ip link add xdpcast-b0 type veth peer name xdpcast-b1 && "
				"ip link add xdpcast-m0 type veth peer name xdpcast-m1 && "
				"for i in $(seq 16); do ip link add xdpcast-p$i type veth peer name xdpcast-q$i || exit 1; "
				"done"), 0);
	sysfs_device("xdpcast-b0", 0, true);
	sysfs_device("xdpcast-b1", 0, false);
	sysfs_device("xdpcast-m0", 0, false);
	sysfs_device("xdpcast-m1", 0, false);
	sysfs_device("xdpcast-zz", if_nametoindex("xdpcast-m1"), false);   /* another namespace's */
	sysfs_lower("xdpcast-b0", "xdpcast-m0", true);
	sysfs_lower("xdpcast-b0", "xdpcast-b1", true);
	sysfs_lower("xdpcast-b0", "xdpcast-zz", true);
	sysfs_lower("xdpcast-b1", "xdpcast-m1", true);
	member = if_nametoindex("xdpcast-m0");
	for (size_t i = 0; i < 2; i++)
		assert_int_not_equal(ifaces[i].ifindex = if_nametoindex(ifaces[i].ifname), 0);

	attach_members(ifaces, 2, member_ifindex, member_slot);
	assert_int_equal(member_ifindex[0], member);
	assert_int_equal(member_slot[0], 1);
	assert_int_equal(member_ifindex[1], 0);
	assert_int_equal(ifaces[0].member_count, 0);
	assert_int_equal(ifaces[1].member_count, 1);
	assert_string_equal(ifaces[1].members[0], "xdpcast-m0");
	under_bond = slot_packets(1);
	test_runs = slot_packets(XDPCAST_TEST_RUN_SLOT);
	run_on(member, "a member's frame", &q, XDP_TX, XDPCAST_dns_answer, NULL);
	assert_int_equal(slot_packets(1) - under_bond, 1);
	assert_int_equal(slot_packets(XDPCAST_TEST_RUN_SLOT) - test_runs, 0);

	/* In skb mode the program runs on the bond, under its own ifindex. */
	ifaces[1].mode = XDP_MODE_SKB;
	attach_members(ifaces, 2, member_ifindex, member_slot);
	assert_int_equal(member_ifindex[0], 0);
	ifaces[1].mode = XDP_MODE_NATIVE;

	/* More members than the program has room for: as many as fit. */
	for (int i = 1; i <= 16; i++) {
		snprintf(name, sizeof(name), "xdpcast-p%d", i);
		sysfs_device(name, 0, false);
		sysfs_lower("xdpcast-b0", name, true);
	}
	attach_members(ifaces, 2, member_ifindex, member_slot);
	assert_int_equal(ifaces[1].member_count, XDPCAST_MEMBERS_MAX);
	for (int i = 0; i < XDPCAST_MEMBERS_MAX; i++) {
		assert_int_not_equal(member_ifindex[i], 0);
		assert_int_equal(member_slot[i], 1);
	}
	for (int i = 1; i <= 16; i++) {
		snprintf(name, sizeof(name), "xdpcast-p%d", i);
		sysfs_lower("xdpcast-b0", name, false);
	}

	sysfs_lower("xdpcast-b0", "xdpcast-m0", false);
	attach_members(ifaces, 2, member_ifindex, member_slot);
	assert_int_equal(member_ifindex[0], 0);
	assert_int_equal(ifaces[1].member_count, 0);
	run_on(member, "a former member's frame", &q, XDP_TX, XDPCAST_dns_answer, NULL);
	assert_int_equal(slot_packets(1) - under_bond, 1);
	assert_int_equal(slot_packets(XDPCAST_TEST_RUN_SLOT) - test_runs, 1);
	/* Back to the namespaces of the other tests: these go with their devices. */
	assert_int_equal(setns(home_mounts, CLONE_NEWNS), 0);
	assert_int_equal(setns(home_net, CLONE_NEWNET), 0);
	close(home_mounts);
	close(home_net);
}

static int setup(void **state)
{
	char err[512];

	(void)state;
	skel = test_program_load(TEST_ZONE, err, sizeof(err));
	if (!skel)
		fprintf(stderr, "%s\n", err);
	return skel ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	test_program_unload(skel);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_blocklist),
		cmocka_unit_test(test_blocklist_ipv6_holding_ipv4),
		cmocka_unit_test(test_blocklist_over_capacity),
		cmocka_unit_test(test_failed_takeover_keeps_live_blocks),
		cmocka_unit_test(test_screen_covers_every_entry),
		cmocka_unit_test(test_screen_of_another_version),
		cmocka_unit_test(test_mapped_ipv6_sources),
		cmocka_unit_test(test_martian_sources),
		cmocka_unit_test(test_allowlist),
		cmocka_unit_test(test_source_buckets),
		cmocka_unit_test(test_first_packets_leave_no_bucket),
		cmocka_unit_test(test_first_packet_counted_at_its_time),
		cmocka_unit_test(test_bucket_outlives_its_slot),
		cmocka_unit_test(test_carried_bucket_after_takeover),
		cmocka_unit_test(test_pass_budget),
		cmocka_unit_test(test_bucket_clock_by_window),
		cmocka_unit_test(test_icmp_limit),
		cmocka_unit_test(test_buckets_after_a_raised_limit),
		cmocka_unit_test(test_source_levels_in_lanes),
		cmocka_unit_test(test_path_mtu_from_private_routers),
		cmocka_unit_test(test_icmp_spends_no_pass_budget),
		cmocka_unit_test(test_neighbour_discovery_unlimited),
		cmocka_unit_test(test_rrl),
		cmocka_unit_test(test_rrl_referrals_by_cut),
		cmocka_unit_test(test_rrl_ipv6_by_56),
		cmocka_unit_test(test_cookies),
		cmocka_unit_test(test_cookie_stamp_on_the_tick),
		cmocka_unit_test(test_cookies_off),
		cmocka_unit_test(test_probe_source),
		cmocka_unit_test(test_members_count_under_their_interface),
		cmocka_unit_test(test_stats_of_other_versions_read),
		cmocka_unit_test(test_pins_of_other_versions_refused),
		cmocka_unit_test(test_block_list_whole),
	};

	return cmocka_run_group_tests_name("flood defense", tests, setup, teardown);
}
