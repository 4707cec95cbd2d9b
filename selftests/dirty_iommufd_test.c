// SPDX-License-Identifier: GPL-2.0-only
/*
 * iommufd dirty tracking (spec section 8):
 *  - native HWPT dirty tracking on the CONFIG_IOMMUFD_TEST mock IOMMU
 *    (ALT-HWPT-01..05, DP-IOMMUFD-04), bitmap sizes on word boundaries in
 *    mock pages (PAGE_SIZE / 2), unaligned bitmaps, huge IOPTEs;
 *  - a vfio-pci device through its VFIO cdev bound to an iommufd: an IOMMU
 *    without dirty tracking (the lab's emulated VT-d) refuses a dirty HWPT
 *    (ALT-HWPT-02);
 *  - iommufd's VFIO compatibility container with the vfio-pci device or
 *    the test mdev (DP-IOMMUFD-01..04).
 * Kernels without /dev/iommu, the mock or the compat container SKIP with
 * the reason; so do the mock tests where another IOMMU (VT-d) registered
 * before the mock, which 6.12 cannot handle (boot with intel_iommu=off).
 * Every rejected call has its control: the same call with only the
 * offending field made valid succeeds, so the errno can only come from the
 * rule under test. Where a kernel differs from the spec (a dropped error,
 * an unchecked field) the test asserts the spec and selftests/xfail names
 * the kernels.
 */
#include <stdint.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "vfio_dirty_test.h"
#include "iommufd_mock.h"

/* IOVA of the mappings: the start of the mock's aperture. */
#define MOCK_IOVA	((u64)MOCK_APERTURE_START)

/* Opens /dev/iommu or SKIPs: Debian's kernels have no CONFIG_IOMMUFD. */
#define IOMMUFD_OPEN_OR_SKIP(ifd) do {						\
	int __r = __iommufd_open(ifd);						\
	if (__r == -ENOENT || __r == -ENODEV || __r == -ENXIO)			\
		SKIP(return, "iommufd: /dev/iommu: %s (kernel without CONFIG_IOMMUFD)", \
		     strerror(-__r));						\
	ASSERT_EQ(0, __r);							\
} while (0)

/* Marks in @map (over @npages bits) the pages every size variant dirties. */
static u64 pattern_mark(u64 *map, u64 npages)
{
	/* first bit, a byte's top bit and its neighbours, u32 and u64 edges */
	static const u64 edges[] = { 0, 1, 7, 8, 9, 31, 32, 33, 63, 64, 65,
				     127, 128, 129, 511, 512, 4095, 4096 };
	unsigned int i;

	bitmap_zero(map, npages);
	for (i = 0; i < ARRAY_SIZE(edges); i++)
		if (edges[i] < npages)
			bitmap_set_bit(map, edges[i]);
	bitmap_set_bit(map, npages - 1);
	return bitmap_weight(map, npages);
}

/*
 * The bitmap a GET over @nbits bits of @per_bit mock pages, starting at
 * mock page @first, should return when the pages of @marked (over
 * @npages) are dirty in IOPTEs of @pte mock pages: every page of a dirty
 * IOPTE is dirty.
 */
static void expect_bits(u64 *want, u64 nbits, u64 first, u64 per_bit,
			const u64 *marked, u64 npages, u64 pte)
{
	u64 p, q;

	bitmap_zero(want, nbits);
	for (p = 0; p < npages; p++) {
		if (!bitmap_test_bit(marked, p))
			continue;
		for (q = p / pte * pte; q < (p / pte + 1) * pte; q++)
			if (q >= first && q < first + nbits * per_bit)
				bitmap_set_bit(want, (q - first) / per_bit);
	}
}

/*
 * A mock IOMMU device on an IOAS, @npages mock pages of memory mapped at
 * MOCK_IOVA, and a HWPT for the device allocated with
 * IOMMU_HWPT_ALLOC_DIRTY_TRACKING over that IOAS.
 */
struct mock_env {
	struct iommufd ifd;
	u32 ioas_id;
	struct iommufd_mock_dev md;
	u32 hwpt_id;
	u64 pgsize;		/* the mock's page size, as the IOAS reports it */
	u64 pte;		/* mock pages per IOPTE of the mapping */
	u64 npages;
	bool huge;
	struct backing mem;
	u64 *marked;		/* the pages pattern_mark() chose */
	u64 nr_marked;
};

/*
 * Maps @len bytes at @addr to MOCK_IOVA one CPU page per IOMMU_IOAS_MAP.
 * A mock built on the generic page table (7.x, AMDv1 format) maps a
 * physically contiguous run with one IOPTE of up to the run's size, and
 * dirty is reported per IOPTE: over one mapping of anonymous memory the
 * IOPTE extents, hence the expected bitmap, would depend on where the
 * pages landed. Each area is mapped into a domain on its own, so no IOPTE
 * spans two of them: an IOPTE covers at most one CPU page, whatever the
 * physical layout.
 */
static int mock_map_per_page(struct iommufd *ifd, u32 ioas_id, void *addr, u64 len)
{
	u64 ps = host_page_size();
	u64 off;
	int r;

	for (off = 0; off < len; off += ps) {
		r = __iommufd_ioas_map(ifd, ioas_id, MOCK_IOVA + off, (u8 *)addr + off,
				       len - off < ps ? len - off : ps);
		if (r)
			return r;
	}
	return 0;
}

/*
 * Sets @m up, or SKIPs (the caller must return right after) when the
 * kernel has no iommufd, no mock, or the host no such memory. @npages mock
 * pages, or with @huge and @ioptes, that many huge IOPTEs.
 */
static void mock_env_setup(struct __test_metadata *_metadata, struct mock_env *m,
			   u64 npages, bool huge, u64 ioptes)
{
	bool pt_huge = false;	/* huge IOPTEs by pagetable_type (7.x) */
	char why[256] = "";
	u64 len;
	int r;

	memset(m, 0, sizeof(*m));
	m->ifd.fd = -1;
	m->huge = huge;
	IOMMUFD_OPEN_OR_SKIP(&m->ifd);
	ASSERT_EQ(0, __iommufd_ioas_alloc(&m->ifd, &m->ioas_id));
	r = __iommufd_mock_domain(&m->ifd, m->ioas_id,
				  huge ? IOMMUFD_MOCK_FLAGS_DEVICE_HUGE_IOVA : 0, &m->md);
	/*
	 * 7.x's mock knows no MOCK_FLAGS_DEVICE_HUGE_IOVA (EINVAL): its huge
	 * IOPTEs come from the HWPT's pagetable_type, on a plain mock device.
	 * A mock that refuses the plain device too has no IOMMU.
	 */
	if (r == -EINVAL && huge) {
		r = __iommufd_mock_domain(&m->ifd, m->ioas_id, 0, &m->md);
		pt_huge = !r;
	}
	if (r == -ENOTTY)
		SKIP(return, "iommufd_mock: IOMMU_TEST_CMD: %s (kernel without CONFIG_IOMMUFD_TEST)",
		     strerror(-r));
	if (r == -EINVAL && iommufd_other_iommus(why, sizeof(why)))
		SKIP(return, "iommufd_mock: mock device has no IOMMU (MOCK_DOMAIN: EINVAL): %s registered before the mock and 6.12 probes it with their ops; boot with intel_iommu=off",
		     why);
	ASSERT_EQ(0, r);
	/*
	 * 7.x's MOCK_IOMMUPT_HUGE HWPT has the page sizes MOCK_HUGE_PAGE_SIZE
	 * (1 MiB) and PAGE_SIZE: allocated before the IOAS is queried, it
	 * raises the IOAS alignment to PAGE_SIZE, the granule every GET and
	 * mark then uses, and the mapping made below lands in 1 MiB IOPTEs
	 * wherever IOVA and memory allow, which 2 MiB hugetlb memory mapped at
	 * MOCK_IOVA does, as 6.12's MOCK_FLAGS_DEVICE_HUGE_IOVA did.
	 */
	if (pt_huge) {
		r = __iommufd_mock_hwpt_alloc_pt(&m->ifd, m->md.idev_id, m->ioas_id,
						 IOMMU_HWPT_ALLOC_DIRTY_TRACKING,
						 IOMMUFD_MOCK_IOMMUPT_HUGE, &m->hwpt_id);
		/* the 7.x mock that refused the flag must take pagetable_type */
		ASSERT_EQ(0, r) TH_LOG("MOCK_IOMMUPT_HUGE HWPT after MOCK_FLAGS_DEVICE_HUGE_IOVA was refused");
	}
	ASSERT_EQ(0, __iommufd_ioas_iova_alignment(&m->ifd, m->ioas_id, &m->pgsize));
	m->pte = huge ? iommufd_mock_huge_page_size() / m->pgsize : 1;
	if (huge && ioptes)
		npages = ioptes * m->pte;
	m->npages = npages;
	len = npages * m->pgsize;

	r = backing_alloc(&m->mem, huge ? BACKING_HUGETLB_2M : BACKING_ANON, len, why,
			  sizeof(why));
	if (r)
		SKIP(return, "%s", why);
	if (huge)
		r = __iommufd_ioas_map(&m->ifd, m->ioas_id, MOCK_IOVA, m->mem.addr, len);
	else
		r = mock_map_per_page(&m->ifd, m->ioas_id, m->mem.addr, len);
	ASSERT_EQ(0, r);
	/*
	 * 7.x's mock (generic page table, AMDv1 format) maps each CPU page of
	 * mock_map_per_page() as one contiguous 4 KiB IOPTE over two mock
	 * pages, and reports dirty per IOPTE, as every IOMMU does (ALT-HWPT-04,
	 * the huge-IOPTE cases below). 6.12's mock has one IOPTE per mock page
	 * and refuses the 7.x selftest data, -EOPNOTSUPP.
	 */
	r = -EOPNOTSUPP;
	if (!huge)
		r = __iommufd_mock_hwpt_alloc_pt(&m->ifd, m->md.idev_id, m->ioas_id,
						 IOMMU_HWPT_ALLOC_DIRTY_TRACKING,
						 IOMMUFD_MOCK_IOMMUPT_DEFAULT, &m->hwpt_id);
	if (!r) {
		m->pte = host_page_size() / m->pgsize;
	} else if (!pt_huge) {
		ASSERT_EQ(-EOPNOTSUPP, r);
		ASSERT_EQ(0, __iommufd_hwpt_alloc(&m->ifd, m->md.idev_id, m->ioas_id,
						  IOMMU_HWPT_ALLOC_DIRTY_TRACKING, &m->hwpt_id));
	}
	m->marked = calloc(1, bitmap_bytes(npages));
	ASSERT_NE(NULL, m->marked);
	m->nr_marked = pattern_mark(m->marked, npages);
}

