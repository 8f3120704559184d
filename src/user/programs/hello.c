/*
 * hello - the smallest user program: one system call, then exit.
 *
 * No printf, no library beyond the SYS_WRITE wrapper: if this line appears
 * on the console, the kernel loaded an ELF, entered ring 3 at _start, took a
 * SYSCALL and returned to user mode. main's 0 goes to exit through crt0.
 */
#include "sys.h"

int main(void)
{
    static const char message[] = "hello from ring 3\n";
    sys_write(message, sizeof message - 1);
    return 0;
}
