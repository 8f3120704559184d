/*
 * mm/arena_heap.c - a heap of allocator arenas that grows through the VMM.
 *
 * The layers meet here. A request goes to an allocator (buddy or linked list)
 * that works inside an arena of virtual memory vmm_alloc mapped; vmm_alloc
 * took the frames from the PMM. When every arena is too full, grow() maps
 * another one, so the statistics show the heap growing: more arenas, more
 * mapped bytes. When an arena (not the first) empties, after_free() gives it
 * back, or keeps it as the one spare until another arena has room for the
 * request it was made for. The kernel's kmalloc (mm/kmalloc.c) is one arena heap; every
 * user program's heap (src/proc) is another.
 *
 *   KERNEL_HEAP_BASE                                  start + 7/8 of range
 *   | arena 0 | arena 1 |  arena 2  |    arena 3    | ... | buddy bitmaps ...
 *     256 KiB   512 KiB    1 MiB         2 MiB
 *
 * Each arena is aligned to its own size, so the buddy allocator's largest
 * block is the whole arena. The buddy's bitmaps live apart from the arenas
 * (metadata outside the blocks it hands out), in the last eighth of the range.
 */
#include "mm/arena_heap.h"

#include "kernel/panic.h"
#include "lib/string.h"
#include "lib/text.h"
#include "mm/layout.h"

const char *heap_backend_name(enum heap_backend b)
{
    return b == HEAP_LIST ? "linked list" : b == HEAP_SLAB ? "slab" : "buddy";
}

static uintptr_t align_up(uintptr_t x, uintptr_t a)
{
    return (x + a - 1) & ~(a - 1);
}

static size_t pow2_at_least(size_t n)
{
    size_t p = 1;
    while (p < n)
        p <<= 1;
    return p;
}

/* The page-rounded size of an arena's bitmaps (0 for the list heap). */
static size_t meta_mapped(const struct heap_arena *ar)
{
    return PAGE_ALIGN_UP(ar->metadata_size);
}

/*
 * The lowest address in [lo, hi) aligned to `align` where `size` bytes overlap
 * no live arena (meta false) or no live arena's bitmaps (meta true); 0 if none.
 * Arenas given back leave holes, and a new arena may fill one.
 */
static uintptr_t find_gap(const struct arena_heap *h, uintptr_t lo, uintptr_t hi, size_t size,
                          size_t align, bool meta)
{
    uintptr_t at = align_up(lo, align);
    for (bool moved = true; moved;) {
        moved = false;
        if (at < lo || at + size < at || at + size > hi)
            return 0;
        for (unsigned i = 0; i < h->count; i++) {
            const struct heap_arena *ar = &h->arenas[i];
            if (!arena_heap_slot_live(ar))
                continue;
            uintptr_t b = meta ? ar->metadata : ar->base;
            uintptr_t e = b + (meta ? meta_mapped(ar) : ar->size);
            if (b < e && at < e && b < at + size) {
                at = align_up(e, align);
                moved = true;
            }
        }
    }
    return at;
}

/* next and meta_next: the ends of the highest arena and of the highest bitmaps. */
static void update_high_marks(struct arena_heap *h)
{
    h->next = h->start;
    h->meta_next = h->meta_start;
    for (unsigned i = 0; i < h->count; i++) {
        const struct heap_arena *ar = &h->arenas[i];
        if (!arena_heap_slot_live(ar))
            continue;
        if (ar->base + ar->size > h->next)
            h->next = ar->base + ar->size;
        if (ar->metadata && ar->metadata + meta_mapped(ar) > h->meta_next)
            h->meta_next = ar->metadata + meta_mapped(ar);
    }
}

/* Map a new arena of `size` bytes (a power of two) and put an allocator on it; *slot_out
 * gets its slot. */
