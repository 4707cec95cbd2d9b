/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What every test binary includes: the kselftest harness, the library, its
 * harness glue (vfio_dirty_harness.h), the variant stamps of the IOMMU-mode
 * axis, and the common main().
 */
#ifndef VFIO_DIRTY_TEST_H
#define VFIO_DIRTY_TEST_H

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"

#include "backing.h"
#include "bitmap.h"
#include "container.h"
#include "device.h"
#include "host.h"
#include "info_caps.h"
#include "kmsg.h"
#include "layout.h"
#include "testenv.h"
#include "vdm.h"
#include "vfio_dirty_harness.h"
#include "vfio_dirty_main.h"

#ifndef offsetofend
#define offsetofend(type, member) (offsetof(type, member) + sizeof(((type *)0)->member))
#endif

/*
 * The IOMMU-mode axis, only where its subject exists. Type1 dirty tracking
 * exists in type1v2 alone, so the fixtures whose subject it is run there
 * (FOR_EACH_TRACKING_MODE); the other modes' refusal of it is checked once,
 * by the refusal fixture of dirty_iommu_backed_test. The fixtures that check
 * real data in every mode (caps, device DMA) stamp all of them. Variants are
 * named after the mode first: "type1v2_iommu_thp".
 */
#define FOR_EACH_IOMMU_MODE(X, ...)						\
	X(__VA_ARGS__, type1v2, IOMMU_MODE_TYPE1V2)				\
	X(__VA_ARGS__, type1, IOMMU_MODE_TYPE1)					\
	X(__VA_ARGS__, iommufd_compat, IOMMU_MODE_IOMMUFD_COMPAT)		\
	X(__VA_ARGS__, iommufd, IOMMU_MODE_IOMMUFD)
#define FOR_EACH_TRACKING_MODE(X, ...)						\
	X(__VA_ARGS__, type1v2, IOMMU_MODE_TYPE1V2)

/* One FIXTURE_VARIANT per IOMMU mode: .mode. */
#define __MODE_VARIANT(fixture, m, M)						\
	FIXTURE_VARIANT_ADD(fixture, m) { .mode = M };
#define FIXTURE_VARIANT_ADD_ALL_IOMMU_MODES(fixture)				\
	FOR_EACH_IOMMU_MODE(__MODE_VARIANT, fixture)
/* The same for the modes with type1 dirty tracking: "type1v2". */
#define FIXTURE_VARIANT_ADD_TRACKING_MODES(fixture)				\
	FOR_EACH_TRACKING_MODE(__MODE_VARIANT, fixture)

/*
 * One FIXTURE_VARIANT per tracking mode and container kind: .mode and
 * .kind ("type1v2_iommu", "type1v2_emulated").
 */
