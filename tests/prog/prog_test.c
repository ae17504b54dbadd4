// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The XDP program on crafted packets through BPF_PROG_TEST_RUN, with the
 * real verifier and the test zone compiled by the real loader code. Each
 * fixture names its input, the verdict and counter reason it must produce,
 * and for answers what the decoded response must hold. Every response is
 * checked for swapped addresses and ports, lengths and checksums; every
 * pass for leaving the frame's bytes as they were.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include <netinet/in.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <libknot/libknot.h>

#include "generation.h"
#include "lookup.h"
#include "packet.h"
#include "prefix.h"
#include "protection.h"
#include "reasons.h"
#include "stats.h"
#include "temp_name.h"
#include "test_program.h"

#define TEST_ZONE "tests/zones/example.test.zone"
#define LONG_NAME "a.very.long.name.with.many.labels.to.walk.through.in.the.fast.path." \
		  "and.still.be.answered.correctly.example.test."
/* Wire-format pieces of names over 255 octets: three 63-octet labels. */
#define X63 "\077xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
#define NAME_192 X63 X63 X63
#define X64 "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
#define Y45 "yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy"

struct expect_answer {
	int ancount, nscount, arcount;  /* arcount without the OPT record */
	const char *first_answer;       /* text in the first answer record */
	int tc;
	int edns;                       /* response carries OPT */
	int edns_do;
	int rcode;
	int ext_rcode;                  /* upper bits of the RCODE, in OPT */
	const char *nsid;               /* the NSID option's data */
	int ede;                        /* Extended DNS Error info code */
	int not_authoritative;          /* AA=0: a referral */
	uint8_t ra_z_ad_cd;             /* the upper half of the second flags byte */
	const char *first_authority;    /* text in the first authority record */
};

struct fixture {
	const char *description;
	struct query_spec query;
	int verdict;
	enum xdpcast_reason reason;
	struct expect_answer answer;
};

