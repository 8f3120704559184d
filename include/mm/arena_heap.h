/*
 * mm/arena_heap.h - a heap made of allocator arenas that grows through the VMM.
 *
 * An arena heap owns a range of virtual addresses in one address space. It
 * maps "arenas" there one at a time with vmm_alloc; each arena is one heap
 * allocator instance (the buddy allocator, the linked-list heap, or slab caches
 * on a buddy allocator) over that
 * memory. When no arena can satisfy a request, the heap grows: it maps a new
 * arena (twice the size of the last one, or larger if the request needs it)
 * and tries again. An arena other than the first that becomes entirely free
 * is given back to the VMM (its frames to the PMM), unless no other arena
 * could yet serve the request it was made for: then it stays as the heap's one
 * spare until a free makes that room (docs/heap.md, "Giving arenas back").
 * Two kinds of heap are arena heaps:
 *
 *   the kernel's heap   kmalloc and friends (mm/kmalloc.h), in the kernel space
 *   a user heap         one per process (src/proc), mapped user-writable in the
 *                       process's space: arena_heap_init_user
 *
 * Pure C over struct vmm, so the host tests (tests/test_arena_heap.c) run it
 * over a buffer standing in for RAM.
 *
 *   alloc(0) returns NULL (there is nothing to hand out); free(NULL) does
 *   nothing. Too large a request, or no memory left, returns NULL.
 *   calloc(n, size) returns zeroed memory, NULL if n * size overflows.
 *   realloc(p, n) keeps the first min(old, n) bytes; realloc(NULL, n) is
 *   alloc(n); realloc(p, 0) frees p and returns NULL.
 *   Freeing twice, freeing a pointer the heap never returned or one into the
 *   middle of a block is a kernel bug: a panic that names the pointer, the
 *   mistake and the caller. The panics speak of kfree and krealloc, the kernel
 *   heap's calls, because only the kernel frees that way: the system calls free
 *   a user heap's blocks with arena_heap_try_free, which returns the mistake.
 */
#ifndef KILN_MM_ARENA_HEAP_H
#define KILN_MM_ARENA_HEAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mm/allocator.h"
#include "mm/buddy.h"
#include "mm/list_heap.h"
#include "mm/slab.h"
#include "mm/vmm.h"

#define ARENA_HEAP_MAX_ARENAS 24
#define ARENA_HEAP_FIRST_ARENA (256ULL << 10) /* 256 KiB */
#define ARENA_HEAP_MAX_ARENA (1ULL << 30)     /* the buddy's largest block */

enum heap_backend { HEAP_BUDDY, HEAP_LIST, HEAP_SLAB }; /* slab: slab caches on a buddy */

struct heap_arena {
    uintptr_t base;
    size_t size;        /* 0: a vacant slot (never used, or its arena was given back) */
    size_t made_for;    /* the request that made the heap grow this arena (0 for arena 0) */
    uintptr_t metadata; /* the buddy's bitmaps (and the slab heap's tables), 0 for the list heap */
    size_t metadata_size;
    union {
        struct buddy buddy;
        struct list_heap list;
        struct slab_heap slab;
    } heap;
    struct allocator a;
};

/*
 * Where a user heap's arenas get their memory. NULL (the kernel heap, and the
 * default) means vmm_alloc now and vmm_free at the end; src/proc gives its
 * own to record each arena as a region and, under vm=demand, to map nothing
 * until the first touch. reserve returns VMM_OK or a VMM_ERR_* code.
 */
struct arena_backing {
    int (*reserve)(void *ctx, uintptr_t base, size_t size, unsigned flags);
    void (*release)(void *ctx, uintptr_t base, size_t size);
    void *ctx;
};

struct arena_heap {
    enum heap_backend backend;
    const struct arena_backing *backing; /* NULL: vmm_alloc / vmm_free */
    struct address_space *space; /* where arenas are mapped */
    unsigned arena_flags;        /* VMM flags of the arenas (the bitmaps are always kernel-only) */
    bool user;                   /* a process's heap: its free lists live in memory the
                                  * program can write, so damage is an error, not a panic */
    int last_error;              /* ALLOC_ERR_* of the last failed arena_heap_alloc */
    uintptr_t start, end;        /* the virtual range arenas are carved from */
    uintptr_t next;              /* the end of the highest arena (arenas may leave holes) */
    uintptr_t meta_start, meta_next; /* the buddy bitmaps, mapped after the arenas' range;
                                      * meta_next: the end of the highest bitmaps */
    unsigned count;                  /* slots in use: arenas[0..count) (some may be vacant) */
    int spare;                       /* the empty arena kept (index), -1 if none */
    struct heap_arena arenas[ARENA_HEAP_MAX_ARENAS];
    uint64_t grows;        /* arenas added after the first */
    uint64_t releases;     /* emptied arenas given back to the VMM */
    uint64_t mapped_bytes; /* arenas + metadata mapped from the VMM */
};

/* A slot that holds an arena (arenas[] may have vacant slots below count). */
static inline bool arena_heap_slot_live(const struct heap_arena *ar)
{
    return ar->size != 0;
}

struct arena_heap_stats {
    struct alloc_stats total; /* summed over the arenas */
    unsigned arenas;          /* live arenas */
    uint64_t grows;
    uint64_t releases;
    uint64_t mapped_bytes;
};

/*
 * Set up a heap in [start, start + size) of space (the upper 1/8 of the range
 * holds the buddy bitmaps) and map its first arena. Returns a VMM_ERR_* code
 * or VMM_OK.
 */
int arena_heap_init(struct arena_heap *h, enum heap_backend backend, struct address_space *space,
                    uintptr_t start, size_t size);
/*
 * The same for a user program's heap (src/proc): the arenas are mapped
 * VMM_USER | VMM_WRITE in the process's space, the bitmaps kernel-only. A
 * damaged free list makes arena_heap_alloc return NULL with last_error
 * ALLOC_ERR_CORRUPT instead of panicking, and bad frees go through
 * arena_heap_try_free, which returns the error.
 */
int arena_heap_init_user(struct arena_heap *h, struct address_space *space, uintptr_t start,
                         size_t size);
/* The same, with the arenas' memory from `backing` (the bitmaps stay vmm_alloc'd). */
int arena_heap_init_user_backed(struct arena_heap *h, struct address_space *space, uintptr_t start,
                                size_t size, const struct arena_backing *backing);

void *arena_heap_alloc(struct arena_heap *h, size_t size);
void arena_heap_free(struct arena_heap *h, void *p, void *caller);
/* Free p; returns ALLOC_OK or the ALLOC_ERR_* mistake (ALLOC_ERR_NOT_OURS
 * outside every arena) instead of panicking. */
int arena_heap_try_free(struct arena_heap *h, void *p);
void *arena_heap_calloc(struct arena_heap *h, size_t n, size_t size);
void *arena_heap_realloc(struct arena_heap *h, void *p, size_t size, void *caller);
size_t arena_heap_block_size(const struct arena_heap *h, const void *p);
void arena_heap_stats(const struct arena_heap *h, struct arena_heap_stats *st);
/* One line: "heap: buddy allocator, 1 arena(s), 256 KiB mapped, ..." */
size_t arena_heap_summary(const struct arena_heap *h, char *buf, size_t size);

/* That line, then each arena's picture, indented by two spaces. */
size_t arena_heap_picture(const struct arena_heap *h, char *buf, size_t size);

/* Undo arena_heap_init: unmap every arena and bitmap (for tests of a private heap). */
void arena_heap_destroy(struct arena_heap *h);
const char *heap_backend_name(enum heap_backend b);

#endif
