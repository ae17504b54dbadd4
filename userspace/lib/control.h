/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The control socket between xdpcastd and xdpcastctl: a UNIX stream socket
 * (root only); the client writes one command line, the daemon answers one
 * JSON object (jansson) and closes. Commands: "status", "reload".
 */
#ifndef XDPCAST_CONTROL_H
#define XDPCAST_CONTROL_H

#include <stddef.h>
#include <jansson.h>

#define XDPCAST_DEFAULT_CONTROL_SOCKET "/run/xdpcastd.sock"

/* What xdpcastctl may ask, one line each:
 *   status | reload | drain PREFIX|all [PREPEND] | undrain PREFIX|all |
 *   withdraw PREFIX|all */
enum control_verb { CONTROL_STATUS, CONTROL_RELOAD, CONTROL_DRAIN, CONTROL_UNDRAIN, CONTROL_WITHDRAW };

#define CONTROL_LINE_MAX 128            /* bytes of a command line */
#define CONTROL_BACKLOG  8       /* connections the socket queues before they are taken */

struct control_command {
	enum control_verb verb;
	char prefix[64];                /* as the daemon writes it; "": every prefix */
	int prepend;                    /* drain: 0..10, or -1 for the configured default */
};

/* One command line (without its newline); -1 with the reason in err. */
int control_parse(const char *line, struct control_command *out, char *err, size_t errlen);

/* Whether control_listen could listen at path as to where it is: a path
 * that fits a socket's, in a directory no other user may write. Errors
 * here and of control_listen are "PATH: why", for the caller to say
 * which option gave the path. */
int control_path_check(const char *path, char *err, size_t errlen);

/* Listens on path (non-blocking; a stale socket there is replaced, a live
 * one refused; mode 0700, root's, in a directory no other user may write:
 * private_dir.h); returns the fd. */
int control_listen(const char *path, char *err, size_t errlen);

void control_close(int listen_fd, const char *path);

/* Why xdpcastd's socket or pins could not be opened (errno), in words for
 * after the path: " (is xdpcastd running?)", " (xdpcastctl needs root)". */
const char *control_unreachable_hint(int errnum);

/* Client side: sends command, returns the daemon's answer (NULL + err;
 * errno is connect's when that failed, else 0: a daemon is there). A
 * daemon silent for timeout_s seconds (0: however long), at the connect
 * or at a read, is an error: a stopped or stuck one would hang the caller. */
json_t *control_request(const char *path, const char *command, int timeout_s, char *err, size_t errlen);

#endif
