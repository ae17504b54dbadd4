// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/bpf.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <libknot/libknot.h>

#include "lookup.h"
#include "checksum.h"
#include "prefix.h"
#include "stats.h"

#define ETH_LEN 14

/* Whether a prefix's rules let a DNS query over UDP in. */
static bool admits_dns(const struct protected_prefix *scope)
{
	for (uint32_t i = 0; i < scope->rule_count && i < XDPCAST_ALLOW_MAX; i++)
		if (scope->allow[i].proto == IPPROTO_UDP && xdpcast_rule_admits_port(&scope->allow[i], 53))
			return true;
	return false;
}

int lookup_destination(int protected_fd, struct xdpcast_lpm_key *addr, char *err, size_t errlen)
{
	struct xdpcast_lpm_key keys[2], *key = NULL;
	struct protected_prefix scope;
	bool any = false;

	for (int n = 0; !bpf_map_get_next_key(protected_fd, key, &keys[n]); n ^= 1) {
		struct xdpcast_lpm_key host;

		key = &keys[n];
		any = true;
		*addr = *key;
		if (addr->prefixlen < 128)
			addr->addr[15] |= 1;    /* not the network address, unless the prefix is one address */
		/* The rules the program applies there: a prefix inside this one
		 * holding the address has its own. */
		host = *addr;
		host.prefixlen = 128;
		if (!bpf_map_lookup_elem(protected_fd, &host, &scope) && admits_dns(&scope))
			return 0;
	}
	snprintf(err, errlen, any ? "no anycast prefix lets DNS over UDP in (allow: udp/53)" :
		 "no anycast prefix is protected");
	return -1;
}

/* Why a name in presentation format is none, as its text tells (knot
 * says no more than NULL); NULL when the text alone does not (escapes). */
static const char *dname_problem(const char *text)
{
	size_t label = 0, wire = 1;     /* the root's length octet */

	if (!*text)
		return "it is empty";
	if (strchr(text, '\\'))
		return NULL;
	for (const char *c = text; *c; c++) {
		if (*c != '.' && ++label > KNOT_DNAME_MAXLABELLEN)
			return "a label is longer than 63 bytes";
		if (*c == '.' && !label && strcmp(text, "."))
			return "an empty label";
		if (*c == '.') {
			wire += label + 1;
			label = 0;
		}
	}
	wire += label ? label + 1 : 0;
	return wire > KNOT_DNAME_MAXLEN ? "longer than 255 bytes" : NULL;
}

