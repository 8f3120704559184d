/*
 * hostile-read-kernel - read the kernel's code from ring 3.
 *
 * The kernel image is mapped in every process's address space, but its
 * pages are supervisor-only (U/S bit clear). A read from ring 3 must end in
 * a page fault that kills the program (error code: present, user, read),
 * and the kernel must carry on.
 */
#include <stdint.h>

#include "check.h"
#include "stdio.h"

int main(void)
{
    printf("reading 8 bytes of the kernel image at %#llx\n", KERNEL_CODE_ADDRESS);
    uint64_t value = *(volatile uint64_t *)opaque(KERNEL_CODE_ADDRESS);
    printf("read %#lx\n", value);
    hostile_survived();
}
