// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Zone loading and answer compilation: record counts, the rendered bytes of
 * a few names' answers decoded by libknot's own parser, and error messages
 * that name the file and line.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <fcntl.h>
#include <malloc.h>
#include <sys/stat.h>
#include <cmocka.h>

#include "answers.h"
#include "array.h"
#include "generation.h"
#include "temp_name.h"
#include "zone.h"

#define TEST_ZONE "tests/zones/example.test.zone"

static char *write_zone(const char *text)
{
	static char path[TEMP_NAME_MAX];
	int fd = mkstemp(temp_name(path, sizeof(path), "xdpcast-unit-XXXXXX"));

	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	return path;
}

static void test_loads_counts_and_serial(void **state)
{
	char err[256];
	struct zone *zone = zone_load(TEST_ZONE, err, sizeof(err));
	char origin[KNOT_DNAME_TXT_MAXLEN];

	(void)state;
	assert_non_null(zone);
	knot_dname_to_str(origin, zone->origin, sizeof(origin));
	assert_string_equal(origin, "example.test.");
	assert_int_equal(zone->serial, 2026112401);
	assert_int_equal(zone->record_count, 41);
	assert_int_equal(zone->rrset_count, 35);
	assert_false(zone->is_signed);
	zone_free(zone);
}

/* What the compiler renders at one name: the answers copied out of its
 * arena, so several stay valid at once. */
struct compiled_name {
	int found;                      /* 0: a name of ours; 1: not */
	uint16_t flags;
	size_t type_count;
	struct typed_answer types[32];
	struct compiled_answer other, below;
	bool has_other, has_below;
	uint8_t bytes[34][4096];
};

static void keep(struct compiled_answer *to, const struct compiled_answer *from, uint8_t *room)
{
	*to = *from;
	assert_true(from->head_len + from->tail_len <= 4096);
	memcpy(room, from->bytes, from->head_len + from->tail_len);
	to->bytes = room;
}

static struct compiled_name *compile_as(const struct zone *zone, const char *owner, bool minimal_responses)
{
	static struct compiled_name out;
	knot_dname_t *name = knot_dname_from_str_alloc(owner);
	struct zone_compiler *zc;
	struct name_answers n;
	char err[256];

	memset(&out, 0, sizeof(out));
	zc = zone_compiler_new(zone, minimal_responses, err, sizeof(err));
	assert_non_null(zc);
	knot_dname_to_lower(name);
	out.found = zone_compile_name(zc, name, &n, err, sizeof(err));
	assert_true(out.found >= 0);
	if (!out.found) {
		out.flags = n.flags;
		out.type_count = n.type_count;
		for (size_t i = 0; i < n.type_count; i++) {
			out.types[i] = n.types[i];
			keep(&out.types[i].answer, &n.types[i].answer, out.bytes[i]);
		}
		if ((out.has_other = n.has_other))
			keep(&out.other, &n.other, out.bytes[32]);
		if ((out.has_below = n.has_below))
			keep(&out.below, &n.below, out.bytes[33]);
	}
	zone_compiler_free(zc);
	free(name);
	return &out;
}

static struct compiled_name *compile(const struct zone *zone, const char *owner)
{
	return compile_as(zone, owner, false);
}

/* The DO=0 answer of one type at a compiled name, or NULL. */
static const struct compiled_answer *typed(const struct compiled_name *c, uint16_t type)
{
	for (size_t i = 0; i < c->type_count; i++)
		if (c->types[i].qtype == type && !c->types[i].dnssec)
			return &c->types[i].answer;
	return NULL;
}

enum cut { CUT_ANSWER, CUT_AUTHORITY, CUT_FULL };

/* Rebuilds the whole response around an answer's cut, as the XDP program
 * does, and has libknot parse it. */
static knot_pkt_t *response_of(const char *qname, uint16_t qtype, const struct compiled_answer *a, enum cut cut)
{
	knot_dname_t *name = knot_dname_from_str_alloc(qname);
	size_t qlen = knot_dname_size(name);
	size_t len = a->head_len + (cut == CUT_FULL ? a->tail_len : cut == CUT_AUTHORITY ? a->auth_len : 0);
	knot_pkt_t *pkt = knot_pkt_new(NULL, KNOT_WIRE_MAX_PKTSIZE, NULL);
	uint8_t *w = pkt->wire;

	memset(w, 0, KNOT_WIRE_HEADER_SIZE);
	knot_wire_set_id(w, 0x1234);
	w[2] = a->header_flags >> 8;
	w[3] = a->header_flags & 0xff;
	knot_wire_set_qdcount(w, 1);
	knot_wire_set_ancount(w, a->ancount);
	knot_wire_set_nscount(w, cut == CUT_ANSWER ? 0 : a->nscount);
	knot_wire_set_arcount(w, cut == CUT_FULL ? a->arcount : 0);
	memcpy(w + KNOT_WIRE_HEADER_SIZE, name, qlen);
	knot_wire_write_u16(w + KNOT_WIRE_HEADER_SIZE + qlen, qtype);
	knot_wire_write_u16(w + KNOT_WIRE_HEADER_SIZE + qlen + 2, KNOT_CLASS_IN);
	memcpy(w + KNOT_WIRE_HEADER_SIZE + qlen + 4, a->bytes, len);
	pkt->size = KNOT_WIRE_HEADER_SIZE + qlen + 4 + len;
	free(name);
	assert_int_equal(knot_pkt_parse(pkt, 0), KNOT_EOK);
	return pkt;
}

static void assert_rrset_text(const knot_pkt_t *pkt, knot_section_t section, uint16_t index,
			      const char *expected)
{
	const knot_pktsection_t *sec = knot_pkt_section(pkt, section);
	char text[1024];

	assert_true(index < sec->count);
	assert_true(knot_rrset_txt_dump(knot_pkt_rr(sec, index), (char **)&(char *){ text }, &(size_t){ sizeof(text) },
					&KNOT_DUMP_STYLE_DEFAULT) > 0);
	assert_non_null(strstr(text, expected));
}

static void test_renders_nsd_style_sections(void **state)
{
	char err[256];
	struct zone *zone = zone_load(TEST_ZONE, err, sizeof(err));
	const struct compiled_answer *mx;
	struct compiled_name *c;
	knot_pkt_t *pkt;

	(void)state;
	/* sub NS and the glue below it are not answers. */
	assert_null(typed(compile(zone, "sub.example.test."), KNOT_RRTYPE_NS));
	assert_int_equal(compile(zone, "ns.sub.example.test.")->found, 1);

	c = compile(zone, "example.test.");
	mx = typed(c, KNOT_RRTYPE_MX);
	assert_non_null(mx);
	assert_int_equal(mx->header_flags, 0x8400);  /* QR, AA */
	assert_int_equal(mx->ancount, 2);
	assert_int_equal(mx->nscount, 2);
	assert_int_equal(mx->arcount, 3);
	assert_int_equal(mx->shares, ZONE_SLOT_POSITIVE);

	pkt = response_of("EXAMPLE.test.", KNOT_RRTYPE_MX, mx, CUT_FULL);
	assert_int_equal(knot_wire_get_ancount(pkt->wire), 2);
	assert_rrset_text(pkt, KNOT_ANSWER, 0, "MX\t10 mail.example.test.");
	assert_rrset_text(pkt, KNOT_AUTHORITY, 0, "NS\tns1.example.test.");
	/* MX target first, then the NS targets, A before AAAA: NSD's order. */
	assert_rrset_text(pkt, KNOT_ADDITIONAL, 0, "mail.example.test.");
	assert_rrset_text(pkt, KNOT_ADDITIONAL, 1, "ns1.example.test.");
	knot_pkt_free(pkt);

	pkt = response_of("WWW.example.test.", KNOT_RRTYPE_A, typed(compile(zone, "www.example.test."), KNOT_RRTYPE_A),
			  CUT_ANSWER);
	assert_int_equal(knot_pkt_section(pkt, KNOT_ANSWER)->count, 2);
	assert_rrset_text(pkt, KNOT_ANSWER, 0, "A\t192.0.2.80");
	assert_rrset_text(pkt, KNOT_ANSWER, 1, "A\t192.0.2.81");
	assert_int_equal(knot_wire_get_nscount(pkt->wire), 0);
	knot_pkt_free(pkt);
	zone_free(zone);
}

