// SPDX-License-Identifier: GPL-2.0-only
/*
 * VFIO type1 container operations. Each returns 0 or -errno and never exits,
 * so the caller (a test) decides what a failure means.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/iommufd.h>

#include "container.h"
#include "host.h"
#include "info_caps.h"

static const char *const mode_names[IOMMU_MODES] = {
	[IOMMU_MODE_TYPE1V2] = "type1v2",
	[IOMMU_MODE_TYPE1] = "type1",
	[IOMMU_MODE_IOMMUFD_COMPAT] = "iommufd_compat",
	[IOMMU_MODE_IOMMUFD] = "iommufd",
};

const char *iommu_mode_name(enum iommu_mode mode)
{
	return mode < IOMMU_MODES ? mode_names[mode] : "?";
}

int iommu_mode_dirty_refusal(enum iommu_mode mode, const char **req)
{
	switch (mode) {
	case IOMMU_MODE_TYPE1V2:
		*req = "";
		return 0;
	case IOMMU_MODE_TYPE1:
		/* vfio_iommu_type1_dirty_pages(): !iommu->v2 */
		*req = "DP-ARG-01";
		return -EACCES;
	default:
		/*
		 * iommufd_vfio_ioctl() answers DIRTY_PAGES with -ENOIOCTLCMD
		 * whatever the fd's state: compat IOAS or none.
		 */
		*req = "DP-IOMMUFD-01";
		return -ENOTTY;
	}
}

const char *iommu_mode_path(enum iommu_mode mode)
{
	return mode >= IOMMU_MODE_IOMMUFD_COMPAT ? "/dev/iommu" : "/dev/vfio/vfio";
}

int __ioas_alloc(int fd, u32 *ioas_id)
{
	struct iommu_ioas_alloc cmd = { .size = sizeof(cmd) };
	int r;

	r = ioctl_errno(fd, IOMMU_IOAS_ALLOC, &cmd);
	if (!r)
		*ioas_id = cmd.out_ioas_id;
	return r;
}

int __ioas_map(int fd, u32 ioas_id, u64 iova, void *vaddr, u64 length, u32 prot)
{
	struct iommu_ioas_map cmd = {
		.size = sizeof(cmd),
		.flags = IOMMU_IOAS_MAP_FIXED_IOVA | prot,
		.ioas_id = ioas_id,
		.user_va = (uintptr_t)vaddr,
		.length = length,
		.iova = iova,
	};

	return ioctl_errno(fd, IOMMU_IOAS_MAP, &cmd);
}

int __ioas_unmap(int fd, u32 ioas_id, u64 iova, u64 length, u64 *unmapped)
{
	struct iommu_ioas_unmap cmd = {
		.size = sizeof(cmd),
		.ioas_id = ioas_id,
		.iova = iova,
		.length = length,
	};
	int r;

	r = ioctl_errno(fd, IOMMU_IOAS_UNMAP, &cmd);
	if (!r && unmapped)
		*unmapped = cmd.length;
	return r;
}

int __container_open_mode(struct container *c, enum iommu_mode mode)
{
	char path[PATH_MAX];
	int ver, r;

	memset(c, 0, sizeof(*c));
	c->mode = mode;
	c->fd = open(host_path(path, sizeof(path), "%s", iommu_mode_path(mode)),
		     O_RDWR | O_CLOEXEC);
	if (c->fd < 0)
		return -errno;
	if (mode == IOMMU_MODE_IOMMUFD) {
		r = __ioas_alloc(c->fd, &c->ioas_id);
		if (r) {
			container_close(c);
			return r;
		}
		return 0;
	}
	/* iommufd's compat code answers this one too */
	ver = ioctl(c->fd, VFIO_GET_API_VERSION);
	if (ver != VFIO_API_VERSION) {
		container_close(c);
		return -EPROTO;
	}
	return 0;
}

int __container_open(struct container *c)
{
	return __container_open_mode(c, IOMMU_MODE_TYPE1V2);
}

void container_close(struct container *c)
{
	int i;

	for (i = 0; i < c->nr_groups; i++)
		close(c->group_fd[i]);
	c->nr_groups = 0;
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
}

