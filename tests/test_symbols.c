/*
 * tests/test_symbols.c - host unit tests for kernel/symbols.c: finding
 * .symtab and .strtab among ELF section headers, naming the function an
 * address is in, and copying the code symbols out of GRUB's memory.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "kernel/symbols.h"

#define INFO(bind, type) ((uint8_t)((bind) << 4 | (type)))
#define LOCAL 0
#define GLOBAL ELF_STB_GLOBAL
#define STT_OBJECT 1
#define STT_SECTION 3
#define TEXT 3 /* a section index standing in for .text */

/* Names packed as ELF packs them: offset 0 is the empty name. */
static const char strings[] = "\0alpha\0beta\0gamma\0label\0__text_start\0data\0undef\0abs\0sect";
enum {
    ALPHA = 1,
    BETA = 7,
    GAMMA = 12,
    LABEL = 18,
    TEXT_START = 24,
    DATA = 37,
    UNDEF = 42,
    ABS = 48,
    SECT = 52
};

/*
 * 0x1000 label (asm, no size), 0x1000 __text_start (a global marker)
 * 0x1100 alpha [0x1100, 0x1140)   0x1140 beta [0x1140, 0x1200)
 * gap 0x1200..0x1300              0x1300 gamma [0x1300, 0x1310)
 * plus symbols that must never name code.
 */
static const struct elf64_sym syms[] = {
    {0, 0, 0, 0, 0, 0},
    {LABEL, INFO(LOCAL, ELF_STT_NOTYPE), 0, TEXT, 0x1000, 0},
    {BETA, INFO(GLOBAL, ELF_STT_FUNC), 0, TEXT, 0x1140, 0xc0},
    {ALPHA, INFO(LOCAL, ELF_STT_FUNC), 0, TEXT, 0x1100, 0x40},
    {DATA, INFO(GLOBAL, STT_OBJECT), 0, TEXT, 0x1200, 0x100},
    {SECT, INFO(LOCAL, STT_SECTION), 0, TEXT, 0x1250, 0},
    {UNDEF, INFO(GLOBAL, ELF_STT_FUNC), 0, ELF_SHN_UNDEF, 0x1260, 0x10},
    {ABS, INFO(GLOBAL, ELF_STT_NOTYPE), 0, ELF_SHN_ABS, 0x1270, 0},
    {GAMMA, INFO(GLOBAL, ELF_STT_FUNC), 0, TEXT, 0x1300, 0x10},
    {TEXT_START, INFO(GLOBAL, ELF_STT_NOTYPE), 0, TEXT, 0x1000, 0},
};

static const struct symbol_table table = {syms, sizeof(syms) / sizeof(syms[0]), strings,
                                          sizeof(strings)};

/* Looks addr up and returns "name+0xOFF" (or "-" when nothing matched). */
static const char *lookup(const struct symbol_table *t, uint64_t addr)
{
    static char buf[64];
    struct symbol_match m;
    if (!symbols_lookup(t, addr, &m))
        return "-";
    snprintf(buf, sizeof(buf), "%s+%#llx", m.name, (unsigned long long)m.offset);
    assert_int_equal(m.start + m.offset, addr);
    return buf;
}

static void test_inside_a_function(void **state)
{
    (void)state;
    assert_string_equal("alpha+0", lookup(&table, 0x1100));
    assert_string_equal("alpha+0x20", lookup(&table, 0x1120));
    assert_string_equal("alpha+0x3f", lookup(&table, 0x113f));
    assert_string_equal("beta+0", lookup(&table, 0x1140)); /* one past alpha is beta */
    assert_string_equal("beta+0xbf", lookup(&table, 0x11ff));
    assert_string_equal("gamma+0xf", lookup(&table, 0x130f));
}

static void test_past_the_end_of_a_function_is_nothing(void **state)
{
    (void)state;
    /* The data object, section and ABS symbols in the gap name nothing. */
    assert_string_equal("-", lookup(&table, 0x1200));
    assert_string_equal("-", lookup(&table, 0x1255));
    assert_string_equal("-", lookup(&table, 0x1265)); /* an undefined symbol's "range" */
    assert_string_equal("-", lookup(&table, 0x1275));
    assert_string_equal("-", lookup(&table, 0x1310));
    assert_string_equal("-", lookup(&table, UINT64_MAX));
}

