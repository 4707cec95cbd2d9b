/* SPDX-License-Identifier: GPL-2.0-only */
/* The kernel's short integer type names, as tools/include provides them. */
#ifndef VFIO_DIRTY_TYPES_H
#define VFIO_DIRTY_TYPES_H

#include <linux/types.h>

typedef __u8 u8;
typedef __u16 u16;
typedef __u32 u32;
typedef __u64 u64;
typedef __s32 s32;
typedef __s64 s64;

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#endif

#endif
