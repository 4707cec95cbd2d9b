// SPDX-License-Identifier: GPL-2.0-only
/*
 * Devices under test, named by PCI address or mdev UUID, their groups and
 * their VFIO cdevs.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "device.h"
#include "vfio_dirty_mdev.h"
#include "host.h"
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

/* Records @s, or -EINVAL with @reason when it is no device name or one too many. */
static int add_name(const char *s, const char *from, char *reason, size_t reason_len)
{
	if (!device_name_is_pci(s) && !device_name_is_mdev(s)) {
		snprintf(reason, reason_len,
			 "%s: \"%s\" is neither a PCI address (0000:00:03.0) nor an mdev UUID",
			 from, s);
		return -EINVAL;
	}
	if (nr_names == DEVICES_MAX) {
		snprintf(reason, reason_len, "%s: more than %d devices named", from, DEVICES_MAX);
		return -EINVAL;
	}
	if (device_name_is_pci(s) && strlen(s) == 7)
		snprintf(names[nr_names++], DEVICE_NAME_MAX, "0000:%s", s);
	else
		snprintf(names[nr_names++], DEVICE_NAME_MAX, "%s", s);
	return 0;
}

/* Options of the harness that take a value: in "-t name", name is not a device. */
static bool takes_value(const char *opt)
{
	return opt[0] == '-' && opt[1] && strchr("fFvVtTr", opt[1]) && !opt[2];
}

void device_args_reset(void)
{
	nr_names = 0;
}

int device_args_take(int argc, char **argv, char *reason, size_t reason_len)
{
	char buf[DEVICES_MAX * DEVICE_NAME_MAX * 2], *tok, *save;
	const char *env;
	int i, out = 1, r;

	for (i = 1; i < argc; i++) {
		if (argv[i][0] == '-' && argv[i][1]) {
			argv[out++] = argv[i];
			if (takes_value(argv[i]) && i + 1 < argc)
				argv[out++] = argv[++i];
			continue;
		}
		r = add_name(argv[i], "device argument", reason, reason_len);
		if (r)
			return r;
	}
	argv[out] = NULL;
	if (nr_names)
		return out;

	env = getenv("VFIO_DIRTY_DEVICES");
	if (!env)
		return out;
	if (strlen(env) >= sizeof(buf)) {
		snprintf(reason, reason_len, "VFIO_DIRTY_DEVICES: too long");
		return -EINVAL;
	}
	snprintf(buf, sizeof(buf), "%s", env);
	for (tok = strtok_r(buf, " ,", &save); tok; tok = strtok_r(NULL, " ,", &save)) {
		r = add_name(tok, "VFIO_DIRTY_DEVICES", reason, reason_len);
		if (r)
			return r;
	}
	return out;
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

	host_path(path, sizeof(path), "/sys/bus/%s/devices/%s/%s", bus, name, attr);
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
	int r;

	memset(d, 0, sizeof(*d));
	d->fd = -1;
	d->kind = device_name_is_pci(name) ? DEVICE_PCI : DEVICE_MDEV;
	snprintf(d->name, sizeof(d->name), "%s", name);
	bus = d->kind == DEVICE_PCI ? "pci" : "mdev";

	snprintf(path, sizeof(path), "/sys/bus/%s/devices/%s", bus, name);
	if (!host_exists(path)) {
		snprintf(reason, reason_len, "%s: named, but there is no such %s device (%s)",
			 name, bus, path);
		return -ENODEV;
	}
	r = sysfs_link_name(bus, name, "iommu_group", group, sizeof(group));
	if (r) {
		snprintf(reason, reason_len, "%s: no IOMMU group (is the IOMMU enabled?)", name);
		return r;
	}
	d->group_id = atoi(group);

	if (sysfs_link_name(bus, name, "driver", drv, sizeof(drv))) {
		snprintf(reason, reason_len, "%s: bound to no driver (bind it to vfio-pci)", name);
		return -ENXIO;
	}
	/* vfio-pci, or the suite's variant of it (fixtures/kmod/vdp_pci.c) */
	if (d->kind == DEVICE_PCI && strcmp(drv, "vfio-pci") && strcmp(drv, VDP_DRIVER_NAME)) {
		snprintf(reason, reason_len, "%s: bound to %s, not vfio-pci", name, drv);
		return -EBUSY;
	}
	snprintf(path, sizeof(path), "/dev/vfio/%d", d->group_id);
	if (!host_exists(path)) {
		snprintf(reason, reason_len, "%s: %s does not exist", name, path);
		return -ENOENT;
	}
	return 0;
}

