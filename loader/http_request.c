// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "http_request.h"

const char *http_request_path(const char *target)
{
	const char *authority;

	if (!strncasecmp(target, "http://", 7))
		authority = target + 7;
	else if (!strncasecmp(target, "https://", 8))
		authority = target + 8;
	else
		return target;
	return authority + strcspn(authority, "/");
}

/* Whether an element's parameters (between its coding and element_end)
 * give it a weight of zero: "q=0", "q=0.000". */
static bool weighted_zero(const char *param, const char *element_end)
{
	bool zero = false;

	while ((param = memchr(param, ';', (size_t)(element_end - param)))) {
		param += 1 + strspn(param + 1, " \t");
		if (!strncasecmp(param, "q=", 2))
			zero = strtod(param + 2, NULL) <= 0;
	}
	return zero;
}

/* A "*" stands for the codings the field does not name (RFC 9110, 12.5.3),
 * so "gzip;q=0, *" refuses gzip; "x-gzip" is gzip (8.4.1.3). */
bool http_accepts_gzip(const char *accept_encoding)
{
	bool gzip_named = false, gzip_taken = false, any_taken = false;
	const char *p = accept_encoding;

	while (p && *p) {
		const char *element_end = p + strcspn(p, ",");
		size_t coding_len;

		p += strspn(p, " \t");
		coding_len = strcspn(p, " \t;,");
		if ((coding_len == 4 && !strncasecmp(p, "gzip", 4)) || (coding_len == 6 && !strncasecmp(p, "x-gzip", 6))) {
			gzip_named = true;
			gzip_taken |= !weighted_zero(p, element_end);
		} else if (coding_len == 1 && *p == '*') {
			any_taken |= !weighted_zero(p, element_end);
		}
		p = *element_end ? element_end + 1 : element_end;
	}
	return gzip_named ? gzip_taken : any_taken;
}
