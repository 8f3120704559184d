/*
 * tests/test_slab.c - host tests for the slab heap (src/mm/slab.c): slab
 * caches chained on the buddy allocator.
 *
 * src/mm/slab.c, src/mm/buddy.c and the picture code are compiled unchanged.
 * Objects the test holds are poisoned for AddressSanitizer while in use, so a
 * slab heap that reads or writes inside an object it handed out (instead of
 * only its headers, bitmaps and the buddy's links) stops the test there.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sanitizer/asan_interface.h>

#include "heap_expect.h"
#include "mm/allocator.h"
#include "mm/heap_picture.h"
#include "mm/slab.h"

#define KiB ((size_t)1024)
#define MiB (1024 * KiB)

static struct {
    void *mem;
    size_t size;
    uint8_t *meta;
    struct slab_heap s;
    struct allocator a;
} T;

static void slab_close(void)
{
    if (T.mem != NULL) {
        ASAN_UNPOISON_MEMORY_REGION(T.mem, T.size);
        free(T.mem);
    }
    free(T.meta);
    memset(&T, 0, sizeof(T));
}

/* A slab heap over a fresh region of size bytes aligned to align. */
static void slab_open(size_t size, size_t align)
{
    slab_close();
    T.size = size;
    T.mem = aligned_alloc(align, size);
    EXPECT_TRUE("aligned_alloc for the region", T.mem != NULL);
    memset(T.mem, 0xCC, size);
    size_t meta = slab_heap_metadata_size((uintptr_t)T.mem, size);
    EXPECT_TRUE("slab_heap_metadata_size of a good region", meta > 0);
    T.meta = malloc(meta);
    EXPECT_ERR("slab_heap_init", slab_heap_init(&T.s, (uintptr_t)T.mem, size, T.meta, meta),
               ALLOC_OK);
    T.a = allocator_slab_heap(&T.s);
}

static int teardown(void **state)
{
    (void)state;
    slab_close();
    return 0;
}

static struct slab_stats sstats(void)
{
    struct slab_stats st;
    slab_heap_stats(&T.s, &st);
    return st;
}

static void *alloc_ok(size_t size, const char *what)
{
    void *p = slab_heap_alloc(&T.s, size);
    if (p == NULL)
        fail_msg("%s: slab alloc(%zu): expected a block, got NULL (%s)", what, size,
                 alloc_strerror(slab_heap_last_error(&T.s)));
    return p;
}

static void expect_consistent(const char *when)
{
    EXPECT_ERR(describe("slab_heap_check %s", when), slab_heap_check(&T.s), ALLOC_OK);
}

/* ---- Size classes --------------------------------------------------------------- */

static void test_size_classes_are_the_smallest_that_fit(void **state)
{
    (void)state;
    for (size_t size = 1; size <= SLAB_MAX_OBJECT; size++) {
        unsigned cls = slab_class_of(size);
        EXPECT_TRUE(describe("class %u of size %zu exists", cls, size), cls < SLAB_CLASSES);
        size_t got = slab_class_size(cls);
        EXPECT_TRUE(describe("class %u (%zu B) holds %zu B", cls, got, size), got >= size);
        EXPECT_TRUE(describe("class %u (%zu B) of %zu B is the smallest: class %u is %zu B", cls,
                             got, size, cls - 1, cls ? slab_class_size(cls - 1) : 0),
                    cls == 0 || slab_class_size(cls - 1) < size);
        EXPECT_EQ(describe("class size %zu is a multiple of 16", got), got % SLAB_ALIGN, 0);
    }
    EXPECT_EQ("the last class", slab_class_size(SLAB_CLASSES - 1), SLAB_MAX_OBJECT);
    /* Finer than powers of two: from 48 B up, never more than a third wasted. */
    for (size_t size = 48; size <= SLAB_MAX_OBJECT; size++)
        EXPECT_TRUE(describe("class of %zu B wastes at most 1/3", size),
                    3 * (slab_class_size(slab_class_of(size)) - size) <= size);
}

/* ---- Objects -------------------------------------------------------------------- */

