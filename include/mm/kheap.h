/*
 * mm/kheap.h - kmalloc and friends: the kernel's heap.
 *
 * The kernel heap is a chain of "arenas" in the virtual range that starts at
 * KERNEL_HEAP_BASE. Each arena is one heap allocator instance (the buddy
 * allocator by default, the linked-list heap with heap=list on the command
 * line) over memory that vmm_alloc mapped when the arena was made. When no
 * arena can satisfy a request, the heap grows: it maps a new arena (twice the
 * size of the last one, or larger if the request needs it) and tries again.
 * Memory is never handed back to the VMM; freed blocks are reused.
 *
 *   kmalloc(0) returns NULL (there is nothing to hand out); kfree(NULL) does
 *   nothing. Too large a request, or no memory left, returns NULL.
 *   kcalloc(n, size) returns zeroed memory, NULL if n * size overflows.
 *   krealloc(p, n) keeps the first min(old, n) bytes; krealloc(NULL, n) is
 *   kmalloc(n); krealloc(p, 0) frees p and returns NULL.
 *   Freeing twice, freeing a pointer the heap never returned or one into the
 *   middle of a block is a kernel bug: a panic that names the pointer, the
 *   mistake and the caller.
 */
#ifndef KILN_MM_KHEAP_H
#define KILN_MM_KHEAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mm/allocator.h"
#include "mm/buddy.h"
#include "mm/list_alloc.h"
#include "mm/vmm.h"

#define KHEAP_MAX_ARENAS 24
#define KHEAP_FIRST_ARENA (256ULL << 10) /* 256 KiB */
#define KHEAP_MAX_ARENA (1ULL << 30)     /* the buddy's largest block */

enum kheap_backend { KHEAP_BUDDY, KHEAP_LIST };

struct kheap_arena {
    uintptr_t base;
    size_t size;
    uintptr_t metadata; /* the buddy's bitmaps (outside the arena), 0 for the list heap */
    size_t metadata_size;
    union {
        struct buddy buddy;
        struct list_heap list;
    } heap;
    struct allocator a;
};

struct kheap {
    enum kheap_backend backend;
    struct address_space *space; /* where arenas are mapped */
    unsigned arena_flags;        /* VMM flags of the arenas (the bitmaps are always kernel-only) */
    bool user;                   /* a process's heap: its free lists live in memory the
                                  * program can write, so damage is an error, not a panic */
    int last_error;              /* ALLOC_ERR_* of the last failed kheap_alloc */
    uintptr_t start, end;        /* the virtual range arenas are carved from */
    uintptr_t next;              /* where the next arena may go */
    uintptr_t meta_start, meta_next; /* the buddy bitmaps, mapped after the arenas' range */
    unsigned count;
    struct kheap_arena arenas[KHEAP_MAX_ARENAS];
    uint64_t grows;        /* arenas added after the first */
    uint64_t mapped_bytes; /* arenas + metadata mapped from the VMM */
};

struct kheap_stats {
    struct alloc_stats total; /* summed over the arenas */
    unsigned arenas;
    uint64_t grows;
    uint64_t mapped_bytes;
};

/*
 * Set up a heap in [start, start + size) of space (the upper 1/8 of the range
 * holds the buddy bitmaps) and map its first arena. Returns a VMM_ERR_* code
 * or VMM_OK.
 */
int kheap_init(struct kheap *h, enum kheap_backend backend, struct address_space *space,
               uintptr_t start, size_t size);
/*
 * The same for a user program's heap (src/proc): the arenas are mapped
 * VMM_USER | VMM_WRITE in the process's space, the bitmaps kernel-only. A
 * damaged free list makes kheap_alloc return NULL with last_error
 * ALLOC_ERR_CORRUPT instead of panicking, and bad frees go through
 * kheap_try_free, which returns the error.
 */
int kheap_init_user(struct kheap *h, struct address_space *space, uintptr_t start, size_t size);

void *kheap_alloc(struct kheap *h, size_t size);
void kheap_free(struct kheap *h, void *p, void *caller);
/* Free p; returns ALLOC_OK or the ALLOC_ERR_* mistake (ALLOC_ERR_NOT_OURS
 * outside every arena) instead of panicking. */
int kheap_try_free(struct kheap *h, void *p);
void *kheap_calloc(struct kheap *h, size_t n, size_t size);
void *kheap_realloc(struct kheap *h, void *p, size_t size, void *caller);
size_t kheap_block_size(const struct kheap *h, const void *p);
void kheap_stats(const struct kheap *h, struct kheap_stats *st);
/* One line: "heap: buddy allocator, 1 arena(s), 256 KiB mapped, ..." */
void kheap_print_summary(const struct kheap *h);
/* That line, then each arena's picture, each line after prefix. */
void kheap_print(const struct kheap *h, const char *prefix);
/* The same text (without a prefix) into buf, cut to fit and NUL-terminated
 * when size > 0. Returns the full length, like snprintf. */
size_t kheap_picture(const struct kheap *h, char *buf, size_t size);
/* Undo kheap_init: unmap every arena and bitmap (for tests of a private heap). */
void kheap_destroy(struct kheap *h);
const char *kheap_backend_name(enum kheap_backend b);

/* The kernel's heap, set up by kheap_boot_init after the VMM. */
extern struct kheap kernel_heap;
void kheap_boot_init(enum kheap_backend backend);

void *kmalloc(size_t size);
void kfree(void *p);
void *kcalloc(size_t n, size_t size);
void *krealloc(void *p, size_t size);

#endif
