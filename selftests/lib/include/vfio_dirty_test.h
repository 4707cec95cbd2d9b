/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What every test binary includes: the kselftest harness, the library, the
 * asserting forms of the library calls, and the common main().
 */
#ifndef VFIO_DIRTY_TEST_H
#define VFIO_DIRTY_TEST_H

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kselftest_harness.h"

#include "backing.h"
#include "bitmap.h"
#include "container.h"
#include "device.h"
#include "info_caps.h"
#include "layout.h"
#include "testenv.h"
#include "vdm.h"

#ifndef offsetofend
#define offsetofend(type, member) (offsetof(type, member) + sizeof(((type *)0)->member))
#endif

/*
 * Asserting forms: they expand where _metadata is in scope and fail through
 * the harness, so fixture teardown still runs.
 */
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
 * Bit-exact bitmap comparison over @nbits bits, naming the first differing
 * bits when it fails.
 */
#define ASSERT_BITMAP_EQ(want, got, nbits) do {					\
	char __msg[512];							\
	u64 __n = bitmap_diff(got, want, nbits, __msg, sizeof(__msg));	\
	if (__n)								\
		TH_LOG("%llu of %llu bits differ: %s", (unsigned long long)__n,	\
		       (unsigned long long)(nbits), __msg);			\
	ASSERT_EQ(0, __n);							\
} while (0)

/*
 * GET_BITMAP over @npages pages from @iova into a zeroed buffer of exactly
 * BYTES(npages) that ends at a guard page, then compare every bit the kernel
 * returned, the padding bits of the last word included, with @want (which
 * must hold bitmap_bytes(npages) bytes).
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
	ASSERT_BITMAP_EQ(want, (u64 *)buf.data, bytes * 8);
	guarded_buf_free(&buf);
}

/*
 * GET over @npages pages from @iova and expect exactly the @n pages listed
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

#define EXPECT_DIRTY_PAGES(env, iova, npages, ...)					\
	dirty_get_expect(_metadata, env, iova, npages, (const u64[]){ __VA_ARGS__ },	\
			 ARRAY_SIZE(((const u64[]){ __VA_ARGS__ })))
#define EXPECT_NO_DIRTY_PAGES(env, iova, npages)					\
	dirty_get_expect(_metadata, env, iova, npages, NULL, 0)

/*
 * Sets up @env for the first named device of @kind, or SKIPs the test with
 * the reason when the device or the kernel feature is not there.
 */
#define ENV_SETUP_OR_SKIP(env, kind, iommu_type)				\
	ENV_SETUP_NTH_OR_SKIP(env, kind, 0, iommu_type)
#define ENV_SETUP_NTH_OR_SKIP(env, kind, nth, iommu_type)			\
	MODE_SETUP_NTH_OR_SKIP(env, kind, nth, (iommu_type) == VFIO_TYPE1_IOMMU ? \
			       IOMMU_MODE_TYPE1 : IOMMU_MODE_TYPE1V2)

/* The same in IOMMU mode @mode (enum iommu_mode). */
#define MODE_SETUP_NTH_OR_SKIP(env, kind, nth, mode) do {			\
	char __why[256] = "";							\
	int __r = env_setup_mode(env, kind, nth, mode, __why, sizeof(__why));	\
	if (__r == ENV_SKIP)							\
		SKIP(return, "%s", __why);					\
	if (__r)								\
		TH_LOG("set-up failed: %s", __why);				\
	ASSERT_EQ(0, __r);							\
} while (0)

/* Makes the open mdev of @env the test mdev @vdm, or SKIPs. */
#define VDM_INIT_OR_SKIP(env, vdm) do {						\
	int __v = __vdm_init(vdm, (env)->dev.fd);				\
	if (__v == -EPROTO || __v == -ENODEV || __v == -EINVAL)			\
		SKIP(return, "%s is not a " VDM_DRIVER_NAME " instance", (env)->dev.name); \
	ASSERT_EQ(0, __v);							\
} while (0)

/*
 * Sets up @env for the suite's test mdev driver and @vdm for its commands,
 * or SKIPs when no mdev is named or it is another vendor's.
 */
#define VDM_SETUP_OR_SKIP(env, vdm, iommu_type) do {				\
	ENV_SETUP_OR_SKIP(env, DEVICE_MDEV, iommu_type);			\
	VDM_INIT_OR_SKIP(env, vdm);						\
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
 * DIRTY_PAGES START fails as the spec says (EACCES for a v1 container,
 * ENOTTY from iommufd) and SKIPs the rest of the test with that; else
 * checks that there is a migration capability.
 */
#define DIRTY_TRACKING_OR_SKIP(env) do {					\
	const char *__req;							\
	int __err = iommu_mode_dirty_refusal((env)->c.mode, &__req);		\
	if (__err) {								\
		dirty_start_or_refused(_metadata, env);				\
		SKIP(return, "mode %s has no type1 dirty tracking: START fails with %s (%s)", \
		     iommu_mode_name((env)->c.mode), strerror(-__err), __req);	\
	}									\
	ASSERT_NE(0, (env)->pgsize) TH_LOG("no migration capability (DP-CAP-01)"); \
} while (0)

