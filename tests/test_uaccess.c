/*
 * tests/test_uaccess.c - host tests for user-pointer checks and copies
 * (src/proc/uaccess.c).
 *
 * A small simulated machine like tests/vmm_harness.h's: a buffer stands in
 * for RAM at physical RAM_BASE, the PMM owns its first PMM_SIZE bytes, and
 * the real VMM (src/mm/vmm.c) builds a user space in it:
 *
 *     0x400000  3 pages   user, read-only
 *     0x403000  4 pages   user, writable; frames shuffled, so a copy that
 *                         assumed contiguous frames would land wrongly
 *     0x407000  1 page    hole (not mapped)
 *     0x408000  1 page    writable but kernel-only (no VMM_USER)
 *     0x409000  1 page    user, writable
 *     0x600000  2 MiB     one large page, user, writable (at physical LARGE_PA)
 *     VMM_USER_END - 4 KiB  the last user page, writable
 *
 * The tests write and read user memory through their own translation
 * (poke/peek below), never through the code under test.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "kernel/panic.h"
#include "mm/layout.h"
#include "mm/pmm.h"
#include "mm/vmm.h"
#include "proc/uaccess.h"

#define MiB (1024ULL * 1024)
#define RAM_BASE (16 * MiB) /* 2 MiB-aligned, and not 0: physical 0 is nobody's frame */
#define RAM_SIZE (8 * MiB)
#define PMM_SIZE (4 * MiB)
#define LARGE_PA (RAM_BASE + PMM_SIZE) /* outside the PMM: the large page's frame */

#define RO 0x400000ULL
#define RW 0x403000ULL
#define HOLE 0x407000ULL
#define KERNEL_ONLY 0x408000ULL
#define RW2 0x409000ULL
#define LARGE 0x600000ULL
#define TOP (VMM_USER_END - PAGE_SIZE)

#include "host_panic.h"

static uint8_t *ram;
static struct phys_window window;
static struct pmm pmm;
static struct vmm vmm;
static struct address_space kernel_space, as;

#define EXPECT(call, want)                                                                         \
    do {                                                                                           \
        int got_ = (call);                                                                         \
        if (got_ != (want))                                                                        \
            fail_msg("%s: expected %d (%s), got %d (%s)", #call, (want), uaccess_strerror(want),   \
                     got_, uaccess_strerror(got_));                                                \
    } while (0)

static void vmm_ok(int rc, const char *what)
{
    if (rc != VMM_OK)
        fail_msg("%s: %d (%s)", what, rc, vmm_strerror(rc));
}

static int machine_setup(void **state)
{
    (void)state;
    ram = aligned_alloc(PAGE_SIZE, RAM_SIZE);
    assert_non_null(ram);
    memset(ram, 0xCC, RAM_SIZE);
    window = (struct phys_window){(uint64_t)(uintptr_t)ram - RAM_BASE};
    const struct mem_region map[] = {{RAM_BASE, PMM_SIZE, MEM_USABLE}};
    assert_int_equal(pmm_init(&pmm, window, map, 1, NULL, 0, PMM_NO_LIMIT), 0);
    vmm_setup(&vmm, &pmm, window, true, true);
    vmm_ok(vmm_kernel_space_init(&vmm, &kernel_space), "vmm_kernel_space_init");
    vmm_ok(vmm_space_create(&vmm, &as), "vmm_space_create");

    vmm_ok(vmm_alloc(&as, vaddr(RO), 3 * PAGE_SIZE, VMM_USER), "map RO");
    uint64_t frames[4];
    for (int i = 0; i < 4; i++) {
        frames[i] = pmm_alloc_page(&pmm).addr;
        assert_true(frames[i] != 0);
    }
    /* Whether the PMM hands out frames upwards or downwards, no two neighbouring
     * pages get neighbouring frames. */
    static const int shuffle[4] = {1, 3, 0, 2};
    for (int i = 0; i < 4; i++)
        vmm_ok(vmm_map(&as, vaddr(RW + i * PAGE_SIZE), paddr(frames[shuffle[i]]), PAGE_SIZE,
                       VMM_USER | VMM_WRITE),
               "map RW");
    vmm_ok(vmm_alloc(&as, vaddr(KERNEL_ONLY), PAGE_SIZE, VMM_WRITE), "map KERNEL_ONLY");
    vmm_ok(vmm_alloc(&as, vaddr(RW2), PAGE_SIZE, VMM_USER | VMM_WRITE), "map RW2");
    vmm_ok(vmm_map(&as, vaddr(LARGE), paddr(LARGE_PA), LARGE_PAGE_SIZE,
                   VMM_USER | VMM_WRITE | VMM_LARGE),
           "map LARGE");
    vmm_ok(vmm_alloc(&as, vaddr(TOP), PAGE_SIZE, VMM_USER | VMM_WRITE), "map TOP");

    uint64_t size = 0;
    vmm_ok(vmm_translate(&as, vaddr(LARGE + 5), NULL, NULL, &size), "translate LARGE");
    assert_int_equal(size, LARGE_PAGE_SIZE);
    return 0;
}

