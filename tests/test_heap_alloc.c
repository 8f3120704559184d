/*
 * tests/test_heap_alloc.c - host tests for the buddy allocator and the
 * linked-list heap.
 *
 * src/mm/buddy.c and src/mm/list_heap.c are compiled unchanged. A heap's
 * region is a buffer from aligned_alloc, so a test can place it on a large
 * boundary or deliberately off one. The shared tests go through the common
 * interface (struct allocator) and run once per heap ("buddy: ..." and
 * "list: ..."); the rest look at one heap's own behaviour.
 *
 * Blocks the test holds are poisoned for AddressSanitizer while they are in
 * use, so an allocator that reads or writes a block it handed out (instead of
 * only its own links and headers) stops the test on the spot.
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
#include <sys/mman.h>

#include <sanitizer/asan_interface.h>

#include "heap_expect.h"
#include "mm/allocator.h"
#include "mm/buddy.h"
#include "mm/list_heap.h"

#define KiB ((size_t)1024)
#define MiB (1024 * KiB)
#define GiB (1024 * MiB)

/* ---- The heap under test ------------------------------------------------- */

enum heap_kind { HEAP_BUDDY, HEAP_LIST };

struct heap {
    enum heap_kind kind;
    void *mem; /* the buffer holding the region */
    size_t mem_size;
    bool mapped; /* mem came from mmap (the 1 GiB test) */
    uintptr_t base;
    size_t size;
    uint8_t *meta; /* the buddy's metadata: malloc'ed at its exact size */
    size_t meta_size;
    struct buddy buddy;
    struct list_heap list;
    struct allocator a;
};

static struct heap H;

static void heap_close(void)
{
    if (H.mem != NULL) {
        ASAN_UNPOISON_MEMORY_REGION(H.mem, H.mem_size);
        if (H.mapped)
            munmap(H.mem, H.mem_size);
        else
            free(H.mem);
    }
    free(H.meta);
    memset(&H, 0, sizeof(H));
}

static void heap_start(enum heap_kind kind)
{
    H.kind = kind;
    if (kind == HEAP_BUDDY) {
        H.meta_size = buddy_metadata_size(H.base, H.size);
        EXPECT_TRUE("buddy_metadata_size of a good region", H.meta_size > 0);
        H.meta = malloc(H.meta_size);
        EXPECT_ERR("buddy_init", buddy_init(&H.buddy, H.base, H.size, H.meta, H.meta_size),
                   ALLOC_OK);
        H.a = allocator_buddy(&H.buddy);
    } else {
        EXPECT_ERR("list_heap_init", list_heap_init(&H.list, H.base, H.size), ALLOC_OK);
        H.a = allocator_list_heap(&H.list);
    }
}

/* A heap over size bytes that start offset bytes past a multiple of align. */
static void heap_open(enum heap_kind kind, size_t size, size_t align, size_t offset)
{
    heap_close();
    H.mem_size = (offset + size + align - 1) & ~(align - 1);
    H.mem = aligned_alloc(align, H.mem_size);
    EXPECT_TRUE(describe("aligned_alloc(%zu, %zu) for the region", align, H.mem_size),
                H.mem != NULL);
    memset(H.mem, 0xCC, H.mem_size);
    H.base = (uintptr_t)H.mem + offset;
    H.size = size;
    heap_start(kind);
}

static const char *kind_name(void)
{
    return H.kind == HEAP_BUDDY ? "buddy" : "list";
}

static int setup_buddy(void **state)
{
    (void)state;
    heap_open(HEAP_BUDDY, 1 * MiB, 1 * MiB, 0);
    return 0;
}

static int setup_list(void **state)
{
    (void)state;
    heap_open(HEAP_LIST, 1 * MiB, 1 * MiB, 0);
    return 0;
}

static int teardown_heap(void **state)
{
    (void)state;
    heap_close();
    return 0;
}

static struct alloc_stats stats(void)
{
    struct alloc_stats s;
    allocator_stats(&H.a, &s);
    return s;
}

static struct buddy_stats bstats(void)
{
    struct buddy_stats s;
    buddy_stats(&H.buddy, &s);
    return s;
}

/* The heap's picture; two buffers, used in turn, so two can be compared. */
static const char *picture(void)
{
    static char bufs[2][64 * 1024];
    static unsigned next;
    char *b = bufs[next++ % 2];
    size_t n = allocator_picture(&H.a, b, sizeof(bufs[0]));
    EXPECT_TRUE("the picture fits the test's buffer", n < sizeof(bufs[0]));
    return b;
}

static int heap_check(void)
{
    return H.kind == HEAP_BUDDY ? buddy_check(&H.buddy) : list_heap_check(&H.list);
}

static void *alloc_ok(size_t size, const char *what)
{
    void *p = allocator_alloc(&H.a, size);
    if (p == NULL)
        fail_msg("%s: %s alloc(%zu): expected a block, got NULL (%s)", what, kind_name(), size,
                 alloc_strerror(allocator_last_error(&H.a)));
    return p;
}

static void free_ok(void *p, const char *what)
{
    EXPECT_ERR(describe("%s: %s free(%p)", what, kind_name(), p), allocator_free(&H.a, p),
               ALLOC_OK);
}

static void expect_stats_equal(const char *what, struct alloc_stats got, struct alloc_stats want)
{
    EXPECT_EQ(describe("%s: free bytes", what), got.free_bytes, want.free_bytes);
    EXPECT_EQ(describe("%s: free blocks", what), got.free_blocks, want.free_blocks);
    EXPECT_EQ(describe("%s: largest free block", what), got.largest_free, want.largest_free);
    EXPECT_EQ(describe("%s: blocks in use", what), got.used_blocks, want.used_blocks);
}

/* The buddy's free blocks per order must be exactly `want`. */
static void expect_orders(const char *when, const size_t *want)
{
    struct buddy_stats s = bstats();
    for (unsigned k = 0; k < BUDDY_ORDERS; k++)
        EXPECT_EQ(describe("free blocks of order %u (%zu B) %s", k, BUDDY_BLOCK_BYTES(k), when),
                  s.free_per_order[k], want[k]);
    EXPECT_ERR(describe("buddy_check %s", when), buddy_check(&H.buddy), ALLOC_OK);
}

/* ---- Shared tests: both heaps, through struct allocator ----------------- */

static void test_size_zero_gives_null(void **state)
{
    (void)state;
    struct alloc_stats before = stats();
    EXPECT_NULL("alloc(0)", allocator_alloc(&H.a, 0));
    EXPECT_ERR("last error after alloc(0)", allocator_last_error(&H.a), ALLOC_OK);
    EXPECT_NULL("calloc(0, 8)", allocator_calloc(&H.a, 0, 8));
    EXPECT_NULL("calloc(8, 0)", allocator_calloc(&H.a, 8, 0));
    EXPECT_ERR("free(NULL)", allocator_free(&H.a, NULL), ALLOC_OK);
    expect_stats_equal("after size-0 calls", stats(), before);
}

static void test_too_large_gives_null(void **state)
{
    (void)state;
    struct alloc_stats before = stats();
    EXPECT_NULL("alloc(region + 1)", allocator_alloc(&H.a, H.size + 1));
    EXPECT_ERR("last error after alloc(region + 1)", allocator_last_error(&H.a),
               ALLOC_ERR_TOO_LARGE);
    EXPECT_NULL("alloc(SIZE_MAX)", allocator_alloc(&H.a, SIZE_MAX));
    EXPECT_ERR("last error after alloc(SIZE_MAX)", allocator_last_error(&H.a), ALLOC_ERR_TOO_LARGE);
    EXPECT_NULL("realloc(NULL, SIZE_MAX)", allocator_realloc(&H.a, NULL, SIZE_MAX));
    expect_stats_equal("after requests that are too large", stats(), before);
}

