/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The pin directory (/sys/fs/bpf/xdpcast by default) and what a new
 * xdpcastd inherits from the one before it.
 *
 * One xdpcastd per pin directory: a lock held for the daemon's life. A new
 * daemon takes over when the program pinned there (xdpcast_prog) still runs
 * on an interface: a restart, an upgrade, or a daemon that crashed. It then
 * keeps the live state of that program's own maps (counters, live
 * blocklist entries, token buckets, RRL, the catchment):
 * reused as they are when their layout is unchanged, else migrated into the
 * new maps after the switch (counters and catchment counts added, other
 * entries copied), with a log
 * line saying which. Maps of configuration (prefixes, views, settings, the
 * answer cache) are always built fresh from this daemon's configuration.
 * Pins left where no program runs (a daemon killed, then detached by hand),
 * or maps no program of ours uses, are never adopted: they are replaced.
 *
 * Pins are replaced atomically (pinned under a temporary name, renamed over
 * the old), so xdpcastctl always finds a map.
 */
#ifndef XDPCAST_PINS_H
#define XDPCAST_PINS_H

#include <stdbool.h>
#include <stddef.h>
#include <bpf/libbpf.h>

#include "xdpcast.h"

#define PINS_PROGRAM "xdpcast_prog"
#define PINS_CARRIED_MAX 8
#define PINS_MAPS_MAX    32

struct carried_map {
	struct bpf_map *map;
	int old_fd;                     /* the previous daemon's map, -1: none */
	bool adopted;                   /* reused as is; else migrated after the switch */
	bool by_interface;              /* the stats: an old slot's counters go to the new slot of its interface */
	int new_slot[XDPCAST_STATS_SLOTS];      /* with by_interface; -1: the interface is gone */
};

struct pins {
	const char *dir;
	int lock_fd;
	bool created;                   /* this daemon made the directory */
	/* the previous xdpcastd's program, pinned in dir; -1: none */
	int previous_fd;
	__u32 previous_id;
	__u32 previous_maps[64];
	__u32 previous_map_count;
	struct bpf_map *pinned[PINS_MAPS_MAX];   /* the maps this version pins */
	size_t pinned_count;
	struct carried_map carried[PINS_CARRIED_MAX];
	size_t carried_count;
	bool published;
};

/* Mounts bpffs where needed, creates dir, takes the lock (a second daemon
 * on the same dir is refused), and finds the previous program. Errors are
 * "DIR: why", for the caller to say which option gave it. */
int pins_open(struct pins *p, const char *dir, char *err, size_t errlen);

/* Releases the lock and every fd; removes nothing but the directory when
 * this daemon made it and pinned nothing (a start that failed). */
void pins_close(struct pins *p);

/* Whether the previous program still runs on some interface of this
 * network namespace: then this daemon takes it over. */
bool pins_previous_runs(const struct pins *p);

/* Before the object is loaded: no automatic pinning; when taking over,
 * the previous program's state maps whose layout is unchanged are reused
 * (the stats only when each slot counts the same interface: ifindex is
 * the new program's slot of each interface). */
int pins_adopt(struct pins *p, struct bpf_object *obj, const __u32 ifindex[XDPCAST_MAX_IFACES], bool takeover,
	       char *err, size_t errlen);

/* Slot 0 of the array map pinned as `map` (cut or zero-padded to size),
 * when it is a map of the previous program; maps the program never reads
 * are not among its maps: with program_uses_it false any pin of that name
 * is read, and its value must say who wrote it. 0 if read. */
int pins_previous_value(const struct pins *p, const char *map, bool program_uses_it, void *value, size_t size);

/* Slot 0 of the array map pinned as `map`, whoever's (as
 * pins_previous_value without program_uses_it), written with value: cut to
 * the map's size, what lies past size (a later version's fields) kept. 0
 * if written. */
int pins_previous_rewrite(const struct pins *p, const char *map, const void *value, size_t size);

/* The source filter when the previous program shares it with this one
 * (reused as is), as it was before the start wrote to it: the filter holds
 * the config's blocklist beside the live blocks, and a takeover that failed
 * after writing it left the previous program, running still, the blocklist
 * of a config that never ran (and without its own). */
struct filter_entry {
	struct xdpcast_lpm_key key;
	struct source_filter value;
};

struct shared_snapshot {
	int fd;                 /* -1: not shared, nothing to put back */
	const char *name;
	size_t max_entries, count;
	struct filter_entry *entries;   /* sorted by key */
};

/* Takes the snapshot of the source filter `map` when it is shared; -1 with
 * err if it cannot. */
int pins_snapshot_shared(const struct pins *p, const struct bpf_map *map, struct shared_snapshot *s, char *err,
			 size_t errlen);

/* The start failed: what it wrote undone. The entries of the config, the
 * bogons and the anycast prefixes as the snapshot has them; the live
 * blocks as they are now: `xdpcastctl block` went on adding and lifting
 * them on the previous program's pins while the start ran. */
void pins_put_back_shared(const struct shared_snapshot *s);

void pins_snapshot_free(struct shared_snapshot *s);

/* After the switch: what the state maps not reused held moves into the
 * new ones, as far as their layouts allow. */
void pins_migrate(struct pins *p);

/* Pins every map and the program (atomic replacement of the old pins) and
 * removes pins of ours that no longer exist in this version. */
int pins_publish(struct pins *p, struct bpf_program *prog, char *err, size_t errlen);

/* Pins someone removed while the daemon runs (an rm -rf of the
 * directory, say) made again, the directory too, locked again: else the
 * fast_path check, xdpcastctl and the next start's takeover lost the
 * program that still runs. 0 when all are in place again; -1 with why in
 * detail. */
int pins_restore(struct pins *p, struct bpf_program *prog, char *detail, size_t len);

/* Removes this daemon's pins and the directory (a full stop). */
void pins_remove(struct pins *p);

#endif
