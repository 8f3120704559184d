/*
 * proc/process.c - loading a program, running it in ring 3, cleaning up.
 *
 * process_run() is the whole life of a process, in order:
 *
 *   1. elf_validate() checks the file; a refusal is reported, nothing is mapped.
 *   2. A new address space: vmm_space_create() (the kernel's half is shared).
 *   3. Each PT_LOAD segment: vmm_alloc() zeroed frames with the segment's
 *      permissions, then the file's bytes are copied in through the direct
 *      map (the pages may be read-only to the program, never to the kernel).
 *   4. The user stack under USER_STACK_TOP (and its guard), the first heap
 *      arena at USER_HEAP_BASE, and a kernel stack for the process's system
 *      calls. Each part of the user half is recorded as a region; under
 *      vm=demand or vm=zero-page the .bss, stack and heap are only recorded
 *      (the heap at its first SYS_ALLOC or SYS_MEMSTATS) and backed page by
 *      page from the page-fault handler (src/proc/demand.c).
 *   5. CR3 <- the new space; TSS.rsp0 and the SYSCALL stub <- the kernel
 *      stack; ksetjmp() marks where to come back to; user_enter() drops to
 *      ring 3 at the ELF entry point.
 *   6. The program runs until SYS_EXIT (process_exit) or a fault in ring 3
 *      (user_fault): both klongjmp() back to step 5, on the kernel's stack.
 *   7. CR3 <- the kernel's space; the heap's arenas, the space (image, stack,
 *      page tables) and the kernel stack are freed: every frame goes back.
 *
 * Everything a program can get wrong ends at step 1 (a bad file), in a
 * system call's error code (src/proc/syscall.c), or at step 6 as a kill with
 * a message naming the fault: never in a kernel panic.
 */
#include "proc/process.h"

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/gdt.h"
#include "arch/x86_64/syscall_msr.h"
#include "arch/x86_64/trap.h"
#include "dev/console.h"
#include "kernel/breakpoint.h"
#include "kernel/panic.h"
#include "kernel/records.h"
#include "kiln/syscall.h"
#include "lib/cmdline.h"
#include "lib/format.h"
#include "lib/string.h"
#include "mm/kmalloc.h"
#include "mm/layout.h"
#include "mm/pmm_boot.h"
#include "proc/syscall.h"

/* asm/syscall.asm */
__attribute__((noreturn)) void user_enter(uint64_t rip, uint64_t rsp, uint64_t arg);
extern uint64_t syscall_kernel_rsp;

bool process_report_memory;
static struct process *current;
static uint32_t next_pid = 1;

struct process *process_current(void)
{
    return current;
}

const struct boot_module *process_find_module(const char *name)
{
    for (size_t i = 0; i < boot_info.module_count; i++) {
        const char *cmd = boot_info.modules[i].cmdline;
        size_t n = strlen(name);
        /* The module's command line is its name, maybe followed by arguments. */
        if (n > 0 && !strncmp(cmd, name, n) && (cmd[n] == '\0' || cmd[n] == ' '))
            return &boot_info.modules[i];
    }
    return NULL;
}

/* Copy len bytes to user address va of space, through the direct map. */
static void copy_into_space(struct address_space *space, uint64_t va, const uint8_t *src,
                            uint64_t len)
{
    while (len > 0) {
        paddr_t pa;
        if (vmm_translate(space, vaddr(va), &pa, NULL, NULL) != VMM_OK)
            panic("process: %#llx is not mapped though the loader just mapped it",
                  (unsigned long long)va);
        uint64_t chunk = PAGE_SIZE - (va & (PAGE_SIZE - 1));
        if (chunk > len)
            chunk = len;
        memcpy(phys_to_virt(pa), src, chunk);
        va += chunk;
        src += chunk;
        len -= chunk;
    }
}

static int refuse(struct process_result *out, int code, const char *fmt, const char *what)
{
    out->end = PROCESS_NOT_RUN;
    ksnprintf(out->reason, sizeof(out->reason), fmt, what);
    return code;
}

