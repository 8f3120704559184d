/*
 * mm/pmm.c - the physical memory manager: a free list of runs of page frames.
 *
 * Free memory is described by the free memory itself. Each run of consecutive
 * free frames begins with a struct pmm_run header (page count, neighbours),
 * and the runs form a doubly linked list in address order. Nothing else is
 * stored per frame, so the PMM costs no memory, and building the list at
 * start-up writes one header per run: a 16 GiB machine starts as fast as a
 * 128 MiB one.
 *
 *   allocating a frame    takes the last frame of the lowest run        O(1)
 *   allocating n frames   first fit: the lowest run of at least n       O(runs)
 *   freeing frames        merges them with the runs right below and     O(log runs)
 *                         right above, found with a search tree
 *
 * A run that empties leaves the tree too; for the lowest run that is O(1)
 * (mm/pmm_index.h says why), so allocating one frame never searches.
 *
 * Taking the *last* frame means the header at the front of the run stays where
 * it is; only its page count shrinks. Freeing is where the design lives: frames
 * that come back *coalesce* with their free neighbours, so after any work that
 * returns all it took the list has exactly the runs it had after start-up, and
 * a long stretch of frames is always one run that pmm_alloc_pages can find.
 * The neighbours are found with the search tree of mm/pmm_index.h, which also
 * makes the double-free check free: frames that overlap a free run are already
 * free.
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
#include "lib/string.h"
#include "mm/layout.h"
#include "mm/memmap.h"
#include "mm/pmm_index.h"

/* ---- Small helpers ------------------------------------------------------ */

/* Which range of the sorted list[0..n) holds p? NULL when none does. A binary
 * search: O(log n). */
static const struct pmm_range *find_range(const struct pmm_range *list, size_t n, uint64_t p)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (p < list[mid].base)
            hi = mid;
        else if (p >= list[mid].end)
            lo = mid + 1;
        else
            return &list[mid];
    }
    return NULL;
}

/* Do the pages frames starting at base lie inside one range of list[0..n)? */
static bool pages_inside(const struct pmm_range *list, size_t n, uint64_t base, uint64_t pages)
{
    const struct pmm_range *r = find_range(list, n, base);
    return r != NULL && pages <= (r->end - base) / PAGE_SIZE;
}

/* ---- The free list ------------------------------------------------------ */

/* A run's first frame, and one past its last byte. */
static uint64_t run_start(const struct pmm *pmm, const struct pmm_run *run)
{
    return phys_window_addr(&pmm->window, run).addr;
}

static uint64_t run_end(const struct pmm *pmm, const struct pmm_run *run)
{
    return run_start(pmm, run) + run->pages * PAGE_SIZE;
}

/* Write a run header at base and link it into the list right after prev (at
 * the front when prev is NULL) and into the index. */
static struct pmm_run *new_run(struct pmm *pmm, struct pmm_run *prev, uint64_t base,
                               uint64_t pages)
{
    /* LAB 2 BEGIN: write the header in the run's first frame, link it after prev, index it */
    /* LAB 2 STUB: panic("lab 2: not implemented: new_run"); */
    struct pmm_run *run = phys_window_ptr(&pmm->window, paddr(base));
    run->pages = pages;
    run->prev = prev;
    run->next = prev ? prev->next : pmm->free_list;
    if (run->next)
        run->next->prev = run;
    if (prev)
        prev->next = run;
    else
        pmm->free_list = run;
    pmm_index_insert(pmm, run);
    pmm->stats.free_runs++;
    return run;
    /* LAB 2 END */
}

/* Take run out of the list and the index (its frames are in use, or part of
 * another run, from now on). */
static void unlink_run(struct pmm *pmm, struct pmm_run *run)
{
    if (run->prev)
        run->prev->next = run->next;
    else
        pmm->free_list = run->next;
    if (run->next)
        run->next->prev = run->prev;
    pmm_index_remove(pmm, run);
    pmm->stats.free_runs--;
}

/*
 * A run header is only ever written by this file, so one that is misaligned,
 * empty or reaches outside the memory handed out at start-up means something
 * else scribbled over free memory. Stop before handing that memory out.
 */
