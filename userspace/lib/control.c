// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include "bird_include.h"
#include "control.h"
#include "log.h"
#include "prefix.h"
#include "private_dir.h"

/* Why a daemon may say nothing: its control socket is bound early in the
 * start and served from the first transfers on (minutes for thousands
 * from a distant primary), but not while the zones are read before them,
 * nor loaded and the program attached after them. */
#define SILENT_WHY "(stopped, stuck, or loading its zones at the start?)"


static int socket_address(const char *path, struct sockaddr_un *addr, char *err, size_t errlen)
{
	memset(addr, 0, sizeof(*addr));
	addr->sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(addr->sun_path)) {
		snprintf(err, errlen, "%s: path too long", path);
		return -1;
	}
	strcpy(addr->sun_path, path);
	return 0;
}

/* A drain's prepend, 0 to BIRD_PREPEND_MAX in digits alone; -1 for
 * anything else (%d read "3x" as 3 and wrapped 4294967299 round to 3). */
_Static_assert(BIRD_PREPEND_MAX < 100, "prepend_parse reads two digits at most");
static int prepend_parse(const char *text)
{
	size_t digits = strspn(text, "0123456789");

	return digits && digits <= 2 && !text[digits] && atoi(text) <= BIRD_PREPEND_MAX ? atoi(text) : -1;
}

int control_parse(const char *line, struct control_command *out, char *err, size_t errlen)
{
	static const char *const verbs[] = { [CONTROL_STATUS] = "status", [CONTROL_RELOAD] = "reload",
					     [CONTROL_DRAIN] = "drain", [CONTROL_UNDRAIN] = "undrain",
					     [CONTROL_WITHDRAW] = "withdraw" };
	char verb[16] = "", prefix[64] = "", prepend_text[16] = "", extra[2] = "";
	int n = sscanf(line, "%15s %63s %15s %1s", verb, prefix, prepend_text, extra);
	int prepend = n == 3 ? prepend_parse(prepend_text) : -1;
	struct xdpcast_lpm_key key;
	int v;

	memset(out, 0, sizeof(*out));
	for (v = 0; v < (int)(sizeof(verbs) / sizeof(verbs[0])); v++)
		if (!strcmp(verb, verbs[v]))
			break;
	if (v == (int)(sizeof(verbs) / sizeof(verbs[0]))) {
		snprintf(err, errlen, "unknown command: status, reload, drain, undrain or withdraw");
		return -1;
	}
	out->verb = v;
	out->prepend = -1;
	if (v == CONTROL_STATUS || v == CONTROL_RELOAD) {
		if (n == 1)
			return 0;
		snprintf(err, errlen, "%s takes no argument", verb);
		return -1;
	}
	if (n < 2 || n > (v == CONTROL_DRAIN ? 3 : 2) || (n == 3 && prepend < 0)) {
		snprintf(err, errlen, "expected: drain PREFIX|all [PREPEND " BIRD_PREPEND_RANGE "], undrain PREFIX|all, withdraw PREFIX|all");
		return -1;
	}
	out->prepend = prepend;
	if (!strcmp(prefix, "all"))
		return 0;
	if (prefix_parse(prefix, &key, err, errlen))
		return -1;
	prefix_format(&key, out->prefix, sizeof(out->prefix));
	return 0;
}

int control_path_check(const char *path, char *err, size_t errlen)
{
	struct sockaddr_un addr;
	char why[512];

	if (socket_address(path, &addr, err, errlen))
		return -1;
	/* Else another user could listen there first, or in our place. */
	if (private_parent_check(path, why, sizeof(why))) {
		snprintf(err, errlen, "%s: %s", path, why);
		return -1;
	}
	return 0;
}

