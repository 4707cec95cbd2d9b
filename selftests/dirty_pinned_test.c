// SPDX-License-Identifier: GPL-2.0-only
/*
 * Pages pinned by a vendor driver are dirty (spec 5.1, DP-BIT-01..04/08/14),
 * the errnos vfio_pin_pages() gives a driver (spec 7, DP-PIN-*), and unmap
 * of pinned pages (DP-UNM-18/19), in an emulated-only type1 v2 container
 * holding the suite's test mdev (fixtures/kmod). Every test also checks
 * that locked_vm returns to where it was once the driver lets go.
 *
 * The mdev runs every command in pass-through mode: the iova and count
 * written here reach vfio_pin_pages()/vfio_unpin_pages() unchanged and each
 * result is the kernel's own. Inputs that make the kernel WARN or worse are
 * in dirty_pin_unsafe_test.
 */
#include <limits.h>
#include <linux/capability.h>
#include <sys/resource.h>
#include <sys/syscall.h>

#include "vfio_dirty_test.h"
#include "mdev.h"
#include "vfio_pci.h"

#define BASE_IOVA	(1ULL << 32)
#define NPAGES		128

FIXTURE(pinned) {
	struct dirty_env env;
	struct vdm vdm;
	struct backing mem;
	u64 pg;
	long locked;
	/* a second mdev the test made (add_mdev()), in the same container */
	struct vfio_dev extra;
	struct vdm extra_vdm;
	char extra_uuid[MDEV_UUID_LEN];
};

FIXTURE_VARIANT(pinned) {
	enum iommu_mode mode;
};

FIXTURE_VARIANT_ADD_TRACKING_MODES(pinned)

FIXTURE_SETUP(pinned)
{
	self->extra.fd = -1;
	self->locked = proc_status_kb("VmLck");
	DIRTY_INIT_OR_SKIP(&self->env, &self->vdm, DEVICE_MDEV, variant->mode);
	/* the kernel's answers, unchanged by the driver */
	vdm_set_mode(&self->vdm, VDM_PASS_THROUGH);
	self->pg = self->env.pgsize;
	BACKING_ALLOC_OR_SKIP(&self->mem, BACKING_ANON, 2 * NPAGES * self->pg);
	container_map(&self->env.c, BASE_IOVA, self->mem.addr, NPAGES * self->pg);
}

FIXTURE_TEARDOWN(pinned)
{
	/* Closing the device makes the driver unpin what it still holds. */
	device_close(&self->extra);
	env_teardown(&self->env);
	if (self->extra_uuid[0])
		EXPECT_EQ(0, __mdev_remove(self->extra_uuid)) TH_LOG("removing mdev %s",
								     self->extra_uuid);
	EXPECT_EQ(self->locked, proc_status_kb("VmLck"));
	backing_free(&self->mem);
}

static u64 iova_of(FIXTURE_DATA(pinned) *self, u64 page)
{
	return BASE_IOVA + page * self->pg;
}

#define PIN(page, n)	vdm_pin(&self->vdm, iova_of(self, page), n, VDM_PROT_READ | VDM_PROT_WRITE)
#define UNPIN(page, n)	vdm_unpin(&self->vdm, iova_of(self, page), n)
#define EXPECT_DIRTY(...)	ASSERT_DIRTY_PAGES(&self->env, BASE_IOVA, NPAGES, __VA_ARGS__)
#define EXPECT_CLEAN()		ASSERT_NO_DIRTY_PAGES(&self->env, BASE_IOVA, NPAGES)

/* DP-BIT-14 / DP-SCOPE-02: a driver that neither pins nor writes dirties nothing. */
TEST_F(pinned, bit14_no_pins_no_dirty)
{
	ksft_print_msg("cites: DP-SCOPE-02\n");
	container_dirty_start(&self->env.c);
	EXPECT_CLEAN();
	EXPECT_CLEAN();
}

