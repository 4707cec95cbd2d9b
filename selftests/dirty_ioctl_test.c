// SPDX-License-Identifier: GPL-2.0-only
/*
 * VFIO_IOMMU_DIRTY_PAGES argument validation (spec section 1, DP-ARG-*) and
 * GET_BITMAP ranges over several mappings and holes (section 2, DP-RNG-*),
 * on a type1 v2 container holding an IOMMU-backed device. Every rejected
 * call is checked for its exact errno, and has its control: the same call
 * with only the offending field made valid succeeds in the same test, so
 * the errno can only come from the rule under test.
 */
#include <fcntl.h>
#include <grp.h>
#include <stddef.h>
#include <sys/mman.h>

#include "vfio_dirty_test.h"
#include "child.h"

#define BASE_IOVA	(1ULL << 30)
#define MAP_PAGES	16

FIXTURE(dirty_ioctl) {
	struct dirty_env env;
	struct backing mem;
	u64 pgsize;
};

FIXTURE_VARIANT(dirty_ioctl) {
	enum iommu_mode mode;
};

FIXTURE_VARIANT_ADD_TRACKING_MODES(dirty_ioctl)

FIXTURE_SETUP(dirty_ioctl)
{
	DIRTY_INIT_OR_SKIP(&self->env, NULL, DEVICE_PCI, variant->mode);
	self->pgsize = self->env.pgsize;
	BACKING_ALLOC_OR_SKIP(&self->mem, BACKING_ANON, 512 * self->pgsize);
}

FIXTURE_TEARDOWN(dirty_ioctl)
{
	backing_free(&self->mem);
	env_teardown(&self->env);
}

/* One mapping of MAP_PAGES pages at BASE_IOVA. */
static void map_one(struct __test_metadata *_metadata, FIXTURE_DATA(dirty_ioctl) *self)
{
	container_map(&self->env.c, BASE_IOVA, self->mem.addr, MAP_PAGES * self->pgsize);
}

/* A GET_BITMAP argument over the fixture's mapping, valid in every field. */
static void valid_get(struct dirty_get_arg *arg, FIXTURE_DATA(dirty_ioctl) *self, void *bitmap)
{
	memset(arg, 0, sizeof(*arg));
	arg->hdr.argsz = sizeof(*arg);
	arg->hdr.flags = VFIO_IOMMU_DIRTY_PAGES_FLAG_GET_BITMAP;
	arg->range.iova = BASE_IOVA;
	arg->range.size = MAP_PAGES * self->pgsize;
	arg->range.bitmap.pgsize = self->pgsize;
	arg->range.bitmap.size = bitmap_bytes(MAP_PAGES);
	arg->range.bitmap.data = bitmap;
}

static int dirty_flags(struct container *c, u32 argsz, u32 flags)
{
	struct vfio_iommu_type1_dirty_bitmap arg = { .argsz = argsz, .flags = flags };

	return __container_dirty_ioctl(c, &arg);
}

/* Tracking is on exactly when a valid GET over the mapping succeeds (DP-ARG-19). */
static int tracking_on(FIXTURE_DATA(dirty_ioctl) *self)
{
	u64 bitmap[1] = { 0 };
	struct dirty_get_arg arg;

	valid_get(&arg, self, bitmap);

	return __container_dirty_ioctl(&self->env.c, &arg) == 0;
}

/* DP-ARG-02: the 8-byte header is not readable; control: a readable one. */
TEST_F(dirty_ioctl, arg02_unreadable_header_efault)
{
	EXPECT_ERRNO(EFAULT, __container_dirty_ioctl(&self->env.c, NULL));
	EXPECT_ERRNO(EFAULT, __container_dirty_ioctl(&self->env.c, fault_page()));
	EXPECT_EQ(0, dirty_flags(&self->env.c, 8, VFIO_IOMMU_DIRTY_PAGES_FLAG_START));
}

/* DP-ARG-03: argsz below 8; control: argsz 8 starts tracking. */
TEST_F(dirty_ioctl, arg03_argsz_below_header)
{
	u32 argsz;

	map_one(_metadata, self);
	for (argsz = 0; argsz < 8; argsz++)
		EXPECT_ERRNO(EINVAL, dirty_flags(&self->env.c, argsz,
						 VFIO_IOMMU_DIRTY_PAGES_FLAG_START));
	EXPECT_FALSE(tracking_on(self));
	EXPECT_EQ(0, dirty_flags(&self->env.c, 8, VFIO_IOMMU_DIRTY_PAGES_FLAG_START));
	EXPECT_TRUE(tracking_on(self));
}

/*
 * DP-ARG-04: every undefined flag bit next to each operation. An undefined
 * bit alone is not a case of its own: without it the flags are 0, which
 * DP-ARG-06 refuses too. Controls: each operation without the bit works.
 */
