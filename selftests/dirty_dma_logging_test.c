// SPDX-License-Identifier: GPL-2.0-only
/*
 * VFIO device DMA logging (VFIO_DEVICE_FEATURE_DMA_LOGGING_START/STOP/
 * REPORT, spec §8.3 ALT-LOG-01..07, DP-DEFECT-04, DP-DEFECT-07): every
 * check of the core with its errno, and bit-exact reports of the pages a
 * device wrote, read at other page sizes than it tracks (the shared
 * iova_bitmap code's rescale), into bitmaps of word-boundary sizes, at
 * unaligned pointers and across bitmap pages, with every power-of-two
 * page size up to 2^63.
 *
 * Fixture dma_log takes the first named device that has DMA logging (PROBE
 * of START answers 0): the test mdev's mig type, mtty, or a vendor's VF
 * (mlx5, pds, ...) named by PCI address. The cases that need writes on
 * command need the test mdev and skip elsewhere; the others hold for any
 * driver. Fixture dma_log_absent takes the first named device without it
 * (the test mdev's other types, a plain vfio-pci function) for the ENOTTY
 * paths.
 *
 * The test mdev logs per page of the size START asked for, only inside
 * START's ranges, and REPORT sets each logged page's part of the reported
 * range (fixtures/kmod/vfio_dirty_mdev.h): the expected bitmaps below are
 * that model at the report's page size.
 */
#include <sys/mman.h>

#include "vfio_dirty_test.h"
#include "mdev.h"
#include "child.h"
#include "dma_log.h"
#include "skip_memo.h"

#define BASE		(1ULL << 32)
#define TP		8192ULL		/* tracking page: half of it is still >= 4 KiB */
#define NPAGES		128ULL		/* tracking pages mapped from BASE */
#define LEN		(NPAGES * TP)
#define PATTERN		0xa5
#define FEAT(f)		VFIO_DEVICE_FEATURE_DMA_LOGGING_##f
#define GET_SET		(VFIO_DEVICE_FEATURE_GET | VFIO_DEVICE_FEATURE_SET)

typedef struct vfio_device_feature_dma_logging_range log_range;
typedef struct vfio_device_feature_dma_logging_control log_control;
typedef struct vfio_device_feature_dma_logging_report log_report;

/*
 * Opens, in @e, the first named device of @kind (mdevs of @driver: the
 * suite's test mdev or mtty; NULL: any) whose PROBE of START answers 0
 * (@want_log) or ENOTTY (!@want_log). Returns 0, ENV_SKIP (the mode is
 * absent, or no such device: the reason says which) or a set-up error.
 */
static int open_device(struct dirty_env *e, enum iommu_mode mode, enum device_kind kind,
		       const char *driver, bool want_log, bool *opened)
{
	const char *name;
	int n, r, seen = 0;
	char drv[64];

	for (n = 0; (name = device_nth(kind, n)); n++) {
		if (driver) {
			mdev_driver_name(name, drv, sizeof(drv));
			if (strcmp(drv, driver))
				continue;
		}
		seen++;
		r = env_init(e, kind, n, mode);
		if (r)
			return r;	/* the mode is absent, or a named device broken */
		*opened = true;
		r = __dma_log_probe(e->dev.fd);
		if (want_log ? !r : r == -ENOTTY)
			return 0;
		if (r && r != -ENOTTY) {
			snprintf(e->reason, sizeof(e->reason),
				 "%s: PROBE of DMA_LOGGING_START: %s (ALT-LOG-02: 0 or ENOTTY)",
				 e->dev.name, strerror(-r));
			return r;
		}
		env_teardown(e);
		*opened = false;
	}
	if (!seen && !driver)
		snprintf(e->reason, sizeof(e->reason),
			 "pci: no vfio-pci device named (pass its PCI address as an argument or in VFIO_DIRTY_DEVICES)");
	else if (!seen)
		snprintf(e->reason, sizeof(e->reason), "mdev: no %s mdev named", driver);
	else if (want_log)
		snprintf(e->reason, sizeof(e->reason),
			 "dmalog: %d named %s device(s), none has DMA logging (PROBE of START: ENOTTY%s)",
			 seen, driver ?: "vfio-pci",
			 driver && !strcmp(driver, "mtty") ? "; mtty has it since 6.7" :
			 driver ? "; the test mdev has it in its mig type" : "");
	else
		snprintf(e->reason, sizeof(e->reason),
			 "dmalog: %d named %s device(s), each has DMA logging (the test mdev's type 4 has none)",
			 seen, driver ?: "vfio-pci");
	return ENV_SKIP;
}

FIXTURE(dma_log) {
	struct dirty_env env;
	bool opened;
	bool is_vdm;
	struct vdm vdm;
	struct backing mem;
	int fd;
};

FIXTURE_VARIANT(dma_log) {
	enum iommu_mode mode;
	enum device_kind kind;
	const char *driver;	/* the mdev's driver; NULL: any PCI device */
};

/*
 * DMA logging is the device's; the IOVAs it writes are mapped either way.
 * The device: the suite's test mdev (its mig type writes on command), the
 * kernel's mtty sample (dummy log_ops: every check of the core, ALT-LOG-07)
 * and a vendor's PCI function (--device BDF).
 */
FIXTURE_VARIANT_ADD(dma_log, type1v2) {
	.mode = IOMMU_MODE_TYPE1V2, .kind = DEVICE_MDEV, .driver = VDM_DRIVER_NAME,
};

FIXTURE_VARIANT_ADD(dma_log, iommufd) {
	.mode = IOMMU_MODE_IOMMUFD, .kind = DEVICE_MDEV, .driver = VDM_DRIVER_NAME,
};

FIXTURE_VARIANT_ADD(dma_log, mtty_type1v2) {
	.mode = IOMMU_MODE_TYPE1V2, .kind = DEVICE_MDEV, .driver = "mtty",
};

FIXTURE_VARIANT_ADD(dma_log, mtty_iommufd) {
	.mode = IOMMU_MODE_IOMMUFD, .kind = DEVICE_MDEV, .driver = "mtty",
};

