// SPDX-License-Identifier: GPL-2.0-only
/*
 * Pinned page dirty scope of an IOMMU-backed group whose driver pins (spec
 * 5.2, DP-SCOPE-04..08, DP-BIT-09): QEMU's edu bound to vfio_dirty_pci, the
 * suite's vfio-pci variant driver (fixtures/kmod), which sets .dma_unmap and
 * so may call vfio_pin_pages() and vfio_dma_rw() on the IOVAs a test names,
 * through the test mdev's command protocol. vfio-pci sets no .dma_unmap, so
 * no in-tree driver of a device behind an IOMMU can promote its group: this
 * is the one way to see type1's promotion of an IOMMU-backed group happen.
 *
 * Every case runs in a type1 v2 container (type1 v1 refuses pins, EACCES)
 * holding the variant device; some add the group of a vfio-pci device (the
 * first named PCI device on vfio-pci: in the lab, edu or NVMe), which
 * cannot pin and so is never promoted.
 */
#include <limits.h>

#include "dma_driver.h"
#include "vfio_dirty_test.h"

/* edu DMAs below 1 << 28 only: its IOVAs, and the DMA driver's own, stay there. */
#define BASE_IOVA	(1ULL << 20)
#define NPAGES		64
#define PRIV_IOVA	(1ULL << 24)
#define TIMEOUT_MS	5000

/* The index among the named PCI devices of the first one bound to @drv, or -1. */
static int named_on_driver(const char *drv)
{
	char path[PATH_MAX], link[PATH_MAX], *base;
	const char *name;
	ssize_t n;
	int i;

	for (i = 0; (name = device_nth(DEVICE_PCI, i)); i++) {
		host_path(path, sizeof(path), "/sys/bus/pci/devices/%s/driver", name);
		n = readlink(path, link, sizeof(link) - 1);
		if (n < 0)
			continue;
		link[n] = '\0';
		base = strrchr(link, '/');
		if (!strcmp(base ? base + 1 : link, drv))
			return i;
	}
	return -1;
}

FIXTURE(scope_pci) {
	struct dirty_env env;
	struct vdm vdm;
	struct backing mem;
	u64 pg;
	u64 *all;
};

FIXTURE_VARIANT(scope_pci) {
	enum iommu_mode mode;
};

FIXTURE_VARIANT_ADD_TRACKING_MODES(scope_pci)

FIXTURE_SETUP(scope_pci)
{
	int nth = named_on_driver(VDP_DRIVER_NAME);

	/* what the teardown closes, should the set-up stop before env_init() */
	self->env.c.fd = -1;
	self->env.dev.fd = -1;
	if (nth < 0)
		SKIP(return, "pcivar: no PCI device on " VDP_DRIVER_NAME
		     " named (runner.sh --device BDF --driver " VDP_DRIVER_NAME ")");
	ENV_INIT_OR_SKIP(&self->env, DEVICE_PCI, nth, variant->mode);
	VDM_INIT(&self->env, &self->vdm);
	DIRTY_TRACKING_OR_SKIP(&self->env);
	/* the kernel's answers, unchanged by the driver */
	vdm_set_mode(&self->vdm, VDM_PASS_THROUGH);
	self->pg = self->env.pgsize;
	BACKING_ALLOC_OR_SKIP(&self->mem, BACKING_ANON, NPAGES * self->pg);
	memset(self->mem.addr, 0, NPAGES * self->pg);
	container_map(&self->env.c, BASE_IOVA, self->mem.addr, NPAGES * self->pg);
	self->all = calloc(1, bitmap_bytes(NPAGES));
	ASSERT_NE(NULL, self->all);
	bitmap_set_range(self->all, 0, NPAGES);
}

FIXTURE_TEARDOWN(scope_pci)
{
	env_teardown(&self->env);
	backing_free(&self->mem);
	free(self->all);
}

/* The group of the first named vfio-pci device, attached; SKIPs without one. */
#define ATTACH_OTHER_OR_SKIP(d) do {						\
	char __why[256] = "";							\
	int __nth = named_on_driver("vfio-pci");				\
	if (__nth < 0)								\
		SKIP(return, "pci: no vfio-pci device named beside the " VDP_DRIVER_NAME " one"); \
	ASSERT_EQ(0, __device_find(d, device_nth(DEVICE_PCI, __nth), __why, sizeof(__why))) \
		TH_LOG("set-up failed: %s", __why);				\
	ASSERT_NE(self->env.dev.group_id, (d)->group_id);			\
	ASSERT_EQ(0, __container_attach_group(&self->env.c, (d)->group_id))	\
		TH_LOG("attaching group %d of %s", (d)->group_id, (d)->name);	\
} while (0)

