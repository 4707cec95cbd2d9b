// SPDX-License-Identifier: GPL-2.0-only
/*
 * Host-side tests of the verdict contract's set-up half: what SKIPs (VFIO, a
 * device kind or a kernel feature is absent: the reason starts with a token
 * of selftests/capabilities) and what FAILs (a malformed device name, a
 * named device that is not there, plumbing that fails), on a fake /sys and
 * /dev under a temporary root; and the exit status of a run.
 */
#include <fcntl.h>
#include <limits.h>
#include <sys/stat.h>

#include "vfio_dirty_test.h"

#define PCI0	"0000:00:03.0"
#define MDEV0	"83b8f4f2-509f-382f-3c1e-e6bfe0fa1001"

/* True when @reason starts with "TOKEN: " for a TOKEN listed in the capabilities file. */
static bool has_token(const char *reason)
{
	char line[256];
	bool found = false;
	size_t n;
	FILE *f;

	f = fopen(CAPABILITIES_FILE, "r");
	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f)) {
		if (line[0] == '#' || !strchr(line, '\t'))
			continue;
		n = strchr(line, '\t') - line;
		found = !strncmp(reason, line, n) && reason[n] == ':' && reason[n + 1] == ' ';
	}
	fclose(f);
	return found;
}

static void mkpath(const char *root, const char *path)
{
	char p[PATH_MAX], *s;

	snprintf(p, sizeof(p), "%s%s", root, path);
	for (s = p + strlen(root) + 1; *s; s++) {
		if (*s == '/') {
			*s = '\0';
			mkdir(p, 0755);
			*s = '/';
		}
	}
	mkdir(p, 0755);
}

static void touch_file(const char *root, const char *path)
{
	char p[PATH_MAX];
	int fd;

	snprintf(p, sizeof(p), "%s%s", root, path);
	fd = open(p, O_CREAT | O_WRONLY, 0644);
	if (fd >= 0)
		close(fd);
}

static void link_to(const char *root, const char *path, const char *target)
{
	char p[PATH_MAX];

	snprintf(p, sizeof(p), "%s%s", root, path);
	if (symlink(target, p))
		perror(p);
}

/* A fake host with VFIO's type1 container and the PCI device @drv-bound in group 5. */
static void fake_host(char *root, size_t len, const char *drv)
{
	snprintf(root, len, "/tmp/vfio-dirty-unit.XXXXXX");
	if (!mkdtemp(root))
		return;
	mkpath(root, "/dev/vfio");
	touch_file(root, "/dev/vfio/vfio");
	touch_file(root, "/dev/vfio/5");
	mkpath(root, "/sys/module/vfio");
	mkpath(root, "/sys/module/vfio_iommu_type1");
	mkpath(root, "/sys/bus/pci/devices/" PCI0);
	link_to(root, "/sys/bus/pci/devices/" PCI0 "/iommu_group", "../../../kernel/iommu_groups/5");
	if (drv) {
		char target[64];

		snprintf(target, sizeof(target), "../../../bus/pci/drivers/%s", drv);
		link_to(root, "/sys/bus/pci/devices/" PCI0 "/driver", target);
	}
	host_set_root(root);
}

static void fake_host_remove(const char *root)
{
	char cmd[PATH_MAX + 16];

	host_set_root(NULL);
	device_args_reset();
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	if (system(cmd))
		perror(cmd);
}

static int take(const char *a, const char *b, char *why, size_t len)
{
	char *argv[4] = { "t", (char *)a, (char *)b, NULL };

	device_args_reset();
	return device_args_take(b ? 3 : 2, argv, why, len);
}

