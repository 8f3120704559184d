/*
 * hostile-bad-syscall - system-call numbers that name no system call.
 *
 * The kernel indexes a table with rax, so a number it does not bound-check
 * would make it call whatever address lies past the table. All 64 bits of
 * rax count: 2^32 + 5 is not getpid (5), and -1 is not a small number. The
 * arguments are junk on purpose: if the kernel cut the number to 32 bits,
 * 2^32 would become exit(77) and the exit status would say so. Each must
 * return -KILN_ENOSYS. Exit status: the number of wrong results.
 */
#include <stdint.h>

#include "check.h"
#include "stdio.h"
#include "sys.h"

#define JUNK 77

int main(void)
{
    static const struct {
        const char *what;
        uint64_t number;
    } calls[] = {
        {"syscall 7 (SYS_COUNT)", SYS_COUNT},
        {"syscall 1000", 1000},
        {"syscall -1 (0xffffffffffffffff)", 0xffffffffffffffffull},
        {"syscall 2^63", 1ull << 63},
        {"syscall 2^32", 1ull << 32},
        {"syscall 2^32 + 5", (1ull << 32) + SYS_GETPID},
    };
    int wrong = 0;

    puts("calling system-call numbers that do not exist");
    for (unsigned i = 0; i < sizeof calls / sizeof calls[0]; i++)
        wrong += expect_result(calls[i].what, -KILN_ENOSYS,
                               kiln_syscall6(calls[i].number, JUNK, JUNK, JUNK, JUNK, JUNK, JUNK));
    printf("%d wrong result(s)\n", wrong);
    return wrong;
}
