/*
 * tests/test_region.c - host unit tests for a process's regions and the
 * page-fault decision (src/mm/region.c).
 *
 * First the set: what region_add refuses (and that a refusal changes
 * nothing), and region_find at every edge. Then region_resolve case by case:
 * each kill reason, each action, for ring 3 and for the kernel's own touches.
 * Last a random model: a simulated CPU and page table over random regions,
 * where every access either is illegal (and the decision kills it with the
 * right reason) or is legal and stops faulting after at most two decisions,
 * with the shared zero page never made writable and frames counted.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "arch/x86_64/trap.h"
#include "kiln/syscall.h"
#include "mm/layout.h"
#include "mm/region.h"
#include "mm/vmm.h"

#define BASE 0x1000000ULL /* above USER_IMAGE_MIN */
#define RW (VMM_USER | VMM_WRITE)
#define RX (VMM_USER | VMM_EXEC)

static struct region reg(uint64_t start, uint64_t pages, unsigned flags, enum region_policy policy,
                         enum region_purpose purpose)
{
    return (struct region){start, pages * PAGE_SIZE, flags, policy, purpose};
}

static void expect_add(struct region_set *set, struct region r, int want)
{
    struct region_set before = *set;
    int got = region_add(set, &r);
    if (got != want)
        fail_msg("region_add(start %#llx, length %#llx): expected %d, got %d",
                 (unsigned long long)r.start, (unsigned long long)r.length, want, got);
    if (want != REGION_OK && memcmp(&before, set, sizeof(before)) != 0)
        fail_msg("region_add(start %#llx) refused with %d but changed the set",
                 (unsigned long long)r.start, got);
}

static void test_add_refuses_bad_regions(void **state)
{
    (void)state;
    static struct region_set set;
    region_set_init(&set);
    expect_add(&set, reg(BASE, 0, RW, REGION_DEMAND, REGION_HEAP), REGION_ERR_BAD);
    expect_add(&set, (struct region){BASE + 1, PAGE_SIZE, RW, REGION_DEMAND, REGION_HEAP},
               REGION_ERR_BAD);
    expect_add(&set, (struct region){BASE, PAGE_SIZE + 8, RW, REGION_DEMAND, REGION_HEAP},
               REGION_ERR_BAD);
    expect_add(&set, reg(VMM_USER_END - PAGE_SIZE, 2, RW, REGION_DEMAND, REGION_HEAP),
               REGION_ERR_BAD);
    expect_add(&set, reg(VMM_USER_END, 1, RW, REGION_DEMAND, REGION_HEAP), REGION_ERR_BAD);
    expect_add(&set, (struct region){BASE, 0ULL - BASE, RW, REGION_DEMAND, REGION_HEAP},
               REGION_ERR_BAD);
    /* The last page of the user half is a valid region. */
    expect_add(&set, reg(VMM_USER_END - PAGE_SIZE, 1, RW, REGION_DEMAND, REGION_HEAP), REGION_OK);
    assert_int_equal(1, set.count);
}

static void test_add_refuses_overlaps_keeps_order(void **state)
{
    (void)state;
    static struct region_set set;
    region_set_init(&set);
    expect_add(&set, reg(BASE + 8 * PAGE_SIZE, 4, RW, REGION_DEMAND, REGION_HEAP), REGION_OK);
    expect_add(&set, reg(BASE, 4, RX, REGION_IMMEDIATE, REGION_IMAGE), REGION_OK);
    expect_add(&set, reg(BASE + 20 * PAGE_SIZE, 1, RW, REGION_ZERO_PAGE, REGION_BSS), REGION_OK);
    /* Overlapping the left end, the right end, inside, around. */
    expect_add(&set, reg(BASE + 6 * PAGE_SIZE, 3, RW, REGION_DEMAND, REGION_HEAP),
               REGION_ERR_OVERLAP);
    expect_add(&set, reg(BASE + 11 * PAGE_SIZE, 3, RW, REGION_DEMAND, REGION_HEAP),
               REGION_ERR_OVERLAP);
    expect_add(&set, reg(BASE + 9 * PAGE_SIZE, 1, RW, REGION_DEMAND, REGION_HEAP),
               REGION_ERR_OVERLAP);
    expect_add(&set, reg(BASE + 7 * PAGE_SIZE, 10, RW, REGION_DEMAND, REGION_HEAP),
               REGION_ERR_OVERLAP);
    /* Touching both neighbours exactly is fine. */
    expect_add(&set, reg(BASE + 4 * PAGE_SIZE, 4, RW, REGION_DEMAND, REGION_STACK), REGION_OK);
    assert_int_equal(4, set.count);
    for (unsigned i = 1; i < set.count; i++)
        if (set.r[i - 1].start + set.r[i - 1].length > set.r[i].start)
            fail_msg("regions %u and %u are out of order or overlap", i - 1, i);
}

