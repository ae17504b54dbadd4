// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <microhttpd.h>
#include <zlib.h>

#include "caps.h"
#include "clock.h"
#include "http_request.h"
#include "log.h"
#include "metrics_server.h"
#include "stats.h"

/*
 * What a scraper may hold. A connection carries one request (each response
 * says "Connection: close") and must be done with it within the deadline,
 * however slowly it trickles bytes in or reads them out: slowloris ends at
 * the deadline, not at an idle timeout it can dodge. Per address, a few
 * connections; in all, enough that many addresses are needed to fill it.
 */
#define METRICS_CONNECTIONS        64
#define METRICS_PER_ADDRESS        4
#define METRICS_REQUEST_DEADLINE_S 5
#define METRICS_POLL_MS            250

/* A connection and when its request must be done. */
struct open_connection {
	MHD_socket fd;
	double deadline;                /* monotonic seconds */
};

struct metrics_server {
	struct MHD_Daemon *httpd;
	pthread_t thread;               /* runs libmicrohttpd and the deadlines */
	volatile int stopping;
	struct open_connection open[METRICS_CONNECTIONS];
	size_t open_count;              /* touched by that thread only */
	int stats_fd;
	int catchment_fd;               /* -1 until set */
	const struct catchment_group *groups;   /* the daemon's, for its life */
	size_t group_count;
	pthread_mutex_t lock;           /* guards published, stats_fd and the catchment */
	struct pop_state *published;    /* a reference; NULL until the first */
};

int metrics_address_parse(const char *text, struct sockaddr_storage *ss, char *err, size_t errlen)
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

/*
 * The body as a gzip member, or NULL (then it goes as it is). The whole
 * request must be done within the deadline, and at 100,000 zones the text
 * is ~38 MB: compressed, a scraper across a slow link still gets it.
 */