static void mock_env_teardown(struct mock_env *m)
{
	iommufd_close(&m->ifd);
	if (m->mem.map)
		backing_free(&m->mem);
	free(m->marked);
	m->marked = NULL;
}

/* Enables tracking and dirties the pattern's pages through the mock. */
static void mark_pattern(struct __test_metadata *_metadata, struct mock_env *m)
{
	u64 nr = 0;

	ASSERT_EQ(0, __iommufd_hwpt_set_dirty(&m->ifd, m->hwpt_id,
					      IOMMU_HWPT_DIRTY_TRACKING_ENABLE));
	ASSERT_EQ(0, __iommufd_mock_dirty(&m->ifd, m->hwpt_id, MOCK_IOVA, m->npages * m->pgsize,
					  m->pgsize, m->marked, &nr));
	/* ALT-HWPT-05: out_nr_dirty counts the mapped IOPTEs it marked. */
	ASSERT_EQ(m->nr_marked, nr);
}

/*
 * Bitmap sizes on word boundaries, counted in mock pages (ALT-HWPT-05):
 * the data tests run at each.
 */
FIXTURE(hwpt) {
	struct mock_env m;
};

FIXTURE_VARIANT(hwpt) {
	u64 npages;		/* bitmap bits, one per mock page */
	bool huge;		/* huge mock IOPTEs over 2 MiB hugetlb memory */
};

FIXTURE_VARIANT_ADD(hwpt, half_byte) { .npages = 4 };
FIXTURE_VARIANT_ADD(hwpt, one_byte) { .npages = 8 };
FIXTURE_VARIANT_ADD(hwpt, one_u32) { .npages = 32 };
FIXTURE_VARIANT_ADD(hwpt, one_u64) { .npages = 64 };
FIXTURE_VARIANT_ADD(hwpt, u64_and_a_bit) { .npages = 65 };
FIXTURE_VARIANT_ADD(hwpt, two_u64_and_tail) { .npages = 160 };
FIXTURE_VARIANT_ADD(hwpt, bitmap_4k) { .npages = 32768 };
FIXTURE_VARIANT_ADD(hwpt, huge_bitmap_4k) { .npages = 32768, .huge = true };

FIXTURE_SETUP(hwpt)
{
	mock_env_setup(_metadata, &self->m, variant->npages, variant->huge, 0);
}

FIXTURE_TEARDOWN(hwpt)
{
	mock_env_teardown(&self->m);
}

/* Huge mock IOPTEs (1 MiB: 512 mock pages on 6.12, 256 pages of 4 KiB on 7.x), 3 and 64. */
FIXTURE(hwpt_huge) {
	struct mock_env m;
};

FIXTURE_VARIANT(hwpt_huge) {
	u64 ioptes;
};

FIXTURE_VARIANT_ADD(hwpt_huge, iopte_3) { .ioptes = 3 };
FIXTURE_VARIANT_ADD(hwpt_huge, iopte_64) { .ioptes = 64 };

FIXTURE_SETUP(hwpt_huge)
{
	mock_env_setup(_metadata, &self->m, 0, true, variant->ioptes);
}

FIXTURE_TEARDOWN(hwpt_huge)
{
	mock_env_teardown(&self->m);
}

/* Argument checks and recorded behaviour: one u64 of 4K-backed mock pages. */
FIXTURE(hwpt_args) {
	struct mock_env m;
};

FIXTURE_SETUP(hwpt_args)
{
	mock_env_setup(_metadata, &self->m, 64, false, 0);
}

FIXTURE_TEARDOWN(hwpt_args)
{
	mock_env_teardown(&self->m);
}

/*
 * GET over @nbits bits of @page_size from @iova into a zeroed buffer of
 * exactly BYTES(nbits) that ends at a guard page, compared bit by bit
 * (padding bits included) with @want.
 */
static void get_expect(struct __test_metadata *_metadata, struct iommufd *ifd, u32 hwpt_id,
		       u64 iova, u64 nbits, u64 page_size, u32 flags, const u64 *want)
{
	u64 bytes = bitmap_bytes(nbits);
	struct guarded_buf buf;
	char why[256];
	u64 n;

	ASSERT_EQ(0, guarded_buf_alloc(&buf, bytes));
	memset(buf.data, 0, bytes);
	ASSERT_EQ(0, __iommufd_hwpt_get_dirty(ifd, hwpt_id, iova, nbits * page_size, page_size,
					      buf.data, flags));
	n = bitmap_diff(buf.data, want, bytes * 8, why, sizeof(why));
	ASSERT_EQ(0, n) TH_LOG("GET %llu bits of page_size %llu from %#llx, flags %#x: %s",
			       (unsigned long long)nbits, (unsigned long long)page_size,
			       (unsigned long long)iova, flags, why);
	guarded_buf_free(&buf);
}

/* ALT-HWPT-05: the mock IOMMU's page is half a CPU page. */
TEST_F(hwpt_args, hwpt05_mock_page_is_half_a_page)
{
	struct mock_env *m = &self->m;

	EXPECT_EQ(host_page_size() / 2, m->pgsize);
	EXPECT_EQ(iommufd_mock_page_size(), m->pgsize);
}

/*
 * ALT-HWPT-04: GET returns the dirty pages and clears them; the next GET
 * returns none. Every bit is checked, the last word's padding included.
 */
TEST_F(hwpt, hwpt04_get_reads_and_clears)
{
	struct mock_env *m = &self->m;
	u64 *want = calloc(1, bitmap_bytes(m->npages));

	ASSERT_NE(NULL, want);
	mark_pattern(_metadata, m);
	expect_bits(want, m->npages, 0, 1, m->marked, m->npages, m->pte);
	get_expect(_metadata, &m->ifd, m->hwpt_id, MOCK_IOVA, m->npages,
		   m->pgsize, 0, want);
	bitmap_zero(want, m->npages);
	get_expect(_metadata, &m->ifd, m->hwpt_id, MOCK_IOVA, m->npages,
		   m->pgsize, 0, want);
	free(want);
}

/*
 * ALT-HWPT-04 with IOMMU_HWPT_GET_DIRTY_BITMAP_NO_CLEAR: the bits stay
 * until a GET without the flag.
 */
