// SPDX-License-Identifier: GPL-2.0-only
/*
 * The test mdev's PCI personality (fixtures/kmod, parent vfio_dirty_mdev_pci,
 * types -qemu and -qemu-log): what QEMU's vfio-pci needs of it and its sysfs
 * trigger, before QEMU is given it. Device info, regions and IRQ indices of
 * a vfio-pci device; the emulated config space (type-0 header, BAR0 sizing,
 * read-only fields); the command protocol through BAR0; every trigger
 * command (write, pin, unpin, write-pinned, fill), its effect in memory and
 * in the state file, and its refusals (EINVAL, EMSGSIZE, ENOENT, EBUSY when
 * stopped or closed); DMA logging of trigger writes (-qemu-log) or no
 * log_ops at all (-qemu: QEMU then uses type1 container tracking); and the
 * digest of the state file after a STOP_COPY -> RESUMING round trip between
 * two instances (MIG-03/04), PRE_COPY included.
 *
 * The test takes the instances of the type that exist and creates the
 * others it needs (2), removing only those it created. Each instance is
 * opened in a type1 v2 container of its own with NPAGES of anonymous memory
 * mapped at BASE_IOVA.
 */
#include <dirent.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <sys/ioctl.h>

#include "vfio_dirty_test.h"
#include "dma_log.h"
#include "mdev.h"
#include "migration.h"

#define BASE_IOVA	(1ULL << 32)
#define NPAGES		16
#define PG		4096ULL
#define CANARY		0x5a
#define STREAM_MAX	(1 << 20)
#define NDEV		2

struct pci_inst {
	char uuid[MDEV_UUID_LEN];
	bool created;
	struct dirty_env env;
	struct vdm vdm;
	struct backing mem;
};

FIXTURE(pci) {
	struct pci_inst d[NDEV];
	char type[64];
	void *buf;
};

FIXTURE_VARIANT(pci) {
	const char *type;	/* VDM_TYPE_QEMU or VDM_TYPE_QEMU_LOG */
	bool log;
};

FIXTURE_VARIANT_ADD(pci, qemu) {
	.type = VDM_TYPE_QEMU, .log = false,
};

FIXTURE_VARIANT_ADD(pci, qemu_log) {
	.type = VDM_TYPE_QEMU_LOG, .log = true,
};

/* Existing instances of @type, up to NDEV, into @self->d[].uuid; how many. */
static int existing(FIXTURE_DATA(pci) *self)
{
	char path[512];
	struct dirent *de;
	DIR *dir;
	int n = 0;

	host_path(path, sizeof(path), "/sys/class/mdev_bus/%s/mdev_supported_types/%s/devices",
		  VDM_PCI_NAME, self->type);
	dir = opendir(path);
	if (!dir)
		return 0;
	while (n < NDEV && (de = readdir(dir)))
		if (strlen(de->d_name) == MDEV_UUID_LEN - 1)
			snprintf(self->d[n++].uuid, MDEV_UUID_LEN, "%s", de->d_name);
	closedir(dir);
	return n;
}

/* A type1 v2 container of its own with the instance in it, open. */
static int open_inst(struct pci_inst *p)
{
	struct dirty_env *e = &p->env;
	int r;

	memset(e, 0, sizeof(*e));
	e->c.fd = -1;
	e->dev.fd = -1;
	r = __device_find(&e->dev, p->uuid, e->reason, sizeof(e->reason));
	if (r)
		return r;
	r = __container_open_mode(&e->c, IOMMU_MODE_TYPE1V2);
	if (!r)
		r = __container_attach_group(&e->c, e->dev.group_id);
	if (!r)
		r = __container_set_iommu(&e->c, VFIO_TYPE1v2_IOMMU);
	if (r) {
		snprintf(e->reason, sizeof(e->reason), "container for %s: %s", p->uuid,
			 strerror(-r));
		return r;
	}
	return __device_open(&e->dev, &e->c, e->reason, sizeof(e->reason));
}

