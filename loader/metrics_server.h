/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * --metrics ADDR:PORT: GET /metrics served by libmicrohttpd from its own
 * thread. The daemon publishes its state snapshot (state.h) with
 * metrics_server_update(); the counters and the catchment are read from
 * their maps at every scrape. One request per connection, done within 5 s
 * whatever its pace; at most 4 connections per address, 64 in all.
 */
#ifndef XDPCAST_METRICS_SERVER_H
#define XDPCAST_METRICS_SERVER_H

#include <stddef.h>
#include <sys/socket.h>
#include "metrics.h"

struct metrics_server;

/* "127.0.0.1:9553" or "[::1]:9553" into a socket address. */
int metrics_address_parse(const char *text, struct sockaddr_storage *ss, char *err, size_t errlen);

/* Starts listening (503 until the counters are set), so a bad address
 * fails before anything is loaded or attached. */
struct metrics_server *metrics_server_start(const char *address, char *err, size_t errlen);

/* The xdpcast_stats map, once the program is loaded. */
void metrics_server_set_stats(struct metrics_server *server, int stats_fd);

/* The xdpcast_catchment map and the groups /metrics sums it by, which
 * must outlive the server. */
void metrics_server_set_catchment(struct metrics_server *server, int catchment_fd,
				  const struct catchment_group *groups, size_t count);

/* Replaces the published snapshot (everything but the counters); the
 * server takes its own reference. */
void metrics_server_update(struct metrics_server *server, struct pop_state *snap);

void metrics_server_stop(struct metrics_server *server);

#endif
