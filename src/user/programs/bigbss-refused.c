/*
 * bigbss-refused - a program whose .bss is 1 GiB: more than a small machine has.
 *
 * The array takes no room in the file (p_memsz > p_filesz), but the loader
 * maps the whole segment at once (immediate mapping), so on a machine with
 * less than 1 GiB free it cannot: the loader sees that before taking a frame
 * and must refuse the program with a named reason, every frame still free; the
 * in-kernel test (src/ktest/test_user.c) checks both, and ci/bench counts
 * the instructions the refusal costs. On a machine big enough to hold it the
 * program runs: it touches a few pages and exits 0.
 */
#include <stdint.h>

#include "check.h"
#include "stdio.h"

#define BIG_BSS_SIZE (1UL << 30)
#define PAGE 4096UL

/* Not static, and reached through volatile pointers: an optimiser that saw it
 * only read as zero and written (clang does) would drop the whole array. */
uint8_t big[BIG_BSS_SIZE];

int main(void)
{
    puts("1 GiB of .bss was mapped: this machine has room for it");
    /* The first, a middle and the last page: zero when they arrive, then written. */
    const size_t pages[] = {0, BIG_BSS_SIZE / PAGE / 2, BIG_BSS_SIZE / PAGE - 1};
    for (unsigned i = 0; i < sizeof(pages) / sizeof(pages[0]); i++) {
        volatile uint8_t *p = &big[pages[i] * PAGE];
        require(1 + (int)i, *p == 0, "byte 0 of .bss page %zu is %#x, expected 0", pages[i], *p);
        *p = (uint8_t)(i + 1);
    }
    return 0;
}
