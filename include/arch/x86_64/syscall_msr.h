/*
 * arch/x86_64/syscall_msr.h - turn on the SYSCALL instruction.
 *
 * SYSCALL and SYSRET are configured by four model-specific registers, not by
 * a gate in the IDT (Intel SDM Vol. 3A, 5.8.8 "Fast System Calls in 64-Bit
 * Mode"). Which handler runs is the process layer's business
 * (src/proc/syscall.c); this is only the hardware's side of the door.
 */
#ifndef KILN_ARCH_X86_64_SYSCALL_MSR_H
#define KILN_ARCH_X86_64_SYSCALL_MSR_H

/* Sets EFER.SCE, STAR, LSTAR and SFMASK: after this, SYSCALL in ring 3 enters
 * syscall_entry (asm/syscall.asm) on the kernel code segment. */
void syscall_msr_init(void);

#endif
