/*
 * tests/vmm_harness.h - the simulated machine the VMM host tests run on.
 *
 * src/mm/vmm.c and src/mm/pmm.c are compiled unchanged. A malloc'ed buffer
 * stands in for RAM: the phys_window's offset makes physical address `base`
 * land on the buffer's first byte, so page tables built by the VMM can be
 * read straight out of the buffer. The PMM hands out the buffer's frames; the
 * VMM asks it for page-table pages and for the frames of vmm_alloc.
 *
 * vmm_map never touches the memory it maps, so its physical targets may lie
 * anywhere (64 GiB of direct map over 16 MiB of simulated RAM is fine); only
 * page tables and vmm_alloc frames must be inside the buffer.
 *
 * The TLB hooks of struct vmm count their calls, so tests can check that the
 * VMM invalidates one page at a time for small changes and reloads CR3 for
 * big ones. check_tables() walks a space's tables and checks the invariants
 * every call must keep (intermediate entries' bits, no empty tables, the
 * table_pages count). The header is included by tests/test_vmm.c only: its
 * functions are static.
 */
#ifndef KILN_TESTS_VMM_HARNESS_H
#define KILN_TESTS_VMM_HARNESS_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/panic.h"
#include "mm/layout.h"
#include "mm/pmm.h"
#include "mm/vmm.h"
#include "mm/vmm_dump.h"

#define KiB (1024ULL)
#define MiB (1024ULL * KiB)
#define GiB (1024ULL * MiB)
#define TiB (1024ULL * GiB)

/* Bytes one entry covers: PT entry 4 KiB, PD entry 2 MiB, PDPT entry 1 GiB, PML4 entry 512 GiB. */
#define PML4_SPAN (512ULL * GiB)

/*
 * What the test is doing right now (a case name, a random seed and step),
 * put in front of every failure message so a failure inside a loop says
 * which case it was. Reset by machine_boot.
 */
static char context[200];

#define set_context(...) snprintf(context, sizeof(context), __VA_ARGS__)
#define FAIL(fmt, ...) fail_msg("%s%s" fmt, context, context[0] ? ": " : "", ##__VA_ARGS__)

/* EXPECT_EQ(actual, expected): assert_int_equal with the expression and the context. */
#define EXPECT_EQ(actual, expected)                                                                \
    do {                                                                                           \
        uint64_t actual_ = (uint64_t)(actual), expected_ = (uint64_t)(expected);                   \
        if (actual_ != expected_)                                                                  \
            FAIL("%s: expected %lld (%#llx), got %lld (%#llx)", #actual, (long long)expected_,     \
                 (unsigned long long)expected_, (long long)actual_, (unsigned long long)actual_);  \
    } while (0)

/* panic(): the PMM panics on a double free or a frame outside RAM; from the
 * VMM's tests that means the VMM returned a frame twice or a wrong one. */
#include "host_panic.h"

/* vmm_translate with the physical address as a plain number, so the tests can
 * compare it with the numbers they mapped. Writes *pa only on success. */
static int translate(const struct address_space *as, vaddr_t va, uint64_t *pa, unsigned *flags,
                     uint64_t *page_size)
{
    paddr_t found;
    int err = vmm_translate(as, va, pa ? &found : NULL, flags, page_size);
    if (pa && err == VMM_OK)
        *pa = found.addr;
    return err;
}

/* "0x..." for messages. Eight buffers, reused in turn. */
static const char *hex(uint64_t x)
{
    static char bufs[8][24];
    static int next;
    char *b = bufs[next++ % 8];
    snprintf(b, sizeof(bufs[0]), "%#llx", (unsigned long long)x);
    return b;
}

/* A physical address far from the simulated RAM: vmm_map never touches its target. */
#define FAR_PA 0x2468ACE000ULL

/* The first address of PML4 slot i (0..255 user half, 256..511 kernel half). */
static uint64_t slot_va(unsigned i)
{
    uint64_t va = (uint64_t)i * PML4_SPAN;
    return i >= VMM_ENTRIES / 2 ? va | 0xFFFF000000000000ULL : va;
}

/* ---- the machine --------------------------------------------------------- */

/* Where the simulated RAM starts: set per group by main() (0, or above 4 GiB). */
static uint64_t ram_base;

