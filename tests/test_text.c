/*
 * tests/test_text.c - host tests for the bounded text buffer (src/lib/text.c)
 * that the heap pictures and the arena heap's report are written with.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "lib/text.h"

static void test_appends_and_counts(void **state)
{
    (void)state;
    char buf[32];
    struct text t = text_over(buf, sizeof(buf));
    assert_string_equal(buf, "");
    text_printf(&t, "arena %u at %#x", 2u, 0x1000u);
    text_printf(&t, "%s", "!");
    assert_string_equal(buf, "arena 2 at 0x1000!");
    assert_int_equal(t.len, strlen("arena 2 at 0x1000!"));
}

static void test_cuts_at_the_end_and_keeps_counting(void **state)
{
    (void)state;
    char buf[8];
    memset(buf, 'X', sizeof(buf));
    struct text t = text_over(buf, sizeof(buf));
    text_printf(&t, "0123456789");
    text_printf(&t, "abc"); /* no room at all: only counted */
    assert_string_equal(buf, "0123456");
    assert_int_equal(t.len, 13);
}

static void test_null_buffer_of_size_zero_only_counts(void **state)
{
    (void)state;
    struct text t = text_over(NULL, 0);
    text_printf(&t, "%d", 12345);
    text_indented(&t, "  ", "a\nb");
    assert_int_equal(t.len, 5 + 7);
}

static void test_indented_prefixes_every_line(void **state)
{
    (void)state;
    char buf[64];
    struct text t = text_over(buf, sizeof(buf));
    text_indented(&t, "  ", "one\ntwo\n");
    text_indented(&t, "> ", "three");
    assert_string_equal(buf, "  one\n  two\n> three");
}

static void test_sizes_short_and_spelt_out(void **state)
{
    (void)state;
    char buf[128];
    struct text t = text_over(buf, sizeof(buf));
    const size_t sizes[] = {32, 1024, 64u << 20, 1u << 30, 1536, 3u << 30};
    for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
        text_size(&t, sizes[i]);
        text_printf(&t, "/");
        text_bytes(&t, sizes[i]);
        text_printf(&t, " ");
    }
    assert_string_equal(buf, "32/32 B 1K/1 KiB 64M/64 MiB 1G/1 GiB 1536/1536 B 3G/3 GiB ");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_appends_and_counts),
        cmocka_unit_test(test_cuts_at_the_end_and_keeps_counting),
        cmocka_unit_test(test_null_buffer_of_size_zero_only_counts),
        cmocka_unit_test(test_indented_prefixes_every_line),
        cmocka_unit_test(test_sizes_short_and_spelt_out),
    };
    return cmocka_run_group_tests_name("text", tests, NULL, NULL);
}
