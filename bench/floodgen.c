// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * floodgen: the floods xdpcast must survive, written as raw Ethernet frames
 * onto one interface (AF_PACKET), bounded in count and time. Sources are
 * drawn at random from a prefix, so a flood can come from one host, one
 * /24, or a million spoofed addresses. Used by tests/e2e/test_flood.sh and
 * bench/run.sh; it only ever writes to the interface it is given.
 *
 *   floodgen --iface IF --dst-mac MAC --dst ADDR --src PREFIX --kind KIND
 *            [--count N] [--seconds S] [--rate PPS] [--qname NAME] [--seed N]
 *            [--dnssec] [--trailer N]
 *
 * Kinds: random-qname (water torture: <random>.NAME, A), query (NAME, A),
 * fragment (IPv4 first fragments or IPv6 fragment headers to port 53),
 * reflection (NTP-sized replies from port 123 to random ports), malformed
 * (a UDP/53 payload too short for a DNS header).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "checksum.h"
#include "prefix.h"

#define FRAME_MAX 1514
#define BATCH     64
#define MONLIST_REPLY 468       /* the reflection's payload: a monlist reply's size */
/* The room the longest frame (an IPv6 reflection) leaves for --trailer. */
#define TRAILER_MAX (FRAME_MAX - 14 - 40 - 8 - MONLIST_REPLY)

enum kind { RANDOM_QNAME, QUERY, FRAGMENT, REFLECTION, MALFORMED };

struct flood {
	enum kind kind;
	uint8_t dst_mac[6], src_mac[6];
	struct xdpcast_lpm_key src, dst;
	int ipv4;
	uint8_t qname[256];
	size_t qname_len;
	int dnssec;             /* queries carry EDNS with DO=1 */
	size_t trailer;         /* zero octets after the IP datagram */
	uint64_t rng;
};

static const char usage[] =
"Usage: floodgen --iface IF --dst-mac MAC --dst ADDR --src PREFIX --kind KIND\n"
"                [--count N] [--seconds S] [--rate PPS] [--qname NAME] [--seed N]\n"
"\n"
"Writes a bounded flood of crafted frames onto IF (AF_PACKET).\n"
"  --kind random-qname|query|fragment|reflection|malformed\n"
"  --src PREFIX     sources are random addresses inside PREFIX (a host: one)\n"
"  --count N        stop after N frames (default 100000)\n"
"  --seconds S      stop after S seconds (default 10)\n"
"  --rate PPS       frames per second (default 0: as fast as possible)\n"
"  --qname NAME     the name queried, or the suffix of random names\n"
"                   (default example.test)\n"
"  --dnssec         queries with EDNS (1232 octets) and DO=1\n"
"  --trailer N      N zero octets after each IP datagram (Ethernet padding,\n"
"                   which IP ignores; at most 984): room for a larger response in a\n"
"                   virtual link's tight frames, as a NIC's buffers have\n";

static uint64_t next_random(struct flood *f)
{
	f->rng ^= f->rng << 13;
	f->rng ^= f->rng >> 7;
	f->rng ^= f->rng << 17;
	return f->rng;
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v;
}

/* A random address inside the source prefix. */
static void pick_source(struct flood *f, uint8_t addr[16])
{
	uint64_t r1 = next_random(f), r2 = next_random(f);

	memcpy(addr, f->src.addr, 16);
	for (unsigned bit = f->src.prefixlen; bit < 128; bit++) {
		uint64_t r = bit < 64 ? r1 >> bit : r2 >> (bit - 64);

		if (r & 1)
			addr[bit / 8] |= 0x80 >> (bit % 8);
	}
}

static size_t dns_query(struct flood *f, uint8_t *p)
{
	size_t len = 12;

	memset(p, 0, 12);
	put16(p, next_random(f));
	put16(p + 4, 1);
	if (f->kind == RANDOM_QNAME) {
		uint64_t r = next_random(f);

		p[len++] = 12;
		for (int i = 0; i < 12; i++, r >>= 5)
			p[len++] = "abcdefghijklmnopqrstuvwxyz012345"[r & 31];
	}
	memcpy(p + len, f->qname, f->qname_len);
	len += f->qname_len;
	put16(p + len, 1);              /* A */
	put16(p + len + 2, 1);          /* IN */
	len += 4;
	if (f->dnssec) {
		static const uint8_t opt[11] = { 0, 0, 41, 1232 >> 8, 1232 & 0xff, 0, 0, 0x80, 0, 0, 0 };

		put16(p + 10, 1);       /* ARCOUNT */
		memcpy(p + len, opt, sizeof(opt));
		len += sizeof(opt);
	}
	return len;
}

