// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Health check hysteresis (down until `rise` passes in a row, up until
 * `fall` failures in a row) and operators' commands: exit status, timeout,
 * each failure saying why.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <pwd.h>
#include <grp.h>
#include <linux/capability.h>

#include "cancel.h"
#include "caps.h"
#include "clock.h"
#include "health.h"
#include "temp_name.h"

static const struct run_as as_daemon = { .name = NULL };   /* health.user unset */

static void test_rise_and_fall(void **state)
{
	struct health h;

	(void)state;
	health_init(&h, 3, 2);
	health_add(&h, "fast_path", CHECK_WITHDRAW, ~0ULL);
	health_add(&h, "backend", CHECK_WITHDRAW, ~0ULL);
	assert_int_equal(h.count, 2);
	assert_false(health_all_up(&h));
	for (int i = 0; i < 2; i++) {
		health_record(&h, 0, true, "");
		health_record(&h, 1, true, "");
	}
	assert_false(h.checks[0].up);           /* two passes: not yet */
	health_record(&h, 0, true, "");
	health_record(&h, 1, true, "");
	assert_true(health_all_up(&h));
	health_record(&h, 1, false, "backend 192.0.2.53@53: no answer in time");
	assert_true(health_all_up(&h));         /* one failure: still up */
	assert_string_equal(h.checks[1].detail, "backend 192.0.2.53@53: no answer in time");
	health_record(&h, 1, true, "");
	health_record(&h, 1, false, "x");       /* not in a row: the count restarts */
	assert_true(h.checks[1].up);
	health_record(&h, 1, false, "y");
	assert_false(h.checks[1].up);
	assert_false(health_all_up(&h));
	assert_true(h.checks[0].up);
}

/* A daemon taking over from one that handed over healthy starts with every
 * check up, announcing at once, and a check then falls after `fall`
 * failures in a row like any up check; one that fell rises after `rise`
 * passes, as if it had risen itself. */
static void test_assumed_up(void **state)
{
	struct health h;

	(void)state;
	health_init(&h, 3, 2);
	health_add(&h, "fast_path", CHECK_WITHDRAW, ~0ULL);
	health_add(&h, "backend", CHECK_WITHDRAW, ~0ULL);
	health_assume_up(&h);
	assert_true(health_all_up(&h));
	assert_string_equal(h.checks[1].detail, "");
	health_record(&h, 1, false, "x");
	assert_true(health_all_up(&h));
	health_record(&h, 1, false, "y");
	assert_false(h.checks[1].up);
	for (int i = 0; i < 2; i++)
		health_record(&h, 1, true, "");
	assert_false(h.checks[1].up);
	health_record(&h, 1, true, "");
	assert_true(health_all_up(&h));
}

static void test_command_exit_status(void **state)
{
	struct command_check ok = { "web", "true", 1000 }, bad = { "web", "exit 3", 1000 };
	struct command_check missing = { "web", "no-such-check-xdpcast --flag", 1000 };
	struct command_check not_executable = { "web", "/dev/null", 1000 };
	char detail[256];

	(void)state;
	assert_int_equal(health_command(&ok, &as_daemon, detail, sizeof(detail)), 0);
	assert_int_equal(health_command(&bad, &as_daemon, detail, sizeof(detail)), -1);
	assert_string_equal(detail, "'exit 3' exited with status 3");
	/* the shell's own complaint goes to /dev/null: the status is all there is to say it */
	assert_int_equal(health_command(&missing, &as_daemon, detail, sizeof(detail)), -1);
	assert_string_equal(detail, "'no-such-check-xdpcast --flag' exited with status 127 (command not found)");
	assert_int_equal(health_command(&not_executable, &as_daemon, detail, sizeof(detail)), -1);
	assert_string_equal(detail, "'/dev/null' exited with status 126 (command not executable)");
}

/* A command that hangs is killed with everything it started. These tests'
 * sleeps are of odd lengths: pgrep sees every process on the machine (an
 * unrelated `sleep 30` failed this one). */
static void test_command_timeout(void **state)
{
	struct command_check slow = { "web", "sleep 7300 & sleep 7300", 200 };
	char detail[256];
	double started = clock_monotonic();

	(void)state;
	assert_int_equal(health_command(&slow, &as_daemon, detail, sizeof(detail)), -1);
	assert_string_equal(detail, "'sleep 7300 & sleep 7300' did not finish within 200 ms");
	assert_true(clock_monotonic() - started < 10);
	assert_int_equal(system("pgrep -f '^sleep 7300$' > /dev/null"), 256);    /* none left */
}

