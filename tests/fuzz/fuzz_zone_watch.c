// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * libFuzzer: the zone watch's way to each zone file's directory, against
 * the kernel's own path resolution. The input builds a tree in a private
 * directory, a line per step:
 *
 *	d PATH          a directory
 *	l PATH TARGET   a symlink (a TARGET from '/' is taken from the tree's top)
 *	f PATH          a zone file to watch
 *
 * PATHs are taken from the tree's top, as named ("..", "//" and symlinks
 * on the way included). Aborts when the watch misses what a deploy does:
 *  - a zone file written in the directory the kernel resolves its path to;
 *  - a name on the way to the first file's directory replaced (moved
 *    aside, a new directory put in its place).
 * Nothing is created, written or renamed outside the tree.
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <libgen.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "zone_watch.h"

#define STEPS_MAX 16
#define FILES_MAX 4
#define PATH_IN_MAX 120         /* each PATH and TARGET: well under PATH_MAX with the top */

struct step {
	char op;
	char path[PATH_MAX];    /* under the top */
	char target[PATH_MAX];
};

static char top[PATH_MAX];      /* symlinks followed */

static int remove_entry(const char *path, const struct stat *sb, int type, struct FTW *ftw)
{
	(void)sb;
	(void)type;
	if (ftw->level)
		remove(path);
	return 0;
}

