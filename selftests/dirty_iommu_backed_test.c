// SPDX-License-Identifier: GPL-2.0-only
/*
 * The IOMMU-backed "all dirty" rule (DP-BIT-09, DP-SCOPE-08): a container
 * holding a device that does not pin reports every page of every mapping
 * dirty on every GET, for every memory backing and for sizes on bitmap word
 * boundaries. Also what STOP loses (DP-BIT-10) and MAP while tracking
 * (DP-BIT-02), in type1v2; and, once per IOMMU mode, that the modes
 * without type1 dirty tracking refuse it as the spec says (DP-ARG-01,
 * DP-UNM-15, DP-IOMMUFD-01..03).
 */
#include "vfio_dirty_test.h"

#define BASE_IOVA	(1ULL << 30)
#define SZ_1G		(1ULL << 30)
#define SZ_64M		(64ULL << 20)

FIXTURE(all_dirty) {
	struct dirty_env env;
	struct backing mem;
	u64 pgsize;
};

FIXTURE_VARIANT(all_dirty) {
	enum iommu_mode mode;
	enum backing_kind backing;
};

FIXTURE_VARIANT_ADD_ALL_BACKINGS(all_dirty)

FIXTURE_SETUP(all_dirty)
{
	DIRTY_INIT_OR_SKIP(&self->env, NULL, DEVICE_PCI, variant->mode);
	self->pgsize = self->env.pgsize;
}

FIXTURE_TEARDOWN(all_dirty)
{
	backing_free(&self->mem);
	env_teardown(&self->env);
}

/* A zeroed bitmap of @npages bits with every bit in [0, npages) set. */
static u64 *all_set(u64 npages)
{
	u64 *want = calloc(1, bitmap_bytes(npages));

	if (want)
		bitmap_set_range(want, 0, npages);
	return want;
}

/*
 * Maps @npages pages from the variant's backing, starts tracking and checks
 * that three GETs in a row each report exactly every page, padding bits
 * clear. MAP pins and charges the whole mapping to locked_vm, UNMAP returns
 * it.
 */
static void check_all_dirty(struct __test_metadata *_metadata, FIXTURE_DATA(all_dirty) *self,
			    const FIXTURE_VARIANT(all_dirty) *variant, u64 npages)
{
	u64 size = npages * self->pgsize;
	long locked;
	u64 *want;
	int i;

	BACKING_ALLOC_OR_SKIP(&self->mem, variant->backing, size);
	locked = proc_status_kb("VmLck");
	ASSERT_LE(0, locked);
	container_map(&self->env.c, BASE_IOVA, self->mem.addr, size);
	EXPECT_EQ(locked + (long)(size >> 10), proc_status_kb("VmLck"));
	container_dirty_start(&self->env.c);
	want = all_set(npages);
	ASSERT_NE(NULL, want);
	for (i = 0; i < 3; i++)
		dirty_get_check(_metadata, &self->env, BASE_IOVA, npages, want);
	free(want);
	container_unmap(&self->env.c, BASE_IOVA, size);
	EXPECT_EQ(locked, proc_status_kb("VmLck"));
}

/* DP-BIT-09 at bitmap word boundaries: half a word, one word, one more, ... */
#define ALL_DIRTY_SIZES(X) X(1) X(8) X(63) X(64) X(65) X(128) X(320)
#define ALL_DIRTY_TEST(npages)						\
	TEST_F_TIMEOUT(all_dirty, bit09_every_page_##npages##_pages,	\
		       BACKING_1G_TIMEOUT)					\
	{								\
		check_all_dirty(_metadata, self, variant, npages);	\
	}
ALL_DIRTY_SIZES(ALL_DIRTY_TEST)

/*
 * DP-BIT-09 over a big mapping: over the 1 GiB hugetlb backing 1 GiB, one
 * whole backing page, 2^18 bits at 4 KiB, one 32 KiB bitmap; over the other
 * backings 64 MiB (32 of their huge pages), 2^14 bits. The bitmap does not
 * depend on the backing (DP-BIT-13), so 1 GiB of each of them added only
 * time: under TCG faulting in, clearing and pinning 1 GiB of 4K pages took
 * 4 to 38 s a case.
 */
TEST_F_TIMEOUT(all_dirty, bit09_every_page_big_mapping, 900)
{
	u64 size = variant->backing == BACKING_HUGETLB_1G ? SZ_1G : SZ_64M;

	check_all_dirty(_metadata, self, variant, size / self->pgsize);
}

/*
 * DP-SCOPE-08: every page of every mapping, each GET per mapping and one GET
 * over all of them (mappings at 64-page multiples, so no bit is shifted).
 */
