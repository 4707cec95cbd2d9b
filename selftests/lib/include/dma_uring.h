/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Starting a prepared transfer (__dma_dev_prepare()) through io_uring, so the
 * register writes that start it are submitted like any other I/O of the
 * test. Only binaries linked with liburing (dirty_stress_test) use it.
 */
#ifndef VFIO_DIRTY_DMA_URING_H
#define VFIO_DIRTY_DMA_URING_H

#include <liburing.h>

#include "dma_driver.h"

/**
 * __dma_ring_writes() - make the writes that start a transfer through io_uring
 * @ring: a ring with room for @n entries
 * @d: the device whose __dma_dev_prepare() gave @w
 * @w: the writes, in the order they must reach the device
 * @n: how many (what __dma_dev_prepare() returned)
 *
 * The writes are linked, so they reach the device one after the other, in
 * order; each must write all its bytes. Then __dma_dev_wait().
 *
 * Return: 0, -EBUSY when the ring has no room, or the first write's -errno
 * (-EIO for a short write).
 */
int __dma_ring_writes(struct io_uring *ring, struct dma_dev *d, const struct dma_reg_write *w,
		      int n);

#endif
