// SPDX-License-Identifier: GPL-2.0-only
/*
 * What vfio_pin_pages() and vfio_unpin_pages() do with inputs a careful
 * vendor driver never passes, in an emulated-only type1 v2 container
 * holding the suite's test mdev in pass-through mode (the driver hands the
 * iova and count to the kernel unchanged and returns its answer).
 *
 * DP-DEFECT-05: type1 does not check the alignment of the iova it pins. The
 * rule asserted: an unaligned iova behaves as its aligned-down page (as the
 * iommufd path does) or is refused with EINVAL; it never pins memory outside
 * the mapping and never writes outside the dirty bitmap.
 *
 * Cases that make the kernel WARN or oops on purpose (DP-PIN-12 documents a
 * WARN for bad unpin counts; DP-DEFECT-05 with tracking on oopses 6.1 and
 * 6.12) run only with VFIO_DIRTY_SPLAT=1, in a boot of their own: the VM lab
 * fails any boot whose console shows a splat, and an oops can leave a task
 * stuck holding the container's lock. They come last; the one that may oops
 * pins from a child process that the test abandons after a time limit.
 * Every case tries to write its name to the kernel log first (/dev/kmsg;
 * the lab's console has not shown these lines so far: there the splats are
 * told apart by their order and call sites).
 */
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "vfio_dirty_test.h"

#define BASE_IOVA	(1ULL << 32)
#define NPAGES		16
#define RW		(VDM_PROT_READ | VDM_PROT_WRITE)
#define SPLAT_ENV	"VFIO_DIRTY_SPLAT"
#define CHILD_WAIT_MS	20000

FIXTURE(unsafe) {
	struct dirty_env env;
	struct vdm vdm;
	struct backing mem;
	u64 pg;
	long locked;
	long kb;
};

/*
 * The mapping starts one page into the backing, so the page below the
 * mapping's memory is this process's own memory: a pin there succeeds where
 * type1 goes outside the mapping, instead of failing for a hole.
 */
FIXTURE_SETUP(unsafe)
{
	self->locked = proc_status_kb("VmLck");
	DIRTY_INIT_OR_SKIP(&self->env, &self->vdm, DEVICE_MDEV, IOMMU_MODE_TYPE1V2);
	/* the kernel's answers, unchanged by the driver */
	vdm_set_mode(&self->vdm, VDM_PASS_THROUGH);
	self->pg = self->env.pgsize;
	self->kb = self->pg >> 10;
	BACKING_ALLOC_OR_SKIP(&self->mem, BACKING_ANON, (NPAGES + 1) * self->pg);
	memset(self->mem.addr, 0, (NPAGES + 1) * self->pg);
	container_map(&self->env.c, BASE_IOVA, (char *)self->mem.addr + self->pg,
		      NPAGES * self->pg);
}

FIXTURE_TEARDOWN(unsafe)
{
	/* Closing the device makes the driver unpin what it still holds. */
	env_teardown(&self->env);
	EXPECT_EQ(self->locked, proc_status_kb("VmLck"));
	backing_free(&self->mem);
}

/* Names the case in the kernel log (best effort: /dev/kmsg may be absent). */
static void kmsg_mark(const char *name)
{
	int fd = open("/dev/kmsg", O_WRONLY | O_CLOEXEC);

	if (fd < 0)
		return;
	/* at KERN_WARNING, so a console at the lab's loglevel=5 shows it */
	dprintf(fd, "<4>dirty_pin_unsafe_test: %s\n", name);
	close(fd);
}

#define MARK()		kmsg_mark(_metadata->name)

/* Runs a case that splats the kernel only when asked to. */
#define SPLAT_CASE_OR_SKIP(what) do {						\
	const char *__e = getenv(SPLAT_ENV);					\
	if (!__e || strcmp(__e, "1"))						\
		SKIP(return, "splat: %s; set " SPLAT_ENV "=1 to run it", what);	\
	MARK();									\
} while (0)

#define VMLCK()		proc_status_kb("VmLck")
#define PINNED()	vdm_reg(&self->vdm, VDM_REG_PINNED)
#define EXPECT_DIRTY(...)	ASSERT_DIRTY_PAGES(&self->env, BASE_IOVA, NPAGES, __VA_ARGS__)
#define EXPECT_CLEAN()		ASSERT_NO_DIRTY_PAGES(&self->env, BASE_IOVA, NPAGES)

