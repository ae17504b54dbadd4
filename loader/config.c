// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The config file, read with libyaml's document API: the whole file is
 * parsed first (syntax errors carry libyaml's line), then walked key by key
 * along the schema (schema.h), so an unknown key, a wrong shape (a single
 * value where a list belongs), a bad value or a key given twice is
 * reported with its line and dotted key path. Before the document is
 * built, libyaml's event stream is read once to bound what building it
 * costs: nesting at most CONFIG_DEPTH_MAX deep, one document per file.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <yaml.h>

#include "config.h"
#include "file_kind.h"

#define CONFIG_DEPTH_MAX  32            /* mappings and lists in one another */
#define CONFIG_BYTES_MAX  (16 << 20)    /* a config file is small; more is a mistake */

struct walk {
	const char *path;
	yaml_document_t *doc;
	const struct config_target *target;
	char *err;
	size_t errlen;
};

static int fail(struct walk *w, const yaml_node_t *node, const char *key, const char *fmt, ...)
{
	char what[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	snprintf(w->err, w->errlen, "%s:%zu: %s: %s", w->path, node->start_mark.line + 1,
		 *key ? key : "top level", what);
	return -1;
}

/* YAML's null: a key left empty, `~` or `null` unquoted (or tagged !!null).
 * Read as text it was a value: a state_file or pin_dir called "~". */
static bool is_null(const yaml_node_t *node)
{
	static const char *const nulls[] = { "", "~", "null", "Null", "NULL" };

	if (node->type != YAML_SCALAR_NODE)
		return false;
	if (node->tag && !strcmp((const char *)node->tag, YAML_NULL_TAG))
		return true;
	for (size_t i = 0; i < sizeof(nulls) / sizeof(nulls[0]); i++)
		if (node->data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
		    !strcmp((const char *)node->data.scalar.value, nulls[i]))
			return true;
	return false;
}

static const char *shape_name(const yaml_node_t *node)
{
	return node->type == YAML_SEQUENCE_NODE ? "list" : node->type == YAML_MAPPING_NODE ? "mapping" :
	       is_null(node) ? "null value (empty, ~ or null)" : "single value";
}

static const char *scalar(struct walk *w, yaml_node_t *node, const char *key)
{
	if (node->type != YAML_SCALAR_NODE) {
		fail(w, node, key, "expected a single value, not a %s", shape_name(node));
		return NULL;
	}
	if (is_null(node)) {
		fail(w, node, key, "no value (empty, ~ or null): give one, or leave the key out for its default");
		return NULL;
	}
	/* "a\0b" in double quotes: the text would end at the NUL. */
	if (strlen((const char *)node->data.scalar.value) != node->data.scalar.length) {
		fail(w, node, key, "holds a NUL character");
		return NULL;
	}
	return (const char *)node->data.scalar.value;
}

static void seen(struct walk *w, const struct schema_item *item)
{
	if (w->target->seen)
		w->target->seen(item, w->target->seen_arg);
}

static const char *key_name(struct walk *w, const yaml_node_pair_t *pair)
{
	const yaml_node_t *k = yaml_document_get_node(w->doc, pair->key);

	return k->type == YAML_SCALAR_NODE ? (const char *)k->data.scalar.value : "?";
}

/* YAML leaves a key given twice to the application: it is an error here,
 * not a silent choice of one. The pairs before `pair` are known keys (an
 * unknown one ends the walk, unless passed over: then as many as the
 * mapping has), so this looks at a few at most. */
static int check_unique(struct walk *w, const yaml_node_t *mapping, const yaml_node_pair_t *pair,
			const char *path)
{
	const char *name = key_name(w, pair);

	for (const yaml_node_pair_t *p = mapping->data.mapping.pairs.start; p < pair; p++)
		if (!strcmp(key_name(w, p), name))
			return fail(w, yaml_document_get_node(w->doc, pair->key), path,
				    "a second '%s' (the first is on line %zu)", name,
				    yaml_document_get_node(w->doc, p->key)->start_mark.line + 1);
	return 0;
}

static int walk_node(struct walk *w, yaml_node_t *node, const char *path, const struct schema_item *item,
		     void *base);

static int walk_mapping(struct walk *w, yaml_node_t *node, const char *key, const struct schema_item *children,
			void *base)
{
	if (node->type != YAML_MAPPING_NODE)
		return fail(w, node, key, "expected a mapping of keys, not a %s", shape_name(node));
	for (yaml_node_pair_t *pair = node->data.mapping.pairs.start; pair < node->data.mapping.pairs.top; pair++) {
		const char *name = key_name(w, pair);
		const struct schema_item *child = schema_child(children, name);
		char path[256];

		if (snprintf(path, sizeof(path), "%s%s%s", key, *key ? "." : "", name) >= (int)sizeof(path))
			return fail(w, yaml_document_get_node(w->doc, pair->key), key, "a key of %zu characters",
				    strlen(name));
		if (!child && w->target->only_listed)
			continue;
		if (!child)
			return fail(w, yaml_document_get_node(w->doc, pair->key), path, "unknown key");
		if (check_unique(w, node, pair, path) ||
		    walk_node(w, yaml_document_get_node(w->doc, pair->value), path, child, base))
			return -1;
	}
	return 0;
}

static int set_scalar(struct walk *w, yaml_node_t *node, const char *path, const struct schema_item *item,
		      void *base)
{
	const char *value = scalar(w, node, path);
	char what[512];

	if (!value)
		return -1;
	if (schema_set_value(item, base, value, w->target->strings, what, sizeof(what)))
		return fail(w, node, path, "%s", what);
	if (item->flags & SCHEMA_HAS_LINE)
		*(int *)schema_at(base, item->line_offset) = node->start_mark.line + 1;
	seen(w, item);
	return 0;
}

static int walk_list(struct walk *w, yaml_node_t *node, const char *path, const struct schema_item *list,
		     void *base);

/* One record of a list: a mapping of its keys, or the single value (or
 * list) its shorthand (or, filed under a name, its value) stands for. Errors after
 * its keys are read point at line_node: the entry, or the name of it. */
static int walk_record(struct walk *w, yaml_node_t *node, yaml_node_t *line_node, const char *path,
		       const struct schema_item *list, void *base, void *record)
{
	const struct schema_item *single = NULL;
	char what[512];

	for (const struct schema_item *c = list->children; !schema_is_end(c); c++)
		if ((c->flags & SCHEMA_SCALAR) || (list->shorthand && c->key && !strcmp(c->key, list->shorthand)))
			single = c;
	if (node->type == YAML_SEQUENCE_NODE && single && single->shape == SCHEMA_LIST) {
		if (walk_list(w, node, path, single, record))
			return -1;
	} else if (node->type == YAML_SCALAR_NODE && single && single->shape == SCHEMA_VALUE) {
		if (set_scalar(w, node, path, single, record))
			return -1;
	} else if (walk_mapping(w, node, path, list->children, record)) {
		return -1;
	}
	if (list->flags & SCHEMA_HAS_LINE)
		*(int *)schema_at(record, list->line_offset) = line_node->start_mark.line + 1;
	if (schema_finish_record(list, base, record, w->target->root, what, sizeof(what)))
		return fail(w, line_node, path, "%s", what);
	return 0;
}

static int walk_list(struct walk *w, yaml_node_t *node, const char *path, const struct schema_item *list,
		     void *base)
{
	char what[512];

	if (node->type != YAML_SEQUENCE_NODE)
		return fail(w, node, path, "expected a list, not a %s", shape_name(node));
	schema_list_clear(list, base);          /* the file's list replaces the default */
	for (yaml_node_item_t *i = node->data.sequence.items.start; i < node->data.sequence.items.top; i++) {
		yaml_node_t *element = yaml_document_get_node(w->doc, *i);
		void *item = schema_list_append(list, base, what, sizeof(what));
		const char *value;

		if (!item)
			return fail(w, element, path, "%s", what);
		if (list->children) {
			if (walk_record(w, element, element, path, list, base, item))
				return -1;
			continue;
		}
		value = scalar(w, element, path);
		if (!value)
			return -1;
		if (list->type->parse(list, value, item, w->target->strings, what, sizeof(what)) ||
		    schema_list_check_last(list, base, what, sizeof(what)))
			return fail(w, element, path, "%s", what);
	}
	if (list->too_few && !*schema_list_count(list, base))
		return fail(w, node, path, "%s", list->too_few);
	if (!list->children && (list->flags & SCHEMA_HAS_LINE))
		*(int *)schema_at(base, list->line_offset) = node->start_mark.line + 1;
	seen(w, list);
	return 0;
}

static int walk_named(struct walk *w, yaml_node_t *node, const char *path, const struct schema_item *named,
		      void *base)
{
	char what[512];

	if (node->type != YAML_MAPPING_NODE)
		return fail(w, node, path, "expected a mapping of %s names, not a %s", named->noun, shape_name(node));
	schema_list_clear(named, base);
	for (yaml_node_pair_t *pair = node->data.mapping.pairs.start; pair < node->data.mapping.pairs.top; pair++) {
		yaml_node_t *k = yaml_document_get_node(w->doc, pair->key);
		const char *name = scalar(w, k, path);
		char record_path[256];
		void *record;

		if (!name)
			return -1;
		if (snprintf(record_path, sizeof(record_path), "%s.%s", path, name) >= (int)sizeof(record_path))
			return fail(w, k, path, "a name of %zu characters", strlen(name));
		if (check_unique(w, node, pair, record_path))
			return -1;
		record = schema_named_record(named, base, name, w->target->strings, what, sizeof(what));
		if (!record)
			return fail(w, k, record_path, "%s", what);
		if (walk_record(w, yaml_document_get_node(w->doc, pair->value), k, record_path, named, base, record))
			return -1;
	}
	seen(w, named);
	return 0;
}

static int walk_node(struct walk *w, yaml_node_t *node, const char *path, const struct schema_item *item,
		     void *base)
{
	char what[512];

	switch (item->shape) {
	case SCHEMA_VALUE:
		return set_scalar(w, node, path, item, base);
	case SCHEMA_SECTION:
		if (walk_mapping(w, node, path, item->children, schema_at(base, item->offset)))
			return -1;
		if (item->check && item->check(item, schema_at(base, item->offset), w->target->root, what, sizeof(what)))
			return fail(w, node, path, "%s", what);
		seen(w, item);
		return 0;
	case SCHEMA_LIST:
		return walk_list(w, node, path, item, base);
	case SCHEMA_NAMED:
		return walk_named(w, node, path, item, base);
	case SCHEMA_ACTION:
		break;
	}
	return fail(w, node, path, "unknown key");
}

/* The line of a syntax error. libyaml's reader (bad UTF-8, a control
 * character) gives no mark, only the byte's offset: its line is counted. */
static size_t error_line(const yaml_parser_t *parser, const unsigned char *text, size_t len)
{
	size_t line = 1;

	if (parser->error != YAML_READER_ERROR)
		return parser->problem_mark.line + 1;
	for (size_t i = 0; i < parser->problem_offset && i < len; i++)
		line += text[i] == '\n';
	return line;
}

static void syntax_error(const char *path, const yaml_parser_t *parser, const unsigned char *text, size_t len,
			 char *err, size_t errlen)
{
	snprintf(err, errlen, "%s:%zu: %s%s%s", path, error_line(parser, text, len),
		 parser->problem ? parser->problem : "not YAML", parser->context ? " " : "",
		 parser->context ? parser->context : "");
}

/*
 * The events of the whole text, before any document is built: nesting
 * past CONFIG_DEPTH_MAX or a second document ends the read at once, where
 * building it would take time and memory in proportion to the nesting.
 */
static int check_shape(const char *path, const unsigned char *text, size_t len, char *err, size_t errlen)
{
	yaml_parser_t parser;
	yaml_event_t event;
	int depth = 0, documents = 0, ret = 1;

	yaml_parser_initialize(&parser);
	yaml_parser_set_input_string(&parser, text, len);
	while (ret > 0) {
		if (!yaml_parser_parse(&parser, &event)) {
			syntax_error(path, &parser, text, len, err, errlen);
			ret = -1;
			break;
		}
		switch (event.type) {
		case YAML_DOCUMENT_START_EVENT:
			if (++documents > 1) {
				snprintf(err, errlen, "%s:%zu: a second YAML document: the file must hold one", path,
					 event.start_mark.line + 1);
				ret = -1;
			}
			break;
		case YAML_SEQUENCE_START_EVENT:
		case YAML_MAPPING_START_EVENT:
			if (++depth > CONFIG_DEPTH_MAX) {
				snprintf(err, errlen, "%s:%zu: nested more than %d deep", path,
					 event.start_mark.line + 1, CONFIG_DEPTH_MAX);
				ret = -1;
			}
			break;
		case YAML_SEQUENCE_END_EVENT:
		case YAML_MAPPING_END_EVENT:
			depth--;
			break;
		case YAML_STREAM_END_EVENT:
			ret = 0;
			break;
		default:
			break;
		}
		yaml_event_delete(&event);
	}
	yaml_parser_delete(&parser);
	return ret;
}

/* Whether the file open at fd, `before` when opened, was cut short or
 * written since: `len` bytes read. */
static bool changed_while_read(int fd, const struct stat *before, size_t len)
{
	struct stat after;

	return len != (size_t)before->st_size || fstat(fd, &after) || after.st_size != before->st_size ||
	       after.st_mtim.tv_sec != before->st_mtim.tv_sec || after.st_mtim.tv_nsec != before->st_mtim.tv_nsec;
}

/* Only a regular file, opened without blocking: a FIFO in its place
 * would hang the start, or a reload on the zones lane, in open(). */
unsigned char *config_read_file(const char *path, size_t *len, char *err, size_t errlen)
{
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	unsigned char *text;
	struct stat sb;
	FILE *f = NULL;

	if (fd < 0 || fstat(fd, &sb) || (S_ISREG(sb.st_mode) && !(f = fdopen(fd, "r")))) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		goto refused;
	}
	if (!S_ISREG(sb.st_mode)) {
		snprintf(err, errlen, "%s: %s, not a config file", path, file_kind(sb.st_mode));
		goto refused;
	}
	text = malloc(CONFIG_BYTES_MAX + 1);
	*len = text ? fread(text, 1, CONFIG_BYTES_MAX + 1, f) : 0;
	if (!text || ferror(f) || *len > CONFIG_BYTES_MAX) {
		snprintf(err, errlen, "%s: %s", path, !text ? "out of memory" : ferror(f) ? strerror(errno) :
			 "larger than 16 MiB: not a config file");
		free(text);
		text = NULL;
	} else if (changed_while_read(fileno(f), &sb, *len)) {
		/* A reload racing an editor's save in place: a document cut at
		 * a line's end parses, and the keys after the cut would take
		 * their defaults (zones dropped, limits reset). */
		snprintf(err, errlen, "%s: %zu of %lld bytes read: the file changed while it was read (written in "
			 "place meanwhile): not read", path, *len, (long long)sb.st_size);
		free(text);
		text = NULL;
	}
	fclose(f);
	return text;
refused:
	if (fd >= 0)
		close(fd);
	return NULL;
}

int config_read(const char *name, const unsigned char *text, size_t len, const struct config_target *target,
		char *err, size_t errlen)
{
	struct walk w = { .path = name, .target = target, .err = err, .errlen = errlen };
	yaml_parser_t parser;
	yaml_document_t doc;
	yaml_node_t *root;
	int ret = -1;

	if (check_shape(name, text, len, err, errlen))
		return -1;
	yaml_parser_initialize(&parser);
	yaml_parser_set_input_string(&parser, text, len);
	if (!yaml_parser_load(&parser, &doc)) {
		syntax_error(name, &parser, text, len, err, errlen);
		goto out;
	}
	w.doc = &doc;
	root = yaml_document_get_root_node(&doc);
	if (!root)
		snprintf(err, errlen, "%s: the file is empty", name);
	else
		ret = walk_mapping(&w, root, "", target->table, target->root);
	yaml_document_delete(&doc);
out:
	yaml_parser_delete(&parser);
	return ret;
}
