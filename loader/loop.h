/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The daemon's one event loop: file descriptors, one table of timers (a
 * min-heap on the monotonic clock) and worker lanes for long work.
 *
 * Everything that can take long (compiling zones, transfers, health
 * checks, talking to BIRD) runs as a job on a worker thread of its lane;
 * its `done` callback then runs back on the loop's thread, woken through an
 * eventfd. So signals, the control socket and the timers keep their cadence
 * whatever a zone or a peer does. Jobs get their inputs when submitted and
 * hand results back in `done`: no state is shared while they run.
 *
 * Lanes keep kinds of work from queueing behind each other: a 1M-name
 * compile never delays a health check.
 */
#ifndef XDPCAST_LOOP_H
#define XDPCAST_LOOP_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

#include "log.h"

struct loop;

struct loop_timer;
typedef void (*loop_io_fn)(void *arg, short revents);
typedef void (*loop_timer_fn)(struct loop_timer *timer);

struct loop_timer {
	const char *name;
	loop_timer_fn fire;
	void *arg;
	double at;                      /* monotonic seconds, while armed */
	size_t slot;                    /* place in the heap + 1; 0: not armed */
};

enum loop_lane {
	LANE_ZONES,                     /* compile and publish: one at a time, so
					 * there is one writer of the answer cache */
	LANE_TRANSFERS,                 /* AXFR/IXFR from primaries */
	LANE_CHECKS,                    /* health checks: a worker for each, so none
					 * waits behind another's hang (docs/bgp.md) */
	LANE_NOTIFY,                    /* NOTIFY over TCP: never ahead of a check */
	LANE_BIRD,                      /* the include file and BIRD's configure and
					 * reads: never queued behind a slow check */
	LANE_REPLIES,                   /* status replies encoded from a snapshot:
					 * ~0.6 s at 100,000 zones, off the loop's turn */
	LANE_MAINTENANCE,               /* the state file written for drain, undrain
					 * and withdraw: a disk slow to sync or hung
					 * holds no status reply */
	LANE_MAX
};

struct loop_job {
	enum loop_lane lane;
	void (*run)(struct loop_job *job);      /* on a worker thread */
	void (*done)(struct loop_job *job);     /* on the loop's thread, after run; NULL: nothing */
	struct loop_job *next;                  /* the loop's */
};

/* threads[lane] workers per lane (at least 1 each); each calls
 * thread_init (may be NULL) first. */
struct loop *loop_new(const unsigned threads[LANE_MAX], void (*thread_init)(void));

/* Stops the workers: requests cancellation (cancel.h), waits for every
 * submitted job and runs its `done`, joins the threads, frees the loop. */
void loop_free(struct loop *loop);

/* Calls fn(arg, revents) when fd has any of `events` (POLLIN, POLLOUT). */
int loop_watch(struct loop *loop, int fd, short events, loop_io_fn fn, void *arg);
void loop_watch_events(struct loop *loop, int fd, short events);
void loop_unwatch(struct loop *loop, int fd);

void loop_timer_init(struct loop_timer *timer, const char *name, loop_timer_fn fire, void *arg);
/* (Re)arms the timer to fire once at `at` (monotonic seconds). */
void loop_timer_arm(struct loop *loop, struct loop_timer *timer, double at);
void loop_timer_cancel(struct loop *loop, struct loop_timer *timer);

static inline bool loop_timer_armed(const struct loop_timer *timer)
{
	return timer->slot != 0;
}

void loop_submit(struct loop *loop, struct loop_job *job);

/* Jobs submitted whose `done` has not run yet. */
size_t loop_jobs_pending(const struct loop *loop);

/*
 * A listening socket the loop serves. An accept failing for want of
 * descriptors or memory (EMFILE, ENFILE, ENOBUFS, ENOMEM) leaves the
 * connection queued and the socket readable at every turn: after any
 * failure but an empty queue, an interrupted call or a connection gone
 * (EAGAIN, EINTR, ECONNABORTED), the listener rests LOOP_LISTENER_REST_S
 * instead of spinning the loop's thread.
 */
#define LOOP_LISTENER_REST_S 0.1

struct loop_listener {
	struct loop *loop;
	int fd;
	const char *name;               /* for the log: "control socket" */
	struct loop_timer rest;
	struct log_every failures;
};

/* Watches fd for connections: fn(arg, revents) calls loop_accept. */
int loop_listen(struct loop_listener *l, struct loop *loop, int fd, const char *name, loop_io_fn fn, void *arg);
void loop_unlisten(struct loop_listener *l);
/* A connection (non-blocking, close-on-exec), or -1: none now. */
int loop_accept(struct loop_listener *l, struct sockaddr *from, socklen_t *len);

/* Waits for every submitted job (those their `done` submits too) and runs
 * their `done`, without serving watches or timers meanwhile. */
void loop_drain(struct loop *loop);

/* Runs until loop_stop(); -1 if poll fails. */
int loop_run(struct loop *loop);

#define LOOP_LANE(lane) (1u << (lane))

/* Runs the loop, its watches and timers, until no job of `lanes` (a mask
 * of LOOP_LANE bits) is pending: 0. For start-up work that must not hold
 * up what the loop serves (the control socket's status while the first
 * transfers run): jobs of other lanes (its replies) may still be pending
 * after. -1 if poll fails; 1 if loop_stop() came while jobs of `lanes`
 * were pending: either way the caller waits for them (loop_drain) before
 * reading their results. The stop stays asked: the next loop_run returns
 * at once. */
int loop_run_until_idle(struct loop *loop, unsigned lanes);
void loop_stop(struct loop *loop);

/* The longest the loop's thread went without getting back to poll, in
 * seconds, since the last call (a stall probe for tests and status). */
double loop_take_longest_turn(struct loop *loop);

#endif
