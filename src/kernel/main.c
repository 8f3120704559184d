/*
 * kernel/main.c - kmain, where the kernel's C code begins.
 *
 * asm/boot.asm arrives here in 64-bit mode on the higher-half stack, with the
 * bootstrap page tables active. kmain brings the layers up in the order the
 * data flows: console and exception handling first (so anything after can
 * report a problem), then the boot information from GRUB, then the memory
 * layers. It prints a boot report on the way, and ends by running the
 * in-kernel tests or powering off, as the command line asks, or else by
 * starting the kernel monitor (src/kernel/monitor.c).
 */
#include <stdint.h>

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/gdt.h"
#include "arch/x86_64/trap.h"
#include "boot/boot_info.h"
#include "boot/multiboot2.h"
#include "dev/console.h"
#include "kernel/backtrace.h"
#include "kernel/bench.h"
#include "kernel/boot_report.h"
#include "kernel/breakpoint.h"
#include "kernel/monitor.h"
#include "kernel/options.h"
#include "kernel/panic.h"
#include "kernel/power.h"
#include "ktest/ktest.h"
#include "lib/string.h"
#include "mm/layout.h"
#include "lib/cmdline.h"
#include "lib/format.h"
#include "mm/kmalloc.h"
#include "mm/pmm_boot.h"
#include "mm/vmm_boot.h"
#include "proc/process.h"
#include "proc/syscall.h"

#define KILN_VERSION "0.1"

struct boot_info boot_info;
struct cpu_features cpu_features;

static void parse_boot_information(uint32_t mbi_phys)
{
    const uint8_t *mbi = (const uint8_t *)(uintptr_t)(DIRECT_MAP_BASE + mbi_phys);
    uint32_t total_size = *(const uint32_t *)mbi;
    struct mb2_error err;
    int status = mb2_parse(mbi, total_size, &boot_info, &err);
    if (status != 0)
        panic("mb2_parse: malformed Multiboot2 information at %#x: %s (%s) in tag %u (%s) at "
              "offset %u",
              mbi_phys, err.what, mb2_status_name(status), err.tag_type,
              mb2_tag_name(err.tag_type), err.offset);
    boot_info.mbi_phys = mbi_phys;
}

/* Recurse until the stack runs into its guard page (never returns). */
static __attribute__((noinline)) uint64_t overflow_the_stack(uint64_t depth)
{
    volatile uint64_t frame[64];
    frame[0] = depth;
    if (depth == UINT64_MAX) /* never: keeps the compiler from calling this an endless loop */
        return 0;
    return overflow_the_stack(depth + 1) + frame[0];
}

/* walk=0xADDR[,0xADDR...] or walk=space: show what the page tables say. */
static void show_walks(const char *list)
{
    char item[32];
    const char *rest = list;
    while (cmdline_list_next(&rest, item, sizeof(item)) > 0) {
        if (!strcmp(item, "space")) {
            vmm_dump_space(&kernel_space, vmm_print_kprintf, "vmm: ");
            continue;
        }
        if (!strcmp(item, "heap")) {
            kmalloc_print("");
            continue;
        }
        uint64_t va;
        if (!cmdline_parse_hex(item, &va))
            kprintf("kiln: warning: walk=%s: '%s' is not a hexadecimal address, 'space' or "
                    "'heap'\n",
                    list, item);
        else
            vmm_dump_address(&kernel_space, vaddr(va), vmm_print_kprintf, "vmm: ");
    }
}

/*
 * crash=KIND: fail in a chosen way, so students can see what each failure
 * looks like and the tests can check that ci/boot names each one.
 */
static __attribute__((noinline)) void crash_on_purpose(const char *kind)
{
    kprintf("kiln: crashing on purpose (crash=%s)\n", kind);
    if (!strcmp(kind, "panic"))
        panic("crash=panic asked for a panic");
    if (!strcmp(kind, "page-fault"))
        *(volatile uint64_t *)0xFFFF900000000000ull = 1; /* nothing maps this */
    if (!strcmp(kind, "triple-fault")) {
        /* With an empty IDT no exception can be delivered: the CPU gives up. */
        struct __attribute__((packed)) {
            uint16_t limit;
            uint64_t base;
        } empty = {0, 0};
        __asm__ volatile("lidt %0; int3" : : "m"(empty));
    }
    if (!strcmp(kind, "stack-overflow"))
        overflow_the_stack(0);
    if (!strcmp(kind, "hang"))
        for (;;)
            __asm__ volatile("cli; hlt");
    if (!strcmp(kind, "flood")) /* what a runaway print loop looks like to a grader */
        for (uint64_t line = 0;; line++)
            kprintf("kiln: flooding the console on purpose, line %llu\n", (unsigned long long)line);
    if (!strcmp(kind, "reboot"))
        reboot(); /* without QEMU's -no-reboot this would boot again, and again */
    kprintf("kiln: warning: crash=%s is not a known kind (panic, page-fault, triple-fault, hang, "
            "stack-overflow, flood, reboot)\n",
            kind);
}