static const struct fixture fixtures[] = {
	{ "IPv4 A, no EDNS", { .qname = "www.example.test." },
	  XDP_TX, XDPCAST_dns_answer, { 2, 2, 2, "192.0.2.80" } },
	{ "IPv6 AAAA, EDNS 1232", { .family = 6, .qname = "www.example.test.", .qtype = KNOT_RRTYPE_AAAA, .edns_size = 1232 },
	  XDP_TX, XDPCAST_dns_answer, { 1, 2, 2, "2001:db8:53::80", .edns = 1 } },
	{ "IPv4 behind one VLAN tag", { .vlan_tags = 1, .qname = "mail.example.test." },
	  XDP_TX, XDPCAST_dns_answer, { 1, 2, 2, "192.0.2.25" } },
	{ "IPv6 behind QinQ", { .family = 6, .vlan_tags = 2, .qname = "ns1.example.test.", .qtype = KNOT_RRTYPE_AAAA },
	  XDP_TX, XDPCAST_dns_answer, { 1, 2, 1, "2001:db8:53::53" } },
	{ "IPv4 with 8 bytes of options", { .ipv4_option_bytes = 8, .qname = "sip.example.test." },
	  XDP_TX, XDPCAST_dns_answer, { 1, 2, 2, "192.0.2.60" } },
	/* Options the kernel has rules for (ip_options_compile, ip6_parse_tlv:
	 * this destination options header's 14 bytes of PadN are more than
	 * the 7 it allows) are the kernel's to judge. */
	{ "IPv6 with hop-by-hop and destination options: the kernel decides", { .family = 6, .ipv6_ext_headers = 1, .qname = "www.example.test." },
	  XDP_PASS, XDPCAST_dns_pass_other },
	{ "IPv6 with four destination options headers: the kernel decides", { .family = 6, .ipv6_dst_headers = 4, .qname = "www.example.test." },
	  XDP_PASS, XDPCAST_dns_pass_other },
	/* Past the headers the program walks, the transport is unknown: no
	 * rule of the allowlist admits it (it is no fragment). */
	{ "IPv6 with five destination options headers", { .family = 6, .ipv6_dst_headers = 5, .qname = "www.example.test." },
	  XDP_DROP, XDPCAST_drop_port_policy },
	{ "IPv4 with a record route option: the kernel decides", { .ipv4_option_bytes = 8, .ipv4_record_route = 1, .qname = "www.example.test." },
	  XDP_PASS, XDPCAST_dns_pass_other },
	/* A unicast datagram in a group frame: the kernel answers it from its
	 * own MAC, where swapping would send ours from the group's. */
	{ "query in an Ethernet broadcast frame: the kernel decides", { .dst_mac = "ff:ff:ff:ff:ff:ff", .qname = "www.example.test." },
	  XDP_PASS, XDPCAST_dns_pass_other },
	{ "IPv6 query in a multicast frame: the kernel decides", { .family = 6, .dst_mac = "33:33:00:00:00:01", .qname = "www.example.test." },
	  XDP_PASS, XDPCAST_dns_pass_other },
	{ "IPv4 query in a multicast frame, behind a VLAN tag", { .vlan_tags = 1, .dst_mac = "01:00:5e:00:00:fb", .qname = "www.example.test." },
	  XDP_PASS, XDPCAST_dns_pass_other },
	{ "upper-case qname", { .qname = "WWW.EXAMPLE.TEST.", .edns_size = 4096 },
	  XDP_TX, XDPCAST_dns_answer, { 2, 2, 2, "192.0.2.80", .edns = 1 } },
	{ "mixed-case qname (0x20)", { .family = 6, .qname = "wWw.ExAmPlE.tEsT." },
	  XDP_TX, XDPCAST_dns_answer, { 2, 2, 2, "192.0.2.80" } },
	{ "MX with in-zone target in additional", { .qname = "example.test.", .qtype = KNOT_RRTYPE_MX },
	  XDP_TX, XDPCAST_dns_answer, { 2, 2, 3, "10 mail.example.test." } },
	{ "long name with many labels", { .family = 6, .qname = LONG_NAME, .edns_size = 1232 },
	  XDP_TX, XDPCAST_dns_answer, { 1, 2, 2, "192.0.2.200", .edns = 1 } },
	{ "DO=1 on an unsigned zone is echoed", { .qname = "www.example.test.", .edns_size = 1232, .edns_do = 1 },
	  XDP_TX, XDPCAST_dns_answer, { 2, 2, 2, "192.0.2.80", .edns = 1, .edns_do = 1 } },
	{ "answer over 512 without EDNS: TC with the question only", { .qname = "big.example.test.", .qtype = KNOT_RRTYPE_TXT },
	  XDP_TX, XDPCAST_dns_truncated, { 0, 0, 0, NULL, .tc = 1 } },
	{ "TC over IPv6 behind QinQ, EDNS 512 and DO=1: the question and OPT with DO alone", { .family = 6, .vlan_tags = 2, .qname = "big.example.test.", .qtype = KNOT_RRTYPE_TXT, .edns_size = 512, .edns_do = 1 },
	  XDP_TX, XDPCAST_dns_truncated, { 0, 0, 0, NULL, .tc = 1, .edns = 1, .edns_do = 1 } },
	{ "TC to a query with IPv4 options: the response without them", { .ipv4_option_bytes = 8, .qname = "big.example.test.", .qtype = KNOT_RRTYPE_TXT },
	  XDP_TX, XDPCAST_dns_truncated, { 0, 0, 0, NULL, .tc = 1 } },
	{ "TC with the NSID asked for: the NSID in the OPT", { .qname = "big.example.test.", .qtype = KNOT_RRTYPE_TXT, .edns_size = 512, .edns_nsid = 1 },
	  XDP_TX, XDPCAST_dns_truncated, { 0, 0, 0, NULL, .tc = 1, .edns = 1, .nsid = TEST_POP } },
	{ "the same with EDNS 1232: the whole answer", { .family = 6, .qname = "big.example.test.", .qtype = KNOT_RRTYPE_TXT, .edns_size = 1232 },
	  XDP_TX, XDPCAST_dns_answer, { 3, 2, 2, "0123456789", .edns = 1 } },
	{ "answer fits 512 but authority does not: both extra sections dropped", { .qname = "fit.example.test.", .qtype = KNOT_RRTYPE_TXT },
	  XDP_TX, XDPCAST_dns_answer, { 1, 0, 0, "xxxxxxxx" } },
	{ "name that does not exist: NXDOMAIN, SOA with the negative TTL", { .qname = "Missing.example.test." },
	  XDP_TX, XDPCAST_dns_nxdomain, { 0, 1, 0, .rcode = KNOT_RCODE_NXDOMAIN, .first_authority = "\t300\tSOA\tns1.example.test. hostmaster.example.test. 2026112401" } },
	{ "NXDOMAIN deep below the apex, IPv6, EDNS", { .family = 6, .qname = "a.b.c.d.e.example.test.", .qtype = KNOT_RRTYPE_TXT, .edns_size = 1232 },
	  XDP_TX, XDPCAST_dns_nxdomain, { 0, 1, 0, .edns = 1, .rcode = KNOT_RCODE_NXDOMAIN, .first_authority = "\tSOA\t" } },
	{ "type the name does not have: NODATA", { .qname = "www.example.test.", .qtype = KNOT_RRTYPE_MX },
	  XDP_TX, XDPCAST_dns_nodata, { 0, 1, 0, .first_authority = "\t300\tSOA\t" } },
	{ "empty non-terminal: NODATA", { .qname = "_udp.example.test." },
	  XDP_TX, XDPCAST_dns_nodata, { 0, 1, 0, .first_authority = "\tSOA\t" } },
	{ "name below a delegation: referral with glue, AA=0", { .qname = "ns.sub.example.test." },
	  XDP_TX, XDPCAST_dns_referral, { 0, 1, 1, .not_authoritative = 1, .first_authority = "\t3600\tNS\tns.sub.example.test." } },
	{ "deep below a delegation, IPv6", { .family = 6, .qname = "x.y.sub.example.test.", .qtype = KNOT_RRTYPE_AAAA },
	  XDP_TX, XDPCAST_dns_referral, { 0, 1, 1, .not_authoritative = 1, .first_authority = "\tNS\t" } },
	{ "the delegation point itself: referral", { .qname = "sub.example.test.", .qtype = KNOT_RRTYPE_NS },
	  XDP_TX, XDPCAST_dns_referral, { 0, 1, 1, .not_authoritative = 1, .first_authority = "\tNS\t" } },
	{ "DS at a delegation without DS: the parent's NODATA", { .qname = "sub.example.test.", .qtype = KNOT_RRTYPE_DS },
	  XDP_TX, XDPCAST_dns_nodata, { 0, 1, 0, .first_authority = "\tSOA\t" } },
	{ "wildcard: owner is the query name", { .qname = "Host.wild.example.test." },
	  XDP_TX, XDPCAST_dns_answer, { 1, 2, 2, "host.wild.example.test.\t3600\tA\t192.0.2.99" } },
	{ "wildcard two labels down, IPv6, EDNS", { .family = 6, .qname = "a.b.wild.example.test.", .edns_size = 1232 },
	  XDP_TX, XDPCAST_dns_answer, { 1, 2, 2, "a.b.wild.example.test.\t3600\tA\t192.0.2.99", .edns = 1 } },
	{ "wildcard without the type: NODATA", { .qname = "host.wild.example.test.", .qtype = KNOT_RRTYPE_MX },
	  XDP_TX, XDPCAST_dns_nodata, { 0, 1, 0, .first_authority = "\tSOA\t" } },
	{ "CNAME followed to the target's RRset", { .qname = "alias.example.test." },
	  XDP_TX, XDPCAST_dns_answer, { 3, 2, 2, "alias.example.test.\t3600\tCNAME\twww.example.test." } },
	{ "CNAME chain of two", { .family = 6, .qname = "chain1.example.test.", .qtype = KNOT_RRTYPE_AAAA },
	  XDP_TX, XDPCAST_dns_answer, { 3, 2, 2, "\tCNAME\tchain2.example.test." } },
	{ "wildcard CNAME", { .qname = "x.wc.example.test." },
	  XDP_TX, XDPCAST_dns_answer, { 4, 2, 2, "x.wc.example.test.\t3600\tCNAME\tchain2.example.test." } },
	{ "CNAME to a name that does not exist: NXDOMAIN", { .qname = "dangling.example.test." },
	  XDP_TX, XDPCAST_dns_nxdomain, { 1, 1, 0, "\tCNAME\tnowhere.example.test.", .rcode = KNOT_RCODE_NXDOMAIN } },
	{ "CNAME loop: left to userspace", { .qname = "loop1.example.test." },
	  XDP_PASS, XDPCAST_dns_pass_miss },
	{ "name outside our zones", { .qname = "example.org." },
	  XDP_PASS, XDPCAST_dns_pass_miss },
	{ "class CH", { .qname = "www.example.test.", .qclass = KNOT_CLASS_CH },
	  XDP_PASS, XDPCAST_dns_pass_miss },
	{ "qtype ANY", { .qname = "www.example.test.", .qtype = KNOT_RRTYPE_ANY },
	  XDP_PASS, XDPCAST_dns_pass_other },
	{ "qtype 128, the first of the query-only types (NXNAME): userspace's", { .qname = "www.example.test.", .qtype = 128 },
	  XDP_PASS, XDPCAST_dns_pass_other },
	{ "qtype RRSIG (the server's: the cache holds no signatures' answer)",
	  { .qname = "www.example.test.", .qtype = KNOT_RRTYPE_RRSIG },
	  XDP_PASS, XDPCAST_dns_pass_other },
	{ "qtype NSEC3 at a CNAME: NSD's NODATA, not the chain",
	  { .qname = "alias.example.test.", .qtype = KNOT_RRTYPE_NSEC3 },
	  XDP_PASS, XDPCAST_dns_pass_other },
	{ "not a protected destination", { .dst = "198.51.100.1", .qname = "www.example.test." },
	  XDP_PASS, XDPCAST_not_protected },
	{ "IPv6 not a protected destination", { .family = 6, .dst = "2001:db8:1::1", .qname = "www.example.test." },
	  XDP_PASS, XDPCAST_not_protected },
	{ "IPv6 to a protected IPv4 address, mapped (where IPv4's keys lie)",
	  { .family = 6, .dst = "::ffff:192.0.2.53", .qname = "www.example.test." },
	  XDP_PASS, XDPCAST_not_protected },
	{ "TCP SYN to 53", { .proto = IPPROTO_TCP },
	  XDP_PASS, XDPCAST_pass_tcp },
	{ "UDP to a port the allowlist does not hold", { .dport = 123, .qname = "www.example.test." },
	  XDP_DROP, XDPCAST_drop_port_policy },
	{ "TCP to port 80", { .proto = IPPROTO_TCP, .dport = 80 },
	  XDP_DROP, XDPCAST_drop_port_policy },
	{ "IPv4 fragment", { .fragment = 1, .qname = "www.example.test." },
	  XDP_DROP, XDPCAST_drop_fragment },
	{ "IPv6 fragment header", { .family = 6, .fragment = 1, .qname = "www.example.test." },
	  XDP_DROP, XDPCAST_drop_fragment },
	{ "fragment to an address we do not protect", { .fragment = 1, .dst = "198.51.100.1", .qname = "www.example.test." },
	  XDP_PASS, XDPCAST_not_protected },
	{ "source in RFC 1918 space", { .src = "10.1.2.3", .qname = "www.example.test." },
	  XDP_DROP, XDPCAST_drop_bogon_source },
	{ "IPv6 link-local source", { .family = 6, .src = "fe80::1", .qname = "www.example.test." },
	  XDP_DROP, XDPCAST_drop_bogon_source },
	{ "source inside our own anycast prefix", { .src = "192.0.2.9", .qname = "www.example.test." },
	  XDP_DROP, XDPCAST_drop_bogon_source },
	{ "IPv6 source inside our own anycast prefix", { .family = 6, .src = "2001:db8:53::1", .qname = "www.example.test." },
	  XDP_DROP, XDPCAST_drop_bogon_source },
	{ "neighbour solicitation from a link-local router", { .family = 6, .src = "fe80::1", .proto = IPPROTO_ICMPV6, .icmp_type = 135, .hop_limit = 255 },
	  XDP_PASS, XDPCAST_pass_other },
	{ "router advertisement to an anycast address", { .family = 6, .src = "fe80::1", .proto = IPPROTO_ICMPV6, .icmp_type = 134, .hop_limit = 255 },
	  XDP_PASS, XDPCAST_pass_other },
	{ "router solicitation from a link-local host", { .family = 6, .src = "fe80::1", .proto = IPPROTO_ICMPV6, .icmp_type = 133, .hop_limit = 255 },
	  XDP_PASS, XDPCAST_pass_other },
	{ "redirect from a link-local router", { .family = 6, .src = "fe80::1", .proto = IPPROTO_ICMPV6, .icmp_type = 137, .hop_limit = 255 },
	  XDP_PASS, XDPCAST_pass_other },
	{ "neighbour advertisement from a global address", { .family = 6, .proto = IPPROTO_ICMPV6, .icmp_type = 136, .hop_limit = 255 },
	  XDP_PASS, XDPCAST_pass_other },
	/* ndisc_rcv() drops what a router forwarded (hop limit under 255) or
	 * has a code: the ICMPv6 of the allowlist, not neighbour discovery. */
	{ "neighbour solicitation, hop limit 64: from off the link", { .family = 6, .proto = IPPROTO_ICMPV6, .icmp_type = 135 },
	  XDP_DROP, XDPCAST_drop_port_policy },
	{ "neighbour solicitation with a link-local source, hop limit 254", { .family = 6, .src = "fe80::1", .proto = IPPROTO_ICMPV6, .icmp_type = 135, .hop_limit = 254 },
	  XDP_DROP, XDPCAST_drop_bogon_source },
	{ "neighbour solicitation with code 1", { .family = 6, .proto = IPPROTO_ICMPV6, .icmp_type = 135, .icmp_code = 1, .hop_limit = 255 },
	  XDP_DROP, XDPCAST_drop_port_policy },
	{ "NTP reply (reflection) to a high port", { .sport = 123, .dport = 40123, .qname = "www.example.test." },
	  XDP_DROP, XDPCAST_drop_reflection },
	{ "memcached reply (reflection), IPv6", { .family = 6, .sport = 11211, .dport = 80, .qname = "www.example.test." },
	  XDP_DROP, XDPCAST_drop_reflection },
	{ "DNS reply from port 53 to a high port", { .sport = 53, .dport = 33333, .qname = "www.example.test.", .flags = 0x8000 },
	  XDP_DROP, XDPCAST_drop_reflection },
	{ "query from source port 53 (old resolvers do that)", { .sport = 53, .qname = "www.example.test." },
	  XDP_TX, XDPCAST_dns_answer, { 2, 2, 2, "192.0.2.80" } },
	{ "ICMP echo request", { .proto = IPPROTO_ICMP, .icmp_type = 8 },
	  XDP_PASS, XDPCAST_pass_other },
	{ "ICMP fragmentation needed", { .proto = IPPROTO_ICMP, .icmp_type = 3, .icmp_code = 4 },
	  XDP_PASS, XDPCAST_pass_other },
	{ "ICMP timestamp request", { .proto = IPPROTO_ICMP, .icmp_type = 13 },
	  XDP_DROP, XDPCAST_drop_port_policy },
	{ "ICMPv6 echo request", { .family = 6, .proto = IPPROTO_ICMPV6, .icmp_type = 128 },
	  XDP_PASS, XDPCAST_pass_other },
	{ "ICMPv6 packet too big", { .family = 6, .proto = IPPROTO_ICMPV6, .icmp_type = 2 },
	  XDP_PASS, XDPCAST_pass_other },
	{ "ICMPv6 node information query", { .family = 6, .proto = IPPROTO_ICMPV6, .icmp_type = 139 },
	  XDP_DROP, XDPCAST_drop_port_policy },
	{ "IPv4 over ICMPv6 number: not ICMP", { .proto = IPPROTO_ICMPV6, .icmp_type = 128 },
	  XDP_DROP, XDPCAST_drop_port_policy },
	{ "QDCOUNT 0", { .qname = "www.example.test.", .qdcount = -1 },
	  XDP_PASS, XDPCAST_dns_pass_other },
	{ "QDCOUNT 2: NSD's FORMERR", { .qname = "www.example.test.", .qdcount = 2 },
	  XDP_PASS, XDPCAST_dns_pass_other },
	{ "unassigned opcode 9: NSD's NOTIMP", { .qname = "www.example.test.", .flags = 9 << 11 },
	  XDP_PASS, XDPCAST_dns_pass_other },
	{ "an RCODE in a query: NSD's FORMERR", { .qname = "www.example.test.", .flags = 0x0101 },
	  XDP_PASS, XDPCAST_dns_pass_other },
	{ "query from source port 0: no reply can go there", { .sport = -1, .qname = "www.example.test." },
	  XDP_DROP, XDPCAST_drop_malformed },
	{ "qname of 256 octets: NSD's FORMERR", { .raw_qname = 1, .qname = NAME_192 "\061" Y45 "yyyy" "\007example\004test", .raw_qname_len = 256 },
	  XDP_PASS, XDPCAST_dns_pass_other },
	{ "qname of 260 octets", { .raw_qname = 1, .qname = NAME_192 "\065" Y45 "yyyyyyyy" "\007example\004test", .raw_qname_len = 260 },
	  XDP_PASS, XDPCAST_dns_pass_other },
	{ "qname of 256 octets below a delegation", { .raw_qname = 1, .qname = NAME_192 "\055" Y45 "\003sub\007example\004test", .raw_qname_len = 256 },
	  XDP_PASS, XDPCAST_dns_pass_other },
	{ "COOKIE twice (8, then 5 bytes): NSD's FORMERR", { .qname = "www.example.test.", .edns_size = 1232, .cookie = (const uint8_t *)"clientck", .cookie_len = 8, .options = (const uint8_t *)"\0\12\0\5abcde", .options_len = 9 },
	  XDP_PASS, XDPCAST_dns_pass_other },
	{ "opcode UPDATE: userspace refuses or applies it", { .qname = "example.test.", .flags = 5 << 11 },
	  XDP_PASS, XDPCAST_dns_pass_other },
	{ "QR=1 to port 53 (reflected response)", { .qname = "www.example.test.", .flags = 0x8000 },
	  XDP_DROP, XDPCAST_drop_reflection },
	{ "COOKIE option of 12 bytes (malformed): FORMERR is userspace's", { .qname = "www.example.test.", .edns_size = 1232, .cookie = (const uint8_t *)"0123456789ab", .cookie_len = 12 },
	  XDP_PASS, XDPCAST_dns_pass_other },
	{ "opcode NOTIFY", { .qname = "example.test.", .flags = 0x2000 },
	  XDP_PASS, XDPCAST_dns_pass_other },
	{ "EDNS version 1: BADVERS, no sections, no NSID", { .qname = "www.example.test.", .edns_size = 1232, .edns_version = 1, .edns_nsid = 1 },
	  XDP_TX, XDPCAST_dns_badvers, { 0, 0, 0, .edns = 1, .ext_rcode = 1, .not_authoritative = 1 } },
	{ "BADVERS to DO=1: no DO bit in our OPT, as NSD", { .qname = "www.example.test.", .edns_size = 1232, .edns_version = 1, .edns_do = 1 },
	  XDP_TX, XDPCAST_dns_badvers, { 0, 0, 0, .edns = 1, .ext_rcode = 1, .not_authoritative = 1 } },
	{ "BADVERS keeps the query's CD, as NSD", { .qname = "www.example.test.", .flags = 0x0110, .edns_size = 1232, .edns_version = 1 },
	  XDP_TX, XDPCAST_dns_badvers, { 0, 0, 0, .edns = 1, .ext_rcode = 1, .not_authoritative = 1, .ra_z_ad_cd = 0x10 } },
	{ "BADVERS keeps AA, TC, RA and Z, clears AD", { .qname = "www.example.test.", .flags = 0x07e0, .edns_size = 1232, .edns_version = 1 },
	  XDP_TX, XDPCAST_dns_badvers, { 0, 0, 0, .edns = 1, .ext_rcode = 1, .tc = 1, .ra_z_ad_cd = 0xc0 } },
	{ "RD=0 (CD=1) is echoed as RD=0", { .qname = "www.example.test.", .flags = 0x0010 },
	  XDP_TX, XDPCAST_dns_answer, { 2, 2, 2, "192.0.2.80" } },
	{ "an answer keeps none of CD, AA, TC, RA, Z, AD", { .qname = "www.example.test.", .flags = 0x07f0 },
	  XDP_TX, XDPCAST_dns_answer, { 2, 2, 2, "192.0.2.80" } },
	{ "NSID asked for: the PoP name", { .family = 6, .qname = "www.example.test.", .edns_size = 1232, .edns_nsid = 1 },
	  XDP_TX, XDPCAST_dns_answer, { 2, 2, 2, "192.0.2.80", .edns = 1, .nsid = TEST_POP } },
	{ "NSID with a negative answer", { .qname = "nope.example.test.", .edns_size = 512, .edns_nsid = 1 },
	  XDP_TX, XDPCAST_dns_nxdomain, { 0, 1, 0, .edns = 1, .nsid = TEST_POP, .rcode = KNOT_RCODE_NXDOMAIN } },
	{ "CHAOS TXT id.server: the PoP name", { .qname = "ID.server.", .qtype = KNOT_RRTYPE_TXT, .qclass = KNOT_CLASS_CH },
	  XDP_TX, XDPCAST_dns_answer, { 1, 0, 0, "id.server.\t0\tTXT\t\"" TEST_POP "\"", .not_authoritative = 1 } },
	{ "CHAOS TXT hostname.bind, EDNS", { .qname = "hostname.bind.", .qtype = KNOT_RRTYPE_TXT, .qclass = KNOT_CLASS_CH, .edns_size = 1232 },
	  XDP_TX, XDPCAST_dns_answer, { 1, 0, 0, "\"" TEST_POP "\"", .edns = 1, .not_authoritative = 1 } },
	{ "CHAOS TXT version.bind: REFUSED", { .qname = "version.bind.", .qtype = KNOT_RRTYPE_TXT, .qclass = KNOT_CLASS_CH },
	  XDP_TX, XDPCAST_dns_refused, { 0, 0, 0, .rcode = KNOT_RCODE_REFUSED, .not_authoritative = 1 } },
	{ "CHAOS A id.server: REFUSED", { .qname = "id.server.", .qclass = KNOT_CLASS_CH },
	  XDP_TX, XDPCAST_dns_refused, { 0, 0, 0, .rcode = KNOT_RCODE_REFUSED, .not_authoritative = 1 } },
	{ "CHAOS TXT version.server, EDNS: REFUSED, EDE Prohibited", { .qname = "version.server.", .qtype = KNOT_RRTYPE_TXT, .qclass = KNOT_CLASS_CH, .edns_size = 1232, .edns_nsid = 1 },
	  XDP_TX, XDPCAST_dns_refused, { 0, 0, 0, .edns = 1, .nsid = TEST_POP, .ede = KNOT_EDNS_EDE_PROHIBITED, .rcode = KNOT_RCODE_REFUSED, .not_authoritative = 1 } },
	{ "another CHAOS name", { .qname = "authors.bind.", .qtype = KNOT_RRTYPE_TXT, .qclass = KNOT_CLASS_CH },
	  XDP_PASS, XDPCAST_dns_pass_miss },
	{ "a label of 64 octets (0x40: an extended label type): NSD's FORMERR", { .raw_qname = 1, .qname = "\100" X64 "\007example\004test", .raw_qname_len = 1 + 64 + 14 },
	  XDP_PASS, XDPCAST_dns_pass_other },
	{ "compression pointer in the qname", { .raw_qname = 1, .qname = "\3www\xc0\x0c", .raw_qname_len = 6 },
	  XDP_PASS, XDPCAST_dns_pass_other },
	{ "qname runs past the end", { .qname = "www.example.test.", .dns_len = 20 },
	  XDP_PASS, XDPCAST_dns_pass_other },
	{ "DNS header cut short", { .qname = "www.example.test.", .dns_len = 7 },
	  XDP_DROP, XDPCAST_drop_malformed },
	{ "UDP length beyond the frame", { .qname = "www.example.test.", .frame_len = 50 },
	  XDP_DROP, XDPCAST_drop_malformed },
	{ "frame cut inside the IPv4 header", { .qname = "www.example.test.", .frame_len = 30 },
	  XDP_PASS, XDPCAST_not_protected },
	/* Only what the kernel would take in is answered (ip_rcv, ipv6_rcv,
	 * __udp4_lib_rcv, __udp6_lib_rcv); a question that does not parse is
	 * never echoed. */
	{ "IPv4 ethertype, version 6 in the header", { .qname = "www.example.test.", .ip_version = 6 },
	  XDP_DROP, XDPCAST_drop_malformed },
	{ "IPv6 ethertype, version 4 in the header", { .family = 6, .qname = "www.example.test.", .ip_version = 4 },
	  XDP_DROP, XDPCAST_drop_malformed },
	{ "IPv4 header checksum wrong", { .qname = "www.example.test.", .bad_ip_checksum = 1 },
	  XDP_DROP, XDPCAST_drop_malformed },
	{ "IPv4 header checksum wrong, with options", { .ipv4_option_bytes = 8, .qname = "www.example.test.", .bad_ip_checksum = 1 },
	  XDP_DROP, XDPCAST_drop_malformed },
	{ "IPv4 total length past the frame", { .qname = "www.example.test.", .ip_len_delta = 10 },
	  XDP_DROP, XDPCAST_drop_malformed },
	{ "IPv6 payload length past the frame", { .family = 6, .qname = "www.example.test.", .ip_len_delta = 10 },
	  XDP_DROP, XDPCAST_drop_malformed },
	{ "IPv4 total length shorter than the UDP length", { .qname = "www.example.test.", .ip_len_delta = -4 },
	  XDP_DROP, XDPCAST_drop_malformed },
	{ "IPv6 payload length shorter than the UDP length", { .family = 6, .qname = "www.example.test.", .ip_len_delta = -4 },
	  XDP_DROP, XDPCAST_drop_malformed },
	{ "UDP length past the IP datagram, inside the frame's padding", { .qname = "www.example.test.", .udp_len_delta = 2, .padding = 8 },
	  XDP_DROP, XDPCAST_drop_malformed },
	{ "UDP length 7", { .family = 6, .qname = "www.example.test.", .udp_len_delta = -(8 + 34 - 7) },
	  XDP_DROP, XDPCAST_drop_malformed },
	{ "IPv6 extension headers past the payload length", { .family = 6, .ipv6_ext_headers = 1, .qname = "www.example.test.", .ip_len_delta = -(24 + 8 + 34 - 10) },
	  XDP_DROP, XDPCAST_drop_malformed },
	/* A transport header read from link padding: the kernel trims the
	 * frame to the IP length first, and then has no header to pull. */
	{ "TCP SYN whose header runs past the IPv4 datagram into padding", { .hex =
	  "02000000000102000000000208004500001c0000400040064e71c6336402c00002359c40003500000000000000005002000000000000" },
	  XDP_DROP, XDPCAST_drop_malformed },
	{ "TCP SYN whose header runs past the IPv6 payload length", { .hex =
	  "02000000000102000000000286dd600000000008064020010db800010000000000000000000220010db8005300000000000000000053"
	  "9c40003500000000000000005002000000000000" },
	  XDP_DROP, XDPCAST_drop_malformed },
	{ "ICMP echo of 4 bytes (icmp_rcv pulls 8), padded", { .hex =
	  "0200000000010200000000020800450000180000400040014e7ac6336402c00002350800000000000000000000000000000000000000000000000000" },
	  XDP_DROP, XDPCAST_drop_malformed },
	{ "frame padded past the IP datagram: answered, padding dropped", { .qname = "www.example.test.", .padding = 18 },
	  XDP_TX, XDPCAST_dns_answer, { 2, 2, 2, "192.0.2.80" } },
	{ "IP datagram longer than the UDP length (the kernel trims): answered", { .family = 6, .qname = "www.example.test.", .ip_len_delta = 6, .padding = 6 },
	  XDP_TX, XDPCAST_dns_answer, { 2, 2, 2, "192.0.2.80" } },
	{ "UDP checksum wrong: the kernel decides", { .qname = "www.example.test.", .udp_checksum = UDP_CHECKSUM_BAD },
	  XDP_PASS, XDPCAST_dns_pass_other },
	{ "IPv6 UDP checksum wrong: the kernel decides", { .family = 6, .qname = "www.example.test.", .udp_checksum = UDP_CHECKSUM_BAD },
	  XDP_PASS, XDPCAST_dns_pass_other },
	{ "a DNS header byte changed after the checksum", { .qname = "www.example.test.", .flip_dns_byte = 1 + 1 },
	  XDP_PASS, XDPCAST_dns_pass_other },
	{ "a qname byte changed after the checksum", { .family = 6, .qname = "www.example.test.", .flip_dns_byte = 1 + 13 },
	  XDP_PASS, XDPCAST_dns_pass_other },
	{ "an OPT byte at an odd offset changed after the checksum", { .qname = "mail.example.test.", .edns_size = 1232, .edns_nsid = 1, .flip_dns_byte = 1 + 39 },
	  XDP_PASS, XDPCAST_dns_pass_other },
	{ "OPT record at an odd offset, NSID: the checksum holds", { .qname = "mail.example.test.", .edns_size = 1232, .edns_nsid = 1 },
	  XDP_TX, XDPCAST_dns_answer, { 1, 2, 2, "192.0.2.25", .edns = 1, .nsid = TEST_POP } },
	{ "IPv4 without a UDP checksum (0): answered", { .qname = "www.example.test.", .edns_size = 1232, .udp_checksum = UDP_CHECKSUM_ZERO },
	  XDP_TX, XDPCAST_dns_answer, { 2, 2, 2, "192.0.2.80", .edns = 1 } },
	{ "IPv6 without a UDP checksum (0, RFC 8200 forbids it)", { .family = 6, .qname = "www.example.test.", .udp_checksum = UDP_CHECKSUM_ZERO },
	  XDP_DROP, XDPCAST_drop_malformed },
	{ "a label whose last byte is 0x00 is no root label", { .raw_qname = 1, .qname = "\3ab\0\0", .raw_qname_len = 5, .qtype = KNOT_RRTYPE_TXT, .edns_size = 1232, .edns_version = 1 },
	  XDP_TX, XDPCAST_dns_badvers, { 0, 0, 0, .edns = 1, .ext_rcode = 1, .not_authoritative = 1 } },
	{ "prog_fuzz's frame: IPv6 routing header with 4 segments left (not for us yet)", { .hex =
	  "02000000000102000000000288a800648100006586dd6000000000ac2b4020010db800010000000000000000000220010db8005300"
	  "0000000000000000533c000104000000001101010c000000000000000000000000d410003500948798beef010000010000000000"
	  "0101610476657279046c6f6e67046e616d650477697468046d616e79066c6162656c7302746f0477616c6b077468726f75676802"
	  "696e037468650466617374047061746803616e64057374696c6c02626508616e73776572656409636f72726563746c7907657861"
	  "6d706c650474657374000001000100002904d0000080000000" },
	  XDP_PASS, XDPCAST_dns_pass_other },
	{ "prog_fuzz's frame: EDNS UDP payload size 1 (servers differ on it)", { .hex =
	  "02000000000102000000000288a80064810000650800450000490000400040114e39c6336402c0000235c9d300350035b308beef"
	  "0100000100000000000103577757074578416d506c450474457354003a6200010000290001000000000000" },
	  XDP_PASS, XDPCAST_dns_pass_other },
	{ "OPT record whose owner is not the root (01 00 29 ...): NSD's FORMERR", { .hex =
	  "0200000000010200000000020800450000490000400040114e39c6336402c00002359c40003500350a38beef"
	  "0100000100000000000103777777076578616d706c650474657374000001000101002904d0000000000000" },
	  XDP_PASS, XDPCAST_dns_pass_other },
	{ "EDNS UDP payload size 511", { .family = 6, .qname = "www.example.test.", .edns_size = 511 },
	  XDP_PASS, XDPCAST_dns_pass_other },
	{ "fuzzer's frame: qname 01 00 and EDNS version 1 that the broken walk read", { .hex =
	  "0200000000010200000000020800450000390001400040114e43c6336407c00002359c4000350025698112340000000100000000000101000001000100002904d0000100000000" },
	  XDP_PASS, XDPCAST_dns_pass_other },
};

