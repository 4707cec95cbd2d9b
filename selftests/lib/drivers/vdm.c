// SPDX-License-Identifier: GPL-2.0-only
/*
 * The suite's test mdev as a DMA device: vfio_dma_rw() reads into and
 * writes from its 64 KiB data area. Transfers complete synchronously.
 * Any device with the command region (lib/vdm.c) qualifies; an edu bound
 * to vfio_dirty_pci is probed by the edu driver first (dma_driver.c's
 * order), so device DMA there is edu's own engine, not vfio_dma_rw().
 */
#include <errno.h>

#include "dma_driver.h"

static bool vdm_probe(struct dma_dev *d)
{
	return !__vdm_init(&d->vdm, d->vdev->fd);
}

static int vdm_init(struct dma_dev *d)
{
	d->round_trip = true;
	return 0;
}

static void vdm_remove(struct dma_dev *d)
{
	(void)d;
}

static int vdm_transfer(struct dma_dev *d, u32 op, u64 iova, u64 len)
{
	struct vdm_cmd cmd = { .op = op, .iova = iova, .count = len };
	int r;

	r = __vdm_run(&d->vdm, &cmd, 1);
	d->last_error = r ? r : (int)cmd.result;
	return 0;
}

static int vdm_dma_from_mem(struct dma_dev *d, u64 iova, u64 len)
{
	return vdm_transfer(d, VDM_OP_DMA_READ, iova, len);
}

static int vdm_dma_to_mem(struct dma_dev *d, u64 iova, u64 len)
{
	return vdm_transfer(d, VDM_OP_DMA_WRITE_DATA, iova, len);
}

static int vdm_wait(struct dma_dev *d, int timeout_ms)
{
	int r = d->last_error;

	(void)timeout_ms;
	d->last_error = 0;
	return r;
}

const struct dma_driver_ops vdm_driver_ops = {
	.name = "vfio_dirty_mdev",
	.probe = vdm_probe,
	.init = vdm_init,
	.remove = vdm_remove,
	.dma_from_mem = vdm_dma_from_mem,
	.dma_to_mem = vdm_dma_to_mem,
	.wait = vdm_wait,
	.max_transfer = VDM_DATA_SIZE,
	.dma_limit = 0,		/* any IOVA */
};
