// SPDX-License-Identifier: GPL-2.0-only
/*
 * The container model of dirty_fuzz_test (model.h). Each rule names the
 * requirement of type1-dirty.md it follows.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <linux/vfio.h>

#include "bitmap.h"
#include "container.h"
#include "model.h"

#define DIRTY_FLAGS	(VFIO_IOMMU_DIRTY_PAGES_FLAG_START | VFIO_IOMMU_DIRTY_PAGES_FLAG_STOP | \
			 VFIO_IOMMU_DIRTY_PAGES_FLAG_GET_BITMAP)
#define UNMAP_FLAGS	(VFIO_DMA_UNMAP_FLAG_GET_DIRTY_BITMAP | VFIO_DMA_UNMAP_FLAG_ALL | \
			 VFIO_DMA_UNMAP_FLAG_VADDR)

void model_init(struct model *m, u64 pg, bool all_dirty, bool new_gen)
{
	memset(m, 0, sizeof(*m));
	m->pg = pg;
	m->all_dirty = all_dirty;
	m->new_gen = new_gen;
	m->skew_from = ~0ULL;
}

static u64 map_end(const struct model_map *d, u64 pg)
{
	return d->iova + d->npages * pg;
}

int model_find(const struct model *m, u64 iova)
{
	int i;

	for (i = 0; i < m->nmaps; i++) {
		if (iova >= m->map[i].iova && iova < map_end(&m->map[i], m->pg))
			return i;
	}
	return -1;
}

bool model_overlaps(const struct model *m, u64 iova, u64 size)
{
	int i;

	for (i = 0; i < m->nmaps; i++) {
		if (iova < map_end(&m->map[i], m->pg) && m->map[i].iova < iova + size)
			return true;
	}
	return false;
}

bool model_bisects(const struct model *m, u64 iova, u64 size)
{
	int d = model_find(m, iova);

	if (d >= 0 && m->map[d].iova != iova)
		return true;
	d = model_find(m, iova + size - 1);
	return d >= 0 && map_end(&m->map[d], m->pg) != iova + size;
}

int model_map(struct model *m, u64 iova, u64 npages, const char **req)
{
	struct model_map *d;
	int i;

	if (model_overlaps(m, iova, npages * m->pg)) {
		*req = "DP-BIT-02: a vfio_dma is never merged or split (spec 0.2)";
		return -EEXIST;
	}
	*req = "DP-BIT-02";
	if (m->nmaps == MODEL_MAX_MAPS || npages > MODEL_MAX_PAGES || !npages)
		return -E2BIG;	/* the generator never asks: a bug of the test */
	for (i = m->nmaps; i > 0 && m->map[i - 1].iova > iova; i--)
		m->map[i] = m->map[i - 1];
	d = &m->map[i];
	memset(d, 0, sizeof(*d));
	d->iova = iova;
	d->npages = npages;
	m->nmaps++;
	return 0;
}

/* verify_bitmap_size() with npages from the user's page size (DP-ARG-15, DP-UNM-07). */
static bool bitmap_size_ok(u64 size, u64 pgsize, u64 bsize)
{
	u64 npages;

	if (!pgsize)
		return false;	/* __ffs(0): EINVAL either way (DP-ARG-15) */
	npages = size >> __builtin_ctzll(pgsize);
	return npages && bsize && bsize <= DIRTY_BITMAP_SIZE_MAX && bsize >= bitmap_bytes(npages);
}

static void start(struct model *m)
{
	int i;

	/* DP-ARG-08: a second START changes nothing */
	if (m->tracking)
		return;
	/* DP-ARG-07, DP-BIT-01: zeroed, then every pinned page */
	m->tracking = true;
	for (i = 0; i < m->nmaps; i++)
		memcpy(m->map[i].dirty, m->map[i].pinned, sizeof(m->map[i].dirty));
}

static void stop(struct model *m)
{
	int i;

	/* DP-ARG-10, DP-BIT-10: idempotent, all state lost */
	m->tracking = false;
	m->shifted = false;
	for (i = 0; i < m->nmaps; i++) {
		memset(m->map[i].dirty, 0, sizeof(m->map[i].dirty));
		m->map[i].skewed = false;	/* the kernel frees the bitmaps */
	}
}