static struct xdpcast_bpf *skel;

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

static void check_first_record(const struct fixture *f, const knot_pkt_t *pkt, knot_section_t section,
			       const char *expected)
{
	char text[2048], *buf = text;
	size_t buflen = sizeof(text);

	size_t out = 0;

	if (!expected)
		return;
	assert_true(knot_rrset_txt_dump(knot_pkt_rr(knot_pkt_section(pkt, section), 0), &buf, &buflen,
					&KNOT_DUMP_STYLE_DEFAULT) > 0);
	/* knot pads the owner with spaces before its tab: drop the padding */
	for (size_t i = 0; text[i]; i++) {
		size_t run = strspn(text + i, " ");

		if (run && text[i + run] == '\t') {
			i += run - 1;
			continue;
		}
		text[out++] = text[i];
	}
	text[out] = '\0';
	if (!strstr(text, expected))
		fail_msg("%s: first record of section %d is %s", f->description, section, text);
}

static void check_answer(const struct fixture *f, const uint8_t *in, size_t in_len,
			 const uint8_t *out, size_t out_len)
{
	struct frame_info q, r;
	const char *problem;
	knot_pkt_t *pkt;
	size_t qname_len;

	assert_null(check_frame(in, in_len, FRAME_AS_RECEIVED, &q));
	problem = check_frame(out, out_len, FRAME_AS_SENT, &r);
	if (problem)
		fail_msg("%s: %s", f->description, problem);

	/* Ethernet and VLAN tags kept, MACs swapped. */
	assert_int_equal(r.l2_len, q.l2_len);
	assert_memory_equal(out, in + 6, 6);
	assert_memory_equal(out + 6, in, 6);
	assert_memory_equal(out + 12, in + 12, q.l2_len - 12);
	/* Addresses and ports swapped; no IP options or extension headers. */
	assert_int_equal(r.ip_len, r.family == 4 ? 20 : 40);
	if (r.family == 4) {
		assert_memory_equal(out + r.l2_len + 12, in + q.l2_len + 16, 4);
		assert_memory_equal(out + r.l2_len + 16, in + q.l2_len + 12, 4);
	} else {
		assert_memory_equal(out + r.l2_len + 8, in + q.l2_len + 24, 16);
		assert_memory_equal(out + r.l2_len + 24, in + q.l2_len + 8, 16);
	}
	assert_memory_equal(r.udp, q.udp + 2, 2);
	assert_memory_equal(r.udp + 2, q.udp, 2);

	/* DNS: id and the question byte for byte, flags as NSD sets them. */
	qname_len = knot_dname_size(q.dns + 12);
	assert_memory_equal(r.dns, q.dns, 2);
	assert_memory_equal(r.dns + 12, q.dns + 12, qname_len + 4);
	assert_true(knot_wire_get_qr(r.dns));
	assert_int_equal(knot_wire_get_qdcount(r.dns), 1);
	assert_int_equal(!!knot_wire_get_aa(r.dns), !f->answer.not_authoritative);
	assert_int_equal(knot_wire_get_rd(r.dns), knot_wire_get_rd(q.dns));
	assert_int_equal(!!knot_wire_get_tc(r.dns), f->answer.tc);
	assert_int_equal(knot_wire_get_rcode(r.dns), f->answer.rcode);
	assert_int_equal(r.dns[3] & 0xf0, f->answer.ra_z_ad_cd);

	pkt = knot_pkt_new((void *)r.dns, r.dns_len, NULL);
	assert_int_equal(knot_pkt_parse(pkt, 0), KNOT_EOK);
	assert_int_equal(knot_wire_get_ancount(r.dns), f->answer.ancount);
	assert_int_equal(knot_wire_get_nscount(r.dns), f->answer.nscount);
	assert_int_equal(knot_wire_get_arcount(r.dns), f->answer.arcount + f->answer.edns);
	check_first_record(f, pkt, KNOT_ANSWER, f->answer.first_answer);
	if (knot_pkt_section(pkt, KNOT_ANSWER)->count)   /* records in the question's class */
		assert_int_equal(knot_pkt_rr(knot_pkt_section(pkt, KNOT_ANSWER), 0)->rclass,
				 knot_wire_read_u16(r.dns + 12 + qname_len + 2));
	check_first_record(f, pkt, KNOT_AUTHORITY, f->answer.first_authority);
	assert_int_equal(pkt->opt_rr != NULL, f->answer.edns);
	if (pkt->opt_rr) {
		const uint8_t *nsid = knot_edns_get_option(pkt->opt_rr, KNOT_EDNS_OPTION_NSID, NULL);
		uint8_t *ede = knot_edns_get_option(pkt->opt_rr, KNOT_EDNS_OPTION_EDE, NULL);

		assert_int_equal(knot_edns_get_payload(pkt->opt_rr), XDPCAST_EDNS_UDP_SIZE);
		assert_int_equal(knot_edns_do(pkt->opt_rr), f->answer.edns_do);
		assert_int_equal(knot_edns_get_version(pkt->opt_rr), 0);
		assert_int_equal(knot_edns_get_ext_rcode(pkt->opt_rr), f->answer.ext_rcode);
		assert_int_equal(nsid != NULL, f->answer.nsid != NULL);
		assert_int_equal(ede != NULL, f->answer.ede != 0);
		if (ede) {
			assert_int_equal(knot_edns_opt_get_length(ede), 2);
			assert_int_equal(knot_wire_read_u16(knot_edns_opt_get_data(ede)), f->answer.ede);
		}
		if (nsid) {
			assert_int_equal(knot_edns_opt_get_length(nsid), strlen(f->answer.nsid));
			assert_memory_equal(knot_edns_opt_get_data((uint8_t *)nsid), f->answer.nsid,
					    strlen(f->answer.nsid));
		}
	}
	knot_pkt_free(pkt);
}

