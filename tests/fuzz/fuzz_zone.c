// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* libFuzzer: zone text through libzscanner into the answer compiler, as a
 * zone file or a transfer feeds it ($INCLUDE is refused for text). */
#include <stdint.h>
#include <stdio.h>

#include "answers.h"
#include "log.h"
#include "zone.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static FILE *quiet;
	struct answer_set set;
	struct zone *zone;
	char err[512];

	if (!quiet) {
		quiet = fopen("/dev/null", "w");
		log_set_output(quiet);
	}
	zone = zone_parse("fuzz.zone", (const char *)data, size, err, sizeof(err));
	if (!zone)
		return 0;
	if (answers_compile(&zone, 1, &set, err, sizeof(err)) == 0) {
		answers_add_chaos(&set, "fuzz-pop", err, sizeof(err));
		answers_free(&set);
	}
	zone_free(zone);
	return 0;
}
