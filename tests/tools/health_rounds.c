// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Does the work of ROUNDS health rounds against a running xdpcastd, in this
 * process, with the daemon's own functions: the attachment check on IFACE
 * (the pinned program must still run there), the fast_path check (that
 * program answers the zone's SOA with BPF_PROG_TEST_RUN) and the backend
 * check (a SOA query to BACKEND). Prints the open file descriptors before
 * and after, and fails when one round passed or a descriptor leaked: a
 * daemon that leaks one per round dies of EMFILE within the hour.
 *
 *   health_rounds PIN_DIR IFACE ZONEFILE BACKEND ROUNDS
 */
#include <dirent.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>

#include "attach.h"
#include "health.h"

static int open_fds(void)
{
	DIR *dir = opendir("/proc/self/fd");
	int count = 0;

	while (dir && readdir(dir))
		count++;
	if (dir)
		closedir(dir);
	return count;
}

int main(int argc, char **argv)
{
	struct attachment iface = { .attached = true, .mode = XDP_MODE_NATIVE };
	char detail[256], err[512], path[512];
	struct address backend;
	struct zone *zone;
	struct health_zone checked;
	size_t passed;
	bool server_later;
	long rounds;
	int prog_fd, before = 0, after;

	if (argc != 6 || (rounds = atol(argv[5])) <= 1) {
		fprintf(stderr, "usage: health_rounds PIN_DIR IFACE ZONEFILE BACKEND ROUNDS\n");
		return 2;
	}
	snprintf(path, sizeof(path), "%s/xdpcast_prog", argv[1]);
	snprintf(iface.ifname, sizeof(iface.ifname), "%s", argv[2]);
	iface.ifindex = if_nametoindex(argv[2]);
	prog_fd = bpf_obj_get(path);
	zone = zone_load(argv[3], err, sizeof(err));
	if (prog_fd < 0 || !iface.ifindex || !zone || address_parse(argv[4], 53, &backend, err, sizeof(err))) {
		fprintf(stderr, "health_rounds: cannot set up: %s\n", zone ? err : "the zone, program or interface");
		return 2;
	}
	checked = (struct health_zone){ zone->origin, zone->serial };
	for (long i = 0; i < rounds; i++) {
		if (i == 1)     /* after a first round: libraries open what they keep once */
			before = open_fds();
		if (attach_check(prog_fd, &iface, 1, NULL, detail, sizeof(detail)) ||
		    health_fast_path(argv[1], &checked, 1, &passed, detail, sizeof(detail)) ||
		    health_backend(&backend, 1000, &checked, 1, &passed, &server_later, detail, sizeof(detail))) {
			fprintf(stderr, "health_rounds: round %ld failed: %s\n", i + 1, detail);
			return 1;
		}
	}
	after = open_fds();
	printf("%ld rounds: %d open file descriptors before, %d after\n", rounds, before, after);
	zone_free(zone);
	return after == before ? 0 : 1;
}