FIXTURE_VARIANT_ADD(dma_log, pci_type1v2) { .mode = IOMMU_MODE_TYPE1V2, .kind = DEVICE_PCI };
FIXTURE_VARIANT_ADD(dma_log, pci_iommufd) { .mode = IOMMU_MODE_IOMMUFD, .kind = DEVICE_PCI };

FIXTURE_SETUP(dma_log)
{
	/* no device with DMA logging: an earlier case probed every named one */
	const char *before = skip_memo_find(variant);
	char why[256] = "";
	int r;

	if (before)
		SKIP(return, "%s", before);
	r = open_device(&self->env, variant->mode, variant->kind, variant->driver, true,
			&self->opened);
	if (r == ENV_SKIP) {
		skip_memo_add(variant, self->env.reason);
		SKIP(return, "%s", self->env.reason);
	}
	ASSERT_EQ(0, r) TH_LOG("set-up failed: %s", self->env.reason);
	self->fd = self->env.dev.fd;
	/* ALT-LOG-07: the kernel's own sample driver, hardware-free */
	if (variant->driver && !strcmp(variant->driver, "mtty"))
		ksft_print_msg("cites: ALT-LOG-07\n");
	if (self->env.dev.kind == DEVICE_MDEV) {
		r = __vdm_probe(&self->vdm, self->fd, why, sizeof(why));
		/* another vendor's mdev (mtty) has no such region; an old test mdev is an error */
		ASSERT_NE(-EPROTO, r) TH_LOG("set-up failed: %s: %s", self->env.dev.name, why);
		self->is_vdm = !r;
	}
	BACKING_ALLOC_OR_SKIP(&self->mem, BACKING_ANON, LEN);
	container_map(&self->env.c, BASE, self->mem.addr, LEN);
}

FIXTURE_TEARDOWN(dma_log)
{
	if (self->opened) {
		__dma_log_stop(self->fd);
		env_teardown(&self->env);
	}
	backing_free(&self->mem);
}

/* The cases that need a device that writes on command. */
#define REQUIRE_VDM() do {							\
	if (!self->is_vdm)							\
		SKIP(return, "mdev: %s is not the suite's test mdev: "	\
			     "this case needs a device that writes on command",	\
		     self->env.dev.name);					\
} while (0)

#define LOGREG(r)	vdm_reg(&self->vdm, VDM_REG_LOG_##r)

/* VFIO_DEVICE_FEATURE of @f with @flags and a zeroed payload of @len bytes, argsz @argsz. */
static int feature(int fd, u32 argsz, u32 flags, size_t len)
{
	char payload[64] = {};

	return __device_feature(fd, argsz, flags, payload, len);
}

/* The device writes one byte in the middle of tracking page @t. */
static void write_page(struct __test_metadata *_metadata, FIXTURE_DATA(dma_log) *self, u64 t)
{
	ASSERT_EQ(0, vdm_dma_write(&self->vdm, BASE + t * TP + TP / 2 + 1, 1, PATTERN))
		TH_LOG("vfio_dma_rw() write of tracking page %llu", (unsigned long long)t);
}

/*
 * The bits a REPORT of [@iova, @iova + @length) at @rp must set for the
 * logged tracking pages @t (from BASE): each page's part inside the range.
 */
static void model(u64 *want, const u64 *t, size_t n, u64 iova, u64 length, u64 rp)
{
	u64 a, b, hi = iova + length - 1;
	size_t i;

	for (i = 0; i < n; i++) {
		a = BASE + t[i] * TP;
		b = a + TP - 1;
		if (a < iova)
			a = iova;
		if (b > hi)
			b = hi;
		if (a > b)
			continue;
		bitmap_set_range(want, (a - iova) / rp, (b - iova) / rp - (a - iova) / rp + 1);
	}
}

/*
 * REPORT of [@iova, @iova + @length) at @rp into the zeroed bitmap at @p,
 * then every bit, the padding of the last word included, against the
 * model of tracking pages @t.
 */
static void check_report_at(struct __test_metadata *_metadata, int fd, const u64 *t, size_t n,
			    u64 iova, u64 length, u64 rp, char *p)
{
	u64 nbits = (length + rp - 1) / rp, bytes = bitmap_bytes(nbits);
	u64 *want = calloc(1, bytes), *got = calloc(1, bytes);
	int r;

	ASSERT_NE(NULL, want);
	ASSERT_NE(NULL, got);
	r = __dma_log_report(fd, iova, length, rp, (u64 *)p);
	ASSERT_EQ(0, r) TH_LOG("REPORT at page size %llu: %s (DP-DEFECT-07 when EOPNOTSUPP)",
			       (unsigned long long)rp, strerror(-r));
	memcpy(got, p, bytes);
	model(want, t, n, iova, length, rp);
	ASSERT_BITMAP_EQ(want, got, nbits);
	free(want);
	free(got);
}

/*
 * check_report_at() into a bitmap of exactly the bytes it needs, @off bytes
 * above a u64 boundary and ending at a guard page; the @off bytes below it
 * must stay 0.
 */
static void check_report(struct __test_metadata *_metadata, int fd, const u64 *t, size_t n,
			 u64 iova, u64 length, u64 rp, size_t off)
{
	u64 bytes = bitmap_bytes((length + rp - 1) / rp);
	struct guarded_buf buf;

	ASSERT_EQ(0, guarded_buf_alloc(&buf, bytes + off));
	memset(buf.data, 0, bytes + off);
	check_report_at(_metadata, fd, t, n, iova, length, rp, (char *)buf.data + off);
	EXPECT_TRUE(mem_is(buf.data, 0, off)) TH_LOG("REPORT wrote below the bitmap pointer");
	guarded_buf_free(&buf);
}

