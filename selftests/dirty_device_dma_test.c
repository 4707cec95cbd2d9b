// SPDX-License-Identifier: GPL-2.0-only
/*
 * A device really does DMA into mapped memory while tracking: QEMU's edu
 * through the IOMMU (IOMMU-backed container: every page dirty, DP-BIT-09)
 * and the suite's test mdev through vfio_dma_rw() (emulated container:
 * exactly the written pages, DP-BIT-05/06). The data is checked byte for
 * byte with canaries around it, over every memory backing; after
 * unmap-with-bitmap (DP-UNM-18) a DMA to the old IOVA must not reach
 * memory.
 */
#include "vfio_dirty_test.h"
#include "dma_driver.h"

#define BASE_IOVA	(16ULL << 20)	/* below edu's 28-bit DMA limit */
#define NPAGES		64
#define CANARY		0x5a
#define TIMEOUT_MS	5000

FIXTURE(device_dma) {
	struct dirty_env env;
	struct vdm vdm;
	struct dma_dev dma;
	struct backing mem;
	u64 pg;
	u8 *snapshot;
};

FIXTURE_VARIANT(device_dma) {
	enum device_kind kind;
	enum backing_kind backing;
};

FIXTURE_VARIANT_ADD_ALL_KINDS_AND_BACKINGS(device_dma)

FIXTURE_SETUP(device_dma)
{
	int r;

	DIRTY_SETUP_OR_SKIP(&self->env, &self->vdm, variant->kind);
	self->pg = self->env.pgsize;
	r = __dma_dev_init(&self->dma, &self->env.dev);
	if (r == -ENODEV)
		SKIP(return, "%s: no DMA driver for this device", self->env.dev.name);
	ASSERT_EQ(0, r);
	BACKING_ALLOC_OR_SKIP(&self->mem, variant->backing, NPAGES * self->pg);
	memset(self->mem.addr, CANARY, self->mem.size);
	self->snapshot = malloc(NPAGES * self->pg);
	ASSERT_NE(NULL, self->snapshot);
}

FIXTURE_TEARDOWN(device_dma)
{
	dma_dev_remove(&self->dma);
	env_teardown(&self->env);
	backing_free(&self->mem);
	free(self->snapshot);
}

static u8 *mem_at(FIXTURE_DATA(device_dma) *self, u64 off)
{
	return (u8 *)self->mem.addr + off;
}

/* Fills @len bytes at offset @off with a pattern that differs per byte. */
static void fill_pattern(FIXTURE_DATA(device_dma) *self, u64 off, u64 len)
{
	u64 i;

	for (i = 0; i < len; i++)
		mem_at(self, off)[i] = (u8)(i * 7 + 3);
}

/* Pages [first, first + n) relative to BASE_IOVA in @want, or every page for IOMMU-backed. */
static void expect_pages(const FIXTURE_VARIANT(device_dma) *variant, u64 *want, u64 first,
			 u64 n)
{
	if (variant->kind == DEVICE_PCI)
		bitmap_set_range(want, 0, NPAGES);
	else
		bitmap_set_range(want, first, n);
}

/*
 * DP-BIT-09 / DP-BIT-05 / DP-BIT-06: the device reads a pattern from page 2
 * and writes it 100 bytes before the end of page 10; memory holds the
 * pattern exactly there, canaries elsewhere; the bitmap shows pages 10 and
 * 11 (the read marks nothing), or every page when IOMMU-backed.
 */
TEST_F(device_dma, bit05_copy_lands_exactly)
{
	u64 src = 2 * self->pg, dst = 11 * self->pg - 100, len = 4096;
	u64 want[1] = { 0 };

	container_map(&self->env.c, BASE_IOVA, self->mem.addr, NPAGES * self->pg);
	container_dirty_start(&self->env.c);
	fill_pattern(self, src, len);
	ASSERT_EQ(0, __dma_dev_copy(&self->dma, BASE_IOVA + src, BASE_IOVA + dst, len,
				    TIMEOUT_MS));
	EXPECT_EQ(0, memcmp(mem_at(self, src), mem_at(self, dst), len));
	EXPECT_TRUE(mem_is(mem_at(self, 0), CANARY, src));
	EXPECT_TRUE(mem_is(mem_at(self, src + len), CANARY, dst - src - len));
	EXPECT_TRUE(mem_is(mem_at(self, dst + len), CANARY, NPAGES * self->pg - dst - len));
	expect_pages(variant, want, 10, 2);
	dirty_get_check(_metadata, &self->env, BASE_IOVA, NPAGES, want);
}

/*
 * DP-BIT-05: a transfer that crosses from one mapping into the next, whose
 * memory is elsewhere: each part lands in its own memory and marks its own
 * mapping.
 */
