/*
 * kernel/bench.c - in-kernel benchmarks, chosen with bench=NAME[,NAME].
 *
 * Each prints "bench: NAME: figure" lines that ci/bench reads. Figures are
 * rdtsc deltas; ci/bench runs QEMU with -icount shift=0, where the time stamp
 * counter advances once per instruction, so they are instruction counts and
 * do not depend on how busy the host is. Benchmarks are not tests: they never
 * fail, they only measure.
 */
#include "kernel/bench.h"

#include "arch/x86_64/cpu.h"
#include "dev/console.h"
#include "lib/cmdline.h"
#include "lib/string.h"
#include "mm/pmm_boot.h"

#define PMM_PAIRS 10000

static void bench_pmm(void)
{
    /* Warm up, then time alloc+free pairs of one frame. */
    pmm_free_page(&kernel_pmm, pmm_alloc_page(&kernel_pmm));
    uint64_t start = rdtsc();
    for (int i = 0; i < PMM_PAIRS; i++)
        pmm_free_page(&kernel_pmm, pmm_alloc_page(&kernel_pmm));
    uint64_t pair = (rdtsc() - start) / PMM_PAIRS;
    kprintf("bench: pmm-alloc-free-pair: %llu\n", (unsigned long long)pair);

    start = rdtsc();
    paddr_t base = pmm_alloc_pages(&kernel_pmm, 16, 0);
    pmm_free_pages(&kernel_pmm, base, 16);
    kprintf("bench: pmm-alloc-free-16-contiguous: %llu\n", (unsigned long long)(rdtsc() - start));
}

static const struct {
    const char *name;
    void (*run)(void);
} benches[] = {
    {"pmm", bench_pmm},
};

bool bench_run(const char *selection)
{
    bool any = false;
    for (size_t i = 0; i < sizeof(benches) / sizeof(benches[0]); i++) {
        if (strcmp(selection, "all") != 0 && !cmdline_list_contains(selection, benches[i].name))
            continue;
        benches[i].run();
        any = true;
    }
    if (!any)
        kprintf("bench: no benchmark named in '%s' (known: pmm)\n", selection);
    return any;
}
