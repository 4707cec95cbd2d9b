// SPDX-License-Identifier: GPL-2.0-only
/*
 * Pinned page dirty scope (spec 5.2): one type1 v2 container holding the
 * suite's test mdev (emulated, pinned scope) and a vfio-pci device
 * (IOMMU-backed, not pinned scope). Attaching the IOMMU-backed group while
 * tracking makes every page dirty (DP-SCOPE-05); detaching it reports every
 * page once more, then only pinned pages (DP-SCOPE-06, DP-BIT-11).
 */
#include "vfio_dirty_test.h"

#define BASE_IOVA	(1ULL << 30)
#define NPAGES		96

FIXTURE(scope) {
	struct dirty_env env;
	struct vdm vdm;
	struct vfio_dev pci;
	struct backing mem;
	u64 pg;
	u64 *all;
};

FIXTURE_VARIANT(scope) {
	enum iommu_mode mode;
};

FIXTURE_VARIANT_ADD_TRACKING_MODES(scope)

FIXTURE_SETUP(scope)
{
	char why[256] = "";
	int r;

	DIRTY_INIT_OR_SKIP(&self->env, &self->vdm, DEVICE_MDEV, variant->mode);
	/* the kernel's answers, unchanged by the driver */
	vdm_set_mode(&self->vdm, VDM_PASS_THROUGH);
	self->pg = self->env.pgsize;
	/* The IOMMU-backed device must be at hand before the test starts. */
	if (!device_first(DEVICE_PCI))
		SKIP(return, "pci: no vfio-pci device named: scope tests need an mdev and a vfio-pci device");
	r = __device_find(&self->pci, device_first(DEVICE_PCI), why, sizeof(why));
	ASSERT_EQ(0, r) TH_LOG("set-up failed: %s", why);
	BACKING_ALLOC_OR_SKIP(&self->mem, BACKING_ANON, NPAGES * self->pg);
	container_map(&self->env.c, BASE_IOVA, self->mem.addr, NPAGES * self->pg);
	self->all = calloc(1, bitmap_bytes(NPAGES));
	ASSERT_NE(NULL, self->all);
	bitmap_set_range(self->all, 0, NPAGES);
}

FIXTURE_TEARDOWN(scope)
{
	env_teardown(&self->env);
	backing_free(&self->mem);
	free(self->all);
}

static void attach_pci(struct __test_metadata *_metadata, FIXTURE_DATA(scope) *self)
{
	char why[256] = "";

	ASSERT_EQ(0, env_attach(&self->env, &self->pci, DEVICE_PCI, why, sizeof(why)))
		TH_LOG("%s", why);
}

#define PIN(page)		vdm_pin(&self->vdm, BASE_IOVA + (page) * self->pg, 1, VDM_PROT_WRITE)
#define EXPECT_ALL_DIRTY()	dirty_get_check(_metadata, &self->env, BASE_IOVA, NPAGES, self->all)
#define EXPECT_DIRTY(...)	ASSERT_DIRTY_PAGES(&self->env, BASE_IOVA, NPAGES, __VA_ARGS__)

/*
 * DP-SCOPE-02 then DP-SCOPE-05: with the mdev alone only pinned pages are
 * dirty; once an IOMMU-backed group joins while tracking, every GET reports
 * every page (the replay maps every mapping, DP-BIT-09).
 */
TEST_F(scope, scope05_attach_iommu_group_while_tracking)
{
	ksft_print_msg("cites: DP-SCOPE-02 DP-BIT-09\n");
	container_dirty_start(&self->env.c);
	ASSERT_EQ(1, PIN(3));
	EXPECT_DIRTY(3);
	attach_pci(_metadata, self);
	EXPECT_ALL_DIRTY();
	EXPECT_ALL_DIRTY();
}

/*
 * DP-SCOPE-04: a pin promotes only the group of the device that pinned. The
 * mdev's pins, before and while tracking, leave the IOMMU-backed group not
 * pinned scope: every GET reports every page (DP-BIT-09), and detaching it
 * reports every page once more (DP-SCOPE-06 for a non-pinned group; had the
 * mdev's pins promoted it, its detach would have no dirty effect and that
 * GET would report only the pinned pages). After that only the pins are
 * dirty: they were tracked all along. (The IOMMU-backed group cannot pin
 * itself: vfio-pci has no .dma_unmap, DP-PIN-02.)
 */
