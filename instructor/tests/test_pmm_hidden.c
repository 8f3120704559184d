/*
 * instructor/tests/test_pmm_hidden.c - an instructor-only test of lab 2.
 *
 * Everything under instructor/ stays out of every handout (ci/make-handout),
 * so students never see these cases; ci/grade runs them from the instructor's
 * tree and scores them like the others (instructor/labs.json gives the points,
 * instructor/tests-manifest.json the names; docs/grading.md). It is also an
 * example to copy: a host test program like those in tests/, registered in
 * instructor/tests.cmake.
 *
 * The machine: 4 MiB of RAM at 1 MiB, simulated by a malloc'ed buffer.
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

#include "boot/boot_info.h"
#include "mm/layout.h"
#include "mm/pmm.h"

#include "host_panic.h"

#define RAM_BASE 0x100000ULL
#define RAM_BYTES 0x400000ULL
#define FRAMES (RAM_BYTES / PAGE_SIZE)

static uint8_t *ram;
static struct pmm pmm;

static int setup(void **state)
{
    (void)state;
    ram = aligned_alloc(PAGE_SIZE, RAM_BYTES);
    assert_non_null(ram);
    struct phys_window window = {.offset = (uint64_t)(uintptr_t)ram - RAM_BASE};
    struct mem_region map[] = {{0, 0x9fc00, MEM_USABLE}, {RAM_BASE, RAM_BYTES, MEM_USABLE}};
    assert_int_equal(pmm_init(&pmm, window, map, 2, NULL, 0, paddr(RAM_BASE + RAM_BYTES)), 0);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    free(ram);
    return 0;
}

static uint64_t free_frames(void)
{
    struct pmm_stats s;
    pmm_get_stats(&pmm, &s);
    return s.free_bytes / PAGE_SIZE;
}

/* Every frame of the RAM comes out exactly once, then the PMM says it has none. */
static void test_every_frame_once_then_none(void **state)
{
    (void)state;
    static bool seen[FRAMES];
    memset(seen, 0, sizeof(seen));
    assert_int_equal(free_frames(), FRAMES);
    for (uint64_t i = 0; i < FRAMES; i++) {
        paddr_t f = pmm_alloc_page(&pmm);
        assert_true(f.addr >= RAM_BASE && f.addr < RAM_BASE + RAM_BYTES);
        assert_int_equal(f.addr % PAGE_SIZE, 0);
        uint64_t k = (f.addr - RAM_BASE) / PAGE_SIZE;
        assert_false(seen[k]);
        seen[k] = true;
    }
    assert_int_equal(pmm_alloc_page(&pmm).addr, PMM_NO_FRAME.addr);
}

/* Freed in an order that is neither ascending nor descending, the frames
 * merge back into one run, from which a whole-RAM allocation succeeds. */
static void test_frames_freed_out_of_order_merge_into_one_run(void **state)
{
    (void)state;
    paddr_t all = pmm_alloc_pages(&pmm, FRAMES, 0);
    assert_int_equal(all.addr, RAM_BASE);
    for (uint64_t step = 0; step < 7; step++)
        for (uint64_t k = step; k < FRAMES; k += 7)
            pmm_free_page(&pmm, paddr(RAM_BASE + k * PAGE_SIZE));
    struct pmm_stats s;
    pmm_get_stats(&pmm, &s);
    assert_int_equal(s.free_runs, 1);
    assert_int_equal(pmm_alloc_pages(&pmm, FRAMES, 0).addr, RAM_BASE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_every_frame_once_then_none, setup, teardown),
        cmocka_unit_test_setup_teardown(test_frames_freed_out_of_order_merge_into_one_run, setup,
                                        teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
