/*
 * hostile-demand-oom - touch every page of a 1 GiB .bss until memory runs out.
 *
 * Under vm=immediate (the default) a 128 MiB machine refuses the program
 * before it starts: its .bss is mapped up front and does not fit. Under
 * vm=demand or vm=zero-page it starts, and each page gets its frame from the
 * page-fault handler on its first touch (here a read, then a write: under
 * vm=zero-page the read maps the shared zero page and the write takes a
 * frame of its own). When the frames run out the kernel must kill it with
 * "out of memory while backing a demand page at ADDR", take every frame
 * back and go on (src/ktest/test_demand.c). Only a machine with more than
 * 1 GiB free lets it reach the end: it then exits 0.
 */
#include <stdint.h>

#include "check.h"
#include "stdio.h"

#define BIG_BSS_SIZE (1UL << 30)
#define PAGE 4096UL

/* Not static, and reached through volatile pointers, so the compiler keeps it. */
uint8_t big[BIG_BSS_SIZE];

int main(void)
{
    puts("touching every page of 1 GiB of .bss, a read and then a write each");
    for (size_t offset = 0; offset < BIG_BSS_SIZE; offset += PAGE) {
        volatile uint8_t *p = &big[offset];
        require(1, *p == 0, "byte %zu of .bss is %#x before any write, expected 0", offset, *p);
        *p = 0x5a;
    }
    puts("all of it fitted");
    return 0;
}
