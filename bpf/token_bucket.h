/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Token buckets as one timestamp each (GCRA, the "virtual scheduling" form):
 * a bucket remembers when it will next be full again ("theoretical arrival
 * time", tat). A packet conforms if the bucket is less than `burst` packets
 * ahead of now; each conforming packet pushes tat one interval further.
 *
 * Plain C over explicit times, so the XDP program and the unit tests run the
 * same arithmetic and the tests need no clock.
 */
#ifndef XDPCAST_TOKEN_BUCKET_H
#define XDPCAST_TOKEN_BUCKET_H

#include "xdpcast.h"

#define NSEC_PER_SEC 1000000000ULL

/* Fills the precomputed fields of a setting from its rate and burst. */
static inline void token_bucket_setting(struct rate_setting *r, __u32 rate, __u32 burst)
{
	r->rate = rate;
	r->burst = burst ? burst : 1;
	r->interval_ns = rate ? NSEC_PER_SEC / rate : 0;
	r->tolerance_ns = r->interval_ns * (r->burst - 1);
}

/*
 * Takes one token from the bucket at `*tat` at time `now`; returns 1 if the
 * packet conforms (and advances *tat), 0 if it is over the limit (and
 * leaves *tat alone, so dropped packets do not dig the bucket deeper).
 * A bucket further ahead than one spent under r (spent under a slower
 * rate or a larger burst before a reload or a takeover changed them) is
 * brought back to that: it would otherwise stay refused for the old
 * setting's time, up to its whole window, however much the limit was
 * raised. Every bucket, per source, RRL or shared, on its own clock.
 * A setting with rate 0 is off: everything conforms.
 */
static inline int token_bucket_take(__u64 *tat, __u64 now, const struct rate_setting *r)
{
	__u64 t = *tat > now ? *tat : now;
	__u64 furthest = now + r->tolerance_ns + r->interval_ns;

	if (!r->interval_ns)
		return 1;
	if (t - now > r->tolerance_ns) {
		if (t > furthest)
			*tat = furthest;
		return 0;
	}
	*tat = t + r->interval_ns;
	return 1;
}

/*
 * Whether a bucket of setting r takes its tokens at the tick's time
 * (bpf_ktime_get_coarse_ns, CLOCK_MONOTONIC_COARSE in userspace): one that
 * takes BUCKET_COARSE_WINDOW_NS or more to fill again (the defaults take
 * 2 s). The tick's time lags the fine one by up to about two ticks (20 ms
 * at HZ=100, the coarsest kernels) and moves a tick at a time: over any
 * stretch of time such a bucket takes at most 1/16 of its burst more or
 * fewer than on the fine clock. Narrower ones keep the fine clock: on the
 * tick's, a bucket of 1,000/s with a burst of 1 would let one packet
 * through a tick.
 */
#define BUCKET_COARSE_WINDOW_NS (320 * 1000 * 1000ULL)

static inline int token_bucket_on_tick(const struct rate_setting *r)
{
	return r->interval_ns + r->tolerance_ns >= BUCKET_COARSE_WINDOW_NS;
}

#endif /* XDPCAST_TOKEN_BUCKET_H */