FIXTURE_SETUP(pci)
{
	int i, n;

	snprintf(self->type, sizeof(self->type), VDM_DRIVER_NAME "-%s", variant->type);
	for (i = 0; i < NDEV; i++) {
		self->d[i].env.c.fd = -1;
		self->d[i].env.dev.fd = -1;
		self->d[i].mem.fd = -1;		/* backing_free() closes fd >= 0 */
	}
	if (!mdev_type_exists(VDM_PCI_NAME, self->type))
		SKIP(return, "mdev: no %s type %s (load fixtures/kmod's vfio_dirty_mdev, VDM_VERSION %d)",
		     VDM_PCI_NAME, self->type, VDM_VERSION);
	self->buf = malloc(STREAM_MAX);
	ASSERT_NE(NULL, self->buf);
	for (n = existing(self); n < NDEV; n++) {
		ASSERT_EQ(0, __mdev_create(VDM_PCI_NAME, self->type, self->d[n].uuid))
			TH_LOG("creating instance %d of %s", n, self->type);
		self->d[n].created = true;
	}
	for (i = 0; i < NDEV; i++) {
		struct pci_inst *p = &self->d[i];

		ASSERT_EQ(0, open_inst(p)) TH_LOG("%s", p->env.reason);
		p->vdm = (struct vdm){ .fd = p->env.dev.fd, .base = VDM_PCI_OFFSET(0),
				       .mode = VDM_PASS_THROUGH };
		BACKING_ALLOC_OR_SKIP(&p->mem, BACKING_ANON, NPAGES * PG);
		memset(p->mem.addr, CANARY, p->mem.size);
		container_map(&p->env.c, BASE_IOVA, p->mem.addr, NPAGES * PG);
	}
}

FIXTURE_TEARDOWN(pci)
{
	int i;

	for (i = 0; i < NDEV; i++) {
		env_teardown(&self->d[i].env);
		backing_free(&self->d[i].mem);
		if (self->d[i].created)
			EXPECT_EQ(0, __mdev_remove(self->d[i].uuid))
				TH_LOG("removing mdev %s", self->d[i].uuid);
	}
	free(self->buf);
}

/* One trigger command on instance @p: its length, or -errno. */
static int trig(struct pci_inst *p, const char *fmt, ...)
{
	char path[256], line[160];
	va_list ap;
	ssize_t n;
	int fd, r;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	host_path(path, sizeof(path), "/sys/bus/mdev/devices/%s/" VDM_SYSFS_GROUP "/cmd",
		  p->uuid);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = write(fd, line, strlen(line));
	r = n < 0 ? -errno : (int)n;
	close(fd);
	return r;
}

#define TRIG_OK(p, ...) do {							\
	char __l[160];								\
	snprintf(__l, sizeof(__l), __VA_ARGS__);				\
	ASSERT_EQ((int)strlen(__l), trig(p, "%s", __l)) TH_LOG("cmd \"%s\"", __l); \
} while (0)
#define TRIG_ERR(err, p, ...) do {						\
	char __l[160];								\
	snprintf(__l, sizeof(__l), __VA_ARGS__);				\
	EXPECT_EQ(-(err), trig(p, "%s", __l)) TH_LOG("cmd \"%s\"", __l);	\
} while (0)

struct trig_state {
	u64 mig_state, pinned, writes, digest;
};

static int read_state(struct pci_inst *p, struct trig_state *st)
{
	char path[256], name[32], val[32];
	unsigned long long v;
	int seen = 0;
	FILE *f;

	host_path(path, sizeof(path), "/sys/bus/mdev/devices/%s/" VDM_SYSFS_GROUP "/state",
		  p->uuid);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	/* decimal counts, a hex digest: all of u64 */
	while (fscanf(f, "%31s %31s", name, val) == 2) {
		v = strtoull(val, NULL, 0);
		if (!strcmp(name, "mig_state"))
			st->mig_state = v, seen |= 1;
		else if (!strcmp(name, "pinned"))
			st->pinned = v, seen |= 2;
		else if (!strcmp(name, "writes"))
			st->writes = v, seen |= 4;
		else if (!strcmp(name, "digest"))
			st->digest = v, seen |= 8;
	}
	fclose(f);
	return seen == 15 ? 0 : -EPROTO;
}

#define STATE(p) ({								\
	struct trig_state __st = { 0 };						\
	ASSERT_EQ(0, read_state(p, &__st)) TH_LOG("reading %s's state", (p)->uuid); \
	__st; })

/* Byte j of a trigger's range holds byte j % 8 of @pattern (little endian). */
static bool holds_pattern(const void *mem, u64 len, u64 pattern)
{
	const u8 *b = mem;
	u64 j;

	for (j = 0; j < len; j++)
		if (b[j] != (u8)(pattern >> (8 * (j % 8))))
			return false;
	return true;
}

