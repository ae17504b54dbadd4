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
#include <sys/stat.h>
#include <cmocka.h>

#include "answers.h"
#include "generation.h"
#include "zone.h"

#define TEST_ZONE "tests/zones/example.test.zone"

static char *write_zone(const char *text)
{
	static char path[64];
	int fd;

	strcpy(path, "/tmp/xdpcast-unit-XXXXXX");
	fd = mkstemp(path);
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

static struct compiled_name *compile(const struct zone *zone, const char *owner)
{
	static struct compiled_name out;
	knot_dname_t *name = knot_dname_from_str_alloc(owner);
	struct zone_compiler *zc;
	struct name_answers n;
	char err[256];

	memset(&out, 0, sizeof(out));
	zc = zone_compiler_new(zone, err, sizeof(err));
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

static void test_errors_name_file_and_line(void **state)
{
	(void)state;
	expect_load_error("$ORIGIN t.\n@ SOA ns hm 1 2 3 4 5\nwww A 192.0.2.300\n",
			  ":3: invalid IPv4 address");
	expect_load_error("$ORIGIN t.\nwww A 192.0.2.1\n", ":2: the first record must be the zone's SOA");
	expect_load_error("$ORIGIN t.\n@ SOA ns hm 1 2 3 4 5\n\n@ SOA ns hm 2 2 3 4 5\n",
			  ":4: a second SOA record");
	expect_load_error("$ORIGIN t.\n@ SOA ns hm 1 2 3 4 5\nwww.other. A 192.0.2.1\n",
			  ":3: owner is outside the zone (origin is the SOA owner)");
	/* zscanner reads class IN only; others fail in the scanner itself. */
	expect_load_error("$ORIGIN t.\n@ SOA ns hm 1 2 3 4 5\nwww CH TXT \"x\"\n",
			  ":3: unsupported record type");
	expect_load_error("; nothing\n", ": no SOA record: the zone has no origin");
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
	assert_string_equal(err, "the change removes 1 records the zone does not have");
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_loads_counts_and_serial),
		cmocka_unit_test(test_renders_nsd_style_sections),
		cmocka_unit_test(test_negative_answers),
		cmocka_unit_test(test_names_near_255_octets),
		cmocka_unit_test(test_errors_name_file_and_line),
		cmocka_unit_test(test_same_zone_twice_is_refused),
		cmocka_unit_test(test_unchanged_files_are_not_read_again),
		cmocka_unit_test(test_rrset_merge_takes_lowest_ttl),
		cmocka_unit_test(test_diff_applies_in_place),
		cmocka_unit_test(test_diff_that_does_not_apply_changes_nothing),
		cmocka_unit_test(test_changes_between_two_versions),
	};

	return cmocka_run_group_tests_name("zone", tests, NULL, NULL);
}
