/*
 * proc/elf.h - checking an ELF64 executable before the kernel loads it.
 *
 * A user program arrives as bytes the kernel did not write: a GRUB module, a
 * file, anything. elf_validate() reads those bytes as an ELF64 file (System V
 * ABI, x86_64 supplement) and either refuses them, with a short code and a
 * sentence naming the field and its value, or fills a struct elf_info with
 * everything the loader needs: which pages to map with which VMM_* flags,
 * which file bytes to copy where, and where to start running. A loader that
 * only ever uses the elf_info never reads a header field itself, so it never
 * trusts one that was not checked.
 *
 * What is accepted: a static, non-PIE x86_64 executable (ET_EXEC, no
 * PT_INTERP, no PT_DYNAMIC) whose PT_LOAD segments lie in the user half at or
 * above ELF_USER_MIN, do not share a page, are never both writable and
 * executable, and contain the entry point in an executable one. docs/elf.md
 * lists every check and its message.
 *
 * The file is read with memcpy only, so the image need not be aligned, and
 * never beyond `size` bytes. Pure C: the kernel and the host tests compile it
 * unchanged. x86_64 is little-endian, like the only ELF data encoding we
 * accept, so the header structures are read as they are.
 */
#ifndef KILN_PROC_ELF_H
#define KILN_PROC_ELF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- the file format (System V gABI, chapter 4 and 5) -------------------- */

/* e_ident[]: the first 16 bytes, readable before the class is known. */
#define EI_NIDENT 16
#define EI_MAG0 0       /* 0x7f 'E' 'L' 'F' */
#define EI_CLASS 4      /* ELFCLASS64 */
#define EI_DATA 5       /* ELFDATA2LSB */
#define EI_VERSION 6    /* EV_CURRENT */
#define EI_OSABI 7      /* ELFOSABI_SYSV */
#define EI_ABIVERSION 8 /* 0; not checked */

#define ELF_MAGIC "\177ELF" /* octal: "\x7fELF" would read as one hex escape 0x7fe... */
#define ELFCLASS64 2
#define ELFDATA2LSB 1 /* little-endian, two's complement */
#define EV_CURRENT 1
#define ELFOSABI_SYSV 0 /* also called ELFOSABI_NONE */

/* e_type */
#define ET_EXEC 2 /* executable at fixed addresses */
#define ET_DYN 3  /* shared object or position-independent executable */

/* e_machine */
#define EM_X86_64 62

/* p_type */
#define PT_NULL 0
#define PT_LOAD 1    /* bytes to map */
#define PT_DYNAMIC 2 /* dynamic-linking tables */
#define PT_INTERP 3  /* path of the dynamic linker */
#define PT_NOTE 4
#define PT_PHDR 6
#define PT_TLS 7
#define PT_GNU_STACK 0x6474e551 /* its PF_X says whether the stack must be executable */

/* p_flags */
#define PF_X (1u << 0)
#define PF_W (1u << 1)
#define PF_R (1u << 2)

/* The ELF header, at offset 0 of the file (64 bytes). */
struct elf64_ehdr {
    uint8_t e_ident[EI_NIDENT];
    uint16_t e_type;
    uint16_t e_machine;
    uint32_t e_version;
    uint64_t e_entry; /* virtual address of the first instruction */
    uint64_t e_phoff; /* file offset of the program header table */
    uint64_t e_shoff; /* section headers: not needed to run a program */
    uint32_t e_flags;
    uint16_t e_ehsize;    /* size of this header */
    uint16_t e_phentsize; /* size of one program header */
    uint16_t e_phnum;     /* number of program headers */
    uint16_t e_shentsize;
    uint16_t e_shnum;
    uint16_t e_shstrndx;
};

/* One program header (56 bytes): a segment, the loader's view of the file. */
struct elf64_phdr {
    uint32_t p_type;
    uint32_t p_flags;
    uint64_t p_offset; /* where the segment's bytes start in the file */
    uint64_t p_vaddr;  /* where they go in memory */
    uint64_t p_paddr;  /* unused for user programs */
    uint64_t p_filesz; /* bytes taken from the file */
    uint64_t p_memsz;  /* bytes in memory; the rest after p_filesz is zero (.bss) */
    uint64_t p_align;  /* not checked: see docs/elf.md */
};

_Static_assert(sizeof(struct elf64_ehdr) == 64, "ELF64 header is 64 bytes");
_Static_assert(sizeof(struct elf64_phdr) == 56, "ELF64 program header is 56 bytes");

/* ---- kiln's limits -------------------------------------------------------- */

/*
 * The lowest address a segment may use. The first 4 MiB stay unmapped, so a
 * NULL pointer, or a small offset from one (p->field, array[i]), faults
 * instead of reading the program's code. 0x400000 is also where GNU ld puts
 * a static x86_64 executable by default (DESIGN.md, memory layout).
 */
#define ELF_USER_MIN 0x400000ULL

