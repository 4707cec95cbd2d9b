// SPDX-License-Identifier: GPL-2.0-only
/*
 * Host-side tests of the library: bitmap math, the GET_INFO capability
 * walker, device-name parsing, guard pages and the register writes a DMA
 * driver describes. No VFIO needed.
 */
#include <setjmp.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>

#include "vfio_dirty_test.h"
#include "dma_driver.h"
#include "model.h"
#include "skip_memo.h"

TEST(bitmap_bytes_whole_words)
{
	/* BYTES(n) = ALIGN(n, 64) / 8 (spec 0.2, DP-ARG-15). */
	EXPECT_EQ(0, bitmap_bytes(0));
	EXPECT_EQ(8, bitmap_bytes(1));
	EXPECT_EQ(8, bitmap_bytes(64));
	EXPECT_EQ(16, bitmap_bytes(65));
	EXPECT_EQ(40, bitmap_bytes(320));
	EXPECT_EQ(268435456, bitmap_bytes(DIRTY_BITMAP_PAGES_MAX));
	EXPECT_EQ(268435456, bitmap_bytes(1ULL << 31));
	EXPECT_EQ(268435464, bitmap_bytes((1ULL << 31) + 1));
	EXPECT_EQ(268435456, DIRTY_BITMAP_SIZE_MAX);
}

TEST(bitmap_set_range_across_words)
{
	u64 map[4] = { 0 };

	bitmap_set_range(map, 3, 10);		/* inside word 0 */
	EXPECT_EQ(0x1ff8ULL, map[0]);
	bitmap_set_range(map, 60, 72);		/* 60..131: end of 0, all of 1, start of 2 */
	EXPECT_EQ(0xf000000000001ff8ULL, map[0]);
	EXPECT_EQ(~0ULL, map[1]);
	EXPECT_EQ(0xfULL, map[2]);
	EXPECT_EQ(0, map[3]);
	EXPECT_EQ(10 + 72, bitmap_weight(map, 256));
	EXPECT_EQ(10 + 4 + 64 + 3, bitmap_weight(map, 131));	/* stops inside word 2 */
	EXPECT_EQ(0, bitmap_weight(map, 3));
	EXPECT_TRUE(bitmap_test_bit(map, 131));
	EXPECT_FALSE(bitmap_test_bit(map, 132));
}

TEST(bitmap_set_range_word_aligned)
{
	u64 map[3] = { 0 };

	bitmap_set_range(map, 64, 64);
	EXPECT_EQ(0, map[0]);
	EXPECT_EQ(~0ULL, map[1]);
	EXPECT_EQ(0, map[2]);
	bitmap_set_range(map, 0, 0);
	EXPECT_EQ(0, map[0]);
}

TEST(bitmap_diff_names_first_bits)
{
	u64 got[2] = { 0x5, 0x1 }, want[2] = { 0x4, 0x3 };
	char msg[256];

	EXPECT_EQ(2, bitmap_diff(got, want, 128, msg, sizeof(msg)));
	EXPECT_STREQ("bit 0: got 1 want 0; bit 65: got 0 want 1", msg);
	/* The padding bits of the last word count: 65 bits compare two words. */
	EXPECT_EQ(2, bitmap_diff(got, want, 65, msg, sizeof(msg)));
	EXPECT_EQ(1, bitmap_diff(got, want, 64, msg, sizeof(msg)));
	got[1] = 0x3 | 1ULL << 40;
	EXPECT_EQ(2, bitmap_diff(got, want, 1 + 64, msg, sizeof(msg)));
	EXPECT_STREQ("bit 0: got 1 want 0; bit 104: got 1 want 0", msg);
	EXPECT_EQ(0, bitmap_diff(got, got, 128, NULL, 0));
}

TEST(bitmap_diff_truncates_long_lists)
{
	u64 got[1] = { ~0ULL }, want[1] = { 0 };
	char msg[512];

	EXPECT_EQ(64, bitmap_diff(got, want, 64, msg, sizeof(msg)));
	EXPECT_NE(NULL, strstr(msg, "bit 7: got 1 want 0; ..."));
}

static sigjmp_buf fault_env;
static int faulted;

