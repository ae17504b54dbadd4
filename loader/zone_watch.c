// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/inotify.h>
#include <sys/stat.h>

#include "zone_watch.h"

/* A directory moved or deleted (a deploy swapping the zone directory):
 * its watch follows the old one, or ends (IN_IGNORED). */
#define WATCH_EVENTS (IN_CLOSE_WRITE | IN_MOVED_TO | IN_CREATE | IN_DELETE | IN_MOVE_SELF | IN_DELETE_SELF)
#define DIRECTORY_GONE (IN_MOVE_SELF | IN_DELETE_SELF | IN_IGNORED)
#define SYMLINK_HOPS_MAX 40     /* the kernel's bound: past it, a loop */

/* dirname and basename may modify their argument: copies. */
static void split(const char *path, char dir[PATH_MAX], char base[NAME_MAX + 1])
{
	char a[PATH_MAX], b[PATH_MAX];

	snprintf(a, sizeof(a), "%s", path);
	snprintf(b, sizeof(b), "%s", path);
	snprintf(dir, PATH_MAX, "%s", dirname(a));
	snprintf(base, NAME_MAX + 1, "%s", basename(b));
}

static uint64_t name_key(const char *name)
{
	return hmap_hash(HMAP_HASH_SEED, name, strlen(name));
}

/*
 * The symlinks on the way to dir, followed as the kernel follows them:
 * each one's directory is watched for its name (into links). A deploy
 * switching a link to another release (ln -sfn, then mv -T over it)
 * replaces the link there, while the watch on the directory it pointed to
 * sees nothing. A part of the way that is not there ends the walk: the
 * watch on dir fails and says so.
 */
static int watch_links_to(int fd, const char *dir, struct hmap *links, char *err, size_t errlen)
{
	char resolved[PATH_MAX] = "", way[PATH_MAX], target[PATH_MAX], next[2 * PATH_MAX];
	int hops = 0;

	if (dir[0] != '/' && !getcwd(resolved, sizeof(resolved))) {
		snprintf(err, errlen, "watching the symlinks on the way to %s: %s", dir, strerror(errno));
		return -1;
	}
	snprintf(way, sizeof(way), "%s", dir);
	for (char *name = way, *end; *name; name = end) {
		struct stat sb;
		ssize_t len;

		for (end = name; *end && *end != '/'; end++)
			;
		if (*end)
			*end++ = '\0';
		if (!*name || !strcmp(name, "."))
			continue;
		if (!strcmp(name, "..")) {      /* resolved has no symlinks: its parent is its dirname */
			char *slash = strrchr(resolved, '/');

			if (slash)
				*slash = '\0';
			continue;
		}
		snprintf(next, sizeof(next), "%s/%s", resolved, name);
		if (lstat(next, &sb) || strlen(next) >= sizeof(resolved))
			return 0;
		if (!S_ISLNK(sb.st_mode)) {
			memcpy(resolved, next, strlen(next) + 1);
			continue;
		}
		if (++hops > SYMLINK_HOPS_MAX || (len = readlink(next, target, sizeof(target) - 1)) < 0)
			return 0;
		target[len] = '\0';
		if (inotify_add_watch(fd, *resolved ? resolved : "/", WATCH_EVENTS) < 0) {
			snprintf(err, errlen, "watching %s for a change to the symlink %s: %s", *resolved ? resolved : "/",
				 next, strerror(errno));
			return -1;
		}
		if (hmap_set(links, name_key(name), (void *)1)) {
			snprintf(err, errlen, "watching the symlink %s: out of memory", next);
			return -1;
		}
		/* The rest of the way follows the link's target. */
		snprintf(next, sizeof(next), "%s/%s", target, end);
		snprintf(way, sizeof(way), "%s", next);
		end = way;
		if (target[0] == '/')
			*resolved = '\0';
	}
	return 0;
}

static int watch_directory(int fd, const char *file, const char *dir, struct hmap *links, char *err, size_t errlen)
{
	if (inotify_add_watch(fd, dir, WATCH_EVENTS) < 0) {     /* the same dir twice is one watch */
		snprintf(err, errlen, "watching %s for changes to %s: %s", dir, file, strerror(errno));
		return -1;
	}
	return watch_links_to(fd, dir, links, err, errlen);
}

int zone_watch_add(int fd, const char *file, struct hmap *links, char *err, size_t errlen)
{
	char dir[PATH_MAX], base[NAME_MAX + 1];

	split(file, dir, base);
	return watch_directory(fd, file, dir, links, err, errlen);
}

/* Whether file is in dir. */
static bool in_directory(const char *file, const char *dir)
{
	char its[PATH_MAX], base[NAME_MAX + 1];

	split(file, its, base);
	return !strcmp(its, dir);
}

size_t zone_watch_add_all(int fd, char *const *files, size_t count, struct hmap *links, char *err, size_t errlen)
{
	char dir[PATH_MAX], base[NAME_MAX + 1], later[256];
	/* A directory's hash -> (1 + the index of its first file) << 1, | 1
	 * when it could not be watched: its watch and the walk over its
	 * symlinks once, for 100,000 zone files in a few directories. */
	struct hmap placed = { 0 };
	size_t failed = 0;

	for (size_t i = 0; i < count; i++) {
		uint64_t key;
		uintptr_t seen;
		bool failing;

		split(files[i], dir, base);
		key = hmap_hash(HMAP_HASH_SEED, dir, strlen(dir));
		seen = (uintptr_t)hmap_get(&placed, key);
		if (seen && in_directory(files[(seen >> 1) - 1], dir)) {
			failed += seen & 1;
			continue;
		}
		failing = watch_directory(fd, files[i], dir, links, failed ? later : err, failed ? sizeof(later) : errlen);
		failed += failing;
		/* Two directories of one hash: the second is placed at each of
		 * its files; without memory, so is this one (the same watches). */
		if (!seen)
			hmap_set(&placed, key, (void *)(((i + 1) << 1) | failing));
	}
	hmap_free(&placed);
	return failed;
}

int zone_watch_open(char *const *files, size_t count, struct hmap *links, char *err, size_t errlen)
{
	int fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);

	if (fd < 0) {
		snprintf(err, errlen, "inotify: %s", strerror(errno));
		return -1;
	}
	if (zone_watch_add_all(fd, files, count, links, err, errlen)) {
		close(fd);
		return -1;
	}
	return fd;
}

uint64_t zone_watch_key(const char *file)
{
	char dir[PATH_MAX], base[NAME_MAX + 1];

	split(file, dir, base);
	return name_key(base);
}

bool zone_watch_changed(int fd, const struct hmap *names, const struct hmap *links, bool *watch_again)
{
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	bool changed = false;
	ssize_t n;

	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		for (char *p = buf; p < buf + n;) {
			const struct inotify_event *ev = (const struct inotify_event *)p;

			/* The queue overflowed: the events past it, a zone file's
			 * among them maybe, were dropped. ev->name is NUL-padded
			 * to ev->len. */
			if (ev->mask & IN_Q_OVERFLOW)
				changed = true;
			else if (ev->mask & DIRECTORY_GONE)
				changed = *watch_again = true;
			else if (ev->len && hmap_get(links, name_key(ev->name)))
				changed = *watch_again = true;
			else if (ev->len && !changed)
				changed = hmap_get(names, name_key(ev->name)) != NULL;
			p += sizeof(*ev) + ev->len;
		}
	}
	return changed;
}
