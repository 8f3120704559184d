/*
 * tests/test_memmap.c - host tests of src/mm/memmap.c against a brute force.
 *
 * memmap.c sorts edges and withheld ranges and sweeps them once. The reference
 * here does the dumbest correct thing instead: it looks at every 128-byte unit
 * of a small stretch of address space, one at a time, and at every page, one
 * at a time. Thousands of random maps and withheld lists (unsorted,
 * overlapping, in order without overlaps, empty, backwards, unaligned, with and
 * without a limit) must give the same ram[], avail[] and statistics both ways.
 * Each case is then built again as a real PMM over a buffer standing in for
 * RAM, with a limit that pmm_raise_limit lifts afterwards (as the kernel does
 * once its direct map reaches past 64 GiB): the result must be what the
 * reference gives for the higher limit, and the free list must hold exactly
 * the free ranges.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "host_panic.h" /* pmm_raise_limit frees through pmm.c, which may panic */
#include "mm/layout.h"
#include "mm/memmap.h"

#define UNIT 128ULL      /* the reference's resolution: pages are 32 units */
#define SPAN_PAGES 64ULL /* each random case lives in 64 pages of address space */
#define SPAN_UNITS (SPAN_PAGES * PAGE_SIZE / UNIT)
#define MAX_SPAN_UNITS (640 * PAGE_SIZE / UNIT) /* the largest span a case may name */
#define MAX_ENTRIES 12
#define MAX_WITHHELD 300

static uint64_t rng_state = 0x2545F4914F6CDD1DULL;

