/*
 * mm/memmap.h - resolving the bootloader's memory map for the PMM.
 *
 * Called by pmm_init (src/mm/pmm.c); src/mm/memmap.c explains the rules and
 * the algorithm. Both functions fill arrays and counters inside struct pmm and
 * return 0 or PMM_ERR_TOO_MANY_RANGES: when a list would hold more than
 * PMM_MAX_RANGES, or when they are given more than they can sort (below).
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

#endif
