// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The kernel check: each missing helper named with the version that has it;
 * this machine's kernel passes. A refused load is told with the verifier's
 * reason or the map, read from libbpf's lines. */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "kernel.h"

static bool like_5_17(enum bpf_func_id helper)
{
	return helper == BPF_FUNC_loop;
}

static bool like_5_15(enum bpf_func_id helper)
{
	(void)helper;
	return false;
}

static void test_missing_helpers_named(void **state)
{
	char err[256];

	(void)state;
	assert_int_equal(kernel_check(like_5_15, "5.15.0-91-generic", err, sizeof(err)), -1);
	assert_string_equal(err, "Linux 5.15.0-91-generic lacks bpf_loop (Linux 5.17): xdpcastd needs 5.18 or later");
	assert_int_equal(kernel_check(like_5_17, "5.17.3", err, sizeof(err)), -1);
	assert_string_equal(err, "Linux 5.17.3 lacks bpf_xdp_load_bytes (Linux 5.18): xdpcastd needs 5.18 or later");
}

static void test_this_kernel_passes(void **state)
{
	char err[256];

	(void)state;
	if (kernel_check(kernel_has_xdp_helper, "this", err, sizeof(err)))
		fail_msg("%s", err);
}

/* Notes the lines after those of earlier calls, as one load's would be. */
static const struct load_notes *note_lines(const char *const *lines)
{
	for (; *lines; lines++)
		kernel_note_libbpf_line(*lines);
	return kernel_load_notes();
}

/* What a failed load prints through libbpf (log level 1). */
static const char *const too_large[] = {
	"libbpf: prog 'xdpcast': BPF program load failed: Argument list too long",
	"libbpf: prog 'xdpcast': -- BEGIN PROG LOAD LOG --",
	"0: R1=ctx() R10=fp0",
	"BPF program is too large. Processed 1000001 insn",
	"processed 1000001 insns (limit 1000000) max_states_per_insn 54 total_states 45159 peak_states 13968 mark_read 0",
	"-- END PROG LOAD LOG --",
	"libbpf: prog 'xdpcast': failed to load: -7",
	NULL,
};

static void test_verifier_reason_told(void **state)
{
	const struct load_notes *notes;
	char out[512];

	(void)state;
	kernel_load_notes_clear();
	notes = note_lines(too_large);
	assert_string_equal(notes->verifier_said, "BPF program is too large. Processed 1000001 insn");
	assert_string_equal(notes->map, "");
	kernel_load_refusal(-E2BIG, "6.1.0-27-amd64", notes, NULL, true, out, sizeof(out));
	assert_string_equal(out, "Argument list too long: the verifier of Linux 6.1.0-27-amd64 said 'BPF program is "
			    "too large. Processed 1000001 insn' (the program is more than this kernel's verifier can "
			    "check: please report it, with the log xdpcastd --verbose shows)");
	/* A loader without CAP_PERFMON gets a stricter verifier: the
	 * capabilities come first, whatever it refused with. */
	kernel_load_refusal(-E2BIG, "6.1.0-27-amd64", notes, NULL, false, out, sizeof(out));
	assert_string_equal(out, "Argument list too long: the verifier of Linux 6.1.0-27-amd64 said 'BPF program is "
			    "too large. Processed 1000001 insn' (xdpcastd needs CAP_BPF, CAP_NET_ADMIN and CAP_PERFMON, "
			    "or root)");

	/* Without CAP_PERFMON (or CAP_SYS_ADMIN) the verifier refuses what it
	 * would take from a privileged loader: the capabilities are named. */
	notes = note_lines((const char *const[]){ "libbpf: prog 'xdpcast': -- BEGIN PROG LOAD LOG --",
						  "115: (bc) w3 = w6", "R6 partial copy of pointer",
						  "processed 24 insns (limit 1000000) max_states_per_insn 0",
						  "-- END PROG LOAD LOG --", NULL });
	kernel_load_refusal(-EACCES, "6.18.1", notes, NULL, false, out, sizeof(out));
	assert_string_equal(out, "Permission denied: the verifier of Linux 6.18.1 said 'R6 partial copy of pointer' "
			    "(xdpcastd needs CAP_BPF, CAP_NET_ADMIN and CAP_PERFMON, or root)");
	kernel_load_refusal(-EACCES, "6.18.1", notes, NULL, true, out, sizeof(out));
	assert_string_equal(out, "Permission denied: the verifier of Linux 6.18.1 said 'R6 partial copy of pointer' "
			    "(xdpcastd --verbose shows libbpf's log of each step, the verifier's among it)");
}

/* A log cut before its summary names no reason, not the reason of the log
 * before it; nor does a load that noted nothing. */
static void test_no_reason_without_summary(void **state)
{
	const struct load_notes *notes;
	char out[512];

	(void)state;
	note_lines(too_large);
	notes = note_lines((const char *const[]){ "libbpf: prog 'xdpcast': -- BEGIN PROG LOAD LOG --",
						  "0: R1=ctx() R10=fp0", "-- END PROG LOAD LOG --", NULL });
	assert_string_equal(notes->verifier_said, "");
	kernel_load_refusal(-EINVAL, "6.18.1", notes, NULL, true, out, sizeof(out));
	assert_string_equal(out, "Invalid argument (xdpcastd --verbose shows libbpf's log of each step, the verifier's "
			    "among it)");
	kernel_load_notes_clear();
	notes = kernel_load_notes();
	kernel_load_refusal(-EPERM, "6.18.1", notes, NULL, false, out, sizeof(out));
	assert_string_equal(out, "Operation not permitted (xdpcastd needs CAP_BPF, CAP_NET_ADMIN and CAP_PERFMON, or root)");
}

/* A map libbpf could not create is named, with what sizes it. */
static void test_map_named(void **state)
{
	const struct load_notes *notes;
	char out[512];

	(void)state;
	kernel_load_notes_clear();
	notes = note_lines((const char *const[]){
		"libbpf: Error in bpf_create_map_xattr(xdpcast_rrl):Cannot allocate memory(-12). Retrying without BTF.",
		"libbpf: map 'xdpcast_rrl': failed to create: Cannot allocate memory(-12)",
		"libbpf: failed to load object 'xdpcast_bpf'", NULL });
	assert_string_equal(notes->map, "xdpcast_rrl");
	kernel_load_refusal(-ENOMEM, "6.18.1", notes, "4194304 entries, rrl.buckets", true, out, sizeof(out));
	assert_string_equal(out, "map xdpcast_rrl (4194304 entries, rrl.buckets): Cannot allocate memory (fewer entries, "
			    "or a higher memory limit on xdpcastd's cgroup (MemoryMax= on its unit))");
	kernel_load_refusal(-EINVAL, "6.18.1", notes, NULL, true, out, sizeof(out));
	assert_string_equal(out, "map xdpcast_rrl: Invalid argument (xdpcastd --verbose shows libbpf's log of each "
			    "step, the verifier's among it)");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_missing_helpers_named),
		cmocka_unit_test(test_this_kernel_passes),
		cmocka_unit_test(test_verifier_reason_told),
		cmocka_unit_test(test_no_reason_without_summary),
		cmocka_unit_test(test_map_named),
	};

	return cmocka_run_group_tests_name("kernel", tests, NULL, NULL);
}
