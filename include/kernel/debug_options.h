/*
 * kernel/debug_options.h - the command-line options that exist to look
 * inside the kernel or to break it on purpose: walk= and crash=.
 */
#ifndef KILN_KERNEL_DEBUG_OPTIONS_H
#define KILN_KERNEL_DEBUG_OPTIONS_H

/* walk=0xADDR[,0xADDR...], walk=space or walk=heap: prints what the page
 * tables say about each address, the whole kernel space, or the heap's
 * picture. A word that is none of these gets a warning. */
void show_walks(const char *list);

/* crash=KIND: fails in the way KIND names (docs/command-line.md). Returns
 * only for an unknown kind, after a warning. Never inlined, so that a
 * backtrace names it (the qemu.panic-backtrace-* tests look for it). */
__attribute__((noinline)) void crash_on_purpose(const char *kind);

#endif
