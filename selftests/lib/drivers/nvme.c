// SPDX-License-Identifier: GPL-2.0-only
/*
 * NVMe controllers (PCI class 0x010802) as DMA devices, driven from user
 * space: the controller is reset, one admin and one I/O queue pair live in
 * memory the driver maps into the test's container itself, and completions
 * are polled (no interrupt is ever enabled, MSI-X stays off).
 *
 * Safe on a machine with a real disk: dma_to_mem() READs the namespace's
 * first blocks into host memory; dma_from_mem() COMPAREs host memory with
 * them (the controller reads host memory and never writes the medium), and
 * is a WRITE only with VFIO_DIRTY_NVME_DESTRUCTIVE=1 (a scratch disk). No
 * other command reaches a namespace; the only feature set is the number of
 * queues, which lasts until the next controller reset. remove() deletes the
 * queues, shuts the controller down and disables it.
 *
 * The largest transfer depends on the controller (MDTS) and the namespace
 * (block size): init sets d->max_transfer. The driver's memory lives at
 * d->priv_iova of the device's container (DMA_DEV_PRIV_SIZE bytes).
 */
#include <assert.h>
#include <endian.h>
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>
#include <linux/pci_regs.h>

#include "dma_driver.h"
#include "host.h"
#include "nvme.h"
#include "nvme_regs.h"

#define NVME_QUEUE_ENTRIES	32
/* At most 17 pages: the PRP list of any transfer fits in one page. */
#define NVME_MAX_TRANSFER	(64U << 10)
#define NVME_MIN_TIMEOUT_MS	5000
#define NVME_IO_QID		1
#define NVME_POLL_NS		50000

/* The driver's window: offsets of its pages from the window's start. */
#define WIN_ASQ			0x00000
#define WIN_ACQ			0x01000
#define WIN_IOSQ		0x02000
#define WIN_IOCQ		0x03000
#define WIN_IDENTIFY		0x04000
#define WIN_PRP_LIST		0x05000
#define WIN_BOUNCE		0x10000

static_assert(sizeof(struct nvme_sqe) == 1 << NVME_SQES_SHIFT, "SQ entry size");
static_assert(sizeof(struct nvme_cqe) == 1 << NVME_CQES_SHIFT, "CQ entry size");
static_assert(NVME_QUEUE_ENTRIES * sizeof(struct nvme_sqe) <= NVME_PAGE_SIZE, "SQ in a page");
static_assert(WIN_BOUNCE + NVME_MAX_TRANSFER <= NVME_DRIVER_WINDOW, "window too small");
static_assert(NVME_MAX_TRANSFER / NVME_PAGE_SIZE * 8 < NVME_PAGE_SIZE, "PRP list in a page");

struct nvme_qpair {
	u16 qid;
	u16 next_cid;
	u32 entries;
	struct nvme_sqe *sq;
	struct nvme_cqe *cq;
	u64 sq_iova, cq_iova;
	u32 sq_tail, sq_head;
	u32 cq_head;
	u16 phase;
	u32 sq_db, cq_db;		/* doorbell offsets in BAR0 */
};

struct nvme_ctrl {
	struct dma_dev *d;
	struct container *c;
	u64 win_iova;
	u8 *win;
	bool win_mapped;
	bool enabled;			/* CC.EN written: disable on the way out */
	bool io_cq, io_sq;		/* created, delete on the way out */
	u64 cap;
	u32 dstrd;
	int timeout_ms;			/* CAP.TO, for CSTS changes and admin commands */
	struct nvme_qpair admin, io;
	u16 oncs;
	u32 nsid, lba_size;
	u64 nblocks;
	bool destructive;
	/* The I/O command in flight, if any. */
	bool busy;
	u16 busy_cid;
	u8 busy_opcode;
	u8 id_ctrl[NVME_ID_SIZE];
};

static struct nvme_ctrl *nvme_of(struct dma_dev *d)
{
	return d->ops == &nvme_driver_ops ? d->priv : NULL;
}

