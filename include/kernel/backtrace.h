/*
 * kernel/backtrace.h - who called whom: walking the chain of frame pointers.
 *
 * kiln is compiled with -fno-omit-frame-pointer, so every C function starts
 * with "push rbp; mov rbp, rsp". RBP then points at a two-word record on the
 * stack: the caller's RBP, and above it the return address into the caller.
 * Following RBP from record to record climbs the call chain; asm/boot.asm
 * zeroes RBP before calling kmain, so the chain ends there.
 *
 *     rbp -> [ caller's rbp ]  -> [ its caller's rbp ] -> ... -> 0
 *            [ return addr  ]     [ return addr      ]
 *
 * Each return address is named from the kernel's own symbol table, which
 * GRUB loaded along with the kernel (see backtrace_init).
 */
#ifndef KILN_KERNEL_BACKTRACE_H
#define KILN_KERNEL_BACKTRACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "boot/boot_info.h"

#define BACKTRACE_MAX_FRAMES 32

/*
 * Find .symtab and .strtab through the ELF section headers GRUB passed and
 * copy the code symbols into kernel memory. Call it before the PMM starts
 * handing out frames: GRUB put the sections in memory the PMM considers free.
 * Prints one "boot: symbols: ..." line saying what it found.
 */
void backtrace_init(const struct boot_info *info);

/*
 * Print "backtrace:" and one "  #N 0xADDR function+0xOFF" line per frame,
 * each line after prefix. rip, if not 0, is printed first as frame #0 (the
 * instruction that faulted); then the walk starts at the record rbp points to.
 * The walk stops at RBP 0, at a frame pointer that is non-canonical, not
 * aligned, not on one of the kernel's stacks or not mapped, or after
 * BACKTRACE_MAX_FRAMES frames, and says why when it is not RBP 0.
 */
void backtrace_print(uint64_t rip, uint64_t rbp, const char *prefix);

/* The backtrace of the function that calls this (its caller is frame #0). */
void backtrace_here(const char *prefix);

#endif
