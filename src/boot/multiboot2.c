/*
 * boot/multiboot2.c - the validating Multiboot2 boot-information parser.
 *
 * The information block comes from outside the kernel, so every number in it
 * is treated as a claim to check, not a fact: a tag's size is compared with
 * the bytes left before it is used, and each tag's fields are read only after
 * its size is known to cover them. Bytes are read one at a time and put
 * together little-endian, so the block may sit at any alignment and no read
 * ever strays outside it. The walk moves forward at least 8 bytes per tag, so
 * it always ends.
 *
 * Leniency follows GRUB: total_size need not be a multiple of 8, unknown tags
 * are skipped, bytes after the end tag are ignored, and an mmap tag's extra
 * bytes past its last whole entry are ignored. Strictness follows what would
 * hurt the kernel: losing a memory-map entry (it might be a reserved region)
 * is an error, never a silent truncation, and modules beyond the list's size
 * are counted and their memory kept withheld (parse_module).
 *
 * Spec references are to the Multiboot2 specification, version 2.0.
 *
 * Lab 1 writes the parts marked for it: docs/labs/lab1-boot.md, docs/labs/README.md.
 */
#include "boot/multiboot2.h"

/* Header of the information block: u32 total_size, u32 reserved (3.6.1). */
#define MB2_HEADER_SIZE 8u
#define MB2_TAG_HEADER_SIZE 8u /* u32 type, u32 size */
/* The smallest possible block: the header plus an 8-byte end tag. */
#define MB2_MIN_TOTAL_SIZE (MB2_HEADER_SIZE + MB2_TAG_HEADER_SIZE)

/* Fixed part of each tag we read, header included (spec 3.6.x). */
#define MB2_MODULE_FIXED 16u      /* + mod_start, mod_end (3.6.6) */
#define MB2_MMAP_FIXED 16u        /* + entry_size, entry_version (3.6.8) */
#define MB2_FRAMEBUFFER_FIXED 31u /* + addr, pitch, width, height, bpp, type, reserved (3.6.12) */
#define MB2_ELF_FIXED 20u         /* + num, entsize, shndx as GRUB writes them; see parse_elf */
#define MB2_RSDP_V1_BYTES 20u     /* ACPI 1.0 RSDP (ACPI spec 5.2.5.3) */
#define MB2_RSDP_V2_BYTES 36u     /* ACPI 2.0+ XSDP, up to and including its reserved bytes */

/* One mmap entry: u64 base_addr, u64 length, u32 type, u32 reserved (3.6.8). */
#define MB2_MMAP_ENTRY_MIN 24u

/* A tag whose header was checked: offset + size lies inside the block. */
struct mb2_tag {
    const uint8_t *bytes; /* first byte of the tag (its type field) */
    uint32_t type;
    uint32_t size; /* >= 8, and the whole tag is readable */
    uint32_t offset;
};

/* ---- byte helpers: no libc, no unaligned loads --------------------------- */

static uint32_t load_u32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t load_u64(const uint8_t *p)
{
    return (uint64_t)load_u32(p) | (uint64_t)load_u32(p + 4) << 32;
}

/*
 * Field readers for a checked tag. Callers check the tag's size first; the
 * bounds test here is a second fence, so a forgotten check reads 0, not past
 * the tag.
 */
static uint8_t tag_u8(const struct mb2_tag *tag, uint32_t off)
{
    return off < tag->size ? tag->bytes[off] : 0;
}

static uint32_t tag_u32(const struct mb2_tag *tag, uint32_t off)
{
    return (uint64_t)off + 4 <= tag->size ? load_u32(tag->bytes + off) : 0;
}

static uint64_t tag_u64(const struct mb2_tag *tag, uint32_t off)
{
    return (uint64_t)off + 8 <= tag->size ? load_u64(tag->bytes + off) : 0;
}

static void copy_bytes(void *dst, const void *src, size_t n)
{
    uint8_t *d = dst;
    const uint8_t *s = src;
    for (size_t i = 0; i < n; i++)
        d[i] = s[i];
}

static void zero_bytes(void *dst, size_t n)
{
    uint8_t *d = dst;
    for (size_t i = 0; i < n; i++)
        d[i] = 0;
}

static uint32_t align_up8(uint32_t n)
{
    return (n + (MB2_TAG_ALIGN - 1)) & ~(MB2_TAG_ALIGN - 1);
}

static int fail(struct mb2_error *err, int status, uint32_t tag_type, uint32_t offset,
                const char *what)
{
    if (err) {
        err->tag_type = tag_type;
        err->offset = offset;
        err->what = what;
    }
    return status;
}