/* What a command leaves running when it ends is killed with it: else every
 * round would leave one more. */
static void test_command_leaves_nothing_behind(void **state)
{
	struct command_check forks = { "web", "sleep 7302 & exit 0", 1000 };
	char detail[256];

	(void)state;
	assert_int_equal(health_command(&forks, &as_daemon, detail, sizeof(detail)), 0);
	assert_int_equal(system("pgrep -f -x 'sleep 7302' > /dev/null"), 256);
}

/* A command whose status someone else took (SIGCHLD ignored reaps it at
 * once) fails, saying so, and what it started is still killed: the group
 * was left running when waitid failed. */
static void test_command_reaped_elsewhere(void **state)
{
	struct command_check forks = { "web", "sleep 7304 & exit 0", 1000 };
	char detail[256];

	(void)state;
	signal(SIGCHLD, SIG_IGN);
	assert_int_equal(health_command(&forks, &as_daemon, detail, sizeof(detail)), -1);
	signal(SIGCHLD, SIG_DFL);
	assert_string_equal(detail, "'sleep 7304 & exit 0': its status is lost: No child processes");
	assert_int_equal(system("pgrep -f -x 'sleep 7304' > /dev/null"), 256);
}

/* A command runs as from a clean shell, whatever the daemon does to its own
 * process: SIGPIPE ignored (as xdpcastd does) would make a pipeline whose
 * reader quits early run on until its timeout, and no descriptor of the
 * daemon's (maps, sockets, the /dev/null the child opened) reaches it. */
static void test_command_runs_as_from_a_shell(void **state)
{
	struct command_check pipeline = { "web", "while :; do echo x; done | head -n1 > /dev/null", 2000 };
	/* exits with the number of any descriptor above 2 it holds ($f: the
	 * glob's own descriptor is closed once the list is made) */
	struct command_check descriptors = { "web", "for f in /proc/$$/fd/*; do n=${f##*/}; "
					     "[ $n -le 2 ] || [ ! -e $f ] || exit $n; done", 1000 };
	int inherited = open("/dev/null", O_RDONLY);     /* no O_CLOEXEC, as a careless library would */
	char detail[256];

	(void)state;
	signal(SIGPIPE, SIG_IGN);
	assert_true(inherited > 2);
	assert_int_equal(health_command(&descriptors, &as_daemon, detail, sizeof(detail)), 0);
	assert_int_equal(health_command(&pipeline, &as_daemon, detail, sizeof(detail)), 0);
	signal(SIGPIPE, SIG_DFL);
	close(inherited);
}

/* A backend on 127.0.0.1 that answers `queries` queries with the query
 * itself, its header's flags set as asked, and with `soa` an SOA of
 * serial 1 at the question's name; it notes the port each came from. */
struct backend_reply {
	int fd;
	uint8_t flags1, flags2;         /* ORed into header bytes 2 (QR, TC) and 3 (rcode) */
	bool soa;
	size_t refused;                 /* the query (1, 2, ...) answered REFUSED instead; 0: none */
	size_t later;                   /* the query (1, 2, ...) answered with serial 2; 0: none */
	size_t queries;
	size_t noise;                   /* instead of the answer: this many datagrams of another ID, 0.1 s apart */
	size_t noise_sent;              /* atomic: sent so far */
	size_t noise_at_return;         /* sent when health_backend returned */
	unsigned timeout_ms;            /* health_backend's; 0: 2000 */
	bool server_later;              /* what health_backend said of the failure */
	in_port_t ports[4];
};

