/*
 * mm/addr.h - physical and virtual addresses are different things.
 *
 * A physical address names a byte of RAM (what the memory bus sees); a virtual
 * address is what the CPU's instructions use, translated by the page tables.
 * Mixing them up is the classic memory-management bug, so they get distinct
 * type names and every conversion is spelled out by name.
 */
#ifndef KILN_MM_ADDR_H
#define KILN_MM_ADDR_H

#include <stdint.h>

typedef uint64_t paddr_t; /* a physical address */
typedef uintptr_t vaddr_t; /* a virtual address */

/*
 * A window through which physical memory can be read and written: physical
 * address p is visible at virtual address p + offset. In the kernel the window
 * is the direct map (offset DIRECT_MAP_BASE); in the host unit tests it is a
 * plain buffer standing in for RAM.
 */
struct phys_window {
    uint64_t offset;
};

static inline void *phys_window_ptr(const struct phys_window *w, paddr_t p)
{
    return (void *)(uintptr_t)(p + w->offset);
}

static inline paddr_t phys_window_addr(const struct phys_window *w, const void *v)
{
    return (paddr_t)((uintptr_t)v - w->offset);
}

#endif
