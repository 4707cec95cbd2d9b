// SPDX-License-Identifier: GPL-2.0-only
/*
 * vfio-pci regions: config space through pread/pwrite, BARs mmap()ed when
 * the kernel allows it.
 */
#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>
#include <linux/pci_regs.h>
#include <linux/vfio.h>

#include "vfio_pci.h"

int __vfio_pci_init(struct vfio_pci *p, int device_fd)
{
	struct vfio_device_info info = { .argsz = sizeof(info) };
	int i, r;

	memset(p, 0, sizeof(*p));
	p->fd = device_fd;
	if (ioctl(device_fd, VFIO_DEVICE_GET_INFO, &info))
		return -errno;
	if (!(info.flags & VFIO_DEVICE_FLAGS_PCI))
		return -ENODEV;
	for (i = 0; i <= VFIO_PCI_CONFIG_REGION_INDEX; i++) {
		struct vfio_region_info ri = { .argsz = sizeof(ri), .index = i };

		if (ioctl(device_fd, VFIO_DEVICE_GET_REGION_INFO, &ri))
			return -errno;
		if (i == VFIO_PCI_CONFIG_REGION_INDEX) {
			p->cfg_offset = ri.offset;
			continue;
		}
		if (i >= VFIO_PCI_BARS)
			continue;
		p->bar_offset[i] = ri.offset;
		p->bar_size[i] = ri.size;
		if (ri.size && (ri.flags & VFIO_REGION_INFO_FLAG_MMAP)) {
			void *m = mmap(NULL, ri.size, PROT_READ | PROT_WRITE, MAP_SHARED,
				       device_fd, ri.offset);

			p->bar_map[i] = m == MAP_FAILED ? NULL : m;
		}
	}
	r = __vfio_pci_config_read(p, PCI_VENDOR_ID, &p->vendor, 2);
	if (!r)
		r = __vfio_pci_config_read(p, PCI_DEVICE_ID, &p->device, 2);
	return r;
}

void vfio_pci_cleanup(struct vfio_pci *p)
{
	int i;

	for (i = 0; i < VFIO_PCI_BARS; i++) {
		if (p->bar_map[i])
			munmap(p->bar_map[i], p->bar_size[i]);
		p->bar_map[i] = NULL;
	}
}

int __vfio_pci_config_read(struct vfio_pci *p, u32 off, void *val, size_t len)
{
	ssize_t n = pread(p->fd, val, len, p->cfg_offset + off);

	return n == (ssize_t)len ? 0 : (n < 0 ? -errno : -EIO);
}

int __vfio_pci_config_write(struct vfio_pci *p, u32 off, const void *val, size_t len)
{
	ssize_t n = pwrite(p->fd, val, len, p->cfg_offset + off);

	return n == (ssize_t)len ? 0 : (n < 0 ? -errno : -EIO);
}

int __vfio_pci_enable_bus_master(struct vfio_pci *p)
{
	u16 cmd;
	int r;

	r = __vfio_pci_config_read(p, PCI_COMMAND, &cmd, 2);
	if (r)
		return r;
	cmd |= PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER;
	return __vfio_pci_config_write(p, PCI_COMMAND, &cmd, 2);
}

/*
 * Accesses of exactly @len bytes: devices like edu refuse other widths. The
 * atomic builtins make each one a single load or store the compiler keeps.
 * Returns 0, or -errno when the region access through the fd failed (a
 * failed read also reads as all ones, as a PCI master abort does).
 */
static int bar_access(struct vfio_pci *p, int bar, u64 off, void *val, size_t len, bool write)
{
	char *reg;
	ssize_t n;

	if (p->bar_map[bar]) {
		reg = (char *)p->bar_map[bar] + off;
		if (len == 4 && write)
			__atomic_store_n((u32 *)reg, *(u32 *)val, __ATOMIC_SEQ_CST);
		else if (len == 4)
			*(u32 *)val = __atomic_load_n((u32 *)reg, __ATOMIC_SEQ_CST);
		else if (write)
			__atomic_store_n((u64 *)reg, *(u64 *)val, __ATOMIC_SEQ_CST);
		else
			*(u64 *)val = __atomic_load_n((u64 *)reg, __ATOMIC_SEQ_CST);
		return 0;
	}
	if (write)
		n = pwrite(p->fd, val, len, p->bar_offset[bar] + off);
	else
		n = pread(p->fd, val, len, p->bar_offset[bar] + off);
	if (n == (ssize_t)len)
		return 0;
	if (!write)
		memset(val, 0xff, len);
	return n < 0 ? -errno : -EIO;
}

u32 vfio_pci_bar_read32(struct vfio_pci *p, int bar, u64 off)
{
	u32 v;

	bar_access(p, bar, off, &v, 4, false);
	return v;
}

u64 vfio_pci_bar_read64(struct vfio_pci *p, int bar, u64 off)
{
	u64 v;

	bar_access(p, bar, off, &v, 8, false);
	return v;
}

int vfio_pci_bar_write32(struct vfio_pci *p, int bar, u64 off, u32 val)
{
	return bar_access(p, bar, off, &val, 4, true);
}

int vfio_pci_bar_write64(struct vfio_pci *p, int bar, u64 off, u64 val)
{
	return bar_access(p, bar, off, &val, 8, true);
}
