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

void catalog_members_free(char **members, size_t count)
{
	for (size_t i = 0; i < count; i++)
		free(members[i]);
	free(members);
}

int catalog_members(const struct zone *zone, char ***members, size_t *count, char *err, size_t errlen)
{
	uint8_t version_buf[KNOT_DNAME_MAXLEN], zones_buf[KNOT_DNAME_MAXLEN];
	char origin[KNOT_DNAME_TXT_MAXLEN], text[KNOT_DNAME_TXT_MAXLEN + 16];
	knot_dname_t *version, *zones;
	char **out = NULL;
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
	if (!version_2(zone_find(zone, version, KNOT_RRTYPE_TXT))) {
		snprintf(err, errlen, "no catalog of version 2 (no TXT \"2\" at version.)");
		return -1;
	}
	out = calloc(zone->rrset_count + 1, sizeof(*out));
	if (!out) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (size_t i = 0; i < zone->rrset_count; i++) {
		const knot_rrset_t *rr = &zone->rrsets[i];
		char name[KNOT_DNAME_TXT_MAXLEN];
		knot_dname_t *member;
		bool seen = false;

		if (rr->type != KNOT_RRTYPE_PTR || rr->rrs.count != 1 ||
		    knot_dname_labels(rr->owner, NULL) != knot_dname_labels(zones, NULL) + 1 ||
		    !knot_dname_is_case_equal(knot_wire_next_label(rr->owner, NULL), zones))
			continue;
		member = knot_dname_copy(knot_ptr_name(rr->rrs.rdata), NULL);
		if (!member)
			goto oom;
		knot_dname_to_lower(member);
		knot_dname_to_str(name, member, sizeof(name));
		knot_dname_free(member, NULL);
		for (size_t j = 0; j < n && !seen; j++)
			seen = !strcmp(out[j], name);
		if (seen)
			continue;
		if (!(out[n] = strdup(name)))
			goto oom;
		n++;
	}
	*members = out;
	*count = n;
	return 0;
oom:
	catalog_members_free(out, n);
	snprintf(err, errlen, "out of memory");
	return -1;
}
