// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "control.h"
#include "metrics_server.h"
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
"                [--metrics ADDR:PORT] [--config FILE] [--xdp-mode native|skb]\n"
"                [--pin-dir DIR] [--control-socket PATH] [--bird-socket PATH|none]\n"
"                [--verbose]\n"
"       xdpcastd --check-config FILE\n"
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
"  -M, --metrics ADDR:PORT  serve Prometheus metrics at http://ADDR:PORT/metrics,\n"
"                        e.g. 127.0.0.1:9553 or [::1]:9553\n"
"  -m, --xdp-mode MODE   native or skb; without it native is tried first and\n"
"                        skb used where the driver has no native XDP\n"
"  -d, --pin-dir DIR     where maps are pinned (default " XDPCAST_DEFAULT_PIN_DIR ")\n"
"  -s, --control-socket PATH  where xdpcastctl reaches the daemon for status\n"
"                        and reload (default " XDPCAST_DEFAULT_CONTROL_SOCKET ")\n"
"  -b, --bird-socket PATH  BIRD 2's control socket (default " XDPCAST_DEFAULT_BIRD_SOCKET "):\n"
"                        'enable \"xdpcast*\"' announces the anycast prefixes\n"
"                        while every health check passes, 'disable' withdraws\n"
"                        them; 'none': no BGP control\n"
"  -c, --config FILE     read settings from the YAML file FILE: every flag,\n"
"                        the flood defense (filters, rate limits, RRL, cookies),\n"
"                        health checks, zone transfers (docs/config.md);\n"
"                        flags given as well win over the file\n"
"      --check-config FILE  check FILE and the zones it names, print what is\n"
"                        wrong (file, line, key) or 'ok', and exit\n"
"  -v, --verbose         log debug messages\n"
"  -h, --help            show this help\n"
"  -V, --version         show the version\n"
"\n"
"Runs in the foreground and logs to stderr; prints a line with 'ready' once\n"
"attached with every zone loaded. SIGHUP, 'xdpcastctl reload' and a change\n"
"of a zone file reload every zone file and the config file's flood defense\n"
"settings (all or nothing; a new cookie secret keeps the old one valid as\n"
"the previous). Transferred zones follow their primary (NOTIFY, SOA timers).\n"
"SIGTERM or SIGINT withdraws the prefixes, keeps answering for drain_ms,\n"
"then detaches, unpins and exits 0.\n";

struct view_option *options_view(struct options *opts, const char *name, size_t len)
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

int options_add_zone(char ***zones, size_t *count, size_t *capacity, char *file)
{
	if (*count == *capacity) {
		size_t cap = *capacity ? *capacity * 2 : 16;
		char **grown = realloc(*zones, cap * sizeof(*grown));

		if (!grown)
			return -1;
		*zones = grown;
		*capacity = cap;
	}
	(*zones)[(*count)++] = file;
	return 0;
}

struct secondary_option *options_add_secondary(struct options *opts)
{
	if (opts->secondary_count == opts->secondary_capacity) {
		size_t cap = opts->secondary_capacity ? opts->secondary_capacity * 2 : 16;
		struct secondary_option *grown = realloc(opts->secondaries, cap * sizeof(*grown));

		if (!grown)
			return NULL;
		opts->secondaries = grown;
		opts->secondary_capacity = cap;
	}
	return memset(&opts->secondaries[opts->secondary_count++], 0, sizeof(*opts->secondaries));
}

/* Every view forgotten: flags replace the config file's. */
static void clear_views(struct options *opts)
{
	for (size_t i = 0; i < opts->view_count; i++)
		free(opts->views[i].zones);
	memset(opts->views, 0, sizeof(opts->views));
	opts->view_count = 0;
}

void options_defaults(struct options *opts)
{
	memset(opts, 0, sizeof(*opts));
	opts->pin_dir = XDPCAST_DEFAULT_PIN_DIR;
	opts->control_socket = XDPCAST_DEFAULT_CONTROL_SOCKET;
	opts->xdp_mode = XDP_MODE_NATIVE;
	protection_defaults(&opts->protection);
	opts->bird_socket = XDPCAST_DEFAULT_BIRD_SOCKET;
	opts->drain_ms = 5000;
	opts->health = (struct health_options){ .interval_ms = 1000, .rise = 3, .fall = 2, .timeout_ms = 1000 };
	opts->watch_zones = true;
	opts->watch_delay_ms = 500;
	opts->transfer_timeout_ms = 10000;
}

char *options_keep(struct options *opts, const char *s)
{
	char **owned = realloc(opts->owned, (opts->owned_count + 1) * sizeof(*owned));
	char *copy = strdup(s);

	if (!owned || !copy) {
		free(copy);
		if (owned)
			opts->owned = owned;
		return NULL;
	}
	opts->owned = owned;
	opts->owned[opts->owned_count++] = copy;
	return copy;
}

void options_free(struct options *opts)
{
	for (size_t i = 0; i < opts->key_count; i++)
		knot_tsig_key_deinit(&opts->keys[i].key);
	opts->key_count = 0;
	for (size_t i = 0; i < opts->owned_count; i++)
		free(opts->owned[i]);
	free(opts->owned);
	protection_free(&opts->protection);
	opts->owned = NULL;
	opts->owned_count = 0;
	clear_views(opts);
	free(opts->zones);
	opts->zones = NULL;
	opts->zone_count = opts->zone_capacity = 0;
	free(opts->secondaries);
	opts->secondaries = NULL;
	opts->secondary_count = opts->secondary_capacity = 0;
}

