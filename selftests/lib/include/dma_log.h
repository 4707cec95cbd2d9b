/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * VFIO device DMA logging (VFIO_DEVICE_FEATURE_DMA_LOGGING_START/STOP/
 * REPORT, spec ALT-LOG-01..07) on an open VFIO device fd: a device whose
 * driver tracks its own DMA writes (mlx5, pds, mtty, the test mdev's mig
 * type). __dma_log_*() return 0 or -errno; the dma_log_*() forms assert
 * (harness tests only).
 */
#ifndef VFIO_DIRTY_DMA_LOG_H
#define VFIO_DIRTY_DMA_LOG_H

#include <stddef.h>
#include <linux/vfio.h>

#include "types.h"

/* The largest num_ranges the core takes: its ranges fit one kernel page (ALT-LOG-03). */
#define DMA_LOG_MAX_RANGES	(4096 / sizeof(struct vfio_device_feature_dma_logging_range))

/* The argsz of a DMA logging feature call with @len bytes of payload (__device_feature()). */
static inline u32 dma_log_argsz(size_t len)
{
	return sizeof(struct vfio_device_feature) + len;
}

/* PROBE of START (SET): 0 when the device has DMA logging, else -errno (ENOTTY: no log_ops). */
int __dma_log_probe(int fd);

/*
 * START over @n ranges at *@page_size, which the kernel may change (in/out:
 * the driver's choice comes back there, also on failure's copy).
 */
int __dma_log_start(int fd, u64 *page_size,
		    const struct vfio_device_feature_dma_logging_range *ranges, u32 n);
/* START of the one range [@iova, @iova + @length) at @page_size, kept. */
int __dma_log_start_one(int fd, u64 iova, u64 length, u64 page_size);
int __dma_log_stop(int fd);
/*
 * REPORT of [@iova, @iova + @length) at @page_size into @bitmap: the kernel
 * only sets bits (bit i = page i from @iova, u64 words), the caller zeroes it.
 */
int __dma_log_report(int fd, u64 iova, u64 length, u64 page_size, u64 *bitmap);

#define dma_log_start_one(fd, iova, length, page_size) \
	ASSERT_EQ(0, __dma_log_start_one(fd, iova, length, page_size))
#define dma_log_stop(fd)	ASSERT_EQ(0, __dma_log_stop(fd))
#define dma_log_report(fd, iova, length, page_size, bitmap) \
	ASSERT_EQ(0, __dma_log_report(fd, iova, length, page_size, bitmap))

#endif
