// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <arpa/inet.h>
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <microhttpd.h>

#include "log.h"
#include "metrics_server.h"
#include "stats.h"

/* The zones of a published snapshot, shared with the scrapes rendering
 * them: the last one to let go frees them. */
struct shared_zones {
	unsigned refs;                  /* under the server's lock */
	size_t count;
	struct zone_metrics zones[];
};

struct metrics_server {
	struct MHD_Daemon *httpd;
	int stats_fd;
	pthread_mutex_t lock;           /* guards published, zones and their refs */
	struct metrics_snapshot published;
	struct shared_zones *zones;
	char ifnames[XDPCAST_MAX_IFACES][32];
	char pop[128];
	char version[64];
};

/* "ADDR:PORT" or "[ADDR6]:PORT" into a socket address. */
static int parse_address(const char *text, struct sockaddr_storage *ss, char *err, size_t errlen)
{
	char host[INET6_ADDRSTRLEN + 2];
	const char *colon = strrchr(text, ':');
	unsigned long port;
	size_t host_len;
	char *end;

	memset(ss, 0, sizeof(*ss));
	if (!colon || colon == text)
		goto bad;
	port = strtoul(colon + 1, &end, 10);
	if (!colon[1] || *end || port == 0 || port > 65535)
		goto bad;
	host_len = colon - text;
	if (text[0] == '[') {
		if (host_len < 3 || text[host_len - 1] != ']')
			goto bad;
		text++;
		host_len -= 2;
	}
	if (host_len >= sizeof(host))
		goto bad;
	memcpy(host, text, host_len);
	host[host_len] = '\0';
	if (inet_pton(AF_INET, host, &((struct sockaddr_in *)ss)->sin_addr) == 1) {
		((struct sockaddr_in *)ss)->sin_family = AF_INET;
		((struct sockaddr_in *)ss)->sin_port = htons(port);
		return 0;
	}
	if (inet_pton(AF_INET6, host, &((struct sockaddr_in6 *)ss)->sin6_addr) == 1) {
		((struct sockaddr_in6 *)ss)->sin6_family = AF_INET6;
		((struct sockaddr_in6 *)ss)->sin6_port = htons(port);
		return 0;
	}
bad:
	snprintf(err, errlen, "--metrics '%s': expected ADDRESS:PORT, e.g. 127.0.0.1:9553 or [::1]:9553", text);
	return -1;
}

int metrics_address_parse(const char *text, char *err, size_t errlen)
{
	struct sockaddr_storage ss;

	return parse_address(text, &ss, err, errlen);
}

