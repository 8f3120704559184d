/*
 * hostile-oom - allocate until the heap cannot grow, and leave it all behind.
 *
 * Sizes the allocator can never serve are refused at once (-KILN_EINVAL).
 * Then 1 MiB blocks until the kernel says -KILN_ENOMEM: it runs out of free
 * frames, or of the heap's address range (USER_HEAP_RANGE), and must say so
 * rather than panic or hand out memory it does not have. Nothing is freed:
 * the kernel must take every frame back when the program exits (the
 * in-kernel test counts them). Exit status 0 when ENOMEM came.
 */
#include <stdint.h>

#include "check.h"
#include "stdio.h"
#include "sys.h"

#define BLOCK_SIZE (1u << 20)
#define MAX_TRIES 4096 /* 4 GiB: more than USER_HEAP_RANGE, so ENOMEM must come */

int main(void)
{
    puts("alloc(0), alloc(too much), then 1 MiB blocks until the heap is full");
    if (expect_result("alloc(0)", -KILN_EINVAL, sys_alloc(0)))
        return 2;
    if (expect_result("alloc(KILN_ALLOC_MAX + 1)", -KILN_EINVAL, sys_alloc(KILN_ALLOC_MAX + 1)))
        return 3;

    for (int count = 0; count < MAX_TRIES; count++) {
        long result = sys_alloc(BLOCK_SIZE);
        if (result == -KILN_ENOMEM) {
            printf("%d blocks of 1 MiB, then -KILN_ENOMEM: the heap is full\n", count);
            return 0;
        }
        if (sys_is_error(result)) {
            printf("FAIL: alloc(1 MiB) number %d: expected a block or -KILN_ENOMEM, got %ld (%s)\n",
                   count + 1, result, sys_error_name(result));
            return 1;
        }
    }
    printf("FAIL: %d blocks of 1 MiB and never -KILN_ENOMEM\n", MAX_TRIES);
    return 1;
}