static uint64_t next_random(void)
{
    rng_state ^= rng_state << 13; /* xorshift64 */
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

/* ---- The code under test ------------------------------------------------- */

static struct pmm pmm;

/* RAM for the cases that build a real PMM: the span of a case, and one page
 * more because entries may end one unit past it. */
static uint8_t ram_buffer[(SPAN_PAGES + 1) * PAGE_SIZE] __attribute__((aligned(4096)));

static int run_memmap(const struct mem_region *map, size_t count, const struct pmm_range *reserved,
                      size_t nreserved, uint64_t limit)
{
    memset(&pmm, 0, sizeof(pmm));
    pmm.limit = PAGE_ALIGN_DOWN(limit);
    int err = memmap_resolve(&pmm, map, count);
    return err ? err : memmap_carve(&pmm, reserved, nreserved);
}

/* ---- The brute-force reference -------------------------------------------- */

struct expected {
    size_t ram_count, avail_count;
    struct pmm_range ram[PMM_MAX_RANGES], avail[PMM_MAX_RANGES];
    uint64_t total, usable, reserved, unreachable;
};

static struct expected want;

static void add_range(struct pmm_range *list, size_t *n, uint64_t base, uint64_t end)
{
    if (*n > 0 && list[*n - 1].end == base) {
        list[*n - 1].end = end; /* the page before was of the same kind: extend its range */
        return;
    }
    assert_true(*n < PMM_MAX_RANGES);
    list[(*n)++] = (struct pmm_range){base, end};
}

/* Maps in the random cases never reach the top of the address space, so
 * base + length does not wrap. Units hold one kind of byte each. */
static void reference_resolve(const struct mem_region *map, size_t count, uint64_t origin,
                              uint64_t span_units)
{
    static bool usable[MAX_SPAN_UNITS + 1];
    assert_true(span_units <= MAX_SPAN_UNITS);
    for (uint64_t u = 0; u <= span_units; u++) {
        uint64_t a = origin + u * UNIT;
        bool covered = false, other = false;
        for (size_t i = 0; i < count && u < span_units; i++) {
            if (a >= map[i].base && a < map[i].base + map[i].length) {
                covered = true;
                other |= map[i].type != MEM_USABLE;
            }
        }
        want.total += covered ? UNIT : 0;
        usable[u] = covered && !other;
    }
    /* Each maximal usable stretch, shrunk inward to whole pages. */
    for (uint64_t u = 0; u < span_units; u++) {
        if (!usable[u] || (u > 0 && usable[u - 1]))
            continue;
        uint64_t end = u;
        while (usable[end])
            end++;
        uint64_t first = PAGE_ALIGN_UP(origin + u * UNIT),
                 last = PAGE_ALIGN_DOWN(origin + end * UNIT);
        if (first < last) {
            assert_true(want.ram_count < PMM_MAX_RANGES);
            want.ram[want.ram_count++] = (struct pmm_range){first, last};
            want.usable += last - first;
        }
    }
}

static bool page_withheld(uint64_t page, const struct pmm_range *reserved, size_t nreserved)
{
    if (page < LOW_MEMORY_END)
        return true;
    for (size_t i = 0; i < nreserved; i++)
        if (reserved[i].end > reserved[i].base && reserved[i].base < page + PAGE_SIZE &&
            reserved[i].end > page)
            return true;
    return false;
}

static void reference_carve(const struct pmm_range *reserved, size_t nreserved, uint64_t limit)
{
    for (size_t i = 0; i < want.ram_count; i++) {
        bool previous_free = false;
        for (uint64_t page = want.ram[i].base; page < want.ram[i].end; page += PAGE_SIZE) {
            bool is_free = false;
            if (page >= PAGE_ALIGN_DOWN(limit))
                want.unreachable += PAGE_SIZE;
            else if (page_withheld(page, reserved, nreserved))
                want.reserved += PAGE_SIZE;
            else
                is_free = true;
            if (is_free && previous_free)
                want.avail[want.avail_count - 1].end += PAGE_SIZE;
            else if (is_free)
                add_range(want.avail, &want.avail_count, page, page + PAGE_SIZE);
            previous_free = is_free;
        }
    }
}

static void assert_same_ranges(const struct pmm_range *got, size_t ngot,
                               const struct pmm_range *exp, size_t nexp, const char *what,
                               unsigned seed)
{
    if (ngot != nexp)
        fail_msg("case %u: %s has %zu ranges, the reference %zu", seed, what, ngot, nexp);
    for (size_t i = 0; i < ngot; i++)
        if (got[i].base != exp[i].base || got[i].end != exp[i].end)
            fail_msg("case %u: %s[%zu] is %#llx-%#llx, the reference says %#llx-%#llx", seed, what,
                     i, (unsigned long long)got[i].base, (unsigned long long)got[i].end,
                     (unsigned long long)exp[i].base, (unsigned long long)exp[i].end);
}

/* Fill `want` as the brute force sees the case. */
static void compute_reference(const struct mem_region *map, size_t count,
                              const struct pmm_range *reserved, size_t nreserved, uint64_t limit,
                              uint64_t origin, uint64_t span_units)
{
    memset(&want, 0, sizeof(want));
    reference_resolve(map, count, origin, span_units);
    reference_carve(reserved, nreserved, limit);
}

/* pmm's ram[], avail[] and statistics must be the reference's; `when` prefixes the names. */
static void assert_pmm_is_reference(const char *when, unsigned seed)
{
    char what[32];
    snprintf(what, sizeof(what), "%sram", when);
    assert_same_ranges(pmm.ram, pmm.ram_count, want.ram, want.ram_count, what, seed);
    snprintf(what, sizeof(what), "%savail", when);
    assert_same_ranges(pmm.avail, pmm.avail_count, want.avail, want.avail_count, what, seed);
    assert_int_equal(pmm.stats.total_bytes, want.total);
    assert_int_equal(pmm.stats.usable_bytes, want.usable);
    assert_int_equal(pmm.stats.reserved_bytes, want.reserved);
    assert_int_equal(pmm.stats.unreachable_bytes, want.unreachable);
}

static void assert_matches_reference(const struct mem_region *map, size_t count,
                                     const struct pmm_range *reserved, size_t nreserved,
                                     uint64_t limit, uint64_t origin, uint64_t span_units,
                                     unsigned seed)
{
    compute_reference(map, count, reserved, nreserved, limit, origin, span_units);
    assert_int_equal(run_memmap(map, count, reserved, nreserved, limit), 0);
    assert_pmm_is_reference("", seed);
}

/* The free list, run by run, must be pmm.avail: one run per free range. */
static void collect_run(paddr_t base, uint64_t pages, void *ctx)
{
    size_t *n = ctx;
    if (*n < pmm.avail_count &&
        (pmm.avail[*n].base != base.addr || pmm.avail[*n].end != base.addr + pages * PAGE_SIZE))
        fail_msg("free run %zu is %#llx + %llu pages, but free range %zu is %#llx-%#llx", *n,
                 (unsigned long long)base.addr, (unsigned long long)pages, *n,
                 (unsigned long long)pmm.avail[*n].base, (unsigned long long)pmm.avail[*n].end);
    (*n)++;
}

/*
 * Build a real PMM over ram_buffer (physical origin there) with limit `low`,
 * then raise the limit to `high`: everything must be as the reference says
 * for `high`, and the free list must be exactly the free ranges.
 */
static void assert_raise_matches_reference(const struct mem_region *map, size_t count,
                                           const struct pmm_range *reserved, size_t nreserved,
                                           uint64_t low, uint64_t high, uint64_t origin,
                                           unsigned seed)
{
    compute_reference(map, count, reserved, nreserved, high, origin, SPAN_UNITS);
    struct phys_window window = {(uint64_t)(uintptr_t)ram_buffer - origin};
    memset(&pmm, 0, sizeof(pmm));
    assert_int_equal(pmm_init(&pmm, window, map, count, reserved, nreserved, paddr(low)), 0);
    uint64_t unreachable_before = pmm.stats.unreachable_bytes;
    int err = pmm_raise_limit(&pmm, paddr(high), reserved, nreserved);
    if (err)
        fail_msg("case %u: pmm_raise_limit from %#llx to %#llx failed: %s", seed,
                 (unsigned long long)low, (unsigned long long)high, pmm_strerror(err));
    assert_pmm_is_reference("raised ", seed);
    assert_true(pmm.stats.unreachable_bytes <= unreachable_before);

    uint64_t free_bytes = 0;
    for (size_t i = 0; i < want.avail_count; i++)
        free_bytes += want.avail[i].end - want.avail[i].base;
    assert_int_equal(pmm.stats.free_bytes, free_bytes);
    assert_int_equal(pmm.stats.free_runs, want.avail_count);
    size_t runs = 0;
    pmm_for_each_run(&pmm, collect_run, &runs);
    assert_int_equal(runs, want.avail_count);
    const char *broken = pmm_check(&pmm);
    if (broken)
        fail_msg("case %u: after raising the limit, pmm_check says: %s", seed, broken);
}

/* ---- Random cases ------------------------------------------------------ */

/* An address in the case's span, on a unit boundary; now and then one unit
 * past the span's end, so that entries can stick out of it. */
static uint64_t random_address(uint64_t origin)
{
    return origin + next_random() % (SPAN_UNITS + 1) * UNIT;
}

static int compare_entries(const void *a, const void *b)
{
    const struct mem_region *x = a, *y = b;
    return (x->base > y->base) - (x->base < y->base);
}

static int compare_ranges(const void *a, const void *b)
{
    const struct pmm_range *x = a, *y = b;
    return (x->base > y->base) - (x->base < y->base);
}

static int compare_addresses(const void *a, const void *b)
{
    const uint64_t *x = a, *y = b;
    return (*x > *y) - (*x < *y);
}

/* A map as firmware usually gives it: entries in address order, none
 * overlapping another; some touch, some are empty. */
static size_t in_order_map(struct mem_region *map, uint64_t origin, const uint32_t *other_types)
{
    size_t count = next_random() % (MAX_ENTRIES + 1);
    uint64_t edges[2 * MAX_ENTRIES];
    for (size_t i = 0; i < 2 * count; i++)
        edges[i] = random_address(origin);
    qsort(edges, 2 * count, sizeof(edges[0]), compare_addresses);
    for (size_t i = 0; i < count; i++) {
        uint64_t base = edges[2 * i];
        uint64_t end = next_random() % 3 == 0 && i + 1 < count ? edges[2 * i + 2] /* touches */
                                                               : edges[2 * i + 1];
        uint32_t type = next_random() % 3 ? MEM_USABLE : other_types[next_random() % 5];
        map[i] = (struct mem_region){base, next_random() % 8 == 0 ? 0 : end - base, type};
    }
    return count;
}

/* A limit in the case's span, now and then not on a page boundary. */
static uint64_t random_limit(uint64_t origin)
{
    return random_address(origin) + next_random() % UNIT;
}

static void test_random_maps_match_brute_force(void **state)
{
    (void)state;
    /* A third of the cases straddle the end of the first MiB, a third sit above
     * 4 GiB, and a third straddle 64 GiB, where the bootstrap direct map ends. */
    const uint64_t origins[] = {LOW_MEMORY_END - 16 * PAGE_SIZE, 4ULL << 30,
                                BOOT_DIRECT_MAP_SIZE - SPAN_PAGES / 2 * PAGE_SIZE};
    static const uint32_t other_types[] = {MEM_RESERVED, 3, 4, 5, 77};
    struct mem_region map[MAX_ENTRIES];
    struct pmm_range reserved[MAX_WITHHELD];

    for (unsigned seed = 0; seed < 6000; seed++) {
        uint64_t origin = origins[seed % 3];
        size_t count = 0;
        if (seed % 4 == 1) {
            count = in_order_map(map, origin, other_types);
        } else {
            count = next_random() % (MAX_ENTRIES + 1);
            for (size_t i = 0; i < count; i++) {
                uint64_t a = random_address(origin), b = random_address(origin);
                uint64_t base = a < b ? a : b;
                uint64_t length = next_random() % 4 == 0 ? 0 : (a < b ? b - a : a - b);
                uint32_t type = next_random() % 3 ? MEM_USABLE : other_types[next_random() % 5];
                map[i] = (struct mem_region){base, length, type};
            }
        }
        size_t nreserved = next_random() % 2 ? next_random() % 8 : next_random() % MAX_WITHHELD;
        for (size_t i = 0; i < nreserved; i++) {
            uint64_t base = random_address(origin);
            uint64_t end = next_random() % 8 == 0
                               ? random_address(origin) /* maybe backwards */
                               : base + next_random() % (3 * PAGE_SIZE / UNIT) * UNIT;
            reserved[i] = (struct pmm_range){base, end};
        }
        if (seed % 4 == 0) { /* sorted input, as firmware and GRUB usually give it */
            qsort(map, count, sizeof(map[0]), compare_entries);
            qsort(reserved, nreserved, sizeof(reserved[0]), compare_ranges);
        }
        uint64_t limit = next_random() % 3 ? PMM_NO_LIMIT.addr : random_limit(origin);
        assert_matches_reference(map, count, reserved, nreserved, limit, origin, SPAN_UNITS, seed);

        /* The kernel starts with the bootstrap map's limit and raises it later. */
        uint64_t low =
            origin == origins[2] && seed % 2 ? BOOT_DIRECT_MAP_SIZE : random_limit(origin);
        uint64_t high = next_random() % 2 ? PMM_NO_LIMIT.addr : random_limit(origin);
        if (high < low)
            high = next_random() % 4 ? low : PMM_NO_LIMIT.addr; /* raising to itself adds nothing */
        assert_raise_matches_reference(map, count, reserved, nreserved, low, high, origin, seed);
    }
}

/* ---- Many withheld ranges ------------------------------------------------ */

static void shuffle(struct pmm_range *r, size_t n)
{
    for (size_t i = n; i > 1; i--) {
        size_t j = next_random() % i;
        struct pmm_range t = r[i - 1];
        r[i - 1] = r[j];
        r[j] = t;
    }
}

static const uint64_t MANY_BASE = 2 * 1024 * 1024;
static const struct mem_region many_map[] = {{MANY_BASE, 600 * PAGE_SIZE, MEM_USABLE}};

/* 300 withheld ranges in shuffled order: 200 one-page holes at every third
 * page, and 100 unaligned or empty ones on top of them. */
static size_t make_300(struct pmm_range *r)
{
    size_t n = 0;
    for (uint64_t k = 0; k < 200; k++)
        r[n++] = (struct pmm_range){MANY_BASE + (3 * k + 1) * PAGE_SIZE,
                                    MANY_BASE + (3 * k + 2) * PAGE_SIZE};
    for (uint64_t k = 0; k < 100; k++) {
        uint64_t page = MANY_BASE + (6 * k + 1) * PAGE_SIZE;
        r[n++] =
            k % 2 ? (struct pmm_range){page + 100, page + 200} : (struct pmm_range){page, page};
    }
    shuffle(r, n);
    return n;
}

static void test_300_withheld_ranges(void **state)
{
    (void)state;
    struct pmm_range reserved[300];
    size_t n = make_300(reserved);
    assert_int_equal(n, 300);
    assert_matches_reference(many_map, 1, reserved, n, PMM_NO_LIMIT.addr, MANY_BASE,
                             600 * PAGE_SIZE / UNIT, 300);
    assert_int_equal(pmm.avail_count, 201); /* a free piece before, between and after the holes */
    assert_int_equal(pmm.avail[0].base, MANY_BASE);
    assert_int_equal(pmm.avail[0].end, MANY_BASE + PAGE_SIZE);
    assert_int_equal(pmm.avail[200].base, MANY_BASE + 599 * PAGE_SIZE);
    assert_int_equal(pmm.stats.reserved_bytes, 200 * PAGE_SIZE);
}

static void test_too_many_free_pieces_is_an_error(void **state)
{
    (void)state;
    struct pmm_range reserved[300];
    for (uint64_t k = 0; k < 300; k++) /* 300 separate holes: 300 free pieces */
        reserved[k] = (struct pmm_range){MANY_BASE + (2 * k + 1) * PAGE_SIZE,
                                         MANY_BASE + (2 * k + 2) * PAGE_SIZE - 1};
    shuffle(reserved, 300);
    assert_int_equal(run_memmap(many_map, 1, reserved, 300, PMM_NO_LIMIT.addr),
                     PMM_ERR_TOO_MANY_RANGES);
    assert_int_equal(pmm.avail_count, PMM_MAX_RANGES);
}

/* The sorts hold a fixed number of indices: one more is refused, not overrun. */
static void test_sort_limits(void **state)
{
    (void)state;
    static struct pmm_range reserved[MEMMAP_MAX_WITHHELD + 1];
    for (size_t i = 0; i <= MEMMAP_MAX_WITHHELD; i++) /* all the same page, any order */
        reserved[i] = (struct pmm_range){MANY_BASE + i % 7, MANY_BASE + 100 + i % 5};
    assert_int_equal(run_memmap(many_map, 1, reserved, MEMMAP_MAX_WITHHELD, PMM_NO_LIMIT.addr), 0);
    assert_int_equal(pmm.avail_count, 1);
    assert_int_equal(pmm.avail[0].base, MANY_BASE + PAGE_SIZE);
    assert_int_equal(run_memmap(many_map, 1, reserved, MEMMAP_MAX_WITHHELD + 1, PMM_NO_LIMIT.addr),
                     PMM_ERR_TOO_MANY_RANGES);

    static struct mem_region map[MEMMAP_MAX_ENTRIES + 1];
    for (size_t i = 0; i <= MEMMAP_MAX_ENTRIES; i++) /* one RAM range, told 513 times */
        map[i] = (struct mem_region){MANY_BASE + i * 8, PAGE_SIZE, MEM_USABLE};
    assert_int_equal(run_memmap(map, MEMMAP_MAX_ENTRIES, NULL, 0, PMM_NO_LIMIT.addr), 0);
    assert_int_equal(pmm.ram_count, 1);
    assert_int_equal(pmm.stats.total_bytes, PAGE_SIZE + (MEMMAP_MAX_ENTRIES - 1) * 8);
    assert_int_equal(run_memmap(map, MEMMAP_MAX_ENTRIES + 1, NULL, 0, PMM_NO_LIMIT.addr),
                     PMM_ERR_TOO_MANY_RANGES);
}

/* An entry running off the top of the address space stops at the top; a
 * withheld range in the very last page cannot grow past it. */
static void test_top_of_address_space(void **state)
{
    (void)state;
    const uint64_t base = 0xFFFFFFFF00000000ULL;
    const struct mem_region map[] = {{base, UINT64_MAX, MEM_USABLE}};
    const struct pmm_range reserved[] = {{UINT64_MAX - 100, UINT64_MAX}, {base + 1, base + 2}};
    assert_int_equal(run_memmap(map, 1, reserved, 2, PMM_NO_LIMIT.addr), 0);
    assert_int_equal(pmm.stats.total_bytes, UINT64_MAX - base);
    assert_int_equal(pmm.ram_count, 1);
    assert_int_equal(pmm.ram[0].end, PAGE_ALIGN_DOWN(UINT64_MAX));
    assert_int_equal(pmm.avail_count, 1);
    assert_int_equal(pmm.avail[0].base, base + PAGE_SIZE);
    assert_int_equal(pmm.avail[0].end, PAGE_ALIGN_DOWN(UINT64_MAX));
    assert_int_equal(pmm.stats.reserved_bytes, PAGE_SIZE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_random_maps_match_brute_force),
        cmocka_unit_test(test_300_withheld_ranges),
        cmocka_unit_test(test_too_many_free_pieces_is_an_error),
        cmocka_unit_test(test_sort_limits),
        cmocka_unit_test(test_top_of_address_space),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
