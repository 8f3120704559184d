/*
 * mm/vmm.c - page tables and address spaces (see include/mm/vmm.h).
 *
 * The whole file works on one idea: to reach the entry for a virtual address,
 * start at the PML4 and use 9 bits of the address per level to pick an entry;
 * a present entry that is not a leaf holds the physical address of the next
 * table. find() does that walk without changing anything; slot_for() does it
 * while creating missing tables. Everything else is a loop over a range built
 * from those two.
 *
 * Each operation has two passes. The first (check_*) reads only and decides
 * whether the whole request is valid; the second makes the changes. The only
 * thing that can fail in the second pass is the PMM running out of frames, and
 * then undo() removes what the second pass added, so a failed call leaves the
 * tables and the PMM exactly as they were.
 *
 * Invariant: no page-table page below the PML4 is ever empty, except the
 * kernel's PDPTs (the top-level kernel slots every space shares). prune()
 * restores it after entries are removed.
 *
 * Addresses arrive typed (vaddr_t, paddr_t: mm/addr.h), so a caller cannot
 * swap them; inside, where the walks do arithmetic on them, the functions
 * work on the numbers (.addr), and a table's own address stays a paddr_t.
 *
 * Lab 3 writes the parts marked for it: docs/labs/lab3-vmm.md, docs/labs/README.md.
 */
#include "mm/vmm.h"

#include "kernel/panic.h"
#include "mm/pmm_batch.h"
#include "mm/layout.h"

/* Invalidate one page at a time up to this many pages, then reload CR3. */
#define VMM_INVLPG_LIMIT 64

/* ---- small helpers -------------------------------------------------------- */

static bool is_user(uint64_t va)
{
    return va < VMM_USER_END;
}

static uint64_t align_down(uint64_t x, uint64_t size)
{
    return x & ~(size - 1);
}

/* The permission bits of a leaf entry for VMM_* flags. */
static pte_t leaf_bits(const struct vmm *vmm, unsigned flags)
{
    pte_t e = PTE_PRESENT;
    if (flags & VMM_WRITE)
        e |= PTE_WRITE;
    if (flags & VMM_USER)
        e |= PTE_USER;
    if (flags & VMM_NOCACHE)
        e |= PTE_PCD | PTE_PWT;
    if (!(flags & VMM_EXEC) && vmm->nx)
        e |= PTE_NX;
    return e;
}

/* The VMM_* flags a leaf entry grants. Without NX every page is executable. */
static unsigned entry_vmm_flags(pte_t e)
{
    unsigned flags = 0;
    if (e & PTE_WRITE)
        flags |= VMM_WRITE;
    if (e & PTE_USER)
        flags |= VMM_USER;
    if (e & PTE_PCD)
        flags |= VMM_NOCACHE;
    if (!(e & PTE_NX))
        flags |= VMM_EXEC;
    return flags;
}

static paddr_t new_table(struct address_space *as)
{
    paddr_t t = pmm_alloc_page_flags(as->vmm->pmm, PMM_ZERO);
    if (pmm_got_frame(t))
        as->table_pages++;
    return t;
}

static void free_table(struct address_space *as, paddr_t t)
{
    pmm_free_page(as->vmm->pmm, t);
    as->table_pages--;
}

static bool table_empty(const pte_t *t)
{
    for (unsigned i = 0; i < VMM_ENTRIES; i++)
        if (t[i])
            return false;
    return true;
}

const char *vmm_strerror(int err)
{
    switch (err) {
    case VMM_OK: return "success";
    case VMM_ERR_BAD_ARGUMENT: return "bad argument (size 0, unknown flags or physical address)";
    case VMM_ERR_NONCANONICAL: return "non-canonical address in the range";
    case VMM_ERR_MISALIGNED: return "address or size not page-aligned";
    case VMM_ERR_KERNEL_ADDRESS: return "kernel address in a user range";
    case VMM_ERR_USER_ADDRESS: return "user address in the kernel's space";
    case VMM_ERR_ALREADY_MAPPED: return "already mapped";
    case VMM_ERR_NOT_MAPPED: return "not mapped";
    case VMM_ERR_NO_MEMORY: return "out of physical memory";
    case VMM_ERR_SPLITS_LARGE: return "range splits a large page";
    case VMM_ERR_NOT_OWNED: return "memory not from vmm_alloc";
    case VMM_ERR_KERNEL_SLOT: return "new kernel top-level slot after user spaces exist";
    default: return "unknown VMM error";
    }
}

