/*
 * arch/x86_64/syscall_msr.c - the registers behind SYSCALL and SYSRET.
 *
 * SYSCALL does not read the IDT or the TSS. It takes everything from MSRs
 * (Intel SDM Vol. 3A, 5.8.8; the instructions: Vol. 2B, SYSCALL, SYSRET):
 *   LSTAR   the 64-bit address it jumps to
 *   STAR    the selectors it loads (and SYSRET loads on the way back)
 *   SFMASK  the RFLAGS bits it clears on entry
 *   EFER.SCE  whether the instructions exist at all (else they raise #UD)
 * It does not switch stacks either: asm/syscall.asm does that itself.
 */
#include "arch/x86_64/syscall_msr.h"

#include <stdint.h>

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/gdt.h"

void syscall_entry(void); /* asm/syscall.asm */

/*
 * RFLAGS bits cleared on entry: IF (no interrupts in the stub), TF (no
 * single-step trap on the user stack), DF (the C ABI wants it clear), IOPL
 * and NT (with NT set, the kernel's next IRETQ would fault: test
 * hostile.nested_task), AC. SYSRET restores the user's own flags from R11.
 */
#define SYSCALL_RFLAGS_MASK                                                                        \
    (RFLAGS_TF | RFLAGS_IF | RFLAGS_DF | RFLAGS_IOPL | RFLAGS_NT | RFLAGS_AC)

void syscall_msr_init(void)
{
    /* STAR[47:32]: SYSCALL's CS (SS is that + 8). STAR[63:48] + 16 is
     * SYSRET's CS and + 8 its SS: user code and data, with RPL 3. */
    uint64_t star = ((uint64_t)(GDT_USER_DATA - 8) << 48) | ((uint64_t)GDT_KERNEL_CODE << 32);
    wrmsr(MSR_STAR, star);
    wrmsr(MSR_LSTAR, (uint64_t)(uintptr_t)syscall_entry);
    wrmsr(MSR_SFMASK, SYSCALL_RFLAGS_MASK);
    wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_SCE);
}
