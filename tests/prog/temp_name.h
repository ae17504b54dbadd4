/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Where tests put their files: $TMPDIR, which tests/private_tmp.sh makes
 * for each test and removes after it, so that a test failing halfway
 * leaves nothing behind; /tmp when a test runs by hand.
 */
#ifndef XDPCAST_TESTS_TEMP_NAME_H
#define XDPCAST_TESTS_TEMP_NAME_H

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static inline const char *temp_dir(void)
{
	const char *dir = getenv("TMPDIR");

	return dir && dir[0] ? dir : "/tmp";
}

/* Room for a test's own file or directory there: short, so that paths
 * under it stay within the buffers (and socket paths) tests use. */
#define TEMP_NAME_MAX 64

/* `name` (a mkstemp or mkdtemp template) in temp_dir(), in `out`. */
static inline char *temp_name(char out[TEMP_NAME_MAX], size_t len, const char *name)
{
	if ((size_t)snprintf(out, len, "%s/%s", temp_dir(), name) >= len) {
		fprintf(stderr, "TMPDIR %s is too long for the tests' paths\n", temp_dir());
		abort();
	}
	return out;
}

/* A file holding `text`, made from the mkstemp template `name` in
 * temp_dir(); its path in `out`, or NULL when it cannot be written. */
static inline const char *temp_file(char out[TEMP_NAME_MAX], const char *name, const char *text)
{
	int fd = mkstemp(temp_name(out, TEMP_NAME_MAX, name));
	ssize_t len = (ssize_t)strlen(text), written;

	if (fd < 0)
		return NULL;
	written = write(fd, text, len);
	close(fd);
	if (written == len)
		return out;
	unlink(out);
	return NULL;
}

#endif
