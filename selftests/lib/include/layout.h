/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A set of DMA mappings described in pages: where each one sits in IOVA
 * space and which bits it owns in a bitmap over a range. Tests describe the
 * layout once; mapping it and predicting the bitmap are both derived from it.
 */
#ifndef VFIO_DIRTY_LAYOUT_H
#define VFIO_DIRTY_LAYOUT_H

#include "types.h"

#include "backing.h"
#include "container.h"

struct dma_region {
	u64 page;		/* first page, relative to the layout's base IOVA */
	u64 npages;
};

struct layout {
	u64 base_iova;
	u64 pgsize;
	const struct dma_region *regions;
	int nr;
};

/*
 * The suite's standard awkward layout: four mappings at page offsets that
 * are not multiples of 64 inside a range of LAYOUT_HOLES_PAGES pages, with
 * holes between them and at both ends, so every bit lands shifted
 * (DP-RNG-06) and hole bits share words with mapped ones.
 */
#define LAYOUT_HOLES_NR		4
#define LAYOUT_HOLES_PAGES	300
extern const struct dma_region layout_holes[LAYOUT_HOLES_NR];

static inline struct layout layout_holes_at(u64 base_iova, u64 pgsize)
{
	struct layout l = {
		.base_iova = base_iova,
		.pgsize = pgsize,
		.regions = layout_holes,
		.nr = LAYOUT_HOLES_NR,
	};

	return l;
}

/* Pages of memory the layout needs (its regions back to back). */
u64 layout_pages(const struct layout *l);

static inline u64 layout_iova(const struct layout *l, u64 page)
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
void layout_expect_all(const struct layout *l, u64 first, u64 npages,
		       u64 *want);

#endif
