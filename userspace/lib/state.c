// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <stdlib.h>
#include <string.h>

#include "hmap.h"
#include "state.h"
#include "utf8.h"

struct pop_state *state_new(size_t views, size_t zones, size_t transfers, size_t checks, size_t prefixes,
			    size_t sessions)
{
	struct pop_state *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->refs = 1;
	s->pin_dir = "";
	s->views = calloc(views + 1, sizeof(*s->views));
	s->zones = calloc(zones + 1, sizeof(*s->zones));
	s->transfers = calloc(transfers + 1, sizeof(*s->transfers));
	s->checks = calloc(checks + 1, sizeof(*s->checks));
	s->prefixes = calloc(prefixes + 1, sizeof(*s->prefixes));
	s->sessions = calloc(sessions + 1, sizeof(*s->sessions));
	if (!s->views || !s->zones || !s->transfers || !s->checks || !s->prefixes || !s->sessions) {
		state_unref(s);
		return NULL;
	}
	for (size_t i = 0; i < zones; i++)
		s->zones[i].name = s->zones[i].source = "";
	for (size_t i = 0; i < transfers; i++)
		s->transfers[i] = (struct state_transfer){ .zone = "", .primary = "", .error = "", .fallback = "", .catalog_refused = "",
							    .catalog = "" };
	return s;
}

#define STATE_TEXT_BLOCK (64 * 1024)

struct state_text_block {
	struct state_text_block *next;
	size_t used, size;
	char text[];
};

const char *state_text(struct pop_state *s, const char *text, size_t max)
{
	size_t len = text ? strnlen(text, max) : 0, need = len < max ? len + 1 : max;
	struct state_text_block *b = s->texts;
	char *copy;

	if (!len)
		return "";
	if (!b || b->size - b->used < need) {
		size_t size = need > STATE_TEXT_BLOCK ? need : STATE_TEXT_BLOCK;

		b = malloc(sizeof(*b) + size);
		if (!b) {
			s->short_of_memory = true;
			return "";
		}
		*b = (struct state_text_block){ .next = s->texts, .size = size };
		s->texts = b;
	}
	copy = b->text + b->used;
	utf8_copy(copy, need, text);
	b->used += strlen(copy) + 1;
	return copy;
}

struct pop_state *state_ref(struct pop_state *s)
{
	__atomic_add_fetch(&s->refs, 1, __ATOMIC_RELAXED);
	return s;
}

void state_unref(struct pop_state *s)
{
	if (!s || __atomic_sub_fetch(&s->refs, 1, __ATOMIC_ACQ_REL) > 0)
		return;
	for (size_t i = 0; i < s->view_count; i++)
		free(s->views[i]);
	free(s->views);
	free(s->zones);
	free(s->transfers);
	free(s->checks);
	free(s->prefixes);
	free(s->sessions);
	while (s->texts) {
		struct state_text_block *next = s->texts->next;

		free(s->texts);
		s->texts = next;
	}
	free(s);
}

/* A string, or JSON null for "" (or a field left unset). */
static json_t *text_or_null(const char *text)
{
	return text && text[0] ? json_text(text) : json_null();
}

static json_t *members_json(const struct state_iface *f)
{
	json_t *list = json_array();

	for (size_t i = 0; i < f->member_count; i++)
		json_array_append_new(list, json_text(f->members[i]));
	return list;
}

static json_t *ifaces_json(const struct pop_state *s)
{
	json_t *list = json_array();

	for (size_t i = 0; i < s->iface_count; i++) {
		const struct state_iface *f = &s->ifaces[i];

		json_array_append_new(list, json_pack("{s:o, s:i, s:o, s:b, s:I, s:o, s:I, s:o}", "name",
						      json_text(f->name), "ifindex", f->ifindex, "xdp_mode",
						      json_text(f->mode), "attached", f->attached, "program_id",
						      (json_int_t)f->program_id, "holder", json_text(f->holder), "reattached",
						      (json_int_t)f->reattached, "members", members_json(f)));
	}
	return list;
}

static json_t *zone_json(const struct pop_state *s, size_t i)
{
	const struct state_zone *z = &s->zones[i];
	/* The view's name, null for the default view. */
	json_t *view = z->view && z->view <= s->view_count ? json_text(s->views[z->view - 1]) : json_null();

	return json_pack("{s:o, s:I, s:I, s:o, s:f, s:o, s:I, s:I}", "zone", json_text(z->name), "serial",
			 (json_int_t)z->serial, "records", (json_int_t)z->records, "file", json_text(z->source),
			 "loaded_at", z->loaded_at, "view", view, "cache_entries", (json_int_t)z->cache_entries,
			 "cache_bytes", (json_int_t)z->cache_bytes);
}

