// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "schema.h"

static char *keep(struct schema_strings *strings, const char *s)
{
	return strings_push(&strings->items, &strings->count, s) ? NULL : strings->items[strings->count - 1];
}

void schema_strings_free(struct schema_strings *strings)
{
	strings_free(&strings->items, &strings->count);
}

/* ---- the generic types ---- */

static int parse_string(const struct schema_item *item, const char *text, void *out, struct schema_strings *strings,
			char *err, size_t errlen)
{
	if (!*text) {
		snprintf(err, errlen, "must not be empty");
		return -1;
	}
	if (item->max && strlen(text) > item->max) {
		snprintf(err, errlen, "'%s': at most %llu characters", text, (unsigned long long)item->max);
		return -1;
	}
	if ((item->flags & SCHEMA_NONE_IS_NULL) && !strcmp(text, "none")) {
		*(const char **)out = NULL;
		return 0;
	}
	*(const char **)out = keep(strings, text);
	if (!*(const char **)out) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	return 0;
}

void schema_format_string(const struct schema_item *item, const void *value, char *out, size_t len)
{
	const char *s = *(const char *const *)value;

	snprintf(out, len, "%s", s ? s : (item->flags & SCHEMA_NONE_IS_NULL) ? "none" : "");
}

const struct schema_type schema_string = {
	.doc = "string", .plural = "strings", .size = sizeof(const char *), .parse = parse_string,
	.format = schema_format_string,
};

static int parse_bool(const struct schema_item *item, const char *text, void *out, struct schema_strings *strings,
		      char *err, size_t errlen)
{
	(void)item;
	(void)strings;
	if (!strcmp(text, "true") || !strcmp(text, "yes") || !strcmp(text, "on"))
		*(bool *)out = true;
	else if (!strcmp(text, "false") || !strcmp(text, "no") || !strcmp(text, "off"))
		*(bool *)out = false;
	else {
		snprintf(err, errlen, "'%s' is not true or false", text);
		return -1;
	}
	return 0;
}

static void format_bool(const struct schema_item *item, const void *value, char *out, size_t len)
{
	(void)item;
	snprintf(out, len, "%s", *(const bool *)value ? "true" : "false");
}

const struct schema_type schema_bool = {
	.doc = "true or false", .plural = "booleans", .size = sizeof(bool), .parse = parse_bool, .format = format_bool,
	.takes_no_argument = true,
};

/* A whole number within the item's bounds, in decimal digits alone
 * (strtoull takes a sign and leading spaces too): "from min to max" for
 * what is no number at all or too large, "at least min" for what is too
 * small. */
static int parse_number(const struct schema_item *item, const char *text, uint64_t *out, char *err, size_t errlen)
{
	unsigned long long n;
	char *end;

	errno = 0;
	n = strtoull(text, &end, 10);
	if (!*text || *end || errno || strspn(text, "0123456789") != strlen(text) || n > item->max) {
		snprintf(err, errlen, "'%s' is not a whole number from %llu to %llu", text, (unsigned long long)item->min,
			 (unsigned long long)item->max);
		return -1;
	}
	if (n < item->min) {
		if (item->unit)
			snprintf(err, errlen, "at least %llu %s", (unsigned long long)item->min, item->unit);
		else
			snprintf(err, errlen, "must be at least %llu", (unsigned long long)item->min);
		return -1;
	}
	*out = n;
	return 0;
}

static int parse_uint(const struct schema_item *item, const char *text, void *out, struct schema_strings *strings,
		      char *err, size_t errlen)
{
	uint64_t n;

	(void)strings;
	if (parse_number(item, text, &n, err, errlen))
		return -1;
	*(uint32_t *)out = n;
	return 0;
}

static void format_uint(const struct schema_item *item, const void *value, char *out, size_t len)
{
	(void)item;
	snprintf(out, len, "%u", *(const uint32_t *)value);
}

const struct schema_type schema_uint = {
	.doc = "number", .plural = "numbers", .size = sizeof(uint32_t), .parse = parse_uint, .format = format_uint,
};

