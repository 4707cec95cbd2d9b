// SPDX-License-Identifier: GPL-2.0-only
/*
 * A device really does DMA into mapped memory while tracking: the first and
 * second named PCI devices (QEMU's edu and NVMe in the lab, any device a
 * driver in selftests/lib/drivers knows on a lab server) through the IOMMU
 * (IOMMU-backed container: every page dirty, DP-BIT-09), and the suite's
 * test mdev through vfio_dma_rw() (emulated container: exactly the written
 * pages, DP-BIT-05/06). The data is checked byte for
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
#define PRIV_IOVA	(1ULL << 30)	/* the driver's own memory (NVMe queues) */

FIXTURE(device_dma) {
	struct dirty_env env;
	struct vdm vdm;
	struct dma_dev dma;
	struct backing mem;
	u64 pg;
	u8 *snapshot;
};

FIXTURE_VARIANT(device_dma) {
	enum iommu_mode mode;
	enum device_kind kind;
	int nth;
	enum backing_kind backing;
};

/* Per IOMMU mode and backing: the first and the second PCI device, and the test mdev. */
#define DMA_VARIANTS(fixture, m, M, name, b)					\
	FIXTURE_VARIANT_ADD(fixture, m##_pci0_##name) {				\
		.mode = M, .kind = DEVICE_PCI, .backing = b };			\
	FIXTURE_VARIANT_ADD(fixture, m##_pci1_##name) {				\
		.mode = M, .kind = DEVICE_PCI, .nth = 1, .backing = b };	\
	FIXTURE_VARIANT_ADD(fixture, m##_mdev_##name) {				\
		.mode = M, .kind = DEVICE_MDEV, .backing = b };
#define DMA_MODE_VARIANTS(fixture, m, M)					\
	FOR_EACH_BACKING(DMA_VARIANTS, fixture, m, M)
FOR_EACH_IOMMU_MODE(DMA_MODE_VARIANTS, device_dma)

