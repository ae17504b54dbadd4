/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Zones this PoP transfers from a primary: the last good copy and the SOA
 * timers (RFC 1035 3.3.13) that say when to ask again, when to retry and
 * when the copy is too old to serve.
 */
#ifndef XDPCAST_SECONDARY_H
#define XDPCAST_SECONDARY_H

#include <stdbool.h>
#include "options.h"
#include "xfr.h"

#define SECONDARY_FIRST_RETRY_S 5       /* before the first copy, no SOA says */

struct secondary {
	char name[KNOT_DNAME_TXT_MAXLEN];   /* the origin, presentation format */
	knot_dname_t *origin;
	struct xfr_primary primary;
	struct zone *zone;                  /* last good copy; NULL before the first */
	struct zone_changes changes;        /* what the last IXFR changed in zone, in place */
	double next_refresh;                /* monotonic seconds */
	double expires_at;                  /* monotonic; past it the copy is not served */
	double transferred_at;              /* wall clock of the last good refresh */
	bool expired;
	char error[256];                    /* the last failure; "" when it worked */
	char fallback[256];                 /* why the last IXFR fell back to AXFR; "" */
};

int secondary_init(struct secondary *s, const struct secondary_option *opt, const struct tsig_key_option *keys,
		   char *err, size_t errlen);
void secondary_free(struct secondary *s);

/* Asks the primary now. 1: a new copy (an AXFR replaced s->zone, or an
 * IXFR changed it in place as s->changes says); 0: already up to date;
 * -1: failed (s->error says why, a retry is scheduled). */
int secondary_refresh(struct secondary *s, double now, unsigned timeout_ms);

/* Marks a copy past its SOA expire; 1 when it just expired. */
int secondary_check_expiry(struct secondary *s, double now);

/* Whether the copy may be served: there is one and it has not expired. */
static inline bool secondary_fresh(const struct secondary *s)
{
	return s->zone && !s->expired;
}

#endif