#define IOVA(page)		(BASE_IOVA + (u64)(page) * self->pg)
#define PIN(page)		vdm_pin(&self->vdm, IOVA(page), 1, VDM_PROT_WRITE)
#define WRITE(page)		vdm_dma_write(&self->vdm, IOVA(page), 8, 0xa5)
#define EXPECT_ALL_DIRTY()	dirty_get_check(_metadata, &self->env, BASE_IOVA, NPAGES, self->all)
#define EXPECT_DIRTY(...)	ASSERT_DIRTY_PAGES(&self->env, BASE_IOVA, NPAGES, __VA_ARGS__)
#define EXPECT_CLEAN()		ASSERT_NO_DIRTY_PAGES(&self->env, BASE_IOVA, NPAGES)

/*
 * DP-SCOPE-03 / DP-BIT-09: the variant's group is IOMMU-backed and starts
 * not pinned scope, like any vfio-pci group: before any pin every GET
 * reports every page, whatever vfio_dma_rw() wrote or did not write.
 */
TEST_F(scope_pci, bit09_all_dirty_before_any_pin)
{
	ksft_print_msg("cites: DP-SCOPE-03 DP-SCOPE-08\n");
	container_dirty_start(&self->env.c);
	EXPECT_ALL_DIRTY();
	EXPECT_ALL_DIRTY();
	ASSERT_EQ(0, WRITE(6));
	EXPECT_ALL_DIRTY();
	EXPECT_ALL_DIRTY();
}

/*
 * DP-SCOPE-04: the first successful vfio_pin_pages() of the group's device
 * makes the group pinned scope; with no other non-pinned group left, GET
 * reports exactly the pinned pages (every GET, DP-BIT-08) and the pages
 * vfio_dma_rw() wrote (once). DP-SCOPE-07: unpinning does not demote it:
 * the unpinned page is reported once more, then nothing.
 */
TEST_F(scope_pci, scope04_first_pin_promotes)
{
	ksft_print_msg("cites: DP-BIT-09 DP-BIT-08 DP-SCOPE-07\n");
	container_dirty_start(&self->env.c);
	EXPECT_ALL_DIRTY();
	ASSERT_EQ(1, PIN(3));
	EXPECT_DIRTY(3);
	EXPECT_DIRTY(3);
	ASSERT_EQ(0, WRITE(8));
	ASSERT_EQ(0, WRITE(40));
	EXPECT_DIRTY(3, 8, 40);
	EXPECT_DIRTY(3);
	ASSERT_EQ(0, vdm_unpin(&self->vdm, IOVA(3), 1));
	EXPECT_DIRTY(3);
	EXPECT_CLEAN();
	ASSERT_EQ(0, WRITE(9));
	EXPECT_DIRTY(9);
	EXPECT_CLEAN();
}

/*
 * DP-SCOPE-04: a pin made before tracking starts promotes too, and START
 * then reports only what is pinned.
 */
TEST_F(scope_pci, scope04_pin_before_start_promotes)
{
	ASSERT_EQ(1, PIN(12));
	container_dirty_start(&self->env.c);
	EXPECT_DIRTY(12);
	ASSERT_EQ(1, PIN(13));
	EXPECT_DIRTY(12, 13);
}

/*
 * DP-SCOPE-04, "no promotion on the error path": a pin that fails, even one
 * that pinned its first page before the second was found outside every
 * mapping (type1 unwinds it), leaves the group not pinned scope: every GET
 * still reports every page. Then a good pin promotes it.
 */
TEST_F(scope_pci, scope04_failed_pin_does_not_promote)
{
	container_dirty_start(&self->env.c);
	/* nothing is mapped past the buffer */
	EXPECT_EQ(-EINVAL, PIN(NPAGES + 16));
	EXPECT_EQ(-EINVAL, vdm_pin(&self->vdm, IOVA(NPAGES - 1), 2, VDM_PROT_WRITE));
	EXPECT_EQ(0, vdm_reg(&self->vdm, VDM_REG_PINNED));
	EXPECT_ALL_DIRTY();
	EXPECT_ALL_DIRTY();
	ASSERT_EQ(1, PIN(NPAGES - 1));
	EXPECT_DIRTY(NPAGES - 1);
}