static void *reply(void *arg)
{
	/* Owner: a pointer to the question's name; root MNAME and RNAME. */
	static const uint8_t soa[] = { 0xc0, 12, 0, KNOT_RRTYPE_SOA, 0, KNOT_CLASS_IN, 0, 0, 0, 60, 0, 22,
				       0, 0, 0, 0, 0, 1, 0, 0, 0, 60, 0, 0, 0, 60, 0, 0, 0, 60, 0, 0, 0, 60 };
	struct backend_reply *b = arg;

	for (size_t i = 0; i < b->queries; i++) {
		struct sockaddr_in from;
		socklen_t len = sizeof(from);
		uint8_t wire[512];
		ssize_t n = recvfrom(b->fd, wire, sizeof(wire) - sizeof(soa), 0, (struct sockaddr *)&from, &len);

		if (n < KNOT_WIRE_HEADER_SIZE)
			return NULL;
		b->ports[i] = from.sin_port;
		if (b->noise) {
			wire[0] ^= 0xff;        /* not the query's ID */
			for (size_t k = 0; k < b->noise; k++) {
				sendto(b->fd, wire, n, 0, (struct sockaddr *)&from, len);
				__atomic_add_fetch(&b->noise_sent, 1, __ATOMIC_SEQ_CST);
				usleep(100 * 1000);
			}
			continue;
		}
		wire[2] |= b->flags1;
		wire[3] |= i + 1 == b->refused ? KNOT_RCODE_REFUSED : b->flags2;
		if (b->soa && i + 1 != b->refused) {
			wire[7] = 1;    /* ANCOUNT */
			memcpy(wire + n, soa, sizeof(soa));
			if (i + 1 == b->later)
				wire[n + 17] = 2;       /* the serial's last byte */
			n += sizeof(soa);
		}
		sendto(b->fd, wire, n, 0, (struct sockaddr *)&from, len);
	}
	return NULL;
}

/* health_backend on `count` zones (at most 4) of serial 1 against b; how
 * many passed in *passed. */
static int check_backend(struct backend_reply *b, size_t count, size_t *passed, char *detail, size_t len)
{
	static const char *const names[] = { "example.test.", "a.test.", "b.test.", "c.test." };
	struct sockaddr_in local = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t local_len = sizeof(local);
	struct health_zone zones[4];
	struct address backend;
	char text[64], err[128];
	pthread_t thread;
	int ret;

	b->fd = socket(AF_INET, SOCK_DGRAM, 0);
	b->queries = b->refused ? b->refused : b->later ? b->later : count;    /* the check stops at a failure */
	for (size_t i = 0; i < count; i++)
		zones[i] = (struct health_zone){ knot_dname_from_str_alloc(names[i]), 1 };
	assert_int_equal(bind(b->fd, (struct sockaddr *)&local, sizeof(local)), 0);
	assert_int_equal(getsockname(b->fd, (struct sockaddr *)&local, &local_len), 0);
	snprintf(text, sizeof(text), "127.0.0.1@%u", ntohs(local.sin_port));
	assert_int_equal(address_parse(text, 53, &backend, err, sizeof(err)), 0);
	assert_int_equal(pthread_create(&thread, NULL, reply, b), 0);
	ret = health_backend(&backend, b->timeout_ms ? b->timeout_ms : 2000, zones, count, passed, &b->server_later,
			     detail, len);
	b->noise_at_return = __atomic_load_n(&b->noise_sent, __ATOMIC_SEQ_CST);
	pthread_join(thread, NULL);
	close(b->fd);
	for (size_t i = 0; i < count; i++)
		knot_dname_free((knot_dname_t *)zones[i].origin, NULL);
	return ret;
}

/* What the backend check says of an answer without the SOA. */
static void backend_detail(uint8_t flags1, uint8_t flags2, char *detail, size_t len)
{
	struct backend_reply b = { .flags1 = flags1, .flags2 = flags2 };
	size_t passed;

	assert_int_equal(check_backend(&b, 1, &passed, detail, len), -1);
	assert_int_equal(passed, 0);
}

/* A round asks every zone's SOA from one socket: a socket, connect and
 * close for each zone were half the cost of a round with thousands. */
static void test_backend_one_socket_a_round(void **state)
{
	struct backend_reply b = { .flags1 = 0x84, .soa = true };
	char detail[256] = "";
	size_t passed;

	(void)state;
	if (check_backend(&b, 4, &passed, detail, sizeof(detail)))
		fail_msg("the backend check failed: %s", detail);
	assert_int_equal(passed, 4);
	for (size_t i = 1; i < 4; i++)
		assert_int_equal(b.ports[i], b.ports[0]);
}

/* A round stops at the first zone that fails and says how many passed
 * before it: the next round starts there (announce.c), so a zone the
 * server lost fails round after round and the check goes down. */