static enum MHD_Result reply(struct MHD_Connection *conn, unsigned status, const char *type, char *body,
			     size_t len, enum MHD_ResponseMemoryMode mode)
{
	struct MHD_Response *response = MHD_create_response_from_buffer(len, body, mode);
	enum MHD_Result ret;

	if (!response)
		return MHD_NO;
	MHD_add_response_header(response, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	ret = MHD_queue_response(conn, status, response);
	MHD_destroy_response(response);
	return ret;
}

static void release_zones(struct metrics_server *server, struct shared_zones *zones)
{
	bool last;

	if (!zones)
		return;
	pthread_mutex_lock(&server->lock);
	last = --zones->refs == 0;
	pthread_mutex_unlock(&server->lock);
	if (last)
		free(zones);
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
			      const char *version, const char *upload_data, size_t *upload_size, void **state)
{
	struct metrics_server *server = cls;
	struct metrics_snapshot *snap;
	struct shared_zones *zones;
	char err[256], *text;
	int stats_fd, code;
	size_t len;

	(void)version, (void)upload_data, (void)upload_size, (void)state;
	if (strcmp(method, "GET") && strcmp(method, "HEAD"))
		return reply(conn, MHD_HTTP_METHOD_NOT_ALLOWED, "text/plain", "GET only\n", 9,
			     MHD_RESPMEM_PERSISTENT);
	if (strcmp(url, "/metrics"))
		return reply(conn, MHD_HTTP_NOT_FOUND, "text/plain", "see /metrics\n", 13, MHD_RESPMEM_PERSISTENT);

	snap = malloc(sizeof(*snap));
	if (!snap)
		return MHD_NO;
	pthread_mutex_lock(&server->lock);
	*snap = server->published;
	zones = server->zones;
	if (zones)
		zones->refs++;
	stats_fd = server->stats_fd;
	pthread_mutex_unlock(&server->lock);
	if (stats_fd < 0) {
		text = NULL;
		code = MHD_HTTP_SERVICE_UNAVAILABLE;
		goto out;
	}
	if (stats_read_fd(stats_fd, snap->stats, err, sizeof(err))) {
		log_error("metrics: %s", err);
		text = NULL;
		code = MHD_HTTP_INTERNAL_SERVER_ERROR;
		goto out;
	}
	snap->rss_bytes = metrics_resident_bytes();
	text = metrics_render(snap, &len);
	code = MHD_HTTP_OK;
out:
	free(snap);
	release_zones(server, zones);
	if (code == MHD_HTTP_SERVICE_UNAVAILABLE)
		return reply(conn, code, "text/plain", "starting\n", 9, MHD_RESPMEM_PERSISTENT);
	if (code != MHD_HTTP_OK)
		return reply(conn, code, "text/plain", "cannot read the counters\n", 25, MHD_RESPMEM_PERSISTENT);
	if (!text)
		return MHD_NO;
	return reply(conn, MHD_HTTP_OK, "text/plain; version=0.0.4; charset=utf-8", text, len,
		     MHD_RESPMEM_MUST_FREE);
}

void metrics_server_set_stats(struct metrics_server *server, int stats_fd)
{
	pthread_mutex_lock(&server->lock);
	server->stats_fd = stats_fd;
	pthread_mutex_unlock(&server->lock);
}

struct metrics_server *metrics_server_start(const char *address, char *err, size_t errlen)
{
	struct metrics_server *server = calloc(1, sizeof(*server));
	struct sockaddr_storage ss;

	if (!server) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if (parse_address(address, &ss, err, errlen))
		goto fail;
	pthread_mutex_init(&server->lock, NULL);
	server->stats_fd = -1;
	server->httpd = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD |
					 (ss.ss_family == AF_INET6 ? MHD_USE_IPv6 : 0),
					 0, NULL, NULL, handle, server,
					 MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
					 /* A slow or hostile scraper holds at most a few
					  * connections for a few seconds; the daemon's
					  * own loop never waits for this thread. */
					 MHD_OPTION_CONNECTION_LIMIT, 64u,
					 MHD_OPTION_PER_IP_CONNECTION_LIMIT, 8u,
					 MHD_OPTION_CONNECTION_TIMEOUT, 10u,
					 MHD_OPTION_END);
	if (!server->httpd) {
		snprintf(err, errlen, "--metrics %s: cannot listen there: %s", address, strerror(errno));
		pthread_mutex_destroy(&server->lock);
		goto fail;
	}
	return server;
fail:
	free(server);
	return NULL;
}

void metrics_server_update(struct metrics_server *server, const struct metrics_snapshot *snap)
{
	struct shared_zones *zones, *old;

	if (!server)
		return;
	zones = malloc(sizeof(*zones) + snap->zone_count * sizeof(*zones->zones));
	if (zones) {
		zones->refs = 1;
		zones->count = snap->zone_count;
		if (snap->zone_count)
			memcpy(zones->zones, snap->zones, snap->zone_count * sizeof(*zones->zones));
	}
	pthread_mutex_lock(&server->lock);
	old = server->zones;
	server->zones = zones;
	server->published = *snap;
	server->published.zones = zones ? zones->zones : NULL;
	server->published.zone_count = zones ? zones->count : 0;
	/* Own copies of the strings: the snapshot's may not outlive the call. */
	snprintf(server->pop, sizeof(server->pop), "%s", snap->pop);
	snprintf(server->version, sizeof(server->version), "%s", snap->version);
	server->published.pop = server->pop;
	server->published.version = server->version;
	for (size_t i = 0; i < snap->iface_count && i < XDPCAST_MAX_IFACES; i++) {
		snprintf(server->ifnames[i], sizeof(server->ifnames[i]), "%s", snap->ifaces[i]);
		server->published.ifaces[i] = server->ifnames[i];
	}
	pthread_mutex_unlock(&server->lock);
	release_zones(server, old);
}

void metrics_server_stop(struct metrics_server *server)
{
	if (!server)
		return;
	MHD_stop_daemon(server->httpd);
	free(server->zones);
	pthread_mutex_destroy(&server->lock);
	free(server);
}
