/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Dirty bitmaps as the type1 uAPI lays them out: bit b is bit b % 64 of u64
 * word b / 64, sizes in whole u64 words (DP-RNG-05, BYTES() of spec 0.2).
 */
#ifndef VFIO_DIRTY_BITMAP_H
#define VFIO_DIRTY_BITMAP_H

#include <stdbool.h>
#include <stddef.h>
#include "types.h"

/* BYTES(n) of the spec: whole u64 words. */
static inline u64 bitmap_bytes(u64 nbits)
{
	return ((nbits + 63) / 64) * 8;
}

/*
 * A user bitmap buffer whose last byte is followed by a PROT_NONE guard page,
 * so a kernel write past @size faults instead of passing unnoticed. @offset
 * moves the buffer start down by that many bytes from its natural place
 * (which ends exactly at the guard), to test unaligned pointers.
 */
struct guarded_buf {
	void *data;
	size_t size;
	void *map;
	size_t map_len;
};

int guarded_buf_alloc(struct guarded_buf *b, size_t size);
void guarded_buf_free(struct guarded_buf *b);
/* A page of PROT_NONE memory: pointers into it always fault. */
void *fault_page(void);

void bitmap_zero(u64 *map, u64 nbits);
void bitmap_set_bit(u64 *map, u64 bit);
bool bitmap_test_bit(const u64 *map, u64 bit);
void bitmap_set_range(u64 *map, u64 start, u64 len);
u64 bitmap_weight(const u64 *map, u64 nbits);

/*
 * Compares @nbits bits rounded up to whole u64 words: the padding bits of
 * the last word are compared too, as the kernel must leave them clear (a
 * count that is not a whole word cannot hide one). Returns the number of
 * bits that differ and, when
 * @msg is not NULL, describes the first few ("bit 65: got 1 want 0; ...").
 */
u64 bitmap_diff(const u64 *got, const u64 *want, u64 nbits,
		char *msg, size_t msg_len);

/* True when every byte of @buf equals @c (canary checks). */
bool mem_is(const void *buf, int c, size_t len);

#endif
