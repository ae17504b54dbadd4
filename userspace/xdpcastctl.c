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

#include "bgp.h"
#include "blocklist.h"
#include "catchment_map.h"
#include "clock.h"
#include "config.h"
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
"  catchment           the client networks (IPv4 /24, IPv6 /48) this PoP\n"
"                      answers from XDP, most answers first, with their share\n"
"                      and how long ago the latest was sent\n"
"  drain [PREFIX]      keep announcing PREFIX (every anycast prefix without\n"
"                      one) but less attractively: prepends of bgp.asn\n"
"                      (--prepend N, default bgp.drain.prepend) and the\n"
"                      bgp.drain.communities; kept across restarts\n"
"  undrain [PREFIX]    end a drain or a withdraw of PREFIX (or of every prefix)\n"
"  withdraw [PREFIX]   with xdpcastd running: withdraw PREFIX (or every\n"
"                      prefix) until undrain, kept across restarts. Without\n"
"                      it: write the withdrawn BIRD include file (no routes\n"
"                      in xdpcast4/xdpcast6) and ask BIRD to configure, for\n"
"                      BIRD's first start and the stop hook of the unit\n"
"\n"
"Options:\n"
"  -d, --pin-dir DIR    where xdpcastd pinned its maps (default " XDPCAST_DEFAULT_PIN_DIR ")\n"
"  -s, --control-socket PATH  xdpcastd's control socket (default " XDPCAST_DEFAULT_CONTROL_SOCKET ")\n"
"  -c, --config FILE    withdraw: read bird_include and bird_socket from\n"
"                       xdpcastd's config file\n"
"      --bird-include PATH  withdraw: the include file (default " XDPCAST_DEFAULT_BIRD_INCLUDE ")\n"
"      --bird-socket PATH   withdraw: BIRD's control socket (default " XDPCAST_DEFAULT_BIRD_SOCKET "),\n"
"                       'none': write the file only\n"
"      --after-failure  withdraw: the stop hook's; only when systemd says the\n"
"                       service failed ($SERVICE_RESULT is not 'success': a\n"
"                       clean stop has withdrawn already and a handover must\n"
"                       not), and never asking a daemon\n"
"  -p, --prepend N      drain: prepend bgp.asn N times (0..10)\n"
"  -j, --json           print JSON instead of text\n"
"  -a, --all            stats: list reasons that counted nothing too\n"
"  -w, --watch SECONDS  stats: print rates every SECONDS until interrupted\n"
"  -n, --count N        stats --watch: stop after N reports\n"
"  -t, --top N          catchment: the N networks with the most answers\n"
"                       (default 10; 0: every one)\n"
"      --since SECONDS  catchment: only networks answered within the last\n"
"                       SECONDS (where BGP sends clients now)\n"
"  -h, --help           show this help\n"
"\n"
"Exit status: 0 on success, 1 on any error (which is printed on stderr).\n";

