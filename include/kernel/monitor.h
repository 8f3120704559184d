/*
 * kernel/monitor.h - a small command prompt for looking inside the kernel.
 *
 * After a normal boot (no ktest, bench, poweroff or crash option) kmain hands
 * the CPU to the monitor. It reads lines from COM1 and the PS/2 keyboard,
 * both polled, prints on the console (serial and VGA), and runs commands
 * that show the memory layers: the memory map and PMM, page-table walks, the
 * kernel heap. docs/debugging.md shows a session.
 */
#ifndef KILN_KERNEL_MONITOR_H
#define KILN_KERNEL_MONITOR_H

#define MONITOR_PROMPT "kiln> "
#define MONITOR_LINE_MAX 128

/* Run one command line (it may be changed: it is cut into words in place). */
void monitor_execute(char *line);

/* Prompt, read a line, run it, forever (reboot and poweroff end it). */
__attribute__((noreturn)) void monitor_run(void);

#endif