/*
 * DP-DEFECT-05, tracking off: one byte below the mapping. Its aligned-down
 * page is outside every mapping, so both allowed outcomes are EINVAL.
 * Where the kernel pins (the page below the mapping's memory), the pin is
 * released with its own iova before anything starts tracking: START would
 * index the bitmap with it. The control pins the mapping's first page.
 */
TEST_F(unsafe, defect05_below_mapping_untracked)
{
	s64 r;

	MARK();
	r = vdm_pin(&self->vdm, BASE_IOVA - 1, 1, RW);
	if (r > 0) {
		TH_LOG("pin at iova - 1 pinned %lld page(s) outside the mapping: VmLck %ld -> %ld kB",
		       (long long)r, self->locked, VMLCK());
		EXPECT_EQ(0, vdm_unpin(&self->vdm, BASE_IOVA - 1, 1));
	}
	EXPECT_EQ(-EINVAL, r);
	EXPECT_EQ(0, PINNED());
	EXPECT_EQ(self->locked, VMLCK());

	ASSERT_EQ(1, vdm_pin(&self->vdm, BASE_IOVA, 1, RW));
	EXPECT_EQ(self->locked + self->kb, VMLCK());
}

/*
 * DP-DEFECT-05: an unaligned iova inside the mapping is its page. Pinned at
 * base + 1 and then at base, it is one page pinned twice, charged to
 * locked_vm once (DP-LIM-04). A kernel that keys the pin by the unaligned
 * iova pins and charges the page twice. Each pin is released with its own
 * iova, which both readings accept. EINVAL for the unaligned pin is the
 * other allowed outcome.
 */
TEST_F(unsafe, defect05_unaligned_pin_is_its_page)
{
	s64 r;

	MARK();
	r = vdm_pin(&self->vdm, BASE_IOVA + 1, 1, RW);
	if (r == -EINVAL) {
		EXPECT_EQ(self->locked, VMLCK());
		ASSERT_EQ(1, vdm_pin(&self->vdm, BASE_IOVA, 1, RW));
		return;
	}
	ASSERT_EQ(1, r);
	ASSERT_EQ(1, vdm_pin(&self->vdm, BASE_IOVA, 1, RW));
	EXPECT_EQ(self->locked + self->kb, VMLCK());
	EXPECT_EQ(0, vdm_unpin(&self->vdm, BASE_IOVA + 1, 1));
	EXPECT_EQ(0, vdm_unpin(&self->vdm, BASE_IOVA, 1));
	EXPECT_EQ(0, PINNED());
	EXPECT_EQ(self->locked, VMLCK());
}

/*
 * DP-DEFECT-05 with tracking on, inside the mapping: a pin at page 3 plus 5
 * bytes marks page 3 and nothing else (the bit index rounds down), or is
 * refused with EINVAL and marks nothing.
 */
TEST_F(unsafe, defect05_unaligned_inside_tracked)
{
	u64 iova = BASE_IOVA + 3 * self->pg + 5;
	s64 r;

	MARK();
	container_dirty_start(&self->env.c);
	r = vdm_pin(&self->vdm, iova, 1, RW);
	if (r == -EINVAL) {
		EXPECT_CLEAN();
		return;
	}
	ASSERT_EQ(1, r);
	EXPECT_DIRTY(3);
	EXPECT_EQ(0, vdm_unpin(&self->vdm, iova, 1));
	EXPECT_DIRTY(3);
	EXPECT_CLEAN();
	EXPECT_EQ(self->locked, VMLCK());
}

/*
 * DP-PIN-12 / DP-BIT-04: unpinning a page that was never pinned, inside a
 * mapping, changes nothing: the pinned page beside it stays pinned and
 * charged, nothing is dirtied. In the default run: type1 skips a missing
 * pin silently (no WARN in the lab on Debian 6.1.192, 6.12.117 and the 6.12
 * source build); a kernel that WARNs here fails its boot, as it should be
 * looked at.
 */