struct ctl {
	const char *pin_dir;
	const char *socket;
	const char *config;
	const char *bird_include, *bird_socket;
	int json, all, watch, count, after_failure;
	int prepend;                    /* drain --prepend; -1: the daemon's default */
	int top;                        /* catchment: networks shown; 0: all */
	double since;                   /* catchment: answered within SECONDS; 0: ever */
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

/* "PREFIX: STATE (prepend N) (WHY)[, exported by BIRD]" */
static void print_prefix(const json_t *item, bool bird)
{
	const char *why = json_string_value(json_object_get(item, "why"));

	printf("%s: %s", json_string_value(json_object_get(item, "prefix")),
	       json_string_value(json_object_get(item, "state")));
	if (json_integer_value(json_object_get(item, "prepend")))
		printf(" (prepend %lld)", json_integer_value(json_object_get(item, "prepend")));
	if (why)
		printf(" (%s)", why);
	if (bird)
		printf(json_is_true(json_object_get(item, "exported")) ? ", exported by BIRD" : ", not exported by BIRD");
	putchar('\n');
}

/* What BIRD is asked for and what it says: reachable or why not, sessions. */
static void print_bgp(const json_t *bgp)
{
	const char *socket = json_string_value(json_object_get(bgp, "bird_socket"));
	const json_t *item;
	size_t i;

	json_array_foreach(json_object_get(bgp, "prefixes"), i, item) {
		printf("anycast ");
		print_prefix(item, socket != NULL);
	}
	if (!socket) {
		printf("bgp: not controlled (no BIRD socket)\n");
		return;
	}
	if (!json_is_true(json_object_get(bgp, "connected"))) {
		printf("bgp: BIRD at %s unreachable: %s\n", socket, json_string_value(json_object_get(bgp, "error")));
		return;
	}
	printf("bgp: BIRD at %s%s\n", socket, error_suffix(bgp));
	json_array_foreach(json_object_get(bgp, "sessions"), i, item)
		printf("session %s %s\n", json_string_value(json_object_get(item, "protocol")),
		       json_string_value(json_object_get(item, "state")));
	json_array_foreach(json_object_get(bgp, "exported"), i, item)
		printf("announced %s\n", json_string_value(item));
}

static int cmd_status(const struct ctl *ctl)
{
	char err[512];
	json_t *status = control_request(ctl->socket, "status", err, sizeof(err)), *item;
	const char *reload_error;
	size_t i;

	if (!status)
		return fail(err);
	if (ctl->json)
		return print_json(status);
	printf("pop %s, xdpcast %s, pid %lld, %s, program id %lld%s\n",
	       json_string_value(json_object_get(status, "pop")), json_string_value(json_object_get(status, "version")),
	       json_integer_value(json_object_get(status, "pid")), json_string_value(json_object_get(status, "phase")),
	       json_integer_value(json_object_get(status, "program_id")),
	       json_is_true(json_object_get(status, "took_over")) ? " (took over from the previous xdpcastd)" : "");
	json_array_foreach(json_object_get(status, "interfaces"), i, item) {
		printf("interface %s (ifindex %lld): ", json_string_value(json_object_get(item, "name")),
		       json_integer_value(json_object_get(item, "ifindex")));
		if (json_is_true(json_object_get(item, "attached")))
			printf("%s mode", json_string_value(json_object_get(item, "xdp_mode")));
		else
			printf("not attached, %s", json_string_value(json_object_get(item, "holder")));
		if (json_integer_value(json_object_get(item, "reattached")))
			printf(" (attached again %lld times after someone detached it)",
			       json_integer_value(json_object_get(item, "reattached")));
		putchar('\n');
	}
	printf("generation %lld: %lld answers%s\n", json_integer_value(json_object_get(status, "generation")),
	       json_integer_value(json_object_get(status, "answers")),
	       json_is_true(json_object_get(status, "zones_loading")) ? " (a reload is running)" : "");
	reload_error = json_string_value(json_object_get(status, "reload_error"));
	if (reload_error)
		printf("reload failed (%lld failures so far), the generation in force keeps answering: %s\n",
		       json_integer_value(json_object_get(status, "reload_failures")), reload_error);
	json_array_foreach(json_object_get(status, "zones"), i, item)
		printf("zone %s serial %lld, %lld records from %s\n", json_string_value(json_object_get(item, "zone")),
		       json_integer_value(json_object_get(item, "serial")),
		       json_integer_value(json_object_get(item, "records")),
		       json_string_value(json_object_get(item, "file")));
	json_array_foreach(json_object_get(status, "transfers"), i, item)
		printf("transfer %s from %s: serial %lld, %s%s\n", json_string_value(json_object_get(item, "zone")),
		       json_string_value(json_object_get(item, "primary")),
		       json_integer_value(json_object_get(item, "serial")),
		       json_is_true(json_object_get(item, "fresh")) ? "fresh" : "not served", error_suffix(item));
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

/* Seconds from the network's latest answer to now (an answer may come
 * after the clock was read). */
static double answered_ago(const struct catchment_network *net, double now)
{
	double ago = now - net->last_ns / 1e9;

	return ago > 0 ? ago : 0;
}

/* Networks answered within ctl->since seconds (all without it), the top
 * ctl->top of them; each one's share is of the answers of all those. */
static int cmd_catchment(const struct ctl *ctl)
{
	uint64_t considered = 0;
	struct catchment c;
	size_t shown = 0;
	char err[512];
	double now;
	json_t *out;

	if (catchment_read(ctl->pin_dir, &c, err, sizeof(err)))
		return fail(err);
	now = clock_monotonic();
	for (size_t i = 0; i < c.count; i++)
		if (!ctl->since || answered_ago(&c.networks[i], now) <= ctl->since)
			considered += c.networks[i].answers;
	out = json_array();
	if (!ctl->json)
		printf("%-44s %12s %7s  %s\n", "network", "answers", "share", "latest answer");
	for (size_t i = 0; i < c.count && (!ctl->top || shown < (size_t)ctl->top); i++) {
		const struct catchment_network *net = &c.networks[i];
		double ago = answered_ago(net, now), share = considered ? (double)net->answers / considered : 0;
		char text[64];

		if (ctl->since && ago > ctl->since)
			continue;
		shown++;
		prefix_format(&net->prefix, text, sizeof(text));
		if (ctl->json)
			json_array_append_new(out, json_pack("{s:s, s:I, s:f, s:f}", "prefix", text, "answers",
							     (json_int_t)net->answers, "share", share,
							     "latest_seconds_ago", ago));
		else
			printf("%-44s %12llu %6.1f%%  %.1f s ago\n", text, (unsigned long long)net->answers, share * 100, ago);
	}
	if (!ctl->json)
		printf("%zu of %zu networks shown, %llu answers in all (the map keeps the %d latest networks)\n", shown,
		       c.count, (unsigned long long)c.answers, XDPCAST_CATCHMENT_MAX);
	catchment_free(&c);
	if (ctl->json)
		return print_json(out);
	json_decref(out);
	return 0;
}

/* The prefix as the daemon writes it (192.0.2.0/24, 2001:db8:53::/48),
 * or "all" without one. */
static int prefix_arg(const char *arg, char *out, size_t len, char *err, size_t errlen)
{
	struct xdpcast_lpm_key key;

	if (!arg) {
		snprintf(out, len, "all");
		return 0;
	}
	if (prefix_parse(arg, &key, err, errlen))
		return -1;
	prefix_format(&key, out, len);
	return 0;
}

/* drain, undrain, withdraw through the daemon: each prefix's state after. */
static int cmd_maintain(const struct ctl *ctl, const char *verb, const char *arg)
{
	char prefix[64], command[128], err[512];
	const json_t *item;
	json_t *reply;
	size_t i;

	if (prefix_arg(arg, prefix, sizeof(prefix), err, sizeof(err)))
		return fail(err);
	if (!strcmp(verb, "drain") && ctl->prepend >= 0)
		snprintf(command, sizeof(command), "drain %s %d", prefix, ctl->prepend);
	else
		snprintf(command, sizeof(command), "%s %s", verb, prefix);
	reply = control_request(ctl->socket, command, err, sizeof(err));
	if (!reply)
		return fail(err);
	if (!json_is_true(json_object_get(reply, "ok"))) {
		snprintf(err, sizeof(err), "%s", json_string_value(json_object_get(reply, "error")));
		json_decref(reply);
		return fail(err);
	}
	if (ctl->json)
		return print_json(reply);
	json_array_foreach(json_object_get(reply, "prefixes"), i, item)
		print_prefix(item, false);
	json_decref(reply);
	return 0;
}

/* The stop hook's job (and BIRD's first start): no routes, no daemon needed. */
static int cmd_withdraw(const struct ctl *ctl, const char *arg)
{
	const char *result = getenv("SERVICE_RESULT");
	struct options opts;
	const char *include, *socket;
	char err[512];
	json_t *status;
	int ret;

	if (ctl->after_failure && result && !strcmp(result, "success")) {
		printf("xdpcastd ended cleanly (SERVICE_RESULT=success): nothing to withdraw\n");
		return 0;
	}
	/* A running daemon would announce again at its next round: ask it. */
	if (!ctl->after_failure && (status = control_request(ctl->socket, "status", err, sizeof(err)))) {
		json_decref(status);
		return cmd_maintain(ctl, "withdraw", arg);
	}
	if (arg)
		return fail("withdraw PREFIX needs a running xdpcastd; without one, withdraw empties the whole file");
	options_defaults(&opts);
	if (ctl->config && config_load(ctl->config, &opts, err, sizeof(err))) {
		options_free(&opts);
		return fail(err);
	}
	include = ctl->bird_include ? ctl->bird_include : opts.bird_include;
	socket = ctl->bird_socket ? ctl->bird_socket : opts.bird_socket;
	if (socket && !strcmp(socket, "none"))
		socket = NULL;
	ret = bgp_withdraw_now(include, socket, err, sizeof(err));
	if (ret)
		fprintf(stderr, "xdpcastctl: %s\n", err);
	else
		printf("withdrawn: %s has no routes%s%s\n", include, socket ? "; BIRD reconfigured at " : "",
		       socket ? socket : "");
	options_free(&opts);
	return ret ? 1 : 0;
}

enum { OPT_BIRD_INCLUDE = 256, OPT_BIRD_SOCKET, OPT_AFTER_FAILURE, OPT_SINCE };

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "pin-dir", required_argument, NULL, 'd' },
		{ "control-socket", required_argument, NULL, 's' },
		{ "config", required_argument, NULL, 'c' },
		{ "bird-include", required_argument, NULL, OPT_BIRD_INCLUDE },
		{ "bird-socket", required_argument, NULL, OPT_BIRD_SOCKET },
		{ "after-failure", no_argument, NULL, OPT_AFTER_FAILURE },
		{ "prepend", required_argument, NULL, 'p' },
		{ "json", no_argument, NULL, 'j' },
		{ "all", no_argument, NULL, 'a' },
		{ "watch", required_argument, NULL, 'w' },
		{ "count", required_argument, NULL, 'n' },
		{ "top", required_argument, NULL, 't' },
		{ "since", required_argument, NULL, OPT_SINCE },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct ctl ctl = { .pin_dir = XDPCAST_DEFAULT_PIN_DIR, .socket = XDPCAST_DEFAULT_CONTROL_SOCKET, .prepend = -1,
			    .top = 10 };
	const char *command;
	int c, args;