/* Every name, empty non-terminals included, answers other types and the
 * names below it; the glue under the delegation is no name of ours. */
static void test_negative_answers(void **state)
{
	char err[256];
	struct zone *zone = zone_load(TEST_ZONE, err, sizeof(err));
	const struct compiled_answer *a;
	struct compiled_name *c;
	knot_pkt_t *pkt;

	(void)state;
	c = compile(zone, "_udp.example.test.");
	assert_true(c->has_other);
	assert_int_equal(c->other.reason, XDPCAST_dns_nodata);
	assert_int_equal(c->other.header_flags, 0x8400);
	/* the SOA is required: no cut drops it */
	assert_true(c->other.flags & ANSWER_NEEDS_AUTHORITY);
	assert_int_equal(c->other.shares, ZONE_SLOT_NODATA);

	c = compile(zone, "example.test.");
	assert_true(c->has_below);
	assert_int_equal(c->below.reason, XDPCAST_dns_nxdomain);
	assert_int_equal(c->below.header_flags, 0x8400 | KNOT_RCODE_NXDOMAIN);
	assert_true(c->below.flags & ANSWER_NO_TRUNCATE);
	assert_int_equal(c->below.shares, ZONE_SLOT_NXDOMAIN);
	/* position independent: right after any question */
	pkt = response_of("Some.Other.Name.example.test.", KNOT_RRTYPE_A, &c->below, CUT_FULL);
	assert_rrset_text(pkt, KNOT_AUTHORITY, 0, "300\tSOA\tns1.example.test. hostmaster.example.test.");
	knot_pkt_free(pkt);

	c = compile(zone, "sub.example.test.");
	assert_int_equal(c->below.reason, XDPCAST_dns_referral);
	assert_int_equal(c->below.header_flags, 0x8000);  /* AA=0 */
	pkt = response_of("deep.ns.sub.example.test.", KNOT_RRTYPE_A, &c->below, CUT_FULL);
	assert_rrset_text(pkt, KNOT_AUTHORITY, 0, "sub.example.test.");
	assert_rrset_text(pkt, KNOT_ADDITIONAL, 0, "ns.sub.example.test.");
	knot_pkt_free(pkt);
	assert_int_equal(typed(c, KNOT_RRTYPE_DS)->reason, XDPCAST_dns_nodata);

	/* Below a wildcard's parent: the wildcard's own answers, which are
	 * position independent with the answer's owner as the question. */
	assert_true(compile(zone, "wild.example.test.")->flags & NAME_BELOW_WILDCARD);
	a = typed(compile(zone, "*.wild.example.test."), KNOT_RRTYPE_A);
	assert_true(a->flags & ANSWER_NO_TRUNCATE);
	pkt = response_of("Any.Thing.wild.example.test.", KNOT_RRTYPE_A, a, CUT_FULL);
	assert_rrset_text(pkt, KNOT_ANSWER, 0, "any.thing.wild.example.test.");  /* parsed lowercase */
	knot_pkt_free(pkt);

	/* CNAME owners: the chain followed for each type its target has. */
	assert_int_equal(typed(compile(zone, "chain1.example.test."), KNOT_RRTYPE_AAAA)->ancount, 3);
	c = compile(zone, "dangling.example.test.");
	assert_int_equal(c->other.header_flags, 0x8400 | KNOT_RCODE_NXDOMAIN);
	assert_int_equal(c->other.ancount, 1);
	assert_false(compile(zone, "loop1.example.test.")->has_other);
	zone_free(zone);
}

/* NSD's minimal-responses, as NSD 4.6 answers with it: positive answers
 * alone, but the glue of NS RRsets, referrals and the SOA of negative
 * answers as without it. */
static void test_minimal_responses(void **state)
{
	char err[256];
	struct zone *zone = zone_load(TEST_ZONE, err, sizeof(err));
	const struct compiled_answer *a;
	struct compiled_name *c;
	knot_pkt_t *pkt;

	(void)state;
	c = compile_as(zone, "example.test.", true);
	a = typed(c, KNOT_RRTYPE_MX);
	assert_int_equal(a->ancount, 2);
	assert_int_equal(a->nscount, 0);
	assert_int_equal(a->arcount, 0);
	assert_int_equal(a->tail_len, 0);
	assert_int_equal(a->shares, ZONE_SLOT_MAX);
	a = typed(c, KNOT_RRTYPE_NS);
	assert_int_equal(a->nscount, 0);
	assert_int_equal(a->arcount, 2);
	pkt = response_of("example.test.", KNOT_RRTYPE_NS, a, CUT_FULL);
	assert_rrset_text(pkt, KNOT_ADDITIONAL, 0, "ns1.example.test.");
	knot_pkt_free(pkt);
	assert_int_equal(c->below.reason, XDPCAST_dns_nxdomain);
	assert_int_equal(c->below.nscount, 1);
	assert_int_equal(c->below.shares, ZONE_SLOT_NXDOMAIN);

	a = typed(compile_as(zone, "www.example.test.", true), KNOT_RRTYPE_A);
	assert_int_equal(a->ancount, 2);
	assert_int_equal(a->nscount + a->arcount + a->tail_len, 0);

	c = compile_as(zone, "sub.example.test.", true);
	assert_int_equal(c->below.reason, XDPCAST_dns_referral);
	assert_int_equal(c->below.nscount, 1);
	assert_int_equal(c->below.arcount, 1);
	zone_free(zone);
}

/* Names whose wildcard child could not be a name (more than 255 octets
 * with "*."): the check must not overrun, and answers as NXDOMAIN. */
static void test_names_near_255_octets(void **state)
{
	char label[64], text[600], err[256], zone_text[2048];
	char *path;
	struct zone *zone;
	struct compiled_name *c;

	(void)state;
	memset(label, 'x', 63);
	label[63] = '\0';
	/* 4 labels of 63 and "t.": 4 * 64 + 2 + 1 = 259 > 255; 3 and a 58: 254 */
	snprintf(text, sizeof(text), "%s.%s.%s.%.58s.t.", label, label, label, label);
	snprintf(zone_text, sizeof(zone_text), "$ORIGIN t.\n@ SOA ns hm 1 2 3 4 5\n%s A 192.0.2.1\n", text);
	path = write_zone(zone_text);
	zone = zone_load(path, err, sizeof(err));
	assert_non_null(zone);
	c = compile(zone, text);
	assert_int_equal(c->found, 0);
	assert_true(c->has_below);
	assert_int_equal(c->below.reason, XDPCAST_dns_nxdomain);
	assert_false(c->flags & NAME_BELOW_WILDCARD);
	zone_free(zone);
	unlink(path);
}

static void expect_load_error(const char *text, const char *expected_suffix)
{
	char err[256], expected[512];
	char *path = write_zone(text);

	assert_null(zone_load(path, err, sizeof(err)));
	snprintf(expected, sizeof(expected), "%s%s", path, expected_suffix);
	assert_string_equal(err, expected);
	unlink(path);
}

/* Zone text in memory, called "text" in messages. */
static void expect_parse_error(const char *text, const char *expected)
{
	char err[512];

	assert_null(zone_parse("text", text, strlen(text), err, sizeof(err)));
	assert_string_equal(err, expected);
}