static void on_segv(int sig)
{
	faulted = 1;
	siglongjmp(fault_env, sig);
}

/* A write one byte past the buffer hits the guard page. */
TEST(guarded_buf_faults_past_end)
{
	struct sigaction sa = { .sa_handler = on_segv }, old;
	struct guarded_buf b;

	ASSERT_EQ(0, guarded_buf_alloc(&b, 40));
	EXPECT_EQ(0, ((uintptr_t)b.data + 40) % host_page_size());
	memset(b.data, 0, 40);
	ASSERT_EQ(0, sigaction(SIGSEGV, &sa, &old));
	faulted = 0;
	if (sigsetjmp(fault_env, 1) == 0)
		__atomic_store_n((char *)b.data + 40, 1, __ATOMIC_RELAXED);
	sigaction(SIGSEGV, &old, NULL);
	EXPECT_TRUE(faulted);
	guarded_buf_free(&b);
}

/* What a forked case records, its parent and the cases after it see. */
TEST(skip_memo_outlives_a_fork)
{
	static const int key_a, key_b;
	int status;
	pid_t pid;

	ASSERT_EQ(NULL, skip_memo_find(&key_a));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		skip_memo_add(&key_a, "dmalog: none");
		_exit(0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_NE(NULL, skip_memo_find(&key_a));
	EXPECT_STREQ("dmalog: none", skip_memo_find(&key_a));
	EXPECT_EQ(NULL, skip_memo_find(&key_b));
	EXPECT_EQ(NULL, skip_memo_find(NULL));
	skip_memo_add(&key_a, "dmalog: still none");
	EXPECT_STREQ("dmalog: still none", skip_memo_find(&key_a));
}

/* Builds a GET_INFO reply: header, then caps at the given offsets. */
static void put_cap(void *buf, u32 off, u16 id, u32 next)
{
	struct vfio_info_cap_header *h = (void *)((char *)buf + off);

	h->id = id;
	h->version = 1;
	h->next = next;
}

TEST(caps_walk_in_order)
{
	u64 buf[16] = { 0 };
	struct vfio_iommu_type1_info *info = (void *)buf;
	struct info_cap_entry caps[INFO_CAPS_MAX];

	info->argsz = sizeof(buf);
	info->flags = VFIO_IOMMU_INFO_CAPS;
	info->cap_offset = 24;
	put_cap(buf, 24, VFIO_IOMMU_TYPE1_INFO_CAP_MIGRATION, 56);
	put_cap(buf, 56, VFIO_IOMMU_TYPE1_INFO_DMA_AVAIL, 68);	/* unaligned, as 6.1 */
	put_cap(buf, 68, VFIO_IOMMU_TYPE1_INFO_CAP_IOVA_RANGE, 0);

	ASSERT_EQ(3, info_caps_walk(info, sizeof(buf), caps, INFO_CAPS_MAX));
	EXPECT_EQ(24, caps[0].offset);
	EXPECT_EQ(VFIO_IOMMU_TYPE1_INFO_CAP_MIGRATION, caps[0].id);
	EXPECT_EQ(68, caps[2].offset);
	EXPECT_EQ((void *)((char *)buf + 56),
		  (void *)info_cap_find(info, sizeof(buf), VFIO_IOMMU_TYPE1_INFO_DMA_AVAIL, 12));
	/* Found, but its body would run past the buffer. */
	EXPECT_EQ(NULL, info_cap_find(info, sizeof(buf), VFIO_IOMMU_TYPE1_INFO_CAP_IOVA_RANGE,
				      sizeof(buf)));
	EXPECT_EQ(NULL, info_cap_find(info, sizeof(buf), 99, 8));
}

TEST(caps_walk_rejects_bad_chains)
{
	u64 buf[16] = { 0 };
	struct vfio_iommu_type1_info *info = (void *)buf;

	info->flags = VFIO_IOMMU_INFO_CAPS;
	info->cap_offset = 24;
	put_cap(buf, 24, 2, 24);			/* loops on itself */
	EXPECT_EQ(-EINVAL, info_caps_walk(info, sizeof(buf), NULL, 0));
	put_cap(buf, 24, 2, 40);
	put_cap(buf, 40, 3, 24);			/* goes backwards */
	EXPECT_EQ(-EINVAL, info_caps_walk(info, sizeof(buf), NULL, 0));
	put_cap(buf, 40, 3, 200);			/* past the buffer */
	EXPECT_EQ(-EINVAL, info_caps_walk(info, sizeof(buf), NULL, 0));
	info->cap_offset = 8;				/* inside the header */
	EXPECT_EQ(-EINVAL, info_caps_walk(info, sizeof(buf), NULL, 0));
	info->cap_offset = 24;
	put_cap(buf, 40, 3, 0);
	EXPECT_EQ(-EINVAL, info_caps_walk(info, 44, NULL, 0));	/* header cut short */
	EXPECT_EQ(2, info_caps_walk(info, 48, NULL, 0));
	info->flags = 0;				/* no CAPS flag: no chain */
	EXPECT_EQ(0, info_caps_walk(info, sizeof(buf), NULL, 0));
}

TEST(device_names)
{
	EXPECT_TRUE(device_name_is_pci("0000:00:03.0"));
	EXPECT_TRUE(device_name_is_pci("00:03.0"));
	EXPECT_TRUE(device_name_is_pci("abcd:ef:1f.7"));
	EXPECT_FALSE(device_name_is_pci("0000:00:03"));
	EXPECT_FALSE(device_name_is_pci("0000:00:03.0x"));
	EXPECT_FALSE(device_name_is_pci("dirty_caps"));
	EXPECT_TRUE(device_name_is_mdev("83b8f4f2-509f-382f-3c1e-e6bfe0fa1001"));
	EXPECT_FALSE(device_name_is_mdev("83b8f4f2-509f-382f-3c1e-e6bfe0fa100"));
	EXPECT_FALSE(device_name_is_mdev("83b8f4f2x509f-382f-3c1e-e6bfe0fa1001"));
}

TEST(layout_expect_places_bits)
{
	static const struct dma_region r[] = { { 3, 10 }, { 20, 70 }, { 130, 1 } };
	struct layout l = { .base_iova = 0, .pgsize = 4096, .regions = r, .nr = 3 };
	u64 want[3] = { 0 };

	EXPECT_EQ(81, layout_pages(&l));
	layout_expect_all(&l, 15, 170, want);	/* only the second and third lie inside */
	EXPECT_EQ(71, bitmap_weight(want, 192));
	EXPECT_TRUE(bitmap_test_bit(want, 5));
	EXPECT_FALSE(bitmap_test_bit(want, 4));
	EXPECT_TRUE(bitmap_test_bit(want, 74));
	EXPECT_FALSE(bitmap_test_bit(want, 75));
	EXPECT_TRUE(bitmap_test_bit(want, 115));
	EXPECT_EQ(20 * 4096, layout_iova(&l, 20));
}

TEST(backing_anon_is_page_aligned)
{
	struct backing b;
	char why[256] = "";

	ASSERT_EQ(0, backing_alloc(&b, BACKING_ANON, 3 * host_page_size() + 1, why, sizeof(why)));
	EXPECT_EQ(4 * host_page_size(), b.size);
	EXPECT_EQ(0, (uintptr_t)b.addr % host_page_size());
	backing_free(&b);
	ASSERT_EQ(0, backing_alloc(&b, BACKING_MEMFD, 1, why, sizeof(why)));
	EXPECT_LE(0, b.fd);
	backing_free(&b);
}

/* How many of the @npages pages from @addr are resident. */
static size_t resident(void *addr, size_t npages)
{
	unsigned char vec[64];
	size_t i, n = 0;

	if (npages > sizeof(vec) || mincore(addr, npages * host_page_size(), vec))
		return (size_t)-1;
	for (i = 0; i < npages; i++)
		n += vec[i] & 1;
	return n;
}

/* backing_alloc() faults in every page; backing_alloc_unpopulated() none. */
TEST(backing_populated_or_not)
{
	const size_t npages = 16;
	enum backing_kind kinds[] = { BACKING_ANON, BACKING_MEMFD };
	struct backing b;
	char why[256] = "";
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(kinds); i++) {
		ASSERT_EQ(0, backing_alloc(&b, kinds[i], npages * host_page_size(), why,
					   sizeof(why))) TH_LOG("%s", why);
		EXPECT_EQ(npages, resident(b.addr, npages)) TH_LOG("%s", backing_name(kinds[i]));
		backing_free(&b);
		ASSERT_EQ(0, backing_alloc_unpopulated(&b, kinds[i], npages * host_page_size(),
						       why, sizeof(why))) TH_LOG("%s", why);
		EXPECT_EQ(0, resident(b.addr, npages)) TH_LOG("%s", backing_name(kinds[i]));
		EXPECT_FALSE(b.pooled);
		backing_free(&b);
	}
}

