/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What the NVMe driver needs from a test and offers it beyond struct
 * dma_driver_ops, until struct dma_dev carries a container and an IOVA
 * window for a driver's own memory.
 *
 * The driver keeps its queues, its PRP lists and a bounce buffer in memory
 * it maps itself, into the test's container at an IOVA window the test
 * chooses. dma_to_mem() is an NVMe READ from the namespace's first logical
 * blocks. dma_from_mem() is an NVMe WRITE to the same blocks only when
 * VFIO_DIRTY_NVME_DESTRUCTIVE=1; otherwise it is a COMPARE, which reads host
 * memory and never writes the medium.
 */
#ifndef VFIO_DIRTY_NVME_H
#define VFIO_DIRTY_NVME_H

#include <stdbool.h>

#include "container.h"
#include "dma_driver.h"

/* Bytes of IOVA space the driver maps at the window the test gives it. */
#define NVME_DRIVER_WINDOW	(128ULL << 10)

/* The environment variable that allows dma_from_mem() to write the medium. */
#define NVME_DESTRUCTIVE_ENV	"VFIO_DIRTY_NVME_DESTRUCTIVE"

/*
 * The next NVMe init maps its memory at [@iova, @iova + NVME_DRIVER_WINDOW)
 * of @c, which must be free and 4 KiB (and host page) aligned. It is used
 * once. Without it, init returns -ENODEV before touching the controller, so
 * a test that does not know about NVMe SKIPs.
 */
void nvme_driver_set_window(struct container *c, u64 iova);

/* True when @d is an NVMe controller this driver set up. */
bool nvme_driver_is(struct dma_dev *d);

/*
 * True when dma_from_mem() writes the medium, so that dma_to_mem() returns
 * what the device read (a copy round-trips); false when it is a COMPARE.
 */
bool nvme_driver_destructive(struct dma_dev *d);

/*
 * The @len bytes a dma_to_mem() of @len writes to host memory: the driver
 * reads the same blocks into its own memory and copies them to @buf.
 * Returns 0 or -errno; @len as for dma_to_mem().
 */
int __nvme_driver_expected(struct dma_dev *d, void *buf, u64 len, int timeout_ms);

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
