/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Zones this PoP transfers from a primary: the last good copy and the SOA
 * timers (RFC 1035 3.3.13) that say when to ask again, when to retry and
 * when the copy is too old to serve.
 */
#ifndef XDPCAST_SECONDARY_H
#define XDPCAST_SECONDARY_H

#include <stdbool.h>
#include <time.h>

#include "catalog.h"
#include "loop.h"
#include "log.h"
#include "options.h"
#include "xfr.h"

#define SECONDARY_FIRST_RETRY_S 5       /* before the first copy, no SOA says */
#define SECONDARY_MAX_REFRESH_S 2419200 /* the most SOA refresh taken (4 weeks), and retry (2): */
#define SECONDARY_MAX_RETRY_S 1209600   /* NSD's and BIND's, so that a typo (a date in the
					 * refresh field) does not stop the zone's polling */
#define SECONDARY_MIN_INTERVAL_S 1      /* the least SOA refresh or retry taken (Knot's: 2 and 1), and
					 * the least time between two transfers of a zone */
#define SECONDARY_FAILURE_REMINDER_S 600        /* a failure that lasts is logged again this often */

struct secondary {
	char name[KNOT_DNAME_TXT_MAXLEN];   /* the origin, presentation format */
	knot_dname_t *origin;               /* NULL: a free slot (a catalog member removed) */
	unsigned incarnation;               /* +1 each time the slot is freed: a job's result
					     * for an earlier one is dropped */
	bool catalog;                       /* a catalog zone: read for its members, never served */
	int catalog_of;                     /* a member: the catalog's slot; -1: configured */
	char catalog_id[KNOT_DNAME_TXT_MAXLEN]; /* a member: its unique id there (a new one is a reset) */
	struct xfr_primary primary;
	struct zone *zone;                  /* last good copy; NULL before the first. An IXFR
					     * changes it in place on the zones lane, while
					     * `transferring` stays set: meanwhile the loop's
					     * thread reads `serial`, not the zone */
	uint32_t serial;                    /* of zone, as the last transfer left it */
	double next_refresh;                /* monotonic seconds */
	double expires_at;                  /* monotonic; past it the copy is not served */
	double transferred_at;              /* wall clock of the last good refresh */
	double caught_up_at;                /* monotonic: the last transfer a backend check asked for */
	double transfer_ended_at;           /* monotonic: the last transfer's end; 0: none yet */
	bool expired;
	bool transferring;                  /* a transfer job runs */
	bool applying;                      /* an IXFR the primary sent waits on the zones
					     * lane: refreshed in time, not to expire under it */
	bool asked_again;                   /* a NOTIFY or refresh came meanwhile: one more
					     * transfer once it ends (RFC 1996 section 4.4) */
	char error[256];                    /* the last failure; "" when it worked */
	char fallback[256];                 /* why the last IXFR fell back to AXFR; "" */
	char catalog_refused[256];          /* a catalog: why its copy in force was refused, its
					     * members as the last good one listed them; "" */
	struct catalog_member *listed;      /* a catalog: its members as its last reconcile read
					     * them, sorted, where the other catalogs look (its
					     * zone may be changing on the zones lane) */
	size_t listed_count;
	bool axfr_next;                     /* the last IXFR did not apply to our copy */
	struct log_every failures;          /* logged once per reason, with a count */
	bool copy_unsaved;                  /* a copy came that is not on disk yet, or its
					     * write failed (tried again later) */
	bool copy_kept;                     /* the disk holds the copy at copy_serial */
	uint32_t copy_serial;
	double copy_retry_s;                /* after a failed write, the next wait; 0: none failed */
	double copy_cost;                   /* seconds the last write of it took */
	struct loop_timer refresh_timer, expiry_timer, copy_timer;
};

int secondary_init(struct secondary *s, const struct secondary_option *opt, const struct tsig_key_option *keys,
		   char *err, size_t errlen);
void secondary_free(struct secondary *s);
/* Where s transfers from and with which key: opt's (a catalog's, for a
 * member, which takes its new catalog's when it moves). */
void secondary_set_primary(struct secondary *s, const struct secondary_option *opt,
			   const struct tsig_key_option *keys);

/* The outcome of asking the primary (xfr_refresh's: ret, the new copy or
 * NULL, how it came, why it failed or, after an AXFR, why the IXFR did not
 * do), applied: the copy, the SOA timers (next_refresh, expires_at), the
 * log. After an IXFR, s->zone has been changed in place already (next is
 * NULL). 1: a new copy to serve, or the copy in hand after it expired;
 * 0: already up to date; -1: failed (s->error says why, a retry is
 * scheduled). */
int secondary_transferred(struct secondary *s, double now, int ret, struct zone *next, enum xfr_kind kind,
			  const char *err);

/* The copy kept on disk, last found current at refreshed_at (wall clock),
 * taken as the last good copy at a start: served until its SOA expire
 * counted from then, the first transfer an AXFR (its answer replaces the
 * copy whole). 1: taken; 0: past its expire (copy freed). */
int secondary_restore(struct secondary *s, struct zone *copy, time_t refreshed_at, double now, time_t wall_now);

/* Marks a copy past its SOA expire, unless its IXFR is being applied
 * (`applying`); 1 when it just expired. */
int secondary_check_expiry(struct secondary *s, double now);

/* Whether the slot holds a zone. */
static inline bool secondary_used(const struct secondary *s)
{
	return s->origin != NULL;
}

/* Whether the copy may be served: there is one and it has not expired. */
static inline bool secondary_fresh(const struct secondary *s)
{
	return s->origin && !s->catalog && s->zone && !s->expired;
}

#endif