static void test_calloc_zeroes_and_catches_overflow(void **state)
{
    (void)state;
    uint8_t *p = alloc_ok(1000, "dirty block");
    memset(p, 0xAB, 1000);
    free_ok(p, "dirty block");
    uint8_t *q = allocator_calloc(&H.a, 10, 100);
    EXPECT_TRUE("calloc(10, 100) gives a block", q != NULL);
    for (size_t i = 0; i < 1000; i++)
        EXPECT_EQ(describe("calloc(10, 100) byte %zu", i), q[i], 0);
    free_ok(q, "calloc block");

    EXPECT_NULL("calloc(SIZE_MAX / 2, 3)", allocator_calloc(&H.a, SIZE_MAX / 2, 3));
    EXPECT_ERR("last error after calloc overflow", allocator_last_error(&H.a), ALLOC_ERR_TOO_LARGE);
    EXPECT_NULL("calloc(2^32, 2^32)", allocator_calloc(&H.a, (size_t)1 << 32, (size_t)1 << 32));
}

static void test_blocks_aligned_and_usable(void **state)
{
    (void)state;
    struct alloc_stats initial = stats();
    void *blocks[64];
    for (size_t i = 0; i < 64; i++) {
        size_t size = 1 + i * 37;
        blocks[i] = alloc_ok(size, "aligned block");
        uintptr_t a = (uintptr_t)blocks[i];
        size_t usable = allocator_block_size(&H.a, blocks[i]);
        EXPECT_EQ(describe("alloc(%zu) address modulo 16", size), a % 16, 0);
        EXPECT_TRUE(describe("alloc(%zu): block_size %zu covers the request", size, usable),
                    usable >= size);
        EXPECT_TRUE(describe("alloc(%zu) lies inside the region", size),
                    a >= H.base && a + usable <= H.base + H.size);
        memset(blocks[i], (int)i, usable); /* the whole usable size is ours to write */
    }
    for (size_t i = 0; i < 64; i++)
        free_ok(blocks[i], "aligned block");
    expect_stats_equal("after freeing every block", stats(), initial);
}

static void test_bad_frees_are_reported_and_change_nothing(void **state)
{
    (void)state;
    uint8_t *p = alloc_ok(100, "p");
    uint8_t *q = alloc_ok(100, "q");
    int on_stack;
    char before[4096];
    snprintf(before, sizeof(before), "%s", picture());
    struct {
        const char *what;
        void *ptr;
        int want;
    } cases[] = {
        {"free(p + 32)", p + 32, ALLOC_ERR_MIDDLE},
        {"free(p + 1)", p + 1, ALLOC_ERR_MIDDLE},
        {"free(a stack address)", &on_stack, ALLOC_ERR_NOT_OURS},
        {"free(region end)", (void *)(H.base + H.size), ALLOC_ERR_NOT_OURS},
        {"free(region base - 16)", (void *)(H.base - 16), ALLOC_ERR_NOT_OURS},
        {"free(last byte of the region)", (void *)(H.base + H.size - 1), ALLOC_ERR_NOT_OURS},
        {"free(the last 64 bytes of the region, free memory)", (void *)(H.base + H.size - 64),
         ALLOC_ERR_DOUBLE_FREE},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        EXPECT_ERR(cases[i].what, allocator_free(&H.a, cases[i].ptr), cases[i].want);
        EXPECT_EQ(describe("block_size of %s's pointer", cases[i].what),
                  allocator_block_size(&H.a, cases[i].ptr), 0);
        EXPECT_STR(describe("the picture after %s", cases[i].what), picture(), before);
    }
    free_ok(p, "p");
    EXPECT_ERR("free(p) a second time", allocator_free(&H.a, p), ALLOC_ERR_DOUBLE_FREE);
    EXPECT_ERR("free(p + 1) once p is free", allocator_free(&H.a, p + 1), ALLOC_ERR_NOT_OURS);
    EXPECT_ERR("free(p + 32) once p is free", allocator_free(&H.a, p + 32), ALLOC_ERR_DOUBLE_FREE);
    free_ok(q, "q");
    EXPECT_ERR("free(q) a second time, after merging", allocator_free(&H.a, q),
               ALLOC_ERR_DOUBLE_FREE);
    EXPECT_ERR("the consistency check", heap_check(), ALLOC_OK);
}

static void test_exhaustion_and_recovery(void **state)
{
    (void)state;
    struct alloc_stats initial = stats();
    const char *initial_picture = picture();
    static void *blocks[512];
    char initial_picture_copy[4096];
    snprintf(initial_picture_copy, sizeof(initial_picture_copy), "%s", initial_picture);
    initial_picture = initial_picture_copy;
    size_t n = 0;
    while (n < 512 && (blocks[n] = allocator_alloc(&H.a, 4096)) != NULL)
        n++;
    EXPECT_ERR("last error once the heap is full", allocator_last_error(&H.a), ALLOC_ERR_NO_MEMORY);
    /* buddy: 1 MiB / 4 KiB; list: 1 MiB / (4 KiB + a 32-byte header) */
    EXPECT_EQ("4 KiB blocks that fit in 1 MiB", n, H.kind == HEAP_BUDDY ? 256 : 254);
    EXPECT_EQ("blocks in use when full", stats().used_blocks, n);
    for (size_t i = 0; i < n; i++)
        free_ok(blocks[n - 1 - i], "4 KiB block");
    expect_stats_equal("after freeing a full heap", stats(), initial);
    EXPECT_STR("the picture after freeing a full heap", picture(), initial_picture);
    free_ok(alloc_ok(4096, "after recovery"), "after recovery");
}

static void test_realloc_keeps_contents(void **state)
{
    (void)state;
    struct alloc_stats initial = stats();
    uint8_t *p = allocator_realloc(&H.a, NULL, 100);
    EXPECT_TRUE("realloc(NULL, 100) allocates", p != NULL);
    for (int i = 0; i < 100; i++)
        p[i] = (uint8_t)i;
    uint8_t *blocker = alloc_ok(16, "a block after p, so p cannot stay put");

    uint8_t *q = allocator_realloc(&H.a, p, 5000);
    EXPECT_TRUE("realloc(p, 5000) gives a block", q != NULL);
    for (int i = 0; i < 100; i++)
        EXPECT_EQ(describe("byte %d after growing", i), q[i], i);
    EXPECT_TRUE("block_size after growing", allocator_block_size(&H.a, q) >= 5000);

    uint8_t *r = allocator_realloc(&H.a, q, 50);
    EXPECT_PTR("realloc(q, 50) shrinks in place", r, q);
    for (int i = 0; i < 50; i++)
        EXPECT_EQ(describe("byte %d after shrinking", i), r[i], i);

    EXPECT_NULL("realloc(r + 16, 10)", allocator_realloc(&H.a, r + 16, 10));
    EXPECT_ERR("last error after realloc of a middle pointer", allocator_last_error(&H.a),
               ALLOC_ERR_MIDDLE);
    EXPECT_NULL("realloc(r, region + 1)", allocator_realloc(&H.a, r, H.size + 1));
    EXPECT_ERR("last error after realloc too large", allocator_last_error(&H.a),
               ALLOC_ERR_TOO_LARGE);
    EXPECT_EQ("byte 49 after the failed reallocs", r[49], 49);

    EXPECT_NULL("realloc(r, 0)", allocator_realloc(&H.a, r, 0));
    EXPECT_ERR("last error after realloc(r, 0)", allocator_last_error(&H.a), ALLOC_OK);
    EXPECT_ERR("free(r) after realloc(r, 0) freed it", allocator_free(&H.a, r),
               ALLOC_ERR_DOUBLE_FREE);
    free_ok(blocker, "blocker");
    expect_stats_equal("after realloc(r, 0)", stats(), initial);
}