#define START_ALL()	dma_log_start_one(self->fd, BASE, LEN, TP)
#define WRITE_PAGES(...) do {							\
	const u64 __t[] = { __VA_ARGS__ };					\
	size_t __i;								\
	for (__i = 0; __i < ARRAY_SIZE(__t); __i++)				\
		write_page(_metadata, self, __t[__i]);				\
} while (0)

/* ALT-LOG-02: argsz below the 8-byte header: EINVAL, the driver never asked. */
TEST_F(dma_log, log02_argsz_below_header)
{
	EXPECT_ERRNO(EINVAL, feature(self->fd, 7, VFIO_DEVICE_FEATURE_SET | FEAT(START),
				     sizeof(log_control)));
	EXPECT_ERRNO(EINVAL, feature(self->fd, 0, VFIO_DEVICE_FEATURE_GET | FEAT(REPORT),
				     sizeof(log_report)));
	if (self->is_vdm)
		EXPECT_EQ(0, LOGREG(STARTS));
}

/* ALT-LOG-02: a flag outside MASK|GET|SET|PROBE: EINVAL. */
TEST_F(dma_log, log02_unknown_flag)
{
	EXPECT_ERRNO(EINVAL, feature(self->fd, dma_log_argsz(sizeof(log_control)),
				     VFIO_DEVICE_FEATURE_SET | FEAT(START) | (1U << 20),
				     sizeof(log_control)));
	if (self->is_vdm)
		EXPECT_EQ(0, LOGREG(STARTS));
}

/* ALT-LOG-02: GET and SET together without PROBE: EINVAL. */
TEST_F(dma_log, log02_get_and_set)
{
	EXPECT_ERRNO(EINVAL, feature(self->fd, dma_log_argsz(sizeof(log_control)),
				     GET_SET | FEAT(START),
				     sizeof(log_control)));
	if (self->is_vdm)
		EXPECT_EQ(0, LOGREG(STARTS));
}

/* ALT-LOG-02: PROBE of each feature in its direction answers 0 and starts nothing. */
TEST_F(dma_log, log02_probe)
{
	u32 p = VFIO_DEVICE_FEATURE_PROBE;

	EXPECT_EQ(0, feature(self->fd, dma_log_argsz(0), p | VFIO_DEVICE_FEATURE_SET | FEAT(START),
			     0));
	EXPECT_EQ(0, feature(self->fd, dma_log_argsz(0), p | VFIO_DEVICE_FEATURE_SET | FEAT(STOP),
			     0));
	EXPECT_EQ(0, feature(self->fd, dma_log_argsz(0), p | VFIO_DEVICE_FEATURE_GET | FEAT(REPORT),
			     0));
	if (self->is_vdm) {
		EXPECT_EQ(0, LOGREG(STARTS));
		EXPECT_EQ(0, LOGREG(STOPS));
		EXPECT_EQ(0, LOGREG(REPORTS));
	}
}

/* ALT-LOG-02: GET on START or STOP, SET on REPORT: EINVAL, with PROBE too. */
TEST_F(dma_log, log02_wrong_direction)
{
	u32 get = VFIO_DEVICE_FEATURE_GET, set = VFIO_DEVICE_FEATURE_SET;
	u32 p = VFIO_DEVICE_FEATURE_PROBE;

	EXPECT_ERRNO(EINVAL, feature(self->fd, dma_log_argsz(sizeof(log_control)),
				     get | FEAT(START), sizeof(log_control)));
	EXPECT_ERRNO(EINVAL, feature(self->fd, dma_log_argsz(0), get | FEAT(STOP), 0));
	EXPECT_ERRNO(EINVAL, feature(self->fd, dma_log_argsz(sizeof(log_report)),
				     set | FEAT(REPORT), sizeof(log_report)));
	EXPECT_ERRNO(EINVAL, feature(self->fd, dma_log_argsz(0), p | get | FEAT(START), 0));
	EXPECT_ERRNO(EINVAL, feature(self->fd, dma_log_argsz(0), p | set | FEAT(REPORT), 0));
	if (self->is_vdm) {
		EXPECT_EQ(0, LOGREG(STARTS));
		EXPECT_EQ(0, LOGREG(REPORTS));
	}
}

/* ALT-LOG-02: neither GET nor SET (nor PROBE): EINVAL. */
TEST_F(dma_log, log02_no_direction)
{
	EXPECT_ERRNO(EINVAL, feature(self->fd, dma_log_argsz(sizeof(log_control)), FEAT(START),
				     sizeof(log_control)));
	EXPECT_ERRNO(EINVAL, feature(self->fd, dma_log_argsz(0), FEAT(STOP), 0));
	EXPECT_ERRNO(EINVAL, feature(self->fd, dma_log_argsz(sizeof(log_report)), FEAT(REPORT),
				     sizeof(log_report)));
}

/* ALT-LOG-02: argsz - 8 below the payload: EINVAL; STOP has none and takes argsz 8. */
TEST_F(dma_log, log02_short_payload)
{
	EXPECT_ERRNO(EINVAL, feature(self->fd, dma_log_argsz(sizeof(log_control) - 1),
				     VFIO_DEVICE_FEATURE_SET | FEAT(START), sizeof(log_control)));
	EXPECT_ERRNO(EINVAL, feature(self->fd, dma_log_argsz(sizeof(log_report) - 1),
				     VFIO_DEVICE_FEATURE_GET | FEAT(REPORT), sizeof(log_report)));
	EXPECT_EQ(0, feature(self->fd, dma_log_argsz(0), VFIO_DEVICE_FEATURE_SET | FEAT(STOP), 0));
	if (self->is_vdm) {
		EXPECT_EQ(0, LOGREG(STARTS));
		EXPECT_EQ(0, LOGREG(REPORTS));
		EXPECT_EQ(1, LOGREG(STOPS));
	}
}

/* ALT-LOG-01: the uAPI layouts and feature indexes. */
TEST(log01_layouts)
{
	EXPECT_EQ(8, sizeof(struct vfio_device_feature));
	EXPECT_EQ(24, sizeof(log_control));
	EXPECT_EQ(16, sizeof(log_range));
	EXPECT_EQ(32, sizeof(log_report));
	EXPECT_EQ(6, FEAT(START));
	EXPECT_EQ(7, FEAT(STOP));
	EXPECT_EQ(8, FEAT(REPORT));
}

