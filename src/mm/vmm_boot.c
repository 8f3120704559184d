/*
 * mm/vmm_boot.c - the kernel builds its own page tables and moves into them.
 *
 * asm/boot.asm had to map memory before any C ran, so its bootstrap tables
 * are coarse: the first GiB identity-mapped (the 32-bit code ran there),
 * everything writable and executable. Here the kernel replaces them with
 * tables that say what each page is for:
 *
 *   direct map   all RAM at DIRECT_MAP_BASE, 1 GiB pages if the CPU has them
 *                (else 2 MiB), writable, never executable; once it is live
 *                the PMM gets the RAM the bootstrap tables could not reach
 *   kernel image by section: .text read+execute, .rodata read-only,
 *                .data/.bss read+write, both no-execute; the guard pages
 *                under the stacks are left out
 *   low memory   nothing: the identity map is gone, so a stray low pointer
 *                (a NULL dereference, a physical address used as a pointer)
 *                faults instead of silently reading RAM
 *
 * then loads CR3. From here on the CPU enforces the permissions, which the
 * vmm suite of the in-kernel tests checks.
 */
#include "mm/vmm_boot.h"

#include "arch/x86_64/gdt.h"
#include "arch/x86_64/trap.h"
#include "dev/console.h"
#include "kernel/panic.h"
#include "lib/format.h"
#include "lib/string.h"
#include "mm/layout.h"
#include "mm/pmm_boot.h"

struct vmm kernel_vmm;
struct address_space kernel_space;
struct vmm_boot_stats vmm_boot_stats;

static struct address_space *active_space;

/* From src/kernel.ld and asm/boot.asm: virtual addresses of the image's parts. */
extern char __text_start[], __text_end[], __rodata_start[], __rodata_end[];
extern char __data_start[], __bss_end[];
extern char boot_stack_guard[];

static void tlb_invalidate_page(uint64_t va)
{
    invlpg(va);
}

static void tlb_invalidate_all(void)
{
    write_cr3(read_cr3());
}

void vmm_activate(struct address_space *as)
{
    write_cr3(as->pml4.addr);
    active_space = as;
    as->vmm->active_pml4 = as->pml4;
}

struct address_space *vmm_active_space(void)
{
    return active_space;
}

void vmm_print_kprintf(void *ctx, const char *line)
{
    kprintf("%s%s\n", ctx ? (const char *)ctx : "", line);
}

/* Map one part of the kernel image at its link address, or panic. */
static void map_image(const char *what, uint64_t start, uint64_t end, unsigned flags)
{
    start = PAGE_ALIGN_DOWN(start);
    end = PAGE_ALIGN_UP(end);
    if (end <= start)
        return;
    int err =
        vmm_map(&kernel_space, vaddr(start), image_virt_to_phys(vaddr(start)), end - start, flags);
    if (err)
        panic("vmm_boot_init: mapping the kernel's %s %#llx-%#llx failed: %s", what,
              (unsigned long long)start, (unsigned long long)end, vmm_strerror(err));
    vmm_boot_stats.image_pages += (end - start) / PAGE_SIZE;
}

/* .data and .bss, read-write, minus the guard pages (which must be in order). */
static void map_data_with_guards(void)
{
    uint64_t guards[] = {vaddr_of(boot_stack_guard).addr, gdt_double_fault_guard()};
    if (guards[0] > guards[1]) {
        uint64_t t = guards[0];
        guards[0] = guards[1];
        guards[1] = t;
    }
    uint64_t from = vaddr_of(__data_start).addr;
    for (size_t i = 0; i < sizeof(guards) / sizeof(guards[0]); i++) {
        if (guards[i] & (PAGE_SIZE - 1))
            panic("vmm_boot_init: guard page %#llx is not page-aligned",
                  (unsigned long long)guards[i]);
        map_image(".data/.bss", from, guards[i], VMM_WRITE);
        from = guards[i] + PAGE_SIZE;
        vmm_boot_stats.guard_pages++;
    }
    map_image(".data/.bss", from, vaddr_of(__bss_end).addr, VMM_WRITE);
}

/*
 * How much physical memory the direct map covers: up to the end of the
 * highest RAM (usable or ACPI) entry, and at least the first 4 GiB, which hold
 * the devices the kernel may talk to. Rounded up to the page size used, and
 * cut at DIRECT_MAP_MAX, where the window ends and the kernel heap's slot
 * begins (the PMM's boot report names any RAM lost to that cut).
 */
