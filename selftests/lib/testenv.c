// SPDX-License-Identifier: GPL-2.0-only
/*
 * Common test set-up: container + the named device's group + IOMMU driver.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "iommufd.h"
#include "testenv.h"

static const char *iommu_name(int type)
{
	return type == VFIO_TYPE1_IOMMU ? "VFIO_TYPE1_IOMMU" : "VFIO_TYPE1v2_IOMMU";
}

/* ENV_SKIP with the reason when the kernel has no way to @mode. */
static int mode_missing(enum iommu_mode mode, char *reason, size_t reason_len)
{
	char why[192];

	if (mode >= IOMMU_MODE_IOMMUFD_COMPAT) {
		if (!access(iommu_mode_path(mode), F_OK))
			return 0;
		snprintf(reason, reason_len, "mode %s: no %s (kernel without CONFIG_IOMMUFD)",
			 iommu_mode_name(mode), iommu_mode_path(mode));
		return ENV_SKIP;
	}
	if (!vfio_container_is_iommufd(why, sizeof(why)))
		return 0;
	snprintf(reason, reason_len,
		 "mode %s: /dev/vfio/vfio is iommufd's compatibility container (%s), not VFIO's type1: mode iommufd_compat covers it",
		 iommu_mode_name(mode), why);
	return ENV_SKIP;
}

static const char *kind_name(enum device_kind kind)
{
	return kind == DEVICE_PCI ? "vfio-pci" : "mdev";
}

static int attach_nth(struct dirty_env *e, struct vfio_dev *d, enum device_kind kind,
		      int nth, char *reason, size_t reason_len)
{
	const char *name = device_nth(kind, nth);
	int r;

	if (!name) {
		snprintf(reason, reason_len,
			 "no %s%s device named (pass it as the last argument or in VFIO_DIRTY_DEVICES)",
			 nth ? "second " : "", kind_name(kind));
		return ENV_SKIP;
	}
	r = __device_find(d, name, reason, reason_len);
	if (r)
		return ENV_SKIP;
	r = __container_attach_group(&e->c, d->group_id);
	if (r) {
		snprintf(reason, reason_len, "%s: attaching group %d: %s%s", name,
			 d->group_id, strerror(-r),
			 r == -EBUSY ? " (group not viable: bind all its devices to vfio)" : "");
		return r == -EBUSY || r == -EPERM ? ENV_SKIP : r;
	}
	return 0;
}

int env_attach(struct dirty_env *e, struct vfio_dev *d, enum device_kind kind,
	       char *reason, size_t reason_len)
{
	if (e->c.mode == IOMMU_MODE_IOMMUFD) {
		snprintf(reason, reason_len, "mode iommufd: no group to attach");
		return ENV_SKIP;
	}
	return attach_nth(e, d, kind, 0, reason, reason_len);
}

int env_setup(struct dirty_env *e, enum device_kind kind, int iommu_type,
	      char *reason, size_t reason_len)
{
	return env_setup_nth(e, kind, 0, iommu_type, reason, reason_len);
}

int env_setup_nth(struct dirty_env *e, enum device_kind kind, int nth, int iommu_type,
		  char *reason, size_t reason_len)
{
	enum iommu_mode mode = iommu_type == VFIO_TYPE1_IOMMU ? IOMMU_MODE_TYPE1 :
							       IOMMU_MODE_TYPE1V2;

	return env_setup_mode(e, kind, nth, mode, reason, reason_len);
}

/* IOMMU_MODE_IOMMUFD: the named device's cdev, bound and attached to the IOAS. */
static int setup_cdev(struct dirty_env *e, enum device_kind kind, int nth, char *reason,
		      size_t reason_len)
{
	const char *name = device_nth(kind, nth);
	int r;

	if (!name) {
		snprintf(reason, reason_len, "no %s%s device named", nth ? "second " : "",
			 kind_name(kind));
		return ENV_SKIP;
	}
	if (__device_find(&e->dev, name, reason, reason_len))
		return ENV_SKIP;
	r = __device_open_cdev(&e->dev, &e->c, reason, reason_len);
	return r == -ENOENT || r == -ENODEV ? ENV_SKIP : r;
}

int env_setup_mode(struct dirty_env *e, enum device_kind kind, int nth, enum iommu_mode mode,
		   char *reason, size_t reason_len)
{
	int iommu_type = mode == IOMMU_MODE_TYPE1 ? VFIO_TYPE1_IOMMU : VFIO_TYPE1v2_IOMMU;
	int r;

	memset(e, 0, sizeof(*e));
	e->c.fd = -1;
	e->dev.fd = -1;
	r = mode_missing(mode, reason, reason_len);
	if (r)
		return r;
	r = __container_open_mode(&e->c, mode);
	if (r) {
		snprintf(reason, reason_len, "mode %s: %s: %s", iommu_mode_name(mode),
			 iommu_mode_path(mode), strerror(-r));
		return ENV_SKIP;
	}
	if (mode == IOMMU_MODE_IOMMUFD) {
		r = setup_cdev(e, kind, nth, reason, reason_len);
		if (r)
			env_teardown(e);
		return r;
	}
	r = attach_nth(e, &e->dev, kind, nth, reason, reason_len);
	if (r) {
		env_teardown(e);
		return r;
	}
	r = __container_set_iommu(&e->c, iommu_type);
	if (r) {
		snprintf(reason, reason_len, "VFIO_SET_IOMMU(%s): %s", iommu_name(iommu_type),
			 strerror(-r));
		env_teardown(e);
		return r == -EOPNOTSUPP ? ENV_SKIP : r;
	}
	r = __device_open(&e->dev, &e->c);
	if (r) {
		snprintf(reason, reason_len, "%s: VFIO_GROUP_GET_DEVICE_FD: %s", e->dev.name,
			 strerror(-r));
		env_teardown(e);
		return r;
	}
	/* 0 when the capability is missing: the tests that need it fail (DP-CAP-01). */
	e->pgsize = container_dirty_pgsize(&e->c);
	return 0;
}

void env_teardown(struct dirty_env *e)
{
	device_close(&e->dev);
	container_close(&e->c);
}

int kernel_at_least(int major, int minor)
{
	struct utsname u;
	int ma = 0, mi = 0;

	if (uname(&u) || sscanf(u.release, "%d.%d", &ma, &mi) != 2)
		return 0;
	return ma > major || (ma == major && mi >= minor);
}

long proc_status_kb(const char *field)
{
	size_t len = strlen(field);
	char line[256];
	long kb = -1;
	FILE *f;

	f = fopen("/proc/self/status", "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, field, len) && line[len] == ':') {
			kb = strtol(line + len + 1, NULL, 10);
			break;
		}
	}
	fclose(f);
	return kb;
}

size_t host_page_size(void)
{
	return (size_t)sysconf(_SC_PAGESIZE);
}
