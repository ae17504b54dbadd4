// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The BIRD control socket client against a scripted peer on a Unix socket:
 * BIRD 2.0.12's real replies parse into protocols and prefixes; refusals,
 * garbage, silence and a peer that hangs up are errors that say which,
 * never a crash or a hang; the stop hook's withdraw holds only when BIRD
 * takes the emptied file.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "bgp.h"
#include "bird.h"
#include "temp_name.h"

#define GREETING "0001 BIRD 2.0.12 ready.\n"
#define SILENT   NULL

/* As BIRD 2.0.12 wrote them in the e2e namespaces. */
static const char protocols_reply[] =
	"2002-Name       Proto      Table      State  Since         Info\n"
	"1002-device1    Device     ---        up     06:04:14.669  \n"
	" xdpcast4   Static     master4    down   06:04:14.669  \n"
	" xdpcast6   Static     master6    up     06:04:14.669  \n"
	" transit4   BGP        ---        up     06:04:20.123  Established   \n"
	" transit6   BGP        ---        start  06:04:14.669  Active        Socket: Connection refused\n"
	"0000 \n";

static const char routes_reply[] =
	"0002-\n"
	"1007-Table master4:\n"
	" 192.0.2.0/24         blackhole [xdpcast4 06:04:14.669] * (200)\n"
	" 198.51.100.0/24      unicast [direct1 06:04:14.669] * (240)\n"
	"                      dev veth-s\n"
	"0000 \n";

static char path[108];
static pid_t peer;

/* A socket at `path` and a peer process (`peer`) to serve it: in the peer,
 * the listening socket; in the test, -1. */
