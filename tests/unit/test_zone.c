// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Zone loading and answer compilation: record counts, the rendered bytes of
 * a few RRsets decoded by libknot's own parser, and error messages that name
 * the file and line.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <cmocka.h>

#include "answers.h"
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

/* Finds the compiled entry for (name, match, type) in a set. */
static const struct answer_entry *find_match(const struct answer_set *set, const char *name,
					     enum answer_match match, uint16_t type)
{
	knot_dname_t *owner = knot_dname_from_str_alloc(name);
	uint64_t hash = answer_name_hash(owner);

	free(owner);
	for (size_t i = 0; i < set->count; i++)
		if (set->keys[i].name_hash == hash && set->keys[i].match == match &&
		    set->keys[i].qtype == type)
			return &set->entries[i];
	return NULL;
}

static const struct answer_entry *find(const struct answer_set *set, const char *name, uint16_t type)
{
	return find_match(set, name, ANSWER_MATCH_TYPE, type);
}

/* Rebuilds the whole response around an entry's cut, as the XDP program
 * does, and has libknot parse it. */
static knot_pkt_t *response_of(const char *qname, uint16_t qtype, const struct answer_entry *e,
			       enum answer_cut_level level)
{
	knot_dname_t *name = knot_dname_from_str_alloc(qname);
	size_t qlen = knot_dname_size(name);
	const struct answer_cut *cut = &e->cut[level];
	knot_pkt_t *pkt = knot_pkt_new(NULL, KNOT_WIRE_MAX_PKTSIZE, NULL);
	uint8_t *w = pkt->wire;

	memset(w, 0, KNOT_WIRE_HEADER_SIZE);
	knot_wire_set_id(w, 0x1234);
	w[2] = e->header_flags >> 8;
	w[3] = e->header_flags & 0xff;
	knot_wire_set_qdcount(w, 1);
	knot_wire_set_ancount(w, cut->ancount);
	knot_wire_set_nscount(w, cut->nscount);
	knot_wire_set_arcount(w, cut->arcount);
	memcpy(w + KNOT_WIRE_HEADER_SIZE, name, qlen);
	knot_wire_write_u16(w + KNOT_WIRE_HEADER_SIZE + qlen, qtype);
	knot_wire_write_u16(w + KNOT_WIRE_HEADER_SIZE + qlen + 2, KNOT_CLASS_IN);
	memcpy(w + KNOT_WIRE_HEADER_SIZE + qlen + 4, e->data, cut->len);
	pkt->size = KNOT_WIRE_HEADER_SIZE + qlen + 4 + cut->len;
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
	struct answer_set set;
	const struct answer_entry *mx;
	knot_pkt_t *pkt;

	(void)state;
	assert_int_equal(answers_compile(&zone, 1, &set, err, sizeof(err)), 0);
	/* sub NS and the glue below it are not answers. */
	assert_int_equal(set.left_to_userspace, 2);
	assert_null(find(&set, "ns.sub.example.test.", KNOT_RRTYPE_A));
	assert_null(find(&set, "sub.example.test.", KNOT_RRTYPE_NS));

	mx = find(&set, "example.test.", KNOT_RRTYPE_MX);
	assert_non_null(mx);
	assert_int_equal(mx->header_flags, 0x8400);  /* QR, AA */
	assert_int_equal(mx->cut[ANSWER_CUT_FULL].ancount, 2);
	assert_int_equal(mx->cut[ANSWER_CUT_FULL].nscount, 2);
	assert_int_equal(mx->cut[ANSWER_CUT_FULL].arcount, 3);
	assert_int_equal(mx->cut[ANSWER_CUT_AUTHORITY].arcount, 0);
	assert_int_equal(mx->cut[ANSWER_CUT_ANSWER].nscount, 0);

	pkt = response_of("EXAMPLE.test.", KNOT_RRTYPE_MX, mx, ANSWER_CUT_FULL);
	assert_int_equal(knot_wire_get_ancount(pkt->wire), 2);
	assert_rrset_text(pkt, KNOT_ANSWER, 0, "MX\t10 mail.example.test.");
	assert_rrset_text(pkt, KNOT_AUTHORITY, 0, "NS\tns1.example.test.");
	/* MX target first, then the NS targets, A before AAAA: NSD's order. */
	assert_rrset_text(pkt, KNOT_ADDITIONAL, 0, "mail.example.test.");
	assert_rrset_text(pkt, KNOT_ADDITIONAL, 1, "ns1.example.test.");
	knot_pkt_free(pkt);

