// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/vfs.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <linux/magic.h>

#include "log.h"
#include "pins.h"
#include "private_dir.h"
#include "stats.h"

enum carry {
	CARRY_ADD,              /* per-CPU counters: the old counts are added */
	CARRY_LIVE_BLOCKS,      /* source filter: only `xdpcastctl block` entries (the rest is config) */
	CARRY_COPY,             /* entries the new program has not made yet */
	CARRY_CATCHMENT,        /* catchment sets: each network's counts added to the new program's */
};

/* The maps whose content outlives a daemon: everything else is rebuilt
 * from the configuration. */
static const struct {
	const char *name;
	enum carry how;
} state_maps[] = {
	{ "xdpcast_stats", CARRY_ADD },
	{ "xdpcast_source_filter", CARRY_LIVE_BLOCKS },
	{ "xdpcast_source_buckets", CARRY_COPY },
	{ "xdpcast_rrl", CARRY_COPY },
	{ "xdpcast_global_buckets", CARRY_COPY },
	{ "xdpcast_catchment", CARRY_CATCHMENT },
};

static int state_map_index(const char *name)
{
	for (size_t i = 0; i < sizeof(state_maps) / sizeof(state_maps[0]); i++)
		if (!strcmp(state_maps[i].name, name))
			return i;
	return -1;
}

/* `ip netns exec` and minimal systems have no bpffs: mount one to pin. */
static int ensure_bpffs(const char *dir, char *err, size_t errlen)
{
	struct statfs fs;

	if (strncmp(dir, "/sys/fs/bpf/", 12) != 0)
		return 0;
	if (statfs("/sys/fs/bpf", &fs) == 0 && fs.f_type == BPF_FS_MAGIC)
		return 0;
	if (mount("bpf", "/sys/fs/bpf", "bpf", 0, "mode=0700")) {
		snprintf(err, errlen, "%s: /sys/fs/bpf is not a BPF filesystem and mounting one failed: %s", dir,
			 strerror(errno));
		return -1;
	}
	log_info("mounted a BPF filesystem on /sys/fs/bpf");
	return 0;
}

static void pin_path(const struct pins *p, const char *name, const char *suffix, char *out, size_t len)
{
	snprintf(out, len, "%s/%s%s", p->dir, name, suffix);
}

/* The program the previous daemon pinned, with the ids of its maps. */
static void find_previous(struct pins *p)
{
	struct bpf_prog_info info = { 0 };
	__u32 len = sizeof(info);
	char path[512];

	pin_path(p, PINS_PROGRAM, "", path, sizeof(path));
	p->previous_fd = bpf_obj_get(path);
	if (p->previous_fd < 0)
		return;
	info.nr_map_ids = sizeof(p->previous_maps) / sizeof(p->previous_maps[0]);
	info.map_ids = (__u64)(unsigned long)p->previous_maps;
	if (bpf_obj_get_info_by_fd(p->previous_fd, &info, &len) || info.type != BPF_PROG_TYPE_XDP ||
	    strcmp(info.name, "xdpcast")) {
		log_warn("%s is not an xdpcast program: not taking it over", path);
		close(p->previous_fd);
		p->previous_fd = -1;
		return;
	}
	p->previous_id = info.id;
	p->previous_map_count = info.nr_map_ids < sizeof(p->previous_maps) / sizeof(p->previous_maps[0]) ?
				info.nr_map_ids : sizeof(p->previous_maps) / sizeof(p->previous_maps[0]);
}