static int peer_listen(void)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	snprintf(path, sizeof(path), "%s/xdpcast-bird-%d.ctl", temp_dir(), getpid());
	unlink(path);
	strcpy(sun.sun_path, path);
	assert_int_equal(bind(fd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	assert_int_equal(listen(fd, 1), 0);
	peer = fork();
	assert_true(peer >= 0);
	if (peer) {
		close(fd);
		return -1;
	}
	/* A failed assertion skips stop_peer: the peer must not outlive the
	 * test, holding its output open. */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	return fd;
}

/* As peer_listen; in the peer, the first connection it accepted. */
static int peer_connection(void)
{
	int listener = peer_listen(), fd;

	if (listener < 0)
		return -1;
	fd = accept(listener, NULL, NULL);
	if (fd < 0)
		_exit(1);
	return fd;
}

/* A peer that sends `greeting`, then `reply` after the first command line
 * (SILENT: nothing), then stays until killed, or hangs up at once. */
static void start_peer_then(const char *greeting, const char *reply, bool hang_up)
{
	int c = peer_connection();
	char ch;

	if (c < 0)
		return;
	if (write(c, greeting, strlen(greeting)) < 0)
		_exit(1);
	while (reply && read(c, &ch, 1) == 1 && ch != '\n')
		;
	if (reply && write(c, reply, strlen(reply)) < 0)
		_exit(1);
	if (!hang_up)
		pause();
	_exit(0);
}

static void start_peer(const char *greeting, const char *reply)
{
	start_peer_then(greeting, reply, false);
}

static void stop_peer(void)
{
	kill(peer, SIGKILL);
	waitpid(peer, NULL, 0);
	unlink(path);
}

static void test_protocols(void **state)
{
	struct bird_protocol p[BIRD_MAX_PROTOCOLS];
	struct bird b;
	size_t count;
	char err[256];

	(void)state;
	start_peer(GREETING, protocols_reply);
	assert_int_equal(bird_connect(&b, path, 1000, err, sizeof(err)), 0);
	assert_string_equal(b.version, "2.0.12");
	assert_int_equal(bird_protocols(&b, NULL, p, BIRD_MAX_PROTOCOLS, &count, err, sizeof(err)), 0);
	assert_int_equal(count, 5);
	assert_string_equal(p[1].name, "xdpcast4");
	assert_string_equal(p[1].proto, "Static");
	assert_string_equal(p[1].state, "down");
	assert_string_equal(p[2].state, "up");
	assert_string_equal(p[3].name, "transit4");
	assert_true(p[3].established);
	assert_string_equal(p[4].state, "start");
	assert_false(p[4].established);
	bird_close(&b);
	stop_peer();
}

/* An IXP PoP: more BGP sessions than there used to be room for every
 * protocol, after rows of other kinds; the ones wanted are all there. */
static void test_many_bgp_sessions(void **state)
{
	static struct bird_protocol p[BIRD_MAX_PROTOCOLS];
	static char reply[64 * 1024];
	size_t len, count;
	struct bird b;
	char err[256];

	(void)state;
	len = snprintf(reply, sizeof(reply), "2002-Name       Proto      Table      State  Since         Info\n"
		       "1002-device1    Device     ---        up     06:04:14.669  \n");
	for (int i = 0; i < 40; i++)
		len += snprintf(reply + len, sizeof(reply) - len, " static%d   Static     master4    up     "
				"06:04:14.669  \n", i);
	for (int i = 0; i < 300; i++)
		len += snprintf(reply + len, sizeof(reply) - len, " ixp%d   BGP        ---        down   "
				"06:04:14.669  \n", i);
	snprintf(reply + len, sizeof(reply) - len, " transit4   BGP        ---        up     06:04:20.123  "
		 "Established   \n0000 \n");
	start_peer(GREETING, reply);
	assert_int_equal(bird_connect(&b, path, 1000, err, sizeof(err)), 0);
	assert_int_equal(bird_protocols(&b, "BGP", p, BIRD_MAX_PROTOCOLS, &count, err, sizeof(err)), 0);
	assert_int_equal(count, 301);
	assert_string_equal(p[0].name, "ixp0");
	assert_string_equal(p[300].name, "transit4");
	assert_true(p[300].established);
	bird_close(&b);
	stop_peer();
}

struct seen {
	char prefixes[4][64];
	size_t count;
};

static void remember(const char *prefix, void *arg)
{
	struct seen *seen = arg;

	if (seen->count < 4)
		snprintf(seen->prefixes[seen->count], sizeof(seen->prefixes[0]), "%s", prefix);
	seen->count++;
}

static void test_route_prefixes(void **state)
{
	struct seen seen = { .count = 0 };
	struct bird b;
	char err[256];

	(void)state;
	start_peer(GREETING, routes_reply);
	assert_int_equal(bird_connect(&b, path, 1000, err, sizeof(err)), 0);
	assert_int_equal(bird_route_prefixes(&b, "export transit4", remember, &seen, err, sizeof(err)), 0);
	assert_int_equal(seen.count, 2);
	assert_string_equal(seen.prefixes[0], "192.0.2.0/24");
	assert_string_equal(seen.prefixes[1], "198.51.100.0/24");
	bird_close(&b);
	stop_peer();
}

static void test_refusal_is_the_code_and_text(void **state)
{
	struct bird b;
	char err[256];

	(void)state;
	start_peer(GREETING, "8003 No protocols match\n");
	assert_int_equal(bird_connect(&b, path, 1000, err, sizeof(err)), 0);
	assert_int_equal(bird_command(&b, "enable \"xdpcast*\"", NULL, NULL, err, sizeof(err)), 8003);
	assert_string_equal(err, "BIRD refused 'enable \"xdpcast*\"': No protocols match");
	bird_close(&b);
	stop_peer();
}

static void test_garbage_in_a_reply(void **state)
{
	struct bird_protocol p[BIRD_MAX_PROTOCOLS];
	struct bird b;
	size_t count;
	char err[256];

	(void)state;
	start_peer(GREETING, "1002-device1 Device --- up\nHTTP/1.1 400 Bad\r\n");
	assert_int_equal(bird_connect(&b, path, 1000, err, sizeof(err)), 0);
	assert_int_equal(bird_protocols(&b, NULL, p, BIRD_MAX_PROTOCOLS, &count, err, sizeof(err)), -1);
	assert_string_equal(err, "garbage on the BIRD socket: 'HTTP/1.1 400 Bad?'");
	bird_close(&b);
	stop_peer();
}

static void test_not_bird(void **state)
{
	struct bird b;
	char err[256];

	(void)state;
	start_peer("SSH-2.0-OpenSSH_9.2\r\n", SILENT);
	assert_int_equal(bird_connect(&b, path, 1000, err, sizeof(err)), -1);
	assert_string_equal(err, "not BIRD's greeting: 'SSH-2.0-OpenSSH_9.2?'");
	assert_int_equal(b.fd, -1);
	stop_peer();
}

/* Something listens there, so BIRD is not "away" (which lets a stop
 * exit 0 and the stop hook say "no BIRD: it reads the file when it
 * starts"), whatever errno said before the connect: its failures after
 * the connect left errno as it was, and a stale ECONNREFUSED from the
 * try before read as no BIRD at all. */
static void test_failure_after_the_connect_is_not_away(void **state)
{
	struct bgp g;
	struct bird b;
	char err[256], dir[TEMP_NAME_MAX], include[PATH_MAX];
	struct route r = { "192.0.2.0/24", ROUTE_WITHDRAWN, 0 };

	(void)state;
	start_peer("SSH-2.0-OpenSSH_9.2\r\n", SILENT);
	errno = ECONNREFUSED;
	assert_int_equal(bird_connect(&b, path, 1000, err, sizeof(err)), -1);
	assert_int_not_equal(errno, ECONNREFUSED);
	assert_int_not_equal(errno, ENOENT);
	stop_peer();

	temp_name(dir, sizeof(dir), "xdpcast-away.XXXXXX");
	assert_non_null(mkdtemp(dir));
	snprintf(include, sizeof(include), "%s/xdpcast.conf", dir);
	start_peer(GREETING, SILENT);
	stop_peer();                    /* no BIRD: away */
	bgp_init(&g, path, include, NULL);
	bgp_sync(&g, &r, 1, "x", 0);
	assert_true(g.away);
	start_peer_then("SSH-2.0-OpenSSH_9.2\r\n", SILENT, true);
	bgp_retry_now(&g);
	bgp_sync(&g, &r, 1, "x", 100);  /* the file holds it already: nothing written before the connect */
	assert_false(g.away);
	stop_peer();
	unlink(include);
	rmdir(dir);
}

/* A socket path too long for sockaddr_un is no "BIRD is not running"
 * either: that branch left errno as it was, and a stale ENOENT made
 * `xdpcastctl withdraw -b LONG` say "no BIRD: it reads the file when it
 * starts" and exit 0 without asking any BIRD. */
static void test_path_too_long_is_not_away(void **state)
{
	char err[256], long_path[200];
	struct bird b;

	(void)state;
	memset(long_path, 'a', sizeof(long_path) - 1);
	long_path[0] = '/';
	long_path[sizeof(long_path) - 1] = '\0';
	errno = ENOENT;
	assert_int_equal(bird_connect(&b, long_path, 1000, err, sizeof(err)), -1);
	assert_int_not_equal(errno, ENOENT);
	assert_int_not_equal(errno, ECONNREFUSED);
	assert_int_equal(b.fd, -1);
}

static void test_silence_times_out(void **state)
{
	struct bird b;
	char err[256];

	(void)state;
	start_peer(GREETING, SILENT);
	assert_int_equal(bird_connect(&b, path, 200, err, sizeof(err)), 0);
	assert_int_equal(bird_command(&b, "show protocols", NULL, NULL, err, sizeof(err)), -1);
	assert_string_equal(err, "BIRD did not answer in time");
	bird_close(&b);
	stop_peer();
}

static void test_hang_up_mid_reply(void **state)
{
	struct bird b;
	char err[256];

	(void)state;
	start_peer_then(GREETING, "1002-device1 Device --- up\n", true);
	assert_int_equal(bird_connect(&b, path, 1000, err, sizeof(err)), 0);
	assert_int_equal(bird_command(&b, "show protocols", NULL, NULL, err, sizeof(err)), -1);
	assert_string_equal(err, "BIRD closed the control socket");
	bird_close(&b);
	stop_peer();
}

/* A BIRD that takes no connection (stopped, or busy) with its backlog
 * full: the connect waited for ever, and the BIRD lane, the stop and the
 * stop hook's withdrawal with it. */
static void test_connect_to_a_full_backlog_times_out(void **state)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int listener = socket(AF_UNIX, SOCK_STREAM, 0), queued = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
	struct bird b;
	char err[256];

	(void)state;
	snprintf(path, sizeof(path), "%s/xdpcast-bird-%d.ctl", temp_dir(), getpid());
	unlink(path);
	strcpy(sun.sun_path, path);
	assert_int_equal(bind(listener, (struct sockaddr *)&sun, sizeof(sun)), 0);
	assert_int_equal(listen(listener, 0), 0);
	assert_int_equal(connect(queued, (struct sockaddr *)&sun, sizeof(sun)), 0);     /* the backlog's one */
	alarm(10);      /* a connect that waits for ever ends the test */
	assert_int_equal(bird_connect(&b, path, 200, err, sizeof(err)), -1);
	alarm(0);
	assert_string_equal(err, "connect: BIRD takes no connection (its backlog is full)");
	assert_int_equal(b.fd, -1);
	close(queued);
	close(listener);
	unlink(path);
}

