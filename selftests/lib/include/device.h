/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Devices under test: a vfio-pci function named by PCI address, or an mdev
 * named by UUID. The device list comes from the test's non-option arguments
 * or from the VFIO_DIRTY_DEVICES environment variable. A device is reached
 * through its group (the type1 modes) or its VFIO cdev (native iommufd).
 */
#ifndef VFIO_DIRTY_DEVICE_H
#define VFIO_DIRTY_DEVICE_H

#include <stdbool.h>
#include <stddef.h>

#include "container.h"

#define DEVICE_NAME_MAX	64
#define DEVICES_MAX	8

enum device_kind {
	DEVICE_PCI,
	DEVICE_MDEV,
};

struct iommufd;

struct vfio_dev {
	enum device_kind kind;
	char name[DEVICE_NAME_MAX];	/* BDF (domain:bus:dev.fn) or UUID */
	int group_id;
	int fd;				/* device fd, or -1 */
};

/* VFIO device cdev ioctls (uAPI of v6.6), missing from 6.1 headers. */
#ifndef VFIO_DEVICE_BIND_IOMMUFD
struct vfio_device_bind_iommufd {
	__u32 argsz;
	__u32 flags;
	__s32 iommufd;
	__u32 out_devid;
};

#define VFIO_DEVICE_BIND_IOMMUFD	_IO(VFIO_TYPE, VFIO_BASE + 18)

struct vfio_device_attach_iommufd_pt {
	__u32 argsz;
	__u32 flags;
	__u32 pt_id;
};

#define VFIO_DEVICE_ATTACH_IOMMUFD_PT	_IO(VFIO_TYPE, VFIO_BASE + 19)
#endif

bool device_name_is_pci(const char *s);
bool device_name_is_mdev(const char *s);

/* The @n-th (from 0) named device of @kind, or NULL. */
const char *device_nth(enum device_kind kind, int n);
/* device_nth(@kind, 0). */
const char *device_first(enum device_kind kind);

/*
 * Records the devices named for this run: every non-option argument (the
 * harness options -f -F -v -V -t -T -r take a value) must be a PCI address
 * or an mdev UUID, and is removed from argv (the harness would ignore it);
 * without any, the names come from $VFIO_DIRTY_DEVICES (space or comma
 * separated). Returns the new argc, or -EINVAL with @reason when a name is
 * malformed or there are more than DEVICES_MAX: a run must not silently
 * test less than it was told to.
 */
int device_args_take(int argc, char **argv, char *reason, size_t reason_len);
/* Forgets the recorded names (host unit tests). */
void device_args_reset(void);

/*
 * Finds the IOMMU group of @name through sysfs. Returns 0 or -errno with a
 * one-line @reason (no such device, no IOMMU group, not bound to vfio):
 * each is a set-up error, as the device was named.
 */
int __device_find(struct vfio_dev *d, const char *name, char *reason, size_t reason_len);

/*
 * Gets the device fd: from the group, which must be attached to @c already,
 * or in IOMMU_MODE_IOMMUFD through __device_open_cdev(). Returns 0 or
 * -errno with a one-line @reason.
 */
int __device_open(struct vfio_dev *d, struct container *c, char *reason, size_t reason_len);
/*
 * Opens the device's VFIO cdev, binds it to @c's iommufd and attaches it to
 * @c's IOAS. Returns 0, -ENOTTY when the kernel has no device cdev (no
 * vfio-dev in sysfs: an absent feature), or another -errno; @reason says
 * which.
 */
int __device_open_cdev(struct vfio_dev *d, struct container *c, char *reason,
		       size_t reason_len);
void device_close(struct vfio_dev *d);

/*
 * The VFIO device cdev (/dev/vfio/devices/vfioN) of PCI device or mdev
 * @name: opens it into @fd. Returns 0, -ENOTTY without a cdev (see above),
 * or -errno with a one-line @reason.
 */
int __vfio_cdev_open(const char *name, int *fd, char *reason, size_t reason_len);
/* VFIO_DEVICE_BIND_IOMMUFD to @ifd; @dev_id gets the device's id there. */
int __vfio_cdev_bind(int dev_fd, struct iommufd *ifd, u32 *dev_id);
/* VFIO_DEVICE_ATTACH_IOMMUFD_PT to @pt_id (an IOAS or a HWPT). */
int __vfio_cdev_attach(int dev_fd, u32 pt_id);
/*
 * VFIO_DEVICE_FEATURE with @flags (GET, SET or PROBE and the feature index)
 * and @len bytes of @payload after the 8-byte header, whose argsz is @argsz
 * (0: the honest one, the header plus @len; another value for the checks of
 * the core on the header itself). The payload is copied back afterwards
 * (DMA logging START writes its page_size, GETs their answer).
 */
int __device_feature(int fd, u32 argsz, u32 flags, void *payload, size_t len);

#endif
