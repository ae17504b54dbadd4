// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Zone transfers as a primary sends them (RFC 1995, RFC 5936): streams of
 * TCP messages built here, read by xfr_read_stream as from a socket, and
 * what they leave: the changes of an IXFR, a whole zone, or the copy kept.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#include <libknot/libknot.h>

#include "xfr.h"
#include "zone.h"

#define ID 0x1234

static knot_dname_t *origin;
static uint8_t stream[2 << 20];       /* past the least limits.zone_file_mb */
static size_t stream_len;
static knot_pkt_t *message;

/* One message of the answer, then its records, then end_message. */
static void begin_message(uint16_t qtype)
{
	message = knot_pkt_new(NULL, KNOT_WIRE_MAX_PKTSIZE, NULL);
	assert_non_null(message);
	knot_wire_set_id(message->wire, ID);
	knot_wire_set_qr(message->wire);
	assert_int_equal(knot_pkt_put_question(message, origin, KNOT_CLASS_IN, qtype), KNOT_EOK);
	assert_int_equal(knot_pkt_begin(message, KNOT_ANSWER), KNOT_EOK);
}

static void put_of_class(const char *owner, uint16_t type, uint16_t rclass, const uint8_t *rdata, uint16_t len)
{
	knot_dname_t *name = knot_dname_from_str_alloc(owner);
	knot_rrset_t *rr = knot_rrset_new(name, type, rclass, 300, NULL);

	assert_int_equal(knot_rrset_add_rdata(rr, rdata, len, NULL), KNOT_EOK);
	assert_int_equal(knot_pkt_put(message, 0, rr, KNOT_PF_FREE), KNOT_EOK);
	knot_dname_free(name, NULL);
	free(rr);               /* the packet holds its rdata and owner now */
}

static void put(const char *owner, uint16_t type, const uint8_t *rdata, uint16_t len)
{
	put_of_class(owner, type, KNOT_CLASS_IN, rdata, len);
}

static void soa(uint32_t serial)
{
	uint8_t rdata[128];
	size_t n = knot_dname_to_wire(rdata, (const knot_dname_t *)"\3ns1\10transfer\4test", 64);

	n += knot_dname_to_wire(rdata + n, (const knot_dname_t *)"\12hostmaster\10transfer\4test", 64);
	knot_wire_write_u32(rdata + n, serial);
	knot_wire_write_u32(rdata + n + 4, 3600);
	knot_wire_write_u32(rdata + n + 8, 600);
	knot_wire_write_u32(rdata + n + 12, 604800);
	knot_wire_write_u32(rdata + n + 16, 60);
	put("transfer.test.", KNOT_RRTYPE_SOA, rdata, n + 20);
}

static void address(const char *owner, uint8_t last)
{
	const uint8_t rdata[4] = { 192, 0, 2, last };

	put(owner, KNOT_RRTYPE_A, rdata, sizeof(rdata));
}

static void name_server(void)
{
	put("transfer.test.", KNOT_RRTYPE_NS, (const uint8_t *)"\3ns1\10transfer\4test", 19);
}

static void end_message(void)
{
	knot_wire_write_u16(stream + stream_len, message->size);
	memcpy(stream + stream_len + 2, message->wire, message->size);
	stream_len += 2 + message->size;
	knot_pkt_free(message);
}

/* An IXFR answered with the whole zone at `serial` (RFC 1995 section 4),
 * www's address changed. */
static void whole_zone_message(uint32_t serial)
{
	begin_message(KNOT_RRTYPE_IXFR);
	soa(serial);
	name_server();
	address("ns1.transfer.test.", 53);
	address("www.transfer.test.", 99);
	soa(serial);
	end_message();
}

/* The zone holds owner A 192.0.2.last, and only that address. */
static void expect_address(const struct zone *zone, const char *owner, uint8_t last)
{
	const uint8_t want[4] = { 192, 0, 2, last };
	knot_dname_t *name = knot_dname_from_str_alloc(owner);
	const knot_rrset_t *a = zone_find(zone, name, KNOT_RRTYPE_A);

	knot_dname_free(name, NULL);
	if (!a)
		fail_msg("%s A is not in the zone", owner);
	assert_int_equal(a->rrs.count, 1);
	assert_int_equal(a->rrs.rdata->len, sizeof(want));
	assert_memory_equal(a->rrs.rdata->data, want, sizeof(want));
}

/* The copy in force: serial, NS, ns1's and www's addresses. */
static struct zone *zone_at(uint32_t serial)
{
	char text[256], err[256];
	int n = snprintf(text, sizeof(text), "$ORIGIN transfer.test.\n@ 300 SOA ns1 hostmaster %u 3600 600 604800 60\n"
			 "@ 300 NS ns1\nns1 300 A 192.0.2.53\nwww 300 A 192.0.2.101\n", serial);
	struct zone *zone = zone_parse("current", text, n, err, sizeof(err));

	if (!zone)
		fail_msg("%s", err);
	return zone;
}

