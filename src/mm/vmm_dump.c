/*
 * mm/vmm_dump.c - page-table walks and dumps (see include/mm/vmm_dump.h).
 *
 * Presentation only: nothing here changes a table. A dump of a whole space
 * visits every present entry once and merges neighbouring pages with the same
 * size and rights into one line, so the kernel's direct map of gigabytes is a
 * single line and vmm_alloc'd memory shows as "scattered frames".
 */
#include "mm/vmm_dump.h"

#include "lib/format.h"
#include "mm/layout.h"

void vmm_walk(const struct address_space *as, vaddr_t virt, struct vmm_walk *walk)
{
    uint64_t va = virt.addr;
    *walk = (struct vmm_walk){0};
    if (!vmm_is_canonical(va))
        return;
    paddr_t table = as->pml4;
    for (int level = VMM_LEVELS; level >= 1; level--) {
        int step = walk->steps++;
        unsigned i = vmm_index(va, level);
        pte_t e = vmm_table_at(as->vmm, table)[i];
        walk->table[step] = table;
        walk->index[step] = i;
        walk->entry[step] = e;
        if (!(e & PTE_PRESENT))
            return;
        if (pte_is_leaf(e, level)) {
            walk->mapped = true;
            walk->page_size = vmm_level_size(level);
            walk->phys = paddr(pte_addr(e, level).addr + (va & (walk->page_size - 1)));
            return;
        }
        table = pte_addr(e, level);
    }
}

const char *vmm_level_name(int level)
{
    static const char *const names[] = {"?", "PT", "PD", "PDPT", "PML4"};
    return level >= 1 && level <= VMM_LEVELS ? names[level] : names[0];
}

int vmm_entry_flags(pte_t e, char *buf, size_t size)
{
    static const struct {
        pte_t bit;
        const char *name;
    } names[] = {
        {PTE_PRESENT, "P"}, {PTE_WRITE, "W"},    {PTE_USER, "U"},  {PTE_PWT, "PWT"},
        {PTE_PCD, "PCD"},   {PTE_ACCESSED, "A"}, {PTE_DIRTY, "D"}, {PTE_PS, "PS"},
        {PTE_GLOBAL, "G"},  {PTE_OWNED, "OWN"},  {PTE_NX, "NX"},
    };
    int n = 0;
    if (size)
        buf[0] = '\0';
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        if (!(e & names[i].bit))
            continue;
        /* Past the end (or with buf NULL and size 0) only count: buf + n would be undefined. */
        bool room = (size_t)n < size;
        int w = ksnprintf(room ? buf + n : NULL, room ? size - (size_t)n : 0, "%s%s", n ? " " : "",
                          names[i].name);
        n += w;
    }
    if (n == 0)
        n = ksnprintf(buf, size, "-");
    return n;
}

static const char *size_name(uint64_t size)
{
    return size == HUGE_PAGE_SIZE ? "1 GiB" : size == LARGE_PAGE_SIZE ? "2 MiB" : "4 KiB";
}

/* "read-only, no-exec, kernel" for a leaf entry. */
static void describe_access(pte_t e, char *buf, size_t size)
{
    ksnprintf(buf, size, "%s, %s, %s", (e & PTE_WRITE) ? "writable" : "read-only",
              (e & PTE_NX) ? "no-exec" : "executable", (e & PTE_USER) ? "user" : "kernel-only");
}

void vmm_dump_address(const struct address_space *as, vaddr_t va, vmm_print_fn print, void *ctx)
{
    char line[160], flags[64], access[64];
    struct vmm_walk w;
    vmm_walk(as, va, &w);
    ksnprintf(line, sizeof(line),
              "walk of %#llx in the space with PML4 at %#llx:", (unsigned long long)va.addr,
              (unsigned long long)as->pml4.addr);
    print(ctx, line);
    if (w.steps == 0) {
        print(ctx, "  not canonical: bits 63..47 differ, so no table is read (#GP, not #PF)");
        return;
    }
    for (int s = 0; s < w.steps; s++) {
        int level = VMM_LEVELS - s;
        pte_t e = w.entry[s];
        vmm_entry_flags(e, flags, sizeof(flags));
        const char *what = !(e & PTE_PRESENT)      ? "not present"
                           : pte_is_leaf(e, level) ? "maps a frame"
                                                   : "next table";
        char target[24] = "";
        if (e & PTE_PRESENT)
            ksnprintf(target, sizeof(target), "%#llx", (unsigned long long)pte_addr(e, level).addr);
        ksnprintf(line, sizeof(line), "  %-4s[%3u] at %#llx = 0x%016llx  %-12s %-12s %s",
                  vmm_level_name(level), w.index[s],
                  (unsigned long long)(w.table[s].addr + w.index[s] * sizeof(pte_t)),
                  (unsigned long long)e, what, target, flags);
        print(ctx, line);
    }
    if (w.mapped) {
        describe_access(w.entry[w.steps - 1], access, sizeof(access));
        ksnprintf(line, sizeof(line), "  => physical %#llx (%s page, %s)",
                  (unsigned long long)w.phys.addr, size_name(w.page_size), access);
    } else {
        ksnprintf(line, sizeof(line), "  => not mapped: the %s entry is not present",
                  vmm_level_name(VMM_LEVELS - w.steps + 1));
    }
    print(ctx, line);
}

