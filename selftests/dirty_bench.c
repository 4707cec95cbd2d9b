// SPDX-License-Identifier: GPL-2.0-only
/*
 * dirty_bench: what a dirty-bitmap harvest costs.
 *
 * Not a test: a tool in the manner of KVM's dirty_log_perf_test. Each
 * measured point is one line (a phase, its container, size, density), run
 * a few times after a discarded warm-up, with min / median / max; no time
 * is ever a pass or a failure. Every point is also given its floor: a
 * memcpy() of a bitmap of the same size in this process, so the ratio
 * kernel / floor holds across machines (the VM lab's TCG is slow, the ratio
 * less so).
 *
 * Emulated-only containers (the suite's test mdev alone) make the large
 * sizes cheap: MAP pins nothing there (DP-LIM-04), so an 8 TiB mapping of
 * PROT_NONE, MAP_NORESERVE address space costs only its bitmap. Pages are
 * made dirty by pinning them through the mdev (DP-BIT-03): only pinned
 * pages are dirty at every GET, so a density needs real memory under each
 * dirty page, and points above --dirty-cap pinned pages are not run.
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include <linux/vfio.h>

#include "backing.h"
#include "bitmap.h"
#include "container.h"
#include "dma_log.h"
#include "device.h"
#include "host.h"
#include "iommufd.h"
#include "iommufd_mock.h"
#include "testenv.h"
#include "vdm.h"

#define KIB		1024ULL
#define MIB		(1024 * KIB)
#define GIB		(1024 * MIB)
#define TIB		(1024 * GIB)
#define BASE_IOVA	(16 * TIB)
/* IOMMU-backed: below QEMU VT-d's 39-bit address width and above the MSI window */
#define PCI_IOVA	(4 * GIB)
#define MAX_REPS	1000
#define PIN_RUN		512	/* the kernel's VFIO_PIN_PAGES_MAX_ENTRIES */

/* Tracked sizes of one mapping; the last is INT_MAX pages, the most one GET covers. */
static const u64 sizes[] = {
	4 * MIB, 16 * MIB, 64 * MIB, 256 * MIB, 1 * GIB, 4 * GIB, 16 * GIB, 64 * GIB,
	256 * GIB, 1 * TIB, 0 /* DIRTY_BITMAP_PAGES_MAX pages */,
};

static const unsigned int densities[] = { 0, 1, 10, 50, 100 };

/* How many mappings share MANY_TOTAL bytes. */
#define MANY_TOTAL	(16 * GIB)
static const u64 many_counts[] = { 1, 16, 256, 4096, 32768 };
static const u64 pin_batches[] = { 1, 16, 512 };
#define PIN_PAGES	4096
static const u64 iommu_sizes[] = { 4 * MIB, 64 * MIB, 256 * MIB };
static const u64 mock_sizes[] = { 4 * MIB, 64 * MIB, 256 * MIB, 1 * GIB };
/* Inside the mock domain's aperture (drivers/iommu/iommufd/selftest.c). */
#define MOCK_IOVA	((u64)MOCK_APERTURE_START)

enum phase_bit {
	PH_FLOOR = 1 << 0,
	PH_START = 1 << 1,	/* START and STOP vs tracked size */
	PH_GET = 1 << 2,	/* GET_BITMAP vs size and density */
	PH_MANY = 1 << 3,	/* one mapping vs many */
	PH_UNMAP = 1 << 4,	/* unmap-with-bitmap vs size */
	PH_PIN = 1 << 5,	/* pin cost per page in batches, 4K vs 2M backing */
	PH_IOMMU = 1 << 6,	/* IOMMU-backed GET (vfio-pci), 4K vs 2M backing */
	PH_IOMMUFD = 1 << 7,	/* iommufd GET_DIRTY_BITMAP on the mock */
	PH_LOGGING = 1 << 8,	/* device DMA logging REPORT */
	PH_ALL = (1 << 9) - 1,
};

static const char *const phase_names[] = {
	"floor", "start", "get", "many", "unmap", "pin", "iommu", "iommufd", "logging",
};

static struct {
	double budget;		/* seconds for every point together */
	int min_reps, max_reps, warmup;
	unsigned int phases;
	u64 max_size;
	u64 dirty_cap;		/* pinned pages at most per point */
	const char *csv_path;
	FILE *csv;
	double point_s;		/* budget / points */
	char kernel[128];
	int points, na, errors;
} o = {
	.budget = 20, .min_reps = 3, .max_reps = 50, .warmup = 1, .phases = PH_ALL,
	.max_size = 8 * TIB, .dirty_cap = 65536,
};

/* One line of output: what was measured and how long it took. */
struct point {
	const char *phase;
	const char *container;	/* mdev, pci (IOMMU-backed), mock, memcpy */
	const char *backing;	/* "-" when no memory is touched */
	u64 mappings, tracked, dirty, bitmap, batch;
	unsigned int density;
	u64 units;		/* pages for the per-page column, 0: none */
	int reps;
	u64 min, median, max, floor;
};

/* A timed operation: does one repetition, returns 0 or -errno, *ns its cost. */
typedef int (*once_fn)(void *ctx, u64 *ns);

static u64 now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (u64)t.tv_sec * 1000000000ULL + t.tv_nsec;
}

static int cmp_u64(const void *a, const void *b)
{
	u64 x = *(const u64 *)a, y = *(const u64 *)b;

	return x < y ? -1 : x > y;
}

static const char *fmt_ns(char *buf, size_t len, u64 ns)
{
	if (ns < 10000)
		snprintf(buf, len, "%.2f us", ns / 1e3);
	else if (ns < 10000000)
		snprintf(buf, len, "%.1f us", ns / 1e3);
	else if (ns < 10000000000ULL)
		snprintf(buf, len, "%.1f ms", ns / 1e6);
	else
		snprintf(buf, len, "%.2f s", ns / 1e9);
	return buf;
}

static const char *fmt_size(char *buf, size_t len, u64 b)
{
	static const char *const unit[] = { "B", "KiB", "MiB", "GiB", "TiB" };
	double v = b;
	int i = 0;

	while (v >= 1024 && i < 4) {
		v /= 1024;
		i++;
	}
	if (v == (u64)v)
		snprintf(buf, len, "%llu %s", (unsigned long long)v, unit[i]);
	else
		snprintf(buf, len, "%.1f %s", v, unit[i]);
	return buf;
}

