/*
 * kernel/records.c - the kernel's state as JSON lines (see kernel/records.h).
 *
 * The records themselves are written by kernel/record_writer.c (pure C,
 * host-tested); this file picks what to record, from the kernel's one PMM,
 * page tables and heap, and prints each record on the console after its
 * prefix "@kiln-record ". ci/picture reads them back and draws them.
 */
#include "kernel/records.h"

#include <stdint.h>

#include "dev/console.h"
#include "kernel/options.h"
#include "kernel/record_writer.h"
#include "kiln/syscall.h"
#include "lib/cmdline.h"
#include "lib/string.h"
#include "lib/text.h"
#include "mm/kmalloc.h"
#include "mm/layout.h"
#include "mm/pmm_boot.h"
#include "mm/vmm_boot.h"
#include "proc/process.h"

extern char __text_start[], __text_end[], __rodata_start[], __rodata_end[];
extern char __data_start[], __bss_end[];

static const char *const groups[] = {"memmap", "pagetables", "walks", "heap", "buddy", "process"};
#define GROUP_COUNT (sizeof(groups) / sizeof(groups[0]))

static void emit_line(void *ctx, const char *json)
{
    (void)ctx;
    kprintf(RECORD_PREFIX "%s\n", json);
}

static bool list_has(const char *list, const char *group)
{
    char item[32];
    const char *rest = list;
    if (!strcmp(list, "all"))
        return true;
    while (cmdline_list_next(&rest, item, sizeof(item)) > 0)
        if (!strcmp(item, group) || !strcmp(item, "all"))
            return true;
    return false;
}

bool records_wanted(const char *group)
{
    return kernel_options.records[0] && list_has(kernel_options.records, group);
}

static void run_record(paddr_t base, uint64_t pages, void *ctx)
{
    record_free_run(ctx, base.addr, pages);
}

static void record_memory(struct record_sink *s, enum ktest_layer layer)
{
    struct pmm_stats st;
    records_memmap(s, boot_info.regions, boot_info.region_count);
    if (layer < KTEST_LAYER_PMM)
        return;
    /* The PMM never hands out the first MiB, by rule rather than by a withheld range. */
    const struct pmm_range low = {0, LOW_MEMORY_END};
    const char *const low_what[] = {"the first MiB (never handed out)"};
    records_withheld(s, &low, low_what, 1);
    records_withheld(s, pmm_withheld, pmm_withheld_what, pmm_withheld_count);
    pmm_for_each_run(&kernel_pmm, run_record, s);
    pmm_get_stats(&kernel_pmm, &st);
    record_pmm(s, &st, kernel_pmm.limit);
}

static void record_kernel_regions(struct record_sink *s, enum ktest_layer layer)
{
    uint64_t stacks_end = KERNEL_STACKS_BASE + KSTACK_SLOTS * KSTACK_SLOT_SIZE;
    record_region(s, "kernel", DIRECT_MAP_BASE, DIRECT_MAP_BASE + vmm_boot_stats.direct_map_bytes,
                  "direct map", "rw-", "immediate");
    if (layer >= KTEST_LAYER_HEAP) {
        record_region(s, "kernel", kernel_heap.start, kernel_heap.next, "kernel heap", "rw-",
                      "immediate");
        record_region(s, "kernel", kernel_heap.meta_start, kernel_heap.meta_next,
                      "kernel heap bitmaps", "rw-", "immediate");
    }
    record_region(s, "kernel", KERNEL_STACKS_BASE, stacks_end, "kernel stacks", "rw-", "immediate");
    record_region(s, "kernel", (uintptr_t)__text_start, (uintptr_t)__text_end, "kernel .text",
                  "r-x", "immediate");
    record_region(s, "kernel", (uintptr_t)__rodata_start, (uintptr_t)__rodata_end, "kernel .rodata",
                  "r--", "immediate");
    record_region(s, "kernel", (uintptr_t)__data_start, (uintptr_t)__bss_end,
                  "kernel .data and .bss", "rw-", "immediate");
}

/* Addresses whose walks show each kind of mapping: image, direct map, heap, a hole. */
static void record_kernel_walks(struct record_sink *s)
{
    const struct {
        uint64_t va;
        const char *what;
    } walks[] = {
        {(uintptr_t)__text_start, "kernel .text"},
        {(uintptr_t)__data_start, "kernel .data"},
        {DIRECT_MAP_BASE + KERNEL_LOAD_PHYS, "direct map"},
        {kernel_heap.start, "kernel heap"},
        {0xFFFF900000000000ULL, "nothing"},
    };
    for (size_t i = 0; i < sizeof(walks) / sizeof(walks[0]); i++)
        if (walks[i].va != 0) /* the heap's start is 0 until the heap layer is up */
            record_walk(s, "kernel", &kernel_space, walks[i].va, walks[i].what);
    /* And the addresses walk= names, so the records and the text agree. */
    char item[32];
    const char *rest = kernel_options.walk;
    uint64_t va;
    while (cmdline_list_next(&rest, item, sizeof(item)) > 0)
        if (cmdline_parse_hex(item, &va))
            record_walk(s, "kernel", &kernel_space, va, "walk=");
}