#define __MODE_KIND_VARIANT(fixture, m, M)					\
	FIXTURE_VARIANT_ADD(fixture, m##_iommu) { .mode = M, .kind = DEVICE_PCI };	\
	FIXTURE_VARIANT_ADD(fixture, m##_emulated) { .mode = M, .kind = DEVICE_MDEV };
#define FIXTURE_VARIANT_ADD_ALL_KINDS(fixture)					\
	FOR_EACH_TRACKING_MODE(__MODE_KIND_VARIANT, fixture)

/* One FIXTURE_VARIANT per tracking mode and backing: .mode and .backing. */
#define __MODE_BACKING_VARIANT(fixture, m, M, name, b)				\
	FIXTURE_VARIANT_ADD(fixture, m##_##name) { .mode = M, .backing = b };
#define __MODE_BACKINGS(fixture, m, M)						\
	FOR_EACH_BACKING(__MODE_BACKING_VARIANT, fixture, m, M)
#define FIXTURE_VARIANT_ADD_ALL_BACKINGS(fixture)				\
	FOR_EACH_TRACKING_MODE(__MODE_BACKINGS, fixture)

/* One FIXTURE_VARIANT per tracking mode, container kind and backing. */
#define __MODE_KIND_BACKING_VARIANT(fixture, m, M, name, b)			\
	FIXTURE_VARIANT_ADD(fixture, m##_iommu_##name) {			\
		.mode = M, .kind = DEVICE_PCI, .backing = b };			\
	FIXTURE_VARIANT_ADD(fixture, m##_emulated_##name) {			\
		.mode = M, .kind = DEVICE_MDEV, .backing = b };
#define __MODE_KINDS_BACKINGS(fixture, m, M)					\
	FOR_EACH_BACKING(__MODE_KIND_BACKING_VARIANT, fixture, m, M)
#define FIXTURE_VARIANT_ADD_ALL_KINDS_AND_BACKINGS(fixture)			\
	FOR_EACH_TRACKING_MODE(__MODE_KINDS_BACKINGS, fixture)

/*
 * test_harness_run() ends the process itself, through ksft_exit(), whose
 * status says only "nothing failed". This runs last, in the harness's own
 * process (the test children _exit()), reads the counts kselftest.h kept in
 * this translation unit and replaces the status with the contract's.
 */
static pid_t __vfio_dirty_harness_pid;

static void __vfio_dirty_exit(void)
{
	char msg[160] = "";
	int status;

	if (getpid() != __vfio_dirty_harness_pid)
		return;
	status = vfio_dirty_exit_status(ksft_cnt.ksft_pass, ksft_cnt.ksft_fail,
					ksft_cnt.ksft_xfail, ksft_cnt.ksft_xpass,
					ksft_cnt.ksft_xskip, ksft_cnt.ksft_error,
					msg, sizeof(msg));
	if (msg[0])
		printf("# %s\n", msg);
	fflush(NULL);
	_exit(status);
}

/*
 * The kernel log and taint check of every case (kmsg.h): each case's
 * function is wrapped, in the harness's process before the run, by one that
 * marks the kernel log, runs the case, then fails it on a splat it caused
 * that selftests/splats does not expect, or on a change of the taint, with
 * the kernel's lines. The case's end is passed on unchanged: its exit status,
 * and a signal or an ASSERT's abort() once the check has run.
 *
 * A TEST_F() under a harness that runs the fixture in a grandchild of its own
 * (the one with FIXTURE_TEARDOWN_PARENT, 6.9 on) has ended, its files closed,
 * when the harness's function returns or forwards the grandchild's signal or
 * abort()s: the check runs in the case's process, from a handler of that
 * signal if need be; both are raised synchronously by the harness, never in
 * the middle of a library call. Otherwise (TEST(), an older harness) the
 * case runs in a child of the check, so that its files are closed first.
 */
typedef void (*__vfio_dirty_case_fn)(struct __test_metadata *, struct __fixture_variant_metadata *);

static struct {
	struct __test_metadata *t;
	__vfio_dirty_case_fn fn;
} *__vfio_dirty_cases;
static size_t __vfio_dirty_ncases;
static struct kmsg_rules __vfio_dirty_kmsg;
static char __vfio_dirty_release[128];

/* The check a signal handler still owes: the case's process, its mark. */
static struct {
	pid_t pid;
	struct __test_metadata *t;
	struct kmsg_mark mark;
	const char *name;
} __vfio_dirty_pending;

/*
 * VFIO_DIRTY_CASE_TIMES=1: each case's wall time, from its mark to its
 * check (set-up, the case, teardown and the harness's grandchild), as a
 * "# NAME: time: S s" diagnostic; fixtures/lab/case-times.sh reads it.
 */
static bool __vfio_dirty_case_times;
static struct timespec __vfio_dirty_case_t0;

/* The signals a case's process ends by, other than SIGKILL. */
static const int __vfio_dirty_fatal[] = {
	SIGABRT, SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGTRAP, SIGSYS, SIGTERM, SIGXCPU, SIGXFSZ,
};
/* Their actions before the check's (the default, or a sanitizer's handler). */
static struct sigaction __vfio_dirty_old[ARRAY_SIZE(__vfio_dirty_fatal)];

static void __vfio_dirty_restore_signals(void)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(__vfio_dirty_fatal); i++)
		sigaction(__vfio_dirty_fatal[i], &__vfio_dirty_old[i], NULL);
}

/*
 * In a child forked while a check is owed (the harness's grandchild, a
 * child of the case): the actions the case had, so that a crash there
 * ends as it would without the check (and a sanitizer still reports it).
 */
static void __vfio_dirty_atfork_child(void)
{
	if (!__vfio_dirty_pending.t)
		return;
	__vfio_dirty_pending.t = NULL;
	__vfio_dirty_restore_signals();
}

static void __vfio_dirty_kmsg_report(struct __test_metadata *t, const struct kmsg_scan *s,
				     bool taint_changed, unsigned long t0, unsigned long t1)
{
	char f0[32], f1[32];
	int i;

	if (s->bad) {
		fprintf(TH_LOG_STREAM, "# %s: the kernel logged %u splat(s) during this case:\n",
			t->name, s->bad);
		for (i = 0; i < s->nreport; i++)
			fprintf(TH_LOG_STREAM, "# kernel: %s\n", s->report[i]);
	}
	if (taint_changed)
		fprintf(TH_LOG_STREAM, "# %s: kernel taint changed from %lu (%s) to %lu (%s)\n",
			t->name, t0, kmsg_taint_flags(t0, f0, sizeof(f0)), t1,
			kmsg_taint_flags(t1, f1, sizeof(f1)));
}

/* Scans the kernel log since @mark; fails @t and returns true on a finding. */
static bool __vfio_dirty_case_check(struct __test_metadata *t, struct kmsg_mark *mark,
				    const char *name)
{
	struct kmsg_scan scan;
	unsigned long taint;
	bool taint_changed;

	kmsg_scan_init(&scan, &__vfio_dirty_kmsg, __vfio_dirty_release,
		       program_invocation_short_name, name);
	kmsg_mark_scan(mark, &scan, &taint);
	if (__vfio_dirty_case_times) {
		struct timespec t1;

		clock_gettime(CLOCK_MONOTONIC, &t1);
		fprintf(TH_LOG_STREAM, "# %s: time: %.3f s\n", name,
			(double)(t1.tv_sec - __vfio_dirty_case_t0.tv_sec) +
			(t1.tv_nsec - __vfio_dirty_case_t0.tv_nsec) / 1e9);
	}
	taint_changed = mark->taint_ok && taint != mark->taint;
	if (scan.expected)
		fprintf(TH_LOG_STREAM, "# %s: %u expected kernel splat(s) (%s)\n", t->name,
			scan.expected, scan.last_reason);
	if (scan.bad || taint_changed) {
		__vfio_dirty_kmsg_report(t, &scan, taint_changed, mark->taint, taint);
		t->exit_code = KSFT_FAIL;
	}
	fflush(NULL);
	return scan.bad || taint_changed;
}

static void __vfio_dirty_case_signal(int sig)
{
	struct __test_metadata *t = __vfio_dirty_pending.t;

	/* a child that did not fork through fork() (clone) may still get here */
	if (t && getpid() == __vfio_dirty_pending.pid) {
		__vfio_dirty_pending.t = NULL;
		__vfio_dirty_case_check(t, &__vfio_dirty_pending.mark, __vfio_dirty_pending.name);
	}
	__vfio_dirty_restore_signals();
	raise(sig);
}

static bool __vfio_dirty_case_ends_in_child(const struct __test_metadata *t)
{
#ifdef FIXTURE_TEARDOWN_PARENT
	return t->fixture != &_fixture_global;
#else
	(void)t;
	return false;
#endif
}

static void __vfio_dirty_case_inline(struct __test_metadata *t,
				     struct __fixture_variant_metadata *v, __vfio_dirty_case_fn fn,
				     struct kmsg_mark *mark, const char *name)
{
	struct sigaction sa = { .sa_handler = __vfio_dirty_case_signal };
	size_t i;

	__vfio_dirty_pending.pid = getpid();
	__vfio_dirty_pending.mark = *mark;
	__vfio_dirty_pending.name = name;
	__vfio_dirty_pending.t = t;
	sigemptyset(&sa.sa_mask);
	for (i = 0; i < ARRAY_SIZE(__vfio_dirty_fatal); i++)
		sigaction(__vfio_dirty_fatal[i], &sa, &__vfio_dirty_old[i]);
	fn(t, v);
	__vfio_dirty_pending.t = NULL;
	__vfio_dirty_restore_signals();
	__vfio_dirty_case_check(t, mark, name);
}

static void __vfio_dirty_case(struct __test_metadata *t, struct __fixture_variant_metadata *v)
{
	__vfio_dirty_case_fn fn = NULL;
	struct kmsg_mark mark;
	char name[1024];
	int status = 0;
	bool bad;
	pid_t pid;
	size_t i;

	for (i = 0; i < __vfio_dirty_ncases && !fn; i++)
		if (__vfio_dirty_cases[i].t == t)
			fn = __vfio_dirty_cases[i].fn;
	if (!fn)
		abort();
	snprintf(name, sizeof(name), "%s%s%s.%s", t->fixture->name, v->name[0] ? "." : "",
		 v->name, t->name);
	clock_gettime(CLOCK_MONOTONIC, &__vfio_dirty_case_t0);
	if (__kmsg_mark(&mark))
		mark.fd = -1;
	fflush(NULL);
	if (__vfio_dirty_case_ends_in_child(t)) {
		__vfio_dirty_case_inline(t, v, fn, &mark, name);
		return;
	}
	pid = fork();
	if (pid < 0) {
		kmsg_mark_close(&mark);
		fn(t, v);
		return;
	}
	if (!pid) {
		kmsg_mark_close(&mark);
		fn(t, v);
		_exit(t->exit_code);
	}
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	bad = __vfio_dirty_case_check(t, &mark, name);
	if (WIFSIGNALED(status)) {
		signal(WTERMSIG(status), SIG_DFL);
		kill(getpid(), WTERMSIG(status));
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) && !bad)
		t->exit_code = WEXITSTATUS(status);
}

