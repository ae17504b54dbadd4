/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Internet checksums over frames userspace builds (tools, tests), with the
 * byte arithmetic of bpf/xdpcast.h that the XDP program uses. */
#ifndef XDPCAST_CHECKSUM_H
#define XDPCAST_CHECKSUM_H

#include <stddef.h>
#include <stdint.h>
#include "xdpcast.h"

/* Adds the bytes p[0..len) to sum, p starting at an even offset. */
static inline uint32_t checksum_add(uint32_t sum, const uint8_t *p, size_t len)
{
	for (size_t i = 0; i < len; i++)
		sum = xdpcast_csum_add_byte(sum, p[i], i);
	return sum;
}

/* The checksum field's value for a sum: folded and complemented. */
static inline uint16_t checksum_finish(uint32_t sum)
{
	return ~xdpcast_csum_fold(sum);
}

#endif
