/*
 * tests/elf_builder.h - build small ELF64 executables in memory.
 *
 * The ELF tests need files no linker would write: a good one with chosen
 * segments, then the same one with one field wrong. The builder lays a file
 * out the way GNU ld does:
 *
 *     0       ELF header (64 bytes)
 *     64      program header table (56 bytes per entry)
 *     0x1000  segment bytes: each segment at the next file offset that is
 *             congruent to its p_vaddr modulo 4096, filled with a pattern
 *
 * Typical use:
 *     struct elf_builder b;
 *     eb_init(&b, buf, sizeof(buf), 0x401000);
 *     eb_load(&b, PF_R | PF_X, 0x401000, 0x200, 0x200);   text
 *     eb_load(&b, PF_R | PF_W, 0x402000, 0x100, 0x3000);  data + bss
 *     size_t size = eb_finish(&b);
 * then break whatever field the test is about with eb_phdr_u64() or the
 * eb_poke_*() helpers and the offsetof() of the field.
 */
#ifndef KILN_TESTS_ELF_BUILDER_H
#define KILN_TESTS_ELF_BUILDER_H

#include <assert.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "mm/layout.h"
#include "mm/vmm.h"
#include "proc/elf.h"

#define EB_MAX_PHDRS 24
#define EB_DATA_START 0x1000u /* first byte after the reserved header area */

struct elf_builder {
    uint8_t *buf;
    size_t cap;
    uint64_t entry;
    unsigned phnum;
    struct elf64_phdr phdrs[EB_MAX_PHDRS];
    size_t data_end; /* one past the last segment byte placed so far */
};

static inline void eb_poke_u8(void *buf, size_t off, uint8_t v)
{
    ((uint8_t *)buf)[off] = v;
}

static inline void eb_poke_u16(void *buf, size_t off, uint16_t v)
{
    memcpy((uint8_t *)buf + off, &v, sizeof(v)); /* x86_64 and ELFDATA2LSB agree */
}

static inline void eb_poke_u32(void *buf, size_t off, uint32_t v)
{
    memcpy((uint8_t *)buf + off, &v, sizeof(v));
}

static inline void eb_poke_u64(void *buf, size_t off, uint64_t v)
{
    memcpy((uint8_t *)buf + off, &v, sizeof(v));
}

/* File offset of program header i's field at `field_off` (an offsetof in struct elf64_phdr). */
static inline size_t eb_phdr_field(unsigned i, size_t field_off)
{
    return sizeof(struct elf64_ehdr) + (size_t)i * sizeof(struct elf64_phdr) + field_off;
}

#define EB_PHDR(i, field) eb_phdr_field((i), offsetof(struct elf64_phdr, field))
#define EB_EHDR(field) offsetof(struct elf64_ehdr, field)

static inline void eb_init(struct elf_builder *b, uint8_t *buf, size_t cap, uint64_t entry)
{
    assert(cap >= EB_DATA_START && "elf builder buffer too small");
    memset(b, 0, sizeof(*b));
    memset(buf, 0, cap);
    b->buf = buf;
    b->cap = cap;
    b->entry = entry;
    b->data_end = EB_DATA_START;
}

/* Any program header, taken as given (offsets are the caller's business). */
static inline unsigned eb_phdr(struct elf_builder *b, uint32_t type, uint32_t flags,
                               uint64_t offset, uint64_t vaddr, uint64_t filesz, uint64_t memsz)
{
    assert(b->phnum < EB_MAX_PHDRS && "too many program headers for the builder");
    b->phdrs[b->phnum] = (struct elf64_phdr){
        .p_type = type,
        .p_flags = flags,
        .p_offset = offset,
        .p_vaddr = vaddr,
        .p_paddr = vaddr,
        .p_filesz = filesz,
        .p_memsz = memsz,
        .p_align = 0x1000,
    };
    return b->phnum++;
}

/* A PT_LOAD whose filesz bytes are placed in the file (pattern: low byte of the
 * address, so each byte says where it belongs). Returns the header's index. */
static inline unsigned eb_load(struct elf_builder *b, uint32_t flags, uint64_t vaddr,
                               uint64_t filesz, uint64_t memsz)
{
    size_t off = b->data_end;
    while (off % 0x1000 != vaddr % 0x1000)
        off++;
    assert(off + filesz <= b->cap && "elf builder buffer too small");
    for (uint64_t i = 0; i < filesz; i++)
        b->buf[off + i] = (uint8_t)(vaddr + i);
    if (filesz > 0)
        b->data_end = off + filesz;
    return eb_phdr(b, PT_LOAD, flags, off, vaddr, filesz, memsz);
}

