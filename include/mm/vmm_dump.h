/*
 * mm/vmm_dump.h - looking inside page tables: walks and dumps, for people.
 *
 * These functions only read the tables (through the VMM's phys_window) and
 * never change them. vmm_walk() is the four-level walk written out once more
 * on purpose, apart from the VMM's own (src/mm/vmm.c, which lab 3 replaces):
 * the panic backtrace, walk= on the command line and the monitor use it, so
 * they work in every handout.
 */
#ifndef KILN_MM_VMM_DUMP_H
#define KILN_MM_VMM_DUMP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mm/vmm.h"

/* The entries a translation of one address reads, top level first. */
struct vmm_walk {
    int steps;                  /* entries read: 1..4 (fewer for large pages or holes) */
    paddr_t table[VMM_LEVELS];  /* the table each entry is in */
    unsigned index[VMM_LEVELS]; /* its index there */
    pte_t entry[VMM_LEVELS];    /* its value */
    bool mapped;                /* the walk ended at a present leaf */
    paddr_t phys;               /* if mapped, where va leads */
    uint64_t page_size;         /* if mapped, the size of the page */
};

void vmm_walk(const struct address_space *as, vaddr_t va, struct vmm_walk *walk);

/* The name of the table at a level: "PML4", "PDPT", "PD", "PT". */
const char *vmm_level_name(int level);

/* Write an entry's flags as text, e.g. "P W U A D NX", "P PS G". */
int vmm_entry_flags(pte_t entry, char *buf, size_t size);

/* Output for the dumps: called once per line (without the newline). */
typedef void (*vmm_print_fn)(void *ctx, const char *line);

/* One line per level of va's walk, then a summary line. */
void vmm_dump_address(const struct address_space *as, vaddr_t va, vmm_print_fn print, void *ctx);

/* The whole space as ranges: consecutive pages with the same flags, page size
 * and physically contiguous frames make one line. Ends with a count of
 * page-table pages. */
void vmm_dump_space(const struct address_space *as, vmm_print_fn print, void *ctx);

#endif
