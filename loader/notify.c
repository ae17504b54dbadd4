// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <libknot/tsig-op.h>

#include "clock.h"
#include "dns_tcp.h"
#include "log.h"
#include "notify.h"

#define NOTIFY_TCP_TIMEOUT_MS 500
#define NOTIFY_LOG_INTERVAL   10        /* seconds: anyone can send NOTIFYs */

static struct log_every malformed_log = LOG_EVERY_INIT(NOTIFY_LOG_INTERVAL);
static struct log_every accepted_log = LOG_EVERY_INIT(NOTIFY_LOG_INTERVAL);

/* Why a NOTIFY is refused: each reason is a kind of its own in the log. */
enum refusal { NOT_A_NOTIFY, NOT_OUR_ZONE, NOT_FROM_PRIMARY, NOT_SIGNED, BAD_TSIG, REFUSALS };
static struct {
	const char *why;
	struct log_every log;
} refusals[REFUSALS] = {
	[NOT_A_NOTIFY] = { "not a NOTIFY", LOG_EVERY_INIT(NOTIFY_LOG_INTERVAL) },
	[NOT_OUR_ZONE] = { "not a zone we transfer", LOG_EVERY_INIT(NOTIFY_LOG_INTERVAL) },
	[NOT_FROM_PRIMARY] = { "not from the zone's primary", LOG_EVERY_INIT(NOTIFY_LOG_INTERVAL) },
	[NOT_SIGNED] = { "not signed with the zone's TSIG key", LOG_EVERY_INIT(NOTIFY_LOG_INTERVAL) },
	[BAD_TSIG] = { "its TSIG does not verify with the zone's key", LOG_EVERY_INIT(NOTIFY_LOG_INTERVAL) },
};

static int bound_socket(const struct address *addr, int type, char *err, size_t errlen)
{
	int fd = address_listen(&addr->ss, type);

	if (fd < 0)
		snprintf(err, errlen, "transfer.notify_listen %s (%s): %s", addr->text,
			 type == SOCK_STREAM ? "TCP" : "UDP", strerror(errno));
	return fd;
}

int notify_listen(const struct address *addr, struct notify_sockets *out, char *err, size_t errlen)
{
	out->udp = bound_socket(addr, SOCK_DGRAM, err, errlen);
	if (out->udp < 0)
		return -1;
	out->tcp = bound_socket(addr, SOCK_STREAM, err, errlen);
	if (out->tcp < 0) {
		close(out->udp);
		out->udp = -1;
		return -1;
	}
	return 0;
}

void notify_close(struct notify_sockets *s)
{
	if (s->udp >= 0)
		close(s->udp);
	if (s->tcp >= 0)
		close(s->tcp);
	s->udp = s->tcp = -1;
}

/* Which zone the NOTIFY is for and whether its sender may send it: an
 * rcode for the answer, the zone through *zone, the refusal's reason
 * through *why. */
static int check_notify(const knot_pkt_t *query, const struct sockaddr_storage *from,
			const struct secondary *zones, size_t count, int *zone, enum refusal *why)
{
	struct sockaddr_storage unmapped;

	*zone = -1;
	if (knot_wire_get_opcode(query->wire) != KNOT_OPCODE_NOTIFY || knot_wire_get_qdcount(query->wire) != 1) {
		*why = NOT_A_NOTIFY;
		return KNOT_RCODE_REFUSED;
	}
	for (size_t i = 0; i < count; i++)
		if (zones[i].origin && knot_dname_is_case_equal(knot_pkt_qname(query), zones[i].origin))
			*zone = i;
	if (*zone < 0) {
		*why = NOT_OUR_ZONE;
		return KNOT_RCODE_NOTAUTH;
	}
	/* On a notify_listen of ::, an IPv4 primary's NOTIFY comes v4-mapped. */
	if (!address_same_host(address_unmapped(from, &unmapped), &zones[*zone].primary.address.ss)) {
		*why = NOT_FROM_PRIMARY;
		return KNOT_RCODE_REFUSED;
	}
	if (!zones[*zone].primary.key)
		return KNOT_RCODE_NOERROR;
	if (!query->tsig_rr) {
		*why = NOT_SIGNED;
		return KNOT_RCODE_NOTAUTH;
	}
	if (knot_tsig_server_check(query->tsig_rr, query->wire, query->size, zones[*zone].primary.key) != KNOT_EOK) {
		*why = BAD_TSIG;
		return KNOT_RCODE_NOTAUTH;
	}
	return KNOT_RCODE_NOERROR;
}

