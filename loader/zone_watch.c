// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/inotify.h>

#include "zone_watch.h"

/* A directory moved or deleted (a deploy swapping the zone directory):
 * its watch follows the old one, or ends (IN_IGNORED). */
#define WATCH_EVENTS (IN_CLOSE_WRITE | IN_MOVED_TO | IN_CREATE | IN_DELETE | IN_MOVE_SELF | IN_DELETE_SELF)
#define DIRECTORY_GONE (IN_MOVE_SELF | IN_DELETE_SELF | IN_IGNORED)

/* dirname and basename may modify their argument: copies. */
static void split(const char *path, char dir[PATH_MAX], char base[NAME_MAX + 1])
{
	char a[PATH_MAX], b[PATH_MAX];

	snprintf(a, sizeof(a), "%s", path);
	snprintf(b, sizeof(b), "%s", path);
	snprintf(dir, PATH_MAX, "%s", dirname(a));
	snprintf(base, NAME_MAX + 1, "%s", basename(b));
}

int zone_watch_add(int fd, const char *file, char *err, size_t errlen)
{
	char dir[PATH_MAX], base[NAME_MAX + 1];

	split(file, dir, base);
	if (inotify_add_watch(fd, dir, WATCH_EVENTS) < 0) {     /* the same dir twice is one watch */
		snprintf(err, errlen, "watching %s for changes to %s: %s", dir, file, strerror(errno));
		return -1;
	}
	return 0;
}

int zone_watch_open(char *const *files, size_t count, char *err, size_t errlen)
{
	int fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);

	if (fd < 0) {
		snprintf(err, errlen, "inotify: %s", strerror(errno));
		return -1;
	}
	for (size_t i = 0; i < count; i++)
		if (zone_watch_add(fd, files[i], err, errlen)) {
			close(fd);
			return -1;
		}
	return fd;
}

uint64_t zone_watch_key(const char *file)
{
	char dir[PATH_MAX], base[NAME_MAX + 1];

	split(file, dir, base);
	return hmap_hash(HMAP_HASH_SEED, base, strlen(base));
}

bool zone_watch_changed(int fd, const struct hmap *names, bool *directory_gone)
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
				changed = *directory_gone = true;
			else if (ev->len && !changed)
				changed = hmap_get(names, hmap_hash(HMAP_HASH_SEED, ev->name, strlen(ev->name))) != NULL;
			p += sizeof(*ev) + ev->len;
		}
	}
	return changed;
}
