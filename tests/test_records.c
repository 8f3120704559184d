/*
 * tests/test_records.c - the record writers of src/kernel/record_writer.c.
 *
 * Every record is checked to be one valid JSON object (a small strict parser
 * below), printable ASCII, within RECORD_LINE_MAX, with the version and the
 * fields docs/records.md promises. The layers' records are taken from real
 * structures: page tables built by hand in a buffer (read through the VMM's
 * window like the kernel's), a real buddy allocator, a real memory map.
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
#include "kernel/record_writer.h"
#include "mm/layout.h"

/* ---- collecting and checking records ----------------------------------------- */

#define MAX_LINES 512

struct lines {
    unsigned n;
    char *line[MAX_LINES];
};

static void collect(void *ctx, const char *json)
{
    struct lines *l = ctx;
    assert_true(l->n < MAX_LINES);
    l->line[l->n++] = strdup(json);
}

static void lines_free(struct lines *l)
{
    for (unsigned i = 0; i < l->n; i++)
        free(l->line[i]);
    l->n = 0;
}

/* A strict JSON parser that only says whether the text is valid. */
static const char *json_value(const char *p, int depth);

static const char *json_ws(const char *p)
{
    while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
        p++;
    return p;
}

static const char *json_string(const char *p)
{
    if (*p++ != '"')
        return NULL;
    for (;;) {
        unsigned char c = (unsigned char)*p++;
        if (c == '"')
            return p;
        if (c < 0x20)
            return NULL;
        if (c == '\\') {
            char e = *p++;
            if (e == 'u') {
                for (int i = 0; i < 4; i++)
                    if (!strchr("0123456789abcdefABCDEF", *p++) || !p[-1])
                        return NULL;
            } else if (!e || !strchr("\"\\/bfnrt", e)) {
                return NULL;
            }
        }
    }
}

static const char *json_value(const char *p, int depth)
{
    if (depth > 16)
        return NULL;
    p = json_ws(p);
    if (*p == '"')
        return json_string(p);
    if (*p == '{' || *p == '[') {
        char close = *p == '{' ? '}' : ']';
        bool object = *p == '{';
        p = json_ws(p + 1);
        if (*p == close)
            return p + 1;
        for (;;) {
            if (object) {
                p = json_string(json_ws(p));
                if (!p)
                    return NULL;
                p = json_ws(p);
                if (*p++ != ':')
                    return NULL;
            }
            p = json_value(p, depth + 1);
            if (!p)
                return NULL;
            p = json_ws(p);
            if (*p == close)
                return p + 1;
            if (*p++ != ',')
                return NULL;
        }
    }
    if (!strncmp(p, "true", 4))
        return p + 4;
    if (!strncmp(p, "false", 5))
        return p + 5;
    if (!strncmp(p, "null", 4))
        return p + 4;
    const char *start = p;
    if (*p == '-')
        p++;
    if (*p == '0')
        p++;
    else
        while (*p >= '0' && *p <= '9')
            p++;
    return p == start ? NULL : p;
}

/* The record is one JSON object, printable ASCII, not too long, version 1. */
static void check_record(const char *line)
{
    size_t len = strlen(line);
    if (len > RECORD_LINE_MAX)
        fail_msg("a record of %zu bytes, more than RECORD_LINE_MAX (%d): %.80s...", len,
                 RECORD_LINE_MAX, line);
    for (size_t i = 0; i < len; i++)
        if (line[i] < 0x20 || line[i] > 0x7e)
            fail_msg("byte %#x at %zu is not printable ASCII in: %s", (unsigned char)line[i], i,
                     line);
    const char *end = line[0] == '{' ? json_value(line, 0) : NULL;
    if (!end || *end)
        fail_msg("not one JSON object: %s", line);
    if (strncmp(line, "{\"v\":1,\"kind\":\"", 15))
        fail_msg("a record must start with the version and kind: %s", line);
}

static void check_all(const struct lines *l)
{
    for (unsigned i = 0; i < l->n; i++)
        check_record(l->line[i]);
}

static bool has_field(const char *line, const char *field)
{
    return strstr(line, field) != NULL;
}

static void expect_field(const char *line, const char *field)
{
    if (!has_field(line, field))
        fail_msg("expected %s in the record: %s", field, line);
}

static unsigned count_kind(const struct lines *l, const char *kind)
{
    char want[64];
    snprintf(want, sizeof(want), "\"kind\":\"%s\"", kind);
    unsigned n = 0;
    for (unsigned i = 0; i < l->n; i++)
        n += has_field(l->line[i], want);
    return n;
}