/* The file of --config FILE or --check-config FILE, read before the other
 * flags so that they can override it. */
static const char *config_flag(int argc, char **argv, bool *check)
{
	for (int i = 1; i < argc; i++) {
		const char *arg = argv[i];

		if (strcmp(arg, "--") == 0)
			break;
		*check = strncmp(arg, "--check-config", 14) == 0;
		if (strcmp(arg, "--config") == 0 || strcmp(arg, "-c") == 0 || strcmp(arg, "--check-config") == 0)
			return i + 1 < argc ? argv[i + 1] : NULL;
		if (strncmp(arg, "--config=", 9) == 0)
			return arg + 9;
		if (strncmp(arg, "--check-config=", 15) == 0)
			return arg + 15;
	}
	*check = false;
	return NULL;
}

static int fail(const char *fmt, const char *arg)
{
	fprintf(stderr, "xdpcastd: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, " (see xdpcastd --help)\n");
	return OPTIONS_EXIT_ERROR;
}

enum { OPT_VIEW = 256, OPT_VIEW_ZONE, OPT_CHECK_CONFIG };

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
		{ "config", required_argument, NULL, 'c' },
		{ "metrics", required_argument, NULL, 'M' },
		{ "control-socket", required_argument, NULL, 's' },
		{ "bird-socket", required_argument, NULL, 'b' },
		{ "check-config", required_argument, NULL, OPT_CHECK_CONFIG },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	char err[512];
	struct view_option *view;
	char *eq, *prefix, *rest;
	bool flag_ifaces = false, flag_anycast = false, flag_zones = false, flag_views = false;
	int c;

	options_defaults(opts);
	opts->config_path = config_flag(argc, argv, &opts->check_config);
	if (opts->config_path && config_load(opts->config_path, opts, err, sizeof(err))) {
		fprintf(stderr, "xdpcastd: %s\n", err);
		return OPTIONS_EXIT_ERROR;
	}
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":i:a:z:p:m:d:c:M:s:b:vhV", longopts, NULL)) != -1) {
		switch (c) {
		case 'i':
			if (!flag_ifaces)       /* flags replace the config file's list */
				opts->iface_count = 0;
			flag_ifaces = true;
			if (opts->iface_count == XDPCAST_MAX_IFACES)
				return fail("--iface %s: at most 8 interfaces", optarg);
			opts->ifaces[opts->iface_count++] = optarg;
			break;
		case 'a':
			if (!flag_anycast)
				opts->anycast_count = 0;
			flag_anycast = true;
			if (opts->anycast_count == OPTIONS_MAX_ANYCAST)
				return fail("--anycast %s: at most 64 prefixes", optarg);
			if (prefix_parse(optarg, &opts->anycast[opts->anycast_count], err, sizeof(err)))
				return fail("--anycast: %s", err);
			opts->anycast_rules[opts->anycast_count].count = 0;
			opts->anycast_text[opts->anycast_count++] = optarg;
			break;
		case 'z':
			if (!flag_zones)
				opts->zone_count = 0;
			flag_zones = true;
			if (options_add_zone(&opts->zones, &opts->zone_count, &opts->zone_capacity, optarg))
				return fail("--zone %s: out of memory", optarg);
			break;
		case OPT_VIEW:
		case OPT_VIEW_ZONE:
			if (!flag_views)
				clear_views(opts);
			flag_views = true;
			eq = strchr(optarg, '=');
			if (!eq || !eq[1])
				return fail("'%s': expected NAME=VALUE", optarg);
			view = options_view(opts, optarg, eq - optarg);
			if (!view)
				return fail("'%s': at most 16 views, names of 1 to 31 characters", optarg);
			if (c == OPT_VIEW_ZONE) {
				if (options_add_zone(&view->zones, &view->zone_count, &view->zone_capacity, eq + 1))
					return fail("--view-zone %s: out of memory", optarg);
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
		case 'M':
			opts->metrics = optarg;
			break;
		case 's':
			opts->control_socket = optarg;
			break;
		case 'b':
			opts->bird_socket = optarg;
			break;
		case 'c':
		case OPT_CHECK_CONFIG:
			break;          /* read before the other flags */
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
		return fail("%s", "--iface is required (or 'interfaces' in the config file)");
	if (!opts->anycast_count)
		return fail("%s", "--anycast is required (or 'anycast' in the config file)");
	if (!opts->zone_count && !opts->secondary_count)
		return fail("%s", "--zone is required (or 'zones' or 'transfer.zones' in the config file)");
	if (opts->bird_socket && strcmp(opts->bird_socket, "none") == 0)
		opts->bird_socket = NULL;
	if (!opts->pop || !*opts->pop)
		return fail("%s", "--pop is required (or 'pop' in the config file)");
	for (size_t i = 0; i < opts->view_count; i++) {
		if (!opts->views[i].prefix_count)
			return fail("view '%s' has no clients: add --view NAME=PREFIX", opts->views[i].name);
		if (!opts->views[i].zone_count)
			return fail("view '%s' loads no zone: add --view-zone NAME=FILE", opts->views[i].name);
	}
	if (opts->metrics && metrics_address_parse(opts->metrics, err, sizeof(err)))
		return fail("%s", err);
	if (strlen(opts->pop) > XDPCAST_NSID_MAX)
		return fail("--pop '%s': at most 64 characters (it is sent as the NSID)", opts->pop);
	for (const char *c = opts->pop; *c; c++)
		if (*c <= ' ' || *c > '~')
			return fail("--pop '%s': printable characters only, no spaces", opts->pop);
	return OPTIONS_RUN;
}