static int parse_uint64(const struct schema_item *item, const char *text, void *out, struct schema_strings *strings,
			char *err, size_t errlen)
{
	(void)strings;
	return parse_number(item, text, out, err, errlen);
}

static void format_uint64(const struct schema_item *item, const void *value, char *out, size_t len)
{
	(void)item;
	snprintf(out, len, "%llu", (unsigned long long)*(const uint64_t *)value);
}

const struct schema_type schema_uint64 = {
	.doc = "number", .plural = "numbers", .size = sizeof(uint64_t), .parse = parse_uint64, .format = format_uint64,
};

static int parse_mebibytes(const struct schema_item *item, const char *text, void *out,
			   struct schema_strings *strings, char *err, size_t errlen)
{
	uint64_t n;

	(void)strings;
	if (parse_number(item, text, &n, err, errlen))
		return -1;
	*(uint64_t *)out = n << 20;
	return 0;
}

static void format_mebibytes(const struct schema_item *item, const void *value, char *out, size_t len)
{
	(void)item;
	snprintf(out, len, "%llu", (unsigned long long)(*(const uint64_t *)value >> 20));
}

const struct schema_type schema_mebibytes = {
	.doc = "MiB", .plural = "sizes in MiB", .size = sizeof(uint64_t), .parse = parse_mebibytes, .format = format_mebibytes,
};

/* "a, b or c" */
static void choice_names(const struct schema_choice *choices, char *out, size_t len)
{
	size_t used = 0;

	out[0] = '\0';
	for (const struct schema_choice *c = choices; c->name && used < len; c++)
		used += snprintf(out + used, len - used, "%s%s", c == choices ? "" : c[1].name ? ", " : " or ",
				 c->name);
}

static int parse_choice(const struct schema_item *item, const char *text, void *out, struct schema_strings *strings,
			char *err, size_t errlen)
{
	char names[256];

	(void)strings;
	for (const struct schema_choice *c = item->choices; c->name; c++)
		if (!strcmp(c->name, text)) {
			*(int *)out = c->value;
			return 0;
		}
	choice_names(item->choices, names, sizeof(names));
	snprintf(err, errlen, "'%s' must be %s", text, names);
	return -1;
}

static void format_choice(const struct schema_item *item, const void *value, char *out, size_t len)
{
	out[0] = '\0';
	for (const struct schema_choice *c = item->choices; c->name; c++)
		if (c->value == *(const int *)value)
			snprintf(out, len, "%s", c->name);
}

const struct schema_type schema_choice = {
	.doc = "choice", .plural = "choices", .size = sizeof(int), .parse = parse_choice, .format = format_choice,
};

/* ---- lists and records ---- */

static bool has_records(const struct schema_item *item)
{
	return item->children != NULL;
}

static size_t list_item_size(const struct schema_item *list)
{
	return has_records(list) ? list->record_size : list->type->size;
}

static void *list_items(const struct schema_item *list, void *base)
{
	return list->flags & SCHEMA_FIXED ? schema_at(base, list->offset) : *(void **)schema_at(base, list->offset);
}

size_t *schema_list_count(const struct schema_item *list, void *base)
{
	return schema_at(base, list->count_offset);
}

static void free_records(const struct schema_item *list, void *base)
{
	size_t count = *schema_list_count(list, base), size = list_item_size(list);
	char *items = list_items(list, base);

	if (!has_records(list))
		return;
	for (size_t i = 0; i < count; i++) {
		schema_free(list->children, items + i * size);
		if (list->release)
			list->release(items + i * size);
	}
}

void schema_list_clear(const struct schema_item *list, void *base)
{
	free_records(list, base);
	if (!(list->flags & SCHEMA_FIXED)) {
		free(*(void **)schema_at(base, list->offset));
		*(void **)schema_at(base, list->offset) = NULL;
	}
	*schema_list_count(list, base) = 0;
}

