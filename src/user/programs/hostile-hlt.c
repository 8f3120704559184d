/*
 * hostile-hlt - stop the CPU from ring 3.
 *
 * HLT is a privileged instruction (ring 0 only): from ring 3 it raises a
 * general-protection fault (#GP) instead of halting the machine.
 */
#include "check.h"
#include "stdio.h"

int main(void)
{
    puts("executing hlt");
    __asm__ volatile("hlt");
    hostile_survived();
}
