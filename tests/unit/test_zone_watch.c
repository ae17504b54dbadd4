// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The zone watch over a real inotify fd: an event counts when it names a
 * watched file (a write, a file renamed over it, its removal), by its base
 * name, looked up in a set rather than compared with every file: 100,000
 * zone files were 16 ms of the event loop per event, whatever it named.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>

#include "temp_name.h"
#include "zone_watch.h"

#define FILES 100000

static char dir[TEMP_NAME_MAX];

static void write_file(const char *name)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("; zone\n", f);
	fclose(f);
}

static int remove_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

/* The test's directory and all it holds (links not followed). */
static void remove_dir(void)
{
	assert_int_equal(nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS), 0);
}

static void make_dir(const char *name)
{
	char path[TEMP_NAME_MAX + 64];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	assert_int_equal(mkdir(path, 0700), 0);
}

static void make_link(const char *target, const char *name)
{
	char path[TEMP_NAME_MAX + 64];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	assert_int_equal(symlink(target, path), 0);
}

/* ln -sfn target name, as a deploy switches a release: a new link renamed
 * over the old one. */
static void switch_link(const char *target, const char *name)
{
	char path[TEMP_NAME_MAX + 64], fresh[TEMP_NAME_MAX + 64];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	snprintf(fresh, sizeof(fresh), "%s/%s.new", dir, name);
	assert_int_equal(symlink(target, fresh), 0);
	assert_int_equal(rename(fresh, path), 0);
}

static void test_events_by_name(void **state)
{
	char zone[256], moved_from[256], moved_to[256], err[256];
	char *files[] = { zone };
	struct hmap names = { 0 };
	struct zone_watch w;
	bool gone = false;

	(void)state;
	assert_non_null(mkdtemp(temp_name(dir, sizeof(dir), "xdpcast-zone-watch.XXXXXX")));
	snprintf(zone, sizeof(zone), "%s/example.test.zone", dir);
	/* As many zone files as a large PoP: what each event used to walk. */
	for (int i = 0; i < FILES; i++) {
		snprintf(moved_to, sizeof(moved_to), "%s/zone%06d.test.zone", dir, i);
		assert_int_equal(hmap_set(&names, zone_watch_key(moved_to), (void *)1), 0);
	}
	assert_int_equal(hmap_set(&names, zone_watch_key(zone), (void *)1), 0);
	write_file("example.test.zone");
	assert_int_equal(zone_watch_open(&w, files, 1, err, sizeof(err)), 0);

	assert_false(zone_watch_changed(&w, &names, &gone));  /* nothing yet */
	write_file("example.test.zone.swp");                    /* an editor's file: not a zone */
	write_file("other.zone");
	assert_false(zone_watch_changed(&w, &names, &gone));
	write_file("example.test.zone");                        /* written in place */
	assert_true(zone_watch_changed(&w, &names, &gone));
	assert_false(zone_watch_changed(&w, &names, &gone));  /* drained */
	write_file("example.test.zone.new");                    /* renamed into place */
	snprintf(moved_from, sizeof(moved_from), "%s/example.test.zone.new", dir);
	assert_int_equal(rename(moved_from, zone), 0);
	assert_true(zone_watch_changed(&w, &names, &gone));
	write_file("zone012345.test.zone");                     /* another watched file */
	assert_true(zone_watch_changed(&w, &names, &gone));
	assert_int_equal(unlink(zone), 0);
	assert_true(zone_watch_changed(&w, &names, &gone));

	zone_watch_close(&w);
	snprintf(moved_to, sizeof(moved_to), "%s/zone012345.test.zone", dir);
	unlink(moved_to);
	snprintf(moved_to, sizeof(moved_to), "%s/example.test.zone.swp", dir);
	unlink(moved_to);
	snprintf(moved_to, sizeof(moved_to), "%s/other.zone", dir);
	unlink(moved_to);
	assert_int_equal(rmdir(dir), 0);
	hmap_free(&names);
}

/* More events than the kernel queues (a deploy rewriting a directory of
 * files): the ones past the queue are dropped, a change to a zone file
 * among them too, or a symlink on the way switched, and the queue says
 * only that it overflowed: a change, and the paths to watch again. */
