/*
 * dev/vga.h - the 80x25 VGA text screen.
 */
#ifndef KILN_DEV_VGA_H
#define KILN_DEV_VGA_H

void vga_init(void);
void vga_putc(char c);

#endif
