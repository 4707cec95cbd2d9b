// SPDX-License-Identifier: GPL-2.0-only
/*
 * Bitmap size limits and the end of the address space (spec section 6,
 * DP-LIM-01..07, DP-ARG-09/15), in an emulated-only type1 v2 container
 * holding the suite's test mdev: there MAP pins nothing (DP-LIM-04), so a
 * mapping of INT_MAX pages costs only reserved address space.
 */
#include <sys/mman.h>
#include <time.h>

#include "vfio_dirty_test.h"

#define BASE_IOVA	(1ULL << 44)

FIXTURE(limits) {
	struct dirty_env env;
	struct vdm vdm;
	u64 pg;
	void *va;		/* reserved address space, PROT_NONE */
	size_t va_len;
};

FIXTURE_VARIANT(limits) {
	enum iommu_mode mode;
};

FIXTURE_VARIANT_ADD_TRACKING_MODES(limits)

FIXTURE_SETUP(limits)
{
	DIRTY_INIT_OR_SKIP(&self->env, &self->vdm, DEVICE_MDEV, variant->mode);
	self->pg = self->env.pgsize;
}

FIXTURE_TEARDOWN(limits)
{
	env_teardown(&self->env);
	if (self->va)
		munmap(self->va, self->va_len);
}

/*
 * Reserves @npages pages of address space (nothing is allocated) and makes
 * the pages listed in @rw readable and writable, so the driver can write
 * them. Returns 0, -ENOMEM when the address space cannot hold them, or
 * another -errno of mmap() or mprotect().
 */
static int __reserve(FIXTURE_DATA(limits) *self, u64 npages, const u64 *rw, int nr_rw)
{
	int i;

	if (self->va)
		munmap(self->va, self->va_len);
	self->va_len = npages * self->pg;
	self->va = mmap(NULL, self->va_len, PROT_NONE,
			MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (self->va == MAP_FAILED) {
		self->va = NULL;
		return -errno;
	}
	for (i = 0; i < nr_rw; i++)
		if (mprotect((char *)self->va + rw[i] * self->pg, self->pg,
			     PROT_READ | PROT_WRITE))
			return -errno;
	return 0;
}

/*
 * __reserve() in a test: SKIPs the test (a SKIP inside a helper would only
 * return from the helper) when the address space is too small, fails it
 * on any other error.
 */
#define RESERVE_OR_SKIP(self, npages, rw, nr_rw) do {				\
	int __r = __reserve(self, npages, rw, nr_rw);				\
	if (__r == -ENOMEM)							\
		SKIP(return, "kernel: no room for %llu GiB of address space (mmap: %s)", \
		     (unsigned long long)((self)->va_len >> 30), strerror(-__r));	\
	ASSERT_EQ(0, __r) TH_LOG("reserving %llu pages: %s",			\
				 (unsigned long long)(npages), strerror(-__r));	\
} while (0)

static u64 ms_since(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (t.tv_sec - t0->tv_sec) * 1000 + (t.tv_nsec - t0->tv_nsec) / 1000000;
}

/*
 * DP-LIM-01 / DP-LIM-02 / DP-CAP-05: one mapping of INT_MAX pages (just
 * under 8 TiB at 4 KiB) starts tracking, and one GET with a 256 MiB bitmap
 * reports exactly its first, middle and last page, then nothing.
 */