TEST_F(device_dma, bit05_copy_across_mappings)
{
	const u64 half = NPAGES / 2, len = 4096;
	u64 src = 0, dst = half * self->pg - 2048, want[1] = { 0 };

	/* A = pages [0, 32) -> memory [0, 32); B = pages [32, 48) -> memory [48, 64). */
	container_map(&self->env.c, BASE_IOVA, self->mem.addr, half * self->pg);
	container_map(&self->env.c, BASE_IOVA + half * self->pg, mem_at(self, 48 * self->pg),
		      16 * self->pg);
	container_dirty_start(&self->env.c);
	fill_pattern(self, src, len);
	ASSERT_EQ(0, __dma_dev_copy(&self->dma, BASE_IOVA + src, BASE_IOVA + dst, len,
				    TIMEOUT_MS));
	EXPECT_EQ(0, memcmp(mem_at(self, src), mem_at(self, dst), 2048));
	EXPECT_EQ(0, memcmp(mem_at(self, src + 2048), mem_at(self, 48 * self->pg), 2048));
	EXPECT_TRUE(mem_is(mem_at(self, half * self->pg), CANARY, 16 * self->pg));
	EXPECT_TRUE(mem_is(mem_at(self, 48 * self->pg + 2048), CANARY, 16 * self->pg - 2048));
	if (variant->kind == DEVICE_PCI) {
		bitmap_set_range(want, 0, half + 16);
	} else {
		bitmap_set_bit(want, half - 1);
		bitmap_set_bit(want, half);
	}
	dirty_get_check(_metadata, &self->env, BASE_IOVA, half + 16, want);
}

/* DP-BIT-06: a device read marks nothing (every page when IOMMU-backed). */
TEST_F(device_dma, bit06_device_read_marks_nothing)
{
	u64 want[1] = { 0 };

	container_map(&self->env.c, BASE_IOVA, self->mem.addr, NPAGES * self->pg);
	container_dirty_start(&self->env.c);
	ASSERT_EQ(0, self->dma.ops->dma_from_mem(&self->dma, BASE_IOVA + 3 * self->pg,
						 self->dma.ops->max_transfer));
	ASSERT_EQ(0, self->dma.ops->wait(&self->dma, TIMEOUT_MS));
	if (variant->kind == DEVICE_PCI)
		bitmap_set_range(want, 0, NPAGES);
	dirty_get_check(_metadata, &self->env, BASE_IOVA, NPAGES, want);
	EXPECT_TRUE(mem_is(self->mem.addr, CANARY, NPAGES * self->pg));
}

/*
 * DP-UNM-18: unmap-with-bitmap after device DMA reports the written pages
 * and leaves the data intact; a DMA to the old IOVA afterwards reaches no
 * memory (the IOMMU blocks edu; vfio_dma_rw() refuses with EINVAL).
 */
TEST_F(device_dma, unm18_unmap_after_dma)
{
	u64 src = 0, dst = 5 * self->pg, len = 4096, want[1] = { 0 };
	struct guarded_buf buf;
	int r;

	container_map(&self->env.c, BASE_IOVA, self->mem.addr, NPAGES * self->pg);
	container_dirty_start(&self->env.c);
	fill_pattern(self, src, len);
	ASSERT_EQ(0, __dma_dev_copy(&self->dma, BASE_IOVA + src, BASE_IOVA + dst, len,
				    TIMEOUT_MS));
	ASSERT_EQ(0, guarded_buf_alloc(&buf, bitmap_bytes(NPAGES)));
	memset(buf.data, 0, buf.size);
	ASSERT_EQ(0, __container_unmap_dirty(&self->env.c, BASE_IOVA, NPAGES * self->pg,
					     self->pg, buf.data, buf.size, NULL));
	expect_pages(variant, want, 5, 1);
	ASSERT_BITMAP_EQ(want, (u64 *)buf.data, NPAGES);
	guarded_buf_free(&buf);
	EXPECT_EQ(0, memcmp(mem_at(self, src), mem_at(self, dst), len));

	/* The device still holds the pattern; aim it at the unmapped IOVA. */
	memcpy(self->snapshot, self->mem.addr, NPAGES * self->pg);
	r = self->dma.ops->dma_to_mem(&self->dma, BASE_IOVA + 20 * self->pg,
				      self->dma.ops->max_transfer);
	if (!r)
		r = self->dma.ops->wait(&self->dma, TIMEOUT_MS);
	EXPECT_EQ(variant->kind == DEVICE_MDEV ? -EINVAL : 0, r);
	EXPECT_EQ(0, memcmp(self->snapshot, self->mem.addr, NPAGES * self->pg));
}

VFIO_DIRTY_MAIN("dirty_device_dma_test: a device does real DMA while tracking, over every memory\n"
		"backing: QEMU's edu through the IOMMU (every page dirty, DP-BIT-09) and the\n"
		"suite's test mdev through vfio_dma_rw() (exactly the written pages, DP-BIT-05/06);\n"
		"data checked byte for byte with canaries; unmap-with-bitmap after DMA reports\n"
		"the pages and a DMA to the old IOVA reaches no memory (DP-UNM-18).")
