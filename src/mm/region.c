/*
 * mm/region.c - a process's regions: add, find, and the page-fault decision.
 *
 * The set is a sorted array: a process has a few dozen regions at most, so
 * finding one is a binary search and adding one shifts the tail. The fault
 * decision (region_resolve) reads the set and the CPU's error code and
 * returns what to do; it maps nothing itself (src/proc/process.c does).
 */
#include "mm/region.h"

#include "arch/x86_64/trap.h"
#include "kiln/syscall.h"
#include "lib/string.h"
#include "mm/layout.h"
#include "mm/vmm.h"

void region_set_init(struct region_set *set)
{
    set->count = 0;
}

static uint64_t region_end(const struct region *r)
{
    return r->start + r->length; /* region_add made sure this does not wrap */
}

int region_add(struct region_set *set, const struct region *r)
{
    if (r->length == 0 || (r->start | r->length) & (PAGE_SIZE - 1) || r->start >= VMM_USER_END ||
        r->length > VMM_USER_END - r->start)
        return REGION_ERR_BAD;
    unsigned at = 0; /* the first region starting after r: r goes before it */
    while (at < set->count && set->r[at].start < r->start)
        at++;
    if (at > 0 && region_end(&set->r[at - 1]) > r->start)
        return REGION_ERR_OVERLAP;
    if (at < set->count && set->r[at].start < region_end(r))
        return REGION_ERR_OVERLAP;
    if (set->count == REGION_MAX)
        return REGION_ERR_FULL;
    memmove(&set->r[at + 1], &set->r[at], (set->count - at) * sizeof(set->r[0]));
    set->r[at] = *r;
    set->count++;
    return REGION_OK;
}

const struct region *region_find(const struct region_set *set, uint64_t addr)
{
    unsigned lo = 0, hi = set->count; /* the answer, if any, is in r[lo .. hi) */
    while (lo < hi) {
        unsigned mid = lo + (hi - lo) / 2;
        const struct region *r = &set->r[mid];
        if (addr < r->start)
            hi = mid;
        else if (addr - r->start >= r->length)
            lo = mid + 1;
        else
            return r;
    }
    return NULL;
}

static struct fault_decision kill(enum fault_kill why, uint64_t page, const struct region *r)
{
    return (struct fault_decision){FAULT_KILL, why, page, 0, r};
}

static struct fault_decision act(enum fault_action action, uint64_t page, unsigned flags,
                                 const struct region *r)
{
    return (struct fault_decision){action, KILL_NONE, page, flags, r};
}

struct fault_decision region_resolve(const struct region_set *set, uint64_t addr,
                                     uint64_t error_code)
{
    uint64_t page = PAGE_ALIGN_DOWN(addr);
    bool present = error_code & PF_ERR_PRESENT, write = error_code & PF_ERR_WRITE;
    bool user = error_code & PF_ERR_USER, fetch = error_code & PF_ERR_FETCH;

    /* First where the address is: each place has its own reason. */
    if (addr >= VMM_USER_END)
        return kill(KILL_KERNEL_ADDRESS, page, NULL);
    if (addr < USER_IMAGE_MIN)
        return kill(KILL_NULL, page, NULL);
    const struct region *r = region_find(set, addr);
    if (!r)
        return kill(present ? KILL_ACCESS : KILL_OUTSIDE, page, NULL);
    if (r->purpose == REGION_GUARD)
        return kill(KILL_GUARD, page, r);

    /* Then whether the region allows this access at all. */
    if (user && !(r->flags & VMM_USER))
        return kill(KILL_ACCESS, page, r);
    if (fetch && !(r->flags & VMM_EXEC))
        return kill(KILL_NX, page, r);
    if (write && !(r->flags & VMM_WRITE))
        return kill(KILL_READ_ONLY, page, r);

    /* Allowed, so the page is missing or is the shared zero page: the policy says which. */
    if (present) {
        if (r->policy == REGION_ZERO_PAGE && write)
            return act(FAULT_COPY_ZERO_PAGE, page, r->flags, r);
        return kill(KILL_ACCESS, page, r); /* present and allowed: nothing to back */
    }
    switch (r->policy) {
    case REGION_DEMAND:
        return act(FAULT_BACK_ZEROED, page, r->flags, r);
    case REGION_ZERO_PAGE:
        /* A write needs its own frame anyway: mapping the zero page first would fault again. */
        if (write)
            return act(FAULT_BACK_ZEROED, page, r->flags, r);
        return act(FAULT_MAP_ZERO_PAGE, page, r->flags & ~VMM_WRITE, r);
    default:
        return kill(KILL_NOT_BACKED, page, r);
    }
}

const char *fault_kill_text(enum fault_kill why)
{
    switch (why) {
    case KILL_NONE:
        return "not a kill";
    case KILL_NULL:
        return "a NULL pointer: nothing is mapped below 0x400000";
    case KILL_KERNEL_ADDRESS:
        return "a kernel address: ring 3 may not touch the upper half";
    case KILL_GUARD:
        return "stack overflow: the address is in the guard below the user stack";
    case KILL_OUTSIDE:
        return "nothing is mapped there";
    case KILL_NX:
        return "executing memory that is not executable (NX)";
    case KILL_READ_ONLY:
        return "writing memory that is read-only (code or constants)";
    case KILL_ACCESS:
        return "the page does not allow this access";
    case KILL_NOT_BACKED:
        return "nothing is mapped there (a page of an immediate region is missing)";
    }
    return "unknown reason";
}

static const char *const policy_names[] = {"immediate", "demand", "zero-page"};
static const char *const purpose_names[] = {"image", "bss", "heap", "stack", "guard"};

const char *region_policy_name(enum region_policy policy)
{
    return (unsigned)policy < 3 ? policy_names[policy] : "unknown";
}

bool region_policy_parse(const char *word, enum region_policy *out)
{
    for (unsigned i = 0; i < 3; i++) {
        if (!strcmp(word, policy_names[i])) {
            *out = (enum region_policy)i;
            return true;
        }
    }
    return false;
}

const char *region_purpose_name(enum region_purpose purpose)
{
    return (unsigned)purpose < 5 ? purpose_names[purpose] : "unknown";
}
