/*
 * arch/x86_64/trap.c - exception dispatch: who handles a trap, and the panic
 * when nobody does.
 *
 * asm/isr.asm calls trap_dispatch() for every exception. A subsystem (or a
 * test) may register a handler for a vector; a fault in ring 3 goes to the
 * process layer; an exception nobody handles is a kernel bug and panics with
 * the exception's name, the error code, CR2 for page faults and every
 * register. Intel SDM Vol. 3A, chapter 6 (6.15 lists the exceptions).
 */
#include "arch/x86_64/trap.h"

#include <stdint.h>

#include "arch/x86_64/cpu.h"
#include "dev/console.h"
#include "kernel/panic.h"
#include "lib/format.h"
#include "lib/kjmp.h"

static trap_handler_fn handlers[VEC_EXCEPTIONS];

static const char *const names[VEC_EXCEPTIONS][2] = {
    {"DE", "divide error"},
    {"DB", "debug"},
    {"NMI", "non-maskable interrupt"},
    {"BP", "breakpoint"},
    {"OF", "overflow"},
    {"BR", "bound range exceeded"},
    {"UD", "invalid opcode"},
    {"NM", "device not available"},
    {"DF", "double fault"},
    {"CSO", "coprocessor segment overrun"},
    {"TS", "invalid TSS"},
    {"NP", "segment not present"},
    {"SS", "stack-segment fault"},
    {"GP", "general protection fault"},
    {"PF", "page fault"},
    {"15", "reserved exception 15"},
    {"MF", "x87 floating-point error"},
    {"AC", "alignment check"},
    {"MC", "machine check"},
    {"XM", "SIMD floating-point exception"},
    {"VE", "virtualization exception"},
    {"CP", "control protection exception"},
    {"22", "reserved exception 22"},
    {"23", "reserved exception 23"},
    {"24", "reserved exception 24"},
    {"25", "reserved exception 25"},
    {"26", "reserved exception 26"},
    {"27", "reserved exception 27"},
    {"HV", "hypervisor injection exception"},
    {"VC", "VMM communication exception"},
    {"SX", "security exception"},
    {"31", "reserved exception 31"},
};

const char *trap_mnemonic(unsigned vector)
{
    return vector < VEC_EXCEPTIONS ? names[vector][0] : "IRQ";
}

const char *trap_name(unsigned vector)
{
    return vector < VEC_EXCEPTIONS ? names[vector][1] : "interrupt";
}

void trap_set_handler(unsigned vector, trap_handler_fn fn)
{
    if (vector >= VEC_EXCEPTIONS)
        panic("trap_set_handler: vector %u is not an exception (caller %p)", vector,
              CALLER_ADDRESS());
    handlers[vector] = fn;
}

void trap_print_frame(const struct trap_frame *f, const char *prefix)
{
    kprintf("%s rax %016llx  rbx %016llx  rcx %016llx  rdx %016llx\n", prefix,
            (unsigned long long)f->rax, (unsigned long long)f->rbx, (unsigned long long)f->rcx,
            (unsigned long long)f->rdx);
    kprintf("%s rsi %016llx  rdi %016llx  rbp %016llx  rsp %016llx\n", prefix,
            (unsigned long long)f->rsi, (unsigned long long)f->rdi, (unsigned long long)f->rbp,
            (unsigned long long)f->rsp);
    kprintf("%s r8  %016llx  r9  %016llx  r10 %016llx  r11 %016llx\n", prefix,
            (unsigned long long)f->r8, (unsigned long long)f->r9, (unsigned long long)f->r10,
            (unsigned long long)f->r11);
    kprintf("%s r12 %016llx  r13 %016llx  r14 %016llx  r15 %016llx\n", prefix,
            (unsigned long long)f->r12, (unsigned long long)f->r13, (unsigned long long)f->r14,
            (unsigned long long)f->r15);
    kprintf("%s rip %016llx  cs %04llx  ss %04llx  rflags %016llx\n", prefix,
            (unsigned long long)f->rip, (unsigned long long)f->cs, (unsigned long long)f->ss,
            (unsigned long long)f->rflags);
    kprintf("%s cr0 %016llx  cr2 %016llx  cr3 %016llx  cr4 %016llx\n", prefix,
            (unsigned long long)read_cr0(), (unsigned long long)read_cr2(),
            (unsigned long long)read_cr3(), (unsigned long long)read_cr4());
}

