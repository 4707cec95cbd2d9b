// SPDX-License-Identifier: GPL-2.0-only
/*
 * End to end (issue 14): QEMU live-migrates a VM with the test mdev
 * assigned (vfio-pci, enable-migration=on) while the device writes guest
 * memory, and no page the device wrote is lost. The device writes through
 * its sysfs trigger (vfio_dirty/cmd): vfio_dma_rw() writes (type1 container
 * tracking: DP-BIT-05), writes into pages it holds pinned across the
 * migration (DP-BIT-03/08: pinned pages stay dirty), or the same under
 * device DMA logging (ALT-LOG-03/05). The guest runs no OS: a 64 KiB "BIOS"
 * the test writes keeps rewriting one 64 KiB block of low RAM, so precopy
 * never converges while downtime-limit is 1 ms.
 *
 * Phase 0 writes before the migration, phases 1 and 2 during precopy after
 * dirty syncs (rewrites of pages QEMU already sent, and fresh pages), plus a
 * fill of the device's data area; then downtime-limit goes up and the
 * migration completes. PASS: the destination's RAM equals the source's
 * final RAM page by page, every device-written page holds its last pattern
 * on the source, and the device state digests are equal.
 */
#include <fcntl.h>
#include <stdarg.h>
#include <limits.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include "vfio_dirty_test.h"
#include "qemu.h"
#include "qmp.h"

#define RAM_MB		64
#define RAM_ARG		"64M"
#define RAM_SIZE	((size_t)RAM_MB << 20)
#define PG		4096UL
#define BIOS_SIZE	(64 << 10)
/* the block of low RAM the guest's loop rewrites (segment 0x1000) */
#define CPU_GPA		0x10000UL
/* device-written pages: 16 MiB up, away from low RAM */
#define DEV_GPA		0x1000000UL
#define NPAGES		1280
#define PHASE0_PAGES	640
#define PIN_CHUNK	256
#define DATA_FILL_LEN	4096
/* QEMU 8.1 is the first with the migration v2 protocol only */
#define QEMU_MIN	801
/*
 * Precopy bandwidth: 8 MiB/s x the 1 ms downtime-limit is 8 KiB, well under the
 * 64 KiB the halt BIOS dirties a round, so precopy cannot converge by itself
 * before the switchover (at 32 MiB/s the control variant sometimes did)
 */
#define MAX_BANDWIDTH	(8ULL << 20)
#define FINAL_DOWNTIME	2000
#define SWITCHOVER_BW	10000000000000ULL
#define START_MS	30000
#define SYNC_MS		60000
#define COMPLETE_MS	120000
#define QMP_MS		10000
/* the private folder and its files: unix socket paths fit sun_path */
#define DIR_MAX		48
#define FILE_MAX	64
/* enum vfio_device_mig_state's RUNNING, as vfio_dirty/state prints it */
#define MIG_STATE_RUNNING	2
#define PATTERN_TAG	0x5644ULL	/* "VD" in the top 16 bits */

enum method { M_WRITE = 1, M_PINNED = 2 };

static const char *const method_names[] = { "?", "write", "write-pinned" };

/* The last write to a device page: what its content must be. */
struct page_write {
	u8 phase;	/* 0..2; 0xff: never written */
	u8 method;
	u16 nth;	/* the write's index in its phase */
};

struct vm {
	struct qemu_proc proc;
	struct qmp qmp;
	bool qmp_up;
	char ram[FILE_MAX];
	char sock[FILE_MAX];
	char log[FILE_MAX];
	const char *uuid;
};

FIXTURE(qemu_mig) {
	char dir[DIR_MAX];
	char bios[FILE_MAX];
	char mig[FILE_MAX];
	const char *qemu;
	struct vm vm[2];	/* source, destination */
	struct page_write last[NPAGES];
	unsigned int writes;
	long long t0;
};

FIXTURE_VARIANT(qemu_mig) {
	const char *type;	/* mdev_type of the two instances; NULL: no device */
	bool pinned;
	bool dmalog;
};

/* Type1 container tracking: the device's vfio_dma_rw() writes (DP-BIT-05). */
FIXTURE_VARIANT_ADD(qemu_mig, type1) {
	.type = "vfio_dirty_mdev-qemu",
};

