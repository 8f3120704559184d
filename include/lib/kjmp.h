/*
 * lib/kjmp.h - setjmp/longjmp for the kernel (asm/context.asm).
 */
#ifndef KILN_LIB_KJMP_H
#define KILN_LIB_KJMP_H

#include <stdint.h>

struct kjmp_buf {
    uint64_t rbx, rbp, r12, r13, r14, r15, rsp, rip;
};

__attribute__((returns_twice)) int ksetjmp(struct kjmp_buf *buf);
__attribute__((noreturn)) void klongjmp(struct kjmp_buf *buf, int value);

#endif
