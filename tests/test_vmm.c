/*
 * tests/test_vmm.c - host unit tests for the virtual memory manager.
 *
 * Each test boots a simulated machine (tests/vmm_harness.h): a buffer of RAM,
 * a PMM over it and a VMM whose page tables live in that RAM, so the tests
 * read the entries the CPU would read. The whole group runs twice, with RAM
 * at physical 0 and with RAM above 4 GiB, so no test depends on where the
 * frames are.
 *
 * The tests are grouped as the VMM's contract is: translations and entry
 * bits, large pages, permission changes, every error code (each failing call
 * must change nothing), rollback when the PMM runs dry, freeing empty tables,
 * vmm_alloc's frames, address spaces, walks and dumps, and a randomized run
 * checked against a model (tests/vmm_model.h).
 *
 * Messages name the call and give the expected and the actual value. After
 * any failing call the test compares a snapshot (PMM free bytes, table_pages,
 * owned_pages, a hash of every present entry) taken before it.
 */
#include "vmm_harness.h"
#include "vmm_model.h"

#define RAM_SIZE (16 * MiB)

/* vmm_walk of a mapped 4 KiB page, checked entry by entry against the RAM. */
static void check_walk_4k(const struct address_space *as, uint64_t va, uint64_t pa, pte_t leaf)
{
    struct vmm_walk w;
    vmm_walk(as, vaddr(va), &w);
    if (w.steps != 4 || !w.mapped)
        FAIL("vmm_walk(%s): expected 4 steps to a mapped page, got %d steps, mapped=%d", hex(va),
             w.steps, w.mapped);
    EXPECT_EQ(w.table[0].addr, as->pml4.addr);
    for (int s = 0; s < 4; s++) {
        int level = VMM_LEVELS - s;
        EXPECT_EQ(w.index[s], vmm_index(va, level));
        EXPECT_EQ(w.entry[s], entry_at(w.table[s].addr, w.index[s]));
        if (s < 3) {
            pte_t want = PTE_PRESENT | PTE_WRITE | (va < VMM_USER_END ? PTE_USER : 0);
            if ((w.entry[s] & ~PTE_ADDR_MASK) != want)
                FAIL("%s: %s entry %s: expected flag bits %s", hex(va), vmm_level_name(level),
                     hex(w.entry[s]), hex(want));
            EXPECT_EQ(w.table[s + 1].addr, w.entry[s] & PTE_ADDR_MASK);
        }
    }
    if (w.entry[3] != (pa | leaf))
        FAIL("%s: expected PT entry %s, got %s", hex(va), hex(pa | leaf), hex(w.entry[3]));
    EXPECT_EQ(w.phys.addr, pa + (va & (PAGE_SIZE - 1)));
    EXPECT_EQ(w.page_size, PAGE_SIZE);
}

/* ---- 4 KiB pages across table boundaries -------------------------------- */

struct boundary {
    const char *what;
    uint64_t va;     /* first page of a four-page range */
    uint64_t tables; /* table_pages while it is mapped, PML4 included */
    uint64_t kept;   /* table_pages after unmapping it (the kernel keeps its PDPTs) */
};

static const unsigned user_flag_sets[] = {
    0,
    VMM_WRITE,
    VMM_USER,
    VMM_EXEC,
    VMM_NOCACHE,
    VMM_WRITE | VMM_USER | VMM_EXEC,
    VMM_WRITE | VMM_USER | VMM_NOCACHE,
};

/* Is va (possibly wrapped) in the same half as `near`? */
static bool same_half(uint64_t va, uint64_t near)
{
    return vmm_is_canonical(va) && (va < VMM_USER_END) == (near < VMM_USER_END);
}

static void check_boundary(const struct boundary *b, bool user, bool nx)
{
    machine_boot(RAM_SIZE, nx, true);
    struct address_space space;
    struct address_space *as = &m.kernel;
    if (user) {
        space = new_space();
        as = &space;
    }
    const uint64_t pages = 4, size = pages * PAGE_SIZE;
    const uint64_t free0 = free_bytes(), tables0 = as->table_pages;
    for (size_t f = 0; f < sizeof(user_flag_sets) / sizeof(user_flag_sets[0]); f++) {
        unsigned flags = user_flag_sets[f];
        if (!user && (flags & VMM_USER))
            continue;
        set_context("4 pages across %s, %s half, nx=%d, flags %#x", b->what,
                    user ? "user" : "kernel", nx, flags);
        tlb_reset();
        EXPECT_OK(vmm_map(as, vaddr(b->va), paddr(FAR_PA), size, flags));
        assert_tlb(0, 0, "vmm_map into empty entries");
        EXPECT_EQ(as->table_pages, b->tables);
        EXPECT_EQ(free_bytes(), free0 - (b->tables - tables0) * PAGE_SIZE);
        check_tables(as);
        for (uint64_t i = 0; i < pages; i++) {
            uint64_t va = b->va + i * PAGE_SIZE;
            uint64_t pa = FAR_PA + i * PAGE_SIZE;
            assert_translates(as, va, pa, expected_flags(flags, nx), PAGE_SIZE);
            assert_translates(as, va + 0xABC, pa + 0xABC, expected_flags(flags, nx), PAGE_SIZE);
            assert_translates(as, va + 0xFFF, pa + 0xFFF, expected_flags(flags, nx), PAGE_SIZE);
            check_walk_4k(as, va + 0x123, pa, expected_leaf_bits(flags, nx));
        }
        if (same_half(b->va - PAGE_SIZE, b->va) && b->va - PAGE_SIZE < b->va)
            assert_not_mapped(as, b->va - PAGE_SIZE);
        if (same_half(b->va + size, b->va) && b->va + size > b->va)
            assert_not_mapped(as, b->va + size);

        tlb_reset();
        EXPECT_OK(vmm_unmap(as, vaddr(b->va), size));
        assert_tlb(pages, 0, "vmm_unmap of 4 pages");
        for (uint64_t i = 0; i < pages; i++)
            EXPECT_EQ(tlb.va[i], b->va + i * PAGE_SIZE);
        for (uint64_t i = 0; i < pages; i++)
            assert_not_mapped(as, b->va + i * PAGE_SIZE);
        EXPECT_EQ(as->table_pages, b->kept);
        EXPECT_EQ(free_bytes(), free0 - (b->kept - tables0) * PAGE_SIZE);
        check_tables(as);
    }
    if (user)
        vmm_space_destroy(as);
    machine_teardown(NULL);
}

static void test_map_4k_across_boundaries_user_half(void **state)
{
    (void)state;
    const struct boundary cases[] = {
        {"a PT boundary (2 MiB)", 2 * MiB - 2 * PAGE_SIZE, 1 + 1 + 1 + 2, 1},
        {"a PD boundary (1 GiB)", 1 * GiB - 2 * PAGE_SIZE, 1 + 1 + 2 + 2, 1},
        {"a PDPT boundary (512 GiB)", PML4_SPAN - 2 * PAGE_SIZE, 1 + 2 + 2 + 2, 1},
        {"address 0", 0, 1 + 1 + 1 + 1, 1},
        {"the top of the user half", VMM_USER_END - 4 * PAGE_SIZE, 1 + 1 + 1 + 1, 1},
    };
    for (int nx = 1; nx >= 0; nx--)
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
            check_boundary(&cases[i], true, nx);
}

static void test_map_4k_across_boundaries_kernel_half(void **state)
{
    (void)state;
    const struct boundary cases[] = {
        {"a PT boundary (2 MiB)", VMM_KERNEL_START + 2 * MiB - 2 * PAGE_SIZE, 5, 2},
        {"a PD boundary (1 GiB)", VMM_KERNEL_START + GiB - 2 * PAGE_SIZE, 6, 2},
        {"a PDPT boundary (512 GiB)", VMM_KERNEL_START + PML4_SPAN - 2 * PAGE_SIZE, 7, 3},
        {"the kernel image", KERNEL_VMA - 2 * PAGE_SIZE, 6, 2},
        {"the top of the address space", 0 - 4 * PAGE_SIZE, 4, 2},
    };
    for (int nx = 1; nx >= 0; nx--)
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
            check_boundary(&cases[i], false, nx);
}

/* ---- large pages --------------------------------------------------------- */

struct pages_run {
    uint64_t size; /* page size */
    uint64_t count;
};

static int level_of_size(uint64_t size)
{
    return size == HUGE_PAGE_SIZE ? 3 : size == LARGE_PAGE_SIZE ? 2 : 1;
}

/* Check that [va, ...) is mapped to pa by the listed runs of pages, in order. */
static void check_layout(const struct address_space *as, uint64_t va, uint64_t pa,
                         const struct pages_run *runs, size_t nruns, unsigned flags)
{
    uint64_t off = 0;
    for (size_t r = 0; r < nruns; r++) {
        for (uint64_t k = 0; k < runs[r].count; k++) {
            uint64_t size = runs[r].size;
            unsigned want = expected_flags(flags, m.vmm.nx) | (size > PAGE_SIZE ? VMM_LARGE : 0);
            const uint64_t probes[] = {0, size / 2 + 8, size - 1};
            for (int p = 0; p < 3; p++) {
                uint64_t v = va + off + probes[p];
                assert_translates(as, v, pa + off + probes[p], want, size);
                int level = leaf_level(as, v);
                if (level != level_of_size(size))
                    FAIL("%s: expected a leaf in the %s, got one in the %s", hex(v),
                         vmm_level_name(level_of_size(size)), vmm_level_name(level));
                struct vmm_walk w;
                vmm_walk(as, vaddr(v), &w);
                pte_t leaf = w.entry[w.steps - 1];
                pte_t want_bits = expected_leaf_bits(flags & ~VMM_LARGE, m.vmm.nx) |
                                  (size > PAGE_SIZE ? PTE_PS : 0);
                if (leaf != ((pa + off) | want_bits))
                    FAIL("%s: expected leaf %s, got %s", hex(v), hex((pa + off) | want_bits),
                         hex(leaf));
            }
            off += size;
        }
    }
}

static void check_mixed_layout(bool gib_pages)
{
    machine_boot(RAM_SIZE, true, gib_pages);
    set_context("gib_pages=%d", gib_pages);
    struct address_space as = new_space();
    uint64_t free0 = free_bytes();
    /* 2 small pages, a 2 MiB page up to a 1 GiB boundary, 2 GiB, 2 large, 3 small. */
    uint64_t va = 64 * GiB + GiB - LARGE_PAGE_SIZE - 2 * PAGE_SIZE;
    uint64_t pa = va + 3 * GiB; /* same offsets inside 1 GiB, so every page size fits */
    uint64_t size = 2 * PAGE_SIZE + LARGE_PAGE_SIZE + 2 * GiB + 2 * LARGE_PAGE_SIZE + 3 * PAGE_SIZE;
    unsigned flags = VMM_WRITE | VMM_USER | VMM_LARGE;
    EXPECT_OK(vmm_map(&as, vaddr(va), paddr(pa), size, flags));

    const struct pages_run with_gib[] = {
        {PAGE_SIZE, 2},       {LARGE_PAGE_SIZE, 1}, {HUGE_PAGE_SIZE, 2},
        {LARGE_PAGE_SIZE, 2}, {PAGE_SIZE, 3},
    };
    const struct pages_run without_gib[] = {
        {PAGE_SIZE, 2}, {LARGE_PAGE_SIZE, 1 + 2 * 512 + 2}, {PAGE_SIZE, 3}};
    if (gib_pages)
        check_layout(&as, va, pa, with_gib, 5, flags);
    else
        check_layout(&as, va, pa, without_gib, 3, flags);
    assert_not_mapped(&as, va - 1);
    assert_not_mapped(&as, va + size);

    /* PML4, PDPT, the PD and PT of the head, the PD and PT of the tail; and
     * without 1 GiB pages two more PDs for the middle 2 GiB. */
    uint64_t tables = gib_pages ? 6 : 8;
    EXPECT_EQ(as.table_pages, tables);
    EXPECT_EQ(free_bytes(), free0 - (tables - 1) * PAGE_SIZE);
    check_tables(&as);

    struct capture c = {0};
    vmm_dump_space(&as, capture_line, &c);
    if (gib_pages) {
        EXPECT_EQ(count_lines_with(&c, "1 GiB x 2"), 1);
        EXPECT_EQ(count_lines_with(&c, "2 MiB x 1 "), 1);
        EXPECT_EQ(count_lines_with(&c, "2 MiB x 2 "), 1);
    } else {
        EXPECT_EQ(count_lines_with(&c, "1 GiB"), 0);
        EXPECT_EQ(count_lines_with(&c, "2 MiB x 1027 "), 1);
    }
    EXPECT_EQ(count_lines_with(&c, "4 KiB x 2 "), 1);
    EXPECT_EQ(count_lines_with(&c, "4 KiB x 3 "), 1);
    capture_free(&c);

    tlb_reset();
    EXPECT_OK(vmm_unmap(&as, vaddr(va), size));
    assert_tlb(0, 1, "vmm_unmap of 2 GiB");
    EXPECT_EQ(as.table_pages, 1);
    EXPECT_EQ(free_bytes(), free0);
    vmm_space_destroy(&as);
    machine_teardown(NULL);
}

