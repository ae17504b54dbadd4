/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* xdpcastd's settings: the command line and the config file, from one table. */
#ifndef XDPCAST_OPTIONS_H
#define XDPCAST_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>
#include <xdp/libxdp.h>

#include <libknot/libknot.h>

#include "address.h"
#include "bird_include.h"
#include "catchment_map.h"
#include "protection.h"
#include "schema.h"
#include "zone.h"
#include "xdpcast.h"

#define XDPCAST_DEFAULT_BIRD_SOCKET "/run/bird/bird.ctl"
#define XDPCAST_DEFAULT_STATE_FILE  "/var/lib/xdpcast/state.json"

/* Bounds the maps or the health checks set; every other list is as long
 * as the config makes it. */
#define OPTIONS_MAX_ANYCAST 64          /* a check's gates are a 64-bit mask */
#define OPTIONS_MAX_CHECKS  8           /* health.commands */
#define OPTIONS_CHECK_NAME_MAX 63       /* characters of a command's name: a label in status and /metrics */

/* An anycast prefix and what it accepts. */
struct anycast_rules {
	struct port_rule allow[XDPCAST_ALLOW_MAX];
	size_t count;                   /* 0: the default allowlist (filter.allow) */
};

struct anycast_option {
	struct xdpcast_lpm_key prefix;
	struct anycast_rules rules;
};

/* A view: clients from its prefixes get its zones' answers first. */
struct view_option {
	const char *name;
	struct xdpcast_lpm_key *prefixes;
	size_t prefix_count;
	char **zones;
	size_t zone_count;
	int line;                       /* in the config file; 0: given as flags */
};

/* A TSIG key of the config file (transfer.keys). */
struct tsig_key_option {
	const char *name, *algorithm, *secret;
	knot_tsig_key_t key;            /* made of the three once they are read */
};

/* A zone transferred from a primary (transfer.zones). */
struct secondary_option {
	const char *zone;               /* origin, presentation format */
	struct address primary;
	bool has_primary;
	const char *key_name;           /* in transfer.keys; NULL: unsigned */
	int key;                        /* index in keys, or -1: unsigned */
	bool catalog;                   /* a catalog zone (RFC 9432): its members are followed */
	int line;                       /* in the config file, for errors found later */
};

/* An operator's command run as a health check (health.commands). */
struct command_check {
	const char *name;
	const char *run;                /* by /bin/sh -c; exit 0 = healthy */
	uint32_t timeout_ms;
	struct xdpcast_lpm_key *prefixes;       /* what it gates; none: every prefix */
	size_t prefix_count;
	int line;                       /* in the config file, for errors found later */
};

/* health.user: whom the commands run as, looked up when the config is read
 * (a user renamed or added to groups later needs a restart). */
#define RUN_AS_MAX_GROUPS 32
struct run_as {
	const char *name;               /* first, as schema_format_string reads it; NULL: the daemon's user (root) */
	uid_t uid;
	gid_t gid;                      /* the user's primary group */
	gid_t groups[RUN_AS_MAX_GROUPS];        /* every group of the user's (getgrouplist), gid among them */
	int group_count;
};

/* What a check that is down does to the prefixes it gates. */
enum check_action { CHECK_WITHDRAW, CHECK_DRAIN };

struct check_action_option {
	const char *check;              /* a check's name: fast_path, zones, backend, a command */
	enum check_action action;
	int line;                       /* in the config file, for errors found later */
};

/* The BGP health loop (docs/bgp.md). */
struct health_options {
	uint32_t interval_ms;
	uint32_t rise, fall;            /* passes to come up, failures to go down */
	uint32_t timeout_ms;            /* of each query to the backend */
	uint32_t zones_per_round;       /* SOA queries of a check in one round */
	bool has_backend;
	struct address backend;         /* the userspace DNS server on the anycast address */
	struct command_check *commands;
	size_t command_count;
	struct run_as user;             /* the commands' */
	struct check_action_option *actions;
	size_t action_count;
};

/* Every setting, from the flags and the config file; options.c declares
 * each one once (options_schema), with its key, flag, type and help. */
