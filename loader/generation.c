// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>

#include "generation.h"

int generation_build(struct generation *gen, const struct view_zones *views, size_t view_count,
		     struct zone *const *transferred, size_t transferred_count, const char *identity,
		     char *err, size_t errlen)
{
	size_t total = transferred_count;

	memset(gen, 0, sizeof(*gen));
	for (size_t v = 0; v < view_count; v++)
		total += views[v].count;
	gen->zones = calloc(total + 1, sizeof(*gen->zones));
	if (!gen->zones) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (size_t v = 0; v < view_count; v++) {
		struct zone **first = gen->zones + gen->zone_count;

		for (size_t i = 0; i < views[v].count; i++) {
			gen->zones[gen->zone_count] = zone_load(views[v].paths[i], err, errlen);
			if (!gen->zones[gen->zone_count])
				goto fail;
			gen->zone_count++;
		}
		if (v == 0) {
			for (size_t i = 0; i < transferred_count; i++)
				gen->zones[gen->zone_count++] = zone_ref(transferred[i]);
			gen->default_view_count = gen->zone_count;
		}
		if (answers_compile_view(first, gen->zones + gen->zone_count - first, v, &gen->answers, err, errlen))
			goto fail;
	}
	if (identity && answers_add_chaos(&gen->answers, identity, err, errlen))
		goto fail;
	return 0;
fail:
	generation_free(gen);
	return -1;
}

static int create_inner_map(size_t entries)
{
	LIBBPF_OPTS(bpf_map_create_opts, opts, .map_flags = BPF_F_NO_PREALLOC);

	return bpf_map_create(BPF_MAP_TYPE_HASH, "xdpcast_answers", sizeof(struct answer_key),
			      sizeof(struct answer_entry), entries ? entries : 1, &opts);
}

int generation_publish(struct generation *gen, int outer_map_fd, char *err, size_t errlen)
{
	const struct answer_set *set = &gen->answers;
	__u32 slot = 0, done = 0;
	int inner = create_inner_map(set->count);

	if (inner < 0) {
		snprintf(err, errlen, "creating the answer cache map for %zu entries: %s", set->count,
			 strerror(errno));
		return -1;
	}
	while (done < set->count) {
		__u32 batch = set->count - done;

		if (bpf_map_update_batch(inner, &set->keys[done], &set->entries[done], &batch, NULL)) {
			snprintf(err, errlen, "filling the answer cache: %s", strerror(errno));
			close(inner);
			return -1;
		}
		done += batch;
	}
	/* The swap: from here packets use the new generation. The kernel frees
	 * the old map once no program run still holds it. */
	if (bpf_map_update_elem(outer_map_fd, &slot, &inner, BPF_ANY)) {
		snprintf(err, errlen, "swapping in the new answer cache: %s", strerror(errno));
		close(inner);
		return -1;
	}
	close(inner);
	return 0;
}

void generation_free(struct generation *gen)
{
	for (size_t i = 0; i < gen->zone_count; i++)
		zone_free(gen->zones[i]);
	free(gen->zones);
	answers_free(&gen->answers);
	memset(gen, 0, sizeof(*gen));
}
