/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Counting: every exit of the program goes through count(). */
#ifndef XDPCAST_COUNTERS_H
#define XDPCAST_COUNTERS_H

#include "xdpcast.h"
#include "parse.h"

/* How many interfaces the loader attaches to: frozen at load, so the
 * verifier walks the slot loop for these alone. */
const volatile __u32 iface_count = 0;

/* The ifindex of each interface's stats slot: written by the loader
 * before load, and by the daemon when an interface is made again under
 * its name (a new ifindex), so global data and not .rodata, which the
 * kernel freezes at load. */
__u32 iface_ifindex[XDPCAST_MAX_IFACES];

/* Devices the kernel runs the program on for an attached interface, and
 * names as the frame's ingress (a bond's members, when it is attached to
 * the bond in native mode): each one's ifindex and the slot of its
 * interface, kept by the daemon at each health round; ifindex 0 ends the
 * list. */
__u32 member_ifindex[XDPCAST_MEMBERS_MAX];
__u8 member_slot[XDPCAST_MEMBERS_MAX];

/* Each slot's number (entry i holds i), written by the loader. Read from
 * writable data, the slot is one unknown number to the verifier: as a
 * constant of its own per interface, it would walk the rest of the
 * program once per interface (five interfaces were past its limit). */
__u8 iface_slot_number[XDPCAST_STATS_SLOTS];

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, XDPCAST_STATS_SLOTS);
	__type(key, __u32);
	__type(value, struct xdpcast_stats);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} xdpcast_stats SEC(".maps");

/* Inlined: a global function here would be a call and a return on
 * every packet. */
static __always_inline __u32 iface_slot(struct xdp_md *ctx)
{
#pragma unroll
	for (__u32 i = 0; i < XDPCAST_MAX_IFACES; i++) {
		if (i >= iface_count)
			break;
		if (iface_ifindex[i] == ctx->ingress_ifindex)
			return iface_slot_number[i] & 15;     /* struct packet's 4 bits */
	}
	/* Only frames of no listed interface get this far: test runs, members. */
	for (__u32 i = 0; i < XDPCAST_MEMBERS_MAX; i++) {
		if (!member_ifindex[i])
			break;
		if (member_ifindex[i] == ctx->ingress_ifindex)
			return member_slot[i] & 15;
	}
	return iface_slot_number[XDPCAST_TEST_RUN_SLOT] & 15;
}

/* The XDP action of each reason, in .rodata: one load, not a tree of
 * compares the size of XDPCAST_REASONS. */
static const __u8 reason_actions[XDPCAST_REASON_MAX] = {
#define XDPCAST_REASON_ACTION(name, action) [XDPCAST_##name] = XDP_##action,
	XDPCAST_REASONS(XDPCAST_REASON_ACTION)
#undef XDPCAST_REASON_ACTION
};

static __always_inline int reason_action(enum xdpcast_reason reason)
{
	__u64 index = reason;

	barrier_var(index);     /* one register for the check and the load */
	return index < XDPCAST_REASON_MAX ? reason_actions[index] : XDP_PASS;
}

/* Count the packet under its reason; returns the XDP action of that reason. */
static __always_inline int count(const struct packet *pkt, enum xdpcast_reason reason)
{
	__u32 slot = pkt->slot;
	struct xdpcast_stats *stats = bpf_map_lookup_elem(&xdpcast_stats, &slot);
	__u64 index = reason;

	/* One register for the check and the access: a reason returned by a
	 * global function is any scalar to the verifier. */
	barrier_var(index);
	if (stats && index < XDPCAST_REASON_MAX) {
		struct xdpcast_counter *c = &((struct xdpcast_counter *)stats)[index];

		c->packets++;
		c->bytes += pkt->len;
	}
	return reason_action(reason);
}

#endif /* XDPCAST_COUNTERS_H */
