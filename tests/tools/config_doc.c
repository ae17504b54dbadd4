// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * docs/config.md from its template: the prose as written, and each line
 * "@keys GROUP@" replaced by the table of that group's keys as the option
 * schema declares them (loader/options.c), defaults included.
 *   config_doc docs/config.md.in > docs/config.md
 */
#include <stdio.h>
#include <string.h>

#include "options.h"

int main(int argc, char **argv)
{
	FILE *in = argc == 2 ? fopen(argv[1], "r") : NULL;
	char line[1024], group[64];

	if (!in) {
		fprintf(stderr, "usage: config_doc TEMPLATE (an existing file)\n");
		return 1;
	}
	while (fgets(line, sizeof(line), in)) {
		if (sscanf(line, "@keys %63[a-z]@", group) == 1)
			options_markdown(group, stdout);
		else
			fputs(line, stdout);
	}
	fclose(in);
	return 0;
}
