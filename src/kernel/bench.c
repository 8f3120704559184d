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
#include "mm/layout.h"
#include "mm/pmm_boot.h"
#include "mm/vmm_boot.h"

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

/*
 * Build a 16 GiB direct map into a scratch space, once with 1 GiB pages and
 * once with 2 MiB pages (the same code the boot uses, just another space, so
 * both page sizes are measured in one run whatever the CPU is), then the cost
 * of taking 1 MiB of memory with vmm_alloc and giving it back.
 */
#define BENCH_MAP_GIB 16ULL

static void bench_direct_map(bool gib_pages)
{
    struct vmm scratch = kernel_vmm;
    scratch.gib_pages = gib_pages;
    struct address_space as;
    if (vmm_space_create(&scratch, &as) != VMM_OK) {
        kprintf("bench: vmm: no memory for a scratch space\n");
        return;
    }
    uint64_t start = rdtsc();
    int err = vmm_map(&as, vaddr(0), paddr(0), BENCH_MAP_GIB << 30, VMM_WRITE | VMM_LARGE);
    uint64_t spent = rdtsc() - start;
    uint64_t tables = as.table_pages - 1; /* minus the PML4 */
    vmm_space_destroy(&as);
    const char *size = gib_pages ? "1gib" : "2mib";
    if (err) {
        kprintf("bench: vmm: mapping %llu GiB failed: %s\n", BENCH_MAP_GIB, vmm_strerror(err));
        return;
    }
    kprintf("bench: vmm-direct-map-%s-table-pages-per-gib-x1000: %llu\n", size,
            (unsigned long long)(tables * 1000 / BENCH_MAP_GIB));
    kprintf("bench: vmm-direct-map-%s-instructions-per-gib: %llu\n", size,
            (unsigned long long)(spent / BENCH_MAP_GIB));
}

static void bench_vmm(void)
{
    bench_direct_map(true);
    bench_direct_map(false);

    const vaddr_t va = vaddr(KERNEL_SCRATCH_BASE);
    const uint64_t size = 1ULL << 20;
    /* Warm up once (page-table pages get created and freed like every time). */
    if (vmm_alloc(&kernel_space, va, size, VMM_WRITE) || vmm_free(&kernel_space, va, size)) {
        kprintf("bench: vmm: vmm_alloc of 1 MiB failed\n");
        return;
    }
    uint64_t start = rdtsc();
    vmm_alloc(&kernel_space, va, size, VMM_WRITE);
    uint64_t mid = rdtsc();
    vmm_free(&kernel_space, va, size);
    uint64_t end = rdtsc();
    kprintf("bench: vmm-alloc-1mib: %llu\n", (unsigned long long)(mid - start));
    kprintf("bench: vmm-free-1mib: %llu\n", (unsigned long long)(end - mid));
}

static const struct {
    const char *name;
    void (*run)(void);
} benches[] = {
    {"pmm", bench_pmm},
    {"vmm", bench_vmm},
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
        kprintf("bench: no benchmark named in '%s' (known: pmm, vmm)\n", selection);
    return any;
}
