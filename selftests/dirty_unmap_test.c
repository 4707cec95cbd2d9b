// SPDX-License-Identifier: GPL-2.0-only
/*
 * VFIO_IOMMU_UNMAP_DMA with VFIO_DMA_UNMAP_FLAG_GET_DIRTY_BITMAP (spec
 * section 3, DP-UNM-01..20): every argument rule with its exact errno, the
 * bits reported for pinned, written and IOMMU-backed pages, bit placement
 * over several mappings and holes, the size written back, partial failure,
 * and what is left mapped. Runs in an IOMMU-backed container (vfio-pci) and
 * in an emulated one (the suite's test mdev). Every rejected call has its
 * control in the same test: the same unmap with only the offending field
 * made valid succeeds, so the errno can only come from the rule under test
 * (and the control's unmap.size shows the refused call left it mapped).
 */
#include "vfio_dirty_test.h"

#define BASE_IOVA	(1ULL << 30)
#define NPAGES		64

FIXTURE(unmap) {
	struct dirty_env env;
	struct vdm vdm;
	struct backing mem;
	u64 pg;
};

FIXTURE_VARIANT(unmap) {
	enum iommu_mode mode;
	enum device_kind kind;
};

FIXTURE_VARIANT_ADD_ALL_KINDS(unmap);

FIXTURE_SETUP(unmap)
{
	DIRTY_INIT_OR_SKIP(&self->env, &self->vdm, variant->kind, variant->mode);
	self->pg = self->env.pgsize;
	BACKING_ALLOC_OR_SKIP(&self->mem, BACKING_ANON, 512 * self->pg);
}

FIXTURE_TEARDOWN(unmap)
{
	env_teardown(&self->env);
	backing_free(&self->mem);
}

static u64 iova_of(FIXTURE_DATA(unmap) *self, u64 page)
{
	return BASE_IOVA + page * self->pg;
}

/* One mapping of NPAGES pages at BASE_IOVA; tracking on. */
static void map_one_tracking(struct __test_metadata *_metadata, FIXTURE_DATA(unmap) *self)
{
	container_map(&self->env.c, BASE_IOVA, self->mem.addr, NPAGES * self->pg);
	container_dirty_start(&self->env.c);
}

/* An unmap-with-bitmap argument over the mapping, valid in every field. */
static void valid_unmap(struct unmap_dirty_arg *arg, FIXTURE_DATA(unmap) *self, void *bitmap)
{
	memset(arg, 0, sizeof(*arg));
	arg->hdr.argsz = sizeof(*arg);
	arg->hdr.flags = VFIO_DMA_UNMAP_FLAG_GET_DIRTY_BITMAP;
	arg->hdr.iova = BASE_IOVA;
	arg->hdr.size = NPAGES * self->pg;
	arg->bitmap.pgsize = self->pg;
	arg->bitmap.size = bitmap_bytes(NPAGES);
	arg->bitmap.data = bitmap;
}

/*
 * Bytes a plain unmap of the range removes: the size of the mappings still
 * there (0 when none). Used last, to see what an earlier call left mapped.
 */
static u64 unmapped_bytes(FIXTURE_DATA(unmap) *self, u64 page, u64 npages)
{
	u64 n = ~0ULL;

	if (__container_unmap(&self->env.c, iova_of(self, page), npages * self->pg, 0, &n))
		return ~0ULL;
	return n;
}

/*
 * The control of a refused unmap-with-bitmap over the first @npages pages:
 * the valid call over them (valid_unmap() with that size) succeeds and
 * unmaps all of them, which also shows the refused call left them mapped.
 */
static void control_unmap(struct __test_metadata *_metadata, FIXTURE_DATA(unmap) *self,
			  u64 npages)
{
	struct unmap_dirty_arg arg;
	struct guarded_buf buf;

	ASSERT_EQ(0, guarded_buf_alloc(&buf, bitmap_bytes(npages)));
	valid_unmap(&arg, self, buf.data);
	arg.hdr.size = npages * self->pg;
	arg.bitmap.size = bitmap_bytes(npages);
	EXPECT_EQ(0, __container_unmap_ioctl(&self->env.c, &arg)) TH_LOG("control unmap");
	EXPECT_EQ(npages * self->pg, arg.hdr.size);
	guarded_buf_free(&buf);
}

