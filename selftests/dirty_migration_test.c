// SPDX-License-Identifier: GPL-2.0-only
/*
 * VFIO migration v2 (spec §9, MIG-01..06) on any named device that offers
 * it: the kernel's mtty sample, the suite's test mdev (its -mig type) and a
 * vendor's VF named by PCI address. The state machine: every legal single
 * arc of the device's feature set and combination arcs, illegal targets
 * refused with EINVAL and the state unchanged, the blocked STOP_COPY ->
 * PRE_COPY arc (in a child, with a timeout: MIG-06), ERROR and
 * VFIO_DEVICE_RESET; the data fd: a stream saved on one instance and
 * resumed on a second gives the same state, reads after its end, writes
 * where the state has none, VFIO_MIG_GET_PRECOPY_INFO before, during and
 * after STOP_COPY; MIG_DATA_SIZE; and the absence of the v1 protocol's
 * region. A device without mig_ops (the test mdev's type 4) answers every
 * migration feature with ENOTTY.
 *
 * Each device is opened in a container of its own, in the first IOMMU mode
 * the kernel has (migration does not depend on it), put back in RUNNING by VFIO_DEVICE_RESET
 * first (mtty keeps its state across a close), and reset again at the end.
 */
#include <poll.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <time.h>

#include "vfio_dirty_test.h"
#include "mdev.h"
#include "migration.h"
#include "skip_memo.h"

/* A stream of any device here fits (the test mdev's is about 140 KiB). */
#define STREAM_MAX	(4 << 20)
/* MIG-06: a blocked arc answers at once; one that spins never does */
#define BLOCKED_ARC_TIMEOUT_S	10

struct mig_dev {
	struct dirty_env env;
	bool open;
	u64 flags;		/* VFIO_DEVICE_FEATURE_MIGRATION */
	bool is_vdm;		/* the suite's test mdev: its registers count the arcs */
	struct vdm vdm;
};

FIXTURE(mig) {
	struct mig_dev dev[2];
	int ndev;
	int fd;			/* dev[0]'s device fd */
	u64 flags;		/* dev[0]'s migration flags */
	void *buf;		/* STREAM_MAX bytes each */
	void *buf2;
	/* dev[0]'s state mutex is held by a child spinning in the kernel (MIG-06) */
	bool stuck;
};

FIXTURE_VARIANT(mig) {
	enum device_kind kind;
	const char *driver;	/* the mdev's driver, NULL: any device */
	/* MIG_DATA_SIZE is the STOP_COPY stream's exact length */
	bool exact_size;
};

FIXTURE_VARIANT_ADD(mig, mtty) {
	.kind = DEVICE_MDEV, .driver = "mtty", .exact_size = true,
};

FIXTURE_VARIANT_ADD(mig, vdm) {
	.kind = DEVICE_MDEV, .driver = VDM_DRIVER_NAME, .exact_size = true,
};

FIXTURE_VARIANT_ADD(mig, pci) {
	.kind = DEVICE_PCI,
};

/*
 * Opens the @nth named device of @kind in the first IOMMU mode the kernel
 * has: migration is the same in all of them (type1v2 on type1 kernels,
 * iommufd's compat container or native iommufd elsewhere).
 */
static int open_any_mode(struct dirty_env *e, enum device_kind kind, int nth)
{
	static const enum iommu_mode modes[] = {
		IOMMU_MODE_TYPE1V2, IOMMU_MODE_IOMMUFD_COMPAT, IOMMU_MODE_IOMMUFD,
	};
	unsigned int i;
	int r = ENV_SKIP;

	for (i = 0; i < ARRAY_SIZE(modes) && r == ENV_SKIP; i++)
		r = env_init(e, kind, nth, modes[i]);
	return r;
}

static int reset(int fd)
{
	return ioctl_errno(fd, VFIO_DEVICE_RESET, NULL);
}

FIXTURE_SETUP(mig)
{
	/* no device with migration: an earlier case asked every named one */
	const char *before = skip_memo_find(variant);
	int nth, seen = 0, nomig = 0;
	const char *name;
	char why[ENV_REASON_MAX];

	if (before)
		SKIP(return, "%s", before);
	self->buf = malloc(STREAM_MAX);
	self->buf2 = malloc(STREAM_MAX);
	ASSERT_NE(NULL, self->buf);
	ASSERT_NE(NULL, self->buf2);
	for (nth = 0; self->ndev < 2 && (name = device_nth(variant->kind, nth)); nth++) {
		struct mig_dev *d = &self->dev[self->ndev];
		char drv[64] = "";
		int r;

		if (variant->driver) {
			mdev_driver_name(name, drv, sizeof(drv));
			if (strcmp(drv, variant->driver))
				continue;
		}
		seen++;
		r = open_any_mode(&d->env, variant->kind, nth);
		if (r == ENV_SKIP)
			SKIP(return, "%s", d->env.reason);
		ASSERT_EQ(0, r) TH_LOG("set-up failed: %s", d->env.reason);
		d->open = true;
		r = __mig_probe(d->env.dev.fd, &d->flags);
		if (r == -ENOTTY) {
			/* a device without mig_ops (the test mdev's type 4) */
			env_teardown(&d->env);
			d->open = false;
			nomig++;
			continue;
		}
		ASSERT_EQ(0, r) TH_LOG("%s: VFIO_DEVICE_FEATURE_MIGRATION: %s", name, strerror(-r));
		if (variant->driver && !strcmp(variant->driver, VDM_DRIVER_NAME))
			ASSERT_EQ(0, __vdm_probe(&d->vdm, d->env.dev.fd, why, sizeof(why)))
				TH_LOG("%s: %s", name, why);
		d->is_vdm = variant->driver && !strcmp(variant->driver, VDM_DRIVER_NAME);
		/* MIG-05: VFIO_DEVICE_RESET returns the device to RUNNING */
		ASSERT_EQ(0, reset(d->env.dev.fd));
		self->ndev++;
	}
	if (!self->ndev) {
		if (!seen && !variant->driver)
			snprintf(why, sizeof(why),
				 "pci: no vfio-pci device named (pass its PCI address as an argument or in VFIO_DIRTY_DEVICES)");
		else if (!seen)
			snprintf(why, sizeof(why), "mdev: no %s mdev named", variant->driver);
		else
			snprintf(why, sizeof(why),
				 "mig: %d named %s device(s), none offers migration v2 (VFIO_DEVICE_FEATURE_MIGRATION: ENOTTY%s)",
				 nomig, variant->driver ?: "vfio-pci",
				 variant->driver && !strcmp(variant->driver, "mtty") ?
				 "; mtty has it since 6.7" : "");
		skip_memo_add(variant, why);
		SKIP(return, "%s", why);
	}
	self->fd = self->dev[0].env.dev.fd;
	self->flags = self->dev[0].flags;
	ASSERT_EQ(MIG_RUNNING, mig_get_state(self->fd));
}