/* The mode axis: names are the variant prefixes, refusals the spec's errnos. */
FIXTURE(mode_axis) {
	int unused;
};

FIXTURE_VARIANT(mode_axis) {
	enum iommu_mode mode;
};

FIXTURE_VARIANT_ADD_ALL_IOMMU_MODES(mode_axis)

FIXTURE_SETUP(mode_axis)
{
}

FIXTURE_TEARDOWN(mode_axis)
{
}

TEST_F(mode_axis, name_and_refusal)
{
	static const struct {
		const char *name;
		int err;
		const char *req;
	} want[IOMMU_MODES] = {
		[IOMMU_MODE_TYPE1V2] = { "type1v2", 0, "" },
		[IOMMU_MODE_TYPE1] = { "type1", -EACCES, "DP-ARG-01" },
		[IOMMU_MODE_IOMMUFD_COMPAT] = { "iommufd_compat", -ENOTTY, "DP-IOMMUFD-01" },
		[IOMMU_MODE_IOMMUFD] = { "iommufd", -ENOTTY, "DP-IOMMUFD-01" },
	};
	const char *req = NULL;

	ASSERT_GT(IOMMU_MODES, variant->mode);
	EXPECT_STREQ(want[variant->mode].name, iommu_mode_name(variant->mode));
	EXPECT_EQ(want[variant->mode].err, iommu_mode_dirty_refusal(variant->mode, &req));
	ASSERT_NE(NULL, req);
	EXPECT_STREQ(want[variant->mode].req, req);
}

