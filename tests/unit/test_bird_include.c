// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * What BIRD is asked for (contract v2): the include file's exact text for
 * withdrawn, announced and drained routes of both families, drains that
 * cannot be rendered, the atomic and durable write that follows no planted
 * symlink, each write logging the routes it changes; and the operators'
 * maintenance kept in the state file (round trip, prefixes gone from the
 * config kept in the file, files that are not ours).
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <cmocka.h>

#include "bgp.h"
#include "bird_include.h"
#include "durable_file.h"
#include "log.h"
#include "maintenance.h"
#include "temp_name.h"

/* fsync and rename as the files are written, in order: a write is durable
 * only when the file is synced before its rename and the directory after.
 * These replace libc's for the whole test binary. */
static char events[16][PATH_MAX + 16];
static size_t event_count;
static const char *failing_fsync;       /* this path's fsync fails (EIO) */
static size_t failed_fsyncs;            /* how often it did */

static void record(const char *what, const char *path)
{
	if (event_count < sizeof(events) / sizeof(events[0]))
		snprintf(events[event_count++], sizeof(events[0]), "%s %s", what, path);
}

int fsync(int fd)
{
	char link[64], path[PATH_MAX];
	ssize_t len;

	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	len = readlink(link, path, sizeof(path) - 1);
	path[len < 0 ? 0 : len] = '\0';
	record("fsync", path);
	if (failing_fsync && !strcmp(path, failing_fsync)) {
		failed_fsyncs++;
		errno = EIO;
		return -1;
	}
	return syscall(SYS_fsync, fd);
}

int rename(const char *from, const char *to)
{
	record("rename-to", to);
	(void)from;
	return syscall(SYS_rename, from, to);
}

/* The events of one write to dir/name: the file (its temporary name) synced,
 * renamed, then the directory synced (fsync names them by resolved path). */
static void assert_durable(const char *dir, const char *name)
{
	char resolved[PATH_MAX], expected[PATH_MAX + 300];

	assert_non_null(realpath(dir, resolved));
	snprintf(expected, sizeof(expected), "fsync %s/%s.", resolved, name);
	assert_int_equal(event_count, 3);
	assert_memory_equal(events[0], expected, strlen(expected));
	snprintf(expected, sizeof(expected), "rename-to %s/%s", dir, name);
	assert_string_equal(events[1], expected);
	snprintf(expected, sizeof(expected), "fsync %s", resolved);
	assert_string_equal(events[2], expected);
}

/* A symlink planted where the old fixed temporary name was must not be
 * followed: the target keeps its content, path becomes a regular file. */
static void plant_symlink(const char *dir, const char *name, char *target, size_t size)
{
	char link[300];
	FILE *f;

	snprintf(target, size, "%s/precious", dir);
	f = fopen(target, "w");
	assert_non_null(f);
	fputs("precious\n", f);
	fclose(f);
	snprintf(link, sizeof(link), "%s/%s.tmp", dir, name);
	assert_int_equal(symlink(target, link), 0);
}