FIXTURE_TEARDOWN(mig)
{
	int i;

	for (i = 0; i < 2; i++) {
		if (!self->dev[i].open)
			continue;
		/* a reset would wait for the stuck child's mutex forever */
		if (!(i == 0 && self->stuck))
			reset(self->dev[i].env.dev.fd);
		env_teardown(&self->dev[i].env);
	}
	free(self->buf);
	free(self->buf2);
}

#define HAS(flag)	(self->flags & (flag))
#define STATE_OK(st)	mig_state_supported(self->flags, st)

#define NEED_PRE_COPY() do {							\
	if (!HAS(VFIO_MIGRATION_PRE_COPY))					\
		SKIP(return, "%s: %s has no PRE_COPY (VFIO_MIGRATION_PRE_COPY%s)",	\
		     kernel_at_least(6, 2) ? "mig" : "kernel",			\
		     self->dev[0].env.dev.name,					\
		     kernel_at_least(6, 2) ? "" : ": the uAPI has it since 6.2");	\
} while (0)

#define NEED_TWO() do {								\
	if (self->ndev < 2)							\
		SKIP(return,							\
		     "mig: one named device offers migration; a save and resume needs two"); \
} while (0)

static int close_fd(int fd)
{
	if (fd >= 0)
		close(fd);
	return -1;
}

/*
 * A stream saved by @fd itself: RUNNING -> STOP_COPY, read to its end, ->
 * STOP. Returns its length; the device is left in STOP.
 */
static ssize_t save_stream(struct __test_metadata *_metadata, int fd, void *buf)
{
	int dfd;
	ssize_t n;

	dfd = mig_set_state(fd, MIG_STOP_COPY);
	EXPECT_LE(0, dfd) TH_LOG("-> STOP_COPY returned no data fd");
	if (dfd < 0)
		return -1;
	n = __mig_read_all(dfd, buf, STREAM_MAX, 0);
	close(dfd);
	EXPECT_LT(0, n) TH_LOG("STOP_COPY stream: %zd", n);
	EXPECT_EQ(0, __mig_set_state(fd, MIG_STOP, &dfd));
	return n;
}

/* Loads @len bytes of stream into @fd: -> RESUMING, write, -> STOP. */
static void load_stream(struct __test_metadata *_metadata, int fd, const void *buf, size_t len)
{
	int dfd;

	dfd = mig_set_state(fd, MIG_RESUMING);
	ASSERT_LE(0, dfd) TH_LOG("-> RESUMING returned no data fd");
	EXPECT_EQ(0, __mig_write_all(dfd, buf, len));
	close(dfd);
	ASSERT_EQ(0, __mig_set_state(fd, MIG_STOP, &dfd)) TH_LOG("RESUMING -> STOP");
	EXPECT_EQ(-1, dfd);
	ASSERT_EQ(MIG_STOP, mig_get_state(fd));
}

/*
 * Brings the device to @st from wherever it is: RESET to RUNNING, then one
 * SET (a combination arc from RUNNING is always legal); RESUMING is entered
 * with the device's own stream written, so RESUMING -> STOP can load it.
 * Returns the data fd of the last SET, or -1.
 */
static int go_to(struct __test_metadata *_metadata, int fd, u32 st, void *buf)
{
	ssize_t n = 0;
	int dfd;

	ASSERT_EQ(0, reset(fd));
	ASSERT_EQ(MIG_RUNNING, mig_get_state(fd));
	if (st == MIG_RUNNING)
		return -1;
	if (st == MIG_RESUMING) {
		n = save_stream(_metadata, fd, buf);
		ASSERT_LT(0, n);
	}
	dfd = mig_set_state(fd, st);
	ASSERT_EQ(st, mig_get_state(fd));
	if (st == MIG_RESUMING)
		EXPECT_EQ(0, __mig_write_all(dfd, buf, n));
	return dfd;
}

/* The arcs that open a stream and return a data fd (MIG-04, uAPI). */
static bool opens_stream(u32 from, u32 to)
{
	return (from == MIG_STOP && to == MIG_STOP_COPY) ||
	       (from == MIG_STOP && to == MIG_RESUMING) ||
	       (from == MIG_RUNNING && to == MIG_PRE_COPY) ||
	       (from == MIG_RUNNING_P2P && to == MIG_PRE_COPY_P2P);
}

struct arc {
	u32 from, to;
	u64 need;	/* VFIO_MIGRATION_* the arc needs */
	u64 unless;	/* absent when the device has these (P2P replaces RUNNING <-> STOP) */
};