static ssize_t cfg_rw(struct pci_inst *p, void *buf, size_t len, u64 off, bool write)
{
	u64 pos = VDM_PCI_OFFSET(VFIO_PCI_CONFIG_REGION_INDEX) + off;
	int fd = p->env.dev.fd;
	ssize_t n = write ? pwrite(fd, buf, len, pos) : pread(fd, buf, len, pos);

	return n < 0 ? -errno : n;
}

static u32 cfg32(struct __test_metadata *_metadata, struct pci_inst *p, u64 off)
{
	u32 v = 0;

	EXPECT_EQ(4, cfg_rw(p, &v, 4, off, false))
		TH_LOG("config read at 0x%llx", (unsigned long long)off);
	return v;
}

static void cfg32_write(struct __test_metadata *_metadata, struct pci_inst *p, u64 off, u32 v)
{
	EXPECT_EQ(4, cfg_rw(p, &v, 4, off, true))
		TH_LOG("config write at 0x%llx", (unsigned long long)off);
}

/* QEMU's vfio_populate_device(): a PCI device with the PCI regions and IRQ indices. */
TEST_F(pci, device_info)
{
	struct vfio_device_info di = { .argsz = sizeof(di) };
	struct vfio_region_info ri;
	struct vfio_irq_info ii;
	int fd = self->d[0].env.dev.fd;
	u64 want;
	u32 i;

	ASSERT_EQ(0, ioctl_errno(fd, VFIO_DEVICE_GET_INFO, &di));
	EXPECT_EQ(VFIO_DEVICE_FLAGS_PCI | VFIO_DEVICE_FLAGS_RESET, di.flags);
	EXPECT_EQ(VFIO_PCI_NUM_REGIONS, di.num_regions);
	EXPECT_EQ(VFIO_PCI_NUM_IRQS, di.num_irqs);
	for (i = 0; i < VFIO_PCI_NUM_REGIONS; i++) {
		ri = (struct vfio_region_info){ .argsz = sizeof(ri), .index = i };
		ASSERT_EQ(0, ioctl_errno(fd, VFIO_DEVICE_GET_REGION_INFO, &ri))
			TH_LOG("region %u", i);
		EXPECT_EQ(VDM_PCI_OFFSET(i), ri.offset) TH_LOG("region %u", i);
		want = i == VFIO_PCI_BAR0_REGION_INDEX ? VDM_REGION_SIZE :
		       i == VFIO_PCI_CONFIG_REGION_INDEX ? VDM_PCI_CFG_SIZE : 0;
		EXPECT_EQ(want, ri.size) TH_LOG("region %u", i);
	}
	ri = (struct vfio_region_info){ .argsz = sizeof(ri), .index = VFIO_PCI_NUM_REGIONS };
	EXPECT_EQ(-EINVAL, ioctl_errno(fd, VFIO_DEVICE_GET_REGION_INFO, &ri));
	for (i = 0; i < VFIO_PCI_NUM_IRQS; i++) {
		ii = (struct vfio_irq_info){ .argsz = sizeof(ii), .index = i };
		if (i == VFIO_PCI_ERR_IRQ_INDEX) {
			EXPECT_EQ(-EINVAL, ioctl_errno(fd, VFIO_DEVICE_GET_IRQ_INFO, &ii));
			continue;
		}
		ASSERT_EQ(0, ioctl_errno(fd, VFIO_DEVICE_GET_IRQ_INFO, &ii)) TH_LOG("irq %u", i);
		EXPECT_EQ(0, ii.count) TH_LOG("irq %u", i);
	}
}

