/*
 * mm/heap_picture.c - text pictures of the buddy, linked-list and slab heaps
 * (see include/mm/heap_picture.h). Presentation only: the allocators
 * themselves live in buddy.c, list_heap.c and slab.c.
 */
#include "mm/heap_picture.h"

#include <stdbool.h>

#include "lib/string.h"
#include "lib/text.h"

/* Mark the bar characters [first, last] as showing free or used memory. */
static void bar_mark(char *bar, size_t first, size_t last, bool used)
{
    char mine = used ? '#' : '.';
    for (size_t i = first; i <= last; i++)
        bar[i] = (bar[i] == ' ' || bar[i] == mine) ? mine : '+';
}

/* ---- The buddy heap -------------------------------------------------------- */

#define BUDDY_BAR_SHIFT 5 /* at most 32 characters of bar per slot */
#define BUDDY_BLOCKS_PER_LINE 32

/* What one slot's line is being built from. */
struct buddy_line {
    struct text *t;
    uintptr_t slot;
    unsigned char_shift; /* one bar character covers 2^char_shift bytes */
    char bar[(1u << BUDDY_BAR_SHIFT) + 1];
    size_t blocks;
};

static void mark_block(uintptr_t a, unsigned k, bool used, void *ctx)
{
    struct buddy_line *line = ctx;
    size_t bytes = BUDDY_BLOCK_BYTES(k);
    bar_mark(line->bar, (a - line->slot) >> line->char_shift,
             (a + bytes - 1 - line->slot) >> line->char_shift, used);
}

static void list_block(uintptr_t a, unsigned k, bool used, void *ctx)
{
    (void)a;
    struct buddy_line *line = ctx;
    if (line->blocks++ >= BUDDY_BLOCKS_PER_LINE)
        return;
    text_printf(line->t, " ");
    text_size(line->t, BUDDY_BLOCK_BYTES(k));
    text_printf(line->t, "%c", used ? 'u' : 'f');
}

static unsigned bar_width_shift(const struct buddy *b)
{
    return b->top_order < BUDDY_BAR_SHIFT ? b->top_order : BUDDY_BAR_SHIFT;
}

/* One line: the slot at `slot`, whose part inside the region is [from, to). */
static void picture_slot(const struct buddy *b, struct text *t, uintptr_t slot, uintptr_t from,
                         uintptr_t to)
{
    unsigned width_shift = bar_width_shift(b);
    struct buddy_line line = {t, slot, b->top_order + BUDDY_MIN_SHIFT - width_shift, {0}, 0};
    memset(line.bar, ' ', sizeof(line.bar));
    line.bar[(size_t)1 << width_shift] = '\0';

    buddy_for_each_block_in(b, from, to, mark_block, &line);
    text_printf(t, "%#lx |%s|", (unsigned long)slot, line.bar);
    buddy_for_each_block_in(b, from, to, list_block, &line);
    if (line.blocks > BUDDY_BLOCKS_PER_LINE)
        text_printf(t, " (+%zu more)", line.blocks - BUDDY_BLOCKS_PER_LINE);
    text_printf(t, "\n");
}

size_t buddy_picture(const struct buddy *b, char *buf, size_t size)
{
    struct text t = text_over(buf, size);
    size_t slot_bytes = BUDDY_BLOCK_BYTES(b->top_order);

    text_printf(&t, "buddy heap %#lx-%#lx, %zu bytes in slots of ", (unsigned long)b->base,
                (unsigned long)b->end, (size_t)(b->end - b->base));
    text_bytes(&t, slot_bytes);
    text_printf(&t, " (order %u), %zu B of metadata\n", b->top_order, b->metadata_bytes);
    text_printf(&t, "bar: 1 char = ");
    text_bytes(&t, slot_bytes >> bar_width_shift(b));
    text_printf(&t, ", # in use, . free, + both, blank outside; blocks: size, u in use, f free\n");

    for (uintptr_t slot = b->base & ~(slot_bytes - 1);; slot += slot_bytes) {
        uintptr_t from = slot > b->base ? slot : b->base;
        bool last = b->end - slot <= slot_bytes; /* written so slot + slot_bytes cannot wrap */
        picture_slot(b, &t, slot, from, last ? b->end : slot + slot_bytes);
        if (last)
            break;
    }
    return t.len;
}

/* ---- The linked-list heap ---------------------------------------------------- */

#define LIST_BAR_MAX 64
#define LIST_BLOCKS_PER_LINE 16

struct list_picture {
    struct text *t;
    uintptr_t base;
    unsigned shift; /* one bar character covers 2^shift bytes */
    char bar[LIST_BAR_MAX + 1];
    size_t blocks;
};

