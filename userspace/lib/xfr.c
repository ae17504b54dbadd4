// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>
#include <libknot/tsig-op.h>

#include "clock.h"
#include "dns_tcp.h"
#include "xfr.h"

#define XFR_FALLBACK (-2)       /* IXFR did not work out: AXFR instead */
#define UNSIGNED_MAX 99         /* RFC 8945 5.3.1: messages between signed ones */

/* Where a transfer is in the record stream (RFC 1995 section 4). */
enum phase {
	FIRST_SOA,      /* the primary's SOA: the serial we end at */
	SECOND,         /* decides: whole zone, or a sequence of changes */
	WHOLE_ZONE,     /* AXFR, or IXFR answered with the whole zone */
	REMOVALS,       /* a change's records to remove, after its old SOA */
	ADDITIONS,      /* its records to add, after its new SOA */
	DONE,
};

struct transfer {
	const struct xfr_primary *primary;
	const knot_dname_t *origin;
	const struct zone *current;
	uint16_t qtype;
	uint16_t id;
	int fd;
	const uint8_t *stream;          /* xfr_read_stream: the replies, no socket */
	size_t stream_len;
	double deadline;                /* monotonic seconds */
	uint64_t bytes;                 /* of the messages received */
	char source[96];

	/* TSIG: the MAC of the last signed message and what came since */
	uint8_t mac[XFR_TSIG_MAC_MAX];
	size_t mac_len;
	uint64_t signed_at;
	bool verified_first;
	uint8_t *pending;
	size_t pending_len;
	unsigned pending_count;

	enum phase phase;
	uint32_t final_serial;
	knot_rrset_t *final_soa;
	struct zone *whole;             /* WHOLE_ZONE */
	struct zone *removals, *additions;
	struct zone **removed, **added; /* the changes read so far, in order */
	size_t steps, step_capacity;
	uint64_t change_records;        /* in them, SOAs too */
	bool incremental;
};

static int connect_primary(struct transfer *t, char *err, size_t errlen)
{
	int soerr = 0;
	socklen_t len = sizeof(soerr);

	t->fd = socket(t->primary->address.ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (t->fd < 0) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		return -1;
	}
	if (connect(t->fd, (const struct sockaddr *)&t->primary->address.ss, t->primary->address.len) == 0)
		return 0;
	if (errno != EINPROGRESS) {
		snprintf(err, errlen, "connect: %s", strerror(errno));
		return -1;
	}
	if (dns_tcp_wait(t->fd, POLLOUT, t->deadline, err, errlen))
		return -1;
	getsockopt(t->fd, SOL_SOCKET, SO_ERROR, &soerr, &len);
	if (soerr) {
		snprintf(err, errlen, "connect: %s", strerror(soerr));
		return -1;
	}
	return 0;
}

static int send_query(struct transfer *t, char *err, size_t errlen)
{
	uint8_t wire[KNOT_WIRE_MAX_PKTSIZE] = { 0 };    /* knot_pkt_new keeps a given wire's header */
	knot_pkt_t *pkt = knot_pkt_new(wire, sizeof(wire), NULL);
	size_t len;
	int ret = -1;

	if (!pkt) {
		snprintf(err, errlen, "cannot build the query");
		goto out;
	}
	knot_wire_set_id(pkt->wire, t->id);
	if (knot_pkt_put_question(pkt, t->origin, KNOT_CLASS_IN, t->qtype))
		goto build_failed;
	if (t->qtype == KNOT_RRTYPE_IXFR) {
		/* Our SOA in the authority section says which serial we have. */
		if (knot_pkt_begin(pkt, KNOT_AUTHORITY) ||
		    knot_pkt_put(pkt, 0, zone_find(t->current, t->current->origin, KNOT_RRTYPE_SOA), 0))
			goto build_failed;
	}
	len = pkt->size;
	if (t->primary->key) {
		t->mac_len = sizeof(t->mac);
		if (knot_tsig_sign(wire, &len, sizeof(wire), NULL, 0, t->mac, &t->mac_len, t->primary->key, 0, 0)) {
			snprintf(err, errlen, "cannot sign the query with TSIG");
			goto out;
		}
	}
	ret = t->stream ? 0 : dns_tcp_send(t->fd, wire, len, t->deadline, err, errlen);
	goto out;
build_failed:
	snprintf(err, errlen, "cannot build the query");
out:
	knot_pkt_free(pkt);
	return ret;
}

