// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <bpf/bpf.h>

#include "array.h"
#include "prefix.h"
#include "protection.h"
#include "source_screen_map.h"
#include "token_bucket.h"

/* Sources that cannot be on the internet. The documentation prefixes are
 * not here: the demo and the tests use them as clients. */
static const char *const default_bogons[] = {
	"0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16",
	"172.16.0.0/12", "192.168.0.0/16", "224.0.0.0/4", "240.0.0.0/4",
	"::/128", "::1/128", "fc00::/7", "fe80::/10", "ff00::/8",
};

void protection_defaults(struct protection *p)
{
	char err[128];

	memset(p, 0, sizeof(*p));
	p->source[SOURCE_LEVEL_V4_32] = (struct rate_limit){ 2000, 4000 };
	p->source[SOURCE_LEVEL_V4_24] = (struct rate_limit){ 10000, 20000 };
	p->source[SOURCE_LEVEL_V6_64] = (struct rate_limit){ 2000, 4000 };
	p->source[SOURCE_LEVEL_V6_56] = (struct rate_limit){ 10000, 20000 };
	p->pass_budget = (struct rate_limit){ 10000, 20000 };
	p->icmp = (struct rate_limit){ 100, 200 };
	p->path_mtu = (struct rate_limit){ 100, 200 };
	p->rrl = (struct rate_limit){ 200, 400 };
	p->rrl_slip = 2;
	p->source_buckets = 262144;
	p->rrl_buckets = 65536;
	p->cookies = true;
	port_rule_parse("udp/53", &p->allow[p->allow_count++], err, sizeof(err));
	port_rule_parse("tcp/53", &p->allow[p->allow_count++], err, sizeof(err));
	port_rule_parse("icmp", &p->allow[p->allow_count++], err, sizeof(err));
	for (size_t i = 0; i < sizeof(default_bogons) / sizeof(default_bogons[0]); i++) {
		struct xdpcast_lpm_key key;

		if (prefix_parse(default_bogons[i], &key, err, sizeof(err)) == 0)
			prefix_list_add(&p->bogons, &key);
	}
}

void prefix_list_clear(struct prefix_list *list)
{
	free(list->keys);
	memset(list, 0, sizeof(*list));
}

void protection_free(struct protection *p)
{
	prefix_list_clear(&p->blocklist);
	prefix_list_clear(&p->bogons);
}

int prefix_list_add(struct prefix_list *list, const struct xdpcast_lpm_key *key)
{
	struct xdpcast_lpm_key *slot = array_push((void **)&list->keys, &list->count, sizeof(*key));

	if (!slot)
		return -1;
	*slot = *key;
	return 0;
}

int port_rule_parse(const char *text, struct port_rule *rule, char *err, size_t errlen)
{
	const char *slash = strchr(text, '/');
	size_t name_len = slash ? (size_t)(slash - text) : strlen(text);
	unsigned long port = 0;
	char *end;

	memset(rule, 0, sizeof(*rule));
	if (name_len == 3 && strncmp(text, "udp", 3) == 0)
		rule->proto = IPPROTO_UDP;
	else if (name_len == 3 && strncmp(text, "tcp", 3) == 0)
		rule->proto = IPPROTO_TCP;
	else if (name_len == 4 && strncmp(text, "icmp", 4) == 0 && !slash)
		rule->proto = IPPROTO_ICMP;
	else
		goto bad;
	if (slash) {
		errno = 0;
		port = strtoul(slash + 1, &end, 10);
		if (!slash[1] || *end || errno || port == 0 || port > 65535)
			goto bad;
	}
	rule->port = port;
	return 0;
bad:
	snprintf(err, errlen, "'%s' is not a rule: expected udp/PORT, tcp/PORT, udp, tcp or icmp", text);
	return -1;
}

