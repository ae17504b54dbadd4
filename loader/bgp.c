// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "bgp.h"
#include "log.h"

#define BIRD_TIMEOUT_MS 2000

static bool backoff_due(const struct bgp_backoff *r, double now)
{
	return now >= r->at;
}

static void backoff_failed(struct bgp_backoff *r, double now)
{
	double wait = r->wait ? r->wait : 1;

	r->at = now + wait;
	r->wait = wait * 2 > BGP_BACKOFF_MAX_S ? BGP_BACKOFF_MAX_S : wait * 2;
}

static void backoff_reset(struct bgp_backoff *r)
{
	*r = (struct bgp_backoff){ 0 };
}

void bgp_init(struct bgp *b, const char *socket_path, const char *include_path, const struct drain_style *drain)
{
	memset(b, 0, sizeof(*b));
	b->socket_path = socket_path;
	b->include_path = include_path;
	b->drain = drain;
	b->bird.fd = -1;
	b->failures = (struct log_every)LOG_EVERY_BY_REASON(BGP_FAILURE_REMINDER_S);
	b->include_failures = (struct log_every)LOG_EVERY_BY_REASON(BGP_FAILURE_REMINDER_S);
}

void bgp_close(struct bgp *b)
{
	bird_close(&b->bird);
	b->connected = false;
}

static void forget_state(struct bgp *b)
{
	b->session_count = b->exported_count = 0;
}

/* Lost BIRD (or never had it): say so once per reason, then retry less
 * and less often. */
static void lost(struct bgp *b, double now, const char *why)
{
	log_reason(&b->failures, why, LOG_LEVEL_ERROR, "BIRD control socket %s: %s; retrying, at most every %d s",
		   b->socket_path, why, BGP_BACKOFF_MAX_S);
	snprintf(b->error, sizeof(b->error), "%s", why);
	bgp_close(b);
	forget_state(b);
	backoff_failed(&b->reconnect, now);
}

static int connect_bird(struct bgp *b, double now)
{
	char err[256];

	if (!backoff_due(&b->reconnect, now))
		return -1;
	if (bird_connect(&b->bird, b->socket_path, BIRD_TIMEOUT_MS, err, sizeof(err))) {
		b->away = errno == ENOENT || errno == ECONNREFUSED;
		lost(b, now, err);
		return -1;
	}
	log_info("connected to BIRD %s at %s", b->bird.version, b->socket_path);
	b->away = false;
	b->connected = true;
	/* Perhaps a BIRD started since, with a config it took: a refusal of
	 * the one before is no reason to wait. The reconnect's backoff ends
	 * with a sync that worked: a BIRD that greets and then fails every
	 * command is not one to ask every second. */
	backoff_reset(&b->reconfigure);
	b->error[0] = '\0';
	return 0;
}

/* The BGP sessions; a note in `problem` when BIRD has more than are read. */
static int read_sessions(struct bgp *b, char *problem, size_t problem_len, char *err, size_t errlen)
{
	size_t count;

	forget_state(b);
	if (bird_protocols(&b->bird, "BGP", b->sessions, BIRD_MAX_PROTOCOLS, &count, err, errlen))
		return -1;
	b->session_count = count < BIRD_MAX_PROTOCOLS ? count : BIRD_MAX_PROTOCOLS;
	if (count > BIRD_MAX_PROTOCOLS && !problem[0])
		snprintf(problem, problem_len, "BIRD has %zu BGP sessions: only the first %d are read", count,
			 BIRD_MAX_PROTOCOLS);
	return 0;
}

struct export_scan {
	const struct route *routes;
	size_t count;
	uint64_t exported;              /* bit i: routes[i] */
};

static void mark_exported(const char *prefix, void *arg)
{
	struct export_scan *scan = arg;

	for (size_t i = 0; i < scan->count; i++)
		if (!strcmp(scan->routes[i].prefix, prefix))
			scan->exported |= 1ULL << i;
}

