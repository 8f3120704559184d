/*
 * heapgrow - make the heap grow past its first arena, then give it all back.
 *
 * The first arena of a process's heap is 256 KiB, so four 512 KiB blocks
 * cannot fit in it: SYS_ALLOC must map new arenas. Every byte of every block
 * gets a pattern that depends on the block and the offset, so blocks that
 * overlapped, or pages mapped twice, would show as a wrong byte. At the end
 * nothing may be left in use.
 */
#include <stdint.h>

#include "check.h"
#include "stdio.h"
#include "stdlib.h"
#include "sys.h"

#define BLOCKS 4
#define BLOCK_SIZE (512u * 1024)

/* The byte expected at offset i of block b: differs between blocks and along each. */
static uint8_t pattern(unsigned b, size_t i)
{
    return (uint8_t)(i * 7 + (i >> 8) + b * 61 + 1);
}

static struct kiln_memstats memstats(void)
{
    struct kiln_memstats stats;
    long result = sys_memstats(&stats, NULL, 0);
    require(1, !sys_is_error(result), "memstats: %s", sys_error_name(result));
    return stats;
}

int main(void)
{
    uint8_t *blocks[BLOCKS];

    printf("allocating %d blocks of %u KiB (the first arena has 256 KiB)\n", BLOCKS,
           BLOCK_SIZE / 1024);
    for (unsigned b = 0; b < BLOCKS; b++) {
        blocks[b] = malloc(BLOCK_SIZE);
        require(2, blocks[b] != NULL, "malloc(%u) number %u: %s", BLOCK_SIZE, b + 1,
                sys_error_name(-(long)kiln_errno));
        for (size_t i = 0; i < BLOCK_SIZE; i++)
            blocks[b][i] = pattern(b, i);
    }
    for (unsigned b = 0; b < BLOCKS; b++)
        for (size_t i = 0; i < BLOCK_SIZE; i++)
            if (blocks[b][i] != pattern(b, i))
                fail(3, "block %u (%p) byte %zu is %#x, expected %#x", b, (void *)blocks[b], i,
                     blocks[b][i], pattern(b, i));

    struct kiln_memstats grown = memstats();
    printf("%lu arena(s), grown %lu time(s), %lu bytes mapped\n", grown.heap_arenas,
           grown.heap_grows, grown.heap_mapped);
    require(4, grown.heap_grows > 0, "heap_grows is 0 after allocating %u KiB",
            BLOCKS * BLOCK_SIZE / 1024);
    require(5, grown.heap_arenas > 1, "heap_arenas is %lu after allocating %u KiB",
            grown.heap_arenas, BLOCKS * BLOCK_SIZE / 1024);

    for (unsigned b = 0; b < BLOCKS; b++)
        free(blocks[b]);
    struct kiln_memstats after = memstats();
    require(6, after.heap_used == 0 && after.heap_blocks == 0,
            "after freeing everything: heap_used %lu, heap_blocks %lu", after.heap_used,
            after.heap_blocks);
    puts("all blocks freed, the heap is empty");
    return 0;
}