int cookie_secret_parse(const char *text, uint8_t secret[XDPCAST_COOKIE_SECRET_LEN], char *err, size_t errlen)
{
	if (strlen(text) != 2 * XDPCAST_COOKIE_SECRET_LEN)
		goto bad;
	for (size_t i = 0; i < XDPCAST_COOKIE_SECRET_LEN; i++) {
		unsigned byte;

		if (sscanf(text + 2 * i, "%2x", &byte) != 1 || !strchr("0123456789abcdefABCDEF", text[2 * i]) ||
		    !strchr("0123456789abcdefABCDEF", text[2 * i + 1]))
			goto bad;
		secret[i] = byte;
	}
	return 0;
bad:
	snprintf(err, errlen, "a cookie secret is 32 hexadecimal digits (128 bits)");
	return -1;
}

void protection_scope(const struct port_rule *rules, size_t count, const struct xdpcast_lpm_key *prefix,
		      uint32_t index, struct protected_prefix *out)
{
	memset(out, 0, sizeof(*out));
	out->index = index;
	for (size_t i = 0; i < count && i < XDPCAST_ALLOW_MAX; i++) {
		out->allow[i] = rules[i];
		if (rules[i].proto == IPPROTO_ICMP && !prefix_is_v4(prefix))
			out->allow[i].proto = IPPROTO_ICMPV6;
	}
	out->rule_count = count < XDPCAST_ALLOW_MAX ? count : XDPCAST_ALLOW_MAX;
}

static int64_t realtime_offset_ns(void)
{
	struct timespec real, mono;

	clock_gettime(CLOCK_REALTIME, &real);
	clock_gettime(CLOCK_MONOTONIC, &mono);
	return (int64_t)(real.tv_sec - mono.tv_sec) * 1000000000LL + (real.tv_nsec - mono.tv_nsec);
}

static void fill_rate(struct rate_setting *out, const struct rate_limit *in)
{
	token_bucket_setting(out, in->rate, in->burst);
}

void protection_settings(const struct protection *p, struct xdpcast_settings *out)
{
	memset(out, 0, sizeof(*out));
	for (int level = 0; level < SOURCE_LEVEL_MAX; level++)
		fill_rate(&out->source[level], &p->source[level]);
	fill_rate(&out->pass_budget, &p->pass_budget);
	fill_rate(&out->icmp, &p->icmp);
	fill_rate(&out->path_mtu, &p->path_mtu);
	fill_rate(&out->rrl, &p->rrl);
	out->rrl_slip = p->rrl_slip;
	out->cookies = p->cookies;
	out->realtime_offset_ns = realtime_offset_ns();
	memcpy(out->cookie_secret, p->cookie_secret, sizeof(out->cookie_secret));
	memcpy(out->cookie_previous, p->cookie_previous, sizeof(out->cookie_previous));
	out->has_previous = p->has_previous;
	out->previous_until = p->previous_until;
}

int protection_write_settings(const struct protection *p, int settings_fd, char *err, size_t errlen)
{
	struct xdpcast_settings settings;
	__u32 zero = 0;

	protection_settings(p, &settings);
	if (bpf_map_update_elem(settings_fd, &zero, &settings, BPF_ANY)) {
		snprintf(err, errlen, "writing the settings map: %s", strerror(errno));
		return -1;
	}
	return 0;
}

void protection_carry_cookie_secrets(const struct protection *now, struct protection *next, time_t at)
{
	if (!next->has_secret) {
		memcpy(next->cookie_secret, now->cookie_secret, sizeof(next->cookie_secret));
		next->has_secret = now->has_secret;
	}
	if (!next->has_previous && memcmp(next->cookie_secret, now->cookie_secret, sizeof(next->cookie_secret))) {
		memcpy(next->cookie_previous, now->cookie_secret, sizeof(next->cookie_previous));
		next->has_previous = true;
		next->previous_until = at + XDPCAST_COOKIE_LIFETIME_S;
	} else if (!next->has_previous && now->previous_until) {
		memcpy(next->cookie_previous, now->cookie_previous, sizeof(next->cookie_previous));
		next->has_previous = true;
		next->previous_until = now->previous_until;
	}
}

void protection_carry_cookie_settings(const struct xdpcast_settings *in_force, struct protection *next, time_t at)
{
	struct protection now = { .previous_until = in_force->has_previous ? in_force->previous_until : 0 };

	memcpy(now.cookie_secret, in_force->cookie_secret, sizeof(now.cookie_secret));
	memcpy(now.cookie_previous, in_force->cookie_previous, sizeof(now.cookie_previous));
	protection_carry_cookie_secrets(&now, next, at);
}