struct options {
	char **ifaces;
	size_t iface_count;
	int ifaces_line;                /* of the config file that gave them; 0: flags */
	struct anycast_option *anycast;
	size_t anycast_count;
	char **zones;
	size_t zone_count;
	bool minimal_responses;         /* as NSD's minimal-responses */
	struct view_option *views;      /* view i + 1 */
	size_t view_count;
	const char *pop;
	const char *pin_dir;
	int pin_dir_line;               /* of the config file that gave it; 0: a flag or the default */
	const char *config_path;        /* --config or --check-config */
	const char *metrics;            /* --metrics ADDR:PORT, or NULL */
	const char *control_socket;     /* --control-socket PATH */
	int control_socket_line;
	bool check_config;              /* --check-config: validate and exit */
	enum xdp_attach_mode xdp_mode;
	bool mode_forced;               /* --xdp-mode given: no fallback */
	bool verbose;
	struct protection protection;
	const char *bird_socket;        /* --bird-socket; NULL: no BGP control */
	const char *bird_include;       /* --bird-include: the file BIRD includes */
	int bird_include_line;
	struct drain_style drain;       /* bgp.asn and bgp.drain */
	const char *state_file;         /* what outlives the daemon: maintenance drains */
	int state_file_line;
	bool replace_foreign;           /* --replace-foreign: replace another XDP program */
	uint32_t drain_ms;              /* withdrawn, still answering, before detaching */
	struct health_options health;
	bool watch_zones;               /* reload when a zone file changes */
	uint32_t watch_delay_ms;        /* quiet time after the last change */
	bool has_notify;
	struct address notify_listen;   /* where primaries send NOTIFY */
	uint32_t transfer_timeout_ms;
	uint32_t catalog_members_max;   /* member zones of all catalogs together */
	bool keep_copies;               /* transfer.copies: the last good copies on disk */
	uint32_t transfer_workers;      /* transfers at once */
	uint64_t cache_max_bytes;       /* answer_cache.max_mib; 0: no cap */
	struct tsig_key_option *keys;
	size_t key_count;
	struct secondary_option *secondaries;
	size_t secondary_count;
	struct zone_limits zone_limits; /* in force once options_parse returns OPTIONS_RUN */
	struct catchment_group *catchment_groups;       /* catchment.groups, for /metrics */
	size_t catchment_group_count;
	struct schema_strings strings;  /* every string read */
};

/* The table every setting is declared in. */
extern const struct schema_item options_schema[];

enum options_result { OPTIONS_RUN, OPTIONS_EXIT_OK, OPTIONS_EXIT_ERROR };

/* Parses argv (and the --config file it names: flags win); prints
 * --help/--version, or the error after "xdpcastd: ". On OPTIONS_RUN it puts
 * the zone input limits in force (zone_set_limits). */
enum options_result options_parse(int argc, char **argv, struct options *opts);

/* The same reading, with nothing put in force and the error in err: what
 * a reload reads to know what the next start would run with. */
enum options_result options_read(int argc, char **argv, struct options *opts, char *err, size_t errlen);

/* argv's argc words and a NULL after them into copy (argc + 1 words): for
 * a pre-scan, as getopt reorders what it scans. */
void options_argv_copy(int argc, char **argv, char **copy);

/* What holds without flags or config file; everything else zero. */
void options_defaults(struct options *opts);

/* Everything options_parse allocated. */
void options_free(struct options *opts);

/* Whether name is one of xdpcastd's own checks (fast_path, zones, backend:
 * every backend check), which no health command may take: two checks of
 * one name would share a status line, an xdpcast_health_up series and
 * their health.actions entry. */
bool options_own_check_name(const char *name);

/* Reads the config file at path into opts, over what it holds; on error
 * "FILE:LINE: key: problem" in err (config.h). */
int config_load(const char *path, struct options *opts, char *err, size_t errlen);
/* The same for text in memory, called `name` in messages. */
int config_parse(const char *name, const unsigned char *text, size_t len, struct options *opts, char *err,
		 size_t errlen);
/* Only control_socket, pin_dir, bird_include and bird_socket, every other
 * key passed over unread: what xdpcastctl needs, from a file the daemon
 * may refuse (the stop hook withdraws after a start that failed on it).
 * A YAML error, or one of those four given twice or wrong, is still one. */
int config_load_paths(const char *path, struct options *opts, char *err, size_t errlen);

/* An error about the value of key (interfaces, pin_dir, control_socket, state_file),
 * naming where it came from as the other options' errors do: "CONFIG:LINE:
 * key: " when the config file gave it, else "--flag " (the flag or its
 * default); then fmt. */
void options_value_error(const struct options *opts, const char *key, char *err, size_t errlen, const char *fmt,
			 ...) __attribute__((format(printf, 5, 6)));

/* The keys of docs/config.md's tables of one group ("flags", "defense",
 * "control", "limits"), as Markdown rows with their defaults. */
void options_markdown(const char *group, FILE *out);

#endif