struct outcome {
	int ret;
	char err[256];
	struct zone *whole;
	struct xfr_diff diff;
};

/* The stream built so far, read as the answer to qtype from `current`. */
static struct outcome read_answer(const struct zone *current, uint16_t qtype)
{
	struct xfr_primary primary = { 0 };
	struct outcome o = { 0 };

	o.ret = xfr_read_stream(&primary, origin, current, qtype, ID, stream, stream_len, &o.whole, &o.diff, o.err,
				sizeof(o.err));
	stream_len = 0;
	return o;
}

static int setup(void **state)
{
	(void)state;
	origin = knot_dname_from_str_alloc("transfer.test.");
	return origin ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	knot_dname_free(origin, NULL);
	return 0;
}

/* A test that lowers the limits leaves the defaults, also when it fails. */
static int default_limits(void **state)
{
	const struct zone_limits defaults = ZONE_DEFAULT_LIMITS;

	(void)state;
	zone_set_limits(&defaults);
	return 0;
}

/* Two changes over three messages, split between a change's SOAs. */
static void test_ixfr_of_two_changes_applies(void **state)
{
	struct zone *current = zone_at(1);
	struct outcome o;
	char err[256];

	(void)state;
	begin_message(KNOT_RRTYPE_IXFR);
	soa(3);
	soa(1);
	end_message();
	begin_message(KNOT_RRTYPE_IXFR);
	soa(2);
	address("www2.transfer.test.", 2);
	soa(2);
	end_message();
	begin_message(KNOT_RRTYPE_IXFR);
	soa(3);
	address("www3.transfer.test.", 3);
	soa(3);
	end_message();
	o = read_answer(current, KNOT_RRTYPE_IXFR);
	assert_int_equal(o.ret, 0);
	assert_int_equal(o.diff.steps, 2);
	assert_int_equal(xfr_apply(current, &o.diff, NULL, err, sizeof(err)), 0);
	assert_int_equal(current->serial, 3);
	/* Both changes' records are in the zone, the old ones kept. */
	expect_address(current, "www2.transfer.test.", 2);
	expect_address(current, "www3.transfer.test.", 3);
	expect_address(current, "www.transfer.test.", 101);
	xfr_diff_free(&o.diff);
	zone_free(current);
}

/* An IXFR's changes are held until its last: many small ones grew the
 * memory without bound (each change's records were within
 * limits.zone_records, their sum was not). Past the limit, an AXFR. */
static void test_ixfr_changes_past_the_record_limit_fall_back(void **state)
{
	const struct zone_limits eight = { .file_bytes = ZONE_DEFAULT_FILE_MB << 20, .records = 8 };
	struct zone *current = zone_at(1);
	struct outcome o;

	(void)state;
	zone_set_limits(&eight);
	begin_message(KNOT_RRTYPE_IXFR);
	soa(4);
	for (uint32_t serial = 1; serial < 4; serial++) {
		char owner[64];

		soa(serial);
		soa(serial + 1);
		snprintf(owner, sizeof(owner), "www%u.transfer.test.", serial);
		address(owner, serial);
	}
	soa(4);
	end_message();
	o = read_answer(current, KNOT_RRTYPE_IXFR);
	assert_true(o.ret < 0);
	assert_string_equal(o.err, "its changes are more than 8 records (limits.zone_records)");
	assert_int_equal(o.diff.steps, 0);
	zone_free(current);
}

/* Records of up to 64 KiB each: within limits.zone_records, an AXFR of
 * big TXT records took whatever the primary sent in transfer.timeout_ms
 * (a zone file is refused past limits.zone_file_mb). 20 messages of 60
 * KiB pass the least limit, 1 MiB. */
static void test_transfer_past_the_byte_limit_refused(void **state)
{
	const struct zone_limits one_mib = { .file_bytes = 1 << 20, .records = ZONE_DEFAULT_RECORDS };
	static uint8_t text[60000];
	struct outcome o;

	(void)state;
	for (size_t i = 0; i < sizeof(text); i += 250)
		text[i] = 249;
	zone_set_limits(&one_mib);
	begin_message(KNOT_RRTYPE_AXFR);
	soa(3);
	name_server();
	end_message();
	for (int i = 0; i < 20; i++) {
		begin_message(KNOT_RRTYPE_AXFR);
		put("big.transfer.test.", KNOT_RRTYPE_TXT, text, sizeof(text));
		end_message();
	}
	begin_message(KNOT_RRTYPE_AXFR);
	soa(3);
	end_message();
	o = read_answer(NULL, KNOT_RRTYPE_AXFR);
	assert_int_equal(o.ret, -1);
	assert_string_equal(o.err, "the transfer is more than 1 MiB (limits.zone_file_mb)");
	assert_null(o.whole);
}

/* An IXFR announcing serial 3 whose one change ends at 2 (a broken or
 * cut stream): applying it would lose the change to 3 silently. */
