// SPDX-License-Identifier: GPL-2.0-only
/*
 * The migration capability of VFIO_IOMMU_GET_INFO (spec section 4,
 * DP-CAP-01..08) and the DMA_AVAIL count (DP-LIM-03), in the two IOMMU modes
 * that have it (type1 v2 and v1), on an IOMMU-backed container (a vfio-pci
 * device) and an emulated-only one (the test mdev). The page size is checked
 * against absolutes, not only against other kernel fields: the host's
 * PAGE_SIZE when emulated-only, 4 KiB behind Intel VT-d. iommufd's compat
 * container has no capability (DP-IOMMUFD-03): the refusal fixture of
 * dirty_iommu_backed_test checks that once per mode.
 */
#include <sys/mman.h>

#include "vfio_dirty_test.h"

FIXTURE(caps) {
	struct dirty_env env;
	struct vfio_iommu_type1_info *info;
};

FIXTURE_VARIANT(caps) {
	enum iommu_mode mode;
	enum device_kind kind;
};

/* type1v2 and type1, each IOMMU-backed and emulated-only. */
#define CAPS_MODES(X, ...)							\
	X(__VA_ARGS__, type1v2, IOMMU_MODE_TYPE1V2)				\
	X(__VA_ARGS__, type1, IOMMU_MODE_TYPE1)
CAPS_MODES(__MODE_KIND_VARIANT, caps)

FIXTURE_SETUP(caps)
{
	ENV_INIT_OR_SKIP(&self->env, variant->kind, 0, variant->mode);
	ASSERT_EQ(0, __container_get_info_alloc(&self->env.c, &self->info));
}

FIXTURE_TEARDOWN(caps)
{
	free(self->info);
	env_teardown(&self->env);
}

static const struct vfio_iommu_type1_info_cap_migration *
find_migration(const struct vfio_iommu_type1_info *info)
{
	return (const void *)info_cap_find(info, info->argsz,
					   VFIO_IOMMU_TYPE1_INFO_CAP_MIGRATION,
					   sizeof(struct vfio_iommu_type1_info_cap_migration));
}

/* DP-CAP-01: type1 always adds it, v1 container included. */
TEST_F(caps, cap01_present)
{
	ASSERT_TRUE(self->info->flags & VFIO_IOMMU_INFO_CAPS);
	ASSERT_NE(0, self->info->cap_offset);
	ASSERT_NE(NULL, find_migration(self->info));
}

/* DP-CAP-02: id 2 (not 1, which is IOVA_RANGE), version 1. */
TEST_F(caps, cap02_header)
{
	const struct vfio_iommu_type1_info_cap_migration *mig = find_migration(self->info);

	ASSERT_NE(NULL, mig);
	EXPECT_EQ(2, mig->header.id);
	EXPECT_EQ(1, mig->header.version);
}

/* DP-CAP-03: no flags are defined. */
TEST_F(caps, cap03_flags_zero)
{
	const struct vfio_iommu_type1_info_cap_migration *mig = find_migration(self->info);

	ASSERT_NE(NULL, mig);
	EXPECT_EQ(0, mig->flags);
}

/*
 * DP-CAP-04: one bit, the smallest IOMMU page size, never below PAGE_SIZE;
 * the full page-size set is info.iova_pgsizes. Against absolutes, so a
 * kernel that reported 8 KiB everywhere could not pass: an emulated-only
 * container has PAGE_SIZE and iova_pgsizes = PAGE_MASK; Intel VT-d's
 * smallest page is 4 KiB. The library's own page size is that bit.
 */
TEST_F(caps, cap04_pgsize_is_smallest_iommu_page)
{
	const struct vfio_iommu_type1_info_cap_migration *mig = find_migration(self->info);
	u64 pgsizes = self->info->iova_pgsizes, ps = host_page_size();

	ASSERT_NE(NULL, mig);
	ASSERT_TRUE(self->info->flags & VFIO_IOMMU_INFO_PGSIZES);
	EXPECT_EQ(1, __builtin_popcountll(mig->pgsize_bitmap));
	ASSERT_NE(0, pgsizes);
	EXPECT_EQ(pgsizes & -pgsizes, mig->pgsize_bitmap);
	EXPECT_LE(ps, mig->pgsize_bitmap);
	EXPECT_EQ(mig->pgsize_bitmap, self->env.pgsize);
	if (variant->kind == DEVICE_MDEV) {
		EXPECT_EQ(ps, mig->pgsize_bitmap);
		EXPECT_EQ(~(ps - 1), pgsizes);
	} else if (host_iommu_present("dmar")) {
		EXPECT_EQ(4096, mig->pgsize_bitmap) TH_LOG("Intel VT-d (dmar) is this host's IOMMU");
	}
}

/* DP-CAP-05: DIRTY_BITMAP_SIZE_MAX = BYTES(INT_MAX) = 256 MiB. */
TEST_F(caps, cap05_max_bitmap_size)
{
	const struct vfio_iommu_type1_info_cap_migration *mig = find_migration(self->info);

	ASSERT_NE(NULL, mig);
	EXPECT_EQ(DIRTY_BITMAP_SIZE_MAX, mig->max_dirty_bitmap_size);
	EXPECT_EQ(268435456, mig->max_dirty_bitmap_size);
}

/* DP-CAP-06: the 4-byte hole after flags carries no kernel stack. */
TEST_F(caps, cap06_padding_zero)
{
	const struct vfio_iommu_type1_info_cap_migration *mig = find_migration(self->info);
	const u8 *hole;

	ASSERT_NE(NULL, mig);
	hole = (const u8 *)&mig->flags + sizeof(mig->flags);
	ASSERT_EQ((const u8 *)&mig->pgsize_bitmap, hole + 4);
	EXPECT_TRUE(mem_is(hole, 0, 4));
}