static struct lines out;
static struct record_sink sink;

static int setup(void **state)
{
    (void)state;
    sink = (struct record_sink){collect, &out, 0, 0};
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    lines_free(&out);
    return 0;
}

/* ---- the writer itself ---------------------------------------------------------- */

static void test_escaping(void **state)
{
    (void)state;
    char buf[128];
    struct text t = text_over(buf, sizeof(buf));
    record_json_string(&t, "a\"b\\c\nd\te\x01\xe9~");
    assert_string_equal(buf, "\"a\\\"b\\\\c\\nd\\u0009e\\u0001\\u00e9~\"");
    struct record r;
    record_start(&r, "test");
    record_str(&r, "quote\"key", "tab\there");
    record_emit(&r, &sink);
    check_all(&out);
    assert_string_equal(out.line[0],
                        "{\"v\":1,\"kind\":\"test\",\"quote\\\"key\":\"tab\\u0009here\"}");
}

static void test_fields_and_nesting(void **state)
{
    (void)state;
    struct record r;
    record_start(&r, "test");
    record_u64(&r, "n", 18446744073709551615ull);
    record_hex(&r, "zero", 0);
    record_hex(&r, "addr", 0xffff800000000000ull);
    record_bool(&r, "yes", true);
    record_open(&r, "list", '[');
    record_open(&r, 0, '{');
    record_u64(&r, "i", 1);
    record_close(&r);
    record_open(&r, 0, '{');
    record_close(&r);
    record_close(&r);
    record_str(&r, "null", 0);
    assert_true(record_emit(&r, &sink));
    check_all(&out);
    assert_string_equal(out.line[0],
                        "{\"v\":1,\"kind\":\"test\",\"n\":18446744073709551615,\"zero\":\"0x0\","
                        "\"addr\":\"0xffff800000000000\",\"yes\":true,\"list\":[{\"i\":1},{}],"
                        "\"null\":\"\"}");
    assert_int_equal(sink.records, 1);
    assert_int_equal(sink.cut, 0);
}

static void test_too_long_is_cut(void **state)
{
    (void)state;
    char big[RECORD_LINE_MAX * 2];
    memset(big, '"', sizeof(big) - 1); /* each escapes to two bytes */
    big[sizeof(big) - 1] = '\0';
    struct record r;
    record_start(&r, "memmap");
    record_str(&r, "what", big);
    assert_false(record_emit(&r, &sink));
    check_all(&out);
    expect_field(out.line[0], "\"kind\":\"cut\"");
    expect_field(out.line[0], "\"of\":\"memmap\"");
    char length[48];
    snprintf(length, sizeof(length), "\"length\":%zu",
             strlen("{\"v\":1,\"kind\":\"memmap\",\"what\":\"\"}") + 2 * strlen(big));
    expect_field(out.line[0], length);
    assert_int_equal(sink.cut, 1);

    /* Exactly RECORD_LINE_MAX bytes fits; one more does not. */
    size_t overhead = strlen("{\"v\":1,\"kind\":\"x\",\"s\":\"\"}");
    for (int extra = 0; extra <= 1; extra++) {
        size_t n = RECORD_LINE_MAX - overhead + (size_t)extra;
        memset(big, 'x', n);
        big[n] = '\0';
        record_start(&r, "x");
        record_str(&r, "s", big);
        bool ok = record_emit(&r, &sink);
        if (ok != (extra == 0))
            fail_msg("a record of %zu bytes: emitted %d, expected %d", overhead + n, ok,
                     extra == 0);
    }
    check_all(&out);
}

static void test_bad_nesting_is_cut(void **state)
{
    (void)state;
    struct record r;
    record_start(&r, "open");
    record_open(&r, "a", '[');
    assert_false(record_emit(&r, &sink)); /* never closed */
    record_start(&r, "close");
    record_close(&r);
    assert_false(record_emit(&r, &sink)); /* closed what was not open */
    record_start(&r, "deep");
    for (int i = 0; i < RECORD_DEPTH + 2; i++)
        record_open(&r, "d", '{');
    assert_false(record_emit(&r, &sink));
    check_all(&out);
    assert_int_equal(count_kind(&out, "cut"), 3);
    expect_field(out.line[2], "\"of\":\"deep\"");
}

/* ---- physical memory -------------------------------------------------------------- */

