/*
 * mm/vmm.h - the virtual memory manager: page tables and address spaces.
 *
 * x86_64 translates a virtual address through four levels of tables, each one
 * page of 512 eight-byte entries:
 *
 *     PML4 (level 4) -> PDPT (level 3) -> PD (level 2) -> PT (level 1) -> frame
 *
 * An entry holds the physical address of the next table (or of the frame) and
 * permission bits. A PDPT entry may instead map a 1 GiB page and a PD entry a
 * 2 MiB page (the PS bit): the walk then stops early.
 *
 * kiln's VMM is *immediate*: vmm_alloc takes frames from the PMM and maps them
 * at once, so touching the memory never page-faults. (A demand-paging VMM would
 * map nothing up front and fill pages in from the page-fault handler; see
 * docs/vmm.md for the comparison.)
 *
 * This file is pure C: it reaches page tables only through a phys_window and
 * takes frames only from a struct pmm, so the host tests run it over a buffer
 * standing in for RAM. The hardware parts (CR3, invlpg) are function pointers
 * in struct vmm that the kernel fills in (src/mm/vmm_boot.c).
 *
 * Every function that changes mappings checks the whole request first and
 * returns a negative VMM_ERR_* code without changing anything when it is
 * wrong; if the PMM runs dry half-way, what was done is undone, so no frame
 * leaks.
 */
#ifndef KILN_MM_VMM_H
#define KILN_MM_VMM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mm/addr.h"
#include "mm/pmm.h"

/* ---- page-table entries (SDM vol. 3A, 4.5) ------------------------------ */

typedef uint64_t pte_t;

#define PTE_PRESENT (1ULL << 0)  /* the entry is in use */
#define PTE_WRITE (1ULL << 1)    /* writes allowed (else read-only) */
#define PTE_USER (1ULL << 2)     /* ring 3 may use it (else kernel only) */
#define PTE_PWT (1ULL << 3)      /* write-through caching */
#define PTE_PCD (1ULL << 4)      /* caching disabled */
#define PTE_ACCESSED (1ULL << 5) /* set by the CPU on any use */
#define PTE_DIRTY (1ULL << 6)    /* set by the CPU on a write (leaf entries) */
#define PTE_PS (1ULL << 7)       /* page size: this PDPT/PD entry maps a 1 GiB/2 MiB page */
#define PTE_GLOBAL (1ULL << 8)   /* survives CR3 reloads (with CR4.PGE) */
#define PTE_OWNED (1ULL << 9)    /* kiln's own bit (ignored by the CPU): the frame came
                                    from vmm_alloc and goes back to the PMM on unmap */
#define PTE_NX (1ULL << 63)      /* no instruction fetch (needs EFER.NXE) */

#define PTE_ADDR_MASK 0x000FFFFFFFFFF000ULL /* the frame or next table */

#define VMM_LEVELS 4
#define VMM_ENTRIES 512

/* Bytes covered by one entry at each level: 4 KiB, 2 MiB, 1 GiB, 512 GiB. */
static inline uint64_t vmm_level_size(int level)
{
    return 1ULL << (12 + 9 * (level - 1));
}

/* Does an entry at this level map a page (a leaf) rather than point to a table? */
static inline bool pte_is_leaf(pte_t e, int level)
{
    return level == 1 || (e & PTE_PS);
}

/* The physical address an entry points to, masking the low bits a large page ignores. */
static inline paddr_t pte_addr(pte_t e, int level)
{
    if (level > 1 && (e & PTE_PS))
        return paddr(e & PTE_ADDR_MASK & ~(vmm_level_size(level) - 1));
    return paddr(e & PTE_ADDR_MASK);
}

/* Which entry of the level's table a virtual address uses (bits 12+9(level-1) .. +8). */
static inline unsigned vmm_index(uint64_t va, int level)
{
    return (unsigned)((va >> (12 + 9 * (level - 1))) & 511);
}

/* Canonical: bits 63..47 all equal (4-level paging has 48-bit addresses). */
static inline bool vmm_is_canonical(uint64_t va)
{
    uint64_t top = va >> 47;
    return top == 0 || top == 0x1FFFF;
}

/* The lower half (0 .. 0x00007FFFFFFFFFFF) belongs to user programs. */
#define VMM_USER_END 0x0000800000000000ULL
/* The upper half (0xFFFF800000000000 ..) belongs to the kernel, in every space. */
#define VMM_KERNEL_START 0xFFFF800000000000ULL

/* ---- what callers ask for ------------------------------------------------ */

/* Mapping flags. With none, a page is present, read-only, kernel-only, NX. */
#define VMM_WRITE (1u << 0)   /* writable */
#define VMM_EXEC (1u << 1)    /* instructions may be fetched from it */
#define VMM_USER (1u << 2)    /* ring 3 may use it (user half only) */
#define VMM_NOCACHE (1u << 3) /* uncached (device memory) */
#define VMM_LARGE (1u << 4)   /* vmm_map may use 2 MiB and 1 GiB pages where aligned */
#define VMM_FLAGS_ALL (VMM_WRITE | VMM_EXEC | VMM_USER | VMM_NOCACHE | VMM_LARGE)