int pins_open(struct pins *p, const char *dir, char *err, size_t errlen)
{
	char why[512] = "";
	struct statfs fs;
	struct stat st;

	memset(p, 0, sizeof(*p));
	p->dir = dir;
	p->lock_fd = p->previous_fd = -1;
	if (ensure_bpffs(dir, err, errlen))
		return -1;
	p->created = mkdir(dir, 0700) == 0;
	if (!p->created && errno != EEXIST) {
		int error = errno;

		snprintf(err, errlen, "%s: %s", dir, strerror(error));
		if (error == ENOENT)
			snprintf(err + strlen(err), errlen - strlen(err), " (mkdir -p %s && mount -t bpf -o mode=0700 bpf "
				 "%s first)", dir, dir);
		return -1;
	}
	/* Not through a link: its owner could point it elsewhere later. */
	p->lock_fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (p->lock_fd < 0) {
		int error = errno;      /* ENOTDIR for a link too (O_DIRECTORY) */

		snprintf(err, errlen, "%s: %s", dir, !lstat(dir, &st) && S_ISLNK(st.st_mode) ?
			 "a symbolic link, not a directory" : strerror(error));
		return -1;
	}
	/* One another user made first (a BPF filesystem mounted without
	 * mode=0700 is 1777) would be theirs: they could replace the pins
	 * root's xdpcastctl opens, or the program the next daemon takes over. */
	if (fstat(p->lock_fd, &st))
		snprintf(why, sizeof(why), "%s: %s", dir, strerror(errno));
	else if (fstatfs(p->lock_fd, &fs))
		snprintf(why, sizeof(why), "%s: %s", dir, strerror(errno));
	/* Pinning elsewhere fails only after the zones are compiled and the
	 * program loaded, as "Operation not permitted" on the first map.
	 * The advice mounts on the pin dir itself: on its parent it could hide
	 * what else is mounted there (/sys/fs/cgroup beside /sys/fs/bpf). */
	else if (fs.f_type != BPF_FS_MAGIC)
		snprintf(why, sizeof(why), "%s: not on a BPF filesystem (mkdir -p %s && mount -t bpf -o mode=0700 bpf %s "
			 "first)", dir, dir, dir);
	/* As late as a bpffs elsewhere, after the load, and during a takeover. */
	else if (fs.f_flags & ST_RDONLY)
		snprintf(why, sizeof(why), "%s: mounted read-only: nothing can be pinned there", dir);
	if (why[0] || private_dir_check(dir, &st, why, sizeof(why))) {
		snprintf(err, errlen, "%s", why);
		close(p->lock_fd);
		p->lock_fd = -1;
		return -1;
	}
	if (flock(p->lock_fd, LOCK_EX | LOCK_NB)) {
		snprintf(err, errlen, "%s: %s", dir, errno == EWOULDBLOCK ?
			 "another xdpcastd runs with this pin directory (xdpcastctl status shows it)" :
			 strerror(errno));
		close(p->lock_fd);
		p->lock_fd = -1;
		p->created = false;     /* then not ours to remove */
		return -1;
	}
	find_previous(p);
	return 0;
}

void pins_close(struct pins *p)
{
	for (size_t i = 0; i < p->carried_count; i++)
		if (p->carried[i].old_fd >= 0)
			close(p->carried[i].old_fd);
	p->carried_count = 0;
	if (p->previous_fd >= 0)
		close(p->previous_fd);
	if (p->created && !p->published && p->dir)
		rmdir(p->dir);
	if (p->lock_fd >= 0)
		close(p->lock_fd);
	p->previous_fd = p->lock_fd = -1;
}

bool pins_previous_runs(const struct pins *p)
{
	struct if_nameindex *all, *i;
	bool runs = false;

	if (p->previous_fd < 0)
		return false;
	all = if_nameindex();
	for (i = all; i && i->if_index && !runs; i++) {
		LIBBPF_OPTS(bpf_xdp_query_opts, q);

		if (bpf_xdp_query(i->if_index, 0, &q) == 0)
			runs = q.drv_prog_id == p->previous_id || q.skb_prog_id == p->previous_id ||
			       q.hw_prog_id == p->previous_id;
	}
	if_freenameindex(all);
	return runs;
}

/* Same layout: sizes, member names and offsets, all the way down. */
static bool same_layout(const struct btf *a, __u32 ida, const struct btf *b, __u32 idb, int depth)
{
	const struct btf_type *ta, *tb;
	int ra = btf__resolve_type(a, ida), rb = btf__resolve_type(b, idb);

	if (ra < 0 || rb < 0 || depth > 8)
		return false;
	ta = btf__type_by_id(a, ra);
	tb = btf__type_by_id(b, rb);
	if (!ta || !tb || btf_kind(ta) != btf_kind(tb) || btf_vlen(ta) != btf_vlen(tb))
		return false;
	switch (btf_kind(ta)) {
	case BTF_KIND_INT:
	case BTF_KIND_ENUM:
		return ta->size == tb->size;
	case BTF_KIND_ARRAY:
		return btf_array(ta)->nelems == btf_array(tb)->nelems &&
		       same_layout(a, btf_array(ta)->type, b, btf_array(tb)->type, depth + 1);
	case BTF_KIND_STRUCT:
	case BTF_KIND_UNION:
		if (ta->size != tb->size)
			return false;
		for (__u16 i = 0; i < btf_vlen(ta); i++) {
			const struct btf_member *ma = btf_members(ta) + i, *mb = btf_members(tb) + i;

			if (strcmp(btf__name_by_offset(a, ma->name_off), btf__name_by_offset(b, mb->name_off)) ||
			    btf_member_bit_offset(ta, i) != btf_member_bit_offset(tb, i) ||
			    !same_layout(a, ma->type, b, mb->type, depth + 1))
				return false;
		}
		return true;
	default:
		return false;
	}
}