/* MIG-04: every legal single arc. */
static const struct arc single_arcs[] = {
	{ MIG_RUNNING, MIG_STOP, 0, VFIO_MIGRATION_P2P },
	{ MIG_STOP, MIG_RUNNING, 0, VFIO_MIGRATION_P2P },
	{ MIG_STOP, MIG_STOP_COPY, 0, 0 },
	{ MIG_STOP_COPY, MIG_STOP, 0, 0 },
	{ MIG_STOP, MIG_RESUMING, 0, 0 },
	{ MIG_RESUMING, MIG_STOP, 0, 0 },
	{ MIG_RUNNING, MIG_RUNNING_P2P, VFIO_MIGRATION_P2P, 0 },
	{ MIG_RUNNING_P2P, MIG_RUNNING, VFIO_MIGRATION_P2P, 0 },
	{ MIG_RUNNING_P2P, MIG_STOP, VFIO_MIGRATION_P2P, 0 },
	{ MIG_STOP, MIG_RUNNING_P2P, VFIO_MIGRATION_P2P, 0 },
	{ MIG_RUNNING, MIG_PRE_COPY, VFIO_MIGRATION_PRE_COPY, 0 },
	{ MIG_PRE_COPY, MIG_RUNNING, VFIO_MIGRATION_PRE_COPY, 0 },
	{ MIG_PRE_COPY, MIG_STOP_COPY, VFIO_MIGRATION_PRE_COPY, VFIO_MIGRATION_P2P },
	{ MIG_PRE_COPY, MIG_PRE_COPY_P2P, VFIO_MIGRATION_PRE_COPY | VFIO_MIGRATION_P2P, 0 },
	{ MIG_PRE_COPY_P2P, MIG_PRE_COPY, VFIO_MIGRATION_PRE_COPY | VFIO_MIGRATION_P2P, 0 },
	{ MIG_PRE_COPY_P2P, MIG_RUNNING_P2P, VFIO_MIGRATION_PRE_COPY | VFIO_MIGRATION_P2P, 0 },
	{ MIG_RUNNING_P2P, MIG_PRE_COPY_P2P, VFIO_MIGRATION_PRE_COPY | VFIO_MIGRATION_P2P, 0 },
	{ MIG_PRE_COPY_P2P, MIG_STOP_COPY, VFIO_MIGRATION_PRE_COPY | VFIO_MIGRATION_P2P, 0 },
};

static bool arc_applies(u64 flags, const struct arc *a)
{
	return (flags & a->need) == a->need && !(flags & a->unless);
}

/* MIG-01, MIG-02: the feature reports STOP_COPY and no unknown flag; GET only. */
TEST_F(mig, mig02_feature_flags)
{
	u64 known = VFIO_MIGRATION_STOP_COPY | VFIO_MIGRATION_P2P | VFIO_MIGRATION_PRE_COPY;
	struct vfio_device_feature_migration m = { 0 };

	EXPECT_TRUE(HAS(VFIO_MIGRATION_STOP_COPY));
	EXPECT_EQ(0, self->flags & ~known) TH_LOG("flags 0x%llx", (unsigned long long)self->flags);
	/* MIG-01: 6.1 has no PRE_COPY */
	if (!kernel_at_least(6, 2))
		EXPECT_FALSE(HAS(VFIO_MIGRATION_PRE_COPY));
	EXPECT_EQ(0, __device_feature(self->fd, 0,
				      VFIO_DEVICE_FEATURE_PROBE | VFIO_DEVICE_FEATURE_GET |
				      VFIO_DEVICE_FEATURE_MIGRATION, NULL, 0));
	/* vfio_check_feature(): the feature has no SET */
	EXPECT_ERRNO(EINVAL, __device_feature(self->fd, 0, VFIO_DEVICE_FEATURE_SET |
					      VFIO_DEVICE_FEATURE_MIGRATION, &m, sizeof(m)));
	EXPECT_ERRNO(EINVAL, __device_feature(self->fd, 0, VFIO_DEVICE_FEATURE_PROBE |
					      VFIO_DEVICE_FEATURE_SET |
					      VFIO_DEVICE_FEATURE_MIGRATION, NULL, 0));
	/* MIG_DEVICE_STATE has both */
	EXPECT_EQ(0, __device_feature(self->fd, 0,
				      VFIO_DEVICE_FEATURE_PROBE | VFIO_DEVICE_FEATURE_GET |
				      VFIO_DEVICE_FEATURE_SET |
				      VFIO_DEVICE_FEATURE_MIG_DEVICE_STATE, NULL, 0));
}

/* MIG-02: GET returns the state with data_fd -1; a short payload is EINVAL. */
TEST_F(mig, mig02_get_state)
{
	struct vfio_device_feature_mig_state m = { .device_state = 77, .data_fd = 55 };
	u32 small = 0;

	ASSERT_EQ(0, __device_feature(self->fd, 0, VFIO_DEVICE_FEATURE_GET |
				      VFIO_DEVICE_FEATURE_MIG_DEVICE_STATE, &m, sizeof(m)));
	EXPECT_EQ(MIG_RUNNING, m.device_state);
	EXPECT_EQ(-1, m.data_fd);
	EXPECT_ERRNO(EINVAL, __device_feature(self->fd, 0, VFIO_DEVICE_FEATURE_GET |
					      VFIO_DEVICE_FEATURE_MIG_DEVICE_STATE,
					      &small, sizeof(small)));
}

/*
 * MIG-04: each legal single arc of the device's feature set succeeds, ends
 * in its target, and returns a data fd exactly when it opens a stream. The
 * test mdev also shows that the driver carried out that one arc.
 */
