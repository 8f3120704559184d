/*
 * hostile-cli - turn interrupts off from ring 3.
 *
 * With interrupts off, the timer could never take the CPU back. CLI is
 * allowed only when CPL <= IOPL; kiln runs user code with IOPL 0, so the
 * CPU raises a general-protection fault (#GP) instead (Intel SDM vol. 2A,
 * "CLI").
 */
#include "check.h"
#include "stdio.h"

int main(void)
{
    puts("executing cli");
    __asm__ volatile("cli");
    hostile_survived();
}