	pkt = response_of("WWW.example.test.", KNOT_RRTYPE_A,
			  find(&set, "www.example.test.", KNOT_RRTYPE_A), ANSWER_CUT_ANSWER);
	assert_int_equal(knot_pkt_section(pkt, KNOT_ANSWER)->count, 2);
	assert_rrset_text(pkt, KNOT_ANSWER, 0, "A\t192.0.2.80");
	assert_rrset_text(pkt, KNOT_ANSWER, 1, "A\t192.0.2.81");
	assert_int_equal(knot_wire_get_nscount(pkt->wire), 0);
	knot_pkt_free(pkt);

	answers_free(&set);
	zone_free(zone);
}

/* Every name, empty non-terminals included, answers other types and the
 * names below it; the glue under the delegation is no name of ours. */
static void test_negative_entries(void **state)
{
	char err[256];
	struct zone *zone = zone_load(TEST_ZONE, err, sizeof(err));
	const struct answer_entry *e;
	struct answer_set set;
	knot_pkt_t *pkt;

	(void)state;
	assert_int_equal(answers_compile(&zone, 1, &set, err, sizeof(err)), 0);

	e = find_match(&set, "_udp.example.test.", ANSWER_MATCH_OTHER, 0);
	assert_non_null(e);
	assert_int_equal(e->reason, XDPCAST_dns_nodata);
	assert_int_equal(e->header_flags, 0x8400);
	/* the SOA is required: no cut drops it */
	assert_int_equal(e->cut[ANSWER_CUT_ANSWER].nscount, 1);

	e = find_match(&set, "example.test.", ANSWER_MATCH_BELOW, 0);
	assert_non_null(e);
	assert_int_equal(e->reason, XDPCAST_dns_nxdomain);
	assert_int_equal(e->header_flags, 0x8400 | KNOT_RCODE_NXDOMAIN);
	assert_true(e->entry_flags & ANSWER_NO_TRUNCATE);
	/* position independent: right after any question */
	pkt = response_of("Some.Other.Name.example.test.", KNOT_RRTYPE_A, e, ANSWER_CUT_ANSWER);
	assert_rrset_text(pkt, KNOT_AUTHORITY, 0, "300\tSOA\tns1.example.test. hostmaster.example.test.");
	knot_pkt_free(pkt);

	e = find_match(&set, "sub.example.test.", ANSWER_MATCH_BELOW, 0);
	assert_non_null(e);
	assert_int_equal(e->reason, XDPCAST_dns_referral);
	assert_int_equal(e->header_flags, 0x8000);  /* AA=0 */
	pkt = response_of("deep.ns.sub.example.test.", KNOT_RRTYPE_A, e, ANSWER_CUT_FULL);
	assert_rrset_text(pkt, KNOT_AUTHORITY, 0, "sub.example.test.");
	assert_rrset_text(pkt, KNOT_ADDITIONAL, 0, "ns.sub.example.test.");
	knot_pkt_free(pkt);
	assert_int_equal(find(&set, "sub.example.test.", KNOT_RRTYPE_DS)->reason, XDPCAST_dns_nodata);

	/* Below a wildcard's parent: the wildcard's own entries, which are
	 * position independent with the answer's owner as the question. */
	assert_true(find_match(&set, "wild.example.test.", ANSWER_MATCH_BELOW, 0)->entry_flags & ANSWER_WILDCARD);
	e = find(&set, "*.wild.example.test.", KNOT_RRTYPE_A);
	assert_true(e->entry_flags & ANSWER_NO_TRUNCATE);
	pkt = response_of("Any.Thing.wild.example.test.", KNOT_RRTYPE_A, e, ANSWER_CUT_FULL);
	assert_rrset_text(pkt, KNOT_ANSWER, 0, "any.thing.wild.example.test.");  /* parsed lowercase */
	knot_pkt_free(pkt);

	/* CNAME owners: the chain followed for each type its target has. */
	e = find(&set, "chain1.example.test.", KNOT_RRTYPE_AAAA);
	assert_int_equal(e->cut[ANSWER_CUT_FULL].ancount, 3);
	e = find_match(&set, "dangling.example.test.", ANSWER_MATCH_OTHER, 0);
	assert_int_equal(e->header_flags, 0x8400 | KNOT_RCODE_NXDOMAIN);
	assert_int_equal(e->cut[ANSWER_CUT_FULL].ancount, 1);
	assert_true(find_match(&set, "loop1.example.test.", ANSWER_MATCH_OTHER, 0)->entry_flags & ANSWER_PASS);
	assert_null(find_match(&set, "ns.sub.example.test.", ANSWER_MATCH_OTHER, 0));
	answers_free(&set);
	zone_free(zone);
}

