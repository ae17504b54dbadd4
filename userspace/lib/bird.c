// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <ctype.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "bird.h"

#define BIRD_MAX_REPLY_LINES 100000     /* a reply longer than this is not BIRD's */

static int fail(char *err, size_t errlen, const char *fmt, const char *what)
{
	snprintf(err, errlen, fmt, what);
	return -1;
}

/* One line without its newline, NUL-terminated in `line`; control
 * characters become '?' so that garbage quoted in a log stays one line. */
static int read_line(struct bird *b, char *line, size_t size, char *err, size_t errlen)
{
	for (;;) {
		char *nl = memchr(b->buf, '\n', b->len);
		struct pollfd pfd = { .fd = b->fd, .events = POLLIN };
		ssize_t n;

		if (nl) {
			size_t len = nl - b->buf;

			if (len >= size)
				len = size - 1;
			for (size_t i = 0; i < len; i++)
				line[i] = iscntrl((unsigned char)b->buf[i]) ? '?' : b->buf[i];
			line[len] = '\0';
			b->len -= nl + 1 - b->buf;
			memmove(b->buf, nl + 1, b->len);
			return 0;
		}
		if (b->len == sizeof(b->buf))
			return fail(err, errlen, "%s", "garbage on the BIRD socket: a line of 8 KiB");
		n = poll(&pfd, 1, b->timeout_ms);
		if (n == 0)
			return fail(err, errlen, "%s", "BIRD did not answer in time");
		if (n < 0)
			return fail(err, errlen, "poll: %s", strerror(errno));
		n = recv(b->fd, b->buf + b->len, sizeof(b->buf) - b->len, 0);
		if (n == 0)
			return fail(err, errlen, "%s", "BIRD closed the control socket");
		if (n < 0)
			return fail(err, errlen, "reading the BIRD socket: %s", strerror(errno));
		b->len += n;
	}
}

/* "NNNN-text", "NNNN text" or " text": the code (0 for a continuation),
 * whether it is the last line, and the text. */
static int parse_line(const char *line, int *code, bool *last, const char **text)
{
	if (line[0] == ' ') {
		*code = 0;
		*last = false;
		*text = line + 1;
		return 0;
	}
	for (int i = 0; i < 4; i++)
		if (!isdigit((unsigned char)line[i]))
			return -1;
	if (line[4] != '-' && line[4] != ' ')
		return -1;
	*code = (line[0] - '0') * 1000 + (line[1] - '0') * 100 + (line[2] - '0') * 10 + (line[3] - '0');
	*last = line[4] == ' ';
	*text = line + 5;
	return 0;
}

int bird_connect(struct bird *b, const char *path, int timeout_ms, char *err, size_t errlen)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct timeval send_timeout = { .tv_sec = timeout_ms / 1000, .tv_usec = timeout_ms % 1000 * 1000 };
	int fd;

	if (strlen(path) >= sizeof(sun.sun_path)) {
		memset(b, 0, sizeof(*b));
		b->fd = -1;
		/* Callers read errno: a stale ENOENT said "no BIRD listening". */
		errno = ENAMETOOLONG;
		return fail(err, errlen, "%s: path too long", path);
	}
	strcpy(sun.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	/* SO_SNDTIMEO bounds the connect and the commands' sends: a BIRD
	 * that stopped accepting fills its backlog, and a connect then waits
	 * for ever (the stop and its hook's withdrawal with it). */
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &send_timeout, sizeof(send_timeout)) ||
	    connect(fd, (struct sockaddr *)&sun, sizeof(sun))) {
		int saved = errno;     /* callers tell "BIRD is not running" by it */

		if (saved == EAGAIN)
			snprintf(err, errlen, "connect: BIRD takes no connection (its backlog is full)");
		else
			snprintf(err, errlen, "connect: %s", strerror(saved));
		if (fd >= 0)
			close(fd);
		memset(b, 0, sizeof(*b));
		b->fd = -1;
		errno = saved;
		return -1;
	}
	if (bird_attach(b, fd, timeout_ms, err, errlen)) {
		/* Something listens: not "BIRD is not running", whatever errno
		 * said before (a silence or a hang-up sets none). */
		errno = EPROTO;
		return -1;
	}
	return 0;
}

