/*
 * mm/allocator.h - one interface in front of kiln's heap allocators.
 *
 * kiln has two heaps that hand out memory of any size from a region of
 * addresses: the buddy allocator (mm/buddy.h, the real one) and the linked-list
 * heap (mm/list_heap.h, the teaching baseline it is measured against). Code
 * that only needs "give me n bytes" - kmalloc, the host tests, the benchmark -
 * holds a struct allocator: a table of operations plus the heap it works on,
 * the same idea as a file's table of read/write operations in a Unix kernel.
 *
 *     struct buddy heap;
 *     buddy_init(&heap, base, size, metadata, metadata_size);
 *     struct allocator a = allocator_buddy(&heap);
 *     void *p = allocator_alloc(&a, 100);
 *     int err = allocator_free(&a, p);
 *
 * This header also holds what every heap shares: the error codes and the
 * statistics. Errors are returned, never acted on: the kernel's wrapper turns
 * them into named panics, the user-heap system call into error codes.
 */
#ifndef KILN_MM_ALLOCATOR_H
#define KILN_MM_ALLOCATOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- Error codes, shared by every heap --------------------------------- */

#define ALLOC_OK 0
#define ALLOC_ERR_NO_MEMORY (-1)    /* no free block is large enough */
#define ALLOC_ERR_TOO_LARGE (-2)    /* larger than the heap's largest possible block */
#define ALLOC_ERR_DOUBLE_FREE (-3)  /* the pointer is in memory that is already free */
#define ALLOC_ERR_NOT_OURS (-4)     /* outside the heap, or never handed out by it */
#define ALLOC_ERR_MIDDLE (-5)       /* inside a block that is in use, but not its start */
#define ALLOC_ERR_CORRUPT (-6)      /* the heap's own records are damaged */
#define ALLOC_ERR_BAD_ARGUMENT (-7) /* init: a NULL pointer, a misaligned or wrapping region */
#define ALLOC_ERR_TOO_SMALL (-8)    /* init: the region cannot hold a single block */
#define ALLOC_ERR_METADATA (-9)     /* init: the metadata buffer is too small */

/* A short description of an error code, for panics and test messages. */
static inline const char *alloc_strerror(int err)
{
    switch (err) {
    case ALLOC_OK:
        return "no error";
    case ALLOC_ERR_NO_MEMORY:
        return "out of memory";
    case ALLOC_ERR_TOO_LARGE:
        return "request larger than the largest block";
    case ALLOC_ERR_DOUBLE_FREE:
        return "double free (the memory is already free)";
    case ALLOC_ERR_NOT_OURS:
        return "pointer not from this heap";
    case ALLOC_ERR_MIDDLE:
        return "pointer into the middle of a block";
    case ALLOC_ERR_CORRUPT:
        return "heap corrupt";
    case ALLOC_ERR_BAD_ARGUMENT:
        return "bad argument";
    case ALLOC_ERR_TOO_SMALL:
        return "region too small";
    case ALLOC_ERR_METADATA:
        return "metadata buffer too small";
    default:
        return "unknown error";
    }
}

/* ---- Statistics every heap can give ------------------------------------ */

struct alloc_stats {
    size_t total_bytes;     /* the region the heap manages */
    size_t free_bytes;      /* in free blocks (the list heap counts their headers too) */
    size_t used_bytes;      /* total - free: blocks in use with their rounding and headers */
    size_t used_blocks;     /* blocks handed out and not yet freed */
    size_t free_blocks;     /* separate free blocks */
    size_t largest_free;    /* bytes in the largest free block */
    size_t metadata_bytes;  /* bookkeeping kept outside the region (the buddy's bitmaps) */
    unsigned fragmentation; /* per mille: 1000 - 1000 * largest_free / free_bytes */
};

/* ---- The operations table ---------------------------------------------- */

/*
 * Each heap implements these with the same contract as its own functions:
 *   alloc(0) returns NULL; free(NULL) is ALLOC_OK and does nothing;
 *   calloc returns zeroed memory, NULL when n * size overflows;
 *   realloc(NULL, n) is alloc(n); realloc(p, 0) frees p and returns NULL;
 *     on failure it returns NULL and leaves p as it was;
 *   block_size is the usable size of the block starting at p, 0 if p is not one;
 *   last_error is why the last alloc/calloc/realloc returned what it did.
 */
struct allocator_ops {
    const char *name;
    void *(*alloc)(void *heap, size_t size);
    int (*free)(void *heap, void *p);
    void *(*calloc)(void *heap, size_t n, size_t size);
    void *(*realloc)(void *heap, void *p, size_t size);
    size_t (*block_size)(const void *heap, const void *p);
    void (*stats)(const void *heap, struct alloc_stats *st);
    size_t (*picture)(const void *heap, char *buf, size_t size);
    int (*last_error)(const void *heap);
};

struct allocator {
    const struct allocator_ops *ops;
    void *heap; /* a struct buddy, a struct list_heap, ... */
};

/* The constructors (src/mm/allocator.c). */
struct buddy;
struct list_heap;
struct slab_heap;
struct allocator allocator_buddy(struct buddy *b);
struct allocator allocator_list_heap(struct list_heap *l);
struct allocator allocator_slab_heap(struct slab_heap *s);

static inline void *allocator_alloc(const struct allocator *a, size_t size)
{
    return a->ops->alloc(a->heap, size);
}

static inline int allocator_free(const struct allocator *a, void *p)
{
    return a->ops->free(a->heap, p);
}

static inline void *allocator_calloc(const struct allocator *a, size_t n, size_t size)
{
    return a->ops->calloc(a->heap, n, size);
}

static inline void *allocator_realloc(const struct allocator *a, void *p, size_t size)
{
    return a->ops->realloc(a->heap, p, size);
}

static inline size_t allocator_block_size(const struct allocator *a, const void *p)
{
    return a->ops->block_size(a->heap, p);
}

static inline void allocator_stats(const struct allocator *a, struct alloc_stats *st)
{
    a->ops->stats(a->heap, st);
}

static inline size_t allocator_picture(const struct allocator *a, char *buf, size_t size)
{
    return a->ops->picture(a->heap, buf, size);
}

static inline int allocator_last_error(const struct allocator *a)
{
    return a->ops->last_error(a->heap);
}

/* The fragmentation figure both heaps report: 0 = all free memory in one block. */
static inline unsigned alloc_fragmentation(size_t largest_free, size_t free_bytes)
{
    if (free_bytes == 0)
        return 0;
    return (unsigned)(1000 - (uint64_t)largest_free * 1000 / free_bytes);
}

#endif