/* Frames the image takes now: the pages holding file bytes always, the rest
 * (the .bss) too under immediate mapping. */
static uint64_t image_frames_now(const struct process *p)
{
    uint64_t needed = 0;
    for (unsigned i = 0; i < p->elf.segment_count; i++) {
        const struct elf_segment *s = &p->elf.segments[i];
        uint64_t end = p->policy == REGION_IMMEDIATE ? s->vaddr + s->memsz : s->vaddr + s->filesz;
        if (PAGE_ALIGN_UP(end) > PAGE_ALIGN_DOWN(s->vaddr))
            needed += (PAGE_ALIGN_UP(end) - PAGE_ALIGN_DOWN(s->vaddr)) / PAGE_SIZE;
    }
    return needed;
}

/* Step 3 for one segment: the pages with file bytes are mapped and filled
 * now; the pages of pure .bss after them are a region of the policy. */
static int load_segment(struct process *p, const struct elf_segment *s, const uint8_t *image)
{
    uint64_t start = PAGE_ALIGN_DOWN(s->vaddr);
    uint64_t end = PAGE_ALIGN_UP(s->vaddr + s->memsz);
    uint64_t bss = PAGE_ALIGN_UP(s->vaddr + s->filesz);
    if (bss < start)
        bss = start;
    if (bss > start) {
        int verr = vmm_alloc(&p->space, vaddr(start), bss - start, s->vmm_flags);
        if (verr)
            return verr;
        copy_into_space(&p->space, s->vaddr, image + s->offset, s->filesz);
        verr =
            process_add_region(p, start, bss - start, s->vmm_flags, REGION_IMMEDIATE, REGION_IMAGE);
        if (verr)
            return verr;
    }
    if (end > bss)
        return process_add_region(p, bss, end - bss, s->vmm_flags, p->policy, REGION_BSS);
    return VMM_OK;
}

/* Steps 1 to 4. On failure the caller's destroy() undoes what was done. */
static int load(struct process *p, const uint8_t *image, size_t size, struct process_result *out)
{
    struct elf_error err;
    if (elf_validate(image, size, &p->elf, &err) != ELF_OK)
        return refuse(out, PROC_ERR_ELF, "not a program kiln can run: %s", err.message);

    int verr = vmm_space_create(&kernel_vmm, &p->space);
    if (verr)
        return refuse(out, PROC_ERR_NO_MEMORY, "no frame for its page tables: %s", vmm_strerror(verr));
    p->space_made = true;
    /* The heap code below reaches its arena and bitmaps by their virtual
     * addresses, which exist only in the new space: switch to it now. */
    vmm_activate(&p->space);
    process_demand_attach(p);

    /* Immediate mapping takes every frame of every segment now: when they are
     * more than the PMM has free, say so before zeroing any of them. */
    uint64_t needed = image_frames_now(p), free_frames = kernel_pmm.stats.free_bytes / PAGE_SIZE;
    if (needed > free_frames) {
        char why[96];
        ksnprintf(why, sizeof(why), "%s (its segments need %llu frames, %llu are free)",
                  vmm_strerror(VMM_ERR_NO_MEMORY), (unsigned long long)needed,
                  (unsigned long long)free_frames);
        return refuse(out, PROC_ERR_NO_MEMORY, "mapping a segment failed: %s", why);
    }

    for (unsigned i = 0; i < p->elf.segment_count; i++) {
        verr = load_segment(p, &p->elf.segments[i], image);
        if (verr)
            return refuse(out, PROC_ERR_NO_MEMORY, "mapping a segment failed: %s",
                          vmm_strerror(verr));
    }

    verr = process_add_region(p, USER_STACK_TOP - USER_STACK_SIZE - USER_STACK_GUARD,
                              USER_STACK_GUARD, 0, REGION_IMMEDIATE, REGION_GUARD);
    if (!verr)
        verr = process_add_region(p, USER_STACK_TOP - USER_STACK_SIZE, USER_STACK_SIZE,
                                  VMM_USER | VMM_WRITE, p->policy, REGION_STACK);
    if (verr)
        return refuse(out, PROC_ERR_NO_MEMORY, "mapping the stack failed: %s", vmm_strerror(verr));

    /* Under vm=demand and vm=zero-page the heap waits for the first call that needs it. */
    if (p->policy == REGION_IMMEDIATE) {
        verr = process_heap_ready(p);
        if (verr)
            return refuse(out, PROC_ERR_NO_MEMORY, "mapping the heap failed: %s",
                          vmm_strerror(verr));
    }

    verr = kstack_alloc(&p->kstack);
    if (verr)
        return refuse(out, PROC_ERR_NO_MEMORY, "no kernel stack: %s", vmm_strerror(verr));
    p->kstack_made = true;
    return PROC_OK;
}

