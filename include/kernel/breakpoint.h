/*
 * kernel/breakpoint.h - magic breakpoints: stop Bochs's debugger at a stage of the boot.
 *
 * `xchg bx, bx` exchanges a register with itself, so on a real CPU and in
 * QEMU it does nothing. Bochs treats it as a "magic breakpoint": with
 * `magic_break: enabled=1` in its configuration (ci/bochsrc.interactive, which
 * ci/bochs-debug uses) its debugger stops right after the instruction, as if
 * you had set a breakpoint there. ci/boot's configuration leaves them off, so
 * unattended runs never stop.
 *
 *     KILN_BREAK("vmm");
 *
 * does nothing unless the kernel command line enables that stage with
 * `break=vmm` (a list: `break=pmm,vmm`, or `break=all`). An enabled stage first
 * prints
 *
 *     break: stage vmm (magic breakpoint: xchg bx,bx)
 *
 * so the console says where the debugger stopped. The stages kmain has:
 *
 *   boot  just after the command line is read (the earliest point the kernel
 *         knows it; for kmain's very first instruction use the debugger's own
 *         breakpoint, `lb "kmain"`)
 *   pmm   the physical memory manager is built (after its boot report)
 *   vmm   the kernel runs on its own page tables: CR3 holds the new PML4
 *   heap  kmalloc works (after the heap's summary line)
 *   user  just before each user program enters ring 3 (CR3 holds its space)
 *
 * Adding your own: put KILN_BREAK("mystage") where you want to stop, and add
 * "mystage" to KILN_BREAK_STAGES below, so that `break=mystage` is accepted
 * (a name not in that list gets a warning at boot, which catches typos).
 * docs/debugging.md shows a whole session.
 */
#ifndef KILN_KERNEL_BREAKPOINT_H
#define KILN_KERNEL_BREAKPOINT_H

#include <stdbool.h>

#include "dev/console.h"
#include "kernel/options.h" /* options_break_enabled */

/* The stage names `break=` accepts, separated by spaces. */
#define KILN_BREAK_STAGES "boot pmm vmm heap user"

/* If `stage` is enabled, print the "break: stage ..." line and return true. */
static inline bool kiln_break_announce(const char *stage)
{
    if (!options_break_enabled(stage))
        return false;
    kprintf("break: stage %s (magic breakpoint: xchg bx,bx)\n", stage);
    return true;
}

/*
 * A macro, not a function, so that the xchg sits in the caller: Bochs stops
 * in kmain itself, right after the line that enabled it. The memory clobber
 * keeps the compiler from moving loads and stores across the stop.
 */
#define KILN_BREAK(stage)                                                                          \
    do {                                                                                           \
        if (kiln_break_announce(stage))                                                            \
            __asm__ volatile("xchg %%bx, %%bx" : : : "memory");                                    \
    } while (0)

#endif
