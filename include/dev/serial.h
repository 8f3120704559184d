/*
 * dev/serial.h - the COM1 serial port (a 16550 UART), polled.
 */
#ifndef KILN_DEV_SERIAL_H
#define KILN_DEV_SERIAL_H

#include <stdbool.h>

void serial_init(void);
void serial_putc(char c);
bool serial_present(void);
/* Waits until every byte written has left the UART. */
void serial_flush(void);
/* Returns the next received byte, or -1 when none is waiting. */
int serial_try_getc(void);

#endif
