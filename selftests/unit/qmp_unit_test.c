// SPDX-License-Identifier: GPL-2.0-only
/*
 * Host-side tests of lib/qmp.c and lib/qemu.c without a QEMU: the JSON field
 * reader, the QMP client against a fake server on a unix socket (greeting,
 * qmp_capabilities, events before an answer, an error answer, a server that
 * hangs up or never answers), and the process helpers against sh scripts
 * (version, exit status, log tail, kill and reap).
 */
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>

#include "vfio_dirty_test.h"
#include "qemu.h"
#include "qmp.h"

TEST(field_reader)
{
	static const char j[] =
		"{\"return\": {\"status\": \"active\", \"ram\": {\"dirty-sync-count\": 17, \"total\": 67108864}, \"error-desc\": \"a \\\"quoted\\\" word\"}}";
	unsigned long long v = 0;
	char buf[64];

	ASSERT_EQ(0, qmp_field(j, "status", buf, sizeof(buf)));
	EXPECT_STREQ("active", buf);
	ASSERT_EQ(0, qmp_field_u64(j, "dirty-sync-count", &v));
	EXPECT_EQ(17, v);
	ASSERT_EQ(0, qmp_field_u64(j, "total", &v));
	EXPECT_EQ(67108864ULL, v);
	ASSERT_EQ(0, qmp_field(j, "error-desc", buf, sizeof(buf)));
	EXPECT_STREQ("a \"quoted\" word", buf);
	EXPECT_EQ(-ENOENT, qmp_field(j, "missing", buf, sizeof(buf)));
	EXPECT_EQ(-EINVAL, qmp_field_u64(j, "status", &v));
	/* a key that appears as a value first is not taken for the member */
	ASSERT_EQ(0, qmp_field("{\"a\": \"status\", \"status\": \"completed\"}", "status", buf,
			       sizeof(buf)));
	EXPECT_STREQ("completed", buf);
	/* truncated to the buffer, NUL-terminated */
	ASSERT_EQ(0, qmp_field(j, "status", buf, 4));
	EXPECT_STREQ("act", buf);
}

/* The fake server's script: what it sends after each line it reads. */
struct fake {
	char dir[64];
	char path[96];
	pid_t pid;
};

static void serve(int lfd, const char *const *answers)
{
	char line[4096];
	ssize_t n;
	int fd = accept(lfd, NULL, NULL);
	int i;

	if (fd < 0)
		_exit(1);
	if (write(fd, "{\"QMP\": {\"version\": {}, \"capabilities\": []}}\r\n", 46) != 46)
		_exit(1);
	for (i = 0; answers[i]; i++) {
		n = read(fd, line, sizeof(line));
		if (n <= 0)
			_exit(0);
		if (!strcmp(answers[i], "HANGUP"))
			_exit(0);
		if (!strcmp(answers[i], "SILENT")) {
			sleep(5);
			_exit(0);
		}
		if (write(fd, answers[i], strlen(answers[i])) < 0)
			_exit(1);
	}
	sleep(1);
	_exit(0);
}

static int fake_start(struct fake *f, const char *const *answers)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	int lfd;

	snprintf(f->dir, sizeof(f->dir), "/tmp/qmp_unit.XXXXXX");
	if (!mkdtemp(f->dir))
		return -errno;
	snprintf(f->path, sizeof(f->path), "%s/qmp", f->dir);
	snprintf(a.sun_path, sizeof(a.sun_path), "%s", f->path);
	lfd = socket(AF_UNIX, SOCK_STREAM, 0);
	if (lfd < 0 || bind(lfd, (struct sockaddr *)&a, sizeof(a)) || listen(lfd, 1))
		return -errno;
	f->pid = fork();
	if (!f->pid)
		serve(lfd, answers);
	close(lfd);
	return f->pid < 0 ? -errno : 0;
}

static void fake_stop(struct fake *f)
{
	if (f->pid > 0) {
		kill(f->pid, SIGKILL);
		waitpid(f->pid, NULL, 0);
	}
	unlink(f->path);
	rmdir(f->dir);
}

