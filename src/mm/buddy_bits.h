/*
 * mm/buddy_bits.h - the buddy allocator's orders and bitmaps (private to
 * src/mm/buddy.c).
 *
 * The questions buddy.c asks of its two bitmaps, each a few shifts and one
 * bit test: is this block in use, is it split, is it a free block of order k?
 * src/mm/buddy.c's header comment explains what the bits mean.
 */
#ifndef KILN_MM_BUDDY_BITS_H
#define KILN_MM_BUDDY_BITS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mm/buddy.h"

/* ---- Orders and bits ----------------------------------------------------- */

static inline size_t block_bytes(unsigned k)
{
    return BUDDY_BLOCK_BYTES(k);
}

/* The smallest order whose blocks hold size bytes (size >= 1): the highest set
 * bit of (size - 1) | 31 is bit 4 up to 32 bytes, and one higher per doubling. */
static inline unsigned order_for(size_t size)
{
    unsigned long long x = (unsigned long long)(size - 1) | (BUDDY_MIN_BLOCK - 1);
    return (unsigned)(63 - __builtin_clzll(x)) + 1 - BUDDY_MIN_SHIFT;
}

static inline bool bit_get(const uint8_t *bits, size_t i)
{
    return (bits[i >> 3] >> (i & 7)) & 1;
}

static inline void bit_set(uint8_t *bits, size_t i)
{
    bits[i >> 3] |= (uint8_t)(1u << (i & 7));
}

static inline void bit_clear(uint8_t *bits, size_t i)
{
    bits[i >> 3] &= (uint8_t) ~(1u << (i & 7));
}

static inline bool in_region(const struct buddy *b, uintptr_t a)
{
    return a - b->base < b->size; /* a below base wraps round to a huge value */
}

/* The allocated bit of the 32 bytes at a (a in the region). */
static inline size_t alloc_index(const struct buddy *b, uintptr_t a)
{
    return (a - b->base) >> BUDDY_MIN_SHIFT;
}

static inline bool is_allocated(const struct buddy *b, uintptr_t a)
{
    return bit_get(b->bits, alloc_index(b, a));
}

/*
 * The order record of a block in use. A block of order k covers 2^k allocated
 * bits, and only the first one (its start) means "in use here": from order 3
 * (256 bytes, 8 allocated bits) on, the block keeps its order in its own bits
 * i + 3 .. i + 7 (i: its allocated bit), so free() finds it in O(1) instead of
 * walking up the split bits one order at a time. Blocks of orders 0 to 2 keep
 * no record: walking up at most three orders is as cheap as reading one. Each
 * bit named lies inside the block itself, so no other block's bits are
 * touched. A pointer into the middle of a block may land on a set record bit
 * and look like a start: recorded_order (buddy.c) checks what it reads
 * against the split bits before it believes it.
 */
#define ORDER_RECORD_MIN 3  /* the smallest order with a record */
#define ORDER_FIELD_SHIFT 3 /* the record's 5 bits start at i + 3 */
#define ORDER_FIELD_BITS 5

/* Read n (<= 8) bits starting at bit i, lowest first. */
static inline unsigned bits_read(const uint8_t *bits, size_t i, unsigned n)
{
    unsigned v = bits[i >> 3] >> (i & 7);
    if ((i & 7) + n > 8)
        v |= (unsigned)bits[(i >> 3) + 1] << (8 - (i & 7));
    return v & ((1u << n) - 1);
}

/* Write n (<= 8) bits starting at bit i. */
static inline void bits_write(uint8_t *bits, size_t i, unsigned n, unsigned v)
{
    for (unsigned j = 0; j < n; j++) {
        if ((v >> j) & 1)
            bit_set(bits, i + j);
        else
            bit_clear(bits, i + j);
    }
}

/* Write (set) or erase (clear) the order record of the order-k block in use at a. */
static inline void order_record(struct buddy *b, uintptr_t a, unsigned k, bool write)
{
    if (k >= ORDER_RECORD_MIN)
        bits_write(b->bits, alloc_index(b, a) + ORDER_FIELD_SHIFT, ORDER_FIELD_BITS, write ? k : 0);
}

/* Where the split bit of the order-k block holding a is (1 <= k <= top);
 * false when that block does not lie wholly inside the region, and so has none. */
static inline bool split_index(const struct buddy *b, unsigned k, uintptr_t a, size_t *index)
{
    const struct buddy_order *o = &b->order[k];
    size_t n = (a >> (k + BUDDY_MIN_SHIFT)) - o->first; /* wraps when below first */
    if (n >= o->nodes)
        return false;
    *index = o->bit + n;
    return true;
}

/* Is the order-k block holding a (1 <= k <= top) split? Outside: always. */
static inline bool is_split(const struct buddy *b, unsigned k, uintptr_t a)
{
    size_t i;
    return !split_index(b, k, a, &i) || bit_get(b->bits, i);
}

/* Set or clear the split bit of an order-k block wholly inside the region. */
static inline void set_split(struct buddy *b, unsigned k, uintptr_t a, bool split)
{
    size_t i;
    if (split_index(b, k, a, &i)) {
        if (split)
            bit_set(b->bits, i);
        else
            bit_clear(b->bits, i);
    }
}

/* Is the order-k block at x, aligned to its size and with a split parent,
 * wholly inside the region, not in use and not split? (The cheap test of
 * the allocated bit comes first: it usually settles the question.) */
static inline bool whole_and_free(const struct buddy *b, unsigned k, uintptr_t x)
{
    size_t i;
    if (!in_region(b, x) || is_allocated(b, x))
        return false;
    return k == 0 || (split_index(b, k, x, &i) && !bit_get(b->bits, i));
}

/* Is x, a value read from free memory, the start of a free block of order k?
 * Nothing is read at x itself. */
static inline bool is_free_block(const struct buddy *b, unsigned k, uintptr_t x)
{
    const struct buddy_order *o = &b->order[k];
    uintptr_t number = x >> (k + BUDDY_MIN_SHIFT);
    if ((x & (block_bytes(k) - 1)) != 0)
        return false;
    if (k == 0) {
        if (!in_region(b, x))
            return false;
    } else {
        size_t n = number - o->first; /* inside the region, and not split? */
        if (n >= o->nodes || bit_get(b->bits, o->bit + n))
            return false;
    }
    if (is_allocated(b, x))
        return false;
    size_t n = (number >> 1) - o[1].first; /* the parent must be split */
    return n >= o[1].nodes || bit_get(b->bits, o[1].bit + n);
}

#endif
