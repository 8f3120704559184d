/*
 * hostile-exec-heap - run an instruction written into a malloc'd block.
 *
 * Heap arenas are mapped read + write + no-execute (NX), like the stack, so
 * data a program receives (or an attacker plants) cannot be run. Fetching
 * the instruction is a page fault (error code: present, user, instruction
 * fetch). On a CPU without NX the byte runs: a `ret`, so the call returns.
 */
#include <stdint.h>

#include "check.h"
#include "stdio.h"
#include "stdlib.h"

#define RET_OPCODE 0xc3

int main(void)
{
    volatile uint8_t *code = malloc(16);
    require(1, code != NULL, "malloc(16) failed");
    code[0] = RET_OPCODE;
    printf("calling a ret instruction on the heap at %p\n", (void *)code);
    call_address((uintptr_t)code);
    puts("executed the heap: this CPU (or kernel) does not use NX");
    return 3;
}