TEST_F(mig, mig04_single_arcs)
{
	unsigned int i, ran = 0;

	for (i = 0; i < ARRAY_SIZE(single_arcs); i++) {
		const struct arc *a = &single_arcs[i];
		u64 arcs = 0;
		int from_fd, dfd = -2, r;

		if (!arc_applies(self->flags, a))
			continue;
		ran++;
		from_fd = go_to(_metadata, self->fd, a->from, self->buf);
		if (self->dev[0].is_vdm)
			arcs = vdm_reg(&self->dev[0].vdm, VDM_REG_MIG_ARCS);
		r = __mig_set_state(self->fd, a->to, &dfd);
		EXPECT_EQ(0, r) TH_LOG("%s -> %s: %s", mig_state_name(a->from),
				       mig_state_name(a->to), strerror(-r));
		EXPECT_EQ(a->to, mig_get_state(self->fd))
			TH_LOG("%s -> %s", mig_state_name(a->from), mig_state_name(a->to));
		if (opens_stream(a->from, a->to)) {
			EXPECT_LE(0, dfd) TH_LOG("%s -> %s: no data fd",
						 mig_state_name(a->from), mig_state_name(a->to));
		} else {
			EXPECT_EQ(-1, dfd) TH_LOG("%s -> %s: data fd %d", mig_state_name(a->from),
						  mig_state_name(a->to), dfd);
		}
		if (self->dev[0].is_vdm) {
			EXPECT_EQ(arcs + 1, vdm_reg(&self->dev[0].vdm, VDM_REG_MIG_ARCS));
			EXPECT_EQ((u64)a->from << 8 | a->to,
				  vdm_reg(&self->dev[0].vdm, VDM_REG_MIG_LAST_ARC));
		}
		close_fd(dfd);
		close_fd(from_fd);
	}
	TH_LOG("%u single arcs for flags 0x%llx", ran, (unsigned long long)self->flags);
	EXPECT_LE(4, ran);
}

struct combo {
	u32 from, to;
	u64 flags;		/* the device's exact feature set this path is for */
	unsigned int steps;	/* arcs of vfio_mig_get_next_state()'s path */
};

#define F_SC	VFIO_MIGRATION_STOP_COPY
#define F_P2P	VFIO_MIGRATION_P2P
#define F_PRE	VFIO_MIGRATION_PRE_COPY

/*
 * MIG-04: combination arcs; the paths of the helper's header comment
 * (saving states never interior).
 */
static const struct combo combos[] = {
	{ MIG_RUNNING, MIG_STOP_COPY, F_SC | F_P2P, 3 },	/* RUNNING_P2P, STOP */
	{ MIG_RUNNING, MIG_STOP_COPY, F_SC | F_P2P | F_PRE, 3 },
	{ MIG_RUNNING, MIG_STOP_COPY, F_SC, 2 },
	{ MIG_STOP_COPY, MIG_RUNNING, F_SC | F_P2P, 3 },
	{ MIG_STOP_COPY, MIG_RUNNING, F_SC | F_P2P | F_PRE, 3 },
	{ MIG_STOP_COPY, MIG_RUNNING, F_SC, 2 },
	{ MIG_RUNNING, MIG_RESUMING, F_SC | F_P2P, 3 },
	{ MIG_RUNNING, MIG_RESUMING, F_SC | F_P2P | F_PRE, 3 },
	{ MIG_RESUMING, MIG_RUNNING, F_SC | F_P2P | F_PRE, 3 },
	{ MIG_STOP_COPY, MIG_RESUMING, F_SC | F_P2P | F_PRE, 2 },	/* STOP */
	{ MIG_PRE_COPY, MIG_STOP, F_SC | F_P2P | F_PRE, 3 },	/* RUNNING, RUNNING_P2P */
	{ MIG_PRE_COPY_P2P, MIG_RUNNING, F_SC | F_P2P | F_PRE, 2 },	/* RUNNING_P2P */
	{ MIG_RUNNING, MIG_PRE_COPY_P2P, F_SC | F_P2P | F_PRE, 2 },	/* RUNNING_P2P */
	{ MIG_PRE_COPY, MIG_STOP_COPY, F_SC | F_P2P | F_PRE, 2 },	/* PRE_COPY_P2P */
	{ MIG_STOP, MIG_PRE_COPY, F_SC | F_P2P | F_PRE, 3 },	/* RUNNING_P2P, RUNNING */
};

/*
 * MIG-04: a combination arc ends in its target with one SET, returns a data
 * fd exactly when its last arc opens a stream, and (the test mdev) took the
 * helper's path, one arc at a time.
 */
TEST_F(mig, mig04_combination_arcs)
{
	unsigned int i, ran = 0;

	for (i = 0; i < ARRAY_SIZE(combos); i++) {
		const struct combo *c = &combos[i];
		bool last_opens;
		u64 arcs = 0;
		int from_fd, dfd = -2, r;

		if (c->flags != self->flags)
			continue;
		ran++;
		from_fd = go_to(_metadata, self->fd, c->from, self->buf);
		if (self->dev[0].is_vdm)
			arcs = vdm_reg(&self->dev[0].vdm, VDM_REG_MIG_ARCS);
		r = __mig_set_state(self->fd, c->to, &dfd);
		EXPECT_EQ(0, r) TH_LOG("%s -> %s: %s", mig_state_name(c->from),
				       mig_state_name(c->to), strerror(-r));
		EXPECT_EQ(c->to, mig_get_state(self->fd));
		/* the last arc into a saving state or RESUMING opens the stream */
		last_opens = c->to == MIG_RESUMING || c->to == MIG_PRE_COPY ||
			     c->to == MIG_PRE_COPY_P2P ||
			     (c->to == MIG_STOP_COPY && c->from != MIG_PRE_COPY);
		if (last_opens) {
			EXPECT_LE(0, dfd) TH_LOG("%s -> %s: no data fd",
						 mig_state_name(c->from), mig_state_name(c->to));
		} else {
			EXPECT_EQ(-1, dfd) TH_LOG("%s -> %s: data fd %d", mig_state_name(c->from),
						  mig_state_name(c->to), dfd);
		}
		if (self->dev[0].is_vdm)
			EXPECT_EQ(arcs + c->steps, vdm_reg(&self->dev[0].vdm, VDM_REG_MIG_ARCS))
				TH_LOG("%s -> %s", mig_state_name(c->from), mig_state_name(c->to));
		close_fd(dfd);
		close_fd(from_fd);
	}
	if (!ran)
		SKIP(return, "mig: no combination path listed for flags 0x%llx",
		     (unsigned long long)self->flags);
}

