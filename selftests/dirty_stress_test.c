// SPDX-License-Identifier: GPL-2.0-only
/*
 * Nothing is lost under concurrency (DP-ARG-23: START/STOP/GET serialise
 * with MAP, UNMAP, pin, unpin and dma_rw under iommu->lock). For a bounded
 * time, per device (the first and second PCI device, and the test mdev):
 *  - a writer has the device write memory, its commands submitted through
 *    io_uring writes to the device fd, into a stable mapping and into one
 *    that comes and goes;
 *  - a reader GETs the bitmap of the stable mapping and the holes around it
 *    in a loop;
 *  - a mapper maps the other mapping and unmaps it with the bitmap, over a
 *    range with holes around it.
 * (Built with NO_URING=1, the same commands go through pwrite() instead.)
 * Every report is checked as it arrives: no bit for a hole (DP-RNG-02,
 * DP-RNG-06 with word-aligned mappings, so no shifted copy-out), the size
 * an unmap returns (DP-UNM-14). After the run, the pinned count and
 * locked_vm are back to their baseline.
 *
 * Test mdev (emulated container): batches of commands (command array,
 * doorbell and result read, linked) write single bytes with vfio_dma_rw()
 * and pin/unpin a page. The ordering is strict: each write gets a sequence
 * number before it is submitted and one once its completion is seen; each
 * report one before its ioctl and one after. The first report that began
 * after the write completed must name its page unless a report that
 * overlapped the write did (DP-ARG-23; one bit is consumed by one report,
 * DP-BIT-08); no report names a page that had no write in its window, nor
 * a vfio_dma_rw() write twice, nor a write the kernel refused. To keep
 * that exact, a page gets a new write only once its last one was judged:
 * then at most one write can explain a bit.
 *
 * PCI device (IOMMU-backed): every page of every mapping is dirty on every
 * GET and unmap (DP-BIT-09, DP-SCOPE-08), so "nothing lost" cannot fail
 * there and is not what these variants check. They check what can: every
 * report names every page of each mapping in it and none outside (the
 * GET also spans the mapping that comes and goes: all of its pages while it
 * is mapped, none while it is not, never part of it); the data lands
 * exactly (checked by the CPU after each transfer, the register writes
 * that start it, edu's DMA registers or NVMe's SQ doorbell, submitted
 * through io_uring); a transfer aimed at the mapping that comes and goes
 * lands whole while it stays mapped and touches no memory while it stays
 * unmapped (canaries, DP-UNM-18).
 *
 * The races must happen: a run in which no write overlapped a GET or an
 * unmap, or no transfer landed in, was blocked by or raced the mapping
 * that comes and goes, is no pass. By default a run lasts until it has
 * seen each of them SEEN_ENOUGH times (at least RUN_MIN_MS, at most
 * RUN_MAX_S): the races are what it is for, and a fixed time spent them
 * many times over (edu, the slowest, raced the mapping 14 times in 10 s;
 * under TCG 10 s per device was a third of the suite's time). With
 * VFIO_DIRTY_STRESS_SECONDS=N (a soak on real hardware) it runs N seconds
 * and, if it has not seen each of them by then, goes on up to
 * SEEN_PATIENCE times that; either way a race not seen fails the case
 * with the counts.
 */
#include <assert.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <time.h>

#include "vfio_dirty_test.h"
#include "dma_driver.h"

#ifdef VD_NO_URING
/*
 * Built without liburing (make NO_URING=1, e.g. arm64 on Debian 12): the
 * same commands and register writes, each made with pwrite() or pread() in
 * order, where the io_uring build links them in one submission. The races
 * and the checks are the same.
 */
#define SUBMIT_HOW	"pwrite()"
struct submit {
	int unused;
};

static int submit_init(struct submit *q)
{
	q->unused = 0;
	return 0;
}

static void submit_exit(struct submit *q)
{
	(void)q;
}

static int submit_rw(int fd, void *buf, size_t len, u64 off, bool write)
{
	ssize_t n = write ? pwrite(fd, buf, len, off) : pread(fd, buf, len, off);

	return n < 0 ? -errno : 0;
}

/* The command array, the doorbell, the results read back: 0 or -errno. */
static int submit_batch(struct submit *q, struct vdm *v, struct vdm_cmd *cmds, int n, u32 *bell)
{
	size_t len = n * sizeof(cmds[0]);
	int r;

	(void)q;
	r = submit_rw(v->fd, cmds, len, v->base + VDM_CMD_BASE, true);
	if (!r)
		r = submit_rw(v->fd, bell, sizeof(*bell), v->base + VDM_REG_DOORBELL, true);
	if (!r)
		r = submit_rw(v->fd, cmds, len, v->base + VDM_CMD_BASE, false);
	return r;
}

static int submit_regs(struct submit *q, struct dma_dev *d, const struct dma_reg_write *w, int n)
{
	(void)q;
	return __dma_dev_write_regs(d, w, n);
}
#else
#include <liburing.h>
#include "dma_uring.h"

#define SUBMIT_HOW	"io_uring"
struct submit {
	struct io_uring ring;
};

static int submit_init(struct submit *q)
{
	return io_uring_queue_init(8, &q->ring, 0);
}

static void submit_exit(struct submit *q)
{
	io_uring_queue_exit(&q->ring);
}

/*
 * The command array, the doorbell and the read of the results, linked in
 * one submission: 0 or the first -errno.
 */