/* DP-BIT-01 / DP-BIT-08: pages pinned before START are dirty at every GET. */
TEST_F(pinned, bit01_pinned_before_start)
{
	ASSERT_EQ(1, PIN(0, 1));
	ASSERT_EQ(1, PIN(5, 1));
	ASSERT_EQ(2, PIN(63, 2));
	container_dirty_start(&self->env.c);
	EXPECT_DIRTY(0, 5, 63, 64);
	EXPECT_DIRTY(0, 5, 63, 64);
	EXPECT_EQ(4, vdm_reg(&self->vdm, VDM_REG_PINNED));
}

/* DP-BIT-03: a pin while tracking sets one bit per page, read-only pins too. */
TEST_F(pinned, bit03_pin_while_tracking)
{
	container_dirty_start(&self->env.c);
	ASSERT_EQ(2, PIN(1, 2));
	ASSERT_EQ(1, PIN(100, 1));
	ASSERT_EQ(1, vdm_pin(&self->vdm, iova_of(self, 7), 1, VDM_PROT_READ));
	EXPECT_DIRTY(1, 2, 7, 100);
}

/* DP-BIT-04: pinned and unpinned between two GETs: reported exactly once. */
TEST_F(pinned, bit04_unpinned_reported_once)
{
	container_dirty_start(&self->env.c);
	ASSERT_EQ(1, PIN(3, 1));
	ASSERT_EQ(0, UNPIN(3, 1));
	EXPECT_EQ(0, vdm_reg(&self->vdm, VDM_REG_PINNED));
	EXPECT_DIRTY(3);
	EXPECT_CLEAN();
}

/*
 * DP-BIT-08 / DP-BIT-04: still-pinned pages are reported again on every
 * GET; a page unpinned after a GET re-marked it is reported once more,
 * then drops out.
 */
TEST_F(pinned, bit08_pinned_reported_every_get)
{
	container_dirty_start(&self->env.c);
	ASSERT_EQ(10, PIN(60, 10));
	EXPECT_DIRTY(60, 61, 62, 63, 64, 65, 66, 67, 68, 69);
	EXPECT_DIRTY(60, 61, 62, 63, 64, 65, 66, 67, 68, 69);
	ASSERT_EQ(0, UNPIN(60, 5));
	EXPECT_DIRTY(60, 61, 62, 63, 64, 65, 66, 67, 68, 69);
	EXPECT_DIRTY(65, 66, 67, 68, 69);
	ASSERT_EQ(0, UNPIN(65, 5));
	EXPECT_DIRTY(65, 66, 67, 68, 69);
	EXPECT_CLEAN();
}

/* DP-BIT-03: a page pinned twice takes the refcount path and stays dirty. */
TEST_F(pinned, bit03_pin_same_page_twice)
{
	container_dirty_start(&self->env.c);
	ASSERT_EQ(1, PIN(9, 1));
	ASSERT_EQ(1, PIN(9, 1));
	EXPECT_DIRTY(9);
	ASSERT_EQ(0, UNPIN(9, 1));
	EXPECT_DIRTY(9);
	ASSERT_EQ(0, UNPIN(9, 1));
	EXPECT_DIRTY(9);
	EXPECT_CLEAN();
}

/* DP-ARG-08: START while started keeps the bits gathered so far. */
TEST_F(pinned, arg08_start_again_keeps_bits)
{
	container_dirty_start(&self->env.c);
	ASSERT_EQ(1, PIN(4, 1));
	ASSERT_EQ(0, UNPIN(4, 1));
	container_dirty_start(&self->env.c);
	EXPECT_DIRTY(4);
}

/* DP-BIT-10: STOP loses what a GET has not collected yet. */
TEST_F(pinned, bit10_stop_loses_bits)
{
	container_dirty_start(&self->env.c);
	ASSERT_EQ(1, PIN(4, 1));
	ASSERT_EQ(0, UNPIN(4, 1));
	container_dirty_stop(&self->env.c);
	container_dirty_start(&self->env.c);
	EXPECT_CLEAN();
}

