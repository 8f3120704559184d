/*
 * mm/slab.c - slab caches chained on the buddy allocator (see include/mm/slab.h).
 *
 * A request of at most SLAB_MAX_OBJECT bytes is served by the cache of its
 * size class; anything larger goes straight to the buddy allocator. A cache
 * takes its slabs from the same buddy allocator, so the two share one region:
 *
 *   slab_heap_alloc(40)   class 2 (48 B)  ->  first slab on its partial list,
 *                                             first set bit of its bitmap
 *                                             (no slab with room: buddy_alloc
 *                                             a new one and cut it up)
 *   slab_heap_alloc(5000)                 ->  buddy_alloc(5000): an 8 KiB block
 *   slab_heap_free(p)     p's page byte   ->  0: buddy_free(p)
 *                                             else: p's slab, p's object index,
 *                                             set its bit; an empty slab goes
 *                                             back to the buddy allocator
 *
 * Only shifts and one multiplication in the hot paths: an object's index is
 * its offset times the cache's reciprocal, shifted (exact for offsets under
 * 32 KiB, see slab_index).
 */
#include "mm/slab.h"

#include "lib/string.h"

#define SLAB_MAGIC 0x5ab1ca4e5ab1ca4eULL

/* ---- Size classes ---------------------------------------------------------- */

/* The class of every size 1..SLAB_MAX_OBJECT by 16-byte steps: class_of_16[(size + 15) / 16].
 * Every class boundary is a multiple of 16, so a 16-byte step never straddles two. */
static uint8_t class_of_16[SLAB_MAX_OBJECT / 16 + 1];

static unsigned class_by_arithmetic(size_t size)
{
    if (size <= 256)
        return (unsigned)((size - 1) >> 4); /* 16, 32, ... 256 */
    if (size <= 512)
        return 16 + (unsigned)((size - 257) >> 5); /* 288, 320, ... 512 */
    return 24 + (unsigned)((size - 513) >> 7);     /* 640, 768, ... 2048 */
}

unsigned slab_class_of(size_t size)
{
    return class_by_arithmetic(size);
}

size_t slab_class_size(unsigned cls)
{
    if (cls < 16)
        return 16 * ((size_t)cls + 1);
    if (cls < 24)
        return 256 + 32 * ((size_t)cls - 15);
    return 512 + 128 * ((size_t)cls - 23);
}

/* ---- Slabs ------------------------------------------------------------------ */

static inline struct slab *slab_at(uintptr_t a)
{
    return (struct slab *)a;
}

static inline uint64_t check_value(uintptr_t slab, unsigned cls)
{
    return (SLAB_MAGIC ^ cls) + (uint64_t)slab * 0x9E3779B97F4A7C15ULL;
}

static inline size_t slab_bytes(const struct slab_cache *c)
{
    return BUDDY_BLOCK_BYTES(c->slab_order);
}

/* The page-table byte of a slab of the given buddy order (1 .. 4). */
static inline uint8_t page_byte(unsigned order)
{
    return (uint8_t)(order - SLAB_MIN_ORDER + 1);
}

static inline size_t page_of(const struct slab_heap *s, uintptr_t a)
{
    return (a - s->buddy.base) >> SLAB_PAGE_SHIFT;
}

static void mark_pages(struct slab_heap *s, uintptr_t slab, unsigned order, uint8_t value)
{
    size_t first = page_of(s, slab), n = BUDDY_BLOCK_BYTES(order) >> SLAB_PAGE_SHIFT;
    for (size_t i = 0; i < n; i++)
        s->slab_pages[first + i] = value;
}

static void push_partial(struct slab_cache *c, struct slab *h)
{
    uintptr_t a = (uintptr_t)h;
    h->prev = 0;
    h->next = c->partial;
    if (c->partial != 0)
        slab_at(c->partial)->prev = a;
    c->partial = a;
}

static void unlink_partial(struct slab_cache *c, struct slab *h)
{
    if (h->prev != 0)
        slab_at(h->prev)->next = h->next;
    else
        c->partial = h->next;
    if (h->next != 0)
        slab_at(h->next)->prev = h->prev;
    h->next = h->prev = 0;
}

/* A new slab for cache c from the buddy allocator, every object free, at the
 * front of the partial list; 0 (and last_error the buddy's) if none. */
