/*
 * arch/x86_64/power.h - leave the emulator (or the machine): src/arch/x86_64/power.c.
 */
#ifndef KILN_ARCH_X86_64_POWER_H
#define KILN_ARCH_X86_64_POWER_H

#include <stdbool.h>

/* Ends the run: in QEMU the exit status says pass or fail (isa-debug-exit). */
__attribute__((noreturn)) void power_off(bool success);
__attribute__((noreturn)) void reboot(void);

#endif
