// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "log.h"
#include "secondary.h"

int secondary_init(struct secondary *s, const struct secondary_option *opt, const struct tsig_key_option *keys,
		   char *err, size_t errlen)
{
	unsigned incarnation = s->incarnation;

	memset(s, 0, sizeof(*s));
	s->incarnation = incarnation;
	s->catalog = opt->catalog;
	s->catalog_of = -1;
	s->origin = knot_dname_from_str_alloc(opt->zone);
	if (!s->origin) {
		snprintf(err, errlen, "transfer.zones: '%s' is not a domain name", opt->zone);
		return -1;
	}
	knot_dname_to_lower(s->origin);
	knot_dname_to_str(s->name, s->origin, sizeof(s->name));
	secondary_set_primary(s, opt, keys);
	snprintf(s->error, sizeof(s->error), "not transferred yet");
	s->failures = (struct log_every)LOG_EVERY_BY_REASON(SECONDARY_FAILURE_REMINDER_S);
	return 0;
}

void secondary_set_primary(struct secondary *s, const struct secondary_option *opt,
			   const struct tsig_key_option *keys)
{
	s->primary.address = opt->primary;
	s->primary.key = opt->key >= 0 ? &keys[opt->key].key : NULL;
}

void secondary_free(struct secondary *s)
{
	unsigned incarnation = s->incarnation;

	zone_free(s->zone);
	knot_dname_free(s->origin, NULL);
	catalog_members_free(s->listed, s->listed_count);
	memset(s, 0, sizeof(*s));
	s->incarnation = incarnation + 1;
}

/* An SOA refresh or retry of 0 asked the primary again at once, round
 * after round: a flood of it, and the transfers lane taken from the
 * other zones' transfers; one of 2^32-1 (136 years) never asked again. */
static double soa_interval(uint32_t seconds, uint32_t most)
{
	return seconds < SECONDARY_MIN_INTERVAL_S ? SECONDARY_MIN_INTERVAL_S : seconds > most ? most : seconds;
}

static double soa_refresh(const knot_rdata_t *soa)
{
	return soa_interval(knot_soa_refresh(soa), SECONDARY_MAX_REFRESH_S);
}

static double soa_retry(const knot_rdata_t *soa)
{
	return soa_interval(knot_soa_retry(soa), SECONDARY_MAX_RETRY_S);
}

/* An SOA expire shorter than a refresh and a retry (0, as some templates
 * write it) expired the copy the second it came, and again after every
 * refresh: the zone flapped between the fast path and the server behind.
 * Taken as at least the two (as BIND takes it; RFC 1912 2.2 asks for far
 * more), a copy is served a refresh and a retry past the last good one. */
static double soa_expire(const knot_rdata_t *soa)
{
	double least = soa_refresh(soa) + soa_retry(soa);

	return knot_soa_expire(soa) > least ? knot_soa_expire(soa) : least;
}

int secondary_transferred(struct secondary *s, double now, int ret, struct zone *next, enum xfr_kind kind,
			  const char *err)
{
	static const char *const kinds[] = { "up to date", "AXFR", "IXFR" };
	uint32_t old_serial = s->serial;
	bool was_expired = s->expired;  /* left the cache: served again, even up to date */
	unsigned long failed;
	const knot_rdata_t *soa;

	if (ret) {
		snprintf(s->error, sizeof(s->error), "%s", err);
		s->next_refresh = now + (s->zone ? soa_retry(zone_find(s->zone, s->origin, KNOT_RRTYPE_SOA)->rrs.rdata) :
					 SECONDARY_FIRST_RETRY_S);
		log_reason(&s->failures, err, LOG_LEVEL_ERROR, "zone %s: %s; next try in %.0f s", s->name, s->error,
			   s->next_refresh - now);
		return -1;
	}
	if (kind == XFR_AXFR && err && err[0]) {
		snprintf(s->fallback, sizeof(s->fallback), "%s", err);
		log_error("zone %s: %s; transferred whole instead", s->name, s->fallback);
	} else if (kind == XFR_IXFR) {
		s->fallback[0] = '\0';
	}
	if (kind == XFR_AXFR)
		s->axfr_next = false;
	s->error[0] = '\0';
	failed = log_every_end(&s->failures);
	if (failed && s->zone)
		log_info("zone %s: transferred again after %lu failed tries", s->name, failed);
	if (next && next != s->zone) {
		zone_free(s->zone);
		s->zone = next;
	}
	soa = zone_find(s->zone, s->origin, KNOT_RRTYPE_SOA)->rrs.rdata;
	s->next_refresh = now + soa_refresh(soa);
	s->expires_at = now + soa_expire(soa);
	s->transferred_at = time(NULL);
	if (s->expired)
		log_info("zone %s: fresh again", s->name);
	s->expired = false;
	s->serial = s->zone->serial;
	if (kind == XFR_IXFR)
		log_info("zone %s: IXFR from %s, serial %u -> %u, %zu records", s->name, s->primary.address.text,
			 old_serial, s->zone->serial, s->zone->record_count);
	else if (next)
		log_info("zone %s: %s from %s, serial %u -> %u, %zu records", s->name, kinds[kind],
			 s->primary.address.text, old_serial, s->zone->serial, s->zone->record_count);
	else
		log_debug("zone %s: serial %u is up to date", s->name, s->zone->serial);
	return next || kind == XFR_IXFR || (was_expired && !s->catalog) ? 1 : 0;
}

int secondary_restore(struct secondary *s, struct zone *copy, time_t refreshed_at, double now, time_t wall_now)
{
	/* A mtime ahead of the clock (the clock set back since) counts as
	 * now: the copy is never served longer than its SOA expire. */
	double age = refreshed_at < wall_now ? difftime(wall_now, refreshed_at) : 0;
	double left = soa_expire(zone_find(copy, s->origin, KNOT_RRTYPE_SOA)->rrs.rdata) - age;
	char when[UTC_TEXT_LEN];

	if (left <= 0) {
		zone_free(copy);
		return 0;
	}
	zone_free(s->zone);
	s->zone = copy;
	s->serial = copy->serial;
	s->expires_at = now + left;
	s->next_refresh = now;
	s->transferred_at = refreshed_at;
	s->expired = false;
	s->axfr_next = true;
	snprintf(s->error, sizeof(s->error), "not transferred since the start: the copy kept on disk (current at %s) "
		 "answers", utc_text(refreshed_at, when));
	return 1;
}

int secondary_check_expiry(struct secondary *s, double now)
{
	if (!s->zone || s->expired || s->applying || now < s->expires_at)
		return 0;
	s->expired = true;
	log_error("zone %s: expired (no refresh from %s within the SOA expire); passed to the server behind",
		  s->name, s->primary.address.text);
	return 1;
}
