/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The host the suite runs on: where its /sys and /dev are, its page size,
 * and a few facts read from procfs. The root is "/" except in the host unit
 * tests, which point it at a fake tree to check how set-up failures are
 * classified.
 */
#ifndef VFIO_DIRTY_HOST_H
#define VFIO_DIRTY_HOST_H

#include <stdbool.h>
#include <stddef.h>

/* Prefix of every /sys and /dev path the library opens; "" is the real host. */
void host_set_root(const char *root);

/* Formats @fmt (an absolute path) under the root into @buf; returns @buf. */
char *host_path(char *buf, size_t len, const char *fmt, ...);

/* True when @path (absolute) exists under the root. */
bool host_exists(const char *path);

/* ioctl() as 0 or -errno: the one form every library call builds on. */
int ioctl_errno(int fd, unsigned long req, void *arg);

/* The host page size (PAGE_SIZE of the kernel). */
size_t host_page_size(void);

/* True when /sys/class/iommu has an instance whose name starts with @prefix ("dmar"). */
bool host_iommu_present(const char *prefix);

/* uname -r is at least @major.@minor. */
int kernel_at_least(int major, int minor);

/*
 * A "Field:  N kB" line of /proc/self/status (VmLck: the locked_vm that type1
 * charges for pinned pages), in kB, or -1.
 */
long proc_status_kb(const char *field);

#endif
