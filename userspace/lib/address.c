// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "address.h"

int address_parse(const char *text, uint16_t default_port, struct address *out, char *err, size_t errlen)
{
	const char *at = strrchr(text, '@');
	size_t host_len = at ? (size_t)(at - text) : strlen(text);
	char host[INET6_ADDRSTRLEN];
	unsigned long port = default_port;
	struct sockaddr_in *v4 = (struct sockaddr_in *)&out->ss;
	struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)&out->ss;

	memset(out, 0, sizeof(*out));
	if (at) {
		char *end;

		port = strtoul(at + 1, &end, 10);
		if (!at[1] || *end || port == 0 || port > 65535) {
			snprintf(err, errlen, "'%s': the port after '@' must be 1 to 65535", text);
			return -1;
		}
	}
	if (host_len == 0 || host_len >= sizeof(host)) {
		snprintf(err, errlen, "'%s' is not an address (ADDR or ADDR@PORT)", text);
		return -1;
	}
	memcpy(host, text, host_len);
	host[host_len] = '\0';
	if (inet_pton(AF_INET, host, &v4->sin_addr) == 1) {
		v4->sin_family = AF_INET;
		v4->sin_port = htons(port);
		out->len = sizeof(*v4);
	} else if (inet_pton(AF_INET6, host, &v6->sin6_addr) == 1) {
		v6->sin6_family = AF_INET6;
		v6->sin6_port = htons(port);
		out->len = sizeof(*v6);
	} else {
		snprintf(err, errlen, "'%s' is not an IPv4 or IPv6 address (ADDR or ADDR@PORT)", text);
		return -1;
	}
	snprintf(out->text, sizeof(out->text), "%s@%lu", host, port);
	return 0;
}

int address_listen(const struct sockaddr_storage *ss, int type)
{
	socklen_t len = ss->ss_family == AF_INET ? sizeof(struct sockaddr_in) : sizeof(struct sockaddr_in6);
	int one = 1, fd = socket(ss->ss_family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0), saved;

	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (!bind(fd, (const struct sockaddr *)ss, len) && (type != SOCK_STREAM || !listen(fd, 16)))
		return fd;
	saved = errno;
	close(fd);
	errno = saved;
	return -1;
}

int address_same_host(const struct sockaddr_storage *a, const struct sockaddr_storage *b)
{
	if (a->ss_family != b->ss_family)
		return 0;
	if (a->ss_family == AF_INET)
		return ((const struct sockaddr_in *)a)->sin_addr.s_addr ==
		       ((const struct sockaddr_in *)b)->sin_addr.s_addr;
	return memcmp(&((const struct sockaddr_in6 *)a)->sin6_addr, &((const struct sockaddr_in6 *)b)->sin6_addr,
		      sizeof(struct in6_addr)) == 0;
}

const struct sockaddr_storage *address_unmapped(const struct sockaddr_storage *ss, struct sockaddr_storage *room)
{
	const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)ss;
	struct sockaddr_in *in = (struct sockaddr_in *)room;

	if (ss->ss_family != AF_INET6 || !IN6_IS_ADDR_V4MAPPED(&in6->sin6_addr))
		return ss;
	memset(room, 0, sizeof(*room));
	in->sin_family = AF_INET;
	in->sin_port = in6->sin6_port;
	memcpy(&in->sin_addr, &in6->sin6_addr.s6_addr[12], sizeof(in->sin_addr));
	return room;
}
