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

/*
 * Brings `current` (NULL before the first transfer) up to date: IXFR from
 * its serial, or AXFR without one. A primary that refuses IXFR, or whose
 * changes do not apply to our copy, gets an AXFR instead. *out is the new
 * zone (NULL when already up to date); *kind says how it came.
 */
int xfr_refresh(const struct xfr_primary *primary, const knot_dname_t *origin, const struct zone *current,
		unsigned timeout_ms, struct zone **out, enum xfr_kind *kind, char *err, size_t errlen);

/* One transfer of qtype (AXFR, or IXFR from `current`) answered by
 * `stream`, what the primary sent on TCP (each message after its 2-octet
 * length) to our query with `id`, without a socket (tests, fuzzing). *out
 * as for xfr_refresh; returns 0, or < 0 with err set. */
int xfr_read_stream(const struct xfr_primary *primary, const knot_dname_t *origin, const struct zone *current,
		    uint16_t qtype, uint16_t id, const uint8_t *stream, size_t len, struct zone **out, char *err,
		    size_t errlen);

/* RFC 1982: whether serial a is newer than b. */
static inline int xfr_serial_newer(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) > 0;
}

#endif