static long elapsed_ms(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (t.tv_sec - t0->tv_sec) * 1000 + (t.tv_nsec - t0->tv_nsec) / 1000000;
}

static void nap(void)
{
	struct timespec ts = { .tv_nsec = NVME_POLL_NS };

	nanosleep(&ts, NULL);
}

static u32 rd32(struct nvme_ctrl *n, u32 off)
{
	return vfio_pci_bar_read32(&n->d->pci, 0, off);
}

/* 0, or the -errno of a BAR write that did not reach the controller. */
static int wr32(struct nvme_ctrl *n, u32 off, u32 val)
{
	return vfio_pci_bar_write32(&n->d->pci, 0, off, val);
}

/* 64-bit registers as two 32-bit accesses, low half first: not every controller takes 64. */
static u64 rd64(struct nvme_ctrl *n, u32 off)
{
	u64 lo = rd32(n, off);

	return lo | (u64)rd32(n, off + 4) << 32;
}

static int wr64(struct nvme_ctrl *n, u32 off, u64 val)
{
	return wr32(n, off, (u32)val) ?: wr32(n, off + 4, (u32)(val >> 32));
}

static u16 get_le16(const u8 *p)
{
	return (u16)(p[0] | p[1] << 8);
}

static u32 get_le32(const u8 *p)
{
	return (u32)get_le16(p) | (u32)get_le16(p + 2) << 16;
}

static u64 get_le64(const u8 *p)
{
	return (u64)get_le32(p) | (u64)get_le32(p + 4) << 32;
}

/*
 * Waits until CSTS & @mask == @want. -EIO when the controller reports a
 * fatal status while we wait for it to become ready, -ENODEV when the
 * registers read all ones (the device is gone).
 */
static int nvme_wait_csts(struct nvme_ctrl *n, u32 mask, u32 want)
{
	struct timespec t0;
	u32 csts;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		csts = rd32(n, NVME_REG_CSTS);
		if (csts == ~0U)
			return -ENODEV;
		if ((csts & mask) == want)
			return 0;
		if ((want & NVME_CSTS_RDY) && (csts & NVME_CSTS_CFS))
			return -EIO;
		if (elapsed_ms(&t0) > n->timeout_ms)
			return -ETIMEDOUT;
		nap();
	}
}

/* CC.EN = 0 and CSTS.RDY = 0: the controller stops all DMA and forgets its queues. */
static int nvme_disable(struct nvme_ctrl *n)
{
	u32 cc = rd32(n, NVME_REG_CC);
	u32 csts = rd32(n, NVME_REG_CSTS);

	if (cc == ~0U && csts == ~0U)
		return -ENODEV;
	if (cc & NVME_CC_EN) {
		int r;

		/* Clearing EN while the controller is still getting ready is undefined. */
		if (!(csts & NVME_CSTS_RDY))
			nvme_wait_csts(n, NVME_CSTS_RDY, NVME_CSTS_RDY);
		r = wr32(n, NVME_REG_CC, cc & ~NVME_CC_EN);
		if (r)
			return r;
	}
	return nvme_wait_csts(n, NVME_CSTS_RDY, 0);
}

/* A normal shutdown: the controller completes and flushes what it holds. */
static int nvme_shutdown(struct nvme_ctrl *n)
{
	u32 cc = rd32(n, NVME_REG_CC);

	if (!(cc & NVME_CC_EN) || cc == ~0U)
		return 0;
	return wr32(n, NVME_REG_CC, (cc & ~NVME_CC_SHN_MASK) | NVME_CC_SHN_NORMAL) ?:
	       nvme_wait_csts(n, NVME_CSTS_SHST_MASK, NVME_CSTS_SHST_CMPLT);
}

