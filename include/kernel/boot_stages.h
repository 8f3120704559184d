/*
 * kernel/boot_stages.h - the steps of kmain that belong to no single layer.
 *
 * Each layer brings itself up (boot_info_init, pmm_boot_init, vmm_boot_init)
 * and keeps its own boot statistics, including what its start-up cost. What
 * is left is here: the first moments before any layer exists, the choice of
 * kernel heap, how far ktest= lets the boot go, and the user programs at the
 * end. kmain (src/kernel/main.c) calls these in order.
 */
#ifndef KILN_KERNEL_BOOT_STAGES_H
#define KILN_KERNEL_BOOT_STAGES_H

#include <stdint.h>

#include "ktest/ktest.h"

/* rdtsc cycles of the stages measured here, for the `boot: cycles:` line. */
extern uint64_t early_setup_cycles;

/* The console (and the banner), the GDT and TSS, the IDT, CPUID; then checks
 * that a Multiboot2 loader started us (magic: what it left in EAX). */
void early_setup(uint32_t magic);

/* With ktest=, how far to bring the layers up: prints "ktest: layers up to
 * ..." and remembers the answer for boot_tests_if_last. */
void boot_choose_layers(void);
/* If `layer` is the last one ktest= needs, run the tests and power off. */
void boot_tests_if_last(enum ktest_layer layer);
/* Runs the suites ktest= names and powers off with their verdict. */
__attribute__((noreturn)) void run_tests_and_power_off(void);

/* kmalloc's heap, with the allocator heap= chooses (buddy by default). */
void heap_stage_init(void);

/* The user programs run= names (the demo by default; run=none: none). */
/* vm= on the command line: the backing policy of user heap, stack and .bss. */
void process_policy_stage_init(void);

void run_user_programs(void);

#endif