static void check_run(const struct pmm *pmm, const struct pmm_run *run, const char *who,
                      void *caller)
{
    uint64_t base = run_start(pmm, run);
    if (base % PAGE_SIZE != 0 || run->pages == 0 ||
        !pages_inside(pmm->avail, pmm->avail_count, base, run->pages))
        panic("%s: free list corrupt: run at %#llx claims %llu pages (caller %p)", who,
              (unsigned long long)base, (unsigned long long)run->pages, caller);
}

/* Take the last count frames of run; unlink the run once it is empty. */
static paddr_t take_from_run(struct pmm *pmm, struct pmm_run *run, uint64_t count)
{
    /* LAB 2 BEGIN: shrink the run by count frames at its end; unlink it when it is empty */
    /* LAB 2 STUB: panic("lab 2: not implemented: take_from_run"); */
    run->pages -= count;
    paddr_t frames = paddr(run_end(pmm, run));
    if (run->pages == 0)
        unlink_run(pmm, run);
    pmm->stats.free_bytes -= count * PAGE_SIZE;
    return frames;
    /* LAB 2 END */
}

static void zero_frames(struct pmm *pmm, paddr_t base, uint64_t count)
{
    memset(phys_window_ptr(&pmm->window, base), 0, count * PAGE_SIZE);
}

int pmm_init(struct pmm *pmm, struct phys_window window, const struct mem_region *map, size_t count,
             const struct pmm_range *reserved, size_t nreserved, paddr_t limit)
{
    if (pmm == NULL || (map == NULL && count > 0) || (reserved == NULL && nreserved > 0))
        return PMM_ERR_BAD_ARGUMENT;

    pmm->window = window;
    pmm->free_list = NULL;
    pmm->index = NULL;
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

    /* One run per free range, lowest first: the list starts in address order. */
    struct pmm_run *last = NULL;
    for (size_t i = 0; i < pmm->avail_count; i++) {
        const struct pmm_range *r = &pmm->avail[i];
        uint64_t pages = (r->end - r->base) / PAGE_SIZE;
        last = new_run(pmm, last, r->base, pages);
        pmm->stats.free_bytes += pages * PAGE_SIZE;
    }
    return 0;
}