/*
 * SET @st must fail with EINVAL, copy the struct back with the requested
 * state and data_fd -1 (MIG-02), and leave the state.
 */
static void expect_refused(struct __test_metadata *_metadata, int fd, u32 st, u32 cur)
{
	struct vfio_device_feature_mig_state m = { .device_state = st, .data_fd = -2 };

	EXPECT_ERRNO(EINVAL, __device_feature(fd, 0, VFIO_DEVICE_FEATURE_SET |
					      VFIO_DEVICE_FEATURE_MIG_DEVICE_STATE, &m, sizeof(m)))
		TH_LOG("SET %s in %s", mig_state_name(st), mig_state_name(cur));
	EXPECT_EQ(-1, m.data_fd);
	EXPECT_EQ(st, m.device_state);
	EXPECT_EQ(cur, mig_get_state(fd)) TH_LOG("after SET %s", mig_state_name(st));
}

/*
 * MIG-03: ERROR, numbers out of range and states the device lacks are
 * refused with EINVAL, from RUNNING and from STOP_COPY, and the state stays.
 */
TEST_F(mig, mig03_illegal_targets)
{
	static const u32 out_of_range[] = { MIG_NUM_STATES, 8, 100, 0x80000000U, ~0U };
	u32 from[] = { MIG_RUNNING, MIG_STOP_COPY };
	unsigned int i, j;
	u32 st;

	for (j = 0; j < ARRAY_SIZE(from); j++) {
		int dfd = go_to(_metadata, self->fd, from[j], self->buf);

		expect_refused(_metadata, self->fd, MIG_ERROR, from[j]);
		for (i = 0; i < ARRAY_SIZE(out_of_range); i++)
			expect_refused(_metadata, self->fd, out_of_range[i], from[j]);
		for (st = MIG_STOP; st < MIG_NUM_STATES; st++)
			if (!STATE_OK(st))
				expect_refused(_metadata, self->fd, st, from[j]);
		close_fd(dfd);
	}
}

struct blocked_arc {
	int fd;
	u32 to;
};

/* The child's SET; its result comes back in the exit status. */
static int blocked_arc_child(struct blocked_arc *b)
{
	int dfd = -2, r;

	r = __mig_set_state(b->fd, b->to, &dfd);
	return r == -EINVAL && dfd == -1 ? 0 : (r ? 2 : 3);
}

/*
 * MIG-06, MIG-03: STOP_COPY -> PRE_COPY and -> PRE_COPY_P2P are blocked:
 * EINVAL at once, STOP_COPY kept. Kernels since 6.2 without the 2026 fix of
 * vfio_mig_get_next_state() spin in its skip loop forever with the driver's
 * state mutex held, so the SET runs in a child and a timeout fails the case.
 */
TEST_F(mig, mig06_stop_copy_to_pre_copy_blocked)
{
	u32 to[] = { MIG_PRE_COPY, MIG_PRE_COPY_P2P };
	unsigned int i;

	NEED_PRE_COPY();
	for (i = 0; i < ARRAY_SIZE(to); i++) {
		struct blocked_arc b = { .fd = self->fd, .to = to[i] };
		int dfd, status = 0, waited;
		pid_t pid, got = 0;

		if (!STATE_OK(to[i]))
			continue;
		dfd = go_to(_metadata, self->fd, MIG_STOP_COPY, self->buf);
		fflush(NULL);
		pid = fork();
		ASSERT_LE(0, pid);
		if (!pid)
			_exit(blocked_arc_child(&b));
		for (waited = 0; waited < BLOCKED_ARC_TIMEOUT_S * 10; waited++) {
			got = waitpid(pid, &status, WNOHANG);
			if (got)
				break;
			usleep(100000);
		}
		if (!got) {
			kill(pid, SIGKILL);
			self->stuck = true;
			close_fd(dfd);
			/* the child cannot die inside the kernel: do not wait for it */
			ASSERT_TRUE(false)
				TH_LOG("SET STOP_COPY -> %s did not return within %d s: the kernel lacks the fix \"vfio: prevent infinite loop in vfio_mig_get_next_state() on blocked arc\" (MIG-06, DP-VER-06) and spins holding the driver's state mutex",
				       mig_state_name(to[i]), BLOCKED_ARC_TIMEOUT_S);
		}
		ASSERT_EQ(pid, got);
		ASSERT_TRUE(WIFEXITED(status));
		EXPECT_EQ(0, WEXITSTATUS(status))
			TH_LOG("SET STOP_COPY -> %s: %s", mig_state_name(to[i]),
			       WEXITSTATUS(status) == 3 ? "succeeded" :
			       "failed, not with EINVAL and data_fd -1");
		EXPECT_EQ(MIG_STOP_COPY, mig_get_state(self->fd));
		close_fd(dfd);
	}
}

/*
 * MIG-05: VFIO_DEVICE_RESET returns the device to RUNNING from every state
 * and ends the stream that state had (reads give its end or an error).
 */
TEST_F(mig, mig05_reset_to_running)
{
	u32 st;

	for (st = MIG_STOP; st < MIG_NUM_STATES; st++) {
		char c;
		int dfd;

		if (!STATE_OK(st))
			continue;
		dfd = go_to(_metadata, self->fd, st, self->buf);
		ASSERT_EQ(0, reset(self->fd));
		EXPECT_EQ(MIG_RUNNING, mig_get_state(self->fd))
			TH_LOG("reset in %s", mig_state_name(st));
		if (dfd >= 0 && st != MIG_RESUMING)
			EXPECT_GE(0, read(dfd, &c, 1)) TH_LOG("stream of %s after the reset",
							      mig_state_name(st));
		close_fd(dfd);
	}
}

