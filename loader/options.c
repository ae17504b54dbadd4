// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "options.h"
#include "prefix.h"
#include "stats.h"

#ifndef XDPCAST_VERSION
#define XDPCAST_VERSION "dev"
#endif

static const char usage[] =
"Usage: xdpcastd --iface IF [--iface IF ...] --anycast PREFIX [--anycast PREFIX ...]\n"
"                --zone FILE [--zone FILE ...] --pop NAME\n"
"                [--xdp-mode native|skb] [--pin-dir DIR] [--verbose]\n"
"\n"
"Answers authoritative DNS queries for the anycast prefixes from XDP and\n"
"passes everything else to the kernel (and the DNS server behind it).\n"
"\n"
"  -i, --iface IF        attach to interface IF (repeat for several, up to 8)\n"
"  -a, --anycast PREFIX  protect PREFIX, e.g. 192.0.2.0/24 or 2001:db8:53::/48;\n"
"                        traffic to other destinations is passed untouched\n"
"  -z, --zone FILE       serve the zone in FILE (its origin is the SOA owner)\n"
"  -p, --pop NAME        this PoP's name, for logs and metrics; sent as the\n"
"                        NSID and the CHAOS id.server / hostname.bind answer\n"
"  -m, --xdp-mode MODE   native or skb; without it native is tried first and\n"
"                        skb used where the driver has no native XDP\n"
"  -d, --pin-dir DIR     where maps are pinned (default " XDPCAST_DEFAULT_PIN_DIR ")\n"
"  -v, --verbose         log debug messages\n"
"  -h, --help            show this help\n"
"  -V, --version         show the version\n"
"\n"
"Runs in the foreground and logs to stderr; prints a line with 'ready' once\n"
"attached with every zone loaded. SIGHUP reloads every zone (all or\n"
"nothing); SIGTERM or SIGINT detaches, unpins and exits 0.\n";

static int fail(const char *fmt, const char *arg)
{
	fprintf(stderr, "xdpcastd: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, " (see xdpcastd --help)\n");
	return OPTIONS_EXIT_ERROR;
}

enum options_result options_parse(int argc, char **argv, struct options *opts)
{
	static const struct option longopts[] = {
		{ "iface", required_argument, NULL, 'i' },
		{ "anycast", required_argument, NULL, 'a' },
		{ "zone", required_argument, NULL, 'z' },
		{ "pop", required_argument, NULL, 'p' },
		{ "xdp-mode", required_argument, NULL, 'm' },
		{ "pin-dir", required_argument, NULL, 'd' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	char err[256];
	int c;

	memset(opts, 0, sizeof(*opts));
	opts->pin_dir = XDPCAST_DEFAULT_PIN_DIR;
	opts->xdp_mode = XDP_MODE_NATIVE;
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":i:a:z:p:m:d:vhV", longopts, NULL)) != -1) {
		switch (c) {
		case 'i':
			if (opts->iface_count == XDPCAST_MAX_IFACES)
				return fail("--iface %s: at most 8 interfaces", optarg);
			opts->ifaces[opts->iface_count++] = optarg;
			break;
		case 'a':
			if (opts->anycast_count == OPTIONS_MAX_ANYCAST)
				return fail("--anycast %s: at most 64 prefixes", optarg);
			if (prefix_parse(optarg, &opts->anycast[opts->anycast_count], err, sizeof(err)))
				return fail("--anycast: %s", err);
			opts->anycast_text[opts->anycast_count++] = optarg;
			break;
		case 'z':
			if (opts->zone_count == OPTIONS_MAX_ZONES)
				return fail("--zone %s: at most 256 zones", optarg);
			opts->zones[opts->zone_count++] = optarg;
			break;
		case 'p':
			opts->pop = optarg;
			break;
		case 'm':
			if (strcmp(optarg, "native") == 0)
				opts->xdp_mode = XDP_MODE_NATIVE;
			else if (strcmp(optarg, "skb") == 0)
				opts->xdp_mode = XDP_MODE_SKB;
			else
				return fail("--xdp-mode '%s': must be native or skb", optarg);
			opts->mode_forced = true;
			break;
		case 'd':
			opts->pin_dir = optarg;
			break;
		case 'v':
			opts->verbose = true;
			break;
		case 'h':
			fputs(usage, stdout);
			return OPTIONS_EXIT_OK;
		case 'V':
			printf("xdpcastd %s\n", XDPCAST_VERSION);
			return OPTIONS_EXIT_OK;
		case ':':
			return fail("%s needs an argument", argv[optind - 1]);
		default:
			return fail("unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind < argc)
		return fail("unexpected argument '%s'", argv[optind]);
	if (!opts->iface_count)
		return fail("%s", "--iface is required");
	if (!opts->anycast_count)
		return fail("%s", "--anycast is required");
	if (!opts->zone_count)
		return fail("%s", "--zone is required");
	if (!opts->pop || !*opts->pop)
		return fail("%s", "--pop is required");
	if (strlen(opts->pop) > XDPCAST_NSID_MAX)
		return fail("--pop '%s': at most 64 characters (it is sent as the NSID)", opts->pop);
	for (const char *c = opts->pop; *c; c++)
		if (*c <= ' ' || *c > '~')
			return fail("--pop '%s': printable characters only, no spaces", opts->pop);
	return OPTIONS_RUN;
}
