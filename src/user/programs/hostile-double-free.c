/*
 * hostile-double-free - free what is not a block, or not any more.
 *
 * free() gets only a pointer, so the kernel must work out whether it is the
 * start of a block in use before it links the block into a free list.
 * Freeing a block twice would put it on a free list twice, and two later
 * allocations would share it; freeing the middle of a block or a pointer
 * outside the heap would corrupt the allocator's bookkeeping. Each mistake
 * must be refused with its own error and leave the heap intact. Exit
 * status: the number of wrong results.
 */
#include <stdint.h>

#include "check.h"
#include "stdio.h"
#include "sys.h"

int main(void)
{
    int on_the_stack = 0;
    int wrong = 0;

    puts("freeing blocks twice, into their middle, and pointers the heap never gave");
    long p = sys_alloc(64);
    require(100, !sys_is_error(p), "alloc(64): %s", sys_error_name(p));
    wrong += expect_result("free(p)", 0, sys_free((void *)p));
    wrong += expect_result("free(p) again", -KILN_EDOUBLEFREE, sys_free((void *)p));

    long q = sys_alloc(64);
    require(101, !sys_is_error(q), "alloc(64): %s", sys_error_name(q));
    wrong += expect_result("free(q + 16)", -KILN_EMIDDLE, sys_free((void *)(q + 16)));
    wrong += expect_result("free(a stack variable)", -KILN_ENOTHEAP, sys_free(&on_the_stack));
    wrong += expect_result("free(a kernel pointer)", -KILN_ENOTHEAP,
                           kiln_syscall1(SYS_FREE, KERNEL_CODE_ADDRESS));
    wrong += expect_result("block_size(a stack variable)", -KILN_ENOTHEAP,
                           sys_block_size(&on_the_stack));
    wrong +=
        expect_result("block_size(q) is still at least 64", 1, sys_block_size((void *)q) >= 64);
    wrong += expect_result("free(q)", 0, sys_free((void *)q));

    struct kiln_memstats stats;
    sys_memstats(&stats, NULL, 0);
    wrong += expect_result("blocks in use at the end", 0, (long)stats.heap_blocks);
    printf("%d wrong result(s)\n", wrong);
    return wrong;
}
