/*
 * boot/boot_info.h - what the bootloader told us, in plain C.
 *
 * The Multiboot2 parser (src/boot/multiboot2.c) fills one struct boot_info
 * from GRUB's boot information (src/boot/boot_info.c calls it at boot, into
 * the kernel's one copy); nothing else in the kernel reads the raw
 * Multiboot2 structure. Everything here is copied, so the original
 * information block may be reused once parsing is done.
 */
#ifndef KILN_BOOT_BOOT_INFO_H
#define KILN_BOOT_BOOT_INFO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Memory-map entry types, numbered as in the Multiboot2 specification (3.6.8). */
enum mem_type {
    MEM_USABLE = 1,           /* RAM the OS may use */
    MEM_RESERVED = 2,         /* firmware, MMIO, or anything unknown */
    MEM_ACPI_RECLAIMABLE = 3, /* ACPI tables; usable once they are read */
    MEM_ACPI_NVS = 4,         /* must be preserved across sleep */
    MEM_BAD = 5,              /* defective RAM */
};

struct mem_region {
    uint64_t base;
    uint64_t length;
    uint32_t type; /* enum mem_type; other values are kept as found */
};

#define BOOT_MAX_REGIONS 256
/*
 * Modules beyond the first BOOT_MAX_MODULES are not an error: they are
 * counted in modules_dropped, and one physical span covering them all is
 * kept so that the PMM still withholds their memory (docs/boot-flow.md).
 */
#define BOOT_MAX_MODULES 256
#define BOOT_MAX_TAGS 64
#define BOOT_CMDLINE_MAX 256
#define BOOT_NAME_MAX 64
#define BOOT_MODULE_CMDLINE_MAX 64
#define BOOT_ELF_SHDRS_MAX 4096 /* bytes of copied ELF section headers */

struct boot_module {
    uint64_t start; /* physical, first byte */
    uint64_t end;   /* physical, one past the last byte */
    char cmdline[BOOT_MODULE_CMDLINE_MAX];
};

/* One tag as found in the information block, for the boot report. */
struct boot_tag_seen {
    uint32_t type;
    uint32_t size;
    uint32_t offset; /* from the start of the information block */
};

struct boot_framebuffer {
    bool present;
    uint64_t addr; /* physical */
    uint32_t pitch, width, height;
    uint8_t bpp, type;
};

struct boot_elf_sections {
    bool present;
    uint32_t num, entsize, shndx;
    uint32_t copied_bytes; /* how many bytes of headers are in shdrs */
    uint8_t shdrs[BOOT_ELF_SHDRS_MAX];
};

struct boot_info {
    uint64_t mbi_phys; /* where the information block was (physical) */
    uint32_t mbi_size; /* its total_size */

    char cmdline[BOOT_CMDLINE_MAX];
    char bootloader[BOOT_NAME_MAX];

    struct mem_region regions[BOOT_MAX_REGIONS];
    size_t region_count;

    struct boot_module modules[BOOT_MAX_MODULES]; /* the first ones, in tag order */
    size_t module_count;
    /* Well-formed module tags that came after modules[] was full: how many,
     * and the span [dropped_start, dropped_end) from the lowest start to the
     * highest end among them (both 0 when none was dropped). The span may
     * cover memory between them too; withholding that is the safe mistake. */
    size_t modules_dropped;
    uint64_t dropped_start, dropped_end;

    struct boot_framebuffer framebuffer;
    struct boot_elf_sections elf;

    uint8_t rsdp_version; /* 0: none given, 1: ACPI 1.0 RSDP, 2: ACPI 2.0+ XSDP */
    uint8_t rsdp[36];     /* the RSDP bytes as given (20 for v1, 36 for v2) */

    struct boot_tag_seen tags[BOOT_MAX_TAGS];
    size_t tag_count;
};

/* The kernel's one copy, filled by boot_info_init (src/boot/boot_info.c). */
extern struct boot_info boot_info;

/* What reading the boot information cost, for the `boot: cycles:` line. */
struct boot_info_stats {
    uint64_t parse_cycles; /* rdtsc cycles of boot_info_init (instructions under -icount) */
};
extern struct boot_info_stats boot_info_stats;

/* Fills boot_info from the Multiboot2 information at physical address
 * mbi_phys; panics, naming the tag and offset, if it is malformed. */
void boot_info_init(uint32_t mbi_phys);

#endif
