/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A vfio-pci device fd: config space and BAR access through its regions.
 */
#ifndef VFIO_DIRTY_VFIO_PCI_H
#define VFIO_DIRTY_VFIO_PCI_H

#include <stddef.h>

#include "types.h"

#define VFIO_PCI_BARS	6

struct vfio_pci {
	int fd;
	u64 cfg_offset;
	u64 bar_offset[VFIO_PCI_BARS];
	u64 bar_size[VFIO_PCI_BARS];
	void *bar_map[VFIO_PCI_BARS];	/* mmap()ed BAR, or NULL: pread/pwrite */
	u16 vendor, device;
};

int __vfio_pci_init(struct vfio_pci *p, int device_fd);
void vfio_pci_cleanup(struct vfio_pci *p);

int __vfio_pci_config_read(struct vfio_pci *p, u32 off, void *val, size_t len);
int __vfio_pci_config_write(struct vfio_pci *p, u32 off, const void *val, size_t len);
int __vfio_pci_enable_bus_master(struct vfio_pci *p);

/* A failed read reads as all ones, as a PCI master abort does. */
u32 vfio_pci_bar_read32(struct vfio_pci *p, int bar, u64 off);
u64 vfio_pci_bar_read64(struct vfio_pci *p, int bar, u64 off);
/* 0, or -errno when the write through the device fd failed. */
int vfio_pci_bar_write32(struct vfio_pci *p, int bar, u64 off, u32 val);
int vfio_pci_bar_write64(struct vfio_pci *p, int bar, u64 off, u64 val);

#endif
