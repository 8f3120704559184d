/*
 * dev/keyboard.h - the PS/2 keyboard, polled, for the kernel monitor.
 */
#ifndef KILN_DEV_KEYBOARD_H
#define KILN_DEV_KEYBOARD_H

/* The arrow keys, returned as values no character has. */
#define KEYBOARD_UP 0x100
#define KEYBOARD_DOWN 0x101
#define KEYBOARD_RIGHT 0x102
#define KEYBOARD_LEFT 0x103

/*
 * Returns the next key as a character, or -1 when none is waiting. Only
 * letters (lower case), digits, space, Enter ('\n'), Backspace ('\b'), Tab
 * ('\t') and the arrows (KEYBOARD_UP ...) are translated; other keys and key
 * releases are skipped.
 */
int keyboard_try_getc(void);

#endif
