/*
 * bigbss-96m - a program whose .bss is 96 MiB: it fits in a 128 MiB machine.
 *
 * The loader maps all 24,576 pages before the program starts (immediate
 * mapping) and takes them all back at exit. The program touches the first
 * and last page and one page in every 8 MiB, checks each was zero, and
 * exits 0. ci/bench counts the instructions from load to teardown; the
 * in-kernel test (src/ktest/test_user.c) checks every frame came back.
 */
#include <stdint.h>

#include "check.h"
#include "stdio.h"

#define BIG_BSS_SIZE (96UL << 20)
#define PAGE 4096UL
#define STRIDE (8UL << 20)

/* Not static, and reached through volatile pointers: an optimiser that saw it
 * only read as zero and written (clang does) would drop the whole array. */
uint8_t big[BIG_BSS_SIZE];

static void touch(size_t offset, uint8_t mark)
{
    volatile uint8_t *p = &big[offset];
    require(1, *p == 0, "byte %zu of .bss is %#x before any write, expected 0", offset, *p);
    *p = mark;
    require(2, *p == mark, "byte %zu of .bss did not keep %#x", offset, mark);
}

int main(void)
{
    unsigned touched = 0;
    for (size_t offset = 0; offset < BIG_BSS_SIZE; offset += STRIDE)
        touch(offset, (uint8_t)++touched);
    touch(BIG_BSS_SIZE - 1, 0xff);
    printf("96 MiB of .bss: %u pages touched, each zero until written\n", touched + 1);
    return 0;
}