/* DP-UNM-01: the 24-byte header is not readable; control: a readable one. */
TEST_F(unmap, unm01_header_unreadable)
{
	map_one_tracking(_metadata, self);
	EXPECT_ERRNO(EFAULT, __container_unmap_ioctl(&self->env.c, NULL));
	EXPECT_ERRNO(EFAULT, __container_unmap_ioctl(&self->env.c, fault_page()));
	control_unmap(_metadata, self, NPAGES);
}

/*
 * DP-UNM-02: argsz below 24, or an undefined flag bit. Controls: the plain
 * unmap with argsz 24, then (mapped again) the unmap with the bitmap.
 */
TEST_F(unmap, unm02_argsz_and_flags)
{
	struct unmap_dirty_arg arg;
	u64 bitmap[1];
	int bit;

	map_one_tracking(_metadata, self);
	valid_unmap(&arg, self, bitmap);
	arg.hdr.flags = 0;
	arg.hdr.argsz = 23;
	EXPECT_ERRNO(EINVAL, __container_unmap_ioctl(&self->env.c, &arg));
	for (bit = 3; bit < 32; bit++) {
		valid_unmap(&arg, self, bitmap);
		arg.hdr.flags |= 1U << bit;
		EXPECT_ERRNO(EINVAL, __container_unmap_ioctl(&self->env.c, &arg));
	}
	valid_unmap(&arg, self, bitmap);
	arg.hdr.flags = 0;
	arg.hdr.argsz = 24;
	EXPECT_EQ(0, __container_unmap_ioctl(&self->env.c, &arg));
	EXPECT_EQ(NPAGES * self->pg, arg.hdr.size);
	container_map(&self->env.c, BASE_IOVA, self->mem.addr, NPAGES * self->pg);
	control_unmap(_metadata, self, NPAGES);
}

/*
 * DP-UNM-03: GET_DIRTY_BITMAP with ALL or VADDR. Controls: ALL alone (the
 * whole container), then (mapped again) the unmap with the bitmap alone.
 */
TEST_F(unmap, unm03_bitmap_with_all_or_vaddr)
{
	struct unmap_dirty_arg arg;
	u64 bitmap[1];

	map_one_tracking(_metadata, self);
	valid_unmap(&arg, self, bitmap);
	arg.hdr.flags |= VFIO_DMA_UNMAP_FLAG_ALL;
	arg.hdr.iova = 0;
	arg.hdr.size = 0;
	EXPECT_ERRNO(EINVAL, __container_unmap_ioctl(&self->env.c, &arg));
	valid_unmap(&arg, self, bitmap);
	arg.hdr.flags |= VFIO_DMA_UNMAP_FLAG_VADDR;
	EXPECT_ERRNO(EINVAL, __container_unmap_ioctl(&self->env.c, &arg));
	valid_unmap(&arg, self, bitmap);
	arg.hdr.argsz = sizeof(arg.hdr);
	arg.hdr.flags = VFIO_DMA_UNMAP_FLAG_ALL;
	arg.hdr.iova = 0;
	arg.hdr.size = 0;
	EXPECT_EQ(0, __container_unmap_ioctl(&self->env.c, &arg));
	EXPECT_EQ(NPAGES * self->pg, arg.hdr.size);
	container_map(&self->env.c, BASE_IOVA, self->mem.addr, NPAGES * self->pg);
	control_unmap(_metadata, self, NPAGES);
}

/* DP-UNM-04: GET_DIRTY_BITMAP needs argsz >= 48; control: 48. */
TEST_F(unmap, unm04_argsz_without_bitmap)
{
	struct unmap_dirty_arg arg;
	u64 bitmap[1];
	u32 argsz;

	map_one_tracking(_metadata, self);
	for (argsz = 24; argsz < 48; argsz += 8) {
		valid_unmap(&arg, self, bitmap);
		arg.hdr.argsz = argsz;
		EXPECT_ERRNO(EINVAL, __container_unmap_ioctl(&self->env.c, &arg));
	}
	valid_unmap(&arg, self, bitmap);
	arg.hdr.argsz = 47;
	EXPECT_ERRNO(EINVAL, __container_unmap_ioctl(&self->env.c, &arg));
	control_unmap(_metadata, self, NPAGES);
}

