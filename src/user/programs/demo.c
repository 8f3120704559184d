/*
 * demo - watch a user heap at work: the demonstration for students.
 *
 * Allocates blocks of very different sizes, frees two of them, then the
 * rest, and after each step asks the kernel (SYS_MEMSTATS) for the heap's
 * numbers and its picture: each arena, and which of its blocks are in use
 * or free. A freed block whose buddy is free too merges with it into one
 * block twice the size (coalescing); the last picture shows the heap whole
 * again. The kernel puts "demo: " in front of every line this prints.
 */
#include "check.h"
#include "stdio.h"
#include "stdlib.h"
#include "string.h"
#include "sys.h"

#define BLOCK_COUNT 5

/* About 3 KiB: a static buffer, not a stack array, so it costs no stack. */
static char picture[3072];

/* Print the heap's numbers and its picture, under a heading saying when. */
static void show_heap(const char *when)
{
    struct kiln_memstats stats;
    long length = sys_memstats(&stats, picture, sizeof picture);
    require(1, !sys_is_error(length), "memstats: %s", sys_error_name(length));

    printf("\n---- the heap %s\n", when);
    printf("in use: %lu bytes in %lu block(s); largest free block %lu bytes; grown %lu time(s)\n",
           stats.heap_used, stats.heap_blocks, stats.heap_largest_free, stats.heap_grows);
    printf("machine: %lu of %lu physical frames free\n", stats.pmm_free_frames,
           stats.pmm_total_frames);
    /* The picture is longer than printf's buffer: write it as it is. */
    size_t shown = strlen(picture);
    sys_write(picture, shown);
    if (shown > 0 && picture[shown - 1] != '\n')
        putchar('\n');
    if ((size_t)length > shown)
        printf("(the picture has %ld bytes; the first %zu are shown)\n", length, shown);
}

int main(void)
{
    static const size_t sizes[BLOCK_COUNT] = {24, 100, 1000, 5000, 64 * 1024};
    void *blocks[BLOCK_COUNT];

    printf("I am process %ld, running in ring 3\n", sys_getpid());
    for (int i = 0; i < BLOCK_COUNT; i++) {
        blocks[i] = malloc(sizes[i]);
        require(2, blocks[i] != NULL, "malloc(%zu): %s", sizes[i],
                sys_error_name(-(long)kiln_errno));
        memset(blocks[i], 'a' + i, sizes[i]); /* touch it: the memory is really there */
        printf("malloc(%zu) = %p, a block of %ld bytes\n", sizes[i], blocks[i],
               sys_block_size(blocks[i]));
    }
    show_heap("after five allocations");

    puts("\nfreeing the 100-byte and the 5000-byte blocks");
    free(blocks[1]);
    free(blocks[3]);
    show_heap("after freeing two blocks: holes between blocks in use");

    puts("\nfreeing the other three");
    free(blocks[0]);
    free(blocks[2]);
    free(blocks[4]);
    show_heap("after freeing everything: the buddies have merged back");
    return 0;
}
