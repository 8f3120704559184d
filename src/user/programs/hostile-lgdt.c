/*
 * hostile-lgdt - replace the CPU's segment table from ring 3.
 *
 * LGDT loads the GDT register: whoever controls the GDT decides what ring 0
 * code segments exist. It is privileged, so from ring 3 it raises a
 * general-protection fault (#GP) before reading its operand: here a
 * 10-byte descriptor (limit, base) of zeros on the stack.
 */
#include <stdint.h>

#include "check.h"
#include "stdio.h"

struct __attribute__((packed)) descriptor_register {
    uint16_t limit;
    uint64_t base;
};

int main(void)
{
    struct descriptor_register gdtr = {0, 0};
    puts("executing lgdt with a zero descriptor");
    __asm__ volatile("lgdt %0" : : "m"(gdtr));
    hostile_survived();
}