static int add_arena(struct arena_heap *h, size_t size, unsigned *slot_out)
{
    unsigned slot = 0;
    while (slot < h->count && arena_heap_slot_live(&h->arenas[slot]))
        slot++;
    if (slot == ARENA_HEAP_MAX_ARENAS)
        return VMM_ERR_NO_MEMORY;
    uintptr_t base = find_gap(h, h->start, h->meta_start, size, size, false);
    if (!base)
        return VMM_ERR_NO_MEMORY; /* the heap's virtual range is used up */
    struct heap_arena *ar = &h->arenas[slot];
    memset(ar, 0, sizeof(*ar)); /* no compound literal: the struct is too big for the stack */

    if (h->backend != HEAP_LIST) {
        ar->metadata_size = h->backend == HEAP_SLAB ? slab_heap_metadata_size(base, size)
                                                    : buddy_metadata_size(base, size);
        size_t mapped = meta_mapped(ar);
        uintptr_t meta = find_gap(h, h->meta_start, h->end, mapped, PAGE_SIZE, true);
        if (!meta)
            return VMM_ERR_NO_MEMORY;
        int err = vmm_alloc(h->space, vaddr(meta), mapped, VMM_WRITE);
        if (err)
            return err;
        ar->metadata = meta;
    }
    int err = h->backing ? h->backing->reserve(h->backing->ctx, base, size, h->arena_flags)
                         : vmm_alloc(h->space, vaddr(base), size, h->arena_flags);
    if (err) {
        if (ar->metadata)
            vmm_free(h->space, vaddr(ar->metadata), meta_mapped(ar));
        memset(ar, 0, sizeof(*ar));
        return err;
    }
    int aerr;
    if (h->backend == HEAP_BUDDY) {
        aerr = buddy_init(&ar->heap.buddy, base, size, (void *)ar->metadata, ar->metadata_size);
        ar->a = allocator_buddy(&ar->heap.buddy);
    } else if (h->backend == HEAP_SLAB) {
        aerr = slab_heap_init(&ar->heap.slab, base, size, (void *)ar->metadata, ar->metadata_size);
        ar->a = allocator_slab_heap(&ar->heap.slab);
    } else {
        aerr = list_heap_init(&ar->heap.list, base, size);
        ar->a = allocator_list_heap(&ar->heap.list);
    }
    if (aerr)
        panic("arena_heap: setting up a %s arena at %#lx (%lu bytes) failed: %s",
              heap_backend_name(h->backend), (unsigned long)base, (unsigned long)size,
              alloc_strerror(aerr));
    ar->base = base;
    ar->size = size;
    h->mapped_bytes += size + meta_mapped(ar);
    if (slot == h->count)
        h->count++;
    update_high_marks(h);
    *slot_out = slot;
    return VMM_OK;
}

/* Give an arena's own range back: to whoever reserved it (a process's demand
 * regions), else to the VMM. Returns the VMM's error, VMM_OK if it had none. */
static int release_body(struct arena_heap *h, const struct heap_arena *ar)
{
    if (!h->backing)
        return vmm_free(h->space, vaddr(ar->base), ar->size);
    h->backing->release(h->backing->ctx, ar->base, ar->size);
    return VMM_OK;
}

/* Unmap arena i and its bitmaps: its frames go back to the PMM, its slot is vacant. */
static void give_back(struct arena_heap *h, unsigned i)
{
    struct heap_arena *ar = &h->arenas[i];
    int err = release_body(h, ar);
    if (!err && ar->metadata)
        err = vmm_free(h->space, vaddr(ar->metadata), meta_mapped(ar));
    if (err)
        panic("arena_heap: giving back the arena at %#lx (%lu bytes) failed: %s",
              (unsigned long)ar->base, (unsigned long)ar->size, vmm_strerror(err));
    h->mapped_bytes -= ar->size + meta_mapped(ar);
    memset(ar, 0, sizeof(*ar));
    while (h->count > 0 && !arena_heap_slot_live(&h->arenas[h->count - 1]))
        h->count--;
    if (h->spare == (int)i)
        h->spare = -1;
    h->releases++;
    update_high_marks(h);
}

static int setup(struct arena_heap *h, enum heap_backend backend, struct address_space *space,
                 uintptr_t start, size_t size, unsigned arena_flags, bool user,
                 const struct arena_backing *backing)
{
    memset(h, 0, sizeof(*h)); /* no compound literal: the struct is too big for the stack */
    h->backend = backend;
    h->backing = backing;
    h->space = space;
    h->start = start;
    h->end = start + size;
    h->next = start;
    h->meta_start = h->meta_next = start + size - size / 8;
    h->arena_flags = arena_flags;
    h->user = user;
    h->spare = -1;
    unsigned slot;
    return add_arena(h, ARENA_HEAP_FIRST_ARENA, &slot);
}