static int machine_teardown(void **state)
{
    (void)state;
    free(ram);
    ram = NULL;
    return 0;
}

/* ---- user memory, reached by the test's own translation -------------------- */

static uint8_t *user_byte(uint64_t va)
{
    paddr_t found;
    if (vmm_translate(&as, vaddr(va), &found, NULL, NULL) != VMM_OK)
        fail_msg("test bug: %#llx is not mapped", (unsigned long long)va);
    uint64_t pa = found.addr;
    if (pa < RAM_BASE || pa - RAM_BASE >= RAM_SIZE)
        fail_msg("test bug: %#llx leads outside the RAM", (unsigned long long)va);
    return ram + (pa - RAM_BASE);
}

static void poke(uint64_t va, const void *src, size_t n)
{
    for (size_t i = 0; i < n; i++)
        *user_byte(va + i) = ((const uint8_t *)src)[i];
}

static void peek(uint64_t va, void *dst, size_t n)
{
    for (size_t i = 0; i < n; i++)
        ((uint8_t *)dst)[i] = *user_byte(va + i);
}

static void fill_pattern(uint8_t *p, size_t n, unsigned seed)
{
    for (size_t i = 0; i < n; i++)
        p[i] = (uint8_t)(i * 7 + seed + (i >> 8));
}

/* ---- uaccess_check --------------------------------------------------------- */

static void expect_both(uint64_t ptr, uint64_t len, int read, int write)
{
    int r = uaccess_check(&as, ptr, len, false), w = uaccess_check(&as, ptr, len, true);
    if (r != read || w != write)
        fail_msg("uaccess_check(%#llx, %#llx): expected read %d (%s) write %d (%s), got %d (%s) "
                 "and %d (%s)",
                 (unsigned long long)ptr, (unsigned long long)len, read, uaccess_strerror(read),
                 write, uaccess_strerror(write), r, uaccess_strerror(r), w, uaccess_strerror(w));
}

static void test_len_zero_always_ok(void **state)
{
    (void)state;
    const uint64_t ptrs[] = {0,
                             1,
                             HOLE,
                             KERNEL_ONLY,
                             RO,
                             VMM_USER_END,
                             0xFFFF800000000000ULL,
                             0x8000000000000000ULL,
                             UINT64_MAX};
    for (size_t i = 0; i < sizeof(ptrs) / sizeof(ptrs[0]); i++)
        expect_both(ptrs[i], 0, UACCESS_OK, UACCESS_OK);
}

static void test_null(void **state)
{
    (void)state;
    expect_both(0, 1, UACCESS_ERR_NULL, UACCESS_ERR_NULL);
    expect_both(0, PAGE_SIZE, UACCESS_ERR_NULL, UACCESS_ERR_NULL);
    expect_both(0, UINT64_MAX, UACCESS_ERR_NULL, UACCESS_ERR_NULL);
    /* NULL stays an error even when the program maps page 0. */
    vmm_ok(vmm_alloc(&as, vaddr(0), PAGE_SIZE, VMM_USER | VMM_WRITE), "map page 0");
    expect_both(0, 1, UACCESS_ERR_NULL, UACCESS_ERR_NULL);
    expect_both(1, 1, UACCESS_OK, UACCESS_OK);
    /* Without a mapping, small addresses near NULL are simply unmapped. */
    expect_both(8, 4, UACCESS_OK, UACCESS_OK);
    vmm_ok(vmm_free(&as, vaddr(0), PAGE_SIZE), "unmap page 0");
    expect_both(8, 4, UACCESS_ERR_UNMAPPED, UACCESS_ERR_UNMAPPED);
}