/*
 * Runs @once o.warmup times (discarded), then until the point's share of
 * the budget is spent, at least o.min_reps and at most o.max_reps times.
 */
static int measure(struct point *p, once_fn once, void *ctx)
{
	static u64 v[MAX_REPS];
	u64 t0, ns;
	int i, n = 0, r;

	for (i = 0; i < o.warmup; i++) {
		r = once(ctx, &ns);
		if (r)
			return r;
	}
	t0 = now_ns();
	while (n < o.max_reps &&
	       (n < o.min_reps || now_ns() - t0 < (u64)(o.point_s * 1e9))) {
		r = once(ctx, &ns);
		if (r)
			return r;
		v[n++] = ns;
	}
	qsort(v, n, sizeof(v[0]), cmp_u64);
	p->reps = n;
	p->min = v[0];
	p->max = v[n - 1];
	p->median = n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
	return 0;
}

/* The floor: memcpy() of @bytes, repeated until it lasts long enough to time. */
static u8 *floor_src, *floor_dst;
static u64 floor_len;

struct floor_ctx {
	u64 bytes, loops;
};

static int floor_once(void *ctx, u64 *ns)
{
	struct floor_ctx *f = ctx;
	u64 t0 = now_ns(), i;

	for (i = 0; i < f->loops; i++) {
		memcpy(floor_dst, floor_src, f->bytes);
		/* the copy must happen every time */
		asm volatile("" : : "r"(floor_dst) : "memory");
	}
	*ns = (now_ns() - t0) / f->loops;
	return 0;
}

static int floor_buffers(u64 bytes)
{
	if (bytes <= floor_len)
		return 0;
	free(floor_src);
	free(floor_dst);
	floor_src = malloc(bytes);
	floor_dst = malloc(bytes);
	if (!floor_src || !floor_dst)
		return -ENOMEM;
	memset(floor_src, 0x5a, bytes);
	memset(floor_dst, 0, bytes);
	floor_len = bytes;
	return 0;
}

/* The median memcpy() time of @bytes, measured once per size and kept. */
static u64 floor_ns(u64 bytes, struct point *out)
{
	static struct { u64 bytes; struct point p; } cache[64];
	static int nr;
	struct floor_ctx f = { .bytes = bytes, .loops = 1 };
	struct point p = { 0 };
	u64 ns;
	int i;

	for (i = 0; i < nr && cache[i].bytes != bytes; i++)
		;
	if (i == nr) {
		if (floor_buffers(bytes))
			return 0;
		/* loops so that one repetition lasts at least 20 us */
		floor_once(&f, &ns);
		f.loops = ns >= 20000 ? 1 : 20000 / (ns ? ns : 1) + 1;
		if (measure(&p, floor_once, &f))
			return 0;
		i = nr < (int)ARRAY_SIZE(cache) ? nr++ : nr - 1;
		cache[i].bytes = bytes;
		cache[i].p = p;
	}
	if (out)
		*out = cache[i].p;
	return cache[i].p.median;
}

static const char *fmt_ratio(char *buf, size_t len, double r)
{
	snprintf(buf, len, r < 100 ? "%.1f" : "%.0f", r);
	return buf;
}

static void csv_note(FILE *f, const char *note)
{
	for (; *note; note++)
		fputc(*note == ',' || *note == '\n' ? ';' : *note, f);
}

static const char *const csv_columns[] = {
	"kernel", "phase", "container", "backing", "mappings", "tracked_bytes", "density_pct",
	"dirty_pages", "bitmap_bytes", "batch", "reps", "min_ns", "median_ns", "max_ns",
	"floor_ns", "ratio", "ns_per_gib", "ns_per_page", "status", "note",
};

/* Prints a measured point (@status "ok") or one that was not (@note says why). */
static void emit(struct point *p, const char *status, const char *fmt, ...)
{
	char tr[32], mi[32], me[32], ma[32], fl[32], pg[32], ra[32], note[256] = "";
	double ratio = 0, per_gib = 0, per_page = 0;
	bool ok = !strcmp(status, "ok");
	va_list ap;

	if (fmt) {
		va_start(ap, fmt);
		vsnprintf(note, sizeof(note), fmt, ap);
		va_end(ap);
	}
	if (ok && p->bitmap && !p->floor)
		p->floor = floor_ns(p->bitmap, NULL);
	if (ok && p->floor)
		ratio = (double)p->median / p->floor;
	if (ok && p->tracked)
		per_gib = p->median / ((double)p->tracked / GIB);
	if (ok && p->units)
		per_page = (double)p->median / p->units;
	o.points++;
	if (!ok)
		o.na += !strcmp(status, "not_available");
	o.errors += !strcmp(status, "error");

	printf("%-12s %-6s %-10s %5llu %9s %4u%% %6llu", p->phase, p->container, p->backing,
	       (unsigned long long)p->mappings, fmt_size(tr, sizeof(tr), p->tracked),
	       p->density, (unsigned long long)p->batch);
	if (ok)
		printf(" %4d %10s %10s %10s %10s %8s %10s\n", p->reps,
		       fmt_ns(mi, sizeof(mi), p->min), fmt_ns(me, sizeof(me), p->median),
		       fmt_ns(ma, sizeof(ma), p->max),
		       p->floor ? fmt_ns(fl, sizeof(fl), p->floor) : "-",
		       p->floor ? fmt_ratio(ra, sizeof(ra), ratio) : "-",
		       p->units ? fmt_ns(pg, sizeof(pg), (u64)per_page) :
		       p->tracked ? fmt_ns(pg, sizeof(pg), (u64)per_gib) : "-");
	else
		printf("  %s: %s\n", strcmp(status, "error") ? status : "ERROR", note);
	fflush(stdout);
	if (!o.csv)
		return;
	fprintf(o.csv, "%s,%s,%s,%s,%llu,%llu,%u,%llu,%llu,%llu,", o.kernel, p->phase,
		p->container, p->backing, (unsigned long long)p->mappings,
		(unsigned long long)p->tracked, p->density, (unsigned long long)p->dirty,
		(unsigned long long)p->bitmap, (unsigned long long)p->batch);
	if (ok) {
		fprintf(o.csv, "%d,%llu,%llu,%llu,", p->reps, (unsigned long long)p->min,
			(unsigned long long)p->median, (unsigned long long)p->max);
		if (p->floor)
			fprintf(o.csv, "%llu,%.3f,", (unsigned long long)p->floor, ratio);
		else
			fprintf(o.csv, ",,");
		fprintf(o.csv, "%.0f,", per_gib);
		if (p->units)
			fprintf(o.csv, "%.1f,", per_page);
		else
			fprintf(o.csv, ",");
	} else {
		fprintf(o.csv, ",,,,,,,,");
	}
	fprintf(o.csv, "%s,", status);
	csv_note(o.csv, note);
	fputc('\n', o.csv);
	fflush(o.csv);
}

