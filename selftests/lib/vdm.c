// SPDX-License-Identifier: GPL-2.0-only
/*
 * Commands to the test mdev driver through its command region: region 0 of
 * a vfio_dirty_mdev instance, or the device-specific region of an edu bound
 * to vfio_dirty_pci (one protocol, fixtures/kmod/vfio_dirty_mdev.h).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <linux/vfio.h>

#include "host.h"
#include "vdm.h"

/* Does the region info of @len bytes carry VDP_REGION_TYPE/SUBTYPE's type capability? */
static bool region_is_vdp(const struct vfio_region_info *ri, size_t len)
{
	const struct vfio_region_info_cap_type *t;
	size_t off, min_next = sizeof(*ri);
	int n;

	if (!(ri->flags & VFIO_REGION_INFO_FLAG_CAPS))
		return false;
	/* offsets only from the kernel's chain, each past the last (DP-CAP-07's rule) */
	for (off = ri->cap_offset, n = 0; off && n < 16; off = t->header.next, n++) {
		if (off < min_next || off > len || len - off < sizeof(*t))
			return false;
		t = (const void *)((const char *)ri + off);
		if (t->header.id == VFIO_REGION_INFO_CAP_TYPE &&
		    t->type == VDP_REGION_TYPE && t->subtype == VDP_REGION_SUBTYPE)
			return true;
		min_next = off + sizeof(t->header);
	}
	return false;
}

/*
 * The command region of the open device @fd: region 0 of the test mdev, or
 * the vfio_dirty_pci region found by its type capability on a PCI device
 * (whose region 0 is BAR 0). Fills @ri; 0 or -errno with the reason.
 */
static int find_region(int fd, struct vfio_region_info *ri, char *reason, size_t reason_len)
{
	struct vfio_device_info di = { .argsz = sizeof(di) };
	union {
		struct vfio_region_info ri;
		char buf[512];
	} u;
	u32 i;
	int r;

	r = ioctl_errno(fd, VFIO_DEVICE_GET_INFO, &di);
	if (r) {
		snprintf(reason, reason_len, "VFIO_DEVICE_GET_INFO: %s", strerror(-r));
		return r;
	}
	if (!(di.flags & VFIO_DEVICE_FLAGS_PCI)) {
		*ri = (struct vfio_region_info){ .argsz = sizeof(*ri), .index = 0 };
		r = ioctl_errno(fd, VFIO_DEVICE_GET_REGION_INFO, ri);
		if (r)
			snprintf(reason, reason_len, "VFIO_DEVICE_GET_REGION_INFO(0): %s",
				 strerror(-r));
		return r;
	}
	for (i = VFIO_PCI_NUM_REGIONS; i < di.num_regions; i++) {
		memset(&u, 0, sizeof(u));
		u.ri.argsz = sizeof(u);
		u.ri.index = i;
		r = ioctl_errno(fd, VFIO_DEVICE_GET_REGION_INFO, &u.ri);
		if (r) {
			snprintf(reason, reason_len, "VFIO_DEVICE_GET_REGION_INFO(%u): %s", i,
				 strerror(-r));
			return r;
		}
		if (u.ri.argsz <= sizeof(u) && region_is_vdp(&u.ri, u.ri.argsz)) {
			*ri = u.ri;
			return 0;
		}
	}
	snprintf(reason, reason_len,
		 "a PCI device without a region of type 0x%x/0x%x: not bound to " VDP_DRIVER_NAME,
		 VDP_REGION_TYPE, VDP_REGION_SUBTYPE);
	return -ENODEV;
}

int __vdm_probe(struct vdm *v, int fd, char *reason, size_t reason_len)
{
	struct vfio_region_info ri;
	u64 magic, version;
	int r;

	v->fd = fd;
	v->mode = VDM_PASS_THROUGH;
	r = find_region(fd, &ri, reason, reason_len);
	if (r)
		return r;
	if (ri.size < VDM_REGION_SIZE) {
		snprintf(reason, reason_len,
			 "region %u has %llu bytes, a " VDM_DRIVER_NAME " has %llu: another vendor's?",
			 ri.index, (unsigned long long)ri.size, (unsigned long long)VDM_REGION_SIZE);
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

	/* MAGIC, VERSION and FEATURES are 32-bit registers, the rest 64-bit. */
	if (reg == VDM_REG_MAGIC || reg == VDM_REG_VERSION || reg == VDM_REG_FEATURES) {
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