static uintptr_t new_slab(struct slab_heap *s, struct slab_cache *c)
{
    uintptr_t a = (uintptr_t)buddy_alloc(&s->buddy, slab_bytes(c));
    if (a == 0)
        return 0;
    mark_pages(s, a, c->slab_order, page_byte(c->slab_order));
    struct slab *h = slab_at(a);
    h->check = check_value(a, c->cls);
    h->cls = c->cls;
    h->in_use = 0;
    h->reserved = 0;
    for (unsigned w = 0; w < SLAB_MAX_OBJECTS / 64; w++) {
        int left = (int)c->per_slab - 64 * (int)w;
        h->free[w] = left >= 64 ? ~0ULL : left <= 0 ? 0 : (1ULL << left) - 1;
    }
    push_partial(c, h);
    c->slabs++;
    return a;
}

/* Give the empty slab h back to the buddy allocator. */
static int release_slab(struct slab_heap *s, struct slab_cache *c, struct slab *h)
{
    uintptr_t a = (uintptr_t)h;
    h->check = 0; /* a stale pointer into it can no longer pass for a slab */
    mark_pages(s, a, c->slab_order, 0);
    c->slabs--;
    return buddy_free(&s->buddy, h) == ALLOC_OK ? ALLOC_OK : ALLOC_ERR_CORRUPT;
}

/* The index of the object at offset rel in a slab: rel * ceil(2^32 / size)
 * >> 32. Exact here: the error is under rel / 2^32 < 2^-17, and an offset
 * that is not a multiple of size is at least 1/size >= 2^-11 above the index. */
static inline unsigned slab_index(const struct slab_cache *c, size_t rel)
{
    return (unsigned)((rel * c->reciprocal) >> 32);
}

static inline bool object_is_free(const struct slab *h, unsigned i)
{
    return (h->free[i >> 6] >> (i & 63)) & 1;
}

/* What the pointer a is. */
#define IN_BUDDY 1 /* not in a slab: a buddy block's business */

struct object {
    struct slab_cache *c;
    struct slab *h;
    unsigned index;
};

/* ALLOC_OK and *o for the start of an object in use, IN_BUDDY for an address
 * on a page that is not part of a slab, or the ALLOC_ERR_* mistake. */
static inline __attribute__((always_inline)) int locate(const struct slab_heap *s, uintptr_t a,
                                                        struct object *o)
{
    size_t off = a - s->buddy.base;
    if (off >= s->buddy.size)
        return ALLOC_ERR_NOT_OURS;
    unsigned v = s->slab_pages[off >> SLAB_PAGE_SHIFT];
    if (v == 0)
        return IN_BUDDY;
    /* The page table is outside the region and only this file writes it (1 to
     * 4): trusted, like the buddy's bitmaps. The header is inside: checked. */
    uintptr_t slab = a & ~(BUDDY_BLOCK_BYTES(SLAB_MIN_ORDER - 1 + v) - 1);
    struct slab *h = slab_at(slab);
    if (h->cls >= SLAB_CLASSES || h->check != check_value(slab, h->cls))
        return ALLOC_ERR_CORRUPT;
    struct slab_cache *c = &s->caches[h->cls];
    size_t rel = a - slab - SLAB_HEADER_BYTES; /* wraps round inside the header */
    if (rel >= c->object_bytes)
        return ALLOC_ERR_NOT_OURS; /* the header or the unused tail: never handed out */
    unsigned i = slab_index(c, rel);
    bool is_free = object_is_free(h, i);
    if (rel != (size_t)i * c->object_size)
        return is_free ? ALLOC_ERR_NOT_OURS : ALLOC_ERR_MIDDLE;
    if (is_free)
        return ALLOC_ERR_DOUBLE_FREE;
    *o = (struct object){c, h, i};
    return ALLOC_OK;
}

/* ---- Allocating and freeing ------------------------------------------------- */

static void *fail(struct slab_heap *s, int err)
{
    s->last_error = err;
    return NULL;
}

