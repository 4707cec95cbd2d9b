// SPDX-License-Identifier: GPL-2.0-only
/*
 * DMA layouts: map them, and predict the bitmap the kernel must report.
 */
#include <errno.h>

#include "bitmap.h"
#include "layout.h"

const struct dma_region layout_holes[LAYOUT_HOLES_NR] = {
	{ .page = 3, .npages = 10 },
	{ .page = 20, .npages = 70 },
	{ .page = 130, .npages = 1 },
	{ .page = 200, .npages = 64 },
};

u64 layout_pages(const struct layout *l)
{
	u64 n = 0;
	int i;

	for (i = 0; i < l->nr; i++)
		n += l->regions[i].npages;
	return n;
}

int __layout_map(const struct layout *l, struct container *c, const struct backing *b)
{
	u64 off = 0;
	int i, r;

	for (i = 0; i < l->nr; i++) {
		const struct dma_region *d = &l->regions[i];
		u64 size = d->npages * l->pgsize;

		if (off + size > b->size)
			return -ENOMEM;
		r = __container_map(c, layout_iova(l, d->page), (char *)b->addr + off, size,
				    VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE);
		if (r)
			return r;
		off += size;
	}
	return 0;
}

void layout_expect_all(const struct layout *l, u64 first, u64 npages,
		       u64 *want)
{
	u64 end = first + npages;
	int i;

	for (i = 0; i < l->nr; i++) {
		const struct dma_region *d = &l->regions[i];

		if (d->page >= first && d->page + d->npages <= end)
			bitmap_set_range(want, d->page - first, d->npages);
	}
}
