// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <limits.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <netinet/in.h>

#include "address.h"
#include "control.h"
#include "durable_file.h"
#include "maintenance.h"
#include "metrics_server.h"
#include "next_start.h"
#include "prefix.h"

#define WOULD_FAIL "(the next start would fail on it)"
#define LISTENERS_MAX 3                 /* metrics (TCP), notify_listen (UDP and TCP) */

/* Every interface the options add exists: the next start would start
 * withdrawn until one of that name appears (a misspelt name never does).
 * Those already in use are not asked: one deleted meanwhile (a driver
 * reload) is the health checks' business. */
static int new_interfaces_present(const struct options *running, const struct options *o, char *err, size_t errlen)
{
	for (size_t i = 0; i < o->iface_count; i++) {
		bool in_use = false;

		for (size_t k = 0; k < running->iface_count && !in_use; k++)
			in_use = !strcmp(running->ifaces[k], o->ifaces[i]);
		if (!in_use && !if_nametoindex(o->ifaces[i])) {
			options_value_error(o, "interfaces", err, errlen, "%s: no such interface (the next start would "
					    "keep the anycast prefixes withdrawn until it appears)", o->ifaces[i]);
			return -1;
		}
	}
	return 0;
}

/* A control socket the options move: not on a path too long, nor in a
 * directory other users may write. */
static int moved_control_socket_usable(const struct options *running, const struct options *o, char *err,
				       size_t errlen)
{
	char why[512];

	if (!strcmp(running->control_socket, o->control_socket) ||
	    !control_path_check(o->control_socket, why, sizeof(why)))
		return 0;
	options_value_error(o, "control_socket", err, errlen, "%s " WOULD_FAIL, why);
	return -1;
}

/* Whether a and b name one file (a path spelled another way, a directory
 * reached through a link). */
