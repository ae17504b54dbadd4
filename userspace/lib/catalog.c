// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "catalog.h"

/* Whether the TXT RRset holds a record of the one string "2". */
static bool version_2(const knot_rrset_t *txt)
{
	knot_rdata_t *rd = txt ? txt->rrs.rdata : NULL;

	for (uint16_t i = 0; txt && i < txt->rrs.count; i++, rd = knot_rdataset_next(rd))
		if (rd->len == 2 && rd->data[0] == 1 && rd->data[1] == '2')
			return true;
	return false;
}

void catalog_members_free(struct catalog_member *members, size_t count)
{
	for (size_t i = 0; i < count; i++) {
		free(members[i].zone);
		free(members[i].id);
	}
	free(members);
}

static int compare_zones(const void *a, const void *b)
{
	return strcmp(((const struct catalog_member *)a)->zone, ((const struct catalog_member *)b)->zone);
}

const struct catalog_member *catalog_member_named(const struct catalog_member *members, size_t count,
						  const char *zone)
{
	struct catalog_member key = { .zone = (char *)zone };

	return bsearch(&key, members, count, sizeof(*members), compare_zones);
}

/* A zone listed twice keeps its first entry: sorted by name, then by
 * position in the catalog (its RRsets are in canonical order). */
struct listed {
	struct catalog_member member;
	size_t position;
};

static int compare_listed(const void *a, const void *b)
{
	const struct listed *x = a, *y = b;
	int c = strcmp(x->member.zone, y->member.zone);

	return c ? c : (x->position > y->position) - (x->position < y->position);
}

/* The member of one RRset, if it is <unique-id>.zones.<catalog> PTR with one record. */
static int read_member(const knot_rrset_t *rr, const knot_dname_t *zones, struct catalog_member *out)
{
	char name[KNOT_DNAME_TXT_MAXLEN], id[KNOT_DNAME_TXT_MAXLEN];
	uint8_t label[KNOT_DNAME_MAXLEN];
	knot_dname_t *member;

	out->zone = out->id = NULL;
	if (rr->type != KNOT_RRTYPE_PTR || rr->rrs.count != 1 ||
	    knot_dname_labels(rr->owner, NULL) != knot_dname_labels(zones, NULL) + 1 ||
	    !knot_dname_is_case_equal(knot_wire_next_label(rr->owner, NULL), zones))
		return 0;
	member = knot_dname_copy(knot_ptr_name(rr->rrs.rdata), NULL);
	if (!member)
		return -1;
	knot_dname_to_lower(member);
	knot_dname_to_str(name, member, sizeof(name));
	knot_dname_free(member, NULL);
	/* The first label alone, as a name of one label, in presentation form. */
	memcpy(label, rr->owner, rr->owner[0] + 1);
	label[rr->owner[0] + 1] = 0;
	knot_dname_to_lower(label);
	knot_dname_to_str(id, label, sizeof(id));
	id[strlen(id) - 1] = 0;         /* its final dot */
	out->zone = strdup(name);
	out->id = strdup(id);
	return out->zone && out->id ? 1 : -1;
}

int catalog_members(const struct zone *zone, struct catalog_member **members, size_t *count, char *err,
		    size_t errlen)
{
	uint8_t version_buf[KNOT_DNAME_MAXLEN], zones_buf[KNOT_DNAME_MAXLEN];
	char origin[KNOT_DNAME_TXT_MAXLEN], text[KNOT_DNAME_TXT_MAXLEN + 16];
	knot_dname_t *version, *zones;
	struct catalog_member *out;
	struct listed *listed;
	size_t n = 0, kept = 0;

	*members = NULL;
	*count = 0;
	knot_dname_to_str(origin, zone->origin, sizeof(origin));
	snprintf(text, sizeof(text), "version.%s", origin);
	version = knot_dname_from_str(version_buf, text, sizeof(version_buf));
	snprintf(text, sizeof(text), "zones.%s", origin);
	zones = knot_dname_from_str(zones_buf, text, sizeof(zones_buf));
	if (!version || !zones) {
		snprintf(err, errlen, "the catalog's name is too long");
		return -1;
	}
	if (!version_2(zone_find(zone, version, KNOT_RRTYPE_TXT))) {
		snprintf(err, errlen, "no catalog of version 2 (no TXT \"2\" at version.)");
		return -1;
	}
	listed = calloc(zone->rrset_count + 1, sizeof(*listed));
	out = calloc(zone->rrset_count + 1, sizeof(*out));
	if (!listed || !out)
		goto oom;
	for (size_t i = 0; i < zone->rrset_count; i++) {
		int found = read_member(&zone->rrsets[i], zones, &listed[n].member);

		if (found < 0) {
			free(listed[n].member.zone);
			free(listed[n].member.id);
			goto oom;
		}
		if (found)
			listed[n].position = n, n++;
	}
	/* Sorted, a zone listed twice is adjacent: a linear pass, not a
	 * quadratic one, for catalogs of hundreds of thousands of members. */
	qsort(listed, n, sizeof(*listed), compare_listed);
	for (size_t i = 0; i < n; i++) {
		if (kept && !strcmp(out[kept - 1].zone, listed[i].member.zone)) {
			free(listed[i].member.zone);
			free(listed[i].member.id);
			continue;
		}
		out[kept++] = listed[i].member;
	}
	free(listed);
	*members = out;
	*count = kept;
	return 0;
oom:
	for (size_t i = 0; listed && i < n; i++) {
		free(listed[i].member.zone);
		free(listed[i].member.id);
	}
	free(listed);
	free(out);
	snprintf(err, errlen, "out of memory");
	return -1;
}