int bird_attach(struct bird *b, int fd, int timeout_ms, char *err, size_t errlen)
{
	char line[512];
	const char *text;
	int code;
	bool last;

	memset(b, 0, sizeof(*b));
	b->fd = fd;
	b->timeout_ms = timeout_ms;
	if (read_line(b, line, sizeof(line), err, errlen)) {
		bird_close(b);
		return -1;
	}
	if (parse_line(line, &code, &last, &text) || code != 1 || !last || strncmp(text, "BIRD ", 5)) {
		snprintf(err, errlen, "not BIRD's greeting: '%.60s'", line);
		bird_close(b);
		return -1;
	}
	sscanf(text + 5, "%31s", b->version);
	return 0;
}

void bird_close(struct bird *b)
{
	if (b->fd >= 0)
		close(b->fd);
	b->fd = -1;
	b->len = 0;
}

int bird_command(struct bird *b, const char *command, bird_line_fn on_line, void *arg, char *err, size_t errlen)
{
	char line[4096];
	size_t len = strlen(command);
	int current = 0;

	if (send(b->fd, command, len, MSG_NOSIGNAL) != (ssize_t)len || send(b->fd, "\n", 1, MSG_NOSIGNAL) != 1)
		return fail(err, errlen, "writing the BIRD socket: %s", strerror(errno));
	for (int lines = 0; lines < BIRD_MAX_REPLY_LINES; lines++) {
		const char *text;
		bool last;
		int code;

		if (read_line(b, line, sizeof(line), err, errlen))
			return -1;
		if (parse_line(line, &code, &last, &text)) {
			snprintf(err, errlen, "garbage on the BIRD socket: '%.60s'", line);
			return -1;
		}
		if (code)
			current = code;
		if (last) {
			if (current >= 8000)
				snprintf(err, errlen, "BIRD refused '%s': %s", command, text);
			return current;
		}
		if (on_line)
			on_line(current, text, arg);
	}
	return fail(err, errlen, "%s", "garbage on the BIRD socket: a reply without end");
}

struct protocol_list {
	const char *kind;
	struct bird_protocol *out;
	size_t max, count;
};

/* "name  proto  table  state  since  info": rows have code 1002. */
static void protocol_row(int code, const char *text, void *arg)
{
	struct protocol_list *list = arg;
	struct bird_protocol p = { 0 };

	if (code != 1002 || sscanf(text, "%63s %15s %*s %15s", p.name, p.proto, p.state) != 3 ||
	    (list->kind && strcmp(p.proto, list->kind)))
		return;
	p.established = strstr(text, "Established") != NULL;
	if (list->count < list->max)
		list->out[list->count] = p;
	list->count++;
}

int bird_protocols(struct bird *b, const char *kind, struct bird_protocol *out, size_t max, size_t *count,
		   char *err, size_t errlen)
{
	struct protocol_list list = { .kind = kind, .out = out, .max = max };
	int code = bird_command(b, "show protocols", protocol_row, &list, err, errlen);

	*count = list.count;
	return code < 0 || code >= 8000 ? -1 : 0;
}

struct prefix_scan {
	bird_prefix_fn on_prefix;
	void *arg;
};

/* Route rows (code 1007) start with the prefix; rows of more routes to the
 * same prefix and "Table master4:" lines do not. */
static void route_row(int code, const char *text, void *arg)
{
	struct prefix_scan *scan = arg;
	char first[64];

	if (code == 1007 && sscanf(text, "%63s", first) == 1 && strchr(first, '/'))
		scan->on_prefix(first, scan->arg);
}

int bird_route_prefixes(struct bird *b, const char *filter, bird_prefix_fn on_prefix, void *arg, char *err,
			size_t errlen)
{
	struct prefix_scan scan = { .on_prefix = on_prefix, .arg = arg };
	char command[BIRD_COMMAND_MAX];
	int code;

	if (snprintf(command, sizeof(command), "show route %s", filter) >= (int)sizeof(command))
		return fail(err, errlen, "%s", "a command too long for BIRD's control socket");
	code = bird_command(b, command, route_row, &scan, err, errlen);
	return code < 0 || code >= 8000 ? -1 : 0;
}