/*
 * DP-UNM-05: struct vfio_bitmap after a readable header faults; control:
 * the same header followed by a readable vfio_bitmap.
 */
TEST_F(unmap, unm05_bitmap_struct_unreadable)
{
	struct vfio_iommu_type1_dma_unmap *hdr;
	struct guarded_buf buf;

	map_one_tracking(_metadata, self);
	ASSERT_EQ(0, guarded_buf_alloc(&buf, sizeof(*hdr)));
	hdr = buf.data;
	hdr->argsz = sizeof(struct unmap_dirty_arg);
	hdr->flags = VFIO_DMA_UNMAP_FLAG_GET_DIRTY_BITMAP;
	hdr->iova = BASE_IOVA;
	hdr->size = NPAGES * self->pg;
	EXPECT_ERRNO(EFAULT, __container_unmap_ioctl(&self->env.c, hdr));
	guarded_buf_free(&buf);
	control_unmap(_metadata, self, NPAGES);
}

/*
 * DP-UNM-06: a bitmap that is not user memory is EINVAL, not EFAULT;
 * control: the same unmap into user memory.
 */
TEST_F(unmap, unm06_bitmap_not_user_memory)
{
	struct unmap_dirty_arg arg;

	map_one_tracking(_metadata, self);
	valid_unmap(&arg, self, (void *)0xffff888000000000ULL);
	EXPECT_ERRNO(EINVAL, __container_unmap_ioctl(&self->env.c, &arg));
	control_unmap(_metadata, self, NPAGES);
}

/*
 * DP-UNM-07: zero, too small (one word short) or over 256 MiB; control:
 * exactly BYTES(npages).
 */
TEST_F(unmap, unm07_bitmap_size)
{
	u64 sizes[] = { 0, bitmap_bytes(NPAGES + 1) - 8, DIRTY_BITMAP_SIZE_MAX + 8 };
	struct unmap_dirty_arg arg;
	u64 bitmap[2];
	unsigned int i;

	container_map(&self->env.c, BASE_IOVA, self->mem.addr, (NPAGES + 1) * self->pg);
	container_dirty_start(&self->env.c);
	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		valid_unmap(&arg, self, bitmap);
		arg.hdr.size = (NPAGES + 1) * self->pg;
		arg.bitmap.size = sizes[i];
		EXPECT_ERRNO(EINVAL, __container_unmap_ioctl(&self->env.c, &arg))
			TH_LOG("bitmap.size %llu", (unsigned long long)sizes[i]);
	}
	control_unmap(_metadata, self, NPAGES + 1);
}

/*
 * DP-UNM-08 / DP-UNM-09: iova or size unaligned, size 0, a wrapping range
 * (the errno MAP gives a wrapping range on this kernel, DP-VER-07). The
 * unaligned ranges contain the whole mapping and end in holes, so the
 * range rule (DP-UNM-12) cannot refuse them. Controls, each on a fresh
 * mapping: the field aligned down, the mapping's size, the iova moved to
 * the hole after the mapping.
 */
