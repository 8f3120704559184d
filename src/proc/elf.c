/*
 * proc/elf.c - the ELF64 validator: is this file a program kiln may load?
 *
 * The checks go from the outside in: the 16 identification bytes, the rest
 * of the ELF header, the program header table's place in the file, then each
 * program header, then the segments against each other, then the entry
 * point. The first problem found is reported, so a student fixing a linker
 * script sees one clear sentence at a time.
 *
 * All arithmetic on values from the file is written so that it cannot wrap:
 * "a + b <= limit" becomes "a <= limit && b <= limit - a". A file is an
 * attacker's input, and a wrapped sum is the classic way past a bounds check.
 *
 * Lab 5 writes the parts marked for it: docs/labs/lab5-syscalls.md, docs/labs/README.md.
 */
#include "proc/elf.h"

#include "lib/format.h"
#include "lib/string.h"
#include "mm/layout.h"
#include "mm/vmm.h"

/* ---- reporting ------------------------------------------------------------ */

__attribute__((format(printf, 4, 5))) static int fail(struct elf_error *err, int code, int phdr,
                                                      const char *fmt, ...)
{
    err->code = code;
    err->phdr = phdr;
    va_list ap;
    va_start(ap, fmt);
    kvsnprintf(err->message, sizeof(err->message), fmt, ap);
    va_end(ap);
    return code;
}

typedef unsigned long long ull; /* what %llx prints */

/* Names for the values a student is most likely to meet by mistake. */
static const char *type_hint(unsigned type)
{
    switch (type) {
    case 0:
        return "ET_NONE";
    case 1:
        return "ET_REL, an object file: link it into an executable first";
    case ET_DYN:
        return "ET_DYN, position-independent: link with -static -no-pie";
    case 4:
        return "ET_CORE, a core dump";
    default:
        return "unknown type";
    }
}

static const char *machine_hint(unsigned machine)
{
    switch (machine) {
    case 3:
        return "EM_386, 32-bit x86";
    case 40:
        return "EM_ARM";
    case 183:
        return "EM_AARCH64";
    case 243:
        return "EM_RISCV";
    default:
        return "not x86_64";
    }
}

/* ---- the ELF header ------------------------------------------------------- */

static int check_ident(const uint8_t *id, struct elf_error *err)
{
    if (memcmp(id, ELF_MAGIC, 4) != 0)
        return fail(err, ELF_ERR_NOT_ELF, -1,
                    "not an ELF file: it starts with %02x %02x %02x %02x, not 7f 45 4c 46 "
                    "(\\x7fELF)",
                    id[0], id[1], id[2], id[3]);
    if (id[EI_CLASS] != ELFCLASS64)
        return fail(err, ELF_ERR_CLASS, -1,
                    "e_ident[EI_CLASS] is %u, not 2 (ELFCLASS64): only 64-bit programs run "
                    "on kiln",
                    id[EI_CLASS]);
    if (id[EI_DATA] != ELFDATA2LSB)
        return fail(err, ELF_ERR_DATA, -1,
                    "e_ident[EI_DATA] is %u, not 1 (ELFDATA2LSB): x86_64 is little-endian",
                    id[EI_DATA]);
    if (id[EI_VERSION] != EV_CURRENT)
        return fail(err, ELF_ERR_VERSION, -1, "e_ident[EI_VERSION] is %u, not 1 (EV_CURRENT)",
                    id[EI_VERSION]);
    if (id[EI_OSABI] != ELFOSABI_SYSV)
        return fail(err, ELF_ERR_OSABI, -1,
                    "e_ident[EI_OSABI] is %u, not 0 (System V): the program was built for "
                    "another operating system's ABI",
                    id[EI_OSABI]);
    return ELF_OK;
}

