// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * libFuzzer: a NOTIFY message as the daemon's sockets receive it, checked
 * and answered by notify_handle. Two transferred zones: example.test. from
 * 192.0.2.1 with a TSIG key, other.test. from 2001:db8::1 without one. The
 * first input byte picks the sender (one of them, or a stranger).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "notify.h"

static struct secondary zones[2];

static void set_up(void)
{
	static struct tsig_key_option key;
	static const struct { const char *zone, *primary; int key; } configured[2] = {
		{ "example.test.", "192.0.2.1", 0 },
		{ "other.test.", "2001:db8::1", -1 },
	};
	char err[256];

	log_set_output(fopen("/dev/null", "w"));
	if (knot_tsig_key_init(&key.key, "hmac-sha256", "xfr.", "c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0MTI=") != KNOT_EOK)
		abort();
	for (int i = 0; i < 2; i++) {
		struct secondary_option opt = { .zone = configured[i].zone, .key = configured[i].key };

		if (address_parse(configured[i].primary, 53, &opt.primary, err, sizeof(err)) ||
		    secondary_init(&zones[i], &opt, &key, err, sizeof(err)))
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const senders[] = { "192.0.2.1", "2001:db8::1", "203.0.113.9" };
	static uint8_t reply[NOTIFY_MESSAGE_MAX];
	struct address from;
	size_t reply_len;
	uint8_t *wire;
	char err[256];

	if (!zones[0].origin)
		set_up();
	if (size < 1 || size - 1 > NOTIFY_MESSAGE_MAX)
		return 0;
	if (address_parse(senders[data[0] % 3], 53, &from, err, sizeof(err)))
		abort();
	wire = malloc(size - 1 + 1);    /* exactly the message: ASan sees any read past it */
	memcpy(wire, data + 1, size - 1);
	notify_handle(wire, size - 1, &from.ss, zones, 2, reply, &reply_len);
	free(wire);
	return 0;
}
