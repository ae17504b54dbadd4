/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * A client of BIRD 2's control socket (what birdc speaks): one command per
 * line; every reply line starts with a four-digit code and '-' (more
 * follows) or ' ' (the last line), or with a space (continuing the line
 * before). 0xxx: done; 1xxx: table rows; 2xxx: table headers; 8xxx and
 * 9xxx: errors. Anything else on the socket is garbage and ends the session.
 */
#ifndef XDPCAST_BIRD_H
#define XDPCAST_BIRD_H

#include <stdbool.h>
#include <stddef.h>

#define BIRD_MAX_PROTOCOLS 512        /* of one kind (BGP sessions) read; an IXP PoP has hundreds */
#define BIRD_MAX_PREFIXES  64         /* exported anycast prefixes: OPTIONS_MAX_ANYCAST */
#define BIRD_COMMAND_MAX   1000       /* bytes of a command line: BIRD 2.0.12 resets the
				       * connection of one of 1 KiB or more */

struct bird_protocol {
	char name[64];
	char proto[16];                 /* Static, BGP, Device, ... */
	char state[16];                 /* up, down (disabled too), start */
	bool established;               /* BGP: the session is Established */
};

struct bird {
	int fd;
	int timeout_ms;
	char version[32];               /* from the greeting */
	char buf[8192];
	size_t len;
};

/* Connects and reads the greeting ("0001 BIRD 2.0.12 ready."). */
int bird_connect(struct bird *b, const char *path, int timeout_ms, char *err, size_t errlen);
/* The same on a socket already connected (it is the client's from now
 * on, closed on failure too). */
int bird_attach(struct bird *b, int fd, int timeout_ms, char *err, size_t errlen);
void bird_close(struct bird *b);

/* Every line of the reply to `command`, with its code; returns the final
 * code (>= 8000: BIRD refused the command; err has its text), or -1 when
 * the session failed (err says why; close it). */
typedef void (*bird_line_fn)(int code, const char *text, void *arg);
int bird_command(struct bird *b, const char *command, bird_line_fn on_line, void *arg, char *err, size_t errlen);

/* `show protocols`, the rows of protocol `kind` ("BGP"; NULL: every
 * one): *count of them, the first `max` in out (*count > max: the rest
 * did not fit). */
int bird_protocols(struct bird *b, const char *kind, struct bird_protocol *out, size_t max, size_t *count,
		   char *err, size_t errlen);

/* on_prefix for each prefix `show route FILTER` lists (FILTER: the
 * argument after "show route"), however many; -1 for a command line of
 * BIRD_COMMAND_MAX or more, not sent. */
typedef void (*bird_prefix_fn)(const char *prefix, void *arg);
int bird_route_prefixes(struct bird *b, const char *filter, bird_prefix_fn on_prefix, void *arg, char *err,
			size_t errlen);

#endif