int model_dirty(struct model *m, const struct model_args *a, const char **req)
{
	u32 f = a->flags;

	if (!a->hdr_ok)
		return *req = "DP-ARG-02", -EFAULT;
	if (a->argsz < 8)
		return *req = "DP-ARG-03", -EINVAL;
	if (f & ~DIRTY_FLAGS)
		return *req = "DP-ARG-04", -EINVAL;
	if (!f)
		return *req = "DP-ARG-06", -EINVAL;
	if (f & (f - 1))
		return *req = "DP-ARG-05", -EINVAL;
	if (f == VFIO_IOMMU_DIRTY_PAGES_FLAG_START) {
		*req = m->tracking ? "DP-ARG-08" : "DP-ARG-07";
		start(m);
		return 0;
	}
	if (f == VFIO_IOMMU_DIRTY_PAGES_FLAG_STOP) {
		*req = "DP-ARG-10";
		stop(m);
		return 0;
	}
	if (a->argsz < sizeof(struct dirty_get_arg))
		return *req = "DP-ARG-11", -EINVAL;
	if (!a->tail_ok)
		return *req = "DP-ARG-12", -EFAULT;
	if (!m->new_gen && a->iova + a->size < a->iova)
		return *req = "DP-ARG-13", -EINVAL;
	if (m->new_gen && a->size && a->iova + a->size - 1 < a->iova)
		return *req = "DP-ARG-13 (DP-VER-07: EOVERFLOW)", -EOVERFLOW;
	if (!a->data_user)
		return *req = "DP-ARG-14", -EINVAL;
	if (!bitmap_size_ok(a->size, a->pgsize, a->bsize))
		return *req = "DP-ARG-15", -EINVAL;
	if (a->pgsize != m->pg)
		return *req = "DP-ARG-16", -EINVAL;
	if (a->iova & (m->pg - 1))
		return *req = "DP-ARG-17", -EINVAL;
	if (!a->size || a->size & (m->pg - 1))
		return *req = "DP-ARG-18", -EINVAL;
	if (!m->tracking)
		return *req = "DP-ARG-19", -EINVAL;
	if (model_bisects(m, a->iova, a->size))
		return *req = "DP-ARG-20", -EINVAL;
	return MODEL_WALK;
}

int model_unmap_args(const struct model *m, const struct model_args *a, const char **req)
{
	bool get = a->flags & VFIO_DMA_UNMAP_FLAG_GET_DIRTY_BITMAP;

	if (!a->hdr_ok)
		return *req = "DP-UNM-01", -EFAULT;
	if (a->argsz < sizeof(struct vfio_iommu_type1_dma_unmap) || a->flags & ~UNMAP_FLAGS)
		return *req = "DP-UNM-02", -EINVAL;
	if (get && a->flags & (VFIO_DMA_UNMAP_FLAG_ALL | VFIO_DMA_UNMAP_FLAG_VADDR))
		return *req = "DP-UNM-03", -EINVAL;
	if (get) {
		if (a->argsz < sizeof(struct unmap_dirty_arg))
			return *req = "DP-UNM-04", -EINVAL;
		if (!a->tail_ok)
			return *req = "DP-UNM-05", -EFAULT;
		if (!a->data_user)
			return *req = "DP-UNM-06", -EINVAL;
		if (!bitmap_size_ok(a->size, a->pgsize, a->bsize))
			return *req = "DP-UNM-07", -EINVAL;
	}
	if (a->iova & (m->pg - 1))
		return *req = "DP-UNM-08", -EINVAL;
	if (a->flags & VFIO_DMA_UNMAP_FLAG_ALL) {
		/* the generator sends UNMAP_ALL with iova and size 0 only */
		return *req = "DP-UNM-20", MODEL_WALK;
	}
	if (a->size && a->iova + a->size - 1 < a->iova) {
		if (m->new_gen)
			return *req = "DP-UNM-09 (DP-VER-07: EOVERFLOW)", -EOVERFLOW;
		return *req = "DP-UNM-09", -EINVAL;
	}
	if (!a->size || a->size & (m->pg - 1))
		return *req = "DP-UNM-09", -EINVAL;
	if (get && !m->tracking)
		return *req = "DP-UNM-10", -EINVAL;
	if (get && a->pgsize != m->pg)
		return *req = "DP-UNM-11", -EINVAL;
	if (model_bisects(m, a->iova, a->size))
		return *req = "DP-UNM-12", -EINVAL;
	return MODEL_WALK;
}

static void remove_map(struct model *m, int i)
{
	m->pinned -= bitmap_weight(m->map[i].pinned, MODEL_MAX_PAGES);
	memmove(&m->map[i], &m->map[i + 1], (m->nmaps - i - 1) * sizeof(m->map[0]));
	m->nmaps--;
}

