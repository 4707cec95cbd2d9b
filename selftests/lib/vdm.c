// SPDX-License-Identifier: GPL-2.0-only
/*
 * Commands to the test mdev driver through its region 0.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <linux/vfio.h>

#include "host.h"
#include "vdm.h"

int __vdm_probe(struct vdm *v, int fd, char *reason, size_t reason_len)
{
	struct vfio_region_info ri = { .argsz = sizeof(ri), .index = 0 };
	u64 magic, version;
	int r;

	v->fd = fd;
	v->mode = VDM_PASS_THROUGH;
	r = ioctl_errno(fd, VFIO_DEVICE_GET_REGION_INFO, &ri);
	if (r) {
		snprintf(reason, reason_len, "VFIO_DEVICE_GET_REGION_INFO(0): %s", strerror(-r));
		return r;
	}
	if (ri.size < VDM_REGION_SIZE) {
		snprintf(reason, reason_len,
			 "region 0 has %llu bytes, a " VDM_DRIVER_NAME " has %llu: another vendor's mdev?",
			 (unsigned long long)ri.size, (unsigned long long)VDM_REGION_SIZE);
		return -ENODEV;
	}
	v->base = ri.offset;
	r = __vdm_reg(v, VDM_REG_MAGIC, &magic);
	if (!r)
		r = __vdm_reg(v, VDM_REG_VERSION, &version);
	if (r) {
		snprintf(reason, reason_len, "reading the magic and version: %s", strerror(-r));
		return r;
	}
	if ((u32)magic != VDM_MAGIC || (u32)version != VDM_VERSION) {
		snprintf(reason, reason_len,
			 "magic 0x%x version %u, want 0x%x version %u: not a " VDM_DRIVER_NAME
			 " of this suite (rebuild fixtures/kmod)",
			 (u32)magic, (u32)version, VDM_MAGIC, (u32)VDM_VERSION);
		return -EPROTO;
	}
	return 0;
}

int __vdm_init(struct vdm *v, int fd)
{
	char reason[160];

	return __vdm_probe(v, fd, reason, sizeof(reason));
}

void vdm_set_mode(struct vdm *v, enum vdm_mode mode)
{
	v->mode = mode;
}

int __vdm_reg(struct vdm *v, u32 reg, u64 *val)
{
	u32 v32;
	ssize_t n;

	/* MAGIC and VERSION are 32-bit registers, the rest 64-bit. */
	if (reg == VDM_REG_MAGIC || reg == VDM_REG_VERSION) {
		n = pread(v->fd, &v32, sizeof(v32), v->base + reg);
		*val = v32;
		return n == sizeof(v32) ? 0 : (n < 0 ? -errno : -EIO);
	}
	n = pread(v->fd, val, sizeof(*val), v->base + reg);
	return n == sizeof(*val) ? 0 : (n < 0 ? -errno : -EIO);
}

u64 vdm_reg(struct vdm *v, u32 reg)
{
	u64 val = 0;

	return __vdm_reg(v, reg, &val) ? ~0ULL : val;
}

int __vdm_run(struct vdm *v, struct vdm_cmd *cmds, int n)
{
	size_t len = n * sizeof(*cmds);
	u32 bell = n;
	ssize_t r;

	if (n < 1 || n > VDM_MAX_CMDS)
		return -EINVAL;
	r = pwrite(v->fd, cmds, len, v->base + VDM_CMD_BASE);
	if (r != (ssize_t)len)
		return r < 0 ? -errno : -EIO;
	r = pwrite(v->fd, &bell, sizeof(bell), v->base + VDM_REG_DOORBELL);
	if (r != sizeof(bell))
		return r < 0 ? -errno : -EIO;
	r = pread(v->fd, cmds, len, v->base + VDM_CMD_BASE);
	if (r != (ssize_t)len)
		return r < 0 ? -errno : -EIO;
	return 0;
}

static s64 run_one(struct vdm *v, struct vdm_cmd *cmd)
{
	int r;

	cmd->flags = v->mode;
	r = __vdm_run(v, cmd, 1);

	return r ? r : cmd->result;
}

s64 vdm_pin(struct vdm *v, u64 iova, s64 npages, u32 prot)
{
	struct vdm_cmd cmd = { .op = VDM_OP_PIN, .prot = prot, .iova = iova, .count = npages };

	return run_one(v, &cmd);
}

s64 vdm_unpin(struct vdm *v, u64 iova, s64 npages)
{
	struct vdm_cmd cmd = { .op = VDM_OP_UNPIN, .iova = iova, .count = npages };

	return run_one(v, &cmd);
}

s64 vdm_dma_write(struct vdm *v, u64 iova, u64 len, u8 pattern)
{
	struct vdm_cmd cmd = {
		.op = VDM_OP_DMA_WRITE, .iova = iova, .count = len, .pattern = pattern,
	};

	return run_one(v, &cmd);
}

s64 vdm_dma_read(struct vdm *v, u64 iova, u64 len, void *buf)
{
	struct vdm_cmd cmd = { .op = VDM_OP_DMA_READ, .iova = iova, .count = len };
	s64 r;

	if (len > VDM_DATA_SIZE)
		return -E2BIG;
	r = run_one(v, &cmd);
	if (r)
		return r;
	if (pread(v->fd, buf, len, v->base + VDM_DATA_BASE) != (ssize_t)len)
		return -EIO;
	return 0;
}

s64 vdm_pin_pages_each(struct vdm *v, u64 iova, u64 npages, u64 pgsize, u32 prot)
{
	struct vdm_cmd cmds[VDM_MAX_CMDS];
	u64 done = 0;
	int i, n, r;

	while (done < npages) {
		n = npages - done < VDM_MAX_CMDS ? npages - done : VDM_MAX_CMDS;
		memset(cmds, 0, sizeof(cmds));
		for (i = 0; i < n; i++) {
			cmds[i].op = VDM_OP_PIN;
			cmds[i].prot = prot;
			cmds[i].iova = iova + (done + i) * pgsize;
			cmds[i].count = 1;
			cmds[i].flags = v->mode;
		}
		r = __vdm_run(v, cmds, n);
		if (r)
			return r;
		for (i = 0; i < n; i++) {
			if (cmds[i].result != 1)
				return cmds[i].result < 0 ? cmds[i].result : -EIO;
		}
		done += n;
	}
	return 0;
}

/* DMA logging (VDM_F_LOG) */

s64 vdm_log_pins(struct vdm *v, bool on)
{
	struct vdm_cmd cmd = { .op = VDM_OP_LOG_PINS, .count = on };

	return run_one(v, &cmd);
}

s64 vdm_log_ranges(struct vdm *v, struct vdm_log_range *r, int max)
{
	struct vdm_cmd cmd = { .op = VDM_OP_LOG_RANGES };
	size_t len;
	s64 n;

	n = run_one(v, &cmd);
	if (n <= 0)
		return n;
	len = (n < max ? n : max) * sizeof(*r);
	if (pread(v->fd, r, len, v->base + VDM_DATA_BASE) != (ssize_t)len)
		return -EIO;
	return n;
}
