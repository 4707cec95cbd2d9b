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

/* Drivers kept out of the tree (make EXTRA_DRIVERS=dir), in link order. */
#define EXTRA_DRIVERS_MAX	8
static const struct dma_driver_ops *extra[EXTRA_DRIVERS_MAX];
static unsigned int nr_extra;

void dma_driver_register(const struct dma_driver_ops *ops)
{
	if (nr_extra < EXTRA_DRIVERS_MAX)
		extra[nr_extra++] = ops;
}

/* The @i-th driver to probe: the tree's, then the extra ones; NULL past the end. */
static const struct dma_driver_ops *driver(unsigned int i)
{
	if (i < ARRAY_SIZE(drivers))
		return drivers[i];
	i -= ARRAY_SIZE(drivers);
	return i < nr_extra ? extra[i] : NULL;
}

int __dma_dev_init(struct dma_dev *d, struct vfio_dev *vdev, struct container *c,
		   u64 priv_iova)
{
	unsigned int i;
	int r;

	memset(d, 0, sizeof(*d));
	d->vdev = vdev;
	d->c = c;
	d->priv_iova = priv_iova;
	for (i = 0; driver(i); i++) {
		if (driver(i)->probe(d)) {
			d->ops = driver(i);
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
	d->busy = false;
}

/* What every transfer must satisfy before the driver sees it. */
static int transfer_ok(struct dma_dev *d, u64 iova, u64 len)
{
	if (!d->ops)
		return -ENODEV;
	if (d->busy)
		return -EBUSY;
	if (!len)
		return -EINVAL;
	if (len > d->max_transfer)
		return -E2BIG;
	if (iova + len < iova || (d->ops->dma_limit && iova + len > d->ops->dma_limit))
		return -ERANGE;
	return 0;
}

static int start(struct dma_dev *d, bool to_mem, u64 iova, u64 len)
{
	int r = transfer_ok(d, iova, len);

	if (r)
		return r;
	r = to_mem ? d->ops->dma_to_mem(d, iova, len) : d->ops->dma_from_mem(d, iova, len);
	d->busy = !r;
	return r;
}

int __dma_dev_from_mem(struct dma_dev *d, u64 iova, u64 len)
{
	return start(d, false, iova, len);
}

int __dma_dev_to_mem(struct dma_dev *d, u64 iova, u64 len)
{
	return start(d, true, iova, len);
}

int __dma_dev_wait(struct dma_dev *d, int timeout_ms)
{
	int r;

	if (!d->ops)
		return -ENODEV;
	if (!d->busy)
		return -EINVAL;
	r = d->ops->wait(d, timeout_ms);
	if (r != -ETIMEDOUT)
		d->busy = false;
	return r;
}

int __dma_dev_expected(struct dma_dev *d, void *buf, u64 len, int timeout_ms)
{
	if (!d->ops)
		return -ENODEV;
	if (!d->ops->expected)
		return -EOPNOTSUPP;
	if (d->busy)
		return -EBUSY;
	if (len > d->max_transfer)
		return -E2BIG;
	return d->ops->expected(d, buf, len, timeout_ms);
}

int __dma_dev_copy(struct dma_dev *d, u64 src, u64 dst, u64 len, int timeout_ms)
{
	u64 off, n;
	int r;

	if (!d->round_trip)
		return -EOPNOTSUPP;
	for (off = 0; off < len; off += n) {
		n = len - off < d->max_transfer ? len - off : d->max_transfer;
		r = __dma_dev_from_mem(d, src + off, n);
		if (!r)
			r = __dma_dev_wait(d, timeout_ms);
		if (!r)
			r = __dma_dev_to_mem(d, dst + off, n);
		if (!r)
			r = __dma_dev_wait(d, timeout_ms);
		if (r)
			return r;
	}
	return 0;
}

int __dma_dev_prepare(struct dma_dev *d, bool to_mem, u64 iova, u64 len,
		      struct dma_reg_write *w)
{
	int r = transfer_ok(d, iova, len);

	if (r)
		return r;
	if (!d->ops->prepare)
		return -EOPNOTSUPP;
	r = d->ops->prepare(d, to_mem, iova, len, w);
	if (r > DMA_DEV_MAX_WRITES)
		return -EOVERFLOW;
	/* the caller starts it with the writes: from now on it is in flight */
	d->busy = r > 0;
	return r;
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
