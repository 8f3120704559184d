/*
 * boot/multiboot2.h - read GRUB's Multiboot2 boot information, carefully.
 *
 * GRUB hands the kernel a magic number in EAX and the physical address of a
 * "boot information block" in EBX (Multiboot2 specification, section 3.3).
 * The block is a header { u32 total_size; u32 reserved; } followed by tags
 * { u32 type; u32 size; ... }, each starting on an 8-byte boundary, and ends
 * with a tag of type 0 and size 8 (section 3.6).
 *
 * mb2_parse() walks that block, checks every length before it trusts it, and
 * copies what the kernel needs into a struct boot_info (boot/boot_info.h).
 * It is pure C, so the same code runs in the kernel, in host unit tests and
 * under a fuzzer.
 */
#ifndef KILN_BOOT_MULTIBOOT2_H
#define KILN_BOOT_MULTIBOOT2_H

#include <stddef.h>
#include <stdint.h>

#include "boot/boot_info.h"

/* What a Multiboot2 loader leaves in EAX (spec 3.3, "Machine state"). */
#define MB2_BOOTLOADER_MAGIC 0x36d76289u

/* Tags start on 8-byte boundaries (spec 3.6.1). */
#define MB2_TAG_ALIGN 8u

/* Largest information block we believe; GRUB's are a few KiB. */
#define MB2_MAX_TOTAL_SIZE (1024u * 1024u)

/* Tag types, numbered as in the spec (3.6) and GRUB's include/multiboot2.h. */
enum mb2_tag_type {
    MB2_TAG_END = 0,
    MB2_TAG_CMDLINE = 1,
    MB2_TAG_BOOTLOADER_NAME = 2,
    MB2_TAG_MODULE = 3,
    MB2_TAG_BASIC_MEMINFO = 4,
    MB2_TAG_BOOTDEV = 5,
    MB2_TAG_MMAP = 6,
    MB2_TAG_VBE = 7,
    MB2_TAG_FRAMEBUFFER = 8,
    MB2_TAG_ELF_SECTIONS = 9,
    MB2_TAG_APM = 10,
    MB2_TAG_EFI32 = 11,
    MB2_TAG_EFI64 = 12,
    MB2_TAG_SMBIOS = 13,
    MB2_TAG_ACPI_OLD = 14,
    MB2_TAG_ACPI_NEW = 15,
    MB2_TAG_NETWORK = 16,
    MB2_TAG_EFI_MMAP = 17,
    MB2_TAG_EFI_BS = 18,
    MB2_TAG_EFI32_IH = 19,
    MB2_TAG_EFI64_IH = 20,
    MB2_TAG_LOAD_BASE_ADDR = 21,
};

/*
 * Not a real tag type: struct mb2_error uses it when the problem is in the
 * 8-byte header of the information block rather than in a tag.
 */
#define MB2_TAG_HEADER 0xffffffffu

/* mb2_parse() results: 0, or one of these negative codes. */
enum mb2_status {
    MB2_OK = 0,
    MB2_ERR_TOO_SMALL = -1,         /* fewer than 8 readable bytes: no header */
    MB2_ERR_TOTAL_SIZE = -2,        /* total_size < 16, > readable bytes, or > 1 MiB */
    MB2_ERR_TAG_PAST_END = -3,      /* a tag's size runs past total_size */
    MB2_ERR_TAG_TOO_SMALL = -4,     /* size < 8, or too small for the tag's fields */
    MB2_ERR_MMAP_ENTRY_SIZE = -5,   /* entry_size < 24 or not a multiple of 8 */
    MB2_ERR_NO_MMAP = -6,           /* no memory-map tag at all */
    MB2_ERR_NO_END_TAG = -7,        /* ran out of bytes before the end tag */
    MB2_ERR_MODULE_RANGE = -8,      /* module with mod_end < mod_start */
    MB2_ERR_STRING = -9,            /* string not NUL-terminated inside its tag */
    MB2_ERR_TOO_MANY_REGIONS = -10, /* more than BOOT_MAX_REGIONS mmap entries */
};

/* Where parsing stopped and why; filled only when mb2_parse() fails. */
struct mb2_error {
    uint32_t tag_type; /* the offending tag's type, or MB2_TAG_HEADER */
    uint32_t offset;   /* byte offset of that tag from the start of the block */
    const char *what;  /* one human sentence, e.g. "tag runs past the end ..." */
};

/*
 * Parse the information block at mbi into *out.
 *
 * avail is how many bytes at mbi may be read: the kernel passes the
 * total_size it found in the header, a fuzzer passes its input length. No
 * byte outside min(avail, total_size) is ever read, and mbi need not be
 * aligned. *out is zeroed first; out->mbi_phys is left 0 because only the
 * caller knows the block's physical address. err may be NULL.
 *
 * Returns 0 on success, or a negative enum mb2_status with *err filled in.
 */
int mb2_parse(const void *mbi, size_t avail, struct boot_info *out, struct mb2_error *err);

/* Short names for reports: "mmap", "ACPI new RSDP", ..., "unknown". */
const char *mb2_tag_name(uint32_t type);
const char *mem_type_name(uint32_t type);
const char *mb2_status_name(int status);

#endif