TEST_F_TIMEOUT(all_dirty, scope08_every_mapping, BACKING_1G_TIMEOUT)
{
	static const struct dma_region regions[] = {
		{ .page = 0, .npages = 1 },
		{ .page = 64, .npages = 65 },
		{ .page = 192, .npages = 64 },
		{ .page = 320, .npages = 200 },
	};
	struct layout l = {
		.base_iova = BASE_IOVA,
		.pgsize = self->pgsize,
		.regions = regions,
		.nr = ARRAY_SIZE(regions),
	};
	u64 want_all[9] = { 0 }, *want;
	int i, round;

	BACKING_ALLOC_OR_SKIP(&self->mem, variant->backing, layout_pages(&l) * self->pgsize);
	ASSERT_EQ(0, __layout_map(&l, &self->env.c, &self->mem));
	container_dirty_start(&self->env.c);
	layout_expect_all(&l, 0, 520, want_all);
	for (round = 0; round < 2; round++) {
		for (i = 0; i < l.nr; i++) {
			want = all_set(regions[i].npages);
			ASSERT_NE(NULL, want);
			dirty_get_check(_metadata, &self->env, layout_iova(&l, regions[i].page),
					regions[i].npages, want);
			free(want);
		}
		dirty_get_check(_metadata, &self->env, BASE_IOVA, 520, want_all);
	}
}

/*
 * DP-BIT-10 / DP-ARG-19 / DP-UNM-10: STOP frees the bitmaps, GET and
 * unmap-with-bitmap fail until START, and after START the rule applies again.
 */
TEST_F_TIMEOUT(all_dirty, bit10_stop_loses_state, BACKING_1G_TIMEOUT)
{
	const u64 npages = 64;
	u64 bitmap[1], *want = all_set(npages), unmapped = 0;

	ASSERT_NE(NULL, want);
	BACKING_ALLOC_OR_SKIP(&self->mem, variant->backing, npages * self->pgsize);
	container_map(&self->env.c, BASE_IOVA, self->mem.addr, npages * self->pgsize);
	container_dirty_start(&self->env.c);
	dirty_get_check(_metadata, &self->env, BASE_IOVA, npages, want);
	container_dirty_stop(&self->env.c);
	EXPECT_ERRNO(EINVAL, __container_dirty_get(&self->env.c, BASE_IOVA,
						   npages * self->pgsize, self->pgsize,
						   bitmap, sizeof(bitmap)));
	EXPECT_ERRNO(EINVAL, __container_unmap_dirty(&self->env.c, BASE_IOVA,
						     npages * self->pgsize, self->pgsize,
						     bitmap, sizeof(bitmap), &unmapped));
	container_dirty_start(&self->env.c);
	dirty_get_check(_metadata, &self->env, BASE_IOVA, npages, want);
	free(want);
}

/*
 * DP-BIT-02 with DP-BIT-09: a mapping made while tracking starts with a
 * clean bitmap, but in an IOMMU-backed container the first GET reports all
 * of it.
 */
TEST_F_TIMEOUT(all_dirty, bit02_map_while_tracking, BACKING_1G_TIMEOUT)
{
	const u64 npages = 65;
	u64 *want = all_set(npages);

	ASSERT_NE(NULL, want);
	BACKING_ALLOC_OR_SKIP(&self->mem, variant->backing, npages * self->pgsize);
	container_dirty_start(&self->env.c);
	container_map(&self->env.c, BASE_IOVA, self->mem.addr, npages * self->pgsize);
	dirty_get_check(_metadata, &self->env, BASE_IOVA, npages, want);
	free(want);
}

/*
 * The IOMMU-mode axis where its subject is the mode itself: each mode's
 * answer to type1 dirty tracking, checked once here instead of in every
 * fixture. type1v2 is the control: the same calls on the same device and
 * mapping succeed there, so the refusals below can only come from the mode.
 * type1 (v1): DP-ARG-01 EACCES, checked before the argument is read, and
 * unmap-with-bitmap EINVAL (DP-UNM-15). iommufd's compat container and
 * native iommufd: DIRTY_PAGES ENOTTY (DP-IOMMUFD-01), unmap-with-bitmap
 * EINVAL (DP-IOMMUFD-02), no migration capability (DP-IOMMUFD-03).
 */
FIXTURE(refusal) {
	struct dirty_env env;
	struct backing mem;
	u64 pg;
};

FIXTURE_VARIANT(refusal) {
	enum iommu_mode mode;
};

FIXTURE_VARIANT_ADD_ALL_IOMMU_MODES(refusal)

#define REFUSAL_PAGES	16

FIXTURE_SETUP(refusal)
{
	ENV_INIT_OR_SKIP(&self->env, DEVICE_PCI, 0, variant->mode);
	/* No capability to take the page size from outside type1: the host's. */
	self->pg = self->env.pgsize ? self->env.pgsize : host_page_size();
	BACKING_ALLOC_OR_SKIP(&self->mem, BACKING_ANON, REFUSAL_PAGES * self->pg);
	container_map(&self->env.c, BASE_IOVA, self->mem.addr, REFUSAL_PAGES * self->pg);
}

FIXTURE_TEARDOWN(refusal)
{
	env_teardown(&self->env);
	backing_free(&self->mem);
}

