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

int __dma_dev_init(struct dma_dev *d, struct vfio_dev *vdev, struct container *c,
		   u64 priv_iova)
{
	unsigned int i;
	int r;

	memset(d, 0, sizeof(*d));
	d->vdev = vdev;
	d->c = c;
	d->priv_iova = priv_iova;
	for (i = 0; i < ARRAY_SIZE(drivers); i++) {
		if (drivers[i]->probe(d)) {
			d->ops = drivers[i];
			r = d->ops->init(d);
			if (r)
				d->ops = NULL;
			else if (!d->max_transfer)
				d->max_transfer = d->ops->max_transfer;
			return r;
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

	if (!d->round_trip)
		return -EOPNOTSUPP;
	for (off = 0; off < len; off += n) {
		n = len - off < d->max_transfer ? len - off : d->max_transfer;
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
