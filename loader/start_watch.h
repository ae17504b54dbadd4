/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * A stop asked for while xdpcastd starts. The start can take minutes (the
 * first transfer of every secondary zone from a distant primary, a large
 * zone read twice), and the signals were read only once it was over: a
 * SIGTERM then waited for the whole start, which attached the program and
 * said ready only to detach it. Meanwhile a thread takes SIGTERM, SIGINT
 * and SIGUSR1 and cancels what runs (cancel.h: transfers and zone loads end
 * at their next step); SIGHUP stays queued for the running daemon.
 */
#ifndef XDPCAST_START_WATCH_H
#define XDPCAST_START_WATCH_H

#include <pthread.h>
#include <stdbool.h>

struct start_watch {
	pthread_t thread;
	bool running;
	int signal_fd;          /* SIGTERM, SIGINT and SIGUSR1 (blocked already) */
	int over_fd;            /* eventfd: the start is over, the thread ends */
	unsigned signo;         /* the signal that ended the start; 0: none */
};

/* -1 with err if the thread cannot start. */
int start_watch_begin(struct start_watch *w, char *err, size_t errlen);

/* Ends the watch (once; later calls only answer again): the signal that
 * ended the start, 0 if none came. A signal after this waits for the
 * running daemon's signalfd. */
unsigned start_watch_end(struct start_watch *w);

#endif