static void test_stats_add_up(void **state)
{
    (void)state;
    struct alloc_stats s = stats();
    EXPECT_EQ("total bytes", s.total_bytes, H.size);
    EXPECT_EQ("free bytes right after init", s.free_bytes, H.size);
    EXPECT_EQ("fragmentation right after init", s.fragmentation, 0);
    void *p[6];
    for (int i = 0; i < 6; i++)
        p[i] = alloc_ok(3000, "stats block");
    free_ok(p[1], "stats block 1");
    free_ok(p[3], "stats block 3");
    s = stats();
    EXPECT_EQ("used + free bytes", s.used_bytes + s.free_bytes, s.total_bytes);
    EXPECT_EQ("blocks in use", s.used_blocks, 4);
    EXPECT_EQ("free blocks", s.free_blocks, H.kind == HEAP_BUDDY ? bstats().free_blocks : 3);
    EXPECT_EQ("fragmentation", s.fragmentation,
              1000 - (unsigned)((uint64_t)s.largest_free * 1000 / s.free_bytes));
    EXPECT_TRUE("some fragmentation with holes", s.fragmentation > 0);
    EXPECT_EQ("metadata bytes", s.metadata_bytes, H.kind == HEAP_BUDDY ? H.meta_size : 0);
}

static void test_picture_truncates_like_snprintf(void **state)
{
    (void)state;
    alloc_ok(100, "picture block");
    char full[4096], small[20];
    size_t n = allocator_picture(&H.a, full, sizeof(full));
    EXPECT_EQ("picture length", strlen(full), n);
    EXPECT_EQ("picture length with no buffer", allocator_picture(&H.a, NULL, 0), n);
    memset(small, 'x', sizeof(small));
    EXPECT_EQ("picture length into a small buffer", allocator_picture(&H.a, small, sizeof(small)),
              n);
    EXPECT_EQ("small picture length", strlen(small), sizeof(small) - 1);
    EXPECT_TRUE("the small picture is the start of the full one",
                strncmp(small, full, sizeof(small) - 1) == 0);
}

/* ---- The random model: many operations checked against what must hold --- */

#define MODEL_OPS 100000
#define MODEL_SLOTS 256

struct model_block {
    uint8_t *p;
    size_t size;  /* requested */
    size_t block; /* block_size */
    uint32_t tag; /* unique per allocation: owner-map entry and fill pattern */
};

static struct model {
    struct model_block live[MODEL_SLOTS];
    size_t nlive;
    uint32_t *owner; /* per 16 bytes of the region: tag of the block holding it, 0 if none */
    uint32_t next_tag;
    uint64_t rng;
    size_t failures, corrupt;
    size_t successes; /* allocations that returned a block */
    bool tolerate_corrupt; /* the scribble test: CORRUPT is an acceptable answer */
} M;

static uint64_t rnd(void)
{
    M.rng ^= M.rng >> 12; /* xorshift64* */
    M.rng ^= M.rng << 25;
    M.rng ^= M.rng >> 27;
    return M.rng * 0x2545F4914F6CDD1DULL;
}

/* Mostly small, sometimes large: 60% up to 128 B, 30% to 2 KiB, 10% to 64 KiB. */
static size_t model_size(void)
{
    uint64_t r = rnd() % 100;
    size_t max = r < 60 ? 128 : r < 90 ? 2048 : 64 * KiB;
    return 1 + rnd() % max;
}

static uint8_t pattern(uint32_t tag, size_t i)
{
    return (uint8_t)(tag * 131u + i * 7u + (i >> 8));
}

static void model_open(uint64_t seed)
{
    memset(&M.live, 0, sizeof(M.live));
    M.nlive = 0;
    M.next_tag = 1;
    M.rng = seed;
    M.failures = M.corrupt = M.successes = 0;
    free(M.owner);
    M.owner = calloc(H.size / 16 + 1, sizeof(uint32_t));
}

static void model_close(void)
{
    free(M.owner);
    M.owner = NULL;
}

/* Give the bytes of m's block to m in the owner map; none may be taken. */
static void model_claim(const struct model_block *m)
{
    uintptr_t a = (uintptr_t)m->p;
    EXPECT_TRUE(
        describe("%s block %p (%zu B) inside the region", kind_name(), (void *)m->p, m->block),
        a >= H.base && a - H.base <= H.size && m->block <= H.base + H.size - a);
    EXPECT_EQ(describe("%s block %p address modulo 16", kind_name(), (void *)m->p), a % 16, 0);
    if (H.kind == HEAP_BUDDY)
        EXPECT_EQ(describe("buddy block %p modulo its size %zu", (void *)m->p, m->block),
                  a & (m->block - 1), 0);
    for (size_t g = (a - H.base) / 16; g < (a - H.base + m->block) / 16; g++) {
        if (M.owner[g] != 0)
            fail_msg("%s: new block %p (%zu B, tag %u): expected free bytes at %p, got bytes of "
                     "block tag %u",
                     kind_name(), (void *)m->p, m->block, m->tag, (void *)(H.base + g * 16),
                     M.owner[g]);
        M.owner[g] = m->tag;
    }
}

static void model_release(const struct model_block *m)
{
    uintptr_t a = (uintptr_t)m->p;
    for (size_t g = (a - H.base) / 16; g < (a - H.base + m->block) / 16; g++)
        M.owner[g] = 0;
}

static void model_fill(struct model_block *m)
{
    for (size_t i = 0; i < m->size; i++)
        m->p[i] = pattern(m->tag, i);
    ASAN_POISON_MEMORY_REGION(m->p, m->block); /* the allocator must not touch it now */
}

/* Unpoison m and check its first n bytes still hold its pattern. */
static void model_verify(const struct model_block *m, size_t n, const char *when)
{
    ASAN_UNPOISON_MEMORY_REGION(m->p, m->block);
    for (size_t i = 0; i < n; i++)
        if (m->p[i] != pattern(m->tag, i))
            fail_msg("%s: block %p (tag %u) byte %zu %s: expected %#x, got %#x", kind_name(),
                     (void *)m->p, m->tag, i, when, pattern(m->tag, i), m->p[i]);
}

/* A NULL from the heap must be for a reason the model accepts. */
static void model_null(const char *what)
{
    int err = allocator_last_error(&H.a);
    if (err == ALLOC_ERR_CORRUPT && M.tolerate_corrupt) {
        M.corrupt++;
        return;
    }
    EXPECT_ERR(describe("%s %s returned NULL, with last error", kind_name(), what), err,
               ALLOC_ERR_NO_MEMORY);
    M.failures++;
}

static void model_alloc(void)
{
    struct model_block m = {.size = model_size(), .tag = M.next_tag++};
    bool zeroed = rnd() % 8 == 0;
    m.p = zeroed ? allocator_calloc(&H.a, 1, m.size) : allocator_alloc(&H.a, m.size);
    if (m.p == NULL) {
        model_null(describe("alloc(%zu)", m.size));
        return;
    }
    m.block = allocator_block_size(&H.a, m.p);
    EXPECT_TRUE(describe("%s block_size %zu of a new block holds the %zu requested", kind_name(),
                         m.block, m.size),
                m.block >= m.size);
    for (size_t i = 0; zeroed && i < m.size; i++)
        EXPECT_EQ(describe("%s calloc(1, %zu) byte %zu", kind_name(), m.size, i), m.p[i], 0);
    model_claim(&m);
    model_fill(&m);
    M.live[M.nlive++] = m;
    M.successes++;
}

/* Forget live block i (swap in the last one). */
static void model_drop(size_t i)
{
    model_release(&M.live[i]);
    M.live[i] = M.live[--M.nlive];
}

static void model_free(void)
{
    size_t i = rnd() % M.nlive;
    struct model_block *m = &M.live[i];
    model_verify(m, m->size, "before free");
    int err = allocator_free(&H.a, m->p);
    if (err == ALLOC_ERR_CORRUPT && M.tolerate_corrupt) {
        M.corrupt++; /* freed but not merged: it must no longer count as in use */
        EXPECT_EQ("buddy_block_size of a block freed with CORRUPT",
                  allocator_block_size(&H.a, m->p), 0);
    } else {
        EXPECT_ERR(describe("%s free of live block %p (tag %u)", kind_name(), (void *)m->p, m->tag),
                   err, ALLOC_OK);
    }
    model_drop(i);
}

