// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <sys/stat.h>
#include <libzscanner/scanner.h>

#include "array.h"
#include "cancel.h"
#include "file_kind.h"
#include "hmap.h"
#include "zone.h"

/* Where a record was written, for messages about it. */
struct record_source {
	const char *file;
	uint64_t line;
};

/* Input bounds, process-wide (limits: in the config file). */
static struct zone_limits limits = ZONE_DEFAULT_LIMITS;

void zone_set_limits(const struct zone_limits *l)
{
	limits = *l;
}

const struct zone_limits *zone_limits_in_force(void)
{
	return &limits;
}

#define INCLUDE_DEPTH_MAX 8     /* $INCLUDE in an included file, and so on */

/* The origin relative names (and @) resolve against until a $ORIGIN: a
 * name no zone holds (.invalid, RFC 6761). NSD and Knot take a zone's
 * origin from their config, xdpcastd from the SOA owner: with the root
 * here, a file written for them without $ORIGIN loaded as the root zone. */
#define NO_ORIGIN "xdpcast-no-origin.invalid."
static const uint8_t no_origin[] = "\x11xdpcast-no-origin\x07invalid";     /* its wire form, root label too */

/* One zone being read: the file, the files it includes, where each record
 * came from. */
struct load_state {
	struct zone *zone;
	struct record_source *sources;  /* one per record, as zone->rrsets before finish() */
	size_t source_capacity;
	char **files;                   /* included files' names, for sources */
	size_t file_count;
	uint64_t bytes;                 /* read so far, included files too */
	uint64_t file_bytes;            /* how many may be read */
	char *err;
	size_t errlen;
};

static bool is_dnssec_type(uint16_t type)
{
	return type == KNOT_RRTYPE_RRSIG || type == KNOT_RRTYPE_DNSKEY ||
	       type == KNOT_RRTYPE_NSEC || type == KNOT_RRTYPE_NSEC3;
}

struct zone *zone_new(const char *source)
{
	struct zone *zone = calloc(1, sizeof(*zone));

	if (!zone)
		return NULL;
	zone->refs = 1;
	zone->loaded_at = time(NULL);
	zone->file = strdup(source);
	if (!zone->file) {
		free(zone);
		return NULL;
	}
	return zone;
}

/* Atomic: generations are built and checks run on worker threads. */
struct zone *zone_ref(struct zone *zone)
{
	__atomic_add_fetch(&zone->refs, 1, __ATOMIC_RELAXED);
	return zone;
}

int zone_add_record(struct zone *zone, const knot_dname_t *owner, uint16_t type, uint16_t rclass,
		    uint32_t ttl, const uint8_t *rdata, uint16_t rdata_len, char *err, size_t errlen)
{
	knot_rrset_t *rr, *grown;
	knot_dname_t *lower;

	if (zone->record_count >= limits.records) {
		snprintf(err, errlen, "more than %llu records (limits.zone_records)",
			 (unsigned long long)limits.records);
		return -1;
	}
	if (ttl > INT32_MAX) {  /* a resolver takes it for 0, NSD for its default */
		snprintf(err, errlen, "TTL %u is over 2147483647 (RFC 2181 section 8)", ttl);
		return -1;
	}
	lower = knot_dname_copy(owner, NULL);
	if (!lower) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	knot_dname_to_lower(lower);
	if (!zone->origin) {
		if (type != KNOT_RRTYPE_SOA) {
			snprintf(err, errlen, "the first record must be the zone's SOA");
			goto fail;
		}
		zone->origin = knot_dname_copy(lower, NULL);
	} else if (type == KNOT_RRTYPE_SOA) {
		snprintf(err, errlen, "a second SOA record");
		goto fail;
	}
	if (!zone->origin || knot_dname_in_bailiwick(lower, zone->origin) < 0) {
		snprintf(err, errlen, "owner is outside the zone (origin is the SOA owner)");
		goto fail;
	}
	grown = array_room(zone->rrsets, zone->rrset_count, &zone->rrset_capacity, sizeof(*grown));
	if (!grown) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	zone->rrsets = grown;
	rr = &zone->rrsets[zone->rrset_count];
	knot_rrset_init(rr, lower, type, rclass, ttl);
	if (knot_rrset_add_rdata(rr, rdata, rdata_len, NULL) != KNOT_EOK) {
		char type_name[32];

		knot_rrset_clear(rr, NULL);
		knot_rrtype_to_string(type, type_name, sizeof(type_name));
		snprintf(err, errlen, "cannot store %s record", type_name);
		return -1;
	}
	zone->rrset_count++;
	zone->record_count++;
	if (is_dnssec_type(type))
		zone->is_signed = true;
	if (type == KNOT_RRTYPE_SOA)
		zone->serial = knot_soa_serial(rr->rrs.rdata);
	return 0;
fail:
	knot_dname_free(lower, NULL);
	return -1;
}

/* Where each label starts, root last; the count. */
static int label_starts(const knot_dname_t *name, uint8_t starts[KNOT_DNAME_MAXLABELS + 1])
{
	int n = 0;

	for (const uint8_t *p = name; *p; p += *p + 1)
		starts[n++] = p - name;
	return n;
}

int zone_name_cmp(const knot_dname_t *a, const knot_dname_t *b)
{
	uint8_t la[KNOT_DNAME_MAXLABELS + 1], lb[KNOT_DNAME_MAXLABELS + 1];
	int na = label_starts(a, la), nb = label_starts(b, lb);

	/* From the rightmost label: the first that differs decides, by its
	 * bytes, then by its length; a name above another sorts first. */
	while (na && nb) {
		const uint8_t *x = a + la[--na], *y = b + lb[--nb];
		int c = memcmp(x + 1, y + 1, x[0] < y[0] ? x[0] : y[0]);

		if (c)
			return c;
		if (x[0] != y[0])
			return (int)x[0] - (int)y[0];
	}
	return na - nb;
}

/* RRSIGs at one owner form one RRset per type they cover, each with the
 * TTL of what it covers, as the zone file has them. Read from the first
 * record: an RRset a change empties keeps it apart (struct touched). */
static uint16_t covered_type(const knot_rrset_t *rr)
{
	return rr->type == KNOT_RRTYPE_RRSIG ? knot_rrsig_type_covered(rr->rrs.rdata) : 0;
}

/* The order of RRsets: owner, type, and for RRSIGs the type covered. */
static int compare_keyed(const knot_rrset_t *x, uint16_t x_covered, const knot_rrset_t *y, uint16_t y_covered)
{
	int c = zone_name_cmp(x->owner, y->owner);

	if (c)
		return c;
	if (x->type != y->type)
		return (int)x->type - (int)y->type;
	return (int)x_covered - (int)y_covered;
}

