/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The set-up every test starts from: a container in one IOMMU mode with the
 * named device in it. Harness-free, so the host unit tests check how each
 * failure is classified.
 *
 * The verdict contract: only something ABSENT SKIPs (VFIO, a device of the
 * kind that was not named, a kernel feature); the reason then starts with a
 * capability token of selftests/capabilities ("pci: no vfio-pci device
 * named ..."). Everything else that goes wrong (a named device that is not
 * there, a failing open or ioctl of the plumbing) is a set-up error: the
 * test FAILs with the reason.
 */
#ifndef VFIO_DIRTY_TESTENV_H
#define VFIO_DIRTY_TESTENV_H

#include <stddef.h>
#include "types.h"

#include "container.h"
#include "device.h"
#include "host.h"

/* env_init() and env_attach(): something is absent, e->reason says what. */
#define ENV_SKIP	1

#define ENV_REASON_MAX	256

struct dirty_env {
	struct container c;	/* c.mode: how the IOMMU is reached */
	struct vfio_dev dev;
	u64 pgsize;		/* container_dirty_pgsize(), 0 without the capability */
	char reason[ENV_REASON_MAX];	/* why env_init() did not return 0 */
};

/*
 * Opens the container of @mode and puts the @nth (from 0) named device of
 * @kind in it, open: its group attached and VFIO_SET_IOMMU (type1 or
 * type1v2) in the container modes; its VFIO cdev bound and attached to the
 * IOAS in IOMMU_MODE_IOMMUFD. Returns 0, ENV_SKIP when something is absent,
 * or -errno for a set-up error; e->reason says which.
 */
int env_init(struct dirty_env *e, enum device_kind kind, int nth, enum iommu_mode mode);

/*
 * Attaches the group of the first named device of @kind to the container of
 * an environment already set up, without opening the device. Same returns;
 * ENV_SKIP in IOMMU_MODE_IOMMUFD, which has no groups.
 */
int env_attach(struct dirty_env *e, struct vfio_dev *d, enum device_kind kind,
	       char *reason, size_t reason_len);
void env_teardown(struct dirty_env *e);

/*
 * Deprecated set-up entry points, kept until the other branches are merged:
 * they are env_init() with the reason copied out and the mode encoded as a
 * VFIO_TYPE1*_IOMMU type. Remove after the integration.
 */
int env_setup_mode(struct dirty_env *e, enum device_kind kind, int nth, enum iommu_mode mode,
		   char *reason, size_t reason_len);
int env_setup(struct dirty_env *e, enum device_kind kind, int iommu_type,
	      char *reason, size_t reason_len);
int env_setup_nth(struct dirty_env *e, enum device_kind kind, int nth, int iommu_type,
		  char *reason, size_t reason_len);

#endif
