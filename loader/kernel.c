// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <bpf/libbpf.h>

#include "kernel.h"

static const struct {
	enum bpf_func_id helper;
	const char *name, *since;
} needed[] = {
	{ BPF_FUNC_loop, "bpf_loop", "5.17" },
	{ BPF_FUNC_xdp_load_bytes, "bpf_xdp_load_bytes", "5.18" },
	{ BPF_FUNC_xdp_store_bytes, "bpf_xdp_store_bytes", "5.18" },
};

bool kernel_has_xdp_helper(enum bpf_func_id helper)
{
	return libbpf_probe_bpf_helper(BPF_PROG_TYPE_XDP, helper, NULL) == 1;
}

int kernel_check(bool (*has_helper)(enum bpf_func_id helper), const char *release, char *err, size_t errlen)
{
	for (size_t i = 0; i < sizeof(needed) / sizeof(needed[0]); i++)
		if (!has_helper(needed[i].helper)) {
			snprintf(err, errlen, "Linux %s lacks %s (Linux %s): xdpcastd needs %s or later", release,
				 needed[i].name, needed[i].since, KERNEL_MINIMUM);
			return -1;
		}
	return 0;
}

/* libbpf frames the verifier's log of a failed load with these. */
#define VERIFIER_LOG_BEGIN "-- BEGIN PROG LOAD LOG --"
#define VERIFIER_LOG_END "-- END PROG LOAD LOG --"
#define VERIFIER_SUMMARY "processed "

static __thread struct {
	bool in_log, summarised;
	char last[160], said[160];
} verifier;

void kernel_note_libbpf_line(const char *line)
{
	if (strstr(line, VERIFIER_LOG_BEGIN)) {
		verifier.in_log = true;
		verifier.summarised = false;
		verifier.last[0] = verifier.said[0] = '\0';
	} else if (strstr(line, VERIFIER_LOG_END)) {
		verifier.in_log = false;
	} else if (verifier.in_log && !verifier.summarised) {
		if (!strncmp(line, VERIFIER_SUMMARY, strlen(VERIFIER_SUMMARY))) {
			verifier.summarised = true;
			snprintf(verifier.said, sizeof(verifier.said), "%s", verifier.last);
		} else if (line[0]) {
			snprintf(verifier.last, sizeof(verifier.last), "%s", line);
		}
	}
}

const char *kernel_verifier_said(void)
{
	return verifier.said;
}

void kernel_load_refusal(int ret, const char *release, const char *verifier_said, bool privileged, char *out,
			 size_t len)
{
	const char *hint = "xdpcastd --verbose shows libbpf's log of each step, the verifier's among it";

	if (ret == -EPERM || (ret == -EACCES && !privileged))
		hint = "xdpcastd needs CAP_BPF, CAP_NET_ADMIN and CAP_PERFMON, or root";
	else if (ret == -E2BIG && verifier_said[0])
		hint = "the program is more than this kernel's verifier can check: please report it, with the log "
		       "xdpcastd --verbose shows";
	if (verifier_said[0])
		snprintf(out, len, "%s: the verifier of Linux %s said '%s' (%s)", strerror(-ret), release, verifier_said,
			 hint);
	else
		snprintf(out, len, "%s (%s)", strerror(-ret), hint);
}
