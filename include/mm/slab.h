/*
 * mm/slab.h - slab caches chained on the buddy allocator.
 *
 * The buddy allocator rounds every request up to a power of two: a 33-byte
 * request takes 64 bytes. A slab heap puts object caches in front of it. Each
 * cache hands out objects of one fixed size; it gets its memory from the
 * buddy allocator a "slab" at a time (one buddy block of 4 to 32 KiB) and cuts
 * the slab into equal objects:
 *
 *   slab (a buddy block of 4 KiB, aligned to its size)
 *   | header 64 B | obj 0 | obj 1 | obj 2 | ...              | obj 83 | waste |
 *     check value, class, objects in use, list links,
 *     one bit per object: 1 = free
 *
 * The caches' sizes ("size classes") are finer than powers of two: every 16
 * bytes up to 256, every 32 up to 512, every 128 up to 2 KiB. A request of at
 * most SLAB_MAX_OBJECT bytes takes an object of the smallest class that holds
 * it; a larger one goes to the buddy allocator unchanged. So a 33-byte request
 * takes 48 bytes, not 64. The allocators are chained: slab on buddy, buddy on
 * the region (and in the kernel, the region on the VMM, the VMM on the PMM).
 *
 * What the slab heap keeps, besides the buddy's bitmaps:
 *
 *   one byte per 4 KiB page of the region, outside it: 0 for a page that is
 *     not part of a slab, else which slab size it belongs to. free(p) reads
 *     p's byte, and so learns in O(1) whether p is a slab object (and where
 *     its slab starts) or a buddy block;
 *   one struct slab_cache per size class, outside the region too;
 *   each slab's header, inside the slab (in memory the heap never hands out).
 *
 * The checks are the other heaps': freeing an object twice (its bit is already
 * 1), a pointer into the middle of an object, a pointer into a slab's header
 * or its unused tail, or outside the region, each give their ALLOC_ERR_* code
 * and change nothing. A damaged slab header (its check value no longer matches
 * its address and class) gives ALLOC_ERR_CORRUPT. The slab heap is for the
 * kernel's own heap: unlike the buddy allocator alone, it keeps headers inside
 * the region, so a user heap (whose program could overwrite them) stays on the
 * plain buddy allocator.
 *
 * A slab whose last object is freed goes back to the buddy allocator at once,
 * so when everything is freed the heap is exactly as it started. Pure C, for
 * the kernel and the host tests (tests/test_slab.c). docs/heap.md explains it.
 */
#ifndef KILN_MM_SLAB_H
#define KILN_MM_SLAB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mm/allocator.h"
#include "mm/buddy.h"

#define SLAB_PAGE_SHIFT 12 /* the slab page table has one byte per 4 KiB */
#define SLAB_PAGE_BYTES ((size_t)1 << SLAB_PAGE_SHIFT)
#define SLAB_MIN_ORDER 7  /* the smallest slab: a 4 KiB buddy block (order 7) */
#define SLAB_MAX_ORDER 10 /* the largest: 32 KiB */
#define SLAB_MAX_OBJECT 2048u
#define SLAB_CLASSES 36      /* 16 classes of 16 B steps, 8 of 32 B, 12 of 128 B */
#define SLAB_HEADER_BYTES 64 /* struct slab, at the start of each slab */
#define SLAB_MAX_OBJECTS 256 /* per slab: the header's free bitmap has 256 bits */
#define SLAB_ALIGN 16        /* every object is aligned to 16 bytes */

/* The header at the start of every slab. */
struct slab {
    uint64_t check;       /* a magic number mixed with the slab's address and class */
    uintptr_t next, prev; /* the cache's list of slabs with a free object; 0 ends it */
    uint16_t cls;         /* the size class of its objects */
    uint16_t in_use;      /* objects handed out */
    uint32_t reserved;
    uint64_t free[SLAB_MAX_OBJECTS / 64]; /* bit i set: object i is free */
};

/* One object cache: all its objects have the same size. */
struct slab_cache {
    uint32_t object_size;
    uint16_t per_slab;   /* objects in one slab */
    uint8_t slab_order;  /* the buddy order of its slabs */
    uint8_t cls;         /* its index */
    uint32_t object_bytes; /* per_slab * object_size: where the unused tail starts */
    uint64_t reciprocal; /* ceil(2^32 / object_size): offset -> index without a division */
    uintptr_t partial;   /* the first slab with a free object, 0 if none */
    size_t slabs;        /* slabs it holds */
    size_t in_use;       /* objects handed out */
};

struct slab_heap {
    struct buddy buddy;        /* the slabs and the large blocks come from here */
    uint8_t *slab_pages;       /* one byte per 4 KiB page; see above */
    struct slab_cache *caches; /* SLAB_CLASSES of them, in the metadata */
    int last_error;            /* why the last alloc/calloc/realloc returned what it did */
    size_t metadata_bytes;     /* buddy bitmaps + page table + caches */
};

struct slab_stats {
    struct buddy_stats buddy; /* of the buddy underneath (slabs count as blocks in use) */
    size_t slabs;             /* slabs held by all caches */
    size_t slab_bytes;        /* bytes in them */
    size_t objects;           /* objects in use */
    size_t object_bytes;      /* their class sizes added up */
    size_t large_blocks;      /* buddy blocks handed out directly (larger than a class) */
    size_t large_bytes;
};

/* The size class of a request of 1..SLAB_MAX_OBJECT bytes, and its object size. */
unsigned slab_class_of(size_t size);
size_t slab_class_size(unsigned cls);

/* Bytes of metadata slab_heap_init needs (0 if the region is not valid). */
size_t slab_heap_metadata_size(uintptr_t base, size_t size);

/*
 * Manage [base, base + size): base and size multiples of 4 KiB, size at least
 * 32 KiB (the largest slab). metadata: 8-byte aligned, at least
 * slab_heap_metadata_size bytes, valid as long as s is used. Returns ALLOC_OK,
 * ALLOC_ERR_BAD_ARGUMENT, ALLOC_ERR_TOO_SMALL or ALLOC_ERR_METADATA.
 */
int slab_heap_init(struct slab_heap *s, uintptr_t base, size_t size, void *metadata,
                   size_t metadata_size);

/* The same contracts as buddy_alloc/free/calloc/realloc (mm/buddy.h): size 0
 * gives NULL with ALLOC_OK; free(NULL) is ALLOC_OK; a bad free changes nothing. */
void *slab_heap_alloc(struct slab_heap *s, size_t size);
int slab_heap_free(struct slab_heap *s, void *p);
void *slab_heap_calloc(struct slab_heap *s, size_t n, size_t size);
void *slab_heap_realloc(struct slab_heap *s, void *p, size_t size);

/* The usable size of the object or block starting at p; 0 if p is not one. */
size_t slab_heap_block_size(const struct slab_heap *s, const void *p);
int slab_heap_last_error(const struct slab_heap *s);
void slab_heap_stats(const struct slab_heap *s, struct slab_stats *st);
void slab_heap_alloc_stats(const struct slab_heap *s, struct alloc_stats *st);

/* Call fn once per slab, in address order (from the buddy's walk). */
void slab_heap_for_each_slab(const struct slab_heap *s,
                             void (*fn)(const struct slab_cache *c, uintptr_t slab,
                                        const struct slab *header, void *ctx),
                             void *ctx);

/*
 * A full consistency check for tests: the buddy's own check, every slab's
 * header, bitmap and page bytes, every cache's partial list and counters.
 * ALLOC_OK or ALLOC_ERR_CORRUPT.
 */
int slab_heap_check(const struct slab_heap *s);

#endif