static void test_backend_stops_at_failing_zone(void **state)
{
	struct backend_reply b = { .flags1 = 0x84, .soa = true, .refused = 3 };
	char detail[256] = "";
	size_t passed;

	(void)state;
	assert_int_equal(check_backend(&b, 4, &passed, detail, sizeof(detail)), -1);
	assert_int_equal(passed, 2);
	assert_true(strstr(detail, ": REFUSED to b.test. SOA"));
	assert_false(b.server_later);
}

/* The answer's wait has one deadline: datagrams of another ID coming every
 * 0.1 s put off a 0.3 s timeout for as long as they came (a check frozen
 * in its last state by a server that keeps sending them). */
static void test_backend_noise_does_not_put_off_the_timeout(void **state)
{
	struct backend_reply b = { .noise = 20, .timeout_ms = 300 };
	char detail[256] = "";
	size_t passed;

	(void)state;
	assert_int_equal(check_backend(&b, 1, &passed, detail, sizeof(detail)), -1);
	assert_non_null(strstr(detail, ": no answer in time"));
	if (b.noise_at_return >= b.noise)
		fail_msg("the check waited out all %zu datagrams of another ID (timeout 300 ms, one every 100 ms)",
			 b.noise);
}

/* A server behind with a later serial than ours fails the round and says
 * so apart: the daemon then transfers the zone at once (zones_catch_up),
 * a NOTIFY having been missed. */
static void test_backend_ahead_of_us(void **state)
{
	struct backend_reply b = { .flags1 = 0x84, .soa = true, .later = 2 };
	char detail[256] = "";
	size_t passed;

	(void)state;
	assert_int_equal(check_backend(&b, 4, &passed, detail, sizeof(detail)), -1);
	assert_int_equal(passed, 1);
	assert_true(b.server_later);
	assert_non_null(strstr(detail, ": a.test. serial 2, ours 1"));
}

/* Refusals, truncation and an answer that is not authoritative (a
 * resolver set as the backend) are named, not numbered or left to guess. */
static void test_backend_failures_named(void **state)
{
	char detail[256];

	(void)state;
	backend_detail(0x80, KNOT_RCODE_REFUSED, detail, sizeof(detail));
	assert_true(strstr(detail, ": REFUSED to example.test. SOA"));
	backend_detail(0x80, KNOT_RCODE_SERVFAIL, detail, sizeof(detail));
	assert_true(strstr(detail, ": SERVFAIL to example.test. SOA"));
	backend_detail(0x86, 0, detail, sizeof(detail));
	assert_true(strstr(detail, ": no SOA in the answer to example.test. SOA (truncated: TC=1)"));
	backend_detail(0x80, 0, detail, sizeof(detail));
	if (!strstr(detail, ": not authoritative for example.test. (AA=0): a resolver, not the zone's server?"))
		fail_msg("an answer without AA: %s", detail);
}

/* An authoritative answer to example.test. SOA with `serial`, in wire. */
static size_t soa_response(uint32_t serial, uint8_t *wire)
{
	static const uint8_t head[] = { 0x12, 0x34, 0x84, 0, 0, 1, 0, 1, 0, 0, 0, 0,
					7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 4, 't', 'e', 's', 't', 0,
					0, KNOT_RRTYPE_SOA, 0, KNOT_CLASS_IN,
					0xc0, 12, 0, KNOT_RRTYPE_SOA, 0, KNOT_CLASS_IN, 0, 0, 0, 60, 0, 22, 0, 0 };
	static const uint8_t timers[] = { 0, 0, 0, 60, 0, 0, 0, 60, 0, 0, 0, 60, 0, 0, 0, 60 };
	uint32_t s = htonl(serial);

	memcpy(wire, head, sizeof(head));
	memcpy(wire + sizeof(head), &s, 4);
	memcpy(wire + sizeof(head) + 4, timers, sizeof(timers));
	return sizeof(head) + 4 + sizeof(timers);
}

/* The fast path's check runs while the zones lane writes in place: the
 * program may already answer the serial the round's view has not caught
 * up with. A newer serial passes there (serial arithmetic, across the
 * wrap too); an older one, or any other at the backend, fails. */