int arena_heap_init(struct arena_heap *h, enum heap_backend backend, struct address_space *space,
                    uintptr_t start, size_t size)
{
    return setup(h, backend, space, start, size, VMM_WRITE, false, NULL);
}

int arena_heap_init_user(struct arena_heap *h, struct address_space *space, uintptr_t start,
                         size_t size)
{
    return setup(h, HEAP_BUDDY, space, start, size, VMM_USER | VMM_WRITE, true, NULL);
}

int arena_heap_init_user_backed(struct arena_heap *h, struct address_space *space, uintptr_t start,
                                size_t size, const struct arena_backing *backing)
{
    return setup(h, HEAP_BUDDY, space, start, size, VMM_USER | VMM_WRITE, true, backing);
}

/*
 * A new arena: twice the last, and big enough for `need` bytes (plus the
 * list heap's block header). If that does not fit (the range or the frames
 * run out), try halving it, down to the smallest size that still holds the
 * request, so a heap near its limit uses the room it has left.
 */
static struct heap_arena *grow(struct arena_heap *h, size_t need)
{
    size_t size = ARENA_HEAP_FIRST_ARENA / 2;
    for (unsigned i = 0; i < h->count; i++)
        if (h->arenas[i].size > size)
            size = h->arenas[i].size;
    size *= 2; /* twice the largest arena the heap has */
    size_t fit = pow2_at_least(need + (h->backend == HEAP_LIST ? LIST_HEADER_SIZE : 0));
    if (fit < ARENA_HEAP_FIRST_ARENA)
        fit = ARENA_HEAP_FIRST_ARENA;
    if (fit > size)
        size = fit;
    if (size > ARENA_HEAP_MAX_ARENA)
        size = ARENA_HEAP_MAX_ARENA;
    if (need > size)
        return NULL;
    for (; size >= fit; size /= 2) {
        unsigned slot;
        if (add_arena(h, size, &slot) == VMM_OK) {
            h->arenas[slot].made_for = need;
            h->grows++;
            return &h->arenas[slot];
        }
    }
    return NULL;
}

/* Try the arenas, newest (largest) first. */
static void *alloc_from_arenas(struct arena_heap *h, size_t size)
{
    for (unsigned i = h->count; i-- > 0;) {
        struct heap_arena *ar = &h->arenas[i];
        if (!arena_heap_slot_live(ar))
            continue;
        void *p = allocator_alloc(&ar->a, size);
        if (p)
            return p;
        int err = allocator_last_error(&ar->a);
        if (err == ALLOC_ERR_CORRUPT && h->user) {
            h->last_error = err; /* the program damaged its own heap: its problem */
            return NULL;
        }
        if (err == ALLOC_ERR_CORRUPT)
            panic("kmalloc: the %s arena at %#lx is corrupt (its free lists contradict its "
                  "records)",
                  heap_backend_name(h->backend), (unsigned long)ar->base);
    }
    return NULL;
}

void *arena_heap_alloc(struct arena_heap *h, size_t size)
{
    h->last_error = ALLOC_ERR_BAD_ARGUMENT;
    if (size == 0 || size > ARENA_HEAP_MAX_ARENA)
        return NULL;
    h->last_error = ALLOC_ERR_NO_MEMORY;
    void *p = alloc_from_arenas(h, size);
    if (!p && h->last_error == ALLOC_ERR_CORRUPT)
        return NULL;
    /* Grow once at most: the new arena was sized for this request, so if it
     * cannot hold it either (a list arena's header does not fit beside a
     * request of the maximum size), another would not, and looping would map
     * arena after arena for nothing. */
    if (!p) {
        struct heap_arena *ar = grow(h, size);
        if (ar)
            p = allocator_alloc(&ar->a, size);
    }
    return p;
}

