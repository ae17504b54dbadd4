/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Keeps BIRD's announcement of the anycast prefixes equal to what the
 * health checks decide (DESIGN.md section 5): the operator's static
 * protocols named "xdpcast*" are enabled to announce and disabled to
 * withdraw. Every round also reads back what BIRD really does: sessions
 * and the prefixes each established BGP session exports, for the metrics.
 * BIRD away or talking garbage: logged, retried with backoff, never fatal.
 */
#ifndef XDPCAST_BGP_H
#define XDPCAST_BGP_H

#include <stdbool.h>
#include "bird.h"

#define BGP_BACKOFF_MAX_S 30

struct bgp {
	const char *socket_path;        /* NULL: no BGP control */
	struct bird bird;
	bool connected;
	double retry_at, backoff;       /* monotonic seconds */
	bool failing_logged;
	char error[256];                /* why BIRD is not reachable; "" when it is */

	/* what BIRD said in the last round */
	struct bird_protocol sessions[BIRD_MAX_PROTOCOLS];      /* BGP protocols */
	size_t session_count;
	size_t static_count;            /* "xdpcast*" protocols */
	size_t statics_up;
	char exported[BIRD_MAX_PREFIXES][64];   /* by an established session */
	size_t exported_count;
};

void bgp_init(struct bgp *b, const char *socket_path);
void bgp_close(struct bgp *b);

/* One round: announce or withdraw as `announce` says, then read back. */
void bgp_sync(struct bgp *b, bool announce, double now);

/* Whether BIRD exports prefix (as BIRD writes it) over an established session. */
bool bgp_exported(const struct bgp *b, const char *prefix);

#endif