static void test_large_pages_pick_the_level_by_alignment(void **state)
{
    (void)state;
    check_mixed_layout(true);
    check_mixed_layout(false);
}

static void test_large_pages_fall_back_when_unaligned(void **state)
{
    (void)state;
    const struct {
        const char *what;
        uint64_t va;
        uint64_t pa;
        uint64_t size;
        unsigned flags;
        uint64_t page;   /* the page size every page must have */
        uint64_t tables; /* table_pages while mapped */
    } cases[] = {
        {"pa only 4 KiB-aligned", 4 * MiB, 0x10001000, 4 * MiB, VMM_LARGE, PAGE_SIZE, 5},
        {"va only 4 KiB-aligned", 4 * MiB + PAGE_SIZE, 0x10000000, 4 * MiB, VMM_LARGE, PAGE_SIZE,
         6},
        {"pa only 2 MiB-aligned", GiB, 0x40200000, GiB, VMM_LARGE, LARGE_PAGE_SIZE, 3},
        {"va only 2 MiB-aligned", GiB + 2 * MiB, 2 * GiB + 2 * MiB, GiB, VMM_LARGE, LARGE_PAGE_SIZE,
         4},
        {"shorter than 2 MiB", 2 * MiB, 2 * MiB, 2 * MiB - PAGE_SIZE, VMM_LARGE, PAGE_SIZE, 4},
        {"without VMM_LARGE", GiB, GiB, 2 * MiB, 0, PAGE_SIZE, 4},
        {"1 GiB, all aligned", GiB, 5 * GiB, GiB, VMM_LARGE, HUGE_PAGE_SIZE, 2},
        {"two 1 GiB pages", 2 * GiB, 0, 2 * GiB, VMM_LARGE | VMM_EXEC, HUGE_PAGE_SIZE, 2},
    };
    machine_boot(RAM_SIZE, true, true);
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        set_context("%s", cases[i].what);
        struct address_space as = new_space();
        uint64_t free0 = free_bytes();
        EXPECT_OK(
            vmm_map(&as, vaddr(cases[i].va), paddr(cases[i].pa), cases[i].size, cases[i].flags));
        struct pages_run run = {cases[i].page, cases[i].size / cases[i].page};
        check_layout(&as, cases[i].va, cases[i].pa, &run, 1, cases[i].flags);
        EXPECT_EQ(as.table_pages, cases[i].tables);
        check_tables(&as);
        EXPECT_OK(vmm_unmap(&as, vaddr(cases[i].va), cases[i].size));
        EXPECT_EQ(as.table_pages, 1);
        EXPECT_EQ(free_bytes(), free0);
        vmm_space_destroy(&as);
    }
    machine_teardown(NULL);
}

/* The direct map: many GiB of physical addresses, only a few table pages. */
static void test_direct_map_table_pages(void **state)
{
    (void)state;
    const uint64_t sizes[] = {4 * GiB, 64 * GiB};
    for (int gib = 1; gib >= 0; gib--) {
        for (int s = 0; s < 2; s++) {
            uint64_t size = sizes[s];
            machine_boot(RAM_SIZE, true, gib);
            set_context("direct map of %llu GiB, gib_pages=%d", (unsigned long long)(size / GiB),
                        gib);
            uint64_t free0 = free_bytes();
            tlb_reset();
            EXPECT_OK(
                vmm_map(&m.kernel, vaddr(DIRECT_MAP_BASE), paddr(0), size, VMM_WRITE | VMM_LARGE));
            /* PML4 + one PDPT, plus one PD per GiB without 1 GiB pages. */
            uint64_t tables = 2 + (gib ? 0 : size / GiB);
            EXPECT_EQ(m.kernel.table_pages, tables);
            EXPECT_EQ(free_bytes(), free0 - (tables - 1) * PAGE_SIZE);
            assert_tlb(0, 0, "vmm_map of the direct map");
            uint64_t page = gib ? HUGE_PAGE_SIZE : LARGE_PAGE_SIZE;
            const uint64_t probes[] = {0, 0x12345678, size / 2 + 0x1234, size - 1};
            for (int p = 0; p < 4; p++)
                assert_translates(&m.kernel, DIRECT_MAP_BASE + probes[p], probes[p],
                                  VMM_WRITE | VMM_LARGE, page);
            assert_not_mapped(&m.kernel, DIRECT_MAP_BASE + size);
            check_tables(&m.kernel);

            tlb_reset();
            EXPECT_OK(vmm_unmap(&m.kernel, vaddr(DIRECT_MAP_BASE), size));
            assert_tlb(0, 1, "vmm_unmap of the direct map");
            EXPECT_EQ(m.kernel.table_pages, 2); /* the kernel's PDPT stays */
            EXPECT_EQ(free_bytes(), free0 - PAGE_SIZE);
            machine_teardown(NULL);
        }
    }
}

/* ---- entry bits ---------------------------------------------------------- */

static void check_entry_bits(bool nx)
{
    machine_boot(RAM_SIZE, nx, true);
    set_context("nx=%d", nx);
    struct address_space as; /* created once the kernel's mappings exist */
    const struct {
        struct address_space *as;
        uint64_t va;
        uint64_t pa;
        uint64_t size;
        unsigned flags;
        int level;
    } cases[] = {
        {&as, 3 * GiB, FAR_PA, PAGE_SIZE, 0, 1}, /* kernel-only page in the user half */
        {&as, 3 * GiB + PAGE_SIZE, FAR_PA, PAGE_SIZE, VMM_WRITE | VMM_NOCACHE, 1},
        {&as, 3 * GiB + 2 * PAGE_SIZE, FAR_PA, PAGE_SIZE, VMM_EXEC | VMM_USER, 1},
        {&as, 4 * GiB + 2 * MiB, 6 * MiB, 2 * MiB, VMM_LARGE | VMM_WRITE | VMM_NOCACHE, 2},
        {&as, 5 * GiB, 7 * GiB, GiB, VMM_LARGE | VMM_USER | VMM_EXEC, 3},
        {&m.kernel, KERNEL_VMA, 0x100000, PAGE_SIZE, VMM_EXEC, 1},
        {&m.kernel, KERNEL_VMA + PAGE_SIZE, 0x101000, PAGE_SIZE, VMM_WRITE, 1},
        {&m.kernel, KERNEL_VMA + LARGE_PAGE_SIZE, 0x200000, LARGE_PAGE_SIZE,
         VMM_WRITE | VMM_NOCACHE | VMM_LARGE, 2},
        {&m.kernel, DIRECT_MAP_BASE, 0, GiB, VMM_WRITE | VMM_LARGE, 3},
    };
    /* Kernel mappings first: a user space created before them would not see new slots. */
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        if (cases[i].as == &m.kernel)
            EXPECT_OK(vmm_map(cases[i].as, vaddr(cases[i].va), paddr(cases[i].pa), cases[i].size,
                              cases[i].flags));
    as = new_space();
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        if (cases[i].as != &m.kernel)
            EXPECT_OK(vmm_map(cases[i].as, vaddr(cases[i].va), paddr(cases[i].pa), cases[i].size,
                              cases[i].flags));
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct vmm_walk w;
        vmm_walk(cases[i].as, vaddr(cases[i].va), &w);
        int level = VMM_LEVELS - w.steps + 1;
        if (!w.mapped || level != cases[i].level)
            FAIL("%s: expected a leaf in the %s, got mapped=%d in the %s", hex(cases[i].va),
                 vmm_level_name(cases[i].level), w.mapped, vmm_level_name(level));
        pte_t want = cases[i].pa | expected_leaf_bits(cases[i].flags, nx) |
                     (cases[i].level > 1 ? PTE_PS : 0);
        if (w.entry[w.steps - 1] != want)
            FAIL("%s with flags %#x, nx=%d: expected leaf %s, got %s", hex(cases[i].va),
                 cases[i].flags, nx, hex(want), hex(w.entry[w.steps - 1]));
        bool user_half = cases[i].va < VMM_USER_END;
        for (int s = 0; s < w.steps - 1; s++) {
            pte_t bits = w.entry[s] & ~PTE_ADDR_MASK;
            pte_t expect = PTE_PRESENT | PTE_WRITE | (user_half ? PTE_USER : 0);
            if (bits != expect)
                FAIL("%s: intermediate %s entry has bits %s, expected %s", hex(cases[i].va),
                     vmm_level_name(VMM_LEVELS - s), hex(bits), hex(expect));
        }
    }
    /* vmm_alloc and vmm_protect set the same bits (and never NX without NX). */
    EXPECT_OK(vmm_alloc(&as, vaddr(8 * GiB), 2 * PAGE_SIZE, VMM_USER));
    EXPECT_OK(vmm_protect(&as, vaddr(3 * GiB), PAGE_SIZE, VMM_WRITE));
    EXPECT_OK(vmm_protect(&as, vaddr(5 * GiB), GiB, VMM_USER));
    struct vmm_walk w;
    vmm_walk(&as, vaddr(8 * GiB), &w);
    EXPECT_EQ(w.entry[3],
              (w.phys.addr & PTE_ADDR_MASK) | expected_leaf_bits(VMM_USER, nx) | PTE_OWNED);
    assert_translates(&as, 8 * GiB, w.phys.addr, expected_flags(VMM_USER, nx), PAGE_SIZE);
    assert_translates(&as, 3 * GiB, FAR_PA, expected_flags(VMM_WRITE, nx), PAGE_SIZE);
    vmm_walk(&as, vaddr(3 * GiB), &w);
    EXPECT_EQ(w.entry[3], FAR_PA | expected_leaf_bits(VMM_WRITE, nx));
    assert_translates(&as, 5 * GiB, 7 * GiB, expected_flags(VMM_USER, nx) | VMM_LARGE,
                      HUGE_PAGE_SIZE);
    vmm_walk(&as, vaddr(5 * GiB), &w);
    EXPECT_EQ(w.entry[1], 7 * GiB | expected_leaf_bits(VMM_USER, nx) | PTE_PS);
    check_tables(&as); /* also: no NX anywhere when nx is false */
    check_tables(&m.kernel);
    vmm_space_destroy(&as);
    machine_teardown(NULL);
}

static void test_entry_bits_exact(void **state)
{
    (void)state;
    check_entry_bits(true);
    check_entry_bits(false);
}

/* ---- vmm_protect ---------------------------------------------------------- */

