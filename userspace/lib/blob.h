/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The blob: records of any size (up to XDPCAST_BLOB_RECORD_MAX) in pages
 * of `xdpcast_blob`, an array of maps whose inner maps are one-element
 * arrays the loader writes through mmap. A record is named by its blob
 * address (bpf/xdpcast.h).
 *
 * Records are allocated from a space (one per generation of the cache): a
 * space owns its pages, so a generation that is swapped out frees them all
 * at once. Within a space, records freed by an in-place update are reused
 * only after a grace period (blob_space_reclaim), when no program run can
 * still read them.
 */
#ifndef XDPCAST_BLOB_H
#define XDPCAST_BLOB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "xdpcast.h"

/* The BTF of the page map template, so bpftool shows the pages' type. */
struct map_btf {
	int fd;                 /* the program's BTF object, -1: none */
	uint32_t key_type_id;
	uint32_t value_type_id;
};

struct blob;
struct blob_space;

/* The kernel memory a map holds, as it reports it (memlock in fdinfo). */
uint64_t map_memlock(int map_fd);

/* The pages of `outer_fd` (xdpcast_blob), at most max_pages of them. */
struct blob *blob_open(int outer_fd, uint32_t max_pages, const struct map_btf *btf, char *err, size_t errlen);
void blob_close(struct blob *blob);

/* Kernel memory of the pages in use, as each map reports it (memlock). */
uint64_t blob_map_bytes(const struct blob *blob);
uint32_t blob_page_count(const struct blob *blob);

/*
 * Waits until no program run that started before the call can still be
 * running (an RCU grace period: the kernel's wait for programs after an
 * update of a map-in-map). Records unlinked before the call may then be
 * reused.
 */
int blob_wait_for_readers(struct blob *blob, char *err, size_t errlen);

/* Where a record can be read and written; maps its page if needed. */
void *blob_at(struct blob *blob, uint32_t address);

/* Unmaps the pages mapped since the last call (they stay in the kernel). */
void blob_unmap(struct blob *blob);

struct blob_space *blob_space_new(struct blob *blob);

/*
 * A new record of `size` bytes (rounded up to 8), zeroed; its address, or
 * 0 with a message when out of pages or past the space's limit. Its page is
 * in `xdpcast_blob` once blob_space_commit returns.
 */
uint32_t blob_alloc(struct blob_space *space, size_t size, char *err, size_t errlen);

/* Puts every new page of the space into `xdpcast_blob` (one wait for
 * readers per batch of pages, not per page). */
int blob_space_commit(struct blob_space *space, char *err, size_t errlen);

/* A record no key or slot leads to any more: reusable after the next grace
 * period. */
void blob_free(struct blob_space *space, uint32_t address, size_t size);

/* Records freed before the last blob_wait_for_readers become reusable. */
void blob_space_reclaim(struct blob_space *space);

/* Records freed since the last blob_space_reclaim, not reused yet. */
bool blob_space_has_pending(const struct blob_space *space);

/* Bytes of records in use (rounded to 8) and of pages the space holds. */
uint64_t blob_space_used(const struct blob_space *space);
uint64_t blob_space_page_bytes(const struct blob_space *space);

/* Frees the space's pages: call only when no key or slot leads into them
 * and after a grace period (a swapped-out generation). */
void blob_space_free(struct blob_space *space);

/* Lets go of the space's pages but leaves them in the outer map: the
 * program keeps answering from them (a daemon that hands over). */
void blob_space_forget(struct blob_space *space);

/* Bytes a record of `size` takes in the blob. */
static inline size_t blob_record_size(size_t size)
{
	return (size + XDPCAST_BLOB_ALIGN - 1) & ~(size_t)(XDPCAST_BLOB_ALIGN - 1);
}

#endif
