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

/*
 * The time for the buckets, read once per packet and only by a stage that
 * needs it (*now is 0 until then): an answer with every limit off reads no
 * clock. The clock read is a helper call, and a TSC read under a VM.
 */
static __always_inline __u64 clock_ns(__u64 *now)
{
	if (!*now)
		*now = bpf_ktime_get_ns();
	return *now;
}

#endif /* XDPCAST_SETTINGS_H */