static int submit_batch(struct submit *q, struct vdm *v, struct vdm_cmd *cmds, int n, u32 *bell)
{
	struct io_uring_sqe *sqe;
	struct io_uring_cqe *cqe;
	int i, r, err = 0;

	sqe = io_uring_get_sqe(&q->ring);
	io_uring_prep_write(sqe, v->fd, cmds, n * sizeof(cmds[0]), v->base + VDM_CMD_BASE);
	sqe->flags |= IOSQE_IO_LINK;
	sqe = io_uring_get_sqe(&q->ring);
	io_uring_prep_write(sqe, v->fd, bell, sizeof(*bell), v->base + VDM_REG_DOORBELL);
	sqe->flags |= IOSQE_IO_LINK;
	sqe = io_uring_get_sqe(&q->ring);
	io_uring_prep_read(sqe, v->fd, cmds, n * sizeof(cmds[0]), v->base + VDM_CMD_BASE);
	r = io_uring_submit_and_wait(&q->ring, 3);
	if (r < 0)
		return r;
	for (i = 0; i < 3; i++) {
		if (io_uring_wait_cqe(&q->ring, &cqe))
			return -EIO;
		if (cqe->res < 0 && !err)
			err = cqe->res;
		io_uring_cqe_seen(&q->ring, cqe);
	}
	return err;
}

static int submit_regs(struct submit *q, struct dma_dev *d, const struct dma_reg_write *w, int n)
{
	return __dma_ring_writes(&q->ring, d, w, n);
}
#endif

/* Below edu's 28-bit DMA limit. */
#define STABLE_IOVA	(16ULL << 20)
#define CHURN_IOVA	(32ULL << 20)
#define PRIV_IOVA	(64ULL << 20)	/* the DMA driver's own memory (NVMe queues) */
#define STABLE_PAGES	256
#define CHURN_PAGES	64
/*
 * Each report's range has this many pages of hole on each side. Mappings
 * and holes are whole bitmap words, so every check is per word.
 */
#define HOLE_PAGES	64
#define BATCH		32
#define NPAGES		(STABLE_PAGES + CHURN_PAGES)
/* PCI: the round trip's source, then destinations up to 4 pages long. */
#define SRC_PAGES	4
#define XFER_PAGES	4
#define CANARY		0x5a
/*
 * Transfers to memory per load of new data: a slow device (edu: 100 ms a
 * transfer) spends its time on the transfers this test races.
 */
#define LOAD_EVERY	4
#define TIMEOUT_MS	5000
/* How long the mapping that comes and goes stays mapped: mdev, PCI at least. */
#define HOLD_NS		5000000ULL
#define HOLD_MAX_NS	1000000000ULL

static_assert(STABLE_PAGES % 64 == 0 && CHURN_PAGES % 64 == 0 && HOLE_PAGES % 64 == 0,
	      "mappings and holes are whole bitmap words");
static_assert(CHURN_PAGES <= STABLE_PAGES, "a report's mapping fits struct region");

/* The mapper's cycle: churn_state counts the steps, the step is its remainder. */
enum churn_step {
	CHURN_CLEAN,		/* unmapped, all canary */
	CHURN_MAPPING,		/* in VFIO_IOMMU_MAP_DMA */
	CHURN_MAPPED,
	CHURN_UNMAPPING,	/* in VFIO_IOMMU_UNMAP_DMA */
	CHURN_REFILL,		/* unmapped, being refilled with canary */
	CHURN_STATES
};

/* The races a run must have seen (struct stress.seen). */
#define SEEN_GET_BUSY	1U	/* a GET while a write was in flight */
#define SEEN_UNMAP_BUSY	2U	/* an unmap-with-bitmap while a write was in flight */
#define SEEN_LANDED	4U	/* PCI: a transfer into the mapping that stayed mapped */
#define SEEN_BLOCKED	8U	/* PCI: one to it while it stayed unmapped */
#define SEEN_RACING	16U	/* PCI: one while it was mapped or unmapped */
#define SEEN_GET_OVER	32U	/* mdev: a write a GET overlapped */
#define SEEN_UNMAP_OVER	64U	/* mdev: a write to the churn mapping an unmap overlapped */
#define SEEN_REFUSED	128U	/* mdev: a write refused because that mapping was gone */
#define SEEN_PCI	(SEEN_GET_BUSY | SEEN_UNMAP_BUSY | SEEN_LANDED | SEEN_BLOCKED | SEEN_RACING)
#define SEEN_MDEV	(SEEN_GET_OVER | SEEN_UNMAP_OVER | SEEN_REFUSED)
/* A run goes on for up to this many times its length until it saw them all. */
#define SEEN_PATIENCE	3
/* By default: each required race this many times, in this much time. */
#define SEEN_ENOUGH	4
#define RUN_MIN_MS	1000
#define RUN_MAX_S	30
/* The races the case requires, per kind (SEEN_REFUSED is counted, not required). */
#define NEED_PCI	SEEN_PCI
#define NEED_MDEV	(SEEN_GET_OVER | SEEN_UNMAP_OVER)

#define PAGE_PIN	1U	/* a pin and its unpin, not a vfio_dma_rw() write */
#define PAGE_REFUSED	2U	/* the kernel refused the write (its mapping was gone) */

/*
 * Test mdev: the write to a page that is in flight or not judged yet (at
 * most one per page). The writer sets the first three; the reporter of the
 * page's region (reader or mapper, then the main thread) the rest.
 */
struct page_log {
	_Atomic u64 submitted;	/* sequence taken before it was submitted */
	_Atomic u64 completed;	/* taken once it completed, 0 before */
	atomic_uint flags;	/* PAGE_*, set before completed */
	u32 named;		/* reports in its window that named the page */
	bool named_during;	/* one of them overlapped the write */
	bool overlapped;	/* a report overlapped the write */
};