/* DP-BIT-02: a mapping made while tracking starts clean (no all-dirty here). */
TEST_F(pinned, bit02_map_while_tracking_starts_clean)
{
	u64 iova2 = BASE_IOVA + 2 * NPAGES * self->pg;

	container_dirty_start(&self->env.c);
	container_map(&self->env.c, iova2, (char *)self->mem.addr + NPAGES * self->pg,
		      NPAGES * self->pg);
	ASSERT_NO_DIRTY_PAGES(&self->env, iova2, NPAGES);
	ASSERT_EQ(1, vdm_pin(&self->vdm, iova2 + 3 * self->pg, 1, VDM_PROT_WRITE));
	ASSERT_DIRTY_PAGES(&self->env, iova2, NPAGES, 3);
}

/*
 * DP-PIN-01: zero pages is EINVAL. DP-PIN-11: a negative count never pins:
 * E2BIG (the int npage compared with the unsigned 512 is huge; seen on 6.1
 * and 6.12). v6.18 rejects npage <= 0 with EINVAL first (DP-VER-07): an
 * expected failure there, not a second rule here. The control, the same
 * call with one page, pins.
 */
TEST_F(pinned, pin01_pin11_page_count)
{
	EXPECT_EQ(-EINVAL, PIN(0, 0));
	EXPECT_EQ(-E2BIG, PIN(0, -1));
	EXPECT_EQ(-E2BIG, PIN(0, -512));
	EXPECT_EQ(-E2BIG, PIN(0, INT_MIN));
	EXPECT_EQ(0, vdm_reg(&self->vdm, VDM_REG_PINNED));
	EXPECT_EQ(self->locked, proc_status_kb("VmLck"));
	ASSERT_EQ(1, PIN(0, 1));
	EXPECT_EQ(1, vdm_reg(&self->vdm, VDM_REG_PINNED));
}

/* Drops CAP_IPC_LOCK from this process's effective set. */
static int drop_ipc_lock(void)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[2];

	if (syscall(SYS_capget, &hdr, data))
		return -errno;
	data[CAP_IPC_LOCK / 32].effective &= ~(1U << (CAP_IPC_LOCK % 32));
	return syscall(SYS_capset, &hdr, data) ? -errno : 0;
}

/*
 * DP-PIN-10: in an emulated-only container pins are charged to
 * RLIMIT_MEMLOCK of the process that mapped the memory, unless it had
 * CAP_IPC_LOCK when it mapped: past the limit a pin fails with ENOMEM and
 * holds nothing.
 */
TEST_F(pinned, pin10_rlimit_memlock)
{
	u64 iova = BASE_IOVA + 2 * NPAGES * self->pg;
	long kb = self->pg >> 10, locked = proc_status_kb("VmLck");
	struct rlimit rl;
	u64 limit_pages = 16, i;

	ASSERT_EQ(0, drop_ipc_lock());
	rl.rlim_cur = rl.rlim_max = (locked + limit_pages * kb) << 10;
	ASSERT_EQ(0, setrlimit(RLIMIT_MEMLOCK, &rl));
	/* Mapped now, without the capability: its pins count against the limit. */
	container_map(&self->env.c, iova, (char *)self->mem.addr + NPAGES * self->pg,
		      NPAGES * self->pg);
	for (i = 0; i < limit_pages; i++)
		ASSERT_EQ(1, vdm_pin(&self->vdm, iova + i * self->pg, 1, VDM_PROT_READ));
	EXPECT_EQ(locked + (long)limit_pages * kb, proc_status_kb("VmLck"));
	EXPECT_EQ(-ENOMEM, vdm_pin(&self->vdm, iova + limit_pages * self->pg, 1, VDM_PROT_READ));
	EXPECT_EQ(limit_pages, vdm_reg(&self->vdm, VDM_REG_PINNED));
	/* Unpinning gives the room back. */
	ASSERT_EQ(0, vdm_unpin(&self->vdm, iova, 1));
	EXPECT_EQ(1, vdm_pin(&self->vdm, iova + limit_pages * self->pg, 1, VDM_PROT_READ));
}