/*
 * Either container kind in IOMMU mode @mode: DEVICE_PCI (IOMMU-backed, every
 * page dirty) or DEVICE_MDEV (emulated, the test mdev dirties what it is
 * told to), for a test of type1 dirty tracking (DIRTY_TRACKING_OR_SKIP).
 */
#define DIRTY_SETUP_OR_SKIP(env, vdm, kind, mode) do {				\
	MODE_SETUP_NTH_OR_SKIP(env, kind, 0, mode);				\
	if ((kind) == DEVICE_MDEV)						\
		VDM_INIT_OR_SKIP(env, vdm);					\
	DIRTY_TRACKING_OR_SKIP(env);						\
} while (0)

/* Allocates @b or SKIPs the test with the host's reason. */
#define BACKING_ALLOC_OR_SKIP(b, kind, size) do {				\
	char __why[256] = "";							\
	int __r = backing_alloc(b, kind, size, __why, sizeof(__why));		\
	if (__r)								\
		SKIP(return, "%s", __why);					\
} while (0)

/*
 * Variants are stamped over the IOMMU modes first, then the container kinds
 * and backings: "type1v2_iommu_thp". The variant struct needs a .mode, and
 * a .kind and a .backing for the macros that name them.
 */
#define FOR_EACH_IOMMU_MODE(X, ...)						\
	X(__VA_ARGS__, type1v2, IOMMU_MODE_TYPE1V2)				\
	X(__VA_ARGS__, type1, IOMMU_MODE_TYPE1)					\
	X(__VA_ARGS__, iommufd_compat, IOMMU_MODE_IOMMUFD_COMPAT)		\
	X(__VA_ARGS__, iommufd, IOMMU_MODE_IOMMUFD)

/* One FIXTURE_VARIANT per IOMMU mode: .mode. */
#define __MODE_VARIANT(fixture, m, M)						\
	FIXTURE_VARIANT_ADD(fixture, m) { .mode = M };
#define FIXTURE_VARIANT_ADD_ALL_IOMMU_MODES(fixture)				\
	FOR_EACH_IOMMU_MODE(__MODE_VARIANT, fixture)

/* One FIXTURE_VARIANT per IOMMU mode and container kind: .mode and .kind. */
#define __MODE_KIND_VARIANT(fixture, m, M)					\
	FIXTURE_VARIANT_ADD(fixture, m##_iommu) { .mode = M, .kind = DEVICE_PCI };	\
	FIXTURE_VARIANT_ADD(fixture, m##_emulated) { .mode = M, .kind = DEVICE_MDEV };
#define FIXTURE_VARIANT_ADD_ALL_KINDS(fixture)					\
	FOR_EACH_IOMMU_MODE(__MODE_KIND_VARIANT, fixture)

/* One FIXTURE_VARIANT per IOMMU mode and backing: .mode and .backing. */
#define __MODE_BACKING_VARIANT(fixture, m, M, name, b)				\
	FIXTURE_VARIANT_ADD(fixture, m##_##name) { .mode = M, .backing = b };
#define __MODE_BACKINGS(fixture, m, M)						\
	FOR_EACH_BACKING(__MODE_BACKING_VARIANT, fixture, m, M)
#define FIXTURE_VARIANT_ADD_ALL_BACKINGS(fixture)				\
	FOR_EACH_IOMMU_MODE(__MODE_BACKINGS, fixture)

/* One FIXTURE_VARIANT per IOMMU mode, container kind and backing. */
#define __MODE_KIND_BACKING_VARIANT(fixture, m, M, name, b)			\
	FIXTURE_VARIANT_ADD(fixture, m##_iommu_##name) {			\
		.mode = M, .kind = DEVICE_PCI, .backing = b };			\
	FIXTURE_VARIANT_ADD(fixture, m##_emulated_##name) {			\
		.mode = M, .kind = DEVICE_MDEV, .backing = b };
#define __MODE_KINDS_BACKINGS(fixture, m, M)					\
	FOR_EACH_BACKING(__MODE_KIND_BACKING_VARIANT, fixture, m, M)
#define FIXTURE_VARIANT_ADD_ALL_KINDS_AND_BACKINGS(fixture)			\
	FOR_EACH_IOMMU_MODE(__MODE_KINDS_BACKINGS, fixture)

/*
 * Handles --help (prints @help and the usage, returns 0) and bad device
 * arguments (returns KSFT_FAIL); returns -1 when the harness should run.
 */
int vfio_dirty_main(int argc, char **argv, const char *help);

/*
 * main() of every test binary. @help is a paragraph that says what the
 * binary checks; --help prints it with the usage, before the harness sees
 * the arguments (it rejects --help).
 */
#define VFIO_DIRTY_MAIN(help)						\
	int main(int argc, char **argv)					\
	{								\
		int r = vfio_dirty_main(argc, argv, help);		\
		if (r >= 0)						\
			return r;					\
		argc = device_args_take(argc, argv);			\
		return test_harness_run(argc, argv);			\
	}

#endif
