/*
 * tests/test_elf.c - host tests for the ELF64 validator (src/proc/elf.c).
 *
 * Most tests take the standard image of tests/elf_builder.h (four PT_LOAD
 * segments and a PT_GNU_STACK, like a small static program), break one field
 * and check that elf_validate() refuses it with the right code, the right
 * program header index and a message that names the field and its value.
 * Boundary values are tested from both sides (the last accepted, the first
 * refused). The last tests mutate the good image byte by byte and field by
 * field, and cut it short at every length: whatever comes out, the validator
 * must not read outside the file (ASan would say) and anything it accepts
 * must keep the promises of proc/elf.h (eb_check_info).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "elf_builder.h"
#include "mm/vmm.h"
#include "proc/elf.h"

static _Alignas(8) uint8_t img[0x20000]; /* room for 17 one-page segments */
static size_t img_size;
static struct elf_info info;
static struct elf_error err;
static struct elf_builder b;

static int setup_standard(void **state)
{
    (void)state;
    img_size = eb_standard(img);
    return 0;
}

static int validate(void)
{
    memset(&err, 0xA5, sizeof(err)); /* stale contents: a failure must overwrite them */
    return elf_validate(img, img_size, &info, &err);
}

static void expect_ok(void)
{
    int rc = validate();
    if (rc != ELF_OK)
        fail_msg("expected ELF_OK, got %d (%s): %s", rc, elf_strerror(rc), err.message);
    const char *broken = eb_check_info(&info, img_size);
    if (broken)
        fail_msg("accepted, but the elf_info is wrong: %s", broken);
}

static void expect_message(const char *needle)
{
    if (needle && !strstr(err.message, needle))
        fail_msg("message \"%s\" does not mention \"%s\"", err.message, needle);
}

/* Refused with `code`, blaming program header `phdr` (-1: the ELF header), and
 * a message mentioning each of the (up to two) given pieces of text. */
static void expect_refused(int code, int phdr, const char *says, const char *also)
{
    int rc = validate();
    if (rc != code)
        fail_msg("expected %d (%s), got %d (%s): %s", code, elf_strerror(code), rc,
                 elf_strerror(rc), rc ? err.message : "accepted");
    assert_int_equal(err.code, code);
    assert_int_equal(err.phdr, phdr);
    assert_non_null(memchr(err.message, '\0', sizeof(err.message)));
    assert_true(strlen(err.message) > 10);
    assert_true(strlen(err.message) < sizeof(err.message) - 1); /* not cut short */
    expect_message(says);
    expect_message(also);
    /* Nothing half-filled may reach a loader. */
    static const struct elf_info zero;
    assert_memory_equal(&info, &zero, sizeof(info));
}

static void poke_phdr32(unsigned i, size_t field, uint32_t v)
{
    eb_poke_u32(img, eb_phdr_field(i, field), v);
}

static void poke_phdr64(unsigned i, size_t field, uint64_t v)
{
    eb_poke_u64(img, eb_phdr_field(i, field), v);
}

#define PH(field) offsetof(struct elf64_phdr, field)

/* Start a custom image: tests then add segments with eb_load/eb_phdr and call build(). */
static void begin(uint64_t entry)
{
    eb_init(&b, img, sizeof(img), entry);
}

static void build(void)
{
    img_size = eb_finish(&b);
}

/* ---- good files ----------------------------------------------------------- */

