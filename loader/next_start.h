/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * What a reload checks in the keys it does not apply: a config the
 * daemon takes must be one its next start (a restart that hands over, or
 * the one after a crash) takes too, or the PoP would stop answering from
 * XDP at that start. So whatever the start would refuse among the keys the
 * new config changes is refused now, naming the key.
 */
#ifndef XDPCAST_NEXT_START_H
#define XDPCAST_NEXT_START_H

#include <stdbool.h>
#include <stddef.h>

#include "options.h"

/* 0 when a start with `next` would get past what `running` changes; else
 * -1 with err ("CONFIG: KEY: why (the next start would fail on it)").
 * could_switch_users: the running daemon held CAP_SETUID and CAP_SETGID at
 * its start (what the next start of the same unit holds). */
int next_start_check(const struct options *running, const struct options *next, bool could_switch_users,
		     char *err, size_t errlen);

#endif
