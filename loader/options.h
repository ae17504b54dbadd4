/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* xdpcastd's command line (DESIGN.md section 5) and config file. */
#ifndef XDPCAST_OPTIONS_H
#define XDPCAST_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <xdp/libxdp.h>

#include <libknot/libknot.h>

#include "address.h"
#include "bird_include.h"
#include "catchment_map.h"
#include "protection.h"
#include "zone.h"
#include "xdpcast.h"

#define XDPCAST_DEFAULT_BIRD_SOCKET "/run/bird/bird.ctl"
#define XDPCAST_DEFAULT_STATE_FILE  "/var/lib/xdpcast/state.json"

#define OPTIONS_MAX_ANYCAST 64
#define OPTIONS_MAX_ZONES   256
#define OPTIONS_MAX_KEYS    16
#define OPTIONS_MAX_CHECKS  8

/* A view: clients from its prefixes get its zones' answers first. */
struct view_option {
	char name[32];
	struct xdpcast_lpm_key prefixes[OPTIONS_MAX_ANYCAST];
	size_t prefix_count;
	char *zones[OPTIONS_MAX_ZONES];
	size_t zone_count;
};

/* What an anycast prefix accepts; count 0: the default allowlist. */
struct anycast_rules {
	struct port_rule allow[XDPCAST_ALLOW_MAX];
	size_t count;
};

/* A TSIG key of the config file (transfer.keys). */
struct tsig_key_option {
	const char *name;
	knot_tsig_key_t key;
};

/* A zone transferred from a primary (transfer.zones). */
struct secondary_option {
	const char *zone;               /* origin, presentation format */
	struct address primary;
	int key;                        /* index in keys, or -1: unsigned */
};

/* An operator's command run as a health check (health.commands). */
struct command_check {
	const char *name;
	const char *run;                /* by /bin/sh -c; exit 0 = healthy */
	uint32_t timeout_ms;
	struct xdpcast_lpm_key prefixes[OPTIONS_MAX_ANYCAST];  /* what it gates; none: every prefix */
	size_t prefix_count;
};

/* What a check that is down does to the prefixes it gates. */
enum check_action { CHECK_WITHDRAW, CHECK_DRAIN };

struct check_action_option {
	const char *check;              /* a check's name: fast_path, zones, backend, a command */
	enum check_action action;
	int line;                       /* in the config file, for errors found later */
};


/* The BGP health loop (DESIGN.md section 5). */
struct health_options {
	uint32_t interval_ms;
	uint32_t rise, fall;            /* passes to come up, failures to go down */
	uint32_t timeout_ms;            /* of each query to the backend */
	bool has_backend;
	struct address backend;         /* the userspace DNS server on the anycast address */
	struct command_check commands[OPTIONS_MAX_CHECKS];
	size_t command_count;
	struct check_action_option actions[OPTIONS_MAX_CHECKS + 3];
	size_t action_count;
};

struct options {
	char *ifaces[XDPCAST_MAX_IFACES];
	size_t iface_count;
	struct xdpcast_lpm_key anycast[OPTIONS_MAX_ANYCAST];
	char *anycast_text[OPTIONS_MAX_ANYCAST];
	struct anycast_rules anycast_rules[OPTIONS_MAX_ANYCAST];
	size_t anycast_count;
	char *zones[OPTIONS_MAX_ZONES];
	size_t zone_count;
	struct view_option views[XDPCAST_VIEWS_MAX];  /* view i + 1 */
	size_t view_count;
	const char *pop;
	const char *pin_dir;
	const char *config_path;        /* --config or --check-config */
	const char *metrics;            /* --metrics ADDR:PORT, or NULL */
	const char *control_socket;     /* --control-socket PATH */
	bool check_config;              /* --check-config: validate and exit */
	enum xdp_attach_mode xdp_mode;
	bool mode_forced;               /* --xdp-mode given: no fallback */
	bool verbose;
	struct protection protection;
	const char *bird_socket;        /* --bird-socket; NULL: no BGP control */
	const char *bird_include;       /* --bird-include: the file BIRD includes */
	struct drain_style drain;       /* bgp.asn and bgp.drain */
	const char *state_file;         /* what outlives the daemon: maintenance drains */
	bool replace_foreign;           /* --replace-foreign: replace another XDP program */
	uint32_t drain_ms;              /* withdrawn, still answering, before detaching */
	struct health_options health;
	bool watch_zones;               /* reload when a zone file changes */
	uint32_t watch_delay_ms;        /* quiet time after the last change */
	bool has_notify;
	struct address notify_listen;   /* where primaries send NOTIFY */
	uint32_t transfer_timeout_ms;
	struct tsig_key_option keys[OPTIONS_MAX_KEYS];
	size_t key_count;
	struct secondary_option secondaries[OPTIONS_MAX_ZONES];
	size_t secondary_count;
	struct zone_limits zone_limits; /* in force once options_parse returns OPTIONS_RUN */
	struct catchment_group catchment_groups[CATCHMENT_GROUPS_MAX];  /* catchment.groups, for /metrics */
	size_t catchment_group_count;
	char **owned;                   /* strings from the config file */
	size_t owned_count;
};

enum options_result { OPTIONS_RUN, OPTIONS_EXIT_OK, OPTIONS_EXIT_ERROR };

/* Parses argv (and the --config file it names: flags win); prints
 * --help/--version or one error line itself. On OPTIONS_RUN it puts the
 * zone input limits in force (zone_set_limits). */
enum options_result options_parse(int argc, char **argv, struct options *opts);

/* What holds without flags or config file; everything else zero. */
void options_defaults(struct options *opts);

/* Everything options_parse allocated. */
void options_free(struct options *opts);

/* Keeps a copy of s for as long as opts lives. */
char *options_keep(struct options *opts, const char *s);

/* The view called name, created on first use; NULL past the limits. */
struct view_option *options_view(struct options *opts, const char *name, size_t len);

#endif
