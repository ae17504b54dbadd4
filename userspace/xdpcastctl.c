// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* xdpcastctl: inspect a running xdpcast through its pinned maps. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "blocklist.h"
#include "prefix.h"
#include "reasons.h"
#include "stats.h"

static const char usage[] =
"Usage: xdpcastctl [--pin-dir DIR] COMMAND [ARG]\n"
"\n"
"Commands:\n"
"  stats               packets and bytes per reason, summed over CPUs and\n"
"                      interfaces\n"
"  block add PREFIX    drop packets from PREFIX (IPv4 or IPv6) from the next\n"
"                      packet on, until 'block del' or xdpcastd restarts\n"
"  block del PREFIX    stop dropping a prefix added with 'block add'\n"
"  block list          every blocked prefix, from the config file and live\n"
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

static int cmd_block(const char *pin_dir, int argc, char **argv)
{
	struct xdpcast_lpm_key prefix;
	char err[512];

	if (argc == 1 && strcmp(argv[0], "list") == 0) {
		struct blocked_prefix *list;
		size_t count;

		if (blocklist_list(pin_dir, &list, &count, err, sizeof(err)))
			goto fail;
		for (size_t i = 0; i < count; i++) {
			char text[64];

			prefix_format(&list[i].prefix, text, sizeof(text));
			printf("%-44s %s\n", text, list[i].kind == SOURCE_BLOCKED_LIVE ? "live" : "config");
		}
		free(list);
		return 0;
	}
	if (argc != 2 || (strcmp(argv[0], "add") && strcmp(argv[0], "del"))) {
		fprintf(stderr, "xdpcastctl: block add PREFIX, block del PREFIX or block list\n");
		return 1;
	}
	if (prefix_parse(argv[1], &prefix, err, sizeof(err)))
		goto fail;
	if (strcmp(argv[0], "add") == 0 ? blocklist_add(pin_dir, &prefix, err, sizeof(err))
					: blocklist_del(pin_dir, &prefix, err, sizeof(err)))
		goto fail;
	return 0;
fail:
	fprintf(stderr, "xdpcastctl: %s\n", err);
	return 1;
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
	if (optind == argc) {
		fputs(usage, stderr);
		return 1;
	}
	if (strcmp(argv[optind], "stats") == 0 && optind + 1 == argc)
		return cmd_stats(pin_dir, all);
	if (strcmp(argv[optind], "block") == 0)
		return cmd_block(pin_dir, argc - optind - 1, argv + optind + 1);
	fprintf(stderr, "xdpcastctl: unknown command '%s' (see xdpcastctl --help)\n", argv[optind]);
	return 1;
}
