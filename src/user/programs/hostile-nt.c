/*
 * hostile-nt - leave the "nested task" flag set in RFLAGS, then exit.
 *
 * Ring 3 may set NT with POPF. SYSCALL copies RFLAGS into R11 and clears
 * only the bits listed in the SFMASK register, so a kernel that does not
 * mask NT runs its system call, and whatever comes after, with NT = 1; the
 * next IRETQ in long mode then raises #GP inside the kernel (Intel SDM vol.
 * 2A, "IRET"). kiln masks NT (and IOPL, AC, TF, DF, IF) on entry and resets
 * RFLAGS when a process ends, so this program simply exits 0, and the next
 * program starts normally.
 */
#include "check.h"
#include "stdio.h"

int main(void)
{
    puts("setting RFLAGS.NT, then exiting through a system call");
    __asm__ volatile("pushfq\n\t"
                     "orq $0x4000, (%%rsp)\n\t" /* NT is bit 14 */
                     "popfq" ::: "memory", "cc");
    return 0;
}