int control_listen(const char *path, char *err, size_t errlen)
{
	struct sockaddr_un addr;
	mode_t old_mask;
	struct stat st;
	int fd;

	if (control_path_check(path, err, errlen) || socket_address(path, &addr, err, errlen))
		return -1;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0) {
		snprintf(err, errlen, "%s: socket: %s", path, strerror(errno));
		return -1;
	}
	/* Someone answering there is a running xdpcastd: never take its socket.
	 * A socket file nobody listens on is a crashed one's: replaced. */
	if (connect(fd, (struct sockaddr *)&addr, sizeof(addr)) == 0 || errno == EAGAIN) {
		snprintf(err, errlen, "%s: another xdpcastd listens there", path);
		close(fd);
		return -1;
	}
	close(fd);
	/* Only a socket is ours to replace: a control_socket mistyped as the
	 * config file's path must not cost the operator that file. */
	if (!lstat(path, &st) && !S_ISSOCK(st.st_mode)) {
		snprintf(err, errlen, "%s: exists and is not a socket (not removed: is the path right?)",
			 path);
		return -1;
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0) {
		snprintf(err, errlen, "%s: socket: %s", path, strerror(errno));
		return -1;
	}
	unlink(path);
	old_mask = umask(0077);         /* root only: it can reload and reports state */
	if (bind(fd, (struct sockaddr *)&addr, sizeof(addr)) || listen(fd, CONTROL_BACKLOG)) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		umask(old_mask);
		close(fd);
		return -1;
	}
	umask(old_mask);
	return fd;
}

void control_close(int listen_fd, const char *path)
{
	if (listen_fd < 0)
		return;
	close(listen_fd);
	unlink(path);
}

const char *control_unreachable_hint(int errnum)
{
	return errnum == EACCES || errnum == EPERM ? " (xdpcastctl needs root)" :
	       errnum == ENOENT || errnum == ECONNREFUSED ? " (is xdpcastd running?)" : "";
}

json_t *control_request(const char *path, const char *command, int timeout_s, char *err, size_t errlen)
{
	struct timeval timeout = { .tv_sec = timeout_s };
	struct sockaddr_un addr;
	struct stat st;
	json_error_t error;
	json_t *reply;
	FILE *in;
	int fd;

	if (socket_address(path, &addr, err, errlen)) {
		errno = ENAMETOOLONG;   /* as connect would say */
		return NULL;
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	/* SO_SNDTIMEO bounds a connect too: a stopped daemon's backlog fills. */
	if (fd >= 0 && (setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof(timeout)) ||
			setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout)))) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		close(fd);
		return NULL;
	}
	if (fd < 0 || connect(fd, (struct sockaddr *)&addr, sizeof(addr))) {
		int saved = errno;

		if (saved == EAGAIN)
			snprintf(err, errlen, "%s: xdpcastd took no connection in %d s %s", path, timeout_s, SILENT_WHY);
		else if (saved == ECONNREFUSED && !stat(path, &st) && !S_ISSOCK(st.st_mode))
			/* connect says "Connection refused" of a file or a directory too */
			snprintf(err, errlen, "%s: not a socket (is it xdpcastd's control socket?)", path);
		else
			snprintf(err, errlen, "%s: %s%s", path, strerror(saved), control_unreachable_hint(saved));
		if (fd >= 0)
			close(fd);
		errno = saved;
		return NULL;
	}
	/* A daemon that closed at once (busy: too many connections) made this
	 * a SIGPIPE that killed the caller without a word: what it said before
	 * closing is still there to read. */
	if ((send(fd, command, strlen(command), MSG_NOSIGNAL) < 0 || send(fd, "\n", 1, MSG_NOSIGNAL) < 0) &&
	    errno != EPIPE) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		close(fd);
		errno = 0;
		return NULL;
	}
	in = fdopen(fd, "r");
	errno = 0;
	reply = in ? json_loadf(in, JSON_DISABLE_EOF_CHECK, &error) : NULL;
	if (!reply && in && ferror(in) && errno == EAGAIN)
		snprintf(err, errlen, "%s: no answer from xdpcastd in %d s %s", path, timeout_s, SILENT_WHY);
	else if (!reply)
		snprintf(err, errlen, "%s: no answer from xdpcastd (%s)", path, in ? error.text : strerror(errno));
	if (in)
		fclose(in);
	else
		close(fd);
	errno = 0;      /* connected: a daemon is there */
	return reply;
}