/* Which anycast prefixes the established sessions export: the truth of
 * "announced". Each one once, however many sessions export it and
 * whatever else they export. Each session is asked for the anycast
 * prefixes alone: one may export a full table, and read whole its reply
 * passed what one may hold (BIRD_MAX_REPLY_LINES), which ended the
 * session as garbage at every sync. As many prefixes a command as BIRD's
 * command line holds; one always does (else the loop below would not end). */
_Static_assert(sizeof("show route export '' where || net = ") + sizeof(((struct bird_protocol *)0)->name) +
	       sizeof(((struct route *)0)->prefix) < BIRD_COMMAND_MAX, "a session and a prefix fit a command");
static int read_exports(struct bgp *b, const struct route *routes, size_t count, char *err, size_t errlen)
{
	struct export_scan scan = { .routes = routes, .count = count < BIRD_MAX_PREFIXES ? count : BIRD_MAX_PREFIXES };
	const size_t room = BIRD_COMMAND_MAX - strlen("show route ");

	for (size_t i = 0; i < b->session_count; i++) {
		if (!b->sessions[i].established)
			continue;
		for (size_t next = 0; next < scan.count;) {
			char filter[BIRD_COMMAND_MAX];
			/* Quoted: BIRD takes a name with a dash or a dot, or a keyword
			 * ('transit-v4.ix', 'ibgp'), only so, and answered one unquoted
			 * with a syntax error that ended the session. Its names never
			 * hold a quote. */
			size_t len = snprintf(filter, sizeof(filter), "export '%s' where", b->sessions[i].name);

			for (size_t first = next; next < scan.count; next++) {
				size_t more = snprintf(filter + len, sizeof(filter) - len, "%s net = %s",
						       next > first ? " ||" : "", routes[next].prefix);

				if (len + more >= room) {
					filter[len] = '\0';
					break;
				}
				len += more;
			}
			if (bird_route_prefixes(&b->bird, filter, mark_exported, &scan, err, errlen))
				return -1;
		}
	}
	for (size_t i = 0; i < scan.count; i++)
		if (scan.exported & (1ULL << i))
			snprintf(b->exported[b->exported_count++], sizeof(b->exported[0]), "%s", routes[i].prefix);
	return 0;
}

struct static_scan {
	const struct route *routes;
	size_t count;
	uint64_t listed;                /* bit i: routes[i] */
	bool other;                     /* a route the file does not have */
};

/* "192.0.2.0/24?blackhole": rows of `show static` (code 1009), the tab
 * made '?' by the reader. */
static void mark_static(int code, const char *text, void *arg)
{
	struct static_scan *scan = arg;
	char prefix[64];

	if (code != 1009 || sscanf(text, "%63[^? ]", prefix) != 1)
		return;
	for (size_t i = 0; i < scan->count; i++)
		if (!strcmp(scan->routes[i].prefix, prefix)) {
			scan->listed |= 1ULL << i;
			return;
		}
	scan->other = true;
}

/* Whether BIRD runs the routes the file says, in xdpcast4 and xdpcast6:
 * its `configure undo` goes back to the config it held before the last
 * `configure` (ours, say) without reading the file, and the file, right
 * all along, was not configured again: a withdrawal undone stayed undone.
 * 0: it does; 1: it does not, why in `problem`; -1: the session failed. */
static int running_differs(struct bgp *b, const struct route *routes, size_t count, char *problem,
			   size_t problem_len, char *err, size_t errlen)
{
	struct static_scan scan = { .routes = routes, .count = count < BIRD_MAX_PREFIXES ? count : BIRD_MAX_PREFIXES };
	uint64_t wanted = 0;

	for (size_t p = 0; p < 2; p++) {
		char command[32];
		int code;

		snprintf(command, sizeof(command), "show static %s", bird_include_protocols[p]);
		code = bird_command(&b->bird, command, mark_static, &scan, err, errlen);
		if (code < 0)
			return -1;
		if (code >= 8000) {
			snprintf(problem, problem_len, "BIRD has no static protocol %s: is %s included by BIRD's config?",
				 bird_include_protocols[p], b->include_path);
			return 1;
		}
	}
	for (size_t i = 0; i < scan.count; i++)
		wanted |= (uint64_t)(routes[i].state != ROUTE_WITHDRAWN) << i;
	if (scan.listed == wanted && !scan.other)
		return 0;
	snprintf(problem, problem_len, "BIRD runs other routes than %s says (a configure undo?)", b->include_path);
	return 1;
}

