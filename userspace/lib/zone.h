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
#include <time.h>
#include <libknot/libknot.h>

struct zone {
	char *file;                 /* the file, or where the zone came from */
	char **includes;            /* the files its $INCLUDEs read, as named there */
	size_t include_count;
	unsigned refs;
	knot_dname_t *origin;
	uint32_t serial;
	unsigned patches;           /* changes zone_patch made to this object (IXFR): what
				     * was made of it holds the count it was made at */
	time_t loaded_at;           /* wall clock: read or transferred, or last patched */
	size_t record_count;        /* records as written in the file */
	bool is_signed;             /* has DNSSEC records: RRSIG, DNSKEY, NSEC(3) */
	bool mixed_ttls;            /* an RRset was written with different TTLs (it has the lowest) */
	knot_rrset_t *rrsets;       /* canonical order of owner, type (and covered type) */
	size_t rrset_count;
	size_t rrset_capacity;
};

/* Reads a zone file (and what it includes). On error returns NULL and
 * writes "FILE:LINE: problem". */
struct zone *zone_load(const char *path, char *err, size_t errlen);
/* The same; when it fails, *tried lists the files its $INCLUDEs named
 * until then, the one that failed among them (array.h strings, the
 * caller's): where a change (the missing file created) may mend it. */
struct zone *zone_load_tried(const char *path, char ***tried, size_t *tried_count, char *err, size_t errlen);
/* The same for zone text in memory, called `name` in messages; $INCLUDE
 * is refused. */
struct zone *zone_parse(const char *name, const char *text, size_t len, char *err, size_t errlen);
/* A zone file this daemon wrote (a transferred zone's copy): bounded by
 * limits.zone_records alone. limits.zone_file_mb bounds what a transfer
 * brings as messages, names compressed; the same records as text, each
 * name in full, are several times larger. */
struct zone *zone_load_written(const char *path, char *err, size_t errlen);

/* How much one zone may bring in: its files (included ones too) or the
 * messages of a transfer, and its records, from a file or a transfer. */
struct zone_limits {
	uint64_t file_bytes;
	uint64_t records;
};
#define ZONE_DEFAULT_FILE_MB  1024ULL
#define ZONE_DEFAULT_RECORDS  5000000ULL
#define ZONE_DEFAULT_LIMITS   { .file_bytes = ZONE_DEFAULT_FILE_MB << 20, .records = ZONE_DEFAULT_RECORDS }

/* For every zone read or transferred from now on. */
void zone_set_limits(const struct zone_limits *limits);
/* The limits in force. */
const struct zone_limits *zone_limits_in_force(void);
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


/* RFC 4034 section 6.1 order of two lowercase wire-format names (a zone's
 * names are lowercase): knot_dname_cmp without its copies. */
int zone_name_cmp(const knot_dname_t *a, const knot_dname_t *b);

/* An RRset that changed: its owner, type and, for RRSIG, the type covered. */
struct zone_change {
	knot_dname_t *owner;
	uint16_t type;
	uint16_t covered;
};

struct zone_changes {
	struct zone_change *items;
	size_t count, capacity;
};

/*
 * Incremental changes (RFC 1995) applied to the zone in place, in order:
 * each without the records of removals[i] (which starts with the SOA in
 * force) and with those of additions[i] (which starts with the new SOA).
 * All or nothing: a change that starts at another serial or removes a
 * record the zone does not have (the copies have diverged), or that leaves
 * more records than limits.zone_records, is refused and the zone left as
 * it was. Each RRset that differs afterwards is added to
 * *changes (when given). The cost follows the changes, but for one pass
 * over the RRsets when RRsets come or go.
 */
int zone_patch(struct zone *zone, struct zone *const *removals, struct zone *const *additions, size_t steps,
	       struct zone_changes *changes, char *err, size_t errlen);

/* Records one more change (the owner copied, lowercased). */
int zone_changes_add(struct zone_changes *changes, const knot_dname_t *owner, uint16_t type, uint16_t covered);
/* Every RRset that differs between two versions of a zone. */
int zone_changes_between(const struct zone *before, const struct zone *after, struct zone_changes *changes);
void zone_changes_clear(struct zone_changes *changes);

/* The RRset of (owner, type), or NULL; not for RRSIG. */
const knot_rrset_t *zone_find(const struct zone *zone, const knot_dname_t *owner, uint16_t type);

/* The RRSIGs at owner that cover type `covered`, or NULL. */
const knot_rrset_t *zone_find_signatures(const struct zone *zone, const knot_dname_t *owner,
					 uint16_t covered);

/* The RRsets of one owner (consecutive in canonical order), or NULL. */
const knot_rrset_t *zone_rrsets_of(const struct zone *zone, const knot_dname_t *owner, size_t *count);

/* Whether `name` is a name of the zone: an owner, or an empty non-terminal
 * above one. */
bool zone_name_exists(const struct zone *zone, const knot_dname_t *name);

/* The nearest ancestor of `name` that is a name of the zone, or NULL. */
const knot_dname_t *zone_closest_encloser(const struct zone *zone, const knot_dname_t *name);

/* Whether `name`'s first label is "*". */
bool zone_name_is_wildcard(const knot_dname_t *name);

/* "*." and `name` in `wildcard`; false when that is longer than a name
 * can be. */
bool zone_wildcard_of(const knot_dname_t *name, knot_dname_t wildcard[KNOT_DNAME_MAXLEN]);

/* The RRsets owned by `name` and the names below it: [*first, *end). */
void zone_subtree(const struct zone *zone, const knot_dname_t *name, size_t *first, size_t *end);

/*
 * The names of RRsets [first, end) in canonical order, each once: every
 * owner and every empty non-terminal between it and `top` (top included
 * when it is the first name's ancestor or the first name itself).
 */
struct zone_names {
	const struct zone *zone;
	const knot_dname_t *top;
	const knot_rrset_t *rrsets;             /* of the name returned last: its RRsets */
	size_t count;                           /* (none for an empty non-terminal) */
	const knot_rrset_t *owner_rrsets;       /* of the owner at the bottom of pending */
	size_t owner_count;
	size_t next, end;                       /* RRsets still to visit */
	const knot_dname_t *previous;           /* the last owner visited */
	const knot_dname_t *pending[KNOT_DNAME_MAXLABELS + 1];  /* still to emit, deepest first */
	size_t pending_count;
};

void zone_names_init(struct zone_names *it, const struct zone *zone, const knot_dname_t *top, size_t first,
		     size_t end);
/* The next name, or NULL at the end. */
const knot_dname_t *zone_names_next(struct zone_names *it);
/* Skips every name below `name` (the last one returned). */
void zone_names_skip_below(struct zone_names *it, const knot_dname_t *name);

#endif
