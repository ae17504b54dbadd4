// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * libFuzzer: what /metrics reads from a request beyond libmicrohttpd's
 * parsing. The input is a request target, a newline, then an
 * Accept-Encoding field value (as libmicrohttpd hands them: NUL-terminated,
 * so a NUL ends each). Aborts where a rule below breaks.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "http_request.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *target = malloc(size + 1), *field;
	const char *path;

	if (!target)
		return 0;
	memcpy(target, data, size);
	target[size] = '\0';
	field = strchr(target, '\n');
	if (field)
		*field++ = '\0';

	/* The path is the target's own tail: the whole of an origin-form
	 * target, empty or from a '/' for an absolute-form one. */
	path = http_request_path(target);
	if (path < target || path > target + strlen(target))
		abort();
	if (path != target && *path && *path != '/')
		abort();

	/* Taken only where the field names gzip, x-gzip or "*". */
	if (http_accepts_gzip(field) && !strcasestr(field, "gzip") && !strchr(field, '*'))
		abort();
	free(target);
	return 0;
}