TEST_F(dirty_ioctl, arg04_unknown_flags)
{
	u64 bitmap[1];
	int bit;

	map_one(_metadata, self);
	for (bit = 3; bit < 32; bit++) {
		EXPECT_ERRNO(EINVAL, dirty_flags(&self->env.c, 8,
						 (1U << bit) | VFIO_IOMMU_DIRTY_PAGES_FLAG_START));
		EXPECT_ERRNO(EINVAL, dirty_flags(&self->env.c, 8,
						 (1U << bit) | VFIO_IOMMU_DIRTY_PAGES_FLAG_STOP));
	}
	EXPECT_FALSE(tracking_on(self));
	EXPECT_EQ(0, dirty_flags(&self->env.c, 8, VFIO_IOMMU_DIRTY_PAGES_FLAG_STOP));
	EXPECT_EQ(0, dirty_flags(&self->env.c, 8, VFIO_IOMMU_DIRTY_PAGES_FLAG_START));
	for (bit = 3; bit < 32; bit++) {
		struct dirty_get_arg arg;

		valid_get(&arg, self, bitmap);
		arg.hdr.flags |= 1U << bit;
		EXPECT_ERRNO(EINVAL, __container_dirty_ioctl(&self->env.c, &arg));
		EXPECT_ERRNO(EINVAL, dirty_flags(&self->env.c, 8,
						 (1U << bit) | VFIO_IOMMU_DIRTY_PAGES_FLAG_STOP));
	}
	/* a refused STOP stopped nothing; the GET without the bit works */
	EXPECT_TRUE(tracking_on(self));
}

/*
 * DP-ARG-05: more than one of START, STOP, GET_BITMAP refused, with a valid
 * GET argument; controls: each operation alone succeeds with it.
 */
TEST_F(dirty_ioctl, arg05_several_operations)
{
	const u32 start = VFIO_IOMMU_DIRTY_PAGES_FLAG_START;
	const u32 stop = VFIO_IOMMU_DIRTY_PAGES_FLAG_STOP;
	const u32 get = VFIO_IOMMU_DIRTY_PAGES_FLAG_GET_BITMAP;
	const u32 combos[] = { start | stop, start | get, stop | get, start | stop | get };
	const u32 alone[] = { start, get, stop };
	struct dirty_get_arg arg;
	u64 bitmap[1];
	unsigned int i;

	map_one(_metadata, self);
	for (i = 0; i < ARRAY_SIZE(combos); i++) {
		valid_get(&arg, self, bitmap);
		arg.hdr.flags = combos[i];
		EXPECT_ERRNO(EINVAL, __container_dirty_ioctl(&self->env.c, &arg));
	}
	EXPECT_FALSE(tracking_on(self));
	for (i = 0; i < ARRAY_SIZE(alone); i++) {
		valid_get(&arg, self, bitmap);
		arg.hdr.flags = alone[i];
		EXPECT_EQ(0, __container_dirty_ioctl(&self->env.c, &arg))
			TH_LOG("flags %#x alone", alone[i]);
	}
}

/* DP-ARG-06: no operation at all; controls: START and STOP in the same call. */
TEST_F(dirty_ioctl, arg06_no_flags)
{
	EXPECT_ERRNO(EINVAL, dirty_flags(&self->env.c, 8, 0));
	EXPECT_EQ(0, dirty_flags(&self->env.c, 8, VFIO_IOMMU_DIRTY_PAGES_FLAG_START));
	EXPECT_ERRNO(EINVAL, dirty_flags(&self->env.c, 8, 0));
	EXPECT_EQ(0, dirty_flags(&self->env.c, 8, VFIO_IOMMU_DIRTY_PAGES_FLAG_STOP));
}

/* DP-ARG-07: START with no mapping succeeds, and tracking is on afterwards. */
TEST_F(dirty_ioctl, arg07_start_without_mappings)
{
	EXPECT_EQ(0, __container_dirty_start(&self->env.c));
	map_one(_metadata, self);
	EXPECT_TRUE(tracking_on(self));
}

/* DP-ARG-08: START while started succeeds and tracking stays on. */
TEST_F(dirty_ioctl, arg08_start_twice)
{
	map_one(_metadata, self);
	EXPECT_EQ(0, __container_dirty_start(&self->env.c));
	EXPECT_EQ(0, __container_dirty_start(&self->env.c));
	EXPECT_TRUE(tracking_on(self));
}

/* DP-ARG-10: STOP is idempotent, on and off; DP-ARG-19: GET fails after it. */
TEST_F(dirty_ioctl, arg10_stop_idempotent)
{
	map_one(_metadata, self);
	EXPECT_EQ(0, __container_dirty_stop(&self->env.c));
	container_dirty_start(&self->env.c);
	EXPECT_EQ(0, __container_dirty_stop(&self->env.c));
	EXPECT_FALSE(tracking_on(self));
	EXPECT_EQ(0, __container_dirty_stop(&self->env.c));
	EXPECT_FALSE(tracking_on(self));
}

