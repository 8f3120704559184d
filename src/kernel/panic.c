/*
 * kernel/panic.c - report a kernel bug and stop.
 *
 * The message says what went wrong and where, in words a student can search
 * the source for (each panic names the function that raised it). Outside the
 * test runner the kernel then halts for good, so the message stays on screen
 * and a debugger can still be attached; ci/boot sees the "KERNEL PANIC" line
 * and ends the run with the message as its reason.
 */
#include "kernel/panic.h"

#include <stdarg.h>
#include <stdint.h>

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/trap.h"
#include "dev/console.h"
#include "kernel/backtrace.h"
#include "lib/format.h"

static panic_hook_fn hook;
static int depth;

void panic_set_hook(panic_hook_fn fn)
{
    hook = fn;
}

/*
 * Print the message, the registers (from an exception) and the backtrace, and
 * halt. The backtrace starts at the trap frame's rip and rbp, or else at
 * panic_rbp, panic()'s own frame record, whose return address is in the
 * function that called panic.
 */
static __attribute__((noreturn)) void halt_after(const char *message, const struct trap_frame *frame,
                                                 uint64_t panic_rbp)
{
    __asm__ volatile("cli");
    if (++depth > 1) {
        /* A panic while panicking: print the bare minimum and stop. */
        console_write("\nKERNEL PANIC (nested): ");
        console_write(message);
        console_write("\n");
        cpu_halt_forever();
    }
    if (hook) {
        panic_hook_fn h = hook;
        hook = 0;
        depth = 0;
        h(message); /* does not return: ends the current test */
    }
    kprintf("\nKERNEL PANIC: %s\n", message);
    if (frame) {
        trap_print_frame(frame, " ");
        trap_print_details(frame, " ");
        backtrace_print(frame->rip, frame->rbp, "");
    } else {
        backtrace_print(0, panic_rbp, "");
    }
    kprintf("kiln: halted. (QEMU: Ctrl-A X quits; Bochs: close the window)\n");
    cpu_halt_forever();
}

void panic(const char *fmt, ...)
{
    static char message[256];
    va_list ap;
    va_start(ap, fmt);
    kvsnprintf(message, sizeof(message), fmt, ap);
    va_end(ap);
    halt_after(message, 0, (uint64_t)(uintptr_t)__builtin_frame_address(0));
}

void panic_trap(const char *message, const struct trap_frame *frame)
{
    if (hook) {
        trap_print_frame(frame, "#"); /* TAP diagnostics: the test log gets the registers */
        trap_print_details(frame, "#");
    }
    halt_after(message, frame, 0);
}