struct machine {
    uint8_t *ram;
    uint64_t base; /* physical address of ram[0] */
    size_t size;
    struct pmm pmm;
    struct vmm vmm;
    struct address_space kernel; /* the kernel's space, created at boot */
    uint64_t free_at_boot;       /* PMM free bytes once the kernel's PML4 exists */
    uint64_t *hoard;             /* frames the test took away (see hoard_until) */
    size_t hoarded;
};

static struct machine m;

/* The TLB hooks: count calls and remember the addresses given to invlpg. */
#define TLB_LOG_MAX 1024
static struct {
    unsigned pages, all;
    uint64_t va[TLB_LOG_MAX];
} tlb;

static void count_invalidate_page(uint64_t va)
{
    if (tlb.pages < TLB_LOG_MAX)
        tlb.va[tlb.pages] = va;
    tlb.pages++;
}

static void count_invalidate_all(void)
{
    tlb.all++;
}

static void tlb_reset(void)
{
    tlb.pages = 0;
    tlb.all = 0;
}

static void assert_tlb(unsigned pages, unsigned all, const char *after)
{
    if (tlb.pages != pages || tlb.all != all)
        FAIL("after %s: expected %u invalidate_page and %u invalidate_all calls, got %u and %u",
             after, pages, all, tlb.pages, tlb.all);
}

/* Boot a machine with `size` bytes of RAM at ram_base and an empty kernel space. */
static void machine_boot(size_t size, bool nx, bool gib_pages)
{
    context[0] = '\0';
    m.ram = aligned_alloc(PAGE_SIZE, size);
    assert_non_null(m.ram);
    memset(m.ram, 0xCC, size); /* stale data: nothing may rely on RAM being zero */
    m.base = ram_base;
    m.size = size;
    struct phys_window window = {(uint64_t)(uintptr_t)m.ram - ram_base};
    const struct mem_region map[] = {{ram_base, size, MEM_USABLE}};
    EXPECT_EQ(pmm_init(&m.pmm, window, map, 1, NULL, 0, PMM_NO_LIMIT), 0);

    vmm_setup(&m.vmm, &m.pmm, window, nx, gib_pages);
    m.vmm.invalidate_page = count_invalidate_page;
    m.vmm.invalidate_all = count_invalidate_all;
    tlb_reset();
    int err = vmm_kernel_space_init(&m.vmm, &m.kernel);
    if (err != VMM_OK)
        FAIL("vmm_kernel_space_init: expected VMM_OK, got %d", err);
    EXPECT_EQ(m.kernel.table_pages, 1);
    m.free_at_boot = m.pmm.stats.free_bytes;
}

static int machine_teardown(void **state)
{
    (void)state;
    free(m.hoard);
    free(m.ram);
    m = (struct machine){0};
    return 0;
}

static uint64_t free_bytes(void)
{
    return m.pmm.stats.free_bytes;
}

/* The bytes at physical address p, which must be inside the simulated RAM. */
static uint8_t *ram_ptr(uint64_t p)
{
    if (p < m.base || p - m.base >= m.size)
        FAIL("physical %s is outside the simulated RAM [%s, %s)", hex(p), hex(m.base),
             hex(m.base + m.size));
    return m.ram + (p - m.base);
}

/* Entry i of the page table at physical address table. */
static pte_t entry_at(uint64_t table, unsigned i)
{
    if (table % PAGE_SIZE)
        FAIL("page table at %s is not page-aligned", hex(table));
    return ((const pte_t *)ram_ptr(table))[i];
}

static struct address_space new_space(void)
{
    struct address_space as;
    int err = vmm_space_create(&m.vmm, &as);
    if (err != VMM_OK)
        FAIL("vmm_space_create: expected VMM_OK, got %d (%s)", err, vmm_strerror(err));
    return as;
}

/* ---- calls and their results --------------------------------------------- */

static void check_result(const char *call, int got, int expected)
{
    if (got != expected)
        FAIL("%s: expected %d (%s), got %d (%s)", call, expected, vmm_strerror(expected), got,
             vmm_strerror(got));
}

/* Run a VMM call and check its return code. */
#define EXPECT_RESULT(call, expected) check_result(#call, (call), (expected))
#define EXPECT_OK(call) check_result(#call, (call), VMM_OK)

/*
 * What a failed call must leave alone: the PMM's free memory, the counters of
 * the space (and of the kernel's space, which user spaces share), and every
 * present entry of every table reachable from either PML4 (as a hash).
 */