static void test_soa_serials(void **state)
{
	knot_dname_t *origin = knot_dname_from_str_alloc("example.test.");
	struct health_zone z = { origin, 2026120203 };
	uint8_t wire[128];
	char detail[256];
	size_t len;

	(void)state;
	len = soa_response(2026120203, wire);
	assert_int_equal(health_soa_answer(wire, len, &z, "the program", true, detail, sizeof(detail)), 0);
	assert_int_equal(health_soa_answer(wire, len, &z, "backend", false, detail, sizeof(detail)), 0);
	len = soa_response(2026120204, wire);
	assert_int_equal(health_soa_answer(wire, len, &z, "the program", true, detail, sizeof(detail)), 0);
	assert_int_equal(health_soa_answer(wire, len, &z, "backend", false, detail, sizeof(detail)), SOA_LATER);
	assert_string_equal(detail, "backend: example.test. serial 2026120204, ours 2026120203");
	len = soa_response(2026120202, wire);
	assert_int_equal(health_soa_answer(wire, len, &z, "the program", true, detail, sizeof(detail)), SOA_WRONG);
	assert_string_equal(detail, "the program: example.test. serial 2026120202, ours 2026120203");
	assert_int_equal(health_soa_answer(wire, len, &z, "backend", false, detail, sizeof(detail)), SOA_WRONG);
	z.serial = 0xfffffffe;          /* 1 comes after it */
	len = soa_response(1, wire);
	assert_int_equal(health_soa_answer(wire, len, &z, "the program", true, detail, sizeof(detail)), 0);
	z.serial = 5;                   /* 2^31 + 5 is not after 5 */
	len = soa_response(0x80000005, wire);
	assert_int_equal(health_soa_answer(wire, len, &z, "the program", true, detail, sizeof(detail)), -1);
	/* A SOA of class 0 without rdata, which libknot takes (as UPDATE's
	 * prerequisites have, RFC 2136): not the zone's; its serial was read
	 * past the end. */
	len = soa_response(5, wire);
	wire[35] = 0;                   /* class 0 */
	wire[41] = 0;                   /* no rdata */
	len = 42;
	assert_int_equal(health_soa_answer(wire, len, &z, "backend", false, detail, sizeof(detail)), SOA_WRONG);
	assert_string_equal(detail, "backend: no SOA in the answer to example.test. SOA");
	knot_dname_free(origin, NULL);
}

struct command_run {
	struct command_check command;
	int ret;
	char detail[256];
};

static void *run_command(void *arg)
{
	struct command_run *r = arg;

	r->ret = health_command(&r->command, &as_daemon, r->detail, sizeof(r->detail));
	return NULL;
}

/* What a command runs with, as the command's shell sees it: uid, gid,
 * groups and its capability sets, written to dir/out (dir made writable by
 * anyone: the command may be nobody). */
static void run_identity(const struct run_as *as, char *out, size_t len)
{
	char dir[TEMP_NAME_MAX], path[TEMP_NAME_MAX + 8], run[256], detail[256];
	struct command_check identity = { "web", run, 2000 };
	FILE *f;
	size_t n;

	temp_name(dir, sizeof(dir), "xdpcast-health-XXXXXX");
	assert_non_null(mkdtemp(dir));
	assert_int_equal(chmod(dir, 0777), 0);
	snprintf(path, sizeof(path), "%s/out", dir);
	snprintf(run, sizeof(run), "{ echo uid $(id -u) gid $(id -g) groups $(id -G); "
		 "grep -E '^(Cap|NoNewPrivs)' /proc/$$/status; } > %s", path);
	assert_int_equal(health_command(&identity, as, detail, sizeof(detail)), 0);
	f = fopen(path, "r");
	assert_non_null(f);
	n = fread(out, 1, len - 1, f);
	out[n] = '\0';
	fclose(f);
	unlink(path);
	rmdir(dir);
}

/* Health commands held the forking thread's capabilities: CAP_BPF,
 * CAP_NET_ADMIN, CAP_SYS_ADMIN (every map, every program), more still as
 * root from the bounding set. As the daemon's user they are root with
 * none, and no_new_privs so exec cannot hand them back. This process
 * holds all of root's: what a daemon started from a root shell has. */
static void test_command_holds_no_capabilities(void **state)
{
	char out[512], expected[512];

	(void)state;
	run_identity(&as_daemon, out, sizeof(out));
	snprintf(expected, sizeof(expected), "uid 0 gid 0 groups %s\nCapInh:\t0000000000000000\n"
		 "CapPrm:\t0000000000000000\nCapEff:\t0000000000000000\nCapBnd:\t", "0");
	assert_memory_equal(out, expected, strlen(expected));
	assert_non_null(strstr(out, "CapAmb:\t0000000000000000\nNoNewPrivs:\t1\n"));
}

