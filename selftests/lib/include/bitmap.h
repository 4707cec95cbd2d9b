/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Dirty bitmaps as the type1 uAPI lays them out: bit b is bit b % 64 of u64
 * word b / 64, sizes in whole u64 words (DP-RNG-05, BYTES() of spec 0.2).
 */
#ifndef VFIO_DIRTY_BITMAP_H
#define VFIO_DIRTY_BITMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* BYTES(n) of the spec: whole u64 words. */
static inline uint64_t bitmap_bytes(uint64_t nbits)
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

void bitmap_zero(uint64_t *map, uint64_t nbits);
void bitmap_set_bit(uint64_t *map, uint64_t bit);
bool bitmap_test_bit(const uint64_t *map, uint64_t bit);
void bitmap_set_range(uint64_t *map, uint64_t start, uint64_t len);
uint64_t bitmap_weight(const uint64_t *map, uint64_t nbits);

/*
 * Compares @nbits bits. Returns the number of bits that differ and, when
 * @msg is not NULL, describes the first few ("bit 65: got 1 want 0; ...").
 */
uint64_t bitmap_diff(const uint64_t *got, const uint64_t *want, uint64_t nbits,
		     char *msg, size_t msg_len);

/* True when every byte of @buf equals @c (canary checks). */
bool mem_is(const void *buf, int c, size_t len);

#endif