/* What DIRTY_PAGES answers in @mode, as the spec says: 0 only in type1v2. */
static int dirty_pages_answer(enum iommu_mode mode)
{
	switch (mode) {
	case IOMMU_MODE_TYPE1V2:
		return 0;
	case IOMMU_MODE_TYPE1:
		return -EACCES;		/* DP-ARG-01 */
	default:
		return -ENOTTY;		/* DP-IOMMUFD-01 */
	}
}

/* DP-ARG-01 / DP-IOMMUFD-01: START, GET and STOP, refused by mode, or working in v2. */
TEST_F(refusal, arg01_iommufd01_dirty_pages)
{
	int want = dirty_pages_answer(variant->mode);
	u64 bitmap[1] = { 0 }, all[1] = { 0 };

	EXPECT_EQ(want, __container_dirty_start(&self->env.c));
	EXPECT_EQ(want, __container_dirty_get(&self->env.c, BASE_IOVA, REFUSAL_PAGES * self->pg,
					      self->pg, bitmap, sizeof(bitmap)));
	if (!want) {
		/* the control: an IOMMU-backed container reports every page */
		bitmap_set_range(all, 0, REFUSAL_PAGES);
		ASSERT_BITMAP_EQ(all, bitmap, REFUSAL_PAGES);
	} else {
		EXPECT_EQ(0, bitmap[0]);
		/* refused before the argument is read: no argument at all */
		EXPECT_EQ(want, __container_dirty_ioctl(&self->env.c, NULL));
	}
	EXPECT_EQ(want, __container_dirty_stop(&self->env.c));
}

/*
 * DP-UNM-15 / DP-IOMMUFD-02: unmap-with-bitmap is EINVAL outside type1v2
 * (v1 cannot start tracking; iommufd supports only FLAG_ALL), writes no
 * bit and unmaps nothing; in type1v2 while tracking it unmaps and reports.
 */
TEST_F(refusal, unm15_iommufd02_unmap_with_bitmap)
{
	u64 bitmap[1] = { 0 }, all[1] = { 0 }, unmapped = 0;
	int start = dirty_pages_answer(variant->mode);

	EXPECT_EQ(start, __container_dirty_start(&self->env.c));
	if (start) {
		EXPECT_ERRNO(EINVAL, __container_unmap_dirty(&self->env.c, BASE_IOVA,
							     REFUSAL_PAGES * self->pg, self->pg,
							     bitmap, sizeof(bitmap), &unmapped));
		EXPECT_EQ(0, bitmap[0]);
		/* the mapping is still whole: a plain unmap removes all of it */
		ASSERT_EQ(0, __container_unmap(&self->env.c, BASE_IOVA, REFUSAL_PAGES * self->pg,
					       0, &unmapped));
	} else {
		ASSERT_EQ(0, __container_unmap_dirty(&self->env.c, BASE_IOVA,
						     REFUSAL_PAGES * self->pg, self->pg, bitmap,
						     sizeof(bitmap), &unmapped));
		bitmap_set_range(all, 0, REFUSAL_PAGES);
		ASSERT_BITMAP_EQ(all, bitmap, REFUSAL_PAGES);
	}
	EXPECT_EQ(REFUSAL_PAGES * self->pg, unmapped);
}

/*
 * DP-CAP-01 / DP-IOMMUFD-03: type1 has the migration capability in v1 too
 * (presence proves type1 can track, not that this container can); iommufd's
 * compat container answers GET_INFO without it; native iommufd has no
 * compat IOAS for GET_INFO to describe (ENODEV).
 */
TEST_F(refusal, cap01_iommufd03_migration_capability)
{
	struct dirty_caps dc;
	int r = __container_dirty_caps(&self->env.c, &dc);

	switch (variant->mode) {
	case IOMMU_MODE_TYPE1V2:
	case IOMMU_MODE_TYPE1:
		ASSERT_EQ(0, r);
		EXPECT_EQ(self->pg, dc.pgsize_bitmap);
		break;
	case IOMMU_MODE_IOMMUFD_COMPAT:
		EXPECT_ERRNO(ENOENT, r);
		/* DMA_AVAIL is U32_MAX there: GET_INFO itself works */
		EXPECT_EQ(UINT32_MAX, __container_dma_avail(&self->env.c));
		break;
	default:
		EXPECT_ERRNO(ENODEV, r);
	}
}

VFIO_DIRTY_MAIN("dirty_iommu_backed_test: a type1 v2 container holding a vfio-pci device reports\n"
		"every page of every mapping dirty on every GET (DP-BIT-09, DP-SCOPE-08), for\n"
		"every memory backing (anonymous 4K, THP, hugetlb 2M and 1G, memfd) and for\n"
		"mappings of 1, 8, 63, 64, 65, 128, 320 pages and a big one (1 GiB over hugetlb\n"
		"1G, 64 MiB over the others); STOP loses the state (DP-BIT-10); MAP while\n"
		"tracking (DP-BIT-02); and once per IOMMU mode, the refusal of the modes\n"
		"without type1 dirty tracking: v1 EACCES (DP-ARG-01, DP-UNM-15), iommufd\n"
		"ENOTTY and no migration capability (DP-IOMMUFD-01..03), with type1v2 as the\n"
		"control.")
