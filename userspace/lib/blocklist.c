// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>

#include "array.h"
#include "blocklist.h"
#include "prefix.h"
#include "source_screen_map.h"
#include "stats.h"

static int open_filter(const char *pin_dir, char *err, size_t errlen)
{
	return pin_open_map(pin_dir, "xdpcast_source_filter", sizeof(struct xdpcast_lpm_key), sizeof(struct source_filter),
			    err, errlen);
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

enum filter_match {
	MATCH_NONE,             /* no entry covers the prefix */
	MATCH_COVERED,          /* a shorter entry covers it, not the prefix itself */
	MATCH_EXACT,            /* the prefix is an entry */
};

/* Which entry of the filter holds `prefix`. A lookup in the LPM trie is a
 * longest-prefix match: it answers for a shorter entry that covers the
 * prefix as well, and does not say which. So the keys are walked. *found
 * gets the entry: the prefix itself (its value in *value), or the longest
 * one covering it. */
static enum filter_match filter_find(int fd, const struct xdpcast_lpm_key *prefix, struct xdpcast_lpm_key *found,
				     struct source_filter *value)
{
	struct xdpcast_lpm_key key, next;
	enum filter_match match = MATCH_NONE;
	void *prev = NULL;

	while (bpf_map_get_next_key(fd, prev, &next) == 0) {
		key = next;
		prev = &key;
		if (key.prefixlen > prefix->prefixlen || !prefix_contains(&key, prefix->addr))
			continue;
		if (key.prefixlen == prefix->prefixlen) {
			*found = key;
			/* The exact key: nothing longer can answer for it. */
			return bpf_map_lookup_elem(fd, &key, value) ? MATCH_NONE : MATCH_EXACT;
		}
		if (match == MATCH_NONE || key.prefixlen > found->prefixlen) {
			*found = key;
			match = MATCH_COVERED;
		}
	}
	return match;
}

int blocklist_insert(int filter_fd, int screen_fd, const struct xdpcast_lpm_key *prefix, char *err, size_t errlen)
{
	struct source_filter value = { .kind = SOURCE_BLOCKED_LIVE }, existing;
	struct xdpcast_lpm_key found;
	char text[64];

	prefix_format(prefix, text, sizeof(text));
	/* A shorter entry covering the prefix is no reason to refuse: the
	 * live block stays when the config drops that entry. */
	if (filter_find(filter_fd, prefix, &found, &existing) == MATCH_EXACT && existing.kind != SOURCE_BLOCKED_LIVE) {
		snprintf(err, errlen, "%s %s", text, owner(existing.kind));
		return -1;
	}
	/* Before the insert, so that it drops at once; after it, for a
	 * rebuild that read the filter before the insert (source_screen_map.h). */
	if (screen_fd >= 0 && source_screen_add(screen_fd, prefix, err, errlen))
		return -1;
	if (bpf_map_update_elem(filter_fd, prefix, &value, BPF_ANY)) {
		snprintf(err, errlen, "%s: %s", text, errno == ENOSPC ? "the source filter is full" : strerror(errno));
		return -1;
	}
	return screen_fd >= 0 ? source_screen_add(screen_fd, prefix, err, errlen) : 0;
}

static __u32 map_id(int fd)
{
	struct bpf_map_info info = { 0 };
	__u32 len = sizeof(info);

	return bpf_obj_get_info_by_fd(fd, &info, &len) ? 0 : info.id;
}

int blocklist_refuses(const struct xdpcast_lpm_key *prefix, char *err, size_t errlen)
{
	char text[64];

	prefix_format(prefix, text, sizeof(text));
	if (prefix->prefixlen == 0 || (prefix_is_v4(prefix) && prefix->prefixlen == 96)) {
		snprintf(err, errlen, "%s: blocking every source would drop every query while the health checks "
			 "pass and the PoP stays announced (to stop serving, withdraw)", text);
		return -1;
	}
	if (prefix_holds_v4_space(prefix)) {
		snprintf(err, errlen, "%s: holds ::ffff:0:0/96, where IPv4 sources are kept: blocking every IPv4 "
			 "source would drop every IPv4 query while the health checks pass and the PoP stays "
			 "announced (list the IPv6 prefixes it means without it)", text);
		return -1;
	}
	return 0;
}

int blocklist_add(const char *pin_dir, const struct xdpcast_lpm_key *prefix, char *err, size_t errlen)
{
	int filter_fd, screen_fd, ret = -1;

	if (blocklist_refuses(prefix, err, errlen))
		return -1;
	filter_fd = open_filter(pin_dir, err, errlen);
	if (filter_fd < 0)
		return -1;
	/* No screen pinned: a program older than the screen, which looks every source up. */
	screen_fd = pin_open(pin_dir, "xdpcast_source_screen", err, errlen);
	if (screen_fd >= 0 || errno == ENOENT)
		ret = blocklist_insert(filter_fd, screen_fd, prefix, err, errlen);
	/* A takeover may have pinned a new program's screen meanwhile: the
	 * bits there too (its rebuild after pinning reads the filter, so
	 * either that rebuild or this sees the entry). */
	if (!ret && screen_fd >= 0) {
		int now_fd = pin_open(pin_dir, "xdpcast_source_screen", err, errlen);

		if (now_fd >= 0 && map_id(now_fd) != map_id(screen_fd))
			ret = source_screen_add(now_fd, prefix, err, errlen);
		if (now_fd >= 0)
			close(now_fd);
	}
	if (screen_fd >= 0)
		close(screen_fd);
	close(filter_fd);
	return ret;
}

int blocklist_del(const char *pin_dir, const struct xdpcast_lpm_key *prefix, char *err, size_t errlen)
{
	struct source_filter existing;
	struct xdpcast_lpm_key found;
	char text[64], covering[64];
	int fd = open_filter(pin_dir, err, errlen), ret = -1;
	enum filter_match match;

	if (fd < 0)
		return -1;
	prefix_format(prefix, text, sizeof(text));
	match = filter_find(fd, prefix, &found, &existing);
	if (match == MATCH_NONE) {
		snprintf(err, errlen, "%s is not blocked", text);
	} else if (match == MATCH_COVERED) {
		prefix_format(&found, covering, sizeof(covering));
		snprintf(err, errlen, "%s is not blocked itself: it is covered by the blocked %s", text, covering);
	} else if (existing.kind == SOURCE_BLOCKED_BOTH) {
		/* The live block goes; the config's stays until the config drops it. */
		existing.kind = SOURCE_BLOCKED;
		if (bpf_map_update_elem(fd, prefix, &existing, BPF_EXIST))
			snprintf(err, errlen, "%s: %s", text, strerror(errno));
		else
			ret = BLOCKLIST_CONFIG_STAYS;
	} else if (existing.kind != SOURCE_BLOCKED_LIVE) {
		snprintf(err, errlen, "%s %s: change it there and reload", text, owner(existing.kind));
	} else if (bpf_map_delete_elem(fd, prefix)) {
		snprintf(err, errlen, "%s: %s", text, strerror(errno));
	} else {
		ret = 0;
	}
	close(fd);
	return ret;
}

int blocklist_list(const char *pin_dir, struct blocked_prefix **out, size_t *count, char *err, size_t errlen)
{
	struct xdpcast_lpm_key key, next;
	struct blocked_prefix *list = NULL, *grown;
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
		    (value.kind != SOURCE_BLOCKED && value.kind != SOURCE_BLOCKED_LIVE && value.kind != SOURCE_BLOCKED_BOTH))
			continue;
		if (!(grown = array_room(list, n, &cap, sizeof(*list)))) {
			free(list);
			close(fd);
			snprintf(err, errlen, "out of memory");
			return -1;
		}
		list = grown;
		list[n++] = (struct blocked_prefix){ key, value.kind };
	}
	close(fd);
	*out = list;
	*count = n;
	return 0;
}
