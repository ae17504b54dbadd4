// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * zone_bench FILE...: for each zone file, the time to read it, to compile
 * it into a new generation of the answer cache (the loader's own code,
 * straight into the program's maps) and to swap it in, and the kernel
 * memory it takes: the maps' own accounting (memlock) and what the kernel's
 * slab and vmalloc counters grew by. Prints one markdown table row per
 * file.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "generation.h"
#include "test_program.h"

/* Slab and vmalloc memory of the whole kernel, in bytes. */
static long long kernel_memory(void)
{
	long long slab = 0, vmalloc = 0, kb;
	char line[256];
	FILE *f = fopen("/proc/meminfo", "r");

	while (f && fgets(line, sizeof(line), f)) {
		if (sscanf(line, "Slab: %lld kB", &kb) == 1)
			slab = kb;
		else if (sscanf(line, "VmallocUsed: %lld kB", &kb) == 1)
			vmalloc = kb;
	}
	if (f)
		fclose(f);
	return (slab + vmalloc) * 1024;
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
		struct generation current = { 0 }, next;
		struct cache_usage usage;
		long long before = kernel_memory(), grown;
		double t0 = clock_monotonic(), t1, t2;
		size_t records;

		if (generation_build(&next, views, 1, NULL, 0, err, sizeof(err))) {
			fprintf(stderr, "zone_bench: %s\n", err);
			return 1;
		}
		t1 = clock_monotonic();
		if (generation_apply(&current, &next, test_program_cache(), NULL, err, sizeof(err))) {
			fprintf(stderr, "zone_bench: %s\n", err);
			return 1;
		}
		t2 = clock_monotonic();
		grown = kernel_memory() - before;
		cache_usage(test_program_cache(), &usage);
		records = current.zones[0]->record_count;
		printf("| %zu | %llu | %.2f | %.2f | %.1f | %.0f | %.0f |\n", records, (unsigned long long)usage.entries,
		       t1 - t0, t2 - t1, usage.bytes / 1048576.0, records ? (double)usage.bytes / records : 0.0,
		       records ? (double)grown / records : 0.0);
		generation_free(&current);
		test_program_publish(skel, NULL, err, sizeof(err));   /* frees the big generation */
	}
	test_program_unload(skel);
	return 0;
}
