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

/* The address the current function will return to: "who called me". */
#define CALLER_ADDRESS() ((void *)__builtin_return_address(0))

#endif
