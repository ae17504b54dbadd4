// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* libFuzzer: the YAML config file, through libyaml and every key's table. */
#include <stdint.h>

#include "config.h"
#include "options.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct options opts;
	char err[512];

	options_defaults(&opts);
	config_parse("fuzz.yaml", data, size, &opts, err, sizeof(err));
	options_free(&opts);
	return 0;
}
