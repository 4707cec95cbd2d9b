// SPDX-License-Identifier: GPL-2.0-only
/*
 * The register writes of a prepared transfer, submitted through io_uring.
 */
#include <errno.h>

#include "dma_uring.h"

int __dma_ring_writes(struct io_uring *ring, struct dma_dev *d, const struct dma_reg_write *w,
		      int n)
{
	struct io_uring_sqe *sqe;
	struct io_uring_cqe *cqe;
	int i, r, err = 0;

	if (n < 0 || n > DMA_DEV_MAX_WRITES)
		return -EINVAL;
	for (i = 0; i < n; i++) {
		sqe = io_uring_get_sqe(ring);
		if (!sqe)
			return -EBUSY;
		io_uring_prep_write(sqe, d->vdev->fd, w[i].data, w[i].size, w[i].offset);
		sqe->user_data = i;
		if (i < n - 1)
			sqe->flags |= IOSQE_IO_LINK;
	}
	r = io_uring_submit_and_wait(ring, n);
	if (r < 0)
		return r;
	for (i = 0; i < n; i++) {
		r = io_uring_wait_cqe(ring, &cqe);
		if (r)
			return r;
		if (!err && cqe->res != (int)w[cqe->user_data].size)
			err = cqe->res < 0 ? cqe->res : -EIO;
		io_uring_cqe_seen(ring, cqe);
	}
	return err;
}
