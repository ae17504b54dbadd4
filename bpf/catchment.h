/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Catchment (`xdpcastctl catchment`): which client networks this PoP
 * answers, counted per IPv4 /24 and IPv6 /48, the units BGP moves between
 * PoPs. Only answers count (reasons that end in XDP_TX): a pass is the
 * server's to answer and a drop answers no one. The daemon's own probes
 * are not clients.
 *
 * Per CPU, set-associative (struct catchment_set in xdpcast.h): no
 * atomics on the answer path, no helper call, and memory bounded however
 * many networks (spoofed or not) get answers.
 *
 * catchment_add is inlined: a call and a return per answer cost more
 * than its key on the main program's stack.
 */
#ifndef XDPCAST_CATCHMENT_H
#define XDPCAST_CATCHMENT_H

#include "xdpcast.h"
#include "parse.h"
#include "counters.h"
#include "ratelimit.h"
#include "settings.h"

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, XDPCAST_CATCHMENT_SETS);
	__type(key, __u32);
	__type(value, struct catchment_set);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} xdpcast_catchment SEC(".maps");

/* CLOCK_MONOTONIC to the second, written by xdpcastd every second (and
 * before it attaches the program): a clock read per answer, a helper
 * call, cost more than the rest of the catchment update. It stands still
 * while no daemon runs (a takeover's seconds, a crash until the restart). */
__u64 catchment_clock_ns;

static __always_inline void catchment_add(const struct packet *pkt, __u64 now)
{
	struct catchment_entry net = { .key.ipv6 = !is_ipv4(pkt) };
	__u32 start = net.key.ipv6 ? 0 : 12;    /* IPv4 is mapped: its address is the last 4 bytes */
	__u32 bytes = (net.key.ipv6 ? XDPCAST_CATCHMENT_V6_BITS : XDPCAST_CATCHMENT_V4_BITS) / 8;
	struct catchment_entry *e;
	struct catchment_set *set;
	__u32 index;

	for (__u32 i = 0; i < sizeof(net.key.network); i++)
		net.key.network[i] = i < bytes ? pkt->src.addr[(start + i) & 15] : 0;
	index = xdpcast_catchment_set_of(net.key_word);
	set = bpf_map_lookup_elem(&xdpcast_catchment, &index);
	if (!set)
		return;
	e = xdpcast_catchment_way(set, net.key_word);
	if (e->answers && e->key_word == net.key_word) {
		e->answers++;
		e->last_ns = now;
		return;
	}
	net.answers = 1;
	net.last_ns = now;
	*e = net;
}

/* Counts the packet's source network when the reason is an answer, at a
 * time a stage read if any, else at the daemon's clock. */
static __always_inline void catchment_count(const struct packet *pkt, enum xdpcast_reason reason,
					    const struct packet_clock *now)
{
	if (reason_action(reason) == XDP_TX && !pkt->probe)
		catchment_add(pkt, now->fine_ns ?: now->coarse_ns ?: catchment_clock_ns);
}

#endif /* XDPCAST_CATCHMENT_H */