static __attribute__((noreturn)) void run_tests_and_power_off(void)
{
    power_off(ktest_run(kernel_options.ktest));
}

void kmain(uint32_t magic, uint32_t mbi_phys)
{
    uint64_t t_start = rdtsc();
    console_init();
    kprintf("\nkiln %s - a teaching kernel for memory management (x86_64, Multiboot2)\n",
            KILN_VERSION);
    gdt_init();
    idt_init();
    cpu_detect(&cpu_features);

    if (magic != MB2_BOOTLOADER_MAGIC)
        panic("kmain: bad Multiboot2 magic %#x (expected %#x)", magic, MB2_BOOTLOADER_MAGIC);

    uint64_t t_parse = rdtsc();
    parse_boot_information(mbi_phys);
    uint64_t t_parsed = rdtsc();

    boot_report_header(&boot_info, &cpu_features);
    if (strlen(boot_info.cmdline) == BOOT_CMDLINE_MAX - 1)
        kprintf("kiln: warning: the command line fills all %d bytes kiln keeps; anything "
                "after them was dropped\n",
                BOOT_CMDLINE_MAX - 1);
    options_parse(boot_info.cmdline);
    KILN_BREAK("boot"); /* break=STAGE: docs/debugging.md */
    boot_report_memory(&boot_info);
    backtrace_init(&boot_info); /* before the PMM reuses the memory GRUB put .symtab in */

    /* ktest= brings up only the layers its suites need, then runs them. */
    enum ktest_layer last = KTEST_LAYER_USER;
    if (kernel_options.ktest[0]) {
        last = ktest_layer_needed(kernel_options.ktest);
        kprintf("ktest: layers up to %s for ktest=%s\n", ktest_layer_name(last),
                kernel_options.ktest);
    }
    if (last == KTEST_LAYER_BOOT)
        run_tests_and_power_off();

    uint64_t t_pmm = rdtsc();
    pmm_boot_init(&boot_info);
    uint64_t t_pmm_done = rdtsc();
    pmm_boot_report();
    KILN_BREAK("pmm");
    if (last == KTEST_LAYER_PMM)
        run_tests_and_power_off();

    uint64_t t_vmm = rdtsc();
    vmm_boot_init(&boot_info, &cpu_features);
    uint64_t t_vmm_done = rdtsc();
    vmm_boot_report();
    KILN_BREAK("vmm");
    if (last == KTEST_LAYER_VMM)
        run_tests_and_power_off();

    enum heap_backend backend = HEAP_BUDDY;
    if (!strcmp(kernel_options.heap, "list"))
        backend = HEAP_LIST;
    else if (kernel_options.heap[0] && strcmp(kernel_options.heap, "buddy"))
        kprintf("kiln: warning: heap=%s is not an allocator (buddy or list); using buddy\n",
                kernel_options.heap);
    uint64_t t_heap = rdtsc();
    kmalloc_init(backend);
    uint64_t t_heap_done = rdtsc();
    kmalloc_print_summary();
    KILN_BREAK("heap");
    if (last == KTEST_LAYER_HEAP)
        run_tests_and_power_off();
    process_init(); /* SYSCALL/SYSRET and ring-3 faults: user programs can run */
    syscall_trace = kernel_options.strace;

    /* rdtsc deltas; under QEMU -icount shift=0 these count instructions (ci/bench). */
    kprintf("boot: cycles: early-setup %llu, mb2-parse %llu, pmm-init %llu, vmm-init %llu, "
            "heap-init %llu\n",
            (unsigned long long)(t_parse - t_start), (unsigned long long)(t_parsed - t_parse),
            (unsigned long long)(t_pmm_done - t_pmm), (unsigned long long)(t_vmm_done - t_vmm),
            (unsigned long long)(t_heap_done - t_heap));
    if (kernel_options.walk[0])
        show_walks(kernel_options.walk);

    if (kernel_options.crash[0])
        crash_on_purpose(kernel_options.crash);
    if (kernel_options.ktest[0])
        run_tests_and_power_off();
    if (kernel_options.bench[0])
        power_off(bench_run(kernel_options.bench));
    /* User programs: run= names them, the demo by default (docs/userspace.md). */
    const char *programs = kernel_options.run[0] ? kernel_options.run : "demo";
    if (strcmp(programs, "none"))
        process_run_list(programs);
    if (kernel_options.poweroff)
        power_off(true);

    kprintf("kiln: boot complete\n");
    monitor_run();
}