static void test_no_socket(void **state)
{
	struct bird b;
	char err[256];

	(void)state;
	assert_int_equal(bird_connect(&b, "/nonexistent/bird.ctl", 1000, err, sizeof(err)), -1);
	assert_string_equal(err, "connect: No such file or directory");
}

/* The reply to `show static xdpcast4` (or 6) of a BIRD that read
 * `include` at its last `configure`: the file's routes of that family. */
static size_t static_reply(const char *include, bool ipv6, char *reply, size_t size)
{
	char line[512], prefix[64];
	size_t len = 0;
	FILE *f = fopen(include, "r");

	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, " route %63s", prefix) == 1 && (strchr(prefix, ':') != NULL) == ipv6)
			len += snprintf(reply + len, size - len, "%s%s\tblackhole\n", len ? " " : "1009-", prefix);
	if (f)
		fclose(f);
	return len + snprintf(reply + len, size - len, "0000 \n");
}

/* A BIRD that answers what a sync asks, each command line written to
 * `log`: `configure` (reading `include`, or without the static protocols
 * of one that does not include it), `show protocols` (transit4
 * established), `show static`, and `show route export 'transit4' where
 * net = A || net = B ...` with a row for each of A, B ... (it exports them
 * all). Like BIRD 2.0.12, it hangs up on a command line of 1 KiB or more. */
