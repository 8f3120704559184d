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
 *   - a kernel stack (with a guard page) for its system calls and faults.
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
#include "mm/arena_heap.h"
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
    uint64_t frames_held; /* the most frames its space held at once (tables, image, stack, heap) */
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
    struct elf_info elf;
    struct arena_heap user_heap; /* an arena heap: arenas in space, bitmaps kernel-only */
    struct kstack kstack;     /* where its system calls and faults run */
    struct kjmp_buf finished; /* process_run() resumes here when it ends */
    struct process_result *result;
    bool at_line_start;       /* for putting "name: " before each output line */
};

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

#endif