static void assert_not_followed(const char *dir, const char *name, const char *target)
{
	char path[300], buf[32] = "";
	struct stat st;
	FILE *f = fopen(target, "r");

	assert_non_null(f);
	assert_non_null(fgets(buf, sizeof(buf), f));
	fclose(f);
	assert_string_equal(buf, "precious\n");
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	assert_int_equal(lstat(path, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	unlink(target);
	snprintf(path, sizeof(path), "%s/%s.tmp", dir, name);
	unlink(path);
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	unlink(path);
}

static const char header_withdrawn[] =
	"# Written by xdpcastd of PoP ams1: withdrawn. Do not edit: it is rewritten whenever the\n"
	"# announcement changes, and `xdpcastctl withdraw` empties it.\n";

static void test_withdrawn_has_both_protocols_and_no_route(void **state)
{
	struct route routes[] = { { "192.0.2.0/24", ROUTE_WITHDRAWN, 0 }, { "2001:db8:53::/48", ROUTE_WITHDRAWN, 0 } };
	char text[BIRD_INCLUDE_MAX], expected[1024];

	(void)state;
	assert_true(bird_include_render(routes, 2, NULL, "ams1", text, sizeof(text)) > 0);
	snprintf(expected, sizeof(expected), "%s%s", header_withdrawn,
		 "protocol static xdpcast4 {\n\tipv4;\n}\nprotocol static xdpcast6 {\n\tipv6;\n}\n");
	assert_string_equal(text, expected);
}

static void test_announced_and_drained(void **state)
{
	struct drain_style drain = { .asn = 64501, .prepend = 3, .communities = { "65535:0", "64500:666" },
				     .community_count = 2 };
	struct route routes[] = { { "192.0.2.0/24", ROUTE_ANNOUNCED, 0 }, { "198.51.100.0/24", ROUTE_WITHDRAWN, 0 },
				  { "2001:db8:53::/48", ROUTE_PREPENDED, 2 } };
	char text[BIRD_INCLUDE_MAX];

	(void)state;
	assert_true(bird_include_render(routes, 3, &drain, NULL, text, sizeof(text)) > 0);
	assert_string_equal(text,
		"# Written by xdpcastd: announcing. Do not edit: it is rewritten whenever the\n"
		"# announcement changes, and `xdpcastctl withdraw` empties it.\n"
		"protocol static xdpcast4 {\n\tipv4;\n\troute 192.0.2.0/24 blackhole;\n}\n"
		"protocol static xdpcast6 {\n\tipv6;\n"
		"\troute 2001:db8:53::/48 blackhole { bgp_path.prepend(64501); bgp_path.prepend(64501);"
		" bgp_community.add((65535, 0)); bgp_community.add((64500, 666)); };\n}\n");
}

/* A drain with nothing to make the route less attractive is refused. */
static void test_impossible_drain(void **state)
{
	struct drain_style no_asn = { .prepend = 3 };
	struct route drained = { "192.0.2.0/24", ROUTE_PREPENDED, 3 };
	char text[BIRD_INCLUDE_MAX];

	(void)state;
	assert_false(drain_possible(&no_asn, 3));
	assert_string_equal(drain_lacks(&no_asn, 3), "no bgp.asn nor bgp.drain.communities");
	assert_int_equal(bird_include_render(&drained, 1, &no_asn, NULL, text, sizeof(text)), -1);
	assert_int_equal(bird_include_render(&drained, 1, NULL, NULL, text, sizeof(text)), -1);
	/* With an AS, 0 prepends: what lacks is communities (the AS was blamed). */
	no_asn.asn = 64500;
	assert_true(drain_possible(&no_asn, 3));
	assert_null(drain_lacks(&no_asn, 3));
	assert_string_equal(drain_lacks(&no_asn, 0), "no bgp.drain.communities, and 0 prepends of bgp.asn");
	no_asn.asn = 0;
	no_asn.community_count = 1;
	snprintf(no_asn.communities[0], sizeof(no_asn.communities[0]), "65535:0");
	assert_true(drain_possible(&no_asn, 3));    /* communities alone will do */
	assert_null(drain_lacks(&no_asn, 0));
}

/* As many prefixes as a PoP may have, every one drained at the longest a
 * config allows: 16 KiB held 25 of them (the file was not written, and
 * BIRD kept announcing what it had). */
static void test_every_prefix_drained_at_its_longest(void **state)
{
	struct drain_style drain = { .asn = 4294967295u, .prepend = BIRD_PREPEND_MAX, .community_count = 8 };
	struct route routes[BIRD_MAX_PREFIXES];
	char text[BIRD_INCLUDE_MAX];
	int len;

	(void)state;
	for (size_t c = 0; c < drain.community_count; c++)
		snprintf(drain.communities[c], sizeof(drain.communities[c]), "4294967295:4294967295");
	for (size_t i = 0; i < BIRD_MAX_PREFIXES; i++) {
		routes[i] = (struct route){ .state = ROUTE_PREPENDED, .prepend = BIRD_PREPEND_MAX };
		snprintf(routes[i].prefix, sizeof(routes[i].prefix), "2001:db8:ffff:ffff:ffff:ffff:ffff:%04zx/128",
			 0xff00 + i);
	}
	len = bird_include_render(routes, BIRD_MAX_PREFIXES, &drain, "ams1", text, sizeof(text));
	assert_true(len > 16384);
	assert_int_equal(strlen(text), len);
	assert_non_null(strstr(text, "\troute 2001:db8:ffff:ffff:ffff:ffff:ffff:ff3f/128 blackhole { bgp_path.prepend(4294967295);"));
}

static void test_write_then_holds(void **state)
{
	char dir[TEMP_NAME_MAX], path[256], err[256];
	struct route r = { "192.0.2.0/24", ROUTE_ANNOUNCED, 0 };
	char text[BIRD_INCLUDE_MAX];
	FILE *f;

	(void)state;
	temp_name(dir, sizeof(dir), "xdpcast-include.XXXXXX");
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/sub/bird.conf", dir);
	assert_true(bird_include_render(&r, 1, NULL, "x", text, sizeof(text)) > 0);
	assert_false(bird_include_holds(path, text));           /* missing */
	assert_int_equal(bird_include_write(path, text, err, sizeof(err)), 0);
	assert_true(bird_include_holds(path, text));
	/* The text and a route added after it by hand: BIRD would announce that too. */
	f = fopen(path, "a");
	assert_non_null(f);
	fputs("protocol static extra { ipv4; route 203.0.113.0/24 blackhole; }\n", f);
	fclose(f);
	assert_false(bird_include_holds(path, text));
	r.state = ROUTE_WITHDRAWN;
	assert_true(bird_include_render(&r, 1, NULL, "x", text, sizeof(text)) > 0);
	assert_false(bird_include_holds(path, text));           /* changed */
	/* A FIFO in its place: not read (that waited for a writer forever,
	 * alarm(5) kills the test then), and replaced by the next write. */
	unlink(path);
	assert_int_equal(mkfifo(path, 0600), 0);
	alarm(5);
	assert_false(bird_include_holds(path, text));
	alarm(0);
	assert_int_equal(bird_include_write(path, text, err, sizeof(err)), 0);
	assert_true(bird_include_holds(path, text));
	unlink(path);
	snprintf(path, sizeof(path), "%s/sub", dir);
	rmdir(path);
	rmdir(dir);
}

static size_t occurrences(const char *text, const char *what)
{
	size_t n = 0;

	for (const char *p = text; (p = strstr(p, what)); p++)
		n++;
	return n;
}

/* The IPv4 and the IPv6 check fall one after the other: two writes, each
 * logging the prefix it changes, not every prefix again (which read like
 * a flap of the first). No BIRD listens: the file is written all the same. */
static void test_sync_logs_what_changes(void **state)
{
	char dir[TEMP_NAME_MAX], include[256], socket_path[256], *text = NULL;
	struct route routes[2] = { { "192.0.2.0/24", ROUTE_ANNOUNCED, 0 }, { "2001:db8:53::/48", ROUTE_ANNOUNCED, 0 } };
	size_t len = 0;
	FILE *log = open_memstream(&text, &len);
	struct bgp b;

	(void)state;
	assert_non_null(log);
	temp_name(dir, sizeof(dir), "xdpcast-include.XXXXXX");
	assert_non_null(mkdtemp(dir));
	snprintf(include, sizeof(include), "%s/bird.conf", dir);
	snprintf(socket_path, sizeof(socket_path), "%s/no-bird.ctl", dir);
	bgp_init(&b, socket_path, include, NULL);
	log_set_output(log);
	bgp_sync(&b, routes, 2, "e2e", 0);
	routes[0].state = ROUTE_WITHDRAWN;
	bgp_sync(&b, routes, 2, "e2e", 100);
	routes[1].state = ROUTE_WITHDRAWN;
	bgp_sync(&b, routes, 2, "e2e", 200);
	unlink(include);                        /* another rewrote it: written again, said so */
	bgp_sync(&b, routes, 2, "e2e", 300);
	log_set_output(stderr);
	fclose(log);
	assert_int_equal(occurrences(text, "announcing 192.0.2.0/24 "), 1);
	assert_int_equal(occurrences(text, "withdrawing 192.0.2.0/24 "), 1);
	assert_int_equal(occurrences(text, "announcing 2001:db8:53::/48 "), 1);
	assert_int_equal(occurrences(text, "withdrawing 2001:db8:53::/48 "), 1);
	assert_int_equal(occurrences(text, "written again"), 1);
	free(text);
	bgp_close(&b);
	unlink(include);
	rmdir(dir);
}

static void test_include_write_is_durable_and_follows_no_symlink(void **state)
{
	char dir[TEMP_NAME_MAX], path[PATH_MAX], target[PATH_MAX], err[256];

	(void)state;
	temp_name(dir, sizeof(dir), "xdpcast-include.XXXXXX");
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/bird.conf", dir);
	plant_symlink(dir, "bird.conf", target, sizeof(target));
	event_count = 0;
	assert_int_equal(bird_include_write(path, "# withdrawn\n", err, sizeof(err)), 0);
	assert_durable(dir, "bird.conf");
	assert_true(bird_include_holds(path, "# withdrawn\n"));
	assert_not_followed(dir, "bird.conf", target);
	rmdir(dir);
}

/* A temporary directory (from template) holding a tmpfs of 32 KiB, in a
 * mount namespace of the test's own: the mount ends with the test. */
static void small_tmpfs(char dir[TEMP_NAME_MAX], const char *template)
{
	temp_name(dir, TEMP_NAME_MAX, template);
	assert_non_null(mkdtemp(dir));
	assert_int_equal(unshare(CLONE_NEWNS), 0);
	assert_int_equal(mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL), 0);
	assert_int_equal(mount("tmpfs", dir, "tmpfs", 0, "size=32k,mode=0755"), 0);
}

/* /run full (a tmpfs keeps no blocks in reserve): the include's new file
 * found no room, and a withdrawal never reached BIRD, a PoP whose checks
 * failed left announced. It is written over the old file, in its room; a
 * longer text, which has none, is refused and the file left as it was. */
static void test_withdrawal_on_a_full_filesystem(void **state)
{
	char dir[TEMP_NAME_MAX], path[PATH_MAX], filler[PATH_MAX], err[512], announced[2048], page[4096] = { 0 };
	int fd;

	(void)state;
	small_tmpfs(dir, "xdpcast-include.XXXXXX");
	snprintf(path, sizeof(path), "%s/bird.conf", dir);
	memset(announced, '#', sizeof(announced) - 2);
	announced[sizeof(announced) - 2] = '\n';
	announced[sizeof(announced) - 1] = '\0';
	assert_int_equal(bird_include_write(path, announced, err, sizeof(err)), 0);
	snprintf(filler, sizeof(filler), "%s/filler", dir);
	fd = open(filler, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
	assert_true(fd >= 0);
	while (write(fd, page, sizeof(page)) > 0)
		;
	assert_int_equal(errno, ENOSPC);
	close(fd);
	assert_int_equal(bird_include_write(path, "# withdrawn\n", err, sizeof(err)), 0);
	assert_true(bird_include_holds(path, "# withdrawn\n"));
	assert_int_equal(bird_include_write(path, announced, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "No space left on device"));
	assert_true(bird_include_holds(path, "# withdrawn\n"));
	assert_int_equal(umount(dir), 0);
	rmdir(dir);
}

/* A disk remounted read-only after errors: the state file's lock could
 * not be created or opened for writing, and every start failed with the
 * PoP withdrawn. One left there is taken; none there is no writer. */
static void test_lock_on_a_read_only_filesystem(void **state)
{
	char dir[TEMP_NAME_MAX], path[PATH_MAX], err[512];
	int fd;

	(void)state;
	small_tmpfs(dir, "xdpcast-state.XXXXXX");
	snprintf(path, sizeof(path), "%s/state.json", dir);
	fd = durable_file_lock(path, err, sizeof(err));
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(mount(NULL, dir, NULL, MS_REMOUNT | MS_RDONLY, NULL), 0);
	fd = durable_file_lock(path, err, sizeof(err));
	assert_true(fd >= 0);
	assert_int_equal(durable_file_lock(path, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "another xdpcastd uses it"));
	close(fd);
	snprintf(path, sizeof(path), "%s/other.json", dir);
	assert_int_equal(durable_file_lock(path, err, sizeof(err)), DURABLE_FILE_UNLOCKED);
	assert_int_equal(umount(dir), 0);
	rmdir(dir);
}

/* The file BIRD reads (and the state file, by the same code) is refused in
 * a directory another user may write: they could replace it with routes
 * of their own once written, or take its name first. Nothing is written. */
static void test_write_refused_where_others_write(void **state)
{
	char dir[TEMP_NAME_MAX], path[PATH_MAX], err[512], expected[PATH_MAX + 200];

	(void)state;
	temp_name(dir, sizeof(dir), "xdpcast-include.XXXXXX");
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/bird.conf", dir);
	assert_int_equal(chmod(dir, 0777), 0);
	assert_int_equal(bird_include_write(path, "# withdrawn\n", err, sizeof(err)), -1);
	snprintf(expected, sizeof(expected), "BIRD include file %s: %s is writable by other users (mode 0777): they can "
		 "replace what is in it", path, dir);
	assert_string_equal(err, expected);
	assert_int_equal(chmod(dir, 0775), 0);
	assert_int_equal(chown(dir, 0, 65534), 0);      /* a group of other users */
	assert_int_equal(bird_include_write(path, "# withdrawn\n", err, sizeof(err)), -1);
	snprintf(expected, sizeof(expected), "BIRD include file %s: %s is writable by other users (mode 0775, "
		 "group-writable): they can replace what is in it", path, dir);
	assert_string_equal(err, expected);
	assert_int_equal(access(path, F_OK), -1);
	assert_int_equal(chmod(dir, 0755), 0);          /* root's alone: fine */
	assert_int_equal(bird_include_write(path, "# withdrawn\n", err, sizeof(err)), 0);
	unlink(path);
	rmdir(dir);
}

/* The state file written as the daemon writes it: its text, then the write. */
static int save_state(const char *path, const struct route *routes, const struct maintenance *m, size_t count,
		      const struct maintenance_kept *kept, size_t kept_count, char *err, size_t errlen)
{
	char *text = maintenance_text(routes, m, count, kept, kept_count);
	int ret = maintenance_write(path, text, err, errlen);

	free(text);
	return ret;
}

static void test_state_save_is_durable_and_follows_no_symlink(void **state)
{
	struct route routes[] = { { "192.0.2.0/24" } };
	struct maintenance m[1] = { { MAINT_WITHDRAW, 0 } }, back[1];
	char dir[TEMP_NAME_MAX], path[PATH_MAX], target[PATH_MAX], err[256];
	struct maintenance_kept *kept;
	size_t kept_count;

	(void)state;
	temp_name(dir, sizeof(dir), "xdpcast-state.XXXXXX");
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/state.json", dir);
	plant_symlink(dir, "state.json", target, sizeof(target));
	event_count = 0;
	assert_int_equal(save_state(path, routes, m, 1, NULL, 0, err, sizeof(err)), 0);
	assert_durable(dir, "state.json");
	assert_int_equal(maintenance_load(path, routes, 1, back, &kept, &kept_count, err, sizeof(err)), 0);
	assert_int_equal(back[0].action, MAINT_WITHDRAW);
	assert_not_followed(dir, "state.json", target);
	rmdir(dir);
}

/* A directory that cannot be synced after the rename (a disk failing):
 * the file is in place, and what the next start reads. The save said it
 * failed, so `xdpcastctl drain` reported an error and left the prefix
 * announced while the file said drained. */
static void test_state_save_in_place_when_the_directory_sync_fails(void **state)
{
	struct route routes[] = { { "192.0.2.0/24" } };
	struct maintenance m[1] = { { MAINT_DRAIN, 2 } }, back[1];
	char dir[TEMP_NAME_MAX], path[PATH_MAX], resolved[PATH_MAX], err[256] = "";
	struct maintenance_kept *kept;
	size_t kept_count;

	(void)state;
	temp_name(dir, sizeof(dir), "xdpcast-state.XXXXXX");
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/state.json", dir);
	assert_non_null(realpath(dir, resolved));       /* as the fsync above names it */
	failing_fsync = resolved;
	assert_int_equal(save_state(path, routes, m, 1, NULL, 0, err, sizeof(err)), 0);
	failing_fsync = NULL;
	assert_int_equal(failed_fsyncs, 1);
	assert_string_equal(err, "");
	assert_int_equal(maintenance_load(path, routes, 1, back, &kept, &kept_count, err, sizeof(err)), 0);
	assert_int_equal(back[0].action, MAINT_DRAIN);
	assert_int_equal(back[0].prepend, 2);
	free(kept);
	unlink(path);
	rmdir(dir);
}

static void test_maintenance_round_trip(void **state)
{
	struct route routes[] = { { "192.0.2.0/24" }, { "2001:db8:53::/48" }, { "198.51.100.0/24" } };
	/* A drain of the most prepends `xdpcastctl drain --prepend` takes: the
	 * next start must read it back, not refuse the file. */
	struct maintenance m[3] = { { MAINT_DRAIN, 10 }, { MAINT_NONE, 0 }, { MAINT_WITHDRAW, 0 } }, back[3];
	char dir[TEMP_NAME_MAX], path[PATH_MAX], err[256];
	struct maintenance_kept *kept;
	size_t kept_count;

	(void)state;
	temp_name(dir, sizeof(dir), "xdpcast-state.XXXXXX");
	assert_non_null(mkdtemp(dir));          /* not /tmp itself: anyone may write there */
	snprintf(path, sizeof(path), "%s/state.json", dir);
	assert_int_equal(save_state(path, routes, m, 3, NULL, 0, err, sizeof(err)), 0);
	/* The next configuration lost 198.51.100.0/24 (a mistake): its withdraw
	 * does not apply, but is kept... */
	assert_int_equal(maintenance_load(path, routes, 2, back, &kept, &kept_count, err, sizeof(err)), 0);
	assert_int_equal(back[0].action, MAINT_DRAIN);
	assert_int_equal(back[0].prepend, 10);
	assert_int_equal(back[1].action, MAINT_NONE);
	assert_int_equal(kept_count, 1);
	assert_string_equal(kept[0].prefix, "198.51.100.0/24");
	assert_int_equal(kept[0].m.action, MAINT_WITHDRAW);
	/* ...through an unrelated save, so the config set right finds it again. */
	back[0].action = MAINT_NONE;
	assert_int_equal(save_state(path, routes, back, 2, kept, kept_count, err, sizeof(err)), 0);
	free(kept);
	assert_int_equal(maintenance_load(path, routes, 3, back, &kept, &kept_count, err, sizeof(err)), 0);
	assert_int_equal(kept_count, 0);
	assert_int_equal(back[0].action, MAINT_NONE);
	assert_int_equal(back[2].action, MAINT_WITHDRAW);
	unlink(path);
	assert_int_equal(maintenance_load(path, routes, 3, back, &kept, &kept_count, err, sizeof(err)), 0);
	assert_int_equal(back[2].action, MAINT_NONE);   /* no file: none */
	assert_int_equal(kept_count, 0);
	rmdir(dir);
}

static void test_maintenance_file_not_ours(void **state)
{
	static const struct { const char *text, *error; } cases[] = {
		{ "not json", ":1: '[' or '{' expected near 'not' (remove it to forget every drain)" },
		{ "{\"other\": 1}", ": no \"maintenance\" object (remove it to forget every drain)" },
		{ "{\"maintenance\": {\"192.0.2.0/24\": {\"action\": \"explode\"}}}",
		  ": 192.0.2.0/24: expected {\"action\": \"drain\"|\"withdraw\", \"prepend\": 0..10}" },
		{ "{\"maintenance\": {\"192.0.2.0/24\": {\"action\": \"drain\", \"prepend\": 99}}}",
		  ": 192.0.2.0/24: expected {\"action\": \"drain\"|\"withdraw\", \"prepend\": 0..10}" },
		/* A drain's prepend is a number, never guessed as 0. */
		{ "{\"maintenance\": {\"192.0.2.0/24\": {\"action\": \"drain\", \"prepend\": \"5\"}}}",
		  ": 192.0.2.0/24: expected {\"action\": \"drain\"|\"withdraw\", \"prepend\": 0..10}" },
		{ "{\"maintenance\": {\"192.0.2.0/24\": {\"action\": \"drain\"}}}",
		  ": 192.0.2.0/24: expected {\"action\": \"drain\"|\"withdraw\", \"prepend\": 0..10}" },
		/* A key kept for a prefix the config lost must be a prefix (found by fuzz_state). */
		{ "{\"maintenance\": {\"384.0.2.0/24\": {\"action\": \"withdraw\"}}}",
		  ": 384.0.2.0/24: not a prefix" },
		/* Written twice: not a file xdpcastd wrote, and which one holds is a guess. */
		{ "{\"maintenance\": {\"192.0.2.0/24\": {\"action\": \"withdraw\"}, "
		  "\"192.0.2.0/24\": {\"action\": \"drain\", \"prepend\": 1}}}",
		  ":1: duplicate object key near '\"192.0.2.0/24\"' (remove it to forget every drain)" },
	};
	struct route routes[] = { { "192.0.2.0/24" } };
	struct maintenance back[1];
	struct maintenance_kept *kept;
	size_t kept_count;
	char dir[TEMP_NAME_MAX], path[PATH_MAX];

	(void)state;
	temp_name(dir, sizeof(dir), "xdpcast-state.XXXXXX");
	assert_non_null(mkdtemp(dir));          /* not /tmp itself: anyone may write there */
	snprintf(path, sizeof(path), "%s/state.json", dir);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char err[512], expected[PATH_MAX + 256];
		FILE *f = fopen(path, "w");

		assert_non_null(f);
		assert_int_equal(fputs(cases[i].text, f) >= 0, 1);
		fclose(f);
		assert_int_equal(maintenance_load(path, routes, 1, back, &kept, &kept_count, err, sizeof(err)), -1);
		assert_null(kept);
		snprintf(expected, sizeof(expected), "%s%s", path, cases[i].error);
		assert_string_equal(err, expected);
	}
	unlink(path);
	rmdir(dir);
}

/* write_text PATH TEXT: the file holds TEXT, as an operator wrote it. */
static void write_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	assert_int_equal(fputs(text, f) >= 0, 1);
	fclose(f);
}