static int check_header(const struct elf64_ehdr *eh, size_t size, struct elf_error *err)
{
    int rc = check_ident(eh->e_ident, err);
    if (rc != ELF_OK)
        return rc;
    if (eh->e_type != ET_EXEC)
        return fail(err, ELF_ERR_TYPE, -1, "e_type is %u (%s), not 2 (ET_EXEC)", eh->e_type,
                    type_hint(eh->e_type));
    if (eh->e_machine != EM_X86_64)
        return fail(err, ELF_ERR_MACHINE, -1, "e_machine is %u (%s), not 62 (EM_X86_64)",
                    eh->e_machine, machine_hint(eh->e_machine));
    if (eh->e_version != EV_CURRENT)
        return fail(err, ELF_ERR_VERSION, -1, "e_version is %u, not 1 (EV_CURRENT)", eh->e_version);
    if (eh->e_ehsize != sizeof(struct elf64_ehdr))
        return fail(err, ELF_ERR_HEADER_SIZE, -1, "e_ehsize is %u, not 64 (the ELF64 header size)",
                    eh->e_ehsize);
    if (eh->e_phentsize != sizeof(struct elf64_phdr))
        return fail(err, ELF_ERR_PHENTSIZE, -1,
                    "e_phentsize is %u, not 56 (the ELF64 program header size)", eh->e_phentsize);
    /* 0xffff (PN_XNUM) would mean "the real count is in section header 0": also refused. */
    if (eh->e_phnum == 0)
        return fail(err, ELF_ERR_PHNUM, -1, "e_phnum is 0: no program headers, nothing to load");
    if (eh->e_phnum > ELF_MAX_PHDRS)
        return fail(err, ELF_ERR_PHNUM, -1,
                    "e_phnum is %u, more than the %u program headers kiln reads", eh->e_phnum,
                    ELF_MAX_PHDRS);

    uint64_t table = (uint64_t)eh->e_phnum * sizeof(struct elf64_phdr); /* <= 64 * 56 */
    if (eh->e_phoff > size || table > size - eh->e_phoff)
        return fail(err, ELF_ERR_PHDRS_OUTSIDE, -1,
                    "program header table at e_phoff 0x%llx (%u entries of 56 bytes) runs past "
                    "the end of the %zu-byte file",
                    (ull)eh->e_phoff, eh->e_phnum, size);
    /* Headers read out of the ELF header's own bytes would be two things at once. */
    if (eh->e_phoff < sizeof(struct elf64_ehdr))
        return fail(err, ELF_ERR_PHDRS_OVERLAP, -1,
                    "program header table at e_phoff 0x%llx overlaps the 64-byte ELF header",
                    (ull)eh->e_phoff);
    return ELF_OK;
}

/* ---- one program header --------------------------------------------------- */

static int check_load(const struct elf64_phdr *ph, unsigned i, size_t size, struct elf_info *out,
                      struct elf_error *err)
{
    /* LAB 5 BEGIN: check one PT_LOAD header (sizes, file range, addresses, W^X); record it */
    /* LAB 5 STUB: return fail(err, ELF_ERR_ADDRESS, (int)i, */
    /* LAB 5 STUB:             "segment %u: lab 5: not implemented: check_load", i); */
    if (ph->p_filesz > ph->p_memsz)
        return fail(err, ELF_ERR_FILESZ, (int)i,
                    "segment %u: p_filesz 0x%llx is larger than p_memsz 0x%llx", i,
                    (ull)ph->p_filesz, (ull)ph->p_memsz);
    if (ph->p_memsz == 0)
        return ELF_OK; /* occupies no memory: nothing to load or to check */
    if (out->segment_count == ELF_MAX_SEGMENTS)
        return fail(err, ELF_ERR_TOO_MANY_SEGMENTS, (int)i,
                    "segment %u: more than %u PT_LOAD segments", i, ELF_MAX_SEGMENTS);
    if (ph->p_filesz > 0 && (ph->p_offset > size || ph->p_filesz > size - ph->p_offset))
        return fail(err, ELF_ERR_FILE_RANGE, (int)i,
                    "segment %u: p_offset 0x%llx + p_filesz 0x%llx runs past the end of the "
                    "%zu-byte file",
                    i, (ull)ph->p_offset, (ull)ph->p_filesz, size);
    /*
     * gABI: "p_vaddr should equal p_offset, modulo the page size". Then page
     * k of the segment is file page k, so a loader may map file pages
     * directly; kiln copies, but keeps to the rule every linker follows.
     */
    if (ph->p_vaddr % PAGE_SIZE != ph->p_offset % PAGE_SIZE)
        return fail(err, ELF_ERR_ALIGNMENT, (int)i,
                    "segment %u: p_vaddr 0x%llx and p_offset 0x%llx differ modulo the page size "
                    "(4096)",
                    i, (ull)ph->p_vaddr, (ull)ph->p_offset);
    if (ph->p_vaddr >= VMM_USER_END)
        return fail(err, ELF_ERR_ADDRESS, (int)i,
                    "segment %u: p_vaddr 0x%llx is not in the user half", i, (ull)ph->p_vaddr);
    if (ph->p_vaddr < ELF_USER_MIN)
        return fail(err, ELF_ERR_ADDRESS, (int)i,
                    "segment %u: p_vaddr 0x%llx is below 0x%llx (the first 4 MiB stay "
                    "unmapped to catch NULL pointers)",
                    i, (ull)ph->p_vaddr, (ull)ELF_USER_MIN);
    if (ph->p_memsz > VMM_USER_END - ph->p_vaddr)
        return fail(err, ELF_ERR_ADDRESS, (int)i,
                    "segment %u: p_vaddr 0x%llx + p_memsz 0x%llx runs past the end of the user "
                    "half (0x%llx)",
                    i, (ull)ph->p_vaddr, (ull)ph->p_memsz, (ull)VMM_USER_END);
    /* W^X: memory a program can write must not be memory it can run. */
    if ((ph->p_flags & PF_W) && (ph->p_flags & PF_X))
        return fail(err, ELF_ERR_WRITE_EXEC, (int)i,
                    "segment %u: p_flags 0x%x make it both writable and executable (W^X "
                    "forbids it)",
                    i, ph->p_flags);