/*
 * DP-SCOPE-05 / DP-SCOPE-08: a second IOMMU-backed group whose driver
 * cannot pin (vfio-pci) keeps the container all dirty whatever the
 * promoted one pins: attached before tracking, or while tracking after the
 * promotion (which demotes the container back to all dirty). DP-SCOPE-06:
 * detaching that non-promoted group reports every page once, then the
 * container is pinned scope: only the pinned pages.
 */
TEST_F(scope_pci, scope05_vfio_pci_group_keeps_all_dirty)
{
	struct vfio_dev other;

	ksft_print_msg("cites: DP-BIT-09 DP-SCOPE-06 DP-SCOPE-08\n");
	ATTACH_OTHER_OR_SKIP(&other);
	container_dirty_start(&self->env.c);
	ASSERT_EQ(1, PIN(4));
	EXPECT_ALL_DIRTY();
	EXPECT_ALL_DIRTY();
	ASSERT_EQ(0, __container_detach_group(&self->env.c, other.group_id));
	EXPECT_ALL_DIRTY();
	EXPECT_DIRTY(4);
	/* attached again while tracking: all dirty again, though pinned scope before */
	ASSERT_EQ(0, __container_attach_group(&self->env.c, other.group_id));
	EXPECT_ALL_DIRTY();
	ASSERT_EQ(1, PIN(5));
	EXPECT_ALL_DIRTY();
	ASSERT_EQ(0, __container_detach_group(&self->env.c, other.group_id));
	EXPECT_ALL_DIRTY();
	EXPECT_DIRTY(4, 5);
}

/*
 * DP-SCOPE-06: detaching the non-promoted group while the variant's group
 * has never pinned leaves one non-pinned group: still all dirty; its first
 * pin then makes the container pinned scope.
 */
TEST_F(scope_pci, scope06_detach_other_before_promotion)
{
	struct vfio_dev other;

	ATTACH_OTHER_OR_SKIP(&other);
	container_dirty_start(&self->env.c);
	EXPECT_ALL_DIRTY();
	ASSERT_EQ(0, __container_detach_group(&self->env.c, other.group_id));
	EXPECT_ALL_DIRTY();
	EXPECT_ALL_DIRTY();
	ASSERT_EQ(1, PIN(20));
	EXPECT_DIRTY(20);
}

/*
 * DP-SCOPE-06, a pinned-scope group detached: no dirty effect. With the
 * test mdev (emulated, pinned scope) beside it, the promoted group's device
 * is closed (its driver unpins) and its group detached while tracking: no
 * GET reports every page (a non-pinned group's detach would), only the page
 * the variant had pinned once more (its bit stays until the next GET) and
 * the mdev's pin. The mappings survive the last IOMMU domain.
 */
TEST_F(scope_pci, scope06_detach_promoted_group_no_dirty_effect)
{
	struct vfio_dev mdev;
	struct vdm mvdm;
	char why[256] = "";

	if (!device_first(DEVICE_MDEV))
		SKIP(return, "mdev: no test mdev named: this case needs one beside the "
		     VDP_DRIVER_NAME " device");
	ASSERT_EQ(0, env_attach(&self->env, &mdev, DEVICE_MDEV, why, sizeof(why)))
		TH_LOG("%s", why);
	ASSERT_EQ(0, __device_open(&mdev, &self->env.c, why, sizeof(why))) TH_LOG("%s", why);
	ASSERT_EQ(0, __vdm_probe(&mvdm, mdev.fd, why, sizeof(why))) TH_LOG("%s", why);
	container_dirty_start(&self->env.c);
	ASSERT_EQ(1, PIN(3));
	ASSERT_EQ(1, vdm_pin(&mvdm, IOVA(10), 1, VDM_PROT_WRITE));
	EXPECT_DIRTY(3, 10);
	device_close(&self->env.dev);
	ASSERT_EQ(0, __container_detach_group(&self->env.c, self->env.dev.group_id));
	EXPECT_DIRTY(3, 10);
	EXPECT_DIRTY(10);
	device_close(&mdev);
}