/* DP-ARG-11: GET needs argsz >= 48; a larger argsz is accepted. */
TEST_F(dirty_ioctl, arg11_get_argsz)
{
	u32 bad[] = { 8, 16, 47 }, good[] = { 48, 49, 4096 };
	u64 bitmap[1];
	unsigned int i;

	map_one(_metadata, self);
	container_dirty_start(&self->env.c);
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		struct dirty_get_arg arg;

		valid_get(&arg, self, bitmap);

		arg.hdr.argsz = bad[i];
		EXPECT_ERRNO(EINVAL, __container_dirty_ioctl(&self->env.c, &arg));
	}
	for (i = 0; i < ARRAY_SIZE(good); i++) {
		struct dirty_get_arg arg;

		valid_get(&arg, self, bitmap);

		arg.hdr.argsz = good[i];
		EXPECT_EQ(0, __container_dirty_ioctl(&self->env.c, &arg));
	}
}

/*
 * DP-ARG-12: the range struct after a readable header faults; and it is
 * read before the tracking check (DP-ARG-19), so EFAULT wins with tracking
 * off. Control: the same header followed by a readable range succeeds.
 */
TEST_F(dirty_ioctl, arg12_range_unreadable)
{
	struct vfio_iommu_type1_dirty_bitmap *hdr;
	struct guarded_buf buf;
	struct dirty_get_arg arg;
	u64 bitmap[1];

	map_one(_metadata, self);
	ASSERT_EQ(0, guarded_buf_alloc(&buf, sizeof(*hdr)));
	hdr = buf.data;
	hdr->argsz = sizeof(struct dirty_get_arg);
	hdr->flags = VFIO_IOMMU_DIRTY_PAGES_FLAG_GET_BITMAP;
	EXPECT_ERRNO(EFAULT, __container_dirty_ioctl(&self->env.c, hdr));
	container_dirty_start(&self->env.c);
	EXPECT_ERRNO(EFAULT, __container_dirty_ioctl(&self->env.c, hdr));
	valid_get(&arg, self, bitmap);
	arg.hdr = *hdr;
	EXPECT_EQ(0, __container_dirty_ioctl(&self->env.c, &arg));
	guarded_buf_free(&buf);
}

/*
 * DP-ARG-13 / DP-VER-07: a range whose iova + size wraps past 2^64 is
 * refused with the errno MAP gives a wrapping range on this kernel (EINVAL
 * before v6.18, EOVERFLOW since). Four pages, so the bitmap holds them
 * (DP-ARG-15 cannot refuse it). Control: the same GET with range.iova
 * made valid (the hole after the mapping) succeeds.
 */
TEST_F(dirty_ioctl, arg13_range_wraps)
{
	int wrap_errno = container_map_wrap_errno(&self->env.c, self->mem.addr, self->pgsize);
	struct dirty_get_arg arg;
	u64 bitmap[1];

	ASSERT_TRUE(wrap_errno == EINVAL || wrap_errno == EOVERFLOW)
		TH_LOG("MAP of a wrapping range: %s (DP-VER-07)", strerror(wrap_errno));
	map_one(_metadata, self);
	container_dirty_start(&self->env.c);
	valid_get(&arg, self, bitmap);
	arg.range.iova = -(2 * self->pgsize);
	arg.range.size = 4 * self->pgsize;
	EXPECT_ERRNO(wrap_errno, __container_dirty_ioctl(&self->env.c, &arg));
	arg.range.iova = BASE_IOVA + MAP_PAGES * self->pgsize;
	EXPECT_EQ(0, __container_dirty_ioctl(&self->env.c, &arg));
}

/*
 * DP-ARG-13 / DP-LIM-07 / DP-VER-07: a range that ends exactly at 2^64
 * does not wrap (MAP accepts a mapping there): with no mapping in it the
 * GET succeeds and writes nothing. 6.1 and 6.12 count iova + size == 2^64
 * as wrapped (EINVAL); v6.18 fixed it (ef270ec44637): selftests/xfail.
 */
TEST_F(dirty_ioctl, arg13_range_ending_at_top)
{
	struct guarded_buf buf;

	container_dirty_start(&self->env.c);
	ASSERT_EQ(0, guarded_buf_alloc(&buf, 8));
	memset(buf.data, 0xa5, 8);
	EXPECT_EQ(0, __container_dirty_get(&self->env.c, -(4 * self->pgsize), 4 * self->pgsize,
					   self->pgsize, buf.data, 8))
		TH_LOG("GET over the last 4 pages below 2^64");
	EXPECT_TRUE(mem_is(buf.data, 0xa5, 8));
	/* control: the same GET one page lower */
	EXPECT_EQ(0, __container_dirty_get(&self->env.c, -(5 * self->pgsize), 4 * self->pgsize,
					   self->pgsize, buf.data, 8));
	guarded_buf_free(&buf);
}

