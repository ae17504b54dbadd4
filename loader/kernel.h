/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The kernel the XDP program needs, checked before anything is loaded:
 * bpf_loop (Linux 5.17), bpf_xdp_load_bytes and bpf_xdp_store_bytes
 * (5.18). The helpers are probed, not the version guessed, so a kernel
 * with them backported passes.
 */
#ifndef XDPCAST_KERNEL_H
#define XDPCAST_KERNEL_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/bpf.h>

#define KERNEL_MINIMUM "5.18"

/* Whether XDP programs may call the helper (libbpf_probe_bpf_helper). */
bool kernel_has_xdp_helper(enum bpf_func_id helper);

/* 0 when has_helper says every needed helper is there; else -1 and
 * "Linux RELEASE lacks bpf_loop (Linux 5.17): xdpcastd needs 5.18 or later". */
int kernel_check(bool (*has_helper)(enum bpf_func_id helper), const char *release, char *err, size_t errlen);

/* libbpf's lines of a failed load, one at a time (the calling thread's):
 * what the verifier said last before its "processed N insns" summary is
 * its reason for refusing the program. */
void kernel_note_libbpf_line(const char *line);

/* That reason from the last failed load noted, "" when there was none. */
const char *kernel_verifier_said(void);

/* Why a load failed (ret: a negative errno) for xdpcastd's error line:
 * errno's text, the verifier's reason (verifier_said, may be "") on Linux
 * `release`, and what to do; privileged: the loader held CAP_PERFMON or
 * CAP_SYS_ADMIN, without which the verifier refuses this program. */
void kernel_load_refusal(int ret, const char *release, const char *verifier_said, bool privileged, char *out,
			 size_t len);

#endif
