/*
 * mm/buddy.h - a buddy allocator over any region [base, base + size).
 *
 * Memory is handed out in blocks whose sizes are powers of two: 32 bytes
 * (order 0), 64 (order 1), 128 (order 2) ... up to 1 GiB (order 25). A block
 * of order k always starts at an address that is a multiple of its size, so
 * each block has exactly one "buddy": the other half of the block of order
 * k + 1 that contains it, found by flipping one address bit (addr ^ size).
 *
 *   allocate n bytes  round n up to an order; take a free block of that order,
 *                     or split a larger one in halves until one is that size
 *   free a block      while its buddy is free too, merge (coalesce) the two
 *                     into the block of the next order
 *
 * Free blocks of each order sit on a doubly linked list whose links are
 * stored inside the free blocks themselves. Everything else the allocator
 * knows lives in a bitmap outside the region, which the caller provides:
 *
 *   1 "allocated" bit per 32-byte block of the region: set when a block in
 *     use starts there (a block in use of 256 bytes or more also keeps its
 *     order in its own allocated bits 3 to 7, so free() finds it in O(1));
 *   1 "split" bit per block of order 1 or more that lies wholly inside the
 *     region: set when that block is split into two halves.
 *
 * For a region of N minimum blocks that is at most N + (N - 1) bits: under
 * 2 bits per 32-byte block, 1/128 of the region (exactly 2N - 1 bits when the
 * region is 2^k minimum blocks aligned to its size). buddy_metadata_size()
 * gives the exact number of bytes.
 *
 * Any 32-byte aligned base and any multiple of 32 bytes as size are fine: the
 * region is cut into the largest aligned blocks that fit, so a region that is
 * not a power of two, or does not start on a large boundary, is usable to its
 * last byte, and every block is aligned to its size in absolute address terms.
 *
 * The allocator never trusts the links inside free blocks (a user program can
 * scribble over its free heap memory): each link is checked against the
 * bitmaps before it is followed or written through, and a bad one is reported
 * as ALLOC_ERR_CORRUPT. Nothing is ever read or written outside the region, or
 * inside a block that is in use.
 *
 * There is no locking: the owner of a struct buddy makes sure only one call
 * runs on it at a time. docs/heap.md walks through an example.
 */
#ifndef KILN_MM_BUDDY_H
#define KILN_MM_BUDDY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mm/allocator.h"

#define BUDDY_MIN_SHIFT 5                       /* log2 of the smallest block */
#define BUDDY_MIN_BLOCK (1u << BUDDY_MIN_SHIFT) /* 32 bytes: order 0 */
#define BUDDY_MAX_ORDER 25                      /* 32 B << 25 = 1 GiB */
#define BUDDY_ORDERS (BUDDY_MAX_ORDER + 1)

/* The bytes in a block of order k. */
#define BUDDY_BLOCK_BYTES(k) ((size_t)BUDDY_MIN_BLOCK << (k))

/* The error codes are the ones every heap shares: ALLOC_* of mm/allocator.h. */

/* The links stored in the first 16 bytes of every free block. */
struct buddy_link {
    uintptr_t next, prev; /* addresses of free blocks of the same order; 0 ends the list */
};

/* What the allocator keeps per order k. */
struct buddy_order {
    uintptr_t head; /* the first free block of order k, 0 if none */
    /* The blocks of order k lying wholly inside the region are numbered
     * first, first + 1, ... (a block's number is its address >> (k + 5));
     * there are `nodes` of them, and their split bits start at bit `bit`. */
    size_t first, nodes, bit;
};

struct buddy {
    uintptr_t base, end;     /* the region: [base, end) */
    size_t size;             /* end - base */
    size_t top_bytes;        /* the size of a block of the top order: the largest request */
    unsigned top_order;      /* the largest order this region uses */
    uint32_t nonempty;       /* bit k set: the free list of order k is not empty */
    int last_error;          /* why the last alloc/calloc/realloc returned what it did */
    uint8_t *bits;           /* the caller's metadata: allocated bits, then split bits */
    size_t metadata_bytes;   /* how much of it is used */
    size_t allocated_blocks; /* blocks handed out and not yet freed */
    struct buddy_order order[BUDDY_ORDERS + 1]; /* one past the top: no blocks, stops walks */
    size_t free_count[BUDDY_ORDERS];            /* blocks on each free list */
};

struct buddy_stats {
    size_t total_bytes;                  /* the region's size */
    size_t free_bytes;                   /* in free blocks */
    size_t allocated_bytes;              /* in blocks handed out (sizes rounded up to the order) */
    size_t allocated_blocks;             /* blocks handed out */
    size_t free_blocks;                  /* free blocks, all orders */
    size_t largest_free;                 /* bytes in the largest free block, 0 if none */
    unsigned fragmentation;              /* per mille: 1000 - 1000 * largest_free / free_bytes */
    size_t metadata_bytes;               /* the bitmap outside the region */
    unsigned top_order;                  /* the largest order the region has room for */
    size_t free_per_order[BUDDY_ORDERS]; /* free blocks of each order */
    size_t free_bytes_per_order[BUDDY_ORDERS]; /* and the bytes in them */
};

