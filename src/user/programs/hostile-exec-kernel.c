/*
 * hostile-exec-kernel - jump into the kernel's code from ring 3.
 *
 * A call does not change the privilege level: the kernel's instructions
 * would run in ring 3, but they are on supervisor-only pages, so the CPU
 * cannot even fetch them. The page fault's address (cr2) and rip are both
 * the kernel address; error code: present, user, instruction fetch.
 */
#include "check.h"
#include "stdio.h"

int main(void)
{
    printf("calling the kernel's code at %#llx\n", KERNEL_CODE_ADDRESS);
    call_address(KERNEL_CODE_ADDRESS);
    hostile_survived();
}