static int compare_rrsets(const void *a, const void *b)
{
	return compare_keyed(a, covered_type(a), b, covered_type(b));
}

static int compare_order(const void *a, const void *b, void *rrsets)
{
	return compare_rrsets((const knot_rrset_t *)rrsets + *(const size_t *)a,
			      (const knot_rrset_t *)rrsets + *(const size_t *)b);
}

/* Whether a record's data holds a capital letter: without one its
 * canonical form is itself. */
static bool records_have_capitals(const knot_rdataset_t *set)
{
	const knot_rdata_t *rd = set->rdata;

	for (uint16_t i = 0; i < set->count; i++, rd = knot_rdataset_next((knot_rdata_t *)rd))
		for (uint16_t k = 0; k < rd->len; k++)
			if (rd->data[k] >= 'A' && rd->data[k] <= 'Z')
				return true;
	return false;
}

struct canonical_record {
	uint16_t at;                    /* its place in the RRset */
	knot_rdataset_t form;           /* its canonical form alone */
};

static int compare_canonical(const void *a, const void *b)
{
	const struct canonical_record *x = a, *y = b;
	int c = knot_rdata_cmp(x->form.rdata, y->form.rdata);

	return c ? c : (int)x->at - (int)y->at;
}

/* The records of `set` but those `drop` marks, in one pass (removing them
 * one at a time moves the rest each time). */
static int records_keep(knot_rdataset_t *set, const bool *drop)
{
	knot_rdata_t *kept = malloc(set->size + 1), *rd = set->rdata;
	uint32_t size = 0;
	uint16_t count = 0;

	if (!kept)
		return -1;
	for (uint16_t i = 0; i < set->count; i++, rd = knot_rdataset_next(rd))
		if (!drop[i]) {
			memcpy((uint8_t *)kept + size, rd, knot_rdata_size(rd->len));
			size += knot_rdata_size(rd->len);
			count++;
		}
	knot_rdataset_clear(set, NULL);
	*set = (knot_rdataset_t){ .count = count, .size = size, .rdata = kept };
	return 0;
}

/*
 * Names in the data of NS, MX, CNAME and the other types RFC 4034 section
 * 6.2 lists compare without case: records of `set` that differ only so are
 * one record, kept once (the first in canonical order), as NSD keeps one.
 * Sorted by canonical form, so a large RRset costs n log n.
 */
static int records_dedupe(knot_rdataset_t *set, uint16_t type)
{
	knot_dname_t root[1] = { 0 };
	struct canonical_record *items;
	const knot_rdata_t *rd = set->rdata;
	uint16_t n = set->count, made = 0;
	bool *drop = NULL, any = false;
	int ret = -1;

	if (n < 2 || !knot_rrtype_should_be_lowercased(type) || !records_have_capitals(set))
		return 0;
	items = calloc(n, sizeof(*items));
	drop = calloc(n, sizeof(*drop));
	if (!items || !drop)
		goto out;
	for (; made < n; made++, rd = knot_rdataset_next((knot_rdata_t *)rd)) {
		knot_rrset_t one;

		knot_rrset_init(&one, root, type, KNOT_CLASS_IN, 0);
		if (knot_rdataset_add(&one.rrs, rd, NULL) != KNOT_EOK)
			goto out;
		/* Made canonical in place: items[made].form holds that rdata. */
		items[made] = (struct canonical_record){ .at = made, .form = one.rrs };
		if (knot_rrset_rr_to_canonical(&one) != KNOT_EOK) {
			made++;
			goto out;
		}
	}
	qsort(items, n, sizeof(*items), compare_canonical);
	for (uint16_t i = 1; i < n; i++)
		if (!knot_rdata_cmp(items[i - 1].form.rdata, items[i].form.rdata))
			any = drop[items[i].at] = true;
	ret = any ? records_keep(set, drop) : 0;
out:
	for (uint16_t i = 0; i < made; i++)
		knot_rdataset_clear(&items[i].form, NULL);
	free(items);
	free(drop);
	return ret;
}

/* RFC 2181 section 10.1: a CNAME's owner has no other data, but for the
 * DNSSEC records that sign it and prove what is not there (RFC 4035 2.5). */
static bool may_sit_beside_cname(uint16_t type)
{
	return type == KNOT_RRTYPE_CNAME || type == KNOT_RRTYPE_RRSIG || type == KNOT_RRTYPE_NSEC ||
	       type == KNOT_RRTYPE_NSEC3;
}

/* "FILE:LINE" of record i when the lines are known, else nothing. */
static const char *where(const struct record_source *sources, size_t i, char *buf, size_t size)
{
	if (!sources)
		return "";
	snprintf(buf, size, "%s:%llu", sources[i].file, (unsigned long long)sources[i].line);
	return buf;
}

/* RFC 2181 10.1 too: an alias names one name. */
static void second_cname(const struct zone *zone, const struct record_source *sources, size_t cname,
			 size_t second, char *err, size_t errlen)
{
	char owner[KNOT_DNAME_TXT_MAXLEN], at_cname[PATH_MAX + 32], at_second[PATH_MAX + 32];

	knot_dname_to_str(owner, zone->rrsets[cname].owner, sizeof(owner));
	if (sources)
		snprintf(err, errlen, "%s: %s: a second CNAME at one name (the first at %s); an alias names one "
			 "name only", where(sources, second, at_second, sizeof(at_second)), owner,
			 where(sources, cname, at_cname, sizeof(at_cname)));
	else
		snprintf(err, errlen, "%s: %s: a second CNAME at one name; an alias names one name only", zone->file,
			 owner);
}

static void cname_conflict(const struct zone *zone, const struct record_source *sources, size_t cname,
			   size_t other, char *err, size_t errlen)
{
	char owner[KNOT_DNAME_TXT_MAXLEN], type[32], at_cname[PATH_MAX + 32], at_other[PATH_MAX + 32];

	knot_dname_to_str(owner, zone->rrsets[cname].owner, sizeof(owner));
	knot_rrtype_to_string(zone->rrsets[other].type, type, sizeof(type));
	snprintf(err, errlen, "%s: %s: a CNAME and other data at one name (%s%s%s); only RRSIG, NSEC and NSEC3 "
		 "may sit beside a CNAME", sources ? where(sources, cname, at_cname, sizeof(at_cname)) : zone->file,
		 owner, type, sources ? " at " : "", where(sources, other, at_other, sizeof(at_other)));
}