static void nvme_qpair_init(struct nvme_ctrl *n, struct nvme_qpair *q, u16 qid, u32 sq_off,
			    u32 cq_off, u32 entries)
{
	u32 stride = 4U << n->dstrd;

	memset(q, 0, sizeof(*q));
	q->qid = qid;
	q->entries = entries;
	q->sq = (struct nvme_sqe *)(n->win + sq_off);
	q->cq = (struct nvme_cqe *)(n->win + cq_off);
	q->sq_iova = n->win_iova + sq_off;
	q->cq_iova = n->win_iova + cq_off;
	q->phase = 1;
	q->sq_db = NVME_REG_DBS + 2 * qid * stride;
	q->cq_db = NVME_REG_DBS + (2 * qid + 1) * stride;
	memset(q->sq, 0, entries * sizeof(*q->sq));
	memset(q->cq, 0, entries * sizeof(*q->cq));
}

/*
 * Queues @cmd (CPU byte order) on @q and sets cmd->cid; the controller sees
 * it once the SQ tail doorbell says q->sq_tail.
 */
static int nvme_queue(struct nvme_qpair *q, struct nvme_sqe *cmd)
{
	struct nvme_sqe *e = &q->sq[q->sq_tail];

	if ((q->sq_tail + 1) % q->entries == q->sq_head)
		return -EBUSY;
	cmd->cid = q->next_cid++;
	e->opcode = cmd->opcode;
	e->flags = cmd->flags;
	e->cid = htole16(cmd->cid);
	e->nsid = htole32(cmd->nsid);
	e->cdw2 = htole32(cmd->cdw2);
	e->cdw3 = htole32(cmd->cdw3);
	e->mptr = htole64(cmd->mptr);
	e->prp1 = htole64(cmd->prp1);
	e->prp2 = htole64(cmd->prp2);
	e->cdw10 = htole32(cmd->cdw10);
	e->cdw11 = htole32(cmd->cdw11);
	e->cdw12 = htole32(cmd->cdw12);
	e->cdw13 = htole32(cmd->cdw13);
	e->cdw14 = htole32(cmd->cdw14);
	e->cdw15 = htole32(cmd->cdw15);
	q->sq_tail = (q->sq_tail + 1) % q->entries;
	return 0;
}

/* Queues @cmd on @q and rings the doorbell; sets cmd->cid. */
static int nvme_submit(struct nvme_ctrl *n, struct nvme_qpair *q, struct nvme_sqe *cmd)
{
	u32 tail = q->sq_tail;
	int r = nvme_queue(q, cmd);

	if (r)
		return r;
	/* The entry and any PRP list must be in memory before the doorbell. */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	r = wr32(n, q->sq_db, q->sq_tail);
	/* Not rung: the controller never saw the entry, so take it back. */
	if (r)
		q->sq_tail = tail;
	return r;
}

/*
 * Takes the next completion of @q, in CPU byte order, if the controller
 * posted one: 1, 0 when there is none, -errno when the CQ head doorbell
 * could not be written (the controller would run out of completion slots).
 */
static int nvme_reap(struct nvme_ctrl *n, struct nvme_qpair *q, struct nvme_cqe *out)
{
	struct nvme_cqe *e = &q->cq[q->cq_head];
	u16 status = le16toh(__atomic_load_n(&e->status, __ATOMIC_ACQUIRE));

	if (NVME_CQE_PHASE(status) != q->phase)
		return 0;
	out->dw0 = le32toh(e->dw0);
	out->dw1 = le32toh(e->dw1);
	out->sq_head = le16toh(e->sq_head);
	out->sq_id = le16toh(e->sq_id);
	out->cid = le16toh(e->cid);
	out->status = status;
	if (++q->cq_head == q->entries) {
		q->cq_head = 0;
		q->phase ^= 1;
	}
	q->sq_head = out->sq_head % q->entries;
	return wr32(n, q->cq_db, q->cq_head) ?: 1;
}

/*
 * Polls @q for the completion of command @cid. Completions of other
 * commands (one that timed out earlier) are dropped.
 */
