// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The event loop: timers fire in the order of their deadlines whatever the
 * order they were armed in, a cancelled timer never fires, a job's `done`
 * runs on the loop's thread after its `run` on a worker, a job stuck on one
 * lane does not hold up another lane, running until the jobs of some lanes
 * are done serves timers meanwhile and leaves the other lanes' jobs (a stop
 * meanwhile is told and kept), a closed fd's events are not handed to the
 * one taking its number, a timer weeks away waits, and freeing the loop
 * cancels what still runs and still runs every `done`.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <unistd.h>
#include <sys/resource.h>
#include <sys/un.h>
#include <cmocka.h>

#include "cancel.h"
#include "clock.h"
#include "loop.h"

static const unsigned one_each[LANE_MAX] = { 1, 1, 1 };

struct fired {
	struct loop *loop;
	char order[16];
	size_t count;
	size_t stop_after;
};

static struct fired fired;

static void note(struct loop_timer *t)
{
	fired.order[fired.count++] = t->name[0];
	if (fired.count == fired.stop_after)
		loop_stop(fired.loop);
}

static void test_timers_in_deadline_order(void **state)
{
	struct loop *loop = loop_new(one_each, NULL);
	struct loop_timer a, b, c, d, e;
	double now = clock_monotonic();

	(void)state;
	fired = (struct fired){ .loop = loop, .stop_after = 4 };
	loop_timer_init(&a, "a", note, NULL);
	loop_timer_init(&b, "b", note, NULL);
	loop_timer_init(&c, "c", note, NULL);
	loop_timer_init(&d, "d", note, NULL);
	loop_timer_init(&e, "e", note, NULL);
	loop_timer_arm(loop, &c, now + 0.03);
	loop_timer_arm(loop, &a, now + 0.01);
	loop_timer_arm(loop, &e, now + 0.02);
	loop_timer_arm(loop, &d, now + 0.04);
	loop_timer_arm(loop, &b, now + 0.05);
	loop_timer_arm(loop, &b, now + 0.015);  /* re-armed earlier */
	loop_timer_cancel(loop, &e);
	assert_false(loop_timer_armed(&e));
	assert_true(loop_timer_armed(&d));
	assert_int_equal(loop_run(loop), 0);
	assert_int_equal(fired.count, 4);
	assert_memory_equal(fired.order, "abcd", 4);
	loop_free(loop);
}

static size_t many_fired[200], many_count;

static void note_many(struct loop_timer *t)
{
	many_fired[many_count++] = (uintptr_t)t->arg;
	if (many_count == sizeof(many_fired) / sizeof(many_fired[0]))
		loop_stop(fired.loop);
}

/* More timers than the heap's first room, armed out of order, some armed
 * again and some cancelled: every one left fires once, in deadline order. */
static void test_many_timers_in_deadline_order(void **state)
{
	enum { TIMERS = 200 };
	struct loop *loop = loop_new(one_each, NULL);
	static struct loop_timer timers[TIMERS + 20];
	double now = clock_monotonic();

	(void)state;
	fired = (struct fired){ .loop = loop };
	many_count = 0;
	/* Timer i is due 50 ms + i / 10 ms from now; armed in the order 7k mod TIMERS. */
	for (size_t k = 0; k < TIMERS; k++) {
		size_t i = k * 7 % TIMERS;

		loop_timer_init(&timers[i], "many", note_many, (void *)(uintptr_t)i);
		loop_timer_arm(loop, &timers[i], now + 0.05 + i * 0.0001);
	}
	for (size_t i = TIMERS; i < TIMERS + 20; i++) {
		loop_timer_init(&timers[i], "cancelled", note_many, (void *)(uintptr_t)i);
		loop_timer_arm(loop, &timers[i], now + 0.05 + (i - TIMERS) * 0.0003);
	}
	for (size_t i = 0; i < TIMERS; i += 3)          /* armed again at the same deadline */
		loop_timer_arm(loop, &timers[i], now + 0.05 + i * 0.0001);
	for (size_t i = TIMERS; i < TIMERS + 20; i++)
		loop_timer_cancel(loop, &timers[i]);
	assert_int_equal(loop_run(loop), 0);
	assert_int_equal(many_count, TIMERS);
	for (size_t i = 0; i < TIMERS; i++)
		assert_int_equal(many_fired[i], i);
	loop_free(loop);
}