	while ((c = getopt_long(argc, argv, "d:s:c:jaw:n:p:t:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'd': ctl.pin_dir = optarg; break;
		case 's': ctl.socket = optarg; break;
		case 'c': ctl.config = optarg; break;
		case OPT_BIRD_INCLUDE: ctl.bird_include = optarg; break;
		case OPT_BIRD_SOCKET: ctl.bird_socket = optarg; break;
		case OPT_AFTER_FAILURE: ctl.after_failure = 1; break;
		case 'p': ctl.prepend = atoi(optarg); break;
		case 'j': ctl.json = 1; break;
		case 'a': ctl.all = 1; break;
		case 'w': ctl.watch = atoi(optarg); break;
		case 'n': ctl.count = atoi(optarg); break;
		case 't': ctl.top = atoi(optarg); break;
		case OPT_SINCE: ctl.since = atof(optarg); break;
		case 'h': fputs(usage, stdout); return 0;
		default: fputs(usage, stderr); return 1;
		}
	}
	if (optind == argc) {
		fputs(usage, stderr);
		return 1;
	}
	if (ctl.watch < 0 || ctl.count < 0 || ctl.top < 0 || ctl.since < 0)
		return fail("--watch, --count, --top and --since take positive numbers");
	if (ctl.prepend > 10 || (ctl.prepend < 0 && ctl.prepend != -1))
		return fail("--prepend takes 0 to 10");
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
	if (strcmp(command, "catchment") == 0 && args == 0)
		return cmd_catchment(&ctl);
	if (strcmp(command, "block") == 0)
		return cmd_block(&ctl, args, argv + optind + 1);
	if (strcmp(command, "withdraw") == 0 && args <= 1)
		return cmd_withdraw(&ctl, args ? argv[optind + 1] : NULL);
	if ((strcmp(command, "drain") == 0 || strcmp(command, "undrain") == 0) && args <= 1)
		return cmd_maintain(&ctl, command, args ? argv[optind + 1] : NULL);
	fprintf(stderr, "xdpcastctl: unknown command or wrong arguments: '%s' (see xdpcastctl --help)\n", command);
	return 1;
}
