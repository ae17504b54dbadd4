// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/libbpf.h>

#include "generation.h"
#include "log.h"

static struct map_btf btf_of(const struct xdpcast_bpf *skel, const struct bpf_map *map)
{
	return (struct map_btf){
		.fd = bpf_object__btf_fd(skel->obj),
		.key_type_id = bpf_map__btf_key_type_id(map),
		.value_type_id = bpf_map__btf_value_type_id(map),
	};
}

struct cache *generation_cache_open(struct xdpcast_bpf *skel, uint64_t max_bytes, char *err, size_t errlen)
{
	struct cache_maps maps = {
		.generation_fd = bpf_map__fd(skel->maps.xdpcast_answer_gen),
		.blob_fd = bpf_map__fd(skel->maps.xdpcast_blob),
		.blob_pages = bpf_map__max_entries(skel->maps.xdpcast_blob),
		.names_btf = btf_of(skel, skel->maps.xdpcast_empty),
		.page_btf = btf_of(skel, skel->maps.xdpcast_blob_page),
	};

	return cache_open(&maps, max_bytes, err, errlen);
}

static int add_zone(struct generation *gen, struct zone *zone, uint16_t view)
{
	if (gen->zone_count == gen->zone_capacity) {
		size_t cap = gen->zone_capacity ? gen->zone_capacity * 2 : 16;
		struct zone **zones = realloc(gen->zones, cap * sizeof(*zones));
		uint16_t *views;

		if (!zones)
			return -1;
		gen->zones = zones;
		views = realloc(gen->views, cap * sizeof(*views));
		if (!views)
			return -1;
		gen->views = views;
		gen->zone_capacity = cap;
	}
	gen->zones[gen->zone_count] = zone;
	gen->views[gen->zone_count++] = view;
	return 0;
}

/* Orders zone indexes by view, origin, then index. */
static int compare_zone_at(const void *a, const void *b, void *arg)
{
	const struct generation *gen = arg;
	size_t x = *(const size_t *)a, y = *(const size_t *)b;
	int cmp = (int)gen->views[x] - (int)gen->views[y];

	if (!cmp)
		cmp = zone_name_cmp(gen->zones[x]->origin, gen->zones[y]->origin);
	return cmp ? cmp : (x > y) - (x < y);
}

/* One zone per origin and view: sorted, a zone taken twice is adjacent. */
static int check_origins(const struct generation *gen, char *err, size_t errlen)
{
	size_t *order = malloc((gen->zone_count + 1) * sizeof(*order));
	int ret = 0;

	if (!order) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (size_t i = 0; i < gen->zone_count; i++)
		order[i] = i;
	qsort_r(order, gen->zone_count, sizeof(*order), compare_zone_at, (void *)gen);
	for (size_t i = 1; i < gen->zone_count && !ret; i++) {
		size_t first = order[i - 1], again = order[i];
		char name[KNOT_DNAME_TXT_MAXLEN];

		if (gen->views[first] != gen->views[again] ||
		    !knot_dname_is_equal(gen->zones[first]->origin, gen->zones[again]->origin))
			continue;
		knot_dname_to_str(name, gen->zones[again]->origin, sizeof(name));
		snprintf(err, errlen, "%s: zone %s is already loaded from %s", gen->zones[again]->file, name,
			 gen->zones[first]->file);
		ret = -1;
	}
	free(order);
	return ret;
}

int generation_build(struct generation *gen, const struct view_zones *views, size_t view_count,
		     struct zone *const *transferred, size_t transferred_count, char *err, size_t errlen)
{
	memset(gen, 0, sizeof(*gen));
	for (size_t v = 0; v < view_count; v++) {
		for (size_t i = 0; i < views[v].count; i++) {
			struct zone *zone = zone_load(views[v].paths[i], err, errlen);

			if (!zone)
				goto fail;
			if (add_zone(gen, zone, v)) {
				zone_free(zone);
				goto oom;
			}
		}
		if (v == 0) {
			for (size_t i = 0; i < transferred_count; i++) {
				if (add_zone(gen, transferred[i], 0))
					goto oom;
				zone_ref(transferred[i]);
			}
			gen->default_view_count = gen->zone_count;
		}
	}
	if (check_origins(gen, err, errlen))
		goto fail;
	return 0;
oom:
	snprintf(err, errlen, "out of memory");
fail:
	generation_free(gen);
	return -1;
}

/* Whether two generations hold the same zones in the same views (each
 * zone from the same file or transfer): then only their content differs. */