static void test_add_refuses_when_full(void **state)
{
    (void)state;
    static struct region_set set;
    region_set_init(&set);
    for (unsigned i = 0; i < REGION_MAX; i++)
        expect_add(&set, reg(BASE + 2 * i * PAGE_SIZE, 1, RW, REGION_DEMAND, REGION_HEAP),
                   REGION_OK);
    expect_add(&set, reg(BASE - 2 * PAGE_SIZE, 1, RW, REGION_DEMAND, REGION_HEAP), REGION_ERR_FULL);
}

static void test_remove_exact_ranges_only(void **state)
{
    (void)state;
    static struct region_set set;
    region_set_init(&set);
    expect_add(&set, reg(BASE, 4, RX, REGION_IMMEDIATE, REGION_IMAGE), REGION_OK);
    expect_add(&set, reg(BASE + 8 * PAGE_SIZE, 4, RW, REGION_DEMAND, REGION_HEAP), REGION_OK);
    expect_add(&set, reg(BASE + 20 * PAGE_SIZE, 1, RW, REGION_DEMAND, REGION_STACK), REGION_OK);
    struct region_set before = set;
    /* Not a region's start, a start with the wrong length, nothing at all: refused, unchanged. */
    assert_int_equal(REGION_ERR_BAD, region_remove(&set, BASE + 9 * PAGE_SIZE, 3 * PAGE_SIZE));
    assert_int_equal(REGION_ERR_BAD, region_remove(&set, BASE + 8 * PAGE_SIZE, 2 * PAGE_SIZE));
    assert_int_equal(REGION_ERR_BAD, region_remove(&set, BASE + 40 * PAGE_SIZE, PAGE_SIZE));
    if (memcmp(&before, &set, sizeof(set)) != 0)
        fail_msg("a refused region_remove changed the set");
    /* The middle one goes; the others stay in order and are still found. */
    assert_int_equal(REGION_OK, region_remove(&set, BASE + 8 * PAGE_SIZE, 4 * PAGE_SIZE));
    assert_int_equal(2, set.count);
    assert_null(region_find(&set, BASE + 8 * PAGE_SIZE));
    assert_non_null(region_find(&set, BASE));
    assert_non_null(region_find(&set, BASE + 20 * PAGE_SIZE));
    /* The range can be added again (a heap arena given back, then grown again). */
    expect_add(&set, reg(BASE + 8 * PAGE_SIZE, 4, RW, REGION_DEMAND, REGION_HEAP), REGION_OK);
    assert_int_equal(3, set.count);
}

static void test_find_at_every_edge(void **state)
{
    (void)state;
    static struct region_set set;
    region_set_init(&set);
    assert_null(region_find(&set, BASE));
    expect_add(&set, reg(BASE, 2, RX, REGION_IMMEDIATE, REGION_IMAGE), REGION_OK);
    expect_add(&set, reg(BASE + 4 * PAGE_SIZE, 3, RW, REGION_DEMAND, REGION_HEAP), REGION_OK);
    assert_null(region_find(&set, BASE - 1));
    assert_ptr_equal(&set.r[0], region_find(&set, BASE));
    assert_ptr_equal(&set.r[0], region_find(&set, BASE + 2 * PAGE_SIZE - 1));
    assert_null(region_find(&set, BASE + 2 * PAGE_SIZE));
    assert_null(region_find(&set, BASE + 4 * PAGE_SIZE - 1));
    assert_ptr_equal(&set.r[1], region_find(&set, BASE + 4 * PAGE_SIZE));
    assert_ptr_equal(&set.r[1], region_find(&set, BASE + 7 * PAGE_SIZE - 1));
    assert_null(region_find(&set, BASE + 7 * PAGE_SIZE));
    assert_null(region_find(&set, UINT64_MAX));
}

/* ---- region_resolve, case by case ---------------------------------------------- */

static struct region_set layout;

/* image RX | data RW immediate | bss zero-page | heap demand | kernel-only | guard | stack */
#define IMG 0x400000ULL
#define DATA 0x402000ULL
#define BSS 0x403000ULL
#define HEAP 0x10000000ULL
#define KONLY 0x10100000ULL
#define GUARD 0x7fff00000000ULL
#define STACK 0x7fff00100000ULL

