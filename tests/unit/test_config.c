// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The YAML config file: a valid file gives the same options as the same
 * flags, flags win over it, and every kind of bad file is refused with the
 * file, line and key in the message.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <cmocka.h>

#include "config.h"
#include "options.h"
#include "prefix.h"
#include "stats.h"
#include "temp_name.h"

static char path[TEMP_NAME_MAX];

static const char *write_config(const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	return path;
}

static int setup(void **state)
{
	int fd = mkstemp(temp_name(path, sizeof(path), "xdpcast-config-XXXXXX"));

	(void)state;
	if (fd < 0)
		return -1;
	close(fd);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	unlink(path);
	return 0;
}

static enum options_result parse(struct options *opts, int argc, char **argv)
{
	FILE *saved = stderr;
	enum options_result result;

	stderr = fopen("/dev/null", "w");       /* the messages are checked elsewhere */
	result = options_parse(argc, argv, opts);
	fclose(stderr);
	stderr = saved;
	return result;
}

/* An error about a path or an interface names where it came from: the
 * file's line and key, or the flag (which wins over the file), or the flag
 * of a default. A pin_dir from the config was blamed on --pin-dir, an
 * interface on --iface. */
static void test_path_errors_name_their_source(void **state)
{
	char *file_only[] = { "xdpcastd", "--config", (char *)write_config(
		"pop: ams1\ninterfaces: [veth0]\nanycast: [192.0.2.0/24]\nzones: [/z/a.zone]\n"
		"pin_dir: /sys/fs/bpf/x\ncontrol_socket: /run/x/ctl.sock\n") };
	char *flag_too[] = { file_only[0], file_only[1], file_only[2], "--pin-dir", "/sys/fs/bpf/y", "--iface", "veth1" };
	char err[512], expected[512];
	struct options opts;

	(void)state;
	assert_int_equal(parse(&opts, 3, file_only), OPTIONS_RUN);
	options_value_error(&opts, "pin_dir", err, sizeof(err), "%s: why", opts.pin_dir);
	snprintf(expected, sizeof(expected), "%s:5: pin_dir: /sys/fs/bpf/x: why", path);
	assert_string_equal(err, expected);
	options_value_error(&opts, "control_socket", err, sizeof(err), "%s: why", opts.control_socket);
	snprintf(expected, sizeof(expected), "%s:6: control_socket: /run/x/ctl.sock: why", path);
	assert_string_equal(err, expected);
	options_value_error(&opts, "state_file", err, sizeof(err), "%s: why", opts.state_file);
	assert_string_equal(err, "--state-file " XDPCAST_DEFAULT_STATE_FILE ": why");
	/* A list of values: the line of the list. */
	options_value_error(&opts, "interfaces", err, sizeof(err), "%s: why", opts.ifaces[0]);
	snprintf(expected, sizeof(expected), "%s:2: interfaces: veth0: why", path);
	assert_string_equal(err, expected);
	options_free(&opts);

	assert_int_equal(parse(&opts, 7, flag_too), OPTIONS_RUN);
	options_value_error(&opts, "pin_dir", err, sizeof(err), "%s: why", opts.pin_dir);
	assert_string_equal(err, "--pin-dir /sys/fs/bpf/y: why");
	options_value_error(&opts, "interfaces", err, sizeof(err), "%s: why", opts.ifaces[0]);
	assert_string_equal(err, "--iface veth1: why");
	/* Cut short where err ends, the source first. */
	options_value_error(&opts, "pin_dir", err, 8, "%s", opts.pin_dir);
	assert_string_equal(err, "--pin-d");
	options_free(&opts);
}

static void test_file_equals_flags(void **state)
{
	char *flags[] = { "xdpcastd", "--iface", "veth0", "--iface", "veth1", "--anycast", "192.0.2.0/24",
			  "--anycast", "2001:db8:53::/48", "--zone", "/z/a.zone", "--zone", "/z/b.zone", "--pop", "ams1",
			  "--xdp-mode", "skb", "--pin-dir", "/sys/fs/bpf/x", "--view", "eu=203.0.113.0/24",
			  "--view-zone", "eu=/z/eu.zone" };
	char *with_file[] = { "xdpcastd", "--config", (char *)write_config(
		"pop: ams1\n"
		"interfaces: [veth0, veth1]\n"
		"anycast:\n"
		"  - 192.0.2.0/24\n"
		"  - prefix: 2001:db8:53::/48\n"
		"zones:\n  - /z/a.zone\n  - /z/b.zone\n"
		"xdp_mode: skb\n"
		"pin_dir: /sys/fs/bpf/x\n"
		"views:\n  eu:\n    clients: [203.0.113.0/24]\n    zones: [/z/eu.zone]\n") };
	struct options a, b;

	(void)state;
	assert_int_equal(parse(&a, sizeof(flags) / sizeof(flags[0]), flags), OPTIONS_RUN);
	assert_int_equal(parse(&b, 3, with_file), OPTIONS_RUN);
	assert_int_equal(a.iface_count, b.iface_count);
	for (size_t i = 0; i < a.iface_count; i++)
		assert_string_equal(a.ifaces[i], b.ifaces[i]);
	assert_int_equal(a.anycast_count, b.anycast_count);
	assert_memory_equal(a.anycast, b.anycast, a.anycast_count * sizeof(a.anycast[0]));
	assert_int_equal(a.zone_count, b.zone_count);
	for (size_t i = 0; i < a.zone_count; i++)
		assert_string_equal(a.zones[i], b.zones[i]);
	assert_string_equal(a.pop, b.pop);
	assert_string_equal(a.pin_dir, b.pin_dir);
	assert_int_equal(a.xdp_mode, b.xdp_mode);
	assert_int_equal(a.mode_forced, b.mode_forced);
	assert_int_equal(a.view_count, 1);
	assert_int_equal(b.view_count, 1);
	assert_string_equal(a.views[0].name, b.views[0].name);
	assert_memory_equal(&a.views[0].prefixes[0], &b.views[0].prefixes[0], sizeof(a.views[0].prefixes[0]));
	assert_string_equal(a.views[0].zones[0], b.views[0].zones[0]);
	options_free(&a);
	options_free(&b);
}

static void test_flags_win(void **state)
{
	char *argv[] = { "xdpcastd", "--config", (char *)write_config(
		"pop: ams1\ninterfaces: [eth0]\nanycast: [192.0.2.0/24]\nzones: [/z/a.zone]\n"),
		"--pop", "fra2", "--iface", "veth9" };
	struct options o;

	(void)state;
	assert_int_equal(parse(&o, 7, argv), OPTIONS_RUN);
	assert_string_equal(o.pop, "fra2");
	assert_int_equal(o.iface_count, 1);
	assert_string_equal(o.ifaces[0], "veth9");
	assert_string_equal(o.zones[0], "/z/a.zone");
	options_free(&o);
}

static void collect_change(const char *path, void *arg)
{
	char *list = arg;

	snprintf(list + strlen(list), 256 - strlen(list), "%s%s", *list ? " " : "", path);
}

