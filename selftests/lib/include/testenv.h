/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The set-up every test starts from: a container with the device's group
 * attached and an IOMMU driver set. Harness-free, so it is unit-testable.
 */
#ifndef VFIO_DIRTY_TESTENV_H
#define VFIO_DIRTY_TESTENV_H

#include <stddef.h>
#include "types.h"

#include "container.h"
#include "device.h"

/* Results of env_setup() besides 0 and -errno. */
#define ENV_SKIP	1

struct dirty_env {
	struct container c;	/* c.mode: how the IOMMU is reached */
	struct vfio_dev dev;
	u64 pgsize;	/* the migration capability's pgsize_bitmap, or 0 */
};

/*
 * Opens the container of @mode, puts the @nth (from 0) named device of @kind
 * in it and opens the device: the group attached and VFIO_SET_IOMMU (type1
 * or type1v2) for the container modes, the VFIO cdev bound and attached to
 * the IOAS for IOMMU_MODE_IOMMUFD. Returns 0, ENV_SKIP when the device or
 * the mode is missing (no /dev/iommu, no cdev, /dev/vfio/vfio provided by
 * iommufd), or -errno when something that should work fails; @reason says
 * which.
 */
int env_setup_mode(struct dirty_env *e, enum device_kind kind, int nth, enum iommu_mode mode,
		   char *reason, size_t reason_len);

/*
 * env_setup_mode() for the first named device of @kind in the type1 mode of
 * @iommu_type (VFIO_TYPE1_IOMMU or VFIO_TYPE1v2_IOMMU).
 */
int env_setup(struct dirty_env *e, enum device_kind kind, int iommu_type,
	      char *reason, size_t reason_len);
/* The same for the @nth (from 0) named device of @kind. */
int env_setup_nth(struct dirty_env *e, enum device_kind kind, int nth, int iommu_type,
		  char *reason, size_t reason_len);

/*
 * Attaches the group of the first named device of @kind to the container of
 * an environment already set up, without opening the device. Same returns;
 * ENV_SKIP in IOMMU_MODE_IOMMUFD, which has no groups.
 */
int env_attach(struct dirty_env *e, struct vfio_dev *d, enum device_kind kind,
	       char *reason, size_t reason_len);
void env_teardown(struct dirty_env *e);

/* uname -r is at least @major.@minor. */
int kernel_at_least(int major, int minor);

/*
 * A "Field:  N kB" line of /proc/self/status (VmLck: the locked_vm that type1
 * charges for pinned pages), in kB, or -1.
 */
long proc_status_kb(const char *field);

/* The host page size. */
size_t host_page_size(void);

#endif