static int setup_layout(void **state)
{
    (void)state;
    region_set_init(&layout);
    const struct region rs[] = {
        reg(IMG, 2, RX, REGION_IMMEDIATE, REGION_IMAGE),
        reg(DATA, 1, RW, REGION_IMMEDIATE, REGION_IMAGE),
        reg(BSS, 16, RW, REGION_ZERO_PAGE, REGION_BSS),
        reg(HEAP, 64, RW, REGION_DEMAND, REGION_HEAP),
        reg(KONLY, 1, VMM_WRITE, REGION_DEMAND, REGION_HEAP),
        reg(GUARD, 256, 0, REGION_IMMEDIATE, REGION_GUARD),
        reg(STACK, 16, RW, REGION_DEMAND, REGION_STACK),
    };
    for (size_t i = 0; i < sizeof(rs) / sizeof(rs[0]); i++)
        assert_int_equal(REGION_OK, region_add(&layout, &rs[i]));
    return 0;
}

static void expect_kill(uint64_t addr, uint64_t err, enum fault_kill why)
{
    struct fault_decision d = region_resolve(&layout, addr, err);
    if (d.action != FAULT_KILL || d.why != why)
        fail_msg("fault at %#llx, error %#llx: expected a kill for \"%s\", got action %d (%s)",
                 (unsigned long long)addr, (unsigned long long)err, fault_kill_text(why), d.action,
                 fault_kill_text(d.why));
}

static void expect_action(uint64_t addr, uint64_t err, enum fault_action action, unsigned flags)
{
    struct fault_decision d = region_resolve(&layout, addr, err);
    if (d.action != action || d.why != KILL_NONE)
        fail_msg("fault at %#llx, error %#llx: expected action %d, got action %d (%s)",
                 (unsigned long long)addr, (unsigned long long)err, action, d.action,
                 fault_kill_text(d.why));
    assert_int_equal(PAGE_ALIGN_DOWN(addr), d.page);
    assert_int_equal(flags, d.flags);
}

#define U PF_ERR_USER
#define W PF_ERR_WRITE
#define P PF_ERR_PRESENT
#define F PF_ERR_FETCH

static void test_resolve_kills_with_named_reasons(void **state)
{
    (void)state;
    expect_kill(0, U, KILL_NULL);
    expect_kill(USER_IMAGE_MIN - 1, U | W, KILL_NULL);
    expect_kill(VMM_USER_END, U, KILL_KERNEL_ADDRESS);
    expect_kill(0xffffffff80100000ULL, U | F, KILL_KERNEL_ADDRESS);
    expect_kill(HEAP - 1, U, KILL_OUTSIDE);
    expect_kill(HEAP - 1, U | P, KILL_ACCESS); /* present outside every region: not ours */
    expect_kill(GUARD, U | W, KILL_GUARD);
    expect_kill(STACK - 1, U | W, KILL_GUARD);
    expect_kill(IMG, U | W | P, KILL_READ_ONLY);
    expect_kill(HEAP + 8, U | F, KILL_NX); /* not present yet: still never executable */
    expect_kill(STACK, U | F | P, KILL_NX);
    expect_kill(KONLY, U, KILL_ACCESS);    /* kernel-only page in the user half */
    expect_kill(DATA, U, KILL_NOT_BACKED); /* an immediate page went missing */
    expect_kill(HEAP, U | P, KILL_ACCESS); /* present, allowed: nothing to do */
    expect_kill(BSS, U | P, KILL_ACCESS);  /* a read of the zero page cannot fault */
}

static void test_resolve_backs_demand_and_zero_pages(void **state)
{
    (void)state;
    expect_action(HEAP + 0x1234, U, FAULT_BACK_ZEROED, RW);
    expect_action(HEAP + 0x1234, U | W, FAULT_BACK_ZEROED, RW);
    expect_action(STACK + 16 * PAGE_SIZE - 8, U | W, FAULT_BACK_ZEROED, RW);
    expect_action(BSS + 5 * PAGE_SIZE + 7, U, FAULT_MAP_ZERO_PAGE, VMM_USER);
    expect_action(BSS, U | W, FAULT_BACK_ZEROED, RW);
    expect_action(BSS + 15 * PAGE_SIZE, U | W | P, FAULT_COPY_ZERO_PAGE, RW);
    /* The kernel's own touches (a system call writing the heap): judged alike. */
    expect_action(HEAP, W, FAULT_BACK_ZEROED, RW);
    expect_action(KONLY, W, FAULT_BACK_ZEROED, VMM_WRITE);
    expect_action(BSS, W | P, FAULT_COPY_ZERO_PAGE, RW);
}

