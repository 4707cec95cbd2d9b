/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A VFIO type1 container: /dev/vfio/vfio, its groups and its IOMMU driver.
 *
 * Every operation comes in two forms: __container_x() issues the ioctl and
 * returns 0 or -errno, so error-path tests can check the errno exactly;
 * container_x() (a macro in vfio_dirty_test.h) asserts success through the
 * harness, so a failure still runs the fixture's teardown.
 */
#ifndef VFIO_DIRTY_CONTAINER_H
#define VFIO_DIRTY_CONTAINER_H

#include <stdbool.h>
#include <stddef.h>
#include "types.h"
#include <linux/vfio.h>

#define CONTAINER_MAX_GROUPS	8

/* Bitmap limits of drivers/vfio/vfio_iommu_type1.c (DP-LIM-01, DP-LIM-02). */
#define DIRTY_BITMAP_PAGES_MAX	((u64)INT32_MAX)
#define DIRTY_BITMAP_SIZE_MAX	(((DIRTY_BITMAP_PAGES_MAX + 63) / 64) * 8)

/*
 * The IOMMU mode axis: how a test reaches the IOMMU. Type1 dirty tracking
 * exists in the first only; the others refuse it as the spec says.
 */
enum iommu_mode {
	IOMMU_MODE_TYPE1V2,		/* /dev/vfio/vfio, VFIO_TYPE1v2_IOMMU */
	IOMMU_MODE_TYPE1,		/* /dev/vfio/vfio, VFIO_TYPE1_IOMMU (DP-ARG-01) */
	IOMMU_MODE_IOMMUFD_COMPAT,	/* /dev/iommu as the container, VFIO_TYPE1v2_IOMMU */
	IOMMU_MODE_IOMMUFD,		/* /dev/iommu, an IOAS, the device's VFIO cdev */
	IOMMU_MODES
};

const char *iommu_mode_name(enum iommu_mode mode);
/* The file a container of @mode opens: /dev/vfio/vfio or /dev/iommu. */
const char *iommu_mode_path(enum iommu_mode mode);

/*
 * 0 when @mode offers type1 dirty tracking; else the -errno DIRTY_PAGES
 * START fails with there, and in *@req the requirement that says so.
 */
int iommu_mode_dirty_refusal(enum iommu_mode mode, const char **req);

struct container {
	int fd;				/* /dev/vfio/vfio or /dev/iommu */
	enum iommu_mode mode;
	u32 ioas_id;			/* IOMMU_MODE_IOMMUFD: the IOAS it maps into */
	int iommu_type;			/* 0 until container_set_iommu() */
	int group_fd[CONTAINER_MAX_GROUPS];
	int group_id[CONTAINER_MAX_GROUPS];
	int nr_groups;
};

/* The migration capability, as read from a GET_INFO capability chain. */
struct dirty_caps {
	u32 flags;
	u32 hole;			/* bytes 12..15 of the capability */
	u64 pgsize_bitmap;
	u64 max_dirty_bitmap_size;
	u64 iova_pgsizes;		/* from the info header, for comparison */
};

/* Opens /dev/vfio/vfio for the type1 modes. */
int __container_open(struct container *c);
/*
 * Opens the container of @mode: /dev/vfio/vfio, or /dev/iommu (and, for
 * IOMMU_MODE_IOMMUFD, allocates the IOAS that map and unmap use).
 */
int __container_open_mode(struct container *c, enum iommu_mode mode);
void container_close(struct container *c);
int __container_attach_group(struct container *c, int group_id);
int __container_detach_group(struct container *c, int group_id);
int __container_set_iommu(struct container *c, int type);

/*
 * MAP_DMA / UNMAP_DMA; in IOMMU_MODE_IOMMUFD, IOMMU_IOAS_MAP at a fixed IOVA
 * and IOMMU_IOAS_UNMAP (an unmap with flags still goes to VFIO's ioctl, so
 * the test sees what the kernel says of it there).
 */