/*
 * Records were added one per RRset; sort them, merge those of one RRset
 * and check that no CNAME shares its name. `sources` (NULL: unknown) says
 * where each record was written, for the message.
 */
static int finish(struct zone *zone, const struct record_source *sources, char *err, size_t errlen)
{
	size_t n = zone->rrset_count, out = 0, k, cname = SIZE_MAX, other = SIZE_MAX;
	size_t *order;
	knot_rrset_t *merged;
	int ret = -1;

	if (!zone->origin) {
		snprintf(err, errlen, "%s: no SOA record: the zone has no origin", zone->file);
		return -1;
	}
	order = malloc(n * sizeof(*order) + 1);
	merged = malloc(n * sizeof(*merged) + 1);
	if (!order || !merged) {
		free(order);
		free(merged);
		snprintf(err, errlen, "%s: out of memory sorting the records", zone->file);
		return -1;
	}
	for (k = 0; k < n; k++)
		order[k] = k;
	qsort_r(order, n, sizeof(*order), compare_order, zone->rrsets);
	for (k = 0; k < n; k++) {
		knot_rrset_t *cur = &zone->rrsets[order[k]];

		if (out > 0 && compare_rrsets(&merged[out - 1], cur) == 0) {
			knot_rrset_t *into = &merged[out - 1];

			/* RFC 2181 5.2: one TTL per RRset; take the lowest written. */
			zone->mixed_ttls |= cur->ttl != into->ttl;
			if (cur->ttl < into->ttl)
				into->ttl = cur->ttl;
			if (knot_rdataset_merge(&into->rrs, &cur->rrs, NULL) != KNOT_EOK ||
			    (into->type == KNOT_RRTYPE_CNAME && records_dedupe(&into->rrs, into->type))) {
				snprintf(err, errlen, "%s: out of memory merging RRsets", zone->file);
				goto done;
			}
			if (into->type == KNOT_RRTYPE_CNAME && into->rrs.count > 1) {
				second_cname(zone, sources, cname, order[k], err, errlen);
				knot_rrset_clear(cur, NULL);
				k++;            /* cleared: not kept below */
				goto done;
			}
			knot_rrset_clear(cur, NULL);
			continue;
		}
		if (out == 0 || !knot_dname_is_equal(merged[out - 1].owner, cur->owner))
			cname = other = SIZE_MAX;
		if (cur->type == KNOT_RRTYPE_CNAME)
			cname = order[k];
		else if (!may_sit_beside_cname(cur->type) && other == SIZE_MAX)
			other = order[k];
		if (cname != SIZE_MAX && other != SIZE_MAX) {
			cname_conflict(zone, sources, cname, other, err, errlen);
			goto done;
		}
		merged[out++] = *cur;
	}
	for (size_t i = 0; i < out; i++)
		if (records_dedupe(&merged[i].rrs, merged[i].type)) {
			snprintf(err, errlen, "%s: out of memory merging RRsets", zone->file);
			goto done;
		}
	ret = 0;
done:
	/* On an error too, the zone keeps every RRset still alive once, for
	 * zone_free: the merged ones and those not reached. */
	for (; k < n; k++)
		merged[out++] = zone->rrsets[order[k]];
	free(zone->rrsets);
	/* Loaded zones stay in memory: no room left for growth (many small
	 * zones would otherwise hold more than they use). */
	if (out && out < n) {
		knot_rrset_t *fit = realloc(merged, out * sizeof(*fit));

		if (fit)
			merged = fit;
	}
	zone->rrsets = merged;
	zone->rrset_count = zone->rrset_capacity = out;
	free(order);
	return ret;
}

int zone_finish(struct zone *zone, char *err, size_t errlen)
{
	return finish(zone, NULL, err, errlen);
}

static int parse_file(struct load_state *st, const char *path, const char *origin, uint32_t *ttl, int depth);

/* The octets from p up to a blank, a comment or the line's end. */
static size_t word_length(const char *p, const char *eol)
{
	const char *q = p;

	while (q < eol && *q != ' ' && *q != '\t' && *q != ';' && *q != '\r')
		q++;
	return q - p;
}

/* A class name libknot knows (CH, HS, NONE, ANY, CLASS3, ...). */
static bool is_class_name(const char *p, size_t len)
{
	char word[16];
	uint16_t class;

	if (len >= sizeof(word))
		return false;
	snprintf(word, sizeof(word), "%.*s", (int)len, p);
	return knot_rrclass_from_string(word, &class) == 0;
}

/*
 * libzscanner reads class IN alone and takes any other class for an
 * unknown type. The class the failing line names, if it names one, else
 * NULL: the word after the owner (in the first column: "ch" is a name
 * there) and the TTL, where the type or a class stands. Past it is the
 * record's data, where "ch" or "any" is a name too.
 */
static const char *foreign_class(const char *text, size_t len, uint64_t line, char *out, size_t outlen)
{
	const char *p = text, *end = text + len, *eol;

	for (uint64_t n = 1; n < line && p < end; n++) {
		p = memchr(p, '\n', end - p);
		p = p ? p + 1 : end;
	}
	eol = memchr(p, '\n', end - p);
	eol = eol ? eol : end;
	if (p < eol && *p != ' ' && *p != '\t')
		p += word_length(p, eol);
	while (p < eol && *p != ';') {
		size_t word;

		while (p < eol && (*p == ' ' || *p == '\t' || *p == '\r'))
			p++;
		word = word_length(p, eol);
		if (word && (isdigit((unsigned char)*p) || (word == 2 && !strncasecmp(p, "IN", 2)))) {
			p += word;      /* the TTL, or class IN: the type or a class comes next */
			continue;
		}
		if (!word || !is_class_name(p, word))
			return NULL;
		snprintf(out, outlen, "%.*s", (int)word, p);
		return out;
	}
	return NULL;
}

/* Whether a name in the data (uncompressed, as the scanner writes it) is
 * under `apex`: the names found by the type's layout, not bytes that look
 * like one (a TXT may hold any). */
static bool data_name_under(uint16_t type, const uint8_t *data, size_t len, const knot_dname_t *apex)
{
	const knot_rdata_descriptor_t *desc = knot_get_rdata_descriptor(type);
	const uint8_t *at = data, *end = data + len;

	for (int b = 0; desc->block_types[b] != KNOT_RDATA_WF_END && at < end; b++) {
		int block = desc->block_types[b], size;

		if (block > 0) {
			size = block;
		} else if (block == KNOT_RDATA_WF_FIXED_DNAME || block == KNOT_RDATA_WF_COMPRESSIBLE_DNAME ||
			   block == KNOT_RDATA_WF_DECOMPRESSIBLE_DNAME) {
			if ((size = knot_dname_wire_check(at, end, NULL)) <= 0)
				return false;
			if (knot_dname_in_bailiwick(at, apex) >= 0)
				return true;
		} else if (block == KNOT_RDATA_WF_NAPTR_HEADER) {
			if ((size = knot_naptr_header_size(at, end)) <= 0)
				return false;
		} else {
			return false;   /* the rest holds no name */
		}
		at += size;
	}
	return false;
}