/* ---- walking -------------------------------------------------------------- */

/*
 * Walk toward va until a non-present entry or a leaf. Returns the level it
 * stopped at and points *slot at that entry; the entry covers
 * vmm_level_size(level) bytes around va.
 */
static int find(const struct address_space *as, uint64_t va, pte_t **slot)
{
    /* LAB 3 BEGIN: walk down from the PML4 until an entry is not present or is a leaf */
    /* LAB 3 STUB: panic("lab 3: not implemented: find (the page walk)"); */
    paddr_t table = as->pml4;
    for (int level = VMM_LEVELS;; level--) {
        pte_t *e = &vmm_table_at(as->vmm, table)[vmm_index(va, level)];
        if (!(*e & PTE_PRESENT) || pte_is_leaf(*e, level)) {
            *slot = e;
            return level;
        }
        table = pte_addr(*e, level);
    }
    /* LAB 3 END */
}

/*
 * Walk to the entry for va at `target` level, creating the tables on the way.
 * New intermediate entries allow everything (write, and user in the lower
 * half): the leaf decides the permissions.
 */
static int slot_for(struct address_space *as, uint64_t va, int target, pte_t **slot)
{
    /* LAB 3 BEGIN: walk down to level target, making the missing tables on the way */
    /* LAB 3 STUB: panic("lab 3: not implemented: slot_for (the page walk that makes tables)"); */
    paddr_t table = as->pml4;
    for (int level = VMM_LEVELS; level > target; level--) {
        pte_t *e = &vmm_table_at(as->vmm, table)[vmm_index(va, level)];
        if (!(*e & PTE_PRESENT)) {
            if (level == VMM_LEVELS && !is_user(va) && (!as->kernel || as->vmm->user_spaces))
                return VMM_ERR_KERNEL_SLOT;
            paddr_t t = new_table(as);
            if (!pmm_got_frame(t))
                return VMM_ERR_NO_MEMORY;
            *e = t.addr | PTE_PRESENT | PTE_WRITE | (is_user(va) ? PTE_USER : 0);
        } else if (pte_is_leaf(*e, level)) {
            return VMM_ERR_ALREADY_MAPPED; /* a large page is in the way */
        }
        table = pte_addr(*e, level);
    }
    *slot = &vmm_table_at(as->vmm, table)[vmm_index(va, target)];
    return VMM_OK;
    /* LAB 3 END */
}

/* ---- checks: the first pass, which changes nothing ------------------------- */

/* Is [va, va+size) a valid range for this space with these flags? */
static int check_range(const struct address_space *as, uint64_t va, uint64_t size, unsigned flags)
{
    if (size == 0 || (flags & ~VMM_FLAGS_ALL))
        return VMM_ERR_BAD_ARGUMENT;
    uint64_t last = va + size - 1;
    if (last < va || !vmm_is_canonical(va) || !vmm_is_canonical(last) || is_user(va) != is_user(last))
        return VMM_ERR_NONCANONICAL;
    if ((va | size) & (PAGE_SIZE - 1))
        return VMM_ERR_MISALIGNED;
    if (!is_user(va) && (!as->kernel || (flags & VMM_USER)))
        return VMM_ERR_KERNEL_ADDRESS;
    if (is_user(va) && as->kernel)
        return VMM_ERR_USER_ADDRESS;
    return VMM_OK;
}

/* Is nothing in [start, last] mapped? Skips whole holes at once. */
static int check_unmapped(const struct address_space *as, uint64_t start, uint64_t last)
{
    for (uint64_t va = start;;) {
        pte_t *e;
        int level = find(as, va, &e);
        if (*e & PTE_PRESENT)
            return VMM_ERR_ALREADY_MAPPED;
        uint64_t hole_last = align_down(va, vmm_level_size(level)) + vmm_level_size(level) - 1;
        if (hole_last >= last)
            return VMM_OK;
        va = hole_last + 1;
    }
}

