/*
 * tests/test_multiboot2.c - host tests for the Multiboot2 parser.
 *
 * Each test builds an information block with tests/mb2_builder.h, usually
 * a good one with one thing broken, and checks that mb2_parse() either
 * copies exactly what was put in or names the right error, tag and offset.
 * The last tests cut a good block short at every length: a parser that
 * trusts lengths would read past the end there, which ASan reports.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "boot/boot_info.h"
#include "boot/multiboot2.h"
#include "mb2_builder.h"

#define BUF_SIZE 16384
/* How many module tags the tests put after the first BOOT_MAX_MODULES. */
#define MODULES_PAST_LIMIT 44
#define GIB (1024ull * 1024 * 1024)

/* GRUB places the block on an 8-byte boundary; so do we, unless a test says otherwise. */
static _Alignas(8) uint8_t buf[BUF_SIZE];
static struct boot_info info; /* about 33 KiB: too big for a comfortable stack frame */
static struct mb2_error err;
static struct mb2_builder b;

static int parse(size_t avail)
{
    memset(&err, 0, sizeof(err));
    return mb2_parse(buf, avail, &info, &err);
}

static void expect_error(int status, int want, uint32_t tag_type, size_t offset)
{
    assert_string_equal(mb2_status_name(status), mb2_status_name(want));
    assert_int_equal(status, want);
    assert_int_equal(err.tag_type, tag_type);
    assert_int_equal(err.offset, offset);
    assert_non_null(err.what);
}

/* The smallest block the parser accepts: one usable region and the end tag. */
static void add_small_mmap(void)
{
    mb2b_mmap_begin(&b, 24);
    mb2b_mmap_entry(&b, 0x100000, 0x7ee0000, MEM_USABLE);
    mb2b_end(&b);
}

static size_t add_elf_sections(uint32_t num, uint32_t entsize, uint32_t shndx)
{
    size_t off = mb2b_begin(&b, MB2_TAG_ELF_SECTIONS);
    mb2b_put_u32(&b, num);
    mb2b_put_u32(&b, entsize);
    mb2b_put_u32(&b, shndx);
    for (uint32_t i = 0; i < num * entsize; i++)
        mb2b_put_u8(&b, (uint8_t)i);
    mb2b_end(&b);
    return off;
}

static size_t add_rsdp(uint32_t type, size_t n, uint8_t fill)
{
    size_t off = mb2b_begin(&b, type);
    for (size_t i = 0; i < n; i++)
        mb2b_put_u8(&b, (uint8_t)(fill + i));
    mb2b_end(&b);
    return off;
}

static size_t add_framebuffer(void)
{
    size_t off = mb2b_begin(&b, MB2_TAG_FRAMEBUFFER);
    mb2b_put_u64(&b, 0xfd000000);
    mb2b_put_u32(&b, 4096); /* pitch */
    mb2b_put_u32(&b, 1024); /* width */
    mb2b_put_u32(&b, 768);  /* height */
    mb2b_put_u8(&b, 32);    /* bpp */
    mb2b_put_u8(&b, 1);     /* type: direct RGB */
    mb2b_put_zeros(&b, 2);  /* reserved: GRUB writes a u16 */
    const uint8_t rgb[6] = {16, 8, 8, 8, 0, 8};
    mb2b_put(&b, rgb, sizeof(rgb));
    mb2b_end(&b);
    return off;
}

/* ---- a good block ------------------------------------------------------- */

