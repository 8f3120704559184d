/*
 * arch/x86_64/trap.h - exceptions: the saved state and who handles them.
 *
 * src/arch/x86_64/trap.c defines all of this; the IDT that leads there is
 * arch/x86_64/idt.h.
 */
#ifndef KILN_ARCH_X86_64_TRAP_H
#define KILN_ARCH_X86_64_TRAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The stack as asm/isr.asm leaves it: registers it pushed, then the CPU's frame. */
struct trap_frame {
    uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
    uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
    uint64_t vector, error_code;
    uint64_t rip, cs, rflags, rsp, ss; /* pushed by the CPU */
};

enum {
    VEC_DIVIDE = 0,
    VEC_DEBUG = 1,
    VEC_NMI = 2,
    VEC_BREAKPOINT = 3,
    VEC_OVERFLOW = 4,
    VEC_BOUND = 5,
    VEC_INVALID_OPCODE = 6,
    VEC_NO_FPU = 7,
    VEC_DOUBLE_FAULT = 8,
    VEC_INVALID_TSS = 10,
    VEC_SEGMENT_NOT_PRESENT = 11,
    VEC_STACK_FAULT = 12,
    VEC_GENERAL_PROTECTION = 13,
    VEC_PAGE_FAULT = 14,
    VEC_EXCEPTIONS = 32,
};

/* A handler returns true when it dealt with the exception (execution resumes
 * at frame->rip, which it may change), false to let the kernel panic. */
typedef bool (*trap_handler_fn)(struct trap_frame *frame);

void trap_set_handler(unsigned vector, trap_handler_fn fn);
const char *trap_name(unsigned vector);
const char *trap_mnemonic(unsigned vector);
void trap_dispatch(struct trap_frame *frame);
/* Prints every register, each line starting with `prefix` (" " or "#"). */
void trap_print_frame(const struct trap_frame *frame, const char *prefix);

/*
 * The bits of the error code the CPU pushes with a page fault (Intel SDM
 * Vol. 3A, 4.7 "Page-Fault Exceptions", figure 4-12). Named PF_ERR_* so they
 * cannot be mistaken for the ELF segment flags PF_R, PF_W, PF_X.
 */
#define PF_ERR_PRESENT (1u << 0)  /* 0: the page was not present; 1: a protection violation */
#define PF_ERR_WRITE (1u << 1)    /* the access was a write (0: a read) */
#define PF_ERR_USER (1u << 2)     /* the access came from ring 3 */
#define PF_ERR_RESERVED (1u << 3) /* a reserved bit was set in a paging entry */
#define PF_ERR_FETCH (1u << 4)    /* an instruction fetch (reported only with NX or SMEP on) */

/* Writes e.g. "kernel write, page not present" for a page-fault error code. */
int trap_describe_page_fault(uint64_t error_code, char *buf, size_t size);

/*
 * Extra words for a fatal fault, supplied by a layer that knows more than the
 * trap code (the VMM: what the page tables say about CR2, whether it is a
 * stack guard page). summary appends a short text to the panic message;
 * details prints more lines after the registers, each starting with prefix.
 */
typedef int (*trap_summary_fn)(const struct trap_frame *frame, uint64_t cr2, char *buf, size_t size);
typedef void (*trap_details_fn)(const struct trap_frame *frame, uint64_t cr2, const char *prefix);
void trap_set_explainer(trap_summary_fn summary, trap_details_fn details);
/* Called by panic_trap after the registers. */
void trap_print_details(const struct trap_frame *frame, const char *prefix);

/*
 * Faults from user mode (CPL 3) go to this handler instead of panicking the
 * kernel; it should end the offending process. Set by the process layer.
 */
typedef void (*trap_user_fault_fn)(struct trap_frame *frame, uint64_t cr2);
void trap_set_user_fault_handler(trap_user_fault_fn fn);

/* What trap_catch() saw. */
struct trap_record {
    unsigned vector;
    uint64_t error_code;
    uint64_t rip;
    uint64_t cr2; /* only for page faults */
    uint64_t frame_address; /* where the handler saved the registers: which stack it ran on */
};

/*
 * Run fn(arg). If it raises an exception that no handler takes, do not panic:
 * abandon fn, fill *out and return true. Returns false when fn returned
 * normally. The tests use it to check that the hardware really faults.
 */
bool trap_catch(void (*fn)(void *), void *arg, struct trap_record *out);

#endif
