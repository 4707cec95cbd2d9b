/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Walker for the capability chain of VFIO_IOMMU_GET_INFO. Offsets come only
 * from the kernel's cap_offset and header.next (DP-CAP-07).
 */
#ifndef VFIO_DIRTY_INFO_CAPS_H
#define VFIO_DIRTY_INFO_CAPS_H

#include <stddef.h>
#include "types.h"
#include <linux/vfio.h>

#define INFO_CAPS_MAX	16

struct info_cap_entry {
	u32 offset;
	u16 id;
	u16 version;
};

/*
 * Walks the chain of @info, which has @len valid bytes. Fills up to
 * INFO_CAPS_MAX entries in order. Returns the number of capabilities, or
 * -EINVAL when the chain is malformed: an offset that points before the end
 * of the info header or of the previous capability, or a header that does
 * not fit in @len. A chain that loops is malformed by that rule.
 */
int info_caps_walk(const void *info, size_t len, struct info_cap_entry *caps, int max);

/*
 * Pointer to the first capability with @id whose @cap_size bytes lie within
 * @len, or NULL.
 */
const struct vfio_info_cap_header *info_cap_find(const void *info, size_t len, u16 id,
						 size_t cap_size);

#endif
