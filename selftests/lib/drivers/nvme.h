/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What the NVMe driver offers a test beyond struct dma_driver_ops.
 *
 * The driver keeps its queues, its PRP lists and a bounce buffer in memory
 * it maps itself, at d->priv_iova of the device's container. dma_to_mem()
 * is an NVMe READ from the namespace's first logical blocks. dma_from_mem() is an NVMe WRITE to the same blocks only when
 * VFIO_DIRTY_NVME_DESTRUCTIVE=1; otherwise it is a COMPARE, which reads host
 * memory and never writes the medium.
 */
#ifndef VFIO_DIRTY_NVME_H
#define VFIO_DIRTY_NVME_H

#include "container.h"
#include "dma_driver.h"

/* Bytes of IOVA space the driver maps at d->priv_iova. */
#define NVME_DRIVER_WINDOW	DMA_DEV_PRIV_SIZE

/* The environment variable that allows dma_from_mem() to write the medium. */
#define NVME_DESTRUCTIVE_ENV	"VFIO_DIRTY_NVME_DESTRUCTIVE"

#endif