TEST_F_TIMEOUT(limits, lim01_int_max_pages, 600)
{
	const u64 npages = DIRTY_BITMAP_PAGES_MAX;
	const u64 dirty[] = { 0, npages / 2, npages - 1 };
	struct guarded_buf buf;
	struct timespec t0;
	u64 *want;
	unsigned int i;

	RESERVE_OR_SKIP(self, npages, dirty, ARRAY_SIZE(dirty));
	container_map(&self->env.c, BASE_IOVA, self->va, npages * self->pg);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	container_dirty_start(&self->env.c);
	TH_LOG("START with a %llu-page mapping: %llu ms", (unsigned long long)npages,
	       (unsigned long long)ms_since(&t0));
	for (i = 0; i < ARRAY_SIZE(dirty); i++)
		ASSERT_EQ(0, vdm_dma_write(&self->vdm, BASE_IOVA + dirty[i] * self->pg, 1, 0x11));

	ASSERT_EQ(DIRTY_BITMAP_SIZE_MAX, bitmap_bytes(npages));
	ASSERT_EQ(0, guarded_buf_alloc(&buf, DIRTY_BITMAP_SIZE_MAX));
	want = calloc(1, DIRTY_BITMAP_SIZE_MAX);
	ASSERT_NE(NULL, want);
	for (i = 0; i < ARRAY_SIZE(dirty); i++)
		bitmap_set_bit(want, dirty[i]);

	memset(buf.data, 0, buf.size);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	ASSERT_EQ(0, __container_dirty_get(&self->env.c, BASE_IOVA, npages * self->pg, self->pg,
					   buf.data, buf.size));
	TH_LOG("GET over 8 TiB into a 256 MiB bitmap: %llu ms",
	       (unsigned long long)ms_since(&t0));
	ASSERT_BITMAP_EQ(want, (u64 *)buf.data, (u64)DIRTY_BITMAP_SIZE_MAX * 8);

	memset(buf.data, 0, buf.size);
	memset(want, 0, DIRTY_BITMAP_SIZE_MAX);
	ASSERT_EQ(0, __container_dirty_get(&self->env.c, BASE_IOVA, npages * self->pg, self->pg,
					   buf.data, buf.size));
	ASSERT_BITMAP_EQ(want, (u64 *)buf.data, (u64)DIRTY_BITMAP_SIZE_MAX * 8);
	free(want);
	guarded_buf_free(&buf);
}

/*
 * DP-LIM-01 / DP-ARG-09: a mapping of INT_MAX + 1 pages can be made while
 * tracking is off, but START then fails with EINVAL and leaves it off
 * (DP-ARG-19: a GET fails). Control: with the mapping one page smaller,
 * START and the same GET succeed.
 */
TEST_F(limits, arg09_start_fails_over_int_max_pages)
{
	const u64 npages = DIRTY_BITMAP_PAGES_MAX + 1;
	u64 bitmap[1];

	RESERVE_OR_SKIP(self, npages, NULL, 0);
	/* A small mapping below it gets its bitmap first and must lose it again. */
	container_map(&self->env.c, BASE_IOVA - 64 * self->pg, self->va, 64 * self->pg);
	container_map(&self->env.c, BASE_IOVA, self->va, npages * self->pg);
	EXPECT_ERRNO(EINVAL, __container_dirty_start(&self->env.c));
	EXPECT_ERRNO(EINVAL, __container_dirty_get(&self->env.c, BASE_IOVA - 64 * self->pg,
						   64 * self->pg, self->pg, bitmap,
						   sizeof(bitmap)));
	container_unmap(&self->env.c, BASE_IOVA, npages * self->pg);
	container_map(&self->env.c, BASE_IOVA, self->va, (npages - 1) * self->pg);
	EXPECT_EQ(0, __container_dirty_start(&self->env.c));
	EXPECT_EQ(0, __container_dirty_get(&self->env.c, BASE_IOVA - 64 * self->pg,
					   64 * self->pg, self->pg, bitmap, sizeof(bitmap)));
}

/* DP-LIM-01 / DP-BIT-02: while tracking, MAP of INT_MAX + 1 pages fails and maps nothing. */
TEST_F(limits, lim01_map_over_int_max_while_tracking)
{
	const u64 npages = DIRTY_BITMAP_PAGES_MAX + 1;
	u64 unmapped = ~0ULL;

	RESERVE_OR_SKIP(self, npages, NULL, 0);
	container_dirty_start(&self->env.c);
	EXPECT_ERRNO(EINVAL, __container_map(&self->env.c, BASE_IOVA, self->va, npages * self->pg,
					     VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE));
	EXPECT_EQ(0, __container_unmap(&self->env.c, BASE_IOVA, npages * self->pg, 0, &unmapped));
	EXPECT_EQ(0, unmapped);
	/* INT_MAX pages still fit. */
	container_map(&self->env.c, BASE_IOVA, self->va, (npages - 1) * self->pg);
}

/*
 * DP-LIM-02 / DP-ARG-15: one call covers at most 2^31 pages, the most a
 * 256 MiB bitmap holds: 2^31 pages over two mappings is accepted, one page
 * more, a bitmap one word short, or one word over 256 MiB is EINVAL.
 */
