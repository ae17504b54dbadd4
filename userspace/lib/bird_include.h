/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The BIRD contract v2 (docs/bgp.md): the announcement lives in a
 * file xdpcastd owns and the operator's BIRD 2 config includes. It holds
 * the static protocols xdpcast4 and xdpcast6 with exactly the routes
 * announced now (none when withdrawn), so BIRD's `configure` (which resets
 * runtime enable/disable) and BIRD restarts keep the state. Written
 * atomically and durably (durable_file.h); the withdrawn file needs no
 * running daemon (`xdpcastctl withdraw`, the unit's stop hook).
 */
#ifndef XDPCAST_BIRD_INCLUDE_H
#define XDPCAST_BIRD_INCLUDE_H

#include <stdbool.h>
#include <stddef.h>

#define XDPCAST_DEFAULT_BIRD_INCLUDE "/run/xdpcast/bird.conf"
#define BIRD_INCLUDE_MAX 65536          /* bytes of the rendered file: every route drained at its longest */
#define BIRD_PREPEND_MAX 10             /* prepends of a drain */
/* The range as help texts and errors spell it ("0..10"). */
#define BIRD_PREPEND_RANGE "0.." BIRD_SPELLED(BIRD_PREPEND_MAX)
#define BIRD_SPELLED(n) BIRD_SPELLED_(n)
#define BIRD_SPELLED_(n) #n

/* What this PoP asks BIRD to do with one anycast prefix. */
enum route_state { ROUTE_WITHDRAWN, ROUTE_ANNOUNCED, ROUTE_PREPENDED };

struct route {
	char prefix[64];                /* as BIRD writes it: 192.0.2.0/24, 2001:db8:53::/48 */
	enum route_state state;
	unsigned prepend;               /* ROUTE_PREPENDED: times the AS is prepended */
};

/* How a drained (ROUTE_PREPENDED) route is announced: still there, made
 * less attractive by prepends of our AS and communities the upstreams act
 * on (e.g. 65535:0, GRACEFUL_SHUTDOWN of RFC 8326). */
struct drain_style {
	unsigned asn;                   /* this PoP's AS; 0: unknown, no prepends */
	unsigned prepend;               /* the default number of prepends */
	char communities[8][24];        /* "ASN:VALUE" */
	size_t community_count;
};

extern const char *const route_state_names[];   /* "withdrawn", "announced", "prepended" */
/* The include file's static protocols (contract v2), IPv4's then IPv6's. */
extern const char *const bird_include_protocols[2];

/* Whether a drain can change anything: prepends (with an AS) or communities. */
bool drain_possible(const struct drain_style *drain, unsigned prepend);
/* What the config lacks for a drain of `prepend` prepends ("no bgp.asn
 * nor bgp.drain.communities"), or NULL when it can drain. */
const char *drain_lacks(const struct drain_style *drain, unsigned prepend);

/* The file's text for these routes (pop names the writer in a comment);
 * its length, or -1 when it does not fit in `size` or a drain is not
 * possible (drain_possible). */
int bird_include_render(const struct route *routes, size_t count, const struct drain_style *drain, const char *pop,
			char *out, size_t size);

/* Writes text to path atomically and durably, creating its directory; -1 + err. */
int bird_include_write(const char *path, const char *text, char *err, size_t errlen);

/* Whether the file at path holds exactly text (false if it is missing). */
bool bird_include_holds(const char *path, const char *text);

#endif
