// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <jansson.h>

#include "durable_file.h"
#include "maintenance.h"
#include "prefix.h"
#include "private_dir.h"

const char *const maintenance_names[] = { [MAINT_NONE] = "none", [MAINT_DRAIN] = "drain",
					   [MAINT_WITHDRAW] = "withdraw" };

static int route_index(const struct route *routes, size_t count, const char *prefix)
{
	for (size_t i = 0; i < count; i++)
		if (!strcmp(routes[i].prefix, prefix))
			return i;
	return -1;
}

static int kept_index(const struct maintenance_kept *kept, size_t count, const char *prefix)
{
	for (size_t k = 0; k < count; k++)
		if (!strcmp(kept[k].prefix, prefix))
			return k;
	return -1;
}

int maintenance_load(const char *path, const struct route *routes, size_t count, struct maintenance *out,
		     struct maintenance_kept **kept, size_t *kept_count, char *err, size_t errlen)
{
	struct xdpcast_lpm_key key;
	json_error_t error;
	char why[512];
	struct stat st;
	json_t *root, *entries, *entry;
	const char *prefix;
	int ret = -1;

	memset(out, 0, count * sizeof(*out));
	*kept = NULL;
	*kept_count = 0;
	/* Else another user could put drains and withdrawals there for us to apply. */
	if (private_parent_check(path, why, sizeof(why))) {
		snprintf(err, errlen, "%s: %s", path, why);
		return -1;
	}
	if (stat(path, &st) && errno == ENOENT)
		return 0;
	if (!stat(path, &st) && !S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s: not a regular file", path);
		return -1;
	}
	/* A key given twice is a file no xdpcastd wrote: refused, not the last one taken. */
	root = json_load_file(path, JSON_REJECT_DUPLICATES, &error);
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
		/* A drain without a number of prepends is not ours: guessing 0 could
		 * make a drain nothing can express. A withdraw needs none. */
		bool prepend_ok = prepend_value ? json_is_integer(prepend_value) && prepend >= 0 && prepend <= BIRD_PREPEND_MAX :
					   action && !strcmp(action, "withdraw");
		char canonical[sizeof((*kept)[0].prefix)];
		struct maintenance m;
		int i;

		if (prefix_parse(prefix, &key, why, sizeof(why))) {
			snprintf(err, errlen, "%s: %.80s: not a prefix", path, prefix);
			goto out;
		}
		/* As the daemon writes it: an entry written by hand in capitals,
		 * with zeros or IPv4-mapped is the config's prefix all the same
		 * (it was kept as another's, and the prefix announced), and
		 * undrain forgets a kept one by this spelling. */
		prefix_format(&key, canonical, sizeof(canonical));
		i = route_index(routes, count, canonical);
		if (i >= 0 ? out[i].action != MAINT_NONE : kept_index(*kept, *kept_count, canonical) >= 0) {
			snprintf(err, errlen, "%s: %.80s: %s given twice", path, prefix, canonical);
			goto out;
		}
		if (!action || (strcmp(action, "drain") && strcmp(action, "withdraw")) || !prepend_ok) {
			snprintf(err, errlen, "%s: %s: expected {\"action\": \"drain\"|\"withdraw\", \"prepend\": " BIRD_PREPEND_RANGE "}",
				 path, prefix);
			goto out;
		}
		m = (struct maintenance){ .action = strcmp(action, "drain") ? MAINT_WITHDRAW : MAINT_DRAIN,
					  .prepend = prepend };
		if (i >= 0) {
			out[i] = m;
			continue;
		}
		if (!*kept && !(*kept = calloc(json_object_size(entries), sizeof(**kept)))) {
			snprintf(err, errlen, "%s: out of memory", path);
			goto out;
		}
		snprintf((*kept)[*kept_count].prefix, sizeof((*kept)[0].prefix), "%s", canonical);
		(*kept)[(*kept_count)++].m = m;
	}
	ret = 0;
out:
	if (ret) {
		free(*kept);
		*kept = NULL;
		*kept_count = 0;
	}
	json_decref(root);
	return ret;
}

static json_t *entry_json(const struct maintenance *m)
{
	return json_pack("{s:s, s:I}", "action", maintenance_names[m->action], "prepend", (json_int_t)m->prepend);
}

char *maintenance_text(const struct route *routes, const struct maintenance *m, size_t count,
		       const struct maintenance_kept *kept, size_t kept_count)
{
	json_t *entries = json_object(), *root = json_pack("{s:o}", "maintenance", entries);
	char *text;

	for (size_t i = 0; i < count; i++)
		if (m[i].action != MAINT_NONE)
			json_object_set_new(entries, routes[i].prefix, entry_json(&m[i]));
	for (size_t i = 0; i < kept_count; i++)
		json_object_set_new(entries, kept[i].prefix, entry_json(&kept[i].m));
	text = json_dumps(root, JSON_INDENT(2) | JSON_SORT_KEYS);
	json_decref(root);
	return text;
}

int maintenance_write(const char *path, const char *text, char *err, size_t errlen)
{
	char why[256];

	if (!text) {
		snprintf(err, errlen, "writing %s: out of memory", path);
		return -1;
	}
	if (durable_file_write(path, text, strlen(text), why, sizeof(why))) {
		snprintf(err, errlen, "writing %s: %s", path, why);
		return -1;
	}
	return 0;
}
