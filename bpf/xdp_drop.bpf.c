// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * A program that drops everything: the lab (tests/system/lab.sh) puts it
 * on a transit's end of a PoP's link to make the link go dark while its
 * carrier stays up, a failure only the BGP hold timer finds.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "Dual BSD/GPL";

SEC("xdp")
int xdp_drop(struct xdp_md *ctx)
{
	return XDP_DROP;
}
