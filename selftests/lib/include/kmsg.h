/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The kernel log and taint around one test case, so that a splat a case
 * causes fails that case and not the next one.
 *
 * A splat is a kernel log line that runner/splat.ere matches (WARNING:,
 * BUG:, Oops, UBSAN:, ...; KASAN and lockdep reports start with BUG: and
 * WARNING:). An expected splat (selftests/splats: kernel release, binary and
 * case globs, the ERE of its first line) is passed over from its first line
 * through its "---[ end trace" line, the next line that starts another splat,
 * or 100 lines, as runner/splat.awk does; any other splat fails the case, and
 * so does a change of /proc/sys/kernel/tainted.
 *
 * Harness-free: the per-case hook is in vfio_dirty_test.h, the host unit
 * tests feed the scanner lines of their own.
 */
#ifndef VFIO_DIRTY_KMSG_H
#define VFIO_DIRTY_KMSG_H

#include <regex.h>
#include <stdbool.h>
#include <stddef.h>

/* The line of runner/splat.ere that is no comment, for a binary run alone. */
#define KMSG_SPLAT_ERE								\
	"WARNING:|BUG:|kernel BUG at|Oops|general protection fault|Call Trace:|UBSAN:|" \
	"soft lockup|hung_task|blocked for more than|Kernel panic|rcu: INFO: .*detected stall"

#define KMSG_MAX_EXPECT	16
#define KMSG_REPORT_LINES	40

/* One entry of selftests/splats. */
struct kmsg_expect {
	char kernel[64];
	char binary[64];
	char tcase[192];
	char ere[256];
	char reason[256];
	regex_t re;
};

/* What a process knows before its first case: patterns and expected splats. */
struct kmsg_rules {
	regex_t splat;
	bool have_splat;
	struct kmsg_expect expect[KMSG_MAX_EXPECT];
	int nexpect;
	char source[256];	/* where the expected splats came from, or why none */
};

/* A scan of the lines logged during one case. */
struct kmsg_scan {
	const struct kmsg_rules *rules;
	const char *binary;
	const char *tcase;
	const char *release;
	int in_expected;	/* 1 + index of the expected splat being passed over */
	int blk;
	unsigned int bad;	/* splats that fail the case */
	unsigned int expected;	/* expected splats passed over */
	char last_reason[256];	/* of the last expected splat */
	char report[KMSG_REPORT_LINES][200];
	int nreport;
	bool reporting;
};

/*
 * Compiles @splat_ere (NULL: KMSG_SPLAT_ERE) and reads the expected splats
 * of @splats_path (NULL or a missing file: none). Returns 0, or -EINVAL with
 * @why set for a malformed file or pattern.
 */
int kmsg_rules_load(struct kmsg_rules *r, const char *splat_ere, const char *splats_path,
		    char *why, size_t why_len);
void kmsg_rules_free(struct kmsg_rules *r);

/*
 * kmsg_rules_load() for the running binary: the pattern of runner/splat.ere
 * beside it (an installed suite; else KMSG_SPLAT_ERE), the expected splats of
 * $VFIO_DIRTY_SPLATS or of the splats file beside it.
 */
int kmsg_rules_for_binary(struct kmsg_rules *r, char *why, size_t why_len);

/* Starts a scan for case @tcase ("fixture.variant.test") of @binary on @release. */
void kmsg_scan_init(struct kmsg_scan *s, const struct kmsg_rules *r, const char *release,
		    const char *binary, const char *tcase);
/* Feeds one log line (the message text, no prefix). */
void kmsg_scan_line(struct kmsg_scan *s, const char *line);

/*
 * A mark in the kernel log and the taint: __kmsg_mark() opens /dev/kmsg at
 * its end (O_NONBLOCK, its own file description: the position is not shared
 * with another process) and reads the taint. Returns 0 or -errno (-EACCES
 * unprivileged, -ENOENT without /dev/kmsg); the taint is read either way.
 */
struct kmsg_mark {
	int fd;
	unsigned long taint;
	bool taint_ok;
};

int __kmsg_mark(struct kmsg_mark *m);
/*
 * Feeds every record logged since @m to @s and closes the mark. Returns the
 * number of records read, or -errno of the read. *@taint gets the taint now.
 */
int kmsg_mark_scan(struct kmsg_mark *m, struct kmsg_scan *s, unsigned long *taint);
void kmsg_mark_close(struct kmsg_mark *m);

/* /proc/sys/kernel/tainted, or -1 when it cannot be read. */
long kmsg_taint(void);
/* The taint flags of @v as the kernel prints them ("W", "OE"; "none"). */
char *kmsg_taint_flags(unsigned long v, char *buf, size_t len);

#endif