static void test_errors_name_file_and_line(void **state)
{
	static const char largest_ttl[] = "$ORIGIN t.\n@ SOA ns hm 1 2 3 4 5\nwww 2147483647 A 192.0.2.1\n";
	struct zone *zone;
	char err[512];

	(void)state;
	expect_load_error("$ORIGIN t.\n@ SOA ns hm 1 2 3 4 5\nwww A 192.0.2.300\n",
			  ":3: invalid IPv4 address");
	expect_load_error("$ORIGIN t.\nwww A 192.0.2.1\n", ":2: the first record must be the zone's SOA");
	expect_load_error("$ORIGIN t.\n@ SOA ns hm 1 2 3 4 5\n\n@ SOA ns hm 2 2 3 4 5\n",
			  ":4: a second SOA record");
	expect_load_error("$ORIGIN t.\n@ SOA ns hm 1 2 3 4 5\nwww.other. A 192.0.2.1\n",
			  ":3: owner is outside the zone (origin is the SOA owner)");
	expect_load_error("$ORIGIN t.\n@ SOA ns hm 1 2 3 4 5\nwww 2147483648 A 192.0.2.1\n",
			  ":3: TTL 2147483648 is over 2147483647 (RFC 2181 section 8)");
	zone = zone_parse("text", largest_ttl, strlen(largest_ttl), err, sizeof(err));
	if (!zone)
		fail_msg("the largest TTL: %s", err);
	assert_int_equal(zone->record_count, 2);
	zone_free(zone);
	/* zscanner reads class IN only and calls another class an unknown type. */
	expect_load_error("$ORIGIN t.\n@ SOA ns hm 1 2 3 4 5\nwww CH TXT \"x\"\n",
			  ":3: class CH: only class IN is served");
	expect_load_error("$ORIGIN t.\n@ SOA ns hm 1 2 3 4 5\nch 60 class3 A 192.0.2.1\n",
			  ":3: class class3: only class IN is served");
	expect_load_error("$ORIGIN t.\n@ SOA ns hm 1 2 3 4 5\nch 60 BOGUS x ; HS\n",
			  ":3: unsupported record type");
	/* A class stands before the type: one in the data is a name. */
	expect_load_error("$ORIGIN t.\n@ SOA ns hm 1 2 3 4 5\nwww 60 BOGUS ch\n", ":3: unsupported record type");
	expect_load_error("$ORIGIN t.\n@ SOA ns hm 1 2 3 4 5\nwww IN 60 BOGUS hs\n", ":3: unsupported record type");
	expect_load_error("$ORIGIN t.\n@ SOA ns hm 1 2 3 4 5\n  CH 60 TXT \"x\"\n", ":3: class CH: only class IN is served");
	expect_load_error("; nothing\n", ": no SOA record: the zone has no origin");
}

/* NSD and Knot take a zone's origin from their config; xdpcastd takes it
 * from the SOA owner. A file written for them without $ORIGIN loaded as
 * the root zone, its relative names under the root, and --check-config
 * called it fine. Names in full, or a $ORIGIN (the root's too), load. */
static void test_relative_names_need_an_origin(void **state)
{
	static const char *const loads[] = {
		"t. 3600 SOA ns.t. hm.t. 1 2 3 4 5\nwww.t. 3600 A 192.0.2.1\n",
		"$ORIGIN .\n@ 3600 SOA a.root-servers.net. hm.t. 1 2 3 4 5\n",
		"$ORIGIN t.\n@ 3600 SOA ns hm 1 2 3 4 5\n",
		/* Text holding the bytes of a name, not a name: it loads. */
		"$ORIGIN t.\n@ 3600 SOA ns hm 1 2 3 4 5\n@ TXT \"\\017xdpcast-no-origin\\007invalid\\000\"\n",
	};
	static const char relative[] = ": a relative name (or @) before any $ORIGIN: the file must give its origin "
				       "($ORIGIN and the zone's name at the top), which NSD and Knot take from their config";
	char expected[256];

	(void)state;
	snprintf(expected, sizeof(expected), "text:1%s", relative);
	expect_parse_error("@ 3600 IN SOA ns1 hostmaster 1 7200 3600 1209600 300\n", expected);
	expect_parse_error("t. 3600 IN SOA ns1 hostmaster.t. 1 7200 3600 1209600 300\n", expected);
	snprintf(expected, sizeof(expected), "text:2%s", relative);
	expect_parse_error("t. 3600 SOA ns.t. hm.t. 1 2 3 4 5\nt. 3600 NS ns1\n", expected);
	/* A name after other fields of the data: MX's exchange, NAPTR's replacement. */
	expect_parse_error("t. 3600 SOA ns.t. hm.t. 1 2 3 4 5\nt. 3600 MX 10 mail\n", expected);
	expect_parse_error("t. 3600 SOA ns.t. hm.t. 1 2 3 4 5\nt. 3600 NAPTR 1 1 \"s\" \"SIP+D2U\" \"\" _sip._udp\n",
			   expected);
	for (size_t i = 0; i < sizeof(loads) / sizeof(loads[0]); i++) {
		char err[512];
		struct zone *zone = zone_parse("text", loads[i], strlen(loads[i]), err, sizeof(err));

		if (!zone)
			fail_msg("%s: %s", loads[i], err);
		zone_free(zone);
	}
}

static void test_same_zone_twice_is_refused(void **state)
{
	char *files[] = { TEST_ZONE, TEST_ZONE };
	struct view_zones views[] = { { files, 2 } };
	struct generation gen;
	char err[256];

	(void)state;
	assert_int_equal(generation_build(&gen, views, 1, NULL, 0, NULL, err, sizeof(err)), -1);
	assert_string_equal(err, TEST_ZONE ": zone example.test. is already loaded from " TEST_ZONE);
}

static void test_rrset_merge_takes_lowest_ttl(void **state)
{
	char err[256];
	char *path = write_zone("$ORIGIN t.\n@ SOA ns hm 1 2 3 4 5\nwww 300 A 192.0.2.1\nwww 60 A 192.0.2.2\n"
				"www 300 A 192.0.2.1\n");
	struct zone *zone = zone_load(path, err, sizeof(err));
	knot_dname_t *www = knot_dname_from_str_alloc("www.t.");
	const knot_rrset_t *rr;

	(void)state;
	assert_non_null(zone);
	rr = zone_find(zone, www, KNOT_RRTYPE_A);
	assert_non_null(rr);
	assert_int_equal(rr->rrs.count, 2);  /* the duplicate record is one RR */
	assert_int_equal(rr->ttl, 60);
	free(www);
	zone_free(zone);
	unlink(path);
}

/* As NSD: a $TTL in an included file holds after the $INCLUDE, while
 * the $ORIGIN goes back to the including file's. */
static void test_ttl_of_an_include_holds_after_it(void **state)
{
	char inner[64], outer[64], text[256], err[256];
	struct zone *zone;
	knot_dname_t *after = knot_dname_from_str_alloc("after.t."), *inc = knot_dname_from_str_alloc("inc.sub.t.");

	(void)state;
	snprintf(inner, sizeof(inner), "%s", write_zone("$TTL 77\ninc A 192.0.2.1\n"));
	snprintf(text, sizeof(text), "$ORIGIN t.\n$TTL 900\n@ SOA ns hm 1 2 3 4 5\n$INCLUDE %s sub.t.\n"
		 "after A 192.0.2.2\n", inner);
	snprintf(outer, sizeof(outer), "%s", write_zone(text));
	zone = zone_load(outer, err, sizeof(err));
	if (!zone)
		fail_msg("%s", err);
	assert_int_equal(zone_find(zone, inc, KNOT_RRTYPE_A)->ttl, 77);
	assert_int_equal(zone_find(zone, after, KNOT_RRTYPE_A)->ttl, 77);
	free(after);
	free(inc);
	zone_free(zone);
	unlink(inner);
	unlink(outer);
}

#define DIFF_SOA(serial) "$ORIGIN diff.test.\n@ 300 IN SOA ns1 host " #serial " 3600 600 86400 60\n"

static struct zone *load_text(const char *text)
{
	char err[256];
	char *path = write_zone(text);
	struct zone *zone = zone_load(path, err, sizeof(err));

	unlink(path);
	if (!zone)
		fail_msg("%s", err);
	return zone;
}

/* The A addresses at owner, last octets summed: which records are there. */
static int a_octets(const struct zone *zone, const char *owner)
{
	knot_dname_t *name = knot_dname_from_str_alloc(owner);
	const knot_rrset_t *rrset = zone_find(zone, name, KNOT_RRTYPE_A);
	knot_rdata_t *rd;
	int sum = 0;

	knot_dname_free(name, NULL);
	if (!rrset)
		return -1;
	rd = rrset->rrs.rdata;
	for (uint16_t i = 0; i < rrset->rrs.count; i++, rd = knot_rdataset_next(rd))
		sum += rd->data[3];
	return sum;
}

