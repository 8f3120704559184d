/*
 * tests/test_cmdline.c - host unit tests for lib/cmdline.c: splitting the
 * kernel command line into key=value arguments, and reading comma lists.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "lib/cmdline.h"

#define MAX_ARGS 8

/* Any bits cmdline_split must clear: it reports only this call's problems. */
#define STALE_PROBLEMS 0xffffu

/* Fill args with junk so a test notices a field that split forgot to set. */
static void fill_with_junk(struct cmdline_arg *args, size_t n)
{
    memset(args, '#', n * sizeof *args);
    for (size_t i = 0; i < n; i++) {
        args[i].key[sizeof args[i].key - 1] = '\0';
        args[i].value[sizeof args[i].value - 1] = '\0';
        args[i].has_value = true;
    }
}

static void expect_flag(const struct cmdline_arg *arg, const char *key)
{
    assert_string_equal(arg->key, key);
    assert_false(arg->has_value);
    assert_string_equal(arg->value, "");
}

static void expect_pair(const struct cmdline_arg *arg, const char *key, const char *value)
{
    assert_string_equal(arg->key, key);
    assert_true(arg->has_value);
    assert_string_equal(arg->value, value);
}

/* ---- cmdline_split: words ---------------------------------------------- */

static void test_null_and_empty(void **state)
{
    (void)state;
    struct cmdline_arg args[MAX_ARGS];
    unsigned problems = STALE_PROBLEMS;

    assert_int_equal(cmdline_split(NULL, args, MAX_ARGS, &problems), 0);
    assert_int_equal(problems, 0);

    problems = STALE_PROBLEMS;
    assert_int_equal(cmdline_split("", args, MAX_ARGS, &problems), 0);
    assert_int_equal(problems, 0);

    problems = STALE_PROBLEMS;
    assert_int_equal(cmdline_split("  \t \t  ", args, MAX_ARGS, &problems), 0);
    assert_int_equal(problems, 0);
}

static void test_single_flag(void **state)
{
    (void)state;
    struct cmdline_arg args[MAX_ARGS];
    unsigned problems = STALE_PROBLEMS;
    fill_with_junk(args, MAX_ARGS);

    assert_int_equal(cmdline_split("quiet", args, MAX_ARGS, &problems), 1);
    assert_int_equal(problems, 0);
    expect_flag(&args[0], "quiet");
}

static void test_key_value_pairs(void **state)
{
    (void)state;
    struct cmdline_arg args[MAX_ARGS];
    unsigned problems = STALE_PROBLEMS;
    fill_with_junk(args, MAX_ARGS);

    assert_int_equal(cmdline_split("ktest=pmm,vmm log=debug quiet", args, MAX_ARGS, &problems), 3);
    assert_int_equal(problems, 0);
    expect_pair(&args[0], "ktest", "pmm,vmm");
    expect_pair(&args[1], "log", "debug");
    expect_flag(&args[2], "quiet");
}

static void test_spaces_and_tabs_separate(void **state)
{
    (void)state;
    struct cmdline_arg args[MAX_ARGS];
    unsigned problems = STALE_PROBLEMS;

    assert_int_equal(cmdline_split("  a=1 \t\t b   c=2\t", args, MAX_ARGS, &problems), 3);
    assert_int_equal(problems, 0);
    expect_pair(&args[0], "a", "1");
    expect_flag(&args[1], "b");
    expect_pair(&args[2], "c", "2");
}

static void test_newlines_separate(void **state)
{
    (void)state;
    struct cmdline_arg args[MAX_ARGS];
    unsigned problems = STALE_PROBLEMS;

    assert_int_equal(cmdline_split("a\nb=2\r\n", args, MAX_ARGS, &problems), 2);
    assert_int_equal(problems, 0);
    expect_flag(&args[0], "a");
    expect_pair(&args[1], "b", "2");
}

static void test_empty_value_and_empty_key(void **state)
{
    (void)state;
    struct cmdline_arg args[MAX_ARGS];
    unsigned problems = STALE_PROBLEMS;
    fill_with_junk(args, MAX_ARGS);

    assert_int_equal(cmdline_split("key= =value", args, MAX_ARGS, &problems), 2);
    assert_int_equal(problems, 0);
    expect_pair(&args[0], "key", "");
    expect_pair(&args[1], "", "value");
}