static void test_standard_image(void **state)
{
    (void)state;
    expect_ok();
    assert_int_equal(info.entry, EB_STANDARD_ENTRY);
    assert_int_equal(info.segment_count, 4);
    const struct elf_segment want[] = {
        {0x400000, 0x200, 0, 0x200, VMM_USER, 0},
        {0x401000, 0x300, 0x1000, 0x300, VMM_USER | VMM_EXEC, 1},
        {0x402000, 0x80, 0x2000, 0x80, VMM_USER, 2},
        {0x403040, 0x2000, 0x3040, 0x40, VMM_USER | VMM_WRITE, 3},
    };
    for (unsigned i = 0; i < 4; i++) {
        const struct elf_segment *s = &info.segments[i];
        assert_int_equal(s->vaddr, want[i].vaddr);
        assert_int_equal(s->memsz, want[i].memsz);
        assert_int_equal(s->offset, want[i].offset);
        assert_int_equal(s->filesz, want[i].filesz);
        assert_int_equal(s->vmm_flags, want[i].vmm_flags);
        assert_int_equal(s->phdr, want[i].phdr);
    }
    assert_int_equal(info.image_start, 0x400000);
    assert_int_equal(info.image_end, 0x406000); /* 0x403040 + 0x2000, rounded up */
}

static void test_err_may_be_null_and_image_unaligned(void **state)
{
    (void)state;
    static uint8_t shifted[EB_STANDARD_SIZE + 1];
    memcpy(shifted + 1, img, img_size);
    assert_int_equal(elf_validate(shifted + 1, img_size, &info, NULL), ELF_OK);
    assert_int_equal(info.segment_count, 4);
    img[0] = 0;
    assert_int_equal(elf_validate(img, img_size, &info, NULL), ELF_ERR_NOT_ELF);
}

static void test_null_arguments(void **state)
{
    (void)state;
    assert_int_equal(elf_validate(NULL, img_size, &info, &err), ELF_ERR_BAD_ARGUMENT);
    assert_non_null(strstr(err.message, "image"));
    assert_int_equal(elf_validate(img, img_size, NULL, &err), ELF_ERR_BAD_ARGUMENT);
    assert_non_null(strstr(err.message, "elf_info"));
}

static void test_ignored_headers(void **state)
{
    (void)state;
    begin(0x401000);
    eb_phdr(&b, PT_NULL, 0, 0, 0, 0, 0);
    eb_phdr(&b, PT_NOTE, PF_R | PF_W | PF_X, 0xFFFFFFFFFFFFFFFFULL, 0xFFFF800000000000ULL, 5, 1);
    eb_phdr(&b, PT_PHDR, PF_R, 64, 0x400040, 56 * 6, 56 * 6);
    eb_phdr(&b, PT_TLS, PF_R, 0, 0, 0, 0x10);
    eb_phdr(&b, 0x6FFFFFFF, PF_X | PF_W, 0, 0, 0, 0); /* an unknown OS-specific type */
    eb_load(&b, PF_R | PF_X, 0x401000, 0x10, 0x10);
    build();
    expect_ok();
    assert_int_equal(info.segment_count, 1);
    assert_int_equal(info.segments[0].phdr, 5);
}

static void test_empty_load_skipped(void **state)
{
    (void)state;
    begin(0x401000);
    eb_phdr(&b, PT_LOAD, PF_R | PF_W | PF_X, 0xFFFFFFF, 0xFFFF800000000000ULL, 0, 0);
    eb_load(&b, PF_R | PF_X, 0x401000, 0x10, 0x10);
    build();
    expect_ok();
    assert_int_equal(info.segment_count, 1);
}

static void test_bss_only_segment(void **state)
{
    (void)state;
    /* filesz 0: its p_offset names no bytes and is not checked against the file. */
    begin(0x401000);
    eb_load(&b, PF_R | PF_X, 0x401000, 0x10, 0x10);
    eb_phdr(&b, PT_LOAD, PF_R | PF_W, 0x7FFFFFFF000ULL, 0x600000, 0, 0x5000);
    build();
    expect_ok();
    assert_int_equal(info.segments[1].filesz, 0);
    assert_int_equal(info.segments[1].offset, 0);
    assert_int_equal(info.image_end, 0x605000);
}

static void test_highest_segment_at_top_of_user_half(void **state)
{
    (void)state;
    begin(0x401000);
    eb_load(&b, PF_R | PF_X, 0x401000, 0x10, 0x10);
    eb_load(&b, PF_R | PF_W, VMM_USER_END - 0x2000, 0x10, 0x2000); /* ends exactly at the top */
    build();
    expect_ok();
    assert_int_equal(info.image_start, 0x401000);
    assert_int_equal(info.image_end, VMM_USER_END);
}

