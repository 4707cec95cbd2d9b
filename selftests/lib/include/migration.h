/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * VFIO migration v2 seen from user space (spec §9, MIG-01..06): the
 * VFIO_DEVICE_FEATURE_MIGRATION probe, GET/SET of MIG_DEVICE_STATE, the
 * data fd a SET may return, VFIO_MIG_GET_PRECOPY_INFO on it and
 * MIG_DATA_SIZE. Every __mig_*() returns 0 or -errno and never asserts;
 * the asserting forms (mig_*()) exist where the kselftest harness is
 * included.
 *
 * States are plain numbers (MIG_*): the 6.1 uAPI headers the suite may be
 * built with have no PRE_COPY in enum vfio_device_mig_state, and a test
 * must be able to ask for values outside the enum.
 */
#ifndef VFIO_DIRTY_MIGRATION_H
#define VFIO_DIRTY_MIGRATION_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <linux/vfio.h>

#include "types.h"

/* enum vfio_device_mig_state (MIG-01) */
#define MIG_ERROR		0
#define MIG_STOP		1
#define MIG_RUNNING		2
#define MIG_STOP_COPY		3
#define MIG_RESUMING		4
#define MIG_RUNNING_P2P		5
#define MIG_PRE_COPY		6	/* v6.2 */
#define MIG_PRE_COPY_P2P	7	/* v6.2 */
#define MIG_NUM_STATES		8

/* The v6.2 uAPI (4db52602a607), absent from 6.1 headers. */
#ifndef VFIO_MIGRATION_PRE_COPY
#define VFIO_MIGRATION_PRE_COPY		(1 << 2)
#endif
#ifndef VFIO_DEVICE_FEATURE_MIG_DATA_SIZE
struct vfio_device_feature_mig_data_size {
	__aligned_u64 stop_copy_length;
};

#define VFIO_DEVICE_FEATURE_MIG_DATA_SIZE	9
#endif
#ifndef VFIO_MIG_GET_PRECOPY_INFO
struct vfio_precopy_info {
	__u32 argsz;
	__u32 flags;
	__aligned_u64 initial_bytes;
	__aligned_u64 dirty_bytes;
};

#define VFIO_MIG_GET_PRECOPY_INFO	_IO(VFIO_TYPE, VFIO_BASE + 21)
#endif

/* "RUNNING", "PRE_COPY_P2P", ..., or "state N" (a static buffer). */
const char *mig_state_name(u32 state);

/*
 * True when a device whose VFIO_DEVICE_FEATURE_MIGRATION flags are
 * @mig_flags has @state: state_flags_table of vfio_mig_get_next_state()
 * (ERROR is never one a user may ask for, so false).
 */
bool mig_state_supported(u64 mig_flags, u32 state);

/*
 * VFIO_DEVICE_FEATURE_MIGRATION GET: the device's migration flags
 * (VFIO_MIGRATION_STOP_COPY, _P2P, _PRE_COPY). -ENOTTY: no mig_ops.
 */
int __mig_probe(int fd, u64 *mig_flags);

/* MIG_DEVICE_STATE GET into @state. */
int __mig_get_state(int fd, u32 *state);

/*
 * MIG_DEVICE_STATE SET to @state. @data_fd gets the data fd the kernel
 * returned, or -1; on a failure it gets the data_fd field the kernel copied
 * back (MIG-02: -1), and the caller GETs to learn the state.
 */
int __mig_set_state(int fd, u32 state, int *data_fd);

/* MIG_DATA_SIZE GET: the driver's estimate of the STOP_COPY length. */
int __mig_data_size(int fd, u64 *len);

/* VFIO_MIG_GET_PRECOPY_INFO on a data fd. */
int __mig_precopy_info(int data_fd, struct vfio_precopy_info *info);

/*
 * Reads the data fd until it returns 0 (its end), into @buf of @cap
 * bytes, in chunks of @chunk bytes (0: as much as fits). Returns the
 * number of bytes read, -ENOSPC when the stream is longer than @cap, or
 * the -errno of the failing read.
 */
ssize_t __mig_read_all(int data_fd, void *buf, size_t cap, size_t chunk);

/* Writes all of @buf to the data fd; 0, -EIO on a short write, or -errno. */
int __mig_write_all(int data_fd, const void *buf, size_t len);

/*
 * The region of VFIO_REGION_TYPE_MIGRATION_DEPRECATED (the v1 protocol's
 * region) among the device's regions: its index in @index, 0; -ENOENT when
 * no region carries that type; or the -errno of GET_INFO / GET_REGION_INFO.
 */
int __mig_v1_region(int fd, u32 *index);

#ifdef __KSELFTEST_HARNESS_H
/* The asserting forms: the test stops when the call fails. */
#define mig_get_state(fd) ({							\
	u32 __st = ~0U;								\
	ASSERT_EQ(0, __mig_get_state(fd, &__st));				\
	__st; })
/* SET that must succeed; returns the data fd or -1. */
#define mig_set_state(fd, state) ({						\
	int __dfd = -1;								\
	ASSERT_EQ(0, __mig_set_state(fd, state, &__dfd))			\
		TH_LOG("SET %s", mig_state_name(state));			\
	__dfd; })
#define mig_data_size(fd) ({							\
	u64 __len = 0;								\
	ASSERT_EQ(0, __mig_data_size(fd, &__len));				\
	__len; })
#define mig_read_all(data_fd, buf, cap) ({					\
	ssize_t __n = __mig_read_all(data_fd, buf, cap, 0);			\
	ASSERT_LE(0, __n);							\
	__n; })
#define mig_write_all(data_fd, buf, len)					\
	ASSERT_EQ(0, __mig_write_all(data_fd, buf, len))
#endif

#endif
