// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <stdio.h>
#include <bpf/libbpf.h>

#include "kernel.h"

static const struct {
	enum bpf_func_id helper;
	const char *name, *since;
} needed[] = {
	{ BPF_FUNC_loop, "bpf_loop", "5.17" },
	{ BPF_FUNC_xdp_load_bytes, "bpf_xdp_load_bytes", "5.18" },
	{ BPF_FUNC_xdp_store_bytes, "bpf_xdp_store_bytes", "5.18" },
};

bool kernel_has_xdp_helper(enum bpf_func_id helper)
{
	return libbpf_probe_bpf_helper(BPF_PROG_TYPE_XDP, helper, NULL) == 1;
}

int kernel_check(bool (*has_helper)(enum bpf_func_id helper), const char *release, char *err, size_t errlen)
{
	for (size_t i = 0; i < sizeof(needed) / sizeof(needed[0]); i++)
		if (!has_helper(needed[i].helper)) {
			snprintf(err, errlen, "Linux %s lacks %s (Linux %s): xdpcastd needs %s or later", release,
				 needed[i].name, needed[i].since, KERNEL_MINIMUM);
			return -1;
		}
	return 0;
}