static void test_max_segments(void **state)
{
    (void)state;
    begin(0x400000);
    for (unsigned i = 0; i < ELF_MAX_SEGMENTS; i++)
        eb_load(&b, i == 0 ? PF_R | PF_X : PF_R, 0x400000 + i * 0x1000, 8, 8);
    build();
    expect_ok();
    assert_int_equal(info.segment_count, ELF_MAX_SEGMENTS);
}

static void test_entry_at_segment_edges(void **state)
{
    (void)state;
    /* First and last byte of text: accepted. One past the end: refused. */
    eb_poke_u64(img, EB_EHDR(e_entry), 0x401000);
    expect_ok();
    eb_poke_u64(img, EB_EHDR(e_entry), 0x4012FF);
    expect_ok();
    eb_poke_u64(img, EB_EHDR(e_entry), 0x401300);
    expect_refused(ELF_ERR_ENTRY, -1, "entry point 0x401300", "not inside any PT_LOAD");
}

static void test_adjacent_pages_do_not_overlap(void **state)
{
    (void)state;
    /* text ends in page 0x401000, rodata starts at 0x402000: no shared page (standard image). */
    expect_ok();
    /* Segments in decreasing address order are fine too. */
    begin(0x405000);
    eb_load(&b, PF_R | PF_W, 0x500000, 0x10, 0x10);
    eb_load(&b, PF_R | PF_X, 0x405000, 0x10, 0x10);
    build();
    expect_ok();
    assert_int_equal(info.image_start, 0x405000);
    assert_int_equal(info.image_end, 0x501000);
}

/* ---- the ELF header ------------------------------------------------------- */

static void test_too_small(void **state)
{
    (void)state;
    img_size = 63;
    expect_refused(ELF_ERR_TOO_SMALL, -1, "63 bytes", "64-byte ELF header");
    img_size = 0;
    expect_refused(ELF_ERR_TOO_SMALL, -1, "0 bytes", NULL);
}

static void test_bad_magic(void **state)
{
    (void)state;
    memcpy(img, "MZ\x90\x00", 4);
    expect_refused(ELF_ERR_NOT_ELF, -1, "not an ELF file", "4d 5a 90 00");
}

static void test_32_bit_class(void **state)
{
    (void)state;
    img[EI_CLASS] = 1;
    expect_refused(ELF_ERR_CLASS, -1, "EI_CLASS] is 1", "64-bit");
}

static void test_big_endian(void **state)
{
    (void)state;
    img[EI_DATA] = 2;
    expect_refused(ELF_ERR_DATA, -1, "EI_DATA] is 2", "little-endian");
}

static void test_ident_version(void **state)
{
    (void)state;
    img[EI_VERSION] = 0;
    expect_refused(ELF_ERR_VERSION, -1, "EI_VERSION] is 0", "EV_CURRENT");
}

static void test_e_version(void **state)
{
    (void)state;
    eb_poke_u32(img, EB_EHDR(e_version), 2);
    expect_refused(ELF_ERR_VERSION, -1, "e_version is 2", "EV_CURRENT");
}

static void test_os_abi(void **state)
{
    (void)state;
    img[EI_OSABI] = 3; /* ELFOSABI_GNU */
    expect_refused(ELF_ERR_OSABI, -1, "EI_OSABI] is 3", "System V");
}

static void test_pie_refused(void **state)
{
    (void)state;
    eb_poke_u16(img, EB_EHDR(e_type), ET_DYN);
    expect_refused(ELF_ERR_TYPE, -1, "e_type is 3", "-static -no-pie");
}

static void test_object_file_refused(void **state)
{
    (void)state;
    eb_poke_u16(img, EB_EHDR(e_type), 1);
    expect_refused(ELF_ERR_TYPE, -1, "e_type is 1", "ET_REL");
}

