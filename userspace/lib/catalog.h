/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Catalog zones (RFC 9432), as a consumer reads them: the schema version
 * and the member zones.
 */
#ifndef XDPCAST_CATALOG_H
#define XDPCAST_CATALOG_H

#include <stddef.h>
#include "zone.h"

struct catalog_member {
	char *zone;     /* lower-case presentation name, with the final dot */
	char *id;       /* its <unique-id> label, lower case: a new one is a reset (RFC 9432 5.6) */
};

/* The member zones of a catalog zone (version 2: one TXT "2" at
 * version.<catalog>; a member is the one PTR at <unique-id>.zones.<catalog>),
 * sorted by zone name; other records (properties, anything unknown) are
 * ignored. 0 and a malloc'd array (catalog_members_free), or -1 and err
 * when the zone is no catalog of version 2 or a broken one (RFC 9432 4.1,
 * 4.2.1): a version RRset of more than one record, a <unique-id> with more
 * than one PTR, a zone listed under two unique ids. A broken catalog is
 * not read at all: its members stay as the last good copy listed them. */
int catalog_members(const struct zone *zone, struct catalog_member **members, size_t *count, char *err,
		    size_t errlen);
void catalog_members_free(struct catalog_member *members, size_t count);

/* The member of that zone name (lower case, as catalog_members gives them), or NULL. */
const struct catalog_member *catalog_member_named(const struct catalog_member *members, size_t count,
						  const char *zone);

/* Why a catalog may not make that zone (lower case, as catalog_members
 * gives it) its member, or NULL: the root, or the catalog (its name in
 * presentation form) itself. */
const char *catalog_member_refused(const char *zone, const char *catalog);

#endif
