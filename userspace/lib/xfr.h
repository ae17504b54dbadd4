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
 * changes do not apply to our copy, gets an AXFR instead. *out is the zone
 * to serve: NULL when already up to date; `current` itself when an IXFR
 * changed it in place (each RRset that changed added to *changes); a new
 * zone after an AXFR; when that AXFR followed an IXFR that did not do (the
 * primary refused it, or its changes do not apply to our copy), err says
 * why. *kind says how it came.
 */
int xfr_refresh(const struct xfr_primary *primary, const knot_dname_t *origin, struct zone *current,
		unsigned timeout_ms, struct zone **out, struct zone_changes *changes, enum xfr_kind *kind, char *err,
		size_t errlen);

/* RFC 1982: whether serial a is newer than b. */
static inline int xfr_serial_newer(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) > 0;
}

#endif