static void test_memmap_and_pmm(void **state)
{
    (void)state;
    const struct mem_region map[] = {
        {0, 0x9fc00, MEM_USABLE},
        {0xf0000, 0x10000, MEM_RESERVED},
        {0x100000, 0x7ee0000, MEM_USABLE},
        {0xfffffffffffff000ull, 0x2000, 7}, /* wraps: the end is cut at 2^64 - 1 */
    };
    records_memmap(&sink, map, 4);
    const struct pmm_range withheld[] = {{0x100000, 0x1c6000}, {0x200000, 0x201000}};
    const char *const what[] = {"kernel image", "a \"quoted\" module"};
    records_withheld(&sink, withheld, what, 2);
    record_free_run(&sink, 0x1c6000, 3);
    struct pmm_stats st = {1, 2, 3, 4, 5, 6};
    record_pmm(&sink, &st, 0x8000000);
    check_all(&out);
    assert_int_equal(out.n, 8);
    assert_string_equal(out.line[0], "{\"v\":1,\"kind\":\"memmap\",\"index\":0,\"base\":\"0x0\","
                                     "\"end\":\"0x9fc00\",\"type_code\":1,\"type\":\"usable\"}");
    expect_field(out.line[1], "\"type_code\":2");
    expect_field(out.line[3], "\"end\":\"0xffffffffffffffff\"");
    expect_field(out.line[5], "\"what\":\"a \\\"quoted\\\" module\"");
    assert_string_equal(out.line[6], "{\"v\":1,\"kind\":\"free_run\",\"base\":\"0x1c6000\","
                                     "\"end\":\"0x1c9000\",\"pages\":3}");
    expect_field(out.line[7], "\"free_bytes\":5,\"free_runs\":6,\"limit\":\"0x8000000\"");
}

/* ---- page tables -------------------------------------------------------------------- */

/* Simulated physical memory: table N (1..) at physical N * 4 KiB. */
#define FRAMES 8
static pte_t ram[FRAMES][VMM_ENTRIES] __attribute__((aligned(4096)));

static struct vmm hand_vmm;
static struct address_space hand_space;

static void build_tables(void)
{
    memset(ram, 0, sizeof(ram));
    hand_vmm = (struct vmm){0};
    /* Physical p is reached at ram + p - 4096: frame 1 is ram[0]. */
    hand_vmm.window.offset = (uint64_t)(uintptr_t)ram - PAGE_SIZE;
    const pte_t table = PTE_PRESENT | PTE_WRITE | PTE_USER;
    ram[0][0] = 2 * PAGE_SIZE | table;                          /* PML4[0] -> PDPT at 0x2000 */
    ram[0][256] = 6 * PAGE_SIZE | PTE_PRESENT;                  /* an upper-half entry */
    ram[1][0] = 3 * PAGE_SIZE | table;                          /* PDPT[0] -> PD at 0x3000 */
    ram[1][5] = 0x140000000ull | PTE_PRESENT | PTE_PS | PTE_NX; /* a 1 GiB page */
    ram[2][0] = 4 * PAGE_SIZE | table;                          /* PD[0] -> PT at 0x4000 */
    ram[2][1] = 0x200000 | PTE_PRESENT | PTE_PS | PTE_WRITE;    /* a 2 MiB page */
    for (unsigned i = 0; i < 4; i++)                            /* PT[0..3]: contiguous, alike */
        ram[3][i] =
            (0x10000 + i * PAGE_SIZE) | PTE_PRESENT | PTE_USER | (i == 2 ? PTE_ACCESSED : 0);
    ram[3][4] = 0x90000 | PTE_PRESENT | PTE_USER;             /* alike but not contiguous */
    ram[3][7] = 0x20000 | PTE_PRESENT | PTE_USER | PTE_WRITE; /* other rights */
    ram[5][0] = 0x40000000 | PTE_PRESENT | PTE_PS;            /* PML4[256]'s 1 GiB page */
    hand_space = (struct address_space){&hand_vmm, {PAGE_SIZE}, false, 5, 0};
}

static const char *find_line(const struct lines *l, const char *a, const char *b)
{
    for (unsigned i = 0; i < l->n; i++)
        if (has_field(l->line[i], a) && (!b || has_field(l->line[i], b)))
            return l->line[i];
    fail_msg("no record with %s and %s", a, b ? b : "-");
    return NULL;
}