/* One frame through the program: its verdict, the response in out. */
static __u32 run_frame(const uint8_t *in, size_t in_len, uint8_t *out, size_t *out_len)
{
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = in, .data_size_in = in_len, .data_out = out,
		    .data_size_out = FRAME_MAX, .repeat = 1);

	assert_int_equal(bpf_prog_test_run_opts(bpf_program__fd(skel->progs.xdpcast), &opts), 0);
	*out_len = opts.data_size_out;
	return opts.retval;
}

static void run_fixture(const struct fixture *f)
{
	uint8_t in[FRAME_MAX] = { 0 }, out[FRAME_MAX];
	size_t in_len = build_query(&f->query, in), out_len;
	struct xdpcast_counter before[XDPCAST_REASON_MAX], after[XDPCAST_REASON_MAX];
	const char *problem;
	__u32 verdict;

	test_program_counters(skel, before);
	verdict = run_frame(in, in_len, out, &out_len);
	test_program_counters(skel, after);

	if ((int)verdict != f->verdict)
		fail_msg("%s: verdict %u, expected %d (%s)", f->description, verdict, f->verdict,
			 reason_names[f->reason]);
	problem = test_program_counted_once(before, after, f->reason, in_len);     /* one exit, one counter */
	if (problem)
		fail_msg("%s: %s", f->description, problem);

	if (f->verdict == XDP_TX) {
		check_answer(f, in, in_len, out, out_len);
	} else {
		assert_int_equal(out_len, in_len);
		assert_memory_equal(out, in, in_len);
	}
}

