/*
 * kernel/symbols.h - from a code address to "function+0xOFFSET".
 *
 * An ELF file names its functions in two sections: .symtab, an array of
 * fixed-size symbol entries (address, size, type, and an offset into the
 * string table), and .strtab, the names themselves, NUL-terminated and packed
 * end to end (ELF-64 Object File Format, "Symbol Table"). GRUB hands the
 * kernel its own section headers, and loads these two sections into memory
 * (src/kernel/backtrace.c finds them there).
 *
 * This file is pure C, so the host tests (tests/test_symbols.c) run it on
 * hand-made tables: nothing here reads memory it was not given.
 */
#ifndef KILN_KERNEL_SYMBOLS_H
#define KILN_KERNEL_SYMBOLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* One ELF64 section header (Elf64_Shdr), as in the file and in GRUB's tag. */
struct elf64_shdr {
    uint32_t sh_name;
    uint32_t sh_type;
    uint64_t sh_flags;
    uint64_t sh_addr; /* where the section is in memory (GRUB: physical for non-alloc ones) */
    uint64_t sh_offset;
    uint64_t sh_size;
    uint32_t sh_link; /* for a SYMTAB: the index of its string table */
    uint32_t sh_info;
    uint64_t sh_addralign;
    uint64_t sh_entsize;
};

/* One ELF64 symbol (Elf64_Sym). */
struct elf64_sym {
    uint32_t st_name; /* offset of the name in the string table */
    uint8_t st_info;  /* binding << 4 | type */
    uint8_t st_other;
    uint16_t st_shndx; /* the section it is in; 0: undefined, 0xfff1: absolute */
    uint64_t st_value; /* its address */
    uint64_t st_size;  /* bytes it covers; 0 for a plain assembly label */
};

#define ELF_SHT_SYMTAB 2
#define ELF_SHT_STRTAB 3
#define ELF_STT_NOTYPE 0
#define ELF_STT_FUNC 2
#define ELF_STB_GLOBAL 1
#define ELF_SHN_UNDEF 0
#define ELF_SHN_ABS 0xfff1
#define ELF_ST_TYPE(info) ((info)&0xf)
#define ELF_ST_BIND(info) ((info) >> 4)

/* A symbol table and its string table, both already in memory. */
struct symbol_table {
    const struct elf64_sym *syms;
    size_t count;
    const char *strings;
    size_t strings_size;
};

/* Where the two sections are, as their section headers say (sh_addr, sh_size). */
struct symbol_sections {
    uint64_t symtab_addr, symtab_size;
    uint64_t strtab_addr, strtab_size;
};

/*
 * Find the SYMTAB section among `num` section headers of `entsize` bytes each
 * (only the first `bytes` bytes are there), and the STRTAB its sh_link names.
 * Returns false, with a reason in *why, when there is none, when GRUB did not
 * load them (sh_addr 0), or when a header does not make sense.
 */
bool symbols_find_sections(const uint8_t *shdrs, size_t bytes, uint32_t num, uint32_t entsize,
                           struct symbol_sections *out, const char **why);

/* What symbols_lookup found: addr = start + offset, inside the symbol `name`. */
struct symbol_match {
    const char *name;
    uint64_t start;
    uint64_t offset;
};

/*
 * The function containing addr. Functions (STT_FUNC) have a size, so addr
 * must lie inside one; an assembly label (no type, size 0) claims everything
 * from its address up to the next symbol. Of the candidates at or below addr,
 * the nearest wins; at the same address a sized one beats a label. Returns
 * false when nothing claims addr, or the symbol's name is not in the strings.
 */
bool symbols_lookup(const struct symbol_table *table, uint64_t addr, struct symbol_match *out);

/*
 * Copy the symbols that can name code in [lo, hi) (functions and assembly
 * labels) from `from` into the arrays syms[max_syms] and strings[strings_size],
 * and describe the copy in *to. Names are re-packed, so only the copied ones
 * take room. Returns how many symbols did not fit (0: all of them did).
 */
size_t symbols_copy_code(const struct symbol_table *from, uint64_t lo, uint64_t hi,
                         struct elf64_sym *syms, size_t max_syms, char *strings,
                         size_t strings_size, struct symbol_table *to);

#endif