static void test_well_formed(void **state)
{
    (void)state;
    mb2b_init(&b, buf, sizeof(buf));
    size_t cmdline_at = mb2b_string_tag(&b, MB2_TAG_CMDLINE, "console=serial quiet");
    mb2b_string_tag(&b, MB2_TAG_BOOTLOADER_NAME, "GRUB 2.06");
    mb2b_module(&b, 0x200000, 0x201000, "init");
    mb2b_module(&b, 0x300000, 0x300000, ""); /* empty module: start == end is fine */
    const uint32_t meminfo[2] = {639, 130048};
    mb2b_tag(&b, MB2_TAG_BASIC_MEMINFO, meminfo, sizeof(meminfo));
    size_t mmap_at = mb2b_mmap_begin(&b, 24);
    mb2b_mmap_entry(&b, 0, 0x9fc00, MEM_USABLE);
    mb2b_mmap_entry(&b, 0x9fc00, 0x400, MEM_RESERVED);
    mb2b_mmap_entry(&b, 0x100000, 0x7ee0000, MEM_USABLE);
    mb2b_mmap_entry(&b, 0x7fe0000, 0x20000, MEM_ACPI_RECLAIMABLE);
    mb2b_mmap_entry(&b, 4 * GIB, 2 * GIB, MEM_USABLE);
    mb2b_end(&b);
    add_framebuffer();
    add_elf_sections(3, 64, 2);
    add_rsdp(MB2_TAG_ACPI_OLD, 20, 0x10);
    add_rsdp(MB2_TAG_ACPI_NEW, 36, 0x40);
    size_t unknown_at = mb2b_tag(&b, 99, "\x01\x02\x03", 3);
    size_t total = mb2b_finish(&b);

    assert_int_equal(parse(total), MB2_OK);
    assert_int_equal(cmdline_at, 8); /* the first tag follows the 8-byte header */
    assert_int_equal(info.mbi_size, total);
    assert_int_equal(info.mbi_phys, 0);
    assert_string_equal(info.cmdline, "console=serial quiet");
    assert_string_equal(info.bootloader, "GRUB 2.06");

    assert_int_equal(info.module_count, 2);
    assert_int_equal(info.modules[0].start, 0x200000);
    assert_int_equal(info.modules[0].end, 0x201000);
    assert_string_equal(info.modules[0].cmdline, "init");
    assert_int_equal(info.modules[1].start, 0x300000);
    assert_string_equal(info.modules[1].cmdline, "");

    assert_int_equal(info.region_count, 5);
    assert_int_equal(info.regions[1].base, 0x9fc00);
    assert_int_equal(info.regions[1].length, 0x400);
    assert_int_equal(info.regions[1].type, MEM_RESERVED);
    assert_int_equal(info.regions[3].type, MEM_ACPI_RECLAIMABLE);
    assert_int_equal(info.regions[4].base, 4 * GIB);
    assert_int_equal(info.regions[4].length, 2 * GIB);

    assert_true(info.framebuffer.present);
    assert_int_equal(info.framebuffer.addr, 0xfd000000);
    assert_int_equal(info.framebuffer.pitch, 4096);
    assert_int_equal(info.framebuffer.width, 1024);
    assert_int_equal(info.framebuffer.height, 768);
    assert_int_equal(info.framebuffer.bpp, 32);
    assert_int_equal(info.framebuffer.type, 1);

    assert_true(info.elf.present);
    assert_int_equal(info.elf.num, 3);
    assert_int_equal(info.elf.entsize, 64);
    assert_int_equal(info.elf.shndx, 2);
    assert_int_equal(info.elf.copied_bytes, 192);
    assert_int_equal(info.elf.shdrs[191], 191);

    assert_int_equal(info.rsdp_version, 2); /* the 2.0 XSDP wins over the 1.0 RSDP */
    assert_int_equal(info.rsdp[0], 0x40);
    assert_int_equal(info.rsdp[35], 0x40 + 35);

    /* Every tag is listed, the unknown one and the end tag included. */
    assert_int_equal(info.tag_count, 12);
    assert_int_equal(info.tags[0].type, MB2_TAG_CMDLINE);
    assert_int_equal(info.tags[0].offset, 8);
    assert_int_equal(info.tags[0].size, 8 + sizeof("console=serial quiet"));
    assert_int_equal(info.tags[5].type, MB2_TAG_MMAP);
    assert_int_equal(info.tags[5].offset, mmap_at);
    assert_int_equal(info.tags[5].size, 16 + 5 * 24);
    assert_int_equal(info.tags[10].type, 99);
    assert_int_equal(info.tags[10].offset, unknown_at);
    assert_int_equal(info.tags[10].size, 11);
    assert_int_equal(info.tags[11].type, MB2_TAG_END);
    assert_int_equal(info.tags[11].offset, total - 8);
    assert_int_equal(info.tags[11].size, 8);
}

static void test_rsdp_v1_only_and_either_order(void **state)
{
    (void)state;
    mb2b_init(&b, buf, sizeof(buf));
    add_small_mmap();
    add_rsdp(MB2_TAG_ACPI_OLD, 20, 0x10);
    size_t total = mb2b_finish(&b);
    assert_int_equal(parse(total), MB2_OK);
    assert_int_equal(info.rsdp_version, 1);
    assert_int_equal(info.rsdp[19], 0x10 + 19);
    assert_int_equal(info.rsdp[20], 0); /* nothing beyond the 20 bytes of a 1.0 RSDP */

    mb2b_init(&b, buf, sizeof(buf));
    add_small_mmap();
    add_rsdp(MB2_TAG_ACPI_NEW, 36, 0x40);
    add_rsdp(MB2_TAG_ACPI_OLD, 20, 0x10);
    total = mb2b_finish(&b);
    assert_int_equal(parse(total), MB2_OK);
    assert_int_equal(info.rsdp_version, 2);
    assert_int_equal(info.rsdp[0], 0x40);
}