static bool same_file(const char *a, const char *b)
{
	struct stat sa, sb;

	return !stat(a, &sa) && !stat(b, &sb) && sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

/* A state file the options move: one the start locks as it would
 * (another xdpcastd's is refused; the lock file and its directories are
 * made, as the start makes them) and reads as it would (where other users
 * may not write, holding what xdpcastd writes, or none). The one in use
 * under another name is not locked again: its lock is this daemon's. */
static int moved_state_file_readable(const struct options *running, const struct options *o, char *err,
				     size_t errlen)
{
	struct route *routes = NULL;
	struct maintenance *m = NULL;
	struct maintenance_kept *kept = NULL;
	size_t kept_count = 0;
	char why[512], held[PATH_MAX + 8], next[PATH_MAX + 8];
	int ret = -1, lock;

	snprintf(held, sizeof(held), "%s.lock", running->state_file);
	snprintf(next, sizeof(next), "%s.lock", o->state_file);
	if (!strcmp(running->state_file, o->state_file))
		return 0;
	if (!same_file(held, next)) {
		lock = durable_file_lock(o->state_file, why, sizeof(why));
		if (lock == -1)
			goto refused;
		if (lock >= 0)
			close(lock);
	}
	routes = calloc(o->anycast_count + 1, sizeof(*routes));
	m = calloc(o->anycast_count + 1, sizeof(*m));
	if (!routes || !m) {
		snprintf(err, errlen, "%s: state_file: out of memory", o->config_path);
		goto out;
	}
	for (size_t i = 0; i < o->anycast_count; i++)
		prefix_format(&o->anycast[i].prefix, routes[i].prefix, sizeof(routes[i].prefix));
	ret = maintenance_load(o->state_file, routes, o->anycast_count, m, &kept, &kept_count, why, sizeof(why));
	if (!ret)
		goto out;
refused:
	ret = -1;
	options_value_error(o, "state_file", err, errlen, "%s " WOULD_FAIL, why);
out:
	free(kept);
	free(m);
	free(routes);
	return ret;
}

struct listener {
	const char *key;                /* the option's name */
	const char *text;               /* its value */
	struct sockaddr_storage ss;
	int type;
};

static uint16_t port_of(const struct sockaddr_storage *ss)
{
	return ntohs(ss->ss_family == AF_INET ? ((const struct sockaddr_in *)ss)->sin_port :
						((const struct sockaddr_in6 *)ss)->sin6_port);
}

/* The sockets a start binds with these options: metrics (TCP) and
 * notify_listen (UDP and TCP). */
static size_t listeners_of(const struct options *o, struct listener *out)
{
	struct sockaddr_storage ss;
	size_t n = 0;
	char why[256];

	if (o->metrics && !metrics_address_parse(o->metrics, &ss, why, sizeof(why)))
		out[n++] = (struct listener){ "metrics", o->metrics, ss, SOCK_STREAM };
	if (o->has_notify) {
		out[n++] = (struct listener){ "transfer.notify_listen", o->notify_listen.text, o->notify_listen.ss,
					      SOCK_DGRAM };
		out[n++] = (struct listener){ "transfer.notify_listen", o->notify_listen.text, o->notify_listen.ss,
					      SOCK_STREAM };
	}
	return n;
}

/* The same option's socket, unchanged: the running daemon's carries on. */
static bool listener_equal(const struct listener *a, const struct listener *b)
{
	return !strcmp(a->key, b->key) && a->type == b->type && address_same_host(&a->ss, &b->ss) &&
	       port_of(&a->ss) == port_of(&b->ss);
}

/* Each new listener is bound, all at once (two of them on one port fail
 * as at a start), then let go. A port the running daemon holds on a
 * listener the options drop is free by the time the next start binds (the
 * handover closes it first). Below 1024 nothing is judged: the start holds
 * CAP_NET_BIND_SERVICE, the workers do not, and the kernel refuses them
 * that port before it looks at the address or who holds it. */
static int new_listeners_bindable(const struct options *running, const struct options *o, char *err,
				  size_t errlen)
{
	struct listener now[LISTENERS_MAX], next[LISTENERS_MAX];
	size_t now_count = listeners_of(running, now), next_count = listeners_of(o, next);
	bool kept[LISTENERS_MAX] = { false };
	int fds[LISTENERS_MAX], ret = 0;
	size_t bound = 0;

	for (size_t k = 0; k < now_count; k++)
		for (size_t i = 0; i < next_count; i++)
			kept[k] |= listener_equal(&now[k], &next[i]);
	for (size_t i = 0; i < next_count && !ret; i++) {
		bool held = false, released_port = false;

		for (size_t k = 0; k < now_count; k++) {
			held |= listener_equal(&now[k], &next[i]);
			released_port |= !kept[k] && now[k].type == next[i].type &&
					 port_of(&now[k].ss) == port_of(&next[i].ss);
		}
		if (held)
			continue;
		fds[bound] = address_listen(&next[i].ss, next[i].type);
		if (fds[bound] >= 0) {
			bound++;
		} else if (errno != EACCES && !(errno == EADDRINUSE && released_port)) {
			snprintf(err, errlen, "%s: %s: %s (%s): cannot listen there: %s " WOULD_FAIL, o->config_path,
				 next[i].key, next[i].text, next[i].type == SOCK_STREAM ? "TCP" : "UDP",
				 strerror(errno));
			ret = -1;
		}
	}
	while (bound)
		close(fds[--bound]);
	return ret;
}

/* Commands switched to health.user need CAP_SETUID and CAP_SETGID at the
 * start, which checks them and refuses to start without. */
static int new_health_user_possible(const struct options *running, const struct options *o, bool could_switch_users,
				    char *err, size_t errlen)
{
	if (!o->health.user.name || running->health.user.name || could_switch_users)
		return 0;
	snprintf(err, errlen, "%s: health.user: %s: switching the commands to that user needs CAP_SETUID and "
		 "CAP_SETGID, which xdpcastd did not hold at its start (the unit's CapabilityBoundingSet?) " WOULD_FAIL,
		 o->config_path, o->health.user.name);
	return -1;
}

int next_start_check(const struct options *running, const struct options *next, bool could_switch_users,
		     char *err, size_t errlen)
{
	return new_interfaces_present(running, next, err, errlen) ||
	       moved_control_socket_usable(running, next, err, errlen) ||
	       moved_state_file_readable(running, next, err, errlen) ||
	       new_listeners_bindable(running, next, err, errlen) ||
	       new_health_user_possible(running, next, could_switch_users, err, errlen) ? -1 : 0;
}
