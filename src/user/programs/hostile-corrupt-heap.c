/*
 * hostile-corrupt-heap - overwrite the allocator's links inside a free block.
 *
 * The buddy allocator keeps each free block's free-list links inside the
 * block itself, in the program's own memory. A program can overwrite them
 * after free() (a use-after-free bug). So the kernel must check a link
 * before following it: a damaged one is -KILN_ECORRUPT, never a kernel page
 * fault or a block handed out twice.
 *
 * a and b come from one split, so a's buddy (b) is in use and a, once
 * freed, stays a lone free block on its free list. Its first 32 bytes are
 * then overwritten with 0x41, and the next allocations of the same size
 * reach that list. Exit status 0 when -KILN_ECORRUPT came.
 */
#include <stdint.h>

#include "check.h"
#include "stdio.h"
#include "string.h"
#include "sys.h"

#define BLOCK 64
#define TRIES 4

int main(void)
{
    puts("freeing a block, overwriting its free-list links, allocating again");
    long a = sys_alloc(BLOCK);
    long b = sys_alloc(BLOCK);
    require(2, !sys_is_error(a) && !sys_is_error(b), "alloc(%d): %s, %s", BLOCK, sys_error_name(a),
            sys_error_name(b));
    require(3, sys_free((void *)a) == 0, "free(a) failed");
    memset((void *)a, 0x41, 32);

    for (int i = 1; i <= TRIES; i++) {
        long result = sys_alloc(BLOCK);
        printf("alloc(%d) number %d: %#lx (%s)\n", BLOCK, i, (unsigned long)result,
               sys_error_name(result));
        if (result == -KILN_ECORRUPT) {
            puts("the kernel noticed the damage: -KILN_ECORRUPT");
            return 0;
        }
    }
    printf("FAIL: %d allocations after the damage and no -KILN_ECORRUPT\n", TRIES);
    return 1;
}