TEST_F(unmap, unm08_unm09_alignment_and_wrap)
{
	int wrap = container_map_wrap_errno(&self->env.c, self->mem.addr, self->pg);
	struct unmap_dirty_arg arg;
	u64 bitmap[2];

	ASSERT_TRUE(wrap == EINVAL || wrap == EOVERFLOW)
		TH_LOG("MAP of a wrapping range: %s (DP-VER-07)", strerror(wrap));
	map_one_tracking(_metadata, self);
	valid_unmap(&arg, self, bitmap);
	arg.bitmap.size = sizeof(bitmap);
	arg.hdr.iova = BASE_IOVA - self->pg / 2;
	arg.hdr.size = (NPAGES + 1) * self->pg;
	EXPECT_ERRNO(EINVAL, __container_unmap_ioctl(&self->env.c, &arg));
	arg.hdr.iova = BASE_IOVA - self->pg;
	EXPECT_EQ(0, __container_unmap_ioctl(&self->env.c, &arg));
	EXPECT_EQ(NPAGES * self->pg, arg.hdr.size);

	container_map(&self->env.c, BASE_IOVA, self->mem.addr, NPAGES * self->pg);
	valid_unmap(&arg, self, bitmap);
	arg.bitmap.size = sizeof(bitmap);
	arg.hdr.size = NPAGES * self->pg + self->pg / 2;
	EXPECT_ERRNO(EINVAL, __container_unmap_ioctl(&self->env.c, &arg));
	arg.hdr.size = 0;
	EXPECT_ERRNO(EINVAL, __container_unmap_ioctl(&self->env.c, &arg));
	arg.hdr.size = NPAGES * self->pg;
	EXPECT_EQ(0, __container_unmap_ioctl(&self->env.c, &arg));
	EXPECT_EQ(NPAGES * self->pg, arg.hdr.size);

	container_map(&self->env.c, BASE_IOVA, self->mem.addr, NPAGES * self->pg);
	valid_unmap(&arg, self, bitmap);
	arg.hdr.iova = -(2 * self->pg);
	arg.hdr.size = 4 * self->pg;
	EXPECT_ERRNO(wrap, __container_unmap_ioctl(&self->env.c, &arg));
	arg.hdr.iova = iova_of(self, NPAGES);
	EXPECT_EQ(0, __container_unmap_ioctl(&self->env.c, &arg));
	EXPECT_EQ(0, arg.hdr.size);
	control_unmap(_metadata, self, NPAGES);
}

/* DP-UNM-10: tracking never started, or stopped; control: while tracking. */
TEST_F(unmap, unm10_not_tracking)
{
	struct unmap_dirty_arg arg;
	u64 bitmap[1];

	container_map(&self->env.c, BASE_IOVA, self->mem.addr, NPAGES * self->pg);
	valid_unmap(&arg, self, bitmap);
	EXPECT_ERRNO(EINVAL, __container_unmap_ioctl(&self->env.c, &arg));
	container_dirty_start(&self->env.c);
	container_dirty_stop(&self->env.c);
	EXPECT_ERRNO(EINVAL, __container_unmap_ioctl(&self->env.c, &arg));
	container_dirty_start(&self->env.c);
	control_unmap(_metadata, self, NPAGES);
}

/*
 * DP-UNM-11 / DP-ARG-16: any bitmap page size but the capability's;
 * control: the same unmap (same buffer and size) with the capability's.
 */
TEST_F(unmap, unm11_bitmap_pgsize)
{
	u64 npages_1k = NPAGES * self->pg / 1024, pgsize;
	struct unmap_dirty_arg arg;
	struct guarded_buf buf;

	map_one_tracking(_metadata, self);
	ASSERT_EQ(0, guarded_buf_alloc(&buf, bitmap_bytes(npages_1k)));
	for (pgsize = 1024; pgsize <= (1ULL << 30); pgsize <<= 1) {
		if (pgsize == self->pg)
			continue;
		valid_unmap(&arg, self, buf.data);
		arg.bitmap.pgsize = pgsize;
		arg.bitmap.size = buf.size;
		EXPECT_ERRNO(EINVAL, __container_unmap_ioctl(&self->env.c, &arg))
			TH_LOG("pgsize %llu", (unsigned long long)pgsize);
	}
	valid_unmap(&arg, self, buf.data);
	arg.bitmap.size = buf.size;
	EXPECT_EQ(0, __container_unmap_ioctl(&self->env.c, &arg));
	EXPECT_EQ(NPAGES * self->pg, arg.hdr.size);
	guarded_buf_free(&buf);
}

/*
 * DP-UNM-12: the range may not cut a mapping; nothing is unmapped.
 * Control: the offending end moved to the mapping's edge.
 */
TEST_F(unmap, unm12_range_cuts_mapping)
{
	u64 bitmap[2];

	map_one_tracking(_metadata, self);
	EXPECT_ERRNO(EINVAL, __container_unmap_dirty(&self->env.c, iova_of(self, 1),
						     (NPAGES - 1) * self->pg, self->pg,
						     bitmap, sizeof(bitmap), NULL));
	EXPECT_ERRNO(EINVAL, __container_unmap_dirty(&self->env.c, BASE_IOVA,
						     (NPAGES / 2) * self->pg, self->pg,
						     bitmap, sizeof(bitmap), NULL));
	control_unmap(_metadata, self, NPAGES);
}