static void test_objects_distinct_aligned_and_counted(void **state)
{
    (void)state;
    slab_open(1 * MiB, 1 * MiB);
    struct slab_stats empty = sstats();
    enum { N = 600 };
    uint8_t *p[N];
    for (int i = 0; i < N; i++) {
        p[i] = alloc_ok(40, "an object of 40 B");
        EXPECT_EQ(describe("object %d aligned to 16", i), (uintptr_t)p[i] % SLAB_ALIGN, 0);
        EXPECT_EQ(describe("block_size of object %d", i), slab_heap_block_size(&T.s, p[i]), 48);
        memset(p[i], i, 40);
    }
    for (int i = 0; i < N; i++)
        for (int j = 0; j < 40; j++)
            EXPECT_EQ(describe("byte %d of object %d", j, i), p[i][j], (uint8_t)i);
    struct slab_stats full = sstats();
    size_t per = (4096 - SLAB_HEADER_BYTES) / 48;
    EXPECT_EQ("objects in use", full.objects, N);
    EXPECT_EQ("slabs: 600 objects of 48 B, 84 per 4 KiB slab", full.slabs, (N + per - 1) / per);
    EXPECT_EQ("large blocks", full.large_blocks, 0);
    expect_consistent("with 600 objects");
    for (int i = 0; i < N; i += 2)
        EXPECT_ERR(describe("free object %d", i), slab_heap_free(&T.s, p[i]), ALLOC_OK);
    expect_consistent("with every other object freed");
    for (int i = 1; i < N; i += 2)
        EXPECT_ERR(describe("free object %d", i), slab_heap_free(&T.s, p[i]), ALLOC_OK);
    struct slab_stats after = sstats();
    EXPECT_EQ("slabs after freeing all: every empty slab went back", after.slabs, 0);
    EXPECT_EQ("buddy free bytes after freeing all", after.buddy.free_bytes, empty.buddy.free_bytes);
    EXPECT_EQ("buddy free blocks after freeing all: merged back", after.buddy.free_blocks,
              empty.buddy.free_blocks);
    expect_consistent("after freeing all");
    /* Allocation finds the class by a table: it must agree with slab_class_of. */
    for (size_t size = 1; size <= SLAB_MAX_OBJECT; size++) {
        void *q = alloc_ok(size, "one object of each size");
        EXPECT_EQ(describe("block_size of alloc(%zu)", size), slab_heap_block_size(&T.s, q),
                  slab_class_size(slab_class_of(size)));
        EXPECT_ERR("free it", slab_heap_free(&T.s, q), ALLOC_OK);
    }
}

static void test_large_requests_go_to_the_buddy(void **state)
{
    (void)state;
    slab_open(1 * MiB, 1 * MiB);
    uint8_t *big = alloc_ok(SLAB_MAX_OBJECT + 1, "just over the largest class");
    EXPECT_EQ("block_size of a 2049 B request: a 4 KiB buddy block",
              slab_heap_block_size(&T.s, big), 4096);
    EXPECT_EQ("aligned to its buddy size", (uintptr_t)big % 4096, 0);
    uint8_t *small = alloc_ok(SLAB_MAX_OBJECT, "the largest class");
    EXPECT_EQ("block_size of a 2048 B request", slab_heap_block_size(&T.s, small), 2048);
    struct slab_stats st = sstats();
    EXPECT_EQ("large blocks", st.large_blocks, 1);
    EXPECT_EQ("objects", st.objects, 1);
    EXPECT_ERR("free(big + 32): the middle of a buddy block", slab_heap_free(&T.s, big + 32),
               ALLOC_ERR_MIDDLE);
    EXPECT_ERR("free big", slab_heap_free(&T.s, big), ALLOC_OK);
    EXPECT_ERR("free big again", slab_heap_free(&T.s, big), ALLOC_ERR_DOUBLE_FREE);
    EXPECT_ERR("free small", slab_heap_free(&T.s, small), ALLOC_OK);
    EXPECT_NULL("alloc(0)", slab_heap_alloc(&T.s, 0));
    EXPECT_ERR("last error after alloc(0)", slab_heap_last_error(&T.s), ALLOC_OK);
    EXPECT_NULL("alloc(2 MiB) in a 1 MiB heap", slab_heap_alloc(&T.s, 2 * MiB));
    EXPECT_ERR("last error after a too large alloc", slab_heap_last_error(&T.s),
               ALLOC_ERR_TOO_LARGE);
    EXPECT_NULL("calloc overflow", slab_heap_calloc(&T.s, SIZE_MAX / 2, 3));
    EXPECT_ERR("last error after calloc overflow", slab_heap_last_error(&T.s), ALLOC_ERR_TOO_LARGE);
    expect_consistent("after large and small");
}

