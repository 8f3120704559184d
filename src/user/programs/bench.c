/*
 * bench - what a system call and a malloc/free pair cost, in CPU cycles.
 *
 * RDTSC reads the time-stamp counter, which ring 3 may do unless the kernel
 * sets CR4.TSD (kiln does not). Each measurement runs 100 times unmeasured
 * first (warm-up: caches and TLB filled, page tables walked), then 1000
 * times between two RDTSC readings; the lines give the average, rounded
 * down. ci/bench collects these lines, so their wording is fixed.
 *
 * The malloc/free pair is measured twice, because the buddy allocator's
 * cost depends on what else is in the heap. In an empty heap every
 * malloc(64) splits the arena's one big block all the way down (13 splits
 * in a 256 KiB arena) and every free merges it all the way back up. With
 * one 64-byte block held, the block malloc gets is that one's buddy, so
 * there is nothing to split or merge: the pair costs two system calls and
 * the allocator's bookkeeping.
 * Under QEMU without -icount the cycles are host time scaled, not a real
 * CPU's cycles: compare runs on one machine, not across machines.
 */
#include <stdint.h>

#include "check.h"
#include "stdio.h"
#include "stdlib.h"
#include "sys.h"

#define WARMUP 100
#define ROUNDS 1000
#define MALLOC_SIZE 64

/* RDTSC puts the counter's low half in eax and its high half in edx. */
static inline uint64_t rdtsc(void)
{
    uint32_t low, high;
    __asm__ volatile("rdtsc" : "=a"(low), "=d"(high));
    return ((uint64_t)high << 32) | low;
}

static void null_syscalls(int count)
{
    for (int i = 0; i < count; i++)
        sys_getpid();
}

static void malloc_free_pairs(int count)
{
    for (int i = 0; i < count; i++) {
        void *p = malloc(MALLOC_SIZE);
        require(1, p != NULL, "malloc(%d): %s", MALLOC_SIZE, sys_error_name(-(long)kiln_errno));
        free(p);
    }
}

/* Pages never touched before first_touches() writes each once: under
 * vm=immediate they were mapped at load, under vm=demand or vm=zero-page each
 * write is the page fault that backs it, so the difference is one fault's cost. */
static uint8_t fresh[(WARMUP + ROUNDS) * 4096] __attribute__((aligned(4096)));
static int touched;

static void first_touches(int count)
{
    for (int i = 0; i < count; i++)
        ((volatile uint8_t *)fresh)[(size_t)touched++ * 4096] = 1;
}

/* Cycles per call of run(ROUNDS), after run(WARMUP). */
static uint64_t cycles_per_round(void (*run)(int count))
{
    run(WARMUP);
    uint64_t start = rdtsc();
    run(ROUNDS);
    return (rdtsc() - start) / ROUNDS;
}

int main(void)
{
    uint64_t syscall_cycles = cycles_per_round(null_syscalls);
    uint64_t touch_cycles = cycles_per_round(first_touches);
    uint64_t empty_cycles = cycles_per_round(malloc_free_pairs);
    void *held = malloc(MALLOC_SIZE);
    require(2, held != NULL, "malloc(%d) for the held block failed", MALLOC_SIZE);
    uint64_t held_cycles = cycles_per_round(malloc_free_pairs);
    free(held);
    printf("bench: user: null-syscall %lu cycles per call\n", syscall_cycles);
    printf("bench: user: malloc-free-empty-heap %lu cycles per pair\n", empty_cycles);
    printf("bench: user: malloc-free-one-held %lu cycles per pair\n", held_cycles);
    printf("bench: user: first-touch %lu cycles per page\n", touch_cycles);
    return 0;
}
