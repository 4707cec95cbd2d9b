// SPDX-License-Identifier: GPL-2.0-only
/*
 * Faults around type1 dirty tracking, in an emulated-only type1 v2
 * container holding the suite's test mdev (pass-through mode):
 *
 * - a process killed by SIGKILL while tracking, its driver holding pins:
 *   the container goes (DP-SCOPE-06, last group), the pins and their
 *   locked_vm charge (DP-PIN-10) come back, the mdev opens again;
 * - the container fd closed while another thread is in GET_BITMAP: that GET
 *   ends as if the close came after it (0, its bitmap exact) or before it
 *   (EBADF), nothing else, and the container's memory goes with its last
 *   user;
 * - delete_module() of the test mdev while an instance is open: refused
 *   with EAGAIN (the module is in use), the instance keeps working;
 * - error paths leak nothing (leak.h): calls the kernel rejects, repeated N
 *   times, leave no vfio vmalloc entry, slab object or locked_vm behind.
 *
 * A splat in any case fails it (vfio_dirty_test.h, the kernel log check).
 */
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>

#include "vfio_dirty_test.h"
#include "leak.h"

#define BASE_IOVA	(1ULL << 32)
#define NPAGES		64
#define NPINS		16
#define RW		(VDM_PROT_READ | VDM_PROT_WRITE)
#define MDEV_MODULE	"vfio_dirty_mdev"
/* far above BASE_IOVA: 256 GiB of tracked IOVA (an 8 MiB bitmap: vmalloc) */
#define BIG_IOVA	(1ULL << 40)
#define BIG_PAGES	(1ULL << 26)
#define LEAK_CALLS	256

FIXTURE(fault) {
	struct dirty_env env;
	struct vdm vdm;
	struct backing mem;
	u64 pg;
	long locked;
	void *va;		/* reserved address space for BIG mappings */
	size_t va_len;
};

FIXTURE_VARIANT(fault) {
	enum iommu_mode mode;
};

FIXTURE_VARIANT_ADD_TRACKING_MODES(fault)

FIXTURE_SETUP(fault)
{
	self->locked = proc_status_kb("VmLck");
	DIRTY_INIT_OR_SKIP(&self->env, &self->vdm, DEVICE_MDEV, variant->mode);
	vdm_set_mode(&self->vdm, VDM_PASS_THROUGH);
	self->pg = self->env.pgsize;
	BACKING_ALLOC_OR_SKIP(&self->mem, BACKING_ANON, NPAGES * self->pg);
	container_map(&self->env.c, BASE_IOVA, self->mem.addr, NPAGES * self->pg);
}

FIXTURE_TEARDOWN(fault)
{
	env_teardown(&self->env);
	EXPECT_EQ(self->locked, proc_status_kb("VmLck"));
	backing_free(&self->mem);
	if (self->va)
		munmap(self->va, self->va_len);
}

/* Address space for @npages pages, nothing allocated (DP-LIM-04: MAP pins nothing). */
static int reserve(FIXTURE_DATA(fault) *self, u64 npages)
{
	self->va_len = npages * self->pg;
	self->va = mmap(NULL, self->va_len, PROT_NONE,
			MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (self->va == MAP_FAILED) {
		self->va = NULL;
		return -errno;
	}
	/* its first page is memory: the driver can pin it */
	return mprotect(self->va, self->pg, PROT_READ | PROT_WRITE) ? -errno : 0;
}

#define RESERVE_OR_SKIP(self, npages) do {					\
	int __r = reserve(self, npages);					\
	if (__r == -ENOMEM)							\
		SKIP(return, "kernel: no room for %llu GiB of address space",	\
		     (unsigned long long)((u64)(npages) * (self)->pg >> 30));	\
	ASSERT_EQ(0, __r);							\
} while (0)

/* How long a released container may take to go (the runner's VFIO_DIRTY_RELEASE_WAIT). */
static int release_wait_s(void)
{
	const char *s = getenv("VFIO_DIRTY_RELEASE_WAIT");

	return s && atoi(s) > 0 ? atoi(s) : 60;
}

/* Waits until VmLck is @want kB, at most release_wait_s(); returns the last value. */
static long wait_locked(long want)
{
	struct timespec t0, t;
	long kb;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		kb = proc_status_kb("VmLck");
		clock_gettime(CLOCK_MONOTONIC, &t);
		if (kb == want || t.tv_sec - t0.tv_sec >= release_wait_s())
			return kb;
		usleep(100 * 1000);
	}
}

