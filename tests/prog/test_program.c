// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "generation.h"
#include "prefix.h"
#include "test_program.h"

int test_program_publish(struct xdpcast_bpf *skel, const char *zone_file, char *err, size_t errlen)
{
	char *zones[] = { (char *)zone_file };
	struct view_zones views[] = { { zones, 1 } };
	struct generation gen = { 0 };
	int ret;

	if (zone_file && generation_build(&gen, views, 1, TEST_POP, err, errlen))
		return -1;
	ret = generation_publish(&gen, bpf_map__fd(skel->maps.xdpcast_answer_gen), err, errlen);
	generation_free(&gen);
	return ret;
}

struct xdpcast_bpf *test_program_load(const char *zone_file, char *err, size_t errlen)
{
	static const char *const anycast[] = { TEST_ANYCAST4, TEST_ANYCAST6 };
	struct xdpcast_bpf *skel = xdpcast_bpf__open();
	struct bpf_map *map;

	if (!skel) {
		snprintf(err, errlen, "cannot open the BPF object");
		return NULL;
	}
	bpf_object__for_each_map(map, skel->obj)
		bpf_map__set_pin_path(map, NULL);
	skel->rodata->nsid_len = strlen(TEST_POP);
	memcpy((void *)skel->rodata->nsid, TEST_POP, strlen(TEST_POP));
	if (xdpcast_bpf__load(skel)) {
		snprintf(err, errlen, "cannot load the BPF program (verifier log above)");
		goto fail;
	}
	for (size_t i = 0; i < 2; i++) {
		struct protected_prefix value = { .index = i };
		struct xdpcast_lpm_key key;

		if (prefix_parse(anycast[i], &key, err, errlen) ||
		    bpf_map_update_elem(bpf_map__fd(skel->maps.xdpcast_protected), &key, &value, BPF_ANY))
			goto fail;
	}
	if (test_program_publish(skel, zone_file, err, errlen))
		goto fail;
	return skel;
fail:
	xdpcast_bpf__destroy(skel);
	return NULL;
}