int __container_attach_group(struct container *c, int group_id)
{
	struct vfio_group_status status = { .argsz = sizeof(status) };
	char path[64];
	int fd, r;

	if (c->nr_groups == CONTAINER_MAX_GROUPS)
		return -ENOSPC;
	fd = open(host_path(path, sizeof(path), "/dev/vfio/%d", group_id), O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	r = ioctl_errno(fd, VFIO_GROUP_GET_STATUS, &status);
	if (!r && !(status.flags & VFIO_GROUP_FLAGS_VIABLE))
		r = -EBUSY;
	if (!r)
		r = ioctl_errno(fd, VFIO_GROUP_SET_CONTAINER, &c->fd);
	if (r) {
		close(fd);
		return r;
	}
	c->group_fd[c->nr_groups] = fd;
	c->group_id[c->nr_groups] = group_id;
	c->nr_groups++;
	return 0;
}

int __container_detach_group(struct container *c, int group_id)
{
	int i, r;

	for (i = 0; i < c->nr_groups; i++) {
		if (c->group_id[i] != group_id)
			continue;
		r = ioctl_errno(c->group_fd[i], VFIO_GROUP_UNSET_CONTAINER, NULL);
		if (r)
			return r;
		close(c->group_fd[i]);
		c->nr_groups--;
		c->group_fd[i] = c->group_fd[c->nr_groups];
		c->group_id[i] = c->group_id[c->nr_groups];
		return 0;
	}
	return -ENOENT;
}

int __container_set_iommu(struct container *c, int type)
{
	int r;

	if (ioctl(c->fd, VFIO_CHECK_EXTENSION, type) <= 0)
		return -EOPNOTSUPP;
	r = ioctl_errno(c->fd, VFIO_SET_IOMMU, (void *)(long)type);
	if (!r)
		c->iommu_type = type;
	return r;
}

int __container_map(struct container *c, u64 iova, void *vaddr, u64 size,
		    u32 flags)
{
	struct vfio_iommu_type1_dma_map map = {
		.argsz = sizeof(map),
		.flags = flags,
		.vaddr = (uintptr_t)vaddr,
		.iova = iova,
		.size = size,
	};
	u32 prot = 0;

	if (c->mode == IOMMU_MODE_IOMMUFD) {
		if (flags & ~(VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE))
			return -EOPNOTSUPP;
		if (flags & VFIO_DMA_MAP_FLAG_READ)
			prot |= IOMMU_IOAS_MAP_READABLE;
		if (flags & VFIO_DMA_MAP_FLAG_WRITE)
			prot |= IOMMU_IOAS_MAP_WRITEABLE;
		return __ioas_map(c->fd, c->ioas_id, iova, vaddr, size, prot);
	}

	return ioctl_errno(c->fd, VFIO_IOMMU_MAP_DMA, &map);
}

int __container_unmap(struct container *c, u64 iova, u64 size, u32 flags,
		      u64 *unmapped)
{
	struct vfio_iommu_type1_dma_unmap unmap = {
		.argsz = sizeof(unmap),
		.flags = flags,
		.iova = iova,
		.size = size,
	};
	int r;

	if (c->mode == IOMMU_MODE_IOMMUFD && !flags)
		return __ioas_unmap(c->fd, c->ioas_id, iova, size, unmapped);
	r = ioctl_errno(c->fd, VFIO_IOMMU_UNMAP_DMA, &unmap);
	if (!r && unmapped)
		*unmapped = unmap.size;
	return r;
}

static int dirty_flags(struct container *c, u32 flags)
{
	struct vfio_iommu_type1_dirty_bitmap dirty = {
		.argsz = sizeof(dirty),
		.flags = flags,
	};

	return ioctl_errno(c->fd, VFIO_IOMMU_DIRTY_PAGES, &dirty);
}

int __container_dirty_start(struct container *c)
{
	return dirty_flags(c, VFIO_IOMMU_DIRTY_PAGES_FLAG_START);
}

int __container_dirty_stop(struct container *c)
{
	return dirty_flags(c, VFIO_IOMMU_DIRTY_PAGES_FLAG_STOP);
}

int __container_dirty_get(struct container *c, u64 iova, u64 size,
			  u64 pgsize, void *bitmap, u64 bitmap_size)
{
	struct dirty_get_arg arg = {
		.hdr.argsz = sizeof(arg),
		.hdr.flags = VFIO_IOMMU_DIRTY_PAGES_FLAG_GET_BITMAP,
		.range.iova = iova,
		.range.size = size,
		.range.bitmap.pgsize = pgsize,
		.range.bitmap.size = bitmap_size,
		.range.bitmap.data = bitmap,
	};

	return ioctl_errno(c->fd, VFIO_IOMMU_DIRTY_PAGES, &arg);
}

int __container_unmap_dirty(struct container *c, u64 iova, u64 size,
			    u64 pgsize, void *bitmap, u64 bitmap_size,
			    u64 *unmapped)
{
	struct unmap_dirty_arg arg = {
		.hdr.argsz = sizeof(arg),
		.hdr.flags = VFIO_DMA_UNMAP_FLAG_GET_DIRTY_BITMAP,
		.hdr.iova = iova,
		.hdr.size = size,
		.bitmap.pgsize = pgsize,
		.bitmap.size = bitmap_size,
		.bitmap.data = bitmap,
	};
	int r;

	r = ioctl_errno(c->fd, VFIO_IOMMU_UNMAP_DMA, &arg);
	if (!r && unmapped)
		*unmapped = arg.hdr.size;
	return r;
}

int __container_dirty_ioctl(struct container *c, void *arg)
{
	return ioctl_errno(c->fd, VFIO_IOMMU_DIRTY_PAGES, arg);
}

int __container_unmap_ioctl(struct container *c, void *arg)
{
	return ioctl_errno(c->fd, VFIO_IOMMU_UNMAP_DMA, arg);
}

int __container_get_info(struct container *c, void *buf, u32 argsz)
{
	struct vfio_iommu_type1_info *info = buf;

	info->argsz = argsz;
	return ioctl_errno(c->fd, VFIO_IOMMU_GET_INFO, buf);
}

int __container_get_info_alloc(struct container *c, struct vfio_iommu_type1_info **out)
{
	struct vfio_iommu_type1_info probe = { 0 };
	struct vfio_iommu_type1_info *info;
	u32 need;
	int r;

	*out = NULL;
	r = __container_get_info(c, &probe, sizeof(probe));
	if (r)
		return r;
	need = probe.argsz > sizeof(probe) ? probe.argsz : sizeof(probe);
	info = calloc(1, need);
	if (!info)
		return -ENOMEM;
	r = __container_get_info(c, info, need);
	if (r) {
		free(info);
		return r;
	}
	*out = info;
	return 0;
}

int __container_dirty_caps(struct container *c, struct dirty_caps *caps)
{
	const struct vfio_iommu_type1_info_cap_migration *mig;
	struct vfio_iommu_type1_info *info;
	int r;

	memset(caps, 0, sizeof(*caps));
	r = __container_get_info_alloc(c, &info);
	if (r)
		return r;
	mig = (const void *)info_cap_find(info, info->argsz,
					  VFIO_IOMMU_TYPE1_INFO_CAP_MIGRATION, sizeof(*mig));
	if (!mig) {
		free(info);
		return -ENOENT;
	}
	caps->flags = mig->flags;
	memcpy(&caps->hole, (const char *)mig + offsetof(typeof(*mig), flags) + 4,
	       sizeof(caps->hole));
	caps->pgsize_bitmap = mig->pgsize_bitmap;
	caps->max_dirty_bitmap_size = mig->max_dirty_bitmap_size;
	caps->iova_pgsizes = info->iova_pgsizes;
	free(info);
	return 0;
}

s64 __container_dma_avail(struct container *c)
{
	const struct vfio_iommu_type1_info_dma_avail *avail;
	struct vfio_iommu_type1_info *info;
	s64 n;
	int r;

	r = __container_get_info_alloc(c, &info);
	if (r)
		return r;
	avail = (const void *)info_cap_find(info, info->argsz, VFIO_IOMMU_TYPE1_INFO_DMA_AVAIL,
					    sizeof(*avail));
	n = avail ? (s64)avail->avail : -ENOENT;
	free(info);
	return n;
}

u64 container_dirty_pgsize(struct container *c)
{
	struct dirty_caps caps;

	/* DP-CAP-04 says one bit; the smallest one if a kernel sets more. */
	if (__container_dirty_caps(c, &caps))
		return 0;
	return caps.pgsize_bitmap & -caps.pgsize_bitmap;
}

bool vfio_container_is_iommufd(char *reason, size_t reason_len)
{
	if (!host_exists("/dev/vfio/vfio")) {
		snprintf(reason, reason_len, "no /dev/vfio/vfio");
		return false;
	}
	if (host_exists("/sys/module/vfio_iommu_type1")) {
		snprintf(reason, reason_len,
			 "vfio_iommu_type1 is loaded: /dev/vfio/vfio is VFIO's type1 container, not iommufd's (CONFIG_IOMMUFD_VFIO_CONTAINER=n)");
		return false;
	}
	if (!host_exists("/dev/iommu")) {
		snprintf(reason, reason_len, "no /dev/iommu (CONFIG_IOMMUFD=n)");
		return false;
	}
	snprintf(reason, reason_len, "/dev/iommu and no vfio_iommu_type1");
	return true;
}

int container_map_wrap_errno(struct container *c, void *vaddr, u64 pg)
{
	int r = __container_map(c, -(2 * pg), vaddr, 4 * pg,
				VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE);

	if (!r)
		__container_unmap(c, -(2 * pg), 4 * pg, 0, NULL);
	return -r;
}
