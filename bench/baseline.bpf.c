// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The bench's baseline: the least an XDP responder can do for the same
 * packet. It parses with xdpcast's own parser, swaps MACs, addresses and
 * ports in place and returns XDP_TX. Cost ratios in `make bench` are
 * relative to this program.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#include "parse.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

static __always_inline void swap_bytes(__u8 *a, __u8 *b, int len)
{
	for (int i = 0; i < len; i++) {
		__u8 t = a[i];

		a[i] = b[i];
		b[i] = t;
	}
}

SEC("xdp")
int baseline(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	struct packet pkt = {};
	struct ethhdr *eth = data;
	struct udphdr *udp;

	if (parse_packet(ctx, &pkt) != PARSE_OK || pkt.l4_proto != IPPROTO_UDP)
		return XDP_PASS;
	if ((void *)(eth + 1) > end)
		return XDP_PASS;
	swap_bytes(eth->h_dest, eth->h_source, ETH_ALEN);
	if (pkt.h_proto == ETH_P_IP) {
		struct iphdr *ip = data + (pkt.l2_len & 31);

		if ((void *)(ip + 1) > end)
			return XDP_PASS;
		swap_bytes((__u8 *)&ip->saddr, (__u8 *)&ip->daddr, 4);
	} else {
		struct ipv6hdr *ip6 = data + (pkt.l2_len & 31);

		if ((void *)(ip6 + 1) > end)
			return XDP_PASS;
		swap_bytes((__u8 *)&ip6->saddr, (__u8 *)&ip6->daddr, 16);
	}
	udp = data + ((pkt.payload_off - sizeof(*udp)) & 1023);  /* masks bound the offsets */
	if ((void *)(udp + 1) > end)
		return XDP_PASS;
	swap_bytes((__u8 *)&udp->source, (__u8 *)&udp->dest, 2);
	return XDP_TX;
}
