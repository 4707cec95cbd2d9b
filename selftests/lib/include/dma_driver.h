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

/**
 * struct dma_driver_ops - a DMA driver: what a device of one kind does on command
 * @name: the driver's name, for messages.
 * @probe: true when this driver drives @d (d->vdev is open; nothing else is set up).
 * @init: sets the device up for transfers: 0 or -errno. May set d->max_transfer
 *	(at most @max_transfer), d->round_trip, and map driver memory at
 *	d->priv_iova. After it, the device does no DMA until a transfer starts.
 * @remove: stops the device (no DMA after it returns) and undoes @init.
 * @dma_from_mem: starts a transfer in which the device reads @len bytes of host
 *	memory at @iova into its own buffer. Never called with a transfer in
 *	flight, @len of 0 or above d->max_transfer, or beyond @dma_limit (the
 *	library checks). Returns 0 once the device has been told, -EOPNOTSUPP
 *	when it cannot read host memory without harm (an NVMe drive without
 *	COMPARE, unless destructive writes are allowed), or -errno.
 * @dma_to_mem: the same, the device writing @len bytes of its buffer to host
 *	memory at @iova: after a @dma_from_mem of the same length, the bytes it
 *	read when d->round_trip, else those @expected gives.
 * @wait: waits up to @timeout_ms for the transfer in flight: 0 when it is
 *	done (all its DMA has landed), -ETIMEDOUT when it is still running (the
 *	caller may wait again), or the error the device reported (it is over).
 * @expected: optional: the @len bytes the next @dma_to_mem will write, when they
 *	are the device's own data rather than what @dma_from_mem read (NVMe
 *	without destructive writes). Not called with a transfer in flight.
 * @prepare: optional: sets up the transfer @dma_to_mem (@to_mem) or
 *	@dma_from_mem would start, all but the register writes that start it,
 *	which go to @w in the order they must reach the device. Returns how many
 *	(at most DMA_DEV_MAX_WRITES) or -errno. Once the caller has made them,
 *	@wait tells when the transfer is done. Same limits as @dma_from_mem.
 * @max_transfer: the most any device of the kind moves at once;
 *	d->max_transfer is this one's.
 * @dma_limit: highest IOVA + 1 the device can address (edu: 28 bits); 0: any.
 *
 * Tests do not call the ops: they call __dma_dev_from_mem(), __dma_dev_to_mem(),
 * __dma_dev_wait(), __dma_dev_expected() and __dma_dev_prepare() (or the asserting
 * forms without the underscores), which check the call order and the limits
 * above before the driver sees the call.
 */
struct dma_driver_ops {
	const char *name;
	bool (*probe)(struct dma_dev *d);
	int (*init)(struct dma_dev *d);
	void (*remove)(struct dma_dev *d);
	int (*dma_from_mem)(struct dma_dev *d, u64 iova, u64 len);
	int (*dma_to_mem)(struct dma_dev *d, u64 iova, u64 len);
	int (*wait)(struct dma_dev *d, int timeout_ms);
	int (*expected)(struct dma_dev *d, void *buf, u64 len, int timeout_ms);
	int (*prepare)(struct dma_dev *d, bool to_mem, u64 iova, u64 len,
		       struct dma_reg_write *w);
	u64 max_transfer;
	u64 dma_limit;
};

/*
 * Adds a driver kept out of this tree (make EXTRA_DRIVERS=dir builds every
 * .c there into the suite): probed after the drivers of the tree. A driver
 * file ends with DMA_DRIVER_REGISTER(its_ops).
 */
void dma_driver_register(const struct dma_driver_ops *ops);
#define DMA_DRIVER_REGISTER(ops)						\
	static void __attribute__((constructor)) register_##ops(void)		\
	{									\
		dma_driver_register(&(ops));					\
	}

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
	bool busy;		/* a transfer was started and not yet waited for */
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

/**
 * __dma_dev_from_mem() - start a transfer: the device reads host memory
 * @d: an initialised device with no transfer in flight
 * @iova: where, in the device's container
 * @len: 1 to d->max_transfer bytes, within the device's dma_limit
 *
 * Return: 0 (then __dma_dev_wait() before anything else), -ENODEV without a
 * driver, -EBUSY with a transfer in flight, -EINVAL for @len 0, -E2BIG above
 * d->max_transfer, -ERANGE beyond dma_limit or wrapping, or the driver's
 * -errno (-EOPNOTSUPP: see &struct dma_driver_ops).
 */
int __dma_dev_from_mem(struct dma_dev *d, u64 iova, u64 len);
/* __dma_dev_to_mem() - the same, the device writing host memory. */
int __dma_dev_to_mem(struct dma_dev *d, u64 iova, u64 len);
/**
 * __dma_dev_wait() - wait for the transfer in flight
 * @d: the device
 * @timeout_ms: how long
 *
 * Return: 0 when it is done, -ETIMEDOUT when it still runs (wait again),
 * the device's error (the transfer is over), -EINVAL when none was started.
 */
int __dma_dev_wait(struct dma_dev *d, int timeout_ms);
/*
 * __dma_dev_expected() - the @len bytes the next __dma_dev_to_mem() will write, for a
 * device that is not round_trip: -EOPNOTSUPP when the driver cannot say,
 * -EBUSY with a transfer in flight, -E2BIG above d->max_transfer.
 */
int __dma_dev_expected(struct dma_dev *d, void *buf, u64 len, int timeout_ms);

/* The asserting forms, for tests (they expand where _metadata is). */
#define dma_dev_from_mem(d, iova, len)	ASSERT_EQ(0, __dma_dev_from_mem(d, iova, len))
#define dma_dev_to_mem(d, iova, len)	ASSERT_EQ(0, __dma_dev_to_mem(d, iova, len))
#define dma_dev_wait(d, timeout_ms)	ASSERT_EQ(0, __dma_dev_wait(d, timeout_ms))
#define dma_dev_expected(d, buf, len, timeout_ms) \
	ASSERT_EQ(0, __dma_dev_expected(d, buf, len, timeout_ms))

/*
 * ops->prepare(), or -EOPNOTSUPP for a driver that starts transfers only
 * itself, with the checks of __dma_dev_from_mem(). The caller makes the @w
 * writes (e.g. with __dma_ring_writes()), then waits with __dma_dev_wait().
 */
int __dma_dev_prepare(struct dma_dev *d, bool to_mem, u64 iova, u64 len,
		      struct dma_reg_write *w);

/* Describes a @size-byte write of @val at @off of BAR @bar of @p into @w. */
void dma_reg_write_bar(struct dma_reg_write *w, struct vfio_pci *p, int bar, u64 off,
		       u32 size, u64 val);

/* Makes the @n writes of @w with pwrite(), in order: 0 or -errno. */
int __dma_dev_write_regs(struct dma_dev *d, const struct dma_reg_write *w, int n);

#endif
