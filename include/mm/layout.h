/*
 * mm/layout.h - the constants of the kernel's memory layout.
 *
 * One definition of each number, shared by the kernel, the host unit tests and
 * (later) user programs. docs/vmm.md ("The layout of an address space") draws them.
 */
#ifndef KILN_MM_LAYOUT_H
#define KILN_MM_LAYOUT_H

#define PAGE_SHIFT 12
#define PAGE_SIZE (1ULL << PAGE_SHIFT) /* a 4 KiB page (virtual) or frame (physical) */
#define LARGE_PAGE_SIZE (1ULL << 21)   /* a 2 MiB page, mapped by a page-directory entry */
#define HUGE_PAGE_SIZE (1ULL << 30)    /* a 1 GiB page, mapped by a PDPT entry */

/* The kernel image is linked here and loaded at physical KERNEL_LOAD_PHYS (1 MiB). */
#define KERNEL_VMA 0xFFFFFFFF80000000ULL
#define KERNEL_LOAD_PHYS 0x100000ULL

/* Every physical address p is also visible at DIRECT_MAP_BASE + p. */
#define DIRECT_MAP_BASE 0xFFFF800000000000ULL
/* How much physical memory the bootstrap page tables put in the direct map. */
#define BOOT_DIRECT_MAP_SIZE (64ULL << 30)

/*
 * The kernel heap (kmalloc) grows upward from here, page by page, in its own
 * 512 GiB top-level slot; kernel stacks live in the next one. Each kernel
 * stack sits at the top of a KSTACK_SLOT_SIZE slot whose lower part is never
 * mapped: running off the bottom of a stack hits that guard and faults.
 */
#define KERNEL_HEAP_BASE 0xFFFFC00000000000ULL
/* The direct map's window ends where the heap's slot begins, so it can show
 * physical addresses below DIRECT_MAP_MAX (64 TiB) and no higher. */
#define DIRECT_MAP_MAX (KERNEL_HEAP_BASE - DIRECT_MAP_BASE)
#define KERNEL_HEAP_MAX (64ULL << 30)
/* Further up the heap's slot: a range the tests and benchmarks may map and unmap. */
#define KERNEL_SCRATCH_BASE (KERNEL_HEAP_BASE + (256ULL << 30))
#define KERNEL_STACKS_BASE 0xFFFFE00000000000ULL
#define KSTACK_SLOT_SIZE (64ULL << 10)
#define KSTACK_SIZE (16ULL << 10)
#define KSTACK_SLOTS 256

/* Memory below this physical address is never handed out (BIOS data, VGA, ROMs). */
#define LOW_MEMORY_END 0x100000ULL

#define PAGE_ALIGN_DOWN(x) ((x) & ~(PAGE_SIZE - 1))
#define PAGE_ALIGN_UP(x) (((x) + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1))

#endif