/* The parser reads bytes, not words, so the block need not be aligned. */
static void test_unaligned_block(void **state)
{
    (void)state;
    mb2b_init(&b, buf, sizeof(buf) / 2);
    mb2b_string_tag(&b, MB2_TAG_CMDLINE, "x");
    add_small_mmap();
    size_t total = mb2b_finish(&b);
    memmove(buf + 1, buf, total);
    assert_int_equal(mb2_parse(buf + 1, total, &info, &err), MB2_OK);
    assert_string_equal(info.cmdline, "x");
    assert_int_equal(info.regions[0].base, 0x100000);
}

/* GRUB-style leniency: a total_size that is not a multiple of 8 is accepted. */
static void test_total_size_not_multiple_of_8(void **state)
{
    (void)state;
    mb2b_init(&b, buf, sizeof(buf));
    add_small_mmap();
    size_t total = mb2b_finish(&b);
    mb2b_poke_u32(buf, 0, (uint32_t)total + 3);
    assert_int_equal(parse(total + 3), MB2_OK);
    assert_int_equal(info.mbi_size, total + 3);
}

static void test_long_strings_truncated(void **state)
{
    (void)state;
    char long_cmdline[300];
    memset(long_cmdline, 'a', sizeof(long_cmdline) - 1);
    long_cmdline[sizeof(long_cmdline) - 1] = '\0';
    mb2b_init(&b, buf, sizeof(buf));
    mb2b_string_tag(&b, MB2_TAG_CMDLINE, long_cmdline);
    mb2b_module(&b, 0x1000, 0x2000, long_cmdline);
    add_small_mmap();
    size_t total = mb2b_finish(&b);

    assert_int_equal(parse(total), MB2_OK);
    assert_int_equal(strlen(info.cmdline), BOOT_CMDLINE_MAX - 1);
    assert_int_equal(strlen(info.modules[0].cmdline), BOOT_MODULE_CMDLINE_MAX - 1);
}

static void test_big_elf_table_copied_up_to_limit(void **state)
{
    (void)state;
    mb2b_init(&b, buf, sizeof(buf));
    add_elf_sections(100, 64, 99); /* 6400 bytes of headers */
    add_small_mmap();
    size_t total = mb2b_finish(&b);
    assert_int_equal(parse(total), MB2_OK);
    assert_int_equal(info.elf.num, 100);
    assert_int_equal(info.elf.copied_bytes, BOOT_ELF_SHDRS_MAX);
}

/* ---- memory maps -------------------------------------------------------- */

static void test_many_regions_and_high_memory(void **state)
{
    (void)state;
    mb2b_init(&b, buf, sizeof(buf));
    mb2b_mmap_begin(&b, 24);
    for (uint64_t i = 0; i < 150; i++)
        mb2b_mmap_entry(&b, i * 8 * GIB, GIB + i, i % 2 ? MEM_RESERVED : MEM_USABLE);
    mb2b_end(&b);
    size_t total = mb2b_finish(&b);

    assert_int_equal(parse(total), MB2_OK);
    assert_int_equal(info.region_count, 150);
    assert_int_equal(info.regions[149].base, 149 * 8 * GIB);
    assert_int_equal(info.regions[149].length, GIB + 149);
    assert_int_equal(info.regions[149].type, MEM_RESERVED);
}

static void test_zero_length_region_kept(void **state)
{
    (void)state;
    mb2b_init(&b, buf, sizeof(buf));
    mb2b_mmap_begin(&b, 24);
    mb2b_mmap_entry(&b, 0x100000, 0, MEM_USABLE);
    mb2b_mmap_entry(&b, 0x200000, 0x1000, 7); /* unknown type: kept as found */
    mb2b_end(&b);
    size_t total = mb2b_finish(&b);

    assert_int_equal(parse(total), MB2_OK);
    assert_int_equal(info.region_count, 2);
    assert_int_equal(info.regions[0].length, 0);
    assert_int_equal(info.regions[1].type, 7);
}

/* Later spec versions may grow entries; we step by entry_size. */
static void test_larger_entry_size(void **state)
{
    (void)state;
    mb2b_init(&b, buf, sizeof(buf));
    mb2b_mmap_begin(&b, 32);
    mb2b_mmap_entry(&b, 0x1000, 0x2000, MEM_USABLE);
    mb2b_mmap_entry(&b, 0x5000, 0x6000, MEM_ACPI_NVS);
    mb2b_end(&b);
    size_t total = mb2b_finish(&b);

    assert_int_equal(parse(total), MB2_OK);
    assert_int_equal(info.region_count, 2);
    assert_int_equal(info.regions[1].base, 0x5000);
    assert_int_equal(info.regions[1].type, MEM_ACPI_NVS);
}