static void test_kill_texts_are_distinct(void **state)
{
    (void)state;
    for (int a = KILL_NONE; a <= KILL_NOT_BACKED; a++)
        for (int b = a + 1; b <= KILL_NOT_BACKED; b++)
            if (!strcmp(fault_kill_text(a), fault_kill_text(b)))
                fail_msg("reasons %d and %d have the same words: %s", a, b, fault_kill_text(a));
    enum region_policy p;
    assert_true(region_policy_parse("zero-page", &p));
    assert_int_equal(REGION_ZERO_PAGE, p);
    assert_false(region_policy_parse("lazy", &p));
    assert_string_equal("demand", region_policy_name(REGION_DEMAND));
    assert_string_equal("guard", region_purpose_name(REGION_GUARD));
}

/* ---- a random model --------------------------------------------------------------- */

#define MODEL_PAGES 512 /* the model's window of the user half: BASE .. BASE + 2 MiB */

enum page_state { ABSENT, ZERO, OWN };

struct model {
    struct region_set set;
    struct region naive[REGION_MAX]; /* the same regions, unsorted */
    unsigned naive_count;
    enum page_state page[MODEL_PAGES];
    unsigned page_flags[MODEL_PAGES];
    unsigned frames; /* frames taken (the zero page is not one) */
};

static uint64_t rng_state;

static uint64_t rnd(uint64_t n)
{
    rng_state = rng_state * 6364136223846793005ULL + 1442695040888963407ULL;
    return (rng_state >> 33) % n;
}

static const struct region *naive_find(const struct model *m, uint64_t addr)
{
    for (unsigned i = 0; i < m->naive_count; i++)
        if (addr >= m->naive[i].start && addr - m->naive[i].start < m->naive[i].length)
            return &m->naive[i];
    return NULL;
}

static void model_add_random(struct model *m)
{
    uint64_t first = rnd(MODEL_PAGES), pages = 1 + rnd(24);
    unsigned flags =
        (unsigned)(rnd(2) ? VMM_USER : 0) | (rnd(2) ? VMM_WRITE : 0) | (rnd(4) == 0 ? VMM_EXEC : 0);
    struct region r = reg(BASE + first * PAGE_SIZE, pages, flags, (enum region_policy)rnd(3),
                          (enum region_purpose)rnd(5));
    bool overlaps = false;
    for (unsigned i = 0; i < m->naive_count; i++)
        if (r.start < m->naive[i].start + m->naive[i].length &&
            m->naive[i].start < r.start + r.length)
            overlaps = true;
    int want = overlaps                       ? REGION_ERR_OVERLAP
               : m->naive_count == REGION_MAX ? REGION_ERR_FULL
                                              : REGION_OK;
    expect_add(&m->set, r, want);
    if (want != REGION_OK)
        return;
    m->naive[m->naive_count++] = r;
    /* Immediate regions are backed now, as the loader does. */
    for (uint64_t p = first; p < first + pages && p < MODEL_PAGES; p++) {
        if (r.policy == REGION_IMMEDIATE && r.purpose != REGION_GUARD) {
            m->page[p] = OWN;
            m->page_flags[p] = flags;
            m->frames++;
        }
    }
}

/* What the CPU does: the error code of the fault this access takes, or -1 for none. */
static int64_t cpu_access(const struct model *m, unsigned p, bool user, bool write, bool fetch)
{
    uint64_t err =
        (user ? PF_ERR_USER : 0) | (write ? PF_ERR_WRITE : 0) | (fetch ? PF_ERR_FETCH : 0);
    if (m->page[p] == ABSENT)
        return (int64_t)err;
    unsigned f = m->page_flags[p];
    if ((user && !(f & VMM_USER)) || (write && !(f & VMM_WRITE)) || (fetch && !(f & VMM_EXEC)))
        return (int64_t)(err | PF_ERR_PRESENT);
    return -1;
}

/* Is the access one the regions promise? (Written apart from region_resolve.) */
static bool legal(const struct region *r, bool user, bool write, bool fetch)
{
    return r && r->purpose != REGION_GUARD && (!user || (r->flags & VMM_USER)) &&
           (!write || (r->flags & VMM_WRITE)) && (!fetch || (r->flags & VMM_EXEC));
}