/* "an entry", "a view" */
static const char *article(const char *noun)
{
	return strchr("aeiou", noun[0]) ? "an" : "a";
}

/* "entries", "prefixes", "views" */
static void plural(const char *noun, char *out, size_t len)
{
	size_t n = strlen(noun);

	if (n > 1 && noun[n - 1] == 'y' && !strchr("aeiou", noun[n - 2]))
		snprintf(out, len, "%.*sies", (int)(n - 1), noun);
	else if (n && strchr("sx", noun[n - 1]))
		snprintf(out, len, "%ses", noun);
	else
		snprintf(out, len, "%ss", noun);
}

void *schema_list_append(const struct schema_item *list, void *base, char *err, size_t errlen)
{
	size_t *count = schema_list_count(list, base), size = list_item_size(list);
	char nouns[64];
	void *item;

	if (list->max_items && *count >= list->max_items) {
		plural(list->noun ? list->noun : "item", nouns, sizeof(nouns));
		snprintf(err, errlen, "at most %zu %s", list->max_items, nouns);
		return NULL;
	}
	if (list->flags & SCHEMA_FIXED) {
		item = (char *)list_items(list, base) + (*count)++ * size;
		memset(item, 0, size);
	} else {
		item = array_push(schema_at(base, list->offset), count, size);
	}
	if (!item) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if (list->record_defaults)
		memcpy(item, list->record_defaults, size);
	return item;
}

const struct schema_item *schema_child(const struct schema_item *children, const char *key)
{
	for (const struct schema_item *c = children; !schema_is_end(c); c++)
		if (c->key && !(c->flags & (SCHEMA_NAME | SCHEMA_SCALAR)) && !strcmp(c->key, key))
			return c;
	return NULL;
}

static const struct schema_item *child_with(const struct schema_item *children, unsigned flag)
{
	for (const struct schema_item *c = children; !schema_is_end(c); c++)
		if (c->flags & flag)
			return c;
	return NULL;
}

void *schema_named_record(const struct schema_item *named, void *base, const char *name,
			  struct schema_strings *strings, char *err, size_t errlen)
{
	const struct schema_item *name_item = child_with(named->children, SCHEMA_NAME);
	size_t count = *schema_list_count(named, base);
	char *items = list_items(named, base);
	void *record;

	for (size_t i = 0; i < count; i++) {
		const char *existing = *(const char **)(items + i * named->record_size + name_item->offset);

		if (existing && !strcmp(existing, name))
			return items + i * named->record_size;
	}
	record = schema_list_append(named, base, err, errlen);
	if (record && schema_set_value(name_item, record, name, strings, err, errlen)) {
		(*schema_list_count(named, base))--;
		return NULL;
	}
	return record;
}

int schema_set_value(const struct schema_item *item, void *base, const char *text, struct schema_strings *strings,
		     char *err, size_t errlen)
{
	if (item->type->parse(item, text, schema_at(base, item->offset), strings, err, errlen))
		return -1;
	if (item->flags & SCHEMA_GIVEN)
		*(bool *)schema_at(base, item->given_offset) = true;
	return 0;
}

static bool is_given(const struct schema_item *child, const void *record, const void *defaults)
{
	const void *value = (const char *)record + child->offset;
	size_t size = child->shape == SCHEMA_VALUE ? child->type->size : sizeof(size_t);

	if (child->flags & SCHEMA_GIVEN)
		return *(const bool *)((const char *)record + child->given_offset);
	if (child->shape != SCHEMA_VALUE)
		return *(const size_t *)((const char *)record + child->count_offset) > 0;
	/* a value differs from the record's default once given: strings,
	 * addresses and numbers with no default of their own */
	if (defaults)
		return memcmp(value, (const char *)defaults + child->offset, size) != 0;
	for (size_t i = 0; i < size; i++)
		if (((const unsigned char *)value)[i])
			return true;
	return false;
}