FIXTURE_SETUP(device_dma)
{
	ENV_INIT_OR_SKIP(&self->env, variant->kind, variant->nth, variant->mode);
	if (variant->kind == DEVICE_MDEV)
		VDM_INIT(&self->env, &self->vdm);
	self->pg = self->env.pgsize;
	/* no capability to take the page size from in the iommufd modes */
	if (!dirty_mode_tracks(&self->env) && !self->pg)
		self->pg = host_page_size();
	ASSERT_NE(0, self->pg) TH_LOG("no migration capability (DP-CAP-01)");
	DMA_DEV_INIT_OR_SKIP(&self->dma, &self->env, PRIV_IOVA);
	BACKING_ALLOC_OR_SKIP(&self->mem, variant->backing, NPAGES * self->pg);
	/* only what the cases use: a 1 GiB backing is rounded up to 1 GiB */
	memset(self->mem.addr, CANARY, NPAGES * self->pg);
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

/* Copies need a device that writes back what it read (NVMe only on a scratch disk). */
#define NEED_ROUND_TRIP()							\
	do {									\
		if (!self->dma.round_trip)					\
			SKIP(return, "nvme_write: %s only writes its own data (set VFIO_DIRTY_NVME_DESTRUCTIVE=1 on a scratch disk)", \
			     self->dma.ops->name);				\
	} while (0)

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

/* The bitmap of @npages pages from BASE_IOVA is @want, where there is one. */
static void track_check(struct __test_metadata *_metadata, FIXTURE_DATA(device_dma) *self,
			u64 npages, const u64 *want)
{
	if (dirty_mode_tracks(&self->env))
		dirty_get_check(_metadata, &self->env, BASE_IOVA, npages, want);
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
 * The length of the copies: 4 KiB, or what the device moves in one
 * transfer if that is less (edu: 4095 bytes). A copy of more takes two
 * round trips, and each of edu's transfers waits for its 100 ms timer.
 */
static u64 copy_len(FIXTURE_DATA(device_dma) *self)
{
	return self->dma.max_transfer < 4096 ? self->dma.max_transfer : 4096;
}

/*
 * Maps the whole buffer, starts tracking (where the mode has it), puts the
 * pattern at offset @src and has the device copy @len bytes of it to @dst.
 */
static void map_and_copy(struct __test_metadata *_metadata, FIXTURE_DATA(device_dma) *self,
			 u64 src, u64 dst, u64 len)
{
	container_map(&self->env.c, BASE_IOVA, self->mem.addr, NPAGES * self->pg);
	dirty_start_or_refused(_metadata, &self->env);
	fill_pattern(self, src, len);
	ASSERT_EQ(0, __dma_dev_copy(&self->dma, BASE_IOVA + src, BASE_IOVA + dst, len,
				    TIMEOUT_MS));
}

/*
 * DP-BIT-09 / DP-BIT-05 / DP-BIT-06: the device reads a pattern from page 2
 * and writes it 512 bytes before the end of page 10; memory holds the
 * pattern exactly there, canaries elsewhere; the bitmap shows pages 10 and
 * 11 (the read marks nothing), or every page when IOMMU-backed.
 */
TEST_F_TIMEOUT(device_dma, bit05_copy_lands_exactly, BACKING_1G_TIMEOUT)
{
	u64 src = 2 * self->pg, dst = 11 * self->pg - 512, len = copy_len(self);
	u64 want[1] = { 0 };

	NEED_ROUND_TRIP();
	map_and_copy(_metadata, self, src, dst, len);
	EXPECT_EQ(0, memcmp(mem_at(self, src), mem_at(self, dst), len));
	EXPECT_TRUE(mem_is(mem_at(self, 0), CANARY, src));
	EXPECT_TRUE(mem_is(mem_at(self, src + len), CANARY, dst - src - len));
	EXPECT_TRUE(mem_is(mem_at(self, dst + len), CANARY, NPAGES * self->pg - dst - len));
	expect_pages(variant, want, 10, 2);
	track_check(_metadata, self, NPAGES, want);
}

/*
 * DP-BIT-05: a transfer that crosses from one mapping into the next, whose
 * memory is elsewhere: each part lands in its own memory and marks its own
 * mapping.
 */
TEST_F_TIMEOUT(device_dma, bit05_copy_across_mappings, BACKING_1G_TIMEOUT)
{
	const u64 half = NPAGES / 2, len = copy_len(self), tail = len - 2048;
	u64 src = 0, dst = half * self->pg - 2048, want[1] = { 0 };

	NEED_ROUND_TRIP();
	/* A = pages [0, 32) -> memory [0, 32); B = pages [32, 48) -> memory [48, 64). */
	container_map(&self->env.c, BASE_IOVA, self->mem.addr, half * self->pg);
	container_map(&self->env.c, BASE_IOVA + half * self->pg, mem_at(self, 48 * self->pg),
		      16 * self->pg);
	dirty_start_or_refused(_metadata, &self->env);
	fill_pattern(self, src, len);
	ASSERT_EQ(0, __dma_dev_copy(&self->dma, BASE_IOVA + src, BASE_IOVA + dst, len,
				    TIMEOUT_MS));
	EXPECT_EQ(0, memcmp(mem_at(self, src), mem_at(self, dst), 2048));
	EXPECT_EQ(0, memcmp(mem_at(self, src + 2048), mem_at(self, 48 * self->pg), tail));
	EXPECT_TRUE(mem_is(mem_at(self, half * self->pg), CANARY, 16 * self->pg));
	EXPECT_TRUE(mem_is(mem_at(self, 48 * self->pg + tail), CANARY, 16 * self->pg - tail));
	if (variant->kind == DEVICE_PCI) {
		bitmap_set_range(want, 0, half + 16);
	} else {
		bitmap_set_bit(want, half - 1);
		bitmap_set_bit(want, half);
	}
	track_check(_metadata, self, half + 16, want);
}

/* DP-BIT-06: a device read marks nothing (every page when IOMMU-backed). */
TEST_F_TIMEOUT(device_dma, bit06_device_read_marks_nothing, BACKING_1G_TIMEOUT)
{
	u64 want[1] = { 0 };
	int r;

	container_map(&self->env.c, BASE_IOVA, self->mem.addr, NPAGES * self->pg);
	dirty_start_or_refused(_metadata, &self->env);
	r = __dma_dev_from_mem(&self->dma, BASE_IOVA + 3 * self->pg,
			       self->dma.max_transfer);
	if (r == -EOPNOTSUPP)
		SKIP(return, "nvme_compare: %s cannot read host memory without writing its medium",
		     self->dma.ops->name);
	ASSERT_EQ(0, r);
	dma_dev_wait(&self->dma, TIMEOUT_MS);
	if (variant->kind == DEVICE_PCI)
		bitmap_set_range(want, 0, NPAGES);
	track_check(_metadata, self, NPAGES, want);
	EXPECT_TRUE(mem_is(self->mem.addr, CANARY, NPAGES * self->pg));
}

/*
 * DP-UNM-18: unmap-with-bitmap after device DMA reports the written pages
 * and leaves the data intact; a DMA to the old IOVA afterwards reaches no
 * memory (the IOMMU blocks edu; vfio_dma_rw() refuses with EINVAL).
 */
TEST_F_TIMEOUT(device_dma, unm18_unmap_after_dma, BACKING_1G_TIMEOUT)
{
	u64 src = 0, dst = 5 * self->pg, len = copy_len(self), want[1] = { 0 };
	struct guarded_buf buf;
	int r, refused;

	NEED_ROUND_TRIP();
	map_and_copy(_metadata, self, src, dst, len);
	ASSERT_EQ(0, guarded_buf_alloc(&buf, bitmap_bytes(NPAGES)));
	memset(buf.data, 0, buf.size);
	r = __container_unmap_dirty(&self->env.c, BASE_IOVA, NPAGES * self->pg, self->pg,
				    buf.data, buf.size, NULL);
	if (dirty_mode_tracks(&self->env)) {
		ASSERT_EQ(0, r);
		expect_pages(variant, want, 5, 1);
		ASSERT_BITMAP_EQ(want, (u64 *)buf.data, NPAGES);
	} else {
		/* DP-UNM-15 (tracking off in v1), DP-IOMMUFD-02: refused, nothing written */
		ASSERT_ERRNO(EINVAL, r);
		EXPECT_TRUE(mem_is(buf.data, 0, buf.size));
		container_unmap(&self->env.c, BASE_IOVA, NPAGES * self->pg);
	}
	guarded_buf_free(&buf);
	EXPECT_EQ(0, memcmp(mem_at(self, src), mem_at(self, dst), len));

	/* The device still holds the pattern; aim it at the unmapped IOVA. */
	memcpy(self->snapshot, self->mem.addr, NPAGES * self->pg);
	r = __dma_dev_to_mem(&self->dma, BASE_IOVA + 20 * self->pg,
			     self->dma.max_transfer);
	if (!r)
		r = __dma_dev_wait(&self->dma, TIMEOUT_MS);
	/*
	 * vfio_dma_rw() refuses: type1 with EINVAL (no vfio_dma), iommufd's
	 * iommufd_access_rw() with ENOENT (no contiguous area). A PCI device
	 * may complete silently (QEMU's edu and NVMe do) or report a transfer
	 * error: memory is the judge.
	 */
	refused = variant->mode >= IOMMU_MODE_IOMMUFD_COMPAT ? -ENOENT : -EINVAL;
	EXPECT_TRUE(variant->kind == DEVICE_MDEV ? r == refused :
		    r == 0 || r == -EFAULT || r == -EIO || r > 0) TH_LOG("r = %d", r);
	EXPECT_EQ(0, memcmp(self->snapshot, self->mem.addr, NPAGES * self->pg));
}

/*
 * DP-BIT-09 / DP-BIT-05: a device that writes data of its own (an NVMe
 * READ of its first blocks) writes exactly what it says it will, between
 * canaries, across a page boundary, and the bitmap shows it.
 */
TEST_F_TIMEOUT(device_dma, bit05_device_data_lands_exactly, BACKING_1G_TIMEOUT)
{
	u64 len, dst = 7 * self->pg + 512, want[1] = { 0 };
	u8 *expected;

	if (!self->dma.ops->expected)
		SKIP(return, "dma: %s has no data of its own to write: the copy tests cover it",
		     self->dma.ops->name);
	len = self->dma.max_transfer < 4 * self->pg ? self->dma.max_transfer : 4 * self->pg;
	expected = malloc(len);
	ASSERT_NE(NULL, expected);
	container_map(&self->env.c, BASE_IOVA, self->mem.addr, NPAGES * self->pg);
	dirty_start_or_refused(_metadata, &self->env);
	dma_dev_expected(&self->dma, expected, len, TIMEOUT_MS);
	dma_dev_to_mem(&self->dma, BASE_IOVA + dst, len);
	dma_dev_wait(&self->dma, TIMEOUT_MS);
	EXPECT_EQ(0, memcmp(expected, mem_at(self, dst), len));
	EXPECT_TRUE(mem_is(mem_at(self, 0), CANARY, dst));
	EXPECT_TRUE(mem_is(mem_at(self, dst + len), CANARY, NPAGES * self->pg - dst - len));
	expect_pages(variant, want, 7, (dst + len - 1) / self->pg - 7 + 1);
	track_check(_metadata, self, NPAGES, want);
	free(expected);
}

VFIO_DIRTY_MAIN("dirty_device_dma_test: a device does real DMA while tracking, over every memory\n"
		"backing: QEMU's edu through the IOMMU (every page dirty, DP-BIT-09) and the\n"
		"suite's test mdev through vfio_dma_rw() (exactly the written pages, DP-BIT-05/06);\n"
		"data checked byte for byte with canaries; unmap-with-bitmap after DMA reports\n"
		"the pages and a DMA to the old IOVA reaches no memory (DP-UNM-18).")