TEST_F_TIMEOUT(limits, lim02_per_call_pages, 600)
{
	const u64 npages = 1ULL << 31;
	struct guarded_buf buf;
	struct timespec t0;

	RESERVE_OR_SKIP(self, npages, NULL, 0);
	container_map(&self->env.c, BASE_IOVA, self->va, (npages - 1) * self->pg);
	container_map(&self->env.c, BASE_IOVA + (npages - 1) * self->pg, self->va, self->pg);
	container_dirty_start(&self->env.c);
	ASSERT_EQ(0, guarded_buf_alloc(&buf, DIRTY_BITMAP_SIZE_MAX));
	memset(buf.data, 0, buf.size);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	EXPECT_EQ(0, __container_dirty_get(&self->env.c, BASE_IOVA, npages * self->pg, self->pg,
					   buf.data, DIRTY_BITMAP_SIZE_MAX));
	TH_LOG("GET over 2^31 pages in two mappings: %llu ms", (unsigned long long)ms_since(&t0));
	EXPECT_TRUE(mem_is(buf.data, 0, buf.size));
	EXPECT_ERRNO(EINVAL, __container_dirty_get(&self->env.c, BASE_IOVA,
						   (npages + 1) * self->pg, self->pg, buf.data,
						   DIRTY_BITMAP_SIZE_MAX));
	EXPECT_ERRNO(EINVAL, __container_dirty_get(&self->env.c, BASE_IOVA, npages * self->pg,
						   self->pg, buf.data,
						   DIRTY_BITMAP_SIZE_MAX - 8));
	EXPECT_ERRNO(EINVAL, __container_dirty_get(&self->env.c, BASE_IOVA, npages * self->pg,
						   self->pg, buf.data,
						   DIRTY_BITMAP_SIZE_MAX + 8));
	guarded_buf_free(&buf);
}

/*
 * DP-ARG-15 / DP-RNG-06: the kernel writes BYTES(npages) and not one byte
 * more, for sizes that end inside a word and on a word boundary: the
 * buffer ends at a guard page, and the first and last page are dirty.
 */
TEST_F(limits, arg15_no_write_past_bitmap)
{
	const u64 sizes[] = { 1, 2, 63, 64, 65, 127, 128, 129, 4096 };
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		u64 n = sizes[i], iova = BASE_IOVA + i * (1ULL << 32);
		const u64 rw[] = { 0, n - 1 };

		RESERVE_OR_SKIP(self, n, rw, 2);
		container_map(&self->env.c, iova, self->va, n * self->pg);
		container_dirty_start(&self->env.c);
		ASSERT_EQ(0, vdm_dma_write(&self->vdm, iova, 1, 1));
		ASSERT_EQ(0, vdm_dma_write(&self->vdm, iova + (n - 1) * self->pg, 1, 1));
		if (n == 1)
			ASSERT_DIRTY_PAGES(&self->env, iova, n, 0);
		else
			ASSERT_DIRTY_PAGES(&self->env, iova, n, 0, n - 1);
		container_unmap(&self->env.c, iova, n * self->pg);
	}
}

/*
 * DP-LIM-03: START allocates a bitmap for each of 65535 small mappings (the
 * default dma_entry_limit) and one GET over all of them is exact.
 */
