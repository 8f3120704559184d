/*
 * stdio.h - printing, for kiln's user programs.
 *
 * The formatting is the kernel's own printf engine, src/lib/format.c,
 * compiled a second time into the user library: the same conversions as
 * kprintf (include/lib/format.h lists them: %d %u %x %s %p %c, widths,
 * the l/ll/z length modifiers; no floating point, no %n). The output goes
 * to the console through SYS_WRITE. There is no FILE and no buffering
 * between calls: each printf() writes its text before it returns.
 */
#ifndef KILN_USER_STDIO_H
#define KILN_USER_STDIO_H

#include <stdarg.h>
#include <stddef.h>

#include "lib/format.h"

/* Format and write to the console. Returns the characters written, or -1. */
__attribute__((format(printf, 1, 2))) int printf(const char *fmt, ...);
int vprintf(const char *fmt, va_list ap);

/*
 * snprintf and vsnprintf are the kernel's ksnprintf and kvsnprintf under
 * their C names: C99 semantics, at most size - 1 characters and a NUL, and
 * the result is the full length (so a result >= size means it was cut).
 */
#define snprintf ksnprintf
#define vsnprintf kvsnprintf

/* Write s and a newline. Returns 0, or -1 if the write failed. */
int puts(const char *s);

/* Write one character. Returns it (as an unsigned char), or -1. */
int putchar(int c);

#endif