/* Test mdev: the pages one kind of report covers, and what it found. */
struct region {
	const char *report;
	u64 first;		/* its first page_log */
	u64 npages;
	_Atomic u64 pending[STABLE_PAGES / 64];	/* pages with a write not judged yet */
	/* The reporter's counts of the writes it judged. */
	u64 judged, refused, overlapped, named_during;
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
	/* Writes (mdev batches, PCI transfers to memory) started and done. */
	_Atomic u64 wr_started, wr_done;
	_Atomic u64 xfer_ns;	/* PCI: how long the last transfer took */
	/* The GET's range: holes, the stable mapping, (PCI) the other one. */
	u64 get_iova, get_words;
	struct page_log log[NPAGES];
	struct region stable, churn;
	u64 batches, writes, pins, churn_writes, refused_writes, gets, unmaps;
	u64 gets_busy, unmaps_busy;	/* reports that overlapped a write */
	/* PCI */
	u8 *expected;		/* what the next transfer to memory writes */
	u64 len;
	u64 dmas, churn_landed, churn_blocked, churn_racing;
	_Atomic u64 bad_reports;	/* reader and mapper */
	atomic_uint seen;	/* SEEN_* */
	atomic_uint seen_n[8];	/* per SEEN_* bit: how often, up to SEEN_ENOUGH */
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

/* Records race @what (one SEEN_* bit). */
static void saw(struct stress *s, unsigned int what)
{
	atomic_uint *n = &s->seen_n[__builtin_ctz(what)];

	if (atomic_load(n) < SEEN_ENOUGH)
		atomic_fetch_add(n, 1);
	if ((atomic_load(&s->seen) & what) != what)
		atomic_fetch_or(&s->seen, what);
}

/* Whether each race of @need was seen SEEN_ENOUGH times. */
static bool saw_enough(struct stress *s, unsigned int need)
{
	unsigned int bit;

	for (bit = 0; bit < 8; bit++) {
		if ((need & (1U << bit)) && atomic_load(&s->seen_n[bit]) < SEEN_ENOUGH)
			return false;
	}
	return true;
}

static u64 now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (u64)t.tv_sec * 1000 + (u64)t.tv_nsec / 1000000;
}

/*
 * Lets the threads run: @seconds, then until every race of @want was seen,
 * SEEN_PATIENCE times as long at most; with @seconds 0 until each of @need
 * was seen SEEN_ENOUGH times, RUN_MIN_MS at least and RUN_MAX_S at most.
 * Returns how long in ms.
 */
static u64 run_races(struct stress *s, int seconds, unsigned int want, unsigned int need)
{
	struct timespec tick = { .tv_nsec = 10000000 };
	u64 t0 = now_ms(), min_ms, max_ms;

	if (seconds > 0) {
		min_ms = seconds * 1000ULL;
		max_ms = min_ms * SEEN_PATIENCE;
	} else {
		min_ms = RUN_MIN_MS;
		max_ms = RUN_MAX_S * 1000ULL;
	}
	while (!atomic_load(&s->stop) && now_ms() - t0 < max_ms) {
		if (now_ms() - t0 >= min_ms &&
		    (seconds > 0 ? (atomic_load(&s->seen) & want) == want : saw_enough(s, need)))
			break;
		nanosleep(&tick, NULL);
	}
	return now_ms() - t0;
}

/* Whether a write was in flight at any time between the two snapshots. */
static bool busy_between(u64 started0, u64 done0, u64 started1)
{
	return started0 != done0 || started1 != started0;
}

/* Whether the @n words of @map from @word are all @v. */
static bool words_are(const u64 *map, u64 word, u64 n, u64 v)
{
	for (; n; n--, word++) {
		if (map[word] != v)
			return false;
	}
	return true;
}

static bool page_pending(struct region *rg, u64 i)
{
	return atomic_load(&rg->pending[i / 64]) & (1ULL << (i % 64));
}

/*
 * Before a report begins: the completion of each pending write of @rg, or
 * 0. A write whose completion is here finished before the report began.
 */
static void judge_snapshot(struct stress *s, struct region *rg, u64 *done0)
{
	u64 w, m, i;

	memset(done0, 0, rg->npages * sizeof(*done0));
	for (w = 0; w < rg->npages / 64; w++) {
		for (m = atomic_load(&rg->pending[w]); m; m &= m - 1) {
			i = w * 64 + __builtin_ctzll(m);
			done0[i] = atomic_load(&s->log[rg->first + i].completed);
		}
	}
}

/*
 * Judges the write to page @i of @rg once a report that began after it
 * completed was seen (or none can come), and frees the page for the next.
 */
static void judge_settle(struct stress *s, struct region *rg, u64 i, u64 begin)
{
	struct page_log *pl = &s->log[rg->first + i];
	u32 flags = atomic_load(&pl->flags);
	u64 page = rg->first + i;

	if (flags & PAGE_REFUSED) {
		if (pl->named)
			record_failure(s, "page %llu (IOVA 0x%llx): a write the kernel refused (#%llu..#%llu) is named by a %s (DP-BIT-07)",
				       (unsigned long long)page,
				       (unsigned long long)iova_of(s, page),
				       (unsigned long long)atomic_load(&pl->submitted),
				       (unsigned long long)atomic_load(&pl->completed), rg->report);
		rg->refused++;
		saw(s, SEEN_REFUSED);
	} else if (!pl->named) {
		record_failure(s, "page %llu (IOVA 0x%llx): written #%llu..#%llu, named by no %s that overlapped it nor by the first that began after it (#%llu) (DP-ARG-23)",
			       (unsigned long long)page, (unsigned long long)iova_of(s, page),
			       (unsigned long long)atomic_load(&pl->submitted),
			       (unsigned long long)atomic_load(&pl->completed), rg->report,
			       (unsigned long long)begin);
	} else if (!(flags & PAGE_PIN) && pl->named > 1) {
		record_failure(s, "page %llu (IOVA 0x%llx): one vfio_dma_rw() write (#%llu..#%llu) named by %u reports (DP-BIT-08: a GET clears its bit)",
			       (unsigned long long)page, (unsigned long long)iova_of(s, page),
			       (unsigned long long)atomic_load(&pl->submitted),
			       (unsigned long long)atomic_load(&pl->completed), pl->named);
	}
	rg->judged++;
	rg->overlapped += pl->overlapped;
	if (pl->overlapped)
		saw(s, rg == &s->stable ? SEEN_GET_OVER : SEEN_UNMAP_OVER);
	rg->named_during += pl->named_during;
	pl->named = 0;
	pl->named_during = false;
	pl->overlapped = false;
	atomic_store(&pl->completed, 0);
	atomic_store(&pl->flags, 0);
	atomic_store(&pl->submitted, 0);
	atomic_fetch_and(&rg->pending[i / 64], ~(1ULL << (i % 64)));
}

