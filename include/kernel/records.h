/*
 * kernel/records.h - records=... and the monitor's `records`: the kernel's
 * state as JSON lines on the console (kernel/record_writer.h says what a
 * record is; docs/records.md lists them all).
 */
#ifndef KILN_KERNEL_RECORDS_H
#define KILN_KERNEL_RECORDS_H

#include <stdbool.h>

#include "ktest/ktest.h"

struct process; /* proc/process.h */

/* The groups records= may name, for messages: "memmap, pagetables, walks, heap, buddy, process". */
#define RECORDS_GROUPS "memmap, pagetables, walks, heap, buddy, process"

/*
 * Print the records of the groups in `list` ("all" or GROUP[,GROUP]),
 * between a "begin" record (with `source`: "boot" or "monitor") and an
 * "end" record that counts them. The process group is recorded as each
 * program ends (records_process), not here. A word that is no group gets a
 * warning and nothing else.
 */
void records_print(const char *list, const char *source);

/*
 * The same for a boot that stops early (ktest=pmm stops at the PMM layer):
 * only what the layers up to `layer` can say. At the boot layer, the
 * bootloader's map; with the PMM, withheld ranges and free runs too; with the
 * VMM, the page tables and walks (without the heap's). boot_tests_if_last
 * calls it with records= from the command line, so a lab's ktest run can be
 * pictured at the lab's own stage.
 */
void records_print_upto(const char *list, const char *source, enum ktest_layer layer);

/* Does records= on the command line ask for `group`? */
bool records_wanted(const char *group);

/*
 * The hook process_run calls when a program has ended, before its space is
 * torn down: with records=process (or all), its regions, page tables (the
 * user half), user heap and a few walks. The regions come from the ELF
 * image, the heap and the stack; once processes keep a list of regions
 * (demand paging), record that list here instead, with which pages are backed.
 */
void records_process(const struct process *p);

#endif