TEST(client_events_and_errors)
{
	static const char *const answers[] = {
		"{\"return\": {}}\r\n",
		"{\"event\": \"STOP\", \"timestamp\": {}}\r\n"
		"{\"event\": \"MIGRATION\", \"data\": {\"status\": \"active\"}}\r\n"
		"{\"return\": {\"status\": \"completed\"}}\r\n",
		"{\"error\": {\"class\": \"GenericError\", \"desc\": \"no such thing\"}}\r\n",
		"HANGUP",
		NULL,
	};
	struct fake f = { 0 };
	struct qmp q;
	char reply[256], st[32];

	ASSERT_EQ(0, fake_start(&f, answers));
	ASSERT_EQ(0, __qmp_connect(&q, f.path, 5000)) TH_LOG("%s", q.error);
	ASSERT_EQ(0, __qmp_exec(&q, "{\"execute\": \"query-migrate\"}\n", reply, sizeof(reply),
				5000)) TH_LOG("%s", q.error);
	ASSERT_EQ(0, qmp_field(reply, "status", st, sizeof(st)));
	EXPECT_STREQ("completed", st);
	EXPECT_TRUE(qmp_event_seen(&q, "STOP"));
	EXPECT_TRUE(qmp_event_seen(&q, "MIGRATION"));
	EXPECT_FALSE(qmp_event_seen(&q, "MIGRATION_PASS"));
	EXPECT_EQ(-EREMOTEIO, __qmp_exec(&q, "{\"execute\": \"nope\"}\n", reply, sizeof(reply),
					 5000));
	EXPECT_NE(NULL, strstr(q.error, "no such thing"));
	EXPECT_EQ(-ECONNRESET, __qmp_exec(&q, "{\"execute\": \"x\"}\n", reply, sizeof(reply),
					  5000));
	qmp_close(&q);
	fake_stop(&f);
}

TEST(client_timeout_and_no_socket)
{
	static const char *const answers[] = { "{\"return\": {}}\r\n", "SILENT", NULL };
	struct fake f = { 0 };
	struct qmp q;
	char reply[64];
	long long t;

	ASSERT_EQ(0, fake_start(&f, answers));
	ASSERT_EQ(0, __qmp_connect(&q, f.path, 5000)) TH_LOG("%s", q.error);
	t = qemu_now_ms();
	EXPECT_EQ(-ETIMEDOUT, __qmp_exec(&q, "{\"execute\": \"x\"}\n", reply, sizeof(reply), 300));
	EXPECT_GE(qemu_now_ms() - t, 290);
	EXPECT_LT(qemu_now_ms() - t, 3000);
	qmp_close(&q);
	fake_stop(&f);
	/* no server at all: a bounded retry, then the errno */
	t = qemu_now_ms();
	EXPECT_EQ(-ENOENT, __qmp_connect(&q, "/tmp/qmp_unit.none/qmp", 200));
	EXPECT_LT(qemu_now_ms() - t, 3000);
}

/* An executable sh script at @path. */
static int script(const char *path, const char *body)
{
	FILE *f = fopen(path, "w");

	if (!f)
		return -errno;
	fprintf(f, "#!/bin/sh\n%s\n", body);
	fclose(f);
	return chmod(path, 0700) ? -errno : 0;
}

TEST(process_helpers)
{
	char dir[] = "/tmp/qemu_unit.XXXXXX", bin[64], log[64], buf[128], how[32];
	char *argv[3];
	struct qemu_proc q;

	ASSERT_NE(NULL, mkdtemp(dir));
	snprintf(bin, sizeof(bin), "%s/qemu", dir);
	snprintf(log, sizeof(log), "%s/log", dir);
	ASSERT_EQ(0, script(bin, "[ \"$1\" = --version ] && echo 'QEMU emulator version 10.0.2 (x)' && exit 0\n"
			    "echo started; echo oops >&2; exit 3"));
	EXPECT_EQ(1000, __qemu_version(bin, log));
	argv[0] = bin;
	argv[1] = NULL;
	ASSERT_EQ(0, __qemu_spawn(&q, argv, log));
	EXPECT_EQ(0, __qemu_wait(&q, 5000));
	qemu_exit_desc(&q, how, sizeof(how));
	EXPECT_STREQ("exit status 3", how);
	qemu_log_tail(&q, buf, sizeof(buf));
	EXPECT_STREQ("started\noops\n", buf);
	qemu_log_tail(&q, buf, 6);
	EXPECT_STREQ("oops\n", buf);
	/* a process that does not end: killed and reaped */
	ASSERT_EQ(0, script(bin, "exec sleep 30"));
	ASSERT_EQ(0, __qemu_spawn(&q, argv, log));
	EXPECT_EQ(-ETIMEDOUT, __qemu_wait(&q, 100));
	EXPECT_TRUE(qemu_alive(&q));
	qemu_kill(&q);
	EXPECT_FALSE(qemu_alive(&q));
	qemu_exit_desc(&q, how, sizeof(how));
	EXPECT_STREQ("signal 9", how);
	/* a binary that cannot run: the exec's errno */
	argv[0] = "/nonexistent/qemu";
	EXPECT_EQ(-ENOENT, __qemu_spawn(&q, argv, log));
	EXPECT_FALSE(qemu_alive(&q));
	EXPECT_EQ(-ENOENT, __qemu_version("/nonexistent/qemu", log));
	unlink(bin);
	unlink(log);
	rmdir(dir);
}

VFIO_DIRTY_MAIN("qmp_unit_test: host-side tests of the QMP client (lib/qmp.c) against a fake\n"
		"server and of the QEMU process helpers (lib/qemu.c) against sh scripts.\n"
		"Needs no QEMU and no VFIO.")
