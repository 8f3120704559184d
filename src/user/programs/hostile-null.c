/*
 * hostile-null - dereference a NULL pointer.
 *
 * Nothing is mapped below USER_IMAGE_MIN (4 MiB), so reading address 0 is a
 * page fault (not present, user, read) that the kernel names a NULL-pointer
 * dereference. opaque() hides the 0 from the compiler, which could
 * otherwise treat the read as undefined behaviour and emit something else.
 */
#include <stdint.h>

#include "check.h"
#include "stdio.h"

int main(void)
{
    puts("reading address 0");
    uint64_t value = *(volatile uint64_t *)opaque(0);
    printf("read %#lx\n", value);
    hostile_survived();
}