/* Makes BIRD read the include file; -1 when the session failed, 1 when
 * BIRD refused (a config error, said in err). */
static int configure(struct bgp *b, char *err, size_t errlen)
{
	int code = bird_command(&b->bird, "configure", NULL, NULL, err, errlen);

	if (code < 0)
		return -1;
	if (code >= 8000) {
		log_reason(&b->failures, err, LOG_LEVEL_ERROR, "%s (is %s included by BIRD's config?)", err,
			   b->include_path);
		return 1;
	}
	b->configured = true;
	return 0;
}

/* Makes the include file say what `routes` are; -1 with err when it cannot
 * (logged once per reason: it is retried every round). */
static int write_include(struct bgp *b, const struct route *routes, size_t count, const char *pop, char *err,
			 size_t errlen)
{
	char text[BIRD_INCLUDE_MAX];
	unsigned long failed;

	if (bird_include_render(routes, count, b->drain, pop, text, sizeof(text)) < 0) {
		snprintf(err, errlen, "cannot render %s: a drain needs bgp.asn with a prepend, or bgp.drain.communities",
			 b->include_path);
		goto failed;
	}
	/* Also after someone else (the stop hook) rewrote or removed it. */
	if (!bird_include_holds(b->include_path, text)) {
		if (bird_include_write(b->include_path, text, err, errlen))
			goto failed;
		bool told = false;

		/* A new decision: BIRD asked at once, refusing or not, reached
		 * before or not (the waits go on doubling while it fails). */
		b->configured = false;
		backoff_reset(&b->reconfigure);
		b->reconnect.at = 0;
		for (size_t i = 0; i < count; i++) {
			if (count == b->logged_count && !memcmp(&routes[i], &b->logged[i], sizeof(routes[i])))
				continue;
			log_info("%s %s%s (%s)", routes[i].state == ROUTE_WITHDRAWN ? "withdrawing" : "announcing",
				 routes[i].prefix, routes[i].state == ROUTE_PREPENDED ? " with prepends" : "",
				 b->include_path);
			told = true;
		}
		if (!told)
			log_info("%s said something else than what is decided (rewritten by another?): written again",
				 b->include_path);
		memcpy(b->logged, routes, count * sizeof(*routes));
		b->logged_count = count;
	}
	failed = log_every_end(&b->include_failures);
	if (failed)
		log_info("BIRD include file %s: written again after %lu failed tries", b->include_path, failed);
	return 0;
failed:
	b->configured = false;  /* BIRD has not read what is decided */
	log_reason(&b->include_failures, err, LOG_LEVEL_ERROR, "%s; retried every health round", err);
	return -1;
}