static void test_protect_changes_flags_keeps_addresses(void **state)
{
    (void)state;
    machine_boot(RAM_SIZE, true, true);
    struct address_space as = new_space();
    const uint64_t A = 16 * MiB, L = 2 * GiB + 4 * MiB, H = 4 * GiB;
    EXPECT_OK(vmm_alloc(&as, vaddr(A), 4 * PAGE_SIZE, VMM_WRITE | VMM_USER));
    EXPECT_OK(vmm_map(&as, vaddr(L - PAGE_SIZE), paddr(8 * MiB - PAGE_SIZE),
                      LARGE_PAGE_SIZE + PAGE_SIZE, VMM_WRITE | VMM_LARGE));
    EXPECT_OK(vmm_map(&as, vaddr(H), paddr(3 * GiB), GiB, VMM_WRITE | VMM_LARGE));
    EXPECT_EQ(leaf_level(&as, L), 2);
    EXPECT_EQ(leaf_level(&as, H), 3);
    uint64_t frames[4];
    for (int i = 0; i < 4; i++)
        EXPECT_OK(translate(&as, vaddr(A + i * PAGE_SIZE), &frames[i], NULL, NULL));
    uint64_t free0 = free_bytes(), tables0 = as.table_pages;

    /* The middle two pages of the allocation become read-only, executable. */
    tlb_reset();
    EXPECT_OK(vmm_protect(&as, vaddr(A + PAGE_SIZE), 2 * PAGE_SIZE, VMM_USER | VMM_EXEC));
    assert_tlb(2, 0, "vmm_protect of 2 pages");
    EXPECT_EQ(tlb.va[0], A + PAGE_SIZE);
    EXPECT_EQ(tlb.va[1], A + 2 * PAGE_SIZE);
    for (int i = 0; i < 4; i++) {
        unsigned want = (i == 1 || i == 2) ? VMM_USER | VMM_EXEC : VMM_WRITE | VMM_USER;
        assert_translates(&as, A + i * PAGE_SIZE + 5, frames[i] + 5, want, PAGE_SIZE);
        struct vmm_walk w;
        vmm_walk(&as, vaddr(A + i * PAGE_SIZE), &w);
        pte_t leaf = frames[i] | expected_leaf_bits(want, true) | PTE_OWNED;
        if (w.entry[3] != leaf)
            FAIL("page %d after vmm_protect: expected %s (still OWNED), got %s", i, hex(leaf),
                 hex(w.entry[3]));
    }

    /* Whole large pages may change; VMM_LARGE in the flags is ignored. */
    tlb_reset();
    EXPECT_OK(vmm_protect(&as, vaddr(L), LARGE_PAGE_SIZE, VMM_NOCACHE | VMM_LARGE));
    assert_translates(&as, L + 0x1234, 8 * MiB + 0x1234, VMM_NOCACHE | VMM_LARGE, LARGE_PAGE_SIZE);
    EXPECT_EQ(leaf_level(&as, L), 2);
    assert_translates(&as, L - PAGE_SIZE, 8 * MiB - PAGE_SIZE, VMM_WRITE, PAGE_SIZE);
    EXPECT_OK(vmm_protect(&as, vaddr(L - PAGE_SIZE), LARGE_PAGE_SIZE + PAGE_SIZE, VMM_EXEC));
    assert_translates(&as, L - 1, 8 * MiB - 1, VMM_EXEC, PAGE_SIZE);
    assert_translates(&as, L, 8 * MiB, VMM_EXEC | VMM_LARGE, LARGE_PAGE_SIZE);
    EXPECT_OK(vmm_protect(&as, vaddr(H), GiB, VMM_USER | VMM_WRITE));
    assert_translates(&as, H + GiB - 1, 4 * GiB - 1, VMM_USER | VMM_WRITE | VMM_LARGE,
                      HUGE_PAGE_SIZE);
    struct vmm_walk w;
    vmm_walk(&as, vaddr(H), &w);
    EXPECT_EQ(w.entry[1], 3 * GiB | PTE_PRESENT | PTE_WRITE | PTE_USER | PTE_NX | PTE_PS);

    /* Part of a large page: refused, nothing changes. */
    EXPECT_FAIL(&as, vmm_protect(&as, vaddr(L), PAGE_SIZE, VMM_WRITE), VMM_ERR_SPLITS_LARGE);
    EXPECT_FAIL(&as, vmm_protect(&as, vaddr(L + PAGE_SIZE), LARGE_PAGE_SIZE - PAGE_SIZE, VMM_WRITE),
                VMM_ERR_SPLITS_LARGE);
    EXPECT_FAIL(&as, vmm_protect(&as, vaddr(L - PAGE_SIZE), MiB, VMM_WRITE), VMM_ERR_SPLITS_LARGE);
    EXPECT_FAIL(&as, vmm_protect(&as, vaddr(H + 2 * MiB), 2 * MiB, VMM_WRITE),
                VMM_ERR_SPLITS_LARGE);
    EXPECT_FAIL(&as, vmm_protect(&as, vaddr(H), GiB - PAGE_SIZE, 0), VMM_ERR_SPLITS_LARGE);

    EXPECT_EQ(free_bytes(), free0);
    EXPECT_EQ(as.table_pages, tables0);
    check_tables(&as);
    /* Protected vmm_alloc memory is still owned: vmm_free takes it back. */
    EXPECT_OK(vmm_free(&as, vaddr(A), 4 * PAGE_SIZE));
    EXPECT_EQ(as.owned_pages, 0);
    vmm_space_destroy(&as);
}

/* ---- TLB upkeep ------------------------------------------------------------ */

static void test_tlb_invalidation(void **state)
{
    (void)state;
    machine_boot(RAM_SIZE, true, true);
    struct address_space as = new_space();
    const uint64_t A = 32 * MiB - 50 * PAGE_SIZE; /* crosses a PT boundary */

    tlb_reset();
    EXPECT_OK(vmm_alloc(&as, vaddr(A), 200 * PAGE_SIZE, VMM_WRITE));
    EXPECT_OK(vmm_map(&as, vaddr(GiB), paddr(0), 2 * LARGE_PAGE_SIZE, VMM_LARGE));
    assert_tlb(0, 0, "vmm_alloc and vmm_map (non-present entries are never cached)");

    tlb_reset();
    EXPECT_OK(vmm_unmap(&as, vaddr(A), PAGE_SIZE));
    assert_tlb(1, 0, "vmm_unmap of one page");
    EXPECT_EQ(tlb.va[0], A);

    tlb_reset();
    EXPECT_OK(vmm_protect(&as, vaddr(A + PAGE_SIZE), 64 * PAGE_SIZE, VMM_EXEC));
    assert_tlb(64, 0, "vmm_protect of 64 pages");
    for (unsigned i = 0; i < 64; i++)
        EXPECT_EQ(tlb.va[i], A + (1 + i) * PAGE_SIZE);

    tlb_reset();
    EXPECT_OK(vmm_protect(&as, vaddr(A + PAGE_SIZE), 65 * PAGE_SIZE, 0));
    assert_tlb(0, 1, "vmm_protect of 65 pages");

    tlb_reset();
    EXPECT_OK(vmm_free(&as, vaddr(A + PAGE_SIZE), 64 * PAGE_SIZE));
    assert_tlb(64, 0, "vmm_free of 64 pages");
    for (unsigned i = 0; i < 64; i++)
        EXPECT_EQ(tlb.va[i], A + (1 + i) * PAGE_SIZE);

    tlb_reset();
    EXPECT_OK(vmm_free(&as, vaddr(A + 65 * PAGE_SIZE), 65 * PAGE_SIZE));
    assert_tlb(0, 1, "vmm_free of 65 pages");

    tlb_reset();
    EXPECT_FAIL(&as, vmm_unmap(&as, vaddr(A), 2 * PAGE_SIZE), VMM_ERR_NOT_MAPPED);
    EXPECT_FAIL(&as, vmm_protect(&as, vaddr(A), 2 * PAGE_SIZE, 0), VMM_ERR_NOT_MAPPED);
    assert_tlb(0, 0, "failed calls");

    /* A large page: one invlpg of its address, or a CR3 reload. */
    tlb_reset();
    EXPECT_OK(vmm_protect(&as, vaddr(GiB), LARGE_PAGE_SIZE, VMM_WRITE));
    if (!(tlb.all == 1 && tlb.pages == 0) && !(tlb.all == 0 && tlb.pages == 1 && tlb.va[0] == GiB))
        FAIL("vmm_protect of a 2 MiB page: expected invlpg(%s) or one CR3 reload, got %u "
             "invalidate_page and %u invalidate_all calls",
             hex(GiB), tlb.pages, tlb.all);

    /* Without invlpg (invalidate_page NULL) every change reloads CR3. */
    m.vmm.invalidate_page = NULL;
    tlb_reset();
    EXPECT_OK(vmm_unmap(&as, vaddr(A + 130 * PAGE_SIZE), PAGE_SIZE));
    assert_tlb(0, 1, "vmm_unmap of one page without an invalidate_page hook");
    /* Without any hook (the host case) nothing is called and nothing breaks. */
    m.vmm.invalidate_all = NULL;
    EXPECT_OK(vmm_unmap(&as, vaddr(A + 131 * PAGE_SIZE), 69 * PAGE_SIZE));
    EXPECT_OK(vmm_protect(&as, vaddr(GiB), 2 * LARGE_PAGE_SIZE, 0));
    EXPECT_OK(vmm_unmap(&as, vaddr(GiB), 2 * LARGE_PAGE_SIZE));
    assert_tlb(0, 1, "calls without hooks");
    EXPECT_EQ(as.table_pages, 1);
    EXPECT_EQ(as.owned_pages, 0);
    vmm_space_destroy(&as);
    EXPECT_EQ(free_bytes(), m.free_at_boot);
}

/* ---- error codes: each failing call changes nothing ---------------------- */

#define USER_ALLOC (4 * MiB)    /* 4 pages from vmm_alloc */
#define USER_MAP (256 * MiB)    /* 16 pages of FAR_PA */
#define USER_LARGE (1 * GiB)    /* one 2 MiB page */
#define USER_HUGE (8 * GiB)     /* one 1 GiB page */
#define KERNEL_ALLOC KERNEL_VMA /* 4 pages from vmm_alloc */

/* A machine with a little of everything mapped, in the kernel and in a user space. */
static struct address_space prepared_space(void)
{
    machine_boot(RAM_SIZE, true, true);
    EXPECT_OK(vmm_map(&m.kernel, vaddr(DIRECT_MAP_BASE), paddr(0), 4 * GiB, VMM_WRITE | VMM_LARGE));
    EXPECT_OK(vmm_alloc(&m.kernel, vaddr(KERNEL_ALLOC), 4 * PAGE_SIZE, VMM_WRITE | VMM_EXEC));
    struct address_space as = new_space();
    EXPECT_OK(vmm_alloc(&as, vaddr(USER_ALLOC), 4 * PAGE_SIZE, VMM_WRITE | VMM_USER));
    EXPECT_OK(vmm_map(&as, vaddr(USER_MAP), paddr(FAR_PA), 16 * PAGE_SIZE, VMM_USER));
    EXPECT_OK(
        vmm_map(&as, vaddr(USER_LARGE), paddr(6 * MiB), LARGE_PAGE_SIZE, VMM_USER | VMM_LARGE));
    EXPECT_OK(vmm_map(&as, vaddr(USER_HUGE), paddr(9 * GiB), GiB, VMM_USER | VMM_EXEC | VMM_LARGE));
    return as;
}

/* What prepared_space mapped is all still there. */
static void assert_prepared_intact(const struct address_space *as)
{
    for (uint64_t i = 0; i < 4; i++) {
        unsigned flags = 0;
        EXPECT_OK(translate(as, vaddr(USER_ALLOC + i * PAGE_SIZE), NULL, &flags, NULL));
        EXPECT_EQ(flags, VMM_WRITE | VMM_USER);
        EXPECT_OK(translate(&m.kernel, vaddr(KERNEL_ALLOC + i * PAGE_SIZE), NULL, &flags, NULL));
        EXPECT_EQ(flags, VMM_WRITE | VMM_EXEC);
    }
    for (uint64_t i = 0; i < 16; i++)
        assert_translates(as, USER_MAP + i * PAGE_SIZE, FAR_PA + i * PAGE_SIZE, VMM_USER,
                          PAGE_SIZE);
    assert_translates(as, USER_LARGE + 5, 6 * MiB + 5, VMM_USER | VMM_LARGE, LARGE_PAGE_SIZE);
    assert_translates(as, USER_HUGE + GiB - 1, 10 * GiB - 1, VMM_USER | VMM_EXEC | VMM_LARGE,
                      HUGE_PAGE_SIZE);
    assert_translates(as, DIRECT_MAP_BASE + 3 * GiB, 3 * GiB, VMM_WRITE | VMM_LARGE,
                      HUGE_PAGE_SIZE);
    EXPECT_EQ(as->owned_pages, 4);
    EXPECT_EQ(m.kernel.owned_pages, 4);
    check_tables(as);
    check_tables(&m.kernel);
}

