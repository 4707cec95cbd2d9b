/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * iommufd (/dev/iommu) seen from user space: IOAS, HWPT dirty tracking
 * (spec 8.2, ALT-HWPT-*). The CONFIG_IOMMUFD_TEST mock IOMMU is in
 * iommufd_mock.h, the VFIO device cdev in device.h.
 *
 * As in container.h, __iommufd_x() issues the ioctl and returns 0 or -errno;
 * the tests assert through the harness. The uAPI headers come from the
 * kernel tree at build time (fixtures/kernel/headers.sh): Debian 12's
 * linux-libc-dev (6.1) has no linux/iommufd.h.
 */
#ifndef VFIO_DIRTY_IOMMUFD_H
#define VFIO_DIRTY_IOMMUFD_H

#include <stdbool.h>
#include <stddef.h>

#include "types.h"
#include <linux/iommufd.h>

struct iommufd {
	int fd;
};

/* Opens /dev/iommu. */
int __iommufd_open(struct iommufd *ifd);
void iommufd_close(struct iommufd *ifd);

/* Any iommufd ioctl with a caller-built argument, for error-path tests. */
int __iommufd_ioctl(struct iommufd *ifd, unsigned long req, void *arg);

int __iommufd_destroy(struct iommufd *ifd, u32 id);
int __iommufd_ioas_alloc(struct iommufd *ifd, u32 *ioas_id);
/* IOMMU_IOAS_MAP at a fixed IOVA, readable and writable. */
int __iommufd_ioas_map(struct iommufd *ifd, u32 ioas_id, u64 iova, void *vaddr, u64 length);
/* The same with IOMMU_IOAS_MAP_READABLE / _WRITEABLE as given in @prot. */
int __iommufd_ioas_map_prot(struct iommufd *ifd, u32 ioas_id, u64 iova, void *vaddr,
			    u64 length, u32 prot);
/* @unmapped (may be NULL) gets the bytes unmapped. */
int __iommufd_ioas_unmap(struct iommufd *ifd, u32 ioas_id, u64 iova, u64 length,
			 u64 *unmapped);
/*
 * IOMMU_IOAS_IOVA_RANGES: the alignment every IOVA of the IOAS must have,
 * which is the smallest IOMMU page of its domains.
 */
int __iommufd_ioas_iova_alignment(struct iommufd *ifd, u32 ioas_id, u64 *alignment);

int __iommufd_hwpt_alloc(struct iommufd *ifd, u32 dev_id, u32 pt_id, u32 flags, u32 *hwpt_id);
/* IOMMU_GET_HW_INFO's out_capabilities (IOMMU_HW_CAP_DIRTY_TRACKING, ...). */
int __iommufd_hw_caps(struct iommufd *ifd, u32 dev_id, u64 *caps);

/* IOMMU_HWPT_SET_DIRTY_TRACKING with raw @flags (ENABLE or 0). */
int __iommufd_hwpt_set_dirty(struct iommufd *ifd, u32 hwpt_id, u32 flags);
/* IOMMU_HWPT_GET_DIRTY_BITMAP with raw @flags (NO_CLEAR or 0). */
int __iommufd_hwpt_get_dirty(struct iommufd *ifd, u32 hwpt_id, u64 iova, u64 length,
			     u64 page_size, void *bitmap, u32 flags);

/*
 * The IOMMU instances in /sys/class/iommu other than the mock's, as a list
 * in @names ("dmar0"). Returns how many. 6.12 gives a device without a
 * fwspec the ops of the first IOMMU registered, so with VT-d active the
 * mock's own devices get VT-d's ops, no IOMMU, and MOCK_DOMAIN fails.
 */
int iommufd_other_iommus(char *names, size_t len);

#endif