static void test_wrong_machine(void **state)
{
    (void)state;
    eb_poke_u16(img, EB_EHDR(e_machine), 183);
    expect_refused(ELF_ERR_MACHINE, -1, "e_machine is 183", "EM_X86_64");
}

static void test_ehsize(void **state)
{
    (void)state;
    eb_poke_u16(img, EB_EHDR(e_ehsize), 52);
    expect_refused(ELF_ERR_HEADER_SIZE, -1, "e_ehsize is 52", NULL);
}

static void test_phentsize(void **state)
{
    (void)state;
    eb_poke_u16(img, EB_EHDR(e_phentsize), 32);
    expect_refused(ELF_ERR_PHENTSIZE, -1, "e_phentsize is 32", "56");
}

static void test_no_program_headers(void **state)
{
    (void)state;
    eb_poke_u16(img, EB_EHDR(e_phnum), 0);
    expect_refused(ELF_ERR_PHNUM, -1, "e_phnum is 0", NULL);
}

static void test_too_many_program_headers(void **state)
{
    (void)state;
    eb_poke_u16(img, EB_EHDR(e_phnum), ELF_MAX_PHDRS + 1);
    expect_refused(ELF_ERR_PHNUM, -1, "e_phnum is 65", NULL);
    eb_poke_u16(img, EB_EHDR(e_phnum), 0xFFFF); /* PN_XNUM */
    expect_refused(ELF_ERR_PHNUM, -1, "e_phnum is 65535", NULL);
}

static void test_phdrs_past_end_of_file(void **state)
{
    (void)state;
    /* The table (5 * 56 bytes) must end inside the file: the last fitting offset works. */
    eb_poke_u64(img, EB_EHDR(e_phoff), img_size - 5 * 56);
    memcpy(img + img_size - 5 * 56, img + 64, 5 * 56);
    expect_ok();
    eb_poke_u64(img, EB_EHDR(e_phoff), img_size - 5 * 56 + 1);
    expect_refused(ELF_ERR_PHDRS_OUTSIDE, -1, "runs past the end", "12416-byte file");
    eb_poke_u64(img, EB_EHDR(e_phoff), 0xFFFFFFFFFFFFFFF0ULL); /* offset + size would wrap */
    expect_refused(ELF_ERR_PHDRS_OUTSIDE, -1, "e_phoff 0xfffffffffffffff0", NULL);
}

static void test_phdrs_overlap_elf_header(void **state)
{
    (void)state;
    eb_poke_u64(img, EB_EHDR(e_phoff), 0);
    expect_refused(ELF_ERR_PHDRS_OVERLAP, -1, "e_phoff 0x0", "overlaps the 64-byte ELF header");
    eb_poke_u64(img, EB_EHDR(e_phoff), 63);
    expect_refused(ELF_ERR_PHDRS_OVERLAP, -1, "e_phoff 0x3f", NULL);
}

/* ---- program headers ------------------------------------------------------ */

static void test_interp_refused(void **state)
{
    (void)state;
    poke_phdr32(2, PH(p_type), PT_INTERP);
    expect_refused(ELF_ERR_DYNAMIC, 2, "segment 2: PT_INTERP",
                   "dynamically linked executables are not supported");
}

static void test_dynamic_refused(void **state)
{
    (void)state;
    poke_phdr32(4, PH(p_type), PT_DYNAMIC);
    expect_refused(ELF_ERR_DYNAMIC, 4, "segment 4: PT_DYNAMIC",
                   "dynamically linked executables are not supported");
}

static void test_executable_stack_refused(void **state)
{
    (void)state;
    poke_phdr32(4, PH(p_flags), PF_R | PF_W | PF_X);
    expect_refused(ELF_ERR_EXEC_STACK, 4, "segment 4: PT_GNU_STACK", "executable stack");
}