static void test_exactly_max_regions_over_two_tags(void **state)
{
    (void)state;
    mb2b_init(&b, buf, sizeof(buf));
    for (int tag = 0; tag < 2; tag++) {
        mb2b_mmap_begin(&b, 24);
        for (int i = 0; i < BOOT_MAX_REGIONS / 2; i++)
            mb2b_mmap_entry(&b, (uint64_t)(tag * 1000 + i) << 12, 0x1000, MEM_USABLE);
        mb2b_end(&b);
    }
    size_t total = mb2b_finish(&b);
    assert_int_equal(parse(total), MB2_OK);
    assert_int_equal(info.region_count, BOOT_MAX_REGIONS);
    assert_int_equal(info.regions[BOOT_MAX_REGIONS - 1].base,
                     (uint64_t)(1000 + BOOT_MAX_REGIONS / 2 - 1) << 12);
}

static void test_too_many_regions(void **state)
{
    (void)state;
    mb2b_init(&b, buf, sizeof(buf));
    size_t mmap_at = mb2b_mmap_begin(&b, 24);
    for (int i = 0; i < BOOT_MAX_REGIONS + 1; i++)
        mb2b_mmap_entry(&b, (uint64_t)i << 12, 0x1000, MEM_RESERVED);
    mb2b_end(&b);
    size_t total = mb2b_finish(&b);
    expect_error(parse(total), MB2_ERR_TOO_MANY_REGIONS, MB2_TAG_MMAP, mmap_at);
}

/* ---- tag bookkeeping ---------------------------------------------------- */

static void test_more_tags_than_the_list_holds(void **state)
{
    (void)state;
    mb2b_init(&b, buf, sizeof(buf));
    for (int i = 0; i < BOOT_MAX_TAGS + 10; i++)
        mb2b_tag(&b, 1000 + (uint32_t)i, "", 0);
    mb2b_string_tag(&b, MB2_TAG_CMDLINE, "still parsed");
    add_small_mmap(); /* past the end of tags[], yet it still counts */
    size_t total = mb2b_finish(&b);

    assert_int_equal(parse(total), MB2_OK);
    assert_int_equal(info.tag_count, BOOT_MAX_TAGS);
    assert_int_equal(info.tags[BOOT_MAX_TAGS - 1].type, 1000 + BOOT_MAX_TAGS - 1);
    assert_string_equal(info.cmdline, "still parsed");
    assert_int_equal(info.region_count, 1);
}

/*
 * Module i of a block with `count` modules. The first BOOT_MAX_MODULES sit
 * side by side from 16 MiB; the ones after them sit from 32 MiB in falling
 * order, each one a byte longer than the one before, so that the lowest start
 * is the last tag's and the highest end the first dropped tag's: a span taken
 * from the first and last dropped tags would be wrong.
 */
static uint32_t module_start(int i)
{
    if (i < BOOT_MAX_MODULES)
        return 0x1000000 + (uint32_t)i * 0x1000;
    return 0x2000000 + (uint32_t)(MODULES_PAST_LIMIT - 1 - (i - BOOT_MAX_MODULES)) * 0x1000;
}

static uint32_t module_end(int i)
{
    if (i < BOOT_MAX_MODULES)
        return module_start(i) + 0x800;
    return module_start(i) + 0x100 + (uint32_t)(i - BOOT_MAX_MODULES);
}

/* Adds modules 0 .. count-1 (named "m0", "m1", ...); returns the last one's offset. */
static size_t add_modules(int count)
{
    size_t last = 0;
    for (int i = 0; i < count; i++) {
        char name[16];
        snprintf(name, sizeof(name), "m%d", i);
        last = mb2b_module(&b, module_start(i), module_end(i), name);
    }
    return last;
}

static void test_modules_beyond_the_limit_are_counted(void **state)
{
    (void)state;
    mb2b_init(&b, buf, sizeof(buf));
    add_modules(BOOT_MAX_MODULES + MODULES_PAST_LIMIT);
    add_small_mmap(); /* after the modules: parsing goes on past them */
    size_t total = mb2b_finish(&b);

    assert_int_equal(parse(total), MB2_OK);
    assert_int_equal(info.module_count, BOOT_MAX_MODULES);
    assert_int_equal(info.modules[BOOT_MAX_MODULES - 1].start, module_start(BOOT_MAX_MODULES - 1));
    assert_string_equal(info.modules[BOOT_MAX_MODULES - 1].cmdline, "m255");
    assert_int_equal(info.modules_dropped, MODULES_PAST_LIMIT);

    /* The span is the smallest one covering every dropped module. */
    int last = BOOT_MAX_MODULES + MODULES_PAST_LIMIT - 1;
    assert_int_equal(info.dropped_start, module_start(last));
    assert_int_equal(info.dropped_end, module_end(BOOT_MAX_MODULES));
    for (int i = BOOT_MAX_MODULES; i <= last; i++) {
        assert_true(module_start(i) >= info.dropped_start);
        assert_true(module_end(i) <= info.dropped_end);
    }
    /* ... and no listed module lies inside it. */
    for (int i = 0; i < BOOT_MAX_MODULES; i++)
        assert_true(module_end(i) <= info.dropped_start || module_start(i) >= info.dropped_end);
    assert_int_equal(info.region_count, 1);
}