static uint64_t direct_map_size(const struct boot_info *info, uint64_t page)
{
    uint64_t top = 4ULL << 30;
    for (size_t i = 0; i < info->region_count; i++) {
        const struct mem_region *r = &info->regions[i];
        if (r->type != MEM_USABLE && r->type != MEM_ACPI_RECLAIMABLE && r->type != MEM_ACPI_NVS)
            continue;
        if (r->base + r->length > top)
            top = r->base + r->length;
    }
    if (top >= DIRECT_MAP_MAX)
        return DIRECT_MAP_MAX;
    return (top + page - 1) & ~(page - 1);
}

static int explain_summary(const struct trap_frame *frame, uint64_t cr2, char *buf, size_t size);
static void explain_details(const struct trap_frame *frame, uint64_t cr2, const char *prefix);

void vmm_boot_init(const struct boot_info *info, const struct cpu_features *cpu)
{
    uint64_t start = rdtsc();
    struct phys_window direct = {DIRECT_MAP_BASE};
    bool nx = cpu->nx && (rdmsr(MSR_EFER) & EFER_NXE);
    vmm_setup(&kernel_vmm, &kernel_pmm, direct, nx, cpu->pdpe1gb);
    kernel_vmm.invalidate_page = tlb_invalidate_page;
    kernel_vmm.invalidate_all = tlb_invalidate_all;

    int err = vmm_kernel_space_init(&kernel_vmm, &kernel_space);
    if (err)
        panic("vmm_boot_init: no frame for the kernel's PML4: %s", vmm_strerror(err));

    /* The direct map, with the largest pages the CPU offers. */
    vmm_boot_stats.direct_map_page_size = cpu->pdpe1gb ? HUGE_PAGE_SIZE : LARGE_PAGE_SIZE;
    vmm_boot_stats.direct_map_bytes = direct_map_size(info, vmm_boot_stats.direct_map_page_size);
    uint64_t t0 = rdtsc();
    err = vmm_map(&kernel_space, vaddr(DIRECT_MAP_BASE), paddr(0), vmm_boot_stats.direct_map_bytes,
                  VMM_WRITE | VMM_LARGE);
    vmm_boot_stats.direct_map_cycles = rdtsc() - t0;
    if (err)
        panic("vmm_boot_init: building the direct map of %llu MiB failed: %s",
              (unsigned long long)(vmm_boot_stats.direct_map_bytes >> 20), vmm_strerror(err));
    vmm_boot_stats.direct_map_table_pages = kernel_space.table_pages - 1; /* minus the PML4 */

    /* The kernel image, section by section. */
    uint64_t before = kernel_space.table_pages;
    map_image(".text", vaddr_of(__text_start).addr, vaddr_of(__text_end).addr, VMM_EXEC);
    map_image(".rodata", vaddr_of(__rodata_start).addr, vaddr_of(__rodata_end).addr, 0);
    map_data_with_guards();
    vmm_boot_stats.image_table_pages = kernel_space.table_pages - before;

    /* Top-level slots for the heap and the stacks, so every space shares them. */
    if ((err = vmm_kernel_reserve_slot(&kernel_space, vaddr(KERNEL_HEAP_BASE))) ||
        (err = vmm_kernel_reserve_slot(&kernel_space, vaddr(KERNEL_STACKS_BASE))))
        panic("vmm_boot_init: reserving the kernel's heap and stack slots failed: %s",
              vmm_strerror(err));

    /* The moment of truth: from here the bootstrap tables are unused. */
    vmm_activate(&kernel_space);
    trap_set_explainer(explain_summary, explain_details);
    /* RAM above the bootstrap tables' reach is in the direct map now. */
    pmm_boot_reach(paddr(vmm_boot_stats.direct_map_bytes));
    vmm_boot_stats.init_cycles = rdtsc() - start;
}

void vmm_boot_report(void)
{
    const struct vmm_boot_stats *s = &vmm_boot_stats;
    kprintf("vmm: kernel page tables at %#llx: direct map %llu MiB with %s pages (%llu table "
            "pages), image %llu pages (%llu table pages, %llu guard pages), NX %s\n",
            (unsigned long long)kernel_space.pml4.addr,
            (unsigned long long)(s->direct_map_bytes >> 20),
            s->direct_map_page_size == HUGE_PAGE_SIZE ? "1 GiB" : "2 MiB",
            (unsigned long long)s->direct_map_table_pages, (unsigned long long)s->image_pages,
            (unsigned long long)s->image_table_pages, (unsigned long long)s->guard_pages,
            kernel_vmm.nx ? "on" : "off (the CPU lacks it)");
    pmm_boot_report_reach();
}