/* Is every page of [start, last] mapped, no large page sticking out of it,
 * and (if need_owned) every page from vmm_alloc? */
static int check_mapped(const struct address_space *as, uint64_t start, uint64_t last,
                        bool need_owned)
{
    for (uint64_t va = start;;) {
        pte_t *e;
        int level = find(as, va, &e);
        if (!(*e & PTE_PRESENT))
            return VMM_ERR_NOT_MAPPED;
        uint64_t page_start = align_down(va, vmm_level_size(level));
        uint64_t page_last = page_start + vmm_level_size(level) - 1;
        if (page_start < start || page_last > last)
            return VMM_ERR_SPLITS_LARGE;
        if (need_owned && !(*e & PTE_OWNED))
            return VMM_ERR_NOT_OWNED;
        if (page_last >= last)
            return VMM_OK;
        va = page_last + 1;
    }
}

/* ---- removing: clear entries, then free tables that became empty ----------- */

/*
 * Free the tables below `table` (at `level`) that cover only empty space in
 * [start, last]. The kernel's PDPTs stay: every address space shares them.
 */
static void prune_level(struct address_space *as, paddr_t table, int level, uint64_t start,
                        uint64_t last)
{
    pte_t *t = vmm_table_at(as->vmm, table);
    uint64_t span = vmm_level_size(level);
    /* The address entry 0 of this table covers (sign-extended at the top level). */
    uint64_t base = level == VMM_LEVELS ? (is_user(start) ? 0 : 0xFFFF000000000000ULL)
                                        : align_down(start, span * VMM_ENTRIES);
    for (unsigned i = vmm_index(start, level); i <= vmm_index(last, level); i++) {
        pte_t e = t[i];
        if (!(e & PTE_PRESENT) || pte_is_leaf(e, level))
            continue;
        uint64_t child_first = base + (uint64_t)i * span;
        uint64_t child_last = child_first + span - 1;
        paddr_t child = pte_addr(e, level);
        if (level - 1 > 1)
            prune_level(as, child, level - 1, start > child_first ? start : child_first,
                        last < child_last ? last : child_last);
        if (level == VMM_LEVELS && !is_user(child_first))
            continue;
        if (table_empty(vmm_table_at(as->vmm, child))) {
            t[i] = 0;
            free_table(as, child);
        }
    }
}

static void prune(struct address_space *as, uint64_t start, uint64_t last)
{
    prune_level(as, as->pml4, VMM_LEVELS, start, last);
}

/*
 * Clear every present leaf in [start, last] (which the caller has checked),
 * returning frames vmm_alloc mapped. Returns how many entries it cleared.
 */
static uint64_t clear_entries(struct address_space *as, uint64_t start, uint64_t last)
{
    /* LAB 3 BEGIN: clear each present leaf, flush the TLB, give vmm_alloc's frames back */
    /* LAB 3 STUB: panic("lab 3: not implemented: clear_entries (unmapping)"); */
    const struct vmm *vmm = as->vmm;
    bool one_by_one = vmm->invalidate_page && (last - start) / PAGE_SIZE < VMM_INVLPG_LIMIT;
    uint64_t cleared = 0;
    for (uint64_t va = start;;) {
        pte_t *e;
        int level = find(as, va, &e);
        uint64_t page_start = align_down(va, vmm_level_size(level));
        if (*e & PTE_PRESENT) {
            pte_t old = *e;
            *e = 0;
            if (one_by_one)
                vmm->invalidate_page(page_start);
            if (old & PTE_OWNED) {
                pmm_free_page(vmm->pmm, pte_addr(old, level));
                as->owned_pages--;
            }
            cleared++;
        }
        uint64_t page_last = page_start + vmm_level_size(level) - 1;
        if (page_last >= last)
            break;
        va = page_last + 1;
    }
    if (!one_by_one && cleared && vmm->invalidate_all)
        vmm->invalidate_all();
    return cleared;
    /* LAB 3 END */
}

