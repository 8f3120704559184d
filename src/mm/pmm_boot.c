/*
 * mm/pmm_boot.c - start the physical memory manager with what GRUB told us.
 *
 * Usable RAM from the memory map goes on the free list, except what is
 * already in use and must never be handed out:
 *   - the first MiB (BIOS data, VGA memory, ROMs; the PMM itself skips it),
 *   - the kernel image from its first to its last byte, which includes the
 *     bootstrap page tables (.boot.bss) and the boot stacks (.bss),
 *   - the Multiboot2 information block (we keep it: it is a few KiB),
 *   - every module GRUB loaded: the listed ones one by one, and those beyond
 *     BOOT_MAX_MODULES as the one span the parser kept for them.
 * Memory beyond the bootstrap direct map cannot be reached yet, so the PMM
 * starts without it (the boot report counts it as unreachable). Once the
 * kernel's own direct map is live, vmm_boot_init calls pmm_boot_reach and
 * that RAM joins the free list; only RAM above the direct map's window
 * (DIRECT_MAP_MAX) stays unused.
 */
#include "mm/pmm_boot.h"

#include "arch/x86_64/cpu.h"
#include "dev/console.h"
#include "kernel/panic.h"
#include "mm/layout.h"
#include "mm/memmap.h"

struct pmm kernel_pmm;
struct pmm_stats pmm_boot_stats;
uint64_t pmm_boot_init_cycles;
struct pmm_reach pmm_boot_reach_stats;

/* kernel image, MBI, each listed module, the span of the modules beyond the limit */
#define MAX_WITHHELD (3 + BOOT_MAX_MODULES)
struct pmm_range pmm_withheld[MAX_WITHHELD];
const char *pmm_withheld_what[MAX_WITHHELD];
size_t pmm_withheld_count;

extern char __kernel_phys_start[], __kernel_phys_end[];

static void withhold(uint64_t base, uint64_t end, const char *what)
{
    pmm_withheld[pmm_withheld_count] = (struct pmm_range){base, end};
    pmm_withheld_what[pmm_withheld_count] = what;
    pmm_withheld_count++;
}

void pmm_boot_init(const struct boot_info *info)
{
    uint64_t start = rdtsc();
    pmm_withheld_count = 0;
    /* The linker script defines these at physical addresses (below 2 GiB). */
    withhold((uint64_t)(uintptr_t)__kernel_phys_start, (uint64_t)(uintptr_t)__kernel_phys_end,
             "kernel image");
    withhold(info->mbi_phys, info->mbi_phys + info->mbi_size, "Multiboot2 information");
    for (size_t i = 0; i < info->module_count; i++)
        withhold(info->modules[i].start, info->modules[i].end, "module");
    if (info->modules_dropped)
        withhold(info->dropped_start, info->dropped_end, "modules beyond the limit");

    struct phys_window direct_map = {DIRECT_MAP_BASE};
    int err = pmm_init(&kernel_pmm, direct_map, info->regions, info->region_count, pmm_withheld,
                       pmm_withheld_count, paddr(BOOT_DIRECT_MAP_SIZE));
    if (err)
        panic("pmm_boot_init: pmm_init failed: %s", pmm_strerror(err));
    pmm_get_stats(&kernel_pmm, &pmm_boot_stats);
    pmm_boot_init_cycles = rdtsc() - start;
}

void pmm_boot_reach(paddr_t direct_map_end)
{
    struct pmm_reach *r = &pmm_boot_reach_stats;
    r->old_limit = kernel_pmm.limit;
    r->new_limit = kernel_pmm.limit;
    r->done = true;
    /* A machine whose RAM ends below the bootstrap map's end has nothing to add. */
    if (direct_map_end.addr <= kernel_pmm.limit)
        return;
    uint64_t before = kernel_pmm.stats.unreachable_bytes;
    int err = pmm_raise_limit(&kernel_pmm, direct_map_end, pmm_withheld, pmm_withheld_count);
    if (err)
        panic("pmm_boot_reach: adding the RAM up to %#llx failed: %s",
              (unsigned long long)direct_map_end.addr, pmm_strerror(err));
    r->new_limit = kernel_pmm.limit;
    r->added_bytes = before - kernel_pmm.stats.unreachable_bytes;
}

static void print_run(paddr_t base, uint64_t pages, void *ctx)
{
    unsigned *shown = ctx;
    if ((*shown)++ < 8)
        kprintf("pmm:   free run 0x%016llx-0x%016llx %8llu pages\n", (unsigned long long)base.addr,
                (unsigned long long)(base.addr + pages * PAGE_SIZE), (unsigned long long)pages);
}

void pmm_boot_report(void)
{
    struct pmm_stats s;
    pmm_get_stats(&kernel_pmm, &s);
    for (size_t i = 0; i < pmm_withheld_count; i++)
        kprintf("pmm:   withheld 0x%016llx-0x%016llx %8llu KiB  %s\n",
                (unsigned long long)pmm_withheld[i].base, (unsigned long long)pmm_withheld[i].end,
                (unsigned long long)((pmm_withheld[i].end - pmm_withheld[i].base) >> 10),
                pmm_withheld_what[i]);
    unsigned shown = 0;
    pmm_for_each_run(&kernel_pmm, print_run, &shown);
    if (shown > 8)
        kprintf("pmm:   ... %u free runs in all\n", shown);
    if (s.unreachable_bytes)
        kprintf("pmm: %llu KiB of RAM lies beyond the %llu GiB bootstrap direct map: not used "
                "until the kernel's own direct map reaches it\n",
                (unsigned long long)(s.unreachable_bytes >> 10),
                (unsigned long long)(BOOT_DIRECT_MAP_SIZE >> 30));
    /* The one line scripts read (docs/pmm.md): keep its form exactly. */
    kprintf("pmm: usable %llu KiB, free %llu KiB, reserved %llu KiB\n",
            (unsigned long long)(s.usable_bytes >> 10), (unsigned long long)(s.free_bytes >> 10),
            (unsigned long long)(s.reserved_bytes >> 10));
}

void pmm_boot_report_reach(void)
{
    const struct pmm_reach *r = &pmm_boot_reach_stats;
    struct pmm_stats s;
    pmm_get_stats(&kernel_pmm, &s);
    if (r->added_bytes)
        kprintf("pmm: %llu KiB of RAM above %llu GiB added once the direct map reached it, "
                "free now %llu KiB\n",
                (unsigned long long)(r->added_bytes >> 10),
                (unsigned long long)(r->old_limit >> 30), (unsigned long long)(s.free_bytes >> 10));
    if (s.unreachable_bytes)
        kprintf("pmm: %llu KiB of RAM lies at or above %llu GiB and is not used: the direct map's "
                "window %#llx-%#llx holds only the first %llu TiB of physical addresses\n",
                (unsigned long long)(s.unreachable_bytes >> 10),
                (unsigned long long)(kernel_pmm.limit >> 30), (unsigned long long)DIRECT_MAP_BASE,
                (unsigned long long)vaddr_of(phys_to_virt(paddr(DIRECT_MAP_MAX))).addr,
                (unsigned long long)(DIRECT_MAP_MAX >> 40));
}
