// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <bpf/bpf.h>

#include "array.h"
#include "blob.h"

#define PAGE_VALUE_SIZE sizeof(struct blob_page)
#define SIZE_CLASSES (XDPCAST_BLOB_RECORD_MAX / XDPCAST_BLOB_ALIGN + 1)
#define COMMIT_BATCH 256        /* new pages (open fds) put into the outer map at once */

struct page {
	uint8_t *map;           /* mmapped, or NULL */
	int fd;                 /* -1 once the page is in xdpcast_blob */
	struct blob_space *owner;
};

struct blob {
	int outer_fd;
	uint32_t max_pages;
	struct map_btf btf;
	struct page *pages;     /* by page number; 0 is never used, so no address is 0 */
	uint32_t page_count;    /* pages in use */
	uint32_t *free_numbers; /* page numbers to reuse */
	size_t free_count;
	uint32_t next_number;
	int placeholder_fd;     /* what released slots hold, and the wait for readers */
	uint64_t page_memlock;  /* kernel memory of one page */
	uint32_t *mapped;       /* page numbers mapped since blob_unmap */
	size_t mapped_count, mapped_capacity;
};

struct address_list {
	uint32_t *items;
	size_t count, capacity;
};

struct blob_space {
	struct blob *blob;
	struct address_list pages;      /* its page numbers */
	size_t uncommitted;             /* the last ones, not in the outer map yet */
	uint32_t current;               /* the page filled last */
	uint32_t used;                  /* bytes of it in use */
	struct address_list free[SIZE_CLASSES];    /* reusable, by size / 8 */
	struct address_list pending[SIZE_CLASSES]; /* freed, waiting for a grace period */
	bool has_pending;
	uint64_t used_bytes;
};

static int push(struct address_list *list, uint32_t value)
{
	uint32_t *items = array_room(list->items, list->count, &list->capacity, sizeof(*items));

	if (!items)
		return -1;
	list->items = items;
	items[list->count++] = value;
	return 0;
}

static int create_page(const struct blob *blob)
{
	LIBBPF_OPTS(bpf_map_create_opts, opts, .map_flags = BPF_F_MMAPABLE);

	if (blob->btf.fd >= 0) {
		opts.btf_fd = blob->btf.fd;
		opts.btf_key_type_id = blob->btf.key_type_id;
		opts.btf_value_type_id = blob->btf.value_type_id;
	}
	return bpf_map_create(BPF_MAP_TYPE_ARRAY, "xdpcast_page", sizeof(__u32), PAGE_VALUE_SIZE, 1, &opts);
}

uint64_t map_memlock(int fd)
{
	unsigned long long memlock = 0;
	char path[64], line[256];
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	f = fopen(path, "r");
	while (f && fgets(line, sizeof(line), f))
		sscanf(line, "memlock: %llu", &memlock);
	if (f)
		fclose(f);
	return memlock;
}

struct blob *blob_open(int outer_fd, uint32_t max_pages, const struct map_btf *btf, char *err, size_t errlen)
{
	struct blob *blob = calloc(1, sizeof(*blob));