static void test_exactly_max_modules_drops_none(void **state)
{
    (void)state;
    mb2b_init(&b, buf, sizeof(buf));
    add_modules(BOOT_MAX_MODULES);
    add_small_mmap();
    size_t total = mb2b_finish(&b);

    assert_int_equal(parse(total), MB2_OK);
    assert_int_equal(info.module_count, BOOT_MAX_MODULES);
    assert_int_equal(info.modules_dropped, 0);
    assert_int_equal(info.dropped_start, 0);
    assert_int_equal(info.dropped_end, 0);
}

/* A module past the limit is still checked: being dropped is no excuse for a bad tag. */
static void test_malformed_module_past_the_limit(void **state)
{
    (void)state;
    mb2b_init(&b, buf, sizeof(buf));
    add_modules(BOOT_MAX_MODULES + 3);
    size_t at = mb2b_module(&b, 0x3000, 0x2fff, "backwards");
    add_small_mmap();
    size_t total = mb2b_finish(&b);
    expect_error(parse(total), MB2_ERR_MODULE_RANGE, MB2_TAG_MODULE, at);

    mb2b_init(&b, buf, sizeof(buf));
    add_modules(BOOT_MAX_MODULES + 3);
    at = mb2b_module(&b, 0x3000, 0x4000, "abc");
    mb2b_poke_u32(buf, at + 4, 16 + 3); /* cut the NUL off the module string */
    add_small_mmap();
    total = mb2b_finish(&b);
    expect_error(parse(total), MB2_ERR_STRING, MB2_TAG_MODULE, at);
}

/* ---- malformed blocks --------------------------------------------------- */

static void test_fewer_than_8_bytes(void **state)
{
    (void)state;
    mb2b_init(&b, buf, sizeof(buf));
    add_small_mmap();
    mb2b_finish(&b);
    expect_error(parse(7), MB2_ERR_TOO_SMALL, MB2_TAG_HEADER, 0);
    expect_error(parse(0), MB2_ERR_TOO_SMALL, MB2_TAG_HEADER, 0);
}

static void test_total_size_too_small(void **state)
{
    (void)state;
    mb2b_init(&b, buf, sizeof(buf));
    add_small_mmap();
    size_t total = mb2b_finish(&b);
    mb2b_poke_u32(buf, 0, 8);
    expect_error(parse(total), MB2_ERR_TOTAL_SIZE, MB2_TAG_HEADER, 0);
    mb2b_poke_u32(buf, 0, 0);
    expect_error(parse(total), MB2_ERR_TOTAL_SIZE, MB2_TAG_HEADER, 0);
}

static void test_total_size_beyond_avail(void **state)
{
    (void)state;
    mb2b_init(&b, buf, sizeof(buf));
    add_small_mmap();
    size_t total = mb2b_finish(&b);
    expect_error(parse(total - 1), MB2_ERR_TOTAL_SIZE, MB2_TAG_HEADER, 0);
    mb2b_poke_u32(buf, 0, 0xffffffff);
    expect_error(parse(total), MB2_ERR_TOTAL_SIZE, MB2_TAG_HEADER, 0);
}

/* Even with that many readable bytes, a block over 1 MiB is not believed. */
static void test_total_size_above_sane_max(void **state)
{
    (void)state;
    size_t big = MB2_MAX_TOTAL_SIZE + 16;
    uint8_t *p = calloc(1, big);
    assert_non_null(p);
    struct mb2_builder big_b;
    mb2b_init(&big_b, p, big);
    mb2b_mmap_begin(&big_b, 24);
    mb2b_mmap_entry(&big_b, 0, 0x1000, MEM_USABLE);
    mb2b_end(&big_b);
    mb2b_finish(&big_b);
    mb2b_poke_u32(p, 0, MB2_MAX_TOTAL_SIZE + 8);
    memset(&err, 0, sizeof(err));
    int status = mb2_parse(p, big, &info, &err);
    free(p);
    expect_error(status, MB2_ERR_TOTAL_SIZE, MB2_TAG_HEADER, 0);
}

