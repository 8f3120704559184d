/*
 * dev/console.c - every byte the kernel prints goes to three places:
 * COM1 (what scripts and tests read), the VGA text screen (what a person at
 * the emulator's window sees) and port 0xE9 (Bochs's and QEMU's debug console).
 */
#include "dev/console.h"

#include "arch/x86_64/cpu.h"
#include "dev/serial.h"
#include "dev/vga.h"
#include "lib/format.h"

#define DEBUGCON_PORT 0xE9

void console_init(void)
{
    serial_init();
    vga_init();
}

void console_putc(char c)
{
    if (c == '\n')
        serial_putc('\r'); /* terminals want CR LF */
    serial_putc(c);
    vga_putc(c);
    outb(DEBUGCON_PORT, (uint8_t)c);
}

void console_write(const char *s)
{
    while (*s)
        console_putc(*s++);
}

static void emit_to_console(char c, void *ctx)
{
    (void)ctx;
    console_putc(c);
}

int kvprintf(const char *fmt, va_list ap)
{
    return kvformat(emit_to_console, 0, fmt, ap);
}

int kprintf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = kvprintf(fmt, ap);
    va_end(ap);
    return n;
}
