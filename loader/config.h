/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * xdpcastd's YAML config file (--config): one key per command-line flag and
 * the flood defense settings. Errors name the file, the line and the key.
 * docs/config.md lists every key; docs/xdpcastd.example.yaml shows them.
 */
#ifndef XDPCAST_CONFIG_H
#define XDPCAST_CONFIG_H

#include <stddef.h>
#include "options.h"

/* Fills opts from the file at path; on error writes "FILE:LINE: key: problem". */
int config_load(const char *path, struct options *opts, char *err, size_t errlen);

#endif
