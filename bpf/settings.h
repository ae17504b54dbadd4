/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The runtime settings the loader writes (struct xdpcast_settings). */
#ifndef XDPCAST_SETTINGS_H
#define XDPCAST_SETTINGS_H

#include "xdpcast.h"

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct xdpcast_settings);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} xdpcast_settings SEC(".maps");

/* Never NULL for a loaded program (an array has every slot); the check is
 * for the verifier. All zeros means every limit off. */
static __always_inline const struct xdpcast_settings *settings_get(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&xdpcast_settings, &zero);
}

#endif /* XDPCAST_SETTINGS_H */
