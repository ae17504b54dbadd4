// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * xdpcastd's settings, each declared once in options_schema: its config
 * key, its flag, its type and bounds, where struct options keeps it, its
 * help and whether a reload applies it. getopt, the config file, --help
 * and docs/config.md are all read off this table (schema.h).
 */
#include <errno.h>
#include <stdarg.h>
#include <getopt.h>
#include <grp.h>
#include <netinet/in.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>
#include <libdnssec/binary.h>
#include <libdnssec/error.h>
#include <libdnssec/tsig.h>

#include "blocklist.h"
#include "config.h"
#include "control.h"
#include "metrics_server.h"
#include "options.h"
#include "prefix.h"
#include "stats.h"

#ifndef XDPCAST_VERSION
#define XDPCAST_VERSION "dev"
#endif

_Static_assert(sizeof(enum xdp_attach_mode) == sizeof(int) && sizeof(enum check_action) == sizeof(int),
	       "choices are stored as int");

/* ---- the types of xdpcastd's values ---- */

static int parse_prefix(const struct schema_item *item, const char *text, void *out, struct schema_strings *strings,
			char *err, size_t errlen)
{
	(void)item;
	(void)strings;
	return prefix_parse(text, out, err, errlen);
}

static void format_prefix(const struct schema_item *item, const void *value, char *out, size_t len)
{
	(void)item;
	prefix_format(value, out, len);
}

static const struct schema_type prefix_type = {
	.doc = "prefix", .plural = "prefixes", .size = sizeof(struct xdpcast_lpm_key),
	.parse = parse_prefix, .format = format_prefix,
};

static int parse_blocked_prefix(const struct schema_item *item, const char *text, void *out,
				struct schema_strings *strings, char *err, size_t errlen)
{
	return parse_prefix(item, text, out, strings, err, errlen) || blocklist_refuses(out, err, errlen) ? -1 : 0;
}

/* Shorter than any network's anycast prefix: BIRD would announce it (0/0
 * is a default route) and the program would filter every destination in
 * it, this host's own addresses among them. */
#define ANYCAST_V4_SHORTEST 8
#define ANYCAST_V6_SHORTEST 16

static int parse_anycast_prefix(const struct schema_item *item, const char *text, void *out,
				struct schema_strings *strings, char *err, size_t errlen)
{
	const struct xdpcast_lpm_key *prefix = out;
	bool v4;

	if (parse_prefix(item, text, out, strings, err, errlen))
		return -1;
	v4 = prefix_is_v4(prefix);
	if (prefix->prefixlen - (v4 ? 96 : 0) < (v4 ? ANYCAST_V4_SHORTEST : ANYCAST_V6_SHORTEST)) {
		snprintf(err, errlen, "'%s': shorter than /%d: it would be announced as it is and every destination "
			 "in it filtered, this host's own addresses too", text,
			 v4 ? ANYCAST_V4_SHORTEST : ANYCAST_V6_SHORTEST);
		return -1;
	}
	if (prefix_holds_v4_space(prefix)) {
		snprintf(err, errlen, "'%s': holds ::ffff:0:0/96, where IPv4 is kept: every IPv4 destination would "
			 "be filtered, this host's own addresses too", text);
		return -1;
	}
	return 0;
}

static const struct schema_type anycast_prefix_type = {
	.doc = "prefix", .plural = "prefixes", .size = sizeof(struct xdpcast_lpm_key),
	.parse = parse_anycast_prefix, .format = format_prefix,
};

/* filter.blocklist and filter.bogons: a prefix, but not a whole address family. */
static const struct schema_type blocked_prefix_type = {
	.doc = "prefix", .plural = "prefixes", .size = sizeof(struct xdpcast_lpm_key),
	.parse = parse_blocked_prefix, .format = format_prefix,
};

/* ADDR[@PORT], port 53 unless given */
static int parse_address(const struct schema_item *item, const char *text, void *out,
			 struct schema_strings *strings, char *err, size_t errlen)
{
	(void)item;
	(void)strings;
	return address_parse(text, 53, out, err, errlen);
}

static void format_address(const struct schema_item *item, const void *value, char *out, size_t len)
{
	(void)item;
	snprintf(out, len, "%s", ((const struct address *)value)->text);
}

static const struct schema_type address_type = {
	.doc = "`ADDR[@PORT]`", .plural = "`ADDR[@PORT]`s", .size = sizeof(struct address),
	.parse = parse_address, .format = format_address,
};

static int parse_rule(const struct schema_item *item, const char *text, void *out, struct schema_strings *strings,
		      char *err, size_t errlen)
{
	(void)item;
	(void)strings;
	return port_rule_parse(text, out, err, errlen);
}

static void format_rule(const struct schema_item *item, const void *value, char *out, size_t len)
{
	const struct port_rule *rule = value;
	const char *proto = rule->proto == IPPROTO_UDP ? "udp" : rule->proto == IPPROTO_TCP ? "tcp" : "icmp";

	(void)item;
	if (rule->port)
		snprintf(out, len, "%s/%u", proto, rule->port);
	else
		snprintf(out, len, "%s", proto);
}

static const struct schema_type rule_type = {
	.doc = "rule: `udp/PORT`, `tcp/PORT`, `udp`, `tcp` or `icmp`",
	.plural = "rules: `udp/PORT`, `tcp/PORT`, `udp`, `tcp` or `icmp`", .size = sizeof(struct port_rule),
	.parse = parse_rule, .format = format_rule,
};

static int parse_secret(const struct schema_item *item, const char *text, void *out, struct schema_strings *strings,
			char *err, size_t errlen)
{
	(void)item;
	(void)strings;
	return cookie_secret_parse(text, out, err, errlen);
}

static void format_secret(const struct schema_item *item, const void *value, char *out, size_t len)
{
	size_t used = 0;

	(void)item;
	for (size_t i = 0; i < XDPCAST_COOKIE_SECRET_LEN && used < len; i++)
		used += snprintf(out + used, len - used, "%02x", ((const uint8_t *)value)[i]);
}

static const struct schema_type secret_type = {
	.doc = "32 hex digits", .plural = "secrets of 32 hex digits", .size = XDPCAST_COOKIE_SECRET_LEN,
	.parse = parse_secret, .format = format_secret,
};

/* ASN:VALUE, each 0..65535 */
static int parse_community(const struct schema_item *item, const char *text, void *out,
			   struct schema_strings *strings, char *err, size_t errlen)
{
	unsigned long asn, tag;
	char *end;

	(void)item;
	(void)strings;
	asn = strtoul(text, &end, 10);
	if (*end == ':' && end != text && asn <= 65535 && text[0] != '-' && end[1] >= '0' && end[1] <= '9') {
		tag = strtoul(end + 1, &end, 10);
		if (!*end && tag <= 65535) {
			snprintf(out, sizeof(((struct drain_style *)NULL)->communities[0]), "%lu:%lu", asn, tag);
			return 0;
		}
	}
	snprintf(err, errlen, "'%s' is not a BGP community ASN:VALUE (each 0..65535)", text);
	return -1;
}

static void format_community(const struct schema_item *item, const void *value, char *out, size_t len)
{
	(void)item;
	snprintf(out, len, "%s", (const char *)value);
}

static const struct schema_type community_type = {
	.doc = "community `ASN:VALUE`", .plural = "communities `ASN:VALUE`",
	.size = sizeof(((struct drain_style *)NULL)->communities[0]),
	.parse = parse_community, .format = format_community,
};

/* A string the parse of `valid` accepts: `rule` says what it must be. */
static int parse_checked_string(const struct schema_item *item, const char *text, void *out,
				struct schema_strings *strings, char *err, size_t errlen, bool valid, const char *rule)
{
	if (*text && !valid) {
		snprintf(err, errlen, "'%s': %s", text, rule);
		return -1;
	}
	return schema_string.parse(item, text, out, strings, err, errlen);
}

static int parse_domain(const struct schema_item *item, const char *text, void *out, struct schema_strings *strings,
			char *err, size_t errlen)
{
	knot_dname_t *name = knot_dname_from_str_alloc(text);
	int ret;

	ret = parse_checked_string(item, text, out, strings, err, errlen, name != NULL, "not a domain name");
	knot_dname_free(name, NULL);
	return ret;
}

static const struct schema_type domain_type = {
	.doc = "domain name", .plural = "domain names", .size = sizeof(const char *),
	.parse = parse_domain, .format = schema_format_string,
};

/* A TSIG secret: knot_tsig_key_init said "invalid parameter" of one that
 * is not base64. Not quoted back: a mistyped secret is still a secret. */