/* The keys a reload names as changed and not applied: a restart key is
 * named when it differs, a reload key never, and a value given in the
 * file is a change from one left to the default even when they are equal
 * (xdp_mode: native forces native, without it skb is the fallback). */
static void test_restart_changes(void **state)
{
	static const char head[] = "pop: ams1\ninterfaces: [eth0]\nanycast: [192.0.2.0/24]\nzones: [/z/a.zone]\n";
	char text[512], list[256] = "";
	char *argv[] = { "xdpcastd", "--config", path };
	struct options a, b;

	(void)state;
	snprintf(text, sizeof(text), "%srrl: {rate: 5, buckets: 1000}\n", head);
	write_config(text);
	assert_int_equal(parse(&a, 3, argv), OPTIONS_RUN);
	snprintf(text, sizeof(text), "%srrl: {rate: 6, buckets: 2000}\nxdp_mode: native\n", head);
	write_config(text);
	assert_int_equal(parse(&b, 3, argv), OPTIONS_RUN);
	assert_int_equal(a.xdp_mode, b.xdp_mode);
	schema_each_restart_change(options_schema, &a, &b, collect_change, list);
	assert_string_equal(list, "xdp_mode rrl.buckets");
	list[0] = '\0';
	schema_each_restart_change(options_schema, &b, &b, collect_change, list);
	assert_string_equal(list, "");
	options_free(&a);
	options_free(&b);
}

static void test_defense_settings(void **state)
{
	struct options o = { 0 };
	char err[512], text[64];

	(void)state;
	protection_defaults(&o.protection);
	assert_int_equal(config_load(write_config(
		"anycast:\n"
		"  - prefix: 192.0.2.0/24\n"
		"    allow: [udp/53, icmp]\n"
		"filter:\n"
		"  allow: [udp/53, tcp/53, tcp/853]\n"
		"  blocklist: [198.51.100.0/24, 2001:db8:bad::/48]\n"
		"  bogons: []\n"
		"rate_limit:\n"
		"  ipv4_32: {rate: 50, burst: 100}\n"
		"  ipv6_56: {rate: 0}\n"
		"  pass_budget: {rate: 5000, burst: 6000}\n"
		"  source_buckets: 1000\n"
		"rrl: {rate: 5, burst: 10, slip: 3, buckets: 500}\n"
		"cookies:\n"
		"  secret: e5e973e5a6b2a43f48e7dc849e37bfcf\n"
		"  previous_secret: 445536bcd2513298075a5d379663c962\n"), &o, err, sizeof(err)), 0);
	assert_int_equal(o.anycast[0].rules.count, 2);
	assert_int_equal(o.protection.allow_count, 3);
	assert_int_equal(o.protection.allow[2].port, 853);
	assert_int_equal(o.protection.blocklist.count, 2);
	prefix_format(&o.protection.blocklist.keys[1], text, sizeof(text));
	assert_string_equal(text, "2001:db8:bad::/48");
	assert_int_equal(o.protection.bogons.count, 0);
	assert_int_equal(o.protection.source[SOURCE_LEVEL_V4_32].rate, 50);
	assert_int_equal(o.protection.source[SOURCE_LEVEL_V4_32].burst, 100);
	assert_int_equal(o.protection.source[SOURCE_LEVEL_V6_56].rate, 0);
	assert_int_equal(o.protection.source[SOURCE_LEVEL_V4_24].rate, 10000);   /* default kept */
	assert_int_equal(o.protection.pass_budget.rate, 5000);
	assert_int_equal(o.protection.source_buckets, 1000);
	assert_int_equal(o.protection.rrl.rate, 5);
	assert_int_equal(o.protection.rrl_slip, 3);
	assert_int_equal(o.protection.rrl_buckets, 500);
	assert_true(o.protection.has_secret && o.protection.has_previous);
	assert_int_equal(o.protection.cookie_previous[0], 0x44);
	options_free(&o);
}

/* The control plane's keys: BIRD, drain, health checks, zone watch, transfers. */
static void test_control_plane(void **state)
{
	char *argv[] = { "xdpcastd", "--config", (char *)write_config(
		"interfaces: [veth0]\n"
		"anycast: [192.0.2.0/24]\n"
		"pop: ams1\n"
		"bird_socket: /run/bird/pop.ctl\n"
		"drain_ms: 2500\n"
		"health:\n"
		"  interval_ms: 500\n"
		"  rise: 4\n"
		"  fall: 1\n"
		"  backend: 192.0.2.53@5353\n"
		"  commands:\n"
		"    - {name: web, run: curl -fsS http://192.0.2.80/, timeout_ms: 800}\n"
		"zone_watch: {enabled: false}\n"
		"transfer:\n"
		"  notify_listen: 203.0.113.1@5300\n"
		"  keys:\n"
		"    - {name: xfr, secret: c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0MTI=}\n"
		"  zones:\n"
		"    - {zone: example.net, primary: 2001:db8::2, key: xfr}\n"
		"    - {zone: example.org., primary: 203.0.113.2@5353}\n") };
	struct options o;

	(void)state;
	assert_int_equal(parse(&o, 3, argv), OPTIONS_RUN);
	assert_string_equal(o.bird_socket, "/run/bird/pop.ctl");
	assert_int_equal(o.drain_ms, 2500);
	assert_int_equal(o.health.interval_ms, 500);
	assert_int_equal(o.health.rise, 4);
	assert_int_equal(o.health.fall, 1);
	assert_true(o.health.has_backend);
	assert_string_equal(o.health.backend.text, "192.0.2.53@5353");
	assert_int_equal(o.health.timeout_ms, 1000);            /* the default */
	assert_int_equal(o.health.command_count, 1);
	assert_string_equal(o.health.commands[0].name, "web");
	assert_string_equal(o.health.commands[0].run, "curl -fsS http://192.0.2.80/");
	assert_int_equal(o.health.commands[0].timeout_ms, 800);
	assert_false(o.watch_zones);
	assert_true(o.has_notify);
	assert_string_equal(o.notify_listen.text, "203.0.113.1@5300");
	assert_int_equal(o.key_count, 1);
	assert_int_equal(o.keys[0].key.algorithm, DNSSEC_TSIG_HMAC_SHA256);      /* the default */
	assert_int_equal(o.secondary_count, 2);
	assert_string_equal(o.secondaries[0].primary.text, "2001:db8::2@53");
	assert_int_equal(o.secondaries[0].key, 0);
	assert_string_equal(o.secondaries[1].primary.text, "203.0.113.2@5353");
	assert_int_equal(o.secondaries[1].key, -1);
	options_free(&o);
}

/* No limit on zones: 1000 files and 1000 transfers in the file, 300
 * --zone flags (which replace the file's list), the answer cache's cap. */
