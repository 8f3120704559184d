/*
 * mm/pmm.c - the physical memory manager: a free list of runs of page frames.
 *
 * Free memory is described by the free memory itself. Each run of consecutive
 * free frames begins with a struct pmm_run header (page count, next run), and
 * the runs form a singly linked list. Nothing else is stored per frame, so the
 * PMM costs no memory, and building the list at start-up writes one header
 * per run: a 16 GiB machine starts as fast as a 128 MiB one.
 *
 *   allocating a frame   takes the last frame of the first run   O(1)
 *   freeing a frame      pushes a new one-frame run at the front O(1)
 *
 * Taking the *last* frame means the header at the front of the run stays where
 * it is; only its page count shrinks. Freed frames are not merged back into
 * their neighbours (that is the buddy allocator's job), so the list grows as
 * frames come back.
 *
 * Everything here is plain C: the host unit tests (tests/test_pmm.c) compile
 * this same file with a buffer standing in for RAM. Frames come and go as
 * paddr_t (mm/addr.h); the run bookkeeping inside does its arithmetic on the
 * numbers (.addr). Reading the bootloader's memory map is src/mm/memmap.c's job.
 *
 * Lab 2 writes the parts marked for it: docs/labs/lab2-pmm.md, docs/labs/README.md.
 */
#include "mm/pmm.h"

#include "kernel/panic.h"
#include "mm/layout.h"
#include "mm/memmap.h"

/* ---- Small helpers ------------------------------------------------------ */

/* Which range of list[0..n) holds p? NULL when none does. */
static const struct pmm_range *find_range(const struct pmm_range *list, size_t n, uint64_t p)
{
    for (size_t i = 0; i < n; i++)
        if (pmm_range_contains(&list[i], p))
            return &list[i];
    return NULL;
}

/* Do the pages frames starting at base lie inside one range of list[0..n)? */
static bool pages_inside(const struct pmm_range *list, size_t n, uint64_t base, uint64_t pages)
{
    const struct pmm_range *r = find_range(list, n, base);
    return r != NULL && pages <= (r->end - base) / PAGE_SIZE;
}

/* ---- The free list ------------------------------------------------------ */

static paddr_t run_base(const struct pmm *pmm, const struct pmm_run *run)
{
    return phys_window_addr(&pmm->window, run);
}

/* Put [base, base + pages frames) at the front of the list, as one run. */
static void push_run(struct pmm *pmm, paddr_t base, uint64_t pages)
{
    /* LAB 2 BEGIN: write a run header in the run's first frame and push it on the list */
    /* LAB 2 STUB: panic("lab 2: not implemented: push_run"); */
    struct pmm_run *run = phys_window_ptr(&pmm->window, base);
    run->pages = pages;
    run->next = pmm->free_list;
    pmm->free_list = run;
    pmm->stats.free_runs++;
    pmm->stats.free_bytes += pages * PAGE_SIZE;
    /* LAB 2 END */
}

/*
 * A run header is only ever written by this file, so one that is misaligned,
 * empty or reaches outside the memory handed out at start-up means something
 * else scribbled over free memory. Stop before handing that memory out.
 */
static void check_run(const struct pmm *pmm, const struct pmm_run *run, const char *who,
                      void *caller)
{
    uint64_t base = run_base(pmm, run).addr;
    if (base % PAGE_SIZE != 0 || run->pages == 0 ||
        !pages_inside(pmm->avail, pmm->avail_count, base, run->pages))
        panic("%s: free list corrupt: run at %#llx claims %llu pages (caller %p)", who,
              (unsigned long long)base, (unsigned long long)run->pages, caller);
}

