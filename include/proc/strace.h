/*
 * proc/strace.h - showing system calls as they happen (strace on the command line).
 *
 * With strace, every system call prints one line when it returns:
 *
 *   strace: hello[1]: write(0x400123, 0xe) = 0xe
 *
 * the program and its pid, the call's name and arguments, and the result (a
 * negative KILN_E* code printed as -N). Presentation only: the calls
 * themselves are in src/proc/syscall.c.
 */
#ifndef KILN_PROC_STRACE_H
#define KILN_PROC_STRACE_H

#include <stdbool.h>
#include <stdint.h>

#include "proc/syscall.h"

/* Print every system call and its result; set from the command line's strace. */
extern bool syscall_trace;

/* A short name for a number ("write"), or NULL for an unknown one. */
const char *syscall_name(uint64_t number);

/* The line for one call that returned result (frame->rax still holds its number). */
void strace_print(const char *program, unsigned pid, const struct syscall_frame *frame,
                  int64_t result);

#endif
