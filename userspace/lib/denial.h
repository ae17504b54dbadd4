/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * DNSSEC denial of existence of a signed zone: its NSEC chain (RFC 4034)
 * or its NSEC3 chain (RFC 5155, with the RFC 9276 parameters: SHA-1, no
 * extra iterations, no salt), in the order of the program's keys, and the
 * lookups the answer compiler needs: the proof whose owner is a name, the
 * proof that covers a name.
 */
#ifndef XDPCAST_DENIAL_H
#define XDPCAST_DENIAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <libknot/libknot.h>

#include "xdpcast.h"
#include "zone.h"

enum denial_kind {
	DENIAL_NONE,            /* unsigned, or signed without a chain we serve */
	DENIAL_NSEC,
	DENIAL_NSEC3,
};

struct denial_proof {
	const knot_rrset_t *rrset;      /* the NSEC or NSEC3 RRset (of the zone) */
	struct denial_key key;
};

struct denial {
	enum denial_kind kind;
	char why[160];                  /* DENIAL_NONE of a signed zone: why */
	struct denial_proof *proofs;    /* by key */
	size_t count;
	bool no_index;                  /* NSEC: an owner with a 0 octet has no key: no dynamic proofs */
};

/* Reads the zone's chain. Returns -1 only when out of memory; a chain we
 * do not serve is DENIAL_NONE with the reason in `why`. */
int denial_build(struct denial *d, const struct zone *zone);
void denial_free(struct denial *d);

/* The proof whose owner is `name` (NSEC3: whose hash is name's), or -1. */
ssize_t denial_match(const struct denial *d, const knot_dname_t *name);
/* The proof covering `name`, which must not exist (NSEC: the greatest owner
 * before it; NSEC3: the greatest hash before its hash, the last for one
 * below the first), or -1 when one matches it. */
ssize_t denial_cover(const struct denial *d, const knot_dname_t *name);

/* The program's key of a lowercase name for an NSEC index; false when it
 * has no order-preserving key (a 0 octet in a label). */
bool denial_nsec_key(const knot_dname_t *name, struct denial_key *key);

#endif /* XDPCAST_DENIAL_H */
