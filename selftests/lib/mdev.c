// SPDX-License-Identifier: GPL-2.0-only
/*
 * mdev instances through sysfs: mdev_supported_types/<type>/create and the
 * instance's remove attribute.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "host.h"
#include "mdev.h"

static int write_attr(const char *path, const char *val)
{
	size_t len = strlen(val);
	ssize_t n;
	int fd, r = 0;

	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = write(fd, val, len);
	if (n < 0)
		r = -errno;
	else if ((size_t)n != len)
		r = -EIO;
	close(fd);
	return r;
}

bool mdev_type_exists(const char *parent, const char *type)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "/sys/class/mdev_bus/%s/mdev_supported_types/%s",
		 parent, type);
	return host_exists(path);
}

/* A random UUID from the kernel. */
static int new_uuid(char *uuid)
{
	char path[PATH_MAX];
	ssize_t n;
	int fd;

	fd = open(host_path(path, sizeof(path), "/proc/sys/kernel/random/uuid"),
		  O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, uuid, MDEV_UUID_LEN - 1);
	close(fd);
	if (n != MDEV_UUID_LEN - 1)
		return n < 0 ? -errno : -EIO;
	uuid[MDEV_UUID_LEN - 1] = '\0';
	return 0;
}

int __mdev_create(const char *parent, const char *type, char *uuid)
{
	char path[PATH_MAX];
	int r;

	r = new_uuid(uuid);
	if (r)
		return r;
	host_path(path, sizeof(path), "/sys/class/mdev_bus/%s/mdev_supported_types/%s/create",
		  parent, type);
	return write_attr(path, uuid);
}

int __mdev_remove(const char *uuid)
{
	char path[PATH_MAX];

	return write_attr(host_path(path, sizeof(path), "/sys/bus/mdev/devices/%s/remove", uuid),
			  "1");
}

void mdev_driver_name(const char *uuid, char *drv, size_t len)
{
	char path[256], link[256];
	const char *base;
	ssize_t n;

	host_path(path, sizeof(path), "/sys/bus/mdev/devices/%s/driver", uuid);
	n = readlink(path, link, sizeof(link) - 1);
	drv[0] = 0;
	if (n <= 0)
		return;
	link[n] = 0;
	base = strrchr(link, '/') ? strrchr(link, '/') + 1 : link;
	if (strlen(base) < len)
		memcpy(drv, base, strlen(base) + 1);
}