static void start_sync_peer(const char *log, const char *include, bool includes_it)
{
	static const char export[] = "show route export 'transit4' where";
	char line[4096], reply[64 * 1024], running[PATH_MAX];
	int c = peer_connection();
	FILE *in, *out;

	if (c < 0)
		return;
	snprintf(running, sizeof(running), "%s.running", log);
	out = fopen(log, "w");
	in = fdopen(c, "r");
	if (!out || !in || write(c, GREETING, strlen(GREETING)) < 0)
		_exit(1);
	while (fgets(line, sizeof(line), in)) {
		size_t len = 0;

		fputs(line, out);
		fflush(out);
		if (strlen(line) >= 1024)
			_exit(0);
		line[strcspn(line, "\n")] = '\0';
		if (!strcmp(line, "configure")) {
			/* What the file says now is what it runs until the next
			 * configure; none while `log`.refuse exists (a config error). */
			snprintf(reply, sizeof(reply), "%s.refuse", log);
			if (!access(reply, F_OK)) {
				len = snprintf(reply, sizeof(reply), "0002-Reading configuration\n"
					       "8002 /etc/bird/bird.conf:3:1 syntax error\n");
			} else {
				snprintf(reply, sizeof(reply), "cp %s %s", include, running);
				if (includes_it && system(reply))
					_exit(1);
				len = snprintf(reply, sizeof(reply), "0002-Reading configuration\n0003 Reconfigured\n");
			}
		} else if (!strncmp(line, "show static xdpcast", 19) && includes_it) {
			len = static_reply(running, line[19] == '6', reply, sizeof(reply));
		} else if (!strcmp(line, "show protocols")) {
			len = snprintf(reply, sizeof(reply), "%s", protocols_reply);
		} else if (!strncmp(line, export, strlen(export))) {
			len = snprintf(reply, sizeof(reply), "1007-Table master6:\n");
			for (char *net = strstr(line, " net = "); net; net = strstr(net + 1, " net = "))
				len += snprintf(reply + len, sizeof(reply) - len, " %.*s  blackhole [xdpcast6] * (200)\n",
						(int)strcspn(net + 7, " "), net + 7);
			len += snprintf(reply + len, sizeof(reply) - len, "0000 \n");
		} else {
			len = snprintf(reply, sizeof(reply), "9001 syntax error\n");
		}
		if (write(c, reply, len) < 0)
			_exit(1);
	}
	_exit(0);
}

