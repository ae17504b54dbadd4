/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* xdpcastd's command line (DESIGN.md section 5). */
#ifndef XDPCAST_OPTIONS_H
#define XDPCAST_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <xdp/libxdp.h>

#include "xdpcast.h"

#define OPTIONS_MAX_ANYCAST 64
#define OPTIONS_MAX_ZONES   256

/* A view: clients from its prefixes get its zones' answers first. */
struct view_option {
	char name[32];
	struct xdpcast_lpm_key prefixes[OPTIONS_MAX_ANYCAST];
	size_t prefix_count;
	char *zones[OPTIONS_MAX_ZONES];
	size_t zone_count;
};

struct options {
	char *ifaces[XDPCAST_MAX_IFACES];
	size_t iface_count;
	struct xdpcast_lpm_key anycast[OPTIONS_MAX_ANYCAST];
	char *anycast_text[OPTIONS_MAX_ANYCAST];
	size_t anycast_count;
	char *zones[OPTIONS_MAX_ZONES];
	size_t zone_count;
	struct view_option views[XDPCAST_VIEWS_MAX];  /* view i + 1 */
	size_t view_count;
	const char *pop;
	const char *pin_dir;
	enum xdp_attach_mode xdp_mode;
	bool mode_forced;               /* --xdp-mode given: no fallback */
	bool verbose;
};

enum options_result { OPTIONS_RUN, OPTIONS_EXIT_OK, OPTIONS_EXIT_ERROR };

/* Parses argv; prints --help/--version or one error line itself. */
enum options_result options_parse(int argc, char **argv, struct options *opts);

#endif
