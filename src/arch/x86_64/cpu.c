/*
 * arch/x86_64/cpu.c - ask CPUID which features this CPU has.
 */
#include "arch/x86_64/cpu.h"

struct cpu_features cpu_features;

/* CPUID leaf 0x80000001, EDX (Intel SDM Vol. 2A, CPUID; AMD calls bit 26 Page1GB). */
#define CPUID_EXT_NX (1u << 20)      /* leaf 0x80000001, EDX */
#define CPUID_EXT_PDPE1GB (1u << 26) /* leaf 0x80000001, EDX */
#define CPUID_EXT_LM (1u << 29)      /* leaf 0x80000001, EDX */

void cpu_detect(struct cpu_features *out)
{
    struct cpuid_regs r = cpuid(0, 0);
    uint32_t words[3] = {r.ebx, r.edx, r.ecx}; /* "GenuineIntel" order */
    for (int i = 0; i < 12; i++)
        out->vendor[i] = (char)(words[i / 4] >> (8 * (i % 4)));
    out->vendor[12] = '\0';

    out->nx = out->pdpe1gb = out->long_mode = false;
    if (cpuid(0x80000000u, 0).eax < 0x80000001u)
        return;
    r = cpuid(0x80000001u, 0);
    out->nx = (r.edx & CPUID_EXT_NX) != 0;
    out->pdpe1gb = (r.edx & CPUID_EXT_PDPE1GB) != 0;
    out->long_mode = (r.edx & CPUID_EXT_LM) != 0;
}