#define EMIT_ERR(p, r, what) \
	emit(p, "error", "%s: %s", what, strerror(-(r)))

/* The mdev's emulated-only container, shared by the mdev phases. */
static struct dirty_env env;
static struct vdm vdm;
static bool have_mdev;
static char mdev_why[ENV_REASON_MAX + 64];
static u64 pg = 4096;

/* Address space for a mapping: PROT_NONE, nothing allocated. */
static void *reserve(u64 len)
{
	void *va = mmap(NULL, len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

	return va == MAP_FAILED ? NULL : va;
}

static u64 size_of(int i)
{
	return sizes[i] ? sizes[i] : DIRTY_BITMAP_PAGES_MAX * pg;
}

/* Short backing names for the table and the CSV. */
static const char *bname(enum backing_kind k)
{
	return k == BACKING_HUGETLB_2M ? "2m" : k == BACKING_ANON ? "4k" : backing_name(k);
}

/* A user bitmap buffer, kept and grown: touched so no fault is timed. */
static u64 *ubitmap;
static u64 ubitmap_len;

static u64 *user_bitmap(u64 bytes)
{
	if (bytes > ubitmap_len) {
		free(ubitmap);
		ubitmap = malloc(bytes);
		ubitmap_len = ubitmap ? bytes : 0;
		if (!ubitmap)
			return NULL;
	}
	memset(ubitmap, 0, bytes);
	return ubitmap;
}

/* One or more mappings of an emulated-only container, and their dirty pages. */
struct track {
	void *va;
	u64 len, npages, nmaps, ndirty;
	u64 nruns, stride;	/* pinned runs of PIN_RUN pages, @stride apart */
	u64 *bitmap;
	u64 bytes;
};

/*
 * Runs the @n commands of @cmds (any number) through the mdev; each must
 * return its count (a pin) or 0 (an unpin).
 */
static int vdm_run_all(struct vdm_cmd *cmds, u64 n)
{
	u64 i, k;
	int r;

	for (i = 0; i < n; i += k) {
		k = n - i < VDM_MAX_CMDS ? n - i : VDM_MAX_CMDS;
		r = __vdm_run(&vdm, cmds + i, k);
		if (r)
			return r;
	}
	for (i = 0; i < n; i++)
		if (cmds[i].result != (cmds[i].op == VDM_OP_PIN ? (s64)cmds[i].count : 0))
			return cmds[i].result < 0 ? cmds[i].result : -EIO;
	return 0;
}

/* Pins (or unpins) the track's dirty runs. */
static int track_pin(struct track *t, int op)
{
	struct vdm_cmd *cmds = calloc(t->nruns ? t->nruns : 1, sizeof(*cmds));
	u64 i, left = t->ndirty;
	int r;

	if (!cmds)
		return -ENOMEM;
	for (i = 0; i < t->nruns; i++) {
		cmds[i].op = op;
		cmds[i].prot = VDM_PROT_READ | VDM_PROT_WRITE;
		cmds[i].iova = BASE_IOVA + i * t->stride * pg;
		cmds[i].count = left < PIN_RUN ? left : PIN_RUN;
		left -= cmds[i].count;
	}
	r = vdm_run_all(cmds, t->nruns);
	free(cmds);
	return r;
}

/*
 * Maps @len bytes as @nmaps equal mappings at BASE_IOVA and lays out
 * @ndirty dirty pages as runs of PIN_RUN pages spread evenly (made readable
 * and writable so they can be pinned). Nothing is pinned yet.
 */
static int track_setup(struct track *t, u64 len, u64 nmaps, u64 ndirty)
{
	u64 each = len / nmaps, i;
	int r;

	memset(t, 0, sizeof(*t));
	t->len = len;
	t->npages = len / pg;
	t->nmaps = nmaps;
	t->ndirty = ndirty;
	t->nruns = (ndirty + PIN_RUN - 1) / PIN_RUN;
	t->stride = t->nruns ? t->npages / t->nruns : 0;
	if (t->nruns > 1 && t->stride < PIN_RUN)
		return -EINVAL;
	t->bytes = bitmap_bytes(t->npages);
	t->va = reserve(len);
	if (!t->va)
		return -errno;
	for (i = 0; i < t->nruns; i++) {
		if (mprotect((char *)t->va + i * t->stride * pg, PIN_RUN * pg,
			     PROT_READ | PROT_WRITE))
			return -errno;
	}
	for (i = 0; i < nmaps; i++) {
		r = __container_map(&env.c, BASE_IOVA + i * each, (char *)t->va + i * each, each,
				    VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE);
		if (r) {
			t->nmaps = i;
			return r;
		}
	}
	return 0;
}

/* Stops tracking and unmaps whatever of the range is still mapped. */
static void track_teardown(struct track *t)
{
	__container_dirty_stop(&env.c);
	if (t->len)
		__container_unmap(&env.c, BASE_IOVA, t->len, 0, NULL);
	if (t->va)
		munmap(t->va, t->len);
	t->va = NULL;
}

static int get_once(void *ctx, u64 *ns)
{
	struct track *t = ctx;
	u64 t0 = now_ns();
	int r;

	r = __container_dirty_get(&env.c, BASE_IOVA, t->len, pg, t->bitmap, t->bytes);
	*ns = now_ns() - t0;
	return r;
}

static int start_once(void *ctx, u64 *ns)
{
	u64 t0 = now_ns();
	int r = __container_dirty_start(&env.c);

	*ns = now_ns() - t0;
	(void)ctx;
	return r ?: __container_dirty_stop(&env.c);
}

static int stop_once(void *ctx, u64 *ns)
{
	int r = __container_dirty_start(&env.c);
	u64 t0 = now_ns();

	(void)ctx;
	if (r)
		return r;
	r = __container_dirty_stop(&env.c);
	*ns = now_ns() - t0;
	return r;
}

static void na_mdev(struct point *p)
{
	emit(p, "not_available", "%s", mdev_why);
}

static void phase_start(void)
{
	struct point p = { .phase = "start", .container = "mdev", .backing = "-", .mappings = 1 };
	struct track t;
	unsigned int i;
	int r;

	for (i = 0; i < ARRAY_SIZE(sizes) && size_of(i) <= o.max_size; i++) {
		p.tracked = size_of(i);
		p.bitmap = bitmap_bytes(p.tracked / pg);
		p.floor = 0;
		if (!have_mdev) {
			p.phase = "start";
			na_mdev(&p);
			p.phase = "stop";
			na_mdev(&p);
			continue;
		}
		r = track_setup(&t, p.tracked, 1, 0);
		p.phase = "start";
		if (!r)
			r = measure(&p, start_once, NULL);
		r ? EMIT_ERR(&p, r, "START") : emit(&p, "ok", NULL);
		p.phase = "stop";
		if (!r)
			r = measure(&p, stop_once, NULL);
		r ? EMIT_ERR(&p, r, "STOP") : emit(&p, "ok", NULL);
		track_teardown(&t);
	}
}

/*
 * GET over @len bytes in @nmaps mappings with @ndirty pinned pages. The
 * warm-up GET is checked: it must name exactly the pinned pages, or the
 * point is an error (a broken call is not a cost).
 */
static void get_point(struct point *p, u64 nmaps, u64 ndirty)
{
	struct track t;
	u64 w;
	int r;

	r = track_setup(&t, p->tracked, nmaps, ndirty);
	if (r) {
		EMIT_ERR(p, r, "mapping the tracked range");
		goto out;
	}
	t.bitmap = user_bitmap(t.bytes);
	if (!t.bitmap) {
		EMIT_ERR(p, -ENOMEM, "the user bitmap");
		goto out;
	}
	r = __container_dirty_start(&env.c);
	if (!r)
		r = track_pin(&t, VDM_OP_PIN);
	if (r) {
		EMIT_ERR(p, r, "START and pin");
		goto out;
	}
	r = get_once(&t, &w);
	w = r ? 0 : bitmap_weight(t.bitmap, t.npages);
	if (r || w != ndirty) {
		emit(p, "error", "the GET named %llu of %llu pinned pages (%s)",
		     (unsigned long long)w, (unsigned long long)ndirty, strerror(-r));
		track_pin(&t, VDM_OP_UNPIN);
		goto out;
	}
	r = measure(p, get_once, &t);
	track_pin(&t, VDM_OP_UNPIN);
	r ? EMIT_ERR(p, r, "GET_BITMAP") : emit(p, "ok", NULL);
out:
	track_teardown(&t);
}

static void phase_get(void)
{
	struct point p = { .phase = "get", .container = "mdev", .backing = "4k", .mappings = 1 };
	unsigned int i, d;

	for (i = 0; i < ARRAY_SIZE(sizes) && size_of(i) <= o.max_size; i++) {
		for (d = 0; d < ARRAY_SIZE(densities); d++) {
			p.tracked = size_of(i);
			p.density = densities[d];
			p.dirty = p.tracked / pg * p.density / 100;
			p.bitmap = bitmap_bytes(p.tracked / pg);
			p.floor = 0;
			if (!have_mdev) {
				na_mdev(&p);
				continue;
			}
			if (p.dirty > o.dirty_cap) {
				emit(&p, "capped", "%llu pinned pages, more than --dirty-cap %llu",
				     (unsigned long long)p.dirty,
				     (unsigned long long)o.dirty_cap);
				continue;
			}
			get_point(&p, 1, p.dirty);
		}
	}
}

static void phase_many(void)
{
	struct point p = { .container = "mdev", .backing = "-", .tracked = MANY_TOTAL };
	unsigned int i;
	struct track t;
	int r;

	p.bitmap = bitmap_bytes(MANY_TOTAL / pg);
	for (i = 0; i < ARRAY_SIZE(many_counts); i++) {
		p.mappings = many_counts[i];
		p.floor = 0;
		p.phase = "many_get";
		if (!have_mdev) {
			na_mdev(&p);
			continue;
		}
		get_point(&p, p.mappings, 0);
		r = track_setup(&t, MANY_TOTAL, p.mappings, 0);
		p.phase = "many_start";
		if (!r)
			r = measure(&p, start_once, NULL);
		r ? EMIT_ERR(&p, r, "START") : emit(&p, "ok", NULL);
		p.phase = "many_stop";
		if (!r)
			r = measure(&p, stop_once, NULL);
		r ? EMIT_ERR(&p, r, "STOP") : emit(&p, "ok", NULL);
		track_teardown(&t);
	}
}

/* unmap-with-bitmap of one mapping, remade (untimed) before each repetition. */
static int unmap_once(void *ctx, u64 *ns)
{
	struct track *t = ctx;
	u64 t0, unmapped = 0;
	int r;

	r = __container_map(&env.c, BASE_IOVA, t->va, t->len,
			    VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE);
	if (r)
		return r;
	t0 = now_ns();
	r = __container_unmap_dirty(&env.c, BASE_IOVA, t->len, pg, t->bitmap, t->bytes,
				    &unmapped);
	*ns = now_ns() - t0;
	if (!r && unmapped != t->len)
		r = -EIO;
	return r;
}

static void phase_unmap(void)
{
	struct point p = { .phase = "unmap_bitmap", .container = "mdev", .backing = "-",
			   .mappings = 1 };
	struct track t;
	unsigned int i;
	int r;

	for (i = 0; i < ARRAY_SIZE(sizes) && size_of(i) <= o.max_size; i++) {
		p.tracked = size_of(i);
		p.bitmap = bitmap_bytes(p.tracked / pg);
		p.floor = 0;
		if (!have_mdev) {
			na_mdev(&p);
			continue;
		}
		memset(&t, 0, sizeof(t));
		t.len = p.tracked;
		t.npages = t.len / pg;
		t.bytes = p.bitmap;
		t.va = reserve(t.len);
		t.bitmap = user_bitmap(t.bytes);
		r = t.va && t.bitmap ? 0 : -ENOMEM;
		if (!r)
			r = __container_dirty_start(&env.c);
		if (!r)
			r = measure(&p, unmap_once, &t);
		r ? EMIT_ERR(&p, r, "UNMAP_DMA with GET_DIRTY_BITMAP") : emit(&p, "ok", NULL);
		track_teardown(&t);
	}
}

struct pin_ctx {
	struct vdm_cmd *cmds;
	u64 n, batch;
	bool unpin;		/* time the unpins instead of the pins */
};

static void pin_cmds(struct pin_ctx *c, int op)
{
	u64 i;

	for (i = 0; i < c->n; i++) {
		memset(&c->cmds[i], 0, sizeof(c->cmds[i]));
		c->cmds[i].op = op;
		c->cmds[i].prot = VDM_PROT_READ | VDM_PROT_WRITE;
		c->cmds[i].iova = BASE_IOVA + i * c->batch * pg;
		c->cmds[i].count = c->batch;
	}
}

static int pin_once(void *ctx, u64 *ns)
{
	struct pin_ctx *c = ctx;
	u64 t0;
	int r;

	pin_cmds(c, VDM_OP_PIN);
	t0 = now_ns();
	r = vdm_run_all(c->cmds, c->n);
	if (!c->unpin)
		*ns = now_ns() - t0;
	if (r)
		return r;
	pin_cmds(c, VDM_OP_UNPIN);
	t0 = now_ns();
	r = vdm_run_all(c->cmds, c->n);
	if (c->unpin)
		*ns = now_ns() - t0;
	return r;
}

static void phase_pin(void)
{
	static const enum backing_kind kinds[] = { BACKING_ANON, BACKING_HUGETLB_2M };
	struct point p = { .container = "mdev", .mappings = 1, .density = 100 };
	struct pin_ctx c = { 0 };
	char why[256];
	struct backing b;
	unsigned int k, i, u;
	int setup, r;

	p.dirty = PIN_PAGES;
	p.units = PIN_PAGES;
	p.tracked = PIN_PAGES * pg;
	for (k = 0; k < ARRAY_SIZE(kinds); k++) {
		p.backing = bname(kinds[k]);
		memset(&b, 0, sizeof(b));
		setup = 0;
		if (have_mdev)
			setup = backing_alloc(&b, kinds[k], p.tracked, why, sizeof(why));
		if (!setup && have_mdev)
			setup = __container_map(&env.c, BASE_IOVA, b.addr, PIN_PAGES * pg,
						VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE);
		if (!setup && have_mdev)
			setup = __container_dirty_start(&env.c);
		for (i = 0; i < ARRAY_SIZE(pin_batches); i++) {
			for (u = 0; u < 2; u++) {
				p.phase = u ? "unpin" : "pin";
				p.batch = pin_batches[i];
				if (!have_mdev) {
					na_mdev(&p);
					continue;
				}
				if (setup == BACKING_ABSENT) {
					emit(&p, "not_available", "%s", why);
					continue;
				}
				if (setup) {
					EMIT_ERR(&p, setup, "backing, MAP and START");
					continue;
				}
				c.batch = p.batch;
				c.n = PIN_PAGES / c.batch;
				c.unpin = u;
				c.cmds = calloc(c.n, sizeof(*c.cmds));
				r = c.cmds ? measure(&p, pin_once, &c) : -ENOMEM;
				free(c.cmds);
				r ? EMIT_ERR(&p, r, "pin and unpin") : emit(&p, "ok", NULL);
			}
		}
		if (have_mdev && setup != BACKING_ABSENT) {
			__container_dirty_stop(&env.c);
			__container_unmap(&env.c, BASE_IOVA, PIN_PAGES * pg, 0, NULL);
		}
		if (b.map)
			backing_free(&b);
	}
}

/* IOMMU-backed: every mapped page is reported dirty (DP-BIT-09). */
static struct dirty_env penv;

struct pci_ctx {
	u64 len, bytes;
	u64 *bitmap;
};

static int pci_get_once(void *ctx, u64 *ns)
{
	struct pci_ctx *c = ctx;
	u64 t0 = now_ns();
	int r;

	r = __container_dirty_get(&penv.c, PCI_IOVA, c->len, pg, c->bitmap, c->bytes);
	*ns = now_ns() - t0;
	return r;
}

static void phase_iommu(void)
{
	static const enum backing_kind kinds[] = { BACKING_ANON, BACKING_HUGETLB_2M };
	struct point p = { .phase = "get", .container = "pci", .mappings = 1, .density = 100 };
	struct pci_ctx c;
	char why[256];
	struct backing b;
	unsigned int k, i;
	u64 w;
	int r;

	r = env_init(&penv, DEVICE_PCI, 0, IOMMU_MODE_TYPE1V2);
	for (k = 0; k < ARRAY_SIZE(kinds); k++) {
		for (i = 0; i < ARRAY_SIZE(iommu_sizes); i++) {
			p.backing = bname(kinds[k]);
			p.tracked = iommu_sizes[i];
			p.dirty = p.tracked / pg;
			p.bitmap = bitmap_bytes(p.dirty);
			p.floor = 0;
			if (r) {
				emit(&p, r == ENV_SKIP ? "not_available" : "error", "%s",
				     penv.reason);
				continue;
			}
			memset(&b, 0, sizeof(b));
			r = backing_alloc(&b, kinds[k], p.tracked, why, sizeof(why));
			if (r) {
				emit(&p, r == BACKING_ABSENT ? "not_available" : "error", "%s",
				     why);
				r = 0;
				continue;
			}
			c.len = p.tracked;
			c.bytes = p.bitmap;
			c.bitmap = user_bitmap(c.bytes);
			r = c.bitmap ? 0 : -ENOMEM;
			if (!r)
				r = __container_map(&penv.c, PCI_IOVA, b.addr, c.len,
						    VFIO_DMA_MAP_FLAG_READ |
						    VFIO_DMA_MAP_FLAG_WRITE);
			if (!r)
				r = __container_dirty_start(&penv.c);
			if (!r)
				r = pci_get_once(&c, &w);
			w = r ? 0 : bitmap_weight(c.bitmap, p.dirty);
			if (!r && w != p.dirty)
				emit(&p, "error", "the GET named %llu of %llu mapped pages",
				     (unsigned long long)w, (unsigned long long)p.dirty);
			else if (!r)
				r = measure(&p, pci_get_once, &c);
			if (r)
				EMIT_ERR(&p, r, "map, START or GET");
			else if (w == p.dirty)
				emit(&p, "ok", NULL);
			__container_dirty_stop(&penv.c);
			__container_unmap(&penv.c, PCI_IOVA, c.len, 0, NULL);
			backing_free(&b);
			r = 0;
		}
	}
	env_teardown(&penv);
}

/* iommufd's IOMMU_HWPT_GET_DIRTY_BITMAP on the CONFIG_IOMMUFD_TEST mock. */
struct mock_ctx {
	struct iommufd ifd;
	u32 hwpt;
	u64 len, mpg, bytes;
	u64 *bitmap;
	u64 *marks;		/* the pages IOMMU_TEST_OP_DIRTY marks: all or none */
};

/* Marks the IOPTEs dirty (untimed: the GET clears them), then times the GET. */
static int mock_get_once(void *ctx, u64 *ns)
{
	struct mock_ctx *m = ctx;
	u64 t0, nr;
	int r;

	r = __iommufd_mock_dirty(&m->ifd, m->hwpt, MOCK_IOVA, m->len, m->mpg, m->marks, &nr);
	if (r)
		return r;
	t0 = now_ns();
	r = __iommufd_hwpt_get_dirty(&m->ifd, m->hwpt, MOCK_IOVA, m->len, m->mpg, m->bitmap, 0);
	*ns = now_ns() - t0;
	return r;
}

static int mock_setup(struct mock_ctx *m, u32 *ioas, char *why, size_t len)
{
	struct iommufd_mock_dev md;
	int r;

	if (!host_exists("/dev/iommu")) {
		snprintf(why, len, "iommufd: no /dev/iommu (CONFIG_IOMMUFD=n)");
		return ENV_SKIP;
	}
	r = __iommufd_open(&m->ifd);
	if (!r)
		r = __iommufd_ioas_alloc(&m->ifd, ioas);
	if (r) {
		snprintf(why, len, "opening /dev/iommu and an IOAS: %s", strerror(-r));
		return r;
	}
	r = __iommufd_mock_domain(&m->ifd, *ioas, 0, &md);
	if (r == -ENOTTY || r == -EINVAL) {
		snprintf(why, len, "iommufd_mock: IOMMU_TEST_CMD MOCK_DOMAIN: %s%s", strerror(-r),
			 r == -ENOTTY ? " (kernel without CONFIG_IOMMUFD_TEST)" :
			 " (another IOMMU took the mock device: boot with intel_iommu=off)");
		return ENV_SKIP;
	}
	if (!r)
		r = __iommufd_hwpt_alloc(&m->ifd, md.idev_id, *ioas,
					 IOMMU_HWPT_ALLOC_DIRTY_TRACKING, &m->hwpt);
	if (r)
		snprintf(why, len, "mock domain and a dirty-tracking HWPT: %s", strerror(-r));
	return r;
}

/* One mock point: @m's IOAS maps @b, tracking is on; all or no pages marked. */
static void mock_point(struct point *p, struct mock_ctx *m)
{
	u64 nr, w;
	int r;

	memset(m->marks, p->density ? 0xff : 0, m->bytes);
	memset(m->bitmap, 0, m->bytes);
	r = mock_get_once(m, &nr);
	w = r ? 0 : bitmap_weight(m->bitmap, m->len / m->mpg);
	if (r) {
		EMIT_ERR(p, r, "IOMMU_TEST_OP_DIRTY or IOMMU_HWPT_GET_DIRTY_BITMAP");
		return;
	}
	if (w != p->dirty) {
		emit(p, "error", "the GET named %llu of %llu marked pages",
		     (unsigned long long)w, (unsigned long long)p->dirty);
		return;
	}
	r = measure(p, mock_get_once, m);
	r ? EMIT_ERR(p, r, "IOMMU_HWPT_GET_DIRTY_BITMAP") : emit(p, "ok", NULL);
}

static void phase_iommufd(void)
{
	struct point p = { .phase = "get", .container = "mock", .backing = "4k", .mappings = 1 };
	struct mock_ctx m = { .ifd.fd = -1 };
	char why[256] = "";
	struct backing b;
	unsigned int i, d;
	u32 ioas = 0;
	int r;

	m.mpg = iommufd_mock_page_size();
	r = mock_setup(&m, &ioas, why, sizeof(why));
	for (i = 0; i < ARRAY_SIZE(mock_sizes); i++) {
		p.tracked = mock_sizes[i];
		p.bitmap = bitmap_bytes(p.tracked / m.mpg);
		memset(&b, 0, sizeof(b));
		m.len = p.tracked;
		m.bytes = p.bitmap;
		m.bitmap = NULL;
		m.marks = NULL;
		if (!r) {
			r = backing_alloc(&b, BACKING_ANON, m.len, why, sizeof(why));
			if (r == BACKING_ABSENT)
				r = ENV_SKIP;
		}
		if (!r) {
			m.bitmap = user_bitmap(m.bytes);
			m.marks = malloc(m.bytes);
			r = m.bitmap && m.marks ? 0 : -ENOMEM;
			if (r)
				snprintf(why, sizeof(why), "bitmaps: %s", strerror(-r));
		}
		if (!r) {
			r = __iommufd_ioas_map(&m.ifd, ioas, MOCK_IOVA, b.addr, m.len);
			if (!r)
				r = __iommufd_hwpt_set_dirty(&m.ifd, m.hwpt,
							     IOMMU_HWPT_DIRTY_TRACKING_ENABLE);
			if (r)
				snprintf(why, sizeof(why), "IOAS_MAP and SET_DIRTY_TRACKING: %s",
					 strerror(-r));
		}
		for (d = 0; d <= 100; d += 100) {
			p.density = d;
			p.dirty = d ? m.len / m.mpg : 0;
			p.floor = 0;
			if (r)
				emit(&p, r == ENV_SKIP ? "not_available" : "error", "%s", why);
			else
				mock_point(&p, &m);
		}
		free(m.marks);
		if (m.ifd.fd >= 0 && !r) {
			__iommufd_hwpt_set_dirty(&m.ifd, m.hwpt, 0);
			__iommufd_ioas_unmap(&m.ifd, ioas, MOCK_IOVA, m.len, NULL);
		}
		if (b.map)
			backing_free(&b);
		/* a set-up failure of the mock itself stays for every size */
		if (r && m.hwpt)
			r = 0;
	}
	iommufd_close(&m.ifd);
}

/*
 * Device DMA logging (VFIO_DEVICE_FEATURE_DMA_LOGGING_*): only a device
 * whose driver implements it has it. Probed on every named device; no
 * device of the lab has it, and a probe that succeeds is said to be
 * unmeasured rather than given a number.
 */
static void logging_probe(struct point *p, struct vfio_dev *d)
{
	int r = __dma_log_probe(d->fd);

	if (r)
		emit(p, "not_available",
		     "%s: VFIO_DEVICE_FEATURE PROBE DMA_LOGGING_START: %s (no device DMA logging)",
		     d->name, strerror(-r));
	else
		emit(p, "not_available",
		     "%s: has DMA logging; REPORT is not measured by this version", d->name);
}

static void phase_logging(void)
{
	struct point p = { .phase = "report", .container = "pci", .backing = "-", .mappings = 1 };
	struct dirty_env de;
	int r;

	r = env_init(&de, DEVICE_PCI, 0, IOMMU_MODE_TYPE1V2);
	if (r)
		emit(&p, r == ENV_SKIP ? "not_available" : "error", "%s", de.reason);
	else
		logging_probe(&p, &de.dev);
	env_teardown(&de);
	/* the mdev's group is in the bench's container already */
	p.container = "mdev";
	if (have_mdev)
		logging_probe(&p, &env.dev);
	else
		na_mdev(&p);
}

/* How many points the phases in o.phases will print, for the budget. */
static int plan_points(void)
{
	unsigned int i, d;
	int n = 0;

	for (i = 0; i < ARRAY_SIZE(sizes) && size_of(i) <= o.max_size; i++) {
		n += !!(o.phases & PH_FLOOR) + 2 * !!(o.phases & PH_START) +
		     !!(o.phases & PH_UNMAP);
		for (d = 0; d < ARRAY_SIZE(densities) && (o.phases & PH_GET); d++)
			n += size_of(i) / pg * densities[d] / 100 <= o.dirty_cap;
	}
	if (o.phases & PH_MANY)
		n += 3 * ARRAY_SIZE(many_counts);
	if (o.phases & PH_PIN)
		n += 2 * 2 * ARRAY_SIZE(pin_batches);
	if (o.phases & PH_IOMMU)
		n += 2 * ARRAY_SIZE(iommu_sizes);
	if (o.phases & PH_IOMMUFD)
		n += 2 * ARRAY_SIZE(mock_sizes);
	return n ? n : 1;
}

static void phase_floor(void)
{
	struct point p = { .phase = "floor", .container = "memcpy", .backing = "4k" };
	struct point f;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(sizes) && size_of(i) <= o.max_size; i++) {
		p.tracked = size_of(i);
		p.bitmap = bitmap_bytes(p.tracked / pg);
		p.floor = floor_ns(p.bitmap, &f);
		if (!p.floor) {
			EMIT_ERR(&p, -ENOMEM, "floor buffers");
			continue;
		}
		p.reps = f.reps;
		p.min = f.min;
		p.median = f.median;
		p.max = f.max;
		emit(&p, "ok", NULL);
	}
}

