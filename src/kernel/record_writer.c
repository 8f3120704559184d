/*
 * kernel/record_writer.c - JSON records of the kernel's state (see
 * include/kernel/record_writer.h and docs/records.md).
 *
 * Presentation only, like the dumps and pictures: every producer here reads a
 * layer through its public structures and walks (the memory map as
 * boot_info holds it, the PMM's ranges, page tables through the VMM's window,
 * buddy_for_each_block, list_heap_for_each_block) and changes nothing, except
 * records_buddy_demo, which runs a private buddy of its own.
 */
#include "kernel/record_writer.h"

#include "boot/multiboot2.h"
#include "mm/layout.h"
#include "mm/vmm_dump.h"

/* ---- one record ---------------------------------------------------------- */

void record_json_string(struct text *t, const char *s)
{
    text_printf(t, "\"");
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\')
            text_printf(t, "\\%c", *p);
        else if (*p == '\n')
            text_printf(t, "\\n");
        else if (*p < 0x20 || *p > 0x7e)
            text_printf(t, "\\u%04x", *p);
        else
            text_printf(t, "%c", *p);
    }
    text_printf(t, "\"");
}

void record_start(struct record *r, const char *kind)
{
    r->t = text_over(r->buf, sizeof(r->buf));
    r->kind = kind;
    r->depth = 1;
    r->first[1] = true;
    r->close[1] = '}';
    r->broken = false;
    text_printf(&r->t, "{");
    record_u64(r, "v", RECORD_VERSION);
    record_str(r, "kind", kind);
}

/* The comma before a member, and its key (none inside an array). */
static void member(struct record *r, const char *key)
{
    if (!r->first[r->depth])
        text_printf(&r->t, ",");
    r->first[r->depth] = false;
    if (key) {
        record_json_string(&r->t, key);
        text_printf(&r->t, ":");
    }
}

void record_str(struct record *r, const char *key, const char *value)
{
    member(r, key);
    record_json_string(&r->t, value ? value : "");
}

void record_u64(struct record *r, const char *key, uint64_t value)
{
    member(r, key);
    text_printf(&r->t, "%llu", (unsigned long long)value);
}

void record_hex(struct record *r, const char *key, uint64_t value)
{
    member(r, key);
    text_printf(&r->t, "\"0x%llx\"", (unsigned long long)value);
}

void record_bool(struct record *r, const char *key, bool value)
{
    member(r, key);
    text_printf(&r->t, value ? "true" : "false");
}

void record_open(struct record *r, const char *key, char bracket)
{
    if (r->depth >= RECORD_DEPTH || (bracket != '[' && bracket != '{')) {
        r->broken = true;
        return;
    }
    member(r, key);
    text_printf(&r->t, "%c", bracket);
    r->depth++;
    r->first[r->depth] = true;
    r->close[r->depth] = bracket == '[' ? ']' : '}';
}

void record_close(struct record *r)
{
    if (r->depth <= 1) {
        r->broken = true;
        return;
    }
    text_printf(&r->t, "%c", r->close[r->depth]);
    r->depth--;
}

bool record_emit(struct record *r, struct record_sink *sink)
{
    bool ok = !r->broken && r->depth == 1;
    if (ok)
        text_printf(&r->t, "}");
    ok = ok && r->t.len < sizeof(r->buf);
    if (!ok) {
        size_t length = r->t.len;
        const char *kind = r->kind;
        record_start(r, "cut");
        record_str(r, "of", kind);
        record_u64(r, "length", length);
        text_printf(&r->t, "}");
        sink->cut++;
    }
    sink->records++;
    sink->emit(sink->ctx, r->buf);
    return ok;
}

/* ---- physical memory ----------------------------------------------------- */

void records_memmap(struct record_sink *s, const struct mem_region *map, size_t count)
{
    struct record r;
    for (size_t i = 0; i < count; i++) {
        uint64_t end = map[i].base + map[i].length;
        record_start(&r, "memmap");
        record_u64(&r, "index", i);
        record_hex(&r, "base", map[i].base);
        record_hex(&r, "end", end < map[i].base ? UINT64_MAX : end);
        record_u64(&r, "type_code", map[i].type);
        record_str(&r, "type", mem_type_name(map[i].type));
        record_emit(&r, s);
    }
}

void records_withheld(struct record_sink *s, const struct pmm_range *ranges,
                      const char *const *what, size_t count)
{
    struct record r;
    for (size_t i = 0; i < count; i++) {
        record_start(&r, "withheld");
        record_hex(&r, "base", ranges[i].base);
        record_hex(&r, "end", ranges[i].end);
        record_str(&r, "what", what ? what[i] : "");
        record_emit(&r, s);
    }
}