/* At most this many PT_LOAD segments (ld emits 2 to 5), and program headers in all. */
#define ELF_MAX_SEGMENTS 16
#define ELF_MAX_PHDRS 64

/* ---- what elf_validate() reports ------------------------------------------ */

/* One PT_LOAD segment: map [vaddr, vaddr + memsz), copy filesz bytes from offset. */
struct elf_segment {
    uint64_t vaddr;     /* first byte (need not be page-aligned) */
    uint64_t memsz;     /* bytes in memory, > 0 */
    uint64_t offset;    /* first byte in the file */
    uint64_t filesz;    /* bytes from the file, <= memsz; the rest is zero-filled */
    unsigned vmm_flags; /* VMM_USER, plus VMM_WRITE or VMM_EXEC (never both) */
    unsigned phdr;      /* its index in the program header table, for messages */
};

struct elf_info {
    uint64_t entry; /* where the program starts: inside an executable segment */
    unsigned segment_count;
    struct elf_segment segments[ELF_MAX_SEGMENTS]; /* in file order */
    uint64_t image_start; /* lowest segment address, rounded down to a page */
    uint64_t image_end;   /* highest segment end, rounded up to a page: the heap can start here */
};

/* elf_validate() results: 0, or one of these negative codes. Each is a different problem. */
enum elf_status {
    ELF_OK = 0,
    ELF_ERR_TOO_SMALL = -1,          /* shorter than the 64-byte ELF header */
    ELF_ERR_NOT_ELF = -2,            /* no \x7fELF magic */
    ELF_ERR_CLASS = -3,              /* not ELFCLASS64 */
    ELF_ERR_DATA = -4,               /* not little-endian */
    ELF_ERR_VERSION = -5,            /* e_ident[EI_VERSION] or e_version is not EV_CURRENT */
    ELF_ERR_OSABI = -6,              /* not the System V ABI */
    ELF_ERR_TYPE = -7,               /* not ET_EXEC (ET_DYN: PIE or shared library) */
    ELF_ERR_MACHINE = -8,            /* not EM_X86_64 */
    ELF_ERR_HEADER_SIZE = -9,        /* e_ehsize is not 64 */
    ELF_ERR_PHENTSIZE = -10,         /* e_phentsize is not 56 */
    ELF_ERR_PHNUM = -11,             /* no program headers, or more than ELF_MAX_PHDRS */
    ELF_ERR_PHDRS_OUTSIDE = -12,     /* the program header table runs past the end of the file */
    ELF_ERR_PHDRS_OVERLAP = -13,     /* the program header table overlaps the ELF header */
    ELF_ERR_DYNAMIC = -14,           /* PT_INTERP or PT_DYNAMIC: dynamically linked */
    ELF_ERR_EXEC_STACK = -15,        /* PT_GNU_STACK asks for an executable stack */
    ELF_ERR_TOO_MANY_SEGMENTS = -16, /* more than ELF_MAX_SEGMENTS PT_LOAD segments */
    ELF_ERR_NO_SEGMENTS = -17,       /* no PT_LOAD segment with p_memsz > 0 */
    ELF_ERR_FILE_RANGE = -18,        /* p_offset + p_filesz is past the end of the file */
    ELF_ERR_FILESZ = -19,            /* p_filesz > p_memsz */
    ELF_ERR_ALIGNMENT = -20,         /* p_vaddr and p_offset differ modulo the page size */
    ELF_ERR_ADDRESS = -21,    /* [p_vaddr, p_vaddr + p_memsz) not in [ELF_USER_MIN, VMM_USER_END) */
    ELF_ERR_WRITE_EXEC = -22, /* a segment both writable and executable (W^X) */
    ELF_ERR_OVERLAP = -23,    /* two segments share a page */
    ELF_ERR_ENTRY = -24,      /* the entry point is not in an executable segment */
    ELF_ERR_BAD_ARGUMENT = -25, /* image or out is NULL (a kernel bug, not a file problem) */
};

#define ELF_ERROR_MESSAGE_MAX 192 /* every message fits: test_elf.c checks */

/* Why elf_validate() refused a file; filled only when it fails. */
struct elf_error {
    int code; /* the enum elf_status */
    int phdr; /* index of the offending program header, or -1 for the ELF header */
    char message[ELF_ERROR_MESSAGE_MAX]; /* e.g. "segment 2: p_vaddr 0xffff800000000000 is ..." */
};

/*
 * Check the `size` bytes at `image` as a static x86_64 executable and describe
 * it in *out. Returns ELF_OK, or a negative enum elf_status with *err filled
 * in (err may be NULL). *out is zeroed first, and is complete only on ELF_OK.
 * No byte outside [image, image + size) is read.
 */
int elf_validate(const void *image, size_t size, struct elf_info *out, struct elf_error *err);

/* A short description of a code: "segments overlap", ..., or "unknown ELF error". */
const char *elf_strerror(int code);

#endif