/* A run of pages printed as one line by vmm_dump_space. */
struct dump_run {
    bool open;
    uint64_t va, next_va;
    uint64_t pa, next_pa;
    uint64_t page_size, pages;
    pte_t bits;     /* the permission bits every page of the run has */
    bool scattered; /* the frames are not one physically contiguous range */
};

#define DUMP_BITS (PTE_WRITE | PTE_USER | PTE_PCD | PTE_PWT | PTE_NX | PTE_OWNED | PTE_GLOBAL)

static void dump_flush(struct dump_run *r, vmm_print_fn print, void *ctx)
{
    if (!r->open)
        return;
    char line[160], flags[64];
    vmm_entry_flags(r->bits | PTE_PRESENT, flags, sizeof(flags));
    ksnprintf(line, sizeof(line), "  0x%016llx-0x%016llx -> %#llx%s  %s x %llu  %s",
              (unsigned long long)r->va, (unsigned long long)(r->next_va - 1),
              (unsigned long long)r->pa, r->scattered ? " and scattered frames" : "",
              size_name(r->page_size), (unsigned long long)r->pages, flags);
    print(ctx, line);
    r->open = false;
}

static void dump_leaf(struct dump_run *r, uint64_t va, uint64_t pa, uint64_t size, pte_t bits,
                      vmm_print_fn print, void *ctx)
{
    /* Pages next to each other with the same size and rights make one line;
     * vmm_alloc'd memory usually has frames from all over RAM. */
    if (r->open && va == r->next_va && size == r->page_size && bits == r->bits) {
        r->pages++;
        r->scattered |= pa != r->next_pa;
    } else {
        dump_flush(r, print, ctx);
        *r = (struct dump_run){true, va, va, pa, pa, size, 0, bits, false};
        r->pages = 1;
    }
    r->next_va = va + size;
    r->next_pa = pa + size;
}

static void dump_table(const struct address_space *as, paddr_t table, int level, uint64_t base,
                       struct dump_run *r, vmm_print_fn print, void *ctx)
{
    const pte_t *t = vmm_table_at(as->vmm, table);
    for (unsigned i = 0; i < VMM_ENTRIES; i++) {
        pte_t e = t[i];
        uint64_t va = base + (uint64_t)i * vmm_level_size(level);
        if (level == VMM_LEVELS && i >= VMM_ENTRIES / 2)
            va |= 0xFFFF000000000000ULL; /* sign-extend the upper half */
        if (!(e & PTE_PRESENT))
            continue;
        if (pte_is_leaf(e, level))
            dump_leaf(r, va, pte_addr(e, level).addr, vmm_level_size(level), e & DUMP_BITS, print,
                      ctx);
        else
            dump_table(as, pte_addr(e, level), level - 1, va, r, print, ctx);
    }
}

void vmm_dump_space(const struct address_space *as, vmm_print_fn print, void *ctx)
{
    char line[120];
    ksnprintf(line, sizeof(line),
              "address space with PML4 at %#llx (%s):", (unsigned long long)as->pml4.addr,
              as->kernel ? "the kernel's" : "a user space");
    print(ctx, line);
    struct dump_run run = {0};
    dump_table(as, as->pml4, VMM_LEVELS, 0, &run, print, ctx);
    dump_flush(&run, print, ctx);
    ksnprintf(line, sizeof(line), "  %llu page-table pages owned, %llu frames from vmm_alloc",
              (unsigned long long)as->table_pages, (unsigned long long)as->owned_pages);
    print(ctx, line);
}