static const char *page_fault_access(uint64_t code)
{
    if (code & PF_ERR_FETCH)
        return "instruction fetch";
    return (code & PF_ERR_WRITE) ? "write" : "read";
}

int trap_describe_page_fault(uint64_t code, char *buf, size_t size)
{
    return ksnprintf(buf, size, "%s %s, %s%s", (code & PF_ERR_USER) ? "user" : "kernel",
                     page_fault_access(code),
                     (code & PF_ERR_PRESENT) ? "protection violation" : "page not present",
                     (code & PF_ERR_RESERVED) ? ", reserved bit set in a paging entry" : "");
}

/* The innermost trap_catch() in progress, if any. */
static struct {
    struct kjmp_buf *resume;
    struct trap_record *record;
} catcher;

bool trap_catch(void (*fn)(void *), void *arg, struct trap_record *out)
{
    struct kjmp_buf here;
    typeof(catcher) saved = catcher;
    *out = (struct trap_record){0};
    catcher.resume = &here;
    catcher.record = out;
    bool caught = ksetjmp(&here) != 0;
    if (!caught)
        fn(arg);
    catcher = saved;
    return caught;
}

static trap_summary_fn explain_summary;
static trap_details_fn explain_details;
static trap_user_fault_fn user_fault_handler;
static uint64_t fatal_cr2; /* CR2 when the fatal trap was taken, for the details */

void trap_set_explainer(trap_summary_fn summary, trap_details_fn details)
{
    explain_summary = summary;
    explain_details = details;
}

void trap_set_user_fault_handler(trap_user_fault_fn fn)
{
    user_fault_handler = fn;
}

void trap_print_details(const struct trap_frame *frame, const char *prefix)
{
    if (explain_details)
        explain_details(frame, fatal_cr2, prefix);
}

void trap_dispatch(struct trap_frame *frame)
{
    unsigned v = (unsigned)frame->vector;
    if (v < VEC_EXCEPTIONS && handlers[v] && handlers[v](frame))
        return;
    /* A double fault is often a page fault that could not be delivered (a
     * stack overflow into a guard page): CR2 still names the address. */
    uint64_t cr2 = (v == VEC_PAGE_FAULT || v == VEC_DOUBLE_FAULT) ? read_cr2() : 0;
    if ((frame->cs & 3) == 3 && user_fault_handler) {
        user_fault_handler(frame, cr2);
        return;
    }
    if (catcher.resume) {
        *catcher.record =
            (struct trap_record){v, frame->error_code, frame->rip, cr2, (uint64_t)(uintptr_t)frame};
        klongjmp(catcher.resume, 1);
    }

    static char message[320];
    int n = ksnprintf(message, sizeof(message), "#%s %s, error code %#llx, at rip %#llx",
                      trap_mnemonic(v), trap_name(v), (unsigned long long)frame->error_code,
                      (unsigned long long)frame->rip);
    if (v == VEC_PAGE_FAULT && n > 0 && (size_t)n < sizeof(message)) {
        n += ksnprintf(message + n, sizeof(message) - (size_t)n, ", cr2 %#llx (",
                       (unsigned long long)cr2);
        if ((size_t)n < sizeof(message))
            n += trap_describe_page_fault(frame->error_code, message + n,
                                          sizeof(message) - (size_t)n);
        if ((size_t)n < sizeof(message))
            n += ksnprintf(message + n, sizeof(message) - (size_t)n, ")");
    }
    if (explain_summary && n > 0 && (size_t)n < sizeof(message))
        explain_summary(frame, cr2, message + n, sizeof(message) - (size_t)n);
    fatal_cr2 = cr2;
    panic_trap(message, frame);
}