/* Whether the previous program's map `old` can serve as `map` unchanged. */
static bool reusable(const struct bpf_map *map, const struct btf *btf, int old, const char **why)
{
	struct bpf_map_info info = { 0 };
	__u32 len = sizeof(info);
	struct btf *old_btf;
	bool same;

	if (bpf_obj_get_info_by_fd(old, &info, &len)) {
		*why = "unreadable";
		return false;
	}
	if (info.type != bpf_map__type(map) || info.key_size != bpf_map__key_size(map) ||
	    info.value_size != bpf_map__value_size(map) || info.map_flags != bpf_map__map_flags(map)) {
		*why = "layout changed";
		return false;
	}
	if (info.max_entries != bpf_map__max_entries(map)) {
		*why = "size changed";
		return false;
	}
	old_btf = info.btf_id ? btf__load_from_kernel_by_id(info.btf_id) : NULL;
	same = old_btf && btf && same_layout(old_btf, info.btf_key_type_id, btf, bpf_map__btf_key_type_id(map), 0) &&
	       same_layout(old_btf, info.btf_value_type_id, btf, bpf_map__btf_value_type_id(map), 0);
	btf__free(old_btf);
	*why = "layout changed";
	return same;
}

/* The previous daemon's pinned map `name`, if it is one of its program's. */
static int previous_map(const struct pins *p, const char *name)
{
	struct bpf_map_info info = { 0 };
	__u32 len = sizeof(info);
	char path[512];
	int fd;

	if (p->previous_fd < 0)
		return -1;
	pin_path(p, name, "", path, sizeof(path));
	fd = bpf_obj_get(path);
	if (fd < 0)
		return -1;
	if (!bpf_obj_get_info_by_fd(fd, &info, &len))
		for (__u32 i = 0; i < p->previous_map_count; i++)
			if (p->previous_maps[i] == info.id)
				return fd;
	log_warn("%s is not a map of the program %s/%s: not adopted", path, p->dir, PINS_PROGRAM);
	close(fd);
	return -1;
}

/* The pinned map `name` whatever program uses it: for what the program
 * itself never reads (the control plane state), whose values say who
 * wrote them. */
static int pinned_map(const struct pins *p, const char *name)
{
	char path[512];

	pin_path(p, name, "", path, sizeof(path));
	return bpf_obj_get(path);
}

/*
 * Where each of the previous program's stats slots goes in the new one:
 * the slot of the same interface (-1: no longer listed). Whether every
 * slot stays where it is.
 */
static bool stats_slots_kept(const struct pins *p, const __u32 ifindex[XDPCAST_MAX_IFACES],
			     int new_slot[XDPCAST_STATS_SLOTS])
{
	__u32 previous[XDPCAST_MAX_IFACES] = { 0 }, prog_id;
	bool kept = true;

	/* A previous version without the variable had the same order as its config: trusted as is. */
	if (stats_program_ifindexes(p->previous_fd, previous, &prog_id))
		memcpy(previous, ifindex, sizeof(previous));
	for (int old = 0; old < XDPCAST_STATS_SLOTS; old++) {
		new_slot[old] = old == XDPCAST_TEST_RUN_SLOT ? old : -1;
		for (int i = 0; i < XDPCAST_MAX_IFACES && old < XDPCAST_MAX_IFACES && previous[old]; i++)
			if (ifindex[i] == previous[old])
				new_slot[old] = i;
		kept &= new_slot[old] == old || (old < XDPCAST_MAX_IFACES && !previous[old] && !ifindex[old]);
	}
	return kept;
}