/* Error codes: each distinct, each a different mistake. */
#define VMM_OK 0
#define VMM_ERR_BAD_ARGUMENT (-1)   /* size 0, unknown flags, physical address too large */
#define VMM_ERR_NONCANONICAL (-2)   /* the range has or crosses a non-canonical address */
#define VMM_ERR_MISALIGNED (-3)     /* address or size not a multiple of 4 KiB */
#define VMM_ERR_KERNEL_ADDRESS (-4) /* a kernel (upper-half) address in a user range */
#define VMM_ERR_USER_ADDRESS (-5)   /* a user (lower-half) address in the kernel's space */
#define VMM_ERR_ALREADY_MAPPED (-6) /* some page of the range is mapped already */
#define VMM_ERR_NOT_MAPPED (-7)     /* some page of the range is not mapped */
#define VMM_ERR_NO_MEMORY (-8)      /* the PMM ran out of frames (all undone) */
#define VMM_ERR_SPLITS_LARGE (-9)   /* the range ends inside a 2 MiB or 1 GiB page */
#define VMM_ERR_NOT_OWNED (-10)     /* vmm_free of memory vmm_alloc did not provide */
#define VMM_ERR_KERNEL_SLOT (-11)   /* a new top-level kernel entry after spaces exist */

const char *vmm_strerror(int err);

/* ---- the VMM and its address spaces -------------------------------------- */

struct vmm {
    struct pmm *pmm;           /* where frames and page-table pages come from */
    struct phys_window window; /* how page tables are reached */
    bool nx;                   /* the CPU has NX (and EFER.NXE is on) */
    bool gib_pages;            /* the CPU has 1 GiB pages (CPUID pdpe1gb) */
    /* TLB upkeep; NULL on the host. invalidate_page(va) is invlpg,
     * invalidate_all() reloads CR3. */
    void (*invalidate_page)(uint64_t va);
    void (*invalidate_all)(void);
    paddr_t kernel_pml4; /* the kernel space's top table (0 before vmm_kernel_space_init) */
    unsigned user_spaces; /* address spaces created and not yet destroyed */
    paddr_t active_pml4;  /* what CR3 holds, kept by the kernel's vmm_activate (0 on the host) */
};

struct address_space {
    struct vmm *vmm;
    paddr_t pml4;         /* physical address of the top table: what CR3 holds */
    bool kernel;          /* the kernel's own space (upper half only) */
    uint64_t table_pages; /* page-table pages this space owns, its PML4 included */
    uint64_t owned_pages; /* frames mapped by vmm_alloc, returned on unmap/destroy */
};

/* A page table, as the VMM reaches it through its window. */
static inline pte_t *vmm_table_at(const struct vmm *vmm, paddr_t table)
{
    return (pte_t *)phys_window_ptr(&vmm->window, table);
}

void vmm_setup(struct vmm *vmm, struct pmm *pmm, struct phys_window window, bool nx,
               bool gib_pages);

/* The kernel's space: an empty PML4. Everything mapped in it is upper half. */
int vmm_kernel_space_init(struct vmm *vmm, struct address_space *as);

/*
 * Make sure the kernel space has a PDPT for the 512 GiB slot holding va, so
 * spaces created later share it. New slots cannot be added once user spaces
 * exist (they would not see them): VMM_ERR_KERNEL_SLOT.
 */
int vmm_kernel_reserve_slot(struct address_space *kernel, vaddr_t va);

/* A user space: an empty lower half, the kernel's upper half shared. */
int vmm_space_create(struct vmm *vmm, struct address_space *as);

/* Return every frame vmm_alloc mapped in the lower half and every page-table
 * page to the PMM. Destroying the active space (its PML4 in CR3) is a kernel
 * bug and panics: the CPU would go on walking freed tables. */
void vmm_space_destroy(struct address_space *as);

/* Map [va, va+size) to [pa, pa+size). Nothing there may be mapped yet. */
int vmm_map(struct address_space *as, vaddr_t va, paddr_t pa, uint64_t size, unsigned flags);

/* Remove every mapping of [va, va+size); all must be mapped. Frames from
 * vmm_alloc go back to the PMM; empty page-table pages are freed. */
int vmm_unmap(struct address_space *as, vaddr_t va, uint64_t size);

/* Change the permissions of [va, va+size); all must be mapped. VMM_LARGE is ignored. */
int vmm_protect(struct address_space *as, vaddr_t va, uint64_t size, unsigned flags);

/* Take size/4 KiB zeroed frames from the PMM and map them at va now. */
int vmm_alloc(struct address_space *as, vaddr_t va, uint64_t size, unsigned flags);

/* Unmap [va, va+size) and return its frames; every page must come from vmm_alloc. */
int vmm_free(struct address_space *as, vaddr_t va, uint64_t size);

/* Where va leads: *pa gets the physical address of that byte, *flags the
 * VMM_* flags of its page, *page_size 4 KiB, 2 MiB or 1 GiB. Any output may be
 * NULL. Returns VMM_OK or VMM_ERR_NOT_MAPPED / VMM_ERR_NONCANONICAL. */
int vmm_translate(const struct address_space *as, vaddr_t va, paddr_t *pa, unsigned *flags,
                  uint64_t *page_size);

#endif