/* Whether a name of the record, its owner or one in its data, was
 * relative with no $ORIGIN to resolve it. */
static bool has_name_without_origin(const zs_scanner_t *s)
{
	return knot_dname_in_bailiwick(s->r_owner, no_origin) >= 0 ||
	       data_name_under(s->r_type, s->r_data, s->r_data_length, no_origin);
}

/* One record the scanner read: into the zone, its source noted. */
static int take_record(struct load_state *st, const zs_scanner_t *s, const char *file)
{
	struct record_source *sources;
	char problem[200];

	if (has_name_without_origin(s)) {
		snprintf(st->err, st->errlen, "%s:%llu: a relative name (or @) before any $ORIGIN: the file must give "
			 "its origin ($ORIGIN and the zone's name at the top), which NSD and Knot take from their config",
			 file, (unsigned long long)s->line_counter);
		return -1;
	}
	sources = array_room(st->sources, st->zone->rrset_count, &st->source_capacity, sizeof(*sources));
	if (!sources) {
		snprintf(st->err, st->errlen, "%s:%llu: out of memory", file, (unsigned long long)s->line_counter);
		return -1;
	}
	st->sources = sources;
	st->sources[st->zone->rrset_count] = (struct record_source){ file, s->line_counter };
	if (zone_add_record(st->zone, s->r_owner, s->r_type, s->r_class, s->r_ttl, s->r_data, s->r_data_length,
			    problem, sizeof(problem))) {
		snprintf(st->err, st->errlen, "%s:%llu: %s", file, (unsigned long long)s->line_counter, problem);
		return -1;
	}
	return 0;
}

/*
 * Zone text through libzscanner one record at a time, so that $INCLUDE is
 * ours to open (parse_file's checks and bounds) rather than the scanner's.
 * `dir` resolves relative includes; NULL refuses them all. `ttl` is the
 * default TTL the text starts with, and the one it ends with: as NSD, a
 * $TTL in an included file holds after it (its $ORIGIN does not).
 */
static int parse_text(struct load_state *st, const char *file, const char *dir, const char *origin, uint32_t *ttl,
		      const char *text, size_t len, int depth)
{
	zs_scanner_t *s = malloc(sizeof(*s));
	char class[16];
	int ret = -1;

	if (!s || zs_init(s, origin, KNOT_CLASS_IN, *ttl) != 0 || zs_set_input_string(s, text, len) != 0) {
		snprintf(st->err, st->errlen, "%s: cannot start the zone scanner", file);
		goto out;
	}
	if (dir) {
		free(s->path);
		s->path = strdup(dir);
	}
	while (zs_parse_record(s) == 0) {
		if (cancel_requested()) {       /* the daemon is stopping: this load is moot */
			snprintf(st->err, st->errlen, "%s: not read to the end: stopping", file);
			goto out;
		}
		switch (s->state) {
		case ZS_STATE_DATA:
			if (take_record(st, s, file))
				goto out;
			break;
		case ZS_STATE_INCLUDE:
			if (!dir) {
				snprintf(st->err, st->errlen, "%s:%llu: $INCLUDE is not allowed here", file,
					 (unsigned long long)s->line_counter);
				goto out;
			}
			if (depth == INCLUDE_DEPTH_MAX) {
				snprintf(st->err, st->errlen, "%s:%llu: $INCLUDE nested more than %d deep", file,
					 (unsigned long long)s->line_counter, INCLUDE_DEPTH_MAX);
				goto out;
			}
			if (parse_file(st, s->include_filename, (const char *)s->buffer, &s->default_ttl, depth + 1)) {
				/* The cause first, then where it was included from:
				 * what a long chain cuts is the outer files. */
				size_t used = strlen(st->err);

				snprintf(st->err + used, st->errlen - used, "; included from %s:%llu", file,
					 (unsigned long long)s->line_counter);
				goto out;
			}
			break;
		case ZS_STATE_EOF:
			*ttl = s->default_ttl;
			ret = 0;
			goto out;
		default:                /* ZS_STATE_ERROR */
			if (s->error.code == ZS_UNSUPPORTED_TYPE &&
			    foreign_class(text, len, s->line_counter, class, sizeof(class))) {
				snprintf(st->err, st->errlen, "%s:%llu: class %s: only class IN is served", file,
					 (unsigned long long)s->line_counter, class);
				goto out;
			}
			snprintf(st->err, st->errlen, "%s:%llu: %s", file, (unsigned long long)s->line_counter,
				 zs_strerror(s->error.code));
			goto out;
		}
	}
	snprintf(st->err, st->errlen, "%s:%llu: %s", file, (unsigned long long)s->line_counter,
		 zs_strerror(s->error.code));
out:
	if (s)
		zs_deinit(s);
	free(s);
	return ret;
}

/*
 * A zone file (or one it includes), read whole into memory first: only a
 * regular file, within what is left of limits.zone_file_bytes for the
 * zone. Opened without blocking, so a FIFO in its place cannot hang the
 * daemon; read rather than mapped, so a file truncated meanwhile cannot
 * fault it (and is refused).
 */