static int tag_fail(struct mb2_error *err, int status, const struct mb2_tag *tag, const char *what)
{
    return fail(err, status, tag->type, tag->offset, what);
}

/* ---- one function per tag type ------------------------------------------ */

/*
 * Copy the NUL-terminated string that fills a tag from byte `start` to its
 * end. The terminator must lie inside the tag, or we would be trusting bytes
 * that belong to the next tag. A string longer than the destination is cut
 * short (always NUL-terminated); boot_info.h's buffer sizes are the limit.
 */
static bool copy_tag_string(const struct mb2_tag *tag, uint32_t start, char *dst, size_t cap)
{
    uint32_t len = 0;
    while (start + len < tag->size && tag->bytes[start + len] != 0)
        len++;
    if (start + len >= tag->size)
        return false;

    size_t keep = len < cap - 1 ? len : cap - 1;
    copy_bytes(dst, tag->bytes + start, keep);
    dst[keep] = '\0';
    return true;
}

static int parse_string_tag(const struct mb2_tag *tag, char *dst, size_t cap, struct mb2_error *err)
{
    if (!copy_tag_string(tag, MB2_TAG_HEADER_SIZE, dst, cap))
        return tag_fail(err, MB2_ERR_STRING, tag, "string is not NUL-terminated inside its tag");
    return MB2_OK;
}

/*
 * Module tag (3.6.6): u32 mod_start, u32 mod_end (one past the last byte), string.
 * Every module tag is checked, but only the first BOOT_MAX_MODULES are
 * listed. The rest are well-formed too, so they are no reason to refuse the
 * boot; their memory still belongs to them, so one span covering all of them
 * is kept for the PMM to withhold (boot_info.h: modules_dropped).
 */
static int parse_module(const struct mb2_tag *tag, struct boot_info *out, struct mb2_error *err)
{
    /* LAB 1 BEGIN: check one module; list it, or add it to the dropped span if the list is full */
    /* LAB 1 STUB: return tag_fail(err, MB2_ERR_MODULE_RANGE, tag, */
    /* LAB 1 STUB:                 "lab 1: not implemented: parse_module"); */
    bool full = out->module_count == BOOT_MAX_MODULES;
    struct boot_module beyond; /* where a module past the limit is checked */
    struct boot_module *mod = full ? &beyond : &out->modules[out->module_count];
    mod->start = tag_u32(tag, 8);
    mod->end = tag_u32(tag, 12);
    if (mod->end < mod->start)
        return tag_fail(err, MB2_ERR_MODULE_RANGE, tag, "module ends before it starts");
    if (!copy_tag_string(tag, MB2_MODULE_FIXED, mod->cmdline, sizeof(mod->cmdline)))
        return tag_fail(err, MB2_ERR_STRING, tag, "module string is not NUL-terminated");

    if (!full) {
        out->module_count++;
        return MB2_OK;
    }
    if (out->modules_dropped == 0 || mod->start < out->dropped_start)
        out->dropped_start = mod->start;
    if (out->modules_dropped == 0 || mod->end > out->dropped_end)
        out->dropped_end = mod->end;
    out->modules_dropped++;
    return MB2_OK;
    /* LAB 1 END */
}

/*
 * Memory-map tag (3.6.8). entry_size lets later spec versions grow the
 * entry, so we step by it and read only the first 24 bytes we know. It must
 * be a multiple of 8 so the u64 fields stay 8-aligned (the spec promises
 * this). Zero-length and overlapping entries are kept as found: sorting that
 * out is the physical memory manager's job. A second mmap tag (GRUB writes
 * one) adds its entries, because dropping any entry could hide a reserved
 * region.
 */
static int parse_mmap(const struct mb2_tag *tag, struct boot_info *out, struct mb2_error *err)
{
    /* LAB 1 BEGIN: check entry_size, then copy every whole entry into out->regions */
    /* LAB 1 STUB: return tag_fail(err, MB2_ERR_MMAP_ENTRY_SIZE, tag, */
    /* LAB 1 STUB:                 "lab 1: not implemented: parse_mmap"); */
    uint32_t entry_size = tag_u32(tag, 8);
    if (entry_size < MB2_MMAP_ENTRY_MIN || entry_size % 8 != 0)
        return tag_fail(err, MB2_ERR_MMAP_ENTRY_SIZE, tag,
                        "mmap entry_size is below 24 or not a multiple of 8");

    uint32_t count = (tag->size - MB2_MMAP_FIXED) / entry_size;
    if (count > BOOT_MAX_REGIONS - out->region_count)
        return tag_fail(err, MB2_ERR_TOO_MANY_REGIONS, tag,
                        "more memory-map entries than BOOT_MAX_REGIONS");

    for (uint32_t i = 0; i < count; i++) {
        uint32_t at = MB2_MMAP_FIXED + i * entry_size;
        struct mem_region *r = &out->regions[out->region_count++];
        r->base = tag_u64(tag, at);
        r->length = tag_u64(tag, at + 8);
        r->type = tag_u32(tag, at + 16);
    }
    return MB2_OK;
    /* LAB 1 END */
}

