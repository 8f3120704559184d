/*
 * tests/vmm_model.h - the randomized test of the VMM: random calls checked
 * against a per-page model. Included by tests/test_vmm.c only.
 *
 * Thousands of random vmm_alloc/vmm_free/vmm_map/vmm_unmap/vmm_protect calls
 * on ranges in three zones of a user space, each checked against a plain
 * per-page model: the return code (including VMM_ERR_NO_MEMORY, since the
 * RAM is small), owned_pages, table_pages (the model counts the PTs, PDs and
 * PDPTs its pages need) and the PMM's free bytes after every call, and every
 * page's translation now and then. Allocated frames carry a tag (their
 * virtual address) that must survive until they are freed.
 */
#ifndef KILN_TESTS_VMM_MODEL_H
#define KILN_TESTS_VMM_MODEL_H

#include "vmm_harness.h"

#define MODEL_RAM (6 * MiB)
#define MODEL_FREE_FRAMES 200
#define MODEL_OPS 3000

static const struct {
    uint64_t va, pages;
} zones[] = {
    {GiB - 3 * MiB, 1536},                 /* 2 MiB PT boundaries and the 1 GiB PD boundary */
    {PML4_SPAN - MiB, 512},                /* the 512 GiB PDPT boundary */
    {VMM_USER_END - 256 * PAGE_SIZE, 256}, /* the top of the user half */
};
#define NZONES (sizeof(zones) / sizeof(zones[0]))
#define MODEL_PAGES (1536 + 512 + 256)
#define LARGE_PAGES_PER (LARGE_PAGE_SIZE / PAGE_SIZE)

enum page_state { PAGE_FREE, PAGE_ALLOCATED, PAGE_MAPPED };

struct model_page {
    uint64_t va;
    enum page_state state;
    bool large;         /* part of a 2 MiB page */
    size_t large_first; /* if large: the index of the 2 MiB page's first 4 KiB */
    unsigned flags;     /* VMM_* flags, VMM_LARGE excluded */
    uint64_t pa;        /* where this 4 KiB leads */
};

static struct {
    struct model_page page[MODEL_PAGES];
    size_t zone_first[NZONES];
    uint64_t owned;
    bool frame_used[MODEL_RAM / PAGE_SIZE];
    uint64_t free_start;     /* PMM free bytes with the empty space created */
    unsigned results[3][16]; /* [succeeded?][-err] counts, for the summary */
} model;

static void model_init(void)
{
    memset(&model, 0, sizeof(model));
    size_t i = 0;
    for (size_t z = 0; z < NZONES; z++) {
        model.zone_first[z] = i;
        for (uint64_t p = 0; p < zones[z].pages; p++)
            model.page[i++].va = zones[z].va + p * PAGE_SIZE;
    }
    EXPECT_EQ(i, MODEL_PAGES);
}

/* Table pages the model's mappings need: PML4 + PDPTs + PDs + PTs. Pages are
 * in ascending address order, so equal groups are consecutive. */
static uint64_t model_tables(void)
{
    uint64_t tables = 1, last_pt = UINT64_MAX, last_pd = UINT64_MAX, last_pdpt = UINT64_MAX;
    for (size_t i = 0; i < MODEL_PAGES; i++) {
        const struct model_page *p = &model.page[i];
        if (p->state == PAGE_FREE)
            continue;
        if (!p->large && p->va >> 21 != last_pt) {
            last_pt = p->va >> 21;
            tables++;
        }
        if (p->va >> 30 != last_pd) {
            last_pd = p->va >> 30;
            tables++;
        }
        if (p->va >> 39 != last_pdpt) {
            last_pdpt = p->va >> 39;
            tables++;
        }
    }
    return tables;
}

/* What check_mapped should say about [first, first+n). */
static int model_check_mapped(size_t first, size_t n, bool need_owned)
{
    for (size_t i = first; i < first + n;) {
        const struct model_page *p = &model.page[i];
        if (p->state == PAGE_FREE)
            return VMM_ERR_NOT_MAPPED;
        size_t start = p->large ? p->large_first : i, len = p->large ? LARGE_PAGES_PER : 1;
        if (start < first || start + len > first + n)
            return VMM_ERR_SPLITS_LARGE;
        if (need_owned && p->state != PAGE_ALLOCATED)
            return VMM_ERR_NOT_OWNED;
        i = start + len;
    }
    return VMM_OK;
}

static bool model_all_free(size_t first, size_t n)
{
    for (size_t i = first; i < first + n; i++)
        if (model.page[i].state != PAGE_FREE)
            return false;
    return true;
}

static size_t frame_index(uint64_t pa)
{
    if (pa < m.base || pa - m.base >= m.size)
        FAIL("vmm_alloc mapped %s, outside the simulated RAM", hex(pa));
    return (pa - m.base) / PAGE_SIZE;
}

