/*
 * hostile-x87 - use the x87 floating-point unit.
 *
 * kiln saves no FPU state between processes, so FPU registers would carry
 * one program's values into the next. Instead the kernel sets CR0.EM: every
 * x87 instruction raises #NM (device not available) and the program is
 * killed (and MMX or SSE instructions raise #UD). User code is compiled with
 * -mgeneral-regs-only, so only a hand-written instruction like this one gets
 * there.
 */
#include "check.h"
#include "stdio.h"

int main(void)
{
    puts("executing fninit and fld1");
    __asm__ volatile("fninit\n\tfld1" ::: "memory");
    hostile_survived();
}