/* ALT-LOG-03: num_ranges 0: EINVAL before the driver. */
TEST_F(dma_log, log03_num_ranges_zero)
{
	u64 ps = TP;
	log_range r = { BASE, LEN };

	EXPECT_ERRNO(EINVAL, __dma_log_start(self->fd, &ps, &r, 0));
	if (self->is_vdm)
		EXPECT_EQ(0, LOGREG(STARTS));
}

/* ALT-LOG-03: 256 ranges (PAGE_SIZE / 16) are taken, 257 are E2BIG. */
TEST_F(dma_log, log03_num_ranges_limit)
{
	u32 n = DMA_LOG_MAX_RANGES + 1, i;
	log_range *r = calloc(n, sizeof(*r));
	struct vdm_log_range *got = calloc(n, sizeof(*got));
	u64 ps = TP;

	ASSERT_NE(NULL, r);
	ASSERT_NE(NULL, got);
	ASSERT_EQ(256, DMA_LOG_MAX_RANGES);
	/* one tracking page every other page */
	for (i = 0; i < n; i++)
		r[i] = (log_range){ BASE + 2ULL * i * TP, TP };
	EXPECT_ERRNO(E2BIG, __dma_log_start(self->fd, &ps, r, n));
	if (self->is_vdm)
		EXPECT_EQ(0, LOGREG(STARTS));
	ps = TP;
	ASSERT_EQ(0, __dma_log_start(self->fd, &ps, r, n - 1));
	if (self->is_vdm) {
		ASSERT_EQ(n - 1, vdm_log_ranges(&self->vdm, got, n));
		for (i = 0; i < n - 1; i++) {
			EXPECT_EQ(r[i].iova, got[i].start);
			EXPECT_EQ(r[i].iova + TP - 1, got[i].last);
		}
	}
	dma_log_stop(self->fd);
	free(r);
	free(got);
}

/* ALT-LOG-03: ranges the kernel cannot read: EFAULT before the driver. */
TEST_F(dma_log, log03_ranges_fault)
{
	u64 ps = TP;

	ASSERT_NE(NULL, fault_page());
	EXPECT_ERRNO(EFAULT, __dma_log_start(self->fd, &ps, fault_page(), 1));
	if (self->is_vdm)
		EXPECT_EQ(0, LOGREG(STARTS));
}

/* ALT-LOG-03: an iova or a length that is not a multiple of page_size: EINVAL. */
TEST_F(dma_log, log03_unaligned)
{
	EXPECT_ERRNO(EINVAL, __dma_log_start_one(self->fd, BASE + TP / 2, TP, TP));
	EXPECT_ERRNO(EINVAL, __dma_log_start_one(self->fd, BASE, TP + TP / 2, TP));
	EXPECT_ERRNO(EINVAL, __dma_log_start_one(self->fd, BASE + 1, TP, TP));
	if (self->is_vdm)
		EXPECT_EQ(0, LOGREG(STARTS));
}

/* ALT-LOG-03: iova + length past 2^64, and exactly at it: EOVERFLOW. */
TEST_F(dma_log, log03_overflow)
{
	EXPECT_ERRNO(EOVERFLOW, __dma_log_start_one(self->fd, 0 - 2 * TP, 4 * TP, TP));
	EXPECT_ERRNO(EOVERFLOW, __dma_log_start_one(self->fd, 0 - 2 * TP, 2 * TP, TP));
	if (self->is_vdm)
		EXPECT_EQ(0, LOGREG(STARTS));
	/* the last page below 2^64 is a range like any other */
	dma_log_start_one(self->fd, 0 - 2 * TP, TP, TP);
}

/* ALT-LOG-03: overlapping ranges: EINVAL; adjacent ones are taken. */
TEST_F(dma_log, log03_overlap)
{
	log_range over[] = { { BASE, 2 * TP }, { BASE + TP, 2 * TP } };
	log_range adj[] = { { BASE, TP }, { BASE + TP, TP } };
	log_range same[] = { { BASE, TP }, { BASE, TP } };
	u64 ps = TP;

	EXPECT_ERRNO(EINVAL, __dma_log_start(self->fd, &ps, over, 2));
	EXPECT_ERRNO(EINVAL, __dma_log_start(self->fd, &ps, same, 2));
	if (self->is_vdm)
		EXPECT_EQ(0, LOGREG(STARTS));
	EXPECT_EQ(0, __dma_log_start(self->fd, &ps, adj, 2));
}

/*
 * ALT-LOG-03: the driver gets the ranges (in ascending order, as an
 * interval tree) and the page size as given, and the page size comes back.
 */
TEST_F(dma_log, log03_inputs_reach_driver)
{
	log_range r[] = { { BASE + 64 * TP, 8 * TP }, { BASE, TP }, { BASE + 2 * TP, 4 * TP } };
	struct vdm_log_range got[4];
	u64 ps = TP;

	REQUIRE_VDM();
	ASSERT_EQ(0, __dma_log_start(self->fd, &ps, r, 3));
	EXPECT_EQ(TP, ps);
	EXPECT_EQ(1, LOGREG(ACTIVE));
	EXPECT_EQ(1, LOGREG(STARTS));
	EXPECT_EQ(TP, LOGREG(PAGE_SIZE));
	EXPECT_EQ(3, LOGREG(NRANGES));
	ASSERT_EQ(3, vdm_log_ranges(&self->vdm, got, 4));
	EXPECT_EQ(BASE, got[0].start);
	EXPECT_EQ(BASE + TP - 1, got[0].last);
	EXPECT_EQ(BASE + 2 * TP, got[1].start);
	EXPECT_EQ(BASE + 6 * TP - 1, got[1].last);
	EXPECT_EQ(BASE + 64 * TP, got[2].start);
	EXPECT_EQ(BASE + 72 * TP - 1, got[2].last);
}