/* Contract 1: a malformed device name fails the run, whether argument or environment. */
TEST(device_args_malformed_is_an_error)
{
	char *argv[8] = { "t", "-r", "a.b.c", "-t", "x", PCI0, MDEV0, NULL };
	char why[256] = "";

	device_args_reset();
	unsetenv("VFIO_DIRTY_DEVICES");
	ASSERT_EQ(5, device_args_take(7, argv, why, sizeof(why)));
	EXPECT_STREQ("a.b.c", argv[2]);
	EXPECT_STREQ("x", argv[4]);
	EXPECT_EQ(NULL, argv[5]);
	EXPECT_STREQ(PCI0, device_first(DEVICE_PCI));
	EXPECT_STREQ(MDEV0, device_first(DEVICE_MDEV));

	EXPECT_EQ(-EINVAL, take("0000:00:03", NULL, why, sizeof(why)));
	EXPECT_NE(NULL, strstr(why, "0000:00:03"));
	EXPECT_EQ(-EINVAL, take(PCI0, "dirty_caps", why, sizeof(why)));

	setenv("VFIO_DIRTY_DEVICES", PCI0 ",00:04.0 nonsense", 1);
	EXPECT_EQ(-EINVAL, take("-l", NULL, why, sizeof(why)));
	EXPECT_NE(NULL, strstr(why, "VFIO_DIRTY_DEVICES"));
	setenv("VFIO_DIRTY_DEVICES", PCI0 ",00:04.0", 1);
	EXPECT_EQ(2, take("-l", NULL, why, sizeof(why)));
	EXPECT_STREQ("0000:00:04.0", device_nth(DEVICE_PCI, 1));
	unsetenv("VFIO_DIRTY_DEVICES");
	device_args_reset();
}

TEST(device_args_too_many_is_an_error)
{
	char *argv[DEVICES_MAX + 3] = { "t" };
	char names[DEVICES_MAX + 1][16], why[256] = "";
	int i;

	for (i = 0; i <= DEVICES_MAX; i++) {
		snprintf(names[i], sizeof(names[i]), "00:%02x.0", i);
		argv[i + 1] = names[i];
	}
	device_args_reset();
	EXPECT_EQ(-EINVAL, device_args_take(DEVICES_MAX + 2, argv, why, sizeof(why)));
	EXPECT_NE(NULL, strstr(why, "more than"));
	device_args_reset();
}

/* Contract 1 and 2: absent VFIO SKIPs, with the "vfio" token. */
TEST(env_no_vfio_skips)
{
	char root[64] = "/tmp/vfio-dirty-unit.XXXXXX";
	struct dirty_env e;

	ASSERT_NE(NULL, mkdtemp(root));
	host_set_root(root);
	EXPECT_EQ(ENV_SKIP, env_init(&e, DEVICE_PCI, 0, IOMMU_MODE_TYPE1V2));
	EXPECT_EQ(0, strncmp(e.reason, "vfio: ", 6)) TH_LOG("%s", e.reason);
	EXPECT_TRUE(has_token(e.reason)) TH_LOG("%s", e.reason);
	EXPECT_EQ(-1, e.c.fd);
	fake_host_remove(root);
}

/* No device of the kind named: SKIP pci, pci2 or mdev. */
TEST(env_kind_not_named_skips)
{
	struct dirty_env e;
	char root[64];

	fake_host(root, sizeof(root), "vfio-pci");
	EXPECT_EQ(ENV_SKIP, env_init(&e, DEVICE_PCI, 0, IOMMU_MODE_TYPE1V2));
	EXPECT_EQ(0, strncmp(e.reason, "pci: ", 5)) TH_LOG("%s", e.reason);
	EXPECT_EQ(ENV_SKIP, env_init(&e, DEVICE_PCI, 1, IOMMU_MODE_TYPE1));
	EXPECT_EQ(0, strncmp(e.reason, "pci2: ", 6)) TH_LOG("%s", e.reason);
	EXPECT_EQ(ENV_SKIP, env_init(&e, DEVICE_MDEV, 0, IOMMU_MODE_TYPE1V2));
	EXPECT_EQ(0, strncmp(e.reason, "mdev: ", 6)) TH_LOG("%s", e.reason);
	EXPECT_TRUE(has_token(e.reason)) TH_LOG("%s", e.reason);
	fake_host_remove(root);
}

