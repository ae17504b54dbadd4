/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Zone transfers from a primary over TCP: AXFR (RFC 5936) and IXFR
 * (RFC 1995), signed and verified with TSIG (RFC 8945) when a key is given.
 * libknot builds and parses the messages and computes the MACs.
 */
#ifndef XDPCAST_XFR_H
#define XDPCAST_XFR_H

#include <stddef.h>
#include <libknot/libknot.h>

#include "address.h"
#include "zone.h"

#define XFR_TSIG_MAC_MAX 64     /* bytes of HMAC-SHA512, the longest TSIG MAC */

struct xfr_primary {
	struct address address;
	const knot_tsig_key_t *key;     /* NULL: unsigned */
};

enum xfr_kind { XFR_UP_TO_DATE, XFR_AXFR, XFR_IXFR };

/* The changes an IXFR brought, in order: step i removes the records of
 * removed[i] (which starts with the SOA it changes from) and adds those of
 * added[i] (which starts with the SOA it changes to). */
struct xfr_diff {
	struct zone **removed, **added;
	size_t steps;
};

void xfr_diff_free(struct xfr_diff *diff);
/* The serial the changes lead to; 0 without changes. */
uint32_t xfr_diff_serial(const struct xfr_diff *diff);

/*
 * Applies an IXFR's changes to `zone` in place (zone_patch): all or
 * nothing; each RRset that changed added to *changes (when given). -1 when
 * they do not apply to this copy (another serial, a record removed that it
 * does not have: the copies diverged; an AXFR is due) or would leave it past
 * limits.zone_records, with a CNAME beside other data or without its apex
 * NS records, err says why.
 */
int xfr_apply(struct zone *zone, const struct xfr_diff *diff, struct zone_changes *changes, char *err,
	      size_t errlen);

/*
 * Asks the primary what is new since `current` (NULL before the first
 * transfer): IXFR from its serial, or AXFR without one. It only reads
 * `current`, so the copy in force can be changed elsewhere once it ends. A
 * primary that refuses IXFR, or whose changes are more records than
 * limits.zone_records or more bytes than limits.zone_file_mb, gets an AXFR
 * instead. *kind says how it came:
 * XFR_UP_TO_DATE (nothing new; a whole zone whose serial is not newer
 * than current's is dropped, RFC 1034 section 4.3.5), XFR_IXFR (*diff
 * holds the changes, to
 * apply to `current` with xfr_apply), XFR_AXFR (*out is the new zone; when
 * that AXFR followed an IXFR that did not do, err says why).
 */
int xfr_refresh(const struct xfr_primary *primary, const knot_dname_t *origin, const struct zone *current,
		unsigned timeout_ms, struct zone **out, struct xfr_diff *diff, enum xfr_kind *kind, char *err,
		size_t errlen);

/* One transfer of qtype (AXFR, or IXFR from `current`) answered by
 * `stream`, what the primary sent on TCP (each message after its 2-octet
 * length) to our query with `id`, without a socket (tests, fuzzing). *out
 * and *diff as for xfr_refresh; returns 0, or < 0 with err set. */
int xfr_read_stream(const struct xfr_primary *primary, const knot_dname_t *origin, const struct zone *current,
		    uint16_t qtype, uint16_t id, const uint8_t *stream, size_t len, struct zone **out,
		    struct xfr_diff *diff, char *err, size_t errlen);

/* RFC 1982: whether serial a is newer than b. */
static inline int xfr_serial_newer(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) > 0;
}

#endif
