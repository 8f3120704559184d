/*
 * sys.h - kiln's system calls as C functions, for user programs.
 *
 * Two layers, both in src/user/lib/syscall.c:
 *
 *   kiln_syscall0() ... kiln_syscall6()   the raw SYSCALL instruction: a
 *       number and up to six 64-bit arguments, any values at all. The
 *       hostile test programs use these to hand the kernel kernel
 *       addresses, huge lengths and numbers that are no system call.
 *
 *   sys_write(), sys_alloc(), ...         one typed function per call in
 *       kiln/syscall.h, for ordinary programs.
 *
 * Every function returns what the kernel put in rax: a result, or minus a
 * KILN_E* code (sys_is_error() tells which). The numbers, codes and
 * struct kiln_memstats come from include/kiln/syscall.h, the header the
 * kernel is compiled with too.
 */
#ifndef KILN_USER_SYS_H
#define KILN_USER_SYS_H

#include <stddef.h>
#include <stdint.h>

#include "kiln/syscall.h"

/* ---- raw system calls: rax = number, then rdi, rsi, rdx, r10, r8, r9 ---- */

long kiln_syscall0(uint64_t number);
long kiln_syscall1(uint64_t number, uint64_t a1);
long kiln_syscall2(uint64_t number, uint64_t a1, uint64_t a2);
long kiln_syscall3(uint64_t number, uint64_t a1, uint64_t a2, uint64_t a3);
long kiln_syscall4(uint64_t number, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4);
long kiln_syscall5(uint64_t number, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4,
                   uint64_t a5);
long kiln_syscall6(uint64_t number, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5,
                   uint64_t a6);

/* ---- one function per system call (kiln/syscall.h says what each does) -- */

__attribute__((noreturn)) void sys_exit(int status);
long sys_write(const void *buf, size_t len);
long sys_alloc(size_t size); /* the block's address, or -KILN_E* */
long sys_free(void *ptr);
long sys_memstats(struct kiln_memstats *stats, char *picture, size_t picture_len);
long sys_getpid(void);
long sys_block_size(void *ptr);

/* A result from -KILN_ERRNO_MAX to -1 is an error; anything else is a success. */
static inline int sys_is_error(long result)
{
    return result < 0 && result >= -KILN_ERRNO_MAX;
}

/* "KILN_EFAULT" for -KILN_EFAULT, ...; "not an error" for a success. */
const char *sys_error_name(long result);

#endif