static int parse_base64(const struct schema_item *item, const char *text, void *out, struct schema_strings *strings,
			char *err, size_t errlen)
{
	dnssec_binary_t encoded = { .data = (uint8_t *)text, .size = strlen(text) }, decoded = { 0 };
	bool valid = dnssec_binary_from_base64(&encoded, &decoded) == DNSSEC_EOK && decoded.size > 0;

	dnssec_binary_free(&decoded);
	if (*text && !valid) {
		snprintf(err, errlen, "not base64");
		return -1;
	}
	return schema_string.parse(item, text, out, strings, err, errlen);
}

static const struct schema_type base64_type = {
	.doc = "base64", .plural = "base64 strings", .size = sizeof(const char *),
	.parse = parse_base64, .format = schema_format_string,
};

/* knot_tsig_key_init said "malformed data" of an algorithm it does not know. */
static int parse_tsig_algorithm(const struct schema_item *item, const char *text, void *out,
				struct schema_strings *strings, char *err, size_t errlen)
{
	return parse_checked_string(item, text, out, strings, err, errlen,
				    dnssec_tsig_algorithm_from_name(text) != DNSSEC_TSIG_UNKNOWN,
				    "not a TSIG algorithm (hmac-md5, hmac-sha1, hmac-sha224, hmac-sha256, hmac-sha384 or "
				    "hmac-sha512)");
}

static const struct schema_type tsig_algorithm_type = {
	.doc = "TSIG algorithm", .plural = "TSIG algorithms", .size = sizeof(const char *),
	.parse = parse_tsig_algorithm, .format = schema_format_string,
};

bool options_own_check_name(const char *name)
{
	return !strcmp(name, "fast_path") || !strcmp(name, "zones") || !strcmp(name, "backend");
}

static int parse_check_name(const struct schema_item *item, const char *text, void *out,
			    struct schema_strings *strings, char *err, size_t errlen)
{
	if (options_own_check_name(text)) {
		snprintf(err, errlen, "'%s': the name of one of xdpcastd's own checks (fast_path, zones, backend)",
			 text);
		return -1;
	}
	return parse_checked_string(item, text, out, strings, err, errlen,
				    strspn(text, "abcdefghijklmnopqrstuvwxyz0123456789_") == strlen(text),
				    "lowercase letters, digits and '_' only");
}

static const struct schema_type check_name_type = {
	.doc = "name (`a-z`, `0-9`, `_`)", .plural = "names (`a-z`, `0-9`, `_`)", .size = sizeof(const char *),
	.parse = parse_check_name, .format = schema_format_string,
};

/* The user is looked up now, in the daemon's thread, not in the child
 * that switches to it: a forked child of a threaded process may call only
 * async-signal-safe functions, which getpwnam (NSS) is not. */
static int parse_user(const struct schema_item *item, const char *text, void *out, struct schema_strings *strings,
		      char *err, size_t errlen)
{
	struct run_as *as = out;
	struct passwd *pw;

	errno = 0;
	pw = getpwnam(text);
	if (!pw) {
		snprintf(err, errlen, "'%s': %s", text, errno ? strerror(errno) : "no such user");
		return -1;
	}
	as->uid = pw->pw_uid;
	as->gid = pw->pw_gid;
	as->group_count = RUN_AS_MAX_GROUPS;
	if (getgrouplist(text, pw->pw_gid, as->groups, &as->group_count) < 0) {
		snprintf(err, errlen, "'%s': in more than %d groups", text, RUN_AS_MAX_GROUPS);
		return -1;
	}
	return schema_string.parse(item, text, &as->name, strings, err, errlen);
}

static const struct schema_type user_type = {
	.doc = "user name", .plural = "user names", .size = sizeof(struct run_as),
	.parse = parse_user, .format = schema_format_string,
};

/* Where the daemon and xdpcastctl meet (the sockets, pins, files): a
 * relative path is relative to each one's working directory, the daemon's
 * (/ under systemd) and the operator's shell's, so they would not meet.
 * The zone files too: --check-config from the config's directory read
 * them there, the start under systemd looked for them below /. */
static int parse_absolute_path(const struct schema_item *item, const char *text, void *out,
			       struct schema_strings *strings, char *err, size_t errlen)
{
	bool none = (item->flags & SCHEMA_NONE_IS_NULL) && !strcmp(text, "none");

	return parse_checked_string(item, text, out, strings, err, errlen, text[0] == '/' || none,
				    "not an absolute path (a relative one depends on the working directory)");
}

static const struct schema_type absolute_path_type = {
	.doc = "absolute path", .plural = "absolute paths", .size = sizeof(const char *),
	.parse = parse_absolute_path, .format = schema_format_string,
};

/* The PoP's name is sent as the NSID: printable, no spaces. */
static int parse_pop(const struct schema_item *item, const char *text, void *out, struct schema_strings *strings,
		     char *err, size_t errlen)
{
	bool printable = true;

	for (const char *c = text; *c; c++)
		printable &= *c > ' ' && *c <= '~';
	return parse_checked_string(item, text, out, strings, err, errlen, printable,
				    "printable characters only, no spaces");
}

static const struct schema_type pop_type = {
	.doc = "name (printable, no spaces)", .plural = "names", .size = sizeof(const char *),
	.parse = parse_pop, .format = schema_format_string,
};

static int parse_metrics(const struct schema_item *item, const char *text, void *out,
			 struct schema_strings *strings, char *err, size_t errlen)
{
	struct sockaddr_storage ss;
	char why[256];

	return parse_checked_string(item, text, out, strings, err, errlen,
				    !metrics_address_parse(text, &ss, why, sizeof(why)),
				    "expected ADDRESS:PORT, e.g. 127.0.0.1:9553 or [::1]:9553");
}

static const struct schema_type metrics_type = {
	.doc = "`ADDR:PORT`", .plural = "`ADDR:PORT`s", .size = sizeof(const char *),
	.parse = parse_metrics, .format = schema_format_string,
};

/* ---- checks of records and sections ---- */

static int check_rate(const struct schema_item *item, void *section, void *root, char *err, size_t errlen)
{
	const struct rate_limit *r = section;

	(void)item;
	(void)root;
	if (r->rate && r->burst < 1) {
		snprintf(err, errlen, "burst must be at least 1 when rate is set");
		return -1;
	}
	return 0;
}

static int check_rrl(const struct schema_item *item, void *section, void *root, char *err, size_t errlen)
{
	return check_rate(item, &((struct protection *)section)->rrl, root, err, errlen);
}

static int check_key(const struct schema_item *item, void *record, void *root, char *err, size_t errlen)
{
	struct tsig_key_option *k = record;
	int ret = knot_tsig_key_init(&k->key, k->algorithm, k->name, k->secret);

	(void)item;
	(void)root;
	if (ret != KNOT_EOK) {
		memset(&k->key, 0, sizeof(k->key));
		snprintf(err, errlen, "key '%s' (%s): %s", k->name, k->algorithm, knot_strerror(ret));
		return -1;
	}
	return 0;
}

static void release_key(void *record)
{
	knot_tsig_key_deinit(&((struct tsig_key_option *)record)->key);
}

static int check_secondary(const struct schema_item *item, void *record, void *root, char *err, size_t errlen)
{
	struct secondary_option *s = record;
	const struct options *opts = root;

	(void)item;
	if (!s->key_name)
		return 0;
	for (size_t i = 0; i < opts->key_count; i++)
		if (!strcmp(opts->keys[i].name, s->key_name))
			s->key = i;
	if (s->key < 0) {
		snprintf(err, errlen, "no key named '%s' in transfer.keys (list keys first)", s->key_name);
		return -1;
	}
	return 0;
}

struct listed_zone {
	knot_dname_t *name;             /* lowercase */
	const struct secondary_option *entry;
};

static int compare_listed_zones(const void *a, const void *b)
{
	const struct listed_zone *x = a, *y = b;
	int cmp = knot_dname_cmp(x->name, y->name);

	return cmp ? cmp : x->entry < y->entry ? -1 : x->entry > y->entry;
}

/* A zone in transfer.zones twice (a.test, A.TEST.) was two transfers of it
 * and two zones of one origin, which every load refuses once both are in:
 * sorted, such names are adjacent. */
static int check_transfer(const struct schema_item *item, void *section, void *root, char *err, size_t errlen)
{
	const struct options *opts = section;
	struct listed_zone *zones = calloc(opts->secondary_count + 1, sizeof(*zones));
	int ret = 0;

	(void)item;
	(void)root;
	if (!zones) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (size_t i = 0; i < opts->secondary_count && !ret; i++) {
		zones[i] = (struct listed_zone){ knot_dname_from_str_alloc(opts->secondaries[i].zone),
						 &opts->secondaries[i] };
		if (!zones[i].name) {
			snprintf(err, errlen, "out of memory");
			ret = -1;
		} else {
			knot_dname_to_lower(zones[i].name);
		}
	}
	if (!ret)
		qsort(zones, opts->secondary_count, sizeof(*zones), compare_listed_zones);
	for (size_t i = 1; i < opts->secondary_count && !ret; i++)
		if (knot_dname_is_equal(zones[i - 1].name, zones[i].name)) {
			snprintf(err, errlen, "zones: '%s' on line %d is '%s' on line %d again: list a zone once",
				 zones[i].entry->zone, zones[i].entry->line, zones[i - 1].entry->zone,
				 zones[i - 1].entry->line);
			ret = -1;
		}
	for (size_t i = 0; i < opts->secondary_count; i++)
		knot_dname_free(zones[i].name, NULL);
	free(zones);
	return ret;
}

