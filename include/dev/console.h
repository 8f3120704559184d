/*
 * dev/console.h - the kernel console: serial, VGA text and port 0xE9 at once.
 */
#ifndef KILN_DEV_CONSOLE_H
#define KILN_DEV_CONSOLE_H

#include <stdarg.h>

void console_init(void);
void console_putc(char c);
void console_write(const char *s);

__attribute__((format(printf, 1, 2))) int kprintf(const char *fmt, ...);
int kvprintf(const char *fmt, va_list ap);

#endif
