// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The views rendered from one known state snapshot: the Prometheus
 * exposition (every series of the metrics contract in docs/ARCHITECTURE.md
 * with its labels and value, bytes summed per action, label values
 * escaped), the status JSON
 * and the control plane map's value, which must all say the same.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "hmap.h"
#include "metrics.h"
#include "prefix.h"
#include "state.h"
#include "stats.h"

static struct pop_state *snap;
static struct xdpcast_stats stats[XDPCAST_STATS_SLOTS];

static int setup(void **state)
{
	(void)state;
	snap = state_new(1, 1, 2, 2, 2, 1);
	assert_non_null(snap);
	snprintf(snap->pop, sizeof(snap->pop), "ams1");
	snprintf(snap->version, sizeof(snap->version), "1.2.3");
	snap->pid = 4242;
	snap->iface_count = 2;
	snprintf(snap->ifaces[0].name, sizeof(snap->ifaces[0].name), "eth0");
	snap->ifaces[0].attached = true;
	snprintf(snap->ifaces[1].name, sizeof(snap->ifaces[1].name), "eth1");
	snap->ifaces[1].ifindex = 7;
	snap->ifaces[1].reattached = 3;
	snap->counters_since = 1795500000;
	memset(stats, 0, sizeof(stats));
	stats_counter(&stats[0], XDPCAST_dns_answer)->packets = 5;
	stats_counter(&stats[0], XDPCAST_dns_answer)->bytes = 500;
	stats_counter(&stats[0], XDPCAST_dns_nxdomain)->bytes = 70;
	stats_counter(&stats[0], XDPCAST_drop_fragment)->packets = 3;
	stats_counter(&stats[0], XDPCAST_drop_fragment)->bytes = 4500;
	stats_counter(&stats[1], XDPCAST_not_protected)->packets = 7;
	stats_counter(&stats[1], XDPCAST_not_protected)->bytes = 900;
	snap->generation = 4;
	snap->prefix_count = 2;
	snprintf(snap->prefixes[0].route.prefix, sizeof(snap->prefixes[0].route.prefix), "192.0.2.0/24");
	snap->prefixes[0].route.state = ROUTE_ANNOUNCED;
	snap->prefixes[0].exported = true;
	snprintf(snap->prefixes[1].route.prefix, sizeof(snap->prefixes[1].route.prefix), "2001:db8:53::/48");
	snap->prefixes[1].route.state = ROUTE_PREPENDED;
	snap->prefixes[1].route.prepend = 2;
	snap->check_count = 2;
	snprintf(snap->checks[0].name, sizeof(snap->checks[0].name), "fast_path");
	snap->checks[0].up = true;
	snprintf(snap->checks[1].name, sizeof(snap->checks[1].name), "web");
	snprintf(snap->checks[1].detail, sizeof(snap->checks[1].detail), "'curl' exited with status 7");
	snap->bird_controlled = true;
	snap->bird_up = true;
	snap->session_count = 1;
	snprintf(snap->sessions[0].name, sizeof(snap->sessions[0].name), "transit1");
	snap->zone_count = 1;
	snap->zones[0].name = state_text(snap, "example.test.", 256);
	snap->zones[0].serial = 2026112401;
	snap->zones[0].records = 48;
	snap->zones[0].loaded_at = 1795570000.5;
	snap->zones[0].cache_entries = 47;
	snap->zones[0].cache_bytes = 9344;
	snap->transfer_count = 2;
	for (size_t t = 0; t < snap->transfer_count; t++) {
		snap->transfers[t].primary = state_text(snap, "192.0.2.1", 64);
		snap->transfers[t].catalog = snap->transfers[t].fallback = snap->transfers[t].error = state_text(snap, "", 8);
	}
	snap->transfers[0].zone = state_text(snap, "fresh.test.", 256);
	snap->transfers[1].zone = state_text(snap, "stuck.test.", 256);
	snap->transfers[1].error = state_text(snap, "its changes are more than 4 records (limits.zone_records)", 256);
	snap->cache_bytes = 4597760;
	snap->cache_max_bytes = 67108864;
	snap->rss_bytes = 12582912;
	snap->reload_failures = 2;
	snap->catalog_errors = 1;
	snprintf(snap->reload_error, sizeof(snap->reload_error), "z.zone:3: bad TTL");
	snap->reload_ok_at = 1795570000.5;
	snap->restart_pending = "rrl.buckets";
	snap->updated_at = 1795570100;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	state_unref(snap);
	return 0;
}