static void test_tag_runs_past_end(void **state)
{
    (void)state;
    mb2b_init(&b, buf, sizeof(buf));
    add_small_mmap();
    size_t cmdline_at = mb2b_string_tag(&b, MB2_TAG_CMDLINE, "hello");
    size_t total = mb2b_finish(&b);
    /* Claim one byte more than is left before total_size. */
    mb2b_poke_u32(buf, cmdline_at + 4, (uint32_t)(total - cmdline_at + 1));
    expect_error(parse(total), MB2_ERR_TAG_PAST_END, MB2_TAG_CMDLINE, cmdline_at);
    mb2b_poke_u32(buf, cmdline_at + 4, 0xfffffff8);
    expect_error(parse(total), MB2_ERR_TAG_PAST_END, MB2_TAG_CMDLINE, cmdline_at);
}

static void test_zero_size_tag(void **state)
{
    (void)state;
    mb2b_init(&b, buf, sizeof(buf));
    size_t unknown_at = mb2b_tag(&b, 42, "abcd", 4);
    add_small_mmap();
    size_t total = mb2b_finish(&b);
    mb2b_poke_u32(buf, unknown_at + 4, 0);
    expect_error(parse(total), MB2_ERR_TAG_TOO_SMALL, 42, 8);
    mb2b_poke_u32(buf, unknown_at + 4, 7);
    expect_error(parse(total), MB2_ERR_TAG_TOO_SMALL, 42, 8);
}

/* Build a tag of the given type holding only `payload` bytes after its header. */
static void check_too_small_for_fields(uint32_t type, size_t payload)
{
    mb2b_init(&b, buf, sizeof(buf));
    add_small_mmap();
    size_t at = mb2b_begin(&b, type);
    mb2b_put_zeros(&b, payload);
    mb2b_end(&b);
    size_t total = mb2b_finish(&b);
    expect_error(parse(total), MB2_ERR_TAG_TOO_SMALL, type, at);
}

static void test_tag_smaller_than_its_fields(void **state)
{
    (void)state;
    check_too_small_for_fields(MB2_TAG_MODULE, 4);       /* needs mod_start and mod_end */
    check_too_small_for_fields(MB2_TAG_MMAP, 4);         /* needs entry_size, entry_version */
    check_too_small_for_fields(MB2_TAG_FRAMEBUFFER, 20); /* needs 23 bytes of fields */
    check_too_small_for_fields(MB2_TAG_ELF_SECTIONS, 8); /* needs num, entsize, shndx */
    check_too_small_for_fields(MB2_TAG_ACPI_OLD, 19);    /* a 1.0 RSDP is 20 bytes */
    check_too_small_for_fields(MB2_TAG_ACPI_NEW, 20);    /* a 2.0 XSDP is 36 bytes */
}

static void test_elf_table_larger_than_tag(void **state)
{
    (void)state;
    mb2b_init(&b, buf, sizeof(buf));
    add_small_mmap();
    size_t elf_at = add_elf_sections(2, 64, 1);
    size_t total = mb2b_finish(&b);
    mb2b_poke_u32(buf, elf_at + 8, 3); /* num = 3, but only 2 headers are there */
    expect_error(parse(total), MB2_ERR_TAG_TOO_SMALL, MB2_TAG_ELF_SECTIONS, elf_at);
    mb2b_poke_u32(buf, elf_at + 8, 0x10000); /* num * entsize overflows 32 bits */
    mb2b_poke_u32(buf, elf_at + 12, 0x10000);
    expect_error(parse(total), MB2_ERR_TAG_TOO_SMALL, MB2_TAG_ELF_SECTIONS, elf_at);
}

static void test_mmap_entry_size_bad(void **state)
{
    (void)state;
    uint32_t bad_sizes[] = {0, 16, 20, 28};
    for (size_t i = 0; i < sizeof(bad_sizes) / sizeof(bad_sizes[0]); i++) {
        mb2b_init(&b, buf, sizeof(buf));
        mb2b_string_tag(&b, MB2_TAG_CMDLINE, "x");
        size_t mmap_at = mb2b_mmap_begin(&b, 24);
        mb2b_mmap_entry(&b, 0, 0x1000, MEM_USABLE);
        mb2b_end(&b);
        size_t total = mb2b_finish(&b);
        mb2b_poke_u32(buf, mmap_at + 8, bad_sizes[i]);
        expect_error(parse(total), MB2_ERR_MMAP_ENTRY_SIZE, MB2_TAG_MMAP, mmap_at);
    }
}