TEST_F(hwpt, hwpt04_get_no_clear_keeps_bits)
{
	struct mock_env *m = &self->m;
	u64 *want = calloc(1, bitmap_bytes(m->npages));
	int i;

	ASSERT_NE(NULL, want);
	mark_pattern(_metadata, m);
	expect_bits(want, m->npages, 0, 1, m->marked, m->npages, m->pte);
	for (i = 0; i < 2; i++)
		get_expect(_metadata, &m->ifd, m->hwpt_id, MOCK_IOVA, m->npages,
			   m->pgsize, IOMMU_HWPT_GET_DIRTY_BITMAP_NO_CLEAR, want);
	get_expect(_metadata, &m->ifd, m->hwpt_id, MOCK_IOVA, m->npages,
		   m->pgsize, 0, want);
	bitmap_zero(want, m->npages);
	get_expect(_metadata, &m->ifd, m->hwpt_id, MOCK_IOVA, m->npages,
		   m->pgsize, 0, want);
	free(want);
}

/*
 * ALT-HWPT-04: the report only sets bits; bits the caller set stay set.
 */
TEST_F(hwpt, hwpt04_report_only_sets_bits)
{
	struct mock_env *m = &self->m;
	u64 bytes = bitmap_bytes(m->npages);
	u64 *want = calloc(1, bytes);
	struct guarded_buf buf;
	u64 *got;
	u64 i;

	ASSERT_NE(NULL, want);
	ASSERT_EQ(0, guarded_buf_alloc(&buf, bytes));
	got = buf.data;
	mark_pattern(_metadata, m);
	expect_bits(want, m->npages, 0, 1, m->marked, m->npages, m->pte);
	/* every third bit, padding included, preset by the caller */
	memset(got, 0, bytes);
	for (i = 0; i < bytes * 8; i += 3) {
		bitmap_set_bit(got, i);
		bitmap_set_bit(want, i);
	}
	ASSERT_EQ(0, __iommufd_hwpt_get_dirty(&m->ifd, m->hwpt_id, MOCK_IOVA,
					      m->npages * m->pgsize, m->pgsize,
					      got, 0));
	ASSERT_BITMAP_EQ(want, got, bytes * 8);
	guarded_buf_free(&buf);
	free(want);
}

/*
 * ALT-HWPT-04, ALT-HWPT-01: the bitmap may start anywhere, not only on a
 * u64 or a page; the kernel sets exactly the bits of the range, nothing in
 * the bytes around it.
 */
TEST_F(hwpt, hwpt04_unaligned_bitmap_pointers)
{
	struct mock_env *m = &self->m;
	size_t ps = host_page_size();
	const size_t offsets[] = { 0, 1, 4, 0xff1, ps - 3 };
	u64 bytes = bitmap_bytes(m->npages);
	size_t area_len = 2 * ps + bytes;
	u64 *want = calloc(1, bytes);
	u64 *got = calloc(1, bytes);
	char why[256];
	unsigned int i;
	u8 *area;

	ASSERT_NE(NULL, want);
	ASSERT_NE(NULL, got);
	area = mmap(NULL, area_len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, area);
	expect_bits(want, m->npages, 0, 1, m->marked, m->npages, m->pte);
	for (i = 0; i < ARRAY_SIZE(offsets); i++) {
		u8 *bitmap = area + offsets[i];

		mark_pattern(_metadata, m);
		memset(area, 0, area_len);
		ASSERT_EQ(0, __iommufd_hwpt_get_dirty(&m->ifd, m->hwpt_id, MOCK_IOVA,
						      m->npages * m->pgsize,
						      m->pgsize, bitmap, 0));
		memcpy(got, bitmap, bytes);
		ASSERT_EQ(0, bitmap_diff(got, want, bytes * 8, why, sizeof(why)))
			TH_LOG("bitmap at page offset %#zx: %s", offsets[i], why);
		memset(bitmap, 0, bytes);
		ASSERT_TRUE(mem_is(area, 0, area_len))
			TH_LOG("bitmap at page offset %#zx: a bit set outside it", offsets[i]);
	}
	munmap(area, area_len);
	free(got);
	free(want);
}

/*
 * ALT-HWPT-04: enabling clears the IOPTE dirty bits first, so tracking
 * starts from a clean snapshot.
 */
TEST_F(hwpt, hwpt04_enable_starts_clean)
{
	struct mock_env *m = &self->m;
	u64 *want = calloc(1, bitmap_bytes(m->npages));

	ASSERT_NE(NULL, want);
	mark_pattern(_metadata, m);
	ASSERT_EQ(0, __iommufd_hwpt_set_dirty(&m->ifd, m->hwpt_id, 0));
	ASSERT_EQ(0, __iommufd_hwpt_set_dirty(&m->ifd, m->hwpt_id,
					      IOMMU_HWPT_DIRTY_TRACKING_ENABLE));
	get_expect(_metadata, &m->ifd, m->hwpt_id, MOCK_IOVA, m->npages,
		   m->pgsize, 0, want);
	free(want);
}

/*
 * ALT-HWPT-03: any page_size is accepted, unlike type1. A larger power of
 * two gives one bit per group of mock pages, dirty when any page is.
 */
TEST_F(hwpt, hwpt03_coarser_page_sizes)
{
	struct mock_env *m = &self->m;
	u64 per_bit;

	/* ALT-HWPT-03: a page_size that does not divide the IOVA is EINVAL */
	for (per_bit = 2; per_bit <= m->npages && !(MOCK_IOVA % (per_bit * m->pgsize));
	     per_bit *= 8) {
		u64 nbits = m->npages / per_bit;
		u64 *want = calloc(1, bitmap_bytes(nbits));

		ASSERT_NE(NULL, want);
		mark_pattern(_metadata, m);
		expect_bits(want, nbits, 0, per_bit, m->marked, m->npages, m->pte);
		get_expect(_metadata, &m->ifd, m->hwpt_id, MOCK_IOVA, nbits,
			   per_bit * m->pgsize, 0, want);
		free(want);
	}
}

/*
 * ALT-HWPT-04 huge IOPTEs: one dirty mock page makes its whole IOPTE dirty.
 * At the IOPTE's page size, that is one bit per IOPTE.
 */
TEST_F(hwpt_huge, hwpt04_huge_iopte_dirty_as_a_whole)
{
	struct mock_env *m = &self->m;
	u64 niopte = m->npages / m->pte;
	u64 *want;
	u64 k;

	want = calloc(1, bitmap_bytes(m->npages));
	ASSERT_NE(NULL, want);
	mark_pattern(_metadata, m);
	bitmap_zero(want, niopte);
	for (k = 0; k < niopte; k++)
		if (bitmap_weight(m->marked, (k + 1) * m->pte) !=
		    bitmap_weight(m->marked, k * m->pte))
			bitmap_set_bit(want, k);
	get_expect(_metadata, &m->ifd, m->hwpt_id, MOCK_IOVA, niopte,
		   m->pte * m->pgsize, 0, want);
	free(want);
}

/*
 * ALT-HWPT-04 huge IOPTEs, a GET starting one mock page into IOPTE 0 (any
 * page_size-aligned IOVA is allowed, ALT-HWPT-03): with only IOPTE 1
 * dirty, exactly IOPTE 1's pages are. The 6.12 mock records pgsize bytes
 * from the IOVA it looked up rather than from the IOPTE's start, and steps
 * by pgsize from there: every report is shifted by the offset, so the first
 * page of IOPTE 1 is lost (after its dirty bit was cleared) and the first
 * of IOPTE 2 reported. intel_iommu_read_and_clear_dirty() and the AMD
 * io_pgtable one have the same loop.
 */
TEST_F(hwpt_huge, hwpt04_huge_iopte_get_from_inside)
{
	struct mock_env *m = &self->m;
	u64 nbits = m->npages - 1;
	u64 *marked, *want;

	marked = calloc(1, bitmap_bytes(m->npages));
	want = calloc(1, bitmap_bytes(nbits));
	ASSERT_NE(NULL, marked);
	ASSERT_NE(NULL, want);
	bitmap_set_bit(marked, m->pte + m->pte / 2);
	ASSERT_EQ(0, __iommufd_hwpt_set_dirty(&m->ifd, m->hwpt_id,
					      IOMMU_HWPT_DIRTY_TRACKING_ENABLE));
	ASSERT_EQ(0, __iommufd_mock_dirty(&m->ifd, m->hwpt_id, MOCK_IOVA, m->npages * m->pgsize,
					  m->pgsize, marked, NULL));
	expect_bits(want, nbits, 1, 1, marked, m->npages, m->pte);
	get_expect(_metadata, &m->ifd, m->hwpt_id, MOCK_IOVA + m->pgsize, nbits, m->pgsize, 0,
		   want);
	/* and the GET cleared the whole IOPTE */
	bitmap_zero(want, nbits);
	get_expect(_metadata, &m->ifd, m->hwpt_id, MOCK_IOVA + m->pgsize, nbits, m->pgsize, 0,
		   want);
	free(want);
	free(marked);
}

