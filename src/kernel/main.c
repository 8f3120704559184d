/*
 * kernel/main.c - kmain, where the kernel's C code begins.
 *
 * asm/boot.asm arrives here in 64-bit mode on the higher-half stack, with the
 * bootstrap page tables active. kmain brings the layers up in the order the
 * data flows: console and exception handling first (so anything after can
 * report a problem), then the boot information from GRUB, then the memory
 * layers, then processes. Each layer reports itself as it comes up; with
 * ktest= the boot stops at the last layer the chosen suites need. kmain ends
 * by running the tests, the benchmarks or the user programs, as the command
 * line asks, and then powers off or starts the kernel monitor
 * (src/kernel/monitor.c). docs/boot-flow.md walks through every step.
 */
#include <stdint.h>

#include "arch/x86_64/cpu.h"
#include "boot/boot_info.h"
#include "dev/console.h"
#include "kernel/backtrace.h"
#include "kernel/bench.h"
#include "kernel/boot_report.h"
#include "kernel/boot_stages.h"
#include "kernel/breakpoint.h"
#include "kernel/debug_options.h"
#include "kernel/monitor.h"
#include "kernel/options.h"
#include "kernel/records.h"
#include "arch/x86_64/power.h"
#include "mm/kmalloc.h"
#include "mm/pmm_boot.h"
#include "mm/vmm_boot.h"
#include "proc/process.h"
#include "proc/strace.h"

void kmain(uint32_t magic, uint32_t mbi_phys)
{
    early_setup(magic); /* console, GDT and TSS, IDT, CPUID */
    boot_info_init(mbi_phys);
    boot_report_header(&boot_info, &cpu_features);
    options_init(&boot_info);
    KILN_BREAK("boot"); /* break=STAGE: docs/debugging.md */
    boot_report_memory(&boot_info);
    backtrace_init(&boot_info); /* before the PMM reuses the memory GRUB put .symtab in */
    boot_choose_layers();       /* ktest= brings up only the layers its suites need */
    boot_tests_if_last(KTEST_LAYER_BOOT);

    pmm_boot_init(&boot_info);
    pmm_boot_report();
    KILN_BREAK("pmm");
    boot_tests_if_last(KTEST_LAYER_PMM);

    vmm_boot_init(&boot_info, &cpu_features);
    vmm_boot_report();
    KILN_BREAK("vmm");
    boot_tests_if_last(KTEST_LAYER_VMM);

    heap_stage_init();
    kmalloc_print_summary();
    KILN_BREAK("heap");
    boot_tests_if_last(KTEST_LAYER_HEAP);

    process_init(); /* SYSCALL/SYSRET and ring-3 faults: user programs can run */
    syscall_trace = kernel_options.strace;
    process_policy_stage_init(); /* vm=: how user heap, stack and .bss are backed */
    boot_report_cycles();

    if (kernel_options.walk[0])
        show_walks(kernel_options.walk);
    if (kernel_options.records[0])
        records_print(kernel_options.records, "boot");
    if (kernel_options.crash[0])
        crash_on_purpose(kernel_options.crash);
    if (kernel_options.ktest[0])
        run_tests_and_power_off();
    if (kernel_options.bench[0])
        power_off(bench_run(kernel_options.bench));
    run_user_programs(); /* run= names them, the demo by default (docs/userspace.md) */
    if (kernel_options.poweroff)
        power_off(true);

    kprintf("kiln: boot complete\n");
    monitor_run();
}