/* Take the last count frames of the run *link points to; unlink it once empty. */
static paddr_t take_from_run(struct pmm *pmm, struct pmm_run **link, uint64_t count)
{
    /* LAB 2 BEGIN: shrink the run by count frames at its end; unlink it when it is empty */
    /* LAB 2 STUB: panic("lab 2: not implemented: take_from_run"); */
    struct pmm_run *run = *link;
    run->pages -= count;
    paddr_t frame = paddr(run_base(pmm, run).addr + run->pages * PAGE_SIZE);
    if (run->pages == 0) {
        *link = run->next;
        pmm->stats.free_runs--;
    }
    pmm->stats.free_bytes -= count * PAGE_SIZE;
    return frame;
    /* LAB 2 END */
}

static void zero_frames(struct pmm *pmm, paddr_t base, uint64_t count)
{
    uint64_t *word = phys_window_ptr(&pmm->window, base);
    uint64_t words = count * PAGE_SIZE / sizeof(*word);
    for (uint64_t i = 0; i < words; i++)
        word[i] = 0;
}

int pmm_init(struct pmm *pmm, struct phys_window window, const struct mem_region *map, size_t count,
             const struct pmm_range *reserved, size_t nreserved, paddr_t limit)
{
    if (pmm == NULL || (map == NULL && count > 0) || (reserved == NULL && nreserved > 0))
        return PMM_ERR_BAD_ARGUMENT;

    pmm->window = window;
    pmm->free_list = NULL;
    pmm->stats = (struct pmm_stats){0};
    pmm->limit = PAGE_ALIGN_DOWN(limit.addr);
    pmm->ram_count = 0;
    pmm->avail_count = 0;

    int err = memmap_resolve(pmm, map, count);
    if (err == 0)
        err = memmap_carve(pmm, reserved, nreserved);
    if (err) {
        pmm->avail_count = 0; /* hand out nothing from a half-built PMM */
        return err;
    }

    /* Push from the top down so the list starts at the lowest address. */
    for (size_t i = pmm->avail_count; i > 0; i--) {
        const struct pmm_range *r = &pmm->avail[i - 1];
        push_run(pmm, paddr(r->base), (r->end - r->base) / PAGE_SIZE);
    }
    return 0;
}

const char *pmm_strerror(int err)
{
    switch (err) {
    case 0:
        return "success";
    case PMM_ERR_TOO_MANY_RANGES:
        return "memory map splits RAM into too many ranges";
    case PMM_ERR_BAD_ARGUMENT:
        return "bad argument";
    default:
        return "unknown error";
    }
}

/* ---- Allocating --------------------------------------------------------- */

/* Both single-frame entry points share this; each passes its own caller. */
static paddr_t alloc_one(struct pmm *pmm, unsigned flags, void *caller)
{
    /* LAB 2 BEGIN: take one frame from the head run (checked first), zeroed if asked */
    /* LAB 2 STUB: panic("lab 2: not implemented: alloc_one (pmm_alloc_page)"); */
    if (pmm->free_list == NULL)
        return PMM_NO_FRAME;
    check_run(pmm, pmm->free_list, "pmm_alloc_page", caller);
    paddr_t frame = take_from_run(pmm, &pmm->free_list, 1);
    if (flags & PMM_ZERO)
        zero_frames(pmm, frame, 1);
    return frame;
    /* LAB 2 END */
}

paddr_t pmm_alloc_page(struct pmm *pmm)
{
    return alloc_one(pmm, 0, CALLER_ADDRESS());
}

paddr_t pmm_alloc_page_flags(struct pmm *pmm, unsigned flags)
{
    return alloc_one(pmm, flags, CALLER_ADDRESS());
}

paddr_t pmm_alloc_pages(struct pmm *pmm, size_t count, unsigned flags)
{
    /* LAB 2 BEGIN: first fit: count frames from the end of the first run long enough */
    /* LAB 2 STUB: panic("lab 2: not implemented: pmm_alloc_pages"); */
    if (count == 0)
        return PMM_NO_FRAME;

    /* link points at the pointer to the current run, so unlinking it is one store. */
    uint64_t seen = 0;
    for (struct pmm_run **link = &pmm->free_list; *link != NULL; link = &(*link)->next) {
        if (++seen > pmm->stats.free_runs)
            panic("pmm_alloc_pages: free list corrupt: longer than its %llu runs (caller %p)",
                  (unsigned long long)pmm->stats.free_runs, CALLER_ADDRESS());
        check_run(pmm, *link, "pmm_alloc_pages", CALLER_ADDRESS());
        if ((*link)->pages >= count) {
            paddr_t base = take_from_run(pmm, link, count);
            if (flags & PMM_ZERO)
                zero_frames(pmm, base, count);
            return base;
        }
    }
    return PMM_NO_FRAME;
    /* LAB 2 END */
}