/* An entry written by hand spells its prefix as the operator does: in
 * capitals, with zeros, IPv4-mapped. It is the config's prefix all the
 * same: it applies (it was kept as "not an anycast prefix of this
 * config", and the prefix announced undrained), and a kept one is
 * forgotten by `undrain` in the daemon's spelling. Two spellings of one
 * prefix are the same key written twice: refused. */
static void test_maintenance_prefix_spellings(void **state)
{
	struct route routes[] = { { "192.0.2.0/24" }, { "2001:db8:53::/48" } };
	struct maintenance back[2];
	struct maintenance_kept *kept;
	size_t kept_count;
	char dir[TEMP_NAME_MAX], path[PATH_MAX], err[512], expected[PATH_MAX + 128];

	(void)state;
	temp_name(dir, sizeof(dir), "xdpcast-state.XXXXXX");
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/state.json", dir);
	write_text(path, "{\"maintenance\": {\"2001:DB8:53:0::/48\": {\"action\": \"drain\", \"prepend\": 2}, "
		   "\"::ffff:192.0.2.0/120\": {\"action\": \"withdraw\"}, "
		   "\"2001:DB8:99::/48\": {\"action\": \"withdraw\"}}}");
	assert_int_equal(maintenance_load(path, routes, 2, back, &kept, &kept_count, err, sizeof(err)), 0);
	assert_int_equal(back[0].action, MAINT_WITHDRAW);
	assert_int_equal(back[1].action, MAINT_DRAIN);
	assert_int_equal(back[1].prepend, 2);
	assert_int_equal(kept_count, 1);
	assert_string_equal(kept[0].prefix, "2001:db8:99::/48");
	free(kept);

	write_text(path, "{\"maintenance\": {\"192.0.2.0/24\": {\"action\": \"withdraw\"}, "
		   "\"::ffff:192.0.2.0/120\": {\"action\": \"drain\", \"prepend\": 1}}}");
	assert_int_equal(maintenance_load(path, routes, 2, back, &kept, &kept_count, err, sizeof(err)), -1);
	assert_null(kept);
	snprintf(expected, sizeof(expected), "%s: ::ffff:192.0.2.0/120: 192.0.2.0/24 given twice", path);
	assert_string_equal(err, expected);
	write_text(path, "{\"maintenance\": {\"2001:db8:99::/48\": {\"action\": \"withdraw\"}, "
		   "\"2001:DB8:99::/48\": {\"action\": \"withdraw\"}}}");
	assert_int_equal(maintenance_load(path, routes, 2, back, &kept, &kept_count, err, sizeof(err)), -1);
	assert_null(kept);
	snprintf(expected, sizeof(expected), "%s: 2001:DB8:99::/48: 2001:db8:99::/48 given twice", path);
	assert_string_equal(err, expected);
	unlink(path);
	rmdir(dir);
}

