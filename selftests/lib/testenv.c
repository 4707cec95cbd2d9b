// SPDX-License-Identifier: GPL-2.0-only
/*
 * Common test set-up: container + the named device + IOMMU driver, and the
 * classification of what can go wrong there (absent: SKIP; else: FAIL).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "testenv.h"

/* Formats e->reason and returns @r, for one-line error returns. */
static int why(struct dirty_env *e, int r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(e->reason, sizeof(e->reason), fmt, ap);
	va_end(ap);
	return r;
}

static const char *iommu_name(int type)
{
	return type == VFIO_TYPE1_IOMMU ? "VFIO_TYPE1_IOMMU" : "VFIO_TYPE1v2_IOMMU";
}

/* ENV_SKIP when VFIO or the kernel's way to @mode is absent. */
static int mode_missing(struct dirty_env *e, enum iommu_mode mode)
{
	char seen[192];

	if (!host_exists("/dev/vfio") && !host_exists("/sys/module/vfio"))
		return why(e, ENV_SKIP,
			   "vfio: no VFIO (no /dev/vfio, no vfio module loaded)");
	if (mode >= IOMMU_MODE_IOMMUFD_COMPAT) {
		if (host_exists(iommu_mode_path(mode)))
			return 0;
		return why(e, ENV_SKIP, "iommufd: mode %s needs %s (CONFIG_IOMMUFD=n)",
			   iommu_mode_name(mode), iommu_mode_path(mode));
	}
	if (!host_exists("/dev/vfio/vfio"))
		return why(e, ENV_SKIP,
			   "type1: mode %s needs /dev/vfio/vfio (CONFIG_VFIO_CONTAINER=n and no iommufd compat container)",
			   iommu_mode_name(mode));
	if (!vfio_container_is_iommufd(seen, sizeof(seen)))
		return 0;
	return why(e, ENV_SKIP,
		   "type1: mode %s: /dev/vfio/vfio is iommufd's compatibility container (%s), not VFIO's type1; mode iommufd_compat covers it",
		   iommu_mode_name(mode), seen);
}

/* The @nth named device of @kind, or NULL with the SKIP reason. */
static const char *nth_name(struct dirty_env *e, enum device_kind kind, int nth)
{
	const char *name = device_nth(kind, nth);

	if (name)
		return name;
	if (kind == DEVICE_MDEV)
		why(e, ENV_SKIP,
		    "mdev: no test mdev named (pass a vfio_dirty_mdev UUID as an argument or in VFIO_DIRTY_DEVICES)");
	else if (nth)
		why(e, ENV_SKIP, "pci2: no second vfio-pci device named (pass two PCI addresses)");
	else
		why(e, ENV_SKIP,
		    "pci: no vfio-pci device named (pass its PCI address as an argument or in VFIO_DIRTY_DEVICES)");
	return NULL;
}

static int attach(struct dirty_env *e, struct vfio_dev *d)
{
	int r = __container_attach_group(&e->c, d->group_id);

	if (!r)
		return 0;
	return why(e, r, "%s: attaching group %d: %s%s", d->name, d->group_id, strerror(-r),
		   r == -EBUSY ? " (group not viable: bind all its devices to vfio-pci)" : "");
}

int env_attach(struct dirty_env *e, struct vfio_dev *d, enum device_kind kind,
	       char *reason, size_t reason_len)
{
	const char *name;
	int r;

	name = nth_name(e, kind, 0);
	if (e->c.mode == IOMMU_MODE_IOMMUFD)
		r = why(e, ENV_SKIP, "kernel: mode iommufd has no group to attach");
	else if (!name)
		r = ENV_SKIP;
	else
		r = __device_find(d, name, e->reason, sizeof(e->reason)) ?: attach(e, d);
	snprintf(reason, reason_len, "%s", e->reason);
	return r;
}

/* The container modes: group, IOMMU driver, then the device fd. */
static int init_group(struct dirty_env *e, enum iommu_mode mode)
{
	int type = mode == IOMMU_MODE_TYPE1 ? VFIO_TYPE1_IOMMU : VFIO_TYPE1v2_IOMMU;
	int r;

	r = attach(e, &e->dev);
	if (r)
		return r;
	r = __container_set_iommu(&e->c, type);
	if (r == -EOPNOTSUPP)
		return why(e, ENV_SKIP, "kernel: mode %s: the container does not offer %s",
			   iommu_mode_name(mode), iommu_name(type));
	if (r)
		return why(e, r, "VFIO_SET_IOMMU(%s): %s", iommu_name(type), strerror(-r));
	return __device_open(&e->dev, &e->c, e->reason, sizeof(e->reason));
}

static int init(struct dirty_env *e, enum device_kind kind, int nth, enum iommu_mode mode)
{
	char cause[ENV_REASON_MAX - 8];
	const char *name;
	int r;

	r = mode_missing(e, mode);
	if (r)
		return r;
	name = nth_name(e, kind, nth);
	if (!name)
		return ENV_SKIP;
	r = __device_find(&e->dev, name, e->reason, sizeof(e->reason));
	if (r)
		return r;
	r = __container_open_mode(&e->c, mode);
	if (r)
		return why(e, r, "mode %s: opening %s: %s", iommu_mode_name(mode),
			   iommu_mode_path(mode), strerror(-r));
	if (mode != IOMMU_MODE_IOMMUFD)
		return init_group(e, mode);
	r = __device_open_cdev(&e->dev, &e->c, cause, sizeof(cause));
	if (r == -ENOTTY)
		return why(e, ENV_SKIP, "cdev: %s", cause);
	return r ? why(e, r, "%s", cause) : 0;
}

int env_init(struct dirty_env *e, enum device_kind kind, int nth, enum iommu_mode mode)
{
	int r;

	memset(e, 0, sizeof(*e));
	e->c.fd = -1;
	e->c.mode = mode;
	e->dev.fd = -1;
	r = init(e, kind, nth, mode);
	if (r) {
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

int env_setup_mode(struct dirty_env *e, enum device_kind kind, int nth, enum iommu_mode mode,
		   char *reason, size_t reason_len)
{
	int r = env_init(e, kind, nth, mode);

	snprintf(reason, reason_len, "%s", e->reason);
	return r;
}

int env_setup_nth(struct dirty_env *e, enum device_kind kind, int nth, int iommu_type,
		  char *reason, size_t reason_len)
{
	return env_setup_mode(e, kind, nth, iommu_type == VFIO_TYPE1_IOMMU ? IOMMU_MODE_TYPE1 :
			      IOMMU_MODE_TYPE1V2, reason, reason_len);
}

int env_setup(struct dirty_env *e, enum device_kind kind, int iommu_type,
	      char *reason, size_t reason_len)
{
	return env_setup_nth(e, kind, 0, iommu_type, reason, reason_len);
}
