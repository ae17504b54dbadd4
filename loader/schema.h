/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * An option schema: each setting declared once, in a table of
 * struct schema_item, with its config key, its flag, its type and bounds,
 * where it is stored, its help and whether a reload applies it. Everything
 * else is derived from the table: getopt's long options and the flags'
 * meaning (schema_flags, schema_flag_apply), the config file's reading (config.h),
 * `--help` (schema_help), docs/config.md (schema_markdown) and freeing
 * (schema_free). Defaults are the values of the struct before parsing, so
 * the documented default is the one in force.
 *
 * Knows nothing of xdpcastd's options: the table and the types specific
 * to it live in options.c.
 */
#ifndef XDPCAST_SCHEMA_H
#define XDPCAST_SCHEMA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct schema_item;

/* Strings a parse keeps, freed together. */
struct schema_strings {
	char **items;
	size_t count;
};

void schema_strings_free(struct schema_strings *strings);

/* What a value of a type is: its text read into storage, and back. */
struct schema_type {
	const char *doc;                /* what the docs call a value: "number", "prefix" */
	const char *plural;             /* and several: "prefixes" */
	size_t size;                    /* bytes of storage */
	/* text to *out; on error a phrase for after "KEY: " (the text quoted in it) */
	int (*parse)(const struct schema_item *item, const char *text, void *out, struct schema_strings *strings,
		     char *err, size_t errlen);
	/* the value as a config file writes it; "" when it has none */
	void (*format)(const struct schema_item *item, const void *value, char *out, size_t len);
	bool takes_no_argument;         /* as a flag: given means true (booleans) */
};

extern const struct schema_type schema_string;     /* const char *, not empty; max: length */
extern const struct schema_type schema_bool;       /* bool: true/false, yes/no, on/off */
extern const struct schema_type schema_uint;       /* uint32_t from min to max (with unit) */
extern const struct schema_type schema_uint64;     /* uint64_t from min to max */
extern const struct schema_type schema_mebibytes;  /* uint64_t bytes, written in MiB from min to max */
extern const struct schema_type schema_choice;     /* int, one of choices */

/* The format of schema_string, for types that are strings checked otherwise. */
void schema_format_string(const struct schema_item *item, const void *value, char *out, size_t len);

/* A name of a choice and the value it stands for. */
struct schema_choice {
	const char *name;
	int value;
};

enum schema_shape {
	SCHEMA_VALUE,                   /* one value of `type` */
	SCHEMA_SECTION,                 /* a mapping of `children`, stored at offset */
	SCHEMA_LIST,                    /* a list of values of `type`, or of records (`children`) */
	SCHEMA_NAMED,                   /* NAME: record, a list of records kept by name */
	SCHEMA_ACTION,                  /* a flag alone (--help, --config): the caller acts on it */
};

enum schema_reload {
	SCHEMA_INHERIT,                 /* as the enclosing section; the top level restarts */
	SCHEMA_RESTART,                 /* read at start only */
	SCHEMA_RELOAD,                  /* applied by SIGHUP and `xdpcastctl reload` too */
};

enum schema_flag {
	SCHEMA_REQUIRED = 1 << 0,       /* in a record: must be given */
	SCHEMA_UNIQUE = 1 << 1,         /* in a record: no two records share the value; a list of
					 * values: no value twice */
	SCHEMA_FIXED = 1 << 2,          /* a list in an array of max_items at offset, not allocated */
	SCHEMA_NAME = 1 << 3,           /* in a named record: the key it is filed under */
	SCHEMA_SCALAR = 1 << 4,         /* in a named record: the value when it is not a mapping */
	SCHEMA_NONE_IS_NULL = 1 << 5,   /* the string "none" leaves the value NULL */
	SCHEMA_HAS_LINE = 1 << 6,       /* a record, value or list of values keeps its config line at line_offset */
	SCHEMA_GIVEN = 1 << 7,          /* a bool at given_offset says whether the key was given */
};

