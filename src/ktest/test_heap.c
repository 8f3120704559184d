/*
 * ktest/test_heap.c - suite "heap": kmalloc on the real kernel heap.
 *
 * The allocators themselves are tested on the host (tests/test_heap_alloc.c).
 * These tests check the kernel heap built from them: blocks of every order,
 * growth through the VMM when the heap is full, random stress with contents
 * checked, the free byte count coming back exactly, and the named panics for
 * bad frees. They run on whichever allocator backs kmalloc (heap=buddy, the
 * default, heap=list or heap=slab); CTest runs the suite with each.
 */
#include <stdint.h>

#include "ktest/ktest.h"
#include "lib/string.h"
#include "mm/kmalloc.h"
#include "mm/layout.h"
#include "mm/pmm_boot.h"
#include "mm/vmm_boot.h"

static struct arena_heap_stats stats(void)
{
    struct arena_heap_stats st;
    arena_heap_stats(&kernel_heap, &st);
    return st;
}

static uint64_t pmm_free(void)
{
    struct pmm_stats st;
    pmm_get_stats(&kernel_pmm, &st);
    return st.free_bytes;
}

/* A small PRNG (xorshift64), so the stress test repeats exactly. */
static uint64_t rng_state;
static uint64_t rng(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

static void fill(void *p, size_t n, uint8_t seed)
{
    uint8_t *b = p;
    for (size_t i = 0; i < n; i++)
        b[i] = (uint8_t)(seed + i * 7);
}

static bool check_fill(const void *p, size_t n, uint8_t seed)
{
    const uint8_t *b = p;
    for (size_t i = 0; i < n; i++)
        if (b[i] != (uint8_t)(seed + i * 7))
            return false;
    return true;
}

KTEST(heap, every_order, "kmalloc gives usable blocks of every size from 32 B to 1 MiB (buddy: aligned to their size)")
{
    for (unsigned order = 0; order <= 15; order++) {
        size_t size = (size_t)32 << order;
        uint8_t *p = kmalloc(size);
        if (!p)
            ktest_fail(__FILE__, __LINE__, "kmalloc(%lu) returned NULL", (unsigned long)size);
        KT_ASSERT(arena_heap_block_size(&kernel_heap, p) >= size);
        if (kernel_heap.backend == HEAP_BUDDY && ((uintptr_t)p & (size - 1)))
            ktest_fail(__FILE__, __LINE__, "kmalloc(%lu) = %p is not aligned to its size",
                       (unsigned long)size, (void *)p);
        KT_ASSERT(((uintptr_t)p & 15) == 0);
        fill(p, size, (uint8_t)order);
        KT_ASSERT(check_fill(p, size, (uint8_t)order));
        kfree(p);
    }
}

KTEST(heap, grows_through_the_vmm, "when the arenas are full the heap maps a new one: more arenas, more mapped bytes, fewer free frames")
{
    struct arena_heap_stats before = stats();
    uint64_t frames_before = pmm_free();
    /* More 64 KiB blocks than every arena so far can hold. */
    size_t n = (size_t)(before.mapped_bytes / (64 << 10)) + 4;
    static void *blocks[4096];
    KT_ASSERT(n <= 4096);
    for (size_t i = 0; i < n; i++) {
        blocks[i] = kmalloc(64 << 10);
        if (!blocks[i])
            ktest_fail(__FILE__, __LINE__, "kmalloc(64 KiB) number %lu returned NULL", (unsigned long)i);
        fill(blocks[i], 64, (uint8_t)i);
    }
    struct arena_heap_stats grown = stats();
    uint64_t frames_grown = pmm_free();
    for (size_t i = 0; i < n; i++) {
        KT_ASSERT(check_fill(blocks[i], 64, (uint8_t)i));
        kfree(blocks[i]);
    }
    ktest_diag("grew from %u to %u arenas, %llu to %llu KiB mapped", before.arenas, grown.arenas,
               (unsigned long long)(before.mapped_bytes >> 10),
               (unsigned long long)(grown.mapped_bytes >> 10));
    KT_ASSERT(grown.arenas > before.arenas);
    KT_ASSERT(grown.grows > before.grows);
    KT_ASSERT(grown.mapped_bytes > before.mapped_bytes);
    /* While the new arenas were mapped, their frames (and page tables) were out of the PMM. */
    KT_ASSERT(frames_grown <= frames_before - (grown.mapped_bytes - before.mapped_bytes));
}

KTEST(heap, gives_back_empty_arenas,
      "arenas emptied by kfree go back to the VMM: mapped bytes and the PMM's free frames return "
      "to where they were")
{
    struct arena_heap_stats before = stats();
    uint64_t frames_before = pmm_free();
    uint64_t tables_before = kernel_space.table_pages;
    /* 64 KiB blocks until the heap has grown twice (a second and a third arena). */
    static void *blocks[256]; /* 64 KiB each: 16 MiB, far more than two arenas need */
    size_t n = 0;
    while (stats().grows < before.grows + 2) {
        KT_ASSERT(n < 256);
        blocks[n] = kmalloc(64 << 10);
        if (!blocks[n])
            ktest_fail(__FILE__, __LINE__, "kmalloc(64 KiB) number %lu returned NULL",
                       (unsigned long)n);
        n++;
    }
    struct arena_heap_stats grown = stats();
    KT_ASSERT(grown.arenas >= before.arenas + 2);
    KT_ASSERT(grown.mapped_bytes > before.mapped_bytes);
    /* Free the newest blocks first: the newest arena empties while the older ones are full
     * (kept as the spare), then room in the older ones sends it back too. */
    for (size_t i = n; i-- > 0;)
        kfree(blocks[i]);
    struct arena_heap_stats after = stats();
    uint64_t tables_kept = kernel_space.table_pages - tables_before;
    ktest_diag("%u arenas, %llu KiB mapped; grown to %u, %llu KiB; after freeing %u, %llu KiB, "
               "%llu arenas given back, %llu page tables kept",
               before.arenas, (unsigned long long)(before.mapped_bytes >> 10), grown.arenas,
               (unsigned long long)(grown.mapped_bytes >> 10), after.arenas,
               (unsigned long long)(after.mapped_bytes >> 10),
               (unsigned long long)(after.releases - before.releases),
               (unsigned long long)tables_kept);
    KT_ASSERT_EQ(before.arenas, after.arenas);
    KT_ASSERT_EQ(before.mapped_bytes, after.mapped_bytes);
    KT_ASSERT(after.releases >= before.releases + 2);
    /* Every frame is back but the page tables the VMM keeps (none once the range has them). */
    KT_ASSERT_EQ(frames_before, pmm_free() + tables_kept * 4096);
}

KTEST(heap, free_bytes_exact_after_free_all, "after freeing everything, free bytes and blocks in use are exactly as before")
{
    struct arena_heap_stats before = stats();
    void *p[64];
    for (unsigned i = 0; i < 64; i++) {
        p[i] = kmalloc(1 + (i * 37) % 3000);
        KT_ASSERT(p[i] != 0);
    }
    KT_ASSERT(stats().total.free_bytes < before.total.free_bytes);
    for (unsigned i = 0; i < 64; i += 2)
        kfree(p[i]);
    for (unsigned i = 1; i < 64; i += 2)
        kfree(p[i]);
    struct arena_heap_stats after = stats();
    KT_ASSERT_EQ(before.total.free_bytes, after.total.free_bytes);
    KT_ASSERT_EQ(before.total.used_blocks, after.total.used_blocks);
    KT_ASSERT_EQ(before.total.free_blocks, after.total.free_blocks);
}

#define LIVE 128

KTEST(heap, random_stress, "4000 random kmalloc/kfree/krealloc of 1 B..8 KiB: no overlap, contents kept, all returned")
{
    static struct {
        uint8_t *p;
        size_t n;
        uint8_t seed;
    } live[LIVE];
    struct arena_heap_stats before = stats();
    rng_state = 0x9E3779B97F4A7C15ull;
    for (unsigned op = 0; op < 4000; op++) {
        unsigned i = (unsigned)(rng() % LIVE);
        if (live[i].p) {
            if (!check_fill(live[i].p, live[i].n, live[i].seed))
                ktest_fail(__FILE__, __LINE__, "op %u: block %p (%lu bytes) was overwritten", op,
                           (void *)live[i].p, (unsigned long)live[i].n);
            if (rng() % 4 == 0) {
                size_t n = 1 + (size_t)(rng() % 8192);
                uint8_t *q = krealloc(live[i].p, n);
                KT_ASSERT(q != 0);
                size_t kept = n < live[i].n ? n : live[i].n;
                KT_ASSERT(check_fill(q, kept, live[i].seed));
                live[i].p = q;
                live[i].n = n;
                fill(q, n, live[i].seed);
            } else {
                kfree(live[i].p);
                live[i].p = 0;
            }
            continue;
        }
        live[i].n = 1 + (size_t)(rng() % 8192);
        live[i].seed = (uint8_t)rng();
        live[i].p = kmalloc(live[i].n);
        KT_ASSERT(live[i].p != 0);
        for (unsigned j = 0; j < LIVE; j++) {
            if (j == i || !live[j].p)
                continue;
            uintptr_t a = (uintptr_t)live[i].p, b = (uintptr_t)live[j].p;
            if (a < b + live[j].n && b < a + live[i].n)
                ktest_fail(__FILE__, __LINE__, "op %u: new block %p+%lu overlaps live block %p+%lu",
                           op, (void *)a, (unsigned long)live[i].n, (void *)b,
                           (unsigned long)live[j].n);
        }
        fill(live[i].p, live[i].n, live[i].seed);
    }
    for (unsigned i = 0; i < LIVE; i++) {
        if (live[i].p) {
            KT_ASSERT(check_fill(live[i].p, live[i].n, live[i].seed));
            kfree(live[i].p);
            live[i].p = 0;
        }
    }
    KT_ASSERT_EQ(before.total.used_blocks, stats().total.used_blocks);
    KT_ASSERT_EQ(before.total.free_bytes + (stats().total.total_bytes - before.total.total_bytes),
                 stats().total.free_bytes);
}

KTEST(heap, zero_too_large_and_overflow, "kmalloc(0) and too-large requests give NULL without growing; kcalloc overflow gives NULL")
{
    struct arena_heap_stats before = stats();
    KT_ASSERT(kmalloc(0) == 0);
    KT_ASSERT(kmalloc((size_t)1 << 40) == 0);
    KT_ASSERT(kcalloc(SIZE_MAX / 2, 4) == 0);
    KT_ASSERT(kcalloc(0, 16) == 0);
    kfree(0); /* does nothing */
    KT_ASSERT_EQ(before.arenas, stats().arenas);
    KT_ASSERT_EQ(before.total.used_blocks, stats().total.used_blocks);
}

KTEST(heap, calloc_and_realloc, "kcalloc zeroes reused memory; krealloc keeps the contents when growing and shrinking")
{
    uint8_t *p = kmalloc(200);
    KT_ASSERT(p != 0);
    memset(p, 0xEE, 200);
    kfree(p);
    uint8_t *z = kcalloc(50, 4);
    KT_ASSERT(z != 0);
    for (unsigned i = 0; i < 200; i++)
        KT_ASSERT_EQ(0, z[i]);
    fill(z, 200, 3);
    uint8_t *g = krealloc(z, 100000);
    KT_ASSERT(g != 0);
    KT_ASSERT(check_fill(g, 200, 3));
    uint8_t *s = krealloc(g, 10);
    KT_ASSERT(s != 0);
    KT_ASSERT(check_fill(s, 10, 3));
    KT_ASSERT(krealloc(s, 0) == 0); /* frees */
    uint8_t *n = krealloc(0, 64);
    KT_ASSERT(n != 0);
    kfree(n);
}

static void free_twice(void *arg)
{
    void **slot = arg;
    *slot = kmalloc(48);
    kfree(*slot);
    kfree(*slot);
}

static void free_middle(void *arg)
{
    kfree((uint8_t *)arg + 16);
}

static const int not_heap = 7;
static void free_foreign(void *arg)
{
    (void)arg;
    kfree((void *)&not_heap);
}

KTEST(heap, bad_frees_are_named_panics, "double free, a pointer into a block and a foreign pointer each panic with the pointer and the caller")
{
    char msg[256];
    void *p = 0;
    KT_ASSERT(ktest_catch_panic(free_twice, &p, msg, sizeof(msg)));
    ktest_diag("%s", msg);
    KT_ASSERT(strstr(msg, "kfree: double free of") != 0);
    KT_ASSERT(strstr(msg, "caller 0x") != 0);

    uint8_t *q = kmalloc(64);
    KT_ASSERT(q != 0);
    bool panicked = ktest_catch_panic(free_middle, q, msg, sizeof(msg));
    kfree(q); /* still allocated: the bad free changed nothing */
    KT_ASSERT(panicked);
    ktest_diag("%s", msg);
    KT_ASSERT(strstr(msg, "kfree: pointer into the middle of a block:") != 0);

    KT_ASSERT(ktest_catch_panic(free_foreign, 0, msg, sizeof(msg)));
    ktest_diag("%s", msg);
    KT_ASSERT(strstr(msg, "outside every arena") != 0);
}

KTEST(heap, private_heaps_both_backends, "a private buddy heap and a private list heap in scratch space work and give back every frame")
{
    static struct arena_heap h;
    uint64_t frames = pmm_free();
    for (int backend = HEAP_BUDDY; backend <= HEAP_LIST; backend++) {
        KT_ASSERT_INT_EQ(VMM_OK, arena_heap_init(&h, (enum heap_backend)backend, &kernel_space,
                                                 KERNEL_SCRATCH_BASE, 1ULL << 30));
        void *a = arena_heap_alloc(&h, 100), *b = arena_heap_alloc(&h, 1 << 20);
        KT_ASSERT(a && b);
        KT_ASSERT(h.count >= 2); /* 1 MiB did not fit the first arena: it grew */
        arena_heap_free(&h, a, 0);
        arena_heap_free(&h, b, 0);
        struct arena_heap_stats st;
        arena_heap_stats(&h, &st);
        KT_ASSERT_EQ(0, st.total.used_blocks);
        arena_heap_destroy(&h);
    }
    KT_ASSERT_EQ(frames, pmm_free());
}

KTEST(heap, private_slab_heap, "a private slab heap (slab caches on the buddy): size classes finer than powers of two, named bad frees, every slab and frame given back")
{
    static struct arena_heap h;
    static uint8_t *p[1500];
    static char picture[4096];
    uint64_t frames = pmm_free();
    KT_ASSERT_INT_EQ(VMM_OK, arena_heap_init(&h, HEAP_SLAB, &kernel_space, KERNEL_SCRATCH_BASE,
                                             1ULL << 30));
    for (unsigned i = 0; i < 1500; i++) {
        size_t size = 1 + (i * 37) % 700;
        p[i] = arena_heap_alloc(&h, size);
        if (!p[i])
            ktest_fail(__FILE__, __LINE__, "slab alloc(%lu) number %u returned NULL",
                       (unsigned long)size, i);
        size_t got = arena_heap_block_size(&h, p[i]);
        if (got != slab_class_size(slab_class_of(size)))
            ktest_fail(__FILE__, __LINE__, "alloc(%lu): block size %lu, expected class size %lu",
                       (unsigned long)size, (unsigned long)got,
                       (unsigned long)slab_class_size(slab_class_of(size)));
        KT_ASSERT(((uintptr_t)p[i] & 15) == 0);
        fill(p[i], size, (uint8_t)i);
    }
    for (unsigned i = 0; i < 1500; i++)
        if (!check_fill(p[i], 1 + (i * 37) % 700, (uint8_t)i))
            ktest_fail(__FILE__, __LINE__, "object %u at %p was overwritten", i, (void *)p[i]);
    KT_ASSERT_INT_EQ(ALLOC_ERR_MIDDLE, arena_heap_try_free(&h, p[3] + 16));
    arena_heap_picture(&h, picture, sizeof(picture));
    KT_ASSERT(strstr(picture, "slab heap ") != 0);
    for (unsigned i = 0; i < 1500; i++)
        KT_ASSERT_INT_EQ(ALLOC_OK, arena_heap_try_free(&h, p[i]));
    KT_ASSERT_INT_EQ(ALLOC_ERR_DOUBLE_FREE, arena_heap_try_free(&h, p[0]));
    struct arena_heap_stats st;
    arena_heap_stats(&h, &st);
    KT_ASSERT_EQ(0, st.total.used_blocks);
    KT_ASSERT_EQ(st.total.total_bytes, st.total.free_bytes); /* every slab went back */
    arena_heap_destroy(&h);
    KT_ASSERT_EQ(frames, pmm_free());
}
