/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * One line per event on stderr, with a level. Never per packet.
 *
 * How a line looks depends on where stderr goes (log_init): to the journal
 * (systemd's JOURNAL_STREAM names stderr) each line starts with its syslog
 * priority, "<3>" for errors, so `journalctl -p err` finds them and the
 * journal adds the time; elsewhere each line starts with the UTC time. Until
 * log_init (tests), lines are plain: "xdpcastd: warning: text".
 */
#ifndef XDPCAST_LOG_H
#define XDPCAST_LOG_H

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>

enum log_level { LOG_LEVEL_ERROR, LOG_LEVEL_WARN, LOG_LEVEL_INFO, LOG_LEVEL_DEBUG };

enum log_style {
	LOG_STYLE_PLAIN,                /* "xdpcastd: info: text" */
	LOG_STYLE_TIMESTAMP,            /* "2026-11-30T19:20:01.123Z xdpcastd: info: text" */
	LOG_STYLE_JOURNAL,              /* "<6>xdpcastd: info: text" */
};

/* The style for stderr as the environment says: the journal's when
 * JOURNAL_STREAM names stderr's device and inode, else timestamps. */
enum log_style log_style_for_stderr(void);

void log_init(enum log_style style, enum log_level level);
void log_set_level(enum log_level level);
/* Where lines go; stderr unless a test says otherwise. */
void log_set_output(FILE *out);
void log_msg(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define log_error(...) log_msg(LOG_LEVEL_ERROR, __VA_ARGS__)
#define log_warn(...)  log_msg(LOG_LEVEL_WARN, __VA_ARGS__)
#define log_info(...)  log_msg(LOG_LEVEL_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_LEVEL_DEBUG, __VA_ARGS__)

/*
 * Events that repeat share one of these per kind: the first is logged, the
 * others within `interval` seconds only counted, and the next line after
 * that says how many there were:
 *   "... (1234 more like this in the last 10 s)"
 * By reason (LOG_EVERY_BY_REASON): a retry that fails again for the same
 * reason is only counted, one for a new reason is logged at once; when the
 * failures end, log_every_end gives their number for the line that says so.
 * Safe from any thread.
 */
#define LOG_REASON_MAX 256

struct log_every {
	unsigned interval;              /* seconds */
	bool by_reason;
	double next;                    /* monotonic time from which a line is logged again */
	unsigned long suppressed;       /* events counted, not logged, since the last line */
	unsigned long events;           /* since the start or log_every_end */
	char reason[LOG_REASON_MAX];    /* by_reason: of the last line */
	pthread_mutex_t lock;
};
#define LOG_EVERY_INIT(seconds) { .interval = (seconds), .lock = PTHREAD_MUTEX_INITIALIZER }
#define LOG_EVERY_BY_REASON(seconds) { .interval = (seconds), .by_reason = true, .lock = PTHREAD_MUTEX_INITIALIZER }

/* As log_msg, at most one line per interval of `every`. */
void log_msg_every(struct log_every *every, enum log_level level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* The same at an explicit monotonic time `now` (tests). */
void log_msg_every_at(struct log_every *every, double now, enum log_level level, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* By reason: a line for `reason` unless it is the last one's, within the interval. */
void log_reason(struct log_every *every, const char *reason, enum log_level level, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
void log_reason_at(struct log_every *every, double now, const char *reason, enum log_level level,
		   const char *fmt, ...) __attribute__((format(printf, 5, 6)));
/* The events since the last call: the condition they reported has ended. */
unsigned long log_every_end(struct log_every *every);

#define log_warn_every(every, ...) log_msg_every(every, LOG_LEVEL_WARN, __VA_ARGS__)
#define log_info_every(every, ...) log_msg_every(every, LOG_LEVEL_INFO, __VA_ARGS__)

#endif