TEST_F(scope, scope04_pins_do_not_promote_iommu_group)
{
	ASSERT_EQ(1, PIN(2));
	attach_pci(_metadata, self);
	ASSERT_EQ(1, PIN(7));
	container_dirty_start(&self->env.c);
	ASSERT_EQ(1, PIN(11));
	EXPECT_ALL_DIRTY();
	EXPECT_ALL_DIRTY();
	ASSERT_EQ(0, __container_detach_group(&self->env.c, self->pci.group_id));
	EXPECT_ALL_DIRTY();
	EXPECT_DIRTY(2, 7, 11);
}

/*
 * DP-SCOPE-06 / DP-BIT-11: detaching the IOMMU-backed group while
 * tracking reports every page once (its DMA is not lost), then only the
 * pages the mdev still holds pinned.
 */
TEST_F(scope, bit11_detach_iommu_group_while_tracking)
{
	ksft_print_msg("cites: DP-SCOPE-06\n");
	attach_pci(_metadata, self);
	container_dirty_start(&self->env.c);
	EXPECT_ALL_DIRTY();
	ASSERT_EQ(1, PIN(5));
	ASSERT_EQ(0, __container_detach_group(&self->env.c, self->pci.group_id));
	EXPECT_ALL_DIRTY();
	EXPECT_DIRTY(5);
	EXPECT_DIRTY(5);
}

/*
 * DP-SCOPE-06: detach before tracking starts has no dirty effect: START
 * afterwards sees only pinned pages.
 */
TEST_F(scope, scope06_detach_before_start)
{
	attach_pci(_metadata, self);
	ASSERT_EQ(1, PIN(9));
	ASSERT_EQ(0, __container_detach_group(&self->env.c, self->pci.group_id));
	container_dirty_start(&self->env.c);
	EXPECT_DIRTY(9);
}

/* The second named vfio-pci device, found (not attached); SKIPs without one. */
#define FIND_PCI1_OR_SKIP(d) do {						\
	char __why[256] = "";							\
	if (!device_nth(DEVICE_PCI, 1))						\
		SKIP(return, "pci2: no second vfio-pci device named: DP-SCOPE-03 needs two IOMMU-backed groups"); \
	ASSERT_EQ(0, __device_find(d, device_nth(DEVICE_PCI, 1), __why, sizeof(__why))) \
		TH_LOG("set-up failed: %s", __why);				\
} while (0)

#define ATTACH(d)	ASSERT_EQ(0, __container_attach_group(&self->env.c, (d)->group_id))
#define DETACH(d)	ASSERT_EQ(0, __container_detach_group(&self->env.c, (d)->group_id))

/*
 * DP-SCOPE-03: each IOMMU-backed group starts not pinned scope and is
 * counted, the first on a new IOMMU domain, the second (another device
 * behind the same IOMMU: the lab's edu and NVMe) on the domain it can
 * reuse. So with two attached, detaching either one reports every page once
 * (DP-SCOPE-06) and the other still keeps every page dirty (DP-BIT-09);
 * only when both are gone are just the mdev's pins dirty. A group that was
 * not counted would leave the second GET after its partner's detach with
 * the pins only.
 */
TEST_F(scope, scope03_two_iommu_groups_counted)
{
	struct vfio_dev pci1;

	ksft_print_msg("cites: DP-SCOPE-06 DP-BIT-09\n");
	FIND_PCI1_OR_SKIP(&pci1);
	ASSERT_NE(self->pci.group_id, pci1.group_id);
	container_dirty_start(&self->env.c);
	ASSERT_EQ(1, PIN(3));
	EXPECT_DIRTY(3);
	ATTACH(&self->pci);
	ATTACH(&pci1);
	EXPECT_ALL_DIRTY();
	/* the second group keeps it: counted on the reuse path */
	DETACH(&self->pci);
	EXPECT_ALL_DIRTY();
	EXPECT_ALL_DIRTY();
	DETACH(&pci1);
	EXPECT_ALL_DIRTY();
	EXPECT_DIRTY(3);
	/* and the other way round: the first group keeps it alone */
	ATTACH(&pci1);
	ATTACH(&self->pci);
	EXPECT_ALL_DIRTY();
	DETACH(&pci1);
	EXPECT_ALL_DIRTY();
	EXPECT_ALL_DIRTY();
	DETACH(&self->pci);
	EXPECT_ALL_DIRTY();
	EXPECT_DIRTY(3);
}

VFIO_DIRTY_MAIN("dirty_scope_test: the pinned page dirty scope of a type1 v2 container holding\n"
		"the suite's test mdev and a vfio-pci device: attach of the IOMMU-backed group\n"
		"while tracking (DP-SCOPE-02/04/05), two IOMMU-backed groups counted each\n"
		"(DP-SCOPE-03), detach while tracking (DP-SCOPE-06,\n"
		"DP-BIT-11). Needs both devices: an mdev UUID and a PCI address.")
