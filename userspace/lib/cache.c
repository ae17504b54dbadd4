// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The answer cache: what the compiler renders for each name, stored as the
 * program reads it (bpf/xdpcast.h) and shared where identical.
 *
 * Per name: one key in the names table, one name record, one answer record
 * per type it answers. Tails are made canonical (their compression
 * pointers into the question or into the tail itself relative, as patches)
 * and then shared: the zone's slot templates (positive, NODATA, NXDOMAIN),
 * or one copy per distinct tail of the zone. The OTHER and BELOW answers of
 * a plain name are two answer records the whole zone shares.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>

#include "answers.h"
#include "array.h"
#include "blob.h"
#include "cache.h"
#include "clock.h"
#include "hmap.h"
#include "log.h"
#include "names_table.h"

#define NAMES_BATCH 65536
#define NAMES_HEADROOM(n) ((n) / 16 + 64)   /* keys a names table is made with room for beyond its own */

/* A tail as stored: header, then its bytes with relative pointers. */
struct canonical_tail {
	struct tail_record header;
	uint16_t stored;                /* bytes kept: the rest never fits a response */
	uint8_t bytes[XDPCAST_ANSWER_MAX];
};

/* A tail of a zone's own, shared by the answers whose tail it is. */
struct tail_entry {
	struct tail_entry *next;        /* same content hash */
	uint32_t address;
	uint32_t refs;
};

/* A name in a set of names: owned copy. */
struct name_entry {
	struct name_entry *next;        /* same name hash */
	uint32_t record;                /* the record that made it a member */
	knot_dname_t name[];
};

struct name_set {
	struct hmap map;                /* name hash -> struct name_entry chain */
	size_t count;
};

/* In-zone targets of CNAME, NS, MX and SRV records, and CNAME targets out
 * of the zone, by target, canonical order: who depends on the data at a
 * name, and which zone's chains a zone added at a target's origin
 * changes (cname_into). */
struct target {
	knot_dname_t *target;
	knot_dname_t *owner;
	uint16_t type;
};

struct target_index {
	struct target *items;
	size_t count, capacity;
};

/* A signed zone's proofs in the blob and the B+tree the program searches
 * them by (struct denial_node). */
struct denial_index {
	uint32_t root;                  /* 0: none, proofs that need it are passed */
	uint32_t *proofs;               /* address of each proof of the zone's struct denial */
	uint32_t *records;              /* every record written, with its size */
	uint32_t *sizes;
	size_t count;
};

struct cache_zone {
	struct zone *zone;              /* a reference */
	uint16_t view;
	uint32_t slots;                 /* blob address of ZONE_SLOT_MAX words; 0: none */
	uint32_t slot_tails[ZONE_SLOT_MAX];  /* the templates: what names' answers are compared to */
	uint32_t shared_nodata;         /* answers that plain names share */
	uint32_t shared_nxdomain;
	knot_dname_t *soa_names;        /* MNAME and RNAME the templates were rendered with */
	struct hmap tails;              /* content hash -> struct tail_entry chain */
	struct name_set soa_dependents; /* names with the SOA in a tail of their own */
	struct target_index targets;
	struct denial_index denial;
	struct cache_usage usage;       /* bytes: records only; names table share added on report */
	size_t left_to_userspace;
	unsigned patches;               /* the zone object's patches when it was written */
	bool stale;                     /* its last change was not written: write it whole next */
};

struct cache_generation {
	struct cache *cache;
	struct names_table names_table;
	uint64_t names_capacity;        /* the keys the table was made for */
	struct blob_space *space;
	struct cache_zone *zones;
	size_t zone_capacity;
	size_t zone_count;
	struct hmap_index zone_index;   /* zones by the hash of (origin, view) */
	struct cache_zone chaos;        /* the CHAOS answers: no zone */
	struct hmap collided;           /* name keys two names claim: userspace answers them */
	struct name_set origins;        /* its zones' origins, any view; record: how many zones */
	uint64_t names;
	struct name_key *keys;          /* a batch of keys being written */
	uint32_t *records;
	size_t batch_count;
};

struct cache {
	struct cache_maps maps;
	uint64_t max_bytes;
	bool restoring;                 /* cache_restore_zone: the cap does not apply */
	bool minimal_responses;
	struct blob *blob;
	struct cache_generation *current;
};

/* ---- canonical tails ---- */

static uint16_t csum16(const uint8_t *bytes, size_t len)
{
	__u32 sum = 0;

	for (size_t i = 0; i < len; i++)
		sum = xdpcast_csum_fold(xdpcast_csum_add_byte(sum, bytes[i], i));
	return xdpcast_csum_fold(sum);
}

/* Walks a name at `at`; notes where its compression pointer is. Returns
 * the offset after the name, 0 when it runs past `len`. */
static size_t walk_name(const uint8_t *w, size_t len, size_t at, size_t *pointers, size_t *count, size_t max)
{
	while (at < len) {
		uint8_t b = w[at];

		if ((b & 0xc0) == 0xc0) {
			if (*count < max)
				pointers[(*count)++] = at;
			return at + 2;
		}
		if (b & 0xc0)
			return 0;
		if (!b)
			return at + 1;
		at += 1 + b;
	}
	return 0;
}

/* The compression pointers of `count` RRs at the start of w (len bytes),
 * in order. Returns how many, or -1 on bytes it cannot walk. */
static int find_pointers(const uint8_t *w, size_t len, unsigned rrs, size_t *pointers, size_t max)
{
	size_t at = 0, found = 0;

	for (unsigned i = 0; i < rrs; i++) {
		const knot_rdata_descriptor_t *desc;
		size_t end;
		uint16_t type;

		at = walk_name(w, len, at, pointers, &found, max);
		if (!at || at + 10 > len)
			return -1;
		type = knot_wire_read_u16(w + at);
		end = at + 10 + knot_wire_read_u16(w + at + 8);
		at += 10;
		if (end > len)
			return -1;
		desc = knot_get_rdata_descriptor(type);
		for (int b = 0; desc->block_types[b] != KNOT_RDATA_WF_END && at < end; b++) {
			int block = desc->block_types[b];

			if (block > 0) {
				at += block;
			} else if (block == KNOT_RDATA_WF_COMPRESSIBLE_DNAME ||
				   block == KNOT_RDATA_WF_DECOMPRESSIBLE_DNAME ||
				   block == KNOT_RDATA_WF_FIXED_DNAME) {
				at = walk_name(w, end, at, pointers, &found, max);
				if (!at)
					return -1;
			} else {
				break;  /* the rest holds no name */
			}
		}
		at = end;
	}
	return found;
}

/*
 * The tail of a rendered answer as stored: a pointer into the qname below
 * its first label, or into the tail itself, is stored less the qname's
 * length (and the head's) and becomes a patch; a pointer to the qname
 * itself stays (it is the question's, whatever it is). Any other pointer
 * stays too: the tail then equals only tails rendered after equal bytes.
 */
static void make_canonical(const struct compiled_answer *a, struct canonical_tail *out)
{
	const uint8_t *tail = a->bytes + a->head_len;
	size_t pointers[64];
	size_t tail_start = KNOT_WIRE_HEADER_SIZE + a->qname_len + 4 + a->head_len;
	int found;

	memset(out, 0, sizeof(*out));
	out->stored = a->tail_len < XDPCAST_ANSWER_MAX ? a->tail_len : XDPCAST_ANSWER_MAX;
	memcpy(out->bytes, tail, out->stored);
	out->header.auth_len = a->auth_len;
	out->header.full_len = a->tail_len;
	out->header.nscount = a->nscount;
	out->header.arcount = a->arcount;
	out->header.additional_min = a->additional_min;
	found = find_pointers(tail, a->tail_len, a->nscount + a->arcount, pointers, sizeof(pointers) / sizeof(pointers[0]));
	for (int i = 0; i < found && out->header.patch_count < XDPCAST_TAIL_PATCHES; i++) {
		size_t p = pointers[i];
		uint16_t word, target, delta;
		bool after_head;

		if (p + 2 > out->stored)
			break;
		word = knot_wire_read_u16(out->bytes + p);
		target = word & 0x3fff;
		after_head = target >= tail_start;
		if (target > KNOT_WIRE_HEADER_SIZE && target < KNOT_WIRE_HEADER_SIZE + a->qname_len)
			delta = a->qname_len;
		else if (after_head)
			delta = a->qname_len + a->head_len;
		else
			continue;
		knot_wire_write_u16(out->bytes + p, word - delta);
		out->header.patches[out->header.patch_count++] = p | (after_head ? XDPCAST_PATCH_AFTER_HEAD : 0);
		for (int cut = 0; cut < 2; cut++) {
			__u8 *sums = cut ? out->header.full_patch_sums : out->header.auth_patch_sums;

			if (p + 2 > (cut ? a->tail_len : a->auth_len))
				continue;
			sums[(p & 1) ? PATCH_SUM_ODD : PATCH_SUM_EVEN]++;
			if (after_head)
				sums[(p & 1) ? PATCH_SUM_HEAD_ODD : PATCH_SUM_HEAD_EVEN]++;
		}
	}
	out->header.auth_csum = csum16(out->bytes, a->auth_len < out->stored ? a->auth_len : out->stored);
	out->header.full_csum = csum16(out->bytes, out->stored);
}

static size_t tail_record_bytes(const struct tail_record *t)
{
	return sizeof(*t) + (t->full_len < XDPCAST_ANSWER_MAX ? t->full_len : XDPCAST_ANSWER_MAX);
}

/* Whether a rendered answer's tail is a stored one patched for it: the
 * cheap test of the common case, without walking the tail's records. */
static bool tail_is(const struct compiled_answer *a, const struct tail_record *t)
{
	uint8_t patched[XDPCAST_ANSWER_MAX];
	size_t stored = tail_record_bytes(t) - sizeof(*t);

	if (a->tail_len != t->full_len || a->auth_len != t->auth_len ||
	    a->nscount != t->nscount || a->arcount != t->arcount || a->additional_min != t->additional_min ||
	    stored != a->tail_len)
		return false;
	memcpy(patched, t + 1, stored);
	for (unsigned i = 0; i < t->patch_count; i++) {
		uint16_t p = t->patches[i] & XDPCAST_PATCH_OFFSET;
		uint16_t add = a->qname_len + (t->patches[i] & XDPCAST_PATCH_AFTER_HEAD ? a->head_len : 0);

		knot_wire_write_u16(patched + p, knot_wire_read_u16(patched + p) + add);
	}
	return !memcmp(patched, a->bytes + a->head_len, stored);
}

/* Whether a stored tail holds exactly a canonical one. */
static bool stored_tail_is(const struct tail_record *stored, const struct canonical_tail *t)
{
	return stored && !memcmp(stored, &t->header, sizeof(t->header)) && !memcmp(stored + 1, t->bytes, t->stored);
}