int model_report(struct model *m, u64 iova, u64 size, u64 *want, u64 avail, bool unmap,
		 bool bitmap, bool all, u64 *unmapped, bool *shifted, const char **req)
{
	u64 end = iova + size;	/* 0 for a range that ends at 2^64 */
	int i = 0;

	*unmapped = 0;
	*shifted = false;
	m->skew_from = ~0ULL;
	*req = unmap ? (bitmap ? "DP-UNM-17 DP-UNM-18" : "DP-UNM-14 DP-UNM-20") :
		"DP-RNG-05 DP-BIT-08";
	while (i < m->nmaps) {
		struct model_map *d = &m->map[i];
		u64 bit, word, shift, k;

		if (!all && (d->iova < iova || (end && map_end(d, m->pg) > end))) {
			i++;
			continue;
		}
		if (unmap && !bitmap) {
			*unmapped += d->npages * m->pg;
			remove_map(m, i);
			continue;
		}
		/* DP-UNM-19: the driver unpins before the copy-out */
		if (unmap) {
			m->pinned -= bitmap_weight(d->pinned, MODEL_MAX_PAGES);
			memset(d->pinned, 0, sizeof(d->pinned));
		}
		bit = (d->iova - iova) / m->pg;
		word = bit / 64;
		shift = bit % 64;
		*shifted |= shift != 0;
		if (d->skewed && bit < m->skew_from)
			m->skew_from = bit;
		/* DP-RNG-06: BYTES(nbits + shift) bytes from word copy_offset */
		if (word * 8 + bitmap_bytes(d->npages + shift) > avail) {
			d->skewed |= shift != 0;
			return *req = unmap ? "DP-UNM-13" : "DP-ARG-21 DP-BIT-12", -EFAULT;
		}
		d->skewed = false;
		for (k = 0; k < d->npages; k++) {
			/* DP-BIT-09: every page of an IOMMU-mapped vfio_dma */
			if (m->all_dirty || bitmap_test_bit(d->dirty, k))
				bitmap_set_bit(want, bit + k);
		}
		if (unmap) {
			*unmapped += d->npages * m->pg;
			remove_map(m, i);
			continue;
		}
		/* DP-BIT-08: cleared, then the pages still pinned */
		memcpy(d->dirty, d->pinned, sizeof(d->dirty));
		i++;
	}
	return 0;
}

s64 model_pin(struct model *m, u64 iova, s64 count, const char **req)
{
	s64 k;

	if (!count)
		return *req = "DP-PIN-01", -EINVAL;
	/*
	 * DP-PIN-11's note: a negative count is E2BIG, the int compared with
	 * the unsigned limit (vfio_device_container_pin_pages() still does so
	 * in 7.3: E2BIG in the lab, before type1's own npage <= 0 check);
	 * 6.18 and 6.19 said EINVAL (DP-VER-07, an expected failure there).
	 */
	if (count < 0 || count > 512)
		return *req = "DP-PIN-03", -E2BIG;
	for (k = 0; k < count; k++) {
		if (model_find(m, iova + k * m->pg) < 0)
			return *req = "DP-PIN-07 DP-BIT-03", -EINVAL;
	}
	for (k = 0; k < count; k++) {
		struct model_map *d = &m->map[model_find(m, iova + k * m->pg)];
		u64 p = (iova + k * m->pg - d->iova) / m->pg;

		bitmap_set_bit(d->pinned, p);
		/* DP-BIT-03: one bit per newly pinned page */
		if (m->tracking)
			bitmap_set_bit(d->dirty, p);
	}
	m->pinned += count;
	*req = "DP-PIN-11 DP-BIT-03";
	return count;
}

bool model_pinned(const struct model *m, u64 iova, u64 count)
{
	u64 k;

	for (k = 0; k < count; k++) {
		int i = model_find(m, iova + k * m->pg);

		if (i < 0 || !bitmap_test_bit(m->map[i].pinned, (iova + k * m->pg -
								   m->map[i].iova) / m->pg))
			return false;
	}
	return true;
}

void model_unpin(struct model *m, u64 iova, u64 count)
{
	u64 k;

	/* DP-BIT-04: the dirty bits stay */
	for (k = 0; k < count; k++) {
		struct model_map *d = &m->map[model_find(m, iova + k * m->pg)];
		u64 p = (iova + k * m->pg - d->iova) / m->pg;

		d->pinned[p / 64] &= ~(1ULL << (p % 64));
	}
	m->pinned -= count;
}

int model_dma(struct model *m, u64 iova, u64 len, bool write, u64 *copied, const char **req)
{
	u64 pos = iova, end = iova + len;

	*copied = 0;
	if (!len)
		return *req = "DP-PIN-13", -EINVAL;
	*req = write ? "DP-BIT-05" : "DP-BIT-06";
	while (pos < end) {
		int i = model_find(m, pos);
		struct model_map *d;
		u64 chunk_end, first, last, p;

		if (i < 0)
			return *req = "DP-BIT-07", -EINVAL;
		d = &m->map[i];
		chunk_end = map_end(d, m->pg) < end ? map_end(d, m->pg) : end;
		first = (pos - d->iova) / m->pg;
		last = (chunk_end - 1 - d->iova) / m->pg;
		for (p = first; write && m->tracking && p <= last; p++)
			bitmap_set_bit(d->dirty, p);
		*copied += chunk_end - pos;
		pos = chunk_end;
	}
	return 0;
}
