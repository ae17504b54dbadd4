// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Prints the queries the fast path answers positively for a zone file, by
 * name and type, one "OWNER TYPE" line per answer; with --all also the
 * RRsets left to the userspace server, marked "pass"; with --names the
 * names the zone holds (owners and empty non-terminals, delegation points
 * included, nothing below them). The e2e and fidelity tests build their
 * queries from it.
 */
#include <stdio.h>
#include <string.h>

#include "answers.h"

enum listing { POSITIVE, ALL, NAMES };

/* Whether the fast path answers (owner, type) from its own RRset. */
static bool answers_type(const struct name_answers *n, uint16_t type)
{
	for (size_t i = 0; i < n->type_count; i++)
		if (n->types[i].qtype == type && !n->types[i].dnssec && n->types[i].answer.reason == XDPCAST_dns_answer)
			return true;
	return false;
}

static int list(const struct zone *zone, enum listing what)
{
	char err[512], owner[KNOT_DNAME_TXT_MAXLEN], type[16];
	struct zone_compiler *zc = zone_compiler_new(zone, false, err, sizeof(err));
	const knot_dname_t *name;
	struct zone_names it;

	if (!zc) {
		fprintf(stderr, "list_answers: %s\n", err);
		return 1;
	}
	zone_names_init(&it, zone, zone->origin, 0, zone->rrset_count);
	while ((name = zone_names_next(&it))) {
		struct name_answers n;
		size_t count;
		const knot_rrset_t *rrsets = zone_rrsets_of(zone, name, &count);
		int ret = zone_compile_name(zc, name, &n, err, sizeof(err));

		if (ret < 0) {
			fprintf(stderr, "list_answers: %s\n", err);
			zone_compiler_free(zc);
			return 1;
		}
		knot_dname_to_str(owner, name, sizeof(owner));
		if (ret == 0 && what == NAMES)
			printf("%s\n", owner);
		for (size_t i = 0; ret == 0 && what != NAMES && i < n.type_count; i++) {
			if (n.types[i].dnssec || n.types[i].answer.reason != XDPCAST_dns_answer)
				continue;
			knot_rrtype_to_string(n.types[i].qtype, type, sizeof(type));
			printf("%s %s\n", owner, type);
		}
		for (size_t i = 0; what == ALL && i < count; i++) {
			if (rrsets[i].type == KNOT_RRTYPE_RRSIG || (ret == 0 && answers_type(&n, rrsets[i].type)))
				continue;
			knot_rrtype_to_string(rrsets[i].type, type, sizeof(type));
			printf("%s %s pass\n", owner, type);
		}
	}
	zone_compiler_free(zc);
	return 0;
}

int main(int argc, char **argv)
{
	int all = argc == 3 && strcmp(argv[1], "--all") == 0;
	int names = argc == 3 && strcmp(argv[1], "--names") == 0;
	struct zone *zone;
	char err[512];
	int ret;

	if (argc != 2 + all + names) {
		fprintf(stderr, "usage: list_answers [--all|--names] ZONEFILE\n");
		return 1;
	}
	zone = zone_load(argv[1 + all + names], err, sizeof(err));
	if (!zone) {
		fprintf(stderr, "list_answers: %s\n", err);
		return 1;
	}
	ret = list(zone, all ? ALL : names ? NAMES : POSITIVE);
	zone_free(zone);
	return ret;
}