static int parse_file(struct load_state *st, const char *path, const char *origin, uint32_t *ttl, int depth)
{
	char *text = NULL, *name = (char *)path, *real = NULL;
	uint64_t left = st->file_bytes > st->bytes ? st->file_bytes - st->bytes : 0;
	size_t len = 0;
	struct stat sb, after;
	int fd = -1, ret = -1;

	/* An included file's name is kept for the records' sources, and
	 * before it is opened: a load it fails (not there yet, broken) lists
	 * it among the files whose change may mend the zone. */
	if (depth > 0) {
		if (strings_push(&st->files, &st->file_count, path)) {
			snprintf(st->err, st->errlen, "%s: out of memory", path);
			return -1;
		}
		name = st->files[st->file_count - 1];
	}
	fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &sb)) {
		snprintf(st->err, st->errlen, "%s: cannot read the zone file: %s", path, strerror(errno));
		goto out;
	}
	if (!S_ISREG(sb.st_mode)) {
		snprintf(st->err, st->errlen, "%s: %s, not a zone file", path, file_kind(sb.st_mode));
		goto out;
	}
	if ((uint64_t)sb.st_size > left) {
		snprintf(st->err, st->errlen, "%s: the zone's files are larger than %llu MiB (limits.zone_file_mb)", path,
			 (unsigned long long)(limits.file_bytes >> 20));
		goto out;
	}
	text = malloc(sb.st_size + 1);
	if (!text) {
		snprintf(st->err, st->errlen, "%s: out of memory", path);
		goto out;
	}
	while (len < (size_t)sb.st_size) {
		ssize_t n = read(fd, text + len, sb.st_size - len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			snprintf(st->err, st->errlen, "%s: cannot read the zone file: %s", path, strerror(errno));
			goto out;
		}
		if (n == 0)
			break;
		len += n;
	}
	/* Cut short, or longer or rewritten since: a writer is at work in
	 * place. What was read is part of one version or of two, and a cut at
	 * a line's end parses: refused, the change is seen when written. */
	if (len != (size_t)sb.st_size || fstat(fd, &after) || after.st_size != sb.st_size ||
	    after.st_mtim.tv_sec != sb.st_mtim.tv_sec || after.st_mtim.tv_nsec != sb.st_mtim.tv_nsec) {
		snprintf(st->err, st->errlen, "%s: %zu of %lld bytes read: the file changed while it was read (written "
			 "in place meanwhile): not loaded", path, len, (long long)sb.st_size);
		goto out;
	}
	st->bytes += len;
	real = realpath(path, NULL) ?: strdup(path);
	if (!real) {
		snprintf(st->err, st->errlen, "%s: out of memory", path);
		goto out;
	}
	ret = parse_text(st, name, dirname(real), origin, ttl, text, len, depth);
out:
	if (fd >= 0)
		close(fd);
	free(real);
	free(text);
	return ret;
}

static struct zone *load(struct zone *zone, uint64_t file_bytes, const char *dir, const char *text, size_t len,
			 char ***tried, size_t *tried_count, char *err, size_t errlen)
{
	struct load_state st = { .zone = zone, .file_bytes = file_bytes, .err = err, .errlen = errlen };
	uint32_t ttl = 3600;
	int ret;

	if (!zone) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	ret = text ? parse_text(&st, zone->file, dir, NO_ORIGIN, &ttl, text, len, 0) :
		     parse_file(&st, zone->file, NO_ORIGIN, &ttl, 0);
	if (ret == 0)
		ret = finish(zone, st.sources, err, errlen);
	free(st.sources);
	if (ret && tried) {
		*tried = st.files;
		*tried_count = st.file_count;
		st.files = NULL;
		st.file_count = 0;
	}
	zone->includes = st.files;
	zone->include_count = st.file_count;
	if (ret) {
		zone_free(zone);
		return NULL;
	}
	return zone;
}

struct zone *zone_load(const char *path, char *err, size_t errlen)
{
	return load(zone_new(path), limits.file_bytes, NULL, NULL, 0, NULL, NULL, err, errlen);
}

struct zone *zone_load_written(const char *path, char *err, size_t errlen)
{
	return load(zone_new(path), UINT64_MAX, NULL, NULL, 0, NULL, NULL, err, errlen);
}

struct zone *zone_load_tried(const char *path, char ***tried, size_t *tried_count, char *err, size_t errlen)
{
	*tried = NULL;
	*tried_count = 0;
	return load(zone_new(path), limits.file_bytes, NULL, NULL, 0, tried, tried_count, err, errlen);
}

struct zone *zone_parse(const char *name, const char *text, size_t len, char *err, size_t errlen)
{
	return load(zone_new(name), limits.file_bytes, NULL, text, len, NULL, NULL, err, errlen);
}

/* An RRset an incremental change touches, as it will be after it. */
struct touched {
	knot_rrset_t rr;                /* owner copied, rdata its own */
	uint16_t covered;               /* an RRSIG's covered type, which an emptied rr no longer says */
	const knot_rrset_t *before;     /* in the zone, or NULL */
	bool gone;                      /* it was there, and is no more */
};

static int compare_touched_to(const struct touched *t, const knot_rrset_t *rr)
{
	return compare_keyed(&t->rr, t->covered, rr, covered_type(rr));
}

struct overlay {
	struct touched *items;
	size_t count, capacity;
	struct hmap_index index;        /* items by the hash of (owner, type, covered) */
	bool mixed_ttls;                /* the zone's, once the change is committed */
};

static uint64_t rrset_key(const knot_rrset_t *rr)
{
	uint16_t types[2] = { rr->type, covered_type(rr) };

	return hmap_hash(hmap_hash(HMAP_HASH_SEED, rr->owner, knot_dname_size(rr->owner)), types, sizeof(types));
}

/* The overlay's copy of the RRset like rr: the zone's, or a new empty one. */
static struct touched *touch(struct zone *zone, struct overlay *o, const knot_rrset_t *rr)
{
	uint64_t key = rrset_key(rr);
	struct touched *t, *items;

	for (size_t i = hmap_index_first(&o->index, key); i != HMAP_INDEX_END; i = hmap_index_next(&o->index, i))
		if (!compare_touched_to(&o->items[i], rr))
			return &o->items[i];
	if (!(items = array_room(o->items, o->count, &o->capacity, sizeof(*items))))
		return NULL;
	o->items = items;
	t = &o->items[o->count];
	memset(t, 0, sizeof(*t));
	t->covered = covered_type(rr);
	t->before = bsearch(rr, zone->rrsets, zone->rrset_count, sizeof(*zone->rrsets), compare_rrsets);
	knot_rrset_init(&t->rr, knot_dname_copy(rr->owner, NULL), rr->type, rr->rclass,
			t->before ? t->before->ttl : rr->ttl);
	if (!t->rr.owner || (t->before && knot_rdataset_copy(&t->rr.rrs, &t->before->rrs, NULL)) ||
	    hmap_index_add(&o->index, key, o->count)) {
		knot_rrset_clear(&t->rr, NULL);
		return NULL;
	}
	o->count++;
	return t;
}

static void overlay_free(struct overlay *o)
{
	for (size_t i = 0; i < o->count; i++)
		knot_rrset_clear(&o->items[i].rr, NULL);
	free(o->items);
	hmap_index_free(&o->index);
}

/* One change (RFC 1995): out with the records of `removals` (which starts
 * with the SOA in force), in with those of `additions`. */