static void test_fixtures(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(fixtures) / sizeof(fixtures[0]); i++) {
		print_message("  %s\n", fixtures[i].description);
		run_fixture(&fixtures[i]);
	}
}

/* Replies from the services floods reflect off (the NTP and memcached
 * fixtures above besides), to a high port, over IPv4 and IPv6: dropped. */
static void test_reflection_ports(void **state)
{
	static const uint16_t ports[] = { 17 /* qotd */, 19 /* chargen */, 111 /* portmap */, 137 /* NetBIOS */,
					  161 /* SNMP */, 389 /* CLDAP */, 1900 /* SSDP */, 3702 /* WS-Discovery */,
					  5353 /* mDNS */ };
	char description[64];

	(void)state;
	for (size_t i = 0; i < sizeof(ports) / sizeof(ports[0]); i++)
		for (int family = 4; family <= 6; family += 2) {
			snprintf(description, sizeof(description), "a reply from port %u over IPv%d", ports[i], family);
			run_fixture(&(struct fixture){ description, { .family = family, .sport = ports[i], .dport = 40123,
								     .qname = "www.example.test." },
						       XDP_DROP, XDPCAST_drop_reflection });
		}
}

/* A new generation replaces the answers at once; an empty one answers nothing. */
static void test_generation_swap(void **state)
{
	const struct fixture *www = &fixtures[0];
	char err[256];

	(void)state;
	assert_int_equal(test_program_publish(skel, NULL, err, sizeof(err)), 0);
	run_fixture(&(struct fixture){ "after an empty generation", www->query, XDP_PASS, XDPCAST_dns_pass_miss });
	assert_int_equal(test_program_publish(skel, TEST_ZONE, err, sizeof(err)), 0);
	run_fixture(www);
}

