/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Seconds on the monotonic clock: for timers and durations, which a
 * stepped wall clock must not move; and wall-clock times as people read
 * them. */
#ifndef XDPCAST_CLOCK_H
#define XDPCAST_CLOCK_H

#include <stdint.h>
#include <stdio.h>
#include <time.h>

static inline double clock_monotonic(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Nanoseconds on clock: what the program reads with bpf_ktime_get_ns
 * (CLOCK_MONOTONIC) or bpf_ktime_get_coarse_ns (CLOCK_MONOTONIC_COARSE). */
static inline uint64_t clock_ns(clockid_t clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return (uint64_t)ts.tv_sec * 1000000000 + (uint64_t)ts.tv_nsec;
}

#define UTC_TEXT_LEN 32

/* at in UTC, ISO 8601 to the second ("2026-12-03T16:27:21Z"), in out. */
static inline const char *utc_text(time_t at, char out[UTC_TEXT_LEN])
{
	struct tm tm;

	if (!gmtime_r(&at, &tm) || !strftime(out, UTC_TEXT_LEN, "%Y-%m-%dT%H:%M:%SZ", &tm))
		snprintf(out, UTC_TEXT_LEN, "%lld s after the epoch", (long long)at);
	return out;
}

#endif