struct schema_item {
	const char *key;                /* in its mapping; NULL: a flag alone */
	const char *flag;               /* long option, without "--"; NULL: config file only */
	int short_flag;                 /* 0: none */
	const char *arg;                /* what the flag's argument is called: "IF" */
	enum schema_shape shape;
	const struct schema_type *type; /* values, and the items of lists of values */
	const struct schema_item *children;     /* sections and records; ends with a zeroed item */
	size_t offset;                  /* storage, from the start of the enclosing struct */
	size_t count_offset;            /* lists: their size_t count */
	size_t given_offset;            /* with SCHEMA_GIVEN: a bool set when the value is given */
	size_t line_offset;             /* with SCHEMA_HAS_LINE: an int */
	size_t record_size;             /* lists of records: one record */
	const void *record_defaults;    /* a new record's values (NULL: zero) */
	size_t max_items;               /* lists: at most this many; 0: no bound */
	uint64_t min, max;              /* numbers: bounds; strings: longest (0: any) */
	const char *unit;               /* numbers: "ms" */
	const struct schema_choice *choices;    /* choices: ends with a NULL name */
	const char *shorthand;          /* lists of records: a single value sets this child */
	char flag_separator;            /* a flag's value holds several items: "a,b" */
	const char *noun;               /* records, for messages: "command", "view" */
	const char *too_few;            /* lists that must not be empty: why */
	unsigned flags;                 /* enum schema_flag */
	enum schema_reload reload;
	const char *group;              /* top level: the docs section it is listed in */
	const char *help;
	const char *default_doc;        /* the default in words, where the value does not say it */
	/* Records and sections, once their keys are read: -1 and a phrase. */
	int (*check)(const struct schema_item *item, void *record, void *root, char *err, size_t errlen);
	/* Records: what else a record holds that must be released. */
	void (*release)(void *record);
};

#define SCHEMA_END { .key = NULL, .flag = NULL }

static inline bool schema_is_end(const struct schema_item *item)
{
	return !item->key && !item->flag;
}

static inline void *schema_at(void *base, size_t offset)
{
	return (char *)base + offset;
}

/* The count of a list at base. */
size_t *schema_list_count(const struct schema_item *list, void *base);

/* Empties a list (items released) before a config file or a flag gives it anew. */
void schema_list_clear(const struct schema_item *list, void *base);

/* A new item at the end of a list, with the record's defaults; NULL and a
 * phrase past max_items or out of memory. */
void *schema_list_append(const struct schema_item *list, void *base, char *err, size_t errlen);

/* The record of a named list filed under name, created when new. */
void *schema_named_record(const struct schema_item *named, void *base, const char *name,
			  struct schema_strings *strings, char *err, size_t errlen);

/* The child of a section or record called key; NULL if none. */
const struct schema_item *schema_child(const struct schema_item *children, const char *key);

/* Reads text as item's value into the storage at base. */
int schema_set_value(const struct schema_item *item, void *base, const char *text, struct schema_strings *strings,
		     char *err, size_t errlen);

/* A list of values with SCHEMA_UNIQUE: its last item is none of those
 * before it (as the config file writes them). */
int schema_list_check_last(const struct schema_item *list, void *base, char *err, size_t errlen);

/* A record's required children given and unique ones unique, then its check. */
int schema_finish_record(const struct schema_item *list, void *base, void *record, void *root, char *err,
			 size_t errlen);

/* Frees what a parse allocated in base (lists, records' own releases). */
void schema_free(const struct schema_item *table, void *base);

/* ---- command-line flags ---- */

/* One flag of the table, found with the items enclosing it. */
struct schema_flag_ref {
	const struct schema_item *item;
	const struct schema_item *named;        /* a child of a named list: that list */
	const struct schema_item *top;          /* the top-level item it belongs to */
	size_t base_offset;                     /* of the struct the item's offset is from */
};

/* Every flag of the table, in order, into refs (at most max); their count. */
size_t schema_flags(const struct schema_item *table, struct schema_flag_ref *refs, size_t max);

/* Applies one flag's value (NULL for a flag without argument). The first
 * flag of a list, or of any child of a named list, replaces what the
 * config file gave; the next ones add to it. replaced: one bool per ref,
 * zeroed before the first flag. Errors read "--flag: phrase". */
int schema_flag_apply(const struct schema_flag_ref *refs, size_t count, size_t index, const char *value,
		      void *root, bool *replaced, struct schema_strings *strings, char *err, size_t errlen);

/* The options part of --help: "  -i, --iface IF   help (default X)". */
void schema_help(const struct schema_item *table, const void *defaults, FILE *out);

/* ---- docs ---- */

/* The rows of the table in docs/config.md for one group: every key of it,
 * dotted, with its flag, value, default (from defaults), reload and help. */
void schema_markdown(const struct schema_item *table, const void *defaults, const char *group, FILE *out);

/* Calls fn with the dotted path of every key (sections, lists, leaves). */
void schema_each_key(const struct schema_item *table, void (*fn)(const char *path, const struct schema_item *item,
								  void *arg), void *arg);

/* Calls changed with the dotted path of every key applied only at start
 * (restart keys, and the sections and lists holding them) whose value
 * differs between a and b, both parsed with table. */
void schema_each_restart_change(const struct schema_item *table, const void *a, const void *b,
				void (*changed)(const char *path, void *arg), void *arg);

#endif
