/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What every test binary includes: the kselftest harness, the library, its
 * harness glue (vfio_dirty_harness.h), the variant stamps of the IOMMU-mode
 * axis, and the common main().
 */
#ifndef VFIO_DIRTY_TEST_H
#define VFIO_DIRTY_TEST_H

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kselftest_harness.h"

#include "backing.h"
#include "bitmap.h"
#include "container.h"
#include "device.h"
#include "host.h"
#include "info_caps.h"
#include "layout.h"
#include "testenv.h"
#include "vdm.h"
#include "vfio_dirty_harness.h"
#include "vfio_dirty_main.h"

#ifndef offsetofend
#define offsetofend(type, member) (offsetof(type, member) + sizeof(((type *)0)->member))
#endif

/*
 * The IOMMU-mode axis, only where its subject exists. Type1 dirty tracking
 * exists in type1v2 alone, so the fixtures whose subject it is run there
 * (FOR_EACH_TRACKING_MODE); the other modes' refusal of it is checked once,
 * by the refusal fixture of dirty_iommu_backed_test. The fixtures that check
 * real data in every mode (caps, device DMA) stamp all of them. Variants are
 * named after the mode first: "type1v2_iommu_thp".
 */
#define FOR_EACH_IOMMU_MODE(X, ...)						\
	X(__VA_ARGS__, type1v2, IOMMU_MODE_TYPE1V2)				\
	X(__VA_ARGS__, type1, IOMMU_MODE_TYPE1)					\
	X(__VA_ARGS__, iommufd_compat, IOMMU_MODE_IOMMUFD_COMPAT)		\
	X(__VA_ARGS__, iommufd, IOMMU_MODE_IOMMUFD)
#define FOR_EACH_TRACKING_MODE(X, ...)						\
	X(__VA_ARGS__, type1v2, IOMMU_MODE_TYPE1V2)

/* One FIXTURE_VARIANT per IOMMU mode: .mode. */
#define __MODE_VARIANT(fixture, m, M)						\
	FIXTURE_VARIANT_ADD(fixture, m) { .mode = M };
#define FIXTURE_VARIANT_ADD_ALL_IOMMU_MODES(fixture)				\
	FOR_EACH_IOMMU_MODE(__MODE_VARIANT, fixture)
/* The same for the modes with type1 dirty tracking: "type1v2". */
#define FIXTURE_VARIANT_ADD_TRACKING_MODES(fixture)				\
	FOR_EACH_TRACKING_MODE(__MODE_VARIANT, fixture)

/*
 * One FIXTURE_VARIANT per tracking mode and container kind: .mode and
 * .kind ("type1v2_iommu", "type1v2_emulated").
 */
#define __MODE_KIND_VARIANT(fixture, m, M)					\
	FIXTURE_VARIANT_ADD(fixture, m##_iommu) { .mode = M, .kind = DEVICE_PCI };	\
	FIXTURE_VARIANT_ADD(fixture, m##_emulated) { .mode = M, .kind = DEVICE_MDEV };
#define FIXTURE_VARIANT_ADD_ALL_KINDS(fixture)					\
	FOR_EACH_TRACKING_MODE(__MODE_KIND_VARIANT, fixture)

/* One FIXTURE_VARIANT per tracking mode and backing: .mode and .backing. */
#define __MODE_BACKING_VARIANT(fixture, m, M, name, b)				\
	FIXTURE_VARIANT_ADD(fixture, m##_##name) { .mode = M, .backing = b };
#define __MODE_BACKINGS(fixture, m, M)						\
	FOR_EACH_BACKING(__MODE_BACKING_VARIANT, fixture, m, M)
#define FIXTURE_VARIANT_ADD_ALL_BACKINGS(fixture)				\
	FOR_EACH_TRACKING_MODE(__MODE_BACKINGS, fixture)

/* One FIXTURE_VARIANT per tracking mode, container kind and backing. */
#define __MODE_KIND_BACKING_VARIANT(fixture, m, M, name, b)			\
	FIXTURE_VARIANT_ADD(fixture, m##_iommu_##name) {			\
		.mode = M, .kind = DEVICE_PCI, .backing = b };			\
	FIXTURE_VARIANT_ADD(fixture, m##_emulated_##name) {			\
		.mode = M, .kind = DEVICE_MDEV, .backing = b };
#define __MODE_KINDS_BACKINGS(fixture, m, M)					\
	FOR_EACH_BACKING(__MODE_KIND_BACKING_VARIANT, fixture, m, M)
#define FIXTURE_VARIANT_ADD_ALL_KINDS_AND_BACKINGS(fixture)			\
	FOR_EACH_TRACKING_MODE(__MODE_KINDS_BACKINGS, fixture)

/*
 * test_harness_run() ends the process itself, through ksft_exit(), whose
 * status says only "nothing failed". This runs last, in the harness's own
 * process (the test children _exit()), reads the counts kselftest.h kept in
 * this translation unit and replaces the status with the contract's.
 */
static pid_t __vfio_dirty_harness_pid;

static void __vfio_dirty_exit(void)
{
	char msg[160] = "";
	int status;

	if (getpid() != __vfio_dirty_harness_pid)
		return;
	status = vfio_dirty_exit_status(ksft_cnt.ksft_pass, ksft_cnt.ksft_fail,
					ksft_cnt.ksft_xfail, ksft_cnt.ksft_xpass,
					ksft_cnt.ksft_xskip, ksft_cnt.ksft_error,
					msg, sizeof(msg));
	if (msg[0])
		printf("# %s\n", msg);
	fflush(NULL);
	_exit(status);
}

/*
 * main() of every test binary. @help is a paragraph that says what the
 * binary checks; --help prints it with the usage, before the harness sees
 * the arguments (it rejects --help).
 */
#define VFIO_DIRTY_MAIN(help)						\
	int main(int argc, char **argv)					\
	{								\
		int r = vfio_dirty_main(&argc, argv, help);		\
		if (r >= 0)						\
			return r;					\
		__vfio_dirty_harness_pid = getpid();			\
		atexit(__vfio_dirty_exit);				\
		r = test_harness_run(argc, argv);			\
		/* It returned: -l, -h or a bad option, not a run. */	\
		__vfio_dirty_harness_pid = 0;				\
		return r == KSFT_SKIP ? KSFT_PASS : r;			\
	}

#endif
