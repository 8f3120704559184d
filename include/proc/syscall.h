/*
 * proc/syscall.h - the kernel's side of the system calls.
 *
 * The numbers, error codes and structures shared with user programs are in
 * include/kiln/syscall.h. This header is what the kernel adds: the register
 * frame asm/syscall.asm saves and the dispatcher it calls. The SYSCALL
 * instruction itself is set up in src/arch/x86_64/syscall_msr.c.
 */
#ifndef KILN_PROC_SYSCALL_H
#define KILN_PROC_SYSCALL_H

#include <stdint.h>

/* The user's registers as asm/syscall.asm pushes them (last pushed first). */
struct syscall_frame {
    uint64_t r15, r14, r13, r12, rbp, rbx;
    uint64_t r9, r8, r10, rdx, rsi, rdi; /* arguments 6..1 */
    uint64_t rax;    /* the number in, the result out */
    uint64_t rip;    /* from RCX: the instruction after SYSCALL */
    uint64_t rflags; /* from R11 */
    uint64_t rsp;    /* the user stack */
};

/* Called by asm/syscall.asm with the saved registers; puts the result in frame->rax. */
void syscall_dispatch(struct syscall_frame *frame);

#endif