static void test_overflow_is_a_change(void **state)
{
	char zone[TEMP_NAME_MAX + 64], name[64], err[256];
	char *files[] = { zone };
	struct hmap names = { 0 };
	struct zone_watch w;
	bool again = false;
	int queued = 0;
	FILE *max = fopen("/proc/sys/fs/inotify/max_queued_events", "r");

	(void)state;
	assert_non_null(max);
	assert_int_equal(fscanf(max, "%d", &queued), 1);
	fclose(max);
	assert_non_null(mkdtemp(temp_name(dir, sizeof(dir), "xdpcast-zone-watch.XXXXXX")));
	make_dir("v1");
	make_dir("v2");
	make_link("v1", "current");
	snprintf(zone, sizeof(zone), "%s/current/example.test.zone", dir);
	assert_int_equal(hmap_set(&names, zone_watch_key(zone), (void *)1), 0);
	assert_int_equal(zone_watch_open(&w, files, 1, err, sizeof(err)), 0);
	for (int i = 0; i <= queued; i++) {     /* two events each: the queue overflows */
		snprintf(name, sizeof(name), "v1/other%06d", i);
		write_file(name);
	}
	write_file("v1/example.test.zone");                     /* its events dropped */
	switch_link("v2", "current");                           /* and the switch's */
	assert_true(zone_watch_changed(&w, &names, &again));
	assert_true(again);

	zone_watch_close(&w);
	remove_dir();
	hmap_free(&names);
}

/* A deploy that swaps the zone directory (renames the old one away, a new
 * one into its place, maybe later): the watch follows the old directory,
 * whose events name no file; it must say the directory went, to be
 * watched again, and see the new one come. */
static void test_directory_moved_away(void **state)
{
	char zone[300], moved[TEMP_NAME_MAX + 8], err[256];
	char *files[] = { zone };
	struct hmap names = { 0 };
	struct zone_watch w;
	bool gone = false;

	(void)state;
	assert_non_null(mkdtemp(temp_name(dir, sizeof(dir), "xdpcast-zone-watch.XXXXXX")));
	snprintf(zone, sizeof(zone), "%s/example.test.zone", dir);
	assert_int_equal(hmap_set(&names, zone_watch_key(zone), (void *)1), 0);
	write_file("example.test.zone");
	assert_int_equal(zone_watch_open(&w, files, 1, err, sizeof(err)), 0);
	assert_false(zone_watch_changed(&w, &names, &gone));
	assert_false(gone);
	snprintf(moved, sizeof(moved), "%s.old", dir);
	assert_int_equal(rename(dir, moved), 0);
	assert_true(zone_watch_changed(&w, &names, &gone));
	assert_true(gone);
	/* Watched again before the new one is in place: its name is watched
	 * for where it is to be, and its coming is a change. */
	assert_int_equal(zone_watch_add(&w, files, 1, err, sizeof(err)), 0);
	gone = false;
	assert_int_equal(mkdir(dir, 0700), 0);
	assert_true(zone_watch_changed(&w, &names, &gone));
	assert_true(gone);
	/* Watched again, the new directory at the path is the one seen. */
	assert_int_equal(zone_watch_add(&w, files, 1, err, sizeof(err)), 0);
	gone = false;
	write_file("example.test.zone");
	assert_true(zone_watch_changed(&w, &names, &gone));
	assert_false(gone);

	zone_watch_close(&w);
	unlink(zone);
	assert_int_equal(rmdir(dir), 0);
	snprintf(zone, sizeof(zone), "%s/example.test.zone", moved);
	unlink(zone);
	assert_int_equal(rmdir(moved), 0);
	hmap_free(&names);
}

/* The zone directory a symlink a deploy switches to a new release
 * (ln -sfn, then mv -T over the link): the directory watched is the old
 * release, which does not change; the link's own directory sees the
 * switch, and the watch placed again follows the link to the new one. */
