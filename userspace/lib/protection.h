/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Flood defense settings on the userspace side: defaults, parsing of
 * allowlist rules, and writing them into the program's maps
 * (xdpcast_settings, xdpcast_source_filter, the rules of xdpcast_protected).
 */
#ifndef XDPCAST_PROTECTION_H
#define XDPCAST_PROTECTION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>
#include "xdpcast.h"

struct rate_limit {
	uint32_t rate;          /* per second; 0: off */
	uint32_t burst;
};

/* Grown with array_push (array.h): the options' reader appends to it too. */
struct prefix_list {
	struct xdpcast_lpm_key *keys;
	size_t count;
};

struct protection {
	struct rate_limit source[SOURCE_LEVEL_MAX];
	struct rate_limit pass_budget;
	struct rate_limit icmp;
	struct rate_limit path_mtu;
	struct rate_limit rrl;
	uint32_t rrl_slip;
	uint32_t source_buckets;        /* LRU size of xdpcast_source_buckets */
	uint32_t rrl_buckets;           /* LRU size of xdpcast_rrl */
	bool cookies;
	bool has_secret;                /* else a random one per start */
	bool has_previous;
	time_t previous_until;          /* a rotation's previous secret: retired then (0: the config names it) */
	uint8_t cookie_secret[XDPCAST_COOKIE_SECRET_LEN];
	uint8_t cookie_previous[XDPCAST_COOKIE_SECRET_LEN];
	struct port_rule allow[XDPCAST_ALLOW_MAX];  /* for prefixes without their own list */
	size_t allow_count;
	struct prefix_list blocklist;
	struct prefix_list bogons;
};

/* The defaults (docs/config.md): UDP/TCP 53 and ICMP allowed, limits on. */
void protection_defaults(struct protection *p);
void protection_free(struct protection *p);

int prefix_list_add(struct prefix_list *list, const struct xdpcast_lpm_key *key);
void prefix_list_clear(struct prefix_list *list);

/* Parses "udp/53", "tcp/853", "udp" (any port) or "icmp". */
int port_rule_parse(const char *text, struct port_rule *rule, char *err, size_t errlen);

/* Parses 32 hex digits into a cookie secret. */
int cookie_secret_parse(const char *text, uint8_t secret[XDPCAST_COOKIE_SECRET_LEN], char *err, size_t errlen);

/* The value of xdpcast_protected for one anycast prefix: its rules, with
 * "icmp" meaning ICMPv6 for an IPv6 prefix. */
void protection_scope(const struct port_rule *rules, size_t count, const struct xdpcast_lpm_key *prefix,
		      uint32_t index, struct protected_prefix *out);

/* Slot 0 of xdpcast_settings, with the wall clock offset taken now. */
void protection_settings(const struct protection *p, struct xdpcast_settings *out);

/* Those settings written. Buckets spent under the old ones are brought
 * within them as the program next takes them (bpf/token_bucket.h). */
int protection_write_settings(const struct protection *p, int settings_fd, char *err, size_t errlen);

/* The cookie secrets `next` takes over at unix time `at` from those in
 * force, `now` (a reload) or what a previous xdpcastd wrote into
 * xdpcast_settings (a takeover). A secret that changed keeps the old one
 * valid as the previous for as long as cookies made with it are (an
 * hour), so clients holding them are not penalised during the rotation;
 * a change that leaves the secret as it is keeps a rotation's previous
 * until its hour is over. A previous secret the config names stays while
 * the config names it. */
void protection_carry_cookie_secrets(const struct protection *now, struct protection *next, time_t at);
void protection_carry_cookie_settings(const struct xdpcast_settings *in_force, struct protection *next, time_t at);

/* Makes xdpcast_source_filter hold exactly the blocklist, the bogons and
 * the anycast prefixes (as sources), keeping entries added live, and its
 * screen (xdpcast_source_screen) cover exactly those. */
int protection_sync_sources(const struct protection *p, int map_fd, int screen_fd,
			    const struct xdpcast_lpm_key *anycast, size_t anycast_count, char *err, size_t errlen);

/* Whether protection_sync_sources would take p beside the live entries the
 * filter holds now, changing nothing: a reload asks before it publishes
 * its zones, so that a refusal leaves all it would change as it was. */
int protection_check_sources(const struct protection *p, int map_fd, const struct xdpcast_lpm_key *anycast,
			     size_t anycast_count, char *err, size_t errlen);

#endif
