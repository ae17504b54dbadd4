// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * libFuzzer: what BIRD's control socket says, read by the client as the
 * health loop reads it: the greeting, the reply to `show protocols`, then
 * the reply to `show route export ...`. The input is written into one end
 * of a socketpair and the client reads the other, up to its end.
 */
#include <stdint.h>
#include <sys/socket.h>
#include <unistd.h>

#include "bird.h"

static void ignore_prefix(const char *prefix, void *arg)
{
	(void)prefix;
	(void)arg;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct bird_protocol protocols[BIRD_MAX_PROTOCOLS];
	char err[256];
	struct bird b;
	size_t count;
	int sv[2];

	if (size > 65536 || socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv))
		return 0;
	for (size_t sent = 0; sent < size;) {
		ssize_t n = send(sv[1], data + sent, size - sent, MSG_DONTWAIT | MSG_NOSIGNAL);

		if (n <= 0)
			break;
		sent += n;
	}
	shutdown(sv[1], SHUT_WR);
	if (bird_attach(&b, sv[0], 100, err, sizeof(err)) == 0) {
		if (bird_protocols(&b, "BGP", protocols, BIRD_MAX_PROTOCOLS, &count, err, sizeof(err)) == 0)
			bird_route_prefixes(&b, "export transit4", ignore_prefix, NULL, err, sizeof(err));
		bird_close(&b);
	}
	close(sv[1]);
	return 0;
}