TEST_F(unsafe, pin12_unpin_never_pinned)
{
	MARK();
	container_dirty_start(&self->env.c);
	ASSERT_EQ(1, vdm_pin(&self->vdm, BASE_IOVA + 5 * self->pg, 1, RW));
	EXPECT_DIRTY(5);
	EXPECT_EQ(0, vdm_unpin(&self->vdm, BASE_IOVA + 6 * self->pg, 1));
	EXPECT_EQ(1, PINNED());
	EXPECT_EQ(self->locked + self->kb, VMLCK());
	EXPECT_DIRTY(5);
}

/*
 * DP-PIN-12: an unpin of 0, -1 or 513 pages does nothing (the kernel WARNs,
 * by the spec): the pinned page stays pinned and charged. The control, one
 * page, lets it go.
 */
TEST_F(unsafe, pin12_unpin_bad_counts)
{
	SPLAT_CASE_OR_SKIP("unpin counts outside [1, 512] WARN by design (DP-PIN-12)");
	ASSERT_EQ(1, vdm_pin(&self->vdm, BASE_IOVA, 1, RW));
	EXPECT_EQ(0, vdm_unpin(&self->vdm, BASE_IOVA, 0));
	EXPECT_EQ(0, vdm_unpin(&self->vdm, BASE_IOVA, -1));
	EXPECT_EQ(0, vdm_unpin(&self->vdm, BASE_IOVA, 513));
	EXPECT_EQ(self->locked + self->kb, VMLCK());
	EXPECT_EQ(0, vdm_unpin(&self->vdm, BASE_IOVA, 1));
	EXPECT_EQ(self->locked, VMLCK());
}

/*
 * DP-DEFECT-05: a page pinned at an unaligned iova is its page, so the
 * aligned unpin releases it. A kernel that keyed the pin by the unaligned
 * iova does not find it (and may WARN); the driver still holds the pin
 * under base + 1 and releases it at close. (On a kernel that aligns down,
 * that release at close is one unpin too many: this case is out of the
 * default run either way.)
 */
TEST_F(unsafe, defect05_aligned_unpin_of_unaligned_pin)
{
	s64 r;

	SPLAT_CASE_OR_SKIP("an aligned unpin of an unaligned pin may WARN (DP-DEFECT-05)");
	r = vdm_pin(&self->vdm, BASE_IOVA + 1, 1, RW);
	if (r == -EINVAL)
		return;
	ASSERT_EQ(1, r);
	EXPECT_EQ(self->locked + self->kb, VMLCK());
	EXPECT_EQ(0, vdm_unpin(&self->vdm, BASE_IOVA, 1));
	EXPECT_EQ(self->locked, VMLCK());
}

/* pin_in_child() results that are not the pin's */
#define NO_ANSWER	((s64)INT_MAX + 1)	/* the child is stuck past CHILD_WAIT_MS */
#define DIED		((s64)INT_MAX + 2)	/* it died without answering: an oops kills it */

/*
 * Pins @iova from a child and waits for its result at most CHILD_WAIT_MS.
 * Returns the result, NO_ANSWER or DIED (a child stuck in the kernel is
 * abandoned: it cannot be reaped).
 */
static s64 pin_in_child(struct vdm *v, u64 iova)
{
	struct pollfd pfd;
	s64 r = NO_ANSWER;
	int p[2], status;
	pid_t pid;
	ssize_t n;

	if (pipe(p))
		return -errno;
	pid = fork();
	if (pid < 0)
		return -errno;
	if (!pid) {
		int null = open("/dev/null", O_WRONLY);

		/* a stuck child must not keep the runner's output open */
		if (null >= 0) {
			dup2(null, STDOUT_FILENO);
			dup2(null, STDERR_FILENO);
		}
		close(p[0]);
		r = vdm_pin(v, iova, 1, RW);
		if (write(p[1], &r, sizeof(r)) != sizeof(r))
			_exit(2);
		_exit(0);
	}
	close(p[1]);
	pfd.fd = p[0];
	pfd.events = POLLIN;
	if (poll(&pfd, 1, CHILD_WAIT_MS) == 1) {
		n = read(p[0], &r, sizeof(r));
		if (n != sizeof(r))
			r = DIED;
		waitpid(pid, &status, r == DIED ? WNOHANG : 0);
	}
	close(p[0]);
	return r;
}

