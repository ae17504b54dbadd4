// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "catalog.h"

/* Whether the version property says 2: a TXT RRset of exactly one record,
 * the one string "2" (RFC 9432 4.2.1: more records, or another value, make
 * a broken catalog, not one to read with the "2" among them). */
static bool version_2(const knot_rrset_t *txt, const char *origin, char *err, size_t errlen)
{
	char value[64];

	if (!txt) {
		snprintf(err, errlen, "no version property (TXT at version.%s): not a catalog of version 2", origin);
		return false;
	}
	if (txt->rrs.count != 1) {
		snprintf(err, errlen, "version.%s holds %u TXT records, not one (RFC 9432 4.2.1)", origin,
			 txt->rrs.count);
		return false;
	}
	if (txt->rrs.rdata->len == 2 && txt->rrs.rdata->data[0] == 1 && txt->rrs.rdata->data[1] == '2')
		return true;
	if (knot_rrset_txt_dump_data(txt, 0, value, sizeof(value), &KNOT_DUMP_STYLE_DEFAULT) < 0)
		snprintf(value, sizeof(value), "(too long to show)");
	snprintf(err, errlen, "version %s at version.%s: only version 2 is supported", value, origin);
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

/* The member of one RRset, if it is a PTR at <unique-id>.zones.<catalog>:
 * 1 and out filled, 0 for any other RRset, -1 and err for a member node of
 * more than one PTR (RFC 9432 4.1: a broken catalog) or no memory. */
static int read_member(const knot_rrset_t *rr, const knot_dname_t *zones, struct catalog_member *out, char *err,
		       size_t errlen)
{
	char name[KNOT_DNAME_TXT_MAXLEN], id[KNOT_DNAME_TXT_MAXLEN];
	uint8_t label[KNOT_DNAME_MAXLEN];
	knot_dname_t *member;

	out->zone = out->id = NULL;
	if (rr->type != KNOT_RRTYPE_PTR ||
	    knot_dname_labels(rr->owner, NULL) != knot_dname_labels(zones, NULL) + 1 ||
	    !knot_dname_is_case_equal(knot_wire_next_label(rr->owner, NULL), zones))
		return 0;
	/* The first label alone, as a name of one label, in presentation form. */
	memcpy(label, rr->owner, rr->owner[0] + 1);
	label[rr->owner[0] + 1] = 0;
	knot_dname_to_lower(label);
	knot_dname_to_str(id, label, sizeof(id));
	id[strlen(id) - 1] = 0;         /* its final dot */
	if (rr->rrs.count != 1) {
		snprintf(err, errlen, "member node %s holds %u PTR records, not one (RFC 9432 4.1)", id,
			 rr->rrs.count);
		return -1;
	}
	member = knot_dname_copy(knot_ptr_name(rr->rrs.rdata), NULL);
	if (!member)
		goto oom;
	knot_dname_to_lower(member);
	knot_dname_to_str(name, member, sizeof(name));
	knot_dname_free(member, NULL);
	out->zone = strdup(name);
	out->id = strdup(id);
	if (out->zone && out->id)
		return 1;
	free(out->zone);
	free(out->id);
oom:
	snprintf(err, errlen, "out of memory");
	return -1;
}

int catalog_members(const struct zone *zone, struct catalog_member **members, size_t *count, char *err,
		    size_t errlen)
{
	uint8_t version_buf[KNOT_DNAME_MAXLEN], zones_buf[KNOT_DNAME_MAXLEN];
	char origin[KNOT_DNAME_TXT_MAXLEN], text[KNOT_DNAME_TXT_MAXLEN + 16];
	knot_dname_t *version, *zones;
	struct catalog_member *out;
	size_t n = 0;

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
	if (!version_2(zone_find(zone, version, KNOT_RRTYPE_TXT), origin, err, errlen))
		return -1;
	out = calloc(zone->rrset_count + 1, sizeof(*out));
	if (!out) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (size_t i = 0; i < zone->rrset_count; i++) {
		int found = read_member(&zone->rrsets[i], zones, &out[n], err, errlen);

		if (found < 0)
			goto broken;
		n += found;
	}
	/* Sorted, a zone listed twice is adjacent: a linear pass, not a
	 * quadratic one, for catalogs of hundreds of thousands of members.
	 * Under two unique ids it is a broken catalog (RFC 9432 4.1), not one
	 * to read with either id: the id decides whether a member is reset. */
	qsort(out, n, sizeof(*out), compare_zones);
	for (size_t i = 1; i < n; i++)
		if (!strcmp(out[i - 1].zone, out[i].zone)) {
			snprintf(err, errlen, "zone %s listed twice, under member nodes %s and %s (RFC 9432 4.1)",
				 out[i].zone, out[i - 1].id, out[i].id);
			goto broken;
		}
	*members = out;
	*count = n;
	return 0;
broken:
	catalog_members_free(out, n);
	return -1;
}

const char *catalog_member_refused(const char *zone, const char *catalog)
{
	/* The root would have the fast path answer every name no other zone
	 * holds from whatever the catalog's primary sends: a root copy is for
	 * the operator to configure (transfer.zones), not for a catalog. */
	if (!strcmp(zone, "."))
		return "the root zone is never a catalog member (configure it in transfer.zones)";
	if (!strcasecmp(zone, catalog))
		return "the catalog lists itself";
	return NULL;
}