static void test_maintenance_file_a_directory(void **state)
{
	char dir[TEMP_NAME_MAX], path[PATH_MAX], err[512], expected[PATH_MAX + 64];
	struct route routes[] = { { "192.0.2.0/24" } };
	struct maintenance back[1];
	struct maintenance_kept *kept;
	size_t kept_count;

	(void)state;
	temp_name(dir, sizeof(dir), "xdpcast-state.XXXXXX");
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/state.json", dir);
	assert_int_equal(mkdir(path, 0700), 0);
	assert_int_equal(maintenance_load(path, routes, 1, back, &kept, &kept_count, err, sizeof(err)), -1);
	snprintf(expected, sizeof(expected), "%s: not a regular file", path);
	assert_string_equal(err, expected);
	rmdir(path);
	rmdir(dir);
}

/* Another user who may write the directory could put drains and
 * withdrawals there for the start to apply: refused before it is read. */
static void test_maintenance_file_in_a_shared_directory(void **state)
{
	struct route routes[] = { { "192.0.2.0/24" } };
	struct maintenance back[1];
	struct maintenance_kept *kept;
	size_t kept_count;
	char err[512];

	(void)state;
	assert_int_equal(maintenance_load("/tmp/xdpcast-state.json", routes, 1, back, &kept, &kept_count, err,
					  sizeof(err)), -1);
	/* The path first, as in its other errors: the caller names the key before it. */
	assert_ptr_equal(strstr(err, "/tmp/xdpcast-state.json: /tmp is writable by other users"), err);
}