/* ---- kernel stacks --------------------------------------------------------- */

static bool kstack_used[KSTACK_SLOTS];

int kstack_alloc(struct kstack *ks)
{
    for (unsigned i = 0; i < KSTACK_SLOTS; i++) {
        if (kstack_used[i])
            continue;
        uint64_t top = KERNEL_STACKS_BASE + (uint64_t)(i + 1) * KSTACK_SLOT_SIZE;
        int err = vmm_alloc(&kernel_space, vaddr(top - KSTACK_SIZE), KSTACK_SIZE, VMM_WRITE);
        if (err)
            return err;
        kstack_used[i] = true;
        *ks = (struct kstack){top - KSTACK_SIZE, top, i};
        return VMM_OK;
    }
    return VMM_ERR_NO_MEMORY;
}

void kstack_free(struct kstack *ks)
{
    int err = vmm_free(&kernel_space, vaddr(ks->bottom), KSTACK_SIZE);
    if (err || ks->slot >= KSTACK_SLOTS || !kstack_used[ks->slot])
        panic("kstack_free: %#llx is not a live kernel stack: %s (caller %p)",
              (unsigned long long)ks->bottom, vmm_strerror(err), CALLER_ADDRESS());
    kstack_used[ks->slot] = false;
    ks->bottom = ks->top = 0;
}

bool vmm_guard_page_name(uint64_t va, char *buf, size_t size)
{
    uint64_t page = PAGE_ALIGN_DOWN(va);
    if (page == vaddr_of(boot_stack_guard).addr) {
        ksnprintf(buf, size, "the guard page under the boot stack");
        return true;
    }
    if (page == gdt_double_fault_guard()) {
        ksnprintf(buf, size, "the guard page under the double-fault stack");
        return true;
    }
    if (va >= KERNEL_STACKS_BASE && va < KERNEL_STACKS_BASE + KSTACK_SLOTS * KSTACK_SLOT_SIZE) {
        uint64_t slot = (va - KERNEL_STACKS_BASE) / KSTACK_SLOT_SIZE;
        uint64_t stack_bottom = KERNEL_STACKS_BASE + (slot + 1) * KSTACK_SLOT_SIZE - KSTACK_SIZE;
        if (va < stack_bottom) {
            ksnprintf(buf, size, "the guard area under kernel stack %llu (%#llx)",
                      (unsigned long long)slot, (unsigned long long)stack_bottom);
            return true;
        }
    }
    return false;
}

/* ---- what the page tables say about a fatal fault -------------------------- */

static int explain_summary(const struct trap_frame *frame, uint64_t cr2, char *buf, size_t size)
{
    unsigned v = (unsigned)frame->vector;
    if (v != VEC_PAGE_FAULT && v != VEC_DOUBLE_FAULT)
        return 0;
    char guard[96];
    if (vmm_guard_page_name(cr2, guard, sizeof(guard)))
        return ksnprintf(buf, size, "; kernel stack overflow: cr2 %#llx is in %s",
                         (unsigned long long)cr2, guard);
    if (v != VEC_PAGE_FAULT || !active_space)
        return 0;
    struct vmm_walk w;
    vmm_walk(active_space, vaddr(cr2), &w);
    if (w.steps == 0)
        return 0;
    if (!w.mapped)
        return ksnprintf(buf, size, "; the %s entry for cr2 is not present",
                         vmm_level_name(VMM_LEVELS - w.steps + 1));
    char flags[64];
    vmm_entry_flags(w.entry[w.steps - 1], flags, sizeof(flags));
    return ksnprintf(buf, size, "; cr2 is mapped to %#llx with flags %s",
                     (unsigned long long)w.phys.addr, flags);
}

static void explain_details(const struct trap_frame *frame, uint64_t cr2, const char *prefix)
{
    if (frame->vector != VEC_PAGE_FAULT || !active_space)
        return;
    char p[8];
    ksnprintf(p, sizeof(p), "%s ", prefix);
    vmm_dump_address(active_space, vaddr(cr2), vmm_print_kprintf, p);
}