struct probe_job {
	struct loop_job job;
	struct loop *loop;
	pthread_t loop_thread, ran_on, done_on;
	double hold_s;                  /* how long run takes */
	double done_at;
	bool cancelled;
	int *finished;
};

static void probe_run(struct loop_job *job)
{
	struct probe_job *p = (struct probe_job *)job;
	double until = clock_monotonic() + p->hold_s;

	p->ran_on = pthread_self();
	while (clock_monotonic() < until && !cancel_requested())
		usleep(1000);
	p->cancelled = cancel_requested();
}

static void probe_done(struct loop_job *job)
{
	struct probe_job *p = (struct probe_job *)job;

	p->done_on = pthread_self();
	p->done_at = clock_monotonic();
	if (++*p->finished == 1 && p->loop)
		loop_stop(p->loop);
}

static void test_lanes_do_not_wait_for_each_other(void **state)
{
	struct loop *loop = loop_new(one_each, NULL);
	int finished = 0;
	struct probe_job slow = { .job = { .lane = LANE_ZONES, .run = probe_run, .done = probe_done },
				  .hold_s = 5, .finished = &finished };
	struct probe_job quick = { .job = { .lane = LANE_CHECKS, .run = probe_run, .done = probe_done },
				   .loop = loop, .hold_s = 0, .finished = &finished };
	(void)state;
	loop_submit(loop, &slow.job);
	loop_submit(loop, &quick.job);
	assert_int_equal(loop_jobs_pending(loop), 2);
	assert_int_equal(loop_run(loop), 0);
	/* The quick job's done came while the slow one still ran. */
	assert_int_equal(finished, 1);
	assert_int_equal(quick.done_at > 0, 1);
	assert_true(pthread_equal(quick.done_on, pthread_self()));
	assert_false(pthread_equal(quick.ran_on, pthread_self()));
	assert_int_equal(loop_jobs_pending(loop), 1);
	/* Freeing the loop cancels the slow job and still runs its done
	 * (the flag stays raised for the process: this test comes last). */
	loop_free(loop);
	assert_int_equal(finished, 2);
	assert_true(slow.cancelled);
	assert_true(pthread_equal(slow.done_on, pthread_self()));
}

/* The start's first transfers: the control socket's timers fire while they
 * run, and a status reply still being encoded does not hold the start. */
static void test_run_until_lanes_idle(void **state)
{
	struct loop *loop = loop_new(one_each, NULL);
	int finished = 0;
	struct probe_job transfer = { .job = { .lane = LANE_TRANSFERS, .run = probe_run, .done = probe_done },
				      .hold_s = 0.2, .finished = &finished };
	struct probe_job reply = { .job = { .lane = LANE_REPLIES, .run = probe_run, .done = probe_done },
				   .hold_s = 2, .finished = &finished };
	struct loop_timer deadline;

	(void)state;
	fired = (struct fired){ .loop = NULL };
	loop_timer_init(&deadline, "d", note, NULL);
	loop_timer_arm(loop, &deadline, clock_monotonic() + 0.01);
	loop_submit(loop, &transfer.job);
	loop_submit(loop, &reply.job);
	assert_int_equal(loop_run_until_idle(loop, LOOP_LANE(LANE_TRANSFERS)), 0);
	assert_int_equal(fired.count, 1);
	assert_true(transfer.done_at > 0);
	assert_int_equal(reply.done_at, 0);
	assert_int_equal(loop_jobs_pending(loop), 1);
	/* Nothing pending of those lanes: back at once. */
	assert_int_equal(loop_run_until_idle(loop, LOOP_LANE(LANE_TRANSFERS)), 0);
	assert_int_equal(loop_run_until_idle(loop, LOOP_LANE(LANE_REPLIES)), 0);
	assert_int_equal(loop_jobs_pending(loop), 0);
	assert_false(reply.cancelled);
	loop_free(loop);
}

