/*
 * mm/kheap.c - the kernel heap: allocator arenas that grow through the VMM.
 *
 * The layers meet here. kmalloc asks an allocator (buddy or linked list) for
 * a block; the allocator works inside an arena of virtual memory that
 * vmm_alloc mapped; vmm_alloc took the frames from the PMM. When every arena
 * is too full, kheap_grow maps another one, so the statistics show the heap
 * growing: more arenas, more mapped bytes.
 *
 *   KERNEL_HEAP_BASE                                  start + 7/8 of range
 *   | arena 0 | arena 1 |  arena 2  |    arena 3    | ... | buddy bitmaps ...
 *     256 KiB   512 KiB    1 MiB         2 MiB
 *
 * Each arena is aligned to its own size, so the buddy allocator's largest
 * block is the whole arena. The buddy's bitmaps live apart from the arenas
 * (metadata outside the blocks it hands out), in the last eighth of the range.
 */
#include "mm/kheap.h"

#include "dev/console.h"
#include "kernel/panic.h"
#include "lib/format.h"
#include "lib/string.h"
#include "mm/layout.h"
#include "mm/vmm_boot.h"

struct kheap kernel_heap;

const char *kheap_backend_name(enum kheap_backend b)
{
    return b == KHEAP_LIST ? "linked list" : "buddy";
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

/* Map a new arena of `size` bytes (a power of two) and put an allocator on it. */
static int add_arena(struct kheap *h, size_t size)
{
    if (h->count == KHEAP_MAX_ARENAS)
        return VMM_ERR_NO_MEMORY;
    uintptr_t base = align_up(h->next, size);
    if (base < h->next || base + size > h->meta_start)
        return VMM_ERR_NO_MEMORY; /* the heap's virtual range is used up */
    struct kheap_arena *ar = &h->arenas[h->count];
    memset(ar, 0, sizeof(*ar)); /* no compound literal: the struct is too big for the stack */
    ar->base = base;
    ar->size = size;

    if (h->backend == KHEAP_BUDDY) {
        ar->metadata_size = buddy_metadata_size(base, size);
        size_t meta_mapped = PAGE_ALIGN_UP(ar->metadata_size);
        if (h->meta_next + meta_mapped > h->end)
            return VMM_ERR_NO_MEMORY;
        int err = vmm_alloc(h->space, h->meta_next, meta_mapped, VMM_WRITE);
        if (err)
            return err;
        ar->metadata = h->meta_next;
        h->meta_next += meta_mapped;
        h->mapped_bytes += meta_mapped;
    }
    int err = vmm_alloc(h->space, base, size, h->arena_flags);
    if (err) {
        if (ar->metadata) {
            size_t meta_mapped = PAGE_ALIGN_UP(ar->metadata_size);
            vmm_free(h->space, ar->metadata, meta_mapped);
            h->meta_next -= meta_mapped;
            h->mapped_bytes -= meta_mapped;
        }
        return err;
    }
    int aerr;
    if (h->backend == KHEAP_BUDDY) {
        aerr = buddy_init(&ar->heap.buddy, base, size, (void *)ar->metadata, ar->metadata_size);
        ar->a = allocator_buddy(&ar->heap.buddy);
    } else {
        aerr = list_heap_init(&ar->heap.list, base, size);
        ar->a = allocator_list(&ar->heap.list);
    }
    if (aerr)
        panic("kheap: setting up a %s arena at %#lx (%lu bytes) failed: %s",
              kheap_backend_name(h->backend), (unsigned long)base, (unsigned long)size,
              alloc_strerror(aerr));
    h->next = base + size;
    h->mapped_bytes += size;
    h->count++;
    return VMM_OK;
}

static int setup(struct kheap *h, enum kheap_backend backend, struct address_space *space,
                 uintptr_t start, size_t size, unsigned arena_flags, bool user)
{
    memset(h, 0, sizeof(*h)); /* no compound literal: the struct is too big for the stack */
    h->backend = backend;
    h->space = space;
    h->start = start;
    h->end = start + size;
    h->next = start;
    h->meta_start = h->meta_next = start + size - size / 8;
    h->arena_flags = arena_flags;
    h->user = user;
    return add_arena(h, KHEAP_FIRST_ARENA);
}

int kheap_init(struct kheap *h, enum kheap_backend backend, struct address_space *space,
               uintptr_t start, size_t size)
{
    return setup(h, backend, space, start, size, VMM_WRITE, false);
}

int kheap_init_user(struct kheap *h, struct address_space *space, uintptr_t start, size_t size)
{
    return setup(h, KHEAP_BUDDY, space, start, size, VMM_USER | VMM_WRITE, true);
}

/*
 * A new arena: twice the last, and big enough for `need` bytes (plus the
 * list heap's block header). If that does not fit (the range or the frames
 * run out), try halving it, down to the smallest size that still holds the
 * request, so a heap near its limit uses the room it has left.
 */
static bool grow(struct kheap *h, size_t need)
{
    size_t size = h->count ? h->arenas[h->count - 1].size * 2 : KHEAP_FIRST_ARENA;
    size_t fit = pow2_at_least(need + (h->backend == KHEAP_LIST ? LIST_HEADER_SIZE : 0));
    if (fit < KHEAP_FIRST_ARENA)
        fit = KHEAP_FIRST_ARENA;
    if (fit > size)
        size = fit;
    if (size > KHEAP_MAX_ARENA)
        size = KHEAP_MAX_ARENA;
    if (need > size)
        return false;
    for (; size >= fit; size /= 2) {
        if (add_arena(h, size) == VMM_OK) {
            h->grows++;
            return true;
        }
    }
    return false;
}

/* Try the arenas, newest (largest) first. */
static void *alloc_from_arenas(struct kheap *h, size_t size)
{
    for (unsigned i = h->count; i-- > 0;) {
        struct kheap_arena *ar = &h->arenas[i];
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
                  kheap_backend_name(h->backend), (unsigned long)ar->base);
    }
    return NULL;
}

