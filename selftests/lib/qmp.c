// SPDX-License-Identifier: GPL-2.0-only
/*
 * QMP over a unix socket. QEMU sends one JSON object a line: the greeting,
 * command answers ("return" or "error") and events ("event"); this client
 * issues one command at a time, so the next answer is the command's.
 */
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "qemu.h"
#include "qmp.h"

static int fail(struct qmp *q, int r, const char *what)
{
	snprintf(q->error, sizeof(q->error), "%s: %s", what, strerror(-r));
	return r;
}

/* The next whole line into @line, waiting until @end (ms). */
static int read_line(struct qmp *q, char *line, size_t len, long long end)
{
	struct pollfd p = { .fd = q->fd, .events = POLLIN };
	char *nl;
	ssize_t n;
	int left;

	for (;;) {
		nl = memchr(q->in, '\n', q->in_len);
		if (nl) {
			size_t l = nl - q->in + 1;

			snprintf(line, len, "%.*s", (int)(l - 1), q->in);
			memmove(q->in, q->in + l, q->in_len - l);
			q->in_len -= l;
			return 0;
		}
		if (q->in_len == sizeof(q->in))
			return -EMSGSIZE;
		left = (int)(end - qemu_now_ms());
		if (left <= 0)
			return -ETIMEDOUT;
		n = poll(&p, 1, left);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (!n)
			return -ETIMEDOUT;
		n = read(q->fd, q->in + q->in_len, sizeof(q->in) - q->in_len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (!n)
			return -ECONNRESET;
		q->in_len += n;
	}
}

static void note_event(struct qmp *q, const char *line)
{
	char name[64];
	size_t used = strlen(q->events);

	if (qmp_field(line, "event", name, sizeof(name)))
		return;
	if (used + strlen(name) + 2 < sizeof(q->events))
		snprintf(q->events + used, sizeof(q->events) - used, "%s%s", used ? " " : "", name);
}

/* Reads lines until the answer to the command sent, noting events. */
static int answer(struct qmp *q, char *reply, size_t len, long long end)
{
	char *line = malloc(QMP_LINE_MAX);
	int r;

	if (!line)
		return -ENOMEM;
	for (;;) {
		r = read_line(q, line, QMP_LINE_MAX, end);
		if (r)
			break;
		if (strstr(line, "\"event\"") && !strstr(line, "\"return\"")) {
			note_event(q, line);
			continue;
		}
		if (reply)
			snprintf(reply, len, "%s", line);
		if (strstr(line, "\"error\"")) {
			char desc[200] = "";

			qmp_field(line, "desc", desc, sizeof(desc));
			snprintf(q->error, sizeof(q->error), "QMP error: %s", desc);
			r = -EREMOTEIO;
		} else if (!strstr(line, "\"return\"")) {
			snprintf(q->error, sizeof(q->error), "unexpected QMP line: %.200s", line);
			r = -EPROTO;
		}
		break;
	}
	free(line);
	return r;
}

static int send_all(struct qmp *q, const char *cmd)
{
	size_t len = strlen(cmd), done = 0;
	ssize_t n;

	while (done < len) {
		n = send(q->fd, cmd + done, len - done, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		done += n;
	}
	return 0;
}

int __qmp_exec(struct qmp *q, const char *cmd, char *reply, size_t len, int timeout_ms)
{
	int r;

	q->error[0] = 0;
	r = send_all(q, cmd);
	if (r)
		return fail(q, r, "sending a QMP command");
	r = answer(q, reply, len, qemu_now_ms() + timeout_ms);
	if (r && !q->error[0])
		fail(q, r, "waiting for a QMP answer");
	return r;
}

int __qmp_connect(struct qmp *q, const char *path, int timeout_ms)
{
	long long end = qemu_now_ms() + timeout_ms;
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	char *greeting;
	int r;

	memset(q, 0, sizeof(*q));
	if (strlen(path) >= sizeof(a.sun_path))
		return fail(q, -ENAMETOOLONG, path);
	memcpy(a.sun_path, path, strlen(path) + 1);
	for (;;) {
		q->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (q->fd < 0)
			return fail(q, -errno, "socket");
		if (!connect(q->fd, (struct sockaddr *)&a, sizeof(a)))
			break;
		r = -errno;
		close(q->fd);
		q->fd = -1;
		if ((r != -ENOENT && r != -ECONNREFUSED) || qemu_now_ms() >= end)
			return fail(q, r, path);
		usleep(50000);
	}
	greeting = malloc(QMP_LINE_MAX);
	if (!greeting) {
		qmp_close(q);
		return -ENOMEM;
	}
	r = read_line(q, greeting, QMP_LINE_MAX, end);
	if (!r && !strstr(greeting, "\"QMP\""))
		r = -EPROTO;
	free(greeting);
	if (r) {
		fail(q, r, "reading the QMP greeting");
		qmp_close(q);
		return r;
	}
	r = __qmp_exec(q, "{\"execute\": \"qmp_capabilities\"}\n", NULL, 0,
		       (int)(end - qemu_now_ms()) > 1000 ? (int)(end - qemu_now_ms()) : 1000);
	if (r)
		qmp_close(q);
	return r;
}

void qmp_close(struct qmp *q)
{
	if (q->fd >= 0)
		close(q->fd);
	q->fd = -1;
}

bool qmp_event_seen(const struct qmp *q, const char *name)
{
	size_t n = strlen(name);
	const char *s;

	for (s = strstr(q->events, name); s; s = strstr(s + 1, name))
		if ((s == q->events || s[-1] == ' ') && (s[n] == ' ' || !s[n]))
			return true;
	return false;
}

int qmp_field(const char *json, const char *key, char *buf, size_t len)
{
	char pat[80];
	const char *s;
	size_t o = 0;

	snprintf(pat, sizeof(pat), "\"%s\"", key);
	for (s = strstr(json, pat); s; s = strstr(s + 1, pat)) {
		const char *v = s + strlen(pat);

		while (*v == ' ')
			v++;
		if (*v != ':')
			continue;
		v++;
		while (*v == ' ')
			v++;
		if (*v == '"') {
			for (v++; *v && *v != '"'; v++) {
				if (*v == '\\' && v[1])
					v++;
				if (o + 1 < len)
					buf[o++] = *v;
			}
		} else {
			for (; *v && !strchr(",}] ", *v); v++)
				if (o + 1 < len)
					buf[o++] = *v;
		}
		if (len)
			buf[o] = 0;
		return 0;
	}
	return -ENOENT;
}

int qmp_field_u64(const char *json, const char *key, unsigned long long *val)
{
	char buf[32], *end;

	if (qmp_field(json, key, buf, sizeof(buf)))
		return -ENOENT;
	errno = 0;
	*val = strtoull(buf, &end, 10);
	if (errno || end == buf || *end)
		return -EINVAL;
	return 0;
}
