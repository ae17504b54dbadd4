// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <sys/file.h>

#include "durable_file.h"
#include "log.h"
#include "private_dir.h"

static int write_all(int fd, const char *data, size_t len)
{
	while (len) {
		ssize_t n = write(fd, data, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		data += n;
		len -= n;
	}
	return 0;
}

/* The rename is durable only once the directory holding it is synced. */
static int sync_directory(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int ret;

	if (fd < 0)
		return -1;
	ret = fsync(fd);
	close(fd);
	return ret;
}

/* dir and the directories above it that are missing, as mkdir -p. */
static int make_directories(const char *dir)
{
	char partial[4096];

	snprintf(partial, sizeof(partial), "%s", dir);
	for (char *slash = strchr(partial + 1, '/');; slash = strchr(slash + 1, '/')) {
		if (slash)
			*slash = '\0';
		if (mkdir(partial, 0755) && errno != EEXIST)
			return -1;
		if (!slash)
			return 0;
		*slash = '/';
	}
}

/* The directory of path made if missing (as mkdir -p) and checked that no
 * other user may write it; NULL with err when not. Points into copy. */
static const char *directory_ready(const char *path, char copy[4096], char *err, size_t errlen)
{
	const char *dir;

	snprintf(copy, 4096, "%s", path);
	dir = dirname(copy);
	if (make_directories(dir)) {
		snprintf(err, errlen, "creating %s: %s", dir, strerror(errno));
		return NULL;
	}
	if (private_parent_check(path, err, errlen)) {
		errno = EPERM;  /* not what an earlier call left */
		return NULL;
	}
	return dir;
}

int durable_file_write(const char *path, const void *data, size_t len, char *err, size_t errlen)
{
	char copy[4096], tmp[4200];
	const char *dir = directory_ready(path, copy, err, errlen);
	int fd, saved;

	if (!dir)
		return -1;
	snprintf(tmp, sizeof(tmp), "%s.XXXXXX", path);
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0) {
		saved = errno;
		snprintf(err, errlen, "creating a temporary file beside it: %s", strerror(saved));
		errno = saved;
		return -1;
	}
	if (fchmod(fd, 0644) || write_all(fd, data, len) || fsync(fd)) {
		saved = errno;
		close(fd);
		goto failed;
	}
	if (close(fd) || rename(tmp, path)) {
		saved = errno;
		goto failed;
	}
	/* Renamed: every reader (the next start too) sees the new file now.
	 * Said failed, the caller would keep the old state in force while the
	 * file says the new one. */
	if (sync_directory(dir))
		log_warn("%s: written, but syncing %s failed (%s): a power loss may bring back the file before it",
			 path, dir, strerror(errno));
	return 0;
failed:
	unlink(tmp);
	snprintf(err, errlen, "%s", strerror(saved));
	errno = saved;
	return -1;
}

int durable_file_overwrite(const char *path, const void *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC), saved;
	struct stat st;
	bool room;

	if (fd < 0)
		return -1;
	room = !fstat(fd, &st) && S_ISREG(st.st_mode) && (size_t)st.st_size >= len;
	if (!room || write_all(fd, data, len) || ftruncate(fd, (off_t)len) || fsync(fd)) {
		saved = room ? errno : ENOSPC;
		close(fd);
		errno = saved;
		return -1;
	}
	return close(fd);
}

int durable_file_lock(const char *path, char *err, size_t errlen)
{
	char copy[4096], lock[4200], why[512];
	struct stat st;
	int fd;

	if (!directory_ready(path, copy, why, sizeof(why))) {
		if (errno == EROFS)
			return DURABLE_FILE_UNLOCKED;
		snprintf(err, errlen, "%s: %s", path, why);
		return -1;
	}
	snprintf(lock, sizeof(lock), "%s.lock", path);
	/* Read-only: flock needs no more, and one left there opens on a
	 * filesystem remounted read-only. */
	fd = open(lock, O_RDONLY | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, 0600);
	if (fd < 0 && errno == EROFS)
		return DURABLE_FILE_UNLOCKED;
	if (fd < 0) {
		snprintf(err, errlen, "%s: %s", lock, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s: not a regular file", lock);
		close(fd);
		return -1;
	}
	if (flock(fd, LOCK_EX | LOCK_NB)) {
		if (errno == EWOULDBLOCK)
			snprintf(err, errlen, "%s: another xdpcastd uses it (it holds %s): give each its own", path,
				 lock);
		else
			snprintf(err, errlen, "%s: %s", lock, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}
