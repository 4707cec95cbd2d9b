// SPDX-License-Identifier: GPL-2.0-only
/*
 * Page sizes (DP-BIT-13, DP-CAP-04, DP-ARG-16): the bitmap is always in
 * units of the migration capability's pgsize_bitmap, whatever backs the
 * memory (anonymous 4K, THP, hugetlb 2M and 1G, memfd) and however the
 * IOMMU maps it, in an IOMMU-backed container (every page dirty) and an
 * emulated one (the test mdev dirties single bytes inside huge pages).
 * Every size is derived from the page size the kernel reports.
 */
#include "vfio_dirty_test.h"

#define BASE_IOVA	(1ULL << 30)

FIXTURE(pagesize) {
	struct dirty_env env;
	struct vdm vdm;
	struct backing mem, extra;
	u64 pg;
};

FIXTURE_VARIANT(pagesize) {
	enum iommu_mode mode;
	enum device_kind kind;
	enum backing_kind backing;
};

FIXTURE_VARIANT_ADD_ALL_KINDS_AND_BACKINGS(pagesize)

/*
 * Allocates the variant's backing: populated for the IOMMU-backed container,
 * whose MAP pins every page; unpopulated for the emulated one, where the
 * kernel touches only the pages the test mdev writes (a 1 GiB mapping of 4K
 * pages took 4 to 16 s to fault in under TCG, for nothing).
 */
#define MEM_ALLOC_OR_SKIP(b, size) do {						\
	char __why[256] = "";							\
	int __r = variant->kind == DEVICE_MDEV ?				\
		  backing_alloc_unpopulated(b, variant->backing, size, __why, sizeof(__why)) : \
		  backing_alloc(b, variant->backing, size, __why, sizeof(__why));	\
	if (__r == BACKING_ABSENT)						\
		SKIP(return, "%s", __why);					\
	ASSERT_EQ(0, __r) TH_LOG("%s", __why);					\
} while (0)

FIXTURE_SETUP(pagesize)
{
	DIRTY_INIT_OR_SKIP(&self->env, &self->vdm, variant->kind, variant->mode);
	self->pg = self->env.pgsize;
	self->extra.fd = -1;
}

FIXTURE_TEARDOWN(pagesize)
{
	env_teardown(&self->env);
	backing_free(&self->mem);
	backing_free(&self->extra);
}

/*
 * Dirties page @page of the mapping at @iova with a one-byte write in the
 * middle of it (emulated), and records in @want what a GET must say: that
 * page (emulated) or, once per call with @page == 0, all @npages pages
 * (IOMMU-backed).
 */
static void dirty_page(struct __test_metadata *_metadata, FIXTURE_DATA(pagesize) *self,
		       const FIXTURE_VARIANT(pagesize) *variant, u64 iova, u64 npages,
		       u64 page, u64 *want)
{
	if (variant->kind == DEVICE_PCI) {
		bitmap_set_range(want, 0, npages);
		return;
	}
	ASSERT_EQ(0, vdm_dma_write(&self->vdm, iova + page * self->pg + self->pg / 2, 1, 0x42));
	bitmap_set_bit(want, page);
}

/*
 * Maps @npages pages of the variant's backing at @iova, dirties @pages and
 * checks two GETs: the first reports them (every page, IOMMU-backed), the
 * second reports them again only when IOMMU-backed.
 */
static void check_mapping(struct __test_metadata *_metadata, FIXTURE_DATA(pagesize) *self,
			  const FIXTURE_VARIANT(pagesize) *variant, u64 iova, u64 npages,
			  const u64 *pages, int n)
{
	u64 *want = calloc(1, bitmap_bytes(npages));
	int i;

	ASSERT_NE(NULL, want);
	MEM_ALLOC_OR_SKIP(&self->mem, npages * self->pg);
	container_map(&self->env.c, iova, self->mem.addr, npages * self->pg);
	container_dirty_start(&self->env.c);
	for (i = 0; i < n; i++)
		dirty_page(_metadata, self, variant, iova, npages, pages[i], want);
	dirty_get_check(_metadata, &self->env, iova, npages, want);
	if (variant->kind == DEVICE_MDEV)
		memset(want, 0, bitmap_bytes(npages));
	dirty_get_check(_metadata, &self->env, iova, npages, want);
	free(want);
}

