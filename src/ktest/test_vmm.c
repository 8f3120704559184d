/*
 * ktest/test_vmm.c - suite "vmm": the kernel's page tables, on the real CPU.
 *
 * The host tests (tests/test_vmm.c) check the page-table code against a
 * simulated memory. These check what only real hardware can: that the CPU
 * uses the kernel's tables and enforces their permissions (a write to
 * .rodata, a fetch from data and a touch of a guard page each fault), that
 * the TLB is kept up to date, and that address spaces really are separate.
 */
#include <stdint.h>

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/gdt.h"
#include "arch/x86_64/trap.h"
#include "kernel/panic.h"
#include "ktest/ktest.h"
#include "lib/string.h"
#include "mm/layout.h"
#include "mm/pmm_boot.h"
#include "mm/vmm_boot.h"

extern char __text_start[], __rodata_start[], __data_start[];
extern char boot_pml4[], boot_stack_guard[];

/* Page-fault error code bits (SDM vol. 3A, 4.7). */
#define PF_P 0x1u
#define PF_W 0x2u
#define PF_I 0x10u

/* A test area in the kernel heap's slot, above anything kmalloc uses. */
#define TEST_VA KERNEL_SCRATCH_BASE
#define USER_VA 0x400000ULL

static uint64_t free_bytes(void)
{
    struct pmm_stats st;
    pmm_get_stats(&kernel_pmm, &st);
    return st.free_bytes;
}

static const uint32_t rodata_word = 0x600DF00D;
static volatile uint8_t data_code[16] __attribute__((aligned(16))) = {0xC3}; /* ret */

KTEST(vmm, cr3_is_kernel_space, "CR3 holds the kernel's own PML4, not the bootstrap one")
{
    KT_ASSERT_EQ(kernel_space.pml4.addr, read_cr3() & PTE_ADDR_MASK);
    KT_ASSERT((uint64_t)(uintptr_t)boot_pml4 != kernel_space.pml4.addr);
    KT_ASSERT(vmm_active_space() == &kernel_space);
}

static void read_low(void *arg)
{
    volatile uint64_t v = *(volatile uint64_t *)(uintptr_t)arg;
    (void)v;
}

KTEST(vmm, identity_map_removed, "low memory is no longer identity-mapped: reading 1 MiB faults")
{
    KT_ASSERT_INT_EQ(VMM_ERR_NOT_MAPPED,
                     vmm_translate(&kernel_space, vaddr(KERNEL_LOAD_PHYS), 0, 0, 0));
    struct trap_record rec;
    KT_ASSERT(trap_catch(read_low, (void *)KERNEL_LOAD_PHYS, &rec));
    KT_ASSERT_EQ(VEC_PAGE_FAULT, rec.vector);
    KT_ASSERT_EQ(KERNEL_LOAD_PHYS, rec.cr2);
    KT_ASSERT_EQ(0, rec.error_code); /* kernel read, not present */
}

KTEST(vmm, direct_map_uses_largest_pages, "the direct map uses 1 GiB pages if CPUID has them, else 2 MiB, NX")
{
    paddr_t pa;
    unsigned flags;
    uint64_t size;
    uint64_t probe = (64ULL << 20) + 0x1234; /* inside RAM on every machine the tests use */
    KT_ASSERT_INT_EQ(VMM_OK, vmm_translate(&kernel_space, vaddr_of(phys_to_virt(paddr(probe))), &pa,
                                           &flags, &size));
    KT_ASSERT_EQ(probe, pa.addr);
    KT_ASSERT_EQ(kernel_vmm.gib_pages ? HUGE_PAGE_SIZE : LARGE_PAGE_SIZE, size);
    KT_ASSERT(flags & VMM_WRITE);
    KT_ASSERT_EQ(kernel_vmm.nx ? 0u : (unsigned)VMM_EXEC, flags & VMM_EXEC);
    ktest_diag("direct map: %s pages, %llu table pages for %llu MiB",
               size == HUGE_PAGE_SIZE ? "1 GiB" : "2 MiB",
               (unsigned long long)vmm_boot_stats.direct_map_table_pages,
               (unsigned long long)(vmm_boot_stats.direct_map_bytes >> 20));
}