/* The longest path a Unix socket's address holds: a longer control_socket
 * failed the start after --check-config said ok, a longer bird_socket
 * every connection to BIRD. */
#define SOCKET_PATH_MAX (sizeof(((struct sockaddr_un *)NULL)->sun_path) - 1)

/* ---- the table ---- */

#define AT(field) offsetof(struct options, field)
#define LIST_AT(field, count) .offset = AT(field), .count_offset = AT(count)

static const struct schema_choice xdp_modes[] = {
	{ "native", XDP_MODE_NATIVE }, { "skb", XDP_MODE_SKB }, { NULL, 0 },
};

static const struct schema_choice check_actions[] = {
	{ "withdraw", CHECK_WITHDRAW }, { "drain", CHECK_DRAIN }, { NULL, 0 },
};

#define RATE_KEYS(what)                                                                                  \
	{ .key = "rate", .type = &schema_uint, .offset = offsetof(struct rate_limit, rate), .max = 100000000, \
	  .help = "packets per second " what "; 0 turns it off" },                                         \
	{ .key = "burst", .type = &schema_uint, .offset = offsetof(struct rate_limit, burst), .max = 100000000, \
	  .help = "packets above the rate taken at once (at least 1 when rate is set)" },                  \
	SCHEMA_END

static const struct schema_item source_rate_keys[] = { RATE_KEYS("from one source prefix of this length") };
static const struct schema_item icmp_rate_keys[] = { RATE_KEYS("of ICMP echo requests together") };
static const struct schema_item path_mtu_rate_keys[] = { RATE_KEYS("of path MTU messages together") };
static const struct schema_item budget_rate_keys[] = { RATE_KEYS("passed to the server behind, all together") };

#define P(field) offsetof(struct protection, field)
#define RATE_SECTION(name, field, rates, text)                                                       \
	{ .key = name, .shape = SCHEMA_SECTION, .children = rates, .offset = P(field), .check = check_rate, \
	  .help = text }

static const struct schema_item anycast_keys[] = {
	{ .key = "prefix", .type = &anycast_prefix_type, .offset = offsetof(struct anycast_option, prefix),
	  .flags = SCHEMA_REQUIRED | SCHEMA_UNIQUE,
	  .help = "the anycast prefix, /8 or longer (IPv6 /16, and not holding ::ffff:0:0/96, where IPv4 is kept)" },
	{ .key = "allow", .shape = SCHEMA_LIST, .type = &rule_type, .offset = offsetof(struct anycast_option, rules.allow),
	  .count_offset = offsetof(struct anycast_option, rules.count), .flags = SCHEMA_FIXED,
	  .max_items = XDPCAST_ALLOW_MAX, .noun = "rule",
	  .too_few = "an empty allowlist would drop everything: list at least one rule",
	  .help = "what this prefix accepts, instead of filter.allow" },
	SCHEMA_END
};

static const struct schema_item view_keys[] = {
	{ .key = "name", .arg = "NAME", .type = &schema_string, .offset = offsetof(struct view_option, name),
	  .max = 31, .flags = SCHEMA_NAME },
	{ .key = "clients", .flag = "view", .arg = "NAME=PREFIX[,PREFIX...]", .shape = SCHEMA_LIST,
	  .type = &prefix_type, .offset = offsetof(struct view_option, prefixes),
	  .count_offset = offsetof(struct view_option, prefix_count), .max_items = XDPCAST_VIEW_PREFIXES_MAX,
	  .noun = "prefix", .flag_separator = ',', .flags = SCHEMA_REQUIRED,
	  .help = "clients from these prefixes are in view NAME (up to 16 views, 4096 prefixes in all); a prefix "
		  "in two views is refused, a longer one inside another view's shorter one is the longer's view; an "
		  "IPv6 prefix holds IPv6 clients only (`::/0`: all of them)" },
	{ .key = "zones", .flag = "view-zone", .arg = "NAME=FILE", .shape = SCHEMA_LIST, .type = &absolute_path_type,
	  .offset = offsetof(struct view_option, zones), .count_offset = offsetof(struct view_option, zone_count),
	  .noun = "zone file", .flags = SCHEMA_REQUIRED,
	  .help = "serve the zone in FILE to view NAME; its clients get the --zone data for zones their view "
		  "does not load" },
	SCHEMA_END
};

static const struct schema_item filter_keys[] = {
	{ .key = "allow", .shape = SCHEMA_LIST, .type = &rule_type, .offset = P(allow), .count_offset = P(allow_count),
	  .flags = SCHEMA_FIXED, .max_items = XDPCAST_ALLOW_MAX, .noun = "rule",
	  .too_few = "an empty allowlist would drop everything: list at least one rule",
	  .help = "what the anycast prefixes accept, for prefixes without their own allow. `icmp` admits ICMP "
		  "echo requests and \"fragmentation needed\" (ICMPv6: echo, \"packet too big\"), no other type. "
		  "Neighbour discovery from the link (hop limit 255) always passes, spending no "
		  "bucket or budget." },
	{ .key = "blocklist", .shape = SCHEMA_LIST, .type = &blocked_prefix_type, .offset = P(blocklist.keys),
	  .count_offset = P(blocklist.count), .noun = "prefix",
	  .help = "source prefixes dropped (`drop_blocklist`), not a whole address family (0.0.0.0/0, ::/0: "
		  "the health checks would pass while every query is dropped), nor an IPv6 prefix holding "
		  "::ffff:0:0/96 (::/8), where IPv4 sources are kept; `xdpcastctl block add/del` adds "
		  "live entries on top, which a reload keeps. The source filter holds 65536 prefixes: this list, "
		  "filter.bogons, the anycast prefixes and the live entries together" },
	{ .key = "bogons", .shape = SCHEMA_LIST, .type = &blocked_prefix_type, .offset = P(bogons.keys),
	  .count_offset = P(bogons.count), .noun = "prefix",
	  .help = "source prefixes that cannot be on the internet (`drop_bogon_source`); the list replaces the "
		  "default, `[]` turns it off; not a whole address family, nor an IPv6 prefix holding "
		  "::ffff:0:0/96. Sources inside our own anycast prefixes are always dropped the same way. Path "
		  "MTU messages from private-use and shared space (RFC 1918, RFC 6598, fc00::/7) are not "
		  "dropped as bogons: routers number links from them. The documentation prefixes are not in the "
		  "default because the demo and the tests use them as clients: add them on a production PoP." },
	SCHEMA_END
};

static const struct schema_item rate_limit_keys[] = {
	RATE_SECTION("ipv4_32", source[SOURCE_LEVEL_V4_32], source_rate_keys,
		     "bucket per source /32; every packet to a protected prefix takes a token from both levels of "
		     "its family (`drop_rate_limited`)"),
	RATE_SECTION("ipv4_24", source[SOURCE_LEVEL_V4_24], source_rate_keys, "bucket per source /24"),
	RATE_SECTION("ipv6_64", source[SOURCE_LEVEL_V6_64], source_rate_keys, "bucket per source /64"),
	RATE_SECTION("ipv6_56", source[SOURCE_LEVEL_V6_56], source_rate_keys, "bucket per source /56"),
	RATE_SECTION("icmp", icmp, icmp_rate_keys, "one bucket for the ICMP and ICMPv6 echo requests the allowlist "
		     "admits"),
	RATE_SECTION("path_mtu", path_mtu, path_mtu_rate_keys,
		     "one bucket for \"fragmentation needed\" and \"packet too big\", apart from echo so a ping "
		     "flood cannot starve path MTU discovery; ICMP spends no pass budget"),
	RATE_SECTION("pass_budget", pass_budget, budget_rate_keys,
		     "one bucket for everything handed to the DNS server behind xdpcast (cache misses, TCP SYNs, "
		     "other allowed UDP; not segments of TCP connections already admitted, nor ICMP): "
		     "`drop_pass_budget`"),
	{ .key = "source_buckets", .type = &schema_uint, .offset = P(source_buckets), .min = 1, .max = 1u << 26,
	  .reload = SCHEMA_RESTART,
	  .help = "size of the per-source LRU map. Each entry takes about 96 bytes (bpftool's memlock figure for "
		  "65536 entries is 6.0 MiB), so the default is about 24 MiB, whatever the number of spoofed "
		  "sources." },
	SCHEMA_END
};