/* ALT-HWPT-02: a HWPT without the dirty flag has no dirty_ops. */
TEST_F(hwpt_args, hwpt02_hwpt_without_dirty_flag)
{
	struct mock_env *m = &self->m;
	u64 bitmap[2] = { 0 };
	u32 plain;

	ASSERT_EQ(0, __iommufd_hwpt_alloc(&m->ifd, m->md.idev_id, m->ioas_id, 0, &plain));
	EXPECT_ERRNO(EOPNOTSUPP,
		     __iommufd_hwpt_set_dirty(&m->ifd, plain, IOMMU_HWPT_DIRTY_TRACKING_ENABLE));
	EXPECT_ERRNO(EOPNOTSUPP, __iommufd_hwpt_set_dirty(&m->ifd, plain, 0));
	EXPECT_ERRNO(EOPNOTSUPP, __iommufd_hwpt_get_dirty(&m->ifd, plain, MOCK_IOVA, m->pgsize,
							  m->pgsize, bitmap, 0));
	EXPECT_EQ(0, __iommufd_destroy(&m->ifd, plain));
	/* control: the same calls on the HWPT allocated with the flag */
	EXPECT_EQ(0, __iommufd_hwpt_set_dirty(&m->ifd, m->hwpt_id,
					      IOMMU_HWPT_DIRTY_TRACKING_ENABLE));
	EXPECT_EQ(0, __iommufd_hwpt_get_dirty(&m->ifd, m->hwpt_id, MOCK_IOVA, m->pgsize,
					      m->pgsize, bitmap, 0));
	EXPECT_EQ(0, __iommufd_hwpt_set_dirty(&m->ifd, m->hwpt_id, 0));
}

/* ALT-HWPT-02: enabling and disabling are idempotent. */
TEST_F(hwpt_args, hwpt02_enable_disable_twice)
{
	struct mock_env *m = &self->m;
	int i;

	for (i = 0; i < 2; i++)
		EXPECT_EQ(0, __iommufd_hwpt_set_dirty(&m->ifd, m->hwpt_id,
						      IOMMU_HWPT_DIRTY_TRACKING_ENABLE));
	for (i = 0; i < 2; i++)
		EXPECT_EQ(0, __iommufd_hwpt_set_dirty(&m->ifd, m->hwpt_id, 0));
}

/*
 * ALT-HWPT-02: a device without IOMMU_CAP_DIRTY_TRACKING gets EOPNOTSUPP
 * for a dirty HWPT, says so in IOMMU_GET_HW_INFO, and cannot be attached to
 * one (5f9bdbf4c658 enforces it on attach: the mock refuses with EINVAL).
 */
TEST_F(hwpt_args, hwpt02_device_without_dirty_capability)
{
	struct mock_env *m = &self->m;
	struct iommufd_mock_dev nodirty;
	u32 ioas2, hwpt;
	u64 caps = 0;

	ASSERT_EQ(0, __iommufd_hw_caps(&m->ifd, m->md.idev_id, &caps));
	EXPECT_TRUE(caps & IOMMU_HW_CAP_DIRTY_TRACKING);
	ASSERT_EQ(0, __iommufd_ioas_alloc(&m->ifd, &ioas2));
	ASSERT_EQ(0, __iommufd_mock_domain(&m->ifd, ioas2, MOCK_FLAGS_DEVICE_NO_DIRTY,
					   &nodirty));
	ASSERT_EQ(0, __iommufd_hw_caps(&m->ifd, nodirty.idev_id, &caps));
	EXPECT_FALSE(caps & IOMMU_HW_CAP_DIRTY_TRACKING);
	EXPECT_ERRNO(EOPNOTSUPP, __iommufd_hwpt_alloc(&m->ifd, nodirty.idev_id, ioas2,
						      IOMMU_HWPT_ALLOC_DIRTY_TRACKING, &hwpt));
	ASSERT_EQ(0, __iommufd_hwpt_alloc(&m->ifd, nodirty.idev_id, ioas2, 0, &hwpt));
	EXPECT_EQ(0, __iommufd_destroy(&m->ifd, hwpt));
	EXPECT_ERRNO(EINVAL, __iommufd_mock_domain(&m->ifd, m->hwpt_id,
						   MOCK_FLAGS_DEVICE_NO_DIRTY, &nodirty));
	/* control: a device with the capability attaches to the dirty HWPT */
	EXPECT_EQ(0, __iommufd_mock_domain(&m->ifd, m->hwpt_id, 0, &nodirty));
}

/* ALT-HWPT-03: unknown SET flags are refused; the known ones work. */
TEST_F(hwpt_args, hwpt03_set_unknown_flags)
{
	struct mock_env *m = &self->m;
	const u32 bad[] = { 1U << 1, 1U << 31, ~0U };
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		EXPECT_ERRNO(EOPNOTSUPP, __iommufd_hwpt_set_dirty(&m->ifd, m->hwpt_id, bad[i]));
		/* control: the same call with the flags made valid */
		EXPECT_EQ(0, __iommufd_hwpt_set_dirty(&m->ifd, m->hwpt_id,
						      bad[i] & IOMMU_HWPT_DIRTY_TRACKING_ENABLE));
	}
}

/*
 * ALT-HWPT-03: a non-zero __reserved of SET is refused with EOPNOTSUPP,
 * and tracking stays off. iommufd_hwpt_set_dirty_tracking() of 6.12 (and
 * of v6.7, and upstream since) never reads the field: selftests/xfail.
 */
TEST_F(hwpt_args, hwpt03_set_reserved_nonzero)
{
	struct mock_env *m = &self->m;
	struct iommu_hwpt_set_dirty_tracking cmd = {
		.size = sizeof(cmd),
		.flags = IOMMU_HWPT_DIRTY_TRACKING_ENABLE,
		.hwpt_id = m->hwpt_id,
		.__reserved = 1,
	};
	u64 one[1] = { 1 };

	EXPECT_ERRNO(EOPNOTSUPP, __iommufd_ioctl(&m->ifd, IOMMU_HWPT_SET_DIRTY_TRACKING, &cmd))
		TH_LOG("SET_DIRTY_TRACKING with __reserved = 1 (ALT-HWPT-03)");
	/* refused means not enabled: the mock marks pages only while tracking */
	EXPECT_ERRNO(EINVAL, __iommufd_mock_dirty(&m->ifd, m->hwpt_id, MOCK_IOVA, m->pgsize,
						  m->pgsize, one, NULL))
		TH_LOG("tracking is on after the refused SET");
	/* control: the same call with __reserved made valid */
	cmd.__reserved = 0;
	ASSERT_EQ(0, __iommufd_ioctl(&m->ifd, IOMMU_HWPT_SET_DIRTY_TRACKING, &cmd));
	EXPECT_EQ(0, __iommufd_mock_dirty(&m->ifd, m->hwpt_id, MOCK_IOVA, m->pgsize, m->pgsize,
					  one, NULL));
}

/*
 * ALT-HWPT-03: unknown GET flags or a non-zero __reserved, checked first.
 * Tracking is on, so each control (the field made valid) succeeds.
 */
TEST_F(hwpt_args, hwpt03_get_unknown_flags_and_reserved)
{
	struct mock_env *m = &self->m;
	struct iommu_hwpt_get_dirty_bitmap cmd;
	u64 bitmap[2] = { 0 };
	const u32 bad[] = { 1U << 1, 1U << 31, ~0U };
	unsigned int i;

	ASSERT_EQ(0, __iommufd_hwpt_set_dirty(&m->ifd, m->hwpt_id,
					      IOMMU_HWPT_DIRTY_TRACKING_ENABLE));
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		u32 valid = bad[i] & IOMMU_HWPT_GET_DIRTY_BITMAP_NO_CLEAR;

		EXPECT_ERRNO(EOPNOTSUPP, __iommufd_hwpt_get_dirty(&m->ifd, m->hwpt_id, MOCK_IOVA,
								  m->pgsize, m->pgsize, bitmap,
								  bad[i]));
		EXPECT_EQ(0, __iommufd_hwpt_get_dirty(&m->ifd, m->hwpt_id, MOCK_IOVA, m->pgsize,
						      m->pgsize, bitmap, valid));
		/* before the range checks: with valid flags, length 0 is EINVAL */
		EXPECT_ERRNO(EOPNOTSUPP, __iommufd_hwpt_get_dirty(&m->ifd, m->hwpt_id, MOCK_IOVA,
								  0, 0, bitmap, bad[i]));
		EXPECT_ERRNO(EINVAL, __iommufd_hwpt_get_dirty(&m->ifd, m->hwpt_id, MOCK_IOVA,
							      0, 0, bitmap, valid));
	}
	cmd = (struct iommu_hwpt_get_dirty_bitmap) {
		.size = sizeof(cmd),
		.hwpt_id = m->hwpt_id,
		.__reserved = 1,
		.iova = MOCK_IOVA,
		.length = m->pgsize,
		.page_size = m->pgsize,
		.data = (uintptr_t)bitmap,
	};
	EXPECT_ERRNO(EOPNOTSUPP, __iommufd_ioctl(&m->ifd, IOMMU_HWPT_GET_DIRTY_BITMAP, &cmd));
	cmd.__reserved = 0;
	EXPECT_EQ(0, __iommufd_ioctl(&m->ifd, IOMMU_HWPT_GET_DIRTY_BITMAP, &cmd));
}

