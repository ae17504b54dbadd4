// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <bpf/libbpf.h>

#include "array.h"
#include "generation.h"
#include "hmap.h"
#include "log.h"

static struct map_btf btf_of(const struct xdpcast_bpf *skel, const struct bpf_map *map)
{
	return (struct map_btf){
		.fd = bpf_object__btf_fd(skel->obj),
		.key_type_id = bpf_map__btf_key_type_id(map),
		.value_type_id = bpf_map__btf_value_type_id(map),
	};
}

struct cache *generation_cache_open(struct xdpcast_bpf *skel, uint64_t max_bytes, bool minimal_responses, char *err,
				    size_t errlen)
{
	struct cache_maps maps = {
		.generation_fd = bpf_map__fd(skel->maps.xdpcast_answer_gen),
		.blob_fd = bpf_map__fd(skel->maps.xdpcast_blob),
		.blob_pages = bpf_map__max_entries(skel->maps.xdpcast_blob),
		.names_btf = btf_of(skel, skel->maps.xdpcast_empty),
		.page_btf = btf_of(skel, skel->maps.xdpcast_blob_page),
	};

	return cache_open(&maps, max_bytes, minimal_responses, err, errlen);
}

/* Puts a zone (the reference is the generation's) at index `at`. */
static int insert_zone(struct generation *gen, size_t at, struct zone *zone, uint16_t view,
		       const struct file_stamp *stamp)
{
	size_t after = gen->zone_count - at;

	if (gen->zone_count == gen->zone_capacity) {
		size_t cap = gen->zone_capacity ? gen->zone_capacity * 2 : 16;
		struct zone **zones = realloc(gen->zones, cap * sizeof(*zones));
		uint16_t *views;
		struct file_stamp *stamps;

		if (!zones)
			return -1;
		gen->zones = zones;
		views = realloc(gen->views, cap * sizeof(*views));
		if (!views)
			return -1;
		gen->views = views;
		stamps = realloc(gen->stamps, cap * sizeof(*stamps));
		if (!stamps)
			return -1;
		gen->stamps = stamps;
		gen->zone_capacity = cap;
	}
	memmove(&gen->zones[at + 1], &gen->zones[at], after * sizeof(*gen->zones));
	memmove(&gen->views[at + 1], &gen->views[at], after * sizeof(*gen->views));
	memmove(&gen->stamps[at + 1], &gen->stamps[at], after * sizeof(*gen->stamps));
	gen->zones[at] = zone;
	gen->views[at] = view;
	gen->stamps[at] = stamp ? *stamp : (struct file_stamp){ 0 };
	gen->zone_count++;
	return 0;
}

static int add_zone(struct generation *gen, struct zone *zone, uint16_t view, const struct file_stamp *stamp)
{
	return insert_zone(gen, gen->zone_count, zone, view, stamp);
}

static void remove_zone(struct generation *gen, size_t at)
{
	size_t after = gen->zone_count - at - 1;

	zone_free(gen->zones[at]);
	memmove(&gen->zones[at], &gen->zones[at + 1], after * sizeof(*gen->zones));
	memmove(&gen->views[at], &gen->views[at + 1], after * sizeof(*gen->views));
	memmove(&gen->stamps[at], &gen->stamps[at + 1], after * sizeof(*gen->stamps));
	gen->zone_count--;
}

static void stamp_file(const char *path, struct file_stamp *stamp)
{
	struct timespec now;
	struct stat st;

	memset(stamp, 0, sizeof(*stamp));
	clock_gettime(CLOCK_REALTIME, &now);
	if (stat(path, &st))
		return;         /* reading it will say what is wrong */
	/* Timestamps move in ticks of the kernel's coarse clock: a file
	 * written within the last second could be written again under the
	 * same stamp. Not trusted, it is read again next time. */
	if (st.st_mtim.tv_sec + 1 >= now.tv_sec)
		return;
	*stamp = (struct file_stamp){ .dev = st.st_dev, .ino = st.st_ino, .size = st.st_size,
				      .mtime = st.st_mtim, .ctime = st.st_ctim };
}

static bool same_stamp(const struct file_stamp *a, const struct file_stamp *b)
{
	return a->ino && a->dev == b->dev && a->ino == b->ino && a->size == b->size &&
	       a->mtime.tv_sec == b->mtime.tv_sec && a->mtime.tv_nsec == b->mtime.tv_nsec &&
	       a->ctime.tv_sec == b->ctime.tv_sec && a->ctime.tv_nsec == b->ctime.tv_nsec;
}

/* The zones `known` read from files, by their path's hash. */
static int index_files(const struct generation *known, struct hmap_index *by_path)
{
	for (size_t i = 0; i < known->zone_count; i++)
		if (known->stamps[i].ino && hmap_index_add(by_path, hmap_hash_text(known->zones[i]->file), i))
			return -1;
	return 0;
}