int __container_map(struct container *c, u64 iova, void *vaddr, u64 size,
		    u32 flags);
int __container_unmap(struct container *c, u64 iova, u64 size, u32 flags,
		      u64 *unmapped);

/*
 * The errno this kernel gives a MAP of 4 pages of @pg bytes at @vaddr whose
 * iova + size wraps past 2^64: EINVAL before the v6.18 overflow series
 * (6012379ede6a), EOVERFLOW with it. That one commit moved MAP, UNMAP and
 * GET_BITMAP to check_add_overflow() together (DP-VER-07), so MAP tells which
 * generation the other two belong to without a version number (a backport
 * carries it). Returns a positive errno, or 0 when MAP accepted the range
 * (it is unmapped again).
 */
int container_map_wrap_errno(struct container *c, void *vaddr, u64 pg);

int __container_dirty_start(struct container *c);
int __container_dirty_stop(struct container *c);
int __container_dirty_get(struct container *c, u64 iova, u64 size,
			  u64 pgsize, void *bitmap, u64 bitmap_size);
int __container_unmap_dirty(struct container *c, u64 iova, u64 size,
			    u64 pgsize, void *bitmap, u64 bitmap_size,
			    u64 *unmapped);
/* The GET_BITMAP argument: the 8-byte header, then the range (48 bytes). */
struct dirty_get_arg {
	struct vfio_iommu_type1_dirty_bitmap hdr;
	struct vfio_iommu_type1_dirty_bitmap_get range;
};

/* The UNMAP_DMA argument with a bitmap: 24-byte header, then vfio_bitmap. */
struct unmap_dirty_arg {
	struct vfio_iommu_type1_dma_unmap hdr;
	struct vfio_bitmap bitmap;
};

/* Raw VFIO_IOMMU_DIRTY_PAGES / UNMAP_DMA with a caller-built argument. */
int __container_dirty_ioctl(struct container *c, void *arg);
int __container_unmap_ioctl(struct container *c, void *arg);

/*
 * GET_INFO into a caller buffer of @argsz bytes (the ioctl's argsz). Returns
 * 0 or -errno; the buffer holds what the kernel wrote.
 */
int __container_get_info(struct container *c, void *buf, u32 argsz);
/* GET_INFO sized by the kernel's own answer; caller frees the result. */
int __container_get_info_alloc(struct container *c, struct vfio_iommu_type1_info **info);
int __container_dirty_caps(struct container *c, struct dirty_caps *caps);

/* VFIO_IOMMU_TYPE1_INFO_DMA_AVAIL: mappings the container may still make, or -errno. */
s64 __container_dma_avail(struct container *c);

/*
 * The page size of the container's dirty bitmaps: the smallest page of the
 * migration capability's pgsize_bitmap, or 0 without the capability.
 */
u64 container_dirty_pgsize(struct container *c);

/*
 * An iommufd IOAS on the iommufd @fd: IOMMU_IOAS_ALLOC, IOMMU_IOAS_MAP at a
 * fixed IOVA with IOMMU_IOAS_MAP_READABLE / _WRITEABLE in @prot, and
 * IOMMU_IOAS_UNMAP (@unmapped, may be NULL, gets the bytes unmapped). What
 * map and unmap are in IOMMU_MODE_IOMMUFD.
 */
int __ioas_alloc(int fd, u32 *ioas_id);
int __ioas_map(int fd, u32 ioas_id, u64 iova, void *vaddr, u64 length, u32 prot);
int __ioas_unmap(int fd, u32 ioas_id, u64 iova, u64 length, u64 *unmapped);

/*
 * Whether /dev/vfio/vfio is iommufd's VFIO compatibility container (spec
 * 8.1), judged without opening it: true when iommufd is there and VFIO's
 * type1 driver is not. @reason says what was seen.
 */
bool vfio_container_is_iommufd(char *reason, size_t reason_len);

#endif
