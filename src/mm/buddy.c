/*
 * mm/buddy.c - the buddy allocator: power-of-two blocks that split and merge.
 *
 * Picture the region as a row of "slots", each one top-order block of address
 * space, and each slot as a binary tree: a block of order k is either whole
 * (free, or in use) or split into two order k-1 halves, its "buddies". Two
 * bitmaps outside the region describe the trees (see mm/buddy.h):
 *
 *   split bit      one per block of order >= 1 lying wholly inside the region.
 *                  A block that reaches outside the region has no bit and
 *                  counts as split forever: its halves inside the region can
 *                  be blocks, it never can. Blocks wholly outside are never
 *                  looked at.
 *   allocated bit  one per 32 bytes: set where a block in use starts.
 *
 * So "the order-k block at x is free" means: it lies inside the region, its
 * parent is split, it is not split itself and no block in use starts at x.
 * A block in use of order 3 or more keeps its order in its own unused
 * allocated bits (the "order record", buddy_bits.h); smaller ones are found by
 * walking up at most three orders. So free() learns any order in O(1), and
 * the split bits confirm a record before it is believed.
 *
 * The free lists are doubly linked through the free blocks (struct
 * buddy_link), so taking any block off its list is O(1). Because free memory
 * may be scribbled on, a link is only followed after the bitmaps confirm it
 * names a free block of the right order whose back link agrees. The list
 * heads, counters and bitmaps live outside the region and are trusted.
 *
 * Everything here is plain C for both the kernel and the host tests
 * (tests/test_heap_alloc.c). Only shifts, no division, in the hot paths.
 *
 * Lab 4 writes the parts marked for it: docs/labs/lab4-heap.md, docs/labs/README.md.
 */
#include "mm/buddy.h"

#include "lib/string.h"

#include "buddy_bits.h"

/* ---- The free lists ---------------------------------------------------- */

static inline struct buddy_link *link_at(uintptr_t a)
{
    return (struct buddy_link *)a;
}

/* Put the free order-k block at a at the front of its list. The old head is a
 * free block (list heads only ever name free blocks), so writing to it is safe. */
static inline void list_push(struct buddy *b, unsigned k, uintptr_t a)
{
    uintptr_t head = b->order[k].head;
    struct buddy_link *l = link_at(a);
    l->next = head;
    l->prev = 0;
    if (head != 0)
        link_at(head)->prev = a;
    b->order[k].head = a;
    b->free_count[k]++;
    b->nonempty |= 1u << k;
}

/* Is next, read from the block at a on list k, a good successor for it? */
static inline bool good_next(const struct buddy *b, unsigned k, uintptr_t a, uintptr_t next)
{
    return next != a && is_free_block(b, k, next) && link_at(next)->prev == a;
}

/* Take the first block off list k (which is not empty); 0 if its links are bad. */
static inline uintptr_t list_pop(struct buddy *b, unsigned k)
{
    uintptr_t a = b->order[k].head;
    const struct buddy_link *l = link_at(a);
    uintptr_t next = l->next;
    if (l->prev != 0 || (next == 0) != (b->free_count[k] == 1))
        return 0;
    if (next != 0) {
        if (!good_next(b, k, a, next))
            return 0;
        link_at(next)->prev = 0;
    } else {
        b->nonempty &= ~(1u << k);
    }
    b->order[k].head = next;
    b->free_count[k]--;
    return a;
}

/* Take the free order-k block at x (the bitmaps say it is free) off its list;
 * false, with nothing changed, if its links are bad. */
static bool list_unlink(struct buddy *b, unsigned k, uintptr_t x)
{
    const struct buddy_link *l = link_at(x);
    uintptr_t next = l->next, prev = l->prev;
    bool is_head = b->order[k].head == x;
    if ((prev == 0) != is_head)
        return false;
    if (prev != 0 && !(prev != x && is_free_block(b, k, prev) && link_at(prev)->next == x))
        return false;
    if (next != 0 && !good_next(b, k, x, next))
        return false;
    if (is_head)
        b->order[k].head = next;
    else
        link_at(prev)->next = next;
    if (next != 0)
        link_at(next)->prev = prev;
    if (b->order[k].head == 0)
        b->nonempty &= ~(1u << k);
    b->free_count[k]--;
    return true;
}

