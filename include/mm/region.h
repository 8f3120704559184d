/*
 * mm/region.h - the regions of a user address space, and what a page fault in one means.
 *
 * A page table says what is mapped *now*. A region says what the program was
 * *promised*: "from here, this many bytes, readable and writable, for the
 * heap, backed on demand". With immediate mapping the two agree from the
 * start; with demand paging the promise comes first and the page tables fill
 * in as pages are touched, so the page-fault handler needs the promise to
 * tell a first touch (back the page) from a bug (kill the program).
 *
 * Each region has a backing policy:
 *
 *   immediate   every page got its frame when the region was made (kiln's
 *               default, what labs 1-5 are graded on)
 *   demand      nothing is mapped until the first touch; the fault handler
 *               takes a zeroed frame and maps the page holding the address
 *   zero-page   a first read maps one shared, read-only page of zeroes; the
 *               first write takes a zeroed frame of its own and maps it
 *               writable (copy-on-write of a page that is all zeroes, so
 *               nothing needs copying)
 *
 * region_resolve() is the fault handler's decision, as a pure function of the
 * regions, the address and the CPU's error code: which action to take, or
 * why the program must die. It changes nothing; src/proc/process.c carries
 * the decision out with the PMM and the VMM. Plain C, so the host tests
 * (tests/test_region.c) check every case and a random model.
 */
#ifndef KILN_MM_REGION_H
#define KILN_MM_REGION_H

#include <stdbool.h>
#include <stdint.h>

enum region_policy { REGION_IMMEDIATE, REGION_DEMAND, REGION_ZERO_PAGE };

/* What the region is for: only reports read it, except REGION_GUARD, which
 * is never backed (touching it is a stack overflow). */
enum region_purpose { REGION_IMAGE, REGION_BSS, REGION_HEAP, REGION_STACK, REGION_GUARD };

struct region {
    uint64_t start;  /* page-aligned */
    uint64_t length; /* bytes, a multiple of 4 KiB, not 0 */
    unsigned flags;  /* VMM_WRITE, VMM_EXEC, VMM_USER (mm/vmm.h) */
    enum region_policy policy;
    enum region_purpose purpose;
};

#define REGION_MAX 48 /* image segments, .bss, up to 24 heap arenas, stack, guard */

/* A process's regions, sorted by start, never overlapping. */
struct region_set {
    unsigned count;
    struct region r[REGION_MAX];
};

/* region_add() results. */
#define REGION_OK 0
#define REGION_ERR_BAD (-1)     /* length 0, not page-aligned, wraps, or leaves the user half */
#define REGION_ERR_OVERLAP (-2) /* some byte is in a region already */
#define REGION_ERR_FULL (-3)    /* REGION_MAX regions already */

void region_set_init(struct region_set *set);

/* Add a region; the set stays sorted. Nothing changes on an error. */
int region_add(struct region_set *set, const struct region *r);

/* Remove the region that starts at start and is length bytes long (a heap
 * arena given back). Returns REGION_OK, or REGION_ERR_BAD when no region is
 * exactly that range; nothing changes then. */
int region_remove(struct region_set *set, uint64_t start, uint64_t length);

/* The region holding addr, or NULL. O(log n). */
const struct region *region_find(const struct region_set *set, uint64_t addr);

/* What the fault handler does. */
enum fault_action {
    FAULT_KILL,           /* end the program: see the fault_kill reason */
    FAULT_BACK_ZEROED,    /* take a zeroed frame, map the page with the region's flags */
    FAULT_MAP_ZERO_PAGE,  /* map the shared zero frame read-only (a read in a zero-page region) */
    FAULT_COPY_ZERO_PAGE, /* a write to the zero page: unmap it, take a zeroed frame, map it
                             writable */
};

/* Why a fault kills, one reason per mistake (fault_kill_text says it in words). */
enum fault_kill {
    KILL_NONE,           /* not a kill */
    KILL_NULL,           /* below USER_IMAGE_MIN */
    KILL_KERNEL_ADDRESS, /* at or above VMM_USER_END */
    KILL_GUARD,          /* in a guard region */
    KILL_OUTSIDE,        /* not present, outside every region */
    KILL_NX,             /* an instruction fetch from a region without VMM_EXEC */
    KILL_READ_ONLY,      /* a write to a region without VMM_WRITE */
    KILL_ACCESS,         /* any other access the page does not allow (user on kernel-only...) */
    KILL_NOT_BACKED,     /* not present in an immediate region: nothing can back it */
};

struct fault_decision {
    enum fault_action action;
    enum fault_kill why;         /* KILL_NONE unless action is FAULT_KILL */
    uint64_t page;               /* the page holding the address (address rounded down to 4 KiB) */
    unsigned flags;              /* the flags to map the page with (VMM_*) */
    const struct region *region; /* the region holding the address, or NULL */
};

/*
 * Decide what a page fault at addr means. error_code holds the CPU's PF_ERR_*
 * bits (arch/x86_64/trap.h): PRESENT (a protection violation, else the page
 * was not present), WRITE, USER (from ring 3), FETCH. A kernel access to a
 * user address (no PF_ERR_USER) is judged the same way, so the kernel's own
 * touches of a demand page (a system call writing the user heap's free lists)
 * are backed like the program's.
 */
struct fault_decision region_resolve(const struct region_set *set, uint64_t addr,
                                     uint64_t error_code);

/* The words for a reason: "a NULL pointer: nothing is mapped below 0x400000", ... */
const char *fault_kill_text(enum fault_kill why);

/* "immediate", "demand", "zero-page"; and the parse: false for any other word. */
const char *region_policy_name(enum region_policy policy);
bool region_policy_parse(const char *word, enum region_policy *out);
/* "image", "bss", "heap", "stack", "guard" */
const char *region_purpose_name(enum region_purpose purpose);

#endif
