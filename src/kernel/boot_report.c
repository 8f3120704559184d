/*
 * kernel/boot_report.c - print what GRUB told us and what the CPU offers.
 *
 * The lines have fixed prefixes ("boot:", "mmap:", "tag:") so that scripts
 * and lab graders can find them; docs/testing.md lists the ones they rely on.
 */
#include "kernel/boot_report.h"

#include <stdint.h>

#include "boot/multiboot2.h"
#include "dev/console.h"
#include "kernel/boot_stages.h"
#include "mm/kmalloc.h"
#include "mm/pmm_boot.h"
#include "mm/vmm_boot.h"

void boot_report_header(const struct boot_info *info, const struct cpu_features *cpu)
{
    kprintf("boot: bootloader: %s\n", info->bootloader[0] ? info->bootloader : "(not given)");
    kprintf("boot: command line: \"%s\"\n", info->cmdline);
    kprintf("boot: cpu: %s, nx %s, 1 GiB pages %s\n", cpu->vendor, cpu->nx ? "yes" : "no",
            cpu->pdpe1gb ? "yes" : "no");
    kprintf("boot: Multiboot2 information at %#llx, %u bytes, %zu tags\n",
            (unsigned long long)info->mbi_phys, info->mbi_size, info->tag_count);
    for (size_t i = 0; i < info->tag_count; i++)
        kprintf("tag: type %2u %-18s size %4u at offset %u\n", info->tags[i].type,
                mb2_tag_name(info->tags[i].type), info->tags[i].size, info->tags[i].offset);
    for (size_t i = 0; i < info->module_count; i++)
        kprintf("boot: module %zu: %#llx-%#llx \"%s\"\n", i,
                (unsigned long long)info->modules[i].start,
                (unsigned long long)info->modules[i].end, info->modules[i].cmdline);
    if (info->modules_dropped)
        kprintf("boot: warning: %zu modules beyond the first %d were not recorded (no name, not "
                "runnable); their span %#llx-%#llx is withheld from the PMM\n",
                info->modules_dropped, BOOT_MAX_MODULES, (unsigned long long)info->dropped_start,
                (unsigned long long)info->dropped_end);
}

void boot_report_memory(const struct boot_info *info)
{
    kprintf("mmap: %zu regions from the bootloader:\n", info->region_count);
    for (size_t i = 0; i < info->region_count; i++) {
        const struct mem_region *r = &info->regions[i];
        uint64_t end = r->base + r->length < r->base ? UINT64_MAX : r->base + r->length;
        kprintf("mmap:   0x%016llx-0x%016llx %10llu KiB  %s\n", (unsigned long long)r->base,
                (unsigned long long)end, (unsigned long long)(r->length >> 10),
                mem_type_name(r->type));
    }
}

void boot_report_cycles(void)
{
    /* rdtsc deltas; under QEMU -icount shift=0 these count instructions (ci/bench). */
    kprintf(
        "boot: cycles: early-setup %llu, mb2-parse %llu, pmm-init %llu, vmm-init %llu, "
        "heap-init %llu\n",
        (unsigned long long)early_setup_cycles, (unsigned long long)boot_info_stats.parse_cycles,
        (unsigned long long)pmm_boot_init_cycles, (unsigned long long)vmm_boot_stats.init_cycles,
        (unsigned long long)kmalloc_init_cycles);
}