/* Framebuffer tag (3.6.12); the colour info after the fixed part is not kept. */
static void parse_framebuffer(const struct mb2_tag *tag, struct boot_info *out)
{
    struct boot_framebuffer *fb = &out->framebuffer;
    fb->present = true;
    fb->addr = tag_u64(tag, 8);
    fb->pitch = tag_u32(tag, 16);
    fb->width = tag_u32(tag, 20);
    fb->height = tag_u32(tag, 24);
    fb->bpp = tag_u8(tag, 28);
    fb->type = tag_u8(tag, 29);
}

/*
 * ELF-symbols tag (3.6.7). The spec text shows u16 num, u16 entsize,
 * u16 shndx, u16 reserved, but GRUB 2.06 (include/multiboot2.h, struct
 * multiboot_tag_elf_sections; filled in grub-core/loader/multiboot_mbi2.c)
 * writes three u32 fields and size = 20 + num * entsize. We follow GRUB,
 * because GRUB is what actually boots us. The headers are copied up to
 * BOOT_ELF_SHDRS_MAX bytes; copied_bytes says how many made it.
 */
static int parse_elf(const struct mb2_tag *tag, struct boot_info *out, struct mb2_error *err)
{
    struct boot_elf_sections *elf = &out->elf;
    uint32_t num = tag_u32(tag, 8);
    uint32_t entsize = tag_u32(tag, 12);
    uint64_t table_bytes = (uint64_t)num * entsize; /* 64-bit: cannot overflow */
    if (table_bytes > tag->size - MB2_ELF_FIXED)
        return tag_fail(err, MB2_ERR_TAG_TOO_SMALL, tag,
                        "ELF section headers run past the end of their tag");

    uint32_t copy = table_bytes < BOOT_ELF_SHDRS_MAX ? (uint32_t)table_bytes : BOOT_ELF_SHDRS_MAX;
    elf->present = true;
    elf->num = num;
    elf->entsize = entsize;
    elf->shndx = tag_u32(tag, 16);
    elf->copied_bytes = copy;
    copy_bytes(elf->shdrs, tag->bytes + MB2_ELF_FIXED, copy);
    return MB2_OK;
}

/*
 * ACPI RSDP tags (3.6.15, 3.6.16): a copy of the RSDP right after the tag
 * header. GRUB gives both on ACPI 2.0 machines, in either order; the 2.0
 * XSDP is a superset of the 1.0 RSDP, so once we have it the old one is not
 * needed.
 */
static void parse_rsdp(const struct mb2_tag *tag, uint8_t version, struct boot_info *out)
{
    if (version == 1 && out->rsdp_version == 2)
        return;
    uint32_t n = version == 2 ? MB2_RSDP_V2_BYTES : MB2_RSDP_V1_BYTES;
    zero_bytes(out->rsdp, sizeof(out->rsdp));
    copy_bytes(out->rsdp, tag->bytes + MB2_TAG_HEADER_SIZE, n);
    out->rsdp_version = version;
}

/* The fixed size of each tag type we read; other types need only a header. */
static uint32_t min_tag_size(uint32_t type)
{
    switch (type) {
    case MB2_TAG_MODULE:
        return MB2_MODULE_FIXED;
    case MB2_TAG_MMAP:
        return MB2_MMAP_FIXED;
    case MB2_TAG_FRAMEBUFFER:
        return MB2_FRAMEBUFFER_FIXED;
    case MB2_TAG_ELF_SECTIONS:
        return MB2_ELF_FIXED;
    case MB2_TAG_ACPI_OLD:
        return MB2_TAG_HEADER_SIZE + MB2_RSDP_V1_BYTES;
    case MB2_TAG_ACPI_NEW:
        return MB2_TAG_HEADER_SIZE + MB2_RSDP_V2_BYTES;
    default:
        return MB2_TAG_HEADER_SIZE;
    }
}

