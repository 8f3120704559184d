/*
 * proc/demand.c - a process's regions, and backing them on demand.
 *
 * Every process records its regions (mm/region.h) as the loader maps it: the
 * image's pages with file bytes, its .bss, the stack and the guard below it,
 * and each heap arena as the heap grows. Under vm=immediate (the default)
 * each region is mapped whole when it is recorded, as before. Under
 * vm=demand or vm=zero-page the .bss, stack and heap are only recorded, and
 * the page-fault handler here backs each page on its first touch:
 *
 *   #PF at cr2 --> region_resolve(regions, cr2, error code)
 *                    |-- back with a zeroed frame ----> vmm_alloc(page)   --> retry the access
 *                    |-- map the shared zero page ----> vmm_map(page, RO) --> retry
 *                    |-- copy the zero page on write -> unmap, vmm_alloc  --> retry
 *                    '-- kill (reason) --> not ours: process.c's user_fault kills
 *                                          a ring-3 fault; a kernel one panics
 *
 * No frame left for the page kills the process ("out of memory while backing
 * a demand page at ADDR"); everything it was given is owned by its space
 * (PTE_OWNED), so the teardown returns it. The shared zero frame is never
 * owned by a space and never written: it is mapped read-only, and a system
 * call's buffer in it is copied to a frame of its own before the kernel
 * writes there (process_back_user_range).
 */
#include "arch/x86_64/cpu.h"
#include "dev/console.h"
#include "kernel/panic.h"
#include "kiln/syscall.h"
#include "lib/format.h"
#include "lib/text.h"
#include "mm/layout.h"
#include "mm/pmm_boot.h"
#include "mm/vmm_boot.h"
#include "proc/process.h"
#include "proc/strace.h"

static enum region_policy policy = REGION_IMMEDIATE;
static paddr_t zero_frame;
static bool have_zero_frame;
static struct process *attached; /* whose space is active, from load to teardown */

bool process_set_policy(enum region_policy want)
{
    if (want == REGION_ZERO_PAGE && !have_zero_frame) {
        paddr_t f = pmm_alloc_page_flags(&kernel_pmm, PMM_ZERO);
        if (!pmm_got_frame(f))
            return false;
        zero_frame = f;
        have_zero_frame = true;
    }
    policy = want;
    return true;
}

enum region_policy process_policy(void)
{
    return policy;
}

bool process_zero_frame(paddr_t *frame)
{
    *frame = zero_frame;
    return have_zero_frame;
}

int process_add_region(struct process *p, uint64_t start, uint64_t length, unsigned flags,
                       enum region_policy how, enum region_purpose purpose)
{
    /* The loader maps the image itself (it copies the file in); a guard is never mapped. */
    bool map_now = how == REGION_IMMEDIATE && purpose != REGION_IMAGE && purpose != REGION_GUARD;
    if (map_now) {
        int err = vmm_alloc(&p->space, vaddr(start), length, flags);
        if (err)
            return err;
    }
    struct region r = {start, length, flags, how, purpose};
    int rerr = region_add(&p->regions, &r);
    if (rerr == REGION_OK)
        return VMM_OK;
    if (map_now)
        vmm_free(&p->space, vaddr(start), length);
    /* An overlap is a program whose segments lie where its stack or heap go
     * (the ELF checks allow any user address): refused like a mapped page. */
    if (rerr == REGION_ERR_OVERLAP)
        return VMM_ERR_ALREADY_MAPPED;
    if (rerr == REGION_ERR_FULL)
        return VMM_ERR_NO_MEMORY;
    panic("process_add_region: region %#llx + %#llx of %s is not a user range (caller %p)",
          (unsigned long long)start, (unsigned long long)length, p->name, CALLER_ADDRESS());
}

/* Give back what [start, start + size) holds: owned frames, and the zero page's mappings. */
static void unmap_backed(struct process *p, uint64_t start, uint64_t size)
{
    for (uint64_t va = start; va < start + size; va += PAGE_SIZE) {
        paddr_t pa;
        if (vmm_translate(&p->space, vaddr(va), &pa, NULL, NULL) != VMM_OK)
            continue;
        if (have_zero_frame && pa.addr == zero_frame.addr)
            vmm_unmap(&p->space, vaddr(va), PAGE_SIZE);
        else
            vmm_free(&p->space, vaddr(va), PAGE_SIZE);
    }
}

