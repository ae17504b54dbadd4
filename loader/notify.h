/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * NOTIFY from primaries (RFC 1996): a UDP socket on transfer.notify_listen.
 * A NOTIFY counts only from the zone's primary address and, when the zone
 * has a key, with a valid TSIG; every other message is refused.
 */
#ifndef XDPCAST_NOTIFY_H
#define XDPCAST_NOTIFY_H

#include "address.h"
#include "secondary.h"

int notify_listen(const struct address *addr, char *err, size_t errlen);

/* Reads and answers one message; returns the index of the zone to refresh
 * at once, or -1. */
int notify_serve_one(int fd, const struct secondary *zones, size_t count);

#endif
