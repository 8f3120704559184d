/*
 * mm/pmm_batch.h - giving many frames back to the PMM in runs.
 *
 * When a whole address space goes away, its frames go back one page table
 * entry at a time. vmm_alloc took each of them from the end of a free run, so
 * neighbouring pages usually hold neighbouring frames (in falling order), and
 * one pmm_free_pages per stretch of consecutive frames costs far less than
 * one pmm_free_page per frame. A batch gathers such a stretch, growing it at
 * either end, and hands it over when the next frame does not continue it.
 */
#ifndef KILN_MM_PMM_BATCH_H
#define KILN_MM_PMM_BATCH_H

#include <stdint.h>

#include "mm/layout.h"
#include "mm/pmm.h"

struct pmm_batch {
    uint64_t low;   /* the lowest frame gathered so far */
    uint64_t count; /* frames from low upwards; 0 when empty */
};

/* Give the gathered frames back (nothing when the batch is empty). */
static inline void pmm_batch_flush(struct pmm *pmm, struct pmm_batch *b)
{
    if (b->count)
        pmm_free_pages(pmm, paddr(b->low), b->count);
    b->count = 0;
}

/* Add one frame: it joins the batch if it touches either end, else the batch
 * is flushed and starts again from this frame. */
static inline void pmm_batch_add(struct pmm *pmm, struct pmm_batch *b, paddr_t frame)
{
    if (b->count && frame.addr + PAGE_SIZE == b->low) {
        b->low = frame.addr;
        b->count++;
    } else if (b->count && frame.addr == b->low + b->count * PAGE_SIZE) {
        b->count++;
    } else {
        pmm_batch_flush(pmm, b);
        *b = (struct pmm_batch){frame.addr, 1};
    }
}

#endif
