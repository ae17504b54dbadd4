/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * --metrics ADDR:PORT: GET /metrics served by libmicrohttpd from its own
 * thread. The daemon publishes what the counters cannot tell (interfaces,
 * zones, generation) with metrics_server_update(); the counters are read
 * from the stats map at every scrape. One request per connection, done
 * within 5 s whatever its pace; at most 4 connections per address, 64 in all.
 */
#ifndef XDPCAST_METRICS_SERVER_H
#define XDPCAST_METRICS_SERVER_H

#include <stddef.h>
#include "metrics.h"

struct metrics_server;

/* Parses "127.0.0.1:9553" or "[::1]:9553". */
int metrics_address_parse(const char *text, char *err, size_t errlen);

/* Starts listening (503 until the counters are set), so a bad address
 * fails before anything is loaded or attached. */
struct metrics_server *metrics_server_start(const char *address, char *err, size_t errlen);

/* The xdpcast_stats map, once the program is loaded. */
void metrics_server_set_stats(struct metrics_server *server, int stats_fd);

/* Replaces the published state (everything but the counters). */
void metrics_server_update(struct metrics_server *server, const struct metrics_snapshot *snap);

void metrics_server_stop(struct metrics_server *server);

#endif
