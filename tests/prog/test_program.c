// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "generation.h"
#include "prefix.h"
#include "protection.h"
#include "reasons.h"
#include "stats.h"
#include "test_program.h"

/* The cache of the loaded program (tests load one at a time). */
static struct cache *cache;

struct cache *test_program_cache(void)
{
	return cache;
}

int test_program_reopen_cache(struct xdpcast_bpf *skel, uint64_t max_bytes, bool minimal_responses, char *err,
			      size_t errlen)
{
	cache_close(cache);
	cache = generation_cache_open(skel, max_bytes, minimal_responses, err, errlen);
	return cache ? 0 : -1;
}

int test_program_publish(struct xdpcast_bpf *skel, const char *zone_file, char *err, size_t errlen)
{
	return test_program_publish_zones(skel, &zone_file, zone_file ? 1 : 0, err, errlen);
}

int test_program_publish_zones(struct xdpcast_bpf *skel, const char *const *zone_files, size_t count, char *err,
			       size_t errlen)
{
	const struct view_zones views[] = { { (char **)zone_files, count } };

	return test_program_publish_views(skel, views, 1, err, errlen);
}

int test_program_publish_views(struct xdpcast_bpf *skel, const struct view_zones *views, size_t view_count,
			       char *err, size_t errlen)
{
	struct generation current = { 0 }, next;
	int ret;

	(void)skel;
	if (generation_build(&next, views, view_count, NULL, 0, NULL, err, errlen))
		return -1;
	ret = generation_apply(&current, &next, cache, TEST_POP, err, errlen);
	generation_free(&next);
	generation_free(&current);
	return ret;
}

int test_program_protect(struct xdpcast_bpf *skel, const struct protection *p, char *err, size_t errlen)
{
	static const char *const anycast_text[] = { TEST_ANYCAST4, TEST_ANYCAST6 };
	struct xdpcast_lpm_key anycast[2];

	for (size_t i = 0; i < 2; i++) {
		struct protected_prefix value;

		if (prefix_parse(anycast_text[i], &anycast[i], err, errlen))
			return -1;
		protection_scope(p->allow, p->allow_count, &anycast[i], i, &value);
		if (bpf_map_update_elem(bpf_map__fd(skel->maps.xdpcast_protected), &anycast[i], &value, BPF_ANY))
			goto map_error;
	}
	if (protection_write_settings(p, bpf_map__fd(skel->maps.xdpcast_settings), err, errlen))
		return -1;
	return protection_sync_sources(p, bpf_map__fd(skel->maps.xdpcast_source_filter),
				       bpf_map__fd(skel->maps.xdpcast_source_screen), anycast, 2, err, errlen);
map_error:
	snprintf(err, errlen, "updating a map: %s", strerror(errno));
	return -1;
}

struct xdpcast_bpf *test_program_load(const char *zone_file, char *err, size_t errlen)
{
	struct xdpcast_bpf *skel = xdpcast_bpf__open();
	struct protection defaults;
	struct bpf_map *map;

	if (!skel) {
		snprintf(err, errlen, "cannot open the BPF object");
		return NULL;
	}
	bpf_object__for_each_map(map, skel->obj)
		bpf_map__set_pin_path(map, NULL);
	skel->rodata->nsid_len = strlen(TEST_POP);
	memcpy((void *)skel->rodata->nsid, TEST_POP, strlen(TEST_POP));
	/* Every interface slot in use, the verifier's worst case, at ifindexes
	 * no test run comes from (its packets arrive on the loopback device):
	 * they count in the test-run slot. */
	skel->rodata->iface_count = XDPCAST_MAX_IFACES;
	/* The view lookup in, as with --view: the verifier walks it too; an
	 * empty xdpcast_views leaves every client in the default view. */
	skel->rodata->has_views = 1;
	for (__u32 i = 0; i < XDPCAST_MAX_IFACES; i++)
		skel->bss->iface_ifindex[i] = TEST_UNUSED_IFINDEX + i;
	for (__u32 i = 0; i < XDPCAST_STATS_SLOTS; i++)
		skel->bss->iface_slot_number[i] = i;
	if (xdpcast_bpf__load(skel)) {
		snprintf(err, errlen, "cannot load the BPF program (verifier log above)");
		goto fail;
	}
	cache = generation_cache_open(skel, 0, false, err, errlen);
	if (!cache)
		goto fail;
	protection_defaults(&defaults);
	if (test_program_protect(skel, &defaults, err, errlen)) {
		protection_free(&defaults);
		goto fail;
	}
	protection_free(&defaults);
	if (test_program_publish(skel, zone_file, err, errlen))
		goto fail;
	return skel;
fail:
	test_program_unload(skel);
	return NULL;
}