static const struct schema_item rrl_keys[] = {
	{ .key = "rate", .type = &schema_uint, .offset = P(rrl.rate), .max = 100000000,
	  .help = "responses per second from XDP to one client network (IPv4 /24, IPv6 /56) for one response: "
		  "the owner and type of a positive answer, the closest encloser of NXDOMAIN/NODATA (so random "
		  "names under a zone count as one), the cut of a referral. 0 turns RRL off. Queries XDP passes "
		  "are the server's to limit: keep its own RRL on (README)." },
	{ .key = "burst", .type = &schema_uint, .offset = P(rrl.burst), .max = 100000000,
	  .help = "responses above the rate sent at once (at least 1 when rate is set)" },
	{ .key = "slip", .type = &schema_uint, .offset = P(rrl_slip), .max = 10,
	  .help = "every Nth response over the rate is sent as TC=1 without records (`rrl_slip`), the others "
		  "dropped (`rrl_drop`); 0 never slips, 1 always does" },
	{ .key = "buckets", .type = &schema_uint, .offset = P(rrl_buckets), .min = 1, .max = 1u << 26,
	  .reload = SCHEMA_RESTART, .help = "size of the RRL LRU map" },
	SCHEMA_END
};

static const struct schema_item cookie_keys[] = {
	{ .key = "enabled", .type = &schema_bool, .offset = P(cookies),
	  .help = "answer DNS cookies (RFC 7873) in XDP answers and exempt queries with a valid server cookie "
		  "from RRL. The server behind must answer cookies too, with the same secret (NSD "
		  "`answer-cookie: yes` and `cookie-secret`, Knot `mod-cookies` with `secret: 0x` and the digits): "
		  "resolvers holding a server cookie take replies without one for spoofed ones (BIND asks again "
		  "over TCP)" },
	{ .key = "secret", .type = &secret_type, .offset = P(cookie_secret), .flags = SCHEMA_GIVEN,
	  .given_offset = P(has_secret), .default_doc = "random, kept by a restart that hands over",
	  .help = "server cookies are built as RFC 9018 says (SipHash-2-4), so give every PoP of the anycast "
		  "set, and the server behind on each, the same secret" },
	{ .key = "previous_secret", .type = &secret_type, .offset = P(cookie_previous), .flags = SCHEMA_GIVEN,
	  .given_offset = P(has_previous),
	  .help = "a secret still accepted; a reload or a restart that hands over that changes `secret` keeps "
		  "the old one as the previous on its own for an hour, the life of a cookie made with it (later "
		  "reloads and restarts keep it too)" },
	SCHEMA_END
};

#define D(field) offsetof(struct drain_style, field)

static const struct schema_item drain_keys[] = {
	{ .key = "prepend", .type = &schema_uint, .offset = D(prepend), .max = BIRD_PREPEND_MAX,
	  .help = "prepends of a drain (a check's, or `xdpcastctl drain` without `--prepend`)" },
	{ .key = "communities", .shape = SCHEMA_LIST, .type = &community_type, .offset = D(communities),
	  .count_offset = D(community_count), .flags = SCHEMA_FIXED, .max_items = 8, .noun = "community",
	  .help = "communities added to drained routes, e.g. `65535:0` (GRACEFUL_SHUTDOWN, RFC 8326) or your "
		  "provider's \"lower preference\"" },
	SCHEMA_END
};

static const struct schema_item bgp_keys[] = {
	{ .key = "asn", .type = &schema_uint, .offset = D(asn), .min = 1, .max = UINT32_MAX, .default_doc = "none",
	  .help = "this PoP's AS number: drained routes get it prepended (`bgp_path.prepend` in the include "
		  "file)" },
	{ .key = "drain", .shape = SCHEMA_SECTION, .children = drain_keys, .offset = 0 },
	SCHEMA_END
};

static const struct command_check command_defaults = { .timeout_ms = 5000 };

static const struct schema_item command_keys[] = {
	{ .key = "name", .type = &check_name_type, .offset = offsetof(struct command_check, name),
	  .max = OPTIONS_CHECK_NAME_MAX, .flags = SCHEMA_REQUIRED | SCHEMA_UNIQUE,
	  .help = "the check's label (status, metrics, health.actions); not the name of one of xdpcastd's own "
		  "checks (fast_path, zones, backend)" },
	{ .key = "run", .type = &schema_string, .offset = offsetof(struct command_check, run),
	  .flags = SCHEMA_REQUIRED, .help = "run by `/bin/sh -c`: healthy on exit 0 within timeout_ms" },
	{ .key = "timeout_ms", .type = &schema_uint, .offset = offsetof(struct command_check, timeout_ms),
	  .min = 10, .max = 600000, .unit = "ms", .help = "how long the command may run" },
	{ .key = "prefixes", .shape = SCHEMA_LIST, .type = &prefix_type,
	  .offset = offsetof(struct command_check, prefixes), .count_offset = offsetof(struct command_check, prefix_count),
	  .max_items = OPTIONS_MAX_ANYCAST, .noun = "prefix",
	  .default_doc = "every anycast prefix", .help = "the anycast prefixes it gates" },
	SCHEMA_END
};

#define H(field) offsetof(struct health_options, field)

static const struct schema_item action_keys[] = {
	{ .key = "check", .arg = "CHECK", .type = &schema_string, .offset = offsetof(struct check_action_option, check),
	  .flags = SCHEMA_NAME },
	{ .key = "action", .type = &schema_choice, .choices = check_actions,
	  .offset = offsetof(struct check_action_option, action), .flags = SCHEMA_SCALAR },
	SCHEMA_END
};

static const struct schema_item health_keys[] = {
	{ .key = "interval_ms", .type = &schema_uint, .offset = H(interval_ms), .min = 100, .max = 3600000,
	  .unit = "ms", .help = "how often every check runs" },
	{ .key = "rise", .type = &schema_uint, .offset = H(rise), .min = 1, .max = 100,
	  .help = "passes in a row for a check to come up" },
	{ .key = "fall", .type = &schema_uint, .offset = H(fall), .min = 1, .max = 100,
	  .help = "failures in a row for a check to go down" },
	{ .key = "timeout_ms", .type = &schema_uint, .offset = H(timeout_ms), .min = 10, .max = 600000,
	  .unit = "ms", .help = "of each SOA query to the backend" },
	{ .key = "zones_per_round", .type = &schema_uint, .offset = H(zones_per_round), .min = 1, .max = 1000000,
	  .help = "zones whose SOA the fast_path and backend checks ask in one round, in turn: with more "
		  "zones, every zone is asked once in ceil(zones / zones_per_round) rounds, and a round "
		  "that fails starts the next at the zone that failed (so `fall` failures in a row still "
		  "withdraw)" },
	{ .key = "backend", .type = &address_type, .offset = H(backend), .flags = SCHEMA_GIVEN,
	  .given_offset = H(has_backend), .default_doc = "this host's addresses inside each anycast prefix",
	  .help = "the userspace server: its SOA serials must equal ours. Without it, one check per anycast "
		  "prefix (`backend PREFIX`) asks the server on an address of this host inside that prefix, "
		  "looked for at each round: a prefix without one is withdrawn until an address is added (and "
		  "`--check-config` warns)" },
	{ .key = "commands", .shape = SCHEMA_LIST, .children = command_keys, .offset = H(commands),
	  .count_offset = H(command_count), .record_size = sizeof(struct command_check),
	  .record_defaults = &command_defaults, .max_items = OPTIONS_MAX_CHECKS, .noun = "command",
	  .flags = SCHEMA_HAS_LINE, .line_offset = offsetof(struct command_check, line),
	  .help = "the operator's own checks" },
	{ .key = "user", .type = &user_type, .offset = H(user), .default_doc = "the daemon's (root)",
	  .help = "whom the commands run as: its uid, primary group and groups, looked up at start (needs "
		  "CAP_SETUID and CAP_SETGID). Whoever they run as, they hold no capabilities and gain none "
		  "(no_new_privs: setuid programs and file capabilities do not raise them); as root they still "
		  "own root's files, so prefer a user of their own (docs/SECURITY.md)" },
	{ .key = "actions", .shape = SCHEMA_NAMED, .children = action_keys, .offset = H(actions),
	  .count_offset = H(action_count), .record_size = sizeof(struct check_action_option), .noun = "check",
	  .flags = SCHEMA_HAS_LINE, .line_offset = offsetof(struct check_action_option, line),
	  .default_doc = "every check `withdraw`",
	  .help = "what a check that is down does to the prefixes it gates; `backend` names every backend check. "
		  "A drain needs `bgp.asn` with `bgp.drain.prepend` of 1 or more, or `bgp.drain.communities`" },
	SCHEMA_END
};