static void test_only_first_equals_splits(void **state)
{
    (void)state;
    struct cmdline_arg args[MAX_ARGS];
    unsigned problems = STALE_PROBLEMS;

    assert_int_equal(cmdline_split("a=b=c d==", args, MAX_ARGS, &problems), 2);
    assert_int_equal(problems, 0);
    expect_pair(&args[0], "a", "b=c");
    expect_pair(&args[1], "d", "=");
}

/* ---- cmdline_split: quotes --------------------------------------------- */

static void test_quoted_value_keeps_spaces(void **state)
{
    (void)state;
    struct cmdline_arg args[MAX_ARGS];
    unsigned problems = STALE_PROBLEMS;

    assert_int_equal(cmdline_split("name=\"my kiln\" quiet", args, MAX_ARGS, &problems), 2);
    assert_int_equal(problems, 0);
    expect_pair(&args[0], "name", "my kiln");
    expect_flag(&args[1], "quiet");
}

static void test_quoted_value_keeps_tabs_and_equals(void **state)
{
    (void)state;
    struct cmdline_arg args[MAX_ARGS];
    unsigned problems = STALE_PROBLEMS;

    assert_int_equal(cmdline_split("x=\"a\tb=c  d\"", args, MAX_ARGS, &problems), 1);
    assert_int_equal(problems, 0);
    expect_pair(&args[0], "x", "a\tb=c  d");
}

static void test_empty_quotes(void **state)
{
    (void)state;
    struct cmdline_arg args[MAX_ARGS];
    unsigned problems = STALE_PROBLEMS;

    assert_int_equal(cmdline_split("name=\"\" next", args, MAX_ARGS, &problems), 2);
    assert_int_equal(problems, 0);
    expect_pair(&args[0], "name", "");
    expect_flag(&args[1], "next");
}

static void test_quotes_inside_a_word(void **state)
{
    (void)state;
    struct cmdline_arg args[MAX_ARGS];
    unsigned problems = STALE_PROBLEMS;

    /* Quote marks group and vanish wherever they are in the word. */
    assert_int_equal(
        cmdline_split("a=\"x y\"z b=x\" \"y \"c d\"=1 \"e=f\"", args, MAX_ARGS, &problems), 4);
    assert_int_equal(problems, 0);
    expect_pair(&args[0], "a", "x yz");
    expect_pair(&args[1], "b", "x y");
    expect_pair(&args[2], "c d", "1");
    expect_flag(&args[3], "e=f"); /* a quoted '=' does not split */
}

static void test_unterminated_quote(void **state)
{
    (void)state;
    struct cmdline_arg args[MAX_ARGS];
    unsigned problems = STALE_PROBLEMS;

    /* The open quote swallows the rest of the line into one value. */
    assert_int_equal(cmdline_split("first name=\"a b c=d", args, MAX_ARGS, &problems), 2);
    assert_int_equal(problems, CMDLINE_UNTERMINATED_QUOTE);
    expect_flag(&args[0], "first");
    expect_pair(&args[1], "name", "a b c=d");
}

/* ---- cmdline_split: things that do not fit ----------------------------- */

static void make_run(char *buf, char c, size_t n)
{
    memset(buf, c, n);
    buf[n] = '\0';
}

static void test_longest_key_and_value_fit(void **state)
{
    (void)state;
    char key[CMDLINE_KEY_MAX], value[CMDLINE_VALUE_MAX];
    char line[CMDLINE_KEY_MAX + CMDLINE_VALUE_MAX + 2];
    struct cmdline_arg args[MAX_ARGS];
    unsigned problems = STALE_PROBLEMS;

    make_run(key, 'k', CMDLINE_KEY_MAX - 1);
    make_run(value, 'v', CMDLINE_VALUE_MAX - 1);
    strcpy(line, key);
    strcat(line, "=");
    strcat(line, value);

    assert_int_equal(cmdline_split(line, args, MAX_ARGS, &problems), 1);
    assert_int_equal(problems, 0);
    expect_pair(&args[0], key, value);
}