static struct heap_arena *arena_of(const struct arena_heap *h, const void *p)
{
    uintptr_t a = (uintptr_t)p;
    for (unsigned i = 0; i < h->count; i++)
        if (a >= h->arenas[i].base && a < h->arenas[i].base + h->arenas[i].size)
            return (struct heap_arena *)&h->arenas[i];
    return NULL;
}

static const char *free_mistake(int err)
{
    switch (err) {
    case ALLOC_ERR_DOUBLE_FREE:
        return "double free of";
    case ALLOC_ERR_MIDDLE:
        return "pointer into the middle of a block:";
    case ALLOC_ERR_NOT_OURS:
        return "pointer the heap never returned:";
    case ALLOC_ERR_CORRUPT:
        return "heap corrupt while freeing";
    default:
        return "cannot free";
    }
}

/* ---- Giving arenas back --------------------------------------------------------- */

/* No block of the arena is in use (O(1): the allocators count their blocks). */
static bool arena_empty(const struct arena_heap *h, const struct heap_arena *ar)
{
    if (h->backend == HEAP_BUDDY)
        return ar->heap.buddy.allocated_blocks == 0;
    if (h->backend == HEAP_SLAB) /* an empty slab goes back to the buddy at once */
        return ar->heap.slab.buddy.allocated_blocks == 0;
    const struct list_block *first = ar->heap.list.first;
    return first && first->free && first->next == NULL;
}

/* The arena has a free block big enough for a request of `need` bytes. */
static bool has_room_for(const struct arena_heap *h, const struct heap_arena *ar, size_t need)
{
    struct alloc_stats st;
    allocator_stats(&ar->a, &st);
    return st.largest_free >= need + (h->backend == HEAP_LIST ? LIST_HEADER_SIZE : 0);
}

/* Some live arena other than `except` could serve the request arena `except` was made for. */
static bool others_have_room(const struct arena_heap *h, unsigned except)
{
    for (unsigned i = 0; i < h->count; i++)
        if (i != except && arena_heap_slot_live(&h->arenas[i]) &&
            has_room_for(h, &h->arenas[i], h->arenas[except].made_for))
            return true;
    return false;
}

/*
 * After a free in arena i. An arena other than the first that is now empty
 * goes back to the VMM when another arena could serve the request it was
 * made for; otherwise it stays as the one spare (an older spare, too small
 * for that request, goes instead), so a kmalloc/kfree pair at the edge of a
 * full arena does not map and unmap an arena each time. A free elsewhere
 * that makes room for the spare's request gives the spare back.
 */
static void after_free(struct arena_heap *h, unsigned i)
{
    if (h->spare >= 0 && !arena_empty(h, &h->arenas[h->spare]))
        h->spare = -1; /* used again since it emptied */
    if (i != 0 && arena_empty(h, &h->arenas[i])) {
        if (others_have_room(h, i)) {
            give_back(h, i);
            return;
        }
        if (h->spare >= 0 && h->spare != (int)i)
            give_back(h, (unsigned)h->spare); /* smaller than this one's request needs */
        h->spare = (int)i;
        return;
    }
    if (h->spare >= 0 && h->spare != (int)i &&
        has_room_for(h, &h->arenas[i], h->arenas[h->spare].made_for))
        give_back(h, (unsigned)h->spare);
}

int arena_heap_try_free(struct arena_heap *h, void *p)
{
    if (!p)
        return ALLOC_OK;
    struct heap_arena *ar = arena_of(h, p);
    if (!ar)
        return ALLOC_ERR_NOT_OURS;
    int err = allocator_free(&ar->a, p);
    if (err == ALLOC_OK)
        after_free(h, (unsigned)(ar - h->arenas));
    return err;
}

void arena_heap_free(struct arena_heap *h, void *p, void *caller)
{
    if (!p)
        return;
    if (!arena_of(h, p))
        panic("kfree: pointer the heap never returned: %p is outside every arena (caller %p)", p,
              caller);
    int err = arena_heap_try_free(h, p);
    if (err)
        panic("kfree: %s %p (caller %p)", free_mistake(err), p, caller);
}