void record_free_run(struct record_sink *s, uint64_t base, uint64_t pages)
{
    struct record r;
    record_start(&r, "free_run");
    record_hex(&r, "base", base);
    record_hex(&r, "end", base + pages * PAGE_SIZE);
    record_u64(&r, "pages", pages);
    record_emit(&r, s);
}

void record_pmm(struct record_sink *s, const struct pmm_stats *st, uint64_t limit)
{
    struct record r;
    record_start(&r, "pmm");
    record_u64(&r, "total_bytes", st->total_bytes);
    record_u64(&r, "usable_bytes", st->usable_bytes);
    record_u64(&r, "reserved_bytes", st->reserved_bytes);
    record_u64(&r, "unreachable_bytes", st->unreachable_bytes);
    record_u64(&r, "free_bytes", st->free_bytes);
    record_u64(&r, "free_runs", st->free_runs);
    record_hex(&r, "limit", limit);
    record_emit(&r, s);
}

/* ---- page tables ----------------------------------------------------------- */

/* The bits that make leaf entries alike (not A and D, which the CPU sets page by page). */
#define ALIKE_BITS                                                                                 \
    (PTE_PRESENT | PTE_WRITE | PTE_USER | PTE_PWT | PTE_PCD | PTE_PS | PTE_GLOBAL | PTE_OWNED |    \
     PTE_NX)

/* A run of alike leaf entries in one table, waiting to be recorded. */
struct leaf_run {
    unsigned first, count;
    uint64_t va, frame, next_frame;
    pte_t bits;
    bool contiguous;
};

struct space_walk {
    struct record_sink *s;
    const char *name;
    const struct address_space *as;
    bool user_only;
    uint64_t tables;
};

static uint64_t sign_extend(uint64_t va)
{
    return (va & (1ULL << 47)) ? va | 0xFFFF000000000000ULL : va;
}

static void flush_leaves(struct space_walk *w, paddr_t table, int level, struct leaf_run *run)
{
    if (run->count == 0)
        return;
    char flags[64];
    struct record r;
    vmm_entry_flags(run->bits, flags, sizeof(flags));
    record_start(&r, "entries");
    record_str(&r, "space", w->name);
    record_hex(&r, "table", table.addr);
    record_u64(&r, "level", (uint64_t)level);
    record_u64(&r, "first", run->first);
    record_u64(&r, "count", run->count);
    record_hex(&r, "va", run->va);
    record_bool(&r, "leaf", true);
    record_hex(&r, "frame", run->frame);
    record_u64(&r, "page_size", vmm_level_size(level));
    record_bool(&r, "contiguous", run->contiguous);
    record_str(&r, "flags", flags);
    record_emit(&r, w->s);
    run->count = 0;
}

static void record_pointer(struct space_walk *w, paddr_t table, int level, unsigned i, uint64_t va,
                           pte_t e, bool followed)
{
    char flags[64];
    struct record r;
    vmm_entry_flags(e & ALIKE_BITS, flags, sizeof(flags));
    record_start(&r, "entries");
    record_str(&r, "space", w->name);
    record_hex(&r, "table", table.addr);
    record_u64(&r, "level", (uint64_t)level);
    record_u64(&r, "first", i);
    record_u64(&r, "count", 1);
    record_hex(&r, "va", va);
    record_bool(&r, "leaf", false);
    record_hex(&r, "next", pte_addr(e, level).addr);
    record_bool(&r, "followed", followed);
    record_str(&r, "flags", flags);
    record_emit(&r, w->s);
}

static void walk_table(struct space_walk *w, paddr_t table, int level, uint64_t base)
{
    const pte_t *t = vmm_table_at(w->as->vmm, table);
    unsigned present = 0;
    for (unsigned i = 0; i < VMM_ENTRIES; i++)
        present += (t[i] & PTE_PRESENT) != 0;
    struct record r;
    record_start(&r, "table");
    record_str(&r, "space", w->name);
    record_u64(&r, "level", (uint64_t)level);
    record_str(&r, "name", vmm_level_name(level));
    record_hex(&r, "phys", table.addr);
    record_hex(&r, "va", sign_extend(base));
    record_u64(&r, "present", present);
    record_emit(&r, w->s);
    w->tables++;

    struct leaf_run run = {0};
    for (unsigned i = 0; i < VMM_ENTRIES; i++) {
        pte_t e = t[i];
        uint64_t va = sign_extend(base + (uint64_t)i * vmm_level_size(level));
        if (!(e & PTE_PRESENT)) {
            flush_leaves(w, table, level, &run);
            continue;
        }
        if (!pte_is_leaf(e, level)) {
            flush_leaves(w, table, level, &run);
            bool follow = !(w->user_only && level == VMM_LEVELS && i >= VMM_ENTRIES / 2);
            record_pointer(w, table, level, i, va, e, follow);
            if (follow)
                walk_table(w, pte_addr(e, level), level - 1,
                           base + (uint64_t)i * vmm_level_size(level));
            continue;
        }
        uint64_t frame = pte_addr(e, level).addr;
        pte_t bits = e & ALIKE_BITS;
        if (run.count && bits == run.bits && i == run.first + run.count) {
            run.contiguous &= frame == run.next_frame;
            run.count++;
        } else {
            flush_leaves(w, table, level, &run);
            run = (struct leaf_run){i, 1, va, frame, 0, bits, true};
        }
        run.next_frame = frame + vmm_level_size(level);
    }
    flush_leaves(w, table, level, &run);
}