static void test_bad_frees_are_reported_and_change_nothing(void **state)
{
    (void)state;
    slab_open(1 * MiB, 1 * MiB);
    uint8_t *p = alloc_ok(100, "p (class 112)");
    uint8_t *q = alloc_ok(100, "q");
    uintptr_t slab = (uintptr_t)p & ~(4096 - 1);
    struct slab_stats before = sstats();
    int local;
    EXPECT_ERR("free(&local): outside the region", slab_heap_free(&T.s, &local),
               ALLOC_ERR_NOT_OURS);
    EXPECT_ERR("free(p + 16): the middle of an object in use", slab_heap_free(&T.s, p + 16),
               ALLOC_ERR_MIDDLE);
    EXPECT_ERR("free(p + 111): its last byte", slab_heap_free(&T.s, p + 111), ALLOC_ERR_MIDDLE);
    EXPECT_ERR("free(slab start): the header, never handed out", slab_heap_free(&T.s, (void *)slab),
               ALLOC_ERR_NOT_OURS);
    EXPECT_ERR("free(slab + 8): inside the header", slab_heap_free(&T.s, (void *)(slab + 8)),
               ALLOC_ERR_NOT_OURS);
    EXPECT_ERR("free(slab + 4095): the unused tail", slab_heap_free(&T.s, (void *)(slab + 4095)),
               ALLOC_ERR_NOT_OURS);
    EXPECT_ERR("free(q + 112): a free object", slab_heap_free(&T.s, q + 112),
               ALLOC_ERR_DOUBLE_FREE);
    EXPECT_ERR("free(q + 120): inside a free object", slab_heap_free(&T.s, q + 120),
               ALLOC_ERR_NOT_OURS);
    EXPECT_EQ("block_size(p + 16)", slab_heap_block_size(&T.s, p + 16), 0);
    struct slab_stats after = sstats();
    EXPECT_EQ("objects in use after the bad frees", after.objects, before.objects);
    EXPECT_EQ("buddy free bytes after the bad frees", after.buddy.free_bytes,
              before.buddy.free_bytes);
    expect_consistent("after the bad frees");
    EXPECT_ERR("free(p)", slab_heap_free(&T.s, p), ALLOC_OK);
    EXPECT_ERR("free(p) again", slab_heap_free(&T.s, p), ALLOC_ERR_DOUBLE_FREE);
    EXPECT_ERR("free(q)", slab_heap_free(&T.s, q), ALLOC_OK);
    /* q's slab went back to the buddy: q is now inside a free buddy block, off
     * a 32-byte boundary, so the buddy calls it a pointer it never returned. */
    EXPECT_ERR("free(q) again, after its slab went back to the buddy", slab_heap_free(&T.s, q),
               ALLOC_ERR_NOT_OURS);
    EXPECT_ERR("free(NULL)", slab_heap_free(&T.s, NULL), ALLOC_OK);
}

static void test_damaged_header_is_corrupt(void **state)
{
    (void)state;
    slab_open(1 * MiB, 1 * MiB);
    uint8_t *p = alloc_ok(64, "p");
    uint8_t *q = alloc_ok(64, "q");
    struct slab *h = (struct slab *)((uintptr_t)p & ~(4096 - 1));
    uint64_t saved = h->check;
    h->check ^= 1;
    EXPECT_ERR("free(p) with its slab's check value damaged", slab_heap_free(&T.s, p),
               ALLOC_ERR_CORRUPT);
    EXPECT_NULL("alloc(64) from the damaged slab", slab_heap_alloc(&T.s, 64));
    EXPECT_ERR("last error", slab_heap_last_error(&T.s), ALLOC_ERR_CORRUPT);
    EXPECT_ERR("slab_heap_check sees it", slab_heap_check(&T.s), ALLOC_ERR_CORRUPT);
    h->check = saved;
    EXPECT_ERR("free(p) once repaired", slab_heap_free(&T.s, p), ALLOC_OK);
    EXPECT_ERR("free(q) once repaired", slab_heap_free(&T.s, q), ALLOC_OK);
    expect_consistent("after the repair");
}