/*
 * prune() keeps the kernel's PDPTs, so a failed map or alloc in the kernel's
 * space would leave behind the PDPTs it made for new top-level slots. Before
 * the second pass, note which slots of the range are empty; undo() frees the
 * PDPTs that appeared there (no user space shares them: they could only be
 * made while none exists).
 */
struct empty_slots {
    uint64_t bits[VMM_ENTRIES / 64];
};

static void note_empty_slots(const struct address_space *as, uint64_t va, uint64_t size,
                             struct empty_slots *s)
{
    *s = (struct empty_slots){{0}};
    if (!as->kernel)
        return;
    const pte_t *top = vmm_table_at(as->vmm, as->pml4);
    for (unsigned i = vmm_index(va, VMM_LEVELS); i <= vmm_index(va + size - 1, VMM_LEVELS); i++)
        if (!(top[i] & PTE_PRESENT))
            s->bits[i / 64] |= 1ULL << (i % 64);
}

/* Undo a half-done map or alloc of [va, va+size): `done` bytes were mapped. */
static void undo(struct address_space *as, uint64_t va, uint64_t done, uint64_t size,
                 const struct empty_slots *was_empty)
{
    if (done)
        clear_entries(as, va, va + done - 1);
    prune(as, va, va + size - 1);
    pte_t *top = vmm_table_at(as->vmm, as->pml4);
    for (unsigned i = 0; i < VMM_ENTRIES; i++) {
        if (((was_empty->bits[i / 64] >> (i % 64)) & 1) && (top[i] & PTE_PRESENT)) {
            free_table(as, pte_addr(top[i], VMM_LEVELS));
            top[i] = 0;
        }
    }
}

/* ---- the public operations ------------------------------------------------- */

void vmm_setup(struct vmm *vmm, struct pmm *pmm, struct phys_window window, bool nx, bool gib_pages)
{
    *vmm = (struct vmm){.pmm = pmm, .window = window, .nx = nx, .gib_pages = gib_pages};
}

int vmm_kernel_space_init(struct vmm *vmm, struct address_space *as)
{
    *as = (struct address_space){.vmm = vmm, .kernel = true};
    as->pml4 = new_table(as);
    if (!pmm_got_frame(as->pml4))
        return VMM_ERR_NO_MEMORY;
    vmm->kernel_pml4 = as->pml4;
    return VMM_OK;
}

int vmm_kernel_reserve_slot(struct address_space *kernel, vaddr_t va)
{
    if (!vmm_is_canonical(va.addr))
        return VMM_ERR_NONCANONICAL;
    if (is_user(va.addr) || !kernel->kernel)
        return VMM_ERR_USER_ADDRESS;
    pte_t *e = &vmm_table_at(kernel->vmm, kernel->pml4)[vmm_index(va.addr, VMM_LEVELS)];
    if (*e & PTE_PRESENT)
        return VMM_OK;
    if (kernel->vmm->user_spaces)
        return VMM_ERR_KERNEL_SLOT;
    paddr_t t = new_table(kernel);
    if (!pmm_got_frame(t))
        return VMM_ERR_NO_MEMORY;
    *e = t.addr | PTE_PRESENT | PTE_WRITE;
    return VMM_OK;
}

int vmm_space_create(struct vmm *vmm, struct address_space *as)
{
    *as = (struct address_space){.vmm = vmm};
    if (!pmm_got_frame(vmm->kernel_pml4))
        return VMM_ERR_BAD_ARGUMENT;
    as->pml4 = new_table(as);
    if (!pmm_got_frame(as->pml4))
        return VMM_ERR_NO_MEMORY;
    const pte_t *kernel = vmm_table_at(vmm, vmm->kernel_pml4);
    pte_t *mine = vmm_table_at(vmm, as->pml4);
    for (unsigned i = VMM_ENTRIES / 2; i < VMM_ENTRIES; i++)
        mine[i] = kernel[i];
    vmm->user_spaces++;
    return VMM_OK;
}