/*
 * DP-ARG-14: a bitmap pointer that is not a user address is EINVAL, not
 * EFAULT; control: the same GET into user memory succeeds.
 */
TEST_F(dirty_ioctl, arg14_bitmap_not_user_memory)
{
	void *bad[] = { (void *)0xffff888000000000ULL, (void *)-8LL };
	struct dirty_get_arg arg;
	u64 bitmap[1];
	unsigned int i;

	map_one(_metadata, self);
	container_dirty_start(&self->env.c);
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		valid_get(&arg, self, bad[i]);
		EXPECT_ERRNO(EINVAL, __container_dirty_ioctl(&self->env.c, &arg));
	}
	valid_get(&arg, self, bitmap);
	EXPECT_EQ(0, __container_dirty_ioctl(&self->env.c, &arg));
}

/*
 * DP-ARG-15: bitmap.size must be non-zero, hold BYTES(npages) (whole u64
 * words) and not exceed 256 MiB; a range smaller than a page has no pages.
 */
TEST_F(dirty_ioctl, arg15_bitmap_size)
{
	const u64 npages = 65;
	struct guarded_buf buf;
	struct dirty_get_arg arg;

	container_map(&self->env.c, BASE_IOVA, self->mem.addr, npages * self->pgsize);
	container_dirty_start(&self->env.c);
	ASSERT_EQ(0, guarded_buf_alloc(&buf, bitmap_bytes(npages)));

	valid_get(&arg, self, buf.data);
	arg.range.size = npages * self->pgsize;
	arg.range.bitmap.size = 0;
	EXPECT_ERRNO(EINVAL, __container_dirty_ioctl(&self->env.c, &arg));
	arg.range.bitmap.size = 8;		/* one word for 65 pages */
	EXPECT_ERRNO(EINVAL, __container_dirty_ioctl(&self->env.c, &arg));
	arg.range.bitmap.size = 15;		/* not a whole second word */
	EXPECT_ERRNO(EINVAL, __container_dirty_ioctl(&self->env.c, &arg));
	arg.range.bitmap.size = DIRTY_BITMAP_SIZE_MAX + 8;
	EXPECT_ERRNO(EINVAL, __container_dirty_ioctl(&self->env.c, &arg));
	arg.range.bitmap.size = 16;		/* exactly BYTES(65), ends at the guard */
	EXPECT_EQ(0, __container_dirty_ioctl(&self->env.c, &arg));

	/*
	 * Less than a page, in the hole after the mapping (so no range rule,
	 * DP-ARG-20, applies): npages == 0 (DP-ARG-15), and not a multiple of
	 * the page size either (DP-ARG-18), so this pins the errno on
	 * range.size, not on one of the two rules. Control: one page there.
	 */
	valid_get(&arg, self, buf.data);
	arg.range.iova = BASE_IOVA + npages * self->pgsize;
	arg.range.size = self->pgsize / 2;
	EXPECT_ERRNO(EINVAL, __container_dirty_ioctl(&self->env.c, &arg));
	arg.range.size = self->pgsize;
	EXPECT_EQ(0, __container_dirty_ioctl(&self->env.c, &arg));
	guarded_buf_free(&buf);
}

/*
 * DP-ARG-16: only the migration capability's page size is accepted; every
 * other power of two from 1 KiB to 1 GiB, zero, and a non-power of two are
 * rejected. The buffer is large enough for the smallest size, so only the
 * page-size rule can fail.
 */
TEST_F(dirty_ioctl, arg16_bitmap_pgsize)
{
	u64 npages_1k = MAP_PAGES * self->pgsize / 1024, pgsize;
	struct guarded_buf buf;
	struct dirty_get_arg arg;

	ksft_print_msg("cites: DP-DEFECT-06\n");
	map_one(_metadata, self);
	container_dirty_start(&self->env.c);
	ASSERT_EQ(0, guarded_buf_alloc(&buf, bitmap_bytes(npages_1k)));
	valid_get(&arg, self, buf.data);
	arg.range.bitmap.size = bitmap_bytes(npages_1k);

	for (pgsize = 1024; pgsize <= (1ULL << 30); pgsize <<= 1) {
		int want = pgsize == self->pgsize ? 0 : -EINVAL;

		arg.range.bitmap.pgsize = pgsize;
		EXPECT_EQ(want, __container_dirty_ioctl(&self->env.c, &arg))
			TH_LOG("pgsize %llu", (unsigned long long)pgsize);
	}
	arg.range.bitmap.pgsize = 0;
	EXPECT_ERRNO(EINVAL, __container_dirty_ioctl(&self->env.c, &arg));
	arg.range.bitmap.pgsize = self->pgsize | 1;
	EXPECT_ERRNO(EINVAL, __container_dirty_ioctl(&self->env.c, &arg));
	guarded_buf_free(&buf);
}

