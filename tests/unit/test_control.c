// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The control socket's command lines, as the daemon reads them: every verb,
 * prefixes written back as the daemon writes them, the drain's prepends,
 * and every malformed line refused with the reason; where the socket may
 * be made, and with which mode.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <unistd.h>
#include <sys/stat.h>
#include <cmocka.h>

#include "control.h"
#include "temp_name.h"

static void test_commands(void **state)
{
	struct control_command c;
	char err[256];

	(void)state;
	assert_int_equal(control_parse("status", &c, err, sizeof(err)), 0);
	assert_int_equal(c.verb, CONTROL_STATUS);
	assert_int_equal(control_parse("reload", &c, err, sizeof(err)), 0);
	assert_int_equal(c.verb, CONTROL_RELOAD);
	assert_int_equal(control_parse("drain 192.0.2.0/24 3", &c, err, sizeof(err)), 0);
	assert_int_equal(c.verb, CONTROL_DRAIN);
	assert_string_equal(c.prefix, "192.0.2.0/24");
	assert_int_equal(c.prepend, 3);
	assert_int_equal(control_parse("drain all", &c, err, sizeof(err)), 0);
	assert_string_equal(c.prefix, "");
	assert_int_equal(c.prepend, -1);
	assert_int_equal(control_parse("withdraw 2001:DB8:53:0::/48", &c, err, sizeof(err)), 0);
	assert_int_equal(c.verb, CONTROL_WITHDRAW);
	assert_string_equal(c.prefix, "2001:db8:53::/48");
	assert_int_equal(control_parse("undrain all", &c, err, sizeof(err)), 0);
	assert_int_equal(c.verb, CONTROL_UNDRAIN);
}

static void test_refused(void **state)
{
	static const struct { const char *line, *error; } cases[] = {
		{ "", "unknown command: status, reload, drain, undrain or withdraw" },
		{ "shutdown", "unknown command: status, reload, drain, undrain or withdraw" },
		{ "status now", "status takes no argument" },
		{ "drain", "expected: drain PREFIX|all [PREPEND 0..10], undrain PREFIX|all, withdraw PREFIX|all" },
		{ "drain all 11", "expected: drain PREFIX|all [PREPEND 0..10], undrain PREFIX|all, withdraw PREFIX|all" },
		{ "drain all -1", "expected: drain PREFIX|all [PREPEND 0..10], undrain PREFIX|all, withdraw PREFIX|all" },
		{ "undrain all 3", "expected: drain PREFIX|all [PREPEND 0..10], undrain PREFIX|all, withdraw PREFIX|all" },
		{ "drain all 3 x", "expected: drain PREFIX|all [PREPEND 0..10], undrain PREFIX|all, withdraw PREFIX|all" },
		{ "withdraw 192.0.2.1/24", "prefix '192.0.2.1/24': host bits are set after /24" },
		/* A prepend that is not a number was left out (a drain at the default),
		 * one past int wrapped round (4294967299 was 3). */
		{ "drain all x", "expected: drain PREFIX|all [PREPEND 0..10], undrain PREFIX|all, withdraw PREFIX|all" },
		{ "drain all 4294967299", "expected: drain PREFIX|all [PREPEND 0..10], undrain PREFIX|all, withdraw PREFIX|all" },
		{ "drain all 3x", "expected: drain PREFIX|all [PREPEND 0..10], undrain PREFIX|all, withdraw PREFIX|all" },
	};
	struct control_command c;
	char err[256];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(control_parse(cases[i].line, &c, err, sizeof(err)), -1);
		assert_string_equal(err, cases[i].error);
	}
}

/* Only root may connect (mode 0700: connecting takes write permission),
 * and the socket is made only in a directory no other user may write: in
 * one they could listen there first (the daemon took their socket for a
 * running xdpcastd's and refused to start) or, once ours was made, replace
 * it and answer root's xdpcastctl in the daemon's place. */
static void test_listen_where_only_root_writes(void **state)
{
	char dir[TEMP_NAME_MAX], path[TEMP_NAME_MAX + 16], err[512], expected[600];
	struct stat st;
	int fd;

	(void)state;
	temp_name(dir, sizeof(dir), "xdpcast-control.XXXXXX");
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/xdpcastd.sock", dir);
	fd = control_listen(path, err, sizeof(err));
	assert_true(fd >= 0);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0700);
	control_close(fd, path);

	assert_int_equal(chmod(dir, 01777), 0);     /* as /tmp */
	assert_int_equal(control_listen(path, err, sizeof(err)), -1);
	snprintf(expected, sizeof(expected), "%s: %s is writable by other users (mode 1777): they "
		 "can replace what is in it", path, dir);
	assert_string_equal(err, expected);

	assert_int_equal(chmod(dir, 0755), 0);
	assert_int_equal(chown(dir, 65534, 65534), 0);
	assert_int_equal(control_listen(path, err, sizeof(err)), -1);
	snprintf(expected, sizeof(expected), "%s: %s is owned by uid 65534, not by root: that user "
		 "can replace what is in it", path, dir);
	assert_string_equal(err, expected);
	assert_int_equal(access(path, F_OK), -1);
	rmdir(dir);
}

/* A socket nobody listens on is a crashed daemon's: replaced. Anything
 * else at the path is not ours: refused by name and left as it was (a
 * control_socket mistyped as the config file's path deleted that file). */
static void test_listen_replaces_only_a_socket(void **state)
{
	char dir[TEMP_NAME_MAX], path[TEMP_NAME_MAX + 16], err[512], expected[600], text[16] = "";
	int fd, crashed;
	FILE *f;

	(void)state;
	temp_name(dir, sizeof(dir), "xdpcast-control.XXXXXX");
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/xdpcastd.sock", dir);
	crashed = control_listen(path, err, sizeof(err));
	assert_true(crashed >= 0);
	close(crashed);         /* the socket file stays, as after a kill -9 */
	fd = control_listen(path, err, sizeof(err));
	assert_true(fd >= 0);
	control_close(fd, path);

	snprintf(expected, sizeof(expected), "%s: exists and is not a socket (not removed: is the "
		 "path right?)", path);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("pop: ams1\n", f);
	fclose(f);
	assert_int_equal(control_listen(path, err, sizeof(err)), -1);
	assert_string_equal(err, expected);
	f = fopen(path, "r");
	assert_non_null(f);
	assert_non_null(fgets(text, sizeof(text), f));
	fclose(f);
	assert_string_equal(text, "pop: ams1\n");
	assert_int_equal(unlink(path), 0);

	assert_int_equal(mkdir(path, 0700), 0);
	assert_int_equal(control_listen(path, err, sizeof(err)), -1);
	assert_string_equal(err, expected);
	assert_int_equal(rmdir(path), 0);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_commands),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_listen_where_only_root_writes),
		cmocka_unit_test(test_listen_replaces_only_a_socket),
	};

	return cmocka_run_group_tests_name("control socket commands", tests, NULL, NULL);
}
