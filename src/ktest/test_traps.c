/*
 * ktest/test_traps.c - suite "traps": the IDT really delivers exceptions.
 *
 * Each test makes the CPU raise an exception on purpose and checks that the
 * kernel's handler saw the right vector, error code and address, and that
 * execution could go on afterwards.
 */
#include <stdint.h>

#include "arch/x86_64/gdt.h"
#include "arch/x86_64/trap.h"
#include "ktest/ktest.h"
#include "kernel/panic.h"
#include "mm/layout.h"

static volatile unsigned breakpoints_seen;
static volatile uint64_t ud_rip;

static bool count_breakpoint(struct trap_frame *frame)
{
    (void)frame; /* int3 is a trap: RIP already points after it, so just return */
    breakpoints_seen++;
    return true;
}

KTEST(traps, int3_resumes, "int3 reaches the breakpoint handler and execution resumes")
{
    breakpoints_seen = 0;
    trap_set_handler(VEC_BREAKPOINT, count_breakpoint);
    __asm__ volatile("int3");
    __asm__ volatile("int3");
    trap_set_handler(VEC_BREAKPOINT, 0);
    KT_ASSERT_EQ(2, breakpoints_seen);
}

static bool skip_ud2(struct trap_frame *frame)
{
    ud_rip = frame->rip;
    frame->rip += 2; /* ud2 is the two bytes 0f 0b; a fault leaves RIP on it */
    return true;
}

KTEST(traps, ud2_caught_and_resumed, "ud2 raises #UD at its own address; skipping it resumes")
{
    uint64_t expected_rip;
    ud_rip = 0;
    trap_set_handler(VEC_INVALID_OPCODE, skip_ud2);
    __asm__ volatile("leaq 1f(%%rip), %0\n\t"
                     "1: ud2"
                     : "=r"(expected_rip));
    trap_set_handler(VEC_INVALID_OPCODE, 0);
    KT_ASSERT_EQ(expected_rip, ud_rip);
}

static void divide_by_zero(void *arg)
{
    volatile unsigned zero = *(volatile unsigned *)arg;
    volatile unsigned result = 100u / zero;
    (void)result;
}

KTEST(traps, divide_error, "dividing by zero raises #DE (vector 0)")
{
    struct trap_record rec;
    unsigned zero = 0;
    KT_ASSERT(trap_catch(divide_by_zero, &zero, &rec));
    KT_ASSERT_EQ(VEC_DIVIDE, rec.vector);
}

#define UNMAPPED_ADDRESS 0xFFFF900000001234ull /* PML4 slot 288: nothing maps it */

static void read_unmapped(void *arg)
{
    (void)arg;
    volatile uint64_t v = *(volatile uint64_t *)UNMAPPED_ADDRESS;
    (void)v;
}

KTEST(traps, page_fault_cr2, "a read of an unmapped address raises #PF with CR2 = that address")
{
    struct trap_record rec;
    KT_ASSERT(trap_catch(read_unmapped, 0, &rec));
    KT_ASSERT_EQ(VEC_PAGE_FAULT, rec.vector);
    KT_ASSERT_EQ(UNMAPPED_ADDRESS, rec.cr2);
    KT_ASSERT_EQ(0, rec.error_code); /* kernel read, page not present */
}

static void load_non_canonical(void *arg)
{
    (void)arg;
    volatile uint64_t v = *(volatile uint64_t *)0x0000800000000000ull;
    (void)v;
}

KTEST(traps, general_protection, "a non-canonical address raises #GP, not #PF")
{
    struct trap_record rec;
    KT_ASSERT(trap_catch(load_non_canonical, 0, &rec));
    KT_ASSERT_EQ(VEC_GENERAL_PROTECTION, rec.vector);
}

/*
 * Point RSP at unmapped memory and push: the push faults (#PF), and the CPU
 * cannot push the #PF frame on that same stack either, so it raises a double
 * fault. This is what a kernel stack overflow looks like; only the separate
 * IST stack lets the handler run at all.
 */
static void push_on_unmapped_stack(void *arg)
{
    (void)arg;
    __asm__ volatile("movq %0, %%rsp\n\t"
                     "pushq $0"
                     :
                     : "r"(UNMAPPED_ADDRESS & ~0xFull)
                     : "memory");
}

KTEST(traps, double_fault_on_ist, "a fault with an unusable stack becomes #DF, handled on the IST stack")
{
    struct trap_record rec;
    KT_ASSERT(trap_catch(push_on_unmapped_stack, 0, &rec));
    KT_ASSERT_EQ(VEC_DOUBLE_FAULT, rec.vector);
    KT_ASSERT_EQ(0, rec.error_code); /* always 0 for #DF */
    KT_ASSERT(gdt_on_double_fault_stack(rec.frame_address));
}

static void nothing(void *arg)
{
    (void)arg;
}

KTEST(traps, catch_without_fault, "trap_catch returns false when nothing faults")
{
    struct trap_record rec;
    KT_ASSERT(!trap_catch(nothing, 0, &rec));
}

KTEST(traps, panic_names_exception, "an unhandled exception's panic names it, code and RIP")
{
    char text[160];
    int n = trap_describe_page_fault(0x2, text, sizeof(text));
    KT_ASSERT(n > 0);
    KT_ASSERT_STR_EQ("kernel write, page not present", text);
    n = trap_describe_page_fault(0x15, text, sizeof(text));
    KT_ASSERT_STR_EQ("user instruction fetch, protection violation", text);
    KT_ASSERT_STR_EQ("page fault", trap_name(VEC_PAGE_FAULT));
    KT_ASSERT_STR_EQ("DF", trap_mnemonic(VEC_DOUBLE_FAULT));
}
