// SPDX-License-Identifier: GPL-2.0-only
/*
 * The kernel log and taint around a test case: the expected splats of
 * selftests/splats, a scanner with runner/splat.awk's rules, and the
 * /dev/kmsg mark a case starts from.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kmsg.h"

#define SPLAT_BLOCK_MAX	100

static int bad_file(char *why, size_t len, const char *path, int lineno, const char *what)
{
	snprintf(why, len, "%s:%d: %s", path, lineno, what);
	return -EINVAL;
}

/* The /ERE/ field: "\/" is a slash of the ERE; returns the text after it. */
static char *take_ere(char *p, char *ere, size_t len)
{
	size_t n = 0;

	if (*p != '/')
		return NULL;
	for (p++; *p && *p != '/'; p++) {
		if (p[0] == '\\' && p[1] == '/')
			p++;
		if (n + 1 >= len)
			return NULL;
		ere[n++] = *p;
	}
	ere[n] = '\0';
	return *p == '/' ? p + 1 : NULL;
}

static int parse_line(struct kmsg_expect *e, char *line)
{
	char *rest, *p;
	int used = 0;

	if (sscanf(line, "%63s %63s %191s %n", e->kernel, e->binary, e->tcase, &used) != 3 ||
	    !used)
		return -1;
	rest = take_ere(line + used, e->ere, sizeof(e->ere));
	if (!rest)
		return -1;
	while (isspace((unsigned char)*rest))
		rest++;
	snprintf(e->reason, sizeof(e->reason), "%s", rest);
	p = e->reason + strlen(e->reason);
	while (p > e->reason && isspace((unsigned char)p[-1]))
		*--p = '\0';
	return e->reason[0] ? 0 : -1;
}

static int load_expected(struct kmsg_rules *r, const char *path, char *why, size_t why_len)
{
	char line[1024];
	int lineno = 0;
	FILE *f;

	f = fopen(path, "r");
	if (!f) {
		snprintf(r->source, sizeof(r->source), "none (%s: %s)", path, strerror(errno));
		return 0;
	}
	while (fgets(line, sizeof(line), f)) {
		struct kmsg_expect *e = &r->expect[r->nexpect];
		char *p = line;

		lineno++;
		while (isspace((unsigned char)*p))
			p++;
		if (!*p || *p == '#')
			continue;
		if (r->nexpect == KMSG_MAX_EXPECT) {
			fclose(f);
			return bad_file(why, why_len, path, lineno, "too many entries");
		}
		if (parse_line(e, p)) {
			fclose(f);
			return bad_file(why, why_len, path, lineno,
					"not \"KERNEL BINARY CASE /ERE/ REASON\"");
		}
		if (regcomp(&e->re, e->ere, REG_EXTENDED | REG_NOSUB)) {
			fclose(f);
			return bad_file(why, why_len, path, lineno, "an invalid /ERE/");
		}
		r->nexpect++;
	}
	fclose(f);
	snprintf(r->source, sizeof(r->source), "%s", path);
	return 0;
}

int kmsg_rules_load(struct kmsg_rules *r, const char *splat_ere, const char *splats_path,
		    char *why, size_t why_len)
{
	int ret;

	memset(r, 0, sizeof(*r));
	snprintf(r->source, sizeof(r->source), "none");
	if (regcomp(&r->splat, splat_ere ?: KMSG_SPLAT_ERE, REG_EXTENDED | REG_NOSUB)) {
		snprintf(why, why_len, "an invalid splat pattern: %s", splat_ere ?: KMSG_SPLAT_ERE);
		return -EINVAL;
	}
	r->have_splat = true;
	if (!splats_path)
		return 0;
	ret = load_expected(r, splats_path, why, why_len);
	if (ret)
		kmsg_rules_free(r);
	return ret;
}

void kmsg_rules_free(struct kmsg_rules *r)
{
	int i;

	for (i = 0; i < r->nexpect; i++)
		regfree(&r->expect[i].re);
	r->nexpect = 0;
	if (r->have_splat)
		regfree(&r->splat);
	r->have_splat = false;
}

void kmsg_scan_init(struct kmsg_scan *s, const struct kmsg_rules *r, const char *release,
		    const char *binary, const char *tcase)
{
	memset(s, 0, sizeof(*s));
	s->rules = r;
	s->release = release;
	s->binary = binary;
	s->tcase = tcase;
}

static bool matches(const regex_t *re, const char *line)
{
	return !regexec(re, line, 0, NULL, 0);
}

/* The expected splat of this case whose ERE matches @line: its index + 1, or 0. */
static int expected_of(struct kmsg_scan *s, const char *line)
{
	const struct kmsg_rules *r = s->rules;
	int i;

	for (i = 0; i < r->nexpect; i++) {
		const struct kmsg_expect *e = &r->expect[i];

		if (fnmatch(e->kernel, s->release, 0) || fnmatch(e->binary, s->binary, 0) ||
		    fnmatch(e->tcase, s->tcase, 0))
			continue;
		if (matches(&e->re, line))
			return i + 1;
	}
	return 0;
}