int schema_list_check_last(const struct schema_item *list, void *base, char *err, size_t errlen)
{
	size_t count = *schema_list_count(list, base), size = list_item_size(list);
	const char *items = list_items(list, base);
	char last[256], other[256];

	if (!(list->flags & SCHEMA_UNIQUE) || !count)
		return 0;
	list->type->format(list, items + (count - 1) * size, last, sizeof(last));
	for (size_t i = 0; i + 1 < count; i++) {
		list->type->format(list, items + i * size, other, sizeof(other));
		if (!strcmp(last, other)) {
			snprintf(err, errlen, "'%s' is listed twice", last);
			return -1;
		}
	}
	return 0;
}

int schema_finish_record(const struct schema_item *list, void *base, void *record, void *root, char *err,
			 size_t errlen)
{
	char *items = list_items(list, base);
	size_t count = *schema_list_count(list, base), used = 0, required = 0, missing = 0;
	char names[256] = "";

	for (const struct schema_item *c = list->children; !schema_is_end(c); c++)
		if (c->flags & SCHEMA_REQUIRED) {
			required++;
			missing += !is_given(c, record, list->record_defaults);
		}
	if (missing) {
		size_t listed = 0;

		for (const struct schema_item *c = list->children; !schema_is_end(c); c++)
			if (c->flags & SCHEMA_REQUIRED)
				used += snprintf(names + used, sizeof(names) - used, "%s'%s'",
						 !listed++ ? "" : listed == required ? " and " : ", ", c->key);
		snprintf(err, errlen, "%s %s needs %s", article(list->noun), list->noun, names);
		return -1;
	}
	for (const struct schema_item *c = list->children; !schema_is_end(c); c++) {
		char value[256], other[256];

		if (!(c->flags & SCHEMA_UNIQUE))
			continue;
		/* As the file writes them: prefixes are compared too, not only names. */
		c->type->format(c, (char *)record + c->offset, value, sizeof(value));
		for (size_t i = 0; i < count && items + i * list->record_size != (char *)record; i++) {
			c->type->format(c, items + i * list->record_size + c->offset, other, sizeof(other));
			if (!strcmp(other, value)) {
				if (!strcmp(c->key, "name"))
					snprintf(err, errlen, "a second %s named '%s'", list->noun, value);
				else
					snprintf(err, errlen, "a second %s with %s '%s'", list->noun, c->key, value);
				return -1;
			}
		}
	}
	return list->check ? list->check(list, record, root, err, errlen) : 0;
}

void schema_free(const struct schema_item *table, void *base)
{
	for (const struct schema_item *item = table; !schema_is_end(item); item++) {
		if (item->shape == SCHEMA_SECTION)
			schema_free(item->children, schema_at(base, item->offset));
		else if (item->shape == SCHEMA_LIST || item->shape == SCHEMA_NAMED)
			schema_list_clear(item, base);
	}
}

/* ---- flags ---- */

static size_t collect_flags(const struct schema_item *table, const struct schema_item *top, size_t base_offset,
			    struct schema_flag_ref *refs, size_t n, size_t max)
{
	for (const struct schema_item *item = table; !schema_is_end(item); item++) {
		const struct schema_item *item_top = top ? top : item;

		if (item->flag && n < max)
			refs[n++] = (struct schema_flag_ref){ item, NULL, item_top, base_offset };
		if (item->shape == SCHEMA_SECTION) {
			n = collect_flags(item->children, item_top, base_offset + item->offset, refs, n, max);
		} else if (item->shape == SCHEMA_NAMED) {
			for (const struct schema_item *c = item->children; !schema_is_end(c); c++)
				if (c->flag && n < max)
					refs[n++] = (struct schema_flag_ref){ c, item, item_top, base_offset };
		}
	}
	return n;
}

size_t schema_flags(const struct schema_item *table, struct schema_flag_ref *refs, size_t max)
{
	return collect_flags(table, NULL, 0, refs, 0, max);
}

/* One item of a list flag's value into the list at base. */
static int add_to_list(const struct schema_item *list, void *base, void *root, const char *text,
		       struct schema_strings *strings, char *err, size_t errlen)
{
	void *item = schema_list_append(list, base, err, errlen);
	const struct schema_item *target;