/*
 * DP-CAP-07: the chain is well formed and ordered migration, DMA_AVAIL,
 * IOVA_RANGE; IOVA_RANGE is there when the container has an IOVA list
 * (IOMMU-backed) and absent when it is emulated-only.
 */
TEST_F(caps, cap07_chain_order)
{
	struct info_cap_entry caps[INFO_CAPS_MAX];
	int n, want = variant->kind == DEVICE_PCI ? 3 : 2;

	n = info_caps_walk(self->info, self->info->argsz, caps, INFO_CAPS_MAX);
	ASSERT_EQ(want, n);
	EXPECT_EQ(VFIO_IOMMU_TYPE1_INFO_CAP_MIGRATION, caps[0].id);
	EXPECT_EQ(VFIO_IOMMU_TYPE1_INFO_DMA_AVAIL, caps[1].id);
	EXPECT_LE(sizeof(struct vfio_iommu_type1_info), caps[0].offset);
	EXPECT_LE(caps[0].offset + sizeof(struct vfio_iommu_type1_info_cap_migration),
		  caps[1].offset);
	if (want < 3)
		return;
	EXPECT_EQ(VFIO_IOMMU_TYPE1_INFO_CAP_IOVA_RANGE, caps[2].id);
	EXPECT_LE(caps[1].offset + sizeof(struct vfio_iommu_type1_info_dma_avail),
		  caps[2].offset);
}

/*
 * DP-CAP-08: an argsz that holds the header but not the chain gets no
 * capability, the size it needs, and the CAPS flag; the kernel writes no
 * byte past argsz (the buffer ends at a guard page).
 */
TEST_F(caps, cap08_small_argsz_reports_needed_size)
{
	u32 sizes[] = { 16, sizeof(struct vfio_iommu_type1_info) };
	struct guarded_buf buf;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		struct vfio_iommu_type1_info *info;

		ASSERT_EQ(0, guarded_buf_alloc(&buf, sizes[i]));
		info = buf.data;
		ASSERT_EQ(0, __container_get_info(&self->env.c, info, sizes[i]));
		EXPECT_EQ(self->info->argsz, info->argsz);
		EXPECT_LT(sizeof(struct vfio_iommu_type1_info), info->argsz);
		EXPECT_TRUE(info->flags & VFIO_IOMMU_INFO_CAPS);
		if (sizes[i] >= offsetofend(struct vfio_iommu_type1_info, cap_offset))
			EXPECT_EQ(0, info->cap_offset);
		EXPECT_EQ(self->info->iova_pgsizes, info->iova_pgsizes);
		guarded_buf_free(&buf);
	}
}

/* DP-CAP-08: argsz below the 16-byte minimum is rejected. */
TEST_F(caps, cap08_argsz_below_minimum)
{
	struct vfio_iommu_type1_info info;
	u32 argsz;

	for (argsz = 0; argsz < 16; argsz++) {
		memset(&info, 0, sizeof(info));
		EXPECT_ERRNO(EINVAL, __container_get_info(&self->env.c, &info, argsz));
	}
}

/* DP-CAP-01: presence and content do not depend on tracking state. */
TEST_F(caps, cap01_same_while_tracking)
{
	const struct vfio_iommu_type1_info_cap_migration *before = find_migration(self->info);
	const struct vfio_iommu_type1_info_cap_migration *during;
	struct vfio_iommu_type1_info *info;

	ASSERT_NE(NULL, before);
	if (variant->mode == IOMMU_MODE_TYPE1) {
		/* DP-ARG-01: v1 cannot start; the capability is still there. */
		ASSERT_ERRNO(EACCES, __container_dirty_start(&self->env.c));
	} else {
		container_dirty_start(&self->env.c);
	}
	ASSERT_EQ(0, __container_get_info_alloc(&self->env.c, &info));
	during = find_migration(info);
	ASSERT_NE(NULL, during);
	EXPECT_EQ(0, memcmp(before, during, sizeof(*before)));
	free(info);
}

/* DP-LIM-03: DMA_AVAIL counts mappings down and back up. */
TEST_F(caps, lim03_dma_avail_counts_mappings)
{
	size_t ps = self->env.pgsize ? self->env.pgsize : host_page_size();
	struct backing b;
	s64 start;
	int i;

	BACKING_ALLOC_OR_SKIP(&b, BACKING_ANON, 3 * ps);
	start = __container_dma_avail(&self->env.c);
	ASSERT_LT(0, start);
	for (i = 0; i < 3; i++) {
		container_map(&self->env.c, (u64)i * 2 * ps, (char *)b.addr + i * ps, ps);
		EXPECT_EQ(start - i - 1, __container_dma_avail(&self->env.c));
	}
	container_unmap(&self->env.c, 0, 6 * ps);
	EXPECT_EQ(start, __container_dma_avail(&self->env.c));
	backing_free(&b);
}

VFIO_DIRTY_MAIN("dirty_caps_test: the migration capability of VFIO_IOMMU_GET_INFO on a type1\n"
		"container, v2 and v1, holding a vfio-pci device (IOMMU-backed) or the test mdev\n"
		"(emulated-only): presence, header, flags, page size against absolutes (PAGE_SIZE\n"
		"emulated-only, 4 KiB on VT-d), maximum bitmap size, padding, chain order (no\n"
		"IOVA_RANGE emulated-only), small argsz (DP-CAP-01..08), and the DMA_AVAIL count\n"
		"(DP-LIM-03). The iommufd modes' answer is dirty_iommu_backed_test's refusal.")
