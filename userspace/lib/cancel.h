/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * One process-wide "stop what you are doing" flag. Long work on worker
 * threads (zone parsing, transfers, waits for peers) looks at it at its
 * natural steps, so a daemon told to exit need not wait for a slow primary
 * or a large zone to finish.
 */
#ifndef XDPCAST_CANCEL_H
#define XDPCAST_CANCEL_H

#include <stdbool.h>

void cancel_request(void);
bool cancel_requested(void);

#endif