	if (!item)
		return -1;
	if (!has_records(list))
		return list->type->parse(list, text, item, strings, err, errlen) ||
		       schema_list_check_last(list, base, err, errlen) ? -1 : 0;
	target = schema_child(list->children, list->shorthand);
	return schema_set_value(target, item, text, strings, err, errlen) ||
	       schema_finish_record(list, base, item, root, err, errlen) ? -1 : 0;
}

static int apply_value(const struct schema_item *item, void *base, void *root, const char *value,
		       struct schema_strings *strings, char *err, size_t errlen)
{
	char *copy, *part, *rest;
	int ret = 0;

	if (item->shape == SCHEMA_VALUE)
		return schema_set_value(item, base, value, strings, err, errlen);
	if (!item->flag_separator)
		return add_to_list(item, base, root, value, strings, err, errlen);
	copy = strdup(value);
	if (!copy) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (part = strtok_r(copy, (char[]){ item->flag_separator, '\0' }, &rest); part && !ret;
	     part = strtok_r(NULL, (char[]){ item->flag_separator, '\0' }, &rest))
		ret = add_to_list(item, base, root, part, strings, err, errlen);
	free(copy);
	return ret;
}

int schema_flag_apply(const struct schema_flag_ref *refs, size_t count, size_t index, const char *value,
		      void *root, bool *replaced, struct schema_strings *strings, char *err, size_t errlen)
{
	const struct schema_flag_ref *ref = &refs[index];
	const struct schema_item *list = ref->named ? ref->named : ref->item;
	void *base = schema_at(root, ref->base_offset);
	char what[256];
	int ret;

	/* Flags replace the config file's list, whichever flag of it comes first. */
	if (list->shape != SCHEMA_VALUE) {
		bool *done = &replaced[index];

		for (size_t i = 0; i < count; i++)
			if (refs[i].top == ref->top && replaced[i])
				done = &replaced[i];
		if (!*done)
			schema_list_clear(list, base);
		*done = true;
	}
	if (ref->item->type && ref->item->type->takes_no_argument) {
		ret = schema_set_value(ref->item, base, "true", strings, what, sizeof(what));
	} else if (ref->named) {
		const char *eq = strchr(value, '=');
		char *name;
		void *record;

		if (!eq || eq == value || !eq[1]) {
			snprintf(what, sizeof(what), "'%s': expected NAME=VALUE", value);
			ret = -1;
		} else if (!(name = strndup(value, eq - value))) {
			snprintf(what, sizeof(what), "out of memory");
			ret = -1;
		} else {
			record = schema_named_record(ref->named, base, name, strings, what, sizeof(what));
			ret = record ? apply_value(ref->item, record, root, eq + 1, strings, what, sizeof(what)) : -1;
			free(name);
		}
	} else {
		ret = apply_value(ref->item, base, root, value, strings, what, sizeof(what));
	}
	if (ret)
		snprintf(err, errlen, "--%s: %s", ref->item->flag, what);
	return ret;
}

/* ---- help and docs ---- */

/* The item's default, formatted from the defaults at base; "" when none. */
static void format_default(const struct schema_item *item, const void *base, char *out, size_t len)
{
	size_t count, used = 0;
	const char *items;

	out[0] = '\0';
	if (item->default_doc) {
		snprintf(out, len, "%s", item->default_doc);
		return;
	}
	if (!base || (item->shape != SCHEMA_VALUE && (item->shape != SCHEMA_LIST || has_records(item))))
		return;
	if (item->shape == SCHEMA_VALUE) {
		if (!(item->flags & SCHEMA_GIVEN) || *(const bool *)((const char *)base + item->given_offset))
			item->type->format(item, (const char *)base + item->offset, out, len);
		return;
	}
	count = *(const size_t *)((const char *)base + item->count_offset);
	items = list_items(item, (void *)base);
	for (size_t i = 0; i < count && used < len; i++) {
		char one[128];

		item->type->format(item, items + i * item->type->size, one, sizeof(one));
		used += snprintf(out + used, len - used, "%s%s%s", i ? ", " : "[", one, i + 1 == count ? "]" : "");
	}
}

