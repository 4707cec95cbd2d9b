// SPDX-License-Identifier: GPL-2.0-only
/*
 * __child_run(): a step of a test in a forked child, its answer through a pipe.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "child.h"

static int write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= n;
	}
	return 0;
}

/* 0 when all @len bytes arrived, -EPIPE when the child stopped short. */
static int read_all(int fd, void *buf, size_t len)
{
	char *p = buf;

	while (len) {
		ssize_t n = read(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return -EPIPE;
		p += n;
		len -= n;
	}
	return 0;
}

static void child(int wfd, child_fn fn, void *arg, void *out, size_t len)
{
	int32_t ret;

	memset(out, 0, len);
	ret = fn(arg, out);
	if (write_all(wfd, &ret, sizeof(ret)) || write_all(wfd, out, len))
		_exit(1);
	_exit(0);
}

int __child_run(child_fn fn, void *arg, void *out, size_t len)
{
	int32_t ret = 0;
	int p[2], status, r;
	pid_t pid;

	if (pipe(p))
		return -errno;
	pid = fork();
	if (pid < 0) {
		r = -errno;
		close(p[0]);
		close(p[1]);
		return r;
	}
	if (!pid) {
		close(p[0]);
		child(p[1], fn, arg, out, len);
	}
	close(p[1]);
	r = read_all(p[0], &ret, sizeof(ret));
	if (!r)
		r = read_all(p[0], out, len);
	close(p[0]);
	if (waitpid(pid, &status, 0) != pid)
		return -errno;
	if (WIFSIGNALED(status))
		return -EINTR;
	if (r)
		return r;
	if (WEXITSTATUS(status))
		return -EPIPE;
	return ret;
}
