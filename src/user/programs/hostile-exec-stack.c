/*
 * hostile-exec-stack - run an instruction written onto the stack.
 *
 * The classic attack: overflow a stack buffer with machine code and jump to
 * it. The stack is mapped with the NX bit (no-execute; the program header
 * PT_GNU_STACK asks for R W only), so fetching an instruction from it is a
 * page fault (error code: present, user, instruction fetch). On a CPU
 * without NX the byte runs: it is a `ret`, so the call comes back.
 */
#include <stdint.h>

#include "check.h"
#include "stdio.h"

#define RET_OPCODE 0xc3

int main(void)
{
    volatile uint8_t code[16];
    code[0] = RET_OPCODE;
    printf("calling a ret instruction on the stack at %p\n", (void *)code);
    call_address((uintptr_t)code);
    puts("executed the stack: this CPU (or kernel) does not use NX");
    return 3;
}