static void test_below_every_symbol_is_nothing(void **state)
{
    (void)state;
    assert_string_equal("-", lookup(&table, 0));
    assert_string_equal("-", lookup(&table, 0xfff));
}

static void test_label_claims_up_to_the_next_symbol(void **state)
{
    (void)state;
    /* The local label wins over the linker-script marker at the same address. */
    assert_string_equal("label+0", lookup(&table, 0x1000));
    assert_string_equal("label+0xff", lookup(&table, 0x10ff));
}

static void test_function_beats_label_at_the_same_address(void **state)
{
    (void)state;
    struct elf64_sym s[] = {
        {LABEL, INFO(GLOBAL, ELF_STT_NOTYPE), 0, TEXT, 0x2000, 0},
        {ALPHA, INFO(LOCAL, ELF_STT_FUNC), 0, TEXT, 0x2000, 0x10},
    };
    struct symbol_table t = {s, 2, strings, sizeof(strings)};
    assert_string_equal("alpha+0x4", lookup(&t, 0x2004));
    /* Past the function's end the nearest symbol is still the function: nothing. */
    assert_string_equal("-", lookup(&t, 0x2010));
}

static void test_broken_names_name_nothing(void **state)
{
    (void)state;
    struct elf64_sym s[] = {{500, INFO(GLOBAL, ELF_STT_FUNC), 0, TEXT, 0x3000, 0x10}};
    struct symbol_table t = {s, 1, strings, sizeof(strings)};
    assert_string_equal("-", lookup(&t, 0x3004)); /* name offset past the strings */
    const char unterminated[] = {'\0', 'a', 'b'};
    s[0].st_name = 1;
    struct symbol_table u = {s, 1, unterminated, sizeof(unterminated)};
    assert_string_equal("-", lookup(&u, 0x3004));
}

static void test_empty_table(void **state)
{
    (void)state;
    struct symbol_table t = {0, 0, 0, 0};
    assert_string_equal("-", lookup(&t, 0x1000));
}

/* ---- section headers ---------------------------------------------------- */

static uint8_t shdr_bytes[5 * sizeof(struct elf64_shdr)];

/* NULL, .text, .symtab (linked to 4), .shstrtab, .strtab, as GRUB passes them. */
static size_t make_headers(uint64_t symtab_addr, uint64_t strtab_addr, uint32_t link)
{
    struct elf64_shdr h[5] = {{0}};
    h[1] = (struct elf64_shdr){
        .sh_type = 1, .sh_flags = 6, .sh_addr = 0xffffffff80100000, .sh_size = 0x1000};
    h[2] = (struct elf64_shdr){.sh_type = ELF_SHT_SYMTAB,
                               .sh_addr = symtab_addr,
                               .sh_size = 10 * sizeof(struct elf64_sym),
                               .sh_link = link,
                               .sh_entsize = sizeof(struct elf64_sym)};
    h[3] = (struct elf64_shdr){.sh_type = ELF_SHT_STRTAB, .sh_addr = 0x9000, .sh_size = 0x50};
    h[4] = (struct elf64_shdr){.sh_type = ELF_SHT_STRTAB, .sh_addr = strtab_addr, .sh_size = 0x80};
    memcpy(shdr_bytes, h, sizeof(h));
    return sizeof(h);
}

static void test_finds_symtab_and_its_strtab(void **state)
{
    (void)state;
    size_t n = make_headers(0x1d3ad0, 0x1d8000, 4);
    struct symbol_sections at;
    const char *why = "untouched";
    assert_true(symbols_find_sections(shdr_bytes, n, 5, sizeof(struct elf64_shdr), &at, &why));
    assert_int_equal(0x1d3ad0, at.symtab_addr);
    assert_int_equal(10 * sizeof(struct elf64_sym), at.symtab_size);
    assert_int_equal(0x1d8000, at.strtab_addr); /* sh_link's, not the first STRTAB */
    assert_int_equal(0x80, at.strtab_size);
}

