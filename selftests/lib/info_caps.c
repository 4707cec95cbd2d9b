// SPDX-License-Identifier: GPL-2.0-only
/*
 * Capability chain walker for VFIO_IOMMU_GET_INFO. The chain is only as
 * trustworthy as the kernel that wrote it, so every offset is bounds-checked
 * and must move forward.
 */
#include <errno.h>
#include <string.h>

#include "info_caps.h"

int info_caps_walk(const void *info, size_t len, struct info_cap_entry *caps, int max)
{
	const struct vfio_iommu_type1_info *hdr = info;
	const struct vfio_info_cap_header *cap;
	size_t off, min_next;
	int n = 0;

	if (len < sizeof(*hdr))
		return -EINVAL;
	if (!(hdr->flags & VFIO_IOMMU_INFO_CAPS) || !hdr->cap_offset)
		return 0;

	off = hdr->cap_offset;
	min_next = sizeof(*hdr);
	while (off) {
		if (off < min_next || off > len || len - off < sizeof(*cap))
			return -EINVAL;
		cap = (const void *)((const char *)info + off);
		if (n < max && caps) {
			caps[n].offset = off;
			caps[n].id = cap->id;
			caps[n].version = cap->version;
		}
		n++;
		min_next = off + sizeof(*cap);
		off = cap->next;
	}
	return n;
}

const struct vfio_info_cap_header *info_cap_find(const void *info, size_t len, u16 id,
						 size_t cap_size)
{
	struct info_cap_entry caps[INFO_CAPS_MAX];
	int n, i;

	n = info_caps_walk(info, len, caps, INFO_CAPS_MAX);
	for (i = 0; i < n && i < INFO_CAPS_MAX; i++) {
		if (caps[i].id == id && caps[i].offset + cap_size <= len)
			return (const void *)((const char *)info + caps[i].offset);
	}
	return NULL;
}