/* The shipped texts are the file's: docs/bgp.md's example (announcing
 * both prefixes at PoP ams1) and the withdrawn file tmpfiles.d writes at
 * boot (dist/xdpcast.tmpfiles, its escapes undone), byte for byte. */
static void test_shipped_texts(void **state)
{
	struct route routes[] = { { "192.0.2.0/24", ROUTE_ANNOUNCED, 0 }, { "2001:db8:53::/48", ROUTE_ANNOUNCED, 0 } };
	char text[BIRD_INCLUDE_MAX], doc[BIRD_INCLUDE_MAX] = "", line[512];
	size_t len = 0;
	int in_block = 0;
	FILE *f = fopen("docs/bgp.md", "r");

	(void)state;
	assert_non_null(f);
	while (fgets(line, sizeof(line), f)) {
		if (!strcmp(line, "```\n")) {
			if (in_block)
				break;
			in_block = 1;
		} else if (in_block) {
			len += snprintf(doc + len, sizeof(doc) - len, "%s", line);
		}
	}
	fclose(f);
	assert_true(bird_include_render(routes, 2, NULL, "ams1", text, sizeof(text)) > 0);
	assert_string_equal(doc, text);

	f = fopen("dist/xdpcast.tmpfiles", "r");
	assert_non_null(f);
	len = 0;
	while (fgets(line, sizeof(line), f)) {
		const char *arg;

		if (strncmp(line, "f /run/xdpcast/bird.conf ", 25))
			continue;
		arg = strstr(line, " - ") + 3;
		for (const char *c = arg; *c && *c != '\n'; c++) {
			if (*c == '\\' && (c[1] == 'n' || c[1] == 't')) {
				doc[len++] = c[1] == 'n' ? '\n' : '\t';
				c++;
			} else {
				doc[len++] = *c;
			}
		}
	}
	doc[len] = '\0';
	fclose(f);
	routes[0].state = routes[1].state = ROUTE_WITHDRAWN;
	assert_true(bird_include_render(routes, 2, NULL, NULL, text, sizeof(text)) > 0);
	assert_string_equal(doc, text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_withdrawn_has_both_protocols_and_no_route),
		cmocka_unit_test(test_announced_and_drained),
		cmocka_unit_test(test_impossible_drain),
		cmocka_unit_test(test_every_prefix_drained_at_its_longest),
		cmocka_unit_test(test_shipped_texts),
		cmocka_unit_test(test_write_then_holds),
		cmocka_unit_test(test_include_write_is_durable_and_follows_no_symlink),
		cmocka_unit_test(test_state_save_is_durable_and_follows_no_symlink),
		cmocka_unit_test(test_state_save_in_place_when_the_directory_sync_fails),
		cmocka_unit_test(test_write_refused_where_others_write),
		cmocka_unit_test(test_withdrawal_on_a_full_filesystem),
		cmocka_unit_test(test_lock_on_a_read_only_filesystem),
		cmocka_unit_test(test_sync_logs_what_changes),
		cmocka_unit_test(test_maintenance_round_trip),
		cmocka_unit_test(test_maintenance_file_not_ours),
		cmocka_unit_test(test_maintenance_prefix_spellings),
		cmocka_unit_test(test_maintenance_file_a_directory),
		cmocka_unit_test(test_maintenance_file_in_a_shared_directory),
	};

	return cmocka_run_group_tests_name("BIRD include file and maintenance", tests, NULL, NULL);
}
