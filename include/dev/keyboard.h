/*
 * dev/keyboard.h - the PS/2 keyboard, polled, for the kernel monitor.
 */
#ifndef KILN_DEV_KEYBOARD_H
#define KILN_DEV_KEYBOARD_H

/*
 * Returns the next key as a character, or -1 when none is waiting. Only
 * letters (lower case), digits, space, Enter ('\n') and Backspace ('\b') are
 * translated; other keys and key releases are skipped.
 */
int keyboard_try_getc(void);

#endif
