// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "metrics.h"
#include "reasons.h"
#include "stats.h"
#include "utf8.h"

/* A label value: UTF-8, as the exposition format requires (an interface or
 * file name need not be), with its quotes, backslashes and newlines escaped. */
static void label(FILE *out, const char *value)
{
	char *valid = utf8_valid(value);

	for (const char *c = valid ? valid : ""; *c; c++) {
		if (*c == '\\' || *c == '"')
			fprintf(out, "\\%c", *c);
		else if (*c == '\n')
			fputs("\\n", out);
		else
			fputc(*c, out);
	}
	free(valid);
}

static void header(FILE *out, const char *name, const char *type, const char *help)
{
	fprintf(out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void pop_label(FILE *out, const char *name, const struct pop_state *snap)
{
	fprintf(out, "%s{pop=\"", name);
	label(out, snap->pop);
	fputc('"', out);
}

static void packets(FILE *out, const struct pop_state *snap, const struct xdpcast_stats *stats)
{
	header(out, "xdpcast_packets_total", "counter",
	       "Packets the XDP program decided on, by interface, action and reason.");
	for (size_t i = 0; i < snap->iface_count; i++) {
		for (int r = 0; r < XDPCAST_REASON_MAX; r++) {
			pop_label(out, "xdpcast_packets_total", snap);
			fputs(",iface=\"", out);
			label(out, snap->ifaces[i].name);
			fprintf(out, "\",action=\"%s\",reason=\"%s\"} %llu\n", reason_actions[r], reason_names[r],
				(unsigned long long)stats_counter((struct xdpcast_stats *)&stats[i], r)->packets);
		}
	}
}

static void bytes(FILE *out, const struct pop_state *snap, const struct xdpcast_stats *stats)
{
	static const char *const actions[] = { "tx", "pass", "drop" };

	header(out, "xdpcast_bytes_total", "counter",
	       "Bytes of the packets the XDP program decided on, as received, by interface and action.");
	for (size_t i = 0; i < snap->iface_count; i++) {
		for (size_t a = 0; a < sizeof(actions) / sizeof(actions[0]); a++) {
			unsigned long long sum = 0;

			for (int r = 0; r < XDPCAST_REASON_MAX; r++)
				if (strcmp(reason_actions[r], actions[a]) == 0)
					sum += stats_counter((struct xdpcast_stats *)&stats[i], r)->bytes;
			pop_label(out, "xdpcast_bytes_total", snap);
			fputs(",iface=\"", out);
			label(out, snap->ifaces[i].name);
			fprintf(out, "\",action=\"%s\"} %llu\n", actions[a], sum);
		}
	}
}

/* One 0/1 series with one label besides the pop. */
static void flag_series(FILE *out, const struct pop_state *snap, const char *metric, const char *name,
			const char *value, bool up)
{
	pop_label(out, metric, snap);
	fprintf(out, ",%s=\"", name);
	label(out, value);
	fprintf(out, "\"} %d\n", up);
}

/* The start of one zone's series, up to the value. A zone of a view
 * carries the view's name too: the same zone may be served in several. */
static void zone_series(FILE *out, const struct pop_state *snap, const char *metric, size_t z)
{
	uint16_t view = snap->zones[z].view;

	pop_label(out, metric, snap);
	fputs(",zone=\"", out);
	label(out, snap->zones[z].name);
	if (view && view <= snap->view_count) {
		fputs("\",view=\"", out);
		label(out, snap->views[view - 1]);
	}
	fputs("\"} ", out);
}

static void zones(FILE *out, const struct pop_state *snap)
{
	header(out, "xdpcast_zone_serial", "gauge", "SOA serial of each zone in the answer cache.");
	for (size_t z = 0; z < snap->zone_count; z++) {
		zone_series(out, snap, "xdpcast_zone_serial", z);
		fprintf(out, "%u\n", snap->zones[z].serial);
	}
	header(out, "xdpcast_zone_records", "gauge", "Records of each zone as read from its file.");
	for (size_t z = 0; z < snap->zone_count; z++) {
		zone_series(out, snap, "xdpcast_zone_records", z);
		fprintf(out, "%llu\n", (unsigned long long)snap->zones[z].records);
	}
	header(out, "xdpcast_zone_last_load_timestamp_seconds", "gauge",
	       "Unix time each zone's data in force was read from its file or transferred (an IXFR applied moves it).");
	for (size_t z = 0; z < snap->zone_count; z++) {
		zone_series(out, snap, "xdpcast_zone_last_load_timestamp_seconds", z);
		fprintf(out, "%.3f\n", snap->zones[z].loaded_at);
	}
	header(out, "xdpcast_zone_cache_entries", "gauge",
	       "Names of each zone in the answer cache (owners and empty non-terminals the fast path answers for).");
	for (size_t z = 0; z < snap->zone_count; z++) {
		zone_series(out, snap, "xdpcast_zone_cache_entries", z);
		fprintf(out, "%llu\n", (unsigned long long)snap->zones[z].cache_entries);
	}
	header(out, "xdpcast_zone_cache_bytes", "gauge",
	       "Kernel memory of each zone in the answer cache: its records and its share of the names table.");
	for (size_t z = 0; z < snap->zone_count; z++) {
		zone_series(out, snap, "xdpcast_zone_cache_bytes", z);
		fprintf(out, "%llu\n", (unsigned long long)snap->zones[z].cache_bytes);
	}
	header(out, "xdpcast_zone_transfer_failing", "gauge",
	       "1 while the last transfer or SOA check of a transferred zone (a catalog too) failed, or it was never "
	       "transferred; the copy in force answers until its SOA expire.");
	for (size_t t = 0; t < snap->transfer_count; t++)
		flag_series(out, snap, "xdpcast_zone_transfer_failing", "zone", snap->transfers[t].zone,
			    snap->transfers[t].error[0] != '\0');
	header(out, "xdpcast_zone_generation", "gauge", "Number of the answer cache generation in force.");
	pop_label(out, "xdpcast_zone_generation", snap);
	fprintf(out, "} %u\n", snap->generation);
}

/* One gauge without labels besides the pop. */
static void gauge(FILE *out, const struct pop_state *snap, const char *metric, const char *help,
		  unsigned long long value)
{
	header(out, metric, "gauge", help);
	pop_label(out, metric, snap);
	fprintf(out, "} %llu\n", value);
}

static void memory(FILE *out, const struct pop_state *snap)
{
	gauge(out, snap, "xdpcast_cache_bytes",
	      "Kernel memory of the answer cache's maps (names and blob pages), as the kernel accounts it.",
	      snap->cache_bytes);
	gauge(out, snap, "xdpcast_cache_max_bytes", "The cap on the answer cache's kernel memory; 0: none.",
	      snap->cache_max_bytes);
	gauge(out, snap, "xdpcast_daemon_rss_bytes", "Resident memory of xdpcastd.", snap->rss_bytes);
}

/* Whether each interface runs our program, and how often it was put back. */
static void attachment(FILE *out, const struct pop_state *snap)
{
	header(out, "xdpcast_iface_attached", "gauge",
	       "1 while the interface runs this xdpcastd's program (as of the last health check).");
	for (size_t i = 0; i < snap->iface_count; i++)
		flag_series(out, snap, "xdpcast_iface_attached", "iface", snap->ifaces[i].name,
			    snap->ifaces[i].attached);
	header(out, "xdpcast_iface_reattached_total", "counter",
	       "Times the program was found detached from the interface, or the interface made again under its "
	       "name, and attached again.");
	for (size_t i = 0; i < snap->iface_count; i++) {
		pop_label(out, "xdpcast_iface_reattached_total", snap);
		fputs(",iface=\"", out);
		label(out, snap->ifaces[i].name);
		fprintf(out, "\"} %u\n", snap->ifaces[i].reattached);
	}
}

/* The outcome of zone loads that did not work: the generation in force stays. */
static void reloads(FILE *out, const struct pop_state *snap)
{
	header(out, "xdpcast_reload_failures_total", "counter",
	       "Zone or config reloads that failed (the generation in force kept answering).");
	pop_label(out, "xdpcast_reload_failures_total", snap);
	fprintf(out, "} %llu\n", (unsigned long long)snap->reload_failures);
	header(out, "xdpcast_catalog_errors_total", "counter",
	       "Catalog zone copies refused (not version 2, or broken: RFC 9432), their members staying as they were, "
	       "and members left out (no room, served otherwise, the root).");
	pop_label(out, "xdpcast_catalog_errors_total", snap);
	fprintf(out, "} %llu\n", (unsigned long long)snap->catalog_errors);
	header(out, "xdpcast_reload_last_success_timestamp_seconds", "gauge",
	       "Unix time of the last zone load that worked.");
	pop_label(out, "xdpcast_reload_last_success_timestamp_seconds", snap);
	fprintf(out, "} %.3f\n", snap->reload_ok_at);
	header(out, "xdpcast_reload_failed", "gauge", "1 while the last reload failed.");
	pop_label(out, "xdpcast_reload_failed", snap);
	fprintf(out, "} %d\n", snap->reload_error[0] != '\0');
	header(out, "xdpcast_config_restart_pending", "gauge",
	       "1 while the config in force changes keys that only the next start applies.");
	pop_label(out, "xdpcast_config_restart_pending", snap);
	fprintf(out, "} %d\n", snap->restart_pending && snap->restart_pending[0]);
}

/* The gauges of the BGP health loop, as xdpcastd last saw them. */
static void control_plane(FILE *out, const struct pop_state *snap)
{
	header(out, "xdpcast_health_up", "gauge", "1 while the health check is up (rise/fall hysteresis applied).");
	for (size_t i = 0; i < snap->check_count; i++)
		flag_series(out, snap, "xdpcast_health_up", "check", snap->checks[i].name, snap->checks[i].up);
	header(out, "xdpcast_prefix_announced", "gauge",
	       "1 while BIRD exports the anycast prefix over an established BGP session.");
	for (size_t i = 0; i < snap->prefix_count; i++)
		flag_series(out, snap, "xdpcast_prefix_announced", "prefix", snap->prefixes[i].route.prefix,
			    snap->prefixes[i].exported);
	header(out, "xdpcast_prefix_state", "gauge",
	       "1 for what xdpcastd asks BIRD to do with the anycast prefix: announced, prepended or withdrawn.");
	for (size_t i = 0; i < snap->prefix_count; i++) {
		for (int st = ROUTE_WITHDRAWN; st <= ROUTE_PREPENDED; st++) {
			pop_label(out, "xdpcast_prefix_state", snap);
			fputs(",prefix=\"", out);
			label(out, snap->prefixes[i].route.prefix);
			fprintf(out, "\",state=\"%s\"} %d\n", route_state_names[st], (int)snap->prefixes[i].route.state == st);
		}
	}
	header(out, "xdpcast_prefix_prepend", "gauge", "Prepends of the PoP's AS asked for the anycast prefix (made only with bgp.asn set).");
	for (size_t i = 0; i < snap->prefix_count; i++) {
		pop_label(out, "xdpcast_prefix_prepend", snap);
		fputs(",prefix=\"", out);
		label(out, snap->prefixes[i].route.prefix);
		fprintf(out, "\"} %u\n", snap->prefixes[i].route.prepend);
	}
	header(out, "xdpcast_bgp_session_up", "gauge", "1 while the BGP session is established.");
	for (size_t i = 0; i < snap->session_count; i++)
		flag_series(out, snap, "xdpcast_bgp_session_up", "protocol", snap->sessions[i].name,
			    snap->sessions[i].up);
	if (!snap->bird_controlled)
		return;
	header(out, "xdpcast_bird_up", "gauge", "1 while xdpcastd talks to BIRD on its control socket.");
	pop_label(out, "xdpcast_bird_up", snap);
	fprintf(out, "} %d\n", snap->bird_up);
}

uint64_t metrics_resident_bytes(void)
{
	unsigned long long size = 0, resident = 0;
	FILE *f = fopen("/proc/self/statm", "r");

	if (f && fscanf(f, "%llu %llu", &size, &resident) != 2)
		resident = 0;
	if (f)
		fclose(f);
	return resident * (uint64_t)sysconf(_SC_PAGESIZE);
}

/* The start of one catchment group's series, up to the value. */
static void group_series(FILE *out, const struct pop_state *snap, const char *metric, const char *group)
{
	pop_label(out, metric, snap);
	fputs(",group=\"", out);
	label(out, group);
	fputs("\"} ", out);
}

/* Where clients come from: the catchment map summed per configured group
 * of client prefixes, the last one "other". Gauges: a network evicted from
 * the bounded map takes its answers with it. */
static void catchment(FILE *out, const struct pop_state *snap, const struct catchment_group_total *groups,
		      size_t count)
{
	if (!count)
		return;
	header(out, "xdpcast_catchment_answers", "gauge",
	       "Answers sent from XDP to the client networks of each group (catchment.groups), as the catchment map holds them.");
	for (size_t g = 0; g < count; g++) {
		group_series(out, snap, "xdpcast_catchment_answers", groups[g].name);
		fprintf(out, "%llu\n", (unsigned long long)groups[g].answers);
	}
	header(out, "xdpcast_catchment_networks", "gauge",
	       "Client networks (IPv4 /24, IPv6 /48) of each group that the catchment map holds.");
	for (size_t g = 0; g < count; g++) {
		group_series(out, snap, "xdpcast_catchment_networks", groups[g].name);
		fprintf(out, "%llu\n", (unsigned long long)groups[g].networks);
	}
}

char *metrics_render(const struct pop_state *snap, const struct xdpcast_stats *stats,
		     const struct catchment_group_total *groups, size_t group_count, size_t *len)
{
	char *text = NULL;
	FILE *out = open_memstream(&text, len);

	if (!out)
		return NULL;
	packets(out, snap, stats);
	bytes(out, snap, stats);
	zones(out, snap);
	memory(out, snap);
	reloads(out, snap);
	attachment(out, snap);
	control_plane(out, snap);
	catchment(out, snap, groups, group_count);
	header(out, "xdpcast_counters_start_timestamp_seconds", "gauge",
	       "Unix time the counters (xdpcast_*_total) last started from 0: a start of xdpcastd that took no "
	       "program over. A handover, a takeover after a crash and an upgrade keep them and this.");
	pop_label(out, "xdpcast_counters_start_timestamp_seconds", snap);
	fprintf(out, "} %.3f\n", snap->counters_since);
	header(out, "xdpcast_build_info", "gauge", "Always 1; the labels say which xdpcast runs.");
	pop_label(out, "xdpcast_build_info", snap);
	fputs(",version=\"", out);
	label(out, snap->version);
	fputs("\"} 1\n", out);
	if (fclose(out)) {
		free(text);
		return NULL;
	}
	return text;
}