static int parse_tag(const struct mb2_tag *tag, struct boot_info *out, struct mb2_error *err)
{
    if (tag->size < min_tag_size(tag->type))
        return tag_fail(err, MB2_ERR_TAG_TOO_SMALL, tag, "tag is too small for its fields");

    switch (tag->type) {
    case MB2_TAG_CMDLINE:
        return parse_string_tag(tag, out->cmdline, sizeof(out->cmdline), err);
    case MB2_TAG_BOOTLOADER_NAME:
        return parse_string_tag(tag, out->bootloader, sizeof(out->bootloader), err);
    case MB2_TAG_MODULE:
        return parse_module(tag, out, err);
    case MB2_TAG_MMAP:
        return parse_mmap(tag, out, err);
    case MB2_TAG_FRAMEBUFFER:
        parse_framebuffer(tag, out);
        return MB2_OK;
    case MB2_TAG_ELF_SECTIONS:
        return parse_elf(tag, out, err);
    case MB2_TAG_ACPI_OLD:
        parse_rsdp(tag, 1, out);
        return MB2_OK;
    case MB2_TAG_ACPI_NEW:
        parse_rsdp(tag, 2, out);
        return MB2_OK;
    default:
        return MB2_OK; /* a tag we do not use: skip it, the size says how far */
    }
}

/* The tags[] list is only for the boot report, so beyond its size we stop recording. */
static void record_tag(const struct mb2_tag *tag, struct boot_info *out)
{
    if (out->tag_count == BOOT_MAX_TAGS)
        return;
    struct boot_tag_seen *seen = &out->tags[out->tag_count++];
    seen->type = tag->type;
    seen->size = tag->size;
    seen->offset = tag->offset;
}

/* ---- the walk ----------------------------------------------------------- */

/*
 * Read the tag header at `offset` and check that the whole tag lies inside
 * the first `total` bytes. A size below 8 is rejected here; that is also what
 * stops a zero size from looping forever.
 */
static int read_tag(const uint8_t *block, uint32_t total, uint32_t offset, struct mb2_tag *tag,
                    struct mb2_error *err)
{
    /* LAB 1 BEGIN: read one tag header and check that the whole tag lies inside the block */
    /* LAB 1 STUB: return fail(err, MB2_ERR_NO_END_TAG, MB2_TAG_END, offset, */
    /* LAB 1 STUB:             "lab 1: not implemented: read_tag"); */
    if (offset > total || total - offset < MB2_TAG_HEADER_SIZE)
        return fail(err, MB2_ERR_NO_END_TAG, MB2_TAG_END, offset,
                    "information block ends without an end tag");

    tag->bytes = block + offset;
    tag->type = load_u32(tag->bytes);
    tag->size = load_u32(tag->bytes + 4);
    tag->offset = offset;
    if (tag->size < MB2_TAG_HEADER_SIZE)
        return tag_fail(err, MB2_ERR_TAG_TOO_SMALL, tag, "tag size is smaller than a tag header");
    if (tag->size > total - offset)
        return tag_fail(err, MB2_ERR_TAG_PAST_END, tag,
                        "tag runs past the end of the information block");
    return MB2_OK;
    /* LAB 1 END */
}

int mb2_parse(const void *mbi, size_t avail, struct boot_info *out, struct mb2_error *err)
{
    const uint8_t *block = mbi;
    zero_bytes(out, sizeof(*out));

    if (avail < MB2_HEADER_SIZE)
        return fail(err, MB2_ERR_TOO_SMALL, MB2_TAG_HEADER, 0,
                    "fewer than 8 bytes: no room for the information block header");

    uint32_t total = load_u32(block);
    if (total < MB2_MIN_TOTAL_SIZE || total > avail || total > MB2_MAX_TOTAL_SIZE)
        return fail(err, MB2_ERR_TOTAL_SIZE, MB2_TAG_HEADER, 0,
                    "total_size is below 16, beyond the readable bytes, or above 1 MiB");
    out->mbi_size = total;

    /* LAB 1 BEGIN: walk the tags from offset 8 to the end tag; an mmap tag is required */
    /* LAB 1 STUB: return fail(err, MB2_ERR_NO_END_TAG, MB2_TAG_END, MB2_HEADER_SIZE, */
    /* LAB 1 STUB:             "lab 1: not implemented: the tag walk in mb2_parse"); */
    /*
     * Each step adds at least 8, and offset + size <= total <= 1 MiB, so
     * offset grows, never wraps, and the loop ends.
     */
    uint32_t offset = MB2_HEADER_SIZE;
    bool have_mmap = false;
    for (;;) {
        struct mb2_tag tag;
        int status = read_tag(block, total, offset, &tag, err);
        if (status != MB2_OK)
            return status;
        record_tag(&tag, out);
        if (tag.type == MB2_TAG_END)
            break;
        status = parse_tag(&tag, out, err);
        if (status != MB2_OK)
            return status;
        have_mmap = have_mmap || tag.type == MB2_TAG_MMAP;
        offset += align_up8(tag.size); /* may pass total; read_tag checks */
    }

    /* Without a memory map the kernel cannot know which RAM is safe to use. */
    if (!have_mmap)
        return fail(err, MB2_ERR_NO_MMAP, MB2_TAG_MMAP, offset,
                    "no memory-map tag before the end tag");
    return MB2_OK;
    /* LAB 1 END */
}