static uint64_t pmm_free_frames(void)
{
    struct pmm_stats st;
    pmm_get_stats(&kernel_pmm, &st);
    return st.free_bytes / PAGE_SIZE;
}

void process_note_frames(struct process *p)
{
    uint64_t now = pmm_free_frames();
    uint64_t held = now < p->free_before ? p->free_before - now : 0;
    if (held > p->result->frames_held)
        p->result->frames_held = held;
}

int process_heap_ready(struct process *p)
{
    if (p->user_heap_made)
        return VMM_OK;
    int verr = arena_heap_init_user_backed(&p->user_heap, &p->space, USER_HEAP_BASE,
                                           USER_HEAP_RANGE, &p->heap_backing);
    if (verr) {
        arena_heap_destroy(&p->user_heap); /* unmaps whatever part of the arena was made */
        return verr;
    }
    p->user_heap_made = true;
    return VMM_OK;
}

/* Step 7: give everything back (from the kernel's space: a space cannot be
 * destroyed while CR3 holds it). */
static void destroy(struct process *p)
{
    vmm_activate(&kernel_space);
    process_demand_attach(NULL);
    if (p->kstack_made)
        kstack_free(&p->kstack);
    if (p->user_heap_made)
        arena_heap_destroy(&p->user_heap);
    if (p->space_made)
        vmm_space_destroy(&p->space);
    kfree(p);
}

static void finish_output_line(struct process *p)
{
    if (!p->at_line_start)
        kprintf("\n");
    p->at_line_start = true;
}

void process_fault_kill(struct process *p, const struct trap_frame *frame, uint64_t cr2,
                        const char *explain)
{
    struct process_result *r = p->result;
    r->end = PROCESS_KILLED;
    r->vector = (unsigned)frame->vector;
    r->error_code = frame->error_code;
    r->rip = frame->rip;
    r->cr2 = cr2;
    int n = ksnprintf(r->reason, sizeof(r->reason), "#%s %s at rip %#llx",
                      trap_mnemonic(r->vector), trap_name(r->vector), (unsigned long long)r->rip);
    if (r->vector == VEC_PAGE_FAULT && n > 0 && (size_t)n < sizeof(r->reason)) {
        char access[96];
        trap_describe_page_fault(r->error_code, access, sizeof(access));
        ksnprintf(r->reason + n, sizeof(r->reason) - (size_t)n, ", cr2 %#llx (%s): %s",
                  (unsigned long long)cr2, access, explain);
    } else if (explain && n > 0 && (size_t)n < sizeof(r->reason)) {
        ksnprintf(r->reason + n, sizeof(r->reason) - (size_t)n, ": %s", explain);
    }
    finish_output_line(p);
    klongjmp(&p->finished, 1);
}

/* Where a user fault went wrong, from what the layout says (vm=immediate:
 * every region is mapped whole, so the address and the error code tell). */