static void test_many_zones(void **state)
{
	size_t cap = 256 * 1024, at = 0;
	char *text = malloc(cap), *argv[3 + 2 * 300 + 1];
	struct options o;
	int argc = 0;

	(void)state;
	at += snprintf(text + at, cap - at, "interfaces: [veth0]\nanycast: [192.0.2.0/24]\npop: ams1\n"
		       "answer_cache: {max_mib: 2048}\nzones:\n");
	for (int i = 0; i < 1000; i++)
		at += snprintf(text + at, cap - at, "  - /zones/z%d.zone\n", i);
	at += snprintf(text + at, cap - at, "transfer:\n  zones:\n");
	for (int i = 0; i < 1000; i++)
		at += snprintf(text + at, cap - at, "    - {zone: t%d.example, primary: 203.0.113.2}\n", i);
	argv[argc++] = "xdpcastd";
	argv[argc++] = "--config";
	argv[argc++] = (char *)write_config(text);
	assert_int_equal(parse(&o, argc, argv), OPTIONS_RUN);
	assert_int_equal(o.zone_count, 1000);
	assert_string_equal(o.zones[999], "/zones/z999.zone");
	assert_int_equal(o.secondary_count, 1000);
	assert_string_equal(o.secondaries[999].zone, "t999.example");
	assert_int_equal(o.cache_max_bytes, 2048ULL << 20);
	options_free(&o);
	for (int i = 0; i < 300; i++) {
		argv[argc++] = "--zone";
		argv[argc++] = "/zones/flag.zone";
	}
	argv[argc] = NULL;
	assert_int_equal(parse(&o, argc, argv), OPTIONS_RUN);
	assert_int_equal(o.zone_count, 300);
	options_free(&o);
	free(text);
}

/* catchment.groups: the client prefixes /metrics sums the catchment by. */
static void test_catchment_groups(void **state)
{
	struct options o = { 0 };
	char err[512], text[64];

	(void)state;
	protection_defaults(&o.protection);
	assert_int_equal(config_load(write_config("catchment:\n"
						  "  groups:\n"
						  "    region-a: [198.51.100.0/24, 2001:db8:a::/48]\n"
						  "    region-b: [203.0.113.0/24]\n"), &o, err, sizeof(err)), 0);
	assert_int_equal(o.catchment_group_count, 2);
	assert_string_equal(o.catchment_groups[0].name, "region-a");
	assert_int_equal(o.catchment_groups[0].prefix_count, 2);
	prefix_format(&o.catchment_groups[0].prefixes[1], text, sizeof(text));
	assert_string_equal(text, "2001:db8:a::/48");
	assert_string_equal(o.catchment_groups[1].name, "region-b");
	assert_int_equal(o.catchment_groups[1].prefix_count, 1);
	options_free(&o);
}

/* A bound is a value the file may hold: the largest number, the longest name. */
static void test_values_at_their_bounds(void **state)
{
	struct options o = { 0 };
	char err[512];

	(void)state;
	protection_defaults(&o.protection);
	if (config_load(write_config("rrl: {slip: 10}\n"
				     "bgp:\n  drain: {prepend: 10}\n"
				     "catchment:\n  groups:\n    a-group-name-of-31-characters-x: [198.51.100.0/24]\n"),
			&o, err, sizeof(err)))
		fail_msg("%s", err);
	assert_int_equal(o.protection.rrl_slip, 10);
	assert_int_equal(o.drain.prepend, 10);
	assert_string_equal(o.catchment_groups[0].name, "a-group-name-of-31-characters-x");
	options_free(&o);
}

/* One character more than a health command's name may have. */
#define LONG_CHECK_NAME "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"

/* With "/run/" before it, one character more than a Unix socket's path holds. */
#define SOCKET_PATH_108 "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"