/* Whether the changes list (owner, type) exactly once, and nothing else. */
static void expect_changes(const struct zone_changes *changes, const char *const *expected, size_t count)
{
	assert_int_equal(changes->count, count);
	for (size_t i = 0; i < count; i++) {
		char owner[KNOT_DNAME_TXT_MAXLEN], type[16], text[KNOT_DNAME_TXT_MAXLEN + 20];
		bool found = false;

		for (size_t j = 0; j < changes->count && !found; j++) {
			knot_dname_to_str(owner, changes->items[j].owner, sizeof(owner));
			knot_rrtype_to_string(changes->items[j].type, type, sizeof(type));
			snprintf(text, sizeof(text), "%s %s", owner, type);
			found = !strcmp(text, expected[i]);
		}
		if (!found)
			fail_msg("no change of %s", expected[i]);
	}
}

/* An IXFR change applied in place: records out, records in, the serial
 * moved, and the RRsets that changed listed. */
static void test_diff_applies_in_place(void **state)
{
	struct zone *zone = load_text(DIFF_SOA(1) "@ 300 IN NS ns1\nns1 300 IN A 192.0.2.53\n"
				      "www 300 IN A 192.0.2.1\nwww 300 IN A 192.0.2.2\ngone 300 IN TXT \"x\"\n");
	struct zone *removals = load_text(DIFF_SOA(1) "www 300 IN A 192.0.2.1\ngone 300 IN TXT \"x\"\n");
	struct zone *additions = load_text(DIFF_SOA(2) "www 300 IN A 192.0.2.3\nnew 300 IN A 192.0.2.4\n");
	static const char *const expected[] = { "diff.test. SOA", "www.diff.test. A", "new.diff.test. A",
						"gone.diff.test. TXT" };
	struct zone_changes changes = { 0 };
	knot_dname_t *gone = knot_dname_from_str_alloc("gone.diff.test.");
	char err[256];

	(void)state;
	if (zone_patch(zone, &removals, &additions, 1, &changes, err, sizeof(err)))
		fail_msg("%s", err);
	assert_int_equal(zone->serial, 2);
	assert_int_equal(a_octets(zone, "www.diff.test."), 2 + 3);
	assert_int_equal(a_octets(zone, "new.diff.test."), 4);
	assert_false(zone_name_exists(zone, gone));
	assert_int_equal(zone->record_count, 6);       /* SOA, NS, ns1, 2 www, new */
	assert_int_equal(zone->rrset_count, 5);
	expect_changes(&changes, expected, 4);
	zone_changes_clear(&changes);
	knot_dname_free(gone, NULL);
	zone_free(zone);
	zone_free(removals);
	zone_free(additions);
}

/* A change that adds more RRsets than it removes leaves the zone's
 * RRsets in an array of the room it says it has: room counted past the
 * array would let the next record added to the zone write beyond it. */
static void test_patched_zone_room_is_its_own(void **state)
{
	struct zone *zone = load_text(DIFF_SOA(1) "@ 300 IN NS ns1\nns1 300 IN A 192.0.2.53\n");
	struct zone *removals = load_text(DIFF_SOA(1));
	struct zone *additions = load_text(DIFF_SOA(2) "a 300 IN A 192.0.2.1\nb 300 IN A 192.0.2.2\n"
					   "c 300 IN A 192.0.2.3\n");
	char err[256];

	(void)state;
	if (zone_patch(zone, &removals, &additions, 1, NULL, err, sizeof(err)))
		fail_msg("%s", err);
	assert_int_equal(zone->rrset_count, 6);
	assert_true(zone->rrset_capacity >= zone->rrset_count);
	assert_true(malloc_usable_size(zone->rrsets) >= zone->rrset_capacity * sizeof(*zone->rrsets));
	zone_free(zone);
	zone_free(removals);
	zone_free(additions);
}

#define DIFF_SIG(covered, tag) " 300 IN RRSIG " #covered " 13 3 300 20370101000000 20260101000000 " #tag " diff.test. AAAA\n"

/* The key tag of the one signature over (owner, covered); 0: none, -1: more. */
static int signature_tag(const struct zone *zone, const char *owner, uint16_t covered)
{
	knot_dname_t *name = knot_dname_from_str_alloc(owner);
	const knot_rrset_t *sigs = zone_find_signatures(zone, name, covered);

	knot_dname_free(name, NULL);
	if (!sigs || !sigs->rrs.count)
		return 0;
	return sigs->rrs.count == 1 ? knot_rrsig_key_tag(sigs->rrs.rdata) : -1;
}

/* A signer's IXFR (Knot's after a commit or a re-sign): every signature
 * of an RRset out and a new one in, and a name gone with its signature.
 * In between, an RRSIG RRset has no record left to say the type it covers
 * (reading it aborted the daemon); it stays apart from the owner's other
 * RRSIG RRsets, and the one emptied for good is dropped. */
static void test_diff_replacing_signatures_applies(void **state)
{
	struct zone *zone = load_text(DIFF_SOA(1) "www 300 IN A 192.0.2.1\nwww" DIFF_SIG(A, 1111)
				      "www 300 IN AAAA 2001:db8::1\nwww" DIFF_SIG(AAAA, 1111)
				      "gone 300 IN TXT \"x\"\ngone" DIFF_SIG(TXT, 1111));
	struct zone *removals = load_text(DIFF_SOA(1) "www" DIFF_SIG(A, 1111) "gone 300 IN TXT \"x\"\ngone"
					  DIFF_SIG(TXT, 1111));
	struct zone *additions = load_text(DIFF_SOA(2) "www" DIFF_SIG(A, 2222) "new 300 IN A 192.0.2.4\nnew"
					   DIFF_SIG(A, 2222));
	static const char *const expected[] = { "diff.test. SOA", "www.diff.test. RRSIG", "gone.diff.test. TXT",
						"gone.diff.test. RRSIG", "new.diff.test. A", "new.diff.test. RRSIG" };
	struct zone_changes changes = { 0 };
	char err[256];

	(void)state;
	if (zone_patch(zone, &removals, &additions, 1, &changes, err, sizeof(err)))
		fail_msg("%s", err);
	assert_int_equal(zone->serial, 2);
	assert_int_equal(signature_tag(zone, "www.diff.test.", KNOT_RRTYPE_A), 2222);
	assert_int_equal(signature_tag(zone, "www.diff.test.", KNOT_RRTYPE_AAAA), 1111);
	assert_int_equal(signature_tag(zone, "gone.diff.test.", KNOT_RRTYPE_TXT), 0);
	assert_int_equal(signature_tag(zone, "new.diff.test.", KNOT_RRTYPE_A), 2222);
	assert_int_equal(zone->record_count, 7);       /* SOA, www A, AAAA and two RRSIGs, new A and RRSIG */
	assert_int_equal(zone->rrset_count, 7);
	expect_changes(&changes, expected, 6);
	zone_changes_clear(&changes);
	zone_free(zone);
	zone_free(removals);
	zone_free(additions);
}

/* Copies that diverged must not be patched, not even in part: the caller
 * falls back to AXFR and the copy in force stays as it was. */
static void test_diff_that_does_not_apply_changes_nothing(void **state)
{
	struct zone *zone = load_text(DIFF_SOA(1) "www 300 IN A 192.0.2.1\n");
	struct zone *wrong_serial = load_text(DIFF_SOA(5) "www 300 IN A 192.0.2.1\n");
	struct zone *missing = load_text(DIFF_SOA(2) "www 300 IN A 192.0.2.9\n");
	struct zone *first_out = load_text(DIFF_SOA(1) "www 300 IN A 192.0.2.1\n");
	struct zone *first_in = load_text(DIFF_SOA(2) "www 300 IN A 192.0.2.3\n");
	struct zone *second_in = load_text(DIFF_SOA(3) "www 300 IN A 192.0.2.4\n");
	struct zone *removals[] = { first_out, missing }, *additions[] = { first_in, second_in };
	struct zone_changes changes = { 0 };
	char err[256];

	(void)state;
	assert_int_equal(zone_patch(zone, &wrong_serial, &first_in, 1, &changes, err, sizeof(err)), -1);
	assert_string_equal(err, "the change starts at serial 5, the zone is at 1");
	/* The first change applies, the second removes a record absent then. */
	assert_int_equal(zone_patch(zone, removals, additions, 2, &changes, err, sizeof(err)), -1);
	assert_string_equal(err, "the change removes 1 record the zone does not have");
	assert_int_equal(zone->serial, 1);
	assert_int_equal(a_octets(zone, "www.diff.test."), 1);
	assert_int_equal(changes.count, 0);
	zone_free(zone);
	zone_free(wrong_serial);
	zone_free(missing);
	zone_free(first_out);
	zone_free(first_in);
	zone_free(second_in);
}

