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

/*
 * One register write of those that start a transfer, as bytes to write to
 * the device fd at @offset (region offset included): what a caller needs
 * to submit them itself, e.g. as io_uring writes, in order.
 */
struct dma_reg_write {
	u64 offset;
	u32 size;		/* 4 or 8 */
	u8 data[8];		/* little-endian, as vfio-pci takes BAR writes */
};

/* The most register writes a driver needs to start one transfer. */
#define DMA_DEV_MAX_WRITES	4

struct dma_driver_ops {
	const char *name;
	/* True when this driver drives @d. */
	bool (*probe)(struct dma_dev *d);
	int (*init)(struct dma_dev *d);
	void (*remove)(struct dma_dev *d);
	/*
	 * Start a transfer of @len bytes (at most max_transfer). dma_from_mem()
	 * returns -EOPNOTSUPP when the device cannot read host memory without
	 * harm (an NVMe drive without COMPARE, unless destructive writes are
	 * allowed).
	 */
	int (*dma_from_mem)(struct dma_dev *d, u64 iova, u64 len);
	int (*dma_to_mem)(struct dma_dev *d, u64 iova, u64 len);
	/* Wait for it: 0, -ETIMEDOUT, or the error the device reported. */
	int (*wait)(struct dma_dev *d, int timeout_ms);
	/*
	 * Optional: the @len bytes the next dma_to_mem() will write, when they
	 * are the device's own data rather than what dma_from_mem() read (NVMe
	 * without destructive writes).
	 */
	int (*expected)(struct dma_dev *d, void *buf, u64 len, int timeout_ms);
	/*
	 * Optional: set up the transfer dma_to_mem() (@to_mem) or
	 * dma_from_mem() would start, all but the register writes that start
	 * it, which go to @w in the order they must reach the device. Returns
	 * how many (at most DMA_DEV_MAX_WRITES) or -errno. Once the caller has
	 * made them, wait() tells when the transfer is done.
	 */
	int (*prepare)(struct dma_dev *d, bool to_mem, u64 iova, u64 len,
		       struct dma_reg_write *w);
	/* The most any device of the kind moves at once; d->max_transfer is this one's. */
	u64 max_transfer;
	/* Highest IOVA + 1 the device can address (edu: 28 bits). */
	u64 dma_limit;
};

/* IOVA space a driver may map its own memory into (queues, bounce buffers). */
#define DMA_DEV_PRIV_SIZE	(128ULL << 10)

struct dma_dev {
	const struct dma_driver_ops *ops;
	struct vfio_dev *vdev;
	struct container *c;	/* the device's container, for driver memory */
	u64 priv_iova;		/* DMA_DEV_PRIV_SIZE free bytes there, page aligned */
	void *priv;		/* driver state */
	u64 max_transfer;	/* set at init, at most ops->max_transfer */
	bool round_trip;	/* dma_to_mem() writes what dma_from_mem() read */
	struct vfio_pci pci;
	struct vdm vdm;
	int last_error;
};

extern const struct dma_driver_ops edu_driver_ops;
extern const struct dma_driver_ops vdm_driver_ops;
extern const struct dma_driver_ops nvme_driver_ops;
extern const struct dma_driver_ops igb_driver_ops;

/*
 * Finds the driver for the open device @vdev, attached to @c, and
 * initialises it; a driver that needs memory of its own maps it at
 * [@priv_iova, @priv_iova + DMA_DEV_PRIV_SIZE) of @c. Returns 0, or -ENODEV
 * when no driver knows the device.
 */
int __dma_dev_init(struct dma_dev *d, struct vfio_dev *vdev, struct container *c,
		   u64 priv_iova);
void dma_dev_remove(struct dma_dev *d);

/*
 * The device copies @len bytes from host memory at @src to host memory at
 * @dst through its buffer, in chunks of d->max_transfer, each waited for.
 * Needs d->round_trip.
 */
int __dma_dev_copy(struct dma_dev *d, u64 src, u64 dst, u64 len, int timeout_ms);

/*
 * ops->prepare(), or -EOPNOTSUPP for a driver that starts transfers only
 * itself. The caller makes the @w writes (e.g. through io_uring), then
 * waits with ops->wait().
 */
int __dma_dev_prepare(struct dma_dev *d, bool to_mem, u64 iova, u64 len,
		      struct dma_reg_write *w);

/* Describes a @size-byte write of @val at @off of BAR @bar of @p into @w. */
void dma_reg_write_bar(struct dma_reg_write *w, struct vfio_pci *p, int bar, u64 off,
		       u32 size, u64 val);

/* Makes the @n writes of @w with pwrite(), in order: 0 or -errno. */
int __dma_dev_write_regs(struct dma_dev *d, const struct dma_reg_write *w, int n);

#endif
