/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The suite's test mdev driver (fixtures/kmod) seen from user space: run
 * pin, unpin and vfio_dma_rw() commands on chosen IOVAs and read the
 * driver's counters.
 */
#ifndef VFIO_DIRTY_VDM_H
#define VFIO_DIRTY_VDM_H

#include <stdbool.h>
#include <stddef.h>

#include "types.h"
#include "vfio_dirty_mdev.h"

/*
 * How the driver runs the commands this library sends (vfio_dirty_mdev.h):
 * VDM_PASS_THROUGH hands the test's iova and count to the kernel unchanged
 * and returns the kernel's answer unchanged; VDM_DRIVER is a careful vendor
 * driver that refuses, itself, unaligned iovas (-EDOM), counts outside
 * [1, 512] (-EMSGSIZE) and unpins of pages it does not hold (-ENOENT).
 */
enum vdm_mode {
	VDM_PASS_THROUGH = 0,
	VDM_DRIVER = VDM_CMD_F_DRIVER,
};

struct vdm {
	int fd;			/* the device's VFIO device fd */
	u64 base;		/* file offset of the command region */
	enum vdm_mode mode;	/* stamped into every command built here */
};

/*
 * Finds the command region on the open device @fd (region 0 of a test mdev;
 * on a PCI device the region of type VDP_REGION_TYPE/SUBTYPE that
 * vfio_dirty_pci adds) and checks magic and version. Returns 0, or -errno
 * with a one-line @reason: -ENODEV when there is no such region or it is too
 * small, -EPROTO for a wrong magic or version. The mode of the commands is
 * VDM_PASS_THROUGH.
 */
int __vdm_probe(struct vdm *v, int fd, char *reason, size_t reason_len);
/* __vdm_probe() without the reason. */
int __vdm_init(struct vdm *v, int fd);

/* Sets the mode of the commands vdm_pin() and the others send from now on. */
void vdm_set_mode(struct vdm *v, enum vdm_mode mode);

/* A register; -errno as a huge value never happens: reads are checked. */
int __vdm_reg(struct vdm *v, u32 reg, u64 *val);
u64 vdm_reg(struct vdm *v, u32 reg);

/*
 * Runs @n commands (at most VDM_MAX_CMDS) as they are, flags included, and
 * reads their results back into @cmds. Returns 0 or the -errno of the
 * region access itself.
 */
int __vdm_run(struct vdm *v, struct vdm_cmd *cmds, int n);

/* One command; the return value is the command's result (count or -errno). */
s64 vdm_pin(struct vdm *v, u64 iova, s64 npages, u32 prot);
s64 vdm_unpin(struct vdm *v, u64 iova, s64 npages);
s64 vdm_dma_write(struct vdm *v, u64 iova, u64 len, u8 pattern);
/* Reads @len bytes of guest memory into @buf through the data area. */
s64 vdm_dma_read(struct vdm *v, u64 iova, u64 len, void *buf);

/*
 * Pins @npages pages one page per command, batched, so runs longer than
 * the kernel's 512-page limit pin too. Returns 0, the first failure, or
 * -EIO when a pin returned a count other than 1.
 */
s64 vdm_pin_pages_each(struct vdm *v, u64 iova, u64 npages, u64 pgsize, u32 prot);

/*
 * DMA logging of the mig type (VDM_F_LOG, vfio_dirty_mdev.h): the driver's
 * log registers are read with vdm_reg(VDM_REG_LOG_*).
 */
/* Whether later PINs are logged too (VDM_OP_LOG_PINS); the command's result. */
s64 vdm_log_pins(struct vdm *v, bool on);
/*
 * Reads the ranges of the last START the driver accepted, as the core
 * passed them, into @r (room for @max): how many there are, or -errno.
 */
s64 vdm_log_ranges(struct vdm *v, struct vdm_log_range *r, int max);

#endif