/* Free a user-half table and everything below it. */
static void destroy_table(struct address_space *as, paddr_t table, int level,
                          struct pmm_batch *batch)
{
    pte_t *t = vmm_table_at(as->vmm, table);
    for (unsigned i = 0; i < VMM_ENTRIES; i++) {
        pte_t e = t[i];
        if (!(e & PTE_PRESENT))
            continue;
        if (pte_is_leaf(e, level)) {
            if (e & PTE_OWNED) {
                pmm_batch_add(as->vmm->pmm, batch, pte_addr(e, level));
                as->owned_pages--;
            }
        } else {
            destroy_table(as, pte_addr(e, level), level - 1, batch);
        }
    }
    free_table(as, table);
}

void vmm_space_destroy(struct address_space *as)
{
    if (as->kernel || !pmm_got_frame(as->pml4))
        return;
    if (as->pml4.addr == as->vmm->active_pml4.addr)
        panic("vmm_space_destroy: the space with PML4 at %#llx is active (in CR3); activate "
              "another space first (caller %p)",
              (unsigned long long)as->pml4.addr, CALLER_ADDRESS());
    pte_t *top = vmm_table_at(as->vmm, as->pml4);
    struct pmm_batch batch = {0, 0}; /* frames go back in runs, not one by one */
    for (unsigned i = 0; i < VMM_ENTRIES / 2; i++)
        if (top[i] & PTE_PRESENT)
            destroy_table(as, pte_addr(top[i], VMM_LEVELS), VMM_LEVELS - 1, &batch);
    pmm_batch_flush(as->vmm->pmm, &batch);
    free_table(as, as->pml4);
    as->pml4 = PMM_NO_FRAME;
    as->vmm->user_spaces--;
}

/* The largest page that fits at va/pa with `remaining` bytes to go. */
static int leaf_level(const struct vmm *vmm, uint64_t va, uint64_t pa, uint64_t remaining,
                      unsigned flags)
{
    if (flags & VMM_LARGE) {
        if (vmm->gib_pages && !((va | pa) & (HUGE_PAGE_SIZE - 1)) && remaining >= HUGE_PAGE_SIZE)
            return 3;
        if (!((va | pa) & (LARGE_PAGE_SIZE - 1)) && remaining >= LARGE_PAGE_SIZE)
            return 2;
    }
    return 1;
}

int vmm_map(struct address_space *as, vaddr_t va, paddr_t pa, uint64_t size, unsigned flags)
{
    int err = check_range(as, va.addr, size, flags);
    if (err)
        return err;
    if (pa.addr & (PAGE_SIZE - 1))
        return VMM_ERR_MISALIGNED;
    if (pa.addr + size < pa.addr || pa.addr + size > (1ULL << 52))
        return VMM_ERR_BAD_ARGUMENT;
    err = check_unmapped(as, va.addr, va.addr + size - 1);
    if (err)
        return err;

    /* LAB 3 BEGIN: the second pass: write a leaf per page (largest that fits), undo on failure */
    /* LAB 3 STUB: panic("lab 3: not implemented: vmm_map (writing the entries)"); */
    struct empty_slots empty;
    note_empty_slots(as, va.addr, size, &empty);
    pte_t bits = leaf_bits(as->vmm, flags);
    for (uint64_t done = 0; done < size;) {
        int level = leaf_level(as->vmm, va.addr + done, pa.addr + done, size - done, flags);
        pte_t *slot;
        err = slot_for(as, va.addr + done, level, &slot);
        if (err) {
            undo(as, va.addr, done, size, &empty);
            return err;
        }
        *slot = (pa.addr + done) | bits | (level > 1 ? PTE_PS : 0);
        done += vmm_level_size(level);
    }
    return VMM_OK;
    /* LAB 3 END */
}

int vmm_unmap(struct address_space *as, vaddr_t va, uint64_t size)
{
    /* LAB 3 BEGIN: check the range, check that all of it is mapped, clear, free empty tables */
    /* LAB 3 STUB: panic("lab 3: not implemented: vmm_unmap"); */
    int err = check_range(as, va.addr, size, 0);
    if (err)
        return err;
    err = check_mapped(as, va.addr, va.addr + size - 1, false);
    if (err)
        return err;
    clear_entries(as, va.addr, va.addr + size - 1);
    prune(as, va.addr, va.addr + size - 1);
    return VMM_OK;
    /* LAB 3 END */
}