static void model_realloc(void)
{
    size_t i = rnd() % M.nlive;
    struct model_block old = M.live[i];
    size_t size = model_size();
    model_verify(&old, old.size, "before realloc");
    uint8_t *p = allocator_realloc(&H.a, old.p, size);
    if (p == NULL) {
        model_null(describe("realloc(%p, %zu)", (void *)old.p, size));
        model_verify(&old, old.size, "after a failed realloc");
        ASAN_POISON_MEMORY_REGION(old.p, old.block);
        return;
    }
    struct model_block m = {.p = p, .size = size, .tag = old.tag};
    m.block = allocator_block_size(&H.a, p);
    model_verify(&m, size < old.size ? size : old.size, "after realloc");
    model_drop(i);
    m.tag = M.next_tag++;
    model_claim(&m);
    model_fill(&m);
    M.live[M.nlive++] = m;
}

static void model_step(void)
{
    uint64_t r = rnd() % 100;
    if (M.nlive < MODEL_SLOTS && (M.nlive == 0 || r < 45))
        model_alloc();
    else if (r < 88)
        model_free();
    else
        model_realloc();
}

static void model_free_all(void)
{
    while (M.nlive > 0)
        model_free();
}

static void test_random_operations_against_model(void **state)
{
    (void)state;
    struct alloc_stats initial = stats();
    char initial_picture[4096];
    snprintf(initial_picture, sizeof(initial_picture), "%s", picture());
    model_open(0x9E3779B97F4A7C15ULL);
    for (size_t op = 0; op < MODEL_OPS; op++) {
        model_step();
        if (op % 1000 == 0) {
            struct alloc_stats s = stats();
            EXPECT_ERR(describe("consistency check after %zu operations", op), heap_check(),
                       ALLOC_OK);
            EXPECT_EQ(describe("blocks in use after %zu operations", op), s.used_blocks, M.nlive);
            EXPECT_EQ(describe("used + free after %zu operations", op), s.used_bytes + s.free_bytes,
                      s.total_bytes);
        }
    }
    EXPECT_TRUE("the run filled the heap at least once", M.failures > 0);
    /* An allocator that always says "no memory" must not pass. */
    EXPECT_TRUE(describe("most allocations succeed (%zu succeeded, %zu failed)", M.successes,
                         M.failures),
                M.successes > M.failures);
    model_free_all();
    EXPECT_ERR("consistency check after freeing everything", heap_check(), ALLOC_OK);
    expect_stats_equal("after freeing everything", stats(), initial);
    EXPECT_STR("the picture after freeing everything", picture(), initial_picture);
    model_close();
}

/* ---- Buddy: splitting and merging, exactly ------------------------------- */

static void test_buddy_split_and_coalesce_exact(void **state)
{
    (void)state;
    heap_open(HEAP_BUDDY, 1 * KiB, 1 * KiB, 0); /* one order-5 block */
    expect_orders("right after init", (size_t[BUDDY_ORDERS]){[5] = 1});
    uint8_t *base = (uint8_t *)H.base;

    EXPECT_PTR("alloc(32)", alloc_ok(32, "a"), base);
    expect_orders("after alloc(32)", (size_t[BUDDY_ORDERS]){1, 1, 1, 1, 1});
    EXPECT_PTR("second alloc(32) takes its buddy", alloc_ok(20, "b"), base + 32);
    expect_orders("after a second alloc(32)", (size_t[BUDDY_ORDERS]){0, 1, 1, 1, 1});
    EXPECT_PTR("alloc(100) takes the free 128", alloc_ok(100, "c"), base + 128);
    EXPECT_PTR("alloc(64)", alloc_ok(64, "d"), base + 64);
    expect_orders("after alloc(100) and alloc(64)", (size_t[BUDDY_ORDERS]){0, 0, 0, 1, 1});

    free_ok(base + 32, "b");
    expect_orders("after freeing b (its buddy a is in use)", (size_t[BUDDY_ORDERS]){1, 0, 0, 1, 1});
    free_ok(base, "a");
    expect_orders("after freeing a: a+b merge to 64, whose buddy d is in use",
                  (size_t[BUDDY_ORDERS]){0, 1, 0, 1, 1});
    free_ok(base + 64, "d");
    expect_orders("after freeing d: a 128 whose buddy c is in use",
                  (size_t[BUDDY_ORDERS]){0, 0, 1, 1, 1});
    free_ok(base + 128, "c");
    expect_orders("after freeing c: everything merges back", (size_t[BUDDY_ORDERS]){[5] = 1});
}

static void test_buddy_neighbours_that_are_not_buddies_stay_apart(void **state)
{
    (void)state;
    heap_open(HEAP_BUDDY, 1 * KiB, 1 * KiB, 0);
    uint8_t *q[4];
    for (int i = 0; i < 4; i++)
        q[i] = alloc_ok(256, "quarter");
    free_ok(q[1], "quarter 1");
    free_ok(q[2], "quarter 2");
    expect_orders("after freeing quarters 1 and 2 (neighbours, not buddies)",
                  (size_t[BUDDY_ORDERS]){[3] = 2});
    free_ok(q[0], "quarter 0");
    expect_orders("after freeing quarter 0 (merges with 1)",
                  (size_t[BUDDY_ORDERS]){[3] = 1, [4] = 1});
    free_ok(q[3], "quarter 3");
    expect_orders("after freeing quarter 3 (all merge)", (size_t[BUDDY_ORDERS]){[5] = 1});
}

static void test_buddy_region_not_a_power_of_two(void **state)
{
    (void)state;
    size_t size = 1 * MiB + 96 * KiB + 96; /* 1 MiB + 64 KiB + 32 KiB + 64 B + 32 B */
    heap_open(HEAP_BUDDY, size, 1 * MiB, 0);
    expect_orders("right after init",
                  (size_t[BUDDY_ORDERS]){[0] = 1, [1] = 1, [10] = 1, [11] = 1, [15] = 1});
    EXPECT_EQ("top order", bstats().top_order, 15);

    /* Every 32 bytes can be handed out, the tail included. */
    size_t n = 0, tail = 0;
    void *p;
    while ((p = allocator_alloc(&H.a, 32)) != NULL) {
        n++;
        tail += (uintptr_t)p >= H.base + 1 * MiB;
        ASAN_POISON_MEMORY_REGION(p, 32);
    }
    EXPECT_EQ("32-byte blocks handed out", n, size / 32);
    EXPECT_EQ("of them beyond the first MiB", tail, (size - 1 * MiB) / 32);
    EXPECT_EQ("free bytes when full", bstats().free_bytes, 0);
    ASAN_UNPOISON_MEMORY_REGION(H.mem, H.mem_size);
    for (uintptr_t a = H.base; a < H.base + size; a += 32)
        free_ok((void *)a, "32-byte block");
    expect_orders("after freeing every block",
                  (size_t[BUDDY_ORDERS]){[0] = 1, [1] = 1, [10] = 1, [11] = 1, [15] = 1});
}

static void test_buddy_unaligned_base(void **state)
{
    (void)state;
    /* [4 KiB-boundary + 160, + 4256): 32 64 256 512 1K 2K | 128 32 */
    heap_open(HEAP_BUDDY, 4 * KiB, 4 * KiB, 160);
    expect_orders(
        "right after init",
        (size_t[BUDDY_ORDERS]){[0] = 2, [1] = 1, [2] = 1, [3] = 1, [4] = 1, [5] = 1, [6] = 1});
    uintptr_t slot = H.base - 160;
    EXPECT_PTR("alloc(2048) takes the aligned 2 KiB", alloc_ok(2048, "2K"), (void *)(slot + 2048));
    EXPECT_PTR("alloc(128) takes the 128 past the slot", alloc_ok(128, "128"),
               (void *)(slot + 4096));
    EXPECT_NULL("alloc(4096): no 4 KiB block exists", allocator_alloc(&H.a, 4096));
    EXPECT_ERR("last error after alloc(4096)", allocator_last_error(&H.a), ALLOC_ERR_NO_MEMORY);
    EXPECT_PTR("alloc(40) takes the only 64", alloc_ok(40, "64"), (void *)(slot + 192));
    EXPECT_PTR("alloc(1) takes the first 32", alloc_ok(1, "32"), (void *)(slot + 160));
}

