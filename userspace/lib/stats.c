// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "control.h"
#include "stats.h"

int pin_open(const char *pin_dir, const char *name, char *err, size_t errlen)
{
	char path[512];
	int fd, saved;

	snprintf(path, sizeof(path), "%s/%s", pin_dir, name);
	fd = bpf_obj_get(path);
	if (fd < 0) {
		saved = errno;
		snprintf(err, errlen, "%s: %s%s", path, strerror(saved), control_unreachable_hint(saved));
		errno = saved;
	}
	return fd;
}

int pin_open_map(const char *pin_dir, const char *name, __u32 key_size, __u32 value_size, char *err, size_t errlen)
{
	struct bpf_map_info info = { 0 };
	__u32 len = sizeof(info);
	int fd = pin_open(pin_dir, name, err, errlen);

	if (fd < 0)
		return -1;
	if (bpf_obj_get_info_by_fd(fd, &info, &len)) {
		snprintf(err, errlen, "%s/%s: %s", pin_dir, name, strerror(errno));
	} else if (info.key_size != key_size || info.value_size != value_size) {
		snprintf(err, errlen, "%s/%s: keys of %u bytes and values of %u, where this build reads %u and %u: "
			 "the xdpcastd that pinned it is of another version (xdpcastd --version)", pin_dir, name,
			 info.key_size, info.value_size, key_size, value_size);
		errno = EPROTO;
	} else {
		return fd;
	}
	close(fd);
	return -1;
}

int stats_read(const char *pin_dir, struct xdpcast_stats out[XDPCAST_STATS_SLOTS],
	       char *err, size_t errlen)
{
	int fd = pin_open(pin_dir, "xdpcast_stats", err, errlen), ret;

	if (fd < 0)
		return -1;
	ret = stats_read_fd(fd, out, err, errlen);
	close(fd);
	return ret;
}

int percpu_array_items(int fd, const char *name, size_t unit, size_t *stride, size_t *items, char *err,
		       size_t errlen)
{
	struct bpf_map_info info = { 0 };
	__u32 len = sizeof(info);

	if (bpf_obj_get_info_by_fd(fd, &info, &len)) {
		snprintf(err, errlen, "%s: %s", name, strerror(errno));
		return -1;
	}
	if (info.type != BPF_MAP_TYPE_PERCPU_ARRAY || !info.value_size || info.value_size % unit) {
		const char *type = libbpf_bpf_map_type_str(info.type);

		snprintf(err, errlen, "%s: not a map xdpcast pins (%s of %u-byte values; %s of %zu-byte items expected)",
			 name, type ?: "an unknown type", info.value_size,
			 libbpf_bpf_map_type_str(BPF_MAP_TYPE_PERCPU_ARRAY), unit);
		return -1;
	}
	*stride = percpu_value_stride(info.value_size);
	*items = info.value_size / unit;
	return 0;
}

/* Reasons are only appended: the map of another version counts the first
 * ones as this one names them (those it lacks stay 0, those this one
 * lacks are not read). */
int stats_read_fd(int fd, struct xdpcast_stats out[XDPCAST_STATS_SLOTS], char *err, size_t errlen)
{
	int cpus = libbpf_num_possible_cpus();
	size_t stride, reasons;
	unsigned char *percpu;
	int ret = -1;

	if (cpus < 1) {
		snprintf(err, errlen, "xdpcast_stats: cannot count the CPUs: %s", strerror(-cpus));
		return -1;
	}
	if (percpu_array_items(fd, "xdpcast_stats", sizeof(struct xdpcast_counter), &stride, &reasons, err, errlen))
		return -1;
	if (reasons > XDPCAST_REASON_MAX)
		reasons = XDPCAST_REASON_MAX;
	percpu = calloc(cpus, stride);
	if (!percpu) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	memset(out, 0, sizeof(*out) * XDPCAST_STATS_SLOTS);
	for (__u32 slot = 0; slot < XDPCAST_STATS_SLOTS; slot++) {
		if (bpf_map_lookup_elem(fd, &slot, percpu)) {
			snprintf(err, errlen, "xdpcast_stats: reading slot %u: %s", slot, strerror(errno));
			goto out;
		}
		for (int cpu = 0; cpu < cpus; cpu++) {
			const struct xdpcast_counter *counters = (const void *)(percpu + cpu * stride);

			for (size_t r = 0; r < reasons; r++) {
				stats_counter(&out[slot], r)->packets += counters[r].packets;
				stats_counter(&out[slot], r)->bytes += counters[r].bytes;
			}
		}
	}
	ret = 0;
out:
	free(percpu);
	return ret;
}

