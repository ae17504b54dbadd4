// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The XDP program on random and mutated frames through BPF_PROG_TEST_RUN,
 * loaded with the test zone (tests/zones/example.test.zone) and two signed
 * zones (tests/zones/denial*.test.signed, NSEC and NSEC3) and the rate
 * limits off. Frames start from queries the fixtures' builder makes (IPv4
 * and IPv6, VLAN tags, IPv4 options, IPv6 extension headers, EDNS with
 * NSID and cookies, names of the zone and around it), then get mutations:
 * IP versions, header lengths, IP and UDP lengths, checksums, truncation and
 * padding, label lengths, compression pointers, header bits and counts,
 * EDNS fields and options, random bytes; most have their checksums made
 * right again so that they reach the stages past the parser.
 *
 * Every result must hold:
 *   - no XDP_ABORTED, no unknown verdict;
 *   - XDP_PASS leaves the frame as it was;
 *   - XDP_TX never answers the probe source (blocklisted here) but in a
 *     test run's frame from the loopback device;
 *   - XDP_TX answers a well-formed query (IP version, IPv4 header checksum,
 *     IP and UDP lengths within the frame, UDP checksum, no IPv4 options but
 *     padding, no IPv6 extension header, one question that libknot parses,
 *     QR=0) sent to an anycast prefix in a unicast frame, and the answer is
 *     well formed (versions, checksums, lengths equal to the frame's), has
 *     the MACs, addresses and ports swapped, the query's ID and question
 *     bytes, QR=1, and parses with libknot;
 *   - over the run, each stats slot's counters moved by exactly the
 *     number of frames from its devices.
 *
 * Frames come from four devices (the context's ingress_ifindex), made in
 * a network namespace of the run's own: the loopback device test runs
 * come from by default, an interface the loader lists, a member of it
 * (as a bond's, in native mode) and a device the program runs on without
 * the loader listing it. Sources include the daemon's probe source.
 *
 *   prog_fuzz [--frames N | --seconds S] [--seed X] [--corpus DIR]
 *
 * The corpus (default tests/fuzz/corpus/prog) holds frames in hex, one per
 * file, that earlier runs found: each is run first, then mutated like the
 * built ones. A frame that breaks a rule is printed in hex (a fixture can
 * take it as .hex, the corpus as a file) and the run exits 1.
 */
#include <dirent.h>
#include <getopt.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <net/if.h>
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <libknot/libknot.h>

#include "checksum.h"
#include "clock.h"
#include "packet.h"
#include "prefix.h"
#include "reasons.h"
#include "test_program.h"

#define TEST_ZONE "tests/zones/example.test.zone"

/* And two signed zones: DO=1 queries get proofs of denial. */
static const char *const zones[] = {
	TEST_ZONE, "tests/zones/denial.test.signed", "tests/zones/denial3.test.signed",
};

static uint64_t rng_state;

/* xorshift64*: reproducible from --seed. */
static uint64_t rnd(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dULL;
}

static unsigned below(unsigned n)
{
	return n ? rnd() % n : 0;
}

static int chance(unsigned percent)
{
	return below(100) < percent;
}

static const char *const names[] = {
	"nothere.denial.test.", "a.b.zz.denial.test.", "host.wild.denial.test.", "child.denial.test.",
	"nothere.denial3.test.", "x.y.denial3.test.", "host.wild.denial3.test.", "leaf.ent.denial3.test.",
	"www.example.test.", "WwW.ExAmPlE.tEsT.", "example.test.", "mail.example.test.", "ns1.example.test.",
	"big.example.test.", "fit.example.test.", "_udp.example.test.", "ns.sub.example.test.",
	"x.y.sub.example.test.", "sub.example.test.", "host.wild.example.test.", "a.b.wild.example.test.",
	"alias.example.test.", "chain1.example.test.", "x.wc.example.test.", "dangling.example.test.",
	"loop1.example.test.", "nothere.example.test.", "a.b.c.d.e.example.test.", "example.org.", "id.server.",
	"version.bind.", ".", "a.very.long.name.with.many.labels.to.walk.through.in.the.fast.path."
	"and.still.be.answered.correctly.example.test.",
};
static const uint16_t qtypes[] = {
	KNOT_RRTYPE_A, KNOT_RRTYPE_AAAA, KNOT_RRTYPE_MX, KNOT_RRTYPE_TXT, KNOT_RRTYPE_NS, KNOT_RRTYPE_SOA,
	KNOT_RRTYPE_CNAME, KNOT_RRTYPE_DS, KNOT_RRTYPE_SRV, KNOT_RRTYPE_ANY, KNOT_RRTYPE_OPT, 0,
};
static const char *const sources4[] = { "198.51.100.2", "203.0.113.7", "192.0.2.9", "10.1.2.3", TEST_PROBE_SOURCE4 };
static const char *const sources6[] = { "2001:db8:1::2", "2001:db8:2::9", "fe80::1", "2001:db8:53::1", TEST_PROBE_SOURCE6 };
static const uint8_t cookie[40] = { 0x24, 0x64, 0xc4, 0xab, 0xcf, 0x10, 0xc9, 0x57, 1, 0, 0, 0, 0x5e, 0x1e };

/* A query shape the builder makes, chosen at random. */
static size_t random_query(uint8_t *frame)
{
	static const size_t cookie_lengths[] = { 8, 16, 24, 40, 12 };
	struct query_spec spec = { 0 };
	int v6 = chance(40);

	spec.family = v6 ? 6 : 4;
	spec.vlan_tags = below(3);
	spec.ipv4_option_bytes = v6 || !chance(15) ? 0 : 4 * (1 + below(10));
	spec.ipv6_ext_headers = v6 && chance(15);
	spec.src = chance(90) ? (v6 ? sources6[0] : sources4[0]) : (v6 ? sources6 : sources4)[below(5)];
	spec.dst = chance(95) ? NULL : v6 ? "2001:db8:1::1" : "198.51.100.1";
	spec.sport = chance(90) ? 40000 + (int)below(20000) : chance(5) ? -1 : (int)below(65536);
	spec.qname = names[below(sizeof(names) / sizeof(names[0]))];
	spec.qtype = chance(90) ? qtypes[below(sizeof(qtypes) / sizeof(qtypes[0]))] : below(65536);
	spec.qclass = chance(90) ? KNOT_CLASS_IN : chance(50) ? KNOT_CLASS_CH : below(65536);
	spec.flags = chance(80) ? 0x0100 : below(65536);
	spec.qdcount = chance(95) ? 1 : chance(50) ? -1 : 2;
	if (chance(60)) {
		spec.edns_size = chance(80) ? 1232 : below(65536) ?: 512;
		spec.edns_do = chance(30);
		spec.edns_version = chance(90) ? 0 : below(256);
		spec.edns_nsid = chance(30);
		if (chance(30)) {
			spec.cookie = cookie;
			spec.cookie_len = cookie_lengths[below(5)];
		}
	}
	spec.padding = chance(10) ? below(40) : 0;
	return build_query(&spec, frame);
}

/* Offsets in a frame as built: where IP, UDP and DNS start (0: none). */
struct layout {
	size_t ip, udp, dns, end;
	int v6;
};

static struct layout find_layout(const uint8_t *frame, size_t len)
{
	struct frame_info info;
	struct layout l = { 0 };

	if (check_frame(frame, len, FRAME_AS_RECEIVED, &info))
		return l;
	l.ip = info.l2_len;
	l.udp = info.udp - frame;
	l.dns = info.dns - frame;
	l.end = l.dns + info.dns_len;
	l.v6 = info.family == 6;
	return l;
}

/* The IPv4 header checksum and the UDP checksum made right for what the
 * headers now say, where they can be found inside the frame. */
static void fix_checksums(uint8_t *frame, size_t len, const struct layout *l)
{
	uint8_t *ip = frame + l->ip, *udp = frame + l->udp;
	size_t udp_len;
	uint32_t sum;

	if (!l->ip || l->udp + 8 > len)
		return;
	if (!l->v6 && (ip[0] & 0xf) >= 5 && l->ip + (ip[0] & 0xf) * 4 <= len) {
		ip[10] = ip[11] = 0;
		sum = checksum_finish(checksum_add(0, ip, (ip[0] & 0xf) * 4));
		ip[10] = sum >> 8;
		ip[11] = sum & 0xff;
	}
	udp_len = udp[4] << 8 | udp[5];
	if (udp_len < 8 || l->udp + udp_len > len)
		return;
	udp[6] = udp[7] = 0;
	sum = checksum_add(0, l->v6 ? ip + 8 : ip + 12, l->v6 ? 32 : 8) + IPPROTO_UDP + udp_len;
	sum = checksum_finish(checksum_add(sum, udp, udp_len)) ?: 0xffff;
	udp[6] = sum >> 8;
	udp[7] = sum & 0xff;
}

/* The offsets of the qname's length bytes, up to max. */
static size_t label_offsets(const uint8_t *frame, const struct layout *l, size_t *out, size_t max)
{
	size_t n = 0, off = l->dns + 12;

	while (off < l->end && n < max && frame[off] && frame[off] < 64) {
		out[n++] = off;
		off += frame[off] + 1;
	}
	if (off < l->end && n < max)
		out[n++] = off;
	return n;
}

static void mutate(uint8_t *frame, size_t *len, const struct layout *l)
{
	size_t labels[64], n, off;
	uint8_t *ip = frame + l->ip, *udp = frame + l->udp, *dns = frame + l->dns;

	switch (below(14)) {
	case 0:         /* any byte */
		frame[below(*len)] = rnd();
		break;
	case 1:         /* a bit in the headers */
		frame[below(l->dns ? l->dns + 12 : *len)] ^= 1 << below(8);
		break;
	case 2:         /* the IP version */
		if (l->ip)
			ip[0] = (below(16) << 4) | (ip[0] & 0xf);
		break;
	case 3:         /* IPv4 header length, IPv6 next header */
		if (l->ip && !l->v6)
			ip[0] = (ip[0] & 0xf0) | below(16);
		else if (l->ip)
			ip[6] = chance(50) ? (uint8_t[]){ 0, 43, 44, 60, 17, 6, 58 }[below(7)] : rnd();
		break;
	case 4: {       /* the IP length */
		size_t at = l->v6 ? 4 : 2;
		uint16_t v = (ip[at] << 8 | ip[at + 1]) + (int)below(33) - 16;

		if (l->ip) {
			ip[at] = v >> 8;
			ip[at + 1] = v & 0xff;
		}
		break;
	}
	case 5: {       /* the UDP length */
		uint16_t v = (udp[4] << 8 | udp[5]) + (int)below(33) - 16;

		if (l->udp) {
			udp[4] = v >> 8;
			udp[5] = v & 0xff;
		}
		break;
	}
	case 6:         /* cut the frame short, or pad it */
		if (chance(50) && *len > 14)
			*len -= 1 + below(*len - 14 < 40 ? *len - 14 : 40);
		else if (*len + 64 < FRAME_MAX)
			for (unsigned i = 0, k = below(64); i < k; i++)
				frame[(*len)++] = chance(50) ? 0 : rnd();
		break;
	case 7:         /* a label length byte */
		if (l->dns && (n = label_offsets(frame, l, labels, 64)))
			frame[labels[below(n)]] = (uint8_t[]){ 0, 1, 2, 63, 64, 0x80, 0xc0, 0xff }[below(8)];
		break;
	case 8:         /* a compression pointer where a label was */
		if (l->dns && (n = label_offsets(frame, l, labels, 64)) && labels[n - 1] + 2 <= *len) {
			off = labels[below(n)];
			frame[off] = 0xc0 | below(0x40);
			frame[off + 1] = chance(50) ? 12 : rnd();
		}
		break;
	case 9:         /* header bits and counts */
		if (l->dns && l->dns + 12 <= *len)
			dns[2 + below(10)] ^= chance(50) ? 1u << below(8) : below(4);
		break;
	case 10:        /* a byte of the question or what follows it */
		if (l->dns && l->end > l->dns + 12)
			frame[l->dns + 12 + below(l->end - l->dns - 12)] = rnd();
		break;
	case 11:        /* EDNS: one of the last 30 bytes (the OPT record and its options) */
		if (l->dns && l->end > l->dns + 12)
			frame[l->end - 1 - below(l->end - l->dns - 12 < 30 ? l->end - l->dns - 12 : 30)] =
				chance(50) ? rnd() : below(16);
		break;
	case 12:        /* a VLAN tag in front of the IP header (if a cut left it) */
		if (l->ip && l->ip <= *len && *len + 4 < FRAME_MAX) {
			memmove(frame + l->ip + 2, frame + l->ip - 2, *len - l->ip + 2);
			frame[l->ip - 2] = 0x81;
			frame[l->ip - 1] = 0x00;
			frame[l->ip] = 0;
			frame[l->ip + 1] = below(4096) & 0xff;
			*len += 4;
		}
		break;
	default:        /* bytes in a row */
		off = below(*len);
		for (unsigned i = 0, k = 1 + below(8); i < k && off + i < *len; i++)
			frame[off + i] = rnd();
		break;
	}
}

static int in_anycast(const struct frame_info *q)
{
	static const uint8_t anycast6[6] = { 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x53 };
	const uint8_t *ip = q->udp - q->ip_len;

	return q->family == 4 ? ip[16] == 192 && ip[17] == 0 && ip[18] == 2 : !memcmp(ip + 24, anycast6, 6);
}

static int from_probe_source(const struct frame_info *q)
{
	static const uint8_t probe4[16] = XDPCAST_PROBE_SOURCE4, probe6[16] = XDPCAST_PROBE_SOURCE6;
	const uint8_t *ip = q->udp - q->ip_len;

	return q->family == 4 ? !memcmp(ip + 12, probe4 + 12, 4) : !memcmp(ip + 8, probe6, 16);
}

/* IPv4 options all NOP up to the end or an EOL, and no IPv6 extension header. */
static int options_are_padding(const struct frame_info *q)
{
	const uint8_t *opt = q->udp - q->ip_len + 20;

	if (q->family == 6)
		return q->ip_len == 40;
	for (size_t i = 0; i < q->ip_len - 20 && opt[i]; i++)
		if (opt[i] != 1)
			return 0;
	return 1;
}

static const char *parses(const uint8_t *dns, size_t len)
{
	uint8_t copy[FRAME_MAX];
	knot_pkt_t *pkt;
	int ret;

	memcpy(copy, dns, len);
	pkt = knot_pkt_new(copy, len, NULL);
	if (!pkt)
		return "out of memory";
	ret = knot_pkt_parse(pkt, 0);
	knot_pkt_free(pkt);
	return ret == KNOT_EOK ? NULL : knot_strerror(ret);
}

/* Frames of the corpus directory. */
static struct {
	uint8_t frame[FRAME_MAX];
	size_t len;
} corpus[256];
static size_t corpus_count;

/* In name order: a --seed replays the same frames on any filesystem. */
static void read_corpus(const char *dir)
{
	struct dirent **entries;
	int count = scandir(dir, &entries, NULL, alphasort);

	for (int i = 0; i < count; i++) {
		char path[512], hex[2 * FRAME_MAX + 2];
		size_t n = 0;
		FILE *f;

		snprintf(path, sizeof(path), "%s/%s", dir, entries[i]->d_name);
		if (corpus_count < sizeof(corpus) / sizeof(corpus[0]) && entries[i]->d_name[0] != '.' &&
		    (f = fopen(path, "r"))) {
			if (fscanf(f, "%4097s", hex) == 1)
				for (; hex[2 * n] && hex[2 * n + 1] && n < FRAME_MAX; n++)
					sscanf(hex + 2 * n, "%2hhx", &corpus[corpus_count].frame[n]);
			fclose(f);
			if (n >= 14)
				corpus[corpus_count++].len = n;
		}
		free(entries[i]);
	}
	if (count > 0)
		free(entries);
}

static char problem[512];

/* NULL when the result keeps every rule, else which it breaks. */
static const char *check_result(const uint8_t *in, size_t in_len, const uint8_t *out, size_t out_len, int verdict,
				bool from_loopback)
{
	struct frame_info q, r;
	const char *why;
	size_t question;

	if (verdict == XDP_PASS)
		return out_len == in_len && !memcmp(in, out, in_len) ? NULL : "XDP_PASS changed the frame";
	if (verdict == XDP_DROP)
		return NULL;
	if (verdict != XDP_TX)
		return verdict == XDP_ABORTED ? "XDP_ABORTED" : "an unknown verdict";
	if ((why = check_frame(in, in_len, FRAME_AS_RECEIVED, &q))) {
		snprintf(problem, sizeof(problem), "answered a query the kernel would drop: %s", why);
		return problem;
	}
	if (!in_anycast(&q))
		return "answered a query to an address it does not protect";
	if (from_probe_source(&q) && !from_loopback)
		return "answered the probe source, blocklisted, on a device: only test runs may skip the blocklist";
	if (in[0] & 1)
		return "answered a query in a group (multicast or broadcast) frame: the answer's source MAC is the group's";
	if (!options_are_padding(&q))
		return "answered a query with IP options or extension headers only the kernel can judge";
	if (q.dns_len < 12 || knot_wire_get_qr(q.dns) || knot_wire_get_qdcount(q.dns) != 1)
		return "answered something that is not a query with one question";
	if ((why = parses(q.dns, q.dns_len))) {
		snprintf(problem, sizeof(problem), "answered a query libknot does not parse: %s", why);
		return problem;
	}
	if ((why = check_frame(out, out_len, FRAME_AS_SENT, &r))) {
		snprintf(problem, sizeof(problem), "the answer is malformed: %s", why);
		return problem;
	}
	if (r.family != q.family || r.l2_len != q.l2_len || memcmp(out, in + 6, 6) || memcmp(out + 6, in, 6) ||
	    memcmp(out + 12, in + 12, q.l2_len - 12))
		return "the answer's Ethernet header is not the query's, MACs swapped";
	if (q.family == 4 ? memcmp(r.udp - 8, q.udp - q.ip_len + 16, 4) || memcmp(r.udp - 4, q.udp - q.ip_len + 12, 4) :
			    memcmp(r.udp - 32, q.udp - q.ip_len + 24, 16) || memcmp(r.udp - 16, q.udp - q.ip_len + 8, 16))
		return "the answer's addresses are not the query's, swapped";
	if (memcmp(r.udp, q.udp + 2, 2) || memcmp(r.udp + 2, q.udp, 2))
		return "the answer's ports are not the query's, swapped";
	if (!r.udp[2] && !r.udp[3])
		return "answered to port 0";
	question = knot_dname_size(q.dns + 12) + 4;
	if (r.dns_len < 12 + question || memcmp(r.dns, q.dns, 2) || memcmp(r.dns + 12, q.dns + 12, question))
		return "the answer's ID or question is not the query's";
	if (!knot_wire_get_qr(r.dns))
		return "the answer has QR=0";
	if ((why = parses(r.dns, r.dns_len))) {
		snprintf(problem, sizeof(problem), "the answer does not parse with libknot: %s", why);
		return problem;
	}
	return NULL;
}

static void print_hex(const char *what, const uint8_t *p, size_t len)
{
	fprintf(stderr, "%s (%zu bytes): ", what, len);
	for (size_t i = 0; i < len; i++)
		fprintf(stderr, "%02x", p[i]);
	fputc('\n', stderr);
}

/* The probe source blocklisted: on a device it must be dropped; in test
 * runs from the loopback device the blocklist skips it. */
static int block_probe_source(struct protection *p, char *err, size_t errlen)
{
	static const char *const probes[] = { TEST_PROBE_SOURCE4 "/32", TEST_PROBE_SOURCE6 "/128" };
	struct xdpcast_lpm_key key;

	for (size_t i = 0; i < sizeof(probes) / sizeof(probes[0]); i++)
		if (prefix_parse(probes[i], &key, err, errlen) || prefix_list_add(&p->blocklist, &key)) {
			snprintf(err, errlen, "cannot blocklist %s", probes[i]);
			return -1;
		}
	return 0;
}

/* The devices frames come from, and the stats slot each counts in. */
#define LISTED_SLOT 2
enum device { LOOPBACK, LISTED, MEMBER, UNLISTED, DEVICES };
static const char *const device_names[DEVICES] = { "lo", "xdpcast-f0", "xdpcast-f2", "xdpcast-f4" };
static const __u32 device_slots[DEVICES] = { XDPCAST_TEST_RUN_SLOT, LISTED_SLOT, LISTED_SLOT, XDPCAST_TEST_RUN_SLOT };
static __u32 device_ifindex[DEVICES];

/* Makes the devices in a network namespace of this process's own (they
 * go with it) and tells the program which is listed and which a member. */
static int make_devices(struct xdpcast_bpf *skel)
{
	if (unshare(CLONE_NEWNET)) {
		fprintf(stderr, "prog_fuzz: a network namespace of its own: %s\n", strerror(errno));
		return -1;
	}
	if (system("ip link add xdpcast-f0 type veth peer name xdpcast-f1 && "
		   "ip link add xdpcast-f2 type veth peer name xdpcast-f3 && "
		   "ip link add xdpcast-f4 type veth peer name xdpcast-f5")) {
		fprintf(stderr, "prog_fuzz: could not make its veth devices\n");
		return -1;
	}
	for (int d = 0; d < DEVICES; d++)
		if (!(device_ifindex[d] = if_nametoindex(device_names[d]))) {
			fprintf(stderr, "prog_fuzz: %s: %s\n", device_names[d], strerror(errno));
			return -1;
		}
	skel->bss->iface_ifindex[LISTED_SLOT] = device_ifindex[LISTED];
	skel->bss->member_ifindex[0] = device_ifindex[MEMBER];
	skel->bss->member_slot[0] = LISTED_SLOT;
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "frames", required_argument, NULL, 'n' },
		{ "seconds", required_argument, NULL, 's' },
		{ "seed", required_argument, NULL, 'r' },
		{ "corpus", required_argument, NULL, 'c' },
		{ NULL, 0, NULL, 0 },
	};
	const char *corpus_dir = "tests/fuzz/corpus/prog";
	uint64_t frames = 0, limit = 0, verdicts[4] = { 0 };
	__u64 counted_before[XDPCAST_STATS_SLOTS], counted_after[XDPCAST_STATS_SLOTS], wanted[XDPCAST_STATS_SLOTS] = { 0 };
	double seconds = 0, start = clock_monotonic();
	struct xdpcast_bpf *skel;
	struct protection p;
	char err[512];
	int opt, prog;

	rng_state = time(NULL);
	while ((opt = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		if (opt == 'n')
			limit = strtoull(optarg, NULL, 10);
		else if (opt == 's')
			seconds = strtod(optarg, NULL);
		else if (opt == 'r')
			rng_state = strtoull(optarg, NULL, 0);
		else if (opt == 'c')
			corpus_dir = optarg;
		else
			return 2;
	}
	if (!limit && !seconds)
		limit = 100000;
	printf("seed %llu\n", (unsigned long long)rng_state);
	rng_state = rng_state * 0x9e3779b97f4a7c15ULL + 1;   /* never 0 for xorshift */
	skel = test_program_load(TEST_ZONE, err, sizeof(err));
	if (!skel || test_program_publish_zones(skel, zones, sizeof(zones) / sizeof(zones[0]), err, sizeof(err))) {
		fprintf(stderr, "prog_fuzz: %s\n", err);
		return 1;
	}
	if (make_devices(skel))
		return 1;
	/* Limits off: rate limiting would turn most frames into drops. */
	protection_defaults(&p);
	memset(p.source, 0, sizeof(p.source));
	p.pass_budget.rate = p.icmp.rate = p.path_mtu.rate = p.rrl.rate = 0;
	if (block_probe_source(&p, err, sizeof(err)) || test_program_protect(skel, &p, err, sizeof(err))) {
		fprintf(stderr, "prog_fuzz: %s\n", err);
		return 1;
	}
	protection_free(&p);
	prog = bpf_program__fd(skel->progs.xdpcast);
	if (test_program_slot_packets(skel, counted_before, err, sizeof(err))) {
		fprintf(stderr, "prog_fuzz: %s\n", err);
		return 1;
	}
	read_corpus(corpus_dir);

	while (limit ? frames < limit : clock_monotonic() - start < seconds) {
		uint8_t in[FRAME_MAX] = { 0 }, out[FRAME_MAX];
		int from_corpus = corpus_count && (frames < corpus_count || chance(10));
		size_t pick = frames < corpus_count ? frames : below(corpus_count), len;
		/* From the frame's number, not the generator: a seed replays the same frames. */
		enum device device = frames % 2 ? LOOPBACK : (enum device)(LISTED + frames / 2 % 3);
		struct xdp_md ctx = { .ingress_ifindex = device_ifindex[device] };
		struct layout l;
		const char *why;

		if (from_corpus)
			memcpy(in, corpus[pick].frame, len = corpus[pick].len);
		else
			len = random_query(in);
		l = find_layout(in, len);
		for (unsigned m = 0, count = frames < corpus_count ? 0 : below(5); m < count; m++)
			mutate(in, &len, &l);
		if (!from_corpus && chance(70))
			fix_checksums(in, len, &l);
		if (len < 14)
			len = 14;
		ctx.data_end = len;
		LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = in, .data_size_in = len, .data_out = out,
			    .data_size_out = sizeof(out), .repeat = 1, .ctx_in = &ctx, .ctx_size_in = sizeof(ctx));
		if (bpf_prog_test_run_opts(prog, &opts)) {
			print_hex("frame", in, len);
			fprintf(stderr, "prog_fuzz: BPF_PROG_TEST_RUN failed: %s\n", strerror(errno));
			return 1;
		}
		frames++;
		wanted[device_slots[device]]++;
		verdicts[opts.retval < 4 ? opts.retval : 0]++;
		why = check_result(in, len, out, opts.data_size_out, opts.retval, device == LOOPBACK);
		if (why) {
			print_hex("frame", in, len);
			if (opts.retval == XDP_TX)
				print_hex("answer", out, opts.data_size_out);
			fprintf(stderr, "prog_fuzz: frame %llu from %s: %s\n", (unsigned long long)frames,
				device_names[device], why);
			return 1;
		}
	}
	if (test_program_slot_packets(skel, counted_after, err, sizeof(err))) {
		fprintf(stderr, "prog_fuzz: %s\n", err);
		return 1;
	}
	for (int slot = 0; slot < XDPCAST_STATS_SLOTS; slot++)
		if (counted_after[slot] - counted_before[slot] != wanted[slot]) {
			fprintf(stderr, "prog_fuzz: slot %d: %llu frames, %llu counted\n", slot,
				(unsigned long long)wanted[slot],
				(unsigned long long)(counted_after[slot] - counted_before[slot]));
			return 1;
		}
	printf("%llu frames (%zu from the corpus first) in %.1f s: %llu answered (XDP_TX), %llu passed, "
	       "%llu dropped; every rule held\n", (unsigned long long)frames, corpus_count,
	       clock_monotonic() - start, (unsigned long long)verdicts[XDP_TX],
	       (unsigned long long)verdicts[XDP_PASS], (unsigned long long)verdicts[XDP_DROP]);
	xdpcast_bpf__destroy(skel);
	return 0;
}
