/*
 * lib/format.h - printf-style formatting, the engine behind kprintf.
 *
 * The kernel has no libc, so it brings its own small printf. The core,
 * kvformat(), turns a format string and arguments into characters and hands
 * each one to an "emit" callback: the console driver passes a callback that
 * writes to the screen or serial port, and kvsnprintf() passes one that fills
 * a buffer. The code is pure C, so the host unit tests check it against the
 * C library's snprintf.
 *
 * Supported, with C99 printf meaning unless noted:
 *   conversions  %d %i %u %x %X %o %c %s %p %%
 *                %b  binary (non-standard; "%#b" adds a "0b" prefix)
 *   flags        '-' left-justify, '0' pad with zeros, '+' and ' ' sign
 *                for %d/%i, '#' "0x"/"0X" prefix on %x/%X and a leading
 *                zero on %o
 *   width        digits or '*' (a negative '*' width means '-' flag)
 *   precision    '.' digits or '.*' (a negative '*' precision is ignored):
 *                minimum digits for integers, maximum characters for %s
 *   length       hh h l ll z t j, for the integer conversions (ignored
 *                on %c, %s and %p: there are no wide characters here)
 *
 * Kernel-specific choices:
 *   - %p prints "0x" and always 16 lowercase hex digits (on x86_64), so
 *     addresses line up in columns; %p of NULL is 0x0000000000000000.
 *   - %s of NULL prints "(null)" instead of faulting.
 *   - An unknown conversion such as "%q" (or "%5lq") is printed verbatim,
 *     '%' included, and consumes no argument, not even for a '*' inside it;
 *     so is a specification cut short by the end of the string ("%" or
 *     "%-5" at the very end prints "%" or "%-5").
 *   - "%%" prints '%' and ignores any flags or width written inside it.
 *   - There is no floating point (the kernel is built without SSE) and no
 *     %n (writing through an argument pointer is an attack surface).
 */
#ifndef KILN_LIB_FORMAT_H
#define KILN_LIB_FORMAT_H

#include <stdarg.h>
#include <stddef.h>

/*
 * Format fmt with the arguments in ap, calling emit(c, ctx) once per output
 * character, in order. Returns the number of characters emitted (saturating at
 * INT_MAX). A NULL fmt emits nothing.
 */
int kvformat(void (*emit)(char c, void *ctx), void *ctx, const char *fmt, va_list ap);

/*
 * C99 snprintf semantics: write at most size - 1 characters to buf and
 * always NUL-terminate it when size > 0 (buf may be NULL when size is 0).
 * Returns the length the whole output would have had, so a return value
 * >= size means the output was truncated.
 */
int kvsnprintf(char *buf, size_t size, const char *fmt, va_list ap);

__attribute__((format(printf, 3, 4))) int ksnprintf(char *buf, size_t size, const char *fmt, ...);

#endif