/* DP-PIN-03 / DP-LIM-06: at most 512 pages per call; DP-PIN-11: returns npage. */
TEST_F(pinned, pin03_at_most_512_pages)
{
	ksft_print_msg("cites: DP-LIM-06 DP-PIN-11\n");
	EXPECT_EQ(-E2BIG, PIN(0, 513));
	EXPECT_EQ(0, vdm_reg(&self->vdm, VDM_REG_PINNED));
	container_map(&self->env.c, BASE_IOVA + NPAGES * self->pg,
		      (char *)self->mem.addr + NPAGES * self->pg, NPAGES * self->pg);
	/* Two mappings back to back: one call may cross between them. */
	EXPECT_EQ(2 * NPAGES, PIN(0, 2 * NPAGES));
	EXPECT_EQ(2 * NPAGES, vdm_reg(&self->vdm, VDM_REG_PINNED));
	EXPECT_EQ(0, UNPIN(0, 2 * NPAGES));
}

/*
 * DP-PIN-07: a page outside every mapping fails the call with EINVAL and
 * unwinds the pages pinned before it; those keep the dirty bits the pin set
 * (DP-BIT-03 sets them page by page), the failing page gets none. The
 * unwind is checked on the kernel's side: locked_vm is back where it was,
 * and unmapping the mapping calls no .dma_unmap (type1 notifies only while
 * it still holds pins in it, DP-UNM-19). The control pins the same pages
 * without the one outside.
 */
TEST_F(pinned, pin07_outside_mapping_unwinds)
{
	u64 calls = vdm_reg(&self->vdm, VDM_REG_UNMAP_CALLS);

	container_dirty_start(&self->env.c);
	EXPECT_EQ(-EINVAL, vdm_pin(&self->vdm, BASE_IOVA - self->pg, 1, VDM_PROT_READ));
	EXPECT_EQ(-EINVAL, PIN(NPAGES - 2, 3));
	EXPECT_EQ(0, vdm_reg(&self->vdm, VDM_REG_PINNED));
	EXPECT_EQ(self->locked, proc_status_kb("VmLck"));
	EXPECT_DIRTY(NPAGES - 2, NPAGES - 1);
	EXPECT_CLEAN();
	container_unmap(&self->env.c, BASE_IOVA, NPAGES * self->pg);
	EXPECT_EQ(calls, vdm_reg(&self->vdm, VDM_REG_UNMAP_CALLS));

	/* control: the two pages inside pin */
	container_map(&self->env.c, BASE_IOVA, self->mem.addr, NPAGES * self->pg);
	EXPECT_EQ(2, PIN(NPAGES - 2, 2));
	EXPECT_EQ(self->locked + 2 * (long)(self->pg >> 10), proc_status_kb("VmLck"));
}

/* DP-PIN-08: the pin's prot must be allowed by the mapping's. */
TEST_F(pinned, pin08_permission)
{
	u64 ro = BASE_IOVA + 2 * NPAGES * self->pg, wo = ro + NPAGES * self->pg;
	char *mem = (char *)self->mem.addr + NPAGES * self->pg;

	ASSERT_EQ(0, __container_map(&self->env.c, ro, mem, self->pg, VFIO_DMA_MAP_FLAG_READ));
	ASSERT_EQ(0, __container_map(&self->env.c, wo, mem + self->pg, self->pg,
				     VFIO_DMA_MAP_FLAG_WRITE));
	container_dirty_start(&self->env.c);
	EXPECT_EQ(-EPERM, vdm_pin(&self->vdm, ro, 1, VDM_PROT_WRITE));
	EXPECT_EQ(-EPERM, vdm_pin(&self->vdm, ro, 1, VDM_PROT_READ | VDM_PROT_WRITE));
	EXPECT_EQ(-EPERM, vdm_pin(&self->vdm, wo, 1, VDM_PROT_READ));
	EXPECT_EQ(0, vdm_reg(&self->vdm, VDM_REG_PINNED));
	ASSERT_NO_DIRTY_PAGES(&self->env, ro, 1);
	EXPECT_EQ(1, vdm_pin(&self->vdm, ro, 1, VDM_PROT_READ));
	EXPECT_EQ(1, vdm_pin(&self->vdm, wo, 1, VDM_PROT_WRITE));
	ASSERT_DIRTY_PAGES(&self->env, ro, 1, 0);
	ASSERT_DIRTY_PAGES(&self->env, wo, 1, 0);
}