static int overlay_step(struct zone *zone, struct overlay *o, const struct zone *removals,
			const struct zone *additions, char *err, size_t errlen)
{
	size_t missing = 0;

	for (size_t i = 0; i < removals->rrset_count; i++) {
		const knot_rrset_t *rr = &removals->rrsets[i];
		struct touched *t = touch(zone, o, rr);
		const knot_rdata_t *rd = rr->rrs.rdata;

		if (!t)
			goto oom;
		for (uint16_t j = 0; j < rr->rrs.count; j++, rd = knot_rdataset_next((knot_rdata_t *)rd))
			missing += !knot_rdataset_member(&t->rr.rrs, rd);
		if (!missing && knot_rdataset_subtract(&t->rr.rrs, &rr->rrs, NULL))
			goto oom;
		/* The RRset keeps only its lowest TTL: whether the records left
		 * had it too is not known once that one goes. */
		if (!missing && o->mixed_ttls && t->rr.rrs.count && rr->ttl <= t->rr.ttl) {
			snprintf(err, errlen, "the change removes the lowest-TTL record of an RRset written with "
				 "different TTLs: the TTL left is not known");
			return -1;
		}
	}
	if (missing) {
		snprintf(err, errlen, "the change removes %zu record%s the zone does not have", missing,
			 missing == 1 ? "" : "s");
		return -1;
	}
	for (size_t i = 0; i < additions->rrset_count; i++) {
		const knot_rrset_t *rr = &additions->rrsets[i];
		struct touched *t = touch(zone, o, rr);

		if (!t)
			goto oom;
		/* RFC 2181 5.2: one TTL per RRset; as when loading, the lowest. */
		o->mixed_ttls |= t->rr.rrs.count && rr->ttl != t->rr.ttl;
		if (!t->rr.rrs.count || rr->ttl < t->rr.ttl)
			t->rr.ttl = rr->ttl;
		if (knot_rdataset_merge(&t->rr.rrs, &rr->rrs, NULL) || records_dedupe(&t->rr.rrs, rr->type))
			goto oom;
	}
	return 0;
oom:
	snprintf(err, errlen, "out of memory");
	return -1;
}

static int compare_touched(const void *a, const void *b)
{
	const struct touched *x = a, *y = b;

	return compare_keyed(&x->rr, x->covered, &y->rr, y->covered);
}

/* The same as before the change (absent then and now included). */
static bool unchanged(const struct touched *t)
{
	if (!t->before)
		return !t->rr.rrs.count;
	return t->before->ttl == t->rr.ttl && knot_rdataset_eq(&t->before->rrs, &t->rr.rrs);
}

/* The overlay, sorted, into the zone: RRsets replaced where they were, new ones
 * merged in and emptied ones dropped in one pass over the array. Nothing
 * changes unless everything can. */
static int overlay_commit(struct zone *zone, struct overlay *o, struct zone_changes *changes)
{
	size_t moved = 0, out = 0, j = 0, room;
	bool lost_dnssec = false;
	knot_rrset_t *merged = NULL;

	for (size_t i = 0; i < o->count; i++) {
		struct touched *t = &o->items[i];

		if (unchanged(t))
			continue;
		if (changes && zone_changes_add(changes, t->rr.owner, t->rr.type, t->covered))
			return -1;
		moved += !t->before || !t->rr.rrs.count;
	}
	room = zone->rrset_count + o->count;
	if (moved && !(merged = malloc(room * sizeof(*merged))))
		return -1;
	for (size_t i = 0; i < o->count; i++) {
		struct touched *t = &o->items[i];
		knot_rrset_t *rr = (knot_rrset_t *)t->before;

		if (unchanged(t))
			continue;
		zone->record_count += t->rr.rrs.count - (rr ? rr->rrs.count : 0);
		zone->is_signed |= t->rr.rrs.count && is_dnssec_type(t->rr.type);
		t->gone = rr && !t->rr.rrs.count;
		lost_dnssec |= t->gone && is_dnssec_type(rr->type);
		if (rr && t->rr.rrs.count) {    /* in place */
			knot_rdataset_clear(&rr->rrs, NULL);
			rr->rrs = t->rr.rrs;
			rr->ttl = t->rr.ttl;
			t->rr.rrs = (knot_rdataset_t){ 0 };
		}
	}
	if (merged) {
		for (size_t i = 0;; i++) {
			const knot_rrset_t *keep = i < zone->rrset_count ? &zone->rrsets[i] : NULL;
			bool emptied = false;

			/* The new RRsets before this one, then this one unless emptied. */
			for (; j < o->count && (!keep || compare_touched_to(&o->items[j], keep) <= 0); j++) {
				struct touched *t = &o->items[j];

				emptied |= t->before == keep && t->gone;
				if (!t->before && t->rr.rrs.count) {
					merged[out++] = t->rr;
					t->rr = (knot_rrset_t){ 0 };
				}
			}
			if (!keep)
				break;
			if (emptied)
				knot_rrset_clear((knot_rrset_t *)keep, NULL);
			else
				merged[out++] = *keep;
		}
		free(zone->rrsets);
		zone->rrsets = merged;
		zone->rrset_count = out;
		zone->rrset_capacity = room;
	}
	if (lost_dnssec) {
		zone->is_signed = false;
		for (size_t i = 0; i < zone->rrset_count && !zone->is_signed; i++)
			zone->is_signed = is_dnssec_type(zone->rrsets[i].type);
	}
	zone->serial = knot_soa_serial(zone_find(zone, zone->origin, KNOT_RRTYPE_SOA)->rrs.rdata);
	zone->patches++;
	zone->loaded_at = time(NULL);
	return 0;
}

/* The records an RRset of the zone keeps after the change (the overlay's
 * items of its owner, first to end, sorted, say whether it was touched). */
static uint16_t count_after(const knot_rrset_t *rr, const struct touched *first, const struct touched *end)
{
	for (const struct touched *t = first; t < end; t++)
		if (t->before == rr)
			return t->rr.rrs.count;
	return rr->rrs.count;
}

/* RFC 2181 10.1, as for a file or an AXFR (finish): no owner the change
 * touches is left with a CNAME and other data, or with two CNAMEs. The
 * overlay is sorted. */