/* UNMAP_DMA with a bitmap of [@first, @first + @n) pages; its bitmap into @got. */
static void unmap_dirty(struct __test_metadata *_metadata, FIXTURE_DATA(scope_pci) *self,
			u64 first, u64 n, u64 *got)
{
	u64 unmapped = 0;

	memset(got, 0, bitmap_bytes(n));
	ASSERT_EQ(0, __container_unmap_dirty(&self->env.c, IOVA(first), n * self->pg, self->pg,
					     got, bitmap_bytes(n), &unmapped));
	ASSERT_EQ(n * self->pg, unmapped);
}

/*
 * DP-BIT-09 for UNMAP-with-bitmap: before the promotion an unmap reports
 * every page of the mapping; after it, only the pinned page (which type1
 * first has the driver unpin through .dma_unmap) and the page vfio_dma_rw()
 * wrote.
 */
TEST_F(scope_pci, bit09_unmap_bitmap_follows_scope)
{
	u64 want[2], got[2];

	ksft_print_msg("cites: DP-SCOPE-04\n");
	/* two mappings of 32 pages instead of one of 64 */
	ASSERT_EQ(0, __container_unmap(&self->env.c, BASE_IOVA, NPAGES * self->pg, 0, NULL));
	container_map(&self->env.c, IOVA(0), self->mem.addr, 32 * self->pg);
	container_map(&self->env.c, IOVA(32), (char *)self->mem.addr + 32 * self->pg,
		      32 * self->pg);
	container_dirty_start(&self->env.c);
	unmap_dirty(_metadata, self, 0, 32, got);
	memset(want, 0, sizeof(want));
	bitmap_set_range(want, 0, 32);
	ASSERT_BITMAP_EQ(want, got, 32);

	ASSERT_EQ(1, PIN(32 + 3));
	ASSERT_EQ(0, WRITE(32 + 7));
	unmap_dirty(_metadata, self, 32, 32, got);
	memset(want, 0, sizeof(want));
	bitmap_set_bit(want, 3);
	bitmap_set_bit(want, 7);
	ASSERT_BITMAP_EQ(want, got, 32);
	EXPECT_EQ(1, vdm_reg(&self->vdm, VDM_REG_UNMAP_UNPINNED));
	EXPECT_EQ(0, vdm_reg(&self->vdm, VDM_REG_PINNED));
}

/*
 * DP-SCOPE-04 / DP-SCOPE-08, by the seed's design: once the group is
 * pinned scope, type1 trusts its driver to pin or vfio_dma_rw() every page
 * the device writes. DMA the device does itself, by its own engine through
 * the IOMMU, into a page nobody pinned is NOT reported. A migration with
 * such a driver relies on exactly that trust (and would lose the page if
 * the driver broke it). The page's new bytes prove the DMA happened.
 */
TEST_F(scope_pci, scope04_unpinned_device_dma_not_reported)
{
	struct dma_dev dma;
	u8 *src = (u8 *)self->mem.addr + 30 * self->pg;
	u8 *dst = (u8 *)self->mem.addr + 50 * self->pg;
	int r;

	DMA_DEV_INIT_OR_SKIP(&dma, &self->env, PRIV_IOVA);
	memset(src, 0x5a, 256);
	container_dirty_start(&self->env.c);
	ASSERT_EQ(1, PIN(3));
	EXPECT_DIRTY(3);
	r = __dma_dev_copy(&dma, IOVA(30), IOVA(50), 256, TIMEOUT_MS);
	dma_dev_remove(&dma);
	ASSERT_EQ(0, r);
	ASSERT_EQ(0x5a, dst[0]);
	ASSERT_EQ(0x5a, dst[255]);
	EXPECT_DIRTY(3);
}

VFIO_DIRTY_MAIN("dirty_scope_pci_test: pinned page dirty scope of an IOMMU-backed group whose\n"
		"driver pins: QEMU's edu on vfio_dirty_pci (fixtures/kmod). All dirty before a\n"
		"pin (DP-BIT-09), promotion by the first good pin only (DP-SCOPE-04), a vfio-pci\n"
		"group keeping the container all dirty (DP-SCOPE-05/08), its detach and a\n"
		"promoted one's (DP-SCOPE-06), unmap-with-bitmap, and edu's own DMA not\n"
		"reported. Needs --device BDF --driver vfio_dirty_pci, a second PCI device on\n"
		"vfio-pci and a test mdev.")