/*
 * Judges what one report of @rg (@begin and @end the sequence taken
 * before and after its ioctl) said of its page @i: @named or not, the
 * write pending there having completed at @done0 before @begin, or not.
 */
static void judge_page(struct stress *s, struct region *rg, u64 i, bool named, u64 begin,
		       u64 end, u64 done0)
{
	struct page_log *pl = &s->log[rg->first + i];
	u64 sub = 0;

	/* The writer sets submitted before pending, and submits after. */
	if (page_pending(rg, i))
		sub = atomic_load(&pl->submitted);
	if (!sub || sub > end) {
		if (named)
			record_failure(s, "page %llu (IOVA 0x%llx): the %s of #%llu..#%llu names it, and no write to it was in flight or unreported (DP-BIT-08)",
				       (unsigned long long)(rg->first + i),
				       (unsigned long long)iova_of(s, rg->first + i), rg->report,
				       (unsigned long long)begin, (unsigned long long)end);
		return;
	}
	if (named) {
		pl->named++;
		pl->named_during |= !done0;
	}
	if (done0)
		judge_settle(s, rg, i, begin);
	else
		pl->overlapped = true;
}

/*
 * Judges one report of @rg: @bits the mapping's pages, @begin and @end
 * the sequence taken before and after its ioctl, @done0 what
 * judge_snapshot() saw before @begin.
 */
static void judge_report(struct stress *s, struct region *rg, const u64 *bits, u64 begin,
			 u64 end, const u64 *done0)
{
	u64 w, m, i;

	for (w = 0; w < rg->npages / 64; w++) {
		for (m = atomic_load(&rg->pending[w]) | bits[w]; m; m &= m - 1) {
			i = w * 64 + __builtin_ctzll(m);
			judge_page(s, rg, i, bitmap_test_bit(bits, i), begin, end, done0[i]);
		}
	}
}

static void *vdm_writer(void *arg)
{
	struct stress *s = arg;
	struct vdm_cmd cmds[BATCH];
	u64 page[BATCH], chosen[NPAGES / 64];
	struct timespec nap = { .tv_nsec = 100000 };
	struct submit q;
	unsigned int seed = 1;
	int i, n, tries, r;
	u32 bell;

	r = submit_init(&q);
	if (r) {
		record_error(s, -r);
		return NULL;
	}
	while (!atomic_load(&s->stop)) {
		bool churn = atomic_load(&s->churn_mapped);
		u64 sub, done, state0, state1, p;

		/* Pages whose last write was judged, each once in the batch. */
		memset(cmds, 0, sizeof(cmds));
		memset(chosen, 0, sizeof(chosen));
		for (n = 0, tries = 0; n < BATCH && tries < 4 * BATCH; tries++) {
			p = rand_r(&seed) % (churn ? NPAGES : STABLE_PAGES);
			if (bitmap_test_bit(chosen, p) ||
			    page_pending(p < STABLE_PAGES ? &s->stable : &s->churn,
					 p < STABLE_PAGES ? p : p - STABLE_PAGES))
				continue;
			chosen[p / 64] |= 1ULL << (p % 64);
			page[n] = p;
			cmds[n].iova = iova_of(s, p) + rand_r(&seed) % s->pg;
			if (n == BATCH - 2 && p < STABLE_PAGES) {
				cmds[n].op = VDM_OP_PIN;	/* DP-BIT-03 */
				cmds[n].iova &= ~(s->pg - 1);
				cmds[n].prot = VDM_PROT_READ;
				cmds[n].count = 1;
				cmds[n + 1] = cmds[n];
				cmds[n + 1].op = VDM_OP_UNPIN;	/* DP-BIT-04 */
				page[n + 1] = p;
				n += 2;
				continue;
			}
			cmds[n].op = VDM_OP_DMA_WRITE;
			cmds[n].count = 1;
			cmds[n].pattern = (u8)n;
			n++;
		}
		if (!n) {
			nanosleep(&nap, NULL);	/* every page waits for its report */
			continue;
		}
		state0 = atomic_load(&s->churn_state);
		sub = next_seq(s);
		for (i = 0; i < n; i++) {
			struct region *rg = page[i] < STABLE_PAGES ? &s->stable : &s->churn;
			u64 j = page[i] - rg->first;

			atomic_store(&s->log[page[i]].submitted, sub);
			atomic_fetch_or(&rg->pending[j / 64], 1ULL << (j % 64));
		}
		bell = n;
		atomic_fetch_add(&s->wr_started, 1);
		r = submit_batch(&q, s->vdm, cmds, n, &bell);
		if (r)
			record_error(s, -r);
		done = next_seq(s);
		atomic_fetch_add(&s->wr_done, 1);
		state1 = atomic_load(&s->churn_state);
		if (atomic_load(&s->error))
			break;
		for (i = 0; i < n; i++) {
			bool pin = cmds[i].op == VDM_OP_PIN, in_churn = page[i] >= STABLE_PAGES;
			bool ok = pin ? cmds[i].result >= 0 && cmds[i + 1].result >= 0 :
					cmds[i].result == 0;
			/* The mapping that comes and goes was there, or not, all along. */
			bool mapped = state0 == state1 && state0 % CHURN_STATES == CHURN_MAPPED;
			bool gone = state0 == state1 && (state0 % CHURN_STATES == CHURN_CLEAN ||
							 state0 % CHURN_STATES == CHURN_REFILL);
			u32 flags = pin ? PAGE_PIN : 0;

			if (!ok && (!in_churn || cmds[i].result != -EINVAL || mapped)) {
				record_failure(s, "command %d (op %u) at IOVA 0x%llx: %lld%s", i,
					       cmds[i].op, (unsigned long long)cmds[i].iova,
					       (long long)(pin && cmds[i].result >= 0 ?
							   cmds[i + 1].result : cmds[i].result),
					       mapped ? ", its mapping there all along" : "");
				break;
			}
			if (ok && in_churn && gone) {
				record_failure(s, "a write to IOVA 0x%llx succeeded while nothing was mapped there (DP-BIT-07)",
					       (unsigned long long)cmds[i].iova);
				break;
			}
			if (!ok) {
				flags |= PAGE_REFUSED;
				s->refused_writes++;
			} else {
				s->writes++;
				s->pins += pin;
				s->churn_writes += in_churn;
			}
			atomic_store(&s->log[page[i]].flags, flags);
			atomic_store(&s->log[page[i]].completed, done);
			i += pin;
		}
		s->batches++;
	}
	submit_exit(&q);
	return NULL;
}