/*
 * DP-LIM-04 / DP-PIN-10: MAP in an emulated-only container pins nothing;
 * each pin is charged to locked_vm, each unpin gives it back.
 */
TEST_F(pinned, lim04_pins_charged_to_locked_vm)
{
	long kb = self->pg >> 10;

	EXPECT_EQ(self->locked, proc_status_kb("VmLck"));
	ASSERT_EQ(64, PIN(0, 64));
	EXPECT_EQ(self->locked + 64 * kb, proc_status_kb("VmLck"));
	ASSERT_EQ(0, UNPIN(0, 32));
	EXPECT_EQ(self->locked + 32 * kb, proc_status_kb("VmLck"));
	ASSERT_EQ(0, UNPIN(32, 32));
	EXPECT_EQ(self->locked, proc_status_kb("VmLck"));
}

/*
 * DP-UNM-18 / DP-UNM-19: unmap-with-bitmap of a mapping with pinned pages
 * calls the driver's .dma_unmap, which unpins them, and reports them dirty,
 * with pages pinned and unpinned before it.
 */
TEST_F(pinned, unm18_unmap_reports_pinned_pages)
{
	struct guarded_buf buf;
	u64 want[NPAGES / 64] = { 0 }, unmapped = 0, calls;

	container_dirty_start(&self->env.c);
	ASSERT_EQ(2, PIN(2, 2));
	ASSERT_EQ(1, PIN(40, 1));
	ASSERT_EQ(1, PIN(127, 1));
	ASSERT_EQ(0, UNPIN(127, 1));
	calls = vdm_reg(&self->vdm, VDM_REG_UNMAP_CALLS);

	ASSERT_EQ(0, guarded_buf_alloc(&buf, bitmap_bytes(NPAGES)));
	memset(buf.data, 0, buf.size);
	ASSERT_EQ(0, __container_unmap_dirty(&self->env.c, BASE_IOVA, NPAGES * self->pg,
					     self->pg, buf.data, buf.size, &unmapped));
	EXPECT_EQ(NPAGES * self->pg, unmapped);
	bitmap_set_bit(want, 2);
	bitmap_set_bit(want, 3);
	bitmap_set_bit(want, 40);
	bitmap_set_bit(want, 127);
	ASSERT_BITMAP_EQ(want, (u64 *)buf.data, NPAGES);
	/* one notification, for the whole mapping, and the driver let go */
	EXPECT_EQ(calls + 1, vdm_reg(&self->vdm, VDM_REG_UNMAP_CALLS));
	EXPECT_EQ(BASE_IOVA, vdm_reg(&self->vdm, VDM_REG_UNMAP_IOVA));
	EXPECT_EQ(NPAGES * self->pg, vdm_reg(&self->vdm, VDM_REG_UNMAP_LENGTH));
	EXPECT_EQ(3, vdm_reg(&self->vdm, VDM_REG_UNMAP_UNPINNED));
	EXPECT_EQ(0, vdm_reg(&self->vdm, VDM_REG_PINNED));
	EXPECT_EQ(self->locked, proc_status_kb("VmLck"));
	/* The mapping is gone: a pin into it fails. */
	EXPECT_EQ(-EINVAL, PIN(2, 1));
	guarded_buf_free(&buf);
}

/*
 * DP-UNM-19 / DP-UNM-20: a plain unmap also makes the driver let go. Of two
 * mappings only the one with pins is notified, once, with its own iova and
 * length.
 */
