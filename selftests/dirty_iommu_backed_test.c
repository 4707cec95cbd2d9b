// SPDX-License-Identifier: GPL-2.0-only
/*
 * The IOMMU-backed "all dirty" rule (DP-BIT-09, DP-SCOPE-08): a container
 * holding a device that does not pin reports every page of every mapping
 * dirty on every GET, for every memory backing and for sizes on bitmap word
 * boundaries. Also what STOP loses (DP-BIT-10), MAP while tracking
 * (DP-BIT-02), and the v1 container that cannot track at all (DP-ARG-01).
 */
#include "vfio_dirty_test.h"

#define BASE_IOVA	(1ULL << 30)
#define SZ_1G		(1ULL << 30)

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
	DIRTY_SETUP_OR_SKIP(&self->env, NULL, DEVICE_PCI, variant->mode);
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
	TEST_F(all_dirty, bit09_every_page_##npages##_pages)		\
	{								\
		check_all_dirty(_metadata, self, variant, npages);	\
	}
ALL_DIRTY_SIZES(ALL_DIRTY_TEST)

/* DP-BIT-09 over 1 GiB: 2^18 bits at 4 KiB, one 32 KiB bitmap. */
TEST_F_TIMEOUT(all_dirty, bit09_every_page_1g, 900)
{
	check_all_dirty(_metadata, self, variant, SZ_1G / self->pgsize);
}

/*
 * DP-SCOPE-08: every page of every mapping, each GET per mapping and one GET
 * over all of them (mappings at 64-page multiples, so no bit is shifted).
 */
TEST_F(all_dirty, scope08_every_mapping)
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
TEST_F(all_dirty, bit10_stop_loses_state)
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
TEST_F(all_dirty, bit02_map_while_tracking)
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
 * A type1 (v1) container: the migration capability is there, but tracking
 * never starts (DP-ARG-01, checked before the argument is read) and
 * unmap-with-bitmap is refused (DP-UNM-15).
 */
FIXTURE(v1) {
	struct dirty_env env;
	struct backing mem;
};

FIXTURE_SETUP(v1)
{
	ENV_SETUP_OR_SKIP(&self->env, DEVICE_PCI, VFIO_TYPE1_IOMMU);
	BACKING_ALLOC_OR_SKIP(&self->mem, BACKING_ANON, 16 * host_page_size());
}

FIXTURE_TEARDOWN(v1)
{
	backing_free(&self->mem);
	env_teardown(&self->env);
}

TEST_F(v1, arg01_dirty_pages_eacces)
{
	u64 pgsize = self->env.pgsize ? self->env.pgsize : host_page_size();
	u64 bitmap[1] = { 0 }, unmapped = 0;

	container_map(&self->env.c, BASE_IOVA, self->mem.addr, 16 * pgsize);
	EXPECT_ERRNO(EACCES, __container_dirty_start(&self->env.c));
	EXPECT_ERRNO(EACCES, __container_dirty_stop(&self->env.c));
	EXPECT_ERRNO(EACCES, __container_dirty_get(&self->env.c, BASE_IOVA, 16 * pgsize,
						   pgsize, bitmap, sizeof(bitmap)));
	EXPECT_ERRNO(EACCES, __container_dirty_ioctl(&self->env.c, NULL));
	EXPECT_ERRNO(EINVAL, __container_unmap_dirty(&self->env.c, BASE_IOVA, 16 * pgsize,
						     pgsize, bitmap, sizeof(bitmap),
						     &unmapped));
	EXPECT_EQ(0, bitmap[0]);
	container_unmap(&self->env.c, BASE_IOVA, 16 * pgsize);
}

VFIO_DIRTY_MAIN("dirty_iommu_backed_test: a type1 v2 container holding a vfio-pci device reports\n"
		"every page of every mapping dirty on every GET (DP-BIT-09, DP-SCOPE-08), for\n"
		"every memory backing (anonymous 4K, THP, hugetlb 2M and 1G, memfd) and for\n"
		"mappings of 1, 8, 63, 64, 65, 128, 320 pages and 1 GiB; STOP loses the state\n"
		"(DP-BIT-10); MAP while tracking (DP-BIT-02); a v1 container gets EACCES\n"
		"(DP-ARG-01).")
