/*
 * mm/addr.h - physical and virtual addresses are different things.
 *
 * A physical address names a byte of RAM (what the memory bus sees); a virtual
 * address is what the CPU's instructions use, translated by the page tables.
 * Mixing them up is the classic memory-management bug, so each is a struct of
 * its own: passing a physical address where a virtual one is wanted (say,
 * vmm_map(as, pa, va, ...) with the two swapped) does not compile. The number
 * inside is .addr; every conversion between the two kinds is a named function
 * below, so a reader can see where a program crosses from one to the other.
 */
#ifndef KILN_MM_ADDR_H
#define KILN_MM_ADDR_H

#include <stdbool.h>
#include <stdint.h>

#include "mm/layout.h"

typedef struct {
    uint64_t addr;
} paddr_t; /* a physical address */

typedef struct {
    uint64_t addr;
} vaddr_t; /* a virtual address */

/* Name a number as an address of one kind (a constant, a value read from a table). */
static inline paddr_t paddr(uint64_t a)
{
    return (paddr_t){a};
}

static inline vaddr_t vaddr(uint64_t a)
{
    return (vaddr_t){a};
}

/* The virtual address of something the kernel can point to. */
static inline vaddr_t vaddr_of(const void *p)
{
    return (vaddr_t){(uint64_t)(uintptr_t)p};
}

static inline void *vaddr_ptr(vaddr_t v)
{
    return (void *)(uintptr_t)v.addr;
}

/*
 * The direct map: every physical address p is also visible at virtual
 * DIRECT_MAP_BASE + p (docs/vmm.md). These two are how the kernel reaches a
 * frame it only knows by its physical address, and back.
 */
static inline void *phys_to_virt(paddr_t p)
{
    return (void *)(uintptr_t)(DIRECT_MAP_BASE + p.addr);
}

static inline paddr_t virt_to_phys(const void *v)
{
    return (paddr_t){(uint64_t)(uintptr_t)v - DIRECT_MAP_BASE};
}

/*
 * The kernel image is linked at KERNEL_VMA + KERNEL_LOAD_PHYS and loaded at
 * KERNEL_LOAD_PHYS, so within the image virtual and physical addresses differ
 * by KERNEL_VMA. Only for addresses inside the image (its symbols, its stack).
 */
static inline paddr_t image_virt_to_phys(vaddr_t v)
{
    return (paddr_t){v.addr - KERNEL_VMA};
}

static inline vaddr_t image_phys_to_virt(paddr_t p)
{
    return (vaddr_t){p.addr + KERNEL_VMA};
}

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
    return (void *)(uintptr_t)(p.addr + w->offset);
}

static inline paddr_t phys_window_addr(const struct phys_window *w, const void *v)
{
    return (paddr_t){(uint64_t)(uintptr_t)v - w->offset};
}

#endif
