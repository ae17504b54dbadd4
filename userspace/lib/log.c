// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <stdarg.h>
#include <stdio.h>

#include "clock.h"
#include "log.h"

static enum log_level current_level = LOG_LEVEL_INFO;
static FILE *output;
static const char *const level_names[] = { "error", "warning", "info", "debug" };

void log_set_level(enum log_level level)
{
	current_level = level;
}

void log_set_output(FILE *out)
{
	output = out;
}

/* One line: the message, then `suffix` (may be empty). */
static void log_line(enum log_level level, const char *suffix, const char *fmt, va_list ap)
{
	FILE *out = output ? output : stderr;

	flockfile(out);                 /* lines of two threads do not mix */
	fprintf(out, "xdpcastd: %s: ", level_names[level]);
	vfprintf(out, fmt, ap);
	fprintf(out, "%s\n", suffix);
	funlockfile(out);
}

void log_msg(enum log_level level, const char *fmt, ...)
{
	va_list ap;

	if (level > current_level)
		return;
	va_start(ap, fmt);
	log_line(level, "", fmt, ap);
	va_end(ap);
}

static void log_every_va(struct log_every *every, double now, enum log_level level, const char *fmt, va_list ap)
{
	unsigned long suppressed;
	char suffix[96] = "";

	if (level > current_level)
		return;
	pthread_mutex_lock(&every->lock);
	if (now < every->next) {
		every->suppressed++;
		pthread_mutex_unlock(&every->lock);
		return;
	}
	suppressed = every->suppressed;
	every->suppressed = 0;
	every->next = now + every->interval;
	pthread_mutex_unlock(&every->lock);
	if (suppressed)
		snprintf(suffix, sizeof(suffix), " (%lu more like this in the last %u s)", suppressed, every->interval);
	log_line(level, suffix, fmt, ap);
}

void log_msg_every(struct log_every *every, enum log_level level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_every_va(every, clock_monotonic(), level, fmt, ap);
	va_end(ap);
}

void log_msg_every_at(struct log_every *every, double now, enum log_level level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_every_va(every, now, level, fmt, ap);
	va_end(ap);
}
