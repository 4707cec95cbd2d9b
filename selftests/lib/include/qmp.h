/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A small QMP client over a unix socket: connect (the greeting and
 * qmp_capabilities), execute a command and wait for its answer while
 * collecting the events that arrive, and a minimal reader of one JSON field.
 * Every wait is bounded.
 */
#ifndef VFIO_DIRTY_QMP_H
#define VFIO_DIRTY_QMP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define QMP_LINE_MAX	16384
#define QMP_EVENTS_MAX	2048

struct qmp {
	int fd;
	char in[QMP_LINE_MAX * 2];	/* bytes read and not yet a whole line */
	size_t in_len;
	char events[QMP_EVENTS_MAX];	/* names of the events seen, space-separated */
	char error[256];		/* why the last call failed */
};

/*
 * Connects to the QMP socket @path (retrying until it exists, up to
 * @timeout_ms), reads the greeting and negotiates capabilities. 0 or
 * -errno, with q->error saying why.
 */
int __qmp_connect(struct qmp *q, const char *path, int timeout_ms);

void qmp_close(struct qmp *q);

/*
 * Sends @cmd (a whole JSON object) and waits up to @timeout_ms for its
 * answer, which goes into @reply (@len bytes). 0 for a "return", -EREMOTEIO
 * for an "error" (its desc in q->error), -ETIMEDOUT, or another -errno.
 */
int __qmp_exec(struct qmp *q, const char *cmd, char *reply, size_t len, int timeout_ms);

/* True when an event named @name arrived since the connect. */
bool qmp_event_seen(const struct qmp *q, const char *name);

/*
 * The value of the first member named @key anywhere in @json: a string
 * (unescaped only for \" and \\) or a bare token (number, true, false), into
 * @buf. 0, or -ENOENT.
 */
int qmp_field(const char *json, const char *key, char *buf, size_t len);

/* qmp_field() as an unsigned number; -ENOENT or -EINVAL. */
int qmp_field_u64(const char *json, const char *key, unsigned long long *val);

#endif