/* A byte count with an optional K, M, G or T suffix (powers of 1024, "iB" allowed). */
static int parse_size(const char *s, u64 *out)
{
	static const char suffixes[] = "KMGT";
	const char *at;
	char *end;
	u64 v = strtoull(s, &end, 0);

	at = *end ? strchr(suffixes, *end) : NULL;
	if (at) {
		v <<= 10 * (at - suffixes + 1);
		end++;
	}
	if (end == s || (*end && strcmp(end, "iB")))
		return -EINVAL;
	*out = v;
	return 0;
}

static int parse_phases(const char *s)
{
	char buf[256], *tok, *save;
	unsigned int i, mask = 0;

	snprintf(buf, sizeof(buf), "%s", s);
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		for (i = 0; i < ARRAY_SIZE(phase_names); i++)
			if (!strcmp(tok, phase_names[i]))
				break;
		if (!strcmp(tok, "all"))
			mask |= PH_ALL;
		else if (i < ARRAY_SIZE(phase_names))
			mask |= 1U << i;
		else
			return -1;
	}
	return mask;
}

static const char *usage =
	"Usage: dirty_bench [OPTION...] [DEVICE...]\n"
	"\n"
	"What a dirty-bitmap harvest costs: wall time per call of VFIO_IOMMU_DIRTY_PAGES\n"
	"GET_BITMAP over 4 MiB .. 8 TiB tracked (INT_MAX pages, the most one GET covers)\n"
	"at 0..100 %% dirty, one mapping vs many, START and STOP, unmap-with-bitmap, pin\n"
	"cost per page in batches (4K vs 2M backing), the IOMMU-backed GET (4K vs 2M),\n"
	"iommufd GET_DIRTY_BITMAP on the CONFIG_IOMMUFD_TEST mock and device DMA logging\n"
	"where the kernel and device have them (else a \"not available\" row, never a\n"
	"number). Each point: warm-up discarded, then repetitions until its share of the\n"
	"budget is spent; min / median / max, and the ratio to its floor, a memcpy() of a\n"
	"bitmap of the same size in this process. Nothing passes or fails on time.\n"
	"\n"
	"DEVICE: the suite's test mdev (UUID; the emulated-only container of most phases)\n"
	"and a vfio-pci device (PCI address; the IOMMU-backed phase), as arguments or in\n"
	"VFIO_DIRTY_DEVICES. Without them those phases print \"not available\" rows.\n"
	"\n"
	"  --budget S       seconds for all points together (default 20); each point\n"
	"                   gets its share, but at least --min-reps repetitions\n"
	"  --min-reps N     (default 3)    --max-reps N (default 50)\n"
	"  --warmup N       discarded repetitions per point (default 1)\n"
	"  --phases LIST    comma-separated: floor,start,get,many,unmap,pin,iommu,\n"
	"                   iommufd,logging, or all (default)\n"
	"  --max-size SIZE  largest tracked size (default 8T; K, M, G, T suffixes)\n"
	"  --dirty-cap N    most pinned pages a point may need (default 65536); denser\n"
	"                   points are left out (\"capped\" rows in the CSV)\n"
	"  --csv FILE       also write every point as CSV (header line first)\n"
	"  --help           this text\n"
	"\n"
	"The table: phase, container (mdev: emulated-only; pci: IOMMU-backed; mock:\n"
	"iommufd mock), backing, mappings, tracked size, density, batch (pages per pin\n"
	"call), repetitions, min, median, max, floor, median / floor, and the median per\n"
	"GiB tracked (per page for pin and unpin). Exit status: 0 when every point ran\n"
	"or was not available, 1 when one failed, 2 on a usage error.\n";