struct snapshot {
    uint64_t free_bytes;
    uint64_t table_pages, owned_pages;
    uint64_t kernel_table_pages;
    unsigned user_spaces;
    uint64_t hash, kernel_hash;
};

static uint64_t hash_mix(uint64_t h, uint64_t x)
{
    for (int i = 0; i < 8; i++) {
        h ^= (x >> (8 * i)) & 0xFF;
        h *= 0x100000001B3ULL; /* FNV-1a */
    }
    return h;
}

static uint64_t hash_table(uint64_t table, int level, uint64_t h)
{
    for (unsigned i = 0; i < VMM_ENTRIES; i++) {
        pte_t e = entry_at(table, i);
        if (!(e & PTE_PRESENT))
            continue;
        h = hash_mix(hash_mix(hash_mix(h, table), i), e);
        if (level > 1 && !(e & PTE_PS))
            h = hash_table(e & PTE_ADDR_MASK, level - 1, h);
    }
    return h;
}

static struct snapshot snapshot(const struct address_space *as)
{
    return (struct snapshot){
        .free_bytes = free_bytes(),
        .table_pages = as->table_pages,
        .owned_pages = as->owned_pages,
        .kernel_table_pages = m.kernel.table_pages,
        .user_spaces = m.vmm.user_spaces,
        .hash = as->pml4.addr ? hash_table(as->pml4.addr, VMM_LEVELS, 0xCBF29CE484222325ULL) : 0,
        .kernel_hash = hash_table(m.kernel.pml4.addr, VMM_LEVELS, 0xCBF29CE484222325ULL),
    };
}

static void assert_field(const char *after, const char *what, uint64_t expected, uint64_t got)
{
    if (expected != got)
        FAIL("after %s: %s should be unchanged at %llu (%s), got %llu (%s)", after, what,
             (unsigned long long)expected, hex(expected), (unsigned long long)got, hex(got));
}

static void assert_unchanged(const struct address_space *as, const struct snapshot *before,
                             const char *after)
{
    struct snapshot now = snapshot(as);
    assert_field(after, "PMM free bytes", before->free_bytes, now.free_bytes);
    assert_field(after, "table_pages", before->table_pages, now.table_pages);
    assert_field(after, "owned_pages", before->owned_pages, now.owned_pages);
    assert_field(after, "the kernel's table_pages", before->kernel_table_pages,
                 now.kernel_table_pages);
    assert_field(after, "user_spaces", before->user_spaces, now.user_spaces);
    assert_field(after, "the hash of the space's entries", before->hash, now.hash);
    assert_field(after, "the hash of the kernel's entries", before->kernel_hash, now.kernel_hash);
}

