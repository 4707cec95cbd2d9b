// SPDX-License-Identifier: GPL-2.0-only
/*
 * Nothing is lost under concurrency (DP-ARG-23: START/STOP/GET serialise
 * with MAP, UNMAP, pin, unpin and dma_rw under iommu->lock). For a bounded
 * time (VFIO_DIRTY_STRESS_SECONDS, default 10):
 *  - a writer submits batches of test-mdev commands through io_uring
 *    (command array write, doorbell write and result read, linked), each
 *    batch writing single bytes with vfio_dma_rw() and pinning/unpinning a
 *    page, into a stable mapping and into one that comes and goes;
 *  - a reader GETs the stable mapping's bitmap in a loop;
 *  - a mapper maps the other mapping and unmaps it with the bitmap.
 * Invariant: for every page, the last report that named it (GET or unmap)
 * ended after the last successful write to it was submitted (a marked bit
 * is cleared only by a report that copies it out), and no page is reported
 * that was never dirtied. The driver's pinned count and locked_vm
 * are back to their baseline at the end.
 */
#include <liburing.h>
#include <pthread.h>
#include <stdatomic.h>
#include <time.h>

#include "vfio_dirty_test.h"

#define STABLE_IOVA	(1ULL << 32)
#define CHURN_IOVA	(2ULL << 32)
#define STABLE_PAGES	256
#define CHURN_PAGES	64
#define BATCH		32
#define NPAGES		(STABLE_PAGES + CHURN_PAGES)

struct page_log {
	_Atomic u64 written;	/* sequence just before the last write was submitted */
	_Atomic u64 reported;	/* sequence at which the last report naming it ended */
};

struct stress {
	struct dirty_env *env;
	struct vdm *vdm;
	struct backing *mem;
	u64 pg;
	_Atomic u64 seq;
	atomic_bool stop;
	atomic_bool churn_mapped;
	struct page_log log[NPAGES];
	u64 batches, writes, churn_writes, failed_writes, gets, unmaps;
	atomic_int error;	/* first unexpected errno, 0 if none */
};

static u64 next_seq(struct stress *s)
{
	return atomic_fetch_add(&s->seq, 1) + 1;
}

/* Page index in the log: stable pages first, then the churn mapping's. */
static u64 iova_of(u64 page)
{
	return page < STABLE_PAGES ? STABLE_IOVA + page * 4096 :
				     CHURN_IOVA + (page - STABLE_PAGES) * 4096;
}

static void record_error(struct stress *s, int err)
{
	int none = 0;

	atomic_compare_exchange_strong(&s->error, &none, err);
	atomic_store(&s->stop, true);
}

static void *writer(void *arg)
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
			cmds[i].iova = iova_of(page[i]) + rand_r(&seed) % s->pg;
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

/* Records a report of @bitmap (pages from @first) that ended at @end. */
static void record_report(struct stress *s, const u64 *bitmap, u64 first, u64 n, u64 end)
{
	u64 i;

	for (i = 0; i < n; i++) {
		if (bitmap_test_bit(bitmap, i))
			atomic_store(&s->log[first + i].reported, end);
	}
}

static void *reader(void *arg)
{
	struct stress *s = arg;
	u64 bitmap[STABLE_PAGES / 64];
	int r;

	while (!atomic_load(&s->stop)) {
		memset(bitmap, 0, sizeof(bitmap));
		r = __container_dirty_get(&s->env->c, STABLE_IOVA, STABLE_PAGES * s->pg, s->pg,
					  bitmap, sizeof(bitmap));
		if (r) {
			record_error(s, -r);
			break;
		}
		record_report(s, bitmap, 0, STABLE_PAGES, next_seq(s));
		s->gets++;
	}
	return NULL;
}