static void test_missing_mmap(void **state)
{
    (void)state;
    mb2b_init(&b, buf, sizeof(buf));
    mb2b_string_tag(&b, MB2_TAG_CMDLINE, "no map");
    size_t total = mb2b_finish(&b);
    /* Reported where the walk stopped: at the end tag. */
    expect_error(parse(total), MB2_ERR_NO_MMAP, MB2_TAG_MMAP, total - 8);
}

static void test_missing_end_tag(void **state)
{
    (void)state;
    mb2b_init(&b, buf, sizeof(buf));
    add_small_mmap();
    size_t total = mb2b_finish_without_end(&b);
    expect_error(parse(total), MB2_ERR_NO_END_TAG, MB2_TAG_END, total);

    /* A last tag whose padding is cut off: the next tag would start past total_size. */
    mb2b_init(&b, buf, sizeof(buf));
    add_small_mmap();
    mb2b_string_tag(&b, MB2_TAG_CMDLINE, "abc"); /* 12 bytes, padded to 16 */
    total = mb2b_finish_without_end(&b);
    expect_error(parse(total), MB2_ERR_NO_END_TAG, MB2_TAG_END, total + 4);

    /* Fewer than 8 bytes left where the end tag should be. */
    mb2b_init(&b, buf, sizeof(buf));
    add_small_mmap();
    mb2b_put_zeros(&b, 4);
    total = mb2b_finish_without_end(&b);
    expect_error(parse(total), MB2_ERR_NO_END_TAG, MB2_TAG_END, total - 4);
}

static void test_unterminated_strings(void **state)
{
    (void)state;
    mb2b_init(&b, buf, sizeof(buf));
    add_small_mmap();
    size_t at = mb2b_tag(&b, MB2_TAG_BOOTLOADER_NAME, "GRUB", 4); /* no NUL */
    size_t total = mb2b_finish(&b);
    expect_error(parse(total), MB2_ERR_STRING, MB2_TAG_BOOTLOADER_NAME, at);

    /* The NUL must be inside the tag, not in the padding after it. */
    mb2b_init(&b, buf, sizeof(buf));
    at = mb2b_tag(&b, MB2_TAG_CMDLINE, "abc", 3);
    add_small_mmap();
    total = mb2b_finish(&b);
    expect_error(parse(total), MB2_ERR_STRING, MB2_TAG_CMDLINE, 8);

    mb2b_init(&b, buf, sizeof(buf));
    add_small_mmap();
    at = mb2b_module(&b, 0x1000, 0x2000, "abc");
    total = mb2b_finish(&b);
    mb2b_poke_u32(buf, at + 4, 16 + 3); /* cut the NUL off the module string */
    expect_error(parse(total), MB2_ERR_STRING, MB2_TAG_MODULE, at);

    mb2b_init(&b, buf, sizeof(buf));
    add_small_mmap();
    at = mb2b_tag(&b, MB2_TAG_CMDLINE, "", 0); /* a bare header has no string at all */
    total = mb2b_finish(&b);
    expect_error(parse(total), MB2_ERR_STRING, MB2_TAG_CMDLINE, at);
}

static void test_module_ends_before_start(void **state)
{
    (void)state;
    mb2b_init(&b, buf, sizeof(buf));
    add_small_mmap();
    mb2b_module(&b, 0x1000, 0x2000, "ok");
    size_t at = mb2b_module(&b, 0x3000, 0x2fff, "backwards");
    size_t total = mb2b_finish(&b);
    expect_error(parse(total), MB2_ERR_MODULE_RANGE, MB2_TAG_MODULE, at);
}

static void test_err_may_be_null(void **state)
{
    (void)state;
    mb2b_init(&b, buf, sizeof(buf));
    size_t total = mb2b_finish(&b);
    assert_int_equal(mb2_parse(buf, total, &info, NULL), MB2_ERR_NO_MMAP);
}

/* ---- cut short at every length ------------------------------------------ */

/*
 * Copy the first `len` bytes into an exactly-sized heap buffer, so that ASan
 * flags any read past them, and parse with avail = len.
 */
static int parse_prefix(const uint8_t *block, size_t len)
{
    uint8_t *copy = malloc(len ? len : 1);
    assert_non_null(copy);
    memcpy(copy, block, len);
    int status = mb2_parse(copy, len, &info, &err);
    free(copy);
    return status;
}