static void test_error_bad_argument(void **state)
{
    (void)state;
    struct address_space as = prepared_space();
    const uint64_t V = 512 * MiB; /* nothing there */
    EXPECT_FAIL(&as, vmm_map(&as, vaddr(V), paddr(FAR_PA), 0, VMM_USER), VMM_ERR_BAD_ARGUMENT);
    EXPECT_FAIL(&as, vmm_alloc(&as, vaddr(V), 0, VMM_USER), VMM_ERR_BAD_ARGUMENT);
    EXPECT_FAIL(&as, vmm_unmap(&as, vaddr(USER_MAP), 0), VMM_ERR_BAD_ARGUMENT);
    EXPECT_FAIL(&as, vmm_protect(&as, vaddr(USER_MAP), 0, 0), VMM_ERR_BAD_ARGUMENT);
    EXPECT_FAIL(&as, vmm_free(&as, vaddr(USER_ALLOC), 0), VMM_ERR_BAD_ARGUMENT);
    EXPECT_FAIL(&as, vmm_map(&as, vaddr(V), paddr(FAR_PA), PAGE_SIZE, 1u << 5),
                VMM_ERR_BAD_ARGUMENT);
    EXPECT_FAIL(&as, vmm_map(&as, vaddr(V), paddr(FAR_PA), PAGE_SIZE, VMM_USER | (1u << 31)),
                VMM_ERR_BAD_ARGUMENT);
    EXPECT_FAIL(&as, vmm_alloc(&as, vaddr(V), PAGE_SIZE, VMM_WRITE | (1u << 9)),
                VMM_ERR_BAD_ARGUMENT);
    EXPECT_FAIL(&as, vmm_protect(&as, vaddr(USER_MAP), PAGE_SIZE, 1u << 6), VMM_ERR_BAD_ARGUMENT);
    EXPECT_FAIL(&m.kernel, vmm_map(&m.kernel, vaddr(KERNEL_VMA + MiB), paddr(0), PAGE_SIZE, ~0u),
                VMM_ERR_BAD_ARGUMENT);
    /* Physical addresses have at most 52 bits (MAXPHYADDR). */
    EXPECT_FAIL(&as, vmm_map(&as, vaddr(V), paddr(1ULL << 52), PAGE_SIZE, 0), VMM_ERR_BAD_ARGUMENT);
    EXPECT_FAIL(&as, vmm_map(&as, vaddr(V), paddr((1ULL << 52) - PAGE_SIZE), 2 * PAGE_SIZE, 0),
                VMM_ERR_BAD_ARGUMENT);
    EXPECT_FAIL(&as, vmm_map(&as, vaddr(V), paddr(0xFFFFFFFFFFFFF000ULL), 2 * PAGE_SIZE, 0),
                VMM_ERR_BAD_ARGUMENT);
    EXPECT_FAIL(&as, vmm_map(&as, vaddr(V), paddr(1ULL << 63), PAGE_SIZE, 0), VMM_ERR_BAD_ARGUMENT);
    assert_prepared_intact(&as);

    /* The last frame below 2^52 is fine. */
    EXPECT_OK(vmm_map(&as, vaddr(V), paddr((1ULL << 52) - PAGE_SIZE), PAGE_SIZE, VMM_USER));
    assert_translates(&as, V + 7, (1ULL << 52) - PAGE_SIZE + 7, VMM_USER, PAGE_SIZE);
    EXPECT_OK(vmm_unmap(&as, vaddr(V), PAGE_SIZE));

    /* A user space needs the kernel's space first. */
    struct vmm bare;
    vmm_setup(&bare, &m.pmm, m.vmm.window, true, true);
    struct address_space orphan;
    uint64_t free0 = free_bytes();
    EXPECT_RESULT(vmm_space_create(&bare, &orphan), VMM_ERR_BAD_ARGUMENT);
    EXPECT_EQ(free_bytes(), free0);
    EXPECT_EQ(bare.user_spaces, 0);
    assert_prepared_intact(&as);
}

static void test_error_noncanonical(void **state)
{
    (void)state;
    struct address_space as = prepared_space();
    struct address_space *k = &m.kernel;
    const uint64_t hole = VMM_USER_END, hole_last_page = VMM_KERNEL_START - PAGE_SIZE;
    EXPECT_FAIL(&as, vmm_map(&as, vaddr(hole), paddr(FAR_PA), PAGE_SIZE, 0), VMM_ERR_NONCANONICAL);
    EXPECT_FAIL(k, vmm_map(k, vaddr(hole_last_page), paddr(FAR_PA), PAGE_SIZE, 0),
                VMM_ERR_NONCANONICAL);
    EXPECT_FAIL(&as, vmm_alloc(&as, vaddr(0x0000900000000000ULL), PAGE_SIZE, 0),
                VMM_ERR_NONCANONICAL);
    EXPECT_FAIL(k, vmm_alloc(k, vaddr(0x8000000000000000ULL), PAGE_SIZE, 0), VMM_ERR_NONCANONICAL);
    /* Ranges that start canonical and run into the hole, or across it. */
    EXPECT_FAIL(&as, vmm_alloc(&as, vaddr(hole - PAGE_SIZE), 2 * PAGE_SIZE, VMM_USER),
                VMM_ERR_NONCANONICAL);
    EXPECT_FAIL(&as,
                vmm_map(&as, vaddr(hole - PAGE_SIZE), paddr(FAR_PA),
                        VMM_KERNEL_START - hole + 2 * PAGE_SIZE, 0),
                VMM_ERR_NONCANONICAL);
    EXPECT_FAIL(&as, vmm_unmap(&as, vaddr(USER_MAP), 1ULL << 47), VMM_ERR_NONCANONICAL);
    EXPECT_FAIL(&as, vmm_protect(&as, vaddr(USER_MAP), 1ULL << 47, 0), VMM_ERR_NONCANONICAL);
    EXPECT_FAIL(&as, vmm_free(&as, vaddr(USER_ALLOC), 1ULL << 47), VMM_ERR_NONCANONICAL);
    EXPECT_FAIL(k, vmm_unmap(k, vaddr(hole_last_page), 2 * PAGE_SIZE), VMM_ERR_NONCANONICAL);
    /* Wrap-around past the top of the address space. */
    EXPECT_FAIL(k, vmm_map(k, vaddr(0 - PAGE_SIZE), paddr(0), 2 * PAGE_SIZE, 0),
                VMM_ERR_NONCANONICAL);
    EXPECT_FAIL(k, vmm_alloc(k, vaddr(0 - 2 * PAGE_SIZE), 1ULL << 63, 0), VMM_ERR_NONCANONICAL);
    EXPECT_FAIL(k, vmm_unmap(k, vaddr(KERNEL_ALLOC), 0 - PAGE_SIZE), VMM_ERR_NONCANONICAL);
    EXPECT_FAIL(k, vmm_protect(k, vaddr(KERNEL_ALLOC), 0 - KERNEL_ALLOC + PAGE_SIZE, 0),
                VMM_ERR_NONCANONICAL);
    EXPECT_FAIL(k, vmm_kernel_reserve_slot(k, vaddr(0x8000000000000000ULL)), VMM_ERR_NONCANONICAL);
    /* Looking: no table is read for a non-canonical address. */
    EXPECT_RESULT(translate(&as, vaddr(hole), NULL, NULL, NULL), VMM_ERR_NONCANONICAL);
    EXPECT_RESULT(translate(&as, vaddr(0xFFFF000000000000ULL), NULL, NULL, NULL),
                  VMM_ERR_NONCANONICAL);
    struct vmm_walk w;
    vmm_walk(&as, vaddr(hole), &w);
    EXPECT_EQ(w.steps, 0);
    assert_false(w.mapped);
    assert_prepared_intact(&as);
}

static void test_error_misaligned(void **state)
{
    (void)state;
    struct address_space as = prepared_space();
    struct address_space *k = &m.kernel;
    const uint64_t V = 512 * MiB;
    EXPECT_FAIL(&as, vmm_map(&as, vaddr(V + 1), paddr(FAR_PA), PAGE_SIZE, 0), VMM_ERR_MISALIGNED);
    EXPECT_FAIL(&as, vmm_map(&as, vaddr(V), paddr(FAR_PA), PAGE_SIZE + 1, 0), VMM_ERR_MISALIGNED);
    EXPECT_FAIL(&as, vmm_map(&as, vaddr(V), paddr(FAR_PA), 0x800, 0), VMM_ERR_MISALIGNED);
    EXPECT_FAIL(&as, vmm_map(&as, vaddr(V), paddr(FAR_PA + 1), PAGE_SIZE, 0), VMM_ERR_MISALIGNED);
    EXPECT_FAIL(&as, vmm_map(&as, vaddr(V), paddr(FAR_PA + 0x800), PAGE_SIZE, VMM_LARGE),
                VMM_ERR_MISALIGNED);
    EXPECT_FAIL(&as, vmm_alloc(&as, vaddr(V + 0x10), PAGE_SIZE, 0), VMM_ERR_MISALIGNED);
    EXPECT_FAIL(&as, vmm_alloc(&as, vaddr(V), 3 * PAGE_SIZE - 1, 0), VMM_ERR_MISALIGNED);
    EXPECT_FAIL(&as, vmm_unmap(&as, vaddr(USER_MAP + 1), PAGE_SIZE), VMM_ERR_MISALIGNED);
    EXPECT_FAIL(&as, vmm_unmap(&as, vaddr(USER_MAP), PAGE_SIZE + 1), VMM_ERR_MISALIGNED);
    EXPECT_FAIL(&as, vmm_protect(&as, vaddr(USER_MAP + 0xFFF), PAGE_SIZE, 0), VMM_ERR_MISALIGNED);
    EXPECT_FAIL(&as, vmm_free(&as, vaddr(USER_ALLOC), 0x800), VMM_ERR_MISALIGNED);
    EXPECT_FAIL(k, vmm_map(k, vaddr(KERNEL_VMA + MiB + 0x10), paddr(0), PAGE_SIZE, 0),
                VMM_ERR_MISALIGNED);
    EXPECT_FAIL(k, vmm_unmap(k, vaddr(DIRECT_MAP_BASE), GiB - 1), VMM_ERR_MISALIGNED);
    assert_prepared_intact(&as);
}

static void test_error_kernel_address(void **state)
{
    (void)state;
    struct address_space as = prepared_space();
    struct address_space *k = &m.kernel;
    /* Kernel addresses in a user space, even ones the kernel has mapped. */
    EXPECT_FAIL(
        &as, vmm_map(&as, vaddr(VMM_KERNEL_START + 100 * GiB), paddr(FAR_PA), PAGE_SIZE, VMM_USER),
        VMM_ERR_KERNEL_ADDRESS);
    EXPECT_FAIL(&as, vmm_alloc(&as, vaddr(KERNEL_VMA - MiB), PAGE_SIZE, VMM_WRITE),
                VMM_ERR_KERNEL_ADDRESS);
    EXPECT_FAIL(&as, vmm_unmap(&as, vaddr(DIRECT_MAP_BASE), GiB), VMM_ERR_KERNEL_ADDRESS);
    EXPECT_FAIL(&as, vmm_protect(&as, vaddr(DIRECT_MAP_BASE), GiB, VMM_USER),
                VMM_ERR_KERNEL_ADDRESS);
    EXPECT_FAIL(&as, vmm_free(&as, vaddr(KERNEL_ALLOC), PAGE_SIZE), VMM_ERR_KERNEL_ADDRESS);
    /* VMM_USER on the kernel half. */
    EXPECT_FAIL(k, vmm_map(k, vaddr(KERNEL_VMA + MiB), paddr(0x100000), PAGE_SIZE, VMM_USER),
                VMM_ERR_KERNEL_ADDRESS);
    EXPECT_FAIL(k, vmm_alloc(k, vaddr(KERNEL_VMA + MiB), PAGE_SIZE, VMM_USER | VMM_WRITE),
                VMM_ERR_KERNEL_ADDRESS);
    EXPECT_FAIL(k, vmm_protect(k, vaddr(KERNEL_ALLOC), PAGE_SIZE, VMM_USER),
                VMM_ERR_KERNEL_ADDRESS);
    assert_prepared_intact(&as);
}

static void test_error_user_address(void **state)
{
    (void)state;
    struct address_space as = prepared_space();
    struct address_space *k = &m.kernel;
    EXPECT_FAIL(k, vmm_map(k, vaddr(0x1000), paddr(FAR_PA), PAGE_SIZE, 0), VMM_ERR_USER_ADDRESS);
    EXPECT_FAIL(k, vmm_alloc(k, vaddr(512 * MiB), PAGE_SIZE, VMM_WRITE), VMM_ERR_USER_ADDRESS);
    EXPECT_FAIL(k, vmm_unmap(k, vaddr(USER_MAP), PAGE_SIZE), VMM_ERR_USER_ADDRESS);
    EXPECT_FAIL(k, vmm_protect(k, vaddr(USER_MAP), PAGE_SIZE, 0), VMM_ERR_USER_ADDRESS);
    EXPECT_FAIL(k, vmm_free(k, vaddr(USER_ALLOC), PAGE_SIZE), VMM_ERR_USER_ADDRESS);
    EXPECT_FAIL(k, vmm_kernel_reserve_slot(k, vaddr(0x1000)), VMM_ERR_USER_ADDRESS);
    /* Only the kernel's space has kernel slots to reserve. */
    EXPECT_FAIL(&as, vmm_kernel_reserve_slot(&as, vaddr(slot_va(300))), VMM_ERR_USER_ADDRESS);
    assert_prepared_intact(&as);
}

