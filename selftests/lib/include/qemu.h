/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A QEMU process a test starts: its argv, its log file (stdout and stderr),
 * killed and reaped on every exit path (also when the test process dies:
 * the child asks for SIGKILL on its parent's death).
 */
#ifndef VFIO_DIRTY_QEMU_H
#define VFIO_DIRTY_QEMU_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define QEMU_ARGS_MAX	48

struct qemu_proc {
	pid_t pid;		/* 0: not running */
	int status;		/* waitpid() status once reaped */
	bool reaped;
	char log[256];		/* its stdout and stderr */
};

/*
 * Starts @argv (NULL-terminated, argv[0] the binary's path) with stdin
 * from /dev/null and its output in @log. 0 or -errno (the exec's errno
 * when the binary cannot run).
 */
int __qemu_spawn(struct qemu_proc *q, char *const argv[], const char *log);

/* True while the process has not exited (reaps it when it has). */
bool qemu_alive(struct qemu_proc *q);

/*
 * Waits up to @timeout_ms for the process to exit by itself; 0 when it
 * did, -ETIMEDOUT when it is still running.
 */
int __qemu_wait(struct qemu_proc *q, int timeout_ms);

/* SIGKILL and reap; a no-op when it is not running. */
void qemu_kill(struct qemu_proc *q);

/* A line saying how it ended ("exit status 1", "signal 9", "running"). */
void qemu_exit_desc(struct qemu_proc *q, char *buf, size_t len);

/* The last @max bytes of its log, NUL-terminated, into @buf (@len bytes). */
void qemu_log_tail(const struct qemu_proc *q, char *buf, size_t len);

/*
 * The version @binary reports with --version (its output in @log):
 * major * 100 + minor (1002 for 10.0.2), or -errno.
 */
int __qemu_version(const char *binary, const char *log);

/* Milliseconds on CLOCK_MONOTONIC. */
long long qemu_now_ms(void);

#endif
