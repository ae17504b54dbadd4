// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/inotify.h>
#include <sys/stat.h>

#include "array.h"
#include "zone_watch.h"

/* A directory moved or deleted (a deploy swapping the zone directory):
 * its watch follows the old one, or ends (IN_IGNORED). */
#define WATCH_EVENTS (IN_CLOSE_WRITE | IN_MOVED_TO | IN_CREATE | IN_DELETE | IN_MOVE_SELF | IN_DELETE_SELF)
#define DIRECTORY_GONE (IN_MOVE_SELF | IN_DELETE_SELF | IN_IGNORED)
/* The directories on the way to theirs: a name there created or renamed
 * over (added to a watch the same directory may have for its files). */
#define WAY_EVENTS (IN_CREATE | IN_MOVED_TO | IN_MASK_ADD)
#define SYMLINK_HOPS_MAX 40     /* the kernel's bound: past it, a loop */

/* dirname and basename may modify their argument: copies. */
/* The sysctl an inotify_add_watch errno stands for: ENOSPC is the
 * user's watches running out, not a full disk. */
static const char *limit_hint(int error)
{
	return error == ENOSPC ? " (inotify watches: fs.inotify.max_user_watches)" : "";
}

static void split(const char *path, char dir[PATH_MAX], char base[NAME_MAX + 1])
{
	char a[PATH_MAX], b[PATH_MAX];

	snprintf(a, sizeof(a), "%s", path);
	snprintf(b, sizeof(b), "%s", path);
	snprintf(dir, PATH_MAX, "%s", dirname(a));
	snprintf(base, NAME_MAX + 1, "%s", basename(b));
}

/* A step: a name in the directory of watch wd. A step's name elsewhere
 * (a zone file named as a directory on some way) is no step. */
static uint64_t step_key(int wd, const char *name)
{
	return hmap_hash(hmap_hash(HMAP_HASH_SEED, &wd, sizeof(wd)), name, strlen(name));
}

/*
 * The ways to the directories a round of watches reached. Each directory
 * on a way is watched for the name of the next step (into `steps`), and a
 * symlink's target followed: a deploy that switches a symlink to a new
 * release (ln -sfn, then mv -T over it), renames a new tree into the place
 * of one holding the zones, or puts a zone directory in place after the
 * old one went, changes a name on the way, while the watch on the old
 * directory sees nothing. A directory's way is its parent's and one step
 * more, walked once a round, and a directory is watched for its steps
 * once: 100,000 zone directories cost a step each, not a walk each.
 */
struct way {
	char *path;             /* as named */
	char *resolved;         /* symlinks followed; NULL: not there (yet) */
	bool watched;           /* this round: watched for its files */
	bool unwatchable;       /* this round: watching it for its files failed */
};

struct ways {
	int fd;
	struct hmap *steps;     /* the round's */
	struct hmap *watches;   /* the round's */
	bool short_of_memory;   /* a watch not placed, or not in watches: none dropped */
	struct way *items;
	size_t count;
	struct hmap_index index;        /* items by their path's hash */
	struct holder *holders;         /* directories watched for their steps */
	size_t holder_count;
	struct hmap_index holder_index; /* holders by their path's hash */
};

struct holder {
	char *path;             /* symlinks followed */
	int wd;
};

static void ways_free(struct ways *ways)
{
	for (size_t i = 0; i < ways->count; i++) {
		free(ways->items[i].path);
		free(ways->items[i].resolved);
	}
	free(ways->items);
	hmap_index_free(&ways->index);
	for (size_t i = 0; i < ways->holder_count; i++)
		free(ways->holders[i].path);
	free(ways->holders);
	hmap_index_free(&ways->holder_index);
}

/* -1, err saying why: out of memory watching path. */
static int short_of_memory(struct ways *ways, const char *path, char *err, size_t errlen)
{
	ways->short_of_memory = true;
	snprintf(err, errlen, "watching %s: out of memory", path);
	return -1;
}

/* The round's watches hold wd; -1 out of memory (err says so). */
static int placed(struct ways *ways, int wd, const char *path, char *err, size_t errlen)
{
	return hmap_set(ways->watches, (uint64_t)wd, (void *)1) ? short_of_memory(ways, path, err, errlen) : 0;
}

