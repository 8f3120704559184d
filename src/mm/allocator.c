/*
 * mm/allocator.c - the buddy, linked-list and slab heaps behind one interface
 * (struct allocator, include/mm/allocator.h), so the arena heap, the tests and
 * the benchmarks can use either without knowing which. Only adapters: each
 * operation calls the heap's own function of the same name.
 */
#include "mm/allocator.h"

#include "mm/buddy.h"
#include "mm/heap_picture.h"
#include "mm/list_heap.h"
#include "mm/slab.h"

/* ---- The buddy allocator ----------------------------------------------------- */

static void *buddy_op_alloc(void *heap, size_t size)
{
    return buddy_alloc(heap, size);
}

static int buddy_op_free(void *heap, void *p)
{
    return buddy_free(heap, p);
}

static void *buddy_op_calloc(void *heap, size_t n, size_t size)
{
    return buddy_calloc(heap, n, size);
}

static void *buddy_op_realloc(void *heap, void *p, size_t size)
{
    return buddy_realloc(heap, p, size);
}

static size_t buddy_op_block_size(const void *heap, const void *p)
{
    return buddy_block_size(heap, p);
}

static void buddy_op_stats(const void *heap, struct alloc_stats *st)
{
    struct buddy_stats s;
    buddy_stats(heap, &s);
    *st = (struct alloc_stats){
        .total_bytes = s.total_bytes,
        .free_bytes = s.free_bytes,
        .used_bytes = s.allocated_bytes,
        .used_blocks = s.allocated_blocks,
        .free_blocks = s.free_blocks,
        .largest_free = s.largest_free,
        .metadata_bytes = s.metadata_bytes,
        .fragmentation = s.fragmentation,
    };
}

static size_t buddy_op_picture(const void *heap, char *buf, size_t size)
{
    return buddy_picture(heap, buf, size);
}

static int buddy_op_last_error(const void *heap)
{
    return buddy_last_error(heap);
}

static const struct allocator_ops buddy_ops = {
    .name = "buddy",
    .alloc = buddy_op_alloc,
    .free = buddy_op_free,
    .calloc = buddy_op_calloc,
    .realloc = buddy_op_realloc,
    .block_size = buddy_op_block_size,
    .stats = buddy_op_stats,
    .picture = buddy_op_picture,
    .last_error = buddy_op_last_error,
};

struct allocator allocator_buddy(struct buddy *b)
{
    return (struct allocator){&buddy_ops, b};
}

/* ---- The linked-list heap ------------------------------------------------------ */

static void *list_op_alloc(void *heap, size_t size)
{
    return list_heap_alloc(heap, size);
}

static int list_op_free(void *heap, void *p)
{
    return list_heap_free(heap, p);
}

static void *list_op_calloc(void *heap, size_t n, size_t size)
{
    return list_heap_calloc(heap, n, size);
}

static void *list_op_realloc(void *heap, void *p, size_t size)
{
    return list_heap_realloc(heap, p, size);
}

static size_t list_op_block_size(const void *heap, const void *p)
{
    return list_heap_block_size(heap, p);
}

static void list_op_stats(const void *heap, struct alloc_stats *st)
{
    list_heap_stats(heap, st);
}

static size_t list_op_picture(const void *heap, char *buf, size_t size)
{
    return list_heap_picture(heap, buf, size);
}

static int list_op_last_error(const void *heap)
{
    return list_heap_last_error(heap);
}

static const struct allocator_ops list_heap_ops = {
    .name = "list",
    .alloc = list_op_alloc,
    .free = list_op_free,
    .calloc = list_op_calloc,
    .realloc = list_op_realloc,
    .block_size = list_op_block_size,
    .stats = list_op_stats,
    .picture = list_op_picture,
    .last_error = list_op_last_error,
};

struct allocator allocator_list_heap(struct list_heap *l)
{
    return (struct allocator){&list_heap_ops, l};
}

/* ---- The slab heap (slab caches on a buddy allocator) ------------------------- */

static void *slab_op_alloc(void *heap, size_t size)
{
    return slab_heap_alloc(heap, size);
}

static int slab_op_free(void *heap, void *p)
{
    return slab_heap_free(heap, p);
}

static void *slab_op_calloc(void *heap, size_t n, size_t size)
{
    return slab_heap_calloc(heap, n, size);
}

static void *slab_op_realloc(void *heap, void *p, size_t size)
{
    return slab_heap_realloc(heap, p, size);
}

static size_t slab_op_block_size(const void *heap, const void *p)
{
    return slab_heap_block_size(heap, p);
}

static void slab_op_stats(const void *heap, struct alloc_stats *st)
{
    slab_heap_alloc_stats(heap, st);
}

static size_t slab_op_picture(const void *heap, char *buf, size_t size)
{
    return slab_heap_picture(heap, buf, size);
}

static int slab_op_last_error(const void *heap)
{
    return slab_heap_last_error(heap);
}

static const struct allocator_ops slab_heap_ops = {
    .name = "slab",
    .alloc = slab_op_alloc,
    .free = slab_op_free,
    .calloc = slab_op_calloc,
    .realloc = slab_op_realloc,
    .block_size = slab_op_block_size,
    .stats = slab_op_stats,
    .picture = slab_op_picture,
    .last_error = slab_op_last_error,
};

struct allocator allocator_slab_heap(struct slab_heap *s)
{
    return (struct allocator){&slab_heap_ops, s};
}