int pins_adopt(struct pins *p, struct bpf_object *obj, const __u32 ifindex[XDPCAST_MAX_IFACES], bool takeover,
	       char *err, size_t errlen)
{
	const struct btf *btf = bpf_object__btf(obj);
	struct bpf_map *map;

	bpf_object__for_each_map(map, obj) {
		struct carried_map *c;
		const char *why;
		int fd, ret;

		if (!bpf_map__pin_path(map))
			continue;
		bpf_map__set_pin_path(map, NULL);       /* pinned by pins_publish, once all went well */
		if (p->pinned_count == PINS_MAPS_MAX) {
			snprintf(err, errlen, "more than %d maps to pin", PINS_MAPS_MAX);
			return -1;
		}
		p->pinned[p->pinned_count++] = map;
		if (!takeover || state_map_index(bpf_map__name(map)) < 0)
			continue;
		fd = previous_map(p, bpf_map__name(map));
		if (fd < 0)
			continue;
		c = &p->carried[p->carried_count];
		*c = (struct carried_map){ .map = map, .old_fd = fd };
		c->by_interface = !strcmp(bpf_map__name(map), "xdpcast_stats") && !stats_slots_kept(p, ifindex, c->new_slot);
		if (c->by_interface) {
			p->carried_count++;
			log_info("%s: the interfaces changed since the previous daemon; each one's counters move over "
				 "after the switch", bpf_map__name(map));
		} else if (reusable(map, btf, fd, &why)) {
			ret = bpf_map__reuse_fd(map, fd);
			if (ret) {
				snprintf(err, errlen, "reusing %s: %s", bpf_map__name(map), strerror(-ret));
				close(fd);
				return -1;
			}
			c->adopted = true;
			p->carried_count++;
			log_info("%s: carried over as it is", bpf_map__name(map));
		} else {
			p->carried_count++;
			log_info("%s: %s since the previous version; its entries move over after the switch",
				 bpf_map__name(map), why);
		}
	}
	return 0;
}

/* Slot 0 of the array map fd, in a buffer of its value size (*size); NULL
 * when fd is no array or cannot be read. */
static unsigned char *slot_zero(int fd, size_t *size)
{
	struct bpf_map_info info = { 0 };
	__u32 len = sizeof(info), zero = 0;
	unsigned char *buf;

	if (bpf_obj_get_info_by_fd(fd, &info, &len) || info.type != BPF_MAP_TYPE_ARRAY ||
	    !(buf = calloc(1, info.value_size)))
		return NULL;
	if (bpf_map_lookup_elem(fd, &zero, buf)) {
		free(buf);
		return NULL;
	}
	*size = info.value_size;
	return buf;
}

int pins_previous_value(const struct pins *p, const char *name, bool program_uses_it, void *value, size_t size)
{
	int fd = program_uses_it ? previous_map(p, name) : pinned_map(p, name), ret = -1;
	unsigned char *buf = NULL;
	size_t found;

	if (fd >= 0 && (buf = slot_zero(fd, &found))) {
		memset(value, 0, size);
		memcpy(value, buf, found < size ? found : size);
		ret = 0;
	}
	if (fd >= 0)
		close(fd);
	free(buf);
	return ret;
}

int pins_previous_rewrite(const struct pins *p, const char *name, const void *value, size_t size)
{
	int fd = pinned_map(p, name), ret = -1;
	__u32 zero = 0;
	unsigned char *buf = NULL;
	size_t found;

	if (fd >= 0 && (buf = slot_zero(fd, &found))) {
		memcpy(buf, value, found < size ? found : size);
		ret = bpf_map_update_elem(fd, &zero, buf, BPF_EXIST);
	}
	if (fd >= 0)
		close(fd);
	free(buf);
	return ret;
}

/* Calls visit with each key of the map fd (key_size bytes) until it
 * returns non-zero; 0, or -1 out of memory. Nothing may be deleted
 * meanwhile: the walk would skip keys. */
static int walk_keys(int fd, size_t key_size, int (*visit)(const void *key, void *arg), void *arg)
{
	unsigned char *key = calloc(2, key_size), *next = key ? key + key_size : NULL;

	if (!key)
		return -1;
	for (void *previous = NULL; !bpf_map_get_next_key(fd, previous, next); previous = key) {
		memcpy(key, next, key_size);
		if (visit(key, arg))
			break;
	}
	free(key);
	return 0;
}

struct filter_copy {
	int fd;
	size_t max_entries, count;
	struct filter_entry *entries;
};

static int copy_filter_entry(const void *key, void *arg)
{
	struct filter_copy *c = arg;
	struct filter_entry *e = &c->entries[c->count];

	memcpy(&e->key, key, sizeof(e->key));
	if (!bpf_map_lookup_elem(c->fd, key, &e->value))
		c->count++;
	return c->count == c->max_entries;
}

static int compare_filter_keys(const void *a, const void *b)
{
	return memcmp(a, b, sizeof(struct xdpcast_lpm_key));
}

/* The entries of the source filter fd, sorted by key, in *entries (NULL: out of memory). */
static size_t copy_filter(int fd, size_t max_entries, struct filter_entry **entries)
{
	struct filter_copy c = { .fd = fd, .max_entries = max_entries,
				 .entries = calloc(max_entries, sizeof(*c.entries)) };

	if (c.entries && walk_keys(fd, sizeof(c.entries->key), copy_filter_entry, &c)) {
		free(c.entries);
		c.entries = NULL;
	}
	if (c.count)
		qsort(c.entries, c.count, sizeof(*c.entries), compare_filter_keys);
	*entries = c.entries;
	return c.count;
}

