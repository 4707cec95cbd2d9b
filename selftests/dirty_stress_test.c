// SPDX-License-Identifier: GPL-2.0-only
/*
 * Nothing is lost under concurrency (DP-ARG-23: START/STOP/GET serialise
 * with MAP, UNMAP, pin, unpin and dma_rw under iommu->lock). For a bounded
 * time (VFIO_DIRTY_STRESS_SECONDS, default 10), per device (the first and
 * second PCI device, and the test mdev):
 *  - a writer has the device write memory, its commands submitted through
 *    io_uring writes to the device fd, into a stable mapping and into one
 *    that comes and goes;
 *  - a reader GETs the stable mapping's bitmap in a loop;
 *  - a mapper maps the other mapping and unmaps it with the bitmap.
 * Invariant: every page the device wrote is named by a report (GET or
 * unmap) that began after the write completed, and the pinned count and
 * locked_vm are back to their baseline at the end.
 *
 * Test mdev (emulated container): batches of commands (command array,
 * doorbell and result read, linked) write single bytes with vfio_dma_rw()
 * and pin/unpin a page; no page is reported that was never dirtied.
 *
 * PCI device (IOMMU-backed: every page of every mapping is dirty on every
 * GET, DP-BIT-09, DP-SCOPE-08): the register writes that start a transfer
 * (edu's DMA registers, NVMe's SQ doorbell) go through io_uring; every
 * report names every page of its mapping; the data lands exactly (checked
 * by the CPU after each transfer); a transfer aimed at the mapping that
 * comes and goes lands whole while it stays mapped and touches no memory
 * while it stays unmapped (canaries, DP-UNM-18).
 */
#include <liburing.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <time.h>

#include "vfio_dirty_test.h"
#include "dma_driver.h"

/* Below edu's 28-bit DMA limit. */
#define STABLE_IOVA	(16ULL << 20)
#define CHURN_IOVA	(32ULL << 20)
#define PRIV_IOVA	(64ULL << 20)	/* the DMA driver's own memory (NVMe queues) */
#define STABLE_PAGES	256
#define CHURN_PAGES	64
#define BATCH		32
#define NPAGES		(STABLE_PAGES + CHURN_PAGES)
/* PCI: the round trip's source, then destinations up to 4 pages long. */
#define SRC_PAGES	4
#define XFER_PAGES	4
#define CANARY		0x5a
#define TIMEOUT_MS	5000

/* The mapper's cycle: churn_state counts the steps, the step is its remainder. */
enum churn_step {
	CHURN_CLEAN,		/* unmapped, all canary */
	CHURN_MAPPING,		/* in VFIO_IOMMU_MAP_DMA */
	CHURN_MAPPED,
	CHURN_UNMAPPING,	/* in VFIO_IOMMU_UNMAP_DMA */
	CHURN_REFILL,		/* unmapped, being refilled with canary */
	CHURN_STATES
};

struct page_log {
	_Atomic u64 written;	/* sequence just before the last write was submitted */
	_Atomic u64 reported;	/* sequence at which the last report naming it ended */
};

struct stress {
	struct dirty_env *env;
	struct vdm *vdm;
	struct dma_dev *dma;
	struct backing *mem;
	u64 pg;
	bool all_dirty;		/* IOMMU-backed: every report names every page */
	_Atomic u64 seq;
	atomic_bool stop;
	atomic_bool churn_mapped;
	/* Where the mapping that comes and goes is, modulo CHURN_STATES. */
	_Atomic u64 churn_state;
	struct page_log log[NPAGES];
	u64 batches, writes, churn_writes, failed_writes, gets, unmaps;
	/* PCI */
	u8 *expected;		/* what the next transfer to memory writes */
	u64 len;
	u64 dmas, churn_landed, churn_blocked, churn_racing;
	_Atomic u64 bad_reports;	/* reader and mapper */
	atomic_int error;	/* first unexpected errno, 0 if none */
	char why[320];		/* what went wrong first */
};

static u64 next_seq(struct stress *s)
{
	return atomic_fetch_add(&s->seq, 1) + 1;
}