/* A GET of @length bytes at @iova in bits of @page_size into a 4 KiB buffer. */
static int get_rc(struct mock_env *m, u64 iova, u64 length, u64 page_size)
{
	static u64 bitmap[512];

	memset(bitmap, 0, sizeof(bitmap));
	return __iommufd_hwpt_get_dirty(&m->ifd, m->hwpt_id, iova, length, page_size, bitmap, 0);
}

/*
 * ALT-HWPT-03: iommufd_check_iova_range(), in order: length 0 (EINVAL),
 * overflow (EOVERFLOW), IOAS alignment (EINVAL), page_size 0 (EINVAL),
 * page_size alignment (EINVAL). Each rejected GET breaks one rule only
 * (the IOAS cases use half a mock page as page_size so that page_size
 * alignment holds), and its control, the same GET with that field made
 * valid, succeeds inside the mapping. An overflow with page_size 0 shows
 * the order: EOVERFLOW first.
 */
TEST_F(hwpt_args, hwpt03_get_range_checks)
{
	struct mock_env *m = &self->m;
	const u64 ps = m->pgsize, hp = ps / 2, io = MOCK_IOVA;
	const struct {
		const char *rule;
		u64 iova, length, page_size;
		int err;
		u64 ok_iova, ok_length, ok_page_size;
	} c[] = {
		{ "length 0", io, 0, ps, EINVAL, io, ps, ps },
		{ "iova + length - 1 wraps", io, -io + ps, ps, EOVERFLOW, io, ps, ps },
		{ "length ~0 wraps", io, ~0ULL, ps, EOVERFLOW, io, ps, ps },
		{ "iova not IOAS-aligned", io + hp, ps, hp, EINVAL, io, ps, hp },
		{ "end not IOAS-aligned", io, ps + hp, hp, EINVAL, io, 2 * ps, hp },
		{ "page_size 0", io, ps, 0, EINVAL, io, ps, ps },
		{ "iova not page_size-aligned", io + ps, 2 * ps, 2 * ps, EINVAL,
		  io, 2 * ps, 2 * ps },
		{ "end not page_size-aligned", io, 3 * ps, 2 * ps, EINVAL, io, 4 * ps, 2 * ps },
	};
	unsigned int i;

	ASSERT_EQ(0, io & (2 * ps - 1));
	/* tracking on: the controls must not fail for another reason */
	ASSERT_EQ(0, __iommufd_hwpt_set_dirty(&m->ifd, m->hwpt_id,
					      IOMMU_HWPT_DIRTY_TRACKING_ENABLE));
	for (i = 0; i < ARRAY_SIZE(c); i++) {
		EXPECT_ERRNO(c[i].err, get_rc(m, c[i].iova, c[i].length, c[i].page_size))
			TH_LOG("%s", c[i].rule);
		EXPECT_EQ(0, get_rc(m, c[i].ok_iova, c[i].ok_length, c[i].ok_page_size))
			TH_LOG("control of %s", c[i].rule);
	}
	/* order: overflow before page_size 0; each made valid alone */
	EXPECT_ERRNO(EOVERFLOW, get_rc(m, io, -io + ps, 0));
	EXPECT_ERRNO(EINVAL, get_rc(m, io, ps, 0));
	EXPECT_ERRNO(EOVERFLOW, get_rc(m, io, -io + ps, ps));
	EXPECT_EQ(0, get_rc(m, io, ps, ps));
}

/*
 * ALT-HWPT-03: any page_size is accepted, a non-power of two too, and the
 * bitmap is indexed by (iova - range start) / page_size (ALT-HWPT-01). A
 * GET over 12 mock pages in bits of 3 mock pages (12 is a multiple of 4,
 * so a mask of page_size - 1 passes as well) with mock page 3 dirty must
 * set bit 1 only. 6.12 checks alignment with page_size - 1 and counts bits
 * with __ffs(page_size), so 3 mock pages act as 1 and page 3 lands in bit
 * 3: selftests/xfail.
 */
TEST_F(hwpt_args, hwpt03_page_size_not_power_of_two)
{
	struct mock_env *m = &self->m;
	u64 ps = m->pgsize;
	u64 bitmap[1] = { 0 };
	u64 one[1] = { 1ULL << 3 };

	ASSERT_EQ(0, __iommufd_hwpt_set_dirty(&m->ifd, m->hwpt_id,
					      IOMMU_HWPT_DIRTY_TRACKING_ENABLE));
	ASSERT_EQ(0, __iommufd_mock_dirty(&m->ifd, m->hwpt_id, MOCK_IOVA, 4 * ps, ps,
					  one, NULL));
	ASSERT_EQ(0, __iommufd_hwpt_get_dirty(&m->ifd, m->hwpt_id, MOCK_IOVA, 12 * ps, 3 * ps,
					      bitmap, 0))
		TH_LOG("page_size %llu (3 mock pages) refused", (unsigned long long)(3 * ps));
	EXPECT_EQ(1ULL << 1, bitmap[0])
		TH_LOG("page_size of 3 mock pages, mock page 3 dirty: bitmap %#llx, not bit 1",
		       (unsigned long long)bitmap[0]);
}

/* ALT-HWPT-03: a hwpt_id that is no HWPT. */
TEST_F(hwpt_args, hwpt03_bad_hwpt_id)
{
	struct mock_env *m = &self->m;
	const u32 ids[] = { 0, m->ioas_id, 0x7fffffff };
	u64 bitmap[1] = { 0 };
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(ids); i++) {
		EXPECT_ERRNO(ENOENT, __iommufd_hwpt_set_dirty(&m->ifd, ids[i],
							      IOMMU_HWPT_DIRTY_TRACKING_ENABLE));
		EXPECT_ERRNO(ENOENT, __iommufd_hwpt_get_dirty(&m->ifd, ids[i], MOCK_IOVA,
							      m->pgsize, m->pgsize, bitmap, 0));
	}
	/* control: the same calls on the HWPT */
	EXPECT_EQ(0, __iommufd_hwpt_set_dirty(&m->ifd, m->hwpt_id,
					      IOMMU_HWPT_DIRTY_TRACKING_ENABLE));
	EXPECT_EQ(0, __iommufd_hwpt_get_dirty(&m->ifd, m->hwpt_id, MOCK_IOVA, m->pgsize,
					      m->pgsize, bitmap, 0));
}

/*
 * ALT-HWPT-01: the size field. Below the 48 bytes of the GET structure
 * (16 of SET) it is EINVAL; a larger structure is fine when the tail is
 * zero and E2BIG when it is not.
 */
TEST_F(hwpt_args, hwpt01_struct_size_field)
{
	struct mock_env *m = &self->m;
	struct {
		struct iommu_hwpt_get_dirty_bitmap get;
		u64 tail;
	} big;
	struct {
		struct iommu_hwpt_set_dirty_tracking set;
		u64 tail;
	} bigset;
	u64 bitmap[1] = { 0 };

	ASSERT_EQ(0, __iommufd_hwpt_set_dirty(&m->ifd, m->hwpt_id,
					      IOMMU_HWPT_DIRTY_TRACKING_ENABLE));
	memset(&big, 0, sizeof(big));
	big.get = (struct iommu_hwpt_get_dirty_bitmap) {
		.size = sizeof(big.get) - 8,
		.hwpt_id = m->hwpt_id,
		.iova = MOCK_IOVA,
		.length = m->pgsize,
		.page_size = m->pgsize,
		.data = (uintptr_t)bitmap,
	};
	EXPECT_ERRNO(EINVAL, __iommufd_ioctl(&m->ifd, IOMMU_HWPT_GET_DIRTY_BITMAP, &big));
	big.get.size = sizeof(big);
	EXPECT_EQ(0, __iommufd_ioctl(&m->ifd, IOMMU_HWPT_GET_DIRTY_BITMAP, &big));
	big.tail = 1;
	EXPECT_ERRNO(E2BIG, __iommufd_ioctl(&m->ifd, IOMMU_HWPT_GET_DIRTY_BITMAP, &big));

	memset(&bigset, 0, sizeof(bigset));
	bigset.set = (struct iommu_hwpt_set_dirty_tracking) {
		.size = sizeof(bigset.set) - 4,
		.hwpt_id = m->hwpt_id,
	};
	EXPECT_ERRNO(EINVAL, __iommufd_ioctl(&m->ifd, IOMMU_HWPT_SET_DIRTY_TRACKING,
					     &bigset));
	bigset.set.size = sizeof(bigset);
	EXPECT_EQ(0, __iommufd_ioctl(&m->ifd, IOMMU_HWPT_SET_DIRTY_TRACKING, &bigset));
	bigset.tail = 1;
	EXPECT_ERRNO(E2BIG, __iommufd_ioctl(&m->ifd, IOMMU_HWPT_SET_DIRTY_TRACKING, &bigset));
}