static enum fault_kill classify_user_fault(uint64_t cr2, uint64_t error_code)
{
    if (cr2 < USER_IMAGE_MIN)
        return KILL_NULL;
    if (cr2 >= USER_STACK_TOP - USER_STACK_SIZE - USER_STACK_GUARD &&
        cr2 < USER_STACK_TOP - USER_STACK_SIZE)
        return KILL_GUARD;
    if (cr2 >= VMM_USER_END)
        return KILL_KERNEL_ADDRESS;
    bool violation = error_code & PF_ERR_PRESENT;
    if (violation && (error_code & PF_ERR_FETCH))
        return KILL_NX;
    if (violation && (error_code & PF_ERR_WRITE))
        return KILL_READ_ONLY;
    return violation ? KILL_ACCESS : KILL_OUTSIDE;
}

/* A fault in ring 3 the demand pager did not resolve: the program is at
 * fault, not the kernel. End it, saying why: under vm=demand and vm=zero-page
 * the regions' decision names it (a page may be missing for good reason
 * there); under vm=immediate the layout does, so labs 1-5 never depend on
 * the region code of lab 6. */
static void user_fault(struct trap_frame *frame, uint64_t cr2)
{
    struct process *p = current;
    if (!p)
        panic("a fault in ring 3 (vector %llu at %#llx) with no process running",
              (unsigned long long)frame->vector, (unsigned long long)frame->rip);
    const char *explain = NULL;
    if (frame->vector == VEC_PAGE_FAULT && p->policy == REGION_IMMEDIATE)
        explain = fault_kill_text(classify_user_fault(cr2, frame->error_code));
    else if (frame->vector == VEC_PAGE_FAULT)
        explain = fault_kill_text(region_resolve(&p->regions, cr2, frame->error_code).why);
    else if (frame->vector == VEC_GENERAL_PROTECTION)
        explain = "a privileged instruction or a bad segment";
    process_fault_kill(p, frame, cr2, explain);
}

void process_exit(int status)
{
    struct process *p = current;
    p->result->end = PROCESS_EXITED;
    p->result->status = status;
    finish_output_line(p);
    klongjmp(&p->finished, 1);
}

void syscall_bad_return(uint64_t rip)
{
    struct process *p = current;
    struct process_result *r = p->result;
    r->end = PROCESS_KILLED;
    r->vector = VEC_GENERAL_PROTECTION;
    r->rip = rip;
    ksnprintf(r->reason, sizeof(r->reason),
              "its system call would return to %#llx, which is not canonical (SYSRET would "
              "fault in ring 0)",
              (unsigned long long)rip);
    finish_output_line(p);
    klongjmp(&p->finished, 1);
}

void process_write(const char *bytes, size_t len)
{
    struct process *p = current;
    struct process_result *r = p->result;
    for (size_t i = 0; i < len; i++) {
        char c = bytes[i];
        if (r->output_len < PROCESS_OUTPUT_MAX - 1)
            r->output[r->output_len] = c;
        r->output_len++;
        /* "name: " before each line, so a program cannot pose as the kernel
         * (or print a line the test harness would take for a TAP result). */
        if (p->at_line_start)
            kprintf("%s: ", p->name);
        if (c == '\n' || (c >= ' ' && c < 127) || c == '\t')
            console_putc(c);
        else
            kprintf("\\x%02x", (unsigned)(unsigned char)c);
        p->at_line_start = c == '\n';
    }
    size_t kept = r->output_len < PROCESS_OUTPUT_MAX - 1 ? r->output_len : PROCESS_OUTPUT_MAX - 1;
    r->output[kept] = '\0';
}