/* One past the last usable frame in the bootloader's map. */
static uint64_t usable_top(void)
{
    uint64_t top = 0;
    for (size_t i = 0; i < boot_info.region_count; i++) {
        const struct mem_region *r = &boot_info.regions[i];
        uint64_t end = PAGE_ALIGN_DOWN(r->base + r->length);
        if (r->type == MEM_USABLE && r->length && end > top)
            top = end;
    }
    return top;
}

KTEST(vmm, direct_map_reaches_top_of_ram, "the direct map reaches the last usable frame, and the PMM has all RAM the window holds")
{
    uint64_t top = usable_top(), above_window = 0;
    for (size_t i = 0; i < boot_info.region_count; i++) {
        const struct mem_region *r = &boot_info.regions[i];
        if (r->type == MEM_USABLE && r->base + r->length > DIRECT_MAP_MAX)
            above_window += PAGE_ALIGN_DOWN(r->base + r->length) -
                            (r->base > DIRECT_MAP_MAX ? PAGE_ALIGN_UP(r->base) : DIRECT_MAP_MAX);
    }
    uint64_t last = (top < DIRECT_MAP_MAX ? top : DIRECT_MAP_MAX) - PAGE_SIZE;
    paddr_t pa;
    uint64_t size;
    KT_ASSERT_INT_EQ(
        VMM_OK, vmm_translate(&kernel_space, vaddr_of(phys_to_virt(paddr(last))), &pa, 0, &size));
    KT_ASSERT_EQ(last, pa.addr);
    KT_ASSERT_EQ(kernel_vmm.gib_pages ? HUGE_PAGE_SIZE : LARGE_PAGE_SIZE, size);
    KT_ASSERT(pmm_is_usable(&kernel_pmm, paddr(last)));
    struct pmm_stats s;
    pmm_get_stats(&kernel_pmm, &s);
    KT_ASSERT_EQ(above_window, s.unreachable_bytes);
    ktest_diag("last usable frame %#llx; %llu MiB added after the direct map was built",
               (unsigned long long)last,
               (unsigned long long)(pmm_boot_reach_stats.added_bytes >> 20));
}

KTEST(vmm, sections_have_their_permissions, ".text is R+X, .rodata R+NX, .data RW+NX, at KERNEL_VMA + physical")
{
    struct {
        const void *p;
        unsigned expected;
    } cases[] = {
        {__text_start, VMM_EXEC},
        {__rodata_start, kernel_vmm.nx ? 0 : VMM_EXEC},
        {__data_start, VMM_WRITE | (kernel_vmm.nx ? 0 : VMM_EXEC)},
    };
    for (unsigned i = 0; i < 3; i++) {
        uint64_t va = (uint64_t)(uintptr_t)cases[i].p;
        paddr_t pa;
        unsigned flags;
        KT_ASSERT_INT_EQ(VMM_OK, vmm_translate(&kernel_space, vaddr(va), &pa, &flags, 0));
        KT_ASSERT_EQ(image_virt_to_phys(vaddr(va)).addr, pa.addr);
        KT_ASSERT_EQ(cases[i].expected, flags & (VMM_WRITE | VMM_EXEC | VMM_USER));
    }
}

static void write_rodata(void *arg)
{
    (void)arg;
    *(volatile uint32_t *)&rodata_word = 0xBAD;
}

KTEST(vmm, rodata_write_faults, "a write to .rodata raises #PF (present, write) at that address")
{
    struct trap_record rec;
    KT_ASSERT(trap_catch(write_rodata, 0, &rec));
    KT_ASSERT_EQ(VEC_PAGE_FAULT, rec.vector);
    KT_ASSERT_EQ((uint64_t)(uintptr_t)&rodata_word, rec.cr2);
    KT_ASSERT_EQ(PF_P | PF_W, rec.error_code);
    KT_ASSERT_EQ(0x600DF00D, rodata_word);
}

static void call_data(void *arg)
{
    (void)arg;
    ((void (*)(void))(uintptr_t)data_code)();
}

KTEST(vmm, data_fetch_faults_with_nx, "calling code in .data raises #PF (fetch) when the CPU has NX")
{
    struct trap_record rec;
    bool faulted = trap_catch(call_data, 0, &rec);
    if (!kernel_vmm.nx) {
        ktest_diag("this CPU has no NX: data pages are executable, and the call returned");
        KT_ASSERT(!faulted);
        return;
    }
    KT_ASSERT(faulted);
    KT_ASSERT_EQ(VEC_PAGE_FAULT, rec.vector);
    KT_ASSERT_EQ((uint64_t)(uintptr_t)data_code, rec.cr2);
    KT_ASSERT_EQ((uint64_t)(uintptr_t)data_code, rec.rip);
    KT_ASSERT_EQ(PF_P | PF_I, rec.error_code);
}