/* A client inside a view's prefix is answered from that view's zone
 * alone (a name only the default's zone has is NXDOMAIN to it), others
 * from the default's, IPv4 and IPv6. */
static void test_views(void **state)
{
	static const char view_zone_text[] = "$ORIGIN example.test.\n$TTL 3600\n"
					      "@ IN SOA ns1 hostmaster 7 7200 900 1209600 300\n@ IN NS ns1\n"
					      "ns1 IN A 192.0.2.53\nwww IN A 192.0.2.180\n";
	static const char *const view_prefixes[] = { "203.0.113.0/24", "2001:db8:2::/64" };
	static const char other_zone_text[] = "$ORIGIN other.test.\n$TTL 3600\n"
					       "@ IN SOA ns1 hostmaster 7 7200 900 1209600 300\n@ IN NS ns1\n"
					       "ns1 IN A 192.0.2.54\nwww IN A 192.0.2.181\n";
	char path[TEMP_NAME_MAX], other[TEMP_NAME_MAX], err[256], *view_zone = path;
	char *default_zones[] = { TEST_ZONE, other };
	const struct view_zones views[] = { { default_zones, 2 }, { &view_zone, 1 } };
	const struct client_view in_view = { .view = 1 };
	struct xdpcast_lpm_key keys[2];
	int views_fd = bpf_map__fd(skel->maps.xdpcast_views);

	(void)state;
	assert_non_null(temp_file(path, "xdpcast-view-XXXXXX", view_zone_text));
	assert_non_null(temp_file(other, "xdpcast-other-XXXXXX", other_zone_text));
	assert_int_equal(test_program_publish_views(skel, views, 2, err, sizeof(err)), 0);
	unlink(path);
	unlink(other);
	for (size_t i = 0; i < 2; i++) {
		assert_int_equal(prefix_parse(view_prefixes[i], &keys[i], err, sizeof(err)), 0);
		assert_int_equal(bpf_map_update_elem(views_fd, &keys[i], &in_view, BPF_ANY), 0);
	}

	run_fixture(&(struct fixture){ "the view's client: the view's answer",
				       { .src = "203.0.113.2", .qname = "www.example.test." },
				       XDP_TX, XDPCAST_dns_answer, { 1, 1, 1, "192.0.2.180" } });
	run_fixture(&(struct fixture){ "the view's IPv6 client: a name only the default's zone has",
				       { .family = 6, .src = "2001:db8:2::2", .qname = "mail.example.test." },
				       XDP_TX, XDPCAST_dns_nxdomain,
				       { 0, 1, 0, .rcode = KNOT_RCODE_NXDOMAIN,
					 .first_authority = "\t300\tSOA\tns1.example.test. hostmaster.example.test. 7 " } });
	run_fixture(&fixtures[0]);     /* another client: the default's */
	run_fixture(&(struct fixture){ "the view's client, a zone only the default view loads: the default's answer",
				       { .src = "203.0.113.2", .qname = "www.other.test." },
				       XDP_TX, XDPCAST_dns_answer, { 1, 1, 1, "192.0.2.181" } });

	for (size_t i = 0; i < 2; i++)
		assert_int_equal(bpf_map_delete_elem(views_fd, &keys[i]), 0);
	assert_int_equal(test_program_publish(skel, TEST_ZONE, err, sizeof(err)), 0);
}