/* Closes this process's copies of the environment's fds, with no ioctl. */
static void drop_fds(struct dirty_env *e)
{
	int i;

	if (e->dev.fd >= 0)
		close(e->dev.fd);
	e->dev.fd = -1;
	for (i = 0; i < e->c.nr_groups; i++)
		close(e->c.group_fd[i]);
	e->c.nr_groups = 0;
	if (e->c.fd >= 0)
		close(e->c.fd);
	e->c.fd = -1;
}

/*
 * DP-SCOPE-06 / DP-PIN-10: a child that holds the only fds of a tracking
 * container, its driver holding NPINS pins, is killed by SIGKILL. The pins
 * were charged to this process's locked_vm (type1 charges the mm that made
 * the mapping); when the child's fds go, the device closes (the driver
 * unpins), the last group leaves and the container goes: locked_vm is back
 * to its baseline, and the mdev opens again in a new container with nothing
 * pinned.
 */
TEST_F(fault, scope06_sigkill_mid_tracking_releases_pins)
{
	long want = self->locked + NPINS * (long)(self->pg / 1024);
	struct pollfd p;
	int fds[2], status;
	long kb;
	char c;
	pid_t pid;

	container_dirty_start(&self->env.c);
	ASSERT_EQ(0, pipe(fds));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		close(fds[0]);
		c = vdm_pin_pages_each(&self->vdm, BASE_IOVA, NPINS, self->pg, RW) ? 'E' : 'R';
		if (write(fds[1], &c, 1) != 1)
			_exit(1);
		for (;;)
			pause();
	}
	close(fds[1]);
	drop_fds(&self->env);
	p.fd = fds[0];
	p.events = POLLIN;
	c = 0;
	if (poll(&p, 1, 30000) == 1 && read(fds[0], &c, 1) != 1)
		c = 0;
	close(fds[0]);
	kb = proc_status_kb("VmLck");
	kill(pid, SIGKILL);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_EQ('R', c) TH_LOG("the child did not pin %d pages (%c)", NPINS, c ?: '-');
	/* the pins were charged here: the check below can see them go */
	ASSERT_EQ(want, kb) TH_LOG("VmLck with %d pins held by the child", NPINS);
	ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);

	kb = wait_locked(self->locked);
	ASSERT_EQ(self->locked, kb)
		TH_LOG("locked_vm still %ld kB %d s after the kill (baseline %ld kB)", kb,
		       release_wait_s(), self->locked);
	/* the group and the device are free again; the driver holds nothing */
	ENV_INIT_OR_SKIP(&self->env, DEVICE_MDEV, 0, variant->mode);
	VDM_INIT(&self->env, &self->vdm);
	EXPECT_EQ(0, vdm_reg(&self->vdm, VDM_REG_PINNED));
}

struct getter {
	int fd;
	u64 iova, size, pg;
	u64 *bitmap;
	u64 bitmap_size;
	/* shared with the main thread: __atomic loads and stores */
	int stop;
	long ok, ebadf, other, bad_bits;
	int other_err;
};

static void *getter_run(void *arg)
{
	struct getter *g = arg;
	struct dirty_get_arg a;
	int r = 0;

	while (!r && !__atomic_load_n(&g->stop, __ATOMIC_ACQUIRE)) {
		memset(&a, 0, sizeof(a));
		a.hdr.argsz = sizeof(a);
		a.hdr.flags = VFIO_IOMMU_DIRTY_PAGES_FLAG_GET_BITMAP;
		a.range.iova = g->iova;
		a.range.size = g->size;
		a.range.bitmap.pgsize = g->pg;
		a.range.bitmap.size = g->bitmap_size;
		a.range.bitmap.data = (__u64 *)g->bitmap;
		g->bitmap[0] = 0;
		r = ioctl_errno(g->fd, VFIO_IOMMU_DIRTY_PAGES, &a);
		/* page 0 is pinned: dirty in every report (DP-BIT-01) */
		if (!r && g->bitmap[0] != 1)
			__atomic_add_fetch(&g->bad_bits, 1, __ATOMIC_RELEASE);
		if (!r)
			__atomic_add_fetch(&g->ok, 1, __ATOMIC_RELEASE);
	}
	if (r == -EBADF)
		__atomic_store_n(&g->ebadf, 1, __ATOMIC_RELEASE);
	if (r && r != -EBADF) {
		g->other_err = -r;
		__atomic_store_n(&g->other, 1, __ATOMIC_RELEASE);
	}
	return NULL;
}