/* The header QEMU reads and sizes (vfio_pci_config setup, vfio_bar_prepare). */
TEST_F(pci, config_space)
{
	struct pci_inst *p = &self->d[0];
	u8 cfg[VDM_PCI_CFG_SIZE], one;
	u32 v;
	int i;

	ASSERT_EQ(VDM_PCI_CFG_SIZE, cfg_rw(p, cfg, sizeof(cfg), 0, false));
	EXPECT_EQ(VDM_PCI_VENDOR, cfg[0] | cfg[1] << 8);
	EXPECT_EQ(VDM_PCI_DEVICE, cfg[2] | cfg[3] << 8);
	EXPECT_EQ(VDM_PCI_CLASS, cfg[9] | cfg[10] << 8 | cfg[11] << 16);
	EXPECT_EQ(0, cfg[0x0e]);		/* header type 0 */
	EXPECT_EQ(0, cfg[0x06] | cfg[0x07] << 8);	/* status: no capability list */
	EXPECT_EQ(0, cfg[0x34]);		/* capability pointer */
	EXPECT_EQ(0, cfg[0x3d]);		/* interrupt pin */
	EXPECT_TRUE(mem_is(cfg + 0x40, 0, VDM_PCI_CFG_SIZE - 0x40));
	/* any length and offset inside it, none past it */
	EXPECT_EQ(1, cfg_rw(p, &one, 1, 3, false));
	EXPECT_EQ(cfg[3], one);
	EXPECT_EQ(-EINVAL, cfg_rw(p, cfg, 2, VDM_PCI_CFG_SIZE - 1, false));

	/* BAR0: 32-bit memory, sized VDM_REGION_SIZE; the address sticks */
	EXPECT_EQ(0, cfg32(_metadata, p, 0x10));
	cfg32_write(_metadata, p, 0x10, 0xffffffff);
	EXPECT_EQ(~(u32)(VDM_REGION_SIZE - 1), cfg32(_metadata, p, 0x10));
	cfg32_write(_metadata, p, 0x10, 0xfe000000);
	EXPECT_EQ(0xfe000000, cfg32(_metadata, p, 0x10));
	/* BAR1-5 and the ROM BAR are absent: sizing reads 0 */
	for (i = 0x14; i <= 0x24; i += 4) {
		cfg32_write(_metadata, p, i, 0xffffffff);
		EXPECT_EQ(0, cfg32(_metadata, p, i)) TH_LOG("BAR at 0x%x", i);
	}
	cfg32_write(_metadata, p, 0x30, 0xffffffff);
	EXPECT_EQ(0, cfg32(_metadata, p, 0x30));
	/* IDs are read-only; command: memory, master, INTx disable */
	cfg32_write(_metadata, p, 0x00, 0);
	EXPECT_EQ(VDM_PCI_VENDOR | (u32)VDM_PCI_DEVICE << 16, cfg32(_metadata, p, 0x00));
	cfg32_write(_metadata, p, 0x04, 0xffffffff);
	EXPECT_EQ(0x0406, cfg32(_metadata, p, 0x04));
	/* VFIO_DEVICE_RESET resets the header */
	ASSERT_EQ(0, ioctl_errno(p->env.dev.fd, VFIO_DEVICE_RESET, NULL));
	EXPECT_EQ(0, cfg32(_metadata, p, 0x04));
	EXPECT_EQ(0, cfg32(_metadata, p, 0x10));
	v = cfg32(_metadata, p, 0x08);
	EXPECT_EQ(VDM_PCI_CLASS, v >> 8);
}

/* The command protocol of the other types, through BAR0 (DP-BIT-05's write path). */
TEST_F(pci, bar0_commands)
{
	struct pci_inst *p = &self->d[0];
	u8 *m = p->mem.addr;
	u64 v;

	ASSERT_EQ(0, __vdm_reg(&p->vdm, VDM_REG_MAGIC, &v));
	EXPECT_EQ(VDM_MAGIC, (u32)v);
	ASSERT_EQ(0, __vdm_reg(&p->vdm, VDM_REG_VERSION, &v));
	EXPECT_EQ(VDM_VERSION, (u32)v);
	ASSERT_EQ(0, __vdm_reg(&p->vdm, VDM_REG_FEATURES, &v));
	EXPECT_EQ(variant->log ? VDM_F_LOG | VDM_F_MIG : VDM_F_MIG, (u32)v);
	ASSERT_EQ(0, vdm_dma_write(&p->vdm, BASE_IOVA + 100, 50, 0xc3));
	EXPECT_TRUE(mem_is(m, CANARY, 100));
	EXPECT_TRUE(mem_is(m + 100, 0xc3, 50));
	EXPECT_TRUE(mem_is(m + 150, CANARY, NPAGES * PG - 150));
	EXPECT_EQ(1, vdm_reg(&p->vdm, VDM_REG_CMDS_RUN));
}