/*
 * DP-ARG-17: range.iova not aligned to the page size. The range starts in
 * the hole below the mapping and ends in the hole after it, so no range
 * rule (DP-ARG-20) can refuse it; control: the same range from the page
 * below (range.iova aligned down) succeeds.
 */
TEST_F(dirty_ioctl, arg17_iova_unaligned)
{
	const u64 pg = self->pgsize;
	u64 offsets[] = { 1, 512, pg / 2, pg - 1 };
	struct dirty_get_arg arg;
	u64 bitmap[1];
	unsigned int i;

	map_one(_metadata, self);
	container_dirty_start(&self->env.c);
	for (i = 0; i < ARRAY_SIZE(offsets); i++) {
		valid_get(&arg, self, bitmap);
		arg.range.iova = BASE_IOVA - pg + offsets[i];
		arg.range.size = (MAP_PAGES + 1) * pg;
		EXPECT_ERRNO(EINVAL, __container_dirty_ioctl(&self->env.c, &arg))
			TH_LOG("offset %llu", (unsigned long long)offsets[i]);
		arg.range.iova = BASE_IOVA - pg;
		EXPECT_EQ(0, __container_dirty_ioctl(&self->env.c, &arg));
	}
}

/*
 * DP-ARG-18: range.size zero or not a multiple of the page size. The
 * unaligned sizes contain the whole mapping and end in the hole after it,
 * so no range rule (DP-ARG-20) can refuse them; controls: the size
 * rounded up to a page succeeds.
 */
TEST_F(dirty_ioctl, arg18_size_unaligned)
{
	const u64 pg = self->pgsize;
	const u64 tails[] = { 1, pg / 2, pg - 1 };
	struct dirty_get_arg arg;
	u64 bitmap[1];
	unsigned int i;

	map_one(_metadata, self);
	container_dirty_start(&self->env.c);
	valid_get(&arg, self, bitmap);
	arg.range.size = 0;
	EXPECT_ERRNO(EINVAL, __container_dirty_ioctl(&self->env.c, &arg));
	arg.range.size = MAP_PAGES * pg;
	EXPECT_EQ(0, __container_dirty_ioctl(&self->env.c, &arg));
	for (i = 0; i < ARRAY_SIZE(tails); i++) {
		arg.range.size = MAP_PAGES * pg + tails[i];
		EXPECT_ERRNO(EINVAL, __container_dirty_ioctl(&self->env.c, &arg))
			TH_LOG("size %llu pages + %llu", (unsigned long long)MAP_PAGES,
			       (unsigned long long)tails[i]);
		arg.range.size = (MAP_PAGES + 1) * pg;
		EXPECT_EQ(0, __container_dirty_ioctl(&self->env.c, &arg));
	}
}

/* DP-ARG-19: GET before START and after STOP, with every other field valid. */
TEST_F(dirty_ioctl, arg19_get_not_tracking)
{
	u64 bitmap[1];
	struct dirty_get_arg arg;

	valid_get(&arg, self, bitmap);

	map_one(_metadata, self);
	EXPECT_ERRNO(EINVAL, __container_dirty_ioctl(&self->env.c, &arg));
	container_dirty_start(&self->env.c);
	EXPECT_EQ(0, __container_dirty_ioctl(&self->env.c, &arg));
	container_dirty_stop(&self->env.c);
	EXPECT_ERRNO(EINVAL, __container_dirty_ioctl(&self->env.c, &arg));
}

/*
 * DP-ARG-20 / DP-RNG-01: the range may not start or end inside a mapping.
 * Control of each: the same range with its offending end moved to the
 * mapping's edge (the other end kept) succeeds.
 */
TEST_F(dirty_ioctl, arg20_range_cuts_mapping)
{
	const u64 p = self->pgsize, b = BASE_IOVA, n = MAP_PAGES;
	const struct { const char *what; u64 iova, size, ok_iova, ok_size; } c[] = {
		{ "starts inside", b + p, (n - 1) * p, b, n * p },
		{ "ends inside", b, (n / 2) * p, b, n * p },
		{ "hole, then inside", b - 4 * p, 8 * p, b - 4 * p, (n + 4) * p },
		{ "inside, then hole", b + 8 * p, n * p, b, (n + 8) * p },
		{ "strictly inside", b + p, p, b, n * p },
	};
	u64 bitmap[2];
	unsigned int i;

	ksft_print_msg("cites: DP-RNG-01\n");
	map_one(_metadata, self);
	container_dirty_start(&self->env.c);
	for (i = 0; i < ARRAY_SIZE(c); i++) {
		EXPECT_ERRNO(EINVAL, __container_dirty_get(&self->env.c, c[i].iova, c[i].size, p,
							   bitmap, sizeof(bitmap)))
			TH_LOG("%s", c[i].what);
		EXPECT_EQ(0, __container_dirty_get(&self->env.c, c[i].ok_iova, c[i].ok_size, p,
						   bitmap, sizeof(bitmap)))
			TH_LOG("control of %s", c[i].what);
	}
	/* a range around the mapping, holes on both sides */
	EXPECT_EQ(0, __container_dirty_get(&self->env.c, b - 8 * p, (n + 16) * p, p, bitmap,
					   sizeof(bitmap)));
}

