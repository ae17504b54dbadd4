// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <arpa/inet.h>
#include <ctype.h>
#include <stdbool.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "prefix.h"

static const __u8 v4_mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

int prefix_is_v4(const struct xdpcast_lpm_key *key)
{
	return key->prefixlen >= 96 && memcmp(key->addr, v4_mapped, sizeof(v4_mapped)) == 0;
}

int prefix_parse(const char *text, struct xdpcast_lpm_key *key, char *err, size_t errlen)
{
	char addr[INET6_ADDRSTRLEN + 1];
	const char *slash = strchr(text, '/');
	size_t addr_len = slash ? (size_t)(slash - text) : strlen(text);
	unsigned long bits, max_bits;
	char *end;

	memset(key, 0, sizeof(*key));
	if (addr_len == 0 || addr_len >= sizeof(addr))
		goto bad_address;
	memcpy(addr, text, addr_len);
	addr[addr_len] = '\0';

	if (inet_pton(AF_INET, addr, &key->addr[12]) == 1) {
		memcpy(key->addr, v4_mapped, sizeof(v4_mapped));
		max_bits = 32;
	} else if (inet_pton(AF_INET6, addr, key->addr) == 1) {
		max_bits = 128;
	} else {
		goto bad_address;
	}

	bits = max_bits;
	if (slash) {
		errno = 0;
		bits = strtoul(slash + 1, &end, 10);
		/* Digits only: strtoul also takes a sign and leading spaces. */
		if (!isdigit((unsigned char)slash[1]) || *end != '\0' || errno || bits > max_bits) {
			snprintf(err, errlen, "prefix '%s': length must be 0 to %lu", text, max_bits);
			return -1;
		}
	}
	key->prefixlen = bits + (128 - max_bits);

	for (unsigned bit = key->prefixlen; bit < 128; bit++) {
		if (key->addr[bit / 8] & (0x80 >> (bit % 8))) {
			snprintf(err, errlen, "prefix '%s': host bits are set after /%lu", text, bits);
			return -1;
		}
	}
	return 0;

bad_address:
	snprintf(err, errlen, "prefix '%s': not an IPv4 or IPv6 address", text);
	return -1;
}

int prefix_contains(const struct xdpcast_lpm_key *prefix, const __u8 addr[16])
{
	__u32 whole = prefix->prefixlen / 8, rest = prefix->prefixlen % 8;

	if (memcmp(prefix->addr, addr, whole))
		return 0;
	return !rest || ((prefix->addr[whole] ^ addr[whole]) & (0xff << (8 - rest))) == 0;
}

struct xdpcast_lpm_key prefix_v4_space(void)
{
	struct xdpcast_lpm_key space = { .prefixlen = 96 };

	memcpy(space.addr, v4_mapped, sizeof(v4_mapped));
	return space;
}

int prefix_holds_v4_space(const struct xdpcast_lpm_key *key)
{
	struct xdpcast_lpm_key space = prefix_v4_space();

	return key->prefixlen < 96 && prefix_contains(key, space.addr);
}

int prefix_holds_address(const struct xdpcast_lpm_key *prefix, const __u8 addr[16])
{
	bool v4 = memcmp(addr, v4_mapped, sizeof(v4_mapped)) == 0;

	return prefix_contains(prefix, addr) && (!v4 || prefix_is_v4(prefix));
}

void prefix_format(const struct xdpcast_lpm_key *key, char *buf, size_t len)
{
	char addr[INET6_ADDRSTRLEN];

	if (prefix_is_v4(key)) {
		inet_ntop(AF_INET, &key->addr[12], addr, sizeof(addr));
		snprintf(buf, len, "%s/%u", addr, key->prefixlen - 96);
	} else {
		inet_ntop(AF_INET6, key->addr, addr, sizeof(addr));
		snprintf(buf, len, "%s/%u", addr, key->prefixlen);
	}
}