/*
 * ALT-LOG-03: the control struct is copied back; when that faults the
 * result is EFAULT and the core stops the driver's log again.
 */
TEST_F(dma_log, log03_copy_back_fault)
{
	size_t ps = host_page_size();
	log_range r = { BASE, LEN };
	struct vfio_device_feature *f;
	log_control *c;

	f = mmap(NULL, ps, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, f);
	f->argsz = dma_log_argsz(sizeof(*c));
	f->flags = VFIO_DEVICE_FEATURE_SET | FEAT(START);
	c = (log_control *)f->data;
	*c = (log_control){ .page_size = TP, .num_ranges = 1, .ranges = (uintptr_t)&r };
	ASSERT_EQ(0, mprotect(f, ps, PROT_READ));
	EXPECT_ERRNO(EFAULT, ioctl_errno(self->fd, VFIO_DEVICE_FEATURE, f));
	if (self->is_vdm) {
		EXPECT_EQ(1, LOGREG(STARTS));
		EXPECT_EQ(1, LOGREG(STOPS));
		EXPECT_EQ(0, LOGREG(ACTIVE));
	}
	/* stopped: a new START is taken */
	EXPECT_EQ(0, __dma_log_start_one(self->fd, BASE, LEN, TP));
	munmap(f, ps);
}

/*
 * ALT-LOG-03: a second START while active is the driver's to refuse (mlx5
 * and the test mdev: EINVAL; mtty accepts it); the test mdev keeps the first.
 */
TEST_F(dma_log, log03_start_twice)
{
	int r;

	START_ALL();
	r = __dma_log_start_one(self->fd, BASE, TP, TP);
	if (!self->is_vdm) {
		EXPECT_TRUE(r == 0 || r == -EINVAL) TH_LOG("second START: %s", strerror(-r));
		return;
	}
	EXPECT_ERRNO(EINVAL, r);
	EXPECT_EQ(2, LOGREG(STARTS));
	EXPECT_EQ(1, LOGREG(ACTIVE));
	EXPECT_EQ(1, LOGREG(NRANGES));
	/* the first START's range still logs */
	WRITE_PAGES(NPAGES - 1);
	check_report(_metadata, self->fd, (const u64[]){ NPAGES - 1 }, 1, BASE, LEN, TP, 0);
}

/* ALT-LOG-04: STOP without START, and twice, answers 0 (idempotent, as mlx5). */
TEST_F(dma_log, log04_stop_idempotent)
{
	EXPECT_EQ(0, __dma_log_stop(self->fd));
	START_ALL();
	EXPECT_EQ(0, __dma_log_stop(self->fd));
	EXPECT_EQ(0, __dma_log_stop(self->fd));
	if (self->is_vdm) {
		EXPECT_EQ(3, LOGREG(STOPS));
		EXPECT_EQ(0, LOGREG(ACTIVE));
	}
}

/* ALT-LOG-05: a REPORT page size below 4096 or not a power of two: EINVAL. */
TEST_F(dma_log, log05_report_page_size)
{
	static const u64 bad[] = { 0, 1, 2048, 4095, 4097, 12288, 3ULL << 20, (1ULL << 63) + 4096 };
	u64 bitmap[16] = {};
	size_t i;

	START_ALL();
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		u64 ps = bad[i];

		EXPECT_ERRNO(EINVAL, __dma_log_report(self->fd, BASE, LEN, ps, bitmap))
			TH_LOG("page size %llu", (unsigned long long)ps);
	}
	if (self->is_vdm)
		EXPECT_EQ(0, LOGREG(REPORTS));
}

/* ALT-LOG-05: iova + length past 2^64: EOVERFLOW, before the bitmap is looked at. */
TEST_F(dma_log, log05_report_overflow)
{
	u64 bitmap[4] = {};

	START_ALL();
	EXPECT_ERRNO(EOVERFLOW, __dma_log_report(self->fd, -4096ULL, 8192, 4096, bitmap));
	EXPECT_ERRNO(EOVERFLOW, __dma_log_report(self->fd, -4096ULL, 4096, 4096, bitmap));
	if (self->is_vdm)
		EXPECT_EQ(0, LOGREG(REPORTS));
}

/* ALT-LOG-05: REPORT while not logging is the driver's EINVAL (mlx5, the test mdev). */
TEST_F(dma_log, log05_report_inactive)
{
	u64 bitmap[4] = {};

	REQUIRE_VDM();
	EXPECT_ERRNO(EINVAL, __dma_log_report(self->fd, BASE, LEN, TP, bitmap))
		TH_LOG("DP-DEFECT-07 when EOPNOTSUPP: the kernel cannot REPORT at all");
	EXPECT_EQ(1, LOGREG(REPORTS));
}

/* ALT-LOG-04/05: after STOP the log is gone: REPORT is EINVAL and sets nothing. */
TEST_F(dma_log, log05_stop_then_report)
{
	u64 bitmap[4] = {};

	REQUIRE_VDM();
	START_ALL();
	WRITE_PAGES(3);
	EXPECT_EQ(1, LOGREG(DIRTY));
	dma_log_stop(self->fd);
	EXPECT_EQ(0, LOGREG(DIRTY));
	EXPECT_ERRNO(EINVAL, __dma_log_report(self->fd, BASE, LEN, TP, bitmap))
		TH_LOG("DP-DEFECT-07 when EOPNOTSUPP: the kernel cannot REPORT at all");
	EXPECT_TRUE(mem_is(bitmap, 0, sizeof(bitmap)));
}

/*
 * DP-DEFECT-07: a device that PROBEs and STARTs DMA logging can REPORT:
 * after both succeeded, a REPORT at 4 KiB over the started range is 0
 * (for any driver: nothing was written, so no bit is asked for).
 */
