/*
 * mm/kmalloc.h - kmalloc and friends: the kernel's own heap.
 *
 * The kernel heap is one arena heap (mm/arena_heap.h) in the virtual range
 * that starts at KERNEL_HEAP_BASE: the buddy allocator by default, the
 * linked-list heap with heap=list on the command line. The contracts are the
 * arena heap's: kmalloc(0) returns NULL; kfree(NULL) does nothing; kcalloc
 * returns zeroed memory, NULL if n * size overflows; krealloc keeps the first
 * min(old, n) bytes. A bad kfree (twice, a pointer the heap never returned,
 * the middle of a block) is a kernel bug: a panic naming the caller.
 */
#ifndef KILN_MM_KMALLOC_H
#define KILN_MM_KMALLOC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mm/arena_heap.h"

/* The kernel's heap, set up by kmalloc_init after the VMM. */
extern struct arena_heap kernel_heap;

/* Map the kernel heap's first arena; a failure is a panic (nothing can run without it). */
void kmalloc_init(enum heap_backend backend);

/* rdtsc cycles kmalloc_init took (instructions under -icount; ci/bench reads them). */
extern uint64_t kmalloc_init_cycles;

/*
 * heaptrace on the command line: every kmalloc, kcalloc, kfree and krealloc
 * that succeeds prints one record, for ci/bench-heap to replay on the host:
 *   "ht a SIZE PTR"   kmalloc/kcalloc of SIZE bytes (hex) returned PTR
 *   "ht f PTR"        kfree(PTR)
 *   "ht r OLD SIZE NEW" krealloc(OLD, SIZE) returned NEW
 */
extern bool kmalloc_trace;

void *kmalloc(size_t size);
void kfree(void *p);
void *kcalloc(size_t n, size_t size);
void *krealloc(void *p, size_t size);

/* One line: "heap: buddy allocator, 1 arena(s), 256 KiB mapped, ..." */
void kmalloc_print_summary(void);

/* That line, then each arena's picture, each line after prefix. */
void kmalloc_print(const char *prefix);

#endif
