// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * ns per packet through BPF_PROG_TEST_RUN for each path of the program,
 * next to the baseline program (parse, swap, XDP_TX) on the same frame,
 * and the ratio to the baseline measured in the same run.
 *
 * Each single-packet call's duration includes the kernel's clock reads
 * and the run's setup: what an empty program (xdp_pass) takes the same
 * way. On a machine where that is large (about 110 ns under this VM's
 * clock, against a baseline of about 30 ns beyond it) the plain ratio
 * flatters the slower program, so the table also gives the net ratio:
 * each program's time less the empty program's.
 *
 * Each single run also starts cold: on a bed whose kernel isolates its
 * page tables without PCID (pti=on here), every bpf() call flushes the
 * TLB, so the first touch of each page of the program's maps and code
 * costs a walk (and the call's own work evicts some of their lines).
 * Where the program leaves the frame as it found it (the pass and drop
 * paths), the warm columns run it WARM_REPEAT times in one call, as a
 * NIC's poll loop would: what the work itself costs. Such a call also
 * swaps the kernel's XDP dispatcher in and out, which waits for two RCU
 * grace periods (17 ms a call on the bed of 2026-12-07): the warm columns
 * take WARM_REPEAT times fewer calls, each the mean of its runs.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <libknot/libknot.h>

#include "baseline.skel.h"
#include "xdp_pass.skel.h"
#include "packet.h"
#include "test_program.h"


/* Settings for the drop paths that need a spent bucket. */
static void tiny_source_bucket(struct protection *p)
{
	p->source[SOURCE_LEVEL_V4_32] = (struct rate_limit){ 1, 1 };
}

static void tiny_rrl(struct protection *p)
{
	p->rrl = (struct rate_limit){ 1, 1 };
	p->rrl_slip = 0;
}

static void tiny_pass_budget(struct protection *p)
{
	p->pass_budget = (struct rate_limit){ 1, 1 };
}

/* Every limit on, too high to be reached: the cost of the buckets and RRL
 * on a conforming packet. */
static void limits_on(struct protection *p)
{
	static const struct rate_limit high = { 100000000, 100000000 };

	for (int level = 0; level < SOURCE_LEVEL_MAX; level++)
		p->source[level] = high;
	p->rrl = p->pass_budget = high;
}

static const uint8_t client_cookie[8] = { 0x24, 0x64, 0xc4, 0xab, 0xcf, 0x10, 0xc9, 0x57 };

struct bench_case {
	const char *name;
	struct query_spec query;
	void (*adjust)(struct protection *p);  /* changes to the default settings */
	const char *zone;                       /* the zone loaded; default example.test */
};

#define NSEC_ZONE  "tests/zones/denial.test.signed"
#define NSEC3_ZONE "tests/zones/denial3.test.signed"

static const struct bench_case cases[] = {
	{ "answer IPv4 (www A)", { .qname = "www.example.test." } },
	{ "answer IPv6 (www AAAA, EDNS)", { .family = 6, .qname = "www.example.test.", .qtype = KNOT_RRTYPE_AAAA, .edns_size = 1232 } },
	{ "answer IPv4, long name", { .qname = "a.very.long.name.with.many.labels.to.walk.through.in.the.fast.path.and.still.be.answered.correctly.example.test." } },
	{ "truncated (TC=1)", { .qname = "big.example.test.", .qtype = KNOT_RRTYPE_TXT } },
	{ "NXDOMAIN (one label below the apex)", { .qname = "nothere.example.test." } },
	{ "NXDOMAIN (four labels below)", { .qname = "a.b.c.nothere.example.test." } },
	{ "NODATA", { .qname = "www.example.test.", .qtype = KNOT_RRTYPE_MX } },
	{ "wildcard answer", { .qname = "host.wild.example.test." } },
	{ "referral", { .qname = "host.sub.example.test." } },
	{ "CNAME chain of two", { .qname = "chain1.example.test." } },
	{ "pass: name outside our zones (walks every label)", { .qname = "www.example.org." } },
	{ "pass: not protected", { .dst = "198.51.100.1", .qname = "www.example.test." } },
	{ "answer IPv4, source buckets and RRL on", { .qname = "www.example.test." }, limits_on },
	{ "pass: name outside our zones, buckets and budget on", { .qname = "www.example.org." }, limits_on },
	{ "answer IPv4 with a client cookie (SipHash)", { .qname = "www.example.test.", .edns_size = 1232, .cookie = client_cookie, .cookie_len = 8 } },
	{ "drop: fragment", { .fragment = 1, .qname = "www.example.test." } },
	{ "drop: bogon source", { .src = "10.1.2.3", .qname = "www.example.test." } },
	{ "drop: reflection (NTP reply)", { .sport = 123, .dport = 40123, .qname = "www.example.test." } },
	{ "drop: port policy", { .dport = 123, .qname = "www.example.test." } },
	{ "drop: malformed DNS header", { .qname = "www.example.test.", .dns_len = 7 } },
	{ "drop: source over its bucket", { .src = "198.51.100.77", .qname = "www.example.test." }, tiny_source_bucket },
	{ "drop: RRL", { .src = "198.51.100.78", .qname = "www.example.test." }, tiny_rrl },
	{ "drop: pass budget spent", { .src = "198.51.100.79", .qname = "www.example.org." }, tiny_pass_budget },
	/* Signed zones, DO=1: the proofs of denial. */
	{ "NXDOMAIN, NSEC zone, DO=0", { .qname = "nothere.denial.test.", .edns_size = 1232 }, NULL, NSEC_ZONE },
	{ "NXDOMAIN, NSEC zone, DO=1 (the qname's cover: index search)",
	  { .qname = "nothere.denial.test.", .edns_size = 1232, .edns_do = 1 }, NULL, NSEC_ZONE },
	{ "NODATA, NSEC zone, DO=1", { .qname = "a.denial.test.", .qtype = KNOT_RRTYPE_MX, .edns_size = 1232,
				      .edns_do = 1 }, NULL, NSEC_ZONE },
	{ "NXDOMAIN, NSEC3 zone, DO=1 (SHA-1 of the next closer, index search)",
	  { .qname = "nothere.denial3.test.", .edns_size = 1232, .edns_do = 1 }, NULL, NSEC3_ZONE },
	{ "NXDOMAIN, NSEC3 zone, DO=1, four labels below",
	  { .qname = "a.b.c.nothere.denial3.test.", .edns_size = 1232, .edns_do = 1 }, NULL, NSEC3_ZONE },
	{ "wildcard answer, NSEC3 zone, DO=1", { .qname = "host.wild.denial3.test.", .edns_size = 1232,
						 .edns_do = 1 }, NULL, NSEC3_ZONE },
};

/* The figure reported: the mean of the middle half of the runs (the clock
 * steps by 10 ns here, so a percentile moves in steps of 10), unless
 * PROG_BENCH_PERCENTILE names a percentile (a low one is steadier on a
 * bed shared with other work). */
static unsigned percentile;

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

enum measured { XDPCAST, BASELINE, EMPTY, MEASURED };

/* The figure of one program's sorted run times. */
static double statistic(double *ns, unsigned samples)
{
	double sum = 0;

	qsort(ns, samples, sizeof(*ns), cmp_double);
	if (percentile)
		return ns[(size_t)samples * percentile / 100];
	for (size_t i = samples / 4; i < samples - samples / 4; i++)
		sum += ns[i];
	return sum / (samples - 2 * (samples / 4));
}

/*
 * ns per packet of each program on the frame. One packet per call: with
 * .repeat the kernel runs the program again on the frame it has just
 * rewritten (an answer is addressed to the client, so the second run
 * would measure the pass path). The programs take turns in rounds of
 * ROUND runs: this VM's speed drifts over seconds, and all three must see
 * the same drift for the ratios to hold. A call of repeat runs is one
 * sample of their mean: samples / repeat calls measure as many runs.
 */
#define ROUND 1000
#define WARM_REPEAT 100
static void ns_per_packet(const int fds[MEASURED], const uint8_t *frame, size_t len, unsigned samples,
			  unsigned repeat, double result[MEASURED])
{
	unsigned round_calls = ROUND / repeat ?: 1;
	double *ns[MEASURED];
	uint8_t out[FRAME_MAX];

	samples /= repeat;
	samples = samples ? (samples + round_calls - 1) / round_calls * round_calls : round_calls;
	for (int p = 0; p < MEASURED; p++)
		ns[p] = calloc(samples, sizeof(*ns[p]));
	for (unsigned round = 0; round < samples; round += round_calls)
		for (int p = 0; p < MEASURED; p++)
			for (unsigned i = round; i < round + round_calls; i++) {
				LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = frame, .data_size_in = len,
					    .data_out = out, .data_size_out = sizeof(out), .repeat = repeat);

				if (bpf_prog_test_run_opts(fds[p], &opts)) {
					perror("bpf_prog_test_run_opts");
					exit(1);
				}
				ns[p][i] = opts.duration;
			}
	for (int p = 0; p < MEASURED; p++) {
		result[p] = statistic(ns[p], samples);
		free(ns[p]);
	}
}