static void test_realloc_moves_between_classes_and_the_buddy(void **state)
{
    (void)state;
    slab_open(1 * MiB, 1 * MiB);
    uint8_t *p = alloc_ok(20, "p");
    for (int i = 0; i < 20; i++)
        p[i] = (uint8_t)(i + 1);
    EXPECT_PTR("realloc(p, 32): same class", slab_heap_realloc(&T.s, p, 32), p);
    EXPECT_PTR("realloc(p, 10): shrinking keeps it", slab_heap_realloc(&T.s, p, 10), p);
    uint8_t *q = slab_heap_realloc(&T.s, p, 300);
    EXPECT_TRUE("realloc(p, 300) moves to class 320", q != NULL && q != p);
    EXPECT_EQ("block_size after moving", slab_heap_block_size(&T.s, q), 320);
    uint8_t *r = slab_heap_realloc(&T.s, q, 10000);
    EXPECT_EQ("block_size after moving to the buddy", slab_heap_block_size(&T.s, r), 16384);
    uint8_t *s = slab_heap_realloc(&T.s, r, 12000);
    EXPECT_PTR("realloc of a buddy block within its order stays", s, r);
    uint8_t *t = slab_heap_realloc(&T.s, s, 100);
    EXPECT_EQ("a large block shrunk small moves into class 112", slab_heap_block_size(&T.s, t),
              112);
    for (int i = 0; i < 10; i++)
        EXPECT_EQ(describe("byte %d after four moves", i), t[i], i + 1);
    EXPECT_NULL("realloc(t + 16, 50)", slab_heap_realloc(&T.s, t + 16, 50));
    EXPECT_ERR("last error after realloc of a middle pointer", slab_heap_last_error(&T.s),
               ALLOC_ERR_MIDDLE);
    EXPECT_NULL("realloc(t, 0) frees", slab_heap_realloc(&T.s, t, 0));
    EXPECT_ERR("free(t) after realloc(t, 0)", slab_heap_free(&T.s, t), ALLOC_ERR_DOUBLE_FREE);
    EXPECT_EQ("nothing in use", sstats().objects + sstats().large_blocks, 0);
    expect_consistent("after the reallocs");
}

static void test_every_class_slab_fits_and_wastes_little(void **state)
{
    (void)state;
    slab_open(4 * MiB, 4 * MiB);
    for (unsigned cls = 0; cls < SLAB_CLASSES; cls++) {
        const struct slab_cache *c = &T.s.caches[cls];
        size_t bytes = BUDDY_BLOCK_BYTES(c->slab_order);
        size_t waste = bytes - (size_t)c->per_slab * c->object_size;
        EXPECT_TRUE(describe("class %u: objects fit in the slab", cls),
                    SLAB_HEADER_BYTES + (size_t)c->per_slab * c->object_size <= bytes);
        EXPECT_TRUE(describe("class %u (%u B, %zu B slabs): header and tail %zu B at most 1/16",
                             cls, c->object_size, bytes, waste),
                    16 * waste <= bytes);
        /* Fill one whole slab and one more object; all distinct. */
        size_t n = c->per_slab + 1u;
        void **p = calloc(n, sizeof(void *));
        for (size_t i = 0; i < n; i++)
            p[i] = alloc_ok(c->object_size, "a class's objects");
        EXPECT_EQ(describe("class %u: slabs for per_slab + 1 objects", cls), c->slabs, 2);
        expect_consistent(describe("with class %u's slabs full", cls));
        for (size_t i = 0; i < n; i++)
            EXPECT_ERR("free", slab_heap_free(&T.s, p[i]), ALLOC_OK);
        EXPECT_EQ(describe("class %u: slabs after freeing", cls), c->slabs, 0);
        free(p);
    }
}

static void test_init_errors(void **state)
{
    (void)state;
    struct slab_heap s;
    static uint64_t meta[8192];
    uintptr_t base = 0x100000;
    EXPECT_ERR("unaligned base", slab_heap_init(&s, base + 32, 64 * KiB, meta, sizeof(meta)),
               ALLOC_ERR_BAD_ARGUMENT);
    EXPECT_ERR("size not a multiple of 4 KiB",
               slab_heap_init(&s, base, 64 * KiB + 32, meta, sizeof(meta)), ALLOC_ERR_BAD_ARGUMENT);
    EXPECT_ERR("smaller than the largest slab",
               slab_heap_init(&s, base, 16 * KiB, meta, sizeof(meta)), ALLOC_ERR_TOO_SMALL);
    EXPECT_ERR("metadata too small", slab_heap_init(&s, base, 64 * KiB, meta, 16),
               ALLOC_ERR_METADATA);
    EXPECT_ERR("unaligned metadata",
               slab_heap_init(&s, base, 64 * KiB, (uint8_t *)meta + 1, sizeof(meta) - 8),
               ALLOC_ERR_BAD_ARGUMENT);
    EXPECT_EQ("metadata size of a bad region", slab_heap_metadata_size(base + 32, 64 * KiB), 0);
}

