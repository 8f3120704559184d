/*
 * boot/boot_info.c - the kernel's copy of what the bootloader told it.
 *
 * kmain calls boot_info_init once, right after the console and the exception
 * handlers are up: mb2_parse (src/boot/multiboot2.c, pure C and host-tested)
 * copies GRUB's information block into the global boot_info, which every
 * later layer reads instead of the raw block. The block is reached through
 * the direct map, which the bootstrap tables of asm/boot.asm already provide.
 */
#include "boot/boot_info.h"

#include "arch/x86_64/cpu.h"
#include "boot/multiboot2.h"
#include "kernel/panic.h"
#include "mm/addr.h"
#include "mm/layout.h"

struct boot_info boot_info;
struct boot_info_stats boot_info_stats;

void boot_info_init(uint32_t mbi_phys)
{
    uint64_t start = rdtsc();
    const uint8_t *mbi = phys_to_virt(paddr(mbi_phys));
    uint32_t total_size = *(const uint32_t *)mbi; /* the block's first field (spec 3.6) */
    struct mb2_error err;
    int status = mb2_parse(mbi, total_size, &boot_info, &err);
    if (status != 0)
        panic("mb2_parse: malformed Multiboot2 information at %#x: %s (%s) in tag %u (%s) at "
              "offset %u",
              mbi_phys, err.what, mb2_status_name(status), err.tag_type, mb2_tag_name(err.tag_type),
              err.offset);
    boot_info.mbi_phys = mbi_phys;
    boot_info_stats.parse_cycles = rdtsc() - start;
}
