// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * xdpcastctl: inspect and steer a running xdpcastd, through its pinned maps
 * (stats, block, lookup) and its control socket (status, reload).
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <jansson.h>
#include <linux/bpf.h>
#include <libknot/libknot.h>

#include "blocklist.h"
#include "control.h"
#include "lookup.h"
#include "prefix.h"
#include "reasons.h"
#include "stats.h"

static const char usage[] =
"Usage: xdpcastctl [OPTIONS] COMMAND [ARGS]\n"
"\n"
"Commands:\n"
"  stats               packets per reason and interface, summed over CPUs;\n"
"                      with --watch, packets per second\n"
"  status              interfaces, XDP mode, program id, zone generation and\n"
"                      serials, transfers, health checks and what BIRD\n"
"                      announces (from the daemon)\n"
"  lookup NAME [TYPE]  what the fast path does with a query for NAME (type A\n"
"                      by default): the running program answers it, decoded\n"
"  reload              reload every zone and the config file, as SIGHUP does,\n"
"                      and say whether it worked\n"
"  block add PREFIX    drop packets from PREFIX (IPv4 or IPv6) from the next\n"
"                      packet on, until 'block del' or xdpcastd restarts\n"
"  block del PREFIX    stop dropping a prefix added with 'block add'\n"
"  block list          every blocked prefix, from the config file and live\n"
"\n"
"Options:\n"
"  -d, --pin-dir DIR    where xdpcastd pinned its maps (default " XDPCAST_DEFAULT_PIN_DIR ")\n"
"  -s, --socket PATH    xdpcastd's control socket (default " XDPCAST_DEFAULT_CONTROL_SOCKET ")\n"
"  -j, --json           print JSON instead of text\n"
"  -a, --all            stats: list reasons that counted nothing too\n"
"  -w, --watch SECONDS  stats: print rates every SECONDS until interrupted\n"
"  -n, --count N        stats --watch: stop after N reports\n"
"  -h, --help           show this help\n"
"\n"
"Exit status: 0 on success, 1 on any error (which is printed on stderr).\n";

struct ctl {
	const char *pin_dir;
	const char *socket;
	int json, all, watch, count;
};

static int fail(const char *err)
{
	fprintf(stderr, "xdpcastctl: %s\n", err);
	return 1;
}