int process_run(const char *name, const void *image, size_t size, struct process_result *out)
{
    memset(out, 0, sizeof(*out));
    if (current) {
        /* Only a kernel fault in the middle of a process (caught by the test
         * runner, which then went on) can leave one behind. Reclaim it. */
        kprintf("kiln: warning: process %u (%s) was left behind by a kernel fault; cleaning "
                "it up\n",
                current->pid, current->name);
        struct process *stale = current;
        current = NULL;
        gdt_set_kernel_stack(0);
        syscall_kernel_rsp = 0;
        destroy(stale);
    }
    struct process *p = kcalloc(1, sizeof(*p));
    if (!p)
        return refuse(out, PROC_ERR_NO_MEMORY, "no kernel memory for its %s", "process structure");
    p->pid = next_pid++;
    out->pid = p->pid;
    ksnprintf(p->name, sizeof(p->name), "%s", name);
    p->result = out;
    p->at_line_start = true;
    p->policy = process_policy();
    region_set_init(&p->regions);

    p->free_before = pmm_free_frames();
    int err = load(p, image, size, out);
    if (err) {
        destroy(p);
        return err;
    }
    process_note_frames(p);

    current = p;
    vmm_activate(&p->space);
    gdt_set_kernel_stack(p->kstack.top);
    syscall_kernel_rsp = p->kstack.top;
    KILN_BREAK("user"); /* break=user: the next instruction to run is the program's */
    p->started = true;
    if (ksetjmp(&p->finished) == 0)
        user_enter(p->elf.entry, USER_STACK_TOP, 0);

    /* Back from process_exit, user_fault or syscall_bad_return, on this
     * stack. klongjmp restores registers but not RFLAGS: start clean. */
    write_rflags(0x2);
    process_note_frames(p);
    out->policy = p->policy;
    out->regions = p->regions;
    gdt_set_kernel_stack(0);
    syscall_kernel_rsp = 0;
    current = NULL;
    records_process(p); /* records=process: the space as the program left it */
    destroy(p);
    return PROC_OK;
}

int process_run_module(const char *name, struct process_result *out)
{
    const struct boot_module *m = process_find_module(name);
    if (!m) {
        memset(out, 0, sizeof(*out));
        return refuse(out, PROC_ERR_NOT_FOUND,
                      "no program '%s' (GRUB loads programs as Multiboot2 modules: a module2 "
                      "line in iso/grub.cfg)",
                      name);
    }
    const void *image = phys_to_virt(paddr(m->start));
    return process_run(name, image, (size_t)(m->end - m->start), out);
}

void process_print_result(const char *name, const struct process_result *r)
{
    switch (r->end) {
    case PROCESS_EXITED:
        kprintf("kiln: process %u (%s) exited with status %d\n", r->pid, name, r->status);
        break;
    case PROCESS_KILLED:
        kprintf("kiln: process %u (%s) killed: %s\n", r->pid, name, r->reason);
        break;
    case PROCESS_NOT_RUN:
        kprintf("kiln: cannot run %s: %s\n", name, r->reason);
        break;
    }
}

int process_run_list(const char *list)
{
    static struct process_result result; /* too big for the stack */
    char name[PROCESS_NAME_MAX];
    const char *rest = list;
    int failures = 0;
    while (cmdline_list_next(&rest, name, sizeof(name)) > 0) {
        kprintf("kiln: running %s\n", name);
        uint64_t start = rdtsc();
        int err = process_run_module(name, &result);
        uint64_t spent = rdtsc() - start;
        /* Load, run and teardown, frames back included; under QEMU -icount
         * (ci/bench) the time stamp counter counts instructions. */
        if (err != PROC_ERR_NOT_FOUND)
            kprintf("kiln: process %u (%s) took %llu cycles from load to teardown\n", result.pid,
                    name, (unsigned long long)spent);
        process_print_result(name, &result);
        if (process_report_memory && err != PROC_ERR_NOT_FOUND)
            process_print_memory(name, &result);
        if (result.end != PROCESS_EXITED || result.status != 0)
            failures++;
    }
    return failures;
}

void process_init(void)
{
    /* No FPU state is saved between processes: make x87 instructions fault
     * (#NM) rather than let one program read what the last one left there. */
    write_cr0(read_cr0() | CR0_EM | CR0_MP);
    syscall_msr_init();
    trap_set_user_fault_handler(user_fault);
    process_demand_init();
}