void *arena_heap_calloc(struct arena_heap *h, size_t n, size_t size)
{
    if (size && n > SIZE_MAX / size)
        return NULL;
    void *p = arena_heap_alloc(h, n * size);
    if (p)
        memset(p, 0, n * size);
    return p;
}

size_t arena_heap_block_size(const struct arena_heap *h, const void *p)
{
    const struct heap_arena *ar = arena_of(h, p);
    return ar ? allocator_block_size(&ar->a, p) : 0;
}

void *arena_heap_realloc(struct arena_heap *h, void *p, size_t size, void *caller)
{
    if (!p)
        return arena_heap_alloc(h, size);
    if (size == 0) {
        arena_heap_free(h, p, caller);
        return NULL;
    }
    size_t old = arena_heap_block_size(h, p);
    if (old == 0)
        panic("krealloc: %p is not a block the heap handed out (caller %p)", p, caller);
    struct heap_arena *ar = arena_of(h, p);
    void *q = allocator_realloc(&ar->a, p, size);
    if (q)
        return q;
    /* Not in this arena: move it to wherever there is room (maybe a new arena). */
    q = arena_heap_alloc(h, size);
    if (!q)
        return NULL;
    memcpy(q, p, old < size ? old : size);
    arena_heap_free(h, p, caller);
    return q;
}

void arena_heap_stats(const struct arena_heap *h, struct arena_heap_stats *st)
{
    *st = (struct arena_heap_stats){
        .grows = h->grows, .releases = h->releases, .mapped_bytes = h->mapped_bytes};
    for (unsigned i = 0; i < h->count; i++) {
        if (!arena_heap_slot_live(&h->arenas[i]))
            continue;
        st->arenas++;
        struct alloc_stats s;
        allocator_stats(&h->arenas[i].a, &s);
        st->total.total_bytes += s.total_bytes;
        st->total.free_bytes += s.free_bytes;
        st->total.used_bytes += s.used_bytes;
        st->total.used_blocks += s.used_blocks;
        st->total.free_blocks += s.free_blocks;
        st->total.metadata_bytes += s.metadata_bytes;
        if (s.largest_free > st->total.largest_free)
            st->total.largest_free = s.largest_free;
    }
    st->total.fragmentation = alloc_fragmentation(st->total.largest_free, st->total.free_bytes);
}

void arena_heap_destroy(struct arena_heap *h)
{
    for (unsigned i = 0; i < h->count; i++) {
        struct heap_arena *ar = &h->arenas[i];
        if (!arena_heap_slot_live(ar))
            continue;
        release_body(h, ar);
        if (ar->metadata)
            vmm_free(h->space, vaddr(ar->metadata), meta_mapped(ar));
    }
    h->count = 0;
    h->spare = -1;
    h->mapped_bytes = 0;
}

/* ---- Looking at the heap -------------------------------------------------------- */

size_t arena_heap_summary(const struct arena_heap *h, char *buf, size_t size)
{
    struct text t = text_over(buf, size);
    struct arena_heap_stats st;
    arena_heap_stats(h, &st);
    text_printf(&t,
                "heap: %s allocator, %u arena(s), %llu KiB mapped, %llu KiB free, %llu blocks "
                "in use, fragmentation %u/1000\n",
                heap_backend_name(h->backend), st.arenas,
                (unsigned long long)(st.mapped_bytes >> 10),
                (unsigned long long)(st.total.free_bytes >> 10),
                (unsigned long long)st.total.used_blocks, st.total.fragmentation);
    return t.len;
}

size_t arena_heap_picture(const struct arena_heap *h, char *buf, size_t size)
{
    static char arena_picture[4096]; /* one arena's picture (one caller at a time) */
    struct text t = text_over(buf, size);
    t.len = arena_heap_summary(h, buf, size);
    for (unsigned i = 0; i < h->count; i++) {
        const struct heap_arena *ar = &h->arenas[i];
        if (!arena_heap_slot_live(ar))
            continue;
        text_printf(&t, "arena %u at %#lx, %lu KiB:\n", i, (unsigned long)ar->base,
                    (unsigned long)(ar->size >> 10));
        allocator_picture(&ar->a, arena_picture, sizeof(arena_picture));
        text_indented(&t, "  ", arena_picture);
    }
    return t.len;
}