/*
 * ALT-HWPT-04 / DP-DEFECT-03: a GET over a range with an unmapped hole is
 * refused with the EINVAL of __iommu_read_and_clear_dirty(), no bit is set
 * for the hole, and the dirty page after the hole is still dirty. Controls:
 * a GET over each mapping alone succeeds. 6.12 drops the error and returns
 * 0 (the page after the hole unreported but kept): selftests/xfail.
 */
TEST_F(hwpt_args, hwpt04_range_with_hole)
{
	struct mock_env *m = &self->m;
	u64 ps = m->pgsize, n = m->npages;
	u64 hole = 2 * host_page_size() / ps;		/* mock pages */
	u64 b_iova = MOCK_IOVA + (n + hole) * ps;
	u64 b_pages = host_page_size() / ps;
	u64 nbits = n + hole + b_pages;
	struct guarded_buf buf;
	u64 one[1] = { 1 };
	struct backing b;
	u64 *got;

	ksft_print_msg("cites: DP-DEFECT-03\n");
	BACKING_ALLOC_OR_SKIP(&b, BACKING_ANON, host_page_size());
	ASSERT_EQ(0, __iommufd_ioas_map(&m->ifd, m->ioas_id, b_iova, b.addr,
					host_page_size()));
	mark_pattern(_metadata, m);
	ASSERT_EQ(0, __iommufd_mock_dirty(&m->ifd, m->hwpt_id, b_iova, b_pages * ps, ps,
					  one, NULL));
	ASSERT_EQ(0, guarded_buf_alloc(&buf, bitmap_bytes(nbits)));
	got = buf.data;
	memset(got, 0, bitmap_bytes(nbits));
	EXPECT_ERRNO(EINVAL, __iommufd_hwpt_get_dirty(&m->ifd, m->hwpt_id, MOCK_IOVA,
						      nbits * ps, ps, got, 0))
		TH_LOG("GET over a range with a hole (DP-DEFECT-03)");
	/* nothing in the hole */
	EXPECT_EQ(bitmap_weight(got, n), bitmap_weight(got, n + hole));
	/* controls, and the page after the hole is not lost */
	memset(got, 0, bitmap_bytes(nbits));
	ASSERT_EQ(0, __iommufd_hwpt_get_dirty(&m->ifd, m->hwpt_id, b_iova, b_pages * ps, ps,
					      got, 0));
	EXPECT_EQ(1, got[0] & 1) TH_LOG("dirty page after the hole lost");
	ASSERT_EQ(0, __iommufd_hwpt_get_dirty(&m->ifd, m->hwpt_id, MOCK_IOVA, n * ps, ps,
					      got, 0));
	guarded_buf_free(&buf);
	ASSERT_EQ(0, __iommufd_ioas_unmap(&m->ifd, m->ioas_id, b_iova, host_page_size(),
					  NULL));
	backing_free(&b);
}

/*
 * ALT-HWPT-04 / ALT-LOG-06: a bitmap pointer that faults. The GET cannot
 * write its report, so it fails with EFAULT and the dirty page stays dirty
 * for the next GET. Control: the same GET into a valid bitmap reports the
 * page. 6.12 pins the bitmap lazily and drops the pin failure: the GET
 * returns 0 after the IOPTE dirty bit was cleared (the page is lost):
 * selftests/xfail.
 */
TEST_F(hwpt_args, hwpt04_faulting_bitmap_pointer)
{
	struct mock_env *m = &self->m;
	u64 ps = m->pgsize;
	u64 one[1] = { 1 };
	u64 again[1] = { 0 };

	ASSERT_NE(NULL, fault_page());
	ASSERT_EQ(0, __iommufd_hwpt_set_dirty(&m->ifd, m->hwpt_id,
					      IOMMU_HWPT_DIRTY_TRACKING_ENABLE));
	/* control first: the same GET into memory reports the page */
	ASSERT_EQ(0, __iommufd_mock_dirty(&m->ifd, m->hwpt_id, MOCK_IOVA, ps, ps, one,
					  NULL));
	ASSERT_EQ(0, __iommufd_hwpt_get_dirty(&m->ifd, m->hwpt_id, MOCK_IOVA, ps, ps,
					      again, 0));
	ASSERT_EQ(1, again[0]);

	ASSERT_EQ(0, __iommufd_mock_dirty(&m->ifd, m->hwpt_id, MOCK_IOVA, ps, ps, one,
					  NULL));
	EXPECT_ERRNO(EFAULT, __iommufd_hwpt_get_dirty(&m->ifd, m->hwpt_id, MOCK_IOVA, ps, ps,
						      fault_page(), 0))
		TH_LOG("GET into a faulting bitmap (ALT-LOG-06)");
	again[0] = 0;
	ASSERT_EQ(0, __iommufd_hwpt_get_dirty(&m->ifd, m->hwpt_id, MOCK_IOVA, ps, ps,
					      again, 0));
	EXPECT_EQ(1, again[0]) TH_LOG("the dirty page was lost by the faulting GET");
}

/*
 * ALT-HWPT-04 / DP-DEFECT-03: GET while tracking is off. The IOMMU driver
 * (the mock, as intel and AMD) refuses to read with EINVAL, and the GET
 * must return it; no bit is reported. Control: the same GET with tracking
 * on succeeds. 6.12 drops the driver's error and returns 0:
 * selftests/xfail.
 */
TEST_F(hwpt_args, hwpt04_get_while_disabled)
{
	struct mock_env *m = &self->m;
	u64 *want = calloc(1, bitmap_bytes(m->npages));
	struct guarded_buf buf;

	ksft_print_msg("cites: DP-DEFECT-03\n");
	ASSERT_NE(NULL, want);
	mark_pattern(_metadata, m);
	ASSERT_EQ(0, __iommufd_hwpt_set_dirty(&m->ifd, m->hwpt_id, 0));
	ASSERT_EQ(0, guarded_buf_alloc(&buf, bitmap_bytes(m->npages)));
	memset(buf.data, 0, bitmap_bytes(m->npages));
	EXPECT_ERRNO(EINVAL, __iommufd_hwpt_get_dirty(&m->ifd, m->hwpt_id, MOCK_IOVA,
						      m->npages * m->pgsize, m->pgsize,
						      buf.data, 0))
		TH_LOG("GET with tracking disabled (DP-DEFECT-03)");
	ASSERT_BITMAP_EQ(want, (u64 *)buf.data, m->npages);
	ASSERT_EQ(0, __iommufd_hwpt_set_dirty(&m->ifd, m->hwpt_id,
					      IOMMU_HWPT_DIRTY_TRACKING_ENABLE));
	EXPECT_EQ(0, __iommufd_hwpt_get_dirty(&m->ifd, m->hwpt_id, MOCK_IOVA,
					      m->npages * m->pgsize, m->pgsize, buf.data, 0));
	guarded_buf_free(&buf);
	free(want);
}

/*
 * ALT-HWPT-05: IOMMU_TEST_OP_DIRTY needs tracking on and sane arguments,
 * and refuses more than 2^27 pages with EOVERFLOW.
 */