/* An entry the config asks the source filter for; the key first, so that
 * compare_keys orders and finds both these and bare keys. */
struct wanted_source {
	struct xdpcast_lpm_key key;
	enum source_kind kind;
	size_t rank;            /* of a prefix listed twice, the highest rank's kind wins */
};

static int compare_keys(const void *a, const void *b)
{
	return memcmp(a, b, sizeof(struct xdpcast_lpm_key));
}

static int compare_wanted(const void *a, const void *b)
{
	const struct wanted_source *x = a, *y = b;
	int by_key = compare_keys(&x->key, &y->key);

	return by_key ? by_key : (x->rank > y->rank) - (x->rank < y->rank);
}

/* Whether a sorted array of n items of size `size` starting with a key holds key. */
static bool sorted_holds(const void *items, size_t n, size_t size, const struct xdpcast_lpm_key *key)
{
	return n && bsearch(key, items, n, size, compare_keys);
}

/* The config's entries, sorted by prefix, each prefix once: a blocklist
 * entry over an anycast prefix over a bogon. Where a live block of the
 * same prefix stands, a blocklist entry makes it both (each outlives the
 * other: `xdpcastctl block del` lifts the live one, a reload the config's)
 * and the others leave it as it is; *held_live counts those kept. */
static struct wanted_source *wanted_sources(const struct protection *p, const struct xdpcast_lpm_key *anycast,
					    size_t anycast_count, const struct prefix_list *live, size_t *count,
					    size_t *held_live)
{
	const struct prefix_list lists[] = { p->bogons, { (struct xdpcast_lpm_key *)anycast, anycast_count },
					     p->blocklist };
	static const enum source_kind kinds[] = { SOURCE_BOGON, SOURCE_OWN_PREFIX, SOURCE_BLOCKED };
	size_t total = p->bogons.count + anycast_count + p->blocklist.count, n = 0, kept = 0;
	struct wanted_source *wanted = calloc(total + 1, sizeof(*wanted));

	if (!wanted)
		return NULL;
	for (size_t l = 0; l < 3; l++)
		for (size_t i = 0; i < lists[l].count; i++, n++)
			wanted[n] = (struct wanted_source){ lists[l].keys[i], kinds[l], n };
	qsort(wanted, n, sizeof(*wanted), compare_wanted);
	*held_live = 0;
	for (size_t i = 0; i < n; i++) {
		bool last_of_its_prefix = i + 1 == n || compare_keys(&wanted[i].key, &wanted[i + 1].key);
		bool blocked_live = sorted_holds(live->keys, live->count, sizeof(*live->keys), &wanted[i].key);

		if (!last_of_its_prefix || (blocked_live && wanted[i].kind != SOURCE_BLOCKED))
			continue;
		if (blocked_live) {
			wanted[i].kind = SOURCE_BLOCKED_BOTH;
			++*held_live;
		}
		wanted[kept++] = wanted[i];
	}
	*count = kept;
	return wanted;
}

static int put_source(int fd, const struct xdpcast_lpm_key *key, enum source_kind kind, char *err, size_t errlen)
{
	struct source_filter value = { .kind = kind };
	char text[64];

	if (!bpf_map_update_elem(fd, key, &value, BPF_ANY))
		return 0;
	prefix_format(key, text, sizeof(text));
	snprintf(err, errlen, "source filter %s: %s", text, strerror(errno));
	return -1;
}

/* What syncing the source filter would do: what it holds (the live
 * entries apart) and what the config asks of it. */
struct source_plan {
	struct prefix_list present, live, both;
	struct wanted_source *wanted;
	size_t wanted_count;
};

static void source_plan_free(struct source_plan *plan)
{
	free(plan->wanted);
	prefix_list_clear(&plan->present);
	prefix_list_clear(&plan->live);
	prefix_list_clear(&plan->both);
}

/* Reads the filter and works out what it must hold, refusing (before
 * anything changes) what does not fit beside the live entries. */