/* Each bad file: the message names the file, the line and the key. */
static void test_bad_files(void **state)
{
	static const struct { const char *text, *expected; } cases[] = {
		{ "pop: ams1\nbogus: 1\n", ":2: bogus: unknown key" },
		{ "rate_limit:\n  ipv4_32:\n    rate: fast\n", ":3: rate_limit.ipv4_32.rate: 'fast' is not a whole number" },
		{ "rate_limit:\n  ipv4_32: {rate: -5}\n", ":2: rate_limit.ipv4_32.rate: '-5' is not a whole number" },
		{ "rate_limit:\n  ipv4_32: {rate: 10, burst: 0}\n", "rate_limit.ipv4_32: burst must be at least 1" },
		{ "rate_limit:\n  ipv4_33: {rate: 10}\n", ":2: rate_limit.ipv4_33: unknown key" },
		{ "anycast: [192.0.2.1/24]\n", ":1: anycast: prefix '192.0.2.1/24': host bits are set" },
		{ "anycast: [0.0.0.0/0]\n", ":1: anycast: '0.0.0.0/0': shorter than /8: it would be announced" },
		{ "anycast:\n  - {prefix: '2000::/3'}\n", ":2: anycast.prefix: '2000::/3': shorter than /16: " },
		/* IPv4 is keyed ::ffff:a.b.c.d: an IPv6 prefix holding that is every IPv4 address too. */
		{ "anycast: ['::/16']\n", ":1: anycast: '::/16': holds ::ffff:0:0/96, where IPv4 is kept: every IPv4 "
		  "destination would be filtered" },
		{ "anycast:\n  - allow: [udp/53]\n", ":2: anycast: an entry needs 'prefix'" },
		{ "filter:\n  allow: [udp/53, sctp/9]\n", ":2: filter.allow: 'sctp/9' is not a rule" },
		{ "filter:\n  allow: []\n", "filter.allow: an empty allowlist would drop everything" },
		{ "filter:\n  blocklist: [not-an-address]\n", ":2: filter.blocklist: prefix 'not-an-address'" },
		{ "filter:\n  blocklist: [198.51.100.0/24, 0.0.0.0/0]\n",
		  ":2: filter.blocklist: 0.0.0.0/0: blocking every source would drop every query while the health checks" },
		{ "filter:\n  blocklist: ['::/0']\n", ":2: filter.blocklist: ::/0: blocking every source" },
		{ "filter:\n  blocklist: ['::/8']\n", ":2: filter.blocklist: ::/8: holds ::ffff:0:0/96, where IPv4 "
		  "sources are kept: blocking every IPv4 source" },
		{ "filter:\n  bogons: ['::ffff:0:0/96']\n", ":2: filter.bogons: 0.0.0.0/0: blocking every source" },
		{ "filter:\n  bogons: [10.0.0.0/8, 0.0.0.0/0]\n", ":2: filter.bogons: 0.0.0.0/0: blocking every source" },
		{ "rrl: {slip: 11}\n", ":1: rrl.slip: '11' is not a whole number from 0 to 10" },
		{ "cookies:\n  secret: abc\n", ":2: cookies.secret: a cookie secret is 32 hexadecimal digits" },
		{ "cookies: {enabled: maybe}\n", ":1: cookies.enabled: 'maybe' is not true or false" },
		{ "xdp_mode: turbo\n", ":1: xdp_mode: 'turbo' must be native or skb" },
		{ "pop: [a, b]\n", ":1: pop: expected a single value, not a list" },
		{ "views:\n  eu:\n    clients: [203.0.113.0/24]\n", ":2: views.eu: a view needs 'clients' and 'zones'" },
		{ "pop: ams1\n  interfaces: [eth0\n", ":2: mapping values are not allowed in this context" },
		{ "", "the file is empty" },
		{ "- just\n- a list\n", ":1: top level: expected a mapping of keys" },
		{ "health: {rise: 0}\n", ":1: health.rise: must be at least 1" },
		{ "health: {interval_ms: 5}\n", ":1: health.interval_ms: at least 100 ms" },
		{ "health:\n  commands:\n    - {name: web}\n", ":3: health.commands: a command needs 'name' and 'run'" },
		{ "transfer:\n  keys:\n    - {name: k, algorithm: hmac-sha999, secret: c2VjcmV0}\n",
		  ":3: transfer.keys.algorithm: 'hmac-sha999': not a TSIG algorithm (hmac-md5, " },
		{ "transfer:\n  zones:\n    - {zone: a.test, primary: 203.0.113.2, key: nokey}\n",
		  ":3: transfer.zones: no key named 'nokey' in transfer.keys" },
		{ "transfer:\n  zones:\n    - {zone: a.test, primary: 203.0.113.300}\n",
		  ":3: transfer.zones.primary: '203.0.113.300' is not an IPv4 or IPv6 address (ADDR or ADDR@PORT)" },
		{ "pop: ams1\nhealth:\n  rise: 2\n  fall: 2\n  rise: 5\n", ":5: health.rise: a second 'rise' (the first is on line 3)" },
		{ "pop: ams1\ndrain_ms: 10\npop: fra1\n", ":3: pop: a second 'pop' (the first is on line 1)" },
		{ "views:\n  eu: {clients: [203.0.113.0/24], zones: [/z/a]}\n  eu: {clients: [198.51.100.0/24], zones: [/z/b]}\n",
		  ":3: views.eu: a second 'eu' (the first is on line 2)" },
		{ "pop: ams1\n---\npop: fra1\n", ":2: a second YAML document: the file must hold one" },
		{ "pop: ams1\n...\n---\n- x\n", ":3: a second YAML document" },
		{ "a: [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[x]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]\n", ":1: nested more than 32 deep" },
		{ "limits:\n  zone_records: 0\n", ":2: limits.zone_records: must be at least 1" },
		{ "limits: {zone_file_mb: 2000000}\n", ":1: limits.zone_file_mb: '2000000' is not a whole number from 1 to 1048576" },
		/* one prefix twice: two routes and two backend checks of one name */
		{ "anycast:\n  - 192.0.2.0/24\n  - prefix: 192.0.2.0/24\n    allow: [udp/53]\n",
		  ":3: anycast: a second entry with prefix '192.0.2.0/24'" },
		/* the second attachment found the first and took it for another xdpcastd's */
		{ "interfaces:\n  - eth0\n  - eth1\n  - eth0\n", ":4: interfaces: 'eth0' is listed twice" },
		/* relative to the daemon's working directory, and to xdpcastctl's, which differ */
		{ "state_file: state.json\n", ":1: state_file: 'state.json': not an absolute path" },
		{ "control_socket: run/xdpcastd.sock\n", ":1: control_socket: 'run/xdpcastd.sock': not an absolute path" },
		{ "bird_socket: bird.ctl\n", ":1: bird_socket: 'bird.ctl': not an absolute path" },
		/* a zone file: --check-config from the config's directory found it, the start under systemd did not */
		{ "zones:\n  - /etc/nsd/a.zone\n  - b.zone\n", ":3: zones: 'b.zone': not an absolute path" },
		{ "views:\n  eu: {clients: [203.0.113.0/24], zones: [eu.zone]}\n",
		  ":2: views.eu.zones: 'eu.zone': not an absolute path" },
		/* a Unix socket's path: longer failed the start (control) or every connection (BIRD) */
		{ "control_socket: /run/" SOCKET_PATH_108 "\n", ":1: control_socket: '/run/" SOCKET_PATH_108 "': at most 107 characters" },
		{ "bird_socket: /run/" SOCKET_PATH_108 "\n", ":1: bird_socket: '/run/" SOCKET_PATH_108 "': at most 107 characters" },
		/* strtoull's sign and leading spaces were taken; the range said 0 where the least is 1 */
		{ "drain_ms: +5\n", ":1: drain_ms: '+5' is not a whole number from 0 to 600000" },
		{ "health: {rise: \" 3\"}\n", ":1: health.rise: ' 3' is not a whole number from 1 to 100" },
		{ "limits: {zone_lines: 5}\n", ":1: limits.zone_lines: unknown key" },
		/* wrong shapes: each was taken silently, as a list of one or not at all */
		{ "interfaces: eth0\n", ":1: interfaces: expected a list, not a single value" },
		{ "filter: [udp/53]\n", ":1: filter: expected a mapping of keys, not a list" },
		{ "views:\n  eu: [203.0.113.0/24]\n", ":2: views.eu: expected a mapping of keys, not a list" },
		{ "health:\n  actions: [web]\n", ":2: health.actions: expected a mapping of check names, not a list" },
		{ "views:\n  eu: {clients: [203.0.113.0/24], zones: [/z/a], colour: red}\n", ":2: views.eu.colour: unknown key" },
		{ "health:\n  commands:\n    - {name: web, run: a}\n    - {name: web, run: b}\n",
		  ":4: health.commands: a second command named 'web'" },
		{ "health:\n  commands:\n    - {name: zones, run: a}\n",
		  ":3: health.commands.name: 'zones': the name of one of xdpcastd's own checks (fast_path, zones, backend)" },
		/* Cut at 79 in status and /metrics, two such names were one label twice. */
		{ "health:\n  commands:\n    - {name: " LONG_CHECK_NAME ", run: a}\n",
		  ":3: health.commands.name: '" LONG_CHECK_NAME "': at most 63 characters" },
		/* bounds where a map or the health checks set one */
		{ "interfaces: [a, b, c, d, e, f, g, h, i]\n", ":1: interfaces: at most 8 interfaces" },
		{ "bgp:\n  drain:\n    communities: [1:1, 1:2, 1:3, 1:4, 1:5, 1:6, 1:7, 1:8, 1:9]\n",
		  ":3: bgp.drain.communities: at most 8 communities" },
		/* checked where they are written, not only as flags */
		{ "pop: \"a b\"\n", ":1: pop: 'a b': printable characters only, no spaces" },
		{ "metrics: nonsense\n", ":1: metrics: 'nonsense': expected ADDRESS:PORT" },
		{ "catchment:\n  groups:\n    eu: [198.51.100.0/25]\n",
		  ":3: catchment.groups.eu: 198.51.100.0/25: catchment is counted per /24 (IPv4) and /48 (IPv6)" },
		{ "catchment:\n  groups:\n    eu: [2001:db8:a:1::/64]\n",
		  ":3: catchment.groups.eu: 2001:db8:a:1::/64: catchment is counted per /24 (IPv4) and /48 (IPv6); "
		  "a group's prefixes are no longer" },
		{ "catchment:\n  groups:\n    other: [198.51.100.0/24]\n",
		  ":3: catchment.groups.other: 'other' names the networks of no group" },
		{ "catchment:\n  groups: [198.51.100.0/24]\n", ":2: catchment.groups: expected a mapping of group names" },
		{ "catchment:\n  groups:\n    eu: []\n", ":3: catchment.groups.eu: a group without prefixes counts nothing" },
		{ "catchment:\n  groups:\n    eu: 198.51.100.0/24\n", ":3: catchment.groups.eu: expected a mapping of keys" },
		{ "catchment:\n  groups:\n    eu: [198.51.100.0/24]\n    eu: [203.0.113.0/24]\n",
		  ":4: catchment.groups.eu: a second 'eu' (the first is on line 3)" },
		/* YAML's null is no value: it was taken as a file or directory named "~" or "null" */
		{ "pop: ams1\nstate_file: ~\n", ":2: state_file: no value (empty, ~ or null)" },
		{ "pin_dir: null\n", ":1: pin_dir: no value (empty, ~ or null)" },
		{ "zones:\n  - /z/a.zone\n  - NULL\n", ":3: zones: no value (empty, ~ or null)" },
		{ "drain_ms:\n", ":1: drain_ms: no value (empty, ~ or null)" },
		{ "interfaces:\n", ":1: interfaces: expected a list, not a null value (empty, ~ or null)" },
		/* a NUL in a quoted string cut it short: "a.zone\0x" was a.zone */
		{ "zones: [\"a.zone\\0x\"]\n", ":1: zones: holds a NUL character" },
		/* knot's own errors said "not enough memory" and "invalid parameter" */
		{ "transfer:\n  keys:\n    - {name: a..b, secret: c2VjcmV0}\n",
		  ":3: transfer.keys.name: 'a..b': not a domain name" },
		{ "transfer:\n  keys:\n    - name: k\n      secret: \"not base64!\"\n",
		  ":4: transfer.keys.secret: not base64" },
		/* two transfers of one zone, two zones of one origin: every load refused once both were in */
		{ "transfer:\n  zones:\n    - {zone: a.test, primary: 203.0.113.2}\n    - {zone: b.test, primary: 203.0.113.2}\n"
		  "    - {zone: A.TEST., primary: 203.0.113.3}\n",
		  ":2: transfer: zones: 'A.TEST.' on line 5 is 'a.test' on line 3 again: list a zone once" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct options o = { 0 };
		char err[512];

		protection_defaults(&o.protection);
		assert_int_equal(config_load(write_config(cases[i].text), &o, err, sizeof(err)), -1);
		if (strncmp(err, path, strlen(path)) || !strstr(err, cases[i].expected))
			fail_msg("case %zu: '%s' does not name %s and '%s'", i, err, path, cases[i].expected);
		options_free(&o);
	}
}

/* health.user is looked up when the config is read: an unknown user is an
 * error at start and --check-config with file and line, not a command that
 * fails every round; a known one gives its uid, gid and groups. */
static void test_health_user(void **state)
{
	const char *unknown = write_config("pop: ams1\nhealth:\n  interval_ms: 500\n  user: no-such-user-xdpcast\n");
	char expected[512], err[512];
	struct options o;

	(void)state;
	options_defaults(&o);
	assert_null(o.health.user.name);
	assert_int_equal(config_load(unknown, &o, err, sizeof(err)), -1);
	snprintf(expected, sizeof(expected), "%s:4: health.user: 'no-such-user-xdpcast': no such user", unknown);
	assert_string_equal(err, expected);
	options_free(&o);

	options_defaults(&o);
	assert_int_equal(config_load(write_config("pop: ams1\nhealth: {user: nobody}\n"), &o, err, sizeof(err)), 0);
	assert_string_equal(o.health.user.name, "nobody");
	assert_int_equal(o.health.user.uid, 65534);
	assert_int_equal(o.health.user.gid, 65534);
	assert_int_equal(o.health.user.group_count, 1);
	assert_int_equal(o.health.user.groups[0], 65534);
	options_free(&o);
}

/* limits: are in force for every zone read once the options are parsed. */
static void test_limits(void **state)
{
	char *argv[] = { "xdpcastd", "--config", (char *)write_config(
		"pop: ams1\ninterfaces: [eth0]\nanycast: [192.0.2.0/24]\nzones: [/z/a.zone]\n"
		"limits: {zone_file_mb: 3, zone_records: 2}\n") };
	const char *three = "$ORIGIN t.\n@ SOA ns hm 1 2 3 4 5\na A 192.0.2.1\nb A 192.0.2.2\n";
	struct options o;
	char err[256];

	(void)state;
	options_defaults(&o);
	assert_int_equal(o.zone_limits.file_bytes, 1024ULL << 20);
	assert_int_equal(o.zone_limits.records, 5000000);
	options_free(&o);
	assert_int_equal(parse(&o, 3, argv), OPTIONS_RUN);
	assert_int_equal(o.zone_limits.file_bytes, 3ULL << 20);
	assert_int_equal(o.zone_limits.records, 2);
	assert_null(zone_parse("text", three, strlen(three), err, sizeof(err)));
	assert_string_equal(err, "text:4: more than 2 records (limits.zone_records)");
	options_free(&o);
	options_defaults(&o);
	zone_set_limits(&o.zone_limits);
	options_free(&o);
}

/* The example in docs/ is a file operators copy: it must stay valid. */
static void test_documented_example(void **state)
{
	struct options o = { 0 };
	char err[512];

	(void)state;
	protection_defaults(&o.protection);
	if (config_load("docs/xdpcastd.example.yaml", &o, err, sizeof(err)))
		fail_msg("%s", err);
	assert_string_equal(o.pop, "ams1");
	assert_int_equal(o.protection.blocklist.count, 1);
	options_free(&o);
}

/* Lists are as long as the file makes them (zones were cut at 256). */
static void test_long_lists(void **state)
{
	size_t len = 0, size = 64 + 1000 * 20;
	char *text = malloc(size);
	struct options o;
	char err[256];

	(void)state;
	len += snprintf(text + len, size - len, "zones:\n");
	for (int i = 0; i < 1000; i++)
		len += snprintf(text + len, size - len, "  - /z/z%d.zone\n", i);
	options_defaults(&o);
	if (config_parse("long.yaml", (unsigned char *)text, len, &o, err, sizeof(err)))
		fail_msg("%s", err);
	assert_int_equal(o.zone_count, 1000);
	assert_string_equal(o.zones[999], "/z/z999.zone");
	options_free(&o);
	free(text);
}

/* Lists each within its own bound but together over what the program's
 * map holds are refused by the reading start, --check-config and a
 * reload share, not at the first map update. */
static void test_lists_over_their_maps(void **state)
{
	size_t size = 64 + 2 * 2100 * 40 + 66000 * 40, len;
	char *text = malloc(size), err[512], expected[512];
	char *argv[] = { "xdpcastd", "--iface", "veth0", "--anycast", "192.0.2.0/24", "--zone", "/z/a.zone",
			 "--pop", "ams1", "--config", (char *)path };
	struct options o;

	(void)state;
	len = (size_t)snprintf(text, size, "views:\n");
	for (int v = 0; v < 2; v++) {
		len += (size_t)snprintf(text + len, size - len, "  v%d:\n    zones: [/z/a.zone]\n    clients:\n", v);
		for (int i = 0; i < 2100; i++)
			len += (size_t)snprintf(text + len, size - len, "      - 2001:db8:%x:%x::/64\n", v, i);
	}
	write_config(text);
	assert_int_equal(options_read(11, argv, &o, err, sizeof(err)), OPTIONS_EXIT_ERROR);
	snprintf(expected, sizeof(expected), "%s: views: 4200 client prefixes in all, over the 4096 the views map holds",
		 path);
	assert_string_equal(err, expected);
	options_free(&o);

	len = (size_t)snprintf(text, size, "filter:\n  blocklist:\n");
	for (int i = 0; i < 66000; i++)
		len += (size_t)snprintf(text + len, size - len, "    - 2001:db8:%x:%x::/64\n", i >> 16, i & 0xffff);
	write_config(text);
	assert_int_equal(options_read(11, argv, &o, err, sizeof(err)), OPTIONS_EXIT_ERROR);
	snprintf(expected, sizeof(expected), "%s: filter.blocklist, filter.bogons and the anycast prefixes: 66015 "
		 "prefixes, over the 65536 the source filter holds", path);
	assert_string_equal(err, expected);
	options_free(&o);
	free(text);
}

/* A client prefix in two views would go to whichever view was written to
 * the trie last: refused, naming both views. A longer prefix inside a
 * shorter one of another view is an exception (the longer wins), kept. */
static void test_client_prefix_in_two_views(void **state)
{
	char *argv[] = { "xdpcastd", "--iface", "veth0", "--anycast", "192.0.2.0/24", "--zone", "/z/a.zone",
			 "--pop", "ams1", "--config", (char *)path };
	char err[512], expected[512];
	struct options o;

	(void)state;
	write_config("views:\n"
		     "  eu: {clients: [198.51.100.0/24, 203.0.113.0/24], zones: [/z/eu.zone]}\n"
		     "  us: {clients: [2001:db8:2::/48, 203.0.113.0/24], zones: [/z/us.zone]}\n");
	assert_int_equal(options_read(11, argv, &o, err, sizeof(err)), OPTIONS_EXIT_ERROR);
	snprintf(expected, sizeof(expected), "%s:3: views.us.clients: 203.0.113.0/24 is in view eu too", path);
	assert_string_equal(err, expected);
	options_free(&o);

	write_config("views:\n"
		     "  eu: {clients: [203.0.113.0/24, 203.0.113.0/24], zones: [/z/eu.zone]}\n"
		     "  us: {clients: [203.0.113.128/25], zones: [/z/us.zone]}\n");
	assert_int_equal(options_read(11, argv, &o, err, sizeof(err)), OPTIONS_RUN);
	options_free(&o);
}

/* A check's drain action with bgp.asn set and bgp.drain.prepend 0: what
 * the config lacks is communities (the AS was said missing). */
static void test_drain_action_names_what_lacks(void **state)
{
	char *argv[] = { "xdpcastd", "--iface", "veth0", "--anycast", "192.0.2.0/24", "--zone", "/z/a.zone",
			 "--pop", "ams1", "--config", (char *)path };
	char err[512], expected[512];
	struct options o;

	(void)state;
	write_config("bgp: {asn: 64500, drain: {prepend: 0}}\nhealth:\n  actions:\n    fast_path: drain\n");
	assert_int_equal(options_read(11, argv, &o, err, sizeof(err)), OPTIONS_EXIT_ERROR);
	snprintf(expected, sizeof(expected), "%s:4: health.actions: fast_path: a drain of bgp.drain.prepend 0 needs "
		 "bgp.drain.communities", path);
	assert_string_equal(err, expected);
	options_free(&o);

	write_config("bgp: {drain: {prepend: 2}}\nhealth:\n  actions:\n    fast_path: drain\n");
	assert_int_equal(options_read(11, argv, &o, err, sizeof(err)), OPTIONS_EXIT_ERROR);
	snprintf(expected, sizeof(expected), "%s:4: health.actions: fast_path: drain needs bgp.asn (to prepend) or "
		 "bgp.drain.communities", path);
	assert_string_equal(err, expected);
	options_free(&o);
}

/* --check-config checks and exits: a --config after it (or a second file
 * of either) was the file in force, and the daemon started instead. */
static void test_one_config_file(void **state)
{
	static const char *const flag_pairs[][2] = {
		{ "--check-config", "--config" }, { "--config", "--check-config" }, { "--config", "--config" },
	};
	char err[512];
	struct options o;

	(void)state;
	write_config("pop: ams1\ninterfaces: [veth0]\nanycast: [192.0.2.0/24]\nzones: [/z/a.zone]\n");
	for (size_t i = 0; i < sizeof(flag_pairs) / sizeof(flag_pairs[0]); i++) {
		char *argv[] = { "xdpcastd", (char *)flag_pairs[i][0], path, (char *)flag_pairs[i][1], path };

		assert_int_equal(options_read(5, argv, &o, err, sizeof(err)), OPTIONS_EXIT_ERROR);
		assert_non_null(strstr(err, "a second config file"));
		options_free(&o);
	}
}

/* An interface given twice: the second attachment found the first and
 * refused to start, taking it for another xdpcastd's program. An anycast
 * prefix twice: two routes, two backend checks of one name. As flags too. */
static void test_listed_twice(void **state)
{
	char *argv[] = { "xdpcastd", "--iface", "veth0", "--iface", "veth0", "--anycast", "192.0.2.0/24", "--zone",
			 "/z/a.zone", "--pop", "ams1" };
	char *anycast_twice[] = { "xdpcastd", "--iface", "veth0", "--anycast", "192.0.2.0/24", "--anycast",
				  "192.0.2.0/24", "--zone", "/z/a.zone", "--pop", "ams1" };
	char err[512];
	struct options o;

	(void)state;
	assert_int_equal(options_read(11, argv, &o, err, sizeof(err)), OPTIONS_EXIT_ERROR);
	assert_string_equal(err, "--iface: 'veth0' is listed twice (see xdpcastd --help)");
	options_free(&o);
	assert_int_equal(options_read(11, anycast_twice, &o, err, sizeof(err)), OPTIONS_EXIT_ERROR);
	assert_string_equal(err, "--anycast: a second entry with prefix '192.0.2.0/24' (see xdpcastd --help)");
	options_free(&o);
}

/* A zone file given as a flag is refused relative too: the flags of a
 * systemd unit's ExecStart are read with / as the working directory. */
static void test_relative_zone_flags(void **state)
{
	char *zone[] = { "xdpcastd", "--iface", "veth0", "--anycast", "192.0.2.0/24", "--zone", "a.zone", "--pop",
			 "ams1" };
	char *view_zone[] = { "xdpcastd", "--iface", "veth0", "--anycast", "192.0.2.0/24", "--zone", "/z/a.zone",
			      "--pop", "ams1", "--view", "eu=203.0.113.0/24", "--view-zone", "eu=eu.zone" };
	char err[512];
	struct options o;

	(void)state;
	assert_int_equal(options_read(9, zone, &o, err, sizeof(err)), OPTIONS_EXIT_ERROR);
	assert_non_null(strstr(err, "--zone: 'a.zone': not an absolute path"));
	options_free(&o);
	assert_int_equal(options_read(13, view_zone, &o, err, sizeof(err)), OPTIONS_EXIT_ERROR);
	assert_non_null(strstr(err, "--view-zone: 'eu.zone': not an absolute path"));
	options_free(&o);
}

/* Only a regular file is read: a FIFO in its place hung the start (and a
 * reload, on the zones lane) in open(). */
static void test_config_not_a_file(void **state)
{
	char fifo[sizeof(path) + 8], err[512];
	struct options o = { 0 };

	(void)state;
	snprintf(fifo, sizeof(fifo), "%s.fifo", path);
	assert_int_equal(mkfifo(fifo, 0600), 0);
	alarm(10);      /* a regression hangs: fail instead */
	assert_int_equal(config_load(fifo, &o, err, sizeof(err)), -1);
	alarm(0);
	unlink(fifo);
	assert_non_null(strstr(err, ": a FIFO, not a config file"));
	assert_int_equal(config_load("/tmp", &o, err, sizeof(err)), -1);
	assert_string_equal(err, "/tmp: a directory, not a config file");
	options_free(&o);
}

/* A file that ends before its size said (cut while read: a reload racing
 * an editor's save in place) was parsed as far as it went, the keys after
 * the cut taking their defaults. A sysfs file ends early every time: its
 * size is a page, its text a line. */
static void test_config_changed_while_read(void **state)
{
	static const char sysfs[] = "/sys/class/net/lo/address";
	struct options o = { 0 };
	struct stat sb;
	char err[512];

	(void)state;
	if (stat(sysfs, &sb) || !S_ISREG(sb.st_mode))
		skip();
	assert_int_equal(config_load(sysfs, &o, err, sizeof(err)), -1);
	assert_non_null(strstr(err, ": the file changed while it was read (written in place meanwhile): not read"));
	assert_int_equal(strncmp(err, sysfs, strlen(sysfs)), 0);
	options_free(&o);
}

/* libyaml's reader (bad UTF-8, control characters) marks no line: its
 * byte offset is turned into one, not "line 1" wherever the byte is. */
static void test_reader_error_line(void **state)
{
	static const char *const texts[] = { "pop: ams1\ndrain_ms: 10\nmetrics: a\xff\n",
					     "pop: ams1\ndrain_ms: 10\nmetrics: a\x01\n",
					     "pop: ams1\ndrain_ms: 10\n# \xc3\x28\n" };
	struct options o = { 0 };
	char err[512], expected[512];

	(void)state;
	snprintf(expected, sizeof(expected), "%s:3: ", path);
	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		assert_int_equal(config_load(write_config(texts[i]), &o, err, sizeof(err)), -1);
		if (strncmp(err, expected, strlen(expected)))
			fail_msg("case %zu: '%s' is not on line 3", i, err);
	}
	options_free(&o);
}