static void test_ixfr_short_of_its_serial_refused(void **state)
{
	struct zone *current = zone_at(1);
	struct outcome o;

	(void)state;
	begin_message(KNOT_RRTYPE_IXFR);
	soa(3);
	soa(1);
	soa(2);
	address("www2.transfer.test.", 2);
	soa(3);
	end_message();
	o = read_answer(current, KNOT_RRTYPE_IXFR);
	assert_int_equal(o.ret, -1);
	assert_string_equal(o.err, "the last change ends at serial 2, the transfer announced 3");
	zone_free(current);
}

/* An IXFR answered with the whole zone (RFC 1995 section 4) at a serial
 * not newer than ours leaves ours (RFC 1034 section 4.3.5): behind it,
 * equal to it with other data, or the SOA twice; a newer one replaces it. */
static void test_whole_zone_not_newer_keeps_ours(void **state)
{
	static const uint32_t serials[] = { 4, 5 };
	struct zone *current = zone_at(5);
	struct outcome o;

	(void)state;
	for (size_t i = 0; i < 2; i++) {
		whole_zone_message(serials[i]);
		o = read_answer(current, KNOT_RRTYPE_IXFR);
		assert_int_equal(o.ret, 0);
		assert_null(o.whole);
		assert_int_equal(o.diff.steps, 0);
	}
	begin_message(KNOT_RRTYPE_IXFR);
	soa(5);
	soa(5);
	end_message();
	o = read_answer(current, KNOT_RRTYPE_IXFR);
	assert_int_equal(o.ret, 0);
	assert_null(o.whole);

	whole_zone_message(6);
	o = read_answer(current, KNOT_RRTYPE_IXFR);
	assert_int_equal(o.ret, 0);
	assert_non_null(o.whole);
	assert_int_equal(o.whole->serial, 6);
	zone_free(o.whole);
	zone_free(current);
}

/* Changes from our serial to an older one (the primary's serial is not
 * newer than ours): ours is kept, as against a whole zone; they were
 * applied, and the copy went back to serial 4. */
static void test_ixfr_back_to_an_older_serial_keeps_ours(void **state)
{
	struct zone *current = zone_at(5);
	struct outcome o;

	(void)state;
	begin_message(KNOT_RRTYPE_IXFR);
	soa(4);
	soa(5);
	soa(4);
	address("www2.transfer.test.", 2);
	soa(4);
	end_message();
	o = read_answer(current, KNOT_RRTYPE_IXFR);
	assert_int_equal(o.ret, 0);
	assert_null(o.whole);
	assert_int_equal(o.diff.steps, 0);
	xfr_diff_free(&o.diff);
	zone_free(current);
}

/* A zone that is its SOA alone would answer NXDOMAIN for every name. */
static void test_whole_zone_without_name_servers_refused(void **state)
{
	struct outcome o;

	(void)state;
	begin_message(KNOT_RRTYPE_AXFR);
	soa(3);
	address("www.transfer.test.", 1);
	soa(3);
	end_message();
	o = read_answer(NULL, KNOT_RRTYPE_AXFR);
	assert_int_equal(o.ret, -1);
	assert_string_equal(o.err, "the zone has no NS records at its apex");
}

/* libknot takes records of other classes without rdata (as UPDATE's
 * prerequisites have, RFC 2136): a SOA's serial was read past the end, an
 * address without one was stored. */
static void test_records_of_another_class_refused(void **state)
{
	static const struct {
		const char *owner;
		uint16_t type;
	} records[] = { { "transfer.test.", KNOT_RRTYPE_SOA }, { "www.transfer.test.", KNOT_RRTYPE_A } };
	char expected[128];
	struct outcome o;

	(void)state;
	for (size_t i = 0; i < sizeof(records) / sizeof(records[0]); i++) {
		begin_message(KNOT_RRTYPE_AXFR);
		soa(3);
		name_server();
		put_of_class(records[i].owner, records[i].type, 0, NULL, 0);
		soa(3);
		end_message();
		o = read_answer(NULL, KNOT_RRTYPE_AXFR);
		assert_int_equal(o.ret, -1);
		snprintf(expected, sizeof(expected), "record of %s: class CLASS0: only class IN is served",
			 records[i].owner);
		assert_string_equal(o.err, expected);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ixfr_of_two_changes_applies),
		cmocka_unit_test(test_ixfr_short_of_its_serial_refused),
		cmocka_unit_test_teardown(test_ixfr_changes_past_the_record_limit_fall_back, default_limits),
		cmocka_unit_test_teardown(test_transfer_past_the_byte_limit_refused, default_limits),
		cmocka_unit_test(test_whole_zone_not_newer_keeps_ours),
		cmocka_unit_test(test_ixfr_back_to_an_older_serial_keeps_ours),
		cmocka_unit_test(test_whole_zone_without_name_servers_refused),
		cmocka_unit_test(test_records_of_another_class_refused),
	};

	return cmocka_run_group_tests_name("zone transfers", tests, setup, teardown);
}
