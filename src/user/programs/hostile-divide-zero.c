/*
 * hostile-divide-zero - integer division by zero.
 *
 * The x86 DIV and IDIV instructions raise a divide error (#DE, vector 0)
 * when the divisor is 0. In ring 0 that would be a kernel panic; in ring 3
 * the kernel kills the program and goes on.
 */
#include "check.h"
#include "stdio.h"

/*
 * volatile: both are read at run time, so the compiler must emit a real
 * idiv. (With a constant 1 it may not: 1 / x is 0 unless x is 1 or -1, and
 * since dividing by zero is undefined behaviour, GCC computes 1 / x with a
 * compare instead of dividing.)
 */
static volatile int one = 1;
static volatile int zero = 0;

int main(void)
{
    puts("dividing 1 by 0");
    int quotient = one / zero;
    printf("1 / 0 = %d\n", quotient);
    hostile_survived();
}