uint64_t records_space(struct record_sink *s, const char *name, const struct address_space *as,
                       bool user_only)
{
    struct record r;
    record_start(&r, "space");
    record_str(&r, "space", name);
    record_hex(&r, "pml4", as->pml4.addr);
    record_bool(&r, "kernel", as->kernel);
    record_u64(&r, "table_pages", as->table_pages);
    record_u64(&r, "owned_pages", as->owned_pages);
    record_emit(&r, s);
    struct space_walk w = {s, name, as, user_only, 0};
    walk_table(&w, as->pml4, VMM_LEVELS, 0);
    return w.tables;
}

void record_walk(struct record_sink *s, const char *name, const struct address_space *as,
                 uint64_t va, const char *what)
{
    struct vmm_walk walk;
    char flags[64];
    struct record r;
    vmm_walk(as, vaddr(va), &walk);
    record_start(&r, "walk");
    record_str(&r, "space", name);
    record_hex(&r, "va", va);
    if (what)
        record_str(&r, "what", what);
    record_bool(&r, "canonical", walk.steps > 0);
    record_open(&r, "steps", '[');
    for (int i = 0; i < walk.steps; i++) {
        int level = VMM_LEVELS - i;
        record_open(&r, 0, '{');
        record_str(&r, "name", vmm_level_name(level));
        record_hex(&r, "table", walk.table[i].addr);
        record_u64(&r, "index", walk.index[i]);
        record_hex(&r, "entry", walk.entry[i]);
        vmm_entry_flags(walk.entry[i], flags, sizeof(flags));
        record_str(&r, "flags", flags);
        record_close(&r);
    }
    record_close(&r);
    record_bool(&r, "mapped", walk.mapped);
    if (walk.mapped) {
        record_hex(&r, "phys", walk.phys.addr);
        record_u64(&r, "page_size", walk.page_size);
    }
    record_emit(&r, s);
}

void record_region(struct record_sink *s, const char *space, uint64_t start, uint64_t end,
                   const char *purpose, const char *perm, const char *policy)
{
    struct record r;
    record_start(&r, "region");
    record_str(&r, "space", space);
    record_hex(&r, "start", start);
    record_hex(&r, "end", end);
    record_str(&r, "purpose", purpose);
    record_str(&r, "perm", perm);
    record_str(&r, "policy", policy);
    record_emit(&r, s);
}

/* ---- heaps ------------------------------------------------------------------ */

struct block_ctx {
    struct record_sink *s;
    const char *name;
    unsigned arena;
};

/* The fields every block record starts with: its heap, arena and address. */
static void block_record_start(struct record *r, const struct block_ctx *c, uintptr_t addr)
{
    record_start(r, "block");
    record_str(r, "heap", c->name);
    record_u64(r, "arena", c->arena);
    record_hex(r, "addr", addr);
}

static void buddy_block(uintptr_t addr, unsigned order, bool used, void *ctx)
{
    struct block_ctx *c = ctx;
    struct record r;
    block_record_start(&r, c, addr);
    record_u64(&r, "order", order);
    record_u64(&r, "size", BUDDY_BLOCK_BYTES(order));
    record_bool(&r, "used", used);
    record_emit(&r, c->s);
}

/* The fields every arena record starts with: its heap, its index and its allocator. */
static void arena_record_start(struct record *r, const char *name, unsigned arena,
                               const char *backend)
{
    record_start(r, "arena");
    record_str(r, "heap", name);
    record_u64(r, "arena", arena);
    record_str(r, "backend", backend);
}

void records_buddy(struct record_sink *s, const char *name, unsigned arena, const struct buddy *b)
{
    struct record r;
    arena_record_start(&r, name, arena, "buddy");
    record_hex(&r, "base", b->base);
    record_u64(&r, "size", b->size);
    record_u64(&r, "top_order", b->top_order);
    record_u64(&r, "min_block", BUDDY_MIN_BLOCK);
    record_u64(&r, "metadata_bytes", b->metadata_bytes);
    record_emit(&r, s);
    struct block_ctx c = {s, name, arena};
    buddy_for_each_block(b, buddy_block, &c);
}

