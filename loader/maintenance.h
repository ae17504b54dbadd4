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

/* An entry for a prefix this configuration does not have: it does not
 * apply, but every save writes it back, so that a config that lost a
 * prefix by mistake does not lose the operator's drain or withdraw. */
struct maintenance_kept {
	char prefix[64];
	struct maintenance m;
	unsigned forgotten_in;          /* the daemon's: the version of the last
					 * undrain that forgets it, until written; 0: none */
};

extern const char *const maintenance_names[];   /* "none", "drain", "withdraw" */

/* The maintenance of each route's prefix from path (a missing file: none),
 * and in *kept (malloc'ed, *kept_count entries) the entries for prefixes
 * this configuration does not have. -1 with err, beginning with the path
 * (the caller names the key), when it is not what this writes, or is where
 * other users may write. */
int maintenance_load(const char *path, const struct route *routes, size_t count, struct maintenance *out,
		     struct maintenance_kept **kept, size_t *kept_count, char *err, size_t errlen);

/* The state file's text: every prefix under maintenance and the
 * kept entries, as JSON (malloc'ed; NULL: out of memory). Made where the
 * maintenance is (the event loop's thread), written where a slow disk
 * holds nothing else up (a worker). */
char *maintenance_text(const struct route *routes, const struct maintenance *m, size_t count,
		       const struct maintenance_kept *kept, size_t kept_count);
/* Writes text (NULL: the text could not be made) to path, atomically and
 * durably; -1 with err beginning "writing PATH: ". */
int maintenance_write(const char *path, const char *text, char *err, size_t errlen);

#endif