static void check_tag(const struct model_page *p)
{
    const uint64_t *words = (const uint64_t *)ram_ptr(p->pa);
    if (words[0] != p->va || words[PAGE_SIZE / 8 - 1] != ~p->va)
        FAIL("the frame %s of %s lost its tag: %s/%s", hex(p->pa), hex(p->va), hex(words[0]),
             hex(words[PAGE_SIZE / 8 - 1]));
}

static void model_check_all(const struct address_space *as)
{
    for (size_t i = 0; i < MODEL_PAGES; i++) {
        const struct model_page *p = &model.page[i];
        uint64_t offset = next_random() % PAGE_SIZE;
        if (p->state == PAGE_FREE) {
            assert_not_mapped(as, p->va + offset);
            continue;
        }
        unsigned flags = expected_flags(p->flags, m.vmm.nx) | (p->large ? VMM_LARGE : 0);
        assert_translates(as, p->va + offset, p->pa + offset, flags,
                          p->large ? LARGE_PAGE_SIZE : PAGE_SIZE);
        if (p->state == PAGE_ALLOCATED)
            check_tag(p);
    }
    check_tables(as);
}

static unsigned random_flags(void)
{
    static const unsigned bits[] = {VMM_WRITE, VMM_EXEC, VMM_USER, VMM_NOCACHE};
    unsigned f = 0;
    for (int i = 0; i < 4; i++)
        if (next_random() % 2)
            f |= bits[i];
    return f;
}

/* A random range inside one zone: [*first, *first + *n) in model indexes. */
static void random_range(size_t *first, size_t *n, bool prefer_mapped)
{
    size_t z = 0;
    uint64_t pick = next_random() % MODEL_PAGES; /* zones weighted by their size */
    while (pick >= zones[z].pages)
        pick -= zones[z++].pages;
    size_t zone_first = model.zone_first[z], zone_end = zone_first + zones[z].pages;
    size_t start = zone_first + next_random() % zones[z].pages;
    uint64_t r = next_random() % 10;
    size_t len = r < 6   ? 1 + next_random() % 8
                 : r < 9 ? 1 + next_random() % 64
                         : 1 + next_random() % 600;
    if (prefer_mapped && next_random() % 10 < 6) {
        /* Start at a mapped page and take whole mapped pages: mostly valid ranges. */
        while (start < zone_end && model.page[start].state == PAGE_FREE)
            start++;
        if (start == zone_end)
            start = zone_first + next_random() % zones[z].pages;
        else if (model.page[start].large)
            start = model.page[start].large_first;
        size_t k = 0;
        while (start + k < zone_end && model.page[start + k].state != PAGE_FREE && k < len)
            k += model.page[start + k].large ? LARGE_PAGES_PER : 1;
        if (k)
            len = k;
    }
    if (start + len > zone_end)
        len = zone_end - start;
    *first = start;
    *n = len;
}

/* Run one VMM call; check its result against the model's and that a failure changed nothing. */
static bool model_call(const struct address_space *as, const char *what, int got, int expected,
                       const struct snapshot *before)
{
    if (got != expected)
        FAIL("%s: expected %d (%s), got %d (%s)", what, expected, vmm_strerror(expected), got,
             vmm_strerror(got));
    model.results[got == VMM_OK][-got]++;
    if (got != VMM_OK)
        assert_unchanged(as, before, what);
    return got == VMM_OK;
}

static void model_op_alloc(struct address_space *as, size_t first, size_t n, char *what)
{
    unsigned flags = random_flags() | (next_random() % 8 == 0 ? VMM_LARGE : 0);
    snprintf(what, 160, "vmm_alloc(%s, vaddr(%zu pages), %#x)", hex(model.page[first].va), n,
             flags);
    int expected = VMM_OK;
    if (!model_all_free(first, n)) {
        expected = VMM_ERR_ALREADY_MAPPED;
    } else {
        uint64_t tables = model_tables();
        for (size_t i = first; i < first + n; i++)
            model.page[i].state = PAGE_ALLOCATED;
        uint64_t needed = n + model_tables() - tables;
        if (free_bytes() < needed * PAGE_SIZE) {
            expected = VMM_ERR_NO_MEMORY;
            for (size_t i = first; i < first + n; i++)
                model.page[i].state = PAGE_FREE;
        }
    }
    struct snapshot before = snapshot(as);
    if (!model_call(as, what, vmm_alloc(as, vaddr(model.page[first].va), n * PAGE_SIZE, flags),
                    expected, &before))
        return;
    for (size_t i = first; i < first + n; i++) {
        struct model_page *p = &model.page[i];
        EXPECT_OK(translate(as, vaddr(p->va), &p->pa, NULL, NULL));
        size_t f = frame_index(p->pa);
        if (model.frame_used[f])
            FAIL("%s: page %s got the frame %s, which is in use", what, hex(p->va), hex(p->pa));
        model.frame_used[f] = true;
        if (!frame_is_zero(p->pa))
            FAIL("%s: the frame %s is not zeroed", what, hex(p->pa));
        uint64_t *words = (uint64_t *)ram_ptr(p->pa);
        words[0] = p->va;
        words[PAGE_SIZE / 8 - 1] = ~p->va;
        p->flags = flags & ~VMM_LARGE;
        p->large = false;
    }
    model.owned += n;
}

