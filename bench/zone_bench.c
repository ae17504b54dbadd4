// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * zone_bench FILE...: for each zone file, the time to compile it into an
 * answer cache generation (the loader's own code) and to publish it into
 * the program's map-in-map, and the kernel memory of the inner map
 * (memlock, as bpftool reports it). Prints one markdown table row per file.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "clock.h"
#include "generation.h"
#include "test_program.h"

/* memlock of the inner map in slot 0 of the outer map, from fdinfo. */
static unsigned long long inner_memlock(int outer)
{
	unsigned long long memlock = 0;
	__u32 slot = 0, id;
	char path[64], line[256];
	FILE *f;
	int fd;

	if (bpf_map_lookup_elem(outer, &slot, &id) || (fd = bpf_map_get_fd_by_id(id)) < 0)
		return 0;
	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	f = fopen(path, "r");
	while (f && fgets(line, sizeof(line), f))
		sscanf(line, "memlock: %llu", &memlock);
	if (f)
		fclose(f);
	close(fd);
	return memlock;
}

int main(int argc, char **argv)
{
	char err[512];
	struct xdpcast_bpf *skel = test_program_load(NULL, err, sizeof(err));

	if (!skel) {
		fprintf(stderr, "zone_bench: %s\n", err);
		return 1;
	}
	for (int i = 1; i < argc; i++) {
		char *zones[] = { argv[i] };
		struct view_zones views[] = { { zones, 1 } };
		struct generation gen = { 0 };
		int outer = bpf_map__fd(skel->maps.xdpcast_answer_gen);
		double t0 = clock_monotonic(), t1, t2;
		unsigned long long memlock;
		size_t records;

		if (generation_build(&gen, views, 1, NULL, 0, NULL, err, sizeof(err))) {
			fprintf(stderr, "zone_bench: %s\n", err);
			return 1;
		}
		t1 = clock_monotonic();
		if (generation_publish(&gen, outer, err, sizeof(err))) {
			fprintf(stderr, "zone_bench: %s\n", err);
			return 1;
		}
		t2 = clock_monotonic();
		memlock = inner_memlock(outer);
		records = gen.zones[0]->record_count;
		printf("| %zu | %zu | %.2f | %.2f | %.1f | %.0f |\n", records, gen.answers.count, t1 - t0, t2 - t1,
		       memlock / 1048576.0, records ? (double)memlock / records : 0.0);
		generation_free(&gen);
		test_program_publish(skel, NULL, err, sizeof(err));   /* frees the big generation */
	}
	xdpcast_bpf__destroy(skel);
	return 0;
}
