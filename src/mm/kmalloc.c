/*
 * mm/kmalloc.c - kmalloc and friends: the kernel's heap (see include/mm/kmalloc.h).
 *
 * The allocation work is the arena heap's (mm/arena_heap.c); this file holds
 * the kernel's one instance of it and prints it on the console.
 */
#include "mm/kmalloc.h"

#include "arch/x86_64/cpu.h"
#include "dev/console.h"
#include "kernel/panic.h"
#include "lib/string.h"
#include "mm/layout.h"
#include "mm/vmm_boot.h"

struct arena_heap kernel_heap;
uint64_t kmalloc_init_cycles;

void kmalloc_init(enum heap_backend backend)
{
    uint64_t start = rdtsc();
    int err =
        arena_heap_init(&kernel_heap, backend, &kernel_space, KERNEL_HEAP_BASE, KERNEL_HEAP_MAX);
    if (err)
        panic("kmalloc_init: mapping the first arena failed: %s", vmm_strerror(err));
    kmalloc_init_cycles = rdtsc() - start;
}

bool kmalloc_trace;

void *kmalloc(size_t size)
{
    void *p = arena_heap_alloc(&kernel_heap, size);
    if (kmalloc_trace && p)
        kprintf("ht a %lx %p\n", (unsigned long)size, p);
    return p;
}

void kfree(void *p)
{
    arena_heap_free(&kernel_heap, p, CALLER_ADDRESS()); /* a bad free panics before the record */
    if (kmalloc_trace && p)
        kprintf("ht f %p\n", p);
}

void *kcalloc(size_t n, size_t size)
{
    void *p = arena_heap_calloc(&kernel_heap, n, size);
    if (kmalloc_trace && p)
        kprintf("ht a %lx %p\n", (unsigned long)(n * size), p);
    return p;
}

void *krealloc(void *p, size_t size)
{
    void *q = arena_heap_realloc(&kernel_heap, p, size, CALLER_ADDRESS());
    if (kmalloc_trace && (q || (p && size == 0)))
        kprintf("ht r %p %lx %p\n", p, (unsigned long)size, q);
    return q;
}

void kmalloc_print_summary(void)
{
    char line[160];
    arena_heap_summary(&kernel_heap, line, sizeof(line));
    kprintf("%s", line);
}

void kmalloc_print(const char *prefix)
{
    static char picture[8192];
    arena_heap_picture(&kernel_heap, picture, sizeof(picture));
    /* Print line by line, so each gets the prefix. */
    char *line = picture;
    while (*line) {
        char *nl = strchr(line, '\n');
        if (nl)
            *nl = '\0';
        kprintf("%s%s\n", prefix, line);
        if (!nl)
            break;
        line = nl + 1;
    }
}