/* vmm_map of [first, first+n) to pa, or with VMM_LARGE near a 2 MiB boundary of zone 0. */
static void model_op_map(struct address_space *as, size_t first, size_t n, uint64_t pa,
                         unsigned flags, char *what)
{
    snprintf(what, 160, "vmm_map(%s, vaddr(%s), paddr(%zu pages), %#x)", hex(model.page[first].va),
             hex(pa), n, flags);
    int expected = VMM_OK;
    if (!model_all_free(first, n)) {
        expected = VMM_ERR_ALREADY_MAPPED;
    } else {
        uint64_t tables = model_tables();
        /* Which pages become 2 MiB pages: the rule of vmm.h (1 GiB never fits a zone). */
        for (size_t i = first; i < first + n;) {
            uint64_t va = model.page[i].va;
            uint64_t p = pa + (i - first) * PAGE_SIZE;
            bool large = (flags & VMM_LARGE) && !((va | p) & (LARGE_PAGE_SIZE - 1)) &&
                         first + n - i >= LARGE_PAGES_PER;
            size_t len = large ? LARGE_PAGES_PER : 1;
            for (size_t k = i; k < i + len; k++)
                model.page[k] = (struct model_page){model.page[k].va,
                                                    PAGE_MAPPED,
                                                    large,
                                                    i,
                                                    flags & ~VMM_LARGE,
                                                    pa + (k - first) * PAGE_SIZE};
            i += len;
        }
        uint64_t needed = model_tables() - tables;
        if (free_bytes() < needed * PAGE_SIZE) {
            expected = VMM_ERR_NO_MEMORY;
            for (size_t i = first; i < first + n; i++)
                model.page[i] = (struct model_page){.va = model.page[i].va};
        }
    }
    struct snapshot before = snapshot(as);
    model_call(as, what, vmm_map(as, vaddr(model.page[first].va), paddr(pa), n * PAGE_SIZE, flags),
               expected, &before);
}

/* vmm_unmap (kind 0), vmm_free (1) or vmm_protect (2) of a range. */
static void model_op_remove_or_protect(struct address_space *as, size_t first, size_t n, int kind,
                                       char *what)
{
    unsigned flags = random_flags() | (next_random() % 8 == 0 ? VMM_LARGE : 0);
    static const char *const names[] = {"vmm_unmap", "vmm_free", "vmm_protect"};
    snprintf(what, 160, "%s(%s, %zu pages)", names[kind], hex(model.page[first].va), n);
    int expected = model_check_mapped(first, n, kind == 1);
    uint64_t va = model.page[first].va, size = n * PAGE_SIZE;
    /* The tags, while the frames are still ours (freeing writes a PMM run header). */
    for (size_t i = first; i < first + n; i++)
        if (model.page[i].state == PAGE_ALLOCATED)
            check_tag(&model.page[i]);
    struct snapshot before = snapshot(as);
    int got = kind == 0   ? vmm_unmap(as, vaddr(va), size)
              : kind == 1 ? vmm_free(as, vaddr(va), size)
                          : vmm_protect(as, vaddr(va), size, flags);
    if (!model_call(as, what, got, expected, &before))
        return;
    for (size_t i = first; i < first + n; i++) {
        struct model_page *p = &model.page[i];
        if (kind == 2) {
            p->flags = flags & ~VMM_LARGE;
            continue;
        }
        if (p->state == PAGE_ALLOCATED) {
            if (!pmm_is_free(&m.pmm, paddr(p->pa)))
                FAIL("%s: the frame %s of %s was not returned", what, hex(p->pa), hex(p->va));
            model.frame_used[frame_index(p->pa)] = false;
            model.owned--;
        }
        *p = (struct model_page){.va = p->va};
    }
}

static void check_counters(const struct address_space *as, const char *after);

/* Remove whatever is mapped in [first, first+n), whole pages at a time. */
static void model_clear(struct address_space *as, size_t first, size_t n, char *what)
{
    for (size_t i = first; i < first + n; i++) {
        struct model_page *p = &model.page[i];
        if (p->state == PAGE_FREE)
            continue;
        size_t start = p->large ? p->large_first : i, len = p->large ? LARGE_PAGES_PER : 1;
        model_op_remove_or_protect(as, start, len, p->state == PAGE_ALLOCATED ? 1 : 0, what);
        check_counters(as, what);
    }
}