/* write: vfio_dma_rw() of the pattern, little endian from the first byte. */
TEST_F(pci, trigger_write)
{
	struct pci_inst *p = &self->d[0];
	const u64 pat = 0x1122334455667788ULL;
	u8 *m = p->mem.addr;
	struct trig_state st;

	st = STATE(p);
	EXPECT_EQ(MIG_RUNNING, st.mig_state);
	EXPECT_EQ(0, st.writes);
	TRIG_OK(p, "write 0x%llx 4099 0x%llx", BASE_IOVA + PG - 3, (unsigned long long)pat);
	EXPECT_TRUE(mem_is(m, CANARY, PG - 3));
	EXPECT_TRUE(holds_pattern(m + PG - 3, 4099, pat));
	EXPECT_TRUE(mem_is(m + PG - 3 + 4099, CANARY, NPAGES * PG - (PG - 3 + 4099)));
	/* decimal numbers and echo's newline */
	TRIG_OK(p, "write %llu 8 %llu\n", BASE_IOVA + 8 * PG, 255ULL);
	EXPECT_TRUE(holds_pattern(m + 8 * PG, 8, 255));
	st = STATE(p);
	EXPECT_EQ(2, st.writes);
	EXPECT_EQ(0, st.pinned);
	/* the kernel's refusal of an IOVA outside every mapping, unchanged (type1: EINVAL) */
	EXPECT_GT(0, trig(p, "write 0x%llx 8 1", BASE_IOVA + NPAGES * PG));
	EXPECT_EQ(2, STATE(p).writes);
	/* the longest is the data area's size */
	TRIG_OK(p, "write 0x%llx %d 7", BASE_IOVA, VDM_DATA_SIZE);
	TRIG_ERR(EMSGSIZE, p, "write 0x%llx %d 7", BASE_IOVA, VDM_DATA_SIZE + 1);
}

/* pin, write-pinned, unpin: the pin table holds the pages (DP-PIN-01's pins). */
TEST_F(pci, trigger_pinned)
{
	struct pci_inst *p = &self->d[0];
	const u64 pat = 0xa1b2c3d4e5f60718ULL;
	u8 *m = p->mem.addr;

	TRIG_OK(p, "pin 0x%llx 4", BASE_IOVA + 2 * PG);
	EXPECT_EQ(4, STATE(p).pinned);
	EXPECT_EQ(4, vdm_reg(&p->vdm, VDM_REG_PINNED));
	/* straddling pinned pages, unaligned */
	TRIG_OK(p, "write-pinned 0x%llx 5000 0x%llx", BASE_IOVA + 3 * PG - 17,
		(unsigned long long)pat);
	EXPECT_TRUE(mem_is(m, CANARY, 3 * PG - 17));
	EXPECT_TRUE(holds_pattern(m + 3 * PG - 17, 5000, pat));
	EXPECT_TRUE(mem_is(m + 3 * PG - 17 + 5000, CANARY, NPAGES * PG - (3 * PG - 17 + 5000)));
	/* a range with one page not pinned writes nothing */
	memset(m, CANARY, NPAGES * PG);
	TRIG_ERR(ENOENT, p, "write-pinned 0x%llx 8192 1", BASE_IOVA + 5 * PG);
	TRIG_ERR(ENOENT, p, "write-pinned 0x%llx 16 1", BASE_IOVA + 2 * PG - 8);
	EXPECT_TRUE(mem_is(m, CANARY, NPAGES * PG));
	/* well-behaved mode's refusals */
	TRIG_ERR(EDOM, p, "pin 0x%llx 1", BASE_IOVA + 1);
	TRIG_ERR(EMSGSIZE, p, "pin 0x%llx 0", BASE_IOVA);
	TRIG_ERR(EMSGSIZE, p, "pin 0x%llx 513", BASE_IOVA);
	TRIG_ERR(ENOENT, p, "unpin 0x%llx 1", BASE_IOVA);
	EXPECT_EQ(4, STATE(p).pinned);
	TRIG_OK(p, "unpin 0x%llx 4", BASE_IOVA + 2 * PG);
	EXPECT_EQ(0, STATE(p).pinned);
	TRIG_ERR(ENOENT, p, "unpin 0x%llx 4", BASE_IOVA + 2 * PG);
	TRIG_ERR(ENOENT, p, "write-pinned 0x%llx 8 1", BASE_IOVA + 2 * PG);
	/* the kernel's refusal of a page outside every mapping */
	EXPECT_GT(0, trig(p, "pin 0x%llx 1", BASE_IOVA + NPAGES * PG));
	EXPECT_EQ(0, STATE(p).pinned);
	EXPECT_EQ(3, STATE(p).writes);	/* pin, write-pinned, unpin */
}

