/*
 * tests/test_pmm.c - host unit tests for the physical memory manager.
 *
 * src/mm/pmm.c is compiled unchanged. A malloc'ed buffer stands in for RAM:
 * the phys_window's offset makes physical address `base` land on the buffer's
 * first byte, so a "machine" can sit at physical 0 or above 4 GiB. The buffer
 * must cover every usable byte the PMM may write (run headers) or hand out.
 *
 * This file provides the panic() the PMM calls: it records the message and
 * jumps back into the test, so a test can check that a bad call panics with
 * the right words (tests/host_panic.h).
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

#include "kernel/panic.h"
#include "mm/layout.h"
#include "mm/memmap.h"
#include "mm/pmm.h"
#include "mm/pmm_batch.h"

#define KiB (1024ULL)
#define MiB (1024ULL * KiB)
#define GiB (1024ULL * MiB)

#define RUN_HEADER_BYTES sizeof(struct pmm_run)

#include "host_panic.h"

/* "0x..." as the PMM prints an address (%#llx). Four buffers, reused in turn. */
static const char *hex(uint64_t p)
{
    static char bufs[4][32];
    static int next;
    char *b = bufs[next++ % 4];
    snprintf(b, sizeof(bufs[0]), "%#llx", (unsigned long long)p);
    return b;
}

/* ---- Simulated physical memory ----------------------------------------- */

struct sim {
    uint8_t *buf;
    uint64_t base; /* physical address of buf[0] */
    size_t size;
    struct phys_window window;
};

static struct sim sim;
static struct pmm pmm;

static void sim_create(uint64_t base, size_t size)
{
    sim.buf = aligned_alloc(PAGE_SIZE, size);
    assert_non_null(sim.buf);
    memset(sim.buf, 0xCC, size);
    sim.base = base;
    sim.size = size;
    sim.window.offset = (uint64_t)(uintptr_t)sim.buf - base;
}

static int sim_teardown(void **state)
{
    (void)state;
    free(sim.buf);
    sim = (struct sim){0};
    return 0;
}

static uint8_t *sim_ptr(uint64_t p)
{
    if (p < sim.base || p - sim.base >= sim.size)
        fail_msg("physical %s is outside the simulated RAM", hex(p));
    return sim.buf + (p - sim.base);
}

static void init_ok(const struct mem_region *map, size_t count, const struct pmm_range *reserved,
                    size_t nreserved, paddr_t limit)
{
    assert_int_equal(pmm_init(&pmm, sim.window, map, count, reserved, nreserved, limit), 0);
}

static struct pmm_stats stats(void)
{
    struct pmm_stats s;
    pmm_get_stats(&pmm, &s);
    return s;
}

/* Right after pmm_init, every usable byte is free, withheld or unreachable. */
static void assert_usable_accounted(void)
{
    struct pmm_stats s = stats();
    assert_int_equal(s.usable_bytes, s.free_bytes + s.reserved_bytes + s.unreachable_bytes);
}

/* The free runs, in list order. */
struct run_list {
    size_t n;
    struct pmm_range r[64];
};

static void collect_run(paddr_t frames, uint64_t pages, void *ctx)
{
    uint64_t base = frames.addr;
    struct run_list *list = ctx;
    if (list->n == 64)
        fail_msg("more than 64 free runs");
    list->r[list->n++] = (struct pmm_range){base, base + pages * PAGE_SIZE};
}

static struct run_list runs(void)
{
    struct run_list list = {0};
    pmm_for_each_run(&pmm, collect_run, &list);
    return list;
}

static void assert_run(const struct run_list *list, size_t i, uint64_t base, uint64_t end)
{
    if (i >= list->n)
        fail_msg("expected a free run #%zu, but there are only %zu", i, list->n);
    assert_int_equal(list->r[i].base, base);
    assert_int_equal(list->r[i].end, end);
}

/* A PC-like map: low RAM, the VGA/BIOS hole, then RAM from 1 MiB to 16 MiB. */
static const struct mem_region pc_map[] = {
    {0x0, 0x9fc00, MEM_USABLE},
    {0x9fc00, 0x400, MEM_RESERVED},
    {0xf0000, 0x10000, MEM_RESERVED},
    {1 * MiB, 15 * MiB, MEM_USABLE},
};
#define PC_MAP_COUNT (sizeof(pc_map) / sizeof(pc_map[0]))

static void init_pc(void)
{
    sim_create(0, 16 * MiB);
    init_ok(pc_map, PC_MAP_COUNT, NULL, 0, PMM_NO_LIMIT);
}

static bool is_in(const struct pmm_range *r, size_t n, uint64_t p)
{
    for (size_t i = 0; i < n; i++)
        if (r[i].base <= p && p < r[i].end)
            return true;
    return false;
}

/* Allocate single frames until none is left; check each; return how many. */
static size_t alloc_all(uint64_t *frames, size_t max)
{
    size_t n = 0;
    for (;;) {
        uint64_t f = pmm_alloc_page(&pmm).addr;
        if (f == PMM_NO_FRAME.addr)
            return n;
        if (n == max)
            fail_msg("more frames than expected: %s", hex(f));
        assert_int_equal(f % PAGE_SIZE, 0);
        assert_true(pmm_is_usable(&pmm, paddr(f)));
        assert_true(f >= LOW_MEMORY_END);
        frames[n++] = f;
    }
}