/* ---- names for reports -------------------------------------------------- */

const char *mb2_tag_name(uint32_t type)
{
    static const char *const names[] = {
        [MB2_TAG_END] = "end",
        [MB2_TAG_CMDLINE] = "cmdline",
        [MB2_TAG_BOOTLOADER_NAME] = "bootloader name",
        [MB2_TAG_MODULE] = "module",
        [MB2_TAG_BASIC_MEMINFO] = "basic meminfo",
        [MB2_TAG_BOOTDEV] = "bootdev",
        [MB2_TAG_MMAP] = "mmap",
        [MB2_TAG_VBE] = "VBE",
        [MB2_TAG_FRAMEBUFFER] = "framebuffer",
        [MB2_TAG_ELF_SECTIONS] = "ELF sections",
        [MB2_TAG_APM] = "APM",
        [MB2_TAG_EFI32] = "EFI32 system table",
        [MB2_TAG_EFI64] = "EFI64 system table",
        [MB2_TAG_SMBIOS] = "SMBIOS",
        [MB2_TAG_ACPI_OLD] = "ACPI old RSDP",
        [MB2_TAG_ACPI_NEW] = "ACPI new RSDP",
        [MB2_TAG_NETWORK] = "network",
        [MB2_TAG_EFI_MMAP] = "EFI mmap",
        [MB2_TAG_EFI_BS] = "EFI boot services not terminated",
        [MB2_TAG_EFI32_IH] = "EFI32 image handle",
        [MB2_TAG_EFI64_IH] = "EFI64 image handle",
        [MB2_TAG_LOAD_BASE_ADDR] = "load base addr",
    };
    if (type == MB2_TAG_HEADER)
        return "information block header";
    if (type < sizeof(names) / sizeof(names[0]))
        return names[type];
    return "unknown";
}

const char *mem_type_name(uint32_t type)
{
    switch (type) {
    case MEM_USABLE:
        return "usable";
    case MEM_RESERVED:
        return "reserved";
    case MEM_ACPI_RECLAIMABLE:
        return "ACPI reclaimable";
    case MEM_ACPI_NVS:
        return "ACPI NVS";
    case MEM_BAD:
        return "bad RAM";
    default:
        return "unknown";
    }
}

const char *mb2_status_name(int status)
{
    static const char *const names[] = {
        [-MB2_OK] = "MB2_OK",
        [-MB2_ERR_TOO_SMALL] = "MB2_ERR_TOO_SMALL",
        [-MB2_ERR_TOTAL_SIZE] = "MB2_ERR_TOTAL_SIZE",
        [-MB2_ERR_TAG_PAST_END] = "MB2_ERR_TAG_PAST_END",
        [-MB2_ERR_TAG_TOO_SMALL] = "MB2_ERR_TAG_TOO_SMALL",
        [-MB2_ERR_MMAP_ENTRY_SIZE] = "MB2_ERR_MMAP_ENTRY_SIZE",
        [-MB2_ERR_NO_MMAP] = "MB2_ERR_NO_MMAP",
        [-MB2_ERR_NO_END_TAG] = "MB2_ERR_NO_END_TAG",
        [-MB2_ERR_MODULE_RANGE] = "MB2_ERR_MODULE_RANGE",
        [-MB2_ERR_STRING] = "MB2_ERR_STRING",
        [-MB2_ERR_TOO_MANY_REGIONS] = "MB2_ERR_TOO_MANY_REGIONS",
    };
    if (status > 0 || status < -(int)(sizeof(names) / sizeof(names[0])) + 1)
        return "unknown";
    return names[-status];
}
