// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * xdpcastctl: inspect and steer a running xdpcastd, through its pinned maps
 * (stats, block, lookup, answers) and its control socket (status, reload,
 * drain, undrain, withdraw). The pins are found through the daemon: status
 * says where it pinned them, and they are reached through its mount
 * namespace, so a daemon started under `ip netns exec` (which has a
 * /sys/fs/bpf of its own) needs no --pin-dir.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <bpf/libbpf.h>
#include <jansson.h>
#include <linux/bpf.h>
#include <libknot/libknot.h>

#include "bgp.h"
#include "blocklist.h"
#include "catchment_map.h"
#include "clock.h"
#include "control.h"
#include "lookup.h"
#include "options.h"
#include "prefix.h"
#include "reasons.h"
#include "stats.h"
#include "utf8.h"

#ifndef XDPCAST_VERSION
#define XDPCAST_VERSION "dev"
#endif

static const char usage[] =
"Usage: xdpcastctl [OPTIONS] COMMAND [ARGS]\n"
"\n"
"Commands:\n"
"  stats               packets per reason and interface, summed over CPUs;\n"
"                      reasons that counted nothing are left out (--all);\n"
"                      with --watch SECONDS, packets per second\n"
"  status              interfaces, XDP mode, program id, zone generation and\n"
"                      serials, transfers, health checks and what BIRD\n"
"                      announces (from the daemon); past 20 zones or\n"
"                      transfers, a line sums them up (--all: each)\n"
"  lookup NAME [TYPE]  what the fast path does with a query for NAME (type A\n"
"                      by default): the running program answers it, decoded\n"
"  answers NAME        the same for every common type: what the answer cache\n"
"                      holds for NAME, as the program serves it\n"
"  reload              reload every zone and the config file, as SIGHUP does,\n"
"                      and say whether it worked\n"
"  block add PREFIX    drop packets from PREFIX (IPv4 or IPv6) from the next\n"
"                      packet on, until 'block del' or xdpcastd stops (a\n"
"                      handover restart keeps it)\n"
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
"Options (named as xdpcastd's):\n"
"  -s, --control-socket PATH  xdpcastd's control socket\n"
"                       (default " XDPCAST_DEFAULT_CONTROL_SOCKET ")\n"
"  -d, --pin-dir DIR    where xdpcastd pinned its maps; without it, where the\n"
"                       daemon says (seen through its mount namespace), else\n"
"                       " XDPCAST_DEFAULT_PIN_DIR "\n"
"  -c, --config FILE    xdpcastd's config file: its control_socket, pin_dir,\n"
"                       bird_include and bird_socket unless given as flags\n"
"      --bird-include PATH  withdraw: the include file (default " XDPCAST_DEFAULT_BIRD_INCLUDE ")\n"
"  -b, --bird-socket PATH   withdraw: BIRD's control socket (default " XDPCAST_DEFAULT_BIRD_SOCKET "),\n"
"                       'none': write the file only\n"
"      --after-failure  withdraw: the stop hook's; only when systemd says the\n"
"                       service failed ($SERVICE_RESULT is not 'success': a\n"
"                       clean stop has withdrawn already and a handover must\n"
"                       not), never asking a daemon; when it cannot read the\n"
"                       config file, at the paths given here, else the defaults\n"
"  -p, --prepend N      drain: prepend bgp.asn N times (" BIRD_PREPEND_RANGE ")\n"
"      --timeout SECONDS  how long xdpcastd may take to answer (default 30;\n"
"                       reload: as long as the load takes; 0: however long)\n"
"  -j, --json           print JSON instead of text, errors too ({\"error\": ...})\n"
"  -a, --all            stats: list reasons that counted nothing too;\n"
"                       status: every zone and transfer, however many\n"
"  -w, --watch SECONDS  stats: print rates every SECONDS until interrupted\n"
"  -n, --count N        stats --watch: stop after N reports\n"
"  -t, --top N          catchment: the N networks with the most answers\n"
"                       (default 10; 0: every one)\n"
"      --since SECONDS  catchment: only networks answered within the last\n"
"                       SECONDS (where BGP sends clients now)\n"
"      --dnssec         lookup, answers: ask with DO=1, as validating resolvers\n"
"                       do (signed zones' RRSIGs and proofs of denial)\n"
"  -h, --help           show this help\n"
"  -V, --version        show the version\n"
"\n"
"Exit status: 0 on success, 1 on any error (which is printed on stderr, or\n"
"as JSON on stdout with --json).\n";

/* The options that change what one command or two do, as --help says:
 * given to another, they were ignored without a word (withdraw --prepend
 * 3, stats --count 2 without --watch). Paths are not among them: like
 * --pin-dir, they say where things are, for whichever command needs them.
 * A bit each in ctl.scoped and command.options. */
enum scoped_option {
	SCOPED_PREPEND, SCOPED_ALL, SCOPED_WATCH, SCOPED_COUNT, SCOPED_TOP, SCOPED_SINCE, SCOPED_DNSSEC,
	SCOPED_AFTER_FAILURE,
};
static const char *const scoped_names[] = {
	[SCOPED_PREPEND] = "--prepend", [SCOPED_ALL] = "--all", [SCOPED_WATCH] = "--watch", [SCOPED_COUNT] = "--count",
	[SCOPED_TOP] = "--top", [SCOPED_SINCE] = "--since", [SCOPED_DNSSEC] = "--dnssec",
	[SCOPED_AFTER_FAILURE] = "--after-failure",
};
#define SCOPED(option) (1u << SCOPED_##option)

struct ctl {
	const char *pin_dir;            /* --pin-dir or the config's; NULL: found through the daemon */
	char found_pin_dir[PATH_MAX];
	const char *socket;
	const char *config;
	const char *bird_include, *bird_socket;
	bool json, all, after_failure, dnssec;
	int watch, count;
	int prepend;                    /* drain --prepend; -1: the daemon's default */
	int timeout;                    /* --timeout; -1: answer_timeout's default */
	unsigned scoped;                /* SCOPED() of each scoped option given */
	struct options opts;            /* the config file's */
	json_t *status;                 /* the daemon's, once asked; NULL: not reachable */
	int status_errno;               /* then why: connect's errno, 0 when a daemon is there (busy, say) */
	bool status_asked;
	int top;                        /* catchment: networks shown; 0: all */
	int since;                      /* catchment: answered within SECONDS; 0: ever */
};

static bool json_errors;

/* Seconds the daemon may take to answer command before xdpcastctl gives
 * up on it (a stopped or stuck one would hang it): --timeout, else 30, a
 * reload as long as its load takes (minutes, for large zones). */