/* fill: the data area, which migrates; read back through BAR0. */
TEST_F(pci, trigger_fill)
{
	struct pci_inst *p = &self->d[0];
	const u64 pat = 0x0102030405060708ULL;
	u8 area[512];

	TRIG_OK(p, "fill 100 200 0x%llx", (unsigned long long)pat);
	ASSERT_EQ((ssize_t)sizeof(area), pread(p->env.dev.fd, area, sizeof(area),
					       VDM_PCI_OFFSET(0) + VDM_DATA_BASE));
	EXPECT_TRUE(mem_is(area, 0, 100));
	EXPECT_TRUE(holds_pattern(area + 100, 200, pat));
	EXPECT_TRUE(mem_is(area + 300, 0, sizeof(area) - 300));
	TRIG_OK(p, "fill %d 1 9", VDM_DATA_SIZE - 1);
	TRIG_OK(p, "fill %d 0 9", VDM_DATA_SIZE);
	TRIG_ERR(EMSGSIZE, p, "fill %d 2 9", VDM_DATA_SIZE - 1);
	TRIG_ERR(EMSGSIZE, p, "fill %d 0 9", VDM_DATA_SIZE + 1);
	EXPECT_EQ(3, STATE(p).writes);
}

/* Malformed lines and the states in which a device does not DMA. */
TEST_F(pci, trigger_refusals)
{
	struct pci_inst *p = &self->d[0];
	static const char *const bad[] = {
		"\n", "nop", "write", "write 1 2", "write 1 2 3 4", "write  1 2 3",
		"write 1 2 x", "write -1 2 3", "fill 0x 1 1", "pin 1", "unpin 1 2 3",
		"write 1 2 0x10000000000000000", "WRITE 1 2 3",
	};
	u8 *m = p->mem.addr;
	unsigned int i;
	int fd = p->env.dev.fd, dfd;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		const char *line = bad[i];

		EXPECT_EQ(-EINVAL, trig(p, "%s", line)) TH_LOG("cmd \"%s\"", line);
	}
	EXPECT_EQ(0, STATE(p).writes);

	/* STOP: every command EBUSY, nothing done */
	TRIG_OK(p, "pin 0x%llx 1", BASE_IOVA);
	dfd = mig_set_state(fd, MIG_STOP);
	EXPECT_EQ(-1, dfd);
	EXPECT_EQ(MIG_STOP, STATE(p).mig_state);
	TRIG_ERR(EBUSY, p, "write 0x%llx 8 1", BASE_IOVA + PG);
	TRIG_ERR(EBUSY, p, "pin 0x%llx 1", BASE_IOVA + PG);
	TRIG_ERR(EBUSY, p, "unpin 0x%llx 1", BASE_IOVA);
	TRIG_ERR(EBUSY, p, "write-pinned 0x%llx 8 1", BASE_IOVA);
	TRIG_ERR(EBUSY, p, "fill 0 8 1");
	/* a malformed line is still EINVAL */
	TRIG_ERR(EINVAL, p, "write 1 2");
	EXPECT_TRUE(mem_is(m, CANARY, NPAGES * PG));
	EXPECT_EQ(1, STATE(p).pinned);
	/* RUNNING_P2P runs them */
	mig_set_state(fd, MIG_RUNNING_P2P);
	TRIG_OK(p, "write-pinned 0x%llx 8 1", BASE_IOVA);
	mig_set_state(fd, MIG_RUNNING);
	TRIG_OK(p, "unpin 0x%llx 1", BASE_IOVA);
	EXPECT_EQ(3, STATE(p).writes);

	/* a closed device: EBUSY; its close unpinned, its counters restart */
	TRIG_OK(&self->d[1], "pin 0x%llx 2", BASE_IOVA);
	EXPECT_EQ(2, STATE(&self->d[1]).pinned);
	env_teardown(&self->d[1].env);
	EXPECT_EQ(0, STATE(&self->d[1]).pinned);
	TRIG_ERR(EBUSY, &self->d[1], "fill 0 8 1");
	TRIG_ERR(EBUSY, &self->d[1], "write 0x%llx 8 1", BASE_IOVA);
	ASSERT_EQ(0, open_inst(&self->d[1])) TH_LOG("%s", self->d[1].env.reason);
	EXPECT_EQ(0, STATE(&self->d[1]).writes);
}