/* Writes text wrapped at 79 columns, each line after the first indented. */
static void wrap(FILE *out, const char *text, size_t column, size_t indent)
{
	const char *word = text;

	while (*word) {
		size_t len = strcspn(word, " ");

		if (column > indent && column + 1 + len > 79) {
			fprintf(out, "\n%*s", (int)indent, "");
			column = indent;
		} else if (column > indent) {
			fputc(' ', out);
			column++;
		}
		fprintf(out, "%.*s", (int)len, word);
		column += len;
		word += len;
		while (*word == ' ')
			word++;
	}
	fputc('\n', out);
}

void schema_help(const struct schema_item *table, const void *defaults, FILE *out)
{
	struct schema_flag_ref refs[128];
	size_t count = schema_flags(table, refs, 128);

	for (size_t i = 0; i < count; i++) {
		const struct schema_item *item = refs[i].item;
		char head[96], text[1024], def[256] = "";
		int len;

		if (!refs[i].named && item->shape == SCHEMA_VALUE && !item->type->takes_no_argument)
			format_default(item, (const char *)defaults + refs[i].base_offset, def, sizeof(def));
		len = snprintf(head, sizeof(head), "  %c%c%s--%s%s%s", item->short_flag ? '-' : ' ',
			       item->short_flag ? item->short_flag : ' ', item->short_flag ? ", " : "  ", item->flag,
			       item->arg ? " " : "", item->arg ? item->arg : "");
		snprintf(text, sizeof(text), "%s%s%s%s%s", item->help ? item->help : "",
			 item->shape == SCHEMA_LIST && !refs[i].named ? " (repeat for several)" : "",
			 *def ? " (default " : "", def, *def ? ")" : "");
		fputs(head, out);
		if (len >= 24) {
			fprintf(out, "\n%25s", "");
			len = 25;
		} else {
			fprintf(out, "%*s", 25 - len, "");
			len = 25;
		}
		wrap(out, text, len, 25);
	}
}

static enum schema_reload reload_of(const struct schema_item *item, enum schema_reload enclosing)
{
	return item->reload != SCHEMA_INHERIT ? item->reload : enclosing;
}

/* A list's bound, as a file past it is refused: ", at most 8". */
static void describe_bound(const struct schema_item *item, char *out, size_t len)
{
	if (item->max_items)
		snprintf(out, len, ", at most %zu", item->max_items);
}

