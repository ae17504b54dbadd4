// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The live bench's ceiling: the least any XDP DNS responder must do. For
 * an untagged IPv4 or IPv6 UDP frame it swaps MACs, addresses and ports,
 * sets QR and sends it back (XDP_TX). No parsing beyond fixed offsets, no
 * checksum, no answer: the frame a generator gets back is a "reply" all
 * the same. bench/live.sh measures xdpcast's answered rate against it.
 *
 * Built again with ALU_STEPS: that many dependent multiply-xor steps per
 * frame, in a loop (a few cache lines of code) or with ALU_UNROLL (several
 * KB of code run once each). bench/live.sh compares what each costs the
 * whole path with its own time: a program's code footprint slows the rest
 * of the path (veth, AF_XDP, skbs) that shares its core.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

char LICENSE[] SEC("license") = "Dual BSD/GPL";

#define ETH_P_IP   0x0800
#define ETH_P_IPV6 0x86DD
#define ETH_ALEN   6

static __always_inline void swap(void *a, void *b, int len)
{
	__u8 t[16];

	__builtin_memcpy(t, a, len);
	__builtin_memcpy(a, b, len);
	__builtin_memcpy(b, t, len);
}

SEC("xdp")
int bare(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct udphdr *udp;
	__u8 *dns;

	if ((void *)(eth + 1) > end)
		return XDP_PASS;
	if (eth->h_proto == bpf_htons(ETH_P_IP)) {
		struct iphdr *ip = (void *)(eth + 1);

		if ((void *)(ip + 1) > end || ip->protocol != IPPROTO_UDP)
			return XDP_PASS;
		swap(&ip->saddr, &ip->daddr, 4);
		udp = (void *)(ip + 1);
	} else if (eth->h_proto == bpf_htons(ETH_P_IPV6)) {
		struct ipv6hdr *ip6 = (void *)(eth + 1);

		if ((void *)(ip6 + 1) > end || ip6->nexthdr != IPPROTO_UDP)
			return XDP_PASS;
		swap(&ip6->saddr, &ip6->daddr, 16);
		udp = (void *)(ip6 + 1);
	} else {
		return XDP_PASS;
	}
	dns = (__u8 *)(udp + 1);
	if ((void *)(dns + 3) > end)
		return XDP_PASS;
	swap(eth->h_dest, eth->h_source, ETH_ALEN);
	swap(&udp->source, &udp->dest, 2);
#ifdef ALU_STEPS
	{
		__u64 h = dns[2];

#ifdef ALU_UNROLL
#pragma unroll
#else
#pragma clang loop unroll(disable)
#endif
		for (int i = 0; i < ALU_STEPS; i++)
			h = (h * 0x9e3779b97f4a7c15ULL) ^ (h >> 17);
		barrier_var(h);         /* keeps the work without a store to a line CPUs share */
	}
#endif
	dns[2] |= 0x80;         /* QR */
	return XDP_TX;
}
