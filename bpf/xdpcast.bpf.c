// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * xdpcast: the XDP fast path of an anycast DNS PoP.
 *
 * One pass per packet: parse, scope (is it for our anycast prefixes?),
 * filter, rate-limit per source, answer DNS queries from the answer cache
 * with XDP_TX (rate-limited per response), hand the rest to the kernel with
 * XDP_PASS within a budget. Every exit counts exactly one reason.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#include "xdpcast.h"
#include "parse.h"
#include "counters.h"
#include "dns_query.h"
#include "dns_answer.h"
#include "dns_denial.h"
#include "settings.h"
#include "filter.h"
#include "ratelimit.h"
#include "cookies.h"
#include "catchment.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, 1024);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct xdpcast_lpm_key);
	__type(value, struct protected_prefix);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} xdpcast_protected SEC(".maps");

/* Client prefixes of the views, and IPv4's space for the default view when
 * an IPv6 prefix holds it; the loader sets has_views when it fills it. */
struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, XDPCAST_VIEW_PREFIXES_MAX + 1);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct xdpcast_lpm_key);
	__type(value, struct client_view);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} xdpcast_views SEC(".maps");

const volatile __u8 has_views = 0;

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct scratch);
} xdpcast_scratch SEC(".maps");

/* Written by xdpcastd for operators (struct control_plane_state); not read here. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct control_plane_state);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} xdpcast_control_plane SEC(".maps");

/* The loopback device's ifindex in every namespace: BPF_PROG_TEST_RUN's
 * frames come from it unless the caller names another device. */
#define LOOPBACK_IFINDEX 1

/* A test run from the daemon's probe sources (see XDPCAST_PROBE_SOURCE4).
 * The test-run slot alone would not do: it also counts frames of devices
 * the loader did not list (a bond's members, which run the program
 * attached to the bond), where these addresses are anyone's to spoof. */
static __always_inline __u8 is_probe(const struct xdp_md *ctx, const struct packet *pkt)
{
	static const __u8 v4[16] __attribute__((aligned(4))) = XDPCAST_PROBE_SOURCE4;
	static const __u8 v6[16] __attribute__((aligned(4))) = XDPCAST_PROBE_SOURCE6;
	const __u32 *want = (const void *)(is_ipv4(pkt) ? v4 : v6), *src = (const void *)pkt->src.addr;

	if (pkt->slot != XDPCAST_TEST_RUN_SLOT || ctx->ingress_ifindex != LOOPBACK_IFINDEX)
		return 0;
	/* Four 32-bit compares (the address is 4-aligned in the key). */
	return !((src[0] ^ want[0]) | (src[1] ^ want[1]) | (src[2] ^ want[2]) | (src[3] ^ want[3]));
}

static __always_inline __u16 client_view(const struct packet *pkt)
{
	const struct client_view *v;

	if (!has_views)
		return 0;
	v = bpf_map_lookup_elem(&xdpcast_views, &pkt->src);
	return v ? v->view : 0;
}

/* Plans the response, then writes it: two global functions, each checked
 * once by the verifier, whose stacks do not add up. */
static __always_inline enum xdpcast_reason respond(struct xdp_md *ctx, const struct packet *pkt,
						    struct scratch *s, const struct dns_query *q,
						    const struct cached_answer *found)
{
	__u32 reason = plan_response(s, q, found);

	if (reason_action(reason) != XDP_TX)
		return reason;
	return answer_query(ctx, pkt, s, q);
}

static __always_inline enum xdpcast_reason dns_fast_path(struct xdp_md *ctx, const struct packet *pkt,
							  const struct xdpcast_settings *set, struct packet_clock *now)
{
	enum rrl_verdict rrl = RRL_SEND;
	const struct answer_record *a;
	struct dns_query *q;
	struct scratch *s;
	__u32 zero = 0;

	if (pkt->kernel_decides)
		return XDPCAST_dns_pass_other;
	s = bpf_map_lookup_elem(&xdpcast_scratch, &zero);
	if (!s)
		return XDPCAST_dns_pass_other;
	/* The query's state lives in scratch: the stack is for the call chain. */
	q = &s->query;
	__builtin_memset(q, 0, sizeof(*q));
	switch (read_query(ctx, pkt, s, q)) {
	case DNS_READ_OK:
		break;
	case DNS_READ_MALFORMED:
		return XDPCAST_drop_malformed;
	case DNS_READ_RESPONSE:
		return XDPCAST_drop_reflection;
	default:        /* DNS_READ_UNSUPPORTED */
		return XDPCAST_dns_pass_other;
	}
	if (q->badvers)  /* answered without an entry, and not rate-limited */
		return respond(ctx, pkt, s, q, NULL);
	q->view = client_view(pkt);
	switch (find_answer(s, q, &s->found)) {
	case FIND_ANSWER:
		break;
	case FIND_PASS_DNSSEC:
		return XDPCAST_dns_pass_dnssec;
	default:
		return XDPCAST_dns_pass_miss;
	}
	a = answer_record_at(s->found.answer);
	if (!a)
		return XDPCAST_dns_pass_miss;
	if ((a->flags & (ANSWER_DENIAL_NSEC | ANSWER_DENIAL_NSEC3)) && find_proof(s, &s->found))
		return XDPCAST_dns_pass_dnssec;
	prepare_cookie(s, q, pkt, set, now);
	if (!q->cookie_valid && !pkt->probe)     /* a valid server cookie proves the source: no RRL */
		rrl = rrl_check(pkt, q, s->found.owner_hash, a->rrl_class, set, now);
	if (rrl == RRL_DROP)
		return XDPCAST_rrl_drop;
	q->slip = rrl == RRL_SLIP;
	return respond(ctx, pkt, s, q, &s->found);
}

static __always_inline enum xdpcast_reason protected_path(struct xdp_md *ctx, const struct packet *pkt,
							   const struct protected_prefix *scope)
{
	const struct xdpcast_settings *set = settings_get();
	struct packet_clock now = {};
	enum xdpcast_reason reason;

	if (!set)
		return XDPCAST_pass_other;
	reason = filter_packet(pkt, scope, set, &now);
	if (reason != FILTER_ACCEPT)
		return reason;
	if (!pkt->probe && !is_neighbour_discovery(pkt) && !source_buckets_take(pkt, set, &now))
		return XDPCAST_drop_rate_limited;
	if (pkt->l4_proto == IPPROTO_TCP)
		reason = XDPCAST_pass_tcp;
	else if (pkt->l4_proto == IPPROTO_UDP && pkt->dport == bpf_htons(XDPCAST_DNS_PORT))
		reason = dns_fast_path(ctx, pkt, set, &now);
	else
		reason = XDPCAST_pass_other;
	catchment_count(pkt, reason, &now);
	return pass_budget(pkt, reason, set, &now);
}

SEC("xdp")
int xdpcast(struct xdp_md *ctx)
{
	struct packet pkt = { .slot = iface_slot(ctx) };
	enum parse_result parsed = parse_packet(ctx, &pkt);
	const struct protected_prefix *scope;

	if (parsed == PARSE_NOT_IP || is_mapped_ipv6_destination(&pkt))
		return count(&pkt, XDPCAST_not_protected);
	scope = bpf_map_lookup_elem(&xdpcast_protected, &pkt.dst);
	if (!scope)
		return count(&pkt, XDPCAST_not_protected);
	if (parsed == PARSE_BAD_L4)
		return count(&pkt, XDPCAST_drop_malformed);
	pkt.probe = is_probe(ctx, &pkt);
	return count(&pkt, protected_path(ctx, &pkt, scope));
}
