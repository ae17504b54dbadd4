// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include "reasons.h"

#define ACTION_TX   "tx"
#define ACTION_PASS "pass"
#define ACTION_DROP "drop"

#define REASON_NAME(name, action) [XDPCAST_##name] = #name,
const char *const reason_names[XDPCAST_REASON_MAX] = { XDPCAST_REASONS(REASON_NAME) };

#define REASON_ACTION(name, action) [XDPCAST_##name] = ACTION_##action,
const char *const reason_actions[XDPCAST_REASON_MAX] = { XDPCAST_REASONS(REASON_ACTION) };