/*
 * Every signed message is checked against the MAC before it; unsigned
 * ones in between are kept to be covered by the next signature. The
 * first and the last message must be signed.
 */
static int verify_tsig(struct transfer *t, const knot_pkt_t *pkt, char *err, size_t errlen)
{
	uint8_t *grown;
	int ret;

	if (!t->primary->key)
		return 0;
	if (!pkt->tsig_rr && (!t->verified_first || ++t->pending_count > UNSIGNED_MAX)) {
		snprintf(err, errlen, "TSIG: the %s message is not signed", t->verified_first ? "100th" : "first");
		return -1;
	}
	grown = realloc(t->pending, t->pending_len + pkt->size);
	if (!grown) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	t->pending = grown;
	memcpy(t->pending + t->pending_len, pkt->wire, pkt->size);
	t->pending_len += pkt->size;
	if (!pkt->tsig_rr)
		return 0;
	if (knot_tsig_rdata_error(pkt->tsig_rr)) {     /* the primary refused our signature */
		const knot_lookup_t *name = knot_lookup_by_id(knot_tsig_rcode_names,
							      knot_tsig_rdata_error(pkt->tsig_rr));
		char key[KNOT_DNAME_TXT_MAXLEN];

		knot_dname_to_str(key, t->primary->key->name, sizeof(key));
		snprintf(err, errlen, "TSIG: the primary refused our key %s: %s", key, name ? name->name : "error");
		return -1;
	}
	ret = t->verified_first ?
	      knot_tsig_client_check_next(pkt->tsig_rr, t->pending, t->pending_len, t->mac, t->mac_len,
					  t->primary->key, t->signed_at) :
	      knot_tsig_client_check(pkt->tsig_rr, t->pending, t->pending_len, t->mac, t->mac_len,
				     t->primary->key, 0);
	if (ret != KNOT_EOK) {
		snprintf(err, errlen, "TSIG: %s", knot_strerror(ret));
		return -1;
	}
	t->mac_len = knot_tsig_rdata_mac_length(pkt->tsig_rr);
	memcpy(t->mac, knot_tsig_rdata_mac(pkt->tsig_rr), t->mac_len);
	t->signed_at = knot_tsig_rdata_time_signed(pkt->tsig_rr);
	t->verified_first = true;
	t->pending_len = 0;
	t->pending_count = 0;
	return 0;
}

static int add_to(struct zone *zone, const knot_rrset_t *rr, const knot_rdata_t *rdata, char *err, size_t errlen)
{
	char problem[200], owner[KNOT_DNAME_TXT_MAXLEN];

	if (zone_add_record(zone, rr->owner, rr->type, rr->rclass, rr->ttl, rdata->data, rdata->len, problem,
			    sizeof(problem)) == 0)
		return 0;
	knot_dname_to_str(owner, rr->owner, sizeof(owner));
	snprintf(err, errlen, "record of %s: %s", owner, problem);
	return -1;
}

static struct zone *zone_from_soa(struct transfer *t, const knot_rrset_t *soa, char *err, size_t errlen)
{
	struct zone *zone = zone_new(t->source);

	if (!zone) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if (add_to(zone, soa, soa->rrs.rdata, err, errlen)) {
		zone_free(zone);
		return NULL;
	}
	return zone;
}