/* A named device that is not there, or not bound to vfio-pci: FAIL, not SKIP. */
TEST(env_named_device_missing_fails)
{
	char why[256], root[64];
	struct dirty_env e;

	fake_host(root, sizeof(root), "e1000");
	ASSERT_LT(0, take("0000:00:04.0", NULL, why, sizeof(why)));
	EXPECT_EQ(-ENODEV, env_init(&e, DEVICE_PCI, 0, IOMMU_MODE_TYPE1V2));
	EXPECT_NE(NULL, strstr(e.reason, "no such pci device")) TH_LOG("%s", e.reason);
	ASSERT_LT(0, take(MDEV0, NULL, why, sizeof(why)));
	EXPECT_EQ(-ENODEV, env_init(&e, DEVICE_MDEV, 0, IOMMU_MODE_TYPE1V2));
	ASSERT_LT(0, take(PCI0, NULL, why, sizeof(why)));
	EXPECT_EQ(-EBUSY, env_init(&e, DEVICE_PCI, 0, IOMMU_MODE_TYPE1V2));
	EXPECT_NE(NULL, strstr(e.reason, "bound to e1000")) TH_LOG("%s", e.reason);
	fake_host_remove(root);
}

/*
 * The device is there, but the container does not answer VFIO_GET_API_VERSION
 * (here a plain file): a failing plumbing ioctl FAILs, with the reason.
 */
TEST(env_plumbing_failure_fails)
{
	char why[256], root[64];
	struct dirty_env e;
	int r;

	fake_host(root, sizeof(root), "vfio-pci");
	ASSERT_LT(0, take(PCI0, NULL, why, sizeof(why)));
	r = env_init(&e, DEVICE_PCI, 0, IOMMU_MODE_TYPE1V2);
	EXPECT_GT(0, r) TH_LOG("%d: %s", r, e.reason);
	EXPECT_NE(NULL, strstr(e.reason, "/dev/vfio/vfio")) TH_LOG("%s", e.reason);
	EXPECT_EQ(-1, e.c.fd);
	fake_host_remove(root);
}

/* The IOMMU modes the kernel has no way to: SKIP iommufd or type1. */
TEST(env_mode_absent_skips)
{
	char why[256], root[64], p[PATH_MAX];
	struct dirty_env e;

	fake_host(root, sizeof(root), "vfio-pci");
	ASSERT_LT(0, take(PCI0, NULL, why, sizeof(why)));
	EXPECT_EQ(ENV_SKIP, env_init(&e, DEVICE_PCI, 0, IOMMU_MODE_IOMMUFD));
	EXPECT_EQ(0, strncmp(e.reason, "iommufd: ", 9)) TH_LOG("%s", e.reason);
	EXPECT_EQ(ENV_SKIP, env_init(&e, DEVICE_PCI, 0, IOMMU_MODE_IOMMUFD_COMPAT));
	EXPECT_EQ(0, strncmp(e.reason, "iommufd: ", 9)) TH_LOG("%s", e.reason);
	/* iommufd's compat container: /dev/iommu and no vfio_iommu_type1 */
	touch_file(root, "/dev/iommu");
	snprintf(p, sizeof(p), "%s/sys/module/vfio_iommu_type1", root);
	ASSERT_EQ(0, rmdir(p));
	EXPECT_EQ(ENV_SKIP, env_init(&e, DEVICE_PCI, 0, IOMMU_MODE_TYPE1));
	EXPECT_EQ(0, strncmp(e.reason, "type1: ", 7)) TH_LOG("%s", e.reason);
	EXPECT_TRUE(has_token(e.reason)) TH_LOG("%s", e.reason);
	fake_host_remove(root);
}

/*
 * A memory backing the host cannot give SKIPs with its token; the plain
 * backings are no absence and allocate.
 */