static void *mapper(void *arg)
{
	struct stress *s = arg;
	u64 bitmap[CHURN_PAGES / 64];
	char *mem = (char *)s->mem->addr + STABLE_PAGES * s->pg;
	struct timespec nap = { .tv_nsec = 5000000 };
	int r;

	while (!atomic_load(&s->stop)) {
		r = __container_map(&s->env->c, CHURN_IOVA, mem, CHURN_PAGES * s->pg,
				    VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE);
		if (r) {
			record_error(s, -r);
			break;
		}
		atomic_store(&s->churn_mapped, true);
		nanosleep(&nap, NULL);
		atomic_store(&s->churn_mapped, false);
		memset(bitmap, 0, sizeof(bitmap));
		r = __container_unmap_dirty(&s->env->c, CHURN_IOVA, CHURN_PAGES * s->pg, s->pg,
					    bitmap, sizeof(bitmap), NULL);
		if (r) {
			record_error(s, -r);
			break;
		}
		record_report(s, bitmap, STABLE_PAGES, CHURN_PAGES, next_seq(s));
		s->unmaps++;
	}
	return NULL;
}

FIXTURE(stress) {
	struct dirty_env env;
	struct vdm vdm;
	struct backing mem;
	long locked;
	struct stress *s;
};

FIXTURE_SETUP(stress)
{
	self->locked = proc_status_kb("VmLck");
	VDM_SETUP_OR_SKIP(&self->env, &self->vdm, VFIO_TYPE1v2_IOMMU);
	ASSERT_EQ(4096, self->env.pgsize);
	BACKING_ALLOC_OR_SKIP(&self->mem, BACKING_ANON, NPAGES * self->env.pgsize);
	self->s = calloc(1, sizeof(*self->s));
	ASSERT_NE(NULL, self->s);
}

FIXTURE_TEARDOWN(stress)
{
	env_teardown(&self->env);
	EXPECT_EQ(self->locked, proc_status_kb("VmLck"));
	backing_free(&self->mem);
	free(self->s);
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
	container_map(&self->env.c, STABLE_IOVA, self->mem.addr, STABLE_PAGES * s->pg);
	container_dirty_start(&self->env.c);

	ASSERT_EQ(0, pthread_create(&tw, NULL, writer, s));
	ASSERT_EQ(0, pthread_create(&tr, NULL, reader, s));
	ASSERT_EQ(0, pthread_create(&tm, NULL, mapper, s));
	sleep(seconds > 0 ? seconds : 1);
	atomic_store(&s->stop, true);
	pthread_join(tw, NULL);
	pthread_join(tr, NULL);
	pthread_join(tm, NULL);
	EXPECT_EQ(0, atomic_load(&s->error))
		TH_LOG("first error: %s", strerror(atomic_load(&s->error)));

	/* A last GET after every write completed. */
	container_dirty_get(&self->env.c, STABLE_IOVA, STABLE_PAGES * s->pg, s->pg, bitmap,
			    sizeof(bitmap));
	record_report(s, bitmap, 0, STABLE_PAGES, next_seq(s));

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
	TH_LOG("%llu s: %llu batches, %llu writes and pins (%llu into the mapping that comes and goes, %llu refused while it was gone), %llu GETs, %llu map+unmap-with-bitmap",
	       (unsigned long long)seconds, (unsigned long long)s->batches,
	       (unsigned long long)s->writes, (unsigned long long)s->churn_writes,
	       (unsigned long long)s->failed_writes,
	       (unsigned long long)s->gets, (unsigned long long)s->unmaps);
	EXPECT_EQ(0, lost);
	EXPECT_EQ(0, extra);
	EXPECT_LT(0, s->batches);
	EXPECT_LT(0, s->gets);
	EXPECT_LT(0, s->unmaps);
	EXPECT_EQ(0, vdm_reg(&self->vdm, VDM_REG_PINNED));
}

VFIO_DIRTY_MAIN("dirty_stress_test: for VFIO_DIRTY_STRESS_SECONDS (default 10), one thread submits\n"
		"batches of test-mdev commands (vfio_dma_rw writes, pin and unpin) through\n"
		"io_uring, one GETs the bitmap, one maps and unmaps-with-bitmap a second mapping;\n"
		"every write must show up in a report that ended after it (DP-ARG-23), nothing\n"
		"else may, and the pinned count and locked_vm return to their baseline.")