/* The program loads with every interface slot in use (test_program_load),
 * and counts a packet under its interface's slot, also after the daemon
 * wrote a new ifindex there (an interface made again under its name). */
static void test_interface_slots(void **state)
{
	const __u32 last = XDPCAST_MAX_IFACES - 1, test_run = XDPCAST_TEST_RUN_SLOT;
	int ncpus = libbpf_num_possible_cpus(), fd = bpf_map__fd(skel->maps.xdpcast_stats);
	struct xdpcast_stats before[ncpus], after[ncpus], run_before[ncpus], run_after[ncpus];
	__u64 moved = 0, run_moved = 0;

	(void)state;
	assert_int_equal(bpf_map_lookup_elem(fd, &last, before), 0);
	assert_int_equal(bpf_map_lookup_elem(fd, &test_run, run_before), 0);
	skel->bss->iface_ifindex[last] = 1;     /* the loopback device test runs come from */
	run_fixture(&fixtures[0]);
	skel->bss->iface_ifindex[last] = TEST_UNUSED_IFINDEX + last;
	assert_int_equal(bpf_map_lookup_elem(fd, &last, after), 0);
	assert_int_equal(bpf_map_lookup_elem(fd, &test_run, run_after), 0);
	for (int cpu = 0; cpu < ncpus; cpu++) {
		moved += stats_counter(&after[cpu], XDPCAST_dns_answer)->packets -
			 stats_counter(&before[cpu], XDPCAST_dns_answer)->packets;
		run_moved += stats_counter(&run_after[cpu], XDPCAST_dns_answer)->packets -
			     stats_counter(&run_before[cpu], XDPCAST_dns_answer)->packets;
	}
	assert_int_equal(moved, 1);
	assert_int_equal(run_moved, 0);
}

/* The share of the verifier's limit the program may take here: verifiers
 * of other kernels walk the same program differently, so one that nears the
 * limit on this kernel can be refused on the next. */
#define VERIFIER_BUDGET_INSNS (VERIFIER_LIMIT_INSNS / 4 * 3)

/* The program, loaded with every interface slot in use (the verifier's
 * worst case), keeps a quarter of the verifier's limit in hand. */
static void test_verifier_headroom(void **state)
{
	struct bpf_prog_info info = { 0 };
	__u32 len = sizeof(info);

	(void)state;
	assert_int_equal(bpf_obj_get_info_by_fd(bpf_program__fd(skel->progs.xdpcast), &info, &len), 0);
	assert_true(info.verified_insns > 0);
	if (info.verified_insns > VERIFIER_BUDGET_INSNS)
		fail_msg("the verifier walked %u instructions of its limit of %u, over the budget of %u: "
			 "move a stage into a global function (docs/ARCHITECTURE.md, verifier notes)",
			 info.verified_insns, VERIFIER_LIMIT_INSNS, VERIFIER_BUDGET_INSNS);
}

/* Test runs of fragments, one after another until told to stop: what a
 * health round or another lookup running at the same time counts in the
 * test-run slot. */
static volatile int other_runs_stop;

static void *other_test_runs(void *arg)
{
	uint8_t in[FRAME_MAX] = { 0 };
	size_t in_len = build_query(&(struct query_spec){ .fragment = 1, .qname = "www.example.test." }, in);

	(void)arg;
	while (!other_runs_stop) {
		LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = in, .data_size_in = in_len, .repeat = 1000);

		if (bpf_prog_test_run_opts(bpf_program__fd(skel->progs.xdpcast), &opts))
			break;
	}
	return NULL;
}

/* `xdpcastctl lookup` and the fast_path check name the reason the run
 * counted, read from the test-run slot, which other test runs share. */
static void test_lookup_reason_beside_other_test_runs(void **state)
{
	struct lookup_pins pins = { .prog = bpf_program__fd(skel->progs.xdpcast),
				    .stats = bpf_map__fd(skel->maps.xdpcast_stats) };
	__u64 before[XDPCAST_REASON_MAX], now[XDPCAST_REASON_MAX];
	struct lookup_result res;
	pthread_t thread;
	char err[256];

	(void)state;
	assert_int_equal(prefix_parse("192.0.2.53/32", &pins.destination, err, sizeof(err)), 0);
	if (lookup_read_stats_shape(&pins, err, sizeof(err)))
		fail_msg("%s", err);
	test_program_counts(skel, before);
	other_runs_stop = 0;
	assert_int_equal(pthread_create(&thread, NULL, other_test_runs, NULL), 0);
	do
		test_program_counts(skel, now);
	while (now[XDPCAST_drop_fragment] == before[XDPCAST_drop_fragment]);
	for (int i = 0; i < 20; i++) {
		if (lookup_query(&pins, "www.example.test.", KNOT_RRTYPE_A, false, &res, err, sizeof(err)))
			fail_msg("%s", err);
		if (res.verdict != XDP_TX || res.reason != XDPCAST_dns_answer)
			break;
	}
	other_runs_stop = 1;
	assert_int_equal(pthread_join(thread, NULL), 0);
	assert_int_equal(res.verdict, XDP_TX);
	if (res.reason != XDPCAST_dns_answer)
		fail_msg("an answer named %s", res.reason < XDPCAST_REASON_MAX ? reason_names[res.reason] : "no reason");
}

/* protect PREFIX with the default rules, or with `rules` alone. */
static void protect(int fd, const char *prefix, const struct port_rule *rules, size_t rule_count)
{
	struct xdpcast_lpm_key key;
	struct protected_prefix scope;
	struct protection defaults;
	char err[256];

	assert_int_equal(prefix_parse(prefix, &key, err, sizeof(err)), 0);
	protection_defaults(&defaults);
	if (rules)
		protection_scope(rules, rule_count, &key, 0, &scope);
	else
		protection_scope(defaults.allow, defaults.allow_count, &key, 0, &scope);
	protection_free(&defaults);
	assert_int_equal(bpf_map_update_elem(fd, &key, &scope, BPF_ANY), 0);
}

/* Where `lookup` and the fast_path check send their queries: a host-route
 * prefix whose address ends in a 0 bit got the address after it (outside
 * it: passed, and the fast_path check never rose), and a first prefix
 * whose rules drop DNS over UDP, or one inside it holding the address,
 * got the query dropped. */
static void test_lookup_destination(void **state)
{
	const struct port_rule dot_only = { .proto = IPPROTO_TCP, .port = 853 };
	LIBBPF_OPTS(bpf_map_create_opts, opts, .map_flags = BPF_F_NO_PREALLOC);
	struct xdpcast_lpm_key got, want;
	char err[256];
	int fd;

	(void)state;
	fd = bpf_map_create(BPF_MAP_TYPE_LPM_TRIE, "lookup_dest", sizeof(struct xdpcast_lpm_key),
			    sizeof(struct protected_prefix), 8, &opts);
	assert_true(fd >= 0);
	assert_int_equal(lookup_destination(fd, &got, err, sizeof(err)), -1);
	assert_string_equal(err, "no anycast prefix is protected");

	protect(fd, "192.0.2.10/32", NULL, 0);
	assert_int_equal(lookup_destination(fd, &got, err, sizeof(err)), 0);
	assert_int_equal(prefix_parse("192.0.2.10/32", &want, err, sizeof(err)), 0);
	assert_memory_equal(&got, &want, sizeof(want));
	assert_int_equal(bpf_map_delete_elem(fd, &want), 0);

	protect(fd, "192.0.2.0/24", &dot_only, 1);
	assert_int_equal(lookup_destination(fd, &got, err, sizeof(err)), -1);
	assert_string_equal(err, "no anycast prefix lets DNS over UDP in (allow: udp/53)");
	protect(fd, "198.51.100.0/24", NULL, 0);
	assert_int_equal(lookup_destination(fd, &got, err, sizeof(err)), 0);
	assert_int_equal(prefix_parse("198.51.100.0/24", &want, err, sizeof(err)), 0);
	want.addr[15] |= 1;
	assert_memory_equal(&got, &want, sizeof(want));
	/* 198.51.100.1 inside a prefix of its own that drops DNS over UDP. */
	protect(fd, "198.51.100.0/25", &dot_only, 1);
	assert_int_equal(lookup_destination(fd, &got, err, sizeof(err)), -1);
	protect(fd, "198.51.100.128/25", NULL, 0);
	assert_int_equal(lookup_destination(fd, &got, err, sizeof(err)), 0);
	assert_int_equal(prefix_parse("198.51.100.128/25", &want, err, sizeof(err)), 0);
	want.addr[15] |= 1;
	assert_memory_equal(&got, &want, sizeof(want));
	close(fd);
}