/* The user heap's arenas become regions of the process's policy. */
static int heap_reserve(void *ctx, uintptr_t base, size_t size, unsigned flags)
{
    struct process *p = ctx;
    return process_add_region(p, base, size, flags, p->policy, REGION_HEAP);
}

static void heap_release(void *ctx, uintptr_t base, size_t size)
{
    struct process *p = ctx;
    if (p->policy == REGION_IMMEDIATE) /* every arena is reserved with the process's policy */
        vmm_free(&p->space, vaddr(base), size);
    else
        unmap_backed(p, base, size);
    /* The heap may reserve this range again later (it gives emptied arenas back). */
    if (region_remove(&p->regions, base, size) != REGION_OK)
        panic("heap_release: %s has no heap region %#llx + %#llx to remove", p->name,
              (unsigned long long)base, (unsigned long long)size);
}

void process_demand_attach(struct process *p)
{
    attached = p;
    if (p)
        p->heap_backing = (struct arena_backing){heap_reserve, heap_release, p};
}

static int carry_out_now(struct process *p, const struct fault_decision *d);

/* Carry a decision out and note the frames p holds after it (its peak).
 * Returns VMM_OK or the VMM's error (VMM_ERR_NO_MEMORY: no frame). */
static int carry_out(struct process *p, const struct fault_decision *d)
{
    int err = carry_out_now(p, d);
    process_note_frames(p);
    return err;
}

static int carry_out_now(struct process *p, const struct fault_decision *d)
{
    struct process_result *r = p->result;
    int err;
    switch (d->action) {
    case FAULT_BACK_ZEROED:
        err = vmm_alloc(&p->space, vaddr(d->page), PAGE_SIZE, d->flags);
        r->faults_backed += err == VMM_OK;
        return err;
    case FAULT_MAP_ZERO_PAGE:
        if (!have_zero_frame)
            panic("demand paging: a zero-page region in %s but no zero frame", p->name);
        err = vmm_map(&p->space, vaddr(d->page), zero_frame, PAGE_SIZE, d->flags);
        r->zero_page_maps += err == VMM_OK;
        return err;
    case FAULT_COPY_ZERO_PAGE: {
        paddr_t pa;
        if (vmm_translate(&p->space, vaddr(d->page), &pa, NULL, NULL) != VMM_OK ||
            !have_zero_frame || pa.addr != zero_frame.addr)
            panic("demand paging: a write fault on %#llx in a zero-page region of %s, but the "
                  "page there is not the zero page",
                  (unsigned long long)d->page, p->name);
        /* Nothing to copy: the page was all zeroes. A zeroed frame of its own, writable. */
        vmm_unmap(&p->space, vaddr(d->page), PAGE_SIZE);
        err = vmm_alloc(&p->space, vaddr(d->page), PAGE_SIZE, d->flags);
        r->faults_backed += err == VMM_OK;
        return err;
    }
    default:
        panic("demand paging: carry_out of a kill (%s)", fault_kill_text(d->why));
    }
}

static const char *action_name(enum fault_action a)
{
    return a == FAULT_BACK_ZEROED      ? "backed with a zeroed frame"
           : a == FAULT_MAP_ZERO_PAGE  ? "mapped the zero page"
           : a == FAULT_COPY_ZERO_PAGE ? "copied the zero page on write"
                                       : "killed";
}

/*
 * The page-fault handler, before the usual path: a fault at a user address
 * the current process's regions promise is backed and the access retried
 * (returning true resumes it, in ring 3 or in the kernel's own touch of the
 * user heap). Anything else returns false: a ring-3 fault goes on to
 * user_fault (a kill with its reason), a kernel fault to trap_catch or a panic.
 */
