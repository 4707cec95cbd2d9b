// SPDX-License-Identifier: GPL-2.0-only
/*
 * Kernel memory figures before and after repeated failing calls (leak.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "host.h"
#include "leak.h"

static long meminfo_kb(const char *field)
{
	size_t len = strlen(field);
	char line[256];
	long kb = -1;
	FILE *f = fopen("/proc/meminfo", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, field, len) && line[len] == ':') {
			kb = strtol(line + len + 1, NULL, 10);
			break;
		}
	}
	fclose(f);
	return kb;
}

/* "0xSTART-0xEND SIZE CALLER ...": CALLER is a symbol+off/len [module]. */
static void vmallocs(struct leak_snap *s)
{
	char line[512], caller[256];
	long size;
	FILE *f = fopen("/proc/vmallocinfo", "r");

	s->vfio_vmallocs = -1;
	if (!f)
		return;
	s->vfio_vmallocs = 0;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%*s %ld %255s", &size, caller) != 2)
			continue;
		if (!strstr(caller, "vfio") && !strstr(caller, "iommufd"))
			continue;
		/* the module's name follows: "[vfio_iommu_type1]" */
		s->vfio_vmallocs++;
		s->vfio_vmalloc_bytes += size;
	}
	fclose(f);
}

static void slabs(struct leak_snap *s)
{
	char line[512];
	FILE *f = fopen("/proc/slabinfo", "r");

	s->ncaches = -1;
	if (!f)
		return;
	s->ncaches = 0;
	while (fgets(line, sizeof(line), f) && s->ncaches < LEAK_MAX_CACHES) {
		if (line[0] == '#' || !strncmp(line, "slabinfo", 8))
			continue;
		if (sscanf(line, "%63s %ld", s->cache[s->ncaches].name,
			   &s->cache[s->ncaches].active) == 2)
			s->ncaches++;
	}
	fclose(f);
}

int __leak_snap(struct leak_snap *s)
{
	memset(s, 0, sizeof(*s));
	s->vmalloc_used_kb = meminfo_kb("VmallocUsed");
	if (s->vmalloc_used_kb < 0)
		return -ENOENT;
	vmallocs(s);
	slabs(s);
	s->locked_kb = proc_status_kb("VmLck");
	return 0;
}

static long cache_of(const struct leak_snap *s, const char *name)
{
	int i;

	for (i = 0; i < s->ncaches; i++)
		if (!strcmp(s->cache[i].name, name))
			return s->cache[i].active;
	return -1;
}

int leak_compare(const struct leak_snap *b, const struct leak_snap *a, long calls,
		 char *msg, size_t len)
{
	size_t n = 0;
	int i, leak = 0;

#define SAY(...) do {								\
	if (n < len)								\
		n += snprintf(msg + n, len - n, __VA_ARGS__);			\
	leak = 1;								\
} while (0)

	msg[0] = '\0';
	if (b->vfio_vmallocs >= 0 && a->vfio_vmallocs - b->vfio_vmallocs >= calls)
		SAY("%ld more vfio/iommufd vmalloc entries (%ld bytes); ",
		    a->vfio_vmallocs - b->vfio_vmallocs,
		    a->vfio_vmalloc_bytes - b->vfio_vmalloc_bytes);
	for (i = 0; i < a->ncaches && b->ncaches > 0; i++) {
		long was = cache_of(b, a->cache[i].name);

		if (was >= 0 && a->cache[i].active - was >= calls)
			SAY("slab %s: %ld more objects; ", a->cache[i].name,
			    a->cache[i].active - was);
	}
	if (a->locked_kb != b->locked_kb)
		SAY("VmLck %ld kB, was %ld kB; ", a->locked_kb, b->locked_kb);
	if (leak && n < len)
		snprintf(msg + n, len - n, "VmallocUsed %ld kB, was %ld kB", a->vmalloc_used_kb,
			 b->vmalloc_used_kb);
#undef SAY
	return leak;
}

int leak_repeat(int (*call)(void *arg), void *arg, long calls, int *last,
		char *msg, size_t len)
{
	struct leak_snap *b = malloc(sizeof(*b)), *a = malloc(sizeof(*a));
	long i;
	int r;

	if (!a || !b) {
		free(a);
		free(b);
		return -ENOMEM;
	}
	*last = call(arg);
	r = __leak_snap(b);
	for (i = 0; !r && i < calls; i++)
		*last = call(arg);
	if (!r)
		r = __leak_snap(a);
	if (!r)
		r = leak_compare(b, a, calls, msg, len);
	free(a);
	free(b);
	return r;
}
