/*
 * ktest/ktest_elf.c - the one-segment programs of ktest/ktest_elf.h.
 */
#include "ktest/ktest_elf.h"

#include "lib/string.h"
#include "mm/layout.h"
#include "proc/elf.h"

void ktest_elf_one_page(uint8_t *file, uint64_t vaddr, uint64_t entry, const uint8_t *code,
                        size_t len)
{
    memset(file, 0, KTEST_ELF_SIZE);
    struct elf64_ehdr eh = {
        .e_type = ET_EXEC, .e_machine = EM_X86_64, .e_version = EV_CURRENT,
        .e_entry = entry,
        .e_phoff = sizeof(struct elf64_ehdr), .e_ehsize = sizeof(struct elf64_ehdr),
        .e_phentsize = sizeof(struct elf64_phdr), .e_phnum = 1,
    };
    memcpy(eh.e_ident, ELF_MAGIC, 4);
    eh.e_ident[EI_CLASS] = ELFCLASS64;
    eh.e_ident[EI_DATA] = ELFDATA2LSB;
    eh.e_ident[EI_VERSION] = EV_CURRENT;
    struct elf64_phdr ph = {
        .p_type = PT_LOAD, .p_flags = PF_R | PF_X, .p_offset = PAGE_SIZE, .p_vaddr = vaddr,
        .p_filesz = PAGE_SIZE, .p_memsz = PAGE_SIZE, .p_align = PAGE_SIZE,
    };
    memcpy(file, &eh, sizeof(eh));
    memcpy(file + sizeof(eh), &ph, sizeof(ph));
    memcpy(file + KTEST_ELF_SIZE - len, code, len);
}