/* One change of an IXFR is complete: keep it for the end. */
static int end_change(struct transfer *t, char *err, size_t errlen)
{
	if (zone_finish(t->removals, err, errlen) || zone_finish(t->additions, err, errlen))
		return -1;
	if (t->steps == t->step_capacity) {
		size_t cap = t->step_capacity ? t->step_capacity * 2 : 4;
		struct zone **removed = realloc(t->removed, cap * sizeof(*removed)), **added;

		if (!removed)
			goto oom;
		t->removed = removed;
		added = realloc(t->added, cap * sizeof(*added));
		if (!added)
			goto oom;
		t->added = added;
		t->step_capacity = cap;
	}
	t->removed[t->steps] = t->removals;
	t->added[t->steps++] = t->additions;
	t->removals = t->additions = NULL;
	return 0;
oom:
	snprintf(err, errlen, "out of memory");
	return -1;
}

static int take_soa(struct transfer *t, const knot_rrset_t *rr, uint32_t serial, char *err, size_t errlen)
{
	switch (t->phase) {
	case FIRST_SOA:
		t->final_serial = serial;
		t->final_soa = knot_rrset_copy(rr, NULL);
		t->phase = SECOND;
		return t->final_soa ? 0 : -1;
	case SECOND:
		if (t->qtype == KNOT_RRTYPE_IXFR && serial != t->final_serial) {
			t->incremental = true;
			t->removals = zone_from_soa(t, rr, err, errlen);
			t->phase = REMOVALS;
			return t->removals ? 0 : -1;
		}
		/* The whole zone is its SOA alone. */
		t->whole = zone_from_soa(t, rr, err, errlen);
		t->phase = DONE;
		return t->whole ? 0 : -1;
	case WHOLE_ZONE:
		if (serial != t->final_serial) {
			snprintf(err, errlen, "the closing SOA has serial %u, the opening one %u", serial,
				 t->final_serial);
			return -1;
		}
		t->phase = DONE;
		return 0;
	case REMOVALS:
		t->additions = zone_from_soa(t, rr, err, errlen);
		t->phase = ADDITIONS;
		return t->additions ? 0 : -1;
	case ADDITIONS: {
		int ret = end_change(t, err, errlen);

		if (ret)
			return ret;
		if (serial == t->final_serial) {
			/* The closing SOA: the changes must have reached it. */
			if (t->added[t->steps - 1]->serial != t->final_serial) {
				snprintf(err, errlen, "the last change ends at serial %u, the transfer announced %u",
					 t->added[t->steps - 1]->serial, t->final_serial);
				return -1;
			}
			t->phase = DONE;
			return 0;
		}
		t->removals = zone_from_soa(t, rr, err, errlen);
		t->phase = REMOVALS;
		return t->removals ? 0 : -1;
	}
	case DONE:
		break;
	}
	snprintf(err, errlen, "records after the closing SOA");
	return -1;
}

static int take_record(struct transfer *t, const knot_rrset_t *rr, const knot_rdata_t *rdata, char *err,
		       size_t errlen)
{
	/* Class IN alone is served, and libknot takes records of other
	 * classes without rdata (as UPDATE's prerequisites, RFC 2136). */
	if (rr->rclass != KNOT_CLASS_IN) {
		char owner[KNOT_DNAME_TXT_MAXLEN], class[16];

		knot_dname_to_str(owner, rr->owner, sizeof(owner));
		knot_rrclass_to_string(rr->rclass, class, sizeof(class));
		snprintf(err, errlen, "record of %s: class %s: only class IN is served", owner, class);
		return -1;
	}
	/* The changes are held until the last one: no more records than a
	 * whole zone may have, past which an AXFR costs less (and is bounded). */
	if (t->incremental && ++t->change_records > zone_limits_in_force()->records) {
		snprintf(err, errlen, "its changes are more than %llu records (limits.zone_records)",
			 (unsigned long long)zone_limits_in_force()->records);
		return XFR_FALLBACK;
	}
	if (rr->type == KNOT_RRTYPE_SOA) {
		knot_rrset_t one;

		if (!knot_dname_is_equal(rr->owner, t->origin)) {
			snprintf(err, errlen, "a SOA record that is not the zone's");
			return -1;
		}
		knot_rrset_init(&one, rr->owner, rr->type, rr->rclass, rr->ttl);
		one.rrs.count = 1;
		one.rrs.rdata = (knot_rdata_t *)rdata;
		one.rrs.size = knot_rdata_size(rdata->len);
		return take_soa(t, &one, knot_soa_serial(rdata), err, errlen);
	}
	switch (t->phase) {
	case FIRST_SOA:
		snprintf(err, errlen, "the first record is not the zone's SOA");
		return -1;
	case SECOND:
		t->whole = zone_from_soa(t, t->final_soa, err, errlen);
		if (!t->whole)
			return -1;
		t->phase = WHOLE_ZONE;
		/* fall through */
	case WHOLE_ZONE:
		return add_to(t->whole, rr, rdata, err, errlen);
	case REMOVALS:
		return add_to(t->removals, rr, rdata, err, errlen);
	case ADDITIONS:
		return add_to(t->additions, rr, rdata, err, errlen);
	case DONE:
		break;
	}
	snprintf(err, errlen, "records after the closing SOA");
	return -1;
}

