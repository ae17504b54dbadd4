/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * What the fast path would do with a query: the pinned program itself runs
 * on a crafted query (BPF_PROG_TEST_RUN), so the answer is the program's,
 * not a re-implementation of it. The run is counted in the stats slot of
 * test runs, not under any interface, and its reason read from there.
 */
#ifndef XDPCAST_LOOKUP_H
#define XDPCAST_LOOKUP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "xdpcast.h"

#define LOOKUP_CLIENT "198.51.100.254"  /* XDPCAST_PROBE_SOURCE4: filters and limits skip it */

struct lookup_result {
	int verdict;                    /* XDP_TX, XDP_PASS, XDP_DROP */
	enum xdpcast_reason reason;     /* XDPCAST_REASON_MAX: other test runs counted
					 * beside every run of it on its CPU */
	uint8_t dns[2048];              /* the response's DNS message for XDP_TX */
	size_t dns_len;
};

/* The pins a run needs, opened once for many runs (a health round asks
 * for every zone's SOA: opening them for each run was most of its cost). */
struct lookup_pins {
	int prog, stats;
	size_t stats_stride, stats_reasons;     /* the pinned stats map's shape (its build's) */
	struct xdpcast_lpm_key destination;     /* an address of a protected prefix */
};

int lookup_open(const char *pin_dir, struct lookup_pins *pins, char *err, size_t errlen);
/* Reads the shape of pins->stats into pins (lookup_open does). */
int lookup_read_stats_shape(struct lookup_pins *pins, char *err, size_t errlen);
/* Where lookups go, from the map of protected prefixes: an address inside
 * the first prefix (in the map's order) where the rules the program applies
 * let DNS over UDP in (elsewhere the port policy drops it), not its network
 * address unless the prefix is one address (a /32 or /128 host route). */
int lookup_destination(int protected_fd, struct xdpcast_lpm_key *addr, char *err, size_t errlen);
void lookup_close(struct lookup_pins *pins);

/* qname in presentation format; qtype e.g. KNOT_RRTYPE_A; dnssec_ok sets
 * the DO bit, as validating resolvers do. */
int lookup_query(const struct lookup_pins *pins, const char *qname, uint16_t qtype, bool dnssec_ok,
		 struct lookup_result *out, char *err, size_t errlen);

/* lookup_query with the pins opened for it alone. */
int lookup_run(const char *pin_dir, const char *qname, uint16_t qtype, bool dnssec_ok, struct lookup_result *out,
	       char *err, size_t errlen);

#endif