KTEST(vmm, guard_pages_fault, "touching the guard page under the boot stack or a kernel stack raises #PF")
{
    struct trap_record rec;
    KT_ASSERT(trap_catch(read_low, boot_stack_guard + 8, &rec));
    KT_ASSERT_EQ(VEC_PAGE_FAULT, rec.vector);
    KT_ASSERT_EQ((uint64_t)(uintptr_t)(boot_stack_guard + 8), rec.cr2);
    KT_ASSERT_EQ(0, rec.error_code);

    struct kstack ks;
    KT_ASSERT_INT_EQ(VMM_OK, kstack_alloc(&ks));
    *(volatile uint64_t *)(uintptr_t)(ks.top - 8) = 1; /* the stack itself is usable */
    *(volatile uint64_t *)(uintptr_t)ks.bottom = 2;
    bool faulted = trap_catch(read_low, (void *)(uintptr_t)(ks.bottom - 8), &rec);
    kstack_free(&ks);
    KT_ASSERT(faulted);
    char name[96];
    KT_ASSERT(vmm_guard_page_name(rec.cr2, name, sizeof(name)));
    ktest_diag("%#llx: %s", (unsigned long long)rec.cr2, name);
}

/* Recurse until the stack runs out. */
static __attribute__((noinline)) uint64_t recurse(uint64_t depth)
{
    volatile uint64_t frame[32];
    frame[0] = depth;
    if (depth == UINT64_MAX)
        return 0;
    return recurse(depth + 1) + frame[0];
}

static void overflow_on(void *arg)
{
    uint64_t top = (uint64_t)(uintptr_t)arg;
    /* Switch to the test stack and recurse; only a fault gets us out. */
    __asm__ volatile("movq %0, %%rsp\n\t"
                     "xorl %%edi, %%edi\n\t"
                     "call *%1"
                     :
                     : "r"(top), "r"(recurse)
                     : "memory", "rdi");
}

KTEST(vmm, stack_overflow_double_faults_on_ist, "overflowing a kernel stack hits its guard: #DF on the IST stack, CR2 in the guard")
{
    struct kstack ks;
    KT_ASSERT_INT_EQ(VMM_OK, kstack_alloc(&ks));
    struct trap_record rec;
    bool faulted = trap_catch(overflow_on, (void *)(uintptr_t)ks.top, &rec);
    uint64_t bottom = ks.bottom;
    kstack_free(&ks);
    KT_ASSERT(faulted);
    KT_ASSERT_EQ(VEC_DOUBLE_FAULT, rec.vector);
    KT_ASSERT(gdt_on_double_fault_stack(rec.frame_address));
    KT_ASSERT(rec.cr2 < bottom && rec.cr2 >= bottom - PAGE_SIZE);
}

static void poke(void *arg)
{
    *(volatile uint64_t *)(uintptr_t)arg = 0x5A5A;
}

KTEST(vmm, alloc_free_and_tlb, "vmm_alloc maps zeroed frames at once; after vmm_free the address faults again")
{
    uint64_t before = free_bytes();
    uint64_t tables = kernel_space.table_pages;
    KT_ASSERT_INT_EQ(VMM_OK, vmm_alloc(&kernel_space, vaddr(TEST_VA), 16 * PAGE_SIZE, VMM_WRITE));
    volatile uint64_t *p = (volatile uint64_t *)(uintptr_t)TEST_VA;
    for (unsigned i = 0; i < 16 * PAGE_SIZE / 8; i++)
        KT_ASSERT_EQ(0, p[i]);
    p[0] = 42; /* a TLB entry for the first page now exists */
    paddr_t pa;
    KT_ASSERT_INT_EQ(VMM_OK, vmm_translate(&kernel_space, vaddr(TEST_VA), &pa, 0, 0));
    KT_ASSERT_EQ(42, *(volatile uint64_t *)phys_to_virt(pa));
    KT_ASSERT_INT_EQ(VMM_OK, vmm_free(&kernel_space, vaddr(TEST_VA), 16 * PAGE_SIZE));
    struct trap_record rec;
    KT_ASSERT(trap_catch(poke, (void *)(uintptr_t)TEST_VA, &rec)); /* stale TLB would not fault */
    KT_ASSERT_EQ(TEST_VA, rec.cr2);
    KT_ASSERT_EQ(before, free_bytes());
    KT_ASSERT_EQ(tables, kernel_space.table_pages);
}