/* "list of prefixes", "number 0..10", "`native` or `skb`" */
static void describe_value(const struct schema_item *item, char *out, size_t len)
{
	char names[256];
	size_t used = 0;

	if (item->shape == SCHEMA_NAMED) {
		const struct schema_item *name = child_with(item->children, SCHEMA_NAME);
		const struct schema_item *scalar = child_with(item->children, SCHEMA_SCALAR);

		if (scalar && scalar->shape == SCHEMA_LIST) {
			used = snprintf(out, len, "`%s: [%s, ...]`", name->arg, scalar->arg);
		} else if (scalar) {
			choice_names(scalar->choices, names, sizeof(names));
			used = snprintf(out, len, "`%s: VALUE`, VALUE %s", name->arg, names);
		} else {
			used = snprintf(out, len, "`%s: {", name->arg);
			for (const struct schema_item *c = item->children; !schema_is_end(c); c++)
				if (!(c->flags & SCHEMA_NAME))
					used += snprintf(out + used, len - used, "%s%s", c == item->children + 1 ? "" : ", ",
							 c->key);
			used += snprintf(out + used, len - used, "}`");
		}
		describe_bound(item, out + used, len - used);
		return;
	}
	if (item->shape == SCHEMA_LIST && has_records(item)) {
		used = snprintf(out, len, "list of `{");
		for (const struct schema_item *c = item->children; !schema_is_end(c); c++)
			used += snprintf(out + used, len - used, "%s%s", c == item->children ? "" : ", ", c->key);
		used += snprintf(out + used, len - used, "}`%s%s", item->shorthand ? " or of " : "",
				 item->shorthand ? schema_child(item->children, item->shorthand)->type->plural : "");
		describe_bound(item, out + used, len - used);
		return;
	}
	if (item->shape == SCHEMA_SECTION) {
		snprintf(out, len, "mapping");
		return;
	}
	if (item->type == &schema_choice) {
		for (const struct schema_choice *c = item->choices; c->name; c++)
			used += snprintf(out + used, len - used, "%s`%s`", c == item->choices ? "" :
					 c[1].name ? ", " : " or ", c->name);
		return;
	}
	if (item->shape == SCHEMA_LIST && item->noun && item->type == &schema_string) {
		char nouns[64];

		plural(item->noun, nouns, sizeof(nouns));
		used = snprintf(out, len, "list of %s", nouns);
	} else if (item->shape == SCHEMA_LIST)
		used = snprintf(out, len, "list of %s", item->type->plural);
	else
		used = snprintf(out, len, "%s", item->type->doc);
	if (item->type == &schema_uint || item->type == &schema_uint64 || item->type == &schema_mebibytes)
		snprintf(out + used, len - used, ", %llu to %llu%s%s", (unsigned long long)item->min,
			 (unsigned long long)item->max, item->unit ? " " : "", item->unit ? item->unit : "");
	else if (item->max)     /* strings: the longest */
		snprintf(out + used, len - used, ", at most %llu characters", (unsigned long long)item->max);
	else
		describe_bound(item, out + used, len - used);
}

static void markdown_rows(const struct schema_item *table, const void *base, const char *prefix,
			  enum schema_reload enclosing, FILE *out)
{
	for (const struct schema_item *item = table; !schema_is_end(item); item++) {
		enum schema_reload reload = reload_of(item, enclosing);
		char path[256], value[512], def[512];

		if (!item->key || (item->flags & (SCHEMA_NAME | SCHEMA_SCALAR)))
			continue;
		snprintf(path, sizeof(path), "%s%s", prefix, item->key);
		if (item->help) {
			describe_value(item, value, sizeof(value));
			format_default(item, base, def, sizeof(def));
			fprintf(out, "| `%s` | %s%s%s | %s | %s%s%s | %s | %s |\n", path, item->flag ? "`--" : "",
				item->flag ? item->flag : "", item->flag ? "`" : "", value,
				*def && !item->default_doc ? "`" : "", *def ? def : item->shape == SCHEMA_SECTION ? "" : "none",
				*def && !item->default_doc ? "`" : "", reload == SCHEMA_RELOAD ? "reload" : "restart",
				item->help);
		}
		if (item->shape == SCHEMA_SECTION) {
			char next[260];

			snprintf(next, sizeof(next), "%s.", path);
			markdown_rows(item->children, base ? (const char *)base + item->offset : NULL, next, reload, out);
		} else if (item->children) {
			char next[260];
			const struct schema_item *name = child_with(item->children, SCHEMA_NAME);

			snprintf(next, sizeof(next), "%s.%s%s", path, name ? name->arg : "", name ? "." : "");
			markdown_rows(item->children, item->record_defaults, next, reload, out);
		}
	}
}

void schema_markdown(const struct schema_item *table, const void *defaults, const char *group, FILE *out)
{
	fprintf(out, "| key | flag | value | default | applied | meaning |\n");
	fprintf(out, "| --- | --- | --- | --- | --- | --- |\n");
	for (const struct schema_item *item = table; !schema_is_end(item); item++) {
		struct schema_item one[2] = { *item, SCHEMA_END };

		if (item->key && item->group && !strcmp(item->group, group))
			markdown_rows(one, defaults, "", SCHEMA_RESTART, out);
	}
}