	if (!blob || !(blob->pages = calloc(max_pages, sizeof(*blob->pages))) ||
	    !(blob->free_numbers = calloc(max_pages, sizeof(*blob->free_numbers)))) {
		if (blob)
			free(blob->pages);
		free(blob);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	for (uint32_t i = 0; i < max_pages; i++)
		blob->pages[i].fd = -1;
	blob->outer_fd = outer_fd;
	blob->max_pages = max_pages;
	blob->btf = btf ? *btf : (struct map_btf){ .fd = -1 };
	blob->next_number = 1;
	blob->placeholder_fd = create_page(blob);
	if (blob->placeholder_fd < 0) {
		snprintf(err, errlen, "creating a blob page: %s", strerror(errno));
		free(blob->pages);
		free(blob->free_numbers);
		free(blob);
		return NULL;
	}
	blob->page_memlock = map_memlock(blob->placeholder_fd);
	return blob;
}

void blob_close(struct blob *blob)
{
	if (!blob)
		return;
	blob_unmap(blob);
	for (uint32_t i = 0; i < blob->max_pages; i++)
		if (blob->pages[i].fd >= 0)
			close(blob->pages[i].fd);
	close(blob->placeholder_fd);
	free(blob->pages);
	free(blob->free_numbers);
	free(blob->mapped);
	free(blob);
}

uint64_t blob_map_bytes(const struct blob *blob)
{
	return (uint64_t)blob->page_count * blob->page_memlock;
}

uint32_t blob_page_count(const struct blob *blob)
{
	return blob->page_count;
}

int blob_wait_for_readers(struct blob *blob, char *err, size_t errlen)
{
	__u32 slot = 0;

	/* Slot 0 never holds a page (no address is 0). Updating a map-in-map
	 * returns only after a synchronize_rcu() (kernel/bpf/syscall.c,
	 * maybe_wait_bpf_programs), and every XDP run is an RCU read-side
	 * critical section. */
	if (bpf_map_update_elem(blob->outer_fd, &slot, &blob->placeholder_fd, BPF_ANY)) {
		snprintf(err, errlen, "waiting for program runs: %s", strerror(errno));
		return -1;
	}
	return 0;
}

static uint8_t *map_page(struct blob *blob, uint32_t number)
{
	struct page *p = &blob->pages[number];
	int fd = p->fd;
	uint32_t *mapped;
	void *map;

	if (p->map)
		return p->map;
	if (fd < 0) {
		__u32 id;

		if (bpf_map_lookup_elem(blob->outer_fd, &number, &id) || (fd = bpf_map_get_fd_by_id(id)) < 0)
			return NULL;
	}
	if (!(mapped = array_room(blob->mapped, blob->mapped_count, &blob->mapped_capacity, sizeof(*mapped))))
		goto fail;
	blob->mapped = mapped;
	map = mmap(NULL, PAGE_VALUE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (map == MAP_FAILED)
		goto fail;
	if (fd != p->fd)
		close(fd);
	p->map = map;
	blob->mapped[blob->mapped_count++] = number;
	return p->map;
fail:
	if (fd != p->fd)
		close(fd);
	return NULL;
}

void *blob_at(struct blob *blob, uint32_t address)
{
	uint32_t number = xdpcast_address_page(address);
	uint8_t *page;

	if (!number || number >= blob->max_pages)
		return NULL;
	page = map_page(blob, number);
	return page ? page + xdpcast_address_offset(address) : NULL;
}

/* Drops pages that are no longer mapped from the list of mapped ones. */
static void forget_unmapped(struct blob *blob)
{
	size_t out = 0;

	for (size_t i = 0; i < blob->mapped_count; i++)
		if (blob->pages[blob->mapped[i]].map)
			blob->mapped[out++] = blob->mapped[i];
	blob->mapped_count = out;
}

void blob_unmap(struct blob *blob)
{
	for (size_t i = 0; i < blob->mapped_count; i++) {
		struct page *p = &blob->pages[blob->mapped[i]];

		if (p->map)
			munmap(p->map, PAGE_VALUE_SIZE);
		p->map = NULL;
	}
	blob->mapped_count = 0;
}

struct blob_space *blob_space_new(struct blob *blob)
{
	struct blob_space *space = calloc(1, sizeof(*space));

	if (space)
		space->blob = blob;
	return space;
}

static int new_page(struct blob_space *space, char *err, size_t errlen)
{
	struct blob *blob = space->blob;
	uint32_t number;
	struct page *p;

	if (space->uncommitted == COMMIT_BATCH && blob_space_commit(space, err, errlen))
		return -1;
	if (blob->free_count)
		number = blob->free_numbers[--blob->free_count];
	else if (blob->next_number < blob->max_pages)
		number = blob->next_number++;
	else {
		snprintf(err, errlen, "the answer cache is full: %u pages of %u KiB", blob->max_pages - 1,
			 XDPCAST_BLOB_PAGE_SIZE / 1024);
		return -1;
	}
	p = &blob->pages[number];
	p->fd = create_page(blob);
	if (p->fd < 0 || push(&space->pages, number)) {
		snprintf(err, errlen, "creating a blob page: %s", strerror(p->fd < 0 ? errno : ENOMEM));
		if (p->fd >= 0)
			close(p->fd);
		p->fd = -1;
		blob->free_numbers[blob->free_count++] = number;  /* room: it came from there or is new */
		return -1;
	}
	p->owner = space;
	blob->page_count++;
	space->uncommitted++;
	space->current = number;
	space->used = 0;
	if (!map_page(blob, number)) {
		snprintf(err, errlen, "mapping a blob page: %s", strerror(errno));
		return -1;
	}
	return 0;
}

uint32_t blob_alloc(struct blob_space *space, size_t size, char *err, size_t errlen)
{
	size_t bytes = blob_record_size(size);
	struct address_list *reuse = &space->free[bytes / XDPCAST_BLOB_ALIGN];
	uint32_t address;
	uint8_t *at;

	if (!bytes || bytes > XDPCAST_BLOB_RECORD_MAX) {
		snprintf(err, errlen, "a record of %zu bytes does not fit a blob page", size);
		return 0;
	}
	if (reuse->count) {
		address = reuse->items[--reuse->count];
	} else {
		if (!space->current || space->used >= XDPCAST_BLOB_PAGE_SIZE ||
		    space->used + bytes > sizeof(struct blob_page)) {
			if (new_page(space, err, errlen))
				return 0;
		}
		address = xdpcast_address(space->current, space->used);
		space->used += bytes;
	}
	at = blob_at(space->blob, address);
	if (!at) {
		snprintf(err, errlen, "mapping a blob page: %s", strerror(errno));
		return 0;
	}
	memset(at, 0, bytes);
	space->used_bytes += bytes;
	return address;
}

int blob_space_commit(struct blob_space *space, char *err, size_t errlen)
{
	struct blob *blob = space->blob;
	size_t first = space->pages.count - space->uncommitted;
	__u32 count = space->uncommitted;
	int *fds;

	if (!count)
		return 0;
	fds = malloc(count * sizeof(*fds));
	if (!fds) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (size_t i = 0; i < count; i++)
		fds[i] = blob->pages[space->pages.items[first + i]].fd;
	if (bpf_map_update_batch(blob->outer_fd, &space->pages.items[first], fds, &count, NULL)) {
		snprintf(err, errlen, "putting blob pages in place: %s", strerror(errno));
		free(fds);
		return -1;
	}
	for (size_t i = 0; i < space->uncommitted; i++) {
		close(fds[i]);
		blob->pages[space->pages.items[first + i]].fd = -1;
	}
	free(fds);
	space->uncommitted = 0;
	return 0;
}

void blob_free(struct blob_space *space, uint32_t address, size_t size)
{
	size_t bytes = blob_record_size(size);

	if (!address)
		return;
	/* Out of memory here only leaks the record until the space goes. */
	if (push(&space->pending[bytes / XDPCAST_BLOB_ALIGN], address) == 0)
		space->has_pending = true;
	space->used_bytes -= bytes;
}

void blob_space_reclaim(struct blob_space *space)
{
	for (size_t c = 0; c < SIZE_CLASSES && space->has_pending; c++) {
		struct address_list *from = &space->pending[c];

		while (from->count && push(&space->free[c], from->items[from->count - 1]) == 0)
			from->count--;
	}
	space->has_pending = false;
}

bool blob_space_has_pending(const struct blob_space *space)
{
	return space->has_pending;
}

uint64_t blob_space_used(const struct blob_space *space)
{
	return space->used_bytes;
}

uint64_t blob_space_page_bytes(const struct blob_space *space)
{
	return (uint64_t)space->pages.count * space->blob->page_memlock;
}

static void space_free(struct blob_space *space, bool unpublish)
{
	struct blob *blob;
	__u32 count;
	int *fds;

	if (!space)
		return;
	blob = space->blob;
	count = space->pages.count - space->uncommitted;
	/* Committed pages leave the outer map for the placeholder (the kernel
	 * frees them once unmapped); the others were never there. */
	fds = unpublish ? malloc((count ? count : 1) * sizeof(*fds)) : NULL;
	for (size_t i = 0; fds && i < count; i++)
		fds[i] = blob->placeholder_fd;
	if (count && fds)
		bpf_map_update_batch(blob->outer_fd, space->pages.items, fds, &count, NULL);
	free(fds);
	for (size_t i = 0; i < space->pages.count; i++) {
		uint32_t number = space->pages.items[i];
		struct page *p = &blob->pages[number];

		if (p->map)
			munmap(p->map, PAGE_VALUE_SIZE);
		if (p->fd >= 0)
			close(p->fd);
		*p = (struct page){ .fd = -1 };
		blob->free_numbers[blob->free_count++] = number;
		blob->page_count--;
	}
	forget_unmapped(blob);
	free(space->pages.items);
	for (size_t c = 0; c < SIZE_CLASSES; c++) {
		free(space->free[c].items);
		free(space->pending[c].items);
	}
	free(space);
}

void blob_space_free(struct blob_space *space)
{
	space_free(space, true);
}

void blob_space_forget(struct blob_space *space)
{
	space_free(space, false);
}
