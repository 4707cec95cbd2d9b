// SPDX-License-Identifier: GPL-2.0-only
/*
 * iommufd operations: each returns 0 or -errno and never exits, so the
 * caller (a test) decides what a failure means. The IOAS calls are the
 * container's (container.c), where the native iommufd mode uses them.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "container.h"
#include "host.h"
#include "iommufd.h"

int __iommufd_open(struct iommufd *ifd)
{
	ifd->fd = open("/dev/iommu", O_RDWR | O_CLOEXEC);
	return ifd->fd < 0 ? -errno : 0;
}

void iommufd_close(struct iommufd *ifd)
{
	if (ifd->fd >= 0)
		close(ifd->fd);
	ifd->fd = -1;
}

int __iommufd_ioctl(struct iommufd *ifd, unsigned long req, void *arg)
{
	return ioctl_errno(ifd->fd, req, arg);
}

int __iommufd_destroy(struct iommufd *ifd, u32 id)
{
	struct iommu_destroy cmd = { .size = sizeof(cmd), .id = id };

	return ioctl_errno(ifd->fd, IOMMU_DESTROY, &cmd);
}

int __iommufd_ioas_alloc(struct iommufd *ifd, u32 *ioas_id)
{
	return __ioas_alloc(ifd->fd, ioas_id);
}

int __iommufd_ioas_map_prot(struct iommufd *ifd, u32 ioas_id, u64 iova, void *vaddr,
			    u64 length, u32 prot)
{
	return __ioas_map(ifd->fd, ioas_id, iova, vaddr, length, prot);
}

int __iommufd_ioas_map(struct iommufd *ifd, u32 ioas_id, u64 iova, void *vaddr, u64 length)
{
	return __iommufd_ioas_map_prot(ifd, ioas_id, iova, vaddr, length,
				       IOMMU_IOAS_MAP_READABLE | IOMMU_IOAS_MAP_WRITEABLE);
}

int __iommufd_ioas_unmap(struct iommufd *ifd, u32 ioas_id, u64 iova, u64 length,
			 u64 *unmapped)
{
	return __ioas_unmap(ifd->fd, ioas_id, iova, length, unmapped);
}

int __iommufd_ioas_iova_alignment(struct iommufd *ifd, u32 ioas_id, u64 *alignment)
{
	struct iommu_iova_range ranges[16];
	struct iommu_ioas_iova_ranges cmd = {
		.size = sizeof(cmd),
		.ioas_id = ioas_id,
		.num_iovas = 16,
		.allowed_iovas = (uintptr_t)ranges,
	};
	int r;

	r = ioctl_errno(ifd->fd, IOMMU_IOAS_IOVA_RANGES, &cmd);
	/* EMSGSIZE: more ranges than the buffer holds; the header is valid. */
	if (!r || r == -EMSGSIZE) {
		*alignment = cmd.out_iova_alignment;
		r = 0;
	}
	return r;
}

int __iommufd_hwpt_alloc(struct iommufd *ifd, u32 dev_id, u32 pt_id, u32 flags, u32 *hwpt_id)
{
	struct iommu_hwpt_alloc cmd = {
		.size = sizeof(cmd),
		.flags = flags,
		.dev_id = dev_id,
		.pt_id = pt_id,
	};
	int r;

	r = ioctl_errno(ifd->fd, IOMMU_HWPT_ALLOC, &cmd);
	if (!r)
		*hwpt_id = cmd.out_hwpt_id;
	return r;
}

int __iommufd_hw_caps(struct iommufd *ifd, u32 dev_id, u64 *caps)
{
	struct iommu_hw_info cmd = { .size = sizeof(cmd), .dev_id = dev_id };
	int r;

	/* data_len 0: only the common part, whatever the IOMMU type. */
	r = ioctl_errno(ifd->fd, IOMMU_GET_HW_INFO, &cmd);
	if (!r)
		*caps = cmd.out_capabilities;
	return r;
}

int __iommufd_hwpt_set_dirty(struct iommufd *ifd, u32 hwpt_id, u32 flags)
{
	struct iommu_hwpt_set_dirty_tracking cmd = {
		.size = sizeof(cmd),
		.flags = flags,
		.hwpt_id = hwpt_id,
	};

	return ioctl_errno(ifd->fd, IOMMU_HWPT_SET_DIRTY_TRACKING, &cmd);
}

int __iommufd_hwpt_get_dirty(struct iommufd *ifd, u32 hwpt_id, u64 iova, u64 length,
			     u64 page_size, void *bitmap, u32 flags)
{
	struct iommu_hwpt_get_dirty_bitmap cmd = {
		.size = sizeof(cmd),
		.hwpt_id = hwpt_id,
		.flags = flags,
		.iova = iova,
		.length = length,
		.page_size = page_size,
		.data = (uintptr_t)bitmap,
	};

	return ioctl_errno(ifd->fd, IOMMU_HWPT_GET_DIRTY_BITMAP, &cmd);
}

int iommufd_other_iommus(char *names, size_t len)
{
	DIR *dir = opendir("/sys/class/iommu");
	struct dirent *de;
	size_t used = 0;
	int n = 0;

	if (len)
		names[0] = '\0';
	if (!dir)
		return 0;
	while ((de = readdir(dir))) {
		if (de->d_name[0] == '.' || strstr(de->d_name, "iommufd"))
			continue;
		n++;
		if (used < len)
			used += snprintf(names + used, len - used, "%s%s", used ? " " : "",
					 de->d_name);
	}
	closedir(dir);
	return n;
}
