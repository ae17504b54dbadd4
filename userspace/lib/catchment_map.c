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

#define CATCHMENT_BATCH 256     /* entries per lookup; grown when a hash bucket holds more */

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

static int most_answers_first(const void *a, const void *b)
{
	const struct catchment_network *x = a, *y = b;

	if (x->answers != y->answers)
		return x->answers < y->answers ? 1 : -1;
	return memcmp(&x->prefix, &y->prefix, sizeof(x->prefix));
}

/* Adds one batch of keys and per-CPU values to out. */
static int add_batch(struct catchment *out, size_t *cap, const struct catchment_key *keys,
		     const struct catchment_count *values, __u32 n, int cpus)
{
	if (out->count + n > *cap) {
		size_t grown_cap = (out->count + n) * 2;
		struct catchment_network *grown = realloc(out->networks, grown_cap * sizeof(*grown));

		if (!grown)
			return -1;
		out->networks = grown;
		*cap = grown_cap;
	}
	for (__u32 i = 0; i < n; i++) {
		struct catchment_network *net = &out->networks[out->count++];

		*net = (struct catchment_network){ .prefix = network_prefix(&keys[i]) };
		for (int cpu = 0; cpu < cpus; cpu++) {
			const struct catchment_count *c = &values[(size_t)i * cpus + cpu];

			net->answers += c->answers;
			if (c->last_ns > net->last_ns)
				net->last_ns = c->last_ns;
		}
		out->answers += net->answers;
	}
	return 0;
}

/*
 * Batch lookups walk the hash bucket by bucket, so entries the program
 * adds or evicts meanwhile never restart the walk (get_next_key would,
 * counting networks twice).
 */
int catchment_read_fd(int fd, struct catchment *out, char *err, size_t errlen)
{
	int cpus = libbpf_num_possible_cpus();
	__u32 batch = CATCHMENT_BATCH, token = 0, n;
	struct catchment_key *keys = NULL;
	struct catchment_count *values = NULL;
	size_t cap = 0;
	bool first = true, done = false;
	int ret = -1;

	memset(out, 0, sizeof(*out));
	if (cpus < 1) {
		snprintf(err, errlen, "xdpcast_catchment: cannot count the CPUs: %s", strerror(-cpus));
		return -1;
	}
	while (!done) {
		LIBBPF_OPTS(bpf_map_batch_opts, opts);

		if (!keys) {
			keys = calloc(batch, sizeof(*keys));
			values = calloc((size_t)batch * cpus, sizeof(*values));
			if (!keys || !values) {
				snprintf(err, errlen, "out of memory");
				goto out;
			}
		}
		n = batch;
		if (bpf_map_lookup_batch(fd, first ? NULL : &token, &token, keys, values, &n, &opts)) {
			if (errno == ENOSPC && n == 0) {        /* a bucket holds more than a batch */
				free(keys);
				free(values);
				keys = NULL;
				values = NULL;
				batch *= 2;
				continue;
			}
			if (errno != ENOENT) {
				snprintf(err, errlen, "xdpcast_catchment: %s", strerror(errno));
				goto out;
			}
			done = true;                            /* the last batch */
		}
		first = false;
		if (add_batch(out, &cap, keys, values, n, cpus)) {
			snprintf(err, errlen, "out of memory");
			goto out;
		}
	}
	if (out->count)         /* none yet: no array to sort */
		qsort(out->networks, out->count, sizeof(*out->networks), most_answers_first);
	ret = 0;
out:
	free(keys);
	free(values);
	if (ret)
		catchment_free(out);
	return ret;
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

			while (p < groups[g].prefix_count && !prefix_contains(&groups[g].prefixes[p], net->prefix.addr))
				p++;
			if (p < groups[g].prefix_count)
				break;
		}
		out[g].answers += net->answers;
		out[g].networks++;
	}
}
