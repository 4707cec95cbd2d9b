/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A set of DMA mappings described in pages: where each one sits in IOVA
 * space and which bits it owns in a bitmap over a range. Tests describe the
 * layout once; mapping it and predicting the bitmap are both derived from it.
 */
#ifndef VFIO_DIRTY_LAYOUT_H
#define VFIO_DIRTY_LAYOUT_H

#include <stdint.h>

#include "backing.h"
#include "container.h"

struct dma_region {
	uint64_t page;		/* first page, relative to the layout's base IOVA */
	uint64_t npages;
};

struct layout {
	uint64_t base_iova;
	uint64_t pgsize;
	const struct dma_region *regions;
	int nr;
};

/* Pages of memory the layout needs (its regions back to back). */
uint64_t layout_pages(const struct layout *l);

static inline uint64_t layout_iova(const struct layout *l, uint64_t page)
{
	return l->base_iova + page * l->pgsize;
}

/*
 * Maps every region read/write from consecutive parts of @b. Returns 0, or
 * the -errno of the first MAP that fails (earlier regions stay mapped).
 */
int __layout_map(const struct layout *l, struct container *c, const struct backing *b);

/*
 * Sets in @want the bits of every page of every region that lies inside the
 * range of @npages pages starting at page @first, indexed from @first.
 */
void layout_expect_all(const struct layout *l, uint64_t first, uint64_t npages,
		       uint64_t *want);

#endif