static int nvme_poll(struct nvme_ctrl *n, struct nvme_qpair *q, u16 cid, int timeout_ms,
		     struct nvme_cqe *cqe)
{
	struct timespec t0;
	u32 csts;
	int r;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		while ((r = nvme_reap(n, q, cqe)) > 0) {
			if (cqe->cid == cid)
				return 0;
		}
		if (r)
			return r;
		csts = rd32(n, NVME_REG_CSTS);
		if (csts == ~0U)
			return -ENODEV;
		if (csts & NVME_CSTS_CFS)
			return -EIO;
		if (elapsed_ms(&t0) > timeout_ms)
			return -ETIMEDOUT;
		nap();
	}
}

/* Records the status of @cqe in d->last_error and turns it into an errno. */
static int nvme_status(struct nvme_ctrl *n, const struct nvme_cqe *cqe)
{
	u16 st = NVME_CQE_STATUS(cqe->status);

	n->d->last_error = st;
	switch (st) {
	case NVME_SC_SUCCESS:
		return 0;
	case NVME_SC_INVALID_FIELD:
		return -EINVAL;
	case NVME_SC_DATA_XFER_ERROR:
		return -EFAULT;
	default:
		return -EIO;
	}
}

static int nvme_admin(struct nvme_ctrl *n, struct nvme_sqe *cmd, u32 *result)
{
	struct nvme_cqe cqe;
	int r;

	r = nvme_submit(n, &n->admin, cmd);
	if (!r)
		r = nvme_poll(n, &n->admin, cmd->cid, n->timeout_ms, &cqe);
	if (r)
		return r;
	if (result)
		*result = cqe.dw0;
	return nvme_status(n, &cqe);
}

/* Identify @cns for @nsid into the window's identify page. */
static int nvme_identify(struct nvme_ctrl *n, u32 cns, u32 nsid)
{
	struct nvme_sqe cmd = {
		.opcode = NVME_ADMIN_IDENTIFY,
		.nsid = nsid,
		.prp1 = n->win_iova + WIN_IDENTIFY,
		.cdw10 = cns,
	};

	memset(n->win + WIN_IDENTIFY, 0, NVME_ID_SIZE);
	return nvme_admin(n, &cmd, NULL);
}

/* Reads CAP and resets the controller. */
static int nvme_reset(struct nvme_ctrl *n)
{
	u32 to;

	n->cap = rd64(n, NVME_REG_CAP);
	if (n->cap == ~0ULL)
		return -ENODEV;
	if (!NVME_CAP_CSS_NVM(n->cap))
		return -ENODEV;
	/* The driver's pages, queues and PRPs are 4 KiB: MPSMIN must allow it. */
	if (NVME_CAP_MPSMIN(n->cap) > NVME_PAGE_SHIFT - 12)
		return -EOPNOTSUPP;
	n->dstrd = NVME_CAP_DSTRD(n->cap);
	to = NVME_CAP_TO(n->cap) ? NVME_CAP_TO(n->cap) : 1;
	n->timeout_ms = (int)to * 500;
	if (n->timeout_ms < NVME_MIN_TIMEOUT_MS)
		n->timeout_ms = NVME_MIN_TIMEOUT_MS;
	return nvme_disable(n);
}

