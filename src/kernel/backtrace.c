/*
 * kernel/backtrace.c - walk the RBP chain and name each return address.
 *
 * A backtrace runs when something has already gone wrong, so it trusts
 * nothing it reads: every frame pointer must be canonical, 8-byte aligned,
 * inside one of the kernel's stacks and mapped before it is dereferenced, and
 * each record must lie above the last (stacks grow down, so callers' frames
 * are at higher addresses). A corrupted chain ends the walk with a reason
 * instead of a second fault inside the panic.
 */
#include "kernel/backtrace.h"

#include "arch/x86_64/gdt.h"
#include "dev/console.h"
#include "kernel/symbols.h"
#include "lib/format.h"
#include "mm/layout.h"
#include "mm/vmm.h"
#include "mm/vmm_boot.h"
#include "mm/vmm_dump.h"

/* From src/kernel.ld and asm/boot.asm. */
extern char __text_start[], __text_end[];
extern char boot_stack_guard[], boot_stack_top[];

/*
 * GRUB loads .symtab and .strtab into memory that the memory map calls
 * usable, and the PMM, which knows nothing of them, hands those frames out
 * soon after. So the symbols that name code are copied here first.
 */
#define KSYMS_MAX 2048
#define KSYM_STRINGS_MAX (32u << 10)
static struct elf64_sym ksyms[KSYMS_MAX];
static char ksym_strings[KSYM_STRINGS_MAX];
static struct symbol_table kernel_symbols;

/* Is [phys, phys + size) inside one usable RAM region of the memory map? */
static bool in_usable_ram(const struct boot_info *info, uint64_t phys, uint64_t size)
{
    if (phys + size < phys)
        return false;
    for (size_t i = 0; i < info->region_count; i++) {
        const struct mem_region *r = &info->regions[i];
        if (r->type == MEM_USABLE && phys >= r->base && phys + size <= r->base + r->length)
            return true;
    }
    return false;
}

void backtrace_init(const struct boot_info *info)
{
    const char *why = "GRUB passed no ELF section headers";
    struct symbol_sections at;
    if (!info->elf.present || !symbols_find_sections(info->elf.shdrs, info->elf.copied_bytes,
                                                     info->elf.num, info->elf.entsize, &at, &why)) {
        kprintf("boot: symbols: none (%s); backtraces show addresses only\n", why);
        return;
    }
    /* Read them through the direct map, which the bootstrap tables already
     * provide for the first BOOT_DIRECT_MAP_SIZE bytes. */
    if (!in_usable_ram(info, at.symtab_addr, at.symtab_size) ||
        !in_usable_ram(info, at.strtab_addr, at.strtab_size) ||
        at.symtab_addr + at.symtab_size > BOOT_DIRECT_MAP_SIZE ||
        at.strtab_addr + at.strtab_size > BOOT_DIRECT_MAP_SIZE) {
        kprintf("boot: symbols: none (.symtab at %#llx or .strtab at %#llx is not in usable RAM); "
                "backtraces show addresses only\n",
                (unsigned long long)at.symtab_addr, (unsigned long long)at.strtab_addr);
        return;
    }
    struct symbol_table loaded = {
        phys_to_virt(paddr(at.symtab_addr)),
        at.symtab_size / sizeof(struct elf64_sym),
        phys_to_virt(paddr(at.strtab_addr)),
        at.strtab_size,
    };
    size_t dropped =
        symbols_copy_code(&loaded, vaddr_of(__text_start).addr, vaddr_of(__text_end).addr, ksyms,
                          KSYMS_MAX, ksym_strings, sizeof(ksym_strings), &kernel_symbols);
    kprintf("boot: symbols: %zu code symbols from .symtab at %#llx (%zu entries)\n",
            kernel_symbols.count, (unsigned long long)at.symtab_addr, loaded.count);
    if (dropped)
        kprintf("kiln: warning: %zu symbols did not fit in the kernel's copy (KSYMS_MAX %d, "
                "KSYM_STRINGS_MAX %u); they show as addresses\n",
                dropped, KSYMS_MAX, KSYM_STRINGS_MAX);
}