static char *gzip_body(const char *text, size_t len, size_t *out_len)
{
	z_stream z = { 0 };
	char *out;

	/* 15 + 16: the largest window, written with a gzip header and trailer. */
	if (len > UINT_MAX / 2 || deflateInit2(&z, Z_BEST_SPEED, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		return NULL;
	z.avail_out = (uInt)deflateBound(&z, (uLong)len);
	out = malloc(z.avail_out);
	if (out) {
		z.next_in = (Bytef *)text;
		z.avail_in = (uInt)len;
		z.next_out = (Bytef *)out;
		if (deflate(&z, Z_FINISH) == Z_STREAM_END) {
			*out_len = z.total_out;
			deflateEnd(&z);
			return out;
		}
	}
	deflateEnd(&z);
	free(out);
	return NULL;
}

static enum MHD_Result reply(struct MHD_Connection *conn, unsigned status, const char *type, const char *encoding,
			     char *body, size_t len, enum MHD_ResponseMemoryMode mode)
{
	struct MHD_Response *response = MHD_create_response_from_buffer(len, body, mode);
	enum MHD_Result ret;

	if (!response)
		return MHD_NO;
	MHD_add_response_header(response, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	if (encoding) {
		MHD_add_response_header(response, MHD_HTTP_HEADER_CONTENT_ENCODING, encoding);
		MHD_add_response_header(response, MHD_HTTP_HEADER_VARY, MHD_HTTP_HEADER_ACCEPT_ENCODING);
	}
	MHD_add_response_header(response, MHD_HTTP_HEADER_CONNECTION, "close");
	/* What a 405 must name (RFC 9110, 15.5.6); true of every path served. */
	MHD_add_response_header(response, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
	ret = MHD_queue_response(conn, status, response);
	MHD_destroy_response(response);
	return ret;
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
			      const char *version, const char *upload_data, size_t *upload_size, void **state)
{
	struct metrics_server *server = cls;
	struct catchment_group_total totals[CATCHMENT_GROUPS_MAX + 1];
	struct xdpcast_stats stats[XDPCAST_STATS_SLOTS];
	const struct catchment_group *groups;
	size_t len, group_count, total_count = 0;
	int stats_fd, catchment_fd;
	struct pop_state *snap;
	struct catchment c;
	char err[256], *text, *packed;
	const char *encoding = NULL, *accept_encoding;
	size_t packed_len;

	(void)version, (void)upload_data, (void)upload_size, (void)state;
	if (strcmp(method, "GET") && strcmp(method, "HEAD"))
		return reply(conn, MHD_HTTP_METHOD_NOT_ALLOWED, "text/plain", NULL, "GET or HEAD only\n", 17,
			     MHD_RESPMEM_PERSISTENT);
	if (strcmp(http_request_path(url), "/metrics"))
		return reply(conn, MHD_HTTP_NOT_FOUND, "text/plain", NULL, "see /metrics\n", 13, MHD_RESPMEM_PERSISTENT);

	pthread_mutex_lock(&server->lock);
	snap = server->published ? state_ref(server->published) : NULL;
	stats_fd = server->stats_fd;
	catchment_fd = server->catchment_fd;
	groups = server->groups;
	group_count = server->group_count;
	pthread_mutex_unlock(&server->lock);
	if (stats_fd < 0 || !snap) {
		state_unref(snap);
		return reply(conn, MHD_HTTP_SERVICE_UNAVAILABLE, "text/plain", NULL, "starting\n", 9, MHD_RESPMEM_PERSISTENT);
	}
	if (stats_read_fd(stats_fd, stats, err, sizeof(err))) {
		log_error("metrics: %s", err);
		state_unref(snap);
		return reply(conn, MHD_HTTP_INTERNAL_SERVER_ERROR, "text/plain", NULL, "cannot read the counters\n", 25,
			     MHD_RESPMEM_PERSISTENT);
	}
	if (catchment_fd >= 0) {
		if (catchment_read_fd(catchment_fd, &c, err, sizeof(err))) {
			log_error("metrics: %s", err);     /* the other series are still worth serving */
		} else {
			catchment_group_totals(&c, groups, group_count, totals);
			total_count = group_count + 1;
			catchment_free(&c);
		}
	}
	text = metrics_render(snap, stats, totals, total_count, &len);
	state_unref(snap);
	if (!text)
		return MHD_NO;
	accept_encoding = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_ACCEPT_ENCODING);
	if (http_accepts_gzip(accept_encoding) && (packed = gzip_body(text, len, &packed_len))) {
		free(text);
		text = packed;
		len = packed_len;
		encoding = "gzip";
	}
	return reply(conn, MHD_HTTP_OK, "text/plain; version=0.0.4; charset=utf-8", encoding, text, len,
		     MHD_RESPMEM_MUST_FREE);
}

void metrics_server_set_stats(struct metrics_server *server, int stats_fd)
{
	pthread_mutex_lock(&server->lock);
	server->stats_fd = stats_fd;
	pthread_mutex_unlock(&server->lock);
}

void metrics_server_set_catchment(struct metrics_server *server, int catchment_fd,
				  const struct catchment_group *groups, size_t count)
{
	pthread_mutex_lock(&server->lock);
	server->catchment_fd = catchment_fd;
	server->groups = groups;
	server->group_count = count;
	pthread_mutex_unlock(&server->lock);
}

/* libmicrohttpd tells of every connection it accepts and closes. */
static void on_connection(void *cls, struct MHD_Connection *conn, void **context,
			  enum MHD_ConnectionNotificationCode code)
{
	struct metrics_server *server = cls;
	const union MHD_ConnectionInfo *info = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);

	(void)context;
	if (!info)
		return;
	if (code == MHD_CONNECTION_NOTIFY_STARTED && server->open_count < METRICS_CONNECTIONS) {
		server->open[server->open_count++] = (struct open_connection){
			info->connect_fd, clock_monotonic() + METRICS_REQUEST_DEADLINE_S,
		};
		return;
	}
	for (size_t i = 0; i < server->open_count; i++) {
		if (server->open[i].fd == info->connect_fd) {
			server->open[i] = server->open[--server->open_count];
			break;
		}
	}
}

/* Past its deadline, a connection is shut down; libmicrohttpd sees it end
 * and closes it (the fd stays ours to touch until it says so, above). */
static void cut_late_requests(struct metrics_server *server)
{
	double now = clock_monotonic();

	for (size_t i = 0; i < server->open_count; i++) {
		if (server->open[i].deadline <= now) {
			shutdown(server->open[i].fd, SHUT_RDWR);
			server->open[i].deadline = now + METRICS_REQUEST_DEADLINE_S;
		}
	}
}

static void *serve(void *arg)
{
	struct metrics_server *server = arg;

	caps_drop_to_reading();

	while (!server->stopping) {
		MHD_run_wait(server->httpd, METRICS_POLL_MS);
		cut_late_requests(server);
	}
	return NULL;
}

struct metrics_server *metrics_server_start(const char *address, char *err, size_t errlen)
{
	struct metrics_server *server = calloc(1, sizeof(*server));
	struct sockaddr_storage ss;

	if (!server) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if (metrics_address_parse(address, &ss, err, errlen))
		goto fail;
	pthread_mutex_init(&server->lock, NULL);
	server->stats_fd = server->catchment_fd = -1;
	/* Driven by our own thread (serve), so that the same thread holds
	 * the deadlines; the daemon's main loop never waits for it. */
	server->httpd = MHD_start_daemon(MHD_USE_AUTO | (ss.ss_family == AF_INET6 ? MHD_USE_IPv6 : 0),
					 0, NULL, NULL, handle, server,
					 MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
					 MHD_OPTION_CONNECTION_LIMIT, (unsigned)METRICS_CONNECTIONS,
					 MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned)METRICS_PER_ADDRESS,
					 MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)METRICS_REQUEST_DEADLINE_S,
					 MHD_OPTION_NOTIFY_CONNECTION, on_connection, server,
					 MHD_OPTION_END);
	if (!server->httpd) {
		snprintf(err, errlen, "--metrics %s: cannot listen there: %s", address, strerror(errno));
		pthread_mutex_destroy(&server->lock);
		goto fail;
	}
	errno = pthread_create(&server->thread, NULL, serve, server);
	if (errno) {
		snprintf(err, errlen, "--metrics %s: cannot start its thread: %s", address, strerror(errno));
		MHD_stop_daemon(server->httpd);
		pthread_mutex_destroy(&server->lock);
		goto fail;
	}
	return server;
fail:
	free(server);
	return NULL;
}

void metrics_server_update(struct metrics_server *server, struct pop_state *snap)
{
	struct pop_state *old;

	if (!server)
		return;
	state_ref(snap);
	pthread_mutex_lock(&server->lock);
	old = server->published;
	server->published = snap;
	pthread_mutex_unlock(&server->lock);
	state_unref(old);
}

void metrics_server_stop(struct metrics_server *server)
{
	if (!server)
		return;
	server->stopping = 1;
	pthread_join(server->thread, NULL);
	MHD_stop_daemon(server->httpd);
	state_unref(server->published);
	pthread_mutex_destroy(&server->lock);
	free(server);
}