static json_t *transfer_json(const struct pop_state *s, size_t i)
{
	const struct state_transfer *t = &s->transfers[i];

	return json_pack("{s:o, s:o, s:I, s:b, s:b, s:f, s:o, s:o, s:o, s:b, s:o}", "zone", json_text(t->zone),
			 "primary", json_text(t->primary), "serial", (json_int_t)t->serial, "fresh", t->fresh,
			 "running", t->running, "transferred_at", t->transferred_at, "error", text_or_null(t->error),
			 "ixfr_fallback", text_or_null(t->fallback), "catalog", text_or_null(t->catalog),
			 "is_catalog", t->is_catalog, "catalog_refused", text_or_null(t->catalog_refused));
}

static json_t *checks_json(const struct pop_state *s)
{
	json_t *list = json_array();

	for (size_t i = 0; i < s->check_count; i++)
		json_array_append_new(list, json_pack("{s:o, s:b, s:o}", "check", json_text(s->checks[i].name), "up",
						      s->checks[i].up, "error", text_or_null(s->checks[i].detail)));
	return list;
}

json_t *state_prefixes_json(const struct pop_state *s)
{
	json_t *prefixes = json_array();

	for (size_t i = 0; i < s->prefix_count; i++) {
		const struct state_prefix *p = &s->prefixes[i];

		json_array_append_new(prefixes, json_pack("{s:o, s:s, s:I, s:b, s:o}", "prefix", json_text(p->route.prefix),
							  "state", route_state_names[p->route.state], "prepend",
							  (json_int_t)p->route.prepend, "exported", p->exported, "why",
							  text_or_null(p->why)));
	}
	return prefixes;
}

static json_t *bgp_json(const struct pop_state *s)
{
	json_t *sessions = json_array(), *prefixes = state_prefixes_json(s), *exported = json_array();

	for (size_t i = 0; i < s->session_count; i++)
		json_array_append_new(sessions, json_pack("{s:o, s:o, s:b}", "protocol",
							  json_text(s->sessions[i].name), "state",
							  json_text(s->sessions[i].state), "established",
							  s->sessions[i].up));
	for (size_t i = 0; i < s->prefix_count; i++)
		if (s->prefixes[i].exported)
			json_array_append_new(exported, json_text(s->prefixes[i].route.prefix));
	return json_pack("{s:o, s:b, s:o, s:o, s:o, s:o}", "bird_socket",
			 s->bird_controlled ? json_text(s->bird_socket) : json_null(), "connected", s->bird_up,
			 "error", text_or_null(s->bird_error), "sessions", sessions, "prefixes", prefixes,
			 "exported", exported);
}

const char *const start_step_names[] = {
	[START_READING] = "reading", [START_TRANSFERRING] = "transferring", [START_LOADING] = "loading",
};

static json_t *start_json(const struct state_start *start)
{
	if (!start->starting)
		return json_null();
	return json_pack("{s:s, s:I, s:I, s:I}", "step", start_step_names[start->step], "transfers",
			 (json_int_t)start->transfers, "done", (json_int_t)start->done, "failed",
			 (json_int_t)start->failed);
}

