// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * libFuzzer: a line on the control socket, as the daemon takes it (at most
 * CONTROL_LINE_MAX bytes, cut at the first newline), through the command
 * parser; what it accepts must be a command the daemon can act on.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "control.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char line[CONTROL_LINE_MAX + 1], err[256];
	struct control_command c;

	if (size > CONTROL_LINE_MAX)
		size = CONTROL_LINE_MAX;
	memcpy(line, data, size);
	line[size] = '\0';
	line[strcspn(line, "\r\n")] = '\0';
	if (control_parse(line, &c, err, sizeof(err)) == 0) {
		if (c.verb > CONTROL_WITHDRAW || c.prepend < -1 || c.prepend > 10 || memchr(c.prefix, '\0', sizeof(c.prefix)) == NULL)
			abort();
	} else if (!err[0]) {
		abort();        /* a refusal always says why */
	}
	return 0;
}