/*
 * DP-CAP-04: the granularity is one bit, a page size the host can map; in an
 * emulated-only container exactly the host's PAGE_SIZE, so every size below
 * is derived from a page size that was checked against an absolute.
 */
TEST_F(pagesize, cap04_pgsize_single_bit)
{
	EXPECT_EQ(1, __builtin_popcountll(self->pg));
	EXPECT_LE(host_page_size(), self->pg);
	if (variant->kind == DEVICE_MDEV)
		EXPECT_EQ(host_page_size(), self->pg);
}

/*
 * DP-BIT-13: one bit per pgsize page inside a huge page: a write into one
 * small page of a 2 MiB or 1 GiB page marks that bit only.
 */
TEST_F_TIMEOUT(pagesize, bit13_bits_inside_one_backing_page, BACKING_1G_TIMEOUT)
{
	u64 npages = backing_page_size(variant->backing) / self->pg;
	const u64 pages[] = { 0, 1, npages / 2, npages - 1 };

	if (npages < 4)
		npages = 4;
	check_mapping(_metadata, self, variant, BASE_IOVA, npages, pages, ARRAY_SIZE(pages));
}

/* DP-BIT-13: word-boundary sizes from one page up, over each backing. */
#define PAGESIZE_SIZES(X) X(1) X(65) X(513)
#define PAGESIZE_TEST(n)							\
	TEST_F_TIMEOUT(pagesize, bit13_mapping_##n##_pages, BACKING_1G_TIMEOUT)	\
	{									\
		const u64 pages[] = { 0, (n) - 1 };				\
										\
		check_mapping(_metadata, self, variant, BASE_IOVA, n, pages, 2);	\
	}
PAGESIZE_SIZES(PAGESIZE_TEST)

/* DP-BIT-13: an IOVA that is not aligned to the backing's huge page. */
TEST_F_TIMEOUT(pagesize, bit13_iova_not_huge_aligned, BACKING_1G_TIMEOUT)
{
	const u64 pages[] = { 0, 3, 511 };

	check_mapping(_metadata, self, variant, BASE_IOVA + self->pg, 512, pages,
		      ARRAY_SIZE(pages));
}

/*
 * DP-BIT-13 over a big mapping and one page more: a mapping of the backing
 * and a one-page anonymous mapping right after it, in one GET. 1 GiB where
 * it costs nothing (the emulated container's memory is not faulted in) and
 * over the 1 GiB hugetlb backing (one whole backing page); 64 MiB (32 huge
 * pages) over the others in the IOMMU-backed container, which pins every
 * page: 1 GiB of them took 3 to 15 s a case under TCG, and the bitmap does
 * not depend on the backing.
 */
TEST_F_TIMEOUT(pagesize, bit13_big_mapping_and_a_page, 900)
{
	u64 size = variant->kind == DEVICE_MDEV || variant->backing == BACKING_HUGETLB_1G ?
		   1ULL << 30 : 64ULL << 20;
	u64 npages = size / self->pg, total = npages + 1;
	u64 *want = calloc(1, bitmap_bytes(total));
	const u64 pages[] = { 0, npages / 3, npages - 1 };
	unsigned int i;

	ASSERT_NE(NULL, want);
	MEM_ALLOC_OR_SKIP(&self->mem, npages * self->pg);
	BACKING_ALLOC_OR_SKIP(&self->extra, BACKING_ANON, self->pg);
	container_map(&self->env.c, BASE_IOVA, self->mem.addr, npages * self->pg);
	container_map(&self->env.c, BASE_IOVA + npages * self->pg, self->extra.addr, self->pg);
	container_dirty_start(&self->env.c);
	/* The three pages of the big mapping, and the page after it. */
	for (i = 0; i < ARRAY_SIZE(pages); i++)
		dirty_page(_metadata, self, variant, BASE_IOVA, total, pages[i], want);
	dirty_page(_metadata, self, variant, BASE_IOVA, total, npages, want);
	dirty_get_check(_metadata, &self->env, BASE_IOVA, total, want);
	free(want);
}

/*
 * DP-ARG-16 / DP-UNM-11: GET and unmap-with-bitmap take only the
 * capability's page size, even over huge-page-backed memory.
 */
TEST_F_TIMEOUT(pagesize, arg16_only_capability_pgsize, BACKING_1G_TIMEOUT)
{
	u64 size = backing_page_size(variant->backing), npages = size / self->pg, pgsize;
	struct guarded_buf buf;

	if (npages > 512)
		npages = 512;
	size = npages * self->pg;
	MEM_ALLOC_OR_SKIP(&self->mem, size);
	container_map(&self->env.c, BASE_IOVA, self->mem.addr, size);
	container_dirty_start(&self->env.c);
	ASSERT_EQ(0, guarded_buf_alloc(&buf, bitmap_bytes(size / 1024)));
	for (pgsize = 1024; pgsize <= (1ULL << 30); pgsize <<= 1) {
		if (pgsize == self->pg)
			continue;
		EXPECT_ERRNO(EINVAL, __container_dirty_get(&self->env.c, BASE_IOVA, size, pgsize,
							   buf.data, buf.size))
			TH_LOG("GET pgsize %llu", (unsigned long long)pgsize);
		EXPECT_ERRNO(EINVAL, __container_unmap_dirty(&self->env.c, BASE_IOVA, size,
							     pgsize, buf.data, buf.size, NULL))
			TH_LOG("unmap pgsize %llu", (unsigned long long)pgsize);
	}
	EXPECT_EQ(0, __container_dirty_get(&self->env.c, BASE_IOVA, size, self->pg, buf.data,
					   buf.size));
	guarded_buf_free(&buf);
}

/*
 * DP-BIT-13: mappings of every backing the host has, side by side in one
 * container, read in one GET.
 */
FIXTURE(mixed) {
	struct dirty_env env;
	struct vdm vdm;
	struct backing mem[BACKING_NR];
};

FIXTURE_VARIANT(mixed) {
	enum iommu_mode mode;
	enum device_kind kind;
};

FIXTURE_VARIANT_ADD_ALL_KINDS(mixed);

FIXTURE_SETUP(mixed)
{
	int i;

	for (i = 0; i < BACKING_NR; i++)
		self->mem[i].fd = -1;
	DIRTY_INIT_OR_SKIP(&self->env, &self->vdm, variant->kind, variant->mode);
}

FIXTURE_TEARDOWN(mixed)
{
	int i;

	env_teardown(&self->env);
	for (i = 0; i < BACKING_NR; i++)
		backing_free(&self->mem[i]);
}

TEST_F(mixed, bit13_all_backings_in_one_get)
{
	const u64 each = 80;	/* pages per mapping: not a multiple of 64 */
	u64 pg = self->env.pgsize, want[BACKING_NR * 2] = { 0 }, iova;
	char why[256];
	int i, nr = 0;

	for (i = 0; i < BACKING_NR; i++) {
		/* Every mapping starts at a multiple of 128 pages (shift 0). */
		iova = BASE_IOVA + i * 128 * pg;
		if (backing_alloc(&self->mem[i], i, each * pg, why, sizeof(why))) {
			TH_LOG("without %s", why);
			continue;
		}
		container_map(&self->env.c, iova, self->mem[i].addr, each * pg);
		nr++;
	}
	if (nr < 2)
		SKIP(return, "fewer than two backings available");
	container_dirty_start(&self->env.c);
	for (i = 0; i < BACKING_NR; i++) {
		if (!self->mem[i].addr)
			continue;
		iova = BASE_IOVA + i * 128 * pg;
		if (variant->kind == DEVICE_PCI) {
			bitmap_set_range(want, i * 128, each);
		} else {
			ASSERT_EQ(0, vdm_dma_write(&self->vdm, iova + (i + 1) * pg, 1, 7));
			bitmap_set_bit(want, i * 128 + i + 1);
		}
	}
	dirty_get_check(_metadata, &self->env, BASE_IOVA, BACKING_NR * 128, want);
}

VFIO_DIRTY_MAIN("dirty_pagesize_test: the bitmap is in units of the migration capability's page\n"
		"size whatever backs the memory (DP-BIT-13, DP-CAP-04): bits inside one huge page,\n"
		"mappings of 1, 65 and 513 pages, an IOVA not aligned to the huge page, a big one\n"
		"(1 GiB; IOMMU-backed, 64 MiB unless hugetlb 1G) plus a page, every backing in\n"
		"one GET, and only the capability's page size accepted on GET and unmap\n"
		"(DP-ARG-16, DP-UNM-11); IOMMU-backed and emulated containers.")
