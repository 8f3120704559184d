/*
 * dev/serial.c - COM1 at 115200 baud, 8N1, no interrupts.
 *
 * The serial port is the kernel's main console: QEMU and Bochs send it to a
 * terminal or a file, and the test scripts read the TAP report from it.
 * Register layout: the 16550 datasheet, or the OSDev wiki's "Serial Ports".
 */
#include "dev/serial.h"

#include "arch/x86_64/cpu.h"

#define COM1 0x3F8
#define REG_DATA 0        /* transmit/receive buffer (divisor low with DLAB) */
#define REG_IER 1         /* interrupt enable (divisor high with DLAB) */
#define REG_FCR 2         /* FIFO control */
#define REG_LCR 3         /* line control */
#define REG_MCR 4         /* modem control */
#define REG_LSR 5         /* line status */
#define REG_SCRATCH 7
#define LCR_DLAB 0x80     /* divisor latch access */
#define LCR_8N1 0x03
#define LSR_DATA_READY 0x01
#define LSR_THR_EMPTY 0x20 /* transmit holding register empty */
#define LSR_TRANSMITTER_IDLE 0x40 /* holding and shift registers both empty */

static bool present;

void serial_init(void)
{
    /* A UART keeps what is written to its scratch register; no UART, no echo. */
    outb(COM1 + REG_SCRATCH, 0x5A);
    present = inb(COM1 + REG_SCRATCH) == 0x5A;
    if (!present)
        return;
    outb(COM1 + REG_IER, 0x00);
    outb(COM1 + REG_LCR, LCR_DLAB);
    outb(COM1 + REG_DATA, 1); /* divisor 1: 115200 / 1 baud */
    outb(COM1 + REG_IER, 0);
    outb(COM1 + REG_LCR, LCR_8N1);
    outb(COM1 + REG_FCR, 0xC7); /* enable and clear FIFOs */
    outb(COM1 + REG_MCR, 0x03); /* DTR and RTS */
}

bool serial_present(void)
{
    return present;
}

void serial_putc(char c)
{
    if (!present)
        return;
    /* Bochs drops bytes written while the holding register is still full. */
    while ((inb(COM1 + REG_LSR) & LSR_THR_EMPTY) == 0)
        ;
    outb(COM1 + REG_DATA, (uint8_t)c);
}

void serial_flush(void)
{
    if (!present)
        return;
    while ((inb(COM1 + REG_LSR) & LSR_TRANSMITTER_IDLE) == 0)
        ;
}

int serial_try_getc(void)
{
    if (!present || (inb(COM1 + REG_LSR) & LSR_DATA_READY) == 0)
        return -1;
    return inb(COM1 + REG_DATA);
}