static int parse_args(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "budget", required_argument, NULL, 'b' },
		{ "min-reps", required_argument, NULL, 'm' },
		{ "max-reps", required_argument, NULL, 'M' },
		{ "warmup", required_argument, NULL, 'w' },
		{ "phases", required_argument, NULL, 'p' },
		{ "max-size", required_argument, NULL, 's' },
		{ "dirty-cap", required_argument, NULL, 'd' },
		{ "csv", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	int c, v;

	while ((c = getopt_long(argc, argv, "+", longopts, NULL)) != -1) {
		switch (c) {
		case 'b':
			o.budget = atof(optarg);
			break;
		case 'm':
			o.min_reps = atoi(optarg);
			break;
		case 'M':
			o.max_reps = atoi(optarg);
			break;
		case 'w':
			o.warmup = atoi(optarg);
			break;
		case 'p':
			v = parse_phases(optarg);
			if (v < 0)
				return -1;
			o.phases = v;
			break;
		case 's':
			if (parse_size(optarg, &o.max_size))
				return -1;
			break;
		case 'd':
			o.dirty_cap = strtoull(optarg, NULL, 0);
			break;
		case 'c':
			o.csv_path = optarg;
			break;
		case 'h':
			fputs(usage, stdout);
			exit(0);
		default:
			return -1;
		}
	}
	if (o.budget < 0 || o.min_reps < 1 || o.max_reps < o.min_reps ||
	    o.max_reps > MAX_REPS || o.warmup < 0)
		return -1;
	return optind;
}

