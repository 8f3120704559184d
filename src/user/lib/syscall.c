/*
 * src/user/lib/syscall.c - how a user program asks the kernel for something.
 *
 * The SYSCALL instruction (Intel SDM vol. 2B, "SYSCALL") jumps to the
 * kernel's entry point in ring 0. On the way it saves the return address in
 * rcx and RFLAGS in r11, so both are lost to the program; kiln's kernel
 * preserves every other register except rax, which holds the result (the
 * convention is written out in include/kiln/syscall.h).
 *
 * The raw stubs say exactly that to the compiler with GCC extended asm:
 *   - "a"(number) and "=a"(result): the number goes in and the result comes
 *     out through rax;
 *   - "D", "S", "d": rdi, rsi and rdx carry arguments 1 to 3; r10, r8 and r9
 *     have no constraint letter, so arguments 4 to 6 are local variables
 *     bound to those registers (GCC manual, "Specifying Registers for Local
 *     Variables"), set just before the asm;
 *   - clobbers "rcx", "r11": SYSCALL overwrites them;
 *   - clobber "memory": the kernel reads buffers (write) and writes them
 *     (memstats), so values the compiler kept in registers must be stored
 *     before the call and loaded again after it.
 * Arguments are uint64_t, so a test can pass any 64-bit value, including
 * ones no well-behaved program would.
 */
#include "sys.h"

long kiln_syscall0(uint64_t number)
{
    long result;
    __asm__ volatile("syscall" : "=a"(result) : "a"(number) : "rcx", "r11", "memory");
    return result;
}

long kiln_syscall1(uint64_t number, uint64_t a1)
{
    long result;
    __asm__ volatile("syscall" : "=a"(result) : "a"(number), "D"(a1) : "rcx", "r11", "memory");
    return result;
}

long kiln_syscall2(uint64_t number, uint64_t a1, uint64_t a2)
{
    long result;
    __asm__ volatile("syscall"
                     : "=a"(result)
                     : "a"(number), "D"(a1), "S"(a2)
                     : "rcx", "r11", "memory");
    return result;
}

long kiln_syscall3(uint64_t number, uint64_t a1, uint64_t a2, uint64_t a3)
{
    long result;
    __asm__ volatile("syscall"
                     : "=a"(result)
                     : "a"(number), "D"(a1), "S"(a2), "d"(a3)
                     : "rcx", "r11", "memory");
    return result;
}

/* Argument 4 goes in r10, not rcx as in a C call: SYSCALL itself uses rcx. */
long kiln_syscall4(uint64_t number, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4)
{
    register uint64_t r10 __asm__("r10") = a4;
    long result;
    __asm__ volatile("syscall"
                     : "=a"(result)
                     : "a"(number), "D"(a1), "S"(a2), "d"(a3), "r"(r10)
                     : "rcx", "r11", "memory");
    return result;
}

long kiln_syscall5(uint64_t number, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
    register uint64_t r10 __asm__("r10") = a4;
    register uint64_t r8 __asm__("r8") = a5;
    long result;
    __asm__ volatile("syscall"
                     : "=a"(result)
                     : "a"(number), "D"(a1), "S"(a2), "d"(a3), "r"(r10), "r"(r8)
                     : "rcx", "r11", "memory");
    return result;
}

long kiln_syscall6(uint64_t number, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5,
                   uint64_t a6)
{
    register uint64_t r10 __asm__("r10") = a4;
    register uint64_t r8 __asm__("r8") = a5;
    register uint64_t r9 __asm__("r9") = a6;
    long result;
    __asm__ volatile("syscall"
                     : "=a"(result)
                     : "a"(number), "D"(a1), "S"(a2), "d"(a3), "r"(r10), "r"(r8), "r"(r9)
                     : "rcx", "r11", "memory");
    return result;
}

/* ---- typed wrappers ------------------------------------------------------ */

/* Pointers travel as plain 64-bit numbers; the kernel checks them. */
#define ARG(p) ((uint64_t)(uintptr_t)(p))

void sys_exit(int status)
{
    /* Sign-extended, so the kernel sees the same int in edi or rdi. */
    kiln_syscall1(SYS_EXIT, (uint64_t)(int64_t)status);
    /* The kernel never returns from exit; if it did, stop here (#UD). */
    for (;;)
        __builtin_trap();
}

long sys_write(const void *buf, size_t len)
{
    return kiln_syscall2(SYS_WRITE, ARG(buf), len);
}

long sys_alloc(size_t size)
{
    return kiln_syscall1(SYS_ALLOC, size);
}

long sys_free(void *ptr)
{
    return kiln_syscall1(SYS_FREE, ARG(ptr));
}

long sys_memstats(struct kiln_memstats *stats, char *picture, size_t picture_len)
{
    return kiln_syscall3(SYS_MEMSTATS, ARG(stats), ARG(picture), picture_len);
}

long sys_getpid(void)
{
    return kiln_syscall0(SYS_GETPID);
}

long sys_block_size(void *ptr)
{
    return kiln_syscall1(SYS_BLOCK_SIZE, ARG(ptr));
}

/* [KILN_EFAULT] = "KILN_EFAULT": the # operator turns the macro's argument into a string. */
#define ERROR_NAME(code) [code] = #code

const char *sys_error_name(long result)
{
    static const char *const names[] = {
        ERROR_NAME(KILN_ENOSYS),  ERROR_NAME(KILN_EFAULT),      ERROR_NAME(KILN_EINVAL),
        ERROR_NAME(KILN_ENOMEM),  ERROR_NAME(KILN_EDOUBLEFREE), ERROR_NAME(KILN_ENOTHEAP),
        ERROR_NAME(KILN_EMIDDLE), ERROR_NAME(KILN_ECORRUPT),
    };
    if (!sys_is_error(result))
        return "not an error";
    unsigned long code = (unsigned long)-result;
    if (code < sizeof names / sizeof names[0] && names[code])
        return names[code];
    return "an unknown error code";
}