static void expect_line(const char *text, const char *line)
{
	char *found = strstr(text, line);

	if (!found || (found != text && found[-1] != '\n') || found[strlen(line)] != '\n')
		fail_msg("no line '%s' in:\n%s", line, text);
}

static void test_every_series(void **state)
{
	size_t len;
	char *text;

	(void)state;
	text = metrics_render(snap, stats, NULL, 0, &len);
	assert_non_null(text);
	assert_int_equal(strlen(text), len);
	expect_line(text, "# TYPE xdpcast_packets_total counter");
	expect_line(text, "xdpcast_packets_total{pop=\"ams1\",iface=\"eth0\",action=\"tx\",reason=\"dns_answer\"} 5");
	expect_line(text, "xdpcast_packets_total{pop=\"ams1\",iface=\"eth0\",action=\"drop\",reason=\"drop_fragment\"} 3");
	expect_line(text, "xdpcast_packets_total{pop=\"ams1\",iface=\"eth1\",action=\"pass\",reason=\"not_protected\"} 7");
	expect_line(text, "xdpcast_packets_total{pop=\"ams1\",iface=\"eth1\",action=\"drop\",reason=\"rrl_drop\"} 0");
	expect_line(text, "# TYPE xdpcast_bytes_total counter");
	expect_line(text, "xdpcast_bytes_total{pop=\"ams1\",iface=\"eth0\",action=\"tx\"} 570");
	expect_line(text, "xdpcast_bytes_total{pop=\"ams1\",iface=\"eth0\",action=\"drop\"} 4500");
	expect_line(text, "xdpcast_bytes_total{pop=\"ams1\",iface=\"eth1\",action=\"pass\"} 900");
	expect_line(text, "xdpcast_zone_serial{pop=\"ams1\",zone=\"example.test.\"} 2026112401");
	expect_line(text, "xdpcast_zone_records{pop=\"ams1\",zone=\"example.test.\"} 48");
	expect_line(text, "xdpcast_zone_last_load_timestamp_seconds{pop=\"ams1\",zone=\"example.test.\"} 1795570000.500");
	expect_line(text, "# TYPE xdpcast_zone_cache_entries gauge");
	expect_line(text, "xdpcast_zone_cache_entries{pop=\"ams1\",zone=\"example.test.\"} 47");
	expect_line(text, "# TYPE xdpcast_zone_cache_bytes gauge");
	expect_line(text, "xdpcast_zone_cache_bytes{pop=\"ams1\",zone=\"example.test.\"} 9344");
	expect_line(text, "xdpcast_cache_bytes{pop=\"ams1\"} 4597760");
	expect_line(text, "xdpcast_cache_max_bytes{pop=\"ams1\"} 67108864");
	expect_line(text, "xdpcast_daemon_rss_bytes{pop=\"ams1\"} 12582912");
	expect_line(text, "# TYPE xdpcast_zone_transfer_failing gauge");
	expect_line(text, "xdpcast_zone_transfer_failing{pop=\"ams1\",zone=\"fresh.test.\"} 0");
	expect_line(text, "xdpcast_zone_transfer_failing{pop=\"ams1\",zone=\"stuck.test.\"} 1");
	expect_line(text, "# TYPE xdpcast_zone_generation gauge");
	expect_line(text, "xdpcast_zone_generation{pop=\"ams1\"} 4");
	expect_line(text, "xdpcast_build_info{pop=\"ams1\",version=\"1.2.3\"} 1");
	expect_line(text, "xdpcast_health_up{pop=\"ams1\",check=\"fast_path\"} 1");
	expect_line(text, "xdpcast_health_up{pop=\"ams1\",check=\"web\"} 0");
	expect_line(text, "xdpcast_prefix_announced{pop=\"ams1\",prefix=\"192.0.2.0/24\"} 1");
	expect_line(text, "xdpcast_prefix_announced{pop=\"ams1\",prefix=\"2001:db8:53::/48\"} 0");
	expect_line(text, "xdpcast_prefix_state{pop=\"ams1\",prefix=\"192.0.2.0/24\",state=\"announced\"} 1");
	expect_line(text, "xdpcast_prefix_state{pop=\"ams1\",prefix=\"192.0.2.0/24\",state=\"withdrawn\"} 0");
	expect_line(text, "xdpcast_prefix_state{pop=\"ams1\",prefix=\"2001:db8:53::/48\",state=\"prepended\"} 1");
	expect_line(text, "xdpcast_prefix_prepend{pop=\"ams1\",prefix=\"2001:db8:53::/48\"} 2");
	expect_line(text, "xdpcast_bgp_session_up{pop=\"ams1\",protocol=\"transit1\"} 0");
	expect_line(text, "xdpcast_bird_up{pop=\"ams1\"} 1");
	expect_line(text, "xdpcast_iface_attached{pop=\"ams1\",iface=\"eth0\"} 1");
	expect_line(text, "xdpcast_iface_attached{pop=\"ams1\",iface=\"eth1\"} 0");
	expect_line(text, "xdpcast_iface_reattached_total{pop=\"ams1\",iface=\"eth1\"} 3");
	expect_line(text, "xdpcast_reload_failures_total{pop=\"ams1\"} 2");
	expect_line(text, "xdpcast_reload_failed{pop=\"ams1\"} 1");
	expect_line(text, "xdpcast_reload_last_success_timestamp_seconds{pop=\"ams1\"} 1795570000.500");
	expect_line(text, "xdpcast_config_restart_pending{pop=\"ams1\"} 1");
	expect_line(text, "# TYPE xdpcast_counters_start_timestamp_seconds gauge");
	expect_line(text, "xdpcast_counters_start_timestamp_seconds{pop=\"ams1\"} 1795500000.000");
	free(text);
}

