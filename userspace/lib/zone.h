/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * A zone in libknot RRsets, in canonical order: read from a file with
 * libzscanner, or built record by record from a transfer. The origin is the
 * owner of the SOA record, which must come first. Zones are shared between
 * generations by reference count (atomic: worker threads share them).
 */
#ifndef XDPCAST_ZONE_H
#define XDPCAST_ZONE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <libknot/libknot.h>

struct zone {
	char *file;                 /* the file, or where the zone came from */
	unsigned refs;
	knot_dname_t *origin;
	uint32_t serial;
	size_t record_count;        /* records as written in the file */
	bool is_signed;             /* has DNSSEC records: RRSIG, DNSKEY, NSEC(3) */
	knot_rrset_t *rrsets;       /* canonical order of owner, type (and covered type) */
	size_t rrset_count;
	size_t rrset_capacity;
};

/* Reads a zone file (and what it includes). On error returns NULL and
 * writes "FILE:LINE: problem". */
struct zone *zone_load(const char *path, char *err, size_t errlen);
/* The same for zone text in memory, called `name` in messages; $INCLUDE
 * is refused. */
struct zone *zone_parse(const char *name, const char *text, size_t len, char *err, size_t errlen);

/* How much one zone may bring in: its files (included ones too) and its
 * records, from a file or a transfer. */
struct zone_limits {
	uint64_t file_bytes;
	uint64_t records;
};
#define ZONE_DEFAULT_FILE_MB  1024ULL
#define ZONE_DEFAULT_RECORDS  5000000ULL

/* For every zone read or transferred from now on. */
void zone_set_limits(const struct zone_limits *limits);
/* Drops a reference; the last frees the zone. */
void zone_free(struct zone *zone);
struct zone *zone_ref(struct zone *zone);

/* An empty zone named by `source`, filled with zone_add_record (the SOA
 * first, owners inside it) and made searchable by zone_finish. Errors are
 * the problem alone; the caller says where the record came from. */
struct zone *zone_new(const char *source);
int zone_add_record(struct zone *zone, const knot_dname_t *owner, uint16_t type, uint16_t rclass,
		    uint32_t ttl, const uint8_t *rdata, uint16_t rdata_len, char *err, size_t errlen);
int zone_finish(struct zone *zone, char *err, size_t errlen);

/* An incremental change (RFC 1995): `old` without the records of
 * `removals` (which starts with old's SOA) and with those of `additions`
 * (which starts with the new SOA). Removing a record old does not have is
 * an error: the copies have diverged. */
struct zone *zone_apply_diff(const struct zone *old, const struct zone *removals, const struct zone *additions,
			     char *err, size_t errlen);

/* The RRset of (owner, type), or NULL; not for RRSIG. */
const knot_rrset_t *zone_find(const struct zone *zone, const knot_dname_t *owner, uint16_t type);

/* The RRSIGs at owner that cover type `covered`, or NULL. */
const knot_rrset_t *zone_find_signatures(const struct zone *zone, const knot_dname_t *owner,
					 uint16_t covered);

/* The RRsets of one owner (consecutive in canonical order), or NULL. */
const knot_rrset_t *zone_rrsets_of(const struct zone *zone, const knot_dname_t *owner, size_t *count);

#endif