/*
 * MIG-05: ERROR is reached only through a failed arc (the test mdev fails
 * one on command); then every SET is refused and the state stays ERROR
 * until VFIO_DEVICE_RESET returns it to RUNNING, after which arcs work.
 */
TEST_F(mig, mig05_error_then_reset)
{
	struct vdm_cmd c = { .op = VDM_OP_MIG_FAIL_ARC, .count = 1 };
	int dfd = -2;
	u32 st;

	if (!self->dev[0].is_vdm)
		SKIP(return, "mig: only the test mdev fails an arc on command; %s cannot be driven into ERROR",
		     self->dev[0].env.dev.name);
	ASSERT_EQ(0, __vdm_run(&self->dev[0].vdm, &c, 1));
	ASSERT_EQ(0, c.result);
	EXPECT_ERRNO(EIO, __mig_set_state(self->fd, MIG_STOP, &dfd));
	EXPECT_EQ(-1, dfd);
	ASSERT_EQ(MIG_ERROR, mig_get_state(self->fd));
	for (st = MIG_STOP; st < MIG_NUM_STATES; st++)
		if (STATE_OK(st))
			expect_refused(_metadata, self->fd, st, MIG_ERROR);
	ASSERT_EQ(0, reset(self->fd));
	ASSERT_EQ(MIG_RUNNING, mig_get_state(self->fd));
	dfd = mig_set_state(self->fd, MIG_STOP);
	EXPECT_EQ(-1, dfd);
	EXPECT_EQ(MIG_STOP, mig_get_state(self->fd));
}

/*
 * MIG-04 (uAPI STOP -> RESUMING): a stream saved on one instance and
 * loaded into a second gives the second the same state: saving it again
 * gives the same bytes. The test mdev's data area, written on the first,
 * reads back on the second.
 */
TEST_F(mig, mig04_data_save_resume)
{
	int src = self->fd, dst;
	ssize_t n, n2;
	char pat[4096];
	u64 off;
	size_t i;

	NEED_TWO();
	dst = self->dev[1].env.dev.fd;
	for (i = 0; i < sizeof(pat); i++)
		pat[i] = (char)(i * 7 + 3);
	off = self->dev[0].vdm.base + VDM_DATA_BASE + 512;
	if (self->dev[0].is_vdm)
		ASSERT_EQ((ssize_t)sizeof(pat), pwrite(src, pat, sizeof(pat), off));
	n = save_stream(_metadata, src, self->buf);
	ASSERT_LT(0, n);
	ASSERT_EQ(0, reset(dst));
	load_stream(_metadata, dst, self->buf, n);
	ASSERT_EQ(-1, mig_set_state(dst, MIG_RUNNING));
	n2 = save_stream(_metadata, dst, self->buf2);
	ASSERT_EQ(n, n2);
	EXPECT_EQ(0, memcmp(self->buf, self->buf2, n))
		TH_LOG("the resumed device saves other bytes");
	if (self->dev[0].is_vdm) {
		char got[sizeof(pat)];

		ASSERT_EQ(-1, mig_set_state(dst, MIG_RUNNING));
		ASSERT_EQ((ssize_t)sizeof(got), pread(dst, got, sizeof(got),
						      self->dev[1].vdm.base + VDM_DATA_BASE + 512));
		EXPECT_EQ(0, memcmp(pat, got, sizeof(got)));
		EXPECT_EQ(1, vdm_reg(&self->dev[1].vdm, VDM_REG_MIG_LOADED));
	}
}

/*
 * MIG-04, MIG-01: the sequence a VMM runs: RUNNING -> PRE_COPY, read the
 * initial bytes, -> STOP_COPY on the same fd, read to the end; the whole
 * stream resumed on a second instance gives it the first's state (their
 * STOP_COPY streams saved afterwards are the same bytes).
 */
TEST_F(mig, mig04_data_precopy_save_resume)
{
	struct vfio_precopy_info info;
	int src = self->fd, dst, dfd;
	ssize_t n = 0, r, n1, n2;

	NEED_PRE_COPY();
	NEED_TWO();
	dst = self->dev[1].env.dev.fd;
	dfd = mig_set_state(src, MIG_PRE_COPY);
	ASSERT_LE(0, dfd);
	ASSERT_EQ(0, __mig_precopy_info(dfd, &info));
	ASSERT_GE(STREAM_MAX, info.initial_bytes);
	while (n < (ssize_t)info.initial_bytes) {
		r = read(dfd, (char *)self->buf + n, info.initial_bytes - n);
		ASSERT_LT(0, r) TH_LOG("PRE_COPY read at %zd: %s", n, r ? strerror(errno) : "end");
		n += r;
	}
	ASSERT_EQ(-1, mig_set_state(src, MIG_STOP_COPY));
	r = __mig_read_all(dfd, (char *)self->buf + n, STREAM_MAX - n, 0);
	ASSERT_LT(0, r);
	n += r;
	close(dfd);
	ASSERT_EQ(-1, mig_set_state(src, MIG_STOP));
	TH_LOG("PRE_COPY %llu + STOP_COPY %zd bytes", (unsigned long long)info.initial_bytes, r);

	ASSERT_EQ(0, reset(dst));
	load_stream(_metadata, dst, self->buf, n);
	ASSERT_EQ(-1, mig_set_state(dst, MIG_RUNNING));
	ASSERT_EQ(MIG_RUNNING, mig_get_state(dst));
	ASSERT_EQ(-1, mig_set_state(src, MIG_RUNNING));
	n1 = save_stream(_metadata, src, self->buf);
	n2 = save_stream(_metadata, dst, self->buf2);
	ASSERT_LT(0, n1);
	ASSERT_EQ(n1, n2);
	EXPECT_EQ(0, memcmp(self->buf, self->buf2, n1))
		TH_LOG("the resumed device saves other bytes");
}

