// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <libzscanner/scanner.h>

#include "cancel.h"
#include "zone.h"

/* Where a record was written, for messages about it. */
struct record_source {
	const char *file;
	uint64_t line;
};

/* Input bounds, process-wide (limits: in the config file). */
static struct zone_limits limits = {
	.file_bytes = ZONE_DEFAULT_FILE_MB << 20,
	.records = ZONE_DEFAULT_RECORDS,
};

void zone_set_limits(const struct zone_limits *l)
{
	limits = *l;
}

#define INCLUDE_DEPTH_MAX 8     /* $INCLUDE in an included file, and so on */

/* One zone being read: the file, the files it includes, where each record
 * came from. */
struct load_state {
	struct zone *zone;
	struct record_source *sources;  /* one per record, as zone->rrsets before finish() */
	size_t source_capacity;
	char **files;                   /* included files' names, for sources */
	size_t file_count;
	uint64_t bytes;                 /* read so far, included files too */
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
	knot_dname_t *lower;
	knot_rrset_t *rr;

	if (zone->record_count >= limits.records) {
		snprintf(err, errlen, "more than %llu records (limits.zone_records)",
			 (unsigned long long)limits.records);
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
	if (zone->rrset_count == zone->rrset_capacity) {
		size_t cap = zone->rrset_capacity ? zone->rrset_capacity * 2 : 64;
		knot_rrset_t *grown = realloc(zone->rrsets, cap * sizeof(*grown));

		if (!grown) {
			snprintf(err, errlen, "out of memory");
			goto fail;
		}
		zone->rrsets = grown;
		zone->rrset_capacity = cap;
	}
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

/* RRSIGs at one owner form one RRset per type they cover, each with the
 * TTL of what it covers, as the zone file has them. */
static uint16_t covered_type(const knot_rrset_t *rr)
{
	return rr->type == KNOT_RRTYPE_RRSIG ? knot_rrsig_type_covered(rr->rrs.rdata) : 0;
}

static int compare_rrsets(const void *a, const void *b)
{
	const knot_rrset_t *x = a, *y = b;
	int c = knot_dname_cmp(x->owner, y->owner);

	if (c)
		return c;
	if (x->type != y->type)
		return (int)x->type - (int)y->type;
	return (int)covered_type(x) - (int)covered_type(y);
}

static int compare_order(const void *a, const void *b, void *rrsets)
{
	return compare_rrsets((const knot_rrset_t *)rrsets + *(const size_t *)a,
			      (const knot_rrset_t *)rrsets + *(const size_t *)b);
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
			if (cur->ttl < into->ttl)
				into->ttl = cur->ttl;
			if (knot_rdataset_merge(&into->rrs, &cur->rrs, NULL) != KNOT_EOK) {
				snprintf(err, errlen, "%s: out of memory merging RRsets", zone->file);
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
	ret = 0;
done:
	/* On an error too, the zone keeps every RRset still alive once, for
	 * zone_free: the merged ones and those not reached. */
	for (; k < n; k++)
		merged[out++] = zone->rrsets[order[k]];
	free(zone->rrsets);
	zone->rrsets = merged;
	zone->rrset_count = zone->rrset_capacity = out;
	free(order);
	return ret;
}

int zone_finish(struct zone *zone, char *err, size_t errlen)
{
	return finish(zone, NULL, err, errlen);
}

static int parse_file(struct load_state *st, const char *path, const char *origin, uint32_t ttl, int depth);

/* One record the scanner read: into the zone, its source noted. */
static int take_record(struct load_state *st, const zs_scanner_t *s, const char *file)
{
	char problem[200];

	if (st->zone->rrset_count == st->source_capacity) {
		size_t cap = st->source_capacity ? st->source_capacity * 2 : 64;
		struct record_source *grown = realloc(st->sources, cap * sizeof(*grown));

		if (!grown) {
			snprintf(st->err, st->errlen, "%s:%llu: out of memory", file, (unsigned long long)s->line_counter);
			return -1;
		}
		st->sources = grown;
		st->source_capacity = cap;
	}
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
 * `dir` resolves relative includes; NULL refuses them all.
 */
static int parse_text(struct load_state *st, const char *file, const char *dir, const char *origin, uint32_t ttl,
		      const char *text, size_t len, int depth)
{
	zs_scanner_t *s = malloc(sizeof(*s));
	int ret = -1;

	if (!s || zs_init(s, origin, KNOT_CLASS_IN, ttl) != 0 || zs_set_input_string(s, text, len) != 0) {
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
			if (parse_file(st, s->include_filename, (const char *)s->buffer, s->default_ttl, depth + 1)) {
				char inner[512];

				snprintf(inner, sizeof(inner), "%s", st->err);
				snprintf(st->err, st->errlen, "%s:%llu: $INCLUDE %s", file,
					 (unsigned long long)s->line_counter, inner);
				goto out;
			}
			break;
		case ZS_STATE_EOF:
			ret = 0;
			goto out;
		default:                /* ZS_STATE_ERROR */
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

static const char *file_kind(mode_t mode)
{
	return S_ISDIR(mode) ? "a directory" : S_ISCHR(mode) ? "a character device" : S_ISBLK(mode) ? "a block device" :
	       S_ISFIFO(mode) ? "a FIFO" : S_ISSOCK(mode) ? "a socket" : "not a regular file";
}

/*
 * A zone file (or one it includes), read whole into memory first: only a
 * regular file, within what is left of limits.zone_file_bytes for the
 * zone. Opened without blocking, so a FIFO in its place cannot hang the
 * daemon; read rather than mapped, so a file truncated meanwhile cannot
 * fault it.
 */
static int parse_file(struct load_state *st, const char *path, const char *origin, uint32_t ttl, int depth)
{
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	char *text = NULL, *name = NULL, *real = NULL;
	uint64_t left = limits.file_bytes > st->bytes ? limits.file_bytes - st->bytes : 0;
	size_t len = 0;
	struct stat sb;
	int ret = -1;

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
	while (len < (size_t)sb.st_size) {       /* a file that grows meanwhile is read as it was */
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
	st->bytes += len;
	if (depth == 0) {
		name = (char *)path;
	} else {                        /* kept for the records' sources */
		char **grown = realloc(st->files, (st->file_count + 1) * sizeof(*grown));

		name = strdup(path);
		if (!grown || !name) {
			if (grown)
				st->files = grown;
			free(name);
			snprintf(st->err, st->errlen, "%s: out of memory", path);
			goto out;
		}
		st->files = grown;
		st->files[st->file_count++] = name;
	}
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

static struct zone *load(struct zone *zone, const char *dir, const char *text, size_t len, char *err, size_t errlen)
{
	struct load_state st = { .zone = zone, .err = err, .errlen = errlen };
	int ret;

	if (!zone) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	ret = text ? parse_text(&st, zone->file, dir, ".", 3600, text, len, 0) :
		     parse_file(&st, zone->file, ".", 3600, 0);
	if (ret == 0)
		ret = finish(zone, st.sources, err, errlen);
	free(st.sources);
	for (size_t i = 0; i < st.file_count; i++)
		free(st.files[i]);
	free(st.files);
	if (ret) {
		zone_free(zone);
		return NULL;
	}
	return zone;
}

struct zone *zone_load(const char *path, char *err, size_t errlen)
{
	return load(zone_new(path), NULL, NULL, 0, err, errlen);
}

struct zone *zone_parse(const char *name, const char *text, size_t len, char *err, size_t errlen)
{
	return load(zone_new(name), NULL, text, len, err, errlen);
}

/* Whether the removals hold this record of rr (same owner, type, rdata). */
static bool removed(const struct zone *removals, const knot_rrset_t *rr, const knot_rdata_t *rdata)
{
	const knot_rrset_t *hit = bsearch(rr, removals->rrsets, removals->rrset_count,
					  sizeof(*removals->rrsets), compare_rrsets);

	return hit && knot_rdataset_member(&hit->rrs, rdata);
}

static int add_rrset(struct zone *zone, const knot_rrset_t *rr, char *err, size_t errlen)
{
	knot_rdata_t *rdata = rr->rrs.rdata;

	for (uint16_t i = 0; i < rr->rrs.count; i++, rdata = knot_rdataset_next(rdata))
		if (zone_add_record(zone, rr->owner, rr->type, rr->rclass, rr->ttl, rdata->data, rdata->len,
				    err, errlen))
			return -1;
	return 0;
}

struct zone *zone_apply_diff(const struct zone *old, const struct zone *removals, const struct zone *additions,
			     char *err, size_t errlen)
{
	struct zone *next = zone_new(old->file);
	size_t removed_count = 0;
	char problem[200];

	if (!next) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if (removals->serial != old->serial) {
		snprintf(err, errlen, "the change starts at serial %u, the zone is at %u", removals->serial,
			 old->serial);
		goto fail;
	}
	/* The new SOA first: the builder takes the origin from it. */
	if (add_rrset(next, zone_find(additions, additions->origin, KNOT_RRTYPE_SOA), problem, sizeof(problem)))
		goto bad_record;
	for (size_t i = 0; i < old->rrset_count; i++) {
		const knot_rrset_t *rr = &old->rrsets[i];
		knot_rdata_t *rdata = rr->rrs.rdata;

		for (uint16_t j = 0; j < rr->rrs.count; j++, rdata = knot_rdataset_next(rdata)) {
			if (removed(removals, rr, rdata)) {
				removed_count++;
				continue;
			}
			if (zone_add_record(next, rr->owner, rr->type, rr->rclass, rr->ttl, rdata->data, rdata->len,
					    problem, sizeof(problem)))
				goto bad_record;
		}
	}
	if (removed_count != removals->record_count) {
		snprintf(err, errlen, "the change removes %zu records the zone does not have",
			 removals->record_count - removed_count);
		goto fail;
	}
	for (size_t i = 0; i < additions->rrset_count; i++)
		if (additions->rrsets[i].type != KNOT_RRTYPE_SOA &&
		    add_rrset(next, &additions->rrsets[i], problem, sizeof(problem)))
			goto bad_record;
	if (zone_finish(next, err, errlen))
		goto fail;
	return next;
bad_record:
	snprintf(err, errlen, "%s", problem);
fail:
	zone_free(next);
	return NULL;
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
	int c = knot_dname_cmp(probe->owner, rr->owner);

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
	return knot_dname_cmp(key, ((const knot_rrset_t *)member)->owner);
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