static void test_error_already_mapped(void **state)
{
    (void)state;
    struct address_space as = prepared_space();
    struct address_space *k = &m.kernel;
    const uint64_t P = PAGE_SIZE;
    /* 4 KiB pages: overlap at the start, in the middle, at the end, around. */
    EXPECT_FAIL(&as, vmm_map(&as, vaddr(USER_MAP - 2 * P), paddr(FAR_PA), 3 * P, 0),
                VMM_ERR_ALREADY_MAPPED);
    EXPECT_FAIL(&as, vmm_map(&as, vaddr(USER_MAP + 5 * P), paddr(FAR_PA), P, 0),
                VMM_ERR_ALREADY_MAPPED);
    EXPECT_FAIL(&as, vmm_map(&as, vaddr(USER_MAP + 15 * P), paddr(FAR_PA), 3 * P, 0),
                VMM_ERR_ALREADY_MAPPED);
    EXPECT_FAIL(&as, vmm_map(&as, vaddr(USER_MAP - P), paddr(FAR_PA), 18 * P, 0),
                VMM_ERR_ALREADY_MAPPED);
    EXPECT_FAIL(&as, vmm_alloc(&as, vaddr(USER_MAP - 2 * P), 3 * P, 0), VMM_ERR_ALREADY_MAPPED);
    EXPECT_FAIL(&as, vmm_alloc(&as, vaddr(USER_MAP + 5 * P), P, 0), VMM_ERR_ALREADY_MAPPED);
    EXPECT_FAIL(&as, vmm_alloc(&as, vaddr(USER_MAP + 15 * P), 3 * P, 0), VMM_ERR_ALREADY_MAPPED);
    EXPECT_FAIL(&as, vmm_alloc(&as, vaddr(USER_ALLOC + 3 * P), 2 * P, 0), VMM_ERR_ALREADY_MAPPED);
    /* Large pages in the way. */
    EXPECT_FAIL(&as, vmm_map(&as, vaddr(USER_LARGE + P), paddr(FAR_PA), P, 0),
                VMM_ERR_ALREADY_MAPPED);
    EXPECT_FAIL(&as, vmm_alloc(&as, vaddr(USER_LARGE + MiB), P, 0), VMM_ERR_ALREADY_MAPPED);
    EXPECT_FAIL(&as, vmm_map(&as, vaddr(USER_LARGE - 4 * P), paddr(FAR_PA), 8 * P, 0),
                VMM_ERR_ALREADY_MAPPED);
    EXPECT_FAIL(&as, vmm_map(&as, vaddr(USER_LARGE), paddr(0), LARGE_PAGE_SIZE, VMM_LARGE),
                VMM_ERR_ALREADY_MAPPED);
    EXPECT_FAIL(&as, vmm_map(&as, vaddr(USER_HUGE + 5 * MiB), paddr(FAR_PA), 2 * GiB, VMM_LARGE),
                VMM_ERR_ALREADY_MAPPED);
    EXPECT_FAIL(&as, vmm_map(&as, vaddr(USER_HUGE - 2 * MiB), paddr(0), 4 * MiB, VMM_LARGE),
                VMM_ERR_ALREADY_MAPPED);
    /* A big range with something deep inside: found before anything is built. */
    EXPECT_FAIL(&as, vmm_map(&as, vaddr(0), paddr(0), PML4_SPAN, VMM_LARGE | VMM_WRITE),
                VMM_ERR_ALREADY_MAPPED);
    EXPECT_FAIL(&as, vmm_alloc(&as, vaddr(0), 16 * GiB, VMM_WRITE), VMM_ERR_ALREADY_MAPPED);
    /* The kernel's space too. */
    EXPECT_FAIL(k, vmm_map(k, vaddr(DIRECT_MAP_BASE + 4 * GiB - P), paddr(0), 2 * P, 0),
                VMM_ERR_ALREADY_MAPPED);
    EXPECT_FAIL(k, vmm_alloc(k, vaddr(KERNEL_ALLOC - P), 2 * P, 0), VMM_ERR_ALREADY_MAPPED);
    assert_prepared_intact(&as);
}

static void test_error_not_mapped(void **state)
{
    (void)state;
    struct address_space as = prepared_space();
    struct address_space *k = &m.kernel;
    const uint64_t P = PAGE_SIZE, H = 768 * MiB, A = 769 * MiB;
    /* Holes in the middle of a map and of an allocation. */
    EXPECT_OK(vmm_map(&as, vaddr(H), paddr(FAR_PA), 2 * P, VMM_USER));
    EXPECT_OK(vmm_map(&as, vaddr(H + 3 * P), paddr(FAR_PA), 2 * P, VMM_USER));
    EXPECT_OK(vmm_alloc(&as, vaddr(A), 2 * P, VMM_USER));
    EXPECT_OK(vmm_alloc(&as, vaddr(A + 3 * P), 2 * P, VMM_USER));
    EXPECT_FAIL(&as, vmm_unmap(&as, vaddr(H), 5 * P), VMM_ERR_NOT_MAPPED);
    EXPECT_FAIL(&as, vmm_protect(&as, vaddr(H), 5 * P, VMM_WRITE), VMM_ERR_NOT_MAPPED);
    EXPECT_FAIL(&as, vmm_free(&as, vaddr(A), 5 * P), VMM_ERR_NOT_MAPPED);
    EXPECT_FAIL(&as, vmm_unmap(&as, vaddr(A), 5 * P), VMM_ERR_NOT_MAPPED);
    /* A hole at the start or at the end. */
    EXPECT_FAIL(&as, vmm_unmap(&as, vaddr(USER_MAP - P), 2 * P), VMM_ERR_NOT_MAPPED);
    EXPECT_FAIL(&as, vmm_unmap(&as, vaddr(USER_MAP), 17 * P), VMM_ERR_NOT_MAPPED);
    EXPECT_FAIL(&as, vmm_free(&as, vaddr(USER_ALLOC), 5 * P), VMM_ERR_NOT_MAPPED);
    EXPECT_FAIL(&as, vmm_unmap(&as, vaddr(USER_LARGE), LARGE_PAGE_SIZE + P), VMM_ERR_NOT_MAPPED);
    EXPECT_FAIL(&as, vmm_protect(&as, vaddr(USER_HUGE), GiB + LARGE_PAGE_SIZE, 0),
                VMM_ERR_NOT_MAPPED);
    /* Nothing at all there, down to an empty PML4 slot. */
    EXPECT_FAIL(&as, vmm_unmap(&as, vaddr(200 * GiB), GiB), VMM_ERR_NOT_MAPPED);
    EXPECT_FAIL(&as, vmm_free(&as, vaddr(slot_va(100)), P), VMM_ERR_NOT_MAPPED);
    EXPECT_FAIL(k, vmm_unmap(k, vaddr(KERNEL_ALLOC + 4 * P), P), VMM_ERR_NOT_MAPPED);
    EXPECT_FAIL(k, vmm_protect(k, vaddr(slot_va(400)), P, 0), VMM_ERR_NOT_MAPPED);
    assert_not_mapped(&as, H + 2 * P);
    assert_not_mapped(&as, slot_va(100));
    EXPECT_EQ(as.owned_pages, 8);
    EXPECT_OK(vmm_unmap(&as, vaddr(H), 2 * P));
    EXPECT_OK(vmm_unmap(&as, vaddr(H + 3 * P), 2 * P));
    EXPECT_OK(vmm_free(&as, vaddr(A), 2 * P));
    EXPECT_OK(vmm_free(&as, vaddr(A + 3 * P), 2 * P));
    assert_prepared_intact(&as);
}

static void test_error_splits_large(void **state)
{
    (void)state;
    struct address_space as = prepared_space();
    struct address_space *k = &m.kernel;
    const uint64_t P = PAGE_SIZE;
    EXPECT_OK(vmm_map(&as, vaddr(USER_LARGE - P), paddr(FAR_PA), P, VMM_USER));
    EXPECT_FAIL(&as, vmm_unmap(&as, vaddr(USER_LARGE), P), VMM_ERR_SPLITS_LARGE);
    EXPECT_FAIL(&as, vmm_unmap(&as, vaddr(USER_LARGE + P), LARGE_PAGE_SIZE - P),
                VMM_ERR_SPLITS_LARGE);
    EXPECT_FAIL(&as, vmm_protect(&as, vaddr(USER_LARGE + MiB), MiB, 0), VMM_ERR_SPLITS_LARGE);
    EXPECT_FAIL(&as, vmm_free(&as, vaddr(USER_LARGE), MiB), VMM_ERR_SPLITS_LARGE);
    /* The range starts at a small page and ends inside the large one. */
    EXPECT_FAIL(&as, vmm_unmap(&as, vaddr(USER_LARGE - P), MiB + P), VMM_ERR_SPLITS_LARGE);
    EXPECT_FAIL(&as, vmm_unmap(&as, vaddr(USER_HUGE), LARGE_PAGE_SIZE), VMM_ERR_SPLITS_LARGE);
    EXPECT_FAIL(&as, vmm_unmap(&as, vaddr(USER_HUGE + GiB - P), P), VMM_ERR_SPLITS_LARGE);
    EXPECT_FAIL(&as, vmm_protect(&as, vaddr(USER_HUGE), GiB - P, VMM_USER), VMM_ERR_SPLITS_LARGE);
    EXPECT_FAIL(k, vmm_unmap(k, vaddr(DIRECT_MAP_BASE + P), P), VMM_ERR_SPLITS_LARGE);
    EXPECT_FAIL(k, vmm_protect(k, vaddr(DIRECT_MAP_BASE), LARGE_PAGE_SIZE, 0),
                VMM_ERR_SPLITS_LARGE);
    assert_translates(&as, USER_LARGE - P, FAR_PA, VMM_USER, P);
    assert_prepared_intact(&as);
    /* The whole page is fine. */
    EXPECT_OK(vmm_unmap(&as, vaddr(USER_LARGE - P), LARGE_PAGE_SIZE + P));
    assert_not_mapped(&as, USER_LARGE);
}

static void test_error_not_owned(void **state)
{
    (void)state;
    struct address_space as = prepared_space();
    struct address_space *k = &m.kernel;
    const uint64_t P = PAGE_SIZE;
    EXPECT_OK(vmm_map(&as, vaddr(USER_ALLOC + 4 * P), paddr(FAR_PA), P, VMM_USER));
    EXPECT_FAIL(&as, vmm_free(&as, vaddr(USER_MAP), 16 * P), VMM_ERR_NOT_OWNED);
    EXPECT_FAIL(&as, vmm_free(&as, vaddr(USER_ALLOC), 5 * P), VMM_ERR_NOT_OWNED);
    EXPECT_FAIL(&as, vmm_free(&as, vaddr(USER_ALLOC + 3 * P), 2 * P), VMM_ERR_NOT_OWNED);
    EXPECT_FAIL(&as, vmm_free(&as, vaddr(USER_LARGE), LARGE_PAGE_SIZE), VMM_ERR_NOT_OWNED);
    EXPECT_FAIL(k, vmm_free(k, vaddr(DIRECT_MAP_BASE), GiB), VMM_ERR_NOT_OWNED);
    assert_prepared_intact(&as);
    /* vmm_unmap takes mixed ranges, returning just the vmm_alloc frames (and
     * the PT of 4..6 MiB, now empty). */
    uint64_t free0 = free_bytes(), tables0 = as.table_pages;
    EXPECT_OK(vmm_unmap(&as, vaddr(USER_ALLOC), 5 * P));
    EXPECT_EQ(as.owned_pages, 0);
    EXPECT_EQ(as.table_pages, tables0 - 1);
    EXPECT_EQ(free_bytes(), free0 + (4 + 1) * P);
}

static void test_error_kernel_slot(void **state)
{
    (void)state;
    machine_boot(RAM_SIZE, true, true);
    struct address_space *k = &m.kernel;
    const uint64_t P = PAGE_SIZE;
    EXPECT_OK(vmm_map(k, vaddr(slot_va(256)), paddr(0), 2 * P, VMM_WRITE));
    EXPECT_OK(vmm_kernel_reserve_slot(k, vaddr(KERNEL_VMA))); /* slot 511, before any user space */
    EXPECT_EQ(k->table_pages, 5);                      /* PML4, 2 PDPTs, PD, PT */
    EXPECT_OK(vmm_kernel_reserve_slot(k, vaddr(KERNEL_VMA))); /* again: nothing new */
    EXPECT_EQ(k->table_pages, 5);

    struct address_space as = new_space();
    EXPECT_FAIL(k, vmm_map(k, vaddr(slot_va(257)), paddr(0), P, 0), VMM_ERR_KERNEL_SLOT);
    EXPECT_FAIL(k, vmm_alloc(k, vaddr(slot_va(300)), P, VMM_WRITE), VMM_ERR_KERNEL_SLOT);
    EXPECT_FAIL(k, vmm_map(k, vaddr(slot_va(300)), paddr(0), GiB, VMM_LARGE), VMM_ERR_KERNEL_SLOT);
    /* Half in an existing slot: what was mapped there is taken back. */
    EXPECT_FAIL(k, vmm_map(k, vaddr(slot_va(257) - 4 * P), paddr(0), 8 * P, VMM_WRITE),
                VMM_ERR_KERNEL_SLOT);
    EXPECT_FAIL(k, vmm_alloc(k, vaddr(slot_va(257) - 4 * P), 8 * P, VMM_WRITE),
                VMM_ERR_KERNEL_SLOT);
    EXPECT_FAIL(k, vmm_map(k, vaddr(slot_va(257) - GiB), paddr(0), 2 * GiB, VMM_LARGE),
                VMM_ERR_KERNEL_SLOT);
    EXPECT_FAIL(k, vmm_kernel_reserve_slot(k, vaddr(slot_va(257))), VMM_ERR_KERNEL_SLOT);
    EXPECT_FAIL(&as, vmm_kernel_reserve_slot(k, vaddr(slot_va(257))), VMM_ERR_KERNEL_SLOT);
    assert_not_mapped(k, slot_va(257) - P);

    /* Existing slots work, and every space sees what is mapped in them. */
    EXPECT_OK(vmm_kernel_reserve_slot(k, vaddr(slot_va(256) + 5 * GiB)));
    EXPECT_OK(vmm_alloc(k, vaddr(KERNEL_VMA), 2 * P, VMM_WRITE));
    EXPECT_OK(vmm_map(k, vaddr(slot_va(256) + GiB), paddr(0), GiB, VMM_LARGE));
    uint64_t pa;
    EXPECT_OK(translate(k, vaddr(KERNEL_VMA + P), &pa, NULL, NULL));
    assert_translates(&as, KERNEL_VMA + P, pa, VMM_WRITE, P);
    assert_translates(&as, slot_va(256) + GiB + 0x1234, 0x1234, VMM_LARGE, HUGE_PAGE_SIZE);
    struct address_space later = new_space();
    assert_translates(&later, KERNEL_VMA + P, pa, VMM_WRITE, P);

    /* Once no user space is left, new slots may be added again. */
    vmm_space_destroy(&as);
    EXPECT_FAIL(k, vmm_map(k, vaddr(slot_va(257)), paddr(0), P, 0), VMM_ERR_KERNEL_SLOT);
    vmm_space_destroy(&later);
    EXPECT_EQ(m.vmm.user_spaces, 0);
    EXPECT_OK(vmm_map(k, vaddr(slot_va(257)), paddr(0), P, 0));
    EXPECT_OK(vmm_kernel_reserve_slot(k, vaddr(slot_va(300))));
    check_tables(k);
}