static uint64_t tail_hash(const struct canonical_tail *t)
{
	return hmap_hash(hmap_hash(HMAP_HASH_SEED, &t->header, sizeof(t->header)), t->bytes, t->stored);
}

static size_t head_stored(uint16_t head_len)
{
	return head_len <= XDPCAST_ANSWER_MAX ? head_len : 0;   /* a longer head is never sent */
}

/* ---- sets of names ---- */

static int name_set_add(struct name_set *set, const knot_dname_t *name, uint32_t record)
{
	uint64_t hash = answer_name_hash(name);
	struct name_entry *first = hmap_get(&set->map, hash), *e;
	size_t size = knot_dname_size(name);

	for (e = first; e; e = e->next) {
		if (knot_dname_is_equal(e->name, name)) {
			e->record = record;
			return 0;
		}
	}
	e = malloc(sizeof(*e) + size);
	if (!e)
		return -1;
	e->next = first;
	e->record = record;
	memcpy(e->name, name, size);
	if (hmap_set(&set->map, hash, e)) {
		free(e);
		return -1;
	}
	set->count++;
	return 0;
}

/* Removes name when `record` (0: any) is what made it a member. */
static void name_set_remove(struct name_set *set, const knot_dname_t *name, uint32_t record)
{
	uint64_t hash = answer_name_hash(name);
	struct name_entry *first = hmap_get(&set->map, hash), **link = &first;

	for (struct name_entry *e = first; e; link = &e->next, e = e->next) {
		if (!knot_dname_is_equal(e->name, name) || (record && e->record != record))
			continue;
		*link = e->next;
		free(e);
		set->count--;
		hmap_set(&set->map, hash, first);
		return;
	}
}

static struct name_entry *name_set_find(const struct name_set *set, const knot_dname_t *name)
{
	for (struct name_entry *e = hmap_get(&set->map, answer_name_hash(name)); e; e = e->next)
		if (knot_dname_is_equal(e->name, name))
			return e;
	return NULL;
}

static bool name_set_has(const struct name_set *set, const knot_dname_t *name)
{
	return name_set_find(set, name) != NULL;
}

static int free_chain(uint64_t key, void *value, void *arg)
{
	(void)key;
	(void)arg;
	for (struct name_entry *e = value, *next; e; e = next) {
		next = e->next;
		free(e);
	}
	return 0;
}

static void name_set_free(struct name_set *set)
{
	hmap_each(&set->map, free_chain, NULL);
	hmap_free(&set->map);
	set->count = 0;
}

/* ---- the targets index ---- */

static int compare_targets(const void *a, const void *b)
{
	const struct target *x = a, *y = b;

	return zone_name_cmp(x->target, y->target);
}

static void target_free(struct target *t)
{
	knot_dname_free(t->target, NULL);
	knot_dname_free(t->owner, NULL);
}

/* Appends the targets of one RRset the index holds (unsorted). */
static int index_rrset(struct target_index *index, const struct zone *zone, const knot_rrset_t *rr)
{
	const knot_rdata_t *rd = rr->rrs.rdata;

	if (!rr->rrs.count || !answer_rdata_target(rr->type, rd))
		return 0;       /* not a type that names a target */
	for (uint16_t i = 0; i < rr->rrs.count; i++, rd = knot_rdataset_next((knot_rdata_t *)rd)) {
		const knot_dname_t *target = answer_rdata_target(rr->type, rd);
		knot_dname_storage_t lower;     /* the origin is lowercase; a target may not be */
		struct target t, *items;

		if (!target)
			continue;
		knot_dname_copy_lower(lower, target);
		if (knot_dname_in_bailiwick(lower, zone->origin) < 0 && rr->type != KNOT_RRTYPE_CNAME)
			continue;
		if (!(items = array_room(index->items, index->count, &index->capacity, sizeof(*items))))
			return -1;
		index->items = items;
		t.target = knot_dname_copy(lower, NULL);
		t.owner = knot_dname_copy(rr->owner, NULL);
		t.type = rr->type;
		if (!t.target || !t.owner) {
			target_free(&t);
			return -1;
		}
		index->items[index->count++] = t;
	}
	return 0;
}

static int build_targets(struct target_index *index, const struct zone *zone)
{
	for (size_t i = 0; i < zone->rrset_count; i++)
		if (index_rrset(index, zone, &zone->rrsets[i]))
			return -1;
	if (index->count)        /* qsort takes no NULL, even for none */
		qsort(index->items, index->count, sizeof(*index->items), compare_targets);
	if (index->count < index->capacity) {      /* one per zone: no room kept */
		struct target *fit = realloc(index->items, (index->count + 1) * sizeof(*fit));

		if (fit) {
			index->items = fit;
			index->capacity = index->count + 1;
		}
	}
	return 0;
}

static void targets_free(struct target_index *index)
{
	for (size_t i = 0; i < index->count; i++)
		target_free(&index->items[i]);
	free(index->items);
	memset(index, 0, sizeof(*index));
}