/* The admin queue, then CC.EN = 1 with 4 KiB pages and 64/16-byte entries. */
static int nvme_enable(struct nvme_ctrl *n)
{
	u32 cc = NVME_CC_CSS_NVM | NVME_CC_MPS(NVME_PAGE_SHIFT) | NVME_CC_AMS_RR |
		 NVME_CC_IOSQES(NVME_SQES_SHIFT) | NVME_CC_IOCQES(NVME_CQES_SHIFT);
	int r;

	nvme_qpair_init(n, &n->admin, 0, WIN_ASQ, WIN_ACQ, NVME_QUEUE_ENTRIES);
	r = wr32(n, NVME_REG_AQA, NVME_AQA(NVME_QUEUE_ENTRIES, NVME_QUEUE_ENTRIES)) ?:
	    wr64(n, NVME_REG_ASQ, n->admin.sq_iova) ?:
	    wr64(n, NVME_REG_ACQ, n->admin.cq_iova) ?:
	    wr32(n, NVME_REG_CC, cc);
	if (r)
		return r;
	n->enabled = true;
	r = wr32(n, NVME_REG_CC, cc | NVME_CC_EN) ?:
	    nvme_wait_csts(n, NVME_CSTS_RDY, NVME_CSTS_RDY);
	if (r)
		return r;
	/* Polled only: mask every pin-based vector (MSI-X is never enabled). */
	return wr32(n, NVME_REG_INTMS, ~0U);
}

/* One I/O completion queue and one submission queue, without interrupts. */
static int nvme_create_io_queues(struct nvme_ctrl *n)
{
	u32 entries = NVME_CAP_MQES(n->cap) + 1;
	struct nvme_sqe cmd;
	u32 result;
	int r;

	if (entries > NVME_QUEUE_ENTRIES)
		entries = NVME_QUEUE_ENTRIES;
	/* One of each (the counts are zero-based); lasts until the next reset. */
	cmd = (struct nvme_sqe){ .opcode = NVME_ADMIN_SET_FEATURES,
				 .cdw10 = NVME_FEAT_NUM_QUEUES };
	r = nvme_admin(n, &cmd, &result);
	if (r)
		return r;
	nvme_qpair_init(n, &n->io, NVME_IO_QID, WIN_IOSQ, WIN_IOCQ, entries);
	cmd = (struct nvme_sqe){ .opcode = NVME_ADMIN_CREATE_CQ, .prp1 = n->io.cq_iova,
				 .cdw10 = (entries - 1) << 16 | NVME_IO_QID,
				 .cdw11 = NVME_QUEUE_PHYS_CONTIG };
	r = nvme_admin(n, &cmd, NULL);
	if (r)
		return r;
	n->io_cq = true;
	cmd = (struct nvme_sqe){ .opcode = NVME_ADMIN_CREATE_SQ, .prp1 = n->io.sq_iova,
				 .cdw10 = (entries - 1) << 16 | NVME_IO_QID,
				 .cdw11 = (u32)NVME_IO_QID << 16 | NVME_QUEUE_PHYS_CONTIG };
	r = nvme_admin(n, &cmd, NULL);
	if (r)
		return r;
	n->io_sq = true;
	return 0;
}

/*
 * The first active namespace: from the active namespace list, or, where
 * that is not supported (NVMe 1.0), the first namespace with blocks.
 */
static int nvme_find_namespace(struct nvme_ctrl *n, u32 *nsid)
{
	u32 nn = get_le32(n->id_ctrl + NVME_ID_CTRL_NN);
	const u8 *id = n->win + WIN_IDENTIFY;
	int r;

	r = nvme_identify(n, NVME_ID_CNS_NS_ACTIVE, 0);
	if (!r) {
		*nsid = get_le32(id);
		return *nsid ? 0 : -ENODEV;
	}
	if (r != -EINVAL)
		return r;
	for (*nsid = 1; *nsid <= nn && *nsid <= 1024; (*nsid)++) {
		r = nvme_identify(n, NVME_ID_CNS_NS, *nsid);
		if (r && r != -EINVAL)
			return r;
		if (!r && get_le64(id + NVME_ID_NS_NSZE))
			return 0;
	}
	return -ENODEV;
}