static void open_mdev(void)
{
	char why[160];
	int r;

	if (!(o.phases & (PH_START | PH_GET | PH_MANY | PH_UNMAP | PH_PIN | PH_LOGGING)))
		return;
	r = env_init(&env, DEVICE_MDEV, 0, IOMMU_MODE_TYPE1V2);
	if (r) {
		snprintf(mdev_why, sizeof(mdev_why), "%s", env.reason);
		if (r != ENV_SKIP)
			o.errors++;
		return;
	}
	r = __vdm_probe(&vdm, env.dev.fd, why, sizeof(why));
	if (r) {
		snprintf(mdev_why, sizeof(mdev_why), "%s: %s", env.dev.name, why);
		o.errors++;
		env_teardown(&env);
		return;
	}
	pg = env.pgsize ? env.pgsize : host_page_size();
	have_mdev = true;
}

int main(int argc, char **argv)
{
	char why[256], *dargv[DEVICES_MAX + 2];
	struct utsname u;
	u64 t0 = now_ns();
	int first, i, n;

	first = parse_args(argc, argv);
	if (first < 0) {
		fputs(usage, stderr);
		return 2;
	}
	dargv[0] = argv[0];
	for (i = first, n = 1; i < argc && n < DEVICES_MAX + 1; i++)
		dargv[n++] = argv[i];
	dargv[n] = NULL;
	if (i < argc || device_args_take(n, dargv, why, sizeof(why)) < 0) {
		fprintf(stderr, "dirty_bench: %s\n", i < argc ? "too many devices" : why);
		return 2;
	}
	if (o.csv_path) {
		o.csv = fopen(o.csv_path, "w");
		if (!o.csv) {
			fprintf(stderr, "dirty_bench: %s: %s\n", o.csv_path, strerror(errno));
			return 2;
		}
		for (i = 0; i < (int)ARRAY_SIZE(csv_columns); i++)
			fprintf(o.csv, "%s%s", i ? "," : "", csv_columns[i]);
		fputc('\n', o.csv);
	}
	uname(&u);
	snprintf(o.kernel, sizeof(o.kernel), "%s", u.release);
	pg = host_page_size();
	open_mdev();
	o.point_s = o.budget / plan_points();
	printf("# dirty_bench on %s: page %llu B, budget %.0f s over %d points (%.2f s each),",
	       o.kernel, (unsigned long long)pg, o.budget, plan_points(), o.point_s);
	printf(" reps %d..%d, warm-up %d\n", o.min_reps, o.max_reps, o.warmup);
	printf("# %-10s %-6s %-10s %5s %9s %5s %6s %4s %10s %10s %10s %10s %8s %10s\n",
	       "phase", "cont", "backing", "maps", "tracked", "dirty", "batch", "reps", "min",
	       "median", "max", "floor", "ratio", "per GiB/pg");
	for (i = 0; i < (int)ARRAY_SIZE(phase_names); i++) {
		static void (*const run[])(void) = {
			phase_floor, phase_start, phase_get, phase_many, phase_unmap,
			phase_pin, phase_iommu, phase_iommufd, phase_logging,
		};

		if (o.phases & (1U << i))
			run[i]();
	}
	if (have_mdev)
		env_teardown(&env);
	printf("# totals: %d points, %d not available, %d errors, %.1f s\n", o.points, o.na,
	       o.errors, (now_ns() - t0) / 1e9);
	if (o.csv)
		fclose(o.csv);
	return o.errors ? 1 : 0;
}
