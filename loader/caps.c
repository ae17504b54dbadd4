// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <linux/capability.h>

#include "caps.h"
#include "log.h"

#define CAP(cap) (1ULL << (cap))

static const uint64_t running = CAP(CAP_BPF) | CAP(CAP_NET_ADMIN) | CAP(CAP_SYS_ADMIN);

static void drop_to(uint64_t kept)
{
	struct __user_cap_header_struct header = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[2] = { 0 };

	if (syscall(SYS_capget, &header, data))
		return;
	for (int cap = 0; cap <= CAP_LAST_CAP; cap++)
		if (!(kept & CAP(cap)))
			prctl(PR_CAPBSET_DROP, cap, 0, 0, 0);  /* needs CAP_SETPCAP: else the unit's set holds */
	for (int word = 0; word < 2; word++) {
		__u32 mask = kept >> (32 * word);

		data[word].effective &= mask;
		data[word].permitted &= mask;
		data[word].inheritable &= mask;
	}
	if (syscall(SYS_capset, &header, data))
		log_debug("keeping capabilities: capset: %s", strerror(errno));
}

void caps_drop_to_running(void)
{
	drop_to(running);
}

void caps_drop_to_switch_users(void)
{
	drop_to(running | CAP(CAP_SETUID) | CAP(CAP_SETGID));
}

void caps_drop_to_reading(void)
{
	drop_to(CAP(CAP_BPF));
}

bool caps_effective(int cap)
{
	struct __user_cap_header_struct header = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[2] = { 0 };

	return !syscall(SYS_capget, &header, data) && (data[cap / 32].effective & (1u << (cap % 32)));
}
