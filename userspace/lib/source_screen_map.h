/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The screen of the source filter (struct source_screen, bpf/source_screen.h):
 * every writer of xdpcast_source_filter keeps it, so that a source whose
 * bits are clear really matches no entry.
 *
 * Two writers may run at once: xdpcastd (a reload rewrites the config's
 * entries) and `xdpcastctl block add`. A new entry's bits are set
 * (atomically, bit by bit) before its insert, so that it drops at once,
 * and again after it (in the screen pinned then too); a rebuild stops the
 * screen (every source takes the trie), writes the bits of the entries
 * it read, sets those of every entry again (one added meanwhile may have
 * lost its bits to the first pass) and starts the screen. An add's
 * second pass or the rebuild's second walk sees the entry, whichever
 * comes last. A deleted entry's bits stay until the next rebuild: they
 * only cost lookups.
 */
#ifndef XDPCAST_SOURCE_SCREEN_MAP_H
#define XDPCAST_SOURCE_SCREEN_MAP_H

#include <stddef.h>
#include "xdpcast.h"

/* Every source takes the trie until the next rebuild: before a batch of changes. */
int source_screen_stop(int screen_fd, char *err, size_t errlen);

/* Sets the bits of an entry already in the filter; stops a screen built
 * by another version (SOURCE_SCREEN_LAYOUT), whose bits lie elsewhere. */
int source_screen_add(int screen_fd, const struct xdpcast_lpm_key *entry, char *err, size_t errlen);

/* The screen of exactly the filter's entries, then started; stopped
 * when that fails. */
int source_screen_rebuild(int screen_fd, int filter_fd, char *err, size_t errlen);

#endif
