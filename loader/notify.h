/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * NOTIFY from primaries (RFC 1996): UDP and TCP on transfer.notify_listen.
 * A NOTIFY counts only from the zone's primary address and, when the zone
 * has a key, with a valid TSIG; every other message is refused.
 */
#ifndef XDPCAST_NOTIFY_H
#define XDPCAST_NOTIFY_H

#include "address.h"
#include "secondary.h"

#define NOTIFY_NONE (-2)        /* notify_serve_udp: nothing (more) to read */

struct notify_sockets {
	int udp, tcp;                   /* -1: not open */
};

/* UDP and TCP sockets bound to addr. */
int notify_listen(const struct address *addr, struct notify_sockets *out, char *err, size_t errlen);
void notify_close(struct notify_sockets *s);

#define NOTIFY_MESSAGE_MAX 4096         /* a NOTIFY is a question and a TSIG */

/* One message from `from`, without a socket: checked, answered into reply
 * (NOTIFY_MESSAGE_MAX bytes; *reply_len 0: no answer), logged (each kind
 * of refusal at most once per 10 s, with a count); the index of the zone
 * to refresh, or -1. */
int notify_handle(uint8_t *wire, size_t n, const struct sockaddr_storage *from, const struct secondary *zones,
		  size_t count, uint8_t *reply, size_t *reply_len);

/* Read, check and answer one message (a datagram, or the first message of
 * a connection accepted on the TCP socket); return the index of the zone
 * to refresh at once, or -1 (NOTIFY_NONE: no datagram was waiting). Slots
 * without an origin (catalog members removed) are skipped. */
int notify_serve_udp(int fd, const struct secondary *zones, size_t count);
/* Over TCP in two steps: the message read (on a lane: 0, or -1), then
 * matched against the zones and answered on the loop's thread, where the
 * secondaries change (catalog members come and go); the fd is closed. */
int notify_read_tcp(int fd, uint8_t *wire, size_t *len, double *deadline);
int notify_answer_tcp(int fd, const struct sockaddr_storage *from, uint8_t *wire, size_t len, double deadline,
		      const struct secondary *zones, size_t count);

#endif