/* Copies the variable `name` of the global data map `fd` (BTF value type
 * a DATASEC) into out when it is `size` bytes; 0 when found. */
static int read_global_var(int fd, const struct bpf_map_info *map, const char *name, void *out, size_t size)
{
	struct btf *btf = btf__load_from_kernel_by_id(map->btf_id);
	const struct btf_type *sec = btf ? btf__type_by_id(btf, map->btf_value_type_id) : NULL;
	const struct btf_var_secinfo *vars;
	__u32 zero = 0;
	char *value;
	int ret = -1;

	if (!sec || !btf_is_datasec(sec)) {
		btf__free(btf);
		return -1;
	}
	vars = btf_var_secinfos(sec);
	for (int i = 0; i < btf_vlen(sec); i++) {
		const struct btf_type *var = btf__type_by_id(btf, vars[i].type);

		if (strcmp(btf__name_by_offset(btf, var->name_off), name) || vars[i].size != size ||
		    vars[i].offset + size > map->value_size)
			continue;
		value = malloc(map->value_size);
		if (value && !bpf_map_lookup_elem(fd, &zero, value)) {
			memcpy(out, value + vars[i].offset, size);
			ret = 0;
		}
		free(value);
		break;
	}
	btf__free(btf);
	return ret;
}

static bool ends_with(const char *name, size_t len, const char *suffix)
{
	return len >= strlen(suffix) && !strcmp(name + len - strlen(suffix), suffix);
}

int stats_program_ifindexes(int prog, __u32 ifindex[XDPCAST_MAX_IFACES], __u32 *prog_id)
{
	__u32 map_ids[32], len = sizeof(struct bpf_prog_info);
	struct bpf_prog_info info = { .nr_map_ids = 32, .map_ids = (__u64)(unsigned long)map_ids };
	int ret = -1;

	if (bpf_obj_get_info_by_fd(prog, &info, &len))
		return -1;
	*prog_id = info.id;
	for (__u32 i = 0; i < info.nr_map_ids && i < 32 && ret; i++) {
		struct bpf_map_info map = { 0 };
		__u32 map_len = sizeof(map);
		int fd = bpf_map_get_fd_by_id(map_ids[i]);
		size_t name_len;

		if (fd < 0)
			continue;
		name_len = bpf_obj_get_info_by_fd(fd, &map, &map_len) ? 0 : strlen(map.name);
		/* In .bss since the daemon follows interfaces made again; in .rodata before. */
		if (map.btf_id && (ends_with(map.name, name_len, ".bss") || ends_with(map.name, name_len, ".rodata")))
			ret = read_global_var(fd, &map, "iface_ifindex", ifindex, sizeof(__u32) * XDPCAST_MAX_IFACES);
		close(fd);
	}
	if (ret)
		errno = ENOENT;
	return ret;
}

int stats_slot_ifindexes(const char *pin_dir, __u32 ifindex[XDPCAST_MAX_IFACES], __u32 *prog_id, char *err,
			 size_t errlen)
{
	int prog = pin_open(pin_dir, "xdpcast_prog", err, errlen), ret;

	if (prog < 0)
		return -1;
	ret = stats_program_ifindexes(prog, ifindex, prog_id);
	if (ret)
		snprintf(err, errlen, "%s/xdpcast_prog: no iface_ifindex in the program's global data", pin_dir);
	close(prog);
	return ret;
}