static void clear_tree(void)
{
	nftw(top, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static void remove_top(void)
{
	clear_tree();
	rmdir(top);
}

/* The tree removed, then abort: libFuzzer keeps the input. */
static void __attribute__((noreturn, format(printf, 1, 2))) fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	remove_top();
	abort();
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char made[] = "/tmp/fuzz_zone_watch.XXXXXX";

	(void)argc;
	(void)argv;
	if (!mkdtemp(made) || !realpath(made, top))
		abort();
	atexit(remove_top);
	return 0;
}

/* Whether path resolves (symlinks followed) to the top or below it. */
static bool resolves_inside(const char *path)
{
	char resolved[PATH_MAX];
	size_t n = strlen(top);

	return realpath(path, resolved) && !strncmp(resolved, top, n) && (!resolved[n] || resolved[n] == '/');
}

/* The directory of path (dirname may write to its argument). */
static void directory_of(const char *path, char dir[PATH_MAX])
{
	char copy[PATH_MAX];

	snprintf(copy, sizeof(copy), "%s", path);
	snprintf(dir, PATH_MAX, "%s", dirname(copy));
}

/* Whether an entry may be made or replaced at path: its parent is in the tree. */
static bool may_change(const char *path)
{
	char dir[PATH_MAX];

	directory_of(path, dir);
	return resolves_inside(dir);
}

static size_t parse(const uint8_t *data, size_t size, struct step *steps)
{
	size_t count = 0;
	const char *p = (const char *)data, *end = p + size;

	while (p < end && count < STEPS_MAX) {
		const char *nl = memchr(p, '\n', end - p), *line_end = nl ? nl : end;
		char line[2 * PATH_IN_MAX + 8], *path, *target = NULL;
		size_t len = line_end - p;
		struct step *s = &steps[count];

		if (len >= 3 && len < sizeof(line) && p[1] == ' ' && strchr("dlf", p[0]) && !memchr(p, '\0', len)) {
			memcpy(line, p, len);
			line[len] = '\0';
			path = line + 2;
			if (line[0] == 'l' && (target = strchr(path, ' ')))
				*target++ = '\0';
			if (strlen(path) <= PATH_IN_MAX && (line[0] != 'l' || (target && *target))) {
				s->op = line[0];
				snprintf(s->path, sizeof(s->path), "%s%s%s", top, path[0] == '/' ? "" : "/", path);
				if (target)
					snprintf(s->target, sizeof(s->target), "%s%s", target[0] == '/' ? top : "", target);
				count++;
			}
		}
		p = line_end + 1;
	}
	return count;
}

static void build_tree(const struct step *steps, size_t count)
{
	clear_tree();
	for (size_t i = 0; i < count; i++) {
		if (steps[i].op == 'd' && may_change(steps[i].path))
			mkdir(steps[i].path, 0755);
		else if (steps[i].op == 'l' && may_change(steps[i].path))
			if (symlink(steps[i].target, steps[i].path)) {
				/* taken: the tree is as it is */
			}
	}
}

static size_t zone_files(const struct step *steps, size_t count, char **files)
{
	size_t n = 0;

	for (size_t i = 0; i < count && n < FILES_MAX; i++) {
		char copy[PATH_MAX], *base;

		if (steps[i].op != 'f')
			continue;
		snprintf(copy, sizeof(copy), "%s", steps[i].path);
		base = basename(copy);
		/* A zone file has a name: not the directory itself or its parent. */
		if (*base && strcmp(base, ".") && strcmp(base, "..") && steps[i].path[strlen(steps[i].path) - 1] != '/')
			files[n++] = (char *)steps[i].path;
	}
	return n;
}

/* Opens a watch on files; false when it could not (then nothing to check). */
static bool watch(struct zone_watch *w, char **files, size_t count)
{
	char err[512];

	if (zone_watch_open(w, files, count, err, sizeof(err))) {
		zone_watch_close(w);
		return false;
	}
	return true;
}

static bool changed(struct zone_watch *w, char **files, size_t count, bool *watch_again)
{
	struct hmap names = { 0 };
	bool seen;

	for (size_t i = 0; i < count; i++)
		if (hmap_set(&names, zone_watch_key(files[i]), (void *)1))
			abort();
	*watch_again = false;
	seen = zone_watch_changed(w, &names, watch_again);
	hmap_free(&names);
	return seen;
}

/* A zone file written where the kernel resolves its path: seen. */
static void check_writes(char **files, size_t count)
{
	struct zone_watch w;
	bool watch_again;

	if (!watch(&w, files, count))
		return;
	for (size_t i = 0; i < count; i++) {
		char dir[PATH_MAX];
		struct stat sb;
		int fd;

		directory_of(files[i], dir);
		if (!resolves_inside(dir) || stat(dir, &sb) || !S_ISDIR(sb.st_mode))
			continue;
		changed(&w, files, count, &watch_again);        /* what building it said */
		if ((fd = open(files[i], O_WRONLY | O_CREAT | O_NOFOLLOW, 0644)) < 0)
			continue;       /* a directory of its name, a symlink */
		close(fd);
		if (!changed(&w, files, count, &watch_again))
			fail("a write to %s was not seen", files[i]);
	}
	zone_watch_close(&w);
}

/*
 * Each name on the way to the first file's directory, as named, replaced
 * in a tree built afresh: moved aside and a directory put in its place
 * (a deploy's new release). The watch must see it and watch again.
 */
static void check_replacements(const struct step *steps, size_t count, char **files, size_t file_count)
{
	char dir[PATH_MAX], aside[PATH_MAX];
	size_t under = strlen(top);     /* dir[under]: the '/' after the top */

	directory_of(files[0], dir);
	snprintf(aside, sizeof(aside), "%s/.aside", top);
	for (size_t end = under + 1; dir[under] == '/' && end <= strlen(dir); end++) {
		char prefix[PATH_MAX], *name;
		struct zone_watch w;
		struct stat sb;
		bool watch_again, seen;

		if (dir[end] && dir[end] != '/')
			continue;
		snprintf(prefix, sizeof(prefix), "%.*s", (int)end, dir);
		name = strrchr(prefix, '/') + 1;
		if (!*name || !strcmp(name, ".") || !strcmp(name, ".."))
			continue;
		build_tree(steps, count);
		if (lstat(prefix, &sb) || !may_change(prefix) || !watch(&w, files, file_count))
			continue;
		changed(&w, files, file_count, &watch_again);
		if (!rename(prefix, aside) && !mkdir(prefix, 0755)) {
			seen = changed(&w, files, file_count, &watch_again);
			if (!seen || !watch_again)
				fail("%s replaced on the way to %s: %s", prefix, files[0],
				     seen ? "not watched again" : "not seen");
		}
		zone_watch_close(&w);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct step steps[STEPS_MAX];
	char *files[FILES_MAX];
	size_t count = parse(data, size, steps), file_count = zone_files(steps, count, files);

	if (!file_count)
		return 0;
	build_tree(steps, count);
	check_writes(files, file_count);
	check_replacements(steps, count, files, file_count);
	clear_tree();
	return 0;
}