static void list_block(uintptr_t addr, size_t size, bool free, void *ctx)
{
    struct block_ctx *c = ctx;
    struct record r;
    block_record_start(&r, c, addr);
    record_u64(&r, "size", size);
    record_bool(&r, "used", !free);
    record_emit(&r, c->s);
}

void records_list_heap(struct record_sink *s, const char *name, unsigned arena,
                       const struct list_heap *l)
{
    struct record r;
    arena_record_start(&r, name, arena, "list");
    record_hex(&r, "base", l->base);
    record_u64(&r, "size", l->end - l->base);
    record_u64(&r, "header_bytes", LIST_HEADER_SIZE);
    record_emit(&r, s);
    struct block_ctx c = {s, name, arena};
    uintptr_t damaged = list_heap_for_each_block(l, list_block, &c);
    if (damaged) {
        record_start(&r, "damage");
        record_str(&r, "heap", name);
        record_u64(&r, "arena", arena);
        record_hex(&r, "addr", damaged);
        record_emit(&r, s);
    }
}

void records_arena_heap(struct record_sink *s, const char *name, const struct arena_heap *h,
                        const char *label)
{
    struct record r;
    record_start(&r, "heap");
    record_str(&r, "heap", name);
    record_str(&r, "backend", h->backend == HEAP_BUDDY ? "buddy" : "list"); /* as in "arena" */
    record_hex(&r, "start", h->start);
    record_hex(&r, "end", h->end);
    unsigned live = 0; /* given-back arenas leave vacant slots */
    for (unsigned i = 0; i < h->count; i++)
        live += arena_heap_slot_live(&h->arenas[i]);
    record_u64(&r, "arenas", live);
    record_u64(&r, "mapped_bytes", h->mapped_bytes);
    if (label)
        record_str(&r, "label", label);
    record_emit(&r, s);
    for (unsigned i = 0; i < h->count; i++) {
        if (!arena_heap_slot_live(&h->arenas[i]))
            continue;
        if (h->backend == HEAP_BUDDY)
            records_buddy(s, name, i, &h->arenas[i].heap.buddy);
        else
            records_list_heap(s, name, i, &h->arenas[i].heap.list);
    }
}

/* ---- the buddy allocator at work ---------------------------------------------- */

/* One step of the demonstration: allocate `bytes` into slot, or (bytes 0) free slot. */
struct demo_step {
    char slot;
    size_t bytes;
};

static const struct demo_step demo_steps[] = {
    {'a', 100}, {'b', 30}, {'c', 200}, {'a', 0}, {'d', 60}, {'b', 0}, {'c', 0}, {'d', 0},
};
#define DEMO_STEPS (sizeof(demo_steps) / sizeof(demo_steps[0]))

static void demo_snapshot(struct record_sink *s, const struct buddy *b, unsigned step,
                          const char *label)
{
    char name[32];
    struct text t = text_over(name, sizeof(name));
    text_printf(&t, "buddy-demo/%u", step);
    struct record r;
    record_start(&r, "heap");
    record_str(&r, "heap", name);
    record_str(&r, "backend", "buddy");
    record_hex(&r, "start", b->base);
    record_hex(&r, "end", b->end);
    record_u64(&r, "arenas", 1);
    record_u64(&r, "step", step);
    record_str(&r, "label", label);
    record_emit(&r, s);
    records_buddy(s, name, 0, b);
}

unsigned records_buddy_demo(struct record_sink *s, void *region, size_t size, void *metadata,
                            size_t metadata_size)
{
    struct buddy b;
    if (size < 512 || (size & (size - 1)) ||
        buddy_init(&b, (uintptr_t)region, size, metadata, metadata_size) != ALLOC_OK)
        return 0;
    void *slots[4] = {0};
    char label[80];
    demo_snapshot(s, &b, 0, "empty: one free block");
    for (unsigned i = 0; i < DEMO_STEPS; i++) {
        const struct demo_step *d = &demo_steps[i];
        void **slot = &slots[d->slot - 'a'];
        struct text t = text_over(label, sizeof(label));
        if (d->bytes) {
            *slot = buddy_alloc(&b, d->bytes);
            text_printf(&t, "%c = alloc(%zu): %zu-byte block at +0x%lx", d->slot, d->bytes,
                        *slot ? buddy_block_size(&b, *slot) : 0,
                        *slot ? (unsigned long)((uintptr_t)*slot - b.base) : 0ul);
        } else {
            text_printf(&t, "free(%c)", d->slot);
            buddy_free(&b, *slot);
            *slot = 0;
        }
        demo_snapshot(s, &b, i + 1, label);
    }
    return DEMO_STEPS + 1;
}
