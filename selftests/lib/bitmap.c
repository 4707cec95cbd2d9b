// SPDX-License-Identifier: GPL-2.0-only
/*
 * Bitmap buffers with guard pages, and bit helpers in the uAPI's layout.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "bitmap.h"
#include "host.h"

int guarded_buf_alloc(struct guarded_buf *b, size_t size)
{
	size_t ps = host_page_size();
	size_t body = ((size + ps - 1) / ps) * ps;
	char *map;

	if (!body)
		body = ps;
	map = mmap(NULL, body + ps, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (map == MAP_FAILED)
		return -errno;
	if (mprotect(map + body, ps, PROT_NONE)) {
		int r = -errno;

		munmap(map, body + ps);
		return r;
	}
	b->map = map;
	b->map_len = body + ps;
	b->size = size;
	b->data = map + body - size;
	return 0;
}

void guarded_buf_free(struct guarded_buf *b)
{
	if (b->map)
		munmap(b->map, b->map_len);
	memset(b, 0, sizeof(*b));
}

void *fault_page(void)
{
	static void *page;

	if (!page) {
		page = mmap(NULL, host_page_size(), PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (page == MAP_FAILED)
			page = NULL;
	}
	return page;
}

void bitmap_zero(u64 *map, u64 nbits)
{
	memset(map, 0, bitmap_bytes(nbits));
}

void bitmap_set_bit(u64 *map, u64 bit)
{
	map[bit / 64] |= 1ULL << (bit % 64);
}

bool bitmap_test_bit(const u64 *map, u64 bit)
{
	return map[bit / 64] & (1ULL << (bit % 64));
}

void bitmap_set_range(u64 *map, u64 start, u64 len)
{
	u64 bit = start, end = start + len;

	/* Bit by bit up to a word boundary, then whole words. */
	while (bit < end && bit % 64)
		bitmap_set_bit(map, bit++);
	while (end - bit >= 64) {
		map[bit / 64] = ~0ULL;
		bit += 64;
	}
	while (bit < end)
		bitmap_set_bit(map, bit++);
}

u64 bitmap_weight(const u64 *map, u64 nbits)
{
	u64 w = 0, i;

	for (i = 0; i < nbits / 64; i++)
		w += __builtin_popcountll(map[i]);
	if (nbits % 64)
		w += __builtin_popcountll(map[i] & ((1ULL << (nbits % 64)) - 1));
	return w;
}

u64 bitmap_diff(const u64 *got, const u64 *want, u64 nbits,
		char *msg, size_t msg_len)
{
	u64 words = (nbits + 63) / 64, ndiff = 0, w;
	size_t used = 0;
	int shown = 0;

	if (msg && msg_len)
		msg[0] = '\0';
	for (w = 0; w < words; w++) {
		u64 x = got[w] ^ want[w];

		if (!x)
			continue;
		ndiff += __builtin_popcountll(x);
		while (x && msg && shown < 8 && used < msg_len) {
			u64 bit = w * 64 + __builtin_ctzll(x);
			int n;

			n = snprintf(msg + used, msg_len - used, "%sbit %llu: got %d want %d",
				     shown ? "; " : "", (unsigned long long)bit,
				     bitmap_test_bit(got, bit), bitmap_test_bit(want, bit));
			if (n < 0)
				break;
			used += (size_t)n;
			shown++;
			x &= x - 1;
		}
	}
	if (msg && shown == 8 && ndiff > 8 && used < msg_len)
		snprintf(msg + used, msg_len - used, "; ...");
	return ndiff;
}

bool mem_is(const void *buf, int c, size_t len)
{
	const unsigned char *p = buf;
	size_t i;

	for (i = 0; i < len; i++) {
		if (p[i] != (unsigned char)c)
			return false;
	}
	return true;
}