/*
 * The pin from the child gave no result: say why. After an oops the dead
 * task still holds the container lock, so the teardown's last close of the
 * device blocks on it and the harness times the case out.
 */
static void expect_pin_answered(struct __test_metadata *_metadata, s64 r)
{
	EXPECT_EQ(-EINVAL, r)
		TH_LOG("%s", r == DIED ?
		       "the pinning child died without an answer (an oops kills it: see the kernel log)" :
		       "the pin gave no answer in time: stuck in the kernel (see its log)");
}

/*
 * DP-DEFECT-05, tracking on: one byte below the mapping must be refused
 * with EINVAL (its aligned-down page is outside every mapping), and must
 * not write outside the dirty bitmap. type1 sets bit (iova - dma->iova) >>
 * pgshift, 2^52 - 1 here, which bitmap_set()'s unsigned int start makes
 * 2^32 - 1: one bit 512 MiB past a small kmalloc'd bitmap, where nothing
 * shows it. A stuck child holds the container's lock; the test only closes
 * its own copies of the file descriptors then.
 */
TEST_F(unsafe, defect05_below_mapping_tracked)
{
	s64 r;

	SPLAT_CASE_OR_SKIP("a pin below the mapping while tracking may oops (DP-DEFECT-05)");
	container_dirty_start(&self->env.c);
	r = pin_in_child(&self->vdm, BASE_IOVA - 1);
	if (r == NO_ANSWER || r == DIED) {
		/* a GET would wait for the container lock the stuck pin holds */
		expect_pin_answered(_metadata, r);
		return;
	}
	if (r > 0) {
		TH_LOG("pin at the mapping's iova - 1 while tracking pinned %lld page(s)",
		       (long long)r);
		EXPECT_EQ(0, vdm_unpin(&self->vdm, BASE_IOVA - 1, 1));
	}
	EXPECT_EQ(-EINVAL, r);
	EXPECT_CLEAN();
}

/*
 * The same with a 256 GiB mapping (emulated: nothing is pinned or touched
 * at MAP time), whose 8 MiB bitmap is vmalloc'd: 512 MiB past it is most
 * likely unmapped, so the stray write oopses instead of landing unseen (on
 * 6.12 a pin like this was seen to oops in vfio_iommu_type1_pin_pages()
 * and never return). The page just below the mapping's memory is this
 * process's own, so the pin gets as far as the bitmap. Last.
 */
#define HUGE_MAP	(256ULL << 30)

TEST_F(unsafe, defect05_below_huge_mapping_tracked)
{
	u64 iova = 1ULL << 40;
	char *va;
	s64 r;

	SPLAT_CASE_OR_SKIP("a pin below a mapping while tracking may oops (DP-DEFECT-05)");
	va = mmap(NULL, self->pg + HUGE_MAP, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
		  -1, 0);
	ASSERT_NE(MAP_FAILED, va);
	ASSERT_EQ(0, mprotect(va, self->pg, PROT_READ | PROT_WRITE));
	memset(va, 0, self->pg);
	container_map(&self->env.c, iova, va + self->pg, HUGE_MAP);
	container_dirty_start(&self->env.c);
	r = pin_in_child(&self->vdm, iova - 1);
	if (r == NO_ANSWER || r == DIED) {
		expect_pin_answered(_metadata, r);
		return;
	}
	if (r > 0)
		EXPECT_EQ(0, vdm_unpin(&self->vdm, iova - 1, 1));
	EXPECT_EQ(-EINVAL, r);
	container_unmap(&self->env.c, iova, HUGE_MAP);
	munmap(va, self->pg + HUGE_MAP);
}

VFIO_DIRTY_MAIN("dirty_pin_unsafe_test: vfio_pin_pages()/vfio_unpin_pages() with inputs a careful\n"
		"vendor driver never passes, through the suite's test mdev in pass-through mode:\n"
		"unaligned IOVAs (DP-DEFECT-05) and an unpin of a page never pinned (DP-PIN-12) by\n"
		"default; with VFIO_DIRTY_SPLAT=1 also bad unpin counts (DP-PIN-12) and the\n"
		"DP-DEFECT-05 cases that WARN or oops the kernel (run those in a boot of their own).")