/* Identify Namespace: the block size of the format in use, without metadata. */
static int nvme_namespace_setup(struct nvme_ctrl *n, u32 nsid)
{
	const u8 *id = n->win + WIN_IDENTIFY;
	u32 fmt, lbaf, lbads;
	int r;

	r = nvme_identify(n, NVME_ID_CNS_NS, nsid);
	if (r)
		return r;
	fmt = id[NVME_ID_NS_FLBAS] & 0xf;
	if (id[NVME_ID_NS_NLBAF] >= 16)
		fmt |= ((id[NVME_ID_NS_FLBAS] >> 5) & 0x3) << 4;
	lbaf = get_le32(id + NVME_ID_NS_LBAF + 4 * fmt);
	lbads = NVME_LBAF_LBADS(lbaf);
	/* Metadata (and so protection information) would change the data layout. */
	if (NVME_LBAF_MS(lbaf) || lbads < 9 || lbads > 16)
		return -EOPNOTSUPP;
	n->nsid = nsid;
	n->lba_size = 1U << lbads;
	n->nblocks = get_le64(id + NVME_ID_NS_NSZE);
	return n->nblocks ? 0 : -ENODEV;
}

/* max_transfer: 64 KiB, MDTS, the namespace size, whole blocks. */
static int nvme_limits(struct nvme_ctrl *n)
{
	u32 mdts = n->id_ctrl[NVME_ID_CTRL_MDTS];
	u64 max = NVME_MAX_TRANSFER;

	/* MDTS counts minimum memory pages (CAP.MPSMIN, 4 KiB here). */
	if (mdts && mdts < 32 && (u64)NVME_PAGE_SIZE << mdts < max)
		max = (u64)NVME_PAGE_SIZE << mdts;
	if (n->nblocks < max / n->lba_size)
		max = n->nblocks * n->lba_size;
	max -= max % n->lba_size;
	if (!max)
		return -EOPNOTSUPP;
	n->d->max_transfer = max;
	return 0;
}

static int nvme_setup(struct nvme_ctrl *n)
{
	u32 nsid;
	int r;

	r = nvme_identify(n, NVME_ID_CNS_CTRL, 0);
	if (r)
		return r;
	memcpy(n->id_ctrl, n->win + WIN_IDENTIFY, NVME_ID_SIZE);
	n->oncs = get_le16(n->id_ctrl + NVME_ID_CTRL_ONCS);
	r = nvme_create_io_queues(n);
	if (r)
		return r;
	r = nvme_find_namespace(n, &nsid);
	if (r)
		return r;
	r = nvme_namespace_setup(n, nsid);
	if (r)
		return r;
	return nvme_limits(n);
}

/* Undoes nvme_init() in reverse, whatever it got to; frees @n. */
static void nvme_teardown(struct nvme_ctrl *n)
{
	struct nvme_sqe cmd;

	if (n->enabled && !(rd32(n, NVME_REG_CSTS) & NVME_CSTS_CFS)) {
		if (n->io_sq) {
			cmd = (struct nvme_sqe){ .opcode = NVME_ADMIN_DELETE_SQ,
						 .cdw10 = NVME_IO_QID };
			nvme_admin(n, &cmd, NULL);
		}
		if (n->io_cq) {
			cmd = (struct nvme_sqe){ .opcode = NVME_ADMIN_DELETE_CQ,
						 .cdw10 = NVME_IO_QID };
			nvme_admin(n, &cmd, NULL);
		}
		nvme_shutdown(n);
	}
	/* Only a disabled controller no longer uses the window's memory. */
	if (n->enabled)
		nvme_disable(n);
	if (n->win_mapped)
		__container_unmap(n->c, n->win_iova, NVME_DRIVER_WINDOW, 0, NULL);
	if (n->win)
		munmap(n->win, NVME_DRIVER_WINDOW);
	free(n);
}

static bool nvme_probe(struct dma_dev *d)
{
	u32 class_rev;

	if (d->vdev->kind != DEVICE_PCI || __vfio_pci_init(&d->pci, d->vdev->fd))
		return false;
	if (!__vfio_pci_config_read(&d->pci, PCI_CLASS_REVISION, &class_rev, 4) &&
	    class_rev >> 8 == NVME_PCI_CLASS)
		return true;
	vfio_pci_cleanup(&d->pci);
	return false;
}

