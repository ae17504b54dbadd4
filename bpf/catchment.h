/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Catchment (`xdpcastctl catchment`): which client networks this PoP
 * answers, counted per IPv4 /24 and IPv6 /48, the units BGP moves between
 * PoPs. Only answers count (reasons that end in XDP_TX): a pass is the
 * server's to answer and a drop answers no one. The daemon's own probes
 * are not clients.
 *
 * A per-CPU LRU hash: no atomics on the answer path, and memory bounded
 * however many networks (spoofed or not) get answers; the least recently
 * answered are evicted first.
 *
 * catchment_add is inlined: a call and a return per answer cost more
 * than its key and value on the main program's stack (the deepest path,
 * the main program plus answer_query, still fits the verifier's 512
 * bytes; the verifier says so at load if it stops fitting).
 */
#ifndef XDPCAST_CATCHMENT_H
#define XDPCAST_CATCHMENT_H

#include "xdpcast.h"
#include "parse.h"
#include "counters.h"
#include "ratelimit.h"
#include "settings.h"

struct {
	__uint(type, BPF_MAP_TYPE_LRU_PERCPU_HASH);
	__uint(max_entries, XDPCAST_CATCHMENT_MAX);
	__type(key, struct catchment_key);
	__type(value, struct catchment_count);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} xdpcast_catchment SEC(".maps");

static __always_inline void catchment_add(const struct packet *pkt, __u64 now)
{
	struct catchment_key key = { .ipv6 = !is_ipv4(pkt) };
	struct catchment_count *c, first = { .answers = 1, .last_ns = now };
	__u32 start = key.ipv6 ? 0 : 12;    /* IPv4 is mapped: its address is the last 4 bytes */
	__u32 bytes = (key.ipv6 ? XDPCAST_CATCHMENT_V6_BITS : XDPCAST_CATCHMENT_V4_BITS) / 8;

	for (__u32 i = 0; i < sizeof(key.network); i++)
		key.network[i] = i < bytes ? pkt->src.addr[(start + i) & 15] : 0;
	c = bpf_map_lookup_elem(&xdpcast_catchment, &key);
	if (!c) {
		/* Another CPU may add the network meanwhile: then this
		 * updates this CPU's count in place, still exact. */
		bpf_map_update_elem(&xdpcast_catchment, &key, &first, BPF_ANY);
		return;
	}
	c->answers++;
	c->last_ns = now;
}

/* Counts the packet's source network when the reason is an answer. The
 * time is the buckets' if a stage read it, else the kernel tick's: a
 * fine clock read is a TSC read under a VM, dear for a "last answered". */
static __always_inline void catchment_count(const struct packet *pkt, enum xdpcast_reason reason, __u64 now)
{
	if (reason_action(reason) == XDP_TX && !pkt->probe)
		catchment_add(pkt, now ? now : bpf_ktime_get_coarse_ns());
}

#endif /* XDPCAST_CATCHMENT_H */
