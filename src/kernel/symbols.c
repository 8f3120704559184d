/*
 * kernel/symbols.c - look up the function an address belongs to.
 *
 * A linear scan of the symbol table: a kernel has a few hundred functions and
 * a backtrace asks about a handful of addresses, once, while the kernel is
 * dying, so sorting or indexing would buy nothing a reader could see.
 */
#include "kernel/symbols.h"

/* Copy one section header out of the (possibly unaligned) header bytes. */
static void read_shdr(const uint8_t *shdrs, uint32_t entsize, uint32_t index, struct elf64_shdr *sh)
{
    const uint8_t *from = shdrs + (size_t)index * entsize;
    uint8_t *to = (uint8_t *)sh;
    for (size_t i = 0; i < sizeof(*sh); i++)
        to[i] = from[i];
}

bool symbols_find_sections(const uint8_t *shdrs, size_t bytes, uint32_t num, uint32_t entsize,
                           struct symbol_sections *out, const char **why)
{
    const char *unused;
    if (!why)
        why = &unused;
    if (entsize < sizeof(struct elf64_shdr)) {
        *why = "the section headers are not ELF64 headers";
        return false;
    }
    uint64_t have = bytes / entsize; /* headers we were really given */
    if (have < num)
        num = (uint32_t)have;
    for (uint32_t i = 0; i < num; i++) {
        struct elf64_shdr sym;
        read_shdr(shdrs, entsize, i, &sym);
        if (sym.sh_type != ELF_SHT_SYMTAB)
            continue;
        if (sym.sh_entsize != sizeof(struct elf64_sym) || sym.sh_size % sizeof(struct elf64_sym)) {
            *why = ".symtab entries are not ELF64 symbols";
            return false;
        }
        if (sym.sh_link >= num) {
            *why = ".symtab's string table is not among the section headers";
            return false;
        }
        struct elf64_shdr str;
        read_shdr(shdrs, entsize, sym.sh_link, &str);
        if (str.sh_type != ELF_SHT_STRTAB || str.sh_size == 0) {
            *why = ".symtab's linked section is not a string table";
            return false;
        }
        if (sym.sh_addr == 0 || str.sh_addr == 0) {
            *why = "the bootloader did not load .symtab and .strtab (sh_addr is 0)";
            return false;
        }
        *out = (struct symbol_sections){sym.sh_addr, sym.sh_size, str.sh_addr, str.sh_size};
        return true;
    }
    *why = "the kernel has no .symtab (was it stripped?)";
    return false;
}

/* Functions and assembly labels that live in a section can name code. */
static bool names_code(const struct elf64_sym *s)
{
    unsigned type = ELF_ST_TYPE(s->st_info);
    if (type != ELF_STT_FUNC && type != ELF_STT_NOTYPE)
        return false;
    return s->st_shndx != ELF_SHN_UNDEF && s->st_shndx != ELF_SHN_ABS && s->st_name != 0;
}

/* The length of the name at offset, or -1 if it does not end inside the strings. */
static long name_length(const struct symbol_table *t, uint32_t offset)
{
    for (size_t i = offset; i < t->strings_size; i++)
        if (t->strings[i] == '\0')
            return (long)(i - offset);
    return -1;
}

/*
 * Is a a better candidate than b (both at or below the address)? The nearest
 * wins. At the same address a sized symbol beats a label, a function beats
 * anything else, and otherwise the earlier entry stays: ELF puts local
 * symbols first, so a file's own label beats a linker-script marker such as
 * __text_start.
 */
static bool better(const struct elf64_sym *a, const struct elf64_sym *b)
{
    if (!b || a->st_value != b->st_value)
        return !b || a->st_value > b->st_value;
    if ((a->st_size != 0) != (b->st_size != 0))
        return a->st_size != 0;
    unsigned ta = ELF_ST_TYPE(a->st_info), tb = ELF_ST_TYPE(b->st_info);
    return ta == ELF_STT_FUNC && tb != ELF_STT_FUNC;
}

bool symbols_lookup(const struct symbol_table *table, uint64_t addr, struct symbol_match *out)
{
    const struct elf64_sym *best = 0;
    for (size_t i = 0; i < table->count; i++) {
        const struct elf64_sym *s = &table->syms[i];
        if (names_code(s) && s->st_value <= addr && better(s, best))
            best = s;
    }
    if (!best)
        return false;
    /* The nearest symbol is a function that ends before addr: addr is in a gap. */
    if (best->st_size != 0 && addr - best->st_value >= best->st_size)
        return false;
    if (name_length(table, best->st_name) < 0)
        return false; /* the name runs off the end of the string table */
    *out = (struct symbol_match){table->strings + best->st_name, best->st_value,
                                 addr - best->st_value};
    return true;
}

size_t symbols_copy_code(const struct symbol_table *from, uint64_t lo, uint64_t hi,
                         struct elf64_sym *syms, size_t max_syms, char *strings,
                         size_t strings_size, struct symbol_table *to)
{
    size_t count = 0, used = 0, dropped = 0;
    if (strings_size > 0)
        strings[used++] = '\0'; /* offset 0 is the empty name, as in ELF */
    for (size_t i = 0; i < from->count; i++) {
        const struct elf64_sym *s = &from->syms[i];
        if (!names_code(s) || s->st_value < lo || s->st_value >= hi)
            continue;
        long len = name_length(from, s->st_name);
        if (len < 0)
            continue; /* a broken entry names nothing */
        if (count == max_syms || strings_size - used < (size_t)len + 1) {
            dropped++;
            continue;
        }
        syms[count] = *s;
        syms[count].st_name = (uint32_t)used;
        for (long k = 0; k <= len; k++)
            strings[used++] = from->strings[s->st_name + (size_t)k];
        count++;
    }
    *to = (struct symbol_table){syms, count, strings, used};
    return dropped;
}