static int take_message(struct transfer *t, uint8_t *wire, size_t len, char *err, size_t errlen)
{
	knot_pkt_t *pkt = knot_pkt_new(wire, len, NULL);
	const knot_pktsection_t *answer;
	int ret = -1;

	if (!pkt) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (knot_pkt_parse(pkt, 0) != KNOT_EOK) {
		snprintf(err, errlen, "a malformed message");
		goto out;
	}
	if (knot_wire_get_id(pkt->wire) != t->id || !knot_wire_get_qr(pkt->wire)) {
		snprintf(err, errlen, "a message that is not the answer to our query");
		goto out;
	}
	if (verify_tsig(t, pkt, err, errlen)) {
		const knot_lookup_t *name = knot_lookup_by_id(knot_rcode_names, knot_pkt_ext_rcode(pkt));
		size_t n = strlen(err);

		/* An unsigned refusal says why the primary would not sign. */
		if (knot_pkt_ext_rcode(pkt) != KNOT_RCODE_NOERROR && n < errlen)
			snprintf(err + n, errlen - n, " (it answered %s)", name ? name->name : "an error");
		goto out;
	}
	if (knot_wire_get_rcode(pkt->wire) != KNOT_RCODE_NOERROR) {
		uint8_t rcode = knot_wire_get_rcode(pkt->wire);
		const knot_lookup_t *name = knot_lookup_by_id(knot_rcode_names, rcode);

		snprintf(err, errlen, "the primary answered %s", name ? name->name : "an error");
		/* A primary without IXFR may say so with an error; AXFR then. */
		ret = t->qtype == KNOT_RRTYPE_IXFR && (rcode == KNOT_RCODE_NOTIMPL || rcode == KNOT_RCODE_FORMERR) ?
		      XFR_FALLBACK : -1;
		goto out;
	}
	answer = knot_pkt_section(pkt, KNOT_ANSWER);
	for (uint16_t i = 0; i < answer->count; i++) {
		const knot_rrset_t *rr = knot_pkt_rr(answer, i);
		const knot_rdata_t *rdata = rr->rrs.rdata;

		for (uint16_t j = 0; j < rr->rrs.count; j++, rdata = knot_rdataset_next((knot_rdata_t *)rdata)) {
			ret = take_record(t, rr, rdata, err, errlen);
			if (ret)
				goto out;
		}
	}
	ret = 0;
out:
	knot_pkt_free(pkt);
	return ret;
}

/* The primary's next message: off the socket, or out of the stream. */
static int next_message(struct transfer *t, uint8_t *wire, size_t size, size_t *len, char *err, size_t errlen)
{
	if (!t->stream)
		return dns_tcp_receive(t->fd, wire, size, len, t->deadline, err, errlen);
	if (t->stream_len < 2 || t->stream_len - 2 < (size_t)(t->stream[0] << 8 | t->stream[1])) {
		snprintf(err, errlen, "the primary closed the connection");
		return -1;
	}
	*len = t->stream[0] << 8 | t->stream[1];
	memcpy(wire, t->stream + 2, *len);
	t->stream += 2 + *len;
	t->stream_len -= 2 + *len;
	(void)size;             /* a length of 16 bits always fits */
	return 0;
}

