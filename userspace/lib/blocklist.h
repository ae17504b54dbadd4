/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The live blocklist: entries of the pinned xdpcast_source_filter map that
 * `xdpcastctl block` adds and removes while the program runs. Entries the
 * config file owns (its blocklist, the bogons, our own prefixes) are left
 * to xdpcastd, which rewrites them on SIGHUP.
 */
#ifndef XDPCAST_BLOCKLIST_H
#define XDPCAST_BLOCKLIST_H

#include <stddef.h>
#include "xdpcast.h"

struct blocked_prefix {
	struct xdpcast_lpm_key prefix;
	enum source_kind kind;
};

/* -1 and err for a prefix that would block every source of its family
 * (0.0.0.0/0, ::/0): the PoP would drop every query while its health
 * checks, which come from a probe source the filters skip, still pass and
 * keep it announced. Withdrawing (xdpcastctl withdraw) is what that means. */
int blocklist_refuses(const struct xdpcast_lpm_key *prefix, char *err, size_t errlen);
/* Refuses what blocklist_refuses does, then blocks the prefix. */
int blocklist_add(const char *pin_dir, const struct xdpcast_lpm_key *prefix, char *err, size_t errlen);
/* blocklist_add on open maps: the filter, then its screen (source_screen_map.h; -1: none). */
int blocklist_insert(int filter_fd, int screen_fd, const struct xdpcast_lpm_key *prefix, char *err, size_t errlen);
/* 0, or BLOCKLIST_CONFIG_STAYS when the config's blocklist holds the prefix
 * too (it stays blocked until the config drops it), or -1 and err. */
#define BLOCKLIST_CONFIG_STAYS 1
int blocklist_del(const char *pin_dir, const struct xdpcast_lpm_key *prefix, char *err, size_t errlen);

/* Every blocked prefix, from the config and live; *out is malloc'ed. */
int blocklist_list(const char *pin_dir, struct blocked_prefix **out, size_t *count, char *err, size_t errlen);

#endif