static void test_truncated_at_every_length(void **state)
{
    (void)state;
    mb2b_init(&b, buf, sizeof(buf));
    mb2b_string_tag(&b, MB2_TAG_CMDLINE, "console=serial");
    mb2b_module(&b, 0x200000, 0x201000, "init");
    add_small_mmap();
    add_framebuffer();
    add_elf_sections(2, 64, 1);
    add_rsdp(MB2_TAG_ACPI_NEW, 36, 0);
    size_t total = mb2b_finish(&b);

    for (size_t len = 0; len < total; len++) {
        int status = parse_prefix(buf, len);
        assert_true(status < 0);
        assert_int_equal(status, len < 8 ? MB2_ERR_TOO_SMALL : MB2_ERR_TOTAL_SIZE);
    }
    assert_int_equal(parse_prefix(buf, total), MB2_OK);
}

/* Same walk, but total_size tells the truth about each shorter block. */
static void test_total_size_shrunk_at_every_length(void **state)
{
    (void)state;
    mb2b_init(&b, buf, sizeof(buf));
    mb2b_string_tag(&b, MB2_TAG_BOOTLOADER_NAME, "GRUB");
    add_small_mmap();
    add_elf_sections(1, 64, 0);
    add_rsdp(MB2_TAG_ACPI_OLD, 20, 0);
    size_t total = mb2b_finish(&b);
    static uint8_t good[BUF_SIZE];
    memcpy(good, buf, total);

    for (size_t len = 8; len < total; len++) {
        memcpy(buf, good, total);
        mb2b_poke_u32(buf, 0, (uint32_t)len);
        assert_true(parse_prefix(buf, len) < 0); /* the end tag is always cut off */
    }
}

static void test_names(void **state)
{
    (void)state;
    assert_string_equal(mb2_tag_name(MB2_TAG_END), "end");
    assert_string_equal(mb2_tag_name(MB2_TAG_CMDLINE), "cmdline");
    assert_string_equal(mb2_tag_name(MB2_TAG_BOOTLOADER_NAME), "bootloader name");
    assert_string_equal(mb2_tag_name(MB2_TAG_MMAP), "mmap");
    assert_string_equal(mb2_tag_name(MB2_TAG_ACPI_NEW), "ACPI new RSDP");
    assert_string_equal(mb2_tag_name(MB2_TAG_LOAD_BASE_ADDR), "load base addr");
    assert_string_equal(mb2_tag_name(22), "unknown");
    assert_string_equal(mb2_tag_name(MB2_TAG_HEADER), "information block header");
    assert_string_equal(mem_type_name(MEM_USABLE), "usable");
    assert_string_equal(mem_type_name(MEM_ACPI_NVS), "ACPI NVS");
    assert_string_equal(mem_type_name(MEM_BAD), "bad RAM");
    assert_string_equal(mem_type_name(0), "unknown");
    assert_string_equal(mb2_status_name(MB2_ERR_NO_MMAP), "MB2_ERR_NO_MMAP");
    assert_string_equal(mb2_status_name(-100), "unknown");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_well_formed),
        cmocka_unit_test(test_rsdp_v1_only_and_either_order),
        cmocka_unit_test(test_unaligned_block),
        cmocka_unit_test(test_total_size_not_multiple_of_8),
        cmocka_unit_test(test_long_strings_truncated),
        cmocka_unit_test(test_big_elf_table_copied_up_to_limit),
        cmocka_unit_test(test_many_regions_and_high_memory),
        cmocka_unit_test(test_zero_length_region_kept),
        cmocka_unit_test(test_larger_entry_size),
        cmocka_unit_test(test_exactly_max_regions_over_two_tags),
        cmocka_unit_test(test_too_many_regions),
        cmocka_unit_test(test_more_tags_than_the_list_holds),
        cmocka_unit_test(test_modules_beyond_the_limit_are_counted),
        cmocka_unit_test(test_exactly_max_modules_drops_none),
        cmocka_unit_test(test_malformed_module_past_the_limit),
        cmocka_unit_test(test_fewer_than_8_bytes),
        cmocka_unit_test(test_total_size_too_small),
        cmocka_unit_test(test_total_size_beyond_avail),
        cmocka_unit_test(test_total_size_above_sane_max),
        cmocka_unit_test(test_tag_runs_past_end),
        cmocka_unit_test(test_zero_size_tag),
        cmocka_unit_test(test_tag_smaller_than_its_fields),
        cmocka_unit_test(test_elf_table_larger_than_tag),
        cmocka_unit_test(test_mmap_entry_size_bad),
        cmocka_unit_test(test_missing_mmap),
        cmocka_unit_test(test_missing_end_tag),
        cmocka_unit_test(test_unterminated_strings),
        cmocka_unit_test(test_module_ends_before_start),
        cmocka_unit_test(test_err_may_be_null),
        cmocka_unit_test(test_truncated_at_every_length),
        cmocka_unit_test(test_total_size_shrunk_at_every_length),
        cmocka_unit_test(test_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