/*
 * MIG-04 (uAPI): a STOP_COPY stream ends for good: read returns 0 again
 * and again; once the device left STOP_COPY the fd gives its end or an
 * error, never data. Reads in small pieces give the same stream.
 */
TEST_F(mig, mig04_data_read_after_end)
{
	ssize_t n, n2;
	char c;
	int dfd;

	n = save_stream(_metadata, self->fd, self->buf);
	ASSERT_LT(0, n);
	ASSERT_EQ(0, reset(self->fd));
	dfd = mig_set_state(self->fd, MIG_STOP_COPY);
	ASSERT_LE(0, dfd);
	n2 = __mig_read_all(dfd, self->buf2, STREAM_MAX, 7);
	EXPECT_EQ(n, n2);
	EXPECT_EQ(0, read(dfd, &c, 1));
	EXPECT_EQ(0, read(dfd, &c, 1));
	ASSERT_EQ(-1, mig_set_state(self->fd, MIG_STOP));
	EXPECT_GE(0, read(dfd, &c, 1));
	/* a stream fd is a stream: no seeking, no pread */
	EXPECT_EQ(-1, pread(dfd, &c, 1, 0));
	close(dfd);
}

/*
 * MIG-04 (uAPI): a saving fd is not written, a resuming fd not read (their
 * files are read-only and write-only: EBADF); a resuming fd whose state
 * ended takes no more data; a stream of garbage is not loaded: RESUMING ->
 * STOP fails and the device is not in STOP.
 */
TEST_F(mig, mig04_data_wrong_direction)
{
	char c = 0, junk[64];
	ssize_t n;
	int dfd, rfd;
	u32 st;

	dfd = go_to(_metadata, self->fd, MIG_STOP_COPY, self->buf);
	ASSERT_LE(0, dfd);
	errno = 0;
	EXPECT_EQ(-1, write(dfd, &c, 1));
	EXPECT_EQ(EBADF, errno);
	close(dfd);

	rfd = go_to(_metadata, self->fd, MIG_RESUMING, self->buf);
	ASSERT_LE(0, rfd);
	errno = 0;
	EXPECT_EQ(-1, read(rfd, &c, 1));
	EXPECT_EQ(EBADF, errno);
	ASSERT_EQ(-1, mig_set_state(self->fd, MIG_STOP));
	n = write(rfd, &c, 1);
	EXPECT_EQ(-1, n) TH_LOG("a write after RESUMING ended returned %zd", n);
	close(rfd);

	/* garbage: all of it refused by the fd, or by the load */
	ASSERT_EQ(0, reset(self->fd));
	rfd = mig_set_state(self->fd, MIG_RESUMING);
	ASSERT_LE(0, rfd);
	memset(junk, 0xa5, sizeof(junk));
	n = write(rfd, junk, sizeof(junk));
	TH_LOG("writing %zu bytes of garbage: %zd (%s)", sizeof(junk), n,
	       n < 0 ? strerror(errno) : "taken");
	EXPECT_NE(0, __mig_set_state(self->fd, MIG_STOP, &dfd));
	st = mig_get_state(self->fd);
	EXPECT_NE(MIG_STOP, st) TH_LOG("a stream of garbage was loaded");
	close(rfd);
}

/*
 * MIG-01 (VFIO_MIG_GET_PRECOPY_INFO, v6.2): in PRE_COPY the saving fd
 * reports initial bytes (not 0 at first), which reading consumes down to
 * 0; at that temporary end read() fails with ENOMSG; the same fd goes on
 * in STOP_COPY (the SET returns no new fd), where the ioctl is EINVAL, as
 * after STOP_COPY and on a STOP_COPY fd that never was in PRE_COPY.
 */
TEST_F(mig, mig01_precopy_info)
{
	struct vfio_precopy_info info;
	ssize_t n;
	char c;
	int dfd, sfd;

	NEED_PRE_COPY();
	/* before: a STOP -> STOP_COPY stream has no PRE_COPY */
	sfd = go_to(_metadata, self->fd, MIG_STOP_COPY, self->buf);
	EXPECT_ERRNO(EINVAL, __mig_precopy_info(sfd, &info));
	close_fd(sfd);

	dfd = go_to(_metadata, self->fd, MIG_PRE_COPY, self->buf);
	ASSERT_LE(0, dfd);
	ASSERT_EQ(0, __mig_precopy_info(dfd, &info));
	EXPECT_LT(0, info.initial_bytes);
	TH_LOG("PRE_COPY: initial %llu, dirty %llu bytes", (unsigned long long)info.initial_bytes,
	       (unsigned long long)info.dirty_bytes);
	ASSERT_GE(STREAM_MAX, info.initial_bytes);
	for (n = 0; n < (ssize_t)info.initial_bytes; ) {
		ssize_t r = read(dfd, (char *)self->buf + n, info.initial_bytes - n);

		if (r <= 0)
			break;
		n += r;
	}
	EXPECT_EQ((ssize_t)info.initial_bytes, n);
	ASSERT_EQ(0, __mig_precopy_info(dfd, &info));
	EXPECT_EQ(0, info.initial_bytes);
	if (!info.initial_bytes && !info.dirty_bytes) {
		int e;

		errno = 0;
		n = read(dfd, &c, 1);
		e = errno;
		EXPECT_TRUE(n == -1 && e == ENOMSG)
			TH_LOG("read at PRE_COPY's temporary end: %zd (%s), want ENOMSG", n,
			       n < 0 ? strerror(e) : "no error");
	}
	/* argsz below the struct */
	info.argsz = offsetof(struct vfio_precopy_info, dirty_bytes);
	EXPECT_ERRNO(EINVAL, ioctl_errno(dfd, VFIO_MIG_GET_PRECOPY_INFO, &info));

	/* during: the same fd streams STOP_COPY */
	EXPECT_EQ(-1, mig_set_state(self->fd, MIG_STOP_COPY));
	EXPECT_ERRNO(EINVAL, __mig_precopy_info(dfd, &info));
	n = __mig_read_all(dfd, self->buf, STREAM_MAX, 0);
	EXPECT_LT(0, n) TH_LOG("STOP_COPY after PRE_COPY: %zd", n);
	EXPECT_ERRNO(EINVAL, __mig_precopy_info(dfd, &info));

	/* after */
	EXPECT_EQ(-1, mig_set_state(self->fd, MIG_STOP));
	EXPECT_ERRNO(EINVAL, __mig_precopy_info(dfd, &info));
	close(dfd);
}

