// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <stdio.h>
#include <string.h>

#include "bgp.h"
#include "log.h"

#define BIRD_TIMEOUT_MS 2000
#define STATIC_PATTERN  "xdpcast*"

void bgp_init(struct bgp *b, const char *socket_path)
{
	memset(b, 0, sizeof(*b));
	b->socket_path = socket_path;
	b->bird.fd = -1;
	b->backoff = 1;
}

void bgp_close(struct bgp *b)
{
	bird_close(&b->bird);
	b->connected = false;
}

static void forget_state(struct bgp *b)
{
	b->session_count = b->static_count = b->statics_up = b->exported_count = 0;
}

/* Lost BIRD (or never had it): say so once per reason, then retry less
 * and less often. */
static void lost(struct bgp *b, double now, const char *why)
{
	if (b->connected || !b->failing_logged || strcmp(why, b->error))
		log_error("BIRD control socket %s: %s; retrying, at most every %d s", b->socket_path, why,
			  BGP_BACKOFF_MAX_S);
	else
		log_debug("BIRD control socket %s: %s", b->socket_path, why);
	snprintf(b->error, sizeof(b->error), "%s", why);
	b->failing_logged = true;
	bgp_close(b);
	forget_state(b);
	b->retry_at = now + b->backoff;
	b->backoff = b->backoff * 2 > BGP_BACKOFF_MAX_S ? BGP_BACKOFF_MAX_S : b->backoff * 2;
}

static int connect_bird(struct bgp *b, double now)
{
	char err[256];

	if (now < b->retry_at)
		return -1;
	if (bird_connect(&b->bird, b->socket_path, BIRD_TIMEOUT_MS, err, sizeof(err))) {
		lost(b, now, err);
		return -1;
	}
	log_info("connected to BIRD %s at %s", b->bird.version, b->socket_path);
	b->connected = true;
	b->failing_logged = false;
	b->backoff = 1;
	b->error[0] = '\0';
	return 0;
}

static int read_protocols(struct bgp *b, char *err, size_t errlen)
{
	struct bird_protocol all[BIRD_MAX_PROTOCOLS];
	size_t count;

	forget_state(b);
	if (bird_protocols(&b->bird, all, BIRD_MAX_PROTOCOLS, &count, err, errlen))
		return -1;
	for (size_t i = 0; i < count; i++) {
		if (!strcmp(all[i].proto, "BGP"))
			b->sessions[b->session_count++] = all[i];
		if (!strncmp(all[i].name, "xdpcast", 7)) {
			b->static_count++;
			b->statics_up += strcmp(all[i].state, "down") != 0;
		}
	}
	return 0;
}

/* What the established sessions export: the truth of "announced". */
static int read_exports(struct bgp *b, char *err, size_t errlen)
{
	for (size_t i = 0; i < b->session_count; i++) {
		char filter[128], (*out)[64] = b->exported + b->exported_count;
		size_t count;

		if (!b->sessions[i].established)
			continue;
		snprintf(filter, sizeof(filter), "export %s", b->sessions[i].name);
		if (bird_route_prefixes(&b->bird, filter, out, BIRD_MAX_PREFIXES - b->exported_count, &count, err,
					errlen))
			return -1;
		b->exported_count += count;
	}
	return 0;
}

void bgp_sync(struct bgp *b, bool announce, double now)
{
	bool wrong;
	char err[256];

	if (!b->socket_path || (!b->connected && connect_bird(b, now)))
		return;
	if (read_protocols(b, err, sizeof(err)))
		goto failed;
	if (!b->static_count) {
		snprintf(b->error, sizeof(b->error), "BIRD has no protocol named %s (see docs/bgp.md)", STATIC_PATTERN);
		if (!b->failing_logged)
			log_error("%s", b->error);
		b->failing_logged = true;
		return;
	}
	/* Also right after BIRD restarted with the statics disabled. */
	wrong = announce ? b->statics_up < b->static_count : b->statics_up > 0;
	if (wrong) {
		int code = bird_command(&b->bird, announce ? "enable \"" STATIC_PATTERN "\"" :
							     "disable \"" STATIC_PATTERN "\"", NULL, NULL, err, sizeof(err));

		if (code < 0 || code >= 8000)
			goto failed;
		log_info("%s the anycast prefixes (BIRD: %s \"%s\")", announce ? "announcing" : "withdrawing",
			 announce ? "enable" : "disable", STATIC_PATTERN);
		if (read_protocols(b, err, sizeof(err)))
			goto failed;
	}
	b->error[0] = '\0';
	b->failing_logged = false;
	if (read_exports(b, err, sizeof(err)) == 0)
		return;
failed:
	lost(b, now, err);
}

bool bgp_exported(const struct bgp *b, const char *prefix)
{
	for (size_t i = 0; i < b->exported_count; i++)
		if (!strcmp(b->exported[i], prefix))
			return true;
	return false;
}
