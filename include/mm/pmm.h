/*
 * mm/pmm.h - the physical memory manager: which frames of RAM are free.
 *
 * The PMM hands out physical page frames (4 KiB each). It keeps the free ones
 * on a linked list whose links live inside the free memory itself, so it needs
 * no bookkeeping memory of its own: each stretch of consecutive free frames (a
 * "run") starts with a small struct pmm_run header saying how long it is and
 * where the next run is. The PMM reads and writes those headers through a
 * phys_window (the direct map in the kernel, a plain buffer in the host tests).
 *
 * Start-up writes one header per free run, so it costs time proportional to
 * the number of memory-map entries, never to the amount of RAM.
 */
#ifndef KILN_MM_PMM_H
#define KILN_MM_PMM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "boot/boot_info.h"
#include "mm/addr.h"

/* Returned when no frame could be allocated. Frame 0 is never handed out. */
#define PMM_NO_FRAME ((paddr_t){0})

/* Passed as limit to pmm_init when every physical address can be reached. */
#define PMM_NO_LIMIT ((paddr_t){UINT64_MAX})

/* How many separate ranges of usable RAM (and of free RAM at start-up) fit. */
#define PMM_MAX_RANGES 256

/* Allocation flags. */
#define PMM_ZERO (1u << 0) /* fill the frames with zero bytes before returning them */

/* pmm_init's negative error codes. */
#define PMM_ERR_TOO_MANY_RANGES (-1) /* a table overflows: PMM_MAX_RANGES, MEMMAP_MAX_* */
#define PMM_ERR_BAD_ARGUMENT (-2)    /* a NULL array with a non-zero count */

/* A physical address range [base, end): end is one past the last byte. The
 * PMM's own bookkeeping, so its bounds are plain numbers for arithmetic. */
struct pmm_range {
    uint64_t base, end;
};

static inline bool pmm_range_contains(const struct pmm_range *r, uint64_t p)
{
    return r->base <= p && p < r->end;
}

/*
 * The header at the start of each free run: 48 bytes in the run's own first
 * frame. Its address (through the window) is the run's first frame. The runs
 * form a doubly linked list in address order (prev, next; NULL at the ends),
 * so a freed frame can merge with the run before it and the run after it, and
 * a search tree over the same headers (parent, left, right: mm/pmm_index.h)
 * finds those two neighbours in O(log runs) instead of walking the list.
 */
struct pmm_run {
    uint64_t pages;
    struct pmm_run *prev, *next;           /* the runs below and above this one */
    struct pmm_run *parent, *left, *right; /* the search tree (mm/pmm_index.c) */
};

struct pmm_stats {
    uint64_t total_bytes;       /* everything the map describes, any type, overlaps counted once */
    uint64_t usable_bytes;      /* usable RAM (type 1 only), shrunk to whole pages */
    uint64_t reserved_bytes;    /* usable RAM withheld at start-up: first MiB, reserved ranges */
    uint64_t unreachable_bytes; /* usable RAM at or above the limit, never used */
    uint64_t free_bytes;        /* free right now */
    uint64_t free_runs;         /* runs on the free list right now */
};

struct pmm {
    struct phys_window window;
    struct pmm_run *free_list; /* the lowest free run, as seen through the window */
    struct pmm_run *index;     /* the root of the search tree over the runs */
    struct pmm_stats stats;
    uint64_t limit; /* physical, page-aligned: nothing at or above it is handed out */

    /* Usable RAM after overlap resolution, page-aligned, sorted: "is this RAM?" */
    size_t ram_count;
    struct pmm_range ram[PMM_MAX_RANGES];

    /* The part of that RAM that was put on the free list at start-up: "may this be freed?" */
    size_t avail_count;
    struct pmm_range avail[PMM_MAX_RANGES];
};

/*
 * Build the free list from a memory map.
 *
 * map may be unsorted and its entries may overlap, be empty or be unaligned. A
 * byte is usable only if at least one entry covers it and every entry covering
 * it says MEM_USABLE; usable stretches then shrink inward to whole pages.
 * Never handed out: anything below LOW_MEMORY_END, anything touching one of the
 * reserved ranges (kernel image, boot modules, ...), anything at or above
 * limit (the end of what the window can reach).
 *
 * Returns 0, or a negative PMM_ERR_* code.
 */
int pmm_init(struct pmm *pmm, struct phys_window window, const struct mem_region *map, size_t count,
             const struct pmm_range *reserved, size_t nreserved, paddr_t limit);

/* A short description of a pmm_init error code, for boot messages. */
const char *pmm_strerror(int err);

/* One frame, or PMM_NO_FRAME when memory is exhausted. O(1). */
paddr_t pmm_alloc_page(struct pmm *pmm);
paddr_t pmm_alloc_page_flags(struct pmm *pmm, unsigned flags);

/*
 * count physically consecutive frames; returns the first, or PMM_NO_FRAME if no
 * free run is long enough (or count is 0). First fit: O(number of free runs).
 */
paddr_t pmm_alloc_pages(struct pmm *pmm, size_t count, unsigned flags);

/*
 * Give frames back; they merge with the free runs right below and right above
 * them. O(log runs). Freeing an unaligned address, something that is not
 * usable RAM, a reserved frame, or a frame that is already free is a kernel
 * bug and panics, naming the frame and the caller.
 */
void pmm_free_page(struct pmm *pmm, paddr_t frame);
void pmm_free_pages(struct pmm *pmm, paddr_t base, size_t count);

/* Did an allocation get a frame? (PMM_NO_FRAME is physical address 0.) */
static inline bool pmm_got_frame(paddr_t frame)
{
    return frame.addr != 0;
}

void pmm_get_stats(const struct pmm *pmm, struct pmm_stats *stats);

/* Is the frame holding p usable RAM (whether free, allocated or reserved)? */
bool pmm_is_usable(const struct pmm *pmm, paddr_t p);

/* Is the frame holding p on the free list? O(log runs). */
bool pmm_is_free(const struct pmm *pmm, paddr_t p);

/* Call fn once per free run, in address order. */
void pmm_for_each_run(const struct pmm *pmm, void (*fn)(paddr_t base, uint64_t pages, void *ctx),
                      void *ctx);

/*
 * Check the whole free list, for tests and debugging: runs in address order,
 * none empty, none touching another (they would have merged), every one in
 * the search tree and nothing else there, links both ways, counters right.
 * NULL when all holds, else what is wrong. O(runs log runs).
 */
const char *pmm_check(const struct pmm *pmm);

#endif