/* Without a BIRD socket there is no BIRD to be up or down. */
static void test_no_bird_gauge_without_bird(void **state)
{
	size_t len;
	char *text;

	(void)state;
	snap->bird_controlled = false;
	text = metrics_render(snap, stats, NULL, 0, &len);
	snap->bird_controlled = true;
	assert_null(strstr(text, "xdpcast_bird_up"));
	free(text);
}

static void test_one_series_per_reason_and_iface(void **state)
{
	size_t len, series = 0;
	char *text, *line;

	(void)state;
	text = metrics_render(snap, stats, NULL, 0, &len);
	for (line = text; (line = strstr(line, "\nxdpcast_packets_total{")); line++)
		series++;
	assert_int_equal(series, 2 * XDPCAST_REASON_MAX);
	free(text);
}

/* No limit on the number of zones: each has its series. */
static void test_every_zone(void **state)
{
	size_t len, series = 0;
	char *text, *line;

	struct pop_state *many = state_new(0, 300, 0, 0, 0, 0);

	(void)state;
	assert_non_null(many);
	snprintf(many->pop, sizeof(many->pop), "ams1");
	many->zone_count = 300;
	for (size_t z = 0; z < many->zone_count; z++) {
		char name[32];

		snprintf(name, sizeof(name), "z%zu.test.", z);
		many->zones[z].name = state_text(many, name, sizeof(name));
	}
	text = metrics_render(many, stats, NULL, 0, &len);
	state_unref(many);
	for (line = text; (line = strstr(line, "\nxdpcast_zone_cache_bytes{")); line++)
		series++;
	assert_int_equal(series, 300);
	expect_line(text, "xdpcast_zone_serial{pop=\"ams1\",zone=\"z299.test.\"} 0");
	free(text);
}

static void test_label_escaping(void **state)
{
	size_t len;
	char *text;

	(void)state;
	snprintf(snap->pop, sizeof(snap->pop), "a\"b\\c");
	text = metrics_render(snap, stats, NULL, 0, &len);
	snprintf(snap->pop, sizeof(snap->pop), "ams1");
	expect_line(text, "xdpcast_zone_generation{pop=\"a\\\"b\\\\c\"} 4");
	free(text);
	/* An interface name need not be UTF-8; a label value must. */
	snprintf(snap->pop, sizeof(snap->pop), "ams\xff");
	text = metrics_render(snap, stats, NULL, 0, &len);
	snprintf(snap->pop, sizeof(snap->pop), "ams1");
	expect_line(text, "xdpcast_zone_generation{pop=\"ams\xef\xbf\xbd\"} 4");
	free(text);
}

