/*
 * mm/pmm_boot.h - the kernel's one physical memory manager.
 *
 * src/mm/pmm.c is the allocator itself (pure C, host-tested); this is where
 * the kernel feeds it the machine's memory map and what must be withheld.
 */
#ifndef KILN_MM_PMM_BOOT_H
#define KILN_MM_PMM_BOOT_H

#include "boot/boot_info.h"
#include "mm/pmm.h"

extern struct pmm kernel_pmm;
/* kernel_pmm's statistics right after pmm_boot_init, before any allocation. */
extern struct pmm_stats pmm_boot_stats;
/* rdtsc cycles pmm_boot_init took (instructions under -icount; ci/bench reads them). */
extern uint64_t pmm_boot_init_cycles;

/* The ranges withheld from the PMM at start-up, for the boot report and tests. */
extern struct pmm_range pmm_withheld[];
extern const char *pmm_withheld_what[];
extern size_t pmm_withheld_count;

/* Builds kernel_pmm from the boot information; panics if that fails. */
void pmm_boot_init(const struct boot_info *info);
/* Prints the PMM's part of the boot report, including the summary line. */
void pmm_boot_report(void);

#endif