static void test_wrap(void **state)
{
    (void)state;
    expect_both(0xFFFFFFFFFFFFF000ULL, 0x2000, UACCESS_ERR_WRAP, UACCESS_ERR_WRAP);
    expect_both(RW, UINT64_MAX, UACCESS_ERR_WRAP, UACCESS_ERR_WRAP);
    expect_both(UINT64_MAX, 2, UACCESS_ERR_WRAP, UACCESS_ERR_WRAP);
    /* Ending exactly at 2^64 is not a wrap, just the kernel's half. */
    expect_both(UINT64_MAX, 1, UACCESS_ERR_KERNEL, UACCESS_ERR_KERNEL);
    expect_both(1, UINT64_MAX, UACCESS_ERR_KERNEL, UACCESS_ERR_KERNEL);
    /* A user start with a length reaching past the user half (no wrap). */
    expect_both(RW, VMM_USER_END, UACCESS_ERR_KERNEL, UACCESS_ERR_KERNEL);
}

static void test_kernel_and_non_canonical(void **state)
{
    (void)state;
    expect_both(0xFFFF800000000000ULL, 1, UACCESS_ERR_KERNEL, UACCESS_ERR_KERNEL);
    expect_both(KERNEL_VMA, 16, UACCESS_ERR_KERNEL, UACCESS_ERR_KERNEL);
    expect_both(VMM_USER_END, 1, UACCESS_ERR_KERNEL, UACCESS_ERR_KERNEL); /* non-canonical */
    expect_both(0x8000000000000000ULL, 8, UACCESS_ERR_KERNEL, UACCESS_ERR_KERNEL); /* likewise */
    expect_both(0x0000FFFFFFFFFFFFULL, 1, UACCESS_ERR_KERNEL, UACCESS_ERR_KERNEL);
    /* The last user page is fine up to its last byte; one more byte is not. */
    expect_both(TOP, PAGE_SIZE, UACCESS_OK, UACCESS_OK);
    expect_both(VMM_USER_END - 1, 1, UACCESS_OK, UACCESS_OK);
    expect_both(VMM_USER_END - 16, 32, UACCESS_ERR_KERNEL, UACCESS_ERR_KERNEL);
    expect_both(TOP, PAGE_SIZE + 1, UACCESS_ERR_KERNEL, UACCESS_ERR_KERNEL);
}

static void test_unmapped(void **state)
{
    (void)state;
    expect_both(HOLE, 1, UACCESS_ERR_UNMAPPED, UACCESS_ERR_UNMAPPED);
    expect_both(HOLE + PAGE_SIZE - 1, 1, UACCESS_ERR_UNMAPPED, UACCESS_ERR_UNMAPPED);
    expect_both(0x1000, 1, UACCESS_ERR_UNMAPPED, UACCESS_ERR_UNMAPPED);
    expect_both(0x7FFF00000000ULL, 100, UACCESS_ERR_UNMAPPED, UACCESS_ERR_UNMAPPED);
    /* The writable run is usable to its last byte; one more reaches the hole. */
    expect_both(RW, 4 * PAGE_SIZE, UACCESS_OK, UACCESS_OK);
    expect_both(RW, 4 * PAGE_SIZE + 1, UACCESS_ERR_UNMAPPED, UACCESS_ERR_UNMAPPED);
    expect_both(HOLE - 16, 32, UACCESS_ERR_UNMAPPED, UACCESS_ERR_UNMAPPED);
    /* Mapped at both ends, a hole in the middle. */
    expect_both(RW + PAGE_SIZE, 4 * PAGE_SIZE, UACCESS_ERR_UNMAPPED, UACCESS_ERR_UNMAPPED);
    /* A huge range ends at the first hole, quickly. */
    expect_both(RW, 0x7FFF00000000ULL, UACCESS_ERR_UNMAPPED, UACCESS_ERR_UNMAPPED);
}

static void test_not_user(void **state)
{
    (void)state;
    expect_both(KERNEL_ONLY, 1, UACCESS_ERR_NOT_USER, UACCESS_ERR_NOT_USER);
    expect_both(KERNEL_ONLY + 100, 8, UACCESS_ERR_NOT_USER, UACCESS_ERR_NOT_USER);
    expect_both(RW2 - 8, 16, UACCESS_ERR_NOT_USER, UACCESS_ERR_NOT_USER);
    expect_both(RW2, PAGE_SIZE, UACCESS_OK, UACCESS_OK);
}

