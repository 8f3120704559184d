/*
 * mm/memmap.h - resolving the bootloader's memory map for the PMM.
 *
 * memmap_resolve and memmap_carve are called by pmm_init (src/mm/pmm.c);
 * src/mm/memmap.c explains the rules. Both fill arrays and counters inside
 * struct pmm and return 0 or PMM_ERR_TOO_MANY_RANGES when a list would hold
 * more than PMM_MAX_RANGES. pmm_raise_limit is called later, by the kernel,
 * once its own direct map reaches more RAM than the bootstrap one did.
 */
#ifndef KILN_MM_MEMMAP_H
#define KILN_MM_MEMMAP_H

#include <stddef.h>

#include "boot/boot_info.h"
#include "mm/pmm.h"

/* Fill pmm->ram with the usable RAM of map[0..count) and count
 * stats.total_bytes (every byte the map describes) and stats.usable_bytes. */
int memmap_resolve(struct pmm *pmm, const struct mem_region *map, size_t count);

/* Split one usable RAM range into what is free (appended to pmm->avail) and
 * what is not: the first MiB and the reserved ranges (counted in
 * stats.reserved_bytes), and whatever lies at or above pmm->limit (counted in
 * stats.unreachable_bytes). */
int memmap_carve(struct pmm *pmm, struct pmm_range ram, const struct pmm_range *reserved,
                 size_t nreserved);

/*
 * Move pmm->limit up to new_limit (rounded down to a page) once the window
 * reaches that far, and put the usable RAM between the old and the new limit
 * on the free list: carved like start-up (reserved ranges and the first MiB
 * stay withheld and count as reserved), added to pmm->avail (a free stretch
 * cut at the old limit becomes one range again), taken off
 * stats.unreachable_bytes and handed over with pmm_free_pages. The same limit
 * again adds nothing. Returns 0; PMM_ERR_BAD_ARGUMENT for a limit below the
 * current one (nothing changes); PMM_ERR_TOO_MANY_RANGES when pmm->avail
 * would overflow (nothing changes either). Costs O(ram ranges x reserved
 * ranges) plus one pmm_free_pages per new free piece.
 */
int pmm_raise_limit(struct pmm *pmm, paddr_t new_limit, const struct pmm_range *reserved,
                    size_t nreserved);

#endif
