/*
 * arch/x86_64/gdt.c - the kernel's global descriptor table and TSS.
 *
 * In long mode segments do little: code segments say "64-bit, ring 0 or 3",
 * and the task-state segment (TSS) says which stacks the CPU switches to on
 * an interrupt. We use its interrupt stack table (IST) so that a double fault
 * (often a kernel stack overflow) runs on a stack of its own and can still
 * print a panic instead of turning into a triple fault and a reset.
 * Intel SDM vol. 3A, 3.4.5 (descriptors) and 7.7 (64-bit TSS).
 */
#include "arch/x86_64/gdt.h"

#include <stdint.h>

struct tss {
    uint32_t reserved0;
    uint64_t rsp[3]; /* stacks for entering rings 0-2 from a lower privilege */
    uint64_t reserved1;
    uint64_t ist[7]; /* IST1..IST7 */
    uint64_t reserved2;
    uint16_t reserved3;
    uint16_t iomap_base;
} __attribute__((packed));

#define DOUBLE_FAULT_STACK_SIZE 16384

/* The page below the stack is a guard page the VMM leaves unmapped. */
static struct {
    uint8_t guard[4096];
    uint8_t stack[DOUBLE_FAULT_STACK_SIZE];
} double_fault __attribute__((aligned(4096)));
#define double_fault_stack double_fault.stack
static struct tss tss;

/* Access byte: present, DPL, code/data, and type bits; flags: L (64-bit). */
#define SEG_KERNEL_CODE 0x00AF9A000000FFFFull
#define SEG_KERNEL_DATA 0x00CF92000000FFFFull
#define SEG_USER_DATA 0x00CFF2000000FFFFull
#define SEG_USER_CODE 0x00AFFA000000FFFFull
#define TSS_TYPE_AVAILABLE 0x89ull

static uint64_t gdt[7] __attribute__((aligned(16)));

struct __attribute__((packed)) descriptor_pointer {
    uint16_t limit;
    uint64_t base;
};

static void set_tss_descriptor(uint64_t *slot, const struct tss *t)
{
    uint64_t base = (uint64_t)(uintptr_t)t;
    uint64_t limit = sizeof(*t) - 1;
    slot[0] = (limit & 0xFFFF) | ((base & 0xFFFFFF) << 16) | (TSS_TYPE_AVAILABLE << 40) |
              (((limit >> 16) & 0xF) << 48) | (((base >> 24) & 0xFF) << 56);
    slot[1] = base >> 32;
}

bool gdt_on_double_fault_stack(uint64_t addr)
{
    uint64_t base = (uint64_t)(uintptr_t)double_fault_stack;
    return addr >= base && addr < base + sizeof(double_fault_stack);
}

uint64_t gdt_double_fault_guard(void)
{
    return (uint64_t)(uintptr_t)double_fault.guard;
}

void gdt_set_kernel_stack(uint64_t rsp0)
{
    tss.rsp[0] = rsp0;
}

void gdt_init(void)
{
    gdt[0] = 0;
    gdt[GDT_KERNEL_CODE / 8] = SEG_KERNEL_CODE;
    gdt[GDT_KERNEL_DATA / 8] = SEG_KERNEL_DATA;
    gdt[GDT_USER_DATA / 8] = SEG_USER_DATA;
    gdt[GDT_USER_CODE / 8] = SEG_USER_CODE;
    tss.ist[IST_DOUBLE_FAULT - 1] = (uint64_t)(uintptr_t)(double_fault_stack + sizeof(double_fault_stack));
    tss.iomap_base = sizeof(tss); /* no I/O permission bitmap */
    set_tss_descriptor(&gdt[GDT_TSS / 8], &tss);

    struct descriptor_pointer ptr = {sizeof(gdt) - 1, (uint64_t)(uintptr_t)gdt};
    /* Reload CS with a far return, then the data segments, then the task register. */
    __asm__ volatile("lgdt %0\n\t"
                     "pushq %1\n\t"
                     "leaq 1f(%%rip), %%rax\n\t"
                     "pushq %%rax\n\t"
                     "lretq\n"
                     "1:\n\t"
                     "movw %w2, %%ax\n\t"
                     "movw %%ax, %%ds\n\t"
                     "movw %%ax, %%es\n\t"
                     "movw %%ax, %%ss\n\t"
                     "xorl %%eax, %%eax\n\t"
                     "movw %%ax, %%fs\n\t"
                     "movw %%ax, %%gs\n\t"
                     "ltr %w3"
                     :
                     : "m"(ptr), "i"(GDT_KERNEL_CODE), "r"((uint16_t)GDT_KERNEL_DATA),
                       "r"((uint16_t)GDT_TSS)
                     : "rax", "memory");
}
