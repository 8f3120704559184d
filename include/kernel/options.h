/*
 * kernel/options.h - the kernel command line, understood.
 *
 * Every option is listed in docs/command-line.md and in the table in
 * src/kernel/options.c; anything else on the command line is reported as a
 * warning at boot, never ignored silently.
 */
#ifndef KILN_KERNEL_OPTIONS_H
#define KILN_KERNEL_OPTIONS_H

#include <stdbool.h>

struct boot_info; /* boot/boot_info.h */

struct kernel_options {
    char ktest[128]; /* suites to run ("all", "pmm,boot"); empty: no tests */
    char crash[32];  /* crash on purpose (docs/command-line.md); empty: no */
    char bench[64];  /* benchmarks to run ("all", "pmm"); empty: none */
    char heap[16];   /* "buddy" (default), "list" or "slab": the allocator behind kmalloc */
    char walk[128];  /* addresses to show the page-table walk of, or "space" */
    char records[64]; /* records=: state to print as JSON lines ("all", "memmap,heap") */
    char breaks[64]; /* break=: stages whose magic breakpoints fire ("vmm,heap", "all") */
    char run[256];   /* user programs to run after booting ("demo,hello"); empty: the demo */
    char vm[16];     /* how user heap, stack and .bss are backed: immediate (default), demand,
                        zero-page (docs/demand.md) */
    bool poweroff;   /* power off after booting instead of idling */
    bool strace;     /* print every system call user programs make */
    bool heaptrace;  /* print every kmalloc/kfree/krealloc (mm/kmalloc.h) */
};

extern struct kernel_options kernel_options;

/* Parses `cmdline` into kernel_options, printing a warning for each unknown
 * option or malformed value. Returns how many problems it reported. */
int options_parse(const char *cmdline);

/* Is `stage` enabled by break= on the command line? (kernel/breakpoint.h) */
bool options_break_enabled(const char *stage);

/* options_parse on the command line GRUB gave, after a warning if it filled
 * boot_info's whole buffer (then its end was cut off). Returns the problems. */
int options_init(const struct boot_info *info);

#endif
