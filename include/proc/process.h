/*
 * proc/process.h - user programs: load one, run it in ring 3, clean up after it.
 *
 * A process is a program with everything it owns:
 *
 *   - its own address space (a PML4 whose upper half is the kernel's),
 *   - its image: each ELF PT_LOAD segment mapped with the segment's permissions,
 *   - a user stack under USER_STACK_TOP with an unmapped guard below it,
 *   - a user heap: an arena heap (mm/arena_heap.h) of buddy arenas mapped in its space at
 *     USER_HEAP_BASE, grown through the VMM on request (SYS_ALLOC),
 *   - a kernel stack (with a guard page) for its system calls and faults,
 *   - its regions (mm/region.h): what each range of its user half is for and
 *     how it is backed; under vm=demand or vm=zero-page (process_set_policy)
 *     the heap, stack and .bss are backed page by page from the page-fault
 *     handler (src/proc/demand.c, docs/demand.md).
 *
 * kiln runs processes one after another, with no scheduler: process_run()
 * loads a program, enters ring 3, and returns when the program exits or is
 * killed for a fault, after every frame it held has gone back to the PMM.
 * The layout is in include/kiln/syscall.h; docs/userspace.md draws it.
 */
#ifndef KILN_PROC_PROCESS_H
#define KILN_PROC_PROCESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "boot/boot_info.h"
#include "lib/kjmp.h"
#include "arch/x86_64/trap.h"
#include "mm/arena_heap.h"
#include "mm/region.h"
#include "mm/vmm.h"
#include "mm/vmm_boot.h"
#include "proc/elf.h"

#define PROCESS_NAME_MAX 40
#define PROCESS_OUTPUT_MAX 4096 /* bytes of a program's output kept in its result */

/* How a process ended. */
enum process_end {
    PROCESS_NOT_RUN, /* refused or could not be set up: see reason */
    PROCESS_EXITED,  /* it called exit: see status */
    PROCESS_KILLED,  /* a fault in ring 3 (or a bad SYSCALL return): see vector, reason */
};

/* What process_run() reports. */
struct process_result {
    enum process_end end;
    uint32_t pid;
    int status;          /* PROCESS_EXITED: the exit status */
    unsigned vector;     /* PROCESS_KILLED: the exception (VEC_*) */
    uint64_t error_code; /* ... its error code */
    uint64_t rip;        /* ... where it happened */
    uint64_t cr2;        /* ... for a page fault, the address */
    char reason[256];    /* one sentence: why it was refused or killed */
    uint64_t syscalls;   /* system calls it made */
    uint64_t frames_held;   /* the most frames it held at once (tables, image, stack, heap):
                             * sampled after loading, each system call and each fault */
    uint64_t faults_backed; /* page faults that gave a page its own frame (demand, copy-on-write) */
    uint64_t zero_page_maps;         /* first reads answered with the shared zero page */
    enum region_policy policy;       /* how its heap, stack and .bss were backed */
    struct region_set regions;       /* its regions, as they were when it ended */
    char output[PROCESS_OUTPUT_MAX]; /* the first bytes it wrote, NUL-terminated */
    size_t output_len;   /* how many bytes it wrote in all */
};

/* process_run() results. */
#define PROC_OK 0
#define PROC_ERR_NOT_FOUND (-1) /* no Multiboot2 module of that name */
#define PROC_ERR_ELF (-2)       /* the ELF validator refused the file */
#define PROC_ERR_NO_MEMORY (-3) /* no frames or kernel memory to set it up */

struct process {
    uint32_t pid;
    char name[PROCESS_NAME_MAX];
    struct address_space space;
    bool space_made, user_heap_made, kstack_made;
    bool started; /* finished is set: it may end (it ran, or is about to) */
    struct elf_info elf;
    struct arena_heap user_heap; /* an arena heap: arenas in space, bitmaps kernel-only */
    struct arena_backing heap_backing; /* how the heap's arenas are backed (src/proc/demand.c) */
    struct region_set regions;         /* what each part of its user half is for, and its policy */
    enum region_policy policy;         /* for its heap, stack and .bss */
    struct kstack kstack;     /* where its system calls and faults run */
    struct kjmp_buf finished; /* process_run() resumes here when it ends */
    struct process_result *result;
    uint64_t free_before;     /* PMM free frames just before it was loaded */
    bool at_line_start;       /* for putting "name: " before each output line */
};

