/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Reading the per-CPU counters from the pinned xdpcast_stats map. */
#ifndef XDPCAST_STATS_H
#define XDPCAST_STATS_H

#include <stddef.h>
#include "xdpcast.h"

#define XDPCAST_DEFAULT_PIN_DIR "/sys/fs/bpf/xdpcast"

/* The pinned object `name` of the pin directory, or -1 with err naming
 * its path (errno kept: ENOENT when nothing is pinned there). */
int pin_open(const char *pin_dir, const char *name, char *err, size_t errlen);
/* The same for a map whose keys and values this build reads and writes
 * whole: -1 with err naming both sizes when another version's map of
 * other sizes is pinned there (errno EPROTO). */
int pin_open_map(const char *pin_dir, const char *name, __u32 key_size, __u32 value_size, char *err, size_t errlen);

/* The bytes one CPU's value takes in a per-CPU map's lookup buffer. */
static inline size_t percpu_value_stride(__u32 value_size)
{
	return (value_size + 7) / 8 * 8;
}

/* Of the per-CPU array `fd` (called `name` in errors), whose values are
 * runs of `unit`-byte items that versions only ever append (counters,
 * catchment entries): the stride of one CPU's value and the items it
 * holds, which the version that pinned it may make more or fewer than
 * this one's; -1 with err for a map of another shape. */
int percpu_array_items(int fd, const char *name, size_t unit, size_t *stride, size_t *items, char *err,
		       size_t errlen);

/* Sums the counters over CPUs, one xdpcast_stats per slot: the attached
 * interfaces in --iface order, then XDPCAST_TEST_RUN_SLOT. */
int stats_read(const char *pin_dir, struct xdpcast_stats out[XDPCAST_STATS_SLOTS],
	       char *err, size_t errlen);

/* The same from the map's file descriptor. */
int stats_read_fd(int fd, struct xdpcast_stats out[XDPCAST_STATS_SLOTS], char *err, size_t errlen);

/* The interface of each stats slot as the running program has it: its
 * global variable iface_ifindex (.bss; .rodata in versions before),
 * found by name through the map's BTF;
 * 0 for a slot no interface uses. prog_id: the program's id. */
int stats_slot_ifindexes(const char *pin_dir, __u32 ifindex[XDPCAST_MAX_IFACES], __u32 *prog_id, char *err,
			 size_t errlen);
/* The same for a program's file descriptor; -1 when it has no such variable. */
int stats_program_ifindexes(int prog_fd, __u32 ifindex[XDPCAST_MAX_IFACES], __u32 *prog_id);

static inline struct xdpcast_counter *stats_counter(struct xdpcast_stats *stats, int reason)
{
	return &((struct xdpcast_counter *)stats)[reason];
}

#endif
