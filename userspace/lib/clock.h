/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Seconds on the monotonic clock: for timers and durations, which a
 * stepped wall clock must not move. */
#ifndef XDPCAST_CLOCK_H
#define XDPCAST_CLOCK_H

#include <time.h>

static inline double clock_monotonic(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

#endif
