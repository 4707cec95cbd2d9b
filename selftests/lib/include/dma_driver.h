/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Devices that do DMA on command, behind one small interface chosen by
 * probing: QEMU's edu (1234:11e8) and the suite's test mdev. A device has a
 * buffer of its own: dma_from_mem() fills it from host memory (the device
 * reads), dma_to_mem() writes it to host memory (the device writes).
 */
#ifndef VFIO_DIRTY_DMA_DRIVER_H
#define VFIO_DIRTY_DMA_DRIVER_H

#include <stdbool.h>

#include "device.h"
#include "types.h"
#include "vdm.h"
#include "vfio_pci.h"

struct dma_dev;

struct dma_driver_ops {
	const char *name;
	/* True when this driver drives @d. */
	bool (*probe)(struct dma_dev *d);
	int (*init)(struct dma_dev *d);
	void (*remove)(struct dma_dev *d);
	/* Start a transfer of @len bytes (at most max_transfer). */
	int (*dma_from_mem)(struct dma_dev *d, u64 iova, u64 len);
	int (*dma_to_mem)(struct dma_dev *d, u64 iova, u64 len);
	/* Wait for it: 0, -ETIMEDOUT, or the error the device reported. */
	int (*wait)(struct dma_dev *d, int timeout_ms);
	u64 max_transfer;
	/* Highest IOVA + 1 the device can address (edu: 28 bits). */
	u64 dma_limit;
};

struct dma_dev {
	const struct dma_driver_ops *ops;
	struct vfio_dev *vdev;
	struct vfio_pci pci;
	struct vdm vdm;
	int last_error;
};

extern const struct dma_driver_ops edu_driver_ops;
extern const struct dma_driver_ops vdm_driver_ops;
extern const struct dma_driver_ops nvme_driver_ops;

/*
 * Finds the driver for the open device @vdev and initialises it. Returns 0,
 * or -ENODEV when no driver knows the device.
 */
int __dma_dev_init(struct dma_dev *d, struct vfio_dev *vdev);
void dma_dev_remove(struct dma_dev *d);

/*
 * The device copies @len bytes from host memory at @src to host memory at
 * @dst through its buffer, in chunks of max_transfer, each waited for.
 */
int __dma_dev_copy(struct dma_dev *d, u64 src, u64 dst, u64 len, int timeout_ms);

#endif