/* The demonstration buddy's memory: 1 KiB, aligned to its size like a top-order block. */
static uint8_t demo_region[1024] __attribute__((aligned(1024)));
static uint8_t demo_metadata[64];

static void begin(struct record_sink *s, const char *what, const char *source,
                  enum ktest_layer layer)
{
    struct record r;
    record_start(&r, "begin");
    record_str(&r, "what", what);
    record_str(&r, "source", source);
    record_str(&r, "layer", ktest_layer_name(layer));
    record_str(&r, "cmdline", boot_info.cmdline);
    record_hex(&r, "pml4", kernel_space.pml4.addr);
    record_u64(&r, "direct_map_page_size", vmm_boot_stats.direct_map_page_size);
    record_emit(&r, s);
}

static void end(struct record_sink *s)
{
    struct record r;
    uint64_t cut = s->cut;
    record_start(&r, "end");
    record_u64(&r, "records", s->records + 1); /* this one too */
    record_u64(&r, "cut", cut);
    record_emit(&r, s);
}

void records_print(const char *list, const char *source)
{
    records_print_upto(list, source, KTEST_LAYER_USER);
}

void records_print_upto(const char *list, const char *source, enum ktest_layer layer)
{
    char item[32];
    const char *rest = list;
    bool ok = true;
    while (cmdline_list_next(&rest, item, sizeof(item)) > 0) {
        bool known = !strcmp(item, "all");
        for (size_t i = 0; i < GROUP_COUNT; i++)
            known |= !strcmp(item, groups[i]);
        if (!known) {
            kprintf("kiln: warning: records=%s: '%s' is not one of: all, " RECORDS_GROUPS "\n",
                    list, item);
            ok = false;
        }
    }
    if (!ok)
        return;
    struct record_sink sink = {emit_line, 0, 0, 0};
    begin(&sink, list, source, layer);
    if (list_has(list, "memmap"))
        record_memory(&sink, layer);
    if (list_has(list, "pagetables") && layer >= KTEST_LAYER_VMM) {
        records_space(&sink, "kernel", &kernel_space, false);
        record_kernel_regions(&sink, layer);
    }
    if (list_has(list, "walks") && layer >= KTEST_LAYER_VMM)
        record_kernel_walks(&sink);
    if (list_has(list, "heap") && layer >= KTEST_LAYER_HEAP)
        records_arena_heap(&sink, "kernel", &kernel_heap, 0);
    if (list_has(list, "buddy"))
        records_buddy_demo(&sink, demo_region, sizeof(demo_region), demo_metadata,
                           sizeof(demo_metadata));
    end(&sink);
}

static const char *perm_of(unsigned vmm_flags)
{
    return (vmm_flags & VMM_WRITE) ? "rw-" : (vmm_flags & VMM_EXEC) ? "r-x" : "r--";
}

void records_process(const struct process *p)
{
    if (!records_wanted("process") || !p->space_made)
        return;
    char name[64];
    struct text t = text_over(name, sizeof(name));
    text_printf(&t, "pid %u %s", p->pid, p->name);
    struct record_sink sink = {emit_line, 0, 0, 0};
    begin(&sink, "process", "process", KTEST_LAYER_USER);
    struct record r;
    record_start(&r, "process");
    record_u64(&r, "pid", p->pid);
    record_str(&r, "name", p->name);
    record_str(&r, "space", name);
    record_emit(&r, &sink);

    /* The regions as the loader made them (see records.h about demand paging). */
    for (unsigned i = 0; i < p->elf.segment_count; i++) {
        const struct elf_segment *seg = &p->elf.segments[i];
        record_region(&sink, name, PAGE_ALIGN_DOWN(seg->vaddr),
                      PAGE_ALIGN_UP(seg->vaddr + seg->memsz), "image", perm_of(seg->vmm_flags),
                      "immediate");
    }
    if (p->user_heap_made) {
        record_region(&sink, name, p->user_heap.start, p->user_heap.next, "heap", "rw-",
                      "immediate");
        record_region(&sink, name, p->user_heap.meta_start, p->user_heap.meta_next,
                      "heap bitmaps (kernel-only)", "rw-", "immediate");
    }
    record_region(&sink, name, USER_STACK_TOP - USER_STACK_SIZE - USER_STACK_GUARD,
                  USER_STACK_TOP - USER_STACK_SIZE, "stack guard", "---", "unmapped");
    record_region(&sink, name, USER_STACK_TOP - USER_STACK_SIZE, USER_STACK_TOP, "stack", "rw-",
                  "immediate");

    records_space(&sink, name, &p->space, true);
    record_walk(&sink, name, &p->space, p->elf.entry, "entry point");
    record_walk(&sink, name, &p->space, USER_STACK_TOP - 8, "stack top");
    if (p->user_heap_made) {
        record_walk(&sink, name, &p->space, p->user_heap.start, "heap");
        records_arena_heap(&sink, name, &p->user_heap, "when the program ended");
    }
    end(&sink);
}