void *slab_heap_alloc(struct slab_heap *s, size_t size)
{
    if (size - 1 >= SLAB_MAX_OBJECT) { /* size 0 wraps round too */
        if (size == 0)
            return fail(s, ALLOC_OK);
        void *p = buddy_alloc(&s->buddy, size);
        s->last_error = buddy_last_error(&s->buddy);
        return p;
    }
    struct slab_cache *c = &s->caches[class_of_16[(size + 15) >> 4]];
    uintptr_t a = c->partial;
    if (a == 0 && (a = new_slab(s, c)) == 0)
        return fail(s, buddy_last_error(&s->buddy));
    struct slab *h = slab_at(a);
    if (h->check != check_value(a, c->cls))
        return fail(s, ALLOC_ERR_CORRUPT);
    unsigned w = 0;
    while (h->free[w] == 0)
        if (++w == SLAB_MAX_OBJECTS / 64)
            return fail(s, ALLOC_ERR_CORRUPT); /* on the partial list, but full */
    unsigned i = 64 * w + (unsigned)__builtin_ctzll(h->free[w]);
    h->free[w] &= h->free[w] - 1;
    if (++h->in_use == c->per_slab)
        unlink_partial(c, h); /* full: nothing more to take from it */
    c->in_use++;
    s->last_error = ALLOC_OK;
    return (void *)(a + SLAB_HEADER_BYTES + (size_t)i * c->object_size);
}

int slab_heap_free(struct slab_heap *s, void *p)
{
    if (p == NULL)
        return ALLOC_OK;
    struct object o;
    int r = locate(s, (uintptr_t)p, &o);
    if (r == IN_BUDDY)
        return buddy_free(&s->buddy, p);
    if (r != ALLOC_OK)
        return r;
    struct slab *h = o.h;
    bool was_full = h->in_use == o.c->per_slab;
    h->free[o.index >> 6] |= 1ULL << (o.index & 63);
    h->in_use--;
    o.c->in_use--;
    if (h->in_use == 0) {
        if (!was_full)
            unlink_partial(o.c, h);
        return release_slab(s, o.c, h);
    }
    if (was_full)
        push_partial(o.c, h);
    return ALLOC_OK;
}

void *slab_heap_calloc(struct slab_heap *s, size_t n, size_t size)
{
    size_t total;
    if (__builtin_mul_overflow(n, size, &total))
        return fail(s, ALLOC_ERR_TOO_LARGE);
    void *p = slab_heap_alloc(s, total);
    if (p != NULL)
        memset(p, 0, total);
    return p;
}

void *slab_heap_realloc(struct slab_heap *s, void *p, size_t size)
{
    if (p == NULL)
        return slab_heap_alloc(s, size);
    if (size == 0) {
        s->last_error = slab_heap_free(s, p);
        return NULL;
    }
    struct object o;
    int r = locate(s, (uintptr_t)p, &o);
    size_t old;
    if (r == IN_BUDDY) {
        old = buddy_block_size(&s->buddy, p);
        if (size > SLAB_MAX_OBJECT || old == 0) { /* stays a buddy block (or p is bad) */
            void *q = buddy_realloc(&s->buddy, p, size);
            s->last_error = buddy_last_error(&s->buddy);
            return q;
        }
    } else if (r != ALLOC_OK) {
        return fail(s, r);
    } else {
        old = o.c->object_size;
        if (size <= old) {
            s->last_error = ALLOC_OK;
            return p;
        }
    }
    /* Move: a small block into its class's slab, an object to a larger class
     * or to the buddy allocator. */
    void *q = slab_heap_alloc(s, size);
    if (q == NULL)
        return NULL;
    memcpy(q, p, old < size ? old : size);
    slab_heap_free(s, p);
    return q;
}

size_t slab_heap_block_size(const struct slab_heap *s, const void *p)
{
    struct object o;
    int r = locate(s, (uintptr_t)p, &o);
    if (r == IN_BUDDY)
        return buddy_block_size(&s->buddy, p);
    return r == ALLOC_OK ? o.c->object_size : 0;
}

int slab_heap_last_error(const struct slab_heap *s)
{
    return s->last_error;
}

/* ---- Start-up ----------------------------------------------------------------- */

static size_t align8(size_t n)
{
    return (n + 7) & ~(size_t)7;
}

static bool region_ok(uintptr_t base, size_t size)
{
    return base != 0 && (base & (SLAB_PAGE_BYTES - 1)) == 0 &&
           (size & (SLAB_PAGE_BYTES - 1)) == 0 && size <= UINTPTR_MAX - base;
}