static void test_key_truncated(void **state)
{
    (void)state;
    char key[CMDLINE_KEY_MAX + 8];
    char line[sizeof key + 16];
    struct cmdline_arg args[MAX_ARGS];
    unsigned problems = STALE_PROBLEMS;

    make_run(key, 'k', CMDLINE_KEY_MAX); /* one character too many */
    strcpy(line, key);
    strcat(line, "=v next");

    assert_int_equal(cmdline_split(line, args, MAX_ARGS, &problems), 2);
    assert_int_equal(problems, CMDLINE_KEY_TRUNCATED);
    assert_int_equal(strlen(args[0].key), CMDLINE_KEY_MAX - 1);
    key[CMDLINE_KEY_MAX - 1] = '\0';
    expect_pair(&args[0], key, "v");
    expect_flag(&args[1], "next");
}

static void test_value_truncated(void **state)
{
    (void)state;
    char value[CMDLINE_VALUE_MAX + 64];
    char line[sizeof value + 16];
    struct cmdline_arg args[MAX_ARGS];
    unsigned problems = STALE_PROBLEMS;

    make_run(value, 'v', CMDLINE_VALUE_MAX + 50);
    strcpy(line, "k=");
    strcat(line, value);
    strcat(line, " next");

    assert_int_equal(cmdline_split(line, args, MAX_ARGS, &problems), 2);
    assert_int_equal(problems, CMDLINE_VALUE_TRUNCATED);
    assert_int_equal(strlen(args[0].value), CMDLINE_VALUE_MAX - 1);
    value[CMDLINE_VALUE_MAX - 1] = '\0';
    expect_pair(&args[0], "k", value);
    expect_flag(&args[1], "next");
}

static void test_problems_accumulate(void **state)
{
    (void)state;
    char line[512];
    char key[CMDLINE_KEY_MAX + 2], value[CMDLINE_VALUE_MAX + 2];
    struct cmdline_arg args[MAX_ARGS];
    unsigned problems = STALE_PROBLEMS;

    make_run(key, 'k', CMDLINE_KEY_MAX + 1);
    make_run(value, 'v', CMDLINE_VALUE_MAX + 1);
    strcpy(line, key);
    strcat(line, " x=");
    strcat(line, value);
    strcat(line, " q=\"open");

    assert_int_equal(cmdline_split(line, args, MAX_ARGS, &problems), 3);
    assert_int_equal(problems,
                     CMDLINE_KEY_TRUNCATED | CMDLINE_VALUE_TRUNCATED | CMDLINE_UNTERMINATED_QUOTE);
    expect_pair(&args[2], "q", "open");
}

static void test_too_many_args(void **state)
{
    (void)state;
    struct cmdline_arg args[3];
    unsigned problems = STALE_PROBLEMS;
    fill_with_junk(args, 3);

    assert_int_equal(cmdline_split("a b=2 c d", args, 2, &problems), 2);
    assert_int_equal(problems, CMDLINE_TOO_MANY);
    expect_flag(&args[0], "a");
    expect_pair(&args[1], "b", "2");
    assert_int_equal(args[2].key[0], '#'); /* beyond max: never written */
}

static void test_exactly_max_args_is_fine(void **state)
{
    (void)state;
    struct cmdline_arg args[2];
    unsigned problems = STALE_PROBLEMS;

    assert_int_equal(cmdline_split(" a  b ", args, 2, &problems), 2);
    assert_int_equal(problems, 0);
    expect_flag(&args[0], "a");
    expect_flag(&args[1], "b");
}

static void test_dropped_words_report_only_too_many(void **state)
{
    (void)state;
    struct cmdline_arg args[1];
    unsigned problems = STALE_PROBLEMS;

    /* The dropped word's own faults (open quote) are not reported: it is gone. */
    assert_int_equal(cmdline_split("a b=\"open", args, 1, &problems), 1);
    assert_int_equal(problems, CMDLINE_TOO_MANY);
    expect_flag(&args[0], "a");
}

static void test_max_zero(void **state)
{
    (void)state;
    unsigned problems = STALE_PROBLEMS;

    assert_int_equal(cmdline_split("a", NULL, 0, &problems), 0);
    assert_int_equal(problems, CMDLINE_TOO_MANY);

    problems = STALE_PROBLEMS;
    assert_int_equal(cmdline_split("   ", NULL, 0, &problems), 0);
    assert_int_equal(problems, 0);
}