static const struct schema_item zone_watch_keys[] = {
	{ .key = "enabled", .type = &schema_bool, .offset = AT(watch_zones),
	  .help = "reload when a zone file is written, renamed into place or deleted, or its directory swapped "
		  "or a symlink to it switched (inotify on the files' directories, a symlink's where it points "
		  "too, and each directory on the way to them, for the name of the next step)" },
	{ .key = "delay_ms", .type = &schema_uint, .offset = AT(watch_delay_ms), .max = 600000,
	  .help = "quiet time after the last change before reloading" },
	SCHEMA_END
};

static const struct tsig_key_option key_defaults = { .algorithm = "hmac-sha256" };

static const struct schema_item key_keys[] = {
	{ .key = "name", .type = &domain_type, .offset = offsetof(struct tsig_key_option, name),
	  .flags = SCHEMA_REQUIRED | SCHEMA_UNIQUE, .help = "the key's name, as the primary knows it" },
	{ .key = "algorithm", .type = &tsig_algorithm_type, .offset = offsetof(struct tsig_key_option, algorithm),
	  .help = "a TSIG algorithm, e.g. hmac-sha256 or hmac-sha512" },
	{ .key = "secret", .type = &base64_type, .offset = offsetof(struct tsig_key_option, secret),
	  .flags = SCHEMA_REQUIRED, .help = "the shared secret, as the primary has it" },
	SCHEMA_END
};

static const struct secondary_option secondary_defaults = { .key = -1 };

static const struct schema_item secondary_keys[] = {
	{ .key = "zone", .type = &domain_type, .offset = offsetof(struct secondary_option, zone),
	  .flags = SCHEMA_REQUIRED, .help = "the zone's origin" },
	{ .key = "primary", .type = &address_type, .offset = offsetof(struct secondary_option, primary),
	  .flags = SCHEMA_REQUIRED | SCHEMA_GIVEN, .given_offset = offsetof(struct secondary_option, has_primary),
	  .help = "where it is transferred from" },
	{ .key = "key", .type = &schema_string, .offset = offsetof(struct secondary_option, key_name),
	  .help = "a name in transfer.keys: transfers and NOTIFYs are signed with it" },
	{ .key = "catalog", .type = &schema_bool, .offset = offsetof(struct secondary_option, catalog),
	  .help = "a catalog zone (RFC 9432, version 2): never served; its member zones are transferred from the "
		  "same primary with the same key, added and removed as the catalog changes (a zone also listed "
		  "here, or served from a zone file, keeps its own settings; the root is never a member); a broken "
		  "catalog (more than one version record, a member node of more than one PTR, a zone under two "
		  "unique ids) is refused whole and changes nothing; a member moved to another catalog "
		  "listed here keeps its copy and takes that catalog's primary and key, one listed under a new unique id "
		  "is transferred afresh (a reset)" },
	SCHEMA_END
};

static const struct schema_item transfer_keys[] = {
	{ .key = "notify_listen", .type = &address_type, .offset = AT(notify_listen), .flags = SCHEMA_GIVEN,
	  .given_offset = AT(has_notify), .help = "where primaries send NOTIFY (UDP and TCP)" },
	{ .key = "timeout_ms", .type = &schema_uint, .offset = AT(transfer_timeout_ms), .min = 10, .max = 600000,
	  .unit = "ms", .help = "of one whole transfer" },
	{ .key = "workers", .type = &schema_uint, .offset = AT(transfer_workers), .min = 1, .max = 64,
	  .help = "transfers that run at once. The start waits for every zone's first transfer, about three "
		  "round trips each: 10,000 zones from a primary 100 ms away take ~25 min two at a time, ~6 "
		  "min eight at a time" },
	{ .key = "catalog_members_max", .type = &schema_uint, .offset = AT(catalog_members_max), .min = 1,
	  .max = 1000000, .help = "member zones of all catalogs together (room reserved at start); members past "
	  "it are refused and logged" },
	{ .key = "copies", .type = &schema_bool, .offset = AT(keep_copies),
	  .help = "each transferred zone's last good copy kept in a `zones` directory beside state_file (root's "
		  "alone, one xdpcastd's: a second one there keeps none): a start whose primary does not answer "
		  "serves it until its SOA expire, counted from the last refresh that found it current, and a "
		  "catalog's copy gives back its members; the first transfer after a start is an AXFR that "
		  "replaces it" },
	{ .key = "keys", .shape = SCHEMA_LIST, .children = key_keys, .offset = AT(keys), .count_offset = AT(key_count),
	  .record_size = sizeof(struct tsig_key_option), .record_defaults = &key_defaults, .noun = "key",
	  .check = check_key, .release = release_key, .help = "TSIG keys" },
	{ .key = "zones", .shape = SCHEMA_LIST, .children = secondary_keys, .offset = AT(secondaries),
	  .count_offset = AT(secondary_count), .record_size = sizeof(struct secondary_option),
	  .record_defaults = &secondary_defaults, .noun = "transferred zone", .check = check_secondary,
	  .flags = SCHEMA_HAS_LINE, .line_offset = offsetof(struct secondary_option, line),
	  .help = "zones transferred from a primary (AXFR, then IXFR on NOTIFY and the SOA timers); with them "
		  "`--zone` may be left out" },
	SCHEMA_END
};

static const struct schema_item limits_keys[] = {
	{ .key = "zone_file_mb", .type = &schema_mebibytes, .offset = offsetof(struct zone_limits, file_bytes),
	  .min = 1, .max = 1u << 20, .help = "MiB of zone file text per zone, its included files counted, "
		  "or of DNS messages per transfer (a transferred zone's copy on disk, its records as text, is bounded "
		  "by zone_records alone)" },
	{ .key = "zone_records", .type = &schema_uint64, .offset = offsetof(struct zone_limits, records), .min = 1,
	  .max = UINT32_MAX, .help = "records per zone, from its files or from a transfer" },
	SCHEMA_END
};

static const struct schema_item answer_cache_keys[] = {
	{ .key = "max_mib", .type = &schema_mebibytes, .offset = AT(cache_max_bytes), .max = 1u << 30,
	  .default_doc = "none",
	  .help = "the most kernel memory one generation of the answer cache may take: its names table and blob "
		  "pages, as `xdpcast_cache_bytes` reports them (0: no cap). A load, reload or transfer that would "
		  "take more is refused with the figure in the error and the data in force keeps answering; a "
		  "reload that builds a new generation holds the old one too until the swap" },
	SCHEMA_END
};

/* catchment: groups of client prefixes (regions, say) that /metrics sums
 * the catchment by; bounded here, so its label set is. */
static int check_catchment_group(const struct schema_item *item, void *record, void *root, char *err,
				 size_t errlen)
{
	const struct catchment_group *group = record;

	(void)item;
	(void)root;
	if (!strcmp(group->name, CATCHMENT_OTHER))
		return snprintf(err, errlen, "'%s' names the networks of no group: choose another name",
				CATCHMENT_OTHER), -1;
	for (size_t i = 0; i < group->prefix_count; i++)
		if (catchment_group_prefix_check(&group->prefixes[i], err, errlen))
			return -1;
	return 0;
}

static const struct schema_item catchment_group_keys[] = {
	{ .key = "name", .arg = "NAME", .type = &schema_string, .offset = offsetof(struct catchment_group, name),
	  .max = 31, .flags = SCHEMA_NAME },
	{ .key = "prefixes", .arg = "PREFIX", .shape = SCHEMA_LIST, .type = &prefix_type,
	  .offset = offsetof(struct catchment_group, prefixes),
	  .count_offset = offsetof(struct catchment_group, prefix_count), .max_items = CATCHMENT_GROUP_PREFIXES,
	  .noun = "prefix", .flags = SCHEMA_FIXED | SCHEMA_SCALAR | SCHEMA_REQUIRED,
	  .too_few = "a group without prefixes counts nothing" },
	SCHEMA_END
};

static const struct schema_item catchment_keys[] = {
	{ .key = "groups", .shape = SCHEMA_NAMED, .children = catchment_group_keys,
	  LIST_AT(catchment_groups, catchment_group_count), .record_size = sizeof(struct catchment_group),
	  .max_items = CATCHMENT_GROUPS_MAX, .noun = "group", .check = check_catchment_group,
	  .help = "up to 16 groups of up to 16 client prefixes (none longer than /24 for IPv4 or /48 for IPv6, the "
		  "units counted): `xdpcast_catchment_answers{group}` and `xdpcast_catchment_networks{group}` per group, networks "
		  "in none of them under `group=\"other\"`; a network counts for the first group holding it, an "
		  "IPv6 prefix holding IPv6 networks only (`::/0`: all of them)" },
	SCHEMA_END
};

