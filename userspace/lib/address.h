/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* DNS servers' addresses written as NSD and Knot write them: ADDR[@PORT]. */
#ifndef XDPCAST_ADDRESS_H
#define XDPCAST_ADDRESS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

struct address {
	struct sockaddr_storage ss;
	socklen_t len;
	char text[64];                  /* ADDR@PORT, for logs */
};

/* "192.0.2.53", "198.51.100.2@5300", "2001:db8::2@53"; the port defaults
 * to default_port. */
int address_parse(const char *text, uint16_t default_port, struct address *out, char *err, size_t errlen);

/* A socket of type (SOCK_DGRAM, or SOCK_STREAM listening) bound to ss with
 * SO_REUSEADDR, non-blocking and close-on-exec: its fd, or -1 with errno. */
int address_listen(const struct sockaddr_storage *ss, int type);

/* Whether a and b are the same IP address (ports aside). */
int address_same_host(const struct sockaddr_storage *a, const struct sockaddr_storage *b);

/* A peer's address as it is: an IPv4 peer of a socket bound to an IPv6
 * address that takes both (::, say) comes as ::ffff:a.b.c.d, which is
 * written into *room as a.b.c.d; any other address is returned as it is. */
const struct sockaddr_storage *address_unmapped(const struct sockaddr_storage *ss, struct sockaddr_storage *room);

#endif