/* ---- rollback when the PMM runs dry --------------------------------------- */

/*
 * For every k below `needed`, leave exactly k free frames and check that the
 * call fails with VMM_ERR_NO_MEMORY and leaves everything as it was; with
 * `needed` frames it must succeed and use them all. `call` runs the request.
 */
typedef int (*request_fn)(struct address_space *as);

static void check_rollback(struct address_space *as, request_fn call, const char *what,
                           size_t needed, const size_t *ks, size_t nks)
{
    for (size_t i = 0; i < nks; i++) {
        size_t k = ks[i];
        hoard_until(k);
        struct snapshot before = snapshot(as);
        set_context("%s with %zu free frames (%zu needed)", what, k, needed);
        int err = call(as);
        if (k < needed) {
            check_result(what, err, VMM_ERR_NO_MEMORY);
            assert_unchanged(as, &before, what);
            check_tables(as);
        } else {
            check_result(what, err, VMM_OK);
            EXPECT_EQ(free_bytes(), (k - needed) * PAGE_SIZE);
        }
        hoard_release();
    }
}

/* The request of the small cases: 4 pages across the 512 GiB boundary. */
#define ACROSS_PDPT (PML4_SPAN - 2 * PAGE_SIZE)

static int alloc_across_pdpt(struct address_space *as)
{
    return vmm_alloc(as, vaddr(ACROSS_PDPT), 4 * PAGE_SIZE, VMM_WRITE | VMM_USER);
}

static void test_alloc_rolls_back_when_memory_runs_out(void **state)
{
    (void)state;
    machine_boot(RAM_SIZE, true, true);
    struct address_space as = new_space();
    EXPECT_OK(vmm_alloc(&as, vaddr(0x1000), PAGE_SIZE, VMM_WRITE)); /* PDPT 0, PD 0, PT 0 exist */
    /* Frame, PD, PT; frame; frame, PDPT, PD, PT; frame: 9 frames in that order. */
    const size_t every_k[] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9};
    check_rollback(&as, alloc_across_pdpt, "vmm_alloc across 512 GiB", 9, every_k, 10);
    EXPECT_EQ(as.owned_pages, 5);
    EXPECT_OK(vmm_free(&as, vaddr(ACROSS_PDPT), 4 * PAGE_SIZE));
    EXPECT_OK(vmm_free(&as, vaddr(0x1000), PAGE_SIZE));
    EXPECT_EQ(as.table_pages, 1);
    vmm_space_destroy(&as);
    EXPECT_EQ(free_bytes(), m.free_at_boot);
}

/* 600 pages from 10 pages below 2 MiB, in an empty space: 600 frames and
 * PDPT, PD and three PTs. The order of requests to the PMM is: frame, PDPT,
 * PD, PT (4); 9 frames (13); frame, PT (15); 511 frames (526); frame, PT
 * (528); 77 frames (605). */
static int alloc_600_pages(struct address_space *as)
{
    return vmm_alloc(as, vaddr(2 * MiB - 10 * PAGE_SIZE), 600 * PAGE_SIZE, VMM_WRITE | VMM_USER);
}

static void test_big_alloc_rolls_back_when_memory_runs_out(void **state)
{
    (void)state;
    machine_boot(RAM_SIZE, true, true);
    struct address_space as = new_space();
    const size_t ks[] = {0,   1,   2,   3,   4,   5,   12,  13,  14,  15, 16,
                         300, 525, 526, 527, 528, 529, 600, 603, 604, 605};
    check_rollback(&as, alloc_600_pages, "vmm_alloc of 600 pages", 605, ks,
                   sizeof(ks) / sizeof(ks[0]));
    EXPECT_EQ(as.owned_pages, 600);
    EXPECT_EQ(as.table_pages, 6);
    vmm_space_destroy(&as);
    EXPECT_EQ(free_bytes(), m.free_at_boot);
}

/* 4 small pages, a 1 GiB page, 4 small pages, from slot 1 into slot 2: PDPT,
 * PD, PT, then the 1 GiB entry, then PDPT, PD, PT. */
#define MAP_START (2 * PML4_SPAN - GiB - 4 * PAGE_SIZE)
#define MAP_SIZE (GiB + 8 * PAGE_SIZE)

static int map_across_slots(struct address_space *as)
{
    return vmm_map(as, vaddr(MAP_START), paddr(MAP_START), MAP_SIZE, VMM_WRITE | VMM_LARGE);
}

static void test_map_rolls_back_when_memory_runs_out(void **state)
{
    (void)state;
    machine_boot(RAM_SIZE, true, true);
    struct address_space as = new_space();
    EXPECT_OK(vmm_map(&as, vaddr(0x1000), paddr(FAR_PA), PAGE_SIZE, 0));
    const size_t every_k[] = {0, 1, 2, 3, 4, 5, 6};
    check_rollback(&as, map_across_slots, "vmm_map from slot 1 to slot 2", 6, every_k, 7);
    EXPECT_EQ(leaf_level(&as, MAP_START + 4 * PAGE_SIZE), 3);
    EXPECT_OK(vmm_unmap(&as, vaddr(MAP_START), MAP_SIZE));
    EXPECT_OK(vmm_unmap(&as, vaddr(0x1000), PAGE_SIZE));
    EXPECT_EQ(as.table_pages, 1);
}

/* In the kernel's space the first mapping in a slot also creates its PDPT. */
static int kernel_map_new_slot(struct address_space *k)
{
    return vmm_map(k, vaddr(slot_va(300) - 2 * PAGE_SIZE), paddr(0), 4 * PAGE_SIZE, VMM_WRITE);
}

/* Frame, PDPT, PD, PT in slot 303; frame, PDPT, PD, PT in slot 304. */
static int kernel_alloc_two_new_slots(struct address_space *k)
{
    return vmm_alloc(k, vaddr(slot_va(304) - PAGE_SIZE), 2 * PAGE_SIZE, VMM_WRITE);
}

static void test_kernel_map_rolls_back_when_memory_runs_out(void **state)
{
    (void)state;
    machine_boot(RAM_SIZE, true, true);
    EXPECT_OK(vmm_kernel_reserve_slot(&m.kernel, vaddr(slot_va(299))));
    /* PD, PT in slot 299 (reserved, kept); PDPT, PD, PT in the new slot 300. */
    const size_t every_k[] = {0, 1, 2, 3, 4, 5, 6, 7, 8};
    check_rollback(&m.kernel, kernel_map_new_slot, "kernel vmm_map into a new slot", 5, every_k, 6);
    check_rollback(&m.kernel, kernel_alloc_two_new_slots, "kernel vmm_alloc into two new slots", 8,
                   every_k, 9);
    EXPECT_EQ(m.kernel.table_pages, 1 + 1 + (2 + 3) + 2 * 3);
    EXPECT_EQ(m.kernel.owned_pages, 2);
    check_tables(&m.kernel);
}

static void test_create_and_reserve_fail_cleanly_without_memory(void **state)
{
    (void)state;
    machine_boot(RAM_SIZE, true, true);
    hoard_until(0);
    struct address_space as;
    EXPECT_RESULT(vmm_space_create(&m.vmm, &as), VMM_ERR_NO_MEMORY);
    EXPECT_EQ(m.vmm.user_spaces, 0);
    vmm_space_destroy(&as); /* harmless on a space that was never created */
    EXPECT_EQ(m.vmm.user_spaces, 0);
    EXPECT_FAIL(&m.kernel, vmm_kernel_reserve_slot(&m.kernel, vaddr(KERNEL_VMA)),
                VMM_ERR_NO_MEMORY);
    hoard_release();
    EXPECT_EQ(free_bytes(), m.free_at_boot);
}

/* ---- empty tables are freed --------------------------------------------- */

static void test_unmap_frees_empty_tables(void **state)
{
    (void)state;
    machine_boot(RAM_SIZE, true, true);
    struct address_space as = new_space();
    const uint64_t free0 = free_bytes(), P = PAGE_SIZE;
    EXPECT_OK(vmm_alloc(&as, vaddr(0x1000), P, VMM_WRITE)); /* PDPT 0, PD 0, PT for 0..2 MiB */
    EXPECT_EQ(as.table_pages, 4);
    EXPECT_OK(
        vmm_map(&as, vaddr(4 * MiB - P), paddr(FAR_PA), 2 * P, 0)); /* PTs for 2..4 and 4..6 MiB */
    EXPECT_EQ(as.table_pages, 6);

    struct vmm_walk w;
    vmm_walk(&as, vaddr(4 * MiB), &w);
    const uint64_t pd0 = w.table[2].addr;
    EXPECT_OK(vmm_unmap(&as, vaddr(4 * MiB - P), P));
    EXPECT_EQ(as.table_pages, 5);
    EXPECT_EQ(entry_at(pd0, 1), 0);              /* the PT for 2..4 MiB is gone */
    assert_true(entry_at(pd0, 2) & PTE_PRESENT); /* the one for 4..6 MiB is not */
    assert_true(entry_at(pd0, 0) & PTE_PRESENT);

    EXPECT_OK(vmm_alloc(&as, vaddr(PML4_SPAN - P), 2 * P, VMM_WRITE)); /* PD, PT; PDPT, PD, PT */
    EXPECT_EQ(as.table_pages, 10);
    vmm_walk(&as, vaddr(PML4_SPAN - P), &w);
    const uint64_t pdpt0 = w.table[1].addr;
    EXPECT_OK(vmm_unmap(&as, vaddr(PML4_SPAN - P), P));
    EXPECT_EQ(as.table_pages, 8);
    EXPECT_EQ(entry_at(pdpt0, 511), 0);
    EXPECT_OK(vmm_free(&as, vaddr(PML4_SPAN), P));
    EXPECT_EQ(as.table_pages, 5);
    EXPECT_EQ(entry_at(as.pml4.addr, 1), 0);

    EXPECT_OK(vmm_map(&as, vaddr(3 * GiB), paddr(0), GiB, VMM_LARGE)); /* a 1 GiB leaf in PDPT 0 */
    EXPECT_EQ(as.table_pages, 5);
    EXPECT_OK(vmm_free(&as, vaddr(0x1000), P));
    EXPECT_OK(vmm_unmap(&as, vaddr(4 * MiB), P));
    EXPECT_EQ(as.table_pages, 2); /* PDPT 0 holds the 1 GiB page */
    EXPECT_OK(vmm_unmap(&as, vaddr(3 * GiB), GiB));
    EXPECT_EQ(as.table_pages, 1);
    for (unsigned i = 0; i < VMM_ENTRIES / 2; i++)
        if (entry_at(as.pml4.addr, i))
            FAIL("PML4[%u] = %s after unmapping everything, expected 0", i,
                 hex(entry_at(as.pml4.addr, i)));
    EXPECT_EQ(free_bytes(), free0);
    vmm_space_destroy(&as);
    EXPECT_EQ(free_bytes(), m.free_at_boot);

    /* The kernel keeps its PDPTs: every space shares them. */
    EXPECT_OK(vmm_alloc(&m.kernel, vaddr(KERNEL_VMA), 3 * P, VMM_WRITE));
    EXPECT_OK(vmm_map(&m.kernel, vaddr(slot_va(256)), paddr(0), 2 * LARGE_PAGE_SIZE, VMM_LARGE));
    EXPECT_EQ(m.kernel.table_pages, 1 + 2 + 1 + 1 + 1);
    EXPECT_OK(vmm_free(&m.kernel, vaddr(KERNEL_VMA), 3 * P));
    EXPECT_OK(vmm_unmap(&m.kernel, vaddr(slot_va(256)), 2 * LARGE_PAGE_SIZE));
    EXPECT_EQ(m.kernel.table_pages, 3);
    assert_true(entry_at(m.kernel.pml4.addr, 511) & PTE_PRESENT);
    assert_true(entry_at(m.kernel.pml4.addr, 256) & PTE_PRESENT);
    for (unsigned i = 0; i < VMM_ENTRIES; i++)
        EXPECT_EQ(entry_at(entry_at(m.kernel.pml4.addr, 511) & PTE_ADDR_MASK, i), 0);
    check_tables(&m.kernel);
    EXPECT_EQ(free_bytes(), m.free_at_boot - 2 * P);
}

