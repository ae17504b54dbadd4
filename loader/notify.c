// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <libknot/tsig-op.h>

#include "log.h"
#include "notify.h"

#define NOTIFY_MESSAGE_MAX 4096  /* a NOTIFY is a question and a TSIG */

int notify_listen(const struct address *addr, char *err, size_t errlen)
{
	int one = 1, fd = socket(addr->ss.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	if (fd < 0) {
		snprintf(err, errlen, "transfer.notify_listen %s: %s", addr->text, strerror(errno));
		return -1;
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (const struct sockaddr *)&addr->ss, addr->len)) {
		snprintf(err, errlen, "transfer.notify_listen %s: %s", addr->text, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

/* Which zone the NOTIFY is for and whether its sender may send it: an
 * rcode for the answer, and the zone through *zone. */
static int check_notify(const knot_pkt_t *query, const struct sockaddr_storage *from,
			const struct secondary *zones, size_t count, int *zone, const char **why)
{
	*zone = -1;
	if (knot_wire_get_opcode(query->wire) != KNOT_OPCODE_NOTIFY || knot_wire_get_qdcount(query->wire) != 1) {
		*why = "not a NOTIFY";
		return KNOT_RCODE_REFUSED;
	}
	for (size_t i = 0; i < count; i++)
		if (knot_dname_is_case_equal(knot_pkt_qname(query), zones[i].origin))
			*zone = i;
	if (*zone < 0) {
		*why = "not a zone we transfer";
		return KNOT_RCODE_NOTAUTH;
	}
	if (!address_same_host(from, &zones[*zone].primary.address.ss)) {
		*why = "not from the zone's primary";
		return KNOT_RCODE_REFUSED;
	}
	if (!zones[*zone].primary.key)
		return KNOT_RCODE_NOERROR;
	if (!query->tsig_rr) {
		*why = "not signed with the zone's TSIG key";
		return KNOT_RCODE_NOTAUTH;
	}
	if (knot_tsig_server_check(query->tsig_rr, query->wire, query->size, zones[*zone].primary.key) != KNOT_EOK) {
		*why = "its TSIG does not verify with the zone's key";
		return KNOT_RCODE_NOTAUTH;
	}
	return KNOT_RCODE_NOERROR;
}

static void answer(int fd, const knot_pkt_t *query, int rcode, const knot_tsig_key_t *key,
		   const struct sockaddr_storage *to, socklen_t to_len)
{
	uint8_t wire[NOTIFY_MESSAGE_MAX];
	knot_pkt_t *response = knot_pkt_new(wire, sizeof(wire), NULL);
	size_t len;

	if (!response || knot_pkt_init_response(response, query) != KNOT_EOK) {
		knot_pkt_free(response);
		return;
	}
	knot_wire_set_aa(response->wire);
	knot_wire_set_rcode(response->wire, rcode);
	len = response->size;
	if (key && rcode == KNOT_RCODE_NOERROR) {
		uint8_t digest[XFR_TSIG_MAC_MAX];
		size_t digest_len = sizeof(digest);

		knot_tsig_sign(wire, &len, sizeof(wire), knot_tsig_rdata_mac(query->tsig_rr),
			       knot_tsig_rdata_mac_length(query->tsig_rr), digest, &digest_len, key, 0, 0);
	}
	sendto(fd, wire, len, 0, (const struct sockaddr *)to, to_len);
	knot_pkt_free(response);
}

int notify_serve_one(int fd, const struct secondary *zones, size_t count)
{
	uint8_t wire[NOTIFY_MESSAGE_MAX];
	struct sockaddr_storage from;
	socklen_t from_len = sizeof(from);
	ssize_t n = recvfrom(fd, wire, sizeof(wire), 0, (struct sockaddr *)&from, &from_len);
	knot_pkt_t *query;
	const char *why = "";
	char sender[64] = "?", name[KNOT_DNAME_TXT_MAXLEN] = "?";
	int rcode, zone = -1;

	if (n < KNOT_WIRE_HEADER_SIZE || knot_wire_get_qr(wire))
		return -1;              /* nothing we could answer */
	query = knot_pkt_new(wire, n, NULL);
	if (!query)
		return -1;
	getnameinfo((struct sockaddr *)&from, from_len, sender, sizeof(sender), NULL, 0, NI_NUMERICHOST);
	if (knot_pkt_parse(query, 0) != KNOT_EOK) {
		log_warn("NOTIFY from %s: malformed, refused", sender);
		knot_pkt_free(query);
		return -1;
	}
	rcode = check_notify(query, &from, zones, count, &zone, &why);
	if (knot_pkt_qname(query))
		knot_dname_to_str(name, knot_pkt_qname(query), sizeof(name));
	answer(fd, query, rcode, zone >= 0 ? zones[zone].primary.key : NULL, &from, from_len);
	knot_pkt_free(query);
	if (rcode != KNOT_RCODE_NOERROR) {
		log_warn("NOTIFY for %s from %s refused: %s", name, sender, why);
		return -1;
	}
	log_info("NOTIFY for %s from %s", name, sender);
	return zone;
}
