/*
 * exit42 - main returns 42, and the kernel must report exit status 42.
 *
 * Checks the path from main's return value (eax) through crt0's _start to
 * the SYS_EXIT call (edi): no exit() call in this program.
 */
#include "stdio.h"

int main(void)
{
    puts("returning 42 from main; _start passes it to exit");
    return 42;
}