static int answer_timeout(const struct ctl *ctl, const char *command)
{
	if (ctl->timeout >= 0)
		return ctl->timeout;
	return strcmp(command, "reload") ? 30 : 0;
}

static int print_json(json_t *value)
{
	json_dumpf(value, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	putchar('\n');
	fflush(stdout);
	json_decref(value);
	return 0;
}

/* One error, as text on stderr or with --json as {"error": ...} on stdout
 * (an argument it quotes may not be UTF-8: json_text). */
static int fail(const char *err)
{
	if (json_errors)
		print_json(json_pack("{s:o}", "error", json_text(err)));
	else
		fprintf(stderr, "xdpcastctl: %s\n", err);
	return 1;
}

/* The daemon's status, asked once; NULL when it cannot be reached or
 * answers with an error (busy: it was printed as a status of nulls). */
static json_t *daemon_status(struct ctl *ctl, char *err, size_t errlen)
{
	static char why[512];

	if (!ctl->status_asked) {
		ctl->status = control_request(ctl->socket, "status", answer_timeout(ctl, "status"), why, sizeof(why));
		ctl->status_errno = ctl->status ? 0 : errno;
		ctl->status_asked = true;
		if (ctl->status && !json_is_true(json_object_get(ctl->status, "ok"))) {
			snprintf(why, sizeof(why), "%s", json_string_value(json_object_get(ctl->status, "error")) ?: "?");
			json_decref(ctl->status);
			ctl->status = NULL;
		}
	}
	if (!ctl->status)
		snprintf(err, errlen, "%s", why);
	return ctl->status;
}

static bool same_mount_namespace(long long pid)
{
	char path[64];
	struct stat ours, theirs;

	snprintf(path, sizeof(path), "/proc/%lld/ns/mnt", pid);
	return stat("/proc/self/ns/mnt", &ours) || stat(path, &theirs) || ours.st_ino == theirs.st_ino;
}

/* Where the pins are: --pin-dir (or the config's pin_dir); else where the
 * running daemon says it pinned them, through /proc/PID/root when it sees
 * another mount namespace; else the default. */
static const char *pin_dir(struct ctl *ctl)
{
	char err[512];
	json_t *status;
	const char *dir;
	long long pid;

	if (ctl->pin_dir)
		return ctl->pin_dir;
	status = daemon_status(ctl, err, sizeof(err));
	dir = json_string_value(json_object_get(status, "pin_dir"));
	pid = json_integer_value(json_object_get(status, "pid"));
	if (!dir)
		snprintf(ctl->found_pin_dir, sizeof(ctl->found_pin_dir), "%s", XDPCAST_DEFAULT_PIN_DIR);
	else if (pid > 0 && !same_mount_namespace(pid))
		snprintf(ctl->found_pin_dir, sizeof(ctl->found_pin_dir), "/proc/%lld/root%s", pid, dir);
	else
		snprintf(ctl->found_pin_dir, sizeof(ctl->found_pin_dir), "%s", dir);
	ctl->pin_dir = ctl->found_pin_dir;
	return ctl->pin_dir;
}

/* An error of a command that reads the pins. Where they are missing,
 * "(is xdpcastd running?)" misled when it runs with its pins elsewhere (a
 * --pin-dir or config of another PoP's): then where they are is said too. */
static int fail_pins(struct ctl *ctl, const char *err)
{
	char prog[PATH_MAX + 16], why[512], text[1400];
	const char *dir;

	snprintf(prog, sizeof(prog), "%s/xdpcast_prog", ctl->pin_dir ?: "");
	if (!ctl->pin_dir || ctl->pin_dir == ctl->found_pin_dir || !access(prog, F_OK) ||
	    !daemon_status(ctl, why, sizeof(why)))
		return fail(err);
	dir = json_string_value(json_object_get(ctl->status, "pin_dir"));
	if (!dir || !strcmp(dir, ctl->pin_dir))
		return fail(err);
	snprintf(text, sizeof(text), "%s; xdpcastd at %s pinned its maps in %s", err, ctl->socket, dir);
	return fail(text);
}

/* ---- stats ---- */

struct columns {
	char names[XDPCAST_MAX_IFACES][IF_NAMESIZE + 16];
	__u32 ifindex[XDPCAST_MAX_IFACES];
	size_t count;
};

/* The interface of each stats slot: named by the daemon; without one, by
 * the program's own table of ifindexes, named here when the interface of
 * that index runs this very program (else it is another namespace's). */
static int interface_columns(struct ctl *ctl, struct columns *cols, char *err, size_t errlen)
{
	const char *pins = pin_dir(ctl);
	json_t *status = daemon_status(ctl, err, errlen), *iface;
	__u32 ifindex[XDPCAST_MAX_IFACES] = { 0 }, prog_id;
	size_t i;

	cols->count = 0;
	/* The daemon's names are ours only for its pins, not for a --pin-dir elsewhere. */
	if (status && pins != ctl->found_pin_dir &&
	    strcmp(pins, json_string_value(json_object_get(status, "pin_dir")) ?: ""))
		status = NULL;
	if (status) {
		json_array_foreach(json_object_get(status, "interfaces"), i, iface) {
			if (i >= XDPCAST_MAX_IFACES)
				break;
			cols->ifindex[cols->count] = json_integer_value(json_object_get(iface, "ifindex"));
			snprintf(cols->names[cols->count++], sizeof(cols->names[0]), "%s",
				 json_string_value(json_object_get(iface, "name")));
		}
		return 0;
	}
	if (stats_slot_ifindexes(pins, ifindex, &prog_id, err, errlen))
		return -1;
	for (i = 0; i < XDPCAST_MAX_IFACES; i++) {
		LIBBPF_OPTS(bpf_xdp_query_opts, attached);
		char name[IF_NAMESIZE];

		/* A slot without an interface (one missing since the daemon's
		 * start) keeps its place: the slots after it are counted too. */
		if (!ifindex[i])
			snprintf(cols->names[i], sizeof(cols->names[0]), "(none)");
		else if (!bpf_xdp_query(ifindex[i], 0, &attached) &&
		    (attached.prog_id == prog_id || attached.drv_prog_id == prog_id || attached.skb_prog_id == prog_id) &&
		    if_indextoname(ifindex[i], name))
			snprintf(cols->names[i], sizeof(cols->names[0]), "%s", name);
		else
			snprintf(cols->names[i], sizeof(cols->names[0]), "ifindex %u", ifindex[i]);
		cols->ifindex[i] = ifindex[i];
		if (ifindex[i])
			cols->count = i + 1;
	}
	return 0;
}

/* One report's counts: each interface's slot with its column. */
struct sample {
	struct xdpcast_stats slots[XDPCAST_STATS_SLOTS];
	struct columns cols;
};

/* The previous report's slot of column i of now: the same interface (its
 * ifindex, or its name when it was made again), wherever a takeover put
 * its slot; -1 when it is new. */
static int previous_slot(const struct sample *now, const struct sample *previous, size_t i)
{
	for (size_t k = 0; k < previous->cols.count; k++)
		if (now->cols.ifindex[i] && previous->cols.ifindex[k] == now->cols.ifindex[i])
			return k;
	for (size_t k = 0; k < previous->cols.count; k++)
		if (!strcmp(previous->cols.names[k], now->cols.names[i]))
			return k;
	return -1;
}

/* Packets of column i since the previous report. A count below the
 * previous one was reset (a daemon that started with fresh maps) and a
 * new interface began at 0: what they hold now was all counted since. */
static unsigned long long counted(const struct sample *now, const struct sample *previous, size_t i, int reason)
{
	unsigned long long n = stats_counter((struct xdpcast_stats *)&now->slots[i], reason)->packets, before;
	int k = previous ? previous_slot(now, previous, i) : -1;

	if (k < 0)
		return n;
	before = stats_counter((struct xdpcast_stats *)&previous->slots[k], reason)->packets;
	return n >= before ? n - before : n;
}

/* One report: counts, or with `previous` the rates since it over `seconds`. */
static void print_stats(const struct ctl *ctl, const struct sample *now, const struct sample *previous, int seconds)
{
	const struct columns *cols = &now->cols;
	json_t *report = json_object();
	size_t rows = 0;

	if (!ctl->json) {
		printf("%-20s %-6s", "reason", "action");
		for (size_t i = 0; i < cols->count; i++)
			printf(" %14s", cols->names[i]);
		printf(" %14s\n", previous ? "total/s" : "total");
	}
	for (int r = 0; r < XDPCAST_REASON_MAX; r++) {
		unsigned long long sum = 0;
		json_t *per_iface;

		for (size_t i = 0; i < cols->count; i++)
			sum += counted(now, previous, i, r);
		if (!sum && !ctl->all)
			continue;
		rows++;
		per_iface = json_object();
		if (!ctl->json)
			printf("%-20s %-6s", reason_names[r], reason_actions[r]);
		for (size_t i = 0; i < cols->count; i++) {
			unsigned long long n = counted(now, previous, i, r);

			if (previous)
				n /= seconds;
			if (ctl->json)
				json_object_set_new(per_iface, cols->names[i], json_integer(n));
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
		print_json(report);
		return;
	}
	if (!rows && previous)
		printf("(no packets in the last %d s)\n", seconds);
	else if (!rows)
		printf("(no packets counted yet)\n");
	fflush(stdout);
	json_decref(report);
}

/* The counters and whose they are, asked afresh: between two reports a
 * daemon may have been restarted, its interfaces in other slots. */
static int sample(struct ctl *ctl, struct sample *out, char *err, size_t errlen)
{
	json_decref(ctl->status);
	ctl->status = NULL;
	ctl->status_asked = false;
	/* Found through the daemon: found again (a new one's /proc/PID/root),
	 * unless none answers now (in a handover the pins stay where they were). */
	if (ctl->pin_dir == ctl->found_pin_dir && daemon_status(ctl, err, errlen))
		ctl->pin_dir = NULL;
	if (stats_read(pin_dir(ctl), out->slots, err, errlen))
		return -1;
	return interface_columns(ctl, &out->cols, err, errlen);
}

static int cmd_stats(struct ctl *ctl)
{
	static struct sample samples[2];
	struct sample *now = &samples[0], *previous = &samples[1], *swap;
	char err[512];

	if (sample(ctl, now, err, sizeof(err)))
		return fail_pins(ctl, err);
	if (!ctl->watch) {
		print_stats(ctl, now, NULL, 0);
		return 0;
	}
	for (int reports = 0; !ctl->count || reports < ctl->count; reports++) {
		swap = previous;
		previous = now;
		now = swap;
		sleep(ctl->watch);
		if (sample(ctl, now, err, sizeof(err)))
			return fail_pins(ctl, err);
		print_stats(ctl, now, previous, ctl->watch);
	}
	return 0;
}

/* ---- status and the control socket ---- */

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

/* What the prefix lines say of BIRD: nothing (no BIRD socket, or a
 * drain's answer), what it exports, or that it is not known. */
enum bird_view { BIRD_UNSAID, BIRD_REACHED, BIRD_NOT_REACHED };

/* "PREFIX: STATE (prepend N) (WHY)[, exported by BIRD]" */
static void print_prefix(const json_t *item, enum bird_view bird)
{
	const char *why = json_string_value(json_object_get(item, "why"));

	printf("%s: %s", json_string_value(json_object_get(item, "prefix")),
	       json_string_value(json_object_get(item, "state")));
	if (json_integer_value(json_object_get(item, "prepend")))
		printf(" (prepend %lld)", json_integer_value(json_object_get(item, "prepend")));
	if (why)
		printf(" (%s)", why);
	/* Not reached, what BIRD exports is not known: "not exported" it was. */
	if (bird == BIRD_NOT_REACHED)
		printf(", exported by BIRD or not: BIRD not reached");
	else if (bird == BIRD_REACHED)
		printf(json_is_true(json_object_get(item, "exported")) ? ", exported by BIRD" : ", not exported by BIRD");
	putchar('\n');
}

/* What BIRD is asked for and what it says: reachable or why not, sessions. */
static void print_bgp(const json_t *bgp)
{
	const char *socket = json_string_value(json_object_get(bgp, "bird_socket"));
	const char *error = json_string_value(json_object_get(bgp, "error"));
	const json_t *item;
	size_t i;

	json_array_foreach(json_object_get(bgp, "prefixes"), i, item) {
		printf("anycast ");
		print_prefix(item, !socket ? BIRD_UNSAID : json_is_true(json_object_get(bgp, "connected")) ?
				   BIRD_REACHED : BIRD_NOT_REACHED);
	}
	if (!socket) {
		printf("bgp: not controlled (no BIRD socket)\n");
		return;
	}
	/* Not connected without an error: the first try has not ended yet. */
	if (!json_is_true(json_object_get(bgp, "connected"))) {
		if (error)
			printf("bgp: BIRD at %s unreachable: %s\n", socket, error);
		else
			printf("bgp: BIRD at %s not reached yet\n", socket);
		return;
	}
	printf("bgp: BIRD at %s%s\n", socket, error_suffix(bgp));
	json_array_foreach(json_object_get(bgp, "sessions"), i, item)
		printf("session %s %s\n", json_string_value(json_object_get(item, "protocol")),
		       json_string_value(json_object_get(item, "state")));
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

/* Beyond this many zones or transfers, status sums them up in a line
 * (and lists the transfers in trouble) unless --all: a PoP of 100,000
 * zones would print 100,000 lines. */
#define STATUS_LISTED_MAX 20

static void print_zones(const json_t *zones, bool all)
{
	json_int_t records = 0, names = 0, bytes = 0;
	const json_t *item;
	char size[32];
	size_t i;

	if (all || json_array_size(zones) <= STATUS_LISTED_MAX) {
		json_array_foreach(zones, i, item)
			printf("zone %s%s%s serial %lld, %lld records from %s: %lld names, %s in the cache\n",
			       json_string_value(json_object_get(item, "zone")),
			       json_is_string(json_object_get(item, "view")) ? " in view " : "",
			       json_string_value(json_object_get(item, "view")) ?: "",
			       json_integer_value(json_object_get(item, "serial")),
			       json_integer_value(json_object_get(item, "records")),
			       json_string_value(json_object_get(item, "file")),
			       json_integer_value(json_object_get(item, "cache_entries")),
			       size_text(json_integer_value(json_object_get(item, "cache_bytes")), size));
		return;
	}
	json_array_foreach(zones, i, item) {
		records += json_integer_value(json_object_get(item, "records"));
		names += json_integer_value(json_object_get(item, "cache_entries"));
		bytes += json_integer_value(json_object_get(item, "cache_bytes"));
	}
	printf("zones: %zu, %lld records: %lld names, %s in the cache (each with --all)\n", json_array_size(zones),
	       (long long)records, (long long)names, size_text(bytes, size));
}

/* Not served, or failing (a catalog: its copy refused). During a start a transfer that runs is its
 * first (a failed one is retried only once started): progress, not
 * trouble, thousands of them from a distant primary. */
static bool transfer_in_trouble(const json_t *item, bool starting)
{
	if (starting && json_is_true(json_object_get(item, "running")))
		return false;
	return json_is_string(json_object_get(item, "error")) || json_is_string(json_object_get(item, "catalog_refused")) ||
	       !(json_is_true(json_object_get(item, "fresh")) || json_is_true(json_object_get(item, "is_catalog")));
}

static void print_transfer(const json_t *item)
{
	const char *fallback = json_string_value(json_object_get(item, "ixfr_fallback"));
	const char *catalog = json_string_value(json_object_get(item, "catalog"));
	const char *refused = json_string_value(json_object_get(item, "catalog_refused"));

	printf("transfer %s from %s%s%s: serial %lld, %s%s", json_string_value(json_object_get(item, "zone")),
	       json_string_value(json_object_get(item, "primary")), catalog ? ", member of catalog " : "",
	       catalog ? catalog : "", json_integer_value(json_object_get(item, "serial")),
	       json_is_true(json_object_get(item, "is_catalog")) ? "catalog (not served)" :
	       json_is_true(json_object_get(item, "fresh")) ? "fresh" : "not served", error_suffix(item));
	if (refused)
		printf("; %s, its members as the last good copy listed them", refused);
	printf(fallback ? "; last AXFR because %s\n" : "\n", fallback);
}

/* ", members (counted under it) eth1, eth2" of an interface's JSON list,
 * if it has any. */
static void print_members(const json_t *members)
{
	const json_t *name;
	size_t i;

	json_array_foreach(members, i, name)
		printf("%s%s", i ? ", " : ", members (counted under it) ", json_string_value(name));
}

/* The step a start is at: the zone files and the program, the first
 * transfers, then the answer cache before the program is attached. */
static void print_start(const json_t *start)
{
	/* None from an older xdpcastd (a package upgraded, its restart to come). */
	const char *step = json_string_value(json_object_get(start, "step")) ?: "";
	json_int_t transfers = json_integer_value(json_object_get(start, "transfers")),
		   failed = json_integer_value(json_object_get(start, "failed"));

	if (!strcmp(step, "reading")) {
		printf("starting: reading the zone files and loading the program");
		if (transfers)
			printf(", then %lld first transfers", (long long)transfers);
		printf("; the program is attached once the zones are in\n");
		return;
	}
	printf("starting: %lld of %lld first transfers done", json_integer_value(json_object_get(start, "done")),
	       (long long)transfers);
	if (failed)
		printf(", %lld failed (listed below)", (long long)failed);
	fputs(!strcmp(step, "loading") ? "; compiling the zones into the answer cache, then attaching the program\n" :
	      "; the program is attached once all are done\n", stdout);
}

/* Every transfer, or (past STATUS_LISTED_MAX) those not served or failing
 * (during a start: those that failed) and a line for the rest. */
static void print_transfers(const json_t *transfers, bool all, bool starting)
{
	bool listed = all || json_array_size(transfers) <= STATUS_LISTED_MAX;
	size_t i, fresh = 0, catalogs = 0, trouble = 0, being_transferred = 0;
	const json_t *item;
	char transferring[64] = "";

	json_array_foreach(transfers, i, item) {
		bool is_fresh = json_is_true(json_object_get(item, "fresh")),
		     is_catalog = json_is_true(json_object_get(item, "is_catalog")),
		     in_trouble = transfer_in_trouble(item, starting);

		fresh += is_fresh;
		catalogs += is_catalog;
		trouble += in_trouble;
		being_transferred += !is_fresh && !is_catalog && !in_trouble;
		if (listed || in_trouble)
			print_transfer(item);
	}
	if (being_transferred)
		snprintf(transferring, sizeof(transferring), ", %zu being transferred", being_transferred);
	if (!listed)
		printf("transfers: %zu, %zu fresh%s, %zu catalogs, %zu not served or failing%s (each with --all)\n",
		       json_array_size(transfers), fresh, transferring, catalogs, trouble,
		       trouble ? ", listed above" : "");
}

static int cmd_status(struct ctl *ctl)
{
	char err[512];
	json_t *status = daemon_status(ctl, err, sizeof(err)), *item, *cache, *start;
	const char *reload_error;
	char size[32];
	size_t i;

	if (!status)
		return fail(err);
	if (ctl->json)
		return print_json(json_incref(status));
	start = json_object_get(status, "start");
	printf("pop %s, xdpcast %s, pid %lld, %s, program id %lld%s\n",
	       json_string_value(json_object_get(status, "pop")), json_string_value(json_object_get(status, "version")),
	       json_integer_value(json_object_get(status, "pid")), json_string_value(json_object_get(status, "phase")),
	       json_integer_value(json_object_get(status, "program_id")),
	       !json_is_true(json_object_get(status, "took_over")) ? "" :
	       json_is_object(start) ? " (taking over from the previous xdpcastd, whose program runs meanwhile)" :
	       " (took over from the previous xdpcastd)");
	if (json_is_object(start))
		print_start(start);
	json_array_foreach(json_object_get(status, "interfaces"), i, item) {
		printf("interface %s (ifindex %lld): ", json_string_value(json_object_get(item, "name")),
		       json_integer_value(json_object_get(item, "ifindex")));
		if (json_is_true(json_object_get(item, "attached")))
			printf("%s mode", json_string_value(json_object_get(item, "xdp_mode")));
		else
			printf("not attached, %s", json_string_value(json_object_get(item, "holder")));
		if (json_integer_value(json_object_get(item, "reattached")))
			printf(" (attached again %lld times: detached by someone, or the interface made again)",
			       json_integer_value(json_object_get(item, "reattached")));
		print_members(json_object_get(item, "members"));
		putchar('\n');
	}
	cache = json_object_get(status, "cache");
	printf("generation %lld: %lld names in the answer cache, %s of kernel memory",
	       json_integer_value(json_object_get(status, "generation")),
	       json_integer_value(json_object_get(cache, "entries")),
	       size_text(json_integer_value(json_object_get(cache, "bytes")), size));
	if (json_integer_value(json_object_get(cache, "max_bytes")))
		printf(" (cap %s)", size_text(json_integer_value(json_object_get(cache, "max_bytes")), size));
	printf("; xdpcastd %s resident%s\n", size_text(json_integer_value(json_object_get(status, "rss_bytes")), size),
	       json_is_true(json_object_get(status, "zones_loading")) && !json_is_object(start) ?
	       " (a reload is running)" : "");  /* a start's load: print_start said so */
	reload_error = json_string_value(json_object_get(status, "reload_error"));
	if (reload_error)
		printf("reload failed (%lld failures so far), the generation in force keeps answering: %s\n",
		       json_integer_value(json_object_get(status, "reload_failures")), reload_error);
	if (json_is_string(json_object_get(status, "restart_pending")))
		printf("config changed, applied at the next start (%s): %s\n",
		       json_string_value(json_object_get(status, "restart_advice")),
		       json_string_value(json_object_get(status, "restart_pending")));
	print_zones(json_object_get(status, "zones"), ctl->all);
	print_transfers(json_object_get(status, "transfers"), ctl->all, json_is_object(start));
	json_array_foreach(json_object_get(status, "checks"), i, item)
		printf("check %s %s%s\n", json_string_value(json_object_get(item, "check")),
		       json_is_true(json_object_get(item, "up")) ? "up" : "down", error_suffix(item));
	print_bgp(json_object_get(status, "bgp"));
	return 0;
}

static int cmd_reload(struct ctl *ctl)
{
	char err[512];
	json_t *reply = control_request(ctl->socket, "reload", answer_timeout(ctl, "reload"), err, sizeof(err));
	int ok;

	if (!reply)
		return fail(err);
	ok = json_is_true(json_object_get(reply, "ok"));
	if (ctl->json) {
		print_json(reply);
		return ok ? 0 : 1;
	}
	if (ok) {
		json_t *keys = json_object_get(reply, "restart_keys"), *key;
		size_t i;

		printf("reloaded: generation %lld\n", json_integer_value(json_object_get(reply, "generation")));
		/* A changed key a reload cannot apply must not pass for applied. */
		if (json_array_size(keys)) {
			printf("changed, applied at the next start (%s): ",
			       json_string_value(json_object_get(reply, "restart_advice")));
			json_array_foreach(keys, i, key)
				printf("%s%s", i ? ", " : "", json_string_value(key));
			putchar('\n');
		}
	} else if (json_is_integer(json_object_get(reply, "generation"))) {
		snprintf(err, sizeof(err), "reload failed, generation %lld keeps answering: %s",
			 json_integer_value(json_object_get(reply, "generation")),
			 json_string_value(json_object_get(reply, "error")));
		fail(err);
	} else {
		/* Refused before any load (busy): "generation 0 keeps answering" was untrue. */
		fail(json_string_value(json_object_get(reply, "error")) ?: "?");
	}
	json_decref(reply);
	return ok ? 0 : 1;
}

/* ---- lookups: the running program answers ---- */

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
	knot_dump_style_t style = KNOT_DUMP_STYLE_DEFAULT;

	style.original_ttl = false;     /* an RRSIG's TTL as sent, not its Original TTL field */

	for (uint16_t i = 0; i < records->count; i++) {
		char text[4096], *buf = text;
		size_t len = sizeof(text);

		const knot_rrset_t *rr = knot_pkt_rr(records, i);
		size_t out = 0;

		if (rr->type == KNOT_RRTYPE_OPT || knot_rrset_txt_dump(rr, &buf, &len, &style) <= 0)
			continue;
		/* knot pads the owner for columns: one space between fields instead */
		for (size_t in = 0; text[in] && text[in] != '\n'; in++) {
			if (text[in] == ' ' && (text[in + 1] == ' ' || text[in + 1] == '\t'))
				continue;
			text[out++] = text[in] == '\t' ? ' ' : text[in];
		}
		text[out] = '\0';
		json_array_append_new(list, json_text(text));
	}
	json_object_set_new(out, name, list);
}

/* The header's flags that are set, in kdig's order. */
static json_t *header_flags(const uint8_t *wire)
{
	static const struct {
		const char *name;
		uint8_t (*set)(const uint8_t *wire);        /* the flag's bit, or 0 */
	} flags[] = { { "qr", knot_wire_get_qr }, { "aa", knot_wire_get_aa }, { "tc", knot_wire_get_tc },
		      { "rd", knot_wire_get_rd }, { "ra", knot_wire_get_ra }, { "z", knot_wire_get_z },
		      { "ad", knot_wire_get_ad }, { "cd", knot_wire_get_cd } };
	json_t *out = json_array();

	for (size_t i = 0; i < sizeof(flags) / sizeof(flags[0]); i++)
		if (flags[i].set(wire))
			json_array_append_new(out, json_string(flags[i].name));
	return out;
}

/* What the program does with a query for name and qtype, decoded; NULL + err. */
static json_t *lookup_json(struct ctl *ctl, const char *name, uint16_t qtype, char *err, size_t errlen)
{
	struct lookup_result res;
	char type[16];
	json_t *out;

	if (lookup_run(pin_dir(ctl), name, qtype, ctl->dnssec, &res, err, errlen))
		return NULL;
	knot_rrtype_to_string(qtype, type, sizeof(type));
	/* The name as given, which need not be UTF-8 (a label with a byte 0xff). */
	out = json_pack("{s:o, s:s, s:s, s:s, s:s}", "name", json_text(name), "type", type, "verdict",
			verdict_name(res.verdict), "reason", res.reason < XDPCAST_REASON_MAX ? reason_names[res.reason] : "?", "client",
			LOOKUP_CLIENT);
	if (res.dns_len) {
		knot_pkt_t *pkt = knot_pkt_new(res.dns, res.dns_len, NULL);

		if (pkt && knot_pkt_parse(pkt, 0) == KNOT_EOK) {
			const knot_lookup_t *rcode = knot_lookup_by_id(knot_rcode_names, knot_pkt_ext_rcode(pkt));

			json_object_set_new(out, "rcode", json_string(rcode ? rcode->name : "?"));
			json_object_set_new(out, "aa", json_boolean(knot_wire_get_aa(pkt->wire)));
			json_object_set_new(out, "tc", json_boolean(knot_wire_get_tc(pkt->wire)));
			json_object_set_new(out, "flags", header_flags(pkt->wire));
			json_object_set_new(out, "edns", pkt->opt_rr ?
					    json_pack("{s:i, s:b, s:i}", "version", knot_edns_get_version(pkt->opt_rr),
						      "do", knot_edns_do(pkt->opt_rr), "udp_size",
						      knot_edns_get_payload(pkt->opt_rr)) : json_null());
			add_records(out, pkt, KNOT_ANSWER, "answer");
			add_records(out, pkt, KNOT_AUTHORITY, "authority");
			add_records(out, pkt, KNOT_ADDITIONAL, "additional");
		}
		knot_pkt_free(pkt);
	}
	return out;
}

/* "NAME TYPE: verdict (reason)", then the response's sections. */
static void print_lookup(const json_t *out)
{
	static const char *const sections[] = { "answer", "authority", "additional" };
	const json_t *line;
	size_t i;

	printf("%s %s: %s (%s)\n", json_string_value(json_object_get(out, "name")),
	       json_string_value(json_object_get(out, "type")), json_string_value(json_object_get(out, "verdict")),
	       json_string_value(json_object_get(out, "reason")));
	if (!json_object_get(out, "rcode"))
		return;
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

static int cmd_lookup(struct ctl *ctl, const char *name, const char *type)
{
	uint16_t qtype = KNOT_RRTYPE_A;
	char err[512];
	json_t *out;

	if (type && knot_rrtype_from_string(type, &qtype)) {
		snprintf(err, sizeof(err), "'%s' is not a record type", type);
		return fail(err);
	}
	if (!(out = lookup_json(ctl, name, qtype, err, sizeof(err))))
		return fail_pins(ctl, err);
	if (ctl->json)
		return print_json(out);
	print_lookup(out);
	json_decref(out);
	return 0;
}

/*
 * What the answer cache holds for a name, as the program serves it: one
 * lookup per common type, through the pinned program like `lookup`, so the
 * view does not depend on how the cache is laid out in its maps.
 */
static int cmd_answers(struct ctl *ctl, const char *name)
{
	static const uint16_t types[] = {
		KNOT_RRTYPE_SOA, KNOT_RRTYPE_NS, KNOT_RRTYPE_A, KNOT_RRTYPE_AAAA, KNOT_RRTYPE_CNAME, KNOT_RRTYPE_DNAME,
		KNOT_RRTYPE_MX, KNOT_RRTYPE_TXT, KNOT_RRTYPE_SRV, KNOT_RRTYPE_PTR, KNOT_RRTYPE_CAA, KNOT_RRTYPE_DS,
		KNOT_RRTYPE_DNSKEY, KNOT_RRTYPE_SVCB, KNOT_RRTYPE_HTTPS,
	};
	json_t *all = json_array(), *one;
	char err[512];

	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		if (!(one = lookup_json(ctl, name, types[i], err, sizeof(err)))) {
			json_decref(all);
			return fail_pins(ctl, err);
		}
		if (!ctl->json) {
			print_lookup(one);
			if (i + 1 < sizeof(types) / sizeof(types[0]))
				putchar('\n');
		}
		json_array_append_new(all, one);
	}
	if (ctl->json)
		return print_json(json_pack("{s:o, s:o}", "name", json_text(name), "answers", all));
	json_decref(all);
	return 0;
}

/* ---- the blocklist and maintenance ---- */

static int cmd_block(struct ctl *ctl, int argc, char **argv)
{
	struct xdpcast_lpm_key prefix;
	char err[512], text[64];
	int done;

	if (argc == 1 && strcmp(argv[0], "list") == 0) {
		struct blocked_prefix *list;
		size_t count;
		json_t *out;

		if (blocklist_list(pin_dir(ctl), &list, &count, err, sizeof(err)))
			return fail_pins(ctl, err);
		out = json_array();
		for (size_t i = 0; i < count; i++) {
			const char *origin = list[i].kind == SOURCE_BLOCKED_LIVE ? "live" :
					     list[i].kind == SOURCE_BLOCKED_BOTH ? "live, config" : "config";
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
	done = strcmp(argv[0], "add") == 0 ? blocklist_add(pin_dir(ctl), &prefix, err, sizeof(err))
					    : blocklist_del(pin_dir(ctl), &prefix, err, sizeof(err));
	if (done < 0)
		return fail_pins(ctl, err);
	prefix_format(&prefix, text, sizeof(text));
	if (ctl->json)
		return print_json(json_pack("{s:b, s:s, s:b}", "ok", 1, argv[0][0] == 'a' ? "added" : "deleted", text,
					    "config_stays", done == BLOCKLIST_CONFIG_STAYS));
	if (argv[0][0] == 'a')
		printf("%s: blocked (live: until block del or xdpcastd stops)\n", text);
	else if (done == BLOCKLIST_CONFIG_STAYS)
		printf("%s: the live block is lifted; the config file's blocklist still has it\n", text);
	else
		printf("%s: unblocked\n", text);
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
static int cmd_catchment(struct ctl *ctl)
{
	uint64_t considered = 0;
	struct catchment c;
	size_t shown = 0;
	char err[512];
	double now;
	json_t *out;

	if (catchment_read(pin_dir(ctl), &c, err, sizeof(err)))
		return fail_pins(ctl, err);
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
		printf("%zu of %zu networks shown, %llu answers in all (the map keeps up to %d networks per CPU)\n",
		       shown, c.count, (unsigned long long)c.answers, XDPCAST_CATCHMENT_MAX);
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
static int cmd_maintain(struct ctl *ctl, const char *verb, const char *arg)
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
	reply = control_request(ctl->socket, command, answer_timeout(ctl, verb), err, sizeof(err));
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
		print_prefix(item, BIRD_UNSAID);
	if (json_is_string(json_object_get(reply, "warning")))
		fprintf(stderr, "xdpcastctl: warning: %s\n", json_string_value(json_object_get(reply, "warning")));
	json_decref(reply);
	return 0;
}

/* The stop hook's job (and BIRD's first start): no routes, no daemon needed. */
static int cmd_withdraw(struct ctl *ctl, const char *arg)
{
	const char *result = getenv("SERVICE_RESULT");
	bool bird_running;
	char err[512];
	int withdrawn;

	if (ctl->after_failure && result && !strcmp(result, "success")) {
		if (ctl->json)
			return print_json(json_pack("{s:b, s:b, s:s}", "ok", 1, "withdrawn", 0, "reason",
						    "SERVICE_RESULT=success"));
		printf("xdpcastd ended cleanly (SERVICE_RESULT=success): nothing to withdraw\n");
		return 0;
	}
	/* A running daemon would announce again at its next round: ask it.
	 * One we may not ask (not root), or too busy or stuck to answer, runs
	 * all the same: the file is ours to empty only where nothing listens. */
	if (!ctl->after_failure && daemon_status(ctl, err, sizeof(err)))
		return cmd_maintain(ctl, "withdraw", arg);
	if (!ctl->after_failure && ctl->status_errno != ENOENT && ctl->status_errno != ECONNREFUSED) {
		size_t n = strlen(err);

		/* What withdraws there, in the hurry a withdrawal is asked in. */
		if (ctl->status_errno != EACCES && ctl->status_errno != EPERM)
			snprintf(err + n, sizeof(err) - n, "; to withdraw, stop that xdpcastd (the unit's stop hook "
				 "withdraws), or withdraw once nothing listens");
		return fail(err);
	}
	if (arg)
		return fail("withdraw PREFIX needs a running xdpcastd; without one, withdraw empties the whole file");
	withdrawn = bgp_withdraw_now(ctl->bird_include, ctl->bird_socket, err, sizeof(err));
	if (withdrawn < 0)
		return fail(err);
	bird_running = ctl->bird_socket && withdrawn != BGP_WITHDRAWN_BIRD_DOWN;
	if (ctl->json)
		return print_json(json_pack("{s:b, s:b, s:o, s:o, s:b}", "ok", 1, "withdrawn", 1, "bird_include",
					    json_text(ctl->bird_include), "bird_socket",
					    ctl->bird_socket ? json_text(ctl->bird_socket) : json_null(), "bird_running",
					    bird_running));
	printf("withdrawn: %s has no routes", ctl->bird_include);
	if (bird_running)
		printf("; BIRD reconfigured at %s", ctl->bird_socket);
	else if (ctl->bird_socket)
		printf("; no BIRD at %s: it reads the file when it starts", ctl->bird_socket);
	if (ctl->after_failure && result)       /* why, in the unit's journal: exit-code, signal, watchdog ... */
		printf(" (xdpcastd ended: SERVICE_RESULT=%s)", result);
	else if (!ctl->after_failure)   /* during a handover, say: its successor announces a moment later */
		printf(" (no xdpcastd running: the next to start decides again)");
	printf("\n");
	return 0;
}

/* ---- the command line ---- */

/* A whole number from min to max, or -1. */
static int number(const char *text, int min, int max)
{
	char *end;
	long n;

	errno = 0;
	n = strtol(text, &end, 10);
	return !*text || *end || errno || n < min || n > max ? -1 : (int)n;
}

enum { OPT_BIRD_INCLUDE = 256, OPT_AFTER_FAILURE, OPT_SINCE, OPT_DNSSEC, OPT_TIMEOUT };

static const char shortopts[] = ":d:s:c:b:p:jaw:n:t:hV";
static const struct option longopts[] = {
	{ "pin-dir", required_argument, NULL, 'd' },
	{ "control-socket", required_argument, NULL, 's' },
	{ "config", required_argument, NULL, 'c' },
	{ "bird-include", required_argument, NULL, OPT_BIRD_INCLUDE },
	{ "bird-socket", required_argument, NULL, 'b' },
	{ "after-failure", no_argument, NULL, OPT_AFTER_FAILURE },
	{ "prepend", required_argument, NULL, 'p' },
	{ "json", no_argument, NULL, 'j' },
	{ "all", no_argument, NULL, 'a' },
	{ "watch", required_argument, NULL, 'w' },
	{ "count", required_argument, NULL, 'n' },
	{ "top", required_argument, NULL, 't' },
	{ "since", required_argument, NULL, OPT_SINCE },
	{ "dnssec", no_argument, NULL, OPT_DNSSEC },
	{ "timeout", required_argument, NULL, OPT_TIMEOUT },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

/* Whether --json is anywhere on the command line, so that an error in an
 * option before it is JSON too. getopt itself looks, so that "-j" as an
 * option's argument, or "j" in a cluster after one taking an argument, is
 * not taken for it. */
static bool json_asked(int argc, char **argv)
{
	char *scanned[argc + 1];        /* getopt reorders what it scans: the parse must see argv as typed */
	bool json = false;
	int c;

	options_argv_copy(argc, argv, scanned);
	opterr = 0;
	while ((c = getopt_long(argc, scanned, shortopts, longopts, NULL)) != -1)
		json |= c == 'j';
	optind = 0;     /* glibc: the next getopt_long starts over */
	return json;
}

/* Flags, then the config file's values for what no flag gave. */
static int parse_options(int argc, char **argv, struct ctl *ctl)
{
	char err[512];
	int c;

	ctl->json = json_errors = json_asked(argc, argv);
	while ((c = getopt_long(argc, argv, shortopts, longopts, NULL)) != -1) {
		ctl->scoped |= c == 'p' ? SCOPED(PREPEND) : c == 'a' ? SCOPED(ALL) : c == 'w' ? SCOPED(WATCH) :
			       c == 'n' ? SCOPED(COUNT) : c == 't' ? SCOPED(TOP) : c == OPT_SINCE ? SCOPED(SINCE) :
			       c == OPT_DNSSEC ? SCOPED(DNSSEC) : c == OPT_AFTER_FAILURE ? SCOPED(AFTER_FAILURE) : 0;
		switch (c) {
		case 'd': ctl->pin_dir = optarg; break;
		case 's': ctl->socket = optarg; break;
		case 'c': ctl->config = optarg; break;
		case OPT_BIRD_INCLUDE: ctl->bird_include = optarg; break;
		case 'b': ctl->bird_socket = optarg; break;
		case OPT_AFTER_FAILURE: ctl->after_failure = true; break;
		case OPT_DNSSEC: ctl->dnssec = true; break;
		case 'j': break;        /* json_asked */
		case 'a': ctl->all = true; break;
		case 'p':
			if ((ctl->prepend = number(optarg, 0, BIRD_PREPEND_MAX)) < 0)
				return fail("--prepend takes " BIRD_PREPEND_RANGE);
			break;
		case 'w':
			if ((ctl->watch = number(optarg, 1, 86400)) < 0)
				return fail("--watch takes 1 to 86400 seconds");
			break;
		case 'n':
			if ((ctl->count = number(optarg, 1, INT_MAX)) < 0)
				return fail("--count takes a number of reports, 1 or more");
			break;
		case 't':
			if ((ctl->top = number(optarg, 0, INT_MAX)) < 0)
				return fail("--top takes a number of networks, 0 (every one) or more");
			break;
		case OPT_SINCE:
			if ((ctl->since = number(optarg, 1, 86400 * 365)) < 0)
				return fail("--since takes 1 to 31536000 seconds (a year)");
			break;
		case OPT_TIMEOUT:
			if ((ctl->timeout = number(optarg, 0, 86400)) < 0)
				return fail("--timeout takes 0 (however long) to 86400 seconds");
			break;
		case 'h': fputs(usage, stdout); exit(0);
		case 'V': printf("xdpcastctl %s\n", XDPCAST_VERSION); exit(0);
		case ':':
			snprintf(err, sizeof(err), "%s needs an argument (see xdpcastctl --help)", argv[optind - 1]);
			return fail(err);
		default:
			snprintf(err, sizeof(err), "unknown option '%s' (see xdpcastctl --help)", argv[optind - 1]);
			return fail(err);
		}
	}
	options_defaults(&ctl->opts);
	if (ctl->config && config_load_paths(ctl->config, &ctl->opts, err, sizeof(err))) {
		/* The stop hook withdraws even when the file that failed the start
		 * is not YAML at all: where the daemon writes by default. */
		if (!ctl->after_failure)
			return fail(err);
		fprintf(stderr, "xdpcastctl: %s: withdrawing at the paths given here, else the defaults\n", err);
		options_free(&ctl->opts);
		options_defaults(&ctl->opts);
	}
	if (!ctl->pin_dir && strcmp(ctl->opts.pin_dir, XDPCAST_DEFAULT_PIN_DIR))
		ctl->pin_dir = ctl->opts.pin_dir;
	if (!ctl->socket)
		ctl->socket = ctl->opts.control_socket;
	if (!ctl->bird_include)
		ctl->bird_include = ctl->opts.bird_include;
	if (!ctl->bird_socket)
		ctl->bird_socket = ctl->opts.bird_socket;      /* NULL when the config says none */
	else if (!strcmp(ctl->bird_socket, "none"))
		ctl->bird_socket = NULL;
	return 0;
}

/* Every command, the arguments it takes (as --help writes them), so that
 * a wrong count is named as such, and the scoped options it takes. */
static const struct command {
	const char *name, *args;
	int min, max;
	unsigned options;
} commands[] = {
	{ "stats", NULL, 0, 0, SCOPED(ALL) | SCOPED(WATCH) | SCOPED(COUNT) }, { "status", NULL, 0, 0, SCOPED(ALL) },
	{ "lookup", "NAME [TYPE]", 1, 2, SCOPED(DNSSEC) }, { "answers", "NAME", 1, 1, SCOPED(DNSSEC) },
	{ "catchment", NULL, 0, 0, SCOPED(TOP) | SCOPED(SINCE) }, { "reload", NULL, 0, 0, 0 },
	{ "block", "add PREFIX, del PREFIX or list", 1, 2, 0 }, { "drain", "[PREFIX]", 0, 1, SCOPED(PREPEND) },
	{ "undrain", "[PREFIX]", 0, 1, 0 },
	{ "withdraw", "[PREFIX]", 0, 1, SCOPED(AFTER_FAILURE) },
};
#define COMMANDS (sizeof(commands) / sizeof(commands[0]))

static int run(struct ctl *ctl, const char *command, int args, char **argv)
{
	const struct command *c = NULL;
	char err[512];

	for (size_t i = 0; i < COMMANDS && !c; i++)
		if (!strcmp(commands[i].name, command))
			c = &commands[i];
	if (!c) {
		snprintf(err, sizeof(err), "unknown command '%s' (see xdpcastctl --help)", command);
		return fail(err);
	}
	if (args < c->min || args > c->max) {
		snprintf(err, sizeof(err), "%s takes %s (see xdpcastctl --help)", command,
			 c->args ? c->args : "no arguments");
		return fail(err);
	}
	for (size_t o = 0; o < sizeof(scoped_names) / sizeof(scoped_names[0]); o++) {
		if (ctl->scoped & ~c->options & 1u << o) {
			snprintf(err, sizeof(err), "%s is not an option of %s (see xdpcastctl --help)", scoped_names[o],
				 command);
			return fail(err);
		}
	}
	if ((ctl->scoped & SCOPED(COUNT)) && !ctl->watch)
		return fail("--count counts the reports of --watch: stats --watch SECONDS --count N");
	if (!strcmp(command, "stats"))
		return cmd_stats(ctl);
	if (!strcmp(command, "status"))
		return cmd_status(ctl);
	if (!strcmp(command, "reload"))
		return cmd_reload(ctl);
	if (!strcmp(command, "lookup"))
		return cmd_lookup(ctl, argv[0], args == 2 ? argv[1] : NULL);
	if (!strcmp(command, "answers"))
		return cmd_answers(ctl, argv[0]);
	if (!strcmp(command, "catchment"))
		return cmd_catchment(ctl);
	if (!strcmp(command, "block"))
		return cmd_block(ctl, args, argv);
	if (!strcmp(command, "withdraw"))
		return cmd_withdraw(ctl, args ? argv[0] : NULL);
	return cmd_maintain(ctl, command, args ? argv[0] : NULL);       /* drain, undrain */
}

/* "a command is needed: stats, status, ..." */
static int no_command(void)
{
	char err[512];
	size_t used = snprintf(err, sizeof(err), "a command is needed:");

	for (size_t i = 0; i < COMMANDS; i++)
		used += snprintf(err + used, sizeof(err) - used, "%s %s", i ? "," : "", commands[i].name);
	snprintf(err + used, sizeof(err) - used, " (see xdpcastctl --help)");
	return fail(err);
}

int main(int argc, char **argv)
{
	struct ctl ctl = { .prepend = -1, .timeout = -1, .top = 10 };
	int ret;

	ret = parse_options(argc, argv, &ctl);
	if (!ret && optind == argc)
		ret = no_command();
	if (!ret)
		ret = run(&ctl, argv[optind], argc - optind - 1, argv + optind + 1);
	json_decref(ctl.status);
	options_free(&ctl.opts);
	return ret;
}