static void test_page_tables(void **state)
{
    (void)state;
    build_tables();
    uint64_t tables = records_space(&sink, "hand", &hand_space, true);
    check_all(&out);
    assert_int_equal(tables, 4); /* PML4, PDPT, PD, PT: not the upper half's table */
    assert_int_equal(count_kind(&out, "table"), 4);
    assert_int_equal(count_kind(&out, "space"), 1);
    expect_field(find_line(&out, "\"kind\":\"table\"", "\"name\":\"PT\""), "\"present\":6");
    /* The upper-half entry is recorded, not followed. */
    expect_field(find_line(&out, "\"first\":256", 0), "\"followed\":false");
    expect_field(find_line(&out, "\"first\":256", 0), "\"va\":\"0xffff800000000000\"");
    /* PT[0..4] alike (A does not count), frames not all contiguous; PT[7] alone. */
    const char *run = find_line(&out, "\"table\":\"0x4000\"", "\"first\":0,");
    expect_field(run, "\"count\":5");
    expect_field(run, "\"contiguous\":false");
    expect_field(run, "\"frame\":\"0x10000\"");
    expect_field(run, "\"flags\":\"P U\"");
    expect_field(find_line(&out, "\"table\":\"0x4000\"", "\"first\":7,"), "\"flags\":\"P W U\"");
    /* Large pages are leaves with their size. */
    const char *two = find_line(&out, "\"table\":\"0x3000\"", "\"first\":1,");
    expect_field(two, "\"page_size\":2097152");
    expect_field(two, "\"va\":\"0x200000\"");
    const char *one = find_line(&out, "\"table\":\"0x2000\"", "\"first\":5,");
    expect_field(one, "\"page_size\":1073741824");
    expect_field(one, "\"flags\":\"P PS NX\"");

    /* The whole space follows the upper half too. */
    lines_free(&out);
    assert_int_equal(records_space(&sink, "hand", &hand_space, false), 5);
    check_all(&out);
}

static void test_walk(void **state)
{
    (void)state;
    build_tables();
    record_walk(&sink, "hand", &hand_space, 0x3123, 0);
    record_walk(&sink, "hand", &hand_space, 0x200000 + 0x1234, "two \"MiB\"");
    record_walk(&sink, "hand", &hand_space, 0x5000, 0);
    record_walk(&sink, "hand", &hand_space, 0x0000800000000000ull, 0); /* not canonical */
    check_all(&out);
    assert_string_equal(
        out.line[0],
        "{\"v\":1,\"kind\":\"walk\",\"space\":\"hand\",\"va\":\"0x3123\",\"canonical\":true,"
        "\"steps\":[{\"name\":\"PML4\",\"table\":\"0x1000\",\"index\":0,\"entry\":\"0x2007\","
        "\"flags\":\"P W U\"},{\"name\":\"PDPT\",\"table\":\"0x2000\",\"index\":0,\"entry\":"
        "\"0x3007\",\"flags\":\"P W U\"},{\"name\":\"PD\",\"table\":\"0x3000\",\"index\":0,"
        "\"entry\":\"0x4007\",\"flags\":\"P W U\"},{\"name\":\"PT\",\"table\":\"0x4000\","
        "\"index\":3,\"entry\":\"0x13005\",\"flags\":\"P U\"}],\"mapped\":true,\"phys\":"
        "\"0x13123\",\"page_size\":4096}");
    expect_field(out.line[1], "\"phys\":\"0x201234\",\"page_size\":2097152");
    expect_field(out.line[1],
                 "\"va\":\"0x201234\",\"what\":\"two \\\"MiB\\\"\",\"canonical\":true");
    expect_field(out.line[2], "\"index\":5,\"entry\":\"0x0\",\"flags\":\"-\"}],\"mapped\":false}");
    expect_field(out.line[3], "\"canonical\":false,\"steps\":[],\"mapped\":false");
}

/* ---- heaps -------------------------------------------------------------------------- */

static uint8_t region[1024] __attribute__((aligned(1024)));
static uint8_t metadata[64];

static void test_buddy_demo(void **state)
{
    (void)state;
    unsigned steps = records_buddy_demo(&sink, region, sizeof(region), metadata, sizeof(metadata));
    check_all(&out);
    assert_int_equal(steps, 9);
    assert_int_equal(count_kind(&out, "heap"), 9);
    assert_int_equal(count_kind(&out, "arena"), 9);
    /* Empty at the start and at the end: one free block of 1 KiB. */
    const char *first = find_line(&out, "\"kind\":\"block\"", "\"heap\":\"buddy-demo/0\"");
    expect_field(first, "\"order\":5,\"size\":1024,\"used\":false");
    expect_field(find_line(&out, "\"kind\":\"block\"", "\"heap\":\"buddy-demo/8\""),
                 "\"order\":5,\"size\":1024,\"used\":false");
    /* Step 1: a = alloc(100) takes a 128-byte block at the start; halves 512, 256 stay free. */
    expect_field(find_line(&out, "\"kind\":\"heap\"", "\"heap\":\"buddy-demo/1\""),
                 "\"label\":\"a = alloc(100): 128-byte block at +0x0\"");
    unsigned used = 0, blocks = 0;
    for (unsigned i = 0; i < out.n; i++) {
        if (!has_field(out.line[i], "\"heap\":\"buddy-demo/1\"") ||
            !has_field(out.line[i], "\"kind\":\"block\""))
            continue;
        blocks++;
        used += has_field(out.line[i], "\"used\":true");
    }
    assert_int_equal(blocks, 4); /* 128 used, 128, 256, 512 free */
    assert_int_equal(used, 1);
    /* A region the demonstration cannot use records nothing. */
    lines_free(&out);
    assert_int_equal(records_buddy_demo(&sink, region, 1000, metadata, sizeof(metadata)), 0);
    assert_int_equal(out.n, 0);
}