static void test_problems_may_be_null(void **state)
{
    (void)state;
    struct cmdline_arg args[1];

    assert_int_equal(cmdline_split("a b \"c", args, 1, NULL), 1);
    expect_flag(&args[0], "a");
}

/* ---- cmdline_list_contains --------------------------------------------- */

static void test_list_contains_exact_words(void **state)
{
    (void)state;
    assert_true(cmdline_list_contains("pmm,vmm", "pmm"));
    assert_true(cmdline_list_contains("pmm,vmm", "vmm"));
    assert_true(cmdline_list_contains("pmm", "pmm"));
    assert_false(cmdline_list_contains("pmm,vmm", "pm"));
    assert_false(cmdline_list_contains("pmm,vmm", "mm"));
    assert_false(cmdline_list_contains("pmm,vmm", "pmmx"));
    assert_false(cmdline_list_contains("pmm,vmm", "vm"));
    assert_false(cmdline_list_contains("pmm,vmm", "PMM"));
    assert_false(cmdline_list_contains("pmm,vmm", "pmm,vmm"));
    assert_true(cmdline_list_contains("pmmx,pmm", "pmm")); /* a near miss first */
    assert_false(cmdline_list_contains("pmmx,xpmm", "pmm"));
}

static void test_list_contains_all_is_not_special(void **state)
{
    (void)state;
    assert_false(cmdline_list_contains("all", "pmm"));
    assert_false(cmdline_list_contains("pmm,vmm", "all"));
    assert_true(cmdline_list_contains("pmm,all", "all"));
}

static void test_list_contains_empty_items_and_blanks(void **state)
{
    (void)state;
    assert_true(cmdline_list_contains(",,pmm,", "pmm"));
    assert_true(cmdline_list_contains(" pmm , vmm ", "vmm"));
    assert_true(cmdline_list_contains(" pmm , vmm ", "pmm"));
    assert_false(cmdline_list_contains(",,,", ""));
    assert_false(cmdline_list_contains("a,,b", ""));
    assert_false(cmdline_list_contains("", "pmm"));
}

static void test_list_contains_null(void **state)
{
    (void)state;
    assert_false(cmdline_list_contains(NULL, "pmm"));
    assert_false(cmdline_list_contains("pmm", NULL));
}

/* ---- cmdline_list_next ------------------------------------------------- */

static void test_list_next_iterates(void **state)
{
    (void)state;
    const char *cursor = "pmm,vmm,heap";
    char word[16];

    assert_int_equal(cmdline_list_next(&cursor, word, sizeof word), 3);
    assert_string_equal(word, "pmm");
    assert_int_equal(cmdline_list_next(&cursor, word, sizeof word), 3);
    assert_string_equal(word, "vmm");
    assert_int_equal(cmdline_list_next(&cursor, word, sizeof word), 4);
    assert_string_equal(word, "heap");
    assert_int_equal(cmdline_list_next(&cursor, word, sizeof word), 0);
    assert_string_equal(word, "");
    /* Once finished, it stays finished. */
    assert_int_equal(cmdline_list_next(&cursor, word, sizeof word), 0);
}

static void test_list_next_skips_empty_items(void **state)
{
    (void)state;
    const char *cursor = ",,a,";
    char word[16];

    assert_int_equal(cmdline_list_next(&cursor, word, sizeof word), 1);
    assert_string_equal(word, "a");
    assert_int_equal(cmdline_list_next(&cursor, word, sizeof word), 0);
    assert_string_equal(word, "");

    cursor = ",,,,";
    assert_int_equal(cmdline_list_next(&cursor, word, sizeof word), 0);
    cursor = "";
    assert_int_equal(cmdline_list_next(&cursor, word, sizeof word), 0);
}

static void test_list_next_trims_blanks(void **state)
{
    (void)state;
    const char *cursor = " a b , ,\tc ";
    char word[16];

    assert_int_equal(cmdline_list_next(&cursor, word, sizeof word), 3);
    assert_string_equal(word, "a b");
    assert_int_equal(cmdline_list_next(&cursor, word, sizeof word), 1);
    assert_string_equal(word, "c");
    assert_int_equal(cmdline_list_next(&cursor, word, sizeof word), 0);
}

