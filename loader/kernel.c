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

/* libbpf frames the verifier's log of a failed load with these, and
 * names a map it could not create so. */
#define VERIFIER_LOG_BEGIN "-- BEGIN PROG LOAD LOG --"
#define VERIFIER_LOG_END "-- END PROG LOAD LOG --"
#define VERIFIER_SUMMARY "processed "
#define MAP_FAILED_HEAD "libbpf: map '"
#define MAP_FAILED_TAIL "': failed to create"

static __thread struct {
	struct load_notes notes;
	bool in_log, summarised;
	char last[sizeof(((struct load_notes *)0)->verifier_said)];
} noted;

void kernel_load_notes_clear(void)
{
	memset(&noted, 0, sizeof(noted));
}

void kernel_note_libbpf_line(const char *line)
{
	const char *tail;

	if (strstr(line, VERIFIER_LOG_BEGIN)) {
		noted.in_log = true;
		noted.summarised = false;
		noted.last[0] = noted.notes.verifier_said[0] = '\0';
	} else if (strstr(line, VERIFIER_LOG_END)) {
		noted.in_log = false;
	} else if (noted.in_log && !noted.summarised) {
		if (!strncmp(line, VERIFIER_SUMMARY, strlen(VERIFIER_SUMMARY))) {
			noted.summarised = true;
			snprintf(noted.notes.verifier_said, sizeof(noted.notes.verifier_said), "%s", noted.last);
		} else if (line[0]) {
			snprintf(noted.last, sizeof(noted.last), "%s", line);
		}
	} else if (!strncmp(line, MAP_FAILED_HEAD, strlen(MAP_FAILED_HEAD)) && (tail = strstr(line, MAP_FAILED_TAIL))) {
		line += strlen(MAP_FAILED_HEAD);
		snprintf(noted.notes.map, sizeof(noted.notes.map), "%.*s", (int)(tail - line), line);
	}
}

const struct load_notes *kernel_load_notes(void)
{
	return &noted.notes;
}

void kernel_load_refusal(int ret, const char *release, const struct load_notes *notes, const char *map_sizing,
			 bool privileged, char *out, size_t len)
{
	const char *hint = "xdpcastd --verbose shows libbpf's log of each step, the verifier's among it";

	if (ret == -ENOMEM && notes->map[0])
		hint = "fewer entries, or a higher memory limit on xdpcastd's cgroup (MemoryMax= on its unit)";
	else if (ret == -EPERM || !privileged)  /* without them the verifier refuses this program */
		hint = "xdpcastd needs CAP_BPF, CAP_NET_ADMIN and CAP_PERFMON, or root";
	else if (ret == -E2BIG && notes->verifier_said[0])
		hint = "the program is more than this kernel's verifier can check: please report it, with the log "
		       "xdpcastd --verbose shows";
	if (notes->map[0])
		snprintf(out, len, "map %s%s%s%s: %s (%s)", notes->map, map_sizing ? " (" : "", map_sizing ? map_sizing : "",
			 map_sizing ? ")" : "", strerror(-ret), hint);
	else if (notes->verifier_said[0])
		snprintf(out, len, "%s: the verifier of Linux %s said '%s' (%s)", strerror(-ret), release,
			 notes->verifier_said, hint);
	else
		snprintf(out, len, "%s (%s)", strerror(-ret), hint);
}
