/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The XDP program loaded for test runs: nothing pinned, the documentation
 * anycast prefixes protected with the default flood defense, a zone file
 * published as the generation. */
#ifndef XDPCAST_TEST_PROGRAM_H
#define XDPCAST_TEST_PROGRAM_H

#include <stdbool.h>
#include <stddef.h>
#include "protection.h"
#include "xdpcast.skel.h"

#define TEST_ANYCAST4 "192.0.2.0/24"
#define TEST_ANYCAST6 "2001:db8:53::/48"
#define TEST_POP      "test-pop"      /* NSID and CHAOS identity */

/* The kernel's limit on the instructions the verifier walks for one
 * program (BPF_COMPLEXITY_LIMIT_INSNS): the program tier holds the program
 * to a share of it, the bench reports the share taken. */
#define VERIFIER_LIMIT_INSNS 1000000u

/* The ifindex of the first interface slot the program is loaded with
 * (the others follow): no device has it. */
#define TEST_UNUSED_IFINDEX 0x7fff0000u

/* The daemon's probe source (XDPCAST_PROBE_SOURCE4 and 6), as text. */
#define TEST_PROBE_SOURCE4 "198.51.100.254"
#define TEST_PROBE_SOURCE6 "2001:db8:1::fe"

/* Returns the loaded skeleton, or NULL with a message in err. */
struct xdpcast_bpf *test_program_load(const char *zone_file, char *err, size_t errlen);
/* Closes its cache and destroys it. */
void test_program_unload(struct xdpcast_bpf *skel);
/* The answer cache over its maps. */
struct cache *test_program_cache(void);
/* A new answer cache over the maps, with a cap of max_bytes (0: none),
 * compiling with or without minimal responses; publish a generation
 * after it. */
int test_program_reopen_cache(struct xdpcast_bpf *skel, uint64_t max_bytes, bool minimal_responses, char *err,
			      size_t errlen);

/* Puts p's settings, source filters and allowlist in force (the anycast
 * prefixes' rules are p's default list). */
int test_program_protect(struct xdpcast_bpf *skel, const struct protection *p, char *err, size_t errlen);

/* Publishes zone_file (or an empty generation for NULL) as a new generation of the cache. */
int test_program_publish(struct xdpcast_bpf *skel, const char *zone_file, char *err, size_t errlen);
/* The same for several zone files at once. */
int test_program_publish_zones(struct xdpcast_bpf *skel, const char *const *zone_files, size_t count, char *err,
			       size_t errlen);
/* The same for the zone files of each view: views[0] the default's,
 * views[i] those of the clients xdpcast_views leads to view i. */
struct view_zones;
int test_program_publish_views(struct xdpcast_bpf *skel, const struct view_zones *views, size_t view_count,
			       char *err, size_t errlen);

/* Packets counted per reason, summed over CPUs and interface slots. */
void test_program_counts(struct xdpcast_bpf *skel, __u64 counts[XDPCAST_REASON_MAX]);
/* Packets and bytes per reason, summed the same way. */
void test_program_counters(struct xdpcast_bpf *skel, struct xdpcast_counter counters[XDPCAST_REASON_MAX]);
/* Packets counted in each stats slot, summed over reasons and CPUs;
 * -1 with a message in err when the map cannot be read. */
int test_program_slot_packets(struct xdpcast_bpf *skel, __u64 packets[XDPCAST_STATS_SLOTS], char *err,
			      size_t errlen);
/* NULL when between before and after exactly one counter moved, under
 * reason, by one packet of frame_len bytes (every exit counts exactly one
 * reason, with the frame's length as received); else what moved instead. */
const char *test_program_counted_once(const struct xdpcast_counter before[XDPCAST_REASON_MAX],
				      const struct xdpcast_counter after[XDPCAST_REASON_MAX],
				      enum xdpcast_reason reason, size_t frame_len);

#endif