size_t slab_heap_metadata_size(uintptr_t base, size_t size)
{
    size_t buddy = buddy_metadata_size(base, size);
    if (!region_ok(base, size) || buddy == 0)
        return 0;
    return align8(buddy) + align8(size >> SLAB_PAGE_SHIFT) +
           SLAB_CLASSES * sizeof(struct slab_cache);
}

/* The slab order of a class: the smallest slab (4 to 32 KiB) that wastes at
 * most 1/16 of itself on the header and the tail, or else the largest. */
static void cache_setup(struct slab_cache *c, unsigned cls)
{
    size_t size = slab_class_size(cls);
    unsigned order = SLAB_MIN_ORDER;
    for (;; order++) {
        size_t bytes = BUDDY_BLOCK_BYTES(order), n = (bytes - SLAB_HEADER_BYTES) / size;
        if (n > SLAB_MAX_OBJECTS)
            n = SLAB_MAX_OBJECTS;
        if (order == SLAB_MAX_ORDER || 16 * (bytes - SLAB_HEADER_BYTES - n * size) <= bytes) {
            *c = (struct slab_cache){
                .object_size = (uint32_t)size,
                .per_slab = (uint16_t)n,
                .slab_order = (uint8_t)order,
                .cls = (uint8_t)cls,
                .object_bytes = (uint32_t)(n * size),
                .reciprocal = ((1ULL << 32) + size - 1) / size,
            };
            return;
        }
    }
}

int slab_heap_init(struct slab_heap *s, uintptr_t base, size_t size, void *metadata,
                   size_t metadata_size)
{
    if (s == NULL || metadata == NULL || ((uintptr_t)metadata & 7) != 0 || !region_ok(base, size))
        return ALLOC_ERR_BAD_ARGUMENT;
    if (size < BUDDY_BLOCK_BYTES(SLAB_MAX_ORDER))
        return ALLOC_ERR_TOO_SMALL;
    size_t needed = slab_heap_metadata_size(base, size);
    if (metadata_size < needed)
        return ALLOC_ERR_METADATA;
    memset(s, 0, sizeof(*s));
    size_t buddy_bytes = buddy_metadata_size(base, size);
    int err = buddy_init(&s->buddy, base, size, metadata, buddy_bytes);
    if (err != ALLOC_OK)
        return err;
    uint8_t *m = metadata;
    s->slab_pages = m + align8(buddy_bytes);
    memset(s->slab_pages, 0, size >> SLAB_PAGE_SHIFT);
    s->caches = (struct slab_cache *)(m + align8(buddy_bytes) + align8(size >> SLAB_PAGE_SHIFT));
    for (unsigned cls = 0; cls < SLAB_CLASSES; cls++)
        cache_setup(&s->caches[cls], cls);
    for (size_t i = 1; i <= SLAB_MAX_OBJECT / 16; i++) /* the same for every heap */
        class_of_16[i] = (uint8_t)class_by_arithmetic(16 * i);
    s->metadata_bytes = needed;
    return ALLOC_OK;
}

/* ---- Looking at the heap ------------------------------------------------------- */

void slab_heap_stats(const struct slab_heap *s, struct slab_stats *st)
{
    memset(st, 0, sizeof(*st));
    buddy_stats(&s->buddy, &st->buddy);
    for (unsigned cls = 0; cls < SLAB_CLASSES; cls++) {
        const struct slab_cache *c = &s->caches[cls];
        st->slabs += c->slabs;
        st->slab_bytes += c->slabs * slab_bytes(c);
        st->objects += c->in_use;
        st->object_bytes += c->in_use * c->object_size;
    }
    st->large_blocks = st->buddy.allocated_blocks - st->slabs;
    st->large_bytes = st->buddy.allocated_bytes - st->slab_bytes;
}

void slab_heap_alloc_stats(const struct slab_heap *s, struct alloc_stats *st)
{
    struct slab_stats ss;
    slab_heap_stats(s, &ss);
    *st = (struct alloc_stats){
        .total_bytes = ss.buddy.total_bytes,
        .free_bytes = ss.buddy.free_bytes,
        .used_bytes = ss.buddy.allocated_bytes, /* slabs whole: what the heap holds */
        .used_blocks = ss.objects + ss.large_blocks,
        .free_blocks = ss.buddy.free_blocks,
        .largest_free = ss.buddy.largest_free,
        .metadata_bytes = s->metadata_bytes,
        .fragmentation = ss.buddy.fragmentation,
    };
}