TEST_F_TIMEOUT(limits, lim03_start_over_65535_mappings, 600)
{
	const u64 nmaps = 65535, rw[] = { 0 };
	s64 avail = __container_dma_avail(&self->env.c);
	struct timespec t0;
	u64 i, *want;

	ASSERT_LE(0, avail) TH_LOG("DMA_AVAIL unreadable: %lld", (long long)avail);
	if (avail < (s64)nmaps)
		SKIP(return, "kernel: vfio_iommu_type1.dma_entry_limit allows %lld mappings, not %llu",
		     (long long)avail, (unsigned long long)nmaps);
	RESERVE_OR_SKIP(self, 1, rw, 1);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	/* One page each, every other page: no two mappings touch. */
	for (i = 0; i < nmaps; i++)
		ASSERT_EQ(0, __container_map(&self->env.c, BASE_IOVA + 2 * i * self->pg, self->va,
					     self->pg, VFIO_DMA_MAP_FLAG_READ |
					     VFIO_DMA_MAP_FLAG_WRITE));
	TH_LOG("%llu MAPs: %llu ms", (unsigned long long)nmaps, (unsigned long long)ms_since(&t0));
	EXPECT_EQ(avail - (s64)nmaps, __container_dma_avail(&self->env.c));
	container_dirty_start(&self->env.c);
	ASSERT_EQ(0, vdm_dma_write(&self->vdm, BASE_IOVA, 1, 1));
	ASSERT_EQ(0, vdm_dma_write(&self->vdm, BASE_IOVA + 2 * (nmaps - 1) * self->pg, 1, 1));
	want = calloc(1, bitmap_bytes(2 * nmaps));
	ASSERT_NE(NULL, want);
	bitmap_set_bit(want, 0);
	bitmap_set_bit(want, 2 * (nmaps - 1));
	dirty_get_check(_metadata, &self->env, BASE_IOVA, 2 * nmaps, want);
	free(want);
}

/*
 * DP-LIM-07 / DP-ARG-13 / DP-VER-07: a mapping whose last byte is 2^64 - 1
 * can be made, and then works like any other: a GET over it reports its
 * pages, a pin into it succeeds, and a plain unmap of it removes it
 * (DMA_AVAIL counts it back). 6.1 and 6.12 compute iova + size there and
 * wrap to 0: the GET is EINVAL, the pin EINVAL, and the unmap removes 0
 * bytes and leaves it counted. Fixed in v6.18 (ef270ec44637, 6012379ede6a);
 * the older kernels are in selftests/xfail.
 */
TEST_F(limits, lim07_end_of_address_space)
{
	const u64 rw[] = { 0, 1, 2, 3 };
	u64 iova = -(4 * self->pg), bitmap[1] = { 0 }, unmapped = ~0ULL;
	s64 avail;
	int pinned;

	RESERVE_OR_SKIP(self, 4, rw, 4);
	avail = __container_dma_avail(&self->env.c);
	ASSERT_LE(1, avail) TH_LOG("DMA_AVAIL unreadable or 0: %lld", (long long)avail);
	container_map(&self->env.c, iova, self->va, 4 * self->pg);
	EXPECT_EQ(avail - 1, __container_dma_avail(&self->env.c));
	container_dirty_start(&self->env.c);
	EXPECT_EQ(0, __container_dirty_get(&self->env.c, iova, 4 * self->pg, self->pg, bitmap,
					   sizeof(bitmap)))
		TH_LOG("GET over the mapping that ends at 2^64");
	EXPECT_EQ(0, bitmap[0]);
	EXPECT_EQ(0, vdm_dma_write(&self->vdm, iova + 3 * self->pg, 1, 0x33))
		TH_LOG("device write into the mapping that ends at 2^64");
	if (!__container_dirty_get(&self->env.c, iova, 4 * self->pg, self->pg, bitmap,
				   sizeof(bitmap)))
		EXPECT_EQ(1ULL << 3, bitmap[0]);
	pinned = vdm_pin(&self->vdm, iova, 1, VDM_PROT_READ);
	EXPECT_EQ(1, pinned) TH_LOG("pin of the mapping's first page");
	if (pinned == 1)
		EXPECT_EQ(0, vdm_unpin(&self->vdm, iova, 1));
	EXPECT_EQ(0, __container_unmap(&self->env.c, iova, 4 * self->pg, 0, &unmapped));
	EXPECT_EQ(4 * self->pg, unmapped) TH_LOG("plain unmap of the mapping that ends at 2^64");
	EXPECT_EQ(avail, __container_dma_avail(&self->env.c));
}

/*
 * DP-LIM-07: MAP over a range that is already mapped fails with EEXIST,
 * at the top of the address space too. A kernel whose overlap lookup
 * computes iova + size and wraps to 0 there accepts a second vfio_dma for
 * the same IOVAs.
 */