/* ---- Finding blocks ---------------------------------------------------- */

/* The order of the block in use at a: the first of orders 0, 1, 2 whose
 * parent is split, or else what its order record says (buddy_bits.h). O(1)
 * whatever the order. BUDDY_ORDERS when a cannot start a block with a record
 * (not aligned enough, or the bits it would read lie outside the region). */
static inline unsigned recorded_order(const struct buddy *b, uintptr_t a)
{
    for (unsigned k = 0; k < ORDER_RECORD_MIN; k++)
        if (is_split(b, k + 1, a))
            return k;
    size_t first = block_bytes(ORDER_RECORD_MIN);
    if ((a & (first - 1)) != 0 || b->end - a < first)
        return BUDDY_ORDERS;
    return bits_read(b->bits, alloc_index(b, a) + ORDER_FIELD_SHIFT, ORDER_FIELD_BITS);
}

/* Is the order-k block at a, as found, a real block: aligned to its size, and
 * a half of a split parent? A pointer into the middle of a block in use fails
 * this: its parent of that order lies inside the block, unsplit. (buddy_check
 * compares every record with the split bits in full.) */
static inline bool record_is_true(const struct buddy *b, uintptr_t a, unsigned k)
{
    return k <= b->top_order && (a & (block_bytes(k) - 1)) == 0 &&
           (k < ORDER_RECORD_MIN || is_split(b, k + 1, a));
}

/* The block (free or in use) holding a, which is in the region: walk down
 * from the top of its slot through the split blocks. */
static uintptr_t block_containing(const struct buddy *b, uintptr_t a, unsigned *order)
{
    unsigned k = b->top_order;
    while (k > 0 && is_split(b, k, a))
        k--;
    *order = k;
    return a & ~(block_bytes(k) - 1);
}

/* Why the address a is not the start of a block in use. */
static int why_not_in_use(const struct buddy *b, uintptr_t a)
{
    if (!in_region(b, a))
        return ALLOC_ERR_NOT_OURS;
    unsigned k;
    uintptr_t start = block_containing(b, a, &k);
    if (is_allocated(b, start))
        return start == a ? ALLOC_ERR_CORRUPT : ALLOC_ERR_MIDDLE;
    /* Free memory. Every block ever handed out starts on a 32-byte boundary. */
    return (a & (BUDDY_MIN_BLOCK - 1)) != 0 ? ALLOC_ERR_NOT_OURS : ALLOC_ERR_DOUBLE_FREE;
}

/* Is a the start of a block in use? Cheap: its allocated bit. */
static inline bool starts_block_in_use(const struct buddy *b, uintptr_t a)
{
    size_t off = a - b->base;
    return off < b->size && (off & (BUDDY_MIN_BLOCK - 1)) == 0 &&
           bit_get(b->bits, off >> BUDDY_MIN_SHIFT);
}

/* The order of the block in use at a, or a negative error code. */
static inline int order_of_block_in_use(const struct buddy *b, uintptr_t a)
{
    if (!starts_block_in_use(b, a))
        return why_not_in_use(b, a);
    unsigned k = recorded_order(b, a);
    if (!record_is_true(b, a, k))
        return why_not_in_use(b, a); /* the middle of a block, or damaged records */
    return (int)k;
}

/* ---- Allocating and freeing -------------------------------------------- */

/* Return the free order-k block at a, whose buddy is free too, to the lists:
 * merge the two, and go on merging for as long as the buddy is free. */
