/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The kernel memory VFIO allocates, before and after a test repeats a call
 * that fails: a leak of one allocation per failed call shows as a growth of
 * at least the number of calls in one of
 *   - the /proc/vmallocinfo entries allocated by vfio or iommufd code (a
 *     bitmap of START is one, DP-LIM-05),
 *   - the active objects of a slab cache of /proc/slabinfo (a vfio_dma, a
 *     group or a bitmap page: the kmalloc-* caches included),
 * or as locked_vm (VmLck) that does not come back. VmallocUsed is reported
 * with them.
 */
#ifndef VFIO_DIRTY_LEAK_H
#define VFIO_DIRTY_LEAK_H

#include <stddef.h>

#define LEAK_MAX_CACHES	512

struct leak_snap {
	long vmalloc_used_kb;	/* /proc/meminfo VmallocUsed */
	long vfio_vmallocs;	/* /proc/vmallocinfo entries of vfio/iommufd callers */
	long vfio_vmalloc_bytes;
	long locked_kb;		/* this process's VmLck */
	int ncaches;		/* -1: /proc/slabinfo not readable */
	struct {
		char name[64];
		long active;
	} cache[LEAK_MAX_CACHES];
};

/* Reads every figure; returns 0, or -errno when /proc/meminfo cannot be read. */
int __leak_snap(struct leak_snap *s);

/*
 * Compares @after with @before for @calls repeated calls: returns 0, or 1
 * with @msg naming what grew by @calls or more (VmLck: by anything).
 */
int leak_compare(const struct leak_snap *before, const struct leak_snap *after, long calls,
		 char *msg, size_t len);

/*
 * Runs @call(@arg) once (the first call may allocate for good: a cache's
 * first slab), snapshots, runs it @calls times, snapshots again and
 * compares. Returns leak_compare()'s answer, or -errno when a snapshot
 * failed; *@last gets the last call's return value.
 */
int leak_repeat(int (*call)(void *arg), void *arg, long calls, int *last,
		char *msg, size_t len);

#endif
