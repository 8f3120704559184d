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
 * How, in two sweeps along the address line:
 *
 *   Resolving. Every non-empty entry has two edges, where it starts and where
 *   it ends. Sort all edges by address and visit them from low to high,
 *   keeping two counters: how many usable entries, and how many entries of
 *   any other type, cover the current position. Between two neighbouring
 *   edges nothing starts or ends, so the counters describe that whole piece:
 *   "other" above zero means not RAM, else "usable" above zero means RAM,
 *   else it is a hole no entry mentions. Neighbouring RAM pieces join up.
 *   A map whose entries already come in address order without overlapping
 *   (QEMU's, Bochs's, most firmware's) needs none of that: no byte is covered
 *   twice, so one look along the map finds its usable stretches.
 *
 *   Carving. Grow each withheld range outward to whole pages and sort the
 *   ranges by where they start. The RAM ranges are already sorted, so walk
 *   both lists together, the way one merges two sorted decks of cards: one
 *   index says which withheld range comes next, and one mark says how far the
 *   ranges already passed keep memory withheld ("withheld until"; it starts
 *   at the end of the first MiB). Standing at an address in RAM, take in
 *   every range that starts at or below it; if the mark is above the address,
 *   the memory up to the mark is withheld, otherwise it is free up to the
 *   start of the next range (or the end of the RAM range).
 *
 * Sorting is a natural merge sort: maps and module lists arrive in order, or
 * as a few stretches in order, so sorting n items in r stretches costs
 * O(n log r), one look along the list when it is sorted; each sweep visits
 * every item once. So start-up costs about O(entries + withheld ranges),
 * whatever the amount of RAM. The PMM has no heap: the sorts work on arrays
 * of 16-bit indices on the stack (2 KiB each) with one 2 KiB merge buffer,
 * never on the caller's arrays, which caps how many entries and withheld
 * ranges one call accepts (MEMMAP_MAX_ENTRIES, MEMMAP_MAX_WITHHELD in
 * mm/memmap.h).
 *
 * Plain C with no memory of its own beyond those arrays; the host tests
 * (tests/test_pmm.c, tests/test_memmap.c) feed it hostile maps.
 */
#include "mm/memmap.h"

#include "mm/layout.h"

/* The boot passes at most this many; the checks below are for other callers. */
_Static_assert(MEMMAP_MAX_ENTRIES >= BOOT_MAX_REGIONS, "a boot memory map must fit");
_Static_assert(MEMMAP_MAX_WITHHELD >= 3 + BOOT_MAX_MODULES,
               "the kernel image, the MBI and every module must fit");
_Static_assert(2 * MEMMAP_MAX_ENTRIES <= UINT16_MAX + 1 && MEMMAP_MAX_WITHHELD <= UINT16_MAX + 1,
               "the sorts keep 16-bit indices");

/* ---- Small helpers ------------------------------------------------------ */

static uint64_t min_addr(uint64_t a, uint64_t b)
{
    return a < b ? a : b;
}

static uint64_t max_addr(uint64_t a, uint64_t b)
{
    return a > b ? a : b;
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

/* ---- Sorting indices ----------------------------------------------------- */

/* The address an index stands for (an edge of a map entry, the start of a
 * withheld range); items is the caller's array the index points into. */
typedef uint64_t (*sort_key)(uint16_t index, const void *items);

/* Room for the longer of the two lists sorted here. Start-up is the only
 * caller, one at a time, so one buffer serves both. */
#define SORT_MAX (2 * MEMMAP_MAX_ENTRIES > MEMMAP_MAX_WITHHELD ? 2 * MEMMAP_MAX_ENTRIES \
                                                               : MEMMAP_MAX_WITHHELD)
static uint16_t sort_scratch[SORT_MAX];

/* Where the stretch of order[] that is already in order, starting at from, ends. */
static size_t sorted_until(const uint16_t *order, size_t from, size_t n, sort_key key,
                           const void *items)
{
    size_t i = from + 1;
    while (i < n && key(order[i - 1], items) <= key(order[i], items))
        i++;
    return i;
}

/* Merge the sorted stretches order[from..mid) and order[mid..end) into one. */
static void merge(uint16_t *order, size_t from, size_t mid, size_t end, sort_key key,
                  const void *items)
{
    size_t left = mid - from;
    for (size_t i = 0; i < left; i++)
        sort_scratch[i] = order[from + i];
    size_t i = 0, j = mid, out = from;
    while (i < left && j < end)
        order[out++] = key(order[j], items) < key(sort_scratch[i], items) ? order[j++]
                                                                          : sort_scratch[i++];
    while (i < left)
        order[out++] = sort_scratch[i++];
}

/*
 * Sort order[0..n) by key, smallest first: a natural merge sort. Firmware
 * maps and GRUB's modules arrive in address order, or as a few stretches in
 * order (GRUB puts modules given later below earlier ones), so each pass finds
 * the stretches already in order and merges them in pairs. With r stretches
 * that is O(n log r): one look along the list when it is sorted, a few passes
 * when it is not, and never the O(n^2) of scanning every range for every piece.
 */
static void sort_indices(uint16_t *order, size_t n, sort_key key, const void *items)
{
    for (;;) {
        size_t stretches = 0; /* how many stretches this pass found */
        for (size_t from = 0; from < n;) {
            size_t mid = sorted_until(order, from, n, key, items);
            stretches++;
            if (mid == n)
                break; /* the last stretch: nothing to merge it with */
            size_t end = sorted_until(order, mid, n, key, items);
            stretches++;
            merge(order, from, mid, end, key, items);
            from = end;
        }
        if (stretches <= 1)
            return;
    }
}

/* ---- Resolving the map -------------------------------------------------- */

/* Edge 2i is where map entry i starts, edge 2i+1 where it ends. */
static bool edge_is_end(uint16_t edge)
{
    return edge % 2 == 1;
}

static uint64_t edge_address(uint16_t edge, const void *items)
{
    const struct mem_region *e = (const struct mem_region *)items + edge / 2;
    return edge_is_end(edge) ? entry_end(e) : e->base;
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

/* Where the sweep stands: the entries covering pos, and the RAM stretch it is in. */
struct resolver {
    uint64_t pos;
    size_t usable, other; /* entries covering pos, by type */
    bool in_usable;
    uint64_t usable_start;
};

/* The piece [r->pos, next) is covered as the counters say: count it, and
 * start or finish a RAM stretch. */
static int take_piece(struct pmm *pmm, struct resolver *r, uint64_t next)
{
    bool covered = r->usable + r->other > 0;
    bool usable = r->other == 0 && r->usable > 0;
    if (covered)
        pmm->stats.total_bytes += next - r->pos;
    int err = 0;
    if (usable && !r->in_usable)
        r->usable_start = r->pos;
    else if (!usable && r->in_usable)
        err = add_ram(pmm, r->usable_start, r->pos);
    r->in_usable = usable;
    r->pos = next;
    return err;
}

/* Do the map's non-empty entries come in address order, none overlapping the
 * one before? One look along the map. */
static bool in_order_and_apart(const struct mem_region *map, size_t count)
{
    uint64_t end = 0;
    for (size_t i = 0; i < count; i++) {
        if (map[i].length == 0)
            continue;
        if (map[i].base < end)
            return false;
        end = entry_end(&map[i]);
    }
    return true;
}

/*
 * The same result as the sweep below, for a map in order with no overlaps
 * (what QEMU, Bochs and most firmware give): no byte is covered twice, so no
 * type has to win over another. Each entry counts once, and usable entries
 * that touch join into one stretch of RAM.
 */
static int resolve_in_order(struct pmm *pmm, const struct mem_region *map, size_t count)
{
    bool in_usable = false;
    uint64_t start = 0, end = 0; /* the usable stretch so far */
    for (size_t i = 0; i < count; i++) {
        if (map[i].length == 0)
            continue;
        uint64_t base = map[i].base, top = entry_end(&map[i]);
        pmm->stats.total_bytes += top - base;
        bool usable = map[i].type == MEM_USABLE;
        if (in_usable && (!usable || base != end)) {
            int err = add_ram(pmm, start, end);
            if (err)
                return err;
            in_usable = false;
        }
        if (usable && !in_usable) {
            start = base;
            in_usable = true;
        }
        end = top;
    }
    return in_usable ? add_ram(pmm, start, end) : 0;
}

int memmap_resolve(struct pmm *pmm, const struct mem_region *map, size_t count)
{
    if (count > MEMMAP_MAX_ENTRIES)
        return PMM_ERR_TOO_MANY_RANGES;
    if (in_order_and_apart(map, count))
        return resolve_in_order(pmm, map, count);
    uint16_t edges[2 * MEMMAP_MAX_ENTRIES];
    size_t nedges = 0;
    for (size_t i = 0; i < count; i++) {
        if (map[i].length == 0)
            continue; /* its two edges would share an address and cancel out */
        edges[nedges++] = (uint16_t)(2 * i);
        edges[nedges++] = (uint16_t)(2 * i + 1);
    }
    sort_indices(edges, nedges, edge_address, map);

    struct resolver r = {0};
    for (size_t k = 0; k < nedges; k++) {
        uint64_t at = edge_address(edges[k], map);
        if (at > r.pos) {
            int err = take_piece(pmm, &r, at);
            if (err)
                return err;
        }
        /* Edges at one address are neighbours in the sorted list, so the
         * counters are read only once all of them have been applied. */
        size_t *counter = map[edges[k] / 2].type == MEM_USABLE ? &r.usable : &r.other;
        if (edge_is_end(edges[k]))
            (*counter)--;
        else
            (*counter)++;
    }
    return r.in_usable ? add_ram(pmm, r.usable_start, r.pos) : 0;
}

/* ---- Carving out what is withheld ---------------------------------------- */

/* Where reserved[index] starts once grown to whole pages (page_expand's base,
 * without computing its end: the sort asks this O(n log n) times). */
static uint64_t withheld_base(uint16_t index, const void *items)
{
    const struct pmm_range *r = (const struct pmm_range *)items + index;
    return r->end <= r->base ? 0 : PAGE_ALIGN_DOWN(r->base);
}

/* The withheld ranges, sorted by start, and how far the carving has got. */
struct carver {
    const struct pmm_range *reserved;
    const uint16_t *order; /* reserved[order[0]] starts lowest */
    size_t count;
    size_t next;             /* order[next] is the first range not yet taken in */
    uint64_t withheld_until; /* end of everything taken in so far */
};

/* Take in every withheld range that starts at or below pos. */
static void take_in_ranges(struct carver *c, uint64_t pos)
{
    while (c->next < c->count) {
        struct pmm_range r = page_expand(c->reserved[c->order[c->next]]);
        if (r.base > pos)
            return;
        c->withheld_until = max_addr(c->withheld_until, r.end);
        c->next++;
    }
}

/* Split one RAM range (the carver has seen nothing above its base yet). */
static int carve_range(struct pmm *pmm, struct pmm_range ram, struct carver *c)
{
    if (ram.end > pmm->limit) {
        uint64_t cut = ram.base > pmm->limit ? ram.base : pmm->limit;
        pmm->stats.unreachable_bytes += ram.end - cut;
        ram.end = cut;
    }

    uint64_t pos = ram.base;
    while (pos < ram.end) {
        take_in_ranges(c, pos);
        if (c->withheld_until > pos) {
            uint64_t until = min_addr(c->withheld_until, ram.end);
            pmm->stats.reserved_bytes += until - pos;
            pos = until;
            continue;
        }
        uint64_t until = ram.end;
        if (c->next < c->count)
            until = min_addr(until, withheld_base(c->order[c->next], c->reserved));
        int err = append_range(pmm->avail, &pmm->avail_count, pos, until);
        if (err)
            return err;
        pos = until;
    }
    return 0;
}

/* Carve the parts of pmm->ram inside [from, to): the sort happens once here. */
static int carve_between(struct pmm *pmm, const struct pmm_range *reserved, size_t nreserved,
                         uint64_t from, uint64_t to)
{
    if (nreserved > MEMMAP_MAX_WITHHELD)
        return PMM_ERR_TOO_MANY_RANGES;
    uint16_t order[MEMMAP_MAX_WITHHELD];
    for (size_t i = 0; i < nreserved; i++)
        order[i] = (uint16_t)i;
    sort_indices(order, nreserved, withheld_base, reserved);

    struct carver c = {reserved, order, nreserved, 0, LOW_MEMORY_END};
    for (size_t i = 0; i < pmm->ram_count; i++) {
        struct pmm_range piece = {max_addr(pmm->ram[i].base, from), min_addr(pmm->ram[i].end, to)};
        if (piece.base >= piece.end)
            continue;
        int err = carve_range(pmm, piece, &c);
        if (err)
            return err;
    }
    return 0;
}

int memmap_carve(struct pmm *pmm, const struct pmm_range *reserved, size_t nreserved)
{
    return carve_between(pmm, reserved, nreserved, 0, UINT64_MAX);
}

/* ---- Raising the limit, once the direct map reaches further ------------- */

/*
 * At start-up the PMM can only reach what the bootstrap tables map; RAM above
 * that was counted as unreachable and left out. Once the kernel's own direct
 * map reaches higher, that RAM is carved exactly as start-up would have done
 * and given to the free list through pmm_free_pages, the same door every
 * other frame comes back through.
 */

/* How much of pmm->ram lies in [from, to). */
static uint64_t ram_between(const struct pmm *pmm, uint64_t from, uint64_t to)
{
    uint64_t bytes = 0;
    for (size_t i = 0; i < pmm->ram_count; i++) {
        uint64_t base = max_addr(pmm->ram[i].base, from), end = min_addr(pmm->ram[i].end, to);
        bytes += end > base ? end - base : 0;
    }
    return bytes;
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
    int err = carve_between(pmm, reserved, nreserved, old, limit);
    if (err == 0)
        pmm->stats.unreachable_bytes -= ram_between(pmm, old, limit);
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