TEST_F(dma_log, defect07_report_after_start)
{
	u64 bitmap[LEN / 4096 / 64] = {};
	int r;

	ASSERT_EQ(0, __dma_log_probe(self->fd));
	START_ALL();
	r = __dma_log_report(self->fd, BASE, LEN, 4096, bitmap);
	ASSERT_EQ(0, r) TH_LOG("REPORT after PROBE and START: %s (DP-DEFECT-07 when EOPNOTSUPP)",
			       strerror(-r));
	if (self->is_vdm)
		EXPECT_TRUE(mem_is(bitmap, 0, sizeof(bitmap)));
}

/*
 * DP-DEFECT-04: START with page_size 0 must be refused (EINVAL); the core
 * accepts {iova 0, length 0} there and hands the driver the interval
 * [0, ULONG_MAX].
 */
TEST_F(dma_log, defect04_page_size_zero)
{
	struct vdm_log_range got[2] = {};
	int r = __dma_log_start_one(self->fd, 0, 0, 0);

	if (!r && self->is_vdm && vdm_log_ranges(&self->vdm, got, 2) == 1)
		TH_LOG("accepted: the driver got page_size %llu and [%#llx, %#llx]",
		       (unsigned long long)LOGREG(PAGE_SIZE), (unsigned long long)got[0].start,
		       (unsigned long long)got[0].last);
	EXPECT_ERRNO(EINVAL, r) TH_LOG("START page_size 0, range {0, 0}: %s", strerror(-r));
}

/*
 * DP-DEFECT-04: a zero-length range must be refused (EINVAL); the core
 * hands the driver an interval whose last is below its start.
 */
TEST_F(dma_log, defect04_zero_length)
{
	struct vdm_log_range got[2] = {};
	int r = __dma_log_start_one(self->fd, BASE, 0, TP);

	if (!r && self->is_vdm && vdm_log_ranges(&self->vdm, got, 2) == 1)
		TH_LOG("accepted: the driver got [%#llx, %#llx]", (unsigned long long)got[0].start,
		       (unsigned long long)got[0].last);
	EXPECT_ERRNO(EINVAL, r) TH_LOG("START range {%#llx, 0}: %s", BASE, strerror(-r));
}

/*
 * DP-DEFECT-04: a page size that is not a power of two must be refused
 * (EINVAL), as REPORT refuses it (ALT-LOG-05); START takes it.
 */
TEST_F(dma_log, defect04_page_size_not_pow2)
{
	int r = __dma_log_start_one(self->fd, 0, 16384, 12288);

	/* IS_ALIGNED() is a mask test: 16384 & 12287 is 0, so even this length passes */
	EXPECT_ERRNO(EINVAL, r) TH_LOG("START page_size 12288, range {0, 16384}: %s", strerror(-r));
}

/*
 * ALT-LOG-05, the rescale of iova_bitmap: pages logged at 8 KiB, read at
 * 1/2x, 1x, 2x and 16x that; each REPORT reads and clears.
 */
static void rescale(struct __test_metadata *_metadata, FIXTURE_DATA(dma_log) *self, u64 rp)
{
	static const u64 t[] = { 0, 1, 5, 31, 32, 63, 64, 100, NPAGES - 1 };
	size_t i;

	START_ALL();
	for (i = 0; i < ARRAY_SIZE(t); i++)
		write_page(_metadata, self, t[i]);
	EXPECT_EQ(ARRAY_SIZE(t), LOGREG(DIRTY));
	check_report(_metadata, self->fd, t, ARRAY_SIZE(t), BASE, LEN, rp, 0);
	/* read and cleared: the same REPORT again is empty */
	EXPECT_EQ(0, LOGREG(DIRTY));
	check_report(_metadata, self->fd, NULL, 0, BASE, LEN, rp, 0);
}

TEST_F(dma_log, log05_report_half_page)
{
	REQUIRE_VDM();
	rescale(_metadata, self, TP / 2);
}

TEST_F(dma_log, log05_report_same_page)
{
	REQUIRE_VDM();
	rescale(_metadata, self, TP);
}

TEST_F(dma_log, log05_report_double_page)
{
	REQUIRE_VDM();
	rescale(_metadata, self, 2 * TP);
}

TEST_F(dma_log, log05_report_16x_page)
{
	REQUIRE_VDM();
	rescale(_metadata, self, 16 * TP);
}

/*
 * ALT-LOG-05: REPORT of a part of the range reads and clears that part
 * only; a range starting inside a tracking page gets that page's part.
 */
TEST_F(dma_log, log05_report_subrange)
{
	REQUIRE_VDM();
	START_ALL();
	WRITE_PAGES(2, 10, 11, 40);
	check_report(_metadata, self->fd, (const u64[]){ 10, 11 }, 2, BASE + 8 * TP, 8 * TP, TP, 0);
	EXPECT_EQ(2, LOGREG(DIRTY));
	/* from the middle of page 2, at 4 KiB: its upper half only */
	check_report(_metadata, self->fd, (const u64[]){ 2, 40 }, 2, BASE + 2 * TP + TP / 2,
		     LEN - 2 * TP - TP / 2, TP / 2, 0);
	EXPECT_EQ(0, LOGREG(DIRTY));
}

/*
 * ALT-LOG-05: bitmaps of 1, 63, 64, 65, 127 and 128 bits, each in exactly
 * its whole words before a guard page: the first and the last page of the
 * range and page 64 dirty; padding bits stay 0.
 */
TEST_F(dma_log, log05_report_word_boundaries)
{
	static const u64 sizes[] = { 1, 63, 64, 65, 127, 128 };
	u64 t[3];
	size_t i, j, n;

	REQUIRE_VDM();
	START_ALL();
	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		n = 0;
		t[n++] = 0;
		if (sizes[i] > 1)
			t[n++] = sizes[i] - 1;
		if (sizes[i] > 65)
			t[n++] = 64;
		for (j = 0; j < n; j++)
			write_page(_metadata, self, t[j]);
		check_report(_metadata, self->fd, t, n, BASE, sizes[i] * TP, TP, 0);
		/* read and cleared */
		check_report(_metadata, self->fd, NULL, 0, BASE, sizes[i] * TP, TP, 0);
	}
}