TEST_F(pinned, unm19_plain_unmap_unpins)
{
	u64 iova2 = BASE_IOVA + 2 * NPAGES * self->pg, calls, unmapped = 0;

	container_map(&self->env.c, iova2, (char *)self->mem.addr + NPAGES * self->pg,
		      NPAGES / 2 * self->pg);
	ASSERT_EQ(16, vdm_pin(&self->vdm, iova2 + self->pg, 16, VDM_PROT_READ));
	calls = vdm_reg(&self->vdm, VDM_REG_UNMAP_CALLS);
	ASSERT_EQ(0, __container_unmap(&self->env.c, BASE_IOVA, 3 * NPAGES * self->pg, 0,
				       &unmapped));
	EXPECT_EQ(NPAGES * self->pg + NPAGES / 2 * self->pg, unmapped);
	EXPECT_EQ(calls + 1, vdm_reg(&self->vdm, VDM_REG_UNMAP_CALLS));
	EXPECT_EQ(iova2, vdm_reg(&self->vdm, VDM_REG_UNMAP_IOVA));
	EXPECT_EQ(NPAGES / 2 * self->pg, vdm_reg(&self->vdm, VDM_REG_UNMAP_LENGTH));
	EXPECT_EQ(16, vdm_reg(&self->vdm, VDM_REG_UNMAP_UNPINNED));
	EXPECT_EQ(0, vdm_reg(&self->vdm, VDM_REG_PINNED));
	EXPECT_EQ(self->locked, proc_status_kb("VmLck"));
}

/* DP-PIN-12: pins left when the device is closed are unpinned (checked in teardown). */
TEST_F(pinned, pin12_close_releases_pins)
{
	ASSERT_EQ(0, vdm_pin_pages_each(&self->vdm, BASE_IOVA, NPAGES, self->pg,
					VDM_PROT_READ | VDM_PROT_WRITE));
	EXPECT_EQ(NPAGES, vdm_reg(&self->vdm, VDM_REG_PINNED));
}

/*
 * DP-SCOPE-06, the last group leaves: once the device is closed (the driver
 * lets go of its pins) and its group detached, type1 releases everything,
 * tracking and mappings included. The same group attached again with the
 * same IOMMU type is a new container: the old IOVA maps again (it was
 * EEXIST before), and a GET fails because tracking is off (DP-ARG-19; it
 * succeeded before).
 */
TEST_F(pinned, scope06_last_group_leaves)
{
	int group = self->env.dev.group_id, type = self->env.c.iommu_type;
	u64 *bits = calloc(1, bitmap_bytes(NPAGES));
	u32 rw = VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE;

	ASSERT_NE(NULL, bits);
	container_dirty_start(&self->env.c);
	ASSERT_EQ(1, PIN(3, 1));
	EXPECT_EQ(-EEXIST, __container_map(&self->env.c, BASE_IOVA, self->mem.addr, self->pg, rw));
	EXPECT_EQ(0, __container_dirty_get(&self->env.c, BASE_IOVA, NPAGES * self->pg, self->pg,
					   bits, bitmap_bytes(NPAGES)));

	device_close(&self->env.dev);
	EXPECT_EQ(self->locked, proc_status_kb("VmLck"));
	ASSERT_EQ(0, __container_detach_group(&self->env.c, group));
	ASSERT_EQ(0, __container_attach_group(&self->env.c, group));
	ASSERT_EQ(0, __container_set_iommu(&self->env.c, type));

	EXPECT_EQ(-EINVAL, __container_dirty_get(&self->env.c, BASE_IOVA, NPAGES * self->pg,
						 self->pg, bits, bitmap_bytes(NPAGES)));
	EXPECT_EQ(0, __container_map(&self->env.c, BASE_IOVA, self->mem.addr, self->pg, rw));
	free(bits);
}

/*
 * Makes a new instance of the test module's mdev type @type, attaches its
 * group to the fixture's container and opens it as self->extra_vdm (the
 * fixture's teardown closes and removes it). The module is this tree's: a
 * type it lacks is a set-up error.
 */
