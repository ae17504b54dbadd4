/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * When to run again work that many events ask for but that serves them all
 * at once when it runs (the state snapshot after a change): right away while
 * it is cheap, and while it is costly no more often than leaves it
 * 1 / PACING_SHARE of the time. Events come as often as the work they
 * follow (a catalog's member transfers end every millisecond); work that
 * grows with the state, done for each, is quadratic.
 */
#ifndef XDPCAST_PACING_H
#define XDPCAST_PACING_H

#define PACING_SHARE 10
#define PACING_MAX_WAIT_S 1.0   /* what status and /metrics may lag at worst */

struct pacing {
	double ended_at;        /* monotonic seconds; 0: never ran */
	double cost_s;          /* of its last run */
};

/* The earliest time it may run next. */
static inline double pacing_next(const struct pacing *p)
{
	double wait = (PACING_SHARE - 1) * p->cost_s;

	return p->ended_at + (wait < PACING_MAX_WAIT_S ? wait : PACING_MAX_WAIT_S);
}

static inline void pacing_ran(struct pacing *p, double started_at, double ended_at)
{
	p->cost_s = ended_at - started_at;
	p->ended_at = ended_at;
}

#endif
