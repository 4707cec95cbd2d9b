/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Devices under test: a vfio-pci function named by PCI address, or an mdev
 * named by UUID. The device list comes from the test's trailing arguments or
 * from the VFIO_DIRTY_DEVICES environment variable.
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

struct vfio_dev {
	enum device_kind kind;
	char name[DEVICE_NAME_MAX];	/* BDF (domain:bus:dev.fn) or UUID */
	int group_id;
	int fd;				/* device fd, or -1 */
};

bool device_name_is_pci(const char *s);
bool device_name_is_mdev(const char *s);

/* The devices named for this run (see device_args_take()). */
int devices_count(void);
const char *device_name(int i);
/* First named device of @kind, or NULL. */
const char *device_first(enum device_kind kind);
/* The @n-th (from 0) named device of @kind, or NULL. */
const char *device_nth(enum device_kind kind, int n);

/*
 * Removes trailing device names from argv (the harness rejects them) and
 * records them; falls back to $VFIO_DIRTY_DEVICES (space or comma separated).
 * Returns the new argc.
 */
int device_args_take(int argc, char **argv);

/*
 * Finds the IOMMU group of @name through sysfs. Returns 0 or -errno with a
 * one-line @reason (no such device, no IOMMU group, not bound to vfio).
 */
int __device_find(struct vfio_dev *d, const char *name, char *reason, size_t reason_len);

/*
 * Gets the device fd from the group, which must be attached to @c already;
 * in IOMMU_MODE_IOMMUFD, through __device_open_cdev().
 */
int __device_open(struct vfio_dev *d, struct container *c);
/*
 * Opens the device's VFIO cdev, binds it to @c's iommufd and attaches it to
 * @c's IOAS. Returns 0 or -errno with a one-line @reason.
 */
int __device_open_cdev(struct vfio_dev *d, struct container *c, char *reason,
		       size_t reason_len);
void device_close(struct vfio_dev *d);

#endif
