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

int region_remove(struct region_set *set, uint64_t start, uint64_t length)
{
    for (unsigned i = 0; i < set->count; i++) {
        if (set->r[i].start != start)
            continue;
        if (set->r[i].length != length)
            return REGION_ERR_BAD;
        memmove(&set->r[i], &set->r[i + 1], (set->count - i - 1) * sizeof(set->r[0]));
        set->count--;
        return REGION_OK;
    }
    return REGION_ERR_BAD;
}

const struct region *region_find(const struct region_set *set, uint64_t addr)
{
    /* LAB 6 BEGIN: the region holding addr: a binary search of the sorted regions */
    /* LAB 6 STUB: return NULL; */
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
    /* LAB 6 END */
}

struct fault_decision region_resolve(const struct region_set *set, uint64_t addr,
                                     uint64_t error_code)
{
    struct fault_decision d = {FAULT_KILL, KILL_OUTSIDE, PAGE_ALIGN_DOWN(addr), 0, NULL};
    /* LAB 6 BEGIN: where the address is, whether the region allows the access, then its policy */
    /* LAB 6 STUB: return d; */
    bool present = error_code & PF_ERR_PRESENT, write = error_code & PF_ERR_WRITE;
    bool user = error_code & PF_ERR_USER, fetch = error_code & PF_ERR_FETCH;

    /* First where the address is: each place has its own reason. */
    if (addr >= VMM_USER_END) {
        d.why = KILL_KERNEL_ADDRESS;
        return d;
    }
    if (addr < USER_IMAGE_MIN) {
        d.why = KILL_NULL;
        return d;
    }
    d.region = region_find(set, addr);
    const struct region *r = d.region;
    if (!r) {
        d.why = present ? KILL_ACCESS : KILL_OUTSIDE; /* present: a kernel-only page */
        return d;
    }

    /* Then whether the region allows this access at all. */
    if (r->purpose == REGION_GUARD)
        d.why = KILL_GUARD;
    else if (user && !(r->flags & VMM_USER))
        d.why = KILL_ACCESS;
    else if (fetch && !(r->flags & VMM_EXEC))
        d.why = KILL_NX;
    else if (write && !(r->flags & VMM_WRITE))
        d.why = KILL_READ_ONLY;
    else
        d.why = KILL_NONE;
    if (d.why != KILL_NONE)
        return d;

    /* Allowed, so the page is missing or is the shared zero page: the policy says which. */
    d.action = FAULT_BACK_ZEROED;
    d.flags = r->flags;
    if (present && r->policy == REGION_ZERO_PAGE && write)
        d.action = FAULT_COPY_ZERO_PAGE;
    else if (present)
        d.why = KILL_ACCESS; /* present and allowed: there is nothing to back */
    else if (r->policy == REGION_ZERO_PAGE && !write) {
        /* A write needs its own frame anyway: mapping the zero page first would fault again. */
        d.action = FAULT_MAP_ZERO_PAGE;
        d.flags = r->flags & ~VMM_WRITE;
    } else if (r->policy == REGION_IMMEDIATE)
        d.why = KILL_NOT_BACKED;
    if (d.why != KILL_NONE) {
        d.action = FAULT_KILL;
        d.flags = 0;
    }
    return d;
    /* LAB 6 END */
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