KTEST(vmm, protect_read_only, "vmm_protect to read-only makes the next write fault, and back")
{
    KT_ASSERT_INT_EQ(VMM_OK, vmm_alloc(&kernel_space, vaddr(TEST_VA), PAGE_SIZE, VMM_WRITE));
    poke((void *)(uintptr_t)TEST_VA);
    KT_ASSERT_INT_EQ(VMM_OK, vmm_protect(&kernel_space, vaddr(TEST_VA), PAGE_SIZE, 0));
    struct trap_record rec;
    bool faulted = trap_catch(poke, (void *)(uintptr_t)TEST_VA, &rec);
    KT_ASSERT_INT_EQ(VMM_OK, vmm_protect(&kernel_space, vaddr(TEST_VA), PAGE_SIZE, VMM_WRITE));
    poke((void *)(uintptr_t)TEST_VA);
    KT_ASSERT_INT_EQ(VMM_OK, vmm_free(&kernel_space, vaddr(TEST_VA), PAGE_SIZE));
    KT_ASSERT(faulted);
    KT_ASSERT_EQ(PF_P | PF_W, rec.error_code);
}

KTEST(vmm, errors_are_values, "bad requests return distinct error codes and change nothing")
{
    uint64_t before = free_bytes();
    uint64_t big = vmm_boot_stats.direct_map_page_size;
    struct address_space user;
    KT_ASSERT_INT_EQ(VMM_OK, vmm_space_create(&kernel_vmm, &user));
    /* Collect every result first, so a failure cannot leak the space. */
    struct {
        const char *call;
        int expected, got;
    } r[] = {
        {"alloc of a user address in the kernel space", VMM_ERR_USER_ADDRESS,
         vmm_alloc(&kernel_space, vaddr(USER_VA), PAGE_SIZE, 0)},
        {"alloc of a kernel address in a user space", VMM_ERR_KERNEL_ADDRESS,
         vmm_alloc(&user, vaddr(TEST_VA), PAGE_SIZE, 0)},
        {"alloc at a misaligned address", VMM_ERR_MISALIGNED,
         vmm_alloc(&user, vaddr(USER_VA + 1), PAGE_SIZE, 0)},
        {"alloc running into the non-canonical hole", VMM_ERR_NONCANONICAL,
         vmm_alloc(&user, vaddr(0x00007FFFFFFFF000ULL), 2 * PAGE_SIZE, 0)},
        {"alloc of 0 bytes", VMM_ERR_BAD_ARGUMENT, vmm_alloc(&user, vaddr(USER_VA), 0, 0)},
        {"unmap of nothing", VMM_ERR_NOT_MAPPED, vmm_unmap(&user, vaddr(USER_VA), PAGE_SIZE)},
        {"alloc of 2 pages", VMM_OK,
         vmm_alloc(&user, vaddr(USER_VA), 2 * PAGE_SIZE, VMM_USER | VMM_WRITE)},
        {"alloc overlapping its second page", VMM_ERR_ALREADY_MAPPED,
         vmm_alloc(&user, vaddr(USER_VA + PAGE_SIZE), 2 * PAGE_SIZE, 0)},
        {"map over its first page", VMM_ERR_ALREADY_MAPPED,
         vmm_map(&user, vaddr(USER_VA), paddr(0x100000), PAGE_SIZE, 0)},
        {"free of direct-map memory", VMM_ERR_NOT_OWNED,
         vmm_free(&kernel_space, vaddr(DIRECT_MAP_BASE), big)},
        {"unmap of 4 KiB of a large page", VMM_ERR_SPLITS_LARGE,
         vmm_unmap(&kernel_space, vaddr(DIRECT_MAP_BASE), PAGE_SIZE)},
        {"a new kernel slot while a user space exists", VMM_ERR_KERNEL_SLOT,
         vmm_kernel_reserve_slot(&kernel_space, vaddr(0xFFFFA00000000000ULL))},
    };
    vmm_space_destroy(&user);
    for (unsigned i = 0; i < sizeof(r) / sizeof(r[0]); i++)
        if (r[i].expected != r[i].got)
            ktest_fail(__FILE__, __LINE__, "%s: expected %d (%s), got %d (%s)", r[i].call,
                       r[i].expected, vmm_strerror(r[i].expected), r[i].got, vmm_strerror(r[i].got));
    KT_ASSERT_EQ(before, free_bytes());
}