/*
 * DP-UNM-13: the copy-out for the second of two mappings faults: EFAULT,
 * the first is unmapped, the second still mapped, and unmap.size is not
 * written back. Control: the same unmap into memory succeeds.
 */
TEST_F(unmap, unm13_partial_failure)
{
	struct unmap_dirty_arg arg;
	struct guarded_buf buf;

	/* A in bitmap word 0, B in word 1, which lies in the guard page. */
	container_map(&self->env.c, iova_of(self, 0), self->mem.addr, NPAGES * self->pg);
	container_map(&self->env.c, iova_of(self, 64), (char *)self->mem.addr + NPAGES * self->pg,
		      NPAGES * self->pg);
	container_dirty_start(&self->env.c);
	if (variant->kind == DEVICE_MDEV) {
		ASSERT_EQ(0, vdm_dma_write(&self->vdm, iova_of(self, 1), 1, 0xee));
		ASSERT_EQ(0, vdm_dma_write(&self->vdm, iova_of(self, 65), 1, 0xee));
	}
	ASSERT_EQ(0, guarded_buf_alloc(&buf, 8));
	memset(buf.data, 0, 8);
	valid_unmap(&arg, self, buf.data);
	arg.hdr.size = 128 * self->pg;
	arg.bitmap.size = bitmap_bytes(128);
	EXPECT_ERRNO(EFAULT, __container_unmap_ioctl(&self->env.c, &arg));
	EXPECT_EQ(128 * self->pg, arg.hdr.size);
	/* A's bits were copied before the fault. */
	EXPECT_EQ(variant->kind == DEVICE_MDEV ? 1ULL << 1 : ~0ULL, *(u64 *)buf.data);
	EXPECT_EQ(0, unmapped_bytes(self, 0, NPAGES));
	/* control: A mapped again, the same unmap into memory reports both */
	container_map(&self->env.c, iova_of(self, 0), self->mem.addr, NPAGES * self->pg);
	guarded_buf_free(&buf);
	ASSERT_EQ(0, guarded_buf_alloc(&buf, bitmap_bytes(128)));
	memset(buf.data, 0, buf.size);
	valid_unmap(&arg, self, buf.data);
	arg.hdr.size = 128 * self->pg;
	arg.bitmap.size = bitmap_bytes(128);
	EXPECT_EQ(0, __container_unmap_ioctl(&self->env.c, &arg));
	EXPECT_EQ(128 * self->pg, arg.hdr.size);
	/* B's dirty pages are still reported after the failed call */
	EXPECT_EQ(variant->kind == DEVICE_MDEV ? 1ULL << 1 : ~0ULL, ((u64 *)buf.data)[1]);
	guarded_buf_free(&buf);
}

/*
 * DP-UNM-14 / DP-UNM-16 / DP-UNM-17 / DP-UNM-18: one unmap over mappings
 * at page offsets that are not multiples of 64, with holes: 0, the bytes
 * of every mapping in unmap.size, each mapping's pages at its offset from
 * unmap.iova; nothing left mapped.
 */
TEST_F(unmap, unm17_bit_placement_over_holes)
{
	struct layout l = layout_holes_at(BASE_IOVA, self->pg);
	const u64 npages = LAYOUT_HOLES_PAGES;
	u64 want[5] = { 0 }, unmapped = 0;
	struct guarded_buf buf;

	ksft_print_msg("cites: DP-UNM-14 DP-UNM-16 DP-UNM-18\n");
	ASSERT_EQ(0, __layout_map(&l, &self->env.c, &self->mem));
	container_dirty_start(&self->env.c);
	if (variant->kind == DEVICE_MDEV) {
		/* The first and last page of every mapping, and B's page 44. */
		for (int i = 0; i < l.nr; i++) {
			u64 first = layout_holes[i].page, last = first + layout_holes[i].npages - 1;

			ASSERT_EQ(0, vdm_dma_write(&self->vdm, iova_of(self, first), 1, 1));
			ASSERT_EQ(0, vdm_dma_write(&self->vdm, iova_of(self, last), 1, 1));
			bitmap_set_bit(want, first);
			bitmap_set_bit(want, last);
		}
		ASSERT_EQ(0, vdm_dma_write(&self->vdm, iova_of(self, 64), 1, 1));
		bitmap_set_bit(want, 64);
	} else {
		layout_expect_all(&l, 0, npages, want);
	}
	ASSERT_EQ(0, guarded_buf_alloc(&buf, bitmap_bytes(npages)));
	memset(buf.data, 0, buf.size);
	ASSERT_EQ(0, __container_unmap_dirty(&self->env.c, BASE_IOVA, npages * self->pg,
					     self->pg, buf.data, buf.size, &unmapped));
	EXPECT_EQ(layout_pages(&l) * self->pg, unmapped);
	ASSERT_BITMAP_EQ(want, (u64 *)buf.data, npages + 20);
	EXPECT_EQ(0, unmapped_bytes(self, 0, npages));
	guarded_buf_free(&buf);
}