/* Ethernet, IPv4 or IPv6 to dst, UDP to 53, and the query with EDNS. */
static size_t build_frame(uint8_t *frame, size_t size, const struct xdpcast_lpm_key *dst,
			  const char *qname, uint16_t qtype, bool dnssec_ok, char *err, size_t errlen)
{
	static const uint8_t probe4[16] = XDPCAST_PROBE_SOURCE4, probe6[16] = XDPCAST_PROBE_SOURCE6;
	int v4 = prefix_is_v4(dst);
	size_t ip_len = v4 ? 20 : 40, l4 = ETH_LEN + ip_len;
	uint8_t *ip = frame + ETH_LEN, *udp = frame + l4;
	knot_dname_t *name = knot_dname_from_str_alloc(qname);
	knot_rrset_t opt = { 0 };
	knot_pkt_t *pkt;
	uint16_t udp_len;

	if (!name) {
		const char *why = dname_problem(qname);

		snprintf(err, errlen, "'%s' is not a domain name%s%s", qname, why ? ": " : "", why ?: "");
		return 0;
	}
	memset(frame, 0, l4 + 8);
	frame[12] = v4 ? 0x08 : 0x86;
	frame[13] = v4 ? 0x00 : 0xdd;
	memset(udp + 8, 0, KNOT_WIRE_HEADER_SIZE);
	pkt = knot_pkt_new(udp + 8, size - l4 - 8, NULL);
	if (pkt && !knot_pkt_put_question(pkt, name, KNOT_CLASS_IN, qtype) && !knot_pkt_begin(pkt, KNOT_ADDITIONAL) &&
	    !knot_edns_init(&opt, XDPCAST_EDNS_UDP_SIZE, 0, 0, NULL) && dnssec_ok)
		knot_edns_set_do(&opt);
	if (!pkt || !opt.rrs.count || knot_pkt_put(pkt, 0, &opt, KNOT_PF_FREE)) {
		snprintf(err, errlen, "cannot build a query for '%s'", qname);
		knot_dname_free(name, NULL);
		knot_pkt_free(pkt);
		return 0;
	}
	udp_len = 8 + pkt->size;
	knot_dname_free(name, NULL);
	knot_pkt_free(pkt);

	if (v4) {
		ip[0] = 0x45;
		ip[2] = (20 + udp_len) >> 8;
		ip[3] = (20 + udp_len) & 0xff;
		ip[8] = 64;
		ip[9] = IPPROTO_UDP;
		memcpy(ip + 12, probe4 + 12, 4);
		memcpy(ip + 16, dst->addr + 12, 4);
		ip[10] = checksum_finish(checksum_add(0, ip, 20)) >> 8;
		ip[11] = checksum_finish(checksum_add(0, ip, 20)) & 0xff;
	} else {
		ip[0] = 0x60;
		ip[4] = udp_len >> 8;
		ip[5] = udp_len & 0xff;
		ip[6] = IPPROTO_UDP;
		ip[7] = 64;
		memcpy(ip + 8, probe6, 16);
		memcpy(ip + 24, dst->addr, 16);
	}
	udp[0] = 0xd4;                  /* source port 54321 */
	udp[1] = 0x31;
	udp[3] = 53;
	udp[4] = udp_len >> 8;
	udp[5] = udp_len & 0xff;
	{
		uint32_t sum = checksum_add(IPPROTO_UDP + udp_len, v4 ? ip + 12 : ip + 8, v4 ? 8 : 32);
		uint16_t check = checksum_finish(checksum_add(sum, udp, udp_len)) ?: 0xffff;

		udp[6] = check >> 8;
		udp[7] = check & 0xff;
	}
	return l4 + udp_len;
}

/* Runs of a query before a lookup names no reason: a run is run again when
 * its CPU counted more than it in the test-run slot meanwhile. */
#define LOOKUP_RUNS_MAX 8

/* The test-run slot's counters of every possible CPU, each CPU's at
 * counters_of (the map's value of the version that pinned it). */
static int test_run_slot(int stats_fd, unsigned char *percpu, char *err, size_t errlen)
{
	__u32 slot = XDPCAST_TEST_RUN_SLOT;

	if (bpf_map_lookup_elem(stats_fd, &slot, percpu)) {
		snprintf(err, errlen, "xdpcast_stats: reading the test-run slot: %s", strerror(errno));
		return -1;
	}
	return 0;
}

/* A CPU's counters in a reading of the pinned stats map: at cpu * stride,
 * of `stats_reasons` reasons (more or fewer than this build names when
 * another version pinned them; reasons are only appended). */
static const struct xdpcast_counter *counters_of(const unsigned char *percpu, const struct lookup_pins *pins, int cpu)
{
	return (const struct xdpcast_counter *)(percpu + cpu * pins->stats_stride);
}

/* The reason that moved by one packet when nothing else moved, else
 * XDPCAST_REASON_MAX (also for a reason this build does not name). */
static enum xdpcast_reason moved_alone(const struct xdpcast_counter *before, const struct xdpcast_counter *after,
				       size_t reasons)
{
	size_t reason = XDPCAST_REASON_MAX;
	__u64 moved = 0;

	for (size_t r = 0; r < reasons; r++) {
		__u64 delta = after[r].packets - before[r].packets;

		if (delta)
			reason = r;
		moved += delta;
	}
	return moved == 1 && reason < XDPCAST_REASON_MAX ? reason : XDPCAST_REASON_MAX;
}

/*
 * One run of the frame: its verdict and response in out, and its reason
 * when the CPU it ran on counted it alone. Other test runs (a health
 * round's probes, other lookups) count in the same slot, on their CPUs;
 * a run on one CPU from start to end, moving only its own count there,
 * is ours whatever they do.
 */
