// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "bird.h"
#include "bird_include.h"
#include "durable_file.h"
#include "log.h"

/* The longest route line: the longest prefix, drained with every prepend
 * of the largest AS number and every community at its longest. 16 KiB
 * held 25 to 50 drained prefixes: the file was not written, and BIRD kept
 * what it had, withdrawals in the same decision too. */
#define ROUTE_LINE_MAX (sizeof("\troute  blackhole { };\n") + sizeof(((struct route *)0)->prefix) + \
			BIRD_PREPEND_MAX * sizeof(" bgp_path.prepend(4294967295);") + \
			sizeof(((struct drain_style *)0)->communities) / sizeof(((struct drain_style *)0)->communities[0]) * \
			(sizeof(" bgp_community.add((, ));") + sizeof(((struct drain_style *)0)->communities[0])))
_Static_assert(BIRD_MAX_PREFIXES * ROUTE_LINE_MAX + 1024 < BIRD_INCLUDE_MAX, "every route fits the include file");

const char *const route_state_names[] = {
	[ROUTE_WITHDRAWN] = "withdrawn", [ROUTE_ANNOUNCED] = "announced", [ROUTE_PREPENDED] = "prepended",
};

const char *drain_lacks(const struct drain_style *drain, unsigned prepend)
{
	if (drain && ((drain->asn && prepend) || drain->community_count))
		return NULL;
	return drain && drain->asn ? "no bgp.drain.communities, and 0 prepends of bgp.asn" :
	       "no bgp.asn nor bgp.drain.communities";
}

bool drain_possible(const struct drain_style *drain, unsigned prepend)
{
	return !drain_lacks(drain, prepend);
}

const char *const bird_include_protocols[2] = { "xdpcast4", "xdpcast6" };

/* One static protocol with the routes of one family. */
static int render_protocol(const struct route *routes, size_t count, bool ipv6, const struct drain_style *drain,
			   FILE *out)
{
	fprintf(out, "protocol static %s {\n\t%s;\n", bird_include_protocols[ipv6], ipv6 ? "ipv6" : "ipv4");
	for (size_t i = 0; i < count; i++) {
		const struct route *r = &routes[i];

		if (r->state == ROUTE_WITHDRAWN || (strchr(r->prefix, ':') != NULL) != ipv6)
			continue;
		fprintf(out, "\troute %s blackhole", r->prefix);
		if (r->state == ROUTE_PREPENDED) {
			if (!drain_possible(drain, r->prepend))
				return -1;
			fputs(" {", out);
			for (unsigned n = 0; drain->asn && n < r->prepend; n++)
				fprintf(out, " bgp_path.prepend(%u);", drain->asn);
			for (size_t c = 0; c < drain->community_count; c++) {
				const char *colon = strchr(drain->communities[c], ':');

				fprintf(out, " bgp_community.add((%.*s, %s));", (int)(colon - drain->communities[c]),
					drain->communities[c], colon + 1);
			}
			fputs(" }", out);
		}
		fputs(";\n", out);
	}
	fputs("}\n", out);
	return 0;
}

int bird_include_render(const struct route *routes, size_t count, const struct drain_style *drain, const char *pop,
			char *out, size_t size)
{
	FILE *f = fmemopen(out, size, "w");
	size_t announced = 0;
	long len;
	int ret;

	if (!f)
		return -1;
	for (size_t i = 0; i < count; i++)
		announced += routes[i].state != ROUTE_WITHDRAWN;
	fprintf(f, "# Written by xdpcastd%s%s: %s. Do not edit: it is rewritten whenever the\n"
		"# announcement changes, and `xdpcastctl withdraw` empties it.\n",
		pop ? " of PoP " : "", pop ? pop : "", announced ? "announcing" : "withdrawn");
	ret = render_protocol(routes, count, false, drain, f) | render_protocol(routes, count, true, drain, f);
	len = ftell(f);
	if (fclose(f) || ret || len < 0 || (size_t)len >= size)
		return -1;
	return len;
}

int bird_include_write(const char *path, const char *text, char *err, size_t errlen)
{
	char why[256];

	if (durable_file_write(path, text, strlen(text), why, sizeof(why)) == 0)
		return 0;
	/* A full filesystem (/run is a tmpfs, without reserved blocks) has no
	 * room for a new file, and a withdrawal must still reach BIRD: written
	 * over the old file, in its room (a withdrawal is the shorter text).
	 * A crash halfway leaves the new text's start before the old one's
	 * rest, which BIRD's configure most likely refuses, keeping what it
	 * had. */
	if ((errno == ENOSPC || errno == EDQUOT) && !durable_file_overwrite(path, text, strlen(text))) {
		log_warn("BIRD include file %s: %s; written over the old file instead", path, why);
		return 0;
	}
	snprintf(err, errlen, "BIRD include file %s: %s", path, why);
	return -1;
}

bool bird_include_holds(const char *path, const char *text)
{
	size_t len = strlen(text);
	char *buf = malloc(len + 2);
	/* Only a regular file, opened without waiting: reading a FIFO put in
	 * its place waited for a writer forever, and with it every sync and
	 * the withdrawal at the stop (which then never ended). */
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	struct stat st;
	FILE *f = fd >= 0 && !fstat(fd, &st) && S_ISREG(st.st_mode) ? fdopen(fd, "r") : NULL;
	bool same = false;

	if (buf && f)
		same = fread(buf, 1, len + 1, f) == len && memcmp(buf, text, len) == 0;
	if (f)
		fclose(f);
	else if (fd >= 0)
		close(fd);
	free(buf);
	return same;
}