/* The alerts clear: a reload that worked after failed ones (their count
 * stays), no restart key pending (the daemon's snapshot says "", not NULL). */
static void test_alerts_clear(void **state)
{
	const char *pending = snap->restart_pending;
	size_t len;
	char *text;

	(void)state;
	snap->reload_error[0] = '\0';
	snap->restart_pending = "";
	text = metrics_render(snap, stats, NULL, 0, &len);
	snprintf(snap->reload_error, sizeof(snap->reload_error), "z.zone:3: bad TTL");
	snap->restart_pending = pending;
	expect_line(text, "xdpcast_reload_failures_total{pop=\"ams1\"} 2");
	expect_line(text, "xdpcast_reload_failed{pop=\"ams1\"} 0");
	expect_line(text, "xdpcast_config_restart_pending{pop=\"ams1\"} 0");
	free(text);
}

/* The catchment summed per group: a network counts for the first group
 * holding it, networks of no group for "other", and nothing else is a
 * label: series per group, never per network. */
static void test_catchment_groups(void **state)
{
	struct catchment_group groups[2] = { { .name = "region-a" }, { .name = "region-b" } };
	struct catchment_network networks[4] = { { .answers = 40 }, { .answers = 30 }, { .answers = 20 },
						 { .answers = 10 } };
	struct catchment c = { networks, 4, 100 };
	struct catchment_group_total totals[3];
	const char *texts[] = { "198.51.100.0/24", "2001:db8:a::/48", "203.0.113.0/24", "2001:db8:ff::/48" };
	char err[128], *text;
	size_t len;

	(void)state;
	for (size_t i = 0; i < 4; i++)
		assert_int_equal(prefix_parse(texts[i], &networks[i].prefix, err, sizeof(err)), 0);
	assert_int_equal(prefix_parse("198.51.100.0/24", &groups[0].prefixes[0], err, sizeof(err)), 0);
	assert_int_equal(prefix_parse("2001:db8::/32", &groups[0].prefixes[1], err, sizeof(err)), 0);
	groups[0].prefix_count = 2;
	assert_int_equal(prefix_parse("203.0.113.0/24", &groups[1].prefixes[0], err, sizeof(err)), 0);
	assert_int_equal(prefix_parse("2001:db8:ff::/48", &groups[1].prefixes[1], err, sizeof(err)), 0);
	groups[1].prefix_count = 2;
	catchment_group_totals(&c, groups, 2, totals);
	text = metrics_render(snap, stats, totals, 3, &len);
	expect_line(text, "# TYPE xdpcast_catchment_answers gauge");
	/* 2001:db8:ff::/48 is inside region-a's 2001:db8::/32 too: the first group wins */
	expect_line(text, "xdpcast_catchment_answers{pop=\"ams1\",group=\"region-a\"} 80");
	expect_line(text, "xdpcast_catchment_answers{pop=\"ams1\",group=\"region-b\"} 20");
	expect_line(text, "xdpcast_catchment_answers{pop=\"ams1\",group=\"other\"} 0");
	expect_line(text, "xdpcast_catchment_networks{pop=\"ams1\",group=\"region-a\"} 3");
	expect_line(text, "xdpcast_catchment_networks{pop=\"ams1\",group=\"region-b\"} 1");
	free(text);
	catchment_group_totals(&c, groups, 0, totals);
	text = metrics_render(snap, stats, totals, 1, &len);
	expect_line(text, "xdpcast_catchment_answers{pop=\"ams1\",group=\"other\"} 100");
	expect_line(text, "xdpcast_catchment_networks{pop=\"ams1\",group=\"other\"} 4");
	free(text);
	text = metrics_render(snap, stats, NULL, 0, &len);
	assert_null(strstr(text, "xdpcast_catchment"));
	free(text);
}

/* A group's IPv6 prefix holds IPv6 networks only, ::/0 too: IPv4
 * networks are kept IPv4-mapped, inside ::/0, and once counted there. */