static const struct filter_entry *filter_entry_of(const struct filter_entry *entries, size_t count,
						  const struct xdpcast_lpm_key *key)
{
	return count ? bsearch(key, entries, count, sizeof(*entries), compare_filter_keys) : NULL;
}

int pins_snapshot_shared(const struct pins *p, const struct bpf_map *map, struct shared_snapshot *s, char *err,
			 size_t errlen)
{
	bool shared = false;

	memset(s, 0, sizeof(*s));
	s->fd = -1;
	for (size_t i = 0; i < p->carried_count; i++)
		shared |= p->carried[i].map == map && p->carried[i].adopted;
	if (!shared)
		return 0;
	s->name = bpf_map__name(map);
	s->max_entries = bpf_map__max_entries(map);
	s->count = copy_filter(bpf_map__fd(map), s->max_entries, &s->entries);
	if (!s->entries) {
		snprintf(err, errlen, "%s: out of memory for a copy of the previous program's entries", s->name);
		return -1;
	}
	s->fd = bpf_map__fd(map);
	return 0;
}

static bool blocked_live(const struct source_filter *value)
{
	return value && (value->kind == SOURCE_BLOCKED_LIVE || value->kind == SOURCE_BLOCKED_BOTH);
}

/* What a prefix's entry holds once put back (0: no entry): the start
 * wrote the config's part (blocklist, bogons, anycast prefixes), which is
 * taken from before it; an operator the live part, which is kept as it is
 * now. A live block over a bogon or an anycast prefix stays live, as
 * protection_sync_sources leaves it. */
static enum source_kind put_back_kind(const struct source_filter *before, const struct source_filter *now)
{
	enum source_kind config = !before || before->kind == SOURCE_BLOCKED_LIVE ? 0 :
				  before->kind == SOURCE_BLOCKED_BOTH ? SOURCE_BLOCKED : before->kind;

	if (!blocked_live(now))
		return config;
	return config == SOURCE_BLOCKED ? SOURCE_BLOCKED_BOTH : SOURCE_BLOCKED_LIVE;
}

struct put_back_counts {
	size_t removed, written, failed, live;
};

/* The entry of key as put_back_kind says, read now: an operator's block
 * or lift since the copy of the map is kept too. */
static void put_back_entry(const struct shared_snapshot *s, const struct xdpcast_lpm_key *key,
			   struct put_back_counts *counts)
{
	const struct filter_entry *before = filter_entry_of(s->entries, s->count, key);
	struct source_filter now, wanted;
	bool present = !bpf_map_lookup_elem(s->fd, key, &now);

	wanted.kind = put_back_kind(before ? &before->value : NULL, present ? &now : NULL);
	counts->live += blocked_live(&wanted);
	if (present && wanted.kind == now.kind)
		return;
	if (!wanted.kind)
		counts->removed += !bpf_map_delete_elem(s->fd, key);
	else if (bpf_map_update_elem(s->fd, key, &wanted, BPF_ANY))
		counts->failed++;
	else
		counts->written++;
}

void pins_put_back_shared(const struct shared_snapshot *s)
{
	struct put_back_counts counts = { 0 };
	struct filter_entry *now;
	size_t now_count;

	if (s->fd < 0)
		return;
	/* The keys there now, copied first: deleting while walking them would skip some. */
	now_count = copy_filter(s->fd, s->max_entries, &now);
	for (size_t i = 0; now && i < now_count; i++)
		put_back_entry(s, &now[i].key, &counts);
	for (size_t i = 0; now && i < s->count; i++)
		if (!filter_entry_of(now, now_count, &s->entries[i].key))
			put_back_entry(s, &s->entries[i].key, &counts);
	free(now);
	if (!now || counts.failed)
		log_error("%s: could not be put back whole as the previous program had it (%s)", s->name,
			  now ? "an entry refused" : "out of memory");
	else
		log_info("%s: put back as the previous program had it, its live blocks as they are now (%zu entries "
			 "of this start's removed, %zu changed back; %zu live)", s->name, counts.removed,
			 counts.written, counts.live);
}

void pins_snapshot_free(struct shared_snapshot *s)
{
	free(s->entries);
	s->entries = NULL;
	s->fd = -1;
}

/* One entry of `old` into `new`, values cut or zero-padded to the new
 * size (layouts only ever grow at the end). Per-CPU counters are added,
 * other entries copied. */