static void test_buddy_every_block_aligned_to_its_size(void **state)
{
    (void)state;
    heap_open(HEAP_BUDDY, 200 * KiB + 32 * 7, 64, 32); /* deliberately awkward */
    M.rng = 12345;
    int handed_out = 0;
    for (int i = 0; i < 2000; i++) {
        size_t size = 1 + rnd() % 9000;
        uintptr_t a = (uintptr_t)allocator_alloc(&H.a, size);
        if (a == 0)
            break;
        handed_out++;
        size_t block = allocator_block_size(&H.a, (void *)a);
        EXPECT_EQ(describe("block %#lx of %zu B: address modulo its size", (unsigned long)a, block),
                  a & (block - 1), 0);
    }
    /* 200 KiB hold at least 20 blocks of up to 9000 B (16 KiB each at most). */
    EXPECT_TRUE(describe("the heap handed out at least 10 blocks before filling up (got %d)",
                         handed_out),
                handed_out >= 10);
    EXPECT_ERR("buddy_check", buddy_check(&H.buddy), ALLOC_OK);
}

static void test_buddy_metadata_within_two_bits_per_block(void **state)
{
    (void)state;
    const uintptr_t base = 1 * GiB; /* only addresses: nothing is written */
    const size_t offsets[] = {0, 32, 96, 4064, 65536 - 32};
    const size_t sizes[] = {32, 64, 96, 4096, 4096 + 32, 100000 & ~31u, 1 * MiB, 3 * MiB + 992};
    for (size_t i = 0; i < sizeof(offsets) / sizeof(offsets[0]); i++) {
        for (size_t j = 0; j < sizeof(sizes) / sizeof(sizes[0]); j++) {
            size_t n = sizes[j] / 32, bytes = buddy_metadata_size(base + offsets[i], sizes[j]);
            EXPECT_TRUE(describe("metadata for %zu blocks at offset %zu: %zu bytes <= ceil((2N - "
                                 "1) / 8)",
                                 n, offsets[i], bytes),
                        bytes > 0 && bytes <= (2 * n - 1 + 7) / 8);
        }
    }
    /* An aligned power of two costs exactly 2N - 1 bits. */
    EXPECT_EQ("metadata for 1 MiB aligned", buddy_metadata_size(base, 1 * MiB),
              (2 * (1 * MiB / 32) - 1 + 7) / 8);
    EXPECT_EQ("metadata for 1 KiB aligned", buddy_metadata_size(base, 1 * KiB),
              (2 * 32 - 1 + 7) / 8);
    EXPECT_EQ("metadata for one 32-byte block", buddy_metadata_size(base, 32), 1);
}

static void test_buddy_init_errors(void **state)
{
    (void)state;
    static uint8_t region[4096] __attribute__((aligned(4096)));
    static uint8_t meta[64];
    struct buddy b;
    uintptr_t base = (uintptr_t)region;
    EXPECT_ERR("init with NULL buddy", buddy_init(NULL, base, 4096, meta, 64),
               ALLOC_ERR_BAD_ARGUMENT);
    EXPECT_ERR("init with NULL metadata", buddy_init(&b, base, 4096, NULL, 64),
               ALLOC_ERR_BAD_ARGUMENT);
    EXPECT_ERR("init at address 0", buddy_init(&b, 0, 4096, meta, 64), ALLOC_ERR_BAD_ARGUMENT);
    EXPECT_ERR("init with base + 16", buddy_init(&b, base + 16, 2048, meta, 64),
               ALLOC_ERR_BAD_ARGUMENT);
    EXPECT_ERR("init with size 4080", buddy_init(&b, base, 4080, meta, 64), ALLOC_ERR_BAD_ARGUMENT);
    EXPECT_ERR("init with size 0", buddy_init(&b, base, 0, meta, 64), ALLOC_ERR_TOO_SMALL);
    EXPECT_ERR("init wrapping round the address space",
               buddy_init(&b, UINTPTR_MAX & ~(uintptr_t)31, 64, meta, 64), ALLOC_ERR_BAD_ARGUMENT);
    size_t need = buddy_metadata_size(base, 4096);
    EXPECT_EQ("metadata for 4 KiB", need, (2 * 128 - 1 + 7) / 8);
    EXPECT_ERR("init with one byte of metadata too few", buddy_init(&b, base, 4096, meta, need - 1),
               ALLOC_ERR_METADATA);
    EXPECT_EQ("metadata size of a misaligned region", buddy_metadata_size(base + 8, 4096), 0);
    EXPECT_ERR("init with exactly enough metadata", buddy_init(&b, base, 4096, meta, need),
               ALLOC_OK);
}

static void test_buddy_free_errors_exact(void **state)
{
    (void)state;
    heap_open(HEAP_BUDDY, 4 * KiB, 4 * KiB, 0);
    uint8_t *p = alloc_ok(128, "p"), *q = alloc_ok(128, "q");
    EXPECT_PTR("q follows p", q, p + 128);
    EXPECT_ERR("free(p + 32)", buddy_free(&H.buddy, p + 32), ALLOC_ERR_MIDDLE);
    EXPECT_ERR("free(p + 127)", buddy_free(&H.buddy, p + 127), ALLOC_ERR_MIDDLE);
    EXPECT_ERR("free(p + 256): free memory on a 32-byte boundary", buddy_free(&H.buddy, p + 256),
               ALLOC_ERR_DOUBLE_FREE);
    EXPECT_ERR("free(p + 257): free memory off any boundary", buddy_free(&H.buddy, p + 257),
               ALLOC_ERR_NOT_OURS);
    EXPECT_EQ("block_size(p)", buddy_block_size(&H.buddy, p), 128);
    EXPECT_EQ("block_size(p + 32)", buddy_block_size(&H.buddy, p + 32), 0);
    EXPECT_TRUE("contains(p + 4095)", buddy_contains(&H.buddy, p + 4095));
    EXPECT_TRUE("does not contain p + 4096", !buddy_contains(&H.buddy, p + 4096));
    EXPECT_TRUE("does not contain p - 1", !buddy_contains(&H.buddy, p - 1));
    EXPECT_ERR("free(p)", buddy_free(&H.buddy, p), ALLOC_OK);
    EXPECT_ERR("free(p) again", buddy_free(&H.buddy, p), ALLOC_ERR_DOUBLE_FREE);
    EXPECT_ERR("free(q)", buddy_free(&H.buddy, q), ALLOC_OK);
    EXPECT_ERR("free(q) again, now inside a merged block", buddy_free(&H.buddy, q),
               ALLOC_ERR_DOUBLE_FREE);
    EXPECT_STR("buddy_strerror(ALLOC_ERR_MIDDLE)", buddy_strerror(ALLOC_ERR_MIDDLE),
               "pointer into the middle of a block");
    expect_orders("after the bad frees", (size_t[BUDDY_ORDERS]){[7] = 1});
}

static void test_buddy_realloc_shrinks_in_place(void **state)
{
    (void)state;
    heap_open(HEAP_BUDDY, 4 * KiB, 4 * KiB, 0);
    uint8_t *p = alloc_ok(1000, "p");
    expect_orders("after alloc(1000)", (size_t[BUDDY_ORDERS]){[5] = 1, [6] = 1});
    EXPECT_PTR("realloc(p, 100)", buddy_realloc(&H.buddy, p, 100), p);
    EXPECT_EQ("block_size after shrinking", buddy_block_size(&H.buddy, p), 128);
    expect_orders("after shrinking to 128: 128, 256 and 512 come back",
                  (size_t[BUDDY_ORDERS]){[2] = 1, [3] = 1, [4] = 1, [5] = 1, [6] = 1});
    EXPECT_PTR("realloc(p, 128) stays put", buddy_realloc(&H.buddy, p, 128), p);
    free_ok(p, "p");
    expect_orders("after freeing p", (size_t[BUDDY_ORDERS]){[7] = 1});
}