/* Raise p's frames_held to what it holds now, if that is more. Frames only
 * change while p runs inside a system call or a page fault, so calling this
 * after each of them (and after loading) makes frames_held the true peak. */
void process_note_frames(struct process *p);

/* Set up SYSCALL/SYSRET and the handler for ring-3 faults. Call once, after the heap. */
void process_init(void);

/* Load the ELF image (size bytes), run it in ring 3, tear it down. Fills *out
 * in every case. Returns PROC_OK when the program ran (whatever its end). */
int process_run(const char *name, const void *image, size_t size, struct process_result *out);

/* The same for the Multiboot2 module whose command line is `name`. */
int process_run_module(const char *name, struct process_result *out);

/* Print the one-line report ("kiln: process 3 (demo) exited with status 0"). */
void process_print_result(const char *name, const struct process_result *r);

/* Run each program in a comma-separated list, printing each report. Returns
 * the number that did not exit with status 0. */
int process_run_list(const char *list);

/* The process now in ring 3 (or in a system call), NULL when none. */
struct process *process_current(void);

/* End the current process (from a system call). Never returns. */
__attribute__((noreturn)) void process_exit(int status);

/* The module GRUB loaded with command line `name`, or NULL. */
const struct boot_module *process_find_module(const char *name);

/* Put the current process's output on the console (and into its result). */
void process_write(const char *bytes, size_t len);

/* Called by asm/syscall.asm (and the dispatcher) when the return address is
 * not canonical: SYSRET there would fault in ring 0, so the process is killed. */
__attribute__((noreturn)) void syscall_bad_return(uint64_t rip);

/* Set up p's heap (its first arena) if it has none yet: at load under
 * vm=immediate, at the first SYS_ALLOC or SYS_MEMSTATS otherwise, so a
 * program that never allocates never pays for a heap. VMM_OK or VMM_ERR_*. */
int process_heap_ready(struct process *p);

/* ---- regions and demand paging (src/proc/demand.c) -------------------------- */

/* The backing of user heap, stack and .bss for processes started from now on
 * (vm= on the command line). REGION_ZERO_PAGE takes the shared zero frame the
 * first time (kept for good). Returns false, policy unchanged, without a frame. */
bool process_set_policy(enum region_policy policy);
enum region_policy process_policy(void);
/* The shared zero frame, if vm=zero-page was ever chosen (for tests: it must stay all zeroes). */
bool process_zero_frame(paddr_t *frame);

/* Record a region of p (and for an immediate one other than the image, map
 * it now). Returns a VMM_ERR_* code or VMM_OK. */
int process_add_region(struct process *p, uint64_t start, uint64_t length, unsigned flags,
                       enum region_policy policy, enum region_purpose purpose);

/* The process whose space is active (from load to teardown): demand faults
 * are resolved against its regions. NULL when none. */
void process_demand_attach(struct process *p);

/* Install the page-fault handler for demand and zero-page regions. */
void process_demand_init(void);

/*
 * Before a system call uses the user buffer [ptr, ptr + len): if every byte
 * lies in regions that allow the access, back each page that is not yet
 * backed (for a write, replace the zero page), so the pointer checks see it
 * mapped. Anything else is left to the checks. Returns 0, or -KILN_ENOMEM
 * when no frame was left for a page (the pages backed so far stay backed).
 */
int process_back_user_range(struct process *p, uint64_t ptr, uint64_t len, bool write);

/* One line per region: "  0x000000400000-0x000000402000   8 KiB r-x image immediate". */
void process_print_regions(const struct region_set *set, const char *prefix);

/* process_run_list prints each program's memory line and regions (vm= on
 * the command line sets it, so a boot without vm= prints what it always did). */
extern bool process_report_memory;

/* "kiln: process 1 (hello) under vm=demand: 17 frames at peak, 1 page backed
 * on a fault, 0 zero-page maps; regions:" and its regions (after each
 * program when vm= is on the command line; the monitor's `regions`). */
void process_print_memory(const char *name, const struct process_result *r);

/* End process p (the current one, or the one being loaded) for a fault, with
 * `explain` after the fault's description ("#PF page fault at rip ..., cr2 ...
 * (user write, page not present): explain"). Resumes where p->finished was set. */
__attribute__((noreturn)) void process_fault_kill(struct process *p, const struct trap_frame *frame,
                                                  uint64_t cr2, const char *explain);

#endif