/*
 * docs/xdpcastd.example.yaml shows every key of the schema, commented or
 * not: past its opening comment, a line commented out is a setting, so the
 * file with those lines uncommented is read by the real reader (which
 * checks their values too) and every key must have been given.
 */
struct seen_keys {
	const struct schema_item *items[512];
	size_t count;
	char missing[2048];
};

static void mark_seen(const struct schema_item *item, void *arg)
{
	struct seen_keys *seen = arg;

	if (seen->count < sizeof(seen->items) / sizeof(seen->items[0]))
		seen->items[seen->count++] = item;
}

static void note_missing(const char *path, const struct schema_item *item, void *arg)
{
	struct seen_keys *seen = arg;
	size_t used = strlen(seen->missing);

	for (size_t i = 0; i < seen->count; i++)
		if (seen->items[i] == item)
			return;
	snprintf(seen->missing + used, sizeof(seen->missing) - used, " %s", path);
}

static void test_example_shows_every_key(void **state)
{
	static struct seen_keys seen;
	FILE *f = fopen("docs/xdpcastd.example.yaml", "r");
	char line[512], *text = calloc(1, 1 << 16), err[512];
	bool header = true;
	size_t len = 0;
	struct options o;

	(void)state;
	assert_non_null(f);
	while (fgets(line, sizeof(line), f)) {
		char *hash = line + strspn(line, " ");

		header &= *hash == '#';
		if (!header && hash[0] == '#' && hash[1] == ' ')
			memmove(hash, hash + 2, strlen(hash + 2) + 1);  /* a setting commented out */
		len += snprintf(text + len, (1 << 16) - len, "%s", header ? "\n" : line);
	}
	fclose(f);
	options_defaults(&o);
	const struct config_target target = { options_schema, &o, &o.strings, mark_seen, &seen };
	if (config_read("docs/xdpcastd.example.yaml (uncommented)", (unsigned char *)text, len, &target, err,
			sizeof(err)))
		fail_msg("%s", err);
	schema_each_key(options_schema, note_missing, &seen);
	if (seen.missing[0])
		fail_msg("docs/xdpcastd.example.yaml lacks these keys:%s", seen.missing);
	options_free(&o);
	free(text);
}