/* RFC 2181 10.1 holds after IXFR changes as for a file or an AXFR: a
 * CNAME added beside an address, an address beside a CNAME, or a second
 * CNAME, is refused whole (the zone kept both); a CNAME that replaces the
 * address in one change applies. */
static void test_diff_breaking_the_cname_rule_changes_nothing(void **state)
{
	struct zone *zone = load_text(DIFF_SOA(1) "www 300 IN A 192.0.2.1\nalias 300 IN CNAME www\n");
	struct zone *out = load_text(DIFF_SOA(1));
	struct zone *cname_in = load_text(DIFF_SOA(2) "www 300 IN CNAME alias\n");
	struct zone *address_in = load_text(DIFF_SOA(2) "alias 300 IN A 192.0.2.2\n");
	struct zone *second_cname_in = load_text(DIFF_SOA(2) "alias 300 IN CNAME elsewhere.example.\n");
	struct zone *address_out = load_text(DIFF_SOA(1) "www 300 IN A 192.0.2.1\n");
	struct zone *replaced_in = load_text(DIFF_SOA(2) "www 300 IN CNAME elsewhere.example.\n");
	struct zone_changes changes = { 0 };
	char err[256];

	(void)state;
	assert_int_equal(zone_patch(zone, &out, &cname_in, 1, &changes, err, sizeof(err)), -1);
	assert_string_equal(err, "the change leaves a CNAME and other data at www.diff.test. (A); only RRSIG, NSEC "
			    "and NSEC3 may sit beside a CNAME");
	assert_int_equal(zone_patch(zone, &out, &address_in, 1, &changes, err, sizeof(err)), -1);
	assert_string_equal(err, "the change leaves a CNAME and other data at alias.diff.test. (A); only RRSIG, NSEC "
			    "and NSEC3 may sit beside a CNAME");
	assert_int_equal(zone_patch(zone, &out, &second_cname_in, 1, &changes, err, sizeof(err)), -1);
	assert_string_equal(err, "the change leaves 2 CNAMEs at alias.diff.test.; an alias names one name only");
	assert_int_equal(zone->serial, 1);
	assert_int_equal(zone->rrset_count, 3);
	assert_int_equal(changes.count, 0);
	if (zone_patch(zone, &address_out, &replaced_in, 1, &changes, err, sizeof(err)))
		fail_msg("%s", err);
	assert_int_equal(zone->serial, 2);
	assert_int_equal(a_octets(zone, "www.diff.test."), -1);
	zone_changes_clear(&changes);
	zone_free(zone);
	zone_free(out);
	zone_free(cname_in);
	zone_free(address_in);
	zone_free(second_cname_in);
	zone_free(address_out);
	zone_free(replaced_in);
}

/* A change that removes the apex NS RRset leaves a zone that answers
 * NXDOMAIN for every name: refused whole, as a transfer's whole zone
 * without them is; one that replaces them applies. */
static void test_diff_removing_the_name_servers_changes_nothing(void **state)
{
	struct zone *zone = load_text(DIFF_SOA(1) "@ 300 IN NS ns1\nns1 300 IN A 192.0.2.53\n");
	struct zone *ns_out = load_text(DIFF_SOA(1) "@ 300 IN NS ns1\n");
	struct zone *nothing_in = load_text(DIFF_SOA(2));
	struct zone *other_ns_in = load_text(DIFF_SOA(2) "@ 300 IN NS ns2\n");
	char err[256];

	(void)state;
	assert_int_equal(zone_patch(zone, &ns_out, &nothing_in, 1, NULL, err, sizeof(err)), -1);
	assert_string_equal(err, "the change removes the zone's NS records at its apex");
	assert_int_equal(zone->serial, 1);
	assert_int_equal(zone->rrset_count, 3);
	if (zone_patch(zone, &ns_out, &other_ns_in, 1, NULL, err, sizeof(err)))
		fail_msg("%s", err);
	assert_int_equal(zone->serial, 2);
	zone_free(zone);
	zone_free(ns_out);
	zone_free(nothing_in);
	zone_free(other_ns_in);
}

/* A test that lowers the limits leaves the defaults, also when it fails. */
static int default_limits(void **state)
{
	const struct zone_limits defaults = ZONE_DEFAULT_LIMITS;

	(void)state;
	zone_set_limits(&defaults);
	return 0;
}

/* limits.zone_records bounds a transferred zone as it bounds a file or an
 * AXFR: IXFR changes that grow it past the limit are refused whole (they
 * grew it unbounded); changes that reach the limit apply. */
static void test_diff_past_the_record_limit_changes_nothing(void **state)
{
	const struct zone_limits four = { .file_bytes = ZONE_DEFAULT_FILE_MB << 20, .records = 4 };
	struct zone *zone = load_text(DIFF_SOA(1) "www 300 IN A 192.0.2.1\n");
	struct zone *out = load_text(DIFF_SOA(1));
	struct zone *three_in = load_text(DIFF_SOA(2) "a 300 IN A 192.0.2.2\nb 300 IN A 192.0.2.3\n"
					  "c 300 IN A 192.0.2.4\n");
	struct zone *two_in = load_text(DIFF_SOA(2) "a 300 IN A 192.0.2.2\nb 300 IN A 192.0.2.3\n");
	struct zone_changes changes = { 0 };
	char err[256];

	(void)state;
	zone_set_limits(&four);
	assert_int_equal(zone_patch(zone, &out, &three_in, 1, &changes, err, sizeof(err)), -1);
	assert_string_equal(err, "the change leaves 5 records, more than 4 (limits.zone_records)");
	assert_int_equal(zone->serial, 1);
	assert_int_equal(zone->record_count, 2);
	assert_int_equal(zone->rrset_count, 2);
	assert_int_equal(changes.count, 0);
	assert_int_equal(zone_patch(zone, &out, &two_in, 1, &changes, err, sizeof(err)), 0);
	assert_int_equal(zone->serial, 2);
	assert_int_equal(zone->record_count, 4);
	zone_changes_clear(&changes);
	zone_free(zone);
	zone_free(out);
	zone_free(three_in);
	zone_free(two_in);
}

/* An RRset written with different TTLs keeps the lowest (RFC 2181
 * section 5.2); a change that removes the record it came from cannot
 * know the TTL of the records left, so it does not apply (the daemon
 * transfers the zone whole), while one that leaves it, or removes the
 * RRset whole, does. */
static void test_diff_of_mixed_ttls(void **state)
{
	struct zone *zone = load_text(DIFF_SOA(1) "www 300 IN A 192.0.2.1\nwww 60 IN A 192.0.2.2\n"
				      "www 300 IN A 192.0.2.3\n");
	struct zone *out_high = load_text(DIFF_SOA(1) "www 300 IN A 192.0.2.3\n");
	struct zone *in_nothing = load_text(DIFF_SOA(2));
	struct zone *out_low = load_text(DIFF_SOA(2) "www 60 IN A 192.0.2.2\n");
	struct zone *in_nothing_3 = load_text(DIFF_SOA(3));
	struct zone_changes changes = { 0 };
	char err[256];

	(void)state;
	assert_true(zone->mixed_ttls);
	assert_int_equal(zone_patch(zone, &out_high, &in_nothing, 1, &changes, err, sizeof(err)), 0);
	assert_int_equal(zone->serial, 2);
	zone_changes_clear(&changes);
	assert_int_equal(zone_patch(zone, &out_low, &in_nothing_3, 1, &changes, err, sizeof(err)), -1);
	assert_string_equal(err, "the change removes the lowest-TTL record of an RRset written with different TTLs: "
			    "the TTL left is not known");
	assert_int_equal(zone->serial, 2);
	zone_free(zone);
	zone_free(out_high);
	zone_free(in_nothing);
	zone_free(out_low);
	zone_free(in_nothing_3);

	/* A change that would mix TTLs but does not apply leaves none mixed. */
	zone = load_text(DIFF_SOA(1) "www 300 IN A 192.0.2.1\n");
	out_high = load_text(DIFF_SOA(1));
	in_nothing = load_text(DIFF_SOA(2) "www 60 IN A 192.0.2.2\n");
	out_low = load_text(DIFF_SOA(2) "www 300 IN A 192.0.2.9\n");
	in_nothing_3 = load_text(DIFF_SOA(3));
	{
		struct zone *removals[] = { out_high, out_low }, *additions[] = { in_nothing, in_nothing_3 };

		assert_false(zone->mixed_ttls);
		assert_int_equal(zone_patch(zone, removals, additions, 2, &changes, err, sizeof(err)), -1);
		/* refused at the second step, after the first had mixed them */
		assert_string_equal(err, "the change removes 1 record the zone does not have");
		assert_false(zone->mixed_ttls);
	}
	zone_free(zone);
	zone_free(out_high);
	zone_free(in_nothing);
	zone_free(out_low);
	zone_free(in_nothing_3);
}

