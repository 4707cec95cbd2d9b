/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * iommufd (/dev/iommu) seen from user space: IOAS, HWPT dirty tracking
 * (spec 8.2, ALT-HWPT-*), the CONFIG_IOMMUFD_TEST mock IOMMU
 * (drivers/iommu/iommufd/selftest.c, ALT-HWPT-05) and the VFIO device cdev
 * bound to an iommufd.
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
#include <linux/vfio.h>
#include "iommufd_test.h"

/* VFIO device cdev ioctls (uAPI of v6.6), missing from 6.1 headers. */
#ifndef VFIO_DEVICE_BIND_IOMMUFD
struct vfio_device_bind_iommufd {
	__u32 argsz;
	__u32 flags;
	__s32 iommufd;
	__u32 out_devid;
};

#define VFIO_DEVICE_BIND_IOMMUFD	_IO(VFIO_TYPE, VFIO_BASE + 18)

struct vfio_device_attach_iommufd_pt {
	__u32 argsz;
	__u32 flags;
	__u32 pt_id;
};

#define VFIO_DEVICE_ATTACH_IOMMUFD_PT	_IO(VFIO_TYPE, VFIO_BASE + 19)
#endif

struct iommufd {
	int fd;
};

/* A mock device of IOMMU_TEST_OP_MOCK_DOMAIN(_FLAGS) and its objects. */
struct iommufd_mock_dev {
	u32 stdev_id;		/* the selftest object; destroying it detaches */
	u32 hwpt_id;		/* the HWPT it was attached to */
	u32 idev_id;		/* its iommufd device, as HWPT_ALLOC dev_id */
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
 * The mock IOMMU. __iommufd_mock_domain() fails with -ENOTTY when the
 * kernel has no CONFIG_IOMMUFD_TEST.
 */
int __iommufd_mock_domain(struct iommufd *ifd, u32 pt_id, u32 dev_flags,
			  struct iommufd_mock_dev *md);
/*
 * IOMMU_TEST_OP_DIRTY: sets the dirty bit of the mock IOPTE of every page
 * whose bit is set in @bitmap (@page_size must be the mock's page size).
 * @nr_dirty gets how many mapped IOPTEs were marked.
 */
int __iommufd_mock_dirty(struct iommufd *ifd, u32 hwpt_id, u64 iova, u64 length,
			 u64 page_size, const void *bitmap, u64 *nr_dirty);
/* An iommufd "access" on @ioas_id, as an emulated VFIO device uses one. */
int __iommufd_mock_access(struct iommufd *ifd, u32 ioas_id, int *access_fd);
/* Writes @len bytes of @buf at @iova through the access (iommufd_access_rw). */
int __iommufd_mock_access_write(struct iommufd *ifd, int access_fd, u64 iova,
				const void *buf, u64 len);

/* The mock IOMMU's page size: PAGE_SIZE / 2 (ALT-HWPT-05). */
u64 iommufd_mock_page_size(void);
/* Its huge IOPTE with MOCK_FLAGS_DEVICE_HUGE_IOVA: 512 mock pages. */
u64 iommufd_mock_huge_page_size(void);

/*
 * The VFIO device cdev (/dev/vfio/devices/vfioN) of PCI device or mdev
 * @name: opens it into @fd. Returns 0, or -errno with a one-line @reason.
 */
int __vfio_cdev_open(const char *name, int *fd, char *reason, size_t reason_len);
int __vfio_cdev_bind(int dev_fd, struct iommufd *ifd, u32 *dev_id);
int __vfio_cdev_attach(int dev_fd, u32 pt_id);

/*
 * The IOMMU instances in /sys/class/iommu other than the mock's, as a list
 * in @names ("dmar0"). Returns how many. 6.12 gives a device without a
 * fwspec the ops of the first IOMMU registered, so with VT-d active the
 * mock's own devices get VT-d's ops, no IOMMU, and MOCK_DOMAIN fails.
 */
int iommufd_other_iommus(char *names, size_t len);

#endif
