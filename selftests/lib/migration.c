// SPDX-License-Identifier: GPL-2.0-only
/*
 * VFIO migration v2 from user space: the feature ioctls and the data fd.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "device.h"
#include "host.h"
#include "migration.h"

const char *mig_state_name(u32 state)
{
	static const char *const names[MIG_NUM_STATES] = {
		"ERROR", "STOP", "RUNNING", "STOP_COPY", "RESUMING", "RUNNING_P2P",
		"PRE_COPY", "PRE_COPY_P2P",
	};
	static char other[24];

	if (state < MIG_NUM_STATES)
		return names[state];
	snprintf(other, sizeof(other), "state %u", state);
	return other;
}

bool mig_state_supported(u64 mig_flags, u32 state)
{
	u64 need;

	switch (state) {
	case MIG_STOP:
	case MIG_RUNNING:
	case MIG_STOP_COPY:
	case MIG_RESUMING:
		need = VFIO_MIGRATION_STOP_COPY;
		break;
	case MIG_RUNNING_P2P:
		need = VFIO_MIGRATION_STOP_COPY | VFIO_MIGRATION_P2P;
		break;
	case MIG_PRE_COPY:
		need = VFIO_MIGRATION_STOP_COPY | VFIO_MIGRATION_PRE_COPY;
		break;
	case MIG_PRE_COPY_P2P:
		need = VFIO_MIGRATION_STOP_COPY | VFIO_MIGRATION_P2P | VFIO_MIGRATION_PRE_COPY;
		break;
	default:
		return false;
	}
	return (mig_flags & need) == need;
}

int __mig_probe(int fd, u64 *mig_flags)
{
	struct vfio_device_feature_migration m = { 0 };
	int r;

	r = __device_feature(fd, 0, VFIO_DEVICE_FEATURE_GET | VFIO_DEVICE_FEATURE_MIGRATION,
			     &m, sizeof(m));
	*mig_flags = r ? 0 : m.flags;
	return r;
}

int __mig_get_state(int fd, u32 *state)
{
	struct vfio_device_feature_mig_state m = { .device_state = ~0U, .data_fd = -2 };
	int r;

	r = __device_feature(fd, 0, VFIO_DEVICE_FEATURE_GET | VFIO_DEVICE_FEATURE_MIG_DEVICE_STATE,
			     &m, sizeof(m));
	if (!r)
		*state = m.device_state;
	return r;
}

int __mig_set_state(int fd, u32 state, int *data_fd)
{
	struct vfio_device_feature_mig_state m = { .device_state = state, .data_fd = -2 };
	int r;

	r = __device_feature(fd, 0, VFIO_DEVICE_FEATURE_SET | VFIO_DEVICE_FEATURE_MIG_DEVICE_STATE,
			     &m, sizeof(m));
	*data_fd = m.data_fd;
	return r;
}

int __mig_data_size(int fd, u64 *len)
{
	struct vfio_device_feature_mig_data_size d = { .stop_copy_length = ~0ULL };
	int r;

	r = __device_feature(fd, 0, VFIO_DEVICE_FEATURE_GET | VFIO_DEVICE_FEATURE_MIG_DATA_SIZE,
			     &d, sizeof(d));
	if (!r)
		*len = d.stop_copy_length;
	return r;
}

int __mig_precopy_info(int data_fd, struct vfio_precopy_info *info)
{
	memset(info, 0, sizeof(*info));
	info->argsz = sizeof(*info);
	return ioctl_errno(data_fd, VFIO_MIG_GET_PRECOPY_INFO, info);
}

ssize_t __mig_read_all(int data_fd, void *buf, size_t cap, size_t chunk)
{
	size_t got = 0;
	char extra;

	for (;;) {
		size_t want = cap - got;
		ssize_t n;

		if (chunk && want > chunk)
			want = chunk;
		/* a full buffer: one byte more tells an exact fit from a longer stream */
		n = want ? read(data_fd, (char *)buf + got, want) : read(data_fd, &extra, 1);
		if (n < 0)
			return -errno;
		if (n == 0)
			return got;
		if (!want)
			return -ENOSPC;
		got += n;
	}
}

int __mig_write_all(int data_fd, const void *buf, size_t len)
{
	size_t done = 0;

	while (done < len) {
		ssize_t n = write(data_fd, (const char *)buf + done, len - done);

		if (n < 0)
			return -errno;
		if (n == 0)
			return -EIO;
		done += n;
	}
	return 0;
}

int __mig_v1_region(int fd, u32 *index)
{
	struct vfio_device_info di = { .argsz = sizeof(di) };
	u32 i;
	int r;

	r = ioctl_errno(fd, VFIO_DEVICE_GET_INFO, &di);
	if (r)
		return r;
	for (i = 0; i < di.num_regions; i++) {
		struct vfio_region_info *ri;
		u32 argsz = sizeof(*ri), off;

		ri = calloc(1, argsz);
		if (!ri)
			return -ENOMEM;
		ri->argsz = argsz;
		ri->index = i;
		r = ioctl_errno(fd, VFIO_DEVICE_GET_REGION_INFO, ri);
		/* a region index the device does not implement (mtty's VGA, ROM) */
		if (r == -EINVAL) {
			free(ri);
			continue;
		}
		if (!r && ri->argsz > argsz) {
			argsz = ri->argsz;
			free(ri);
			ri = calloc(1, argsz);
			if (!ri)
				return -ENOMEM;
			ri->argsz = argsz;
			ri->index = i;
			r = ioctl_errno(fd, VFIO_DEVICE_GET_REGION_INFO, ri);
		}
		if (r) {
			free(ri);
			return r;
		}
		off = (ri->flags & VFIO_REGION_INFO_FLAG_CAPS) ? ri->cap_offset : 0;
		while (off && off + sizeof(struct vfio_info_cap_header) <= argsz) {
			struct vfio_info_cap_header *h = (void *)((char *)ri + off);

			if (h->id == VFIO_REGION_INFO_CAP_TYPE &&
			    off + sizeof(struct vfio_region_info_cap_type) <= argsz) {
				struct vfio_region_info_cap_type *t = (void *)h;

				if (t->type == VFIO_REGION_TYPE_MIGRATION_DEPRECATED) {
					free(ri);
					*index = i;
					return 0;
				}
			}
			if (h->next <= off)
				break;
			off = h->next;
		}
		free(ri);
	}
	return -ENOENT;
}