/*
 * DP-ARG-21: a bitmap in unmapped user memory faults at copy-out, but only
 * when a mapping lies in the range; with none, nothing is written and the
 * call succeeds. Control: the same GET into memory succeeds.
 */
TEST_F(dirty_ioctl, arg21_bitmap_faults_at_copy_out)
{
	u64 n = MAP_PAGES, bitmap[1];

	map_one(_metadata, self);
	container_dirty_start(&self->env.c);
	EXPECT_ERRNO(EFAULT, __container_dirty_get(&self->env.c, BASE_IOVA, n * self->pgsize,
						   self->pgsize, fault_page(),
						   bitmap_bytes(n)));
	EXPECT_EQ(0, __container_dirty_get(&self->env.c, BASE_IOVA, n * self->pgsize,
					   self->pgsize, bitmap, bitmap_bytes(n)));
	EXPECT_EQ(0, __container_dirty_get(&self->env.c, BASE_IOVA + 2 * n * self->pgsize,
					   n * self->pgsize, self->pgsize, fault_page(),
					   bitmap_bytes(n)));
}

/* What the unprivileged child saw. */
struct unpriv_answer {
	int uid;		/* geteuid() after the drop */
	int group_open;		/* open() of the group node: -errno */
	int start, get, stop;	/* the DIRTY_PAGES calls: 0 or -errno */
	u64 bitmap;		/* GET's word: MAP_PAGES pages */
};

struct unpriv_step {
	FIXTURE_DATA(dirty_ioctl) *self;
};

/* Drops to nobody (uid and gid 65534, no groups, so no capability left). */
static int drop_privileges(void)
{
	if (setgroups(0, NULL) || setgid(65534) || setuid(65534))
		return -errno;
	return 0;
}

static int unprivileged_calls(void *arg, void *out)
{
	FIXTURE_DATA(dirty_ioctl) *self = ((struct unpriv_step *)arg)->self;
	struct unpriv_answer *a = out;
	char path[64];
	int fd, r;

	r = drop_privileges();
	if (r)
		return r;
	a->uid = geteuid();
	snprintf(path, sizeof(path), "/dev/vfio/%d", self->env.dev.group_id);
	fd = open(path, O_RDWR | O_CLOEXEC);
	a->group_open = fd < 0 ? -errno : 0;
	if (fd >= 0)
		close(fd);
	a->start = __container_dirty_start(&self->env.c);
	a->get = __container_dirty_get(&self->env.c, BASE_IOVA, MAP_PAGES * self->pgsize,
				       self->pgsize, &a->bitmap, sizeof(a->bitmap));
	a->stop = __container_dirty_stop(&self->env.c);
	return 0;
}

/*
 * DP-ARG-22: owning the container fd is all it takes. A child that dropped
 * every privilege (root to nobody, with the fds kept open) starts tracking,
 * gets the bitmap (every page dirty: IOMMU-backed, DP-BIT-09) and stops it.
 * Control that the privileges are gone: the child cannot open the group's
 * node (root's, mode 0600) any more.
 */
TEST_F(dirty_ioctl, arg22_no_privilege_beyond_the_fd)
{
	struct unpriv_step st = { .self = self };
	struct unpriv_answer a;
	u64 want[1] = { 0 };

	if (geteuid())
		SKIP(return, "kernel: DP-ARG-22 needs root to drop from (running as uid %d)",
		     geteuid());
	map_one(_metadata, self);
	ASSERT_EQ(0, __child_run(unprivileged_calls, &st, &a, sizeof(a)));
	ASSERT_EQ(65534, a.uid);
	ASSERT_EQ(-EACCES, a.group_open);
	EXPECT_EQ(0, a.start);
	EXPECT_EQ(0, a.get);
	EXPECT_EQ(0, a.stop);
	bitmap_set_range(want, 0, MAP_PAGES);
	ASSERT_BITMAP_EQ(want, &a.bitmap, MAP_PAGES);
	EXPECT_FALSE(tracking_on(self));
}

