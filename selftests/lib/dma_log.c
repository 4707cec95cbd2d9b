// SPDX-License-Identifier: GPL-2.0-only
/*
 * VFIO device DMA logging through VFIO_DEVICE_FEATURE (ALT-LOG-01).
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "device.h"
#include "dma_log.h"
#include "host.h"

int __dma_log_probe(int fd)
{
	struct vfio_device_feature_dma_logging_control c = {};

	return __device_feature(fd, dma_log_argsz(sizeof(c)),
				VFIO_DEVICE_FEATURE_PROBE | VFIO_DEVICE_FEATURE_SET |
				VFIO_DEVICE_FEATURE_DMA_LOGGING_START, &c, sizeof(c));
}

int __dma_log_start(int fd, u64 *page_size,
		    const struct vfio_device_feature_dma_logging_range *ranges, u32 n)
{
	struct vfio_device_feature_dma_logging_control c = {
		.page_size = *page_size, .num_ranges = n, .ranges = (uintptr_t)ranges,
	};
	int r;

	r = __device_feature(fd, dma_log_argsz(sizeof(c)),
			     VFIO_DEVICE_FEATURE_SET | VFIO_DEVICE_FEATURE_DMA_LOGGING_START,
			     &c, sizeof(c));
	*page_size = c.page_size;
	return r;
}

int __dma_log_start_one(int fd, u64 iova, u64 length, u64 page_size)
{
	struct vfio_device_feature_dma_logging_range range = { .iova = iova, .length = length };

	return __dma_log_start(fd, &page_size, &range, 1);
}

int __dma_log_stop(int fd)
{
	return __device_feature(fd, dma_log_argsz(0),
				VFIO_DEVICE_FEATURE_SET | VFIO_DEVICE_FEATURE_DMA_LOGGING_STOP,
				NULL, 0);
}

int __dma_log_report(int fd, u64 iova, u64 length, u64 page_size, u64 *bitmap)
{
	struct vfio_device_feature_dma_logging_report rep = {
		.iova = iova, .length = length, .page_size = page_size,
		.bitmap = (uintptr_t)bitmap,
	};

	return __device_feature(fd, dma_log_argsz(sizeof(rep)),
				VFIO_DEVICE_FEATURE_GET | VFIO_DEVICE_FEATURE_DMA_LOGGING_REPORT,
				&rep, sizeof(rep));
}