int __vfio_cdev_open(const char *name, int *fd, char *reason, size_t reason_len)
{
	char path[PATH_MAX], dev[PATH_MAX];
	struct dirent *de;
	DIR *dir;
	int r;

	host_path(path, sizeof(path), "/sys/bus/%s/devices/%s/vfio-dev",
		  device_name_is_pci(name) ? "pci" : "mdev", name);
	dir = opendir(path);
	if (!dir) {
		r = -errno;
		snprintf(reason, reason_len,
			 "%s: no VFIO device cdev (%s: %s; CONFIG_VFIO_DEVICE_CDEV=n)",
			 name, path, strerror(-r));
		/* The device was found bound to VFIO already: only the cdev is missing. */
		return r == -ENOENT ? -ENOTTY : r;
	}
	r = -ENOENT;
	snprintf(reason, reason_len, "%s: no vfioN under %s", name, path);
	while ((de = readdir(dir))) {
		if (strncmp(de->d_name, "vfio", 4))
			continue;
		host_path(dev, sizeof(dev), "/dev/vfio/devices/%.64s", de->d_name);
		*fd = open(dev, O_RDWR | O_CLOEXEC);
		r = *fd < 0 ? -errno : 0;
		if (r)
			snprintf(reason, reason_len, "%s: open %s: %s", name, dev, strerror(-r));
		break;
	}
	closedir(dir);
	return r;
}

int __vfio_cdev_bind(int dev_fd, struct iommufd *ifd, u32 *dev_id)
{
	struct vfio_device_bind_iommufd bind = {
		.argsz = sizeof(bind),
		.iommufd = ifd->fd,
	};
	int r;

	r = ioctl_errno(dev_fd, VFIO_DEVICE_BIND_IOMMUFD, &bind);
	if (!r)
		*dev_id = bind.out_devid;
	return r;
}

int __vfio_cdev_attach(int dev_fd, u32 pt_id)
{
	struct vfio_device_attach_iommufd_pt attach = {
		.argsz = sizeof(attach),
		.pt_id = pt_id,
	};

	return ioctl_errno(dev_fd, VFIO_DEVICE_ATTACH_IOMMUFD_PT, &attach);
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

int __device_open(struct vfio_dev *d, struct container *c, char *reason, size_t reason_len)
{
	int i, r;

	if (c->mode == IOMMU_MODE_IOMMUFD)
		return __device_open_cdev(d, c, reason, reason_len);

	for (i = 0; i < c->nr_groups; i++) {
		if (c->group_id[i] != d->group_id)
			continue;
		d->fd = ioctl(c->group_fd[i], VFIO_GROUP_GET_DEVICE_FD, d->name);
		if (d->fd >= 0)
			return 0;
		r = -errno;
		snprintf(reason, reason_len, "%s: VFIO_GROUP_GET_DEVICE_FD: %s", d->name,
			 strerror(-r));
		return r;
	}
	snprintf(reason, reason_len, "%s: its group %d is not in the container", d->name,
		 d->group_id);
	return -ENOENT;
}

void device_close(struct vfio_dev *d)
{
	if (d->fd >= 0)
		close(d->fd);
	d->fd = -1;
}

int __device_feature(int fd, u32 argsz, u32 flags, void *payload, size_t len)
{
	struct vfio_device_feature *f;
	int r;

	/* header and payload in one buffer, as the uAPI lays them out, with slack */
	f = calloc(1, sizeof(*f) + len + 8);
	if (!f)
		return -ENOMEM;
	f->argsz = argsz ? argsz : sizeof(*f) + len;
	f->flags = flags;
	if (len)
		memcpy(f->data, payload, len);
	r = ioctl_errno(fd, VFIO_DEVICE_FEATURE, f);
	if (len)
		memcpy(payload, f->data, len);
	free(f);
	return r;
}