/* Drain the PMM into a few big chunks, so that it can be refilled cheaply.
 * Freed frames coalesce, so the free list holds a handful of runs, and each
 * run is taken in power-of-two chunks of at most 2^20 frames (4 GiB): about
 * 21 chunks for a run of a few GiB, one more per further 4 GiB. */
#define DRAIN_MAX 1024
struct drained {
    uint64_t base[DRAIN_MAX];
    size_t pages[DRAIN_MAX];
    unsigned n;
};

static void drain(struct drained *d)
{
    d->n = 0;
    for (size_t pages = 1u << 20; pages; pages >>= 1) {
        uint64_t p;
        while (d->n < DRAIN_MAX &&
               (p = pmm_alloc_pages(&kernel_pmm, pages, 0).addr) != PMM_NO_FRAME.addr) {
            d->base[d->n] = p;
            d->pages[d->n++] = pages;
        }
    }
}

static void refill(struct drained *d)
{
    while (d->n) {
        d->n--;
        pmm_free_pages(&kernel_pmm, paddr(d->base[d->n]), d->pages[d->n]);
    }
}

KTEST(vmm, exhaustion_rolls_back, "vmm_alloc that runs out of frames half-way undoes everything")
{
    struct address_space user;
    KT_ASSERT_INT_EQ(VMM_OK, vmm_space_create(&kernel_vmm, &user));
    static struct drained d;
    drain(&d);
    uint64_t drained_to = free_bytes();
    if (drained_to != 0 || d.n == 0 || d.pages[0] < 5) {
        size_t chunks = d.n, first = d.n ? d.pages[0] : 0;
        refill(&d);
        vmm_space_destroy(&user);
        ktest_fail(__FILE__, __LINE__,
                   "draining the PMM: expected 0 bytes left and a first chunk of at least 5 "
                   "frames, got %llu bytes left in %zu chunks, the first of %zu frames",
                   (unsigned long long)drained_to, chunks, first);
    }
    /* Give back 5 frames (from the first, biggest chunk): the PML4 exists,
     * so 3 tables + 2 pages fit and the third page does not. */
    pmm_free_pages(&kernel_pmm, paddr(d.base[0]), 5);
    d.base[0] += 5 * PAGE_SIZE;
    d.pages[0] -= 5;
    int err = vmm_alloc(&user, vaddr(USER_VA), 8 * PAGE_SIZE, VMM_USER | VMM_WRITE);
    uint64_t left = free_bytes();
    uint64_t tables = user.table_pages;
    refill(&d);
    vmm_space_destroy(&user);
    KT_ASSERT_INT_EQ(VMM_ERR_NO_MEMORY, err);
    KT_ASSERT_EQ(5 * PAGE_SIZE, left);
    KT_ASSERT_EQ(1, tables);
}

KTEST(vmm, spaces_isolate_user_halves, "two spaces map the same user address to different frames; the kernel half is shared")
{
    uint64_t before = free_bytes();
    struct address_space a, b;
    KT_ASSERT_INT_EQ(VMM_OK, vmm_space_create(&kernel_vmm, &a));
    KT_ASSERT_INT_EQ(VMM_OK, vmm_space_create(&kernel_vmm, &b));
    KT_ASSERT_INT_EQ(VMM_OK, vmm_alloc(&a, vaddr(USER_VA), PAGE_SIZE, VMM_USER | VMM_WRITE));
    KT_ASSERT_INT_EQ(VMM_OK, vmm_alloc(&b, vaddr(USER_VA), PAGE_SIZE, VMM_USER | VMM_WRITE));
    volatile uint64_t *p = (volatile uint64_t *)USER_VA;
    vmm_activate(&a);
    *p = 0xAAAA;
    vmm_activate(&b);
    *p = 0xBBBB;
    uint64_t seen_in_b = *p;
    vmm_activate(&a);
    uint64_t seen_in_a = *p;
    uint32_t kernel_data = rodata_word; /* kernel memory is reachable in a user space */
    vmm_activate(&kernel_space);
    struct trap_record rec;
    bool kernel_faults = trap_catch(read_low, (void *)USER_VA, &rec);
    vmm_space_destroy(&a);
    vmm_space_destroy(&b);
    KT_ASSERT_EQ(0xAAAA, seen_in_a);
    KT_ASSERT_EQ(0xBBBB, seen_in_b);
    KT_ASSERT_EQ(0x600DF00D, kernel_data);
    KT_ASSERT(kernel_faults); /* and the kernel's own space has no user half */
    KT_ASSERT_EQ(before, free_bytes());
}