const struct schema_item options_schema[] = {
	{ .key = "interfaces", .flag = "iface", .short_flag = 'i', .arg = "IF", .shape = SCHEMA_LIST,
	  .type = &schema_string, LIST_AT(ifaces, iface_count), .max_items = XDPCAST_MAX_IFACES,
	  .noun = "interface", .flags = SCHEMA_UNIQUE | SCHEMA_HAS_LINE, .line_offset = AT(ifaces_line), .group = "flags",
	  .help = "attach to interface IF; one missing at the start is attached once it appears (the prefixes withdrawn meanwhile); "
		  "a bond's members, which run the program attached to the bond in native mode, count under it" },
	{ .key = "anycast", .flag = "anycast", .short_flag = 'a', .arg = "PREFIX", .shape = SCHEMA_LIST,
	  .children = anycast_keys, LIST_AT(anycast, anycast_count), .record_size = sizeof(struct anycast_option),
	  .max_items = OPTIONS_MAX_ANYCAST, .shorthand = "prefix", .noun = "entry", .group = "flags",
	  .help = "protect PREFIX, e.g. 192.0.2.0/24 or 2001:db8:53::/48 (at least /8, IPv6 /16); traffic to "
		  "other destinations is passed untouched" },
	{ .key = "zones", .flag = "zone", .short_flag = 'z', .arg = "FILE", .shape = SCHEMA_LIST,
	  .type = &absolute_path_type, LIST_AT(zones, zone_count), .noun = "zone file", .group = "flags",
	  .help = "serve the zone in FILE (its origin is the SOA owner; a relative name before a $ORIGIN is "
		  "refused, where NSD and Knot would take the zone's name from their config)" },
	{ .key = "minimal_responses", .flag = "minimal-responses", .type = &schema_bool,
	  .offset = AT(minimal_responses), .group = "flags",
	  .help = "answer as NSD with 'minimal-responses: yes' (set both alike): no authority section after a "
		  "positive answer, additional data only for NS RRsets; referrals keep their glue, negative "
		  "answers their SOA" },
	{ .key = "pop", .flag = "pop", .short_flag = 'p', .arg = "NAME", .type = &pop_type, .offset = AT(pop),
	  .max = XDPCAST_NSID_MAX, .group = "flags",
	  .help = "this PoP's name, for logs and metrics; sent as the NSID and the CHAOS id.server / "
		  "hostname.bind answer" },
	{ .key = "views", .shape = SCHEMA_NAMED, .children = view_keys, LIST_AT(views, view_count),
	  .record_size = sizeof(struct view_option), .max_items = XDPCAST_VIEWS_MAX, .noun = "view",
	  .flags = SCHEMA_HAS_LINE, .line_offset = offsetof(struct view_option, line),
	  .group = "flags", .help = "views (GeoDNS-style): clients from a view's prefixes get its zones' answers" },
	{ .key = "metrics", .flag = "metrics", .short_flag = 'M', .arg = "ADDR:PORT", .type = &metrics_type,
	  .offset = AT(metrics), .group = "flags",
	  .help = "serve Prometheus metrics at http://ADDR:PORT/metrics, e.g. 127.0.0.1:9553 or [::1]:9553" },
	{ .key = "xdp_mode", .flag = "xdp-mode", .short_flag = 'm', .arg = "MODE", .type = &schema_choice,
	  .choices = xdp_modes, .offset = AT(xdp_mode), .flags = SCHEMA_GIVEN, .given_offset = AT(mode_forced),
	  .default_doc = "native, else skb", .group = "flags",
	  .help = "native or skb; without it native is tried first and skb used where the driver has no native "
		  "XDP. A restart that hands over keeps the mode the interfaces have (logged): to change it, stop "
		  "xdpcastd, then start it" },
	{ .key = "pin_dir", .flag = "pin-dir", .short_flag = 'd', .arg = "DIR", .type = &absolute_path_type,
	  .offset = AT(pin_dir), .flags = SCHEMA_HAS_LINE, .line_offset = AT(pin_dir_line), .group = "flags",
	  .help = "where the program and maps are pinned, on a BPF filesystem; a directory that is root's alone "
		  "(mode 0700 when xdpcastd makes it). A restart hands over through it: to move it, stop xdpcastd, "
		  "then start it" },
	{ .key = "control_socket", .flag = "control-socket", .short_flag = 's', .arg = "PATH", .type = &absolute_path_type,
	  .offset = AT(control_socket), .max = SOCKET_PATH_MAX, .flags = SCHEMA_HAS_LINE,
	  .line_offset = AT(control_socket_line), .group = "flags",
	  .help = "where xdpcastctl reaches the daemon for status, reload and maintenance: mode 0700 (root "
		  "alone), in a directory no other user may write" },
	{ .key = "bird_socket", .flag = "bird-socket", .short_flag = 'b', .arg = "PATH", .type = &absolute_path_type,
	  .offset = AT(bird_socket), .max = SOCKET_PATH_MAX, .flags = SCHEMA_NONE_IS_NULL, .group = "flags",
	  .help = "BIRD 2's control socket, where xdpcastd sends 'configure' after rewriting the include file; "
		  "'none': no BGP control" },
	{ .key = "bird_include", .flag = "bird-include", .arg = "PATH", .type = &absolute_path_type,
	  .offset = AT(bird_include), .flags = SCHEMA_HAS_LINE, .line_offset = AT(bird_include_line), .group = "flags",
	  .help = "the file BIRD's config includes, holding the static protocols xdpcast4 and xdpcast6 with the "
		  "routes announced now (mode 0644, in a directory no other user may write; one xdpcastd each, "
		  "locked through PATH.lock while BGP control is on)" },
	{ .key = "state_file", .flag = "state-file", .arg = "PATH", .type = &absolute_path_type, .offset = AT(state_file),
	  .flags = SCHEMA_HAS_LINE, .line_offset = AT(state_file_line), .group = "flags",
	  .help = "where operators' drains and withdrawals (xdpcastctl drain, withdraw) are kept across restarts "
		  "(mode 0644, in a directory no other user may write; one xdpcastd each, locked through PATH.lock). "
		  "Moved, the next start reads the new file alone: move the old one there just before (a reload that "
		  "moves it warns while it keeps any)" },
	{ .key = "replace_foreign", .flag = "replace-foreign", .type = &schema_bool, .offset = AT(replace_foreign),
	  .group = "flags",
	  .help = "replace an XDP program that is not xdpcast's on the interfaces (atomically) instead of "
		  "refusing to start" },
	{ .flag = "config", .short_flag = 'c', .arg = "FILE", .shape = SCHEMA_ACTION,
	  .help = "read settings from the YAML file FILE (docs/config.md); flags given as well win over it" },
	{ .flag = "check-config", .arg = "FILE", .shape = SCHEMA_ACTION,
	  .help = "check FILE and the zones it names, print what is wrong (file, line, key) or 'ok', and exit" },
	{ .key = "verbose", .flag = "verbose", .short_flag = 'v', .type = &schema_bool, .offset = AT(verbose),
	  .group = "flags", .help = "log debug messages, libbpf's among them (the verifier's log when a load fails)" },
	{ .flag = "help", .short_flag = 'h', .shape = SCHEMA_ACTION, .help = "show this help" },
	{ .flag = "version", .short_flag = 'V', .shape = SCHEMA_ACTION, .help = "show the version" },

	{ .key = "filter", .shape = SCHEMA_SECTION, .children = filter_keys, .offset = AT(protection),
	  .reload = SCHEMA_RELOAD, .group = "defense" },
	{ .key = "rate_limit", .shape = SCHEMA_SECTION, .children = rate_limit_keys, .offset = AT(protection),
	  .reload = SCHEMA_RELOAD, .group = "defense" },
	{ .key = "rrl", .shape = SCHEMA_SECTION, .children = rrl_keys, .offset = AT(protection),
	  .reload = SCHEMA_RELOAD, .check = check_rrl, .group = "defense" },
	{ .key = "cookies", .shape = SCHEMA_SECTION, .children = cookie_keys, .offset = AT(protection),
	  .reload = SCHEMA_RELOAD, .group = "defense" },

	{ .key = "drain_ms", .type = &schema_uint, .offset = AT(drain_ms), .max = 600000, .group = "control",
	  .help = "after SIGTERM: withdrawn, still answering, before detaching" },
	{ .key = "health", .shape = SCHEMA_SECTION, .children = health_keys, .offset = AT(health), .group = "control" },
	{ .key = "bgp", .shape = SCHEMA_SECTION, .children = bgp_keys, .offset = AT(drain), .group = "control" },
	{ .key = "zone_watch", .shape = SCHEMA_SECTION, .children = zone_watch_keys, .offset = 0, .group = "control" },
	{ .key = "transfer", .shape = SCHEMA_SECTION, .children = transfer_keys, .offset = 0, .check = check_transfer,
	  .group = "control" },
	{ .key = "limits", .shape = SCHEMA_SECTION, .children = limits_keys, .offset = AT(zone_limits),
	  .group = "limits" },
	{ .key = "answer_cache", .shape = SCHEMA_SECTION, .children = answer_cache_keys, .offset = 0,
	  .group = "limits" },
	{ .key = "catchment", .shape = SCHEMA_SECTION, .children = catchment_keys, .offset = 0,
	  .group = "catchment" },
	SCHEMA_END
};

