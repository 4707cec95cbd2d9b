/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A model of one type1 v2 container for dirty_fuzz_test: its mappings,
 * whether tracking is on, each mapping's dirty pages and the pages the test
 * mdev holds pinned. Each function takes the inputs of one call and says
 * what the specification (type1-dirty.md) makes of them: the return value
 * and, in *req, the requirement ID that decides it; calls that succeed
 * change the model as they change the kernel. Harness-free.
 */
#ifndef VFIO_DIRTY_MODEL_H
#define VFIO_DIRTY_MODEL_H

#include <stdbool.h>
#include "types.h"

#define MODEL_MAX_MAPS		32
#define MODEL_MAX_PAGES		256	/* pages of one mapping */
/* model_dirty() and model_unmap_args(): the arguments pass, the walk decides. */
#define MODEL_WALK		1

struct model_map {
	u64 iova;
	u64 npages;
	u64 dirty[MODEL_MAX_PAGES / 64];
	u64 pinned[MODEL_MAX_PAGES / 64];
	/*
	 * A shifted copy-out of this mapping faulted (DP-ARG-21, DP-UNM-13):
	 * the kernel shifts the mapping's bitmap in place before the copy
	 * and, on the fault, neither shifts it back nor re-populates it
	 * (DP-DEFECT-01), so its next report may misplace its dirty bits.
	 * The spec keeps them; the flag lets the test name the deviation.
	 * Cleared by the next copy-out of the mapping that succeeds.
	 */
	bool skewed;
};

struct model {
	u64 pg;			/* pgsize_min */
	bool all_dirty;		/* an IOMMU-backed group: DP-BIT-09 */
	bool new_gen;		/* the v6.18 overflow series: DP-VER-07 */
	bool tracking;
	int nmaps;
	struct model_map map[MODEL_MAX_MAPS];	/* by ascending iova */
	u64 pinned;		/* pages pinned now */
	/* a report since START put a mapping at a bit offset that is not a multiple of 64 */
	bool shifted;
	/* the last model_report(): the first bit of a skewed mapping in it, or ~0 */
	u64 skew_from;
};

/* What a DIRTY_PAGES or UNMAP call hands the kernel, pointers as classes. */
struct model_args {
	bool hdr_ok;		/* the fixed header is readable */
	bool tail_ok;		/* the range (GET) or struct vfio_bitmap (UNMAP) is */
	u32 argsz;
	u32 flags;
	u64 iova;
	u64 size;
	u64 pgsize;		/* bitmap.pgsize */
	u64 bsize;		/* bitmap.size */
	bool data_user;		/* bitmap.data passes access_ok() */
};

void model_init(struct model *m, u64 pg, bool all_dirty, bool new_gen);
/* The index of the mapping holding @iova, or -1. */
int model_find(const struct model *m, u64 iova);
/* Whether [iova, iova + size) overlaps a mapping. */
bool model_overlaps(const struct model *m, u64 iova, u64 size);
/* Whether the range cuts through a mapping (DP-RNG-01, DP-UNM-12). */
bool model_bisects(const struct model *m, u64 iova, u64 size);

/* MAP_DMA of @npages at @iova: 0 (DP-BIT-02, DP-LIM-04) or -EEXIST. */
int model_map(struct model *m, u64 iova, u64 npages, const char **req);

/*
 * VFIO_IOMMU_DIRTY_PAGES: -errno, 0 for a START or STOP (applied), or
 * MODEL_WALK for a GET whose arguments pass: then model_report().
 */
int model_dirty(struct model *m, const struct model_args *a, const char **req);
/* VFIO_IOMMU_UNMAP_DMA: -errno, or MODEL_WALK: then model_report(). */
int model_unmap_args(const struct model *m, const struct model_args *a, const char **req);

/*
 * The walk of a GET (@unmap false) or an UNMAP (@unmap true, @bitmap: with
 * GET_DIRTY_BITMAP; @all: UNMAP_ALL) over [iova, iova + size): fills @want
 * (zeroed by the caller, @avail bytes: the user buffer's writable bytes)
 * with the bits the kernel must write, and *@unmapped with the bytes
 * unmapped. Returns 0, or -EFAULT when a mapping's bits do not fit in
 * @avail (DP-ARG-21, DP-UNM-13), after the ones before it were done.
 * *@shifted says whether a mapping sat at a bit offset that is not a
 * multiple of 64 (DP-RNG-06's shifted copy-out).
 */
int model_report(struct model *m, u64 iova, u64 size, u64 *want, u64 avail, bool unmap,
		 bool bitmap, bool all, u64 *unmapped, bool *shifted, const char **req);

/*
 * vfio_pin_pages() of @count pages from the page-aligned @iova through the
 * test mdev, none of them pinned already: the count or -errno.
 */
s64 model_pin(struct model *m, u64 iova, s64 count, const char **req);
/* Whether the @count pages from @iova are all pinned now. */
bool model_pinned(const struct model *m, u64 iova, u64 count);
void model_unpin(struct model *m, u64 iova, u64 count);
/*
 * vfio_dma_rw() of @len bytes at @iova: 0 or -errno; *@copied bytes were
 * copied before a failure (the chunks before a hole, DP-BIT-07).
 */
int model_dma(struct model *m, u64 iova, u64 len, bool write, u64 *copied, const char **req);

#endif