/* -qemu has no log_ops (QEMU uses the container); -qemu-log logs trigger writes. */
TEST_F(pci, trigger_dma_log)
{
	struct pci_inst *p = &self->d[0];
	int fd = p->env.dev.fd, r;

	r = __dma_log_start_one(fd, BASE_IOVA, NPAGES * PG, PG);
	if (!variant->log) {
		EXPECT_EQ(-ENOTTY, r) TH_LOG("DMA logging START on %s (ALT-LOG-02)", self->type);
		return;
	}
	ASSERT_EQ(0, r) TH_LOG("DMA logging START (ALT-LOG-03)");
	EXPECT_EQ(0, vdm_reg(&p->vdm, VDM_REG_LOG_DIRTY));
	TRIG_OK(p, "write 0x%llx 4097 1", BASE_IOVA + PG);
	EXPECT_EQ(2, vdm_reg(&p->vdm, VDM_REG_LOG_DIRTY));
	TRIG_OK(p, "pin 0x%llx 1", BASE_IOVA + 5 * PG);
	/* pins are not logged unless VDM_OP_LOG_PINS: only the write-pinned */
	EXPECT_EQ(2, vdm_reg(&p->vdm, VDM_REG_LOG_DIRTY));
	TRIG_OK(p, "write-pinned 0x%llx 8 1", BASE_IOVA + 5 * PG);
	EXPECT_EQ(3, vdm_reg(&p->vdm, VDM_REG_LOG_DIRTY));
	TRIG_OK(p, "fill 0 8 1");
	EXPECT_EQ(3, vdm_reg(&p->vdm, VDM_REG_LOG_DIRTY));
	TRIG_OK(p, "unpin 0x%llx 1", BASE_IOVA + 5 * PG);
	EXPECT_EQ(0, __dma_log_stop(fd));
}

/*
 * Saves @src's stream (from RUNNING, through PRE_COPY when @precopy, with
 * a fill during PRE_COPY) and loads it into @dst (MIG-04's arcs); both end
 * in STOP. Returns the stream's length.
 */
static ssize_t round_trip(struct __test_metadata *_metadata, FIXTURE_DATA(pci) *self,
			  struct pci_inst *src, struct pci_inst *dst, bool precopy)
{
	int sfd = src->env.dev.fd, dfd = dst->env.dev.fd, data;
	ssize_t len;

	if (precopy) {
		data = mig_set_state(sfd, MIG_PRE_COPY);
		EXPECT_LE(0, data);
		EXPECT_EQ(MIG_PRE_COPY, STATE(src).mig_state);
		/* a running device: the trigger works in PRE_COPY, and this migrates */
		TRIG_OK(src, "fill 4096 64 0xfeedfacecafebeef");
		EXPECT_EQ(-1, mig_set_state(sfd, MIG_STOP_COPY));
	} else {
		data = mig_set_state(sfd, MIG_STOP_COPY);
	}
	EXPECT_LE(0, data);
	TRIG_ERR(EBUSY, src, "fill 0 8 1");
	len = mig_read_all(data, self->buf, STREAM_MAX);
	close(data);
	mig_set_state(sfd, MIG_STOP);

	data = mig_set_state(dfd, MIG_RESUMING);
	EXPECT_LE(0, data);
	TRIG_ERR(EBUSY, dst, "fill 0 8 1");
	mig_write_all(data, self->buf, len);
	EXPECT_EQ(-1, mig_set_state(dfd, MIG_STOP));
	close(data);
	return len;
}

