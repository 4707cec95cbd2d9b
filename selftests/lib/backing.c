// SPDX-License-Identifier: GPL-2.0-only
/*
 * Memory backings. Each allocation is touched page by page so a shortage
 * shows up here, as a SKIP reason, rather than as a failed MAP later.
 *
 * 1 GiB hugetlb pages come from a per-process pool: the kernel clears a
 * huge page each time one is faulted in, and clearing 1 GiB takes seconds
 * under the VM lab's TCG (a device DMA case over that backing took 3.6 s,
 * over 4K pages 0.25 s), in each of dozens of cases. So each process makes
 * one 1 GiB hugetlbfs file before the harness forks its cases, and a case
 * maps the file's page again: it is cleared once per binary, not per case.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "backing.h"
#include "host.h"

#ifndef MAP_HUGE_2MB
#define MAP_HUGE_2MB	(21 << MAP_HUGE_SHIFT)
#endif
#ifndef MAP_HUGE_1GB
#define MAP_HUGE_1GB	(30 << MAP_HUGE_SHIFT)
#endif

#ifndef MFD_HUGETLB
#define MFD_HUGETLB	4U
#endif
#ifndef MFD_HUGE_1GB
#define MFD_HUGE_1GB	(30U << 26)
#endif

#define SZ_2M	(2UL << 20)
#define SZ_1G	(1UL << 30)

/* The capability token of each backing the host may not have. */
static const char *const tokens[BACKING_NR] = {
	[BACKING_THP] = "thp",
	[BACKING_HUGETLB_2M] = "hugetlb_2m",
	[BACKING_HUGETLB_1G] = "hugetlb_1g",
};

static const char *const names[BACKING_NR] = {
	[BACKING_ANON] = "anonymous 4K",
	[BACKING_THP] = "anonymous THP",
	[BACKING_HUGETLB_2M] = "hugetlb 2M",
	[BACKING_HUGETLB_1G] = "hugetlb 1G",
	[BACKING_MEMFD] = "memfd",
};

const char *backing_name(enum backing_kind kind)
{
	return kind < BACKING_NR ? names[kind] : "?";
}

size_t backing_page_size(enum backing_kind kind)
{
	switch (kind) {
	case BACKING_THP:
	case BACKING_HUGETLB_2M:
		return SZ_2M;
	case BACKING_HUGETLB_1G:
		return SZ_1G;
	default:
		return host_page_size();
	}
}

/*
 * The pool: a 1 GiB hugetlbfs file, -1 when the kernel has none. Made in
 * the parent, so every case (a child of the harness) inherits it; a case
 * maps it MAP_SHARED and its page stays in the file after the case.
 */
static int pool_1g_fd = -1;
/* This process has the pool mapped: a second 1 GiB backing needs a page of its own. */
static bool pool_1g_busy;

__attribute__((constructor)) static void pool_1g_init(void)
{
	int fd = memfd_create("vfio-dirty-1g", MFD_CLOEXEC | MFD_HUGETLB | MFD_HUGE_1GB);

	if (fd < 0)
		return;
	if (ftruncate(fd, (off_t)SZ_1G)) {
		close(fd);
		return;
	}
	pool_1g_fd = fd;
}

/*
 * Faults in every page: a store every @stride bytes, every page or every
 * huge page (a hugetlb page is faulted in whole). MADV_POPULATE_WRITE was
 * no faster under TCG (a 1 GiB anonymous mapping: 38 s against 7 s), and
 * the first fault of the 1 GiB pool page through it outlasted the
 * harness's 30 s timeout.
 */
static void touch(void *addr, size_t size, size_t stride)
{
	size_t off;

	/* An atomic store cannot be dropped as dead, unlike a plain one. */
	for (off = 0; off < size; off += stride)
		__atomic_store_n((char *)addr + off, 0, __ATOMIC_RELAXED);
}