static void test_directory_symlink_switched(void **state)
{
	char zone[TEMP_NAME_MAX + 64], link[TEMP_NAME_MAX + 16], switched[TEMP_NAME_MAX + 16], err[256];
	char *files[] = { zone };
	struct hmap names = { 0 };
	struct zone_watch w;
	bool again = false;

	(void)state;
	assert_non_null(mkdtemp(temp_name(dir, sizeof(dir), "xdpcast-zone-watch.XXXXXX")));
	snprintf(link, sizeof(link), "%s/current", dir);
	snprintf(switched, sizeof(switched), "%s/current.new", dir);
	for (int v = 1; v <= 2; v++) {
		snprintf(zone, sizeof(zone), "%s/v%d", dir, v);
		assert_int_equal(mkdir(zone, 0700), 0);
	}
	assert_int_equal(symlink("v1", link), 0);
	snprintf(zone, sizeof(zone), "%s/example.test.zone", link);
	assert_int_equal(hmap_set(&names, zone_watch_key(zone), (void *)1), 0);
	write_file("v1/example.test.zone");
	write_file("v2/example.test.zone");
	assert_int_equal(zone_watch_open(&w, files, 1, err, sizeof(err)), 0);
	assert_false(zone_watch_changed(&w, &names, &again));

	assert_int_equal(symlink("v2", switched), 0);
	assert_int_equal(rename(switched, link), 0);
	assert_true(zone_watch_changed(&w, &names, &again));
	assert_true(again);
	/* Watched again: a change in the new release is seen. */
	assert_int_equal(zone_watch_add_all(&w, files, 1, err, sizeof(err)), 0);
	again = false;
	write_file("v2/example.test.zone");
	assert_true(zone_watch_changed(&w, &names, &again));
	assert_false(again);

	zone_watch_close(&w);
	unlink(link);
	for (int v = 1; v <= 2; v++) {
		snprintf(zone, sizeof(zone), "%s/v%d/example.test.zone", dir, v);
		unlink(zone);
		snprintf(zone, sizeof(zone), "%s/v%d", dir, v);
		assert_int_equal(rmdir(zone), 0);
	}
	assert_int_equal(rmdir(dir), 0);
	hmap_free(&names);
}

/* A zone file named through `way` (from the root when it begins with a
 * slash, else from the test's directory), watched; a write to it where it really is (`real`) is seen, and a
 * change of nothing is not. */
static void watch_through(struct zone_watch *w, const char *way, const char *real, struct hmap *names)
{
	char zone[TEMP_NAME_MAX + 64], err[256];
	char *files[] = { zone };
	bool again = false;

	snprintf(zone, sizeof(zone), "%s%s%s/example.test.zone", way[0] == '/' ? "" : dir, way[0] == '/' ? "" : "/",
		 way);
	assert_int_equal(hmap_set(names, zone_watch_key(zone), (void *)1), 0);
	if (zone_watch_open(w, files, 1, err, sizeof(err)))
		fail_msg("%s", err);
	assert_false(zone_watch_changed(w, names, &again));
	snprintf(zone, sizeof(zone), "%s/example.test.zone", real);
	write_file(zone);
	assert_true(zone_watch_changed(w, names, &again));
	assert_false(again);
}

/* A path with "//" in front names the root ("//" is its own name to
 * dirname): its way begins at the root, and ends. */
static void test_path_from_double_slash(void **state)
{
	char way[TEMP_NAME_MAX + 8];
	struct hmap names = { 0 };
	struct zone_watch w;

	(void)state;
	assert_non_null(mkdtemp(temp_name(dir, sizeof(dir), "xdpcast-zone-watch.XXXXXX")));
	make_dir("zones");
	snprintf(way, sizeof(way), "/%s/zones", dir);
	watch_through(&w, way, "zones", &names);
	zone_watch_close(&w);
	remove_dir();
	hmap_free(&names);
}

/* Symlinks followed as the kernel does: a relative target going up
 * (../releases/v1), a chain of links, a link to "/", a target ending in a
 * slash, "//" and "." on the way; the directory reached is the one watched, and a switch of any link
 * on the way is seen. */
static void test_symlinks_resolved(void **state)
{
	char root_way[TEMP_NAME_MAX + 64];
	struct hmap names = { 0 };
	struct zone_watch w;
	bool again = false;

	(void)state;
	assert_non_null(mkdtemp(temp_name(dir, sizeof(dir), "xdpcast-zone-watch.XXXXXX")));
	make_dir("etc");
	make_dir("releases");
	make_dir("releases/v1");
	make_dir("releases/v2");
	make_link("../releases/v1", "etc/current");
	make_link("etc/current", "chain");
	make_link("chain/../v2/.", "up");      /* up from where the chain leads, not from "chain" */
	make_link("/", "root");
	make_link("releases/v2//", "slash");

	watch_through(&w, "etc//current/.", "releases/v1", &names);
	switch_link("../releases/v2", "etc/current");
	assert_true(zone_watch_changed(&w, &names, &again));
	assert_true(again);
	zone_watch_close(&w);
	switch_link("../releases/v1", "etc/current");

	watch_through(&w, "chain", "releases/v1", &names);
	switch_link("../releases/v2", "etc/current");   /* the second link of the chain */
	assert_true(zone_watch_changed(&w, &names, &again));
	assert_true(again);
	zone_watch_close(&w);

	watch_through(&w, "up", "releases/v2", &names);
	zone_watch_close(&w);
	snprintf(root_way, sizeof(root_way), "root%s/releases/v2", dir);
	watch_through(&w, root_way, "releases/v2", &names);
	zone_watch_close(&w);
	watch_through(&w, "slash", "releases/v2", &names);
	zone_watch_close(&w);

	remove_dir();
	hmap_free(&names);
}

