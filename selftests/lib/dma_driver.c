// SPDX-License-Identifier: GPL-2.0-only
/*
 * Driver selection, the chunked copy every DMA test uses, and transfers
 * whose register writes the caller makes.
 */
#include <endian.h>
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "dma_driver.h"

static const struct dma_driver_ops *const drivers[] = {
	&edu_driver_ops,
	&vdm_driver_ops,
	&nvme_driver_ops,
	&igb_driver_ops,
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

int __dma_dev_prepare(struct dma_dev *d, bool to_mem, u64 iova, u64 len,
		      struct dma_reg_write *w)
{
	if (!d->ops || !d->ops->prepare)
		return -EOPNOTSUPP;
	return d->ops->prepare(d, to_mem, iova, len, w);
}

void dma_reg_write_bar(struct dma_reg_write *w, struct vfio_pci *p, int bar, u64 off,
		       u32 size, u64 val)
{
	u64 le = htole64(val);

	w->offset = p->bar_offset[bar] + off;
	w->size = size;
	/* The low @size bytes of the little-endian value. */
	memcpy(w->data, &le, sizeof(w->data));
}

int __dma_dev_write_regs(struct dma_dev *d, const struct dma_reg_write *w, int n)
{
	ssize_t r;
	int i;

	for (i = 0; i < n; i++) {
		r = pwrite(d->vdev->fd, w[i].data, w[i].size, w[i].offset);
		if (r != (ssize_t)w[i].size)
			return r < 0 ? -errno : -EIO;
	}
	return 0;
}
