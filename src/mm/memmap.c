/*
 * mm/memmap.c - from the bootloader's memory map to the RAM the PMM may use.
 *
 * Firmware memory maps are messy: entries may come in any order, overlap,
 * disagree about the type of a range, be empty or not page-aligned. This file
 * turns such a map into two clean lists for the PMM (src/mm/pmm.c):
 *
 *   pmm->ram    usable RAM: bytes that some entry covers and that every entry
 *               covering them calls MEM_USABLE (the most restrictive type
 *               wins), shrunk inward to whole pages, sorted by address
 *   pmm->avail  the part of that RAM put on the free list: without the first
 *               MiB, the withheld ranges (kernel image, modules, ...) and
 *               anything at or above the limit the PMM can reach
 *
 * Plain C with no memory of its own beyond those arrays; the host tests
 * (tests/test_pmm.c) feed it hostile maps.
 */
#include "mm/memmap.h"

#include "mm/layout.h"

/* ---- Small helpers ------------------------------------------------------ */

static uint64_t min_addr(uint64_t a, uint64_t b)
{
    return a < b ? a : b;
}

/* One past the last byte of a map entry; an entry running off the top of the
 * address space is cut at the top (real RAM never gets near it). */
static uint64_t entry_end(const struct mem_region *e)
{
    if (e->length > UINT64_MAX - e->base)
        return UINT64_MAX;
    return e->base + e->length;
}

/* Grow a range outward to whole pages: a frame partly reserved is reserved. */
static struct pmm_range page_expand(struct pmm_range r)
{
    if (r.end <= r.base)
        return (struct pmm_range){0, 0}; /* empty (or backwards): reserves nothing */
    struct pmm_range out = {PAGE_ALIGN_DOWN(r.base), PAGE_ALIGN_DOWN(r.end)};
    if (out.end < r.end && out.end <= UINT64_MAX - PAGE_SIZE)
        out.end += PAGE_SIZE;
    return out;
}

static int append_range(struct pmm_range *list, size_t *n, uint64_t base, uint64_t end)
{
    if (*n == PMM_MAX_RANGES)
        return PMM_ERR_TOO_MANY_RANGES;
    list[*n] = (struct pmm_range){base, end};
    (*n)++;
    return 0;
}

/* ---- Resolving the map ------------------------------------------------- */

/*
 * Resolving the map walks the address line from 0 upwards, stopping at every
 * entry edge (a start or an end). Between two neighbouring edges every byte is
 * covered by the same entries, so one look at one byte decides the whole piece.
 * Each step scans the map, so the walk costs O(count^2) for a map of count
 * entries: a few hundred at most, and no sorting or scratch memory needed.
 */

/* The smallest entry edge strictly above pos; false when there is none. */
static bool next_edge(const struct mem_region *map, size_t count, uint64_t pos, uint64_t *edge)
{
    bool found = false;
    uint64_t best = 0;
    for (size_t i = 0; i < count; i++) {
        if (map[i].length == 0)
            continue;
        uint64_t edges[2] = {map[i].base, entry_end(&map[i])};
        for (int k = 0; k < 2; k++) {
            if (edges[k] > pos && (!found || edges[k] < best)) {
                best = edges[k];
                found = true;
            }
        }
    }
    *edge = best;
    return found;
}

enum piece_kind { PIECE_HOLE, PIECE_USABLE, PIECE_RESTRICTED };

/* What covers p? Any entry that is not MEM_USABLE wins over usable ones. */
static enum piece_kind classify(const struct mem_region *map, size_t count, uint64_t p)
{
    bool covered = false;
    for (size_t i = 0; i < count; i++) {
        if (map[i].length == 0 || p < map[i].base || p >= entry_end(&map[i]))
            continue;
        if (map[i].type != MEM_USABLE)
            return PIECE_RESTRICTED;
        covered = true;
    }
    return covered ? PIECE_USABLE : PIECE_HOLE;
}

/* Record one maximal usable stretch, shrunk inward to whole pages. */
static int add_ram(struct pmm *pmm, uint64_t base, uint64_t end)
{
    uint64_t first = PAGE_ALIGN_DOWN(base);
    if (first < base) {
        if (first > UINT64_MAX - PAGE_SIZE)
            return 0; /* the stretch starts inside the very last page */
        first += PAGE_SIZE;
    }
    end = PAGE_ALIGN_DOWN(end);
    if (first >= end)
        return 0;
    pmm->stats.usable_bytes += end - first;
    return append_range(pmm->ram, &pmm->ram_count, first, end);
}

int memmap_resolve(struct pmm *pmm, const struct mem_region *map, size_t count)
{
    uint64_t pos = 0, next = 0;
    uint64_t usable_start = 0;
    bool in_usable = false;

    while (next_edge(map, count, pos, &next)) {
        enum piece_kind kind = classify(map, count, pos);
        if (kind != PIECE_HOLE)
            pmm->stats.total_bytes += next - pos;
        if (kind == PIECE_USABLE && !in_usable) {
            usable_start = pos;
            in_usable = true;
        } else if (kind != PIECE_USABLE && in_usable) {
            int err = add_ram(pmm, usable_start, pos);
            if (err)
                return err;
            in_usable = false;
        }
        pos = next;
    }
    return in_usable ? add_ram(pmm, usable_start, pos) : 0;
}