void *kheap_alloc(struct kheap *h, size_t size)
{
    h->last_error = ALLOC_ERR_BAD_ARGUMENT;
    if (size == 0 || size > KHEAP_MAX_ARENA)
        return NULL;
    h->last_error = ALLOC_ERR_NO_MEMORY;
    void *p = alloc_from_arenas(h, size);
    if (!p && h->last_error == ALLOC_ERR_CORRUPT)
        return NULL;
    /* Grow once at most: the new arena was sized for this request, so if it
     * cannot hold it either (a list arena's header does not fit beside a
     * request of the maximum size), another would not, and looping would map
     * arena after arena for nothing. */
    if (!p && grow(h, size))
        p = allocator_alloc(&h->arenas[h->count - 1].a, size);
    return p;
}

static struct kheap_arena *arena_of(const struct kheap *h, const void *p)
{
    uintptr_t a = (uintptr_t)p;
    for (unsigned i = 0; i < h->count; i++)
        if (a >= h->arenas[i].base && a < h->arenas[i].base + h->arenas[i].size)
            return (struct kheap_arena *)&h->arenas[i];
    return NULL;
}

static const char *free_mistake(int err)
{
    switch (err) {
    case ALLOC_ERR_DOUBLE_FREE: return "double free of";
    case ALLOC_ERR_MIDDLE: return "pointer into the middle of a block:";
    case ALLOC_ERR_NOT_OURS: return "pointer the heap never returned:";
    case ALLOC_ERR_CORRUPT: return "heap corrupt while freeing";
    default: return "cannot free";
    }
}

int kheap_try_free(struct kheap *h, void *p)
{
    if (!p)
        return ALLOC_OK;
    struct kheap_arena *ar = arena_of(h, p);
    return ar ? allocator_free(&ar->a, p) : ALLOC_ERR_NOT_OURS;
}

void kheap_free(struct kheap *h, void *p, void *caller)
{
    if (!p)
        return;
    if (!arena_of(h, p))
        panic("kfree: pointer the heap never returned: %p is outside every arena (caller %p)", p,
              caller);
    int err = kheap_try_free(h, p);
    if (err)
        panic("kfree: %s %p (caller %p)", free_mistake(err), p, caller);
}

void *kheap_calloc(struct kheap *h, size_t n, size_t size)
{
    if (size && n > SIZE_MAX / size)
        return NULL;
    void *p = kheap_alloc(h, n * size);
    if (p)
        memset(p, 0, n * size);
    return p;
}

size_t kheap_block_size(const struct kheap *h, const void *p)
{
    const struct kheap_arena *ar = arena_of(h, p);
    return ar ? allocator_block_size(&ar->a, p) : 0;
}

void *kheap_realloc(struct kheap *h, void *p, size_t size, void *caller)
{
    if (!p)
        return kheap_alloc(h, size);
    if (size == 0) {
        kheap_free(h, p, caller);
        return NULL;
    }
    size_t old = kheap_block_size(h, p);
    if (old == 0)
        panic("krealloc: %p is not a block the heap handed out (caller %p)", p, caller);
    struct kheap_arena *ar = arena_of(h, p);
    void *q = allocator_realloc(&ar->a, p, size);
    if (q)
        return q;
    /* Not in this arena: move it to wherever there is room (maybe a new arena). */
    q = kheap_alloc(h, size);
    if (!q)
        return NULL;
    memcpy(q, p, old < size ? old : size);
    kheap_free(h, p, caller);
    return q;
}

