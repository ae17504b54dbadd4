/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Names of the counter reasons and their actions, from the shared X-macro. */
#ifndef XDPCAST_REASONS_H
#define XDPCAST_REASONS_H

#include "xdpcast.h"

extern const char *const reason_names[XDPCAST_REASON_MAX];
extern const char *const reason_actions[XDPCAST_REASON_MAX];   /* "tx", "pass", "drop" */

#endif