static void test_too_many_segments(void **state)
{
    (void)state;
    begin(0x400000);
    for (unsigned i = 0; i < ELF_MAX_SEGMENTS + 1; i++)
        eb_load(&b, i == 0 ? PF_R | PF_X : PF_R, 0x400000 + i * 0x1000, 8, 8);
    build();
    expect_refused(ELF_ERR_TOO_MANY_SEGMENTS, 16, "segment 16", "more than 16 PT_LOAD");
}

static void test_no_loadable_segment(void **state)
{
    (void)state;
    for (unsigned i = 0; i < 4; i++)
        poke_phdr32(i, PH(p_type), PT_NOTE);
    expect_refused(ELF_ERR_NO_SEGMENTS, -1, "no PT_LOAD segment", NULL);
    setup_standard(NULL);
    for (unsigned i = 0; i < 4; i++) {
        poke_phdr64(i, PH(p_memsz), 0);
        poke_phdr64(i, PH(p_filesz), 0);
    }
    expect_refused(ELF_ERR_NO_SEGMENTS, -1, "p_memsz > 0", NULL);
}

static void test_segment_past_end_of_file(void **state)
{
    (void)state;
    /* Segment 3's bytes end exactly at the end of the file; one more byte is outside. */
    poke_phdr64(3, PH(p_filesz), 0x41);
    expect_refused(ELF_ERR_FILE_RANGE, 3, "segment 3: p_offset 0x3040 + p_filesz 0x41",
                   "past the end of the 12416-byte file");
    setup_standard(NULL);
    poke_phdr64(2, PH(p_offset), 0x10000);
    expect_refused(ELF_ERR_FILE_RANGE, 2, "segment 2: p_offset 0x10000", NULL);
}

static void test_segment_file_range_wraps(void **state)
{
    (void)state;
    /* offset + filesz wraps to a small number: a naive sum would pass the check. */
    poke_phdr64(1, PH(p_offset), 0xFFFFFFFFFFFFF000ULL);
    poke_phdr64(1, PH(p_filesz), 0x2000);
    poke_phdr64(1, PH(p_memsz), 0x2000);
    expect_refused(ELF_ERR_FILE_RANGE, 1, "p_offset 0xfffffffffffff000 + p_filesz 0x2000", NULL);
}

static void test_filesz_larger_than_memsz(void **state)
{
    (void)state;
    poke_phdr64(1, PH(p_memsz), 0x2FF);
    expect_refused(ELF_ERR_FILESZ, 1, "segment 1: p_filesz 0x300 is larger than p_memsz 0x2ff",
                   NULL);
}

static void test_vaddr_offset_not_congruent(void **state)
{
    (void)state;
    poke_phdr64(1, PH(p_vaddr), 0x401008);
    eb_poke_u64(img, EB_EHDR(e_entry), 0x401010);
    expect_refused(ELF_ERR_ALIGNMENT, 1, "segment 1: p_vaddr 0x401008 and p_offset 0x1000",
                   "modulo the page size");
}

static void test_kernel_half_address(void **state)
{
    (void)state;
    poke_phdr64(2, PH(p_vaddr), 0xFFFF800000000000ULL);
    expect_refused(ELF_ERR_ADDRESS, 2,
                   "segment 2: p_vaddr 0xffff800000000000 is not in the user half", NULL);
}

static void test_non_canonical_address(void **state)
{
    (void)state;
    poke_phdr64(2, PH(p_vaddr), 0x0000800000000000ULL);
    expect_refused(ELF_ERR_ADDRESS, 2, "p_vaddr 0x800000000000 is not in the user half", NULL);
    poke_phdr64(2, PH(p_vaddr), 0x1234000000000000ULL);
    expect_refused(ELF_ERR_ADDRESS, 2, "p_vaddr 0x1234000000000000 is not in the user half", NULL);
}