/*
 * One GET over the reader's range into @bitmap (s->get_words, zeroed
 * here), judged: no hole named; PCI, every page of each mapping there;
 * mdev, the writes in flight or unreported. @done0 is scratch.
 */
static int get_once(struct stress *s, u64 *bitmap, u64 *done0)
{
	u64 state0, state1, started0, done_wr0, begin, end, cw, churn;
	const u64 sw = HOLE_PAGES / 64, nw = STABLE_PAGES / 64;
	int r;

	memset(bitmap, 0, s->get_words * sizeof(*bitmap));
	if (!s->all_dirty)
		judge_snapshot(s, &s->stable, done0);
	state0 = atomic_load(&s->churn_state);
	started0 = atomic_load(&s->wr_started);
	done_wr0 = atomic_load(&s->wr_done);
	begin = next_seq(s);
	r = __container_dirty_get(&s->env->c, s->get_iova, s->get_words * 64 * s->pg, s->pg,
				  bitmap, s->get_words * sizeof(*bitmap));
	end = next_seq(s);
	state1 = atomic_load(&s->churn_state);
	if (r)
		return r;
	s->gets++;
	if (busy_between(started0, done_wr0, atomic_load(&s->wr_started))) {
		s->gets_busy++;
		saw(s, SEEN_GET_BUSY);
	}
	if (!s->all_dirty) {
		if (!words_are(bitmap, 0, sw, 0) || !words_are(bitmap, sw + nw, sw, 0))
			record_failure(s, "GET names a page of the holes around the mapping (DP-RNG-02)");
		judge_report(s, &s->stable, bitmap + sw, begin, end, done0);
		return 0;
	}
	/* DP-BIT-09: all of the stable mapping; the other all or nothing. */
	cw = (CHURN_IOVA - s->get_iova) / s->pg / 64;
	churn = bitmap[cw];
	if (!words_are(bitmap, sw, nw, ~0ULL) && !s->bad_reports++)
		record_failure(s, "GET named %llu of the %u pages of the stable mapping (DP-BIT-09)",
			       (unsigned long long)bitmap_weight(bitmap + sw, STABLE_PAGES),
			       STABLE_PAGES);
	if ((!words_are(bitmap, 0, sw, 0) || !words_are(bitmap, sw + nw, cw - sw - nw, 0) ||
	     !words_are(bitmap, cw + CHURN_PAGES / 64, sw, 0)) && !s->bad_reports++)
		record_failure(s, "GET names a page outside every mapping (DP-RNG-02)");
	if (!words_are(bitmap, cw, CHURN_PAGES / 64, churn) ||
	    (churn && churn != ~0ULL) ||
	    (state0 == state1 && state0 % CHURN_STATES == CHURN_MAPPED && !churn) ||
	    (state0 == state1 && (state0 % CHURN_STATES == CHURN_CLEAN ||
				  state0 % CHURN_STATES == CHURN_REFILL) && churn)) {
		if (!s->bad_reports++)
			record_failure(s, "GET named %llu of the %u pages of the mapping that comes and goes (state %llu..%llu; DP-BIT-09: all while mapped, none while not)",
				       (unsigned long long)bitmap_weight(bitmap + cw, CHURN_PAGES),
				       CHURN_PAGES, (unsigned long long)state0,
				       (unsigned long long)state1);
	}
	return 0;
}

static void *reader(void *arg)
{
	struct stress *s = arg;
	u64 *bitmap = calloc(s->get_words, sizeof(*bitmap));
	u64 done0[STABLE_PAGES];
	int r;

	if (!bitmap) {
		record_error(s, ENOMEM);
		return NULL;
	}
	while (!atomic_load(&s->stop)) {
		r = get_once(s, bitmap, done0);
		if (r) {
			record_error(s, -r);
			break;
		}
	}
	free(bitmap);
	return NULL;
}