struct bound_check {
	const char *doc;
	char named[256];        /* the latest named list walked: its children are rows under NAME */
	char missing[512];
};

/* Whether the row from `at` holds `text` before its end. */
static bool row_holds(const char *at, const char *text)
{
	const char *found = strstr(at, text);

	return found && found < strchr(at, '\n');
}

static void check_bound(const char *path, const struct schema_item *item, void *arg)
{
	struct bound_check *b = arg;
	char row[300], list_bound[64], value_bound[64];
	const char *at;
	size_t used = strlen(b->missing), named = strlen(b->named);

	if (named && !strncmp(path, b->named, named) && path[named] == '.')
		return;         /* a named list's children are rows under NAME, checked by their list */
	if (item->shape == SCHEMA_NAMED)
		snprintf(b->named, sizeof(b->named), "%s", path);
	if (!(item->max_items || item->max))
		return;
	snprintf(row, sizeof(row), "| `%s` |", path);
	if (!(at = strstr(b->doc, row))) {
		snprintf(b->missing + used, sizeof(b->missing) - used, " %s (no row)", path);
		return;
	}
	snprintf(list_bound, sizeof(list_bound), ", at most %zu |", item->max_items);
	snprintf(value_bound, sizeof(value_bound), " %llu", (unsigned long long)item->max);
	if ((item->max_items && !row_holds(at, list_bound)) || (item->max && !row_holds(at, value_bound)))
		snprintf(b->missing + used, sizeof(b->missing) - used, " %s", path);
}