void kheap_stats(const struct kheap *h, struct kheap_stats *st)
{
    *st = (struct kheap_stats){.arenas = h->count, .grows = h->grows, .mapped_bytes = h->mapped_bytes};
    for (unsigned i = 0; i < h->count; i++) {
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

static int summary_line(const struct kheap *h, char *buf, size_t size)
{
    struct kheap_stats st;
    kheap_stats(h, &st);
    return ksnprintf(buf, size,
                     "heap: %s allocator, %u arena(s), %llu KiB mapped, %llu KiB free, %llu blocks "
                     "in use, fragmentation %u/1000\n",
                     kheap_backend_name(h->backend), st.arenas,
                     (unsigned long long)(st.mapped_bytes >> 10),
                     (unsigned long long)(st.total.free_bytes >> 10),
                     (unsigned long long)st.total.used_blocks, st.total.fragmentation);
}

void kheap_print_summary(const struct kheap *h)
{
    char line[160];
    summary_line(h, line, sizeof(line));
    kprintf("%s", line);
}

/* Put one character at buf[*used] if it fits (leaving room for the NUL);
 * *used counts every character, snprintf-style, even past size. */
static void put(char *buf, size_t size, size_t *used, char c)
{
    if (*used + 1 < size)
        buf[*used] = c;
    (*used)++;
}

/* Append text with two spaces before each line. */
static void append_indented(char *buf, size_t size, size_t *used, const char *text)
{
    bool line_start = true;
    for (; *text; text++) {
        if (line_start) {
            put(buf, size, used, ' ');
            put(buf, size, used, ' ');
        }
        put(buf, size, used, *text);
        line_start = *text == '\n';
    }
}

size_t kheap_picture(const struct kheap *h, char *buf, size_t size)
{
    static char arena_picture[4096]; /* one arena's picture (one caller at a time) */
    /* snprintf-style: `used` counts the whole length, even past size. */
    size_t used = 0;
#define REST (used < size ? buf + used : NULL), (used < size ? size - used : 0)
    used += (size_t)summary_line(h, REST);
    for (unsigned i = 0; i < h->count; i++) {
        const struct kheap_arena *ar = &h->arenas[i];
        used += (size_t)ksnprintf(REST, "arena %u at %#lx, %lu KiB:\n", i, (unsigned long)ar->base,
                                  (unsigned long)(ar->size >> 10));
        allocator_picture(&ar->a, arena_picture, sizeof(arena_picture));
        append_indented(buf, size, &used, arena_picture);
    }
#undef REST
    if (size > 0)
        buf[used < size ? used : size - 1] = '\0';
    return used;
}

void kheap_print(const struct kheap *h, const char *prefix)
{
    static char picture[8192];
    kheap_picture(h, picture, sizeof(picture));
    /* Print line by line, so each gets the prefix. */
    char *line = picture;
    while (*line) {
        char *nl = strchr(line, '\n');
        if (nl)
            *nl = '\0';
        kprintf("%s%s\n", prefix, line);
        if (!nl)
            break;
        line = nl + 1;
    }
}

void kheap_destroy(struct kheap *h)
{
    for (unsigned i = 0; i < h->count; i++) {
        struct kheap_arena *ar = &h->arenas[i];
        vmm_free(h->space, ar->base, ar->size);
        if (ar->metadata)
            vmm_free(h->space, ar->metadata, PAGE_ALIGN_UP(ar->metadata_size));
    }
    h->count = 0;
    h->mapped_bytes = 0;
}

/* ---- the kernel's heap --------------------------------------------------------- */

void kheap_boot_init(enum kheap_backend backend)
{
    int err = kheap_init(&kernel_heap, backend, &kernel_space, KERNEL_HEAP_BASE, KERNEL_HEAP_MAX);
    if (err)
        panic("kheap_boot_init: mapping the first arena failed: %s", vmm_strerror(err));
}

void *kmalloc(size_t size)
{
    return kheap_alloc(&kernel_heap, size);
}

void kfree(void *p)
{
    kheap_free(&kernel_heap, p, CALLER_ADDRESS());
}

void *kcalloc(size_t n, size_t size)
{
    return kheap_calloc(&kernel_heap, n, size);
}

void *krealloc(void *p, size_t size)
{
    return kheap_realloc(&kernel_heap, p, size, CALLER_ADDRESS());
}
