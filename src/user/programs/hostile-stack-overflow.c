/*
 * hostile-stack-overflow - recurse until the stack runs out.
 *
 * The user stack is USER_STACK_SIZE (64 KiB) with USER_STACK_GUARD (1 MiB)
 * of never-mapped addresses below it. Each call here takes over 512 bytes,
 * so about 120 calls deep the next push lands in the guard: a page fault
 * the kernel names a stack overflow, instead of the stack silently growing
 * into whatever lies below.
 */
#include <stddef.h>

#include "check.h"
#include "stdio.h"

/* Never equal to a real depth, but the compiler cannot know: the recursion
 * has an exit as far as it can tell, so it does not warn about it. */
static volatile int stop_at_depth = -1;

/* noinline: else GCC inlines a few levels into each other, one bigger frame per call. */
__attribute__((noinline)) static int recurse(int depth)
{
    /*
     * volatile, and indexed by a value known only at run time: the whole
     * array must be on the stack (with frame[0] alone, clang keeps one byte).
     */
    volatile char frame[512];
    size_t slot = (unsigned)depth % sizeof frame;
    frame[slot] = (char)depth;
    if (depth == stop_at_depth)
        return 0;
    /* Using frame after the call keeps this a real call, not a loop (no tail call). */
    return recurse(depth + 1) + frame[slot];
}

int main(void)
{
    puts("recursing with 512 bytes a call until the stack runs into its guard");
    recurse(0);
    hostile_survived();
}