static void add_mdev(struct __test_metadata *_metadata, FIXTURE_DATA(pinned) *self,
		     const char *type)
{
	char why[256] = "";

	ASSERT_TRUE(mdev_type_exists(VDM_DRIVER_NAME, type))
		TH_LOG("set-up failed: %s has no mdev type %s (a vfio_dirty_mdev of another version?)",
		       VDM_DRIVER_NAME, type);
	ASSERT_EQ(0, __mdev_create(VDM_DRIVER_NAME, type, self->extra_uuid))
		TH_LOG("set-up failed: creating an mdev of type %s", type);
	ASSERT_EQ(0, __device_find(&self->extra, self->extra_uuid, why, sizeof(why)))
		TH_LOG("set-up failed: %s", why);
	ASSERT_EQ(0, __container_attach_group(&self->env.c, self->extra.group_id));
	ASSERT_EQ(0, __device_open(&self->extra, &self->env.c, why, sizeof(why)))
		TH_LOG("set-up failed: %s", why);
	ASSERT_EQ(0, __vdm_probe(&self->extra_vdm, self->extra.fd, why, sizeof(why)))
		TH_LOG("set-up failed: %s", why);
	vdm_set_mode(&self->extra_vdm, VDM_PASS_THROUGH);
}

#define VDM_TYPE(t)	VDM_DRIVER_NAME "-" t

/*
 * DP-PIN-02: vfio_pin_pages() from a driver without .dma_unmap is EINVAL,
 * in a container where another driver has one (so DP-PIN-06 does not
 * apply). The pin asks for 513 pages so that no page can be pinned by a
 * kernel without the check: its next rule, DP-PIN-03, says E2BIG. Control:
 * the same call from the driver with .dma_unmap is E2BIG, and a pin of one
 * page from it succeeds.
 */
TEST_F(pinned, pin02_driver_without_dma_unmap)
{
	ksft_print_msg("cites: DP-PIN-03\n");
	add_mdev(_metadata, self, VDM_TYPE(VDM_TYPE_NOUNMAP));
	container_dirty_start(&self->env.c);
	EXPECT_EQ(-EINVAL, vdm_pin(&self->extra_vdm, iova_of(self, 0), 513,
				   VDM_PROT_READ | VDM_PROT_WRITE));
	EXPECT_EQ(0, vdm_reg(&self->extra_vdm, VDM_REG_PINNED));
	EXPECT_EQ(-E2BIG, PIN(0, 513));
	EXPECT_CLEAN();
	ASSERT_EQ(1, PIN(7, 1));
	EXPECT_DIRTY(7);
}

/*
 * DP-SCOPE-06, a pinned-scope group leaves: detaching the group of a second
 * emulated device while tracking has no dirty effect. Its pin, taken back
 * when its device closed, is reported once more (it was pinned at the last
 * GET, and an unpin clears nothing: DP-BIT-04), then only the first
 * device's pin; a detach that filled the bitmaps (a non-pinned group,
 * DP-BIT-11) would report every page.
 */
TEST_F(pinned, scope06_detach_pinned_scope_group)
{
	add_mdev(_metadata, self, VDM_TYPE(VDM_TYPE_4));
	container_dirty_start(&self->env.c);
	ASSERT_EQ(1, PIN(3, 1));
	ASSERT_EQ(1, vdm_pin(&self->extra_vdm, iova_of(self, 5), 1,
			     VDM_PROT_READ | VDM_PROT_WRITE));
	EXPECT_DIRTY(3, 5);
	device_close(&self->extra);
	ASSERT_EQ(0, __container_detach_group(&self->env.c, self->extra.group_id));
	EXPECT_DIRTY(3, 5);
	EXPECT_DIRTY(3);
	EXPECT_DIRTY(3);
}

/*
 * DP-PIN-09: a mapping of an mmap()ed BAR (VM_PFNMAP MMIO, no struct page)
 * can be made in an emulated-only container, since MAP pins nothing there
 * (DP-LIM-04), but a pin of it is EINVAL, pins nothing and marks nothing.
 * The BAR is a vfio-pci device's, opened in a container of its own.
 * Control: the same pin of a page of memory succeeds.
 */
