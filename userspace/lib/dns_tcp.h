/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * DNS messages over TCP (RFC 1035 4.2.2: a two-byte length, then the
 * message) on a non-blocking socket, every step bounded by one deadline on
 * the monotonic clock: zone transfers and NOTIFY over TCP share it.
 */
#ifndef XDPCAST_DNS_TCP_H
#define XDPCAST_DNS_TCP_H

#include <stddef.h>
#include <stdint.h>

/* Waits until fd is ready for events (POLLIN, POLLOUT): 0, or -1 with err
 * and errno ETIMEDOUT at the deadline (also for UDP, where datagrams that
 * are not the answer must not put it off), ECANCELED at a stop. */
int dns_tcp_wait(int fd, short events, double deadline, char *err, size_t errlen);

int dns_tcp_send(int fd, const uint8_t *wire, size_t len, double deadline, char *err, size_t errlen);

/* One message into wire (size bytes); its length in *len. */
int dns_tcp_receive(int fd, uint8_t *wire, size_t size, size_t *len, double deadline, char *err, size_t errlen);

#endif
