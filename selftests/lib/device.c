// SPDX-License-Identifier: GPL-2.0-only
/*
 * Devices under test, named by PCI address or mdev UUID, and their groups.
 */
#include <ctype.h>
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "device.h"
#include "iommufd.h"

static char names[DEVICES_MAX][DEVICE_NAME_MAX];
static int nr_names;

/* Accepts dddd:bb:dd.f and bb:dd.f, hexadecimal. */
bool device_name_is_pci(const char *s)
{
	unsigned int dom, bus, dev, fn;
	char tail;

	if (sscanf(s, "%4x:%2x:%2x.%1x%c", &dom, &bus, &dev, &fn, &tail) == 4)
		return strlen(s) == 12;
	if (sscanf(s, "%2x:%2x.%1x%c", &bus, &dev, &fn, &tail) == 3)
		return strlen(s) == 7;
	return false;
}

bool device_name_is_mdev(const char *s)
{
	int i;

	if (strlen(s) != 36)
		return false;
	for (i = 0; i < 36; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (s[i] != '-')
				return false;
		} else if (!isxdigit((unsigned char)s[i])) {
			return false;
		}
	}
	return true;
}

static bool is_device_name(const char *s)
{
	return device_name_is_pci(s) || device_name_is_mdev(s);
}

static void add_name(const char *s)
{
	if (nr_names == DEVICES_MAX)
		return;
	if (device_name_is_pci(s) && strlen(s) == 7)
		snprintf(names[nr_names++], DEVICE_NAME_MAX, "0000:%s", s);
	else
		snprintf(names[nr_names++], DEVICE_NAME_MAX, "%s", s);
}

/* Options of the harness that take a value: "-t name" is not a device. */
static bool takes_value(const char *opt)
{
	return opt[0] == '-' && opt[1] && strchr("fFvVtTr", opt[1]) && !opt[2];
}

int device_args_take(int argc, char **argv)
{
	const char *env;
	int first = argc;

	while (first > 1 && is_device_name(argv[first - 1]) &&
	       !(first > 2 && takes_value(argv[first - 2])))
		first--;
	for (int i = first; i < argc; i++)
		add_name(argv[i]);
	if (first < argc) {
		argv[first] = NULL;
		return first;
	}

	env = getenv("VFIO_DIRTY_DEVICES");
	if (env) {
		char buf[DEVICES_MAX * DEVICE_NAME_MAX], *tok, *save;

		snprintf(buf, sizeof(buf), "%s", env);
		for (tok = strtok_r(buf, " ,", &save); tok; tok = strtok_r(NULL, " ,", &save)) {
			if (is_device_name(tok))
				add_name(tok);
		}
	}
	return argc;
}

int devices_count(void)
{
	return nr_names;
}

const char *device_name(int i)
{
	return i < nr_names ? names[i] : NULL;
}

const char *device_nth(enum device_kind kind, int n)
{
	int i;

	for (i = 0; i < nr_names; i++) {
		if (device_name_is_pci(names[i]) == (kind == DEVICE_PCI) && !n--)
			return names[i];
	}
	return NULL;
}

const char *device_first(enum device_kind kind)
{
	return device_nth(kind, 0);
}

/* The last component of the sysfs link @attr of device @name on @bus, into @out. */
static int sysfs_link_name(const char *bus, const char *name, const char *attr,
			   char *out, size_t len)
{
	char path[PATH_MAX], link[PATH_MAX];
	ssize_t n;

	snprintf(path, sizeof(path), "/sys/bus/%s/devices/%s/%s", bus, name, attr);
	n = readlink(path, link, sizeof(link) - 1);
	if (n < 0)
		return -errno;
	link[n] = '\0';
	snprintf(out, len, "%s", basename(link));
	return 0;
}

int __device_find(struct vfio_dev *d, const char *name, char *reason, size_t reason_len)
{
	char path[PATH_MAX], group[32], drv[64];
	const char *bus;

	memset(d, 0, sizeof(*d));
	d->fd = -1;
	d->kind = device_name_is_pci(name) ? DEVICE_PCI : DEVICE_MDEV;
	snprintf(d->name, sizeof(d->name), "%s", name);
	bus = d->kind == DEVICE_PCI ? "pci" : "mdev";

	snprintf(path, sizeof(path), "/sys/bus/%s/devices/%s", bus, name);
	if (access(path, F_OK)) {
		snprintf(reason, reason_len, "%s: no such %s device", name, bus);
		return -ENODEV;
	}
	if (sysfs_link_name(bus, name, "iommu_group", group, sizeof(group))) {
		snprintf(reason, reason_len, "%s: no IOMMU group (is the IOMMU enabled?)", name);
		return -ENOENT;
	}
	d->group_id = atoi(group);

	if (sysfs_link_name(bus, name, "driver", drv, sizeof(drv))) {
		snprintf(reason, reason_len, "%s: bound to no driver (bind it to vfio-pci)", name);
		return -ENXIO;
	}
	if (d->kind == DEVICE_PCI && strcmp(drv, "vfio-pci")) {
		snprintf(reason, reason_len, "%s: bound to %s, not vfio-pci", name, drv);
		return -EBUSY;
	}
	snprintf(path, sizeof(path), "/dev/vfio/%d", d->group_id);
	if (access(path, F_OK)) {
		snprintf(reason, reason_len, "%s: %s does not exist", name, path);
		return -ENOENT;
	}
	return 0;
}

int __device_open_cdev(struct vfio_dev *d, struct container *c, char *reason,
		       size_t reason_len)
{
	struct iommufd ifd = { .fd = c->fd };
	u32 dev_id;
	int r;

	r = __vfio_cdev_open(d->name, &d->fd, reason, reason_len);
	if (r)
		return r;
	r = __vfio_cdev_bind(d->fd, &ifd, &dev_id);
	if (r) {
		snprintf(reason, reason_len, "%s: VFIO_DEVICE_BIND_IOMMUFD: %s", d->name,
			 strerror(-r));
		device_close(d);
		return r;
	}
	r = __vfio_cdev_attach(d->fd, c->ioas_id);
	if (r) {
		snprintf(reason, reason_len, "%s: VFIO_DEVICE_ATTACH_IOMMUFD_PT(IOAS %u): %s",
			 d->name, c->ioas_id, strerror(-r));
		device_close(d);
	}
	return r;
}

int __device_open(struct vfio_dev *d, struct container *c)
{
	char why[256];
	int i;

	if (c->mode == IOMMU_MODE_IOMMUFD)
		return __device_open_cdev(d, c, why, sizeof(why));

	for (i = 0; i < c->nr_groups; i++) {
		if (c->group_id[i] != d->group_id)
			continue;
		d->fd = ioctl(c->group_fd[i], VFIO_GROUP_GET_DEVICE_FD, d->name);
		return d->fd < 0 ? -errno : 0;
	}
	return -ENOENT;
}

void device_close(struct vfio_dev *d)
{
	if (d->fd >= 0)
		close(d->fd);
	d->fd = -1;
}