TEST_F(limits, lim07_overlap_at_top_rejected)
{
	const u64 rw[] = { 0 };
	u64 iova = -(4 * self->pg);

	RESERVE_OR_SKIP(self, 4, rw, 1);
	container_map(&self->env.c, iova, self->va, 4 * self->pg);
	EXPECT_ERRNO(EEXIST, __container_map(&self->env.c, iova, self->va, 4 * self->pg,
					     VFIO_DMA_MAP_FLAG_READ));
	EXPECT_ERRNO(EEXIST, __container_map(&self->env.c, iova + self->pg, self->va, self->pg,
					     VFIO_DMA_MAP_FLAG_READ));
	/* controls: the same MAPs with the IOVA moved below the mapping */
	EXPECT_EQ(0, __container_map(&self->env.c, iova - 4 * self->pg, self->va, 4 * self->pg,
				     VFIO_DMA_MAP_FLAG_READ));
	EXPECT_EQ(0, __container_map(&self->env.c, iova - 5 * self->pg, self->va, self->pg,
				     VFIO_DMA_MAP_FLAG_READ));
	/* Below the top the same overlap is caught. */
	container_map(&self->env.c, BASE_IOVA, self->va, 4 * self->pg);
	EXPECT_ERRNO(EEXIST, __container_map(&self->env.c, BASE_IOVA + self->pg, self->va,
					     self->pg, VFIO_DMA_MAP_FLAG_READ));
}

/* VmallocUsed of /proc/meminfo in kB, or -1. */
static long vmalloc_used_kb(void)
{
	char line[128];
	long kb = -1;
	FILE *f = fopen("/proc/meminfo", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "VmallocUsed: %ld kB", &kb) == 1)
			break;
	fclose(f);
	return kb;
}

/* What other vmalloc users of a quiet guest may add meanwhile: 1 MiB. */
#define VMALLOC_SLACK_KB	1024
/* kvmalloc() may map a large area with huge pages: its size rounds up to 2 MiB. */
#define VMALLOC_HUGE_KB		2048

static long round_up_kb(u64 bytes, long unit_kb)
{
	u64 unit = (u64)unit_kb * 1024;

	return (long)((bytes + unit - 1) / unit * unit / 1024);
}

/*
 * DP-LIM-05: START allocates one bitmap of BYTES(npages) + 8 bytes per
 * vfio_dma, from vmalloc when large, and STOP frees them (DP-BIT-10): two
 * mappings of 2^28 pages (1 TiB at 4 KiB) take two vmalloc areas of
 * 32 MiB + 8 bytes each: at least 2 x 8193 pages, at most two 34 MiB areas
 * when kvmalloc() maps them with huge pages (a third bitmap would not fit).
 */
TEST_F(limits, lim05_memory_at_start)
{
	const u64 npages = 1ULL << 28;
	long base, started, stopped, want_kb, most_kb;
	u64 bytes = bitmap_bytes(npages) + 8;

	ksft_print_msg("cites: DP-BIT-10\n");
	RESERVE_OR_SKIP(self, npages, NULL, 0);
	container_map(&self->env.c, BASE_IOVA, self->va, npages * self->pg);
	container_map(&self->env.c, BASE_IOVA + npages * self->pg, self->va, npages * self->pg);
	want_kb = 2 * round_up_kb(bytes, host_page_size() / 1024);
	most_kb = 2 * round_up_kb(bytes, VMALLOC_HUGE_KB);
	base = vmalloc_used_kb();
	ASSERT_LE(0, base) TH_LOG("no VmallocUsed in /proc/meminfo");
	container_dirty_start(&self->env.c);
	started = vmalloc_used_kb();
	container_dirty_stop(&self->env.c);
	stopped = vmalloc_used_kb();
	TH_LOG("VmallocUsed: %ld kB, after START %ld kB, after STOP %ld kB (want +%ld..%ld kB)",
	       base, started, stopped, want_kb, most_kb);
	EXPECT_LE(base + want_kb, started);
	EXPECT_GE(base + most_kb + VMALLOC_SLACK_KB, started);
	EXPECT_GE(base + VMALLOC_SLACK_KB, stopped);
	EXPECT_LE(base - VMALLOC_SLACK_KB, stopped);
}

/*
 * DP-LIM-03: dma_entry_limit, lowered for a new container, bounds its
 * mappings: MAP past it is ENOSPC and DMA_AVAIL counts down to 0. The
 * module parameter is put back as soon as the container has copied it.
 */