static bool demand_fault(struct trap_frame *frame)
{
    struct process *p = attached;
    uint64_t cr2 = read_cr2();
    /* Under vm=immediate every region is mapped whole: no fault is a first touch. */
    if (!p || p->policy == REGION_IMMEDIATE || cr2 >= VMM_USER_END)
        return false;
    struct fault_decision d = region_resolve(&p->regions, cr2, frame->error_code);
    if (d.action == FAULT_KILL)
        return false;
    int err = carry_out(p, &d);
    if (syscall_trace)
        kprintf("strace: %s[%u]: page fault at %#llx (%s %s): %s%s\n", p->name, p->pid,
                (unsigned long long)cr2, region_purpose_name(d.region->purpose),
                region_policy_name(d.region->policy), action_name(d.action),
                err ? ": no frame" : "");
    if (err == VMM_OK)
        return true;
    if (err != VMM_ERR_NO_MEMORY)
        panic("demand paging: backing %#llx for %s failed: %s", (unsigned long long)cr2, p->name,
              vmm_strerror(err));
    if (!p->started)
        panic("demand paging: no frame for %#llx while %s was being loaded (the loader touched "
              "a demand page)",
              (unsigned long long)cr2, p->name);
    char why[80];
    ksnprintf(why, sizeof(why), "out of memory while backing a demand page at %#llx",
              (unsigned long long)d.page);
    process_fault_kill(p, frame, cr2, why);
}

void process_demand_init(void)
{
    trap_set_handler(VEC_PAGE_FAULT, demand_fault);
}

/* What the CPU would report for this access to the page at va now (-1: no fault). */
static int64_t would_fault(const struct process *p, uint64_t va, bool write)
{
    unsigned flags;
    if (vmm_translate(&p->space, vaddr(va), NULL, &flags, NULL) != VMM_OK)
        return PF_ERR_USER | (write ? PF_ERR_WRITE : 0);
    if (write && !(flags & VMM_WRITE))
        return PF_ERR_USER | PF_ERR_WRITE | PF_ERR_PRESENT;
    return -1;
}

/* Does every byte of [first, last] lie in regions that allow this access by the program? */
static bool range_promised(const struct process *p, uint64_t first, uint64_t last, bool write)
{
    uint64_t va = first;
    for (;;) {
        const struct region *r = region_find(&p->regions, va);
        if (!r || r->purpose == REGION_GUARD || !(r->flags & VMM_USER) ||
            (write && !(r->flags & VMM_WRITE)))
            return false;
        uint64_t end = r->start + r->length; /* no wrap: regions end by VMM_USER_END */
        if (last < end)
            return true;
        va = end;
    }
}

int process_back_user_range(struct process *p, uint64_t ptr, uint64_t len, bool write)
{
    if (p->policy == REGION_IMMEDIATE || len == 0 || ptr == 0)
        return 0;
    uint64_t last = ptr + (len - 1);
    if (last < ptr || last >= VMM_USER_END || !range_promised(p, ptr, last, write))
        return 0; /* the pointer checks will name what is wrong */
    for (uint64_t va = PAGE_ALIGN_DOWN(ptr);; va += PAGE_SIZE) {
        int64_t code = would_fault(p, va, write);
        if (code >= 0) {
            struct fault_decision d = region_resolve(&p->regions, va, (uint64_t)code);
            if (d.action != FAULT_KILL && carry_out(p, &d) == VMM_ERR_NO_MEMORY)
                return -KILN_ENOMEM;
        }
        if (last - va < PAGE_SIZE)
            return 0;
    }
}

void process_print_regions(const struct region_set *set, const char *prefix)
{
    for (unsigned i = 0; i < set->count; i++) {
        const struct region *r = &set->r[i];
        char size[24];
        struct text t = text_over(size, sizeof(size));
        text_bytes(&t, r->length);
        kprintf("%s%#014llx-%#014llx %9s %c%c%c %-5s %s\n", prefix, (unsigned long long)r->start,
                (unsigned long long)(r->start + r->length), size, (r->flags & VMM_USER) ? 'r' : '-',
                (r->flags & VMM_WRITE) ? 'w' : '-', (r->flags & VMM_EXEC) ? 'x' : '-',
                region_purpose_name(r->purpose),
                r->purpose == REGION_GUARD ? "never mapped" : region_policy_name(r->policy));
    }
}

void process_print_memory(const char *name, const struct process_result *r)
{
    if (r->end == PROCESS_NOT_RUN)
        return;
    kprintf("kiln: process %u (%s) under vm=%s: %llu frames at peak, %llu page(s) backed on a "
            "fault, %llu zero-page map(s); regions:\n",
            r->pid, name, region_policy_name(r->policy), (unsigned long long)r->frames_held,
            (unsigned long long)r->faults_backed, (unsigned long long)r->zero_page_maps);
    process_print_regions(&r->regions, "  ");
}