TEST_F(pinned, pin09_mmio_page_not_pinnable)
{
	u64 iova = iova_of(self, 2 * NPAGES);
	struct dirty_env pci;
	struct vfio_pci p;
	void *bar = NULL;
	int i, r;

	ksft_print_msg("cites: DP-LIM-04\n");
	r = env_init(&pci, DEVICE_PCI, 0, IOMMU_MODE_TYPE1V2);
	if (r == ENV_SKIP)
		SKIP(return, "%s", pci.reason);
	ASSERT_EQ(0, r) TH_LOG("set-up failed: %s", pci.reason);
	ASSERT_EQ(0, __vfio_pci_init(&p, pci.dev.fd));
	for (i = 0; i < VFIO_PCI_BARS && !bar; i++)
		if (p.bar_map[i] && p.bar_size[i] >= self->pg)
			bar = p.bar_map[i];
	ASSERT_NE(NULL, bar) TH_LOG("set-up failed: %s has no mmap()able BAR of a page",
				    pci.dev.name);
	ASSERT_EQ(0, __container_map(&self->env.c, iova, bar, self->pg,
				     VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE));
	container_dirty_start(&self->env.c);
	EXPECT_EQ(-EINVAL, vdm_pin(&self->vdm, iova, 1, VDM_PROT_READ | VDM_PROT_WRITE));
	EXPECT_EQ(0, vdm_reg(&self->vdm, VDM_REG_PINNED));
	ASSERT_NO_DIRTY_PAGES(&self->env, iova, 1);
	EXPECT_EQ(1, PIN(0, 1));
	EXPECT_DIRTY(0);
	container_unmap(&self->env.c, iova, self->pg);
	vfio_pci_cleanup(&p);
	env_teardown(&pci);
}

/* DP-PIN-04 / DP-UNM-15: a type1 (v1) container never pins for a vendor driver. */
FIXTURE(pinned_v1) {
	struct dirty_env env;
	struct vdm vdm;
	struct backing mem;
};

FIXTURE_SETUP(pinned_v1)
{
	ENV_INIT_OR_SKIP(&self->env, DEVICE_MDEV, 0, IOMMU_MODE_TYPE1);
	VDM_INIT(&self->env, &self->vdm);
	BACKING_ALLOC_OR_SKIP(&self->mem, BACKING_ANON, 4 * host_page_size());
}

FIXTURE_TEARDOWN(pinned_v1)
{
	env_teardown(&self->env);
	backing_free(&self->mem);
}

TEST_F(pinned_v1, pin04_v1_container_eacces)
{
	u64 pg = host_page_size();

	container_map(&self->env.c, BASE_IOVA, self->mem.addr, 4 * pg);
	EXPECT_EQ(-EACCES, vdm_pin(&self->vdm, BASE_IOVA, 1, VDM_PROT_READ));
	EXPECT_EQ(0, vdm_reg(&self->vdm, VDM_REG_PINNED));
	/* vfio_dma_rw() needs no v2: it works, but there is no bitmap to mark. */
	EXPECT_EQ(0, vdm_dma_write(&self->vdm, BASE_IOVA, 1, 1));
	EXPECT_ERRNO(EACCES, __container_dirty_start(&self->env.c));
}

VFIO_DIRTY_MAIN("dirty_pinned_test: pages a vendor driver pins are dirty (DP-BIT-01/02/03/04/\n"
		"08/10/14, DP-ARG-08), the errnos vfio_pin_pages() returns to the driver\n"
		"(DP-PIN-01/02/03/04/07/08/09/10/11), locked_vm accounting (DP-LIM-04), unmap of\n"
		"pinned pages (DP-UNM-18/19), a pinned-scope group and the last group leaving\n"
		"(DP-SCOPE-06),\n"
		"in an emulated-only type1 v2 container holding\n"
		"the suite's test mdev (fixtures/kmod, passed as an mdev UUID) in pass-through\n"
		"mode: the kernel's answers, unchanged.")
