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
"                [--view NAME=PREFIX[,PREFIX...] --view-zone NAME=FILE ...]\n"
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
"      --view NAME=PREFIXES  clients from these comma-separated prefixes are in\n"
"                        view NAME (up to 16 views)\n"
"      --view-zone NAME=FILE  serve the zone in FILE to view NAME; its clients\n"
"                        get the --zone data for zones their view does not load\n"
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

/* The view called name, created on first use. */
static struct view_option *view_named(struct options *opts, const char *name, size_t len)
{
	struct view_option *v;

	for (size_t i = 0; i < opts->view_count; i++)
		if (strlen(opts->views[i].name) == len && strncmp(opts->views[i].name, name, len) == 0)
			return &opts->views[i];
	if (opts->view_count == XDPCAST_VIEWS_MAX || len == 0 || len >= sizeof(v->name))
		return NULL;
	v = &opts->views[opts->view_count++];
	memcpy(v->name, name, len);
	return v;
}

static int fail(const char *fmt, const char *arg)
{
	fprintf(stderr, "xdpcastd: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, " (see xdpcastd --help)\n");
	return OPTIONS_EXIT_ERROR;
}

enum { OPT_VIEW = 256, OPT_VIEW_ZONE };

enum options_result options_parse(int argc, char **argv, struct options *opts)
{
	static const struct option longopts[] = {
		{ "iface", required_argument, NULL, 'i' },
		{ "anycast", required_argument, NULL, 'a' },
		{ "zone", required_argument, NULL, 'z' },
		{ "pop", required_argument, NULL, 'p' },
		{ "xdp-mode", required_argument, NULL, 'm' },
		{ "pin-dir", required_argument, NULL, 'd' },
		{ "view", required_argument, NULL, OPT_VIEW },
		{ "view-zone", required_argument, NULL, OPT_VIEW_ZONE },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	char err[256];
	struct view_option *view;
	char *eq, *prefix, *rest;
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
		case OPT_VIEW:
		case OPT_VIEW_ZONE:
			eq = strchr(optarg, '=');
			if (!eq || !eq[1])
				return fail("'%s': expected NAME=VALUE", optarg);
			view = view_named(opts, optarg, eq - optarg);
			if (!view)
				return fail("'%s': at most 16 views, names of 1 to 31 characters", optarg);
			if (c == OPT_VIEW_ZONE) {
				if (view->zone_count == OPTIONS_MAX_ZONES)
					return fail("--view-zone %s: too many zones", optarg);
				view->zones[view->zone_count++] = eq + 1;
				break;
			}
			for (prefix = strtok_r(eq + 1, ",", &rest); prefix; prefix = strtok_r(NULL, ",", &rest)) {
				if (view->prefix_count == OPTIONS_MAX_ANYCAST)
					return fail("--view %s: at most 64 prefixes", view->name);
				if (prefix_parse(prefix, &view->prefixes[view->prefix_count++], err, sizeof(err)))
					return fail("--view: %s", err);
			}
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
	for (size_t i = 0; i < opts->view_count; i++) {
		if (!opts->views[i].prefix_count)
			return fail("view '%s' has no clients: add --view NAME=PREFIX", opts->views[i].name);
		if (!opts->views[i].zone_count)
			return fail("view '%s' loads no zone: add --view-zone NAME=FILE", opts->views[i].name);
	}
	if (strlen(opts->pop) > XDPCAST_NSID_MAX)
		return fail("--pop '%s': at most 64 characters (it is sent as the NSID)", opts->pop);
	for (const char *c = opts->pop; *c; c++)
		if (*c <= ' ' || *c > '~')
			return fail("--pop '%s': printable characters only, no spaces", opts->pop);
	return OPTIONS_RUN;
}