static int merge_and_release(struct buddy *b, unsigned k, uintptr_t a)
{
    /* LAB 4 BEGIN: merge with the buddy while it is whole and free, then push the result */
    /* LAB 4 STUB: return ALLOC_ERR_CORRUPT; */
    int err = ALLOC_OK;
    for (; k < b->top_order; k++) {
        uintptr_t buddy = a ^ block_bytes(k);
        if (!whole_and_free(b, k, buddy))
            break;
        if (!list_unlink(b, k, buddy)) {
            err = ALLOC_ERR_CORRUPT; /* stop merging; the block still goes on a list */
            break;
        }
        a &= ~block_bytes(k);
        set_split(b, k + 1, a, false);
    }
    list_push(b, k, a);
    return err;
    /* LAB 4 END */
}

/* Return the free order-k block at a to the lists. */
static inline int release_block(struct buddy *b, unsigned k, uintptr_t a)
{
    /* LAB 4 BEGIN: merge if the buddy is free, else just put the block on its list */
    /* LAB 4 STUB: return ALLOC_ERR_CORRUPT; */
    if (k < b->top_order && whole_and_free(b, k, a ^ block_bytes(k)))
        return merge_and_release(b, k, a);
    list_push(b, k, a);
    return ALLOC_OK;
    /* LAB 4 END */
}

/* Hand out the block at a, just taken off its free list. */
static inline void *hand_out(struct buddy *b, uintptr_t a)
{
    bit_set(b->bits, alloc_index(b, a));
    b->allocated_blocks++;
    b->last_error = ALLOC_OK;
    return (void *)a;
}

static void *fail(struct buddy *b, int err)
{
    b->last_error = err;
    return NULL;
}

/* Take the first free block of order k, checking its links. */
static void *alloc_from_list(struct buddy *b, unsigned k)
{
    uintptr_t a = list_pop(b, k);
    return a == 0 ? fail(b, ALLOC_ERR_CORRUPT) : hand_out(b, a);
}

/* Take the first free block of order j > k and split it down to order k. */
static void *alloc_by_splitting(struct buddy *b, unsigned j, unsigned k)
{
    /* LAB 4 BEGIN: pop a block of order j, split it down to order k, free the upper halves */
    /* LAB 4 STUB: return fail(b, ALLOC_ERR_NO_MEMORY); */
    uintptr_t a = list_pop(b, j);
    if (a == 0)
        return fail(b, ALLOC_ERR_CORRUPT);
    while (j > k) { /* keep the lower half, free the upper one */
        set_split(b, j, a, true);
        j--;
        list_push(b, j, a + block_bytes(j));
    }
    return hand_out(b, a);
    /* LAB 4 END */
}

/* Take a block of at least size bytes (its allocated bit set, no order record yet). */
static void *alloc_block(struct buddy *b, size_t size)
{
    if (size - 1 >= b->top_bytes) /* size 0 wraps round to a huge value too */
        return fail(b, size == 0 ? ALLOC_OK : ALLOC_ERR_TOO_LARGE);
    /* LAB 4 BEGIN: round up to an order; take a block of it, or split the smallest larger one */
    /* LAB 4 STUB: return fail(b, ALLOC_ERR_NO_MEMORY); */
    unsigned k = order_for(size);
    uint32_t usable = b->nonempty >> k; /* lists of order k and up that are not empty */
    if (usable == 0)
        return fail(b, ALLOC_ERR_NO_MEMORY);
    if ((usable & 1) == 0) /* nothing of order k: split a larger block */
        return alloc_by_splitting(b, k + (unsigned)__builtin_ctz(usable), k);
    return alloc_from_list(b, k);
    /* LAB 4 END */
}

void *buddy_alloc(struct buddy *b, size_t size)
{
    void *p = alloc_block(b, size);
    if (p != NULL)
        order_record(b, (uintptr_t)p, order_for(size), true);
    return p;
}