void test_program_unload(struct xdpcast_bpf *skel)
{
	cache_close(cache);
	cache = NULL;
	xdpcast_bpf__destroy(skel);
}

void test_program_counters(struct xdpcast_bpf *skel, struct xdpcast_counter counters[XDPCAST_REASON_MAX])
{
	int ncpus = libbpf_num_possible_cpus();
	struct xdpcast_stats percpu[ncpus];

	memset(counters, 0, sizeof(*counters) * XDPCAST_REASON_MAX);
	for (__u32 slot = 0; slot < XDPCAST_STATS_SLOTS; slot++) {
		if (bpf_map_lookup_elem(bpf_map__fd(skel->maps.xdpcast_stats), &slot, percpu))
			continue;
		for (int cpu = 0; cpu < ncpus; cpu++)
			for (int r = 0; r < XDPCAST_REASON_MAX; r++) {
				counters[r].packets += stats_counter(&percpu[cpu], r)->packets;
				counters[r].bytes += stats_counter(&percpu[cpu], r)->bytes;
			}
	}
}

void test_program_counts(struct xdpcast_bpf *skel, __u64 counts[XDPCAST_REASON_MAX])
{
	struct xdpcast_counter counters[XDPCAST_REASON_MAX];

	test_program_counters(skel, counters);
	for (int r = 0; r < XDPCAST_REASON_MAX; r++)
		counts[r] = counters[r].packets;
}

int test_program_slot_packets(struct xdpcast_bpf *skel, __u64 packets[XDPCAST_STATS_SLOTS], char *err,
			      size_t errlen)
{
	struct xdpcast_stats slots[XDPCAST_STATS_SLOTS];

	if (stats_read_fd(bpf_map__fd(skel->maps.xdpcast_stats), slots, err, errlen))
		return -1;
	for (int slot = 0; slot < XDPCAST_STATS_SLOTS; slot++) {
		packets[slot] = 0;
		for (int r = 0; r < XDPCAST_REASON_MAX; r++)
			packets[slot] += stats_counter(&slots[slot], r)->packets;
	}
	return 0;
}

const char *test_program_counted_once(const struct xdpcast_counter before[XDPCAST_REASON_MAX],
				      const struct xdpcast_counter after[XDPCAST_REASON_MAX],
				      enum xdpcast_reason reason, size_t frame_len)
{
	static char problem[4096];
	size_t used = 0;

	problem[0] = '\0';
	for (int r = 0; r < XDPCAST_REASON_MAX; r++) {
		__u64 packets = after[r].packets - before[r].packets, bytes = after[r].bytes - before[r].bytes;
		int wanted = r == (int)reason;

		if (packets == (__u64)wanted && bytes == (wanted ? frame_len : 0))
			continue;
		used += snprintf(problem + used, sizeof(problem) - used, "%s%s moved by %llu packets, %llu bytes",
				 used ? "; " : "", reason_names[r], (unsigned long long)packets,
				 (unsigned long long)bytes);
		if (used >= sizeof(problem))
			break;
	}
	if (!used)
		return NULL;
	if (used < sizeof(problem))
		snprintf(problem + used, sizeof(problem) - used, " (expected %s by 1 packet, %zu bytes)",
			 reason_names[reason], frame_len);
	return problem;
}
