/*
 * check.h - saying what went wrong, for kiln's test programs.
 *
 * The test programs in src/user/programs report a failed check on one line
 * starting "FAIL:" with what they expected and what came, then end with an
 * exit status the in-kernel test (src/ktest/test_user.c) checks:
 *
 *   require(), fail()  the user suite: stop at the first failed check and
 *                      exit with its number, so the status names the check;
 *   expect_result()    the hostile suite: compare a system call's result
 *                      with the exact error expected, count the mismatches
 *                      and exit with the count;
 *   hostile_survived() a program that should have been killed by the CPU
 *                      (a page fault, #GP, ...) is still running: exit 99.
 *
 * The kernel puts the program's name in front of each line on the console,
 * so the programs do not print it themselves.
 */
#ifndef KILN_USER_CHECK_H
#define KILN_USER_CHECK_H

#include <stdint.h>

#include "mm/layout.h"

/* The exit status of a hostile program that was not stopped. */
#define HOSTILE_SURVIVED_STATUS 99

/*
 * Kernel addresses for the hostile programs to misuse: the kernel's first
 * byte of code (loaded at 1 MiB physical, mapped at KERNEL_VMA + 1 MiB),
 * and the same memory seen through the direct map. Both are mapped in every
 * address space, but only for ring 0 (the U/S bit of their pages is clear).
 */
#define KERNEL_CODE_ADDRESS (KERNEL_VMA + KERNEL_LOAD_PHYS)
#define KERNEL_DIRECT_MAP_ADDRESS (DIRECT_MAP_BASE + KERNEL_LOAD_PHYS)

/* Print "FAIL: " and the message, and exit with status check_id. */
__attribute__((noreturn, format(printf, 2, 3))) void fail(int check_id, const char *fmt, ...);

/* If ok is false: fail(check_id, fmt, ...). The arguments are evaluated either
 * way, so a loop over many bytes tests them itself and calls fail(). */
__attribute__((format(printf, 3, 4))) void require(int check_id, int ok, const char *fmt, ...);

/*
 * 0 if got == expected. Otherwise print
 *   "FAIL: <what>: expected <expected>, got <got> (<got's error name>)"
 * and return 1, so that `mismatches += expect_result(...)` counts failures.
 */
int expect_result(const char *what, long expected, long got);

/* Print "survived" and exit with HOSTILE_SURVIVED_STATUS. */
__attribute__((noreturn)) void hostile_survived(void);

/*
 * Returns x, but the compiler cannot see that it does. A hostile program
 * uses it on the addresses it misuses: reading address 0 is undefined
 * behaviour in C, and a compiler that can see the 0 is allowed to replace
 * the read with anything (GCC emits a ud2). An asm statement with x as
 * input and output hides the value, so the real load or jump is emitted.
 */
static inline uintptr_t opaque(uintptr_t x)
{
    __asm__ volatile("" : "+r"(x));
    return x;
}

/* Call the bytes at address as a function: `call` to whatever is there. */
static inline void call_address(uintptr_t address)
{
    void (*code)(void) = (void (*)(void))opaque(address);
    code();
}

#endif
