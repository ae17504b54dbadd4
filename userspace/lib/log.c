// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "clock.h"
#include "log.h"

static enum log_level current_level = LOG_LEVEL_INFO;
static enum log_style current_style = LOG_STYLE_PLAIN;
static FILE *output;
static const char *const level_names[] = { "error", "warning", "info", "debug" };
static const int syslog_priorities[] = { 3, 4, 6, 7 };     /* err, warning, info, debug */

enum log_style log_style_for_stderr(void)
{
	const char *stream = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;

	if (stream && sscanf(stream, "%llu:%llu", &dev, &ino) == 2 && !fstat(2, &st) && st.st_dev == dev &&
	    st.st_ino == ino)
		return LOG_STYLE_JOURNAL;
	return LOG_STYLE_TIMESTAMP;
}

void log_init(enum log_style style, enum log_level level)
{
	current_style = style;
	current_level = level;
}

void log_set_level(enum log_level level)
{
	current_level = level;
}

void log_set_output(FILE *out)
{
	output = out;
}

/* One line: the text, then `suffix` (may be empty), in the style in force,
 * written at once so that lines of threads and processes do not mix. */
static void log_line(enum log_level level, const char *text, const char *suffix)
{
	FILE *out = output ? output : stderr;
	char line[1280], stamp[64] = "";
	struct timespec now;
	struct tm tm;
	int len;

	if (current_style == LOG_STYLE_JOURNAL) {       /* the journal has the time and the name */
		len = snprintf(line, sizeof(line), "<%d>%s%s\n", syslog_priorities[level], text, suffix);
	} else {
		if (current_style == LOG_STYLE_TIMESTAMP) {
			clock_gettime(CLOCK_REALTIME, &now);
			gmtime_r(&now.tv_sec, &tm);
			len = strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &tm);
			snprintf(stamp + len, sizeof(stamp) - len, ".%03dZ ", (int)(now.tv_nsec / 1000000));
		}
		len = snprintf(line, sizeof(line), "%sxdpcastd: %s: %s%s\n", stamp, level_names[level], text, suffix);
	}
	if (len >= (int)sizeof(line)) {                 /* cut, but still one line */
		len = sizeof(line) - 1;
		line[len - 1] = '\n';
	}
	flockfile(out);
	fwrite(line, 1, len, out);
	fflush(out);
	funlockfile(out);
}

void log_msg(enum log_level level, const char *fmt, ...)
{
	char text[1024];
	va_list ap;

	if (level > current_level)
		return;
	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	log_line(level, text, "");
}

static void log_every_va(struct log_every *every, double now, const char *reason, enum log_level level,
			 const char *fmt, va_list ap)
{
	unsigned long suppressed;
	char text[1024], suffix[96] = "";
	bool same_reason = true;

	if (level > current_level)
		return;
	pthread_mutex_lock(&every->lock);
	every->events++;
	if (every->by_reason)
		same_reason = !strcmp(every->reason, reason);
	if (same_reason && now < every->next) {
		every->suppressed++;
		pthread_mutex_unlock(&every->lock);
		return;
	}
	suppressed = every->suppressed;
	every->suppressed = 0;
	every->next = now + every->interval;
	if (every->by_reason)
		snprintf(every->reason, sizeof(every->reason), "%s", reason);
	pthread_mutex_unlock(&every->lock);
	if (suppressed && same_reason)
		snprintf(suffix, sizeof(suffix), " (%lu more like this in the last %u s)", suppressed, every->interval);
	else if (suppressed)
		snprintf(suffix, sizeof(suffix), " (after %lu more like the line before)", suppressed);
	vsnprintf(text, sizeof(text), fmt, ap);
	log_line(level, text, suffix);
}

void log_msg_every(struct log_every *every, enum log_level level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_every_va(every, clock_monotonic(), "", level, fmt, ap);
	va_end(ap);
}

void log_msg_every_at(struct log_every *every, double now, enum log_level level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_every_va(every, now, "", level, fmt, ap);
	va_end(ap);
}

void log_reason(struct log_every *every, const char *reason, enum log_level level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_every_va(every, clock_monotonic(), reason, level, fmt, ap);
	va_end(ap);
}

void log_reason_at(struct log_every *every, double now, const char *reason, enum log_level level,
		   const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_every_va(every, now, reason, level, fmt, ap);
	va_end(ap);
}

unsigned long log_every_end(struct log_every *every)
{
	unsigned long events;

	pthread_mutex_lock(&every->lock);
	events = every->events;
	every->events = every->suppressed = 0;
	every->next = 0;
	every->reason[0] = '\0';
	pthread_mutex_unlock(&every->lock);
	return events;
}
