/*
 * kernel/boot_stages.c - the parts of the boot that are kmain's own.
 *
 * kmain reads as a list of stages; the stages that are not one layer's
 * start-up live here. heap= is read here, when the heap is built, so that
 * kernel/options.h (which kernel/breakpoint.h includes, and any layer may use
 * KILN_BREAK) needs no heap header; the heap times its own start-up
 * (kmalloc_init_cycles, src/mm/kmalloc.c).
 */
#include "kernel/boot_stages.h"

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/gdt.h"
#include "arch/x86_64/idt.h"
#include "boot/multiboot2.h"
#include "dev/console.h"
#include "kernel/options.h"
#include "kernel/panic.h"
#include "kernel/records.h"
#include "arch/x86_64/power.h"
#include "lib/string.h"
#include "mm/kmalloc.h"
#include "mm/pmm_boot.h"
#include "mm/vmm_boot.h"
#include "proc/process.h"

#define KILN_VERSION "0.1"

uint64_t early_setup_cycles;

/* The deepest layer to bring up: all of them, unless ktest= needs fewer. */
static enum ktest_layer last_layer = KTEST_LAYER_USER;

void early_setup(uint32_t magic)
{
    uint64_t start = rdtsc();
    console_init();
    kprintf("\nkiln %s - a teaching kernel for memory management (x86_64, Multiboot2)\n",
            KILN_VERSION);
    gdt_init();
    idt_init();
    cpu_detect(&cpu_features);
    if (magic != MB2_BOOTLOADER_MAGIC)
        panic("kmain: bad Multiboot2 magic %#x (expected %#x)", magic, MB2_BOOTLOADER_MAGIC);
    early_setup_cycles = rdtsc() - start;
}

void boot_choose_layers(void)
{
    if (!kernel_options.ktest[0])
        return;
    last_layer = ktest_layer_needed(kernel_options.ktest);
    kprintf("ktest: layers up to %s for ktest=%s\n", ktest_layer_name(last_layer),
            kernel_options.ktest);
}

void boot_tests_if_last(enum ktest_layer layer)
{
    if (layer == last_layer) {
        if (kernel_options.records[0]) /* records= on a boot that stops here: what there is */
            records_print_upto(kernel_options.records, "boot", layer);
        run_tests_and_power_off();
    }
}

/* What the PMM's free list looks like now, and who else holds frames for
 * good: the kernel heap's arenas and the kernel's page tables. */
struct pmm_moment {
    uint64_t runs, free_frames, heap_bytes, table_pages;
};

static struct pmm_moment pmm_moment_now(void)
{
    struct pmm_stats st;
    pmm_get_stats(&kernel_pmm, &st);
    struct pmm_moment m = {st.free_runs, st.free_bytes / PAGE_SIZE, 0, 0};
    if (last_layer >= KTEST_LAYER_HEAP) {
        struct arena_heap_stats hs;
        arena_heap_stats(&kernel_heap, &hs);
        m.heap_bytes = hs.mapped_bytes;
    }
    if (last_layer >= KTEST_LAYER_VMM)
        m.table_pages = kernel_space.table_pages;
    return m;
}

/*
 * With the PMM up, say how many runs its free list had after pmm_init, before
 * the tests and after them: a PMM whose frees coalesce ends where it began
 * when the tests gave back all they took (ci/bench prints these figures). The
 * second line says what the tests did not give back: frames the kernel heap
 * keeps mapped (it does not unmap an arena that empties) and page tables.
 */
void run_tests_and_power_off(void)
{
    bool pmm_up = last_layer >= KTEST_LAYER_PMM;
    struct pmm_moment before = pmm_up ? pmm_moment_now() : (struct pmm_moment){0};
    bool passed = ktest_run(kernel_options.ktest);
    if (pmm_up) {
        struct pmm_moment after = pmm_moment_now();
        kprintf("pmm: free runs: %llu after pmm_init, %llu before the tests, %llu after them\n",
                (unsigned long long)pmm_boot_stats.free_runs, (unsigned long long)before.runs,
                (unsigned long long)after.runs);
        kprintf("pmm: free frames: %llu before the tests, %llu after them; kernel heap mapped "
                "%llu KiB before, %llu KiB after; kernel page tables %llu before, %llu after\n",
                (unsigned long long)before.free_frames, (unsigned long long)after.free_frames,
                (unsigned long long)(before.heap_bytes >> 10),
                (unsigned long long)(after.heap_bytes >> 10),
                (unsigned long long)before.table_pages, (unsigned long long)after.table_pages);
    }
    power_off(passed);
}

void heap_stage_init(void)
{
    enum heap_backend backend = HEAP_BUDDY;
    if (!strcmp(kernel_options.heap, "list"))
        backend = HEAP_LIST;
    else if (!strcmp(kernel_options.heap, "slab"))
        backend = HEAP_SLAB;
    else if (kernel_options.heap[0] && strcmp(kernel_options.heap, "buddy"))
        kprintf("kiln: warning: heap=%s is not an allocator (buddy, list or slab); using buddy\n",
                kernel_options.heap);
    kmalloc_init(backend);
    kmalloc_trace = kernel_options.heaptrace;
}

void process_policy_stage_init(void)
{
    enum region_policy policy;
    if (!kernel_options.vm[0] || !region_policy_parse(kernel_options.vm, &policy))
        return; /* the default boot says nothing */
    process_report_memory = true; /* vm= asked: say what each program cost */
    if (policy == REGION_IMMEDIATE)
        return;
    if (process_set_policy(policy))
        kprintf("kiln: user heap, stack and .bss are backed %s (vm=%s)\n",
                policy == REGION_DEMAND ? "on demand" : "by the zero page until written",
                kernel_options.vm);
    else
        kprintf("kiln: warning: vm=%s: no frame for the zero page; using immediate\n",
                kernel_options.vm);
}

void run_user_programs(void)
{
    const char *programs = kernel_options.run[0] ? kernel_options.run : "demo";
    if (strcmp(programs, "none"))
        process_run_list(programs);
}