static void report(struct kmsg_scan *s, const char *line)
{
	if (s->nreport < KMSG_REPORT_LINES)
		snprintf(s->report[s->nreport++], sizeof(s->report[0]), "%s", line);
}

void kmsg_scan_line(struct kmsg_scan *s, const char *line)
{
	bool splat = s->rules->have_splat && matches(&s->rules->splat, line);
	int x;

	if (s->in_expected) {
		if (strstr(line, "---[ end trace") || ++s->blk >= SPLAT_BLOCK_MAX) {
			s->in_expected = 0;
			return;
		}
		/* its own stack dump, or any line that starts no other splat */
		if (!splat || strstr(line, "Call Trace:"))
			return;
		s->in_expected = 0;
	}
	if (splat) {
		x = expected_of(s, line);
		if (x) {
			s->in_expected = x;
			s->blk = 0;
			s->expected++;
			snprintf(s->last_reason, sizeof(s->last_reason), "%s",
				 s->rules->expect[x - 1].reason);
			return;
		}
		/* the stack dump of a splat being reported is no other splat */
		if (!s->reporting || !strstr(line, "Call Trace:"))
			s->bad++;
		s->reporting = true;
	}
	if (s->reporting)
		report(s, line);
}

long kmsg_taint(void)
{
	unsigned long v;
	FILE *f;
	int n;

	f = fopen("/proc/sys/kernel/tainted", "r");
	if (!f)
		return -1;
	n = fscanf(f, "%lu", &v);
	fclose(f);
	return n == 1 ? (long)v : -1;
}

char *kmsg_taint_flags(unsigned long v, char *buf, size_t len)
{
	static const char flags[] = "PFSRMBUDAWCIOELKXTNJ";
	size_t i, n = 0;

	for (i = 0; flags[i] && n + 1 < len; i++)
		if (v & (1UL << i))
			buf[n++] = flags[i];
	if (!n)
		snprintf(buf, len, "none");
	else
		buf[n] = '\0';
	return buf;
}

int __kmsg_mark(struct kmsg_mark *m)
{
	long t = kmsg_taint();

	m->taint_ok = t >= 0;
	m->taint = t >= 0 ? (unsigned long)t : 0;
	m->fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (m->fd < 0)
		return -errno;
	if (lseek(m->fd, 0, SEEK_END) < 0) {
		int err = -errno;

		kmsg_mark_close(m);
		return err;
	}
	return 0;
}

void kmsg_mark_close(struct kmsg_mark *m)
{
	if (m->fd >= 0)
		close(m->fd);
	m->fd = -1;
}

/*
 * One /dev/kmsg record: "PRI,SEQ,USEC,FLAGS;TEXT\n" then " KEY=VALUE"
 * lines; the text has its non-printable bytes as \xNN.
 */
static void scan_record(struct kmsg_scan *s, char *rec)
{
	char *text = strchr(rec, ';');
	char *nl;

	if (!text)
		return;
	text++;
	nl = strchr(text, '\n');
	if (nl)
		*nl = '\0';
	kmsg_scan_line(s, text);
}

int kmsg_mark_scan(struct kmsg_mark *m, struct kmsg_scan *s, unsigned long *taint)
{
	char rec[8192];
	long t = kmsg_taint();
	int n = 0;
	ssize_t r;

	*taint = t >= 0 ? (unsigned long)t : m->taint;
	if (m->fd < 0)
		return -EBADF;
	for (;;) {
		r = read(m->fd, rec, sizeof(rec) - 1);
		if (r < 0 && errno == EPIPE)
			continue;	/* records overwritten: go on with the next */
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && errno == EAGAIN)
			break;
		if (r < 0) {
			n = -errno;
			break;
		}
		if (r == 0)
			break;
		rec[r] = '\0';
		scan_record(s, rec);
		n++;
	}
	kmsg_mark_close(m);
	return n;
}

/* The folder of the running binary, with a trailing slash, or "". */
static void exe_dir(char *buf, size_t len)
{
	ssize_t n = readlink("/proc/self/exe", buf, len - 1);
	char *slash;

	buf[n > 0 ? n : 0] = '\0';
	slash = strrchr(buf, '/');
	if (slash)
		slash[1] = '\0';
	else
		buf[0] = '\0';
}

/* The line of an .ere file that is no comment, or NULL. */
static char *read_ere(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");
	char *found = NULL;

	if (!f)
		return NULL;
	while (!found && fgets(buf, len, f)) {
		buf[strcspn(buf, "\n")] = '\0';
		if (buf[0] && buf[0] != '#')
			found = buf;
	}
	fclose(f);
	return found;
}

int kmsg_rules_for_binary(struct kmsg_rules *r, char *why, size_t why_len)
{
	char dir[512], ere_path[640], splats[640], ere[1024];
	const char *env = getenv("VFIO_DIRTY_SPLATS");

	exe_dir(dir, sizeof(dir));
	snprintf(ere_path, sizeof(ere_path), "%srunner/splat.ere", dir);
	if (env && *env)
		snprintf(splats, sizeof(splats), "%s", env);
	else
		snprintf(splats, sizeof(splats), "%ssplats", dir);
	return kmsg_rules_load(r, read_ere(ere_path, ere, sizeof(ere)), splats, why, why_len);
}
