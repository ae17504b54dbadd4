// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * libFuzzer: what a primary sends back on a transfer's TCP connection
 * (2-octet lengths, then DNS messages), read by the transfer client with
 * our query's ID 0x1234. The first input byte picks AXFR or an IXFR from a
 * small zone at serial 1, and for a quarter of the inputs a TSIG key: the
 * fuzzer cannot sign, so keyed inputs end at the signature check, and the
 * records' parsing gets the other three quarters.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "log.h"
#include "xfr.h"

#define QUERY_ID 0x1234

static struct zone *current;
static knot_dname_t *origin;
static knot_tsig_key_t key;

static void set_up(void)
{
	static const char text[] = "$ORIGIN transfer.test.\n@ 300 SOA ns1 hostmaster 1 3600 600 604800 60\n"
				   "@ 300 NS ns1\nns1 300 A 192.0.2.53\nwww 300 A 192.0.2.101\n";
	char err[256];

	log_set_output(fopen("/dev/null", "w"));
	current = zone_parse("current", text, sizeof(text) - 1, err, sizeof(err));
	origin = knot_dname_from_str_alloc("transfer.test.");
	if (!current || !origin ||
	    knot_tsig_key_init(&key, "hmac-sha256", "xfr.", "c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0MTI=") != KNOT_EOK)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct xfr_primary primary = { 0 };
	struct zone *out = NULL;
	struct xfr_diff diff;
	char err[512];
	int ixfr, ret;

	if (!current)
		set_up();
	if (size < 1)
		return 0;
	ixfr = data[0] & 1;
	primary.key = (data[0] & 6) == 6 ? &key : NULL;
	if (address_parse("192.0.2.1", 53, &primary.address, err, sizeof(err)))
		abort();
	ret = xfr_read_stream(&primary, origin, ixfr ? current : NULL, ixfr ? KNOT_RRTYPE_IXFR : KNOT_RRTYPE_AXFR,
			      QUERY_ID, data + 1, size - 1, &out, &diff, err, sizeof(err));
	if (ret == 0) {
		zone_free(out);
		xfr_diff_free(&diff);
	}
	return 0;
}