/*
 * DP-ENV-02: VFIO_IOMMU_DIRTY_PAGES and VFIO_DEVICE_FEATURE are one number,
 * 0x3b75; the other numbers are the spec's. On a device fd that number is
 * VFIO_DEVICE_FEATURE: a START sent there is feature 1 (MIGRATION), which
 * a vfio-pci device without a migration driver refuses with ENOTTY, and
 * tracking does not start. Control: the same bytes on the container fd
 * start it.
 */
TEST_F(dirty_ioctl, env02_ioctl_number_clash)
{
	struct vfio_iommu_type1_dirty_bitmap arg = {
		.argsz = sizeof(arg), .flags = VFIO_IOMMU_DIRTY_PAGES_FLAG_START,
	};

	EXPECT_EQ(0x3b75, VFIO_IOMMU_DIRTY_PAGES);
	EXPECT_EQ(0x3b75, VFIO_DEVICE_FEATURE);
	EXPECT_EQ(0x3b72, VFIO_IOMMU_UNMAP_DMA);
	EXPECT_EQ(0x3b70, VFIO_IOMMU_GET_INFO);
	EXPECT_EQ(VFIO_DEVICE_FEATURE_MIGRATION, VFIO_IOMMU_DIRTY_PAGES_FLAG_START);
	map_one(_metadata, self);
	ASSERT_LE(0, self->env.dev.fd);
	EXPECT_ERRNO(ENOTTY, ioctl_errno(self->env.dev.fd, VFIO_IOMMU_DIRTY_PAGES, &arg));
	EXPECT_FALSE(tracking_on(self));
	EXPECT_EQ(0, __container_dirty_ioctl(&self->env.c, &arg));
	EXPECT_TRUE(tracking_on(self));
}

/*
 * DP-ENV-03: the uAPI structures this suite builds have the spec's sizes and
 * offsets on x86-64, so GET_BITMAP and UNMAP with a bitmap take argsz 48.
 */
TEST(env03_uapi_struct_sizes)
{
	EXPECT_EQ(8, sizeof(struct vfio_iommu_type1_dirty_bitmap));
	EXPECT_EQ(40, sizeof(struct vfio_iommu_type1_dirty_bitmap_get));
	EXPECT_EQ(16, offsetof(struct vfio_iommu_type1_dirty_bitmap_get, bitmap));
	EXPECT_EQ(24, sizeof(struct vfio_bitmap));
	EXPECT_EQ(16, offsetof(struct vfio_bitmap, data));
	EXPECT_EQ(24, sizeof(struct vfio_iommu_type1_dma_unmap));
	EXPECT_EQ(24, offsetof(struct vfio_iommu_type1_dma_unmap, data));
	EXPECT_EQ(24, sizeof(struct vfio_iommu_type1_info));
	EXPECT_EQ(32, sizeof(struct vfio_iommu_type1_info_cap_migration));
	EXPECT_EQ(8, offsetof(struct vfio_iommu_type1_info_cap_migration, flags));
	EXPECT_EQ(16, offsetof(struct vfio_iommu_type1_info_cap_migration, pgsize_bitmap));
	EXPECT_EQ(24, offsetof(struct vfio_iommu_type1_info_cap_migration,
			       max_dirty_bitmap_size));
	EXPECT_EQ(12, sizeof(struct vfio_iommu_type1_info_dma_avail));
	EXPECT_EQ(48, sizeof(struct dirty_get_arg));
	EXPECT_EQ(48, sizeof(struct unmap_dirty_arg));
}

/*
 * DP-ENV-01: a container with no IOMMU driver set answers EINVAL; iommufd's
 * /dev/vfio/vfio answers ENOTTY, before VFIO_SET_IOMMU too (DP-IOMMUFD-01).
 * Control of the EINVAL: the same START on a container that has its type1
 * v2 driver succeeds (when a vfio-pci device or the test mdev is named).
 */
TEST(env01_no_iommu_driver)
{
	const enum device_kind kinds[] = { DEVICE_PCI, DEVICE_MDEV };
	char why[192];
	int err = vfio_container_is_iommufd(why, sizeof(why)) ? ENOTTY : EINVAL;
	struct dirty_env e;
	struct container c;
	unsigned int i;
	int r;

	r = __container_open(&c);
	if (r == -ENOENT || r == -ENODEV || r == -ENXIO)
		SKIP(return, "vfio: /dev/vfio/vfio: %s", strerror(-r));
	ASSERT_EQ(0, r) TH_LOG("/dev/vfio/vfio: %s", strerror(-r));
	EXPECT_ERRNO(err, __container_dirty_start(&c)) TH_LOG("%s", why);
	EXPECT_ERRNO(err, __container_dirty_stop(&c));
	container_close(&c);
	if (err != EINVAL)
		return;
	for (i = 0; i < ARRAY_SIZE(kinds); i++) {
		memset(&e, 0, sizeof(e));
		e.c.fd = -1;
		e.dev.fd = -1;
		r = env_setup_mode(&e, kinds[i], 0, IOMMU_MODE_TYPE1V2, why, sizeof(why));
		if (r == ENV_SKIP)
			continue;
		ASSERT_EQ(0, r) TH_LOG("set-up failed: %s", why);
		EXPECT_EQ(0, __container_dirty_start(&e.c));
		env_teardown(&e);
		return;
	}
	TH_LOG("control not run: no device named (%s)", why);
}

