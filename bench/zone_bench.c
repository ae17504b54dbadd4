// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * zone_bench FILE | zone_bench -l LIST: one generation of the answer cache
 * from one zone file, or from every file LIST names (one a line), built
 * with the loader's own code straight into the program's maps. Prints one
 * line, "records names read_s build_s map_bytes kernel_bytes": the records
 * and cached names, the seconds to read the files and to compile and
 * publish them, the maps' own accounting (memlock) and what the kernel's
 * slab and vmalloc counters grew by.
 *
 * zone_bench -c FILE: the zone read from FILE, then kept as transfer.
 * copies keeps a transferred zone (written, then read back at a start),
 * in a directory of its own under /tmp, removed after. Prints "records
 * read_s write_s reread_s file_bytes copy_bytes".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "clock.h"
#include "generation.h"
#include "test_program.h"
#include "zone_copies.h"

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

/* The lines of a file, each a path. */
static char **read_list(const char *path, size_t *count)
{
	FILE *f = fopen(path, "r");
	char **paths = NULL, line[4096];
	size_t capacity = 0;

	*count = 0;
	while (f && fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		if (!line[0])
			continue;
		if (*count == capacity) {
			capacity = capacity ? capacity * 2 : 1024;
			paths = realloc(paths, capacity * sizeof(*paths));
			if (!paths)
				break;
		}
		paths[(*count)++] = strdup(line);
	}
	if (f)
		fclose(f);
	return paths;
}

static int copy_bench(const char *path)
{
	char top[] = "/tmp/xdpcast-zone-bench-XXXXXX", state_file[sizeof(top) + 16], err[512];
	char name[KNOT_DNAME_TXT_MAXLEN], copy[PATH_MAX + sizeof(name) + 8];
	struct zone_copies copies = { 0 };
	struct zone *zone, *back = NULL;
	struct stat file_st, copy_st;
	time_t refreshed_at;
	double t0, t1, t2, t3;

	if (!mkdtemp(top)) {
		perror("zone_bench: mkdtemp");
		return 1;
	}
	snprintf(state_file, sizeof(state_file), "%s/state.json", top);
	t0 = clock_monotonic();
	zone = zone_load(path, err, sizeof(err));
	t1 = clock_monotonic();
	if (zone && !zone_copies_open(&copies, state_file, err, sizeof(err)) &&
	    !zone_copy_save(&copies, zone, time(NULL), err, sizeof(err))) {
		t2 = clock_monotonic();
		back = zone_copy_load(&copies, zone->origin, &refreshed_at, err, sizeof(err));
		t3 = clock_monotonic();
	}
	if (back) {
		knot_dname_to_str(name, zone->origin, sizeof(name));
		snprintf(copy, sizeof(copy), "%s/%szone", copies.dir, name);
		stat(path, &file_st);
		stat(copy, &copy_st);
		printf("%zu %.3f %.3f %.3f %lld %lld\n", back->record_count, t1 - t0, t2 - t1, t3 - t2,
		       (long long)file_st.st_size, (long long)copy_st.st_size);
		zone_copy_forget(&copies, zone->origin);
	} else {
		fprintf(stderr, "zone_bench: %s\n", err);
	}
	if (copies.dir[0])
		rmdir(copies.dir);
	zone_copies_close(&copies);
	rmdir(top);
	zone_free(back);
	zone_free(zone);
	return back ? 0 : 1;
}

int main(int argc, char **argv)
{
	char err[512], **paths = argv + 1;
	size_t count = 1, records = 0;
	struct xdpcast_bpf *skel;
	struct generation current = { 0 }, next;
	struct cache_usage usage;
	long long before;
	double t0, t1, t2;

	/* A bench of scale: the zone's size is what is measured, not limited. */
	zone_set_limits(&(struct zone_limits){ .file_bytes = UINT64_MAX, .records = UINT64_MAX });
	if (argc == 3 && !strcmp(argv[1], "-c"))
		return copy_bench(argv[2]);
	if (argc == 3 && !strcmp(argv[1], "-l"))
		paths = read_list(argv[2], &count);
	else if (argc != 2)
		paths = NULL;
	if (!paths || !count) {
		fprintf(stderr, "usage: zone_bench FILE | zone_bench -l LIST | zone_bench -c FILE\n");
		return 2;
	}
	skel = test_program_load(NULL, err, sizeof(err));
	if (!skel) {
		fprintf(stderr, "zone_bench: %s\n", err);
		return 1;
	}
	struct view_zones views[] = { { paths, count } };

	before = kernel_memory();
	t0 = clock_monotonic();
	if (generation_build(&next, views, 1, NULL, 0, NULL, err, sizeof(err))) {
		fprintf(stderr, "zone_bench: %s\n", err);
		return 1;
	}
	t1 = clock_monotonic();
	if (generation_apply(&current, &next, test_program_cache(), NULL, err, sizeof(err))) {
		fprintf(stderr, "zone_bench: %s\n", err);
		return 1;
	}
	t2 = clock_monotonic();
	cache_usage(test_program_cache(), &usage);
	for (size_t i = 0; i < current.zone_count; i++)
		records += current.zones[i]->record_count;
	printf("%zu %llu %.2f %.2f %llu %lld\n", records, (unsigned long long)usage.entries, t1 - t0, t2 - t1,
	       (unsigned long long)usage.bytes, kernel_memory() - before);
	generation_free(&current);
	test_program_unload(skel);
	return 0;
}