/* Whether a run of the program hands the frame back as it was: then
 * WARM_REPEAT runs in one call each see the same packet. */
static bool leaves_frame(int fd, const uint8_t *frame, size_t len)
{
	uint8_t out[FRAME_MAX];
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = frame, .data_size_in = len, .data_out = out,
		    .data_size_out = sizeof(out), .repeat = 1);

	return !bpf_prog_test_run_opts(fd, &opts) && opts.data_size_out == len && !memcmp(out, frame, len);
}

/* The verifier's work on the program against its limit (the kernel's
 * BPF_COMPLEXITY_LIMIT_INSNS, test_program.h): a change that nears it fails to load on the
 * next kernel whose verifier walks a little more. */
static void report_verifier(int fd)
{
	struct bpf_prog_info info = { 0 };
	__u32 len = sizeof(info);

	if (bpf_obj_get_info_by_fd(fd, &info, &len)) {
		perror("prog_bench: bpf_obj_get_info_by_fd");
		return;
	}
	printf("\nxdpcast as loaded: the verifier processed %u instructions (%.0f %% of its limit of %u); "
	       "%u bytes of JIT image.\n", info.verified_insns, 100.0 * info.verified_insns / VERIFIER_LIMIT_INSNS,
	       VERIFIER_LIMIT_INSNS, info.jited_prog_len);
}

