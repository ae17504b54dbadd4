// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include <unistd.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <linux/capability.h>

#include "caps.h"
#include "log.h"

static const int running[] = { CAP_BPF, CAP_NET_ADMIN, CAP_SYS_ADMIN };

static bool kept(int cap, bool switch_users)
{
	if (switch_users && (cap == CAP_SETUID || cap == CAP_SETGID))
		return true;
	for (size_t i = 0; i < sizeof(running) / sizeof(running[0]); i++)
		if (running[i] == cap)
			return true;
	return false;
}

static void drop(bool switch_users)
{
	struct __user_cap_header_struct header = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[2] = { 0 };

	if (syscall(SYS_capget, &header, data))
		return;
	for (int cap = 0; cap <= CAP_LAST_CAP; cap++)
		if (!kept(cap, switch_users))
			prctl(PR_CAPBSET_DROP, cap, 0, 0, 0);  /* needs CAP_SETPCAP: else the unit's set holds */
	for (int word = 0; word < 2; word++) {
		__u32 mask = 0;

		for (int bit = 0; bit < 32; bit++)
			if (kept(word * 32 + bit, switch_users))
				mask |= 1u << bit;
		data[word].effective &= mask;
		data[word].permitted &= mask;
		data[word].inheritable &= mask;
	}
	if (syscall(SYS_capset, &header, data))
		log_debug("keeping capabilities: capset: %s", strerror(errno));
}

void caps_drop_to_running(void)
{
	drop(false);
}

void caps_drop_to_switch_users(void)
{
	drop(true);
}

bool caps_effective(int cap)
{
	struct __user_cap_header_struct header = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[2] = { 0 };

	return !syscall(SYS_capget, &header, data) && (data[cap / 32].effective & (1u << (cap % 32)));
}
