/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The CONFIG_IOMMUFD_TEST mock IOMMU (drivers/iommu/iommufd/selftest.c,
 * ALT-HWPT-05) through IOMMU_TEST_CMD. Only dirty_iommufd_test links it:
 * it is the one object that needs the kernel tree's iommufd_test.h.
 */
#ifndef VFIO_DIRTY_IOMMUFD_MOCK_H
#define VFIO_DIRTY_IOMMUFD_MOCK_H

#include "iommufd.h"
#include "iommufd_test.h"

/* A mock device of IOMMU_TEST_OP_MOCK_DOMAIN(_FLAGS) and its objects. */
struct iommufd_mock_dev {
	u32 stdev_id;		/* the selftest object; destroying it detaches */
	u32 hwpt_id;		/* the HWPT it was attached to */
	u32 idev_id;		/* its iommufd device, as HWPT_ALLOC dev_id */
};

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
/*
 * IOMMU_HWPT_ALLOC of a paging HWPT over @pt_id with the selftest data of
 * 7.x's mock, struct iommu_hwpt_selftest { iotlb, pagetable_type }, and
 * @pagetable_type (0: MOCK_IOMMUPT_DEFAULT, the AMDv1 format on the
 * generic page table). 6.12's mock takes no data for a paging HWPT and
 * fails with -EOPNOTSUPP: success says the mock is the generic-page-table
 * one.
 */
int __iommufd_mock_hwpt_alloc_pt(struct iommufd *ifd, u32 dev_id, u32 pt_id, u32 flags,
				 u32 pagetable_type, u32 *hwpt_id);
/*
 * 7.x's pagetable_type values (enum in its iommufd_test.h, which the suite
 * does not build against: the 6.12 header has the flags the 6.12 mock takes).
 * HUGE: page sizes MOCK_HUGE_PAGE_SIZE (512 mock pages) and PAGE_SIZE.
 */
#define IOMMUFD_MOCK_IOMMUPT_DEFAULT	0
#define IOMMUFD_MOCK_IOMMUPT_HUGE	1
/*
 * 6.12's mock device flag for huge IOPTEs (MOCK_FLAGS_DEVICE_HUGE_IOVA in
 * its iommufd_test.h), by value: 7.x's header no longer has it, and the
 * suite builds against either (KSRC=, or inside a kernel tree).
 */
#define IOMMUFD_MOCK_FLAGS_DEVICE_HUGE_IOVA	(1 << 1)
/* An iommufd "access" on @ioas_id, as an emulated VFIO device uses one. */
int __iommufd_mock_access(struct iommufd *ifd, u32 ioas_id, int *access_fd);
/* Writes @len bytes of @buf at @iova through the access (iommufd_access_rw). */
int __iommufd_mock_access_write(struct iommufd *ifd, int access_fd, u64 iova,
				const void *buf, u64 len);

/* The mock IOMMU's page size: PAGE_SIZE / 2 (ALT-HWPT-05). */
u64 iommufd_mock_page_size(void);
/*
 * Its huge IOPTE: 512 mock pages, with MOCK_FLAGS_DEVICE_HUGE_IOVA (6.12)
 * or pagetable_type IOMMUFD_MOCK_IOMMUPT_HUGE (7.x).
 */
u64 iommufd_mock_huge_page_size(void);

#endif
