/*
 * hostile-fault-storm - page faults across many regions, in a scattered order.
 *
 * The .bss (2 MiB), the stack (deep recursion) and the heap (blocks of many
 * sizes, so it grows into several arenas: several regions) are touched page
 * by page in an order that jumps between them, each page stamped with its
 * own address and checked afterwards. Under vm=demand or vm=zero-page every
 * first touch is a page fault the kernel must resolve in the right region;
 * under every policy the program must see the same memory and exit 0
 * (src/ktest/test_demand.c).
 */
#include <stdint.h>

#include "check.h"
#include "stdio.h"
#include "stdlib.h"

#define PAGE 4096UL
#define BSS_PAGES 512
#define BLOCKS 12
#define STACK_DEPTH 12 /* frames of 2 KiB each: 24 KiB of the 64 KiB stack */

uint8_t bss[BSS_PAGES * PAGE];
static uint8_t *blocks[BLOCKS];
static size_t block_size[BLOCKS];
static volatile uint8_t *stamped[2000]; /* every stamp, checked at the end */
static uint64_t rng = 12345;

static uint64_t next(void)
{
    rng = rng * 6364136223846793005ULL + 1442695040888963407ULL;
    return rng >> 33;
}

static void stamp(volatile uint8_t *p)
{
    volatile uint64_t *w = (volatile uint64_t *)((uintptr_t)p & ~7UL);
    *w = (uint64_t)(uintptr_t)w;
}

static void check(volatile uint8_t *p, const char *where)
{
    volatile uint64_t *w = (volatile uint64_t *)((uintptr_t)p & ~7UL);
    require(2, *w == (uint64_t)(uintptr_t)w, "%s word at %p holds %#lx, not its own address", where,
            (void *)w, (unsigned long)*w);
}

/* Each level stamps a word in its frame, recurses, then checks it. */
static int deep(int depth)
{
    volatile uint8_t frame[2048];
    stamp(&frame[depth * 8]);
    int below = depth > 0 ? deep(depth - 1) : 0;
    check(&frame[depth * 8], "stack");
    return below + 1;
}

int main(void)
{
    puts("faults across .bss, heap arenas and stack, in a scattered order");
    for (int i = 0; i < BLOCKS; i++) {
        block_size[i] = (PAGE << (i % 7)) + 64 * (size_t)i; /* 4 KiB .. 256 KiB and a bit */
        blocks[i] = malloc(block_size[i]);
        require(1, blocks[i] != NULL, "malloc(%zu) number %d failed", block_size[i], i);
    }
    unsigned touches = 0;
    for (; touches < sizeof(stamped) / sizeof(stamped[0]); touches++) {
        volatile uint8_t *p;
        if (next() % 2) {
            p = &bss[(next() % BSS_PAGES) * PAGE + next() % PAGE];
        } else {
            int b = (int)(next() % BLOCKS);
            p = &blocks[b][next() % (block_size[b] - 8)];
        }
        stamp(p);
        stamped[touches] = p;
    }
    require(3, deep(STACK_DEPTH) == STACK_DEPTH + 1, "the recursion did not come back whole");
    /* Every stamped word must still hold its address; the others are zero or stamped. */
    for (size_t off = 0; off < sizeof(bss); off += 8) {
        volatile uint64_t *w = (volatile uint64_t *)&bss[off];
        require(4, *w == 0 || *w == (uint64_t)(uintptr_t)w, ".bss word at %p holds %#lx", (void *)w,
                (unsigned long)*w);
    }
    for (unsigned i = 0; i < touches; i++)
        check(stamped[i], "stamped");
    for (int b = 0; b < BLOCKS; b++)
        free(blocks[b]);
    printf("%u touches, all stamps kept\n", touches);
    return 0;
}
