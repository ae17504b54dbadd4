// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <jansson.h>

#include "durable_file.h"
#include "log.h"
#include "maintenance.h"

const char *const maintenance_names[] = { [MAINT_NONE] = "none", [MAINT_DRAIN] = "drain",
					   [MAINT_WITHDRAW] = "withdraw" };

static int route_index(const struct route *routes, size_t count, const char *prefix)
{
	for (size_t i = 0; i < count; i++)
		if (!strcmp(routes[i].prefix, prefix))
			return i;
	return -1;
}

int maintenance_load(const char *path, const struct route *routes, size_t count, struct maintenance *out,
		     char *err, size_t errlen)
{
	json_error_t error;
	json_t *root, *entries, *entry;
	const char *prefix;
	int ret = -1;

	memset(out, 0, count * sizeof(*out));
	if (access(path, F_OK) && errno == ENOENT)
		return 0;
	root = json_load_file(path, 0, &error);
	if (!root) {
		snprintf(err, errlen, "%s:%d: %s (remove it to forget every drain)", path, error.line, error.text);
		return -1;
	}
	entries = json_object_get(root, "maintenance");
	if (!json_is_object(entries)) {
		snprintf(err, errlen, "%s: no \"maintenance\" object (remove it to forget every drain)", path);
		goto out;
	}
	json_object_foreach(entries, prefix, entry) {
		const char *action = json_string_value(json_object_get(entry, "action"));
		json_t *prepend_value = json_object_get(entry, "prepend");
		json_int_t prepend = json_integer_value(prepend_value);
		int i = route_index(routes, count, prefix);
		/* A drain without a number of prepends is not ours: guessing 0 could
		 * make a drain nothing can express. A withdraw needs none. */
		bool prepend_ok = prepend_value ? json_is_integer(prepend_value) && prepend >= 0 && prepend <= 10 :
					   action && !strcmp(action, "withdraw");

		if (!action || (strcmp(action, "drain") && strcmp(action, "withdraw")) || !prepend_ok) {
			snprintf(err, errlen, "%s: %s: expected {\"action\": \"drain\"|\"withdraw\", \"prepend\": 0..10}",
				 path, prefix);
			goto out;
		}
		if (i < 0) {
			log_warn("%s: %s is not an anycast prefix any more: its %s is forgotten", path, prefix, action);
			continue;
		}
		out[i].action = strcmp(action, "drain") ? MAINT_WITHDRAW : MAINT_DRAIN;
		out[i].prepend = prepend;
	}
	ret = 0;
out:
	json_decref(root);
	return ret;
}

int maintenance_save(const char *path, const struct route *routes, const struct maintenance *m, size_t count,
		     char *err, size_t errlen)
{
	json_t *entries = json_object(), *root = json_pack("{s:o}", "maintenance", entries);
	char *text, why[256];
	int ret = -1;

	for (size_t i = 0; i < count; i++)
		if (m[i].action != MAINT_NONE)
			json_object_set_new(entries, routes[i].prefix,
					    json_pack("{s:s, s:I}", "action", maintenance_names[m[i].action],
						      "prepend", (json_int_t)m[i].prepend));
	text = json_dumps(root, JSON_INDENT(2) | JSON_SORT_KEYS);
	if (!text)
		snprintf(err, errlen, "writing %s: out of memory", path);
	else if (durable_file_write(path, text, strlen(text), why, sizeof(why)))
		snprintf(err, errlen, "writing %s: %s", path, why);
	else
		ret = 0;
	free(text);
	json_decref(root);
	return ret;
}