static void test_picture_shows_caches_and_slabs(void **state)
{
    (void)state;
    slab_open(64 * KiB, 64 * KiB);
    void *a = alloc_ok(40, "a");
    void *b = alloc_ok(40, "b");
    void *c = alloc_ok(3000, "c");
    EXPECT_ERR("free a", slab_heap_free(&T.s, a), ALLOC_OK);
    static char buf[8192];
    size_t n = slab_heap_picture(&T.s, buf, sizeof(buf));
    EXPECT_EQ("picture length", n, strlen(buf));
    const char *want[] = {
        "slab heap ",
        ": 1 slabs (4 KiB) holding 1 objects (48 B), 1 large blocks (4 KiB)",
        "  48 B x 84, 4K slabs: 1 slabs, 1 in use\n",
        "|+...............................| 1/84\n",
        "buddy heap ",
        "4Ku 4Ku 8Kf 16Kf 32Kf\n",
    };
    for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
        if (strstr(buf, want[i]) == NULL)
            fail_msg("the picture lacks \"%s\"; it is:\n%s", want[i], buf);
    char small[20];
    EXPECT_EQ("a truncated picture reports the whole length", slab_heap_picture(&T.s, small, 20),
              n);
    EXPECT_EQ("a truncated picture ends in NUL", small[19], '\0');
    EXPECT_ERR("free b", slab_heap_free(&T.s, b), ALLOC_OK);
    EXPECT_ERR("free c", slab_heap_free(&T.s, c), ALLOC_OK);
}

/* ---- A random test against a model -------------------------------------------- */

#define MODEL_SLOTS 2000
#define MODEL_OPS 120000

static uint64_t rng_state;
static uint64_t rnd(void)
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 0x2545F4914F6CDD1DULL;
}

struct model_block {
    uint8_t *p;
    size_t size, block;
    uint32_t tag;
};

static struct model_block live[MODEL_SLOTS];
static size_t nlive;
static uint32_t next_tag = 1;

static uint8_t pattern(uint32_t tag, size_t i)
{
    return (uint8_t)(tag * 31 + i * 7 + (i >> 8));
}

/* Mostly small (the slab classes), sometimes just past them, rarely large. */
static size_t model_size(void)
{
    uint64_t r = rnd() % 100;
    if (r < 80)
        return 1 + rnd() % 256;
    if (r < 95)
        return 1 + rnd() % SLAB_MAX_OBJECT;
    return SLAB_MAX_OBJECT + 1 + rnd() % (30 * KiB);
}

static void fill_and_poison(struct model_block *m)
{
    for (size_t i = 0; i < m->size; i++)
        m->p[i] = pattern(m->tag, i);
    ASAN_POISON_MEMORY_REGION(m->p, m->block);
}

static void verify(const struct model_block *m, size_t n, const char *when)
{
    ASAN_UNPOISON_MEMORY_REGION(m->p, m->block);
    for (size_t i = 0; i < n; i++)
        if (m->p[i] != pattern(m->tag, i))
            fail_msg("block %p (tag %u) byte %zu %s: expected %#x, got %#x", (void *)m->p, m->tag,
                     i, when, pattern(m->tag, i), m->p[i]);
}

/* No two live blocks overlap: sort-free check against the new block only. */
static void expect_no_overlap(const struct model_block *m)
{
    for (size_t i = 0; i < nlive; i++) {
        const struct model_block *o = &live[i];
        if (o->p < m->p + m->block && m->p < o->p + o->block)
            fail_msg("new block %p+%zu overlaps live block %p+%zu", (void *)m->p, m->block,
                     (void *)o->p, o->block);
    }
}

static void model_new(struct model_block *m, const char *what)
{
    m->block = slab_heap_block_size(&T.s, m->p);
    EXPECT_TRUE(describe("%s: block_size %zu holds the %zu requested", what, m->block, m->size),
                m->block >= m->size);
    EXPECT_EQ(describe("%s: aligned to 16", what), (uintptr_t)m->p % SLAB_ALIGN, 0);
    expect_no_overlap(m);
    fill_and_poison(m);
    live[nlive++] = *m;
}

