/*
 * mm/memmap.h - resolving the bootloader's memory map for the PMM.
 *
 * Called by pmm_init (src/mm/pmm.c); src/mm/memmap.c explains the rules and
 * the algorithm. Both functions fill arrays and counters inside struct pmm and
 * return 0 or PMM_ERR_TOO_MANY_RANGES: when a list would hold more than
 * PMM_MAX_RANGES, or when they are given more than they can sort (below).
 * pmm_raise_limit is called later, by the kernel, once its own direct map
 * reaches more RAM than the bootstrap one did.
 */
#ifndef KILN_MM_MEMMAP_H
#define KILN_MM_MEMMAP_H

#include <stddef.h>

#include "boot/boot_info.h"
#include "mm/pmm.h"

/* The most map entries and withheld ranges one call sorts. Each sort keeps a
 * 16-bit index per item on the stack; the boot's limits (BOOT_MAX_REGIONS,
 * 2 + BOOT_MAX_MODULES) are checked against these when memmap.c compiles. */
#define MEMMAP_MAX_ENTRIES 512
#define MEMMAP_MAX_WITHHELD 1024

/* Fill pmm->ram with the usable RAM of map[0..count) and count
 * stats.total_bytes (every byte the map describes) and stats.usable_bytes. */
int memmap_resolve(struct pmm *pmm, const struct mem_region *map, size_t count);

/* Split the usable RAM in pmm->ram (as memmap_resolve left it) into what is
 * free (appended to pmm->avail, in address order) and what is not: the first
 * MiB and the reserved ranges, which may be unsorted, overlapping, empty or
 * unaligned (counted in stats.reserved_bytes), and whatever lies at or above
 * pmm->limit (counted in stats.unreachable_bytes). reserved is only read. */
int memmap_carve(struct pmm *pmm, const struct pmm_range *reserved, size_t nreserved);

/*
 * Move pmm->limit up to new_limit (rounded down to a page) once the window
 * reaches that far, and put the usable RAM between the old and the new limit
 * on the free list: carved like start-up (reserved ranges and the first MiB
 * stay withheld and count as reserved), added to pmm->avail (a free stretch
 * cut at the old limit becomes one range again), taken off
 * stats.unreachable_bytes and handed over with pmm_free_pages. The same limit
 * again adds nothing. Returns 0; PMM_ERR_BAD_ARGUMENT for a limit below the
 * current one (nothing changes); PMM_ERR_TOO_MANY_RANGES when pmm->avail
 * would overflow (nothing changes either). Costs a sort of the reserved
 * ranges, one sweep of the RAM, and one pmm_free_pages per new free piece.
 */
int pmm_raise_limit(struct pmm *pmm, paddr_t new_limit, const struct pmm_range *reserved,
                    size_t nreserved);

#endif
