/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Catalog zones (RFC 9432), as a consumer reads them: the schema version
 * and the member zones.
 */
#ifndef XDPCAST_CATALOG_H
#define XDPCAST_CATALOG_H

#include <stddef.h>
#include "zone.h"

/* The member zones of a catalog zone (version 2: the TXT "2" at
 * version.<catalog>; a member is the one PTR at <unique-id>.zones.<catalog>),
 * as lower-case presentation names, each once, in the catalog's order.
 * A <unique-id> with more than one PTR names no member (RFC 9432 4.1);
 * other records (properties, anything unknown) are ignored. 0 and a
 * malloc'd array (catalog_members_free), or -1 and err when the zone is no
 * catalog of version 2. */
int catalog_members(const struct zone *zone, char ***members, size_t *count, char *err, size_t errlen);
void catalog_members_free(char **members, size_t count);

#endif
