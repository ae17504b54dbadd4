// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * LD_PRELOAD into xdpcastd: the first durable write (its mkostemp) of a
 * file whose path holds $STALL_NAME makes the file $STALL_MARKER, then
 * sleeps $STALL_S seconds, so that a test can change what the daemon
 * holds while that write's job is on its lane.
 */
#include <dlfcn.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int mkostemp(char *template, int flags)
{
	static int (*real_mkostemp)(char *, int);
	const char *name = getenv("STALL_NAME"), *marker = getenv("STALL_MARKER"), *seconds = getenv("STALL_S");

	if (!real_mkostemp)
		real_mkostemp = (int (*)(char *, int))dlsym(RTLD_NEXT, "mkostemp");
	if (name && marker && seconds && strstr(template, name) && access(marker, F_OK)) {
		close(open(marker, O_CREAT | O_WRONLY | O_CLOEXEC, 0600));
		sleep(atoi(seconds));
	}
	return real_mkostemp(template, flags);
}