/* Reads one line of a small sysfs file (@path under the host root) into @buf. */
static int read_line(const char *path, char *buf, size_t len)
{
	char p[PATH_MAX];
	FILE *f = fopen(host_path(p, sizeof(p), "%s", path), "r");

	if (!f)
		return -errno;
	if (!fgets(buf, (int)len, f))
		buf[0] = '\0';
	fclose(f);
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}

/* AnonHugePages of the VMA that starts at @addr, in kB, or -1. */
static long thp_kb(void *addr)
{
	char line[256], want[32];
	long kb = -1;
	bool in_vma = false;
	FILE *f;

	f = fopen("/proc/self/smaps", "r");
	if (!f)
		return -1;
	snprintf(want, sizeof(want), "%" PRIxPTR "-", (uintptr_t)addr);
	while (fgets(line, sizeof(line), f)) {
		if (strchr(line, '-') && strchr(line, ' ') &&
		    strchr(line, '-') < strchr(line, ' ')) {
			if (in_vma)
				break;
			in_vma = !strncmp(line, want, strlen(want));
			continue;
		}
		if (in_vma && sscanf(line, "AnonHugePages: %ld kB", &kb) == 1)
			break;
	}
	fclose(f);
	return kb;
}

static int alloc_aligned_anon(struct backing *b, size_t align)
{
	size_t len = b->size + align;
	char *map, *start;

	map = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (map == MAP_FAILED)
		return -errno;
	start = (char *)(((uintptr_t)map + align - 1) & ~(uintptr_t)(align - 1));
	/* Trim to exactly the aligned area, so it is one VMA of its own. */
	if (start > map)
		munmap(map, start - map);
	if (start + b->size < map + len)
		munmap(start + b->size, map + len - (start + b->size));
	b->map = start;
	b->map_len = b->size;
	b->addr = start;
	return 0;
}

static int alloc_hugetlb(struct backing *b, int flag, const char *sysdir,
			 char *reason, size_t reason_len)
{
	char path[128], nr[32] = "?";
	void *map;

	snprintf(path, sizeof(path), "/sys/kernel/mm/hugepages/%s/free_hugepages", sysdir);
	if (!host_exists(path)) {
		snprintf(reason, reason_len, "%s: the kernel offers no %s pages",
			 tokens[b->kind], backing_name(b->kind));
		return BACKING_ABSENT;
	}
	if (b->kind == BACKING_HUGETLB_1G && pool_1g_fd >= 0 && !pool_1g_busy &&
	    b->size <= SZ_1G) {
		/* mmap() reserves the page, as MAP_PRIVATE does: no page is ENOMEM. */
		map = mmap(NULL, b->size, PROT_READ | PROT_WRITE, MAP_SHARED, pool_1g_fd, 0);
		b->pooled = map != MAP_FAILED;
		pool_1g_busy = b->pooled;
	} else {
		map = mmap(NULL, b->size, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB | flag, -1, 0);
	}
	if (map == MAP_FAILED) {
		int r = -errno;

		read_line(path, nr, sizeof(nr));
		snprintf(reason, reason_len,
			 "%s: cannot get %zu MiB of %s (%s free; reserve more in /sys/kernel/mm/hugepages/%s/nr_hugepages): %s",
			 tokens[b->kind], b->size >> 20, backing_name(b->kind), nr, sysdir,
			 strerror(-r));
		/* Too few free pages is an absence; any other error is not. */
		return r == -ENOMEM ? BACKING_ABSENT : r;
	}
	b->map = map;
	b->map_len = b->size;
	b->addr = map;
	return 0;
}