/* health.user: the user's uid, primary group and its groups, and no
 * capabilities either. */
static void test_command_runs_as_user(void **state)
{
	struct passwd *pw = getpwnam("nobody");
	struct run_as nobody = { .name = "nobody", .group_count = RUN_AS_MAX_GROUPS };
	char out[512], expected[512];

	(void)state;
	assert_non_null(pw);
	nobody.uid = pw->pw_uid;
	nobody.gid = pw->pw_gid;
	assert_true(getgrouplist("nobody", pw->pw_gid, nobody.groups, &nobody.group_count) > 0);
	run_identity(&nobody, out, sizeof(out));
	snprintf(expected, sizeof(expected), "uid %u gid %u groups %u\nCapInh:\t0000000000000000\n"
		 "CapPrm:\t0000000000000000\nCapEff:\t0000000000000000\nCapBnd:\t", pw->pw_uid, pw->pw_gid,
		 pw->pw_gid);
	assert_memory_equal(out, expected, strlen(expected));
	assert_non_null(strstr(out, "CapAmb:\t0000000000000000\nNoNewPrivs:\t1\n"));
}

/* A worker without CAP_SETGID (the daemon's, without health.user) cannot
 * switch: the command is not run, and the detail says which step failed
 * rather than a shell's status. */
static void *run_without_setid(void *arg)
{
	struct command_run *r = arg;
	struct run_as nobody = { .name = "nobody", .uid = 65534, .gid = 65534, .groups = { 65534 },
				 .group_count = 1 };

	caps_drop_to_running();
	r->ret = health_command(&r->command, &nobody, r->detail, sizeof(r->detail));
	return NULL;
}

static void test_command_user_switch_fails(void **state)
{
	struct command_run r = { .command = { "web", "true", 2000 } };
	pthread_t thread;

	(void)state;
	assert_int_equal(pthread_create(&thread, NULL, run_without_setid, &r), 0);
	pthread_join(thread, NULL);
	assert_int_equal(r.ret, -1);
	assert_string_equal(r.detail, "'true' not run as nobody: setgroups: Operation not permitted");
}

/* The daemon's stop (cancel_request, as loop_free makes it) kills a
 * command that hangs at once, not at its timeout. Runs last: the flag
 * cannot be taken back. */
static void test_command_killed_at_stop(void **state)
{
	struct command_run r = { .command = { "web", "exec sleep 7301", 60000 } };
	double started = clock_monotonic();
	pthread_t thread;

	(void)state;
	assert_int_equal(pthread_create(&thread, NULL, run_command, &r), 0);
	while (system("pgrep -f -x 'sleep 7301' > /dev/null") != 0 && clock_monotonic() - started < 10)
		usleep(10000);
	cancel_request();
	pthread_join(thread, NULL);
	assert_int_equal(r.ret, -1);
	assert_string_equal(r.detail, "'exec sleep 7301' killed: xdpcastd is stopping");
	assert_true(clock_monotonic() - started < 10);
	assert_int_equal(system("pgrep -f -x 'sleep 7301' > /dev/null"), 256);   /* none left */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rise_and_fall),
		cmocka_unit_test(test_assumed_up),
		cmocka_unit_test(test_command_exit_status),
		cmocka_unit_test(test_backend_failures_named),
		cmocka_unit_test(test_soa_serials),
		cmocka_unit_test(test_backend_one_socket_a_round),
		cmocka_unit_test(test_backend_stops_at_failing_zone),
		cmocka_unit_test(test_backend_ahead_of_us),
		cmocka_unit_test(test_backend_noise_does_not_put_off_the_timeout),
		cmocka_unit_test(test_command_timeout),
		cmocka_unit_test(test_command_leaves_nothing_behind),
		cmocka_unit_test(test_command_reaped_elsewhere),
		cmocka_unit_test(test_command_runs_as_from_a_shell),
		cmocka_unit_test(test_command_holds_no_capabilities),
		cmocka_unit_test(test_command_runs_as_user),
		cmocka_unit_test(test_command_user_switch_fails),
		cmocka_unit_test(test_command_killed_at_stop),     /* last: it cancels for good */
	};

	return cmocka_run_group_tests_name("health checks", tests, NULL, NULL);
}