static void test_below_user_min(void **state)
{
    (void)state;
    poke_phdr64(0, PH(p_vaddr), ELF_USER_MIN - 0x1000);
    expect_refused(ELF_ERR_ADDRESS, 0, "segment 0: p_vaddr 0x3ff000 is below 0x400000", "NULL");
    poke_phdr64(0, PH(p_vaddr), 0);
    expect_refused(ELF_ERR_ADDRESS, 0, "p_vaddr 0x0 is below", NULL);
}

static void test_segment_runs_past_user_half(void **state)
{
    (void)state;
    poke_phdr64(3, PH(p_vaddr), VMM_USER_END - 0x2000 + 0x40);
    expect_refused(ELF_ERR_ADDRESS, 3, "p_vaddr 0x7fffffffe040 + p_memsz 0x2000",
                   "runs past the end of the user half");
}

static void test_segment_size_wraps(void **state)
{
    (void)state;
    /* vaddr + memsz wraps around 2^64 and lands low: must not pass as "small". */
    poke_phdr64(3, PH(p_memsz), 0xFFFFFFFFFFFFF000ULL);
    expect_refused(ELF_ERR_ADDRESS, 3, "p_memsz 0xfffffffffffff000", "user half");
}

static void test_write_and_execute_refused(void **state)
{
    (void)state;
    poke_phdr32(1, PH(p_flags), PF_R | PF_W | PF_X);
    expect_refused(ELF_ERR_WRITE_EXEC, 1, "segment 1: p_flags 0x7", "W^X");
}

static void test_segments_share_a_page(void **state)
{
    (void)state;
    /* rodata ends at 0x402080; data moved down to start in the same page. */
    poke_phdr64(3, PH(p_vaddr), 0x402040);
    expect_refused(ELF_ERR_OVERLAP, 3, "segments 2 and 3 overlap",
                   "[0x402000, 0x403000) and [0x402000, 0x405000)");
}

static void test_segment_inside_another(void **state)
{
    (void)state;
    begin(0x401000);
    eb_load(&b, PF_R | PF_X, 0x401000, 0x10, 0x10);
    eb_load(&b, PF_R | PF_W, 0x500000, 0x10, 0x100000);
    eb_load(&b, PF_R, 0x550000, 0x10, 0x10);
    build();
    expect_refused(ELF_ERR_OVERLAP, 2, "segments 1 and 2 overlap", NULL);
}

static void test_entry_outside_segments(void **state)
{
    (void)state;
    eb_poke_u64(img, EB_EHDR(e_entry), 0);
    expect_refused(ELF_ERR_ENTRY, -1, "entry point 0x0 is not inside any PT_LOAD segment", NULL);
}

static void test_entry_in_data(void **state)
{
    (void)state;
    eb_poke_u64(img, EB_EHDR(e_entry), 0x404000); /* in segment 3's .bss */
    expect_refused(ELF_ERR_ENTRY, 3, "entry point 0x404000 is in segment 3", "not executable");
}

static void test_strerror(void **state)
{
    (void)state;
    /* Every code has its own description; unknown codes say so. */
    for (int a = ELF_ERR_BAD_ARGUMENT; a <= ELF_OK; a++) {
        assert_string_not_equal(elf_strerror(a), "unknown ELF error");
        for (int c = ELF_ERR_BAD_ARGUMENT; c < a; c++)
            assert_string_not_equal(elf_strerror(a), elf_strerror(c));
    }
    assert_string_equal(elf_strerror(ELF_ERR_BAD_ARGUMENT - 1), "unknown ELF error");
    assert_string_equal(elf_strerror(1), "unknown ELF error");
}

/* ---- mutations: never crash, never accept something broken ---------------- */

static uint8_t good[EB_STANDARD_SIZE];
static size_t good_size;
static unsigned accepted, refused;

