// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "catchment_map.h"
#include "prefix.h"
#include "stats.h"

#define CATCHMENT_BATCH 256     /* sets per lookup */

/* The map's key as a family-neutral prefix, for prefix_format and groups. */
static struct xdpcast_lpm_key network_prefix(const struct catchment_key *key)
{
	struct xdpcast_lpm_key p = { 0 };

	if (key->ipv6) {
		memcpy(p.addr, key->network, XDPCAST_CATCHMENT_V6_BITS / 8);
		p.prefixlen = XDPCAST_CATCHMENT_V6_BITS;
	} else {
		p.addr[10] = p.addr[11] = 0xff;
		memcpy(&p.addr[12], key->network, XDPCAST_CATCHMENT_V4_BITS / 8);
		p.prefixlen = 96 + XDPCAST_CATCHMENT_V4_BITS;
	}
	return p;
}

static int by_key(const void *a, const void *b)
{
	const struct catchment_entry *x = a, *y = b;

	return x->key_word < y->key_word ? -1 : x->key_word > y->key_word;
}

static int most_answers_first(const void *a, const void *b)
{
	const struct catchment_network *x = a, *y = b;

	if (x->answers != y->answers)
		return x->answers < y->answers ? 1 : -1;
	return memcmp(&x->prefix, &y->prefix, sizeof(x->prefix));
}

/* Room for `want` entries in *all, doubling: a read holds what is in use,
 * not every way of every set of every CPU. */
static int reserve(struct catchment_entry **all, size_t *room, size_t want)
{
	size_t grown = *room ? *room : CATCHMENT_BATCH;
	struct catchment_entry *bigger;

	if (want <= *room)
		return 0;
	while (grown < want)
		grown *= 2;
	bigger = reallocarray(*all, grown, sizeof(**all));
	if (!bigger)
		return -1;
	*all = bigger;
	*room = grown;
	return 0;
}

/* The entries in use of every set on every CPU, into *entries: sets of
 * as many ways as the version that pinned the map gave them (an entry
 * never changes). */
static int read_entries(int fd, int cpus, struct catchment_entry **entries, size_t *count, char *err, size_t errlen)
{
	struct catchment_entry *all = NULL;
	__u32 keys[CATCHMENT_BATCH], token = 0, n;
	bool first = true, done = false;
	size_t used = 0, room = 0, stride, ways;
	unsigned char *sets = NULL;

	if (percpu_array_items(fd, "xdpcast_catchment", sizeof(struct catchment_entry), &stride, &ways, err, errlen))
		return -1;
	sets = calloc((size_t)CATCHMENT_BATCH * cpus, stride);
	if (!sets) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	while (!done) {
		LIBBPF_OPTS(bpf_map_batch_opts, opts);

		n = CATCHMENT_BATCH;
		if (bpf_map_lookup_batch(fd, first ? NULL : &token, &token, keys, sets, &n, &opts)) {
			if (errno != ENOENT) {
				snprintf(err, errlen, "xdpcast_catchment: %s", strerror(errno));
				goto fail;
			}
			done = true;                            /* the last batch */
		}
		first = false;
		if (reserve(&all, &room, used + (size_t)n * cpus * ways)) {
			snprintf(err, errlen, "out of memory");
			goto fail;
		}
		for (size_t i = 0; i < (size_t)n * cpus; i++) {
			const struct catchment_entry *set = (const void *)(sets + i * stride);

			for (size_t way = 0; way < ways; way++)
				if (set[way].answers)
					all[used++] = set[way];
		}
	}
	free(sets);
	*entries = all;
	*count = used;
	return 0;
fail:
	free(sets);
	free(all);
	return -1;
}

/*
 * A network answered on several CPUs sits in the same set on each: the
 * entries are sorted by key and each run of one key becomes one network.
 */
int catchment_read_fd(int fd, struct catchment *out, char *err, size_t errlen)
{
	int cpus = libbpf_num_possible_cpus();
	struct catchment_network *net = NULL;
	struct catchment_entry *entries;
	size_t count;

	memset(out, 0, sizeof(*out));
	if (cpus < 1) {
		snprintf(err, errlen, "xdpcast_catchment: cannot count the CPUs: %s", strerror(-cpus));
		return -1;
	}
	if (read_entries(fd, cpus, &entries, &count, err, errlen))
		return -1;
	if (!count) {           /* none yet: no array to sort */
		free(entries);
		return 0;
	}
	qsort(entries, count, sizeof(*entries), by_key);
	out->networks = calloc(count, sizeof(*out->networks));
	if (!out->networks) {
		free(entries);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (size_t i = 0; i < count; i++) {
		if (!net || entries[i].key_word != entries[i - 1].key_word) {
			net = &out->networks[out->count++];
			net->prefix = network_prefix(&entries[i].key);
		}
		net->answers += entries[i].answers;
		if (entries[i].last_ns > net->last_ns)
			net->last_ns = entries[i].last_ns;
		out->answers += entries[i].answers;
	}
	free(entries);
	qsort(out->networks, out->count, sizeof(*out->networks), most_answers_first);
	return 0;
}

int catchment_read(const char *pin_dir, struct catchment *out, char *err, size_t errlen)
{
	int fd = pin_open(pin_dir, "xdpcast_catchment", err, errlen), ret;

	if (fd < 0)
		return -1;
	ret = catchment_read_fd(fd, out, err, errlen);
	close(fd);
	return ret;
}

void catchment_free(struct catchment *c)
{
	free(c->networks);
	memset(c, 0, sizeof(*c));
}

int catchment_group_prefix_check(const struct xdpcast_lpm_key *prefix, char *err, size_t errlen)
{
	unsigned longest = prefix_is_v4(prefix) ? 96 + XDPCAST_CATCHMENT_V4_BITS : XDPCAST_CATCHMENT_V6_BITS;
	char text[64];

	if (prefix->prefixlen <= longest)
		return 0;
	prefix_format(prefix, text, sizeof(text));
	snprintf(err, errlen, "%s: catchment is counted per /%u (IPv4) and /%u (IPv6); a group's prefixes are no longer",
		 text, XDPCAST_CATCHMENT_V4_BITS, XDPCAST_CATCHMENT_V6_BITS);
	return -1;
}

void catchment_group_totals(const struct catchment *c, const struct catchment_group *groups, size_t count,
			    struct catchment_group_total *out)
{
	for (size_t g = 0; g < count; g++)
		out[g] = (struct catchment_group_total){ .name = groups[g].name };
	out[count] = (struct catchment_group_total){ .name = CATCHMENT_OTHER };
	for (size_t i = 0; i < c->count; i++) {
		const struct catchment_network *net = &c->networks[i];
		size_t g = 0;

		for (; g < count; g++) {
			size_t p = 0;

			while (p < groups[g].prefix_count && !prefix_holds_address(&groups[g].prefixes[p], net->prefix.addr))
				p++;
			if (p < groups[g].prefix_count)
				break;
		}
		out[g].answers += net->answers;
		out[g].networks++;
	}
}