static void test_catchment_group_families(void **state)
{
	struct catchment_group groups[2] = { { .name = "ipv6" }, { .name = "ipv4" } };
	struct catchment_network networks[2] = { { .answers = 5 }, { .answers = 3 } };
	struct catchment c = { networks, 2, 8 };
	struct catchment_group_total totals[3];
	char err[128];

	(void)state;
	assert_int_equal(prefix_parse("198.51.100.0/24", &networks[0].prefix, err, sizeof(err)), 0);
	assert_int_equal(prefix_parse("2001:db8:1::/48", &networks[1].prefix, err, sizeof(err)), 0);
	assert_int_equal(prefix_parse("::/0", &groups[0].prefixes[0], err, sizeof(err)), 0);
	groups[0].prefix_count = 1;
	assert_int_equal(prefix_parse("0.0.0.0/0", &groups[1].prefixes[0], err, sizeof(err)), 0);
	groups[1].prefix_count = 1;
	catchment_group_totals(&c, groups, 2, totals);
	assert_int_equal(totals[0].answers, 3);
	assert_int_equal(totals[0].networks, 1);
	assert_int_equal(totals[1].answers, 5);
	assert_int_equal(totals[1].networks, 1);
	assert_int_equal(totals[2].networks, 0);
}

/* status --json says what the metrics say, field by field. */
static void test_status_json(void **state)
{
	char *text = state_json_text(snap, json_pack("{s:f}", "loop_longest_turn_ms", 1.5));
	json_t *j, *prefix;

	(void)state;
	assert_non_null(text);
	j = json_loads(text, 0, NULL);
	free(text);
	assert_non_null(j);
	assert_string_equal(json_string_value(json_object_get(json_array_get(json_object_get(j, "zones"), 0), "zone")),
			    "example.test.");
	assert_int_equal(json_array_size(json_object_get(j, "zones")), 1);
	assert_int_equal(json_array_size(json_object_get(j, "transfers")), 2);
	assert_true(json_is_null(json_object_get(json_array_get(json_object_get(j, "transfers"), 0), "error")));
	assert_string_equal(json_string_value(json_object_get(json_array_get(json_object_get(j, "transfers"), 1),
							      "error")), "its changes are more than 4 records (limits.zone_records)");
	assert_true(json_real_value(json_object_get(j, "loop_longest_turn_ms")) == 1.5);
	assert_string_equal(json_string_value(json_object_get(j, "pop")), "ams1");
	assert_int_equal(json_integer_value(json_object_get(j, "pid")), 4242);
	assert_int_equal(json_integer_value(json_object_get(j, "generation")), 4);
	assert_false(json_is_true(json_object_get(j, "healthy")));
	assert_false(json_is_true(json_object_get(json_array_get(json_object_get(j, "interfaces"), 1), "attached")));
	assert_string_equal(json_string_value(json_object_get(json_array_get(json_object_get(j, "checks"), 1),
							      "error")), "'curl' exited with status 7");
	assert_true(json_is_null(json_object_get(json_array_get(json_object_get(j, "checks"), 0), "error")));
	prefix = json_array_get(json_object_get(json_object_get(j, "bgp"), "prefixes"), 1);
	assert_string_equal(json_string_value(json_object_get(prefix, "state")), "prepended");
	assert_int_equal(json_integer_value(json_object_get(prefix, "prepend")), 2);
	assert_int_equal(json_array_size(json_object_get(json_object_get(j, "bgp"), "exported")), 1);
	assert_string_equal(json_string_value(json_object_get(j, "reload_error")), "z.zone:3: bad TTL");
	assert_int_equal(json_integer_value(json_object_get(j, "reload_failures")), 2);
	assert_true(json_real_value(json_object_get(j, "counters_since")) == 1795500000);
	assert_true(json_is_null(json_object_get(j, "start")));
	json_decref(j);
}

/* A start's first transfers: how many, done, failed; null once started. */
static void test_status_json_while_starting(void **state)
{
	struct state_start started = snap->start;
	char *text;
	json_t *j, *start;

	(void)state;
	snap->start = (struct state_start){ .starting = true, .transfers = 25, .done = 7, .failed = 1 };
	text = state_json_text(snap, NULL);
	snap->start = started;
	assert_non_null(text);
	j = json_loads(text, 0, NULL);
	free(text);
	assert_non_null(j);
	start = json_object_get(j, "start");
	assert_int_equal(json_integer_value(json_object_get(start, "transfers")), 25);
	assert_int_equal(json_integer_value(json_object_get(start, "done")), 7);
	assert_int_equal(json_integer_value(json_object_get(start, "failed")), 1);
	json_decref(j);
}