/* Where a sync test keeps the include file and the peer's files: its
 * command log, `log`.running (what BIRD runs) and `log`.refuse. */
struct sync_files {
	char dir[TEMP_NAME_MAX], include[PATH_MAX], log[PATH_MAX], running[PATH_MAX + 16], refuse[PATH_MAX + 16];
};

static void sync_files_make(struct sync_files *f)
{
	temp_name(f->dir, sizeof(f->dir), "xdpcast-sync.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->include, sizeof(f->include), "%s/xdpcast.conf", f->dir);
	snprintf(f->log, sizeof(f->log), "%s/commands", f->dir);
	snprintf(f->running, sizeof(f->running), "%s.running", f->log);
	snprintf(f->refuse, sizeof(f->refuse), "%s.refuse", f->log);
}

static void sync_files_remove(const struct sync_files *f)
{
	unlink(f->log);
	unlink(f->running);
	unlink(f->refuse);
	unlink(f->include);
	rmdir(f->dir);
}

static void write_empty(const char *path)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fclose(f);
}

/* A sync asks each established session for the anycast prefixes alone (a
 * session may export a full table), as many a command as BIRD's command
 * line holds: the most prefixes, each of the longest spelling, take more
 * than one command, and each prefix is read back. */
static void test_sync_asks_for_the_anycast_prefixes(void **state)
{
	static struct route routes[BIRD_MAX_PREFIXES];
	struct sync_files files;
	char line[PATH_MAX + 16];
	size_t asked = 0;
	struct bgp b;
	FILE *f;

	(void)state;
	sync_files_make(&files);
	for (size_t i = 0; i < BIRD_MAX_PREFIXES; i++) {
		snprintf(routes[i].prefix, sizeof(routes[i].prefix), "ffff:ffff:ffff:ffff:ffff:ffff:ffff:%zx00/120",
			 i + 0x10);
		routes[i].state = ROUTE_ANNOUNCED;
	}
	start_sync_peer(files.log, files.include, true);
	bgp_init(&b, path, files.include, NULL);
	bgp_sync(&b, routes, BIRD_MAX_PREFIXES, "x", 0);
	assert_string_equal(b.error, "");
	assert_true(b.connected);
	assert_int_equal(b.exported_count, BIRD_MAX_PREFIXES);
	for (size_t i = 0; i < BIRD_MAX_PREFIXES; i++)
		assert_true(bgp_exported(&b, routes[i].prefix));
	bgp_close(&b);
	stop_peer();
	f = fopen(files.log, "r");
	assert_non_null(f);
	while (fgets(line, sizeof(line), f)) {
		assert_true(strlen(line) < BIRD_COMMAND_MAX);
		asked += !strncmp(line, "show route ", 11);
	}
	fclose(f);
	assert_true(asked > 1);
	sync_files_remove(&files);
}

/* A BIRD whose config does not include the file reconfigures without a
 * word and never announces: status says why (it said nothing), and BIRD
 * is not asked to configure again, now or later (each configure undoes
 * what an operator enabled or disabled in BIRD at run time). */