static void test_read_only(void **state)
{
    (void)state;
    expect_both(RO, 3 * PAGE_SIZE, UACCESS_OK, UACCESS_ERR_READ_ONLY);
    expect_both(RO + 5, 1, UACCESS_OK, UACCESS_ERR_READ_ONLY);
    /* Read-only page then writable one: reading is fine, writing is not. */
    expect_both(RW - 8, 16, UACCESS_OK, UACCESS_ERR_READ_ONLY);
    expect_both(RW, 16, UACCESS_OK, UACCESS_OK);
}

static void test_lowest_bad_page_decides(void **state)
{
    (void)state;
    /* rw page, hole, kernel-only page: the hole comes first. */
    expect_both(HOLE - PAGE_SIZE, 3 * PAGE_SIZE, UACCESS_ERR_UNMAPPED, UACCESS_ERR_UNMAPPED);
    /* read-only pages ... hole: a write stops at the first read-only page. */
    expect_both(RO, 8 * PAGE_SIZE, UACCESS_ERR_UNMAPPED, UACCESS_ERR_READ_ONLY);
}

static void test_large_page(void **state)
{
    (void)state;
    expect_both(LARGE, LARGE_PAGE_SIZE, UACCESS_OK, UACCESS_OK);
    expect_both(LARGE + 0x1234, 0x100000, UACCESS_OK, UACCESS_OK);
    expect_both(LARGE + LARGE_PAGE_SIZE - 16, 32, UACCESS_ERR_UNMAPPED, UACCESS_ERR_UNMAPPED);
    expect_both(LARGE - 16, 32, UACCESS_ERR_UNMAPPED, UACCESS_ERR_UNMAPPED);
}

/* ---- copies ---------------------------------------------------------------- */

static void test_copy_across_scattered_frames(void **state)
{
    (void)state;
    /* From the last bytes of the first RW page to the first bytes of the fourth. */
    uint64_t start = RW + PAGE_SIZE - 16;
    size_t n = 2 * PAGE_SIZE + 48;
    uint8_t *src = malloc(n), *back = malloc(n), *seen = malloc(n);
    assert_true(src && back && seen);
    fill_pattern(src, n, 1);
    uint8_t edge_before[2], edge_after[2];
    peek(start - 1, &edge_before[0], 1);
    peek(start + n, &edge_before[1], 1);
    EXPECT(uaccess_copy_to(&as, window, start, src, n), UACCESS_OK);
    peek(start, seen, n);
    assert_memory_equal(seen, src, n);
    memset(back, 0, n);
    EXPECT(uaccess_copy_from(&as, window, back, start, n), UACCESS_OK);
    assert_memory_equal(back, src, n);
    /* The bytes just outside the range are untouched. */
    peek(start - 1, &edge_after[0], 1);
    peek(start + n, &edge_after[1], 1);
    assert_memory_equal(edge_before, edge_after, 2);
    free(src);
    free(back);
    free(seen);
}

static void test_copy_single_bytes_and_page_edges(void **state)
{
    (void)state;
    for (uint64_t off = 0; off < 2 * PAGE_SIZE; off += 511) {
        uint8_t v = (uint8_t)(off * 13 + 1), got = 0;
        EXPECT(uaccess_copy_to(&as, window, RW + off, &v, 1), UACCESS_OK);
        EXPECT(uaccess_copy_from(&as, window, &got, RW + off, 1), UACCESS_OK);
        assert_int_equal(got, v);
        peek(RW + off, &got, 1);
        assert_int_equal(got, v);
    }
    /* The very last byte of the user half. */
    uint8_t v = 0x5A, got = 0;
    EXPECT(uaccess_copy_to(&as, window, VMM_USER_END - 1, &v, 1), UACCESS_OK);
    EXPECT(uaccess_copy_from(&as, window, &got, VMM_USER_END - 1, 1), UACCESS_OK);
    assert_int_equal(got, 0x5A);
}

static void test_copy_large_page(void **state)
{
    (void)state;
    size_t n = 3 * PAGE_SIZE + 5;
    uint64_t start = LARGE + LARGE_PAGE_SIZE - n; /* ends on the page's last byte */
    uint8_t *src = malloc(n), *back = malloc(n);
    assert_true(src && back);
    fill_pattern(src, n, 9);
    EXPECT(uaccess_copy_to(&as, window, start, src, n), UACCESS_OK);
    /* One large page is one run of physical memory. */
    assert_memory_equal(ram + (LARGE_PA - RAM_BASE) + LARGE_PAGE_SIZE - n, src, n);
    EXPECT(uaccess_copy_from(&as, window, back, start, n), UACCESS_OK);
    assert_memory_equal(back, src, n);
    free(src);
    free(back);
}