/* The unmap-with-bitmap of the mapping that comes and goes, judged. */
static int unmap_once(struct stress *s)
{
	u64 bitmap[(CHURN_PAGES + 2 * HOLE_PAGES) / 64] = { 0 }, done0[CHURN_PAGES];
	u64 started0, done_wr0, begin, end, unmapped = 0;
	const u64 sw = HOLE_PAGES / 64, nw = CHURN_PAGES / 64;
	int r;

	if (!s->all_dirty)
		judge_snapshot(s, &s->churn, done0);
	started0 = atomic_load(&s->wr_started);
	done_wr0 = atomic_load(&s->wr_done);
	begin = next_seq(s);
	r = __container_unmap_dirty(&s->env->c, CHURN_IOVA - HOLE_PAGES * s->pg,
				    (CHURN_PAGES + 2 * HOLE_PAGES) * s->pg, s->pg, bitmap,
				    sizeof(bitmap), &unmapped);
	end = next_seq(s);
	if (r)
		return r;
	s->unmaps++;
	if (busy_between(started0, done_wr0, atomic_load(&s->wr_started))) {
		s->unmaps_busy++;
		saw(s, SEEN_UNMAP_BUSY);
	}
	if (unmapped != CHURN_PAGES * s->pg && !s->bad_reports++)
		record_failure(s, "unmap-with-bitmap unmapped %llu bytes, not %llu (DP-UNM-14)",
			       (unsigned long long)unmapped,
			       (unsigned long long)(CHURN_PAGES * s->pg));
	if ((!words_are(bitmap, 0, sw, 0) || !words_are(bitmap, sw + nw, sw, 0)) &&
	    !s->bad_reports++)
		record_failure(s, "unmap-with-bitmap names a page of the holes around the mapping (DP-UNM-16)");
	if (s->all_dirty && !words_are(bitmap, sw, nw, ~0ULL) && !s->bad_reports++)
		record_failure(s, "unmap-with-bitmap named %llu of %u pages (DP-UNM-18, DP-BIT-09)",
			       (unsigned long long)bitmap_weight(bitmap + sw, CHURN_PAGES),
			       CHURN_PAGES);
	if (!s->all_dirty)
		judge_report(s, &s->churn, bitmap + sw, begin, end, done0);
	return 0;
}

/*
 * How long the mapping that comes and goes stays mapped, then unmapped:
 * the test mdev's commands take microseconds; a PCI device's transfer
 * long (edu: 100 ms), so three of them, that one fits in each state often.
 */
static void hold(struct stress *s)
{
	u64 ns = s->all_dirty ? 3 * atomic_load(&s->xfer_ns) : 0;
	struct timespec t;

	ns = ns < HOLD_NS ? HOLD_NS : ns > HOLD_MAX_NS ? HOLD_MAX_NS : ns;
	t.tv_sec = ns / 1000000000ULL;
	t.tv_nsec = ns % 1000000000ULL;
	nanosleep(&t, NULL);
}

static void *mapper(void *arg)
{
	struct stress *s = arg;
	u8 *mem = mem_of(s, STABLE_PAGES);
	int r;

	while (!atomic_load(&s->stop)) {
		atomic_fetch_add(&s->churn_state, 1);		/* CHURN_MAPPING */
		r = __container_map(&s->env->c, CHURN_IOVA, mem, CHURN_PAGES * s->pg,
				    VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE);
		if (r) {
			record_error(s, -r);
			break;
		}
		atomic_fetch_add(&s->churn_state, 1);		/* CHURN_MAPPED */
		atomic_store(&s->churn_mapped, true);
		hold(s);
		atomic_store(&s->churn_mapped, false);
		atomic_fetch_add(&s->churn_state, 1);		/* CHURN_UNMAPPING */
		r = unmap_once(s);
		if (r) {
			record_error(s, -r);
			break;
		}
		atomic_fetch_add(&s->churn_state, 1);		/* CHURN_REFILL */
		memset(mem, CANARY, CHURN_PAGES * s->pg);
		atomic_fetch_add(&s->churn_state, 1);		/* CHURN_CLEAN */
		if (s->all_dirty)
			hold(s);
	}
	return NULL;
}

/* One transfer, its register writes through io_uring (or pwrite()): 0 or what wait() said. */
static int pci_transfer(struct stress *s, struct submit *q, bool to_mem, u64 iova)
{
	struct dma_reg_write w[DMA_DEV_MAX_WRITES];
	int n, r;

	struct timespec t0, t1;

	n = __dma_dev_prepare(s->dma, to_mem, iova, s->len, w);
	if (n < 0)
		return n;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (to_mem)
		atomic_fetch_add(&s->wr_started, 1);
	r = submit_regs(q, s->dma, w, n);
	if (r) {
		record_error(s, -r);
		return r;
	}
	r = __dma_dev_wait(s->dma, TIMEOUT_MS);
	if (to_mem)
		atomic_fetch_add(&s->wr_done, 1);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	atomic_store(&s->xfer_ns, (t1.tv_sec - t0.tv_sec) * 1000000000ULL +
				  t1.tv_nsec - t0.tv_nsec);
	return r;
}

/*
 * A round trip sets what the device writes next: a pattern of this
 * transfer's own, read from the source pages. The device keeps it (edu's
 * buffer, NVMe's blocks) for the transfers to memory until the next load,
 * LOAD_EVERY of them later. Otherwise (NVMe without destructive writes) the
 * device writes its blocks, s->expected already.
 */