static bool same_zones(const struct generation *a, const struct generation *b)
{
	if (a->zone_count != b->zone_count || a->default_view_count != b->default_view_count)
		return false;
	for (size_t i = 0; i < a->zone_count; i++)
		if (a->views[i] != b->views[i] || !knot_dname_is_equal(a->zones[i]->origin, b->zones[i]->origin) ||
		    strcmp(a->zones[i]->file, b->zones[i]->file))
			return false;
	return true;
}

static void take(struct generation *current, struct generation *next)
{
	unsigned number = current->number;

	generation_free(current);
	*current = *next;
	current->number = number;
	memset(next, 0, sizeof(*next));
}

/* Each zone of next diffed against current's and changed in place. */
static int apply_in_place(struct generation *current, const struct generation *next, struct cache *cache,
			  char *err, size_t errlen)
{
	for (size_t i = 0; i < next->zone_count; i++) {
		char name[KNOT_DNAME_TXT_MAXLEN];
		int written;

		if (next->zones[i] == current->zones[i])
			continue;       /* a transferred zone: it follows its primary itself */
		written = cache_change_zone(cache, next->zones[i], next->views[i], NULL, err, errlen);
		if (written < 0)
			return -1;
		/* In force now: keep it even if a later zone fails. */
		zone_free(current->zones[i]);
		current->zones[i] = zone_ref(next->zones[i]);
		knot_dname_to_str(name, next->zones[i]->origin, sizeof(name));
		log_info("zone %s serial %u: %d names changed in place", name, next->zones[i]->serial, written);
	}
	return 0;
}

int generation_apply(struct generation *current, struct generation *next, struct cache *cache,
		     const char *identity, char *err, size_t errlen)
{
	struct cache_source *sources;
	struct cache_generation *built;

	if (current->zones && same_zones(current, next)) {
		if (apply_in_place(current, next, cache, err, errlen) == 0) {
			take(current, next);
			return 0;
		}
		log_error("%s; building a new generation instead", err);
	}
	sources = calloc(next->zone_count + 1, sizeof(*sources));
	if (!sources) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (size_t i = 0; i < next->zone_count; i++)
		sources[i] = (struct cache_source){ next->zones[i], next->views[i] };
	built = cache_build(cache, sources, next->zone_count, identity, err, errlen);
	free(sources);
	if (!built || cache_publish(cache, built, err, errlen)) {
		cache_discard(built);
		return -1;
	}
	take(current, next);
	return 0;
}

int generation_serve_transfer(struct generation *gen, struct cache *cache, const knot_dname_t *origin,
			      struct zone *zone, const struct zone_changes *changes, char *err, size_t errlen)
{
	int written;
	size_t i;

	for (i = 0; i < gen->default_view_count; i++)
		if (knot_dname_is_equal(gen->zones[i]->origin, origin))
			break;
	if (i == gen->default_view_count) {          /* not served yet */
		if (!zone)
			return 0;
		written = cache_add_zone(cache, zone, 0, err, errlen);
		if (written < 0)
			return -1;
		/* The default view's zones come first: this one goes last of them. */
		if (add_zone(gen, zone_ref(zone), 0)) {
			snprintf(err, errlen, "out of memory");
			return -1;
		}
		memmove(&gen->zones[gen->default_view_count + 1], &gen->zones[gen->default_view_count],
			(gen->zone_count - 1 - gen->default_view_count) * sizeof(*gen->zones));
		memmove(&gen->views[gen->default_view_count + 1], &gen->views[gen->default_view_count],
			(gen->zone_count - 1 - gen->default_view_count) * sizeof(*gen->views));
		gen->zones[gen->default_view_count] = zone;
		gen->views[gen->default_view_count++] = 0;
		return written;
	}
	if (!zone) {
		written = cache_remove_zone(cache, origin, 0, err, errlen);
		if (written < 0)
			return -1;
		zone_free(gen->zones[i]);
		memmove(&gen->zones[i], &gen->zones[i + 1], (gen->zone_count - i - 1) * sizeof(*gen->zones));
		memmove(&gen->views[i], &gen->views[i + 1], (gen->zone_count - i - 1) * sizeof(*gen->views));
		gen->zone_count--;
		gen->default_view_count--;
		return written;
	}
	written = cache_change_zone(cache, zone, 0, gen->zones[i] == zone ? changes : NULL, err, errlen);
	if (written < 0)
		return -1;
	if (gen->zones[i] != zone) {
		zone_free(gen->zones[i]);
		gen->zones[i] = zone_ref(zone);
	}
	return written;
}

void generation_free(struct generation *gen)
{
	for (size_t i = 0; i < gen->zone_count; i++)
		zone_free(gen->zones[i]);
	free(gen->zones);
	free(gen->views);
	memset(gen, 0, sizeof(*gen));
}