/* The watch on holder for its steps, placed once a round; -1 (err says why). */
static int holder_watch(struct ways *ways, const char *holder, const char *name, char *err, size_t errlen)
{
	uint64_t key = hmap_hash_text(holder);
	struct holder *added;
	int wd;

	for (size_t i = hmap_index_first(&ways->holder_index, key); i != HMAP_INDEX_END;
	     i = hmap_index_next(&ways->holder_index, i))
		if (!strcmp(ways->holders[i].path, holder))
			return ways->holders[i].wd;
	if ((wd = inotify_add_watch(ways->fd, holder, WAY_EVENTS)) < 0) {
		snprintf(err, errlen, "watching %s for a change to %s: %s%s", holder, name, strerror(errno),
			 limit_hint(errno));
		return -1;
	}
	if (placed(ways, wd, holder, err, errlen))
		return -1;
	if (!(added = array_push((void **)&ways->holders, &ways->holder_count, sizeof(*added))) ||
	    !(added->path = strdup(holder)) || hmap_index_add(&ways->holder_index, key, ways->holder_count - 1))
		return short_of_memory(ways, holder, err, errlen);
	added->wd = wd;
	return wd;
}

/* Watches holder (once a round) for a step named `name`. */
static int watch_step(struct ways *ways, const char *holder, const char *name, char *err, size_t errlen)
{
	int wd = holder_watch(ways, holder, name, err, errlen);

	if (wd < 0)
		return -1;
	if (hmap_set(ways->steps, step_key(wd, name), (void *)1))
		return short_of_memory(ways, holder, err, errlen);
	return 0;
}

/* Follows `way` from resolved (a directory without symlinks, "" the root)
 * as the kernel would, watching each step; resolved becomes where it
 * leads. 0; 1 when it leads nowhere (a step not there, a symlink loop:
 * the step watched for), -1 (err says why). */
static int follow(struct ways *ways, char resolved[PATH_MAX], const char *way, char *err, size_t errlen)
{
	char rest[PATH_MAX], target[PATH_MAX], next[2 * PATH_MAX];
	int hops = 0;

	snprintf(rest, sizeof(rest), "%s", way);
	for (char *name = rest, *end; *name; name = end) {
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
		if (watch_step(ways, *resolved ? resolved : "/", name, err, errlen))
			return -1;
		snprintf(next, sizeof(next), "%s/%s", resolved, name);
		if (lstat(next, &sb))
			return 1;
		if (strlen(next) >= PATH_MAX || (S_ISLNK(sb.st_mode) && ++hops > SYMLINK_HOPS_MAX))
			return 1;       /* too long, a loop: the kernel gets nowhere either; the step is watched */
		if (!S_ISLNK(sb.st_mode)) {
			memcpy(resolved, next, strlen(next) + 1);
			continue;
		}
		if ((len = readlink(next, target, sizeof(target) - 1)) < 0)
			return 1;
		target[len] = '\0';
		/* The rest of the way goes on from the link's target. */
		snprintf(next, sizeof(next), "%s/%s", target, end);
		snprintf(rest, sizeof(rest), "%s", next);
		end = rest;
		if (target[0] == '/')
			*resolved = '\0';
	}
	return 0;
}

/* The way to path (absolute, as named): its parent's, then one step;
 * the index of its entry in ways, or -1 (err says why). */
static ssize_t reach(struct ways *ways, const char *path, char *err, size_t errlen)
{
	uint64_t key = hmap_hash_text(path);
	char parent[PATH_MAX], name[NAME_MAX + 1], resolved[PATH_MAX] = "";
	bool there = true;
	struct way *way;

	for (size_t i = hmap_index_first(&ways->index, key); i != HMAP_INDEX_END; i = hmap_index_next(&ways->index, i))
		if (!strcmp(ways->items[i].path, path))
			return i;
	if (path[strspn(path, "/")]) {    /* not the root ("//" too, its own dirname) */
		ssize_t up;
		int ret;

		split(path, parent, name);
		if ((up = reach(ways, parent, err, errlen)) < 0)
			return -1;
		there = ways->items[up].resolved != NULL;
		if (there) {
			snprintf(resolved, sizeof(resolved), "%s", strcmp(ways->items[up].resolved, "/") ?
				 ways->items[up].resolved : "");
			if ((ret = follow(ways, resolved, name, err, errlen)) < 0)
				return -1;
			there = ret == 0;
		}
	}
	if (!(way = array_push((void **)&ways->items, &ways->count, sizeof(*way))) || !(way->path = strdup(path)) ||
	    (there && !(way->resolved = strdup(*resolved ? resolved : "/"))))
		return short_of_memory(ways, path, err, errlen);
	if (hmap_index_add(&ways->index, key, ways->count - 1))
		return short_of_memory(ways, path, err, errlen);
	return ways->count - 1;
}