static int carry_entry(const struct carried_map *c, const struct bpf_map_info *old, const void *key,
		       enum carry how, int ncpus)
{
	__u32 slot;
	size_t new_size = bpf_map__value_size(c->map), old_size = old->value_size;
	bool percpu = old->type == BPF_MAP_TYPE_PERCPU_ARRAY || old->type == BPF_MAP_TYPE_PERCPU_HASH ||
		      old->type == BPF_MAP_TYPE_LRU_PERCPU_HASH;
	size_t copies = percpu ? ncpus : 1, old_stride = percpu ? percpu_value_stride(old_size) : old_size;
	size_t new_stride = percpu ? percpu_value_stride(new_size) : new_size;
	unsigned char *from = calloc(copies, old_stride), *to = calloc(copies, new_stride);
	int new_fd = bpf_map__fd(c->map), ret = -1;

	if (!from || !to || bpf_map_lookup_elem(c->old_fd, key, from))
		goto out;
	if (how == CARRY_LIVE_BLOCKS && ((struct source_filter *)from)->kind == SOURCE_BLOCKED_BOTH)
		((struct source_filter *)from)->kind = SOURCE_BLOCKED_LIVE;    /* the new config says the rest */
	if (how == CARRY_LIVE_BLOCKS && ((const struct source_filter *)from)->kind != SOURCE_BLOCKED_LIVE) {
		ret = 0;
		goto out;
	}
	if (c->by_interface) {
		slot = *(const __u32 *)key;
		if (slot >= XDPCAST_STATS_SLOTS || c->new_slot[slot] < 0) {
			ret = 0;        /* an interface no longer listed: its counts end with it */
			goto out;
		}
		slot = c->new_slot[slot];
		key = &slot;
	}
	if (how == CARRY_ADD) {
		if (bpf_map_lookup_elem(new_fd, key, to))
			goto out;
		for (size_t cpu = 0; cpu < copies; cpu++)
			for (size_t off = 0; off + 8 <= old_size && off + 8 <= new_size; off += 8)
				*(__u64 *)(to + cpu * new_stride + off) += *(__u64 *)(from + cpu * old_stride + off);
		ret = bpf_map_update_elem(new_fd, key, to, BPF_ANY);
		goto out;
	}
	for (size_t cpu = 0; cpu < copies; cpu++)
		memcpy(to + cpu * new_stride, from + cpu * old_stride, old_size < new_size ? old_size : new_size);
	/* An array's every entry exists: the old one replaces the new. */
	ret = bpf_map_update_elem(new_fd, key, to,
				  old->type == BPF_MAP_TYPE_ARRAY || old->type == BPF_MAP_TYPE_PERCPU_ARRAY ? BPF_ANY
													 : BPF_NOEXIST);
	if (ret && errno == EEXIST)
		ret = 0;
out:
	free(from);
	free(to);
	return ret;
}

struct migration {
	const struct carried_map *c;
	const struct bpf_map_info *old;
	enum carry how;
	int ncpus;
	size_t moved, failed;
};

static int migrate_entry(const void *key, void *arg)
{
	struct migration *m = arg;

	if (carry_entry(m->c, m->old, key, m->how, m->ncpus))
		m->failed++;
	else
		m->moved++;
	return 0;
}

/* Network e of the previous program, on one CPU, into that CPU's copy of
 * the set the new build hashes it to: added to the new program's entry
 * for it, or given the way the program would give it. False: the set is
 * full of networks answered later, and e is left out. */
static bool merge_network(struct catchment_set *set, const struct catchment_entry *e)
{
	struct catchment_entry *at = xdpcast_catchment_way(set, e->key_word);

	if (at->answers && at->key_word == e->key_word) {
		at->answers += e->answers;
		at->last_ns = e->last_ns > at->last_ns ? e->last_ns : at->last_ns;
	} else if (!at->answers || at->last_ns < e->last_ns) {
		*at = *e;
	} else {
		return false;
	}
	return true;
}

/*
 * The catchment of the previous program, network by network
 * (merge_network: a copy would erase what the new program counted since
 * it took the interfaces over). One read and one write per set a previous
 * set's networks go to: the program counts on meanwhile, and what it
 * counts between the two is lost, as for the counters. Entries never
 * change (struct catchment_set): a map whose values are not whole entries
 * is left behind.
 */