static void list_mark(uintptr_t a, size_t size, bool free, void *ctx)
{
    struct list_picture *p = ctx;
    bar_mark(p->bar, (a - p->base) >> p->shift, (a + size - 1 - p->base) >> p->shift, !free);
}

static void list_size(uintptr_t a, size_t size, bool free, void *ctx)
{
    (void)a;
    struct list_picture *p = ctx;
    const char *sep = p->blocks % LIST_BLOCKS_PER_LINE == 0 ? (p->blocks ? "\n" : "") : " ";
    text_printf(p->t, "%s%zu%c", sep, size, free ? 'f' : 'u');
    p->blocks++;
}

size_t list_heap_picture(const struct list_heap *l, char *buf, size_t size)
{
    struct text t = text_over(buf, size);
    size_t total = l->end - l->base;
    struct list_picture p = {&t, l->base, 0, {0}, 0};
    while (((total - 1) >> p.shift) >= LIST_BAR_MAX)
        p.shift++;
    size_t chars = ((total - 1) >> p.shift) + 1;
    memset(p.bar, ' ', chars);
    p.bar[chars] = '\0';

    list_heap_for_each_block(l, list_mark, &p);
    text_printf(&t, "list heap %#lx-%#lx, %zu bytes, %d-byte headers\n", (unsigned long)l->base,
                (unsigned long)l->end, total, LIST_HEADER_SIZE);
    text_printf(&t,
                "bar: 1 char = %zu B, # in use, . free, + both; blocks: size with header, u in "
                "use, f free\n",
                (size_t)1 << p.shift);
    text_printf(&t, "|%s|\n", p.bar);
    uintptr_t damaged = list_heap_for_each_block(l, list_size, &p);
    text_printf(&t, "\n");
    if (damaged)
        text_printf(&t, "(corrupt header at %#lx)\n", (unsigned long)damaged);
    return t.len;
}

/* ---- The slab heap ------------------------------------------------------------- */

#define SLAB_BAR 32
#define SLAB_LINES_PER_CACHE 8

struct slab_picture {
    struct text *t;
    unsigned cls;
    size_t shown, hidden;
};

static void slab_line(const struct slab_cache *c, uintptr_t a, const struct slab *h, void *ctx)
{
    struct slab_picture *p = ctx;
    if (c == NULL || c->cls != p->cls)
        return;
    if (p->shown == SLAB_LINES_PER_CACHE) {
        p->hidden++;
        return;
    }
    p->shown++;
    size_t chars = c->per_slab < SLAB_BAR ? c->per_slab : SLAB_BAR;
    char bar[SLAB_BAR + 1];
    memset(bar, ' ', sizeof(bar));
    bar[chars] = '\0';
    for (unsigned i = 0; i < c->per_slab; i++) {
        bool used = !((h->free[i >> 6] >> (i & 63)) & 1);
        size_t ch = (size_t)i * chars / c->per_slab;
        bar_mark(bar, ch, ch, used);
    }
    text_printf(p->t, "    %#lx |%s| %u/%u\n", (unsigned long)a, bar, h->in_use, c->per_slab);
}

size_t slab_heap_picture(const struct slab_heap *s, char *buf, size_t size)
{
    struct text t = text_over(buf, size);
    struct slab_stats st;
    slab_heap_stats(s, &st);
    text_printf(&t, "slab heap %#lx-%#lx: %zu slabs (", (unsigned long)s->buddy.base,
                (unsigned long)s->buddy.end, st.slabs);
    text_bytes(&t, st.slab_bytes);
    text_printf(&t, ") holding %zu objects (", st.objects);
    text_bytes(&t, st.object_bytes);
    text_printf(&t, "), %zu large blocks (", st.large_blocks);
    text_bytes(&t, st.large_bytes);
    text_printf(&t, "), %zu B of metadata\n", s->metadata_bytes);
    text_printf(&t, "caches: object size x objects per slab, slab size; bar: # in use, . free, + "
                    "both\n");
    for (unsigned cls = 0; cls < SLAB_CLASSES; cls++) {
        const struct slab_cache *c = &s->caches[cls];
        if (c->slabs == 0)
            continue;
        text_printf(&t, "  %u B x %u, ", c->object_size, c->per_slab);
        text_size(&t, BUDDY_BLOCK_BYTES(c->slab_order));
        text_printf(&t, " slabs: %zu slabs, %zu in use\n", c->slabs, c->in_use);
        struct slab_picture p = {&t, cls, 0, 0};
        slab_heap_for_each_slab(s, slab_line, &p);
        if (p.hidden)
            text_printf(&t, "    (+%zu more slabs)\n", p.hidden);
    }
    char *rest = t.len < size ? buf + t.len : NULL;
    size_t room = t.len < size ? size - t.len : 0;
    t.len += buddy_picture(&s->buddy, rest, room);
    return t.len;
}