static int nvme_init(struct dma_dev *d)
{
	u64 host_page = host_page_size();
	struct nvme_ctrl *n;
	void *win;
	int r;

	/* No memory of its own, no DMA: leave the controller alone. */
	if (!d->c)
		return -ENODEV;
	if (d->priv_iova % NVME_PAGE_SIZE || d->priv_iova % host_page ||
	    NVME_DRIVER_WINDOW % host_page)
		return -EINVAL;
	n = calloc(1, sizeof(*n));
	if (!n)
		return -ENOMEM;
	n->d = d;
	n->c = d->c;
	n->win_iova = d->priv_iova;

	r = __vfio_pci_enable_bus_master(&d->pci);
	if (!r)
		r = nvme_reset(n);
	if (r)
		goto fail;
	win = mmap(NULL, NVME_DRIVER_WINDOW, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	if (win == MAP_FAILED) {
		r = -errno;
		goto fail;
	}
	n->win = win;
	r = __container_map(n->c, n->win_iova, n->win, NVME_DRIVER_WINDOW,
			    VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE);
	if (r)
		goto fail;
	n->win_mapped = true;
	r = nvme_enable(n);
	if (!r)
		r = nvme_setup(n);
	if (r)
		goto fail;
	n->destructive = getenv(NVME_DESTRUCTIVE_ENV) &&
			 !strcmp(getenv(NVME_DESTRUCTIVE_ENV), "1");
	d->round_trip = n->destructive;
	d->priv = n;
	return 0;
fail:
	nvme_teardown(n);
	return r;
}

static void nvme_remove(struct dma_dev *d)
{
	struct nvme_ctrl *n = nvme_of(d);

	if (n) {
		d->priv = NULL;
		nvme_teardown(n);
	}
	vfio_pci_cleanup(&d->pci);
}

/* PRP1, PRP2 and, past two pages, a PRP list in the window for @len bytes at @iova. */
static void nvme_set_prps(struct nvme_ctrl *n, struct nvme_sqe *cmd, u64 iova, u64 len)
{
	u64 page = iova & ~(u64)(NVME_PAGE_SIZE - 1);
	u64 npages = (iova - page + len + NVME_PAGE_SIZE - 1) >> NVME_PAGE_SHIFT;
	u64 *list = (u64 *)(n->win + WIN_PRP_LIST);
	u64 i;

	cmd->prp1 = iova;
	if (npages == 2) {
		cmd->prp2 = page + NVME_PAGE_SIZE;
	} else if (npages > 2) {
		for (i = 1; i < npages; i++)
			list[i - 1] = htole64(page + i * NVME_PAGE_SIZE);
		cmd->prp2 = n->win_iova + WIN_PRP_LIST;
	}
}

/*
 * Starts @opcode on the namespace's first len / lba_size blocks, data at
 * @iova; with @bell, rings the SQ doorbell only there instead (the caller
 * writes it).
 */
static int nvme_start(struct nvme_ctrl *n, u8 opcode, u64 iova, u64 len,
		      struct dma_reg_write *bell)
{
	struct nvme_sqe cmd = { .opcode = opcode, .nsid = n->nsid };
	int r;

	if (n->busy)
		return -EBUSY;
	if (len > n->d->max_transfer)
		return -E2BIG;
	/* PRP1 may start anywhere in a page, but on a dword. */
	if (!len || len % n->lba_size || iova % 4)
		return -EINVAL;
	nvme_set_prps(n, &cmd, iova, len);
	cmd.cdw12 = (u32)(len / n->lba_size - 1);	/* SLBA (CDW10/11) 0 */
	if (bell) {
		r = nvme_queue(&n->io, &cmd);
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		if (!r)
			dma_reg_write_bar(bell, &n->d->pci, 0, n->io.sq_db, 4, n->io.sq_tail);
	} else {
		r = nvme_submit(n, &n->io, &cmd);
	}
	if (r)
		return r;
	n->busy = true;
	n->busy_cid = cmd.cid;
	n->busy_opcode = opcode;
	return 0;
}

static int nvme_dma_to_mem(struct dma_dev *d, u64 iova, u64 len)
{
	struct nvme_ctrl *n = nvme_of(d);

	return n ? nvme_start(n, NVME_CMD_READ, iova, len, NULL) : -ENODEV;
}

/*
 * What dma_from_mem() does: a WRITE on a scratch disk; otherwise a
 * COMPARE, which reads host memory just the same but leaves the medium
 * alone; -EOPNOTSUPP where the controller has no COMPARE (an absent
 * feature: the caller SKIPs with nvme_compare).
 */
static int nvme_from_mem_opcode(struct nvme_ctrl *n)
{
	if (n->destructive)
		return NVME_CMD_WRITE;
	if (!(n->oncs & NVME_ONCS_COMPARE))
		return -EOPNOTSUPP;
	return NVME_CMD_COMPARE;
}

static int nvme_dma_from_mem(struct dma_dev *d, u64 iova, u64 len)
{
	struct nvme_ctrl *n = nvme_of(d);
	int op;

	if (!n)
		return -ENODEV;
	op = nvme_from_mem_opcode(n);
	return op < 0 ? op : nvme_start(n, (u8)op, iova, len, NULL);
}

/*
 * The command dma_to_mem() or dma_from_mem() would start, queued; the one
 * write left is the SQ tail doorbell.
 */
static int nvme_prepare(struct dma_dev *d, bool to_mem, u64 iova, u64 len,
			struct dma_reg_write *w)
{
	struct nvme_ctrl *n = nvme_of(d);
	int op, r;

	if (!n)
		return -ENODEV;
	op = to_mem ? NVME_CMD_READ : nvme_from_mem_opcode(n);
	if (op < 0)
		return op;
	r = nvme_start(n, (u8)op, iova, len, w);
	return r ? r : 1;
}

/*
 * Waits for the I/O command in flight. A COMPARE that found a difference
 * still read all of host memory: that is a success here. d->last_error
 * holds the command's NVMe status (SCT << 8 | SC).
 */
static int nvme_wait(struct dma_dev *d, int timeout_ms)
{
	struct nvme_ctrl *n = nvme_of(d);
	struct nvme_cqe cqe;
	int r;

	if (!n)
		return -ENODEV;
	if (!n->busy)
		return 0;
	r = nvme_poll(n, &n->io, n->busy_cid, timeout_ms, &cqe);
	if (r == -ETIMEDOUT)
		return r;
	n->busy = false;
	if (r)
		return r;
	r = nvme_status(n, &cqe);
	if (n->busy_opcode == NVME_CMD_COMPARE &&
	    NVME_CQE_STATUS(cqe.status) == NVME_SC_COMPARE_FAILED)
		r = 0;
	return r;
}

static int nvme_expected(struct dma_dev *d, void *buf, u64 len, int timeout_ms)
{
	struct nvme_ctrl *n = nvme_of(d);
	int r;

	if (!n)
		return -ENODEV;
	r = nvme_start(n, NVME_CMD_READ, n->win_iova + WIN_BOUNCE, len, NULL);
	if (!r)
		r = nvme_wait(d, timeout_ms);
	if (!r)
		memcpy(buf, n->win + WIN_BOUNCE, len);
	return r;
}

const struct dma_driver_ops nvme_driver_ops = {
	.name = "nvme",
	.probe = nvme_probe,
	.init = nvme_init,
	.remove = nvme_remove,
	.dma_from_mem = nvme_dma_from_mem,
	.dma_to_mem = nvme_dma_to_mem,
	.wait = nvme_wait,
	.expected = nvme_expected,
	.prepare = nvme_prepare,
	.max_transfer = NVME_MAX_TRANSFER,	/* the most; each device's own after init */
	.dma_limit = 0,				/* any IOVA: NVMe addresses 64 bits */
};
