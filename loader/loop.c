// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/eventfd.h>

#include "array.h"
#include "cancel.h"
#include "clock.h"
#include "log.h"
#include "loop.h"

struct watch {
	int fd;
	short events;
	loop_io_fn fn;
	void *arg;
};

struct lane {
	struct loop *loop;
	pthread_mutex_t lock;
	pthread_cond_t work;
	struct loop_job *head, *tail;   /* queued, not started */
	void (*thread_init)(void);
	bool stopping;
	pthread_t *threads;
	unsigned thread_count;
};

struct loop {
	struct watch *watches;
	size_t watch_count, watch_capacity;
	struct pollfd *polled;          /* the turn's poll set, while dispatched */
	size_t polled_count, polled_capacity;

	struct loop_timer **heap;       /* min-heap by `at` */
	size_t timer_count, heap_capacity;

	struct lane lanes[LANE_MAX];
	int wake_fd;                    /* eventfd: finished jobs */
	pthread_mutex_t finished_lock;
	struct loop_job *finished;
	size_t pending;                 /* submitted, `done` not yet run */
	size_t lane_pending[LANE_MAX];  /* the same, by lane */

	bool stopped;
	double longest_turn;
};

/* ---- timers: a binary min-heap of armed timers ---- */

static void heap_place(struct loop *loop, struct loop_timer *t, size_t i)
{
	loop->heap[i] = t;
	t->slot = i + 1;
}

static void heap_up(struct loop *loop, size_t i)
{
	struct loop_timer *t = loop->heap[i];

	while (i > 0 && loop->heap[(i - 1) / 2]->at > t->at) {
		heap_place(loop, loop->heap[(i - 1) / 2], i);
		i = (i - 1) / 2;
	}
	heap_place(loop, t, i);
}

static void heap_down(struct loop *loop, size_t i)
{
	struct loop_timer *t = loop->heap[i];

	for (;;) {
		size_t child = 2 * i + 1;

		if (child >= loop->timer_count)
			break;
		if (child + 1 < loop->timer_count && loop->heap[child + 1]->at < loop->heap[child]->at)
			child++;
		if (loop->heap[child]->at >= t->at)
			break;
		heap_place(loop, loop->heap[child], i);
		i = child;
	}
	heap_place(loop, t, i);
}

void loop_timer_init(struct loop_timer *timer, const char *name, loop_timer_fn fire, void *arg)
{
	*timer = (struct loop_timer){ .name = name, .fire = fire, .arg = arg };
}

void loop_timer_cancel(struct loop *loop, struct loop_timer *timer)
{
	size_t i;

	if (!timer->slot)
		return;
	i = timer->slot - 1;
	timer->slot = 0;
	if (i == --loop->timer_count)
		return;
	heap_place(loop, loop->heap[loop->timer_count], i);
	heap_up(loop, i);
	heap_down(loop, loop->heap[i]->slot - 1);
}

void loop_timer_arm(struct loop *loop, struct loop_timer *timer, double at)
{
	struct loop_timer **heap;

	loop_timer_cancel(loop, timer);
	heap = array_room(loop->heap, loop->timer_count, &loop->heap_capacity, sizeof(*heap));
	if (!heap) {    /* cannot happen in practice; never lose a timer silently */
		log_error("out of memory arming timer %s", timer->name);
		abort();
	}
	loop->heap = heap;
	timer->at = at;
	heap_place(loop, timer, loop->timer_count++);
	heap_up(loop, loop->timer_count - 1);
}

static void fire_due_timers(struct loop *loop)
{
	double now = clock_monotonic();

	while (loop->timer_count && loop->heap[0]->at <= now && !loop->stopped) {
		struct loop_timer *t = loop->heap[0];

		loop_timer_cancel(loop, t);
		t->fire(t);
	}
}

static int poll_timeout_ms(const struct loop *loop)
{
	double wait;

	if (!loop->timer_count)
		return -1;
	wait = loop->heap[0]->at - clock_monotonic();
	/* A SOA's expiry may be weeks away: past INT_MAX ms poll wakes early
	 * and the timeout is taken again. */
	return wait <= 0 ? 0 : wait >= INT_MAX / 1000 ? INT_MAX : (int)(wait * 1000) + 1;
}

/* ---- file descriptors ---- */

int loop_watch(struct loop *loop, int fd, short events, loop_io_fn fn, void *arg)
{
	struct watch *watches = array_room(loop->watches, loop->watch_count, &loop->watch_capacity, sizeof(*watches));

	if (!watches)
		return -1;
	loop->watches = watches;
	watches[loop->watch_count++] = (struct watch){ fd, events, fn, arg };
	return 0;
}

void loop_watch_events(struct loop *loop, int fd, short events)
{
	for (size_t i = 0; i < loop->watch_count; i++)
		if (loop->watches[i].fd == fd)
			loop->watches[i].events = events;
}