/* ---- Freeing ------------------------------------------------------------ */

/*
 * Panic unless [base, base + count frames) may be freed. On the normal path
 * this is one range lookup; only when something is wrong does it go page by
 * page, to name the first bad frame.
 */
static void check_free(const struct pmm *pmm, const char *who, paddr_t frames, size_t count,
                       void *caller)
{
    uint64_t base = frames.addr;
    unsigned long long addr = base;
    if (base % PAGE_SIZE != 0)
        panic("%s: frame %#llx is not page-aligned (caller %p)", who, addr, caller);
    if (count == 0)
        panic("%s: freeing 0 frames at %#llx (caller %p)", who, addr, caller);

    if (!pages_inside(pmm->avail, pmm->avail_count, base, count)) {
        for (size_t i = 0; i < count; i++) {
            uint64_t frame = base + i * PAGE_SIZE;
            if (frame < base || !pmm_is_usable(pmm, paddr(frame)))
                panic("%s: frame %#llx is outside usable RAM (caller %p)", who,
                      (unsigned long long)frame, caller);
            if (find_range(pmm->avail, pmm->avail_count, frame) == NULL)
                panic("%s: frame %#llx is reserved, never handed out (caller %p)", who,
                      (unsigned long long)frame, caller);
        }
        panic("%s: frames %#llx + %zu pages are not one allocation (caller %p)", who, addr, count,
              caller);
    }

#ifdef PMM_DEBUG
    /* A double free would put the same frame on the list twice and, later,
     * hand it to two owners. Catching it costs a walk of the whole list. */
    uint64_t end = base + count * PAGE_SIZE;
    for (const struct pmm_run *run = pmm->free_list; run != NULL; run = run->next) {
        uint64_t run_start = run_base(pmm, run).addr;
        uint64_t run_end = run_start + run->pages * PAGE_SIZE;
        if (run_start < end && base < run_end)
            panic("%s: frame %#llx is already free (caller %p)", who,
                  (unsigned long long)(base > run_start ? base : run_start), caller);
    }
#endif
}

void pmm_free_page(struct pmm *pmm, paddr_t frame)
{
    check_free(pmm, "pmm_free_page", frame, 1, CALLER_ADDRESS());
    push_run(pmm, frame, 1);
}

void pmm_free_pages(struct pmm *pmm, paddr_t base, size_t count)
{
    check_free(pmm, "pmm_free_pages", base, count, CALLER_ADDRESS());
    push_run(pmm, base, count);
}

/* ---- Looking ------------------------------------------------------------ */

void pmm_get_stats(const struct pmm *pmm, struct pmm_stats *stats)
{
    *stats = pmm->stats;
}

bool pmm_is_usable(const struct pmm *pmm, paddr_t p)
{
    return find_range(pmm->ram, pmm->ram_count, p.addr) != NULL;
}

bool pmm_is_free(const struct pmm *pmm, paddr_t p)
{
    for (const struct pmm_run *run = pmm->free_list; run != NULL; run = run->next) {
        uint64_t base = run_base(pmm, run).addr;
        if (p.addr >= base && (p.addr - base) / PAGE_SIZE < run->pages)
            return true;
    }
    return false;
}

void pmm_for_each_run(const struct pmm *pmm, void (*fn)(paddr_t base, uint64_t pages, void *ctx),
                      void *ctx)
{
    for (const struct pmm_run *run = pmm->free_list; run != NULL; run = run->next)
        fn(run_base(pmm, run), run->pages, ctx);
}