/* The control plane map counts what the other views list. */
static void test_control_plane(void **state)
{
	struct control_plane_state cp;

	(void)state;
	state_control_plane(snap, &cp);
	assert_int_equal(cp.healthy, 0);
	assert_int_equal(cp.checks, 2);
	assert_int_equal(cp.checks_up, 1);
	assert_int_equal(cp.bird_up, 1);
	assert_int_equal(cp.prefixes, 2);
	assert_int_equal(cp.prefixes_announced, 1);
	assert_int_equal(cp.sessions, 1);
	assert_int_equal(cp.sessions_up, 0);
	assert_int_equal(cp.pid, 4242);
	assert_int_equal(cp.handed_over, 0);
	assert_int_equal(cp.updated_at, 1795570100);
	/* The daemon's own counters, for the next daemon to go on from. */
	assert_int_equal(cp.counters_since, 1795500000);
	assert_int_equal(cp.reload_failures, 2);
	assert_int_equal(cp.catalog_errors, 1);
	assert_int_equal(cp.reattached_ifindex[1], 7);
	assert_int_equal(cp.reattached_name[1], hmap_hash_text("eth1"));
	assert_int_equal(cp.reattached[1], 3);
	assert_int_equal(cp.reattached[0], 0);
	/* Every check by name, up or not, for a successor after a handover;
	 * hmap_hash_text, which is fixed: daemons of other versions read it. */
	assert_int_equal(cp.checks_listed, 2);
	assert_int_equal(cp.check_states[0].name_hash, hmap_hash_text("fast_path"));
	assert_int_equal(cp.check_states[0].up, 1);
	assert_int_equal(cp.check_states[1].name_hash, 0x5ea0e11948721ef1ULL);     /* "web" */
	assert_int_equal(cp.check_states[1].up, 0);
	assert_int_equal(hmap_hash_text("a"), 0xaf63dc4c8601ec8cULL);
	/* Names that meet in 32 bits do not in 64. */
	assert_int_not_equal(hmap_hash_text("backend 192.66.18.0/24"), hmap_hash_text("backend 192.192.92.0/24"));
}

/* More checks than the record holds: none listed (a check left out would
 * be taken as new, so as up), and a successor goes by `healthy`. */
static void test_control_plane_all_or_none(void **state)
{
	struct pop_state *many = state_new(1, 1, 1, XDPCAST_HANDOVER_CHECKS + 1, 1, 1);
	struct control_plane_state cp;

	(void)state;
	assert_non_null(many);
	many->check_count = XDPCAST_HANDOVER_CHECKS;
	for (size_t i = 0; i < many->check_count; i++)
		snprintf(many->checks[i].name, sizeof(many->checks[i].name), "check%zu", i);
	state_control_plane(many, &cp);
	assert_int_equal(cp.checks_listed, XDPCAST_HANDOVER_CHECKS);
	assert_int_equal(cp.check_states[XDPCAST_HANDOVER_CHECKS - 1].name_hash, hmap_hash_text(many->checks[XDPCAST_HANDOVER_CHECKS - 1].name));
	many->check_count++;
	state_control_plane(many, &cp);
	assert_int_equal(cp.checks_listed, 0);
	state_unref(many);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_series),
		cmocka_unit_test(test_no_bird_gauge_without_bird),
		cmocka_unit_test(test_catchment_groups),
		cmocka_unit_test(test_catchment_group_families),
		cmocka_unit_test(test_one_series_per_reason_and_iface),
		cmocka_unit_test(test_every_zone),
		cmocka_unit_test(test_label_escaping),
		cmocka_unit_test(test_alerts_clear),
		cmocka_unit_test(test_status_json),
		cmocka_unit_test(test_status_json_while_starting),
		cmocka_unit_test(test_control_plane),
		cmocka_unit_test(test_control_plane_all_or_none),
	};

	return cmocka_run_group_tests_name("views of the state snapshot", tests, setup, teardown);
}