static void test_buddy_and_list_blocks(void **state)
{
    (void)state;
    struct buddy b;
    assert_int_equal(buddy_init(&b, (uintptr_t)region, sizeof(region), metadata, sizeof(metadata)),
                     ALLOC_OK);
    void *p = buddy_alloc(&b, 32);
    records_buddy(&sink, "b", 3, &b);
    check_all(&out);
    expect_field(out.line[0],
                 "\"kind\":\"arena\",\"heap\":\"b\",\"arena\":3,\"backend\":\"buddy\"");
    expect_field(out.line[0], "\"size\":1024,\"top_order\":5");
    assert_int_equal(count_kind(&out, "block"), 6); /* 32 used, 32, 64, 128, 256, 512 free */
    buddy_free(&b, p);

    lines_free(&out);
    struct list_heap l;
    assert_int_equal(list_heap_init(&l, (uintptr_t)region, sizeof(region)), ALLOC_OK);
    void *q = list_heap_alloc(&l, 100);
    assert_non_null(q);
    records_list_heap(&sink, "l", 0, &l);
    check_all(&out);
    expect_field(out.line[0], "\"backend\":\"list\"");
    assert_int_equal(count_kind(&out, "block"), 2);
    expect_field(out.line[1], "\"used\":true");
    expect_field(out.line[2], "\"used\":false");
}

static void test_arena_heap(void **state)
{
    (void)state;
    static struct arena_heap h; /* big: not on the stack */
    memset(&h, 0, sizeof(h));
    h.backend = HEAP_BUDDY;
    h.start = (uintptr_t)region;
    h.end = (uintptr_t)region + sizeof(region);
    h.count = 1;
    h.arenas[0].size = sizeof(region); /* a live slot */
    h.mapped_bytes = 4096;
    assert_int_equal(buddy_init(&h.arenas[0].heap.buddy, (uintptr_t)region, sizeof(region),
                                metadata, sizeof(metadata)),
                     ALLOC_OK);
    records_arena_heap(&sink, "k", &h, "a \"label\"");
    check_all(&out);
    expect_field(out.line[0], "\"kind\":\"heap\",\"heap\":\"k\",\"backend\":\"buddy\"");
    expect_field(out.line[0], "\"arenas\":1,\"mapped_bytes\":4096,\"label\":\"a \\\"label\\\"\"");
    expect_field(out.line[1], "\"kind\":\"arena\",\"heap\":\"k\",\"arena\":0");
    assert_int_equal(count_kind(&out, "block"), 1);

    lines_free(&out);
    h.backend = HEAP_LIST;
    assert_int_equal(list_heap_init(&h.arenas[0].heap.list, (uintptr_t)region, sizeof(region)),
                     ALLOC_OK);
    records_arena_heap(&sink, "k", &h, 0);
    check_all(&out);
    expect_field(out.line[0], "\"backend\":\"list\"");
    assert_false(has_field(out.line[0], "label"));
    expect_field(out.line[1], "\"backend\":\"list\"");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_escaping, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fields_and_nesting, setup, teardown),
        cmocka_unit_test_setup_teardown(test_too_long_is_cut, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_nesting_is_cut, setup, teardown),
        cmocka_unit_test_setup_teardown(test_memmap_and_pmm, setup, teardown),
        cmocka_unit_test_setup_teardown(test_page_tables, setup, teardown),
        cmocka_unit_test_setup_teardown(test_walk, setup, teardown),
        cmocka_unit_test_setup_teardown(test_buddy_demo, setup, teardown),
        cmocka_unit_test_setup_teardown(test_buddy_and_list_blocks, setup, teardown),
        cmocka_unit_test_setup_teardown(test_arena_heap, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