void bgp_sync(struct bgp *b, const struct route *routes, size_t count, const char *pop, double now)
{
	char err[256], problem[256] = "";
	bool written, refused = false, configured_now = false;
	unsigned long failed;

	if (!b->socket_path)
		return;
	/* A file that cannot say what is decided, or a BIRD that refuses it,
	 * still leaves BIRD to be read: status and metrics say what BIRD does
	 * now, not what it did when the problem began. */
	b->runs_decided = false;
	written = b->written = write_include(b, routes, count, pop, problem, sizeof(problem)) == 0;
	snprintf(b->include_error, sizeof(b->include_error), "%s", written ? "" : problem);
	if (!b->connected && connect_bird(b, now))
		return;
	if (!b->configured && written && !backoff_due(&b->reconfigure, now)) {
		snprintf(problem, sizeof(problem), "%s", b->refusal);
		refused = true;
	} else if (!b->configured && written) {
		int ret = configure(b, err, sizeof(err));

		if (ret < 0)
			goto failed;
		if (ret > 0) {
			snprintf(problem, sizeof(problem), "%s", err);
			snprintf(b->refusal, sizeof(b->refusal), "%s", err);
			backoff_failed(&b->reconfigure, now);
			refused = true;
		} else {
			backoff_reset(&b->reconfigure);
		}
		configured_now = true;
	}
	if (b->configured && written) {
		char differs[256];
		int ret = running_differs(b, routes, count, differs, sizeof(differs), err, sizeof(err));

		/* One configure for each difference (this sync's own, if it
		 * made one): what a configure does not put right (a BIRD config
		 * without the file) is said in status, not configured at every
		 * round, each of which would undo what an operator enabled or
		 * disabled in BIRD at run time. */
		if (ret > 0 && !b->reconfigured) {
			b->reconfigured = true;
			if (!configured_now) {
				int configured;

				log_warn("%s: configuring BIRD again", differs);
				configured = configure(b, err, sizeof(err));
				if (configured < 0)
					goto failed;
				if (configured > 0) {   /* BIRD's own reason comes first */
					snprintf(problem, sizeof(problem), "%s", err);
					refused = true;
				}
				ret = running_differs(b, routes, count, differs, sizeof(differs), err, sizeof(err));
			}
		}
		if (ret < 0)
			goto failed;
		if (ret == 0)
			b->reconfigured = false;
		b->runs_decided = ret == 0;
		if (ret > 0 && !problem[0])
			snprintf(problem, sizeof(problem), "%s", differs);
	}
	if (read_sessions(b, problem, sizeof(problem), err, sizeof(err)) ||
	    read_exports(b, routes, count, err, sizeof(err)))
		goto failed;
	snprintf(b->error, sizeof(b->error), "%s", problem);
	backoff_reset(&b->reconnect);
	if (refused)
		return;         /* still failing: logged once per reason */
	failed = log_every_end(&b->failures);
	if (failed)
		log_info("BIRD at %s: working again after %lu failed tries", b->socket_path, failed);
	return;
failed:
	lost(b, now, err);
}

void bgp_describe(const struct bgp *b, char *out, size_t len)
{
	bool both = b->error[0] && b->include_error[0] && strcmp(b->error, b->include_error);

	snprintf(out, len, "%s%s%s", b->error[0] ? b->error : b->include_error, both ? "; " : "",
		 both ? b->include_error : "");
}

void bgp_retry_now(struct bgp *b)
{
	b->reconnect.at = b->reconfigure.at = 0;
	b->reconfigured = false;
}

bool bgp_exported(const struct bgp *b, const char *prefix)
{
	for (size_t i = 0; i < b->exported_count; i++)
		if (!strcmp(b->exported[i], prefix))
			return true;
	return false;
}

int bgp_withdraw_now(const char *include_path, const char *socket_path, char *err, size_t errlen)
{
	char text[BIRD_INCLUDE_MAX], why[256];
	struct bird bird = { .fd = -1 };
	int code;

	if (bird_include_render(NULL, 0, NULL, NULL, text, sizeof(text)) < 0 ||
	    bird_include_write(include_path, text, err, errlen))
		return -1;
	if (!socket_path)
		return 0;
	if (bird_connect(&bird, socket_path, BIRD_TIMEOUT_MS, why, sizeof(why))) {
		/* No BIRD: nothing announces, and it reads the file when it starts. */
		if (errno == ENOENT || errno == ECONNREFUSED)
			return BGP_WITHDRAWN_BIRD_DOWN;
		snprintf(err, errlen, "BIRD at %s: %s", socket_path, why);
		return -1;
	}
	code = bird_command(&bird, "configure", NULL, NULL, why, sizeof(why));
	bird_close(&bird);
	if (code >= 0 && code < 8000)
		return 0;
	snprintf(err, errlen, "BIRD at %s: configure: %s", socket_path, why);
	return -1;
}