int buddy_free(struct buddy *b, void *p)
{
    if (p == NULL)
        return ALLOC_OK;
    uintptr_t a = (uintptr_t)p;
    int k = order_of_block_in_use(b, a);
    if (k < 0)
        return k;
    bit_clear(b->bits, alloc_index(b, a)); /* the block is free from here on */
    order_record(b, a, (unsigned)k, false);
    b->allocated_blocks--;
    return release_block(b, (unsigned)k, a);
}

void *buddy_calloc(struct buddy *b, size_t n, size_t size)
{
    size_t total;
    if (__builtin_mul_overflow(n, size, &total)) {
        b->last_error = ALLOC_ERR_TOO_LARGE;
        return NULL;
    }
    void *p = buddy_alloc(b, total);
    if (p != NULL)
        memset(p, 0, total);
    return p;
}

/* Grow the order-k block in use at a to order want without moving it: only
 * when a is aligned to the larger block and each upper half on the way (the
 * buddy of order k, then of order k + 1, ...) is whole and free. Those halves
 * leave their lists and the block's split bits up to order want are cleared.
 * False, with nothing changed, when it cannot. */
static bool grow_in_place(struct buddy *b, uintptr_t a, unsigned k, unsigned want)
{
    if (want > b->top_order || (a & (block_bytes(want) - 1)) != 0)
        return false;
    for (unsigned j = k; j < want; j++)
        if (!whole_and_free(b, j, a + block_bytes(j)))
            return false;
    for (unsigned j = k; j < want; j++) {
        if (!list_unlink(b, j, a + block_bytes(j))) { /* damaged links: put back, move instead */
            while (j-- > k)
                list_push(b, j, a + block_bytes(j));
            return false;
        }
    }
    order_record(b, a, k, false);
    for (unsigned j = k + 1; j <= want; j++)
        set_split(b, j, a, false);
    order_record(b, a, want, true);
    return true;
}

void *buddy_realloc(struct buddy *b, void *p, size_t size)
{
    if (p == NULL)
        return buddy_alloc(b, size);
    if (size == 0) {
        b->last_error = buddy_free(b, p);
        return NULL;
    }
    uintptr_t a = (uintptr_t)p;
    int k = order_of_block_in_use(b, a);
    if (k < 0) {
        b->last_error = k;
        return NULL;
    }
    unsigned want = order_for(size);
    if (want <= (unsigned)k) { /* fits: give the unused upper halves back */
        order_record(b, a, (unsigned)k, false);
        for (unsigned j = (unsigned)k; j > want; j--) {
            set_split(b, j, a, true);
            list_push(b, j - 1, a + block_bytes(j - 1));
        }
        order_record(b, a, want, true);
        b->last_error = ALLOC_OK;
        return p;
    }
    if (grow_in_place(b, a, (unsigned)k, want)) {
        b->last_error = ALLOC_OK;
        return p;
    }
    void *q = buddy_alloc(b, size);
    if (q == NULL)
        return NULL;
    memcpy(q, p, block_bytes((unsigned)k));
    buddy_free(b, p);
    return q;
}

size_t buddy_block_size(const struct buddy *b, const void *p)
{
    int k = order_of_block_in_use(b, (uintptr_t)p);
    return k < 0 ? 0 : block_bytes((unsigned)k);
}

bool buddy_contains(const struct buddy *b, const void *p)
{
    return in_region(b, (uintptr_t)p);
}

int buddy_last_error(const struct buddy *b)
{
    return b->last_error;
}

const char *buddy_strerror(int err)
{
    return alloc_strerror(err);
}

/* ---- Start-up ------------------------------------------------------------ */

/* The largest order used: the biggest power of two that fits in the region. */
static unsigned top_order_for(size_t size)
{
    unsigned k = 63 - (unsigned)__builtin_clzll((unsigned long long)(size >> BUDDY_MIN_SHIFT));
    return k < BUDDY_MAX_ORDER ? k : BUDDY_MAX_ORDER;
}

/* Count the split bits of [base, end) and, when b is not NULL, record where
 * each order's bits start. Returns the metadata size in bits. */