static void test_sections_not_loaded(void **state)
{
    (void)state;
    size_t n = make_headers(0, 0x1d8000, 4);
    struct symbol_sections at;
    const char *why = 0;
    assert_false(symbols_find_sections(shdr_bytes, n, 5, sizeof(struct elf64_shdr), &at, &why));
    assert_non_null(strstr(why, "did not load"));
}

static void test_bad_headers(void **state)
{
    (void)state;
    struct symbol_sections at;
    const char *why = 0;
    size_t n = make_headers(0x1000, 0x2000, 1); /* linked to .text: not a string table */
    assert_false(symbols_find_sections(shdr_bytes, n, 5, sizeof(struct elf64_shdr), &at, &why));
    assert_non_null(strstr(why, "not a string table"));
    n = make_headers(0x1000, 0x2000, 9); /* linked past the last header */
    assert_false(symbols_find_sections(shdr_bytes, n, 5, sizeof(struct elf64_shdr), &at, &why));
    n = make_headers(0x1000, 0x2000, 4);
    assert_false(symbols_find_sections(shdr_bytes, n, 5, 40, &at, &why)); /* ELF32-sized */
    assert_non_null(strstr(why, "ELF64"));
    /* Only the first two headers were copied: no .symtab among them. */
    assert_false(symbols_find_sections(shdr_bytes, 2 * sizeof(struct elf64_shdr), 5,
                                       sizeof(struct elf64_shdr), &at, &why));
    assert_non_null(strstr(why, "no .symtab"));
    /* NULL why is allowed. */
    assert_false(symbols_find_sections(shdr_bytes, 0, 5, sizeof(struct elf64_shdr), &at, 0));
}

/* ---- copying ------------------------------------------------------------ */

static void test_copy_keeps_only_code_in_range(void **state)
{
    (void)state;
    struct elf64_sym out[16];
    char names[128];
    struct symbol_table copy;
    size_t dropped =
        symbols_copy_code(&table, 0x1000, 0x1300, out, 16, names, sizeof(names), &copy);
    assert_int_equal(0, dropped);
    assert_int_equal(4, copy.count); /* label, beta, alpha, __text_start; not gamma (>= hi) */
    /* Same answers as the original table, from the re-packed copy. */
    assert_string_equal("label+0x10", lookup(&copy, 0x1010));
    assert_string_equal("alpha+0x8", lookup(&copy, 0x1108));
    assert_string_equal("beta+0x40", lookup(&copy, 0x1180));
    assert_string_equal("-", lookup(&copy, 0x1300));
    assert_int_equal(1 + 6 + 5 + 6 + 13, copy.strings_size); /* "" + the four names */
}

static void test_copy_reports_what_did_not_fit(void **state)
{
    (void)state;
    struct elf64_sym out[2];
    char names[128];
    struct symbol_table copy;
    assert_int_equal(3,
                     symbols_copy_code(&table, 0, UINT64_MAX, out, 2, names, sizeof(names), &copy));
    assert_int_equal(2, copy.count);
    char tiny[8]; /* "" + "label" fits, then nothing else does */
    struct elf64_sym many[16];
    assert_int_equal(4,
                     symbols_copy_code(&table, 0, UINT64_MAX, many, 16, tiny, sizeof(tiny), &copy));
    assert_int_equal(1, copy.count);
    assert_string_equal("label+0", lookup(&copy, 0x1000));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_inside_a_function),
        cmocka_unit_test(test_past_the_end_of_a_function_is_nothing),
        cmocka_unit_test(test_below_every_symbol_is_nothing),
        cmocka_unit_test(test_label_claims_up_to_the_next_symbol),
        cmocka_unit_test(test_function_beats_label_at_the_same_address),
        cmocka_unit_test(test_broken_names_name_nothing),
        cmocka_unit_test(test_empty_table),
        cmocka_unit_test(test_finds_symtab_and_its_strtab),
        cmocka_unit_test(test_sections_not_loaded),
        cmocka_unit_test(test_bad_headers),
        cmocka_unit_test(test_copy_keeps_only_code_in_range),
        cmocka_unit_test(test_copy_reports_what_did_not_fit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