/* A symlink loop on the way (loop -> loop): the kernel finds no directory
 * there, and neither does the watch, which watches for the loop mended
 * (a zones directory beside the loop is not where the way leads). */
static void test_symlink_loop(void **state)
{
	char zone[TEMP_NAME_MAX + 64], err[256];
	char *files[] = { zone };
	struct hmap names = { 0 };
	struct zone_watch w;
	bool again = false;

	(void)state;
	assert_non_null(mkdtemp(temp_name(dir, sizeof(dir), "xdpcast-zone-watch.XXXXXX")));
	make_dir("zones");
	make_link("loop", "loop");
	snprintf(zone, sizeof(zone), "%s/loop/zones/example.test.zone", dir);
	if (zone_watch_open(&w, files, 1, err, sizeof(err)))
		fail_msg("%s", err);
	switch_link(".", "loop");
	assert_true(zone_watch_changed(&w, &names, &again));
	assert_true(again);
	zone_watch_close(&w);
	watch_through(&w, "loop/zones", "zones", &names);
	zone_watch_close(&w);
	remove_dir();
	hmap_free(&names);
}

/* The watches the kernel holds for fd (its fdinfo lists one a line). */
static int watch_count(int fd)
{
	char path[64], line[512];
	int count = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	assert_non_null(f = fopen(path, "r"));
	while (fgets(line, sizeof(line), f))
		count += !strncmp(line, "inotify wd:", 11);
	fclose(f);
	return count;
}

/* Releases kept on disk, the zone directory's symlink switched from one
 * to the next and watched again each time: the old release is no longer
 * on the way, and its watch is dropped (the kernel's watches are a
 * per-user limit, max_user_watches; a deploy a day kept them all). An
 * event there, such as the old release removed, is no change. */
static void test_old_release_dropped(void **state)
{
	char zone[TEMP_NAME_MAX + 64], name[32], err[256];
	char *files[] = { zone };
	struct hmap names = { 0 };
	struct zone_watch w;
	bool again = false;
	int first;

	(void)state;
	assert_non_null(mkdtemp(temp_name(dir, sizeof(dir), "xdpcast-zone-watch.XXXXXX")));
	make_dir("releases");
	for (int v = 1; v <= 20; v++) {
		snprintf(name, sizeof(name), "releases/v%d", v);
		make_dir(name);
	}
	make_link("releases/v1", "current");
	watch_through(&w, "current", "releases/v1", &names);
	snprintf(zone, sizeof(zone), "%s/current/example.test.zone", dir);
	first = watch_count(w.fd);
	for (int v = 2; v <= 20; v++) {
		snprintf(name, sizeof(name), "releases/v%d", v);
		switch_link(name, "current");
		assert_true(zone_watch_changed(&w, &names, &again));
		assert_true(again);
		assert_int_equal(zone_watch_add_all(&w, files, 1, err, sizeof(err)), 0);
		again = false;
		assert_false(zone_watch_changed(&w, &names, &again));
	}
	assert_int_equal(watch_count(w.fd), first);
	write_file("releases/v1/example.test.zone");
	assert_false(zone_watch_changed(&w, &names, &again));
	zone_watch_close(&w);
	remove_dir();
	hmap_free(&names);
}

/* The includes of a new release, 100,000 in two directories, watched at
 * once: each directory and its way walked once, not each file's way from
 * the root (4.5 s one by one, the daemon's event loop held meanwhile; its
 * time is not asserted: no timing in make test). The watches are the
 * directories': one more, release/keys. */