/* Which of the kernel's stacks holds addr: 1 boot, 2 double fault, 3+ a kernel stack, 0 none. */
static uint64_t stack_of(uint64_t addr)
{
    if (addr >= vaddr_of(boot_stack_guard).addr + PAGE_SIZE && addr < vaddr_of(boot_stack_top).addr)
        return 1;
    if (gdt_on_double_fault_stack(addr))
        return 2;
    uint64_t stacks_end = KERNEL_STACKS_BASE + (uint64_t)KSTACK_SLOTS * KSTACK_SLOT_SIZE;
    if (addr >= KERNEL_STACKS_BASE && addr < stacks_end) {
        uint64_t slot = (addr - KERNEL_STACKS_BASE) / KSTACK_SLOT_SIZE;
        uint64_t top = KERNEL_STACKS_BASE + (slot + 1) * KSTACK_SLOT_SIZE;
        if (addr >= top - KSTACK_SIZE) /* below that is the slot's guard area */
            return 3 + slot;
    }
    return 0;
}

static bool mapped(const struct address_space *as, uint64_t va)
{
    struct vmm_walk w;
    vmm_walk(as, vaddr(va), &w);
    return w.mapped;
}

/* Why the two words at rbp cannot be read as a frame record, or 0 if they can. */
static const char *bad_frame(uint64_t rbp)
{
    if (!vmm_is_canonical(rbp))
        return "non-canonical frame pointer";
    if (rbp & 7)
        return "frame pointer not 8-byte aligned";
    uint64_t stack = stack_of(rbp);
    if (stack == 0 || stack_of(rbp + 15) != stack)
        return "frame pointer outside the kernel's stacks";
    /* Before the VMM runs, the bootstrap tables map the whole image (both
     * image stacks); after, ask the page tables about both words. vmm_walk
     * only reads the tables and is not lab code, so a backtrace works in
     * every handout, even one whose VMM is still a stub. */
    struct address_space *as = vmm_active_space();
    if (as && (!mapped(as, rbp) || !mapped(as, rbp + 8)))
        return "frame pointer on an unmapped page";
    return 0;
}

static void print_frame(const char *prefix, int n, uint64_t addr, uint64_t lookup)
{
    char name[96];
    struct symbol_match m;
    if (symbols_lookup(&kernel_symbols, lookup, &m))
        ksnprintf(name, sizeof(name), "%s+%#llx", m.name, (unsigned long long)(addr - m.start));
    else
        ksnprintf(name, sizeof(name), "?");
    kprintf("%s  #%d 0x%016llx %s\n", prefix, n, (unsigned long long)addr, name);
}

void backtrace_print(uint64_t rip, uint64_t rbp, const char *prefix)
{
    kprintf("%sbacktrace:%s\n", prefix,
            kernel_symbols.count ? "" : " (no symbols: addresses only)");
    int n = 0;
    if (rip)
        print_frame(prefix, n++, rip, rip);
    uint64_t last = 0;
    while (rbp != 0) {
        const char *why = bad_frame(rbp);
        if (!why && rbp <= last)
            why = "frame pointer does not climb the stack";
        if (!why && n == BACKTRACE_MAX_FRAMES)
            why = "frame limit reached";
        if (why) {
            kprintf("%s  (walk stopped at rbp %#llx: %s)\n", prefix, (unsigned long long)rbp, why);
            return;
        }
        const uint64_t *record = (const uint64_t *)(uintptr_t)rbp;
        uint64_t ret = record[1];
        /* A return address points after the call; the call itself is one
         * byte back, which matters when the call was a function's last
         * instruction (a call to a noreturn function such as panic). */
        print_frame(prefix, n++, ret, ret - 1);
        last = rbp;
        rbp = record[0];
    }
}

__attribute__((noinline)) void backtrace_here(const char *prefix)
{
    backtrace_print(0, vaddr_of(__builtin_frame_address(0)).addr, prefix);
}
