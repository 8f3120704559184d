/*
 * arch/x86_64/idt.c - the interrupt descriptor table.
 *
 * The IDT tells the CPU where to go for each of the 32 exceptions (Intel SDM
 * Vol. 3A, 6.10 "Interrupt Descriptor Table", 6.14.1 for the 64-bit gate
 * format). Every entry points at a small stub in asm/isr.asm, which saves the
 * registers and calls trap_dispatch() (src/arch/x86_64/trap.c). The double
 * fault gets a stack of its own through the TSS's IST1 (6.14.5), so a kernel
 * stack overflow can still be reported.
 */
#include "arch/x86_64/idt.h"

#include <stdint.h>

#include "arch/x86_64/gdt.h"
#include "arch/x86_64/trap.h"

struct __attribute__((packed)) idt_gate {
    uint16_t offset_low;
    uint16_t selector;
    uint8_t ist;
    uint8_t type_attr;
    uint16_t offset_mid;
    uint32_t offset_high;
    uint32_t reserved;
};

#define GATE_INTERRUPT 0x8E /* present, ring 0, 64-bit interrupt gate (IF cleared) */

extern const uint64_t isr_stub_table[VEC_EXCEPTIONS];

static struct idt_gate idt[256] __attribute__((aligned(16)));

static void set_gate(unsigned vector, uint64_t handler, uint8_t ist)
{
    idt[vector] = (struct idt_gate){
        .offset_low = (uint16_t)handler,
        .selector = GDT_KERNEL_CODE,
        .ist = ist,
        .type_attr = GATE_INTERRUPT,
        .offset_mid = (uint16_t)(handler >> 16),
        .offset_high = (uint32_t)(handler >> 32),
    };
}

void idt_init(void)
{
    for (unsigned v = 0; v < VEC_EXCEPTIONS; v++)
        set_gate(v, isr_stub_table[v], v == VEC_DOUBLE_FAULT ? IST_DOUBLE_FAULT : 0);
    struct __attribute__((packed)) {
        uint16_t limit;
        uint64_t base;
    } ptr = {sizeof(idt) - 1, (uint64_t)(uintptr_t)idt};
    __asm__ volatile("lidt %0" : : "m"(ptr));
}