static void migrate_catchment(const struct carried_map *c, const struct bpf_map_info *old, int ncpus)
{
	struct catchment_set *to = calloc(ncpus, sizeof(*to));
	size_t old_stride, old_ways, carried = 0, left = 0, failed = 0;
	int new_fd = bpf_map__fd(c->map);
	unsigned char *from = NULL;
	char why[200];

	_Static_assert(sizeof(struct catchment_set) % 8 == 0, "a per-CPU value's stride is its size");
	if (percpu_array_items(c->old_fd, bpf_map__name(c->map), sizeof(struct catchment_entry), &old_stride,
			       &old_ways, why, sizeof(why))) {
		log_info("the previous version's %s: the catchment starts empty", why);
		goto out;
	}
	from = calloc(ncpus, old_stride);
	if (!from || !to) {
		log_error("%s: out of memory: the previous version's networks not carried over", bpf_map__name(c->map));
		goto out;
	}
	for (__u32 index = 0; index < old->max_entries; index++) {
		if (bpf_map_lookup_elem(c->old_fd, &index, from)) {
			failed++;
			continue;
		}
		/* The sets this one's networks go to, each read and written once. */
		for (int cpu = 0; cpu < ncpus; cpu++) {
			for (size_t w = 0; w < old_ways; w++) {
				struct catchment_entry *first = (struct catchment_entry *)(from + cpu * old_stride) + w;
				__u32 target = xdpcast_catchment_set_of(first->key_word);

				if (!first->answers)
					continue;
				if (bpf_map_lookup_elem(new_fd, &target, to)) {
					failed++;
					continue;
				}
				for (int k = cpu; k < ncpus; k++) {
					for (size_t v = k == cpu ? w : 0; v < old_ways; v++) {
						struct catchment_entry *e = (struct catchment_entry *)(from + k * old_stride) + v;

						if (!e->answers || xdpcast_catchment_set_of(e->key_word) != target)
							continue;
						if (merge_network(&to[k], e))
							carried++;
						else
							left++;
						e->answers = 0;         /* done with */
					}
				}
				if (bpf_map_update_elem(new_fd, &target, to, BPF_ANY))
					failed++;
			}
		}
	}
	log_info("%s: %zu entries (a network on a CPU) of the previous version carried over%s%s", bpf_map__name(c->map),
		 carried, left ? ", some left out: their sets were full of networks answered later" : "",
		 failed ? ", some sets could not be read or written" : "");
out:
	free(from);
	free(to);
}

static void migrate_one(const struct carried_map *c, int ncpus)
{
	struct bpf_map_info info = { 0 };
	__u32 len = sizeof(info);
	const char *name = bpf_map__name(c->map);
	struct migration m = { .c = c, .old = &info, .how = state_maps[state_map_index(name)].how, .ncpus = ncpus };

	if (bpf_obj_get_info_by_fd(c->old_fd, &info, &len) || info.key_size != bpf_map__key_size(c->map)) {
		log_info("%s: its keys changed since the previous version; it starts empty", name);
		return;
	}
	if (m.how == CARRY_CATCHMENT) {
		migrate_catchment(c, &info, ncpus);
		return;
	}
	if (walk_keys(c->old_fd, info.key_size, migrate_entry, &m))
		log_error("%s: out of memory: its entries of the previous version not carried over", name);
	else
		log_info("%s: %zu entries of the previous version carried over%s", name, m.moved,
			 m.failed ? " (some did not fit)" : "");
}

void pins_migrate(struct pins *p)
{
	int ncpus = libbpf_num_possible_cpus();

	for (size_t i = 0; i < p->carried_count; i++)
		if (!p->carried[i].adopted)
			migrate_one(&p->carried[i], ncpus);
}

/* What pins_publish pins i-th: each map, then the program. */
static const char *published_name(const struct pins *p, size_t i)
{
	return i < p->pinned_count ? bpf_map__name(p->pinned[i]) : PINS_PROGRAM;
}

static int published_fd(const struct pins *p, const struct bpf_program *prog, size_t i)
{
	return i < p->pinned_count ? bpf_map__fd(p->pinned[i]) : bpf_program__fd(prog);
}

/* Pins fd as name under a temporary name (bpffs refuses names with a dot),
 * for the rename over the old pin; what is in the old pin's place must be
 * a pin, which a rename can replace. */