static void test_sync_says_bird_lacks_the_file(void **state)
{
	struct route r = { "192.0.2.0/24", ROUTE_ANNOUNCED, 0 };
	char line[4096], expected[PATH_MAX + 128];
	struct sync_files files;
	size_t configures = 0;
	struct bgp b;
	FILE *f;

	(void)state;
	sync_files_make(&files);
	start_sync_peer(files.log, files.include, false);
	bgp_init(&b, path, files.include, NULL);
	bgp_sync(&b, &r, 1, "x", 0);
	bgp_sync(&b, &r, 1, "x", 1);
	bgp_sync(&b, &r, 1, "x", 100);
	assert_true(b.connected);
	snprintf(expected, sizeof(expected), "BIRD has no static protocol xdpcast4: is %s included by BIRD's config?",
		 files.include);
	assert_string_equal(b.error, expected);
	bgp_close(&b);
	stop_peer();
	f = fopen(files.log, "r");
	assert_non_null(f);
	while (fgets(line, sizeof(line), f))
		configures += !strcmp(line, "configure\n");
	fclose(f);
	assert_int_equal(configures, 1);        /* the file's */
	sync_files_remove(&files);
}

/* BIRD running other routes than the file (a `configure undo`) whose
 * configure is then refused (its config broken meanwhile): status says
 * BIRD's refusal, not "a configure undo?", and the failure goes on. */
static void test_sync_says_a_refused_reconfigure(void **state)
{
	struct route r = { "192.0.2.0/24", ROUTE_ANNOUNCED, 0 };
	struct sync_files files;
	struct bgp b;

	(void)state;
	sync_files_make(&files);
	start_sync_peer(files.log, files.include, true);
	bgp_init(&b, path, files.include, NULL);
	bgp_sync(&b, &r, 1, "x", 0);
	assert_string_equal(b.error, "");
	write_empty(files.running);     /* undone: BIRD runs no route */
	write_empty(files.refuse);
	bgp_sync(&b, &r, 1, "x", 1);
	assert_non_null(strstr(b.error, "/etc/bird/bird.conf:3:1 syntax error"));
	bgp_close(&b);
	stop_peer();
	sync_files_remove(&files);
}

/* Lines of the peer's command log that are `command`. */
static size_t commands_logged(const struct sync_files *files, const char *command)
{
	char line[4096];
	size_t count = 0;
	FILE *f = fopen(files->log, "r");

	assert_non_null(f);
	while (fgets(line, sizeof(line), f))
		count += !strncmp(line, command, strlen(command)) && line[strlen(command)] == '\n';
	fclose(f);
	return count;
}

/* A BIRD that refuses its own config (an operator's edit half done) was
 * asked to configure at every round, an error in BIRD's log each time:
 * now after 1, 2, 4 ... seconds, the refusal said meanwhile, and a new
 * decision (a withdrawal) at once. */
static void test_sync_backs_off_a_refused_configure(void **state)
{
	struct route r = { "192.0.2.0/24", ROUTE_ANNOUNCED, 0 };
	static const double rounds[] = { 0, 0.5, 1, 1.5, 2, 2.5, 3, 3.5 };
	struct sync_files files;
	struct bgp b;

	(void)state;
	sync_files_make(&files);
	write_empty(files.refuse);
	start_sync_peer(files.log, files.include, true);
	bgp_init(&b, path, files.include, NULL);
	for (size_t i = 0; i < sizeof(rounds) / sizeof(rounds[0]); i++) {
		bgp_sync(&b, &r, 1, "x", rounds[i]);
		assert_non_null(strstr(b.error, "/etc/bird/bird.conf:3:1 syntax error"));
	}
	r.state = ROUTE_WITHDRAWN;
	bgp_sync(&b, &r, 1, "x", 4);            /* a new decision: asked at once, then after 1 s */
	unlink(files.refuse);                   /* the operator's edit done */
	bgp_sync(&b, &r, 1, "x", 4.5);
	assert_non_null(strstr(b.error, "/etc/bird/bird.conf:3:1 syntax error"));
	bgp_sync(&b, &r, 1, "x", 5);
	assert_string_equal(b.error, "");
	bgp_close(&b);
	stop_peer();
	/* At 0, 1 and 3 (after 1 and 2 s), at 4 for the withdrawal, at 5. */
	assert_int_equal(commands_logged(&files, "configure"), 5);
	sync_files_remove(&files);
}

/* The stop's sync (bgp_retry_now first) configures BIRD again for routes
 * it runs other than the file's, though a health round's sync did once
 * (refused) and the next would not: whether BIRD took the withdrawal is
 * what the stop must know. Until BIRD runs the file's routes, a sync does
 * not say it runs what is decided, connected and configured though it is. */