static void test_buddy_realloc_grows_in_place(void **state)
{
    (void)state;
    heap_open(HEAP_BUDDY, 4 * KiB, 4 * KiB, 0);
    uint8_t *p = alloc_ok(100, "p");
    for (int i = 0; i < 100; i++)
        p[i] = (uint8_t)i;
    EXPECT_PTR("realloc(p, 200): the free buddy of 128 B joins it", buddy_realloc(&H.buddy, p, 200),
               p);
    EXPECT_EQ("block_size after growing to 256", buddy_block_size(&H.buddy, p), 256);
    expect_orders("after growing to 256",
                  (size_t[BUDDY_ORDERS]){[3] = 1, [4] = 1, [5] = 1, [6] = 1});
    EXPECT_PTR("realloc(p, 2000): three buddies join it", buddy_realloc(&H.buddy, p, 2000), p);
    EXPECT_EQ("block_size after growing to 2 KiB", buddy_block_size(&H.buddy, p), 2048);
    expect_orders("after growing to 2 KiB", (size_t[BUDDY_ORDERS]){[6] = 1});
    for (int i = 0; i < 100; i++)
        EXPECT_EQ(describe("byte %d after growing in place", i), p[i], i);
    /* A block in use above p: p cannot grow past it, so it moves. */
    uint8_t *q = alloc_ok(2048, "q");
    EXPECT_PTR("q is the upper half", q, p + 2048);
    EXPECT_PTR("realloc(p, 2049) cannot grow or move: no room", buddy_realloc(&H.buddy, p, 2049),
               NULL);
    EXPECT_ERR("last error", buddy_last_error(&H.buddy), ALLOC_ERR_NO_MEMORY);
    free_ok(q, "q");
    /* An upper half that is free but split does not join: the block moves. */
    EXPECT_PTR("realloc(p, 100) shrinks", buddy_realloc(&H.buddy, p, 100), p);
    uint8_t *r = alloc_ok(32, "r");
    EXPECT_PTR("r sits in p's buddy", r, p + 128);
    uint8_t *moved = buddy_realloc(&H.buddy, p, 200);
    EXPECT_TRUE("realloc(p, 200) with r in p's buddy moves", moved != NULL && moved != p);
    for (int i = 0; i < 100; i++)
        EXPECT_EQ(describe("byte %d after moving", i), moved[i], i);
    free_ok(moved, "moved");
    free_ok(r, "r");
    expect_orders("after freeing everything", (size_t[BUDDY_ORDERS]){[7] = 1});
}

/* The order of a block in use is read from its record in O(1); pointers into
 * the block, which may land on the record's bits, are still middle pointers. */
static void test_buddy_order_records_and_middle_pointers(void **state)
{
    (void)state;
    heap_open(HEAP_BUDDY, 1 * MiB, 1 * MiB, 0);
    uint8_t *p[15];
    for (unsigned k = 0; k < 15; k++)
        p[k] = alloc_ok(BUDDY_BLOCK_BYTES(k), "a block of each order");
    for (unsigned k = 0; k < 15; k++) {
        size_t bytes = BUDDY_BLOCK_BYTES(k);
        EXPECT_EQ(describe("block_size of the order-%u block", k), buddy_block_size(&H.buddy, p[k]),
                  bytes);
        for (size_t off = 32; off < bytes && off <= 32 * 40; off += 32) {
            EXPECT_ERR(describe("free(p + %zu) of an order-%u block", off, k),
                       buddy_free(&H.buddy, p[k] + off), ALLOC_ERR_MIDDLE);
            EXPECT_EQ(describe("block_size(p + %zu) of an order-%u block", off, k),
                      buddy_block_size(&H.buddy, p[k] + off), 0);
        }
    }
    EXPECT_ERR("buddy_check with a block of every order in use", buddy_check(&H.buddy), ALLOC_OK);
    for (unsigned k = 0; k < 15; k++) {
        free_ok(p[k], "the block of each order");
        EXPECT_ERR(describe("free again of the order-%u block", k), buddy_free(&H.buddy, p[k]),
                   ALLOC_ERR_DOUBLE_FREE);
    }
    expect_orders("after freeing every order", (size_t[BUDDY_ORDERS]){[15] = 1});
}

static void test_buddy_stats_and_fragmentation(void **state)
{
    (void)state;
    heap_open(HEAP_BUDDY, 1 * KiB, 1 * KiB, 0);
    void *q[4];
    for (int i = 0; i < 4; i++)
        q[i] = alloc_ok(200, "quarter");
    free_ok(q[0], "quarter 0");
    free_ok(q[2], "quarter 2");
    struct buddy_stats s = bstats();
    EXPECT_EQ("free bytes", s.free_bytes, 512);
    EXPECT_EQ("allocated bytes", s.allocated_bytes, 512);
    EXPECT_EQ("allocated blocks", s.allocated_blocks, 2);
    EXPECT_EQ("largest free block", s.largest_free, 256);
    EXPECT_EQ("free bytes of order 3", s.free_bytes_per_order[3], 512);
    EXPECT_EQ("fragmentation: 1000 - 1000 * 256 / 512", s.fragmentation, 500);
    EXPECT_EQ("metadata bytes", s.metadata_bytes, 8);
}

static void test_buddy_picture_exact(void **state)
{
    (void)state;
    heap_open(HEAP_BUDDY, 1 * KiB, 1 * KiB, 0);
    alloc_ok(32, "a");
    alloc_ok(100, "c");
    char want[512];
    snprintf(want, sizeof(want),
             "buddy heap %#lx-%#lx, 1024 bytes in slots of 1 KiB (order 5), 8 B of metadata\n"
             "bar: 1 char = 32 B, # in use, . free, + both, blank outside; blocks: size, u in use, "
             "f free\n"
             "%#lx |#...####........................| 32u 32f 64f 128u 256f 512f\n",
             (unsigned long)H.base, (unsigned long)(H.base + 1024), (unsigned long)H.base);
    EXPECT_STR("picture of a 1 KiB heap", picture(), want);

    heap_open(HEAP_BUDDY, 8 * KiB, 8 * KiB, 3 * KiB); /* two slots of 8 KiB, partly outside */
    alloc_ok(3000, "4K");
    uintptr_t slot = H.base - 3 * KiB;
    snprintf(
        want, sizeof(want),
        "buddy heap %#lx-%#lx, 8192 bytes in slots of 8 KiB (order 8), 64 B of metadata\n"
        "bar: 1 char = 256 B, # in use, . free, + both, blank outside; blocks: size, u in use, "
        "f free\n"
        "%#lx |            ....################| 1Kf 4Ku\n"
        "%#lx |............                    | 2Kf 1Kf\n",
        (unsigned long)H.base, (unsigned long)(H.base + 8 * KiB), (unsigned long)slot,
        (unsigned long)(slot + 8 * KiB));
    EXPECT_STR("picture of an 8 KiB heap straddling two slots", picture(), want);
}