const char *pmm_strerror(int err)
{
    switch (err) {
    case 0:
        return "success";
    case PMM_ERR_TOO_MANY_RANGES:
        return "more ranges than the PMM's fixed tables hold (map entries, withheld ranges or free ranges)";
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
    /* LAB 2 BEGIN: take one frame from the lowest run (checked first), zeroed if asked */
    /* LAB 2 STUB: panic("lab 2: not implemented: alloc_one (pmm_alloc_page)"); */
    if (pmm->free_list == NULL)
        return PMM_NO_FRAME;
    check_run(pmm, pmm->free_list, "pmm_alloc_page", caller);
    paddr_t frame = take_from_run(pmm, pmm->free_list, 1);
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
    /* LAB 2 BEGIN: first fit: count frames from the end of the lowest run long enough */
    /* LAB 2 STUB: panic("lab 2: not implemented: pmm_alloc_pages"); */
    if (count == 0)
        return PMM_NO_FRAME;
    uint64_t seen = 0;
    for (struct pmm_run *run = pmm->free_list; run != NULL; run = run->next) {
        if (++seen > pmm->stats.free_runs)
            panic("pmm_alloc_pages: free list corrupt: longer than its %llu runs (caller %p)",
                  (unsigned long long)pmm->stats.free_runs, CALLER_ADDRESS());
        check_run(pmm, run, "pmm_alloc_pages", CALLER_ADDRESS());
        if (run->pages >= count) {
            paddr_t base = take_from_run(pmm, run, count);
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
 * Panic unless [base, base + count frames) may be freed: page-aligned, not
 * empty, and inside one range the PMM handed out at start-up. On the normal
 * path this is one binary search; only when something is wrong does it go
 * page by page, to name the first bad frame.
 */
static void check_free(const struct pmm *pmm, const char *who, uint64_t base, size_t count,
                       void *caller)
{
    unsigned long long addr = base;
    if (base % PAGE_SIZE != 0)
        panic("%s: frame %#llx is not page-aligned (caller %p)", who, addr, caller);
    if (count == 0)
        panic("%s: freeing 0 frames at %#llx (caller %p)", who, addr, caller);
    if (pages_inside(pmm->avail, pmm->avail_count, base, count))
        return;
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

/*
 * Give [base, base + pages frames) back, merged with the free run that ends
 * where it starts and the one that starts where it ends. Frames that overlap
 * a free run are a double free.
 */
static void release(struct pmm *pmm, const char *who, uint64_t base, uint64_t pages, void *caller)
{
    /* LAB 2 BEGIN: find the runs below and above, refuse overlaps, merge with touching ones */
    /* LAB 2 STUB: panic("lab 2: not implemented: release (freeing with merging)"); */
    uint64_t end = base + pages * PAGE_SIZE;
    struct pmm_run *below = pmm_index_floor(pmm, base);
    struct pmm_run *above = below ? below->next : pmm->free_list;
    if (below)
        check_run(pmm, below, who, caller);
    if (above)
        check_run(pmm, above, who, caller);
    if (below && run_end(pmm, below) > base)
        panic("%s: frame %#llx is already free (caller %p)", who, (unsigned long long)base,
              caller);
    if (above && run_start(pmm, above) < end)
        panic("%s: frame %#llx is already free (caller %p)", who,
              (unsigned long long)run_start(pmm, above), caller);

    bool join_below = below && run_end(pmm, below) == base;
    bool join_above = above && run_start(pmm, above) == end;
    if (join_below) {
        below->pages += pages;
        if (join_above) { /* the freed frames fill the gap: one run of all three */
            below->pages += above->pages;
            unlink_run(pmm, above);
        }
    } else if (join_above) { /* the header moves down to base */
        uint64_t above_pages = above->pages;
        struct pmm_run *prev = above->prev;
        unlink_run(pmm, above);
        new_run(pmm, prev, base, pages + above_pages);
    } else {
        new_run(pmm, below, base, pages);
    }
    pmm->stats.free_bytes += pages * PAGE_SIZE;
    /* LAB 2 END */
}

void pmm_free_page(struct pmm *pmm, paddr_t frame)
{
    check_free(pmm, "pmm_free_page", frame.addr, 1, CALLER_ADDRESS());
    release(pmm, "pmm_free_page", frame.addr, 1, CALLER_ADDRESS());
}

void pmm_free_pages(struct pmm *pmm, paddr_t base, size_t count)
{
    check_free(pmm, "pmm_free_pages", base.addr, count, CALLER_ADDRESS());
    release(pmm, "pmm_free_pages", base.addr, count, CALLER_ADDRESS());
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
    const struct pmm_run *run = pmm_index_floor(pmm, PAGE_ALIGN_DOWN(p.addr));
    return run != NULL && p.addr < run_end(pmm, run);
}

void pmm_for_each_run(const struct pmm *pmm, void (*fn)(paddr_t base, uint64_t pages, void *ctx),
                      void *ctx)
{
    for (const struct pmm_run *run = pmm->free_list; run != NULL; run = run->next)
        fn(paddr(run_start(pmm, run)), run->pages, ctx);
}

const char *pmm_check(const struct pmm *pmm)
{
    uint64_t runs = 0, bytes = 0, last_end = 0;
    const struct pmm_run *prev = NULL;
    for (const struct pmm_run *run = pmm->free_list; run != NULL; prev = run, run = run->next) {
        if (++runs > pmm->stats.free_runs)
            return "the list is longer than stats.free_runs";
        uint64_t start = run_start(pmm, run);
        if (start % PAGE_SIZE || run->pages == 0 ||
            !pages_inside(pmm->avail, pmm->avail_count, start, run->pages))
            return "a run is misaligned, empty or outside the free ranges";
        if (run->prev != prev)
            return "a run's prev link does not name the run before it";
        if (prev && start < last_end)
            return "two runs overlap or are out of address order";
        if (prev && start == last_end)
            return "two runs touch: they should have been merged";
        if (pmm_index_floor(pmm, start) != run)
            return "a run is missing from the search tree";
        last_end = run_end(pmm, run);
        bytes += run->pages * PAGE_SIZE;
    }
    if (runs != pmm->stats.free_runs)
        return "the list is shorter than stats.free_runs";
    uint64_t in_tree;
    const char *tree = pmm_index_check(pmm, &in_tree);
    if (tree)
        return tree;
    if (in_tree != runs)
        return "the search tree holds a different number of runs than the list";
    if (bytes != pmm->stats.free_bytes)
        return "the runs do not add up to stats.free_bytes";
    return NULL;
}