static void check_mutant(const char *what, size_t at, uint64_t value)
{
    /* A heap copy of exactly the file's size: ASan sees any read past its end. */
    uint8_t *copy = malloc(img_size ? img_size : 1);
    assert_non_null(copy);
    memcpy(copy, img, img_size);
    memset(&err, 0, sizeof(err));
    int rc = elf_validate(copy, img_size, &info, &err);
    free(copy);
    if (rc == ELF_OK) {
        const char *broken = eb_check_info(&info, img_size);
        if (broken)
            fail_msg("%s at %zu = %#llx: accepted with %s", what, at, (unsigned long long)value,
                     broken);
        accepted++;
    } else {
        if (rc > 0 || err.code != rc || strcmp(elf_strerror(rc), "unknown ELF error") == 0 ||
            strlen(err.message) == 0 || strlen(err.message) >= sizeof(err.message) - 1 ||
            err.phdr < -1 || err.phdr >= ELF_MAX_PHDRS)
            fail_msg("%s at %zu = %#llx: bad error %d (%s) \"%s\"", what, at,
                     (unsigned long long)value, rc, elf_strerror(rc), err.message);
        refused++;
    }
}

static void restore(void)
{
    memcpy(img, good, good_size);
    img_size = good_size;
}

static void test_mutate_each_header_byte(void **state)
{
    (void)state;
    memcpy(good, img, img_size);
    good_size = img_size;
    accepted = refused = 0;
    static const uint8_t values[] = {0x00, 0x01, 0x02, 0x03, 0x10, 0x40, 0x7f, 0x80, 0xfe, 0xff};
    size_t headers = 64 + 5 * 56;
    for (size_t at = 0; at < headers; at++) {
        for (size_t v = 0; v < sizeof(values); v++) {
            restore();
            img[at] = values[v];
            check_mutant("byte", at, values[v]);
        }
        for (int bit = 0; bit < 8; bit++) {
            restore();
            img[at] ^= (uint8_t)(1u << bit);
            check_mutant("bit flip", at, 1u << bit);
        }
    }
    printf("# header byte mutations: %u accepted, %u refused\n", accepted, refused);
    assert_true(refused > 0 && accepted > 0);
}

static void test_mutate_each_field(void **state)
{
    (void)state;
    memcpy(good, img, img_size);
    good_size = img_size;
    accepted = refused = 0;
    const uint64_t values[] = {0,
                               1,
                               7,
                               8,
                               0x38,
                               0x40,
                               0xfff,
                               0x1000,
                               0x1001,
                               0x3080,
                               0x3081,
                               0xffff,
                               0x400000,
                               0x401000,
                               0x7fffffffe000ULL,
                               0x7ffffffff000ULL,
                               0x800000000000ULL,
                               0xffff800000000000ULL,
                               0x8000000000000000ULL,
                               0xfffffffffffff000ULL,
                               0xffffffffffffffffULL};
    /* Every 2-, 4- and 8-byte field of the ELF header and of each program header. */
    struct field {
        size_t off, width;
    } fields[64];
    size_t n = 0;
    const size_t eh_fields[][2] = {{16, 2}, {18, 2}, {20, 4}, {24, 8}, {32, 8}, {40, 8}, {48, 4},
                                   {52, 2}, {54, 2}, {56, 2}, {58, 2}, {60, 2}, {62, 2}};
    for (size_t i = 0; i < sizeof(eh_fields) / sizeof(eh_fields[0]); i++)
        fields[n++] = (struct field){eh_fields[i][0], eh_fields[i][1]};
    const size_t ph_fields[][2] = {{0, 4},  {4, 4},  {8, 8},  {16, 8},
                                   {24, 8}, {32, 8}, {40, 8}, {48, 8}};
    for (unsigned p = 0; p < 5; p++)
        for (size_t i = 0; i < 8; i++)
            fields[n++] = (struct field){eb_phdr_field(p, ph_fields[i][0]), ph_fields[i][1]};
    for (size_t f = 0; f < n; f++) {
        for (size_t v = 0; v < sizeof(values) / sizeof(values[0]); v++) {
            restore();
            uint64_t value = values[v];
            memcpy(img + fields[f].off, &value, fields[f].width); /* low bytes first */
            check_mutant("field", fields[f].off, value);
            /* Same value, file cut to where the field points (many fields are offsets). */
            if (value < img_size) {
                img_size = (size_t)value;
                check_mutant("field and size", fields[f].off, value);
            }
        }
    }
    printf("# field mutations: %u accepted, %u refused\n", accepted, refused);
    assert_true(refused > 0 && accepted > 0);
}