static size_t layout_bits(struct buddy *b, uintptr_t base, uintptr_t end, unsigned top)
{
    size_t bits = (end - base) >> BUDDY_MIN_SHIFT; /* the allocated bits come first */
    for (unsigned k = 1; k <= top; k++) {
        unsigned shift = k + BUDDY_MIN_SHIFT;
        size_t first = (base >> shift) + ((base & (block_bytes(k) - 1)) != 0);
        size_t last = end >> shift; /* one past the last block wholly inside */
        size_t count = last > first ? last - first : 0;
        if (b != NULL)
            b->order[k] = (struct buddy_order){.first = first, .nodes = count, .bit = bits};
        bits += count;
    }
    return bits;
}

static int check_region(uintptr_t base, size_t size)
{
    if (base == 0 || (base & (BUDDY_MIN_BLOCK - 1)) != 0 || (size & (BUDDY_MIN_BLOCK - 1)) != 0 ||
        size > UINTPTR_MAX - base)
        return ALLOC_ERR_BAD_ARGUMENT;
    if (size < BUDDY_MIN_BLOCK)
        return ALLOC_ERR_TOO_SMALL;
    return ALLOC_OK;
}

size_t buddy_metadata_size(uintptr_t base, size_t size)
{
    if (check_region(base, size) != ALLOC_OK)
        return 0;
    return (layout_bits(NULL, base, base + size, top_order_for(size)) + 7) >> 3;
}

/* What both kinds of start-up do: check, lay out and clear the metadata. */
static int setup(struct buddy *b, uintptr_t base, size_t size, void *metadata, size_t metadata_size)
{
    if (b == NULL || metadata == NULL)
        return ALLOC_ERR_BAD_ARGUMENT;
    int err = check_region(base, size);
    if (err != ALLOC_OK)
        return err;
    size_t needed = buddy_metadata_size(base, size);
    if (metadata_size < needed)
        return ALLOC_ERR_METADATA;

    memset(b, 0, sizeof(*b));
    b->base = base;
    b->end = base + size;
    b->size = size;
    b->top_order = top_order_for(size);
    b->top_bytes = block_bytes(b->top_order);
    b->bits = metadata;
    b->metadata_bytes = needed;
    layout_bits(b, b->base, b->end, b->top_order);
    memset(metadata, 0, needed); /* nothing split, nothing in use */
    return ALLOC_OK;
}

int buddy_init(struct buddy *b, uintptr_t base, size_t size, void *metadata, size_t metadata_size)
{
    int err = setup(b, base, size, metadata, metadata_size);
    if (err != ALLOC_OK)
        return err;
    /* Cut the region into the largest aligned blocks that fit, from the top
     * down, so the list heads end up at the lowest addresses. */
    uintptr_t a = b->end;
    while (a > base) {
        unsigned k = b->top_order;
        while ((a & (block_bytes(k) - 1)) != 0 || a - base < block_bytes(k))
            k--;
        a -= block_bytes(k);
        list_push(b, k, a);
    }
    return ALLOC_OK;
}

int buddy_init_reserved(struct buddy *b, uintptr_t base, size_t size, void *metadata,
                        size_t metadata_size, unsigned order)
{
    if (order > BUDDY_MAX_ORDER || (base & (block_bytes(order) - 1)) != 0 ||
        (size & (block_bytes(order) - 1)) != 0)
        return ALLOC_ERR_BAD_ARGUMENT;
    int err = setup(b, base, size, metadata, metadata_size);
    if (err != ALLOC_OK)
        return err;
    if (order > b->top_order)
        return ALLOC_ERR_BAD_ARGUMENT;
    /* Every block above `order` is split, every one of `order` is in use. */
    for (unsigned k = order + 1; k <= b->top_order; k++)
        for (size_t n = 0; n < b->order[k].nodes; n++)
            bit_set(b->bits, b->order[k].bit + n);
    for (uintptr_t a = base; a < b->end; a += block_bytes(order)) {
        bit_set(b->bits, alloc_index(b, a));
        order_record(b, a, order, true);
        b->allocated_blocks++;
    }
    return ALLOC_OK;
}

