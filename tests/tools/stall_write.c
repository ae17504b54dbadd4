// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * LD_PRELOAD into xdpcastd: a durable write (its mkostemp) of a file
 * whose path holds $STALL_NAME, or an RRset of that owner written as text
 * ($STALL_NAME "catalog.test."), while $STALL_MARKER does not exist (the
 * first, unless a test removes it), makes the file $STALL_MARKER, then
 * sleeps $STALL_S seconds, so that a test can change what the daemon
 * holds while that write's job is on its lane, then makes
 * $STALL_MARKER.over as the write goes on. The first
 * file renamed into a path holding $STALL_NAME is kept as $STALL_KEEP
 * too: the file that write left, before the next one replaces it.
 * Once $STALL_READ_ARM exists, the first name $STALL_READ_NAME made text
 * (the file removed then) sleeps $STALL_READ_S seconds on the thread
 * that reads it: a reader held halfway through a zone.
 * While $FULL_MARKER exists, a durable write of a file whose path holds
 * $FULL_NAME fails as on a full disk (ENOSPC), after any hold above (a
 * held write fails when the file is made meanwhile). Once $POLL_FAIL_ARM exists,
 * the first poll of more than two descriptors (the event loop's: checks,
 * transfers and drains poll one) fails with ENOMEM, the file removed.
 * inotify's limits reached by other programs: while the file
 * $INOTIFY_INSTANCES_FULL exists, inotify_init1 fails (EMFILE); while
 * $INOTIFY_WATCHES_FULL exists, a watch on a path holding
 * $INOTIFY_WATCHES_FULL_NAME fails (ENOSPC).
 * Holds, each for as long as a test needs whatever the machine's speed,
 * and at most $HOLD_S seconds (a failing test need not wait it out to
 * stop the daemon): the first open (or open64, not openat or fopen) of a
 * path holding $HOLD_OPEN_NAME makes the file $HOLD_OPEN_MARKER and waits
 * until $HOLD_OPEN_RELEASE exists (a zone load held at an $INCLUDE); the
 * first bpf_map_update_batch, which puts compiled blob pages in place,
 * does the same with $HOLD_PUBLISH_MARKER and $HOLD_PUBLISH_RELEASE (a
 * compile held before its pages are published).
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <sys/inotify.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <libknot/libknot.h>

/* The first time `what` holds $STALL_NAME: the marker made, then the
 * sleep, then $STALL_MARKER.over made (the write goes on). */
static void stall_at(const char *what)
{
	const char *name = getenv("STALL_NAME"), *marker = getenv("STALL_MARKER"), *seconds = getenv("STALL_S");
	char over[4096];

	if (name && marker && seconds && strstr(what, name) && access(marker, F_OK)) {
		close(open(marker, O_CREAT | O_WRONLY | O_CLOEXEC, 0600));
		sleep(atoi(seconds));
		snprintf(over, sizeof(over), "%s.over", marker);
		close(open(over, O_CREAT | O_WRONLY | O_CLOEXEC, 0600));
	}
}

char *knot_dname_to_str(char *dst, const knot_dname_t *name, size_t maxlen)
{
	static char *(*real_to_str)(char *, const knot_dname_t *, size_t);
	const char *wanted = getenv("STALL_READ_NAME"), *arm = getenv("STALL_READ_ARM"),
		   *seconds = getenv("STALL_READ_S");
	char *text;

	if (!real_to_str)
		real_to_str = (char *(*)(char *, const knot_dname_t *, size_t))dlsym(RTLD_NEXT, "knot_dname_to_str");
	text = real_to_str(dst, name, maxlen);
	if (text && wanted && arm && seconds && !strcmp(text, wanted) && !unlink(arm))
		sleep(atoi(seconds));
	return text;
}

int mkostemp(char *template, int flags)
{
	static int (*real_mkostemp)(char *, int);

	const char *full_name = getenv("FULL_NAME"), *full_marker = getenv("FULL_MARKER");

	if (!real_mkostemp)
		real_mkostemp = (int (*)(char *, int))dlsym(RTLD_NEXT, "mkostemp");
	stall_at(template);     /* first: a held write can end full */
	if (full_name && full_marker && strstr(template, full_name) && !access(full_marker, F_OK)) {
		errno = ENOSPC;
		return -1;
	}
	return real_mkostemp(template, flags);
}

int knot_rrset_txt_dump(const knot_rrset_t *rrset, char **dst, size_t *dst_size, const knot_dump_style_t *style)
{
	static int (*real_dump)(const knot_rrset_t *, char **, size_t *, const knot_dump_style_t *);
	char owner[KNOT_DNAME_TXT_MAXLEN];

	if (!real_dump)
		real_dump = (int (*)(const knot_rrset_t *, char **, size_t *, const knot_dump_style_t *))
			dlsym(RTLD_NEXT, "knot_rrset_txt_dump");
	if (knot_dname_to_str(owner, rrset->owner, sizeof(owner)))
		stall_at(owner);
	return real_dump(rrset, dst, dst_size, style);
}