static void model_access(struct model *m)
{
    unsigned p = (unsigned)rnd(MODEL_PAGES);
    uint64_t addr = BASE + p * PAGE_SIZE + rnd(PAGE_SIZE);
    bool user = rnd(2), write = rnd(2), fetch = !write && rnd(4) == 0;
    const struct region *r = naive_find(m, addr);
    const struct region *found = region_find(&m->set, addr);
    if ((r == NULL) != (found == NULL) || (r && found->start != r->start))
        fail_msg("region_find(%#llx) disagrees with a linear search", (unsigned long long)addr);

    for (int round = 0;; round++) {
        int64_t err = cpu_access(m, p, user, write, fetch);
        if (err < 0)
            return; /* the access went through */
        if (round == 2)
            fail_msg("access at %#llx (user %d write %d fetch %d) still faults after two "
                     "decisions",
                     (unsigned long long)addr, user, write, fetch);
        struct fault_decision d = region_resolve(&m->set, addr, (uint64_t)err);
        if (d.action == FAULT_KILL) {
            if (legal(r, user, write, fetch) && !(err & PF_ERR_PRESENT) &&
                r->policy != REGION_IMMEDIATE)
                fail_msg("a legal access at %#llx to a %s region was killed: %s",
                         (unsigned long long)addr, region_policy_name(r->policy),
                         fault_kill_text(d.why));
            if (!legal(r, user, write, fetch) && r && r->purpose == REGION_GUARD &&
                d.why != KILL_GUARD)
                fail_msg("a guard-page access at %#llx was killed for \"%s\"",
                         (unsigned long long)addr, fault_kill_text(d.why));
            return;
        }
        if (!legal(r, user, write, fetch))
            fail_msg("an access at %#llx the regions do not allow was granted action %d",
                     (unsigned long long)addr, d.action);
        assert_int_equal(PAGE_ALIGN_DOWN(addr), d.page);
        switch (d.action) {
        case FAULT_BACK_ZEROED:
            if (m->page[p] != ABSENT)
                fail_msg("back a page that is already mapped at %#llx", (unsigned long long)addr);
            m->page[p] = OWN;
            m->frames++;
            break;
        case FAULT_MAP_ZERO_PAGE:
            if (m->page[p] != ABSENT || (d.flags & VMM_WRITE) || r->policy != REGION_ZERO_PAGE)
                fail_msg("the zero page mapped wrongly at %#llx (flags %#x)",
                         (unsigned long long)addr, d.flags);
            m->page[p] = ZERO;
            break;
        case FAULT_COPY_ZERO_PAGE:
            if (m->page[p] != ZERO || !write)
                fail_msg("copy-on-write of a page that is not the zero page at %#llx",
                         (unsigned long long)addr);
            m->page[p] = OWN;
            m->frames++;
            break;
        default:
            fail_msg("unknown action %d", d.action);
        }
        m->page_flags[p] = d.flags;
    }
}

static void test_random_model(void **state)
{
    (void)state;
    static struct model m;
    for (uint64_t seed = 1; seed <= 40; seed++) {
        memset(&m, 0, sizeof(m));
        region_set_init(&m.set);
        rng_state = seed;
        for (int i = 0; i < 4000; i++) {
            if (rnd(20) == 0)
                model_add_random(&m);
            else
                model_access(&m);
        }
        /* Bookkeeping: the frames taken are exactly the pages that own one. */
        unsigned own = 0;
        for (unsigned p = 0; p < MODEL_PAGES; p++) {
            own += m.page[p] == OWN;
            if (m.page[p] == ZERO && (m.page_flags[p] & VMM_WRITE))
                fail_msg("seed %llu: the zero page is writable at page %u",
                         (unsigned long long)seed, p);
        }
        assert_int_equal(own, m.frames);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_add_refuses_bad_regions),
        cmocka_unit_test(test_add_refuses_overlaps_keeps_order),
        cmocka_unit_test(test_add_refuses_when_full),
        cmocka_unit_test(test_remove_exact_ranges_only),
        cmocka_unit_test(test_find_at_every_edge),
        cmocka_unit_test_setup(test_resolve_kills_with_named_reasons, setup_layout),
        cmocka_unit_test_setup(test_resolve_backs_demand_and_zero_pages, setup_layout),
        cmocka_unit_test(test_kill_texts_are_distinct),
        cmocka_unit_test(test_random_model),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