/* Page index in the log: stable pages first, then the churn mapping's. */
static u64 iova_of(struct stress *s, u64 page)
{
	return page < STABLE_PAGES ? STABLE_IOVA + page * s->pg :
				     CHURN_IOVA + (page - STABLE_PAGES) * s->pg;
}

static u8 *mem_of(struct stress *s, u64 page)
{
	return (u8 *)s->mem->addr + page * s->pg;
}

static void record_error(struct stress *s, int err)
{
	int none = 0;

	atomic_compare_exchange_strong(&s->error, &none, err);
	atomic_store(&s->stop, true);
}

/* Records the first thing that went wrong, in words, and stops the run. */
static void record_failure(struct stress *s, const char *fmt, ...)
{
	int none = 0;
	va_list ap;

	if (atomic_compare_exchange_strong(&s->error, &none, EBADMSG)) {
		va_start(ap, fmt);
		vsnprintf(s->why, sizeof(s->why), fmt, ap);
		va_end(ap);
	}
	atomic_store(&s->stop, true);
}

static void *vdm_writer(void *arg)
{
	struct stress *s = arg;
	struct vdm_cmd cmds[BATCH];
	u32 bell = BATCH;
	struct io_uring ring;
	unsigned int seed = 1;
	u64 page[BATCH];
	int i, r;

	r = io_uring_queue_init(8, &ring, 0);
	if (r) {
		record_error(s, -r);
		return NULL;
	}
	while (!atomic_load(&s->stop)) {
		struct io_uring_sqe *sqe;
		struct io_uring_cqe *cqe;
		bool churn = atomic_load(&s->churn_mapped);
		u64 submitted;

		memset(cmds, 0, sizeof(cmds));
		for (i = 0; i < BATCH; i++) {
			u64 range = churn ? NPAGES : STABLE_PAGES;

			page[i] = rand_r(&seed) % range;
			cmds[i].iova = iova_of(s, page[i]) + rand_r(&seed) % s->pg;
			if (i == BATCH - 2 && page[i] < STABLE_PAGES) {
				cmds[i].op = VDM_OP_PIN;	/* DP-BIT-03 */
				cmds[i].iova &= ~(s->pg - 1);
				cmds[i].prot = VDM_PROT_READ;
				cmds[i].count = 1;
				cmds[i + 1] = cmds[i];
				cmds[i + 1].op = VDM_OP_UNPIN;	/* DP-BIT-04 */
				page[i + 1] = page[i];
				i++;
				continue;
			}
			cmds[i].op = VDM_OP_DMA_WRITE;
			cmds[i].count = 1;
			cmds[i].pattern = (u8)i;
		}
		sqe = io_uring_get_sqe(&ring);
		io_uring_prep_write(sqe, s->vdm->fd, cmds, sizeof(cmds),
				    s->vdm->base + VDM_CMD_BASE);
		sqe->flags |= IOSQE_IO_LINK;
		sqe = io_uring_get_sqe(&ring);
		io_uring_prep_write(sqe, s->vdm->fd, &bell, sizeof(bell),
				    s->vdm->base + VDM_REG_DOORBELL);
		sqe->flags |= IOSQE_IO_LINK;
		sqe = io_uring_get_sqe(&ring);
		io_uring_prep_read(sqe, s->vdm->fd, cmds, sizeof(cmds),
				   s->vdm->base + VDM_CMD_BASE);
		submitted = next_seq(s);
		r = io_uring_submit_and_wait(&ring, 3);
		if (r < 0) {
			record_error(s, -r);
			break;
		}
		for (i = 0; i < 3; i++) {
			if (io_uring_wait_cqe(&ring, &cqe)) {
				record_error(s, EIO);
				break;
			}
			if (cqe->res < 0)
				record_error(s, -cqe->res);
			io_uring_cqe_seen(&ring, cqe);
		}
		if (atomic_load(&s->error))
			break;
		/* Every command that succeeded marked its page after `submitted`. */
		for (i = 0; i < BATCH; i++) {
			bool ok = cmds[i].op == VDM_OP_DMA_WRITE ? cmds[i].result == 0 :
							       cmds[i].result >= 0;

			if (ok) {
				atomic_store(&s->log[page[i]].written, submitted);
				s->writes++;
				s->churn_writes += page[i] >= STABLE_PAGES;
			} else if (page[i] >= STABLE_PAGES && cmds[i].result == -EINVAL) {
				s->failed_writes++;	/* the churn mapping was gone */
			} else {
				record_error(s, (int)-cmds[i].result);
			}
		}
		s->batches++;
	}
	io_uring_queue_exit(&ring);
	return NULL;
}