int rename(const char *from, const char *to)
{
	static int (*real_rename)(const char *, const char *);
	const char *name = getenv("STALL_NAME"), *keep = getenv("STALL_KEEP");

	if (!real_rename)
		real_rename = (int (*)(const char *, const char *))dlsym(RTLD_NEXT, "rename");
	if (name && keep && strstr(to, name) && access(keep, F_OK))
		link(from, keep);
	return real_rename(from, to);
}

int poll(struct pollfd *fds, nfds_t nfds, int timeout)
{
	static int (*real_poll)(struct pollfd *, nfds_t, int);
	const char *arm = getenv("POLL_FAIL_ARM");

	if (!real_poll)
		real_poll = (int (*)(struct pollfd *, nfds_t, int))dlsym(RTLD_NEXT, "poll");
	if (arm && nfds > 2 && !unlink(arm)) {
		errno = ENOMEM;
		return -1;
	}
	return real_poll(fds, nfds, timeout);
}

int inotify_init1(int flags)
{
	static int (*real_init)(int);

	if (!real_init)
		real_init = (int (*)(int))dlsym(RTLD_NEXT, "inotify_init1");
	const char *full = getenv("INOTIFY_INSTANCES_FULL");

	if (full && !access(full, F_OK)) {
		errno = EMFILE;
		return -1;
	}
	return real_init(flags);
}

int inotify_add_watch(int fd, const char *path, uint32_t mask)
{
	static int (*real_add)(int, const char *, uint32_t);
	const char *full = getenv("INOTIFY_WATCHES_FULL"), *name = getenv("INOTIFY_WATCHES_FULL_NAME");

	if (!real_add)
		real_add = (int (*)(int, const char *, uint32_t))dlsym(RTLD_NEXT, "inotify_add_watch");
	if (full && name && strstr(path, name) && !access(full, F_OK)) {
		errno = ENOSPC;
		return -1;
	}
	return real_add(fd, path, mask);
}

/* The first time, once the marker is made (by fopen, which the shim
 * leaves alone): the wait for the release. */
static void hold(const char *marker_var, const char *release_var)
{
	const char *marker = getenv(marker_var), *release = getenv(release_var), *seconds = getenv("HOLD_S");
	FILE *made;

	if (!marker || !release || !seconds || !access(marker, F_OK))
		return;
	made = fopen(marker, "we");
	if (made)
		fclose(made);
	for (int waited = 0; access(release, F_OK) && waited < atoi(seconds) * 50; waited++)
		usleep(20000);
}

/* open and open64 (a build with 64-bit file offsets calls the latter):
 * the hold, then the real call by `symbol`. */
static int hold_then_open(const char *symbol, const char *path, int flags, mode_t mode)
{
	int (*real_open)(const char *, int, ...) = (int (*)(const char *, int, ...))dlsym(RTLD_NEXT, symbol);
	const char *name = getenv("HOLD_OPEN_NAME");

	if (name && strstr(path, name))
		hold("HOLD_OPEN_MARKER", "HOLD_OPEN_RELEASE");
	return real_open(path, flags, mode);
}

int bpf_map_update_batch(int fd, const void *keys, const void *values, __u32 *count,
			 const struct bpf_map_batch_opts *opts)
{
	int (*real_batch)(int, const void *, const void *, __u32 *, const struct bpf_map_batch_opts *) =
		(int (*)(int, const void *, const void *, __u32 *, const struct bpf_map_batch_opts *))
			dlsym(RTLD_NEXT, "bpf_map_update_batch");

	hold("HOLD_PUBLISH_MARKER", "HOLD_PUBLISH_RELEASE");
	return real_batch(fd, keys, values, count, opts);
}

/* The mode is there only with O_CREAT or O_TMPFILE. */
#define OPEN_MODE(flags) ({                                                     \
	mode_t mode = 0;                                                        \
	if ((flags) & O_CREAT || ((flags) & O_TMPFILE) == O_TMPFILE) {         \
		va_list ap;                                                     \
		va_start(ap, flags);                                            \
		mode = va_arg(ap, mode_t);                                      \
		va_end(ap);                                                     \
	}                                                                       \
	mode;                                                                   \
})

int open(const char *path, int flags, ...)
{
	return hold_then_open("open", path, flags, OPEN_MODE(flags));
}

int open64(const char *path, int flags, ...)
{
	return hold_then_open("open64", path, flags, OPEN_MODE(flags));
}
