/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The runtime settings the loader writes (struct xdpcast_settings). */
#ifndef XDPCAST_SETTINGS_H
#define XDPCAST_SETTINGS_H

#include "xdpcast.h"
#include "token_bucket.h"

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
 * The packet's times, each read once and only by a stage that needs it
 * (0 until then): an answer with every limit off reads no clock. A read
 * is a helper call, the fine one a TSC read under a VM.
 */
struct packet_clock {
	__u64 fine_ns;          /* for buckets that fill again quickly */
	__u64 coarse_ns;        /* the tick's, where a tick early costs nothing */
};

static __always_inline __u64 clock_ns(struct packet_clock *now)
{
	if (!now->fine_ns)
		now->fine_ns = bpf_ktime_get_ns();
	return now->fine_ns;
}

/* The tick's time, or the fine one if a stage read it. */
static __always_inline __u64 clock_coarse_ns(struct packet_clock *now)
{
	if (now->fine_ns)
		return now->fine_ns;
	if (!now->coarse_ns)
		now->coarse_ns = bpf_ktime_get_coarse_ns();
	return now->coarse_ns;
}

/* The time a bucket of setting r takes its token at: the tick's for wide
 * windows (token_bucket_on_tick); the first-seen table has read it for the
 * packet already, so an answer under the default limits reads no fine clock. */
static __always_inline __u64 bucket_clock_ns(const struct rate_setting *r, struct packet_clock *now)
{
	return token_bucket_on_tick(r) ? clock_coarse_ns(now) : clock_ns(now);
}

#endif /* XDPCAST_SETTINGS_H */