/* A bound the parse sets is in docs/config.md: the anycast prefixes (64)
 * and health.commands (8) were not, lists of records being described
 * without it, nor the longest pop (64 characters), strings being
 * described without it. */
static void test_docs_show_bounds(void **state)
{
	static const char *const groups[] = { "flags", "defense", "control", "catchment", "limits" };
	struct bound_check b = { .missing = "" };
	char *doc = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&doc, &len);

	(void)state;
	assert_non_null(out);
	for (size_t i = 0; i < sizeof(groups) / sizeof(groups[0]); i++)
		options_markdown(groups[i], out);
	fclose(out);
	b.doc = doc;
	schema_each_key(options_schema, check_bound, &b);
	free(doc);
	if (b.missing[0])
		fail_msg("docs/config.md gives no bound for:%s", b.missing);
}

/* 100,000 levels of nesting took half a minute of CPU to refuse: the
 * bound ends the read at level 33, whatever follows. */
static void test_deep_nesting_refused_early(void **state)
{
	size_t depth = 100000, len = 2 * depth + 1;
	unsigned char *text = malloc(len);
	struct options o = { 0 };
	char err[256];

	(void)state;
	memset(text, '[', depth);
	memset(text + depth, ']', depth);
	text[len - 1] = '\n';
	protection_defaults(&o.protection);
	assert_int_equal(config_parse("deep.yaml", text, len, &o, err, sizeof(err)), -1);
	assert_string_equal(err, "deep.yaml:1: nested more than 32 deep");
	memset(text, ' ', len);                 /* block style: one more level per line */
	len = 0;
	for (int i = 0; i < 40; i++)
		len += sprintf((char *)text + len, "%*sk%d:\n", 2 * i, "", i);
	assert_int_equal(config_parse("deep.yaml", text, len, &o, err, sizeof(err)), -1);
	assert_string_equal(err, "deep.yaml:33: nested more than 32 deep");
	options_free(&o);
	free(text);
}

