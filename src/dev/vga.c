/*
 * dev/vga.c - write text to the VGA text buffer at physical 0xB8000.
 *
 * Each cell is two bytes: the character and its colour. The buffer is reached
 * through the direct map (phys_to_virt).
 */
#include "dev/vga.h"

#include <stdint.h>

#include "mm/addr.h"

#define VGA_PHYS 0xB8000
#define VGA_COLS 80
#define VGA_ROWS 25
#define VGA_COLOUR 0x07 /* light grey on black */

static int row, col;

/* The buffer, through the direct map (the bootstrap tables map it too). */
static volatile uint16_t *cells(void)
{
    return phys_to_virt(paddr(VGA_PHYS));
}

static void clear_row(int r)
{
    for (int c = 0; c < VGA_COLS; c++)
        cells()[r * VGA_COLS + c] = (uint16_t)(VGA_COLOUR << 8 | ' ');
}

void vga_init(void)
{
    for (int r = 0; r < VGA_ROWS; r++)
        clear_row(r);
    row = col = 0;
}

static void newline(void)
{
    col = 0;
    if (++row < VGA_ROWS)
        return;
    for (int i = 0; i < (VGA_ROWS - 1) * VGA_COLS; i++)
        cells()[i] = cells()[i + VGA_COLS];
    row = VGA_ROWS - 1;
    clear_row(row);
}

void vga_putc(char c)
{
    if (c == '\n') {
        newline();
        return;
    }
    if (c == '\r')
        return;
    if (c == '\b') { /* back one cell, as a terminal does; the line editor rubs out with "\b \b" */
        if (col > 0)
            col--;
        return;
    }
    cells()[row * VGA_COLS + col] = (uint16_t)(VGA_COLOUR << 8 | (uint8_t)c);
    if (++col == VGA_COLS)
        newline();
}
