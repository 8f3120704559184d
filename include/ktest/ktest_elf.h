/*
 * ktest/ktest_elf.h - a one-segment ELF64 program no linker would make, for in-kernel tests.
 *
 * The loader's refusals and the kernel's edge cases need programs placed
 * where no linker script puts them (the last page of the user half, over
 * the stack). The file is two pages: the ELF header and one program header
 * in the first, the segment's one page (R+X) in the second, ending in `code`.
 */
#ifndef KILN_KTEST_KTEST_ELF_H
#define KILN_KTEST_KTEST_ELF_H

#include <stddef.h>
#include <stdint.h>

#define KTEST_ELF_SIZE (2 * 4096) /* bytes of the file ktest_elf_one_page writes */

/* Write the file into `file` (KTEST_ELF_SIZE bytes): one page of code at
 * `vaddr` (page-aligned), ending in the `len` bytes of `code`, entered at `entry`. */
void ktest_elf_one_page(uint8_t *file, uint64_t vaddr, uint64_t entry, const uint8_t *code,
                        size_t len);

#endif