    /* Every user page is readable on x86 (no PF_R means nothing): only W and X map. */
    unsigned flags = VMM_USER;
    if (ph->p_flags & PF_W)
        flags |= VMM_WRITE;
    if (ph->p_flags & PF_X)
        flags |= VMM_EXEC;
    out->segments[out->segment_count++] = (struct elf_segment){
        .vaddr = ph->p_vaddr,
        .memsz = ph->p_memsz,
        .offset = ph->p_filesz ? ph->p_offset : 0,
        .filesz = ph->p_filesz,
        .vmm_flags = flags,
        .phdr = i,
    };
    return ELF_OK;
    /* LAB 5 END */
}

static int check_phdr(const struct elf64_phdr *ph, unsigned i, size_t size, struct elf_info *out,
                      struct elf_error *err)
{
    switch (ph->p_type) {
    case PT_LOAD:
        return check_load(ph, i, size, out, err);
    case PT_INTERP:
        return fail(err, ELF_ERR_DYNAMIC, (int)i,
                    "segment %u: PT_INTERP: dynamically linked executables are not supported "
                    "(link with -static)",
                    i);
    case PT_DYNAMIC:
        return fail(err, ELF_ERR_DYNAMIC, (int)i,
                    "segment %u: PT_DYNAMIC: dynamically linked executables are not supported "
                    "(link with -static)",
                    i);
    case PT_GNU_STACK:
        if (ph->p_flags & PF_X)
            return fail(err, ELF_ERR_EXEC_STACK, (int)i,
                        "segment %u: PT_GNU_STACK p_flags 0x%x ask for an executable stack", i,
                        ph->p_flags);
        return ELF_OK;
    default:
        return ELF_OK; /* PT_NOTE, PT_PHDR, PT_TLS, ...: nothing the loader acts on */
    }
}

/* ---- the segments together ------------------------------------------------ */

static uint64_t seg_first_page(const struct elf_segment *s)
{
    return PAGE_ALIGN_DOWN(s->vaddr);
}

/* One past the last page; cannot wrap: vaddr + memsz <= VMM_USER_END, a page boundary. */
static uint64_t seg_end_page(const struct elf_segment *s)
{
    return PAGE_ALIGN_UP(s->vaddr + s->memsz);
}

/* Pages have one set of permissions, so two segments may not share one. */
static int check_overlaps(const struct elf_info *out, struct elf_error *err)
{
    /* LAB 5 BEGIN: refuse two segments that share a page (compare every pair) */
    /* LAB 5 STUB: return fail(err, ELF_ERR_OVERLAP, -1, */
    /* LAB 5 STUB:             "lab 5: not implemented: check_overlaps"); */
    for (unsigned j = 1; j < out->segment_count; j++) {
        const struct elf_segment *b = &out->segments[j];
        for (unsigned i = 0; i < j; i++) {
            const struct elf_segment *a = &out->segments[i];
            if (seg_first_page(a) < seg_end_page(b) && seg_first_page(b) < seg_end_page(a))
                return fail(err, ELF_ERR_OVERLAP, (int)b->phdr,
                            "segments %u and %u overlap: pages [0x%llx, 0x%llx) and "
                            "[0x%llx, 0x%llx) share a page",
                            a->phdr, b->phdr, (ull)seg_first_page(a), (ull)seg_end_page(a),
                            (ull)seg_first_page(b), (ull)seg_end_page(b));
        }
    }
    return ELF_OK;
    /* LAB 5 END */
}

static int check_entry(const struct elf_info *out, uint64_t entry, struct elf_error *err)
{
    for (unsigned i = 0; i < out->segment_count; i++) {
        const struct elf_segment *s = &out->segments[i];
        if (entry < s->vaddr || entry - s->vaddr >= s->memsz)
            continue;
        if (!(s->vmm_flags & VMM_EXEC))
            return fail(err, ELF_ERR_ENTRY, (int)s->phdr,
                        "entry point 0x%llx is in segment %u, which is not executable (no PF_X)",
                        (ull)entry, s->phdr);
        return ELF_OK;
    }
    return fail(err, ELF_ERR_ENTRY, -1, "entry point 0x%llx is not inside any PT_LOAD segment",
                (ull)entry);
}

