/*
 * arch/x86_64/idt.h - load the interrupt descriptor table.
 */
#ifndef KILN_ARCH_X86_64_IDT_H
#define KILN_ARCH_X86_64_IDT_H

/* Points the 32 exception vectors at asm/isr.asm's stubs and loads the IDT;
 * other vectors stay not present (kiln takes no interrupts yet). */
void idt_init(void);

#endif
