/*
 * src/user/lib/stdio.c - printf, puts and putchar for user programs.
 *
 * The formatting is kvformat() from src/lib/format.c, the kernel's printf
 * engine: it hands each output character to a callback. Here the callback
 * collects characters in a buffer on the stack and the buffer goes to the
 * console with one SYS_WRITE when it is full and once more at the end. A
 * line therefore costs one system call, not one per character, and a long
 * text is still printed whole. (snprintf needs no code here: stdio.h
 * names the kernel's ksnprintf.)
 */
#include "stdio.h"

#include "sys.h"

/* Characters one printf() collects before it calls SYS_WRITE. */
#define PRINT_BUFFER_SIZE 512

struct print_buffer {
    char bytes[PRINT_BUFFER_SIZE];
    size_t used;
    int failed; /* a write returned an error */
};

static void flush(struct print_buffer *b)
{
    if (b->used > 0 && sys_is_error(sys_write(b->bytes, b->used)))
        b->failed = 1;
    b->used = 0;
}

static void collect(char c, void *ctx)
{
    struct print_buffer *b = ctx;
    if (b->used == sizeof b->bytes)
        flush(b);
    b->bytes[b->used++] = c;
}

int vprintf(const char *fmt, va_list ap)
{
    struct print_buffer b = {.used = 0, .failed = 0};
    int count = kvformat(collect, &b, fmt, ap);
    flush(&b);
    return b.failed ? -1 : count;
}

int printf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int count = vprintf(fmt, ap);
    va_end(ap);
    return count;
}

int puts(const char *s)
{
    return printf("%s\n", s) < 0 ? -1 : 0;
}

int putchar(int c)
{
    char ch = (char)c;
    return sys_is_error(sys_write(&ch, 1)) ? -1 : (unsigned char)ch;
}
