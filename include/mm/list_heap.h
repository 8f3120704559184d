/*
 * mm/list_heap.h - the linked-list heap: first fit over a list of blocks.
 *
 * The teaching heap of the early chapters, kept as the baseline the buddy
 * allocator (mm/buddy.h) is measured against. The region is cut into blocks
 * that follow each other with no gaps; each block starts with a 32-byte
 * header (struct list_block) and the headers form a doubly linked list in
 * address order:
 *
 *   base                                                            end
 *   | hdr | in use  | hdr | free        | hdr | in use | hdr | free   |
 *
 *   allocate n bytes  walk the list from the start and take the first free
 *                     block big enough ("first fit"); if what is left over
 *                     can hold another block, split it off as a free block
 *   free a block      mark it free and merge it with the blocks on both sides
 *                     when they are free ("coalesce"), so that no two free
 *                     blocks are ever neighbours
 *
 * Allocation costs O(blocks), free O(1). Every result is 16-byte aligned.
 * A header carries a check value made from its address, size and state, so a
 * pointer that does not point just past a real header (the middle of a block,
 * memory that was never handed out) is caught, and a damaged header is
 * reported as ALLOC_ERR_CORRUPT instead of being followed. The error codes
 * and their meanings are the shared ones of mm/allocator.h.
 */
#ifndef KILN_MM_LIST_HEAP_H
#define KILN_MM_LIST_HEAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mm/allocator.h"

#define LIST_ALIGN 16       /* every block and result is aligned to this */
#define LIST_HEADER_SIZE 32 /* sizeof(struct list_block) */
#define LIST_MIN_BLOCK (LIST_HEADER_SIZE + LIST_ALIGN) /* a header and 16 usable bytes */

/* The header at the start of every block; the usable memory follows it. */
struct list_block {
    struct list_block *prev, *next; /* neighbours in address order; NULL at the ends */
    size_t size;                    /* the whole block, header included */
    uint32_t free;                  /* 1 free, 0 in use */
    uint32_t check;                 /* LIST_MAGIC mixed with address, size and free */
};

struct list_heap {
    uintptr_t base, end;      /* the region: [base, end) */
    struct list_block *first; /* the block at base */
    int last_error;           /* why the last alloc/calloc/realloc returned what it did */
};

/*
 * Manage [base, base + size): base and size multiples of LIST_ALIGN, size at
 * least LIST_MIN_BLOCK, no wrap-around. Writes one header at base.
 * ALLOC_OK, ALLOC_ERR_BAD_ARGUMENT or ALLOC_ERR_TOO_SMALL.
 */
int list_heap_init(struct list_heap *l, uintptr_t base, size_t size);

/* The same contracts as the buddy's functions (mm/allocator.h). */
void *list_heap_alloc(struct list_heap *l, size_t size);
void *list_heap_calloc(struct list_heap *l, size_t n, size_t size);
void *list_heap_realloc(struct list_heap *l, void *p, size_t size);

/*
 * ALLOC_OK; or ALLOC_ERR_NOT_OURS (outside the region, or in free memory but
 * not 16-byte aligned), ALLOC_ERR_DOUBLE_FREE (16-byte aligned in free memory,
 * including a block already freed), ALLOC_ERR_MIDDLE (inside a block in use,
 * header included, but not its start) or ALLOC_ERR_CORRUPT, changing nothing.
 */
int list_heap_free(struct list_heap *l, void *p);

/* Usable bytes of the block in use starting at p; 0 if p is not one. */
size_t list_heap_block_size(const struct list_heap *l, const void *p);
int list_heap_last_error(const struct list_heap *l);

/* Walks every block. */
void list_heap_stats(const struct list_heap *l, struct alloc_stats *st);

/* Walk every block checking headers and links: ALLOC_OK or ALLOC_ERR_CORRUPT. */
int list_heap_check(const struct list_heap *l);

/*
 * Call fn once per block in address order, checking each header before
 * following it. Returns 0, or the address of the first damaged header (where
 * the walk stopped).
 */
uintptr_t list_heap_for_each_block(const struct list_heap *l,
                                   void (*fn)(uintptr_t addr, size_t size, bool free, void *ctx),
                                   void *ctx);

#endif