static int source_plan_make(const struct protection *p, int map_fd, const struct xdpcast_lpm_key *anycast,
			    size_t anycast_count, struct source_plan *plan, char *err, size_t errlen)
{
	struct bpf_map_info info = { 0 };
	__u32 info_len = sizeof(info);
	struct xdpcast_lpm_key key, next;
	size_t held_live = 0;
	void *prev = NULL;

	memset(plan, 0, sizeof(*plan));
	if (bpf_obj_get_info_by_fd(map_fd, &info, &info_len)) {
		snprintf(err, errlen, "source filter: %s", strerror(errno));
		return -1;
	}
	/* Collect first: deleting while walking would restart the walk. */
	while (bpf_map_get_next_key(map_fd, prev, &next) == 0) {
		struct source_filter value;

		key = next;
		prev = &key;
		if (bpf_map_lookup_elem(map_fd, &key, &value))
			continue;
		if (value.kind == SOURCE_BLOCKED_BOTH && prefix_list_add(&plan->both, &key))
			goto out_of_memory;
		if (prefix_list_add(value.kind == SOURCE_BLOCKED_LIVE || value.kind == SOURCE_BLOCKED_BOTH ?
				    &plan->live : &plan->present, &key))
			goto out_of_memory;
	}
	if (plan->live.count)   /* qsort's pointer must not be NULL, even for none */
		qsort(plan->live.keys, plan->live.count, sizeof(*plan->live.keys), compare_keys);
	if (!(plan->wanted = wanted_sources(p, anycast, anycast_count, &plan->live, &plan->wanted_count, &held_live)))
		goto out_of_memory;
	/* A filter half synced is worse than the old one. */
	if (plan->wanted_count - held_live + plan->live.count > info.max_entries) {
		snprintf(err, errlen, "the source filter holds %u prefixes: %zu from filter.blocklist, filter.bogons "
			 "and the anycast prefixes and %zu blocked live do not fit (lift live blocks with xdpcastctl "
			 "block del, or shorten the lists)", info.max_entries, plan->wanted_count - held_live,
			 plan->live.count);
		return -1;
	}
	return 0;
out_of_memory:
	snprintf(err, errlen, "source filter: out of memory");
	return -1;
}

int protection_check_sources(const struct protection *p, int map_fd, const struct xdpcast_lpm_key *anycast,
			     size_t anycast_count, char *err, size_t errlen)
{
	struct source_plan plan;
	int ret = source_plan_make(p, map_fd, anycast, anycast_count, &plan, err, errlen);

	source_plan_free(&plan);
	return ret;
}

int protection_sync_sources(const struct protection *p, int map_fd, int screen_fd,
			    const struct xdpcast_lpm_key *anycast, size_t anycast_count, char *err, size_t errlen)
{
	struct source_plan plan;
	const struct wanted_source *wanted;
	int ret = -1;

	if (source_plan_make(p, map_fd, anycast, anycast_count, &plan, err, errlen) ||
	    source_screen_stop(screen_fd, err, errlen))
		goto out;
	wanted = plan.wanted;
	for (size_t i = 0; i < plan.present.count; i++)
		if (!sorted_holds(wanted, plan.wanted_count, sizeof(*wanted), &plan.present.keys[i]))
			bpf_map_delete_elem(map_fd, &plan.present.keys[i]);
	ret = 0;
	for (size_t i = 0; i < plan.wanted_count && !ret; i++)
		ret = put_source(map_fd, &wanted[i].key, wanted[i].kind, err, errlen);
	/* Blocked both, and the config no longer lists it: live alone again. */
	for (size_t i = 0; i < plan.both.count && !ret; i++)
		if (!sorted_holds(wanted, plan.wanted_count, sizeof(*wanted), &plan.both.keys[i]))
			ret = put_source(map_fd, &plan.both.keys[i], SOURCE_BLOCKED_LIVE, err, errlen);
	/* Whatever went wrong, the screen is rebuilt from what the filter holds (or left stopped). */
	if (source_screen_rebuild(screen_fd, map_fd, ret ? NULL : err, ret ? 0 : errlen))
		ret = -1;
out:
	source_plan_free(&plan);
	return ret;
}