/*
 * Records a report of @bitmap (pages from @first) that began (PCI) or
 * ended (test mdev) at @seq; IOMMU-backed, it must name every page.
 */
static void record_report(struct stress *s, const u64 *bitmap, u64 first, u64 n, u64 seq,
			  const char *what)
{
	u64 i, named = 0;

	for (i = 0; i < n; i++) {
		if (bitmap_test_bit(bitmap, i)) {
			atomic_store(&s->log[first + i].reported, seq);
			named++;
		}
	}
	/* DP-BIT-09 (GET), DP-UNM-18 (unmap): all dirty, every time. */
	if (s->all_dirty && named != n && !s->bad_reports++)
		record_failure(s, "%s named %llu of %llu pages (DP-BIT-09)", what,
			       (unsigned long long)named, (unsigned long long)n);
}

static void *reader(void *arg)
{
	struct stress *s = arg;
	u64 bitmap[STABLE_PAGES / 64], begin;
	int r;

	while (!atomic_load(&s->stop)) {
		memset(bitmap, 0, sizeof(bitmap));
		begin = next_seq(s);
		r = __container_dirty_get(&s->env->c, STABLE_IOVA, STABLE_PAGES * s->pg, s->pg,
					  bitmap, sizeof(bitmap));
		if (r) {
			record_error(s, -r);
			break;
		}
		record_report(s, bitmap, 0, STABLE_PAGES, s->all_dirty ? begin : next_seq(s),
			      "GET");
		s->gets++;
	}
	return NULL;
}

static void *mapper(void *arg)
{
	struct stress *s = arg;
	u64 bitmap[CHURN_PAGES / 64], begin;
	u8 *mem = mem_of(s, STABLE_PAGES);
	struct timespec nap = { .tv_nsec = 5000000 }, doze = { .tv_nsec = 300000000 };
	u64 cycle;
	int r;

	for (cycle = 0; !atomic_load(&s->stop); cycle++) {
		atomic_fetch_add(&s->churn_state, 1);		/* CHURN_MAPPING */
		r = __container_map(&s->env->c, CHURN_IOVA, mem, CHURN_PAGES * s->pg,
				    VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE);
		if (r) {
			record_error(s, -r);
			break;
		}
		atomic_fetch_add(&s->churn_state, 1);		/* CHURN_MAPPED */
		atomic_store(&s->churn_mapped, true);
		/*
		 * A PCI device's transfer takes long (edu: 100 ms): now and then
		 * stay mapped, or unmapped, long enough for one to fit.
		 */
		nanosleep(s->all_dirty && cycle % 4 == 1 ? &doze : &nap, NULL);
		atomic_store(&s->churn_mapped, false);
		atomic_fetch_add(&s->churn_state, 1);		/* CHURN_UNMAPPING */
		memset(bitmap, 0, sizeof(bitmap));
		begin = next_seq(s);
		r = __container_unmap_dirty(&s->env->c, CHURN_IOVA, CHURN_PAGES * s->pg, s->pg,
					    bitmap, sizeof(bitmap), NULL);
		if (r) {
			record_error(s, -r);
			break;
		}
		atomic_fetch_add(&s->churn_state, 1);		/* CHURN_REFILL */
		record_report(s, bitmap, STABLE_PAGES, CHURN_PAGES,
			      s->all_dirty ? begin : next_seq(s), "unmap-with-bitmap");
		memset(mem, CANARY, CHURN_PAGES * s->pg);
		atomic_fetch_add(&s->churn_state, 1);		/* CHURN_CLEAN */
		s->unmaps++;
		if (s->all_dirty && cycle % 4 == 3)
			nanosleep(&doze, NULL);
	}
	return NULL;
}

/*
 * Makes the writes that start a transfer through io_uring: linked, so they
 * reach the device one after the other, in order.
 */
