// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <libknot/libknot.h>

#include "cancel.h"
#include "clock.h"
#include "dns_tcp.h"

/* In slices, so that a daemon that is stopping need not wait for a slow peer. */
#define WAIT_SLICE_MS 100

int dns_tcp_wait(int fd, short events, double deadline, char *err, size_t errlen)
{
	for (;;) {
		struct pollfd pfd = { .fd = fd, .events = events };
		double ms = (deadline - clock_monotonic()) * 1000;
		int ready = poll(&pfd, 1, ms <= 0 ? 0 : ms > WAIT_SLICE_MS ? WAIT_SLICE_MS : (int)ms);

		if (ready > 0)
			return 0;
		if (ready < 0 && errno != EINTR) {
			snprintf(err, errlen, "%s", strerror(errno));
			return -1;
		}
		if (cancel_requested()) {
			snprintf(err, errlen, "stopping");
			errno = ECANCELED;
			return -1;
		}
		if (ms <= 0) {
			snprintf(err, errlen, "timed out");
			errno = ETIMEDOUT;
			return -1;
		}
	}
}

static int io_all(int fd, uint8_t *buf, size_t len, bool sending, double deadline, char *err, size_t errlen)
{
	size_t done = 0;

	while (done < len) {
		ssize_t n = sending ? send(fd, buf + done, len - done, MSG_NOSIGNAL) :
				      recv(fd, buf + done, len - done, 0);

		if (n > 0) {
			done += n;
			continue;
		}
		if (n == 0) {
			snprintf(err, errlen, "the peer closed the connection");
			return -1;
		}
		if (errno != EAGAIN && errno != EINTR) {
			snprintf(err, errlen, "%s: %s", sending ? "send" : "recv", strerror(errno));
			return -1;
		}
		if (dns_tcp_wait(fd, sending ? POLLOUT : POLLIN, deadline, err, errlen))
			return -1;
	}
	return 0;
}

int dns_tcp_send(int fd, const uint8_t *wire, size_t len, double deadline, char *err, size_t errlen)
{
	uint8_t framed[2 + KNOT_WIRE_MAX_PKTSIZE];

	framed[0] = len >> 8;
	framed[1] = len & 0xff;
	memcpy(framed + 2, wire, len);
	return io_all(fd, framed, len + 2, true, deadline, err, errlen);
}

int dns_tcp_receive(int fd, uint8_t *wire, size_t size, size_t *len, double deadline, char *err, size_t errlen)
{
	uint8_t prefix[2];

	if (io_all(fd, prefix, 2, false, deadline, err, errlen))
		return -1;
	*len = (size_t)prefix[0] << 8 | prefix[1];
	if (*len < KNOT_WIRE_HEADER_SIZE || *len > size) {
		snprintf(err, errlen, "a %zu-byte message is %s", *len,
			 *len < KNOT_WIRE_HEADER_SIZE ? "too short for DNS" : "too long here");
		return -1;
	}
	return io_all(fd, wire, *len, false, deadline, err, errlen);
}