#define LOAD(x)	__atomic_load_n(&(x), __ATOMIC_ACQUIRE)

/*
 * The container fd closed by one thread while another loops on GET_BITMAP
 * over 256 GiB of tracked IOVA (an 8 MiB bitmap per call): the rule is that
 * a close never breaks a call in flight (it holds its own reference to the
 * file), so each GET returns 0 with an exact bitmap until the fd is gone,
 * then EBADF; nothing else, and no splat. The fd's resources then go with
 * the group and device: locked_vm and the vfio vmalloc entries back to what
 * they were before START.
 */
TEST_F(fault, close_container_during_get)
{
	struct leak_snap *before = calloc(1, sizeof(*before)), *after = calloc(1, sizeof(*after));
	struct getter g = { 0 };
	pthread_t th;
	int i;

	ASSERT_NE(NULL, before);
	ASSERT_NE(NULL, after);
	RESERVE_OR_SKIP(self, BIG_PAGES);
	container_map(&self->env.c, BIG_IOVA, self->va, BIG_PAGES * self->pg);
	ASSERT_EQ(1, vdm_pin(&self->vdm, BIG_IOVA, 1, RW));
	ASSERT_EQ(0, __leak_snap(before));
	container_dirty_start(&self->env.c);
	g.fd = self->env.c.fd;
	g.iova = BIG_IOVA;
	g.size = BIG_PAGES * self->pg;
	g.pg = self->pg;
	g.bitmap_size = bitmap_bytes(BIG_PAGES);
	g.bitmap = mmap(NULL, g.bitmap_size, PROT_READ | PROT_WRITE,
			MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	ASSERT_NE(MAP_FAILED, g.bitmap);
	ASSERT_EQ(0, pthread_create(&th, NULL, getter_run, &g));
	for (i = 0; i < 3000 && LOAD(g.ok) < 2 && !LOAD(g.other) && !LOAD(g.ebadf); i++)
		usleep(10 * 1000);
	close(self->env.c.fd);
	self->env.c.fd = -1;
	for (i = 0; i < 3000 && !LOAD(g.ebadf) && !LOAD(g.other); i++)
		usleep(1000);
	__atomic_store_n(&g.stop, 1, __ATOMIC_RELEASE);
	pthread_join(th, NULL);
	munmap(g.bitmap, g.bitmap_size);

	EXPECT_EQ(0, g.other) TH_LOG("a GET failed with %s", strerror(g.other_err));
	EXPECT_LE(2, g.ok) TH_LOG("%ld GETs returned 0 before the close", g.ok);
	EXPECT_EQ(1, g.ebadf) TH_LOG("the GET after the close did not fail with EBADF");
	EXPECT_EQ(0, g.bad_bits) TH_LOG("%ld GETs reported other than page 0 dirty",
					g.bad_bits);
	/* the group still holds the container: close it, the device and the group */
	drop_fds(&self->env);
	EXPECT_EQ(self->locked, wait_locked(self->locked));
	ASSERT_EQ(0, __leak_snap(after));
	EXPECT_GE(before->vfio_vmallocs, after->vfio_vmallocs)
		TH_LOG("vfio vmalloc entries %ld, before START %ld (%ld bytes, was %ld)",
		       after->vfio_vmallocs, before->vfio_vmallocs, after->vfio_vmalloc_bytes,
		       before->vfio_vmalloc_bytes);
	free(before);
	free(after);
}

/* /sys/module/NAME/initstate: "live" while loaded. */
static bool module_live(const char *name)
{
	char path[256], state[32] = "";
	FILE *f;

	snprintf(path, sizeof(path), "/sys/module/%s/initstate", name);
	f = fopen(path, "r");
	if (!f)
		return false;
	if (!fgets(state, sizeof(state), f))
		state[0] = '\0';
	fclose(f);
	return !strncmp(state, "live", 4);
}

/*
 * delete_module() of the test mdev while one of its instances is open: the
 * open device holds a reference to its driver's module, so the kernel
 * refuses with EAGAIN (EWOULDBLOCK: in use, kernel/module/main.c) whatever
 * the flags, and the module stays live: the instance still pins, and its
 * pin is still dirty (DP-BIT-01).
 */
TEST_F(fault, rmmod_with_open_instance_refused)
{
	long r;

	ASSERT_TRUE(module_live(MDEV_MODULE)) TH_LOG("no live module %s", MDEV_MODULE);
	/* the file exists with CONFIG_MODULE_UNLOAD alone */
	if (!host_exists("/sys/module/" MDEV_MODULE "/refcnt"))
		SKIP(return, "kernel: no module unloading (CONFIG_MODULE_UNLOAD=n)");
	container_dirty_start(&self->env.c);
	r = syscall(SYS_delete_module, MDEV_MODULE, O_NONBLOCK);
	ASSERT_EQ(-1, r) TH_LOG("delete_module(%s) with an instance open succeeded",
				MDEV_MODULE);
	EXPECT_EQ(EAGAIN, errno) TH_LOG("delete_module: %s", strerror(errno));
	r = syscall(SYS_delete_module, MDEV_MODULE, 0);
	ASSERT_EQ(-1, r);
	EXPECT_EQ(EAGAIN, errno) TH_LOG("delete_module without O_NONBLOCK: %s",
					strerror(errno));
	ASSERT_TRUE(module_live(MDEV_MODULE));
	ASSERT_EQ(1, vdm_pin(&self->vdm, BASE_IOVA + 3 * self->pg, 1, RW));
	ASSERT_DIRTY_PAGES(&self->env, BASE_IOVA, NPAGES, 3);
	EXPECT_EQ(0, vdm_unpin(&self->vdm, BASE_IOVA + 3 * self->pg, 1));
}

/* Leak checks: a call the kernel rejects, repeated, and what it must return. */
struct rejected {
	const char *what;	/* the call, for the message */
	const char *req;	/* the requirement that says it fails */
	int err;		/* its errno */
	int (*call)(void *arg);
	struct container *c;
	u64 pg;
	char *va;		/* the fixture's reserved address space */
};

static int start_call(void *arg)
{
	struct rejected *x = arg;

	return __container_dirty_start(x->c);
}

static int map_big_call(void *arg)
{
	struct rejected *x = arg;

	return __container_map(x->c, BIG_IOVA << 4, x->va, (DIRTY_BITMAP_PAGES_MAX + 1) * x->pg,
			       VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE);
}

static int get_pgsize_call(void *arg)
{
	struct rejected *x = arg;
	u64 bitmap[2];

	return __container_dirty_get(x->c, BASE_IOVA, NPAGES * x->pg,
				     2 * x->pg, bitmap, sizeof(bitmap));
}

static int get_small_bitmap_call(void *arg)
{
	struct rejected *x = arg;
	u64 bitmap[1];

	return __container_dirty_get(x->c, BASE_IOVA, NPAGES * x->pg,
				     x->pg, bitmap, sizeof(bitmap) - 1);
}

static int get_bisect_call(void *arg)
{
	struct rejected *x = arg;
	u64 bitmap[1];

	return __container_dirty_get(x->c, BASE_IOVA, (NPAGES / 2) * x->pg,
				     x->pg, bitmap, sizeof(bitmap));
}

static int get_efault_call(void *arg)
{
	struct rejected *x = arg;

	/* an address no one maps: the copy-out faults */
	return __container_dirty_get(x->c, BASE_IOVA, NPAGES * x->pg,
				     x->pg, x->va + x->pg, 8);
}

static int unmap_pgsize_call(void *arg)
{
	struct rejected *x = arg;
	u64 bitmap[1], unmapped;

	return __container_unmap_dirty(x->c, BASE_IOVA, NPAGES * x->pg,
				       2 * x->pg, bitmap, sizeof(bitmap), &unmapped);
}

static void expect_no_leak(struct __test_metadata *_metadata, struct rejected *x)
{
	char msg[1024] = "";
	int last = 0;
	int r = leak_repeat(x->call, x, LEAK_CALLS, &last, msg, sizeof(msg));

	ASSERT_LE(0, r) TH_LOG("%s: reading the kernel's memory figures: %s", x->what,
			       strerror(-r));
	EXPECT_EQ(-x->err, last) TH_LOG("%s (%s): %s", x->what, x->req, strerror(-last));
	EXPECT_EQ(0, r) TH_LOG("%s, rejected %d times: %s", x->what, LEAK_CALLS, msg);
}

/*
 * DP-LIM-01 / DP-ARG-09: START with a 256 GiB mapping (its 8 MiB bitmap is
 * allocated first, from vmalloc) below one of INT_MAX + 1 pages fails with
 * EINVAL; each failed START must free the bitmaps it made: no vfio vmalloc
 * entry, no slab object left per call.
 */
TEST_F(fault, leak_lim01_failed_start)
{
	struct rejected x = {
		.what = "DIRTY_PAGES START over INT_MAX + 1 pages", .req = "DP-ARG-09",
		.err = EINVAL, .call = start_call,
	};

	RESERVE_OR_SKIP(self, DIRTY_BITMAP_PAGES_MAX + 1);
	x.c = &self->env.c;
	x.pg = self->pg;
	x.va = self->va;
	container_map(&self->env.c, BIG_IOVA, self->va, BIG_PAGES * self->pg);
	container_map(&self->env.c, BIG_IOVA << 4, self->va,
		      (DIRTY_BITMAP_PAGES_MAX + 1) * self->pg);
	expect_no_leak(_metadata, &x);
}

/* DP-LIM-01: MAP of INT_MAX + 1 pages while tracking, rejected: its vfio_dma goes too. */
TEST_F(fault, leak_lim01_failed_map_while_tracking)
{
	struct rejected x = {
		.what = "MAP_DMA of INT_MAX + 1 pages while tracking", .req = "DP-LIM-01",
		.err = EINVAL, .call = map_big_call,
	};

	RESERVE_OR_SKIP(self, DIRTY_BITMAP_PAGES_MAX + 1);
	x.c = &self->env.c;
	x.pg = self->pg;
	x.va = self->va;
	container_dirty_start(&self->env.c);
	expect_no_leak(_metadata, &x);
}

/* The errno cases of GET_BITMAP and UNMAP with a bitmap, while tracking, leak nothing. */
TEST_F(fault, leak_rejected_get_and_unmap)
{
	struct rejected calls[] = {
		{ .what = "GET_BITMAP with twice the page size", .req = "DP-ARG-16",
		  .err = EINVAL, .call = get_pgsize_call },
		{ .what = "GET_BITMAP with a bitmap one byte short", .req = "DP-ARG-15",
		  .err = EINVAL, .call = get_small_bitmap_call },
		{ .what = "GET_BITMAP over half a mapping", .req = "DP-ARG-20",
		  .err = EINVAL, .call = get_bisect_call },
		{ .what = "GET_BITMAP into an unmapped bitmap", .req = "DP-ARG-21",
		  .err = EFAULT, .call = get_efault_call },
		{ .what = "UNMAP_DMA with a bitmap of twice the page size", .req = "DP-UNM-11",
		  .err = EINVAL, .call = unmap_pgsize_call },
	};
	size_t i;

	RESERVE_OR_SKIP(self, 2);
	ASSERT_EQ(0, mprotect(self->va, 2 * self->pg, PROT_NONE));
	for (i = 0; i < ARRAY_SIZE(calls); i++) {
		calls[i].c = &self->env.c;
		calls[i].pg = self->pg;
		calls[i].va = self->va;
	}
	ASSERT_EQ(1, vdm_pin(&self->vdm, BASE_IOVA, 1, RW));
	container_dirty_start(&self->env.c);
	for (i = 0; i < ARRAY_SIZE(calls); i++)
		expect_no_leak(_metadata, &calls[i]);
	EXPECT_EQ(0, vdm_unpin(&self->vdm, BASE_IOVA, 1));
}

VFIO_DIRTY_MAIN("dirty_fault_test: faults around type1 dirty tracking with the suite's test\n"
		"mdev in an emulated-only type1 v2 container: SIGKILL of a process holding\n"
		"pins while tracking (DP-SCOPE-06, DP-PIN-10: locked_vm back, the mdev free\n"
		"again), the container fd closed during GET_BITMAP (0 or EBADF, its memory\n"
		"freed), delete_module() of the test mdev with an instance open (EAGAIN,\n"
		"still working), and no kernel memory left behind by rejected calls\n"
		"(vfio vmalloc entries, slab caches, locked_vm; DP-ARG-09/15/16/20/21,\n"
		"DP-LIM-01). Needs a vfio_dirty_mdev instance (its UUID as argument).")