/*
 * MIG-01 (MIG_DATA_SIZE, v6.2): GET only, in any state; the drivers here
 * report the STOP_COPY stream's exact length.
 */
TEST_F(mig, mig01_data_size)
{
	struct vfio_device_feature_mig_data_size d = { 0 };
	u64 len;
	ssize_t n;

	if (!kernel_at_least(6, 2))
		SKIP(return, "kernel: no VFIO_DEVICE_FEATURE_MIG_DATA_SIZE before 6.2");
	len = mig_data_size(self->fd);
	EXPECT_LT(0, len);
	EXPECT_ERRNO(EINVAL, __device_feature(self->fd, 0, VFIO_DEVICE_FEATURE_SET |
					      VFIO_DEVICE_FEATURE_MIG_DATA_SIZE, &d, sizeof(d)));
	n = save_stream(_metadata, self->fd, self->buf);
	ASSERT_LT(0, n);
	EXPECT_LT(0, mig_data_size(self->fd)) TH_LOG("in STOP");
	if (variant->exact_size)
		EXPECT_EQ((u64)n, len);
	TH_LOG("MIG_DATA_SIZE %llu, STOP_COPY stream %zd bytes", (unsigned long long)len, n);
}

/* MIG-01: the v1 protocol's migration region is gone from the device. */
TEST_F(mig, mig01_no_v1_region)
{
	u32 index = ~0U;

	EXPECT_ERRNO(ENOENT, __mig_v1_region(self->fd, &index))
		TH_LOG("region %u has VFIO_REGION_TYPE_MIGRATION_DEPRECATED", index);
}

/* A named test mdev of a type without mig_ops (type 4). */
FIXTURE(nomig) {
	struct dirty_env env;
	struct vdm vdm;
	int fd;
};

FIXTURE_SETUP(nomig)
{
	char why[ENV_REASON_MAX];
	const char *name;
	u32 features;
	int nth, r;

	for (nth = 0; (name = device_nth(DEVICE_MDEV, nth)); nth++) {
		char drv[64];

		mdev_driver_name(name, drv, sizeof(drv));
		if (strcmp(drv, VDM_DRIVER_NAME))
			continue;
		r = open_any_mode(&self->env, DEVICE_MDEV, nth);
		if (r == ENV_SKIP)
			SKIP(return, "%s", self->env.reason);
		ASSERT_EQ(0, r) TH_LOG("set-up failed: %s", self->env.reason);
		ASSERT_EQ(0, __vdm_probe(&self->vdm, self->env.dev.fd, why, sizeof(why)))
			TH_LOG("%s: %s", name, why);
		/* VDM_REG_FEATURES is a u32 (vdm_reg() reads u64 registers) */
		features = ~0U;
		ASSERT_EQ((ssize_t)sizeof(features),
			  pread(self->env.dev.fd, &features, sizeof(features),
				self->vdm.base + VDM_REG_FEATURES));
		if (!(features & VDM_F_MIG)) {
			self->fd = self->env.dev.fd;
			return;
		}
		env_teardown(&self->env);
	}
	SKIP(return, "mdev: no " VDM_DRIVER_NAME " instance without migration named (type %s)",
	     VDM_TYPE_4);
}

FIXTURE_TEARDOWN(nomig)
{
	env_teardown(&self->env);
}

/* MIG-02: no mig_ops -> ENOTTY for every migration feature, PROBE too. */
TEST_F(nomig, mig02_enotty)
{
	u64 flags = 1;
	u32 st = 0;
	int dfd = -2;
	u64 len;

	EXPECT_ERRNO(ENOTTY, __mig_probe(self->fd, &flags));
	EXPECT_ERRNO(ENOTTY, __device_feature(self->fd, 0, VFIO_DEVICE_FEATURE_PROBE |
					      VFIO_DEVICE_FEATURE_GET |
					      VFIO_DEVICE_FEATURE_MIGRATION, NULL, 0));
	EXPECT_ERRNO(ENOTTY, __mig_get_state(self->fd, &st));
	EXPECT_ERRNO(ENOTTY, __mig_set_state(self->fd, MIG_STOP, &dfd));
	/*
	 * MIG-01: before 6.2 the index is unknown, which a device without a
	 * device_feature op also answers with ENOTTY (lab: 6.1.192)
	 */
	EXPECT_ERRNO(ENOTTY, __mig_data_size(self->fd, &len));
}

VFIO_DIRTY_MAIN(
	"VFIO migration v2 (MIG-01..06) on every named device that offers it: mtty,\n"
	"the test mdev's -mig instances, a vendor's VF by PCI address. State arcs,\n"
	"illegal targets, the blocked STOP_COPY -> PRE_COPY arc (in a child with a\n"
	"timeout), ERROR and reset, save on one instance and resume on a second,\n"
	"the data fd's ends and directions, PRECOPY_INFO, MIG_DATA_SIZE, and ENOTTY\n"
	"on a device without migration (the test mdev's type 4).\n")