static int compare_addr(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

static void assert_distinct(uint64_t *frames, size_t n)
{
    uint64_t *sorted = malloc(n * sizeof(*sorted));
    assert_non_null(sorted);
    memcpy(sorted, frames, n * sizeof(*sorted));
    qsort(sorted, n, sizeof(*sorted), compare_addr);
    for (size_t i = 1; i < n; i++)
        if (sorted[i] == sorted[i - 1])
            fail_msg("frame %s handed out twice", hex(sorted[i]));
    free(sorted);
}

/* ---- Start-up: reading the map ------------------------------------------ */

static void test_simple_map_counts(void **state)
{
    (void)state;
    init_pc();
    struct pmm_stats s = stats();
    assert_int_equal(s.total_bytes, 0x9fc00 + 0x400 + 0x10000 + 15 * MiB);
    assert_int_equal(s.usable_bytes, 0x9f000 + 15 * MiB);
    assert_int_equal(s.reserved_bytes, 0x9f000); /* usable RAM below 1 MiB */
    assert_int_equal(s.unreachable_bytes, 0);
    assert_int_equal(s.free_bytes, 15 * MiB);
    assert_int_equal(s.free_runs, 1);
    assert_usable_accounted();

    struct run_list l = runs();
    assert_int_equal(l.n, 1);
    assert_run(&l, 0, 1 * MiB, 16 * MiB);

    assert_true(pmm_is_usable(&pmm, paddr(0x1000)));
    assert_false(pmm_is_usable(&pmm, paddr(0x9f000))); /* partly reserved page */
    assert_false(pmm_is_usable(&pmm, paddr(0xf0000)));
    assert_false(pmm_is_usable(&pmm, paddr(16 * MiB)));
    assert_true(pmm_is_free(&pmm, paddr(1 * MiB)));
    assert_false(pmm_is_free(&pmm, paddr(0x1000)));
}

static void test_alloc_takes_last_page_of_head_run(void **state)
{
    (void)state;
    init_pc();
    uint64_t a = pmm_alloc_page(&pmm).addr;
    uint64_t b = pmm_alloc_page(&pmm).addr;
    assert_int_equal(a, 16 * MiB - PAGE_SIZE);
    assert_int_equal(b, 16 * MiB - 2 * PAGE_SIZE);
    assert_int_equal(stats().free_bytes, 15 * MiB - 2 * PAGE_SIZE);
    assert_int_equal(stats().free_runs, 1);
    assert_false(pmm_is_free(&pmm, paddr(a)));

    /* a is cut off from the run by b, which is still in use: a run of its own. */
    pmm_free_page(&pmm, paddr(a));
    assert_int_equal(stats().free_runs, 2);
    assert_true(pmm_is_free(&pmm, paddr(a)));
    assert_null(pmm_check(&pmm));
    /* b fills the gap: the run, b and a coalesce into one run again. */
    pmm_free_page(&pmm, paddr(b));
    assert_int_equal(stats().free_runs, 1);
    assert_int_equal(stats().free_bytes, 15 * MiB);
    assert_null(pmm_check(&pmm));
    assert_int_equal(pmm_alloc_page(&pmm).addr, a); /* the last frame of the run once more */
}

static void test_first_mib_never_returned(void **state)
{
    (void)state;
    init_pc();
    size_t max = 16 * MiB / PAGE_SIZE;
    uint64_t *frames = malloc(max * sizeof(*frames));
    size_t n = alloc_all(frames, max);
    assert_int_equal(n, 15 * MiB / PAGE_SIZE);
    for (size_t i = 0; i < n; i++)
        if (frames[i] < LOW_MEMORY_END)
            fail_msg("frame %s is below 1 MiB", hex(frames[i]));
    assert_distinct(frames, n);
    free(frames);
}

static void test_reserved_ranges_never_returned(void **state)
{
    (void)state;
    sim_create(0, 16 * MiB);
    const struct pmm_range reserved[] = {
        {1 * MiB, 1 * MiB + 0x12345},           /* kernel image: end rounds up */
        {5 * MiB + 10, 6 * MiB},                /* a module: start rounds down */
        {8 * MiB + 5, 8 * MiB + 5},             /* empty: reserves nothing */
        {100 * GiB, 100 * GiB + 4 * PAGE_SIZE}, /* not RAM at all: harmless */
    };
    init_ok(pc_map, PC_MAP_COUNT, reserved, 4, PMM_NO_LIMIT);

    struct run_list l = runs();
    assert_int_equal(l.n, 2);
    assert_run(&l, 0, 1 * MiB + 0x13000, 5 * MiB);
    assert_run(&l, 1, 6 * MiB, 16 * MiB);
    struct pmm_stats s = stats();
    assert_int_equal(s.reserved_bytes, 0x9f000 + 0x13000 + 1 * MiB);
    assert_int_equal(s.free_bytes, 15 * MiB - 0x13000 - 1 * MiB);
    assert_usable_accounted();

    size_t max = 16 * MiB / PAGE_SIZE;
    uint64_t *frames = malloc(max * sizeof(*frames));
    size_t n = alloc_all(frames, max);
    assert_int_equal(n * PAGE_SIZE, s.free_bytes);
    const struct pmm_range expanded[] = {{1 * MiB, 1 * MiB + 0x13000}, {5 * MiB, 6 * MiB}};
    for (size_t i = 0; i < n; i++)
        if (is_in(expanded, 2, frames[i]))
            fail_msg("reserved frame %s was handed out", hex(frames[i]));
    free(frames);
}

static void test_overlapping_unsorted_entries_take_most_restrictive_type(void **state)
{
    (void)state;
    sim_create(0, 16 * MiB);
    const struct mem_region map[] = {
        {4 * MiB, 8 * MiB, MEM_USABLE},
        {0, 640 * KiB, MEM_USABLE},
        {6 * MiB, 1 * MiB, MEM_ACPI_RECLAIMABLE}, /* inside usable: not usable */
        {2 * MiB, 3 * MiB, MEM_USABLE},           /* overlaps [4, 12) */
        {10 * MiB, 1 * MiB, MEM_RESERVED},
        {11 * MiB + 512 * KiB, 2 * MiB + 512 * KiB, MEM_USABLE},
        {14 * MiB - PAGE_SIZE, 2 * PAGE_SIZE, MEM_BAD}, /* eats the last usable page */
        {15 * MiB, PAGE_SIZE, 99},                      /* unknown type: not usable */
    };
    init_ok(map, sizeof(map) / sizeof(map[0]), NULL, 0, PMM_NO_LIMIT);

    struct run_list l = runs();
    assert_int_equal(l.n, 3);
    assert_run(&l, 0, 2 * MiB, 6 * MiB);
    assert_run(&l, 1, 7 * MiB, 10 * MiB);
    assert_run(&l, 2, 11 * MiB, 14 * MiB - PAGE_SIZE);

    struct pmm_stats s = stats();
    assert_int_equal(s.total_bytes, 640 * KiB + (14 * MiB + PAGE_SIZE - 2 * MiB) + PAGE_SIZE);
    assert_int_equal(s.usable_bytes, 640 * KiB + 4 * MiB + 3 * MiB + 3 * MiB - PAGE_SIZE);
    assert_int_equal(s.reserved_bytes, 640 * KiB);
    assert_usable_accounted();
    assert_false(pmm_is_usable(&pmm, paddr(6 * MiB)));
    assert_false(pmm_is_usable(&pmm, paddr(10 * MiB + 5)));
    assert_false(pmm_is_usable(&pmm, paddr(15 * MiB)));
}

static void test_unaligned_entries_shrink_to_whole_pages(void **state)
{
    (void)state;
    sim_create(0, 8 * MiB);
    const struct mem_region map[] = {
        {1 * MiB + 1, 1 * MiB + 0x7ff, MEM_USABLE}, /* [1 MiB + 1, 2 MiB + 0x800) */
        {3 * MiB + 0x10, 0x10, MEM_USABLE},         /* no whole page inside */
        {4 * MiB, 1 * MiB, MEM_USABLE},
        {4 * MiB + 0x100, 0x100, MEM_RESERVED}, /* spoils the first page */
    };
    init_ok(map, 4, NULL, 0, PMM_NO_LIMIT);

    struct run_list l = runs();
    assert_int_equal(l.n, 2);
    assert_run(&l, 0, 1 * MiB + PAGE_SIZE, 2 * MiB);
    assert_run(&l, 1, 4 * MiB + PAGE_SIZE, 5 * MiB);
    struct pmm_stats s = stats();
    assert_int_equal(s.total_bytes, (1 * MiB + 0x7ff) + 0x10 + 1 * MiB);
    assert_int_equal(s.usable_bytes, 2 * (1 * MiB - PAGE_SIZE));
    assert_int_equal(s.free_bytes, 2 * (1 * MiB - PAGE_SIZE));
    assert_usable_accounted();
}

static void test_zero_length_entries_ignored(void **state)
{
    (void)state;
    sim_create(0, 8 * MiB);
    const struct mem_region map[] = {
        {0, 0, MEM_BAD},
        {1 * MiB, 7 * MiB, MEM_USABLE},
        {4 * MiB, 0, MEM_RESERVED}, /* would split the run if it counted */
        {20 * MiB, 0, MEM_USABLE},  /* would add RAM if it counted */
    };
    init_ok(map, 4, NULL, 0, PMM_NO_LIMIT);
    struct run_list l = runs();
    assert_int_equal(l.n, 1);
    assert_run(&l, 0, 1 * MiB, 8 * MiB);
    assert_int_equal(stats().total_bytes, 7 * MiB);
    assert_int_equal(stats().usable_bytes, 7 * MiB);
}

static void test_empty_map_gives_no_memory(void **state)
{
    (void)state;
    assert_int_equal(pmm_init(&pmm, (struct phys_window){0}, NULL, 0, NULL, 0, PMM_NO_LIMIT), 0);
    assert_int_equal(stats().free_bytes, 0);
    assert_int_equal(pmm_alloc_page(&pmm).addr, PMM_NO_FRAME.addr);
    assert_int_equal(pmm_alloc_pages(&pmm, 4, 0).addr, PMM_NO_FRAME.addr);
}

static void test_limit_honoured(void **state)
{
    (void)state;
    sim_create(0, 8 * MiB);
    const struct mem_region map[] = {
        {1 * MiB, 15 * MiB, MEM_USABLE},
        {32 * MiB, 8 * MiB, MEM_USABLE}, /* wholly beyond the limit */
    };
    init_ok(map, 2, NULL, 0, paddr(8 * MiB + 100)); /* an unaligned limit rounds down */
    struct pmm_stats s = stats();
    assert_int_equal(s.free_bytes, 7 * MiB);
    assert_int_equal(s.unreachable_bytes, 8 * MiB + 8 * MiB);
    assert_int_equal(s.usable_bytes, 23 * MiB);
    assert_usable_accounted();

    uint64_t frames[7 * MiB / PAGE_SIZE];
    size_t n = alloc_all(frames, 7 * MiB / PAGE_SIZE);
    assert_int_equal(n, 7 * MiB / PAGE_SIZE);
    for (size_t i = 0; i < n; i++)
        if (frames[i] >= 8 * MiB)
            fail_msg("frame %s is beyond the limit", hex(frames[i]));

    /* RAM beyond the limit was never handed out, so freeing it is a bug. */
    EXPECT_PANIC(pmm_free_page(&pmm, paddr(9 * MiB)), "pmm_free_page", hex(9 * MiB), "reserved");
}

static void test_memory_above_4gib_is_used(void **state)
{
    (void)state;
    const uint64_t high = 4 * GiB;
    sim_create(high, 16 * MiB); /* only the high RAM needs backing */
    const struct mem_region map[] = {
        {high, 16 * MiB, MEM_USABLE},
        {0xfec00000, 0x100000, MEM_RESERVED}, /* I/O APIC below 4 GiB */
        {0, 0x9fc00, MEM_USABLE},
    };
    init_ok(map, 3, NULL, 0, PMM_NO_LIMIT);
    assert_int_equal(stats().free_bytes, 16 * MiB);

    size_t max = 16 * MiB / PAGE_SIZE;
    uint64_t *frames = malloc(max * sizeof(*frames));
    size_t n = alloc_all(frames, max);
    assert_int_equal(n, max);
    for (size_t i = 0; i < n; i++) {
        if (frames[i] < high)
            fail_msg("frame %s is below 4 GiB", hex(frames[i]));
        *(uint64_t *)sim_ptr(frames[i]) = frames[i]; /* the frame really is there */
    }
    assert_distinct(frames, n);
    for (size_t i = 0; i < n; i++)
        pmm_free_page(&pmm, paddr(frames[i]));
    assert_int_equal(stats().free_bytes, 16 * MiB);
    free(frames);
}

static void test_too_many_ranges_is_an_error(void **state)
{
    (void)state;
    struct mem_region map[PMM_MAX_RANGES + 1];
    for (size_t i = 0; i < PMM_MAX_RANGES + 1; i++)
        map[i] = (struct mem_region){1 * MiB + i * 2 * PAGE_SIZE, PAGE_SIZE, MEM_USABLE};
    int err =
        pmm_init(&pmm, (struct phys_window){0}, map, PMM_MAX_RANGES + 1, NULL, 0, PMM_NO_LIMIT);
    assert_int_equal(err, PMM_ERR_TOO_MANY_RANGES);
    assert_int_equal(pmm_alloc_page(&pmm).addr, PMM_NO_FRAME.addr); /* nothing half-built is used */
    assert_string_equal(pmm_strerror(err), "more ranges than the PMM's fixed tables hold (map entries, withheld ranges or free ranges)");

    err = pmm_init(&pmm, (struct phys_window){0}, NULL, 3, NULL, 0, PMM_NO_LIMIT);
    assert_int_equal(err, PMM_ERR_BAD_ARGUMENT);
}

/* Start-up may write the run headers and nothing else. */
static void test_init_touches_only_run_headers(void **state)
{
    (void)state;
    sim_create(0, 16 * MiB);
    memset(sim.buf, 0x5A, sim.size);
    const struct pmm_range reserved[] = {{2 * MiB, 3 * MiB}, {7 * MiB, 7 * MiB + 1}};
    init_ok(pc_map, PC_MAP_COUNT, reserved, 2, PMM_NO_LIMIT);
    struct run_list l = runs();
    assert_int_equal(l.n, 3);

    size_t changed = 0;
    for (size_t i = 0; i < sim.size; i++) {
        if (sim.buf[i] == 0x5A)
            continue;
        bool in_header = false;
        for (size_t r = 0; r < l.n; r++)
            if (i >= l.r[r].base && i < l.r[r].base + RUN_HEADER_BYTES)
                in_header = true;
        if (!in_header)
            fail_msg("pmm_init wrote physical %s, outside every run header", hex(i));
        changed++;
    }
    assert_in_range(changed, 1, l.n * RUN_HEADER_BYTES);
}

/*
 * 64 GiB of RAM backed by a single page of host memory: start-up writes one
 * header per run, so it never touches the rest (AddressSanitizer would stop
 * the test on any write past that page).
 */
static void test_init_cost_does_not_depend_on_ram_size(void **state)
{
    (void)state;
    const uint64_t high = 4 * GiB;
    sim_create(high, PAGE_SIZE);
    const struct mem_region map[] = {{high, 64 * GiB, MEM_USABLE}};
    init_ok(map, 1, NULL, 0, PMM_NO_LIMIT);
    assert_int_equal(stats().free_bytes, 64 * GiB);
    assert_int_equal(stats().free_runs, 1);
    const struct pmm_run *head = (const struct pmm_run *)sim_ptr(high);
    assert_int_equal(head->pages, 64 * GiB / PAGE_SIZE);
    assert_null(head->next);
}

/* ---- Allocating and freeing --------------------------------------------- */

static void test_alloc_all_then_free_all(void **state)
{
    (void)state;
    init_pc();
    const struct pmm_stats before = stats();
    size_t max = 16 * MiB / PAGE_SIZE;
    uint64_t *frames = malloc(max * sizeof(*frames));
    size_t n = alloc_all(frames, max);
    assert_int_equal(n * PAGE_SIZE, before.free_bytes);
    assert_distinct(frames, n);
    assert_int_equal(stats().free_bytes, 0);
    assert_int_equal(stats().free_runs, 0);

    /* Free in a scrambled order: i * 7 mod n visits every index once when 7 does not divide n. */
    assert_int_not_equal(n % 7, 0);
    for (size_t i = 0; i < n; i++)
        pmm_free_page(&pmm, paddr(frames[(i * 7) % n]));
    assert_int_equal(stats().free_bytes, before.free_bytes);
    /* Every frame merged with its neighbours: the list is its start-up self again. */
    assert_int_equal(stats().free_runs, before.free_runs);
    assert_null(pmm_check(&pmm));

    /* And it hands out exactly the same amount again. */
    assert_int_equal(alloc_all(frames, max), n);
    assert_distinct(frames, n);
    free(frames);
}

static void test_exhaustion_returns_no_frame_and_recovers(void **state)
{
    (void)state;
    init_pc();
    size_t max = 16 * MiB / PAGE_SIZE;
    uint64_t *frames = malloc(max * sizeof(*frames));
    size_t n = alloc_all(frames, max);
    assert_int_equal(pmm_alloc_page(&pmm).addr, PMM_NO_FRAME.addr);
    assert_int_equal(pmm_alloc_page_flags(&pmm, PMM_ZERO).addr, PMM_NO_FRAME.addr);
    assert_int_equal(pmm_alloc_pages(&pmm, 1, 0).addr, PMM_NO_FRAME.addr);
    assert_int_equal(stats().free_bytes, 0);

    pmm_free_page(&pmm, paddr(frames[10]));
    pmm_free_page(&pmm, paddr(frames[20]));
    assert_int_equal(pmm_alloc_page(&pmm).addr, frames[20]);
    assert_int_equal(pmm_alloc_page(&pmm).addr, frames[10]);
    assert_int_equal(pmm_alloc_page(&pmm).addr, PMM_NO_FRAME.addr);

    for (size_t i = 0; i < n; i++)
        pmm_free_page(&pmm, paddr(frames[i]));
    assert_int_equal(stats().free_bytes, 15 * MiB);
    free(frames);
}

static void assert_block_ok(uint64_t base, size_t count)
{
    assert_int_not_equal(base, PMM_NO_FRAME.addr);
    assert_int_equal(base % PAGE_SIZE, 0);
    for (size_t i = 0; i < count; i++) {
        assert_true(pmm_is_usable(&pmm, paddr(base + i * PAGE_SIZE)));
        assert_false(pmm_is_free(&pmm, paddr(base + i * PAGE_SIZE)));
    }
}

static void test_contiguous_allocation(void **state)
{
    (void)state;
    sim_create(0, 4 * MiB);
    const struct mem_region map[] = {
        {1 * MiB, 1 * MiB, MEM_USABLE},  /* 256 pages */
        {3 * MiB, 64 * KiB, MEM_USABLE}, /* 16 pages */
    };
    init_ok(map, 2, NULL, 0, PMM_NO_LIMIT);

    assert_int_equal(pmm_alloc_pages(&pmm, 0, 0).addr, PMM_NO_FRAME.addr);

    uint64_t a = pmm_alloc_pages(&pmm, 16, 0).addr; /* from the end of the first run */
    assert_int_equal(a, 2 * MiB - 16 * PAGE_SIZE);
    assert_block_ok(a, 16);

    const struct pmm_stats before = stats();
    assert_int_equal(pmm_alloc_pages(&pmm, 250, 0).addr, PMM_NO_FRAME.addr); /* 240 + 16 left */
    const struct pmm_stats after = stats();
    assert_memory_equal(&before, &after, sizeof(before));

    uint64_t b = pmm_alloc_pages(&pmm, 240, 0).addr; /* empties the first run exactly */
    assert_int_equal(b, 1 * MiB);
    assert_block_ok(b, 240);
    assert_int_equal(stats().free_runs, 1);
    assert_int_equal(pmm_alloc_pages(&pmm, 17, 0).addr, PMM_NO_FRAME.addr);
    uint64_t c = pmm_alloc_pages(&pmm, 16, 0).addr;
    assert_int_equal(c, 3 * MiB);
    assert_block_ok(c, 16);
    assert_int_equal(stats().free_bytes, 0);

    /* First fit skips a run that is too short: free one page, then ask for two. */
    pmm_free_pages(&pmm, paddr(b), 240);
    pmm_free_page(&pmm, paddr(c));
    uint64_t d = pmm_alloc_pages(&pmm, 2, 0).addr;
    assert_int_equal(d, b + 238 * PAGE_SIZE);
    assert_true(pmm_is_free(&pmm, paddr(c)));
    assert_int_equal(stats().free_runs, 2);

    pmm_free_pages(&pmm, paddr(d), 2);
    pmm_free_pages(&pmm, paddr(a), 16);
    pmm_free_pages(&pmm, paddr(c + PAGE_SIZE), 15);
    assert_int_equal(stats().free_bytes, 1 * MiB + 64 * KiB);
}

static bool all_bytes(uint64_t base, size_t len, uint8_t value)
{
    const uint8_t *p = sim_ptr(base);
    for (size_t i = 0; i < len; i++)
        if (p[i] != value)
            return false;
    return true;
}

static void test_zero_flag_zeroes_frames(void **state)
{
    (void)state;
    sim_create(0, 16 * MiB);
    memset(sim.buf, 0xAB, sim.size); /* before pmm_init, which writes the run header */
    init_ok(pc_map, PC_MAP_COUNT, NULL, 0, PMM_NO_LIMIT);

    uint64_t plain = pmm_alloc_page(&pmm).addr;
    assert_true(all_bytes(plain, PAGE_SIZE, 0xAB)); /* without the flag: untouched */
    uint64_t one = pmm_alloc_page_flags(&pmm, PMM_ZERO).addr;
    assert_true(all_bytes(one, PAGE_SIZE, 0));
    uint64_t five = pmm_alloc_pages(&pmm, 5, PMM_ZERO).addr;
    assert_true(all_bytes(five, 5 * PAGE_SIZE, 0));
    assert_true(all_bytes(five - PAGE_SIZE, PAGE_SIZE, 0xAB)); /* and nothing more */
}

/* ---- Kernel bugs panic -------------------------------------------------- */

static void test_free_unaligned_panics(void **state)
{
    (void)state;
    init_pc();
    uint64_t f = pmm_alloc_page(&pmm).addr;
    const struct pmm_stats before = stats();
    EXPECT_PANIC(pmm_free_page(&pmm, paddr(f + 8)), "pmm_free_page", hex(f + 8), "not page-aligned",
                 "caller 0x");
    EXPECT_PANIC(pmm_free_pages(&pmm, paddr(f + 1), 1), "pmm_free_pages", hex(f + 1),
                 "not page-aligned");
    const struct pmm_stats after = stats();
    assert_memory_equal(&before, &after, sizeof(before));
}

static void test_free_outside_ram_panics(void **state)
{
    (void)state;
    init_pc();
    EXPECT_PANIC(pmm_free_page(&pmm, paddr(0xf0000)), "pmm_free_page", hex(0xf0000),
                 "outside usable RAM");
    EXPECT_PANIC(pmm_free_page(&pmm, paddr(64 * MiB)), "pmm_free_page", hex(64 * MiB),
                 "outside usable RAM");
    EXPECT_PANIC(pmm_free_page(&pmm, paddr(0x9f000)), "outside usable RAM"); /* partial page */

    /* A block running off the end of RAM names its first bad frame. */
    uint64_t last = pmm_alloc_pages(&pmm, 2, 0).addr;
    assert_int_equal(last, 16 * MiB - 2 * PAGE_SIZE);
    EXPECT_PANIC(pmm_free_pages(&pmm, paddr(last), 3), "pmm_free_pages", hex(16 * MiB),
                 "outside usable RAM");
    EXPECT_PANIC(pmm_free_pages(&pmm, paddr(last), 0), "pmm_free_pages", "0 frames");
    assert_int_equal(stats().free_bytes, 15 * MiB - 2 * PAGE_SIZE);
}

static void test_free_reserved_panics(void **state)
{
    (void)state;
    sim_create(0, 16 * MiB);
    const struct pmm_range kernel[] = {{1 * MiB, 2 * MiB}};
    init_ok(pc_map, PC_MAP_COUNT, kernel, 1, PMM_NO_LIMIT);
    EXPECT_PANIC(pmm_free_page(&pmm, paddr(0x1000)), "pmm_free_page", hex(0x1000), "reserved");
    EXPECT_PANIC(pmm_free_page(&pmm, paddr(0)), "pmm_free_page", "0", "reserved");
    EXPECT_PANIC(pmm_free_page(&pmm, paddr(1 * MiB + PAGE_SIZE)), hex(1 * MiB + PAGE_SIZE),
                 "reserved");
    EXPECT_PANIC(pmm_free_pages(&pmm, paddr(2 * MiB - PAGE_SIZE), 2), "pmm_free_pages",
                 hex(2 * MiB - PAGE_SIZE), "reserved");
    assert_int_equal(stats().free_bytes, 14 * MiB);
}

static void test_double_free_panics(void **state)
{
    (void)state;
    init_pc();
    uint64_t f = pmm_alloc_page(&pmm).addr;
    pmm_free_page(&pmm, paddr(f));
    EXPECT_PANIC(pmm_free_page(&pmm, paddr(f)), "pmm_free_page", hex(f), "already free",
                 "caller 0x");
    EXPECT_PANIC(pmm_free_page(&pmm, paddr(1 * MiB)), hex(1 * MiB),
                 "already free"); /* never taken */

    uint64_t block = pmm_alloc_pages(&pmm, 4, 0).addr;
    pmm_free_pages(&pmm, paddr(block + 2 * PAGE_SIZE), 2);
    EXPECT_PANIC(pmm_free_pages(&pmm, paddr(block), 4), "pmm_free_pages",
                 hex(block + 2 * PAGE_SIZE), "already free");
    pmm_free_pages(&pmm, paddr(block), 2);
    assert_int_equal(stats().free_bytes, 15 * MiB);
    /* A frame in the middle of a free run, and a range whose first frame is the end of a run. */
    EXPECT_PANIC(pmm_free_page(&pmm, paddr(8 * MiB)), "pmm_free_page", hex(8 * MiB),
                 "already free");
    uint64_t two = pmm_alloc_pages(&pmm, 2, 0).addr; /* the run's last two frames */
    EXPECT_PANIC(pmm_free_pages(&pmm, paddr(two - PAGE_SIZE), 2), "pmm_free_pages",
                 hex(two - PAGE_SIZE), "already free");
    pmm_free_pages(&pmm, paddr(two), 2);
    assert_null(pmm_check(&pmm));
}

static void test_batch_gives_frames_back_in_runs(void **state)
{
    (void)state;
    init_pc();
    const struct pmm_stats before = stats();
    uint64_t f[8];
    for (int i = 0; i < 8; i++)
        f[i] = pmm_alloc_page(&pmm).addr; /* falling addresses, each below the last */
    struct pmm_batch b = {0, 0};
    /* Rising order (f[3] up to f[0]) then falling (f[4] down to f[7]) grow one batch at
     * both ends; nothing goes back until the flush. */
    for (int i = 3; i >= 0; i--)
        pmm_batch_add(&pmm, &b, paddr(f[i]));
    for (int i = 4; i < 8; i++)
        pmm_batch_add(&pmm, &b, paddr(f[i]));
    assert_int_equal(b.count, 8);
    assert_int_equal(b.low, f[7]);
    assert_int_equal(stats().free_bytes, before.free_bytes - 8 * PAGE_SIZE);
    pmm_batch_flush(&pmm, &b);
    assert_int_equal(b.count, 0);
    assert_int_equal(stats().free_bytes, before.free_bytes);
    assert_int_equal(stats().free_runs, before.free_runs);
    /* A frame that does not continue the batch flushes it first. */
    uint64_t y = pmm_alloc_pages(&pmm, 3, 0).addr;
    pmm_batch_add(&pmm, &b, paddr(y + 2 * PAGE_SIZE));
    pmm_batch_add(&pmm, &b, paddr(y)); /* y + 1 page lies between: not touching */
    assert_int_equal(b.count, 1);
    assert_int_equal(b.low, y);
    assert_true(pmm_is_free(&pmm, paddr(y + 2 * PAGE_SIZE)));
    assert_false(pmm_is_free(&pmm, paddr(y)));
    pmm_batch_flush(&pmm, &b);
    pmm_free_page(&pmm, paddr(y + PAGE_SIZE));
    assert_int_equal(stats().free_bytes, before.free_bytes);
    assert_int_equal(stats().free_runs, before.free_runs);
    assert_null(pmm_check(&pmm));
}

static void test_corrupt_free_list_panics(void **state)
{
    (void)state;
    init_pc();
    struct pmm_run *head = (struct pmm_run *)sim_ptr(1 * MiB);
    uint64_t pages = head->pages;

    head->pages = 0;
    EXPECT_PANIC(pmm_alloc_page(&pmm), "pmm_alloc_page", "free list corrupt", hex(1 * MiB));
    head->pages = pages + 1; /* one page past the end of RAM */
    EXPECT_PANIC(pmm_alloc_page(&pmm), "pmm_alloc_page", "free list corrupt");
    EXPECT_PANIC(pmm_alloc_pages(&pmm, 3, 0), "pmm_alloc_pages", "free list corrupt");

    head->pages = pages;
    struct pmm_run *stray = (struct pmm_run *)sim_ptr(1 * MiB + 64);
    stray->pages = 1;
    stray->next = NULL;
    head->next = stray; /* a misaligned header behind a run too short to stop at */
    head->pages = 1;
    pmm.stats.free_runs = 2; /* so the length check does not fire first */
    EXPECT_PANIC(pmm_alloc_pages(&pmm, 2, 0), "pmm_alloc_pages", "free list corrupt",
                 hex(1 * MiB + 64));

    head->next = head; /* a loop */
    EXPECT_PANIC(pmm_alloc_pages(&pmm, 2, 0), "pmm_alloc_pages", "free list corrupt",
                 "longer than");
}

/* ---- A long random run checked against a model -------------------------- */

#define MODEL_RAM (8 * MiB)
#define MODEL_FRAMES (MODEL_RAM / PAGE_SIZE)
#define TAG 0x7e57ab1e00000000ULL

struct block {
    uint64_t base;
    size_t count;
};

static struct {
    bool allocated[MODEL_FRAMES];
    bool available[MODEL_FRAMES]; /* on the free list at start-up */
    bool seen_free[MODEL_FRAMES];
    struct block blocks[MODEL_FRAMES];
    size_t nblocks;
    uint64_t allocated_pages, available_pages;
    uint64_t rng;
} model;

static uint64_t next_random(void)
{
    /* xorshift64: small, fast and the same on every machine */
    model.rng ^= model.rng << 13;
    model.rng ^= model.rng >> 7;
    model.rng ^= model.rng << 17;
    return model.rng;
}

static void mark_free_run(paddr_t frames, uint64_t pages, void *ctx)
{
    uint64_t base = frames.addr;
    (void)ctx;
    for (uint64_t i = 0; i < pages; i++) {
        size_t f = (base / PAGE_SIZE) + i;
        assert_in_range(f, 0, MODEL_FRAMES - 1);
        if (model.seen_free[f])
            fail_msg("frame %s is on the free list twice", hex(f * PAGE_SIZE));
        if (model.allocated[f])
            fail_msg("allocated frame %s is on the free list", hex(f * PAGE_SIZE));
        if (!model.available[f])
            fail_msg("frame %s on the free list was never free", hex(f * PAGE_SIZE));
        model.seen_free[f] = true;
    }
}

/* The longest stretch of consecutive frames the model says are free. */
static uint64_t model_longest_free(void)
{
    uint64_t longest = 0, here = 0;
    for (size_t f = 0; f < MODEL_FRAMES; f++) {
        here = model.available[f] && !model.allocated[f] ? here + 1 : 0;
        if (here > longest)
            longest = here;
    }
    return longest;
}

/* Every available frame is exactly one of: allocated, on the free list. */
static void check_model(void)
{
    memset(model.seen_free, 0, sizeof(model.seen_free));
    pmm_for_each_run(&pmm, mark_free_run, NULL);
    for (size_t f = 0; f < MODEL_FRAMES; f++)
        if (model.available[f] && !model.allocated[f] && !model.seen_free[f])
            fail_msg("free frame %s is missing from the free list", hex(f * PAGE_SIZE));
}

static void model_alloc(size_t count)
{
    unsigned flags = (next_random() % 8 == 0) ? PMM_ZERO : 0;
    uint64_t base = count == 1 && next_random() % 2 ? pmm_alloc_page_flags(&pmm, flags).addr
                                                    : pmm_alloc_pages(&pmm, count, flags).addr;
    if (base == PMM_NO_FRAME.addr) {
        /* Free frames coalesce, so a failure means no count consecutive frames are free. */
        uint64_t longest = model_longest_free();
        if (longest >= count)
            fail_msg("pmm_alloc_pages(%zu) failed although %llu consecutive frames are free",
                     count, (unsigned long long)longest);
        return;
    }
    assert_int_equal(base % PAGE_SIZE, 0);
    for (size_t i = 0; i < count; i++) {
        uint64_t frame = base + i * PAGE_SIZE;
        size_t f = frame / PAGE_SIZE;
        assert_in_range(f, 0, MODEL_FRAMES - 1);
        if (model.allocated[f])
            fail_msg("frame %s handed out twice", hex(frame));
        if (!model.available[f])
            fail_msg("frame %s was never free", hex(frame));
        if (flags & PMM_ZERO)
            assert_true(all_bytes(frame, PAGE_SIZE, 0));
        model.allocated[f] = true;
        /* Tag both ends: the PMM must not write to memory it has handed out. */
        uint64_t *words = (uint64_t *)sim_ptr(frame);
        words[0] = TAG | frame;
        words[PAGE_SIZE / 8 - 1] = TAG | frame;
    }
    model.allocated_pages += count;
    model.blocks[model.nblocks++] = (struct block){base, count};
}

static void model_free(void)
{
    size_t i = next_random() % model.nblocks;
    struct block b = model.blocks[i];
    model.blocks[i] = model.blocks[--model.nblocks];
    for (size_t k = 0; k < b.count; k++) {
        uint64_t frame = b.base + k * PAGE_SIZE;
        const uint64_t *words = (const uint64_t *)sim_ptr(frame);
        assert_int_equal(words[0], TAG | frame);
        assert_int_equal(words[PAGE_SIZE / 8 - 1], TAG | frame);
        model.allocated[frame / PAGE_SIZE] = false;
    }
    if (b.count == 1 && next_random() % 2)
        pmm_free_page(&pmm, paddr(b.base));
    else
        pmm_free_pages(&pmm, paddr(b.base), b.count);
    model.allocated_pages -= b.count;
}

static void test_random_operations_match_model(void **state)
{
    (void)state;
    sim_create(0, MODEL_RAM);
    const struct mem_region map[] = {
        {0, 0x9fc00, MEM_USABLE},
        {1 * MiB, MODEL_RAM - 1 * MiB, MEM_USABLE},
        {5 * MiB, 64 * KiB, MEM_ACPI_NVS},
    };
    const struct pmm_range reserved[] = {{2 * MiB, 2 * MiB + 100 * KiB}};
    init_ok(map, 3, reserved, 1, PMM_NO_LIMIT);

    memset(&model, 0, sizeof(model));
    model.rng = 0x2545F4914F6CDD1DULL;
    for (size_t f = 0; f < MODEL_FRAMES; f++) {
        uint64_t frame = f * PAGE_SIZE;
        model.available[f] = frame >= LOW_MEMORY_END &&
                             !(frame >= 2 * MiB && frame < 2 * MiB + 100 * KiB) &&
                             !(frame >= 5 * MiB && frame < 5 * MiB + 64 * KiB);
        model.available_pages += model.available[f];
    }
    assert_int_equal(stats().free_bytes, model.available_pages * PAGE_SIZE);

    const struct run_list start = runs();
    size_t failures = 0;
    const int ops = 120000;
    for (int op = 0; op < ops; op++) {
        /* Lean towards allocating in the first half of each round of 20,000
         * and freeing in the second, so memory runs out and the list
         * fragments again and again. */
        unsigned alloc_percent = op % 20000 < 10000 ? 62 : 38;
        if (model.nblocks == 0 || next_random() % 100 < alloc_percent) {
            size_t count = next_random() % 4 == 0 ? 1 + next_random() % 16 : 1;
            uint64_t before = model.allocated_pages;
            model_alloc(count);
            failures += model.allocated_pages == before;
        } else {
            model_free();
        }
        assert_int_equal(stats().free_bytes,
                         (model.available_pages - model.allocated_pages) * PAGE_SIZE);
        if (op % 500 == 0) {
            check_model();
            const char *broken = pmm_check(&pmm);
            if (broken)
                fail_msg("after operation %d: %s", op, broken);
        }
    }
    assert_true(failures > 0); /* the sequence did reach exhaustion */

    while (model.nblocks > 0)
        model_free();
    check_model();
    assert_int_equal(stats().free_bytes, model.available_pages * PAGE_SIZE);
    /* Everything came back, so the runs are exactly those of start-up. */
    const struct run_list end = runs();
    assert_int_equal(end.n, start.n);
    for (size_t i = 0; i < start.n; i++) {
        assert_int_equal(end.r[i].base, start.r[i].base);
        assert_int_equal(end.r[i].end, start.r[i].end);
    }
    assert_null(pmm_check(&pmm));
}

/* ---- Raising the limit (pmm_raise_limit, src/mm/memmap.c) ---------------- */

static void assert_avail(size_t i, uint64_t base, uint64_t end)
{
    if (i >= pmm.avail_count)
        fail_msg("expected pmm.avail[%zu], but there are only %zu", i, pmm.avail_count);
    assert_int_equal(pmm.avail[i].base, base);
    assert_int_equal(pmm.avail[i].end, end);
}

static void test_raise_limit_frees_ram_above_it(void **state)
{
    (void)state;
    sim_create(0, 16 * MiB);
    const struct mem_region map[] = {
        {1 * MiB, 11 * MiB, MEM_USABLE}, /* runs across the first limit, 8 MiB */
        {13 * MiB, 3 * MiB, MEM_USABLE}, /* wholly above it */
    };
    const struct pmm_range reserved[] = {{14 * MiB, 14 * MiB + 512 * KiB}}; /* a module up there */
    init_ok(map, 2, reserved, 1, paddr(8 * MiB));
    struct pmm_stats s = stats();
    assert_int_equal(s.free_bytes, 7 * MiB);
    assert_int_equal(s.unreachable_bytes, 4 * MiB + 3 * MiB);
    assert_int_equal(s.reserved_bytes, 0);

    assert_int_equal(pmm_raise_limit(&pmm, paddr(16 * MiB), reserved, 1), 0);
    s = stats();
    assert_int_equal(pmm.limit, 16 * MiB);
    assert_int_equal(s.unreachable_bytes, 0);
    assert_int_equal(s.reserved_bytes, 512 * KiB);
    assert_int_equal(s.free_bytes, 7 * MiB + 4 * MiB + 2 * MiB + 512 * KiB);
    assert_usable_accounted();
    /* The stretch cut at 8 MiB is one range again; the module splits the other. */
    assert_int_equal(pmm.avail_count, 3);
    assert_avail(0, 1 * MiB, 12 * MiB);
    assert_avail(1, 13 * MiB, 14 * MiB);
    assert_avail(2, 14 * MiB + 512 * KiB, 16 * MiB);

    const size_t max = 14 * MiB / PAGE_SIZE;
    uint64_t *frames = malloc(max * sizeof(*frames));
    assert_non_null(frames);
    size_t n = alloc_all(frames, max);
    assert_int_equal(n * PAGE_SIZE, s.free_bytes);
    assert_distinct(frames, n);
    for (size_t i = 0; i < n; i++)
        if (pmm_range_contains(&reserved[0], frames[i]))
            fail_msg("frame %s of the withheld module was handed out", hex(frames[i]));
    free(frames);
    EXPECT_PANIC(pmm_free_page(&pmm, paddr(14 * MiB)), "pmm_free_page", hex(14 * MiB), "reserved");
}

static void test_raise_limit_in_steps_and_not_down(void **state)
{
    (void)state;
    sim_create(0, 16 * MiB);
    const struct mem_region map[] = {{1 * MiB, 15 * MiB, MEM_USABLE}};
    init_ok(map, 1, NULL, 0, paddr(4 * MiB));
    assert_int_equal(pmm_raise_limit(&pmm, paddr(10 * MiB + 100), NULL, 0), 0); /* rounds down */
    assert_int_equal(stats().free_bytes, 9 * MiB);
    assert_int_equal(stats().unreachable_bytes, 6 * MiB);

    /* Lower is refused and changes nothing; the same limit adds nothing. */
    struct pmm_stats before = stats();
    size_t avail_before = pmm.avail_count;
    assert_int_equal(pmm_raise_limit(&pmm, paddr(9 * MiB), NULL, 0), PMM_ERR_BAD_ARGUMENT);
    assert_int_equal(pmm_raise_limit(&pmm, paddr(10 * MiB), NULL, 0), 0);
    assert_memory_equal(&before, &pmm.stats, sizeof(before));
    assert_int_equal(pmm.avail_count, avail_before);
    assert_int_equal(pmm.limit, 10 * MiB);

    assert_int_equal(pmm_raise_limit(&pmm, PMM_NO_LIMIT, NULL, 0), 0);
    assert_int_equal(stats().free_bytes, 15 * MiB);
    assert_int_equal(stats().unreachable_bytes, 0);
    assert_int_equal(pmm.avail_count, 1);
    assert_avail(0, 1 * MiB, 16 * MiB);
    assert_usable_accounted();
}

/* QEMU's -m 1T: RAM from 1 TiB on, a bootstrap limit below its end. */
static void test_raise_limit_reaches_ram_at_1tib(void **state)
{
    (void)state;
    const uint64_t tib = 1024 * GiB;
    sim_create(tib, 8 * MiB);
    const struct mem_region map[] = {{tib, 8 * MiB, MEM_USABLE}};
    init_ok(map, 1, NULL, 0, paddr(tib + 2 * MiB));
    assert_int_equal(stats().unreachable_bytes, 6 * MiB);
    assert_int_equal(pmm_raise_limit(&pmm, paddr(tib + 1024 * GiB), NULL, 0), 0);
    assert_int_equal(stats().free_bytes, 8 * MiB);
    assert_int_equal(stats().unreachable_bytes, 0);
    assert_usable_accounted();
    /* 6 MiB in one piece exist only above the old limit; take them and give them back. */
    paddr_t f = pmm_alloc_pages(&pmm, 6 * MiB / PAGE_SIZE, 0);
    assert_true(pmm_got_frame(f));
    assert_true(f.addr >= tib && f.addr + 6 * MiB <= tib + 8 * MiB);
    pmm_free_pages(&pmm, f, 6 * MiB / PAGE_SIZE);
    assert_int_equal(stats().free_bytes, 8 * MiB);
}

/* More free pieces than pmm->avail holds: an error, and the PMM is as before. */
static void test_raise_limit_too_many_ranges_changes_nothing(void **state)
{
    (void)state;
    const size_t pieces = PMM_MAX_RANGES + 8;
    sim_create(0, 2 * MiB + 2 * pieces * PAGE_SIZE);
    const struct mem_region map[] = {{1 * MiB, 1 * MiB + 2 * pieces * PAGE_SIZE, MEM_USABLE}};
    static struct pmm_range every_other[PMM_MAX_RANGES + 8];
    for (size_t i = 0; i < pieces; i++) {
        uint64_t at = 2 * MiB + (2 * i + 1) * PAGE_SIZE;
        every_other[i] = (struct pmm_range){at, at + PAGE_SIZE};
    }
    init_ok(map, 1, every_other, pieces, paddr(2 * MiB));
    struct pmm_stats before = stats();
    assert_int_equal(pmm_raise_limit(&pmm, PMM_NO_LIMIT, every_other, pieces),
                     PMM_ERR_TOO_MANY_RANGES);
    assert_memory_equal(&before, &pmm.stats, sizeof(before));
    assert_int_equal(pmm.avail_count, 1);
    assert_int_equal(pmm.limit, 2 * MiB);
    assert_false(pmm_is_free(&pmm, paddr(2 * MiB)));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_simple_map_counts, sim_teardown),
        cmocka_unit_test_teardown(test_alloc_takes_last_page_of_head_run, sim_teardown),
        cmocka_unit_test_teardown(test_first_mib_never_returned, sim_teardown),
        cmocka_unit_test_teardown(test_reserved_ranges_never_returned, sim_teardown),
        cmocka_unit_test_teardown(test_overlapping_unsorted_entries_take_most_restrictive_type,
                                  sim_teardown),
        cmocka_unit_test_teardown(test_unaligned_entries_shrink_to_whole_pages, sim_teardown),
        cmocka_unit_test_teardown(test_zero_length_entries_ignored, sim_teardown),
        cmocka_unit_test_teardown(test_empty_map_gives_no_memory, sim_teardown),
        cmocka_unit_test_teardown(test_limit_honoured, sim_teardown),
        cmocka_unit_test_teardown(test_memory_above_4gib_is_used, sim_teardown),
        cmocka_unit_test_teardown(test_too_many_ranges_is_an_error, sim_teardown),
        cmocka_unit_test_teardown(test_init_touches_only_run_headers, sim_teardown),
        cmocka_unit_test_teardown(test_init_cost_does_not_depend_on_ram_size, sim_teardown),
        cmocka_unit_test_teardown(test_alloc_all_then_free_all, sim_teardown),
        cmocka_unit_test_teardown(test_exhaustion_returns_no_frame_and_recovers, sim_teardown),
        cmocka_unit_test_teardown(test_contiguous_allocation, sim_teardown),
        cmocka_unit_test_teardown(test_zero_flag_zeroes_frames, sim_teardown),
        cmocka_unit_test_teardown(test_free_unaligned_panics, sim_teardown),
        cmocka_unit_test_teardown(test_free_outside_ram_panics, sim_teardown),
        cmocka_unit_test_teardown(test_free_reserved_panics, sim_teardown),
        cmocka_unit_test_teardown(test_double_free_panics, sim_teardown),
        cmocka_unit_test_teardown(test_batch_gives_frames_back_in_runs, sim_teardown),
        cmocka_unit_test_teardown(test_corrupt_free_list_panics, sim_teardown),
        cmocka_unit_test_teardown(test_random_operations_match_model, sim_teardown),
        cmocka_unit_test_teardown(test_raise_limit_frees_ram_above_it, sim_teardown),
        cmocka_unit_test_teardown(test_raise_limit_in_steps_and_not_down, sim_teardown),
        cmocka_unit_test_teardown(test_raise_limit_reaches_ram_at_1tib, sim_teardown),
        cmocka_unit_test_teardown(test_raise_limit_too_many_ranges_changes_nothing, sim_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