/*
 * DP-UNM-16: a range with no mapping returns 0, unmap.size 0, and leaves
 * the bitmap untouched.
 */
TEST_F(unmap, unm16_range_without_mapping)
{
	u64 unmapped = ~0ULL;
	struct guarded_buf buf;

	map_one_tracking(_metadata, self);
	ASSERT_EQ(0, guarded_buf_alloc(&buf, bitmap_bytes(NPAGES)));
	memset(buf.data, 0xa5, buf.size);
	EXPECT_EQ(0, __container_unmap_dirty(&self->env.c, iova_of(self, NPAGES),
					     NPAGES * self->pg, self->pg, buf.data, buf.size,
					     &unmapped));
	EXPECT_EQ(0, unmapped);
	EXPECT_TRUE(mem_is(buf.data, 0xa5, buf.size));
	guarded_buf_free(&buf);
	EXPECT_EQ(NPAGES * self->pg, unmapped_bytes(self, 0, NPAGES));
}

/*
 * DP-UNM-18: what was dirtied since the last GET is reported, and what a
 * GET already collected is not (emulated); every page (IOMMU-backed).
 */
TEST_F(unmap, unm18_reports_since_last_get)
{
	u64 want[1] = { 0 }, unmapped = 0;
	struct guarded_buf buf;

	map_one_tracking(_metadata, self);
	if (variant->kind == DEVICE_MDEV) {
		ASSERT_EQ(0, vdm_dma_write(&self->vdm, iova_of(self, 10), 1, 1));
		ASSERT_DIRTY_PAGES(&self->env, BASE_IOVA, NPAGES, 10);
		ASSERT_EQ(0, vdm_dma_write(&self->vdm, iova_of(self, 63), 1, 1));
		bitmap_set_bit(want, 63);
	} else {
		bitmap_set_range(want, 0, NPAGES);
		dirty_get_check(_metadata, &self->env, BASE_IOVA, NPAGES, want);
	}
	ASSERT_EQ(0, guarded_buf_alloc(&buf, bitmap_bytes(NPAGES)));
	memset(buf.data, 0, buf.size);
	ASSERT_EQ(0, __container_unmap_dirty(&self->env.c, BASE_IOVA, NPAGES * self->pg,
					     self->pg, buf.data, buf.size, &unmapped));
	EXPECT_EQ(NPAGES * self->pg, unmapped);
	ASSERT_BITMAP_EQ(want, (u64 *)buf.data, NPAGES);
	guarded_buf_free(&buf);
}

/*
 * DP-UNM-18: after unmap-with-bitmap the mapping is really gone: a GET
 * over it writes nothing, and the device can no longer reach it. Control:
 * before the unmap the same pin and write succeed.
 */
TEST_F(unmap, unm18_mapping_gone_after)
{
	u64 bitmap[1] = { 0 };
	struct guarded_buf buf;

	map_one_tracking(_metadata, self);
	if (variant->kind == DEVICE_MDEV) {
		ASSERT_EQ(1, vdm_pin(&self->vdm, BASE_IOVA, 1, VDM_PROT_READ));
		ASSERT_EQ(0, vdm_unpin(&self->vdm, BASE_IOVA, 1));
		ASSERT_EQ(0, vdm_dma_write(&self->vdm, BASE_IOVA, 1, 1));
	}
	ASSERT_EQ(0, __container_unmap_dirty(&self->env.c, BASE_IOVA, NPAGES * self->pg,
					     self->pg, bitmap, sizeof(bitmap), NULL));
	ASSERT_EQ(0, guarded_buf_alloc(&buf, bitmap_bytes(NPAGES)));
	memset(buf.data, 0xa5, buf.size);
	EXPECT_EQ(0, __container_dirty_get(&self->env.c, BASE_IOVA, NPAGES * self->pg, self->pg,
					   buf.data, buf.size));
	EXPECT_TRUE(mem_is(buf.data, 0xa5, buf.size));
	guarded_buf_free(&buf);
	if (variant->kind == DEVICE_MDEV) {
		EXPECT_EQ(-EINVAL, vdm_pin(&self->vdm, BASE_IOVA, 1, VDM_PROT_READ));
		EXPECT_EQ(-EINVAL, vdm_dma_write(&self->vdm, BASE_IOVA, 1, 1));
	}
}