void loop_unwatch(struct loop *loop, int fd)
{
	/* The turn's events of this fd are not for whatever takes its number
	 * before they are dispatched. */
	for (size_t i = 0; i < loop->polled_count; i++)
		if (loop->polled[i].fd == fd)
			loop->polled[i].revents = 0;
	for (size_t i = 0; i < loop->watch_count; i++) {
		if (loop->watches[i].fd == fd) {
			loop->watches[i] = loop->watches[--loop->watch_count];
			return;
		}
	}
}

/* ---- listening sockets ---- */

#define LOOP_LISTENER_FAILURE_REMINDER_S 60

static void listener_rested(struct loop_timer *timer)
{
	struct loop_listener *l = timer->arg;

	loop_watch_events(l->loop, l->fd, POLLIN);
}

int loop_listen(struct loop_listener *l, struct loop *loop, int fd, const char *name, loop_io_fn fn, void *arg)
{
	*l = (struct loop_listener){ .loop = loop, .fd = fd, .name = name,
				     .failures = LOG_EVERY_INIT(LOOP_LISTENER_FAILURE_REMINDER_S) };
	loop_timer_init(&l->rest, "listener's rest", listener_rested, l);
	return loop_watch(loop, fd, POLLIN, fn, arg);
}

void loop_unlisten(struct loop_listener *l)
{
	loop_timer_cancel(l->loop, &l->rest);
	loop_unwatch(l->loop, l->fd);
}

int loop_accept(struct loop_listener *l, struct sockaddr *from, socklen_t *len)
{
	int fd = accept4(l->fd, from, len, SOCK_NONBLOCK | SOCK_CLOEXEC);

	if (fd >= 0 || errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR || errno == ECONNABORTED)
		return fd;
	log_msg_every(&l->failures, LOG_LEVEL_ERROR, "%s: accepting a connection: %s; resting %.1f s", l->name,
		      strerror(errno), LOOP_LISTENER_REST_S);
	loop_watch_events(l->loop, l->fd, 0);
	loop_timer_arm(l->loop, &l->rest, clock_monotonic() + LOOP_LISTENER_REST_S);
	return -1;
}

/* ---- workers ---- */

static void *worker_main(void *arg)
{
	struct lane *lane = arg;
	struct loop *loop = lane->loop;

	if (lane->thread_init)
		lane->thread_init();
	for (;;) {
		struct loop_job *job;
		uint64_t one = 1;

		pthread_mutex_lock(&lane->lock);
		while (!lane->head && !lane->stopping)
			pthread_cond_wait(&lane->work, &lane->lock);
		job = lane->head;
		if (!job) {
			pthread_mutex_unlock(&lane->lock);
			return NULL;
		}
		lane->head = job->next;
		if (!lane->head)
			lane->tail = NULL;
		pthread_mutex_unlock(&lane->lock);

		job->run(job);

		pthread_mutex_lock(&loop->finished_lock);
		job->next = loop->finished;
		loop->finished = job;
		pthread_mutex_unlock(&loop->finished_lock);
		if (write(loop->wake_fd, &one, sizeof(one)) < 0 && errno != EAGAIN)
			log_error("waking the event loop: %s", strerror(errno));
	}
}

void loop_submit(struct loop *loop, struct loop_job *job)
{
	struct lane *lane = &loop->lanes[job->lane];

	job->next = NULL;
	loop->pending++;
	loop->lane_pending[job->lane]++;
	pthread_mutex_lock(&lane->lock);
	if (lane->tail)
		lane->tail->next = job;
	else
		lane->head = job;
	lane->tail = job;
	pthread_cond_signal(&lane->work);
	pthread_mutex_unlock(&lane->lock);
}

size_t loop_jobs_pending(const struct loop *loop)
{
	return loop->pending;
}

/* Runs `done` of every finished job, in the order they finished. */
static void finish_jobs(void *arg, short revents)
{
	struct loop *loop = arg;
	struct loop_job *list, *reversed = NULL;
	uint64_t count;

	(void)revents;
	if (read(loop->wake_fd, &count, sizeof(count)) < 0 && errno != EAGAIN)
		log_error("reading the event loop's eventfd: %s", strerror(errno));
	pthread_mutex_lock(&loop->finished_lock);
	list = loop->finished;
	loop->finished = NULL;
	pthread_mutex_unlock(&loop->finished_lock);
	while (list) {
		struct loop_job *next = list->next;

		list->next = reversed;
		reversed = list;
		list = next;
	}
	while (reversed) {
		struct loop_job *job = reversed;

		reversed = job->next;
		loop->pending--;
		loop->lane_pending[job->lane]--;
		if (job->done)
			job->done(job);
	}
}

struct loop *loop_new(const unsigned threads[LANE_MAX], void (*thread_init)(void))
{
	struct loop *loop = calloc(1, sizeof(*loop));

