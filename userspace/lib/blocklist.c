// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>

#include "blocklist.h"
#include "prefix.h"

static int open_filter(const char *pin_dir, char *err, size_t errlen)
{
	char path[512];
	int fd;

	snprintf(path, sizeof(path), "%s/xdpcast_source_filter", pin_dir);
	fd = bpf_obj_get(path);
	if (fd < 0)
		snprintf(err, errlen, "%s: %s (is xdpcastd running?)", path, strerror(errno));
	return fd;
}

static const char *owner(enum source_kind kind)
{
	switch (kind) {
	case SOURCE_BLOCKED:
		return "is in the config file's blocklist";
	case SOURCE_BOGON:
		return "is a bogon source, dropped already";
	case SOURCE_OWN_PREFIX:
		return "is one of our anycast prefixes, dropped as a source already";
	default:
		return "is blocked already";
	}
}

int blocklist_add(const char *pin_dir, const struct xdpcast_lpm_key *prefix, char *err, size_t errlen)
{
	struct source_filter value = { .kind = SOURCE_BLOCKED_LIVE }, existing;
	char text[64];
	int fd = open_filter(pin_dir, err, errlen), ret = -1;

	if (fd < 0)
		return -1;
	prefix_format(prefix, text, sizeof(text));
	if (bpf_map_lookup_elem(fd, prefix, &existing) == 0 && existing.kind != SOURCE_BLOCKED_LIVE)
		snprintf(err, errlen, "%s %s", text, owner(existing.kind));
	else if (bpf_map_update_elem(fd, prefix, &value, BPF_ANY))
		snprintf(err, errlen, "%s: %s", text, errno == ENOSPC ? "the source filter is full" : strerror(errno));
	else
		ret = 0;
	close(fd);
	return ret;
}

int blocklist_del(const char *pin_dir, const struct xdpcast_lpm_key *prefix, char *err, size_t errlen)
{
	struct source_filter existing;
	char text[64];
	int fd = open_filter(pin_dir, err, errlen), ret = -1;

	if (fd < 0)
		return -1;
	prefix_format(prefix, text, sizeof(text));
	if (bpf_map_lookup_elem(fd, prefix, &existing))
		snprintf(err, errlen, "%s is not blocked", text);
	else if (existing.kind != SOURCE_BLOCKED_LIVE)
		snprintf(err, errlen, "%s %s: change it there and reload", text, owner(existing.kind));
	else if (bpf_map_delete_elem(fd, prefix))
		snprintf(err, errlen, "%s: %s", text, strerror(errno));
	else
		ret = 0;
	close(fd);
	return ret;
}

int blocklist_list(const char *pin_dir, struct blocked_prefix **out, size_t *count, char *err, size_t errlen)
{
	struct xdpcast_lpm_key key, next;
	struct blocked_prefix *list = NULL;
	size_t n = 0, cap = 0;
	void *prev = NULL;
	int fd = open_filter(pin_dir, err, errlen);

	if (fd < 0)
		return -1;
	while (bpf_map_get_next_key(fd, prev, &next) == 0) {
		struct source_filter value;

		key = next;
		prev = &key;
		if (bpf_map_lookup_elem(fd, &key, &value) ||
		    (value.kind != SOURCE_BLOCKED && value.kind != SOURCE_BLOCKED_LIVE))
			continue;
		if (n == cap) {
			struct blocked_prefix *grown = realloc(list, (cap = cap ? cap * 2 : 64) * sizeof(*list));

			if (!grown) {
				free(list);
				close(fd);
				snprintf(err, errlen, "out of memory");
				return -1;
			}
			list = grown;
		}
		list[n++] = (struct blocked_prefix){ key, value.kind };
	}
	close(fd);
	*out = list;
	*count = n;
	return 0;
}
