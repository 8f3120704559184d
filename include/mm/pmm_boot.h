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

/* What pmm_boot_reach did, for the boot report and the ktests. */
struct pmm_reach {
    bool done;            /* pmm_boot_reach ran (the VMM layer is up) */
    uint64_t old_limit;   /* the PMM's limit before: the bootstrap direct map's size */
    uint64_t new_limit;   /* and after: where the kernel's direct map ends */
    uint64_t added_bytes; /* usable RAM between the two, now free or withheld */
};
extern struct pmm_reach pmm_boot_reach_stats;

/* Builds kernel_pmm from the boot information; panics if that fails. */
void pmm_boot_init(const struct boot_info *info);
/* Prints the PMM's part of the boot report, including the summary line. */
void pmm_boot_report(void);

/*
 * Called once the kernel's direct map covers [0, direct_map_end): the PMM
 * takes the usable RAM it could not reach at start-up (pmm_raise_limit);
 * panics if that fails. pmm_boot_report_reach says what was added and what
 * RAM, if any, still lies out of reach, and why.
 */
void pmm_boot_reach(paddr_t direct_map_end);
void pmm_boot_report_reach(void);

#endif
