/*
 * tests/host_runner_check.c - a host test program whose cases fail on purpose,
 * one way each, for tests/test_host_runner.py (CTest host.runner): a heap
 * overflow, an unexpected panic reached through a helper, an EXPECT_PANIC whose
 * message lacks a word, a loop that never ends, and a passing case before and
 * after them. It checks what tests/host_runner.c and tests/host_panic.h make of
 * each: every case reported, the crash costing only its own case, and each
 * failure citing the test's own line. The lines the failures must cite carry a
 * comment "CITED: name", which the Python test looks up.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "host_panic.h"
#include "mm/pmm.h"

static struct pmm pmm; /* all zero: freeing an unaligned frame panics at once */

static void test_passes_first(void **state)
{
    (void)state;
    assert_int_equal(1 + 1, 2);
}

static void test_overflows_the_heap(void **state)
{
    (void)state;
    volatile char *p = malloc(4);
    volatile size_t past_end = 4; /* volatile: an optimizing build must not see the bound */
    p[past_end] = 1; /* CITED: overflow */
    free((void *)p);
}

static void free_an_unaligned_frame(void)
{
    pmm_free_page(&pmm, paddr(8)); /* CITED: helper */
}

static void test_panics_unexpectedly(void **state)
{
    (void)state;
    free_an_unaligned_frame(); /* CITED: caller */
}

static void test_expected_panic_lacks_a_word(void **state)
{
    (void)state;
    EXPECT_PANIC(pmm_free_page(&pmm, paddr(8)), "no such word"); /* CITED: expect */
}

static void test_loops_forever(void **state)
{
    (void)state;
    for (volatile unsigned long i = 0;; i++)
        ;
}

static void test_passes_last(void **state)
{
    (void)state;
    assert_true(true);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_passes_first),
        cmocka_unit_test(test_overflows_the_heap),
        cmocka_unit_test(test_panics_unexpectedly),
        cmocka_unit_test(test_expected_panic_lacks_a_word),
        cmocka_unit_test(test_loops_forever),
        cmocka_unit_test(test_passes_last),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
