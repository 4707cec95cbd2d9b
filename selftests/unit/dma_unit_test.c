// SPDX-License-Identifier: GPL-2.0-only
/*
 * Host-side tests of the DMA driver layer: a fake driver registered the way
 * a driver kept out of the tree is (DMA_DRIVER_REGISTER, make
 * EXTRA_DRIVERS=dir) is found by __dma_dev_init(), and the wrappers refuse
 * calls out of order or past the driver's limits before the driver sees
 * them. No VFIO needed.
 */
#include "vfio_dirty_test.h"
#include "dma_driver.h"

#define FAKE_NAME	"fake-dma"
#define FAKE_MAX	4096
#define FAKE_LIMIT	(1ULL << 20)

/* What the fake driver was asked, and what its wait() answers next. */
static struct {
	int starts, waits, expected, prepares;
	int wait_result;
	int prepare_result;
} fake;

static bool fake_probe(struct dma_dev *d)
{
	return !strcmp(d->vdev->name, FAKE_NAME);
}

static int fake_init(struct dma_dev *d)
{
	d->round_trip = true;
	return 0;
}

static void fake_remove(struct dma_dev *d)
{
	(void)d;
}

static int fake_start(struct dma_dev *d, u64 iova, u64 len)
{
	(void)d;
	(void)iova;
	(void)len;
	fake.starts++;
	return 0;
}

static int fake_wait(struct dma_dev *d, int timeout_ms)
{
	(void)d;
	(void)timeout_ms;
	fake.waits++;
	return fake.wait_result;
}

static int fake_expected(struct dma_dev *d, void *buf, u64 len, int timeout_ms)
{
	(void)d;
	(void)timeout_ms;
	memset(buf, 0x5a, len);
	fake.expected++;
	return 0;
}

static int fake_prepare(struct dma_dev *d, bool to_mem, u64 iova, u64 len,
			struct dma_reg_write *w)
{
	(void)d;
	(void)to_mem;
	(void)iova;
	(void)len;
	(void)w;
	fake.prepares++;
	return fake.prepare_result;
}

static const struct dma_driver_ops fake_ops = {
	.name = "fake",
	.probe = fake_probe,
	.init = fake_init,
	.remove = fake_remove,
	.dma_from_mem = fake_start,
	.dma_to_mem = fake_start,
	.wait = fake_wait,
	.expected = fake_expected,
	.prepare = fake_prepare,
	.max_transfer = FAKE_MAX,
	.dma_limit = FAKE_LIMIT,
};

DMA_DRIVER_REGISTER(fake_ops);

FIXTURE(dma) {
	struct vfio_dev vdev;
	struct dma_dev d;
};

FIXTURE_SETUP(dma)
{
	memset(&fake, 0, sizeof(fake));
	memset(&self->vdev, 0, sizeof(self->vdev));
	self->vdev.kind = DEVICE_PCI;
	self->vdev.fd = -1;
	snprintf(self->vdev.name, sizeof(self->vdev.name), "%s", FAKE_NAME);
	ASSERT_EQ(0, __dma_dev_init(&self->d, &self->vdev, NULL, 0));
	ASSERT_EQ(&fake_ops, self->d.ops);
	ASSERT_EQ(FAKE_MAX, self->d.max_transfer);
}

FIXTURE_TEARDOWN(dma)
{
	dma_dev_remove(&self->d);
}

TEST_F(dma, start_then_wait)
{
	EXPECT_EQ(0, __dma_dev_from_mem(&self->d, 0, FAKE_MAX));
	EXPECT_EQ(0, __dma_dev_wait(&self->d, 10));
	EXPECT_EQ(0, __dma_dev_to_mem(&self->d, FAKE_LIMIT - 1, 1));
	EXPECT_EQ(0, __dma_dev_wait(&self->d, 10));
	EXPECT_EQ(2, fake.starts);
	EXPECT_EQ(2, fake.waits);
}

TEST_F(dma, limits_refused_before_the_driver)
{
	EXPECT_EQ(-EINVAL, __dma_dev_from_mem(&self->d, 0, 0));
	EXPECT_EQ(-E2BIG, __dma_dev_from_mem(&self->d, 0, FAKE_MAX + 1));
	EXPECT_EQ(-ERANGE, __dma_dev_to_mem(&self->d, FAKE_LIMIT - 1, 2));
	EXPECT_EQ(-ERANGE, __dma_dev_to_mem(&self->d, ~0ULL, 2));
	EXPECT_EQ(-E2BIG, __dma_dev_prepare(&self->d, true, 0, FAKE_MAX + 1, NULL));
	EXPECT_EQ(0, fake.starts);
	EXPECT_EQ(0, fake.prepares);
}

TEST_F(dma, one_transfer_at_a_time)
{
	u8 buf[16];

	EXPECT_EQ(-EINVAL, __dma_dev_wait(&self->d, 10));
	EXPECT_EQ(0, fake.waits);
	EXPECT_EQ(0, __dma_dev_from_mem(&self->d, 0, 8));
	EXPECT_EQ(-EBUSY, __dma_dev_to_mem(&self->d, 0, 8));
	EXPECT_EQ(-EBUSY, __dma_dev_expected(&self->d, buf, sizeof(buf), 10));
	EXPECT_EQ(-EBUSY, __dma_dev_prepare(&self->d, false, 0, 8, NULL));
	EXPECT_EQ(1, fake.starts);
	/* a timeout leaves it in flight; an error ends it */
	fake.wait_result = -ETIMEDOUT;
	EXPECT_EQ(-ETIMEDOUT, __dma_dev_wait(&self->d, 10));
	EXPECT_EQ(-EBUSY, __dma_dev_to_mem(&self->d, 0, 8));
	fake.wait_result = -EIO;
	EXPECT_EQ(-EIO, __dma_dev_wait(&self->d, 10));
	EXPECT_EQ(-EINVAL, __dma_dev_wait(&self->d, 10));
	EXPECT_EQ(0, __dma_dev_expected(&self->d, buf, sizeof(buf), 10));
	EXPECT_EQ(1, fake.expected);
}

TEST_F(dma, prepared_transfer_is_in_flight)
{
	struct dma_reg_write w[DMA_DEV_MAX_WRITES];

	fake.prepare_result = 2;
	EXPECT_EQ(2, __dma_dev_prepare(&self->d, true, 0, 8, w));
	EXPECT_EQ(-EBUSY, __dma_dev_from_mem(&self->d, 0, 8));
	EXPECT_EQ(0, __dma_dev_wait(&self->d, 10));
	fake.prepare_result = DMA_DEV_MAX_WRITES + 1;
	EXPECT_EQ(-EOVERFLOW, __dma_dev_prepare(&self->d, true, 0, 8, w));
	EXPECT_EQ(-EINVAL, __dma_dev_wait(&self->d, 10));
}

TEST(no_driver_no_transfer)
{
	struct dma_dev d = { 0 };

	EXPECT_EQ(-ENODEV, __dma_dev_from_mem(&d, 0, 8));
	EXPECT_EQ(-ENODEV, __dma_dev_wait(&d, 10));
	EXPECT_EQ(-ENODEV, __dma_dev_expected(&d, NULL, 0, 10));
}

VFIO_DIRTY_MAIN("dma_unit_test: host-side tests of the DMA driver layer: a driver registered\n"
		"as one kept out of the tree is found, and transfers out of order or past the\n"
		"driver's limits are refused before it sees them. Needs no VFIO device.")
