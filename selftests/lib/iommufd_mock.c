// SPDX-License-Identifier: GPL-2.0-only
/*
 * The mock IOMMU of CONFIG_IOMMUFD_TEST: each call returns 0 or -errno.
 */
#include <stdint.h>

#include "host.h"
#include "iommufd_mock.h"

int __iommufd_mock_domain(struct iommufd *ifd, u32 pt_id, u32 dev_flags,
			  struct iommufd_mock_dev *md)
{
	struct iommu_test_cmd cmd = {
		.size = sizeof(cmd),
		.op = dev_flags ? IOMMU_TEST_OP_MOCK_DOMAIN_FLAGS : IOMMU_TEST_OP_MOCK_DOMAIN,
		.id = pt_id,
		.mock_domain_flags = { .dev_flags = dev_flags },
	};
	int r;

	r = ioctl_errno(ifd->fd, IOMMU_TEST_CMD, &cmd);
	if (!r) {
		md->stdev_id = cmd.mock_domain_flags.out_stdev_id;
		md->hwpt_id = cmd.mock_domain_flags.out_hwpt_id;
		md->idev_id = cmd.mock_domain_flags.out_idev_id;
	}
	return r;
}

int __iommufd_mock_dirty(struct iommufd *ifd, u32 hwpt_id, u64 iova, u64 length,
			 u64 page_size, const void *bitmap, u64 *nr_dirty)
{
	struct iommu_test_cmd cmd = {
		.size = sizeof(cmd),
		.op = IOMMU_TEST_OP_DIRTY,
		.id = hwpt_id,
		.dirty = {
			.iova = iova,
			.length = length,
			.page_size = page_size,
			.uptr = (uintptr_t)bitmap,
		},
	};
	int r;

	r = ioctl_errno(ifd->fd, IOMMU_TEST_CMD, &cmd);
	if (!r && nr_dirty)
		*nr_dirty = cmd.dirty.out_nr_dirty;
	return r;
}

int __iommufd_mock_access(struct iommufd *ifd, u32 ioas_id, int *access_fd)
{
	struct iommu_test_cmd cmd = {
		.size = sizeof(cmd),
		.op = IOMMU_TEST_OP_CREATE_ACCESS,
		.id = ioas_id,
	};
	int r;

	r = ioctl_errno(ifd->fd, IOMMU_TEST_CMD, &cmd);
	if (!r)
		*access_fd = cmd.create_access.out_access_fd;
	return r;
}

int __iommufd_mock_access_write(struct iommufd *ifd, int access_fd, u64 iova,
				const void *buf, u64 len)
{
	struct iommu_test_cmd cmd = {
		.size = sizeof(cmd),
		.op = IOMMU_TEST_OP_ACCESS_RW,
		.id = access_fd,
		.access_rw = {
			.iova = iova,
			.length = len,
			.uptr = (uintptr_t)buf,
			.flags = MOCK_ACCESS_RW_WRITE,
		},
	};

	return ioctl_errno(ifd->fd, IOMMU_TEST_CMD, &cmd);
}

int __iommufd_mock_hwpt_alloc_pt(struct iommufd *ifd, u32 dev_id, u32 pt_id, u32 flags,
				 u32 pagetable_type, u32 *hwpt_id)
{
	/* 7.x's layout; the 6.12 header the suite builds with has iotlb only */
	struct {
		__u32 iotlb;
		__u32 pagetable_type;
	} data = { .pagetable_type = pagetable_type };
	struct iommu_hwpt_alloc cmd = {
		.size = sizeof(cmd),
		.flags = flags,
		.dev_id = dev_id,
		.pt_id = pt_id,
		.data_type = IOMMU_HWPT_DATA_SELFTEST,
		.data_len = sizeof(data),
		.data_uptr = (uintptr_t)&data,
	};
	int r;

	r = ioctl_errno(ifd->fd, IOMMU_HWPT_ALLOC, &cmd);
	if (!r)
		*hwpt_id = cmd.out_hwpt_id;
	return r;
}

u64 iommufd_mock_page_size(void)
{
	return (u64)host_page_size() / 2;
}

u64 iommufd_mock_huge_page_size(void)
{
	return 512 * iommufd_mock_page_size();
}
