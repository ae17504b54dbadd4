// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Prints the queries the fast path answers positively for a zone file, by
 * name and type, one "OWNER TYPE" line per entry; with --all also the
 * RRsets left to the userspace server, marked "pass"; with --names the
 * names the zone holds (owners and empty non-terminals, delegation points
 * included, nothing below them). The e2e and fidelity tests build their
 * queries from it.
 */
#include <stdio.h>
#include <string.h>

#include "answers.h"

int main(int argc, char **argv)
{
	char err[512], owner[KNOT_DNAME_TXT_MAXLEN], type[16];
	int all = argc == 3 && strcmp(argv[1], "--all") == 0;
	int names = argc == 3 && strcmp(argv[1], "--names") == 0;
	struct answer_set set;
	struct zone *zone;

	if (argc != 2 + all + names) {
		fprintf(stderr, "usage: list_answers [--all|--names] ZONEFILE\n");
		return 1;
	}
	zone = zone_load(argv[1 + all + names], err, sizeof(err));
	if (!zone || answers_compile(&zone, 1, &set, err, sizeof(err))) {
		fprintf(stderr, "list_answers: %s\n", err);
		return 1;
	}
	for (size_t i = 0; names && i < set.count; i++) {
		if (set.keys[i].match != ANSWER_MATCH_OTHER || set.keys[i].dnssec_ok)
			continue;
		knot_dname_to_str(owner, set.entries[i].name, sizeof(owner));
		printf("%s\n", owner);
	}
	for (size_t i = 0; !names && i < set.count; i++) {
		if (set.keys[i].match != ANSWER_MATCH_TYPE || set.keys[i].dnssec_ok ||
		    set.entries[i].reason != XDPCAST_dns_answer)
			continue;
		knot_dname_to_str(owner, set.entries[i].name, sizeof(owner));
		knot_rrtype_to_string(set.keys[i].qtype, type, sizeof(type));
		printf("%s %s\n", owner, type);
	}
	for (size_t i = 0; all && i < zone->rrset_count; i++) {
		const knot_rrset_t *rr = &zone->rrsets[i];
		int cached = 0;

		for (size_t j = 0; j < set.count && !cached; j++)
			cached = set.keys[j].match == ANSWER_MATCH_TYPE && set.keys[j].qtype == rr->type &&
				 knot_dname_is_equal(set.entries[j].name, rr->owner);
		if (cached || rr->type == KNOT_RRTYPE_RRSIG)
			continue;
		knot_dname_to_str(owner, rr->owner, sizeof(owner));
		knot_rrtype_to_string(rr->type, type, sizeof(type));
		printf("%s %s pass\n", owner, type);
	}
	answers_free(&set);
	zone_free(zone);
	return 0;
}
