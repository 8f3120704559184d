/*
 * ktest/test_boot.c - suite "boot": the state the trampoline left us in,
 * the command line and the boot information.
 */
#include <stdint.h>

#include "arch/x86_64/cpu.h"
#include "boot/multiboot2.h"
#include "kernel/boot_report.h"
#include "kernel/options.h"
#include "ktest/ktest.h"
#include "lib/cmdline.h"
#include "lib/string.h"
#include "mm/addr.h"
#include "mm/layout.h"

extern char boot_tables_start[], boot_tables_end[];
extern char __text_start[];
extern char boot_stack_top[];

KTEST(boot, long_mode_active, "EFER.LMA, CR0.PG and CR4.PAE are set: we are in long mode")
{
    KT_ASSERT(rdmsr(MSR_EFER) & EFER_LMA);
    KT_ASSERT(read_cr0() & CR0_PG);
    KT_ASSERT(read_cr4() & CR4_PAE);
    KT_ASSERT(read_cr0() & CR0_WP);
}

KTEST(boot, nx_matches_cpuid, "EFER.NXE is on exactly when CPUID offers NX")
{
    bool nxe = (rdmsr(MSR_EFER) & EFER_NXE) != 0;
    KT_ASSERT_EQ(cpu_features.nx, nxe);
}

KTEST(boot, higher_half, "the kernel runs in the higher half, at KERNEL_VMA + 1 MiB and up")
{
    uint64_t here = (uint64_t)(uintptr_t)__text_start;
    KT_ASSERT(here >= KERNEL_VMA + KERNEL_LOAD_PHYS);
    uint64_t sp = (uint64_t)(uintptr_t)__builtin_frame_address(0);
    KT_ASSERT(sp >= KERNEL_VMA);
    KT_ASSERT(sp < (uint64_t)(uintptr_t)boot_stack_top);
}

KTEST(boot, bootstrap_tables_match_layout, "the bootstrap tables map BOOT_DIRECT_MAP_SIZE, as layout.h says")
{
    /* PML4 + 3 PDPTs + one page directory per GiB of the direct map */
    uint64_t expected = (4 + BOOT_DIRECT_MAP_SIZE / HUGE_PAGE_SIZE) * PAGE_SIZE;
    KT_ASSERT_EQ(expected, (uint64_t)(boot_tables_end - boot_tables_start));
    /* the direct map reaches the image's first byte (the kernel's own tables
     * replaced the bootstrap ones, but keep the direct map) */
    volatile uint8_t *direct = phys_to_virt(paddr(KERNEL_LOAD_PHYS));
    KT_ASSERT_EQ(0xd6, direct[0]); /* first byte of the Multiboot2 header magic 0xE85250D6 */
}

KTEST(boot, bootloader_named, "the boot information names the bootloader and has a memory map")
{
    KT_ASSERT(strncmp(boot_info.bootloader, "GRUB", 4) == 0);
    KT_ASSERT(boot_info.region_count > 0);
}

KTEST(boot, cmdline_seen, "the kernel command line from GRUB contains ktest=")
{
    KT_ASSERT(strstr(boot_info.cmdline, "ktest="));
    KT_ASSERT(kernel_options.ktest[0] != '\0');
}

KTEST(boot, cmdline_split, "the command line splits into key=value words")
{
    struct cmdline_arg args[4];
    unsigned problems = 0;
    size_t n = cmdline_split("ktest=pmm,boot  poweroff name=\"a b\"", args, 4, &problems);
    KT_ASSERT_EQ(3, n);
    KT_ASSERT_EQ(0, problems);
    KT_ASSERT_STR_EQ("ktest", args[0].key);
    KT_ASSERT_STR_EQ("pmm,boot", args[0].value);
    KT_ASSERT(!args[1].has_value);
    KT_ASSERT_STR_EQ("a b", args[2].value);
    KT_ASSERT(cmdline_list_contains("pmm,boot", "boot"));
    KT_ASSERT(!cmdline_list_contains("pmm,boot", "pm"));
}

KTEST(boot, unknown_option_warns, "an unknown option is counted as a warning")
{
    struct kernel_options saved = kernel_options;
    int warnings = options_parse("ktest=boot no-such-option");
    kernel_options = saved;
    KT_ASSERT_INT_EQ(1, warnings);
}
