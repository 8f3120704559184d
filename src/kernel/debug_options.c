/*
 * kernel/debug_options.c - walk= and crash=: options for looking and for
 * failing.
 *
 * walk= prints what the kernel's page tables say, so a student can compare
 * the walk by hand with the kernel's. crash= fails in a chosen way, so that
 * students can see what each failure looks like and the tests can check that
 * ci/boot names each one. kmain acts on both once the heap is up.
 */
#include "kernel/debug_options.h"

#include <stdint.h>

#include "dev/console.h"
#include "kernel/panic.h"
#include "arch/x86_64/power.h"
#include "lib/cmdline.h"
#include "lib/string.h"
#include "mm/kmalloc.h"
#include "mm/vmm_boot.h"

void show_walks(const char *list)
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

/* Recurse until the stack runs into its guard page (never returns). */
static __attribute__((noinline)) uint64_t overflow_the_stack(uint64_t depth)
{
    volatile uint64_t frame[64];
    frame[0] = depth;
    if (depth == UINT64_MAX) /* never: keeps the compiler from calling this an endless loop */
        return 0;
    return overflow_the_stack(depth + 1) + frame[0];
}

/* With an empty IDT no exception can be delivered: the CPU gives up (shutdown). */
static void triple_fault(void)
{
    struct __attribute__((packed)) {
        uint16_t limit;
        uint64_t base;
    } empty = {0, 0};
    __asm__ volatile("lidt %0; int3" : : "m"(empty));
}

void crash_on_purpose(const char *kind)
{
    kprintf("kiln: crashing on purpose (crash=%s)\n", kind);
    if (!strcmp(kind, "panic"))
        panic("crash=panic asked for a panic");
    if (!strcmp(kind, "page-fault"))
        *(volatile uint64_t *)0xFFFF900000000000ull = 1; /* nothing maps this */
    if (!strcmp(kind, "triple-fault"))
        triple_fault();
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