/* ALT-LOG-05: bitmap pointers 1 to 7 bytes above a u64 boundary. */
TEST_F(dma_log, log05_report_unaligned_bitmap)
{
	static const u64 t[] = { 0, 7, 8, 63, 64, NPAGES - 1 };
	size_t off;

	REQUIRE_VDM();
	START_ALL();
	for (off = 1; off < 8; off++) {
		WRITE_PAGES(0, 7, 8, 63, 64, NPAGES - 1);
		check_report(_metadata, self->fd, t, ARRAY_SIZE(t), BASE, LEN, TP, off);
	}
}

/*
 * ALT-LOG-05: bitmaps that cross a page of user memory (iova_bitmap maps
 * the user's bitmap a page at a time): 16 bytes starting 8 below a page
 * boundary, and the 5000 bytes of a 40000-page range from a page start, so
 * that pages 32767 and 32768 land in two pages (32768 bits each).
 */
TEST_F(dma_log, log05_report_crosses_bitmap_page)
{
	static const u64 t[] = { 0, 63, 64, NPAGES - 1 };
	static const u64 far[] = { 0, 32767, 32768 };
	size_t ps = host_page_size(), i;
	struct backing extra;
	char *map;

	REQUIRE_VDM();
	map = mmap(NULL, 3 * ps, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, map);
	START_ALL();
	WRITE_PAGES(0, 63, 64, NPAGES - 1);
	check_report_at(_metadata, self->fd, t, ARRAY_SIZE(t), BASE, LEN, TP, map + ps - 8);
	EXPECT_TRUE(mem_is(map, 0, ps - 8));
	EXPECT_TRUE(mem_is(map + ps + 8, 0, 2 * ps - 8));
	dma_log_stop(self->fd);

	/* memory behind tracking pages 32767 and 32768 */
	memset(map, 0, 3 * ps);
	BACKING_ALLOC_OR_SKIP(&extra, BACKING_ANON, 2 * TP);
	container_map(&self->env.c, BASE + 32767 * TP, extra.addr, 2 * TP);
	dma_log_start_one(self->fd, BASE, 40000 * TP, TP);
	for (i = 0; i < ARRAY_SIZE(far); i++)
		write_page(_metadata, self, far[i]);
	check_report_at(_metadata, self->fd, far, ARRAY_SIZE(far), BASE, 40000 * TP, TP, map);
	EXPECT_TRUE(mem_is(map + 5000, 0, 3 * ps - 5000));
	dma_log_stop(self->fd);
	container_unmap(&self->env.c, BASE + 32767 * TP, 2 * TP);
	backing_free(&extra);
	munmap(map, 3 * ps);
}

/*
 * ALT-LOG-05: the test mdev logs its pinned pages on request: a pin of two
 * 4 KiB pages across a tracking page boundary marks both tracking pages.
 */
TEST_F(dma_log, log05_report_pinned_pages)
{
	u64 iova = BASE + 5 * TP + TP - 4096;

	REQUIRE_VDM();
	START_ALL();
	ASSERT_EQ(0, vdm_log_pins(&self->vdm, true));
	ASSERT_EQ(2, vdm_pin(&self->vdm, iova, 2, VDM_PROT_READ | VDM_PROT_WRITE));
	ASSERT_EQ(0, vdm_unpin(&self->vdm, iova, 2));
	check_report(_metadata, self->fd, (const u64[]){ 5, 6 }, 2, BASE, LEN, TP, 0);
	/* without the request, pins are not the device's writes */
	ASSERT_EQ(0, vdm_log_pins(&self->vdm, false));
	ASSERT_EQ(2, vdm_pin(&self->vdm, iova, 2, VDM_PROT_READ | VDM_PROT_WRITE));
	ASSERT_EQ(0, vdm_unpin(&self->vdm, iova, 2));
	check_report(_metadata, self->fd, NULL, 0, BASE, LEN, TP, 0);
}

/*
 * ALT-LOG-05's page-size sweep: every power of two from 2^12 to 2^63 is
 * accepted or refused with an errno, never an oops (e24c1551059
 * "iommufd/iova_bitmap: Fix shift-out-of-bounds", cb30dfa75d55: a divide
 * error for huge page sizes), and an accepted one reports exactly the
 * dirty page's bits: one bit once the page size exceeds the range. Each
 * REPORT runs in a child, so an oops kills the child, not the test; the
 * device writes from the parent (type1's vfio_dma_rw() works only in the
 * mm that mapped the memory).
 */
#define SWEEP_LEN	(16 * TP)	/* 32 bits at 4 KiB: struct sweep_out holds them */

struct sweep_arg {
	int fd;
	int shift;
};

struct sweep_out {
	int ret;
	u64 bits[2];
};

static int sweep_child(void *arg, void *out)
{
	struct sweep_arg *a = arg;
	struct sweep_out *o = out;

	o->ret = __dma_log_report(a->fd, BASE, SWEEP_LEN, 1ULL << a->shift, o->bits);
	return 0;
}

