// SPDX-License-Identifier: GPL-2.0-only
/*
 * iommufd operations: each returns 0 or -errno and never exits, so the
 * caller (a test) decides what a failure means.
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

#include "device.h"
#include "iommufd.h"

static int ioctl_errno(int fd, unsigned long req, void *arg)
{
	return ioctl(fd, req, arg) ? -errno : 0;
}

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
	struct iommu_ioas_alloc cmd = { .size = sizeof(cmd) };
	int r;

	r = ioctl_errno(ifd->fd, IOMMU_IOAS_ALLOC, &cmd);
	if (!r)
		*ioas_id = cmd.out_ioas_id;
	return r;
}

int __iommufd_ioas_map_prot(struct iommufd *ifd, u32 ioas_id, u64 iova, void *vaddr,
			    u64 length, u32 prot)
{
	struct iommu_ioas_map cmd = {
		.size = sizeof(cmd),
		.flags = IOMMU_IOAS_MAP_FIXED_IOVA | prot,
		.ioas_id = ioas_id,
		.user_va = (uintptr_t)vaddr,
		.length = length,
		.iova = iova,
	};

	return ioctl_errno(ifd->fd, IOMMU_IOAS_MAP, &cmd);
}

int __iommufd_ioas_map(struct iommufd *ifd, u32 ioas_id, u64 iova, void *vaddr, u64 length)
{
	return __iommufd_ioas_map_prot(ifd, ioas_id, iova, vaddr, length,
				       IOMMU_IOAS_MAP_READABLE | IOMMU_IOAS_MAP_WRITEABLE);
}

int __iommufd_ioas_unmap(struct iommufd *ifd, u32 ioas_id, u64 iova, u64 length,
			 u64 *unmapped)
{
	struct iommu_ioas_unmap cmd = {
		.size = sizeof(cmd),
		.ioas_id = ioas_id,
		.iova = iova,
		.length = length,
	};
	int r;

	r = ioctl_errno(ifd->fd, IOMMU_IOAS_UNMAP, &cmd);
	if (!r && unmapped)
		*unmapped = cmd.length;
	return r;
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

u64 iommufd_mock_page_size(void)
{
	return (u64)sysconf(_SC_PAGESIZE) / 2;
}

u64 iommufd_mock_huge_page_size(void)
{
	return 512 * iommufd_mock_page_size();
}

int __vfio_cdev_open(const char *name, int *fd, char *reason, size_t reason_len)
{
	bool pci = device_name_is_pci(name);
	char path[128];
	struct dirent *de;
	DIR *dir;
	int r = -ENOENT;

	snprintf(path, sizeof(path), "/sys/bus/%s/devices/%s/vfio-dev", pci ? "pci" : "mdev",
		 name);
	dir = opendir(path);
	if (!dir) {
		r = -errno;
		snprintf(reason, reason_len,
			 "%s: no VFIO device cdev (%s: %s; CONFIG_VFIO_DEVICE_CDEV=n, or not bound to a VFIO driver)",
			 name, path, strerror(-r));
		return r;
	}
	snprintf(reason, reason_len, "%s: no vfioN under vfio-dev", name);
	while ((de = readdir(dir))) {
		if (strncmp(de->d_name, "vfio", 4))
			continue;
		snprintf(path, sizeof(path), "/dev/vfio/devices/%.64s", de->d_name);
		*fd = open(path, O_RDWR | O_CLOEXEC);
		r = *fd < 0 ? -errno : 0;
		snprintf(reason, reason_len, "%s: %s", path, strerror(-r));
		break;
	}
	closedir(dir);
	return r;
}

int __vfio_cdev_bind(int dev_fd, struct iommufd *ifd, u32 *dev_id)
{
	struct vfio_device_bind_iommufd bind = {
		.argsz = sizeof(bind),
		.iommufd = ifd->fd,
	};
	int r;

	r = ioctl_errno(dev_fd, VFIO_DEVICE_BIND_IOMMUFD, &bind);
	if (!r)
		*dev_id = bind.out_devid;
	return r;
}

int __vfio_cdev_attach(int dev_fd, u32 pt_id)
{
	struct vfio_device_attach_iommufd_pt attach = {
		.argsz = sizeof(attach),
		.pt_id = pt_id,
	};

	return ioctl_errno(dev_fd, VFIO_DEVICE_ATTACH_IOMMUFD_PT, &attach);
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

static bool path_exists(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0;
}

bool vfio_container_is_iommufd(char *reason, size_t reason_len)
{
	if (!path_exists("/dev/vfio/vfio")) {
		snprintf(reason, reason_len, "no /dev/vfio/vfio");
		return false;
	}
	if (path_exists("/sys/module/vfio_iommu_type1")) {
		snprintf(reason, reason_len,
			 "vfio_iommu_type1 is loaded: /dev/vfio/vfio is VFIO's type1 container, not iommufd's (CONFIG_IOMMUFD_VFIO_CONTAINER=n)");
		return false;
	}
	if (!path_exists("/dev/iommu")) {
		snprintf(reason, reason_len, "no /dev/iommu (CONFIG_IOMMUFD=n)");
		return false;
	}
	snprintf(reason, reason_len, "/dev/iommu and no vfio_iommu_type1");
	return true;
}
