/*
 * bench - what a system call and a malloc/free pair cost, in CPU cycles.
 *
 * RDTSC reads the time-stamp counter, which ring 3 may do unless the kernel
 * sets CR4.TSD (kiln does not). Each measurement runs 100 times unmeasured
 * first (warm-up: caches and TLB filled, page tables walked), then 1000
 * times between two RDTSC readings; the lines give the average, rounded
 * down. ci/bench collects these two lines, so their wording is fixed.
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
    uint64_t malloc_cycles = cycles_per_round(malloc_free_pairs);
    printf("bench: user: null-syscall %lu cycles per call\n", syscall_cycles);
    printf("bench: user: malloc-free %lu cycles per pair\n", malloc_cycles);
    return 0;
}
