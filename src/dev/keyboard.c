/*
 * dev/keyboard.c - read keys from the PS/2 controller without interrupts.
 *
 * The 8042 controller holds one byte at a time: status port 0x64 bit 0 says a
 * byte is waiting at data port 0x60, and bit 5 says it came from the mouse
 * (the second PS/2 port), not the keyboard. The keyboard sends scan codes,
 * which in the default translated mode are "scan code set 1": one byte when a
 * key goes down (the make code), the same byte with bit 7 set when it comes
 * up, and an 0xE0 prefix before keys that were added later (arrows, right
 * Ctrl...). OSDev wiki: "PS/2 Keyboard", "8042 PS/2 Controller".
 */
#include "dev/keyboard.h"

#include <stdbool.h>
#include <stdint.h>

#include "arch/x86_64/cpu.h"

#define PS2_DATA 0x60
#define PS2_STATUS 0x64
#define STATUS_OUTPUT_FULL 0x01 /* a byte is waiting at PS2_DATA */
#define STATUS_FROM_MOUSE 0x20  /* ... and it came from the second port */
#define SCAN_RELEASE 0x80       /* set in the code sent when a key comes up */
#define SCAN_EXTENDED 0xE0      /* the next byte is an extended key */

/* Set-1 make codes 0x00..0x39 to characters; 0 means "not one we translate".
 * One line per row of keys, as on the keyboard. */
/* clang-format off */
static const char keymap[0x3A] = {
    [0x02] = '1', [0x03] = '2', [0x04] = '3', [0x05] = '4', [0x06] = '5',
    [0x07] = '6', [0x08] = '7', [0x09] = '8', [0x0A] = '9', [0x0B] = '0',
    [0x0E] = '\b', [0x0F] = '\t',
    [0x10] = 'q', [0x11] = 'w', [0x12] = 'e', [0x13] = 'r', [0x14] = 't',
    [0x15] = 'y', [0x16] = 'u', [0x17] = 'i', [0x18] = 'o', [0x19] = 'p',
    [0x1C] = '\n',
    [0x1E] = 'a', [0x1F] = 's', [0x20] = 'd', [0x21] = 'f', [0x22] = 'g',
    [0x23] = 'h', [0x24] = 'j', [0x25] = 'k', [0x26] = 'l',
    [0x2C] = 'z', [0x2D] = 'x', [0x2E] = 'c', [0x2F] = 'v', [0x30] = 'b',
    [0x31] = 'n', [0x32] = 'm',
    [0x39] = ' ',
};
/* clang-format on */

/* Extended (0xE0-prefixed) make codes of the arrow keys. */
#define SCAN_UP 0x48
#define SCAN_LEFT 0x4B
#define SCAN_RIGHT 0x4D
#define SCAN_DOWN 0x50

static bool after_prefix; /* the last byte was SCAN_EXTENDED */

/* The key an extended make code stands for, or -1 for one not translated. */
static int extended_key(uint8_t code)
{
    switch (code) {
    case SCAN_UP:
        return KEYBOARD_UP;
    case SCAN_DOWN:
        return KEYBOARD_DOWN;
    case SCAN_LEFT:
        return KEYBOARD_LEFT;
    case SCAN_RIGHT:
        return KEYBOARD_RIGHT;
    default:
        return -1;
    }
}

/* Bytes read per call at most: a machine without a controller reads 0xFF
 * ("full, from the mouse") forever, and must not hang the caller. */
#define MAX_BYTES_PER_CALL 16

int keyboard_try_getc(void)
{
    for (int i = 0; i < MAX_BYTES_PER_CALL; i++) {
        uint8_t status = inb(PS2_STATUS);
        if ((status & STATUS_OUTPUT_FULL) == 0)
            return -1;
        uint8_t code = inb(PS2_DATA);
        if (status & STATUS_FROM_MOUSE)
            continue;
        if (code == SCAN_EXTENDED) {
            after_prefix = true;
            continue;
        }
        bool extended = after_prefix;
        after_prefix = false;
        if (extended && extended_key(code) >= 0)
            return extended_key(code);
        if (extended || (code & SCAN_RELEASE) || code >= sizeof(keymap) || keymap[code] == 0)
            continue;
        return keymap[code];
    }
    return -1;
}