TEST_F(hwpt_args, hwpt05_mock_dirty_op_checks)
{
	struct mock_env *m = &self->m;
	u64 ps = m->pgsize;
	u64 one[1] = { 1 };

	u64 *zero = calloc(1, (1ULL << 27) / 8);

	ASSERT_NE(NULL, zero);
	EXPECT_ERRNO(EINVAL, __iommufd_mock_dirty(&m->ifd, m->hwpt_id, MOCK_IOVA, ps, ps,
						  one, NULL));
	ASSERT_EQ(0, __iommufd_hwpt_set_dirty(&m->ifd, m->hwpt_id,
					      IOMMU_HWPT_DIRTY_TRACKING_ENABLE));
	/* control of the first: the same call, tracking on */
	EXPECT_EQ(0, __iommufd_mock_dirty(&m->ifd, m->hwpt_id, MOCK_IOVA, ps, ps, one,
					  NULL));
	EXPECT_ERRNO(EINVAL, __iommufd_mock_dirty(&m->ifd, m->hwpt_id, MOCK_IOVA, ps, 0,
						  one, NULL));
	EXPECT_ERRNO(EINVAL, __iommufd_mock_dirty(&m->ifd, m->hwpt_id, MOCK_IOVA, 0, ps,
						  one, NULL));
	EXPECT_ERRNO(EINVAL, __iommufd_mock_dirty(&m->ifd, m->hwpt_id, MOCK_IOVA,
						  ps + 1, ps, one, NULL));
	EXPECT_ERRNO(EOVERFLOW, __iommufd_mock_dirty(&m->ifd, m->hwpt_id, MOCK_IOVA,
						     ((1ULL << 27) + 1) * ps, ps, zero, NULL));
	/* control of the limit: exactly 2^27 pages (a 16 MiB bitmap, all clear) */
	EXPECT_EQ(0, __iommufd_mock_dirty(&m->ifd, m->hwpt_id, MOCK_IOVA, (1ULL << 27) * ps,
					  ps, zero, NULL));
	free(zero);
}

/*
 * DP-IOMMUFD-04: what an emulated device writes through an iommufd access
 * (iommufd_access_rw(), behind vfio_dma_rw()) is not dirty: only IOPTE
 * dirty bits are.
 */
TEST_F(hwpt_args, iommufd04_access_write_not_dirty)
{
	struct mock_env *m = &self->m;
	u64 npages = host_page_size() / m->pgsize;
	u64 want[1] = { 0 };
	u8 data[64];
	int access;

	ASSERT_EQ(0, __iommufd_hwpt_set_dirty(&m->ifd, m->hwpt_id,
					      IOMMU_HWPT_DIRTY_TRACKING_ENABLE));
	ASSERT_EQ(0, __iommufd_mock_access(&m->ifd, m->ioas_id, &access));
	memset(data, 0x5a, sizeof(data));
	ASSERT_EQ(0, __iommufd_mock_access_write(&m->ifd, access, MOCK_IOVA, data,
						 sizeof(data)));
	ASSERT_TRUE(mem_is(m->mem.addr, 0x5a, sizeof(data)));
	get_expect(_metadata, &m->ifd, m->hwpt_id, MOCK_IOVA, npages, m->pgsize, 0,
		   want);
	close(access);
}

/* ALT-HWPT-01, DP-ENV-02: the uAPI layouts and ioctl numbers of the spec. */
TEST(hwpt01_uapi_layout)
{
	EXPECT_EQ(16, sizeof(struct iommu_hwpt_set_dirty_tracking));
	EXPECT_EQ(48, sizeof(struct iommu_hwpt_get_dirty_bitmap));
	EXPECT_EQ(0x3b8b, IOMMU_HWPT_SET_DIRTY_TRACKING);
	EXPECT_EQ(0x3b8c, IOMMU_HWPT_GET_DIRTY_BITMAP);
	EXPECT_EQ(1, IOMMU_HWPT_DIRTY_TRACKING_ENABLE);
	EXPECT_EQ(1, IOMMU_HWPT_GET_DIRTY_BITMAP_NO_CLEAR);
	EXPECT_EQ(8, offsetof(struct iommu_hwpt_get_dirty_bitmap, flags));
	EXPECT_EQ(16, offsetof(struct iommu_hwpt_get_dirty_bitmap, iova));
	EXPECT_EQ(40, offsetof(struct iommu_hwpt_get_dirty_bitmap, data));
}

/* A vfio-pci device through its VFIO cdev, bound to an iommufd. */
FIXTURE(cdev) {
	struct iommufd ifd;
	int dev_fd;
	u32 dev_id;
	u32 ioas_id;
	u64 caps;
};

FIXTURE_SETUP(cdev)
{
	const char *bdf = device_first(DEVICE_PCI);
	char why[256] = "";
	int r;

	self->ifd.fd = -1;
	self->dev_fd = -1;
	if (!bdf)
		SKIP(return, "pci: no vfio-pci device named (pass it as an argument or in VFIO_DIRTY_DEVICES)");
	IOMMUFD_OPEN_OR_SKIP(&self->ifd);
	r = __vfio_cdev_open(bdf, &self->dev_fd, why, sizeof(why));
	if (r == -ENOTTY)
		SKIP(return, "cdev: %s", why);
	ASSERT_EQ(0, r) TH_LOG("%s", why);
	ASSERT_EQ(0, __vfio_cdev_bind(self->dev_fd, &self->ifd, &self->dev_id));
	ASSERT_EQ(0, __iommufd_ioas_alloc(&self->ifd, &self->ioas_id));
	ASSERT_EQ(0, __iommufd_hw_caps(&self->ifd, self->dev_id, &self->caps));
}

FIXTURE_TEARDOWN(cdev)
{
	if (self->dev_fd >= 0)
		close(self->dev_fd);
	iommufd_close(&self->ifd);
}

/*
 * ALT-HWPT-02: an IOMMU without dirty tracking (IOMMU_GET_HW_INFO says so)
 * refuses IOMMU_HWPT_ALLOC_DIRTY_TRACKING with EOPNOTSUPP.
 */
TEST_F(cdev, hwpt02_dirty_hwpt_needs_iommu_capability)
{
	u32 hwpt;
	int r;

	r = __iommufd_hwpt_alloc(&self->ifd, self->dev_id, self->ioas_id,
				 IOMMU_HWPT_ALLOC_DIRTY_TRACKING, &hwpt);
	if (self->caps & IOMMU_HW_CAP_DIRTY_TRACKING) {
		ASSERT_EQ(0, r);
		EXPECT_EQ(0, __iommufd_destroy(&self->ifd, hwpt));
		return;
	}
	TH_LOG("%s: IOMMU without dirty tracking (caps %#llx): dirty HWPT refused",
	       device_first(DEVICE_PCI), (unsigned long long)self->caps);
	ASSERT_ERRNO(EOPNOTSUPP, r);
	/* control: the same allocation without the flag */
	ASSERT_EQ(0, __iommufd_hwpt_alloc(&self->ifd, self->dev_id, self->ioas_id, 0, &hwpt));
	EXPECT_EQ(0, __iommufd_destroy(&self->ifd, hwpt));
}

/* ALT-HWPT-02: a plain HWPT works for the device, but has no dirty tracking. */
TEST_F(cdev, hwpt02_plain_hwpt_has_no_tracking)
{
	u32 hwpt;

	ASSERT_EQ(0, __iommufd_hwpt_alloc(&self->ifd, self->dev_id, self->ioas_id, 0, &hwpt));
	ASSERT_EQ(0, __vfio_cdev_attach(self->dev_fd, hwpt));
	EXPECT_ERRNO(EOPNOTSUPP,
		     __iommufd_hwpt_set_dirty(&self->ifd, hwpt, IOMMU_HWPT_DIRTY_TRACKING_ENABLE));
}

/*
 * ALT-HWPT-04 on the device's own IOMMU: tracking starts clean, so with no
 * DMA a GET reports nothing. Only where the IOMMU tracks dirty pages.
 */
TEST_F(cdev, hwpt04_device_hwpt_starts_clean)
{
	size_t ps = host_page_size();
	u64 want[1] = { 0 };
	struct backing b;
	u32 hwpt;

	if (!(self->caps & IOMMU_HW_CAP_DIRTY_TRACKING)) {
		/* the absence is checked first: the IOMMU must refuse a dirty HWPT */
		ASSERT_ERRNO(EOPNOTSUPP, __iommufd_hwpt_alloc(&self->ifd, self->dev_id,
							      self->ioas_id,
							      IOMMU_HWPT_ALLOC_DIRTY_TRACKING,
							      &hwpt));
		SKIP(return, "tracking: %s: its IOMMU has no dirty tracking (caps %#llx, dirty HWPT refused; an emulated VT-d has none)",
		     device_first(DEVICE_PCI), (unsigned long long)self->caps);
	}
	BACKING_ALLOC_OR_SKIP(&b, BACKING_ANON, 16 * ps);
	ASSERT_EQ(0, __iommufd_hwpt_alloc(&self->ifd, self->dev_id, self->ioas_id,
					  IOMMU_HWPT_ALLOC_DIRTY_TRACKING, &hwpt));
	ASSERT_EQ(0, __vfio_cdev_attach(self->dev_fd, hwpt));
	ASSERT_EQ(0, __iommufd_ioas_map(&self->ifd, self->ioas_id, 1ULL << 32, b.addr, 16 * ps));
	ASSERT_EQ(0, __iommufd_hwpt_set_dirty(&self->ifd, hwpt,
					      IOMMU_HWPT_DIRTY_TRACKING_ENABLE));
	get_expect(_metadata, &self->ifd, hwpt, 1ULL << 32, 16, ps, 0, want);
	ASSERT_EQ(0, __iommufd_hwpt_set_dirty(&self->ifd, hwpt, 0));
	backing_free(&b);
}