/* Write the ELF header and the table; returns the file's size. */
static inline size_t eb_finish(struct elf_builder *b)
{
    struct elf64_ehdr eh = {
        .e_ident = {0x7f, 'E', 'L', 'F', ELFCLASS64, ELFDATA2LSB, EV_CURRENT, ELFOSABI_SYSV},
        .e_type = ET_EXEC,
        .e_machine = EM_X86_64,
        .e_version = EV_CURRENT,
        .e_entry = b->entry,
        .e_phoff = sizeof(struct elf64_ehdr),
        .e_ehsize = sizeof(struct elf64_ehdr),
        .e_phentsize = sizeof(struct elf64_phdr),
        .e_phnum = (uint16_t)b->phnum,
    };
    memcpy(b->buf, &eh, sizeof(eh));
    assert(sizeof(eh) + b->phnum * sizeof(struct elf64_phdr) <= EB_DATA_START);
    memcpy(b->buf + sizeof(eh), b->phdrs, b->phnum * sizeof(struct elf64_phdr));
    return b->data_end;
}

/*
 * The image most tests start from, like a small static program from ld:
 *   0  PT_LOAD  R    0x400000  headers (file offset 0, 0x200 bytes)
 *   1  PT_LOAD  R X  0x401000  text, 0x300 bytes; the entry point is 0x401010
 *   2  PT_LOAD  R    0x402000  rodata, 0x80 bytes
 *   3  PT_LOAD  R W  0x403040  data 0x40 bytes + bss up to 0x2000 bytes
 *   4  PT_GNU_STACK  R W
 * Returns the size; buf needs EB_STANDARD_SIZE bytes.
 */
#define EB_STANDARD_SIZE 0x4000u
#define EB_STANDARD_ENTRY 0x401010ULL

static inline size_t eb_standard(uint8_t *buf)
{
    struct elf_builder b;
    eb_init(&b, buf, EB_STANDARD_SIZE, EB_STANDARD_ENTRY);
    eb_phdr(&b, PT_LOAD, PF_R, 0, 0x400000, 0x200, 0x200);
    eb_load(&b, PF_R | PF_X, 0x401000, 0x300, 0x300);
    eb_load(&b, PF_R, 0x402000, 0x80, 0x80);
    eb_load(&b, PF_R | PF_W, 0x403040, 0x40, 0x2000);
    eb_phdr(&b, PT_GNU_STACK, PF_R | PF_W, 0, 0, 0, 0);
    return eb_finish(&b);
}

/*
 * What every accepted file must satisfy, whatever its bytes: the promises of
 * proc/elf.h that a loader relies on. Returns NULL, or what is broken. Used
 * by tests/test_elf.c's mutation loops and by tests/fuzz_elf.c.
 */
static inline const char *eb_check_info(const struct elf_info *info, size_t size)
{
    const uint64_t page = PAGE_SIZE, user_end = VMM_USER_END;
    const unsigned user = VMM_USER, write = VMM_WRITE, exec = VMM_EXEC;
    if (info->segment_count == 0 || info->segment_count > ELF_MAX_SEGMENTS)
        return "segment_count out of range";
    bool entry_ok = false;
    for (unsigned i = 0; i < info->segment_count; i++) {
        const struct elf_segment *s = &info->segments[i];
        if (s->memsz == 0 || s->filesz > s->memsz)
            return "segment sizes";
        if (s->filesz > 0 && (s->offset > size || s->filesz > size - s->offset))
            return "segment file bytes outside the file";
        if (s->vaddr < ELF_USER_MIN || s->vaddr >= user_end || s->memsz > user_end - s->vaddr)
            return "segment outside [ELF_USER_MIN, VMM_USER_END)";
        if (s->filesz > 0 && s->vaddr % page != s->offset % page)
            return "segment not congruent";
        if (!(s->vmm_flags & user) || (s->vmm_flags & ~(user | write | exec)))
            return "segment flags";
        if ((s->vmm_flags & write) && (s->vmm_flags & exec))
            return "segment writable and executable";
        if ((s->vmm_flags & exec) && info->entry >= s->vaddr && info->entry - s->vaddr < s->memsz)
            entry_ok = true;
        if (s->vaddr / page * page < info->image_start ||
            (s->vaddr + s->memsz + page - 1) / page * page > info->image_end)
            return "segment outside [image_start, image_end)";
        for (unsigned j = 0; j < i; j++) {
            const struct elf_segment *t = &info->segments[j];
            uint64_t s0 = s->vaddr / page, s1 = (s->vaddr + s->memsz - 1) / page;
            uint64_t t0 = t->vaddr / page, t1 = (t->vaddr + t->memsz - 1) / page;
            if (s0 <= t1 && t0 <= s1)
                return "two segments share a page";
        }
    }
    if (!entry_ok)
        return "entry point not in an executable segment";
    if (info->image_start % page || info->image_end % page || info->image_end > user_end ||
        info->image_start >= info->image_end)
        return "image_start / image_end";
    return NULL;
}

#endif