/* Run a call on space `as` that must fail with `expected` and change nothing. */
#define EXPECT_FAIL(as, call, expected)                                                            \
    do {                                                                                           \
        struct snapshot before_ = snapshot(as);                                                    \
        check_result(#call, (call), (expected));                                                   \
        assert_unchanged((as), &before_, #call);                                                   \
    } while (0)

/* ---- translations -------------------------------------------------------- */

/* va must translate to pa with exactly these VMM_* flags and this page size. */
static void assert_translates(const struct address_space *as, uint64_t va, uint64_t pa,
                              unsigned flags, uint64_t page_size)
{
    uint64_t got_pa = 0;
    unsigned got_flags = 0;
    uint64_t got_size = 0;
    int err = translate(as, vaddr(va), &got_pa, &got_flags, &got_size);
    if (err != VMM_OK)
        FAIL("translate(%s): expected VMM_OK (-> %s), got %d (%s)", hex(va), hex(pa), err,
             vmm_strerror(err));
    if (got_pa != pa)
        FAIL("translate(%s): expected physical %s, got %s", hex(va), hex(pa), hex(got_pa));
    if (got_flags != flags)
        FAIL("translate(%s): expected flags %#x, got %#x", hex(va), flags, got_flags);
    if (got_size != page_size)
        FAIL("translate(%s): expected a %s-byte page, got %s", hex(va), hex(page_size),
             hex(got_size));
}

static void assert_not_mapped(const struct address_space *as, uint64_t va)
{
    uint64_t pa = 0;
    int err = translate(as, vaddr(va), &pa, NULL, NULL);
    if (err != VMM_ERR_NOT_MAPPED)
        FAIL("translate(%s): expected VMM_ERR_NOT_MAPPED, got %d (%s) -> %s", hex(va), err,
             vmm_strerror(err), hex(pa));
}

/* The level of va's leaf entry (1 = PT, 2 = PD, 3 = PDPT), checked with vmm_walk. */
static int leaf_level(const struct address_space *as, uint64_t va)
{
    struct vmm_walk w;
    vmm_walk(as, vaddr(va), &w);
    if (!w.mapped)
        FAIL("vmm_walk(%s): expected a mapped page, got a walk of %d steps ending in %s", hex(va),
             w.steps, w.steps ? hex(w.entry[w.steps - 1]) : "nothing");
    return VMM_LEVELS - w.steps + 1;
}

/* The VMM_* flags translate should report for a page mapped with `flags`. */
static unsigned expected_flags(unsigned flags, bool nx)
{
    unsigned f = flags & (VMM_WRITE | VMM_USER | VMM_NOCACHE);
    if ((flags & VMM_EXEC) || !nx)
        f |= VMM_EXEC; /* without NX every page can be executed */
    return f;
}

/* The exact low bits (and NX) of a fresh leaf entry mapped with `flags`. */
static pte_t expected_leaf_bits(unsigned flags, bool nx)
{
    pte_t e = PTE_PRESENT;
    if (flags & VMM_WRITE)
        e |= PTE_WRITE;
    if (flags & VMM_USER)
        e |= PTE_USER;
    if (flags & VMM_NOCACHE)
        e |= PTE_PCD | PTE_PWT;
    if (nx && !(flags & VMM_EXEC))
        e |= PTE_NX;
    return e;
}

/* ---- capturing the dumps ------------------------------------------------- */

struct capture {
    char *text; /* every line, each ending in '\n' */
    size_t len, cap;
    unsigned lines;
};

static void capture_line(void *ctx, const char *line)
{
    struct capture *c = ctx;
    size_t n = strlen(line);
    if (strchr(line, '\n'))
        FAIL("a dump line contains a newline: \"%s\"", line);
    if (c->len + n + 2 > c->cap) {
        c->cap = (c->len + n + 2) * 2;
        c->text = realloc(c->text, c->cap);
        assert_non_null(c->text);
    }
    memcpy(c->text + c->len, line, n);
    c->len += n;
    c->text[c->len++] = '\n';
    c->text[c->len] = '\0';
    c->lines++;
}

static void capture_free(struct capture *c)
{
    free(c->text);
    *c = (struct capture){0};
}

/* Line i (from 0) of a capture, without its newline, in a static buffer. */
static const char *capture_get(const struct capture *c, unsigned i)
{
    static char line[512];
    const char *p = c->text;
    for (unsigned k = 0; k < i && p; k++) {
        p = strchr(p, '\n');
        if (p)
            p++;
    }
    if (!p || !*p)
        FAIL("the dump has %u lines, wanted line %u:\n%s", c->lines, i, c->text ? c->text : "");
    size_t n = strcspn(p, "\n");
    snprintf(line, sizeof(line), "%.*s", (int)n, p);
    return line;
}

/* Line i must contain every listed substring. */
#define ASSERT_LINE_HAS(c, i, ...)                                                                 \
    assert_line_has((c), (i), (const char *const[]){__VA_ARGS__, NULL})

static void assert_line_has(const struct capture *c, unsigned i, const char *const *words)
{
    const char *line = capture_get(c, i);
    for (size_t k = 0; words[k]; k++)
        if (!strstr(line, words[k]))
            FAIL("dump line %u should contain \"%s\", got \"%s\"\nwhole dump:\n%s", i, words[k],
                 line, c->text);
}

/* How many lines contain `word`. */
static unsigned count_lines_with(const struct capture *c, const char *word)
{
    unsigned n = 0;
    for (unsigned i = 0; i < c->lines; i++)
        n += strstr(capture_get(c, i), word) != NULL;
    return n;
}

/* ---- running out of memory on purpose ------------------------------------ */

/* Allocate frames away until exactly `keep` are free (one hoard at a time). */
static void hoard_until(size_t keep)
{
    size_t cap = m.size / PAGE_SIZE;
    if (m.hoard)
        FAIL("hoard_until: the last hoard was not released");
    m.hoard = malloc(cap * sizeof(*m.hoard));
    assert_non_null(m.hoard);
    m.hoarded = 0;
    uint64_t f;
    while ((f = pmm_alloc_page(&m.pmm).addr) != PMM_NO_FRAME.addr) {
        if (m.hoarded == cap)
            FAIL("the PMM handed out more frames than the RAM holds");
        m.hoard[m.hoarded++] = f;
    }
    if (m.hoarded < keep)
        FAIL("wanted %zu free frames, but only %zu were free", keep, m.hoarded);
    for (size_t i = 0; i < keep; i++)
        pmm_free_page(&m.pmm, paddr(m.hoard[--m.hoarded]));
    EXPECT_EQ(free_bytes(), keep * PAGE_SIZE);
}

/* Give the hoarded frames back. */
static void hoard_release(void)
{
    while (m.hoarded)
        pmm_free_page(&m.pmm, paddr(m.hoard[--m.hoarded]));
    free(m.hoard);
    m.hoard = NULL;
}

/* ---- the shape of the tables -------------------------------------------- */

/*
 * Walk every table of the space's own half and check what must hold after
 * any call: intermediate entries allow everything (write, and user in the
 * lower half) and are never NX; no table below the PML4 is empty, except the
 * kernel's PDPTs; leaves never carry NX on a machine without NX. Returns how
 * many table pages the half uses, the PML4 included.
 */
static uint64_t count_tables(uint64_t table, int level, bool user_half, bool kernel_pdpt)
{
    uint64_t tables = 1;
    bool empty = true;
    for (unsigned i = 0; i < VMM_ENTRIES; i++) {
        pte_t e = entry_at(table, i);
        if (!e)
            continue;
        empty = false;
        if (!(e & PTE_PRESENT))
            FAIL("%s[%u] at %s is %s: not present but not zero", vmm_level_name(level), i,
                 hex(table), hex(e));
        if (!m.vmm.nx && (e & PTE_NX))
            FAIL("%s[%u] = %s has NX, but the machine has no NX", vmm_level_name(level), i, hex(e));
        if (level == 1 || (e & PTE_PS))
            continue;
        pte_t want = PTE_PRESENT | PTE_WRITE | (user_half ? PTE_USER : 0);
        if ((e & ~PTE_ADDR_MASK) != want)
            FAIL("intermediate %s[%u] = %s: expected flag bits %s, got %s", vmm_level_name(level),
                 i, hex(e), hex(want), hex(e & ~PTE_ADDR_MASK));
        tables += count_tables(e & PTE_ADDR_MASK, level - 1, user_half, false);
    }
    if (empty && level < VMM_LEVELS && !kernel_pdpt)
        FAIL("the %s at %s is empty: it should have been freed", vmm_level_name(level), hex(table));
    return tables;
}

static void check_tables(const struct address_space *as)
{
    uint64_t tables = 1;
    unsigned first = as->kernel ? VMM_ENTRIES / 2 : 0;
    for (unsigned i = first; i < first + VMM_ENTRIES / 2; i++) {
        pte_t e = entry_at(as->pml4.addr, i);
        if (!(e & PTE_PRESENT))
            continue;
        pte_t want = PTE_PRESENT | PTE_WRITE | (as->kernel ? 0 : PTE_USER);
        if ((e & ~PTE_ADDR_MASK) != want)
            FAIL("PML4[%u] = %s: expected flag bits %s, got %s", i, hex(e), hex(want),
                 hex(e & ~PTE_ADDR_MASK));
        tables += count_tables(e & PTE_ADDR_MASK, VMM_LEVELS - 1, !as->kernel, as->kernel);
    }
    if (tables != as->table_pages)
        FAIL("the space's half holds %llu table pages, but table_pages says %llu",
             (unsigned long long)tables, (unsigned long long)as->table_pages);
}

/* Is every byte of the frame zero? */
static bool frame_is_zero(uint64_t frame)
{
    const uint8_t *p = ram_ptr(frame);
    for (size_t i = 0; i < PAGE_SIZE; i++)
        if (p[i])
            return false;
    return true;
}

/* ---- a small seeded PRNG (xorshift64*) ----------------------------------- */

static uint64_t rng_state;

static uint64_t next_random(void)
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 0x2545F4914F6CDD1DULL;
}

#endif