static int receive_all(struct transfer *t, uint8_t *wire, struct zone **out, struct xfr_diff *diff, char *err,
		       size_t errlen)
{
	size_t len;
	int ret;

	while (t->phase != DONE) {
		if (next_message(t, wire, KNOT_WIRE_MAX_PKTSIZE, &len, err, errlen))
			return -1;
		/* Records of up to 64 KiB each: limits.zone_records alone let a
		 * transfer hold far more than a zone file may be. */
		t->bytes += len;
		if (t->bytes > zone_limits_in_force()->file_bytes) {
			snprintf(err, errlen, "the transfer is more than %llu MiB (limits.zone_file_mb)",
				 (unsigned long long)(zone_limits_in_force()->file_bytes >> 20));
			return t->qtype == KNOT_RRTYPE_IXFR ? XFR_FALLBACK : -1;
		}
		ret = take_message(t, wire, len, err, errlen);
		if (ret)
			return ret;
		/* RFC 1995 2, RFC 1034 4.3.5: a primary whose serial is not
		 * newer than ours has nothing for us, whatever follows its SOA:
		 * nothing, the whole zone, or changes that would take our copy
		 * back to an older serial (those were applied). */
		if (t->phase != FIRST_SOA && t->qtype == KNOT_RRTYPE_IXFR &&
		    !xfr_serial_newer(t->final_serial, t->current->serial)) {
			t->incremental = false;
			*out = NULL;
			return 0;
		}
	}
	if (t->primary->key && t->pending_count) {
		snprintf(err, errlen, "TSIG: the last message is not signed");
		return -1;
	}
	if (t->incremental) {
		/* The changes, in order, for whoever owns the copy in force to
		 * apply (xfr_apply): the transfer itself changes nothing. */
		diff->removed = t->removed;
		diff->added = t->added;
		diff->steps = t->steps;
		t->removed = t->added = NULL;
		t->steps = t->step_capacity = 0;
		return 0;
	}
	if (zone_finish(t->whole, err, errlen))
		return -1;
	if (!zone_find(t->whole, t->whole->origin, KNOT_RRTYPE_NS)) {
		snprintf(err, errlen, "the zone has no NS records at its apex");
		return -1;
	}
	*out = t->whole;
	t->whole = NULL;
	return 0;
}

static int run_transfer(struct transfer *t, struct zone **out, struct xfr_diff *diff, char *err, size_t errlen)
{
	uint8_t *wire = malloc(KNOT_WIRE_MAX_PKTSIZE);
	int ret;

	if (!wire) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	ret = (!t->stream && connect_primary(t, err, errlen)) || send_query(t, err, errlen) ? -1 :
	      receive_all(t, wire, out, diff, err, errlen);
	free(wire);
	return ret;
}

static void end_transfer(struct transfer *t)
{
	if (t->fd >= 0)
		close(t->fd);
	free(t->pending);
	knot_rrset_free(t->final_soa, NULL);
	zone_free(t->whole);
	zone_free(t->removals);
	zone_free(t->additions);
	for (size_t i = 0; i < t->steps; i++) {
		zone_free(t->removed[i]);
		zone_free(t->added[i]);
	}
	free(t->removed);
	free(t->added);
}

int xfr_read_stream(const struct xfr_primary *primary, const knot_dname_t *origin, const struct zone *current,
		    uint16_t qtype, uint16_t id, const uint8_t *stream, size_t len, struct zone **out,
		    struct xfr_diff *diff, char *err, size_t errlen)
{
	struct transfer t = { .primary = primary, .origin = origin, .current = current, .qtype = qtype, .id = id,
			      .fd = -1, .stream = stream, .stream_len = len };
	int ret;

	*out = NULL;
	*diff = (struct xfr_diff){ 0 };
	snprintf(t.source, sizeof(t.source), "primary %s", primary->address.text);
	ret = run_transfer(&t, out, diff, err, errlen);
	end_transfer(&t);
	return ret;
}