static void test_failed_copy_changes_nothing(void **state)
{
    (void)state;
    uint8_t ones[64], before[16], after[16];
    memset(ones, 0xEE, sizeof(ones));
    /* 16 writable bytes, then the hole: nothing may be written, not even the 16. */
    peek(HOLE - 16, before, 16);
    EXPECT(uaccess_copy_to(&as, window, HOLE - 16, ones, 32), UACCESS_ERR_UNMAPPED);
    peek(HOLE - 16, after, 16);
    assert_memory_equal(before, after, 16);
    /* Read-only then writable: nothing written on either side. */
    peek(RW, before, 16);
    EXPECT(uaccess_copy_to(&as, window, RW - 16, ones, 32), UACCESS_ERR_READ_ONLY);
    peek(RW, after, 16);
    assert_memory_equal(before, after, 16);
    /* A failed copy_from leaves the destination alone. */
    uint8_t dst[32];
    memset(dst, 0x77, sizeof(dst));
    EXPECT(uaccess_copy_from(&as, window, dst, RW2 - 16, 32), UACCESS_ERR_NOT_USER);
    for (size_t i = 0; i < sizeof(dst); i++)
        assert_int_equal(dst[i], 0x77);
    EXPECT(uaccess_copy_from(&as, window, dst, 0, 32), UACCESS_ERR_NULL);
    EXPECT(uaccess_copy_from(&as, window, dst, KERNEL_VMA, 32), UACCESS_ERR_KERNEL);
    EXPECT(uaccess_copy_to(&as, window, UINT64_MAX - 7, ones, 32), UACCESS_ERR_WRAP);
    /* Length 0: nothing to do, whatever the pointers. */
    EXPECT(uaccess_copy_from(&as, window, NULL, 0, 0), UACCESS_OK);
    EXPECT(uaccess_copy_to(&as, window, KERNEL_VMA, NULL, 0), UACCESS_OK);
}

/* ---- strings --------------------------------------------------------------- */

static char dst[64];

static int strncpy_user(uint64_t src, size_t max)
{
    memset(dst, 'X', sizeof(dst));
    return uaccess_strncpy_from(&as, window, dst, src, max);
}

static void test_string_simple(void **state)
{
    (void)state;
    poke(RW + 0x100, "hello", 6);
    assert_int_equal(strncpy_user(RW + 0x100, sizeof(dst)), 5);
    assert_string_equal(dst, "hello");
    /* Read-only pages are fine for reading strings. */
    poke(RO + 0x10, "ro", 3); /* the test writes through its own translation */
    assert_int_equal(strncpy_user(RO + 0x10, sizeof(dst)), 2);
    assert_string_equal(dst, "ro");
    /* The empty string. */
    poke(RW + 0x200, "", 1);
    assert_int_equal(strncpy_user(RW + 0x200, sizeof(dst)), 0);
    assert_string_equal(dst, "");
    /* A max larger than INT32_MAX: the string is short, so it does not matter. */
    assert_int_equal(uaccess_strncpy_from(&as, window, dst, RW + 0x100, SIZE_MAX), 5);
}

static void test_string_across_pages(void **state)
{
    (void)state;
    /* Pages RW and RW + 4 KiB are in frames that are not neighbours. */
    poke(RW + PAGE_SIZE - 3, "abcdefgh", 9);
    assert_int_equal(strncpy_user(RW + PAGE_SIZE - 3, sizeof(dst)), 8);
    assert_string_equal(dst, "abcdefgh");
}

static void test_string_limit(void **state)
{
    (void)state;
    poke(RW + 0x300, "hello", 6);
    assert_int_equal(strncpy_user(RW + 0x300, 6), 5); /* exactly fits with its NUL */
    assert_string_equal(dst, "hello");
    assert_int_equal(strncpy_user(RW + 0x300, 5), UACCESS_ERR_TOO_LONG);
    assert_int_equal(dst[0], '\0');
    assert_int_equal(strncpy_user(RW + 0x300, 1), UACCESS_ERR_TOO_LONG);
    assert_int_equal(dst[0], '\0');
    assert_int_equal(strncpy_user(RW + 0x300, 0), UACCESS_ERR_TOO_LONG);
    assert_int_equal(dst[0], 'X'); /* max 0: dst is not touched at all */
}

