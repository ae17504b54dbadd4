// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * LD_PRELOAD into xdpcastd: the first durable write (its mkostemp) of a
 * file whose path holds $STALL_NAME, or the first RRset of that owner
 * written as text ($STALL_NAME "catalog.test."), makes the file
 * $STALL_MARKER, then sleeps $STALL_S seconds, so that a test can change
 * what the daemon holds while that write's job is on its lane. The first
 * file renamed into a path holding $STALL_NAME is kept as $STALL_KEEP
 * too: the file that write left, before the next one replaces it.
 * Once $STALL_READ_ARM exists, the first name $STALL_READ_NAME made text
 * (the file removed then) sleeps $STALL_READ_S seconds on the thread
 * that reads it: a reader held halfway through a zone.
 */
#include <dlfcn.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <libknot/libknot.h>

/* The first time `what` holds $STALL_NAME: the marker made, then the sleep. */
static void stall_at(const char *what)
{
	const char *name = getenv("STALL_NAME"), *marker = getenv("STALL_MARKER"), *seconds = getenv("STALL_S");

	if (name && marker && seconds && strstr(what, name) && access(marker, F_OK)) {
		close(open(marker, O_CREAT | O_WRONLY | O_CLOEXEC, 0600));
		sleep(atoi(seconds));
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

	if (!real_mkostemp)
		real_mkostemp = (int (*)(char *, int))dlsym(RTLD_NEXT, "mkostemp");
	stall_at(template);
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
