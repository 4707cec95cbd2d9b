/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Memory backings for DMA mappings. A backing the host cannot provide is
 * reported with a reason, and the test SKIPs with it.
 */
#ifndef VFIO_DIRTY_BACKING_H
#define VFIO_DIRTY_BACKING_H

#include <stdbool.h>
#include <stddef.h>
#include "types.h"

enum backing_kind {
	BACKING_ANON,		/* anonymous, 4K pages (THP disabled by madvise) */
	BACKING_THP,		/* anonymous, transparent huge pages */
	BACKING_HUGETLB_2M,	/* MAP_HUGETLB, 2 MiB pages */
	BACKING_HUGETLB_1G,	/* MAP_HUGETLB, 1 GiB pages */
	BACKING_MEMFD,		/* memfd_create(), shared mapping, 4K pages */
	BACKING_NR,
};

/*
 * X-macro over every backing: X(args..., variant_name, kind). Tests stamp one
 * FIXTURE_VARIANT per backing from it instead of copying them by hand.
 */
#define FOR_EACH_BACKING(X, ...)			\
	X(__VA_ARGS__, anon, BACKING_ANON)		\
	X(__VA_ARGS__, thp, BACKING_THP)		\
	X(__VA_ARGS__, hugetlb_2m, BACKING_HUGETLB_2M)	\
	X(__VA_ARGS__, hugetlb_1g, BACKING_HUGETLB_1G)	\
	X(__VA_ARGS__, memfd, BACKING_MEMFD)

struct backing {
	enum backing_kind kind;
	void *addr;		/* start of the usable, page_size-aligned area */
	size_t size;		/* usable bytes: the request rounded up to page_size */
	size_t page_size;	/* the backing's page size */
	void *map;		/* what was mmap()ed, for munmap() */
	size_t map_len;
	int fd;			/* memfd, or -1 */
	bool pooled;		/* the process's 1 GiB hugetlb page (backing.c) */
};

const char *backing_name(enum backing_kind kind);
size_t backing_page_size(enum backing_kind kind);

/*
 * The harness timeout, in seconds, of a case that may allocate a 1 GiB
 * hugetlb backing: the first fault of that page after boot also faults in
 * 1 GiB of guest RAM on the host, which took 6 to 19 s in the VM lab and
 * more than the harness's default 30 s on a busy host.
 */
#define BACKING_1G_TIMEOUT	120

/* backing_alloc(): the host cannot give this backing. */
#define BACKING_ABSENT	1

/*
 * Allocates and touches at least @size bytes. The contents are unspecified:
 * a 1 GiB hugetlb backing is the process's one page, shared from case to
 * case (MAP_SHARED), with what the last case left in it. Returns 0; BACKING_ABSENT
 * with a @reason that starts with the backing's capability token when the
 * host cannot give it (no such hugepage size, too few free hugepages, THP
 * disabled or not given); or -errno with a @reason when an allocation that
 * should work fails.
 */
int backing_alloc(struct backing *b, enum backing_kind kind, size_t size,
		  char *reason, size_t reason_len);
/*
 * backing_alloc() for memory nothing pins, an emulated container's: its
 * pages are faulted in where a vendor driver writes them, not here (THP:
 * the first huge page, to check it is one). Hugetlb pages are reserved by
 * mmap() all the same, so a shortage is still a BACKING_ABSENT here. Under
 * TCG faulting in 1 GiB takes seconds that such a test does not need.
 */
int backing_alloc_unpopulated(struct backing *b, enum backing_kind kind, size_t size,
			      char *reason, size_t reason_len);
void backing_free(struct backing *b);

#endif
