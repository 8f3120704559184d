/*
 * kernel/boot_report.h - what the kernel prints about the machine as it boots.
 */
#ifndef KILN_KERNEL_BOOT_REPORT_H
#define KILN_KERNEL_BOOT_REPORT_H

#include "arch/x86_64/cpu.h"
#include "boot/boot_info.h"

void boot_report_header(const struct boot_info *info, const struct cpu_features *cpu);
void boot_report_memory(const struct boot_info *info);
/* The `boot: cycles:` line: what each stage's start-up cost, from each
 * layer's boot statistics (ci/bench parses it; keep its form exactly). */
void boot_report_cycles(void);

#endif