/*
 * The register writes edu's prepare() describes, made with pwrite() on a
 * file standing in for the device fd: the DMA registers of BAR0, in the
 * order that starts the transfer, 32 bits each, little-endian.
 */
TEST(dma_prepare_edu_writes)
{
	struct vfio_dev vdev = { .kind = DEVICE_PCI };
	struct dma_reg_write w[DMA_DEV_MAX_WRITES];
	const u64 bar0 = 0x10000;
	struct dma_dev d = { .ops = &edu_driver_ops, .vdev = &vdev };
	u8 regs[0xa0];
	u32 v;

	d.pci.bar_offset[0] = bar0;
	d.max_transfer = edu_driver_ops.max_transfer;
	ASSERT_EQ(4, __dma_dev_prepare(&d, true, 0x123440, 2048, w));
	EXPECT_EQ(bar0 + 0x80, w[0].offset);
	EXPECT_EQ(bar0 + 0x98, w[3].offset);
	EXPECT_EQ(4, w[3].size);
	/* prepared: in flight until waited for; this test never starts it */
	EXPECT_TRUE(d.busy);
	d.busy = false;
	EXPECT_EQ(-E2BIG, __dma_dev_prepare(&d, true, 0, 4096, w));
	EXPECT_EQ(-ERANGE, __dma_dev_prepare(&d, false, 1ULL << 28, 8, w));

	vdev.fd = memfd_create("edu-bar", 0);
	ASSERT_LE(0, vdev.fd);
	ASSERT_EQ(0, ftruncate(vdev.fd, bar0 + sizeof(regs)));
	ASSERT_EQ(0, __dma_dev_write_regs(&d, w, 4));
	ASSERT_EQ(sizeof(regs), pread(vdev.fd, regs, sizeof(regs), bar0));
	EXPECT_EQ(0, memcmp(regs + 0x80, "\x00\x00\x04\x00", 4));	/* src: edu's buffer */
	EXPECT_EQ(0, memcmp(regs + 0x88, "\x40\x34\x12\x00", 4));	/* dst: the IOVA */
	memcpy(&v, regs + 0x90, 4);
	EXPECT_EQ(2048, le32toh(v));
	EXPECT_EQ(3, regs[0x98]);	/* start, to RAM */
	close(vdev.fd);

	d.ops = &vdm_driver_ops;
	EXPECT_EQ(-EOPNOTSUPP, __dma_dev_prepare(&d, true, 0, 8, w));
}