#define ENTRY_LIMIT_PATH	"/sys/module/vfio_iommu_type1/parameters/dma_entry_limit"
#define LOW_LIMIT		100

FIXTURE(entry_limit) {
	struct dirty_env env;
	struct vdm vdm;
	struct backing mem;
	char saved[32];
};

static int write_param(const char *val)
{
	FILE *f = fopen(ENTRY_LIMIT_PATH, "w");
	int r = 0;

	if (!f)
		return -errno;
	if (fputs(val, f) < 0)
		r = -EIO;
	if (fclose(f))
		r = -errno;
	return r;
}

FIXTURE_SETUP(entry_limit)
{
	FILE *f = fopen(ENTRY_LIMIT_PATH, "r");
	int r;

	if (!f && errno == ENOENT)
		SKIP(return, "type1: %s: %s (no VFIO type1 module)", ENTRY_LIMIT_PATH,
		     strerror(errno));
	ASSERT_NE(NULL, f) TH_LOG("%s: %s", ENTRY_LIMIT_PATH, strerror(errno));
	ASSERT_NE(NULL, fgets(self->saved, sizeof(self->saved), f));
	fclose(f);
	r = write_param("100");
	ASSERT_EQ(0, r) TH_LOG("writing %s: %s", ENTRY_LIMIT_PATH, strerror(-r));
	/*
	 * The limit is copied when the container gets its IOMMU driver; put the
	 * parameter back right after, before anything can skip or fail.
	 */
	r = env_init(&self->env, DEVICE_MDEV, 0, IOMMU_MODE_TYPE1V2);
	ASSERT_EQ(0, write_param(self->saved));
	if (r == ENV_SKIP)
		SKIP(return, "%s", self->env.reason);
	ASSERT_EQ(0, r) TH_LOG("%s", self->env.reason);
	VDM_INIT(&self->env, &self->vdm);
	BACKING_ALLOC_OR_SKIP(&self->mem, BACKING_ANON, host_page_size());
}

FIXTURE_TEARDOWN(entry_limit)
{
	env_teardown(&self->env);
	backing_free(&self->mem);
}

TEST_F(entry_limit, lim03_enospc_past_limit)
{
	u64 pg = self->env.pgsize;
	int i;

	EXPECT_EQ(LOW_LIMIT, __container_dma_avail(&self->env.c));
	for (i = 0; i < LOW_LIMIT; i++)
		ASSERT_EQ(0, __container_map(&self->env.c, BASE_IOVA + i * pg, self->mem.addr, pg,
					     VFIO_DMA_MAP_FLAG_READ));
	EXPECT_EQ(0, __container_dma_avail(&self->env.c));
	EXPECT_ERRNO(ENOSPC, __container_map(&self->env.c, BASE_IOVA + LOW_LIMIT * pg,
					     self->mem.addr, pg, VFIO_DMA_MAP_FLAG_READ));
	container_unmap(&self->env.c, BASE_IOVA, pg);
	EXPECT_EQ(1, __container_dma_avail(&self->env.c));
	EXPECT_EQ(0, __container_map(&self->env.c, BASE_IOVA + LOW_LIMIT * pg, self->mem.addr, pg,
				     VFIO_DMA_MAP_FLAG_READ));
	/* Tracking over a full container works. */
	container_dirty_start(&self->env.c);
	ASSERT_NO_DIRTY_PAGES(&self->env, BASE_IOVA, LOW_LIMIT + 1);
}

VFIO_DIRTY_MAIN("dirty_limits_test: the limits of type1 dirty tracking in an emulated-only\n"
		"container holding the suite's test mdev: a mapping of INT_MAX pages and one GET\n"
		"with a 256 MiB bitmap (DP-LIM-01/02, timed), INT_MAX + 1 pages (DP-ARG-09),\n"
		"2^31 pages per call, bitmaps one word short or over (DP-ARG-15), no write past\n"
		"the bitmap, 65535 mappings and a lowered dma_entry_limit (DP-LIM-03), and the\n"
		"end of the address space (DP-LIM-07, DP-ARG-13); the bitmaps START allocates\n"
		"(DP-LIM-05).")
