/*
 * arch/x86_64/power.c - switch the (virtual) machine off.
 *
 * Emulators offer simple doors out:
 *  - QEMU's isa-debug-exit device (ci/boot adds it at port 0xF4): writing v
 *    makes QEMU exit with status (v << 1) | 1, so 0x10 -> 33 means "pass"
 *    and 0x11 -> 35 "fail".
 *  - Bochs stops when "Shutdown" is written to port 0x8900 (its exit status
 *    is 1 either way; ci/boot reads the verdict from the serial output).
 *  - ACPI power-off of QEMU's chipsets (port 0x604, older ones 0xB004).
 * A real PC ignores all of these and simply halts.
 */
#include "arch/x86_64/power.h"

#include "arch/x86_64/cpu.h"
#include "dev/console.h"
#include "dev/serial.h"

#define ISA_DEBUG_EXIT_PORT 0xF4
#define DEBUG_EXIT_PASS 0x10
#define DEBUG_EXIT_FAIL 0x11
#define BOCHS_SHUTDOWN_PORT 0x8900

void power_off(bool success)
{
    kprintf("kiln: power off (%s)\n", success ? "success" : "failure");
    serial_flush(); /* the last line must reach the log before the machine goes */
    outb(ISA_DEBUG_EXIT_PORT, success ? DEBUG_EXIT_PASS : DEBUG_EXIT_FAIL);
    for (const char *s = "Shutdown"; *s; s++)
        outb(BOCHS_SHUTDOWN_PORT, (uint8_t)*s);
    outw(0x604, 0x2000);
    outw(0xB004, 0x2000);
    kprintf("kiln: power-off did not work; halting\n");
    cpu_halt_forever();
}

void reboot(void)
{
    /* Pulse the CPU reset line through the keyboard controller. */
    while (inb(0x64) & 0x02)
        ;
    outb(0x64, 0xFE);
    cpu_halt_forever();
}