	if (!loop)
		return NULL;
	loop->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	pthread_mutex_init(&loop->finished_lock, NULL);
	if (loop->wake_fd < 0 || loop_watch(loop, loop->wake_fd, POLLIN, finish_jobs, loop))
		goto fail;
	for (int l = 0; l < LANE_MAX; l++) {
		struct lane *lane = &loop->lanes[l];

		lane->loop = loop;
		lane->thread_init = thread_init;
		pthread_mutex_init(&lane->lock, NULL);
		pthread_cond_init(&lane->work, NULL);
		lane->threads = calloc(threads[l] ? threads[l] : 1, sizeof(*lane->threads));
		if (!lane->threads)
			goto fail;
		for (unsigned i = 0; i < (threads[l] ? threads[l] : 1); i++) {
			if (pthread_create(&lane->threads[i], NULL, worker_main, lane))
				goto fail;
			lane->thread_count++;
		}
	}
	return loop;
fail:
	loop_free(loop);
	return NULL;
}

void loop_drain(struct loop *loop)
{
	while (loop->pending) {
		struct pollfd pfd = { .fd = loop->wake_fd, .events = POLLIN };

		if (poll(&pfd, 1, -1) > 0)
			finish_jobs(loop, POLLIN);
	}
}

void loop_free(struct loop *loop)
{
	if (!loop)
		return;
	if (loop->pending)
		cancel_request();
	loop_drain(loop);               /* every job's done runs, so nothing leaks */
	for (int l = 0; l < LANE_MAX; l++) {
		struct lane *lane = &loop->lanes[l];

		if (!lane->loop)
			continue;
		pthread_mutex_lock(&lane->lock);
		lane->stopping = true;
		pthread_cond_broadcast(&lane->work);
		pthread_mutex_unlock(&lane->lock);
		for (unsigned i = 0; i < lane->thread_count; i++)
			pthread_join(lane->threads[i], NULL);
		free(lane->threads);
		pthread_mutex_destroy(&lane->lock);
		pthread_cond_destroy(&lane->work);
	}
	if (loop->wake_fd >= 0)
		close(loop->wake_fd);
	pthread_mutex_destroy(&loop->finished_lock);
	free(loop->watches);
	free(loop->polled);
	free(loop->heap);
	free(loop);
}

/* ---- the loop ---- */

static void dispatch(struct loop *loop)
{
	for (size_t i = 0; i < loop->polled_count && !loop->stopped; i++) {
		struct pollfd *p = &loop->polled[i];

		if (!p->revents)
			continue;
		/* A callback may have unwatched this fd or others: find it again. */
		for (size_t w = 0; w < loop->watch_count; w++) {
			if (loop->watches[w].fd == p->fd) {
				loop->watches[w].fn(loop->watches[w].arg, p->revents);
				break;
			}
		}
	}
}

static bool lanes_busy(const struct loop *loop, unsigned lanes)
{
	for (int l = 0; l < LANE_MAX; l++)
		if (lanes & LOOP_LANE(l) && loop->lane_pending[l])
			return true;
	return false;
}

/* Runs until loop_stop(), or (with `until_idle`) until no job of
 * `lanes` is pending. A stop that ends an `until_idle` run early stays
 * asked for the loop_run after it. */
static int run(struct loop *loop, bool until_idle, unsigned lanes)
{
	while (!loop->stopped && (!until_idle || lanes_busy(loop, lanes))) {
		double turn_start;
		int ready;

		fire_due_timers(loop);
		if (loop->stopped)
			break;
		if (loop->polled_capacity < loop->watch_count) {
			struct pollfd *bigger = realloc(loop->polled, loop->watch_count * sizeof(*bigger));

			if (!bigger) {
				log_error("out of memory for the event loop's %zu descriptors", loop->watch_count);
				return -1;
			}
			loop->polled = bigger;
			loop->polled_capacity = loop->watch_count;
		}
		for (size_t i = 0; i < loop->watch_count; i++)
			loop->polled[i] = (struct pollfd){ .fd = loop->watches[i].fd,
							   .events = loop->watches[i].events };
		ready = poll(loop->polled, loop->watch_count, poll_timeout_ms(loop));
		turn_start = clock_monotonic();
		if (ready < 0 && errno != EINTR) {
			log_error("poll: %s", strerror(errno));
			return -1;
		}
		if (ready > 0) {
			loop->polled_count = loop->watch_count;
			dispatch(loop);
			loop->polled_count = 0;
		}
		fire_due_timers(loop);
		if (clock_monotonic() - turn_start > loop->longest_turn)
			loop->longest_turn = clock_monotonic() - turn_start;
	}
	if (until_idle)
		return loop->stopped && lanes_busy(loop, lanes);
	loop->stopped = false;
	return 0;
}

int loop_run(struct loop *loop)
{
	return run(loop, false, 0);
}

int loop_run_until_idle(struct loop *loop, unsigned lanes)
{
	return run(loop, true, lanes);
}

void loop_stop(struct loop *loop)
{
	loop->stopped = true;
}

double loop_take_longest_turn(struct loop *loop)
{
	double longest = loop->longest_turn;

	loop->longest_turn = 0;
	return longest;
}
