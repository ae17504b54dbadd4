// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* xdpcastctl: inspect a running xdpcast through its pinned maps. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "reasons.h"
#include "stats.h"

static const char usage[] =
"Usage: xdpcastctl [--pin-dir DIR] COMMAND\n"
"\n"
"Commands:\n"
"  stats     packets and bytes per reason, summed over CPUs and interfaces\n"
"\n"
"Options:\n"
"  -d, --pin-dir DIR  where xdpcastd pinned its maps (default " XDPCAST_DEFAULT_PIN_DIR ")\n"
"  -a, --all          stats: list reasons that counted nothing too\n"
"  -h, --help         show this help\n";

static int cmd_stats(const char *pin_dir, int all)
{
	struct xdpcast_stats per_iface[XDPCAST_MAX_IFACES];
	char err[512];

	if (stats_read(pin_dir, per_iface, err, sizeof(err))) {
		fprintf(stderr, "xdpcastctl: %s\n", err);
		return 1;
	}
	printf("%-20s %-6s %14s %16s\n", "reason", "action", "packets", "bytes");
	for (int r = 0; r < XDPCAST_REASON_MAX; r++) {
		unsigned long long packets = 0, bytes = 0;

		for (int slot = 0; slot < XDPCAST_MAX_IFACES; slot++) {
			packets += stats_counter(&per_iface[slot], r)->packets;
			bytes += stats_counter(&per_iface[slot], r)->bytes;
		}
		if (packets || all)
			printf("%-20s %-6s %14llu %16llu\n", reason_names[r], reason_actions[r],
			       packets, bytes);
	}
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "pin-dir", required_argument, NULL, 'd' },
		{ "all", no_argument, NULL, 'a' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *pin_dir = XDPCAST_DEFAULT_PIN_DIR;
	int c, all = 0;

	while ((c = getopt_long(argc, argv, "d:ah", longopts, NULL)) != -1) {
		switch (c) {
		case 'd':
			pin_dir = optarg;
			break;
		case 'a':
			all = 1;
			break;
		case 'h':
			fputs(usage, stdout);
			return 0;
		default:
			fputs(usage, stderr);
			return 1;
		}
	}
	if (optind + 1 != argc) {
		fputs(usage, stderr);
		return 1;
	}
	if (strcmp(argv[optind], "stats") == 0)
		return cmd_stats(pin_dir, all);
	fprintf(stderr, "xdpcastctl: unknown command '%s' (see xdpcastctl --help)\n", argv[optind]);
	return 1;
}
