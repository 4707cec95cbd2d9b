// SPDX-License-Identifier: GPL-2.0-only
/*
 * Cases for the host test of the kernel log check's case wrapper
 * (fixtures/build/test-wrap.sh), not a test itself: every way a case can
 * end (pass, EXPECT, ASSERT, a signal, a skip, a child of the case killed)
 * and a case that writes a splat-shaped line into the kernel log when
 * WRAP_FIXTURE_SPLAT=1, as a TEST_F() (checked in the case's own process)
 * and as a TEST() (checked after a child). With the check and without it,
 * every end but the splat's must be the same.
 */
#include <fcntl.h>

#include "vfio_dirty_test.h"

#define SPLAT_LINE "<4>WARNING: CPU: 0 PID: 0 at wrap_fixture.c:1 (vfio-dirty-selftests host test line)\n"

static void splat(struct __test_metadata *_metadata)
{
	const char *on = getenv("WRAP_FIXTURE_SPLAT");
	int fd;

	if (!on || strcmp(on, "1"))
		return;
	fd = open("/dev/kmsg", O_WRONLY | O_CLOEXEC);
	ASSERT_LE(0, fd) TH_LOG("open /dev/kmsg for writing: %s", strerror(errno));
	ASSERT_EQ((ssize_t)strlen(SPLAT_LINE), write(fd, SPLAT_LINE, strlen(SPLAT_LINE)));
	close(fd);
}

FIXTURE(wrap) {
	int unused;
};

FIXTURE_SETUP(wrap)
{
}

FIXTURE_TEARDOWN(wrap)
{
}

TEST_F(wrap, passes)
{
}

TEST_F(wrap, expect_fails)
{
	EXPECT_EQ(1, 2);
}

TEST_F(wrap, assert_fails)
{
	ASSERT_EQ(1, 2);
	TH_LOG("not reached");
}

TEST_F(wrap, segfaults)
{
	raise(SIGSEGV);
}

TEST_F(wrap, skips)
{
	SKIP(return, "wrap_fixture: a skip");
}

TEST_F(wrap, child_segfaults)
{
	int status;
	pid_t pid;

	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		raise(SIGSEGV);
		_exit(0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFSIGNALED(status));
	ASSERT_EQ(SIGSEGV, WTERMSIG(status));
}

/* A handler the binary had before the harness ran: the case must see it. */
static void xfsz_handler(int sig)
{
	(void)sig;
}

static void __attribute__((constructor)) install_xfsz(void)
{
	signal(SIGXFSZ, xfsz_handler);
}

/* The case's own process runs with the actions it had, not the check's. */
TEST_F(wrap, keeps_the_signal_actions)
{
	struct sigaction sa;

	ASSERT_EQ(0, sigaction(SIGXFSZ, NULL, &sa));
	EXPECT_TRUE(sa.sa_handler == xfsz_handler);
	ASSERT_EQ(0, sigaction(SIGSEGV, NULL, &sa));
	EXPECT_TRUE(sa.sa_handler == SIG_DFL);
}

TEST_F(wrap, splats)
{
	splat(_metadata);
}

TEST_F(wrap, splats_then_asserts)
{
	splat(_metadata);
	ASSERT_EQ(1, 2);
}

TEST(global_passes)
{
}

TEST(global_splats)
{
	splat(_metadata);
}

VFIO_DIRTY_MAIN("Cases of every kind of end, for fixtures/build/test-wrap.sh; some fail by design.")