static void test_list_next_truncates_long_items(void **state)
{
    (void)state;
    const char *cursor = "abcdef,gh";
    char word[4];

    assert_int_equal(cmdline_list_next(&cursor, word, sizeof word), 3);
    assert_string_equal(word, "abc");
    /* The cursor moved past the whole long item, not just what fit. */
    assert_int_equal(cmdline_list_next(&cursor, word, sizeof word), 2);
    assert_string_equal(word, "gh");
    assert_int_equal(cmdline_list_next(&cursor, word, sizeof word), 0);
}

static void test_parse_hex_accepts_addresses(void **state)
{
    (void)state;
    uint64_t v = 0;
    assert_true(cmdline_parse_hex("0xffff800000100000", &v));
    assert_int_equal(0xffff800000100000ULL, v);
    assert_true(cmdline_parse_hex("B8000", &v));
    assert_int_equal(0xb8000, v);
    assert_true(cmdline_parse_hex("0XFFFFFFFFFFFFFFFF", &v));
    assert_int_equal(UINT64_MAX, v);
    assert_true(cmdline_parse_hex("0", &v));
    assert_int_equal(0, v);
}

static void test_parse_hex_refuses_the_rest(void **state)
{
    (void)state;
    const char *bad[] = {"", "0x", "12g", "-1", " 12", "0x1 ", "10000000000000000", "nothex"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        uint64_t v = 0x5a5a;
        if (cmdline_parse_hex(bad[i], &v) || v != 0x5a5a)
            fail_msg("cmdline_parse_hex(\"%s\"): expected false with the output untouched, got "
                     "true or %#llx",
                     bad[i], (unsigned long long)v);
    }
    assert_false(cmdline_parse_hex(NULL, NULL));
}

static void test_list_next_bad_arguments(void **state)
{
    (void)state;
    const char *cursor = NULL;
    char word[4] = {'X', 'X', 'X', '\0'};

    assert_int_equal(cmdline_list_next(&cursor, word, sizeof word), 0);
    assert_int_equal(cmdline_list_next(NULL, word, sizeof word), 0);

    cursor = "abc";
    assert_int_equal(cmdline_list_next(&cursor, word, 0), 0);
    assert_string_equal(word, "XXX"); /* max 0: not even a NUL written */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_null_and_empty),
        cmocka_unit_test(test_single_flag),
        cmocka_unit_test(test_key_value_pairs),
        cmocka_unit_test(test_spaces_and_tabs_separate),
        cmocka_unit_test(test_newlines_separate),
        cmocka_unit_test(test_empty_value_and_empty_key),
        cmocka_unit_test(test_only_first_equals_splits),
        cmocka_unit_test(test_quoted_value_keeps_spaces),
        cmocka_unit_test(test_quoted_value_keeps_tabs_and_equals),
        cmocka_unit_test(test_empty_quotes),
        cmocka_unit_test(test_quotes_inside_a_word),
        cmocka_unit_test(test_unterminated_quote),
        cmocka_unit_test(test_longest_key_and_value_fit),
        cmocka_unit_test(test_key_truncated),
        cmocka_unit_test(test_value_truncated),
        cmocka_unit_test(test_problems_accumulate),
        cmocka_unit_test(test_too_many_args),
        cmocka_unit_test(test_exactly_max_args_is_fine),
        cmocka_unit_test(test_dropped_words_report_only_too_many),
        cmocka_unit_test(test_max_zero),
        cmocka_unit_test(test_problems_may_be_null),
        cmocka_unit_test(test_list_contains_exact_words),
        cmocka_unit_test(test_list_contains_all_is_not_special),
        cmocka_unit_test(test_list_contains_empty_items_and_blanks),
        cmocka_unit_test(test_list_contains_null),
        cmocka_unit_test(test_list_next_iterates),
        cmocka_unit_test(test_list_next_skips_empty_items),
        cmocka_unit_test(test_list_next_trims_blanks),
        cmocka_unit_test(test_list_next_truncates_long_items),
        cmocka_unit_test(test_list_next_bad_arguments),
        cmocka_unit_test(test_parse_hex_accepts_addresses),
        cmocka_unit_test(test_parse_hex_refuses_the_rest),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
