/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The glue between the library and the kselftest harness: asserting forms
 * of the library calls and the set-up macros that SKIP or FAIL. They expand
 * where _metadata is in scope and fail through the harness, so fixture
 * teardown still runs. Include kselftest_harness.h first.
 */
#ifndef VFIO_DIRTY_HARNESS_H
#define VFIO_DIRTY_HARNESS_H

#include <stdlib.h>
#include <string.h>

#include "backing.h"
#include "bitmap.h"
#include "container.h"
#include "dma_driver.h"
#include "testenv.h"
#include "vdm.h"

#define container_map(c, iova, vaddr, size) \
	ASSERT_EQ(0, __container_map(c, iova, vaddr, size, \
				     VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE))
#define container_unmap(c, iova, size) \
	ASSERT_EQ(0, __container_unmap(c, iova, size, 0, NULL))
#define container_dirty_start(c)	ASSERT_EQ(0, __container_dirty_start(c))
#define container_dirty_stop(c)		ASSERT_EQ(0, __container_dirty_stop(c))
#define container_dirty_get(c, iova, size, pgsize, bitmap, bitmap_size) \
	ASSERT_EQ(0, __container_dirty_get(c, iova, size, pgsize, bitmap, bitmap_size))

/* Checks that @expr fails with exactly @err (a positive errno). */
#define ASSERT_ERRNO(err, expr)	ASSERT_EQ(-(err), (expr))
#define EXPECT_ERRNO(err, expr)	EXPECT_EQ(-(err), (expr))

/*
 * Bit-exact bitmap comparison over @nbits bits rounded up to whole u64
 * words, so the padding bits of the last word are compared too; names the
 * first differing bits when it fails.
 */
#define ASSERT_BITMAP_EQ(want, got, nbits) do {					\
	char __msg[512];							\
	u64 __n = bitmap_diff(got, want, nbits, __msg, sizeof(__msg));	\
	if (__n)								\
		TH_LOG("%llu of %llu bits differ: %s", (unsigned long long)__n,	\
		       (unsigned long long)bitmap_bytes(nbits) * 8, __msg);	\
	ASSERT_EQ(0, __n);							\
} while (0)

/*
 * GET_BITMAP over @npages pages from @iova into a zeroed buffer of exactly
 * BYTES(npages) that ends at a guard page, then compare every bit the kernel
 * returned, the padding bits of the last word included, with @want (which
 * must hold bitmap_bytes(npages) bytes). Stops the test on a mismatch.
 */
static inline void dirty_get_check(struct __test_metadata *_metadata, struct dirty_env *e,
				   u64 iova, u64 npages, const u64 *want)
{
	u64 bytes = bitmap_bytes(npages);
	struct guarded_buf buf;

	ASSERT_EQ(0, guarded_buf_alloc(&buf, bytes));
	memset(buf.data, 0, bytes);
	ASSERT_EQ(0, __container_dirty_get(&e->c, iova, npages * e->pgsize, e->pgsize,
					   buf.data, bytes));
	ASSERT_BITMAP_EQ(want, (u64 *)buf.data, npages);
	guarded_buf_free(&buf);
}

/*
 * GET over @npages pages from @iova and assert exactly the @n pages listed
 * in @pages (indexes from @iova) dirty, nothing else.
 */
static inline void dirty_get_expect(struct __test_metadata *_metadata, struct dirty_env *e,
				    u64 iova, u64 npages, const u64 *pages, size_t n)
{
	u64 *want = calloc(1, bitmap_bytes(npages) ? bitmap_bytes(npages) : 8);
	size_t i;

	ASSERT_NE(NULL, want);
	for (i = 0; i < n; i++)
		bitmap_set_bit(want, pages[i]);
	dirty_get_check(_metadata, e, iova, npages, want);
	free(want);
}

/* A GET that must report exactly the listed pages; the test stops if not. */
#define ASSERT_DIRTY_PAGES(env, iova, npages, ...)					\
	dirty_get_expect(_metadata, env, iova, npages, (const u64[]){ __VA_ARGS__ },	\
			 ARRAY_SIZE(((const u64[]){ __VA_ARGS__ })))
#define ASSERT_NO_DIRTY_PAGES(env, iova, npages)					\
	dirty_get_expect(_metadata, env, iova, npages, NULL, 0)

/*
 * Sets up @env (env_init()) for the @nth named device of @kind in IOMMU mode
 * @mode: SKIPs when something is absent, FAILs on a set-up error, with the
 * reason either way.
 */
