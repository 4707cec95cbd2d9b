/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Running a step of a test in a forked child: the step runs in another
 * process (another mm, other credentials) with the test's fds inherited,
 * and its result comes back through a pipe. The step never uses the
 * harness: the parent asserts on what it returned.
 */
#ifndef VFIO_DIRTY_CHILD_H
#define VFIO_DIRTY_CHILD_H

#include <stddef.h>

/*
 * A step: fills @out (zeroed before the call) and returns 0, or
 * a negative errno when the step itself could not be carried out.
 */
typedef int (*child_fn)(void *arg, void *out);

/*
 * Forks; the child runs @fn(@arg, @out), sends its return value and
 * @out back, and exits. Returns @fn's return value, or -errno when the fork,
 * the pipe or the child failed (a child killed by a signal: -EINTR).
 */
int __child_run(child_fn fn, void *arg, void *out, size_t len);

#endif
