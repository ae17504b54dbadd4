// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * NOTIFY as notify_handle checks it (RFC 1996, RFC 8945): which zone it
 * refreshes, and who may ask: the zone's primary alone, with the zone's
 * TSIG key when it has one; everyone else answered with a refusal.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>
#include <cmocka.h>
#include <libknot/libknot.h>

#include "notify.h"

#define SECRET "c2VjcmV0LW9mLXRoZS16b25lLWtleQ=="

static struct secondary zones[2];
static knot_tsig_key_t key, other_key;

static struct sockaddr_storage sender(const char *text)
{
	struct address address;
	char err[128];

	if (address_parse(text, 53, &address, err, sizeof(err)))
		fail_msg("%s", err);
	return address.ss;
}

static void primary_of(struct secondary *s, const char *zone, const char *primary, const knot_tsig_key_t *with)
{
	char err[128];

	s->origin = knot_dname_from_str_alloc(zone);
	knot_dname_to_str(s->name, s->origin, sizeof(s->name));
	if (address_parse(primary, 53, &s->primary.address, err, sizeof(err)))
		fail_msg("%s", err);
	s->primary.key = with;
}

static int setup(void **state)
{
	(void)state;
	primary_of(&zones[0], "open.test.", "203.0.113.2", NULL);
	primary_of(&zones[1], "signed.test.", "2001:db8::2", &key);
	return knot_tsig_key_init(&key, "hmac-sha256", "zone-key.", SECRET) ||
	       knot_tsig_key_init(&other_key, "hmac-sha256", "zone-key.", "b3RoZXItc2VjcmV0LW9mLXRoZS1rZXk=");
}

static int teardown(void **state)
{
	(void)state;
	for (size_t i = 0; i < 2; i++)
		knot_dname_free(zones[i].origin, NULL);
	knot_tsig_key_deinit(&key);
	knot_tsig_key_deinit(&other_key);
	return 0;
}

/* A NOTIFY for zone from `from`, signed with `with` when given: the zone
 * it refreshes (or -1) and the answer's rcode in *rcode. */
static int notify(const char *zone, const struct sockaddr_storage *from, const knot_tsig_key_t *with, int *rcode)
{
	uint8_t wire[NOTIFY_MESSAGE_MAX] = { 0 }, reply[NOTIFY_MESSAGE_MAX];
	knot_pkt_t *query = knot_pkt_new(wire, sizeof(wire), NULL);
	knot_dname_t *name = knot_dname_from_str_alloc(zone);
	size_t len, reply_len;
	int refreshed;

	assert_non_null(query);
	knot_wire_set_id(query->wire, 0x4242);
	knot_wire_set_opcode(query->wire, KNOT_OPCODE_NOTIFY);
	knot_wire_set_aa(query->wire);
	assert_int_equal(knot_pkt_put_question(query, name, KNOT_CLASS_IN, KNOT_RRTYPE_SOA), KNOT_EOK);
	len = query->size;
	if (with) {
		uint8_t mac[64];
		size_t mac_len = sizeof(mac);

		assert_int_equal(knot_tsig_sign(wire, &len, sizeof(wire), NULL, 0, mac, &mac_len, with, 0, 0),
				 KNOT_EOK);
	}
	knot_pkt_free(query);
	knot_dname_free(name, NULL);
	refreshed = notify_handle(wire, len, from, zones, 2, reply, &reply_len);
	assert_true(reply_len >= KNOT_WIRE_HEADER_SIZE);
	*rcode = knot_wire_get_rcode(reply);
	return refreshed;
}

static void test_from_the_primary_refreshes_its_zone(void **state)
{
	struct sockaddr_storage primary = sender("203.0.113.2@5353");
	int rcode;

	(void)state;
	assert_int_equal(notify("open.test.", &primary, NULL, &rcode), 0);
	assert_int_equal(rcode, KNOT_RCODE_NOERROR);
	assert_int_equal(notify("OPEN.test.", &primary, NULL, &rcode), 0);
}

/* On a notify_listen of ::, Linux hands an IPv4 sender over as
 * ::ffff:a.b.c.d: the primary's NOTIFYs were refused as another host's. */
static void test_from_the_primary_v4_mapped_refreshes_its_zone(void **state)
{
	struct sockaddr_storage mapped = sender("::ffff:203.0.113.2@5353");
	struct sockaddr_storage other = sender("::ffff:203.0.113.3@5353");
	int rcode;

	(void)state;
	assert_int_equal(notify("open.test.", &mapped, NULL, &rcode), 0);
	assert_int_equal(rcode, KNOT_RCODE_NOERROR);
	assert_int_equal(notify("open.test.", &other, NULL, &rcode), -1);
	assert_int_equal(rcode, KNOT_RCODE_REFUSED);
}

static void test_from_another_host_or_for_another_zone_refused(void **state)
{
	struct sockaddr_storage stranger = sender("198.51.100.9"), primary = sender("203.0.113.2");
	int rcode;

	(void)state;
	assert_int_equal(notify("open.test.", &stranger, NULL, &rcode), -1);
	assert_int_equal(rcode, KNOT_RCODE_REFUSED);
	/* The other zone's primary: refused for this one. */
	assert_int_equal(notify("signed.test.", &primary, &key, &rcode), -1);
	assert_int_equal(rcode, KNOT_RCODE_REFUSED);
	assert_int_equal(notify("held-nowhere.test.", &primary, NULL, &rcode), -1);
	assert_int_equal(rcode, KNOT_RCODE_NOTAUTH);
}

/* A zone with a key: from its primary, unsigned or signed with another
 * secret under the key's name, refused; with the key, it refreshes. */
static void test_zone_with_a_key_needs_its_signature(void **state)
{
	struct sockaddr_storage primary = sender("2001:db8::2");
	int rcode;

	(void)state;
	assert_int_equal(notify("signed.test.", &primary, NULL, &rcode), -1);
	assert_int_equal(rcode, KNOT_RCODE_NOTAUTH);
	assert_int_equal(notify("signed.test.", &primary, &other_key, &rcode), -1);
	assert_int_equal(rcode, KNOT_RCODE_NOTAUTH);
	assert_int_equal(notify("signed.test.", &primary, &key, &rcode), 1);
	assert_int_equal(rcode, KNOT_RCODE_NOERROR);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_from_the_primary_refreshes_its_zone),
		cmocka_unit_test(test_from_the_primary_v4_mapped_refreshes_its_zone),
		cmocka_unit_test(test_from_another_host_or_for_another_zone_refused),
		cmocka_unit_test(test_zone_with_a_key_needs_its_signature),
	};

	return cmocka_run_group_tests_name("NOTIFY", tests, setup, teardown);
}
