/*
 * lib/text.c - a bounded text buffer (see include/lib/text.h).
 */
#include "lib/text.h"

#include <stdbool.h>

#include "lib/format.h"

struct text text_over(char *buf, size_t size)
{
    if (size > 0)
        buf[0] = '\0';
    return (struct text){buf, size, 0};
}

void text_vprintf(struct text *t, const char *fmt, va_list ap)
{
    /* Past the end only count: buf + len would point outside the buffer. */
    bool room = t->len < t->size;
    int n = kvsnprintf(room ? t->buf + t->len : NULL, room ? t->size - t->len : 0, fmt, ap);
    if (n > 0)
        t->len += (size_t)n;
}

void text_printf(struct text *t, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    text_vprintf(t, fmt, ap);
    va_end(ap);
}

void text_indented(struct text *t, const char *indent, const char *s)
{
    bool line_start = true;
    for (; *s; s++) {
        if (line_start)
            text_printf(t, "%s", indent);
        text_printf(t, "%c", *s);
        line_start = *s == '\n';
    }
}

/* Divide bytes by 1024 while it stays whole, at most three times; the number of divisions. */
static unsigned scale(size_t *bytes)
{
    unsigned u = 0;
    while (u < 3 && *bytes >= 1024 && (*bytes & 1023) == 0) {
        *bytes >>= 10;
        u++;
    }
    return u;
}

void text_size(struct text *t, size_t bytes)
{
    static const char *const units[] = {"", "K", "M", "G"};
    unsigned u = scale(&bytes);
    text_printf(t, "%zu%s", bytes, units[u]);
}

void text_bytes(struct text *t, size_t bytes)
{
    static const char *const units[] = {"B", "KiB", "MiB", "GiB"};
    unsigned u = scale(&bytes);
    text_printf(t, "%zu %s", bytes, units[u]);
}