/* The directory of file, and its way. */
static int watch_directory(struct ways *ways, const char *file, const char *dir, char *err, size_t errlen)
{
	char path[PATH_MAX], cwd[PATH_MAX];
	struct way *way;
	ssize_t at;
	int wd;

	if (dir[0] != '/' && !getcwd(cwd, sizeof(cwd))) {
		snprintf(err, errlen, "watching %s for changes to %s: %s", dir, file, strerror(errno));
		return -1;
	}
	if (snprintf(path, sizeof(path), "%s%s%s", dir[0] == '/' ? "" : cwd, dir[0] == '/' ? "" : "/", dir) >=
	    (int)sizeof(path)) {
		snprintf(err, errlen, "watching %s for changes to %s: %s", dir, file, strerror(ENAMETOOLONG));
		return -1;
	}
	if ((at = reach(ways, path, err, errlen)) < 0)
		return -1;
	way = &ways->items[at];
	if (!way->resolved)
		return 0;       /* not there (yet): its coming is a change */
	if (way->watched)       /* for another of its files */
		return way->unwatchable ? -1 : 0;
	way->watched = true;
	if ((wd = inotify_add_watch(ways->fd, dir, WATCH_EVENTS)) < 0) {
		way->unwatchable = true;
		snprintf(err, errlen, "watching %s for changes to %s: %s%s", dir, file, strerror(errno),
			 limit_hint(errno));
		return -1;
	}
	return placed(ways, wd, dir, err, errlen);
}

/* Watches the directory of each file, and its way, into the sets of
 * ways; how many could not be. */
static size_t watch_files(struct ways *ways, char *const *files, size_t count, char *err, size_t errlen)
{
	char dir[PATH_MAX], base[NAME_MAX + 1], later[256];
	size_t failed = 0;

	for (size_t i = 0; i < count; i++) {
		split(files[i], dir, base);
		failed += watch_directory(ways, files[i], dir, failed ? later : err, failed ? sizeof(later) : errlen) != 0;
	}
	ways_free(ways);
	return failed;
}

size_t zone_watch_add(struct zone_watch *w, char *const *files, size_t count, char *err, size_t errlen)
{
	struct ways ways = { .fd = w->fd, .steps = &w->steps, .watches = &w->watches };

	return watch_files(&ways, files, count, err, errlen);
}

static int drop_unless_kept(uint64_t wd, void *value, void *arg)
{
	const struct ways *round = arg;

	(void)value;
	if (!hmap_get(round->watches, wd))
		inotify_rm_watch(round->fd, (int)wd);
	return 0;
}

size_t zone_watch_add_all(struct zone_watch *w, char *const *files, size_t count, char *err, size_t errlen)
{
	struct hmap steps = { 0 }, watches = { 0 };
	struct ways round = { .fd = w->fd, .steps = &steps, .watches = &watches };
	size_t failed = watch_files(&round, files, count, err, errlen);

	/* A watch the round placed is missing from its set: one of the last
	 * round's may be it, and stays. */
	if (!round.short_of_memory)
		hmap_each(&w->watches, drop_unless_kept, &round);
	hmap_free(&w->steps);
	hmap_free(&w->watches);
	w->steps = steps;
	w->watches = watches;
	return failed;
}

int zone_watch_open(struct zone_watch *w, char *const *files, size_t count, char *err, size_t errlen)
{
	memset(w, 0, sizeof(*w));
	w->fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (w->fd < 0) {
		/* EMFILE here is the user's inotify instances, not descriptors. */
		snprintf(err, errlen, "inotify: %s%s", errno == EMFILE ? "too many inotify instances" : strerror(errno),
			 errno == EMFILE ? " (fs.inotify.max_user_instances)" : "");
		return -1;
	}
	return zone_watch_add_all(w, files, count, err, errlen);
}

void zone_watch_close(struct zone_watch *w)
{
	if (w->fd >= 0)
		close(w->fd);
	w->fd = -1;
	hmap_free(&w->steps);
	hmap_free(&w->watches);
}

uint64_t zone_watch_key(const char *file)
{
	char dir[PATH_MAX], base[NAME_MAX + 1];

	split(file, dir, base);
	return hmap_hash_text(base);
}

bool zone_watch_changed(const struct zone_watch *w, const struct hmap *names, bool *watch_again)
{
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	bool changed = false;
	ssize_t n;

	while ((n = read(w->fd, buf, sizeof(buf))) > 0) {
		for (char *p = buf; p < buf + n;) {
			const struct inotify_event *ev = (const struct inotify_event *)p;

			/* The queue overflowed: the events past it, a zone file's
			 * or a step's on the way among them maybe, were dropped.
			 * ev->name is NUL-padded to ev->len. */
			if (ev->mask & IN_Q_OVERFLOW)
				changed = *watch_again = true;
			else if (!hmap_get(&w->watches, (uint64_t)ev->wd))
				;       /* dropped: an old release's, removed maybe, or its IN_IGNORED */
			else if (ev->mask & DIRECTORY_GONE)
				changed = *watch_again = true;
			else if (ev->len && hmap_get(&w->steps, step_key(ev->wd, ev->name)))
				changed = *watch_again = true;
			else if (ev->len && !changed)
				changed = hmap_get(names, hmap_hash_text(ev->name)) != NULL;
			p += sizeof(*ev) + ev->len;
		}
	}
	return changed;
}
