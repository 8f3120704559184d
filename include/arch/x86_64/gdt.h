/*
 * arch/x86_64/gdt.h - segments and the task-state segment.
 */
#ifndef KILN_ARCH_X86_64_GDT_H
#define KILN_ARCH_X86_64_GDT_H

#include <stdbool.h>
#include <stdint.h>

/*
 * Selector values. SYSRET (used by the userspace layer) loads SS from
 * STAR[63:48] + 8 and CS from STAR[63:48] + 16, so user data must come right
 * before user code.
 */
#define GDT_KERNEL_CODE 0x08
#define GDT_KERNEL_DATA 0x10
#define GDT_USER_DATA 0x18
#define GDT_USER_CODE 0x20
#define GDT_TSS 0x28

/* Interrupt stack table slot used by the double-fault handler. */
#define IST_DOUBLE_FAULT 1

void gdt_init(void);

/* The stack the CPU switches to when an interrupt or exception arrives while
 * ring 3 runs (TSS.rsp0): the running process's kernel stack. */
void gdt_set_kernel_stack(uint64_t rsp0);

/* True when addr lies on the double-fault handler's own stack (IST1). */
bool gdt_on_double_fault_stack(uint64_t addr);
/* The guard page under that stack (page-aligned; unmapped once the VMM is up). */
uint64_t gdt_double_fault_guard(void);

#endif