/* Is the frame at p withheld (first MiB or a reserved range)? If so, *until
 * is where that withheld stretch ends. */
static bool withheld_at(const struct pmm_range *reserved, size_t n, uint64_t p, uint64_t *until)
{
    if (p < LOW_MEMORY_END) {
        *until = LOW_MEMORY_END;
        return true;
    }
    for (size_t i = 0; i < n; i++) {
        struct pmm_range r = page_expand(reserved[i]);
        if (pmm_range_contains(&r, p)) {
            *until = r.end;
            return true;
        }
    }
    return false;
}

/* Where does the next withheld stretch above p begin (at most end)? */
static uint64_t next_withheld(const struct pmm_range *reserved, size_t n, uint64_t p, uint64_t end)
{
    for (size_t i = 0; i < n; i++) {
        struct pmm_range r = page_expand(reserved[i]);
        if (r.base > p && r.base < r.end)
            end = min_addr(end, r.base);
    }
    return end;
}

int memmap_carve(struct pmm *pmm, struct pmm_range ram, const struct pmm_range *reserved,
                 size_t nreserved)
{
    if (ram.end > pmm->limit) {
        uint64_t cut = ram.base > pmm->limit ? ram.base : pmm->limit;
        pmm->stats.unreachable_bytes += ram.end - cut;
        ram.end = cut;
    }

    uint64_t pos = ram.base, until;
    while (pos < ram.end) {
        if (withheld_at(reserved, nreserved, pos, &until)) {
            until = min_addr(until, ram.end);
            pmm->stats.reserved_bytes += until - pos;
            pos = until;
            continue;
        }
        until = next_withheld(reserved, nreserved, pos, ram.end);
        int err = append_range(pmm->avail, &pmm->avail_count, pos, until);
        if (err)
            return err;
        pos = until;
    }
    return 0;
}

/* ---- Raising the limit, once the direct map reaches further ------------- */

/*
 * At start-up the PMM can only reach what the bootstrap tables map; RAM above
 * that was counted as unreachable and left out. Once the kernel's own direct
 * map reaches higher, that RAM is carved exactly as start-up would have done
 * and given to the free list through pmm_free_pages, the same door every
 * other frame comes back through.
 */

/* Carve the usable RAM in [from, to) onto the end of pmm->avail. */
static int carve_between(struct pmm *pmm, uint64_t from, uint64_t to,
                         const struct pmm_range *reserved, size_t nreserved)
{
    for (size_t i = 0; i < pmm->ram_count; i++) {
        struct pmm_range piece = pmm->ram[i];
        piece.base = piece.base > from ? piece.base : from;
        piece.end = min_addr(piece.end, to);
        if (piece.base >= piece.end)
            continue;
        int err = memmap_carve(pmm, piece, reserved, nreserved);
        if (err)
            return err;
        pmm->stats.unreachable_bytes -= piece.end - piece.base;
    }
    return 0;
}

/*
 * RAM that ran across the old limit was cut there at start-up; if its upper
 * part is free it joins the range below, so pmm->avail holds one range per
 * free stretch, as if start-up had reached that far. Returns the index of the
 * first range with new frames and sets *from to where they begin in it.
 */
static size_t join_at_old_limit(struct pmm *pmm, size_t first_new, uint64_t *from)
{
    if (first_new == 0 || first_new >= pmm->avail_count ||
        pmm->avail[first_new - 1].end != pmm->avail[first_new].base) {
        if (first_new < pmm->avail_count)
            *from = pmm->avail[first_new].base;
        return first_new;
    }
    *from = pmm->avail[first_new - 1].end;
    pmm->avail[first_new - 1].end = pmm->avail[first_new].end;
    for (size_t i = first_new + 1; i < pmm->avail_count; i++)
        pmm->avail[i - 1] = pmm->avail[i];
    pmm->avail_count--;
    return first_new - 1;
}

int pmm_raise_limit(struct pmm *pmm, paddr_t new_limit, const struct pmm_range *reserved,
                    size_t nreserved)
{
    uint64_t old = pmm->limit, limit = PAGE_ALIGN_DOWN(new_limit.addr);
    if (limit < old || (reserved == NULL && nreserved > 0))
        return PMM_ERR_BAD_ARGUMENT;

    /* Carve first, free afterwards: a failed carve leaves the PMM as it was. */
    struct pmm_stats before = pmm->stats;
    size_t first_new = pmm->avail_count;
    pmm->limit = limit;
    int err = carve_between(pmm, old, limit, reserved, nreserved);
    if (err) {
        pmm->stats = before;
        pmm->avail_count = first_new;
        pmm->limit = old;
        return err;
    }

    uint64_t from = 0;
    for (size_t i = join_at_old_limit(pmm, first_new, &from); i < pmm->avail_count; i++) {
        const struct pmm_range *r = &pmm->avail[i];
        if (r->base > from)
            from = r->base;
        pmm_free_pages(pmm, paddr(from), (r->end - from) / PAGE_SIZE);
    }
    return 0;
}