static void test_buddy_largest_block_is_1_gib(void **state)
{
    (void)state;
    heap_close();
    size_t size = 2 * GiB + 4 * KiB;
    H.mem_size = 4 * GiB;
    H.mem = mmap(NULL, H.mem_size, PROT_READ | PROT_WRITE,
                 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    EXPECT_TRUE("mmap of 4 GiB of address space", H.mem != MAP_FAILED);
    H.mapped = true;
    H.base = ((uintptr_t)H.mem + GiB - 1) & ~(uintptr_t)(GiB - 1);
    H.size = size;
    heap_start(HEAP_BUDDY);
    EXPECT_EQ("top order", bstats().top_order, BUDDY_MAX_ORDER);
    expect_orders("right after init", (size_t[BUDDY_ORDERS]){[7] = 1, [25] = 2});
    EXPECT_NULL("alloc(1 GiB + 1)", allocator_alloc(&H.a, GiB + 1));
    EXPECT_ERR("last error after alloc(1 GiB + 1)", allocator_last_error(&H.a),
               ALLOC_ERR_TOO_LARGE);
    void *a = alloc_ok(GiB, "first GiB"), *b = alloc_ok(GiB, "second GiB");
    EXPECT_EQ("first GiB block modulo 1 GiB", (uintptr_t)a % GiB, 0);
    EXPECT_EQ("second GiB block modulo 1 GiB", (uintptr_t)b % GiB, 0);
    EXPECT_NULL("a third alloc(1 GiB)", allocator_alloc(&H.a, GiB));
    EXPECT_ERR("last error after a third alloc(1 GiB)", allocator_last_error(&H.a),
               ALLOC_ERR_NO_MEMORY);
    free_ok(a, "first GiB");
    free_ok(b, "second GiB");
    expect_orders("after freeing both", (size_t[BUDDY_ORDERS]){[7] = 1, [25] = 2});
}

static void test_buddy_reserved_start_grows_block_by_block(void **state)
{
    (void)state;
    heap_open(HEAP_BUDDY, 1 * MiB, 1 * MiB, 0);
    char plain[4096];
    snprintf(plain, sizeof(plain), "%s", picture());

    /* Start again with everything reserved, as 16 blocks of 64 KiB (order 11),
     * and poison the region: like unmapped memory, it must not be touched. */
    ASAN_POISON_MEMORY_REGION(H.mem, H.mem_size);
    EXPECT_ERR("buddy_init_reserved, order 11",
               buddy_init_reserved(&H.buddy, H.base, H.size, H.meta, H.meta_size, 11), ALLOC_OK);
    struct buddy_stats s = bstats();
    EXPECT_EQ("free bytes after a reserved start", s.free_bytes, 0);
    EXPECT_EQ("blocks in use after a reserved start", s.allocated_blocks, 16);
    EXPECT_NULL("alloc(32) before anything is handed over", allocator_alloc(&H.a, 32));
    EXPECT_ERR("last error before anything is handed over", allocator_last_error(&H.a),
               ALLOC_ERR_NO_MEMORY);

    for (size_t i = 0; i < 16; i++) {
        uint8_t *chunk = (uint8_t *)H.base + (i * 7 % 16) * 64 * KiB; /* a shuffled order */
        ASAN_UNPOISON_MEMORY_REGION(chunk, 64 * KiB);
        free_ok(chunk, "a 64 KiB block handed over");
        EXPECT_ERR(describe("buddy_check after handing over %zu blocks", i + 1),
                   buddy_check(&H.buddy), ALLOC_OK);
        if (i == 3) { /* blocks 0, 7, 14 and 5: the heap works within them */
            uint8_t *p = alloc_ok(40000, "a block in the first memory handed over");
            memset(p, 1, 40000);
            free_ok(p, "that block");
        }
    }
    expect_orders("after handing over all 16 blocks", (size_t[BUDDY_ORDERS]){[15] = 1});
    EXPECT_STR("the picture after handing over everything", picture(), plain);

    EXPECT_ERR("buddy_init_reserved with a size not a multiple of 64 KiB",
               buddy_init_reserved(&H.buddy, H.base, H.size - 32, H.meta, H.meta_size, 11),
               ALLOC_ERR_BAD_ARGUMENT);
    EXPECT_ERR("buddy_init_reserved with an order above the top",
               buddy_init_reserved(&H.buddy, H.base, H.size, H.meta, H.meta_size, 16),
               ALLOC_ERR_BAD_ARGUMENT);
}

/* ---- Buddy: links in free memory are not trusted --------------------------- */

/*
 * A 4 KiB heap cut into 64-byte blocks, every other one freed: list 1 then
 * holds blocks 7, 5, 3, 1 (the last freed first), and each one's buddy is in
 * use, so nothing merges. The blocks in use are poisoned.
 */
static uintptr_t scribble_setup(void)
{
    heap_open(HEAP_BUDDY, 4 * KiB, 4 * KiB, 0);
    for (int i = 0; i < 64; i++)
        EXPECT_PTR("a 64-byte block", alloc_ok(64, "block"), (void *)(H.base + 64 * (size_t)i));
    for (int i = 1; i < 8; i += 2)
        free_ok((void *)(H.base + 64 * (size_t)i), "an odd block");
    for (int i = 0; i < 64; i++)
        if (i % 2 == 0 || i > 7)
            ASAN_POISON_MEMORY_REGION((void *)(H.base + 64 * (size_t)i), 64);
    EXPECT_EQ("the head of list 1", H.buddy.order[1].head, H.base + 7 * 64);
    return H.base;
}

static struct buddy_link *link_of(uintptr_t block)
{
    return (struct buddy_link *)block;
}

static void test_buddy_detects_bad_next_links(void **state)
{
    (void)state;
    int on_stack;
    struct {
        const char *what;
        uintptr_t off; /* from base, or an absolute value when abs is set */
        bool abs;
    } cases[] = {
        {"a stack address", (uintptr_t)&on_stack, true},
        {"an address below the region", (uintptr_t)-64, false},
        {"the end of the region", 4096, false},
        {"an address not on a 64-byte boundary", 5 * 64 + 32, false},
        {"a block in use", 0, false},
        {"the block itself", 7 * 64, false},
        {"a free block whose back link disagrees", 3 * 64, false},
        {"a random number", 0xDEADBEEFCAFEULL, true},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        uintptr_t base = scribble_setup();
        uintptr_t head = base + 7 * 64;
        link_of(head)->next = cases[i].abs ? cases[i].off : base + cases[i].off;
        EXPECT_NULL(describe("alloc(64) with the head's next link set to %s", cases[i].what),
                    buddy_alloc(&H.buddy, 64));
        EXPECT_ERR(describe("last error with the head's next link set to %s", cases[i].what),
                   buddy_last_error(&H.buddy), ALLOC_ERR_CORRUPT);
        EXPECT_ERR(describe("buddy_check with the head's next link set to %s", cases[i].what),
                   buddy_check(&H.buddy), ALLOC_ERR_CORRUPT);
    }
    uintptr_t base = scribble_setup();
    link_of(base + 7 * 64)->prev = base + 5 * 64;
    EXPECT_NULL("alloc(64) with a back link in the head", buddy_alloc(&H.buddy, 64));
    EXPECT_ERR("last error with a back link in the head", buddy_last_error(&H.buddy),
               ALLOC_ERR_CORRUPT);
}

static void test_buddy_detects_bad_links_when_merging(void **state)
{
    (void)state;
    uintptr_t base = scribble_setup();
    /* Block 5 is free; its buddy, block 4, is in use. Damage 5's back link. */
    link_of(base + 5 * 64)->prev = base + 1 * 64;
    ASAN_UNPOISON_MEMORY_REGION((void *)(base + 4 * 64), 64);
    EXPECT_ERR("free(block 4) while its free buddy has a bad back link",
               buddy_free(&H.buddy, (void *)(base + 4 * 64)), ALLOC_ERR_CORRUPT);
    EXPECT_EQ("block 4 is no longer in use", buddy_block_size(&H.buddy, (void *)(base + 4 * 64)),
              0);
    EXPECT_ERR("buddy_check after the failed merge", buddy_check(&H.buddy), ALLOC_ERR_CORRUPT);

    /* What the heap still hands out never overlaps a block in use. */
    M.rng = 99;
    size_t handed_out = 0;
    for (void *p; (p = buddy_alloc(&H.buddy, 1 + rnd() % 64)) != NULL; handed_out++) {
        uintptr_t a = (uintptr_t)p;
        size_t n = buddy_block_size(&H.buddy, p), i = (a - base) / 64;
        EXPECT_TRUE(describe("block %#lx (%zu B) after the damage lies in free block 1, 3, 4, 5 "
                             "or 7",
                             (unsigned long)a, n),
                    (i == 1 || i == 3 || i == 4 || i == 5 || i == 7) &&
                        a + n <= base + 64 * (i + 1));
        ASAN_POISON_MEMORY_REGION(p, n);
    }
    EXPECT_ERR("why the heap stopped handing out blocks", buddy_last_error(&H.buddy),
               ALLOC_ERR_CORRUPT);
    EXPECT_TRUE(
        describe("block 4, freed but not merged, is handed out again (%zu blocks)", handed_out),
        handed_out >= 1);
}

/* Overwrite the links of some free blocks with tempting values. */
static void scribble_some_free_blocks(void)
{
    uintptr_t free_blocks[64];
    size_t nfree = 0;
    for (uintptr_t a = H.base; a < H.base + H.size && nfree < 64; a += 32)
        if (M.owner[(a - H.base) / 16] == 0 && rnd() % 16 == 0)
            free_blocks[nfree++] = a;
    for (size_t i = 0; i < nfree; i++) {
        uintptr_t value;
        switch (rnd() % 6) {
        case 0:
            value = rnd();
            break;
        case 1:
            value = H.base + (rnd() % (H.size / 32)) * 32;
            break;
        case 2:
            value = free_blocks[rnd() % nfree];
            break;
        case 3:
            value = M.nlive ? (uintptr_t)M.live[rnd() % M.nlive].p : 0;
            break;
        case 4:
            value = 0;
            break;
        default:
            value = H.buddy.order[rnd() % BUDDY_ORDERS].head;
            break;
        }
        uintptr_t *word = (uintptr_t *)free_blocks[i] + rnd() % 2; /* next or prev */
        *word = value;
    }
}

static void test_buddy_survives_scribbled_free_memory(void **state)
{
    (void)state;
    size_t corrupt = 0;
    for (uint64_t round = 0; round < 40; round++) {
        heap_open(HEAP_BUDDY, 64 * KiB, 64 * KiB, 0);
        model_open(round * 7919 + 1);
        M.tolerate_corrupt = true;
        for (int op = 0; op < 3000; op++) {
            if (op % 300 == 150)
                scribble_some_free_blocks();
            model_step();
        }
        corrupt += M.corrupt;
        model_free_all();
        M.tolerate_corrupt = false;
        model_close();
    }
    EXPECT_TRUE(describe("damage was noticed (%zu CORRUPT answers)", corrupt), corrupt > 0);
}

/* ---- The list heap's own behaviour ----------------------------------------- */

static void test_list_first_fit_split_and_coalesce(void **state)
{
    (void)state;
    heap_open(HEAP_LIST, 4 * KiB, 16, 0);
    uint8_t *base = (uint8_t *)H.base;
    uint8_t *a = alloc_ok(100, "a"), *b = alloc_ok(200, "b"), *c = alloc_ok(300, "c");
    EXPECT_PTR("a comes right after the first header", a, base + 32);
    EXPECT_PTR("b: after a's 112 bytes and b's header", b, base + 32 + 112 + 32);
    EXPECT_PTR("c: after b's 208 bytes and c's header", c, b + 208 + 32);
    free_ok(b, "b");
    EXPECT_PTR("alloc(50) takes the first fit: b's old place", alloc_ok(50, "d"), b);
    EXPECT_EQ("free blocks: the rest of b and the tail", stats().free_blocks, 2);
    free_ok(a, "a");
    EXPECT_EQ("free blocks after freeing a (d is in use beside it)", stats().free_blocks, 3);
    free_ok(b, "d");
    EXPECT_EQ("free blocks after freeing d: a, d and the rest of b merge", stats().free_blocks, 2);
    free_ok(c, "c");
    struct alloc_stats s = stats();
    EXPECT_EQ("free blocks after freeing everything", s.free_blocks, 1);
    EXPECT_EQ("the one free block is the whole region", s.largest_free, 4 * KiB);
}

static void test_list_picture_exact(void **state)
{
    (void)state;
    heap_open(HEAP_LIST, 4 * KiB, 16, 0);
    void *a = alloc_ok(100, "a");
    alloc_ok(1000, "b");
    free_ok(a, "a");
    char want[512];
    snprintf(want, sizeof(want),
             "list heap %#lx-%#lx, 4096 bytes, 32-byte headers\n"
             "bar: 1 char = 64 B, # in use, . free, + both; blocks: size with header, u in use, "
             "f free\n"
             "|..+###############+.............................................|\n"
             "144f 1040u 2912f\n",
             (unsigned long)H.base, (unsigned long)(H.base + 4 * KiB));
    EXPECT_STR("picture of a 4 KiB list heap", picture(), want);
}

static void test_list_damaged_header_detected(void **state)
{
    (void)state;
    heap_open(HEAP_LIST, 4 * KiB, 16, 0);
    uint8_t *a = alloc_ok(64, "a"), *b = alloc_ok(64, "b");
    memset(a, 0x41, 64 + 16); /* overrun a by 16 bytes: into b's header */
    EXPECT_ERR("free(b) with its header overwritten", allocator_free(&H.a, b), ALLOC_ERR_CORRUPT);
    EXPECT_ERR("free(a) whose neighbour's header is overwritten", allocator_free(&H.a, a),
               ALLOC_ERR_CORRUPT);
    EXPECT_NULL("alloc(64) walking past the damaged header", allocator_alloc(&H.a, 64));
    EXPECT_ERR("last error of that alloc", allocator_last_error(&H.a), ALLOC_ERR_CORRUPT);
    EXPECT_ERR("list_heap_check", list_heap_check(&H.list), ALLOC_ERR_CORRUPT);
}

static void test_list_init_errors(void **state)
{
    (void)state;
    static uint8_t region[256] __attribute__((aligned(16)));
    struct list_heap l;
    uintptr_t base = (uintptr_t)region;
    EXPECT_ERR("init with NULL heap", list_heap_init(NULL, base, 256), ALLOC_ERR_BAD_ARGUMENT);
    EXPECT_ERR("init with base + 8", list_heap_init(&l, base + 8, 128), ALLOC_ERR_BAD_ARGUMENT);
    EXPECT_ERR("init with size 100", list_heap_init(&l, base, 100), ALLOC_ERR_BAD_ARGUMENT);
    EXPECT_ERR("init with size 32", list_heap_init(&l, base, 32), ALLOC_ERR_TOO_SMALL);
    EXPECT_ERR("init with size 48", list_heap_init(&l, base, 48), ALLOC_OK);
}

/* ---- The list of tests ------------------------------------------------------ */

#define SHARED(f)                                                                                  \
    {"buddy: " #f, f, setup_buddy, teardown_heap, NULL},                                           \
    {                                                                                              \
        "list: " #f, f, setup_list, teardown_heap, NULL                                            \
    }
#define ONE(f)                                                                                     \
    {                                                                                              \
#f, f, NULL, teardown_heap, NULL                                                           \
    }

int main(void)
{
    const struct CMUnitTest tests[] = {
        SHARED(test_size_zero_gives_null),
        SHARED(test_too_large_gives_null),
        SHARED(test_calloc_zeroes_and_catches_overflow),
        SHARED(test_blocks_aligned_and_usable),
        SHARED(test_bad_frees_are_reported_and_change_nothing),
        SHARED(test_exhaustion_and_recovery),
        SHARED(test_realloc_keeps_contents),
        SHARED(test_stats_add_up),
        SHARED(test_picture_truncates_like_snprintf),
        SHARED(test_random_operations_against_model),
        ONE(test_buddy_split_and_coalesce_exact),
        ONE(test_buddy_neighbours_that_are_not_buddies_stay_apart),
        ONE(test_buddy_region_not_a_power_of_two),
        ONE(test_buddy_unaligned_base),
        ONE(test_buddy_every_block_aligned_to_its_size),
        ONE(test_buddy_metadata_within_two_bits_per_block),
        ONE(test_buddy_init_errors),
        ONE(test_buddy_free_errors_exact),
        ONE(test_buddy_realloc_shrinks_in_place),
        ONE(test_buddy_realloc_grows_in_place),
        ONE(test_buddy_order_records_and_middle_pointers),
        ONE(test_buddy_stats_and_fragmentation),
        ONE(test_buddy_picture_exact),
        ONE(test_buddy_largest_block_is_1_gib),
        ONE(test_buddy_reserved_start_grows_block_by_block),
        ONE(test_buddy_detects_bad_next_links),
        ONE(test_buddy_detects_bad_links_when_merging),
        ONE(test_buddy_survives_scribbled_free_memory),
        ONE(test_list_first_fit_split_and_coalesce),
        ONE(test_list_picture_exact),
        ONE(test_list_damaged_header_detected),
        ONE(test_list_init_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
