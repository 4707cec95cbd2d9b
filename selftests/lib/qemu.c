// SPDX-License-Identifier: GPL-2.0-only
/*
 * A QEMU child process: spawned with its log, killed and reaped.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "qemu.h"

long long qemu_now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000LL + t.tv_nsec / 1000000;
}

/* In the child: never returns; the exec's errno goes back through @efd. */
static void child(char *const argv[], int logfd, int efd, pid_t parent)
{
	int null = open("/dev/null", O_RDONLY);
	int e;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(127);
	if (null < 0 || dup2(null, 0) < 0 || dup2(logfd, 1) < 0 || dup2(logfd, 2) < 0) {
		e = errno;
	} else {
		execv(argv[0], argv);
		e = errno;
	}
	if (write(efd, &e, sizeof(e)) < 0)
		_exit(126);
	_exit(127);
}

int __qemu_spawn(struct qemu_proc *q, char *const argv[], const char *log)
{
	pid_t parent = getpid();
	int logfd, p[2], e = 0, r = 0;
	ssize_t n;

	memset(q, 0, sizeof(*q));
	snprintf(q->log, sizeof(q->log), "%s", log);
	logfd = open(log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (logfd < 0)
		return -errno;
	if (pipe2(p, O_CLOEXEC)) {
		r = -errno;
		close(logfd);
		return r;
	}
	fflush(NULL);
	q->pid = fork();
	if (q->pid < 0) {
		r = -errno;
		q->pid = 0;
	} else if (!q->pid) {
		child(argv, logfd, p[1], parent);
	}
	close(p[1]);
	close(logfd);
	if (q->pid > 0) {
		/* EOF at exec (CLOEXEC), else the exec's errno */
		n = read(p[0], &e, sizeof(e));
		if (n == sizeof(e)) {
			r = -e;
			qemu_kill(q);
		}
	}
	close(p[0]);
	return r;
}

bool qemu_alive(struct qemu_proc *q)
{
	pid_t r;

	if (!q->pid || q->reaped)
		return false;
	r = waitpid(q->pid, &q->status, WNOHANG);
	if (r == q->pid || (r < 0 && errno == ECHILD)) {
		q->reaped = true;
		return false;
	}
	return true;
}

int __qemu_wait(struct qemu_proc *q, int timeout_ms)
{
	long long end = qemu_now_ms() + timeout_ms;

	while (qemu_alive(q)) {
		if (qemu_now_ms() >= end)
			return -ETIMEDOUT;
		usleep(20000);
	}
	return 0;
}

void qemu_kill(struct qemu_proc *q)
{
	if (!q->pid || q->reaped)
		return;
	kill(q->pid, SIGKILL);
	while (waitpid(q->pid, &q->status, 0) < 0 && errno == EINTR)
		;
	q->reaped = true;
}

void qemu_exit_desc(struct qemu_proc *q, char *buf, size_t len)
{
	if (!q->pid)
		snprintf(buf, len, "not started");
	else if (qemu_alive(q))
		snprintf(buf, len, "running");
	else if (WIFEXITED(q->status))
		snprintf(buf, len, "exit status %d", WEXITSTATUS(q->status));
	else if (WIFSIGNALED(q->status))
		snprintf(buf, len, "signal %d", WTERMSIG(q->status));
	else
		snprintf(buf, len, "status 0x%x", q->status);
}

void qemu_log_tail(const struct qemu_proc *q, char *buf, size_t len)
{
	ssize_t n = 0;
	off_t end;
	int fd;

	buf[0] = 0;
	if (!len)
		return;
	fd = open(q->log, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	end = lseek(fd, 0, SEEK_END);
	if (end > 0) {
		off_t from = end > (off_t)len - 1 ? end - ((off_t)len - 1) : 0;

		n = pread(fd, buf, len - 1, from);
	}
	buf[n > 0 ? n : 0] = 0;
	close(fd);
}

int __qemu_version(const char *binary, const char *log)
{
	char version[] = "--version";
	char *argv[3];
	struct qemu_proc q;
	char out[512];
	const char *s;
	int major, minor, r;

	argv[0] = (char *)binary;
	argv[1] = version;
	argv[2] = NULL;
	r = __qemu_spawn(&q, argv, log);
	if (r)
		return r;
	if (__qemu_wait(&q, 30000)) {
		qemu_kill(&q);
		return -ETIMEDOUT;
	}
	qemu_log_tail(&q, out, sizeof(out));
	s = strstr(out, "version ");
	if (!s || sscanf(s, "version %d.%d", &major, &minor) != 2)
		return -EPROTO;
	return major * 100 + minor;
}
