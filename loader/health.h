/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Health checks with rise/fall hysteresis: a check comes up after `rise`
 * passes in a row and goes down after `fall` failures in a row; every
 * check starts down, so a PoP starts withdrawn until healthy.
 *   fast_path  every interface still runs our program, and it answers each
 *              zone's SOA with our serial (BPF_PROG_TEST_RUN on the live
 *              program)
 *   backend    the userspace server answers the same on the anycast address
 *   zones      the last reload worked and every transferred zone is fresh
 *   NAME       the operator's commands (exit status, timeout)
 */
#ifndef XDPCAST_HEALTH_H
#define XDPCAST_HEALTH_H

#include <stdbool.h>
#include <stddef.h>

#include "log.h"
#include "options.h"
#include "zone.h"

/* fast_path, zones, a backend check per anycast prefix at most, commands */
#define HEALTH_MAX_CHECKS (2 + OPTIONS_MAX_ANYCAST + OPTIONS_MAX_CHECKS)
_Static_assert(HEALTH_MAX_CHECKS <= XDPCAST_HANDOVER_CHECKS, "a handover lists every check");
#define HEALTH_FAILURE_REMINDER_S 600   /* a failure that lasts is logged again this often */

struct check {
	char name[80];                  /* a command's (OPTIONS_CHECK_NAME_MAX), or "backend PREFIX" */
	bool up;
	unsigned passes, failures;      /* in a row */
	unsigned passes_here;           /* in a row run by this xdpcastd (passes counts a handover's word) */
	char detail[256];               /* why the last run failed; "" when it passed */
	struct log_every failure_log;   /* failures logged once per reason, with a count */
	enum check_action action;       /* what being down does to the prefixes it gates */
	uint64_t gates;                 /* bit i: the i-th anycast prefix */
};

struct health {
	struct check checks[HEALTH_MAX_CHECKS];
	size_t count;
	unsigned rise, fall;
};

void health_init(struct health *h, unsigned rise, unsigned fall);

/* One more check, down; its index. */
size_t health_add(struct health *h, const char *name, enum check_action action, uint64_t gates);

/* One run's result; logs when the check goes up or down. */
void health_record(struct health *h, size_t i, bool passed, const char *detail);

bool health_all_up(const struct health *h);

/* Every check up, as after `rise` passes: for a daemon that takes over
 * from one that handed over; then those that were down, or cannot run,
 * start down again (health_start_down) and must rise. */
void health_assume_up(struct health *h);
void health_start_down(struct health *h, size_t i, const char *detail);

/* A zone as the checks see it: its origin and the serial in force. */
struct health_zone {
	const knot_dname_t *origin;
	uint32_t serial;
};

/* What health_soa_answer makes of a response. */
enum soa_verdict {
	SOA_OURS = 0,           /* z's serial, or a newer one where newer_is_ours */
	SOA_WRONG = -1,
	SOA_LATER = 1,          /* a serial after z's where that is not ours: the server has a change we lack */
};

/* Whether a response (from `who`, for the detail) answers zone z's SOA
 * query, authoritatively, with z's serial, or with a newer one where
 * newer_is_ours; the reason in detail when not. */
enum soa_verdict health_soa_answer(const uint8_t *wire, size_t len, const struct health_zone *z, const char *who,
				   bool newer_is_ours, char *detail, size_t dlen);

/* The checks themselves: 0 passed, -1 failed with the reason in detail.
 * The zone checks ask zones in order and set *passed to how many passed
 * before the one that failed (count when all did). */
int health_fast_path(const char *pin_dir, const struct health_zone *zones, size_t count, size_t *passed,
		     char *detail, size_t len);
/* The backend check sets *server_later when it failed because the server
 * has a later serial than ours (SOA_LATER): a change we missed. */
int health_backend(const struct address *backend, unsigned timeout_ms, const struct health_zone *zones,
		   size_t count, size_t *passed, bool *server_later, char *detail, size_t len);
/* The command as user as (its name NULL: the daemon's uid and groups),
 * with no capabilities either way. */
int health_command(const struct command_check *command, const struct run_as *as, char *detail, size_t len);

#endif