/* A file beside selftests/capabilities: "splats", or "../runner/splat.ere". */
static char *tree_file(char *buf, size_t len, const char *rel)
{
	char *slash;

	snprintf(buf, len, "%s", CAPABILITIES_FILE);
	slash = strrchr(buf, '/');
	snprintf(slash + 1, len - (slash + 1 - buf), "%s", rel);
	return buf;
}

/* The binaries' own splat pattern is runner/splat.ere's. */
TEST(kmsg_builtin_pattern_is_the_runners)
{
	char path[512], line[1024] = "";
	FILE *f = fopen(tree_file(path, sizeof(path), "../runner/splat.ere"), "r");

	ASSERT_NE(NULL, f) TH_LOG("%s", path);
	while (fgets(line, sizeof(line), f) && line[0] == '#')
		;
	fclose(f);
	line[strcspn(line, "\n")] = '\0';
	EXPECT_STREQ(KMSG_SPLAT_ERE, line);
}

/*
 * The scanner passes over an expected splat through its end-trace line,
 * and counts any other splat with the lines from its first on.
 */
TEST(kmsg_scan_expected_and_unexpected)
{
	static const char *const log[] = {
		"vfio-pci 0000:00:03.0: enabling device",
		"UBSAN: shift-out-of-bounds in /build/reproducible-path/linux-7.3.4/drivers/vfio/vfio_iommu_type1.c:3043:33",
		"shift exponent 64 is too large for 64-bit type 'long unsigned int'",
		"Call Trace:",
		" <TASK>",
		"---[ end trace ]---",
		"WARNING: CPU: 0 PID: 1 at drivers/vfio/vfio_iommu_type1.c:100 vfio_x+0x1/0x2",
		"Call Trace:",
	};
	char path[512], why[256] = "";
	struct kmsg_rules r;
	struct kmsg_scan s;
	size_t i;

	ASSERT_EQ(0, kmsg_rules_load(&r, NULL, tree_file(path, sizeof(path), "splats"),
				     why, sizeof(why))) TH_LOG("%s", why);
	ASSERT_LT(0, r.nexpect);
	kmsg_scan_init(&s, &r, "7.3.4+deb13-amd64", "dirty_ioctl_test",
		       "dirty_ioctl.type1v2.arg16_bitmap_pgsize");
	for (i = 0; i < ARRAY_SIZE(log); i++)
		kmsg_scan_line(&s, log[i]);
	EXPECT_EQ(1, s.expected);
	EXPECT_EQ(1, s.bad);
	ASSERT_EQ(2, s.nreport);
	EXPECT_EQ(0, strncmp(s.report[0], "WARNING: CPU: 0", 15));

	/* another kernel, binary or case: the UBSAN report is a splat too */
	kmsg_scan_init(&s, &r, "6.12.117+deb12-amd64", "dirty_ioctl_test",
		       "dirty_ioctl.type1v2.arg16_bitmap_pgsize");
	for (i = 0; i < 3; i++)
		kmsg_scan_line(&s, log[i]);
	EXPECT_EQ(0, s.expected);
	EXPECT_EQ(1, s.bad);
	kmsg_scan_init(&s, &r, "7.3.4+deb13-amd64", "dirty_ioctl_test",
		       "dirty_ioctl.type1v2.arg02");
	kmsg_scan_line(&s, log[1]);
	EXPECT_EQ(1, s.bad);
	kmsg_rules_free(&r);
}