/* The response (AA, the rcode; signed when the NOTIFY verified) into
 * reply; its length, or 0. */
static size_t answer(const knot_pkt_t *query, int rcode, const knot_tsig_key_t *key, uint8_t *reply, size_t size)
{
	knot_pkt_t *response = knot_pkt_new(reply, size, NULL);
	size_t len = 0;

	if (!response || knot_pkt_init_response(response, query) != KNOT_EOK)
		goto out;
	knot_wire_set_aa(response->wire);
	knot_wire_set_rcode(response->wire, rcode);
	len = response->size;
	if (key && rcode == KNOT_RCODE_NOERROR) {
		uint8_t digest[XFR_TSIG_MAC_MAX];
		size_t digest_len = sizeof(digest);

		if (knot_tsig_sign(reply, &len, size, knot_tsig_rdata_mac(query->tsig_rr),
				   knot_tsig_rdata_mac_length(query->tsig_rr), digest, &digest_len, key, 0, 0) != KNOT_EOK)
			len = 0;
	}
out:
	knot_pkt_free(response);
	return len;
}

int notify_handle(uint8_t *wire, size_t n, const struct sockaddr_storage *from, const struct secondary *zones,
		  size_t count, uint8_t *reply, size_t *reply_len)
{
	char sender[64] = "?", name[KNOT_DNAME_TXT_MAXLEN] = "?";
	enum refusal why = NOT_A_NOTIFY;
	knot_pkt_t *query;
	int rcode, zone = -1;

	*reply_len = 0;
	if (n < KNOT_WIRE_HEADER_SIZE || knot_wire_get_qr(wire))
		return -1;              /* nothing we could answer */
	query = knot_pkt_new(wire, n, NULL);
	if (!query)
		return -1;
	getnameinfo((const struct sockaddr *)from, sizeof(*from), sender, sizeof(sender), NULL, 0, NI_NUMERICHOST);
	if (knot_pkt_parse(query, 0) != KNOT_EOK) {
		log_warn_every(&malformed_log, "NOTIFY from %s: malformed, refused", sender);
		knot_pkt_free(query);
		return -1;
	}
	rcode = check_notify(query, from, zones, count, &zone, &why);
	if (knot_pkt_qname(query))
		knot_dname_to_str(name, knot_pkt_qname(query), sizeof(name));
	*reply_len = answer(query, rcode, zone >= 0 ? zones[zone].primary.key : NULL, reply, NOTIFY_MESSAGE_MAX);
	knot_pkt_free(query);
	if (rcode != KNOT_RCODE_NOERROR) {
		log_warn_every(&refusals[why].log, "NOTIFY for %s from %s refused: %s", name, sender,
			       refusals[why].why);
		return -1;
	}
	log_info_every(&accepted_log, "NOTIFY for %s from %s", name, sender);
	return zone;
}

int notify_serve_udp(int fd, const struct secondary *zones, size_t count)
{
	uint8_t wire[NOTIFY_MESSAGE_MAX], reply[NOTIFY_MESSAGE_MAX];
	struct sockaddr_storage from = { 0 };
	socklen_t from_len = sizeof(from);
	ssize_t n = recvfrom(fd, wire, sizeof(wire), 0, (struct sockaddr *)&from, &from_len);
	size_t reply_len;
	int zone;

	if (n < 0)
		return NOTIFY_NONE;
	zone = notify_handle(wire, n, &from, zones, count, reply, &reply_len);
	if (reply_len)
		sendto(fd, reply, reply_len, 0, (const struct sockaddr *)&from, from_len);
	return zone;
}

/* One NOTIFY over TCP (RFC 1996 allows it, and Knot sends them so): a
 * connection with one length-prefixed message, read within a short time. */
int notify_read_tcp(int fd, uint8_t *wire, size_t *len, double *deadline)
{
	char err[128];

	*deadline = clock_monotonic() + NOTIFY_TCP_TIMEOUT_MS / 1000.0;
	return dns_tcp_receive(fd, wire, NOTIFY_MESSAGE_MAX, len, *deadline, err, sizeof(err));
}

int notify_answer_tcp(int fd, const struct sockaddr_storage *from, uint8_t *wire, size_t len, double deadline,
		      const struct secondary *zones, size_t count)
{
	uint8_t reply[NOTIFY_MESSAGE_MAX];
	size_t reply_len;
	char err[128];
	int zone = notify_handle(wire, len, from, zones, count, reply, &reply_len);

	if (reply_len)
		dns_tcp_send(fd, reply, reply_len, deadline, err, sizeof(err));
	close(fd);
	return zone;
}