/* Two versions of a zone (a reloaded file): the RRsets that differ, by
 * data or TTL, on either side. */
static void test_changes_between_two_versions(void **state)
{
	struct zone *before = load_text(DIFF_SOA(1) "a 300 IN A 192.0.2.1\nb 300 IN A 192.0.2.2\n"
					"c 300 IN A 192.0.2.3\nd 300 IN TXT \"same\"\n");
	struct zone *after = load_text(DIFF_SOA(2) "a 300 IN A 192.0.2.1\nb 300 IN A 192.0.2.9\n"
				       "c 60 IN A 192.0.2.3\nd 300 IN TXT \"same\"\ne 300 IN A 192.0.2.5\n");
	static const char *const expected[] = { "diff.test. SOA", "b.diff.test. A", "c.diff.test. A",
						"e.diff.test. A" };
	struct zone_changes changes = { 0 };

	(void)state;
	assert_int_equal(zone_changes_between(before, after, &changes), 0);
	expect_changes(&changes, expected, 4);
	zone_changes_clear(&changes);
	zone_free(before);
	zone_free(after);
}

/* Dated an hour back: older than the second in which a write is not
 * trusted to show in the file's timestamps. */
static void age(const char *path)
{
	struct timespec times[2];

	clock_gettime(CLOCK_REALTIME, &times[0]);
	times[0].tv_sec -= 3600;
	times[1] = times[0];
	assert_int_equal(utimensat(AT_FDCWD, path, times, 0), 0);
}

/* A reload reads only the files that changed: an unchanged one's zone is
 * the one read before (applying the generation skips it); a file written
 * again, or replaced by another, is read again. */
static void test_unchanged_files_are_not_read_again(void **state)
{
	char first[64], second[64], err[256], *files[] = { first, second };
	struct view_zones views[] = { { files, 2 } };
	struct generation a, b, c, d;
	FILE *f;

	(void)state;
	strcpy(first, write_zone(DIFF_SOA(1) "www 300 IN A 192.0.2.1\n"));
	strcpy(second, write_zone("$ORIGIN other.test.\n@ 300 IN SOA ns1 host 1 3600 600 86400 60\n"
				  "www 300 IN A 192.0.2.1\n"));
	age(first);
	age(second);
	assert_int_equal(generation_build(&a, views, 1, NULL, 0, NULL, err, sizeof(err)), 0);
	assert_int_equal(generation_build(&b, views, 1, NULL, 0, &a, err, sizeof(err)), 0);
	assert_ptr_equal(b.zones[0], a.zones[0]);
	assert_ptr_equal(b.zones[1], a.zones[1]);

	/* Written again in place: same file, same size, new content. */
	f = fopen(second, "r+");
	assert_non_null(f);
	assert_int_equal(fseek(f, -2, SEEK_END), 0);
	assert_int_equal(fputc('2', f), '2');
	fclose(f);
	assert_int_equal(generation_build(&c, views, 1, NULL, 0, &b, err, sizeof(err)), 0);
	assert_ptr_equal(c.zones[0], b.zones[0]);
	assert_ptr_not_equal(c.zones[1], b.zones[1]);
	assert_int_equal(a_octets(c.zones[1], "www.other.test."), 2);

	/* Replaced by another file (an editor's or a deploy's rename). */
	strcpy(err, write_zone(DIFF_SOA(2) "www 300 IN A 192.0.2.3\n"));
	age(err);
	assert_int_equal(rename(err, first), 0);
	assert_int_equal(generation_build(&d, views, 1, NULL, 0, &c, err, sizeof(err)), 0);
	assert_ptr_not_equal(d.zones[0], c.zones[0]);
	assert_int_equal(a_octets(d.zones[0], "www.diff.test."), 3);
	/* The file written a moment ago is read as long as its stamp is that
	 * recent; then once more, and from then on it is taken as it is. */
	assert_ptr_not_equal(d.zones[1], c.zones[1]);
	generation_free(&a);
	generation_free(&b);
	age(second);
	assert_int_equal(generation_build(&a, views, 1, NULL, 0, &d, err, sizeof(err)), 0);
	assert_ptr_equal(a.zones[0], d.zones[0]);
	assert_ptr_not_equal(a.zones[1], d.zones[1]);
	assert_int_equal(generation_build(&b, views, 1, NULL, 0, &a, err, sizeof(err)), 0);
	assert_ptr_equal(b.zones[0], a.zones[0]);
	assert_ptr_equal(b.zones[1], a.zones[1]);
	generation_free(&a);
	generation_free(&b);
	generation_free(&c);
	generation_free(&d);
	unlink(first);
	unlink(second);
}

/* Owner names of 254 and 255 octets are valid; "*." below them would
 * not be: looking for that wildcard child overflowed a stack buffer. */
static void test_names_of_254_and_255_octets(void **state)
{
	char text[2048], label[4][64], name255[300], name254[300];
	struct compiled_name *c;
	struct zone *zone;

	(void)state;
	for (int i = 0; i < 4; i++)
		memset(label[i], 'a' + i, 63), label[i][63] = '\0';
	/* 3 labels of 63 (192 octets) + "t." (3): a last label of 59 gives 255 */
	snprintf(name255, sizeof(name255), "%s.%s.%s.%.59s.t.", label[0], label[1], label[2], label[3]);
	snprintf(name254, sizeof(name254), "%s.%s.%s.%.58s.t.", label[0], label[1], label[2], label[3]);
	snprintf(text, sizeof(text), "$ORIGIN t.\n@ SOA ns hm 1 2 3 4 5\n%s A 192.0.2.1\n%s A 192.0.2.2\n",
		 name255, name254);
	zone = load_text(text);
	c = compile(zone, name255);
	assert_int_equal(c->found, 0);
	assert_non_null(typed(c, KNOT_RRTYPE_A));
	assert_false(c->flags & NAME_TYPES_PARTIAL);
	c = compile(zone, name254);
	assert_int_equal(c->found, 0);
	assert_true(c->has_below);
	assert_false(c->flags & NAME_BELOW_WILDCARD);
	zone_free(zone);
}

/* What NSD serves but no DNS message holds: those answers are the server
 * behind's (not listed, the name's types partial: the program passes
 * them), the rest of the zone is compiled as ever. */