/* Everything but the zones and the transfers, which grow with the zones. */
static json_t *head_json(const struct pop_state *s)
{
	json_t *views = json_array();

	for (size_t i = 0; i < s->view_count; i++)
		json_array_append_new(views, json_text(s->views[i]));
	return json_pack("{s:b, s:o, s:o, s:i, s:o, s:o, s:I, s:b, s:f, s:o, s:I, s:f, s:I, s:{s:I, s:I, s:I, s:I}, "
			 "s:I, s:b, s:o, s:I, s:f, s:o, s:o, s:I, s:o, s:o, s:o, s:o, s:b, s:o}",
			 "ok", 1, "pop", json_text(s->pop), "version", json_text(s->version), "pid", s->pid,
			 "phase", json_text(s->phase), "start", start_json(&s->start),
			 "program_id", (json_int_t)s->program_id, "took_over", s->took_over,
			 "counters_since", s->counters_since,
			 "interfaces", ifaces_json(s), "generation", (json_int_t)s->generation,
			 "generation_loaded_at", s->generation_loaded_at, "answers", (json_int_t)s->answers,
			 "cache", "entries", (json_int_t)s->answers, "bytes", (json_int_t)s->cache_bytes,
			 "max_bytes", (json_int_t)s->cache_max_bytes, "left_to_userspace", (json_int_t)s->left_to_userspace,
			 "rss_bytes", (json_int_t)s->rss_bytes, "zones_loading", s->zones_loading, "reload_error", text_or_null(s->reload_error),
			 "reload_failures", (json_int_t)s->reload_failures, "reload_ok_at", s->reload_ok_at,
			 "restart_pending", text_or_null(s->restart_pending), "restart_advice",
			 text_or_null(s->restart_advice),
			 "catalog_errors", (json_int_t)s->catalog_errors, "views", views,
			 "pin_dir", json_text(s->pin_dir), "metrics", text_or_null(s->metrics), "checks", checks_json(s),
			 "healthy", s->healthy, "bgp", bgp_json(s));
}

/* ,"KEY":[...], each element made, encoded and freed in turn. */
static int dump_list(FILE *f, const char *key, const struct pop_state *s, size_t count,
		     json_t *(*element)(const struct pop_state *s, size_t i))
{
	if (fprintf(f, ",\"%s\":[", key) < 0)
		return -1;
	for (size_t i = 0; i < count; i++) {
		json_t *e = element(s, i);
		int failed = !e || (i && fputc(',', f) == EOF) || json_dumpf(e, f, JSON_COMPACT);

		json_decref(e);
		if (failed)
			return -1;
	}
	return fputc(']', f) == EOF ? -1 : 0;
}

char *state_json_text(const struct pop_state *s, json_t *more)
{
	json_t *head = head_json(s);
	char *text = NULL;
	size_t len = 0;
	FILE *f = NULL;
	int failed = !head || (more && json_object_update(head, more)) || !(f = open_memstream(&text, &len));

	failed = failed || fputc('{', f) == EOF || json_dumpf(head, f, JSON_COMPACT | JSON_EMBED) ||
		 dump_list(f, "zones", s, s->zone_count, zone_json) ||
		 dump_list(f, "transfers", s, s->transfer_count, transfer_json) || fputc('}', f) == EOF;
	json_decref(head);
	json_decref(more);
	if ((f && fclose(f)) || failed) {
		free(text);
		return NULL;
	}
	return text;
}

void state_control_plane(const struct pop_state *s, struct control_plane_state *out)
{
	memset(out, 0, sizeof(*out));
	out->healthy = s->healthy;
	out->checks = s->check_count;
	for (size_t i = 0; i < s->check_count; i++)
		out->checks_up += s->checks[i].up;
	/* All or none: a list cut short would read as checks added since. */
	for (size_t i = 0; i < s->check_count && s->check_count <= XDPCAST_HANDOVER_CHECKS; i++) {
		out->check_states[i].name_hash = hmap_hash_text(s->checks[i].name);
		out->check_states[i].up = s->checks[i].up;
		out->checks_listed++;
	}
	out->bird_up = s->bird_up;
	out->prefixes = s->prefix_count;
	for (size_t i = 0; i < s->prefix_count; i++)
		out->prefixes_announced += s->prefixes[i].exported;
	out->announced_known = 1;
	for (size_t i = 0; i < s->prefix_count && i < XDPCAST_HANDOVER_PREFIXES; i++)
		if (s->prefixes[i].route.state != ROUTE_WITHDRAWN)
			out->announced[out->announced_count++] = hmap_hash_text(s->prefixes[i].route.prefix);
	out->sessions = s->session_count;
	for (size_t i = 0; i < s->session_count; i++)
		out->sessions_up += s->sessions[i].up;
	out->updated_at = s->updated_at;
	out->pid = s->pid;
	out->program_id = s->program_id;
	out->counters_since = s->counters_since;
	out->reload_failures = s->reload_failures;
	out->catalog_errors = s->catalog_errors;
	for (size_t i = 0; i < s->iface_count; i++) {
		out->reattached_ifindex[i] = s->ifaces[i].ifindex;
		out->reattached_name[i] = hmap_hash_text(s->ifaces[i].name);
		out->reattached[i] = s->ifaces[i].reattached;
	}
}