static void test_missing_file(void **state)
{
	struct options o = { 0 };
	char err[512];

	(void)state;
	assert_int_equal(config_load("/nonexistent/xdpcast.yaml", &o, err, sizeof(err)), -1);
	assert_string_equal(err, "/nonexistent/xdpcast.yaml: No such file or directory");
	options_free(&o);
}

/* What xdpcastctl reads (the stop hook among it): the daemon's paths, from
 * a file the daemon refuses for other keys, so that a start that failed on
 * its config is still withdrawn. */
static void test_paths_of_a_refused_file(void **state)
{
	static const char text[] =
		"pop: ams1\n"
		"typo_key: 1\n"
		"rate_limit:\n  ipv4_32: {rate: 10, burst: 0}\n"
		"control_socket: /x/ctl.sock\n"
		"pin_dir: /x/pins\n"
		"bird_include: /x/bird.conf\n"
		"bird_socket: none\n";
	struct options o;
	char err[512];

	(void)state;
	options_defaults(&o);
	assert_int_equal(config_load(write_config(text), &o, err, sizeof(err)), -1);
	options_free(&o);

	options_defaults(&o);
	assert_int_equal(config_load_paths(write_config(text), &o, err, sizeof(err)), 0);
	assert_string_equal(o.control_socket, "/x/ctl.sock");
	assert_string_equal(o.pin_dir, "/x/pins");
	assert_string_equal(o.bird_include, "/x/bird.conf");
	assert_null(o.bird_socket);
	options_free(&o);

	/* What is wrong with those keys, or with the file as YAML, still is. */
	options_defaults(&o);
	assert_int_equal(config_load_paths(write_config("bird_include: /a\nbird_include: /b\n"), &o, err,
					   sizeof(err)), -1);
	assert_non_null(strstr(err, ":2: bird_include: a second 'bird_include'"));
	assert_int_equal(config_load_paths(write_config("bird_include: [/a\n"), &o, err, sizeof(err)), -1);
	options_free(&o);
}

/* The command line and config keys of the contract (docs/ARCHITECTURE.md,
 * DESIGN): --pin-dir, --bird-socket, --bird-include, --metrics and their
 * keys set the same options, and the defaults are the contract's paths. */
static void test_contract_paths(void **state)
{
	char *flags[] = { "xdpcastd", "--iface", "veth0", "--anycast", "192.0.2.0/24", "--zone", "/z/a.zone", "--pop",
			  "ams1", "--metrics", "127.0.0.1:9553", "--bird-socket", "/x/bird.ctl", "--bird-include",
			  "/x/bird.conf", "--pin-dir", "/sys/fs/bpf/x" };
	char *with_file[] = { "xdpcastd", "--config", (char *)write_config(
		"pop: ams1\ninterfaces: [veth0]\nanycast: [192.0.2.0/24]\nzones: [/z/a.zone]\n"
		"metrics: 127.0.0.1:9553\nbird_socket: /x/bird.ctl\nbird_include: /x/bird.conf\n"
		"pin_dir: /sys/fs/bpf/x\n") };
	struct options a, b, d;

	(void)state;
	options_defaults(&d);
	assert_string_equal(d.pin_dir, "/sys/fs/bpf/xdpcast");
	assert_string_equal(d.bird_socket, "/run/bird/bird.ctl");
	assert_string_equal(d.bird_include, "/run/xdpcast/bird.conf");
	assert_string_equal(XDPCAST_DEFAULT_PIN_DIR, "/sys/fs/bpf/xdpcast");   /* xdpcastctl's too */
	options_free(&d);
	assert_int_equal(parse(&a, sizeof(flags) / sizeof(flags[0]), flags), OPTIONS_RUN);
	assert_int_equal(parse(&b, 3, with_file), OPTIONS_RUN);
	assert_string_equal(a.metrics, "127.0.0.1:9553");
	assert_string_equal(b.metrics, "127.0.0.1:9553");
	assert_string_equal(a.bird_socket, "/x/bird.ctl");
	assert_string_equal(b.bird_socket, "/x/bird.ctl");
	assert_string_equal(a.bird_include, "/x/bird.conf");
	assert_string_equal(b.bird_include, "/x/bird.conf");
	assert_string_equal(a.pin_dir, "/sys/fs/bpf/x");
	assert_string_equal(b.pin_dir, "/sys/fs/bpf/x");
	options_free(&a);
	options_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_file_equals_flags),
		cmocka_unit_test(test_path_errors_name_their_source),
		cmocka_unit_test(test_flags_win),
		cmocka_unit_test(test_restart_changes),
		cmocka_unit_test(test_contract_paths),
		cmocka_unit_test(test_defense_settings),
		cmocka_unit_test(test_control_plane),
		cmocka_unit_test(test_many_zones),
		cmocka_unit_test(test_catchment_groups),
		cmocka_unit_test(test_values_at_their_bounds),
		cmocka_unit_test(test_bad_files),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_documented_example),
		cmocka_unit_test(test_health_user),
		cmocka_unit_test(test_deep_nesting_refused_early),
		cmocka_unit_test(test_missing_file),
		cmocka_unit_test(test_paths_of_a_refused_file),
		cmocka_unit_test(test_long_lists),
		cmocka_unit_test(test_lists_over_their_maps),
		cmocka_unit_test(test_client_prefix_in_two_views),
		cmocka_unit_test(test_drain_action_names_what_lacks),
		cmocka_unit_test(test_reader_error_line),
		cmocka_unit_test(test_config_not_a_file),
		cmocka_unit_test(test_config_changed_while_read),
		cmocka_unit_test(test_one_config_file),
		cmocka_unit_test(test_listed_twice),
		cmocka_unit_test(test_relative_zone_flags),
		cmocka_unit_test(test_example_shows_every_key),
		cmocka_unit_test(test_docs_show_bounds),
	};

	return cmocka_run_group_tests_name("config file", tests, setup, teardown);
}
