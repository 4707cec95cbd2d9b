// SPDX-License-Identifier: GPL-2.0-only
/*
 * Driver selection and the chunked copy every DMA test uses.
 */
#include <errno.h>
#include <string.h>

#include "dma_driver.h"

static const struct dma_driver_ops *const drivers[] = {
	&edu_driver_ops,
	&vdm_driver_ops,
	&nvme_driver_ops,
};

int __dma_dev_init(struct dma_dev *d, struct vfio_dev *vdev)
{
	unsigned int i;

	memset(d, 0, sizeof(*d));
	d->vdev = vdev;
	for (i = 0; i < ARRAY_SIZE(drivers); i++) {
		if (drivers[i]->probe(d)) {
			d->ops = drivers[i];
			return d->ops->init(d);
		}
	}
	return -ENODEV;
}

void dma_dev_remove(struct dma_dev *d)
{
	if (d->ops)
		d->ops->remove(d);
	d->ops = NULL;
}

int __dma_dev_copy(struct dma_dev *d, u64 src, u64 dst, u64 len, int timeout_ms)
{
	u64 off, n;
	int r;

	for (off = 0; off < len; off += n) {
		n = len - off < d->ops->max_transfer ? len - off : d->ops->max_transfer;
		r = d->ops->dma_from_mem(d, src + off, n);
		if (!r)
			r = d->ops->wait(d, timeout_ms);
		if (!r)
			r = d->ops->dma_to_mem(d, dst + off, n);
		if (!r)
			r = d->ops->wait(d, timeout_ms);
		if (r)
			return r;
	}
	return 0;
}