/* ---- Looking at the heap ------------------------------------------------- */

void buddy_stats(const struct buddy *b, struct buddy_stats *st)
{
    memset(st, 0, sizeof(*st));
    st->total_bytes = b->size;
    st->allocated_blocks = b->allocated_blocks;
    st->metadata_bytes = b->metadata_bytes;
    st->top_order = b->top_order;
    for (unsigned k = 0; k <= b->top_order; k++) {
        st->free_per_order[k] = b->free_count[k];
        st->free_bytes_per_order[k] = b->free_count[k] << (k + BUDDY_MIN_SHIFT);
        st->free_blocks += b->free_count[k];
        st->free_bytes += st->free_bytes_per_order[k];
        if (b->free_count[k] != 0)
            st->largest_free = block_bytes(k);
    }
    st->allocated_bytes = st->total_bytes - st->free_bytes; /* every byte is in some block */
    st->fragmentation = alloc_fragmentation(st->largest_free, st->free_bytes);
}

void buddy_for_each_block_in(const struct buddy *b, uintptr_t from, uintptr_t to,
                             void (*fn)(uintptr_t addr, unsigned order, bool used, void *ctx),
                             void *ctx)
{
    for (uintptr_t a = from; a < to;) {
        unsigned k;
        block_containing(b, a, &k);
        fn(a, k, is_allocated(b, a), ctx);
        a += block_bytes(k);
    }
}

void buddy_for_each_block(const struct buddy *b,
                          void (*fn)(uintptr_t addr, unsigned order, bool used, void *ctx),
                          void *ctx)
{
    buddy_for_each_block_in(b, b->base, b->end, fn, ctx);
}

struct check_state {
    const struct buddy *b;
    size_t free_count[BUDDY_ORDERS];
    size_t used_bytes, used_blocks;
    bool bad;
};

static void check_block(uintptr_t a, unsigned k, bool used, void *ctx)
{
    struct check_state *s = ctx;
    if ((a & (block_bytes(k) - 1)) != 0)
        s->bad = true;
    if (used) {
        if (recorded_order(s->b, a) != k)
            s->bad = true; /* the order record disagrees with the split bits */
        s->used_bytes += block_bytes(k);
        s->used_blocks++;
        return;
    }
    s->free_count[k]++;
    /* Two free buddies should have been merged. */
    if (k < s->b->top_order && whole_and_free(s->b, k, a ^ block_bytes(k)))
        s->bad = true;
}

/* Walk list k from its head, checking every link; false if anything is off. */
static bool check_list(const struct buddy *b, unsigned k)
{
    uintptr_t prev = 0, a = b->order[k].head;
    size_t n = 0;
    if (a != 0 && !is_free_block(b, k, a))
        return false;
    for (; a != 0; prev = a, a = link_at(a)->next) {
        if (++n > b->free_count[k] || link_at(a)->prev != prev)
            return false;
        uintptr_t next = link_at(a)->next;
        if (next != 0 && !good_next(b, k, a, next))
            return false;
    }
    return n == b->free_count[k] && ((b->nonempty >> k) & 1) == (n != 0);
}

int buddy_check(const struct buddy *b)
{
    struct check_state s = {.b = b};
    buddy_for_each_block(b, check_block, &s);
    struct buddy_stats st;
    buddy_stats(b, &st);
    if (s.bad || s.used_bytes != st.allocated_bytes || s.used_blocks != b->allocated_blocks)
        return ALLOC_ERR_CORRUPT;
    for (unsigned k = 0; k < BUDDY_ORDERS; k++) {
        if (s.free_count[k] != b->free_count[k] || !check_list(b, k))
            return ALLOC_ERR_CORRUPT;
    }
    return ALLOC_OK;
}
