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

static const struct route routes[2] = { { "192.0.2.0/24" }, { "2001:db8:53::/48" } };

/* The files of one run, in a directory of its own: the state file is
 * refused in a directory other users may write (/tmp). Removed at the end
 * of each run: libFuzzer ends without atexit. */
struct run_files {
	char dir[64], input[96], saved[96];
};

static void run_files_make(struct run_files *r)
{
	snprintf(r->dir, sizeof(r->dir), "/tmp/xdpcast-fuzz-state-XXXXXX");
	if (!mkdtemp(r->dir))
		abort();
	snprintf(r->input, sizeof(r->input), "%s/input", r->dir);
	snprintf(r->saved, sizeof(r->saved), "%s/saved", r->dir);
}

static void run_files_remove(const struct run_files *r)
{
	unlink(r->input);
	unlink(r->saved);
	rmdir(r->dir);
}

static int by_prefix(const void *a, const void *b)
{
	return strcmp(((const struct maintenance_kept *)a)->prefix, ((const struct maintenance_kept *)b)->prefix);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct maintenance first[2], second[2];
	struct maintenance_kept *kept = NULL, *kept_again = NULL;
	struct run_files files;
	size_t kept_count = 0, kept_again_count = 0;
	static int ready;
	int ret;
	char err[512], *text;
	FILE *f;

	if (!ready) {
		log_set_output(fopen("/dev/null", "w"));
		ready = 1;
	}
	run_files_make(&files);
	f = fopen(files.input, "w");
	if (!f || fwrite(data, 1, size, f) != size || fclose(f))
		abort();
	ret = maintenance_load(files.input, routes, 2, first, &kept, &kept_count, err, sizeof(err));
	if (ret) {
		run_files_remove(&files);
		return 0;
	}
	text = maintenance_text(routes, first, 2, kept, kept_count);
	if (maintenance_write(files.saved, text, err, sizeof(err)) ||
	    maintenance_load(files.saved, routes, 2, second, &kept_again, &kept_again_count, err, sizeof(err)) ||
	    memcmp(first, second, sizeof(first)) || kept_count != kept_again_count)
		abort();                /* what was read is not what is written back */
	free(text);
	run_files_remove(&files);
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