/*
 * iommufd's VFIO compatibility container (spec 8.1), holding the vfio-pci
 * device when one is named, else the mdev. Compat mode is judged first from
 * sysfs (iommufd there, vfio_iommu_type1 not), then from DMA_AVAIL =
 * U32_MAX (DP-IOMMUFD-03) once the container is set up.
 */
FIXTURE(compat) {
	struct dirty_env env;
};

FIXTURE_SETUP(compat)
{
	char why[256] = "";
	s64 avail;

	self->env.c.fd = -1;
	self->env.dev.fd = -1;
	if (!vfio_container_is_iommufd(why, sizeof(why)))
		SKIP(return, "kernel: not iommufd's VFIO compatibility container: %s", why);
	/* /dev/iommu answers VFIO's container ioctls as iommufd's /dev/vfio/vfio does */
	ENV_INIT_OR_SKIP(&self->env, device_first(DEVICE_PCI) ? DEVICE_PCI : DEVICE_MDEV, 0,
			 IOMMU_MODE_IOMMUFD_COMPAT);
	avail = __container_dma_avail(&self->env.c);
	ASSERT_LE(0, avail) TH_LOG("DMA_AVAIL unreadable: %s", strerror(-avail));
	if (avail != UINT32_MAX)
		SKIP(return, "kernel: DMA_AVAIL is %lld, not U32_MAX: VFIO's own type1 container",
		     (long long)avail);
}

FIXTURE_TEARDOWN(compat)
{
	env_teardown(&self->env);
}

/* Sends VFIO_IOMMU_DIRTY_PAGES with @flags (GET_BITMAP with a range). */
static int compat_dirty_pages(struct container *c, u32 flags)
{
	struct dirty_get_arg arg = {
		.hdr = { .argsz = sizeof(arg), .flags = flags },
		.range = { .iova = 0, .size = 4096, .bitmap = { .pgsize = 4096, .size = 8 } },
	};
	u64 bitmap = 0;

	arg.range.bitmap.data = (__u64 *)&bitmap;
	return __container_dirty_ioctl(c, &arg);
}

/*
 * DP-IOMMUFD-01: VFIO_IOMMU_DIRTY_PAGES is ENOTTY for any flags, before and
 * after VFIO_SET_IOMMU.
 */
TEST_F(compat, iommufd01_dirty_pages_enotty)
{
	const u32 flags[] = {
		VFIO_IOMMU_DIRTY_PAGES_FLAG_START, VFIO_IOMMU_DIRTY_PAGES_FLAG_STOP,
		VFIO_IOMMU_DIRTY_PAGES_FLAG_GET_BITMAP, 0, 1U << 7,
	};
	struct vfio_iommu_type1_info *info;
	struct container fresh;
	unsigned int i;

	ASSERT_EQ(0, __container_open(&fresh));
	for (i = 0; i < ARRAY_SIZE(flags); i++) {
		EXPECT_ERRNO(ENOTTY, compat_dirty_pages(&self->env.c, flags[i]));
		EXPECT_ERRNO(ENOTTY, compat_dirty_pages(&fresh, flags[i]));
	}
	container_close(&fresh);
	/* control: the same fd serves the other type1 ioctls */
	ASSERT_EQ(0, __container_get_info_alloc(&self->env.c, &info));
	free(info);
}

/*
 * DP-IOMMUFD-02: UNMAP_DMA with GET_DIRTY_BITMAP is EINVAL, and the
 * mapping is still there afterwards.
 */
TEST_F(compat, iommufd02_unmap_get_dirty_bitmap_einval)
{
	size_t ps = host_page_size();
	u64 iova = 1ULL << 30, unmapped = 0;
	struct guarded_buf buf;
	struct backing b;

	BACKING_ALLOC_OR_SKIP(&b, BACKING_ANON, ps);
	ASSERT_EQ(0, guarded_buf_alloc(&buf, 8));
	container_map(&self->env.c, iova, b.addr, ps);
	EXPECT_ERRNO(EINVAL, __container_unmap_dirty(&self->env.c, iova, ps, ps, buf.data, 8,
						     &unmapped));
	EXPECT_EQ(0, __container_unmap(&self->env.c, iova, ps, 0, &unmapped));
	EXPECT_EQ(ps, unmapped);
	guarded_buf_free(&buf);
	backing_free(&b);
}

/*
 * DP-IOMMUFD-03: GET_INFO has no migration capability, only DMA_AVAIL
 * (U32_MAX) and IOVA_RANGE; no VFIO_UPDATE_VADDR, no nesting type.
 */
TEST_F(compat, iommufd03_no_migration_capability)
{
	struct vfio_iommu_type1_info *info;
	const struct vfio_iommu_type1_info_dma_avail *avail;

	ASSERT_EQ(0, __container_get_info_alloc(&self->env.c, &info));
	EXPECT_EQ(NULL, info_cap_find(info, info->argsz, VFIO_IOMMU_TYPE1_INFO_CAP_MIGRATION,
				      sizeof(struct vfio_iommu_type1_info_cap_migration)));
	EXPECT_NE(NULL, info_cap_find(info, info->argsz, VFIO_IOMMU_TYPE1_INFO_CAP_IOVA_RANGE,
				      sizeof(struct vfio_iommu_type1_info_cap_iova_range)));
	avail = (const void *)info_cap_find(info, info->argsz, VFIO_IOMMU_TYPE1_INFO_DMA_AVAIL,
					    sizeof(*avail));
	ASSERT_NE(NULL, avail);
	EXPECT_EQ(UINT32_MAX, avail->avail);
	EXPECT_EQ(0, container_dirty_pgsize(&self->env.c));
	EXPECT_EQ(0, ioctl(self->env.c.fd, VFIO_CHECK_EXTENSION, VFIO_UPDATE_VADDR));
	EXPECT_EQ(0, ioctl(self->env.c.fd, VFIO_CHECK_EXTENSION, VFIO_TYPE1_NESTING_IOMMU));
	free(info);
}

/*
 * DP-IOMMUFD-04: what an emulated device pins and writes through iommufd
 * (vfio_pin_pages(), vfio_dma_rw() on an iommufd access) reaches memory,
 * and no interface reports it: DIRTY_PAGES stays ENOTTY.
 */
TEST_F(compat, iommufd04_emulated_writes_untracked)
{
	size_t ps = host_page_size();
	u64 iova = 1ULL << 30;
	struct backing b;
	struct vdm v;

	if (self->env.dev.kind != DEVICE_MDEV)
		SKIP(return, "mdev: needs the test mdev (%s is a PCI device)", self->env.dev.name);
	VDM_INIT(&self->env, &v);
	BACKING_ALLOC_OR_SKIP(&b, BACKING_ANON, ps);
	memset(b.addr, 0, ps);
	container_map(&self->env.c, iova, b.addr, ps);
	EXPECT_ERRNO(ENOTTY, compat_dirty_pages(&self->env.c, VFIO_IOMMU_DIRTY_PAGES_FLAG_START));
	ASSERT_EQ(1, vdm_pin(&v, iova, 1, VDM_PROT_READ | VDM_PROT_WRITE));
	ASSERT_EQ(0, vdm_dma_write(&v, iova, 64, 0x5a));
	EXPECT_TRUE(mem_is(b.addr, 0x5a, 64));
	EXPECT_ERRNO(ENOTTY, compat_dirty_pages(&self->env.c,
						VFIO_IOMMU_DIRTY_PAGES_FLAG_GET_BITMAP));
	ASSERT_EQ(0, vdm_unpin(&v, iova, 1));
	container_unmap(&self->env.c, iova, ps);
	backing_free(&b);
}

VFIO_DIRTY_MAIN("dirty_iommufd_test: iommufd dirty tracking (spec section 8). Native HWPT\n"
		"dirty tracking on the CONFIG_IOMMUFD_TEST mock IOMMU (ALT-HWPT-01..05,\n"
		"DP-IOMMUFD-04) needs no device; a vfio-pci device's VFIO cdev checks that an\n"
		"IOMMU without dirty tracking refuses a dirty HWPT (ALT-HWPT-02); the vfio-pci\n"
		"device (else the test mdev) in iommufd's VFIO compatibility container checks\n"
		"DP-IOMMUFD-01..04.\n"
		"Kernels without /dev/iommu, the mock or compat mode SKIP with the reason.")