static void test_many_files_added_at_once(void **state)
{
	char **files = calloc(FILES, sizeof(*files)), err[256];
	struct zone_watch w;
	int first;

	(void)state;
	assert_non_null(files);
	assert_non_null(mkdtemp(temp_name(dir, sizeof(dir), "xdpcast-zone-watch.XXXXXX")));
	make_dir("release");
	make_dir("release/keys");
	for (int i = 0; i < FILES; i++) {
		files[i] = malloc(TEMP_NAME_MAX + 64);
		assert_non_null(files[i]);
		snprintf(files[i], TEMP_NAME_MAX + 64, "%s/release/%szone%06d.inc", dir, i % 2 ? "keys/" : "", i);
	}
	assert_int_equal(zone_watch_open(&w, files, 1, err, sizeof(err)), 0);
	first = watch_count(w.fd);
	assert_true(first > 0);
	assert_int_equal(zone_watch_add(&w, files, FILES, err, sizeof(err)), 0);
	assert_int_equal(watch_count(w.fd), first + 1);
	zone_watch_close(&w);
	for (int i = 0; i < FILES; i++)
		free(files[i]);
	free(files);
	remove_dir();
}

/* The zone directory replaced by a file, then by a directory again: each
 * change of the name is seen, and once watched again the new directory's
 * files are. */
static void test_directory_replaced_by_file(void **state)
{
	char zone[TEMP_NAME_MAX + 64], err[256];
	char *files[] = { zone };
	struct hmap names = { 0 };
	struct zone_watch w;
	bool again = false;

	(void)state;
	assert_non_null(mkdtemp(temp_name(dir, sizeof(dir), "xdpcast-zone-watch.XXXXXX")));
	make_dir("zones");
	watch_through(&w, "zones", "zones", &names);
	snprintf(zone, sizeof(zone), "%s/zones/example.test.zone", dir);
	assert_int_equal(unlink(zone), 0);
	assert_true(zone_watch_changed(&w, &names, &again));  /* the zone file deleted */
	snprintf(zone, sizeof(zone), "%s/zones", dir);
	assert_int_equal(rmdir(zone), 0);
	write_file("zones");
	assert_true(zone_watch_changed(&w, &names, &again));
	assert_true(again);
	snprintf(zone, sizeof(zone), "%s/zones/example.test.zone", dir);
	assert_int_equal(zone_watch_add_all(&w, files, 1, err, sizeof(err)), 0);      /* the file watched, its going seen */
	again = false;
	snprintf(zone, sizeof(zone), "%s/zones", dir);
	assert_int_equal(unlink(zone), 0);
	make_dir("zones");
	assert_true(zone_watch_changed(&w, &names, &again));
	assert_true(again);
	snprintf(zone, sizeof(zone), "%s/zones/example.test.zone", dir);
	assert_int_equal(zone_watch_add_all(&w, files, 1, err, sizeof(err)), 0);
	again = false;
	write_file("zones/example.test.zone");
	assert_true(zone_watch_changed(&w, &names, &again));
	assert_false(again);
	zone_watch_close(&w);
	remove_dir();
	hmap_free(&names);
}

/* A file named as a directory on the way, in another directory (a zone
 * directory "zones/a" holding a file "a"): no step changed, and no round
 * of watching every path again (700 ms with 50,000 zone directories). */
static void test_step_name_elsewhere(void **state)
{
	struct hmap names = { 0 };
	struct zone_watch w;
	bool again = false;

	(void)state;
	assert_non_null(mkdtemp(temp_name(dir, sizeof(dir), "xdpcast-zone-watch.XXXXXX")));
	make_dir("zones");
	make_dir("zones/a");
	watch_through(&w, "zones/a", "zones/a", &names);
	write_file("zones/a/zones");
	write_file("zones/a/a");
	assert_false(zone_watch_changed(&w, &names, &again));
	assert_false(again);
	make_dir("a");                                          /* beside zones, where the way does not go */
	assert_false(zone_watch_changed(&w, &names, &again));
	assert_false(again);
	zone_watch_close(&w);
	remove_dir();
	hmap_free(&names);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_events_by_name),
		cmocka_unit_test(test_overflow_is_a_change),
		cmocka_unit_test(test_directory_moved_away),
		cmocka_unit_test(test_directory_symlink_switched),
		cmocka_unit_test(test_path_from_double_slash),
		cmocka_unit_test(test_symlinks_resolved),
		cmocka_unit_test(test_symlink_loop),
		cmocka_unit_test(test_directory_replaced_by_file),
		cmocka_unit_test(test_step_name_elsewhere),
		cmocka_unit_test(test_old_release_dropped),
		cmocka_unit_test(test_many_files_added_at_once),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