static int run_frame(const struct lookup_pins *pins, const uint8_t *frame, size_t len, unsigned char *before,
		     unsigned char *after, int cpus, struct lookup_result *out,
		     char *err, size_t errlen)
{
	uint8_t response[4096];
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = frame, .data_size_in = len, .data_out = response,
		    .data_size_out = sizeof(response), .repeat = 1);
	int cpu = sched_getcpu();

	out->reason = XDPCAST_REASON_MAX;
	out->dns_len = 0;
	if (test_run_slot(pins->stats, before, err, errlen))
		return -1;
	if (bpf_prog_test_run_opts(pins->prog, &opts)) {
		snprintf(err, errlen, "running the program: %s", strerror(errno));
		return -1;
	}
	if (test_run_slot(pins->stats, after, err, errlen))
		return -1;
	out->verdict = opts.retval;
	if (out->verdict == XDP_TX) {
		size_t ip_len = (response[12] == 0x08) ? 20 : 40;
		size_t off = ETH_LEN + ip_len + 8;

		if (opts.data_size_out > off && opts.data_size_out - off <= sizeof(out->dns)) {
			out->dns_len = opts.data_size_out - off;
			memcpy(out->dns, response + off, out->dns_len);
		}
	}
	if (cpu >= 0 && cpu < cpus && sched_getcpu() == cpu)
		out->reason = moved_alone(counters_of(before, pins, cpu), counters_of(after, pins, cpu), pins->stats_reasons);
	return 0;
}

int lookup_open(const char *pin_dir, struct lookup_pins *pins, char *err, size_t errlen)
{
	int protected = -1;

	pins->prog = pins->stats = -1;
	if ((pins->prog = pin_open(pin_dir, "xdpcast_prog", err, errlen)) < 0 ||
	    (pins->stats = pin_open(pin_dir, "xdpcast_stats", err, errlen)) < 0 ||
	    lookup_read_stats_shape(pins, err, errlen) ||
	    (protected = pin_open_map(pin_dir, "xdpcast_protected", sizeof(struct xdpcast_lpm_key),
				      sizeof(struct protected_prefix), err, errlen)) < 0 ||
	    lookup_destination(protected, &pins->destination, err, errlen)) {
		if (protected >= 0)
			close(protected);
		lookup_close(pins);
		return -1;
	}
	close(protected);
	return 0;
}

int lookup_read_stats_shape(struct lookup_pins *pins, char *err, size_t errlen)
{
	return percpu_array_items(pins->stats, "xdpcast_stats", sizeof(struct xdpcast_counter), &pins->stats_stride,
				  &pins->stats_reasons, err, errlen);
}

void lookup_close(struct lookup_pins *pins)
{
	if (pins->prog >= 0)
		close(pins->prog);
	if (pins->stats >= 0)
		close(pins->stats);
	pins->prog = pins->stats = -1;
}

int lookup_query(const struct lookup_pins *pins, const char *qname, uint16_t qtype, bool dnssec_ok,
		 struct lookup_result *out, char *err, size_t errlen)
{
	int cpus = libbpf_num_possible_cpus(), runs = 0, ret;
	unsigned char *before;
	uint8_t frame[2048];
	size_t len;

	memset(out, 0, sizeof(*out));
	len = build_frame(frame, sizeof(frame), &pins->destination, qname, qtype, dnssec_ok, err, errlen);
	if (!len)
		return -1;
	if (!pins->stats_stride) {
		snprintf(err, errlen, "xdpcast_stats: its shape was not read (lookup_read_stats_shape)");
		return -1;
	}
	before = cpus > 0 ? calloc(2 * (size_t)cpus, pins->stats_stride) : NULL;
	if (!before) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	do
		ret = run_frame(pins, frame, len, before, before + cpus * pins->stats_stride, cpus, out, err, errlen);
	while (!ret && out->reason == XDPCAST_REASON_MAX && ++runs < LOOKUP_RUNS_MAX);
	free(before);
	return ret;
}

int lookup_run(const char *pin_dir, const char *qname, uint16_t qtype, bool dnssec_ok, struct lookup_result *out,
	       char *err, size_t errlen)
{
	struct lookup_pins pins;
	int ret;

	memset(out, 0, sizeof(*out));
	if (lookup_open(pin_dir, &pins, err, errlen))
		return -1;
	ret = lookup_query(&pins, qname, qtype, dnssec_ok, out, err, errlen);
	lookup_close(&pins);
	return ret;
}
