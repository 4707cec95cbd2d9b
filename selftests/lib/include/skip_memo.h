/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What an earlier case of the same binary found absent, for the cases
 * after it. The harness forks every case from one parent, so a case's own
 * memory dies with it; this is a page mapped shared before the first fork.
 * For a set-up that has to open and ask every named device before it can
 * say that none has a feature: the first case of a variant asks the kernel,
 * the others SKIP with its answer, which does not change while the devices
 * stay bound. Only absence is remembered; a device that is found is opened
 * by every case.
 */
#ifndef VFIO_DIRTY_SKIP_MEMO_H
#define VFIO_DIRTY_SKIP_MEMO_H

/* The reason recorded for @key (a fixture variant), or NULL. */
const char *skip_memo_find(const void *key);
/* Records @reason for @key; without room or the shared page, nothing. */
void skip_memo_add(const void *key, const char *reason);

#endif
