/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* One line per event on stderr, with a level. Never per packet. */
#ifndef XDPCAST_LOG_H
#define XDPCAST_LOG_H

#include <pthread.h>
#include <stdio.h>

enum log_level { LOG_LEVEL_ERROR, LOG_LEVEL_WARN, LOG_LEVEL_INFO, LOG_LEVEL_DEBUG };

void log_set_level(enum log_level level);
/* Where lines go; stderr unless a test says otherwise. */
void log_set_output(FILE *out);
void log_msg(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define log_error(...) log_msg(LOG_LEVEL_ERROR, __VA_ARGS__)
#define log_warn(...)  log_msg(LOG_LEVEL_WARN, __VA_ARGS__)
#define log_info(...)  log_msg(LOG_LEVEL_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_LEVEL_DEBUG, __VA_ARGS__)

/*
 * Events a peer (or a file it sends) can repeat at will share one of these
 * per kind: the first is logged, the others within `interval` seconds only
 * counted, and the next line after that says how many there were:
 *   "... (1234 more like this in the last 10 s)"
 * Safe from any thread.
 */
struct log_every {
	unsigned interval;              /* seconds */
	double next;                    /* monotonic time from which a line is logged again */
	unsigned long suppressed;       /* events counted, not logged, since the last line */
	pthread_mutex_t lock;
};
#define LOG_EVERY_INIT(seconds) { .interval = (seconds), .lock = PTHREAD_MUTEX_INITIALIZER }

/* As log_msg, at most one line per interval of `every`. */
void log_msg_every(struct log_every *every, enum log_level level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* The same at an explicit monotonic time `now` (tests). */
void log_msg_every_at(struct log_every *every, double now, enum log_level level, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

#define log_warn_every(every, ...) log_msg_every(every, LOG_LEVEL_WARN, __VA_ARGS__)
#define log_info_every(every, ...) log_msg_every(every, LOG_LEVEL_INFO, __VA_ARGS__)

#endif