static void test_answers_too_large_for_a_message_are_passed(void **state)
{
	size_t size = 1 << 20, len;
	char *text = malloc(size), txt[256];
	struct compiled_name *c;
	struct zone *zone;

	(void)state;
	memset(txt, 'x', 250);
	txt[250] = '\0';
	len = snprintf(text, size, "$ORIGIN t.\n@ SOA ns hm 1 2 3 4 5\n@ NS ns\nns A 192.0.2.53\nwww A 192.0.2.80\n");
	for (int i = 0; i < 300; i++)           /* 300 strings of 251 octets: 75 KB */
		len += snprintf(text + len, size - len, "big TXT \"%03d%s\"\n", i, txt);
	for (int i = 0; i < 10000; i++)
		len += snprintf(text + len, size - len, "many A 10.%d.%d.%d\n", i >> 16, (i >> 8) & 0xff, i & 0xff);
	zone = load_text(text);
	free(text);
	c = compile(zone, "big.t.");
	assert_int_equal(c->found, 0);
	assert_null(typed(c, KNOT_RRTYPE_TXT));
	assert_true(c->flags & NAME_TYPES_PARTIAL);
	c = compile(zone, "many.t.");
	assert_int_equal(c->found, 0);
	assert_null(typed(c, KNOT_RRTYPE_A));
	assert_true(c->flags & NAME_TYPES_PARTIAL);
	c = compile(zone, "www.t.");
	assert_int_equal(c->found, 0);
	assert_non_null(typed(c, KNOT_RRTYPE_A));
	assert_int_equal(typed(c, KNOT_RRTYPE_A)->ancount, 1);
	assert_false(c->flags & NAME_TYPES_PARTIAL);
	zone_free(zone);
}

/* A file that ends before its size said (truncated while it was read: an
 * editor or a script writing it in place while a reload that something
 * else asked for read it) was parsed as far as it went, and a cut at a
 * line's end loaded part of the zone. A sysfs file ends early every time:
 * its size is a page, its text a line. */
static void test_file_changed_while_read(void **state)
{
	static const char sysfs[] = "/sys/class/net/lo/address";
	struct stat sb;
	char err[512];

	(void)state;
	if (stat(sysfs, &sb) || !S_ISREG(sb.st_mode))
		skip();
	assert_null(zone_load(sysfs, err, sizeof(err)));
	assert_non_null(strstr(err, ": the file changed while it was read (written in place meanwhile): not loaded"));
	assert_int_equal(strncmp(err, sysfs, strlen(sysfs)), 0);
}

/* RFC 2181 10.1, as NSD: a CNAME has its name to itself (and its DNSSEC
 * records, RFC 4035 2.5). */
static void test_cname_and_other_data_refused(void **state)
{
	(void)state;
	expect_parse_error("$ORIGIN t.\n@ SOA ns hm 1 2 3 4 5\nwww A 192.0.2.1\nx A 192.0.2.2\nwww CNAME x\n",
			   "text:5: www.t.: a CNAME and other data at one name (A at text:3); "
			   "only RRSIG, NSEC and NSEC3 may sit beside a CNAME");
	expect_parse_error("$ORIGIN t.\n@ SOA ns hm 1 2 3 4 5\nwww CNAME x\nwww MX 10 x\n",
			   "text:3: www.t.: a CNAME and other data at one name (MX at text:4); "
			   "only RRSIG, NSEC and NSEC3 may sit beside a CNAME");
	expect_parse_error("$ORIGIN t.\n@ SOA ns hm 1 2 3 4 5\n@ CNAME x\n",
			   "text:3: t.: a CNAME and other data at one name (SOA at text:2); "
			   "only RRSIG, NSEC and NSEC3 may sit beside a CNAME");
	zone_free(load_text("$ORIGIN t.\n@ SOA ns hm 1 2 3 4 5\nwww CNAME x\n"
			    "www RRSIG CNAME 13 2 3600 20300101000000 20200101000000 12345 t. AAAA\n"
			    "www NSEC x.t. CNAME RRSIG NSEC\nx A 192.0.2.1\n"));
	/* Two CNAMEs at one name (NSD refuses the zone; the cache answered
	 * both); the same one twice is one record. */
	expect_parse_error("$ORIGIN t.\n@ SOA ns hm 1 2 3 4 5\nwww CNAME x\ny A 192.0.2.1\nwww CNAME y\n",
			   "text:5: www.t.: a second CNAME at one name (the first at text:3); an alias names one name "
			   "only");
	zone_free(load_text("$ORIGIN t.\n@ SOA ns hm 1 2 3 4 5\nwww CNAME x\nwww CNAME x\n"));
}

/* The records of (owner, type), each as "RDATA" text, joined by "; ". */
static char *records_text(const struct zone *zone, const char *owner, uint16_t type, char *out, size_t size)
{
	knot_dname_t *name = knot_dname_from_str_alloc(owner);
	const knot_rrset_t *rrset = zone_find(zone, name, type);
	knot_rrset_t one;
	knot_rdata_t *rd;
	size_t at = 0;

	knot_dname_free(name, NULL);
	out[0] = '\0';
	if (!rrset)
		return out;
	rd = rrset->rrs.rdata;
	for (uint16_t i = 0; i < rrset->rrs.count; i++, rd = knot_rdataset_next(rd)) {
		char text[512];

		knot_rrset_init(&one, rrset->owner, type, KNOT_CLASS_IN, 0);
		assert_int_equal(knot_rdataset_add(&one.rrs, rd, NULL), KNOT_EOK);
		assert_true(knot_rrset_txt_dump_data(&one, 0, text, sizeof(text), &KNOT_DUMP_STYLE_DEFAULT) > 0);
		knot_rdataset_clear(&one.rrs, NULL);
		at += snprintf(out + at, size - at, "%s%s", i ? "; " : "", text);
	}
	return out;
}

/* Names in the data of NS, MX, CNAME and the other types RFC 4034 6.2
 * lists compare without case: a record written twice so is one record
 * (the first in canonical order kept), as NSD reads the zone (where the
 * cache had two NS records, two MX, and refused two CNAMEs). Other data
 * keeps its case, and so do a record's other fields. */
static void test_records_differing_in_case_are_one(void **state)
{
	struct zone *zone = load_text("$ORIGIN t.\n@ SOA ns hm 1 2 3 4 5\n@ NS ns\n@ NS NS\nns A 192.0.2.1\n"
				      "m MX 10 host.t.\nm MX 10 Host.T.\nm MX 65 x\nm MX 97 x\n"
				      "www CNAME x\nwww CNAME X\nt TXT \"a\"\nt TXT \"A\"\nx A 192.0.2.2\n");
	char text[1024];

	(void)state;
	assert_string_equal(records_text(zone, "t.", KNOT_RRTYPE_NS, text, sizeof(text)), "NS.t.");
	assert_string_equal(records_text(zone, "m.t.", KNOT_RRTYPE_MX, text, sizeof(text)),
			    "10 Host.T.; 65 x.t.; 97 x.t.");
	assert_string_equal(records_text(zone, "www.t.", KNOT_RRTYPE_CNAME, text, sizeof(text)), "X.t.");
	assert_string_equal(records_text(zone, "t.t.", KNOT_RRTYPE_TXT, text, sizeof(text)), "\"A\"; \"a\"");
	zone_free(zone);
}

/* An IXFR adding a record the zone holds in other case adds none. */
static void test_diff_adds_no_record_twice(void **state)
{
	struct zone *zone = load_text(DIFF_SOA(1) "@ 300 IN NS ns1\nns1 300 IN A 192.0.2.53\nm 300 IN MX 10 mail\n");
	struct zone *removals = load_text(DIFF_SOA(1));
	struct zone *additions = load_text(DIFF_SOA(2) "m 300 IN MX 10 MAIL\nm 300 IN MX 20 MAIL\n");
	struct zone_changes changes = { 0 };
	char err[256], text[256];

	(void)state;
	if (zone_patch(zone, &removals, &additions, 1, &changes, err, sizeof(err)))
		fail_msg("%s", err);
	assert_string_equal(records_text(zone, "m.diff.test.", KNOT_RRTYPE_MX, text, sizeof(text)),
			    "10 MAIL.diff.test.; 20 MAIL.diff.test.");
	zone_changes_clear(&changes);
	zone_free(zone);
	zone_free(removals);
	zone_free(additions);
}

/* Zone input is bounded: only regular files, also through $INCLUDE,
 * within limits.zone_file_mb and limits.zone_records. */
