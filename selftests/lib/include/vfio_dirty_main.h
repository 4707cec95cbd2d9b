/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The harness-free half of every test binary's main() (lib/main.c); the
 * other half is VFIO_DIRTY_MAIN() in vfio_dirty_test.h.
 */
#ifndef VFIO_DIRTY_MAIN_H
#define VFIO_DIRTY_MAIN_H

#include <stddef.h>

/*
 * Handles --help (prints @help and the usage, returns 0) and the device
 * arguments (a malformed one: a message and "Bail out!", returns 1 =
 * KSFT_FAIL); returns -1 when the harness should run, with *@argc the
 * arguments left for it.
 */
int vfio_dirty_main(int *argc, char **argv, const char *help);

/*
 * The exit status of a run from the harness's counts (contract 3): 1 on any
 * failure, unexpected pass or error, and when no case ran at all (a
 * selection that matches nothing); 4 (KSFT_SKIP) when every case skipped;
 * else 0. @msg gets a line that says why for 1 and 4, "" for 0.
 */
int vfio_dirty_exit_status(unsigned int pass, unsigned int fail, unsigned int xfail,
			   unsigned int xpass, unsigned int skip, unsigned int error,
			   char *msg, size_t msg_len);

#endif