static void test_stop_configures_a_difference_again(void **state)
{
	struct route r = { "192.0.2.0/24", ROUTE_WITHDRAWN, 0 };
	struct sync_files files;
	struct bgp b;
	FILE *f;

	(void)state;
	sync_files_make(&files);
	start_sync_peer(files.log, files.include, true);
	bgp_init(&b, path, files.include, NULL);
	bgp_sync(&b, &r, 1, "x", 0);
	assert_true(b.runs_decided);
	f = fopen(files.running, "w");          /* undone: BIRD announces again */
	assert_non_null(f);
	fputs("route 192.0.2.0/24 blackhole;\n", f);
	fclose(f);
	write_empty(files.refuse);              /* and its config is broken since */
	bgp_sync(&b, &r, 1, "x", 1);
	bgp_sync(&b, &r, 1, "x", 2);
	assert_true(b.configured && !b.runs_decided);
	assert_int_equal(commands_logged(&files, "configure"), 2);   /* the file's, the difference's */
	bgp_retry_now(&b);
	bgp_sync(&b, &r, 1, "x", 2.1);
	assert_int_equal(commands_logged(&files, "configure"), 3);
	assert_false(b.runs_decided);
	unlink(files.refuse);
	bgp_retry_now(&b);
	bgp_sync(&b, &r, 1, "x", 2.2);
	assert_true(b.runs_decided);
	assert_string_equal(b.error, "");
	bgp_close(&b);
	stop_peer();
	sync_files_remove(&files);
}

/* A peer that greets every connection and hangs up at its first command
 * (a broken BIRD, or not BIRD), each connection a line in `log`. */
static void start_hang_up_peer(const char *log)
{
	int listener = peer_listen(), c;
	char ch;
	FILE *f;

	if (listener < 0)
		return;
	for (;;) {
		c = accept(listener, NULL, NULL);
		f = fopen(log, "a");
		if (c < 0 || !f || fputs("connection\n", f) < 0 || write(c, GREETING, strlen(GREETING)) < 0)
			_exit(1);
		fclose(f);
		while (read(c, &ch, 1) == 1 && ch != '\n')
			;
		close(c);
	}
}

/* A BIRD that takes the connection and fails every command is retried
 * after 1, 2, 4 ... s like one that is not listening, not every second
 * because each connection opened; a new decision is tried at once all the
 * same, and a sync that works ends the wait. */
static void test_sync_backs_off_a_bird_failing_every_command(void **state)
{
	struct route r = { "192.0.2.0/24", ROUTE_ANNOUNCED, 0 };
	struct sync_files files;
	struct bgp b;

	(void)state;
	sync_files_make(&files);
	start_hang_up_peer(files.log);
	bgp_init(&b, path, files.include, NULL);
	for (double now = 0; now < 8; now += 0.5) {
		bgp_sync(&b, &r, 1, "x", now);
		assert_false(b.connected);
	}
	assert_int_equal(commands_logged(&files, "connection"), 4);  /* at 0, 1, 3 and 7 */
	r.state = ROUTE_WITHDRAWN;
	bgp_sync(&b, &r, 1, "x", 8);
	bgp_sync(&b, &r, 1, "x", 9);
	assert_int_equal(commands_logged(&files, "connection"), 5);  /* at 8, the next at 8 + 16 */
	stop_peer();
	start_sync_peer(files.log, files.include, true);
	r.state = ROUTE_ANNOUNCED;
	bgp_sync(&b, &r, 1, "x", 10);
	assert_string_equal(b.error, "");
	stop_peer();
	unlink(files.log);
	start_hang_up_peer(files.log);
	bgp_sync(&b, &r, 1, "x", 11);           /* the working peer's connection fails */
	bgp_sync(&b, &r, 1, "x", 12);
	assert_int_equal(commands_logged(&files, "connection"), 1);  /* after 1 s, not 32 */
	bgp_close(&b);
	stop_peer();
	sync_files_remove(&files);
}