/* ---- defaults, parsing, freeing ---- */

void options_defaults(struct options *opts)
{
	memset(opts, 0, sizeof(*opts));
	opts->pin_dir = XDPCAST_DEFAULT_PIN_DIR;
	opts->control_socket = XDPCAST_DEFAULT_CONTROL_SOCKET;
	opts->xdp_mode = XDP_MODE_NATIVE;
	protection_defaults(&opts->protection);
	opts->bird_socket = XDPCAST_DEFAULT_BIRD_SOCKET;
	opts->bird_include = XDPCAST_DEFAULT_BIRD_INCLUDE;
	opts->drain.prepend = 3;
	opts->state_file = XDPCAST_DEFAULT_STATE_FILE;
	opts->drain_ms = 5000;
	opts->health = (struct health_options){ .interval_ms = 1000, .rise = 3, .fall = 2, .timeout_ms = 1000,
						    .zones_per_round = 100 };
	opts->watch_zones = true;
	opts->watch_delay_ms = 500;
	opts->transfer_timeout_ms = 10000;
	opts->catalog_members_max = 10000;
	opts->keep_copies = true;
	opts->transfer_workers = 8;
	opts->zone_limits = (struct zone_limits)ZONE_DEFAULT_LIMITS;
}

void options_free(struct options *opts)
{
	schema_free(options_schema, opts);
	protection_free(&opts->protection);
	schema_strings_free(&opts->strings);
}

int config_parse(const char *name, const unsigned char *text, size_t len, struct options *opts, char *err,
		 size_t errlen)
{
	const struct config_target target = { options_schema, opts, &opts->strings, NULL, NULL };

	return config_read(name, text, len, &target, err, errlen);
}

static int load_file(const char *path, const struct config_target *target, char *err, size_t errlen)
{
	size_t len;
	unsigned char *text = config_read_file(path, &len, err, errlen);
	int ret;

	if (!text)
		return -1;
	ret = config_read(path, text, len, target, err, errlen);
	free(text);
	return ret;
}

int config_load(const char *path, struct options *opts, char *err, size_t errlen)
{
	const struct config_target target = { options_schema, opts, &opts->strings, NULL, NULL };

	return load_file(path, &target, err, errlen);
}

/* Where the daemon listens, pins and writes BIRD's include file. */
static const char *const path_keys[] = { "control_socket", "pin_dir", "bird_include", "bird_socket" };

int config_load_paths(const char *path, struct options *opts, char *err, size_t errlen)
{
	struct schema_item table[sizeof(path_keys) / sizeof(path_keys[0]) + 1] = { SCHEMA_END };  /* + the end */
	const struct config_target target = { table, opts, &opts->strings, NULL, NULL, .only_listed = true };

	for (size_t i = 0; i < sizeof(path_keys) / sizeof(path_keys[0]); i++)
		table[i] = *schema_child(options_schema, path_keys[i]);
	return load_file(path, &target, err, errlen);
}