/* A map that may use 2 MiB pages: from a few pages before a 2 MiB boundary of
 * zone 0, to a physical address at the same offset from a 2 MiB boundary. */
static void model_op_map_large(struct address_space *as, char *what)
{
    size_t aligned = next_random() % 2 ? 256 : 768, before = next_random() % 4;
    size_t first = aligned - before;
    size_t n = before + LARGE_PAGES_PER * (aligned == 256 && next_random() % 2 ? 2 : 1) +
               next_random() % 4;
    uint64_t pa = 64 * GiB + (next_random() % 16) * LARGE_PAGE_SIZE - before * PAGE_SIZE;
    if (next_random() % 2)
        model_clear(as, first, n, what);
    model_op_map(as, first, n, pa, random_flags() | VMM_LARGE, what);
}

static void check_counters(const struct address_space *as, const char *after)
{
    assert_field(after, "owned_pages (model)", model.owned, as->owned_pages);
    assert_field(after, "table_pages (model)", model_tables(), as->table_pages);
    assert_field(after, "PMM free bytes (model)",
                 model.free_start - (as->table_pages - 1 + as->owned_pages) * PAGE_SIZE,
                 free_bytes());
}

static void run_model(uint64_t seed, bool nx, bool gib_pages)
{
    machine_boot(MODEL_RAM, nx, gib_pages);
    EXPECT_OK(vmm_map(&m.kernel, vaddr(DIRECT_MAP_BASE), paddr(0), 4 * GiB, VMM_WRITE | VMM_LARGE));
    const uint64_t free0 = free_bytes();
    struct address_space as = new_space();
    /* Leave fewer frames than the zones have pages, so vmm_alloc runs out. */
    hoard_until(MODEL_FREE_FRAMES);
    model_init();
    model.free_start = free_bytes();
    rng_state = seed;
    char what[160];
    for (int op = 0; op < MODEL_OPS; op++) {
        set_context("seed %#llx, step %d", (unsigned long long)seed, op);
        size_t first, n;
        uint64_t r = next_random() % 100;
        random_range(&first, &n, r >= 55);
        if (r < 28)
            model_op_alloc(&as, first, n, what);
        else if (r < 48)
            model_op_map(&as, first, n, FAR_PA + (next_random() % (1u << 20)) * PAGE_SIZE,
                         random_flags(), what);
        else if (r < 55)
            model_op_map_large(&as, what);
        else
            model_op_remove_or_protect(&as, first, n, r < 75 ? 0 : r < 87 ? 1 : 2, what);
        check_counters(&as, what);
        if (op % 100 == 99)
            model_check_all(&as);
    }
    set_context("seed %#llx, after %d steps", (unsigned long long)seed, MODEL_OPS);
    model_check_all(&as);

    /* Every outcome must have happened, or the run tested less than it claims. */
    print_message("  seed %#llx: ok %u, already mapped %u, not mapped %u, splits %u, "
                  "not owned %u, no memory %u\n",
                  (unsigned long long)seed, model.results[1][0],
                  model.results[0][-VMM_ERR_ALREADY_MAPPED], model.results[0][-VMM_ERR_NOT_MAPPED],
                  model.results[0][-VMM_ERR_SPLITS_LARGE], model.results[0][-VMM_ERR_NOT_OWNED],
                  model.results[0][-VMM_ERR_NO_MEMORY]);
    const int errors[] = {VMM_ERR_ALREADY_MAPPED, VMM_ERR_NOT_MAPPED, VMM_ERR_SPLITS_LARGE,
                          VMM_ERR_NOT_OWNED, VMM_ERR_NO_MEMORY};
    for (int i = 0; i < 5; i++)
        if (model.results[0][-errors[i]] == 0)
            FAIL("the random run never got %s", vmm_strerror(errors[i]));
    assert_true(model.results[1][0] > MODEL_OPS / 5);

    /* Take everything away, page by page or large page by large page. */
    for (size_t i = 0; i < MODEL_PAGES; i++) {
        struct model_page *p = &model.page[i];
        if (p->state == PAGE_FREE)
            continue;
        size_t n = p->large ? LARGE_PAGES_PER : 1;
        if (p->state == PAGE_ALLOCATED)
            model_op_remove_or_protect(&as, i, n, 1, what);
        else
            model_op_remove_or_protect(&as, i, n, 0, what);
        check_counters(&as, what);
    }
    EXPECT_EQ(as.table_pages, 1);
    EXPECT_EQ(as.owned_pages, 0);
    EXPECT_EQ(free_bytes(), model.free_start);
    vmm_space_destroy(&as);
    hoard_release();
    EXPECT_EQ(free_bytes(), free0);
    machine_teardown(NULL);
}

#endif