static void test_truncated_at_every_length(void **state)
{
    (void)state;
    size_t full = img_size;
    for (img_size = 0; img_size < full; img_size++) {
        check_mutant("truncated", img_size, 0);
        /* The last segment's bytes end the file: any cut is refused. */
        assert_int_not_equal(elf_validate(img, img_size, &info, NULL), ELF_OK);
    }
}

static void test_random_mutations(void **state)
{
    (void)state;
    memcpy(good, img, img_size);
    good_size = img_size;
    accepted = refused = 0;
    uint64_t rng = 0x9E3779B97F4A7C15ULL;
    for (unsigned round = 0; round < 20000; round++) {
        restore();
        unsigned count = 1 + round % 4;
        for (unsigned k = 0; k < count; k++) {
            rng ^= rng >> 12;
            rng ^= rng << 25;
            rng ^= rng >> 27;
            uint64_t r = rng * 0x2545F4914F6CDD1DULL;
            /* Mostly the headers, where the bytes mean something. */
            size_t at = (r & 1) ? (r >> 8) % (64 + 5 * 56) : (r >> 8) % img_size;
            img[at] = (uint8_t)(r >> 56);
        }
        check_mutant("random", round, rng);
    }
    printf("# random mutations: %u accepted, %u refused\n", accepted, refused);
}

int main(void)
{
#define TEST(fn) cmocka_unit_test_setup(fn, setup_standard)
    const struct CMUnitTest tests[] = {
        TEST(test_standard_image),
        TEST(test_err_may_be_null_and_image_unaligned),
        TEST(test_null_arguments),
        TEST(test_ignored_headers),
        TEST(test_empty_load_skipped),
        TEST(test_bss_only_segment),
        TEST(test_highest_segment_at_top_of_user_half),
        TEST(test_max_segments),
        TEST(test_entry_at_segment_edges),
        TEST(test_adjacent_pages_do_not_overlap),
        TEST(test_too_small),
        TEST(test_bad_magic),
        TEST(test_32_bit_class),
        TEST(test_big_endian),
        TEST(test_ident_version),
        TEST(test_e_version),
        TEST(test_os_abi),
        TEST(test_pie_refused),
        TEST(test_object_file_refused),
        TEST(test_wrong_machine),
        TEST(test_ehsize),
        TEST(test_phentsize),
        TEST(test_no_program_headers),
        TEST(test_too_many_program_headers),
        TEST(test_phdrs_past_end_of_file),
        TEST(test_phdrs_overlap_elf_header),
        TEST(test_interp_refused),
        TEST(test_dynamic_refused),
        TEST(test_executable_stack_refused),
        TEST(test_too_many_segments),
        TEST(test_no_loadable_segment),
        TEST(test_segment_past_end_of_file),
        TEST(test_segment_file_range_wraps),
        TEST(test_filesz_larger_than_memsz),
        TEST(test_vaddr_offset_not_congruent),
        TEST(test_kernel_half_address),
        TEST(test_non_canonical_address),
        TEST(test_below_user_min),
        TEST(test_segment_runs_past_user_half),
        TEST(test_segment_size_wraps),
        TEST(test_write_and_execute_refused),
        TEST(test_segments_share_a_page),
        TEST(test_segment_inside_another),
        TEST(test_entry_outside_segments),
        TEST(test_entry_in_data),
        TEST(test_strerror),
        TEST(test_mutate_each_header_byte),
        TEST(test_mutate_each_field),
        TEST(test_truncated_at_every_length),
        TEST(test_random_mutations),
    };
    return cmocka_run_group_tests_name("elf", tests, NULL, NULL);
}
