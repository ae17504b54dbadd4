/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Address prefixes as keys of the family-neutral LPM maps (see xdpcast.h). */
#ifndef XDPCAST_PREFIX_H
#define XDPCAST_PREFIX_H

#include <stddef.h>
#include "xdpcast.h"

/* Parses "192.0.2.0/24" or "2001:db8::/48" (a bare address is a host
 * prefix). Host bits must be zero. On error, writes a message to err. */
int prefix_parse(const char *text, struct xdpcast_lpm_key *key, char *err, size_t errlen);

/* Whether the key holds an IPv4 prefix (IPv4-mapped, /96 or longer). */
int prefix_is_v4(const struct xdpcast_lpm_key *key);

/* Whether an IPv6 prefix holds ::ffff:0:0/96, where the maps keep IPv4
 * (::/8 does): as a key it covers every IPv4 address too. */
int prefix_holds_v4_space(const struct xdpcast_lpm_key *key);

/* Whether addr (16 bytes, IPv4 mapped) is inside the prefix. */
int prefix_contains(const struct xdpcast_lpm_key *prefix, const __u8 addr[16]);

/* Whether an operator's prefix holds addr, of its own family only: an
 * IPv6 prefix, ::/0 too, holds no IPv4 address, though the maps keep
 * IPv4 inside it (prefix_holds_v4_space). */
int prefix_holds_address(const struct xdpcast_lpm_key *prefix, const __u8 addr[16]);

/* ::ffff:0:0/96, IPv4's 0.0.0.0/0 as the maps key it. */
struct xdpcast_lpm_key prefix_v4_space(void);

/* Writes the prefix back in its family's notation. */
void prefix_format(const struct xdpcast_lpm_key *key, char *buf, size_t len);

#endif
