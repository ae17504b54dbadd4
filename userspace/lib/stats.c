// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "stats.h"

int stats_read(const char *pin_dir, struct xdpcast_stats out[XDPCAST_STATS_SLOTS],
	       char *err, size_t errlen)
{
	char path[512];
	int fd, ret;

	snprintf(path, sizeof(path), "%s/xdpcast_stats", pin_dir);
	fd = bpf_obj_get(path);
	if (fd < 0) {
		snprintf(err, errlen, "%s: %s (is xdpcastd running?)", path, strerror(errno));
		return -1;
	}
	ret = stats_read_fd(fd, out, err, errlen);
	close(fd);
	return ret;
}

int stats_read_fd(int fd, struct xdpcast_stats out[XDPCAST_STATS_SLOTS], char *err, size_t errlen)
{
	int cpus = libbpf_num_possible_cpus();
	struct xdpcast_stats *percpu;
	int ret = -1;

	percpu = calloc(cpus, sizeof(*percpu));
	if (!percpu) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	memset(out, 0, sizeof(*out) * XDPCAST_STATS_SLOTS);
	for (__u32 slot = 0; slot < XDPCAST_STATS_SLOTS; slot++) {
		if (bpf_map_lookup_elem(fd, &slot, percpu)) {
			snprintf(err, errlen, "xdpcast_stats: reading slot %u: %s", slot, strerror(errno));
			goto out;
		}
		for (int cpu = 0; cpu < cpus; cpu++) {
			for (int r = 0; r < XDPCAST_REASON_MAX; r++) {
				stats_counter(&out[slot], r)->packets += stats_counter(&percpu[cpu], r)->packets;
				stats_counter(&out[slot], r)->bytes += stats_counter(&percpu[cpu], r)->bytes;
			}
		}
	}
	ret = 0;
out:
	free(percpu);
	return ret;
}
