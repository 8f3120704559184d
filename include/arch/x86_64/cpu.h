/*
 * arch/x86_64/cpu.h - the small hardware instructions the kernel needs.
 *
 * Port I/O, control registers, model-specific registers, CPUID and the time
 * stamp counter, each wrapped in a tiny inline function so the rest of the
 * kernel (and every pure-C core) stays free of inline assembly.
 * Intel SDM volume 2 describes each instruction.
 */
#ifndef KILN_ARCH_X86_64_CPU_H
#define KILN_ARCH_X86_64_CPU_H

#include <stdbool.h>
#include <stdint.h>

static inline void outb(uint16_t port, uint8_t value)
{
    __asm__ volatile("outb %0, %1" : : "a"(value), "Nd"(port));
}

static inline void outw(uint16_t port, uint16_t value)
{
    __asm__ volatile("outw %0, %1" : : "a"(value), "Nd"(port));
}

static inline uint8_t inb(uint16_t port)
{
    uint8_t value;
    __asm__ volatile("inb %1, %0" : "=a"(value) : "Nd"(port));
    return value;
}

static inline uint64_t read_cr0(void)
{
    uint64_t v;
    __asm__ volatile("mov %%cr0, %0" : "=r"(v));
    return v;
}

/* CR2 holds the linear address that caused the last page fault. */
static inline uint64_t read_cr2(void)
{
    uint64_t v;
    __asm__ volatile("mov %%cr2, %0" : "=r"(v));
    return v;
}

/* CR3 holds the physical address of the top-level page table (PML4). */
static inline uint64_t read_cr3(void)
{
    uint64_t v;
    __asm__ volatile("mov %%cr3, %0" : "=r"(v));
    return v;
}

/* Switch address spaces: load a new PML4. Writing CR3 also drops every TLB
 * entry that is not global, so reloading the same value is a full flush of a
 * kernel that uses no global pages (Intel SDM Vol. 3A, 4.10.4.1). */
static inline void write_cr3(uint64_t pml4_phys)
{
    __asm__ volatile("mov %0, %%cr3" : : "r"(pml4_phys) : "memory");
}

/* Drop the TLB's translation of the page holding va, global or not, and the
 * cached upper-level entries (Intel SDM Vol. 3A, 4.10.4.1). A change to a
 * present entry needs this; the CPU never re-reads an entry it has cached. */
static inline void invlpg(uint64_t va)
{
    __asm__ volatile("invlpg (%0)" : : "r"(va) : "memory");
}

static inline void write_cr0(uint64_t v)
{
    __asm__ volatile("mov %0, %%cr0" : : "r"(v) : "memory");
}

/* Set RFLAGS to a known value (bit 1 is always 1). */
static inline void write_rflags(uint64_t v)
{
    __asm__ volatile("pushq %0; popfq" : : "r"(v) : "memory", "cc");
}

static inline uint64_t read_cr4(void)
{
    uint64_t v;
    __asm__ volatile("mov %%cr4, %0" : "=r"(v));
    return v;
}

static inline uint64_t rdmsr(uint32_t msr)
{
    uint32_t lo, hi;
    __asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
    return ((uint64_t)hi << 32) | lo;
}

static inline void wrmsr(uint32_t msr, uint64_t value)
{
    __asm__ volatile("wrmsr" : : "c"(msr), "a"((uint32_t)value), "d"((uint32_t)(value >> 32)));
}

struct cpuid_regs {
    uint32_t eax, ebx, ecx, edx;
};

static inline struct cpuid_regs cpuid(uint32_t leaf, uint32_t subleaf)
{
    struct cpuid_regs r;
    __asm__ volatile("cpuid"
                     : "=a"(r.eax), "=b"(r.ebx), "=c"(r.ecx), "=d"(r.edx)
                     : "a"(leaf), "c"(subleaf));
    return r;
}

/* Cycles since reset; under QEMU -icount it counts instructions. */
static inline uint64_t rdtsc(void)
{
    uint32_t lo, hi;
    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return ((uint64_t)hi << 32) | lo;
}

__attribute__((noreturn)) static inline void cpu_halt_forever(void)
{
    for (;;)
        __asm__ volatile("cli; hlt");
}

static inline uint64_t read_rflags(void)
{
    uint64_t v;
    __asm__ volatile("pushfq; popq %0" : "=r"(v));
    return v;
}

/* Model-specific register numbers (Intel SDM Vol. 4, table 2-2). */
#define MSR_EFER 0xC0000080u   /* IA32_EFER: long-mode and SYSCALL enables */
#define MSR_STAR 0xC0000081u   /* IA32_STAR: SYSCALL/SYSRET segment selectors */
#define MSR_LSTAR 0xC0000082u  /* IA32_LSTAR: where SYSCALL jumps in 64-bit mode */
#define MSR_SFMASK 0xC0000084u /* IA32_FMASK: RFLAGS bits SYSCALL clears */

/* EFER bits (Intel SDM Vol. 3A, 2.2.1 "Extended Feature Enable Register"). */
#define EFER_SCE (1ull << 0)  /* SYSCALL/SYSRET enabled */
#define EFER_LME (1ull << 8)  /* long mode enabled: active once CR0.PG is set */
#define EFER_LMA (1ull << 10) /* long mode active (read-only, set by the CPU) */
#define EFER_NXE (1ull << 11) /* bit 63 of paging entries means execute-disable */

/* CR0 and CR4 bits (Intel SDM Vol. 3A, 2.5 "Control Registers"). */
#define CR0_MP (1ull << 1)  /* with EM: WAIT/FWAIT fault too */
#define CR0_EM (1ull << 2)  /* x87 instructions raise #NM; MMX/SSE raise #UD */
#define CR0_WP (1ull << 16) /* read-only pages are read-only in ring 0 too */
#define CR0_PG (1ull << 31) /* paging on */
#define CR4_PAE (1ull << 5) /* 64-bit paging entries, required for long mode */

/* RFLAGS bits (Intel SDM Vol. 1, 3.4.3 "EFLAGS Register"). */
#define RFLAGS_TF (1ull << 8)    /* trap after each instruction (single-step) */
#define RFLAGS_IF (1ull << 9)    /* maskable interrupts enabled */
#define RFLAGS_DF (1ull << 10)   /* string instructions count down */
#define RFLAGS_IOPL (3ull << 12) /* the I/O privilege level, two bits */
#define RFLAGS_NT (1ull << 14)   /* nested task: IRET would switch tasks (a fault in long mode) */
#define RFLAGS_AC (1ull << 18)   /* alignment checks (and SMAP overrides) */

/* What CPUID says about the features the memory layers care about. */
struct cpu_features {
    bool nx;         /* no-execute bit in page-table entries */
    bool pdpe1gb;    /* 1 GiB pages */
    bool long_mode;
    char vendor[13];
};

/* The boot CPU's features: early_setup fills them with cpu_detect. */
extern struct cpu_features cpu_features;

void cpu_detect(struct cpu_features *out);

#endif