/* The digest is equal iff the stream restored the state (MIG-03, MIG-04). */
static void check_round_trip(struct __test_metadata *_metadata, FIXTURE_DATA(pci) *self,
			     bool precopy)
{
	struct pci_inst *src = &self->d[0], *dst = &self->d[1];
	u8 a[VDM_DATA_SIZE], b[VDM_DATA_SIZE];
	u64 before, dst_before;

	TRIG_OK(src, "fill 0 %d 0x0123456789abcdef", VDM_DATA_SIZE / 2);
	TRIG_OK(src, "write 0x%llx 64 3", BASE_IOVA);
	ASSERT_EQ(0, vdm_dma_write(&src->vdm, BASE_IOVA + PG, 8, 9));
	before = STATE(src).digest;
	dst_before = STATE(dst).digest;
	EXPECT_NE(before, dst_before);
	round_trip(_metadata, self, src, dst, precopy);
	if (!precopy)
		EXPECT_EQ(before, STATE(src).digest);
	EXPECT_EQ(STATE(src).digest, STATE(dst).digest);
	EXPECT_EQ(1, vdm_reg(&dst->vdm, VDM_REG_MIG_LOADED));
	ASSERT_EQ((ssize_t)sizeof(a), pread(src->env.dev.fd, a, sizeof(a),
					    VDM_PCI_OFFSET(0) + VDM_DATA_BASE));
	ASSERT_EQ((ssize_t)sizeof(b), pread(dst->env.dev.fd, b, sizeof(b),
					    VDM_PCI_OFFSET(0) + VDM_DATA_BASE));
	EXPECT_EQ(0, memcmp(a, b, sizeof(a)));
	if (precopy)
		EXPECT_TRUE(holds_pattern(b + 4096, 64, 0xfeedfacecafebeefULL));
	/* the destination runs and DMAs; its digest changes with its state */
	mig_set_state(dst->env.dev.fd, MIG_RUNNING);
	TRIG_OK(dst, "fill 0 8 0");
	EXPECT_NE(STATE(src).digest, STATE(dst).digest);
	mig_set_state(src->env.dev.fd, MIG_RUNNING);
}

TEST_F(pci, mig04_stop_copy_restores_digest)
{
	check_round_trip(_metadata, self, false);
}

TEST_F(pci, mig04_pre_copy_restores_digest)
{
	u64 flags = 0;

	ASSERT_EQ(0, __mig_probe(self->d[0].env.dev.fd, &flags));
	if (!(flags & VFIO_MIGRATION_PRE_COPY))
		SKIP(return, "kernel: no PRE_COPY (VFIO_MIGRATION_PRE_COPY: the uAPI has it since 6.2)");
	check_round_trip(_metadata, self, true);
}

/* A stream cut short leaves the destination in RESUMING, its digest unchanged (MIG-03). */
TEST_F(pci, mig03_short_stream_not_applied)
{
	struct pci_inst *src = &self->d[0], *dst = &self->d[1];
	int data;
	ssize_t len;
	u64 dst_before;

	TRIG_OK(src, "fill 0 64 5");
	dst_before = STATE(dst).digest;
	data = mig_set_state(src->env.dev.fd, MIG_STOP_COPY);
	len = mig_read_all(data, self->buf, STREAM_MAX);
	close(data);
	data = mig_set_state(dst->env.dev.fd, MIG_RESUMING);
	mig_write_all(data, self->buf, len - 1);
	EXPECT_EQ(-EINVAL, __mig_set_state(dst->env.dev.fd, MIG_STOP, &(int){ -1 }));
	close(data);
	EXPECT_EQ(MIG_RESUMING, STATE(dst).mig_state);
	EXPECT_EQ(dst_before, STATE(dst).digest);
	ASSERT_EQ(0, ioctl_errno(dst->env.dev.fd, VFIO_DEVICE_RESET, NULL));
	ASSERT_EQ(0, ioctl_errno(src->env.dev.fd, VFIO_DEVICE_RESET, NULL));
}

VFIO_DIRTY_MAIN("dirty_mdev_pci_test: the test mdev's vfio-pci types (" VDM_PCI_NAME "\n"
		"-qemu, -qemu-log; fixtures/kmod) as QEMU's vfio-pci needs them: device info,\n"
		"regions, IRQ indices, the emulated config space and BAR0's command protocol;\n"
		"the sysfs trigger vfio_dirty/cmd (write, pin, unpin, write-pinned, fill) and\n"
		"its refusals, DMA logging of trigger writes (ALT-LOG-03), and the digest of\n"
		"vfio_dirty/state after a STOP_COPY or PRE_COPY round trip between two\n"
		"instances (MIG-03/04). Creates the instances it needs (2 per type) and removes\n"
		"only those; needs the module loaded, no device argument.")