/* The response's IP header as the program writes it: the query's TOS
 * (DSCP and ECN) kept, ID 0, DF, TTL 64, written in place and, with IPv4
 * options to drop, built apart; over IPv6 the query's traffic class and
 * flow label kept, hop limit 64. None is in the UDP checksum: only these
 * bytes tell. */
static void test_response_ip_header(void **state)
{
	uint8_t in[FRAME_MAX] = { 0 }, out[FRAME_MAX];
	size_t in_len, out_len;

	(void)state;
	for (int option_bytes = 0; option_bytes <= 4; option_bytes += 4) {
		in_len = build_query(&(struct query_spec){ .qname = "www.example.test.", .ipv4_option_bytes = option_bytes,
							   .traffic_class = 0xb9, .ip_id = 0x1234 }, in);
		assert_int_equal(run_frame(in, in_len, out, &out_len), XDP_TX);
		assert_memory_equal(out + 14, "\x45\xb9", 2);
		assert_int_equal(out[14 + 4] << 8 | out[14 + 5], 0);
		assert_int_equal(out[14 + 6] << 8 | out[14 + 7], 0x4000);
		assert_int_equal(out[14 + 8], 64);
	}
	in_len = build_query(&(struct query_spec){ .family = 6, .qname = "www.example.test.", .traffic_class = 0xb9,
						   .flow_label = 0xabcde, .hop_limit = 60 }, in);
	assert_int_equal(run_frame(in, in_len, out, &out_len), XDP_TX);
	assert_memory_equal(out + 14, "\x6b\x9a\xbc\xde", 4);
	assert_int_equal(out[14 + 7], 64);
}

/* A response whose UDP checksum comes to 0 is sent as 0xffff (RFC 768):
 * 0 says "no checksum", which IPv6 forbids (RFC 8200 section 8.1). The
 * client's source port is in the sum: the one that brings it to 0 is
 * found from the checksum of another. */
static void test_udp_checksum_never_zero(void **state)
{
	uint8_t in[FRAME_MAX] = { 0 }, out[FRAME_MAX];
	struct query_spec q = { .family = 6, .qname = "www.example.test.", .sport = 40000 };
	struct frame_info r;
	size_t in_len, out_len;
	uint32_t port;

	(void)state;
	in_len = build_query(&q, in);
	assert_int_equal(run_frame(in, in_len, out, &out_len), XDP_TX);
	assert_null(check_frame(out, out_len, FRAME_AS_SENT, &r));
	/* Adding the checksum's value to the port brings the sum to 0xffff. */
	port = 40000 + ((uint32_t)r.udp[6] << 8 | r.udp[7]);
	port = (port & 0xffff) + (port >> 16);
	q.sport = port;
	in_len = build_query(&q, in);
	assert_int_equal(run_frame(in, in_len, out, &out_len), XDP_TX);
	assert_null(check_frame(out, out_len, FRAME_AS_SENT, &r));
	assert_int_equal((uint32_t)r.udp[6] << 8 | r.udp[7], 0xffff);
}

/* A client's EDNS size over ours is taken as ours (1232, what NSD sends
 * and what fits IPv6's minimum MTU): an answer over it is truncated,
 * however much the client offers. The owner's long label leaves less
 * room after the question than the answer needs. */
static void test_edns_size_capped(void **state)
{
	char zone[4096], path[TEMP_NAME_MAX], err[256], qname[128];
	char label[64], txt[251];
	size_t at;

	(void)state;
	memset(label, 'a', 63), label[63] = '\0';
	memset(txt, 't', 250), txt[250] = '\0';
	at = snprintf(zone, sizeof(zone), "$ORIGIN cap.test.\n$TTL 3600\n"
		      "@ IN SOA ns1 hostmaster 1 7200 900 1209600 300\n@ IN NS ns1\nns1 IN A 192.0.2.53\n");
	for (int i = 0; i < 4; i++)
		at += snprintf(zone + at, sizeof(zone) - at, "big.%s IN TXT \"%d%s\"\n", label, i, txt + 1);
	at += snprintf(zone + at, sizeof(zone) - at, "big.%s IN TXT \"%.100s\"\n", label, txt);
	snprintf(qname, sizeof(qname), "big.%s.cap.test.", label);
	assert_non_null(temp_file(path, "xdpcast-cap-XXXXXX", zone));
	assert_int_equal(test_program_publish(skel, path, err, sizeof(err)), 0);
	unlink(path);

	run_fixture(&(struct fixture){ "EDNS 1232: the answer does not fit",
				       { .qname = qname, .qtype = KNOT_RRTYPE_TXT, .edns_size = 1232 },
				       XDP_TX, XDPCAST_dns_truncated, { 0, 0, 0, NULL, .tc = 1, .edns = 1 } });
	run_fixture(&(struct fixture){ "EDNS 4096: ours is 1232, the answer does not fit either",
				       { .family = 6, .qname = qname, .qtype = KNOT_RRTYPE_TXT, .edns_size = 4096 },
				       XDP_TX, XDPCAST_dns_truncated, { 0, 0, 0, NULL, .tc = 1, .edns = 1 } });
	assert_int_equal(test_program_publish(skel, TEST_ZONE, err, sizeof(err)), 0);
}

/* An NXDOMAIN proof to DO=1 in a zone signed with NSEC: the NSEC that
 * covers the qname, and the one that denies the wildcard; when one NSEC
 * does both (a name just after the apex: "-" sorts before "0.denial.test"),
 * it is sent once. */
static void test_nsec_proof_sent_once(void **state)
{
	char err[256];

	(void)state;
	assert_int_equal(test_program_publish(skel, "tests/zones/denial.test.signed", err, sizeof(err)), 0);
	run_fixture(&(struct fixture){ "NXDOMAIN, two NSECs: each with its RRSIG",
				       { .qname = "b.denial.test.", .edns_size = 1232, .edns_do = 1 },
				       XDP_TX, XDPCAST_dns_nxdomain,
				       { 0, 6, 0, .edns = 1, .edns_do = 1, .rcode = KNOT_RCODE_NXDOMAIN, .first_authority = "\tSOA\t" } });
	run_fixture(&(struct fixture){ "NXDOMAIN whose NSEC also denies the wildcard: sent once",
				       { .qname = "-.denial.test.", .edns_size = 1232, .edns_do = 1 },
				       XDP_TX, XDPCAST_dns_nxdomain,
				       { 0, 4, 0, .edns = 1, .edns_do = 1, .rcode = KNOT_RCODE_NXDOMAIN, .first_authority = "\tSOA\t" } });
	assert_int_equal(test_program_publish(skel, TEST_ZONE, err, sizeof(err)), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fixtures),
		cmocka_unit_test(test_reflection_ports),
		cmocka_unit_test(test_generation_swap),
		cmocka_unit_test(test_views),
		cmocka_unit_test(test_interface_slots),
		cmocka_unit_test(test_verifier_headroom),
		cmocka_unit_test(test_lookup_reason_beside_other_test_runs),
		cmocka_unit_test(test_lookup_destination),
		cmocka_unit_test(test_response_ip_header),
		cmocka_unit_test(test_udp_checksum_never_zero),
		cmocka_unit_test(test_edns_size_capped),
		cmocka_unit_test(test_nsec_proof_sent_once),
	};

	return cmocka_run_group_tests_name("xdp program", tests, setup, teardown);
}