static void destroy_active(void *arg)
{
    struct address_space *as = arg;
    vmm_activate(as);
    vmm_space_destroy(as);
}

KTEST(vmm, destroying_active_space_panics, "vmm_space_destroy of the space in CR3 is a named panic, and frees nothing")
{
    uint64_t before = free_bytes();
    struct address_space as;
    KT_ASSERT_INT_EQ(VMM_OK, vmm_space_create(&kernel_vmm, &as));
    char msg[256];
    bool panicked = ktest_catch_panic(destroy_active, &as, msg, sizeof(msg));
    vmm_activate(&kernel_space);
    vmm_space_destroy(&as);
    KT_ASSERT(panicked);
    ktest_diag("%s", msg);
    KT_ASSERT(strstr(msg, "vmm_space_destroy: the space with PML4 at") != 0);
    KT_ASSERT_EQ(before, free_bytes());
}

KTEST(vmm, hundred_spaces_no_leak, "creating and destroying 100 spaces returns every frame to the PMM")
{
    uint64_t before = free_bytes();
    for (unsigned i = 0; i < 100; i++) {
        struct address_space as;
        KT_ASSERT_INT_EQ(VMM_OK, vmm_space_create(&kernel_vmm, &as));
        /* Spread over several tables: a PT boundary, another PD, another PDPT. */
        KT_ASSERT_INT_EQ(VMM_OK,
                         vmm_alloc(&as, vaddr(USER_VA), 3 * PAGE_SIZE, VMM_USER | VMM_WRITE));
        KT_ASSERT_INT_EQ(VMM_OK,
                         vmm_alloc(&as, vaddr(0x40000000ULL - PAGE_SIZE), 2 * PAGE_SIZE, VMM_USER));
        KT_ASSERT_INT_EQ(
            VMM_OK, vmm_alloc(&as, vaddr(0x7FFFFFFFE000ULL), PAGE_SIZE * (i % 2 + 1), VMM_USER));
        vmm_space_destroy(&as);
    }
    KT_ASSERT_EQ(before, free_bytes());
}

KTEST(vmm, walk_reads_four_levels, "a walk of a .text address reads PML4, PDPT, PD and PT and ends at its frame")
{
    struct vmm_walk w;
    uint64_t va = (uint64_t)(uintptr_t)__text_start + 0x10;
    vmm_walk(&kernel_space, vaddr(va), &w);
    KT_ASSERT_INT_EQ(4, w.steps);
    KT_ASSERT(w.mapped);
    KT_ASSERT_EQ(image_virt_to_phys(vaddr(va)).addr, w.phys.addr);
    KT_ASSERT_EQ(511, w.index[0]);
    KT_ASSERT_EQ(510, w.index[1]);
    KT_ASSERT_EQ(kernel_space.pml4.addr, w.table[0].addr);
    vmm_walk(&kernel_space, vaddr(DIRECT_MAP_BASE), &w);
    KT_ASSERT_INT_EQ(kernel_vmm.gib_pages ? 2 : 3, w.steps);
    KT_ASSERT(w.entry[w.steps - 1] & PTE_PS);
}

static void fault_unmapped(void *arg)
{
    (void)arg;
    *(volatile uint64_t *)(uintptr_t)TEST_VA = 1;
}

KTEST(vmm, fault_panic_names_mapping, "a kernel page fault's panic says which entry of the walk was missing")
{
    char message[320];
    KT_ASSERT(ktest_catch_panic(fault_unmapped, 0, message, sizeof(message)));
    ktest_diag("panic: %s", message);
    KT_ASSERT(strstr(message, "#PF page fault") != 0);
    KT_ASSERT(strstr(message, "kernel write, page not present") != 0);
    KT_ASSERT(strstr(message, "the PDPT entry for cr2 is not present") != 0);
}
