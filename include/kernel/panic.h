/*
 * kernel/panic.h - stop the kernel because a kernel bug was found.
 *
 * A panic prints its message (and, from an exception, the registers) and halts.
 * During an in-kernel test run it ends only the current test, which is
 * reported as failed with the panic text.
 *
 * Pure-C cores (PMM, parser, ...) call panic() too; the host unit tests supply
 * their own panic() that records the message, so a test can check that a bad
 * call panics with the right words.
 */
#ifndef KILN_KERNEL_PANIC_H
#define KILN_KERNEL_PANIC_H

__attribute__((noreturn, format(printf, 1, 2))) void panic(const char *fmt, ...);

struct trap_frame;
/* A panic caused by an exception nobody handled: message plus the registers. */
__attribute__((noreturn)) void panic_trap(const char *message, const struct trap_frame *frame);

/*
 * While a test runs, the test runner installs a hook: a panic then ends the
 * test (reported as failed with the message) instead of halting the kernel.
 */
typedef void (*panic_hook_fn)(const char *message);
void panic_set_hook(panic_hook_fn hook);

/* The address the current function will return to: "who called me". */
#define CALLER_ADDRESS() ((void *)__builtin_return_address(0))

#endif