/* ---- the whole file ------------------------------------------------------- */

static int validate(const uint8_t *image, size_t size, struct elf_info *out, struct elf_error *err)
{
    struct elf64_ehdr eh;
    if (size < sizeof(eh))
        return fail(err, ELF_ERR_TOO_SMALL, -1,
                    "the file is %zu bytes, shorter than the 64-byte ELF header", size);
    memcpy(&eh, image, sizeof(eh));
    int rc = check_header(&eh, size, err);
    if (rc != ELF_OK)
        return rc;

    for (unsigned i = 0; i < eh.e_phnum; i++) {
        struct elf64_phdr ph;
        memcpy(&ph, image + eh.e_phoff + (uint64_t)i * sizeof(ph), sizeof(ph));
        rc = check_phdr(&ph, i, size, out, err);
        if (rc != ELF_OK)
            return rc;
    }
    if (out->segment_count == 0)
        return fail(err, ELF_ERR_NO_SEGMENTS, -1,
                    "no PT_LOAD segment with p_memsz > 0: the program has nothing to load");
    rc = check_overlaps(out, err);
    if (rc != ELF_OK)
        return rc;
    rc = check_entry(out, eh.e_entry, err);
    if (rc != ELF_OK)
        return rc;

    out->entry = eh.e_entry;
    out->image_start = seg_first_page(&out->segments[0]);
    out->image_end = seg_end_page(&out->segments[0]);
    for (unsigned i = 1; i < out->segment_count; i++) {
        if (seg_first_page(&out->segments[i]) < out->image_start)
            out->image_start = seg_first_page(&out->segments[i]);
        if (seg_end_page(&out->segments[i]) > out->image_end)
            out->image_end = seg_end_page(&out->segments[i]);
    }
    return ELF_OK;
}

int elf_validate(const void *image, size_t size, struct elf_info *out, struct elf_error *err)
{
    struct elf_error ignored;
    if (!err)
        err = &ignored;
    if (!out || !image)
        return fail(err, ELF_ERR_BAD_ARGUMENT, -1, "elf_validate: %s is NULL",
                    out ? "the image" : "the elf_info");
    memset(out, 0, sizeof(*out));
    int rc = validate(image, size, out, err);
    if (rc != ELF_OK)
        memset(out, 0, sizeof(*out)); /* half-filled segment lists must not be used */
    return rc;
}

const char *elf_strerror(int code)
{
    switch (code) {
    case ELF_OK:
        return "valid executable";
    case ELF_ERR_TOO_SMALL:
        return "file shorter than the ELF header";
    case ELF_ERR_NOT_ELF:
        return "not an ELF file";
    case ELF_ERR_CLASS:
        return "not a 64-bit ELF file";
    case ELF_ERR_DATA:
        return "not little-endian";
    case ELF_ERR_VERSION:
        return "unknown ELF version";
    case ELF_ERR_OSABI:
        return "not the System V ABI";
    case ELF_ERR_TYPE:
        return "not an executable (ET_EXEC)";
    case ELF_ERR_MACHINE:
        return "not an x86_64 program";
    case ELF_ERR_HEADER_SIZE:
        return "wrong ELF header size";
    case ELF_ERR_PHENTSIZE:
        return "wrong program header size";
    case ELF_ERR_PHNUM:
        return "bad number of program headers";
    case ELF_ERR_PHDRS_OUTSIDE:
        return "program headers outside the file";
    case ELF_ERR_PHDRS_OVERLAP:
        return "program headers overlap the ELF header";
    case ELF_ERR_DYNAMIC:
        return "dynamically linked";
    case ELF_ERR_EXEC_STACK:
        return "executable stack requested";
    case ELF_ERR_TOO_MANY_SEGMENTS:
        return "too many segments";
    case ELF_ERR_NO_SEGMENTS:
        return "nothing to load";
    case ELF_ERR_FILE_RANGE:
        return "segment bytes outside the file";
    case ELF_ERR_FILESZ:
        return "segment file size larger than memory size";
    case ELF_ERR_ALIGNMENT:
        return "segment address and offset not congruent";
    case ELF_ERR_ADDRESS:
        return "segment outside the user address range";
    case ELF_ERR_WRITE_EXEC:
        return "segment both writable and executable";
    case ELF_ERR_OVERLAP:
        return "segments overlap";
    case ELF_ERR_ENTRY:
        return "entry point not in an executable segment";
    case ELF_ERR_BAD_ARGUMENT:
        return "bad argument";
    default:
        return "unknown ELF error";
    }
}