struct accepting {
	struct loop_listener listener;
	struct loop *loop;
	int tries, accepted;
};

static void accept_ready(void *arg, short revents)
{
	struct accepting *a = arg;
	int fd;

	(void)revents;
	a->tries++;
	if ((fd = loop_accept(&a->listener, NULL, NULL)) >= 0) {
		a->accepted++;
		close(fd);
		loop_stop(a->loop);
	}
}

static void stop_loop(struct loop_timer *timer)
{
	loop_stop(timer->arg);
}

/* A listening socket whose accept fails for want of descriptors: the
 * connection stays queued and the socket readable, and the loop's thread
 * spun on it until a descriptor came free. It rests between tries, and
 * takes the connection once it can. */
static void test_a_listener_short_of_descriptors_rests(void **state)
{
	struct loop *loop = loop_new(one_each, NULL);
	struct accepting a = { .loop = loop };
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int listener = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0), client = socket(AF_UNIX, SOCK_STREAM, 0);
	int lowest_free = dup(0);
	struct rlimit was, none;
	struct loop_timer end;

	(void)state;
	snprintf(sun.sun_path + 1, sizeof(sun.sun_path) - 1, "xdpcast-test-loop-%d", getpid());  /* abstract */
	assert_int_equal(bind(listener, (struct sockaddr *)&sun, sizeof(sun)), 0);
	assert_int_equal(listen(listener, 1), 0);
	assert_int_equal(loop_listen(&a.listener, loop, listener, "test listener", accept_ready, &a), 0);
	assert_int_equal(connect(client, (struct sockaddr *)&sun, sizeof(sun)), 0);
	close(lowest_free);
	assert_int_equal(getrlimit(RLIMIT_NOFILE, &was), 0);
	none = (struct rlimit){ .rlim_cur = (rlim_t)lowest_free, .rlim_max = was.rlim_max };
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &none), 0);
	loop_timer_init(&end, "end", stop_loop, loop);
	loop_timer_arm(loop, &end, clock_monotonic() + 0.5);
	assert_int_equal(loop_run(loop), 0);
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &was), 0);
	assert_int_equal(a.accepted, 0);
	/* A try at most every LOOP_LISTENER_REST_S; spinning made thousands. */
	assert_in_range(a.tries, 1, 10);
	loop_timer_arm(loop, &end, clock_monotonic() + 5);
	assert_int_equal(loop_run(loop), 0);
	assert_int_equal(a.accepted, 1);
	loop_unlisten(&a.listener);
	close(client);
	close(listener);
	loop_free(loop);
}

/* A stop while the start's jobs run (a signal, a drain's end): the caller
 * is told the jobs are not done, so that it waits for them before reading
 * their results, and the stop is not lost: the run after returns at once. */
static void test_a_stop_before_idle_is_told_and_kept(void **state)
{
	struct loop *loop = loop_new(one_each, NULL);
	int finished = 0;
	struct probe_job transfer = { .job = { .lane = LANE_TRANSFERS, .run = probe_run, .done = probe_done },
				      .hold_s = 0.3, .finished = &finished };
	struct loop_timer stop, late;

	(void)state;
	fired = (struct fired){ .loop = NULL };
	loop_timer_init(&stop, "stop", stop_loop, loop);
	loop_timer_arm(loop, &stop, clock_monotonic() + 0.01);
	loop_submit(loop, &transfer.job);
	assert_int_equal(loop_run_until_idle(loop, LOOP_LANE(LANE_TRANSFERS)), 1);
	assert_int_equal(loop_jobs_pending(loop), 1);
	loop_drain(loop);
	assert_int_equal(finished, 1);
	loop_timer_init(&late, "late", note, NULL);
	loop_timer_arm(loop, &late, clock_monotonic() + 0.05);
	assert_int_equal(loop_run(loop), 0);
	assert_int_equal(fired.count, 0);
	/* Taken by that run: the next one serves its timers. */
	fired.loop = loop;
	fired.stop_after = 1;
	assert_int_equal(loop_run(loop), 0);
	assert_int_equal(fired.count, 1);
	loop_free(loop);
}