#define ENV_INIT_OR_SKIP(env, kind, nth, mode) do {				\
	int __r = env_init(env, kind, nth, mode);				\
	if (__r == ENV_SKIP)							\
		SKIP(return, "%s", (env)->reason);				\
	ASSERT_EQ(0, __r) TH_LOG("set-up failed: %s", (env)->reason);		\
} while (0)

/*
 * Makes the open mdev of @env the test mdev @vdm. An mdev that was named
 * but is not a vfio_dirty_mdev of this version is a set-up error: FAIL.
 */
#define VDM_INIT(env, vdm) do {							\
	char __why[256] = "";							\
	int __v = __vdm_probe(vdm, (env)->dev.fd, __why, sizeof(__why));	\
	ASSERT_EQ(0, __v) TH_LOG("set-up failed: %s: %s", (env)->dev.name, __why); \
} while (0)

/* True when the mode of @e has type1 dirty tracking. */
static inline bool dirty_mode_tracks(const struct dirty_env *e)
{
	const char *req;

	return !iommu_mode_dirty_refusal(e->c.mode, &req);
}

/*
 * Starts tracking; in a mode without it, checks that START fails as the
 * spec says instead. For tests whose data checks hold in every mode.
 */
static inline void dirty_start_or_refused(struct __test_metadata *_metadata, struct dirty_env *e)
{
	const char *req;
	int err = iommu_mode_dirty_refusal(e->c.mode, &req);

	ASSERT_EQ(err, __container_dirty_start(&e->c))
		TH_LOG("mode %s: DIRTY_PAGES START (%s)", iommu_mode_name(e->c.mode),
		       err ? req : "DP-ARG-07");
}

/*
 * For the tests of type1 dirty tracking: in a mode without it, checks that
 * DIRTY_PAGES START fails as the spec says and SKIPs with that; else checks
 * that there is a migration capability.
 */
#define DIRTY_TRACKING_OR_SKIP(env) do {					\
	const char *__req;							\
	int __err = iommu_mode_dirty_refusal((env)->c.mode, &__req);		\
	if (__err) {								\
		dirty_start_or_refused(_metadata, env);				\
		SKIP(return, "tracking: mode %s has no type1 dirty tracking: START fails with %s (%s)", \
		     iommu_mode_name((env)->c.mode), strerror(-__err), __req);	\
	}									\
	ASSERT_NE(0, (env)->pgsize) TH_LOG("no migration capability (DP-CAP-01)"); \
} while (0)

/*
 * Either container kind in IOMMU mode @mode: DEVICE_PCI (IOMMU-backed, every
 * page dirty) or DEVICE_MDEV (emulated, the test mdev @vdm dirties what it
 * is told to), for a test of type1 dirty tracking.
 */
#define DIRTY_INIT_OR_SKIP(env, vdm, kind, mode) do {				\
	ENV_INIT_OR_SKIP(env, kind, 0, mode);					\
	if ((kind) == DEVICE_MDEV)						\
		VDM_INIT(env, vdm);						\
	DIRTY_TRACKING_OR_SKIP(env);						\
} while (0)

/*
 * Allocates @b: SKIPs when the host cannot give the backing (the reason
 * starts with its token: thp, hugetlb_2m, hugetlb_1g), FAILs when an
 * allocation that should work fails.
 */
#define BACKING_ALLOC_OR_SKIP(b, kind, size) do {				\
	char __why[256] = "";							\
	int __r = backing_alloc(b, kind, size, __why, sizeof(__why));		\
	if (__r == BACKING_ABSENT)						\
		SKIP(return, "%s", __why);					\
	ASSERT_EQ(0, __r) TH_LOG("%s", __why);					\
} while (0)

/*
 * Finds and starts the DMA driver of the open device of @env into @dma;
 * SKIPs (token dma) when no driver in selftests/lib/drivers knows it.
 */
#define DMA_DEV_INIT_OR_SKIP(dma, env, priv_iova) do {				\
	int __r = __dma_dev_init(dma, &(env)->dev, &(env)->c, priv_iova);	\
	if (__r == -ENODEV)							\
		SKIP(return, "dma: %s: no DMA driver in selftests/lib/drivers knows this device", \
		     (env)->dev.name);						\
	ASSERT_EQ(0, __r) TH_LOG("%s: DMA driver init failed", (env)->dev.name); \
} while (0)

#endif
