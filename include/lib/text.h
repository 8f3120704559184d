/*
 * lib/text.h - a bounded text buffer that text is appended to, snprintf-style.
 *
 * The pictures the kernel draws (heap bars, page-table dumps) are built piece
 * by piece into one caller-supplied buffer. struct text remembers where the
 * next piece goes. Like snprintf, it never writes past the buffer, keeps it
 * NUL-terminated whenever it has room for one byte, and counts in len the
 * length the whole text would have had, so a caller can tell that it was cut
 * (len >= size) and how large a buffer would have held it.
 */
#ifndef KILN_LIB_TEXT_H
#define KILN_LIB_TEXT_H

#include <stdarg.h>
#include <stddef.h>

struct text {
    char *buf;   /* may be NULL when size is 0 */
    size_t size; /* bytes in buf, the terminating NUL included */
    size_t len;  /* characters appended so far, those that did not fit included */
};

/* An empty text over buf[0..size): buf[0] becomes NUL when size > 0. */
struct text text_over(char *buf, size_t size);

__attribute__((format(printf, 2, 3))) void text_printf(struct text *t, const char *fmt, ...);
void text_vprintf(struct text *t, const char *fmt, va_list ap);

/* Append s, putting indent before the first character of every line. */
void text_indented(struct text *t, const char *indent, const char *s);

/* A power-of-two size, short: 32, 512, 1K, 64M, 1G. */
void text_size(struct text *t, size_t bytes);

/* A size with its unit spelt out: 32 B, 1 KiB, 64 MiB (largest unit that divides it). */
void text_bytes(struct text *t, size_t bytes);

#endif
