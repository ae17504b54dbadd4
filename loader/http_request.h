/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * What /metrics reads from a request beyond libmicrohttpd's parsing: the
 * path of its target and whether it takes a gzip body. Plain functions of
 * the strings, so that a fuzzer and the unit tests reach them without a
 * server.
 */
#ifndef XDPCAST_HTTP_REQUEST_H
#define XDPCAST_HTTP_REQUEST_H

#include <stdbool.h>

/* The path of a request target: an origin-form target is one, an
 * absolute-form one ("http://host:port/metrics", which RFC 9112, 3.2.2 says
 * a server must accept) carries one after its authority. Points into
 * target. */
const char *http_request_path(const char *target);

/* Whether an Accept-Encoding field (RFC 9110, 12.5.3; NULL when absent)
 * takes gzip: a "gzip", "x-gzip" or "*" coding whose weight is not zero. */
bool http_accepts_gzip(const char *accept_encoding);

#endif