static int check_cname_rule(const struct zone *zone, const struct overlay *o, char *err, size_t errlen)
{
	for (size_t i = 0, end; i < o->count; i = end) {
		const knot_dname_t *owner = o->items[i].rr.owner;
		const knot_rrset_t *rrsets;
		uint16_t cname = 0, other = 0, other_type = 0, cnames = 0;
		size_t count;

		for (end = i; end < o->count && knot_dname_is_equal(o->items[end].rr.owner, owner); end++) {
			const struct touched *t = &o->items[end];

			if (t->before || !t->rr.rrs.count)
				continue;       /* the zone's, counted below; or nothing */
			cname += t->rr.type == KNOT_RRTYPE_CNAME;
			cnames += t->rr.type == KNOT_RRTYPE_CNAME ? t->rr.rrs.count : 0;
			if (!may_sit_beside_cname(t->rr.type) && !other++)
				other_type = t->rr.type;
		}
		rrsets = zone_rrsets_of(zone, owner, &count);
		for (size_t k = 0; k < count; k++) {
			if (!count_after(&rrsets[k], &o->items[i], &o->items[end]))
				continue;
			cname += rrsets[k].type == KNOT_RRTYPE_CNAME;
			if (rrsets[k].type == KNOT_RRTYPE_CNAME)
				cnames += count_after(&rrsets[k], &o->items[i], &o->items[end]);
			if (!may_sit_beside_cname(rrsets[k].type) && !other++)
				other_type = rrsets[k].type;
		}
		if (cnames > 1) {
			char name[KNOT_DNAME_TXT_MAXLEN];

			knot_dname_to_str(name, owner, sizeof(name));
			snprintf(err, errlen, "the change leaves %u CNAMEs at %s; an alias names one name only", cnames,
				 name);
			return -1;
		}
		if (cname && other) {
			char name[KNOT_DNAME_TXT_MAXLEN], type[32];

			knot_dname_to_str(name, owner, sizeof(name));
			knot_rrtype_to_string(other_type, type, sizeof(type));
			snprintf(err, errlen, "the change leaves a CNAME and other data at %s (%s); only RRSIG, NSEC "
				 "and NSEC3 may sit beside a CNAME", name, type);
			return -1;
		}
	}
	return 0;
}

/* Whether the zone keeps an SOA at its origin after the change. */
static bool keeps_soa(const struct zone *zone, const struct overlay *o)
{
	for (size_t i = 0; i < o->count; i++)
		if (o->items[i].rr.type == KNOT_RRTYPE_SOA && knot_dname_is_equal(o->items[i].rr.owner, zone->origin))
			return o->items[i].rr.rrs.count == 1;
	return true;
}

/* Whether the change leaves the zone its NS records at the apex, if it had
 * them: as a transfer's whole zone (xfr.c), a zone of its SOA alone would
 * answer NXDOMAIN for every name. */
static bool keeps_name_servers(const struct zone *zone, const struct overlay *o)
{
	for (size_t i = 0; i < o->count; i++)
		if (o->items[i].rr.type == KNOT_RRTYPE_NS && knot_dname_is_equal(o->items[i].rr.owner, zone->origin))
			return o->items[i].rr.rrs.count || !o->items[i].before;
	return true;
}

/* The zone's records once the change is committed. */
static uint64_t records_after(const struct zone *zone, const struct overlay *o)
{
	uint64_t count = zone->record_count;

	for (size_t i = 0; i < o->count; i++) {
		count += o->items[i].rr.rrs.count;
		count -= o->items[i].before ? o->items[i].before->rrs.count : 0;
	}
	return count;
}

int zone_patch(struct zone *zone, struct zone *const *removals, struct zone *const *additions, size_t steps,
	       struct zone_changes *changes, char *err, size_t errlen)
{
	struct overlay o = { .mixed_ttls = zone->mixed_ttls };
	uint32_t serial = zone->serial;
	int ret = -1;

	for (size_t i = 0; i < steps; i++) {
		if (removals[i]->serial != serial) {
			snprintf(err, errlen, "the change starts at serial %u, the zone is at %u", removals[i]->serial,
				 serial);
			goto out;
		}
		if (overlay_step(zone, &o, removals[i], additions[i], err, errlen))
			goto out;
		serial = additions[i]->serial;
	}
	if (!keeps_soa(zone, &o)) {
		snprintf(err, errlen, "the change does not leave the zone one SOA");
		goto out;
	}
	if (!keeps_name_servers(zone, &o)) {
		snprintf(err, errlen, "the change removes the zone's NS records at its apex");
		goto out;
	}
	if (o.count)
		qsort(o.items, o.count, sizeof(*o.items), compare_touched);
	if (check_cname_rule(zone, &o, err, errlen))
		goto out;
	/* As a file or an AXFR: a zone may not grow past the limit by changes. */
	if (records_after(zone, &o) > limits.records) {
		snprintf(err, errlen, "the change leaves %llu records, more than %llu (limits.zone_records)",
			 (unsigned long long)records_after(zone, &o), (unsigned long long)limits.records);
		goto out;
	}
	ret = overlay_commit(zone, &o, changes);
	if (ret)
		snprintf(err, errlen, "out of memory");
	else
		zone->mixed_ttls = o.mixed_ttls;
out:
	overlay_free(&o);
	return ret;
}

void zone_free(struct zone *zone)
{
	if (!zone || __atomic_sub_fetch(&zone->refs, 1, __ATOMIC_ACQ_REL) > 0)
		return;
	for (size_t i = 0; i < zone->rrset_count; i++)
		knot_rrset_clear(&zone->rrsets[i], NULL);
	free(zone->rrsets);
	free(zone->origin);
	free(zone->file);
	for (size_t i = 0; i < zone->include_count; i++)
		free(zone->includes[i]);
	free(zone->includes);
	free(zone);
}

const knot_rrset_t *zone_find(const struct zone *zone, const knot_dname_t *owner, uint16_t type)
{
	knot_rrset_t probe = { .owner = (knot_dname_t *)owner, .type = type };

	return type == KNOT_RRTYPE_RRSIG ? NULL :
	       bsearch(&probe, zone->rrsets, zone->rrset_count, sizeof(*zone->rrsets), compare_rrsets);
}

static int compare_signatures(const void *key, const void *member)
{
	const knot_rrset_t *probe = key, *rr = member;
	int c = zone_name_cmp(probe->owner, rr->owner);

	if (c)
		return c;
	if (rr->type != KNOT_RRTYPE_RRSIG)
		return (int)KNOT_RRTYPE_RRSIG - (int)rr->type;
	return (int)probe->type - (int)covered_type(rr);
}

const knot_rrset_t *zone_find_signatures(const struct zone *zone, const knot_dname_t *owner,
					 uint16_t covered)
{
	knot_rrset_t probe = { .owner = (knot_dname_t *)owner, .type = covered };

	return bsearch(&probe, zone->rrsets, zone->rrset_count, sizeof(*zone->rrsets),
		       compare_signatures);
}

