/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The XDP program loaded for test runs: nothing pinned, the documentation
 * anycast prefixes protected, a zone file published as the generation. */
#ifndef XDPCAST_TEST_PROGRAM_H
#define XDPCAST_TEST_PROGRAM_H

#include <stddef.h>
#include "xdpcast.skel.h"

#define TEST_ANYCAST4 "192.0.2.0/24"
#define TEST_ANYCAST6 "2001:db8:53::/48"
#define TEST_POP      "test-pop"      /* NSID and CHAOS identity */

/* Returns the loaded skeleton, or NULL with a message in err. */
struct xdpcast_bpf *test_program_load(const char *zone_file, char *err, size_t errlen);

/* Publishes zone_file (or an empty generation for NULL) as the answer cache. */
int test_program_publish(struct xdpcast_bpf *skel, const char *zone_file, char *err, size_t errlen);

#endif