/* One frame of the flood; returns its length. */
static size_t build_frame(struct flood *f, uint8_t *frame)
{
	uint8_t *ip = frame + 14, *l4, src[16];
	size_t ip_len = f->ipv4 ? 20 : 40, l4_len, payload_len = 0;
	uint16_t sport = 1024 + next_random(f) % 64000, dport = 53;
	uint8_t *payload;
	int fragment = f->kind == FRAGMENT;

	memcpy(frame, f->dst_mac, 6);
	memcpy(frame + 6, f->src_mac, 6);
	put16(frame + 12, f->ipv4 ? ETHERTYPE_IP : ETHERTYPE_IPV6);
	pick_source(f, src);
	if (!f->ipv4 && fragment)
		ip_len += 8;
	l4 = ip + ip_len;
	payload = l4 + 8;

	switch (f->kind) {
	case RANDOM_QNAME:
	case QUERY:
	case FRAGMENT:
		payload_len = dns_query(f, payload);
		break;
	case REFLECTION:
		sport = 123;
		dport = 1024 + next_random(f) % 64000;
		payload_len = MONLIST_REPLY;
		memset(payload, 0x17, payload_len);
		break;
	case MALFORMED:
		payload_len = 5;
		memset(payload, 0, payload_len);
		break;
	}
	l4_len = 8 + payload_len;
	put16(l4, sport);
	put16(l4 + 2, dport);
	put16(l4 + 4, l4_len);
	put16(l4 + 6, 0);

	if (f->ipv4) {
		memset(ip, 0, 20);
		ip[0] = 0x45;
		put16(ip + 2, 20 + l4_len);
		put16(ip + 6, fragment ? 0x2000 : 0x4000);      /* MF, or DF */
		ip[8] = 64;
		ip[9] = IPPROTO_UDP;
		memcpy(ip + 12, src + 12, 4);
		memcpy(ip + 16, f->dst.addr + 12, 4);
		put16(ip + 10, checksum_finish(checksum_add(0, ip, 20)));
		put16(l4 + 6, checksum_finish(checksum_add(checksum_add(IPPROTO_UDP + l4_len, ip + 12, 8), l4, l4_len)) ?: 0xffff);
	} else {
		memset(ip, 0, 40);
		ip[0] = 0x60;
		put16(ip + 4, ip_len - 40 + l4_len);
		ip[6] = fragment ? 44 : IPPROTO_UDP;
		ip[7] = 64;
		memcpy(ip + 8, src, 16);
		memcpy(ip + 24, f->dst.addr, 16);
		if (fragment) {
			memset(ip + 40, 0, 8);
			ip[40] = IPPROTO_UDP;
			ip[43] = 1;     /* offset 0, more fragments */
		}
		put16(l4 + 6, checksum_finish(checksum_add(checksum_add(IPPROTO_UDP + l4_len, ip + 8, 32), l4, l4_len)) ?: 0xffff);
	}
	memset(l4 + l4_len, 0, f->trailer);
	return 14 + ip_len + l4_len + f->trailer;
}

static int parse_mac(const char *text, uint8_t mac[6])
{
	return sscanf(text, "%hhx:%hhx:%hhx:%hhx:%hhx:%hhx", &mac[0], &mac[1], &mac[2], &mac[3], &mac[4],
		      &mac[5]) == 6 ? 0 : -1;
}

static int parse_kind(const char *text, enum kind *kind)
{
	static const char *const names[] = { "random-qname", "query", "fragment", "reflection", "malformed" };

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(text, names[i]) == 0) {
			*kind = i;
			return 0;
		}
	return -1;
}

