// SPDX-License-Identifier: GPL-2.0-only
/*
 * The skip memo (skip_memo.h): a few slots in one shared anonymous page,
 * mapped by a constructor, so before the harness forks the first case.
 */
#include <stdio.h>
#include <sys/mman.h>

#include "skip_memo.h"

#define MEMO_SLOTS	8
#define MEMO_REASON	256

static struct memo_slot {
	const void *key;
	char reason[MEMO_REASON];
} *memo;

static void __attribute__((constructor)) skip_memo_map(void)
{
	void *p = mmap(NULL, MEMO_SLOTS * sizeof(*memo), PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	/* without it every case finds out for itself */
	memo = p == MAP_FAILED ? NULL : p;
}

const char *skip_memo_find(const void *key)
{
	int i;

	for (i = 0; memo && key && i < MEMO_SLOTS; i++)
		if (memo[i].key == key)
			return memo[i].reason;
	return NULL;
}

void skip_memo_add(const void *key, const char *reason)
{
	int i;

	for (i = 0; memo && key && i < MEMO_SLOTS; i++) {
		if (memo[i].key && memo[i].key != key)
			continue;
		snprintf(memo[i].reason, sizeof(memo[i].reason), "%s", reason);
		memo[i].key = key;
		return;
	}
}
