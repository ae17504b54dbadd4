// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include "cancel.h"

static bool requested;

void cancel_request(void)
{
	__atomic_store_n(&requested, true, __ATOMIC_RELEASE);
}

bool cancel_requested(void)
{
	return __atomic_load_n(&requested, __ATOMIC_ACQUIRE);
}