static int transfer(const struct xfr_primary *primary, const knot_dname_t *origin, const struct zone *current,
		    uint16_t qtype, unsigned timeout_ms, struct zone **out, struct xfr_diff *diff, bool *incremental,
		    char *err, size_t errlen)
{
	struct transfer t = { .primary = primary, .origin = origin, .current = current, .qtype = qtype, .fd = -1 };
	int ret;

	if (getrandom(&t.id, sizeof(t.id), 0) != sizeof(t.id)) {
		snprintf(err, errlen, "cannot build the query: %s", strerror(errno));
		return -1;
	}
	t.deadline = clock_monotonic() + timeout_ms / 1000.0;
	snprintf(t.source, sizeof(t.source), "primary %s", primary->address.text);
	ret = run_transfer(&t, out, diff, err, errlen);
	*incremental = t.incremental;
	end_transfer(&t);
	return ret;
}

void xfr_diff_free(struct xfr_diff *diff)
{
	for (size_t i = 0; i < diff->steps; i++) {
		zone_free(diff->removed[i]);
		zone_free(diff->added[i]);
	}
	free(diff->removed);
	free(diff->added);
	*diff = (struct xfr_diff){ 0 };
}

uint32_t xfr_diff_serial(const struct xfr_diff *diff)
{
	return diff->steps ? diff->added[diff->steps - 1]->serial : 0;
}

int xfr_apply(struct zone *zone, const struct xfr_diff *diff, struct zone_changes *changes, char *err,
	      size_t errlen)
{
	char problem[256];
	uint32_t serial = zone->serial;

	/* All the changes, or none: the copy in force changes in place. */
	if (zone_patch(zone, diff->removed, diff->added, diff->steps, changes, problem, sizeof(problem))) {
		snprintf(err, errlen, "the change from serial %u does not apply: %s", serial, problem);
		return -1;
	}
	return 0;
}

int xfr_refresh(const struct xfr_primary *primary, const knot_dname_t *origin, const struct zone *current,
		unsigned timeout_ms, struct zone **out, struct xfr_diff *diff, enum xfr_kind *kind, char *err,
		size_t errlen)
{
	char ixfr_err[256];
	bool incremental;
	int ret;

	*out = NULL;
	*diff = (struct xfr_diff){ 0 };
	if (current) {
		ret = transfer(primary, origin, current, KNOT_RRTYPE_IXFR, timeout_ms, out, diff, &incremental,
			       ixfr_err, sizeof(ixfr_err));
		if (ret == 0) {
			*kind = incremental ? XFR_IXFR : *out ? XFR_AXFR : XFR_UP_TO_DATE;
			err[0] = '\0';
			return 0;
		}
		if (ret != XFR_FALLBACK) {
			snprintf(err, errlen, "IXFR from %s: %s", primary->address.text, ixfr_err);
			return -1;
		}
	}
	ret = transfer(primary, origin, NULL, KNOT_RRTYPE_AXFR, timeout_ms, out, diff, &incremental, err, errlen);
	if (ret) {
		char axfr_err[256];

		snprintf(axfr_err, sizeof(axfr_err), "%s", err);
		if (current)
			snprintf(err, errlen, "AXFR from %s (IXFR: %s): %s", primary->address.text, ixfr_err, axfr_err);
		else
			snprintf(err, errlen, "AXFR from %s: %s", primary->address.text, axfr_err);
		return -1;
	}
	*kind = XFR_AXFR;
	/* Why the IXFR did not do, for whoever wants to know. */
	if (current)
		snprintf(err, errlen, "IXFR: %s", ixfr_err);
	else
		err[0] = '\0';
	if (current && !xfr_serial_newer((*out)->serial, current->serial)) {
		zone_free(*out);        /* no newer than ours: ours is kept (RFC 1034 4.3.5) */
		*out = NULL;
		*kind = XFR_UP_TO_DATE;
	}
	return 0;
}