static double now_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int die(const char *what, const char *detail)
{
	fprintf(stderr, "floodgen: %s%s%s\n", what, detail ? ": " : "", detail ? detail : "");
	return 1;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "iface", required_argument, NULL, 'i' }, { "dst-mac", required_argument, NULL, 'm' },
		{ "dst", required_argument, NULL, 'd' },   { "src", required_argument, NULL, 's' },
		{ "kind", required_argument, NULL, 'k' },  { "count", required_argument, NULL, 'n' },
		{ "seconds", required_argument, NULL, 't' }, { "rate", required_argument, NULL, 'r' },
		{ "qname", required_argument, NULL, 'q' }, { "seed", required_argument, NULL, 'S' },
		{ "dnssec", no_argument, NULL, 'D' },      { "trailer", required_argument, NULL, 'T' },
		{ "help", no_argument, NULL, 'h' },        { NULL, 0, NULL, 0 },
	};
	struct flood f = { .rng = 0x9e3779b97f4a7c15ULL };
	const char *iface = NULL, *qname = "example.test", *dst_mac = NULL, *dst = NULL, *src = NULL, *kind = NULL;
	unsigned long long count = 100000, sent = 0, rate = 0;
	double seconds = 10, start, elapsed;
	static uint8_t frames[BATCH][FRAME_MAX];
	struct sockaddr_ll sll = { .sll_family = AF_PACKET };
	struct xdpcast_lpm_key host;
	char err[256];
	int c, fd;

	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'i': iface = optarg; break;
		case 'm': dst_mac = optarg; break;
		case 'd': dst = optarg; break;
		case 's': src = optarg; break;
		case 'k': kind = optarg; break;
		case 'n': count = strtoull(optarg, NULL, 10); break;
		case 't': seconds = strtod(optarg, NULL); break;
		case 'r': rate = strtoull(optarg, NULL, 10); break;
		case 'q': qname = optarg; break;
		case 'S': f.rng ^= strtoull(optarg, NULL, 10) * 0xbf58476d1ce4e5b9ULL; break;
		case 'D': f.dnssec = 1; break;
		case 'T': f.trailer = strtoull(optarg, NULL, 10); break;
		case 'h': fputs(usage, stdout); return 0;
		default: fputs(usage, stderr); return 1;
		}
	}
	if (!iface || !dst_mac || !dst || !src || !kind)
		return die("--iface, --dst-mac, --dst, --src and --kind are required", NULL);
	if (parse_mac(dst_mac, f.dst_mac))
		return die("--dst-mac: not a MAC address", dst_mac);
	if (parse_kind(kind, &f.kind))
		return die("--kind: not a flood kind", kind);
	if (prefix_parse(dst, &host, err, sizeof(err)) || prefix_parse(src, &f.src, err, sizeof(err)))
		return die(err, NULL);
	f.dst = host;
	f.ipv4 = prefix_is_v4(&host);
	if (prefix_is_v4(&f.src) != f.ipv4)
		return die("--src and --dst must be of one family", NULL);
	if (strlen(qname) > 200)
		return die("--qname: too long", qname);
	if (f.trailer > TRAILER_MAX) {
		fprintf(stderr, "floodgen: --trailer: at most %d octets (the room the longest frame leaves of %d)\n",
			TRAILER_MAX, FRAME_MAX);
		return 1;
	}
	for (const char *label = qname; *label;) {
		size_t len = strcspn(label, ".");

		f.qname[f.qname_len++] = len;
		memcpy(f.qname + f.qname_len, label, len);
		f.qname_len += len;
		label += len + (label[len] == '.');
	}
	f.qname[f.qname_len++] = 0;

	fd = socket(AF_PACKET, SOCK_RAW, 0);
	if (fd < 0)
		return die("AF_PACKET socket", strerror(errno));
	sll.sll_ifindex = if_nametoindex(iface);
	if (!sll.sll_ifindex)
		return die("--iface: no such interface", iface);
	sll.sll_halen = 6;
	memcpy(sll.sll_addr, f.dst_mac, 6);
	{
		char path[128];
		FILE *mac;

		snprintf(path, sizeof(path), "/sys/class/net/%s/address", iface);
		mac = fopen(path, "r");
		if (!mac || fscanf(mac, "%hhx:%hhx:%hhx:%hhx:%hhx:%hhx", &f.src_mac[0], &f.src_mac[1],
				   &f.src_mac[2], &f.src_mac[3], &f.src_mac[4], &f.src_mac[5]) != 6)
			return die("cannot read the MAC address of", iface);
		fclose(mac);
	}

	start = now_seconds();
	while (sent < count && (elapsed = now_seconds() - start) < seconds) {
		struct mmsghdr msgs[BATCH];
		struct iovec iov[BATCH];
		unsigned batch = count - sent < BATCH ? count - sent : BATCH;
		int done;

		if (rate && sent > elapsed * rate) {
			usleep(100);
			continue;
		}
		for (unsigned i = 0; i < batch; i++) {
			iov[i] = (struct iovec){ frames[i], build_frame(&f, frames[i]) };
			msgs[i] = (struct mmsghdr){ .msg_hdr = { .msg_name = &sll, .msg_namelen = sizeof(sll),
								  .msg_iov = &iov[i], .msg_iovlen = 1 } };
		}
		done = sendmmsg(fd, msgs, batch, 0);
		if (done < 0) {
			if (errno == ENOBUFS || errno == EAGAIN)
				continue;
			return die("sendmmsg", strerror(errno));
		}
		sent += done;
	}
	elapsed = now_seconds() - start;
	printf("floodgen: %s sent %llu frames in %.2f s (%.0f pps)\n", kind, sent, elapsed,
	       elapsed > 0 ? sent / elapsed : 0.0);
	close(fd);
	return 0;
}