/* ---- vmm_alloc's frames ---------------------------------------------------- */

static void test_alloc_gives_zeroed_owned_frames(void **state)
{
    (void)state;
    machine_boot(RAM_SIZE, true, true);
    struct address_space as = new_space();
    const uint64_t P = PAGE_SIZE, A = 64 * MiB, B = 128 * GiB;
    enum { N = 40 };
    uint64_t frames[N];
    for (int round = 0; round < 3; round++) {
        /* Round 0 gets frames full of 0xCC from boot, later rounds get the
         * frames this test filled with 0xA5 before freeing them. */
        uint64_t va = round == 1 ? B : A;
        uint64_t free0 = free_bytes(), tables0 = as.table_pages;
        EXPECT_OK(vmm_alloc(&as, vaddr(va), N * P, VMM_WRITE | VMM_USER | VMM_LARGE));
        EXPECT_EQ(as.owned_pages, N);
        EXPECT_EQ(free_bytes(), free0 - (N + as.table_pages - tables0) * P);
        for (int i = 0; i < N; i++) {
            struct vmm_walk w;
            vmm_walk(&as, vaddr(va + i * P), &w);
            frames[i] = w.phys.addr;
            if (w.steps != 4) /* VMM_LARGE is ignored: frames come one at a time */
                FAIL("vmm_alloc page %d: expected a 4 KiB page, got a walk of %d steps", i,
                     w.steps);
            EXPECT_EQ(w.entry[3],
                      frames[i] | PTE_PRESENT | PTE_WRITE | PTE_USER | PTE_NX | PTE_OWNED);
            assert_false(pmm_is_free(&m.pmm, paddr(frames[i])));
            if (!frame_is_zero(frames[i]))
                FAIL("round %d: the frame %s of page %d is not zeroed", round, hex(frames[i]), i);
            for (int j = 0; j < i; j++)
                if (frames[j] == frames[i])
                    FAIL("pages %d and %d share the frame %s", j, i, hex(frames[i]));
            memset(ram_ptr(frames[i]), 0xA5, P);
        }
        /* vmm_free and vmm_unmap both give vmm_alloc's frames back. */
        if (round == 1)
            EXPECT_OK(vmm_unmap(&as, vaddr(va), N * P));
        else
            EXPECT_OK(vmm_free(&as, vaddr(va), N * P));
        EXPECT_EQ(as.owned_pages, 0);
        EXPECT_EQ(as.table_pages, 1);
        for (int i = 0; i < N; i++)
            assert_true(pmm_is_free(&m.pmm, paddr(frames[i])));
        EXPECT_EQ(free_bytes(), free0);
    }

    /* Frames mapped with vmm_map stay with their owner. */
    uint64_t mine = pmm_alloc_page(&m.pmm).addr;
    assert_true(mine != PMM_NO_FRAME.addr);
    uint64_t free0 = free_bytes();
    EXPECT_OK(vmm_map(&as, vaddr(A), paddr(mine), P, VMM_WRITE));
    struct vmm_walk w;
    vmm_walk(&as, vaddr(A), &w);
    EXPECT_EQ(w.entry[3] & PTE_OWNED, 0);
    EXPECT_EQ(as.owned_pages, 0);
    EXPECT_OK(vmm_unmap(&as, vaddr(A), P));
    assert_false(pmm_is_free(&m.pmm, paddr(mine)));
    EXPECT_EQ(free_bytes(), free0);
    pmm_free_page(&m.pmm, paddr(mine));
    vmm_space_destroy(&as);
    EXPECT_EQ(free_bytes(), m.free_at_boot);
}

/* ---- address spaces -------------------------------------------------------- */

static void assert_shares_kernel_half(const struct address_space *as)
{
    for (unsigned i = 0; i < VMM_ENTRIES; i++) {
        pte_t mine = entry_at(as->pml4.addr, i);
        pte_t want = i < VMM_ENTRIES / 2 ? mine : entry_at(m.kernel.pml4.addr, i);
        if (mine != want)
            FAIL("PML4[%u] of the space at %s is %s, the kernel's is %s", i, hex(as->pml4.addr),
                 hex(mine), hex(want));
    }
}

static void test_space_create_shares_the_kernel_half(void **state)
{
    (void)state;
    machine_boot(RAM_SIZE, true, true);
    struct address_space *k = &m.kernel;
    EXPECT_OK(vmm_map(k, vaddr(DIRECT_MAP_BASE), paddr(0), 4 * GiB, VMM_WRITE | VMM_LARGE));
    EXPECT_OK(vmm_alloc(k, vaddr(KERNEL_VMA), 3 * PAGE_SIZE, VMM_WRITE | VMM_EXEC));
    EXPECT_OK(vmm_kernel_reserve_slot(k, vaddr(slot_va(300))));
    const uint64_t free0 = free_bytes(), kernel_tables = k->table_pages;

    struct address_space a = new_space(), b = new_space();
    EXPECT_EQ(m.vmm.user_spaces, 2);
    assert_true(a.pml4.addr != b.pml4.addr && a.pml4.addr != k->pml4.addr);
    assert_false(a.kernel);
    EXPECT_EQ(a.table_pages, 1);
    EXPECT_EQ(a.owned_pages, 0);
    EXPECT_EQ(free_bytes(), free0 - 2 * PAGE_SIZE);
    for (unsigned i = 0; i < VMM_ENTRIES / 2; i++)
        EXPECT_EQ(entry_at(a.pml4.addr, i), 0);
    assert_shares_kernel_half(&a);
    assert_shares_kernel_half(&b);
    assert_true(entry_at(a.pml4.addr, 300) & PTE_PRESENT);

    /* A user mapping is private; a kernel mapping in an existing slot is everywhere. */
    EXPECT_OK(vmm_alloc(&a, vaddr(0x400000), PAGE_SIZE, VMM_USER | VMM_WRITE));
    assert_not_mapped(&b, 0x400000);
    assert_not_mapped(k, 0x400000);
    EXPECT_OK(vmm_map(k, vaddr(slot_va(300) + 7 * GiB), paddr(0x123000), PAGE_SIZE, VMM_WRITE));
    assert_translates(&a, slot_va(300) + 7 * GiB + 8, 0x123008, VMM_WRITE, PAGE_SIZE);
    assert_translates(&b, slot_va(300) + 7 * GiB + 8, 0x123008, VMM_WRITE, PAGE_SIZE);
    assert_translates(&b, DIRECT_MAP_BASE + GiB + 3, GiB + 3, VMM_WRITE | VMM_LARGE,
                      HUGE_PAGE_SIZE);
    assert_shares_kernel_half(&a);
    EXPECT_OK(vmm_unmap(k, vaddr(slot_va(300) + 7 * GiB), PAGE_SIZE));

    vmm_space_destroy(&a);
    EXPECT_EQ(a.pml4.addr, 0);
    EXPECT_EQ(m.vmm.user_spaces, 1);
    vmm_space_destroy(&b);
    EXPECT_EQ(m.vmm.user_spaces, 0);
    EXPECT_EQ(free_bytes(), free0);
    EXPECT_EQ(k->table_pages, kernel_tables);
    assert_translates(k, DIRECT_MAP_BASE + 5, 5, VMM_WRITE | VMM_LARGE, HUGE_PAGE_SIZE);
    check_tables(k);
}

/* Fill a space with a few kinds of mappings, chosen by i. Returns the frames the
 * test itself gave to vmm_map (which destroy must not free) in *own. */
static void fill_space(struct address_space *as, unsigned i, uint64_t *own)
{
    const uint64_t P = PAGE_SIZE;
    uint64_t spot = (i * 7 % 200) * GiB + (i % 5) * 2 * MiB;
    EXPECT_OK(vmm_alloc(as, vaddr(spot + 0x10000), (1 + i % 13) * P, VMM_WRITE | VMM_USER));
    if (i % 2)
        EXPECT_OK(vmm_alloc(as, vaddr(PML4_SPAN * (1 + i % 3) - P), 2 * P, VMM_USER));
    if (i % 3 == 0)
        EXPECT_OK(vmm_map(as, vaddr(300 * GiB), paddr(0), LARGE_PAGE_SIZE * (1 + i % 4),
                          VMM_LARGE | VMM_USER));
    if (i % 4 == 1)
        EXPECT_OK(vmm_map(as, vaddr(301 * GiB), paddr(0), GiB, VMM_LARGE | VMM_USER));
    if (i % 5 == 2)
        EXPECT_OK(vmm_alloc(as, vaddr(100 * TiB), 520 * P, VMM_WRITE | VMM_USER));
    *own = pmm_alloc_page(&m.pmm).addr;
    assert_true(*own != PMM_NO_FRAME.addr);
    EXPECT_OK(vmm_map(as, vaddr(302 * GiB), paddr(*own), P, VMM_USER));
    check_tables(as);
}

static void test_create_fill_destroy_100_spaces(void **state)
{
    (void)state;
    machine_boot(RAM_SIZE, true, true);
    EXPECT_OK(vmm_map(&m.kernel, vaddr(DIRECT_MAP_BASE), paddr(0), 4 * GiB, VMM_WRITE | VMM_LARGE));
    EXPECT_OK(vmm_alloc(&m.kernel, vaddr(KERNEL_VMA), 4 * PAGE_SIZE, VMM_WRITE));
    const uint64_t free0 = free_bytes(), kernel_tables = m.kernel.table_pages;
    enum { LIVE = 7 };
    struct address_space live[LIVE] = {0};
    uint64_t own[LIVE] = {0};
    for (unsigned i = 0; i < 100 + LIVE; i++) {
        unsigned slot = (i * 3) % LIVE; /* destroy in a different order than created */
        if (live[slot].pml4.addr) {
            uint64_t before = free_bytes();
            uint64_t returned = live[slot].table_pages + live[slot].owned_pages;
            vmm_space_destroy(&live[slot]);
            if (free_bytes() != before + returned * PAGE_SIZE)
                FAIL("space %u: destroy should return %llu frames, returned %llu", i,
                     (unsigned long long)returned,
                     (unsigned long long)((free_bytes() - before) / PAGE_SIZE));
            assert_false(pmm_is_free(&m.pmm, paddr(own[slot]))); /* mapped, not vmm_alloc'ed */
            pmm_free_page(&m.pmm, paddr(own[slot]));
        }
        if (i < 100) {
            set_context("space %u", i);
            live[slot] = new_space();
            assert_shares_kernel_half(&live[slot]);
            fill_space(&live[slot], i, &own[slot]);
        }
    }
    EXPECT_EQ(m.vmm.user_spaces, 0);
    EXPECT_EQ(free_bytes(), free0);
    EXPECT_EQ(m.kernel.table_pages, kernel_tables);
    EXPECT_EQ(m.kernel.owned_pages, 4);
}

/* ---- walks and dumps ------------------------------------------------------- */