void options_value_error(const struct options *opts, const char *key, char *err, size_t errlen, const char *fmt,
			 ...)
{
	const struct schema_item *item = schema_child(options_schema, key);
	int line = item->flags & SCHEMA_HAS_LINE ? *(const int *)((const char *)opts + item->line_offset) : 0;
	int n = line ? snprintf(err, errlen, "%s:%d: %s: ", opts->config_path, line, key) :
		       snprintf(err, errlen, "--%s ", item->flag);
	va_list ap;

	if (n < 0 || (size_t)n >= errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(err + n, errlen - n, fmt, ap);
	va_end(ap);
}

void options_markdown(const char *group, FILE *out)
{
	struct options defaults;

	options_defaults(&defaults);
	schema_markdown(options_schema, &defaults, group, out);
	options_free(&defaults);
}

static const char usage_head[] =
"Usage: xdpcastd --iface IF [--iface IF ...] --anycast PREFIX [--anycast PREFIX ...]\n"
"                --zone FILE [--zone FILE ...] --pop NAME [OPTIONS]\n"
"       xdpcastd --config FILE [OPTIONS]\n"
"       xdpcastd --check-config FILE\n"
"\n"
"Answers authoritative DNS queries for the anycast prefixes from XDP and\n"
"passes everything else to the kernel (and the DNS server behind it).\n"
"\n";

static const char usage_tail[] =
"\n"
"Every option is also a key of the config file, which has more: the flood\n"
"defense (filters, rate limits, RRL, cookies), health checks, zone\n"
"transfers (docs/config.md, man xdpcastd).\n"
"\n"
"Runs in the foreground and logs to stderr (to the journal under systemd);\n"
"logs a line with 'ready' once attached with every zone loaded. SIGHUP and\n"
"'xdpcastctl reload' reload every zone file and the config file's flood\n"
"defense settings (all or nothing; restart keys that changed are named); a\n"
"change of a zone file reloads the zones. SIGTERM or\n"
"SIGINT withdraws the prefixes, keeps answering for drain_ms, then detaches,\n"
"unpins and exits 0 (3 when the stop hook must withdraw: a running BIRD\n"
"did not take the withdrawal, the event loop failed before the stop was\n"
"done, or the signal ended a start taking a program over; xdpcastd(8),\n"
"EXIT STATUS). SIGUSR1 hands over: it exits 0 leaving the program\n"
"attached, its maps pinned and BGP as it is, for the next xdpcastd, which\n"
"takes over without a lost query (systemctl restart does this). Bad\n"
"input (options, config, zones, interfaces, pins) exits 1 with one line\n"
"naming it, nothing attached or changed. An event loop that fails with no\n"
"stop asked for exits 4, the program left attached as after a crash.\n";

static void print_usage(void)
{
	struct options defaults;

	options_defaults(&defaults);
	fputs(usage_head, stdout);
	schema_help(options_schema, &defaults, stdout);
	fputs(usage_tail, stdout);
	options_free(&defaults);
}

#define OPTIONS_FLAGS_MAX 64
#define FLAG_ID(i)        (256 + (int)(i))     /* getopt's value for a flag without a letter */

/* getopt_long's tables for the schema's flags. */
struct getopt_tables {
	struct schema_flag_ref refs[OPTIONS_FLAGS_MAX];
	size_t count;
	struct option longopts[OPTIONS_FLAGS_MAX + 1];
	char shorts[2 * OPTIONS_FLAGS_MAX + 2];
};

static bool takes_argument(const struct schema_item *item)
{
	return item->shape == SCHEMA_ACTION ? item->arg != NULL : !item->type || !item->type->takes_no_argument;
}

static void getopt_tables(struct getopt_tables *t)
{
	size_t used = 0;

	t->count = schema_flags(options_schema, t->refs, OPTIONS_FLAGS_MAX);
	t->shorts[used++] = ':';                /* a missing argument is ':', not '?' */
	for (size_t i = 0; i < t->count; i++) {
		const struct schema_item *item = t->refs[i].item;

		t->longopts[i] = (struct option){ item->flag, takes_argument(item) ? required_argument : no_argument,
						  NULL, item->short_flag ? item->short_flag : FLAG_ID(i) };
		if (item->short_flag) {
			t->shorts[used++] = item->short_flag;
			if (takes_argument(item))
				t->shorts[used++] = ':';
		}
	}
	t->longopts[t->count] = (struct option){ NULL, 0, NULL, 0 };
	t->shorts[used] = '\0';
}

/* The flag getopt returned c for; NULL for an error (':' or '?'). */
static const struct schema_item *flag_of(const struct getopt_tables *t, int c, size_t *index)
{
	for (size_t i = 0; i < t->count; i++)
		if (c == (t->refs[i].item->short_flag ? t->refs[i].item->short_flag : FLAG_ID(i))) {
			*index = i;
			return t->refs[i].item;
		}
	return NULL;
}

static bool is_flag(const struct schema_item *item, const char *flag)
{
	return !strcmp(item->flag, flag);
}

/* What the program's maps hold for all the lists together; each list's
 * own bound is the schema's. */
static int options_check_sizes(const struct options *opts, char *err, size_t errlen)
{
	size_t sources = opts->protection.blocklist.count + opts->protection.bogons.count + opts->anycast_count;
	size_t clients = 0;

	for (size_t i = 0; i < opts->view_count; i++)
		clients += opts->views[i].prefix_count;
	if (sources > XDPCAST_SOURCE_FILTER_MAX) {
		snprintf(err, errlen, "%s: filter.blocklist, filter.bogons and the anycast prefixes: %zu prefixes, "
			 "over the %d the source filter holds", opts->config_path ? opts->config_path : "flags", sources,
			 XDPCAST_SOURCE_FILTER_MAX);
		return -1;
	}
	if (clients > XDPCAST_VIEW_PREFIXES_MAX) {
		snprintf(err, errlen, "%s: views: %zu client prefixes in all, over the %d the views map holds",
			 opts->config_path ? opts->config_path : "flags", clients, XDPCAST_VIEW_PREFIXES_MAX);
		return -1;
	}
	return 0;
}

struct view_client {
	const struct xdpcast_lpm_key *prefix;
	size_t view;
};

static int compare_view_clients(const void *a, const void *b)
{
	const struct xdpcast_lpm_key *x = ((const struct view_client *)a)->prefix;
	const struct xdpcast_lpm_key *y = ((const struct view_client *)b)->prefix;

	if (x->prefixlen != y->prefixlen)
		return x->prefixlen < y->prefixlen ? -1 : 1;
	return memcmp(x->addr, y->addr, sizeof(x->addr));
}

/* A client prefix in two views would belong to whichever the trie was
 * written with last. (A longer prefix inside another view's shorter one
 * is the longer's: an exception, as in a routing table.) */
static int options_check_view_clients(const struct options *opts, char *err, size_t errlen)
{
	struct view_client *clients;
	size_t count = 0;
	int ret = 0;

	for (size_t v = 0; v < opts->view_count; v++)
		count += opts->views[v].prefix_count;
	if (!(clients = calloc(count + 1, sizeof(*clients)))) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	count = 0;
	for (size_t v = 0; v < opts->view_count; v++)
		for (size_t i = 0; i < opts->views[v].prefix_count; i++)
			clients[count++] = (struct view_client){ &opts->views[v].prefixes[i], v };
	qsort(clients, count, sizeof(*clients), compare_view_clients);
	for (size_t i = 1; i < count && !ret; i++) {
		const struct view_client *first = &clients[i - 1], *again = &clients[i];
		char text[64];

		if (compare_view_clients(first, again) || first->view == again->view)
			continue;
		if (first->view > again->view) {
			const struct view_client *swap = first;

			first = again;
			again = swap;
		}
		prefix_format(again->prefix, text, sizeof(text));
		if (opts->views[again->view].line)
			snprintf(err, errlen, "%s:%d: views.%s.clients: %s is in view %s too", opts->config_path,
				 opts->views[again->view].line, opts->views[again->view].name, text,
				 opts->views[first->view].name);
		else
			snprintf(err, errlen, "flags: views.%s.clients: %s is in view %s too",
				 opts->views[again->view].name, text, opts->views[first->view].name);
		ret = -1;
	}
	free(clients);
	return ret;
}

/* An error in how xdpcastd was invoked: the help names every flag. */
static enum options_result usage_error(char *err, size_t errlen, const char *fmt, const char *arg)
{
	char what[600];

	snprintf(what, sizeof(what), fmt, arg);
	snprintf(err, errlen, "%s (see xdpcastd --help)", what);
	return OPTIONS_EXIT_ERROR;
}

/* A check's drain action needs the means to drain, from another section. */
static int options_check_drains(const struct options *opts, char *err, size_t errlen)
{
	for (size_t a = 0; a < opts->health.action_count; a++)
		if (opts->health.actions[a].action == CHECK_DRAIN && !drain_possible(&opts->drain, opts->drain.prepend)) {
			snprintf(err, errlen, "%s:%d: health.actions: %s: %s", opts->config_path,
				 opts->health.actions[a].line, opts->health.actions[a].check, opts->drain.asn ?
				 "a drain of bgp.drain.prepend 0 needs bgp.drain.communities" :
				 "drain needs bgp.asn (to prepend) or bgp.drain.communities");
			return -1;
		}
	return 0;
}

void options_argv_copy(int argc, char **argv, char **copy)
{
	memcpy(copy, argv, argc * sizeof(*argv));
	copy[argc] = NULL;      /* argv's own end may not be there: a caller's array */
}

enum options_result options_read(int argc, char **argv, struct options *opts, char *err, size_t errlen)
{
	static struct getopt_tables t;
	bool replaced[OPTIONS_FLAGS_MAX] = { false };
	char *scanned[argc + 1];
	const struct schema_item *item, *asked = NULL;
	const char *second_config = NULL;
	char why[512];
	size_t index;
	int c;

	getopt_tables(&t);
	options_defaults(opts);
	/* The config file first, so that every other flag wins over it; in a
	 * copy of argv, which getopt reorders: the parse must see it as typed
	 * (an argument moved after a flag missing its own would become it). */
	options_argv_copy(argc, argv, scanned);
	opterr = 0;
	optind = 0;
	while ((c = getopt_long(argc, scanned, t.shorts, t.longopts, NULL)) != -1) {
		item = flag_of(&t, c, &index);
		if (item && (is_flag(item, "config") || is_flag(item, "check-config"))) {
			/* One file, one meaning: a --config after --check-config
			 * started the daemon the caller asked only to check. */
			if (!opts->config_path) {
				opts->config_path = optarg;
				opts->check_config = is_flag(item, "check-config");
			} else if (!second_config) {
				second_config = optarg;
			}
		} else if (item && !asked && (is_flag(item, "help") || is_flag(item, "version"))) {
			asked = item;
		}
	}
	/* Whatever else is wrong, the config file included. */
	if (asked && is_flag(asked, "help")) {
		print_usage();
		return OPTIONS_EXIT_OK;
	}
	if (asked) {
		printf("xdpcastd %s\n", XDPCAST_VERSION);
		return OPTIONS_EXIT_OK;
	}
	if (second_config)
		return usage_error(err, errlen, "a second config file '%s': give one --config or --check-config",
				   second_config);
	if (opts->config_path && config_load(opts->config_path, opts, err, errlen))
		return OPTIONS_EXIT_ERROR;
	optind = 0;
	while ((c = getopt_long(argc, argv, t.shorts, t.longopts, NULL)) != -1) {
		if (c == ':')
			return usage_error(err, errlen, "%s needs an argument", argv[optind - 1]);
		if (!(item = flag_of(&t, c, &index)))
			return usage_error(err, errlen, "unknown option '%s'", argv[optind - 1]);
		if (item->shape != SCHEMA_ACTION &&
		    schema_flag_apply(t.refs, t.count, index, optarg, opts, replaced, &opts->strings, why, sizeof(why)))
			return usage_error(err, errlen, "%s", why);
		if (item->flags & SCHEMA_HAS_LINE)      /* the flag's value, not the file's */
			*(int *)((char *)opts + item->line_offset) = 0;
	}
	if (optind < argc)
		return usage_error(err, errlen, "unexpected argument '%s'", argv[optind]);
	if (!opts->iface_count)
		return usage_error(err, errlen, "%s", "--iface is required (or 'interfaces' in the config file)");
	if (!opts->anycast_count)
		return usage_error(err, errlen, "%s", "--anycast is required (or 'anycast' in the config file)");
	if (!opts->zone_count && !opts->secondary_count)
		return usage_error(err, errlen, "%s",
				   "--zone is required (or 'zones' or 'transfer.zones' in the config file)");
	if (!opts->pop)
		return usage_error(err, errlen, "%s", "--pop is required (or 'pop' in the config file)");
	if (options_check_sizes(opts, err, errlen) || options_check_view_clients(opts, err, errlen) ||
	    options_check_drains(opts, err, errlen))
		return OPTIONS_EXIT_ERROR;
	for (size_t i = 0; i < opts->view_count; i++) {
		if (!opts->views[i].prefix_count)
			return usage_error(err, errlen, "view '%s' has no clients: add --view NAME=PREFIX",
					   opts->views[i].name);
		if (!opts->views[i].zone_count)
			return usage_error(err, errlen, "view '%s' loads no zone: add --view-zone NAME=FILE",
					   opts->views[i].name);
	}
	return OPTIONS_RUN;
}

enum options_result options_parse(int argc, char **argv, struct options *opts)
{
	char err[1024];
	enum options_result result = options_read(argc, argv, opts, err, sizeof(err));

	if (result == OPTIONS_EXIT_ERROR)
		fprintf(stderr, "xdpcastd: %s\n", err);
	if (result == OPTIONS_RUN)
		zone_set_limits(&opts->zone_limits);
	return result;
}
