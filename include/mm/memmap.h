/*
 * mm/memmap.h - resolving the bootloader's memory map for the PMM.
 *
 * Called by pmm_init (src/mm/pmm.c); src/mm/memmap.c explains the rules.
 * Both functions fill arrays and counters inside struct pmm and return 0 or
 * PMM_ERR_TOO_MANY_RANGES when a list would hold more than PMM_MAX_RANGES.
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

#endif
