// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * A program that passes everything. veth delivers XDP_TX frames to its peer
 * only when the peer has an XDP program: the tests and the demo attach this
 * one to the client side. A real NIC needs nothing of the kind.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "Dual BSD/GPL";

SEC("xdp")
int xdp_pass(struct xdp_md *ctx)
{
	return XDP_PASS;
}