static int pin_beside(const struct pins *p, int fd, const char *name, char *err, size_t errlen)
{
	char path[512], tmp[520];
	struct stat st;

	pin_path(p, name, "", path, sizeof(path));
	pin_path(p, name, "_pinning", tmp, sizeof(tmp));
	unlink(tmp);
	if (!lstat(path, &st) && !S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "pinning %s: %s is there, not a pin (nothing was replaced; remove it)", path,
			 S_ISDIR(st.st_mode) ? "a directory" : "something else");
		return -1;
	}
	if (bpf_obj_pin(fd, tmp)) {
		snprintf(err, errlen, "pinning %s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

static void unpin_beside(const struct pins *p, const char *name)
{
	char tmp[520];

	pin_path(p, name, "_pinning", tmp, sizeof(tmp));
	unlink(tmp);
}

static bool pinned_by_us(const struct pins *p, const char *name)
{
	if (!strcmp(name, PINS_PROGRAM))
		return true;
	for (size_t i = 0; i < p->pinned_count; i++)
		if (!strcmp(bpf_map__name(p->pinned[i]), name))
			return true;
	return false;
}

int pins_publish(struct pins *p, struct bpf_program *prog, char *err, size_t errlen)
{
	size_t count = p->pinned_count + 1, pinned = 0, renamed = 0;
	struct dirent *e;
	DIR *dir;

	/* Every pin beside its old one first, then the renames: a pin that
	 * fails leaves the old pins all as they were, those of the program a
	 * failed takeover puts back among them, and none of ours behind. */
	while (pinned < count && !pin_beside(p, published_fd(p, prog, pinned), published_name(p, pinned), err, errlen))
		pinned++;
	for (; pinned == count && renamed < count; renamed++) {
		char path[512], tmp[520];

		pin_path(p, published_name(p, renamed), "", path, sizeof(path));
		pin_path(p, published_name(p, renamed), "_pinning", tmp, sizeof(tmp));
		if (rename(tmp, path)) {
			snprintf(err, errlen, "pinning %s: %s", path, strerror(errno));
			break;
		}
	}
	if (renamed < count) {
		for (size_t i = renamed; i < pinned; i++)
			unpin_beside(p, published_name(p, i));
		return -1;
	}
	p->published = true;
	/* What an older version pinned and this one no longer has. */
	dir = opendir(p->dir);
	while (dir && (e = readdir(dir))) {
		char path[512];

		if (strncmp(e->d_name, "xdpcast_", 8) || pinned_by_us(p, e->d_name))
			continue;
		pin_path(p, e->d_name, "", path, sizeof(path));
		if (!unlink(path))
			log_info("removed %s, pinned by an earlier version", path);
	}
	if (dir)
		closedir(dir);
	return 0;
}

/* The directory at p->dir is the one locked (not removed, nor replaced). */
static bool directory_kept(const struct pins *p)
{
	struct stat at_path, locked;

	return !stat(p->dir, &at_path) && !fstat(p->lock_fd, &locked) && at_path.st_dev == locked.st_dev &&
	       at_path.st_ino == locked.st_ino;
}

/* The directory made again where it was removed, and locked: a second
 * xdpcastd could otherwise take the path for its own. */
static int directory_again(struct pins *p, char *detail, size_t len)
{
	int fd;

	if (mkdir(p->dir, 0700) && errno != EEXIST) {
		snprintf(detail, len, "%s was removed, and making it again failed: %s", p->dir, strerror(errno));
		return -1;
	}
	fd = open(p->dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 || flock(fd, LOCK_EX | LOCK_NB)) {
		snprintf(detail, len, "%s was removed and made again, and locking it failed: %s", p->dir,
			 fd < 0 ? strerror(errno) : errno == EWOULDBLOCK ? "another xdpcastd holds it" : strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	close(p->lock_fd);
	p->lock_fd = fd;
	return 0;
}

int pins_restore(struct pins *p, struct bpf_program *prog, char *detail, size_t len)
{
	bool removed = !directory_kept(p), missing = removed;
	char path[512];
	struct stat st;

	for (size_t i = 0; i <= p->pinned_count && !missing; i++) {
		pin_path(p, published_name(p, i), "", path, sizeof(path));
		missing = lstat(path, &st) != 0;
	}
	if (!missing)
		return 0;
	if ((removed && directory_again(p, detail, len)) || pins_publish(p, prog, detail, len))
		return -1;
	log_warn("%s: %s removed while xdpcastd runs: pinned again", p->dir, removed ? "the directory was" :
		 "pins were");
	return 0;
}

void pins_remove(struct pins *p)
{
	char path[512];

	if (!p->published)
		return;
	for (size_t i = 0; i < p->pinned_count; i++) {
		pin_path(p, bpf_map__name(p->pinned[i]), "", path, sizeof(path));
		unlink(path);
	}
	pin_path(p, PINS_PROGRAM, "", path, sizeof(path));
	unlink(path);
	rmdir(p->dir);
	p->published = false;
}