static void test_checksum_of_cut_matches_bytes(void **state)
{
	char err[256];
	struct zone *zone = zone_load(TEST_ZONE, err, sizeof(err));
	struct answer_set set;

	(void)state;
	assert_int_equal(answers_compile(&zone, 1, &set, err, sizeof(err)), 0);
	for (size_t i = 0; i < set.count; i++) {
		const struct answer_cut *cut = &set.entries[i].cut[ANSWER_CUT_ANSWER];
		__u32 sum = 0;

		for (size_t b = 0; b < cut->len; b++)
			sum += b & 1 ? set.entries[i].data[b] : set.entries[i].data[b] << 8;
		assert_int_equal(cut->csum, xdpcast_csum_fold(sum));
	}
	answers_free(&set);
	zone_free(zone);
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
	char err[256];
	struct zone *zones[2] = { zone_load(TEST_ZONE, err, sizeof(err)), zone_load(TEST_ZONE, err, sizeof(err)) };
	struct answer_set set;

	(void)state;
	assert_int_equal(answers_compile(zones, 2, &set, err, sizeof(err)), -1);
	assert_string_equal(err, TEST_ZONE ": zone example.test. is already loaded from " TEST_ZONE);
	zone_free(zones[0]);
	zone_free(zones[1]);
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

/* An IXFR change: records out, records in, the serial moved; the old zone
 * (still answering in the generation in force) untouched. */
static void test_diff_applies_to_a_copy(void **state)
{
	struct zone *old = load_text(DIFF_SOA(1) "@ 300 IN NS ns1\nns1 300 IN A 192.0.2.53\n"
				     "www 300 IN A 192.0.2.1\nwww 300 IN A 192.0.2.2\n");
	struct zone *removals = load_text(DIFF_SOA(1) "www 300 IN A 192.0.2.1\n");
	struct zone *additions = load_text(DIFF_SOA(2) "www 300 IN A 192.0.2.3\nnew 300 IN A 192.0.2.4\n");
	struct zone *next;
	char err[256];

	(void)state;
	next = zone_apply_diff(old, removals, additions, err, sizeof(err));
	if (!next)
		fail_msg("%s", err);
	assert_int_equal(next->serial, 2);
	assert_int_equal(a_octets(next, "www.diff.test."), 2 + 3);
	assert_int_equal(a_octets(next, "new.diff.test."), 4);
	assert_int_equal(next->record_count, 6);        /* SOA, NS, ns1, 2 www, new */
	assert_int_equal(old->serial, 1);
	assert_int_equal(a_octets(old, "www.diff.test."), 1 + 2);
	assert_int_equal(a_octets(old, "new.diff.test."), -1);
	zone_free(next);
	zone_free(old);
	zone_free(removals);
	zone_free(additions);
}

/* Copies that diverged must not be patched: the caller falls back to AXFR. */
static void test_diff_that_does_not_apply_is_refused(void **state)
{
	struct zone *old = load_text(DIFF_SOA(1) "www 300 IN A 192.0.2.1\n");
	struct zone *wrong_serial = load_text(DIFF_SOA(5) "www 300 IN A 192.0.2.1\n");
	struct zone *missing = load_text(DIFF_SOA(1) "www 300 IN A 192.0.2.9\n");
	struct zone *additions = load_text(DIFF_SOA(6) "www 300 IN A 192.0.2.3\n");
	char err[256];

	(void)state;
	assert_null(zone_apply_diff(old, wrong_serial, additions, err, sizeof(err)));
	assert_string_equal(err, "the change starts at serial 5, the zone is at 1");
	assert_null(zone_apply_diff(old, missing, additions, err, sizeof(err)));
	assert_string_equal(err, "the change removes 1 records the zone does not have");
	assert_int_equal(a_octets(old, "www.diff.test."), 1);
	zone_free(old);
	zone_free(wrong_serial);
	zone_free(missing);
	zone_free(additions);
}

/* Owner names of 254 and 255 octets are valid; "*." below them would
 * not be: looking for that wildcard child overflowed a stack buffer. */
static void test_names_of_254_and_255_octets(void **state)
{
	char text[2048], label[4][64], name255[300], name254[300], err[256];
	struct answer_set set;
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
	assert_int_equal(answers_compile(&zone, 1, &set, err, sizeof(err)), 0);
	assert_non_null(find(&set, name255, KNOT_RRTYPE_A));
	assert_int_equal(find(&set, name255, KNOT_RRTYPE_A)->name_len, 255);
	assert_false(find(&set, name255, KNOT_RRTYPE_A)->entry_flags & ANSWER_PASS);
	assert_non_null(find_match(&set, name254, ANSWER_MATCH_BELOW, 0));
	answers_free(&set);
	zone_free(zone);
}

/* What NSD serves but no DNS message holds: those answers are the server
 * behind's (pass entries), the rest of the zone is compiled as ever. */
static void test_answers_too_large_for_a_message_are_passed(void **state)
{
	size_t size = 1 << 20, len;
	char *text = malloc(size), txt[256], err[256];
	const struct answer_entry *e;
	struct answer_set set;
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
	if (answers_compile(&zone, 1, &set, err, sizeof(err)))
		fail_msg("%s", err);
	e = find(&set, "big.t.", KNOT_RRTYPE_TXT);
	assert_non_null(e);
	assert_int_equal(e->entry_flags, ANSWER_PASS);
	e = find(&set, "many.t.", KNOT_RRTYPE_A);
	assert_non_null(e);
	assert_int_equal(e->entry_flags, ANSWER_PASS);
	assert_int_equal(set.left_to_userspace, 2);
	e = find(&set, "www.t.", KNOT_RRTYPE_A);
	assert_non_null(e);
	assert_int_equal(e->entry_flags, 0);
	assert_int_equal(e->cut[ANSWER_CUT_ANSWER].ancount, 1);
	e = find_match(&set, "big.t.", ANSWER_MATCH_OTHER, 0);  /* NODATA for its other types */
	assert_non_null(e);
	assert_int_equal(e->reason, XDPCAST_dns_nodata);
	answers_free(&set);
	zone_free(zone);
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
}

/* Zone input is bounded: only regular files, also through $INCLUDE,
 * within limits.zone_file_mb and limits.zone_records. */
static void test_zone_input_bounded(void **state)
{
	static const struct zone_limits small = { .file_bytes = 200, .records = 3 };
	char dir[] = "/tmp/xdpcast-unit-XXXXXX", path[128], inner[128], fifo[128], text[512], err[512], expected[512];
	struct zone_limits defaults = { ZONE_DEFAULT_FILE_MB << 20, ZONE_DEFAULT_RECORDS };
	struct zone *zone;
	FILE *f;

	(void)state;
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
	snprintf(expected, sizeof(expected), "%s:3: $INCLUDE /dev/zero: a character device, not a zone file", path);
	assert_string_equal(err, expected);

	/* A relative include works; its errors name it and its line. */
	f = fopen(inner, "w");
	fprintf(f, "www A 192.0.2.1\n\nbad A 192.0.2.999\n");
	fclose(f);
	f = fopen(path, "w");
	fprintf(f, "$ORIGIN t.\n@ SOA ns hm 1 2 3 4 5\n$INCLUDE inner.zone\n");
	fclose(f);
	assert_null(zone_load(path, err, sizeof(err)));
	snprintf(expected, sizeof(expected), "%s:3: $INCLUDE %s:3: invalid IPv4 address", path, inner);
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
	assert_null(zone_load(path, err, sizeof(err)));
	if (!strstr(err, ":1: $INCLUDE nested more than 8 deep"))
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
	assert_null(zone_parse("text", "$ORIGIN t.\n@ SOA ns hm 1 2 3 4 5\na A 192.0.2.1\nb A 192.0.2.2\nc A 192.0.2.3\n",
			       78, err, sizeof(err)));
	assert_string_equal(err, "text:5: more than 3 records (limits.zone_records)");
	zone_set_limits(&defaults);

	unlink(path);
	unlink(inner);
	unlink(fifo);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_loads_counts_and_serial),
		cmocka_unit_test(test_renders_nsd_style_sections),
		cmocka_unit_test(test_negative_entries),
		cmocka_unit_test(test_checksum_of_cut_matches_bytes),
		cmocka_unit_test(test_errors_name_file_and_line),
		cmocka_unit_test(test_same_zone_twice_is_refused),
		cmocka_unit_test(test_rrset_merge_takes_lowest_ttl),
		cmocka_unit_test(test_diff_applies_to_a_copy),
		cmocka_unit_test(test_diff_that_does_not_apply_is_refused),
		cmocka_unit_test(test_names_of_254_and_255_octets),
		cmocka_unit_test(test_answers_too_large_for_a_message_are_passed),
		cmocka_unit_test(test_cname_and_other_data_refused),
		cmocka_unit_test(test_zone_input_bounded),
	};

	return cmocka_run_group_tests_name("zone", tests, NULL, NULL);
}
