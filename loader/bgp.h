/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Keeps BIRD's announcement of the anycast prefixes equal to what this PoP
 * decides, through the BIRD contract v2 (bird_include.h): the include file
 * holds the routes, and `configure` on BIRD's control socket makes BIRD
 * read it. Every sync also reads back what BIRD really does: the sessions
 * and the prefixes each established BGP session exports.
 *
 * BIRD away or talking garbage: logged once per reason, retried with
 * backoff, never fatal. The file is written regardless, so a BIRD that
 * starts later reads the right state. A file that cannot be written, or a
 * BIRD that refuses it, is logged once per reason too, and BIRD is still
 * read, so status and metrics never freeze. A sync talks to BIRD with timeouts:
 * the daemon runs it on a worker thread.
 */
#ifndef XDPCAST_BGP_H
#define XDPCAST_BGP_H

#include <stdbool.h>
#include "bird.h"
#include "bird_include.h"
#include "log.h"

#define BGP_BACKOFF_MAX_S 30
#define BGP_FAILURE_REMINDER_S 600    /* a failure that lasts is logged again this often */

#define BGP_ROUTES_MAX 64        /* the anycast prefixes at most (OPTIONS_MAX_ANYCAST) */

/* Tries that fail come again after 1, 2, 4 ... BGP_BACKOFF_MAX_S seconds. */
struct bgp_backoff {
	double at, wait;                /* monotonic seconds; wait 0: 1 */
};

struct bgp {
	const char *socket_path;        /* NULL: no BGP control */
	const char *include_path;
	const struct drain_style *drain;
	struct bird bird;
	bool connected;
	bool configured;                /* BIRD has read the file as it is now */
	bool away;                      /* the last try found no BIRD listening (no socket,
					 * refused): it announces nothing, and when it
					 * starts it reads the include file */
	bool written;                   /* the include file says the last sync's routes */
	bool runs_decided;              /* and BIRD's static protocols run them (show static) */
	struct route logged[BGP_ROUTES_MAX];    /* as the last write logged them: a write
						 * logs the prefixes it changes alone */
	size_t logged_count;
	struct bgp_backoff reconnect;   /* until a sync works; a new decision at once */
	struct bgp_backoff reconfigure; /* a configure BIRD refused (its config broken): a
					 * `configure` every round would log an error in
					 * BIRD's log each time; a new decision, or a new
					 * connection (BIRD restarted?), at once */
	char refusal[256];              /* BIRD's reason for the last one it refused */
	bool reconfigured;              /* configured again for the routes BIRD runs, other
					 * than the file's: not again until they match */
	struct log_every failures;      /* BIRD unreachable or refusing: logged once per reason */
	struct log_every include_failures;      /* the include file not written: the same */
	char error[256];                /* why BIRD is not reachable or refused; "" */
	char include_error[256];        /* why the include file was not written; "" */

	/* what BIRD said in the last sync */
	struct bird_protocol sessions[BIRD_MAX_PROTOCOLS];      /* BGP protocols */
	size_t session_count;
	char exported[BIRD_MAX_PREFIXES][64];   /* by an established session */
	size_t exported_count;
};

/* What keeps BIRD from announcing what is decided: BIRD's side, and the
 * include file's when it was not written (with BIRD away, the file is all
 * a withdrawal needs), each said once. */
void bgp_describe(const struct bgp *b, char *out, size_t len);

void bgp_init(struct bgp *b, const char *socket_path, const char *include_path, const struct drain_style *drain);
void bgp_close(struct bgp *b);

/* One sync: the file says `routes` (rewritten and configured when it does
 * not yet), then BIRD's sessions and exports are read back. */
void bgp_sync(struct bgp *b, const struct route *routes, size_t count, const char *pop, double now);

/* The next sync tries BIRD at once, whatever the backoff, and configures
 * it again for routes it runs other than the file's though it did once
 * already: the stop's withdrawal must know whether BIRD took it. */
void bgp_retry_now(struct bgp *b);

/* Whether BIRD exports prefix (as BIRD writes it) over an established session. */
bool bgp_exported(const struct bgp *b, const char *prefix);

/* The withdrawn file at path, and `configure` on socket_path (NULL: none),
 * with no daemon: for BIRD's first start and the stop hook. 0, or
 * BGP_WITHDRAWN_BIRD_DOWN when no BIRD listens there (the file is
 * written: it reads it when it starts), or -1 and err. */
#define BGP_WITHDRAWN_BIRD_DOWN 1
int bgp_withdraw_now(const char *include_path, const char *socket_path, char *err, size_t errlen);

#endif