static int alloc(struct backing *b, enum backing_kind kind, size_t size, bool populate,
		 char *reason, size_t reason_len)
{
	char thp[128] = "";
	long kb;
	int r;

	memset(b, 0, sizeof(*b));
	b->fd = -1;
	b->kind = kind;
	b->page_size = backing_page_size(kind);
	b->size = ((size + b->page_size - 1) / b->page_size) * b->page_size;
	if (!b->size)
		b->size = b->page_size;

	switch (kind) {
	case BACKING_ANON:
		r = alloc_aligned_anon(b, b->page_size);
		if (!r)
			madvise(b->addr, b->size, MADV_NOHUGEPAGE);
		break;
	case BACKING_THP:
		read_line("/sys/kernel/mm/transparent_hugepage/enabled", thp, sizeof(thp));
		if (!strstr(thp, "[always]") && !strstr(thp, "[madvise]")) {
			snprintf(reason, reason_len,
				 "thp: transparent hugepages are not enabled (%s)",
				 thp[0] ? thp : "no THP in this kernel");
			return BACKING_ABSENT;
		}
		r = alloc_aligned_anon(b, b->page_size);
		if (r || !madvise(b->addr, b->size, MADV_HUGEPAGE))
			break;
		/*
		 * On a fresh aligned mapping this fails only when the kernel has
		 * no madvise() (CONFIG_ADVISE_SYSCALLS=n) or no THP behind it.
		 */
		snprintf(reason, reason_len, "thp: madvise(MADV_HUGEPAGE): %s", strerror(errno));
		backing_free(b);
		return BACKING_ABSENT;
	case BACKING_HUGETLB_2M:
		r = alloc_hugetlb(b, MAP_HUGE_2MB, "hugepages-2048kB", reason, reason_len);
		break;
	case BACKING_HUGETLB_1G:
		r = alloc_hugetlb(b, MAP_HUGE_1GB, "hugepages-1048576kB", reason, reason_len);
		break;
	case BACKING_MEMFD:
		b->fd = memfd_create("vfio-dirty", MFD_CLOEXEC);
		if (b->fd < 0 || ftruncate(b->fd, (off_t)b->size)) {
			r = -errno;
			break;
		}
		b->map = mmap(NULL, b->size, PROT_READ | PROT_WRITE, MAP_SHARED, b->fd, 0);
		if (b->map == MAP_FAILED) {
			b->map = NULL;
			r = -errno;
			break;
		}
		b->map_len = b->size;
		b->addr = b->map;
		r = 0;
		break;
	default:
		r = -EINVAL;
	}
	if (r) {
		if (!reason[0])
			snprintf(reason, reason_len, "%s: cannot allocate %zu bytes: %s",
				 backing_name(kind), b->size, strerror(-r));
		backing_free(b);
		return r;
	}
	/*
	 * A hugetlb page is faulted in whole: one store per huge page populates
	 * it. Unpopulated THP gets its first huge page, to check it is huge.
	 */
	if (populate)
		touch(b->addr, b->size, kind == BACKING_HUGETLB_2M || kind == BACKING_HUGETLB_1G ?
		      b->page_size : host_page_size());
	else if (kind == BACKING_THP)
		touch(b->addr, b->page_size, host_page_size());
	if (kind == BACKING_THP) {
		kb = thp_kb(b->addr);
		if (kb <= 0) {
			snprintf(reason, reason_len,
				 "thp: the kernel gave no huge page to a %zu MiB madvise(MADV_HUGEPAGE) area",
				 b->size >> 20);
			backing_free(b);
			return BACKING_ABSENT;
		}
	}
	return 0;
}

int backing_alloc(struct backing *b, enum backing_kind kind, size_t size,
		  char *reason, size_t reason_len)
{
	return alloc(b, kind, size, true, reason, reason_len);
}

int backing_alloc_unpopulated(struct backing *b, enum backing_kind kind, size_t size,
			      char *reason, size_t reason_len)
{
	return alloc(b, kind, size, false, reason, reason_len);
}

void backing_free(struct backing *b)
{
	if (b->map)
		munmap(b->map, b->map_len);
	if (b->fd >= 0)
		close(b->fd);
	if (b->pooled)
		pool_1g_busy = false;
	memset(b, 0, sizeof(*b));
	b->fd = -1;
}
