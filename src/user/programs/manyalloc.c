/*
 * manyalloc - 2000 blocks of random sizes, checked, then freed in random order.
 *
 * A pseudo-random generator with a fixed seed (xorshift64, Marsaglia 2003)
 * makes the same "random" sizes on every run, so a failure can be
 * reproduced. Each block is filled with its own byte value and all of them
 * are checked once every block exists: two blocks handed out over the same
 * memory would overwrite each other. Freeing in a shuffled order exercises
 * the buddy allocator's merging from every side. At the end the heap must
 * hold nothing.
 */
#include <stdint.h>

#include "check.h"
#include "stdio.h"
#include "stdlib.h"
#include "sys.h"

#define BLOCKS 2000
#define MAX_SIZE 4096
#define SEED 0x9e3779b97f4a7c15ull

static uint64_t prng_state = SEED;

static uint64_t xorshift64(void)
{
    uint64_t x = prng_state;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return prng_state = x;
}

/* Static, not on the 64 KiB stack: about 40 KiB together. */
static uint8_t *blocks[BLOCKS];
static uint16_t sizes[BLOCKS];
static uint16_t free_order[BLOCKS];

static uint8_t fill_byte(unsigned i)
{
    return (uint8_t)(i * 37 + 11);
}

static void check_block(int check_id, unsigned i)
{
    for (unsigned j = 0; j < sizes[i]; j++)
        if (blocks[i][j] != fill_byte(i))
            fail(check_id, "block %u (%p, %u bytes) byte %u is %#x, expected %#x", i,
                 (void *)blocks[i], sizes[i], j, blocks[i][j], fill_byte(i));
}

int main(void)
{
    printf("%d blocks of 1 to %d bytes, then freed in a shuffled order\n", BLOCKS, MAX_SIZE);
    for (unsigned i = 0; i < BLOCKS; i++) {
        sizes[i] = (uint16_t)(xorshift64() % MAX_SIZE + 1);
        blocks[i] = malloc(sizes[i]);
        require(1, blocks[i] != NULL, "malloc(%u), block %u: %s", sizes[i], i,
                sys_error_name(-(long)kiln_errno));
        for (unsigned j = 0; j < sizes[i]; j++)
            blocks[i][j] = fill_byte(i);
    }
    for (unsigned i = 0; i < BLOCKS; i++)
        check_block(2, i);

    /* Fisher-Yates shuffle of 0..BLOCKS-1. */
    for (unsigned i = 0; i < BLOCKS; i++)
        free_order[i] = (uint16_t)i;
    for (unsigned i = BLOCKS - 1; i > 0; i--) {
        unsigned j = (unsigned)(xorshift64() % (i + 1));
        uint16_t t = free_order[i];
        free_order[i] = free_order[j];
        free_order[j] = t;
    }
    for (unsigned k = 0; k < BLOCKS; k++) {
        unsigned i = free_order[k];
        check_block(3, i); /* freeing others must not have touched it */
        long result = sys_free(blocks[i]);
        require(4, result == 0, "free(%p), block %u: %s", (void *)blocks[i], i,
                sys_error_name(result));
    }

    struct kiln_memstats stats;
    long result = sys_memstats(&stats, NULL, 0);
    require(5, !sys_is_error(result), "memstats: %s", sys_error_name(result));
    require(6, stats.heap_used == 0 && stats.heap_blocks == 0,
            "after freeing every block: heap_used %lu, heap_blocks %lu", stats.heap_used,
            stats.heap_blocks);
    printf("all %d blocks kept their bytes; the heap is empty again (%lu arenas)\n", BLOCKS,
           stats.heap_arenas);
    return 0;
}