TEST_F(dma_log, log05_report_page_size_sweep)
{
	struct sweep_arg a = { .fd = self->fd };
	char lost[512] = "", *end = lost;
	struct sweep_out o;
	u64 want[2];
	int r;

	REQUIRE_VDM();
	START_ALL();
	for (a.shift = 12; a.shift < 64; a.shift++) {
		write_page(_metadata, self, 3);
		memset(&o, 0, sizeof(o));
		r = __child_run(sweep_child, &a, &o, sizeof(o));
		ASSERT_NE(-EINTR, r)
			TH_LOG("page size 2^%d: the REPORT child was killed: an oops in iova_bitmap (fixed by e24c1551059 and cb30dfa75d55)?",
			       a.shift);
		ASSERT_EQ(0, r);
		if (a.shift == 12)
			ASSERT_EQ(0, o.ret) TH_LOG("REPORT at 4 KiB: %s (DP-DEFECT-07 when EOPNOTSUPP)",
						   strerror(-o.ret));
		EXPECT_GE(0, o.ret);
		if (o.ret) {
			/* refused: the page stays logged; the next size reports it */
			continue;
		}
		memset(want, 0, sizeof(want));
		model(want, (const u64[]){ 3 }, 1, BASE, SWEEP_LEN, 1ULL << a.shift);
		if (want[0] == o.bits[0] && want[1] == o.bits[1])
			continue;
		TH_LOG("page size 2^%d: bits %#llx %#llx, want %#llx %#llx; the driver was asked for [%#llx, +%#llx)",
		       a.shift, (unsigned long long)o.bits[0], (unsigned long long)o.bits[1],
		       (unsigned long long)want[0], (unsigned long long)want[1],
		       (unsigned long long)LOGREG(REPORT_IOVA),
		       (unsigned long long)LOGREG(REPORT_LEN));
		end += snprintf(end, lost + sizeof(lost) - end, " 2^%d", a.shift);
	}
	/* one line that names every page size that went wrong */
	EXPECT_STREQ("", lost) TH_LOG("dirty page misreported at page sizes%s", lost);
}

/*
 * ALT-LOG-06: a bitmap pointer the kernel cannot write. 6.1's iova_bitmap
 * pins the user pages first: EFAULT, the driver's log untouched. Since the
 * move to iommufd (6.7) it pins lazily and drops a failed pin: 0, and the
 * dirty page is lost (the driver cleared it).
 */
TEST_F(dma_log, log06_bad_bitmap_pointer)
{
	bool eager = !kernel_at_least(6, 7);
	int r;

	REQUIRE_VDM();
	ASSERT_NE(NULL, fault_page());
	START_ALL();
	WRITE_PAGES(9);
	r = __dma_log_report(self->fd, BASE, LEN, TP, fault_page());
	if (eager) {
		EXPECT_ERRNO(EFAULT, r);
		EXPECT_EQ(1, LOGREG(DIRTY));
		check_report(_metadata, self->fd, (const u64[]){ 9 }, 1, BASE, LEN, TP, 0);
	} else {
		EXPECT_EQ(0, r) TH_LOG("REPORT into a PROT_NONE bitmap: %s (DP-DEFECT-07 when EOPNOTSUPP)",
				       strerror(-r));
		EXPECT_EQ(0, LOGREG(DIRTY));
		check_report(_metadata, self->fd, NULL, 0, BASE, LEN, TP, 0);
	}
}

/* The ENOTTY paths: a device without log_ops. */
FIXTURE(dma_log_absent) {
	struct dirty_env env;
	bool opened;
	int fd;
};

FIXTURE_VARIANT(dma_log_absent) {
	enum iommu_mode mode;
};

FIXTURE_VARIANT_ADD(dma_log_absent, type1v2) { .mode = IOMMU_MODE_TYPE1V2 };
FIXTURE_VARIANT_ADD(dma_log_absent, iommufd) { .mode = IOMMU_MODE_IOMMUFD };

FIXTURE_SETUP(dma_log_absent)
{
	/* the test mdev's types without the mig type's features (type 4) */
	int r = open_device(&self->env, variant->mode, DEVICE_MDEV, VDM_DRIVER_NAME, false,
			    &self->opened);

	if (r == ENV_SKIP)
		SKIP(return, "%s", self->env.reason);
	ASSERT_EQ(0, r) TH_LOG("set-up failed: %s", self->env.reason);
	self->fd = self->env.dev.fd;
}

FIXTURE_TEARDOWN(dma_log_absent)
{
	if (self->opened)
		env_teardown(&self->env);
}

/* ALT-LOG-02: no log_ops: ENOTTY for each feature, PROBE included. */
TEST_F(dma_log_absent, log02_no_log_ops_enotty)
{
	u32 p = VFIO_DEVICE_FEATURE_PROBE, get = VFIO_DEVICE_FEATURE_GET;
	u32 set = VFIO_DEVICE_FEATURE_SET;
	u64 bitmap[4] = {};

	EXPECT_ERRNO(ENOTTY, feature(self->fd, dma_log_argsz(0), p | set | FEAT(START), 0));
	EXPECT_ERRNO(ENOTTY, feature(self->fd, dma_log_argsz(0), p | set | FEAT(STOP), 0));
	EXPECT_ERRNO(ENOTTY, feature(self->fd, dma_log_argsz(0), p | get | FEAT(REPORT), 0));
	EXPECT_ERRNO(ENOTTY, __dma_log_start_one(self->fd, BASE, LEN, TP));
	EXPECT_ERRNO(ENOTTY, __dma_log_stop(self->fd));
	EXPECT_ERRNO(ENOTTY, __dma_log_report(self->fd, BASE, LEN, TP, bitmap));
	/* the log_ops check comes first, before the direction */
	EXPECT_ERRNO(ENOTTY, feature(self->fd, dma_log_argsz(0), get | FEAT(START), 0));
}

/* ALT-LOG-02: the header's checks run before the feature is looked up: EINVAL. */
TEST_F(dma_log_absent, log02_header_checks_first)
{
	EXPECT_ERRNO(EINVAL, feature(self->fd, 7, VFIO_DEVICE_FEATURE_SET | FEAT(START), 0));
	EXPECT_ERRNO(EINVAL, feature(self->fd, dma_log_argsz(0),
				     VFIO_DEVICE_FEATURE_SET | FEAT(START) | (1U << 20), 0));
	EXPECT_ERRNO(EINVAL, feature(self->fd, dma_log_argsz(0),
				     GET_SET | FEAT(START),
				     0));
}

VFIO_DIRTY_MAIN("Device DMA logging (VFIO_DEVICE_FEATURE_DMA_LOGGING_*, spec ALT-LOG-01..07,\n"
		"DP-DEFECT-04/07) on the first named device that has it (the test mdev's mig\n"
		"type, mtty, a vendor's VF), and its ENOTTY paths on one that has not.\n")