static int pci_load(struct stress *s, struct submit *q, u64 op)
{
	u64 i;
	int r;

	if (!s->dma->round_trip)
		return 0;
	for (i = 0; i < s->len; i++)
		s->expected[i] = (u8)(op * 13 + i * 7 + 1);
	memcpy(mem_of(s, 0), s->expected, s->len);
	r = pci_transfer(s, q, false, STABLE_IOVA);
	if (r && !atomic_load(&s->error))
		record_failure(s, "transfer %llu from memory: %s", (unsigned long long)op,
			       strerror(-r));
	return r;
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
static void pci_stable(struct stress *s, struct submit *q, u64 op, u64 page, u64 off)
{
	u8 *at = mem_of(s, page);
	int r;

	r = pci_transfer(s, q, true, iova_of(s, page) + off);
	if (r && !atomic_load(&s->error))
		record_failure(s, "transfer %llu to IOVA 0x%llx: %s", (unsigned long long)op,
			       (unsigned long long)(iova_of(s, page) + off), strerror(-r));
	if (r)
		return;
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
static void pci_churn(struct stress *s, struct submit *q, u64 op, u64 page, u64 off,
		      u64 before)
{
	u64 after;
	u8 *at = mem_of(s, STABLE_PAGES + page);
	bool exact, clean;
	int r;

	r = pci_transfer(s, q, true, CHURN_IOVA + page * s->pg + off);
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
		s->churn_landed++;
		saw(s, SEEN_LANDED);
	} else if (r && r != -EFAULT && r != -EIO) {
		record_failure(s, "transfer %llu near an unmap: %s", (unsigned long long)op,
			       strerror(-r));
	} else if (before == after) {
		if (!clean)
			stray(s, op, r, page * s->pg + off, before);
		s->churn_blocked++;
		saw(s, SEEN_BLOCKED);
	} else {
		if (!landed(s, at, off, true))
			record_failure(s, "transfer %llu racing an unmap: stray bytes",
				       (unsigned long long)op);
		s->churn_racing++;
		saw(s, SEEN_RACING);
	}
	/* The mapper may be refilling too: canary either way. */
	memset(at + off, CANARY, s->len);
}

/*
 * Every other transfer goes to the mapping that comes and goes, when it
 * is mapped, or unmapped and clean.
 */
static void *pci_writer(void *arg)
{
	struct stress *s = arg;
	unsigned int seed = 1;
	struct submit q;
	u64 op, page, off, state;
	int r;

	r = submit_init(&q);
	if (r) {
		record_error(s, -r);
		return NULL;
	}
	for (op = 1; !atomic_load(&s->stop); op++) {
		if (op % LOAD_EVERY == 1 && pci_load(s, &q, op))
			break;
		/* 4-byte aligned, NVMe's PRP rule; XFER_PAGES + 1 pages at most. */
		off = (rand_r(&seed) % 8) * (s->pg / 8);
		state = atomic_load(&s->churn_state);
		if (op % 2 == 0 && (state % CHURN_STATES == CHURN_CLEAN ||
				    state % CHURN_STATES == CHURN_MAPPED)) {
			page = rand_r(&seed) % (CHURN_PAGES - XFER_PAGES);
			pci_churn(s, &q, op, page, off, state);
		} else {
			page = SRC_PAGES + rand_r(&seed) % (STABLE_PAGES - SRC_PAGES - XFER_PAGES);
			pci_stable(s, &q, op, page, off);
		}
		s->dmas++;
	}
	submit_exit(&q);
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
	self->locked = proc_status_kb("VmLck");
	if (variant->kind == DEVICE_MDEV) {
		ENV_INIT_OR_SKIP(&self->env, DEVICE_MDEV, 0, IOMMU_MODE_TYPE1V2);
		VDM_INIT(&self->env, &self->vdm);
	} else {
		ENV_INIT_OR_SKIP(&self->env, DEVICE_PCI, variant->nth, IOMMU_MODE_TYPE1V2);
		DMA_DEV_INIT_OR_SKIP(&self->dma, &self->env, PRIV_IOVA);
		if (!self->dma.ops->prepare)
			SKIP(return, "dma: %s: its driver cannot hand out its register writes",
			     self->dma.ops->name);
	}
	ASSERT_NE(0, self->env.pgsize) TH_LOG("no migration capability (DP-CAP-01)");
	/*
	 * Holes and mappings must be whole bitmap words of each report, and
	 * the reports' ranges end below the DMA driver's own memory.
	 */
	ASSERT_EQ(0, (CHURN_IOVA - STABLE_IOVA) % (64 * self->env.pgsize));
	ASSERT_GE(STABLE_IOVA, HOLE_PAGES * self->env.pgsize);
	ASSERT_GE(CHURN_IOVA - STABLE_IOVA, (STABLE_PAGES + HOLE_PAGES) * self->env.pgsize);
	ASSERT_GE(PRIV_IOVA, CHURN_IOVA + (CHURN_PAGES + HOLE_PAGES) * self->env.pgsize);
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
	return __dma_dev_expected(d, s->expected, s->len, TIMEOUT_MS);
}

TEST_F_TIMEOUT(stress, arg23_nothing_lost_under_concurrency, 600)
{
	const char *env = getenv("VFIO_DIRTY_STRESS_SECONDS");
	/* 0: until the races were seen; a value that is no positive number: 1 s */
	int seconds = env && *env ? (atoi(env) > 0 ? atoi(env) : 1) : 0;
	struct stress *s = self->s;
	pthread_t tw, tr, tm;
	u64 *bitmap, done0[STABLE_PAGES], i, ran_ms;

	s->env = &self->env;
	s->vdm = &self->vdm;
	s->mem = &self->mem;
	s->pg = self->env.pgsize;
	s->stable = (struct region){ .report = "GET", .first = 0, .npages = STABLE_PAGES };
	s->churn = (struct region){ .report = "unmap-with-bitmap", .first = STABLE_PAGES,
				    .npages = CHURN_PAGES };
	s->get_iova = STABLE_IOVA - HOLE_PAGES * s->pg;
	/* The test mdev's GET: its mapping between holes; PCI's: up to the other's. */
	s->get_words = (STABLE_PAGES + 2 * HOLE_PAGES) / 64;
	memset(self->mem.addr, CANARY, NPAGES * s->pg);
	if (variant->kind == DEVICE_PCI) {
		ASSERT_EQ(0, pci_stress_init(s, &self->dma));
		s->get_words = (CHURN_IOVA - s->get_iova) / s->pg / 64 +
			       (CHURN_PAGES + HOLE_PAGES) / 64;
	}
	bitmap = calloc(s->get_words, sizeof(*bitmap));
	ASSERT_NE(NULL, bitmap);
	container_map(&self->env.c, STABLE_IOVA, self->mem.addr, STABLE_PAGES * s->pg);
	container_dirty_start(&self->env.c);

	ASSERT_EQ(0, pthread_create(&tw, NULL, s->dma ? pci_writer : vdm_writer, s));
	ASSERT_EQ(0, pthread_create(&tr, NULL, reader, s));
	ASSERT_EQ(0, pthread_create(&tm, NULL, mapper, s));
	ran_ms = run_races(s, seconds, s->all_dirty ? SEEN_PCI : SEEN_MDEV,
			   s->all_dirty ? NEED_PCI : NEED_MDEV);
	atomic_store(&s->stop, true);
	pthread_join(tw, NULL);
	pthread_join(tr, NULL);
	pthread_join(tm, NULL);

	/*
	 * A last GET after every write completed judges the stable pages'
	 * last writes; the other mapping's were judged by the unmap that
	 * overlapped them, when no unmap began after them.
	 */
	ASSERT_EQ(0, get_once(s, bitmap, done0));
	free(bitmap);
	for (i = 0; i < CHURN_PAGES && !s->all_dirty && !atomic_load(&s->error); i++) {
		if (page_pending(&s->churn, i))
			judge_settle(s, &s->churn, i, 0);
	}
	EXPECT_EQ(0, atomic_load(&s->error))
		TH_LOG("first error: %s", s->why[0] ? s->why : strerror(atomic_load(&s->error)));
	EXPECT_EQ(0, atomic_load(&s->bad_reports));
	EXPECT_LT(0, s->gets);
	EXPECT_LT(0, s->unmaps);
	if (variant->kind == DEVICE_PCI) {
		TH_LOG("%s, %.1f s: %llu transfers through " SUBMIT_HOW ", %llu GETs (%llu during a transfer), %llu map+unmap-with-bitmap (%llu during a transfer)",
		       self->dma.ops->name, ran_ms / 1000.0, (unsigned long long)s->dmas,
		       (unsigned long long)s->gets, (unsigned long long)s->gets_busy,
		       (unsigned long long)s->unmaps, (unsigned long long)s->unmaps_busy);
		TH_LOG("into the mapping that comes and goes: %llu landed, %llu blocked, %llu racing",
		       (unsigned long long)s->churn_landed, (unsigned long long)s->churn_blocked,
		       (unsigned long long)s->churn_racing);
		EXPECT_LT(0, s->dmas);
		/* The races this test is for, or it proved nothing. */
		EXPECT_LT(0, s->gets_busy);
		EXPECT_LT(0, s->unmaps_busy);
		EXPECT_LT(0, s->churn_landed);
		EXPECT_LT(0, s->churn_blocked);
		EXPECT_LT(0, s->churn_racing);
		/* Nothing landed anywhere else: every transfer's bytes were put back. */
		EXPECT_TRUE(mem_is(mem_of(s, SRC_PAGES), CANARY, (NPAGES - SRC_PAGES) * s->pg));
		return;
	}
	TH_LOG("%.1f s: %llu batches, %llu writes and pins (%llu pins, %llu into the mapping that comes and goes, %llu refused while it was gone), %llu GETs (%llu during a batch), %llu map+unmap-with-bitmap (%llu during a batch)",
	       ran_ms / 1000.0, (unsigned long long)s->batches,
	       (unsigned long long)s->writes, (unsigned long long)s->pins,
	       (unsigned long long)s->churn_writes, (unsigned long long)s->refused_writes,
	       (unsigned long long)s->gets, (unsigned long long)s->gets_busy,
	       (unsigned long long)s->unmaps, (unsigned long long)s->unmaps_busy);
	TH_LOG("judged: %llu by GET (%llu overlapped by one, %llu named by one that overlapped), %llu by unmap (%llu overlapped, %llu named by one that overlapped)",
	       (unsigned long long)s->stable.judged, (unsigned long long)s->stable.overlapped,
	       (unsigned long long)s->stable.named_during,
	       (unsigned long long)s->churn.judged, (unsigned long long)s->churn.overlapped,
	       (unsigned long long)s->churn.named_during);
	EXPECT_LT(0, s->batches);
	/* Every write and refusal was judged: none is left pending. */
	EXPECT_EQ(s->writes + s->refused_writes, s->stable.judged + s->churn.judged);
	EXPECT_EQ(s->refused_writes, s->churn.refused);
	/* The races this test is for, or it proved nothing. */
	EXPECT_LT(0, s->stable.overlapped);
	EXPECT_LT(0, s->churn_writes);
	EXPECT_LT(0, s->churn.overlapped);
	/*
	 * A write refused while the churning mapping was gone is counted and
	 * judged, but not required: on the 6.12 source lab kernel none came in
	 * 30 s (Debian 6.1 and 6.12: 68-147 in 10 s), so it says nothing there.
	 */
	EXPECT_EQ(0, vdm_reg(&self->vdm, VDM_REG_PINNED));
}

VFIO_DIRTY_MAIN("dirty_stress_test: per device, until each race below was seen 4 times (or for\n"
		"VFIO_DIRTY_STRESS_SECONDS), one thread has the device write memory through\n"
		"commands submitted with " SUBMIT_HOW " (test mdev: vfio_dma_rw writes, pin and unpin;\n"
		"edu, NVMe: the register writes that start a DMA), one GETs the bitmap, one maps and unmaps-with-bitmap a second\n"
		"mapping (DP-ARG-23); no report names a hole. Test mdev: each write is named by a\n"
		"report that overlapped it or by the first that began after it completed, and no\n"
		"report names a page no write explains. PCI (every page always dirty, DP-BIT-09, so\n"
		"nothing can be lost): every report names every page of each mapping in it, the\n"
		"data lands exactly or, unmapped, nowhere. The races must have happened (writes\n"
		"during a GET and an unmap, transfers into, blocked by and racing the mapping that\n"
		"comes and goes), or the case fails; the pinned count and locked_vm return to\n"
		"their baseline.")
