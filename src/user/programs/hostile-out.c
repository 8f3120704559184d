/*
 * hostile-out - talk to a device directly from ring 3.
 *
 * Port 0xf4 is QEMU's isa-debug-exit device, the one ci/boot uses to learn
 * a test run's result: writing 0x10 there would stop the emulator and
 * claim success. Port I/O from ring 3 needs CPL <= IOPL or permission in
 * the TSS I/O bitmap; kiln gives neither, so OUT raises a
 * general-protection fault (#GP) and the emulator keeps running.
 */
#include <stdint.h>

#include "check.h"
#include "stdio.h"

#define DEBUG_EXIT_PORT 0xf4
#define DEBUG_EXIT_SUCCESS 0x10

int main(void)
{
    puts("writing 0x10 to port 0xf4 (QEMU's exit device)");
    __asm__ volatile("outb %0, %1"
                     :
                     : "a"((uint8_t)DEBUG_EXIT_SUCCESS), "Nd"((uint16_t)DEBUG_EXIT_PORT));
    hostile_survived();
}