/* Pages pinned before the migration and written while pinned (DP-BIT-03/08). */
FIXTURE_VARIANT_ADD(qemu_mig, type1_pinned) {
	.type = "vfio_dirty_mdev-qemu", .pinned = true,
};

/* Device DMA logging (ALT-LOG-03/05): QEMU uses it when the device has log_ops. */
FIXTURE_VARIANT_ADD(qemu_mig, dmalog) {
	.type = "vfio_dirty_mdev-qemu-log", .dmalog = true,
};

FIXTURE_VARIANT_ADD(qemu_mig, dmalog_pinned) {
	.type = "vfio_dirty_mdev-qemu-log", .dmalog = true, .pinned = true,
};

/*
 * The control: the same VM and migration without a device. A failure here
 * is QEMU's or the lab's, not the kernel's.
 */
FIXTURE_VARIANT_ADD(qemu_mig, control) {
	.type = NULL,
};

static u64 pattern(int phase, int method, unsigned int page)
{
	return PATTERN_TAG << 48 | (u64)(phase + 1) << 40 | (u64)method << 32 | page;
}

/*
 * The halt "BIOS": the reset vector (offset 0xfff0, CS base 0xffff0000)
 * jumps to offset 0, a real-mode loop that fills the 64 KiB at CPU_GPA with
 * a counter that goes up each round.
 */
static int write_bios(const char *path)
{
	static const u8 loop[] = {
		0xfa,			/* 0: cli */
		0xfc,			/* 1: cld */
		0xb8, 0x00, 0x10,	/* 2: mov ax, 0x1000 (CPU_GPA >> 4) */
		0x8e, 0xc0,		/* 5: mov es, ax */
		0x31, 0xc0,		/* 7: xor ax, ax */
		0x31, 0xff,		/* 9: xor di, di */
		0xb9, 0x00, 0x80,	/* b: mov cx, 0x8000 (words) */
		0xf3, 0xab,		/* e: rep stosw */
		0x40,			/* 10: inc ax */
		0xeb, 0xf6,		/* 11: jmp 9 */
	};
	/* jmp near 0: rel16 = 0 - (0xfff0 + 3) */
	static const u8 reset[] = { 0xe9, 0x0d, 0x00 };
	u8 *img = calloc(1, BIOS_SIZE);
	int fd, r = 0;

	if (!img)
		return -ENOMEM;
	memset(img, 0xf4, BIOS_SIZE);	/* hlt everywhere else */
	memcpy(img, loop, sizeof(loop));
	memcpy(img + 0xfff0, reset, sizeof(reset));
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0 || write(fd, img, BIOS_SIZE) != BIOS_SIZE)
		r = -errno ?: -EIO;
	if (fd >= 0)
		close(fd);
	free(img);
	return r;
}