static void test_zone_input_bounded(void **state)
{
	static const struct zone_limits small = { .file_bytes = 200, .records = 3 };
	char dir[TEMP_NAME_MAX], path[128], inner[128], fifo[128], text[512], err[512], expected[512];
	const struct zone_limits defaults = ZONE_DEFAULT_LIMITS;
	struct zone *zone;
	FILE *f;

	(void)state;
	temp_name(dir, sizeof(dir), "xdpcast-unit-XXXXXX");
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/t.zone", dir);
	snprintf(inner, sizeof(inner), "%s/inner.zone", dir);
	snprintf(fifo, sizeof(fifo), "%s/fifo", dir);
	assert_int_equal(mkfifo(fifo, 0600), 0);

	assert_null(zone_load("/dev/zero", err, sizeof(err)));
	assert_string_equal(err, "/dev/zero: a character device, not a zone file");
	assert_null(zone_load(fifo, err, sizeof(err)));
	snprintf(expected, sizeof(expected), "%s: a FIFO, not a zone file", fifo);
	assert_string_equal(err, expected);
	assert_null(zone_load(dir, err, sizeof(err)));
	snprintf(expected, sizeof(expected), "%s: a directory, not a zone file", dir);
	assert_string_equal(err, expected);

	/* Through $INCLUDE: the including file and line, then the included file. */
	f = fopen(path, "w");
	fprintf(f, "$ORIGIN t.\n@ SOA ns hm 1 2 3 4 5\n$INCLUDE /dev/zero\n");
	fclose(f);
	assert_null(zone_load(path, err, sizeof(err)));
	snprintf(expected, sizeof(expected), "/dev/zero: a character device, not a zone file; included from %s:3", path);
	assert_string_equal(err, expected);

	/* A relative include works; its errors name it and its line. */
	f = fopen(inner, "w");
	fprintf(f, "www A 192.0.2.1\n\nbad A 192.0.2.999\n");
	fclose(f);
	f = fopen(path, "w");
	fprintf(f, "$ORIGIN t.\n@ SOA ns hm 1 2 3 4 5\n$INCLUDE inner.zone\n");
	fclose(f);
	assert_null(zone_load(path, err, sizeof(err)));
	snprintf(expected, sizeof(expected), "%s:3: invalid IPv4 address; included from %s:3", inner, path);
	assert_string_equal(err, expected);
	f = fopen(inner, "w");
	fprintf(f, "www A 192.0.2.1\n");
	fclose(f);
	zone = zone_load(path, err, sizeof(err));
	if (!zone)
		fail_msg("%s", err);
	assert_int_equal(zone->record_count, 2);
	zone_free(zone);

	/* A file that includes itself stops at the depth bound. */
	f = fopen(inner, "w");
	fprintf(f, "$INCLUDE inner.zone\n");
	fclose(f);
	/* The cause first: however long the paths, the chain is what is cut. */
	assert_null(zone_load(path, err, sizeof(err)));
	snprintf(expected, sizeof(expected), "%s:1: $INCLUDE nested more than 8 deep; included from %s:1", inner, inner);
	if (strncmp(err, expected, strlen(expected)))
		fail_msg("%s", err);

	/* The limits: bytes of every file of the zone, records. */
	zone_set_limits(&small);
	snprintf(text, sizeof(text), "$ORIGIN t.\n@ SOA ns hm 1 2 3 4 5\n$INCLUDE inner.zone\n%0150d\n", 0);
	f = fopen(path, "w");
	fputs(text, f);
	fclose(f);
	assert_null(zone_load(path, err, sizeof(err)));
	snprintf(expected, sizeof(expected), "%s: the zone's files are larger than 0 MiB (limits.zone_file_mb)", path);
	assert_string_equal(err, expected);
	/* Each file within the bound, the two together over it. */
	f = fopen(inner, "w");
	fprintf(f, "www A 192.0.2.1\n; %0120d\n", 0);
	fclose(f);
	f = fopen(path, "w");
	fprintf(f, "$ORIGIN t.\n@ SOA ns hm 1 2 3 4 5\n$INCLUDE inner.zone\n; %0100d\n", 0);
	fclose(f);
	assert_null(zone_load(path, err, sizeof(err)));
	snprintf(expected, sizeof(expected),
		 "%s: the zone's files are larger than 0 MiB (limits.zone_file_mb); included from %s:3", inner, path);
	assert_string_equal(err, expected);
	assert_null(zone_parse("text", "$ORIGIN t.\n@ SOA ns hm 1 2 3 4 5\na A 192.0.2.1\nb A 192.0.2.2\nc A 192.0.2.3\n",
			       78, err, sizeof(err)));
	assert_string_equal(err, "text:5: more than 3 records (limits.zone_records)");
	zone_set_limits(&defaults);

	unlink(path);
	unlink(inner);
	unlink(fifo);
	rmdir(dir);
}

/* A load refused for an included file (not there yet, or broken) lists
 * the files its $INCLUDEs named up to that one: the daemon watches them,
 * and creating the missing file is the change that mends the zone. */
static void test_failed_load_lists_includes(void **state)
{
	char dir[TEMP_NAME_MAX], path[128], inner[128], missing[128], err[512];
	char **tried = NULL;
	size_t tried_count = 0;
	struct zone *zone;
	FILE *f;

	(void)state;
	temp_name(dir, sizeof(dir), "xdpcast-unit-XXXXXX");
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/t.zone", dir);
	snprintf(inner, sizeof(inner), "%s/inner.zone", dir);
	snprintf(missing, sizeof(missing), "%s/missing.zone", dir);
	f = fopen(path, "w");
	fprintf(f, "$ORIGIN t.\n@ SOA ns hm 1 2 3 4 5\n$INCLUDE inner.zone\n");
	fclose(f);
	f = fopen(inner, "w");
	fprintf(f, "www A 192.0.2.1\n$INCLUDE missing.zone\n");
	fclose(f);

	assert_null(zone_load_tried(path, &tried, &tried_count, err, sizeof(err)));
	assert_int_equal(tried_count, 2);
	assert_string_equal(tried[0], inner);
	assert_string_equal(tried[1], missing);
	strings_free(&tried, &tried_count);

	f = fopen(missing, "w");
	fprintf(f, "mail A 192.0.2.2\n");
	fclose(f);
	zone = zone_load_tried(path, &tried, &tried_count, err, sizeof(err));
	if (!zone)
		fail_msg("%s", err);
	assert_int_equal(tried_count, 0);       /* loaded: the zone lists them */
	assert_int_equal(zone->include_count, 2);
	assert_string_equal(zone->includes[1], missing);
	zone_free(zone);

	unlink(missing);
	unlink(inner);
	unlink(path);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_loads_counts_and_serial),
		cmocka_unit_test(test_renders_nsd_style_sections),
		cmocka_unit_test(test_negative_answers),
		cmocka_unit_test(test_minimal_responses),
		cmocka_unit_test(test_names_near_255_octets),
		cmocka_unit_test(test_errors_name_file_and_line),
		cmocka_unit_test(test_relative_names_need_an_origin),
		cmocka_unit_test(test_file_changed_while_read),
		cmocka_unit_test(test_same_zone_twice_is_refused),
		cmocka_unit_test(test_unchanged_files_are_not_read_again),
		cmocka_unit_test(test_rrset_merge_takes_lowest_ttl),
		cmocka_unit_test(test_ttl_of_an_include_holds_after_it),
		cmocka_unit_test(test_diff_applies_in_place),
		cmocka_unit_test(test_patched_zone_room_is_its_own),
		cmocka_unit_test(test_diff_replacing_signatures_applies),
		cmocka_unit_test(test_diff_that_does_not_apply_changes_nothing),
		cmocka_unit_test_teardown(test_diff_past_the_record_limit_changes_nothing, default_limits),
		cmocka_unit_test(test_diff_breaking_the_cname_rule_changes_nothing),
		cmocka_unit_test(test_diff_removing_the_name_servers_changes_nothing),
		cmocka_unit_test(test_diff_of_mixed_ttls),
		cmocka_unit_test(test_changes_between_two_versions),
		cmocka_unit_test(test_names_of_254_and_255_octets),
		cmocka_unit_test(test_answers_too_large_for_a_message_are_passed),
		cmocka_unit_test(test_cname_and_other_data_refused),
		cmocka_unit_test(test_records_differing_in_case_are_one),
		cmocka_unit_test(test_diff_adds_no_record_twice),
		cmocka_unit_test(test_zone_input_bounded),
		cmocka_unit_test(test_failed_load_lists_includes),
	};

	return cmocka_run_group_tests_name("zone", tests, NULL, NULL);
}