int vmm_protect(struct address_space *as, vaddr_t va, uint64_t size, unsigned flags)
{
    flags &= ~VMM_LARGE;
    int err = check_range(as, va.addr, size, flags);
    if (err)
        return err;
    uint64_t last = va.addr + size - 1;
    err = check_mapped(as, va.addr, last, false);
    if (err)
        return err;
    const struct vmm *vmm = as->vmm;
    bool one_by_one = vmm->invalidate_page && size / PAGE_SIZE <= VMM_INVLPG_LIMIT;
    pte_t bits = leaf_bits(vmm, flags);
    for (uint64_t v = va.addr;;) {
        pte_t *e;
        int level = find(as, v, &e);
        *e = (*e & (PTE_ADDR_MASK | PTE_PS | PTE_OWNED)) | bits;
        if (one_by_one)
            vmm->invalidate_page(v);
        uint64_t page_last = v + vmm_level_size(level) - 1; /* v is page-aligned here */
        if (page_last >= last)
            break;
        v = page_last + 1;
    }
    if (!one_by_one && vmm->invalidate_all)
        vmm->invalidate_all();
    return VMM_OK;
}

int vmm_alloc(struct address_space *as, vaddr_t va, uint64_t size, unsigned flags)
{
    flags &= ~VMM_LARGE; /* always 4 KiB pages: frames come one at a time */
    int err = check_range(as, va.addr, size, flags);
    if (err)
        return err;
    err = check_unmapped(as, va.addr, va.addr + size - 1);
    if (err)
        return err;

    struct empty_slots empty;
    note_empty_slots(as, va.addr, size, &empty);
    pte_t bits = leaf_bits(as->vmm, flags) | PTE_OWNED;
    for (uint64_t done = 0; done < size; done += PAGE_SIZE) {
        paddr_t frame = pmm_alloc_page_flags(as->vmm->pmm, PMM_ZERO);
        if (!pmm_got_frame(frame)) {
            undo(as, va.addr, done, size, &empty);
            return VMM_ERR_NO_MEMORY;
        }
        pte_t *slot;
        err = slot_for(as, va.addr + done, 1, &slot);
        if (err) {
            pmm_free_page(as->vmm->pmm, frame);
            undo(as, va.addr, done, size, &empty);
            return err;
        }
        *slot = frame.addr | bits;
        as->owned_pages++;
    }
    return VMM_OK;
}

int vmm_free(struct address_space *as, vaddr_t va, uint64_t size)
{
    int err = check_range(as, va.addr, size, 0);
    if (err)
        return err;
    err = check_mapped(as, va.addr, va.addr + size - 1, true);
    if (err)
        return err;
    clear_entries(as, va.addr, va.addr + size - 1);
    prune(as, va.addr, va.addr + size - 1);
    return VMM_OK;
}

int vmm_translate(const struct address_space *as, vaddr_t va, paddr_t *pa, unsigned *flags,
                  uint64_t *page_size)
{
    /* LAB 3 BEGIN: find va's leaf; report the byte's physical address, the flags, the page size */
    /* LAB 3 STUB: return VMM_ERR_NOT_MAPPED; */
    if (!vmm_is_canonical(va.addr))
        return VMM_ERR_NONCANONICAL;
    pte_t *e;
    int level = find(as, va.addr, &e);
    if (!(*e & PTE_PRESENT))
        return VMM_ERR_NOT_MAPPED;
    uint64_t size = vmm_level_size(level);
    if (pa)
        *pa = paddr(pte_addr(*e, level).addr + (va.addr & (size - 1)));
    if (flags)
        *flags = entry_vmm_flags(*e) | (level > 1 ? VMM_LARGE : 0);
    if (page_size)
        *page_size = size;
    return VMM_OK;
    /* LAB 3 END */
}