static void test_string_ends_before_hole(void **state)
{
    (void)state;
    /* The NUL is the last byte before the hole: the hole is never looked at. */
    poke(HOLE - 4, "xyz", 4);
    assert_int_equal(strncpy_user(HOLE - 4, sizeof(dst)), 3);
    assert_string_equal(dst, "xyz");
}

static void test_string_runs_into_hole(void **state)
{
    (void)state;
    poke(HOLE - 4, "wxyz", 4); /* no NUL before the hole */
    assert_int_equal(strncpy_user(HOLE - 4, sizeof(dst)), UACCESS_ERR_UNMAPPED);
    assert_int_equal(dst[0], '\0');
    /* Limit reached before the hole: too long wins, the hole is never reached. */
    assert_int_equal(strncpy_user(HOLE - 4, 4), UACCESS_ERR_TOO_LONG);
}

static void test_string_runs_into_kernel_only_page(void **state)
{
    (void)state;
    poke(KERNEL_ONLY, "secret", 7); /* the test may; the program may not */
    assert_int_equal(strncpy_user(KERNEL_ONLY, sizeof(dst)), UACCESS_ERR_NOT_USER);
    assert_int_equal(dst[0], '\0');
}

static void test_string_runs_out_of_user_half(void **state)
{
    (void)state;
    poke(VMM_USER_END - 3, "abc", 3);
    assert_int_equal(strncpy_user(VMM_USER_END - 3, sizeof(dst)), UACCESS_ERR_KERNEL);
    assert_int_equal(dst[0], '\0');
    assert_int_equal(strncpy_user(0, sizeof(dst)), UACCESS_ERR_NULL);
    assert_int_equal(strncpy_user(0xFFFF800000000000ULL, sizeof(dst)), UACCESS_ERR_KERNEL);
    assert_int_equal(strncpy_user(UINT64_MAX, sizeof(dst)), UACCESS_ERR_KERNEL);
    assert_int_equal(strncpy_user(HOLE, sizeof(dst)), UACCESS_ERR_UNMAPPED);
}

static void test_string_in_large_page(void **state)
{
    (void)state;
    poke(LARGE + LARGE_PAGE_SIZE - 8, "large!!", 8);
    assert_int_equal(strncpy_user(LARGE + LARGE_PAGE_SIZE - 8, sizeof(dst)), 7);
    assert_string_equal(dst, "large!!");
    poke(LARGE + LARGE_PAGE_SIZE - 8, "large!!!", 8);
    assert_int_equal(strncpy_user(LARGE + LARGE_PAGE_SIZE - 8, sizeof(dst)), UACCESS_ERR_UNMAPPED);
}

static void test_strerror(void **state)
{
    (void)state;
    for (int a = UACCESS_ERR_TOO_LONG; a <= UACCESS_OK; a++) {
        assert_string_not_equal(uaccess_strerror(a), "unknown uaccess error");
        for (int c = UACCESS_ERR_TOO_LONG; c < a; c++)
            assert_string_not_equal(uaccess_strerror(a), uaccess_strerror(c));
    }
    assert_string_equal(uaccess_strerror(UACCESS_ERR_TOO_LONG - 1), "unknown uaccess error");
    assert_string_equal(uaccess_strerror(1), "unknown uaccess error");
}

int main(void)
{
#define TEST(fn) cmocka_unit_test_setup_teardown(fn, machine_setup, machine_teardown)
    const struct CMUnitTest tests[] = {
        TEST(test_len_zero_always_ok),
        TEST(test_null),
        TEST(test_wrap),
        TEST(test_kernel_and_non_canonical),
        TEST(test_unmapped),
        TEST(test_not_user),
        TEST(test_read_only),
        TEST(test_lowest_bad_page_decides),
        TEST(test_large_page),
        TEST(test_copy_across_scattered_frames),
        TEST(test_copy_single_bytes_and_page_edges),
        TEST(test_copy_large_page),
        TEST(test_failed_copy_changes_nothing),
        TEST(test_string_simple),
        TEST(test_string_across_pages),
        TEST(test_string_limit),
        TEST(test_string_ends_before_hole),
        TEST(test_string_runs_into_hole),
        TEST(test_string_runs_into_kernel_only_page),
        TEST(test_string_runs_out_of_user_half),
        TEST(test_string_in_large_page),
        TEST(test_strerror),
    };
    return cmocka_run_group_tests_name("uaccess", tests, NULL, NULL);
}
