/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * mdev instances a test makes for itself, through sysfs: a second instance
 * of a type, or one of a type the run was not given.
 */
#ifndef VFIO_DIRTY_MDEV_INSTANCE_H
#define VFIO_DIRTY_MDEV_INSTANCE_H

#include <stdbool.h>
#include <stddef.h>

#define MDEV_UUID_LEN	37	/* 36 characters and the NUL */

/* True when parent @parent offers mdev type @type (its mdev_supported_types/ folder). */
bool mdev_type_exists(const char *parent, const char *type);

/*
 * Creates an instance of @type (a folder name of mdev_supported_types/, e.g.
 * "vfio_dirty_mdev-4") of parent @parent under a fresh UUID, written to
 * @uuid (MDEV_UUID_LEN bytes). 0 or -errno.
 */
int __mdev_create(const char *parent, const char *type, char *uuid);

/* Removes the instance @uuid (its device fd must be closed). 0 or -errno. */
int __mdev_remove(const char *uuid);

/* The name of the driver mdev @uuid is bound to ("mtty"), or "" (@drv of @len bytes). */
void mdev_driver_name(const char *uuid, char *drv, size_t len);

#endif