struct slab_walk {
    const struct slab_heap *s;
    void (*fn)(const struct slab_cache *c, uintptr_t slab, const struct slab *header, void *ctx);
    void *ctx;
};

static void walk_block(uintptr_t a, unsigned order, bool used, void *ctx)
{
    (void)order;
    struct slab_walk *w = ctx;
    if (!used || w->s->slab_pages[page_of(w->s, a)] == 0)
        return;
    const struct slab *h = slab_at(a);
    const struct slab_cache *c = h->cls < SLAB_CLASSES ? &w->s->caches[h->cls] : NULL;
    w->fn(c, a, h, w->ctx);
}

void slab_heap_for_each_slab(const struct slab_heap *s,
                             void (*fn)(const struct slab_cache *c, uintptr_t slab,
                                        const struct slab *header, void *ctx),
                             void *ctx)
{
    struct slab_walk w = {s, fn, ctx};
    buddy_for_each_block(&s->buddy, walk_block, &w);
}

struct slab_check {
    const struct slab_heap *s;
    size_t slabs[SLAB_CLASSES], in_use[SLAB_CLASSES], partial[SLAB_CLASSES];
    size_t pages;
    bool bad;
};

static void check_slab(const struct slab_cache *c, uintptr_t a, const struct slab *h, void *ctx)
{
    struct slab_check *k = ctx;
    if (c == NULL || h->check != check_value(a, c->cls) ||
        buddy_block_size(&k->s->buddy, (void *)a) != slab_bytes(c)) {
        k->bad = true;
        return;
    }
    size_t free_objects = 0;
    for (unsigned i = 0; i < SLAB_MAX_OBJECTS; i++) {
        if (!object_is_free(h, i))
            continue;
        if (i >= c->per_slab)
            k->bad = true; /* a bit for an object that does not exist */
        free_objects++;
    }
    if (h->in_use == 0 || h->in_use + free_objects != c->per_slab)
        k->bad = true;
    for (size_t p = 0; p < slab_bytes(c) >> SLAB_PAGE_SHIFT; p++)
        if (k->s->slab_pages[page_of(k->s, a) + p] != page_byte(c->slab_order))
            k->bad = true;
    k->slabs[c->cls]++;
    k->in_use[c->cls] += h->in_use;
    k->partial[c->cls] += h->in_use < c->per_slab;
    k->pages += slab_bytes(c) >> SLAB_PAGE_SHIFT;
}

/* Walk cache c's partial list: every slab on it is c's and has room. */
static bool check_partial(const struct slab_heap *s, const struct slab_cache *c, size_t want)
{
    size_t n = 0;
    uintptr_t prev = 0;
    for (uintptr_t a = c->partial; a != 0; prev = a, a = slab_at(a)->next) {
        const struct slab *h = slab_at(a);
        if (++n > want || a - s->buddy.base >= s->buddy.size ||
            s->slab_pages[page_of(s, a)] != page_byte(c->slab_order) ||
            h->check != check_value(a, c->cls) || h->prev != prev || h->in_use >= c->per_slab)
            return false;
    }
    return n == want;
}

int slab_heap_check(const struct slab_heap *s)
{
    if (buddy_check(&s->buddy) != ALLOC_OK)
        return ALLOC_ERR_CORRUPT;
    struct slab_check k = {.s = s};
    slab_heap_for_each_slab(s, check_slab, &k);
    if (k.bad)
        return ALLOC_ERR_CORRUPT;
    size_t marked = 0;
    for (size_t p = 0; p < s->buddy.size >> SLAB_PAGE_SHIFT; p++)
        marked += s->slab_pages[p] != 0;
    if (marked != k.pages)
        return ALLOC_ERR_CORRUPT; /* a page marked as a slab's outside every slab */
    for (unsigned cls = 0; cls < SLAB_CLASSES; cls++) {
        const struct slab_cache *c = &s->caches[cls];
        if (c->slabs != k.slabs[cls] || c->in_use != k.in_use[cls] ||
            !check_partial(s, c, k.partial[cls]))
            return ALLOC_ERR_CORRUPT;
    }
    return ALLOC_OK;
}
