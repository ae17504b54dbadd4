// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * libFuzzer: the state file (operators' drains and withdrawals) as
 * maintenance_load reads it at start, for a config with two anycast
 * prefixes. What it accepts must come back the same through a save and a
 * second load: the entries of both prefixes and those it keeps for others
 * (in any order: the file is written sorted).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "maintenance.h"

static char input[] = "/tmp/xdpcast-fuzz-state-XXXXXX", saved[] = "/tmp/xdpcast-fuzz-saved-XXXXXX";
static const struct route routes[2] = { { "192.0.2.0/24" }, { "2001:db8:53::/48" } };

static void set_up(void)
{
	int a = mkstemp(input), b = mkstemp(saved);

	if (a < 0 || b < 0)
		abort();
	close(a);
	close(b);
	log_set_output(fopen("/dev/null", "w"));
}

static int by_prefix(const void *a, const void *b)
{
	return strcmp(((const struct maintenance_kept *)a)->prefix, ((const struct maintenance_kept *)b)->prefix);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct maintenance first[2], second[2];
	struct maintenance_kept *kept = NULL, *kept_again = NULL;
	size_t kept_count = 0, kept_again_count = 0;
	static int ready;
	int ret;
	char err[512];
	FILE *f;

	if (!ready) {
		set_up();
		ready = 1;
	}
	f = fopen(input, "w");
	if (!f || fwrite(data, 1, size, f) != size || fclose(f))
		abort();
	ret = maintenance_load(input, routes, 2, first, &kept, &kept_count, err, sizeof(err));
	unlink(input);          /* libFuzzer ends without atexit: nothing is left between runs */
	if (ret)
		return 0;
	if (maintenance_save(saved, routes, first, 2, kept, kept_count, err, sizeof(err)) ||
	    maintenance_load(saved, routes, 2, second, &kept_again, &kept_again_count, err, sizeof(err)) ||
	    memcmp(first, second, sizeof(first)) || kept_count != kept_again_count)
		abort();                /* what was read is not what is written back */
	unlink(saved);
	if (kept_count) {
		qsort(kept, kept_count, sizeof(*kept), by_prefix);
		qsort(kept_again, kept_count, sizeof(*kept), by_prefix);
		if (memcmp(kept, kept_again, kept_count * sizeof(*kept)))
			abort();
	}
	free(kept);
	free(kept_again);
	return 0;
}