static void each_key(const struct schema_item *table, const char *prefix,
		     void (*fn)(const char *path, const struct schema_item *item, void *arg), void *arg)
{
	for (const struct schema_item *item = table; !schema_is_end(item); item++) {
		char path[256];

		if (!item->key || (item->flags & (SCHEMA_NAME | SCHEMA_SCALAR)))
			continue;
		snprintf(path, sizeof(path), "%s%s", prefix, item->key);
		fn(path, item, arg);
		if (item->children) {
			char next[260];

			snprintf(next, sizeof(next), "%s.", path);
			each_key(item->children, next, fn, arg);
		}
	}
}

void schema_each_key(const struct schema_item *table,
		     void (*fn)(const char *path, const struct schema_item *item, void *arg), void *arg)
{
	each_key(table, "", fn, arg);
}

/* ---- what changed ---- */

static bool records_differ(const struct schema_item *children, const void *a, const void *b);

/* Whether two values of item differ as a config file writes them. */
static bool values_differ(const struct schema_item *item, const void *a, const void *b)
{
	char x[4096], y[4096];

	item->type->format(item, a, x, sizeof(x));
	item->type->format(item, b, y, sizeof(y));
	return strcmp(x, y) != 0;
}

static bool item_differs(const struct schema_item *item, const void *a, const void *b)
{
	const char *x, *y;
	size_t count, size;

	switch (item->shape) {
	case SCHEMA_VALUE:
		/* Given or not is a change of its own: xdp_mode: native forces
		 * what its absence only tries first. */
		if ((item->flags & SCHEMA_GIVEN) &&
		    *(bool *)schema_at((void *)a, item->given_offset) != *(bool *)schema_at((void *)b, item->given_offset))
			return true;
		return values_differ(item, schema_at((void *)a, item->offset), schema_at((void *)b, item->offset));
	case SCHEMA_SECTION:
		return records_differ(item->children, schema_at((void *)a, item->offset),
				      schema_at((void *)b, item->offset));
	case SCHEMA_LIST:
	case SCHEMA_NAMED:
		count = *schema_list_count(item, (void *)a);
		if (count != *schema_list_count(item, (void *)b))
			return true;
		x = list_items(item, (void *)a);
		y = list_items(item, (void *)b);
		size = list_item_size(item);
		for (size_t i = 0; i < count; i++)
			if (has_records(item) ? records_differ(item->children, x + i * size, y + i * size) :
						values_differ(item, x + i * size, y + i * size))
				return true;
		return false;
	case SCHEMA_ACTION:
		break;
	}
	return false;
}

static bool records_differ(const struct schema_item *children, const void *a, const void *b)
{
	for (const struct schema_item *item = children; !schema_is_end(item); item++)
		if (item_differs(item, a, b))
			return true;
	return false;
}

static void each_change(const struct schema_item *table, const void *a, const void *b, const char *prefix,
			enum schema_reload enclosing, void (*changed)(const char *path, void *arg), void *arg)
{
	for (const struct schema_item *item = table; !schema_is_end(item); item++) {
		enum schema_reload reload = reload_of(item, enclosing);
		char path[256];

		if (item->shape == SCHEMA_ACTION)
			continue;
		snprintf(path, sizeof(path), item->key ? "%s%s" : "%s--%s", prefix, item->key ? item->key : item->flag);
		if (item->shape == SCHEMA_SECTION) {      /* a reload section may hold restart keys */
			char next[260];

			snprintf(next, sizeof(next), "%s.", path);
			each_change(item->children, schema_at((void *)a, item->offset),
				    schema_at((void *)b, item->offset), next, reload, changed, arg);
		} else if (reload != SCHEMA_RELOAD && item_differs(item, a, b)) {
			changed(path, arg);
		}
	}
}

void schema_each_restart_change(const struct schema_item *table, const void *a, const void *b,
				void (*changed)(const char *path, void *arg), void *arg)
{
	each_change(table, a, b, "", SCHEMA_RESTART, changed, arg);
}