static struct layout holes(FIXTURE_DATA(dirty_ioctl) *self)
{
	return layout_holes_at(BASE_IOVA, self->pgsize);
}

/*
 * DP-RNG-02 / DP-RNG-05 / DP-BIT-09: one GET over several mappings and
 * holes; every page of every mapping is dirty (IOMMU-backed), each at its
 * offset from range.iova, and no hole or padding bit is set.
 */
TEST_F(dirty_ioctl, rng02_mappings_and_holes)
{
	struct layout l = holes(self);
	u64 want[LAYOUT_HOLES_PAGES / 64 + 1] = { 0 };

	ASSERT_EQ(0, __layout_map(&l, &self->env.c, &self->mem));
	container_dirty_start(&self->env.c);
	layout_expect_all(&l, 0, LAYOUT_HOLES_PAGES, want);
	dirty_get_check(_metadata, &self->env, BASE_IOVA, LAYOUT_HOLES_PAGES, want);
}

/*
 * DP-RNG-02 with ranges that start and end inside holes, offset by a
 * number of pages that is not a multiple of 64.
 */
TEST_F(dirty_ioctl, rng02_range_starts_and_ends_in_holes)
{
	struct layout l = holes(self);
	u64 want[4] = { 0 };
	const u64 first = 15, npages = 170;	/* pages 15..184: B and C */

	ASSERT_EQ(0, __layout_map(&l, &self->env.c, &self->mem));
	container_dirty_start(&self->env.c);
	layout_expect_all(&l, first, npages, want);
	dirty_get_check(_metadata, &self->env, layout_iova(&l, first), npages, want);
}

/*
 * DP-RNG-02 / DP-BIT-09 / DP-DEFECT-01: the same GET, repeated. Every GET
 * must report exactly the mapped pages again. A kernel whose
 * update_user_bitmap() keeps the bits it shifted past a mapping's end
 * reports hole and padding pages as dirty from the second GET on.
 */
TEST_F(dirty_ioctl, rng02_repeated_get_exact)
{
	struct layout l = holes(self);
	u64 want[LAYOUT_HOLES_PAGES / 64 + 1] = { 0 };
	int i;

	ASSERT_EQ(0, __layout_map(&l, &self->env.c, &self->mem));
	container_dirty_start(&self->env.c);
	layout_expect_all(&l, 0, LAYOUT_HOLES_PAGES, want);
	for (i = 0; i < 3; i++) {
		TH_LOG("GET %d", i + 1);
		dirty_get_check(_metadata, &self->env, BASE_IOVA, LAYOUT_HOLES_PAGES, want);
	}
}

/* DP-RNG-03: a range with no mapping succeeds and leaves the buffer untouched. */
TEST_F(dirty_ioctl, rng03_range_without_mapping)
{
	struct layout l = holes(self);
	const u64 ranges[][2] = { { 140, 60 }, { 400, 128 }, { 13, 7 } };
	unsigned int i;

	ASSERT_EQ(0, __layout_map(&l, &self->env.c, &self->mem));
	container_dirty_start(&self->env.c);
	for (i = 0; i < ARRAY_SIZE(ranges); i++) {
		u64 bytes = bitmap_bytes(ranges[i][1]);
		struct guarded_buf buf;

		ASSERT_EQ(0, guarded_buf_alloc(&buf, bytes));
		memset(buf.data, 0xa5, bytes);
		EXPECT_EQ(0, __container_dirty_get(&self->env.c, layout_iova(&l, ranges[i][0]),
						   ranges[i][1] * self->pgsize, self->pgsize,
						   buf.data, bytes));
		EXPECT_TRUE(mem_is(buf.data, 0xa5, bytes)) TH_LOG("range %u", i);
		guarded_buf_free(&buf);
	}
}

VFIO_DIRTY_MAIN("dirty_ioctl_test: argument validation of VFIO_IOMMU_DIRTY_PAGES (START, STOP,\n"
		"GET_BITMAP) with the exact errno of every rule (DP-ARG-02..22, DP-ENV-01..03), and\n"
		"GET_BITMAP over ranges that span several mappings and holes (DP-RNG-01..03),\n"
		"on a type1 v2 container holding a vfio-pci device.")