/*
 * Wraps every case (once, in the harness's process) and loads the expected
 * splats; VFIO_DIRTY_KMSG_CHECK=0 leaves the cases as they are. Returns 0,
 * or 1 (KSFT_FAIL) for a malformed splats file.
 */
static inline int __vfio_dirty_wrap_cases(void)
{
	const char *off = getenv("VFIO_DIRTY_KMSG_CHECK");
	struct __fixture_metadata *f;
	struct __test_metadata *t;
	struct kmsg_mark probe;
	struct utsname u;
	char why[512] = "";
	size_t n = 0;
	int r;

	if (off && !strcmp(off, "0"))
		return 0;
	off = getenv("VFIO_DIRTY_CASE_TIMES");
	__vfio_dirty_case_times = off && !strcmp(off, "1");
	if (kmsg_rules_for_binary(&__vfio_dirty_kmsg, why, sizeof(why))) {
		printf("Bail out! kernel log check: %s\n", why);
		return KSFT_FAIL;
	}
	r = __kmsg_mark(&probe);
	kmsg_mark_close(&probe);
	if (r)
		printf("# kernel log check: /dev/kmsg: %s: only the taint is checked\n",
		       strerror(-r));
	if (!uname(&u))
		snprintf(__vfio_dirty_release, sizeof(__vfio_dirty_release), "%s", u.release);
	for (f = __fixture_list; f; f = f->next)
		for (t = f->tests; t; t = t->next)
			n++;
	__vfio_dirty_cases = calloc(n ? n : 1, sizeof(*__vfio_dirty_cases));
	if (!__vfio_dirty_cases)
		return 0;
	pthread_atfork(NULL, NULL, __vfio_dirty_atfork_child);
	for (f = __fixture_list; f; f = f->next) {
		for (t = f->tests; t; t = t->next) {
			__vfio_dirty_cases[__vfio_dirty_ncases].t = t;
			__vfio_dirty_cases[__vfio_dirty_ncases++].fn = t->fn;
			t->fn = __vfio_dirty_case;
		}
	}
	return 0;
}

/*
 * main() of every test binary. @help is a paragraph that says what the
 * binary checks; --help prints it with the usage, before the harness sees
 * the arguments (it rejects --help).
 */
#define VFIO_DIRTY_MAIN(help)						\
	int main(int argc, char **argv)					\
	{								\
		int r = vfio_dirty_main(&argc, argv, help);		\
		if (r >= 0)						\
			return r;					\
		if (__vfio_dirty_wrap_cases())				\
			return KSFT_FAIL;				\
		__vfio_dirty_harness_pid = getpid();			\
		atexit(__vfio_dirty_exit);				\
		r = test_harness_run(argc, argv);			\
		/* It returned: -l, -h or a bad option, not a run. */	\
		__vfio_dirty_harness_pid = 0;				\
		return r == KSFT_SKIP ? KSFT_PASS : r;			\
	}

#endif
