// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* libFuzzer: zone text through libzscanner into the answer compiler, as a
 * zone file or a transfer feeds it ($INCLUDE is refused for text): every
 * name of the zone compiled, its shared tails, a signed zone's proofs of
 * denial and the CHAOS answers; and the same zone read as a catalog (its
 * member zones). Inputs of odd length are compiled with minimal responses,
 * so the corpus covers both ways. The PoP's name in the CHAOS answers is
 * made of the input's first octets, as the config takes it (printable, no
 * spaces, up to XDPCAST_NSID_MAX), of a length the input's size picks. */
#include <stdint.h>
#include <stdio.h>

#include "answers.h"
#include "catalog.h"
#include "log.h"
#include "xdpcast.h"
#include "zone.h"

static int each_chaos(const struct name_answers *names, void *arg)
{
	(void)names;
	(void)arg;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static FILE *quiet;
	struct compiled_answer slots[ZONE_SLOT_MAX];
	struct zone_compiler *zc;
	struct zone_names it;
	const knot_dname_t *name;
	struct name_answers n;
	struct zone *zone;
	char err[512], pop[XDPCAST_NSID_MAX + 1];
	struct catalog_member *members;
	size_t member_count, pop_len = size < XDPCAST_NSID_MAX ? size : size % (XDPCAST_NSID_MAX + 1);

	if (!quiet) {
		quiet = fopen("/dev/null", "w");
		log_set_output(quiet);
	}
	zone = zone_parse("fuzz.zone", (const char *)data, size, err, sizeof(err));
	if (!zone)
		return 0;
	zc = zone_compiler_new(zone, size & 1, err, sizeof(err));
	if (zc && zone_compile_slots(zc, slots, err, sizeof(err)) == 0) {
		zone_names_init(&it, zone, zone->origin, 0, zone->rrset_count);
		while ((name = zone_names_next(&it)))
			if (zone_compile_name(zc, name, &n, err, sizeof(err)) < 0)
				break;
		/* A signed zone's proofs, as the cache writes them. */
		for (size_t i = 0; i < zone_compiler_denial(zc)->count; i++) {
			static uint8_t proof[KNOT_WIRE_MAX_PKTSIZE];
			uint16_t rrs;
			size_t len;

			zone_render_proof(zc, i, proof, &len, &rrs);
		}
	}
	zone_compiler_free(zc);
	if (catalog_members(zone, &members, &member_count, err, sizeof(err)) == 0)
		catalog_members_free(members, member_count);
	for (size_t i = 0; i < pop_len; i++)
		pop[i] = '!' + data[i] % ('~' - '!' + 1);
	pop[pop_len] = '\0';
	answers_chaos(pop, each_chaos, NULL, err, sizeof(err));
	zone_free(zone);
	return 0;
}