/* The zone `known` read from path, when the file is still what it was.
 * A zone with $INCLUDEs is always read again: only its top file is
 * stamped, and an included file may have changed alone. */
static struct zone *known_zone(const struct generation *known, const struct hmap_index *by_path, const char *path,
			       const struct file_stamp *stamp)
{
	for (size_t i = hmap_index_first(by_path, hmap_hash_text(path)); i != HMAP_INDEX_END;
	     i = hmap_index_next(by_path, i))
		if (!strcmp(known->zones[i]->file, path) && same_stamp(&known->stamps[i], stamp) &&
		    !known->zones[i]->include_count)
			return zone_ref(known->zones[i]);
	return NULL;
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

/* Whether `view` must serve the default view's zone of `origin` too: a
 * zone the view loads holds names above it, and the view loads no zone of
 * that origin itself. */
static bool borrowed_by_view(const struct generation *gen, const knot_dname_t *origin, uint16_t view)
{
	bool below = false;

	for (size_t i = gen->default_view_count; i < gen->own_count; i++) {
		if (gen->views[i] != view)
			continue;
		if (knot_dname_is_equal(gen->zones[i]->origin, origin))
			return false;
		below |= knot_dname_in_bailiwick(origin, gen->zones[i]->origin) > 0;
	}
	return below;
}

/* Whether some view serves (or must serve) the default zone of `origin` too. */
static bool borrowed_by_a_view(const struct generation *gen, const knot_dname_t *origin, uint16_t *which)
{
	for (size_t i = gen->default_view_count; i < gen->own_count; i++)
		if (borrowed_by_view(gen, origin, gen->views[i])) {
			*which = gen->views[i];
			return true;
		}
	return false;
}

/* The default view's zones each view serves too, after every view's own. */
static int borrow_nested_zones(struct generation *gen, size_t view_count)
{
	gen->own_count = gen->zone_count;
	for (uint16_t v = 1; v < view_count; v++)
		for (size_t i = 0; i < gen->default_view_count; i++)
			if (borrowed_by_view(gen, gen->zones[i]->origin, v)) {
				if (add_zone(gen, gen->zones[i], v, &gen->stamps[i]))
					return -1;
				zone_ref(gen->zones[i]);
			}
	return 0;
}

int generation_build(struct generation *gen, const struct view_zones *views, size_t view_count,
		     struct zone *const *transferred, size_t transferred_count, const struct generation *known,
		     char *err, size_t errlen)
{
	char **tried = NULL;
	size_t tried_count = 0;
	int ret = generation_build_tried(gen, views, view_count, transferred, transferred_count, known, &tried,
					 &tried_count, err, errlen);

	strings_free(&tried, &tried_count);
	return ret;
}

int generation_build_tried(struct generation *gen, const struct view_zones *views, size_t view_count,
			   struct zone *const *transferred, size_t transferred_count, const struct generation *known,
			   char ***tried, size_t *tried_count, char *err, size_t errlen)
{
	struct hmap_index by_path = { 0 };

	memset(gen, 0, sizeof(*gen));
	if (known && index_files(known, &by_path))
		goto oom;
	for (size_t v = 0; v < view_count; v++) {
		for (size_t i = 0; i < views[v].count; i++) {
			const char *path = views[v].paths[i];
			struct file_stamp stamp;
			struct zone *zone;

			stamp_file(path, &stamp);
			zone = known ? known_zone(known, &by_path, path, &stamp) : NULL;
			if (!zone)
				zone = zone_load_tried(path, tried, tried_count, err, errlen);
			if (!zone)
				goto fail;
			if (add_zone(gen, zone, v, &stamp)) {
				zone_free(zone);
				goto oom;
			}
		}
		if (v == 0) {
			for (size_t i = 0; i < transferred_count; i++) {
				if (add_zone(gen, transferred[i], 0, NULL))
					goto oom;
				zone_ref(transferred[i]);
			}
			gen->default_view_count = gen->zone_count;
		}
	}
	if (check_origins(gen, err, errlen))
		goto fail;
	if (borrow_nested_zones(gen, view_count))
		goto oom;
	hmap_index_free(&by_path);
	return 0;
oom:
	snprintf(err, errlen, "out of memory");
fail:
	hmap_index_free(&by_path);
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
	current->served = true;
	memset(next, 0, sizeof(*next));
}

/* The zones before `count` that apply_in_place changed, changed back to
 * current's: a load is all or nothing, also when its last zone fails. */
static void undo_in_place(const struct generation *current, const struct generation *next, struct cache *cache,
			  size_t count)
{
	for (size_t i = 0; i < count; i++) {
		char name[KNOT_DNAME_TXT_MAXLEN], err[512];

		if (next->zones[i] == current->zones[i] ||
		    !cache_zone_current(cache, next->zones[i], next->views[i]))
			continue;
		knot_dname_to_str(name, current->zones[i]->origin, sizeof(name));
		if (cache_restore_zone(cache, current->zones[i], current->views[i], err, sizeof(err)) < 0)
			log_error("zone %s: changing it back after a later zone failed: %s", name, err);
		else
			log_info("zone %s: changed back to serial %u, as a later zone failed", name,
				 current->zones[i]->serial);
	}
}

/* Each zone of next diffed against current's and changed in place, all
 * or none. current keeps its zones: they are the previous state until
 * next is taken. */
static int apply_in_place(const struct generation *current, const struct generation *next, struct cache *cache,
			  char *err, size_t errlen)
{
	for (size_t i = 0; i < next->zone_count; i++) {
		char name[KNOT_DNAME_TXT_MAXLEN];
		int written;

		/* An unchanged file, or a transferred zone (it follows its
		 * primary itself), unless its last change was not written. */
		if (next->zones[i] == current->zones[i] && cache_zone_current(cache, next->zones[i], next->views[i]))
			continue;
		written = cache_change_zone(cache, next->zones[i], next->views[i], NULL, err, errlen);
		if (written < 0) {
			undo_in_place(current, next, cache, i);
			return written;
		}
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

	if (current->served && same_zones(current, next)) {
		int ret = apply_in_place(current, next, cache, err, errlen);

		if (ret == 0) {
			take(current, next);
			return 0;
		}
		log_msg(ret == CACHE_NEEDS_BUILD ? LOG_LEVEL_INFO : LOG_LEVEL_ERROR, "%s; building a new generation instead",
			err);
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
	uint16_t view;
	int written;
	size_t i;

	/* A view serves it too: nested in the view's zone, it is not changed
	 * in place there, and whether it is served there at all is decided
	 * with the view's zones. */
	if (borrowed_by_a_view(gen, origin, &view)) {
		char name[KNOT_DNAME_TXT_MAXLEN];

		knot_dname_to_str(name, origin, sizeof(name));
		snprintf(err, errlen, "zone %s is served in view %u too, below a zone the view loads", name, view);
		return CACHE_NEEDS_BUILD;
	}
	for (i = 0; i < gen->default_view_count; i++)
		if (knot_dname_is_equal(gen->zones[i]->origin, origin))
			break;
	if (i == gen->default_view_count) {          /* not served yet */
		if (!zone)
			return 0;
		written = cache_add_zone(cache, zone, 0, err, errlen);
		if (written < 0)
			return written;
		/* The default view's zones come first: this one goes last of them. */
		if (insert_zone(gen, gen->default_view_count, zone_ref(zone), 0, NULL)) {
			zone_free(zone);
			snprintf(err, errlen, "out of memory");
			return -1;
		}
		gen->default_view_count++;
		gen->own_count++;
		return written;
	}
	if (!zone) {
		written = cache_remove_zone(cache, origin, 0, err, errlen);
		if (written < 0)
			return -1;
		remove_zone(gen, i);
		gen->default_view_count--;
		gen->own_count--;
		return written;
	}
	written = cache_change_zone(cache, zone, 0, gen->zones[i] == zone ? changes : NULL, err, errlen);
	if (written < 0)
		return written;
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
	free(gen->stamps);
	memset(gen, 0, sizeof(*gen));
}

int generation_view(const struct generation *gen, const struct cache *cache, struct zones_view *out)
{
	memset(out, 0, sizeof(*out));
	out->zones = calloc(gen->zone_count + 1, sizeof(*out->zones));
	if (!out->zones)
		return -1;
	for (size_t i = 0; i < gen->zone_count; i++) {
		const struct zone *z = gen->zones[i];
		struct zone_view *v = &out->zones[out->count];

		v->origin = knot_dname_copy(z->origin, NULL);
		v->file = strdup(z->file ? z->file : "");
		if (!v->origin || !v->file) {
			knot_dname_free(v->origin, NULL);
			free(v->file);
			zones_view_free(out);
			return -1;
		}
		v->serial = z->serial;
		v->records = z->record_count;
		v->loaded_at = z->loaded_at;
		v->view = gen->views[i];
		if (cache && gen->served)
			cache_zone_usage(cache, z->origin, gen->views[i], &v->usage);
		out->count++;
	}
	out->default_view_count = gen->default_view_count;
	if (cache) {
		cache_usage(cache, &out->total);
		out->left_to_userspace = cache_left_to_userspace(cache);
	}
	return 0;
}

void zones_view_free(struct zones_view *view)
{
	for (size_t i = 0; i < view->count; i++) {
		knot_dname_free(view->zones[i].origin, NULL);
		free(view->zones[i].file);
	}
	free(view->zones);
	memset(view, 0, sizeof(*view));
}