static int compare_owner(const void *key, const void *member)
{
	return zone_name_cmp(key, ((const knot_rrset_t *)member)->owner);
}

const knot_rrset_t *zone_rrsets_of(const struct zone *zone, const knot_dname_t *owner, size_t *count)
{
	const knot_rrset_t *hit = bsearch(owner, zone->rrsets, zone->rrset_count, sizeof(*zone->rrsets),
					  compare_owner);
	const knot_rrset_t *first = hit, *end = zone->rrsets + zone->rrset_count;

	*count = 0;
	if (!hit)
		return NULL;
	while (first > zone->rrsets && compare_owner(owner, first - 1) == 0)
		first--;
	while (first + *count < end && compare_owner(owner, first + *count) == 0)
		(*count)++;
	return first;
}

/* The first RRset whose owner is not before `name` in canonical order. */
static size_t lower_bound(const struct zone *zone, const knot_dname_t *name)
{
	size_t lo = 0, hi = zone->rrset_count;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (zone_name_cmp(zone->rrsets[mid].owner, name) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Canonical order puts a name's descendants right after it. */
bool zone_name_exists(const struct zone *zone, const knot_dname_t *name)
{
	size_t at = lower_bound(zone, name);

	return at < zone->rrset_count && knot_dname_in_bailiwick(zone->rrsets[at].owner, name) >= 0;
}

const knot_dname_t *zone_closest_encloser(const struct zone *zone, const knot_dname_t *name)
{
	const knot_dname_t *n = name;

	do
		n = *n ? knot_wire_next_label(n, NULL) : NULL;
	while (n && !zone_name_exists(zone, n));
	return n;
}

bool zone_name_is_wildcard(const knot_dname_t *name)
{
	return name[0] == 1 && name[1] == '*';
}

bool zone_wildcard_of(const knot_dname_t *name, knot_dname_t wildcard[KNOT_DNAME_MAXLEN])
{
	size_t size = knot_dname_size(name);

	if (size + 2 > KNOT_DNAME_MAXLEN)
		return false;
	wildcard[0] = 1;
	wildcard[1] = '*';
	memcpy(wildcard + 2, name, size);
	return true;
}

void zone_subtree(const struct zone *zone, const knot_dname_t *name, size_t *first, size_t *end)
{
	size_t lo = lower_bound(zone, name), hi = zone->rrset_count;

	*first = lo;
	while (lo < hi) {       /* the first RRset past the subtree */
		size_t mid = lo + (hi - lo) / 2;

		if (knot_dname_in_bailiwick(zone->rrsets[mid].owner, name) >= 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	*end = lo;
}

void zone_names_init(struct zone_names *it, const struct zone *zone, const knot_dname_t *top, size_t first,
		     size_t end)
{
	memset(it, 0, sizeof(*it));
	it->zone = zone;
	it->top = top;
	it->next = first;
	it->end = end;
}

static bool at_or_below(const knot_dname_t *name, const knot_dname_t *ancestor)
{
	return knot_dname_in_bailiwick(name, ancestor) >= 0;
}

const knot_dname_t *zone_names_next(struct zone_names *it)
{
	const knot_dname_t *name;

	while (!it->pending_count && it->next < it->end) {
		const knot_dname_t *owner = it->zone->rrsets[it->next].owner;

		it->owner_rrsets = &it->zone->rrsets[it->next];
		while (it->next < it->end && knot_dname_is_equal(it->zone->rrsets[it->next].owner, owner))
			it->next++;
		it->owner_count = &it->zone->rrsets[it->next] - it->owner_rrsets;
		/* The owner, then up to the first name already emitted (an
		 * ancestor of the previous owner) or the top. */
		for (const knot_dname_t *n = owner;; n = knot_wire_next_label(n, NULL)) {
			if (it->previous && at_or_below(it->previous, n))
				break;
			it->pending[it->pending_count++] = n;
			if (!*n || knot_dname_is_equal(n, it->top))
				break;
		}
		it->previous = owner;
	}
	if (!it->pending_count)
		return NULL;
	name = it->pending[--it->pending_count];
	/* The owner is the deepest; above it, empty non-terminals. */
	it->rrsets = it->pending_count ? NULL : it->owner_rrsets;
	it->count = it->pending_count ? 0 : it->owner_count;
	return name;
}

void zone_names_skip_below(struct zone_names *it, const knot_dname_t *name)
{
	/* Names below it still pending are deeper than it: drop them. */
	while (it->pending_count && !knot_dname_is_equal(it->pending[it->pending_count - 1], name) &&
	       at_or_below(it->pending[it->pending_count - 1], name))
		it->pending_count--;
	while (it->next < it->end && at_or_below(it->zone->rrsets[it->next].owner, name)) {
		it->previous = it->zone->rrsets[it->next].owner;
		it->next++;
	}
}

int zone_changes_add(struct zone_changes *changes, const knot_dname_t *owner, uint16_t type, uint16_t covered)
{
	struct zone_change *items;
	knot_dname_t *copy;

	if (!(items = array_room(changes->items, changes->count, &changes->capacity, sizeof(*items))))
		return -1;
	changes->items = items;
	copy = knot_dname_copy(owner, NULL);
	if (!copy)
		return -1;
	knot_dname_to_lower(copy);
	changes->items[changes->count++] = (struct zone_change){ copy, type, covered };
	return 0;
}

static bool same_rrset(const knot_rrset_t *a, const knot_rrset_t *b)
{
	return a->ttl == b->ttl && knot_rdataset_eq(&a->rrs, &b->rrs);
}

int zone_changes_between(const struct zone *before, const struct zone *after, struct zone_changes *changes)
{
	size_t i = 0, j = 0;

	while (i < before->rrset_count || j < after->rrset_count) {
		const knot_rrset_t *a = i < before->rrset_count ? &before->rrsets[i] : NULL;
		const knot_rrset_t *b = j < after->rrset_count ? &after->rrsets[j] : NULL;
		int c = !a ? 1 : !b ? -1 : compare_rrsets(a, b);
		const knot_rrset_t *changed = c < 0 ? a : b;

		i += c <= 0;
		j += c >= 0;
		if (c == 0 && same_rrset(a, b))
			continue;
		if (zone_changes_add(changes, changed->owner, changed->type, covered_type(changed)))
			return -1;
	}
	return 0;
}

void zone_changes_clear(struct zone_changes *changes)
{
	for (size_t i = 0; i < changes->count; i++)
		knot_dname_free(changes->items[i].owner, NULL);
	free(changes->items);
	memset(changes, 0, sizeof(*changes));
}
