/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * A zone file read with libzscanner into libknot RRsets, in canonical order.
 * The origin is the owner of the SOA record, which must come first.
 */
#ifndef XDPCAST_ZONE_H
#define XDPCAST_ZONE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <libknot/libknot.h>

struct zone {
	char *file;
	knot_dname_t *origin;
	uint32_t serial;
	size_t record_count;        /* records as written in the file */
	bool is_signed;             /* has DNSSEC records: RRSIG, DNSKEY, NSEC(3) */
	knot_rrset_t *rrsets;       /* canonical order of owner, type (and covered type) */
	size_t rrset_count;
};

/* Reads a zone file. On error returns NULL and writes "FILE:LINE: problem". */
struct zone *zone_load(const char *path, char *err, size_t errlen);
void zone_free(struct zone *zone);

/* The RRset of (owner, type), or NULL; not for RRSIG. */
const knot_rrset_t *zone_find(const struct zone *zone, const knot_dname_t *owner, uint16_t type);

/* The RRSIGs at owner that cover type `covered`, or NULL. */
const knot_rrset_t *zone_find_signatures(const struct zone *zone, const knot_dname_t *owner,
					 uint16_t covered);

/* The RRsets of one owner (consecutive in canonical order), or NULL. */
const knot_rrset_t *zone_rrsets_of(const struct zone *zone, const knot_dname_t *owner, size_t *count);

#endif
