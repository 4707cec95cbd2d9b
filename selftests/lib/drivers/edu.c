// SPDX-License-Identifier: GPL-2.0-only
/*
 * QEMU's educational PCI device (1234:11e8): a 4 KiB buffer at device
 * address 0x40000, one DMA engine programmed through BAR0, 28-bit DMA
 * addresses. QEMU completes each transfer from a timer about 100 ms later.
 */
#include <errno.h>
#include <time.h>

#include "dma_driver.h"

#define EDU_REG_ID		0x00
#define EDU_REG_LIVENESS	0x04
#define EDU_REG_DMA_SRC		0x80
#define EDU_REG_DMA_DST		0x88
#define EDU_REG_DMA_COUNT	0x90
#define EDU_REG_DMA_CMD		0x98
#define EDU_CMD_START		0x1
#define EDU_CMD_TO_RAM		0x2
#define EDU_BUFFER		0x40000
#define EDU_BUFFER_SIZE		4096
/*
 * QEMU before 8.2.1 rejects a transfer that ends exactly at the end of the
 * buffer (edu_check_range() wants end < buffer end) with hw_error(), which
 * aborts the whole VM: never move the full 4 KiB at once. Each transfer
 * takes edu's 100 ms timer, so a transfer moves all it can: 4095 bytes.
 */
#define EDU_MAX_TRANSFER	(EDU_BUFFER_SIZE - 1)

static bool edu_probe(struct dma_dev *d)
{
	if (d->vdev->kind != DEVICE_PCI || __vfio_pci_init(&d->pci, d->vdev->fd))
		return false;
	if (d->pci.vendor == 0x1234 && d->pci.device == 0x11e8)
		return true;
	vfio_pci_cleanup(&d->pci);
	return false;
}

static int edu_init(struct dma_dev *d)
{
	u32 id = vfio_pci_bar_read32(&d->pci, 0, EDU_REG_ID);

	if ((id & 0xff) != 0xed)
		return -ENODEV;
	/* The liveness register returns the complement of what was written. */
	if (vfio_pci_bar_write32(&d->pci, 0, EDU_REG_LIVENESS, 0x12345678) ||
	    vfio_pci_bar_read32(&d->pci, 0, EDU_REG_LIVENESS) != ~0x12345678U)
		return -EIO;
	d->round_trip = true;
	return __vfio_pci_enable_bus_master(&d->pci);
}

static void edu_remove(struct dma_dev *d)
{
	vfio_pci_cleanup(&d->pci);
}

static int edu_start(struct dma_dev *d, u64 src, u64 dst, u64 len, u32 cmd)
{
	if (len > EDU_MAX_TRANSFER)
		return -E2BIG;
	/* A register write that did not reach the device must not look started. */
	return vfio_pci_bar_write64(&d->pci, 0, EDU_REG_DMA_SRC, src) ?:
	       vfio_pci_bar_write64(&d->pci, 0, EDU_REG_DMA_DST, dst) ?:
	       vfio_pci_bar_write64(&d->pci, 0, EDU_REG_DMA_COUNT, len) ?:
	       vfio_pci_bar_write64(&d->pci, 0, EDU_REG_DMA_CMD, cmd | EDU_CMD_START);
}

static int edu_dma_from_mem(struct dma_dev *d, u64 iova, u64 len)
{
	return edu_start(d, iova, EDU_BUFFER, len, 0);
}

static int edu_dma_to_mem(struct dma_dev *d, u64 iova, u64 len)
{
	return edu_start(d, EDU_BUFFER, iova, len, EDU_CMD_TO_RAM);
}

/*
 * The same four writes, described for the caller to make: 32 bits each,
 * which edu takes for the DMA registers too (the upper halves stay zero,
 * and 28-bit addresses and counts of at most 4 KiB fit). edu ignores them
 * while a transfer runs: wait for the last one first.
 */
static int edu_prepare(struct dma_dev *d, bool to_mem, u64 iova, u64 len,
		       struct dma_reg_write *w)
{
	if (len > EDU_MAX_TRANSFER)
		return -E2BIG;
	if (iova >= edu_driver_ops.dma_limit)
		return -EINVAL;
	dma_reg_write_bar(&w[0], &d->pci, 0, EDU_REG_DMA_SRC, 4, to_mem ? EDU_BUFFER : iova);
	dma_reg_write_bar(&w[1], &d->pci, 0, EDU_REG_DMA_DST, 4, to_mem ? iova : EDU_BUFFER);
	dma_reg_write_bar(&w[2], &d->pci, 0, EDU_REG_DMA_COUNT, 4, len);
	dma_reg_write_bar(&w[3], &d->pci, 0, EDU_REG_DMA_CMD, 4,
			  EDU_CMD_START | (to_mem ? EDU_CMD_TO_RAM : 0));
	return 4;
}

/* edu reports no errors: a blocked transfer just completes (the IOMMU faults). */
static int edu_wait(struct dma_dev *d, int timeout_ms)
{
	struct timespec t0, t;
	struct timespec nap = { .tv_nsec = 1000000 };

	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (vfio_pci_bar_read64(&d->pci, 0, EDU_REG_DMA_CMD) & EDU_CMD_START) {
		clock_gettime(CLOCK_MONOTONIC, &t);
		if ((t.tv_sec - t0.tv_sec) * 1000 + (t.tv_nsec - t0.tv_nsec) / 1000000 >
		    timeout_ms)
			return -ETIMEDOUT;
		nanosleep(&nap, NULL);
	}
	return 0;
}

const struct dma_driver_ops edu_driver_ops = {
	.name = "edu",
	.probe = edu_probe,
	.init = edu_init,
	.remove = edu_remove,
	.dma_from_mem = edu_dma_from_mem,
	.dma_to_mem = edu_dma_to_mem,
	.wait = edu_wait,
	.prepare = edu_prepare,
	.max_transfer = EDU_MAX_TRANSFER,
	.dma_limit = 1ULL << 28,
};