static void test_random_operations_against_model(void **state)
{
    (void)state;
    slab_open(16 * MiB, 16 * MiB);
    struct slab_stats empty = sstats();
    rng_state = 0x243F6A8885A308D3ULL;
    size_t ops = 0, failures = 0;
    for (; ops < MODEL_OPS; ops++) {
        uint64_t r = rnd() % 100;
        if (nlive < MODEL_SLOTS && (nlive == 0 || r < 48)) {
            struct model_block m = {.size = model_size(), .tag = next_tag++};
            bool zeroed = rnd() % 8 == 0;
            m.p = zeroed ? slab_heap_calloc(&T.s, 1, m.size) : slab_heap_alloc(&T.s, m.size);
            if (m.p == NULL) {
                EXPECT_ERR("alloc returned NULL: last error", slab_heap_last_error(&T.s),
                           ALLOC_ERR_NO_MEMORY);
                failures++;
                continue;
            }
            for (size_t i = 0; zeroed && i < m.size; i++)
                EXPECT_EQ(describe("calloc(1, %zu) byte %zu", m.size, i), m.p[i], 0);
            model_new(&m, describe("op %zu alloc(%zu)", ops, m.size));
        } else if (r < 88) {
            size_t i = rnd() % nlive;
            verify(&live[i], live[i].size, "before free");
            EXPECT_ERR(describe("op %zu free of live block %p", ops, (void *)live[i].p),
                       slab_heap_free(&T.s, live[i].p), ALLOC_OK);
            if (rnd() % 16 == 0)
                EXPECT_ERR(describe("op %zu free of it again", ops),
                           slab_heap_free(&T.s, live[i].p) < 0, 1);
            live[i] = live[--nlive];
        } else {
            size_t i = rnd() % nlive;
            struct model_block old = live[i];
            size_t size = model_size();
            verify(&old, old.size, "before realloc");
            uint8_t *p = slab_heap_realloc(&T.s, old.p, size);
            if (p == NULL) {
                EXPECT_ERR("realloc returned NULL: last error", slab_heap_last_error(&T.s),
                           ALLOC_ERR_NO_MEMORY);
                verify(&old, old.size, "after a failed realloc");
                ASAN_POISON_MEMORY_REGION(old.p, old.block);
                failures++;
                continue;
            }
            struct model_block m = {.p = p, .size = size, .tag = old.tag};
            m.block = slab_heap_block_size(&T.s, p);
            verify(&m, size < old.size ? size : old.size, "after realloc");
            live[i] = live[--nlive];
            m.tag = next_tag++;
            model_new(&m, describe("op %zu realloc(%zu)", ops, size));
        }
        if (ops % 20000 == 0)
            expect_consistent(describe("after %zu random operations", ops));
        struct slab_stats st = sstats();
        if (st.objects + st.large_blocks != nlive)
            fail_msg("op %zu: the heap has %zu objects and %zu large blocks in use, the model %zu",
                     ops, st.objects, st.large_blocks, nlive);
    }
    expect_consistent("after the random operations");
    while (nlive > 0) {
        verify(&live[nlive - 1], live[nlive - 1].size, "at the end");
        EXPECT_ERR("free at the end", slab_heap_free(&T.s, live[nlive - 1].p), ALLOC_OK);
        nlive--;
    }
    struct slab_stats end = sstats();
    EXPECT_EQ("slabs after freeing everything", end.slabs, 0);
    EXPECT_EQ("buddy free bytes after freeing everything", end.buddy.free_bytes,
              empty.buddy.free_bytes);
    EXPECT_EQ("buddy free blocks after freeing everything", end.buddy.free_blocks,
              empty.buddy.free_blocks);
    EXPECT_TRUE(describe("at least 100,000 operations ran (%zu, %zu failed)", ops, failures),
                ops >= 100000);
    expect_consistent("after freeing everything");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_size_classes_are_the_smallest_that_fit, teardown),
        cmocka_unit_test_teardown(test_objects_distinct_aligned_and_counted, teardown),
        cmocka_unit_test_teardown(test_large_requests_go_to_the_buddy, teardown),
        cmocka_unit_test_teardown(test_bad_frees_are_reported_and_change_nothing, teardown),
        cmocka_unit_test_teardown(test_damaged_header_is_corrupt, teardown),
        cmocka_unit_test_teardown(test_realloc_moves_between_classes_and_the_buddy, teardown),
        cmocka_unit_test_teardown(test_every_class_slab_fits_and_wastes_little, teardown),
        cmocka_unit_test_teardown(test_init_errors, teardown),
        cmocka_unit_test_teardown(test_picture_shows_caches_and_slabs, teardown),
        cmocka_unit_test_teardown(test_random_operations_against_model, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