static void test_walk_and_dump_address(void **state)
{
    (void)state;
    machine_boot(RAM_SIZE, true, true);
    EXPECT_OK(vmm_map(&m.kernel, vaddr(DIRECT_MAP_BASE), paddr(0), 4 * GiB, VMM_WRITE | VMM_LARGE));
    EXPECT_OK(vmm_map(&m.kernel, vaddr(KERNEL_VMA), paddr(0x200000), LARGE_PAGE_SIZE,
                      VMM_EXEC | VMM_LARGE));
    struct address_space as = new_space();
    EXPECT_OK(vmm_map(&as, vaddr(0x400000), paddr(0x1234000), 3 * PAGE_SIZE, VMM_WRITE | VMM_USER));

    /* A 4 KiB page: four entries, then where it leads. */
    struct vmm_walk w;
    const uint64_t va = 0x401234;
    vmm_walk(&as, vaddr(va), &w);
    EXPECT_EQ(w.steps, 4);
    assert_true(w.mapped);
    EXPECT_EQ(w.phys.addr, 0x1235234);
    EXPECT_EQ(w.page_size, PAGE_SIZE);
    EXPECT_EQ(w.index[0], 0);
    EXPECT_EQ(w.index[2], 2);
    EXPECT_EQ(w.index[3], 1);
    struct capture c = {0};
    vmm_dump_address(&as, vaddr(va), capture_line, &c);
    EXPECT_EQ(c.lines, 6);
    ASSERT_LINE_HAS(&c, 0, "walk of 0x401234", hex(as.pml4.addr));
    const char *names[] = {"PML4[  0]", "PDPT[  0]", "PD  [  2]", "PT  [  1]"};
    for (int s = 0; s < 4; s++) {
        char at[40], value[40];
        snprintf(at, sizeof(at), "at %s ", hex(w.table[s].addr + w.index[s] * sizeof(pte_t)));
        snprintf(value, sizeof(value), "= %#018llx", (unsigned long long)w.entry[s]);
        ASSERT_LINE_HAS(&c, 1 + s, names[s], at, value, hex(w.entry[s] & PTE_ADDR_MASK));
        ASSERT_LINE_HAS(&c, 1 + s, s < 3 ? "next table" : "maps a frame");
        ASSERT_LINE_HAS(&c, 1 + s, s < 3 ? " P W U" : " P W U NX");
    }
    ASSERT_LINE_HAS(&c, 5, "=> physical 0x1235234", "4 KiB page", "writable", "no-exec", "user");
    capture_free(&c);

    /* A hole below a present PDPT entry... */
    vmm_walk(&as, vaddr(5 * GiB), &w);
    EXPECT_EQ(w.steps, 2);
    assert_false(w.mapped);
    EXPECT_EQ(w.entry[1], 0);
    vmm_dump_address(&as, vaddr(5 * GiB), capture_line, &c);
    EXPECT_EQ(c.lines, 4);
    ASSERT_LINE_HAS(&c, 2, "PDPT[  5]", "not present", " -");
    ASSERT_LINE_HAS(&c, 3, "=> not mapped: the PDPT entry is not present");
    capture_free(&c);
    /* ...and at the very top. */
    vmm_dump_address(&as, vaddr(slot_va(7)), capture_line, &c);
    EXPECT_EQ(c.lines, 3);
    ASSERT_LINE_HAS(&c, 1, "PML4[  7]", "not present");
    ASSERT_LINE_HAS(&c, 2, "=> not mapped: the PML4 entry is not present");
    capture_free(&c);

    /* Large pages stop the walk early, with PS set. */
    vmm_dump_address(&as, vaddr(DIRECT_MAP_BASE + 0x12345678), capture_line, &c);
    EXPECT_EQ(c.lines, 4);
    ASSERT_LINE_HAS(&c, 1, "PML4[256]", "next table", " P W");
    ASSERT_LINE_HAS(&c, 2, "PDPT[  0]", "maps a frame", "P W PS NX");
    ASSERT_LINE_HAS(&c, 3, "=> physical 0x12345678", "1 GiB page", "writable", "no-exec",
                    "kernel-only");
    EXPECT_EQ(count_lines_with(&c, " U"), 0);
    capture_free(&c);
    vmm_dump_address(&as, vaddr(KERNEL_VMA + 0x1000), capture_line, &c);
    EXPECT_EQ(c.lines, 5);
    ASSERT_LINE_HAS(&c, 1, "PML4[511]");
    ASSERT_LINE_HAS(&c, 2, "PDPT[510]");
    ASSERT_LINE_HAS(&c, 3, "PD  [  0]", "maps a frame", "P PS");
    ASSERT_LINE_HAS(&c, 4, "=> physical 0x201000", "2 MiB page", "read-only", "executable",
                    "kernel-only");
    capture_free(&c);

    vmm_dump_address(&as, vaddr(VMM_USER_END), capture_line, &c);
    EXPECT_EQ(c.lines, 2);
    ASSERT_LINE_HAS(&c, 1, "not canonical");
    capture_free(&c);
}

static void test_dump_space_lists_ranges(void **state)
{
    (void)state;
    machine_boot(RAM_SIZE, true, true);
    EXPECT_OK(vmm_map(&m.kernel, vaddr(DIRECT_MAP_BASE), paddr(0), 4 * GiB, VMM_WRITE | VMM_LARGE));
    struct address_space as = new_space();
    EXPECT_OK(vmm_map(&as, vaddr(0x400000), paddr(0x1234000), 3 * PAGE_SIZE, VMM_WRITE | VMM_USER));
    EXPECT_OK(
        vmm_map(&as, vaddr(0x403000), paddr(0x1237000), PAGE_SIZE, VMM_USER)); /* other flags */
    EXPECT_OK(
        vmm_map(&as, vaddr(0x404000), paddr(0x9000000), PAGE_SIZE, VMM_USER)); /* not contiguous */
    EXPECT_OK(vmm_alloc(&as, vaddr(0x800000), 2 * PAGE_SIZE, VMM_WRITE | VMM_USER));
    EXPECT_OK(
        vmm_map(&as, vaddr(2 * GiB), paddr(2 * GiB), 2 * LARGE_PAGE_SIZE, VMM_LARGE | VMM_NOCACHE));

    struct capture c = {0};
    vmm_dump_space(&as, capture_line, &c);
    ASSERT_LINE_HAS(&c, 0, "address space with PML4 at", hex(as.pml4.addr), "a user space");
    ASSERT_LINE_HAS(&c, 1,
                    "  0x0000000000400000-0x0000000000402fff -> 0x1234000  4 KiB x 3  "
                    "P W U NX");
    /* Same flags, next page, but a frame elsewhere: one line, marked scattered. */
    ASSERT_LINE_HAS(&c, 2,
                    "0x0000000000403000-0x0000000000404fff -> 0x1237000 and scattered frames  "
                    "4 KiB x 2  P U NX");
    /* The allocated frames: one line either way; scattered unless the PMM gave
     * consecutive frames. */
    uint64_t f0, f1;
    EXPECT_OK(translate(&as, vaddr(0x800000), &f0, NULL, NULL));
    EXPECT_OK(translate(&as, vaddr(0x801000), &f1, NULL, NULL));
    unsigned n = 3;
    ASSERT_LINE_HAS(&c, n++, "0x0000000000800000-0x0000000000801fff", hex(f0),
                    f1 == f0 + PAGE_SIZE ? "-> " : "and scattered frames", "4 KiB x 2",
                    "P W U OWN NX");
    ASSERT_LINE_HAS(&c, n++,
                    "0x0000000080000000-0x00000000803fffff -> 0x80000000  2 MiB x 2  "
                    "P PWT PCD NX");
    ASSERT_LINE_HAS(&c, n++, "0xffff800000000000-0xffff8000ffffffff -> 0  1 GiB x 4  P W NX");
    char tail[80];
    snprintf(tail, sizeof(tail), "%llu page-table pages owned, 2 frames from vmm_alloc",
             (unsigned long long)as.table_pages);
    ASSERT_LINE_HAS(&c, n++, tail);
    EXPECT_EQ(c.lines, n);
    capture_free(&c);

    vmm_dump_space(&m.kernel, capture_line, &c);
    EXPECT_EQ(c.lines, 3);
    ASSERT_LINE_HAS(&c, 0, "the kernel's");
    ASSERT_LINE_HAS(&c, 1, "1 GiB x 4");
    ASSERT_LINE_HAS(&c, 2, "2 page-table pages owned, 0 frames from vmm_alloc");
    capture_free(&c);
}

static void test_names_and_flag_text(void **state)
{
    (void)state;
    assert_string_equal(vmm_level_name(4), "PML4");
    assert_string_equal(vmm_level_name(3), "PDPT");
    assert_string_equal(vmm_level_name(2), "PD");
    assert_string_equal(vmm_level_name(1), "PT");
    assert_string_equal(vmm_level_name(0), "?");
    assert_string_equal(vmm_level_name(5), "?");

    char buf[64];
    EXPECT_EQ(vmm_entry_flags(0, buf, sizeof(buf)), 1);
    assert_string_equal(buf, "-");
    vmm_entry_flags(PTE_PRESENT | PTE_WRITE | PTE_USER | PTE_NX, buf, sizeof(buf));
    assert_string_equal(buf, "P W U NX");
    vmm_entry_flags(PTE_PRESENT | PTE_PS | PTE_GLOBAL | 0x1234000, buf, sizeof(buf));
    assert_string_equal(buf, "P PS G");
    pte_t all = PTE_PRESENT | PTE_WRITE | PTE_USER | PTE_PWT | PTE_PCD | PTE_ACCESSED | PTE_DIRTY |
                PTE_PS | PTE_GLOBAL | PTE_OWNED | PTE_NX;
    int n = vmm_entry_flags(all, buf, sizeof(buf));
    assert_string_equal(buf, "P W U PWT PCD A D PS G OWN NX");
    EXPECT_EQ(n, (int)strlen(buf));
    /* A short buffer: truncated, terminated, and the full length returned. */
    char small[8];
    EXPECT_EQ(vmm_entry_flags(all, small, sizeof(small)), n);
    assert_string_equal(small, "P W U P");
    EXPECT_EQ(vmm_entry_flags(all, NULL, 0), n); /* just the length */
    EXPECT_EQ(vmm_entry_flags(0, NULL, 0), 1);

    const int codes[] = {VMM_ERR_BAD_ARGUMENT,   VMM_ERR_NONCANONICAL, VMM_ERR_MISALIGNED,
                         VMM_ERR_KERNEL_ADDRESS, VMM_ERR_USER_ADDRESS, VMM_ERR_ALREADY_MAPPED,
                         VMM_ERR_NOT_MAPPED,     VMM_ERR_NO_MEMORY,    VMM_ERR_SPLITS_LARGE,
                         VMM_ERR_NOT_OWNED,      VMM_ERR_KERNEL_SLOT};
    const char *unknown = vmm_strerror(-99);
    for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
        EXPECT_EQ(codes[i], -(int)(i + 1));
        const char *s = vmm_strerror(codes[i]);
        assert_string_not_equal(s, unknown);
        for (size_t j = 0; j < i; j++)
            assert_string_not_equal(s, vmm_strerror(codes[j]));
    }
    assert_string_equal(vmm_strerror(VMM_OK), "success");
}

static void test_random_operations_match_model(void **state)
{
    (void)state;
    run_model(0x9E3779B97F4A7C15ULL, true, true);
    run_model(0xD1B54A32D192ED03ULL, false, false);
}

/* ---- the two machines ---------------------------------------------------------- */

static int ram_at_zero(void **state)
{
    (void)state;
    ram_base = 0;
    return 0;
}

/* Above 4 GiB and not 2 MiB-aligned: page tables need only 4 KiB alignment. */
static int ram_above_4gib(void **state)
{
    (void)state;
    ram_base = 32 * GiB + 0x3000;
    return 0;
}

int main(void)
{
#define TEST(fn) cmocka_unit_test_teardown(fn, machine_teardown)
    const struct CMUnitTest tests[] = {
        TEST(test_map_4k_across_boundaries_user_half),
        TEST(test_map_4k_across_boundaries_kernel_half),
        TEST(test_large_pages_pick_the_level_by_alignment),
        TEST(test_large_pages_fall_back_when_unaligned),
        TEST(test_direct_map_table_pages),
        TEST(test_entry_bits_exact),
        TEST(test_protect_changes_flags_keeps_addresses),
        TEST(test_tlb_invalidation),
        TEST(test_error_bad_argument),
        TEST(test_error_noncanonical),
        TEST(test_error_misaligned),
        TEST(test_error_kernel_address),
        TEST(test_error_user_address),
        TEST(test_error_already_mapped),
        TEST(test_error_not_mapped),
        TEST(test_error_splits_large),
        TEST(test_error_not_owned),
        TEST(test_error_kernel_slot),
        TEST(test_alloc_rolls_back_when_memory_runs_out),
        TEST(test_big_alloc_rolls_back_when_memory_runs_out),
        TEST(test_map_rolls_back_when_memory_runs_out),
        TEST(test_kernel_map_rolls_back_when_memory_runs_out),
        TEST(test_create_and_reserve_fail_cleanly_without_memory),
        TEST(test_unmap_frees_empty_tables),
        TEST(test_alloc_gives_zeroed_owned_frames),
        TEST(test_space_create_shares_the_kernel_half),
        TEST(test_create_fill_destroy_100_spaces),
        TEST(test_walk_and_dump_address),
        TEST(test_dump_space_lists_ranges),
        TEST(test_names_and_flag_text),
        TEST(test_random_operations_match_model),
    };
#undef TEST
    int failed = cmocka_run_group_tests_name("vmm, RAM at physical 0", tests, ram_at_zero, NULL);
    failed += cmocka_run_group_tests_name("vmm, RAM above 4 GiB", tests, ram_above_4gib, NULL);
    return failed;
}