/* Prints the last lines of @v's QEMU log, each as a diagnostic line. */
static void print_log_tail(struct vm *v, const char *who)
{
	char tail[1536], *line, *save = NULL, how[64];

	qemu_exit_desc(&v->proc, how, sizeof(how));
	ksft_print_msg("%s QEMU (%s), log %s:\n", who, how, v->log);
	qemu_log_tail(&v->proc, tail, sizeof(tail));
	for (line = strtok_r(tail, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		ksft_print_msg("  %s: %s\n", who, line);
}

static int vm_start(FIXTURE_DATA(qemu_mig) *self, int i, bool incoming, char *why, size_t len)
{
	struct vm *v = &self->vm[i];
	char mem[FILE_MAX + 96], dev[160], qmp[FILE_MAX + 32], inc[FILE_MAX + 8];
	char *argv[QEMU_ARGS_MAX];
	int n = 0, r;

	snprintf(mem, sizeof(mem), "memory-backend-file,id=ram,size=%dM,mem-path=%s,share=on",
		 RAM_MB, v->ram);
	snprintf(qmp, sizeof(qmp), "unix:%s,server=on,wait=off", v->sock);
	argv[n++] = (char *)self->qemu;
	argv[n++] = "-accel";
	argv[n++] = "tcg";
	argv[n++] = "-machine";
	argv[n++] = "q35,memory-backend=ram";
	argv[n++] = "-m";
	argv[n++] = RAM_ARG;
	argv[n++] = "-object";
	argv[n++] = mem;
	argv[n++] = "-nodefaults";
	argv[n++] = "-display";
	argv[n++] = "none";
	argv[n++] = "-bios";
	argv[n++] = self->bios;
	argv[n++] = "-qmp";
	argv[n++] = qmp;
	if (v->uuid) {
		snprintf(dev, sizeof(dev),
			 "vfio-pci,sysfsdev=/sys/bus/mdev/devices/%s,enable-migration=on,rombar=0",
			 v->uuid);
		argv[n++] = "-device";
		argv[n++] = dev;
	}
	if (incoming) {
		snprintf(inc, sizeof(inc), "unix:%s", self->mig);
		argv[n++] = "-S";
		argv[n++] = "-incoming";
		argv[n++] = inc;
	}
	argv[n] = NULL;
	r = __qemu_spawn(&v->proc, argv, v->log);
	if (r) {
		snprintf(why, len, "starting %s: %s", self->qemu, strerror(-r));
		return r;
	}
	r = __qmp_connect(&v->qmp, v->sock, START_MS);
	if (r) {
		snprintf(why, len, "QMP of the %s QEMU: %.*s", i ? "destination" : "source",
			 (int)sizeof(v->qmp.error), v->qmp.error);
		return r;
	}
	v->qmp_up = true;
	return 0;
}

/* One trigger command for mdev @uuid: 0 when the whole line was taken, else the kernel's -errno. */
static int mdev_cmd(const char *uuid, const char *fmt, ...)
{
	char path[PATH_MAX], cmd[128];
	va_list ap;
	ssize_t n;
	int fd, r = 0;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	host_path(path, sizeof(path), "/sys/bus/mdev/devices/%s/vfio_dirty/cmd", uuid);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = write(fd, cmd, strlen(cmd));
	if (n < 0)
		r = -errno;
	else if ((size_t)n != strlen(cmd))
		r = -EIO;
	close(fd);
	return r;
}

/* The value of line "@key VALUE" of mdev @uuid's vfio_dirty/state. */
static int mdev_state(const char *uuid, const char *key, char *val, size_t len)
{
	char path[PATH_MAX], buf[1024], *line, *save = NULL;
	size_t kl = strlen(key);
	ssize_t n;
	int fd;

	host_path(path, sizeof(path), "/sys/bus/mdev/devices/%s/vfio_dirty/state", uuid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = 0;
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		if (!strncmp(line, key, kl) && line[kl] == ' ') {
			snprintf(val, len, "%s", line + kl + 1);
			return 0;
		}
	return -ENOENT;
}

/* The mdev type of @uuid (its mdev_type link's name), or "". */
static void mdev_type_of(const char *uuid, char *type, size_t len)
{
	char path[PATH_MAX], link[PATH_MAX];
	ssize_t n;

	host_path(path, sizeof(path), "/sys/bus/mdev/devices/%s/mdev_type", uuid);
	n = readlink(path, link, sizeof(link) - 1);
	type[0] = 0;
	if (n <= 0)
		return;
	link[n] = 0;
	snprintf(type, len, "%.100s", strrchr(link, '/') ? strrchr(link, '/') + 1 : link);
}

/* Runs a QMP command on VM @i; a failure ends the test with QEMU's log. */
#define QMP(i, reply, ...) do {							\
	char __cmd[512];							\
	int __r;								\
	snprintf(__cmd, sizeof(__cmd), __VA_ARGS__);				\
	__r = __qmp_exec(&self->vm[i].qmp, __cmd, reply, sizeof(reply), QMP_MS);	\
	if (__r)								\
		print_log_tail(&self->vm[i], i ? "destination" : "source");	\
	ASSERT_EQ(0, __r) TH_LOG("%s QEMU: %s: %s", i ? "destination" : "source",	\
				 __cmd, self->vm[i].qmp.error);			\
} while (0)

static int find_mdevs(const char *type, const char **uuid, int *nth)
{
	const char *name;
	char t[128];
	int i, found = 0;

	for (i = 0; found < 2 && (name = device_nth(DEVICE_MDEV, i)); i++) {
		mdev_type_of(name, t, sizeof(t));
		if (!strcmp(t, type)) {
			nth[found] = i;
			uuid[found++] = name;
		}
	}
	return found;
}

/* Removes the private folder and what the run put there. */
static void remove_files(FIXTURE_DATA(qemu_mig) *self)
{
	int i;

	if (!self->dir[0])
		return;
	for (i = 0; i < 2; i++) {
		unlink(self->vm[i].ram);
		unlink(self->vm[i].sock);
		unlink(self->vm[i].log);
	}
	unlink(self->bios);
	unlink(self->mig);
	if (rmdir(self->dir))
		ksft_print_msg("rmdir %s: %s\n", self->dir, strerror(errno));
	self->dir[0] = 0;
}

#define SET_PARAMS	"{\"execute\": \"migrate-set-parameters\", \"arguments\": "

FIXTURE_SETUP(qemu_mig)
{
	const char *uuid[2] = { NULL, NULL };
	const char *tmp = host_exists("/dev/shm") ? "/dev/shm" : "/tmp";
	int nth[2], i, r, ver;

	self->dir[0] = 0;
	memset(self->last, 0xff, sizeof(self->last));
	self->qemu = getenv("VFIO_DIRTY_QEMU");
	if (!self->qemu || !*self->qemu)
		SKIP(return,
		     "qemu: no QEMU given (VFIO_DIRTY_QEMU=/path/to/qemu-system-x86_64, 8.1 or later)");
	if (variant->type && find_mdevs(variant->type, uuid, nth) < 2)
		SKIP(return, "mdev: two %s instances needed (source, destination), %s named",
		     variant->type, uuid[0] ? "one" : "none");
	/*
	 * Type1 container tracking needs the container's migration capability
	 * (DP-CAP-01), which iommufd's compat container lacks (DP-IOMMUFD-03):
	 * asked of the container QEMU would get. DMA logging needs none.
	 */
	if (variant->type && !variant->dmalog) {
		struct dirty_env e;

		r = env_init(&e, DEVICE_MDEV, nth[0], IOMMU_MODE_TYPE1V2);
		if (r == ENV_SKIP)
			r = env_init(&e, DEVICE_MDEV, nth[0], IOMMU_MODE_IOMMUFD_COMPAT);
		if (r == ENV_SKIP)
			SKIP(return, "%s", e.reason);
		ASSERT_EQ(0, r) TH_LOG("%s: %s", uuid[0], e.reason);
		env_teardown(&e);
		if (!e.pgsize)
			SKIP(return,
			     "kernel: the type1v2 container has no migration capability (VFIO_IOMMU_GET_INFO)");
	}
	snprintf(self->dir, sizeof(self->dir), "%s/vfio-dirty-qemu.XXXXXX", tmp);
	ASSERT_NE(NULL, mkdtemp(self->dir)) TH_LOG("mkdtemp %s: %s", self->dir, strerror(errno));
	snprintf(self->bios, sizeof(self->bios), "%s/halt.bin", self->dir);
	snprintf(self->mig, sizeof(self->mig), "%s/mig.sock", self->dir);
	for (i = 0; i < 2; i++) {
		struct vm *v = &self->vm[i];
		const char *n = i ? "dst" : "src";

		v->uuid = uuid[i];
		snprintf(v->ram, sizeof(v->ram), "%s/%s.ram", self->dir, n);
		snprintf(v->sock, sizeof(v->sock), "%s/%s.qmp", self->dir, n);
		snprintf(v->log, sizeof(v->log), "%s/%s.log", self->dir, n);
	}
	/* Last: the harness runs no teardown after a failed set-up. */
	ver = __qemu_version(self->qemu, self->vm[0].log);
	if (ver < QEMU_MIN)
		remove_files(self);
	ASSERT_LT(0, ver) TH_LOG("%s --version: %s", self->qemu, strerror(-ver));
	if (ver < QEMU_MIN)
		SKIP(return, "qemu: %s is QEMU %d.%d; migration v2 needs 8.1 or later",
		     self->qemu, ver / 100, ver % 100);
}

FIXTURE_TEARDOWN(qemu_mig)
{
	int i;

	for (i = 0; i < 2; i++) {
		if (self->vm[i].qmp_up)
			qmp_close(&self->vm[i].qmp);
		qemu_kill(&self->vm[i].proc);
	}
	remove_files(self);
	if (self->t0)
		ksft_print_msg("%s: %.1f s\n", variant->type ?: "control",
			       (qemu_now_ms() - self->t0) / 1000.0);
}

/* The device writes page @p in phase @phase: its pattern over the whole page. */
static int dev_write(FIXTURE_DATA(qemu_mig) *self, bool pinned, int phase, unsigned int p,
		     unsigned int nth)
{
	int m = pinned ? M_PINNED : M_WRITE;
	int r;

	r = mdev_cmd(self->vm[0].uuid, "%s 0x%lx %lu 0x%llx", method_names[m],
		     DEV_GPA + p * PG, PG, (unsigned long long)pattern(phase, m, p));
	if (r < 0)
		return r;
	self->last[p].phase = phase;
	self->last[p].method = m;
	self->last[p].nth = nth;
	self->writes++;
	return 0;
}

/*
 * Waits until the source's dirty-sync-count reaches @want. @may_complete:
 * a migration that already completed counts as reached (the control: it
 * has no device writes that need precopy running, and its guest's 16
 * dirty pages may converge under any bandwidth).
 */
static int wait_syncs(FIXTURE_DATA(qemu_mig) *self, bool may_complete,
		      unsigned long long want, unsigned long long *got, char *status,
		      size_t len)
{
	long long end = qemu_now_ms() + SYNC_MS;
	char reply[QMP_LINE_MAX];
	int r;

	for (;;) {
		r = __qmp_exec(&self->vm[0].qmp, "{\"execute\": \"query-migrate\"}\n", reply,
			       sizeof(reply), QMP_MS);
		if (r)
			return r;
		status[0] = 0;
		qmp_field(reply, "status", status, len);
		if (may_complete && !strcmp(status, "completed"))
			return 0;
		if (strcmp(status, "active") && strcmp(status, "setup") &&
		    strcmp(status, "device"))
			return -ECANCELED;
		if (!qmp_field_u64(reply, "dirty-sync-count", got) && *got >= want)
			return 0;
		if (qemu_now_ms() >= end)
			return -ETIMEDOUT;
		usleep(20000);
	}
}

/* Prints why the migration failed: query-migrate's status and error-desc, both logs. */
static void migration_failed(FIXTURE_DATA(qemu_mig) *self, const char *when, int r,
			     const char *status)
{
	char reply[QMP_LINE_MAX], desc[512] = "";

	if (!__qmp_exec(&self->vm[0].qmp, "{\"execute\": \"query-migrate\"}\n", reply,
			sizeof(reply), QMP_MS))
		qmp_field(reply, "error-desc", desc, sizeof(desc));
	ksft_print_msg("migration %s: %s (status %s), error-desc: %s\n", when,
		       r == -ETIMEDOUT ? "timed out" : strerror(-r), status, desc[0] ? desc : "none");
	print_log_tail(&self->vm[0], "source");
	print_log_tail(&self->vm[1], "destination");
}

/* Describes what page content @w (its first word: all of it is @w) is. */
static void describe(const u64 *pg, char *buf, size_t len)
{
	unsigned int i;
	u64 w = pg[0];

	for (i = 1; i < PG / 8; i++)
		if (pg[i] != w) {
			snprintf(buf, len, "other (mixed: word 0 0x%016llx, word %u 0x%016llx)",
				 (unsigned long long)w, i, (unsigned long long)pg[i]);
			return;
		}
	if (!w)
		snprintf(buf, len, "zero");
	else if (w >> 48 == PATTERN_TAG && ((w >> 40) & 0xff) >= 1 && ((w >> 40) & 0xff) <= 3 &&
		 ((w >> 32) & 0xff) <= M_PINNED)
		snprintf(buf, len, "the phase %llu %s pattern of device page %llu",
			 (unsigned long long)((w >> 40) & 0xff) - 1,
			 method_names[(w >> 32) & 0xff], (unsigned long long)(w & 0xffffffff));
	else
		snprintf(buf, len, "other (0x%016llx)", (unsigned long long)w);
}

static bool page_is(const u64 *pg, u64 w)
{
	unsigned int i;

	for (i = 0; i < PG / 8; i++)
		if (pg[i] != w)
			return false;
	return true;
}

/* The device page index of @gpa, or -1. */
static int dev_page(u64 gpa)
{
	if (gpa < DEV_GPA || gpa >= DEV_GPA + NPAGES * PG)
		return -1;
	return (gpa - DEV_GPA) / PG;
}

struct verdict {
	unsigned int differ, lost_dev, src_bad, checked;
};

/* Compares the two RAM files page by page; prints every difference. */
static int compare_ram(FIXTURE_DATA(qemu_mig) *self, struct verdict *v)
{
	u64 *src, *dst;
	size_t off;
	int fs, fd, r = 0;

	fs = open(self->vm[0].ram, O_RDONLY | O_CLOEXEC);
	fd = open(self->vm[1].ram, O_RDONLY | O_CLOEXEC);
	if (fs < 0 || fd < 0) {
		r = -errno;
		goto out;
	}
	src = mmap(NULL, RAM_SIZE, PROT_READ, MAP_SHARED, fs, 0);
	dst = mmap(NULL, RAM_SIZE, PROT_READ, MAP_SHARED, fd, 0);
	if (src == MAP_FAILED || dst == MAP_FAILED) {
		r = -errno;
		goto unmap;
	}
	for (off = 0; off < RAM_SIZE; off += PG) {
		const u64 *s = src + off / 8, *d = dst + off / 8;
		int p = dev_page(off);
		const struct page_write *w = p >= 0 ? &self->last[p] : NULL;
		char what[160], want[96] = "CPU or never written";

		if (w && w->phase != 0xff) {
			u64 pat = pattern(w->phase, w->method, p);

			snprintf(want, sizeof(want), "phase %u write %u (%s)", w->phase, w->nth,
				 method_names[w->method]);
			v->checked++;
			if (!page_is(s, pat)) {
				describe(s, what, sizeof(what));
				ksft_print_msg("GPA 0x%08zx: the source does not hold %s's pattern 0x%016llx: it has %s\n",
					       off, want, (unsigned long long)pat, what);
				v->src_bad++;
			}
		}
		if (!memcmp(s, d, PG))
			continue;
		v->differ++;
		if (w && w->phase != 0xff)
			v->lost_dev++;
		describe(d, what, sizeof(what));
		ksft_print_msg("GPA 0x%08zx differs: expected content from %s, the destination has %s\n",
			       off, want, what);
	}
unmap:
	if (src != MAP_FAILED)
		munmap(src, RAM_SIZE);
	if (dst != MAP_FAILED)
		munmap(dst, RAM_SIZE);
out:
	if (fs >= 0)
		close(fs);
	if (fd >= 0)
		close(fd);
	return r;
}

/* Phase @phase's device writes: rewrites of every @every-th earlier page, then fresh pages. */
static int phase_writes(FIXTURE_DATA(qemu_mig) *self, bool pinned, int phase,
			unsigned int first, unsigned int nfresh, unsigned int every)
{
	unsigned int p, nth = 0;
	int r;

	for (p = 0; every && p < first; p += every) {
		r = dev_write(self, pinned, phase, p, nth++);
		if (r)
			return r;
	}
	for (p = first; p < first + nfresh; p++) {
		r = dev_write(self, pinned, phase, p, nth++);
		if (r)
			return r;
	}
	return 0;
}

TEST_F_TIMEOUT(qemu_mig, bit05_bit08_migrate_no_page_lost, 600)
{
	const char *src = self->vm[0].uuid;
	char reply[QMP_LINE_MAX], status[64] = "", sd[64] = "", dd[64] = "", val[64];
	long long end;
	unsigned int p;
	struct verdict v = { 0 };
	char why[ENV_REASON_MAX + 64];
	unsigned long long syncs = 0;
	int r, i;

	if (!variant->type)
		ksft_print_msg("cites: control (no device): QEMU's own migration of CPU-written RAM\n");
	else if (variant->dmalog)
		ksft_print_msg("cites: ALT-LOG-03 ALT-LOG-05%s\n", variant->pinned ? " DP-BIT-03" : "");
	else
		ksft_print_msg("cites: DP-BIT-05 DP-BIT-08%s DP-BIT-09\n",
			       variant->pinned ? " DP-BIT-03" : "");
	ASSERT_EQ(0, write_bios(self->bios));
	self->t0 = qemu_now_ms();
	for (i = 0; i < 2; i++) {
		r = vm_start(self, i, i == 1, why, sizeof(why));
		if (r)
			print_log_tail(&self->vm[i], i ? "destination" : "source");
		ASSERT_EQ(0, r) TH_LOG("%s", why);
	}
	QMP(0, reply, "{\"execute\": \"cont\"}\n");
	/* Let the guest's loop run before anything is sent. */
	usleep(200000);

	if (variant->type && variant->pinned) {
		for (p = 0; p < NPAGES; p += PIN_CHUNK) {
			r = mdev_cmd(src, "pin 0x%lx %d", DEV_GPA + p * PG, PIN_CHUNK);
			ASSERT_EQ(0, r) TH_LOG("%s: pin 0x%lx %d: %s", src, DEV_GPA + p * PG,
					       PIN_CHUNK, strerror(-r));
		}
		ASSERT_EQ(0, mdev_state(src, "pinned", val, sizeof(val)));
		ASSERT_EQ(NPAGES, atoi(val)) TH_LOG("pages pinned: %s", val);
	}
	if (variant->type) {
		r = phase_writes(self, variant->pinned, 0, 0, PHASE0_PAGES, 0);
		ASSERT_EQ(0, r) TH_LOG("%s: phase 0 write: %s", src, strerror(-r));
	}

	QMP(0, reply, SET_PARAMS "{\"downtime-limit\": 1, \"max-bandwidth\": %llu}}\n",
	    MAX_BANDWIDTH);
	QMP(0, reply, "{\"execute\": \"migrate\", \"arguments\": {\"uri\": \"unix:%s\"}}\n",
	    self->mig);

	/* Phase 1 once the first pass has sent phase 0's pages. */
	r = wait_syncs(self, !variant->type, 2, &syncs, status, sizeof(status));
	if (r)
		migration_failed(self, "before phase 1", r, status);
	ASSERT_EQ(0, r);
	if (variant->type) {
		r = phase_writes(self, variant->pinned, 1, PHASE0_PAGES, 320, 2);
		ASSERT_EQ(0, r) TH_LOG("%s: phase 1 write: %s (migration %s)", src, strerror(-r),
				       status);
	}
	r = wait_syncs(self, !variant->type, syncs + 2, &syncs, status, sizeof(status));
	if (r)
		migration_failed(self, "before phase 2", r, status);
	ASSERT_EQ(0, r);
	if (variant->type) {
		r = phase_writes(self, variant->pinned, 2, PHASE0_PAGES + 320, 320, 3);
		ASSERT_EQ(0, r) TH_LOG("%s: phase 2 write: %s (migration %s)", src, strerror(-r),
				       status);
		r = mdev_cmd(src, "fill 0 %d 0x%llx", DATA_FILL_LEN,
			     (unsigned long long)pattern(2, 0, 0xda7a));
		ASSERT_EQ(0, r) TH_LOG("%s: fill: %s", src, strerror(-r));
	}
	r = wait_syncs(self, !variant->type, syncs + 1, &syncs, status, sizeof(status));
	if (r)
		migration_failed(self, "after phase 2", r, status);
	ASSERT_EQ(0, r);
	ksft_print_msg("%u device writes over %d pages, dirty-sync-count %llu before switchover\n",
		       self->writes, variant->type ? NPAGES : 0, (unsigned long long)syncs);

	/*
	 * Switchover: a bigger downtime-limit, and a switchover bandwidth so
	 * high that a device whose kernel lacks MIG_DATA_SIZE (6.1: QEMU then
	 * counts 100 GiB pending) does not keep precopy going forever.
	 */
	QMP(0, reply, SET_PARAMS "{\"downtime-limit\": %d, \"avail-switchover-bandwidth\": %llu}}\n",
	    FINAL_DOWNTIME, SWITCHOVER_BW);
	end = qemu_now_ms() + COMPLETE_MS;
	for (;;) {
		QMP(0, reply, "{\"execute\": \"query-migrate\"}\n");
		qmp_field(reply, "status", status, sizeof(status));
		if (!strcmp(status, "completed"))
			break;
		if (strcmp(status, "active") && strcmp(status, "setup") &&
		    strcmp(status, "device") && strcmp(status, "pre-switchover")) {
			migration_failed(self, "failed", -ECANCELED, status);
			ASSERT_STREQ("completed", status);
		}
		if (qemu_now_ms() >= end) {
			migration_failed(self, "did not complete", -ETIMEDOUT, status);
			ASSERT_STREQ("completed", status);
		}
		usleep(50000);
	}
	if (qmp_field_u64(reply, "dirty-sync-count", &syncs))
		syncs = 0;
	/* The destination has loaded it all when it leaves "inmigrate". */
	end = qemu_now_ms() + SYNC_MS;
	for (;;) {
		QMP(1, reply, "{\"execute\": \"query-status\"}\n");
		qmp_field(reply, "status", status, sizeof(status));
		if (strcmp(status, "inmigrate"))
			break;
		if (qemu_now_ms() >= end) {
			migration_failed(self, "not loaded by the destination", -ETIMEDOUT, status);
			ASSERT_STRNE("inmigrate", status);
		}
		usleep(50000);
	}
	ASSERT_STREQ("paused", status) TH_LOG("destination run state after the migration");

	ASSERT_EQ(0, compare_ram(self, &v)) TH_LOG("reading the RAM files in %s", self->dir);
	if (variant->type) {
		/*
		 * The destination device applies the stream on RESUMING -> STOP,
		 * which QEMU does when the VM starts: compare after its cont (the
		 * RAM was compared before, while the guest could not change it).
		 */
		QMP(1, reply, "{\"execute\": \"cont\"}\n");
		end = qemu_now_ms() + QMP_MS;
		while (mdev_state(self->vm[1].uuid, "mig_state", val, sizeof(val)) ||
		       atoi(val) != MIG_STATE_RUNNING) {
			if (qemu_now_ms() >= end)
				break;
			usleep(20000);
		}
		ASSERT_EQ(MIG_STATE_RUNNING, atoi(val))
			TH_LOG("destination device mig_state %s after cont", val);
		ASSERT_EQ(0, mdev_state(src, "digest", sd, sizeof(sd)));
		ASSERT_EQ(0, mdev_state(self->vm[1].uuid, "digest", dd, sizeof(dd)));
	}
	ksft_print_msg("%u device-written pages checked (%u device writes), %zu RAM pages compared, %u differ (%u device-written), dirty-sync-count %llu; digests %s / %s\n",
		       v.checked, self->writes, RAM_SIZE / PG, v.differ, v.lost_dev,
		       (unsigned long long)syncs, sd[0] ? sd : "-", dd[0] ? dd : "-");
	EXPECT_EQ(0, v.src_bad) TH_LOG("%u device-written pages do not hold their last pattern on the source: the writes did not happen as asked",
				       v.src_bad);
	EXPECT_EQ(0, v.differ) TH_LOG("%u pages differ after the migration, %u of them written by the device (%s)",
				      v.differ, v.lost_dev,
				      variant->dmalog ? "ALT-LOG-05: a write missing from the device's DMA log" :
				      variant->pinned ? "DP-BIT-08: a pinned page not reported dirty" :
				      "DP-BIT-05: a vfio_dma_rw() write not reported dirty");
	if (variant->type) {
		EXPECT_LE(1000, v.checked);
		EXPECT_STREQ(sd, dd) TH_LOG("device state digests differ: source %s, destination %s",
					    sd, dd);
	}
}

VFIO_DIRTY_MAIN(
	"End to end (issue 14): QEMU (VFIO_DIRTY_QEMU=qemu-system-x86_64, 8.1 or later)\n"
	"live-migrates a 64 MiB TCG VM with no OS (a halt BIOS that keeps rewriting\n"
	"64 KiB of low RAM) and a test mdev assigned with vfio-pci enable-migration=on,\n"
	"from a source to a destination QEMU on a unix socket, while the mdev writes\n"
	"1280 guest pages through its sysfs trigger before and during precopy (pages\n"
	"already sent rewritten, fresh pages), and fills its data area. Variants:\n"
	"type1 (vfio_dma_rw() writes, type1 container tracking, DP-BIT-05),\n"
	"type1_pinned (pages pinned across the migration, written in place, DP-BIT-03/08),\n"
	"dmalog and dmalog_pinned (the same on the -qemu-log type: device DMA logging,\n"
	"ALT-LOG-03/05), control (no device: QEMU's own migration). Each needs two\n"
	"named mdevs of its type (vfio_dirty_mdev-qemu or -qemu-log: source and\n"
	"destination). PASS: destination RAM equals the source's page by page, every\n"
	"device page holds its last pattern on the source, equal device state digests.\n"
	"A failure names each differing page, the write that put it there and what\n"
	"the destination holds instead.\n")
