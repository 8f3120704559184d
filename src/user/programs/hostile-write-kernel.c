/*
 * hostile-write-kernel - write into the kernel's direct map from ring 3.
 *
 * The direct map (DIRECT_MAP_BASE) is the kernel's window onto all physical
 * memory; writing to it could change anything, the kernel's code included.
 * Its pages are supervisor-only, so the write must fault (#PF, error code:
 * present, write, user) and kill the program.
 */
#include <stdint.h>

#include "check.h"
#include "stdio.h"

int main(void)
{
    printf("writing to the kernel's direct map at %#llx\n", KERNEL_DIRECT_MAP_ADDRESS);
    *(volatile uint64_t *)opaque(KERNEL_DIRECT_MAP_ADDRESS) = 0x4141414141414141ull;
    hostile_survived();
}