/*
 * Bytes of metadata buddy_init needs for this region: ceil((N + S) / 8) for N
 * minimum blocks and S blocks of order >= 1 wholly inside the region, which
 * is at most N / 4 bytes. 0 when the region is not valid for buddy_init.
 */
size_t buddy_metadata_size(uintptr_t base, size_t size);

/*
 * Manage [base, base + size) with the metadata buffer given (any alignment,
 * at least buddy_metadata_size bytes; it must stay valid as long as b is
 * used). base and size must be multiples of BUDDY_MIN_BLOCK, size at least
 * BUDDY_MIN_BLOCK, and the region must not wrap around the address space.
 * All the region becomes free. Writes links into the region's free blocks.
 * Returns ALLOC_OK, ALLOC_ERR_BAD_ARGUMENT, ALLOC_ERR_TOO_SMALL or
 * ALLOC_ERR_METADATA.
 */
int buddy_init(struct buddy *b, uintptr_t base, size_t size, void *metadata, size_t metadata_size);

/*
 * Like buddy_init, but nothing is free yet: the region starts as blocks of the
 * given order (BUDDY_BLOCK_BYTES(order) bytes each), all in use, and the
 * caller hands each one over with buddy_free() once its memory may be used -
 * for a heap that grows on demand, once the VMM has mapped it. Freed blocks
 * merge with free neighbours as usual. Nothing in the region is read or
 * written until then. base and size must be multiples of the block size.
 */
int buddy_init_reserved(struct buddy *b, uintptr_t base, size_t size, void *metadata,
                        size_t metadata_size, unsigned order);

/*
 * A block of at least size bytes, aligned to its own size (so at least to 32).
 * Size 0 gives NULL with last_error ALLOC_OK (there is nothing to hand out).
 * NULL with last_error ALLOC_ERR_TOO_LARGE, ALLOC_ERR_NO_MEMORY or
 * ALLOC_ERR_CORRUPT otherwise. O(orders).
 */
void *buddy_alloc(struct buddy *b, size_t size);

/* n * size zeroed bytes; NULL with ALLOC_ERR_TOO_LARGE when n * size overflows. */
void *buddy_calloc(struct buddy *b, size_t n, size_t size);

/*
 * Resize the block at p, keeping its first min(old, new) bytes. Shrinking and
 * growing within the block's order keep p (shrinking gives the unused halves
 * back); growing past it keeps p too when p is aligned to the new size and the
 * upper halves on the way are whole and free, else moves the data to a new block. realloc(NULL, n) is
 * alloc(n); realloc(p, 0) frees p and returns NULL. On failure: NULL, p left
 * as it was, and last_error says why (including the buddy_free codes for a bad p).
 */
void *buddy_realloc(struct buddy *b, void *p, size_t size);

/*
 * Give back the block starting at p. free(NULL) is ALLOC_OK. Otherwise nothing
 * changes and the result is:
 *   ALLOC_ERR_NOT_OURS     p is outside the region, or inside free memory but
 *                          not on a 32-byte boundary (never handed out)
 *   ALLOC_ERR_DOUBLE_FREE  p is on a 32-byte boundary inside free memory
 *   ALLOC_ERR_MIDDLE       p is inside a block in use, but not at its start
 *   ALLOC_ERR_CORRUPT      the metadata contradicts itself
 * except that a free list found damaged while merging gives ALLOC_ERR_CORRUPT
 * with the block freed but not merged. O(orders).
 */
int buddy_free(struct buddy *b, void *p);

/* The size of the block in use starting at p; 0 if p is not such a block. */
size_t buddy_block_size(const struct buddy *b, const void *p);

/* Is p inside the region (whether free or in use)? */
bool buddy_contains(const struct buddy *b, const void *p);

/* Why the last alloc, calloc or realloc returned what it did. */
int buddy_last_error(const struct buddy *b);

/* A short description of an error code. */
const char *buddy_strerror(int err);

void buddy_stats(const struct buddy *b, struct buddy_stats *st);

/*
 * Call fn once per block, free or in use, in address order. Follows the
 * bitmaps only (never the links in free memory). O(blocks * orders).
 */
void buddy_for_each_block(const struct buddy *b,
                          void (*fn)(uintptr_t addr, unsigned order, bool used, void *ctx),
                          void *ctx);

/* The same for the blocks that start in [from, to) (from the start of a block). */
void buddy_for_each_block_in(const struct buddy *b, uintptr_t from, uintptr_t to,
                             void (*fn)(uintptr_t addr, unsigned order, bool used, void *ctx),
                             void *ctx);

/*
 * A full consistency check, for tests and debugging: every free list is
 * walked (with its links checked), and the lists, the bitmaps and the counters
 * must agree. ALLOC_OK or ALLOC_ERR_CORRUPT. O(blocks * orders).
 */
int buddy_check(const struct buddy *b);

#endif