TEST(kmsg_rules_malformed_file)
{
	char path[] = "/tmp/kmsg_unit_XXXXXX", why[256] = "";
	struct kmsg_rules r;
	int fd = mkstemp(path);

	ASSERT_LE(0, fd);
	ASSERT_LT(0, write(fd, "# c\n7.* a b /x( reason\n", 23));
	close(fd);
	EXPECT_EQ(-EINVAL, kmsg_rules_load(&r, NULL, path, why, sizeof(why)));
	EXPECT_NE(NULL, strstr(why, ":2: "));
	unlink(path);
	/* absent: no expected splat */
	EXPECT_EQ(0, kmsg_rules_load(&r, NULL, path, why, sizeof(why)));
	EXPECT_EQ(0, r.nexpect);
	kmsg_rules_free(&r);
}

/*
 * The container model's DP-DEFECT-01 bookkeeping: a faulted copy-out of a
 * mapping at a shifted bit offset marks it skewed, the next report names
 * where it starts, a successful copy-out clears it; a fault of an unshifted
 * copy-out marks nothing, and STOP forgets it.
 */
TEST(model_faulted_shifted_copy_out_is_skewed)
{
	const u64 pg = 4096, base = 1ULL << 32;
	struct model_args get = { .hdr_ok = true, .tail_ok = true, .argsz = 48,
				  .flags = 0x4, .iova = base, .size = 64 * pg, .pgsize = pg,
				  .bsize = 8, .data_user = true };
	struct model_args start = { .hdr_ok = true, .tail_ok = true, .argsz = 8, .flags = 0x1 };
	struct model_args stop = { .hdr_ok = true, .tail_ok = true, .argsz = 8, .flags = 0x2 };
	const char *req;
	u64 want[1], unm, copied;
	bool shifted;
	struct model m;

	model_init(&m, pg, false, false);
	ASSERT_EQ(0, model_map(&m, base + 13 * pg, 2, &req));
	ASSERT_EQ(0, model_map(&m, base + 16 * pg, 1, &req));
	ASSERT_EQ(0, model_dirty(&m, &start, &req));
	ASSERT_EQ(0, model_dma(&m, base + 13 * pg, 8, true, &copied, &req));
	/* no byte of the user's bitmap writable: the first mapping faults */
	ASSERT_EQ(MODEL_WALK, model_dirty(&m, &get, &req));
	EXPECT_EQ(-EFAULT, model_report(&m, base, 64 * pg, want, 0, false, false, false, &unm,
					&shifted, &req));
	EXPECT_TRUE(m.map[0].skewed);
	EXPECT_FALSE(m.map[1].skewed);
	EXPECT_EQ(~0ULL, m.skew_from);
	memset(want, 0, sizeof(want));
	EXPECT_EQ(0, model_report(&m, base, 64 * pg, want, 8, false, false, false, &unm,
				  &shifted, &req));
	EXPECT_TRUE(shifted);
	EXPECT_EQ(13, m.skew_from);
	/* the spec's bits: the dirty page stays where it is */
	EXPECT_EQ(1ULL << 13, want[0]);
	EXPECT_FALSE(m.map[0].skewed);
	EXPECT_EQ(0, model_report(&m, base, 64 * pg, want, 8, false, false, false, &unm,
				  &shifted, &req));
	EXPECT_EQ(~0ULL, m.skew_from);
	/* an unshifted copy-out that faults leaves nothing in place to misplace */
	get.iova = base + 13 * pg;
	EXPECT_EQ(-EFAULT, model_report(&m, base + 13 * pg, 2 * pg, want, 0, false, false,
					false, &unm, &shifted, &req));
	EXPECT_FALSE(m.map[0].skewed);
	EXPECT_EQ(-EFAULT, model_report(&m, base, 64 * pg, want, 0, false, false, false, &unm,
					&shifted, &req));
	EXPECT_TRUE(m.map[0].skewed);
	ASSERT_EQ(0, model_dirty(&m, &stop, &req));
	EXPECT_FALSE(m.map[0].skewed);
}

VFIO_DIRTY_MAIN("lib_unit_test: host-side tests of the suite's library (bitmap math, the\n"
		"GET_INFO capability walker, device names, guard pages, layouts, the IOMMU\n"
		"mode axis, the register writes a DMA driver describes, the skip memo, the kernel\n"
		"log scanner, the fuzz test's container model). Needs no VFIO device.")