/*
 * DP-UNM-20: a plain unmap while tracking discards the mapping's dirty
 * state: mapped again at the same place, it starts clean (emulated) or
 * all dirty by rule (IOMMU-backed), never with the old bits.
 */
TEST_F(unmap, unm20_plain_unmap_discards_state)
{
	map_one_tracking(_metadata, self);
	if (variant->kind == DEVICE_MDEV)
		ASSERT_EQ(0, vdm_dma_write(&self->vdm, iova_of(self, 7), 1, 1));
	container_unmap(&self->env.c, BASE_IOVA, NPAGES * self->pg);
	container_map(&self->env.c, BASE_IOVA, self->mem.addr, NPAGES * self->pg);
	if (variant->kind == DEVICE_MDEV) {
		ASSERT_NO_DIRTY_PAGES(&self->env, BASE_IOVA, NPAGES);
	} else {
		u64 all[1] = { ~0ULL };

		dirty_get_check(_metadata, &self->env, BASE_IOVA, NPAGES, all);
	}
}

/*
 * DP-DEFECT-01 through unmap: a GET over mappings at offsets that are not
 * multiples of 64, then unmap-with-bitmap over the same range. The unmap
 * must report exactly what was dirtied since the GET (nothing, emulated;
 * every mapped page, IOMMU-backed): stale shifted bits show up as dirty
 * hole and padding pages.
 */
TEST_F(unmap, defect01_get_then_unmap)
{
	struct layout l = layout_holes_at(BASE_IOVA, self->pg);
	const u64 npages = LAYOUT_HOLES_PAGES;
	u64 want[5] = { 0 };
	struct guarded_buf buf;

	ASSERT_EQ(0, __layout_map(&l, &self->env.c, &self->mem));
	container_dirty_start(&self->env.c);
	if (variant->kind == DEVICE_MDEV) {
		for (int i = 0; i < l.nr; i++)
			ASSERT_EQ(0, vdm_dma_write(&self->vdm,
						   iova_of(self, layout_holes[i].page + layout_holes[i].npages - 1),
						   1, 1));
	} else {
		layout_expect_all(&l, 0, npages, want);
	}
	ASSERT_EQ(0, guarded_buf_alloc(&buf, bitmap_bytes(npages)));
	memset(buf.data, 0, buf.size);
	ASSERT_EQ(0, __container_dirty_get(&self->env.c, BASE_IOVA, npages * self->pg, self->pg,
					   buf.data, buf.size));
	memset(buf.data, 0, buf.size);
	ASSERT_EQ(0, __container_unmap_dirty(&self->env.c, BASE_IOVA, npages * self->pg,
					     self->pg, buf.data, buf.size, NULL));
	ASSERT_BITMAP_EQ(want, (u64 *)buf.data, npages + 20);
	guarded_buf_free(&buf);
}

VFIO_DIRTY_MAIN("dirty_unmap_test: VFIO_IOMMU_UNMAP_DMA with VFIO_DMA_UNMAP_FLAG_GET_DIRTY_BITMAP:\n"
		"every argument rule with its exact errno (DP-UNM-01..12), partial failure\n"
		"(DP-UNM-13), size written back and empty ranges (DP-UNM-14/16), bit placement\n"
		"over mappings and holes (DP-UNM-17), what is reported and what is gone after\n"
		"(DP-UNM-18), plain unmap while tracking (DP-UNM-20), and DP-DEFECT-01 through\n"
		"unmap; in an IOMMU-backed container (vfio-pci) and an emulated one (test mdev).")
