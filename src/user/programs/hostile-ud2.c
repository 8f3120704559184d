/*
 * hostile-ud2 - execute an invalid instruction.
 *
 * UD2 is defined to be undefined: the CPU raises an invalid-opcode
 * exception (#UD, vector 6). The same happens when a program jumps into
 * data that does not decode; the kernel kills it and goes on.
 */
#include "check.h"
#include "stdio.h"

int main(void)
{
    puts("executing ud2");
    __asm__ volatile("ud2");
    hostile_survived();
}