struct fd_reuse {
	struct loop *loop;
	struct loop_timer stop;
	int first[2], second[2], successor[2];
	int successor_events;
};

static void successor_ready(void *arg, short revents)
{
	struct fd_reuse *r = arg;

	(void)revents;
	r->successor_events++;
}

/* The first pipe's callback closes the second, whose readable event of
 * this turn is still to be dispatched, and watches a new pipe that takes
 * its number. */
static void first_ready(void *arg, short revents)
{
	struct fd_reuse *r = arg;
	int was = r->second[0];

	(void)revents;
	loop_unwatch(r->loop, r->second[0]);
	close(r->second[0]);
	close(r->second[1]);
	assert_int_equal(pipe(r->successor), 0);
	assert_int_equal(r->successor[0], was);
	assert_int_equal(loop_watch(r->loop, r->successor[0], POLLIN, successor_ready, r), 0);
	loop_timer_arm(r->loop, &r->stop, clock_monotonic());
}

static void test_a_closed_fds_events_are_not_its_successors(void **state)
{
	struct fd_reuse r = { .loop = loop_new(one_each, NULL) };

	(void)state;
	assert_int_equal(pipe(r.first), 0);
	assert_int_equal(pipe(r.second), 0);
	assert_int_equal(write(r.first[1], "x", 1), 1);
	assert_int_equal(write(r.second[1], "x", 1), 1);
	assert_int_equal(loop_watch(r.loop, r.first[0], POLLIN, first_ready, &r), 0);
	assert_int_equal(loop_watch(r.loop, r.second[0], POLLIN, successor_ready, &r), 0);
	r.successor_events = 0;
	loop_timer_init(&r.stop, "stop", stop_loop, r.loop);
	assert_int_equal(loop_run(r.loop), 0);
	/* Nothing was written to the new pipe. */
	assert_int_equal(r.successor_events, 0);
	loop_unwatch(r.loop, r.first[0]);
	loop_unwatch(r.loop, r.successor[0]);
	for (int i = 0; i < 2; i++) {
		close(r.first[i]);
		close(r.successor[i]);
	}
	loop_free(r.loop);
}

static void stop_on_read(void *arg, short revents)
{
	(void)revents;
	loop_stop(arg);
}

/* A SOA's expiry may be weeks away: the wait is more milliseconds than
 * poll's int holds (undefined behaviour the sanitizers catch). */
static void test_a_timer_weeks_away(void **state)
{
	struct loop *loop = loop_new(one_each, NULL);
	struct loop_timer expiry;
	int ready[2];

	(void)state;
	fired = (struct fired){ .loop = NULL };
	loop_timer_init(&expiry, "expiry", note, NULL);
	loop_timer_arm(loop, &expiry, clock_monotonic() + 28 * 86400.0);
	assert_int_equal(pipe(ready), 0);
	assert_int_equal(write(ready[1], "x", 1), 1);
	assert_int_equal(loop_watch(loop, ready[0], POLLIN, stop_on_read, loop), 0);
	assert_int_equal(loop_run(loop), 0);
	assert_int_equal(fired.count, 0);
	loop_unwatch(loop, ready[0]);
	close(ready[0]);
	close(ready[1]);
	loop_free(loop);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_timers_in_deadline_order),
		cmocka_unit_test(test_many_timers_in_deadline_order),
		cmocka_unit_test(test_run_until_lanes_idle),
		cmocka_unit_test(test_a_listener_short_of_descriptors_rests),
		cmocka_unit_test(test_a_stop_before_idle_is_told_and_kept),
		cmocka_unit_test(test_a_closed_fds_events_are_not_its_successors),
		cmocka_unit_test(test_a_timer_weeks_away),
		cmocka_unit_test(test_lanes_do_not_wait_for_each_other),
	};

	return cmocka_run_group_tests_name("event loop", tests, NULL, NULL);
}
