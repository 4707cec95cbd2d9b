/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What the NVMe driver offers a test beyond struct dma_driver_ops.
 *
 * The driver keeps its queues, its PRP lists and a bounce buffer in memory
 * it maps itself, at d->priv_iova of the device's container. dma_to_mem() is an NVMe READ from the namespace's first logical
 * blocks. dma_from_mem() is an NVMe WRITE to the same blocks only when
 * VFIO_DIRTY_NVME_DESTRUCTIVE=1; otherwise it is a COMPARE, which reads host
 * memory and never writes the medium.
 */
#ifndef VFIO_DIRTY_NVME_H
#define VFIO_DIRTY_NVME_H

#include <stdbool.h>

#include "container.h"
#include "dma_driver.h"

/* Bytes of IOVA space the driver maps at d->priv_iova. */
#define NVME_DRIVER_WINDOW	DMA_DEV_PRIV_SIZE

/* The environment variable that allows dma_from_mem() to write the medium. */
#define NVME_DESTRUCTIVE_ENV	"VFIO_DIRTY_NVME_DESTRUCTIVE"

/* True when @d is an NVMe controller this driver set up. */
bool nvme_driver_is(struct dma_dev *d);

/*
 * True when dma_from_mem() writes the medium, so that dma_to_mem() returns
 * what the device read (a copy round-trips); false when it is a COMPARE.
 */
bool nvme_driver_destructive(struct dma_dev *d);

/*
 * After a COMPARE dma_from_mem() and its wait() returned 0: 1 when the
 * device found host memory equal to the medium, 0 when it did not, -1 when
 * the last command was no COMPARE.
 */
int nvme_driver_compare_equal(struct dma_dev *d);

/* The 4 KiB Identify Controller data the device wrote at init, or NULL. */
const u8 *nvme_driver_identify(struct dma_dev *d);

/* Namespace used, its logical block size and its size in blocks. */
int nvme_driver_namespace(struct dma_dev *d, u32 *nsid, u32 *lba_size, u64 *nblocks);

#endif
