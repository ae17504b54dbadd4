/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Operators' maintenance of the anycast prefixes (`xdpcastctl drain`,
 * `undrain`, `withdraw` while xdpcastd runs): what they asked for outlives
 * restarts and upgrades, in a small JSON file (state_file, default
 * /var/lib/xdpcast/state.json) written atomically and durably
 * (durable_file.h).
 */
#ifndef XDPCAST_MAINTENANCE_H
#define XDPCAST_MAINTENANCE_H

#include <stddef.h>

#include "bird_include.h"

enum maintenance_action { MAINT_NONE, MAINT_DRAIN, MAINT_WITHDRAW };

struct maintenance {
	enum maintenance_action action;
	unsigned prepend;               /* MAINT_DRAIN */
};

extern const char *const maintenance_names[];   /* "none", "drain", "withdraw" */

/* The maintenance of each route's prefix from path (a missing file: none).
 * Entries for prefixes this configuration does not have are dropped (and
 * logged). -1 with err naming the file when it is not what this writes. */
int maintenance_load(const char *path, const struct route *routes, size_t count, struct maintenance *out,
		     char *err, size_t errlen);

/* Writes every prefix under maintenance to path (atomically, durably). */
int maintenance_save(const char *path, const struct route *routes, const struct maintenance *m, size_t count,
		     char *err, size_t errlen);

#endif