/* The first target not before `name`. */
static size_t targets_from(const struct target_index *index, const knot_dname_t *name)
{
	size_t lo = 0, hi = index->count;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (zone_name_cmp(index->items[mid].target, name) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* ---- records ---- */

/* What the program reads at an address. */
static void *record_at(struct cache_generation *gen, uint32_t address)
{
	return blob_at(gen->cache->blob, address);
}

/* The cap passed by the maps with a names table of `names_bytes`. */
static int over_cap(const struct cache_generation *gen, uint64_t names_bytes, char *err, size_t errlen)
{
	uint64_t max = gen->cache->max_bytes;
	uint64_t bytes = names_bytes + blob_space_page_bytes(gen->space);

	if (!max || bytes <= max || gen->cache->restoring)
		return 0;
	snprintf(err, errlen, "the answer cache would take %.1f MiB, over the cap of %.1f MiB (answer_cache.max_mib)",
		 bytes / 1048576.0, max / 1048576.0);
	return -1;
}

/* Whether the generation's maps stay within the cap. */
static int check_cap(struct cache_generation *gen, char *err, size_t errlen)
{
	return over_cap(gen, gen->names_table.memlock, err, errlen);
}

static uint32_t alloc_record(struct cache_generation *gen, struct cache_zone *cz, size_t size, char *err,
			     size_t errlen)
{
	uint32_t address = blob_alloc(gen->space, size, err, errlen);

	if (!address)
		return 0;
	if (check_cap(gen, err, errlen)) {
		blob_free(gen->space, address, size);
		return 0;
	}
	cz->usage.bytes += blob_record_size(size);
	return address;
}

static void free_record(struct cache_generation *gen, struct cache_zone *cz, uint32_t address, size_t size)
{
	blob_free(gen->space, address, size);
	cz->usage.bytes -= blob_record_size(size);
}

static uint32_t write_tail(struct cache_generation *gen, struct cache_zone *cz, const struct canonical_tail *t,
			   char *err, size_t errlen)
{
	size_t size = sizeof(t->header) + t->stored;
	uint32_t address = alloc_record(gen, cz, size, err, errlen);
	uint8_t *at;

	if (!address)
		return 0;
	at = record_at(gen, address);
	memcpy(at, &t->header, sizeof(t->header));
	memcpy(at + sizeof(t->header), t->bytes, t->stored);
	return address;
}

/* The zone's copy of a tail, shared: found or written. */
static uint32_t share_tail(struct cache_generation *gen, struct cache_zone *cz, const struct canonical_tail *t,
			   char *err, size_t errlen)
{
	uint64_t hash = tail_hash(t);
	struct tail_entry *first = hmap_get(&cz->tails, hash), *e;

	for (e = first; e; e = e->next) {
		if (stored_tail_is(record_at(gen, e->address), t)) {
			e->refs++;
			return e->address;
		}
	}
	e = malloc(sizeof(*e));
	if (!e) {
		snprintf(err, errlen, "out of memory");
		return 0;
	}
	e->address = write_tail(gen, cz, t, err, errlen);
	e->refs = 1;
	e->next = first;
	if (!e->address || hmap_set(&cz->tails, hash, e)) {
		if (e->address)
			snprintf(err, errlen, "out of memory");
		free(e);
		return 0;
	}
	return e->address;
}

/* One reference less to a shared tail; the last frees it. */
static void unshare_tail(struct cache_generation *gen, struct cache_zone *cz, uint32_t address)
{
	const struct tail_record *stored = record_at(gen, address);
	struct canonical_tail t;
	struct tail_entry *first, **link;
	uint64_t hash;

	if (!stored)
		return;
	memset(&t, 0, sizeof(t));
	t.header = *stored;
	t.stored = tail_record_bytes(stored) - sizeof(*stored);
	memcpy(t.bytes, stored + 1, t.stored);
	hash = tail_hash(&t);
	first = hmap_get(&cz->tails, hash);
	for (link = &first; *link; link = &(*link)->next) {
		struct tail_entry *e = *link;

		if (e->address != address)
			continue;
		if (--e->refs)
			return;
		*link = e->next;
		free(e);
		hmap_set(&cz->tails, hash, first);
		free_record(gen, cz, address, tail_record_bytes(&t.header));
		return;
	}
}

static bool is_shared_answer(const struct cache_zone *cz, uint32_t address)
{
	return address && (address == cz->shared_nodata || address == cz->shared_nxdomain);
}

/* An answer record and its tail. *soa_tail says it carries the SOA in a
 * tail of its own (not the slot's). */
static uint32_t write_answer(struct cache_generation *gen, struct cache_zone *cz, const struct compiled_answer *a,
			     bool *soa_tail, char *err, size_t errlen)
{
	struct canonical_tail tail;
	struct answer_record rec = {
		.header_flags = a->header_flags, .reason = a->reason, .rrl_class = a->rrl_class,
		.flags = a->flags, .ede = a->ede, .head_len = a->head_len, .ancount = a->ancount,
	};
	size_t stored = head_stored(a->head_len);
	uint32_t address;

	rec.head_csum = csum16(a->bytes, stored);
	if (a->flags & (ANSWER_DENIAL_NSEC | ANSWER_DENIAL_NSEC3)) {
		rec.denial = cz->denial.root;
		for (int i = 0; i < XDPCAST_TAIL_PROOFS && rec.denial; i++)
			rec.denial_skip[i] = a->denial_skip[i] ? cz->denial.proofs[a->denial_skip[i] - 1] : 0;
	}
	/* The program appends the qname's proof after a tail: an answer with
	 * none (a wildcard's, with minimal responses) gets an empty one. */
	if (a->tail_len || (a->flags & (ANSWER_DENIAL_NSEC | ANSWER_DENIAL_NSEC3))) {
		if (a->shares < ZONE_SLOT_MAX && cz->slots && cz->slot_tails[a->shares] &&
		    tail_is(a, record_at(gen, cz->slot_tails[a->shares]))) {
			rec.tail = cz->slots;
			rec.slot = a->shares;
			rec.flags |= ANSWER_TAIL_SLOT;
		} else {
			make_canonical(a, &tail);
			rec.tail = share_tail(gen, cz, &tail, err, errlen);
			if (!rec.tail)
				return 0;
			if (a->shares == ZONE_SLOT_NODATA || a->shares == ZONE_SLOT_NXDOMAIN)
				*soa_tail = true;
		}
	}
	/* The NODATA and NXDOMAIN of plain names: the zone's shared ones. */
	for (int i = 0; i < 2 && !stored && (rec.flags & ANSWER_TAIL_SLOT); i++) {
		uint32_t shared = i ? cz->shared_nxdomain : cz->shared_nodata;
		const struct answer_record *s = shared ? record_at(gen, shared) : NULL;

		if (s && !memcmp(s, &rec, sizeof(rec)))
			return shared;
	}
	address = alloc_record(gen, cz, sizeof(rec) + stored, err, errlen);
	if (address) {
		uint8_t *at = record_at(gen, address);

		memcpy(at, &rec, sizeof(rec));
		memcpy(at + sizeof(rec), a->bytes, stored);
	} else if (rec.tail && !(rec.flags & ANSWER_TAIL_SLOT)) {
		unshare_tail(gen, cz, rec.tail);
	}
	return address;
}

static void free_answer(struct cache_generation *gen, struct cache_zone *cz, uint32_t address)
{
	const struct answer_record *a;

	if (!address || is_shared_answer(cz, address))
		return;
	a = record_at(gen, address);
	if (!a)
		return;
	if (a->tail && !(a->flags & ANSWER_TAIL_SLOT))
		unshare_tail(gen, cz, a->tail);
	free_record(gen, cz, address, sizeof(*a) + head_stored(a->head_len));
}

static size_t name_record_bytes(const struct name_record *r)
{
	return xdpcast_record_types_off(r->name_len) + r->type_count * sizeof(struct type_entry);
}

static void free_name(struct cache_generation *gen, struct cache_zone *cz, uint32_t record);

/* The records of one name's answers; the address of its name record. On
 * failure nothing of it stays. */
static uint32_t write_name(struct cache_generation *gen, struct cache_zone *cz, const struct name_answers *n,
			   char *err, size_t errlen)
{
	struct name_record head = { .name_len = knot_dname_size(n->name), .type_count = n->type_count,
				    .flags = n->flags };
	uint32_t answers[XDPCAST_TYPES_MAX], address;
	size_t size = xdpcast_record_types_off(head.name_len) + n->type_count * sizeof(struct type_entry), written = 0;
	bool soa_tail = false;
	uint8_t *at;

	for (size_t i = 0; i < n->type_count; i++) {
		answers[i] = write_answer(gen, cz, &n->types[i].answer, &soa_tail, err, errlen);
		if (!answers[i])
			goto fail;
		written = i + 1;
	}
	if (n->has_other && !(head.other = write_answer(gen, cz, &n->other, &soa_tail, err, errlen)))
		goto fail;
	if (n->has_below && !(head.below = write_answer(gen, cz, &n->below, &soa_tail, err, errlen)))
		goto fail;
	if (n->has_other_dnssec &&
	    !(head.other_dnssec = write_answer(gen, cz, &n->other_dnssec, &soa_tail, err, errlen)))
		goto fail;
	if (n->has_below_dnssec &&
	    !(head.below_dnssec = write_answer(gen, cz, &n->below_dnssec, &soa_tail, err, errlen)))
		goto fail;
	address = alloc_record(gen, cz, size, err, errlen);
	if (!address)
		goto fail;
	at = record_at(gen, address);
	memcpy(at, &head, sizeof(head));
	knot_dname_copy_lower(at + XDPCAST_RECORD_NAME_OFF, n->name);
	for (size_t i = 0; i < n->type_count; i++) {
		struct type_entry e = { .qtype = n->types[i].qtype, .dnssec_ok = n->types[i].dnssec, .answer = answers[i] };

		memcpy(at + xdpcast_record_types_off(head.name_len) + i * sizeof(e), &e, sizeof(e));
	}
	if (soa_tail && name_set_add(&cz->soa_dependents, n->name, address)) {
		snprintf(err, errlen, "out of memory");
		free_name(gen, cz, address);
		return 0;
	}
	return address;
fail:
	for (size_t i = 0; i < written; i++)
		free_answer(gen, cz, answers[i]);
	free_answer(gen, cz, head.other);
	free_answer(gen, cz, head.below);
	free_answer(gen, cz, head.other_dnssec);
	free_answer(gen, cz, head.below_dnssec);
	return 0;
}

/* Frees a name's record and the answers only it uses. */
static void free_name(struct cache_generation *gen, struct cache_zone *cz, uint32_t record)
{
	const struct name_record *r = record_at(gen, record);
	size_t types_off;

	if (!r)
		return;
	types_off = xdpcast_record_types_off(r->name_len);
	name_set_remove(&cz->soa_dependents, (const uint8_t *)r + XDPCAST_RECORD_NAME_OFF, record);
	for (size_t i = 0; i < r->type_count; i++) {
		const struct type_entry *e = (const void *)((const uint8_t *)r + types_off + i * sizeof(*e));

		free_answer(gen, cz, e->answer);
	}
	free_answer(gen, cz, r->other);
	free_answer(gen, cz, r->below);
	free_answer(gen, cz, r->other_dnssec);
	free_answer(gen, cz, r->below_dnssec);
	free_record(gen, cz, record, name_record_bytes(r));
}

/* ---- denial index ---- */

static void denial_index_free(struct cache_generation *gen, struct cache_zone *cz, struct denial_index *index)
{
	for (size_t i = 0; i < index->count; i++)
		free_record(gen, cz, index->records[i], index->sizes[i]);
	free(index->proofs);
	free(index->records);
	free(index->sizes);
	memset(index, 0, sizeof(*index));
}

static uint32_t denial_record(struct cache_generation *gen, struct cache_zone *cz, struct denial_index *index,
			      const void *bytes, size_t size, char *err, size_t errlen)
{
	uint32_t address = alloc_record(gen, cz, size, err, errlen);

	if (!address)
		return 0;
	memcpy(record_at(gen, address), bytes, size);
	index->records[index->count] = address;
	index->sizes[index->count++] = size;
	return address;
}

/* One level of the tree over `n` entries (keys, refs): its nodes, whose
 * first keys and addresses replace the entries. Returns the nodes' count. */
static size_t denial_level(struct cache_generation *gen, struct cache_zone *cz, struct denial_index *index,
			   struct denial_key *keys, uint32_t *refs, size_t n, bool leaf, char *err, size_t errlen)
{
	struct denial_node node;
	size_t nodes = 0;

	for (size_t first = 0; first < n; first += XDPCAST_DENIAL_FANOUT, nodes++) {
		size_t count = n - first < XDPCAST_DENIAL_FANOUT ? n - first : XDPCAST_DENIAL_FANOUT;
		uint32_t address;

		memset(&node, 0, sizeof(node));
		node.count = count;
		node.leaf = leaf;
		memcpy(node.keys, keys + first, count * sizeof(*keys));
		memcpy(node.refs, refs + first, count * sizeof(*refs));
		address = denial_record(gen, cz, index, &node, sizeof(node), err, errlen);
		if (!address)
			return 0;
		keys[nodes] = keys[first];
		refs[nodes] = address;
	}
	return nodes;
}

/*
 * The proofs of `zone` and the tree over them, into *index: the zone being
 * written, which a change writes while cz still holds the one it replaces.
 * A chain the program cannot serve (none, too long, a proof too large to
 * send) leaves the index empty: the answers that need it are passed. -1:
 * no memory or room in the blob.
 */
static int write_denial(struct cache_generation *gen, struct cache_zone *cz, const struct zone *zone,
			struct zone_compiler *zc, struct denial_index *index, char *err, size_t errlen)
{
	const struct denial *d = zone_compiler_denial(zc);
	static uint8_t proof[sizeof(struct proof_record) + KNOT_WIRE_MAX_PKTSIZE];
	struct denial_key *keys = NULL;
	size_t levels = 0, n = d->count;
	uint32_t *refs = NULL;

	memset(index, 0, sizeof(*index));
	if (d->kind == DENIAL_NONE) {
		if (zone->is_signed)
			log_warn("%s: DNSSEC denial (DO=1 negative answers, referrals) left to the server: %s",
				 zone->file, d->why);
		return 0;
	}
	for (size_t span = 1; span < n; span *= XDPCAST_DENIAL_FANOUT)
		levels++;
	if (levels > XDPCAST_DENIAL_DEPTH || (d->kind == DENIAL_NSEC && d->no_index)) {
		log_warn("%s: %s: the proofs that depend on the qname are left to the server", zone->file,
			 d->no_index ? "an NSEC owner name holds a 0 octet" : "more proofs than the index holds");
		return 0;
	}
	index->proofs = calloc(n, sizeof(*index->proofs));
	index->records = calloc(n + n / (XDPCAST_DENIAL_FANOUT - 1) + levels + 1, sizeof(*index->records));
	index->sizes = calloc(n + n / (XDPCAST_DENIAL_FANOUT - 1) + levels + 1, sizeof(*index->sizes));
	keys = calloc(n, sizeof(*keys));
	refs = calloc(n, sizeof(*refs));
	if (!index->proofs || !index->records || !index->sizes || !keys || !refs)
		goto oom;
	for (size_t i = 0; i < n; i++) {
		struct proof_record *head = (struct proof_record *)proof;
		size_t len;
		uint16_t count;

		if (zone_render_proof(zc, i, proof + sizeof(*head), &len, &count) || len > XDPCAST_ANSWER_MAX) {
			char owner[KNOT_DNAME_TXT_MAXLEN];

			knot_dname_to_str(owner, d->proofs[i].rrset->owner, sizeof(owner));
			log_warn("%s: %s: the proof is too large to send; DNSSEC NXDOMAIN left to the server",
				 zone->file, owner);
			denial_index_free(gen, cz, index);
			goto out;
		}
		*head = (struct proof_record){ .len = len, .csum = csum16(proof + sizeof(*head), len), .count = count };
		index->proofs[i] = denial_record(gen, cz, index, proof, sizeof(*head) + len, err, errlen);
		if (!index->proofs[i])
			goto fail;
		keys[i] = d->proofs[i].key;
		refs[i] = index->proofs[i];
	}
	for (bool leaf = true; n > 1 || leaf; leaf = false)
		if (!(n = denial_level(gen, cz, index, keys, refs, n, leaf, err, errlen)))
			goto fail;
	index->root = refs[0];
	((struct denial_node *)record_at(gen, index->root))->last = index->proofs[d->count - 1];
out:
	free(keys);
	free(refs);
	return 0;
oom:
	snprintf(err, errlen, "out of memory");
fail:
	denial_index_free(gen, cz, index);
	free(keys);
	free(refs);
	return -1;
}

/* ---- zones ---- */

static struct name_key key_of(const knot_dname_t *name, uint16_t qclass, uint16_t view)
{
	return (struct name_key){ .name_hash = answer_name_hash(name), .qclass = qclass, .view = view };
}

static uint64_t key_hash(const struct name_key *key)
{
	return hmap_hash(HMAP_HASH_SEED, key, sizeof(*key));
}

/* MNAME and RNAME of a zone's SOA: what its shared SOA tails depend on
 * besides numbers. */
static knot_dname_t *soa_names(const struct zone *zone)
{
	const knot_rdata_t *soa = zone_find(zone, zone->origin, KNOT_RRTYPE_SOA)->rrs.rdata;
	size_t mname = knot_dname_size(knot_soa_primary(soa)), rname = knot_dname_size(knot_soa_mailbox(soa));
	knot_dname_t *both = malloc(mname + rname);

	if (both) {
		memcpy(both, knot_soa_primary(soa), mname);
		memcpy(both + mname, knot_soa_mailbox(soa), rname);
	}
	return both;
}

static bool same_soa_names(const struct cache_zone *cz, const struct zone *zone)
{
	knot_dname_t *now = soa_names(zone);
	const knot_dname_t *then = cz->soa_names;
	size_t size = 0, then_size = 0;
	bool same;

	/* Sizes first: the old names may be shorter than the new ones. */
	if (now)
		size = knot_dname_size(now) + knot_dname_size(now + knot_dname_size(now));
	if (then)
		then_size = knot_dname_size(then) + knot_dname_size(then + knot_dname_size(then));
	same = now && then && size == then_size && !memcmp(now, then, size);

	free(now);
	return same;
}

/*
 * Renders the zone's shared tails (*tails; 0: that slot has no tail), each
 * a reference to the zone's copy of that tail: slots with equal tails (the
 * NODATA and NXDOMAIN authority, an unsigned zone's positive tails) share
 * one. A zone whose origin leaves no room for a neutral name shares none:
 * returns 1.
 */
static int render_slots(struct cache_generation *gen, struct cache_zone *cz, struct zone_compiler *zc,
			uint32_t tails[ZONE_SLOT_MAX], struct compiled_answer answers[ZONE_SLOT_MAX], char *err,
			size_t errlen)
{
	struct canonical_tail template;
	char problem[256];

	memset(tails, 0, ZONE_SLOT_MAX * sizeof(*tails));
	if (zone_compile_slots(zc, answers, problem, sizeof(problem))) {
		log_warn("%s", problem);
		return 1;
	}
	for (int k = 0; k < ZONE_SLOT_MAX; k++) {
		make_canonical(&answers[k], &template);
		if (answers[k].tail_len && !(tails[k] = share_tail(gen, cz, &template, err, errlen))) {
			for (int j = 0; j < k; j++) {
				unshare_tail(gen, cz, tails[j]);
				tails[j] = 0;
			}
			return -1;
		}
	}
	return 0;
}

static void set_slot(struct cache_generation *gen, uint32_t slots, int k, uint32_t tail)
{
	struct zone_slot_word *word = (struct zone_slot_word *)record_at(gen, slots) + k;

	/* One aligned 4-byte store: the program reads the old tail or the new. */
	__atomic_store_n(&word->tail, tail, __ATOMIC_RELEASE);
}

/* A zone's slots, shared answers and target index, before its names. */
static int setup_zone(struct cache_generation *gen, struct cache_zone *cz, struct zone *zone, uint16_t view,
		      struct zone_compiler *zc, char *err, size_t errlen)
{
	struct compiled_answer answers[ZONE_SLOT_MAX];
	int ret;

	cz->zone = zone_ref(zone);
	cz->patches = zone->patches;
	cz->view = view;
	cz->soa_names = soa_names(zone);
	if (!cz->soa_names || build_targets(&cz->targets, zone)) {
		snprintf(err, errlen, "%s: out of memory", zone->file);
		return -1;
	}
	ret = render_slots(gen, cz, zc, cz->slot_tails, answers, err, errlen);
	if (ret)
		return ret < 0 ? -1 : 0;
	cz->slots = alloc_record(gen, cz, ZONE_SLOT_MAX * sizeof(struct zone_slot_word), err, errlen);
	if (!cz->slots)
		return -1;
	for (int k = 0; k < ZONE_SLOT_MAX; k++)
		set_slot(gen, cz->slots, k, cz->slot_tails[k]);
	for (int k = ZONE_SLOT_NODATA; k <= ZONE_SLOT_NXDOMAIN; k++) {
		struct answer_record shared = {
			.header_flags = answers[k].header_flags, .reason = answers[k].reason,
			.rrl_class = answers[k].rrl_class, .flags = answers[k].flags | ANSWER_TAIL_SLOT,
			.tail = cz->slots, .slot = k,
		};
		uint32_t address = alloc_record(gen, cz, sizeof(shared), err, errlen);

		if (!address)
			return -1;
		memcpy(record_at(gen, address), &shared, sizeof(shared));
		*(k == ZONE_SLOT_NODATA ? &cz->shared_nodata : &cz->shared_nxdomain) = address;
	}
	return write_denial(gen, cz, zone, zc, &cz->denial, err, errlen);
}

static int free_tail_chain(uint64_t key, void *value, void *arg)
{
	(void)key;
	(void)arg;
	for (struct tail_entry *e = value, *next; e; e = next) {
		next = e->next;
		free(e);
	}
	return 0;
}

/* The zone's userspace state (its records go with the generation). */
static void zone_state_free(struct cache_zone *cz)
{
	zone_free(cz->zone);
	free(cz->soa_names);
	hmap_each(&cz->tails, free_tail_chain, NULL);
	hmap_free(&cz->tails);
	name_set_free(&cz->soa_dependents);
	targets_free(&cz->targets);
	free(cz->denial.proofs);
	free(cz->denial.records);
	free(cz->denial.sizes);
	memset(cz, 0, sizeof(*cz));
}

static uint64_t zone_key(const knot_dname_t *origin, uint16_t view)
{
	return hmap_hash(hmap_hash(HMAP_HASH_SEED, &view, sizeof(view)), origin, knot_dname_size(origin));
}

static bool is_zone(const struct cache_zone *cz, const knot_dname_t *origin, uint16_t view)
{
	return cz->view == view && knot_dname_is_equal(cz->zone->origin, origin);
}

static struct cache_zone *find_zone(struct cache_generation *gen, const knot_dname_t *origin, uint16_t view)
{
	for (size_t i = hmap_index_first(&gen->zone_index, zone_key(origin, view)); i != HMAP_INDEX_END;
	     i = hmap_index_next(&gen->zone_index, i))
		if (is_zone(&gen->zones[i], origin, view))
			return &gen->zones[i];
	return NULL;
}

static int index_zone(struct cache_generation *gen, size_t i)
{
	return hmap_index_add(&gen->zone_index, zone_key(gen->zones[i].zone->origin, gen->zones[i].view), i);
}

static int reindex_zones(struct cache_generation *gen)
{
	hmap_index_free(&gen->zone_index);
	for (size_t i = 0; i < gen->zone_count; i++)
		if (index_zone(gen, i))
			return -1;
	return 0;
}

/* A zone of `origin` joins the generation, in whichever view. */
static int hold_origin(struct cache_generation *gen, const knot_dname_t *origin)
{
	struct name_entry *e = name_set_find(&gen->origins, origin);

	if (!e)
		return name_set_add(&gen->origins, origin, 1);
	e->record++;
	return 0;
}

static void release_origin(struct cache_generation *gen, const knot_dname_t *origin)
{
	struct name_entry *e = name_set_find(&gen->origins, origin);

	if (e && !--e->record)
		name_set_remove(&gen->origins, origin, 0);
}

/* Whether a zone of the generation holds `name` (zone_served_fn). Any
 * view's zone counts: what the server behind serves to which clients is
 * its own configuration, and leaving a chain to it is always right. */
static bool served_by_generation(const knot_dname_t *name, const void *arg)
{
	const struct cache_generation *gen = arg;

	for (const knot_dname_t *n = name; n; n = knot_wire_next_label(n, NULL)) {
		if (name_set_has(&gen->origins, n))
			return true;
		if (!*n)
			break;
	}
	return false;
}

/* The compiler of a zone of the generation, which follows its zones. */
static struct zone_compiler *compiler_for(struct cache_generation *gen, const struct zone *zone, char *err,
					  size_t errlen)
{
	struct zone_compiler *zc = zone_compiler_new(zone, gen->cache->minimal_responses, err, errlen);

	if (zc)
		zone_compiler_follow_zones(zc, served_by_generation, gen);
	return zc;
}

/* A zone of the generation with a CNAME to a name at or below `origin`,
 * out of its own zone: compiled as the chain alone while no zone of
 * `origin` was served, which NSD follows into one now. */
static const struct cache_zone *cname_into(const struct cache_generation *gen, const knot_dname_t *origin)
{
	for (size_t i = 0; i < gen->zone_count; i++) {
		const struct cache_zone *cz = &gen->zones[i];
		const struct target_index *index = &cz->targets;

		for (size_t k = targets_from(index, origin);
		     k < index->count && knot_dname_in_bailiwick(index->items[k].target, origin) >= 0; k++)
			if (index->items[k].type == KNOT_RRTYPE_CNAME &&
			    knot_dname_in_bailiwick(index->items[k].target, cz->zone->origin) < 0)
				return cz;
	}
	return NULL;
}

/* ---- names of a generation ---- */

/* A name two zones of one view hold (a delegation point and the child
 * zone's apex): userspace, which knows both, answers it. Both records
 * stay unreachable until the generation goes. */
static int claim_collided(struct cache_generation *gen, const knot_dname_t *name, uint16_t view)
{
	struct name_key key = key_of(name, KNOT_CLASS_IN, view);
	char text[KNOT_DNAME_TXT_MAXLEN];

	knot_dname_to_str(text, name, sizeof(text));
	log_warn("%s (view %u) is a name of two zones; left to the userspace server", text, view);
	names_table_set(&gen->names_table, &key, 0);
	return hmap_set(&gen->collided, key_hash(&key), (void *)1);
}

static bool is_collided(const struct cache_generation *gen, const struct name_key *key)
{
	return gen->collided.count && hmap_get(&gen->collided, key_hash(key));
}

/* The names `inner` shares with a zone of its view whose origin is above
 * its own. */
static int claim_nested(struct cache_generation *gen, const struct cache_zone *inner)
{
	for (const knot_dname_t *above = inner->zone->origin; *above;) {
		const struct cache_zone *outer;
		const knot_dname_t *name;
		struct zone_names it;
		size_t first, end;

		above = knot_wire_next_label(above, NULL);
		outer = find_zone(gen, above, inner->view);
		if (!outer)
			continue;
		zone_subtree(outer->zone, inner->zone->origin, &first, &end);
		zone_names_init(&it, outer->zone, inner->zone->origin, first, end);
		while ((name = zone_names_next(&it)))
			if (zone_name_exists(inner->zone, name) && claim_collided(gen, name, inner->view))
				return -1;
	}
	return 0;
}

/* The keys of records written: after the records' pages are in the blob. */
static int flush_keys(struct cache_generation *gen, char *err, size_t errlen)
{
	if (blob_space_commit(gen->space, err, errlen))
		return -1;
	/* A key already there is a 64-bit hash collision: the later name
	 * takes it, the earlier fails the program's check of the name and
	 * goes to userspace. A key without room goes there too. */
	for (size_t i = 0; i < gen->batch_count; i++)
		names_table_set(&gen->names_table, &gen->keys[i], gen->records[i]);
	gen->batch_count = 0;
	return 0;
}

static int queue_key(struct cache_generation *gen, const struct name_key *key, uint32_t record, char *err,
		     size_t errlen)
{
	gen->keys[gen->batch_count] = *key;
	gen->records[gen->batch_count++] = record;
	gen->names++;
	return gen->batch_count == NAMES_BATCH ? flush_keys(gen, err, errlen) : 0;
}

/* Whether the names below `name` (with these RRsets) are not the zone's:
 * a delegation or a DNAME. */
static bool occludes(const struct zone *zone, const knot_dname_t *name, const knot_rrset_t *rrsets, size_t count)
{
	for (size_t i = 0; i < count; i++)
		if ((rrsets[i].type == KNOT_RRTYPE_NS && !knot_dname_is_equal(name, zone->origin)) ||
		    rrsets[i].type == KNOT_RRTYPE_DNAME)
			return true;
	return false;
}

/* Names of a zone the fast path may answer for: below a delegation or a
 * DNAME the names are not ours. */
static size_t count_names(const struct zone *zone)
{
	struct zone_names it;
	const knot_dname_t *name;
	size_t count = 0;

	zone_names_init(&it, zone, zone->origin, 0, zone->rrset_count);
	while ((name = zone_names_next(&it))) {
		count++;
		if (occludes(zone, name, it.rrsets, it.count))
			zone_names_skip_below(&it, name);
	}
	return count;
}

/* Every name of a zone, written. */
static int write_zone(struct cache_generation *gen, struct cache_zone *cz, struct zone_compiler *zc, char *err,
		      size_t errlen)
{
	const struct zone *zone = cz->zone;
	const knot_dname_t *name;
	struct zone_names it;

	zone_names_init(&it, zone, zone->origin, 0, zone->rrset_count);
	while ((name = zone_names_next(&it))) {
		struct name_answers n;
		struct name_key key;
		uint32_t record;
		size_t first, end, own = it.count;
		int ret = zone_compile_name(zc, name, &n, err, errlen);

		if (ret < 0)
			return -1;
		if (ret > 0) {
			cz->left_to_userspace += own;
			continue;
		}
		cz->left_to_userspace += n.left_to_userspace;
		record = write_name(gen, cz, &n, err, errlen);
		key = key_of(name, KNOT_CLASS_IN, cz->view);
		if (!record || queue_key(gen, &key, record, err, errlen))
			return -1;
		cz->usage.entries++;
		if (n.occludes) {
			zone_subtree(zone, name, &first, &end);
			cz->left_to_userspace += end - first - own;
			zone_names_skip_below(&it, name);
		}
	}
	return 0;
}

/* unpublish: its pages leave the blob map (a generation swapped out);
 * else they stay for the program (the cache closed). */
static void generation_release(struct cache_generation *gen, bool unpublish)
{
	if (!gen)
		return;
	for (size_t i = 0; i < gen->zone_count; i++)
		zone_state_free(&gen->zones[i]);
	free(gen->zones);
	zone_state_free(&gen->chaos);
	hmap_free(&gen->collided);
	hmap_index_free(&gen->zone_index);
	name_set_free(&gen->origins);
	if (unpublish)
		blob_space_free(gen->space);
	else
		blob_space_forget(gen->space);
	names_table_close(&gen->names_table);
	free(gen->keys);
	free(gen->records);
	free(gen);
}

static void generation_free(struct cache_generation *gen)
{
	generation_release(gen, true);
}

void cache_discard(struct cache_generation *gen)
{
	if (gen) {
		struct blob *blob = gen->cache->blob;

		generation_free(gen);
		blob_unmap(blob);
	}
}

struct chaos_writer {
	struct cache_generation *gen;
	char *err;
	size_t errlen;
};

static int write_chaos_name(const struct name_answers *n, void *arg)
{
	struct chaos_writer *w = arg;
	struct cache_generation *gen = w->gen;
	struct name_key key = key_of(n->name, KNOT_CLASS_CH, 0);
	uint32_t record = write_name(gen, &gen->chaos, n, w->err, w->errlen);

	if (!record || queue_key(gen, &key, record, w->err, w->errlen))
		return -1;
	gen->chaos.usage.entries++;
	return 0;
}

/* A zone's origin taken in its view by one built before. */
static int check_origin(struct cache_generation *gen, const struct cache_source *source, char *err, size_t errlen)
{
	const struct cache_zone *other = find_zone(gen, source->zone->origin, source->view);
	char name[KNOT_DNAME_TXT_MAXLEN];

	if (!other)
		return 0;
	knot_dname_to_str(name, source->zone->origin, sizeof(name));
	snprintf(err, errlen, "%s: zone %s is already loaded from %s", source->zone->file, name, other->zone->file);
	return -1;
}

struct cache_generation *cache_build(struct cache *cache, const struct cache_source *sources, size_t count,
				     const char *identity, char *err, size_t errlen)
{
	struct cache_generation *gen = calloc(1, sizeof(*gen));
	struct chaos_writer chaos = { gen, err, errlen };
	size_t names = 4;       /* the CHAOS names */

	err[0] = '\0';
	if (gen)
		gen->zone_capacity = count + 1;
	if (!gen || !(gen->zones = calloc(gen->zone_capacity, sizeof(*gen->zones))) ||
	    !(gen->keys = malloc(NAMES_BATCH * sizeof(*gen->keys))) ||
	    !(gen->records = malloc(NAMES_BATCH * sizeof(*gen->records))) ||
	    !(gen->space = blob_space_new(cache->blob))) {
		snprintf(err, errlen, "out of memory");
		if (gen)
			gen->names_table.fd = -1;
		generation_free(gen);
		return NULL;
	}
	gen->cache = cache;
	gen->names_table.fd = -1;
	for (size_t i = 0; i < count; i++) {
		names += count_names(sources[i].zone);
		if (hold_origin(gen, sources[i].zone->origin))   /* all, before any chain is compiled */
			goto fail;
	}
	gen->names_capacity = names + NAMES_HEADROOM(names);
	if (names_table_create(&gen->names_table, &cache->maps.names_btf, gen->names_capacity, err, errlen))
		goto fail;
	if (check_cap(gen, err, errlen))
		goto fail;
	for (size_t i = 0; i < count; i++) {
		struct cache_zone *cz;
		struct zone_compiler *zc;
		int ret;

		if (check_origin(gen, &sources[i], err, errlen))
			goto fail;
		cz = &gen->zones[gen->zone_count++];
		zc = compiler_for(gen, sources[i].zone, err, errlen);
		ret = zc ? setup_zone(gen, cz, sources[i].zone, sources[i].view, zc, err, errlen) : -1;

		if (!ret && index_zone(gen, gen->zone_count - 1))
			ret = -1;
		if (!ret)
			ret = write_zone(gen, cz, zc, err, errlen);
		zone_compiler_free(zc);
		if (ret)
			goto fail;
	}
	if (identity && answers_chaos(identity, write_chaos_name, &chaos, err, errlen))
		goto fail;
	if (flush_keys(gen, err, errlen))
		goto fail;
	for (size_t i = 0; i < gen->zone_count; i++)
		if (claim_nested(gen, &gen->zones[i]))
			goto fail;
	return gen;
fail:
	if (!err[0])
		snprintf(err, errlen, "out of memory");
	cache_discard(gen);
	return NULL;
}

int cache_publish(struct cache *cache, struct cache_generation *gen, char *err, size_t errlen)
{
	__u32 slot = 0;

	if (blob_space_commit(gen->space, err, errlen))
		return -1;
	/* The swap: from here packets use the new generation. The update
	 * returns once no program run can still hold the old names table
	 * (kernel/bpf/syscall.c, maybe_wait_bpf_programs), so its records
	 * can go at once. */
	if (bpf_map_update_elem(cache->maps.generation_fd, &slot, &gen->names_table.fd, BPF_ANY)) {
		snprintf(err, errlen, "swapping in the new answer cache: %s", strerror(errno));
		return -1;
	}
	generation_free(cache->current);
	cache->current = gen;
	names_table_unmap(&gen->names_table);
	blob_unmap(cache->blob);
	return 0;
}

struct cache *cache_open(const struct cache_maps *maps, uint64_t max_bytes, bool minimal_responses, char *err,
			 size_t errlen)
{
	struct cache *cache = calloc(1, sizeof(*cache));

	if (!cache) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	cache->maps = *maps;
	cache->max_bytes = max_bytes;
	cache->minimal_responses = minimal_responses;
	cache->blob = blob_open(maps->blob_fd, maps->blob_pages, &maps->page_btf, err, errlen);
	if (!cache->blob) {
		free(cache);
		return NULL;
	}
	return cache;
}

void cache_close(struct cache *cache)
{
	if (!cache)
		return;
	/* The generation in force stays in the program's maps: a daemon that
	 * hands over leaves the program answering from it. */
	generation_release(cache->current, false);
	blob_close(cache->blob);
	free(cache);
}

/* ---- usage ---- */

static uint64_t names_share(const struct cache_generation *gen, uint64_t entries)
{
	uint64_t names = gen->names > gen->names_capacity ? gen->names : gen->names_capacity;

	/* In floating point: entries * memlock passes 2^64 near 10^9 names. */
	return names ? (uint64_t)((double)entries * gen->names_table.memlock / names) : 0;
}

int cache_zone_usage(const struct cache *cache, const knot_dname_t *origin, uint16_t view,
		     struct cache_usage *usage)
{
	struct cache_zone *cz = cache->current ? find_zone(cache->current, origin, view) : NULL;

	if (!cz)
		return -1;
	usage->entries = cz->usage.entries;
	usage->bytes = cz->usage.bytes + names_share(cache->current, cz->usage.entries);
	return 0;
}

void cache_usage(const struct cache *cache, struct cache_usage *usage)
{
	const struct cache_generation *gen = cache->current;

	usage->entries = gen ? gen->names : 0;
	usage->bytes = (gen ? gen->names_table.memlock : 0) + blob_map_bytes(cache->blob);
}

size_t cache_left_to_userspace(const struct cache *cache)
{
	size_t left = 0;

	if (!cache->current)
		return 0;
	for (size_t i = 0; i < cache->current->zone_count; i++)
		left += cache->current->zones[i].left_to_userspace;
	return left + cache->current->names_table.unplaced.count;
}

/* ---- in place ---- */

/* One in-place change of a zone: what it marks, writes and replaces. */
struct change {
	struct cache_generation *gen;
	struct cache_zone *cz;
	const struct zone *zone;        /* the zone's new content */
	struct zone_compiler *zc;
	struct name_set dirty;          /* names whose records are written again */
	const knot_dname_t **work;      /* the same, to visit */
	size_t work_count, work_capacity;
	bool whole;                     /* every name of the zone */
	bool soa;                       /* the SOA changed: new negative slot tails */
	struct name_key *keys;          /* keys to set (records) or delete (record 0) */
	uint32_t *records;
	uint32_t *old;                  /* records replaced, freed after a grace period */
	size_t count, capacity;
	unsigned slots_changed;         /* bit k: slot k gets the zone's new slot_tails[k] */
	uint32_t replaced_tails[ZONE_SLOT_MAX];  /* what those slots held, freed after a grace period */
	bool denial_changed;            /* a new denial index: the old one is freed after a grace period */
	struct denial_index replaced_denial;
	int64_t added;                  /* names gained */
};

static int mark(struct change *c, const knot_dname_t *name)
{
	const knot_dname_t **work;

	if (name_set_has(&c->dirty, name))
		return 0;
	if (name_set_add(&c->dirty, name, 0))
		return -1;
	if (!(work = array_room(c->work, c->work_count, &c->work_capacity, sizeof(*work))))
		return -1;
	c->work = work;
	/* The set's own copy, which stays put while the set grows. */
	for (struct name_entry *e = hmap_get(&c->dirty.map, answer_name_hash(name)); e; e = e->next)
		if (knot_dname_is_equal(e->name, name))
			c->work[c->work_count++] = e->name;
	return 0;
}

/* Owners whose CNAME, NS, MX or SRV target is at or below `name`. */
static int mark_targets_below(struct change *c, const knot_dname_t *name)
{
	const struct target_index *index = &c->cz->targets;

	for (size_t i = targets_from(index, name);
	     i < index->count && knot_dname_in_bailiwick(index->items[i].target, name) >= 0; i++)
		if (mark(c, index->items[i].owner))
			return -1;
	return 0;
}

/* The names of a zone from `top` down; below a delegation or DNAME only
 * when `all` (names that stop being ours must be found too). */
static int mark_names(struct change *c, const struct zone *zone, const knot_dname_t *top, bool all)
{
	const knot_dname_t *name;
	struct zone_names it;
	size_t first, end;

	zone_subtree(zone, top, &first, &end);
	zone_names_init(&it, zone, top, first, end);
	while ((name = zone_names_next(&it))) {
		if (mark(c, name))
			return -1;
		if (!all && occludes(zone, name, it.rrsets, it.count))
			zone_names_skip_below(&it, name);
	}
	return 0;
}

static bool was_name(const struct change *c, const knot_dname_t *name)
{
	struct name_key key = key_of(name, KNOT_CLASS_IN, c->cz->view);
	uint32_t record;

	return names_table_get(&c->gen->names_table, &key, &record);
}

/*
 * The names whose answers may depend on one changed RRset: its owner and
 * the owner's ancestors (names appear, disappear, gain a wildcard child);
 * everything below a delegation or DNAME that came or went; the CNAME
 * chains ending below an ancestor that came or went, or below the parent
 * of a wildcard.
 */
static int mark_change(struct change *c, const struct zone_change *ch)
{
	const knot_dname_t *origin = c->zone->origin;
	const knot_dname_t *owner = ch->owner;

	if (knot_dname_in_bailiwick(owner, origin) < 0)
		return 0;
	if (knot_dname_is_equal(owner, origin)) {
		if (ch->type == KNOT_RRTYPE_SOA)
			c->soa = true;
		if (ch->type == KNOT_RRTYPE_NS || (ch->type == KNOT_RRTYPE_RRSIG && ch->covered == KNOT_RRTYPE_NS) ||
		    (ch->type == KNOT_RRTYPE_SOA && !same_soa_names(c->cz, c->zone)))
			c->whole = true;        /* every answer's shared tails change shape */
	} else if (ch->type == KNOT_RRTYPE_NS || ch->type == KNOT_RRTYPE_DNAME) {
		if (mark_names(c, c->zone, owner, true) || mark_targets_below(c, owner))
			return -1;
	}
	if (ch->type == KNOT_RRTYPE_DNAME && (mark_names(c, c->zone, owner, true) || mark_targets_below(c, owner)))
		return -1;
	if (zone_name_is_wildcard(owner) && mark_targets_below(c, knot_wire_next_label(owner, NULL)))
		return -1;
	for (const knot_dname_t *n = owner;; n = knot_wire_next_label(n, NULL)) {
		if (mark(c, n))
			return -1;
		if (knot_dname_is_equal(n, origin))
			break;
		if (was_name(c, n) != zone_name_exists(c->zone, n) && mark_targets_below(c, n))
			return -1;
	}
	return 0;
}

/* Who depends on a marked name: owners of CNAME, NS, MX, KX, RT, SRV and MB records
 * that point at it, and who depends on those, to the end of every chain. */
static int mark_dependents(struct change *c)
{
	const struct target_index *index = &c->cz->targets;

	for (size_t w = 0; w < c->work_count; w++) {
		const knot_dname_t *name = c->work[w];

		for (size_t i = targets_from(index, name);
		     i < index->count && knot_dname_is_equal(index->items[i].target, name); i++)
			if (mark(c, index->items[i].owner))
				return -1;
	}
	return 0;
}

/* Whether what stands for `name`, a name of the zone that does not
 * exist, may have changed: a wildcard above it was marked, or a name
 * between came or went (the closest encloser, whose wildcard child
 * would stand for it, moved). Its addresses are then a name server's
 * glue from another wildcard, or none. */
static bool expansion_changed(const struct change *c, const knot_dname_t *name)
{
	const knot_dname_t *origin = c->zone->origin;
	knot_dname_t wildcard[KNOT_DNAME_MAXLEN];

	if (knot_dname_in_bailiwick(name, origin) <= 0 || zone_name_exists(c->zone, name))
		return false;
	for (const knot_dname_t *n = name; !knot_dname_is_equal(n, origin);) {
		n = knot_wire_next_label(n, NULL);
		if (!knot_dname_is_equal(n, origin) && was_name(c, n) != zone_name_exists(c->zone, n))
			return true;
		if (zone_wildcard_of(n, wildcard) && name_set_has(&c->dirty, wildcard))
			return true;
	}
	return false;
}

/* Glue of the apex NS is in every positive answer's shared tail. */
static bool marks_apex_glue(const struct change *c)
{
	const knot_rrset_t *ns = zone_find(c->zone, c->zone->origin, KNOT_RRTYPE_NS);
	const knot_rdata_t *rd = ns ? ns->rrs.rdata : NULL;

	for (uint16_t i = 0; ns && i < ns->rrs.count; i++, rd = knot_rdataset_next((knot_rdata_t *)rd)) {
		knot_dname_t lower[KNOT_DNAME_MAXLEN];

		knot_dname_copy_lower(lower, knot_ns_name(rd));
		if (name_set_has(&c->dirty, lower) || expansion_changed(c, lower))
			return true;
	}
	return false;
}

static int stage(struct change *c, const struct name_key *key, uint32_t record, uint32_t old)
{
	if (c->count == c->capacity) {
		size_t cap = c->capacity ? c->capacity * 2 : 64;
		struct name_key *keys = realloc(c->keys, cap * sizeof(*keys));
		uint32_t *records, *olds;

		if (!keys)
			return -1;
		c->keys = keys;
		if (!(records = realloc(c->records, cap * sizeof(*records))))
			return -1;
		c->records = records;
		if (!(olds = realloc(c->old, cap * sizeof(*olds))))
			return -1;
		c->old = olds;
		c->capacity = cap;
	}
	c->keys[c->count] = *key;
	c->records[c->count] = record;
	c->old[c->count++] = old;
	c->added += (record != 0) - (old != 0);
	return 0;
}

/*
 * The record the key of `name` leads to now: 0 for none. -1 when the key
 * belongs to something else: a name two zones hold, or another name with
 * the same 64-bit hash (which keeps it).
 */
static int64_t current_record(struct cache_generation *gen, const struct name_key *key, const knot_dname_t *name)
{
	const struct name_record *r;
	uint32_t record;

	if (is_collided(gen, key))
		return -1;
	if (!names_table_get(&gen->names_table, key, &record))
		return 0;
	r = record_at(gen, record);
	if (!r || r->name_len != knot_dname_size(name) ||
	    memcmp((const uint8_t *)r + XDPCAST_RECORD_NAME_OFF, name, r->name_len))
		return -1;
	return record;
}

/* The new records of one marked name. */
static int rewrite(struct change *c, const knot_dname_t *name, char *err, size_t errlen)
{
	struct name_key key = key_of(name, KNOT_CLASS_IN, c->cz->view);
	int64_t current = current_record(c->gen, &key, name);
	uint32_t record = 0;
	struct name_answers n;
	int ret;

	if (current < 0)
		return 0;
	ret = zone_compile_name(c->zc, name, &n, err, errlen);
	if (ret < 0)
		return -1;
	if (ret == 0 && !(record = write_name(c->gen, c->cz, &n, err, errlen)))
		return -1;
	if (!record && !current) {
		/* No key, none to come: a key that found no room is no
		 * longer left to userspace. */
		names_table_delete(&c->gen->names_table, &key);
		return 0;
	}
	if (stage(c, &key, record, current)) {
		if (record)
			free_name(c->gen, c->cz, record);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	return 0;
}

/*
 * New slot tails rendered from the zone's new SOA (and apex NS): from here
 * on the zone's templates, what the names written next are compared to;
 * the slots themselves switch with the names.
 */
static int rewrite_slots(struct change *c, char *err, size_t errlen)
{
	struct compiled_answer answers[ZONE_SLOT_MAX];
	uint32_t tails[ZONE_SLOT_MAX];
	int ret;

	if (!c->cz->slots)
		return 0;
	ret = render_slots(c->gen, c->cz, c->zc, tails, answers, err, errlen);
	if (ret)
		return ret < 0 ? -1 : 0;
	for (int k = 0; k < ZONE_SLOT_MAX; k++) {
		bool keep = !c->whole && k < ZONE_SLOT_NODATA;  /* positive tails: only with the apex NS */

		if (keep || tails[k] == c->cz->slot_tails[k]) {
			unshare_tail(c->gen, c->cz, tails[k]);
			continue;
		}
		c->slots_changed |= 1u << k;
		c->replaced_tails[k] = c->cz->slot_tails[k];
		c->cz->slot_tails[k] = tails[k];
	}
	return 0;
}

/* Undoes the records written for a change that does not go in force:
 * nothing led to them, so they are reusable at once. */
static void abandon(struct change *c)
{
	for (size_t i = 0; i < c->count; i++)
		if (c->records[i])
			free_name(c->gen, c->cz, c->records[i]);
	for (int k = 0; k < ZONE_SLOT_MAX; k++) {
		if (!(c->slots_changed & (1u << k)))
			continue;
		unshare_tail(c->gen, c->cz, c->cz->slot_tails[k]);
		c->cz->slot_tails[k] = c->replaced_tails[k];
	}
	if (c->denial_changed) {
		denial_index_free(c->gen, c->cz, &c->cz->denial);
		c->cz->denial = c->replaced_denial;
		c->denial_changed = false;
	}
	blob_space_reclaim(c->gen->space);
	blob_unmap(c->gen->cache->blob);
}

/*
 * Puts the written records in force: keys (set, then deleted), then slots;
 * after a grace period frees what they replaced.
 */
static int switch_in(struct change *c, char *err, size_t errlen)
{
	struct cache_generation *gen = c->gen;
	bool freed = false;

	if (blob_space_commit(gen->space, err, errlen))
		return -1;
	/* Keys to set first, keys to delete after. A new key without room
	 * leaves its name to userspace: nothing led to its record. */
	for (size_t i = 0; i < c->count; i++)
		if (c->records[i] && !names_table_set(&gen->names_table, &c->keys[i], c->records[i])) {
			free_name(gen, c->cz, c->records[i]);
			c->records[i] = 0;
			c->added--;
		}
	for (size_t i = 0; i < c->count; i++)
		if (!c->records[i] && c->old[i])
			names_table_delete(&gen->names_table, &c->keys[i]);
	for (int k = 0; k < ZONE_SLOT_MAX; k++) {
		if (!(c->slots_changed & (1u << k)))
			continue;
		set_slot(gen, c->cz->slots, k, c->cz->slot_tails[k]);
		freed |= c->replaced_tails[k] != 0;
	}
	for (size_t i = 0; i < c->count && !freed; i++)
		freed = c->old[i] != 0;
	freed |= c->denial_changed && c->replaced_denial.count;
	if (freed && blob_wait_for_readers(gen->cache->blob, err, errlen)) {
		/* In force, but the old records cannot be reused safely: keep them. */
		log_error("%s", err);
		return 0;
	}
	for (int k = 0; k < ZONE_SLOT_MAX; k++)
		if (c->slots_changed & (1u << k))
			unshare_tail(gen, c->cz, c->replaced_tails[k]);
	for (size_t i = 0; i < c->count; i++)
		if (c->old[i])
			free_name(gen, c->cz, c->old[i]);
	if (c->denial_changed)
		denial_index_free(gen, c->cz, &c->replaced_denial);
	c->denial_changed = false;
	blob_space_reclaim(gen->space);
	return 0;
}

static int compare_names(const void *a, const void *b)
{
	return zone_name_cmp(*(const knot_dname_t *const *)a, *(const knot_dname_t *const *)b);
}

/* The index after a change: the entries of every rewritten name replaced
 * by its RRsets' targets in the zone's new content. */
static int update_targets(struct change *c)
{
	struct target_index *index = &c->cz->targets, fresh = { 0 };
	struct name_set owners = { 0 };
	size_t kept = 0, i, j, out;
	struct target *merged;
	int ret = -1;

	if (c->whole) {
		if (build_targets(&fresh, c->zone))
			goto out;
		targets_free(index);
		*index = fresh;
		return 0;
	}
	for (size_t w = 0; w < c->work_count; w++) {
		size_t n;
		const knot_rrset_t *rrsets = zone_rrsets_of(c->zone, c->work[w], &n);

		if (name_set_add(&owners, c->work[w], 0))
			goto out;
		for (size_t k = 0; k < n; k++)
			if (index_rrset(&fresh, c->zone, &rrsets[k]))
				goto out;
	}
	for (i = 0; i < index->count; i++) {
		if (name_set_has(&owners, index->items[i].owner))
			target_free(&index->items[i]);
		else
			index->items[kept++] = index->items[i];
	}
	index->count = kept;
	if (!fresh.count) {
		ret = 0;
		goto out;
	}
	if (fresh.count)
		qsort(fresh.items, fresh.count, sizeof(*fresh.items), compare_targets);
	merged = malloc((kept + fresh.count) * sizeof(*merged));
	if (!merged)
		goto out;
	for (i = j = out = 0; i < kept || j < fresh.count;)
		merged[out++] = j == fresh.count || (i < kept && compare_targets(&index->items[i], &fresh.items[j]) <= 0) ?
				index->items[i++] : fresh.items[j++];
	free(index->items);
	index->items = merged;
	index->count = index->capacity = out;
	free(fresh.items);
	fresh = (struct target_index){ 0 };
	ret = 0;
out:
	targets_free(&fresh);
	name_set_free(&owners);
	return ret;
}

static void change_free(struct change *c)
{
	zone_compiler_free(c->zc);
	name_set_free(&c->dirty);
	free(c->work);
	free(c->keys);
	free(c->records);
	free(c->old);
}

/* Marks every name of the zone, the old content's too. */
static int mark_whole(struct change *c, const struct zone *before, const struct zone_changes *changes)
{
	/* Changed in place, the zone shows no names it had: below its cuts
	 * and DNAMEs too, names the change may have occluded lose their keys. */
	if (mark_names(c, c->zone, c->zone->origin, before == c->zone) ||
	    (before != c->zone && mark_names(c, before, before->origin, false)))
		return -1;
	for (size_t i = 0; changes && i < changes->count; i++)
		for (const knot_dname_t *n = changes->items[i].owner;
		     knot_dname_in_bailiwick(n, c->zone->origin) >= 0; n = knot_wire_next_label(n, NULL)) {
			if (mark(c, n))
				return -1;
			if (!*n)
				break;
		}
	return 0;
}

/* The marked names the fast path answers for in the zone now and the
 * names table has not: at most the keys a change adds. */
static size_t new_keys(const struct change *c)
{
	size_t count = 0;

	for (size_t i = 0; i < c->work_count; i++)
		count += zone_compiler_serves(c->zc, c->work[i]) && !was_name(c, c->work[i]);
	return count;
}

/*
 * The names table of the generation in force made anew for `capacity`
 * keys from the one in force and swapped in; the records stay where they
 * are. CACHE_NEEDS_BUILD when it would pass the cap (a build may pack the
 * records tighter), or when a key found no room (names_table_remake).
 */
static int remake_names_table(struct cache_generation *gen, uint64_t capacity, char *err, size_t errlen)
{
	struct cache *cache = gen->cache;
	struct names_table *table = &gen->names_table, fresh;
	double started = clock_monotonic();
	__u32 slot = 0;
	int ret;

	ret = names_table_remake(&fresh, table, &cache->maps.names_btf, capacity, err, errlen);
	if (ret)
		return ret > 0 ? CACHE_NEEDS_BUILD : -1;
	if (over_cap(gen, fresh.memlock, err, errlen)) {
		names_table_close(&fresh);
		return CACHE_NEEDS_BUILD;
	}
	/* As at a publish: the update returns once no program run holds the
	 * old table. */
	if (bpf_map_update_elem(cache->maps.generation_fd, &slot, &fresh.fd, BPF_ANY)) {
		snprintf(err, errlen, "swapping in the remade names table: %s", strerror(errno));
		names_table_close(&fresh);
		return -1;
	}
	log_info("answer cache: names table remade for %llu names in %.0f ms (%llu held, %llu deleted keys' slots left behind)",
		 (unsigned long long)capacity, (clock_monotonic() - started) * 1000,
		 (unsigned long long)names_table_keys(table), (unsigned long long)table->emptied);
	names_table_close(table);
	*table = fresh;
	gen->names_capacity = capacity;
	return 0;
}

/*
 * Room for `keys` new keys in the names table of the generation in force.
 * Its room is spent by new keys and by the slots deleted keys leave
 * (reused only by keys whose lines they are on): names that come and go,
 * a growing catalog. Then a table for the keys it holds and these, with
 * a build's headroom, is made from it (*remade set).
 */
static int make_names_room(struct cache_generation *gen, size_t keys, bool *remade, char *err, size_t errlen)
{
	uint64_t names = names_table_keys(&gen->names_table) + keys;
	int ret;

	if (names_table_has_room(&gen->names_table, keys))
		return 0;
	ret = remake_names_table(gen, names + NAMES_HEADROOM(names), err, errlen);
	*remade = !ret;
	return ret;
}

/* After a change that made the names table anew failed: a table for the
 * keys it holds again, so that a refused change leaves no larger table
 * counted against the cap. If that fails, the larger one stays (never a
 * wrong answer). */
static void unmake_names_room(struct cache_generation *gen)
{
	uint64_t names = names_table_keys(&gen->names_table);
	char err[256];

	if (remake_names_table(gen, names + NAMES_HEADROOM(names), err, sizeof(err)))
		log_info("answer cache: the names table made for a change that failed stays: %s", err);
}

static int change_zone(struct cache_generation *gen, struct cache_zone *cz, struct zone *zone,
		       const struct zone_changes *changes, char *err, size_t errlen)
{
	struct change c = { .gen = gen, .cz = cz, .zone = zone };
	struct zone_changes between = { 0 };
	const struct zone *before = cz->zone;
	int ret = -1;
	/* Changes given for a zone object patched in place are its last
	 * patch's: with one before it not written, it is written whole. */
	bool was_stale = cz->stale || (zone == before && changes && zone->patches != cz->patches + 1), new_denial;
	bool remade = false;

	err[0] = '\0';
	if (zone != before) {
		if (zone_changes_between(before, zone, &between))
			goto oom;
		changes = &between;
	}
	/* In a signed zone a name's proofs hang on its neighbours in the
	 * chain of denial: any change may touch any answer. */
	c.whole = was_stale || !changes || zone->is_signed || before->is_signed;
	cz->stale = false;
	new_denial = c.whole;
	c.zc = compiler_for(gen, zone, err, errlen);
	if (!c.zc)
		goto fail;
	for (size_t i = 0; changes && i < changes->count && !c.whole; i++)
		if (mark_change(&c, &changes->items[i]))
			goto oom;
	if (!c.whole && mark_dependents(&c))
		goto oom;
	if (!c.whole && marks_apex_glue(&c))
		c.whole = true;
	if (c.whole && mark_whole(&c, before, changes))
		goto oom;
	if (c.soa && !c.whole) {
		struct name_set *deps = &cz->soa_dependents;

		for (size_t i = 0; i < deps->map.capacity; i++)
			for (struct name_entry *e = deps->map.keys[i] ? deps->map.values[i] : NULL; e; e = e->next)
				if (mark(&c, e->name))
					goto oom;
	}
	/* Room for the names that come, before a record is written: a change
	 * that cannot go in takes no memory the undoing of others needs. An
	 * undoing itself is not refused: a key without room is passed. */
	if (!gen->cache->restoring && (ret = make_names_room(gen, new_keys(&c), &remade, err, errlen)))
		goto fail;
	ret = -1;
	if (new_denial) {
		c.replaced_denial = cz->denial;
		c.denial_changed = true;
		if (write_denial(gen, cz, zone, c.zc, &cz->denial, err, errlen))
			goto fail;
	}
	if ((c.soa || c.whole) && rewrite_slots(&c, err, errlen))
		goto fail;
	/* Canonical order: parents are written before their children. */
	if (c.work_count)
		qsort(c.work, c.work_count, sizeof(*c.work), compare_names);
	for (size_t i = 0; i < c.work_count; i++)
		if (rewrite(&c, c.work[i], err, errlen))
			goto fail;
	if (switch_in(&c, err, errlen))
		goto fail;
	gen->names += c.added;
	cz->usage.entries += c.added;
	if (update_targets(&c)) {
		log_error("%s: out of memory indexing CNAME and additional targets; the next change rewrites it whole",
			  zone->file);
		cz->stale = true;
	}
	if (zone != before) {
		zone_free(cz->zone);
		cz->zone = zone_ref(zone);
	}
	cz->patches = zone->patches;
	if (c.soa || c.whole) {
		knot_dname_t *names_now = soa_names(zone);

		if (names_now) {
			free(cz->soa_names);
			cz->soa_names = names_now;
		}
	}
	log_debug("%s: %zu names rewritten in place%s", zone->file, c.count, c.whole ? " (whole zone)" : "");
	blob_unmap(gen->cache->blob);
	ret = c.count;
	goto out;
oom:
	snprintf(err, errlen, "out of memory");
fail:
	if (!err[0])
		snprintf(err, errlen, "out of memory");
	abandon(&c);
	if (remade)
		unmake_names_room(gen);
	/* A zone changed in place no longer matches the answers in force. */
	cz->stale = was_stale || zone == before;
out:
	change_free(&c);
	zone_changes_clear(&between);
	return ret;
}

/* CACHE_NEEDS_BUILD, err saying why: "zone A <relation> zone B: <done> by
 * a new generation". */
static int needs_build(const knot_dname_t *a, const char *relation, const knot_dname_t *b, const char *done,
		       char *err, size_t errlen)
{
	char a_name[KNOT_DNAME_TXT_MAXLEN], b_name[KNOT_DNAME_TXT_MAXLEN];

	knot_dname_to_str(a_name, a, sizeof(a_name));
	knot_dname_to_str(b_name, b, sizeof(b_name));
	snprintf(err, errlen, "zone %s %s zone %s: %s by a new generation", a_name, relation, b_name, done);
	return CACHE_NEEDS_BUILD;
}

/* Another zone of cz's view whose origin is at, below or above cz's. */
static const struct cache_zone *nested_with(const struct cache_generation *gen, const knot_dname_t *origin,
					    uint16_t view, const struct cache_zone *self)
{
	for (size_t i = 0; i < gen->zone_count; i++) {
		const struct cache_zone *other = &gen->zones[i];

		if (other != self && other->view == view &&
		    (knot_dname_in_bailiwick(other->zone->origin, origin) >= 0 ||
		     knot_dname_in_bailiwick(origin, other->zone->origin) >= 0))
			return other;
	}
	return NULL;
}

/* The changes in place map the names table while they run (map_table):
 * mapped all the time, its pages would count in the daemon's RSS (as the
 * blob's would). */
static int add_zone(struct cache *cache, struct zone *zone, uint16_t view, char *err, size_t errlen);
static int remove_zone(struct cache *cache, const knot_dname_t *origin, uint16_t view, char *err, size_t errlen);

static int update_zone(struct cache *cache, struct zone *zone, uint16_t view, const struct zone_changes *changes,
		       char *err, size_t errlen)
{
	struct cache_zone *cz = find_zone(cache->current, zone->origin, view);
	const struct cache_zone *other;

	if (!cz)
		return add_zone(cache, zone, view, err, errlen);
	/* Names two zones hold (claim_nested) and the records each zone
	 * owns are settled by a build; a change in place would rewrite the
	 * other zone's records as its own. */
	other = nested_with(cache->current, zone->origin, view, cz);
	if (other)
		return needs_build(zone->origin, "nests with", other->zone->origin, "changed", err, errlen);
	return change_zone(cache->current, cz, zone, changes, err, errlen);
}

bool cache_zone_current(const struct cache *cache, const struct zone *zone, uint16_t view)
{
	const struct cache_zone *cz = cache->current ? find_zone(cache->current, zone->origin, view) : NULL;

	return cz && cz->zone == zone && cz->patches == zone->patches && !cz->stale;
}

static int add_zone(struct cache *cache, struct zone *zone, uint16_t view, char *err, size_t errlen)
{
	struct cache_generation *gen = cache->current;
	size_t names = count_names(zone);
	const struct cache_zone *other;
	struct cache_zone *zones, *cz;
	struct zone_compiler *zc;
	bool remade = false;
	int ret;

	err[0] = '\0';
	if (find_zone(gen, zone->origin, view)) {
		char name[KNOT_DNAME_TXT_MAXLEN];

		knot_dname_to_str(name, zone->origin, sizeof(name));
		snprintf(err, errlen, "%s: zone %s is already loaded", zone->file, name);
		return -1;
	}
	other = cname_into(gen, zone->origin);
	if (other)
		return needs_build(other->zone->origin, "has CNAMEs into", zone->origin, "added", err, errlen);
	/* The name two nested zones hold (the delegation point, the child's
	 * apex) is claimed by a build (claim_nested); written in place, the
	 * later zone's key would take it over. */
	other = nested_with(gen, zone->origin, view, NULL);
	if (other)
		return needs_build(zone->origin, "nests with", other->zone->origin, "added", err, errlen);
	ret = make_names_room(gen, names, &remade, err, errlen);
	if (ret)
		return ret;
	if (!(zones = array_room(gen->zones, gen->zone_count, &gen->zone_capacity, sizeof(*zones)))) {
		snprintf(err, errlen, "out of memory");
		goto refused;
	}
	gen->zones = zones;
	if (hold_origin(gen, zone->origin)) {
		snprintf(err, errlen, "out of memory");
		goto refused;
	}
	zc = compiler_for(gen, zone, err, errlen);
	if (!zc) {
		release_origin(gen, zone->origin);
		goto refused;
	}
	cz = memset(&gen->zones[gen->zone_count], 0, sizeof(*cz));
	ret = setup_zone(gen, cz, zone, view, zc, err, errlen);   /* it takes the zone first */
	gen->zone_count++;
	if (index_zone(gen, gen->zone_count - 1)) {
		snprintf(err, errlen, "out of memory");
		ret = -1;
	}
	if (!ret)
		ret = write_zone(gen, cz, zc, err, errlen) || flush_keys(gen, err, errlen);
	zone_compiler_free(zc);
	if (!ret) {
		blob_unmap(cache->blob);
		return cz->usage.entries;
	}
	/* Keys still queued never went in: their records go now, or the next
	 * zone's flush would put them in force. Keys flushed stay in force:
	 * take the zone out again. */
	for (size_t i = 0; i < gen->batch_count; i++)
		free_name(gen, cz, gen->records[i]);
	gen->names -= gen->batch_count;
	gen->batch_count = 0;
	blob_unmap(cache->blob);
	remove_zone(cache, zone->origin, view, err + strlen(err), errlen - strlen(err));
refused:
	if (remade)
		unmake_names_room(gen);
	return -1;
}

static int remove_zone(struct cache *cache, const knot_dname_t *origin, uint16_t view, char *err, size_t errlen)
{
	struct cache_generation *gen = cache->current;
	struct cache_zone *cz = find_zone(gen, origin, view);
	struct change c = { .gen = gen, .cz = cz };
	int ret = -1;

	if (!cz)
		return 0;
	c.zone = cz->zone;
	if (mark_names(&c, cz->zone, origin, false))
		goto oom;
	for (size_t i = 0; i < c.work_count; i++) {
		struct name_key key = key_of(c.work[i], KNOT_CLASS_IN, view);
		int64_t current = current_record(gen, &key, c.work[i]);

		if (!current)
			names_table_delete(&gen->names_table, &key);     /* one that found no room */
		if (current > 0 && stage(&c, &key, 0, current))
			goto oom;
	}
	if (switch_in(&c, err, errlen))
		goto out;
	for (int k = 0; cz->slots && k < ZONE_SLOT_MAX; k++)
		unshare_tail(gen, cz, cz->slot_tails[k]);
	free_record(gen, cz, cz->slots, ZONE_SLOT_MAX * sizeof(struct zone_slot_word));
	free_record(gen, cz, cz->shared_nodata, sizeof(struct answer_record));
	free_record(gen, cz, cz->shared_nxdomain, sizeof(struct answer_record));
	denial_index_free(gen, cz, &cz->denial);
	blob_space_reclaim(gen->space);
	gen->names += c.added;
	/* Chains other zones left to userspace for it stay so: always right. */
	release_origin(gen, origin);
	zone_state_free(cz);
	memmove(cz, cz + 1, (gen->zones + gen->zone_count - cz - 1) * sizeof(*cz));
	gen->zone_count--;
	if (reindex_zones(gen))
		log_error("out of memory indexing the answer cache's zones");
	ret = c.count;
	goto out;
oom:
	snprintf(err, errlen, "out of memory");
out:
	blob_unmap(cache->blob);
	change_free(&c);
	return ret;
}

/* The names table of the generation in force, mapped for a change. */
static struct names_table *map_table(struct cache *cache, char *err, size_t errlen)
{
	if (!cache->current) {
		snprintf(err, errlen, "no generation of the answer cache is in force");
		return NULL;
	}
	return names_table_map(&cache->current->names_table, err, errlen) ? NULL : &cache->current->names_table;
}

int cache_change_zone(struct cache *cache, struct zone *zone, uint16_t view, const struct zone_changes *changes,
		      char *err, size_t errlen)
{
	struct names_table *table = map_table(cache, err, errlen);
	int ret;

	if (!table)
		return -1;
	ret = update_zone(cache, zone, view, changes, err, errlen);
	names_table_unmap(table);
	return ret;
}

int cache_add_zone(struct cache *cache, struct zone *zone, uint16_t view, char *err, size_t errlen)
{
	struct names_table *table = map_table(cache, err, errlen);
	int ret;

	if (!table)
		return -1;
	ret = add_zone(cache, zone, view, err, errlen);
	names_table_unmap(table);
	return ret;
}

int cache_remove_zone(struct cache *cache, const knot_dname_t *origin, uint16_t view, char *err, size_t errlen)
{
	struct names_table *table;
	int ret;

	if (!cache->current)
		return 0;
	if (!(table = map_table(cache, err, errlen)))
		return -1;
	ret = remove_zone(cache, origin, view, err, errlen);
	names_table_unmap(table);
	return ret;
}

int cache_restore_zone(struct cache *cache, struct zone *zone, uint16_t view, char *err, size_t errlen)
{
	int ret;

	cache->restoring = true;
	ret = cache_change_zone(cache, zone, view, NULL, err, errlen);
	cache->restoring = false;
	return ret;
}