TEST(backing_absent_skips_with_token)
{
	char root[64] = "/tmp/vfio-dirty-unit.XXXXXX", why[256] = "", p[PATH_MAX];
	struct backing b;
	FILE *f;

	ASSERT_NE(NULL, mkdtemp(root));
	mkpath(root, "/sys/kernel/mm/transparent_hugepage");
	snprintf(p, sizeof(p), "%s/sys/kernel/mm/transparent_hugepage/enabled", root);
	f = fopen(p, "w");
	ASSERT_NE(NULL, f);
	fputs("always madvise [never]\n", f);
	fclose(f);
	host_set_root(root);
	EXPECT_EQ(BACKING_ABSENT, backing_alloc(&b, BACKING_HUGETLB_1G, 1 << 30, why, sizeof(why)));
	EXPECT_EQ(0, strncmp(why, "hugetlb_1g: ", 12)) TH_LOG("%s", why);
	EXPECT_TRUE(has_token(why)) TH_LOG("%s", why);
	why[0] = '\0';
	EXPECT_EQ(BACKING_ABSENT, backing_alloc(&b, BACKING_HUGETLB_2M, 1 << 21, why, sizeof(why)));
	EXPECT_EQ(0, strncmp(why, "hugetlb_2m: ", 12)) TH_LOG("%s", why);
	why[0] = '\0';
	EXPECT_EQ(BACKING_ABSENT, backing_alloc(&b, BACKING_THP, 1 << 21, why, sizeof(why)));
	EXPECT_EQ(0, strncmp(why, "thp: ", 5)) TH_LOG("%s", why);
	ASSERT_EQ(0, backing_alloc(&b, BACKING_MEMFD, 4096, why, sizeof(why)));
	backing_free(&b);
	fake_host_remove(root);
}

/* Contract 3: the exit status from the harness's counts. */
TEST(exit_status)
{
	char msg[160];

	EXPECT_EQ(0, vfio_dirty_exit_status(1, 0, 0, 0, 5, 0, msg, sizeof(msg)));
	EXPECT_STREQ("", msg);
	EXPECT_EQ(0, vfio_dirty_exit_status(0, 0, 1, 0, 5, 0, msg, sizeof(msg)));
	EXPECT_EQ(4, vfio_dirty_exit_status(0, 0, 0, 0, 5, 0, msg, sizeof(msg)));
	EXPECT_NE(NULL, strstr(msg, "all 5 cases skipped"));
	EXPECT_EQ(1, vfio_dirty_exit_status(0, 0, 0, 0, 0, 0, msg, sizeof(msg)));
	EXPECT_NE(NULL, strstr(msg, "no case matches"));
	EXPECT_EQ(1, vfio_dirty_exit_status(3, 1, 0, 0, 5, 0, msg, sizeof(msg)));
	EXPECT_EQ(1, vfio_dirty_exit_status(3, 0, 0, 1, 0, 0, msg, sizeof(msg)));
	EXPECT_EQ(1, vfio_dirty_exit_status(3, 0, 0, 0, 0, 1, msg, sizeof(msg)));
}

/* Every capability line is "token<TAB>description" and the tokens of the contract are there. */
TEST(capabilities_file)
{
	static const char *const tokens[] = {
		"vfio", "pci", "pci2", "dma", "mdev", "nvme_write", "nvme_compare",
		"hugetlb_2m", "hugetlb_1g", "thp", "iommufd", "cdev", "type1",
		"iommufd_mock", "tracking", "kernel",
	};
	char reason[64];
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(tokens); i++) {
		snprintf(reason, sizeof(reason), "%s: x", tokens[i]);
		EXPECT_TRUE(has_token(reason)) TH_LOG("%s", tokens[i]);
	}
	EXPECT_FALSE(has_token("nosuch: x"));
	EXPECT_FALSE(has_token("pci no colon"));
}

VFIO_DIRTY_MAIN("setup_unit_test: host-side tests of the verdict contract's set-up half: what\n"
		"SKIPs (absent: the reason starts with a capability token), what FAILs (set-up\n"
		"errors), on a fake /sys and /dev; and the exit status of a run. Needs no VFIO.")