int main(int argc, char **argv)
{
	unsigned samples = argc > 1 ? atoi(argv[1]) : 100000;
	const char *only = argc > 2 ? argv[2] : NULL;    /* run only the paths whose name has this */
	const char *pct = getenv("PROG_BENCH_PERCENTILE");

	if (pct && atoi(pct) > 0 && atoi(pct) < 100)
		percentile = atoi(pct);
	struct baseline_bpf *base = baseline_bpf__open_and_load();
	struct xdp_pass_bpf *empty = xdp_pass_bpf__open_and_load();
	char err[512];
	const char *loaded = "tests/zones/example.test.zone";
	struct xdpcast_bpf *skel = test_program_load(loaded, err, sizeof(err));

	if (!skel || !base || !empty) {
		fprintf(stderr, "prog_bench: %s\n", !skel ? err : !base ? "cannot load the baseline" : "cannot load xdp_pass");
		return 1;
	}
	const int fds[MEASURED] = { [XDPCAST] = bpf_program__fd(skel->progs.xdpcast),
				    [BASELINE] = bpf_program__fd(base->progs.baseline),
				    [EMPTY] = bpf_program__fd(empty->progs.xdp_pass) };

	printf("| path | xdpcast ns/pkt | baseline ns/pkt | ratio | empty program ns/pkt | net ratio | "
	       "warm xdpcast | warm baseline | warm ratio |\n"
	       "|---|---:|---:|---:|---:|---:|---:|---:|---:|\n");
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint8_t frame[FRAME_MAX] = { 0 };
		double ns[MEASURED], warm[MEASURED];
		size_t len = build_query(&cases[i].query, frame);
		struct protection p;

		if (only && !strstr(cases[i].name, only))
			continue;
		/* Limits off, else the repetitions would measure the rate-limit
		 * drop; the rows that measure a limit switch theirs on. */
		protection_defaults(&p);
		memset(p.source, 0, sizeof(p.source));
		p.pass_budget.rate = p.icmp.rate = p.rrl.rate = 0;
		if (cases[i].adjust)
			cases[i].adjust(&p);
		if (cases[i].zone && strcmp(cases[i].zone, loaded) &&
		    test_program_publish(skel, (loaded = cases[i].zone), err, sizeof(err))) {
			fprintf(stderr, "prog_bench: %s\n", err);
			return 1;
		}
		if (test_program_protect(skel, &p, err, sizeof(err))) {
			fprintf(stderr, "prog_bench: %s\n", err);
			return 1;
		}
		protection_free(&p);
		ns_per_packet(fds, frame, len, samples, 1, ns);
		printf("| %s | %.1f | %.1f | %.2f | %.1f |", cases[i].name, ns[XDPCAST], ns[BASELINE],
		       ns[XDPCAST] / ns[BASELINE], ns[EMPTY]);
		if (ns[BASELINE] > ns[EMPTY])
			printf(" %.2f |", (ns[XDPCAST] - ns[EMPTY]) / (ns[BASELINE] - ns[EMPTY]));
		else
			printf(" n/a |");       /* the baseline read no dearer than the empty program */
		if (leaves_frame(fds[XDPCAST], frame, len)) {
			ns_per_packet(fds, frame, len, samples, WARM_REPEAT, warm);
			printf(" %.1f | %.1f | %.2f |\n", warm[XDPCAST], warm[BASELINE], warm[XDPCAST] / warm[BASELINE]);
		} else {
			printf(" | | |\n");     /* an answer: the next run would see it, not the query */
		}
	}
	report_verifier(fds[XDPCAST]);
	xdp_pass_bpf__destroy(empty);
	baseline_bpf__destroy(base);
	test_program_unload(skel);
	return 0;
}
