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

/* What libbpf said of a failed load: the verifier's reason for refusing
 * the program (what it said last before its "processed N insns"
 * summary), or the map it could not create; "" when it said neither. */
struct load_notes {
	char verifier_said[160];
	char map[64];
};

/* libbpf's lines, one at a time, noted for the calling thread from the
 * last kernel_load_notes_clear. */
void kernel_load_notes_clear(void);
void kernel_note_libbpf_line(const char *line);
const struct load_notes *kernel_load_notes(void);

/* Why a load failed (ret: a negative errno) for xdpcastd's error line:
 * errno's text, the map (map_sizing, may be NULL: what sets its size) or
 * the verifier's reason on Linux `release`, and what to do. privileged:
 * the loader held CAP_PERFMON or CAP_SYS_ADMIN, without which the verifier
 * refuses this program. */
void kernel_load_refusal(int ret, const char *release, const struct load_notes *notes, const char *map_sizing,
			 bool privileged, char *out, size_t len);

#endif