static int ring_writes(struct io_uring *ring, int fd, const struct dma_reg_write *w, int n)
{
	struct io_uring_sqe *sqe;
	struct io_uring_cqe *cqe;
	int i, r, err = 0;

	for (i = 0; i < n; i++) {
		sqe = io_uring_get_sqe(ring);
		if (!sqe)
			return -EBUSY;
		io_uring_prep_write(sqe, fd, w[i].data, w[i].size, w[i].offset);
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

/* One transfer, its register writes through io_uring: 0 or what wait() said. */
static int pci_transfer(struct stress *s, struct io_uring *ring, bool to_mem, u64 iova)
{
	struct dma_reg_write w[DMA_DEV_MAX_WRITES];
	int n, r;

	n = __dma_dev_prepare(s->dma, to_mem, iova, s->len, w);
	if (n < 0)
		return n;
	r = ring_writes(ring, s->dma->vdev->fd, w, n);
	if (r) {
		record_error(s, -r);
		return r;
	}
	return s->dma->ops->wait(s->dma, TIMEOUT_MS);
}

/*
 * A round trip sets what the device writes next: a pattern of this
 * transfer's own, read from the source pages. Otherwise (NVMe without
 * destructive writes) the device writes its blocks, s->expected already.
 */
static int pci_load(struct stress *s, struct io_uring *ring, u64 op)
{
	u64 i;
	int r;

	if (!s->dma->round_trip)
		return 0;
	for (i = 0; i < s->len; i++)
		s->expected[i] = (u8)(op * 13 + i * 7 + 1);
	memcpy(mem_of(s, 0), s->expected, s->len);
	r = pci_transfer(s, ring, false, STABLE_IOVA);
	if (r && !atomic_load(&s->error))
		record_failure(s, "transfer %llu from memory: %s", (unsigned long long)op,
			       strerror(-r));
	return r;
}

/* The pages @len bytes at @off from log page @first span were written before @seq. */
static void log_written(struct stress *s, u64 first, u64 off, u64 len, u64 seq)
{
	u64 p;

	for (p = first + off / s->pg; p <= first + (off + len - 1) / s->pg; p++)
		atomic_store(&s->log[p].written, seq);
}

/*
 * The s->len bytes at @off of @page hold s->expected and the rest of the
 * pages they span canary; with @maybe, each byte is either (a transfer
 * that raced a map or an unmap).
 */
static bool landed(struct stress *s, u8 *page, u64 off, bool maybe)
{
	u64 span = (off + s->len + s->pg - 1) / s->pg * s->pg, i;

	if (!mem_is(page, CANARY, off) ||
	    !mem_is(page + off + s->len, CANARY, span - off - s->len))
		return false;
	if (!maybe)
		return !memcmp(page + off, s->expected, s->len);
	for (i = 0; i < s->len; i++) {
		if (page[off + i] != CANARY && page[off + i] != s->expected[i])
			return false;
	}
	return true;
}

/*
 * Why landed(@page, @off) said no: the first byte that is neither what it
 * should be, with what was there, the transfer's data and the canary.
 */
static void mismatch(struct stress *s, u64 op, const char *where, const u8 *page, u64 off)
{
	u64 span = (off + s->len + s->pg - 1) / s->pg * s->pg, i;
	u8 want = 0;	/* i == span: landed() saw a difference this loop cannot */

	for (i = 0; i < span; i++) {
		want = i >= off && i < off + s->len ? s->expected[i - off] : CANARY;
		if (page[i] != want)
			break;
	}
	record_failure(s, "transfer %llu %s (%llu bytes at offset %llu): byte %llu of the pages is 0x%02x, want 0x%02x (%s)",
		       (unsigned long long)op, where, (unsigned long long)s->len,
		       (unsigned long long)off, (unsigned long long)i, i < span ? page[i] : 0,
		       i < span ? want : 0, i < off || i >= off + s->len ? "canary" : "its data");
}

/* Into the stable mapping: must land, exactly there. */
static void pci_stable(struct stress *s, struct io_uring *ring, u64 op, u64 page, u64 off)
{
	u8 *at = mem_of(s, page);
	int r;

	r = pci_transfer(s, ring, true, iova_of(s, page) + off);
	if (r && !atomic_load(&s->error))
		record_failure(s, "transfer %llu to IOVA 0x%llx: %s", (unsigned long long)op,
			       (unsigned long long)(iova_of(s, page) + off), strerror(-r));
	if (r)
		return;
	log_written(s, page, off, s->len, next_seq(s));
	if (!landed(s, at, off, false))
		mismatch(s, op, "into the stable mapping", at, off);
	memset(at + off, CANARY, s->len);
}

/* Names what a transfer @r to @dst of the unmapped mapping left in its memory. */
static void stray(struct stress *s, u64 op, int r, u64 dst, u64 state)
{
	const u8 *m = mem_of(s, STABLE_PAGES);
	u64 i, n = 0, first = 0, as_data = 0;

	for (i = 0; i < CHURN_PAGES * s->pg; i++) {
		if (m[i] == CANARY)
			continue;
		if (!n++)
			first = i;
		if (i >= dst && i < dst + s->len && m[i] == s->expected[i - dst])
			as_data++;
	}
	record_failure(s, "transfer %llu (r %d, state %llu) to offset %llu of the unmapped mapping: %llu bytes from offset %llu not canary, %llu of them its data",
		       (unsigned long long)op, r, (unsigned long long)state,
		       (unsigned long long)dst, (unsigned long long)n,
		       (unsigned long long)first, (unsigned long long)as_data);
}

/*
 * Into the mapping that comes and goes (DP-UNM-18), from churn_state
 * @before (CHURN_CLEAN or CHURN_MAPPED): mapped all along, it lands like any other; unmapped
 * all along, it touches no memory (the device may report a transfer
 * error); racing a MAP or an UNMAP, whatever landed is the data, in its
 * place.
 */
static void pci_churn(struct stress *s, struct io_uring *ring, u64 op, u64 page, u64 off,
		      u64 before)
{
	u64 after, done;
	u8 *at = mem_of(s, STABLE_PAGES + page);
	bool exact, clean;
	int r;

	r = pci_transfer(s, ring, true, CHURN_IOVA + page * s->pg + off);
	done = next_seq(s);
	/*
	 * Judge the memory before reading the state: once the mapper moves on
	 * it refills the memory with canary, and only a state that did not
	 * change vouches for what was read before it.
	 */
	exact = !r && landed(s, at, off, false);
	clean = mem_is(mem_of(s, STABLE_PAGES), CANARY, CHURN_PAGES * s->pg);
	atomic_thread_fence(memory_order_seq_cst);
	after = atomic_load(&s->churn_state);
	if (atomic_load(&s->error))
		return;
	if (before == after && before % CHURN_STATES == CHURN_MAPPED) {
		if (r)
			record_failure(s, "transfer %llu into the mapping: %s",
				       (unsigned long long)op, strerror(-r));
		else if (!exact)
			mismatch(s, op, "into the mapping that stayed mapped", at, off);
		log_written(s, STABLE_PAGES + page, off, s->len, done);
		s->churn_landed++;
	} else if (r && r != -EFAULT && r != -EIO) {
		record_failure(s, "transfer %llu near an unmap: %s", (unsigned long long)op,
			       strerror(-r));
	} else if (before == after) {
		if (!clean)
			stray(s, op, r, page * s->pg + off, before);
		s->churn_blocked++;
	} else {
		if (!landed(s, at, off, true))
			record_failure(s, "transfer %llu racing an unmap: stray bytes",
				       (unsigned long long)op);
		s->churn_racing++;
	}
	/* The mapper may be refilling too: canary either way. */
	memset(at + off, CANARY, s->len);
}

/*
 * One transfer in three goes to the mapping that comes and goes, when it
 * is mapped, or unmapped and clean.
 */
static void *pci_writer(void *arg)
{
	struct stress *s = arg;
	unsigned int seed = 1;
	struct io_uring ring;
	u64 op, page, off, state;
	int r;

	r = io_uring_queue_init(8, &ring, 0);
	if (r) {
		record_error(s, -r);
		return NULL;
	}
	for (op = 1; !atomic_load(&s->stop); op++) {
		if (pci_load(s, &ring, op))
			break;
		/* 4-byte aligned, NVMe's PRP rule; XFER_PAGES + 1 pages at most. */
		off = (rand_r(&seed) % 8) * (s->pg / 8);
		state = atomic_load(&s->churn_state);
		if (op % 3 == 0 && (state % CHURN_STATES == CHURN_CLEAN ||
				    state % CHURN_STATES == CHURN_MAPPED)) {
			page = rand_r(&seed) % (CHURN_PAGES - XFER_PAGES);
			pci_churn(s, &ring, op, page, off, state);
		} else {
			page = SRC_PAGES + rand_r(&seed) % (STABLE_PAGES - SRC_PAGES - XFER_PAGES);
			pci_stable(s, &ring, op, page, off);
		}
		s->dmas++;
	}
	io_uring_queue_exit(&ring);
	return NULL;
}

FIXTURE(stress) {
	struct dirty_env env;
	struct vdm vdm;
	struct dma_dev dma;
	struct backing mem;
	long locked;
	struct stress *s;
};

FIXTURE_VARIANT(stress) {
	enum device_kind kind;
	int nth;
};

/* The first and the second PCI device, and the test mdev. */
FIXTURE_VARIANT_ADD(stress, pci0) { .kind = DEVICE_PCI };
FIXTURE_VARIANT_ADD(stress, pci1) { .kind = DEVICE_PCI, .nth = 1 };
FIXTURE_VARIANT_ADD(stress, mdev) { .kind = DEVICE_MDEV };

FIXTURE_SETUP(stress)
{
	int r;

	self->locked = proc_status_kb("VmLck");
	if (variant->kind == DEVICE_MDEV) {
		VDM_SETUP_OR_SKIP(&self->env, &self->vdm, VFIO_TYPE1v2_IOMMU);
	} else {
		ENV_SETUP_NTH_OR_SKIP(&self->env, DEVICE_PCI, variant->nth, VFIO_TYPE1v2_IOMMU);
		r = __dma_dev_init(&self->dma, &self->env.dev, &self->env.c, PRIV_IOVA);
		if (r == -ENODEV)
			SKIP(return, "%s: no DMA driver for this device", self->env.dev.name);
		ASSERT_EQ(0, r);
		if (!self->dma.ops->prepare)
			SKIP(return, "%s: its driver cannot hand out its register writes",
			     self->dma.ops->name);
	}
	ASSERT_NE(0, self->env.pgsize) TH_LOG("no migration capability (DP-CAP-01)");
	/* the stable mapping must end below CHURN_IOVA at any page size */
	ASSERT_GE(CHURN_IOVA - STABLE_IOVA, STABLE_PAGES * self->env.pgsize);
	BACKING_ALLOC_OR_SKIP(&self->mem, BACKING_ANON, NPAGES * self->env.pgsize);
	self->s = calloc(1, sizeof(*self->s));
	ASSERT_NE(NULL, self->s);
}

FIXTURE_TEARDOWN(stress)
{
	dma_dev_remove(&self->dma);
	env_teardown(&self->env);
	EXPECT_EQ(self->locked, proc_status_kb("VmLck"));
	backing_free(&self->mem);
	if (self->s)
		free(self->s->expected);
	free(self->s);
}

/* PCI: the transfer length, and what the device writes when it is no copy. */
static int pci_stress_init(struct stress *s, struct dma_dev *d)
{
	s->dma = d;
	s->all_dirty = true;
	s->len = d->max_transfer < XFER_PAGES * s->pg ? d->max_transfer : XFER_PAGES * s->pg;
	s->expected = malloc(s->len);
	if (!s->expected)
		return -ENOMEM;
	if (d->ops->dma_limit && CHURN_IOVA + CHURN_PAGES * s->pg > d->ops->dma_limit)
		return -ERANGE;
	if (d->round_trip)
		return 0;
	if (!d->ops->expected)
		return -EOPNOTSUPP;
	return d->ops->expected(d, s->expected, s->len, TIMEOUT_MS);
}

TEST_F_TIMEOUT(stress, arg23_nothing_lost_under_concurrency, 600)
{
	const char *env = getenv("VFIO_DIRTY_STRESS_SECONDS");
	int seconds = env ? atoi(env) : 10;
	struct stress *s = self->s;
	pthread_t tw, tr, tm;
	u64 bitmap[STABLE_PAGES / 64] = { 0 }, p, lost = 0, extra = 0;

	s->env = &self->env;
	s->vdm = &self->vdm;
	s->mem = &self->mem;
	s->pg = self->env.pgsize;
	memset(self->mem.addr, CANARY, NPAGES * s->pg);
	if (variant->kind == DEVICE_PCI)
		ASSERT_EQ(0, pci_stress_init(s, &self->dma));
	container_map(&self->env.c, STABLE_IOVA, self->mem.addr, STABLE_PAGES * s->pg);
	container_dirty_start(&self->env.c);

	ASSERT_EQ(0, pthread_create(&tw, NULL, s->dma ? pci_writer : vdm_writer, s));
	ASSERT_EQ(0, pthread_create(&tr, NULL, reader, s));
	ASSERT_EQ(0, pthread_create(&tm, NULL, mapper, s));
	sleep(seconds > 0 ? seconds : 1);
	atomic_store(&s->stop, true);
	pthread_join(tw, NULL);
	pthread_join(tr, NULL);
	pthread_join(tm, NULL);
	EXPECT_EQ(0, atomic_load(&s->error))
		TH_LOG("first error: %s", s->why[0] ? s->why : strerror(atomic_load(&s->error)));

	/* A last GET after every write completed. */
	container_dirty_get(&self->env.c, STABLE_IOVA, STABLE_PAGES * s->pg, s->pg, bitmap,
			    sizeof(bitmap));
	record_report(s, bitmap, 0, STABLE_PAGES, next_seq(s), "the last GET");

	for (p = 0; p < NPAGES; p++) {
		u64 w = atomic_load(&s->log[p].written), r = atomic_load(&s->log[p].reported);

		if (w && r < w) {
			if (!lost++)
				TH_LOG("page %llu written after %llu, last reported at %llu",
				       (unsigned long long)p, (unsigned long long)w,
				       (unsigned long long)r);
		}
		if (!w && r)
			extra++;
	}
	EXPECT_EQ(0, lost);
	EXPECT_LT(0, s->gets);
	EXPECT_LT(0, s->unmaps);
	if (variant->kind == DEVICE_PCI) {
		TH_LOG("%s, %d s: %llu transfers through io_uring, %llu GETs, %llu map+unmap-with-bitmap",
		       self->dma.ops->name, seconds, (unsigned long long)s->dmas,
		       (unsigned long long)s->gets, (unsigned long long)s->unmaps);
		TH_LOG("into the mapping that comes and goes: %llu landed, %llu blocked, %llu racing",
		       (unsigned long long)s->churn_landed, (unsigned long long)s->churn_blocked,
		       (unsigned long long)s->churn_racing);
		EXPECT_EQ(0, s->bad_reports);
		EXPECT_LT(0, s->dmas);
		/* Nothing landed anywhere else: every transfer's bytes were put back. */
		EXPECT_TRUE(mem_is(mem_of(s, SRC_PAGES), CANARY, (NPAGES - SRC_PAGES) * s->pg));
		return;
	}
	TH_LOG("%d s: %llu batches, %llu writes and pins (%llu into the mapping that comes and goes, %llu refused while it was gone), %llu GETs, %llu map+unmap-with-bitmap",
	       seconds, (unsigned long long)s->batches,
	       (unsigned long long)s->writes, (unsigned long long)s->churn_writes,
	       (unsigned long long)s->failed_writes,
	       (unsigned long long)s->gets, (unsigned long long)s->unmaps);
	EXPECT_EQ(0, extra);
	EXPECT_LT(0, s->batches);
	EXPECT_EQ(0, vdm_reg(&self->vdm, VDM_REG_PINNED));
}

VFIO_DIRTY_MAIN("dirty_stress_test: for VFIO_DIRTY_STRESS_SECONDS (default 10), per device, one\n"
		"thread has the device write memory through commands submitted with io_uring\n"
		"(test mdev: vfio_dma_rw writes, pin and unpin; edu, NVMe: the register writes\n"
		"that start a DMA), one GETs the bitmap, one maps and unmaps-with-bitmap a second\n"
		"mapping; every write must show up in a report after it (DP-ARG-23), IOMMU-backed\n"
		"every report names every page (DP-BIT-09) and the data lands exactly or, unmapped,\n"
		"nowhere; the pinned count and locked_vm return to their baseline.")