static int print_json(json_t *value)
{
	json_dumpf(value, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	putchar('\n');
	json_decref(value);
	return 0;
}

/* Interface names by stats slot, from the daemon; "slotN" without it. */
static void iface_names(const struct ctl *ctl, char names[XDPCAST_MAX_IFACES][32], size_t *count)
{
	char err[512];
	json_t *status = control_request(ctl->socket, "status", err, sizeof(err)), *iface;
	size_t i;

	*count = XDPCAST_MAX_IFACES;
	for (i = 0; i < XDPCAST_MAX_IFACES; i++)
		snprintf(names[i], sizeof(names[i]), "slot%zu", i);
	if (!status)
		return;
	json_array_foreach(json_object_get(status, "interfaces"), i, iface)
		if (i < XDPCAST_MAX_IFACES)
			snprintf(names[i], sizeof(names[i]), "%s", json_string_value(json_object_get(iface, "name")));
	*count = json_array_size(json_object_get(status, "interfaces"));
	json_decref(status);
}

static unsigned long long total(struct xdpcast_stats *slots, size_t count, int reason)
{
	unsigned long long sum = 0;

	for (size_t i = 0; i < count; i++)
		sum += stats_counter(&slots[i], reason)->packets;
	return sum;
}

/* One report: counts, or with `previous` the rates since it over `seconds`. */
static void print_stats(const struct ctl *ctl, struct xdpcast_stats *now, struct xdpcast_stats *previous,
			int seconds, char names[][32], size_t count)
{
	json_t *report = json_object();

	if (!ctl->json) {
		printf("%-20s %-6s", "reason", "action");
		for (size_t i = 0; i < count; i++)
			printf(" %14s", names[i]);
		printf(" %14s\n", previous ? "total/s" : "total");
	}
	for (int r = 0; r < XDPCAST_REASON_MAX; r++) {
		unsigned long long sum = total(now, count, r) - (previous ? total(previous, count, r) : 0);
		json_t *per_iface;

		if (!sum && !ctl->all)
			continue;
		per_iface = json_object();
		if (!ctl->json)
			printf("%-20s %-6s", reason_names[r], reason_actions[r]);
		for (size_t i = 0; i < count; i++) {
			unsigned long long n = stats_counter(&now[i], r)->packets -
					       (previous ? stats_counter(&previous[i], r)->packets : 0);

			if (previous)
				n /= seconds;
			if (ctl->json)
				json_object_set_new(per_iface, names[i], json_integer(n));
			else
				printf(" %14llu", n);
		}
		if (ctl->json) {
			json_object_set_new(report, reason_names[r],
					    json_pack("{s:s, s:I, s:o}", "action", reason_actions[r],
						      previous ? "per_second" : "packets",
						      (json_int_t)(previous ? sum / seconds : sum), "interfaces", per_iface));
		} else {
			printf(" %14llu\n", previous ? sum / seconds : sum);
			json_decref(per_iface);
		}
	}
	if (ctl->json) {
		json_dumpf(report, stdout, JSON_COMPACT | JSON_PRESERVE_ORDER);
		putchar('\n');
	}
	json_decref(report);
	fflush(stdout);
}

static int cmd_stats(const struct ctl *ctl)
{
	struct xdpcast_stats now[XDPCAST_STATS_SLOTS], previous[XDPCAST_STATS_SLOTS];
	char names[XDPCAST_MAX_IFACES][32], err[512];
	size_t count;

	if (stats_read(ctl->pin_dir, now, err, sizeof(err)))
		return fail(err);
	iface_names(ctl, names, &count);
	if (!ctl->watch) {
		print_stats(ctl, now, NULL, 0, names, count);
		return 0;
	}
	for (int reports = 0; !ctl->count || reports < ctl->count; reports++) {
		memcpy(previous, now, sizeof(now));
		sleep(ctl->watch);
		if (stats_read(ctl->pin_dir, now, err, sizeof(err)))
			return fail(err);
		print_stats(ctl, now, previous, ctl->watch, names, count);
	}
	return 0;
}

/* ": ERROR" when the item has an error, else "". */
static const char *error_suffix(const json_t *item)
{
	static char text[600];
	const char *error = json_string_value(json_object_get(item, "error"));

	if (!error)
		return "";
	snprintf(text, sizeof(text), ": %s", error);
	return text;
}

/* What BIRD said: reachable or why not, sessions, what they export. */
static void print_bgp(const json_t *bgp)
{
	const char *socket = json_string_value(json_object_get(bgp, "bird_socket"));
	const json_t *item;
	size_t i;

	if (!socket) {
		printf("bgp: not controlled (no BIRD socket)\n");
		return;
	}
	if (!json_is_true(json_object_get(bgp, "connected"))) {
		printf("bgp: BIRD at %s unreachable: %s\n", socket, json_string_value(json_object_get(bgp, "error")));
		return;
	}
	printf("bgp: BIRD at %s\n", socket);
	json_array_foreach(json_object_get(bgp, "sessions"), i, item)
		printf("session %s %s\n", json_string_value(json_object_get(item, "protocol")),
		       json_string_value(json_object_get(item, "state")));
	json_array_foreach(json_object_get(bgp, "exported"), i, item)
		printf("announced %s\n", json_string_value(item));
}

/* Bytes as people read them: B, KiB, MiB, GiB. */
static const char *size_text(json_int_t bytes, char out[32])
{
	static const char *const units[] = { "B", "KiB", "MiB", "GiB" };
	double value = bytes;
	size_t u = 0;

	while (value >= 1024 && u + 1 < sizeof(units) / sizeof(units[0])) {
		value /= 1024;
		u++;
	}
	snprintf(out, 32, u ? "%.1f %s" : "%.0f %s", value, units[u]);
	return out;
}

static int cmd_status(const struct ctl *ctl)
{
	char err[512];
	json_t *status = control_request(ctl->socket, "status", err, sizeof(err)), *item, *cache;
	char size[32];
	size_t i;

	if (!status)
		return fail(err);
	if (ctl->json)
		return print_json(status);
	cache = json_object_get(status, "cache");
	printf("pop %s, xdpcast %s, program id %lld\n", json_string_value(json_object_get(status, "pop")),
	       json_string_value(json_object_get(status, "version")),
	       json_integer_value(json_object_get(status, "program_id")));
	json_array_foreach(json_object_get(status, "interfaces"), i, item)
		printf("interface %s (ifindex %lld): %s mode\n", json_string_value(json_object_get(item, "name")),
		       json_integer_value(json_object_get(item, "ifindex")),
		       json_string_value(json_object_get(item, "xdp_mode")));
	json_array_foreach(json_object_get(status, "anycast"), i, item)
		printf("anycast %s\n", json_string_value(item));
	printf("generation %lld: %lld names in the answer cache, %s of kernel memory",
	       json_integer_value(json_object_get(status, "generation")),
	       json_integer_value(json_object_get(cache, "entries")),
	       size_text(json_integer_value(json_object_get(cache, "bytes")), size));
	if (json_integer_value(json_object_get(cache, "max_bytes")))
		printf(" (cap %s)", size_text(json_integer_value(json_object_get(cache, "max_bytes")), size));
	printf("; xdpcastd %s resident\n", size_text(json_integer_value(json_object_get(status, "rss_bytes")), size));
	json_array_foreach(json_object_get(status, "zones"), i, item)
		printf("zone %s serial %lld, %lld records from %s: %lld names, %s in the cache\n",
		       json_string_value(json_object_get(item, "zone")),
		       json_integer_value(json_object_get(item, "serial")),
		       json_integer_value(json_object_get(item, "records")),
		       json_string_value(json_object_get(item, "file")),
		       json_integer_value(json_object_get(item, "cache_entries")),
		       size_text(json_integer_value(json_object_get(item, "cache_bytes")), size));
	json_array_foreach(json_object_get(status, "transfers"), i, item) {
		const char *fallback = json_string_value(json_object_get(item, "ixfr_fallback"));

		printf("transfer %s from %s: serial %lld, %s%s", json_string_value(json_object_get(item, "zone")),
		       json_string_value(json_object_get(item, "primary")),
		       json_integer_value(json_object_get(item, "serial")),
		       json_is_true(json_object_get(item, "fresh")) ? "fresh" : "not served", error_suffix(item));
		printf(fallback ? "; last AXFR because %s\n" : "\n", fallback);
	}
	json_array_foreach(json_object_get(status, "checks"), i, item)
		printf("check %s %s%s\n", json_string_value(json_object_get(item, "check")),
		       json_is_true(json_object_get(item, "up")) ? "up" : "down", error_suffix(item));
	print_bgp(json_object_get(status, "bgp"));
	json_decref(status);
	return 0;
}

static int cmd_reload(const struct ctl *ctl)
{
	char err[512];
	json_t *reply = control_request(ctl->socket, "reload", err, sizeof(err));
	int ok;

	if (!reply)
		return fail(err);
	ok = json_is_true(json_object_get(reply, "ok"));
	if (ctl->json) {
		print_json(reply);
		return ok ? 0 : 1;
	}
	if (ok)
		printf("reloaded: generation %lld\n", json_integer_value(json_object_get(reply, "generation")));
	else
		fprintf(stderr, "xdpcastctl: reload failed, generation %lld keeps answering: %s\n",
			json_integer_value(json_object_get(reply, "generation")),
			json_string_value(json_object_get(reply, "error")));
	json_decref(reply);
	return ok ? 0 : 1;
}

static const char *verdict_name(int verdict)
{
	return verdict == XDP_TX ? "answered in XDP" : verdict == XDP_PASS ? "passed to the server behind"
	       : verdict == XDP_DROP ? "dropped" : "aborted";
}

/* The response's records, a section at a time, as zone file lines. */
static void add_records(json_t *out, const knot_pkt_t *pkt, knot_section_t section, const char *name)
{
	const knot_pktsection_t *records = knot_pkt_section(pkt, section);
	json_t *list = json_array();

	for (uint16_t i = 0; i < records->count; i++) {
		char text[4096], *buf = text;
		size_t len = sizeof(text);

		const knot_rrset_t *rr = knot_pkt_rr(records, i);
		size_t out = 0;

		if (rr->type == KNOT_RRTYPE_OPT || knot_rrset_txt_dump(rr, &buf, &len, &KNOT_DUMP_STYLE_DEFAULT) <= 0)
			continue;
		/* knot pads the owner for columns: one space between fields instead */
		for (size_t in = 0; text[in] && text[in] != '\n'; in++) {
			if (text[in] == ' ' && (text[in + 1] == ' ' || text[in + 1] == '\t'))
				continue;
			text[out++] = text[in] == '\t' ? ' ' : text[in];
		}
		text[out] = '\0';
		json_array_append_new(list, json_string(text));
	}
	json_object_set_new(out, name, list);
}

static int cmd_lookup(const struct ctl *ctl, const char *name, const char *type)
{
	struct lookup_result res;
	uint16_t qtype = KNOT_RRTYPE_A;
	char err[512];
	json_t *out;

	if (type && knot_rrtype_from_string(type, &qtype)) {
		snprintf(err, sizeof(err), "'%s' is not a record type", type);
		return fail(err);
	}
	if (lookup_run(ctl->pin_dir, name, qtype, &res, err, sizeof(err)))
		return fail(err);
	out = json_pack("{s:s, s:s, s:s}", "verdict", verdict_name(res.verdict), "reason",
			res.reason < XDPCAST_REASON_MAX ? reason_names[res.reason] : "?", "client", LOOKUP_CLIENT);
	if (res.dns_len) {
		knot_pkt_t *pkt = knot_pkt_new(res.dns, res.dns_len, NULL);

		if (pkt && knot_pkt_parse(pkt, 0) == KNOT_EOK) {
			const knot_lookup_t *rcode = knot_lookup_by_id(knot_rcode_names, knot_pkt_ext_rcode(pkt));

			json_object_set_new(out, "rcode", json_string(rcode ? rcode->name : "?"));
			json_object_set_new(out, "aa", json_boolean(knot_wire_get_aa(pkt->wire)));
			json_object_set_new(out, "tc", json_boolean(knot_wire_get_tc(pkt->wire)));
			add_records(out, pkt, KNOT_ANSWER, "answer");
			add_records(out, pkt, KNOT_AUTHORITY, "authority");
			add_records(out, pkt, KNOT_ADDITIONAL, "additional");
		}
		knot_pkt_free(pkt);
	}
	if (ctl->json)
		return print_json(out);
	printf("%s %s: %s (%s)\n", name, type ? type : "A", json_string_value(json_object_get(out, "verdict")),
	       json_string_value(json_object_get(out, "reason")));
	if (json_object_get(out, "rcode")) {
		const char *sections[] = { "answer", "authority", "additional" };
		size_t i;
		json_t *line;

		printf("rcode %s%s%s\n", json_string_value(json_object_get(out, "rcode")),
		       json_is_true(json_object_get(out, "aa")) ? ", aa" : "",
		       json_is_true(json_object_get(out, "tc")) ? ", tc" : "");
		for (size_t s = 0; s < 3; s++) {
			if (json_array_size(json_object_get(out, sections[s])))
				printf(";; %s\n", sections[s]);
			json_array_foreach(json_object_get(out, sections[s]), i, line)
				printf("%s\n", json_string_value(line));
		}
	}
	json_decref(out);
	return 0;
}

static int cmd_block(const struct ctl *ctl, int argc, char **argv)
{
	struct xdpcast_lpm_key prefix;
	char err[512];

	if (argc == 1 && strcmp(argv[0], "list") == 0) {
		struct blocked_prefix *list;
		size_t count;
		json_t *out;

		if (blocklist_list(ctl->pin_dir, &list, &count, err, sizeof(err)))
			return fail(err);
		out = json_array();
		for (size_t i = 0; i < count; i++) {
			const char *origin = list[i].kind == SOURCE_BLOCKED_LIVE ? "live" : "config";
			char text[64];

			prefix_format(&list[i].prefix, text, sizeof(text));
			if (ctl->json)
				json_array_append_new(out, json_pack("{s:s, s:s}", "prefix", text, "origin", origin));
			else
				printf("%-44s %s\n", text, origin);
		}
		free(list);
		if (ctl->json)
			return print_json(out);
		json_decref(out);
		return 0;
	}
	if (argc != 2 || (strcmp(argv[0], "add") && strcmp(argv[0], "del")))
		return fail("block add PREFIX, block del PREFIX or block list");
	if (prefix_parse(argv[1], &prefix, err, sizeof(err)))
		return fail(err);
	if (strcmp(argv[0], "add") == 0 ? blocklist_add(ctl->pin_dir, &prefix, err, sizeof(err))
					: blocklist_del(ctl->pin_dir, &prefix, err, sizeof(err)))
		return fail(err);
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "pin-dir", required_argument, NULL, 'd' },
		{ "socket", required_argument, NULL, 's' },
		{ "json", no_argument, NULL, 'j' },
		{ "all", no_argument, NULL, 'a' },
		{ "watch", required_argument, NULL, 'w' },
		{ "count", required_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct ctl ctl = { .pin_dir = XDPCAST_DEFAULT_PIN_DIR, .socket = XDPCAST_DEFAULT_CONTROL_SOCKET };
	const char *command;
	int c, args;

	while ((c = getopt_long(argc, argv, "d:s:jaw:n:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'd': ctl.pin_dir = optarg; break;
		case 's': ctl.socket = optarg; break;
		case 'j': ctl.json = 1; break;
		case 'a': ctl.all = 1; break;
		case 'w': ctl.watch = atoi(optarg); break;
		case 'n': ctl.count = atoi(optarg); break;
		case 'h': fputs(usage, stdout); return 0;
		default: fputs(usage, stderr); return 1;
		}
	}
	if (optind == argc) {
		fputs(usage, stderr);
		return 1;
	}
	if (ctl.watch < 0 || ctl.count < 0)
		return fail("--watch and --count take positive numbers");
	command = argv[optind];
	args = argc - optind - 1;
	if (strcmp(command, "stats") == 0 && args == 0)
		return cmd_stats(&ctl);
	if (strcmp(command, "status") == 0 && args == 0)
		return cmd_status(&ctl);
	if (strcmp(command, "reload") == 0 && args == 0)
		return cmd_reload(&ctl);
	if (strcmp(command, "lookup") == 0 && (args == 1 || args == 2))
		return cmd_lookup(&ctl, argv[optind + 1], args == 2 ? argv[optind + 2] : NULL);
	if (strcmp(command, "block") == 0)
		return cmd_block(&ctl, args, argv + optind + 1);
	fprintf(stderr, "xdpcastctl: unknown command or wrong arguments: '%s' (see xdpcastctl --help)\n", command);
	return 1;
}
