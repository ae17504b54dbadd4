// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The config file, read with libyaml's document API: the whole file is
 * parsed first (syntax errors carry libyaml's line), then walked key by key
 * through tables, so an unknown key, a wrong type or a bad value is
 * reported with its line and dotted key path. Before the document is built,
 * libyaml's event stream is read once to bound what building it costs:
 * nesting at most CONFIG_DEPTH_MAX deep, one document per file.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "config.h"
#include "prefix.h"

#define CONFIG_DEPTH_MAX  32            /* mappings and lists in one another */
#define CONFIG_BYTES_MAX  (16 << 20)    /* a config file is small; more is a mistake */

struct walk {
	const char *path;
	yaml_document_t *doc;
	struct options *opts;
	char *err;
	size_t errlen;
};

/* A key's handler: the node under the key, its dotted path, and the
 * table's argument (the struct the key belongs to). */
typedef int (*key_fn)(struct walk *w, yaml_node_t *node, const char *key, void *arg);

struct key_handler {
	const char *name;
	key_fn fn;
};

static int fail(struct walk *w, const yaml_node_t *node, const char *key, const char *fmt, ...)
{
	char what[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	snprintf(w->err, w->errlen, "%s:%zu: %s: %s", w->path, node->start_mark.line + 1,
		 *key ? key : "top level", what);
	return -1;
}

static const char *scalar(struct walk *w, yaml_node_t *node, const char *key)
{
	if (node->type != YAML_SCALAR_NODE) {
		fail(w, node, key, "expected a single value, not a %s",
		     node->type == YAML_SEQUENCE_NODE ? "list" : "mapping");
		return NULL;
	}
	return (const char *)node->data.scalar.value;
}

static int get_string(struct walk *w, yaml_node_t *node, const char *key, const char **out)
{
	const char *value = scalar(w, node, key);

	if (!value)
		return -1;
	if (!*value)
		return fail(w, node, key, "must not be empty");
	*out = options_keep(w->opts, value);
	return *out ? 0 : fail(w, node, key, "out of memory");
}

static int get_uint(struct walk *w, yaml_node_t *node, const char *key, uint32_t *out, uint32_t max)
{
	const char *value = scalar(w, node, key);
	unsigned long long n;
	char *end;

	if (!value)
		return -1;
	errno = 0;
	n = strtoull(value, &end, 10);
	if (!*value || *end || errno || value[0] == '-' || n > max)
		return fail(w, node, key, "'%s' is not a whole number from 0 to %u", value, max);
	*out = n;
	return 0;
}

static int get_bool(struct walk *w, yaml_node_t *node, const char *key, bool *out)
{
	const char *value = scalar(w, node, key);

	if (!value)
		return -1;
	if (!strcmp(value, "true") || !strcmp(value, "yes") || !strcmp(value, "on"))
		*out = true;
	else if (!strcmp(value, "false") || !strcmp(value, "no") || !strcmp(value, "off"))
		*out = false;
	else
		return fail(w, node, key, "'%s' is not true or false", value);
	return 0;
}

static int get_prefix(struct walk *w, yaml_node_t *node, const char *key, struct xdpcast_lpm_key *out)
{
	const char *value = scalar(w, node, key);
	char err[256];

	if (!value)
		return -1;
	if (prefix_parse(value, out, err, sizeof(err)))
		return fail(w, node, key, "%s", err);
	return 0;
}

/* Calls fn for every item of a list (a single value counts as a list of one). */
static int each_item(struct walk *w, yaml_node_t *node, const char *key, key_fn fn, void *arg)
{
	if (node->type != YAML_SEQUENCE_NODE)
		return fn(w, node, key, arg);
	for (yaml_node_item_t *item = node->data.sequence.items.start;
	     item < node->data.sequence.items.top; item++)
		if (fn(w, yaml_document_get_node(w->doc, *item), key, arg))
			return -1;
	return 0;
}

static const char *key_name(struct walk *w, const yaml_node_pair_t *pair)
{
	const yaml_node_t *k = yaml_document_get_node(w->doc, pair->key);

	return k->type == YAML_SCALAR_NODE ? (const char *)k->data.scalar.value : "?";
}

/* YAML leaves a key given twice to the application: it is an error here,
 * not a silent choice of one. The pairs before `pair` are known keys (an
 * unknown one ends the walk), so this looks at a few at most. */
static int check_unique(struct walk *w, const yaml_node_t *mapping, const yaml_node_pair_t *pair,
			const char *path)
{
	const char *name = key_name(w, pair);

	for (const yaml_node_pair_t *p = mapping->data.mapping.pairs.start; p < pair; p++)
		if (!strcmp(key_name(w, p), name))
			return fail(w, yaml_document_get_node(w->doc, pair->key), path,
				    "a second '%s' (the first is on line %zu)", name,
				    yaml_document_get_node(w->doc, p->key)->start_mark.line + 1);
	return 0;
}

static int walk_mapping(struct walk *w, yaml_node_t *node, const char *key,
			const struct key_handler *table, void *arg)
{
	if (node->type != YAML_MAPPING_NODE)
		return fail(w, node, key, "expected a mapping of keys");
	for (yaml_node_pair_t *pair = node->data.mapping.pairs.start; pair < node->data.mapping.pairs.top; pair++) {
		yaml_node_t *k = yaml_document_get_node(w->doc, pair->key);
		yaml_node_t *v = yaml_document_get_node(w->doc, pair->value);
		const char *name = key_name(w, pair);
		const struct key_handler *h = table;
		char path[256];

		snprintf(path, sizeof(path), "%s%s%s", key, *key ? "." : "", name);
		while (h->name && strcmp(h->name, name))
			h++;
		if (!h->name)
			return fail(w, k, path, "unknown key");
		if (check_unique(w, node, pair, path))
			return -1;
		if (h->fn(w, v, path, arg))
			return -1;
	}
	return 0;
}

/* Top-level keys: the command-line flags. */

static int add_iface(struct walk *w, yaml_node_t *node, const char *key, void *arg)
{
	const char *name;

	(void)arg;
	if (get_string(w, node, key, &name))
		return -1;
	if (w->opts->iface_count == XDPCAST_MAX_IFACES)
		return fail(w, node, key, "at most %d interfaces", XDPCAST_MAX_IFACES);
	w->opts->ifaces[w->opts->iface_count++] = (char *)name;
	return 0;
}

static int add_rule(struct walk *w, yaml_node_t *node, const char *key, void *arg)
{
	struct anycast_rules *rules = arg;
	const char *value = scalar(w, node, key);
	char err[256];

	if (!value)
		return -1;
	if (rules->count == XDPCAST_ALLOW_MAX)
		return fail(w, node, key, "at most %d rules", XDPCAST_ALLOW_MAX);
	if (port_rule_parse(value, &rules->allow[rules->count], err, sizeof(err)))
		return fail(w, node, key, "%s", err);
	rules->count++;
	return 0;
}

static int set_rules(struct walk *w, yaml_node_t *node, const char *key, void *arg)
{
	struct anycast_rules *rules = arg;

	rules->count = 0;
	if (each_item(w, node, key, add_rule, rules))
		return -1;
	if (!rules->count)
		return fail(w, node, key, "an empty allowlist would drop everything: list at least one rule");
	return 0;
}

static int set_anycast_prefix(struct walk *w, yaml_node_t *node, const char *key, void *arg)
{
	size_t i = *(size_t *)arg;
	const char *text = scalar(w, node, key);

	if (!text || get_prefix(w, node, key, &w->opts->anycast[i]))
		return -1;
	w->opts->anycast_text[i] = options_keep(w->opts, text);
	return 0;
}

static int set_anycast_allow(struct walk *w, yaml_node_t *node, const char *key, void *arg)
{
	return set_rules(w, node, key, &w->opts->anycast_rules[*(size_t *)arg]);
}

static int add_anycast(struct walk *w, yaml_node_t *node, const char *key, void *arg)
{
	static const struct key_handler keys[] = {
		{ "prefix", set_anycast_prefix },
		{ "allow", set_anycast_allow },
		{ NULL, NULL },
	};
	struct options *opts = w->opts;
	size_t i = opts->anycast_count;

	(void)arg;
	if (i == OPTIONS_MAX_ANYCAST)
		return fail(w, node, key, "at most %d prefixes", OPTIONS_MAX_ANYCAST);
	opts->anycast_rules[i].count = 0;
	opts->anycast_text[i] = NULL;
	if (node->type == YAML_MAPPING_NODE) {
		if (walk_mapping(w, node, key, keys, &i))
			return -1;
		if (!opts->anycast_text[i])
			return fail(w, node, key, "an entry needs 'prefix'");
	} else if (set_anycast_prefix(w, node, key, &i)) {
		return -1;
	}
	opts->anycast_count++;
	return 0;
}

static int add_zone(struct walk *w, yaml_node_t *node, const char *key, void *arg)
{
	struct view_option *view = arg;
	char **zones = view ? view->zones : w->opts->zones;
	size_t *count = view ? &view->zone_count : &w->opts->zone_count;
	const char *file;

	if (get_string(w, node, key, &file))
		return -1;
	if (*count == OPTIONS_MAX_ZONES)
		return fail(w, node, key, "at most %d zones", OPTIONS_MAX_ZONES);
	zones[(*count)++] = (char *)file;
	return 0;
}

static int add_view_client(struct walk *w, yaml_node_t *node, const char *key, void *arg)
{
	struct view_option *view = arg;

	if (view->prefix_count == OPTIONS_MAX_ANYCAST)
		return fail(w, node, key, "at most %d prefixes", OPTIONS_MAX_ANYCAST);
	return get_prefix(w, node, key, &view->prefixes[view->prefix_count++]);
}

static int set_view_clients(struct walk *w, yaml_node_t *node, const char *key, void *arg)
{
	return each_item(w, node, key, add_view_client, arg);
}

static int set_view_zones(struct walk *w, yaml_node_t *node, const char *key, void *arg)
{
	return each_item(w, node, key, add_zone, arg);
}

static int set_views(struct walk *w, yaml_node_t *node, const char *key, void *arg)
{
	static const struct key_handler keys[] = {
		{ "clients", set_view_clients },
		{ "zones", set_view_zones },
		{ NULL, NULL },
	};

	(void)arg;
	if (node->type != YAML_MAPPING_NODE)
		return fail(w, node, key, "expected a mapping of view names");
	for (yaml_node_pair_t *pair = node->data.mapping.pairs.start; pair < node->data.mapping.pairs.top; pair++) {
		yaml_node_t *k = yaml_document_get_node(w->doc, pair->key);
		const char *name = scalar(w, k, key);
		struct view_option *view;
		char path[256];

		if (!name)
			return -1;
		snprintf(path, sizeof(path), "%s.%s", key, name);
		if (check_unique(w, node, pair, path))
			return -1;
		view = options_view(w->opts, name, strlen(name));
		if (!view)
			return fail(w, k, path, "at most %d views, names of 1 to 31 characters", XDPCAST_VIEWS_MAX);
		if (walk_mapping(w, yaml_document_get_node(w->doc, pair->value), path, keys, view))
			return -1;
		if (!view->prefix_count || !view->zone_count)
			return fail(w, k, path, "a view needs 'clients' and 'zones'");
	}
	return 0;
}

static int set_pop(struct walk *w, yaml_node_t *node, const char *key, void *arg)
{
	(void)arg;
	return get_string(w, node, key, &w->opts->pop);
}

static int set_pin_dir(struct walk *w, yaml_node_t *node, const char *key, void *arg)
{
	(void)arg;
	return get_string(w, node, key, &w->opts->pin_dir);
}

static int set_xdp_mode(struct walk *w, yaml_node_t *node, const char *key, void *arg)
{
	const char *value = scalar(w, node, key);

	(void)arg;
	if (!value)
		return -1;
	if (!strcmp(value, "native"))
		w->opts->xdp_mode = XDP_MODE_NATIVE;
	else if (!strcmp(value, "skb"))
		w->opts->xdp_mode = XDP_MODE_SKB;
	else
		return fail(w, node, key, "'%s' must be native or skb", value);
	w->opts->mode_forced = true;
	return 0;
}

static int set_metrics(struct walk *w, yaml_node_t *node, const char *key, void *arg)
{
	(void)arg;
	return get_string(w, node, key, &w->opts->metrics);
}

static int set_control_socket(struct walk *w, yaml_node_t *node, const char *key, void *arg)
{
	(void)arg;
	return get_string(w, node, key, &w->opts->control_socket);
}

static int set_verbose(struct walk *w, yaml_node_t *node, const char *key, void *arg)
{
	(void)arg;
	return get_bool(w, node, key, &w->opts->verbose);
}

static int set_interfaces(struct walk *w, yaml_node_t *node, const char *key, void *arg)
{
	return each_item(w, node, key, add_iface, arg);
}

static int set_anycast(struct walk *w, yaml_node_t *node, const char *key, void *arg)
{
	return each_item(w, node, key, add_anycast, arg);
}

static int set_zones(struct walk *w, yaml_node_t *node, const char *key, void *arg)
{
	(void)arg;
	return each_item(w, node, key, add_zone, NULL);
}

/* filter: */

static int add_listed(struct walk *w, yaml_node_t *node, const char *key, void *arg)
{
	struct xdpcast_lpm_key prefix;

	if (get_prefix(w, node, key, &prefix))
		return -1;
	return prefix_list_add(arg, &prefix) ? fail(w, node, key, "out of memory") : 0;
}

static int set_prefix_list(struct walk *w, yaml_node_t *node, const char *key, void *arg)
{
	prefix_list_clear(arg);         /* the file's list replaces the default */
	return each_item(w, node, key, add_listed, arg);
}

static int set_filter_blocklist(struct walk *w, yaml_node_t *node, const char *key, void *arg)
{
	(void)arg;
	return set_prefix_list(w, node, key, &w->opts->protection.blocklist);
}

static int set_filter_bogons(struct walk *w, yaml_node_t *node, const char *key, void *arg)
{
	(void)arg;
	return set_prefix_list(w, node, key, &w->opts->protection.bogons);
}

static int set_filter_allow(struct walk *w, yaml_node_t *node, const char *key, void *arg)
{
	struct protection *p = &w->opts->protection;
	struct anycast_rules rules;

	(void)arg;
	if (set_rules(w, node, key, &rules))
		return -1;
	memcpy(p->allow, rules.allow, sizeof(p->allow));
	p->allow_count = rules.count;
	return 0;
}

static int set_filter(struct walk *w, yaml_node_t *node, const char *key, void *arg)
{
	static const struct key_handler keys[] = {
		{ "allow", set_filter_allow },
		{ "blocklist", set_filter_blocklist },
		{ "bogons", set_filter_bogons },
		{ NULL, NULL },
	};

	return walk_mapping(w, node, key, keys, arg);
}

/* rate_limit: and rrl: */

#define RATE_MAX 100000000u

static int set_rate(struct walk *w, yaml_node_t *node, const char *key, void *arg)
{
	return get_uint(w, node, key, &((struct rate_limit *)arg)->rate, RATE_MAX);
}

static int set_burst(struct walk *w, yaml_node_t *node, const char *key, void *arg)
{
	return get_uint(w, node, key, &((struct rate_limit *)arg)->burst, RATE_MAX);
}

static int set_rate_limit_entry(struct walk *w, yaml_node_t *node, const char *key, void *arg)
{
	static const struct key_handler keys[] = {
		{ "rate", set_rate },
		{ "burst", set_burst },
		{ NULL, NULL },
	};
	struct rate_limit *r = arg;

	if (walk_mapping(w, node, key, keys, r))
		return -1;
	if (r->rate && r->burst < 1)
		return fail(w, node, key, "burst must be at least 1 when rate is set");
	return 0;
}

#define RATE_KEY(fn, field)                                                              \
	static int fn(struct walk *w, yaml_node_t *node, const char *key, void *arg)     \
	{                                                                                \
		(void)arg;                                                               \
		return set_rate_limit_entry(w, node, key, &w->opts->protection.field);   \
	}
RATE_KEY(set_ipv4_32, source[SOURCE_LEVEL_V4_32])
RATE_KEY(set_ipv4_24, source[SOURCE_LEVEL_V4_24])
RATE_KEY(set_ipv6_64, source[SOURCE_LEVEL_V6_64])
RATE_KEY(set_ipv6_56, source[SOURCE_LEVEL_V6_56])
RATE_KEY(set_pass_budget, pass_budget)
RATE_KEY(set_icmp, icmp)
#undef RATE_KEY

static int set_source_buckets(struct walk *w, yaml_node_t *node, const char *key, void *arg)
{
	(void)arg;
	if (get_uint(w, node, key, &w->opts->protection.source_buckets, 1u << 26))
		return -1;
	return w->opts->protection.source_buckets ? 0 : fail(w, node, key, "must be at least 1");
}

static int set_rate_limit(struct walk *w, yaml_node_t *node, const char *key, void *arg)
{
	static const struct key_handler keys[] = {
		{ "ipv4_32", set_ipv4_32 },
		{ "ipv4_24", set_ipv4_24 },
		{ "ipv6_64", set_ipv6_64 },
		{ "ipv6_56", set_ipv6_56 },
		{ "pass_budget", set_pass_budget },
		{ "icmp", set_icmp },
		{ "source_buckets", set_source_buckets },
		{ NULL, NULL },
	};

	return walk_mapping(w, node, key, keys, arg);
}

static int set_rrl_rate(struct walk *w, yaml_node_t *node, const char *key, void *arg)
{
	(void)arg;
	return set_rate(w, node, key, &w->opts->protection.rrl);
}

static int set_rrl_burst(struct walk *w, yaml_node_t *node, const char *key, void *arg)
{
	(void)arg;
	return set_burst(w, node, key, &w->opts->protection.rrl);
}

static int set_rrl_slip(struct walk *w, yaml_node_t *node, const char *key, void *arg)
{
	(void)arg;
	return get_uint(w, node, key, &w->opts->protection.rrl_slip, 10);
}

static int set_rrl_buckets(struct walk *w, yaml_node_t *node, const char *key, void *arg)
{
	(void)arg;
	if (get_uint(w, node, key, &w->opts->protection.rrl_buckets, 1u << 26))
		return -1;
	return w->opts->protection.rrl_buckets ? 0 : fail(w, node, key, "must be at least 1");
}

static int set_rrl(struct walk *w, yaml_node_t *node, const char *key, void *arg)
{
	static const struct key_handler keys[] = {
		{ "rate", set_rrl_rate },
		{ "burst", set_rrl_burst },
		{ "slip", set_rrl_slip },
		{ "buckets", set_rrl_buckets },
		{ NULL, NULL },
	};
	struct protection *p = &w->opts->protection;

	if (walk_mapping(w, node, key, keys, arg))
		return -1;
	if (p->rrl.rate && !p->rrl.burst)
		return fail(w, node, key, "burst must be at least 1 when rate is set");
	return 0;
}

/* cookies: */

static int set_cookies_enabled(struct walk *w, yaml_node_t *node, const char *key, void *arg)
{
	(void)arg;
	return get_bool(w, node, key, &w->opts->protection.cookies);
}

static int get_secret(struct walk *w, yaml_node_t *node, const char *key, uint8_t *secret)
{
	const char *value = scalar(w, node, key);
	char err[256];

	if (!value)
		return -1;
	return cookie_secret_parse(value, secret, err, sizeof(err)) ? fail(w, node, key, "%s", err) : 0;
}

static int set_cookies_secret(struct walk *w, yaml_node_t *node, const char *key, void *arg)
{
	(void)arg;
	w->opts->protection.has_secret = true;
	return get_secret(w, node, key, w->opts->protection.cookie_secret);
}

static int set_cookies_previous(struct walk *w, yaml_node_t *node, const char *key, void *arg)
{
	(void)arg;
	w->opts->protection.has_previous = true;
	return get_secret(w, node, key, w->opts->protection.cookie_previous);
}

static int set_cookies(struct walk *w, yaml_node_t *node, const char *key, void *arg)
{
	static const struct key_handler keys[] = {
		{ "enabled", set_cookies_enabled },
		{ "secret", set_cookies_secret },
		{ "previous_secret", set_cookies_previous },
		{ NULL, NULL },
	};

	return walk_mapping(w, node, key, keys, arg);
}

/* The control plane: BGP, health checks, zone watching, transfers. */

static int set_bird_socket(struct walk *w, yaml_node_t *node, const char *key, void *arg)
{
	(void)arg;
	return get_string(w, node, key, &w->opts->bird_socket);
}

static int set_bird_include(struct walk *w, yaml_node_t *node, const char *key, void *arg)
{
	(void)arg;
	return get_string(w, node, key, &w->opts->bird_include);
}

static int set_replace_foreign(struct walk *w, yaml_node_t *node, const char *key, void *arg)
{
	(void)arg;
	return get_bool(w, node, key, &w->opts->replace_foreign);
}

static int set_bgp_asn(struct walk *w, yaml_node_t *node, const char *key, void *arg)
{
	(void)arg;
	if (get_uint(w, node, key, &w->opts->drain.asn, UINT32_MAX))
		return -1;
	return w->opts->drain.asn ? 0 : fail(w, node, key, "an AS number is not 0");
}

static int set_drain_prepend(struct walk *w, yaml_node_t *node, const char *key, void *arg)
{
	(void)arg;
	return get_uint(w, node, key, &w->opts->drain.prepend, 10);
}

static int add_drain_community(struct walk *w, yaml_node_t *node, const char *key, void *arg)
{
	struct drain_style *d = arg;
	const char *value = scalar(w, node, key);
	unsigned long asn, tag;
	char *end;

	if (!value)
		return -1;
	asn = strtoul(value, &end, 10);
	if (*end != ':' || end == value || asn > 65535)
		goto bad;
	tag = strtoul(end + 1, &end, 10);
	if (*end || tag > 65535 || !isdigit((unsigned char)value[strlen(value) - 1]))
		goto bad;
	if (d->community_count == sizeof(d->communities) / sizeof(d->communities[0]))
		return fail(w, node, key, "at most 8 communities");
	snprintf(d->communities[d->community_count++], sizeof(d->communities[0]), "%lu:%lu", asn, tag);
	return 0;
bad:
	return fail(w, node, key, "'%s' is not a BGP community ASN:VALUE (each 0..65535)", value);
}

static int set_drain_communities(struct walk *w, yaml_node_t *node, const char *key, void *arg)
{
	(void)arg;
	w->opts->drain.community_count = 0;
	return each_item(w, node, key, add_drain_community, &w->opts->drain);
}

static int set_bgp_drain(struct walk *w, yaml_node_t *node, const char *key, void *arg)
{
	static const struct key_handler keys[] = {
		{ "prepend", set_drain_prepend },
		{ "communities", set_drain_communities },
		{ NULL, NULL },
	};

	return walk_mapping(w, node, key, keys, arg);
}

static int set_bgp(struct walk *w, yaml_node_t *node, const char *key, void *arg)
{
	static const struct key_handler keys[] = {
		{ "asn", set_bgp_asn },
		{ "drain", set_bgp_drain },
		{ NULL, NULL },
	};

	return walk_mapping(w, node, key, keys, arg);
}

static int set_state_file(struct walk *w, yaml_node_t *node, const char *key, void *arg)
{
	(void)arg;
	return get_string(w, node, key, &w->opts->state_file);
}

static int set_drain_ms(struct walk *w, yaml_node_t *node, const char *key, void *arg)
{
	(void)arg;
	return get_uint(w, node, key, &w->opts->drain_ms, 600000);
}

static int get_address(struct walk *w, yaml_node_t *node, const char *key, uint16_t port, struct address *out)
{
	const char *value = scalar(w, node, key);
	char err[256];

	if (!value)
		return -1;
	if (address_parse(value, port, out, err, sizeof(err)))
		return fail(w, node, key, "%s", err);
	return 0;
}

static int set_health_interval(struct walk *w, yaml_node_t *node, const char *key, void *arg)
{
	if (get_uint(w, node, key, &((struct health_options *)arg)->interval_ms, 3600000))
		return -1;
	return ((struct health_options *)arg)->interval_ms >= 100 ? 0 : fail(w, node, key, "at least 100 ms");
}

static int get_count(struct walk *w, yaml_node_t *node, const char *key, uint32_t *out)
{
	if (get_uint(w, node, key, out, 100))
		return -1;
	return *out ? 0 : fail(w, node, key, "must be at least 1");
}

static int set_health_rise(struct walk *w, yaml_node_t *node, const char *key, void *arg)
{
	return get_count(w, node, key, &((struct health_options *)arg)->rise);
}

static int set_health_fall(struct walk *w, yaml_node_t *node, const char *key, void *arg)
{
	return get_count(w, node, key, &((struct health_options *)arg)->fall);
}

static int get_timeout(struct walk *w, yaml_node_t *node, const char *key, uint32_t *out)
{
	if (get_uint(w, node, key, out, 600000))
		return -1;
	return *out >= 10 ? 0 : fail(w, node, key, "at least 10 ms");
}

static int set_health_timeout(struct walk *w, yaml_node_t *node, const char *key, void *arg)
{
	return get_timeout(w, node, key, &((struct health_options *)arg)->timeout_ms);
}

static int set_health_backend(struct walk *w, yaml_node_t *node, const char *key, void *arg)
{
	struct health_options *h = arg;

	h->has_backend = true;
	return get_address(w, node, key, 53, &h->backend);
}

static int set_command_name(struct walk *w, yaml_node_t *node, const char *key, void *arg)
{
	struct command_check *c = arg;

	if (get_string(w, node, key, &c->name))
		return -1;
	for (const char *p = c->name; *p; p++)
		if (!(*p == '_' || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9')))
			return fail(w, node, key, "'%s': lowercase letters, digits and '_' only", c->name);
	return 0;
}

static int set_command_run(struct walk *w, yaml_node_t *node, const char *key, void *arg)
{
	return get_string(w, node, key, &((struct command_check *)arg)->run);
}

static int set_command_timeout(struct walk *w, yaml_node_t *node, const char *key, void *arg)
{
	return get_timeout(w, node, key, &((struct command_check *)arg)->timeout_ms);
}

static int add_command_prefix(struct walk *w, yaml_node_t *node, const char *key, void *arg)
{
	struct command_check *c = arg;

	if (c->prefix_count == OPTIONS_MAX_ANYCAST)
		return fail(w, node, key, "at most %d prefixes", OPTIONS_MAX_ANYCAST);
	return get_prefix(w, node, key, &c->prefixes[c->prefix_count++]);
}

static int set_command_prefixes(struct walk *w, yaml_node_t *node, const char *key, void *arg)
{
	return each_item(w, node, key, add_command_prefix, arg);
}

static int add_command(struct walk *w, yaml_node_t *node, const char *key, void *arg)
{
	static const struct key_handler keys[] = {
		{ "name", set_command_name },
		{ "run", set_command_run },
		{ "timeout_ms", set_command_timeout },
		{ "prefixes", set_command_prefixes },
		{ NULL, NULL },
	};
	struct health_options *h = arg;
	struct command_check *c;

	if (h->command_count == OPTIONS_MAX_CHECKS)
		return fail(w, node, key, "at most %d commands", OPTIONS_MAX_CHECKS);
	c = &h->commands[h->command_count];
	*c = (struct command_check){ .timeout_ms = 5000 };
	if (walk_mapping(w, node, key, keys, c))
		return -1;
	if (!c->name || !c->run)
		return fail(w, node, key, "a command needs 'name' and 'run'");
	for (size_t i = 0; i < h->command_count; i++)
		if (!strcmp(h->commands[i].name, c->name))
			return fail(w, node, key, "a second command named '%s'", c->name);
	h->command_count++;
	return 0;
}

/* health.actions: {CHECK: withdraw|drain}; the names are checked once
 * every check is known (the daemon's start). */
static int set_health_actions(struct walk *w, yaml_node_t *node, const char *key, void *arg)
{
	struct health_options *h = arg;

	if (node->type != YAML_MAPPING_NODE)
		return fail(w, node, key, "expected a mapping of check names to withdraw or drain");
	for (yaml_node_pair_t *pair = node->data.mapping.pairs.start; pair < node->data.mapping.pairs.top; pair++) {
		yaml_node_t *k = yaml_document_get_node(w->doc, pair->key);
		yaml_node_t *v = yaml_document_get_node(w->doc, pair->value);
		const char *value = scalar(w, v, key);
		struct check_action_option *a;

		if (!value || k->type != YAML_SCALAR_NODE)
			return fail(w, k, key, "expected CHECK: withdraw or drain");
		if (h->action_count == sizeof(h->actions) / sizeof(h->actions[0]))
			return fail(w, k, key, "too many actions");
		a = &h->actions[h->action_count++];
		a->check = options_keep(w->opts, (const char *)k->data.scalar.value);
		a->line = k->start_mark.line + 1;
		if (!strcmp(value, "withdraw"))
			a->action = CHECK_WITHDRAW;
		else if (!strcmp(value, "drain"))
			a->action = CHECK_DRAIN;
		else
			return fail(w, v, key, "'%s' must be withdraw or drain", value);
	}
	return 0;
}

static int set_health_commands(struct walk *w, yaml_node_t *node, const char *key, void *arg)
{
	struct health_options *h = arg;

	h->command_count = 0;
	return each_item(w, node, key, add_command, h);
}

static int set_health(struct walk *w, yaml_node_t *node, const char *key, void *arg)
{
	static const struct key_handler keys[] = {
		{ "interval_ms", set_health_interval },
		{ "rise", set_health_rise },
		{ "fall", set_health_fall },
		{ "timeout_ms", set_health_timeout },
		{ "backend", set_health_backend },
		{ "commands", set_health_commands },
		{ "actions", set_health_actions },
		{ NULL, NULL },
	};

	(void)arg;
	return walk_mapping(w, node, key, keys, &w->opts->health);
}

static int set_watch_enabled(struct walk *w, yaml_node_t *node, const char *key, void *arg)
{
	(void)arg;
	return get_bool(w, node, key, &w->opts->watch_zones);
}

static int set_watch_delay(struct walk *w, yaml_node_t *node, const char *key, void *arg)
{
	(void)arg;
	return get_uint(w, node, key, &w->opts->watch_delay_ms, 600000);
}

static int set_zone_watch(struct walk *w, yaml_node_t *node, const char *key, void *arg)
{
	static const struct key_handler keys[] = {
		{ "enabled", set_watch_enabled },
		{ "delay_ms", set_watch_delay },
		{ NULL, NULL },
	};

	return walk_mapping(w, node, key, keys, arg);
}

static int set_notify_listen(struct walk *w, yaml_node_t *node, const char *key, void *arg)
{
	(void)arg;
	w->opts->has_notify = true;
	return get_address(w, node, key, 53, &w->opts->notify_listen);
}

static int set_transfer_timeout(struct walk *w, yaml_node_t *node, const char *key, void *arg)
{
	(void)arg;
	return get_timeout(w, node, key, &w->opts->transfer_timeout_ms);
}

struct key_fields {
	const char *name, *algorithm, *secret;
};

static int set_key_name(struct walk *w, yaml_node_t *node, const char *key, void *arg)
{
	return get_string(w, node, key, &((struct key_fields *)arg)->name);
}

static int set_key_algorithm(struct walk *w, yaml_node_t *node, const char *key, void *arg)
{
	return get_string(w, node, key, &((struct key_fields *)arg)->algorithm);
}

static int set_key_secret(struct walk *w, yaml_node_t *node, const char *key, void *arg)
{
	return get_string(w, node, key, &((struct key_fields *)arg)->secret);
}

static int add_key(struct walk *w, yaml_node_t *node, const char *key, void *arg)
{
	static const struct key_handler keys[] = {
		{ "name", set_key_name },
		{ "algorithm", set_key_algorithm },
		{ "secret", set_key_secret },
		{ NULL, NULL },
	};
	struct key_fields f = { .algorithm = "hmac-sha256" };
	struct tsig_key_option *k;
	int ret;

	(void)arg;
	if (w->opts->key_count == OPTIONS_MAX_KEYS)
		return fail(w, node, key, "at most %d keys", OPTIONS_MAX_KEYS);
	if (walk_mapping(w, node, key, keys, &f))
		return -1;
	if (!f.name || !f.secret)
		return fail(w, node, key, "a key needs 'name' and 'secret'");
	for (size_t i = 0; i < w->opts->key_count; i++)
		if (!strcmp(w->opts->keys[i].name, f.name))
			return fail(w, node, key, "a second key named '%s'", f.name);
	k = &w->opts->keys[w->opts->key_count];
	ret = knot_tsig_key_init(&k->key, f.algorithm, f.name, f.secret);
	if (ret != KNOT_EOK)
		return fail(w, node, key, "key '%s' (%s): %s", f.name, f.algorithm, knot_strerror(ret));
	k->name = f.name;
	w->opts->key_count++;
	return 0;
}

static int set_transfer_keys(struct walk *w, yaml_node_t *node, const char *key, void *arg)
{
	return each_item(w, node, key, add_key, arg);
}

struct secondary_fields {
	struct secondary_option *s;
	const char *key;
	yaml_node_t *key_node;
};

static int set_secondary_zone(struct walk *w, yaml_node_t *node, const char *key, void *arg)
{
	struct secondary_fields *f = arg;
	knot_dname_t *name;

	if (get_string(w, node, key, &f->s->zone))
		return -1;
	name = knot_dname_from_str_alloc(f->s->zone);
	if (!name)
		return fail(w, node, key, "'%s' is not a domain name", f->s->zone);
	knot_dname_free(name, NULL);
	return 0;
}

static int set_secondary_primary(struct walk *w, yaml_node_t *node, const char *key, void *arg)
{
	return get_address(w, node, key, 53, &((struct secondary_fields *)arg)->s->primary);
}

static int set_secondary_key(struct walk *w, yaml_node_t *node, const char *key, void *arg)
{
	struct secondary_fields *f = arg;

	f->key_node = node;
	return get_string(w, node, key, &f->key);
}

static int add_secondary(struct walk *w, yaml_node_t *node, const char *key, void *arg)
{
	static const struct key_handler keys[] = {
		{ "zone", set_secondary_zone },
		{ "primary", set_secondary_primary },
		{ "key", set_secondary_key },
		{ NULL, NULL },
	};
	struct secondary_fields f = { .s = &w->opts->secondaries[w->opts->secondary_count] };

	(void)arg;
	if (w->opts->secondary_count == OPTIONS_MAX_ZONES)
		return fail(w, node, key, "at most %d zones", OPTIONS_MAX_ZONES);
	*f.s = (struct secondary_option){ .key = -1 };
	if (walk_mapping(w, node, key, keys, &f))
		return -1;
	if (!f.s->zone || !f.s->primary.len)
		return fail(w, node, key, "a transferred zone needs 'zone' and 'primary'");
	if (f.key) {
		for (size_t i = 0; i < w->opts->key_count; i++)
			if (!strcmp(w->opts->keys[i].name, f.key))
				f.s->key = i;
		if (f.s->key < 0)
			return fail(w, f.key_node, key, "no key named '%s' in transfer.keys (list keys first)", f.key);
	}
	w->opts->secondary_count++;
	return 0;
}

static int set_transfer_zones(struct walk *w, yaml_node_t *node, const char *key, void *arg)
{
	return each_item(w, node, key, add_secondary, arg);
}

static int set_transfer(struct walk *w, yaml_node_t *node, const char *key, void *arg)
{
	static const struct key_handler keys[] = {
		{ "notify_listen", set_notify_listen },
		{ "timeout_ms", set_transfer_timeout },
		{ "keys", set_transfer_keys },
		{ "zones", set_transfer_zones },
		{ NULL, NULL },
	};

	return walk_mapping(w, node, key, keys, arg);
}

/* limits: how much input one zone may bring in. */

static int set_zone_file_mb(struct walk *w, yaml_node_t *node, const char *key, void *arg)
{
	uint32_t mb;

	(void)arg;
	if (get_uint(w, node, key, &mb, 1u << 20))
		return -1;
	if (!mb)
		return fail(w, node, key, "must be at least 1");
	w->opts->zone_limits.file_bytes = (uint64_t)mb << 20;
	return 0;
}

static int set_zone_records(struct walk *w, yaml_node_t *node, const char *key, void *arg)
{
	uint32_t records;

	(void)arg;
	if (get_uint(w, node, key, &records, UINT32_MAX))
		return -1;
	if (!records)
		return fail(w, node, key, "must be at least 1");
	w->opts->zone_limits.records = records;
	return 0;
}

static int set_limits(struct walk *w, yaml_node_t *node, const char *key, void *arg)
{
	static const struct key_handler keys[] = {
		{ "zone_file_mb", set_zone_file_mb },
		{ "zone_records", set_zone_records },
		{ NULL, NULL },
	};

	return walk_mapping(w, node, key, keys, arg);
}

/* catchment: groups of client prefixes (regions, say) that /metrics sums
 * the catchment by; bounded here, so its label set is. */

static int add_catchment_prefix(struct walk *w, yaml_node_t *node, const char *key, void *arg)
{
	struct catchment_group *group = arg;
	char err[256];

	if (group->prefix_count == CATCHMENT_GROUP_PREFIXES)
		return fail(w, node, key, "at most %d prefixes a group", CATCHMENT_GROUP_PREFIXES);
	if (get_prefix(w, node, key, &group->prefixes[group->prefix_count]))
		return -1;
	if (catchment_group_prefix_check(&group->prefixes[group->prefix_count], err, sizeof(err)))
		return fail(w, node, key, "%s", err);
	group->prefix_count++;
	return 0;
}

static int set_catchment_groups(struct walk *w, yaml_node_t *node, const char *key, void *arg)
{
	(void)arg;
	if (node->type != YAML_MAPPING_NODE)
		return fail(w, node, key, "expected a mapping of group names to client prefixes");
	for (yaml_node_pair_t *pair = node->data.mapping.pairs.start; pair < node->data.mapping.pairs.top; pair++) {
		yaml_node_t *k = yaml_document_get_node(w->doc, pair->key);
		const char *name = scalar(w, k, key);
		struct catchment_group *group;
		char path[256];

		if (!name)
			return -1;
		snprintf(path, sizeof(path), "%s.%s", key, name);
		if (check_unique(w, node, pair, path))
			return -1;
		if (w->opts->catchment_group_count == CATCHMENT_GROUPS_MAX || !*name ||
		    strlen(name) >= sizeof(group->name) || !strcmp(name, CATCHMENT_OTHER))
			return fail(w, k, path, "at most %d groups, names of 1 to %zu characters other than '%s'",
				    CATCHMENT_GROUPS_MAX, sizeof(group->name) - 1, CATCHMENT_OTHER);
		group = &w->opts->catchment_groups[w->opts->catchment_group_count++];
		snprintf(group->name, sizeof(group->name), "%s", name);
		if (each_item(w, yaml_document_get_node(w->doc, pair->value), path, add_catchment_prefix, group))
			return -1;
	}
	return 0;
}

static int set_catchment(struct walk *w, yaml_node_t *node, const char *key, void *arg)
{
	static const struct key_handler keys[] = {
		{ "groups", set_catchment_groups },
		{ NULL, NULL },
	};

	return walk_mapping(w, node, key, keys, arg);
}

static const struct key_handler top_keys[] = {
	{ "interfaces", set_interfaces },
	{ "anycast", set_anycast },
	{ "zones", set_zones },
	{ "pop", set_pop },
	{ "views", set_views },
	{ "xdp_mode", set_xdp_mode },
	{ "pin_dir", set_pin_dir },
	{ "metrics", set_metrics },
	{ "control_socket", set_control_socket },
	{ "verbose", set_verbose },
	{ "filter", set_filter },
	{ "rate_limit", set_rate_limit },
	{ "rrl", set_rrl },
	{ "cookies", set_cookies },
	{ "bird_socket", set_bird_socket },
	{ "bird_include", set_bird_include },
	{ "replace_foreign", set_replace_foreign },
	{ "bgp", set_bgp },
	{ "state_file", set_state_file },
	{ "drain_ms", set_drain_ms },
	{ "health", set_health },
	{ "zone_watch", set_zone_watch },
	{ "transfer", set_transfer },
	{ "limits", set_limits },
	{ "catchment", set_catchment },
	{ NULL, NULL },
};

static void syntax_error(const char *path, const yaml_parser_t *parser, char *err, size_t errlen)
{
	snprintf(err, errlen, "%s:%zu: %s%s%s", path, parser->problem_mark.line + 1,
		 parser->problem ? parser->problem : "not YAML", parser->context ? " " : "",
		 parser->context ? parser->context : "");
}

/*
 * The events of the whole text, before any document is built: nesting
 * past CONFIG_DEPTH_MAX or a second document ends the read at once, where
 * building it would take time and memory in proportion to the nesting.
 */
static int check_shape(const char *path, const unsigned char *text, size_t len, char *err, size_t errlen)
{
	yaml_parser_t parser;
	yaml_event_t event;
	int depth = 0, documents = 0, ret = 1;

	yaml_parser_initialize(&parser);
	yaml_parser_set_input_string(&parser, text, len);
	while (ret > 0) {
		if (!yaml_parser_parse(&parser, &event)) {
			syntax_error(path, &parser, err, errlen);
			ret = -1;
			break;
		}
		switch (event.type) {
		case YAML_DOCUMENT_START_EVENT:
			if (++documents > 1) {
				snprintf(err, errlen, "%s:%zu: a second YAML document: the file must hold one", path,
					 event.start_mark.line + 1);
				ret = -1;
			}
			break;
		case YAML_SEQUENCE_START_EVENT:
		case YAML_MAPPING_START_EVENT:
			if (++depth > CONFIG_DEPTH_MAX) {
				snprintf(err, errlen, "%s:%zu: nested more than %d deep", path,
					 event.start_mark.line + 1, CONFIG_DEPTH_MAX);
				ret = -1;
			}
			break;
		case YAML_SEQUENCE_END_EVENT:
		case YAML_MAPPING_END_EVENT:
			depth--;
			break;
		case YAML_STREAM_END_EVENT:
			ret = 0;
			break;
		default:
			break;
		}
		yaml_event_delete(&event);
	}
	yaml_parser_delete(&parser);
	return ret;
}

/* The whole file, at most CONFIG_BYTES_MAX. */
static unsigned char *read_config(const char *path, size_t *len, char *err, size_t errlen)
{
	FILE *f = fopen(path, "r");
	unsigned char *text;

	if (!f) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	text = malloc(CONFIG_BYTES_MAX + 1);
	*len = text ? fread(text, 1, CONFIG_BYTES_MAX + 1, f) : 0;
	if (!text || ferror(f) || *len > CONFIG_BYTES_MAX) {
		snprintf(err, errlen, "%s: %s", path, !text ? "out of memory" : ferror(f) ? strerror(errno) :
			 "larger than 16 MiB: not a config file");
		free(text);
		text = NULL;
	}
	fclose(f);
	return text;
}

int config_load(const char *path, struct options *opts, char *err, size_t errlen)
{
	size_t len;
	unsigned char *text = read_config(path, &len, err, errlen);
	int ret;

	if (!text)
		return -1;
	ret = config_parse(path, text, len, opts, err, errlen);
	free(text);
	return ret;
}

int config_parse(const char *name, const unsigned char *text, size_t len, struct options *opts, char *err,
		 size_t errlen)
{
	struct walk w = { .path = name, .opts = opts, .err = err, .errlen = errlen };
	yaml_parser_t parser;
	yaml_document_t doc;
	yaml_node_t *root;
	int ret = -1;

	if (check_shape(name, text, len, err, errlen))
		return -1;
	yaml_parser_initialize(&parser);
	yaml_parser_set_input_string(&parser, text, len);
	if (!yaml_parser_load(&parser, &doc)) {
		syntax_error(name, &parser, err, errlen);
		goto out;
	}
	w.doc = &doc;
	root = yaml_document_get_root_node(&doc);
	if (!root)
		snprintf(err, errlen, "%s: the file is empty", name);
	else
		ret = walk_mapping(&w, root, "", top_keys, NULL);
	yaml_document_delete(&doc);
out:
	yaml_parser_delete(&parser);
	return ret;
}
