// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The Prometheus exposition rendered from a known snapshot: every series of
 * DESIGN.md section 4 with its labels and value, bytes summed per action,
 * label values escaped.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "metrics.h"
#include "stats.h"

static struct metrics_snapshot snap;
static struct zone_metrics zones[300];

static void fill(void)
{
	memset(&snap, 0, sizeof(snap));
	snap.pop = "ams1";
	snap.version = "1.2.3";
	snap.iface_count = 2;
	snap.ifaces[0] = "eth0";
	snap.ifaces[1] = "eth1";
	stats_counter(&snap.stats[0], XDPCAST_dns_answer)->packets = 5;
	stats_counter(&snap.stats[0], XDPCAST_dns_answer)->bytes = 500;
	stats_counter(&snap.stats[0], XDPCAST_dns_nxdomain)->bytes = 70;
	stats_counter(&snap.stats[0], XDPCAST_drop_fragment)->packets = 3;
	stats_counter(&snap.stats[0], XDPCAST_drop_fragment)->bytes = 4500;
	stats_counter(&snap.stats[1], XDPCAST_not_protected)->packets = 7;
	stats_counter(&snap.stats[1], XDPCAST_not_protected)->bytes = 900;
	snap.generation = 4;
	snap.prefix_count = 1;
	snprintf(snap.prefixes[0], sizeof(snap.prefixes[0]), "192.0.2.0/24");
	snap.announced[0] = true;
	snap.check_count = 2;
	snprintf(snap.checks[0].name, sizeof(snap.checks[0].name), "fast_path");
	snap.checks[0].up = true;
	snprintf(snap.checks[1].name, sizeof(snap.checks[1].name), "web");
	snap.bird_controlled = true;
	snap.bird_up = true;
	snap.session_count = 1;
	snprintf(snap.sessions[0].name, sizeof(snap.sessions[0].name), "transit1");
	memset(zones, 0, sizeof(zones));
	snap.zone_count = 1;
	snap.zones = zones;
	snprintf(zones[0].name, sizeof(zones[0].name), "example.test.");
	zones[0].serial = 2026112401;
	zones[0].records = 48;
	zones[0].loaded_at = 1795570000.5;
	zones[0].cache_entries = 47;
	zones[0].cache_bytes = 9344;
	snap.cache_bytes = 4597760;
	snap.cache_max_bytes = 67108864;
	snap.rss_bytes = 12582912;
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
	fill();
	text = metrics_render(&snap, &len);
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
	expect_line(text, "# TYPE xdpcast_zone_generation gauge");
	expect_line(text, "xdpcast_zone_generation{pop=\"ams1\"} 4");
	expect_line(text, "xdpcast_build_info{pop=\"ams1\",version=\"1.2.3\"} 1");
	expect_line(text, "xdpcast_health_up{pop=\"ams1\",check=\"fast_path\"} 1");
	expect_line(text, "xdpcast_health_up{pop=\"ams1\",check=\"web\"} 0");
	expect_line(text, "xdpcast_prefix_announced{pop=\"ams1\",prefix=\"192.0.2.0/24\"} 1");
	expect_line(text, "xdpcast_bgp_session_up{pop=\"ams1\",protocol=\"transit1\"} 0");
	expect_line(text, "xdpcast_bird_up{pop=\"ams1\"} 1");
	free(text);
}

/* Without a BIRD socket there is no BIRD to be up or down. */
static void test_no_bird_gauge_without_bird(void **state)
{
	size_t len;
	char *text;

	(void)state;
	fill();
	snap.bird_controlled = false;
	text = metrics_render(&snap, &len);
	assert_null(strstr(text, "xdpcast_bird_up"));
	free(text);
}

static void test_one_series_per_reason_and_iface(void **state)
{
	size_t len, series = 0;
	char *text, *line;

	(void)state;
	fill();
	text = metrics_render(&snap, &len);
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

	(void)state;
	fill();
	snap.zone_count = 300;
	for (size_t z = 0; z < snap.zone_count; z++)
		snprintf(zones[z].name, sizeof(zones[z].name), "z%zu.test.", z);
	text = metrics_render(&snap, &len);
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
	fill();
	snap.pop = "a\"b\\c";
	text = metrics_render(&snap, &len);
	expect_line(text, "xdpcast_zone_generation{pop=\"a\\\"b\\\\c\"} 4");
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_series),
		cmocka_unit_test(test_no_bird_gauge_without_bird),
		cmocka_unit_test(test_one_series_per_reason_and_iface),
		cmocka_unit_test(test_every_zone),
		cmocka_unit_test(test_label_escaping),
	};

	return cmocka_run_group_tests_name("metrics exposition", tests, NULL, NULL);
}