/* A BIRD restarted after refusing its config runs one it took: asked to
 * configure at once on the new connection, not when the refusals' backoff
 * ends (status said the old refusal meanwhile). */
static void test_sync_configures_a_restarted_bird_at_once(void **state)
{
	struct route r = { "192.0.2.0/24", ROUTE_ANNOUNCED, 0 };
	struct sync_files files;
	struct bgp b;

	(void)state;
	sync_files_make(&files);
	write_empty(files.refuse);
	start_sync_peer(files.log, files.include, true);
	bgp_init(&b, path, files.include, NULL);
	bgp_sync(&b, &r, 1, "x", 0);
	bgp_sync(&b, &r, 1, "x", 1);
	bgp_sync(&b, &r, 1, "x", 3);            /* refused at 0, 1, 3: the next at 7 */
	assert_non_null(strstr(b.error, "/etc/bird/bird.conf:3:1 syntax error"));
	stop_peer();
	unlink(files.refuse);
	start_sync_peer(files.log, files.include, true);
	bgp_sync(&b, &r, 1, "x", 3.5);          /* the old connection fails */
	assert_false(b.connected);
	bgp_sync(&b, &r, 1, "x", 4.5);
	assert_true(b.connected);
	assert_string_equal(b.error, "");
	bgp_close(&b);
	stop_peer();
	sync_files_remove(&files);
}

/* `xdpcastctl withdraw` (the stop hook) empties the include file and has
 * BIRD read it: a BIRD that refuses its config still announces, so the
 * withdraw failed; one that reads it has withdrawn. */
static void test_withdraw_now_needs_bird_to_take_it(void **state)
{
	char dir[TEMP_NAME_MAX], include[PATH_MAX], err[512], expected[700];

	(void)state;
	temp_name(dir, sizeof(dir), "xdpcast-withdraw.XXXXXX");
	assert_non_null(mkdtemp(dir));
	snprintf(include, sizeof(include), "%s/xdpcast.conf", dir);
	start_peer(GREETING, "0002-Reading configuration from /etc/bird/bird.conf\n"
		   "8002 /etc/bird/bird.conf:12:1 syntax error, unexpected '}'\n");
	assert_int_equal(bgp_withdraw_now(include, path, err, sizeof(err)), -1);
	snprintf(expected, sizeof(expected), "BIRD at %s: configure: BIRD refused 'configure': "
		 "/etc/bird/bird.conf:12:1 syntax error, unexpected '}'", path);
	assert_string_equal(err, expected);
	stop_peer();
	start_peer(GREETING, "0002-Reading configuration from /etc/bird/bird.conf\n0003 Reconfigured\n");
	assert_int_equal(bgp_withdraw_now(include, path, err, sizeof(err)), 0);
	stop_peer();
	unlink(include);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_protocols),
		cmocka_unit_test(test_many_bgp_sessions),
		cmocka_unit_test(test_route_prefixes),
		cmocka_unit_test(test_refusal_is_the_code_and_text),
		cmocka_unit_test(test_garbage_in_a_reply),
		cmocka_unit_test(test_not_bird),
		cmocka_unit_test(test_failure_after_the_connect_is_not_away),
		cmocka_unit_test(test_path_too_long_is_not_away),
		cmocka_unit_test(test_silence_times_out),
		cmocka_unit_test(test_hang_up_mid_reply),
		cmocka_unit_test(test_connect_to_a_full_backlog_times_out),
		cmocka_unit_test(test_no_socket),
		cmocka_unit_test(test_withdraw_now_needs_bird_to_take_it),
		cmocka_unit_test(test_sync_asks_for_the_anycast_prefixes),
		cmocka_unit_test(test_sync_says_bird_lacks_the_file),
		cmocka_unit_test(test_sync_says_a_refused_reconfigure),
		cmocka_unit_test(test_sync_backs_off_a_refused_configure),
		cmocka_unit_test(test_stop_configures_a_difference_again),
		cmocka_unit_test(test_sync_backs_off_a_bird_failing_every_command),
		cmocka_unit_test(test_sync_configures_a_restarted_bird_at_once),
	};

	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests_name("BIRD control socket client", tests, NULL, NULL);
}
