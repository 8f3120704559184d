/*
 * hostile-write-code - overwrite its own code.
 *
 * The text segment is mapped read + execute (user.ld, PT_LOAD FLAGS(5)), so
 * a program cannot change its instructions, by mistake or by an attacker's
 * buffer overflow. The write hits a present, user, read-only page: a
 * protection-violation page fault (error code 7: present, write, user).
 */
#include <stdint.h>

#include "check.h"
#include "stdio.h"

int main(void)
{
    uintptr_t code = (uintptr_t)&main;
    printf("writing a byte over main's first instruction at %#lx\n", code);
    *(volatile uint8_t *)opaque(code) = 0xc3; /* ret */
    hostile_survived();
}
