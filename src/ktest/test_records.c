/*
 * ktest/test_records.c - the records suite: what records= prints agrees with
 * the layers it describes, on the real machine (docs/records.md).
 *
 * Each test sends records to a sink that checks their form (version, kind,
 * length) and adds up one number field, then compares the sum with what the
 * layer itself says: page-table pages, free bytes, arena sizes.
 */
#include <stdint.h>

#include "kernel/record_writer.h"
#include "ktest/ktest.h"
#include "lib/string.h"
#include "mm/kmalloc.h"
#include "mm/pmm_boot.h"
#include "mm/vmm_boot.h"

/* Adds up the number after "key": in every record of one kind. */
struct tally {
    const char *kind_field; /* "\"kind\":\"free_run\"" */
    const char *key;        /* "\"pages\":" */
    uint64_t records, matching, sum, malformed;
};

static uint64_t number_after(const char *s)
{
    uint64_t n = 0;
    while (*s >= '0' && *s <= '9')
        n = n * 10 + (uint64_t)(*s++ - '0');
    return n;
}

static void tally_record(void *ctx, const char *json)
{
    struct tally *t = ctx;
    t->records++;
    size_t len = strlen(json);
    if (len > RECORD_LINE_MAX || strncmp(json, "{\"v\":1,\"kind\":\"", 15) ||
        json[len - 1] != '}' || strstr(json, "\"kind\":\"cut\"")) {
        t->malformed++;
        return;
    }
    if (!strstr(json, t->kind_field))
        return;
    t->matching++;
    const char *v = strstr(json, t->key);
    if (v)
        t->sum += number_after(v + strlen(t->key));
}

KTEST(records, space_tables, "the kernel space's records reach every page-table page it owns")
{
    struct tally t = {"\"kind\":\"table\"", "\"present\":", 0, 0, 0, 0};
    struct record_sink sink = {tally_record, &t, 0, 0};
    uint64_t tables = records_space(&sink, "kernel", &kernel_space, false);
    KT_ASSERT_EQ(0, t.malformed);
    KT_ASSERT_EQ(0, sink.cut);
    KT_ASSERT_EQ(kernel_space.table_pages, tables);
    KT_ASSERT_EQ(kernel_space.table_pages, t.matching);
}

static void tally_run(paddr_t base, uint64_t pages, void *ctx)
{
    record_free_run(ctx, base.addr, pages);
}

KTEST(records, free_runs, "free_run records add up to the PMM's free memory and run count")
{
    struct tally t = {"\"kind\":\"free_run\"", "\"pages\":", 0, 0, 0, 0};
    struct record_sink sink = {tally_record, &t, 0, 0};
    struct pmm_stats st;
    pmm_for_each_run(&kernel_pmm, tally_run, &sink);
    pmm_get_stats(&kernel_pmm, &st);
    KT_ASSERT_EQ(0, t.malformed);
    KT_ASSERT_EQ(st.free_runs, t.matching);
    KT_ASSERT_EQ(st.free_bytes, t.sum * 4096);
}

KTEST(records, heap_blocks, "the kernel heap's block records tile its arenas exactly")
{
    void *p = kmalloc(100), *q = kmalloc(5000); /* some blocks in use */
    KT_ASSERT(p && q);
    struct tally blocks = {"\"kind\":\"block\"", "\"size\":", 0, 0, 0, 0};
    struct record_sink sink = {tally_record, &blocks, 0, 0};
    records_arena_heap(&sink, "kernel", &kernel_heap, 0);
    uint64_t arena_bytes = 0;
    for (unsigned i = 0; i < kernel_heap.count; i++)
        arena_bytes += kernel_heap.arenas[i].size;
    kfree(p);
    kfree(q);
    KT_ASSERT_EQ(0, blocks.malformed);
    KT_ASSERT(blocks.matching >= 2);
    KT_ASSERT_EQ(arena_bytes, blocks.sum);
}
