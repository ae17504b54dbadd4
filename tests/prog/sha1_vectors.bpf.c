// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * bpf/sha1.h as the verifier and the JIT see it, for tests/prog/sha1_test.c:
 * the NSEC3 hash IH(salt, name, iterations) of RFC 5155 section 5 over the
 * packet "iterations, salt length, name length, salt, name", written back
 * over the packet's first 20 bytes. xdpcast itself hashes with no salt and
 * no extra iteration; the appendix A vectors need both.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

#include "sha1.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

#define SALT_MAX 32

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct sha1);
} state SEC(".maps");

struct iteration {
	struct sha1 *c;
	const __u8 *salt;
	__u32 salt_len;
	int failed;
};

/* IH(salt, x, k) = H(IH(salt, x, k - 1) || salt) */
static long iterate(__u64 k, void *ctx)
{
	struct iteration *it = ctx;

	sha1_output(it->c, it->c->msg);
	for (__u32 i = 0; i < SALT_MAX && i < it->salt_len; i++)
		it->c->msg[SHA1_DIGEST_LEN + i] = it->salt[i];
	it->failed = sha1_digest(it->c, SHA1_DIGEST_LEN + it->salt_len);
	return it->failed ? 1 : 0;
}

SEC("xdp")
int sha1_iterated(struct xdp_md *ctx)
{
	__u8 head[3], salt[SALT_MAX];
	__u32 zero = 0, salt_len, name_len;
	struct sha1 *c = bpf_map_lookup_elem(&state, &zero);
	struct iteration it = { .c = c, .salt = salt };

	if (!c || bpf_xdp_load_bytes(ctx, 0, head, sizeof(head)))
		return XDP_ABORTED;
	salt_len = head[1];
	name_len = head[2];
	if (salt_len > SALT_MAX || name_len > XDPCAST_NAME_MAX || name_len + salt_len > SHA1_INPUT_MAX)
		return XDP_ABORTED;
	if ((salt_len && bpf_xdp_load_bytes(ctx, sizeof(head), salt, salt_len)) ||
	    (name_len && bpf_xdp_load_bytes(ctx, sizeof(head) + salt_len, c->msg, name_len)))
		return XDP_ABORTED;
	for (__u32 i = 0; i < SALT_MAX && i < salt_len; i++)
		c->msg[name_len + i] = salt[i];
	if (sha1_digest(c, name_len + salt_len))
		return XDP_ABORTED;
	it.salt_len = salt_len;
	bpf_loop(head[0], iterate, &it, 0);
	if (it.failed)
		return XDP_ABORTED;
	sha1_output(c, c->msg);
	return bpf_xdp_store_bytes(ctx, 0, c->msg, SHA1_DIGEST_LEN) ? XDP_ABORTED : XDP_TX;
}
