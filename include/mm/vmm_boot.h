/*
 * mm/vmm_boot.h - the kernel's own page tables, built at boot.
 *
 * src/mm/vmm.c is the page-table code (pure C, host-tested); this is where the
 * kernel uses it on the real machine: it builds the kernel's address space
 * (direct map, kernel image by section, no identity map), switches CR3 to it,
 * and hands out kernel stacks with guard pages.
 */
#ifndef KILN_MM_VMM_BOOT_H
#define KILN_MM_VMM_BOOT_H

#include <stddef.h>

#include "arch/x86_64/cpu.h"
#include "boot/boot_info.h"
#include "mm/vmm.h"
#include "mm/vmm_dump.h"

extern struct vmm kernel_vmm;
extern struct address_space kernel_space;

/* What building the kernel's tables cost, for the boot report and ci/bench. */
struct vmm_boot_stats {
    uint64_t direct_map_bytes;       /* physical memory the direct map covers */
    uint64_t direct_map_page_size;   /* 1 GiB or 2 MiB */
    uint64_t direct_map_table_pages; /* page-table pages the direct map needed */
    uint64_t direct_map_cycles;      /* rdtsc cycles to build it (instructions under -icount) */
    uint64_t image_table_pages;      /* page-table pages for the kernel image */
    uint64_t image_pages;            /* 4 KiB pages of kernel image mapped */
    uint64_t guard_pages;            /* image pages deliberately left unmapped */
    uint64_t init_cycles;            /* rdtsc cycles of all of vmm_boot_init */
};
extern struct vmm_boot_stats vmm_boot_stats;

/* Build the kernel's address space and switch to it; panics on failure. */
void vmm_boot_init(const struct boot_info *info, const struct cpu_features *cpu);
/* The VMM's part of the boot report. */
void vmm_boot_report(void);

/* Load as's PML4 into CR3. */
void vmm_activate(struct address_space *as);
/* The space whose PML4 is in CR3 (the kernel's until something else is activated). */
struct address_space *vmm_active_space(void);

/* vmm_print_fn that prints each line with kprintf, after the prefix string ctx. */
void vmm_print_kprintf(void *ctx, const char *line);

/* A kernel stack: [bottom, top) is mapped, the rest of its slot below is not. */
struct kstack {
    uint64_t bottom, top;
    unsigned slot;
};
/* Returns VMM_OK or a VMM_ERR_* code (VMM_ERR_NO_MEMORY when all slots are in use). */
int kstack_alloc(struct kstack *ks);
void kstack_free(struct kstack *ks);

/*
 * If va lies in a guard page (under the boot stack, the double-fault stack or
 * a kernel stack), write its name into buf and return true.
 */
bool vmm_guard_page_name(uint64_t va, char *buf, size_t size);

#endif
